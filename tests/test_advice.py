"""Advice that names the real cause: a learning rate too high is called that (with a rate to try),
"stuck" only where the gradient is small, and a higher η is never advised for a loss above its start.

Stop reasons are values; their words come from one module, in the app's keys or the command
line's flags. Every expectation is checked against the run's own history rows or an independent
plain computation (Network.loss_and_gradient), not against numbers written here.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli_helpers import run
from tui_nn.engine.live.diagnostics import STUCK_WINDOW, chance_loss, examine, expected_drop
from tui_nn.engine.live.reason_words import describe, headline, health_line
from tui_nn.engine.live.reasons import Diverged, RateTooHigh, StopReason, Stuck, TargetReached, from_json, to_json
from tui_nn.engine.nn.training import RunResult
from tui_nn.engine.session import actions as act
from tui_nn.engine.session import persist
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.engine.session.controller import Controller
from tui_nn.ui.panes.log import CalcLog
from tui_nn.ui.shell.app import TuiNN

HIGHER_RATE = ("higher η", "(+)", "higher --lr")


def live_run(config: Config, epochs: int = 20_000) -> tuple[Controller, RunResult]:
    """What live training in the app does (the controller's checked loop, in this process)."""
    c = Controller(build(config))
    run_ = c.start_training(None)
    return c, c.train(run_, epochs)


def start_loss(c: Controller) -> float:
    first = c.stepper.history.first()
    assert first is not None
    return float(first[1])


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
@pytest.mark.parametrize("lr", [16.0, 32.0, 64.0])
def test_a_rate_too_high_is_named_with_a_lower_rate_to_try_not_stuck(activation: str, lr: float) -> None:
    """issue 20: tanh η 16 was "stuck … try a higher --lr", η 32 "stuck at 8.0030", η 64 "flat"."""
    c, result = live_run(Config(activation=activation, lr=lr))
    found = result.stopped
    assert isinstance(found, RateTooHigh), found
    rows = c.stepper.history.rows()
    window = rows[-STUCK_WINDOW - 1 :, 1]
    assert found.low == window.min() and found.high == window.max()
    assert found.suggested <= lr / 10
    # the loss it quotes is the state's own, as the status line shows it
    loss, _ = c.session.net.loss_and_gradient(c.session.data.x, c.session.data.y)[:2]
    assert found.loss == pytest.approx(loss, rel=1e-9)
    keys, flags = describe(found, "keys"), describe(found, "flags")
    assert keys.startswith(f"learning rate {lr:g} is too high") and flags.startswith(f"learning rate {lr:g} is too high")
    assert f"--lr {found.suggested:g}" in flags and "- halves it" in keys
    assert not any(words in text for words in HIGHER_RATE for text in (keys, flags))
    assert "stuck" not in keys and "flat" not in headline(found, "keys")


def test_a_rate_that_runs_away_is_still_a_divergence() -> None:
    _, result = live_run(Config(activation="tanh", lr=128.0))
    assert isinstance(result.stopped, Diverged) and result.stopped.cause == "loss_exploded"


@pytest.mark.parametrize("config", [Config(seed=0), Config(hidden=()), Config(hidden=(1,), seed=0)])
def test_a_plateau_with_a_small_gradient_is_still_stuck(config: Config) -> None:
    c, result = live_run(config)
    found = result.stopped
    assert isinstance(found, Stuck), found
    # small: the updates' first-order promise over the window would not have emptied the loss
    assert expected_drop("sgd", config.lr, found.norm, c.session.net.n_params) * STUCK_WINDOW <= found.loss
    assert found.loss <= start_loss(c)
    assert describe(found, "keys").startswith("stuck: the loss has stayed")


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lr=st.floats(min_value=0.05, max_value=100.0),
    seed=st.integers(min_value=0, max_value=50),
    activation=st.sampled_from(["sigmoid", "tanh", "relu"]),
    optimizer=st.sampled_from(["sgd", "sgd", "momentum", "adam"]),
)
def test_a_higher_rate_is_never_advised_for_a_loss_above_its_start(lr: float, seed: int, activation: str, optimizer: str) -> None:
    if optimizer == "adam":
        lr /= 100  # Adam's steps are η per weight: its rates live two decades lower
    c, result = live_run(Config(lr=lr, seed=seed, activation=activation, optimizer=optimizer), 4000)
    found = result.stopped
    if not isinstance(found, Stuck | RateTooHigh):
        return
    words = describe(found, "keys") + describe(found, "flags") + headline(found, "keys")
    if found.loss > start_loss(c) or found.loss > 2 * chance_loss("bce", c.session.data.y):
        assert not any(higher in words for higher in HIGHER_RATE), words
    if isinstance(found, Stuck):
        assert expected_drop(optimizer, lr, found.norm, c.session.net.n_params) * STUCK_WINDOW <= found.loss * 1.01


def test_chance_is_the_loss_of_predicting_the_class_balance() -> None:
    y = np.array([[1.0], [0.0], [0.0], [0.0]])
    p = 0.25
    assert chance_loss("bce", y) == pytest.approx(-(p * math.log(p) + (1 - p) * math.log(1 - p)))
    assert chance_loss("bce", build(Config()).data.y) == pytest.approx(math.log(2))
    assert chance_loss("mse", y) == pytest.approx(0.5 * np.mean((y - p) ** 2))


# --- train -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("lr", ["16", "64"])
def test_train_that_ends_with_a_rate_too_high_says_so_and_exits_1(capsys: pytest.CaptureFixture[str], lr: str) -> None:
    """issue 20: `train --lr 64 --epochs 30000` ended at 9.1 with no word, exit 0."""
    code, out, err = run(capsys, "train", "xor", "--lr", lr, "--activation", "tanh", "--epochs", "3000", "--every", "1000")
    assert code == 1
    assert err.startswith(f"tui-nn: training ended with the loss not coming down: learning rate {lr} is too high")
    assert "--lr " in err and not any(higher in out + err for higher in HIGHER_RATE)
    final = float(out.split("after 3000 epochs: loss ")[1].split()[0])
    assert f"the loss is {final:.4f}" in err or "swings between" in err  # the loss it quotes is the one printed
    code, out, _ = run(capsys, "train", "xor", "--lr", lr, "--activation", "tanh", "--epochs", "3000", "--json")
    summary = json.loads(out.splitlines()[-1])
    assert code == 1 and summary["rate_too_high_at_the_end"]["kind"] == "rate_too_high"
    assert summary["diagnosis"]["kind"] == "rate_too_high" and summary["stuck"] is None


def test_train_that_learns_exits_0_with_no_diagnosis(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "train", "xor", "--activation", "tanh", "--epochs", "3000", "--json")
    summary = json.loads(out.splitlines()[-1])
    assert code == 0 and err == "" and summary["diagnosis"] is None and summary["rate_too_high_at_the_end"] is None


def huge_weights(tmp_path: Path) -> Path:
    session = build(Config(activation="relu"))
    session.net.params[:] = 1e152 * np.where(np.arange(session.net.n_params) % 3 == 1, -1.0, 1.0)
    return persist.save(tmp_path / "huge.json", session.net, {})


def test_an_overflow_in_the_last_update_is_caught_by_the_final_evaluation(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """issue 20: `--lr 1e6 --epochs 1` from weights near 1e152 printed `loss inf` and exited 0."""
    path = huge_weights(tmp_path)
    code, out, err = run(capsys, "train", "xor", "--weights", str(path), "--lr", "1e6", "--epochs", "1")
    assert code == 1
    assert err.startswith("tui-nn: training stopped: ") and "at epoch 1 " in err and "learning rate 1e+06 is too high" in err
    assert [line.split()[1] for line in out.splitlines() if line.startswith("epoch ")] == ["0", "1"]
    # the engine: the run stops on the state its last update left, that row recorded
    session = build(Config(activation="relu", lr=1e6, weights=str(path)))
    trainer = session.stepper.trainer
    result = trainer.run(1)
    assert isinstance(result.stopped, Diverged) and result.stopped.epoch == 1 == trainer.epoch and result.epochs == 1
    loss, _ = session.net.loss_and_gradient(session.data.x, session.data.y)[:2]
    last = trainer.history.last()
    assert last is not None and last[0] == 1 and not (math.isfinite(loss) and math.isfinite(last[1]))


# --- values, and their words ---------------------------------------------------------------------


def reasons() -> list[StopReason]:
    found: list[StopReason] = [TargetReached(12, 1e-3)]
    for config in (Config(activation="tanh", lr=16.0), Config(hidden=()), Config(seed=0), Config(activation="relu", lr=1e3)):
        _, result = live_run(config)
        assert result.stopped is not None
        found.append(result.stopped)
    return found


def test_reasons_cross_the_pipe_as_json_unchanged_and_are_worded_for_keys_or_flags() -> None:
    for reason in reasons():
        assert from_json(json.loads(json.dumps(to_json(reason)))) == reason
        keys, flags = describe(reason, "keys"), describe(reason, "flags")
        assert "--" not in keys and not any(f"({key})" in flags for key in ("+", "-", "n", "c", "r"))


async def test_live_the_app_names_the_rate_and_quotes_the_loss_it_shows() -> None:
    """issue 20: live at η 64 the app said "flat at 7.2778" while it read 8.72, and advised a higher η."""
    app = TuiNN(build(Config(activation="tanh", lr=64.0)))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("T")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not app.training
        found = app.controller.diagnosis()
        assert isinstance(found, RateTooHigh)
        assert app.message.startswith("η = 64 is too high: ") and f"η ≤ {found.suggested:g}" in app.message
        log = " ".join(app.query_one(CalcLog).plain_lines())
        assert "learning rate 64 is too high" in log and f"the loss is {app.view.current_loss:.4f}" in log
        assert not any(higher in log + app.message for higher in HIGHER_RATE)


def test_the_training_process_stops_where_and_as_training_here_does() -> None:
    from tests.test_remote import drive

    config = Config(activation="tanh", lr=64.0)
    trainer = build(config).stepper.trainer
    reason, _ = drive(trainer, stop_at=None, check_stuck=True)
    _, here = live_run(config)
    assert isinstance(reason, RateTooHigh) and reason == here.stopped


def test_health_notices_name_no_key_until_worded_for_the_app_or_the_command_line() -> None:
    session = build(Config())
    session.net.params[0] = math.nan
    (found,) = examine(session.net, session.data.x, session.data.y).diagnostics
    assert found.kind == "diverged" and "(" not in found.message
    assert health_line(found, "keys").endswith("step back (←) or reset (r), and lower η")
    assert health_line(found, "flags").endswith("lower --lr") and "(←)" not in health_line(found, "flags")


def test_a_rate_just_lowered_is_not_blamed_for_the_swings_of_the_one_before() -> None:
    c, result = live_run(Config(activation="tanh", lr=64.0))
    assert isinstance(result.stopped, RateTooHigh)
    assert c.live is not None
    c.stop_training(c.live, result.stopped)
    lowered_at = c.stepper.trainer.epoch
    c.apply(act.SetLR(result.stopped.suggested))
    run_ = c.start_training(None)
    again = c.train(run_, 3000)
    found = again.stopped
    assert found is None or found.epoch >= lowered_at + STUCK_WINDOW, found
    if isinstance(found, RateTooHigh):  # judged on its own epochs: every row of the window is at the new rate
        assert found.lr == result.stopped.suggested
