"""The loss chart: loss per epoch on a labelled log axis, with setting markers and a readout cursor.

`draw_loss_chart` is pure: arrays in, exactly width × height cells of Segments out, plus what lies
under the cursor. `LossChartRenderable` hands the same drawing to a Rich Console, and `LossChart`
is the thin Textual widget that owns the data, the markers and the cursor and caches its strips.

Geometry. The plot is `rows` cells high, each cell eight "eighths" (the block characters
▁▂▃▄▅▆▇█), so a bar is `levels = 8 · rows` eighths at most. With lo and hi the smallest and
largest log₁₀(loss) of the finite positive points, a value v is drawn

    level(v) = 1 + ⌊(v − lo) / (hi − lo) · (levels − 1) + ½⌋  eighths high,

so the smallest loss still shows as ▁ and the largest fills the top row. Along x, a point at epoch e
goes to plot column ⌊(e − e₀) / (e₁ − e₀) · (columns − 1) + ½⌋: points keep their true positions and
widths (two points are two one-cell bars at the two ends, not two half-pane blocks). Several points
in one column are drawn at the mean of their log₁₀(loss) (the geometric mean of the losses); the
readout gives the one point of that column whose epoch is nearest the column's own epoch, so every
number it returns is one of the points handed in.

A second series, the validation loss at the same epochs, is drawn over the bars as a line in a colour
of its own, one mark per column at its level: a braille dash at one of four heights in the cell
(⣀ ⠤ ⠒ ⠉, a quarter of a row each; no block character, so it never reads as a bar) or, in ASCII, an
o in the row. The log axis spans both series, and the readout gives both losses of the point under
the cursor.

A dropout run's evaluation loss (no unit dropped) is a third series, beside the training bars and the
validation dashes: a dotted line, one braille dot at one of four heights in the cell (⡀ ⠄ ⠂ ⠁), in a colour
of its own (ASCII: *). Where both marks fall in one cell, one braille glyph holds the evaluation's dot in its
left column and the validation's in its right, each at its own height (ASCII: the validation's o). A chart one
row high (the compact layout's) would hide every bar under the marks: every other column with points shows its bar
there, the rest their marks.

Speed: the characters are chosen with NumPy over the whole grid, every cell's style is an index
into a handful of Style objects built once, and each run of one style in a row is one Segment.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from tui_nn.engine.walk.records import NumberFormat
from tui_nn.ui import theme

Marker = tuple[float, str]
"""(epoch, short label) of a change of settings, e.g. (1200, "η×2")."""

Readout = tuple[float, float]
"""(epoch, loss) of the point under the cursor."""

VALIDATION_DASHES = np.array(list("⣀⠤⠒⠉"))  # bottom to top quarter of a cell
VALIDATION_ASCII = "o"
VALIDATION_LEGEND = {False: "⠤", True: VALIDATION_ASCII}
EVALUATION_DOTS = np.array(list("⡀⠄⠂⠁"))  # one dot, bottom to top quarter of a cell: dotted, never a dash
EVALUATION_ASCII = "*"
EVALUATION_LEGEND = {False: "⠂", True: EVALUATION_ASCII}

BLOCKS = " ▁▂▃▄▅▆▇█"  # index = eighths filled
ASCII_BLOCKS = " __.--~=#"  # the same eighths in plain ASCII; '#' is a full cell
EIGHTHS = 8


@dataclass(frozen=True)
class ChartStyles:
    """The few styles the chart uses; each is built once and shared by every cell that needs it."""

    bar: Style = Style(color="#ff87d7")  # the loss has one colour everywhere
    axis: Style = Style(color="#a8a8a8")
    label: Style = Style(color="#a8a8a8")
    marker: Style = Style(color="#e0e0e0", bold=True)
    marker_label: Style = Style(color="#e0e0e0", italic=True)
    bad: Style = Style(color="#ff5f5f", bold=True)
    cursor_bar: Style = Style(color="#ffffff", bgcolor="grey30")
    cursor_empty: Style = Style(bgcolor="grey30")
    cursor_bad: Style = Style(color="#ff5f5f", bold=True, bgcolor="grey30")
    empty_note: Style = Style(color="#a8a8a8", italic=True)
    validation: Style = Style(color="#5fd7ff", bold=True)  # the held-out loss: a colour apart from the bars'
    cursor_validation: Style = Style(color="#5fd7ff", bold=True, bgcolor="grey30")
    evaluation: Style = Style(color="#87d787", bold=True)  # a dropout run's loss with no unit dropped
    cursor_evaluation: Style = Style(color="#87d787", bold=True, bgcolor="grey30")


DEFAULT_STYLES = ChartStyles()
_THEMED: dict[str, ChartStyles] = {}


def themed_styles() -> ChartStyles:
    """The chart's styles in the palette in use (built once per palette)."""
    p = theme.current()
    if p.name not in _THEMED:
        _THEMED[p.name] = ChartStyles(
            bar=Style(color=p.loss),
            axis=Style(color=p.muted),
            label=Style(color=p.muted),
            marker=Style(color=p.text, bold=True),
            marker_label=Style(color=p.text, italic=True),
            bad=Style(color=p.error, bold=True),
            cursor_bar=Style(color=p.current, bgcolor="grey30" if p.name == "dark" else "grey70"),
            cursor_empty=Style(bgcolor="grey30" if p.name == "dark" else "grey70"),
            cursor_bad=Style(color=p.error, bold=True, bgcolor="grey30" if p.name == "dark" else "grey70"),
            empty_note=Style(color=p.muted, italic=True),
            validation=Style(color=p.info, bold=True),
            cursor_validation=Style(color=p.info, bold=True, bgcolor="grey30" if p.name == "dark" else "grey70"),
            evaluation=Style(color=p.success, bold=True),
            cursor_evaluation=Style(color=p.success, bold=True, bgcolor="grey30" if p.name == "dark" else "grey70"),
        )
    return _THEMED[p.name]


# Style ids of the plot cells (indices into the tuple `_palette` builds).
(
    _EMPTY,
    _BAR,
    _MARKER,
    _MARKER_LABEL,
    _BAD,
    _CURSOR_EMPTY,
    _CURSOR_BAR,
    _CURSOR_BAD,
    _VALIDATION,
    _CURSOR_VALIDATION,
    _EVALUATION,
    _CURSOR_EVALUATION,
) = range(12)


def _palette(styles: ChartStyles) -> tuple[Style | None, ...]:
    return (
        None,
        styles.bar,
        styles.marker,
        styles.marker_label,
        styles.bad,
        styles.cursor_empty,
        styles.cursor_bar,
        styles.cursor_bad,
        styles.validation,
        styles.cursor_validation,
        styles.evaluation,
        styles.cursor_evaluation,
    )


_PALETTES: dict[ChartStyles, tuple[Style | None, ...]] = {}
_BLOCK_ARRAYS = {False: np.array(list(BLOCKS)), True: np.array(list(ASCII_BLOCKS))}
# What a cell becomes under the cursor: its style id → the highlighted one.
_UNDER_CURSOR = np.array(
    [
        _CURSOR_EMPTY,
        _CURSOR_BAR,
        _CURSOR_BAR,
        _CURSOR_BAR,
        _CURSOR_BAD,
        _CURSOR_EMPTY,
        _CURSOR_BAR,
        _CURSOR_BAD,
        _CURSOR_VALIDATION,
        _CURSOR_VALIDATION,
        _CURSOR_EVALUATION,
        _CURSOR_EVALUATION,
    ]
)
_ASCII_LABEL = str.maketrans({"η": "lr", "×": "x", "÷": "/", "·": ".", "−": "-", "→": ">", "←": "<", "α": "a", "β": "b"})


@dataclass(frozen=True)
class ChartDrawing:
    """One drawing: `rows` fill exactly width × height cells."""

    rows: list[list[Segment]]
    readout: Readout | None
    """(epoch, loss) under the cursor; None without a cursor or without points."""
    cursor: int | None
    """The chart column highlighted (the requested one moved to the nearest column with a point)."""
    data_columns: tuple[int, ...]
    """The chart columns that hold at least one point, left to right (where a cursor can stop)."""
    y_labels: tuple[str, ...]
    """The vertical axis labels, top to bottom."""
    validation_readout: float | None = None
    """The validation loss of the point under the cursor (with a validation series)."""
    evaluation_readout: float | None = None
    """The evaluation loss (no unit dropped) of the point under the cursor (with an evaluation series)."""


# --- axis labels -----------------------------------------------------------------------------


def decade_label(k: int) -> str:
    """10^k written compactly: 1e-2, 1e0, 1e3."""
    return f"1e{k}"


def short_number(value: float, digits: int) -> str:
    """`value` to `digits` significant digits, trailing zeros kept, exponent unpadded: 0.700, 1.20e-5."""
    text = f"{value:#.{digits}g}"
    mantissa, _, exponent = text.partition("e")
    mantissa = mantissa.rstrip(".")
    return f"{mantissa}e{int(exponent)}" if exponent else mantissa


def min_max_labels(low: float, high: float) -> tuple[str, str]:
    """The smallest and largest loss with the fewest significant digits (3 to 6) that tell them apart."""
    for digits in range(3, 7):
        low_text, high_text = short_number(low, digits), short_number(high, digits)
        if low_text != high_text:
            return low_text, high_text
    return short_number(low, 6), short_number(high, 6)


def epoch_label(epoch: float) -> str:
    """An axis epoch to the nearest whole epoch, with thousands separators (the points are means of slices)."""
    return f"{math.floor(epoch + 0.5):,}"


def readout_text(
    readout: Readout,
    ascii_only: bool = False,
    validation: float | None = None,
    evaluation: float | None = None,
    measure: str = "loss",
) -> str:
    """The caption for a readout: `epoch 1,234 · loss 0.0123` (an epoch that is a slice's mean keeps its .5),
    then `· evaluation 0.0345` with a dropout run's evaluation loss and `· validation 0.0456` with a validation
    loss (`eval` and `val` when there are both, to fit the pane); a regression's reads `½·MSE 0.0123` (`measure`)."""
    epoch, loss = readout
    epoch_text = f"{epoch:,.0f}" if epoch == int(epoch) else f"{epoch:,.1f}"
    fmt = NumberFormat(4)
    parts = [f"epoch {epoch_text}", f"{measure} {fmt(loss)}"]
    both = validation is not None and evaluation is not None
    if evaluation is not None:
        parts.append(f"{'eval' if both else 'evaluation'} {fmt(evaluation)}")
    if validation is not None:
        parts.append(f"{'val' if both else 'validation'} {fmt(validation)}")
    if ascii_only:
        return "  ".join(parts).replace("−", "-").replace("∞", "inf")
    return " · ".join(parts)


def middle_epoch_tick(first: float, last: float) -> int | None:
    """A round whole epoch near the middle of (first, last), strictly inside it; None if there is none."""
    span = last - first
    if span < 2:
        return None
    middle = (first + last) / 2
    step = 10 ** math.floor(math.log10(span))
    while step >= 1:
        tick = round(middle / step) * step
        if first < tick < last:
            return int(tick)
        step //= 10
    return None


# --- drawing ---------------------------------------------------------------------------------


def _level(value: float | np.ndarray, low: float, high: float, levels: int) -> np.ndarray:
    """Eighths filled for log₁₀(loss) `value` (see the module docstring); mid-height when hi = lo."""
    if high <= low:
        return np.full(np.shape(value), max(levels // 2, 1), dtype=np.int64)
    fraction = (np.asarray(value, dtype=float) - low) / (high - low)
    return 1 + np.floor(fraction * (levels - 1) + 0.5).astype(np.int64)


def _row_from_top(level: int, rows: int) -> int:
    """The row (0 = top) holding the top eighth of a bar `level` eighths high."""
    return rows - 1 - min(max((level - 1) // EIGHTHS, 0), rows - 1)


def _y_ticks(low: float, high: float, extremes: tuple[float, float], rows: int) -> list[tuple[int, str]]:
    """(row from top, label) of the vertical axis: decades when two or more lie in [lo, hi], else min and max.

    `extremes` are the smallest and largest loss themselves (lo and hi are their log₁₀), so the
    min and max labels are the points' own values. Decades too close to share a row are thinned
    to every 2nd, 3rd, 5th, 10th … decade; on a tall chart, 5·10ᵏ and 2·10ᵏ are labelled too
    where a free row stays between labels.
    """
    levels = rows * EIGHTHS
    if not (math.isfinite(low) and math.isfinite(high)):
        return []
    if high <= low:
        return [(_row_from_top(int(_level(low, low, high, levels)), rows), short_number(extremes[0], 4))]
    decades = list(range(math.ceil(low), math.floor(high) + 1))
    if len(decades) >= 2:
        for step in (1, 2, 3, 5, 10, 20, 50, 100):
            chosen = [k for k in decades if k % step == 0]
            places = [_row_from_top(int(_level(k, low, high, levels)), rows) for k in chosen]
            if len(set(places)) == len(places) and chosen:
                ticks = [(row, decade_label(k)) for row, k in zip(places, chosen, strict=True)]
                if step == 1:
                    ticks += _between_decades(low, high, rows, places)
                return sorted(ticks)
    low_text, high_text = min_max_labels(*extremes)
    return [(0, high_text), (rows - 1, low_text)]


def _between_decades(low: float, high: float, rows: int, taken: list[int]) -> list[tuple[int, str]]:
    """Labels 5·10ᵏ, then 2·10ᵏ, inside [lo, hi] on rows at least two away from every other label."""
    taken = list(taken)
    ticks = []
    for mantissa in (5, 2):
        for k in range(math.floor(low), math.ceil(high) + 1):
            value = k + math.log10(mantissa)
            if low <= value <= high:
                row = _row_from_top(int(_level(value, low, high, rows * EIGHTHS)), rows)
                if all(abs(row - other) >= 2 for other in taken):
                    taken.append(row)
                    ticks.append((row, f"{mantissa}e{k}"))
    return ticks


def _merged_rows(texts: list[str], ids: np.ndarray, palette: Sequence[Style | None]) -> list[list[Segment]]:
    """Each row as one Segment per run of equal style ids (the runs of all rows found in one pass)."""
    rows, width = ids.shape
    starts: list[list[int]] = [[0] for _ in range(rows)]
    changed_rows, changed_columns = np.nonzero(ids[:, 1:] != ids[:, :-1])
    for r, c in zip(changed_rows.tolist(), changed_columns.tolist(), strict=True):
        starts[r].append(c + 1)
    id_rows = ids.tolist()
    merged = []
    for text, row_starts, row_ids in zip(texts, starts, id_rows, strict=True):
        ends = [*row_starts[1:], width]
        merged.append([Segment(text[a:b], palette[row_ids[a]]) for a, b in zip(row_starts, ends, strict=True)])
    return merged


def _place_labels(row_chars: np.ndarray, row_ids: np.ndarray, markers: list[tuple[int, str]], width: int) -> None:
    """Marker labels along the top row: right of their tick, else left of it, else left out (never overlapping)."""
    free_from = 0
    for column, label in sorted(markers):
        for start in (column + 1, column - len(label)):
            if start >= free_from and start >= 0 and start + len(label) <= width:
                row_chars[start : start + len(label)] = list(label)
                row_ids[start : start + len(label)] = _MARKER_LABEL
                free_from = start + len(label) + 1
                break


def draw_loss_chart(
    epochs: np.ndarray,
    losses: np.ndarray,
    width: int,
    height: int,
    markers: Iterable[Marker] = (),
    cursor: int | None = None,
    ascii_only: bool = False,
    styles: ChartStyles = DEFAULT_STYLES,
    epoch_range: tuple[float, float] | None = None,
    validation: np.ndarray | None = None,
    evaluation: np.ndarray | None = None,
) -> ChartDrawing:
    """Draw the loss chart into exactly `width` × `height` cells (see the module docstring).

    `cursor` is a chart column (0 = the chart's left edge); it moves to the nearest column that
    holds a point. Non-finite losses (a diverged run) are drawn as × (ASCII: !) on the top row.
    Labels go on the left (log₁₀ axis) and along the bottom (first, middle, last epoch) when the
    chart is at least 3 rows high and wide enough; otherwise the whole area is the plot.
    `epoch_range` is the span of the x axis (default: the points' own first and last epoch), for a
    caller that knows the epochs the points' slices cover. `validation`: the validation loss at
    each of `epochs`, drawn as dashes over the bars; `evaluation`: a dropout run's loss with no unit dropped
    at each of `epochs`, drawn as dots (under the dashes where both fall in one cell).
    """
    if width <= 0 or height <= 0:
        return ChartDrawing([], None, None, (), ())
    palette = _PALETTES.get(styles)
    if palette is None:
        palette = _PALETTES.setdefault(styles, _palette(styles))
    epochs = np.asarray(epochs, dtype=float).ravel()
    losses = np.asarray(losses, dtype=float).ravel()
    count = min(len(epochs), len(losses))
    epochs, losses = epochs[:count], losses[:count]

    finite = np.isfinite(losses)
    positive = finite & (losses > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log10(np.where(positive, losses, 1.0))
    held, held_positive, held_logs = _series(validation, count)
    evaluated, evaluated_positive, evaluated_logs = _series(evaluation, count)
    shown = np.concatenate([losses[positive], held[held_positive], evaluated[evaluated_positive]])  # the axis spans every series
    shown_logs = np.concatenate([logs[positive], held_logs[held_positive], evaluated_logs[evaluated_positive]])
    low = float(shown_logs.min()) if len(shown) else math.nan
    high = float(shown_logs.max()) if len(shown) else math.nan
    extremes = (float(shown.min()), float(shown.max())) if len(shown) else (math.nan, math.nan)

    # Layout: a label gutter and the axis on the left, epochs on the bottom row, if they fit.
    rows, gutter = height, 0
    ticks: list[tuple[int, str]] = []
    with_axes = height >= 3 and count > 0
    if with_axes:
        ticks = _y_ticks(low, high, extremes, height - 1)
        gutter = max((len(text) for _, text in ticks), default=1) + 1
        with_axes = width - gutter >= 4
    if with_axes:
        rows = height - 1
    else:
        ticks, gutter = [], 0
    columns = width - gutter
    levels = rows * EIGHTHS

    # Where each point goes along x.
    if epoch_range is not None:
        first_epoch, last_epoch = float(min(epoch_range)), float(max(epoch_range))
    else:
        first_epoch = float(epochs.min()) if count else 0.0
        last_epoch = float(epochs.max()) if count else 0.0
    span = last_epoch - first_epoch
    if count and span > 0 and columns > 1:
        point_column = np.floor((epochs - first_epoch) / span * (columns - 1) + 0.5).astype(np.int64)
        np.clip(point_column, 0, columns - 1, out=point_column)
    else:
        point_column = np.zeros(count, dtype=np.int64)

    # Per column: mean log₁₀ of its finite positive points, whether it holds a bad or a zero loss.
    sums = np.bincount(point_column[positive], weights=logs[positive], minlength=columns)
    counts = np.bincount(point_column[positive], minlength=columns)
    bad = np.bincount(point_column[~finite], minlength=columns) > 0
    floor = np.bincount(point_column[finite & ~positive], minlength=columns) > 0
    occupied = (counts > 0) | bad | floor
    column_level = np.zeros(columns, dtype=np.int64)
    has_value = counts > 0
    if has_value.any():
        column_level[has_value] = _level(sums[has_value] / counts[has_value], low, high, levels)
    column_level[floor & ~has_value] = 1  # a loss of exactly 0 sits on the floor

    # Characters and style ids of the plot, all cells at once.
    row_base = (rows - 1 - np.arange(rows))[:, None] * EIGHTHS  # eighths below each row
    fill = np.clip(column_level[None, :] - row_base, 0, EIGHTHS)
    chars = _BLOCK_ARRAYS[ascii_only][fill]
    ids = np.where(fill > 0, _BAR, _EMPTY).astype(np.int8)

    marker_columns: list[tuple[int, str]] = []
    for marker_epoch, label in markers:
        if not (count and first_epoch <= marker_epoch <= last_epoch):
            continue
        column = math.floor((marker_epoch - first_epoch) / span * (columns - 1) + 0.5) if span > 0 else 0
        column = min(max(column, 0), columns - 1)
        below = fill[:, column] > 0
        chars[~below, column] = "|" if ascii_only else "│"
        ids[:, column] = _MARKER
        marker_columns.append(
            (column, label.translate(_ASCII_LABEL).encode("ascii", "replace").decode() if ascii_only else label)
        )
    if marker_columns and rows >= 2:
        _place_labels(chars[0], ids[0], marker_columns, columns)
    under_marks = (chars.copy(), ids.copy())  # the bars, for a one-row chart to keep some of them
    quarters = []  # per series: (rows, columns, quarter of the cell) of its marks
    for values_logs, values_positive, glyphs, ascii_glyph, style_id in (
        (evaluated_logs, evaluated_positive, EVALUATION_DOTS, EVALUATION_ASCII, _EVALUATION),
        (held_logs, held_positive, VALIDATION_DASHES, VALIDATION_ASCII, _VALIDATION),
    ):
        series_levels = _validation_levels(
            point_column[: len(values_logs)], values_logs, values_positive, columns, low, high, levels
        )
        marked = np.flatnonzero(series_levels > 0)
        top_eighth = series_levels[marked] - 1
        series_rows = rows - 1 - np.minimum(top_eighth // EIGHTHS, rows - 1)
        quarter = (top_eighth % EIGHTHS) // 2
        chars[series_rows, marked] = ascii_glyph if ascii_only else glyphs[quarter]
        ids[series_rows, marked] = style_id
        quarters.append((series_rows, marked, quarter))
    if not ascii_only:
        _merge_shared_cells(chars, rows, columns, *quarters)
    if rows == 1:
        _alternate_bars_and_marks(chars, ids, under_marks, occupied)
    chars[0, bad] = "!" if ascii_only else "×"
    ids[0, bad] = _BAD

    # The cursor: the nearest occupied column, and the point of it nearest the column's epoch.
    data_columns = np.flatnonzero(occupied)
    readout: Readout | None = None
    validation_readout: float | None = None
    evaluation_readout: float | None = None
    cursor_column: int | None = None
    if cursor is not None and len(data_columns):
        wanted = min(max(cursor - gutter, 0), columns - 1)
        column = int(data_columns[np.argmin(np.abs(data_columns - wanted))])
        ids[:, column] = _UNDER_CURSOR[ids[:, column]]
        column_epoch = first_epoch + (span * column / (columns - 1) if columns > 1 else 0.0)
        members = np.flatnonzero(point_column == column)
        nearest = int(members[np.argmin(np.abs(epochs[members] - column_epoch))])
        readout = (float(epochs[nearest]), float(losses[nearest]))
        validation_readout = float(held[nearest]) if nearest < len(held) else None
        evaluation_readout = float(evaluated[nearest]) if nearest < len(evaluated) else None
        cursor_column = column + gutter

    if count == 0 and columns >= 1:
        note = "no loss yet" if columns >= 11 else ""
        middle = rows // 2
        chars[middle, : len(note)] = list(note)

    texts = np.ascontiguousarray(chars).view(f"<U{columns}")[:, 0].tolist() if columns else [""] * rows
    plot_rows = _merged_rows(texts, ids, palette) if columns else [[] for _ in range(rows)]
    out_rows: list[list[Segment]] = []
    tick_rows = dict(ticks)
    axis, tick = ("|", "+") if ascii_only else ("│", "┤")
    for r in range(rows):
        row: list[Segment] = []
        if gutter:
            tick_label = tick_rows.get(r)
            if tick_label is None:
                row.append(Segment(" " * (gutter - 1) + axis, styles.axis))
            else:
                row.append(Segment(tick_label.rjust(gutter - 1), styles.label))
                row.append(Segment(tick, styles.axis))
        if count == 0 and r == rows // 2:
            row.append(Segment(texts[r], styles.empty_note))
        else:
            row.extend(plot_rows[r])
        out_rows.append(row)
    if with_axes:
        out_rows.append(_epoch_axis(first_epoch, last_epoch, gutter, columns, ascii_only, styles))

    return ChartDrawing(
        rows=out_rows,
        readout=readout,
        cursor=cursor_column,
        data_columns=tuple((data_columns + gutter).tolist()),
        y_labels=tuple(text for _, text in ticks),
        validation_readout=validation_readout,
        evaluation_readout=evaluation_readout,
    )


_LEFT_DOTS = np.array([0x40, 0x04, 0x02, 0x01])  # braille's left column, bottom to top quarter
_RIGHT_DOTS = np.array([0x80, 0x20, 0x10, 0x08])  # its right column


def _merge_shared_cells(
    chars: np.ndarray,
    rows: int,
    columns: int,
    evaluation: tuple[np.ndarray, np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    """Where an evaluation mark and a validation mark fall in one cell (a one-row chart puts every pair there),
    draw both in one braille glyph: the evaluation's dot in the left column at its height, the validation's in
    the right column at its own, so neither hides the other (the cell takes the validation's colour)."""
    evaluation_quarter = np.full((rows, columns), -1)
    evaluation_quarter[evaluation[0], evaluation[1]] = evaluation[2]
    held_rows, held_columns, held_quarter = validation
    under = evaluation_quarter[held_rows, held_columns]
    shared = under >= 0
    if shared.any():
        codes = 0x2800 + _LEFT_DOTS[under[shared]] + _RIGHT_DOTS[held_quarter[shared]]
        chars[held_rows[shared], held_columns[shared]] = [chr(code) for code in codes.tolist()]


def _alternate_bars_and_marks(
    chars: np.ndarray, ids: np.ndarray, bars: tuple[np.ndarray, np.ndarray], occupied: np.ndarray
) -> None:
    """A one-row chart (the compact layout's) has each point's bar and marks in one cell, where the marks would hide
    every bar: there every other column with points shows its bar, the others their marks, so all the series stay
    on screen, each column's figure still its own epochs'."""
    bar_chars, bar_ids = bars
    columns_with_points = np.flatnonzero(occupied)
    shows_bar = columns_with_points[::2]
    marked = (ids[0, shows_bar] == _VALIDATION) | (ids[0, shows_bar] == _EVALUATION)
    restore = shows_bar[marked & (bar_ids[0, shows_bar] == _BAR)]
    chars[0, restore] = bar_chars[0, restore]
    ids[0, restore] = _BAR


def _series(values: np.ndarray | None, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A second series (validation or evaluation loss) cut to the points' count: (values, where each is finite
    and positive, their log₁₀ there, 0 elsewhere); empty arrays without one."""
    series = np.zeros(0) if values is None else np.asarray(values, dtype=float).ravel()[:count]
    positive = np.isfinite(series) & (series > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log10(np.where(positive, series, 1.0))
    return series, positive, logs


def _validation_levels(
    point_column: np.ndarray, logs: np.ndarray, positive: np.ndarray, columns: int, low: float, high: float, levels: int
) -> np.ndarray:
    """Per plot column, the level (in eighths, as a bar's) of a second series (validation or evaluation): at the mean
    log₁₀ of the column's points, like the bars; 0 where the column holds none."""
    sums = np.bincount(point_column[positive], weights=logs[positive], minlength=columns)
    counts = np.bincount(point_column[positive], minlength=columns)
    out = np.zeros(columns, dtype=np.int64)
    has = counts > 0
    if has.any():
        out[has] = _level(sums[has] / counts[has], low, high, levels)
    return out


def _epoch_axis(first: float, last: float, gutter: int, columns: int, ascii_only: bool, styles: ChartStyles) -> list[Segment]:
    """The bottom row: the first epoch under the first column, the last under the last, a round one between."""
    cells = [" "] * columns
    first_text, last_text = epoch_label(first), epoch_label(last)
    taken: list[tuple[int, int]] = []

    def put(text: str, start: int) -> bool:
        end = start + len(text)
        if start < 0 or end > columns or any(start < b + 2 and a < end + 2 for a, b in taken):
            return False
        cells[start:end] = list(text)
        taken.append((start, end))
        return True

    put(first_text, 0)
    if last > first:
        put(last_text, columns - len(last_text))
        middle = middle_epoch_tick(first, last)
        if middle is not None:
            column = math.floor((middle - first) / (last - first) * (columns - 1) + 0.5)
            text = epoch_label(middle)
            put(text, column - len(text) // 2)
    corner = "+" if ascii_only else "└"
    row = [Segment(" " * (gutter - 1) + corner, styles.axis)] if gutter else []
    row.append(Segment("".join(cells), styles.label))
    return row


def _same(new: np.ndarray | None, old: np.ndarray | None) -> bool:
    """Two optional series hold the same values (NaN equal to NaN)."""
    if new is None or old is None:
        return new is None and old is None
    return np.array_equal(new, old, equal_nan=True)


class LossChartRenderable:
    """`draw_loss_chart` as a Rich renderable (size from the console options unless given)."""

    def __init__(
        self,
        epochs: np.ndarray,
        losses: np.ndarray,
        markers: Sequence[Marker] = (),
        cursor: int | None = None,
        ascii_only: bool = False,
        styles: ChartStyles = DEFAULT_STYLES,
        width: int | None = None,
        height: int | None = None,
        epoch_range: tuple[float, float] | None = None,
        validation: np.ndarray | None = None,
        evaluation: np.ndarray | None = None,
    ) -> None:
        self.epochs, self.losses, self.markers = epochs, losses, markers
        self.validation, self.evaluation = validation, evaluation
        self.cursor, self.ascii_only, self.styles = cursor, ascii_only, styles
        self.width, self.height, self.epoch_range = width, height, epoch_range

    def draw(self, width: int, height: int) -> ChartDrawing:
        return draw_loss_chart(
            self.epochs,
            self.losses,
            width,
            height,
            self.markers,
            self.cursor,
            self.ascii_only,
            self.styles,
            self.epoch_range,
            self.validation,
            self.evaluation,
        )

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = self.width or options.max_width
        height = self.height or options.height or 8
        rows = self.draw(width, height).rows
        for i, row in enumerate(rows):
            yield from row
            if i < len(rows) - 1:
                yield Segment.line()


# --- the widget --------------------------------------------------------------------------------


class LossChart(Widget):
    """The loss chart at the widget's size: data, markers and cursor in, strips cached until one changes.

    The mouse moves the cursor (hover or click) and leaving the chart clears it; the app calls
    `move_cursor` / `clear_cursor` for keys and reads `readout`. A change of readout is posted as
    `LossChart.ReadoutChanged`.
    """

    DEFAULT_CSS = """
    LossChart {
        height: 1fr;
        min-height: 1;
    }
    """

    class ReadoutChanged(Message):
        """The (epoch, loss) under the cursor changed; None when the cursor went away."""

        def __init__(self, chart: LossChart, readout: Readout | None) -> None:
            super().__init__()
            self.chart = chart
            self.readout = readout

        @property
        def control(self) -> LossChart:
            return self.chart

    def __init__(self, ascii_only: bool = False, chart_styles: ChartStyles | None = None, **kwargs: str | None) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.ascii_only = ascii_only
        self.chart_styles = chart_styles
        self.epochs = np.zeros(0)
        self.losses = np.zeros(0)
        self.validation: np.ndarray | None = None
        self.evaluation: np.ndarray | None = None
        self.epoch_range: tuple[float, float] | None = None
        self.markers: tuple[Marker, ...] = ()
        self.cursor: int | None = None
        """The requested chart column (the drawing moves it to the nearest point), or None."""
        self._version = 0
        self._key: tuple[object, ...] | None = None
        self._drawing: ChartDrawing | None = None
        self._strips: tuple[Style, list[Strip]] | None = None
        self._posted: Readout | None = None

    # --- inputs ---

    def set_data(
        self,
        epochs: np.ndarray,
        losses: np.ndarray,
        epoch_range: tuple[float, float] | None = None,
        validation: np.ndarray | None = None,
        evaluation: np.ndarray | None = None,
    ) -> None:
        """New points (epochs and losses of equal length, and the validation and evaluation loss at each, if
        any) and optionally the x axis's span; redraws only on a change."""
        epochs, losses = np.asarray(epochs, dtype=float), np.asarray(losses, dtype=float)
        held = None if validation is None else np.asarray(validation, dtype=float)
        evaluated = None if evaluation is None else np.asarray(evaluation, dtype=float)
        same_points = np.array_equal(epochs, self.epochs) and np.array_equal(losses, self.losses, equal_nan=True)
        if same_points and _same(held, self.validation) and _same(evaluated, self.evaluation) and epoch_range == self.epoch_range:
            return
        self.epochs, self.losses, self.epoch_range = epochs.copy(), losses.copy(), epoch_range
        self.validation = None if held is None else held.copy()
        self.evaluation = None if evaluated is None else evaluated.copy()
        self._version += 1
        self._changed()

    def set_markers(self, markers: Iterable[Marker]) -> None:
        """Epochs where a setting changed, with a short label each."""
        markers = tuple((float(epoch), str(label)) for epoch, label in markers)
        if markers != self.markers:
            self.markers = markers
            self._changed()

    def set_cursor(self, column: int | None) -> None:
        if column != self.cursor:
            self.cursor = column
            self._changed()

    def clear_cursor(self) -> None:
        self.set_cursor(None)

    def move_cursor(self, step: int) -> None:
        """Move the cursor `step` points left (< 0) or right; without one, start at the newest (left) or oldest point."""
        columns = self.drawing().data_columns
        if not columns:
            return
        current = self.drawing().cursor
        if current is None:
            self.set_cursor(columns[-1] if step < 0 else columns[0])
            return
        index = min(max(columns.index(current) + step, 0), len(columns) - 1)
        self.set_cursor(columns[index])

    @property
    def readout(self) -> Readout | None:
        """(epoch, loss) under the cursor, or None."""
        return self.drawing().readout if self.cursor is not None else None

    @property
    def validation_readout(self) -> float | None:
        """The validation loss under the cursor, or None."""
        return self.drawing().validation_readout if self.cursor is not None else None

    @property
    def evaluation_readout(self) -> float | None:
        """The evaluation loss (no unit dropped) under the cursor, or None."""
        return self.drawing().evaluation_readout if self.cursor is not None else None

    def _changed(self) -> None:
        self.refresh()
        readout = self.readout
        if readout != self._posted:
            self._posted = readout
            self.post_message(self.ReadoutChanged(self, readout))

    # --- drawing ---

    def drawing(self) -> ChartDrawing:
        """The drawing at the current size, made again only when an input or the size changed."""
        size = self.content_size
        styles = self.chart_styles or themed_styles()
        key = (self._version, self.markers, self.cursor, size.width, size.height, styles)
        if key != self._key or self._drawing is None:
            self._key = key
            self._drawing = draw_loss_chart(
                self.epochs,
                self.losses,
                size.width,
                size.height,
                self.markers,
                self.cursor,
                self.ascii_only,
                styles,
                self.epoch_range,
                self.validation,
                self.evaluation,
            )
            self._strips = None
        return self._drawing

    def render_line(self, y: int) -> Strip:
        drawing = self.drawing()
        width = self.content_size.width
        base = self.rich_style
        if self._strips is None or self._strips[0] != base:
            self._strips = (base, [Strip(row, width).apply_style(base) for row in drawing.rows])
        strips = self._strips[1]
        return strips[y] if y < len(strips) else Strip.blank(width, base)

    def on_resize(self) -> None:
        if self.cursor is not None:
            self._changed()

    # --- mouse ---

    def _cursor_from(self, event: events.MouseEvent) -> None:
        offset = event.get_content_offset(self)
        if offset is not None:
            self.set_cursor(offset.x)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._cursor_from(event)

    def on_click(self, event: events.Click) -> None:
        self._cursor_from(event)

    def on_leave(self, event: events.Leave) -> None:
        self.clear_cursor()
