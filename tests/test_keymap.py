"""One key table: the app's bindings, the help and the README all come from it."""

from __future__ import annotations

from pathlib import Path

from tui_nn.ui.panes.inspector import Inspector
from tui_nn.ui.screens.help import help_markdown
from tui_nn.ui.shell.app import TuiNN
from tui_nn.ui.shell.keymap import INSPECTOR_KEYS, KEYS, help_rows, markdown_table

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_lists_exactly_the_keys_of_the_key_table() -> None:
    assert markdown_table() in README.read_text(encoding="utf-8")


def test_help_lists_every_key() -> None:
    text = help_markdown()
    for key, does in help_rows():
        assert f"| {key} | {does} |" in text


def test_every_key_of_the_table_is_bound_to_an_action_of_its_owner() -> None:
    """The inspector's keys are bound by the inspector, every other key by the app."""
    bound: dict[type, dict[str, str]] = {
        owner: {key: b.action for b in owner.BINDINGS if not isinstance(b, tuple) for key in b.key.split(",")}
        for owner in (TuiNN, Inspector)
    }
    for spec in KEYS:
        if spec.keys == "ctrl+p":  # Textual's own command-palette binding
            assert TuiNN.ENABLE_COMMAND_PALETTE and TuiNN.COMMAND_PALETTE_BINDING == "ctrl+p"
            continue
        owner = Inspector if spec.id in INSPECTOR_KEYS else TuiNN
        for key in spec.keys.split(","):
            assert key in bound[owner], key
            name = bound[owner][key].split("(")[0]
            assert hasattr(owner, f"action_{name}"), name


def test_the_app_binds_none_of_the_inspectors_keys() -> None:
    """The inspector owns its keys (the arrows and Tab that move the selection, = z k and Esc):
    the app has neither their bindings nor their actions."""
    inspector_actions = {b.action.split("(")[0] for b in Inspector.BINDINGS if not isinstance(b, tuple)}
    app_actions = {b.action.split("(")[0] for b in TuiNN.BINDINGS if not isinstance(b, tuple)}
    assert inspector_actions == {"select", "select_cycle", "leave_inspect", "set_value", "zero", "knock_out"}
    assert not inspector_actions & app_actions
    assert not any(hasattr(TuiNN, f"action_{name}") for name in inspector_actions)
