"""The step-through of a softmax output: z_max, the exponentials, their sum, the probabilities, the
loss −ln p_y and δ = p − y, against a plain NumPy softmax network written here."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_nn.engine.nn.activations import HIDDEN_ACTIVATIONS
from tui_nn.engine.nn.datasets import Dataset
from tui_nn.engine.nn.network import InitSpec, Network
from tui_nn.engine.nn.optimizers import EPSILON, OPTIMIZERS
from tui_nn.engine.nn.training import Trainer
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import defaults_for
from tui_nn.engine.teach.quiz import Question, check, next_question
from tui_nn.engine.walk import expr
from tui_nn.engine.walk.arithmetic import SampleTables, compute_sample, sample_step_count
from tui_nn.engine.walk.explain import Element, explain_parameter, explain_unit
from tui_nn.engine.walk.matrices import matrix_position
from tui_nn.engine.walk.narrate import Narrator, reproduces
from tui_nn.engine.walk.records import Key, NumberFormat, Step
from tui_nn.engine.walk.render import step_text
from tui_nn.engine.walk.stepper import Stepper
from tui_nn.engine.walk.words import reference_card, sentence
from tui_nn.ui.shell.app import TuiNN

from .test_app import log_texts

PLAIN_HIDDEN = {
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "softplus": lambda z: np.logaddexp(0.0, z),
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0.0))),
}
PLAIN_SLOPE = {
    "sigmoid": lambda z: np.exp(-z) / (1.0 + np.exp(-z)) ** 2,
    "tanh": lambda z: 1.0 / np.cosh(z) ** 2,
    "relu": lambda z: (z > 0).astype(float),
    "leaky_relu": lambda z: np.where(z > 0, 1.0, 0.01),
    "softplus": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "elu": lambda z: np.where(z > 0, 1.0, np.exp(np.minimum(z, 0.0))),
}


def classes(k: int, rows: int, seed: int) -> Dataset:
    rng = np.random.RandomState(seed)
    x = rng.uniform(-1, 1, (rows, 2))
    labels = np.arange(rows) % k  # every class present
    rng.shuffle(labels)
    return Dataset(f"{k} classes", x, np.eye(k)[labels])


def softmax_net(sizes: tuple[int, ...], activation: str = "tanh", scale: float = 1.0, seed: int = 3) -> Network:
    net = Network(sizes, activation, "ce", output_activation="softmax")
    net.initialise(InitSpec("normal", scale), seed)
    return net


def plain_sample(net: Network, params: np.ndarray, x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """cs231n's network for one sample, written out: scores, the shifted exps, probabilities, loss, δ, gradient."""
    layers = range(net.n_layers)
    weights = [net.weights(l, params) for l in layers]
    biases = [net.biases(l, params) for l in layers]
    a, zs = [x[None, :]], []
    for l in layers:
        zs.append(a[-1] @ weights[l] + biases[l])
        if l < net.n_layers - 1:
            a.append(PLAIN_HIDDEN[net.hidden_activation](zs[-1]))
    scores = zs[-1]
    shift = scores.max(axis=1, keepdims=True)
    exp_scores = np.exp(scores - shift)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    target = int(np.argmax(y))
    loss = -np.log(probs[0, target])
    dscores = probs.copy()
    dscores[0, target] -= 1
    grads = []
    delta = dscores
    for l in reversed(layers):
        grads.append((a[l].T @ delta, delta.sum(axis=0)))
        if l:
            delta = (delta @ weights[l].T) * PLAIN_SLOPE[net.hidden_activation](zs[l - 1])
    return {
        "z": scores[0],
        "shift": shift[0, 0],
        "exps": exp_scores[0],
        "sum": exp_scores.sum(),
        "p": probs[0],
        "loss": np.array(loss),
        "delta": dscores[0],
        "grad": np.concatenate([np.vstack([w, b[None, :]]).ravel() for w, b in reversed(grads)]),
    }


SHAPES = [(2, 3), (2, 4, 3), (2, 3, 2, 5), (2, 5, 2), (2, 6)]


@pytest.mark.parametrize("sizes", SHAPES)
@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_the_walks_numbers_are_a_plain_numpy_softmax_networks(sizes: tuple[int, ...], activation: str) -> None:
    net = softmax_net(sizes, activation)
    data = classes(sizes[-1], 7, 1)
    for s in range(data.size):
        t = compute_sample(net, net.params, data.x[s], data.y[s], s)
        plain = plain_sample(net, net.params, data.x[s], data.y[s])
        np.testing.assert_allclose(t.z[-1], plain["z"], rtol=1e-12, atol=1e-15)
        assert t.shift == pytest.approx(float(plain["shift"]), rel=1e-12, abs=1e-15)
        np.testing.assert_allclose(t.exps, plain["exps"], rtol=1e-12)
        assert t.exp_sum == pytest.approx(float(plain["sum"]), rel=1e-12)
        np.testing.assert_allclose(t.a[-1], plain["p"], rtol=1e-12)
        assert t.loss == pytest.approx(float(plain["loss"]), rel=1e-12)
        np.testing.assert_allclose(t.delta[-1], plain["delta"], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(t.grad, plain["grad"], rtol=1e-10, atol=1e-14)


def test_the_output_delta_is_p_minus_the_one_hot_target() -> None:
    net = softmax_net((2, 3, 4))
    data = classes(4, 8, 2)
    for s in range(data.size):
        t = compute_sample(net, net.params, data.x[s], data.y[s], s)
        target = int(np.argmax(data.y[s]))
        for k, (d, p) in enumerate(zip(t.delta[-1], t.a[-1], strict=True)):
            assert d == p - (1.0 if k == target else 0.0)
        assert math.fsum(t.delta[-1]) == pytest.approx(0.0, abs=1e-15)  # the probabilities add up to 1


def one_sample(net: Network, data: Dataset, sample: int = 0, digits: int = 4) -> list[Step]:
    stepper = Stepper(net, data, digits=digits)
    stepper.set_focus(sample)
    return stepper.steps_until(lambda s: s.phase == "update")


@pytest.mark.parametrize("sizes", [(2, 3), (2, 4, 3)])
def test_every_softmax_micro_step_is_walked_in_order_with_its_sentence(sizes: tuple[int, ...]) -> None:
    net = softmax_net(sizes)
    k = sizes[-1]
    data = classes(k, 5, 4)
    records = one_sample(net, data, 2)
    assert len(records) == sample_step_count(sizes, softmax=True)
    top = net.n_layers
    output = [(r.kind, r.unit) for r in records if r.layer == top and r.phase != "backward"]
    expected = (
        [("z", j) for j in range(k)]
        + [("max", None)]
        + [("exp", j) for j in range(k)]
        + [("sum", None)]
        + [("a", j) for j in range(k)]
        + [("loss", None)]
    )
    assert output == expected
    said = {r.kind: sentence(r, net) for r in records}
    assert "710" in said["max"] and "unchanged" in said["max"]
    assert "e^(z1 − z_max)" in sentence(next(r for r in records if r.kind == "exp"), net)
    assert "add up to 1" in sentence(next(r for r in records if r.kind == "a" and r.layer == top), net)
    assert "−ln p_y" in said["loss"]
    output_delta = next(r for r in records if r.kind == "delta" and r.layer == top)
    assert "CrossEntropyLoss" in sentence(output_delta, net) and "p − y" in sentence(output_delta, net)
    for r in records:
        if r.kind == "delta" and r.layer == top:
            assert r.unit is not None and f"δ = ∂L/∂z = p{r.unit + 1} − y{r.unit + 1} = " in step_text(r, NumberFormat())[-1]
    for r in records:
        words = sentence(r, net)
        assert words.endswith("."), words
        if r.layer == top and r.kind in ("z", "a"):
            assert "σ" not in words and "sigmoid" not in words and "0.5" not in words, words  # no binary output here
    target = int(np.argmax(data.y[2]))
    (loss,) = [r for r in records if r.kind == "loss"]
    assert step_text(loss, NumberFormat())[0].split("=")[1].strip() == f"−ln p{target + 1}"


@pytest.mark.parametrize("digits", [2, 4, 6])
def test_every_softmax_line_recomputes_to_its_printed_result(digits: int) -> None:
    net = softmax_net((2, 4, 3), "relu", scale=2.0)
    data = classes(3, 6, 5)
    fmt = NumberFormat(digits)
    stepper = Stepper(net, data, digits=digits)
    for step in stepper.walk_pass():
        for eq in step.equations:
            for form in eq.forms:
                if not expr.has_symbols(form):
                    assert reproduces(form, eq.value, fmt), step_text(step, fmt)


def test_logits_of_plus_and_minus_a_thousand_walk_without_overflow() -> None:
    """z = (1000, −1000, 0): e^1000 would be inf; after subtracting z_max every exponent is ≤ 0."""
    net = Network((2, 3), "tanh", "ce", output_activation="softmax")
    net.params[:] = 0.0
    for k, bias in enumerate((1000.0, -1000.0, 0.0)):
        net.params[net.bias_index(0, k)] = bias
    x = np.zeros((2, 2))
    data = Dataset("far", x, np.eye(3)[[1, 0]])  # the first sample's class is the one at −1000
    with np.errstate(all="raise"):
        t = compute_sample(net, net.params, data.x[0], data.y[0], 0)
    assert t.shift == 1000.0
    assert t.exps[0] == 1.0 and all(0.0 <= e < 1e-300 for e in t.exps[1:])
    assert t.exp_sum >= 1.0
    assert all(math.isfinite(v) for v in (*t.a[-1], *t.delta[-1], t.loss))
    assert t.loss == pytest.approx(2000.0, rel=1e-12)
    assert t.loss == pytest.approx(net.loss_value(data.x[:1], data.y[:1]), rel=1e-12)
    records = Narrator(net, NumberFormat()).sample_steps(net.params, t, 0)
    (loss,) = [r for r in records if r.kind == "loss"]
    assert loss.note is not None and "written from z" in loss.note
    fmt = NumberFormat()
    for step in records:
        for eq in step.equations:
            for form in eq.forms:
                if not expr.has_symbols(form):
                    assert reproduces(form, eq.value, fmt), step_text(step, fmt)
    assert all(math.isfinite(eq.value) for step in records for eq in step.equations)
    assert not any("nan" in line for step in records for line in step_text(step, fmt))


@settings(max_examples=30, deadline=None)
@given(
    hidden=st.lists(st.integers(1, 4), min_size=0, max_size=2),
    k=st.integers(2, 6),
    activation=st.sampled_from(HIDDEN_ACTIVATIONS),
    optimizer=st.sampled_from(OPTIMIZERS),
    seed=st.integers(0, 10_000),
    rows=st.integers(1, 7),
    lr=st.floats(0.01, 2.0),
)
def test_walking_a_softmax_epoch_lands_on_the_vectorised_weights(hidden, k, activation, optimizer, seed, rows, lr) -> None:
    """As tests/test_exactness.py for sigmoid outputs: the walk's mean gradient and the trainer's agree
    to float64 rounding, and the weights after each epoch within what the rule makes of that."""
    data = classes(k, rows, seed)
    walked = softmax_net((2, *hidden, k), activation, 0.8, seed)
    vectorised = walked.copy()
    stepper = Stepper(walked, data, optimizer, lr)
    trainer = Trainer(vectorised, data, optimizer, lr)
    for _ in range(2):
        p = stepper.current
        trainer.restore(p.epoch, p.start_params, p.start_state)
        _, vectorised_gradient, _, _ = vectorised.loss_and_gradient(data.x, data.y)
        trainer.run(1)
        walked_gradient = stepper.update_tables(p).mean
        stepper.finish_pass()
        difference = np.abs(walked_gradient - vectorised_gradient)
        assert np.all(difference <= 1e-12)
        sensitivity = lr * (8 / EPSILON if optimizer == "adam" else 1.0)
        assert np.all(np.abs(walked.params - vectorised.params) <= 1e-12 + sensitivity * difference)
    np.testing.assert_allclose(stepper.history.rows()[:2], trainer.history.rows(), rtol=1e-12, atol=1e-12)


def test_the_walks_revealed_values_include_the_softmax_intermediates() -> None:
    net = softmax_net((2, 3))
    data = classes(3, 3, 6)
    stepper = Stepper(net, data)
    stepper.set_focus(0)
    t = stepper.sample_tables(stepper.current, 0)
    stepper.steps_until(lambda s: s.kind == "loss")
    values = stepper.revealed()
    assert values[Key("max", 1, 0)] == t.shift
    assert [values[Key("exp", 1, k)] for k in range(3)] == list(t.exps)
    assert values[Key("sum", 1, 0)] == t.exp_sum
    assert [values[Key("a", 1, k)] for k in range(3)] == list(t.a[-1])


async def test_stepping_a_softmax_net_through_one_sample_in_the_app_shows_every_softmax_step() -> None:
    app = TuiNN(build(defaults_for("spiral3").with_changes(hidden=(3,))), target_loss=1e-3, pace=None)
    forward = 2 * 3 + 3 * 3 + 2  # each hidden unit's z and a; the output's z's, z_max, exps, Σe and p's
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(forward + 1):
            await pilot.press("right")
        await pilot.pause()
        assert app.controller.stepper.last().kind == "loss"
        texts = log_texts(app)
    shown = "\n".join(texts)
    for line in ("z_max = max(z1, z2, z3)", "e1 = e^(z1 − z_max)", "Σe = e1 + e2 + e3", "p3 = e3/Σe", "L = −ln p"):
        assert line in shown, shown
    assert "nan" not in shown


@pytest.mark.parametrize(
    ("element", "expected"),
    [
        (Element("weight", 1, 2, 1), "(p3 − y3)·h2"),
        (Element("bias", 1, 0), "p1 − y1"),
        (Element("weight", 0, 1, 0), "((p1 − y1)·v21 + (p2 − y2)·v22 + (p3 − y3)·v23)·tanh'(z_h2)·x1"),
        (Element("bias", 0, 2), "((p1 − y1)·v31 + (p2 − y2)·v32 + (p3 − y3)·v33)·tanh'(z_h3)"),
    ],
)
def test_explain_writes_the_chain_through_the_softmax_for_output_and_hidden_parameters(element: Element, expected: str) -> None:
    net = softmax_net((2, 3, 3), "tanh")
    data = classes(3, 4, 7)
    stepper = Stepper(net, data)
    stepper.set_focus(1)
    story = explain_parameter(stepper, element)
    (chain,) = story.samples
    plain = plain_sample(net, stepper.current.start_params, data.x[1], data.y[1])
    assert chain.gradient == pytest.approx(float(plain["grad"][element.parameter_index(net)]), rel=1e-10, abs=1e-14)
    assert chain.product is not None
    forms = chain.product.forms
    assert expected in [expr.text(form, str) for form in forms]
    numbers = [form for form in forms if not expr.has_symbols(form)]
    assert numbers and expr.evaluate(numbers[-1]) == pytest.approx(chain.gradient, rel=1e-12, abs=1e-15)
    output_deltas = [s for s in chain.steps if s.kind == "delta" and s.layer == net.n_layers]
    assert [s.value for s in output_deltas] == [p - y for p, y in zip(plain["p"], data.y[1], strict=True)]


def test_an_output_unit_of_a_softmax_is_explained_by_its_probability() -> None:
    net = softmax_net((2, 3, 3))
    data = classes(3, 4, 8)
    stepper = Stepper(net, data)
    story = explain_unit(stepper, Element("unit", 2, 1))
    for row in story.rows:
        assert row.slope == row.a * (1 - row.a)  # the softmax Jacobian's diagonal, not a per-unit g'
        assert math.isfinite(row.delta)
    assert "p2" in story.meaning and "probability" in story.meaning


CS231N_LINES = [
    "shift = Z2.max(axis=1, keepdims=True)",
    "exp_scores = np.exp(Z2 - Z2.max(axis=1, keepdims=True))",
    "exp_sums = np.sum(exp_scores, axis=1, keepdims=True)",
    "probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)",
    "A2 = probs",
    "y = Y.argmax(axis=1)",
    "L = -np.log(probs[range(m), y])[:, None]",
    "dscores = probs.copy()",
    "dscores[range(m), y] -= 1",
    "dZ2 = dscores",
]


def test_the_numpy_view_writes_the_softmax_as_cs231n_and_typing_it_trains_the_same_network() -> None:
    """Every step's highlighted cell is its value, and the lines the view shows, typed in order on
    the data and the initial weights, land on the walk's weights and loss."""
    net = softmax_net((2, 4, 3), "relu", scale=1.0, seed=9)
    data = classes(3, 6, 10)
    stepper = Stepper(net, data, lr=0.5)
    ns: dict[str, object] = {"np": np, "X": data.x.copy(), "Y": data.y.copy(), "m": data.size, "lr": 0.5}
    for k in (1, 2):
        ns[f"W{k}"], ns[f"b{k}"] = net.weights(k - 1).copy(), net.biases(k - 1).reshape(1, -1).copy()
    typed: list[str] = []
    first = stepper.current
    while stepper.current is first:
        step = stepper.step()
        frame = matrix_position(stepper).frame
        assert frame.value is not None and frame.value == pytest.approx(step.value, rel=1e-12, abs=1e-15), step.kind
        for line in frame.code:
            if line not in typed:
                typed.append(line)
                exec(line, ns)
    assert [line for line in typed if line in CS231N_LINES] == CS231N_LINES
    assert "loss = -np.mean(np.log(probs[range(m), y]))" in typed
    for k in (1, 2):
        np.testing.assert_allclose(ns[f"W{k}"], net.weights(k - 1), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(ns[f"b{k}"], net.biases(k - 1).reshape(1, -1), rtol=1e-12, atol=1e-14)
    assert ns["loss"] == pytest.approx(stepper.history.rows()[0, 1], rel=1e-12)


def quiz_at(kind: str, target: bool | None = None) -> tuple[Question, Step, SampleTables]:
    """The question of the first softmax step of `kind` (for δ: of the sample's own class or another)."""
    net = softmax_net((2, 3, 3), "tanh", seed=12)
    data = classes(3, 3, 13)
    stepper = Stepper(net, data)
    stepper.set_focus(1)
    t = stepper.sample_tables(stepper.current, 0)
    while True:
        step = stepper.peek()
        own_class = step.unit is not None and t.y[step.unit] == 1.0
        if step.kind == kind and step.layer == net.n_layers and (target is None or own_class == target):
            return next_question(stepper), step, t
        stepper.step()


def test_the_quiz_asks_delta_of_the_own_class_and_names_the_forgotten_one_hot() -> None:
    q, step, t = quiz_at("delta", target=True)
    k = step.unit
    assert k is not None and q.value == t.a[-1][k] - 1.0
    assert {g.name for g in q.givens} == {f"p{k + 1}", f"y{k + 1}"}
    assert check(q, NumberFormat()(q.value)).outcome == "right"
    forgot = check(q, NumberFormat()(t.a[-1][k]))  # p_k, the one-hot not subtracted
    assert forgot.outcome == "wrong" and "one-hot" in forgot.slip
    q, step, t = quiz_at("delta", target=False)
    assert step.unit is not None
    every = check(q, NumberFormat()(t.a[-1][step.unit] - 1.0))  # 1 subtracted from a class the sample is not
    assert every.outcome == "wrong" and "only for its own class" in every.slip


def test_the_quiz_asks_p_from_the_exponentials_and_their_sum() -> None:
    q, step, t = quiz_at("a")
    k = step.unit
    assert k is not None
    assert q.value == t.exps[k] / t.exp_sum
    assert [g.name for g in q.givens] == [f"e{k + 1}", "Σe"]
    fmt = NumberFormat()
    assert check(q, fmt(q.value)).outcome == "right"
    undivided = check(q, fmt(t.exps[k]))
    assert undivided.outcome == "wrong" and "not divided by Σe" in undivided.slip
    wrong_sum = check(q, fmt(t.exps[k] / (t.exp_sum - t.exps[k])))
    assert wrong_sum.outcome == "wrong" and "Σe includes" in wrong_sum.slip
    assert "?" in q.worked and fmt(t.exp_sum) in q.worked


def test_the_formula_card_of_a_softmax_net_lists_its_softmax_steps_not_a_sigmoid() -> None:
    card = reference_card(softmax_net((2, 4, 3), "relu"), "sgd")
    assert "softmax output" in card.splitlines()[0] and "sigmoid" not in card
    for formula in ("z_max = max(z1, …, zK)", "e_k = e^(z_k − z_max)", "Σe = e1 + … + eK", "p_k = e_k/Σe", "δ_out = p − y"):
        assert f"`{formula}`" in card
    assert "ŷ > 0.5" not in card


@pytest.mark.parametrize("target", [(0.5, 0.5, 0.0), (0.0, 0.0, 0.0), (0.2, 0.3, 0.5)])
def test_a_target_that_is_not_one_hot_is_written_as_the_full_sum(target: tuple[float, ...]) -> None:
    """trace --input … --target 0.5,0.5,0: the loss is −Σₖ y_k·ln p_k, not −ln p_y of a class there is none of."""
    net = softmax_net((2, 3))
    x, y = np.array([0.1, 0.2]), np.array(target)
    t = compute_sample(net, net.params, x, y, 0)
    expected = -sum(yk * math.log(pk) for yk, pk in zip(target, t.a[-1], strict=True))
    assert t.loss == pytest.approx(expected, rel=1e-12, abs=1e-15)
    fmt = NumberFormat()
    (loss,) = [r for r in Narrator(net, fmt).sample_steps(net.params, t, 0) if r.kind == "loss"]
    assert "L = −Σₖ y_k·ln p_k" in step_text(loss, fmt)[0]
    for form in loss.equations[0].forms:
        if not expr.has_symbols(form):
            assert reproduces(form, loss.value, fmt), step_text(loss, fmt)


def test_output_unit_k_plus_one_is_called_class_k_as_the_data_and_the_views_number_classes(capsys) -> None:
    """Labels run 0…K−1 (the CSV, the class pane, the legend) while units are out1…outK: the walk once
    said out1 was "class 1"."""
    from tests.cli_helpers import run

    code, out, err = run(capsys, "trace", "spiral3", "--hidden", "3", "--epochs", "1")
    assert code == 0, err
    flat = " ".join(out.split())
    assert "the probability the network gives class 0 (out1's value" in flat
    assert "the network's score for class 0, a raw number" in flat
    assert "class 3" not in flat  # (each sentence is written once, at its first unit)
