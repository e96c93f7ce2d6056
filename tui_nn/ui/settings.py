"""The settings screen (c): change the network, its training and the data set without leaving.

Every field is checked as it is typed by the same parse_* functions as the command line;
an invalid value is explained under its field and never applied. Enter applies all of
them at once (the app rebuilds the network and says so in the log); Escape cancels.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from tui_nn.engine import config as cfg
from tui_nn.engine.activations import HIDDEN_ACTIVATIONS
from tui_nn.engine.config import Config, ConfigError
from tui_nn.engine.datasets import PROBLEMS, load
from tui_nn.engine.losses import LOSSES
from tui_nn.engine.optimizers import OPTIMIZERS

TEXT_FIELDS: dict[str, tuple[str, Callable[[str], object]]] = {
    "hidden": ("hidden layers", cfg.parse_hidden),
    "init": ("initialisation", cfg.parse_init),
    "seed": ("seed", cfg.parse_seed),
    "lr": ("learning rate η", cfg.parse_lr),
    "batch": ("batch size", cfg.parse_batch),
}
CHOICE_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "problem": ("data set", PROBLEMS),
    "activation": ("hidden activation", HIDDEN_ACTIVATIONS),
    "loss": ("loss", LOSSES),
    "optimizer": ("optimizer", OPTIMIZERS),
}
ORDER = ("problem", "hidden", "activation", "loss", "init", "seed", "optimizer", "lr", "batch")


def field_text(config: Config, name: str) -> str:
    value = getattr(config, name)
    if name == "hidden":
        return cfg.format_hidden(value)
    if name == "batch":
        return "full" if value is None else str(value)
    if name == "lr":
        return f"{value:g}"
    return str(value)


class SettingsScreen(ModalScreen[Config | None]):
    """A form over a Config; dismisses with the new Config, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "cancel", id="settings-cancel"),
        Binding("enter", "apply", "apply", id="settings-apply", priority=True),
    ]

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.config = config
        self.errors: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        with Vertical(id="settings-body"):
            yield Static("settings · Enter applies (and rebuilds the network) · Escape cancels", id="settings-title")
            with Grid(id="settings-grid"):
                for name in ORDER:
                    if name in CHOICE_FIELDS:
                        label, options = CHOICE_FIELDS[name]
                        yield Label(label)
                        yield Select(
                            [(o, o) for o in options], value=getattr(self.config, name), allow_blank=False, id=f"field-{name}"
                        )
                    else:
                        label, _ = TEXT_FIELDS[name]
                        yield Label(label)
                        yield Input(field_text(self.config, name), id=f"field-{name}")
                    yield Static("", id=f"error-{name}", classes="field-error")
            yield Static("", id="settings-message")

    def on_mount(self) -> None:
        self.query_one("#field-hidden", Input).focus()

    @on(Input.Changed)
    def _validate_input(self, event: Input.Changed) -> None:
        name = (event.input.id or "").removeprefix("field-")
        _, parse = TEXT_FIELDS[name]
        try:
            parse(event.value)
        except ConfigError as error:
            self._set_error(name, str(error))
        else:
            self._set_error(name, "")
        self._check_batch()

    @on(Select.Changed)
    def _choice_changed(self, event: Select.Changed) -> None:
        if (event.select.id or "") == "field-problem":
            self._check_batch()

    def _check_batch(self) -> None:
        """A batch larger than the chosen data set falls back to the full batch, and says so."""
        if self.errors.get("batch", "").startswith("batch size") and "larger" not in self.errors.get("batch", ""):
            return
        try:
            batch = cfg.parse_batch(self.query_one("#field-batch", Input).value)
        except ConfigError:
            return
        size = load(str(self.query_one("#field-problem", Select).value)).size
        if batch is not None and batch > size:
            self._set_error("batch", f"batch size {batch} is larger than the data set ({size} samples): use ≤ {size} or 'full'")
        elif "larger than the data set" in self.errors.get("batch", ""):
            self._set_error("batch", "")

    def _set_error(self, name: str, message: str) -> None:
        if message:
            self.errors[name] = message
        else:
            self.errors.pop(name, None)
        # Text, not a str: the message quotes what was typed, and a str would be parsed as markup
        # (typing "[/]" would crash the app with a MarkupError).
        self.query_one(f"#error-{name}", Static).update(Text(message))
        widget = self.query_one(f"#field-{name}")
        widget.set_class(bool(message), "invalid")

    def result(self) -> Config | None:
        """The Config the form describes, or None (with the reasons shown) if a field is invalid."""
        changes: dict[str, object] = {}
        for name in ORDER:
            if name in CHOICE_FIELDS:
                changes[name] = str(self.query_one(f"#field-{name}", Select).value)
                continue
            _, parse = TEXT_FIELDS[name]
            try:
                changes[name] = parse(self.query_one(f"#field-{name}", Input).value)
            except ConfigError as error:
                self._set_error(name, str(error))
        self._check_batch()
        if self.errors:
            return None
        # The file a session started from describes the old network; new settings start afresh.
        return self.config.with_changes(weights=None, **changes)

    def action_apply(self) -> None:
        config = self.result()
        if config is None:
            self.query_one("#settings-message", Static).update(Text(f"not applied: fix {', '.join(sorted(self.errors))} first"))
            return
        self.dismiss(config)

    def action_cancel(self) -> None:
        self.dismiss(None)
