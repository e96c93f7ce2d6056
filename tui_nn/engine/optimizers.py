"""Gradient-descent update rules, vectorised for training and one parameter at a time for the walk.

  sgd:       θ ← θ − η·ḡ
  momentum:  M ← β·M + ḡ;  θ ← θ − η·M                                   (β = 0.9; M starts at 0)
  adam:      M ← β₁·M + (1−β₁)·ḡ;  S ← β₂·S + (1−β₂)·ḡ²;  t ← t + 1;
             M̂ = M/(1−β₁ᵗ);  Ŝ = S/(1−β₂ᵗ);  θ ← θ − η·M̂/(√Ŝ + ε)      (β₁ = 0.9, β₂ = 0.999, ε = 1e-8)

M and S are per-parameter running means (of ḡ and of ḡ²); their letters are chosen so they
cannot be mistaken for the output weights v or the batch size m.

Both forms perform the same floating-point operations in the same order, so a
walk and a vectorised epoch land on the same parameters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

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
    """One parameter's update, every intermediate number of it, for the step-through.

    first/second: the optimizer's state after the update (M, and S for Adam);
    first_hat/second_hat: Adam's bias-corrected M̂ and Ŝ (0 for the others).
    """

    new_value: float
    first: float
    second: float
    first_hat: float = 0.0
    second_hat: float = 0.0


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


def scalar_update(name: str, lr: float, theta: float, g: float, first: float, second: float, t: int) -> ScalarUpdate:
    """The same rule for one parameter, on Python floats, in the operation order of `apply`.

    `t` is the update count after this update (Adam's bias correction).
    """
    if name == "sgd":
        return ScalarUpdate(theta - lr * g, first, second)
    if name == "momentum":
        velocity = first * MOMENTUM + g
        return ScalarUpdate(theta - velocity * lr, velocity, second)
    m = first * BETA1 + g * (1.0 - BETA1)
    v = second * BETA2 + (g * g) * (1.0 - BETA2)
    m_hat = m / (1.0 - BETA1**t)
    v_hat = v / (1.0 - BETA2**t)
    step = m_hat / (math.sqrt(v_hat) + EPSILON) * lr
    return ScalarUpdate(theta - step, m, v, m_hat, v_hat)
