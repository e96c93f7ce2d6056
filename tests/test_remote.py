"""Live training in a training process: bit for bit what Trainer.run gives, η changes that replay,
stop conditions, fallback to training in the app's process, and nothing left behind on exit."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from tui_nn.engine.live import remote
from tui_nn.engine.live.diagnostics import trainer_diagnosis
from tui_nn.engine.live.reasons import Diverged, StopReason, Stuck, TargetReached
from tui_nn.engine.live.remote import Failed, RateApplied, RemoteRun, Stopped, TrainingProcess
from tui_nn.engine.nn.training import Trainer
from tui_nn.engine.session import actions as act
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config, defaults_for
from tui_nn.engine.session.controller import STUCK_CHECK, Controller
from tui_nn.ui.shell.app import TuiNN
from tui_nn.ui.shell.live import training_processes

SIZE = (120, 40)
PATIENCE = 60.0  # seconds before a wait counts as a hang (machines get loaded; nothing here is timed)


# --- driving a run by hand, as ui/live.py does ----------------------------------------------------


@contextlib.contextmanager
def training_process() -> Iterator[TrainingProcess]:
    process = remote.acquire()
    deadline = time.monotonic() + PATIENCE
    while not process.poll_ready(0.1):
        assert time.monotonic() < deadline, "the training process did not start"
    healthy = False
    try:
        yield process
        healthy = True
    finally:
        remote.release(process, healthy)


def drive(
    trainer: Trainer,
    stop_at: int | None,
    target_loss: float | None = None,
    check_stuck: bool = False,
    pace: float | None = None,
    lr_at: tuple[int, float] | None = None,
    on_lr: Callable[[float], None] | None = None,
) -> tuple[StopReason | None, int | None]:
    """Train `trainer` in the training process until its epoch reaches `stop_at` (then ask it to
    stop) or it stops by itself; (why it stopped, the epoch at which η changed to lr_at[1])."""
    changed_at = None
    with training_process() as process:
        run = RemoteRun(process, trainer, target_loss, (STUCK_CHECK, trainer.epoch) if check_stuck else None, pace)
        asked = False
        deadline = time.monotonic() + PATIENCE
        try:
            while True:
                assert time.monotonic() < deadline, "the run did not end"
                if lr_at is not None and trainer.epoch >= lr_at[0]:
                    run.set_lr(lr_at[1])
                    lr_at = None
                if not asked and stop_at is not None and trainer.epoch >= stop_at:
                    run.stop()
                    asked = True
                for event in run.events(0.05):
                    if isinstance(event, RateApplied):
                        assert trainer.epoch == event.epoch, "the frame of that epoch came first"
                        changed_at = event.epoch
                        if on_lr is not None:
                            on_lr(event.lr)
                    elif isinstance(event, Stopped):
                        return event.reason, changed_at
                    elif isinstance(event, Failed):
                        raise AssertionError(event.error)
        finally:
            run.close()


def headless(config: Config, epochs: int, target_loss: float | None = None) -> Trainer:
    trainer = build(config).stepper.trainer
    trainer.run(epochs, target_loss)
    return trainer


def assert_same_training_state(a: Trainer, b: Trainer) -> None:
    assert a.epoch == b.epoch
    assert a.lr == b.lr
    assert np.array_equal(a.net.params, b.net.params), "parameters bit for bit"
    assert a.opt_state.t == b.opt_state.t
    assert np.array_equal(a.opt_state.first, b.opt_state.first) and np.array_equal(a.opt_state.second, b.opt_state.second)
    # The newest 10,000 rows are always kept for every epoch (older ones are thinned as they come).
    # Their numbers are the engine's bulk bookkeeping, whose sums can round differently in the last
    # bit when the same epochs come in chunks of other sizes (Trainer.run split differently gives
    # that too), so they agree to 1e-12; the parameters above are the training, bit for bit.
    ra, rb = a.history.rows()[-10_000:], b.history.rows()[-10_000:]
    assert np.array_equal(ra[:, 0], rb[:, 0])
    np.testing.assert_allclose(ra, rb, rtol=1e-12, atol=0)


CONFIGS = {
    "xor sgd": Config(),
    "xor momentum, batches of 2": Config(optimizer="momentum", batch=2, lr=0.5),
    "spiral adam relu 2-16-8-1": defaults_for("spiral"),
    "circle tanh": defaults_for("circle"),
    "circle tanh with L2 weight decay": defaults_for("circle").with_changes(l2=0.01),
    # the process draws the same masks and records the evaluation loss too
    "circle tanh with dropout": defaults_for("circle").with_changes(dropout=0.3),
    "xor with dropout, batches of 2": Config(hidden=(3,), dropout=0.5, batch=2),
}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_a_run_in_the_process_lands_bit_for_bit_on_trainer_run(name: str) -> None:
    config = CONFIGS[name]
    trainer = build(config).stepper.trainer
    reason, _ = drive(trainer, stop_at=300)
    assert reason is None and trainer.epoch >= 300
    assert_same_training_state(trainer, headless(config, trainer.epoch))


def test_an_eta_change_lands_at_the_epoch_the_process_reports() -> None:
    config = Config(optimizer="adam", lr=0.05, hidden=(4,))
    trainer = build(config).stepper.trainer
    reason, changed_at = drive(trainer, stop_at=2_000, pace=5_000, lr_at=(500, 0.2))
    assert reason is None and changed_at is not None and 500 <= changed_at < trainer.epoch
    expected = headless(config, changed_at)
    expected.lr = 0.2
    expected.run(trainer.epoch - changed_at)
    assert_same_training_state(trainer, expected)


def test_a_pinned_sample_trains_alone_in_the_process_too() -> None:
    session = build(Config())
    session.stepper.set_focus(2)
    trainer = session.stepper.trainer
    drive(trainer, stop_at=200)
    alone = build(Config())
    alone.stepper.set_focus(2)
    alone.stepper.trainer.run(trainer.epoch)
    assert_same_training_state(trainer, alone.stepper.trainer)


# --- stop conditions ------------------------------------------------------------------------------


def test_the_target_loss_stops_it_at_the_same_epoch_as_trainer_run() -> None:
    trainer = build(Config()).stepper.trainer
    reason, _ = drive(trainer, stop_at=None, target_loss=1e-3)
    expected = build(Config()).stepper.trainer
    stopped = expected.run(10**6, 1e-3).stopped
    assert isinstance(stopped, TargetReached) and stopped == reason
    assert_same_training_state(trainer, expected)


def test_divergence_stops_it_with_the_engines_diagnosis() -> None:
    config = Config(activation="relu", lr=1e3)
    trainer = build(config).stepper.trainer
    reason, _ = drive(trainer, stop_at=None)
    expected = build(config).stepper.trainer
    result = expected.run(10**6)
    assert isinstance(reason, Diverged) and reason == result.stopped and reason.cause == "loss_exploded"
    assert_same_training_state(trainer, expected)


def test_a_flat_loss_stops_it_with_the_stuck_diagnosis_where_training_here_would() -> None:
    session = build(Config(seed=0))  # the classic XOR local minimum
    trainer = session.stepper.trainer
    reason, _ = drive(trainer, stop_at=None, check_stuck=True)
    here = Controller(build(Config(seed=0)))
    result = here.train(here.start_training(None), 10**6)  # looks every STUCK_CHECK epochs, however sliced
    assert isinstance(reason, Stuck)
    assert reason == result.stopped
    assert_same_training_state(trainer, here.stepper.trainer)
    assert trainer_diagnosis(trainer) == reason


def test_an_error_in_the_process_is_reported_with_its_traceback() -> None:
    trainer = build(Config()).stepper.trainer
    trainer.net.hidden_activation = "no such activation"  # only the copy sent to the process sees it
    with training_process() as process:
        run = RemoteRun(process, trainer, None, None, None)
        try:
            events: list[object] = []
            deadline = time.monotonic() + PATIENCE
            while not any(isinstance(e, Failed | Stopped) for e in events):
                assert time.monotonic() < deadline
                events += run.events(0.1)
        finally:
            run.close()
    failure = events[-1]
    assert isinstance(failure, Failed) and "KeyError: 'no such activation'" in failure.error


# --- through the app ----------------------------------------------------------------------------


async def until(pilot: object, condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)  # type: ignore[attr-defined]


def notes(app: TuiNN) -> list[str]:
    return [e.text for e in app.controller.logbook.entries if e.kind == "note"]


def replayed(config: Config, record: list[act.Action]) -> Controller:
    fresh = Controller(build(config))
    for document in json.loads(json.dumps([a.to_json() for a in record])):
        fresh.apply(act.action_from_json(document))
    return fresh


async def test_live_training_with_an_eta_change_replays_bit_for_bit() -> None:
    config = Config(hidden=(4,))
    app = TuiNN(build(config), target_loss=1e-300, pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "right")  # mid-pass: the run walks to the epoch boundary first
        await pilot.press("T")
        await until(pilot, lambda: app.live is not None and app.live.process_id is not None)
        assert app.live is not None and app.live.process_id in training_processes()
        await until(pilot, lambda: app.view.epoch >= 500)
        await pilot.press("plus")
        await until(pilot, lambda: any(isinstance(a, act.SetLR) for a in app.controller.record))
        changed = app.stepper.trainer.epoch
        await until(pilot, lambda: app.view.epoch >= changed + 500)
        await pilot.press("T")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not app.training and app.stepper.lr == 2.0
        kinds = [type(a).__name__ for a in app.controller.record]
        assert kinds == ["Next", "Next", "Train", "SetLR", "Train"]
        assert not any("own process" in n for n in notes(app)), "trained in the training process"
        again = replayed(config, app.controller.record)
        assert np.array_equal(again.session.net.params, app.session.net.params)
        assert again.stepper.epoch == app.stepper.epoch and again.stepper.lr == 2.0
        await pilot.press("left")  # one step back undoes the whole run
        assert app.stepper.epoch == 0 and app.stepper.position == 2


async def test_eta_asked_for_twice_as_the_run_stops_is_applied_and_recorded() -> None:
    app = TuiNN(build(Config()), target_loss=1e-300, pace=1)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T", "plus", "plus", "T")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.stepper.lr == 4.0 and app.session.config.lr == 4.0, "each + doubles the η asked for before it"
        again = replayed(Config(), app.controller.record)
        assert again.stepper.lr == 4.0 and np.array_equal(again.session.net.params, app.session.net.params)


async def test_when_the_process_dies_training_carries_on_here_exactly() -> None:
    app = TuiNN(build(Config()), target_loss=1e-300, pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        await until(pilot, lambda: app.live is not None and app.live.process_id is not None and app.view.epoch > 200)
        assert app.live is not None and app.live.process_id is not None
        os.kill(app.live.process_id, signal.SIGKILL)
        await until(pilot, lambda: any("own process" in n for n in notes(app)))
        note = next(n for n in notes(app) if "own process" in n)
        # (noticed on a read or on a write, whichever the worker was doing when it died)
        assert note.startswith("the training process ended (exit status -9) ")
        resumed = app.stepper.trainer.epoch
        await until(pilot, lambda: app.view.epoch > resumed + 500)
        assert app.training
        await pilot.press("T")
        await app.workers.wait_for_complete()
        await pilot.pause()
        again = replayed(Config(), app.controller.record)
        assert np.array_equal(again.session.net.params, app.session.net.params)
        assert again.stepper.epoch == app.stepper.epoch
        await pilot.press("T")  # the next run gets a new process
        await until(pilot, lambda: app.live is not None and app.live.process_id is not None)
        await pilot.press("T")
        await app.workers.wait_for_complete()


async def test_when_no_process_can_start_training_runs_here(monkeypatch: pytest.MonkeyPatch) -> None:
    remote.shutdown()
    monkeypatch.setattr(sys, "executable", "/nonexistent/python3")
    try:
        app = TuiNN(build(Config()), target_loss=1e-300, pace=None)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("T")
            await until(pilot, lambda: app.view.epoch > 500)
            await pilot.press("T")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert not app.training and app.stepper.epoch > 500
            found = [n for n in notes(app) if "own process" in n]
            assert len(found) == 1 and found[0].startswith("the training process could not start: ")
            assert training_processes() == []
    finally:
        remote.reset_failure()


async def test_quitting_while_training_leaves_no_segment_and_an_idle_process() -> None:
    app = TuiNN(build(defaults_for("spiral")), target_loss=1e-300, pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        await until(pilot, lambda: app.live is not None and app.live.process_id is not None and app.view.epoch > 50)
        await pilot.press("q")  # (it says the training is not saved)
        assert app.is_running and app.training
        await pilot.press("q")
    assert app.return_code == 0
    assert remote.segment_names() == []
    assert len(training_processes()) == 1, "the process went back to the pool, ready for the next app"


# --- a real app process in a real terminal ------------------------------------------------------


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")  # a zombie has ended


class Terminal:
    """The app in a pseudo-terminal, its output drained as it comes."""

    def __init__(self, tmp_path: Path) -> None:
        import pty

        master, slave = pty.openpty()
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "TEXTUAL", "NO_COLOR")}
        env["TERM"] = "xterm-256color"
        self.master = master
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tui_nn", "xor", "--target-loss", "1e-300"],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=tmp_path,
            env=env,
            start_new_session=True,
        )
        os.close(slave)

    def drain(self, seconds: float) -> None:
        import select

        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if select.select([self.master], [], [], left)[0]:
                try:
                    os.read(self.master, 65536)
                except OSError:
                    return

    def until(self, condition: Callable[[], bool]) -> None:
        deadline = time.monotonic() + PATIENCE
        while not condition():
            assert time.monotonic() < deadline, "timed out"
            self.drain(0.05)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self.master)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    if not sys.platform.startswith("linux"):
        pytest.skip("reads /proc")
    app = Terminal(tmp_path)
    try:
        yield app
    finally:
        app.close()


def start_training(app: Terminal) -> int:
    """The training process's pid, once the app has started it and trains at pace max."""
    app.until(lambda: len(children(app.process.pid)) == 1)
    (child,) = children(app.process.pid)
    for key in [b"]"] * 12 + [b"T"]:
        os.write(app.master, key)
    app.until(lambda: maps_a_segment(child))
    return child


def maps_a_segment(pid: int) -> bool:
    """Whether the process has a run's shared memory mapped (its name is removed once both have)."""
    try:
        return remote.SEGMENT_PREFIX in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def test_quitting_while_training_leaves_no_process_and_no_segment(terminal: Terminal) -> None:
    child = start_training(terminal)
    terminal.drain(0.5)
    os.write(terminal.master, b"q")  # the first q says the training is not saved; the second quits
    terminal.drain(0.5)
    with contextlib.suppress(OSError):  # (gone already if no frame had come before the first q)
        os.write(terminal.master, b"q")
    terminal.until(lambda: terminal.process.poll() is not None)
    assert terminal.process.returncode == 0
    assert gone(child), "the training process ended with the app"
    assert remote.segment_names(terminal.process.pid) == []


def test_an_app_killed_while_training_leaves_no_process_and_no_segment(terminal: Terminal) -> None:
    child = start_training(terminal)
    terminal.process.kill()
    terminal.process.wait()
    terminal.until(lambda: gone(child))
    assert remote.segment_names(terminal.process.pid) == [], "the training process removed it"
