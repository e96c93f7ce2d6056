"""Regression: a linear output with MSE or MAE, networks with one input, R², written out here in plain
NumPy (a test must not check the registry against itself) and compared with the engine."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tui_nn.engine.nn.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from tui_nn.engine.nn.gradcheck import EPSILON, TOLERANCE, check, parameter_names
from tui_nn.engine.nn.losses import LOSS_KINDS, LOSS_PAIRS, Loss, loss_kind
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


# --- the training kernel -----------------------------------------------------------------------------


def seed_002_loop(x: np.ndarray, y: np.ndarray, hidden: int, lr: float, epochs: int, seed: int):
    """The seeds' regression loop in plain NumPy: tanh hidden layer, linear output, L = 1/(2m)·Σ(ŷ − y)²,
    full batch, weights drawn as the engine's xavier does (randn · √(1/n_in), layer by layer, biases 0)."""
    rng = np.random.RandomState(seed)
    W1 = rng.randn(x.shape[1], hidden) * np.sqrt(1.0 / x.shape[1])
    W2 = rng.randn(hidden, 1) * np.sqrt(1.0 / hidden)
    b1, b2 = np.zeros((1, hidden)), np.zeros((1, 1))
    m = x.shape[0]
    losses = []
    for _ in range(epochs):
        A1 = np.tanh(x @ W1 + b1)
        A2 = A1 @ W2 + b2  # linear output: no activation
        losses.append(float(np.sum((A2 - y) ** 2) / (2 * m)))
        dZ2 = A2 - y
        dW2, db2 = A1.T @ dZ2 / m, np.sum(dZ2, axis=0, keepdims=True) / m
        dZ1 = (dZ2 @ W2.T) * (1 - A1**2)
        dW1, db1 = x.T @ dZ1 / m, np.sum(dZ1, axis=0, keepdims=True) / m
        W1 -= lr * dW1
        b1 -= lr * db1
        W2 -= lr * dW2
        b2 -= lr * db2
    return losses, (W1, b1, W2, b2)


def test_train_on_sine_matches_the_plain_numpy_regression_loop() -> None:
    from tui_nn.engine.nn.datasets import load
    from tui_nn.engine.nn.training import Trainer

    data = load("sine")
    net = Network((1, 16, 1), "tanh", "mse", "linear")
    net.initialise(InitSpec("xavier"), 1)
    trainer = Trainer(net, data, "sgd", 0.1)
    epochs = 1500
    result = trainer.run(epochs)
    assert result.epochs == epochs and result.stopped is None
    losses, (W1, b1, W2, b2) = seed_002_loop(data.x, data.y, 16, 0.1, epochs, 1)
    np.testing.assert_allclose(trainer.history.rows()[:, 1], losses, rtol=1e-12, atol=0)
    for got, expected in ((net.weights(0), W1), (net.biases(0), b1[0]), (net.weights(1), W2), (net.biases(1), b2[0])):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    r2 = trainer.history.rows()[:, 2]
    final = plain_forward(net, data.x, "tanh")
    assert trainer.evaluate()[1] == pytest.approx(r_squared(final, data.y), rel=1e-12)
    assert r2[-1] > 0.9 and r2[0] < r2[-1]


def _regression_data(inputs: int, rows: int, seed: int):
    from tui_nn.engine.nn.datasets import Dataset

    rng = np.random.RandomState(seed)
    x = rng.uniform(-2, 2, (rows, inputs))
    return Dataset("random", x, np.sin(x.sum(axis=1, keepdims=True)) + rng.normal(0, 0.1, (rows, 1)), task="regress")


@settings(max_examples=40, deadline=None)
@given(
    inputs=st.sampled_from([1, 2]),
    hidden=st.lists(st.integers(1, 5), min_size=1, max_size=2),
    activation=st.sampled_from(HIDDEN_ACTIVATIONS),
    loss=st.sampled_from(["mse", "mae"]),
    optimizer=st.sampled_from(["sgd", "momentum", "adam"]),
    seed=st.integers(0, 10_000),
    rows=st.integers(2, 6),
    batch=st.sampled_from([None, 1, 2]),
    l2=st.sampled_from([0.0, 0.01]),
    lr=st.floats(0.01, 0.5),
)
def test_the_walk_and_the_kernel_land_on_the_same_weights_for_a_regression_net(
    inputs, hidden, activation, loss, optimizer, seed, rows, batch, l2, lr
) -> None:
    from tui_nn.engine.nn.training import Trainer
    from tui_nn.engine.walk.stepper import Stepper

    data = _regression_data(inputs, rows, seed)
    walked = Network((inputs, *hidden, 1), activation, loss, "linear", l2=l2)
    walked.initialise(InitSpec("normal", 0.8), seed)
    vectorised = walked.copy()
    stepper = Stepper(walked, data, optimizer, lr, batch=batch, seed=seed)
    trainer = Trainer(vectorised, data, optimizer, lr, batch=batch, seed=seed)
    while stepper.epoch < 2:  # a pass is one mini-batch (or the whole set)
        stepper.finish_pass()
    ran = trainer.run(2)
    # a step of 0.5 on a 0.8-scale start can overflow within two epochs: where it does, which non-finite value
    # (inf or NaN) each path reaches is the CPU's, not the contract (that the finite runs agree); and where the
    # loss explodes the kernel stops (and says why) while a walk goes wherever the learner steps it
    assume(ran.stopped is None)
    walked_rows, kernel_rows = stepper.history.rows()[:2, :3], trainer.history.rows()[:, :3]
    assume(all(np.isfinite(a).all() for a in (walked.params, vectorised.params, walked_rows, kernel_rows)))
    np.testing.assert_allclose(walked.params, vectorised.params, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(walked_rows, kernel_rows, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("loss", ["mse", "mae"])
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("batch", [None, 16])
def test_the_kernel_matches_plain_backprop_with_every_optimizer_l2_and_validation(loss: str, optimizer: str, batch) -> None:
    from tui_nn.engine.nn import optimizers
    from tui_nn.engine.nn.datasets import load, validation_split
    from tui_nn.engine.nn.training import Trainer

    split = validation_split(load("sine"), 0.25)
    data, held = split.training, split.validation
    net = Network((1, 8, 1), "tanh", loss, "linear", l2=0.001)
    net.initialise(InitSpec("xavier"), 4)
    reference = net.copy()
    trainer = Trainer(net, data, optimizer, 0.05, batch=batch, seed=9, validation=held)
    epochs = 30
    trainer.run(epochs)
    state = optimizers.new_state(optimizer, reference.n_params)
    scratch = np.empty(reference.n_params)
    rows = trainer.history.rows()
    for epoch in range(epochs):
        value, _, _, acts = reference.loss_and_gradient(data.x, data.y)
        assert rows[epoch, 1] == pytest.approx(value, rel=1e-12)
        assert rows[epoch, 2] == pytest.approx(r_squared(acts[-1], data.y), rel=1e-12, abs=1e-12)
        assert rows[epoch, 4] == pytest.approx(reference.data_loss_value(held.x, held.y), rel=1e-12)
        assert rows[epoch, 5] == pytest.approx(r_squared(reference.predict(held.x), held.y), rel=1e-12, abs=1e-12)
        for batch_rows in trainer.batches(epoch):
            _, gradient, _, _ = reference.loss_and_gradient(data.x[batch_rows], data.y[batch_rows])
            optimizers.apply(optimizer, 0.05, reference.params, gradient, state, scratch)
    np.testing.assert_allclose(net.params, reference.params, rtol=1e-10, atol=1e-13)


# --- the data --------------------------------------------------------------------------------------


def test_sine_and_saddle_are_seeded_regressions_of_their_formulas() -> None:
    from tui_nn.engine.nn.datasets import load

    sine, saddle = load("sine"), load("saddle")
    assert sine.task == saddle.task == "regress" and sine.task_kind is TASKS["regress"]
    assert sine.x.shape == (sine.size, 1) and sine.y.shape == (sine.size, 1) and 16 <= sine.size <= 200
    assert np.all(np.abs(sine.x) <= math.pi) and np.all(np.diff(sine.x[:, 0]) >= 0)
    noise = sine.y[:, 0] - np.sin(sine.x[:, 0])
    assert 0.0 < np.std(noise) < 0.2 and abs(np.mean(noise)) < 0.05  # a little noise, no bias
    assert np.array_equal(load("sine").y, sine.y), "seeded: the same points every time"
    assert saddle.x.shape == (saddle.size, 2) and np.array_equal(saddle.y[:, 0], saddle.x[:, 0] * saddle.x[:, 1])
    assert len(np.unique(saddle.x[:, 0])) ** 2 == saddle.size  # a grid


def test_the_problem_defaults_build_the_contracts_networks() -> None:
    from tui_nn.engine.session.build import build
    from tui_nn.engine.session.config import defaults_for

    sine, saddle = build(defaults_for("sine")), build(defaults_for("saddle"))
    assert sine.net.sizes == (1, 16, 1) and saddle.net.sizes == (2, 8, 1)
    for session in (sine, saddle):
        assert session.net.hidden_activation == "tanh" and session.net.loss_kind is loss_kind("mse", "linear")


@pytest.mark.parametrize(
    ("text", "task", "inputs"),
    [
        ("x,y\n0.5,1.25\n-1,0.3\n2,2\n", None, 1),  # two columns: a 1-D regression
        ("0,0,0.5\n1,1,1\n2,2,0\n", None, 2),  # a target that is not a whole number: a 2-D regression
        ("0,0,0\n1,1,1\n2,2,3\n", "regress", 2),  # whole numbers, regressed when asked
    ],
)
def test_a_csv_is_a_regression_by_its_shape_or_its_targets_or_when_asked(text: str, task: str | None, inputs: int) -> None:
    from tui_nn.engine.nn.datasets import parse_csv

    data = parse_csv(text, "d.csv", 500, task)
    assert data.task == "regress" and data.x.shape[1] == inputs and data.y.shape == (data.size, 1)
    assert np.array_equal(data.y[:, 0], [float(line.split(",")[-1]) for line in text.splitlines() if line[0] != "x"])


def test_a_csv_of_whole_numbers_stays_a_classification() -> None:
    from tui_nn.engine.nn.datasets import parse_csv

    assert parse_csv("0,0,0\n1,1,1\n2,2,1\n", "d.csv", 500).task == "classify"


def _csv(folder, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _refused(capsys, *words: str) -> str:
    from .cli_helpers import one_error_line, run

    code, out, err = run(capsys, *words)
    assert code == 2 and out == "", (code, out, err)
    return one_error_line(err)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("0.1,0.5\n0.2,nan\n", "row 2, column 2: 'nan' is not a finite number"),
        ("0.1,0.5\n0.2,inf\n0.3,1\n", "row 2, column 2: 'inf' is not a finite number"),
        ("0.1,0.5\n0.2,high\n", "row 2, column 2: 'high' is not a number"),
        ("0,0,0.5\n1,1,-inf\n", "row 2, column 3: '-inf' is not a finite number"),
        ("x,y\n0.1,0.5\n", "row 2: one point: a regression needs at least two"),
        ("0.1,0.5\n0.2,0.5\n", "column 2: every target is 0.5; a regression needs targets that vary"),
    ],
    ids=["nan", "inf", "text", "2-D inf", "one point", "constant"],
)
def test_a_bad_regression_csv_is_refused_in_one_line_naming_row_and_column(capsys, tmp_path, rows: str, message: str) -> None:
    path = _csv(tmp_path, "curve.csv", rows)
    assert f"{path}" in _refused(capsys, "train", "--data", path) and message in _refused(capsys, "train", "--data", path)


def test_classifying_a_one_feature_csv_is_refused_naming_the_flag(capsys, tmp_path) -> None:
    path = _csv(tmp_path, "curve.csv", "0.1,0\n0.2,1\n0.3,0\n")
    line = _refused(capsys, "train", "--data", path, "--task", "classify")
    assert "--task classify" in line and "2 columns (x, y)" in line and "needs two features" in line


def test_classifying_real_valued_targets_is_refused_naming_row_and_column(capsys, tmp_path) -> None:
    path = _csv(tmp_path, "d.csv", "0,0,0\n1,1,0.5\n2,2,1\n")
    assert "row 2, column 3: a label is a class number" in _refused(capsys, "train", "--data", path, "--task", "classify")


@pytest.mark.parametrize(
    ("words", "flag"),
    [
        (("train", "xor", "--loss", "mae"), "--loss mae: mean absolute error is not a loss for classification"),
        (("train", "circle", "--loss", "mae"), "--loss mae"),
        (("train", "sine", "--loss", "bce"), "--loss bce: binary cross-entropy is not a loss for regression"),
        (("train", "saddle", "--loss", "ce"), "--loss ce: cross-entropy is not a loss for regression"),
        (("gradcheck", "sine", "--loss", "bce"), "--loss bce"),
        (("train", "xor", "--task", "regress"), "--task regress: xor is a classification"),
        (("train", "sine", "--task", "classify"), "--task classify: sine is a regression"),
    ],
)
def test_a_loss_or_task_of_the_other_kind_is_refused_naming_the_flag(capsys, words: tuple[str, ...], flag: str) -> None:
    assert flag in _refused(capsys, *words)


def test_a_weights_file_whose_input_count_differs_from_the_data_is_refused(capsys, tmp_path) -> None:
    from .cli_helpers import run

    saved = str(tmp_path / "sine.json")
    code, _, _ = run(capsys, "train", "sine", "--epochs", "5", "--save", saved)
    assert code == 0
    line = _refused(capsys, "train", "saddle", "--weights", saved)
    assert "sine.json" in line and "1 input(s)" in line and "saddle has 2" in line
    assert "--loss bce needs a sigmoid output" in _refused(capsys, "train", "xor", "--weights", saved)


# --- the command line and the files --------------------------------------------------------------------


def test_train_sine_prints_loss_and_r_squared_and_the_fit(capsys) -> None:
    from tui_nn.engine.nn.datasets import load

    from .cli_helpers import run

    code, out, err = run(capsys, "train", "sine", "--epochs", "300", "--every", "100")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("training sine: 1-16-1 tanh/linear, mse")
    assert "accuracy" not in out and "class" not in out
    summary = next(line for line in lines if line.startswith("after 300 epochs"))
    assert " R² " in summary
    assert "input" in out and "target" in out and "prediction" in out and "error" in out
    # the printed rows are the data's, with error = prediction − target
    table = lines[lines.index(next(line for line in lines if line.startswith("input"))) + 1 :]
    first = [cell.strip() for cell in table[0].split("|")]
    target, predicted, error = (float(cell.replace("−", "-")) for cell in first[1:])
    assert target == pytest.approx(float(load("sine").y[0, 0]), abs=1e-4)
    assert error == pytest.approx(predicted - target, abs=2e-4)


def test_train_sine_json_lines_carry_the_loss_and_r_squared(capsys) -> None:
    import json

    from tui_nn.engine.nn.datasets import load

    from .cli_helpers import run

    code, out, _ = run(capsys, "train", "sine", "--epochs", "3", "--json", "--val", "0.25")
    assert code == 0
    *epochs, summary = (json.loads(line) for line in out.splitlines())
    assert all({"loss", "r2", "val_loss", "val_r2"} <= set(row) and "accuracy" not in row for row in epochs)
    assert "r2" in summary and "r2" in summary["validation"]
    first = summary["predictions"][0]
    assert first["error"][0] == pytest.approx(first["predicted"][0] - first["target"][0], rel=1e-15)
    assert len(summary["predictions"]) == round(load("sine").size * 0.75)


@pytest.mark.parametrize("problem", ["sine", "saddle"])
@pytest.mark.parametrize("loss", ["mse", "mae"])
def test_gradcheck_passes_on_the_regression_problems(capsys, problem: str, loss: str) -> None:
    from .cli_helpers import run

    code, out, _ = run(capsys, "gradcheck", problem, "--loss", loss)
    assert code == 0 and "PASS" in out


@pytest.mark.parametrize("loss", ["mse", "mae"])
def test_a_regression_network_file_says_linear_and_its_loss_and_loads_back(tmp_path, loss: str) -> None:
    import json

    from tui_nn.engine.session import persist

    net = regression_net((1, 5, 1), "tanh", loss)
    path = persist.save(tmp_path / "net.json", net)
    document = json.loads(path.read_text())
    assert document["layers"] == [1, 5, 1] and document["activations"] == ["tanh", "linear"] and document["loss"] == loss
    loaded = persist.load(path).build("sigmoid", "mse", TASKS["regress"])  # the file's names win over the defaults
    assert loaded.loss_kind is loss_kind(loss, "linear") and np.array_equal(loaded.params, net.params)


def test_an_npz_of_a_regression_net_takes_the_linear_output_the_data_implies(tmp_path) -> None:
    from tui_nn.engine.session import persist

    net = regression_net((1, 4, 1))
    arrays = {f"{kind}{l + 1}": array for l in range(2) for kind, array in (("W", net.weights(l)), ("b", net.biases(l)))}
    np.savez(tmp_path / "net.npz", **arrays)
    loaded = persist.load(tmp_path / "net.npz").build("tanh", "mse", TASKS["regress"])
    assert loaded.output_activation == "linear" and np.array_equal(loaded.params, net.params)


# --- the diagnoses ---------------------------------------------------------------------------------


def test_a_diverging_regression_is_diagnosed_in_its_own_terms() -> None:
    from tui_nn.engine.live.reason_words import describe
    from tui_nn.engine.live.reasons import Diverged
    from tui_nn.engine.nn.datasets import load
    from tui_nn.engine.nn.training import Trainer, explosion_limit

    data = load("sine")
    net = Network((1, 16, 1), "tanh", "mse", "linear")
    net.initialise(InitSpec("xavier"), 1)
    trainer = Trainer(net, data, "sgd", 2.0)
    result = trainer.run(100)
    assert isinstance(result.stopped, Diverged) and result.stopped.cause == "loss_exploded" and result.stopped.regression
    chance = 0.5 * np.var(data.y)
    assert explosion_limit(net.loss_kind, 1, 0.0, data.y) == pytest.approx(100 * chance)  # the mean's loss, not ln 2
    exploded = Diverged(5, "loss_exploded", 2.0, 0.2, largest=3.0, loss=50.0, start=chance, factor=100.0, regression=True)
    words = describe(exploded, "flags")
    assert "predicting the targets' mean" in words and "½" not in words and "class" not in words


def test_a_regression_stuck_at_the_mean_is_diagnosed_in_its_own_terms(capsys) -> None:
    from .cli_helpers import run

    code, out, _ = run(capsys, "train", "sine", "--init", "zeros", "--epochs", "1300", "--every", "5000")
    assert code == 0  # a stuck run goes on: its diagnosis is a line of the log
    stuck = next(line for line in out.splitlines() if "stuck:" in line)
    assert "R² 0.000" in stuck and "no better than predicting the targets' mean" in stuck
    assert "accuracy" not in stuck and "class" not in stuck


@pytest.mark.parametrize(
    ("rows", "config"),
    [
        ([[-1.0, 0.2], [0.0, 0.9], [1.5, -0.4]], {"data": "curve.csv", "loss": "mse"}),  # a 1-D regression's (x, y)
        ([[0, 0, 0], [1, 1, 1], [2, 2, 3]], {"data": "d.csv", "loss": "mae", "task": "regress"}),  # whole numbers, regressed
    ],
)
def test_a_session_file_replays_a_regression_from_its_stored_rows(capsys, tmp_path, rows, config) -> None:
    import json

    from tui_nn.engine.session import replay

    from .cli_helpers import run

    name = config["data"]
    stored = {name: {"name": name.removesuffix(".csv"), "source": None, "sha256": None, "rows": rows}}
    actions = [{"action": "train", "epochs": 20}]
    path = tmp_path / "session.json"
    path.write_text(json.dumps({"format": replay.FORMAT, "config": config, "actions": actions, "data": stored}))
    code, out, err = run(capsys, "replay", str(path), "--check", "--json")
    assert code == 0, err
    assert json.loads(out)["epoch"] == 20
    recording = replay.load(path)
    data = recording.data[name]
    assert data.task == "regress" and data.x.shape == (3, len(rows[0]) - 1)


@pytest.mark.parametrize("problem", ["sine", "saddle"])
def test_the_closing_table_keeps_its_columns_for_one_input_and_two(problem: str, capsys: pytest.CaptureFixture[str]) -> None:
    """saddle's "(−0.6000, −0.2000)" overflowed a column sized for one input and pushed its row's bars right."""
    from .cli_helpers import run

    code, out, _ = run(capsys, "train", problem, "--epochs", "10")
    lines = out.splitlines()
    table = lines[next(k for k, line in enumerate(lines) if line.startswith("input")) :]
    rows = [line for line in table if "|" in line]
    assert code == 0 and len(rows) > 10
    assert len({tuple(k for k, ch in enumerate(row) if ch == "|") for row in rows}) == 1, "\n".join(rows)


@pytest.mark.parametrize("loss", list(LOSS_PAIRS.values()), ids=lambda loss: f"{loss.name}-{loss.output_activation}")
def test_the_name_the_chart_gives_a_loss_says_its_number(loss: Loss) -> None:
    """The chart names the squared error ½·MSE: its number is ½·mean (ŷ − y)², half what nn.MSELoss (and "MSE")
    means; MAE is mean |ŷ − y|."""
    rng = np.random.default_rng(3)
    z = rng.normal(size=(9, 1))
    a = z if loss.regression else 1.0 / (1.0 + np.exp(-z))
    y = rng.uniform(0.0, 1.0, size=(9, 1)) if not loss.regression else rng.normal(size=(9, 1))
    value = loss.batch(z, a, y)
    if "MSE" in loss.measure:
        assert loss.measure == "½·MSE"
        assert value == pytest.approx(0.5 * np.mean((a - y) ** 2), rel=1e-12)
    elif loss.measure == "MAE":
        assert value == pytest.approx(np.mean(np.abs(a - y)), rel=1e-12)
    else:
        assert loss.measure == "loss" and not loss.regression
