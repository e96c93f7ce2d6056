"""Losses for sigmoid outputs, computed from the pre-activation z so they stay finite.

Conventions (the classic worked examples'):
  bce: L = −Σ_k [y·ln ŷ + (1−y)·ln(1−ŷ)], summed over output units, mean over the batch.
  mse: L = ½·Σ_k (ŷ − y)², summed over output units, mean over the batch.

With a sigmoid output the error signal at the output is
  bce: ∂L/∂z = ŷ − y                 (the σ' cancels)
  mse: ∂L/∂z = (ŷ − y)·ŷ·(1 − ŷ)     (it does not: writing ŷ − y here is the classic mistake)
"""

from __future__ import annotations

import math

import numpy as np

LOSSES = ("bce", "mse")
CLIP = 1e-12


def softplus_scalar(z: float) -> float:
    """ln(1 + e^z) without overflow."""
    if z > 0:
        return z + math.log1p(math.exp(-z))
    return math.log1p(math.exp(z))


def bce_from_logit_scalar(z: float, y: float) -> float:
    """−[y·ln σ(z) + (1−y)·ln(1−σ(z))] = y·softplus(−z) + (1−y)·softplus(z), since
    −ln σ(z) = ln(1 + e^−z) and −ln(1 − σ(z)) = ln(1 + e^z).

    Exact to the last digits for any z: the equal form softplus(z) − y·z subtracts two nearly
    equal numbers when the output is confidently right (z = 30, y = 1 gives 9.237e-14 instead of
    9.358e-14, and 0 from z ≈ 37).
    """
    if y == 1.0:
        return softplus_scalar(-z)
    if y == 0.0:
        return softplus_scalar(z)
    return y * softplus_scalar(-z) + (1.0 - y) * softplus_scalar(z)


def batch_loss(loss: str, z: np.ndarray, a: np.ndarray, y: np.ndarray) -> float:
    """Mean over the batch (rows) of the per-sample loss summed over output units."""
    m = z.shape[0]
    with np.errstate(all="ignore"):
        if loss == "bce":
            return float((np.logaddexp(0.0, z).sum() - np.vdot(y, z)) / m)
        d = a - y
        return float(0.5 * np.vdot(d, d) / m)


def output_delta(loss: str, a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """∂L_sample/∂z at a sigmoid output (per sample, not yet divided by the batch size)."""
    if loss == "bce":
        return np.asarray(a - y)
    return np.asarray((a - y) * a * (1.0 - a))
