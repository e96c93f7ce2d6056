"""One name for one thing: every name a surface gives a parameter (or a row of parameters) is
collected from that surface (the log's steps, the NumPy view's matrices and indexing, the
inspector and `explain`, the gradient check) and no name may stand for two different things."""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np
import pytest

from tui_nn.engine.nn.gradcheck import parameter_names as gradcheck_names
from tui_nn.engine.session import actions as act
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.engine.session.controller import Controller
from tui_nn.engine.walk.explain import elements
from tui_nn.engine.walk.matrices import matrix_position
from tui_nn.engine.walk.notation import parse_parameter

EPOCH_STEPS = 94  # one epoch of the 2-2-1 on XOR, step by step

# A parameter matrix entry as the NumPy view indexes it: W1[0, 1], b2[0, 0]
INDEXED = re.compile(r"\b([A-Za-z]\w*)\[(\d+), (\d+)\]")

Meanings = dict[str, set[frozenset[int]]]


def _walked(config: Config) -> Controller:
    """A controller one epoch in: every bias has moved off 0, so each parameter's value is its own."""
    c = Controller(build(config))
    c.apply(act.FinishEpoch())
    params = c.session.net.params
    assert len(set(params.tolist())) == len(params), "distinct values let a matrix tell which parameters it holds"
    return c


def _log_names(c: Controller, found: Meanings) -> None:
    """The log: an update step is labelled with the parameter it writes."""
    net = c.session.net
    for step in c.stepper.walk_pass():
        for key, _ in step.writes:
            if key.kind == "w":
                assert key.source is not None
                found[step.label].add(frozenset({net.weight_index(key.layer, key.source, key.unit)}))
            elif key.kind == "b":
                found[step.label].add(frozenset({net.bias_index(key.layer, key.unit)}))


def _numpy_names(c: Controller, found: Meanings) -> None:
    """The NumPy view at every step of a pass: a parameter matrix is told by its values (the
    pass's start parameters), an indexed entry by the matrix it indexes."""
    start = c.session.net.params.copy()
    where = {float(v): k for k, v in enumerate(start)}
    for _ in range(EPOCH_STEPS):
        c.apply(act.Next())
        frame = matrix_position(c.stepper).frame
        held: dict[str, np.ndarray] = {}
        for shown in frame.matrices:
            values = shown.values.ravel().tolist()
            if values and all(v in where for v in values):
                indices = np.array([where[v] for v in values]).reshape(shown.values.shape)
                held[shown.name] = indices
                found[shown.name].add(frozenset(indices.ravel().tolist()))
        for line in (*frame.code, *frame.scalar):
            for name, i, j in INDEXED.findall(line):
                if name in held:
                    found[f"{name}[{i},{j}]"].add(frozenset({int(held[name][int(i), int(j)])}))


def _inspector_and_explain_names(c: Controller, found: Meanings) -> None:
    """The inspector and `explain` show a parameter's story under its label: both its names."""
    net = c.session.net
    for element in elements(net.sizes):
        if element.kind == "unit":
            continue
        index = element.parameter_index(net)
        story = c.explain(element)
        log_name, file_name = story.label.split(" ")
        found[log_name].add(frozenset({index}))
        found[file_name.strip("()")].add(frozenset({index}))


def _gradcheck_names(c: Controller, found: Meanings) -> None:
    """`tui-nn gradcheck` and the app's G."""
    net = c.session.net
    for index, name in enumerate(gradcheck_names(net)):
        found[name].add(frozenset({index}))
    for check in c.gradient_check_job()().checks:
        for name in check.name.replace("(", " ").replace(")", " ").split():
            found[name].add(frozenset({check.index}))


@pytest.mark.parametrize("config", [Config(), Config(hidden=(3, 2), activation="tanh")], ids=["2-2-1", "2-3-2-1"])
def test_no_name_means_two_things_across_log_numpy_view_inspector_explain_and_gradcheck(config: Config) -> None:
    c = _walked(config)
    found: Meanings = defaultdict(set)
    _log_names(c, found)
    _inspector_and_explain_names(c, found)
    _gradcheck_names(c, found)
    _numpy_names(c, found)
    assert {"W1", "b1", "b2"} <= set(found), "the NumPy view's arrays were collected"
    twice = {name: meanings for name, meanings in found.items() if len(meanings) > 1}
    assert not twice, f"names that mean two things: {twice}"
    # each name the log gives a single parameter is the name the rest of the app parses it by
    net = c.session.net
    logged: Meanings = defaultdict(set)
    _log_names(c, logged)
    for name, (meaning,) in logged.items():
        assert parse_parameter(net, name) == next(iter(meaning))


def test_a_bias_called_by_its_old_name_says_what_it_is_called_now() -> None:
    net = build(Config()).net
    with pytest.raises(ValueError, match=r"h2's bias is b_h2.*b2 is the NumPy view's bias row of layer 2"):
        parse_parameter(net, "b2")
