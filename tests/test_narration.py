"""The narrator: every number on screen is what plain NumPy computes, every formula is true, and lines read cleanly."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_nn.engine.nn.activations import HIDDEN_ACTIVATIONS
from tui_nn.engine.nn.datasets import Dataset, load
from tui_nn.engine.nn.losses import SIGMOID_LOSSES as LOSSES
from tui_nn.engine.nn.losses import bce_from_logit_scalar
from tui_nn.engine.nn.network import InitSpec, Network
from tui_nn.engine.nn.optimizers import BETA1, BETA2, EPSILON, MOMENTUM, OPTIMIZERS
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.engine.walk import expr
from tui_nn.engine.walk.records import Key, NumberFormat, Step
from tui_nn.engine.walk.render import step_lines, step_text
from tui_nn.engine.walk.stepper import Stepper

# An operator followed by a minus sign that is not bracketed: "1−−0.95", "0.01·−0.5", "+ −0.3".
SIGN_COLLISION = re.compile(r"(−\s*−|·\s*−|\+\s*−|−\s+−|\^−−|/−)")


def walk(net: Network, data: Dataset, optimizer: str, lr: float = 0.7, passes: int = 2) -> tuple[list[Step], Stepper]:
    stepper = Stepper(net, data, optimizer, lr)
    records: list[Step] = []
    for _ in range(passes):
        records += stepper.walk_pass()
    return records, stepper


def numeric_forms(step: Step) -> list[tuple[expr.Expr, float]]:
    return [(form, eq.value) for eq in step.equations for form in eq.forms if not expr.has_symbols(form)]


# Plain NumPy, written here and not taken from the engine: g(z) and g'(z) of each activation.
PLAIN_ACTIVATIONS = {
    "sigmoid": (lambda z: 1.0 / (1.0 + np.exp(-z)), lambda z: np.exp(-z) / (1.0 + np.exp(-z)) ** 2),
    "tanh": (np.tanh, lambda z: 1.0 / np.cosh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float)),
    "leaky_relu": (lambda z: np.where(z > 0, z, 0.01 * z), lambda z: np.where(z > 0, 1.0, 0.01)),
    "softplus": (lambda z: np.logaddexp(0.0, z), lambda z: 1.0 / (1.0 + np.exp(-z))),
    "elu": (
        lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0.0))),
        lambda z: np.where(z > 0, 1.0, np.exp(np.minimum(z, 0.0))),
    ),
}


def plain_backprop(net: Network, params: np.ndarray, x: np.ndarray, y: np.ndarray, sample: int) -> dict[Key, float]:
    """One sample's forward and backward pass in matrix form, every number keyed as records key them."""
    layers = range(net.n_layers)
    weights = [net.weights(l, params) for l in layers]
    biases = [net.biases(l, params) for l in layers]
    g = [PLAIN_ACTIVATIONS[net.activation(l).name] for l in layers]
    a, z = [x], []
    for l in layers:
        z.append(a[-1] @ weights[l] + biases[l])
        a.append(g[l][0](z[-1]))
    out_z, out = z[-1], a[-1]
    if net.loss == "bce":  # −[y·ln σ(z) + (1−y)·ln(1−σ(z))], from z so that it stays exact far out
        loss = float(np.sum(y * np.logaddexp(0.0, -out_z) + (1 - y) * np.logaddexp(0.0, out_z)))
        delta = out - y
    else:
        loss = float(np.sum(0.5 * (out - y) ** 2))
        delta = (out - y) * g[-1][1](out_z)
    values: dict[Key, float] = {Key("loss", 0, sample): loss}
    for l in layers:
        values |= {Key("z", l + 1, j): v for j, v in enumerate(z[l])} | {Key("a", l + 1, j): v for j, v in enumerate(a[l + 1])}
    for l in reversed(layers):
        values |= {Key("delta", l + 1, j): d for j, d in enumerate(delta)}
        values |= {Key("grad_b", l, j): d for j, d in enumerate(delta)}
        values |= {Key("grad_w", l, j, i): v for (i, j), v in np.ndenumerate(np.outer(a[l], delta))}
        if l:
            upstream = weights[l] @ delta
            values |= {Key("grad_a", l, i): v for i, v in enumerate(upstream)}
            delta = upstream * g[l - 1][1](z[l - 1])
    return values


def plain_rule(optimizer: str, lr: float, theta: float, g: float, state: dict[str, float], t: int) -> float:
    """The optimizer's update of one parameter, advancing its `state` (velocity or moments)."""
    if optimizer == "sgd":
        return theta - lr * g
    if optimizer == "momentum":
        state["v"] = MOMENTUM * state.get("v", 0.0) + g
        return theta - lr * state["v"]
    state["m"] = BETA1 * state.get("m", 0.0) + (1 - BETA1) * g
    state["s"] = BETA2 * state.get("s", 0.0) + (1 - BETA2) * g * g
    m_hat, s_hat = state["m"] / (1 - BETA1**t), state["s"] / (1 - BETA2**t)
    return theta - lr * m_hat / (math.sqrt(s_hat) + EPSILON)


def close(value: float, expected: float) -> bool:
    return value == pytest.approx(expected, rel=1e-9, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    hidden=st.lists(st.integers(1, 3), min_size=0, max_size=2),
    activation=st.sampled_from(HIDDEN_ACTIVATIONS),
    loss=st.sampled_from(LOSSES),
    optimizer=st.sampled_from(OPTIMIZERS),
    scale=st.sampled_from([0.5, 1.0, 4.0]),
    seed=st.integers(0, 10_000),
    digits=st.integers(2, 6),
)
def test_every_number_narrated_is_what_plain_numpy_computes(hidden, activation, loss, optimizer, scale, seed, digits):
    """Each record's result is the number a plain NumPy forward and backward pass (and the
    optimizer's rule) gives for it, every number of every sample is narrated, each line's
    formula evaluated exactly gives its result, and no two signs collide in the printed line."""
    net = Network((2, *hidden, 1), activation, loss)
    net.initialise(InitSpec("normal", scale), seed)
    fmt = NumberFormat(digits)
    data = load("xor")
    lr = 0.7
    stepper = Stepper(net, data, optimizer, lr, digits=digits)
    state: dict[int, dict[str, float]] = {}
    for t in (1, 2):
        start = stepper.current.start_params.copy()
        records = stepper.walk_pass()
        expected = [plain_backprop(net, start, data.x[s], data.y[s], s) for s in range(data.size)]
        for s, values in enumerate(expected):
            narrated = {key: step.value for step in records if step.sample == s for key, _ in step.writes}
            assert narrated.keys() == values.keys()
            assert all(close(narrated[key], v) for key, v in values.items()), (s, narrated, values)
        mean_gradient = {key: np.mean([v[key] for v in expected]) for key in expected[0] if key.kind.startswith("grad_")}
        updates = [step for step in records if step.phase == "update"]
        assert len(updates) == net.n_params
        for step in updates:
            ((key, _),) = step.writes
            g = step.equations[0].value  # ḡ as narrated, checked here, then put through the rule
            assert close(g, mean_gradient[key._replace(kind="grad_" + key.kind)])
            index = net.bias_index(key.layer, key.unit) if key.kind == "b" else net.weight_index(key.layer, key.source, key.unit)  # type: ignore[arg-type]
            assert close(step.value, plain_rule(optimizer, lr, float(start[index]), g, state.setdefault(index, {}), t))
        (batch_loss,) = [step for step in records if step.kind == "batch_loss"]
        assert close(batch_loss.value, np.mean([v[Key("loss", 0, s)] for s, v in enumerate(expected)]))
        for step in records:
            for form, value in numeric_forms(step):
                exact = expr.evaluate(form)
                assert exact == pytest.approx(value, rel=1e-9, abs=1e-12), (step_text(step, fmt), exact, value)
            for line in step_text(step, fmt):
                assert not SIGN_COLLISION.search(line), line


def test_confident_cross_entropy_is_written_from_z_and_reproduces() -> None:
    """Target 1, output z = 30: ŷ prints as 1.0000, so −ln ŷ would read 0; the line uses ln(1 + e^−z)."""
    data = Dataset("one", np.array([[1.0, 0.0]]), np.array([[1.0]]))
    net = Network((2, 1), loss="bce")
    net.weights(0)[:] = [[30.0], [0.0]]
    stepper = Stepper(net, data)
    loss_step = next(r for r in stepper.walk_pass() if r.kind == "loss")
    true_loss = bce_from_logit_scalar(30.0, 1.0)
    assert loss_step.value == true_loss == pytest.approx(math.log1p(math.exp(-30.0)), rel=1e-15, abs=0)
    fmt = NumberFormat(4)
    (line,) = step_text(loss_step, fmt)
    assert "ln(1 + e^−z) = ln(1 + e^−30) = 9.358e−14" in line
    assert "1e−12" not in line and "ln 1.0000" not in line


@pytest.mark.parametrize("z", [27.6, 35.0, 300.0, -40.0])
def test_cross_entropy_stays_exact_far_out(z: float) -> None:
    data = Dataset("one", np.array([[1.0, 0.0]]), np.array([[1.0]]))
    net = Network((2, 1), loss="bce")
    net.weights(0)[:] = [[z], [0.0]]
    loss_step = next(r for r in Stepper(net, data).walk_pass() if r.kind == "loss")
    assert loss_step.value == bce_from_logit_scalar(z, 1.0) > 0
    assert loss_step.value == pytest.approx(math.log1p(math.exp(-z)) if z > 0 else -z + math.log1p(math.exp(z)), rel=1e-14, abs=0)
    form = loss_step.equations[0].forms[-1]
    assert expr.evaluate(form) == pytest.approx(loss_step.value, rel=1e-12)


def test_tanh_derivative_of_a_negative_activation_is_bracketed() -> None:
    fmt = NumberFormat(4)
    a = expr.num(-0.953)
    from tui_nn.engine.nn.activations import ACTIVATIONS

    shown = expr.text(ACTIVATIONS["tanh"].derivative_numbers(expr.num(-1.86), a), fmt)
    assert shown == "1 − (−0.9530)²"
    leaky = ACTIVATIONS["leaky_relu"].expansion(expr.num(-0.5))
    assert leaky is not None and expr.text(leaky, fmt) == "0.01·(−0.5000)"


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_optimizer_lines_each_state_one_true_thing(optimizer: str) -> None:
    """No line chains unequal things: each equation has one left-hand side and its value."""
    session = build(Config(optimizer=optimizer))
    records = session.stepper.walk_pass() + session.stepper.walk_pass()
    update = records[-1]
    lines = step_text(update, session.stepper.fmt)
    assert all(line.count("←") <= 1 for line in lines)
    lhs = [expr.text(eq.lhs, str) for eq in update.equations]
    assert "v" not in lhs and "m" not in lhs  # v₁, v₂ are weights and m is the batch size
    header = step_text(records[-10], session.stepper.fmt)[0]
    if optimizer == "adam":
        assert "β₁ = 0.9, β₂ = 0.999, ε = 1e−08, t = 2" in header
    else:
        assert "(β = 0.9)" in header


def test_log_lines_carry_roles_for_styling() -> None:
    session = build(Config())
    step = session.stepper.step()
    lines = step_lines(step, session.stepper.fmt)
    assert lines[0][0].role == "header"
    roles = [span.role for span in lines[1]]
    assert roles[0] == "label" and roles[-1] == "result" and "formula" in roles and "numbers" in roles


def test_latex_of_a_whole_pass_is_well_formed() -> None:
    from tui_nn.engine.walk.render import equation_latex

    session = build(Config(optimizer="adam", activation="tanh"))
    fmt = session.stepper.fmt
    for step in session.stepper.walk_pass():
        for eq in step.equations:
            latex = equation_latex(eq, fmt)
            opened, closed = len(re.findall(r"\\left[(\[]", latex)), len(re.findall(r"\\right[)\]]", latex))
            assert latex.count("{") == latex.count("}") and opened == closed, latex
            assert "−" not in latex and "·" not in latex, latex
