"""An error in live training (in the app's own thread or in the training process) is said once,
written to a crash report, stops the run, and leaves the session whole and usable.

Before: the run was logged as "paused by you at epoch N", the error was a second line with only
its last words, and no report was written.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tui_nn.engine.live import remote
from tui_nn.engine.live.remote import Failed, Frame, RemoteRun
from tui_nn.engine.nn.training import Trainer
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.ui.shell.app import TuiNN

from .test_app import log_texts

SIZE = (120, 40)


def reports(tmp_path: Path) -> list[Path]:
    """Crash reports written under the test's state folder (conftest points XDG_STATE_HOME there)."""
    return sorted((tmp_path / "state").glob("**/crash-*.txt"))


def no_training_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Train in the app's own thread, where a patched Trainer.run is the one that runs."""

    def unavailable() -> remote.TrainingProcess:
        raise remote.TrainingProcessLost("is not used in this test")

    monkeypatch.setattr(remote, "acquire", unavailable)


def assert_one_error_line(app: TuiNN, what: str, report: Path) -> None:
    entries = [text for text in log_texts(app) if "by an error" in text]
    assert len(entries) == 1, entries
    assert "training stopped by an error at epoch " in entries[0] and what in entries[0] and str(report) in entries[0]
    assert app.message.startswith("training stopped by an error") and what in app.message
    assert not any("paused by you" in text for text in log_texts(app)), "an error is not a pause"
    assert app.live is None and not app.training


async def test_a_trainer_that_always_raises_is_reported_once_and_the_session_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_training_process(monkeypatch)
    broken = True
    real_run = Trainer.run

    def run(self: Trainer, *args: object, **kwargs: object) -> object:
        if broken:
            raise RuntimeError("the trainer broke")
        return real_run(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Trainer, "run", run)
    app = TuiNN(build(Config()), pace=None)
    async with app.run_test(size=SIZE) as pilot:
        params, history = app.session.net.params.copy(), app.stepper.history.rows().copy()
        await pilot.press("T")
        await app.workers.wait_for_complete()
        await pilot.pause()
        [report] = reports(tmp_path)
        assert_one_error_line(app, "RuntimeError: the trainer broke", report)
        text = report.read_text()
        assert "Traceback" in text and "RuntimeError: the trainer broke" in text and "live training stopped at epoch 0" in text
        assert app.stepper.epoch == 0 and app.stepper.position == 0
        assert np.array_equal(app.session.net.params, params) and np.array_equal(app.stepper.history.rows(), history)
        # the session goes on: a step, and training once the trainer works again
        await pilot.press("right")
        assert app.stepper.position == 1
        broken = False
        await pilot.press("T")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.stepper.epoch > 0 and "error" not in app.message


async def test_a_run_that_raises_part_way_keeps_the_epochs_trained_before_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_training_process(monkeypatch)
    calls = 0
    real_run = Trainer.run

    def run(self: Trainer, epochs: int, *args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 1:  # one whole slice, then a failure half way through the next
            return real_run(self, epochs, *args, **kwargs)  # type: ignore[arg-type]
        real_run(self, max(epochs // 2, 1), *args, **kwargs)  # type: ignore[arg-type]
        raise FloatingPointError("half way")

    monkeypatch.setattr(Trainer, "run", run)
    app = TuiNN(build(Config()), target_loss=0.0, pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        await app.workers.wait_for_complete()
        await pilot.pause()
        [report] = reports(tmp_path)
        assert_one_error_line(app, "FloatingPointError: half way", report)
        epoch = app.stepper.epoch
        assert epoch > 0 and f"at epoch {epoch}:" in app.message
        # exactly where training that many epochs lands (an independent trainer, unpatched)
        monkeypatch.setattr(Trainer, "run", real_run)
        fresh = build(Config())
        fresh.stepper.trainer.run(epoch)
        assert np.array_equal(app.session.net.params, fresh.net.params)
        rows, expected_rows = app.stepper.history.rows(), fresh.stepper.history.rows()
        assert list(rows[:, 0]) == list(range(len(rows))) and len(rows) >= epoch, "no half-written epochs"
        assert np.array_equal(rows[: len(expected_rows)], expected_rows)
        await pilot.press("left")  # the run is one undoable step, as a paused one
        assert app.stepper.epoch == 0


async def test_an_error_in_the_training_process_is_reported_with_its_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    child_traceback = 'Traceback (most recent call last):\n  File "child.py", line 1\nValueError: the child broke\n'
    real_events = RemoteRun.events
    frames = 0

    def events(self: RemoteRun, timeout: float) -> list[remote.Event]:
        """The process's real frames, then an error as the process sends one."""
        nonlocal frames
        got = real_events(self, timeout)
        if frames:
            return [Failed(child_traceback)]
        frames += sum(isinstance(event, Frame) for event in got)
        return [event for event in got if isinstance(event, Frame)]

    monkeypatch.setattr(RemoteRun, "events", events)
    app = TuiNN(build(Config(problem="spiral", hidden=(8,))), target_loss=0.0, pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert frames > 0, "the run went through the training process"
        [report] = reports(tmp_path)
        assert_one_error_line(app, "ValueError: the child broke", report)
        assert child_traceback.rstrip() in report.read_text()
        assert app.stepper.epoch > 0, "the frames taken before the error are kept"
        epoch, params = app.stepper.epoch, app.session.net.params.copy()
        fresh = build(Config(problem="spiral", hidden=(8,)))
        fresh.stepper.trainer.run(epoch)
        assert np.array_equal(params, fresh.net.params)
