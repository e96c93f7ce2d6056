"""The narrator: every formula on screen is true, reproduces from its printed numbers, and reads cleanly."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_nn.engine import expr
from tui_nn.engine.activations import HIDDEN_ACTIVATIONS
from tui_nn.engine.config import Config
from tui_nn.engine.datasets import Dataset, load
from tui_nn.engine.losses import LOSSES, bce_from_logit_scalar
from tui_nn.engine.narrate import reproduces
from tui_nn.engine.network import InitSpec, Network
from tui_nn.engine.optimizers import OPTIMIZERS
from tui_nn.engine.records import NumberFormat, Step
from tui_nn.engine.render import step_lines, step_text
from tui_nn.engine.session import build
from tui_nn.engine.stepper import Stepper

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


@settings(max_examples=40, deadline=None)
@given(
    hidden=st.lists(st.integers(1, 3), min_size=0, max_size=2),
    activation=st.sampled_from(HIDDEN_ACTIVATIONS),
    loss=st.sampled_from(LOSSES),
    optimizer=st.sampled_from(OPTIMIZERS),
    scale=st.sampled_from([0.5, 1.0, 4.0]),
    seed=st.integers(0, 1000),
    digits=st.integers(2, 6),
)
def test_every_line_is_true_and_reproduces_from_its_printed_numbers(hidden, activation, loss, optimizer, scale, seed, digits):
    """Evaluated exactly, each line's arithmetic gives the step's value (the formula is right);
    recomputed from the numbers as printed, it gives the result as printed (the line is honest)."""
    net = Network((2, *hidden, 1), activation, loss)
    net.initialise(InitSpec("normal", scale), seed)
    fmt = NumberFormat(digits)
    stepper = Stepper(net, load("xor"), optimizer, 0.7, digits=digits)
    records = stepper.walk_pass() + stepper.walk_pass()
    for step in records:
        for form, value in numeric_forms(step):
            exact = expr.evaluate(form)
            assert exact == pytest.approx(value, rel=1e-9, abs=1e-12), (step_text(step, fmt), exact, value)
            assert reproduces(form, value, fmt), step_text(step, fmt)
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
    from tui_nn.engine.activations import ACTIVATIONS

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
    from tui_nn.engine.render import equation_latex

    session = build(Config(optimizer="adam", activation="tanh"))
    fmt = session.stepper.fmt
    for step in session.stepper.walk_pass():
        for eq in step.equations:
            latex = equation_latex(eq, fmt)
            opened, closed = len(re.findall(r"\\left[(\[]", latex)), len(re.findall(r"\\right[)\]]", latex))
            assert latex.count("{") == latex.count("}") and opened == closed, latex
            assert "−" not in latex and "·" not in latex, latex
