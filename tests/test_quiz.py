"""The quiz: questions from the records of the next step, answers judged against the engine's own
values with a stated tolerance, and a score that is a plain value."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_nn.engine.nn.activations import HIDDEN_ACTIVATIONS
from tui_nn.engine.nn.datasets import Dataset, load
from tui_nn.engine.nn.losses import SIGMOID_LOSSES as LOSSES
from tui_nn.engine.nn.network import InitSpec, Network
from tui_nn.engine.nn.optimizers import OPTIMIZERS
from tui_nn.engine.session import actions as act
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.engine.session.controller import Controller
from tui_nn.engine.teach.quiz import (
    STYLES,
    Question,
    QuizScore,
    Tally,
    check,
    known_at,
    moves_most,
    next_question,
    parse_answer,
    question,
    written_question,
)
from tui_nn.engine.walk.notation import parameter_names
from tui_nn.engine.walk.records import NumberFormat, Step
from tui_nn.engine.walk.stepper import Stepper

MALFORMED = ["", "   ", "abc", "1.2.3", "0x10", "1_000", "12 34", "--1", "1e", "½", "\x1b[31m1"]


def wrong_numbers(q: Question) -> list[float]:
    """Answers that are clearly wrong: several tolerances away, and the opposite sign."""
    v, tol = q.value, q.tolerance
    away = max(3 * tol, 1e-9 * max(1.0, abs(v)))
    wrong = [v + away, v - away, v * 2 + away if v >= 0 else v * 2 - away]
    if abs(v) > 2 * tol:
        wrong.append(-v)
    return wrong


def assert_judged_right(q: Question, fmt: NumberFormat) -> None:
    """The record's own value as the log prints it is right, clearly wrong answers are wrong,
    malformed ones are explained and not counted."""
    if q.is_choice:
        for key in q.right:
            assert check(q, key).outcome == "right", (q.prompt, key)
        for choice in q.choices:
            expected = "right" if choice.key in q.right else "wrong"
            assert check(q, choice.key).outcome == expected
            assert check(q, choice.text.upper()).outcome == expected
        for bad in ["", "banana", "\x1b[2J"]:
            verdict = check(q, bad)
            assert verdict.outcome == "invalid" and verdict.message and "\n" not in verdict.message
        return
    assert q.shown == fmt(q.value)
    assert check(q, q.shown).outcome == "right", (q.prompt, q.shown, q.how)
    assert check(q, q.shown.replace("−", "-")).outcome == "right"
    if math.isfinite(q.value):
        assert f"±{q.tolerance:.2g}".replace("-", "−") in q.how
        for wrong in wrong_numbers(q):
            assert check(q, repr(wrong)).outcome == "wrong", (q.prompt, q.value, q.tolerance, wrong)
        assert check(q, repr(q.value + 0.9 * q.tolerance)).outcome == "right"
        assert check(q, repr(q.value - 0.9 * q.tolerance)).outcome == "right"
        assert check(q, repr(q.value + 1.1 * q.tolerance + 1e-9 * max(1.0, abs(q.value)))).outcome == "wrong"
    for bad in MALFORMED:
        verdict = check(q, bad)
        assert verdict.outcome == "invalid", bad
        assert verdict.message and "\n" not in verdict.message and "\x1b" not in verdict.message


@settings(max_examples=30, deadline=None)
@given(
    hidden=st.lists(st.integers(1, 3), min_size=0, max_size=2),
    activation=st.sampled_from(HIDDEN_ACTIVATIONS),
    loss=st.sampled_from(LOSSES),
    optimizer=st.sampled_from(OPTIMIZERS),
    scale=st.sampled_from([0.3, 1.0, 4.0]),
    seed=st.integers(0, 10_000),
    digits=st.integers(2, 6),
    pinned=st.booleans(),
)
def test_the_right_answer_is_always_accepted_and_clearly_wrong_ones_refused(
    hidden: list[int], activation: str, loss: str, optimizer: str, scale: float, seed: int, digits: int, pinned: bool
) -> None:
    net = Network((2, *hidden, 1), activation, loss)
    net.initialise(InitSpec("normal", scale), seed)
    stepper = Stepper(net, load("xor"), optimizer, 0.7, digits=digits)
    if pinned:
        stepper.set_focus(seed % 4)
    fmt = stepper.fmt
    stepper.walk_pass()  # the second pass: the optimizer's state is not zero
    while True:
        step = stepper.peek()
        batch = stepper.segment_records(stepper.current, len(stepper.current.samples)) if step.phase == "update" else []
        for style in STYLES:
            q = question(step, known_at(stepper), style=style, batch=batch)
            assert q.category == step.phase
            assert q == question(step, known_at(stepper), style=style, batch=batch), "a question is a pure function of its record"
            assert_judged_right(q, fmt)
            if style == "number":
                assert not q.is_choice and q.value == step.value
        if stepper.position == stepper.current.total - 1:
            break
        stepper.step()


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("loss", LOSSES)
def test_every_step_kind_is_asked_for_every_activation_loss_and_optimizer(activation: str, loss: str, optimizer: str) -> None:
    stepper = build(Config(activation=activation, loss=loss, optimizer=optimizer, hidden=(2,))).stepper
    asked: set[tuple[str, bool]] = set()
    for _ in range(stepper.current.total):
        q = next_question(stepper)
        assert_judged_right(q, stepper.fmt)
        asked.add((q.kind, q.is_choice))
        stepper.step()
    numbers = {"z", "a", "loss", "delta", "grad_w", "grad_a", "batch_loss", "update_w", "update_b"}
    assert {kind for kind, choice in asked if not choice} == numbers
    assert {kind for kind, choice in asked if choice} == {"a", "grad_b", "moves_most"}


def test_the_predicted_class_is_the_engines_rule() -> None:
    """Class 1 exactly when ŷ > 0.5, checked against Network.predict on every sample."""
    session = build(Config(seed=0))
    session.stepper.run_epochs(300)
    predictions = session.net.predict(session.data.x)[:, 0]
    stepper = session.stepper
    seen = 0
    for _ in range(stepper.current.total):
        step = stepper.peek()
        if step.kind == "a" and step.layer == session.net.n_layers:
            q = next_question(stepper)
            expected = "1" if predictions[step.sample] > 0.5 else "0"
            assert q.right == {expected} and check(q, expected).outcome == "right"
            assert check(q, "class " + expected).outcome == "right"
            assert check(q, "1" if expected == "0" else "0").outcome == "wrong"
            seen += 1
        stepper.step()
    assert seen == 4


def test_which_parameter_moves_most_is_computed_from_the_parameters_themselves() -> None:
    for optimizer in OPTIMIZERS:
        stepper = build(Config(optimizer=optimizer, seed=4)).stepper
        stepper.walk_pass()  # momentum and Adam remember something
        while stepper.peek().phase != "update" or stepper.peek().kind == "batch_loss":
            stepper.step()
        before = stepper.net.params.copy()
        q = next_question(stepper)
        assert q.kind == "moves_most" and q.category == "update"
        stepper.walk_pass()
        moved = np.abs(stepper.current.previous[0].end_params - before)  # type: ignore[index]
        names = {index: name for name, index in parameter_names(stepper.net).items() if "[" not in name}
        largest = {names[int(k)] for k in np.flatnonzero(moved == moved.max())}
        assert q.right == largest
        for name in names.values():
            assert check(q, name).outcome == ("right" if name in largest else "wrong")


def test_moves_most_is_asked_only_at_the_first_parameter_and_not_of_large_networks() -> None:
    stepper = build(Config()).stepper
    while stepper.peek().kind != "update_w":
        stepper.step()
    assert next_question(stepper).kind == "moves_most"
    stepper.step()
    assert next_question(stepper).kind == "update_w"
    wide = build(Config(hidden=(8,))).stepper  # 33 parameters: too many to choose from
    while wide.peek().kind != "update_w":
        wide.step()
    assert next_question(wide).kind == "update_w"
    records = wide.segment_records(wide.current, len(wide.current.samples))
    assert moves_most(records, wide.fmt) is None


def test_a_sign_question_takes_symbols_and_words() -> None:
    stepper = build(Config()).stepper
    while stepper.peek().kind != "grad_b":
        stepper.step()
    q = next_question(stepper)
    value = stepper.peek().value
    assert value > 0 and q.right == {"+"}
    for answer in ("+", "positive", "pos", "Positive"):
        assert check(q, answer).outcome == "right"
    for answer in ("-", "−", "negative", "0", "zero"):
        assert check(q, answer).outcome == "wrong"
    assert check(q, "p").outcome == "invalid"  # too short to tell
    assert "positive" in check(q, "-").message


def test_choice_style_asks_signs_and_directions() -> None:
    stepper = build(Config()).stepper
    seen = set()
    for _ in range(stepper.current.total):
        step = stepper.peek()
        q = question(step, known_at(stepper), style="choice")
        if step.kind in ("delta", "grad_w", "grad_b", "grad_a"):
            expected = "+" if step.value > 0 else ("−" if step.value < 0 else "0")
            assert q.right == {expected}
            seen.add(step.kind)
        if step.kind in ("update_w", "update_b"):
            before = float(stepper.net.params[_index(stepper.net, step)])
            expected = "up" if step.value > before else ("down" if step.value < before else "same")
            assert q.right == {expected}
            seen.add(step.kind)
        stepper.step()
    assert seen == {"delta", "grad_w", "grad_b", "grad_a", "update_w", "update_b"}


def _index(net: Network, step: Step) -> int:
    return parameter_names(net)[step.label]


def test_the_tolerance_widens_where_the_numbers_on_screen_are_too_rounded() -> None:
    """ŷ = 0.99995 prints as 1.0000, so δ = ŷ − y = −4.5e−05 cannot be read off the screen more
    closely than 1.0000 − 1 = 0: that answer counts, and the question says why."""
    data = Dataset("one", np.array([[1.0, 0.0]]), np.array([[1.0]]))
    net = Network((2, 1), loss="bce")
    net.weights(0)[:] = [[10.0], [0.0]]
    stepper = Stepper(net, data)
    while stepper.peek().kind != "delta":
        stepper.step()
    step = stepper.peek()
    y_hat = 1.0 / (1.0 + math.exp(-10.0))
    assert step.value == pytest.approx(y_hat - 1.0, rel=1e-12)
    q = next_question(stepper)
    assert q.shown == "−4.540e−05"
    assert "rounded" in q.how
    assert check(q, "0").outcome == "right"  # 1.0000 − 1, from the numbers on screen
    assert check(q, "-4.54e-5").outcome == "right"
    assert check(q, "0.0001").outcome == "wrong"
    assert check(q, "-0.0001").outcome == "wrong"


def test_a_diverged_network_is_asked_for_nan_and_infinity() -> None:
    net = Network((2, 2, 1), "relu", "mse")
    net.weights(0)[:] = [[np.inf, 1.0], [1.0, 1.0]]
    stepper = Stepper(net, load("xor"))
    stepper.step()  # z of h1 = 0·∞ + … = nan for sample 1
    kinds = 0
    for _ in range(stepper.current.total - 1):
        step = stepper.peek()
        q = next_question(stepper)
        if not math.isfinite(step.value):
            kinds += 1
            assert not q.is_choice or math.isfinite(q.value)
            if not q.is_choice:
                shown = "nan" if math.isnan(step.value) else ("∞" if step.value > 0 else "−∞")
                assert check(q, shown).outcome == "right"
                assert check(q, "0").outcome == "wrong"
                assert check(q, "inf" if math.isnan(step.value) else "nan").outcome == "wrong"
        stepper.step()
    assert kinds > 0


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("0.4216", 0.4216),
        ("−0.4216", -0.4216),
        ("-0.4216", -0.4216),
        (" .5 ", 0.5),
        ("0,4216", 0.4216),
        ("1.2e−05", 1.2e-05),
        ("4.540e−05", 4.54e-05),
        ("+3", 3.0),
        ("∞", math.inf),
        ("-inf", -math.inf),
        ("−∞", -math.inf),
    ],
)
def test_numbers_are_read_as_a_learner_types_them(typed: str, value: float) -> None:
    assert parse_answer(typed) == value


@pytest.mark.parametrize("typed", MALFORMED)
def test_malformed_numbers_are_explained_in_one_line(typed: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_answer(typed)
    message = str(error.value)
    assert "\n" not in message and "\x1b" not in message and ("number" in message)


def test_written_questions_take_numbers_or_choices() -> None:
    three = written_question("How many?", "3")
    assert three.tolerance == 0 and check(three, "3").outcome == "right" and check(three, "3.2").outcome == "wrong"
    quarter = written_question("σ'(0)?", "0.25")
    assert quarter.tolerance == pytest.approx(0.005)
    assert check(quarter, "0.254").outcome == "right" and check(quarter, "0.26").outcome == "wrong"
    assert written_question("?", "1", tolerance=0.5).tolerance == 0.5
    assert written_question("?", "1.5e-3").tolerance == pytest.approx(5e-5)
    pick = written_question("Which?", "a curve", ["a line", "a curve"])
    assert pick.right == {"b"} and pick.category == "concept"
    assert check(pick, "b").outcome == "right" and check(pick, "A Curve").outcome == "right"
    assert check(pick, "a").outcome == "wrong" and check(pick, "a line").outcome == "wrong"
    assert check(pick, "c").outcome == "invalid"
    with pytest.raises(ValueError, match="not one of the choices"):
        written_question("?", "a circle", ["a line", "a curve"])
    with pytest.raises(ValueError, match="not a number"):
        written_question("?", "three")


def test_the_score_counts_per_kind_of_step_and_ignores_invalid_answers() -> None:
    stepper = build(Config()).stepper
    score = QuizScore()
    assert score.summary() == "no questions answered yet"
    z = next_question(stepper)
    score = score.answered(z, check(z, "abc"))  # invalid: asked again, not counted
    score = score.answered(z, check(z, z.shown))
    stepper.step()
    a = next_question(stepper)
    score = score.answered(a, check(a, "7"))
    stepper.step()
    score = score.skipped(next_question(stepper))
    assert score.forward == Tally(right=1, wrong=1, skipped=1)
    assert score.tally("backward") == Tally()
    assert score.total == Tally(1, 1, 1)
    assert score.summary() == "forward 1/2, 1 skipped · total 1/2, 1 skipped"
    concept = written_question("?", "3")
    score = score.answered(concept, check(concept, "3"))
    assert score.concept == Tally(right=1) and score.total.asked == 4


def test_the_score_and_questions_survive_stepping_back() -> None:
    """A question is a function of the state: after ← the same question comes back, and the
    score (a plain value the UI holds) is untouched by anything the controller does."""
    controller = Controller(build(Config()))
    score = QuizScore()
    asked = []
    for _ in range(30):
        q = next_question(controller.stepper)
        asked.append(q)
        score = score.answered(q, check(q, q.shown if not q.is_choice else next(iter(q.right))))
        controller.apply(act.Next())
    frozen = score
    for q in reversed(asked):
        controller.apply(act.Back())
        assert next_question(controller.stepper) == q
    controller.apply(act.Rebuild(Config(hidden=(3,))))
    assert score == frozen and score.total.right == 30


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_a_question_carries_the_numbers_of_the_line_it_asks_for(optimizer: str) -> None:
    """The worked line is the log's line with its result left out: every number the answer
    needs is in the question, even when the diagram shows another sample."""
    from tui_nn.engine.walk.render import step_text

    c = Controller(build(Config(optimizer=optimizer, hidden=(2, 2))))
    fmt = c.stepper.fmt
    asked = 0
    for _ in range(c.stepper.current.total):
        q = next_question(c.stepper, style="number")
        step = c.stepper.peek()
        log = " ".join(step_text(step, fmt))
        lines = q.worked.splitlines()
        assert lines and lines[-1].endswith("= ?")
        numbers = lines[-1].split(" = ", 1)[1].removesuffix("?") + fmt(step.value)
        assert numbers in log, (numbers, log)
        asked += 1
        c.apply(act.Next())
    assert asked == c.stepper.current.total
