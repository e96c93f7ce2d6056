"""The matrix view: a micro-step as the tutorials' NumPy line, its shapes and its matrices.

A pure drawing (rows of Rich segments at a given width and height) of a MatrixFrame from
`tui_nn.engine.walk.matrices`, plus the thin pane that draws the current View's frame. Matrices are
printed the way NumPy prints them (`[[0.  1. ]`, decimal points aligned, scientific notation
when the magnitudes call for it) and abbreviated the way its printer does, first and last rows
and columns around `…`, always keeping the highlighted row, column and cell in sight. The cell
the step computes is drawn reversed; the sample's row and the unit's column in the step's colour
with a ▶ beside the row; the cells the step reads in bold.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from rich.segment import Segment
from rich.style import Style

from tui_nn.engine.session.view import MatrixFrame, Shown, View
from tui_nn.engine.walk.records import NumberFormat
from tui_nn.ui import theme
from tui_nn.ui.ascii import asciify
from tui_nn.ui.panes.widgets import _CachedLines

GAP = 2  # spaces between matrices side by side
MAX_COLUMNS = 9  # entries across before abbreviating (NumPy shows 3 + … + 3 of a long row)
MIN_ENTRIES = 3  # …, the highlighted one, …
Row = list[Segment]


def ascii_text(text: str) -> str:
    """`text` in ASCII, as every pane writes it under --ascii (ui.ascii.asciify)."""
    return asciify(text)


def visible(n: int, budget: int, keep: Iterable[int] = ()) -> list[int | None]:
    """Which of n indices to print in at most `budget` entries, a skipped run (None, printed …)
    counting as one: all of them if they fit, else the first and last ones like NumPy's printer,
    and every index in `keep` whatever the budget (the highlighted row or column)."""
    if n <= max(budget, 0):
        return list(range(n))
    chosen = {k for k in keep if 0 <= k < n}

    def entries(indices: set[int]) -> list[int | None]:
        out: list[int | None] = []
        previous = -1
        for k in sorted(indices):
            if k > previous + 1:
                out.append(None)
            out.append(k)
            previous = k
        if previous < n - 1:
            out.append(None)
        return out

    front, back = 0, n - 1
    while front <= back:
        grew = False
        for candidate in (front, back):
            if candidate in chosen:
                grew = True
                continue
            if len(entries(chosen | {candidate})) <= budget:
                chosen.add(candidate)
                grew = True
        if not grew:
            break
        front, back = front + 1, back - 1
    return entries(chosen)


def format_entries(values: np.ndarray, digits: int) -> list[str]:
    """NumPy's printing of a float array's entries at `digits` decimals, all of one width.

    numpy.array2string's rules (floatmode "maxprec"), with its own digit generation: scientific
    notation when the largest non-zero magnitude reaches 1e8, or the smallest is below 1e-4, or
    they differ by more than 1000×; otherwise positional, at most `digits` decimals with trailing
    zeros dropped and the decimal points aligned (0.5 and 0.25 print as "0.5 " and "0.25").
    """
    data = np.asarray(values, dtype=np.float64).ravel()
    finite = data[np.isfinite(data)]
    nonzero = np.abs(finite[finite != 0])
    scientific = bool(nonzero.size) and bool(nonzero.max() >= 1e8 or nonzero.min() < 1e-4 or nonzero.max() / nonzero.min() > 1e3)
    precision: int = digits
    min_digits: int | None = 0
    exp_size = -1
    trim: Literal["k", ".", "0", "-"] = "."
    if finite.size == 0:
        pad_left = pad_right = 0
        min_digits = None
    elif scientific:
        mantissas, exponents = zip(
            *((m, e) for m, _, e in (np.format_float_scientific(x, precision=digits, trim=".").partition("e") for x in finite)),
            strict=True,
        )
        heads, tails = zip(*(m.split(".") for m in mantissas), strict=True)
        exp_size = max(len(e) for e in exponents) - 1
        precision = min_digits = max(len(t) for t in tails)
        trim = "k"
        pad_left = max(len(h) for h in heads)
        pad_right = exp_size + 2 + precision
    else:
        printed = [np.format_float_positional(x, precision=digits, fractional=True, trim=".") for x in finite]
        heads, tails = zip(*(p.split(".") for p in printed), strict=True)
        pad_left, pad_right = max(len(h) for h in heads), max(len(t) for t in tails)
    if finite.size != data.size:  # room for nan, inf, -inf
        negative_inf = bool(np.any(data[np.isinf(data)] < 0))
        pad_left = max(pad_left, 3 - (pad_right + 1), 3 + negative_inf - (pad_right + 1))
    texts: list[str] = []
    for x in data:
        if not np.isfinite(x):
            word = "nan" if np.isnan(x) else ("inf" if x > 0 else "-inf")
            texts.append(" " * (pad_left + pad_right + 1 - len(word)) + word)
        elif scientific:
            texts.append(
                np.format_float_scientific(
                    x, precision=precision, min_digits=min_digits, trim=trim, pad_left=pad_left, exp_digits=exp_size
                )
            )
        else:
            texts.append(
                np.format_float_positional(
                    x,
                    precision=precision,
                    min_digits=min_digits,
                    fractional=True,
                    trim=trim,
                    pad_left=pad_left,
                    pad_right=pad_right,
                )
            )
    width = max((len(t) for t in texts), default=0)
    return [t.rjust(width) for t in texts]


@dataclass(frozen=True)
class Styles:
    """The looks of one frame: its phase's colour in four strengths."""

    colour: str

    @property
    def focus(self) -> Style:
        return Style(color=self.colour, bold=True, reverse=True)

    @property
    def read(self) -> Style:
        return Style(color=self.colour, bold=True, underline=True)

    @property
    def line(self) -> Style:
        return Style(color=self.colour)

    @property
    def name(self) -> Style:
        return Style(bold=True)

    @property
    def dim(self) -> Style:
        """What the palette calls muted (never the terminal's dim)."""
        return Style(color=theme.MUTED)


@dataclass
class Block:
    """One matrix drawn: its rows of segments, each `width` cells wide."""

    shown: Shown
    rows: list[Row]
    width: int
    entry_width: int = 0  # each printed entry's width, without the space between entries
    columns: int = 0  # entries across (a … counted)


class Runs:
    """Text gathered into one segment per run of equal style (a row of 16 entries is a few
    segments, not 40: drawing and padding cost per segment)."""

    def __init__(self) -> None:
        self._texts: list[str] = []
        self._styles: list[Style | None] = []

    def add(self, text: str, style: Style | None) -> None:
        if not text:
            return
        if self._styles and self._styles[-1] == style:
            self._texts[-1] += text
        else:
            self._texts.append(text)
            self._styles.append(style)

    def segments(self) -> Row:
        return [Segment(t, s) for t, s in zip(self._texts, self._styles, strict=True)]


def _pad(row: Row, width: int) -> Row:
    """`row` cut or filled with spaces to exactly `width` cells."""
    out: Row = []
    used = 0
    for segment in row:
        if used >= width:
            break
        text = segment.text[: width - used]
        if text:
            out.append(Segment(text, segment.style))
            used += len(text)
    if used < width:
        out.append(Segment(" " * (width - used)))
    return out


def draw_block(
    shown: Shown, row_budget: int, column_budget: int, digits: int, styles: Styles, ascii_only: bool, is_focus: bool
) -> Block:
    """`name (r×c)` over the matrix in NumPy's brackets, abbreviated to the budgets (entries
    including the … of a skipped run), the sample's row marked ▶ (with its index when rows were
    skipped, as the skipped ones give no count to go by)."""
    n_rows, n_cols = shown.shape
    keep_rows, keep_cols = _keep(shown)
    rows = visible(n_rows, row_budget, keep_rows)
    cols = visible(n_cols, column_budget, keep_cols)
    real_rows = [r for r in rows if r is not None]
    real_cols = [c for c in cols if c is not None]
    entries = format_entries(shown.values[np.ix_(real_rows, real_cols)], digits) if real_rows and real_cols else []
    ellipsis = "..." if ascii_only else "…"
    entry_width = max([len(e) for e in entries[:1]] + [len(ellipsis)])
    skipped_rows = len(real_rows) < n_rows
    label_width = len(str(n_rows - 1)) + 1 if skipped_rows else 0
    marker = ">" if ascii_only else "▶"
    text_of = {(r, c): entries[a * len(real_cols) + b] for a, r in enumerate(real_rows) for b, c in enumerate(real_cols)}

    def style_of(r: int, c: int) -> Style | None:
        if shown.focus == (r, c):
            return styles.focus
        if (r, c) in shown.cells:
            return styles.read
        if r in shown.rows or c in shown.columns:
            return styles.line
        return None

    body: list[Row] = []
    for r in rows:
        first, last = r == real_rows[0], r == real_rows[-1]
        if r is None:  # a skipped run of rows
            body.append([Segment(" " * (label_width + 1)), Segment(" " + ellipsis, styles.dim)])
            continue
        label = f"{r} ".rjust(label_width) if skipped_rows else ""
        highlighted = r in shown.rows
        runs = Runs()
        runs.add(label, styles.dim)
        runs.add(marker if highlighted else " ", styles.line if highlighted else None)
        runs.add("[[" if first else " [", None)
        for position, c in enumerate(cols):
            if position:
                runs.add(" ", None)
            if c is None:
                runs.add(ellipsis.rjust(entry_width), styles.dim)
            else:
                runs.add(text_of[(r, c)].rjust(entry_width), style_of(r, c))
        runs.add("]]" if last else "]", None)
        body.append(runs.segments())
    shape = f" ({n_rows}x{n_cols})" if ascii_only else f" ({n_rows}×{n_cols})"
    name = ascii_text(shown.name) if ascii_only else shown.name
    title: Row = [Segment(name, styles.line + styles.name if is_focus else styles.name), Segment(shape, styles.dim)]
    width = max(sum(len(s.text) for s in row) for row in [title, *body])
    return Block(shown, [_pad(row, width) for row in [title, *body]], width, entry_width, len(cols))


def _pack(widths: list[int], width: int) -> list[list[int]]:
    """Indices of blocks in bands left to right, a new band when the next block would not fit."""
    bands: list[list[int]] = []
    used = 0
    for index, w in enumerate(widths):
        if bands and used + GAP + w <= width:
            bands[-1].append(index)
            used += GAP + w
        else:
            bands.append([index])
            used = w
    return bands


def _priority(frame: MatrixFrame) -> list[int]:
    """Matrices in the order to keep them when space runs out: the step's own, the results, the rest."""
    order = list(range(len(frame.matrices)))
    return sorted(order, key=lambda i: (i != frame.focus, frame.matrices[i].role == "operand", i))


def layout_blocks(
    frame: MatrixFrame, width: int, height: int, digits: int, styles: Styles, ascii_only: bool
) -> tuple[list[Row], list[str]]:
    """The matrices in bands within width×height, and the names of any that did not fit."""
    keep = list(range(len(frame.matrices)))
    for _ in range(len(frame.matrices)):
        rows = _try_layout(frame, keep, width, height, digits, styles, ascii_only)
        if rows is not None:
            return rows, [frame.matrices[i].name for i in range(len(frame.matrices)) if i not in keep]
        if len(keep) == 1:
            break
        dropped = _priority(frame)[len(keep) - 1]
        keep.remove(dropped)
    rows = _try_layout(frame, keep, width, height, digits, styles, ascii_only, force=True) or []
    return rows, [frame.matrices[i].name for i in range(len(frame.matrices)) if i not in keep]


def _keep(shown: Shown) -> tuple[set[int], set[int]]:
    """The rows and columns a drawing of `shown` must include: its highlights."""
    cell_rows = {r for r, _ in shown.cells} | ({shown.focus[0]} if shown.focus else set())
    cell_cols = {c for _, c in shown.cells} | ({shown.focus[1]} if shown.focus else set())
    return set(shown.rows) | cell_rows, set(shown.columns) | cell_cols


def _try_layout(
    frame: MatrixFrame,
    keep: list[int],
    width: int,
    height: int,
    digits: int,
    styles: Styles,
    ascii_only: bool,
    force: bool = False,
) -> list[Row] | None:
    """Blocks narrowed to the width, packed in bands, their rows cut until the bands fit the
    height (None when even the fewest rows do not fit, unless `force`, which cuts the bottom).

    A block's height is worked out from its row budget without drawing it: 1 + min(rows,
    max(budget, the entries its highlighted rows need)); it is drawn at most three times.
    """
    shown = [frame.matrices[i] for i in keep]
    focus = [i == frame.focus for i in keep]
    least = [len(visible(s.shape[0], 0, _keep(s)[0])) for s in shown]  # entries the highlights need
    row_budgets = [min(s.shape[0], max(height - 1, MIN_ENTRIES)) for s in shown]
    column_budgets = [min(s.shape[1], MAX_COLUMNS) for s in shown]

    drawn: dict[tuple[int, int, int], Block] = {}

    def build(k: int) -> Block:
        key = (k, row_budgets[k], column_budgets[k])
        if key not in drawn:
            drawn[key] = draw_block(shown[k], row_budgets[k], column_budgets[k], digits, styles, ascii_only, focus[k])
        return drawn[key]

    def rows_of(k: int) -> int:
        return 1 + min(shown[k].shape[0], max(row_budgets[k], least[k]))

    widths = []
    for k in range(len(shown)):  # narrow each matrix to the pane's width
        block = build(k)
        if block.width > width and column_budgets[k] > MIN_ENTRIES:
            entry = block.entry_width + 1
            fitting = (width - (block.width - block.columns * entry)) // entry
            column_budgets[k] = max(MIN_ENTRIES, min(column_budgets[k] - 1, fitting))
            block = build(k)
            while block.width > width and column_budgets[k] > MIN_ENTRIES:
                column_budgets[k] -= 1
                block = build(k)
        widths.append(block.width)
    bands = _pack(widths, width)

    def band_height(band: list[int]) -> int:
        return max(rows_of(k) for k in band)

    while sum(band_height(band) for band in bands) + len(bands) - 1 > height:
        tallest = max(bands, key=band_height)
        target = band_height(tallest) - 1
        shrunk = False
        for k in tallest:
            if rows_of(k) > target and row_budgets[k] > MIN_ENTRIES:
                row_budgets[k] = max(MIN_ENTRIES, min(row_budgets[k], target - 1))
                shrunk = True
        if not shrunk:
            if not force:
                return None
            break
    blocks = [build(k) for k in range(len(shown))]
    out: list[Row] = []
    for number, band in enumerate(bands):
        if number:
            out.append([Segment(" " * width)])
        for line in range(max(len(blocks[k].rows) for k in band)):
            row: Row = []
            for position, k in enumerate(band):
                if position:
                    row.append(Segment(" " * GAP))
                block = blocks[k]
                row.extend(block.rows[line] if line < len(block.rows) else [Segment(" " * block.width)])
            out.append(_pad(row, width))
    return out[:height] if force else out


def title_text(frame: MatrixFrame) -> str:
    """`forward · epoch 0 · sample 2 is row 1 of the batch (m = 4)`; `next:` before a step not yet taken."""
    m = len(frame.batch)
    parts = [frame.phase, f"epoch {frame.epoch}"]
    if frame.sample is not None and frame.sample_row is not None:
        parts.append(f"sample {frame.sample + 1} is row {frame.sample_row} of the batch (m = {m})")
    else:
        parts.append(f"the batch of m = {m}")
    return ("next: " if not frame.applied else "") + " · ".join(parts)


def draw_matrix_frame(frame: MatrixFrame | None, width: int, height: int, ascii_only: bool = False, digits: int = 4) -> list[Row]:
    """The frame at width×height: a title, the NumPy line(s), the names' values, the shapes, the
    step's own computation with its value, then the matrices. Lines that do not fit are left out
    from the least needed (the remark, the notes, the shapes, the step's computation)."""
    if width <= 0 or height <= 0:
        return []
    if frame is None or frame.step is None:
        return [_pad([Segment(_fit("the matrix view shows the NumPy of the step you are on", width))], width)] + [
            [Segment(" " * width)] for _ in range(height - 1)
        ]
    styles = Styles(theme.PHASE_COLOURS.get(frame.phase, theme.TEXT))
    arrow = "->" if ascii_only else "→"
    value = frame.value
    shown_value = "" if value is None else NumberFormat(digits)(value)
    scalar = list(frame.scalar)
    if scalar and value is not None:
        scalar[-1] = f"{scalar[-1]}   {arrow} {shown_value}"
    # (priority, text, style): the lower the priority number, the longer the line stays
    header: list[tuple[int, str, Style]] = [(0, title_text(frame), styles.line + Style(bold=True))]
    header += [(1, line, Style(bold=True)) for line in frame.code]
    if frame.notes:
        header.append((5, frame.notes, styles.dim))
    header.append((4, frame.shapes, styles.dim))
    header += [(3, line, styles.line) for line in scalar]
    if frame.remark:
        header.append((6, frame.remark, styles.dim))
    needed = min(4, max(height - 2, 0))  # rows kept for the matrices
    while header and len(header) + 1 + needed > height and max(p for p, _, _ in header) > 1:
        header = _without_least_needed(header)
    while len(header) > height:
        header.pop()
    while True:
        room = height - len(header) - 1
        matrices, left_out = layout_blocks(frame, width, room, digits, styles, ascii_only) if room >= 2 else ([], [])
        if not left_out or max(p for p, _, _ in header) <= 1:
            break
        header = _without_least_needed(header)  # a matrix is worth more than a line about it
    rows: list[Row] = []
    for _, text, style in header:
        shown = ascii_text(text) if ascii_only else text
        rows.append(_pad([Segment(_fit(shown, width, ascii_only), style)], width))
    if room >= 2:
        rows.append([Segment(" " * width)])
        if left_out and len(matrices) < room:
            note = "not shown (make the pane larger): " + ", ".join(left_out)
            matrices.append(_pad([Segment(_fit(ascii_text(note) if ascii_only else note, width, ascii_only), styles.dim)], width))
        rows += matrices[:room]
    rows = rows[:height]
    rows += [[Segment(" " * width)] for _ in range(height - len(rows))]
    return rows


def _without_least_needed(header: list[tuple[int, str, Style]]) -> list[tuple[int, str, Style]]:
    """The header without its least needed kind of line (the highest priority number)."""
    worst = max(p for p, _, _ in header)
    return [h for h in header if h[0] != worst]


def _fit(text: str, width: int, ascii_only: bool = False) -> str:
    """`text` cut to `width` cells, with an ellipsis where it was cut."""
    if len(text) <= width:
        return text
    mark = "..." if ascii_only else "…"
    return text[: max(width - len(mark), 0)] + mark[: max(width, 0)]


class MatrixPane(_CachedLines):
    """The current step as the tutorials' NumPy (the line, the shapes and the matrices), or as the
    PyTorch a learner would write for it, over the same numbers (`torch`, the P key)."""

    def __init__(self, ascii_only: bool, torch: bool = False, **kwargs: str | None) -> None:
        super().__init__(ascii_only, **kwargs)
        self.torch = torch

    def on_mount(self) -> None:
        self.border_title = self.title()

    def title(self) -> str:
        return "PyTorch (P: NumPy)" if self.torch else "NumPy (P: PyTorch)"

    def show_torch(self, torch: bool) -> None:
        """Draw the PyTorch lens (True) or the NumPy lines (False) from now on."""
        self.torch = torch
        self.border_title = self.title()
        self.redraw()

    def cache_key(self, view: View) -> object:
        # each step is a new View (compared by identity): its frame has a new highlight
        return view, self.torch

    def draw_rows(self, view: View, width: int, height: int) -> list[list[Segment]]:
        position = view.matrices
        frame = None if position is None else (view.torch_matrices if self.torch else position.frame)
        return draw_matrix_frame(frame, width, height, self.ascii_only, position.digits if position is not None else 4)
