"""Words for every step: a sentence for every kind of record, with the record's own names and
formulas in it, and nothing in it that is false for the network's activation, loss or optimizer."""

from __future__ import annotations

import itertools
import math
import re
from typing import get_args

import numpy as np
import pytest

from tui_nn.engine.nn.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, LEAKY_SLOPE
from tui_nn.engine.nn.datasets import load
from tui_nn.engine.nn.losses import SIGMOID_LOSSES as LOSSES
from tui_nn.engine.nn.network import InitSpec, Network
from tui_nn.engine.nn.optimizers import OPTIMIZERS
from tui_nn.engine.walk.expr import has_symbols, text
from tui_nn.engine.walk.notation import Names
from tui_nn.engine.walk.records import Step, StepKind
from tui_nn.engine.walk.stepper import Stepper
from tui_nn.engine.walk.words import reference_card, sentence

SHAPES = [(2, 1), (2, 2, 1), (2, 3, 2, 1)]


def walk(sizes: tuple[int, ...], activation: str, loss: str, optimizer: str, pinned: bool = False) -> tuple[list[Step], Network]:
    """Two passes (so the optimizer's state is not zero), whole batch or one pinned sample."""
    net = Network(sizes, activation, loss)
    net.initialise(InitSpec("normal", 1.0), 5)
    stepper = Stepper(net, load("xor"), optimizer, 0.5)
    if pinned:
        stepper.set_focus(2)
    records = stepper.walk_pass() + stepper.walk_pass()
    return records, net


def formula_lines(step: Step) -> list[str]:
    """Each equation as the log writes it in symbols: 'lhs = last symbolic form'."""
    lines = []
    for eq in step.equations:
        symbolic = [f for f in eq.forms if has_symbols(f)]
        if symbolic:
            lines.append(f"{text(eq.lhs, str)} {eq.relation} {text(symbolic[-1], str)}")
    return lines


def hidden(step: Step, net: Network) -> bool:
    """Does the record concern a hidden unit (its value or δ)?"""
    return step.kind in ("a", "delta") and step.layer is not None and 0 < step.layer < net.n_layers


CASES = list(itertools.product(SHAPES, HIDDEN_ACTIVATIONS, LOSSES, OPTIMIZERS))


@pytest.mark.parametrize(("sizes", "activation", "loss", "optimizer"), CASES)
def test_every_step_kind_of_a_pass_gets_a_sentence_with_its_own_names_and_formulas(
    sizes: tuple[int, ...], activation: str, loss: str, optimizer: str
) -> None:
    records, net = walk(sizes, activation, loss, optimizer)
    kinds = set()
    for step in records:
        words = sentence(step, net)
        kinds.add(step.kind)
        assert words.endswith("."), words
        assert "{" not in words and "}" not in words, words
        if step.kind in ("z", "grad_w", "grad_b", "grad_a"):
            # the record's formula, term by term: x1·w11, b_h1, δ_out·h1, δ_h1·w12 …
            for line in formula_lines(step):
                for term in line.split(" = ", 1)[1].split(" + "):
                    assert term in words, (term, words)
        if step.kind in ("grad_w", "grad_b", "grad_a"):
            assert text(step.equations[-1].lhs, str) in words
        if step.kind in ("z", "a", "delta") and step.layer != net.n_layers:
            assert step.label in words
        if step.kind == "delta" and step.layer != net.n_layers:
            # δ = ∂L/∂h1·σ'(z): the record's product, with the activation's own derivative
            assert formula_lines(step)[0].split(" = ")[1] in words, words
            assert net.activation(step.layer - 1).derivative_symbol.text in words
        if step.kind in ("update_w", "update_b"):
            for line in formula_lines(step):
                assert line in words, (line, words)
    expected = set(get_args(StepKind))
    if net.n_layers == 1:
        expected -= {"grad_a"}  # no hidden unit to send the error back to
    expected -= {"max", "exp", "sum"}  # a softmax output's steps (tests/test_softmax_walk.py)
    expected -= {"mask"}  # dropout's step (tests/test_dropout.py)
    assert kinds == expected


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_a_batch_of_one_says_its_mean_is_one_samples_gradient(optimizer: str) -> None:
    records, net = walk((2, 2, 1), "tanh", "bce", optimizer, pinned=True)
    updates = [r for r in records if r.kind in ("update_w", "update_b")]
    assert updates
    for step in updates:
        words = sentence(step, net)
        assert f"ḡ = ∂L/∂{step.label}, this one sample's gradient" in words
        assert "(1/m)" not in words
    assert not any(r.kind == "batch_loss" for r in records)


def claims_true_for(activation: str) -> None:
    """The facts the sentences state about each activation, checked against the engine's functions."""
    act = ACTIVATIONS[activation]
    z = np.linspace(-30.0, 30.0, 6001)
    a = act.vector(z)
    slope = act.derivative_vector(z, a)
    if activation == "sigmoid":
        assert np.all((a >= 0) & (a <= 1)) and act.scalar(0.0) == 0.5
        assert slope.max() <= 0.25 and act.derivative_scalar(0.0, 0.5) == 0.25 and slope[0] < 1e-6
    elif activation == "tanh":
        assert np.all((a >= -1) & (a <= 1)) and act.scalar(0.0) == 0.0
        assert act.derivative_scalar(0.0, 0.0) == 1.0 and slope.max() <= 1.0 and slope[0] < 1e-6
    elif activation == "relu":
        assert np.all(a[z <= 0] == 0) and np.array_equal(a[z > 0], z[z > 0])
        assert np.all(slope[z <= 0] == 0) and np.all(slope[z > 0] == 1)
    elif activation == "leaky_relu":
        assert np.array_equal(a[z > 0], z[z > 0]) and np.allclose(a[z < 0], LEAKY_SLOPE * z[z < 0])
        assert np.all(slope[z <= 0] == LEAKY_SLOPE) and np.all(slope[z > 0] == 1)
    elif activation == "elu":
        assert np.array_equal(a[z > 0], z[z > 0]) and np.all(a > -1) and act.scalar(0.0) == 0.0
        assert np.allclose(a[z <= 0], np.exp(z[z <= 0]) - 1, rtol=1e-14, atol=1e-16), "e^z − 1 when z is negative"
        assert np.all(slope[z > 0] == 1) and np.array_equal(slope[z <= 0], a[z <= 0] + 1), "e^z = h + 1 when z ≤ 0"
        assert act.derivative_scalar(0.0, 0.0) == 1.0 and slope.max() <= 1.0 and 0 < slope[0] < 1e-6  # smooth, falls towards 0
    else:
        assert activation == "softplus", f"{activation}: add the facts its sentences state"
        assert np.all(a > 0) and act.scalar(0.0) == math.log(2.0) and np.allclose(a, np.log1p(np.exp(z)), rtol=1e-15)
        sigma = ACTIVATIONS["sigmoid"]
        assert np.array_equal(slope, sigma.vector(z)), "the derivative of softplus is the sigmoid"


@pytest.mark.parametrize(("activation", "loss"), list(itertools.product(HIDDEN_ACTIVATIONS, LOSSES)))
def test_no_sentence_claims_what_is_false_for_its_activation_or_loss(activation: str, loss: str) -> None:
    claims_true_for(activation)
    records, net = walk((2, 2, 1), activation, loss, "sgd")
    own = {
        "sigmoid": ["σ'(z)", "at most 0.25", "(0, 1)"],
        "tanh": ["tanh'(z)", "(−1, 1)", "1 − h"],
        "relu": ["relu'(z)", "max(0, z)", "gives 0 when z is negative", "0 when z ≤ 0"],
        "leaky_relu": ["lrelu'(z)", f"{LEAKY_SLOPE:g}", "never falls completely silent"],
        "softplus": ["softplus'(z) = σ(z)", "ln(1 + e^z)", "the derivative of softplus is the sigmoid"],
        "elu": ["elu'(z)", "e^z − 1", "still passes some of the error back"],
    }
    # phrases that belong to one activation only: none may appear in another's hidden sentences
    foreign = {
        "sigmoid": ["0.25", "σ", "(0, 1)", "0.5"],
        "tanh": ["tanh", "(−1, 1)", "±1"],
        "relu": ["max(0", "·relu'", "passes nothing back", "sends nothing up"],
        "leaky_relu": ["lrelu", "0.01", "1%"],
        "softplus": ["softplus", "ln(1 + e^z)"],
        "elu": ["·elu'", " elu(", "e^z − 1", "ELU"],  # not "elu" alone: it is inside "relu"
    }
    if activation == "softplus":  # its slope is the sigmoid, so σ is its own word too
        foreign["sigmoid"].remove("σ")
    saturating = activation in ("sigmoid", "tanh")
    for step in records:
        words = sentence(step, net)
        if hidden(step, net):
            found = [phrase for phrase in own[activation] if phrase in words]
            assert found, words
            for other, phrases in foreign.items():
                if other != activation:
                    assert not any(p in words for p in phrases), (other, words)
            if not saturating:
                assert "saturat" not in words
        if step.kind == "delta" and step.layer == net.n_layers:
            if loss == "bce":
                assert "δ = ŷ − y" in words and "cancel" in words
            else:
                assert "(ŷ − y)·ŷ(1 − ŷ)" in words and "nothing cancels" in words and "δ = ŷ − y" not in words
        if step.kind == "loss":
            assert ("ln ŷ" in words) == (loss == "bce") and ("½" in words) == (loss == "mse")


def test_the_output_delta_sentence_matches_the_records_arithmetic() -> None:
    """BCE's δ is ŷ − y and MSE's is (ŷ − y)·ŷ(1 − ŷ): the sentences say so because the numbers are so."""
    for loss in LOSSES:
        records, net = walk((2, 2, 1), "sigmoid", loss, "sgd")
        for k, step in enumerate(records):
            if step.kind == "delta" and step.layer == net.n_layers:
                y_hat = next(r.value for r in reversed(records[:k]) if r.kind == "a" and r.layer == net.n_layers)
                y = float(load("xor").y[step.sample, 0])
                expected = y_hat - y if loss == "bce" else (y_hat - y) * y_hat * (1 - y_hat)
                assert step.value == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_a_zero_input_is_named_in_the_weight_gradient_sentence() -> None:
    records, net = walk((2, 2, 1), "sigmoid", "bce", "sgd")
    zero = [r for r in records if r.kind == "grad_w" and r.note is not None]
    assert zero, "XOR's (0, 0) gives weight gradients from a zero input"
    names = Names(net.sizes)
    for step in zero:
        (layer, i, _) = step.edges[0]
        source = names.activation_value(layer, i)
        assert step.note == f"{source} is 0 here, so no gradient"  # the line's note names the input that is 0
        assert f"{source} is 0 here" in sentence(step, net)


def test_a_perceptrons_sum_says_its_boundary_is_a_straight_line() -> None:
    records, net = walk((2, 1), "sigmoid", "bce", "sgd")
    z = next(r for r in records if r.kind == "z")
    assert "straight line" in sentence(z, net) and "x1·w1 + x2·w2" in sentence(z, net)


def test_wide_layers_are_listed_with_an_ellipsis() -> None:
    records, net = walk((2, 8, 1), "relu", "bce", "sgd")
    out_z = next(r for r in records if r.kind == "z" and r.layer == net.n_layers)
    words = sentence(out_z, net)
    assert "h1·v1 + h2·v2 + h3·v3 + … + h8·v8" in words
    grad_a = next(r for r in records if r.kind == "grad_a")
    assert "δ_out·v1" in sentence(grad_a, net)


# --- the reference card --------------------------------------------------------------------------


@pytest.mark.parametrize(("sizes", "activation", "loss", "optimizer"), CASES)
def test_the_reference_card_lists_the_formulas_in_use(sizes: tuple[int, ...], activation: str, loss: str, optimizer: str) -> None:
    net = Network(sizes, activation, loss)
    card = reference_card(net, optimizer)
    rows = [line for line in card.splitlines() if line.startswith("|")]
    assert rows and all(line.count("|") == rows[0].count("|") for line in rows), "every table row has the same cells"
    symbol = ACTIVATIONS[activation].symbol
    has_hidden = len(sizes) > 2
    assert (f"a = {symbol}(z)" in card) == has_hidden
    assert ("hidden δ" in card) == has_hidden
    if has_hidden:
        assert f"{symbol}'(z)" in card
        assert ("0.25" in card) == (activation == "sigmoid")
    if loss == "bce":
        assert "δ_out = ŷ − y" in card and "ln ŷ" in card
    else:
        assert "δ_out = (ŷ − y)·ŷ·(1 − ŷ)" in card and "not ŷ − y" in card
    assert ("θ ← θ − η·ḡ" in card) == (optimizer == "sgd")
    assert ("M ← β·M + ḡ" in card) == (optimizer == "momentum")
    assert all(s in card for s in ("M̂", "Ŝ", "β₂")) == (optimizer == "adam")
    assert "z of " in card and re.search(r"x1·w1\d? \+ x2·w2\d? \+ b", card)
