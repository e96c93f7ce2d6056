from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_nn.engine.live.diagnostics import diagnose
from tui_nn.engine.live.reasons import TargetReached
from tui_nn.engine.nn.datasets import PROBLEMS, Dataset, load
from tui_nn.engine.nn.history import History
from tui_nn.engine.nn.network import InitSpec, Network
from tui_nn.engine.nn.training import Trainer


def test_history_stays_bounded_for_a_million_epochs() -> None:
    history = History()
    chunk = 10_000
    for start in range(0, 1_000_000, chunk):
        epochs = np.arange(start, start + chunk)
        history.extend(np.column_stack([epochs, 1.0 / (1 + epochs), np.ones(chunk), np.zeros(chunk)]))
    assert history.nbytes < 10 * 2**20
    rows = history.rows()
    assert rows[-1, 0] == 999_999 and rows[0, 0] == 0
    recent = rows[-10_000:, 0]
    assert np.array_equal(recent, np.arange(990_000, 1_000_000)), "recent epochs are kept exactly"
    assert np.all(np.diff(rows[:, 0]) > 0)


def test_history_truncate_and_downsample() -> None:
    history = History(recent=100, capacity=50)
    history.extend(np.column_stack([np.arange(1000), np.arange(1000.0), np.zeros(1000), np.zeros(1000)]))
    history.truncate(995)
    assert history.last()[0] == 994
    assert len(history.downsampled("loss", 20)) == 20


def test_target_loss_stops_training() -> None:
    net = Network((2, 2, 1))
    net.initialise(InitSpec("normal", 1.0), 3)
    trainer = Trainer(net, load("xor"), lr=1.0)
    result = trainer.run(100_000, target_loss=0.01)
    assert isinstance(result.stopped, TargetReached) and result.stopped.epoch == trainer.epoch
    assert trainer.history.last()[1] < 0.01
    assert trainer.history.rows()[-2, 1] >= 0.01
    assert trainer.epoch == trainer.history.last()[0], "stopped before that epoch's update"


def test_should_stop_is_honoured() -> None:
    net = Network((2, 2, 1))
    net.initialise(InitSpec("normal", 1.0), 3)
    trainer = Trainer(net, load("xor"), lr=1.0)
    calls = []

    def stop() -> bool:
        calls.append(1)
        return True

    result = trainer.run(100_000, should_stop=stop)
    assert result.epochs < 100_000 and calls


@pytest.mark.parametrize("problem", [p for p in PROBLEMS if not load(p).task_kind.regression])  # regression's: test_regression
def test_data_sets(problem: str) -> None:
    data = load(problem)
    outputs = 1 if data.class_count == 2 else data.class_count  # two classes are one sigmoid unit, K are one-hot
    assert data.x.shape[1] == 2 and data.y.shape == (data.size, outputs)
    assert set(np.unique(data.y)) <= {0.0, 1.0} and np.all(data.y.sum(axis=1) == 1.0) | (outputs == 1)
    assert np.array_equal(load(problem).x, data.x), "seeded: the same points every time"
    if outputs > 1:  # spiral3 and blobs: one-hot rows, every class equally often (their own tests check the points)
        assert data.size == 300 and np.all(data.y.sum(axis=0) == data.size / outputs)
    elif problem in ("circle", "spiral"):
        assert 200 <= data.size <= 500 and 0.3 < data.y.mean() < 0.7
    else:
        assert data.size == 4 and np.array_equal(data.x, [[0, 0], [0, 1], [1, 0], [1, 1]])


def test_mini_batches_cover_every_row_each_epoch() -> None:
    net = Network((2, 2, 1))
    trainer = Trainer(net, load("spiral"), batch=32, seed=5)
    batches = trainer.batches(3)
    assert sorted(np.concatenate(batches).tolist()) == list(range(300))
    assert all(len(b) <= 32 for b in batches)
    assert [b.tolist() for b in trainer.batches(3)] == [b.tolist() for b in batches]


def test_diagnostics() -> None:
    data = load("xor")
    zeros = Network((2, 2, 1))
    kinds = {d.kind for d in diagnose(zeros, data.x, data.y)}
    assert {"symmetric", "constant_output"} <= kinds
    dead = Network((2, 3, 1), "relu")
    dead.initialise(InitSpec("normal", 1.0), 0)
    dead.biases(0)[:] = -100.0
    assert any(d.kind == "dead_relu" and "h1, h2 and h3" in d.message for d in diagnose(dead, data.x, data.y))
    saturated = Network((2, 2, 1))
    saturated.initialise(InitSpec("normal", 1.0), 0)
    saturated.biases(0)[:] = 50.0
    assert any(d.kind == "saturated" for d in diagnose(saturated, data.x, data.y))
    huge = Network((2, 2, 1))
    huge.params[:] = np.nan
    assert [d.kind for d in diagnose(huge, data.x, data.y)] == ["diverged"]


def test_spiral_default_learns() -> None:
    from tui_nn.engine.session.build import build
    from tui_nn.engine.session.config import defaults_for

    session = build(defaults_for("spiral"))
    session.stepper.trainer.run(1500)
    assert session.stepper.trainer.evaluate()[1] > 0.9


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(1, 400)), min_size=1, max_size=40))
def test_history_matches_a_plain_list(operations) -> None:
    """Appends and truncations in any order: rows stay sorted and genuine, the newest exact.

    (Truncating back into the thinned part cannot bring thinned epochs back: that is the
    bounded-memory trade, and the property does not ask for it.)"""
    history = History(recent=50, capacity=30)
    plain: list[int] = []
    for is_append, amount in operations:
        if is_append:
            start = plain[-1] + 1 if plain else 0
            epochs = np.arange(start, start + amount)
            history.extend(np.column_stack([epochs, epochs * 0.5, np.zeros(amount), np.zeros(amount)]))
            plain.extend(epochs.tolist())
        else:
            cut = amount % (len(plain) + 1)
            history.truncate(cut)
            plain = [e for e in plain if e < cut]
        kept = history.rows()[:, 0].astype(int).tolist()
        assert kept == sorted(set(kept)) and set(kept) <= set(plain)
        if is_append:  # the newest rows, up to the exact window, are all there
            newest = plain[-min(amount, 50) :]
            assert kept[-len(newest) :] == newest
        assert np.array_equal(history.column("loss"), history.rows()[:, 1])
        assert len(history) == len(kept) <= 2 * 50 + 30


def _plain_outcome(net: Network, data_x: np.ndarray, data_y: np.ndarray) -> tuple[float, float, float]:
    """(mean loss, accuracy, ‖ḡ‖) by the plain forward/backward and textbook formulas."""
    loss_kind = net.loss
    zs, acts = net.forward(data_x)
    z, a = zs[-1], acts[-1]
    if loss_kind == "bce":
        loss = float(np.mean((np.logaddexp(0.0, z) - data_y * z).sum(axis=1)))
    else:
        loss = float(np.mean(0.5 * np.square(a - data_y).sum(axis=1)))
    accuracy = float(np.mean((a > 0.5) == (data_y > 0.5)))
    _, grad, _, _ = net.loss_and_gradient(data_x, data_y)
    return loss, accuracy, float(np.linalg.norm(grad))


@settings(max_examples=60, deadline=None)
@given(
    hidden=st.lists(st.integers(1, 6), min_size=0, max_size=3),
    n_out=st.integers(1, 2),
    activation=st.sampled_from(["sigmoid", "tanh", "relu", "leaky_relu"]),
    loss=st.sampled_from(["bce", "mse"]),
    rows=st.integers(1, 40),
    binary=st.booleans(),
    scale=st.sampled_from([0.1, 1.0, 5.0]),
    seed=st.integers(0, 10_000),
)
def test_bookkeeping_matches_plain_numpy(hidden, n_out, activation, loss, rows, binary, scale, seed) -> None:
    """Loss (softplus form), accuracy (from the logits' sign) and gradient norm, any net and targets."""
    rng = np.random.RandomState(seed)
    x = rng.uniform(-2, 2, (rows, 2))
    y = (rng.uniform(0, 1, (rows, n_out)) > 0.5).astype(float) if binary else rng.uniform(0, 1, (rows, n_out))
    net = Network((2, *hidden, n_out), activation, loss)
    net.initialise(InitSpec("normal", scale), seed)
    net.params[:] += rng.uniform(-0.5, 0.5, net.n_params)
    ours = Trainer(net, Dataset("random", x, y)).evaluate()
    expected = _plain_outcome(net, x, y)
    assert ours[0] == pytest.approx(expected[0], rel=1e-12, abs=1e-15)
    assert ours[1] == expected[1]
    assert ours[2] == pytest.approx(expected[2], rel=1e-10, abs=1e-15)


def test_a_chunk_records_what_evaluate_says_each_epoch() -> None:
    """The bulk bookkeeping of a chunk and the one-off evaluate agree at every epoch."""
    from tui_nn.engine.session.build import build
    from tui_nn.engine.session.config import defaults_for

    session = build(defaults_for("spiral"))
    trainer = session.stepper.trainer
    trainer.run(40)
    bulk = trainer.history.rows()
    replay = Trainer(session.net.copy(), session.data, "adam", trainer.lr)
    replay.net.params[:] = session.initial_params
    for epoch in range(40):
        np.testing.assert_allclose(replay.evaluate(), bulk[epoch, 1:], rtol=1e-12)
        replay.run(1)


@pytest.mark.parametrize("z", [-1e4, -800.0, -35.0, -30.0, 0.0, 30.0, 35.0, 40.0, 800.0, 1e4])
def test_a_confident_output_keeps_its_loss_exact(z: float) -> None:
    """BCE from the logit: at z = 30 with target 1 the loss is ln(1 + e^−30) = 9.358e-14, not 9.237e-14."""
    net = Network((2, 1))
    net.biases(0)[:] = z
    data = Dataset("one", np.zeros((1, 2)), np.ones((1, 1)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, accuracy, norm = Trainer(net, data).evaluate()
    assert loss == pytest.approx(float(np.logaddexp(0.0, -z)), rel=1e-14)
    assert loss > 0 or z > 745, "a positive loss stays positive until e^−z underflows"
    assert accuracy == (1.0 if z > 0 else 0.0)
    assert np.isfinite(norm)


def test_a_zero_logit_predicts_class_0() -> None:
    """σ(0) = ½ is not > ½: an all-zero network predicts 0 everywhere (2 of XOR's 4 right)."""
    trainer = Trainer(Network((2, 2, 1)), load("xor"))
    assert trainer.evaluate()[1] == 0.5
    trainer.run(1)
    assert trainer.history.rows()[0, 2] == 0.5
