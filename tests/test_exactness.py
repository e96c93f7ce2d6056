"""The walk and the vectorised path are two implementations of one epoch: they must agree."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_nn.engine.nn.activations import HIDDEN_ACTIVATIONS
from tui_nn.engine.nn.datasets import Dataset, load
from tui_nn.engine.nn.gradcheck import check, parameter_names
from tui_nn.engine.nn.losses import SIGMOID_LOSSES as LOSSES
from tui_nn.engine.nn.network import InitSpec, Network
from tui_nn.engine.nn.optimizers import EPSILON, OPTIMIZERS
from tui_nn.engine.nn.training import Trainer
from tui_nn.engine.walk.stepper import Stepper


def _data(n_out: int, rows: int, seed: int) -> Dataset:
    rng = np.random.RandomState(seed)
    x = rng.uniform(-1, 1, (rows, 2))
    y = (rng.uniform(0, 1, (rows, n_out)) > 0.5).astype(float)
    return Dataset("random", x, y)


@settings(max_examples=40, deadline=None)
@given(
    hidden=st.lists(st.integers(1, 5), min_size=1, max_size=3),
    n_out=st.integers(1, 2),
    activation=st.sampled_from(HIDDEN_ACTIVATIONS),
    loss=st.sampled_from(LOSSES),
    optimizer=st.sampled_from(OPTIMIZERS),
    seed=st.integers(0, 10_000),
    rows=st.integers(1, 6),
    epochs=st.integers(1, 3),
    lr=st.floats(0.01, 2.0),
)
def test_walking_epochs_lands_on_the_vectorised_weights(
    hidden, n_out, activation, loss, optimizer, seed, rows, epochs, lr
) -> None:
    data = _data(n_out, rows, seed)
    walked = Network((2, *hidden, n_out), activation, loss)
    walked.initialise(InitSpec("normal", 0.8), seed)
    vectorised = walked.copy()
    stepper = Stepper(walked, data, optimizer, lr)
    trainer = Trainer(vectorised, data, optimizer, lr)
    for _ in range(epochs):
        # Each epoch from the walk's own start: Adam amplifies a difference in a gradient below
        # ε = 1e-8 up to η·δg/ε, so differences carried over from an earlier epoch would blur the
        # check of this one.
        p = stepper.current
        trainer.restore(p.epoch, p.start_params, p.start_state)
        _, vectorised_gradient, _, _ = vectorised.loss_and_gradient(data.x, data.y)
        trainer.run(1)
        walked_gradient = stepper.update_tables(p).mean
        stepper.finish_pass()
        # The two gradients agree to float64 rounding (summed in different orders, and a gradient
        # that cancels keeps the rounding of the terms it cancelled from) ...
        difference = np.abs(walked_gradient - vectorised_gradient)
        assert np.all(difference <= 1e-12)
        # ... and each rule moves a parameter by at most this much per unit of gradient difference:
        # η for SGD and momentum, about η·(1 + max |m̂|/√v̂)/ε for Adam (m̂/√v̂ stays below ~3.2).
        sensitivity = lr * (8 / EPSILON if optimizer == "adam" else 1.0)
        assert np.all(np.abs(walked.params - vectorised.params) <= 1e-12 + sensitivity * difference)
        assert trainer.epoch == stepper.epoch
        if optimizer == "adam":  # only Adam's rule reads the update count
            assert trainer.opt_state.t == stepper.current.start_state.t
        end = p.end_state
        assert end is not None
        np.testing.assert_allclose(end.first, trainer.opt_state.first, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(end.second, trainer.opt_state.second, rtol=1e-9, atol=1e-12)
    assert stepper.epoch == trainer.epoch == epochs
    np.testing.assert_allclose(stepper.history.rows()[:epochs], trainer.history.rows(), rtol=1e-12, atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), batch=st.integers(1, 4), optimizer=st.sampled_from(OPTIMIZERS))
def test_mini_batch_walk_matches_vectorised(seed, batch, optimizer) -> None:
    data = load("xor")
    walked = Network((2, 3, 1), "tanh", "bce")
    walked.initialise(InitSpec("normal", 1.0), seed)
    vectorised = walked.copy()
    stepper = Stepper(walked, data, optimizer, 0.5, batch=batch, seed=seed)
    while stepper.epoch < 2:
        stepper.finish_pass()
    trainer = Trainer(vectorised, data, optimizer, 0.5, batch=batch, seed=seed)
    trainer.run(2)
    assert np.max(np.abs(walked.params - vectorised.params)) < 1e-12


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("loss", LOSSES)
def test_gradients_match_central_differences(activation, loss) -> None:
    data = load("xor")
    net = Network((2, 3, 2, 1), activation, loss)
    net.initialise(InitSpec("normal", 1.0), 11)
    net.params[:] += np.random.RandomState(0).uniform(-0.3, 0.3, net.n_params)  # biases off zero: no kinks at (0, 0)
    result = check(net, data.x, data.y, parameter_names(net))
    assert result.kinks == []
    assert result.max_relative_error < 1e-6


def test_walk_gradient_equals_plain_backprop_per_sample() -> None:
    data = load("xor")
    net = Network((2, 4, 1), "sigmoid", "mse")
    net.initialise(InitSpec("normal", 1.0), 5)
    stepper = Stepper(net, data)
    for k in range(4):
        tables = stepper.sample_tables(stepper.current, k)
        _, grad, _, _ = net.loss_and_gradient(data.x[k : k + 1], data.y[k : k + 1])
        assert np.max(np.abs(tables.grad - grad)) < 1e-15


def test_mse_gradient_includes_the_sigmoid_derivative() -> None:
    """The classic mistake writes ∂L/∂z = ŷ − y for MSE too; a gradient check tells them apart."""
    data = load("xor")
    net = Network((2, 2, 1), "sigmoid", "mse")
    net.initialise(InitSpec("normal", 1.0), 3)
    _loss, grad, _zs, acts = net.loss_and_gradient(data.x, data.y)
    a = acts[-1]
    wrong_delta = a - data.y
    wrong_grad_out_bias = wrong_delta.mean()
    assert abs(grad[net.bias_index(1, 0)] - wrong_grad_out_bias) > 1e-3
    assert check(net, data.x, data.y, parameter_names(net)).passed
