"""Vectorised training: a preallocated kernel, the Trainer that runs epochs, and divergence diagnosis.

Speed. On XOR-sized problems every NumPy call costs more than its arithmetic; on large ones
every pass over an array does. So the kernel

- allocates every buffer once and writes every result in place (positional `out`);
- stores activations feature-major (units × samples) under a row for the bias, so a layer's
  forward pass is one matmul Ẑ = [W; b]ᵀ·[A; 1] and its activation is written straight into
  the next layer's input, with no copy;
- keeps each layer's input multiplied by a power of two s (Ẑ = s·Z) chosen so that every
  activation is as few passes as possible: a sigmoid hidden layer fed s = ½ is two passes,
  u = 1 + tanh(Ẑ) = 2σ(z), and u is the next layer's input (s = 2); the output's error
  signal is tanh of a rescaled Ẑ plus one constant. Scaling by a power of two is exact in
  binary floating point, so the scales change no digit of any result (short of overflow); they
  are chosen so that all gradient blocks carry the same factor S, which is divided out
  exactly in the update;
- keeps, during a chunk of epochs, each epoch's output logits and gradient in rows of its own
  (one op list per epoch writes straight into them), so the bookkeeping (loss, accuracy,
  gradient norm) is done once per chunk, in bulk, in cache-sized blocks.

Honesty. Training stops at the exact epoch something went wrong and says what (see
`Trainer.run` and `explosion_limit`).
"""

from __future__ import annotations

import math
import sys
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from itertools import islice
from operator import call
from typing import Any

import numpy as np

from tui_nn.engine.live.reasons import Diverged, DivergenceCause, StopReason, TargetReached
from tui_nn.engine.nn import optimizers
from tui_nn.engine.nn.activations import LOGIT_ABOVE_HALF, Activation
from tui_nn.engine.nn.datasets import Dataset
from tui_nn.engine.nn.dropout import network_masks, update_index, updates_masks
from tui_nn.engine.nn.history import ACCURACY, EVAL_LOSS, NO_VALIDATION, VAL_ACCURACY, VAL_LOSS, BestValidation, History
from tui_nn.engine.nn.losses import Loss, as_loss
from tui_nn.engine.nn.network import Network
from tui_nn.engine.nn.optimizers import OptimizerState

CHUNK = 1024
"""Most epochs per chunk: bookkeeping and divergence checks run once per chunk (on XOR a
chunk's own overhead is about 0.1 ms, so it takes a thousand epochs to make it small)."""

CHUNK_BUFFER_ELEMENTS = 1 << 20
"""Largest per-chunk buffer of logits (epochs × outputs × samples), in float64s (8 MB):
large data sets run shorter chunks, whose overhead is nothing next to their epochs."""

GRADIENT_ROWS_ELEMENTS = 1 << 21
"""Largest per-chunk buffer of per-epoch gradients, in float64s (16 MB). Networks too big to
keep at least MIN_GRADIENT_ROWS rows compute each epoch's gradient norm as they go instead."""

MIN_GRADIENT_ROWS = 16

MIN_CHUNK = 64
"""Fewest epochs per chunk when a run is longer than that."""

BOOKKEEPING_BLOCK = 1 << 15
"""Elements per block of bulk bookkeeping (256 kB: the block's temporaries stay in cache)."""

EXPLOSION_FACTOR = 100.0
"""A BCE loss this many times its reference has exploded (see `explosion_limit`)."""

Op = Callable[[], object]
Slot = Callable[[np.ndarray, list[np.ndarray]], Op]
"""Makes the op at one position of an epoch's list, given where its logits and gradient blocks go."""


def explosion_limit(loss: str | Loss, outputs: int, start_loss: float, y: np.ndarray | None = None) -> float:
    """The loss above which a run has exploded: 100 × max(start loss, outputs · ln 2) for BCE,
    100 × max(start loss, ln K) for cross-entropy over a softmax of K.

    outputs · ln 2 is the loss of knowing nothing (ŷ = ½ for every output; for a softmax,
    p = 1/K gives ln K, and a cross-entropy a hundred times that puts the true class's logit
    about 100·ln K below the largest, the same runaway). A BCE loss a
    hundred times that means the outputs sit on average about 69 logits on the wrong side,
    where σ rounds to exactly the wrong class in float64 (already past |z| ≈ 37) and the
    tutorials' −ln(1 − ŷ) would print inf. Gradient descent that is descending does not get
    there: with a step that is too large the loss instead grows in proportion to η (every
    over-long step pushes the saturated outputs further the wrong way), or geometrically
    towards overflow. Measured on every data set, activation and optimizer, a learning rate
    that merely saturates the network (XOR's sigmoid net at η = 100: the loss rises to 21,
    29 × its start, and stays bounded) stays well below the limit, while every rate that
    runs away (η = 1000 and beyond, or a leaky-ReLU net whose loss grows to 1e168) crosses
    it within a few epochs. Measuring from the run's start, when that is above ln 2 per
    output, keeps a network loaded with bad weights from being stopped for where it began.

    MSE has no such limit: with a sigmoid output each sample's loss is at most ½ per output
    (for targets in [0, 1]), so the loss cannot explode; an MSE run is stopped only when its
    arithmetic actually overflows or gives NaN.
    """
    kind = as_loss(loss)
    if kind.bounded:
        return math.inf
    reference = kind.reference(outputs, y)
    if math.isfinite(start_loss):
        reference = max(reference, start_loss)
    return EXPLOSION_FACTOR * reference


def suggested_rate(lr: float, growth: float) -> float:
    """A learning rate to try after a divergence: min(η/10, η/(2G)), rounded down to 1, 2 or 5 × 10ᵏ.

    G (`growth`) is the most that a single update multiplied the largest |weight| by, over the
    epochs of the chunk in which the run diverged. A step that overshoots moves the weights by
    about η times a gradient that saturation keeps bounded (Adam's steps are η per weight),
    so when one update multiplies them by G, η/G is about the rate at which it would not have;
    halved for a margin. A run that drifts off slowly (G near 1) gets the tenfold cut.
    Checked on XOR, the circle and the spiral (2-2-1 and 2-16-8-1 nets, sigmoid, tanh, ReLU
    and leaky ReLU, SGD, momentum and Adam, at η = 100, 1e4 and 1e308): 198 of the 202 rates
    suggested trained 300 (XOR: 1000) epochs without being stopped, none of them more than 100×
    below the largest rate 1, 2 or 5 × 10ᵏ that does; the 4 others were 2-16-8-1 leaky-ReLU
    nets on the spiral, which diverge slowly at the rate suggested.
    """
    target = min(lr / 10.0, lr / growth / 2.0)
    if not target > 0.0:
        return lr / 10.0
    exponent = math.floor(math.log10(target))
    mantissa = next(m for m in (5.0, 2.0, 1.0, 0.5) if m * 10.0**exponent <= target * (1 + 1e-12))
    return float(f"{mantissa * 10.0**exponent:.0e}")


class _Bookkeeping:
    """Mean loss, accuracy and output overflow for a stack of output logits, in bulk.

    The logits arrive scaled, Ẑ = s·z, in rows of outputs × samples (flattened), one row per
    epoch. Per element, with y the target:

      bce   softplus(z) − y·z = max(z, 0) − y·z + ln(1 + e^−|z|), exact and finite for any
            finite z (with binary targets, max(z, 0) − y·z = max(u, 0) for u = (1 − 2y)·z);
      mse   ½·(σ(z) − y)²  with 2σ(z) = 1 + tanh(z/2);
      right (z ≥ z½) = (y > 0.5), where z½ = LOGIT_ABOVE_HALF is the smallest z whose σ(z)
            rounds above ½: the same prediction as ŷ > 0.5 everywhere else, with no sigmoid.

    Blocks of rows are processed at a time so that the temporaries stay in cache.
    """

    def __init__(self, loss: str | Loss, scale: float, y_rows: np.ndarray, m: int) -> None:
        self.loss = as_loss(loss)
        from_logit = self.loss.from_logit
        self.scale = scale
        self.m = m
        y = np.ascontiguousarray(y_rows, dtype=np.float64).reshape(-1)
        n = y.size
        self.n = n
        self.binary = bool(np.all((y == 0.0) | (y == 1.0)))
        self.positive = y > 0.5
        self.sign = np.where(self.positive, 1.0, -1.0)  # right = negatives + Σ sign·[z > 0]
        self.negatives = float(np.count_nonzero(~self.positive))
        self.ones = np.ones(n)  # row sums as one matrix-vector product (fast for short rows too)
        self.rows_per_block = max(1, BOOKKEEPING_BLOCK // max(1, n))
        shape = (self.rows_per_block, n)
        self.u = np.empty(shape)
        self.a = np.empty(shape)
        self.flags = np.empty(shape, dtype=bool)
        self.zero = np.zeros(shape)
        self.threshold = np.full(shape, LOGIT_ABOVE_HALF * scale)  # the logits arrive scaled by s
        self.one = np.ones(shape)
        if from_logit and self.binary:
            self.coefficient = np.broadcast_to((1.0 - 2.0 * y) / scale, shape).copy()  # u = (1 − 2y)·z
        else:
            self.coefficient = np.full(shape, 1.0 / scale if from_logit else 0.5 / scale)
        self.y = np.broadcast_to(y, shape).copy()
        self.two_y = 2.0 * self.y
        self.yz = np.empty(shape) if from_logit and not self.binary else self.u

    def __call__(self, zhat: np.ndarray, loss_out: np.ndarray, accuracy_out: np.ndarray) -> np.ndarray | None:
        """Fill loss_out and accuracy_out for each row of `zhat` (rows × n).

        Returns, for MSE, which rows hold a non-finite logit (the forward pass overflowed: an
        MSE loss stays finite through it, a BCE loss does not, so BCE returns None).
        """
        rows = zhat.shape[0]
        overflowed = np.zeros(rows, dtype=bool) if self.loss.bounded else None
        step = self.rows_per_block
        for start in range(0, rows, step):
            stop = min(rows, start + step)
            k = stop - start
            block = zhat[start:stop]
            self._accuracy(block, accuracy_out[start:stop])
            u, a = self.u[:k], self.a[:k]
            coefficient = self.coefficient[:k]
            if self.loss.from_logit:
                np.multiply(block, coefficient, u)  # u = (1 − 2y)·z, or z
                np.abs(u, a)
                np.negative(a, a)
                np.exp(a, a)
                np.log1p(a, a)  # ln(1 + e^−|z|)
                if self.binary:
                    np.maximum(u, self.zero[:k], out=u)
                else:
                    yz = self.yz[:k]
                    np.multiply(u, self.y[:k], yz)
                    np.maximum(u, self.zero[:k], out=u)
                    np.subtract(u, yz, u)
                np.add(u, a, u)
                np.divide(u @ self.ones, self.m, loss_out[start:stop])
            else:
                assert overflowed is not None
                np.multiply(block, coefficient, u)  # z/2
                np.tanh(u, u)
                np.add(u, self.one[:k], u)  # 2σ(z)
                np.subtract(u, self.two_y[:k], u)  # 2(σ(z) − y)
                np.multiply(u, u, u)
                np.divide(u @ self.ones, 8.0 * self.m, loss_out[start:stop])
                np.subtract(block, block, a)  # 0, or NaN where a logit is not finite
                overflowed[start:stop] = np.isnan(a @ self.ones)
        return overflowed

    def _accuracy(self, block: np.ndarray, out: np.ndarray) -> None:
        """Fraction right: the prediction is class 1 exactly when σ(z) > ½, i.e. z ≥ z½."""
        k = block.shape[0]
        if self.n < 4096:  # one comparison into floats and one matrix-vector product
            predicted = self.a[:k]
            np.greater_equal(block, self.threshold[:k], predicted)
            np.add(predicted @ self.sign, self.negatives, out)
        else:  # long rows: comparisons on booleans, counted row by row, are cheaper
            flags = self.flags[:k]
            np.greater_equal(block, self.threshold[:k], flags)
            np.equal(flags, self.positive, flags)
            for i in range(k):
                out[i] = np.count_nonzero(flags[i])
        out /= self.n


class _SoftmaxBookkeeping:
    """Mean cross-entropy and accuracy for a stack of a softmax output's logits, in bulk.

    Each row holds one epoch's Ẑ = s·z as classes × samples (flattened). Per sample, with
    t = the largest z and y one-hot: L = (t − z_y) + ln Σ_k e^(z_k − t), the log-sum-exp form,
    exact to the last digits also when the true class is confidently right (t = z_y: the
    first term is exactly 0); right = (the first class with the largest z) = y's class.
    """

    def __init__(self, scale: float, y_rows: np.ndarray, m: int) -> None:
        self.scale = scale
        self.y = np.ascontiguousarray(y_rows, dtype=np.float64)  # classes × samples
        self.k = self.y.shape[0]
        self.m = m
        self.label = np.argmax(self.y, axis=0)
        self.rows_per_block = max(1, BOOKKEEPING_BLOCK // max(1, self.y.size))

    def __call__(self, zhat: np.ndarray, loss_out: np.ndarray, accuracy_out: np.ndarray) -> None:
        rows = zhat.shape[0]
        step = self.rows_per_block
        for start in range(0, rows, step):
            stop = min(rows, start + step)
            z = zhat[start:stop].reshape(stop - start, self.k, self.m) * (1.0 / self.scale)
            top = z.max(axis=1)
            own = np.einsum("rkm,km->rm", z, self.y)
            shifted = z - top[:, None, :]
            np.exp(shifted, shifted)
            per_sample = np.log(shifted.sum(axis=1))
            per_sample += top - own
            np.divide(per_sample.sum(axis=1), self.m, loss_out[start:stop])
            right = np.argmax(z, axis=1) == self.label
            np.divide(np.count_nonzero(right, axis=1), self.m, accuracy_out[start:stop])


class _RegressionBookkeeping:
    """Mean loss and R² for a stack of a linear output's Ẑ = s·z, in bulk.

    Each row holds one epoch's outputs × samples (flattened). Per element ŷ = Ẑ/s (exact: s is a
    power of two) and the loss object's own per-element loss (½(ŷ − y)², |ŷ − y|), summed and divided
    by m; the score column holds R² = 1 − Σ(ŷ − y)²/Σ(y − ȳ)², ȳ each output's mean over the samples
    (NaN when the targets do not vary). Blocks of rows keep the temporaries in cache.
    """

    def __init__(self, loss: Loss, scale: float, y_rows: np.ndarray, m: int) -> None:
        self.loss = loss
        self.unscale = 1.0 / scale
        targets = np.ascontiguousarray(y_rows, dtype=np.float64)  # outputs × samples
        spread = targets - targets.mean(axis=1, keepdims=True)
        self.total = float(np.vdot(spread, spread))
        self.y = targets.reshape(-1)
        self.m = m
        self.ones = np.ones(self.y.size)
        self.rows_per_block = max(1, BOOKKEEPING_BLOCK // max(1, self.y.size))

    def __call__(self, zhat: np.ndarray, loss_out: np.ndarray, score_out: np.ndarray) -> None:
        rows = zhat.shape[0]
        step = self.rows_per_block
        for start in range(0, rows, step):
            stop = min(rows, start + step)
            y_hat = zhat[start:stop] * self.unscale
            np.divide(self.loss.samples(y_hat, y_hat, self.y) @ self.ones, self.m, loss_out[start:stop])
            residual = np.subtract(y_hat, self.y, y_hat)
            np.multiply(residual, residual, residual)
            if self.total > 0.0:
                np.divide(residual @ self.ones, -self.total, score_out[start:stop])
                score_out[start:stop] += 1.0
            else:
                score_out[start:stop] = np.nan


SCALAR_ELEMENTS = 4096
"""From this many elements, arithmetic takes a constant as a Python float (less memory
traffic than a constant array); below it, as an array (a cheaper call). Measured: see
benchmarks/engine.py. Comparisons with 0 always take an array (np.maximum with a scalar
is several times slower at every size)."""

FUSED_OUTER_SAMPLES = 1024
"""Backpropagating through a single-unit layer, W·δ is an outer product: from this many
samples (and at most 32 units below) it is fused into the derivative as two broadcasting
multiplications, which beat a k = 1 matrix product on long, narrow arrays."""


def plan_scales(kinds: list[Activation]) -> list[float]:
    """The power-of-two scale s_l of every layer's input (the last is the output's Ẑ).

    Sigmoid hidden layers are cheapest fed s = ½ (tanh(Ẑ) = tanh(z/2) directly), tanh ones
    s = 1, and the output s = ½; the ReLUs pass any positive scale through. The first
    layer's input is constant, so its scale is free: it is what the first layer that cares
    is cheapest at. Each hidden layer's output scale then follows from its input scale so
    that all gradient blocks carry the same factor (see _Kernel): 1/s for sigmoid and
    tanh, s for the ReLUs.
    """
    first = next((act.kernel_preferred_scale for act in kinds if act.kernel_preferred_scale is not None), OUTPUT_SCALE)
    scales = [first]
    for act in kinds:
        s = scales[-1]
        scales.append(1.0 / s if act.kernel_inverts_scale else s)
    return scales


OUTPUT_SCALE = 0.5
"""The output layer is cheapest fed s = ½: tanh(Ẑ) = tanh(z/2) directly."""


def chunk_capacity(logits_per_epoch: int, n_params: int) -> tuple[int, bool]:
    """Epochs per full-batch chunk, and whether each epoch's gradient is kept for the chunk."""
    gradient_rows = GRADIENT_ROWS_ELEMENTS // n_params
    keeps = gradient_rows >= MIN_GRADIENT_ROWS
    capacity = min(CHUNK, max(1, CHUNK_BUFFER_ELEMENTS // logits_per_epoch))
    return (min(capacity, gradient_rows) if keeps else capacity), keeps


class _Kernel:
    """Forward and backward for one batch size, as fixed lists of in-place NumPy calls.

    Layout: P_l = s_l·[A_lᵀ; 1] is layer l's input, (units + 1) × samples, and
    Ẑ_l = B_lᵀ·P_l = s_l·Z_lᵀ its scaled pre-activation, where B_l = [W_l; b_l] is the
    network's own parameter block (a view: the kernel always sees the current weights).

    Hidden activations (â = s_{l+1}·a written into P_{l+1}):
      sigmoid  2σ(z) = 1 + tanh(z/2): fed s = ½, two passes, â = 2a;
      tanh     tanh(z): fed s = 1, one pass;
      ReLUs    max(Ẑ, 0) = s·relu(z) and max(Ẑ, 0.01·Ẑ) = s·lrelu(z), for s > 0.
    (A sigmoid as 1/(1 + e^−z) is three passes, exp, add and divide: measured no faster than
    tanh and add at any size, so the tanh form is used everywhere.)

    Backward: δ'_l = k_l·∂L/∂Z_lᵀ with k = 2 at a BCE output (δ' = tanh(z/2) + 1 − 2y = 2(ŷ − y))
    and 8 at an MSE one; ∂B_l = P_l·δ'_lᵀ = s_l·k_l·(the summed gradient of B_l); and
    δ'_{l−1} = (W_l·δ'_l) ⊙ d·g'(z), where d·g' is computed from the stored activation
    â = s·a (sigmoid: (s − â)·â = s²·a(1 − a); tanh: s² − â² = s²·(1 − a²); ReLUs: an
    indicator, d = 1), so k_{l−1} = k_l·d. The scales satisfy s_l = s_{l−1}·d, which makes
    s_l·k_l the same factor S for every block; S·m is divided out in one exact call.
    """

    def __init__(self, net: Network, x: np.ndarray, y: np.ndarray) -> None:
        m = x.shape[0]
        L = net.n_layers
        sizes = net.sizes
        self.net = net
        self.m = m
        self.n_out = sizes[-1]
        self.kinds = [net.activation(l) for l in range(L - 1)]
        self.scales = plan_scales(self.kinds)
        self._consts: dict[tuple[float, tuple[int, ...]], np.ndarray] = {}
        self.inputs = [np.empty((sizes[l] + 1, m)) for l in range(L)]
        for l in range(L):
            self.inputs[l][-1] = self.scales[l]
        self.z = [np.empty((sizes[l + 1], m)) for l in range(L)]  # z[-1] is the one-off output
        self.delta = [np.empty((sizes[l + 1], m)) for l in range(L)]
        self.tmp = [np.empty((sizes[l + 1], m)) for l in range(L)]
        self.aux = np.empty((sizes[-1], m))
        self.column_top = np.empty(m)  # a softmax output's largest z and sum of e^(z − top), per sample
        self.column_total = np.empty(m)
        self.one_minus_two_y = np.empty((sizes[-1], m))
        self.two_y = np.empty((sizes[-1], m))
        self.y = np.empty((sizes[-1], m))
        self.grad = np.empty(net.n_params)
        self.gradient_scale = self._gradient_scale()
        # With dropout: each hidden layer's mask/(1 − p), units × samples (set before every pass), and its
        # activation before the mask (what g′ is computed from); none without, so those ops are unchanged.
        self.masks = [np.ones((sizes[l + 1], m)) for l in range(L - 1)] if net.dropout else []
        self.unmasked = [np.empty((sizes[l + 1], m)) for l in range(L - 1)] if net.dropout else []
        self.load(x, y)
        self.ops, self._slots = self._template()
        self._template_length = len(self.ops)
        self._decay: tuple[np.ndarray, np.ndarray] | None = None  # c at each weight's entry (0 at a bias's), scratch
        self.penalty = np.zeros(1)  # c·Σw² at the weights of the last run, when weights decay
        self.ops += self._decay_ops(self.grad, self.penalty.reshape(()))
        self.penalties = np.zeros(0)  # per epoch of a chunk: c·Σw² before its update
        self.output_scale = self.scales[-1]
        self.bookkeeping: _Bookkeeping | _SoftmaxBookkeeping | _RegressionBookkeeping
        if net.one_of_k:
            self.bookkeeping = _SoftmaxBookkeeping(self.output_scale, self.y, m)
        elif net.regression:
            self.bookkeeping = _RegressionBookkeeping(net.loss_kind, self.output_scale, self.y, m)
        else:
            self.bookkeeping = _Bookkeeping(net.loss_kind, self.output_scale, self.y, m)
        self.capacity, self.keeps_gradients = chunk_capacity(self.n_out * m, net.n_params)
        self.logits = np.empty((0, self.n_out, m))  # capacity × outputs × samples, once epochs run
        self.gradients = np.empty((0, net.n_params))  # capacity × parameters, if kept
        self.gradient_rows: list[np.ndarray] = []
        self._gradient_blocks: list[np.ndarray] = []  # per layer: capacity × (n_in + 1) × n_out views
        self._epoch_ops: list[list[Op]] = []
        self._sgd_epoch_ops: list[Op] = []
        self._sgd_operands: tuple[np.ndarray, np.ndarray] | None = None

    def _gradient_scale(self) -> float:
        """S: the factor every gradient block carries (checked equal across blocks)."""
        k = self.net.loss_kind.kernel_gradient_factor
        L = self.net.n_layers
        factors = [self.scales[L - 1] * k]
        for l in range(L - 2, -1, -1):
            if self.kinds[l].kernel_inverts_scale:
                k *= self.scales[l + 1] ** 2  # d = s² (a scale-passing slope, the ReLUs' indicator or softplus's σ, has d = 1)
            factors.append(self.scales[l] * k)
        if any(f != factors[0] for f in factors):
            raise AssertionError(f"gradient blocks carry unequal factors {factors}")
        return factors[0]

    def _const(self, value: float, like: np.ndarray) -> np.ndarray:
        """An array of `value` shaped like `like` (shared between ops)."""
        key = (value, like.shape)
        if key not in self._consts:
            self._consts[key] = np.full(like.shape, value)
        return self._consts[key]

    def _operand(self, value: float, like: np.ndarray) -> np.ndarray | float:
        """A constant operand for arithmetic on `like`: an array when small, a float when large."""
        return value if like.size >= SCALAR_ELEMENTS else self._const(value, like)

    def load(self, x: np.ndarray, y: np.ndarray) -> None:
        s = self.scales[0]
        np.multiply(x.T, s, self.inputs[0][:-1])
        self.y[...] = y.T
        np.subtract(1.0, np.multiply(2.0, self.y), self.one_minus_two_y)
        np.multiply(2.0, self.y, self.two_y)

    def set_masks(self, masks: list[np.ndarray]) -> None:
        """The dropout masks of the next pass: per hidden layer, mask/(1 − p) as rows × units."""
        for target, mask in zip(self.masks, masks, strict=True):
            target[...] = mask.T

    def _hidden_ops(self, l: int, ops: list[Op]) -> None:
        """Activation of hidden layer l: from Ẑ_l = s·z into the next layer's input rows (times the
        dropout mask, with dropout: â·mask, exact in the scale s, a power of two)."""
        act = self.kinds[l]
        assert act.kernel_forward is not None, f"{act.name} has no training-kernel ops"
        target = self.unmasked[l] if self.masks else self.inputs[l + 1][:-1]
        ops += act.kernel_forward(self.z[l], target, self.tmp[l], self.scales[l], self._operand)
        if self.masks:
            ops.append(partial(np.multiply, target, self.masks[l], self.inputs[l + 1][:-1]))

    def _derivative_ops(self, l: int, ops: list[Op]) -> np.ndarray:
        """tmp ← d·g'(z) for hidden layer l, from its stored activation â = s·a (before any dropout
        mask); returns tmp."""
        act, tmp = self.kinds[l], self.tmp[l]
        assert act.kernel_slope is not None, f"{act.name} has no training-kernel ops"
        stored = self.unmasked[l] if self.masks else self.inputs[l + 1][:-1]
        ops += act.kernel_slope(stored, tmp, self.scales[l + 1], self._operand)
        return tmp

    def _output_ops(self, ops: list[Op]) -> Callable[[np.ndarray], Op]:
        """δ' at the output from Ẑ = s·z: 2(ŷ − y) for BCE, 8(ŷ − y)ŷ(1 − ŷ) for MSE.

        Appends the ops after the first to `ops`, and returns the first, which reads Ẑ, as a
        function of where Ẑ is.
        """
        if self.net.one_of_k:
            return self._softmax_output_ops(ops)
        if self.net.regression:
            return self._linear_output_ops(ops)
        s, shape = self.scales[-1], self.delta[-1]
        delta, tmp, k = self.delta[-1], self.tmp[-1], self._operand
        rescale = k(0.5 / s, shape)

        def first(zhat: np.ndarray) -> Op:
            if s != 0.5:
                return partial(np.multiply, zhat, rescale, delta)
            return partial(np.tanh, zhat, delta)

        if s != 0.5:
            ops.append(partial(np.tanh, delta, delta))
        # Now delta = t = tanh(z/2), and 2ŷ = 1 + t.
        if self.net.loss_kind.cancels_output_slope:
            ops.append(partial(np.add, delta, self.one_minus_two_y, delta))  # 2(ŷ − y) = t + 1 − 2y
            return first
        ops += [
            partial(np.add, delta, k(1.0, shape), tmp),  # 2ŷ
            partial(np.subtract, tmp, self.two_y, delta),  # 2(ŷ − y)
            partial(np.subtract, k(2.0, shape), tmp, self.aux),  # 2(1 − ŷ)
            partial(np.multiply, self.aux, tmp, self.aux),  # 4ŷ(1 − ŷ)
            partial(np.multiply, delta, self.aux, delta),
        ]
        return first

    def _linear_output_ops(self, ops: list[Op]) -> Callable[[np.ndarray], Op]:
        """δ' = ŷ − y at a linear output (factor 1), from Ẑ = s·z: one subtraction when s = 1 (a tanh or
        ReLU hidden layer below), else z = Ẑ/s first (exact: s is a power of two); then the loss's own
        finishing ops (MAE: the sign)."""
        s, delta = self.scales[-1], self.delta[-1]
        finish = self.net.loss_kind.kernel_finish
        if s == 1.0:
            first: Callable[[np.ndarray], Op] = lambda zhat: partial(np.subtract, zhat, self.y, delta)  # noqa: E731
        else:
            unscale = self._operand(1.0 / s, delta)
            ops.append(partial(np.subtract, delta, self.y, delta))
            first = lambda zhat: partial(np.multiply, zhat, unscale, delta)  # noqa: E731
        if finish is not None:
            ops += finish(delta)
        return first

    def _softmax_output_ops(self, ops: list[Op]) -> Callable[[np.ndarray], Op]:
        """δ' = p − y at a softmax output with cross-entropy (factor 1), from Ẑ = s·z, column by
        column (a sample is a column here): z = Ẑ/s (exact), minus the column's largest z, e^,
        divided by the column's sum; the same arithmetic as `softmax` on the rows of Zᵀ."""
        s, delta = self.scales[-1], self.delta[-1]
        unscale = self._operand(1.0 / s, delta)
        top, total = self.column_top, self.column_total
        ops += [
            partial(np.maximum.reduce, delta, 0, None, top),
            partial(np.subtract, delta, top, delta),
            partial(np.exp, delta, delta),
            partial(np.add.reduce, delta, 0, None, total),
            partial(np.divide, delta, total, delta),
            partial(np.subtract, delta, self.y, delta),
        ]
        return lambda zhat: partial(np.multiply, zhat, unscale, delta)

    def _template(self) -> tuple[list[Op], list[tuple[int, Slot]]]:
        """One epoch's forward and backward, writing the output's Ẑ to z[-1] and S·Σg to grad;
        and the few ops that depend on where those go, as (position, op for (output, grad))."""
        net = self.net
        L = net.n_layers
        ops: list[Op] = []
        slots: list[tuple[int, Slot]] = []
        own_blocks = [net.block(l, self.grad) for l in range(L)]

        def slot(make: Slot) -> None:
            slots.append((len(ops), make))
            ops.append(make(self.z[-1], own_blocks))

        for l in range(L - 1):
            ops.append(partial(net.block(l).T.dot, self.inputs[l], self.z[l]))
            self._hidden_ops(l, ops)
        output_dot = partial(net.block(L - 1).T.dot, self.inputs[L - 1])
        slot(lambda output, blocks: partial(output_dot, output))
        self.forward_length = len(ops)
        rest: list[Op] = []
        first = self._output_ops(rest)
        slot(lambda output, blocks: first(output))
        ops += rest

        def gradient_into(layer: int) -> Slot:
            dot = partial(self.inputs[layer].dot, self.delta[layer].T)  # [∂W; ∂b] = P·δ'ᵀ
            return lambda output, blocks: partial(dot, blocks[layer])

        for l in range(L - 1, -1, -1):
            slot(gradient_into(l))
            if l == 0:
                continue
            below, w = self.delta[l - 1], net.weights(l)
            if net.sizes[l + 1] == 1 and self.m >= FUSED_OUTER_SAMPLES and net.sizes[l] <= 32:
                tmp = self._derivative_ops(l - 1, ops)  # δ'_{l−1} = (d·g') ⊙ w ⊙ δ'_l, broadcast
                ops += [partial(np.multiply, tmp, w, tmp), partial(np.multiply, tmp, self.delta[l], below)]
            else:
                ops.append(partial(w.dot, self.delta[l], below))
                tmp = self._derivative_ops(l - 1, ops)
                ops.append(partial(np.multiply, below, tmp, below))
            if self.masks:  # a dropped unit passes nothing back, a kept one its δ ×1/(1 − p)
                ops.append(partial(np.multiply, below, self.masks[l - 1], below))
        return ops, slots

    def _decay_ops(self, grad: np.ndarray, penalty: np.ndarray) -> list[Op]:
        """With weight decay λ: c·W added to the weight entries of the flat gradient `grad` (which
        holds S·Σg), with c = S·m·λ, so the mean gradient becomes ḡ + λ·W (a bias's entry gains
        c·0); then c·Σw² into the 0-d `penalty`. Three calls for the whole network. None without
        weight decay, so a network without it runs exactly the ops it always did."""
        lam = self.net.l2
        if not lam:
            return []
        if self._decay is None:
            factors = np.zeros(self.net.n_params)
            for l in range(self.net.n_layers):
                self.net.weights(l, factors)[:] = self.gradient_scale * self.m * lam
            self._decay = (factors, np.empty(self.net.n_params))
        factors, decayed = self._decay
        params = self.net.params
        return [
            partial(np.multiply, params, factors, decayed),
            partial(np.add, grad, decayed, grad),
            partial(np.dot, decayed, params, out=penalty),
        ]

    def weight_squares(self, penalty: np.ndarray) -> np.ndarray:
        """Σw² from what the decay ops wrote (c·Σw²)."""
        return np.asarray(penalty / (self.gradient_scale * self.m * self.net.l2))

    def _build(self, output: np.ndarray, blocks: list[np.ndarray], grad: np.ndarray, penalty: np.ndarray) -> list[Op]:
        """The epoch's ops writing the output's Ẑ to `output`, S·Σg to the layers' `blocks` (views of
        the flat `grad`) and, with weight decay, c·Σw² to the 0-d `penalty`."""
        ops = list(self.ops[: self._template_length])
        for position, make in self._slots:
            ops[position] = make(output, blocks)
        return ops + self._decay_ops(grad, penalty)

    def epoch_ops(self, count: int) -> list[list[Op]]:
        """Op lists for the first `count` epochs of a chunk: epoch i writes its logits and
        gradient to row i. Built on first use, and kept."""
        if not self._epoch_ops:
            n, net = self.capacity, self.net
            self.logits = np.empty((n, self.n_out, self.m))
            self.penalties = np.zeros(n)
            if self.keeps_gradients:
                self.gradients = np.empty((n, net.n_params))
                self.gradient_rows = list(self.gradients)
                self._gradient_blocks = [
                    self.gradients[:, offset : offset + rows * cols].reshape(n, rows, cols)
                    for offset, (rows, cols) in zip(net.offsets, net.shapes, strict=True)
                ]
            else:
                self._gradient_blocks = [net.block(l, self.grad)[None] for l in range(net.n_layers)]
        while len(self._epoch_ops) < count:
            i = len(self._epoch_ops)
            row = i if self.keeps_gradients else 0
            blocks = [layer_blocks[row] for layer_blocks in self._gradient_blocks]
            grad = self.gradient_rows[i] if self.keeps_gradients else self.grad
            self._epoch_ops.append(self._build(self.logits[i], blocks, grad, self.penalties[i : i + 1].reshape(())))
        return self._epoch_ops

    def forward_ops(self, output: np.ndarray) -> list[Op]:
        """The forward pass alone, writing the output's Ẑ to `output` (the same calls as an epoch's)."""
        blocks = [self.net.block(l, self.grad) for l in range(self.net.n_layers)]
        return self._build(output, blocks, self.grad, np.zeros(()))[: self.forward_length]  # no decay ops reach the cut

    @property
    def lists_built(self) -> int:
        return len(self._epoch_ops)

    def sgd_epoch_ops(self, count: int, step: np.ndarray, scratch: np.ndarray) -> list[Op]:
        """epoch_ops, each followed by the SGD update θ ← θ − step ⊙ (that epoch's gradient row),
        flattened into one list (needs kept gradients)."""
        if self._sgd_operands is None:
            self._sgd_operands = (step, scratch)
        if self._sgd_operands[0] is not step or self._sgd_operands[1] is not scratch:
            raise ValueError("one kernel serves one trainer's step and scratch buffers")
        params, flat = self.net.params, self._sgd_epoch_ops
        per_epoch = len(self.ops) + 2
        for i, ops in enumerate(self.epoch_ops(count)[len(flat) // per_epoch :], start=len(flat) // per_epoch):
            flat += ops
            flat += [partial(np.multiply, self.gradient_rows[i], step, scratch), partial(np.subtract, params, scratch, params)]
        return flat

    def run(self) -> None:
        """Forward and backward once: Ẑ of the output in z[-1], S·Σg in grad."""
        deque(map(call, self.ops), maxlen=0)

    def mean_gradient(self, out: np.ndarray) -> None:
        """out ← ḡ = grad/(S·m), exactly Σg/m (S is a power of two)."""
        np.divide(self.grad, self.gradient_scale * self.m, out)

    def evaluate(self) -> tuple[float, float, float]:
        """Forward and backward on the loaded batch: (mean loss, accuracy, ‖ḡ‖)."""
        loss, accuracy, norm, _ = self.measure()
        return loss, accuracy, norm

    def measure(self) -> tuple[float, float, float, bool]:
        """(mean loss, accuracy, ‖ḡ‖, whether an MSE output overflowed) on the loaded batch."""
        self.run()
        loss, accuracy = np.empty(1), np.empty(1)
        flags = self.bookkeeping(self.z[-1].reshape(1, -1), loss, accuracy)
        if self.net.l2:
            loss += 0.5 * self.net.l2 * self.weight_squares(self.penalty)
        norm = math.sqrt(float(np.vdot(self.grad, self.grad))) / abs(self.gradient_scale * self.m)
        return float(loss[0]), float(accuracy[0]), norm, bool(flags is not None and flags[0])

    def inspect(self) -> tuple[int | None, bool] | None:
        """After `run`: where the first non-finite number appeared, and whether it is a NaN.

        Returns (l, nan) for layer l's pre-activations, (None, nan) for the gradient, or None.
        """
        for l, zhat in enumerate(self.z):
            if not np.isfinite(zhat).all():
                return l, bool(np.isnan(zhat).any())
        if not np.isfinite(self.grad).all():
            return None, bool(np.isnan(self.grad).any())
        return None


class _Validation:
    """The held-out rows' loss and accuracy at each epoch's parameters, before its update.

    Only the forward pass runs, each epoch writing its logits to a row of its own (the calls of
    the training kernel's own forward pass, on the validation rows), and the loss and accuracy
    are bookkept in bulk, as the training rows' are: a validation set costs a forward pass over
    its rows per epoch, and nothing it computes reaches the parameters.
    """

    def __init__(
        self, net: Network, data: Dataset, loss_column: int = VAL_LOSS, accuracy_column: int | None = VAL_ACCURACY
    ) -> None:
        """`net` is evaluated as it is (pass `Network.evaluated()` for no dropout); each row's loss goes to
        `loss_column` and its accuracy to `accuracy_column` (None: not kept)."""
        self.kernel = _Kernel(net, data.x, data.y)
        per_epoch = net.sizes[-1] * data.size
        self.capacity = min(CHUNK, max(1, CHUNK_BUFFER_ELEMENTS // per_epoch))
        self.logits = np.empty((self.capacity, net.sizes[-1], data.size))
        self._ops: list[list[Op]] = []
        self.loss_column, self.accuracy_column = loss_column, accuracy_column
        self._accuracies = np.empty(self.capacity)

    def measure(self) -> tuple[float, float]:
        """(loss, accuracy) on the validation rows at the current parameters. The loss is the data
        loss alone, as every epoch's row records it: the L2 term says nothing about how well unseen
        points are predicted, and adding it would make a decayed run's validation loss look worse."""
        kernel = self.kernel
        kernel.run()
        loss, accuracy = np.empty(1), np.empty(1)
        kernel.bookkeeping(kernel.z[-1].reshape(1, -1), loss, accuracy)
        return float(loss[0]), float(accuracy[0])

    def before_update(self, i: int, rows: np.ndarray) -> None:
        """Epoch i of a chunk (whose rows are `rows`) is about to update: record its validation
        columns (in bulk, as each block of `capacity` epochs fills; `finish` does the rest)."""
        r = i % self.capacity
        while len(self._ops) <= r:
            self._ops.append(self.kernel.forward_ops(self.logits[len(self._ops)]))
        deque(map(call, self._ops[r]), maxlen=0)
        if r == self.capacity - 1:
            self._bookkeep(rows[i - r : i + 1])

    def finish(self, rows: np.ndarray) -> None:
        """After a chunk of len(rows) epochs: bookkeep the block still open."""
        open_rows = len(rows) % self.capacity
        if open_rows:
            self._bookkeep(rows[len(rows) - open_rows :])

    def _bookkeep(self, rows: np.ndarray) -> None:
        k = len(rows)
        accuracies = rows[:, self.accuracy_column] if self.accuracy_column is not None else self._accuracies[:k]
        self.kernel.bookkeeping(self.logits[:k].reshape(k, -1), rows[:, self.loss_column], accuracies)


class _ChunkMasks:
    """A full-batch chunk's dropout masks, drawn a block of epochs at a time (the same numbers as
    `network_masks` per epoch, one update per epoch; a block's arrays stay within MASK_BLOCK_ELEMENTS)."""

    def __init__(self, seed: int, first_epoch: int, net: Network, m: int) -> None:
        self.seed, self.first, self.net, self.rows = seed, first_epoch, net, np.arange(m)
        self.block = max(1, MASK_BLOCK_ELEMENTS // (m * max(net.sizes[1:-1], default=1)))
        self._start = -1
        self._masks: list[np.ndarray] = []

    def of(self, i: int) -> list[np.ndarray]:
        """Epoch i of the chunk's masks, per hidden layer (rows × units)."""
        start = i - i % self.block
        if start != self._start:
            updates = [update_index(self.first + k, 0, 1) for k in range(start, start + self.block)]
            self._masks = updates_masks(self.seed, updates, self.net.sizes, self.rows, self.net.dropout)
            self._start = start
        return [layer[i - start] for layer in self._masks]


MASK_BLOCK_ELEMENTS = 1 << 16
"""Mask entries drawn at once for a full-batch chunk (512 kB of float64 per hidden layer at most)."""


@dataclass(frozen=True)
class RunResult:
    """What a call to Trainer.run did."""

    epochs: int
    stopped: StopReason | None = None  # why it stopped early: a divergence, the target, or (live runs) a diagnosis


def _largest(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(np.max(np.abs(finite))) if finite.size else math.nan


def _robust_norm(vector: np.ndarray) -> float:
    """‖v‖ without overflowing for components past 1e154 (whose squares overflow)."""
    biggest = float(np.max(np.abs(vector))) if vector.size else 0.0
    if biggest == 0.0 or not math.isfinite(biggest):
        return biggest
    scaled = vector / biggest
    return biggest * math.sqrt(float(np.vdot(scaled, scaled)))


RateAnchor = tuple[float, int, float] | None
"""(η, epoch, loss) where the current learning rate took over: what Trainer's divergence limit is
measured from, so a checkpoint carries it."""


@dataclass(frozen=True)
class Checkpoint:
    """A whole state of a trainer to carry on from: epoch, parameters, optimizer state, where η took over,
    and (when asked for) the history rows from `epoch` on, which a slice that raised may have half written."""

    epoch: int
    params: np.ndarray
    state: OptimizerState
    rate_anchor: RateAnchor
    rows: np.ndarray | None = None


class Trainer:
    """Runs epochs of gradient descent on a data set, recording history; stops on divergence.

    Batches per epoch: the whole data set (default), mini-batches of `batch` rows in a
    seeded order that depends only on (seed, epoch), or one pinned sample (`focus`).
    A `validation` set is never trained on: each history row also holds its loss and accuracy
    at that epoch's parameters (NaN without one).
    """

    def __init__(
        self,
        net: Network,
        data: Dataset,
        optimizer: str = "sgd",
        lr: float = 1.0,
        batch: int | None = None,
        seed: int = 0,
        history: History | None = None,
        validation: Dataset | None = None,
    ) -> None:
        self.net = net
        self.data = data
        self.validation = validation
        self._validation = _Validation(net.evaluated(), validation) if validation is not None else None
        # With dropout, each row's loss is the training pass's (units dropped); this measures the same
        # parameters as evaluation sees them, with every unit, into the row's evaluation-loss column, and its
        # accuracy into the accuracy column: a prediction never drops a unit.
        self._evaluation = _Validation(net.evaluated(), data, EVAL_LOSS, ACCURACY) if net.dropout else None
        self.optimizer = optimizer
        self.lr = lr
        self.batch = batch
        self.seed = seed
        self.focus: int | None = None
        self.epoch = 0
        self.history = history if history is not None else History(validation=validation is not None, dropout=bool(net.dropout))
        self.opt_state: OptimizerState = optimizers.new_state(optimizer, net.n_params)
        self._kernels: dict[int, _Kernel] = {}
        self._scratch = np.empty(net.n_params)
        self._mean_gradient = np.empty(net.n_params)
        self._step = np.empty(net.n_params)
        self._rate_start: RateAnchor = None

    def batches(self, epoch: int) -> list[np.ndarray]:
        """Row indices of each batch of `epoch`, in order."""
        m = self.data.size
        if self.focus is not None:
            return [np.array([self.focus])]
        if self.batch is None or self.batch >= m:
            return [np.arange(m)]
        order = np.random.RandomState([self.seed, epoch]).permutation(m)
        return [order[i : i + self.batch] for i in range(0, m, self.batch)]

    def _draw_masks(self, kernel: _Kernel, update: int, rows: np.ndarray) -> None:
        """With dropout, the masks of update `update` for the data rows `rows` into `kernel` (nothing without)."""
        if self.net.dropout:
            kernel.set_masks(network_masks(self.seed, update, self.net.sizes, rows, self.net.dropout))

    def first_update(self) -> int:
        """The count of updates before the current epoch's first: the update whose masks every row draws from."""
        return update_index(self.epoch, 0, len(self.batches(self.epoch)))

    def first_masks(self) -> list[np.ndarray] | None:
        """Dropout's masks/(1 − p) for every row at the current epoch's first update (rows × units per hidden
        layer), as the kernel draws them; None without dropout."""
        if not self.net.dropout:
            return None
        return network_masks(self.seed, self.first_update(), self.net.sizes, np.arange(self.data.size), self.net.dropout)

    def epoch_masks(self, kernel: _Kernel) -> None:
        """The full kernel's masks for the current epoch: those of its first update (all of it in full batch),
        which every row of the data set draws from, so the row's training loss is that update's."""
        if self.net.dropout:
            self._draw_masks(kernel, self.first_update(), np.arange(self.data.size))

    def _kernel(self, size: int) -> _Kernel:
        kernel = self._kernels.get(size)
        if kernel is None:
            kernel = _Kernel(self.net, self.data.x[:size], self.data.y[:size])
            self._kernels[size] = kernel
        return kernel

    def _full_kernel(self) -> _Kernel:
        """The kernel for the whole data set. It is built loaded with it, and no other batch
        has its size (mini-batches are smaller; a pinned sample is the data set only when the
        data set is that one sample), so it never needs reloading."""
        return self._kernel(self.data.size)

    def evaluate(self) -> tuple[float, float, float]:
        """Full-data-set (loss, accuracy, gradient norm) at the current parameters (with dropout: under the
        masks of the epoch's first update, as the epoch's row records them)."""
        kernel = self._full_kernel()
        self.epoch_masks(kernel)
        with np.errstate(all="ignore"):
            loss, accuracy, norm = kernel.evaluate()
            if self._evaluation is not None:  # a prediction drops no unit: the accuracy is evaluation's
                accuracy = self._evaluation.measure()[1]
        return loss, accuracy, norm

    def evaluation_loss(self) -> float:
        """The full data set's loss with no unit dropped (NaN without dropout: the loss column is that already)."""
        if self._evaluation is None:
            return math.nan
        with np.errstate(all="ignore"):
            return self._evaluation.measure()[0] + self.net.l2_penalty()

    def validate(self) -> tuple[float, float]:
        """The validation set's (loss, accuracy) at the current parameters; NaNs without one."""
        if self._validation is None:
            return NO_VALIDATION
        with np.errstate(all="ignore"):
            return self._validation.measure()

    def best_validation(self) -> BestValidation | None:
        """The lowest validation loss so far, the current parameters included (the state a run
        ends in is the next epoch's, not yet a row); None without a validation set."""
        if self._validation is None:
            return None
        best = self.history.best_validation()
        loss, _ = self.validate()
        if best is None or (math.isfinite(loss) and loss < best.loss):
            return BestValidation(self.epoch, loss, self.evaluate()[0])
        return best

    def record_epoch(self) -> None:
        """The history row of the current epoch, at the current parameters (the walk's rows)."""
        self.history.truncate(self.epoch)
        self.history.append(self.epoch, *self.evaluate(), validation=self.validate(), evaluation=self.evaluation_loss())

    def restore(self, epoch: int, params: np.ndarray, state: OptimizerState) -> None:
        """Continue from this checkpoint: the epoch, the network's parameters, the optimizer's state."""
        self.epoch = epoch
        self.net.params[:] = params
        self.opt_state = state.copy()

    def checkpoint(self, with_rows: bool = False) -> Checkpoint:
        """Where training is now, copied (`with_rows`: also the history row of this epoch, if any)."""
        rows = None
        if with_rows:
            last = self.history.tail(1)
            rows = last[last[:, 0] >= self.epoch].copy()
        return Checkpoint(self.epoch, self.net.params.copy(), self.opt_state.copy(), self._rate_start, rows)

    def rewind(self, checkpoint: Checkpoint) -> None:
        """Back (or forward, to a frame from a training process) to a checkpoint, bit for bit."""
        self.restore(checkpoint.epoch, checkpoint.params, checkpoint.state)
        self._rate_start = checkpoint.rate_anchor
        if checkpoint.rows is not None:
            self.history.truncate(checkpoint.epoch)
            self.history.extend(checkpoint.rows)

    @property
    def rate_anchor(self) -> RateAnchor:
        """(η, epoch, loss) where the current learning rate took over, as a checkpoint carries it."""
        return self._rate_start

    def rate_start(self) -> tuple[int, float] | None:
        """(epoch, loss) where the current learning rate took over (None before a run at it)."""
        started = self._rate_start
        return (started[1], started[2]) if started is not None and started[0] == self.lr else None

    @property
    def _full_batch(self) -> bool:
        return self.focus is None and (self.batch is None or self.batch >= self.data.size)

    def run(self, epochs: int, target_loss: float | None = None, should_stop: Callable[[], bool] | None = None) -> RunResult:
        """Train up to `epochs` epochs, a chunk at a time; stop at the target or at divergence.

        The row recorded for epoch e holds the full-data-set loss, accuracy and gradient norm
        before e's update. They are computed in bulk after each chunk; when the chunk turns out
        to reach `target_loss` (RunResult.stopped is a TargetReached) or to go wrong, training rewinds
        to the chunk's start and replays exactly up to that epoch (it is deterministic), so it
        stops precisely there, before that epoch's update. Going wrong is any of, at the first
        epoch it happens:

        - the loss or the gradient is NaN, or a layer's arithmetic overflowed float64 (the
          diagnosis finds which layer, or backpropagation, by rerunning that epoch);
        - an update overflowed the weights to ±inf or NaN: the run then stops at the epoch of
          that update, with the last finite weights;
        - the loss is finite but has exploded past `explosion_limit`.

        The state the last update leaves is evaluated too, as the next epoch's first row would
        be: a run whose very last update overflows stops there, like one that would go on.

        The Diverged value names the pattern, the epoch and the numbers, and suggests a learning
        rate (`suggested_rate`).
        """
        self.history.truncate(self.epoch)
        done = 0
        while done < epochs:
            if done and should_stop is not None and should_stop():
                break
            count = min(self._chunk_length(epochs), epochs - done)
            params, state, epoch = self.net.params.copy(), self.opt_state.copy(), self.epoch
            rows, overflowed = self._chunk(count)
            if not done:
                limit = self._explosion_limit(rows)
            stop = self._first_stop(rows, overflowed, target_loss, limit)
            weights_finite = bool(np.isfinite(self.net.params).all())
            if stop is None and weights_finite:
                self.history.extend(rows)
                done += count
                continue
            if not weights_finite:
                # Saturated units can carry infinite weights without a single non-finite row
                # (tanh(∞) = 1, and its derivative 0 stops the gradient), so find the update.
                overflow = self._first_overflowing_update(params, state, epoch, count if stop is None else stop[0])
                if overflow is not None:
                    j, went_nan = overflow
                    growth = self._rewind(params, state, epoch, j, one_by_one=True)
                    self.history.extend(rows[: j + 1])
                    return RunResult(done + j + 1, self._weights_overflowed(int(rows[j, 0]), went_nan, growth))
                if stop is None:  # the weights were not finite to begin with
                    stop = (0, True)
            assert stop is not None
            k, bad_row = stop
            growth = self._rewind(params, state, epoch, k, one_by_one=bad_row)
            reason = (
                self._diagnose(rows, k, limit, growth) if bad_row else TargetReached(int(rows[k, 0]), float(target_loss or 0.0))
            )
            self.history.extend(rows[: k + 1])
            return RunResult(done + k + 1, reason)
        if done:
            final = self._final_state_stop(params, state, epoch, count, limit)
            if final is not None:
                return RunResult(done, final)
        return RunResult(done, None)

    def _final_state_stop(
        self, params: np.ndarray, state: OptimizerState, epoch: int, count: int, limit: float
    ) -> Diverged | None:
        """The run's last update, judged by the state it leaves (the row the next epoch would
        record first): a Diverged, with that row recorded, if it went wrong; else None.
        `params`, `state`, `epoch` and `count` are the last chunk's start and length."""
        kernel = self._full_kernel()
        self.epoch_masks(kernel)
        with np.errstate(all="ignore"):
            loss, accuracy, norm, overflowed = kernel.measure()
            if self._evaluation is not None:
                accuracy = self._evaluation.measure()[1]
        rows = np.array([[self.epoch, loss, accuracy, norm, *self.validate(), self.evaluation_loss()][: self.history.width]])
        flags = np.array([overflowed]) if self.net.loss_kind.bounded else None
        if self._first_stop(rows, flags, None, limit) is None:
            return None
        growth = self._rewind(params, state, epoch, count, one_by_one=True)  # deterministic: back to this state
        reason = self._diagnose(rows, 0, limit, growth)
        self.history.extend(rows)
        return reason

    def _first_overflowing_update(
        self, params: np.ndarray, state: OptimizerState, epoch: int, updates: int
    ) -> tuple[int, bool] | None:
        """Replay from a chunk's start: the first of the next `updates` updates after which a
        weight is not finite (its index in the chunk, and whether it is a NaN), or None (also
        when the weights were not finite at the chunk's start)."""
        if not np.isfinite(params).all():
            return None
        self._rewind(params, state, epoch, 0)
        for j in range(updates):
            self._chunk(1)
            if not np.isfinite(self.net.params).all():
                return j, bool(np.isnan(self.net.params).any())
        return None

    def _weights_overflowed(self, epoch: int, went_nan: bool, growth: float) -> Diverged:
        largest = _largest(self.net.params)
        # That update grew the largest weight past the largest float64.
        overflowing = sys.float_info.max / largest if largest > 0 else math.inf
        return self._diverged(epoch, "weights_overflowed", max(growth, overflowing), largest=largest, nan=went_nan)

    def _chunk_length(self, epochs: int) -> int:
        """Epochs in the next chunk of a run of `epochs`.

        A full-batch chunk needs an op list per epoch, built once per trainer at about the
        cost of an epoch, while each chunk costs about 30 epochs' worth on XOR; √(32·epochs)
        lists balance the two (so a short run does not pay for a thousand lists), and lists
        already built are always used.
        """
        if not self._full_batch:
            return CHUNK
        kernel = self._kernel(self.data.size)
        wanted = max(MIN_CHUNK, math.isqrt(32 * epochs), kernel.lists_built)
        return min(kernel.capacity, wanted)

    def _rewind(self, params: np.ndarray, state: OptimizerState, epoch: int, count: int, one_by_one: bool = False) -> float:
        """Back to a chunk's start, then replay `count` epochs.

        Returns the most that one of those updates multiplied the largest |weight| by, when
        replaying `one_by_one` (else 1).
        """
        self.net.params[:] = params
        self.opt_state = state.copy()
        self.epoch = epoch
        if not one_by_one:
            if count:
                self._chunk(count)
            return 1.0
        growth, before = 1.0, _largest(self.net.params)
        for _ in range(count):
            self._chunk(1)
            after = _largest(self.net.params)
            if before > 0 and after > before:
                growth = max(growth, after / before)
            before = after
        return growth

    def _explosion_limit(self, rows: np.ndarray) -> float:
        """explosion_limit measured from the larger of the loss at the history's first epoch and
        the loss where the current learning rate took over (so a lower rate may carry on from
        a state a higher one blew up, judged from there, while one rate is judged from the
        start however its epochs are split into calls)."""
        epoch, loss = int(rows[0, 0]), float(rows[0, 1])
        started = self._rate_start
        if started is None or started[0] != self.lr or started[1] >= epoch:
            self._rate_start = started = (self.lr, epoch, loss)
        first = self.history.first()
        candidates = [started[2], float(first[1]) if first is not None else loss]
        start = max((c for c in candidates if math.isfinite(c)), default=math.nan)
        return explosion_limit(self.net.loss_kind, self.net.sizes[-1], start, self.data.y)

    def _first_stop(
        self, rows: np.ndarray, overflowed: np.ndarray | None, target_loss: float | None, limit: float
    ) -> tuple[int, bool] | None:
        """The first epoch (index in `rows`) at which training must stop, and whether its row
        went wrong (if not, it reached the target)."""
        loss, norm = rows[:, 1], rows[:, 3]
        if (
            math.isfinite(float(norm.sum()) + float(loss.sum()))
            and float(loss.max()) <= limit
            and (target_loss is None or float(loss.min()) >= target_loss)
            and (overflowed is None or not overflowed.any())
        ):
            return None  # the common case, in a few reductions
        bad = ~np.isfinite(loss) | ~np.isfinite(norm) | (loss > limit)
        if overflowed is not None:
            bad |= overflowed
        stops = bad | (loss < target_loss) if target_loss is not None else bad
        hits = np.flatnonzero(stops)
        if len(hits) == 0:
            return None
        k = int(hits[0])
        return k, bool(bad[k])

    def _diagnose(self, rows: np.ndarray, k: int, limit: float, growth: float) -> Diverged:
        """What went wrong at rows[k] (the state is now that epoch's, before its update); fixes up rows[k]."""
        epoch = int(rows[k, 0])
        params = self.net.params
        largest = _largest(params)
        if not np.isfinite(params).all():  # (an overflow during training stops at its update)
            return Diverged(epoch, "weights_not_finite", self.lr, largest=largest)
        kernel = self._full_kernel()
        self.epoch_masks(kernel)
        with np.errstate(all="ignore"):
            kernel.run()
            where = kernel.inspect()
            loss, norm = float(rows[k, 1]), float(rows[k, 3])
            if where is None and not math.isfinite(loss):  # finite per-sample losses whose sum overflowed
                loss = self._robust_loss(kernel)
                rows[k, 1] = loss
            if where is None and not math.isfinite(norm):  # a finite gradient whose squared norm overflowed
                norm = _robust_norm(kernel.grad) / abs(kernel.gradient_scale * kernel.m)
                rows[k, 3] = norm
        if where is not None:
            layer, nan = where
            if layer is None:
                return self._diverged(epoch, "gradient_not_finite", growth, largest=largest, nan=nan)
            output = layer == self.net.n_layers - 1
            return self._diverged(
                epoch, "preactivations", growth, largest=largest, nan=nan, layer=layer, output_layer=output, loss=loss
            )
        if loss > limit:
            start = limit / EXPLOSION_FACTOR
            from_start = start > self.net.loss_kind.reference(self.net.sizes[-1], self.data.y)
            return self._diverged(
                epoch,
                "loss_exploded",
                growth,
                largest=largest,
                loss=loss,
                start=start,
                from_start=from_start,
                factor=EXPLOSION_FACTOR,
                classes=self.net.sizes[-1] if self.net.one_of_k else None,
                regression=self.net.regression,
            )
        return self._diverged(epoch, "gradient_exploded", growth, largest=largest, norm=norm)

    def _diverged(self, epoch: int, cause: DivergenceCause, growth: float, **numbers: Any) -> Diverged:
        """A divergence at the current learning rate, with the rate to try instead."""
        return Diverged(epoch, cause, self.lr, suggested_rate(self.lr, growth), **numbers)

    def _robust_loss(self, kernel: _Kernel) -> float:
        """The mean loss with each sample's loss divided by m before summing (no overflow of the sum)."""
        # the kernel keeps outputs × samples; a loss reads samples × outputs (a softmax's rows)
        z = kernel.z[-1].T / kernel.output_scale
        y = kernel.y.T
        per_sample = self.net.loss_kind.robust_samples(z, y)
        penalty = 0.5 * self.net.l2 * float(kernel.weight_squares(kernel.penalty)[0]) if self.net.l2 else 0.0
        return float(np.sum(per_sample / kernel.m)) + penalty

    def _chunk(self, count: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Run `count` epochs; return their rows (epoch, loss, accuracy, grad norm) and, for
        MSE, which epochs' output overflowed.

        Overflow is expected when a learning rate diverges; it is detected from the
        non-finite values it leaves, so NumPy's warnings are silenced here.
        """
        with np.errstate(all="ignore"):
            return self._chunk_rows(count)

    def _chunk_rows(self, count: int) -> tuple[np.ndarray, np.ndarray | None]:
        rows = np.empty((count, self.history.width))
        rows[:, 0] = np.arange(self.epoch, self.epoch + count)
        rows[:, 4:] = np.nan
        validation, evaluation = self._validation, self._evaluation
        if self._full_batch:
            return rows, self._full_batch_epochs(rows)
        overflowed = np.zeros(count, dtype=bool)
        penalties = np.zeros(count)  # with dropout and weight decay: the evaluation loss's L2 term
        for i, row in enumerate(rows):
            full = self._full_kernel()
            self.epoch_masks(full)
            row[1], row[2], row[3], overflowed[i] = full.measure()
            if validation is not None:
                validation.before_update(i, rows)
            if evaluation is not None:
                evaluation.before_update(i, rows)
                penalties[i] = self.net.l2_penalty()
            batches = self.batches(self.epoch)
            for b, rows_of_batch in enumerate(batches):
                kernel = self._kernel(len(rows_of_batch))
                kernel.load(self.data.x[rows_of_batch], self.data.y[rows_of_batch])
                self._draw_masks(kernel, update_index(self.epoch, b, len(batches)), rows_of_batch)
                kernel.run()
                kernel.mean_gradient(self._mean_gradient)
                optimizers.apply(self.optimizer, self.lr, self.net.params, self._mean_gradient, self.opt_state, self._scratch)
            self.epoch += 1
        if validation is not None:
            validation.finish(rows)
        if evaluation is not None:
            evaluation.finish(rows)
            rows[:, EVAL_LOSS] += penalties
        return rows, overflowed if self.net.loss_kind.bounded else None

    def _full_batch_epochs(self, rows: np.ndarray) -> np.ndarray | None:
        kernel = self._full_kernel()
        count = len(rows)
        epoch_ops = kernel.epoch_ops(count)
        params, scratch, mean = self.net.params, self._scratch, self._mean_gradient
        norms = rows[:, 3]
        sm = kernel.gradient_scale * kernel.m
        multiply, subtract, divide, vdot = np.multiply, np.subtract, np.divide, np.vdot
        sgd = optimizers.OPTIMIZER_KINDS[self.optimizer].folds_into_gradient
        step = self._step
        if sgd:
            # θ ← θ − (η/m)·Σg, with S divided out in the same (exact) multiplication.
            step.fill(self.lr / kernel.m / kernel.gradient_scale)
        else:
            step.fill(sm)
        kept = kernel.keeps_gradients
        validation, evaluation = self._validation, self._evaluation
        masks = _ChunkMasks(self.seed, self.epoch, self.net, kernel.m) if evaluation is not None else None
        if sgd and kept and validation is None and evaluation is None:
            flat = kernel.sgd_epoch_ops(count, step, scratch)
            # deque(map(call, ...), maxlen=0) runs the calls from C: a quarter less overhead
            # per call than a Python for loop, which is most of an epoch at XOR size.
            deque(map(call, islice(flat, count * (len(kernel.ops) + 2))), maxlen=0)
        else:
            grads = kernel.gradient_rows if kept else [kernel.grad] * count
            for i in range(count):
                if evaluation is not None and masks is not None:  # (dropout: this epoch's masks, then its unmasked loss)
                    kernel.set_masks(masks.of(i))
                    evaluation.before_update(i, rows)
                deque(map(call, epoch_ops[i]), maxlen=0)
                if validation is not None:
                    validation.before_update(i, rows)
                grad = grads[i]
                if not kept:
                    norms[i] = vdot(grad, grad)
                if sgd:
                    multiply(grad, step, scratch)
                    subtract(params, scratch, params)
                else:
                    divide(grad, step, mean)
                    optimizers.apply(self.optimizer, self.lr, params, mean, self.opt_state, scratch)
        if kept:
            block = kernel.gradients[:count]
            np.einsum("ij,ij->i", block, block, out=norms)
        norms /= sm * sm
        np.sqrt(norms, out=norms)
        if validation is not None:
            validation.finish(rows)
        if evaluation is not None:
            evaluation.finish(rows)
        self.epoch += count
        # (with dropout the accuracy column holds the evaluation's, written above: the training pass's is dropped)
        accuracies = rows[:, 2] if evaluation is None else np.empty(count)
        overflowed = kernel.bookkeeping(kernel.logits[:count].reshape(count, -1), rows[:, 1], accuracies)
        if self.net.l2:
            penalties = 0.5 * self.net.l2 * kernel.weight_squares(kernel.penalties[:count])
            rows[:, 1] += penalties
            if evaluation is not None:
                rows[:, EVAL_LOSS] += penalties
        return overflowed
