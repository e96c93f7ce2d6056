"""Help opens with the first keys a learner needs (→ ← T ? q) and one line on what the panes are,
then every key grouped by task."""

from __future__ import annotations

import pytest

from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.ui.screens.help import help_markdown
from tui_nn.ui.shell.app import TuiNN
from tui_nn.ui.shell.keymap import KEYS, SAMPLE_KEYS, TASKS, task_rows

FIRST = ("→ or space", "←", "T or t", "?", "q")


def _first_keys(markdown: str) -> list[str]:
    """The keys of the opening list (`- **→ or space** — …`), in order."""
    return [line.split("**")[1] for line in markdown.splitlines() if line.startswith("- **")]


def test_help_opens_with_the_first_keys_then_the_panes_in_one_line_then_keys_by_task() -> None:
    text = help_markdown()
    start = text.index("## Start here")
    by_task = text.index("## Keys by task")
    assert start < by_task < text.index("## Panes") < text.index("## Notation")
    opening = text[start:by_task]
    assert _first_keys(opening) == list(FIRST)
    assert all(pane in opening for pane in ("**network**", "**calculation details**", "**truth table**", "**loss**"))
    for task, _ in TASKS:
        assert f"### {task}" in text[by_task:]


def test_every_key_is_in_exactly_one_task() -> None:
    grouped = [key_id for _, ids in TASKS for key_id in ids]
    assert sorted(grouped) == sorted([k.id for k in KEYS] + [SAMPLE_KEYS.id])
    listed = [key for _, rows in task_rows() for key, _ in rows]
    assert len(listed) == len(set(listed))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_help_screen_shows_the_first_keys_without_scrolling(size: tuple[int, int]) -> None:
    app = TuiNN(build(Config()))
    async with app.run_test(size=size) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "HelpScreen"
        screen = "\n".join("".join(seg.text for seg in app.screen._compositor.render_strips()[y]) for y in range(size[1]))
        for does in ("the next arithmetic step", "one step back", "train live", "q — quit"):
            assert does in screen, (does, screen)
