"""Your own input: the records `trace --input` prints, walked in the app from the current weights,
with the data set one step back."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from tui_nn.cli.commands import main
from tui_nn.engine.nn.datasets import Dataset
from tui_nn.engine.nn.network import InitSpec
from tui_nn.engine.session import actions as act
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.engine.session.controller import Controller
from tui_nn.engine.session.persist import save
from tui_nn.engine.walk.matrices import matrix_position
from tui_nn.engine.walk.own_input import walk_input
from tui_nn.engine.walk.render import step_json, step_text

CASES = [
    (Config(loss="mse", lr=0.5), ["--loss", "mse", "--lr", "0.5"], (0.05, 0.10), (0.01,)),
    (Config(hidden=(3, 2), activation="relu", optimizer="adam", init=InitSpec("he"), seed=1),
     ["--hidden", "3,2", "--activation", "relu", "--optimizer", "adam", "--init", "he", "--seed", "1"], (1.5, -2.0), (1.0,)),
    (Config(hidden=(4,), activation="tanh", optimizer="momentum"),
     ["--hidden", "4", "--activation", "tanh", "--optimizer", "momentum"], (0.0, 1.0), (0.3,)),
]  # fmt: skip


@pytest.mark.parametrize(("config", "flags", "x", "y"), CASES)
def test_the_walk_is_what_trace_input_prints(config: Config, flags: list[str], x, y, capsys) -> None:  # type: ignore[no-untyped-def]
    session = build(config)
    before = session.net.params.copy()
    walked = walk_input(session.net, x, y, config.optimizer, config.lr)
    assert np.array_equal(session.net.params, before)  # nothing changed
    fmt = session.stepper.fmt
    numbers = [",".join(repr(v) for v in x), ",".join(repr(v) for v in y)]
    # the formula lines alone (the sentences under them are tests/test_words_said.py's)
    assert main(["trace", "xor", *flags, "--input", numbers[0], "--target", numbers[1], "--no-words"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[1:] == [line for record in walked.records for line in step_text(record, fmt)]
    assert main(["trace", "xor", *flags, "--input", numbers[0], "--target", numbers[1], "--json"]) == 0
    documents = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert documents == [json.loads(json.dumps(step_json(r, fmt), ensure_ascii=False)) for r in walked.records]


def test_a_saved_network_with_two_outputs(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """The classic worked example's shape: two inputs, two outputs, MSE."""
    two = build(Config(loss="mse", lr=0.5), data=Dataset("input", np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]])))
    path = tmp_path / "net.json"
    save(str(path), two.net, {})
    walked = walk_input(two.net, (0.05, 0.10), (0.01, 0.99), "sgd", 0.5)
    args = ["trace", "xor", "--weights", str(path), "--input", "0.05,0.10", "--target", "0.01,0.99", "--loss", "mse"]
    assert main([*args, "--lr", "0.5", "--no-words"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert two.net.sizes == (2, 2, 2)
    assert printed[1:] == [line for record in walked.records for line in step_text(record, two.stepper.fmt)]


def test_walking_it_in_the_app_and_stepping_back_to_the_data_set() -> None:
    controller = Controller(build(Config(hidden=(3,))))
    for _ in range(7):
        controller.apply(act.Next())
    old = controller.session
    position, start = old.stepper.position, old.stepper.current.start_params.copy()
    outcome = controller.apply(act.CustomSample((0.25, 0.75), (1.0,)))
    assert outcome.rebuilt and outcome.message is not None and "your input" in outcome.message.text
    new = controller.session
    assert new is not old and new.data.size == 1 and np.array_equal(new.data.x, [[0.25, 0.75]])
    assert np.array_equal(new.net.params, start)  # from the weights the walk was at
    expected = walk_input(old.net, (0.25, 0.75), (1.0,), "sgd", old.stepper.lr, params=start)
    walked = new.stepper.walk_pass()
    fmt = new.stepper.fmt
    assert [step_text(r, fmt) for r in walked] == [step_text(r, fmt) for r in expected.records]
    assert np.array_equal(new.net.params, expected.end_params)
    frame = matrix_position(new.stepper).frame  # the matrix view walks it too
    assert frame.batch == (0,) and frame.code == ("b2 -= lr * db2",)
    assert frame.value is not None and abs(frame.value - new.net.biases(1)[0]) <= 1e-15  # vectorised vs walked
    while controller.session is new:
        controller.apply(act.Back())
    assert controller.session is old and old.stepper.position == position  # the data set, where it was
    assert old.data.size == 4


@pytest.mark.parametrize(
    ("x", "y", "message"),
    [
        ((1.0,), (1.0,), "the input needs 2 values, not 1"),
        ((1.0, 2.0), (1.0, 0.0), "the target needs 1 value, not 2"),
        ((float("nan"), 2.0), (1.0,), "must be finite"),
        ((1e9, 2.0), (1.0,), "within ±1e+06"),
    ],
)
def test_a_bad_input_is_one_line_and_changes_nothing(x, y, message) -> None:  # type: ignore[no-untyped-def]
    controller = Controller(build(Config()))
    session = controller.session
    outcome = controller.apply(act.CustomSample(x, y))
    assert controller.session is session and not outcome.rebuilt
    assert outcome.message is not None and message in outcome.message.text and "\n" not in outcome.message.text
    with pytest.raises(ValueError, match=re.escape(message)):
        walk_input(session.net, x, y)


def test_the_action_round_trips_and_replays() -> None:
    action = act.CustomSample((0.5, -1.25), (0.0,))
    assert act.action_from_json(json.loads(json.dumps(action.to_json()))) == action
    with pytest.raises(act.ActionError, match="x must be a list of numbers"):
        act.action_from_json({"action": "custom_sample", "x": "0.5,1"})
    with pytest.raises(act.ActionError, match="y must be a list of numbers"):
        act.action_from_json({"action": "custom_sample", "x": [0, 1], "y": [True]})
    first = Controller(build(Config()))
    for a in (act.Next(), action, act.Next(), act.FinishEpoch(), act.Back()):
        first.apply(a)
    second = Controller(build(Config()))
    for document in json.loads(json.dumps([a.to_json() for a in first.record])):
        second.apply(act.action_from_json(document))
    assert np.array_equal(second.session.net.params, first.session.net.params)
    assert second.session.data.size == first.session.data.size == 1


@pytest.mark.parametrize(
    ("n_in", "n_out", "example"), [(1, 1, "0.05 → 0.01"), (2, 1, "0.05, 0.10 → 0.01"), (2, 3, "0.05, 0.10 → 0.01, 0.01, 0.01")]
)
def test_the_example_in_a_refusal_has_as_many_values_as_the_network_takes(n_in: int, n_out: int, example: str) -> None:
    """sine's one input was shown a two-input example ('0.05, 0.10 → 0.01')."""
    from tui_nn.engine.walk.own_input import parse_input_text

    with pytest.raises(ValueError, match=f"for example {re.escape(example)}$"):
        parse_input_text("0.3", n_in, n_out)
