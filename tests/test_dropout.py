"""Inverted dropout: the masks, the kernel against the tutorials' loop, gradcheck, files and the command line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.cli_helpers import one_error_line, run
from tui_nn.engine.nn.datasets import load
from tui_nn.engine.nn.dropout import kept, network_masks, scale_mask, update_index
from tui_nn.engine.nn.gradcheck import check, parameter_names
from tui_nn.engine.nn.network import InitSpec, Network
from tui_nn.engine.nn.training import Trainer
from tui_nn.engine.session import actions as act
from tui_nn.engine.session import persist
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.engine.session.controller import Controller
from tui_nn.engine.teach import quiz
from tui_nn.engine.walk import render
from tui_nn.engine.walk.matrices import matrix_position
from tui_nn.engine.walk.records import Step
from tui_nn.engine.walk.render import equation_text
from tui_nn.engine.walk.stepper import Stepper
from tui_nn.engine.walk.words import conventions, reference_card, sentence

P = 0.3
SEED = 5


def _net(
    sizes: tuple[int, ...], activation: str = "tanh", p: float = P, l2: float = 0.0, seed: int = 4, scale: float = 1.0
) -> Network:
    net = Network(sizes, activation, "bce", l2=l2, dropout=p)
    net.initialise(InitSpec("normal", scale), seed)
    net.params += np.random.RandomState(seed).uniform(-0.5, 0.5, net.n_params)  # non-zero biases too
    return net


def _g(z: np.ndarray, kind: str) -> np.ndarray:
    if kind == "tanh":
        return np.tanh(z)
    if kind == "sigmoid":
        return 1 / (1 + np.exp(-z))
    return np.maximum(z, 0)


def _plain_forward(weights: list[np.ndarray], biases: list[np.ndarray], x: np.ndarray, hidden: str) -> list[np.ndarray]:
    acts = [x]
    for l, (w, b) in enumerate(zip(weights, biases, strict=True)):
        acts.append(_g(acts[-1] @ w + b, "sigmoid" if l == len(weights) - 1 else hidden))
    return acts


def _slope(a: np.ndarray, hidden: str) -> np.ndarray:
    return {"tanh": 1 - a**2, "sigmoid": a * (1 - a), "relu": (a > 0).astype(float)}[hidden]


def _bce(p: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.sum(-(y * np.log(p) + (1 - y) * np.log(1 - p)), axis=1)))


def _plain_dropout_loop(
    weights: list[np.ndarray],
    biases: list[np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    lr: float,
    p: float,
    epochs: int,
    hidden: str,
    batches: list[list[np.ndarray]] | None = None,
) -> tuple[list[float], list[float], list[float], list[np.ndarray], list[np.ndarray]]:
    """The tutorials' dropout loop, written without the engine (only the masks come from the mask function):
    A = g(Z); mask = (u ≥ p)/(1 − p); A *= mask; … dA *= mask. Returns the training and evaluation losses
    and the evaluation accuracy per epoch (before its update), and the final layers."""
    weights = [w.copy() for w in weights]
    biases = [b.copy() for b in biases]
    n_hidden = len(weights) - 1
    m = x.shape[0]
    every_row = np.arange(m)
    losses, evaluation, accuracies = [], [], []
    for epoch in range(epochs):
        order = [every_row] if batches is None else batches[epoch]
        predicted = _plain_forward(weights, biases, x, hidden)[-1]
        evaluation.append(_bce(predicted, y))
        accuracies.append(float(np.mean((predicted > 0.5) == (y > 0.5))))
        for b, rows in enumerate(order):
            update = update_index(epoch, b, len(order))
            masks = [scale_mask(SEED, update, l, rows, weights[l].shape[1], p) for l in range(n_hidden)]
            if b == 0:  # the row's training loss: every row under the epoch's first update's masks
                every_mask = [scale_mask(SEED, update, l, every_row, weights[l].shape[1], p) for l in range(n_hidden)]
                acts = [x]
                for l, (w, bias) in enumerate(zip(weights, biases, strict=True)):
                    a = _g(acts[-1] @ w + bias, "sigmoid" if l == n_hidden else hidden)
                    acts.append(a * every_mask[l] if l < n_hidden else a)
                losses.append(_bce(acts[-1], y))
            xb, yb = x[rows], y[rows]
            raw = [xb]
            acts = [xb]
            for l, (w, bias) in enumerate(zip(weights, biases, strict=True)):
                a = _g(acts[-1] @ w + bias, "sigmoid" if l == n_hidden else hidden)
                raw.append(a)
                acts.append(a * masks[l] if l < n_hidden else a)
            delta = (acts[-1] - yb) / len(rows)
            for l in range(len(weights) - 1, -1, -1):
                dw = acts[l].T @ delta
                db = delta.sum(axis=0)
                if l:
                    d_a = delta @ weights[l].T
                    d_a *= masks[l - 1]
                    delta = d_a * _slope(raw[l], hidden)
                weights[l] -= lr * dw
                biases[l] -= lr * db
    return losses, evaluation, accuracies, weights, biases


def _layers(net: Network) -> tuple[list[np.ndarray], list[np.ndarray]]:
    return [net.weights(l).copy() for l in range(net.n_layers)], [net.biases(l).copy() for l in range(net.n_layers)]


@pytest.mark.parametrize(
    ("sizes", "hidden", "batch"),
    [((2, 8, 1), "tanh", None), ((2, 6, 1), "sigmoid", None), ((2, 6, 4, 1), "relu", None), ((2, 5, 1), "tanh", 32)],
)
def test_train_with_dropout_equals_a_plain_numpy_loop(sizes: tuple[int, ...], hidden: str, batch: int | None) -> None:
    data = load("circle")
    # (small enough weights that no output saturates: the tutorials' −ln(1 − ŷ) loses digits there, the engine's does not)
    net = _net(sizes, hidden, scale=0.5)
    start = net.params.copy()
    trainer = Trainer(net, data, lr=0.5, batch=batch, seed=SEED)
    epochs = 120
    trainer.run(epochs)
    batches = [trainer.batches(e) for e in range(epochs)] if batch is not None else None
    losses, evaluation, accuracies, weights, biases = _plain_dropout_loop(
        *_layers(net.like(start)), data.x, data.y, 0.5, P, epochs, hidden, batches
    )
    rows = trainer.history.rows()
    np.testing.assert_allclose(rows[:, 1], losses, rtol=1e-12)
    # the accuracy is the predictions', which never drop a unit (the status line agrees with the truth table)
    np.testing.assert_array_equal(rows[:, 2], accuracies)
    np.testing.assert_allclose(trainer.history.column("eval_loss"), evaluation, rtol=1e-12)
    trained_weights, trained_biases = _layers(net)
    for mine, theirs in zip(trained_weights + trained_biases, weights + biases, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-14)
    assert not np.array_equal(rows[:, 1], rows[:, -1]), "the training loss drops units, the evaluation loss does not"


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_every_optimizer_trains_through_the_same_masks(optimizer: str) -> None:
    """The kernel's update with dropout equals one made from Network.loss_and_gradient with the same masks."""
    from tui_nn.engine.nn import optimizers

    data = load("xor")
    net = _net((2, 4, 1))
    reference = net.like(net.params.copy())
    trainer = Trainer(net, data, optimizer, 0.1, seed=SEED)
    trainer.run(50)
    state = optimizers.new_state(optimizer, reference.n_params)
    scratch = np.empty(reference.n_params)
    for epoch in range(50):
        masks = network_masks(SEED, epoch, reference.sizes, np.arange(data.size), P)
        _, grad, _, _ = reference.loss_and_gradient(data.x, data.y, masks=masks)
        optimizers.apply(optimizer, 0.1, reference.params, grad, state, scratch)
    np.testing.assert_allclose(net.params, reference.params, rtol=1e-10, atol=1e-13)


def test_the_scaled_mask_has_expected_value_one() -> None:
    """E[mask/(1 − p)] = (1 − p)·1/(1 − p) = 1: evaluation's activations match training's on average."""
    for p in (0.1, 0.5, 0.8):
        masks = np.concatenate([scale_mask(11, update, 0, np.arange(500), 64, p) for update in range(10)])
        assert abs(float(masks.mean()) - 1.0) < 0.02, p
        assert set(np.unique(masks)) == {0.0, 1.0 / (1.0 - p)}
        assert abs(float(np.mean(masks == 0)) - p) < 0.01


def test_a_sample_keeps_its_mask_whatever_batch_it_is_in() -> None:
    """The walk draws one sample's mask, the kernel the batch's: they must agree row by row."""
    whole = kept(3, 7, 1, np.arange(40), 6, 0.5)
    for row in (0, 17, 39):
        np.testing.assert_array_equal(kept(3, 7, 1, [row], 6, 0.5)[0], whole[row])
    np.testing.assert_array_equal(kept(3, 7, 1, [5, 2], 6, 0.5), whole[[5, 2]])
    assert not np.array_equal(kept(3, 8, 1, np.arange(40), 6, 0.5), whole), "a new update draws new masks"
    assert not np.array_equal(kept(3, 7, 0, np.arange(40), 6, 0.5), whole), "each layer draws its own"


def test_a_dropout_run_is_reproducible_bit_for_bit_however_it_is_split() -> None:
    data = load("circle")
    one, two = _net((2, 6, 1)), _net((2, 6, 1))
    whole = Trainer(one, data, "adam", 0.05, seed=SEED)
    whole.run(300)
    split = Trainer(two, data, "adam", 0.05, seed=SEED)
    for _ in range(3):
        split.run(100)
    np.testing.assert_array_equal(one.params, two.params)
    np.testing.assert_array_equal(whole.history.rows(), split.history.rows())


def test_p_zero_is_todays_run_bit_for_bit() -> None:
    data = load("circle")
    plain = Network((2, 6, 1), "tanh", "bce")
    plain.initialise(InitSpec("xavier"), 1)
    zero = Network((2, 6, 1), "tanh", "bce", dropout=0.0)
    zero.initialise(InitSpec("xavier"), 1)
    a, b = Trainer(plain, data, lr=0.5), Trainer(zero, data, lr=0.5, seed=9)
    a.run(200)
    b.run(200)
    np.testing.assert_array_equal(plain.params, zero.params)
    np.testing.assert_array_equal(a.history.rows(), b.history.rows())
    assert b.history.width == 4


def test_weight_decay_and_dropout_record_the_penalty_in_both_losses() -> None:
    data = load("xor")
    net = _net((2, 4, 1), l2=0.01)
    trainer = Trainer(net, data, lr=0.5, seed=SEED)
    trainer.run(5)
    trainer.record_epoch()
    last = trainer.history.last()
    assert last is not None
    evaluated = net.evaluated()
    assert evaluated.params is net.params and evaluated.dropout == 0.0
    assert last[-1] == pytest.approx(evaluated.loss_value(data.x, data.y), rel=1e-12)
    masks = trainer.first_masks()
    assert last[1] == pytest.approx(
        net.loss_value(data.x, data.y) if masks is None else _masked_loss(net, data, masks), rel=1e-12
    )


def _masked_loss(net: Network, data: object, masks: list[np.ndarray]) -> float:
    x, y = data.x, data.y  # type: ignore[attr-defined]
    return net.data_loss_value(x, y, masks=masks) + net.l2_penalty()


@pytest.mark.parametrize(("sizes", "activation"), [((2, 3, 1), "tanh"), ((2, 4, 3, 1), "sigmoid"), ((2, 5, 4), "tanh")])
def test_gradcheck_holds_the_mask_fixed(sizes: tuple[int, ...], activation: str) -> None:
    data = load("blobs" if sizes[-1] == 4 else "circle")
    if sizes[-1] == 4:
        net = Network(sizes, activation, "ce", dropout=0.5)
        net.initialise(InitSpec("normal", 1.0), 2)
    else:
        net = _net(sizes, activation, p=0.5)
    masks = network_masks(SEED, 0, net.sizes, np.arange(data.size), 0.5)
    result = check(net, data.x, data.y, parameter_names(net), masks=masks)
    assert result.passed and result.max_relative_error < 1e-6
    # the masks are really in the checked gradient: a dropped unit's incoming weights get exactly 0 where every
    # sample dropped it, and the gradient differs from the evaluation network's
    _, with_masks, _, _ = net.loss_and_gradient(data.x, data.y, masks=masks)
    _, without, _, _ = net.loss_and_gradient(data.x, data.y)
    assert not np.allclose(with_masks, without)


def test_gradcheck_command_says_it_holds_the_mask(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "gradcheck", "xor", "--hidden", "3", "--activation", "tanh", "--dropout", "0.5")
    assert code == 0
    assert "held fixed" in out and "PASS" in out


@pytest.mark.parametrize("value", ["1", "-0.1", "1.5", "nan", "inf", "half"])
def test_dropout_outside_zero_to_one_is_one_line_naming_the_flag(capsys: pytest.CaptureFixture[str], value: str) -> None:
    code, _, err = run(capsys, "train", "xor", "--hidden", "3", "--dropout", value, "--epochs", "1")
    assert code == 2
    assert "--dropout" in one_error_line(err)


def test_dropout_without_a_hidden_layer_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "train", "xor", "--hidden", "none", "--dropout", "0.5", "--epochs", "1")
    assert code == 2
    line = one_error_line(err)
    assert "--dropout" in line and "hidden" in line


def test_train_command_logs_the_evaluation_loss(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "train", "xor", "--hidden", "4", "--activation", "tanh", "--dropout", "0.25", "--lr", "0.5",
        "--epochs", "60", "--every", "20", "--json",
    )  # fmt: skip
    assert code == 0
    records = [json.loads(line) for line in out.splitlines() if line.startswith('{"epoch"')]
    assert [r["epoch"] for r in records] == [0, 20, 40, 59]
    session = build(Config(hidden=(4,), activation="tanh", lr=0.5, dropout=0.25))
    session.stepper.trainer.run(60)
    rows = session.stepper.history.rows()
    for record in records:
        row = rows[rows[:, 0] == record["epoch"]][0]
        assert record["loss"] == pytest.approx(row[1], rel=1e-13)
        assert record["eval_loss"] == pytest.approx(row[-1], rel=1e-13)


def test_weights_and_session_files_carry_dropout(tmp_path: Path) -> None:
    from tui_nn.engine.session import actions as act

    net = _net((2, 4, 1))
    path = persist.save(tmp_path / "net.json", net)
    document = json.loads(path.read_text())
    assert document["dropout"] == P
    assert "dropout" not in persist.to_json(net.evaluated(), {"dropout": 0.7}), "a stale p in `extra` is not written"
    document["dropout"] = 1.0
    (tmp_path / "bad.json").write_text(json.dumps(document))
    with pytest.raises(persist.NetworkFileError, match="dropout"):
        persist.load(tmp_path / "bad.json")
    config = Config(hidden=(4,), dropout=0.25)
    assert act.config_from_json(act.config_to_json(config)) == config
    assert "dropout" not in act.config_to_json(Config()), "a session without dropout reads as before"


# --- the walk ----------------------------------------------------------------------------------


def _session(**changes: object) -> Controller:
    base = Config(hidden=(3,), activation="tanh", lr=0.5, dropout=0.5, seed=4)
    return Controller(build(base.with_changes(**changes)))


@pytest.mark.parametrize(
    "changes",
    [{}, {"batch": 2}, {"optimizer": "adam", "lr": 0.05, "hidden": (3, 2)}, {"activation": "relu", "init": InitSpec("he")}],
    ids=["full-batch", "mini-batch", "adam-two-layers", "relu"],
)
def test_the_walk_lands_on_the_kernels_weights(changes: dict[str, object]) -> None:
    walked, trained = _session(**changes), _session(**changes)
    for _ in range(3):
        epoch = walked.session.stepper.epoch
        while walked.session.stepper.epoch == epoch:
            walked.session.stepper.finish_pass()
    trained.session.stepper.trainer.run(3)
    np.testing.assert_allclose(walked.session.net.params, trained.session.net.params, rtol=1e-13, atol=1e-15)
    # (the walk has also recorded epoch 3's row, where its next pass starts)
    np.testing.assert_allclose(walked.session.stepper.history.rows()[:3], trained.session.stepper.history.rows(), rtol=1e-12)


def test_a_pinned_sample_walks_the_mask_the_kernel_draws_for_it() -> None:
    walked, trained = _session(), _session()
    for controller in (walked, trained):
        controller.session.stepper.set_focus(2)
    walked.session.stepper.finish_pass()
    trained.session.stepper.trainer.run(1)
    np.testing.assert_allclose(walked.session.net.params, trained.session.net.params, rtol=1e-13, atol=1e-15)


def _mask_steps(stepper: Stepper) -> list[Step]:
    p = stepper.current
    return [r for k in range(len(p.samples)) for r in stepper.segment_records(p, k) if r.kind == "mask"]


def test_the_mask_step_shows_each_units_scaled_value_and_names_the_dropped() -> None:
    stepper = _session(seed=2).session.stepper
    p = stepper.current
    steps = _mask_steps(stepper)
    assert len(steps) == len(p.samples), "one mask step per sample per hidden layer"
    seen_dropped = seen_kept = False
    for k, step in enumerate(steps):
        t = stepper.sample_tables(p, k)
        expected = scale_mask(stepper.trainer.seed, p.epoch, 0, [p.samples[k]], 3, 0.5)[0]
        dropped = [f"h{j + 1}" for j in range(3) if expected[j] == 0]
        assert step.note == (" and ".join(dropped) + " dropped" if len(dropped) <= 2 else "h1, h2 and h3 dropped") or (
            not dropped and step.note == "none dropped"
        )
        for j, eq in enumerate(step.equations):
            assert eq.value == t.a[1][j] * expected[j]
            line = equation_text(eq, stepper.fmt)
            assert line.startswith(f"h\u0303{j + 1} = h{j + 1}·m_h{j + 1}/(1 − p) = ")
            assert ("·0/(1 − 0.5000)" in line) == (expected[j] == 0)
            seen_dropped |= expected[j] == 0
            seen_kept |= expected[j] != 0
        assert "no unit can rely on any one other" in sentence(step, stepper.net)
    assert seen_dropped and seen_kept
    assert render.step_title(steps[0]).startswith("mask: ")


def test_a_dropped_units_delta_is_zero_and_its_gradients_say_why() -> None:
    stepper = _session(seed=2).session.stepper
    p = stepper.current
    for k in range(len(p.samples)):
        t = stepper.sample_tables(p, k)
        records = stepper.segment_records(p, k)
        for j, m in enumerate(t.masks[0]):
            delta = next(r for r in records if r.kind == "delta" and r.layer == 1 and r.unit == j)
            outgoing = next(r for r in records if r.kind == "grad_w" and r.layer == 1 and r.edges[0][1] == j)
            if m == 0.0:
                assert delta.value == 0.0 and delta.note == f"h{j + 1} was dropped for this sample: its mask is 0, so its δ is 0"
                assert outgoing.value == 0.0 and outgoing.note == f"h{j + 1} was dropped for this sample, so no gradient"
            else:
                # a kept unit's δ is its ∂L/∂h̃ times g′ times 1/(1 − p)
                slope = 1 - t.a[1][j] ** 2
                assert delta.value == pytest.approx(t.grad_a[1][j] * slope * 2.0, rel=1e-15, abs=1e-300)


def test_explain_says_a_gradient_is_zero_because_its_unit_was_dropped(capsys: pytest.CaptureFixture[str]) -> None:
    stepper = _session(seed=2).session.stepper
    p = stepper.current
    row = next((k, j) for k in range(len(p.samples)) for j, m in enumerate(stepper.sample_tables(p, k).masks[0]) if m == 0.0)
    sample, unit = p.samples[row[0]], row[1]
    code, out, _ = run(
        capsys, "explain", "xor", "--hidden", "3", "--activation", "tanh", "--lr", "0.5", "--dropout", "0.5", "--seed", "2",
        "--sample", str(sample + 1), "--param", f"v{unit + 1}",
    )  # fmt: skip
    assert code == 0
    assert f"h{unit + 1} was dropped for sample {sample + 1}" in out and "✓ agrees" in out


def test_the_quiz_asks_a_kept_units_scaled_value_and_knows_the_slips() -> None:
    stepper = _session(seed=2, dropout=0.25).session.stepper
    p = stepper.current
    for k in range(len(p.samples)):
        t = stepper.sample_tables(p, k)
        if not any(t.masks[0]) or not all(abs(v) > 0.05 for v in t.a[1]):
            continue
        while stepper.peek().kind != "mask" or stepper.peek().sample != p.samples[k]:
            stepper.step()
        q = quiz.next_question(stepper, "number")
        j = max(j for j, m in enumerate(t.masks[0]) if m)
        h = t.a[1][j]
        assert q.prompt.startswith(f"h\u0303{j + 1} for sample") and q.value == h / 0.75
        assert quiz.check(q, repr(h / 0.75)).outcome == "right"
        assert "scaled by 1/(1 − p)" in (quiz.check(q, repr(h)).slip or "")
        assert "multiplies by p" in (quiz.check(q, repr(h * 0.25)).slip or "")
        assert "multiplies by 1 − p" in (quiz.check(q, repr(h * 0.75)).slip or "")
        return
    pytest.fail("no sample with a kept unit and clear values")


def test_the_numpy_view_writes_the_tutorials_mask_lines() -> None:
    stepper = _session(seed=2).session.stepper
    while stepper.peek().kind != "mask":
        stepper.step()
    stepper.step()
    frame = matrix_position(stepper).frame
    assert frame.code == ("mask1 = (rng.random(A1.shape) > p) / (1 - p)", "H1 = A1 * mask1")
    assert frame.value == stepper.last().value
    while not (stepper.peek().kind == "delta" and stepper.peek().layer == 1):
        stepper.step()
    stepper.step()
    frame = matrix_position(stepper).frame
    assert frame.code[0] == "dA1 *= mask1"
    assert frame.value == pytest.approx(stepper.last().value, rel=1e-12, abs=1e-15)


def test_the_card_and_the_help_state_the_convention() -> None:
    net = _session().session.net
    card = reference_card(net, "sgd")
    assert "h̃ = h·m/(1 − p)" in card and "nn.Dropout(0.5)" in card
    assert "nn.Dropout(p)" in conventions() and "inverted dropout" in conventions()


def test_a_dropout_session_file_replays_bit_for_bit(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from tui_nn.cli.replay import digest
    from tui_nn.engine.session import replay

    live = _session(batch=2)
    live.apply(act.Train(30))
    for _ in range(40):
        live.apply(act.Next())
    path = replay.save(tmp_path / "session.json", live.recording())
    assert json.loads(path.read_text(encoding="utf-8"))["config"]["dropout"] == 0.5
    code, out, _ = run(capsys, "replay", str(path), "--check", "--json")
    assert code == 0 and json.loads(out)["sha256"] == digest(live.session.net.params)
    code, out, _ = run(capsys, "replay", str(path), "--check")
    evaluated = live.session.net.loss_value(live.session.data.x, live.session.data.y)
    assert code == 0 and f"evaluation loss (no unit dropped) {evaluated:.6g} · accuracy" in out  # it said "loss"
    plain = _session(batch=2, dropout=0.0)
    plain.apply(act.Train(30))
    assert digest(plain.session.net.params) != digest(live.session.net.params), "dropout changed the run"


def test_dropouts_noisy_training_loss_is_not_taken_for_a_learning_rate_too_high(capsys: pytest.CaptureFixture[str]) -> None:
    """Before: XOR 2-4-1 at η = 1 with p = 0.5 was told at epoch 2,500 that η is too high ("the loss swings
    between 0.0044 and 1.8488"): the swings were the masks', while the evaluation loss came down."""
    code, out, _ = run(
        capsys, "train", "xor", "--hidden", "4", "--activation", "tanh", "--dropout", "0.5", "--epochs", "3000",
        "--every", "1000",
    )  # fmt: skip
    assert code == 0
    (summary,) = [line for line in out.splitlines() if line.startswith("after 3000 epochs")]
    assert "too high" not in out and "eval_loss" in summary and "no unit dropped" in summary


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    update=st.integers(0, 10**6),
    layer=st.integers(0, 3),
    rows=st.lists(st.integers(0, 499), min_size=1, max_size=20),
    units=st.integers(1, 64),
    p=st.floats(0.0, 0.99),
)
def test_a_rows_mask_depends_on_the_row_not_on_the_batch(
    seed: int, update: int, layer: int, rows: list[int], units: int, p: float
) -> None:
    together = scale_mask(seed, update, layer, rows, units, p)
    for k, row in enumerate(rows):
        np.testing.assert_array_equal(scale_mask(seed, update, layer, [row], units, p)[0], together[k])
    assert set(np.unique(together)) <= {0.0, 1.0 / (1.0 - p)}


def test_the_pytorch_lens_puts_nn_dropout_in_the_model_and_counts_past_it() -> None:
    from tui_nn.engine.walk.torch_lens import torch_frame

    stepper = _session().session.stepper
    stepper.step()
    stepper.step()  # h1's activation
    code = "\n".join(torch_frame(matrix_position(stepper)).code)
    assert "nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Dropout(0.5), nn.Linear(3, 1))" in code
    while not (stepper.peek().kind == "grad_w" and stepper.peek().layer == 1):
        stepper.step()
    stepper.step()
    code = "\n".join(torch_frame(matrix_position(stepper)).code)
    assert "model[3].weight" in code and "model[2].weight" not in code, "W2 is the fourth module, after nn.Dropout"


def test_live_training_is_not_stopped_by_the_masks_noise() -> None:
    """The live loop's stuck check looked at rows without the evaluation loss (its probe kept 4 columns), so it
    judged the training loss's swings and stopped a dropout run that was learning."""
    from tui_nn.engine.live.live_run import StuckCheck

    trainer = build(Config(hidden=(4,), activation="tanh", dropout=0.5)).stepper.trainer
    check = StuckCheck(trainer)
    for _ in range(6):
        before = trainer.checkpoint()
        trainer.run(500)
        found, diagnosis = check.look(before, None, False)
        assert not found and diagnosis is None, diagnosis
    assert trainer.epoch == 3000


def test_the_validation_loss_drops_no_unit() -> None:
    session = build(Config(problem="circle", hidden=(8,), activation="tanh", lr=0.5, dropout=0.5, val=0.3))
    trainer = session.stepper.trainer
    trainer.run(20)
    trainer.record_epoch()
    last = trainer.history.last()
    assert session.validation is not None and last is not None
    held = session.validation
    assert last[4] == pytest.approx(session.net.evaluated().data_loss_value(held.x, held.y), rel=1e-12)
    assert last[5] == session.net.accuracy(held.x, held.y)


def test_explain_unit_says_which_samples_dropout_dropped_it_for(capsys) -> None:
    """explain --unit h2 listed δ = 0 for samples 1 and 4 under 'active' with no word of why: the mask says why."""
    from .cli_helpers import run

    code, out, _ = run(capsys, "explain", "xor", "--hidden", "3", "--dropout", "0.5", "--unit", "h2", "--json")
    assert code == 0
    import json

    story = json.loads(out)
    zeros = [row["sample"] for row in story["rows"] if row["delta"] == 0.0]
    assert zeros
    code, text, _ = run(capsys, "explain", "xor", "--hidden", "3", "--dropout", "0.5", "--unit", "h2")
    said = ", ".join(str(s) for s in zeros)
    assert f"dropout dropped it for sample{'s' if len(zeros) > 1 else ''} {said} in this update" in text


def _diagnoses(lr: float, epochs: int = 5000) -> list[object]:
    from tui_nn.engine.live.live_run import StuckCheck

    trainer = build(Config(lr=lr, dropout=0.5)).stepper.trainer  # XOR 2-2-1: half of two units dropped
    check, found = StuckCheck(trainer), []
    while trainer.epoch < epochs:
        before = trainer.checkpoint()
        trainer.run(500)
        diagnosed, diagnosis = check.look(before, None, False)
        if diagnosed:
            found.append(diagnosis)
            trainer.run(epochs - trainer.epoch)  # as `train` does: say it once, train on
    return found


@pytest.mark.parametrize("lr", [1.0, 0.1])
def test_the_masks_noise_is_not_blamed_on_the_learning_rate(lr: float) -> None:
    """XOR 2-2-1 at p = 0.5 was told "η too high" at η = 1 (the evaluation loss swung with the masks), then at
    η = 0.1 (the masked ‖g‖ promised drops), then at 0.05: each lower η a learner tried ended worse."""
    from tui_nn.engine.live.reasons import RateTooHigh

    assert not [d for d in _diagnoses(lr) if isinstance(d, RateTooHigh)]


def test_a_rate_that_throws_the_network_off_is_still_named_under_dropout() -> None:
    """η = 16 saturates XOR 2-2-1 within 100 epochs: the evaluation loss sits far above the one η started
    from (the rate's start is judged by its evaluation loss too), not "stuck, try a higher η"."""
    from tui_nn.engine.live.reasons import RateTooHigh

    found = _diagnoses(16.0, 2500)
    assert found and isinstance(found[0], RateTooHigh) and found[0].rose, found


@pytest.mark.parametrize("hidden", [(4,), (4, 3)])
def test_gradient_health_under_dropout_holds_the_updates_own_gradients(hidden: tuple[int, ...]) -> None:
    """The update's gradients (units dropped) are the ones that vanish or explode: gradient health under dropout
    holds those, equal to the step full-batch SGD then takes, ÷ η; its slopes g'(z) are at the training z."""
    from tui_nn.engine.nn.health import gradient_health
    from tui_nn.engine.session.view import capture
    from tui_nn.ui.panes.healthview import health_rows

    lr = 0.5
    session = build(Config(problem="circle", hidden=hidden, activation="tanh", lr=lr, dropout=0.5, seed=2))
    trainer = session.stepper.trainer
    trainer.run(3)
    view = capture(session.stepper)
    health = view.layer_health
    masks = trainer.first_masks()  # the masks the next update draws
    assert masks is not None
    before = session.net.params.copy()
    trainer.run(1)
    gradient = (before - session.net.params) / lr
    net = session.net
    for h in health.layers:
        l = h.layer - 1
        assert h.grad_w == pytest.approx(float(np.linalg.norm(net.weights(l, gradient))), rel=1e-9)
        assert h.grad_b == pytest.approx(float(np.linalg.norm(net.biases(l, gradient))), rel=1e-9)
    evaluation = gradient_health(view.net, view.data.x, view.data.y)  # no unit dropped: what it showed before
    assert any(abs(a.grad_w - b.grad_w) > 1e-6 * b.grad_w for a, b in zip(health.layers, evaluation.layers, strict=True))
    # the first layer's z is the same in both passes (masks come after the activation): so is its slope
    assert health.layers[0].mean_slope == pytest.approx(evaluation.layers[0].mean_slope, rel=1e-12)
    zs, _ = view.net.forward(view.data.x, masks=masks)
    for h, z in zip(health.layers[:-1], zs[:-1], strict=True):
        assert h.mean_slope == pytest.approx(float(np.mean(1.0 - np.tanh(z) ** 2)), rel=1e-12)
    assert health.dropout == 0.5 and health.mask_epoch == view.epoch == 3
    text = " ".join("".join(s.text for s in row) for row in health_rows(health, 90, 14))
    assert "dropout p = 0.5: the training pass's gradients, with the masks of epoch 3's first update" in " ".join(text.split())


def test_the_activation_curves_under_dropout_are_the_same_pass_as_gradient_health() -> None:
    """Side by side, the health table's mean g′ and the activation pane's per layer agree: both are the training
    pass's (the second layer's z is computed from the first's kept, scaled units)."""
    from tui_nn.engine.session.view import capture

    session = build(Config(problem="circle", hidden=(4, 4), activation="tanh", lr=0.5, dropout=0.5, seed=2))
    session.stepper.trainer.run(3)
    view = capture(session.stepper)
    curves = view.activation_curves(65)
    assert curves is not None
    masks = session.stepper.trainer.first_masks()
    zs, _ = view.net.forward(view.data.x, masks=masks)
    for h, points, z in zip(view.layer_health.layers, curves.layers, zs, strict=False):
        np.testing.assert_array_equal(points.z, z)
        np.testing.assert_array_equal(points.a, np.tanh(z))  # g(z) itself, not the scaled h̃
        assert points.mean_slope == pytest.approx(h.mean_slope, rel=1e-12)
