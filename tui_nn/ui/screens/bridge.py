"""The bridge to the NumPy a learner writes next: the modal screens for a gradient check of the
current network and for walking an input of their own. (The matrix view, the gradient-health
table and the activation curves are panes: matrixview.py, healthview.py, curves.py.)"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui_nn.engine.nn.gradcheck import GradCheck
from tui_nn.engine.walk.own_input import parse_input_text
from tui_nn.ui import theme
from tui_nn.ui.ascii import asciify
from tui_nn.ui.panes.healthview import GradCheckPane
from tui_nn.ui.screens.screen_size import SettlesAtTerminalSize


class GradCheckScreen(SettlesAtTerminalSize, ModalScreen[None]):
    """Runs `job` (the controller's gradient check, on a copy of the network) in a worker thread
    and shows its table: analytic and numerical gradient and their relative error per parameter."""

    BINDINGS = [
        Binding("escape", "close", "close"),
        Binding("G", "close", "close", show=False),
        Binding("q", "app.quit", "quit", show=False),
    ]

    def __init__(self, job: Callable[[], GradCheck], parameters: int, ascii_only: bool) -> None:
        super().__init__()
        self.job = job
        self.parameters = parameters
        self.ascii_only = ascii_only
        self.result: GradCheck | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="gradcheck-body"):
            yield Static(
                self._text(f"checking {self.parameters} parameters: (L(θ+ε) − L(θ−ε)) / 2ε for each …"), id="gradcheck-note"
            )
            yield GradCheckPane(self.ascii_only, id="gradcheck")
            yield Static(self._text("Esc or G closes · the network is not changed"), id="gradcheck-keys")

    def _text(self, text: str, style: str = "") -> Text:
        return Text(asciify(text) if self.ascii_only else text, style=style)

    def on_mount(self) -> None:
        self.set_class(self.ascii_only, "ascii")
        self.run_worker(self._check, thread=True, exclusive=True, group="gradcheck")

    def _check(self) -> None:
        result = self.job()
        self.app.call_from_thread(self._show, result)

    def _show(self, result: GradCheck) -> None:
        if not self.is_attached:  # closed before the check ended
            return
        self.result = result
        self.query_one(GradCheckPane).result = result
        verdict = "every analytic gradient agrees" if result.passed else "some analytic gradients disagree"
        note = (
            f"{len(result.checked)} parameters checked on the whole data set at the current weights: {verdict} "
            f"(largest relative error {result.max_relative_error:.2e})"
        )
        self.query_one("#gradcheck-note", Static).update(self._text(note, theme.SUCCESS if result.passed else theme.ERROR))

    def action_close(self) -> None:
        self.dismiss(None)


class OwnInputScreen(SettlesAtTerminalSize, ModalScreen[tuple[tuple[float, ...], tuple[float, ...]] | None]):
    """Type an input and its target; dismisses with (x, y), or None when cancelled (Escape)."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, n_in: int, n_out: int, example: str, ascii_only: bool, loss: str | None = None) -> None:
        super().__init__()
        self.n_in, self.n_out, self.loss = n_in, n_out, loss
        self.example = example
        self.ascii_only = ascii_only

    def compose(self) -> ComposeResult:
        inputs = ", ".join(f"x{k + 1}" for k in range(self.n_in))
        targets = ", ".join(f"y{k + 1}" for k in range(self.n_out)) if self.n_out > 1 else "target"
        prompt = (
            f"walk your own input from the current weights: {inputs} → {targets} "
            "(the data set stays one ← away) · Enter walks it · Esc cancels"
        )
        with Vertical(id="value-body"):
            yield Static(Text(asciify(prompt) if self.ascii_only else prompt))
            yield Input(asciify(self.example) if self.ascii_only else self.example, id="own-input")
            yield Static("", id="value-error")

    def on_mount(self) -> None:
        self.set_class(self.ascii_only, "ascii")
        self.query_one(Input).focus()

    def _error(self, text: str) -> None:
        self.query_one("#value-error", Static).update(
            Text(asciify(text) if self.ascii_only else text, style=f"bold {theme.ERROR}")
        )

    @on(Input.Changed)
    def _check(self, event: Input.Changed) -> None:
        try:
            parse_input_text(event.value, self.n_in, self.n_out, self.loss)
        except ValueError as error:
            self._error(str(error))
        else:
            self.query_one("#value-error", Static).update("")

    @on(Input.Submitted)
    def _walk(self, event: Input.Submitted) -> None:
        try:
            self.dismiss(parse_input_text(event.value, self.n_in, self.n_out, self.loss))
        except ValueError as error:
            self._error(f"not walked: {error}")

    def action_cancel(self) -> None:
        self.dismiss(None)
