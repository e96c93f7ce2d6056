"""The loss landscape pane: the loss over two parameters (or the path's PCA plane) around the current
weights, drawn from the View's LandscapeFrame (the engine computes every number; this only paints)."""

from __future__ import annotations

import textwrap

from rich.segment import Segment
from rich.style import Style

from tui_nn.engine.session.view import LandscapeFrame, View
from tui_nn.ui import theme
from tui_nn.ui.ascii import asciify
from tui_nn.ui.panes.widgets import GUTTER, _CachedLines

WORD_ROWS = 2  # the frame's words under the legend (dropout off, L2 included, the PCA plane's share), when the pane has room


def landscape_caption(frame: LandscapeFrame) -> str:
    """Which axis is which, and the loss at the current point."""
    return f"{frame.x_name} across, {frame.y_name} up · L = {frame.current_loss:.6g} at ●"


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

    def cache_key(self, view: View) -> object:
        return landscape_key(view)

    def draw_rows(self, view: View, width: int, height: int) -> list[list[Segment]]:
        from tui_nn.ui.panes.insight_views import landscape_legend, landscape_rows, with_axes

        gutter = GUTTER + 1 if width >= 30 else 1
        # a caption row above the plot; the x axis's row, the legend and the words below it
        columns, plot_rows = width - gutter, max(height - 3, 2)
        frame = view.landscape(columns, 2 * plot_rows)
        word_rows = WORD_ROWS if frame.words and height >= 14 else 0
        if word_rows:  # painted again a little shorter, to make room for the words
            plot_rows = max(height - 3 - word_rows, 2)
            frame = view.landscape(columns, 2 * plot_rows)
        muted = Style(color=theme.MUTED)
        caption = landscape_caption(frame)
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
        lines: list[str] = []
        for sentence in frame.words:
            lines += textwrap.wrap(asciify(sentence) if self.ascii_only else sentence, max(width, 10))
        rows += [[Segment(fit_text(line, width), muted)] for line in lines[:word_rows]]
        return rows[:height]


def fit_text(text: str, width: int) -> str:
    return text[:width].ljust(width)
