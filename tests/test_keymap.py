"""One key table: the app's bindings, the help and the README all come from it."""

from __future__ import annotations

from pathlib import Path

from tui_nn.ui.app import TuiNN
from tui_nn.ui.help import help_markdown
from tui_nn.ui.keymap import KEYS, help_rows, markdown_table

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_lists_exactly_the_keys_of_the_key_table() -> None:
    assert markdown_table() in README.read_text(encoding="utf-8")


def test_help_lists_every_key() -> None:
    text = help_markdown()
    for key, does in help_rows():
        assert f"| {key} | {does} |" in text


def test_every_key_of_the_table_is_bound_to_an_action_the_app_has() -> None:
    bound = {key: b.action for b in TuiNN.BINDINGS if not isinstance(b, tuple) for key in b.key.split(",")}
    for spec in KEYS:
        if spec.keys == "ctrl+p":  # Textual's own command-palette binding
            assert TuiNN.ENABLE_COMMAND_PALETTE and TuiNN.COMMAND_PALETTE_BINDING == "ctrl+p"
            continue
        for key in spec.keys.split(","):
            assert key in bound, key
            name = bound[key].split("(")[0]
            assert hasattr(TuiNN, f"action_{name}"), name
