"""The one live-run loop (engine/live_run.py): every trainer that runs live shares it, so they agree bit for bit."""

from __future__ import annotations

import ast
import json
import re
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_nn.cli import commands as cli
from tui_nn.engine.live import remote
from tui_nn.engine.live.live_run import STUCK_CHECK, StuckCheck, train_epochs
from tui_nn.engine.live.reason_words import describe
from tui_nn.engine.live.reasons import Diverged, StopReason, Stuck
from tui_nn.engine.live.remote import Failed, RemoteRun, Stopped
from tui_nn.engine.nn.training import Trainer
from tui_nn.engine.session import persist
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.engine.session.controller import Controller
from tui_nn.ui.shell.live import LiveTraining

PACKAGE = Path(cli.__file__).parent.parent
PATIENCE = 60.0  # seconds before a wait counts as a hang (nothing here is timed)


def via_the_process(config: Config) -> tuple[Trainer, StopReason | None]:
    trainer = build(config).stepper.trainer
    process = remote.acquire()
    deadline = time.monotonic() + PATIENCE
    healthy = False
    try:
        while not process.poll_ready(0.1):
            assert time.monotonic() < deadline, "the training process did not start"
        run = RemoteRun(process, trainer, None, (STUCK_CHECK, trainer.epoch), None)
        try:
            while True:
                assert time.monotonic() < deadline, "the run did not end"
                for event in run.events(0.05):
                    if isinstance(event, Stopped):
                        healthy = True
                        return trainer, event.reason
                    if isinstance(event, Failed):
                        raise AssertionError(event.error)
        finally:
            run.close()
    finally:
        remote.release(process, healthy)


class _QuietApp:
    """What LiveTraining calls on the app from its thread, recorded instead of drawn."""

    def __init__(self) -> None:
        self.posted: list[Any] = []

    def post_message(self, message: Any) -> bool:
        self.posted.append(message)
        return True

    def call_later(self, *args: Any) -> bool:
        return True


def via_the_fallback(config: Config) -> tuple[Trainer, StopReason | None]:
    """The in-process fallback's loop, as its worker thread runs it when no training process starts."""
    controller = Controller(build(config))
    run = controller.start_training(None)
    live = LiveTraining(controller, run, None, _QuietApp())  # type: ignore[arg-type]
    reason = live._loop()
    return controller.stepper.trainer, reason


def via_train(
    config: Config, epochs: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[np.ndarray, dict[str, Any]]:
    """`train --json --save` for `epochs` epochs: the saved weights and biases, and the diagnosis it printed."""
    saved = tmp_path / "trained.json"
    argv = ["train", config.problem, "--epochs", str(epochs), "--lr", repr(config.lr), "--seed", str(config.seed)]
    cli.main([*argv, "--activation", config.activation, "--json", "--save", str(saved)])
    summary = capsys.readouterr().out.strip().splitlines()[-1]
    loaded = persist.load(saved)
    return np.concatenate([a.ravel() for pair in zip(loaded.weights, loaded.biases, strict=True) for a in pair]), json.loads(
        summary
    )


def flat(trainer: Trainer) -> np.ndarray:
    net = trainer.net
    layers = len(net.sizes) - 1
    return np.concatenate([a.ravel() for l in range(layers) for a in (net.weights(l), net.biases(l))])


def assert_same_state(a: Trainer, b: Trainer) -> None:
    assert a.epoch == b.epoch
    assert np.array_equal(a.net.params, b.net.params, equal_nan=True), "parameters bit for bit"
    assert a.opt_state.t == b.opt_state.t
    assert np.array_equal(a.opt_state.first, b.opt_state.first) and np.array_equal(a.opt_state.second, b.opt_state.second)


STUCK = Config(seed=0)  # the classic XOR local minimum: a Stuck diagnosis, not at the first check


def test_the_process_the_fallback_and_train_stop_a_stuck_run_alike(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    there, reason = via_the_process(STUCK)
    here, reason_here = via_the_fallback(STUCK)
    assert isinstance(reason, Stuck) and reason_here is not None and reason.epoch > STUCK_CHECK
    # the loss rows a slice records can differ in the last bit with where the slice began (its first
    # epoch is evaluated apart), and the slices follow the clock: the flatness measured from them too
    assert reason_here.change == pytest.approx(reason.change, rel=1e-9)
    assert replace(reason_here, change=reason.change) == reason
    assert_same_state(there, here)
    # train goes on after a diagnosis; told to stop at its epoch, it ends in the very same state
    weights, summary = via_train(STUCK, reason.epoch, tmp_path, capsys)
    assert summary["diagnosis"] == {"kind": "stuck", "epoch": reason.epoch, "message": describe(reason, "flags")}
    assert np.array_equal(weights, flat(there))


DIVERGING = Config(activation="relu", lr=1e3)


def test_the_process_the_fallback_and_train_stop_a_diverging_run_alike(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    there, reason = via_the_process(DIVERGING)
    here, reason_here = via_the_fallback(DIVERGING)
    assert isinstance(reason, Diverged) and reason_here == reason
    assert_same_state(there, here)
    code = cli.main(["train", "xor", "--activation", "relu", "--lr", "1e3", "--epochs", "100000", "--json"])
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code == 1 and summary["epochs"] == there.epoch
    # (what η it suggests trying depends on how the epochs before were chunked: train logs epoch 0 on its own)
    assert summary["stopped"].split("; try")[0] == describe(reason, "flags").split("; try")[0]


# --- checkpoints --------------------------------------------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(
    optimizer=st.sampled_from(["sgd", "momentum", "adam"]),
    first=st.integers(0, 400),
    then=st.integers(1, 400),
    lr_change=st.sampled_from([None, 0.3, 4.0]),
)
def test_a_checkpoint_rewinds_training_bit_for_bit(optimizer: str, first: int, then: int, lr_change: float | None) -> None:
    trainer = build(Config(optimizer=optimizer, lr=0.5)).stepper.trainer
    trainer.run(first)
    if lr_change is not None:
        trainer.lr = lr_change
        trainer.run(3)  # the new η takes over here: its start travels in the checkpoint
    saved = trainer.checkpoint(with_rows=True)
    trainer.run(then)
    after = (trainer.epoch, trainer.net.params.copy(), trainer.opt_state.copy(), trainer.rate_anchor, trainer.history.tail(then))
    trainer.rewind(saved)
    assert trainer.epoch == saved.epoch and trainer.rate_anchor == saved.rate_anchor
    assert np.array_equal(trainer.net.params, saved.params)
    trainer.run(then)
    assert trainer.epoch == after[0] and trainer.rate_anchor == after[3]
    assert np.array_equal(trainer.net.params, after[1], equal_nan=True)
    assert np.array_equal(trainer.opt_state.first, after[2].first) and np.array_equal(trainer.opt_state.second, after[2].second)
    assert np.array_equal(trainer.history.tail(then), after[4], equal_nan=True)


def test_a_checkpoint_is_a_copy_that_later_training_does_not_touch() -> None:
    trainer = build(Config(optimizer="adam")).stepper.trainer
    trainer.run(5)
    saved = trainer.checkpoint()
    params, first = saved.params.copy(), saved.state.first.copy()
    trainer.run(5)
    assert np.array_equal(saved.params, params) and np.array_equal(saved.state.first, first)


def test_slicing_does_not_move_where_a_stuck_run_stops() -> None:
    whole = build(STUCK).stepper.trainer
    at_once = train_epochs(whole, 10**6, None, StuckCheck(whole))
    sliced = build(STUCK).stepper.trainer
    check = StuckCheck(sliced)
    while True:
        result = train_epochs(sliced, 97, None, check)
        if result.stopped is not None:
            break
    assert isinstance(at_once.stopped, Stuck) and result.stopped == at_once.stopped
    assert_same_state(whole, sliced)


# --- one loop, not several -------------------------------------------------------------------------


def source(relative: str) -> str:
    return (PACKAGE / relative).read_text()


def imported(relative: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source(relative))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("relative", ["engine/live/remote.py", "ui/shell/live.py", "cli/commands.py"])
def test_live_training_is_sliced_only_by_the_live_run_loop(relative: str) -> None:
    names = imported(relative)
    second_loop = {n for n in names if n.startswith(("tui_nn.engine.live.diagnostics", "tui_nn.engine.live.pace.keep_pace"))}
    if relative == "cli/commands.py":  # (train's end-of-run check judges the last window, not a live run)
        second_loop -= {"tui_nn.engine.live.diagnostics.STUCK_WINDOW", "tui_nn.engine.live.diagnostics.trainer_diagnosis"}
    assert not second_loop, f"{relative} slices or checks a live run itself: {second_loop}"
    text = source(relative)
    if relative != "cli/commands.py":
        assert ".run(" not in re.sub(r"loop\.run\(|self\.run\b", "", text), f"{relative} trains a run itself"
    assert "STUCK_WINDOW" not in text or relative == "cli/commands.py"


def test_frame_seconds_and_the_stuck_check_interval_are_defined_once() -> None:
    for constant in ("FRAME_SECONDS", "STUCK_CHECK"):
        defined = [p for p in PACKAGE.rglob("*.py") if re.search(rf"^{constant}\s*[:=]", p.read_text(), re.M)]
        assert [p.relative_to(PACKAGE).as_posix() for p in defined] == ["engine/live/live_run.py"], constant


def test_nobody_writes_a_trainers_private_state_from_outside() -> None:
    for path in PACKAGE.rglob("*.py"):
        if path.name == "training.py":
            continue
        text = path.read_text()
        written = re.findall(r"\b(?:trainer|t)\._[a-z]\w*\s*=(?!=)", text)
        read = re.findall(r"\btrainer\._rate_start\b", text)
        assert not written and not read, f"{path.relative_to(PACKAGE)}: {written or read}"
