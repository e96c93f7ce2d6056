"""Weight decay: (λ/2)·Σw² over the weights (not the biases) in the loss, λ·w in every weight's gradient."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.cli_helpers import one_error_line, run
from tui_nn.cli.replay import digest
from tui_nn.engine.nn.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from tui_nn.engine.nn.datasets import load
from tui_nn.engine.nn.gradcheck import check, parameter_names
from tui_nn.engine.nn.losses import LOSS_KINDS, LOSSES
from tui_nn.engine.nn.network import InitSpec, Network
from tui_nn.engine.nn.optimizers import OPTIMIZERS
from tui_nn.engine.nn.training import Trainer
from tui_nn.engine.session import actions as act
from tui_nn.engine.session import replay
from tui_nn.engine.session.actions import ActionError, config_from_json, config_to_json
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.engine.session.controller import Controller
from tui_nn.engine.teach import quiz
from tui_nn.engine.teach.lesson import LessonError, parse_lesson
from tui_nn.engine.walk import expr
from tui_nn.engine.walk.matrices import matrix_position
from tui_nn.engine.walk.records import NumberFormat, Step
from tui_nn.engine.walk.render import step_text
from tui_nn.engine.walk.stepper import Stepper
from tui_nn.engine.walk.words import conventions, reference_card
from tui_nn.ui.panes.widgets import StatusLine
from tui_nn.ui.shell.app import TuiNN

LAM = 0.03


def _net(sizes: tuple[int, ...], activation: str = "tanh", l2: float = LAM, seed: int = 4) -> Network:
    net = Network(sizes, activation, "bce", l2=l2)
    net.initialise(InitSpec("normal", 1.0), seed)
    net.params += np.random.RandomState(seed).uniform(-0.5, 0.5, net.n_params)  # non-zero biases too
    return net


def _plain_numpy_loop(
    weights: list[np.ndarray], biases: list[np.ndarray], x: np.ndarray, y: np.ndarray, lr: float, lam: float, epochs: int
) -> tuple[list[float], list[np.ndarray], list[np.ndarray]]:
    """cs231n's loop for a tanh net with a sigmoid output, BCE and weight decay, written without the engine."""
    weights = [w.copy() for w in weights]
    biases = [b.copy() for b in biases]
    m = x.shape[0]
    losses = []
    for _ in range(epochs):
        acts = [x]
        for l, (w, b) in enumerate(zip(weights, biases, strict=True)):
            z = acts[-1] @ w + b
            acts.append(1 / (1 + np.exp(-z)) if l == len(weights) - 1 else np.tanh(z))
        p = acts[-1]
        data_loss = float(np.mean(np.sum(-(y * np.log(p) + (1 - y) * np.log(1 - p)), axis=1)))
        reg_loss = sum(0.5 * lam * np.sum(w * w) for w in weights)
        losses.append(data_loss + reg_loss)
        delta = (p - y) / m
        for l in range(len(weights) - 1, -1, -1):
            dw = acts[l].T @ delta
            db = delta.sum(axis=0)
            dw += lam * weights[l]
            if l:
                delta = (delta @ weights[l].T) * (1 - acts[l] ** 2)
            weights[l] -= lr * dw
            biases[l] -= lr * db
    return losses, weights, biases


def _layers(net: Network) -> tuple[list[np.ndarray], list[np.ndarray]]:
    return [net.weights(l).copy() for l in range(net.n_layers)], [net.biases(l).copy() for l in range(net.n_layers)]


def test_loss_adds_half_lambda_sum_of_squared_weights_not_biases() -> None:
    data = load("xor")
    net = _net((2, 3, 1))
    plain = net.like(net.params.copy())
    plain.l2 = 0.0
    squares = sum(float(np.sum(net.weights(l) ** 2)) for l in range(net.n_layers))
    assert net.loss_value(data.x, data.y) == pytest.approx(plain.loss_value(data.x, data.y) + 0.5 * LAM * squares, rel=1e-14)
    moved = net.params.copy()
    for l in range(net.n_layers):
        net.biases(l, moved)[:] += 5.0
    assert net.l2_penalty(moved) == net.l2_penalty(), "biases are not decayed"


@pytest.mark.parametrize("sizes", [(2, 3, 1), (2, 1), (2, 4, 3, 1)])
def test_gradcheck_with_weight_decay(sizes: tuple[int, ...]) -> None:
    data = load("circle")
    net = _net(sizes)
    result = check(net, data.x, data.y, parameter_names(net))
    assert result.passed and result.max_relative_error < 1e-6
    # and the decay is really in the checked gradient: without it the analytic gradient differs by λ·W
    _, with_decay, _, _ = net.loss_and_gradient(data.x, data.y)
    plain = net.like(net.params.copy())
    plain.l2 = 0.0
    _, without, _, _ = plain.loss_and_gradient(data.x, data.y)
    for l in range(net.n_layers):
        np.testing.assert_allclose(net.weights(l, with_decay) - net.weights(l, without), LAM * net.weights(l), rtol=1e-12)
        np.testing.assert_array_equal(net.biases(l, with_decay), net.biases(l, without))


@pytest.mark.parametrize("batch", [None, 7])
def test_train_with_weight_decay_equals_a_plain_numpy_loop(batch: int | None) -> None:
    data = load("circle")
    net = _net((2, 5, 1), seed=2)
    start = net.params.copy()
    trainer = Trainer(net, data, lr=0.5, batch=batch)
    trainer.run(300)
    if batch is not None:  # mini-batches: one SGD step per batch, in the trainer's own order
        reference = net.like(start.copy())
        for epoch in range(300):
            for rows in trainer.batches(epoch):
                _, grad, _, _ = reference.loss_and_gradient(data.x[rows], data.y[rows])
                reference.params -= 0.5 * grad
        np.testing.assert_allclose(net.params, reference.params, rtol=1e-10, atol=1e-12)
        return
    losses, weights, biases = _plain_numpy_loop(*_layers(net.like(start)), data.x, data.y, 0.5, LAM, 300)
    rows = trainer.history.rows()
    np.testing.assert_allclose(rows[:, 1], losses, rtol=1e-12)
    trained_weights, trained_biases = _layers(net)
    for mine, theirs in zip(trained_weights + trained_biases, weights + biases, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-14)


def test_train_command_with_l2_equals_a_plain_numpy_loop(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "train", "xor", "--hidden", "3", "--activation", "tanh", "--lr", "0.7", "--l2", "0.02", "--seed", "5",
        "--epochs", "200", "--every", "1", "--json",
    )  # fmt: skip
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    rng = np.random.RandomState(5)  # the engine's normal:1 initialisation, as a tutorial writes it
    weights, biases = [rng.randn(2, 3), rng.randn(3, 1)], [np.zeros(3), np.zeros(1)]
    data = load("xor")
    losses, _, _ = _plain_numpy_loop(weights, biases, data.x, data.y, 0.7, 0.02, 201)
    shown = [r["loss"] for r in records[:-1]] + [records[-1]["loss"]]
    np.testing.assert_allclose(shown, losses, rtol=1e-12)


@pytest.mark.parametrize("value", ["-1", "-1e-9", "nan", "inf", "-inf", "1e9", "101", "abc", ""])
def test_bad_l2_is_one_line_naming_the_flag(capsys: pytest.CaptureFixture[str], value: str) -> None:
    code, out, err = run(capsys, "train", "xor", f"--l2={value}", "--epochs", "1")
    assert code == 2 and out == ""
    # (--l2=VALUE: argparse would take a separate "-1e-9" or "-inf" for an option of its own)
    assert one_error_line(err).startswith("tui-nn: error: --l2: L2 weight decay λ must be")


def test_l2_in_a_session_file_round_trips_and_old_files_read_as_none() -> None:
    config = Config(l2=0.015)
    assert config_from_json(json.loads(json.dumps(config_to_json(config)))) == config
    old = config_to_json(Config())
    del old["l2"]
    assert config_from_json(old).l2 == 0.0


@pytest.mark.parametrize("value", [-0.5, "nan", True, "1e400", 1e300, [1]])
def test_bad_l2_in_a_session_file_names_the_field(value: object) -> None:
    with pytest.raises(ActionError, match=r"^settings: (l2|L2 weight decay λ) "):
        config_from_json({"l2": value})


def test_weight_decay_shrinks_the_weights_and_zero_changes_nothing() -> None:
    data = load("xor")
    runs = {}
    for lam in (0.0, 0.01):
        net = _net((2, 4, 1), l2=lam)
        Trainer(net, data, lr=1.0).run(500)
        runs[lam] = net
    assert runs[0.01].weight_squares() < runs[0.0].weight_squares()
    undecayed = Network((2, 4, 1), "tanh", "bce")
    undecayed.params[:] = _net((2, 4, 1), l2=0.0).params
    Trainer(undecayed, data, lr=1.0).run(500)
    np.testing.assert_array_equal(undecayed.params, runs[0.0].params)


@settings(max_examples=25, deadline=None)
@given(
    hidden=st.lists(st.integers(1, 4), min_size=0, max_size=2),
    optimizer=st.sampled_from(OPTIMIZERS),
    batch=st.sampled_from([None, 1, 3]),
    lam=st.sampled_from([1e-3, 0.05, 0.5]),
    seed=st.integers(0, 10_000),
)
def test_a_walk_with_weight_decay_lands_on_the_trainers_weights(hidden, optimizer, batch, lam, seed) -> None:
    data = load("xor")
    walked = Network((2, *hidden, 1), "tanh", "bce", l2=lam)
    walked.initialise(InitSpec("normal", 1.0), seed)
    trained = walked.copy()
    stepper = Stepper(walked, data, optimizer, 0.5, batch=batch, seed=seed)
    while stepper.epoch < 2:
        stepper.finish_pass()
    trainer = Trainer(trained, data, optimizer, 0.5, batch=batch, seed=seed)
    trainer.run(2)
    # Adam divides by √Ŝ + ε, which magnifies rounding differences of the two gradients' sums
    tolerance = 1e-9 if optimizer == "adam" else 1e-12
    np.testing.assert_allclose(walked.params, trained.params, rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(stepper.history.rows()[:2, 1], trainer.history.rows()[:2, 1], rtol=1e-12)


def _update_records(lam: float, optimizer: str, batch: int | None = None) -> tuple[Stepper, np.ndarray, list[Step]]:
    net = Network((2, 3, 1), "sigmoid", "bce", l2=lam)
    net.initialise(InitSpec("normal", 1.0), 7)
    stepper = Stepper(net, load("xor"), optimizer, 0.8, batch=batch)
    start = stepper.current.start_params.copy()
    records = [r for r in stepper.walk_pass() if r.phase in ("update", "loss") and r.sample is None]
    return stepper, start, records


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_each_narrated_update_line_recomputes_to_the_engines_update(optimizer: str) -> None:
    lam = 0.04
    stepper, start, records = _update_records(lam, optimizer)
    data = load("xor")
    reference = stepper.net.like(start.copy())
    reference_trainer = Trainer(reference, data, optimizer, 0.8)
    reference_trainer.run(1)
    updates = [r for r in records if r.phase == "update"]
    assert len(updates) == stepper.net.n_params
    fmt = NumberFormat(4)
    for step in updates:
        ((key, value),) = step.writes
        index = (
            stepper.net.bias_index(key.layer, key.unit)
            if key.kind == "b"
            else stepper.net.weight_index(key.layer, key.source, key.unit)  # type: ignore[arg-type]
        )
        assert value == pytest.approx(float(reference.params[index]), rel=1e-9, abs=1e-12)
        for form, shown in [(f, eq.value) for eq in step.equations for f in eq.forms if not expr.has_symbols(f)]:
            assert expr.evaluate(form) == pytest.approx(shown, rel=1e-12, abs=1e-15), step_text(step, fmt)
        text = " ".join(step_text(step, fmt))
        weight = step.label
        decay_term = f"λ·{weight}"
        if step.kind == "update_w":
            assert decay_term in text, text
            assert f"{lam:g}·" in text, "the numbers put in: λ itself, next to the weight"
        else:
            assert "λ" not in text, "biases are not decayed"


def test_the_loss_step_shows_the_l2_term_beside_the_data_loss() -> None:
    lam = 0.04
    stepper, start, records = _update_records(lam, "sgd")
    (loss_step,) = [r for r in records if r.kind == "batch_loss"]
    data = load("xor")
    assert loss_step.value == pytest.approx(stepper.net.loss_value(data.x, data.y, start), rel=1e-14)
    text = "\n".join(step_text(loss_step, NumberFormat(4)))
    assert "L = L_data + (λ/2)·Σw²" in text and "Σw² =" in text
    squares = sum(float(np.sum(stepper.net.weights(l, start) ** 2)) for l in range(stepper.net.n_layers))
    assert [eq.value for eq in loss_step.equations if eq.lhs.text == "Σw²"] == [pytest.approx(squares, rel=1e-14)]
    for eq in loss_step.equations:
        for form in eq.forms:
            if not expr.has_symbols(form):
                assert expr.evaluate(form) == pytest.approx(eq.value, rel=1e-12)


def test_a_batch_of_one_gets_a_loss_step_only_with_weight_decay() -> None:
    for lam, expected in ((0.0, 0), (0.04, 1)):
        _, _, records = _update_records(lam, "sgd", batch=1)
        assert sum(r.kind == "batch_loss" for r in records) == expected


def test_without_weight_decay_the_walk_reads_as_before() -> None:
    _, _, records = _update_records(0.0, "sgd")
    text = "\n".join(line for r in records for line in step_text(r, NumberFormat(4)))
    assert "λ" not in text and "Σw²" not in text and "L_data" not in text


def test_typing_the_numpy_views_lines_with_weight_decay_trains_the_walks_network() -> None:
    """cs231n's lines, as the NumPy view shows them: `loss += 0.5 * lam * (…)` and `dW += lam * W`."""
    session = build(Config(hidden=(3,), l2=0.02))
    stepper, net = session.stepper, session.net
    ns: dict[str, object] = {"np": np, "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "m": 4, "lr": stepper.lr, "lam": 0.02}
    ns.update(X=session.data.x.copy(), Y=session.data.y.copy())
    for k in (1, 2):
        ns[f"W{k}"], ns[f"b{k}"] = net.weights(k - 1).copy(), net.biases(k - 1).reshape(1, -1).copy()
    typed: list[str] = []
    first = stepper.current
    while stepper.current is first:
        stepper.step()
        for line in matrix_position(stepper).frame.code:
            if line not in typed:
                typed.append(line)
                exec(line, ns)
    assert "dW2 += lam * W2" in typed and "dW1 += lam * W1" in typed
    assert "loss += 0.5 * lam * (np.sum(W1 * W1) + np.sum(W2 * W2))" in typed
    assert not any("lam" in line and "db" in line for line in typed), "biases are not decayed"
    for k in (1, 2):
        np.testing.assert_allclose(ns[f"W{k}"], net.weights(k - 1), rtol=1e-14)
        np.testing.assert_allclose(ns[f"b{k}"], net.biases(k - 1).reshape(1, -1), rtol=1e-14)
    assert ns["loss"] == pytest.approx(stepper.history.rows()[0, 1], rel=1e-14)


def test_the_card_and_the_help_state_the_convention_and_the_seeds_mapping() -> None:
    decayed = build(Config(l2=0.01)).net
    card = reference_card(decayed, "sgd")
    assert "L = L_data + (λ/2)·Σw²" in card and "λ = 0.01" in card and "λ = λ′/m" in card
    assert "never a bias" in card
    plain = reference_card(build(Config()).net, "sgd")
    assert "λ" not in plain, "without weight decay the card reads as before"
    help_text = conventions()
    assert "(λ/2)·Σw²" in help_text and "λ = λ′/m" in help_text and "weight_decay" in help_text


@pytest.mark.parametrize(
    ("param", "compared"), [("w11", "analytic ḡ + λ·w11"), ("v1", "analytic ḡ + λ·v1"), ("b_h1", "analytic ḡ =")]
)
def test_explain_checks_a_decayed_weight_against_the_full_loss(
    capsys: pytest.CaptureFixture[str], param: str, compared: str
) -> None:
    code, out, _ = run(capsys, "explain", "xor", "--l2", "0.05", "--param", param)
    assert code == 0
    (check,) = [line for line in out.splitlines() if line.startswith("numerical check")]
    assert compared in check and "✓ agrees" in check, check


def test_gradcheck_command_passes_with_weight_decay(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "gradcheck", "circle", "--l2", "0.5")
    assert code == 0 and out.rstrip().endswith("PASS (tolerance 1e-06)")


@pytest.mark.parametrize(("lam", "shown"), [(0.0, None), (0.003, "λ 0.003")])
async def test_the_status_line_names_lambda_only_when_weights_decay(lam: float, shown: str | None) -> None:
    app = TuiNN(build(Config(l2=lam)), pace=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right")
        await pilot.pause()
        status = app.query_one(StatusLine).content.plain  # type: ignore[union-attr]
        assert "η 1" in status
        if shown is None:
            assert "λ" not in status
        else:
            assert shown in status


def _question_at(stepper: Stepper, kind: str, label: str | None = None) -> quiz.Question:
    while not (stepper.peek().kind == kind and (label is None or stepper.peek().label == label)):
        stepper.advance()
    return quiz.next_question(stepper, style="number")


def test_the_quiz_gives_lambda_and_names_the_weight_decay_slips() -> None:
    lam = 0.2
    session = build(Config(hidden=(3,), l2=lam))
    stepper, net, fmt = session.stepper, session.net, session.stepper.fmt
    stepper.finish_pass()  # the second pass: its biases are no longer 0
    start = stepper.current.start_params.copy()
    data = session.data

    loss_q = _question_at(stepper, "batch_loss")
    assert "(λ/2)·Σw²" in loss_q.prompt
    assert {g.name for g in loss_q.givens} >= {"λ", "Σw²"}
    assert quiz.check(loss_q, fmt(net.loss_value(data.x, data.y, start))).outcome == "right"
    plain = net.like(start.copy())
    plain.l2 = 0.0
    left_out = quiz.check(loss_q, fmt(plain.loss_value(data.x, data.y)))
    assert left_out.outcome == "wrong" and "weight decay adds (λ/2)·Σw²" in left_out.slip

    stepper.advance()
    weight_q = _question_at(stepper, "update_w")
    assert ("λ", f"{lam:g}") in {(g.name, g.shown) for g in weight_q.givens}
    index = net.weight_index(0, 0, 0)
    _, grad, _, _ = plain.loss_and_gradient(data.x, data.y)  # the data gradient alone
    assert quiz.check(weight_q, repr(float(start[index] - stepper.lr * (grad[index] + lam * start[index])))).outcome == "right"
    undecayed = quiz.check(weight_q, repr(float(start[index] - stepper.lr * grad[index])))
    assert undecayed.outcome == "wrong" and "leaves out the weight decay" in undecayed.slip

    bias_q = _question_at(stepper, "update_b")
    b = net.bias_index(0, 0)
    decayed_bias = quiz.check(bias_q, repr(float(start[b] - stepper.lr * (grad[b] + lam * start[b]))))
    assert start[b] != 0.0 and "only the weights are decayed" in decayed_bias.slip


def test_a_session_with_weight_decay_replays_to_the_same_weights(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    live = Controller(build(Config(hidden=(3,), l2=0.05)))
    live.apply(act.Train(40))
    for _ in range(30):
        live.apply(act.Next())
    path = replay.save(tmp_path / "session.json", live.recording())
    assert json.loads(path.read_text(encoding="utf-8"))["config"]["l2"] == 0.05
    code, out, _ = run(capsys, "replay", str(path), "--check", "--json")
    assert code == 0 and json.loads(out)["sha256"] == digest(live.session.net.params)
    undecayed = Controller(build(Config(hidden=(3,))))
    undecayed.apply(act.Train(40))
    assert digest(undecayed.session.net.params) != digest(live.session.net.params), "λ changed the run"


def test_a_rebuild_in_a_lesson_sets_l2() -> None:
    lesson = parse_lesson("---\ntitle: T\nl2: 0.01\n---\n## C\n<!-- tui-nn: rebuild l2=0.002 -->\n")
    assert lesson.config.l2 == 0.01 and lesson.chapters[0].config.l2 == 0.002
    with pytest.raises(LessonError, match="L2 weight decay λ must be"):
        parse_lesson("---\ntitle: T\n---\n## C\n<!-- tui-nn: rebuild l2=-3 -->\n")


@settings(max_examples=30, deadline=None)
# a large penalty once swamped a bias's central difference with its own rounding (1.6e-6 of error)
@example(hidden=[4, 1], activation="sigmoid", loss="mse", lam=2.0, seed=0)
@given(
    hidden=st.lists(st.integers(1, 4), min_size=0, max_size=2),
    activation=st.sampled_from(HIDDEN_ACTIVATIONS),
    loss=st.sampled_from(LOSSES),
    lam=st.floats(1e-4, 5.0),
    seed=st.integers(0, 10_000),
)
def test_gradcheck_with_any_weight_decay_activation_and_loss(hidden, activation, loss, lam, seed) -> None:
    data = load("xor")
    y = data.y
    if not ACTIVATIONS[LOSS_KINDS[loss].output_activation].elementwise:  # a softmax: XOR's two classes as two units
        y = np.hstack([1.0 - data.y, data.y])
    net = Network((2, *hidden, y.shape[1]), activation, loss, l2=lam)
    net.initialise(InitSpec("normal", 1.0), seed)
    result = check(net, data.x, y, parameter_names(net))
    assert result.passed, [(c.name, c.relative_error) for c in result.checked if c.relative_error >= 1e-6]


def test_a_decayed_run_that_settles_with_nearly_every_point_right_is_not_called_stuck(capsys: pytest.CaptureFixture[str]) -> None:
    """Weight decay gives the loss a minimum above 0; reaching it is not being stuck (spiral3 once said
    'stuck … try another --seed' at 99% right)."""
    code, out, err = run(capsys, "train", "spiral3", "--l2", "1e-3", "--epochs", "9000", "--every", "9000")
    assert code == 0, err
    assert "stuck" not in out and "accuracy 99%" in out
