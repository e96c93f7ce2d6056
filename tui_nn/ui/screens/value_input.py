"""A small input for what-if: type a new value for the selected weight or bias."""

from __future__ import annotations

import math

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui_nn.engine.session.config import MAX_PARAMETER
from tui_nn.ui import theme
from tui_nn.ui.screens.screen_size import SettlesAtTerminalSize


def parse_value(text: str) -> float:
    """A finite number within ±MAX_PARAMETER, or ValueError saying why not."""
    try:
        value = float(text.strip().replace("−", "-"))
    except ValueError:
        raise ValueError(f"'{text}' is not a number") from None
    if not math.isfinite(value):
        raise ValueError("the value must be a finite number")
    if abs(value) > MAX_PARAMETER:
        raise ValueError(f"at most ±{MAX_PARAMETER:g}: no float64 network here needs more")
    return value


class ValueScreen(SettlesAtTerminalSize, ModalScreen[float | None]):
    """Dismisses with the new value, or None when cancelled (Escape)."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, name: str, current: float) -> None:
        super().__init__()
        self.parameter = name
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="value-body"):
            yield Static(Text(f"what if {self.parameter} were… (now {self.current:g}) · Enter applies · Esc cancels"))
            yield Input(f"{self.current:g}", id="value-input")
            yield Static("", id="value-error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Changed)
    def _check(self, event: Input.Changed) -> None:
        try:
            parse_value(event.value)
        except ValueError as error:
            self.query_one("#value-error", Static).update(Text(str(error), style=theme.ERROR))
        else:
            self.query_one("#value-error", Static).update("")

    @on(Input.Submitted)
    def _apply(self, event: Input.Submitted) -> None:
        try:
            value = parse_value(event.value)
        except ValueError as error:
            self.query_one("#value-error", Static).update(Text(f"not applied: {error}", style=f"bold {theme.ERROR}"))
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
