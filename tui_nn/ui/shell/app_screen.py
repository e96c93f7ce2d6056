"""The app's screen: the panes' layout for the terminal's size, the view or lens shown, the theme,
and drawing a View on every pane (the app computes no number itself)."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.compose import compose
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Static

from tui_nn.engine.session import actions as act
from tui_nn.engine.session.controller import Message
from tui_nn.engine.session.view import View
from tui_nn.ui import theme
from tui_nn.ui.panes.curves import CurvesPane
from tui_nn.ui.panes.healthview import HealthPane
from tui_nn.ui.panes.inspector import Inspector
from tui_nn.ui.panes.landscape import LandscapePane
from tui_nn.ui.panes.log import CalcLog
from tui_nn.ui.panes.matrixview import MatrixPane
from tui_nn.ui.panes.widgets import BoundaryPane, HiddenPane, KeysFooter, LossPane, NetworkPane, StatusLine, TablePane
from tui_nn.ui.screens.screen_size import SettledScreen
from tui_nn.ui.screens.teach import LessonPane
from tui_nn.ui.shell.app_base import AppBase
from tui_nn.ui.shell.live import pace_text

MIN_WIDTH, MIN_HEIGHT = 64, 20
WIDE_WIDTH, WIDE_HEIGHT = 160, 45  # from this size the three views stand side by side
VIEWS = ("network", "boundary", "hidden", "landscape")
VIEW_NAMES = {
    "network": "the network",
    "boundary": "the decision boundary",
    "hidden": "the hidden space",
    "landscape": "the loss landscape",
}
# Lenses take the views' place until their key is pressed again: the step as the tutorials' NumPy,
# and the gradients' health beside the activation's curves.
LENSES = ("matrices", "health")
LENS_NAMES = {
    "matrices": "the NumPy view: the step as the tutorials' matrix line",
    "health": "gradient health per layer and the activation curves",
}
# What the boundary's place shows for a regression: a one-input net's curve, a two-input net's surface.
FIT_NAME = "the fit: the data, ŷ(x) and each hidden unit's share v·h(x)"
SURFACE_NAME = "the surface ŷ(x₁, x₂) on a scale about the targets' mean"


def view_name(mode: str, view: View) -> str:
    """A view's name in the words `v` says, for the network it shows."""
    if mode == "boundary" and view.fits_a_curve:
        return FIT_NAME
    if mode == "boundary" and view.regression:
        return SURFACE_NAME
    return VIEW_NAMES[mode]


COMPACT_HEIGHT = 32

FOOTER_COMPACT_WIDTH = 110


class AppScreen(AppBase):
    """The layout and the drawing."""

    torch_lens = False  # the NumPy view shows the step as PyTorch code (P), kept when the panes are rebuilt

    def compose(self) -> ComposeResult:
        with Horizontal(id="views"):
            yield NetworkPane(self.ascii_only, id="network")
            yield BoundaryPane(self.ascii_only, id="boundary")
            yield HiddenPane(self.ascii_only, id="hidden")
            yield LandscapePane(self.ascii_only, id="landscape")
            yield MatrixPane(self.ascii_only, self.torch_lens, id="matrices")
            yield HealthPane(self.ascii_only, id="health")
            yield CurvesPane(self.ascii_only, id="curves")
        with Horizontal(id="bottom"):
            with Vertical(id="reading"):  # a lesson's page stands above the log it refers to
                yield LessonPane(id="lesson")
                yield CalcLog(self.controller.logbook, self.stepper.fmt, self.ascii_only, id="log")
                yield Inspector(self.stepper.fmt, self.ascii_only, selecting=self, id="inspector")
            with Vertical(id="side"):
                yield TablePane(id="table")
                yield LossPane(self.ascii_only, id="loss")
        yield StatusLine(id="status")
        yield KeysFooter(  # its separator is a Unicode bar
            show_command_palette=not self.ascii_only, compact=self.size.width < FOOTER_COMPACT_WIDTH
        )
        yield Static(id="too-small")

    def on_resize(self, event: events.Resize) -> None:
        self._apply_size(event.size.width, event.size.height)

    def _size_classes(self, width: int, height: int) -> dict[str, bool]:
        """The screen's classes for a terminal of width × height and the view or lens chosen."""
        classes = {
            "too-small": width < MIN_WIDTH or height < MIN_HEIGHT,
            "compact": height < COMPACT_HEIGHT,
            "wide": width >= WIDE_WIDTH and height >= WIDE_HEIGHT,
        }
        classes.update({f"view-{mode}": self.view_mode == mode for mode in VIEWS})
        classes.update({f"lens-{lens}": self.lens == lens for lens in LENSES})
        classes["lesson-open"] = self.controller.teaching.lesson_shown
        return classes

    def get_default_screen(self) -> Screen[None]:
        """The main screen, born with the classes its first frame needs: each class set after the
        panes are styled restyles every one of them again."""
        size = self.size
        classes = self._size_classes(size.width, size.height) | {"ascii": self.ascii_only, "light": self.palette.name == "light"}
        return SettledScreen(id="_default", classes=" ".join(name for name, on in classes.items() if on))

    @property
    def main_screen(self) -> Screen[None]:
        """The screen of the panes, under any settings, help or question screen open over it."""
        return self.screen_stack[0]

    def _apply_size(self, width: int, height: int) -> None:
        classes = self._size_classes(width, height)
        self.main_screen.update_classes(classes)  # one restyle at most, whatever changed
        for footer in self.query(KeysFooter):
            footer.compact = width < FOOTER_COMPACT_WIDTH
            footer.refit(width)
        if classes["too-small"]:
            self.query_one("#too-small", Static).update(
                Text(
                    f"make me bigger\n\ntui-nn needs at least {MIN_WIDTH}x{MIN_HEIGHT}; this terminal is {width}x{height}",
                    style=f"bold {theme.WARNING}",
                )
            )

    def draw(self, view: View | None = None, epochs_per_second: float | None = None) -> None:
        """Redraw every pane from `view` (default: a fresh capture of the engine)."""
        if view is None:
            view = self.controller.view()
        self.view = view
        if self._recomposing:  # the panes are being replaced; _rebuild draws them when they are back
            return
        if self._exit:  # quitting: a timer (a replay's slice, the player) may still fire while the panes go
            return
        self.query_one(NetworkPane).view = view
        self.query_one(BoundaryPane).view = view
        self.query_one(HiddenPane).view = view
        landscape = self.query_one(LandscapePane)
        landscape.live = self.training
        landscape.view = view
        if self.lens == "matrices":  # the lenses are drawn only while shown
            self.query_one(MatrixPane).view = view
        elif self.lens == "health":
            self.query_one(HealthPane).view = view
            self.query_one(CurvesPane).view = view
        self.query_one(TablePane).show(view)
        self.query_one(LossPane).show(view)
        live = None
        if self.training:
            if epochs_per_second is not None:  # a frame drawn with a rate of its own
                live = f"pace {pace_text(self.pace)} · {epochs_per_second:,.0f} epochs/s"
            else:  # the run's own: its measured rate, that it is settling, or that its process is silent
                live = self.live.status() if self.live is not None else f"pace {pace_text(self.pace)}"
        message, style = self.message, self.message_style
        if self.inspecting:
            self._show_inspector(view)
            if not message:
                summary = self.query_one(Inspector).summary()
                message, style = f"{summary} · = set · z zero · k knock out · Esc done", theme.SELECTION
        self.query_one(StatusLine).show(view, message, style, live, self.target_loss)
        if self.live is None:  # during a run, its diagnosis is logged when it stops (not frame by frame)
            self.controller.note_diagnoses(view)
        self.query_one(CalcLog).sync()
        self.frames += 1

    def say(self, message: Message | None) -> None:
        if message is None:
            self.message = ""
            return
        self.message, self.message_style = message.text, theme.TONE_STYLES.get(message.tone, theme.WARNING)

    async def _rebuild(self) -> None:
        """The session was replaced (settings, reset, or undoing one): new panes for its network."""
        self.view = self.controller.view()
        if self._exit:
            return
        # Not App.recompose, which rebuilds whatever screen is on top: a key typed ahead (r, c) can
        # open the settings before this runs, and their form must not be replaced by the panes.
        main = self.main_screen
        self._recomposing = True  # a timer (the playing walk, a replay) may fire while the panes are gone
        try:
            async with main.batch():
                await main.query("*").exclude(".-textual-system").remove()
                await main.mount_all(compose(self))
        finally:
            self._recomposing = False
        self.sub_title = self.session.describe()
        main.set_class(self.ascii_only, "ascii")
        main.set_class(self.palette.name == "light", "light")
        self._apply_size(self.size.width, self.size.height)
        self.refresh_bindings()
        self._selection_moved()
        self.query_one(NetworkPane).selected = self.selection if self.inspecting else None  # the new diagram's
        if self.inspecting:  # the new inspector takes the focus, and with it the inspecting keys
            inspector = self.query_one(Inspector)
            inspector.can_focus = True
            inspector.focus()
        self._show_teaching()  # the new lesson pane is empty (settings, a reset, a theme replaced the panes)
        self.draw()

    def action_cycle_view(self) -> None:
        """Network → decision boundary → hidden space → loss landscape (all four at once on large terminals)."""
        k = VIEWS.index(self.view_mode)
        self.view_mode = VIEWS[(k + 1) % len(VIEWS)]
        if self.view_mode == "hidden" and self.session.net.n_layers < 2:
            self.view_mode = "landscape"
        self._apply_size(self.size.width, self.size.height)
        shown = view_name(self.view_mode, self.view)
        if self.screen.has_class("wide") and self.view_mode == "landscape":
            text = f"{shown}, large, beside the network at this size (v again: all four views)"
        elif self.screen.has_class("wide"):
            text = f"all four views are shown at this size; {shown} is first on small terminals"
        else:
            text = f"showing {shown} (v for the next view)"
        self.say(Message(text, "info"))
        self.draw(self.view)

    def action_lens(self, lens: str) -> None:
        """Show a lens in the views' place, or the views again when it is already shown."""
        self.lens = None if self.lens == lens else lens
        self._apply_size(self.size.width, self.size.height)
        if self.lens is None:
            text = f"back to {VIEW_NAMES[self.view_mode]}"
        elif self.lens == "matrices" and self.training:
            text = "the NumPy view follows the walk: it fills in when training stops"
        else:
            key = "m" if self.lens == "matrices" else "g"
            text = f"showing {LENS_NAMES[self.lens]} ({key} again returns)"
        self.say(Message(text, "info"))
        self.draw(self.view)

    def action_torch_lens(self) -> None:
        """The NumPy view's lines as PyTorch and back; from elsewhere, the NumPy view opens as PyTorch."""
        self.torch_lens = not self.torch_lens if self.lens == "matrices" else True
        self.query_one(MatrixPane).show_torch(self.torch_lens)
        if self.lens != "matrices":
            self.lens = "matrices"
            self._apply_size(self.size.width, self.size.height)
        if self.training:
            text = "the PyTorch lens follows the walk: it fills in when training stops"
        elif self.torch_lens:
            text = "showing the step as PyTorch code, over the same numbers (P again: NumPy; m returns)"
        else:
            text = "showing the step as the tutorials' NumPy (P again: PyTorch; m returns)"
        self.say(Message(text, "info"))
        self.draw(self.view)

    def action_use_theme(self, name: str) -> None:
        """Dark or light: every pane redraws in the other palette."""
        self.palette = theme.use(name)
        self.theme = self.palette.textual_theme
        self.say(Message(f"{name} theme", "info"))
        self.call_later(self._rebuild)

    def action_help(self) -> None:
        from tui_nn.ui.screens.help import HelpScreen  # Markdown costs ~50 ms to import: load it when asked

        self.push_screen(HelpScreen())

    def action_gradient_check(self) -> None:
        from tui_nn.ui.screens.bridge import GradCheckScreen

        net = self.session.net
        self.push_screen(GradCheckScreen(self.controller.gradient_check_job(), net.n_params, self.ascii_only))

    def action_own_input(self) -> None:
        from tui_nn.ui.screens.bridge import OwnInputScreen

        net, data, snapshot = self.session.net, self.session.data, self.view.snapshot
        x = snapshot.x if snapshot.x is not None else tuple(data.x[0])
        y = snapshot.y if snapshot.y is not None else tuple(data.y[0])
        fmt = self.stepper.fmt
        example = f"{', '.join(fmt(v) for v in x)} → {', '.join(fmt(v) for v in y)}"  # the current sample, to edit
        self.push_screen(OwnInputScreen(net.sizes[0], net.sizes[-1], example, self.ascii_only, net.loss), self._own_input_given)

    def _own_input_given(self, given: tuple[tuple[float, ...], tuple[float, ...]] | None) -> None:
        if given is None:
            self.say(Message("your input: cancelled, the data set is as it was", "info"))
            self.draw(self.view)
            return
        self.dispatch(act.CustomSample(*given))
