"""The training problems: the four 2-input logic gates and two seeded 2-D point clouds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GATE_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
GATE_TARGETS = {
    "xor": [0, 1, 1, 0],
    "and": [0, 0, 0, 1],
    "or": [0, 1, 1, 1],
    "nand": [1, 1, 1, 0],
}
PROBLEMS = ("xor", "and", "or", "nand", "circle", "spiral")
DATA_SEED = 7


@dataclass(frozen=True)
class Dataset:
    name: str
    x: np.ndarray
    y: np.ndarray

    @property
    def size(self) -> int:
        return int(self.x.shape[0])

    @property
    def is_small(self) -> bool:
        """Small enough to list row by row (the logic gates)."""
        return self.size <= 16


def _circle(n: int = 300, noise: float = 0.08) -> Dataset:
    rng = np.random.RandomState(DATA_SEED)
    radius = np.sqrt(rng.uniform(0.0, 1.0, n))
    angle = rng.uniform(0.0, 2 * np.pi, n)
    x = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    label = (radius < 0.6).astype(np.float64)
    x = x + rng.normal(0.0, noise, x.shape)
    return Dataset("circle", x, label.reshape(-1, 1))


def _spiral(n_per_class: int = 150, noise: float = 0.04) -> Dataset:
    rng = np.random.RandomState(DATA_SEED)
    xs, ys = [], []
    for label in (0, 1):
        t = np.linspace(0.15, 1.0, n_per_class)
        angle = 3.5 * np.pi * t + label * np.pi
        points = np.column_stack([t * np.cos(angle), t * np.sin(angle)])
        xs.append(points + rng.normal(0.0, noise, points.shape))
        ys.append(np.full(n_per_class, float(label)))
    return Dataset("spiral", np.concatenate(xs), np.concatenate(ys).reshape(-1, 1))


def load(name: str) -> Dataset:
    """The data set called `name` (one of PROBLEMS); rows of the gates are numbered 1–4."""
    if name in GATE_TARGETS:
        return Dataset(name, GATE_INPUTS.copy(), np.array(GATE_TARGETS[name], dtype=np.float64).reshape(-1, 1))
    if name == "circle":
        return _circle()
    if name == "spiral":
        return _spiral()
    raise KeyError(name)
