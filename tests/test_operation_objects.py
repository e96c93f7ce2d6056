"""Each loss and optimizer is one object whose parts agree with each other: its δ is the derivative
of its loss, its scalar and vector forms are the same numbers, and the walk's numeric update lines,
derived from the rule's trees by putting the numbers in, compute what the update computes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_nn.engine.nn.activations import ACTIVATIONS, sigmoid
from tui_nn.engine.nn.losses import LOSS_KINDS, Loss
from tui_nn.engine.nn.optimizers import OPTIMIZER_KINDS, THETA, Optimizer
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.engine.walk import notation as n
from tui_nn.engine.walk.expr import Sym, evaluate, has_symbols, text
from tui_nn.engine.walk.own_input import check_input
from tui_nn.engine.walk.records import NumberFormat
from tui_nn.engine.walk.words import optimizer_of

# the per-unit checks here are for losses on a sigmoid output; test_softmax checks those on a softmax
LOSS_LIST = [loss for loss in LOSS_KINDS.values() if ACTIVATIONS[loss.output_activation].elementwise]
OPTIMIZER_LIST = list(OPTIMIZER_KINDS.values())


@pytest.mark.parametrize("loss", LOSS_LIST, ids=lambda loss: loss.name)
@pytest.mark.parametrize("target", [0.0, 1.0, 0.3])
def test_a_losss_delta_is_the_derivative_of_its_loss_through_the_sigmoid(loss: Loss, target: float) -> None:
    z = np.linspace(-6.0, 6.0, 25).reshape(-1, 1)
    y = np.full_like(z, target)
    h = 1e-6

    def per_element(at: np.ndarray) -> np.ndarray:
        return loss.samples(at, sigmoid(at), y)

    numerical = (per_element(z + h) - per_element(z - h)) / (2 * h)
    analytic = loss.delta(sigmoid(z), y)
    assert np.allclose(analytic, numerical, rtol=1e-6, atol=1e-9)


@settings(max_examples=100, deadline=None)
@given(
    loss=st.sampled_from(LOSS_LIST),
    z=st.floats(-40.0, 40.0, allow_nan=False),
    y=st.sampled_from([0.0, 1.0, 0.25]),
)
def test_a_losss_scalar_forms_are_its_vector_forms(loss: Loss, z: float, y: float) -> None:
    a = float(sigmoid(np.array([z]))[0])
    zs, as_, ys = np.array([[z]]), np.array([[a]]), np.array([[y]])
    assert loss.delta_scalar(a, y) == loss.delta(as_, ys)[0, 0]
    scalar = loss.scalar(z, a, y)
    assert scalar == pytest.approx(loss.samples(zs, as_, ys)[0, 0], rel=1e-12, abs=1e-300)
    # the batch form may subtract two nearly equal numbers (softplus(z) − y·z): equal up to |z|'s last digits
    assert scalar == pytest.approx(loss.batch(zs, as_, ys), rel=1e-12, abs=1e-15 * (1.0 + abs(z)))


@settings(max_examples=200, deadline=None)
@given(
    rule=st.sampled_from(OPTIMIZER_LIST),
    theta=st.floats(-5.0, 5.0),
    g=st.floats(-3.0, 3.0),
    first=st.floats(-2.0, 2.0),
    second=st.floats(0.0, 4.0),
    lr=st.sampled_from([0.01, 0.5, 3.0]),
    t=st.integers(1, 50),
)
def test_the_walks_numeric_update_lines_compute_what_the_update_computes(
    rule: Optimizer, theta: float, g: float, first: float, second: float, lr: float, t: int
) -> None:
    upd = rule.scalar(lr, theta, g, first, second, t)
    weight = Sym("w12", "w_{12}")
    before = {THETA: theta, n.ETA: lr, n.MEAN_GRADIENT: g, n.MOMENTUM: first, n.SQUARES: second}
    lines = rule.numeric_rule(weight, before, upd, t)
    assert lines[-1][0] == weight and lines[-1][3] == upd.new_value
    for lhs, symbolic, numbers, value, _ in lines:
        assert not has_symbols(numbers), text(numbers, NumberFormat(4))
        assert has_symbols(symbolic) and "θ" not in text(symbolic, NumberFormat(4))
        # evaluated from its own tree, the line gives the value the rule's code computed
        assert evaluate(numbers) == pytest.approx(value, rel=1e-9, abs=1e-12), (lhs, text(numbers, NumberFormat(6)))


@pytest.mark.parametrize("name", list(OPTIMIZER_KINDS))
def test_an_update_record_names_the_optimizer_that_wrote_it(name: str) -> None:
    stepper = build(Config(optimizer=name)).stepper
    step = stepper.step()
    while step.phase != "update":
        step = stepper.step()
    assert optimizer_of(step) is OPTIMIZER_KINDS[name]


@pytest.mark.parametrize("loss", LOSS_LIST, ids=lambda loss: loss.name)
def test_own_input_refuses_targets_outside_what_the_loss_is_a_loss_for(loss: Loss) -> None:
    message = check_input([0.0, 1.0], [1.5], 2, 1, loss.name)
    if loss.target_range is None:
        assert message is None
    else:
        assert message == f"the target 1.5 is refused: {loss.target_rule}"
