"""Activation functions, their derivatives, and the text the step-through shows for them.

Every function here is evaluated without overflow for any finite input: the
sigmoid is computed as ½·(1 + tanh(z/2)), which equals 1/(1+e^−z) exactly in
real arithmetic and never forms e^z for large |z|.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

LEAKY_SLOPE = 0.01

HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu")
OUTPUT_ACTIVATIONS = ("sigmoid",)


def sigmoid_scalar(z: float) -> float:
    """σ(z) = 1/(1+e^−z), evaluated in the form that cannot overflow."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


IN_PLACE_ELEMENTS = 4096
"""From this size the vector sigmoid works in place in one new array: on large arrays (a
decision-boundary grid) a temporary per step can cost several times the arithmetic, in
fresh pages; on small ones the extra call costs more than the temporaries."""


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = ½·(1 + tanh(z/2)): equal to 1/(1+e^−z), with no overflow for any z."""
    if z.size < IN_PLACE_ELEMENTS:
        return np.asarray(0.5 * np.tanh(0.5 * z) + 0.5)
    out = np.empty(np.shape(z))
    np.multiply(z, 0.5, out)
    np.tanh(out, out)
    np.multiply(out, 0.5, out)
    np.add(out, 0.5, out)
    return out


def _tanh_scalar(z: float) -> float:
    return math.tanh(z)


def _relu_scalar(z: float) -> float:
    return z if z > 0 else 0.0


def _leaky_scalar(z: float) -> float:
    return z if z > 0 else LEAKY_SLOPE * z


@dataclass(frozen=True)
class Activation:
    """One activation g: its scalar and vector forms, g' in terms of (z, a), and display text."""

    name: str
    symbol: str
    scalar: Callable[[float], float]
    # g'(z) given both z and a = g(z); sigmoid and tanh are cheapest in terms of a.
    derivative_scalar: Callable[[float, float], float]
    definition: str
    derivative_text: str

    def explain(self, z: str) -> str:
        """The activation applied to a formatted number, e.g. 'σ(0.100) = 1/(1+e^−0.100)'."""
        if self.name == "sigmoid":
            return f"σ({z}) = 1/(1+e^−({z}))" if z.startswith("−") else f"σ({z}) = 1/(1+e^−{z})"
        if self.name == "tanh":
            return f"tanh({z})"
        if self.name == "relu":
            return f"max(0, {z})"
        return f"{z} if {z} > 0 else {LEAKY_SLOPE}·{z}"

    def derivative_substituted(self, z: str, a: str, z_value: float) -> str:
        """g'(z) written with the numbers put in, e.g. '0.525·(1−0.525)'."""
        if self.name == "sigmoid":
            return f"{a}·(1−{a})"
        if self.name == "tanh":
            return f"(1−{a}²)"
        if self.name == "relu":
            return "1" if z_value > 0 else "0"
        return "1" if z_value > 0 else f"{LEAKY_SLOPE}"

    def vector(self, z: np.ndarray) -> np.ndarray:
        if self.name == "sigmoid":
            return sigmoid(z)
        if self.name == "tanh":
            return np.asarray(np.tanh(z))
        if self.name == "relu":
            return np.asarray(np.maximum(z, 0.0))
        out = np.empty(np.shape(z))
        np.multiply(z, LEAKY_SLOPE, out)
        np.maximum(z, out, out=out)  # = z if z > 0 else 0.01·z, in one new array
        return out

    def derivative_vector(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        if self.name == "sigmoid":
            return np.asarray(a * (1.0 - a))
        if self.name == "tanh":
            return np.asarray(1.0 - a * a)
        if self.name == "relu":
            return (z > 0).astype(np.float64)
        return np.asarray(np.where(z > 0, 1.0, LEAKY_SLOPE))


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation(
        "sigmoid",
        "σ",
        sigmoid_scalar,
        lambda z, a: a * (1.0 - a),
        "σ(z) = 1/(1+e^−z)",
        "σ'(z) = σ(z)·(1−σ(z))",
    ),
    "tanh": Activation(
        "tanh",
        "tanh",
        _tanh_scalar,
        lambda z, a: 1.0 - a * a,
        "tanh(z)",
        "tanh'(z) = 1 − tanh²(z)",
    ),
    "relu": Activation(
        "relu",
        "relu",
        _relu_scalar,
        lambda z, a: 1.0 if z > 0 else 0.0,
        "relu(z) = max(0, z)",
        "relu'(z) = 1[z > 0]",
    ),
    "leaky_relu": Activation(
        "leaky_relu",
        "lrelu",
        _leaky_scalar,
        lambda z, a: 1.0 if z > 0 else LEAKY_SLOPE,
        f"lrelu(z) = z if z > 0 else {LEAKY_SLOPE}·z",
        f"lrelu'(z) = 1 if z > 0 else {LEAKY_SLOPE}",
    ),
}
