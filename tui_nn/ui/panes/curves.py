"""Activation curves: g(z) above g'(z) over the z the hidden units see, each unit's z marked.

A pure drawing (rows of Rich segments at a given width and height) of
`engine.health.ActivationCurves`: two panels on one z axis, g(z) on top and g'(z) below, each
with its own labelled y axis, drawn in Braille dots (two columns and four rows of dots per
character; with --ascii, one point per character). Every hidden unit's z on every sample is a ●
on both curves, the current sample's a ◆, so a learner sees why σ' ≤ 0.25 shrinks a gradient
and why a ReLU whose z ≤ 0 on every sample is dead. `CurvesPane` draws the current View's.
"""

from __future__ import annotations

import textwrap

import numpy as np
from rich.segment import Segment
from rich.style import Style

from tui_nn.engine.session.view import ActivationCurves, View
from tui_nn.ui import theme
from tui_nn.ui.ascii import CLASS_POINTS
from tui_nn.ui.panes.matrixview import Row, Runs, ascii_text
from tui_nn.ui.panes.widgets import _CachedLines


# Colours come from the palette in use when drawing (theme follows --theme): g in the forward
# pass's colour (the forward pass computes it), g' in the backward pass's (backpropagation
# multiplies δ by it), each point in its sample's class colour, the walked sample's in the current
# step's colour.
def _curve_style(key: str) -> Style:
    return Style(color=theme.FORWARD if key == "g" else theme.BACKWARD)


def _muted() -> Style:
    return Style(color=theme.MUTED)


BRAILLE_BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))  # [row in cell][column in cell]


def pixel_columns(width: int, ascii_only: bool = False) -> int:
    """How many z samples the plot at `width` characters draws: one per dot column. A pane asks
    the engine for exactly this many (activation_curves(…, points=…)), one per column."""
    plot = max(width - gutter_width(), 1)
    return plot if ascii_only else 2 * plot


def gutter_width() -> int:
    return 7  # "−0.25┤"


def _label(value: float) -> str:
    if value == 0:
        return "0"
    return f"{value:.2g}".replace("-", "−")


class _Panel:
    """One curve's plot area: dots of the curve, then marks on top, one style per character."""

    def __init__(self, columns: int, rows: int, ascii_only: bool, low: float, high: float) -> None:
        self.columns, self.rows, self.ascii_only = columns, rows, ascii_only
        self.x_dots = columns if ascii_only else 2 * columns
        self.y_dots = rows if ascii_only else 4 * rows
        self.low, self.high = low, high
        self.bits = np.zeros((rows, columns), dtype=np.int64)
        self.marks: dict[tuple[int, int], tuple[str, Style]] = {}

    def y_dot(self, values: np.ndarray) -> np.ndarray:
        """Dot rows from the top: the panel's high value at 0, its low one at the bottom dot."""
        with np.errstate(all="ignore"):
            fraction = (self.high - values) / (self.high - self.low)
        dots = np.rint(np.nan_to_num(fraction, nan=-1.0, posinf=2.0, neginf=-1.0) * (self.y_dots - 1))
        return np.asarray(dots, dtype=np.int64)

    def curve(self, values: np.ndarray) -> None:
        """The curve through one value per dot column, joined column to column (a steep stretch,
        or ReLU's step in g', stays a line, not scattered dots)."""
        n = len(values)
        xs = np.rint(np.linspace(0, self.x_dots - 1, n)).astype(np.int64) if n > 1 else np.zeros(1, dtype=np.int64)
        ys = self.y_dot(values)
        previous: int | None = None
        for x, y in zip(xs.tolist(), ys.tolist(), strict=True):
            if not 0 <= y < self.y_dots:
                previous = None
                continue
            top, bottom = (y, y) if previous is None else (min(previous, y), max(previous, y))
            for dot in range(top, bottom + 1):
                self._dot(x, dot)
            previous = y

    def _dot(self, x: int, y: int) -> None:
        if self.ascii_only:
            self.bits[y, x] = 1
        else:
            self.bits[y // 4, x // 2] |= BRAILLE_BITS[y % 4][x % 2]

    def mark(self, x_dots: np.ndarray, values: np.ndarray, char: str, style: Style) -> None:
        """A character at the cell of each (x dot, value), over the curve."""
        ys = self.y_dot(values)
        inside = (ys >= 0) & (ys < self.y_dots) & (x_dots >= 0) & (x_dots < self.x_dots)
        per_cell = (1, 1) if self.ascii_only else (4, 2)
        cells = np.unique((ys[inside] // per_cell[0]) * self.columns + x_dots[inside] // per_cell[1])
        for cell in cells.tolist():
            self.marks[divmod(cell, self.columns)] = (char, style)

    def draw(self, curve_style: Style, ascii_char: str) -> list[Row]:
        rows: list[Row] = []
        for r in range(self.rows):
            runs = Runs()
            for c in range(self.columns):
                if (r, c) in self.marks:
                    runs.add(*self.marks[(r, c)])
                elif self.bits[r, c]:
                    runs.add(ascii_char if self.ascii_only else chr(0x2800 | int(self.bits[r, c])), curve_style)
                else:
                    runs.add(" ", None)
            rows.append(runs.segments())
        return rows


def _axis_labels(panel: _Panel, values: list[float]) -> dict[int, str]:
    """Character row → label for each value, the earlier values first where two share a row."""
    labels: dict[int, str] = {}
    for value in values:
        row = int(panel.y_dot(np.array([value]))[0]) // (1 if panel.ascii_only else 4)
        if 0 <= row < panel.rows and row not in labels:
            labels[row] = _label(value)
    return labels


def draw_curves(
    curves: ActivationCurves | None,
    width: int,
    height: int,
    ascii_only: bool = False,
    current: int | None = None,
    classes: np.ndarray | None = None,
    class_count: int = 2,
) -> list[Row]:
    """g(z) over g'(z) at width×height: a title with both formulas, the two panels with y labels
    (top, bottom, 0 and the largest slope), the z axis with its ends and 0, a legend, and per
    hidden layer the z range, mean g' and how many units pass no gradient. `current` is the data
    row whose points are drawn ◆ (the sample being walked); `classes` (one label 0 … class_count − 1
    per sample) colours each sample's points by its class (with --ascii: o and x, or a … f for more)."""
    if width <= 0 or height <= 0:
        return []
    blank: Row = [Segment(" " * width)]

    def text_row(text: str, style: Style | None = None) -> Row:
        shown = ascii_text(text) if ascii_only else text
        shown = shown[:width]
        return [Segment(shown, style), Segment(" " * (width - len(shown)))]

    if curves is None:
        rows = [text_row("no hidden layer: no hidden activation to plot (the output is σ of the inputs' weighted sum)")]
        return rows + [blank] * (height - 1)
    g_formula, slope_formula = curves.labels
    gutter = gutter_width()
    plot_width = width - gutter
    # One group of lines per hidden layer, dropped whole (last layer first) when the plots need
    # the rows: a layer's sentence is never cut off in the middle.
    layer_lines = [
        textwrap.wrap(
            f"layer {p.layer}: z from {_label(p.z_min)} to {_label(p.z_max)} · mean g′ {p.mean_slope:.3f} · "
            f"{p.blocked} of {p.z.shape[1]} unit{'s' if p.z.shape[1] != 1 else ''} pass no gradient (g′ < 0.01 on every sample)",
            max(width, 1),
            subsequent_indent="  ",
        )
        for p in curves.layers
    ]
    point_chars: tuple[str, ...]
    point_chars, current_char = (("o", "x"), "@") if ascii_only else (("●", "●"), "◆")
    if class_count > 2:
        point_chars = tuple(CLASS_POINTS[:class_count]) if ascii_only else ("●",) * class_count
    # the longest legend that fits whole (a cut one, "● cla", says nothing)
    walked = f"   {current_char} sample {current + 1}" if current is not None else ""
    if classes is None:
        legends = [f"{point_chars[0]} a unit's z on a sample{walked}", f"{point_chars[0]} z on a sample{walked}"]
    elif class_count > 2:
        every = "  ".join(f"{point_chars[k]} class {k}" for k in range(class_count))
        legends = [f"z by class: {every}{walked}", f"{every}{walked}", every]
    else:
        legends = [
            f"{point_chars[0]} z on a class-0 sample  {point_chars[1]} class 1{walked}",
            f"{point_chars[0]} class 0  {point_chars[1]} class 1{walked}",
            f"{point_chars[0]} class 0  {point_chars[1]} class 1",
        ]
    legend = next((text for text in legends if len(text) <= width), "")
    # The titles never cut a formula (a cut "≤ 0.25" would read "≤ 0"): both on one line when
    # they fit, else one per line, each ending in an ellipsis only if even that is too narrow.
    one_line = f"{g_formula}   {slope_formula}"
    titles = (
        [one_line] if len(one_line) <= width else [_fit(g_formula, width, ascii_only), _fit(slope_formula, width, ascii_only)]
    )
    fixed = 2 + len(titles)  # the titles, the z axis and its labels
    plot_rows = height - fixed - 1 - sum(len(lines) for lines in layer_lines)
    while plot_rows < 10 and layer_lines:
        plot_rows += len(layer_lines.pop())
    summaries = [line for lines in layer_lines for line in lines]
    with_legend = plot_rows >= 6 and bool(legend)
    if not with_legend:
        plot_rows += 1
    if plot_rows < 4 or plot_width < 8:
        rows = [text_row(f"{g_formula} and {slope_formula}"), text_row("(make the pane larger to see the curves)", _muted())]
        return (rows + [blank] * height)[:height]
    top_rows = (plot_rows + 1) // 2 + (1 if plot_rows >= 8 else 0)
    bottom_rows = plot_rows - top_rows
    z_low, z_high = curves.z_range
    panels: list[tuple[str, _Panel, np.ndarray, str]] = []
    for key, values, rows_here, name in (("g", curves.g, top_rows, "g"), ("slope", curves.slope, bottom_rows, "g′")):
        low, high = curves.g_range if key == "g" else curves.slope_range
        panels.append((key, _Panel(plot_width, rows_here, ascii_only, low, high), values, name))
    out: list[Row] = [text_row(title, Style(bold=True)) for title in titles]
    for key, panel, values, name in panels:
        panel.curve(values)
        for p in curves.layers:
            with np.errstate(all="ignore"):
                x = np.rint((p.z - z_low) / (z_high - z_low) * (panel.x_dots - 1))
            x_dots = np.nan_to_num(x, nan=-1.0, posinf=-1.0, neginf=-1.0).astype(np.int64)
            on_curve = p.a if key == "g" else p.slope
            groups = [np.ones(p.z.shape[0], dtype=bool)] if classes is None else [classes == k for k in range(class_count)]
            for group, members in enumerate(groups):
                colour = theme.TEXT if classes is None else theme.class_colour(group, class_count)
                panel.mark(x_dots[members].ravel(), on_curve[members].ravel(), point_chars[group], Style(color=colour, bold=True))
            if current is not None and 0 <= current < p.z.shape[0]:
                panel.mark(x_dots[current], on_curve[current], current_char, Style(color=theme.CURRENT, bold=True))
        label_values = [panel.high, panel.low, 0.0]
        if key == "slope":
            label_values.insert(1, panel.high if curves.slope_peak is None else curves.slope_peak)
        labels = _axis_labels(panel, label_values)
        drawn = panel.draw(_curve_style(key), "*" if key == "g" else ".")
        for r, row in enumerate(drawn):
            tick = ("+" if r in labels else "|") if ascii_only else ("┤" if r in labels else "│")
            label = labels.get(r, name if r == 1 else "")
            left = f"{label[: gutter - 1]:>{gutter - 1}}{tick}"
            out.append([Segment(ascii_text(left) if ascii_only else left, _muted()), *row])
    corner, line = ("+", "-") if ascii_only else ("└", "─")
    out.append([Segment(" " * (gutter - 1) + corner + line * plot_width, _muted())])
    out.append(_z_labels(z_low, z_high, gutter, plot_width, width, ascii_only))
    if with_legend:
        out.append(text_row(legend, _muted()))
    out += [text_row(line, _muted()) for line in summaries]
    out = [_exact(row, width, ascii_only) for row in out]
    return (out + [blank] * height)[:height]


def _fit(text: str, width: int, ascii_only: bool) -> str:
    """`text` as it fits in `width` cells, with an ellipsis where it had to be cut."""
    if len(text) <= width:
        return text
    mark = "..." if ascii_only else "…"
    return text[: max(width - len(mark), 0)] + mark


def _z_labels(low: float, high: float, gutter: int, plot_width: int, width: int, ascii_only: bool) -> Row:
    """z's two ends and 0 under their columns, and the axis's name."""
    chars = [" "] * width
    zero = round((0 - low) / (high - low) * (plot_width - 1))

    def put(text: str, at: int) -> None:
        at = max(0, min(at, width - len(text)))
        if all(c == " " for c in chars[max(at - 1, 0) : at + len(text) + 1]):
            chars[at : at + len(text)] = list(text)

    low_text, high_text = _label(low), _label(high)
    put(low_text, gutter)
    put(high_text, gutter + plot_width - len(high_text) - 2)
    put("0", gutter + zero)
    put("z", gutter + plot_width - 1)
    text = "".join(chars)
    return [Segment(ascii_text(text) if ascii_only else text, _muted())]


def _exact(row: Row, width: int, ascii_only: bool) -> Row:
    out: Row = []
    used = 0
    for segment in row:
        text = segment.text[: max(width - used, 0)]
        if ascii_only:
            text = ascii_text(text)[: max(width - used, 0)]
        if text:
            out.append(Segment(text, segment.style))
            used += len(text)
    if used < width:
        out.append(Segment(" " * (width - used)))
    return out


class CurvesPane(_CachedLines):
    """The hidden activation g(z) and g'(z) with every unit's z on every sample marked."""

    def on_mount(self) -> None:
        self.border_title = "activation"

    def cache_key(self, view: View) -> object:
        return (view.snapshot.params.tobytes(), view.snapshot.sample)

    def draw_rows(self, view: View, width: int, height: int) -> list[list[Segment]]:
        curves = view.activation_curves(pixel_columns(width, self.ascii_only))
        return draw_curves(curves, width, height, self.ascii_only, view.snapshot.sample, view.labels, view.class_count)
