"""Whole sessions through the controller, with no UI: actions, undo of every kind, and replay."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_nn.engine.session import actions as act
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.engine.session.controller import Controller


def controller(**config: object) -> Controller:
    return Controller(build(Config().with_changes(**config)))


def state(c: Controller) -> tuple[object, ...]:
    """Everything a step back must restore exactly."""
    s = c.stepper
    return (
        s.epoch,
        s.position,
        s.focus,
        s.net.params.tobytes(),
        s.trainer.opt_state.first.tobytes(),
        s.history.rows().tobytes(),
        c.session.net.sizes,
    )


def test_steps_and_their_log_entries_go_back_together() -> None:
    c = controller()
    for _ in range(10):
        c.apply(act.Next())
    assert c.stepper.position == 10 and len(c.logbook.steps()) == 10
    c.apply(act.Back())
    assert c.stepper.position == 9 and len(c.logbook.steps()) == 9


def test_every_kind_of_change_is_one_step_back_away() -> None:
    """Walk, finish an epoch, pin, edit, knock out, train, rebuild, reset: ← undoes each, exactly."""
    c = controller(optimizer="momentum")
    plan: list[act.Action] = [
        act.Next(),
        act.Next(),
        act.FinishEpoch(),
        act.Next(),
        act.Pin(3),
        act.Next(),
        act.SetParam("w12", 0.5),
        act.Next(),
        act.KnockOut(1, 2),
        act.Train(40),
        act.Next(),
        act.Rebuild(Config(hidden=(3,))),
        act.Next(),
        act.Reset(),
        act.Next(),
    ]
    done: list[tuple[act.Action, tuple[object, ...], int]] = []
    for action in plan:
        before, position = state(c), c.stepper.position
        total = c.stepper.current.total
        c.apply(action)
        # e applies the rest of its pass one step at a time; everything else is one step back
        backs = total - position if isinstance(action, act.FinishEpoch) else 1
        done.append((action, before, backs))
    for action, before, backs in reversed(done):
        for _ in range(backs):
            c.apply(act.Back())
        assert state(c) == before, action


def test_undo_across_an_update_restores_every_number() -> None:
    c = controller(optimizer="adam")
    before = state(c)
    total = c.stepper.current.total
    for _ in range(total + 5):
        c.apply(act.Next())
    assert c.stepper.epoch == 1
    for _ in range(total + 5):
        c.apply(act.Back())
    assert state(c) == before
    assert "nothing older" in (c.apply(act.Back()).message or act.Back()).text  # type: ignore[union-attr]


def test_rebuild_then_back_returns_to_the_old_network_and_its_log() -> None:
    c = controller()
    c.apply(act.Next())
    old = c.session
    outcome = c.apply(act.Rebuild(Config(hidden=(4, 3), lr=0.5)))
    assert outcome.rebuilt and c.session.net.sizes == (2, 4, 3, 1) and c.stepper.lr == 0.5
    assert c.logbook.entries[-1].text.startswith("rebuilt the network: xor: 2-4-3-1")
    outcome = c.apply(act.Back())
    assert outcome.rebuilt and c.session is old and c.stepper.position == 1
    assert not c.logbook.entries[-1].text.startswith("rebuilt")


def test_invalid_settings_are_refused_and_change_nothing() -> None:
    c = controller()
    outcome = c.apply(act.Rebuild(Config(batch=9)))
    assert outcome.message is not None and "larger than the data set" in outcome.message.text
    assert not outcome.rebuilt and c.session.net.sizes == (2, 2, 1)


def test_one_learning_rate_everywhere() -> None:
    """η×2 then reset: the status, the updates, the settings and the log all say 2."""
    c = controller()
    c.apply(act.ScaleLR(2.0))
    c.apply(act.Reset())
    assert c.stepper.lr == 2.0 and c.session.config.lr == 2.0
    assert "η=2" in c.session.describe() and "η=2" in c.logbook.entries[-1].text
    update = c.stepper.records(c.stepper.current, c.stepper.current.total - 1, c.stepper.current.total)[0]
    assert update.header is None or update.header.lr == 2.0


def test_what_if_refuses_what_is_not_a_number_and_undoes_bit_for_bit() -> None:
    c = controller()
    before = state(c)
    assert "no parameter called" in (c.apply(act.SetParam("w99", 1.0)).message or act.Back()).text  # type: ignore[union-attr]
    assert "refused" in (c.apply(act.SetParam("w11", float("inf"))).message or act.Back()).text  # type: ignore[union-attr]
    assert state(c) == before
    c.apply(act.SetParam("W1[0,1]", -2.5))
    assert c.session.net.weights(0)[0, 1] == -2.5
    c.apply(act.Back())
    assert state(c) == before


def test_actions_round_trip_through_json() -> None:
    plan = [
        act.Next(),
        act.Pin(2),
        act.Pin(None),
        act.ScaleLR(0.5),
        act.SetLR(0.25),
        act.Train(12),
        act.Rebuild(Config(problem="circle", hidden=(5,), activation="tanh", batch=32)),
        act.Reset(),
        act.Reseed(7),
        act.SetParam("b_h1", 0.1),
        act.KnockOut(1, 1),
        act.Back(),
    ]
    for action in plan:
        document = json.loads(json.dumps(action.to_json()))
        assert act.action_from_json(document) == action


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"action": "jump"}, "unknown action 'jump'"),
        ({"action": "train", "epochs": "ten"}, "epochs has the wrong type"),
        ({"action": "pin", "sample": 1, "extra": 2}, "unknown field(s) extra"),
        ({"action": "rebuild", "config": {"lr": -1}}, "learning rate must be a positive finite number"),
        ([], "an action must be an object"),
    ],
)
def test_bad_recorded_actions_say_what_is_wrong(document: object, message: str) -> None:
    with pytest.raises(act.ActionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        act.action_from_json(document)


ACTION = st.one_of(
    st.just(act.Next()),
    st.just(act.Forward()),
    st.just(act.Backward()),
    st.just(act.FinishForward()),
    st.just(act.FinishBackward()),
    st.just(act.FinishEpoch()),
    st.just(act.Back()),
    st.builds(act.Train, epochs=st.integers(1, 30)),
    st.builds(act.Pin, sample=st.one_of(st.none(), st.integers(1, 4))),
    st.builds(act.ScaleLR, factor=st.sampled_from([0.5, 2.0])),
    st.builds(act.SetParam, param=st.sampled_from(["w11", "v2", "b_out", "W1[1,0]"]), value=st.floats(-3, 3)),
    st.builds(act.KnockOut, layer=st.just(1), unit=st.integers(1, 2)),
    st.just(act.Reset()),
    st.builds(act.Reseed, seed=st.integers(0, 50)),
    st.just(act.Rebuild(Config(hidden=(3,), optimizer="adam", lr=0.1))),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(ACTION, min_size=1, max_size=40), st.sampled_from(["sgd", "momentum", "adam"]))
def test_replaying_a_recorded_session_lands_on_bit_identical_parameters(plan: list[act.Action], optimizer: str) -> None:
    first = controller(optimizer=optimizer)
    for action in plan:
        first.apply(action)
    recorded = json.loads(json.dumps([a.to_json() for a in first.record]))
    second = controller(optimizer=optimizer)
    for document in recorded:
        second.apply(act.action_from_json(document))
    assert state(second) == state(first)
    assert np.array_equal(second.session.net.params, first.session.net.params)
