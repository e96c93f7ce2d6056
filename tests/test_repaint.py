"""Panes repaint only the rows a new View changed: the screen must be the one a full repaint draws."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import defaults_for
from tui_nn.ui.panes.widgets import BoundaryPane, HiddenPane, NetworkPane, _CachedLines, changed_rows
from tui_nn.ui.shell.app import TuiNN

WIDE = (200, 60)  # the three views side by side: every pane is on screen


async def full_repaint_changes_nothing(app: TuiNN, pilot: Pilot) -> None:
    """The screen as the partial repaints left it equals the screen after every pane is repainted whole."""
    await pilot.pause()
    before = app.export_screenshot()
    for pane in app.query(_CachedLines):
        pane.refresh()  # whole pane, its rendered lines dropped
    await pilot.pause()
    assert app.export_screenshot() == before


@pytest.mark.parametrize("problem", ["xor", "spiral"])
async def test_steps_and_training_leave_the_screen_a_full_repaint_draws(problem: str) -> None:
    app = TuiNN(build(defaults_for(problem)), pace=None, target_loss=1e-300)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        for key in ["right"] * 6 + ["F", "B", "e"]:
            await pilot.press(key)
        await full_repaint_changes_nothing(app, pilot)
        await pilot.press("T")
        frames = app.frames
        while app.frames < frames + 5:  # a few frames of live training
            await pilot.pause(0.05)
        await pilot.press("T")
        await app.workers.wait_for_complete()
        await full_repaint_changes_nothing(app, pilot)


async def test_a_step_redraws_the_network_rows_it_changed_and_leaves_the_data_views_alone() -> None:
    """A forward step changes no parameter: the boundary and the hidden space keep their drawing."""
    app = TuiNN(build(defaults_for("xor")), pace=None)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        network, boundary, hidden = app.query_one(NetworkPane), app.query_one(BoundaryPane), app.query_one(HiddenPane)
        kept = boundary._raw, hidden._raw
        before = list(network._raw)
        await pilot.press("right")
        await pilot.pause()
        assert (boundary._raw, hidden._raw) == kept and boundary._raw is kept[0] and hidden._raw is kept[1]
        assert network._raw != before  # the step's unit and edges are highlighted


def test_changed_rows_are_merged_into_runs() -> None:
    regions = changed_rows([0, 1, 2, 5, 7, 8], 10)
    assert [(r.x, r.y, r.width, r.height) for r in regions] == [(0, 0, 10, 3), (0, 5, 10, 1), (0, 7, 10, 2)]
