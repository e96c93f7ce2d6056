"""The loss landscape pane: the loss over two parameters (or the path's PCA plane) around the current
weights, drawn from the View's LandscapeFrame (the engine computes every number; this only paints)."""

from __future__ import annotations

import textwrap
import time

from rich.segment import Segment
from rich.style import Style
from textual.timer import Timer

from tui_nn.engine.session.view import LandscapeFrame, View
from tui_nn.ui import theme
from tui_nn.ui.ascii import asciify
from tui_nn.ui.panes.widgets import GUTTER, _CachedLines

WORD_ROWS = 2  # the frame's words under the legend (dropout off, L2 included, the PCA plane's share), when the pane has room
# While training live a frame asks a grid that costs about LIVE_SECONDS to compute (measured on the
# frames before; the first guess: LIVE_WORK grid points × data rows), so the landscape keeps pace
# with the run (a spiral's 300 rows at a point a pixel cost 0.3 s a frame); each grid point then
# covers a block of pixels. Stopped, it is painted at a point a pixel again.
LIVE_SECONDS = 0.025
LIVE_WORK = 150_000
clock = time.monotonic  # (a test holds it still)
LIVE_INTERVAL = 1 / 20  # and is painted at most 20 times a second: every frame of a run at 17 fps, every other at 30


def landscape_caption(frame: LandscapeFrame, width: int) -> str:
    """Which axis is which, and the loss at the current point (shorter in a narrow pane)."""
    full = f"{frame.x_name} across, {frame.y_name} up · L = {frame.current_loss:.6g} at ●"
    if frame.log_names is not None and all(frame.log_names):  # the names the diagram beside it writes on the edges too
        (x_log, y_log), loss = frame.log_names, f"L = {frame.current_loss:.6g} at ●"
        both = f"{x_log} = {frame.x_name} across, {y_log} = {frame.y_name} up · {loss}"
        if len(both) <= width:
            return both
    if len(full) <= width:
        return full
    return f"{frame.x_name} →, {frame.y_name} ↑, L {frame.current_loss:.4g}"


def landscape_key(view: View) -> object:
    """What a landscape drawing depends on: the weights and the choices (a View's request is new
    on every capture, so it is compared by its contents)."""
    request = view.landscape_request
    if request is None:
        return view.snapshot.params.tobytes()
    return (view.snapshot.params.tobytes(), request.mode, request.picks, len(request.path), request.lr, request.optimizer)


class LandscapePane(_CachedLines):
    """The loss as a heat map with contours, the path, the −gradient and the next step η·ḡ."""

    def on_mount(self) -> None:
        self.border_title = "loss landscape"

    live = False  # set by the app while training live: a coarser grid, to keep the frame rate
    _painted_at = 0.0
    paints = 0  # Views taken in (live frames skipped for the pace are not counted): what benchmarks/ reads
    _seconds_per_point = 0.0  # what the last live frame's grid cost, per point
    _taken: View | None = None  # the View the drawing follows (the newest, less the live frames skipped)
    _catch_up: Timer | None = None  # paints the newest View when a skipped frame was the run's last

    def view_to_draw(self) -> View | None:
        return self._taken

    def watch_view(self) -> None:
        if self.live:  # a frame of a live run: skipped if the last was painted less than LIVE_INTERVAL ago
            now = clock()
            waited = now - self._painted_at
            if waited < LIVE_INTERVAL:
                if self._catch_up is None:  # the newest View is painted when the interval is over
                    self._catch_up = self.set_timer(LIVE_INTERVAL - waited, self._paint_newest)
                return
        self._paint_newest()

    def _paint_newest(self) -> None:
        if self._catch_up is not None:
            self._catch_up.stop()
            self._catch_up = None
        if self._taken is self.view:
            return
        self._taken = self.view
        if self.live:
            self._painted_at = clock()
        self.paints += 1
        self.redraw()

    def cache_key(self, view: View) -> object:
        return (landscape_key(view), self.live)

    def grid_size(self, view: View, columns: int, pixel_rows: int) -> tuple[int, int]:
        """The grid to ask for: a point a pixel, or while training live, as many as LIVE_SECONDS allows
        (odd counts, so the current weights are a grid point)."""
        if not self.live:
            return columns, pixel_rows
        if self._seconds_per_point:
            allowed = LIVE_SECONDS / self._seconds_per_point
        else:
            allowed = LIVE_WORK / max(len(view.data.x), 1)
        scale = min(1.0, (allowed / (columns * pixel_rows)) ** 0.5)
        return max(int(columns * scale) | 1, 9), max(int(pixel_rows * scale) | 1, 5)

    def _frame(self, view: View, columns: int, pixel_rows: int) -> LandscapeFrame:
        grid = self.grid_size(view, columns, pixel_rows)
        started = time.perf_counter()
        frame = view.landscape(*grid)
        if self.live:
            self._seconds_per_point = (time.perf_counter() - started) / (grid[0] * grid[1])
        return frame

    def draw_rows(self, view: View, width: int, height: int) -> list[list[Segment]]:
        from tui_nn.ui.panes.insight_views import landscape_legend, landscape_rows, step_note, with_axes

        gutter = GUTTER + 1 if width >= 30 else 1
        # a caption row above the plot; the x axis's row, the legend and the words below it
        columns, plot_rows = width - gutter, max(height - 3, 2)
        frame = self._frame(view, columns, 2 * plot_rows)
        room = WORD_ROWS if height >= 14 else 1 if height >= 9 else 0  # a short pane keeps one row: the first words
        word_rows = room if frame.words or step_note(frame, columns, plot_rows) else 0
        if word_rows:  # painted again a little shorter, to make room for the words
            plot_rows = max(height - 3 - word_rows, 2)
            frame = self._frame(view, columns, 2 * plot_rows)
        note = step_note(frame, columns, plot_rows, width)  # first: it explains the mark the eye goes to
        muted = Style(color=theme.MUTED)
        caption = landscape_caption(frame, width)
        rows = [
            [Segment(fit_text(asciify(caption) if self.ascii_only else caption, width), muted)],
            *with_axes(
                landscape_rows(frame, columns, plot_rows, self.ascii_only),
                frame.axes,
                columns,
                plot_rows,
                gutter,
                self.ascii_only,
            ),
            landscape_legend(frame, width, self.ascii_only),
        ]
        sentences = [asciify(s) if self.ascii_only else s for s in ((note, *frame.words) if note else frame.words)]
        if word_rows == 1:  # one row: the first sentence that fits it whole (a cut one could lose its number)
            sentences = [s for s in sentences if len(s) <= width][:1]
        lines: list[str] = []
        for sentence in sentences:
            lines += textwrap.wrap(sentence, max(width, 10))
        rows += [[Segment(fit_text(line, width), muted)] for line in lines[:word_rows]]
        return rows[:height]


def fit_text(text: str, width: int) -> str:
    return text[:width].ljust(width)
