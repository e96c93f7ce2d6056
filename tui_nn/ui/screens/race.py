"""The optimizer race (R): SGD, momentum and Adam (and SGD at a second η) from the session's weights,
their paths on one loss landscape and their loss curves on one chart, each in its own Okabe–Ito colour.

The race is the engine's (`Controller.race()`: copies of the network, trained in lock-step by the loop
`train` uses); this screen moves it on a timer, or a step at a time, and draws its frames. The session
underneath is not touched: Escape returns to it as it was.
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
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

    def render_line(self, y: int) -> Strip:
        size = self.content_size
        if self.frame is None or size.width < 20 or size.height < 3:
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
    labels = {0: f"{10**high:.3g}", rows - 1: f"{10**low:.3g}"}
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


def legend_text(frame: RaceFrame, ascii_only: bool) -> Text:
    """Each entrant in its colour: its name (optimizer and η), then its epoch, loss and whether it still runs."""
    colours = race_colours()
    text = Text()
    for runner in frame.runners:
        loss = "—" if runner.loss is None else f"{runner.loss:.4g}"
        colour = colours[runner.colour % len(colours)]
        text.append("## " if ascii_only else "██ ", Style(color=colour))
        text.append(f"{runner.name}\n", Style(color=colour, bold=True))
        text.append(f"   epoch {runner.epoch:,} · L {loss} · {runner.state}\n", Style(color=theme.MUTED))
    if ascii_only:
        return Text(asciify(text.plain), end="")
    text.rstrip()
    return text


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
            yield Static(id="race-legend")
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
        self.query_one("#race-legend", Static).update(legend_text(frame, self.ascii_only))
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
