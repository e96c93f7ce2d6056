"""Resizing rewraps the calculation log: no line is wider than the pane and no number is cut.

The expected numbers come from the engine's own text of each log entry (what `tui-nn trace`
prints for a step), not from the pane's drawing; the pane's lines, read back as text at each
size, must hold the same numbers in the same order, each one whole.
"""

from __future__ import annotations

import re

import pytest
from rich.cells import cell_len

from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config, defaults_for
from tui_nn.engine.walk.render import step_text
from tui_nn.ui.panes.log import CalcLog
from tui_nn.ui.shell.app import TuiNN

# A number as the log writes it: −64.4151, 0.5, 3.559e−05, 1e−08 (labels such as w22 give
# their digits too, on both sides alike).
NUMBER = re.compile(r"[−-]?\d+(?:\.\d+)?(?:e[−+]\d+)?")
SIZES = ((120, 40), (64, 20), (80, 24))


def expected_numbers(app: TuiNN, words: bool) -> list[str]:
    """Every number of the log, from the engine's text of each entry, in order."""
    fmt = app.stepper.fmt
    texts: list[str] = []
    entries = list(app.controller.logbook.entries)
    # which sentences a pane of this height says is the pane's choice (tests/test_words_said.py holds it)
    sentences = app.query_one(CalcLog).sentences(entries) if words else [""] * len(entries)
    for entry, sentence in zip(entries, sentences, strict=True):
        assert entry.kind != "run", "this test walks; a run's table is drawn to fit, not listed whole"
        if entry.kind == "step" and entry.step is not None:
            texts += step_text(entry.step, fmt)
            if sentence:
                texts.append(sentence)
        elif entry.kind == "gap":
            texts.append(f"{entry.hidden} steps not shown")
        else:
            texts.append(entry.text)
    return NUMBER.findall("\n".join(texts))


def shown_rows(log: CalcLog) -> list[str]:
    """The rows the pane renders now, as text (the ▶ marking the newest step put back to the space it takes)."""
    rows = ["".join(seg.text for seg in log.render_line(y)) for y in range(log.content_size.height)]
    return [row.replace("▶", " ").rstrip() for row in rows]


async def check_every_size(app: TuiNN, keys: list[str]) -> None:
    async with app.run_test(size=SIZES[0]) as pilot:
        await pilot.press(*keys)
        for words in (True, False):
            if not words:
                await pilot.press("w")
            last = app.controller.logbook.steps()[-1]
            last_result = app.stepper.fmt(last.equations[-1].value)
            for size in SIZES:
                await pilot.resize_terminal(*size)
                await pilot.pause()
                log = app.query_one(CalcLog)
                width = log.content_size.width
                assert app.size == size and 0 < width < size[0]
                lines = log.plain_lines()
                too_wide = [line for line in lines if cell_len(line) > width]
                assert not too_wide, f"at {size} these lines are cut by the pane's edge: {too_wide}"
                assert NUMBER.findall("\n".join(lines)) == expected_numbers(app, words), f"a number is split at {size}"
                shown = shown_rows(log)
                assert shown == lines[len(lines) - len(shown) :], "the pane shows the newest lines, whole"
                if not words:  # the newest step's line is on screen, its result whole
                    assert last_result in NUMBER.findall("\n".join(shown)), (size, last_result, shown)


async def test_resizing_rewraps_the_steps_of_a_sample() -> None:
    # The spiral's samples have four-decimal inputs in each block header ("x = (0.0559, 0.1309)"),
    # which once were cut by cells at 64×20.
    await check_every_size(TuiNN(build(defaults_for("spiral")), pace=None), ["right"] * 24)


@pytest.mark.parametrize("optimizer", ["adam", "momentum"])
async def test_resizing_rewraps_updates_and_their_header(optimizer: str) -> None:
    # The update's header names the optimizer's constants (β₂ = 0.999, ε = 1e−08), and Adam's
    # update lines hold long products (0.0200·(−0.0054)/(√2.908e−05 + 1e−08)).
    config = Config().with_changes(optimizer=optimizer, hidden=(4, 3))
    await check_every_size(TuiNN(build(config), pace=None), ["e", "e", *["right"] * 60])
