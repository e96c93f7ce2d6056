"""Vectorised training: a preallocated kernel, the Trainer that runs epochs, and divergence checks.

On XOR-sized problems every NumPy call costs more than its arithmetic, so the
kernel allocates all buffers once, writes every result in place (positional
`out`), folds each bias into its weight block (one matmul per layer forward and
one per layer backward) and keeps all gradients in one vector (one call for the
norm, two for an SGD update).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from tui_nn.engine import optimizers
from tui_nn.engine.activations import LEAKY_SLOPE, sigmoid
from tui_nn.engine.datasets import Dataset
from tui_nn.engine.history import History
from tui_nn.engine.network import Network
from tui_nn.engine.optimizers import OptimizerState


class _Kernel:
    """Forward and backward for one batch size, as a fixed list of in-place NumPy calls.

    Calls are bound once with functools.partial; bound `ndarray.dot` and `__setitem__`
    cost about a third less per call than `np.dot` and `np.copyto` on arrays this small.
    """

    def __init__(self, net: Network, x: np.ndarray, y: np.ndarray) -> None:
        m = x.shape[0]
        L = net.n_layers
        self.net = net
        self.m = m
        sizes = net.sizes
        # inputs[l] = [A_l, 1]: a layer's activations with a column of ones, so that one dot with
        # the [W; b] block gives Z. Ufuncs on its strided [:, :-1] view cost twice as much as on
        # a contiguous block, so activations live in their own buffers and are copied in once.
        self.inputs = [np.ones((m, sizes[l] + 1)) for l in range(L)]
        self.output = np.empty((m, sizes[-1]))
        self.acts = [self.inputs[0][:, :-1]] + [np.empty((m, n)) for n in sizes[1:-1]] + [self.output]
        self.z = [np.empty((m, sizes[l + 1])) for l in range(L)]
        self.delta = [np.empty((m, sizes[l + 1])) for l in range(L)]
        self.tmp = [np.empty((m, sizes[l + 1])) for l in range(L)]
        self.y = np.empty((m, sizes[-1]))
        self.half_minus_y = np.empty((m, sizes[-1]))
        self.grad = np.empty(net.n_params)
        self.load(x, y)
        # Array constants: array-array ufunc calls are cheaper than array-scalar ones.
        self._consts: dict[tuple[float, tuple[int, ...]], np.ndarray] = {}
        self.ops: list[Callable[[], object]] = []
        self._build(net)

    def _const(self, value: float, like: np.ndarray) -> np.ndarray:
        key = (value, like.shape)
        if key not in self._consts:
            self._consts[key] = np.full(like.shape, value)
        return self._consts[key]

    def _activation_ops(self, kind: str, z: np.ndarray, out: np.ndarray, tmp: np.ndarray) -> None:
        ops = self.ops
        if kind == "sigmoid":  # ½·(1 + tanh(z/2)) = 1/(1+e^−z), with no overflow for any z
            half, one = self._const(0.5, z), self._const(1.0, z)
            ops += [
                partial(np.multiply, z, half, tmp),
                partial(np.tanh, tmp, tmp),
                partial(np.add, tmp, one, tmp),
                partial(np.multiply, tmp, half, out),
            ]
        elif kind == "tanh":
            ops.append(partial(np.tanh, z, out))
        elif kind == "relu":
            ops.append(partial(np.maximum, z, self._const(0.0, z), out=out))
        else:
            ops += [partial(np.multiply, z, self._const(LEAKY_SLOPE, z), tmp), partial(np.maximum, z, tmp, out=out)]

    def _derivative_ops(self, kind: str, delta: np.ndarray, z: np.ndarray, a: np.ndarray, tmp: np.ndarray) -> None:
        """delta ← delta ⊙ g'(z), using a = g(z) where that is cheaper."""
        one, ops = self._const(1.0, z), self.ops
        if kind == "sigmoid":
            ops += [partial(np.subtract, one, a, tmp), partial(np.multiply, tmp, a, tmp)]
        elif kind == "tanh":
            ops += [partial(np.multiply, a, a, tmp), partial(np.subtract, one, tmp, tmp)]
        elif kind == "relu":
            ops.append(partial(np.greater, z, self._const(0.0, z), tmp))
        else:
            ops += [
                partial(np.greater, z, self._const(0.0, z), tmp),
                partial(np.multiply, tmp, self._const(1.0 - LEAKY_SLOPE, z), tmp),
                partial(np.add, tmp, self._const(LEAKY_SLOPE, z), tmp),
            ]
        ops.append(partial(np.multiply, delta, tmp, delta))

    def _build(self, net: Network) -> None:
        L = net.n_layers
        kinds = [net.activation(l).name for l in range(L)]
        blocks = [net.block(l) for l in range(L)]
        grad_blocks = [net.block(l, self.grad) for l in range(L)]
        for l in range(L):  # Z = [A, 1]·[W; b]
            self.ops.append(partial(self.inputs[l].dot, blocks[l], self.z[l]))
            if l + 1 < L:
                self._activation_ops(kinds[l], self.z[l], self.acts[l + 1], self.tmp[l])
                self.ops.append(partial(self.inputs[l + 1][:, :-1].__setitem__, Ellipsis, self.acts[l + 1]))
        z, delta, tmp = self.z[-1], self.delta[-1], self.tmp[-1]
        half = self._const(0.5, z)
        if net.loss == "bce":
            # ∂L/∂z = ŷ − y = ½·tanh(z/2) + (½ − y): ŷ itself is not needed here.
            self.ops += [
                partial(np.multiply, z, half, tmp),
                partial(np.tanh, tmp, tmp),
                partial(np.multiply, tmp, half, tmp),
                partial(np.add, tmp, self.half_minus_y, delta),
            ]
        else:  # ∂L/∂z = (ŷ − y)·ŷ(1 − ŷ)
            self._activation_ops("sigmoid", z, self.output, tmp)
            self.ops.append(partial(np.subtract, self.output, self.y, delta))
            self._derivative_ops("sigmoid", delta, z, self.output, tmp)
        for l in range(L - 1, -1, -1):
            # [∂W; ∂b] = [A, 1]ᵀ·δ, and ∂L/∂A_prev = δ·Wᵀ
            self.ops.append(partial(self.inputs[l].T.dot, self.delta[l], grad_blocks[l]))
            if l > 0:
                self.ops.append(partial(self.delta[l].dot, net.weights(l).T, self.delta[l - 1]))
                self._derivative_ops(kinds[l - 1], self.delta[l - 1], self.z[l - 1], self.acts[l], self.tmp[l - 1])

    def load(self, x: np.ndarray, y: np.ndarray) -> None:
        self.acts[0][...] = x
        self.y[...] = y
        np.subtract(0.5, self.y, self.half_minus_y)

    def run(self) -> None:
        """Forward and backward: leaves the output logits in z[-1] and the summed gradient in grad.

        (The output activations ŷ are only materialised for MSE; everything else uses z.)
        """
        for op in self.ops:
            op()

    def evaluate(self) -> tuple[float, float, float]:
        """Forward and backward on the loaded batch: (mean loss, accuracy, ‖ḡ‖).

        Leaves the mean gradient ḡ in self.grad.
        """
        self.run()
        np.divide(self.grad, self.m, self.grad)
        loss, accuracy = outcome(self.net.loss, self.z[-1][None], self.y)
        return float(loss[0]), float(accuracy[0]), math.sqrt(float(np.vdot(self.grad, self.grad)))


def outcome(loss: str, logits: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean loss and accuracy for each of a stack of output logits (epochs × m × outputs).

    bce: −[y ln σ(z) + (1−y) ln(1−σ(z))] = ln(1+e^z) − y·z, finite for any z.
    """
    m = logits.shape[1]
    a = sigmoid(logits)
    if loss == "bce":
        per_epoch = np.logaddexp(0.0, logits).sum(axis=(1, 2)) - (logits * y).sum(axis=(1, 2))
    else:
        per_epoch = 0.5 * np.square(a - y).sum(axis=(1, 2))
    correct = ((a > 0.5) == (y > 0.5)).sum(axis=(1, 2))
    return per_epoch / m, correct / y.size


@dataclass(frozen=True)
class RunResult:
    """What a call to Trainer.run did."""

    epochs: int
    stopped: str | None = None  # why it stopped early: a divergence diagnosis or "target"


def divergence_message(what: str, value: float, epoch: int, lr: float) -> str:
    state = "NaN" if math.isnan(value) else "inf"
    return f"{what} became {state} at epoch {epoch}: learning rate {lr:g} is too high for this network; try ≤ {lr / 10:g}"


CHUNK = 256


class Trainer:
    """Runs epochs of gradient descent on a data set, recording history; stops on divergence.

    Batches per epoch: the whole data set (default), mini-batches of `batch` rows in a
    seeded order that depends only on (seed, epoch), or one pinned sample (`focus`).
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
    ) -> None:
        self.net = net
        self.data = data
        self.optimizer = optimizer
        self.lr = lr
        self.batch = batch
        self.seed = seed
        self.focus: int | None = None
        self.epoch = 0
        self.history = history if history is not None else History()
        self.opt_state: OptimizerState = optimizers.new_state(optimizer, net.n_params)
        self._kernels: dict[int, _Kernel] = {}
        self._scratch = np.empty(net.n_params)

    def batches(self, epoch: int) -> list[np.ndarray]:
        """Row indices of each batch of `epoch`, in order."""
        m = self.data.size
        if self.focus is not None:
            return [np.array([self.focus])]
        if self.batch is None or self.batch >= m:
            return [np.arange(m)]
        order = np.random.RandomState([self.seed, epoch]).permutation(m)
        return [order[i : i + self.batch] for i in range(0, m, self.batch)]

    def _kernel(self, size: int) -> _Kernel:
        kernel = self._kernels.get(size)
        if kernel is None:
            kernel = _Kernel(self.net, self.data.x[:size], self.data.y[:size])
            self._kernels[size] = kernel
        return kernel

    def evaluate(self) -> tuple[float, float, float]:
        """Full-data-set (loss, accuracy, gradient norm) at the current parameters."""
        kernel = self._kernel(self.data.size)
        kernel.load(self.data.x, self.data.y)
        with np.errstate(all="ignore"):
            return kernel.evaluate()

    def restore(self, epoch: int, params: np.ndarray, state: OptimizerState) -> None:
        """Continue from this checkpoint: the epoch, the network's parameters, the optimizer's state."""
        self.epoch = epoch
        self.net.params[:] = params
        self.opt_state = state.copy()

    def run(self, epochs: int, target_loss: float | None = None, should_stop: Callable[[], bool] | None = None) -> RunResult:
        """Train up to `epochs` epochs, `CHUNK` at a time.

        The loss recorded for epoch e is the full-data-set loss before e's update. Loss and
        accuracy are computed in bulk after each chunk from the stored output logits; when a
        chunk turns out to contain a non-finite value or to reach `target_loss`, training
        rewinds to the chunk's start and replays exactly up to that epoch (it is
        deterministic), so it stops precisely there.
        """
        self.history.truncate(self.epoch)
        done = 0
        while done < epochs:
            if done and should_stop is not None and should_stop():
                break
            count = min(CHUNK, epochs - done)
            params, state, epoch = self.net.params.copy(), self.opt_state.copy(), self.epoch
            rows = self._chunk(count)
            stop_at, reason = self._first_stop(rows, target_loss)
            if stop_at is not None:
                self.net.params[:] = params
                self.opt_state = state
                self.epoch = epoch
                self._chunk(stop_at)
                self.history.extend(rows[: stop_at + 1])
                return RunResult(done + stop_at + 1, reason)
            self.history.extend(rows)
            done += count
        return RunResult(done, None)

    def _first_stop(self, rows: np.ndarray, target_loss: float | None) -> tuple[int | None, str | None]:
        """The first epoch in `rows` at which training must stop, and why."""
        bad = ~np.isfinite(rows[:, 1]) | ~np.isfinite(rows[:, 3])
        reached = rows[:, 1] < target_loss if target_loss is not None else np.zeros(len(rows), dtype=bool)
        hits = np.flatnonzero(bad | reached)
        if len(hits) == 0:
            if not np.isfinite(self.net.params).all():
                return len(rows) - 1, divergence_message("a weight", np.inf, int(rows[-1, 0]) + 1, self.lr)
            return None, None
        k = int(hits[0])
        if not bad[k]:
            return k, "target"
        epoch = int(rows[k, 0])
        if not math.isfinite(rows[k, 1]):
            return k, divergence_message("the loss", float(rows[k, 1]), epoch, self.lr)
        return k, divergence_message("the gradient", float(rows[k, 3]), epoch, self.lr)

    def _chunk(self, count: int) -> np.ndarray:
        """Run `count` epochs; return their rows (epoch, loss, accuracy, grad norm).

        Overflow is expected when a learning rate diverges; it is detected from the
        non-finite values it leaves, so NumPy's warnings are silenced here.
        """
        with np.errstate(all="ignore"):
            return self._chunk_rows(count)

    def _chunk_rows(self, count: int) -> np.ndarray:
        rows = np.empty((count, 4))
        rows[:, 0] = np.arange(self.epoch, self.epoch + count)
        if self.focus is None and (self.batch is None or self.batch >= self.data.size):
            self._full_batch_epochs(rows)
        else:
            for row in rows:
                row[1:] = self.evaluate()
                for rows_of_batch in self.batches(self.epoch):
                    kernel = self._kernel(len(rows_of_batch))
                    kernel.load(self.data.x[rows_of_batch], self.data.y[rows_of_batch])
                    kernel.run()
                    np.divide(kernel.grad, kernel.m, kernel.grad)
                    optimizers.apply(self.optimizer, self.lr, self.net.params, kernel.grad, self.opt_state, self._scratch)
                self.epoch += 1
        return rows

    def _full_batch_epochs(self, rows: np.ndarray) -> None:
        kernel = self._kernel(self.data.size)
        kernel.load(self.data.x, self.data.y)
        count = len(rows)
        logits = np.empty((count, *kernel.z[-1].shape))
        norms = rows[:, 3]
        ops, grad, params, scratch = kernel.ops, kernel.grad, self.net.params, self._scratch
        output_z, vdot, subtract, multiply, divide = kernel.z[-1], np.vdot, np.subtract, np.multiply, np.divide
        m = kernel.m
        if self.optimizer == "sgd":
            # θ ← θ − (η/m)·Σg: the mean folded into the step size saves a call per epoch.
            step = np.full(self.net.n_params, self.lr / m)
            for i in range(count):
                for op in ops:
                    op()
                logits[i] = output_z
                norms[i] = vdot(grad, grad)
                multiply(grad, step, scratch)
                subtract(params, scratch, params)
        else:
            m_array = np.full(self.net.n_params, float(m))
            for i in range(count):
                for op in ops:
                    op()
                logits[i] = output_z
                divide(grad, m_array, grad)
                norms[i] = vdot(grad, grad)
                optimizers.apply(self.optimizer, self.lr, params, grad, self.opt_state, scratch)
        if self.optimizer == "sgd":
            norms /= m * m
        np.sqrt(norms, out=norms)
        rows[:, 1], rows[:, 2] = outcome(self.net.loss, logits, kernel.y)
        self.epoch += count
