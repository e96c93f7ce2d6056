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

from tui_nn.engine.expr import ONE, Add, Call, Div, Exp, Expr, Lit, Mul, Neg, Num, Pow, Sub, Sym, lit

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
    """One activation g: scalar and vector forms, g' in terms of (z, a), and its formulas.

    The formula builders return expression trees (tui_nn.engine.expr) for the step-through:
    `expansion` writes g(z) out with the number z put in (None when g(z) is its own best
    expansion, as for tanh); `derivative_numbers` writes g'(z) with z and a = g(z) put in.
    """

    name: str
    symbol: str
    latex: str
    scalar: Callable[[float], float]
    # g'(z) given both z and a = g(z); sigmoid and tanh are cheapest in terms of a.
    derivative_scalar: Callable[[float, float], float]
    expansion: Callable[[Num], Expr | None]
    derivative_numbers: Callable[[Num, Num], Expr]

    def applied(self, argument: Expr) -> Call:
        """g(argument), e.g. σ(z)."""
        return Call(self.symbol, self.latex, (argument,), fn=self.scalar)

    @property
    def derivative_symbol(self) -> Sym:
        """g'(z), e.g. σ'(z)."""
        return Sym(f"{self.symbol}'(z)", f"{self.latex}'(z)")

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


def _sigmoid_expansion(z: Num) -> Expr:
    """1/(1+e^−z)"""
    return Div(ONE, Add((ONE, Exp(Neg(z))), tight=True))


def _relu_expansion(z: Num) -> Expr:
    return Call("max", r"\max", (Lit("0", "0", 0.0), z), fn=max)


def _leaky_expansion(z: Num) -> Expr | None:
    """z itself for z > 0 (nothing to expand), else slope·z."""
    return None if z.value > 0 else Mul((lit(LEAKY_SLOPE), z))


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation(
        "sigmoid",
        "σ",
        r"\sigma",
        sigmoid_scalar,
        lambda z, a: a * (1.0 - a),
        _sigmoid_expansion,
        lambda z, a: Mul((a, Sub(ONE, a))),
    ),
    "tanh": Activation(
        "tanh",
        "tanh",
        r"\tanh",
        _tanh_scalar,
        lambda z, a: 1.0 - a * a,
        lambda z: None,
        lambda z, a: Sub(ONE, Pow(a, Lit("2", "2", 2.0))),
    ),
    "relu": Activation(
        "relu",
        "relu",
        r"\operatorname{relu}",
        _relu_scalar,
        lambda z, a: 1.0 if z > 0 else 0.0,
        _relu_expansion,
        # the derivative at z = 0 is taken as 0 (the subgradient most libraries use)
        lambda z, a: lit(1.0 if z.value > 0 else 0.0),
    ),
    "leaky_relu": Activation(
        "leaky_relu",
        "lrelu",
        r"\operatorname{lrelu}",
        _leaky_scalar,
        lambda z, a: 1.0 if z > 0 else LEAKY_SLOPE,
        _leaky_expansion,
        lambda z, a: lit(1.0 if z.value > 0 else LEAKY_SLOPE),
    ),
}


def _smallest_logit_above_half() -> float:
    """The smallest z with sigmoid(z) > ½ in float64 (about 2.2e-16, not 0: σ rounds to exactly ½
    for tinier z). Counting a prediction as class 1 when z exceeds it gives exactly ŷ > ½."""
    low, high = 0.0, 1e-15
    while np.nextafter(low, high) < high:
        middle = 0.5 * (low + high)
        if middle in (low, high):
            break
        if sigmoid(np.array([middle]))[0] > 0.5:
            high = middle
        else:
            low = middle
    return high


LOGIT_ABOVE_HALF = _smallest_logit_above_half()
