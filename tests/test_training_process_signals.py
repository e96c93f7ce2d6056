"""The training process under signals (stopped, continued, its app killed) and the measured rate
after a change of pace. Real training processes and real signals; every wait has a generous
deadline, and no assertion depends on how fast the machine is."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import time
from collections.abc import Callable

import pytest

from tui_nn.engine.live import remote
from tui_nn.engine.live.pace import CATCH_UP_SECONDS, PACES, keep_pace
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.ui.shell.app import TuiNN

from .test_remote import Terminal, children, gone, start_training, terminal  # noqa: F401

SIZE = (120, 40)
PATIENCE = 60.0
RATE = re.compile(r"· ([0-9,]+) epochs/s$")


async def until(pilot, condition: Callable[[], bool]) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


def measured(app: TuiNN) -> float | None:
    """The rate the status line shows (None while it says it is measuring or the process is silent)."""
    assert app.live is not None
    found = RATE.search(app.live.status())
    return None if found is None else float(found.group(1).replace(",", ""))


def live_app(pace: float) -> TuiNN:
    return TuiNN(build(Config()), target_loss=1e-300, pace=pace)


@pytest.fixture
def continued() -> list[int]:
    """Processes a test stopped: continued at its end whatever happened."""
    stopped: list[int] = []
    yield stopped
    for pid in stopped:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGCONT)


async def test_after_a_slower_pace_the_rate_shown_is_never_the_old_one() -> None:
    """After `[` the status read 'pace 1/s · 62 epochs/s' for seconds: the rate of the old pace."""
    app = live_app(PACES[PACES.index(1) + 5])  # 50/s
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        await until(pilot, lambda: app.live is not None and app.live.process_id is not None and (measured(app) or 0) > 20)
        await pilot.press(*["left_square_bracket"] * 5)  # down to 1/s
        assert app.pace == 1 and app.live is not None
        assert app.live.status().startswith("pace 1/s · ")
        seen: set[float | None] = set()
        end = time.monotonic() + 3.0
        while time.monotonic() < end:
            seen.add(measured(app))
            await pilot.pause(0.05)
        shown = {rate for rate in seen if rate is not None}
        assert all(rate <= 5 for rate in shown), f"a rate of the old pace was shown: {sorted(shown)}"
        await pilot.press("T")
        await until(pilot, lambda: not app.training)


async def test_a_stopped_training_process_is_named_and_its_run_keeps_the_pace_after(continued: list[int]) -> None:
    """SIGSTOP: the status went on saying 'training live · 50 epochs/s' with a frozen epoch; after
    SIGCONT the epochs missed came in one burst and the chart jumped."""
    pace = 50
    app = live_app(pace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        await until(pilot, lambda: app.live is not None and app.live.process_id is not None and measured(app) is not None)
        live = app.live
        assert live is not None and live.process_id is not None
        child = live.process_id
        os.kill(child, signal.SIGSTOP)
        continued.append(child)
        stopped_at = time.monotonic()
        await until(pilot, lambda: "the training process has not answered for" in live.status())
        frozen = app.view.epoch
        await pilot.pause(1.0)
        assert app.view.epoch == frozen and "has not answered" in live.status()
        assert measured(app) is None
        silent = time.monotonic() - stopped_at
        os.kill(child, signal.SIGCONT)
        resumed = time.monotonic()
        await until(pilot, lambda: app.view.epoch > frozen)
        await pilot.pause(1.0)
        elapsed = time.monotonic() - resumed
        gained = app.view.epoch - frozen
        missed = pace * silent
        # At most the pace since it resumed (and what it may lag behind it, CATCH_UP_SECONDS' worth,
        # plus a slice): never the epochs of the stall on top.
        allowed = pace * (elapsed + CATCH_UP_SECONDS) + 20
        assert gained <= allowed < gained + missed, f"{gained} epochs in {elapsed:.1f} s after a {silent:.1f} s stall"
        assert "has not answered" not in live.status()
        await pilot.press("T")
        await until(pilot, lambda: not app.training)


def test_keep_pace_counts_afresh_only_after_falling_behind() -> None:
    start = (100.0, 10)
    assert keep_pace(start, 101.0, 60, 50) == start, "on time"
    assert keep_pace(start, 101.0 + CATCH_UP_SECONDS / 2, 60, 50) == start, "a little behind catches up"
    assert keep_pace(start, 105.0, 60, 50) == (105.0, 60), "after a stall: from now"


def test_an_app_killed_while_its_training_process_is_stopped_leaves_no_segment(
    terminal: Terminal,  # noqa: F811
    continued: list[int],
) -> None:
    """The segment stayed in /dev/shm until someone continued the stopped process."""
    child = start_training(terminal)
    os.kill(child, signal.SIGSTOP)
    continued.append(child)
    terminal.process.kill()
    terminal.process.wait()
    assert remote.segment_names(terminal.process.pid) == [], "nothing named in /dev/shm outlives the app"
    assert not gone(child), "(the stopped process itself waits to be continued)"
    os.kill(child, signal.SIGCONT)
    deadline = time.monotonic() + PATIENCE
    while not gone(child):
        assert time.monotonic() < deadline, "continued, it ends: its pipe to the app is closed"
        time.sleep(0.05)
