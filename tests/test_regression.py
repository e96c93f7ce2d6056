"""Regression: a linear output with MSE or MAE, networks with one input, R², written out here in plain
NumPy (a test must not check the registry against itself) and compared with the engine."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_nn.engine.nn.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from tui_nn.engine.nn.gradcheck import EPSILON, TOLERANCE, check, parameter_names
from tui_nn.engine.nn.losses import LOSS_KINDS, LOSS_PAIRS, loss_kind
from tui_nn.engine.nn.network import InitSpec, Network
from tui_nn.engine.nn.tasks import TASKS, r_squared

SMOOTH_HIDDEN = [name for name in HIDDEN_ACTIVATIONS if not ACTIVATIONS[name].kinked]
PLAIN_HIDDEN = {
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "softplus": lambda z: np.log1p(np.exp(z)),
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0.0))),
}


def regression_net(sizes: tuple[int, ...], hidden: str = "tanh", loss: str = "mse", seed: int = 3) -> Network:
    net = Network(sizes, hidden, loss, "linear")
    net.initialise(InitSpec("normal", 0.8), seed)
    net.params[:] += np.random.RandomState(seed + 1).normal(0.0, 0.3, net.n_params)  # biases away from 0 too
    return net


def plain_forward(net: Network, x: np.ndarray, hidden: str) -> np.ndarray:
    """The tutorials' MLP: a = g(a @ W + b) through the hidden layers, ŷ = a @ W + b at the linear output."""
    a = x
    for l in range(net.n_layers):
        w = net.params[net.offsets[l] : net.offsets[l] + net.sizes[l] * net.sizes[l + 1]].reshape(net.sizes[l], net.sizes[l + 1])
        b = net.params[net.bias_index(l, 0) : net.bias_index(l, 0) + net.sizes[l + 1]]
        z = a @ w + b
        a = z if l == net.n_layers - 1 else PLAIN_HIDDEN[hidden](z)
    return a


# --- the objects -----------------------------------------------------------------------------------


def test_the_linear_activation_is_the_identity_offered_only_at_the_output() -> None:
    linear = ACTIVATIONS["linear"]
    z = np.array([-3.5, -0.0, 0.0, 2.25, 1e300])
    assert np.array_equal(linear.vector(z), z) and linear.output_only and linear.elementwise
    assert "linear" not in HIDDEN_ACTIVATIONS
    assert linear.scalar(-1.75) == -1.75 and linear.derivative_scalar(4.0, 4.0) == 1.0
    assert np.array_equal(linear.derivative_vector(z, z), np.ones_like(z)) and linear.slope_bound == 1.0


def test_each_loss_name_keeps_its_object_and_a_pair_finds_the_regression_one() -> None:
    assert loss_kind("mse", "sigmoid") is LOSS_KINDS["mse"]
    assert loss_kind("bce", "sigmoid") is LOSS_KINDS["bce"] and loss_kind("ce", "softmax") is LOSS_KINDS["ce"]
    for name in ("mse", "mae"):
        kind = loss_kind(name, "linear")
        assert kind.output_activation == "linear" and kind.regression and not kind.bounded
        assert kind.torch is not None and kind.numpy_delta("A2", "Y") in ("A2 - Y", "np.sign(A2 - Y)")
    assert loss_kind("mse", "linear").numpy_delta("A2", "Y") == "A2 - Y"  # the tutorials' dZ2 = A2 - Y
    assert loss_kind("mse", "linear").torch.function == "F.mse_loss" and loss_kind("mse", "linear").torch.halves
    assert loss_kind("mae", "linear").torch.function == "F.l1_loss"
    assert "no ½" in loss_kind("mse", "linear").card("")[1] and "twice" in loss_kind("mse", "linear").card("")[1]
    assert "0" in loss_kind("mae", "linear").card("")[3]  # the subgradient at ŷ = y is stated
    with pytest.raises(KeyError, match="mae"):
        loss_kind("mae", "sigmoid")
    assert len({id(kind) for kind in LOSS_PAIRS.values()}) == len(LOSS_PAIRS)


def test_a_network_takes_a_loss_only_on_an_output_it_is_defined_on() -> None:
    assert Network((1, 4, 1), "tanh", "mse", "linear").loss_kind is loss_kind("mse", "linear")
    assert Network((2, 3, 1), "tanh", "mae").output_activation == "linear"  # mae means a linear output on its own
    assert Network((2, 2, 1), "sigmoid", "mse").loss_kind is LOSS_KINDS["mse"]  # unchanged: a sigmoid's
    for loss, output in (("bce", "linear"), ("ce", "linear"), ("mae", "sigmoid")):
        with pytest.raises(ValueError, match=f"the {loss} loss is defined on"):
            Network((1, 4, 1), "tanh", loss, output)


@pytest.mark.parametrize("loss", ["mse", "mae"])
def test_the_regression_losses_and_deltas_are_their_definitions(loss: str) -> None:
    rng = np.random.RandomState(5)
    y_hat, y = rng.normal(0, 2, (9, 1)), rng.normal(0, 2, (9, 1))
    y_hat[3] = y[3]  # one sample exactly on its target: MAE's subgradient 0
    kind = loss_kind(loss, "linear")
    if loss == "mse":
        expected = 0.5 * np.mean((y_hat - y) ** 2)  # seed 002: L = 1/(2m)·Σ(ŷ − y)²
        expected_delta = y_hat - y
    else:
        expected = np.mean(np.abs(y_hat - y))
        expected_delta = np.where(y_hat > y, 1.0, np.where(y_hat < y, -1.0, 0.0))
    assert kind.batch(y_hat, y_hat, y) == pytest.approx(expected, rel=1e-15)
    assert np.array_equal(kind.delta(y_hat, y), expected_delta)
    for i in range(9):
        a, t = float(y_hat[i, 0]), float(y[i, 0])
        assert kind.scalar(a, a, t) == pytest.approx(float(kind.samples(y_hat, y_hat, y)[i, 0]), rel=1e-15)
        assert kind.delta_scalar(a, t) == expected_delta[i, 0]
    median = np.median(y)
    chance = 0.5 * np.mean((y - y.mean()) ** 2) if loss == "mse" else np.mean(np.abs(y - median))
    assert kind.chance(y) == pytest.approx(chance, rel=1e-14)
    assert kind.reference(1, y) == kind.chance(y)  # a regression that knows nothing predicts the best constant


@pytest.mark.parametrize("hidden", list(PLAIN_HIDDEN))
@pytest.mark.parametrize("sizes", [(1, 16, 1), (2, 8, 1), (1, 5, 3, 1)])
def test_the_forward_pass_is_the_plain_numpy_mlp(hidden: str, sizes: tuple[int, ...]) -> None:
    net = regression_net(sizes, hidden)
    x = np.random.RandomState(1).uniform(-math.pi, math.pi, (25, sizes[0]))
    assert np.allclose(net.predict(x), plain_forward(net, x, hidden), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("loss", ["mse", "mae"])
def test_the_batch_loss_is_the_loss_of_the_plain_forward_pass(loss: str) -> None:
    net = regression_net((1, 16, 1), "tanh", loss)
    x = np.linspace(-math.pi, math.pi, 40).reshape(-1, 1)
    y = np.sin(x)
    y_hat = plain_forward(net, x, "tanh")
    expected = 0.5 * np.mean((y_hat - y) ** 2) if loss == "mse" else np.mean(np.abs(y_hat - y))
    assert net.loss_value(x, y) == pytest.approx(expected, rel=1e-13)


@settings(max_examples=40, deadline=None)
@given(
    inputs=st.sampled_from([1, 2]),
    hidden=st.lists(st.integers(1, 6), min_size=1, max_size=2),
    activation=st.sampled_from(SMOOTH_HIDDEN),
    loss=st.sampled_from(["mse", "mae"]),
    seed=st.integers(0, 10_000),
    samples=st.integers(2, 12),
)
def test_regression_gradients_equal_central_differences(
    inputs: int, hidden: list[int], activation: str, loss: str, seed: int, samples: int
) -> None:
    net = regression_net((inputs, *hidden, 1), activation, loss, seed)
    rng = np.random.RandomState(seed)
    x = rng.uniform(-2.0, 2.0, (samples, inputs))
    y = rng.normal(0.0, 1.0, (samples, 1))
    result = check(net, x, y, parameter_names(net))
    assert result.passed, max(result.checked, key=lambda c: c.relative_error)
    if loss == "mse":
        assert not result.kinks  # nothing to excuse with a smooth hidden layer and a smooth loss


def test_mae_gradcheck_leaves_out_only_a_parameter_whose_step_crosses_a_target() -> None:
    net = regression_net((1, 3, 1), "tanh", "mae")
    x = np.array([[-1.0], [0.5], [2.0]])
    y = net.predict(x).copy()
    y[0] += 1.0
    y[2] -= 1.0
    y[1] += 0.1 * EPSILON  # sample 2's ŷ sits within ε·(its slope) of its target: the output bias crosses it
    result = check(net, x, y, parameter_names(net))
    output_bias = net.bias_index(net.n_layers - 1, 0)
    assert output_bias in {c.index for c in result.kinks}
    assert result.passed and result.max_relative_error < TOLERANCE
    far = y.copy()
    far[1] += 1.0  # every ŷ far from its target: no kink left to excuse
    assert not check(net, x, far, parameter_names(net)).kinks


# --- the task and its score --------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 30), columns=st.integers(1, 2))
def test_r_squared_is_one_minus_the_residual_over_the_total_sum_of_squares(seed: int, n: int, columns: int) -> None:
    rng = np.random.RandomState(seed)
    y = rng.normal(0, 3, (n, columns))
    y_hat = y + rng.normal(0, 1, (n, columns))
    ss_res = sum((y_hat[i, k] - y[i, k]) ** 2 for i in range(n) for k in range(columns))
    means = [sum(y[i, k] for i in range(n)) / n for k in range(columns)]
    ss_tot = sum((y[i, k] - means[k]) ** 2 for i in range(n) for k in range(columns))
    assert r_squared(y_hat, y) == pytest.approx(1.0 - ss_res / ss_tot, rel=1e-12, abs=1e-12)
    assert r_squared(y, y) == 1.0
    assert r_squared(np.broadcast_to(y.mean(axis=0), y.shape), y) == pytest.approx(0.0, abs=1e-12)


def test_r_squared_is_not_a_number_where_the_targets_do_not_vary() -> None:
    assert math.isnan(r_squared(np.array([[1.0], [2.0]]), np.array([[3.0], [3.0]])))


def test_the_tasks_name_their_score_and_the_output_a_loss_needs() -> None:
    classify, regress = TASKS["classify"], TASKS["regress"]
    assert (classify.score_title, regress.score_title) == ("accuracy", "R²")
    assert classify.score_text(0.75) == "75 %" and regress.score_text(0.98234) == "R² 0.982"
    assert regress.output_activation("mse") == "linear" and regress.output_activation("mae") == "linear"
    assert classify.output_activation("mse") == "sigmoid" and classify.output_activation("ce") == "softmax"
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    assert classify.score(np.array([[0.2], [0.7], [0.4], [0.1]]), y) == 0.75
    assert regress.score(y, y) == 1.0
