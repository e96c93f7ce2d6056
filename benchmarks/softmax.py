"""`train spiral3 --hidden 64 --activation relu` against cs231n's plain NumPy loop, side by side (a benchmark, not a test).

  python -m benchmarks.softmax               # 5 repeats of 10,000 iterations each (about a minute on a quiet 2-core machine)
  python -m benchmarks.softmax --quick       # 2 repeats

Both train cs231n's 3-class spiral (300 points) with a 2-64-3 ReLU network, softmax and cross-entropy, full-batch
gradient descent of step 1 from 0.01·randn weights, for 10,000 iterations:

  engine      the session `tui-nn train spiral3 --hidden 64 --activation relu` builds, `Trainer.run(10000)`: it also
              records every epoch's loss, accuracy and gradient norm, and watches for divergence;
  cs231n      the course's loop ("minimal neural network case study") as it is written, λ = 0 (no L2), computing the
              loss every iteration as the course does (it prints it every 1000).

The two run interleaved (in alternating order), so load on the machine falls on both alike; the table gives the
median epochs/s of the repeats and their ratio (`benchmarks.side_by_side`).
"""

from __future__ import annotations

import numpy as np

from benchmarks.side_by_side import compare, engine_runner, repeats_from_arguments, timed
from tui_nn.engine.nn.datasets import load
from tui_nn.engine.session.config import defaults_for

ITERATIONS = 10_000


def cs231n(x: np.ndarray, y: np.ndarray, hidden: int, seed: int, iterations: int) -> float:
    """The course's loop with reg = 0; returns the last loss so that none of the work is dead code."""
    np.random.seed(seed)
    D, K = x.shape[1], int(y.max()) + 1
    W = 0.01 * np.random.randn(D, hidden)
    b = np.zeros((1, hidden))
    W2 = 0.01 * np.random.randn(hidden, K)
    b2 = np.zeros((1, K))
    step_size, num_examples = 1.0, x.shape[0]
    data_loss = float("nan")
    for _ in range(iterations):
        hidden_layer = np.maximum(0, np.dot(x, W) + b)
        scores = np.dot(hidden_layer, W2) + b2
        exp_scores = np.exp(scores)
        probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
        corect_logprobs = -np.log(probs[range(num_examples), y])
        data_loss = np.sum(corect_logprobs) / num_examples
        dscores = probs
        dscores[range(num_examples), y] -= 1
        dscores /= num_examples
        dW2 = np.dot(hidden_layer.T, dscores)
        db2 = np.sum(dscores, axis=0, keepdims=True)
        dhidden = np.dot(dscores, W2.T)
        dhidden[hidden_layer <= 0] = 0
        dW = np.dot(x.T, dhidden)
        db = np.sum(dhidden, axis=0, keepdims=True)
        W += -step_size * dW
        b += -step_size * db
        W2 += -step_size * dW2
        b2 += -step_size * db2
    return float(data_loss)


def main() -> None:
    repeats = repeats_from_arguments(__doc__.splitlines()[0])
    config = defaults_for("spiral3")
    data = load("spiral3")
    x, labels = data.x, data.class_index.astype("uint8")
    compare(
        f"spiral3 2-64-3 ReLU, softmax + cross-entropy, full batch (300 points), {ITERATIONS:,} iterations",
        ITERATIONS,
        engine_runner(config.with_changes(hidden=(64,), activation="relu"), ITERATIONS),
        "cs231n",
        timed(lambda: cs231n(x, labels, 64, config.seed, ITERATIONS)),
        repeats,
    )


if __name__ == "__main__":
    main()
