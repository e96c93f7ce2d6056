"""The plain NumPy training loop exactly as the tutorials write it.

Kept as the yardstick for the reproduction test and the benchmark: tui-nn's
engine must land on the same numbers, and train several times faster.
"""

from __future__ import annotations

import numpy as np


def tutorial_xor(
    hidden: int = 4, scale: float = 0.1, seed: int = 42, lr: float = 1.0, epochs: int = 10_000, every: int = 1000
) -> tuple[list[tuple[int, float]], np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Train 2-hidden-1 sigmoid/BCE on XOR the tutorial way; return (losses logged, W1, b1, W2, b2, a2)."""

    def sigmoid(z: np.ndarray) -> np.ndarray:
        return np.asarray(1 / (1 + np.exp(-z)))

    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([[0], [1], [1], [0]], dtype=float)
    np.random.seed(seed)
    W1 = np.random.randn(2, hidden) * scale
    b1 = np.zeros((1, hidden))
    W2 = np.random.randn(hidden, 1) * scale
    b2 = np.zeros((1, 1))
    m = X.shape[0]
    logged = []
    for epoch in range(epochs):
        z1 = np.dot(X, W1) + b1
        a1 = sigmoid(z1)
        z2 = np.dot(a1, W2) + b2
        a2 = sigmoid(z2)
        loss = -np.mean(y * np.log(a2) + (1 - y) * np.log(1 - a2))
        if epoch % every == 0:
            logged.append((epoch, float(loss)))
        dz2 = a2 - y
        dW2 = np.dot(a1.T, dz2) / m
        db2 = np.sum(dz2, axis=0, keepdims=True) / m
        da1 = np.dot(dz2, W2.T)
        dz1 = da1 * a1 * (1 - a1)
        dW1 = np.dot(X.T, dz1) / m
        db1 = np.sum(dz1, axis=0, keepdims=True) / m
        W1 -= lr * dW1
        b1 -= lr * db1
        W2 -= lr * dW2
        b2 -= lr * db2
    a2 = sigmoid(np.dot(sigmoid(np.dot(X, W1) + b1), W2) + b2)
    return logged, W1, b1, W2, b2, a2


# --- Stanford cs231n's "minimal neural network case study", as the course notes write it -------------
# (https://cs231n.github.io/neural-networks-case-study/): a 3-arm spiral, a linear softmax classifier,
# then a 2-layer ReLU net, full-batch gradient descent with L2 of (λ/2)·Σw² on the weights only.


def cs231n_spiral(seed: int = 0, points_per_class: int = 100, classes: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """The course's generator, drawing from NumPy's global RandomState seeded with `seed`."""
    np.random.seed(seed)
    N, D, K = points_per_class, 2, classes
    X = np.zeros((N * K, D))
    y = np.zeros(N * K, dtype="uint8")
    for j in range(K):
        ix = range(N * j, N * (j + 1))
        r = np.linspace(0.0, 1, N)
        t = np.linspace(j * 4, (j + 1) * 4, N) + np.random.randn(N) * 0.2
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        y[ix] = j
    return X, y


def cs231n_train(
    X: np.ndarray,
    y: np.ndarray,
    hidden: int | None,
    iterations: int,
    step_size: float = 1.0,
    reg: float = 1e-3,
    init_seed: int = 1,
) -> tuple[list[float], list[np.ndarray], list[np.ndarray], float]:
    """Train the linear classifier (hidden=None) or the 2-layer ReLU net the course's way.

    Returns (the loss of every iteration, computed before its update as the notes print it;
    the initial [W, b, (W2, b2)]; the final ones; the final training accuracy)."""
    np.random.seed(init_seed)
    D, K = X.shape[1], int(y.max()) + 1
    num_examples = X.shape[0]
    if hidden is None:
        params = [0.01 * np.random.randn(D, K), np.zeros((1, K))]
    else:
        params = [0.01 * np.random.randn(D, hidden), np.zeros((1, hidden)), 0.01 * np.random.randn(hidden, K), np.zeros((1, K))]
    initial = [p.copy() for p in params]
    losses: list[float] = []
    for _ in range(iterations):
        if hidden is None:
            W, b = params
            scores = np.dot(X, W) + b
        else:
            W, b, W2, b2 = params
            hidden_layer = np.maximum(0, np.dot(X, W) + b)
            scores = np.dot(hidden_layer, W2) + b2
        exp_scores = np.exp(scores)
        probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
        correct_logprobs = -np.log(probs[range(num_examples), y])
        data_loss = np.sum(correct_logprobs) / num_examples
        reg_loss = 0.5 * reg * np.sum(W * W) + (0.5 * reg * np.sum(W2 * W2) if hidden is not None else 0.0)
        losses.append(float(data_loss + reg_loss))
        dscores = probs
        dscores[range(num_examples), y] -= 1
        dscores /= num_examples
        if hidden is None:
            dW = np.dot(X.T, dscores)
            db = np.sum(dscores, axis=0, keepdims=True)
            dW += reg * W
            W += -step_size * dW
            b += -step_size * db
        else:
            dW2 = np.dot(hidden_layer.T, dscores)
            db2 = np.sum(dscores, axis=0, keepdims=True)
            dhidden = np.dot(dscores, W2.T)
            dhidden[hidden_layer <= 0] = 0
            dW = np.dot(X.T, dhidden)
            db = np.sum(dhidden, axis=0, keepdims=True)
            dW2 += reg * W2
            dW += reg * W
            W += -step_size * dW
            b += -step_size * db
            W2 += -step_size * dW2
            b2 += -step_size * db2
    if hidden is None:
        scores = np.dot(X, params[0]) + params[1]
    else:
        scores = np.dot(np.maximum(0, np.dot(X, params[0]) + params[1]), params[2]) + params[3]
    accuracy = float(np.mean(np.argmax(scores, axis=1) == y))
    return losses, initial, params, accuracy
