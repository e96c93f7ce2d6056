"""Renderables for what the network learned: the decision boundary and the hidden space.

Both take records the engine computed (a BoundaryGrid, a HiddenPlot: tui_nn.engine.nn.insight, handed
over by the View) and only turn them into cells.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from rich.color import Color
from rich.segment import Segment
from rich.style import Style

from tui_nn.engine.session.view import Axes, BoundaryGrid, FitPlot, HiddenPlot
from tui_nn.ui import theme
from tui_nn.ui.ascii import CLASS_POINTS, CLASS_REGIONS, asciify
from tui_nn.ui.panes.diagram import BRAILLE_BITS, Canvas

if TYPE_CHECKING:
    from tui_nn.engine.session.view import LandscapeFrame

CLASS_0 = CLASS_1 = PALE = CONTOUR = GROUND = (0, 0, 0)
_PALETTE_NAME = ""


def use_palette() -> None:
    """The plot colours from the palette in use; styles built for another palette are dropped."""
    global CLASS_0, CLASS_1, PALE, CONTOUR, GROUND, _PALETTE_NAME, AXIS
    p = theme.current()
    if p.name == _PALETTE_NAME:
        return
    _PALETTE_NAME = p.name
    CLASS_0, CLASS_1 = theme.rgb(p.class_0), theme.rgb(p.class_1)  # purple, teal
    PALE, CONTOUR, GROUND = theme.rgb(p.pale), theme.rgb(p.contour), theme.rgb(p.point_ground)
    AXIS = Style(color=p.muted)
    _STYLE_CACHE.clear()
    _FIT_STYLES.clear()
    _MARK_CACHE.clear()
    _POINT_STYLES.clear()


ASCII_BANDS = ".-+#"


def scale_colour(p: float) -> tuple[int, int, int]:
    """Diverging scale: class 0 colour at ŷ = 0, pale grey at 0.5, class 1 colour at ŷ = 1."""
    if not np.isfinite(p):
        return (255, 0, 0)
    t = min(abs(p - 0.5) * 2, 1.0)
    end = CLASS_1 if p >= 0.5 else CLASS_0
    r, g, b = (int(PALE[k] + (end[k] - PALE[k]) * t) for k in range(3))
    return r, g, b


@functools.lru_cache(maxsize=4096)
def _rgb(rgb: tuple[int, int, int]) -> Color:
    """The Color of an RGB triplet (built once: a Color is immutable, and a frame asks for hundreds)."""
    return Color.from_rgb(*rgb)


def contour_mask(grid: np.ndarray) -> np.ndarray:
    """Pixels where ŷ − 0.5 changes sign towards the pixel right of or below them."""
    above = grid > 0.5
    mask = np.zeros_like(above)
    mask[:, :-1] |= above[:, :-1] != above[:, 1:]
    mask[:-1, :] |= above[:-1, :] != above[1:, :]
    return mask


LEVELS = 16  # ŷ is drawn in 2·LEVELS + 1 shades: no visible banding, and few distinct styles
CONTOUR_LEVEL, INVALID_LEVEL = 100, 101
_STYLE_CACHE: dict[tuple[int, int, int], Style] = {}
_FIT_STYLES: dict[int, list[Style]] = {}  # the fit's styles by unit count
_MARK_CACHE: dict[tuple[int, bool, bool, int], tuple[str, Style]] = {}
_POINT_STYLES: dict[tuple[int, int, int], Style] = {}


# With K classes a pixel's level is CLASS_LEVELS + class·CLASS_STRIDE + shade, the shade 0 … LEVELS
# from pale (the top output no surer than a guess, 1/K) to the class's full colour (certain).
CLASS_LEVELS, CLASS_STRIDE = 200, 32
ASCII_CLASS_REGIONS, ASCII_CLASS_POINTS = CLASS_REGIONS, CLASS_POINTS  # one region glyph, one point letter per class


def class_colour_rgb(label: int, count: int) -> tuple[int, int, int]:
    return theme.rgb(theme.class_colour(label, count))


def class_fill_rgb(label: int, count: int) -> tuple[int, int, int]:
    return theme.rgb(theme.class_fill(label, count))


def _level_colour(level: int, count: int = 2) -> tuple[int, int, int]:
    if level == CONTOUR_LEVEL:
        return CONTOUR
    if level == INVALID_LEVEL:
        return (255, 0, 0)
    if level >= CLASS_LEVELS:
        label, shade = divmod(level - CLASS_LEVELS, CLASS_STRIDE)
        end, t = class_fill_rgb(label, count), shade / LEVELS
        r, g, b = (int(PALE[k] + (end[k] - PALE[k]) * t) for k in range(3))
        return r, g, b
    return scale_colour(0.5 + level / (2 * LEVELS))


def _pair_style(top: int, bottom: int, count: int = 2) -> Style:
    """The ▀ style for a (top pixel, bottom pixel) pair of shade levels, built once per pair."""
    key = (top, bottom, count)
    style = _STYLE_CACHE.get(key)
    if style is None:
        style = Style(color=_rgb(_level_colour(top, count)), bgcolor=_rgb(_level_colour(bottom, count)))
        _STYLE_CACHE[key] = style
    return style


def shade_levels(grid: np.ndarray) -> np.ndarray:
    """ŷ quantised to −LEVELS … LEVELS around 0.5, the ŷ = 0.5 contour and NaN marked apart."""
    with np.errstate(invalid="ignore"):
        levels = np.clip(np.round((grid - 0.5) * 2 * LEVELS), -LEVELS, LEVELS)
    levels = np.where(np.isfinite(grid), levels, INVALID_LEVEL).astype(np.int64)
    levels[contour_mask(grid)] = CONTOUR_LEVEL
    return levels


def class_levels(boundary: BoundaryGrid) -> np.ndarray:
    """K classes' grid as levels: each pixel's class and how sure the network is of it (its output
    above a guess's 1/K, in LEVELS steps), the borders between classes and NaN marked apart."""
    assert boundary.classes is not None
    classes, top, count = boundary.classes, boundary.grid, boundary.class_count
    with np.errstate(invalid="ignore"):
        sure = np.clip((top - 1 / count) / (1 - 1 / count), 0.0, 1.0)
        shades = np.round(sure * LEVELS)
    levels = np.where(np.isfinite(top), CLASS_LEVELS + classes * CLASS_STRIDE + shades, INVALID_LEVEL).astype(np.int64)
    border = np.zeros(classes.shape, dtype=bool)
    border[:, :-1] |= classes[:, :-1] != classes[:, 1:]
    border[:-1, :] |= classes[:-1, :] != classes[1:, :]
    levels[border] = CONTOUR_LEVEL
    return levels


def _point_mark(label: int, wrong: bool, ascii_only: bool, count: int = 2) -> tuple[str, Style]:
    """A data point's character and style on the boundary plot (made once per palette)."""
    key = (label, wrong, ascii_only, count)
    mark = _MARK_CACHE.get(key)
    if mark is not None:
        return mark
    colour = class_colour_rgb(label, count)
    if ascii_only and count > 2:
        letter = ASCII_CLASS_POINTS[label]
        mark = (letter.upper() if wrong else letter), Style(bold=True)
    elif ascii_only:
        mark = (("X" if label else "O") if wrong else ("x" if label else "o")), Style(bold=True)
    elif wrong:
        # its own class colour, inside the other class's region: it stands out (black on the light
        # ones among many classes' colours, where white would not read)
        hex_colour = theme.class_colour(label, count)
        ink = "white" if count <= 2 or theme.contrast("#ffffff", hex_colour) >= theme.contrast("#000000", hex_colour) else "black"
        mark = "✕", Style(color=ink, bold=True, bgcolor=_rgb(colour))
    else:
        # a coloured dot on a dark cell shows on either region
        mark = "●", Style(color=_rgb(colour), bold=True, bgcolor=_rgb(GROUND))
    _MARK_CACHE[key] = mark
    return mark


def _point_style(colour: tuple[int, int, int]) -> Style:
    """A sample's label style in the hidden space (made once per colour and palette)."""
    style = _POINT_STYLES.get(colour)
    if style is None:
        style = _POINT_STYLES[colour] = Style(color=_rgb(colour), bold=True)
    return style


def boundary_rows(boundary: BoundaryGrid, ascii_only: bool = False) -> list[list[Segment]]:
    """The heatmap, two pixels per cell (▀: top pixel as foreground, bottom as background),
    with the ŷ = 0.5 contour and the data points drawn over it; the grid is (2·rows) × columns."""
    use_palette()
    grid, count = boundary.grid, boundary.class_count
    pixel_rows, columns = grid.shape
    rows = pixel_rows // 2
    marks: dict[tuple[int, int], tuple[str, Style]] = {}
    for point in boundary.points:
        spot = (point.column, point.pixel_row // 2)
        marks[spot] = (
            _point_mark(point.label, point.wrong, ascii_only, count)
            if point.level is None
            else _target_mark(point.level, ascii_only)
        )
    if boundary.scale is not None:
        levels = surface_levels(boundary.scale.levels(grid))
        if ascii_only:
            return _ascii_rows(np.clip((boundary.scale.levels(grid) + 1) / 2, 0.0, 1.0), levels, marks, rows, columns)
    else:
        levels = shade_levels(grid) if boundary.classes is None else class_levels(boundary)
    if ascii_only:
        if boundary.classes is not None:
            return _ascii_class_rows(boundary.classes, levels, marks, rows, columns)
        return _ascii_rows(grid, levels, marks, rows, columns)
    return half_block_rows(levels, marks, lambda top, bottom: _pair_style(top, bottom, count))


def half_block_rows(
    levels: np.ndarray, marks: dict[tuple[int, int], tuple[str, Style]], pair_style: Callable[[int, int], Style]
) -> list[list[Segment]]:
    """Pixel levels (2·rows × columns, each level ≥ −1000) as ▀ cells: the top pixel as foreground,
    the bottom as background, styled by `pair_style(top, bottom)`; a cell in `marks` (column, row)
    shows its own character instead. One segment per run of cells with the same pair, a mark's cell
    a run of its own; the runs of all rows are found at once."""
    pixel_rows, columns = levels.shape
    rows = pixel_rows // 2
    top, bottom = levels[0 : 2 * rows : 2], levels[1 : 2 * rows : 2]
    pairs = (top + 1000) * 10000 + (bottom + 1000)
    for k, (c, r) in enumerate(marks):
        if r < rows and c < columns:
            pairs[r, c] = -1 - k
    starts: list[list[int]] = [[0] for _ in range(rows)]
    changed_rows, changed_columns = np.nonzero(pairs[:, 1:] != pairs[:, :-1])
    for r, c in zip(changed_rows.tolist(), changed_columns.tolist(), strict=True):
        starts[r].append(c + 1)
    top_rows, bottom_rows, pair_rows = top.tolist(), bottom.tolist(), pairs.tolist()
    result: list[list[Segment]] = []
    for r in range(rows):
        segments: list[Segment] = []
        row_starts = starts[r]
        for a, b in zip(row_starts, [*row_starts[1:], columns], strict=True):
            if pair_rows[r][a] < 0:
                mark = marks[(a, r)]
                segments.append(Segment(mark[0], mark[1]))
            else:
                segments.append(Segment("▀" * (b - a), pair_style(top_rows[r][a], bottom_rows[r][a])))
        result.append(segments)
    return result


def _ascii_rows(
    grid: np.ndarray, levels: np.ndarray, marks: dict[tuple[int, int], tuple[str, Style]], rows: int, columns: int
) -> list[list[Segment]]:
    """Characters by ŷ band (. - + #), * on the contour, o/x points (upper case when wrong)."""
    result = []
    for r in range(rows):
        chars = []
        for c in range(columns):
            if (c, r) in marks:
                chars.append(marks[(c, r)][0])
            elif levels[2 * r, c] == CONTOUR_LEVEL or levels[2 * r + 1, c] == CONTOUR_LEVEL:
                chars.append("*")
            else:
                mean = (grid[2 * r, c] + grid[2 * r + 1, c]) / 2
                chars.append(ASCII_BANDS[min(int(mean * 4), 3)] if np.isfinite(mean) else "?")
        result.append([Segment("".join(chars))])
    return result


def _ascii_class_rows(
    classes: np.ndarray, levels: np.ndarray, marks: dict[tuple[int, int], tuple[str, Style]], rows: int, columns: int
) -> list[list[Segment]]:
    """K classes in ASCII: each region in its class's glyph, * on a border, points by class letter."""
    result = []
    for r in range(rows):
        chars = []
        for c in range(columns):
            if (c, r) in marks:
                chars.append(marks[(c, r)][0])
            elif levels[2 * r, c] == CONTOUR_LEVEL or levels[2 * r + 1, c] == CONTOUR_LEVEL:
                chars.append("*")
            elif levels[2 * r, c] == INVALID_LEVEL:
                chars.append("?")
            else:
                chars.append(ASCII_CLASS_REGIONS[int(classes[2 * r, c])])
        result.append([Segment("".join(chars))])
    return result


def _fitted(segments: list[Segment], width: int) -> list[Segment]:
    used = sum(len(s.text) for s in segments)
    if used > width:
        return list(Segment.adjust_line_length(segments, width))
    return [*segments, Segment(" " * (width - used))]


def class_legend(count: int, width: int, ascii_only: bool) -> list[Segment]:
    """K classes' colours (or glyphs and point letters) by name, then the marks and the axes."""
    use_palette()
    segments: list[Segment] = [Segment("class ", Style(color=theme.MUTED))]
    for label in range(count):
        if ascii_only:
            segments.append(Segment(f"{label} {ASCII_CLASS_REGIONS[label]}{ASCII_CLASS_POINTS[label]}  "))
        else:
            segments.append(Segment("██", Style(color=_rgb(class_fill_rgb(label, count)))))
            segments.append(Segment(f" {label}  "))
    if ascii_only:
        notes = "(region, point; upper case: wrong)  * border  x1 across, x2 up"
    else:
        notes = " paler: less sure  ─ border  ● right  ✕ wrong  x₁ across, x₂ up"
    segments.append(Segment(notes, Style(color=theme.MUTED)))
    return _fitted(segments, width)


def surface_levels(levels: np.ndarray) -> np.ndarray:
    """A regression's surface on its scale (−1 … 1 about the targets' mean) as −LEVELS … LEVELS shades,
    beyond the targets' range at full colour, NaN marked apart; no contour: there is no class border."""
    with np.errstate(invalid="ignore"):
        shades = np.clip(np.round(levels * LEVELS), -LEVELS, LEVELS)
    return np.where(np.isfinite(levels), shades, INVALID_LEVEL).astype(np.int64)


def _target_mark(level: float, ascii_only: bool) -> tuple[str, Style]:
    """A regression sample on the surface: its target's colour on the surface's scale, on a dark cell
    (a point that melts into the surface around it is fitted well); in ASCII, ^ above the mean, v below."""
    if ascii_only:
        return ("^" if level >= 0 else "v"), Style(bold=True)
    shade = float(np.clip(level, -1.0, 1.0)) if np.isfinite(level) else 0.0
    return "●", Style(color=_rgb(scale_colour(0.5 + round(shade * LEVELS) / (2 * LEVELS))), bold=True, bgcolor=_rgb(GROUND))


def surface_legend(boundary: BoundaryGrid, width: int, ascii_only: bool) -> list[Segment]:
    """The surface's colour bar with the numbers at its ends and middle (the targets' mean), and the marks."""
    use_palette()
    assert boundary.scale is not None
    low, centre, high = (tick_label(float(f"{v:.3g}")) for v in boundary.scale.ticks)
    if ascii_only:
        low, centre, high = (v.replace("−", "-") for v in (low, centre, high))
    segments: list[Segment] = [Segment(f"{'yhat' if ascii_only else 'ŷ'} {low} ")]
    steps = 5
    for k in range(-steps, steps + 1):
        if k == 0:
            segments.append(Segment(f" {centre} "))
        if ascii_only:
            segments.append(Segment(ASCII_BANDS[min(int((k + steps) / (2 * steps) * 4), 3)]))
        else:
            segments.append(Segment("█", Style(color=_rgb(scale_colour(0.5 + k / (2 * steps))))))
    marks = "^/v target above/below the mean" if ascii_only else "● target (its colour on the same scale)"
    short_marks = "^/v target vs mean" if ascii_only else "● target, same scale"
    axes_words = "x1 across, x2 up" if ascii_only else "x₁ across, x₂ up"
    return _with_words(
        segments,
        (
            f" {high}   middle: the targets' mean   {marks}   {axes_words}",
            f" {high}   middle: the targets' mean   {marks}",
            f" {high}  middle: mean  {short_marks}",
            f" {high}  {short_marks}",
            f" {high}",
        ),
        width,
    )


def _with_words(segments: list[Segment], wordings: tuple[str, ...], width: int) -> list[Segment]:
    """A legend's bar followed by the first of its wordings (longest first) that fits the width: the words
    shortened whole (a cut 'its colour on th' or '● righ' read as a fault), the last wording cut if none fits."""
    used = sum(len(segment.text) for segment in segments)
    words = next((w for w in wordings if used + len(w) <= width), wordings[-1])
    return _fitted([*segments, Segment(words, Style(color=theme.MUTED))], width)


def boundary_legend(width: int, ascii_only: bool, class_count: int = 2, classes_drawn: bool = False) -> list[Segment]:
    """ŷ 0 ▆▆▆▆ 1 colour bar, the contour's and the points' marks, and which axis is which; with K
    output units (`classes_drawn`), the classes' colours instead of the bar."""
    if classes_drawn:
        return class_legend(class_count, width, ascii_only)
    use_palette()
    segments: list[Segment] = [Segment("yhat 0 " if ascii_only else "ŷ 0 ")]
    steps = 10
    for k in range(steps + 1):
        p = k / steps
        if ascii_only:
            segments.append(Segment(ASCII_BANDS[min(int(p * 4), 3)]))
        else:
            segments.append(Segment("█", Style(color=_rgb(scale_colour(p)))))
    contour = "* yhat=0.5  o/x points (O/X wrong)" if ascii_only else "─ ŷ = 0.5   ● right  ✕ wrong"
    short = "* yhat=0.5  O/X wrong" if ascii_only else "─ ŷ=0.5 ● right ✕ wrong"
    axes = "x1 across, x2 up" if ascii_only else "x₁ across, x₂ up"
    return _with_words(segments, (f" 1   {contour}   {axes}", f" 1   {contour}", f" 1  {short}", " 1"), width)


def hidden_rows(plot: HiddenPlot, width: int, height: int, ascii_only: bool = False) -> list[list[Segment]]:
    """A scatter of the samples in hidden space (numbered when there are few), the output's
    decision line drawn across it and each side shaded by the class it predicts."""
    use_palette()
    canvas = Canvas(width, height, ascii_only)
    many = len(plot.cells) > 9
    if plot.line is not None:
        canvas.line(*plot.line, Style(color=_rgb(CONTOUR), bold=True), 1)
    # Samples sharing a cell share a label ("1,4"), so none hides another.
    cells: dict[tuple[int, int], list[int]] = {}
    for i, (col, row) in enumerate(plot.cells):
        if col >= 0:  # (a diverged sample has no cell)
            cells.setdefault((col, row), []).append(i)
    labels, count = plot.labels, plot.class_count
    for (col, row), members in cells.items():
        label = int(labels[members[0]])
        mixed = len({labels[i] for i in members}) > 1
        if many and ascii_only:
            char = ASCII_CLASS_POINTS[label] if count > 2 else ("o" if label == 0 else "x")
        elif many:
            char = "●"
        else:
            char = ",".join(str(i + 1) for i in members)
        # samples of several classes in one cell: the palette's strongest text colour (white on dark, black on light)
        colour = theme.rgb(theme.current().current) if mixed else class_colour_rgb(label, count)
        canvas.text(min(col, width - len(char)), row, char, _point_style(colour))
    rows = canvas.rows()
    sides = plot.sides
    if sides is None or ascii_only:
        return rows
    tints = [Style(bgcolor=theme.class_side(label, count)) for label in range(max(count, 2))]  # each class's side
    combined: dict[tuple[Style | None, bool], Style] = {}
    shaded: list[list[Segment]] = []
    for r, row_segments in enumerate(rows):
        side_row = sides[r].tolist()
        tinted: list[Segment] = []
        column = 0
        for segment in row_segments:
            text, end = segment.text, column + len(segment.text)
            while column < end:  # each run of one side within the segment
                side = side_row[column]
                run_end = column + 1
                while run_end < end and side_row[run_end] == side:
                    run_end += 1
                key = (segment.style, side)
                style = combined.get(key)
                if style is None:
                    style = combined[key] = (segment.style or Style()) + tints[int(side)]
                tinted.append(Segment(text[column - (end - len(text)) : run_end - (end - len(text))], style))
                column = run_end
        shaded.append(list(Segment.simplify(tinted)))
    return shaded


AXIS = Style()
use_palette()


def tick_label(value: float) -> str:
    return f"{value:g}".replace("-", "−")


def gutter_tick(value: float, room: int) -> str:
    """A y tick's value within `room` cells: as tick_label writes it, else in a shorter exponent form
    (−1e5, 1.5e-5) when that is the value to 1 %, else none: a value cut to its first characters, or
    rounded to one digit, would be another number."""
    label = tick_label(value)
    if len(label) <= room:
        return label
    for digits in (2, 1, 0):
        mantissa, _, exponent = f"{value:.{digits}e}".partition("e")
        if "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")
        short = f"{mantissa}e{int(exponent)}"
        if len(short) <= room and abs(float(short) - value) <= 0.01 * abs(value):  # a tick's value, not a rounded-off one
            return short.replace("-", "−")
    return ""


def with_axes(
    plot: list[list[Segment]], axes: Axes, columns: int, rows: int, gutter: int, ascii_only: bool = False
) -> list[list[Segment]]:
    """The plot (rows × columns cells covering the axes' extent) with y tick values in a left gutter
    of `gutter` cells and a row of x tick values under it."""
    use_palette()
    tick_mark, axis_mark, corner = ("+", "|", "+") if ascii_only else ("┤", "│", "└")
    extent = axes.extent
    height_span = extent.y_max - extent.y_min
    width_span = extent.x_max - extent.x_min
    y_labels: dict[int, str] = {}
    for value in axes.y_ticks:
        row = min(int((extent.y_max - value) / height_span * rows), rows - 1)
        y_labels.setdefault(row, gutter_tick(value, gutter - 1))
    framed: list[list[Segment]] = []
    for r, line in enumerate(plot):
        label = y_labels.get(r, "")
        if ascii_only:
            label = label.replace("−", "-")
        framed.append([Segment(label.rjust(gutter - 1)[: gutter - 1] + (tick_mark if label else axis_mark), AXIS), *line])
    chars = [" "] * (columns + gutter)
    chars[gutter - 1] = corner
    for value in axes.x_ticks:
        label = tick_label(value).replace("−", "-") if ascii_only else tick_label(value)
        column = gutter + min(int((value - extent.x_min) / width_span * columns), columns - 1)
        start = min(max(column - len(label) // 2, gutter), columns + gutter - len(label))
        if all(c == " " for c in chars[max(start - 1, 0) : start + len(label) + 1]):
            chars[start : start + len(label)] = list(label)
    framed.append([Segment("".join(chars), AXIS)])
    return framed


# --- the 1-D fit: data, the network's curve and each hidden unit's share of it -----------------------

_BRAILLE_WEIGHTS = np.array(BRAILLE_BITS, dtype=np.int64)  # (4 pixel rows, 2 pixel columns) of a cell
UNIT_FADE = 0.45  # how far a unit's curve is mixed towards the pale grey: faint beneath the fit


def curve_mask(pixels: np.ndarray, pixel_rows: int) -> np.ndarray:
    """The pixels a curve lights, given its pixel row at each pixel column (pixel_rows_of's values):
    each column from its own row to halfway to its neighbours', so a steep curve stays joined up;
    (curves, pixel_rows, columns) for (curves, columns) of rows."""
    rows = pixels.astype(np.float64)
    rows[pixels == -2] = np.nan  # not a number: no pixel, and no joining across it
    left = np.concatenate([rows[:, :1], rows[:, :-1]], axis=1)
    right = np.concatenate([rows[:, 1:], rows[:, -1:]], axis=1)
    halfway_left, halfway_right = (rows + left) / 2, (rows + right) / 2
    with np.errstate(invalid="ignore"):  # (fmin and fmax pass over a neighbour that is not a number)
        low = np.ceil(np.fmin(rows, np.fmin(halfway_left, halfway_right)))
        high = np.floor(np.fmax(rows, np.fmax(halfway_left, halfway_right)))
    index = np.arange(pixel_rows)[None, :, None]
    return np.asarray((index >= low[:, None, :]) & (index <= high[:, None, :]) & np.isfinite(rows)[:, None, :])


def cell_bits(mask: np.ndarray, across: int, down: int) -> np.ndarray:
    """(curves, pixel_rows, pixel_columns) lit pixels as each cell's Braille bits (curves, rows, columns);
    with one pixel a cell (ASCII), 1 where the cell is lit."""
    curves, pixel_rows, pixel_columns = mask.shape
    cells = mask.reshape(curves, pixel_rows // down, down, pixel_columns // across, across)
    if (across, down) != (2, 4):
        return np.asarray(cells.any(axis=(2, 4)), dtype=np.int64)
    # each cell's 8 dots in a row, weighted by their Braille bits (a matrix product: einsum is slower here)
    dots = cells.transpose(0, 1, 3, 2, 4).reshape(curves, pixel_rows // down, pixel_columns // across, down * across)
    return np.asarray(dots.astype(np.int64) @ _BRAILLE_WEIGHTS.ravel())


def unit_colour(index: int) -> tuple[int, int, int]:
    """Hidden unit `index`'s curve: the palette's class colours in turn, faded towards the pale grey."""
    colours = theme.class_colours(theme.MAX_CLASSES)
    base = theme.rgb(colours[index % len(colours)])
    r, g, b = (int(base[k] + (PALE[k] - base[k]) * UNIT_FADE) for k in range(3))
    return r, g, b


def fit_rows(plot: FitPlot, columns: int, rows: int, ascii_only: bool = False) -> list[list[Segment]]:
    """The fit on columns × rows cells: the units' contributions faint (each in its colour), the output
    bias as a grey line, the network's curve bold over them, the data points and the current sample on top."""
    use_palette()
    pixel_rows = rows * plot.down
    units = cell_bits(curve_mask(plot.unit_pixels, pixel_rows), plot.across, plot.down) if len(plot.unit_pixels) else None
    bias_line = np.full((1, len(plot.xs)), plot.bias_pixel, dtype=np.int64)
    bias = cell_bits(curve_mask(bias_line, pixel_rows), plot.across, plot.down)[0]
    curve = cell_bits(curve_mask(plot.curve_pixels[None, :], pixel_rows), plot.across, plot.down)[0]
    # What each cell shows: the fit where it passes, else the last unit (or the bias line) there; a
    # cell's owner indexes `styles` (−1: empty), the points' and the current sample's styles last.
    styles = _fit_styles(len(plot.unit_names))
    fit_owner, point_owner, current_owner = len(styles) - 3, len(styles) - 2, len(styles) - 1
    owner = np.where(bias > 0, 0, -1)
    bits = bias.copy()
    if units is not None:
        lit = units > 0
        last = len(units) - 1 - np.argmax(lit[::-1], axis=0)
        owner = np.where(lit.any(axis=0), last + 1, owner)
        bits = np.bitwise_or.reduce(units, axis=0) | bits
    owner = np.where(curve > 0, fit_owner, owner)
    bits = np.where(curve > 0, curve, bits)
    if ascii_only:
        chars = np.where(owner == fit_owner, "*", np.where(owner >= 0, ".", " "))
    else:
        chars = np.where(owner >= 0, _BRAILLE_GLYPHS[bits], " ")
    for column, row in plot.point_cells:
        if 0 <= column < columns and 0 <= row < rows:
            owner[row, column], chars[row, column] = point_owner, "o" if ascii_only else "•"
    if plot.current is not None and 0 <= plot.current < len(plot.point_cells):
        column, row = plot.point_cells[plot.current]
        if 0 <= column < columns and 0 <= row < rows:
            owner[row, column], chars[row, column] = current_owner, "@" if ascii_only else "◆"
    # One segment per run of cells with one owner, the runs of all rows found at once.
    starts: list[list[int]] = [[0] for _ in range(rows)]
    changed_rows, changed_columns = np.nonzero(owner[:, 1:] != owner[:, :-1])
    for r, c in zip(changed_rows.tolist(), changed_columns.tolist(), strict=True):
        starts[r].append(c + 1)
    owner_rows = owner.tolist()
    result: list[list[Segment]] = []
    for r in range(rows):
        text = "".join(chars[r].tolist())
        row_starts = starts[r]
        result.append(
            [
                Segment(text[a:b], None if owner_rows[r][a] < 0 else styles[owner_rows[r][a]])
                for a, b in zip(row_starts, [*row_starts[1:], columns], strict=True)
            ]
        )
    return result


_BRAILLE_GLYPHS = np.array([chr(0x2800 + bits) for bits in range(256)])


def _fit_styles(units: int) -> list[Style]:
    """The bias line's, each unit's, the fit's, the points' and the current sample's styles (made once per palette)."""
    styles = _FIT_STYLES.get(units)
    if styles is None:
        styles = _FIT_STYLES[units] = [
            Style(color=_rgb(CONTOUR)),
            *(Style(color=_rgb(unit_colour(i))) for i in range(units)),
            # the text's own colour: none of the units' (the class colours), so the fit stands out among 16 of them
            Style(color=theme.current().text, bold=True),
            Style(color=_rgb(CLASS_0), bold=True),
            Style(color=theme.SELECTION, bold=True),
        ]
    return styles


def fit_legend(plot: FitPlot, width: int, ascii_only: bool) -> list[Segment]:
    """What each mark is, and how the curve is made of the units' curves."""
    use_palette()
    units = len(plot.unit_names)
    segments: list[Segment] = [Segment("-- " if ascii_only else "━ ", Style(color=theme.current().text, bold=True))]
    segments.append(Segment("yhat(x)  " if ascii_only else "ŷ(x)  ", Style(color=theme.MUTED)))
    if units:
        if not ascii_only:
            for i in range(min(units, 6)):
                segments.append(Segment("⠒", Style(color=_rgb(unit_colour(i)))))
            segments.append(Segment(" ", None))
        first, last = plot.unit_names[0], plot.unit_names[-1]
        each = f"{first}" if units == 1 else f"{first} … {last}"
        each = each.replace("·", "*") if ascii_only else each
        share = "sum + b = yhat" if ascii_only else "sum + b = ŷ"
        segments.append(Segment(f"{each} ({share if plot.output_is_z else 'sum + b = z'})  ", Style(color=theme.MUTED)))
    segments.append(Segment("-- " if ascii_only else "⠤ ", Style(color=_rgb(CONTOUR))))
    bias = tick_label(float(f"{plot.bias:.3g}"))  # (three digits: the curve's scale, not the parameter's last bits)
    segments.append(Segment(f"b = {bias.replace('−', '-') if ascii_only else bias}  ", Style(color=theme.MUTED)))
    segments.append(Segment("o" if ascii_only else "•", Style(color=_rgb(CLASS_0), bold=True)))
    segments.append(Segment(" data  ", Style(color=theme.MUTED)))
    if plot.current is not None:
        segments.append(Segment("@" if ascii_only else "◆", Style(color=theme.SELECTION, bold=True)))
        segments.append(Segment(f" sample {plot.current + 1}", Style(color=theme.MUTED)))
    if ascii_only:  # (the units' names and the sums keep their dots and ellipses otherwise)
        segments = [Segment(asciify(segment.text), segment.style) for segment in segments]
    return _fitted(segments, width)


# The loss landscape: a perceptual sequential scale (viridis: dark purple for a low loss, yellow for a
# high one; it reads in grey too), contour lines where the loss crosses a band, and marks over it.
VIRIDIS = ("#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725")
LOSS_SHADES = 32  # the loss drawn in 32 shades; a contour line every BAND shades
BAND = 4
CONTOUR_SHADE = 64  # a contour pixel's level: CONTOUR_SHADE + the shade it darkens
# Overlay levels, above the shades and contours: the path, the −gradient arrow and the next step.
PATH_LEVEL, DESCENT_LEVEL, STEP_LEVEL, OFF_LEVEL = 200, 201, 202, 203
RACE_LEVEL = 300  # RACE_LEVEL + k: the race's entrant k
DESCENT_COLOUR, STEP_COLOUR = "#e69f00", "#ff4b4b"  # Okabe–Ito orange; a red that stands out on every shade
ASCII_SHADES = " .:-=+*#%@"
ARROW_GLYPHS = "→↗↑↖←↙↓↘"
ASCII_ARROW_GLYPHS = ">/^\\<//v\\"


def loss_shade_colour(t: float) -> tuple[int, int, int]:
    """Viridis at t ∈ [0, 1] (interpolated between its nine anchors)."""
    t = min(max(t, 0.0), 1.0) * (len(VIRIDIS) - 1)
    k = min(int(t), len(VIRIDIS) - 2)
    a, b, f = theme.rgb(VIRIDIS[k]), theme.rgb(VIRIDIS[k + 1]), t - k
    r, g, bl = (round(a[i] + (b[i] - a[i]) * f) for i in range(3))
    return r, g, bl


def _landscape_level_colour(level: int, race_colours: tuple[str, ...]) -> tuple[int, int, int]:
    if level == INVALID_LEVEL:
        return (255, 0, 0)
    if level >= RACE_LEVEL:
        return theme.rgb(race_colours[level - RACE_LEVEL])
    if level == PATH_LEVEL:
        return theme.rgb(theme.current().current)
    if level == DESCENT_LEVEL:
        return theme.rgb(DESCENT_COLOUR)
    if level in (STEP_LEVEL, OFF_LEVEL):
        return theme.rgb(STEP_COLOUR)
    if level >= CONTOUR_SHADE:  # a contour: its shade mixed towards white on the darkest shades, black on the rest
        shade = level - CONTOUR_SHADE
        r, g, b = loss_shade_colour(shade / (LOSS_SHADES - 1))
        towards = 255 if shade < LOSS_SHADES // 4 else 0
        return (int(r + (towards - r) * 0.35), int(g + (towards - g) * 0.35), int(b + (towards - b) * 0.35))
    return loss_shade_colour(level / (LOSS_SHADES - 1))


_LANDSCAPE_STYLES: dict[tuple[tuple[str, ...], str], dict[tuple[int, int], Style]] = {}


def _landscape_styles(race_colours: tuple[str, ...]) -> Callable[[int, int], Style]:
    """The ▀ style of a (top, bottom) pair of landscape levels, each built once per palette and set of race colours."""
    styles = _LANDSCAPE_STYLES.setdefault((race_colours, _PALETTE_NAME), {})

    def pair_style(top: int, bottom: int) -> Style:
        style = styles.get((top, bottom))
        if style is None:
            style = styles[(top, bottom)] = Style(
                color=_rgb(_landscape_level_colour(top, race_colours)),
                bgcolor=_rgb(_landscape_level_colour(bottom, race_colours)),
            )
        return style

    return pair_style


def loss_shades(shade: np.ndarray) -> np.ndarray:
    """Each pixel's place on the loss scale (0 … 1, NaN where there is no finite loss: the frame's
    `shade()`) as a level 0 … LOSS_SHADES − 1, contour pixels where the band changes towards the
    pixel right or below, and pixels with no finite loss as INVALID_LEVEL."""
    finite = np.isfinite(shade)
    shades = np.clip(np.floor(np.where(finite, shade, 0.0) * LOSS_SHADES), 0, LOSS_SHADES - 1).astype(np.int64)
    bands = shades // BAND
    edge = np.zeros(shades.shape, dtype=bool)
    edge[:, :-1] |= bands[:, :-1] != bands[:, 1:]
    edge[:-1, :] |= bands[:-1, :] != bands[1:, :]
    levels = np.where(edge, CONTOUR_SHADE + shades, shades)
    return np.where(finite, levels, INVALID_LEVEL)


class PixelMap:
    """Where a point of the (a, b) plane falls on a columns × pixel_rows picture of the extent
    (b upwards): fractional pixel coordinates, for drawing only."""

    def __init__(self, axes: Axes, columns: int, pixel_rows: int, grid: tuple[int, int] | None = None) -> None:
        # The extent runs from the first grid point to the last; each of the grid's (ny, nx) points
        # is a block of pixels, its value at the block's centre.
        extent = axes.extent
        ny, nx = grid if grid is not None else (pixel_rows, columns)
        self.x_min, self.y_max, self.columns, self.pixel_rows = extent.x_min, extent.y_max, columns, pixel_rows
        self.x_block, self.y_block = columns / nx, pixel_rows / ny
        self.x_scale = (nx - 1) * self.x_block / (extent.x_max - extent.x_min) if extent.x_max > extent.x_min else 0.0
        self.y_scale = (ny - 1) * self.y_block / (extent.y_max - extent.y_min) if extent.y_max > extent.y_min else 0.0

    def pixel(self, a: float, b: float) -> tuple[float, float]:
        return (a - self.x_min) * self.x_scale + self.x_block / 2, (self.y_max - b) * self.y_scale + self.y_block / 2

    def inside(self, x: float, y: float) -> bool:
        return 0 <= x < self.columns and 0 <= y < self.pixel_rows

    def pixels(self, points: np.ndarray) -> np.ndarray:
        """k × 2 (a, b) points as k × 2 fractional pixel (x, y)."""
        if len(points) == 0:
            return np.zeros((0, 2))
        with np.errstate(invalid="ignore", over="ignore"):
            return np.column_stack(
                (
                    (points[:, 0] - self.x_min) * self.x_scale + self.x_block / 2,
                    (self.y_max - points[:, 1]) * self.y_scale + self.y_block / 2,
                )
            )


def draw_polyline(levels: np.ndarray, points: np.ndarray, level: int) -> None:
    """Set the pixels of the line through `points` (k × 2 fractional pixel x, y) to `level`,
    clipped to the picture; every segment sampled at least once per pixel it crosses."""
    if len(points) == 0:
        return
    pixel_rows, columns = levels.shape
    if len(points) == 1:
        xs, ys = points[:, 0], points[:, 1]
    else:
        starts, ends = points[:-1], points[1:]
        with np.errstate(invalid="ignore", over="ignore"):
            lengths = np.ceil(np.nan_to_num(np.abs(ends - starts).max(axis=1), nan=0.0, posinf=4096.0)).clip(0, 4096)
        counts = lengths.astype(np.int64) + 1
        segment = np.repeat(np.arange(len(starts)), counts)
        first = np.repeat(np.cumsum(counts) - counts, counts)
        t = (np.arange(int(counts.sum())) - first) / np.repeat(counts - 1 if counts.max() > 1 else counts, counts).clip(1)
        xs = starts[segment, 0] + (ends[segment, 0] - starts[segment, 0]) * t
        ys = starts[segment, 1] + (ends[segment, 1] - starts[segment, 1]) * t
    with np.errstate(invalid="ignore"):
        keep = np.isfinite(xs) & np.isfinite(ys) & (xs >= 0) & (xs < columns) & (ys >= 0) & (ys < pixel_rows)
    levels[ys[keep].astype(np.int64), xs[keep].astype(np.int64)] = level


def arrow_glyph(dx: float, dy_up: float, ascii_only: bool) -> str:
    """The arrow character closest to the direction (dx across, dy_up upwards)."""
    octant = round(float(np.arctan2(dy_up, dx)) / (np.pi / 4)) % 8
    return (ASCII_ARROW_GLYPHS if ascii_only else ARROW_GLYPHS)[octant]


def _fit_grid(grid: np.ndarray, columns: int, pixel_rows: int) -> np.ndarray:
    """A grid over the plane (rows = the second parameter, upwards) as pixel_rows × columns pixels,
    row 0 at the top: flipped, and each pixel the grid point nearest its centre when the sizes differ."""
    flipped = grid[::-1]
    ny, nx = flipped.shape
    if (ny, nx) == (pixel_rows, columns):
        return flipped
    rows_index = np.minimum((np.arange(pixel_rows) + 0.5) * ny / pixel_rows, ny - 1).astype(np.int64)
    columns_index = np.minimum((np.arange(columns) + 0.5) * nx / columns, nx - 1).astype(np.int64)
    return flipped[np.ix_(rows_index, columns_index)]


EDGE_CELLS = 2  # a ✕ this many columns (or one row) from the map's edge gets words saying it is to scale,
EDGE_SHARE = 0.15  # as does one in this outer share of the half-map (the engine's grid reaches 1.15 × the step)


def landscape_rows(
    frame: LandscapeFrame,
    columns: int,
    rows: int,
    ascii_only: bool = False,
    paths: tuple[tuple[np.ndarray, int], ...] = (),
    race_colours: tuple[str, ...] = (),
) -> list[list[Segment]]:
    """The loss over the frame's plane as a heat map (two pixels a cell, ▀) with contour lines; over
    it the path so far (or, for a race, each entrant's path in its colour: `paths` of (points,
    entrant)), the −gradient as an arrow from the current point, the next update's step η·ḡ to
    scale ending at ✕ (an arrow on red at the edge when it leaves the map), and the current point ●."""
    use_palette()
    pixel_rows = 2 * rows
    levels = loss_shades(_fit_grid(frame.shade(), columns, pixel_rows))
    where = PixelMap(frame.axes, columns, pixel_rows, frame.loss.shape)
    ground = levels.copy()  # the heat map alone: what a mark's cell shows around its glyph
    if paths:
        for points, entrant in paths:
            draw_polyline(levels, where.pixels(points), RACE_LEVEL + entrant)
    else:
        draw_polyline(levels, where.pixels(frame.path), PATH_LEVEL)
    marks: dict[tuple[int, int], tuple[str, Style]] = {}
    x0, y0 = where.pixel(*frame.current)
    if not paths:
        _draw_arrows(frame, where, levels, marks, (x0, y0), ascii_only)
    if where.inside(x0, y0):
        marks[(int(x0), int(y0) // 2)] = ("o" if ascii_only else "●", Style(color=theme.current().current, bold=True))
    if ascii_only:
        return _ascii_landscape(levels, marks, rows, columns)
    for (c, r), (glyph, style) in list(marks.items()):  # each mark on its cell's own colour
        if style.bgcolor is None and r < rows:
            colour = _landscape_level_colour(int(ground[2 * r + 1, c]), race_colours)
            marks[(c, r)] = (glyph, style + Style(bgcolor=_rgb(colour)))
    return half_block_rows(levels, marks, _landscape_styles(race_colours))


def _draw_arrows(
    frame: LandscapeFrame,
    where: PixelMap,
    levels: np.ndarray,
    marks: dict[tuple[int, int], tuple[str, Style]],
    start: tuple[float, float],
    ascii_only: bool,
) -> None:
    """The −gradient's direction (a third of the picture long: ∂L/∂θ is not in the plane's units)
    and the next step to scale, each ending in a mark of its own (the step's ✕ over the arrow's
    head where they meet, as they do for plain SGD at a small η)."""
    x0, y0 = start
    sx, sy = where.pixel(frame.current[0] + frame.step[0], frame.current[1] + frame.step[1])
    if not (np.isfinite(sx) and np.isfinite(sy)):
        _draw_descent(frame, where, levels, marks, start, ascii_only)
        return
    draw_polyline(levels, np.array([[x0, y0], [sx, sy]]), STEP_LEVEL)
    _draw_descent(frame, where, levels, marks, start, ascii_only)
    if where.inside(sx, sy):
        marks[(int(sx), int(sy) // 2)] = ("x" if ascii_only else "✕", Style(color=STEP_COLOUR, bold=True))
        return
    # Off the map: an arrow on the step's red where it crosses the edge, pointing its way.
    t = 1.0
    for edge, origin, delta in (
        (where.columns - 1e-9, x0, sx - x0),
        (0.0, x0, sx - x0),
        (where.pixel_rows - 1e-9, y0, sy - y0),
        (0.0, y0, sy - y0),
    ):
        if delta != 0:
            crossing = (edge - origin) / delta
            if 0 <= crossing < t:
                t = crossing
    ex, ey = x0 + (sx - x0) * t, y0 + (sy - y0) * t
    if where.inside(ex, ey):
        glyph = arrow_glyph(sx - x0, y0 - sy, ascii_only)
        marks[(int(ex), int(ey) // 2)] = (glyph, Style(color="#ffffff", bgcolor=STEP_COLOUR, bold=True))


def step_note(frame: LandscapeFrame, columns: int, rows: int, width: int = 0) -> str | None:
    """Words for a step drawn at the map's edge or past it, where a learner reads "clamped, not to
    scale": the map is sized to reach just past the step, and the loss after it moves every weight
    (the colour under ✕ moves only these two)."""
    where = PixelMap(frame.axes, columns, 2 * rows, frame.loss.shape)
    sx, sy = where.pixel(frame.current[0] + frame.step[0], frame.current[1] + frame.step[1])
    if not (np.isfinite(sx) and np.isfinite(sy)) or frame.step == (0.0, 0.0):
        return None
    after = f"L after the step (every weight moved) = {frame.next_loss:.4g}"
    # near the edge: within a cell (a row) of it, or in the outer EDGE_SHARE of the half-map, where a step
    # that sets the map's reach (it reaches MARGIN × the step) lands
    near_x = min(sx, columns - sx) <= max(EDGE_CELLS, EDGE_SHARE * columns / 2)
    near_y = min(sy, 2 * rows - sy) <= max(2.0, EDGE_SHARE * rows)
    if not where.inside(sx, sy):
        long, short = (
            f"the step leaves the map: the arrow on red at the edge points where it lands; {after}",
            "the step leaves the map",
        )
    elif near_x or near_y:
        long, short = f"✕ at the edge is to scale: the map reaches just past the step; {after}", "✕ at the edge is to scale"
    else:
        return None
    # a narrow pane gets the short form on one row, whole, rather than the long one cut before its number
    return long if len(long) <= width or not width else f"{short} · L after it = {frame.next_loss:.4g}"


def _draw_descent(
    frame: LandscapeFrame,
    where: PixelMap,
    levels: np.ndarray,
    marks: dict[tuple[int, int], tuple[str, Style]],
    start: tuple[float, float],
    ascii_only: bool,
) -> None:
    """The −gradient's arrow from the current point, over the step's line (for plain SGD they point the same way)."""
    x0, y0 = start
    da, db = frame.downhill
    dx, dy = da * where.x_scale, -db * where.y_scale  # the direction on screen, in pixels (y down)
    norm = float(np.hypot(dx, dy))
    if np.isfinite(norm) and norm > 0:
        reach = max(min(where.columns, where.pixel_rows) / 3, 6.0)
        x1, y1 = x0 + dx / norm * reach, y0 + dy / norm * reach
        draw_polyline(levels, np.array([[x0, y0], [x1, y1]]), DESCENT_LEVEL)
        if where.inside(x1, y1):
            glyph = arrow_glyph(dx, -dy, ascii_only)
            marks[(int(x1), int(y1) // 2)] = (glyph, Style(color=DESCENT_COLOUR, bold=True))


def _ascii_landscape(
    levels: np.ndarray, marks: dict[tuple[int, int], tuple[str, Style]], rows: int, columns: int
) -> list[list[Segment]]:
    """The landscape in characters: the loss by shade (' ' low … '@' high), '~' on a contour,
    '.' on a path, '*' the arrows."""
    result = []
    for r in range(rows):
        chars = []
        for c in range(columns):
            top, bottom = int(levels[2 * r, c]), int(levels[2 * r + 1, c])
            if (c, r) in marks:
                chars.append(marks[(c, r)][0])
            elif top >= PATH_LEVEL or bottom >= PATH_LEVEL:
                chars.append(
                    "*" if max(top, bottom) in (DESCENT_LEVEL, STEP_LEVEL) else "o" if max(top, bottom) >= RACE_LEVEL else "."
                )
            elif top == INVALID_LEVEL or bottom == INVALID_LEVEL:
                chars.append("?")
            elif top >= CONTOUR_SHADE or bottom >= CONTOUR_SHADE:
                chars.append("~")
            else:
                chars.append(ASCII_SHADES[min(top * len(ASCII_SHADES) // LOSS_SHADES, len(ASCII_SHADES) - 1)])
        result.append([Segment("".join(chars))])
    return result


def landscape_legend(frame: LandscapeFrame, width: int, ascii_only: bool, race: bool = False) -> list[Segment]:
    """The loss scale (low … high, log when the frame says so) as a colour bar, then the marks."""
    use_palette()
    low, high = tick_label_loss(frame.low), tick_label_loss(frame.high)
    segments: list[Segment] = [Segment(f"L {low} "), *_loss_bar(ascii_only)]
    scale = " log" if frame.log_scale else ""
    if race:
        marks = "  ● start" if not ascii_only else "  o start"
    elif ascii_only:
        marks = "  o now  > -grad L  x next step  . path  ~ contour"
    else:
        marks = "  ● now  → −∇L  ✕ next step η·ḡ  ⋯ path"
    used = sum(len(segment.text) for segment in segments) + len(f" {high}{scale}")
    if used + len(marks) > width:  # a narrow pane keeps the scale whole and drops the marks (the help names them)
        marks = ""
    segments.append(Segment(f" {high}{scale}{marks}", Style(color=theme.MUTED)))
    return _fitted(segments, width)


@functools.lru_cache(maxsize=2)
def _loss_bar(ascii_only: bool) -> tuple[Segment, ...]:
    """The colour bar from the lowest loss to the highest (the scale does not change with the palette)."""
    steps = 10
    if ascii_only:
        return tuple(
            Segment(ASCII_SHADES[min(k * len(ASCII_SHADES) // (steps + 1), len(ASCII_SHADES) - 1)]) for k in range(steps + 1)
        )
    return tuple(Segment("█", Style(color=_rgb(loss_shade_colour(k / steps)))) for k in range(steps + 1))


def tick_label_loss(value: float) -> str:
    return f"{value:.3g}".replace("-", "−") if np.isfinite(value) else str(value)
