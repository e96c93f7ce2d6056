"""K classes: the softmax output and categorical cross-entropy, against plain NumPy written here."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.reference import cs231n_spiral, cs231n_train
from tui_nn.engine.live.diagnostics import diagnose
from tui_nn.engine.live.reasons import Diverged
from tui_nn.engine.nn import optimizers
from tui_nn.engine.nn.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS, log_softmax, softmax
from tui_nn.engine.nn.datasets import DATA_SEED, Dataset, load
from tui_nn.engine.nn.gradcheck import check, parameter_names
from tui_nn.engine.nn.losses import LOSS_KINDS, SIGMOID_LOSSES, batch_loss
from tui_nn.engine.nn.network import InitSpec, Network
from tui_nn.engine.nn.optimizers import OPTIMIZERS
from tui_nn.engine.nn.training import EXPLOSION_FACTOR, Trainer, explosion_limit
from tui_nn.engine.session import actions as act
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import defaults_for
from tui_nn.engine.session.controller import Controller
from tui_nn.engine.session.persist import save
from tui_nn.engine.session.replay import _data_from_json, _data_to_json

from .cli_helpers import one_error_line, run

SMOOTH_HIDDEN = [name for name in HIDDEN_ACTIVATIONS if not ACTIVATIONS[name].kinked]


def plain_softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def plain_forward(x: np.ndarray, weights: list[np.ndarray], biases: list[np.ndarray], hidden: str) -> np.ndarray:
    """The tutorials' MLP: hidden layers of `hidden`, a softmax on top."""
    g = {"relu": lambda z: np.maximum(0, z), "tanh": np.tanh, "sigmoid": lambda z: 1 / (1 + np.exp(-z))}[hidden]
    a = x
    for w, b in zip(weights[:-1], biases[:-1], strict=True):
        a = g(a @ w + b)
    return plain_softmax(a @ weights[-1] + biases[-1])


def one_hot(labels: np.ndarray, k: int) -> np.ndarray:
    return np.eye(k)[labels]


def random_problem(seed: int, rows: int, k: int) -> Dataset:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, k, rows)
    return Dataset("random", rng.uniform(-1, 1, (rows, 2)), one_hot(labels, k))


def test_softmax_is_registered_for_the_output_only() -> None:
    assert "softmax" in ACTIVATIONS and "softmax" in OUTPUT_ACTIVATIONS
    assert "softmax" not in HIDDEN_ACTIVATIONS
    assert LOSS_KINDS["ce"].output_activation == "softmax" and LOSS_KINDS["ce"].cancels_output_slope
    assert "ce" not in SIGMOID_LOSSES


@pytest.mark.parametrize("hidden", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("sizes", [(2, 5, 3), (2, 4, 3, 4), (2, 6)])
def test_forward_equals_a_plain_numpy_softmax_mlp(sizes: tuple[int, ...], hidden: str) -> None:
    net = Network(sizes, hidden, "ce")
    net.initialise(InitSpec("normal", 1.0), 3)
    x = np.random.default_rng(1).uniform(-2, 2, (17, 2))
    weights = [net.weights(l).copy() for l in range(net.n_layers)]
    biases = [net.biases(l).copy() + 0.1 * (l + 1) for l in range(net.n_layers)]
    for l, b in enumerate(biases):
        net.biases(l)[:] = b
    probabilities = net.predict(x)
    np.testing.assert_allclose(probabilities, plain_forward(x, weights, biases, hidden), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-15)


def test_cross_entropy_is_minus_the_mean_log_probability_of_the_true_class() -> None:
    data = random_problem(4, 23, 4)
    net = Network((2, 7, 4), "tanh", "ce")
    net.initialise(InitSpec("normal", 1.5), 2)
    probabilities = net.predict(data.x)
    expected = -np.mean(np.log(probabilities[np.arange(data.size), data.class_index]))
    assert net.loss_value(data.x, data.y) == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize("logit", [1000.0, -1000.0, 1e300, -1e300])
def test_softmax_and_cross_entropy_do_not_overflow_for_huge_logits(logit: float) -> None:
    z = np.array([[logit, 0.0, -logit], [0.0, logit, 1.0]])
    y = one_hot(np.array([0, 2]), 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = softmax(z)
        lp = log_softmax(z)
        loss = batch_loss("ce", z, p, y)
    assert np.isfinite(p).all() and np.isfinite(lp).all() and np.isfinite(loss)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    # per row: ln Σ e^z − z_y, the log-sum-exp written out in Python floats around the row's largest z
    expected_rows = []
    for row, label in zip(z.tolist(), (0, 2), strict=True):
        top = max(row)
        expected_rows.append(top + math.log(sum(math.exp(v - top) for v in row)) - row[label])
    assert loss == pytest.approx(np.mean(expected_rows), rel=1e-12)


def test_the_binary_loss_on_a_softmax_and_cross_entropy_on_one_unit_are_refused() -> None:
    with pytest.raises(ValueError, match="bce loss is defined on a sigmoid output"):
        Network((2, 3, 3), "relu", "bce", "softmax")
    with pytest.raises(ValueError, match="softmax output needs at least 2 units"):
        Network((2, 3, 1), "relu", "ce")


@settings(max_examples=40, deadline=None)
@given(
    hidden=st.lists(st.integers(1, 5), min_size=0, max_size=2),
    k=st.integers(2, 6),
    activation=st.sampled_from(SMOOTH_HIDDEN),
    seed=st.integers(0, 10_000),
    rows=st.integers(1, 8),
    scale=st.floats(0.1, 2.0),
)
def test_softmax_gradient_matches_central_differences(
    hidden: list[int], k: int, activation: str, seed: int, rows: int, scale: float
) -> None:
    data = random_problem(seed, rows, k)
    net = Network((2, *hidden, k), activation, "ce")
    net.initialise(InitSpec("normal", scale), seed)
    result = check(net, data.x, data.y, parameter_names(net))
    assert result.passed, result.max_relative_error


def test_relu_softmax_gradient_matches_central_differences_away_from_kinks() -> None:
    data = random_problem(5, 30, 3)
    net = Network((2, 8, 3), "relu", "ce")
    net.initialise(InitSpec("normal", 1.0), 5)
    result = check(net, data.x, data.y, parameter_names(net))
    assert result.checked and result.passed, result.max_relative_error


def test_output_error_is_p_minus_y_per_sample() -> None:
    data = random_problem(8, 9, 5)
    net = Network((2, 5), "sigmoid", "ce")
    net.initialise(InitSpec("normal", 1.0), 8)
    _, gradient, _, acts = net.loss_and_gradient(data.x, data.y)
    dscores = (acts[-1] - data.y) / data.size  # cs231n: dscores = probs; dscores[range(N), y] -= 1; dscores /= N
    np.testing.assert_allclose(net.weights(0, gradient), data.x.T @ dscores, rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(net.biases(0, gradient), dscores.sum(axis=0), rtol=1e-13, atol=1e-16)


def test_class_helpers_of_binary_and_one_hot_sets() -> None:
    binary = Dataset("b", np.zeros((3, 2)), np.array([[0.0], [1.0], [1.0]]))
    assert binary.class_count == 2 and binary.class_index.tolist() == [0, 1, 1]
    three = Dataset("t", np.zeros((3, 2)), one_hot(np.array([2, 0, 1]), 3))
    assert three.class_count == 3 and three.class_index.tolist() == [2, 0, 1]


def test_accuracy_of_a_softmax_net_is_the_argmax() -> None:
    data = random_problem(11, 40, 3)
    net = Network((2, 6, 3), "tanh", "ce")
    net.initialise(InitSpec("normal", 2.0), 11)
    expected = np.mean(np.argmax(net.predict(data.x), axis=1) == data.class_index)
    assert net.accuracy(data.x, data.y) == expected
    assert net.classify(data.x).tolist() == np.argmax(net.predict(data.x), axis=1).tolist()


@pytest.mark.parametrize("k", [2, 3, 6])
def test_the_ce_objects_delta_is_the_derivative_of_its_loss_through_the_softmax(k: int) -> None:
    ce = LOSS_KINDS["ce"]
    rng = np.random.default_rng(k)
    z = rng.uniform(-6, 6, (25, k))
    y = one_hot(rng.integers(0, k, 25), k)
    h = 1e-6
    numerical = np.empty_like(z)
    for j in range(k):
        bump = np.zeros(k)
        bump[j] = h
        plus, minus = z + bump, z - bump
        numerical[:, j] = (ce.samples(plus, softmax(plus), y).sum(axis=1) - ce.samples(minus, softmax(minus), y).sum(axis=1)) / (
            2 * h
        )
    np.testing.assert_allclose(ce.delta(softmax(z), y), numerical, rtol=1e-6, atol=1e-9)


def test_the_ce_objects_scalar_forms_are_its_vector_forms() -> None:
    ce = LOSS_KINDS["ce"]
    z = np.array([[2.0, -1.0, 0.5], [-30.0, 30.0, 0.0]])
    y = one_hot(np.array([0, 2]), 3)
    p = softmax(z)
    samples = ce.samples(z, p, y)
    for i in range(2):
        for j in range(3):
            assert ce.scalar(float(z[i, j]), float(p[i, j]), float(y[i, j])) == pytest.approx(
                samples[i, j], rel=1e-12, abs=1e-300
            )
            assert ce.delta_scalar(float(p[i, j]), float(y[i, j])) == ce.delta(p, y)[i, j]
    assert ce.batch(z, p, y) == pytest.approx(samples.sum() / 2, rel=1e-13)
    # a network that learned nothing (p = 1/K) scores ln K; the class balance of a 2:1 set scores its entropy
    assert ce.uninformed(3) == pytest.approx(math.log(3))
    assert ce.chance(one_hot(np.array([0, 0, 1]), 2)) == pytest.approx(-(2 / 3) * math.log(2 / 3) - (1 / 3) * math.log(1 / 3))


# --- the fast training kernel ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hidden", "sizes"), [("relu", (2, 16, 3)), ("sigmoid", (2, 5, 4)), ("tanh", (2, 6)), ("softplus", (2, 4, 5, 3))]
)
def test_trainer_full_batch_matches_plain_gradient_descent(hidden: str, sizes: tuple[int, ...]) -> None:
    data = random_problem(21, 50, sizes[-1])
    net = Network(sizes, hidden, "ce")
    net.initialise(InitSpec("normal", 0.5), 1)
    plain = net.copy()
    trainer = Trainer(net, data, lr=0.7)
    trainer.run(150)
    losses, accuracies = [], []
    for _ in range(150):
        loss, gradient, _, acts = plain.loss_and_gradient(data.x, data.y)
        losses.append(loss)
        accuracies.append(np.mean(np.argmax(acts[-1], axis=1) == data.class_index))
        plain.params -= 0.7 * gradient
    rows = trainer.history.tail(150)
    np.testing.assert_allclose(rows[:, 1], losses, rtol=1e-12)
    assert rows[:, 2].tolist() == accuracies
    np.testing.assert_allclose(net.params, plain.params, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_trainer_mini_batches_match_plain_mini_batch_descent(optimizer: str) -> None:
    data = random_problem(22, 40, 3)
    net = Network((2, 8, 3), "tanh", "ce")
    net.initialise(InitSpec("normal", 0.5), 2)
    trainer = Trainer(net, data, optimizer, lr=0.05, batch=16, seed=3)
    reference = Trainer(net.copy(), data, optimizer, lr=0.05, batch=16, seed=3)
    trainer.run(12)
    plain, state = reference.net, reference.opt_state
    scratch = np.empty(plain.n_params)
    for epoch in range(12):
        for rows in reference.batches(epoch):
            _, gradient, _, _ = plain.loss_and_gradient(data.x[rows], data.y[rows])
            optimizers.apply(optimizer, 0.05, plain.params, gradient, state, scratch)
    np.testing.assert_allclose(net.params, plain.params, rtol=1e-9, atol=1e-12)


def test_a_softmax_run_that_explodes_stops_with_finite_weights_and_a_smaller_rate() -> None:
    data = random_problem(23, 60, 3)
    net = Network((2, 16, 3), "relu", "ce")
    net.initialise(InitSpec("normal", 0.5), 1)
    result = Trainer(net, data, lr=1e6).run(500)
    assert isinstance(result.stopped, Diverged) and result.epochs < 500
    assert np.isfinite(net.params).all() and result.stopped.suggested is not None and result.stopped.suggested < 1e6


def test_the_explosion_limit_of_cross_entropy_is_measured_from_ln_k() -> None:
    assert explosion_limit("ce", 4, 0.1) == pytest.approx(EXPLOSION_FACTOR * math.log(4))
    assert explosion_limit("ce", 4, 3.0) == pytest.approx(EXPLOSION_FACTOR * 3.0)


# --- cs231n's case study, as the course writes it ------------------------------------------------


def test_spiral3_is_cs231ns_data_draw_for_draw() -> None:
    course_x, course_y = cs231n_spiral(DATA_SEED)
    data = load("spiral3")
    assert np.array_equal(data.x, course_x)
    assert data.class_index.tolist() == course_y.tolist() == [j for j in range(3) for _ in range(100)]
    assert data.y.shape == (300, 3) and np.array_equal(data.y.sum(axis=1), np.ones(300))


@pytest.mark.parametrize("reg", [0.0, 1e-3], ids=["no-L2", "the-course-L2"])
def test_train_reproduces_the_linear_softmax_classifier_of_the_case_study(reg: float) -> None:
    """The course's linear classifier: step 1, λ = 1e-3, 200 iterations, training accuracy 0.49."""
    config = defaults_for("spiral3").with_changes(hidden=(), l2=reg)
    session = build(config)
    session.stepper.trainer.run(200)
    losses, _, _, accuracy = cs231n_train(*cs231n_spiral(DATA_SEED), None, 200, reg=reg, init_seed=config.seed)
    rows = session.stepper.trainer.history.tail(200)
    np.testing.assert_allclose(rows[:, 1], losses, rtol=1e-12, atol=0)
    assert session.net.accuracy(session.data.x, session.data.y) == accuracy


def test_train_reproduces_the_relu_network_of_the_case_study() -> None:
    """2-64-3 ReLU, λ = 1e-3, 10,000 iterations of step 1, as the course runs it. Every loss agrees to
    1e-12 until iteration 909 (802 with OpenBLAS's Haswell kernels); from there step 1 keeps the loss
    jittering around 0.2492 and this training amplifies a difference in the last bit (the course's own
    loop with the row max subtracted before e^z, the one change that makes it overflow-proof, drifts
    from the loop as written in the same way): the rest agree to 1e-3 (at most 1.8e-4 measured), and
    the final accuracy exactly."""
    config = defaults_for("spiral3").with_changes(l2=1e-3)
    assert config.hidden == (64,) and config.lr == 1.0 and config.init == InitSpec("normal", 0.01)
    session = build(config)
    session.stepper.trainer.run(10_000)
    losses, _, _, accuracy = cs231n_train(*cs231n_spiral(DATA_SEED), 64, 10_000, reg=1e-3, init_seed=config.seed)
    rows = session.stepper.trainer.history.tail(10_000)
    assert rows[:, 0].tolist() == list(range(10_000))
    np.testing.assert_allclose(rows[:500, 1], losses[:500], rtol=1e-12, atol=0)
    np.testing.assert_allclose(rows[:, 1], losses, rtol=1e-3, atol=0)
    assert session.net.accuracy(session.data.x, session.data.y) == accuracy > 0.95


def test_blobs_are_four_seeded_classes() -> None:
    first, again = load("blobs"), load("blobs")
    assert np.array_equal(first.x, again.x) and first.class_count == 4
    assert np.bincount(first.class_index).tolist() == [75] * 4


# --- the command line: K-class data, weights files, refusals -------------------------------------


def _csv(folder: Path, text: str, name: str = "points.csv") -> str:
    path = folder / name
    path.write_text(text)
    return str(path)


def test_a_data_file_with_three_labels_trains_a_softmax_by_default(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = _csv(tmp_path, "x1,x2,label\n0,0,0\n1,1,1\n2,2,2\n0.5,0.1,2\n")
    code, out, err = run(capsys, "train", "--data", path, "--epochs", "3", "--every", "1", "--hidden", "none")
    assert code == 0, err
    assert "2-3 softmax, ce" in out
    assert [line.split(":")[0] for line in out.splitlines() if line.startswith("class ")] == ["class 0", "class 1", "class 2"]


def test_ce_on_a_two_label_file_makes_two_softmax_units(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = _csv(tmp_path, "0,0,0\n1,1,1\n0,1,1\n")
    code, out, err = run(capsys, "train", "--data", path, "--loss", "ce", "--hidden", "3", "--epochs", "2", "--json")
    assert code == 0, err
    summary = json.loads(out.splitlines()[-1])
    assert [p["target"] for p in summary["predictions"]] == [0, 1, 1]
    assert all(len(p["probability"]) == 2 and p["predicted"] == int(np.argmax(p["probability"])) for p in summary["predictions"])


def test_json_epochs_carry_the_argmax_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "train", "spiral3", "--hidden", "none", "--epochs", "3", "--every", "1", "--json")
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    session = build(defaults_for("spiral3").with_changes(hidden=()))
    session.stepper.trainer.run(3)
    rows = session.stepper.trainer.history.tail(3)
    assert [line["accuracy"] for line in lines[:3]] == rows[:, 2].tolist()
    assert lines[-1]["predictions"][0]["target"] == 0 and len(lines[-1]["predictions"][0]["probability"]) == 3


def test_a_softmax_network_is_saved_as_softmax_and_ce_and_loads_bit_for_bit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    saved = tmp_path / "s3.json"
    code, _, err = run(capsys, "train", "spiral3", "--hidden", "5", "--epochs", "20", "--save", str(saved))
    assert code == 0, err
    document = json.loads(saved.read_text())
    assert document["layers"] == [2, 5, 3] and document["activations"] == ["relu", "softmax"] and document["loss"] == "ce"
    assert np.array(document["weights"][1]).shape == (5, 3)  # (in, out), as for a binary net
    session = build(defaults_for("spiral3").with_changes(hidden=(5,), weights=str(saved)))
    assert session.net.output_activation == "softmax" and session.net.loss == "ce"
    assert session.net.weights(1).tolist() == document["weights"][1]


def test_a_session_file_keeps_k_classes_as_labels() -> None:
    data = load("blobs")
    stored = _data_to_json(data)
    assert {row[2] for row in stored["rows"]} == {0.0, 1.0, 2.0, 3.0}
    again = _data_from_json("blobs.csv", stored)
    assert np.array_equal(again.x, data.x) and np.array_equal(again.y, data.y)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("0,0,0\n1,1,2\n2,2,2\n", " row 2, column 3: label 2 with no point of class 1"),
        ("0,0,0\n1,1,1\n2,2,-1\n", " row 3, column 3: a label is a class number 0, 1, 2, … (a whole number), not -1"),
        ("0,0,0\n1,1,1\n2,2,9\n", " row 3, column 3: label 9 would make 10 classes: at most 6"),
        ("0,0,2\n1,1,2\n", ", column 3: every label is 2; a classifier needs points of at least two classes"),
    ],
    ids=["gap", "not-whole", "more-than-six", "one-class"],
)
def test_bad_labels_are_one_line_naming_row_and_column(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, rows: str, message: str
) -> None:
    path = _csv(tmp_path, rows)
    code, out, err = run(capsys, "train", "--data", path)
    assert code == 2 and out == "" and f"{path}{message}" in one_error_line(err)


def test_bce_on_k_classes_is_refused_naming_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "train", "spiral3", "--loss", "bce")
    assert code == 2 and out == ""
    assert one_error_line(err).startswith("tui-nn: error: --loss bce:") and "spiral3 has 3 classes: use --loss ce" in err


def test_ce_on_a_one_unit_network_file_is_refused_naming_the_flag(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    net = Network((2, 2, 1), "sigmoid", "bce")
    save(path, net)
    code, out, err = run(capsys, "train", "xor", "--weights", str(path), "--loss", "ce")
    assert code == 2 and out == ""
    assert "--loss ce needs a softmax output, and this network's output layer is sigmoid" in one_error_line(err)
    document = json.loads(path.read_text())
    del document["activations"], document["loss"]  # an old file, or one written by hand: the unit count decides
    path.write_text(json.dumps(document))
    code, out, err = run(capsys, "train", "xor", "--weights", str(path), "--loss", "ce")
    assert code == 2 and "--loss ce needs a softmax output of one unit per class (at least 2)" in one_error_line(err)


def test_a_file_pairing_a_softmax_with_bce_is_refused_naming_the_keys(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "mixed.json"
    save(path, Network((2, 3, 3), "relu", "ce"))
    document = json.loads(path.read_text())
    document["loss"] = "bce"
    path.write_text(json.dumps(document))
    code, out, err = run(capsys, "train", "spiral3", "--weights", str(path))
    assert code == 2 and out == ""
    assert 'loss is "bce" but activations[1] is "softmax": a softmax output takes ce' in one_error_line(err)


def test_a_softmax_over_one_unit_in_a_file_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "one-softmax.json"
    save(path, Network((2, 3, 1), "relu", "bce"))
    document = json.loads(path.read_text())
    document["activations"][-1], document["loss"] = "softmax", "ce"
    path.write_text(json.dumps(document))
    code, _, err = run(capsys, "train", "xor", "--weights", str(path))
    assert code == 2 and 'activations[1] is "softmax" over 1 unit: a softmax needs one unit per class' in one_error_line(err)


# --- the live checks: divergence and a stuck network -------------------------------------------------


def test_an_exploding_softmax_run_is_measured_from_ln_k(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "train", "blobs", "--lr", "1e6", "--epochs", "50")
    assert code == 1
    assert "over 100 × ln 4, 1.386, the loss of predicting 1/4 for every class" in err and "ln 2" not in err


def test_a_constant_softmax_output_is_described_by_its_probabilities_and_argmax_accuracy() -> None:
    data = load("spiral3")
    net = Network((2, 4, 3), "relu", "ce")  # all-zero weights: p = ⅓ each for every sample
    found = {d.kind: d.message for d in diagnose(net, data.x, data.y)}
    assert (
        "p ≈ (0.333, 0.333, 0.333) for every sample, so the network cannot tell the samples apart (accuracy 33%)"
        in found["constant_output"]
    )


@settings(max_examples=40, deadline=None)
@given(
    hidden=st.lists(st.integers(1, 6), min_size=0, max_size=2),
    k=st.integers(2, 6),
    activation=st.sampled_from(HIDDEN_ACTIVATIONS),
    optimizer=st.sampled_from(OPTIMIZERS),
    seed=st.integers(0, 10_000),
    rows=st.integers(1, 12),
    batch=st.one_of(st.none(), st.integers(1, 5)),
)
def test_the_kernel_trains_any_softmax_net_as_plain_backpropagation_does(
    hidden: list[int], k: int, activation: str, optimizer: str, seed: int, rows: int, batch: int | None
) -> None:
    data = random_problem(seed, rows, k)
    net = Network((2, *hidden, k), activation, "ce")
    net.initialise(InitSpec("normal", 0.7), seed)
    trainer = Trainer(net, data, optimizer, lr=0.3, batch=batch, seed=seed)
    reference = Trainer(net.copy(), data, optimizer, lr=0.3, batch=batch, seed=seed)
    plain, state, scratch = reference.net, reference.opt_state, np.empty(net.n_params)
    trainer.run(3)
    for epoch in range(3):
        loss = plain.loss_value(data.x, data.y)
        assert trainer.history.tail(3)[epoch, 1] == pytest.approx(loss, rel=1e-12, abs=1e-15)
        for batch_rows in reference.batches(epoch):
            _, gradient, _, _ = plain.loss_and_gradient(data.x[batch_rows], data.y[batch_rows])
            optimizers.apply(optimizer, 0.3, plain.params, gradient, state, scratch)
    np.testing.assert_allclose(net.params, plain.params, rtol=1e-9, atol=1e-12)


def test_a_handout_of_a_softmax_run_lists_each_samples_class_and_probability_vector() -> None:
    """The exported log (text, Markdown, LaTeX share one table) writes K outputs as the argmax class
    and its probabilities, as the log does; it wrote each probability against 0.5."""
    from tests.k_classes import few_points, session
    from tui_nn.engine.session import export

    built = session(few_points(), epochs=0, loss="ce")
    controller = Controller(built)
    controller.apply(act.Train(20))
    handout = export.text(controller.logbook.entries, controller.stepper.fmt, "run")
    assert "input | target | class (probabilities)" in handout
    probabilities = built.net.forward(built.data.x)[1][-1]
    for i in range(built.data.size):
        shown = f"{int(probabilities[i].argmax())} (" + ", ".join(f"{q:.4f}" for q in probabilities[i]) + ")"
        assert f"| {int(built.data.y[i].argmax())} | {shown}" in handout


def test_settings_that_name_only_the_problem_take_its_defaults() -> None:
    """A hand-written session file's {"problem": "spiral3"} is the case study's softmax net, as
    `tui-nn spiral3` and a lesson's front matter give it (it took Config()'s bce and was refused)."""
    from tui_nn.engine.session.actions import config_from_json

    assert config_from_json({"problem": "spiral3"}) == defaults_for("spiral3")
    changed = config_from_json({"problem": "spiral3", "hidden": [], "l2": 0.001})
    assert changed == defaults_for("spiral3").with_changes(hidden=(), l2=0.001) and changed.loss == "ce"
    assert build(changed).net.sizes == (2, 3)


def test_a_bias_is_found_by_the_name_the_numpy_view_draws_it_under(capsys: pytest.CaptureFixture[str]) -> None:
    """The NumPy view draws b1 as a (1×n) row, so h2's bias reads b1[0, 1] there: explain takes that
    spelling too (it took only b1[1])."""
    from tests.cli_helpers import run

    code, out, err = run(capsys, "explain", "spiral3", "--hidden", "4", "--param", "b1[0, 1]")
    assert code == 0, err
    assert "b_h2 (b1[1]) = 0" in out
