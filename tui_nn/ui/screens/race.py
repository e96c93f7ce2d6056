"""The optimizer race (R): SGD, momentum and Adam (and SGD at a second η) from the session's weights,
their paths on one loss landscape and their loss curves on one chart, each in its own Okabe–Ito colour.

The race is the engine's (`Controller.race()`: copies of the network, trained in lock-step by the loop
`train` uses); this screen moves it on a timer, or a step at a time, and draws its frames. The session
underneath is not touched: Escape returns to it as it was.
"""

from __future__ import annotations

import itertools
import math
import textwrap
from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.geometry import Size
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from tui_nn.ui import theme
from tui_nn.ui.ascii import asciify
from tui_nn.ui.panes.diagram import Canvas
from tui_nn.ui.panes.losschart import min_max_labels, short_number
from tui_nn.ui.screens.screen_size import SettlesAtTerminalSize

if TYPE_CHECKING:
    from tui_nn.engine.live.race import Race, RaceFrame, RunnerFrame

TICK_SECONDS = 1 / 15  # the race's frames while it runs
PACES = (1, 2, 5, 10, 20, 50, 100, 200, 500)  # epochs each entrant trains per frame ([ and ])
DEFAULT_PACE = 10
GUTTER = 7


def race_colours() -> tuple[str, ...]:
    """The entrants' colours by their colour index: the palette's Okabe–Ito set, as the K-class views use."""
    return theme.class_colours(theme.MAX_CLASSES)


class _Drawn(Widget):
    """A widget drawn from the race's frame into rows of cells, once per frame and size."""

    def __init__(self, ascii_only: bool, **kwargs: str | None) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.ascii_only = ascii_only
        self.frame: RaceFrame | None = None
        self._strips: list[Strip] = []
        self._drawn_for: tuple[object, Size] | None = None

    def show(self, frame: RaceFrame) -> None:
        self.frame = frame
        self.refresh()

    def draw(self, frame: RaceFrame, width: int, height: int) -> list[list[Segment]]:
        raise NotImplementedError

    least = Size(20, 3)  # smaller than this, nothing is drawn

    def render_line(self, y: int) -> Strip:
        size = self.content_size
        if self.frame is None or size.width < self.least.width or size.height < self.least.height:
            return Strip.blank(size.width)
        if self._drawn_for != (self.frame, size):
            self._drawn_for = (self.frame, size)
            rows = self.draw(self.frame, size.width, size.height)
            self._strips = [Strip(row).crop_extend(0, size.width, None) for row in rows]
        return self._strips[y] if y < len(self._strips) else Strip.blank(size.width)


class RaceMap(_Drawn):
    """The race's landscape (the slice through the common start) with every entrant's path."""

    def __init__(self, race: Race, ascii_only: bool, **kwargs: str | None) -> None:
        super().__init__(ascii_only, **kwargs)
        self.race = race

    def on_mount(self) -> None:
        self.border_title = "the race on the loss landscape"

    def draw(self, frame: RaceFrame, width: int, height: int) -> list[list[Segment]]:
        from tui_nn.engine.live.race import Race
        from tui_nn.ui.panes.insight_views import landscape_legend, landscape_rows, with_axes

        gutter = GUTTER if width >= 30 else 1
        columns, rows = width - gutter, height - 3
        landscape = self.race.landscape(columns, 2 * rows)
        paths = tuple((Race.project(runner, landscape), runner.colour) for runner in frame.runners)
        muted = Style(color=theme.MUTED)
        caption = f"{landscape.x_name} across, {landscape.y_name} up · ● the common start"
        plot = landscape_rows(landscape, columns, rows, self.ascii_only, paths, race_colours())
        return [
            [Segment((asciify(caption) if self.ascii_only else caption)[:width], muted)],
            *with_axes(plot, landscape.axes, columns, rows, gutter, self.ascii_only),
            landscape_legend(landscape, width, self.ascii_only, race=True),
        ]


class RaceChart(_Drawn):
    """Every entrant's loss over the epochs on one chart (log scale), each in its colour."""

    def on_mount(self) -> None:
        self.border_title = "loss (log scale)"

    def draw(self, frame: RaceFrame, width: int, height: int) -> list[list[Segment]]:
        return loss_chart_rows(frame.runners, width, height, self.ascii_only)


def loss_chart_rows(runners: tuple[RunnerFrame, ...], width: int, height: int, ascii_only: bool) -> list[list[Segment]]:
    """The loss curves, log10 up and the epoch across, with the extremes labelled in a gutter."""
    muted = Style(color=theme.MUTED)
    finite = [
        (float(e), float(v))
        for r in runners
        for e, v in zip(r.loss_epochs, r.loss_series, strict=True)
        if math.isfinite(v) and v > 0
    ]
    if not finite:
        return [[Segment("no finite loss yet".ljust(width), muted)]]
    last_epoch = max(max(e for e, _ in finite), 1.0)
    low, high = math.log10(min(v for _, v in finite)), math.log10(max(v for _, v in finite))
    if high - low < 1e-9:
        low, high = low - 0.5, high + 0.5
    columns, rows = width - GUTTER, height - 1
    canvas = Canvas(columns, rows, ascii_only)
    colours = race_colours()
    for runner in runners:
        style = Style(color=colours[runner.colour % len(colours)], bold=True)
        points = [
            (e / last_epoch * (columns - 1), (high - math.log10(v)) / (high - low) * (rows - 1))
            for e, v in zip(runner.loss_epochs.tolist(), runner.loss_series.tolist(), strict=True)
            if math.isfinite(v) and v > 0
        ]
        for (x0, y0), (x1, y1) in itertools.pairwise(points):
            canvas.line(x0 + 0.5, y0 + 0.5, x1 + 0.5, y1 + 0.5, style, 1)
        if len(points) == 1:
            canvas.line(points[0][0] + 0.5, points[0][1] + 0.5, points[0][0] + 0.5, points[0][1] + 0.5, style, 1)
    labels = dict(zip((rows - 1, 0), gutter_labels(10**low, 10**high), strict=True))
    result = []
    for r, row in enumerate(canvas.rows()):
        label = labels.get(r, "")
        result.append(
            [
                Segment(
                    label.rjust(GUTTER - 1)[: GUTTER - 1] + ("+" if ascii_only else "┤")
                    if label
                    else " " * (GUTTER - 1) + ("|" if ascii_only else "│"),
                    muted,
                ),
                *row,
            ]
        )
    last = f"epoch {last_epoch:,.0f}"
    axis = "0".ljust(max(columns - len(last), 2)) + last
    result.append([Segment(" " * (GUTTER - 1) + ("+" if ascii_only else "└") + axis[:columns], muted)])
    return result


def gutter_labels(low: float, high: float) -> tuple[str, str]:
    """The chart's lowest and highest loss, told apart and each within the gutter: each with as many digits
    as fit, in the shorter of plain and exponent form (never a cut number: 7.86e+04 cut to its first six
    characters read as 7.86, 0.000350 as 0.0003)."""
    labels = min_max_labels(low, high)
    if all(len(label) < GUTTER for label in labels):
        return labels
    return fitted_number(low, GUTTER - 1), fitted_number(high, GUTTER - 1)


def fitted_number(value: float, room: int) -> str:
    """`value` with the most significant digits (3 down to 1) that fit `room` cells."""
    text = short_number(value, 1)
    for digits in (3, 2, 1):
        mantissa, _, exponent = f"{value:.{digits - 1}e}".partition("e")
        for text in (short_number(value, digits), f"{mantissa}e{int(exponent)}"):
            if len(text) <= room:
                return text
    return text


class RaceLegend(_Drawn):
    """Every entrant named in its colour at every size the screen allows: its name, then its epoch, loss and
    state (a long reason cut short between words) when they fit, else a row each, else the names packed."""

    least = Size(1, 1)

    def draw(self, frame: RaceFrame, width: int, height: int) -> list[list[Segment]]:
        return legend_rows(frame, width, height, self.ascii_only)


def _entrant_mark(runner: RunnerFrame, ascii_only: bool) -> list[Segment]:
    colour = race_colours()[runner.colour % len(race_colours())]
    name = asciify(runner.name) if ascii_only else runner.name
    return [Segment("## " if ascii_only else "██ ", Style(color=colour)), Segment(name, Style(color=colour, bold=True))]


def _cropped(row: list[Segment], width: int) -> list[Segment]:
    return list(Segment.adjust_line_length(row, width, pad=False))


def legend_rows(frame: RaceFrame, width: int, height: int, ascii_only: bool) -> list[list[Segment]]:
    """The legend's rows for a width × height box: the most it can say with every entrant still named."""
    muted = Style(color=theme.MUTED)
    runners = frame.runners

    def shown(text: str) -> str:
        return asciify(text) if ascii_only else text

    def loss(runner: RunnerFrame) -> str:
        return "—" if runner.loss is None else f"{runner.loss:.4g}"

    details = [
        textwrap.wrap(shown(f"epoch {r.epoch:,} · L {loss(r)} · {r.state}"), width, initial_indent="   ", subsequent_indent="   ")
        for r in runners
    ]
    # the most rows of words any entrant may keep, for the legend to fit (a long reason is cut short with …)
    each = max((len(lines) for lines in details), default=1)
    while each >= 1 and sum(1 + min(len(lines), each) for lines in details) > height:
        each -= 1
    if each >= 1:
        rows: list[list[Segment]] = []
        for runner, lines in zip(runners, details, strict=True):
            kept = lines[:each]
            if len(lines) > each:  # cut between words, never inside a number
                last, more = kept[-1], shown(" …")
                while len(last) + len(more) > width and " " in last.strip():
                    last = last.rstrip().rsplit(" ", 1)[0]
                kept[-1] = last + more
            rows += [_entrant_mark(runner, ascii_only), *([Segment(line, muted)] for line in kept)]
        return [_cropped(row, width) for row in rows]
    if len(runners) <= height:  # a row each: the name whole, then its loss and state if they fit whole
        rows = []
        for runner in runners:
            mark = _entrant_mark(runner, ascii_only)
            room = width - sum(len(segment.text) for segment in mark)
            stopped = "" if runner.running else " · stopped"
            tail = next((t for t in (f" L {loss(runner)}{stopped}", stopped) if len(shown(t)) <= room), "")
            rows.append(_cropped([*mark, Segment(shown(tail), muted)], width))
        return rows
    packed: list[list[Segment]] = [[]]  # fewer rows than entrants: the names side by side
    used = 0
    for runner in runners:
        mark = _entrant_mark(runner, ascii_only)
        length = sum(len(segment.text) for segment in mark)
        if packed[-1] and used + 1 + length > width:
            packed.append([])
            used = 0
        if packed[-1]:
            packed[-1].append(Segment(" "))
            used += 1
        packed[-1] += mark
        used += length
    return [_cropped(row, width) for row in packed[:height]]


class RaceScreen(SettlesAtTerminalSize, Screen[None]):
    """The race: T runs or pauses it, → or space steps it, [ ] change its pace, Escape returns."""

    BINDINGS = [
        Binding("escape", "close", "back to the session"),
        Binding("t,T", "run_or_pause", "run / pause"),
        Binding("right,space", "step", "step"),
        Binding("left_square_bracket", "pace(-1)", "slower", show=False),
        Binding("right_square_bracket", "pace(1)", "faster", show=False),
        Binding("R", "close", "back", show=False),
        Binding("q", "app.quit", "quit", show=False),
    ]

    def __init__(self, race: Race, ascii_only: bool) -> None:
        super().__init__()
        self.race, self.ascii_only = race, ascii_only
        self.pace = DEFAULT_PACE
        self.frame = race.frame()

    def compose(self) -> ComposeResult:
        yield RaceMap(self.race, self.ascii_only, id="race-map")
        with Horizontal(id="race-bottom"):
            yield RaceChart(self.ascii_only, id="race-chart")
            yield RaceLegend(self.ascii_only, id="race-legend")
        yield Static(id="race-keys")

    def on_mount(self) -> None:
        self.set_class(self.ascii_only, "ascii")
        self.set_interval(TICK_SECONDS, self._tick)
        self.show(self.frame)

    def _tick(self) -> None:
        if self.race.running:
            self.show(self.race.step(self.pace))

    def show(self, frame: RaceFrame) -> None:
        self.frame = frame
        self.query_one(RaceMap).show(frame)
        self.query_one(RaceChart).show(frame)
        self.query_one(RaceLegend).show(frame)
        if frame.finished:
            state = f"finished at epoch {frame.epoch:,}: every entrant has stopped"
        elif frame.running:
            state = f"racing · epoch {frame.epoch:,} · {self.pace} epochs a frame"
        else:
            state = f"paused · epoch {frame.epoch:,} · {self.pace} epochs a step"
        keys = f"{state}   T run/pause · → step · [ ] pace · Esc back to the session (it is as it was)"
        self.query_one("#race-keys", Static).update(asciify(keys) if self.ascii_only else keys)

    def action_run_or_pause(self) -> None:
        if self.race.running:
            self.race.pause()
        else:
            self.race.resume()
        self.show(self.race.frame())

    def action_step(self) -> None:
        self.race.pause()
        self.show(self.race.step(self.pace))

    def action_pace(self, direction: int) -> None:
        k = PACES.index(self.pace) if self.pace in PACES else PACES.index(DEFAULT_PACE)
        self.pace = PACES[min(max(k + direction, 0), len(PACES) - 1)]
        self.show(self.race.frame())

    def action_close(self) -> None:
        self.race.pause()
        self.dismiss(None)
