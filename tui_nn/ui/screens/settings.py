"""The settings screen (c): change the network, its training and the data set without leaving.

Every field is checked as it is typed by the same code as the command line (the parse_*
functions, and for your own data the CSV reader of `--data`); each problem is one line under
its field, and an invalid form is never applied.

All of it works from the keyboard alone: Tab / Shift+Tab and ↓ / ↑ move between the fields
and the buttons; Space opens a list, where ↑ / ↓ move and Enter picks (Escape closes it);
Enter anywhere else applies the form, as does the Apply button; Escape cancels; q quits the
app (except in a text field, where it is typed). Applying rebuilds the network at epoch 0,
and ← brings back the one before, exactly as it was (the controller keeps earlier sessions).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from tui_nn.engine.nn.datasets import DataFileError, Dataset, load, read_csv
from tui_nn.engine.session import config as cfg
from tui_nn.engine.session.config import MAX_POINTS, Config, ConfigError
from tui_nn.engine.session.view import Task
from tui_nn.ui.ascii import asciify
from tui_nn.ui.screens.screen_size import SettlesAtTerminalSize

# The settings screen's views of the one field table (engine/config.py): a menu for a closed list, a text field otherwise.
TEXT_FIELDS: dict[str, tuple[str, Callable[[str], object]]] = {
    field.name: (field.label, field.parse) for field in cfg.FIELDS.values() if not field.choices
}
CHOICE_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    field.name: (field.label, field.choices) for field in cfg.FIELDS.values() if field.choices
}
TASK_NAMES = tuple(name for name in CHOICE_FIELDS["task"][1] if name != cfg.AUTO_TASK)  # classify, regress
DATA_LABEL = "your data (CSV)"
DATA_PLACEHOLDER = "a file of x1,x2,label lines; empty: the data set above"
ORDER = (
    "problem",
    "data",
    "task",
    "hidden",
    "activation",
    "loss",
    "init",
    "seed",
    "optimizer",
    "lr",
    "batch",
    "l2",
    "val",
    "dropout",
)
TITLE = (
    "settings · Tab or ↑ ↓ move · Space opens a list (Enter picks) · Enter applies: the network is rebuilt at "
    "epoch 0, ← brings this one back · Escape cancels"
)


def field_text(config: Config, name: str) -> str:
    value = getattr(config, name)
    if name == "data":
        return value or ""
    return cfg.FIELDS[name].format(value)


def data_path(text: str) -> str | None:
    """The CSV file a data field names (~ is the home folder), or None for the chosen data set."""
    text = text.strip()
    return os.path.expanduser(text) if text else None


class FormSelect(Select[str], inherit_bindings=False):
    """A Select for a form driven from the keyboard: Space opens its list (↑ ↓ move in it, Enter
    picks, Escape closes it); while it is closed, ↑ ↓ and Enter belong to the form."""

    BINDINGS = [Binding("space", "show_overlay", "open the list", show=False)]

    def on_mount(self) -> None:
        if getattr(self.app, "ascii_only", False):  # the list's arrows are the only non-ASCII it draws
            for arrow, text in ((".down-arrow", "v"), (".up-arrow", "^")):
                for static in self.query(arrow).results(Static):
                    static.update(text)


class FormBody(VerticalScroll, inherit_bindings=False):
    """The form's frame: it scrolls to the focused field on a small terminal, and leaves ↑ ↓
    (which would scroll it) to the form, where they move between fields."""


class SettingsScreen(SettlesAtTerminalSize, ModalScreen[Config | None]):
    """A form over a Config; dismisses with the new Config, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "cancel", id="settings-cancel"),
        # Not a priority binding: an open list takes Enter first (to pick), a text field submits
        # (see _submitted), a button presses itself; only a closed list lets it through to here.
        Binding("enter", "apply", "apply", id="settings-apply"),
        Binding("down", "move_focus(1)", "next field", show=False),
        Binding("up", "move_focus(-1)", "previous field", show=False),
        Binding("q", "app.quit", "quit", show=False),  # a text field takes q as a letter first
    ]

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.config = config
        self.errors: dict[str, str] = {}
        self.data: Dataset | None = None  # the CSV the data field names, once it reads as valid
        self._losses_offered: tuple[str, ...] = ()  # the loss menu's options now (the data's task's losses)
        self._tasks_offered: tuple[str, ...] = ()  # the task menu's options now: auto, and both tasks where the data allow both

    @property
    def ascii_only(self) -> bool:
        return bool(getattr(self.app, "ascii_only", False))

    def shown(self, text: str) -> str:
        return asciify(text) if self.ascii_only else text

    def compose(self) -> ComposeResult:
        with FormBody(id="settings-body", can_focus=False):
            yield Static(self.shown(TITLE), id="settings-title")
            with Grid(id="settings-grid"):
                for name in ORDER:
                    if name in CHOICE_FIELDS:
                        label, options = CHOICE_FIELDS[name]
                        yield Label(self.shown(label))
                        yield FormSelect(
                            [(o, o) for o in options],
                            value=field_text(self.config, name),
                            allow_blank=False,
                            id=f"field-{name}",
                            compact=True,
                        )
                    elif name == "data":
                        yield Label(self.shown(DATA_LABEL))
                        # the path as it is (under --ascii too): the field's text is what Apply reads
                        yield Input(field_text(self.config, name), self.shown(DATA_PLACEHOLDER), id="field-data", compact=True)
                    else:
                        label, _ = TEXT_FIELDS[name]
                        yield Label(self.shown(label))
                        yield Input(field_text(self.config, name), id=f"field-{name}", compact=True)
                    yield Static("", id=f"error-{name}", classes="field-error")
                    if name == "task":
                        yield Static("", id="note-task", classes="field-note")
            with Horizontal(id="settings-buttons"):
                yield Button("Apply", id="settings-apply-button", variant="primary", compact=True)
                yield Button("Cancel", id="settings-cancel-button", compact=True)
            yield Static("", id="settings-message")

    def on_mount(self) -> None:
        self.set_class(self.ascii_only, "ascii")
        if self.config.data:
            self._check_data(self.config.data)
        self._offer_tasks()
        self._offer_losses()
        self.query_one("#field-hidden", Input).focus()  # the field most often changed

    # --- keys -------------------------------------------------------------------------------

    def action_move_focus(self, step: int) -> None:
        if step > 0:
            self.focus_next()
        else:
            self.focus_previous()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_apply()

    @on(Button.Pressed, "#settings-apply-button")
    def _apply_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_apply()

    @on(Button.Pressed, "#settings-cancel-button")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    # --- checking as the user types ----------------------------------------------------------

    @on(Input.Changed)
    def _validate_input(self, event: Input.Changed) -> None:
        name = (event.input.id or "").removeprefix("field-")
        if name == "data":
            self._check_data(event.value)
        else:
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
            self._offer_tasks()
            self._offer_losses()
        elif (event.select.id or "") == "field-task":  # the file's targets read as the task asks: its losses follow
            self._check_data(self.query_one("#field-data", Input).value)

    def _data_task(self) -> Task:
        """What the form's data ask for: the file's task when one is named and read, else the problem's."""
        if data_path(self.query_one("#field-data", Input).value) is not None and self.data is not None:
            return self.data.task_kind
        return load(str(self.query_one("#field-problem", Select).value)).task_kind

    def _chosen_task(self) -> str | None:
        """The task field's choice as Config.task holds it (None: auto, the data's own)."""
        if not self.is_mounted:
            return self.config.task
        return cfg.parse_task(str(self.query_one("#field-task", Select).value))

    def _offer_tasks(self) -> None:
        """The task menu offers classify and regress only for a --data file that reads as either (three columns of
        whole-number targets), as `--task` decides only there; otherwise it holds auto, with a line saying why (the
        CSV reader's own refusal of the other task). A file that does not read at all has its line under the data."""
        select = self.query_one("#field-task", Select)
        path = data_path(self.query_one("#field-data", Input).value)
        refusals: dict[str, str] = {}
        if path is None:
            data = load(str(self.query_one("#field-problem", Select).value))
            why = f"{data.name} is a {data.task_kind.title}: the task decides only what a --data file's whole numbers are"
            refusals = dict.fromkeys(TASK_NAMES, why)
        elif self._reads(path, None):
            for task in TASK_NAMES:
                try:
                    read_csv(path, MAX_POINTS, task)
                except DataFileError as error:
                    refusals[task] = str(error)
        else:
            refusals = dict.fromkeys(TASK_NAMES, "")
        allowed = not refusals
        options = (cfg.AUTO_TASK, *TASK_NAMES) if allowed else (cfg.AUTO_TASK,)
        kept = str(select.value)
        note = refusals.get(kept) or next(iter(refusals.values()), "")  # the learner's own choice's refusal first
        if options != self._tasks_offered:
            self._tasks_offered = options
            with self.prevent(Select.Changed):
                select.set_options([(o, o) for o in options])
                select.value = kept if kept in options else cfg.AUTO_TASK
        select.disabled = not allowed
        hint = self.query_one("#note-task", Static)
        hint.update(Text(self.shown(note)))
        hint.display = bool(note)

    @staticmethod
    def _reads(path: str, task: str | None) -> bool:
        try:
            read_csv(path, MAX_POINTS, task)
        except DataFileError:
            return False
        return True

    def _offer_losses(self) -> None:
        """The loss menu holds the losses the data's task has (mse, mae for a regression; bce, mse, ce for
        classes); a choice the task does not have gives way to the problem's own loss."""
        task = self._data_task()
        options = tuple(name for name in CHOICE_FIELDS["loss"][1] if task.fits(name))
        select = self.query_one("#field-loss", Select)
        if options == self._losses_offered:
            return
        self._losses_offered = options
        kept = str(select.value)
        with self.prevent(Select.Changed):
            select.set_options([(o, o) for o in options])
            if kept in options:
                select.value = kept
            else:
                own = cfg.defaults_for(str(self.query_one("#field-problem", Select).value)).loss
                select.value = own if own in options else options[0]

    def _check_data(self, text: str) -> None:
        """Read the CSV the data field names, as `--data` would; its first problem is its error line."""
        path = data_path(text)
        self.data = None
        if self.is_mounted:
            self._offer_tasks()  # first: a task the new file cannot be goes back to auto before the file is read
        if path is None:
            self._set_error("data", "")
        else:
            try:
                self.data = read_csv(path, MAX_POINTS, self._chosen_task())
            except DataFileError as error:
                self._set_error("data", str(error))
            else:
                self._set_error("data", "")
        if self.is_mounted:
            self._offer_losses()

    def _check_batch(self) -> None:
        """A batch larger than the chosen data set is flagged (and the form not applied)."""
        if self.errors.get("batch", "").startswith("batch size") and "larger" not in self.errors.get("batch", ""):
            return
        try:
            batch = cfg.parse_batch(self.query_one("#field-batch", Input).value)
        except ConfigError:
            return
        if data_path(self.query_one("#field-data", Input).value) is not None:
            if self.data is None:  # the file's own problem is shown; its size is unknown
                return
            size, name = self.data.size, self.data.name
        else:
            size, name = load(str(self.query_one("#field-problem", Select).value)).size, "the data set"
        if batch is not None and batch > size:
            self._set_error("batch", f"batch size {batch} is larger than {name} ({size} samples): use ≤ {size} or 'full'")
        elif "is larger than" in self.errors.get("batch", ""):
            self._set_error("batch", "")

    def _set_error(self, name: str, message: str) -> None:
        if message:
            self.errors[name] = message
        else:
            self.errors.pop(name, None)
        # Text, not a str: the message quotes what was typed, and a str would be parsed as markup
        # (typing "[/]" would crash the app with a MarkupError).
        error = self.query_one(f"#error-{name}", Static)
        error.update(Text(self.shown(message)))
        error.display = bool(message)
        self.query_one(f"#field-{name}").set_class(bool(message), "invalid")

    # --- applying ---------------------------------------------------------------------------

    def result(self) -> Config | None:
        """The Config the form describes, or None (with the reasons shown) if a field is invalid."""
        changes: dict[str, object] = {}
        for name in ORDER:
            if name in CHOICE_FIELDS:
                changes[name] = cfg.FIELDS[name].parse(str(self.query_one(f"#field-{name}", Select).value))
                continue
            text = self.query_one(f"#field-{name}", Input).value
            if name == "data":
                self._check_data(text)
                changes[name] = data_path(text)
                continue
            _, parse = TEXT_FIELDS[name]
            try:
                changes[name] = parse(text)
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
            problems = [name for name in ORDER if name in self.errors]
            self.query_one("#settings-message", Static).update(Text(f"not applied: fix {', '.join(problems)} first"))
            self.query_one(f"#field-{problems[0]}").focus()  # (scrolled into view, its problem under it)
            return
        self.dismiss(config)

    def action_cancel(self) -> None:
        self.dismiss(None)
