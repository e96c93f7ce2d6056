"""The optimizer race: each entrant's run is, bit for bit, the run `train` makes with its optimizer
and η; the race moves them in lock-step, pauses, steps and resumes; the paths are the recorded weights."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.cli_helpers import run
from tui_nn.engine.live.live_run import train_epochs
from tui_nn.engine.live.race import Entrant, Race, default_entrants
from tui_nn.engine.nn.training import Trainer
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config, defaults_for

CONFIGS = {
    "xor": defaults_for("xor"),
    "spiral mini-batches": defaults_for("spiral").with_changes(batch=64, hidden=(6,)),
    "spiral3 softmax l2": defaults_for("spiral3").with_changes(hidden=(8,), l2=0.001),
}


def separate_run(config: Config, entrant: Entrant, epochs: int) -> Trainer:
    """The run `train` makes: a fresh session's network, the same loop (train_epochs), from the same start."""
    session = build(config)
    trainer = Trainer(session.net, session.data, entrant.optimizer, entrant.lr, session.config.batch, session.config.seed)
    train_epochs(trainer, epochs, None, None)
    return trainer


@pytest.mark.parametrize("name", list(CONFIGS))
def test_each_entrant_runs_bit_for_bit_as_a_separate_train_run(name: str) -> None:
    config = CONFIGS[name]
    session = build(config)
    entrants = default_entrants(session.config.lr)
    race = Race(session.net, session.data, entrants, session.config.batch, session.config.seed, epochs_per_step=9)
    race.step(5)
    race.step()
    race.resume()
    race.tick()
    frame = race.step(1)
    assert frame.epoch == 24 and {r.epoch for r in frame.runners} == {24}
    for entrant, runner in zip(entrants, race.runners, strict=True):
        alone = separate_run(config, entrant, 24)
        np.testing.assert_array_equal(runner.trainer.net.params, alone.net.params)
        # The weights are bit for bit; a history row is evaluated in bulk per slice of epochs, and a one-epoch
        # slice's row may differ from a long slice's in the last bit (as the app's live slices do).
        np.testing.assert_allclose(runner.trainer.history.column("loss"), alone.history.column("loss"), rtol=4e-16, atol=0)
    assert len({r.name for r in frame.runners}) == len(entrants)
    assert [r.colour for r in frame.runners] == list(range(len(entrants)))


def test_an_entrant_lands_where_the_train_command_does(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    session = build(defaults_for("xor"))
    race = Race(session.net, session.data, default_entrants(1.0))
    for _ in range(12):
        race.step()
    for runner in race.runners:
        saved = tmp_path / f"{runner.entrant.optimizer}-{runner.entrant.lr:g}.json"
        words = ["train", "xor", "--optimizer", runner.entrant.optimizer, "--lr", repr(runner.entrant.lr), "--epochs", "120"]
        assert run(capsys, *words, "--save", str(saved))[0] == 0
        network = build(defaults_for("xor").with_changes(weights=str(saved))).net
        np.testing.assert_array_equal(runner.trainer.net.params, network.params)
        assert json.loads(saved.read_text(encoding="utf-8"))["layers"] == [2, 2, 1]


def test_paused_ticks_wait_steps_move_and_resume_runs() -> None:
    session = build(defaults_for("xor"))
    race = Race(session.net, session.data, default_entrants(1.0), epochs_per_step=5)
    assert not race.running
    assert race.tick().epoch == 0  # paused: a timer's tick moves nothing
    assert race.step().epoch == 5  # a step moves it, paused or not
    race.resume()
    assert race.tick().epoch == 10 and race.frame().running
    race.pause()
    assert race.tick().epoch == 10 and not race.frame().running


def test_a_diverging_entrant_stops_with_its_reason_and_the_others_race_on() -> None:
    session = build(defaults_for("xor").with_changes(activation="relu"))
    race = Race(session.net, session.data, (Entrant("sgd", 1.0, 0), Entrant("sgd", 1e6, 1)), epochs_per_step=10)
    race.resume()
    for _ in range(3):
        frame = race.tick()
    steady, wild = frame.runners
    assert steady.running and steady.epoch == 30 and steady.state == "running"
    assert not wild.running and wild.epoch < 30 and "too high" in wild.state
    assert not frame.finished
    alone = separate_run(defaults_for("xor").with_changes(activation="relu"), Entrant("sgd", 1e6, 1), 30)
    np.testing.assert_array_equal(race.runners[1].trainer.net.params, alone.net.params)


def test_a_race_of_diverged_entrants_is_finished_and_stops_running() -> None:
    session = build(defaults_for("xor").with_changes(activation="relu"))
    race = Race(session.net, session.data, (Entrant("sgd", 1e6, 0),))
    race.resume()
    frame = race.tick()
    assert frame.finished and not frame.running
    assert race.step().epoch == frame.epoch  # nothing left to move


def test_the_paths_are_the_weights_recorded_at_each_step() -> None:
    session = build(defaults_for("xor"))
    race = Race(session.net, session.data, default_entrants(1.0), epochs_per_step=4)
    seen: list[list[np.ndarray]] = [[r.trainer.net.params.copy()] for r in race.runners]
    for _ in range(6):
        race.step()
        for kept, runner in zip(seen, race.runners, strict=True):
            kept.append(runner.trainer.net.params.copy())
    frame = race.frame()
    for kept, runner in zip(seen, frame.runners, strict=True):
        assert runner.path_epochs == tuple(range(0, 25, 4))
        np.testing.assert_array_equal(runner.path, np.array(kept))
        np.testing.assert_array_equal(runner.path[0], session.net.params)  # one start for all


def test_the_race_map_is_the_slice_through_the_start_wide_enough_for_every_path() -> None:
    session = build(defaults_for("xor"))
    race = Race(session.net, session.data, default_entrants(1.0), epochs_per_step=50)
    for _ in range(8):
        race.step()
    frame = race.frame()
    grid = race.landscape(31, 21)
    assert grid.pair is not None
    a, b = grid.pair
    assert grid.current == (session.net.params[a], session.net.params[b])
    for runner in frame.runners:
        path = Race.project(runner, grid)
        np.testing.assert_array_equal(path, runner.path[:, [a, b]])
        assert np.all(path[:, 0] >= grid.x[0]) and np.all(path[:, 0] <= grid.x[-1])
        assert np.all(path[:, 1] >= grid.y[0]) and np.all(path[:, 1] <= grid.y[-1])
    assert race.landscape(31, 21) is grid  # nobody left the map: not recomputed
    moved = grid.loss[3, 5]
    params = session.net.params.copy()
    params[a], params[b] = grid.x[5], grid.y[3]
    assert moved == pytest.approx(session.net.loss_value(session.data.x, session.data.y, params), rel=1e-12)


def test_the_controller_races_from_the_current_weights_and_leaves_the_session_alone() -> None:
    from tui_nn.engine.session import actions as act
    from tui_nn.engine.session.controller import Controller

    c = Controller(build(defaults_for("xor")))
    c.apply(act.Train(30))
    before = c.session.net.params.copy()
    race = c.race()
    race.step(20)
    np.testing.assert_array_equal(c.session.net.params, before)
    assert c.stepper.trainer.epoch == 30
    for runner in race.runners:
        np.testing.assert_array_equal(runner.trail.rows[0][1], before)
    assert [r.entrant.optimizer for r in race.runners] == ["sgd", "sgd", "momentum", "adam"]
