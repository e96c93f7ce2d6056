"""The quiz teaches the rule, not the arithmetic: a step's question gives its inputs by name and not
the rule with the numbers put in, and a wrong answer that a common mistake gives is named.

Each mistaken answer here is worked out by the test on its own (NumPy on the walk's records and
the network's parameters), then typed: the quiz must recognise it from its own computation.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tui_nn.engine.nn.activations import HIDDEN_ACTIVATIONS
from tui_nn.engine.nn.losses import SIGMOID_LOSSES as LOSSES
from tui_nn.engine.nn.optimizers import OPTIMIZERS, scalar_update
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.engine.teach.quiz import STYLES, Question, QuizScore, check, next_question
from tui_nn.engine.walk.records import Step
from tui_nn.engine.walk.stepper import Stepper

seeds = st.integers(0, 5_000)


def stepper_for(seed: int, **config: object) -> Stepper:
    stepper = build(Config(seed=seed).with_changes(**config)).stepper
    stepper.walk_pass()  # the second pass: biases are no longer 0, the optimizer remembers something
    return stepper


def walk_to(stepper: Stepper, wanted: object) -> Step:
    """Step until the next record satisfies `wanted` (a predicate on the record)."""
    for _ in range(10 * stepper.current.total):
        if wanted(stepper.peek()):  # type: ignore[operator]
            return stepper.peek()
        stepper.step()
    raise AssertionError("no such step in the walk")


def typed(q: Question, value: float, digits: int = 6) -> str:
    return f"{value:.{digits}f}"


def assert_slip(q: Question, value: float, *words: str) -> None:
    """`value` (what the mistake gives) is judged wrong, and the message names the mistake."""
    verdict = check(q, typed(q, value))
    assert verdict.outcome == "wrong", (q.prompt, value, q.value)
    assert verdict.slip, (q.prompt, value, [s.what for s in q.slips])
    for word in words:
        assert word in verdict.slip, (word, verdict.slip)
    assert verdict.slip in verdict.message and "\n" not in verdict.message


def rhs(worked_line: str) -> str:
    """The numbers of a worked line without its result: 'δ = (−0.1170)·0.5000·(1 − 0.5000) = ?'
    → '(−0.1170)·0.5000·(1 − 0.5000)'."""
    return " = ".join(worked_line.split(" = ")[1:-1])


@settings(max_examples=15, deadline=None)
@given(
    seed=seeds,
    activation=st.sampled_from(HIDDEN_ACTIVATIONS),
    loss=st.sampled_from(LOSSES),
    optimizer=st.sampled_from(OPTIMIZERS),
    style=st.sampled_from(STYLES),
)
def test_a_question_gives_named_inputs_and_never_the_rule_with_its_numbers(
    seed: int, activation: str, loss: str, optimizer: str, style: str
) -> None:
    """Every step of a pass: the question names the numbers it is made from (as the log prints
    them) and neither the prompt nor the givens carry the rule, symbolic or with numbers in; the
    rule and the worked line are there for the hint."""
    stepper = stepper_for(seed, activation=activation, loss=loss, optimizer=optimizer)
    for _ in range(stepper.current.total):
        q = next_question(stepper, style)  # type: ignore[arg-type]
        stepper.step()
        if q.kind == "moves_most":
            continue
        shown = q.prompt + "\n" + "\n".join(f"{g.name} = {g.shown}" for g in q.givens)
        assert q.givens, q.prompt
        assert q.worked and q.formula, q.prompt
        for line in q.worked.splitlines():
            numbers = rhs(line)
            if any(op in numbers for op in "·+/(") or " − " in numbers:
                assert numbers not in shown, (numbers, shown)
        rule = q.formula.split(" = ", 1)[1] if " = " in q.formula else q.formula
        if any(op in rule for op in "·+−/("):  # ∂L/∂b = δ_out is no rule to hide: δ_out is given
            assert rule not in shown, (rule, shown)
        for g in q.givens:
            assert g.name and g.shown and "?" not in g.shown


@settings(max_examples=10, deadline=None)
@given(seed=seeds, activation=st.sampled_from(["sigmoid", "tanh"]))
def test_the_activations_slope_left_out_is_named(seed: int, activation: str) -> None:
    """δ_h = ∂L/∂h·g'(z): answering ∂L/∂h itself (the record just before) is σ' forgotten."""
    stepper = stepper_for(seed, activation=activation)
    step = walk_to(stepper, lambda s: s.kind == "delta" and s.layer == 1 and abs(s.value) > 1e-3)
    dl_dh = stepper.last()
    assert dl_dh is not None and dl_dh.kind == "grad_a"
    q = next_question(stepper, "number")
    assume(abs(dl_dh.value - step.value) > 2 * q.tolerance)  # tanh near z = 0 has slope 1: no visible difference
    assert any(g.name.startswith("∂L/∂h") for g in q.givens) and any(g.name.startswith("z of") for g in q.givens)
    assert_slip(q, dl_dh.value, "slope", "left out")


@settings(max_examples=10, deadline=None)
@given(seed=seeds, kind=st.sampled_from(["grad_w", "grad_a", "delta"]))
def test_a_flipped_sign_is_named(seed: int, kind: str) -> None:
    stepper = stepper_for(seed)
    step = walk_to(stepper, lambda s: s.kind == kind and abs(s.value) > 1e-2)
    q = next_question(stepper, "number")
    assert_slip(q, -step.value, "sign")


@settings(max_examples=10, deadline=None)
@given(seed=seeds, optimizer=st.sampled_from(OPTIMIZERS))
def test_the_mean_without_its_1_over_m_is_named(seed: int, optimizer: str) -> None:
    """The update of a parameter with the batch's gradients summed instead of averaged, computed
    here by running the same optimizer with the summed gradient on a copy of the network."""
    stepper = stepper_for(seed, optimizer=optimizer, lr=0.5)
    m = len(stepper.current.samples)
    assert m == 4
    step = walk_to(stepper, lambda s: s.kind == "update_w")
    index = stepper.net.weight_index(step.writes[0][0].layer, step.writes[0][0].source, step.writes[0][0].unit)  # type: ignore[arg-type]
    summed = sum(stepper.sample_tables(stepper.current, k).grad for k in range(m))
    q = next_question(stepper, "number")
    state = stepper.current.start_state
    first = float(state.first[index]) if state.first.size else 0.0
    second = float(state.second[index]) if state.second.size else 0.0
    theta = float(stepper.current.start_params[index])
    wrong = scalar_update(optimizer, stepper.lr, theta, float(summed[index]), first, second, state.t + 1).new_value
    assume(abs(wrong - step.value) > 2 * q.tolerance)  # gradients that nearly cancel: 1/m makes no visible difference
    assert_slip(q, wrong, "1/m")


@settings(max_examples=10, deadline=None)
@given(seed=seeds)
def test_y_hat_used_for_delta_is_named(seed: int) -> None:
    """δ_out = ŷ − y; for a sample with y = 1, answering ŷ is 'ŷ used for δ'."""
    stepper = stepper_for(seed)
    walk_to(stepper, lambda s: s.kind == "delta" and s.layer == 2 and s.sample == 1)  # sample 2: y = 1
    y_hat = stepper.sample_tables(stepper.current, 1).a[-1][0]
    q = next_question(stepper, "number")
    assert_slip(q, y_hat, "ŷ")


@settings(max_examples=10, deadline=None)
@given(seed=seeds)
def test_the_updated_weight_used_in_the_backward_pass_is_named(seed: int) -> None:
    """∂L/∂h1 = δ_out·v1 with the v1 the forward pass used; with v1 after this pass's update
    (v1 − η·δ_out·h1: one sample per pass, plain gradient descent) it is the classic mistake."""
    stepper = stepper_for(seed)
    stepper.set_focus(seed % 4)  # one sample per pass, as in the classic worked example
    step = walk_to(stepper, lambda s: s.kind == "grad_a" and s.unit == 0)
    assert stepper.current.samples == [seed % 4]
    q = next_question(stepper, "number")
    tables = stepper.sample_tables(stepper.current, 0)
    delta_out, h1 = tables.delta[-1][0], tables.a[1][0]
    v1 = float(stepper.current.start_params[stepper.net.weight_index(1, 0, 0)])
    v1_after = v1 - stepper.lr * delta_out * h1
    wrong = delta_out * v1_after
    assume(abs(wrong - step.value) > 2 * q.tolerance)  # v1 hardly moved in this update
    assert_slip(q, wrong, "after this pass's update")


@settings(max_examples=10, deadline=None)
@given(seed=seeds)
def test_a_forgotten_bias_and_a_wrong_activation_are_named(seed: int) -> None:
    stepper = stepper_for(seed, activation="sigmoid")
    step = walk_to(stepper, lambda s: s.kind == "z" and s.layer == 1)
    j = step.unit
    assert j is not None
    k = stepper.current.samples.index(step.sample)
    x = stepper.sample_tables(stepper.current, k).a[0]
    weights, bias = stepper.net.weights(0), float(stepper.net.biases(0)[j])
    q = next_question(stepper, "number")
    assume(abs(bias) > 2 * q.tolerance)
    assert_slip(q, float(np.dot(x, weights[:, j])), "bias")
    stepper.step()
    q = next_question(stepper, "number")  # a = σ(z)
    z, tanh = step.value, math.tanh(step.value)
    if abs(tanh - 1 / (1 + math.exp(-z))) > 2 * q.tolerance and abs(tanh - z) > 2 * q.tolerance:  # tanh(z) ≈ z near 0
        assert_slip(q, tanh, "tanh")


@settings(max_examples=10, deadline=None)
@given(
    seed=seeds,
    activation=st.sampled_from(HIDDEN_ACTIVATIONS),
    loss=st.sampled_from(LOSSES),
    optimizer=st.sampled_from(OPTIMIZERS),
)
def test_the_right_answer_is_never_taken_for_a_mistake(seed: int, activation: str, loss: str, optimizer: str) -> None:
    """Anything within the stated tolerance is right; every slip the quiz knows is outside it."""
    stepper = stepper_for(seed, activation=activation, loss=loss, optimizer=optimizer)
    for _ in range(stepper.current.total):
        q = next_question(stepper, "number")
        stepper.step()
        if not math.isfinite(q.value):
            continue
        for answer in (q.value, q.value + 0.9 * q.tolerance, q.value - 0.9 * q.tolerance):
            verdict = check(q, repr(answer))
            assert verdict.outcome == "right" and not verdict.slip, (q.prompt, answer)
        for slip in q.slips:
            assert abs(slip.value - q.value) > q.tolerance, (q.prompt, slip)
            assert check(q, repr(slip.value)).outcome == "wrong"


@pytest.mark.parametrize("answer", ["right", "wrong", "skip"])
def test_a_question_asked_again_is_scored_once(answer: str) -> None:
    stepper = build(Config()).stepper
    score = QuizScore()
    q = next_question(stepper)
    for _ in range(3):
        again = next_question(stepper)
        assert again == q
        if answer == "skip":
            score = score.skipped(again)
        else:
            score = score.answered(again, check(again, again.shown if answer == "right" else "12345"))
    assert score.total.asked == 1 and score.has_scored(q)
    stepper.step()
    other = next_question(stepper)
    assert not score.has_scored(other)
    assert score.answered(other, check(other, other.shown)).total.asked == 2


def test_a_long_batch_is_given_as_its_sum_and_m() -> None:
    """300 samples: the update is asked with Σₛ ∂L/∂θ and m (a line, not 300 numbers), and the
    sum used as if it were the mean is still named."""
    stepper = build(Config(problem="circle")).stepper
    m = len(stepper.current.samples)
    assert m > 6
    step = walk_to(stepper, lambda s: s.kind == "update_w")
    key = step.writes[0][0]
    assert key.source is not None
    index = stepper.net.weight_index(key.layer, key.source, key.unit)
    total = float(sum(stepper.sample_tables(stepper.current, k).grad[index] for k in range(m)))
    q = next_question(stepper, "number")
    named = {g.name: g.shown for g in q.givens}
    assert named["m"] == str(m) and named[f"Σₛ ∂L/∂{step.label}"] == stepper.fmt(total)
    assert sum(len(g.shown) for g in q.givens) < 60
    theta = float(stepper.current.start_params[index])
    assert abs(stepper.lr * total * (1 - 1 / m)) > 2 * q.tolerance, "the sum and the mean differ visibly here"
    assert_slip(q, theta - stepper.lr * total, "1/m")
