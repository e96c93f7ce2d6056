"""Divergence is diagnosed from what actually happened, at the exact epoch, with the real numbers.

Every expectation is computed independently here, with the network's plain forward and
backward (Network.forward / loss_and_gradient, not the training kernel) and plain NumPy.
"""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest

from tui_nn.engine.live.reason_words import describe
from tui_nn.engine.live.reasons import Diverged
from tui_nn.engine.nn.datasets import Dataset, load
from tui_nn.engine.nn.network import InitSpec, Network
from tui_nn.engine.nn.optimizers import MOMENTUM
from tui_nn.engine.nn.training import EXPLOSION_FACTOR, RunResult, Trainer
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config


def plain_bce(net: Network, data: Dataset) -> float:
    """Mean BCE from the plain forward pass, each sample's share divided before summing."""
    z = net.forward(data.x)[0][-1]
    per_sample = (np.logaddexp(0.0, z) - data.y * z).sum(axis=1)
    return float(np.sum(per_sample / data.size))


def limit_for(rows: np.ndarray, outputs: int = 1) -> float:
    return EXPLOSION_FACTOR * max(float(rows[0, 1]), outputs * math.log(2.0))


def said(result: RunResult) -> str:
    """Why the run stopped, in the words the command line prints."""
    assert result.stopped is not None
    return describe(result.stopped, "flags")


def suggestion(message: str) -> float:
    found = re.search(r"try ≤ ([0-9.e+-]+)$", message)
    assert found, message
    return float(found.group(1))


def train(config: Config, epochs: int) -> tuple[Trainer, RunResult]:
    session = build(config)
    trainer = session.stepper.trainer
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # divergence must be silent numerically: no NumPy warning
        result = trainer.run(epochs)
    return trainer, result


def assert_stopped_exactly(trainer: Trainer, result: RunResult) -> np.ndarray:
    """The history ends at the epoch named in the message, and the state is that epoch's."""
    rows = trainer.history.rows()
    assert isinstance(result.stopped, Diverged)
    assert len(rows) == result.epochs
    assert trainer.epoch == int(rows[-1, 0]), "stopped before that epoch's update"
    assert f"epoch {int(rows[-1, 0])}" in said(result)
    assert suggestion(said(result)) <= trainer.lr / 10
    return rows


def test_momentum_at_lr_1e308_reports_the_finite_loss_it_had() -> None:
    """It used to say "loss became inf" of a loss that was finite (the sum of its samples overflowed)."""
    trainer, result = train(Config(optimizer="momentum", lr=1e308), 100)
    rows = assert_stopped_exactly(trainer, result)
    assert result.stopped is not None and said(result).startswith("the loss exploded at epoch 1 (")
    assert "inf" not in said(result) and "NaN" not in said(result)
    loss = plain_bce(trainer.net, trainer.data)
    assert math.isfinite(loss) and loss > limit_for(rows)
    assert rows[-1, 1] == pytest.approx(loss, rel=1e-12)
    assert f"{loss:.4g}" in said(result)
    assert np.all(rows[:-1, 1] <= limit_for(rows))


@pytest.mark.parametrize("lr", [1e3, 1e6])
def test_a_relu_net_whose_loss_explodes_is_stopped(lr: float) -> None:
    """`train xor --activation relu --lr 1e3` used to run to the end with a loss 300 × its start."""
    trainer, result = train(Config(activation="relu", lr=lr), 5000)
    rows = assert_stopped_exactly(trainer, result)
    assert result.stopped is not None and said(result).startswith(f"the loss exploded at epoch {int(rows[-1, 0])} (")
    limit = limit_for(rows)
    assert rows[-1, 1] > limit and np.all(rows[:-1, 1] <= limit)
    assert rows[-1, 1] == pytest.approx(plain_bce(trainer.net, trainer.data), rel=1e-12)
    assert np.isfinite(trainer.net.params).all()


@pytest.mark.parametrize("lr", [1e3, 1e6])
def test_the_default_sigmoid_net_exploding_is_stopped_too(lr: float) -> None:
    trainer, result = train(Config(lr=lr), 5000)
    assert_stopped_exactly(trainer, result)
    assert result.stopped is not None and "the loss exploded" in said(result)


@pytest.mark.parametrize("lr", [10.0, 100.0])
def test_a_saturating_sigmoid_net_is_not_divergence(lr: float) -> None:
    """At η = 100 the sigmoid net saturates: its loss rises well above its start and stays bounded."""
    trainer, result = train(Config(lr=lr), 5000)
    assert result == RunResult(5000, None)
    rows = trainer.history.rows()
    assert np.isfinite(rows[:, 1:]).all()
    assert rows[:, 1].max() <= limit_for(rows)
    if lr == 100.0:
        assert rows[:, 1].max() > 10 * rows[0, 1], "it does saturate: this is no gentle run"


def test_the_non_finite_loss_is_named_with_the_layer_where_float64_broke() -> None:
    """The message names the value the history recorded and the layer that overflowed.

    Whether that value is NaN or +inf depends on the BLAS kernel (OpenBLAS's Haswell kernels give
    an ∞ − ∞ = NaN where its SkylakeX ones give +inf), so the contract checked is that the words
    match the recorded value, whichever it is.
    """
    trainer, result = train(Config(activation="leaky_relu", lr=1e300, seed=0), 100)
    rows = assert_stopped_exactly(trainer, result)
    loss = float(rows[-1, 1])
    assert not math.isfinite(loss) and np.isfinite(rows[:-1, 1:]).all()
    assert result.stopped is not None
    named = "became NaN" if math.isnan(loss) else "overflowed to inf"
    assert said(result).startswith(f"the loss {named} at epoch 1 (the output layer's pre-activations ")
    # The plain forward pass overflows too (to NaN or to ±inf, by the same kernel-dependent order of sums).
    assert not np.isfinite(trainer.net.forward(trainer.data.x)[0][-1]).all()


def test_the_long_standing_divergence_case_is_diagnosed_without_warnings() -> None:
    net = Network((2, 16, 8, 1), "leaky_relu", "bce")
    net.initialise(InitSpec("he"), 0)
    trainer = Trainer(net, load("xor"), lr=100.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = trainer.run(10_000)
    rows = assert_stopped_exactly(trainer, result)
    assert result.stopped is not None and "learning rate 100 is too high for this network" in said(result)
    bad = ~np.isfinite(rows[:, 1]) | ~np.isfinite(rows[:, 3]) | (rows[:, 1] > limit_for(rows))
    assert bad[-1] and not bad[:-1].any()


def test_an_update_that_overflows_the_weights_stops_before_it() -> None:
    config = Config(activation="tanh", init=InitSpec("normal", 10.0), seed=0, lr=1e308)
    trainer, result = train(config, 100)
    rows = assert_stopped_exactly(trainer, result)
    assert result.stopped is not None and said(result).startswith("the weights overflowed to ±inf in the update of epoch 0")
    assert len(rows) == 1 and np.isfinite(trainer.net.params).all()
    with np.errstate(all="ignore"):
        _, grad, _, _ = trainer.net.loss_and_gradient(trainer.data.x, trainer.data.y)
        after = trainer.net.params - trainer.lr * grad
    assert not np.isfinite(after).all(), "the plain SGD step from here overflows"


def test_weights_overflowing_behind_saturated_units_are_found_at_their_update() -> None:
    """tanh(∞) = 1 and its derivative 0 hide an infinite weight: no row goes non-finite."""
    config = Config(activation="tanh", loss="mse", optimizer="momentum", init=InitSpec("normal", 10.0), seed=0, lr=1e308)
    trainer, result = train(config, 300)
    rows = assert_stopped_exactly(trainer, result)
    assert result.stopped is not None and "the weights overflowed to ±inf in the update of epoch" in said(result)
    # Plain momentum, v ← βv + ḡ; θ ← θ − ηv, from the same start: the first update to overflow.
    start = build(config).net
    theta, velocity = start.params.copy(), np.zeros(start.n_params)
    first_bad = None
    with np.errstate(all="ignore"):
        for epoch in range(300):
            _, grad, _, _ = start.loss_and_gradient(trainer.data.x, trainer.data.y, theta)
            velocity = MOMENTUM * velocity + grad
            theta = theta - config.lr * velocity
            if not np.isfinite(theta).all():
                first_bad = epoch
                break
    assert first_bad is not None and int(rows[-1, 0]) == first_bad
    assert np.isfinite(rows[:, 1:]).all(), "no row showed it"


def test_an_mse_output_that_overflows_is_stopped() -> None:
    """An MSE loss stays finite when the output overflows (σ(∞) = 1): the logits are checked."""
    config = Config(loss="mse", optimizer="adam", seed=0, lr=1e308)
    trainer, result = train(config, 100)
    rows = assert_stopped_exactly(trainer, result)
    assert result.stopped is not None
    assert said(result).startswith(f"the output layer's pre-activations overflowed float64 to ±inf at epoch {int(rows[-1, 0])}")
    assert np.isfinite(rows[-1, 1]), "the MSE loss itself stayed finite"
    assert not np.isfinite(trainer.net.forward(trainer.data.x)[0][-1]).all()


def test_a_loss_whose_sum_overflows_is_recorded_finite() -> None:
    """300 samples of ~1e307 each: the mean is finite though the sum is not."""
    net = Network((2, 8, 1), "tanh", "bce")
    net.initialise(InitSpec("normal", 1.0), 0)
    data = load("circle")
    trainer = Trainer(net, data, lr=1e308)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = trainer.run(50)
    rows = assert_stopped_exactly(trainer, result)
    assert result.stopped is not None and said(result).startswith("the loss exploded at epoch 1 (")
    loss = plain_bce(net, data)
    assert math.isfinite(loss) and rows[-1, 1] == pytest.approx(loss, rel=1e-12)
    assert "inf" not in said(result)


def test_a_stopped_run_resumes_at_a_lower_rate() -> None:
    trainer, result = train(Config(activation="relu", lr=1e3), 100)
    assert result.stopped is not None
    trainer.lr = suggestion(said(result))
    again = trainer.run(200)
    assert again.stopped is None and np.isfinite(trainer.history.rows()[:, 1:]).all()


@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_weights_not_finite_before_training_are_named_not_blamed_on_the_rate(value: float) -> None:
    net = Network((2, 2, 1), "tanh")
    net.initialise(InitSpec("normal", 1.0), 0)
    net.params[0] = value
    trainer = Trainer(net, load("xor"))
    result = trainer.run(100)
    assert result.epochs == 1 and trainer.epoch == 0
    assert said(result) == "the weights were not finite at epoch 0, before training: reset them or load finite ones"
