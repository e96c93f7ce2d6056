"""K-class data sets for the views' tests: seeded, one-hot targets (Dataset.y is N × K).

The views key on the data set's class count and the network's output count, never on an
activation: most tests here draw K sigmoid outputs (their references are written for it), the
snapshots and the softmax tests a softmax over the K classes (loss="ce").
"""

from __future__ import annotations

import numpy as np

from tui_nn.engine.nn.datasets import Dataset
from tui_nn.engine.session.build import Session, build
from tui_nn.engine.session.config import defaults_for


def spiral(classes: int = 3, per_class: int = 100, seed: int = 0) -> Dataset:
    """cs231n's spiral: `classes` arms of `per_class` points, θ noise 0.2, one-hot targets."""
    rng = np.random.RandomState(seed)
    x = np.zeros((per_class * classes, 2))
    labels = np.zeros(per_class * classes, dtype=int)
    for j in range(classes):
        rows = slice(per_class * j, per_class * (j + 1))
        radius = np.linspace(0.0, 1, per_class)
        theta = np.linspace(j * 4, (j + 1) * 4, per_class) + rng.randn(per_class) * 0.2
        x[rows] = np.c_[radius * np.sin(theta), radius * np.cos(theta)]
        labels[rows] = j
    return Dataset(f"spiral{classes}", x, np.eye(classes)[labels])


def few_points(classes: int = 3) -> Dataset:
    """A handful of points (listed row by row, as the gates are), two per class, one-hot."""
    angles = np.arange(2 * classes) * np.pi / classes
    x = np.round(np.c_[np.cos(angles), np.sin(angles)] * (1 + 0.5 * (np.arange(2 * classes) % 2))[:, None], 3)
    labels = np.arange(2 * classes) // 2
    return Dataset(f"points{classes}", x, np.eye(classes)[labels])


def session(data: Dataset, hidden: tuple[int, ...] = (16, 8), epochs: int = 0, loss: str = "bce") -> Session:
    """The spiral problem's settings (ReLU, Adam) with K sigmoid outputs (with loss="ce", a softmax
    over the K), trained `epochs` full-batch epochs."""
    built = build(defaults_for("spiral").with_changes(hidden=hidden, loss=loss), data=data)
    if epochs:
        built.stepper.run_epochs(epochs)
    return built
