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
