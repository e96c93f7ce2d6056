"""Nothing on screen contradicts the session: one η after + or - then r, and no claim of a live
run left behind once ← has undone it (issue 16, 'stale or contradictory state')."""

from __future__ import annotations

import numpy as np
import pytest

from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.ui.panes.widgets import StatusLine
from tui_nn.ui.shell.app import TuiNN

from .test_app import log_texts

SIZE = (120, 40)


def status(app: TuiNN) -> str:
    return str(app.query_one(StatusLine).render())


@pytest.mark.parametrize(("key", "lr"), [("plus", 2.0), ("minus", 0.5)])
async def test_eta_changed_then_reset_is_one_eta_everywhere(key: str, lr: float) -> None:
    app = TuiNN(build(Config()), pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(key, "r")
        assert app.stepper.lr == lr and app.session.config.lr == lr
        assert f"η {lr:g} " in status(app) + " ", status(app)
        assert f"η={lr:g}," in log_texts(app)[-1] and log_texts(app)[-1].startswith("reset:")
        await pilot.press("c")
        assert app.screen.query_one("#field-lr").value == f"{lr:g}", "the form shows the η in use"
        await pilot.press("escape", "e")
        # the update used that η: the parameters are those of a session built with it
        expected = build(Config(lr=lr))
        expected.stepper.finish_pass()
        assert app.stepper.epoch == 1 and np.array_equal(app.session.net.params, expected.net.params)


async def test_left_during_a_live_run_stops_it_and_leaves_no_claim_of_it() -> None:
    app = TuiNN(build(Config()), target_loss=1e-300, pace=20)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "T")
        assert app.training and "training live" in status(app)
        for _ in range(500):  # until the first frame after an epoch has arrived
            if app.view.epoch > 1:
                break
            await pilot.pause(0.01)
        assert app.view.epoch > 1
        await pilot.press("left")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not app.training and app.live is None
        assert app.stepper.epoch == 0 and app.stepper.position == 1
        shown = status(app)
        assert "training live" not in shown and "paused" not in shown and "undid the training run" in shown
        assert not any(text.startswith("trained epochs") for text in log_texts(app)), "the run's entry went with it"


async def test_settings_opened_during_a_live_run_leave_no_live_claim_under_the_form() -> None:
    """Before: the status line under the form still said 'training live · pace …' at the epoch of
    the last frame, while the run had stopped."""
    app = TuiNN(build(Config()), target_loss=1e-300, pace=20)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        for _ in range(500):
            if app.view.epoch > 1:
                break
            await pilot.pause(0.01)
        await pilot.press("c")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert type(app.screen).__name__ == "SettingsScreen" and not app.training
        shown = status(app)
        assert "training live" not in shown and f"epoch {app.stepper.epoch} " in shown, shown
