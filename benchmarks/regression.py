"""`train sine --hidden 16` against the seeds' plain NumPy regression loop, side by side (a benchmark, not a test).

  python -m benchmarks.regression            # 5 repeats of 20,000 epochs each (under a minute on a quiet 2-core machine)
  python -m benchmarks.regression --quick    # 2 repeats

Both fit the built-in `sine` (64 points) with a 1-16-1 network, tanh hidden layer and linear output, the loss
L = 1/(2m)·Σ(ŷ − y)², full-batch gradient descent of η = 0.1 from the same xavier weights, for 20,000 epochs:

  engine      the session `tui-nn train sine --hidden 16` builds, `Trainer.run(20000)`: it also records every
              epoch's loss, R² and gradient norm, and watches for divergence;
  numpy       the seeds' loop as it is written, computing the loss every epoch (as they print it).

The two run interleaved (in alternating order), so load on the machine falls on both alike; the table gives the
median epochs/s of the repeats and their ratio (`benchmarks.side_by_side`). Both land on the same weights
(tests/test_regression.py checks it to 1e-12).
"""

from __future__ import annotations

import numpy as np

from benchmarks.side_by_side import compare, engine_runner, repeats_from_arguments, timed
from tui_nn.engine.nn.datasets import load
from tui_nn.engine.session.config import defaults_for

EPOCHS = 20_000
HIDDEN = 16


def numpy_loop(x: np.ndarray, y: np.ndarray, hidden: int, seed: int, lr: float, epochs: int) -> float:
    """The seeds' regression loop (tanh hidden, linear output, ½·mean squared error); returns the last loss."""
    rng = np.random.RandomState(seed)
    W1 = rng.randn(x.shape[1], hidden) * np.sqrt(1.0 / x.shape[1])
    W2 = rng.randn(hidden, 1) * np.sqrt(1.0 / hidden)
    b1, b2 = np.zeros((1, hidden)), np.zeros((1, 1))
    m = x.shape[0]
    loss = float("nan")
    for _ in range(epochs):
        A1 = np.tanh(x @ W1 + b1)
        A2 = A1 @ W2 + b2
        loss = np.sum((A2 - y) ** 2) / (2 * m)
        dZ2 = A2 - y
        dW2 = A1.T @ dZ2 / m
        db2 = np.sum(dZ2, axis=0, keepdims=True) / m
        dZ1 = (dZ2 @ W2.T) * (1 - A1**2)
        dW1 = x.T @ dZ1 / m
        db1 = np.sum(dZ1, axis=0, keepdims=True) / m
        W1 -= lr * dW1
        b1 -= lr * db1
        W2 -= lr * dW2
        b2 -= lr * db2
    return float(loss)


def main() -> None:
    repeats = repeats_from_arguments(__doc__.splitlines()[0])
    config = defaults_for("sine")
    data = load("sine")
    compare(
        f"sine 1-{HIDDEN}-1 tanh/linear, ½·MSE, full batch ({data.size} points), {EPOCHS:,} epochs",
        EPOCHS,
        engine_runner(config.with_changes(hidden=(HIDDEN,)), EPOCHS),
        "numpy",
        timed(lambda: numpy_loop(data.x, data.y, HIDDEN, config.seed, config.lr, EPOCHS)),
        repeats,
    )


if __name__ == "__main__":
    main()
