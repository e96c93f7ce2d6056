from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_nn.engine.datasets import PROBLEMS, load
from tui_nn.engine.diagnostics import diagnose
from tui_nn.engine.history import History
from tui_nn.engine.network import InitSpec, Network
from tui_nn.engine.training import Trainer


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


def _diverging() -> Trainer:
    net = Network((2, 16, 8, 1), "leaky_relu", "bce")
    net.initialise(InitSpec("he"), 0)
    return Trainer(net, load("xor"), lr=100.0)


def test_divergence_is_diagnosed_not_crashed() -> None:
    trainer = _diverging()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = trainer.run(10_000)
    assert result.stopped is not None
    assert "learning rate 100 is too high for this network; try ≤ 10" in result.stopped
    assert result.epochs < 10_000


def test_divergence_stops_at_the_exact_epoch() -> None:
    trainer = _diverging()
    result = trainer.run(1000)
    rows = trainer.history.rows()
    assert len(rows) == result.epochs
    finite = np.isfinite(rows[:, 1]) & np.isfinite(rows[:, 3])
    assert not finite[-1] and finite[:-1].all()
    assert f"epoch {int(rows[-1, 0])}" in (result.stopped or "")


def test_target_loss_stops_training() -> None:
    net = Network((2, 2, 1))
    net.initialise(InitSpec("normal", 1.0), 3)
    trainer = Trainer(net, load("xor"), lr=1.0)
    result = trainer.run(100_000, target_loss=0.01)
    assert result.stopped == "target"
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


@pytest.mark.parametrize("problem", PROBLEMS)
def test_data_sets(problem: str) -> None:
    data = load(problem)
    assert data.x.shape[1] == 2 and data.y.shape == (data.size, 1)
    assert set(np.unique(data.y)) <= {0.0, 1.0}
    assert np.array_equal(load(problem).x, data.x), "seeded: the same points every time"
    if problem in ("circle", "spiral"):
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
    from tui_nn.engine.config import defaults_for
    from tui_nn.engine.session import build

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
