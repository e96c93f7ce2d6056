"""Weight decay: (λ/2)·Σw² over the weights (not the biases) in the loss, λ·w in every weight's gradient."""

from __future__ import annotations

import numpy as np
import pytest

from tui_nn.engine.nn.datasets import load
from tui_nn.engine.nn.gradcheck import check, parameter_names
from tui_nn.engine.nn.network import InitSpec, Network
from tui_nn.engine.nn.training import Trainer

LAM = 0.03


def _net(sizes: tuple[int, ...], activation: str = "tanh", l2: float = LAM, seed: int = 4) -> Network:
    net = Network(sizes, activation, "bce", l2=l2)
    net.initialise(InitSpec("normal", 1.0), seed)
    net.params += np.random.RandomState(seed).uniform(-0.5, 0.5, net.n_params)  # non-zero biases too
    return net


def _plain_numpy_loop(
    net: Network, x: np.ndarray, y: np.ndarray, lr: float, lam: float, epochs: int
) -> tuple[list[float], np.ndarray]:
    """cs231n's loop for a sigmoid-output net with BCE and weight decay, written without the engine."""
    weights = [net.weights(l).copy() for l in range(net.n_layers)]
    biases = [net.biases(l).copy() for l in range(net.n_layers)]
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
    params = np.concatenate([np.vstack([w, b[None]]).ravel() for w, b in zip(weights, biases, strict=True)])
    return losses, params


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
    losses, params = _plain_numpy_loop(net.like(start), data.x, data.y, 0.5, LAM, 300)
    rows = trainer.history.rows()
    np.testing.assert_allclose(rows[:, 1], losses, rtol=1e-12)
    np.testing.assert_allclose(net.params, params, rtol=1e-12, atol=1e-14)


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
