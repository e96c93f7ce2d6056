"""Gradient-descent update rules, vectorised for training and one parameter at a time for the walk.

  sgd:       θ ← θ − η·g
  momentum:  v ← β·v + g;  θ ← θ − η·v                                   (β = 0.9)
  adam:      m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  m̂ = m/(1−β₁ᵗ);  v̂ = v/(1−β₂ᵗ);
             θ ← θ − η·m̂/(√v̂ + ε)                                      (β₁ = 0.9, β₂ = 0.999, ε = 1e-8)

Both forms perform the same floating-point operations in the same order, so a
walk and a vectorised epoch land on the same parameters.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

Formatter = Callable[..., str]
OPTIMIZERS = ("sgd", "momentum", "adam")
MOMENTUM = 0.9
BETA1, BETA2, EPSILON = 0.9, 0.999, 1e-8


@dataclass
class OptimizerState:
    """Everything an optimizer remembers between updates (copied into checkpoints)."""

    t: int = 0
    first: np.ndarray = field(default_factory=lambda: np.zeros(0))
    second: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def copy(self) -> OptimizerState:
        return OptimizerState(self.t, self.first.copy(), self.second.copy())


@dataclass(frozen=True)
class ScalarUpdate:
    """One parameter's update, with the numbers, for the step-through."""

    new_value: float
    formula: str
    substituted: str
    results: tuple[tuple[str, float], ...]
    first: float
    second: float


def new_state(name: str, n_params: int) -> OptimizerState:
    if name == "sgd":
        return OptimizerState()
    if name == "momentum":
        return OptimizerState(0, np.zeros(n_params))
    return OptimizerState(0, np.zeros(n_params), np.zeros(n_params))


def apply(name: str, lr: float, params: np.ndarray, grad: np.ndarray, state: OptimizerState, scratch: np.ndarray) -> None:
    """Update `params` in place from the mean gradient `grad` (which may be overwritten)."""
    mul, sub = np.multiply, np.subtract
    if name == "sgd":
        mul(grad, lr, scratch)
        sub(params, scratch, params)
        return
    if name == "momentum":
        v = state.first
        mul(v, MOMENTUM, v)
        np.add(v, grad, v)
        mul(v, lr, scratch)
        sub(params, scratch, params)
        return
    state.t += 1
    m, v = state.first, state.second
    mul(m, BETA1, m)
    mul(grad, 1.0 - BETA1, scratch)
    np.add(m, scratch, m)
    mul(v, BETA2, v)
    mul(grad, grad, scratch)
    mul(scratch, 1.0 - BETA2, scratch)
    np.add(v, scratch, v)
    m_correction = 1.0 - BETA1**state.t
    v_correction = 1.0 - BETA2**state.t
    # scratch ← η·m̂/(√v̂ + ε), op by op in the order of update_one below.
    np.divide(v, v_correction, scratch)
    np.sqrt(scratch, scratch)
    np.add(scratch, EPSILON, scratch)
    np.divide(np.divide(m, m_correction), scratch, scratch)
    mul(scratch, lr, scratch)
    sub(params, scratch, params)


def update_one(
    name: str, lr: float, theta: float, g: float, first: float, second: float, t: int, symbol: str, fmt: Formatter
) -> ScalarUpdate:
    """The same rule for one parameter, as arithmetic on Python floats plus its text.

    `t` is the step count after this update (adam's bias correction); `fmt` formats a number.
    """
    if name == "sgd":
        new = theta - lr * g
        return ScalarUpdate(
            new,
            f"{symbol} ← {symbol} − η·ḡ",
            f"{fmt(theta)} − {fmt(lr)}·{fmt(g, paren=True)}",
            ((symbol, new),),
            first,
            second,
        )
    if name == "momentum":
        v = first * MOMENTUM + g
        new = theta - v * lr
        return ScalarUpdate(
            new,
            f"v ← β·v + ḡ;  {symbol} ← {symbol} − η·v",
            f"v = {MOMENTUM}·{fmt(first, paren=True)} + {fmt(g, paren=True)} = {fmt(v)};  "
            f"{fmt(theta)} − {fmt(lr)}·{fmt(v, paren=True)}",
            (("v", v), (symbol, new)),
            v,
            second,
        )
    m = first * BETA1 + g * (1.0 - BETA1)
    v = second * BETA2 + (g * g) * (1.0 - BETA2)
    m_hat = m / (1.0 - BETA1**t)
    v_hat = v / (1.0 - BETA2**t)
    step = m_hat / (math.sqrt(v_hat) + EPSILON) * lr
    new = theta - step
    return ScalarUpdate(
        new,
        f"m ← β₁m + (1−β₁)ḡ;  v ← β₂v + (1−β₂)ḡ²;  {symbol} ← {symbol} − η·m̂/(√v̂+ε)",
        f"m = {fmt(m)}, v = {fmt(v)}, m̂ = {fmt(m_hat)}, v̂ = {fmt(v_hat)};  "
        f"{fmt(theta)} − {fmt(lr)}·{fmt(m_hat, paren=True)}/(√{fmt(v_hat)}+ε)",
        (("m", m), ("v", v), (symbol, new)),
        m,
        v,
    )
