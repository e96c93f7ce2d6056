"""The inspector's derivations: per-sample chains, batch mean, numerical check, what-if and undo."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_nn.engine.nn.gradcheck import FLOOR
from tui_nn.engine.nn.network import InitSpec
from tui_nn.engine.session import actions as act
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.engine.session.controller import Controller
from tui_nn.engine.walk import expr
from tui_nn.engine.walk.explain import Element, ParameterStory, UnitStory, elements, explain_parameter, explain_unit

NETWORKS = [
    pytest.param(Config(), id="2-2-1 sigmoid bce"),
    pytest.param(Config(hidden=(4,), activation="tanh", loss="mse", seed=5), id="2-4-1 tanh mse"),
    pytest.param(Config(hidden=(3, 2), activation="relu", init=InitSpec("normal", 1.0), seed=11), id="2-3-2-1 relu"),
    pytest.param(Config(hidden=(3,), activation="softplus", seed=4), id="2-3-1 softplus"),
]


def parameters(config: Config) -> list[Element]:
    return [e for e in elements(build(config).net.sizes) if e.kind != "unit"]


@pytest.mark.parametrize("config", NETWORKS)
def test_every_parameter_decomposes_into_its_samples_and_matches_central_differences(config: Config) -> None:
    session = build(config)
    stepper, net, data = session.stepper, session.net, session.data
    _, batch_gradient, _, _ = net.loss_and_gradient(data.x, data.y)
    for element in parameters(config):
        story = explain_parameter(stepper, element)
        assert isinstance(story, ParameterStory)
        index = element.parameter_index(net)
        assert story.value == net.params[index]
        contributions = [chain.gradient for chain in story.samples]
        mean = sum(contributions) / len(contributions)
        expected = float(batch_gradient[index])
        assert abs(mean - expected) <= 1e-15 * max(abs(expected), 1e-12) + 1e-17, story.label
        assert story.update.equations[0].value == pytest.approx(mean, rel=1e-15, abs=1e-18)
        check = story.check
        if not check.kink:
            assert check.relative_error < 1e-6, (story.label, check)
            assert abs(check.numerical - expected) / max(abs(expected), abs(check.numerical), FLOOR) < 1e-6
        # the chain ends with ∂L/∂θ for this sample, and the single-path product equals it
        for chain in story.samples:
            assert chain.steps[-1].value == chain.gradient
            if chain.product is not None:
                numeric = chain.product.forms[-1]
                assert expr.evaluate(numeric) == pytest.approx(chain.gradient, rel=1e-9, abs=1e-15)


def test_why_a_weight_fed_by_a_zero_input_has_no_gradient_for_sample_1() -> None:
    """The issue's question: sample 1 is x = (0, 0), so ∂L/∂w11 = δ_h1·x1 = … ·0 = 0."""
    session = build(Config())
    story = explain_parameter(session.stepper, Element("weight", 0, 0, 0))
    first = story.samples[0]
    assert first.sample == 0 and first.gradient == 0.0
    assert first.steps[-1].note == "x1 is 0 here, so no gradient"
    assert first.product is not None and expr.text(first.product.forms[0], str).endswith("·x1")


@pytest.mark.parametrize("config", NETWORKS)
def test_every_unit_tells_z_a_and_delta_per_sample(config: Config) -> None:
    session = build(config)
    stepper, net, data = session.stepper, session.net, session.data
    zs, acts = net.forward(data.x)
    for element in (e for e in elements(net.sizes) if e.kind == "unit" and e.layer > 0):
        story = explain_unit(stepper, element)
        assert isinstance(story, UnitStory)
        for row in story.rows:
            assert row.z == pytest.approx(zs[element.layer - 1][row.sample, element.unit], abs=1e-14)
            assert row.a == pytest.approx(acts[element.layer][row.sample, element.unit], abs=1e-14)
        assert len(story.incoming) == net.sizes[element.layer - 1]


def test_a_dead_relu_says_what_that_means_for_its_weights() -> None:
    session = build(Config(activation="relu"))
    session.net.biases(0)[:] = [-50.0, 0.3]
    session.stepper.current.start_params[:] = session.net.params
    story = explain_unit(session.stepper, Element("unit", 1, 0))
    assert story.state == "dead" and "no gradient reaches the weights feeding it" in story.meaning


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 500),
    name=st.sampled_from(["w11", "w22", "v1", "b_out", "b_h2"]),
    value=st.floats(-5, 5, allow_nan=False),
    steps=st.integers(0, 120),
)
def test_what_if_is_a_fresh_forward_pass_and_undo_restores_every_array(seed: int, name: str, value: float, steps: int) -> None:
    c = Controller(build(Config(seed=seed, optimizer="adam")))
    for _ in range(steps):
        c.apply(act.Next())
    before = (c.stepper.net.params.copy(), c.stepper.trainer.opt_state.first.copy(), c.stepper.history.rows().copy())
    position = c.stepper.position
    outcome = c.apply(act.SetParam(name, value))
    comparison = outcome.what_if
    assert comparison is not None
    edited = c.session.net.copy()
    net, data = c.session.net, c.session.data
    assert np.array_equal(comparison.after, edited.predict(data.x))
    assert comparison.loss_after == edited.loss_value(data.x, data.y)
    c.apply(act.Back())
    assert c.stepper.position == position
    after_undo = (c.stepper.net.params, c.stepper.trainer.opt_state.first, c.stepper.history.rows())
    assert all(np.array_equal(a, b) for a, b in zip(before, after_undo, strict=True))
    assert net is c.session.net


def test_knocking_out_a_hidden_unit_zeroes_its_outgoing_weights() -> None:
    c = Controller(build(Config()))
    outcome = c.apply(act.KnockOut(1, 2))
    assert outcome.what_if is not None
    assert np.all(c.session.net.weights(1)[1] == 0.0) and np.any(c.session.net.weights(1)[0] != 0.0)


def test_the_trail_follows_training_and_stepping_back() -> None:
    c = Controller(build(Config()))
    c.view()
    c.apply(act.Train(50))
    c.view()
    story = c.explain(Element("weight", 0, 0, 0))
    assert isinstance(story, ParameterStory)
    assert [epoch for epoch, _ in story.trail] == [0, 50] and story.trail[-1][1] == story.value
    c.apply(act.Back())
    c.view()
    story = c.explain(Element("weight", 0, 0, 0))
    assert isinstance(story, ParameterStory) and [epoch for epoch, _ in story.trail] == [0]


def test_the_trail_starts_again_with_another_network_and_after_undoing_it() -> None:
    # Found by the palette test: a trail recorded on a perceptron (3 parameters) was read with
    # the 2-2-1 network's index 6 after ← brought the 2-2-1 back.
    c = Controller(build(Config()))
    c.apply(act.Train(20))
    c.view()
    c.apply(act.Rebuild(Config(hidden=())))
    c.view()
    c.apply(act.Train(20))
    c.view()
    c.apply(act.Back())  # the perceptron's run
    c.apply(act.Back())  # the rebuild: the 2-2-1 network again
    c.view()
    story = c.explain(Element("weight", 1, 0, 1))  # v2, index 7: beyond the perceptron's 3
    assert isinstance(story, ParameterStory)
    assert [epoch for epoch, _ in story.trail] == [20] and story.trail[-1][1] == story.value


def test_every_element_is_reachable_with_the_cursor_keys() -> None:
    from tui_nn.engine.walk.explain import columns, cycle, move

    for sizes in [(2, 2, 1), (2, 3, 2, 1), (2, 1)]:
        everything = set(elements(sizes))
        assert {e for col in columns(sizes) for e in col} == everything
        start = Element("unit", 0, 0)
        seen, e = {start}, start
        for _ in range(len(everything)):
            e = cycle(sizes, e, 1)
            seen.add(e)
        assert seen == everything and cycle(sizes, cycle(sizes, start, 1), -1) == start
        reached = {start}
        frontier = [start]
        while frontier:
            e = frontier.pop()
            for direction in ("left", "right", "up", "down"):
                nxt = move(sizes, e, direction)  # type: ignore[arg-type]
                if nxt not in reached:
                    reached.add(nxt)
                    frontier.append(nxt)
        assert reached == everything


def test_left_and_right_follow_the_edges() -> None:
    from tui_nn.engine.walk.explain import move

    sizes = (2, 2, 1)
    for j in range(2):  # ← from a hidden unit or its bias: an edge into that unit; → an edge out of it
        for start in (Element("unit", 1, j), Element("bias", 0, j)):
            left = move(sizes, start, "left")
            assert left.kind == "weight" and left.layer == 0 and left.unit == j
            right = move(sizes, start, "right")
            assert right.kind == "weight" and right.layer == 1 and right.source == j
    w21 = Element("weight", 0, 0, 1)  # from x2 into h1
    assert move(sizes, w21, "left") == Element("unit", 0, 1) and move(sizes, w21, "right") == Element("unit", 1, 0)
    assert move(sizes, Element("unit", 0, 0), "left") == Element("unit", 0, 0)  # nothing left of the inputs
    assert move(sizes, Element("unit", 2, 0), "right") == Element("unit", 2, 0)
