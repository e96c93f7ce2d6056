"""Gradient health per layer and the gradient check, as tables that fit a pane.

Pure drawings (rows of Rich segments at a given width and height) of `engine.health.GradientHealth`
and `engine.gradcheck.GradCheck`, plus thin panes: `HealthPane` draws the current View's network
on its data set (live during training), `GradCheckPane` draws a check the app ran.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from tui_nn.engine.session.view import GradientHealth, LayerHealth, View
from tui_nn.engine.walk.expr import MINUS
from tui_nn.ui import theme
from tui_nn.ui.panes.matrixview import Row, ascii_text
from tui_nn.ui.panes.widgets import _CachedLines

if TYPE_CHECKING:  # the gradient check loads when G first runs one, not with the app
    from tui_nn.engine.nn.gradcheck import GradCheck, ParameterCheck

EIGHTHS = " ▏▎▍▌▋▊▉█"
HEADER = Style(bold=True)


# Colours come from the palette in use when a table is drawn (theme follows --theme).
def _muted() -> Style:
    return Style(color=theme.MUTED)


def _good() -> Style:
    return Style(color=theme.SUCCESS)


def _bad() -> Style:
    return Style(color=theme.ERROR, bold=True)


def _warn() -> Style:
    return Style(color=theme.WARNING)


def _bar_style() -> Style:
    return Style(color=theme.BACKWARD)  # gradients are the backward pass's


def _text_row(cells: Sequence[tuple[str, Style | None]], width: int, ascii_only: bool) -> Row:
    """Cells joined as they come, cut or filled to `width`."""
    out: Row = []
    used = 0
    for text, style in cells:
        shown = ascii_text(text) if ascii_only else text
        shown = shown[: max(width - used, 0)]
        if shown:
            out.append(Segment(shown, style))
            used += len(shown)
    if used < width:
        out.append(Segment(" " * (width - used)))
    return out


def _wrapped(text: str, style: Style, width: int, ascii_only: bool) -> list[Row]:
    """A sentence over as many rows as it needs at `width`."""
    shown = ascii_text(text) if ascii_only else text
    return [_text_row([(line, style)], width, False) for line in textwrap.wrap(shown, max(width, 1))]


def _fill(rows: list[Row], width: int, height: int) -> list[Row]:
    rows = rows[:height]
    return rows + [[Segment(" " * width)] for _ in range(height - len(rows))]


def norm_text(value: float) -> str:
    return f"{value:.2e}" if math.isfinite(value) else str(value)


@dataclass(frozen=True)
class Column:
    """A table column: its heading, width, how a row fills it, and how readily it is left out
    when the pane is narrow (a higher `drop` goes first; 0 never goes)."""

    heading: str
    width: int
    cell: Callable[[LayerHealth], tuple[str, Style | None]]
    drop: int = 0


def _bar(value: float, low: int, high: int, width: int, ascii_only: bool) -> str:
    """A bar whose length is log10(value) between the decades `low` and `high`, in eighths of a cell."""
    if not (math.isfinite(value) and value > 0) or width <= 0:
        return ""
    fraction = (math.log10(value) - low) / (high - low)
    eighths = max(1, round(min(max(fraction, 0.0), 1.0) * width * 8))
    if ascii_only:
        return "#" * max(1, round(eighths / 8))
    return "█" * (eighths // 8) + (EIGHTHS[eighths % 8] if eighths % 8 else "")


def _count(count: int | None, units: int) -> str:
    return "—" if count is None else f"{count}/{units}"


def health_rows(health: GradientHealth, width: int, height: int, ascii_only: bool = False) -> list[Row]:
    """The table: per layer W{k} (fan-in→units), ‖∂L/∂W‖, ‖∂L/∂b‖, mean g'(z), saturated and dead
    units, and ‖∂L/∂W‖ as a bar on a log scale (in the width left); then the first layer's norm
    over the last's. Columns are left out from the least needed when the pane is narrow."""
    if width <= 0 or height <= 0:
        return []
    low, high = health.decades
    arrow = "->" if ascii_only else "→"
    name_width = max(len(f"W{h.layer} {h.fan_in}{arrow}{h.units}") for h in health.layers)
    columns = [
        Column("layer", name_width, lambda h: (f"W{h.layer} {h.fan_in}{arrow}{h.units}", HEADER)),
        Column("‖∂L/∂W‖", 9, lambda h: (norm_text(h.grad_w), None)),
        Column("‖∂L/∂b‖", 9, lambda h: (norm_text(h.grad_b), None), drop=2),
        Column("mean g′", 7, lambda h: ("—" if h.mean_slope is None else f"{h.mean_slope:.3f}", None), drop=3),
        Column("saturated", 9, lambda h: (_count(h.saturated_units, h.units), _warn() if h.saturated else None), drop=1),
        Column("dead", 5, lambda h: (_count(h.dead_units, h.units), _warn() if h.dead else None), drop=1),
    ]
    gap = 2
    used = sum(c.width for c in columns) + gap * len(columns)
    while used > width and any(c.drop for c in columns):
        worst = max(columns, key=lambda c: c.drop)
        columns.remove(worst)
        used -= worst.width + gap
    bar_width = width - used  # the bar takes the rest, on the right
    if bar_width < 6:
        bar_width = 0
    rows: list[Row] = []
    heading = [(c.heading.ljust(c.width + gap), HEADER) for c in columns]
    # the longest heading that fits whole: a cut one ("on a") would say nothing
    for bar_heading in (f"‖∂L/∂W‖ on a log scale 1e{low}…1e{high}", f"log scale 1e{low}…1e{high}", f"log 1e{low}…1e{high}", ""):
        if len(bar_heading) <= bar_width:
            break
    heading.append((bar_heading, _muted()))
    rows.append(_text_row(heading, width, ascii_only))
    for h in health.layers:
        cells = []
        for c in columns:
            text, style = c.cell(h)
            cells.append((text.ljust(c.width + gap), style))
        cells.append((_bar(h.grad_w, low, high, bar_width, ascii_only), _bar_style()))
        rows.append(_text_row(cells, width, ascii_only))
    for line, style in [*health_summary(health), *dropout_note(health)]:
        rows += _wrapped(line, style, width, ascii_only)
    return _fill(rows, width, height)


def dropout_note(health: GradientHealth) -> list[tuple[str, Style]]:
    """Which gradients the table holds under dropout: the training pass's, with the masks the update uses."""
    if not health.dropout:
        return []
    return [
        (
            f"dropout p = {health.dropout:g}: the training pass's gradients, with the masks of epoch {health.mask_epoch}'s "
            "first update, as training takes them (a dropped unit passes none back)",
            _muted(),
        )
    ]


def health_summary(health: GradientHealth) -> list[tuple[str, Style]]:
    """A line on how the gradient changes from the last layer down to the first, with the reason
    when the hidden units are sigmoids or tanhs (each layer multiplies δ by g'(z) ≤ 0.25 or 1)."""
    if not health.finite:
        return [("the loss or the gradient is not finite: step back (←) or lower η", _bad())]
    ratio = health.first_to_last
    if ratio is None:
        return []
    first, last = health.layers[0], health.layers[-1]
    if ratio == 0.0:  # not a ratio to invert: nothing at all arrives
        return [
            (
                f"‖∂L/∂W{first.layer}‖ = 0 exactly (‖∂L/∂W{last.layer}‖ = {last.grad_w:.1e}): no gradient reaches "
                f"W{first.layer}, so it cannot learn: saturated or dead units, or zero inputs, pass none back",
                _warn(),
            )
        ]
    line = f"‖∂L/∂W{first.layer}‖ / ‖∂L/∂W{last.layer}‖ = {ratio:.1e}"
    if ratio < 1e-2:
        line += f": the gradient shrinks {1 / ratio:,.0f}× on its way down"
        act = first.operation
        if act.saturates:
            line += f" (each {act.name} layer multiplies δ by g′(z) ≤ {act.slope_bound:g})"
        return [(line, _warn())]
    if ratio > 1e2:
        return [(line + f": the gradient grows {ratio:,.0f}× on its way down", _warn())]
    return [(line, _muted())]


# --- the gradient check -----------------------------------------------------------------------


def gradcheck_rows(result: GradCheck, width: int, height: int, ascii_only: bool = False) -> list[Row]:
    """Per parameter: analytic and numerical ∂L/∂θ, their relative error, a kink flag and the
    verdict; when they do not all fit, the largest relative errors first. Then the overall verdict."""
    if width <= 0 or height <= 0:
        return []
    checks = result.checks

    def summary(shown: int) -> list[Row]:
        return [row for line, style in gradcheck_summary(result, shown) for row in _wrapped(line, style, width, ascii_only)]

    shown = checks
    if 1 + len(checks) + len(summary(len(checks))) > height:  # the largest relative errors first
        room = max(height - 1 - len(summary(max(len(checks) - 1, 0))), 0)
        shown = sorted(checks, key=lambda c: -_sortable(c.relative_error))[:room]
    name_width = max([len("parameter"), *(len(c.name) for c in checks)])
    ok, wrong = ("ok", "WRONG") if ascii_only else ("✓", "✗")
    rows = [
        _text_row(
            [
                (f"{'parameter':<{name_width}}  {'analytic':>12}  {'numerical':>12}  {'rel. error':>10}  kink  verdict", HEADER),
            ],
            width,
            ascii_only,
        )
    ]
    for c in shown:
        verdict, style = _verdict(c, ok, wrong)
        rows.append(
            _text_row(
                [
                    (
                        f"{c.name:<{name_width}}  {c.analytic:>12.5e}  {c.numerical:>12.5e}  {c.relative_error:>10.1e}  ".replace(
                            "-", MINUS
                        ),
                        None,
                    ),
                    ("kink  " if c.kink else "      ", _warn() if c.kink else None),
                    (verdict, style),
                ],
                width,
                ascii_only,
            )
        )
    rows += summary(len(shown))
    return _fill(rows, width, height)


def _sortable(value: float) -> float:
    return math.inf if math.isnan(value) else value


def _verdict(c: ParameterCheck, ok: str, wrong: str) -> tuple[str, Style]:
    from tui_nn.engine.nn.gradcheck import TOLERANCE

    if c.kink:
        return "left out", _muted()
    return (ok, _good()) if c.relative_error < TOLERANCE else (wrong, _bad())


def gradcheck_summary(result: GradCheck, shown: int) -> list[tuple[str, Style]]:
    total = len(result.checks)
    lines: list[tuple[str, Style]] = []
    worst = result.max_relative_error
    from tui_nn.engine.nn.gradcheck import TOLERANCE

    tolerance = f"1e{round(math.log10(TOLERANCE))}"
    checked = len(result.checked)
    if result.passed:
        lines.append((f"largest relative error {worst:.1e} < {tolerance} on {checked} parameters: backprop agrees", _good()))
    else:
        lines.append((f"largest relative error {worst:.1e} ≥ {tolerance}: the analytic gradient is wrong", _bad()))
    notes = []
    if shown < total:
        notes.append(f"the {shown} largest errors of {total} shown")
    if result.kinks:
        notes.append(f"{len(result.kinks)} at a ReLU kink (no derivative there) left out")
    if notes:
        lines.append(("; ".join(notes), _muted()))
    return lines


# --- panes ------------------------------------------------------------------------------------


class HealthPane(_CachedLines):
    """‖∂L/∂W‖, ‖∂L/∂b‖, mean g′ and saturated / dead units per layer, on the whole data set (under dropout,
    the training pass's, with the update's masks)."""

    def on_mount(self) -> None:
        self.border_title = "gradient health"

    def draw_rows(self, view: View, width: int, height: int) -> list[list[Segment]]:
        return health_rows(view.layer_health, width, height, self.ascii_only)


class GradCheckPane(Widget):
    """A gradient check's table; the app runs the check (it takes up to a second) and sets `result`."""

    result: reactive[GradCheck | None] = reactive(None, layout=False)
    """The check drawn; None until one has run."""

    def __init__(self, ascii_only: bool, **kwargs: str | None) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.ascii_only = ascii_only
        self._key: tuple[object, ...] | None = None
        self._strips: list[Strip] = []

    def on_mount(self) -> None:
        self.border_title = "gradient check"

    def render_line(self, y: int) -> Strip:
        size = self.content_size
        if self.result is None or size.width < 4 or size.height < 2:
            return Strip.blank(size.width)
        key = (self.result, size.width, size.height)
        if key != self._key:
            self._key = key
            rows = gradcheck_rows(self.result, size.width, size.height, self.ascii_only)
            self._strips = [Strip(row, size.width) for row in rows]
        return self._strips[y].apply_style(self.rich_style) if y < len(self._strips) else Strip.blank(size.width)

    def watch_result(self) -> None:
        self.refresh()
