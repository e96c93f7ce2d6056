"""The NumPy the tutorials write, beside the walk: each micro-step's vectorised line and matrices.

The walk computes one scalar at a time; the tutorials write one line of NumPy per phase, for the
whole batch at once (row vectors: X is m×n_in, W is n_in×n_out, b is 1×n_out, the gradients are
averaged over the batch's m rows):

    Z1 = X @ W1 + b1                        A1 = sigmoid(Z1)            forward, layer by layer
    L = -(Y * np.log(A2) + (1 - Y) * np.log(1 - A2))                    each sample's loss
    loss = L.sum() / m                                                  the batch's loss
    dZ2 = A2 - Y                            (MSE: (A2 - Y) * A2 * (1 - A2))
    dW2 = A1.T @ dZ2 / m                    db2 = dZ2.sum(axis=0, keepdims=True) / m
    dA1 = dZ2 @ W2.T                        dZ1 = dA1 * A1 * (1 - A1)   (σ; per activation)
    W1 -= lr * dW1                          (or the optimizer's rule)

With L2 weight decay λ (`lam`), cs231n's two extra lines: the loss adds
`0.5 * lam * (np.sum(W1 * W1) + np.sum(W2 * W2))` and each weight gradient `dW1 += lam * W1`
(never the biases'), so the update rule reads the decayed dW unchanged.

With dropout (p), the cs231n lines after a hidden activation and before its slope:
`mask1 = (rng.random(A1.shape) > p) / (1 - p)`, `H1 = A1 * mask1` (the tutorials write `A1 *= mask1`;
the masked values get a name of their own here, so the slope below still reads A1 = g(Z1)), the
layer above reads H1, and back-propagation `dA1 *= mask1` before `dZ1 = dA1 * g′`.

`capture(stepper)` copies what the current position needs (cheap: the pass's batch and start
parameters); its `frame` pairs the micro-step there with its line, the matrices computed by plain
vectorised NumPy on that batch (`batch_matrices`, the same operations as
`Network.loss_and_gradient`), and the cell the scalar step computes, so a renderer can highlight
it: the step's value is that cell's value, to rounding (the walk sums term by term, NumPy's
matmul in its own order). A per-sample gradient ∂L/∂w = δ·a is one term of the sum in
dW = Aᵀ @ dZ / m; it is shown as that sample's outer product np.outer(A[r], dZ[r]).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np

from tui_nn.engine.nn.datasets import Dataset
from tui_nn.engine.nn.losses import Loss, as_loss
from tui_nn.engine.nn.network import Masks, Network
from tui_nn.engine.nn.optimizers import OPTIMIZER_KINDS, OptimizerState, apply
from tui_nn.engine.walk.records import Phase, Step, StepKind
from tui_nn.engine.walk.stepper import Stepper

Role = Literal["operand", "result", "term"]


@dataclass(frozen=True, eq=False)  # compared by identity: it holds arrays
class BatchMatrices:
    """Every matrix of one batch's vectorised forward and backward pass, by the tutorials' names.

    Lists are indexed by unit layer k (0 = inputs) for Z, A, dZ, dA and by weight layer l
    (0-based, W[l] is the tutorials' W{l+1}) for W, b, dW, db. z[0], dz[0] and da[0] are None
    (the inputs have no weighted sum), as is da[L] (the loss starts from dZ_L directly).
    """

    x: np.ndarray
    y: np.ndarray
    weights: list[np.ndarray]
    biases: list[np.ndarray]  # each 1×n_out
    z: list[np.ndarray | None]
    a: list[np.ndarray]
    losses: np.ndarray  # m×1: each sample's loss, summed over output units
    loss: float  # the batch's loss: the data loss, plus (λ/2)·Σw² under weight decay
    dz: list[np.ndarray | None]
    da: list[np.ndarray | None]
    dw: list[np.ndarray]
    db: list[np.ndarray]  # each 1×n_out
    # with dropout: per unit layer, g(Z) before the mask (a[k] is then what the layer above reads, g(Z)·mask)
    # and the mask/(1 − p) (None for the inputs and the output); empty without dropout
    g: list[np.ndarray] = field(default_factory=list)
    masks: list[np.ndarray | None] = field(default_factory=list)

    def activation(self, k: int) -> np.ndarray:
        """Unit layer k's g(Z_k), before any dropout mask (what the a step and the slope read)."""
        return self.g[k] if self.g else self.a[k]

    @property
    def m(self) -> int:
        return int(self.x.shape[0])

    def flat_gradient(self, net: Network) -> np.ndarray:
        """dW and db laid out like Network.params."""
        grad = np.zeros(net.n_params)
        for l in range(net.n_layers):
            block = net.block(l, grad)
            block[:-1] = self.dw[l]
            block[-1] = self.db[l][0]
        return grad


def sample_losses(loss: str | Loss, z: np.ndarray, a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Each sample's loss (m×1), summed over output units, as the loss computes it element by element."""
    with np.errstate(all="ignore"):
        per = as_loss(loss).samples(z, a, y)
    return np.asarray(per.sum(axis=1, keepdims=True))


def batch_matrices(net: Network, params: np.ndarray, x: np.ndarray, y: np.ndarray, masks: Masks = None) -> BatchMatrices:
    """The forward and backward pass of batch (x, y) at `params`, matrix by matrix.

    Z_k = A_{k−1} @ W_k + b_k, A_k = g(Z_k); dZ_L = ∂L/∂Z_L (per sample); dW_k = A_{k−1}ᵀ @ dZ_k / m,
    db_k = Σ_rows dZ_k / m; dA_{k−1} = dZ_k @ W_kᵀ, dZ_{k−1} = dA_{k−1} ⊙ g'(Z_{k−1}). The same
    operations in the same order as Network.loss_and_gradient, so dW and db equal its gradient.
    With dropout `masks`, A_k is g(Z_k)·mask_k for a hidden layer, and dZ_k = (dA_k·mask_k)·g'(Z_k).
    """
    zs, acts = net.forward(x, params, masks)
    g = net.forward(x, params)[1] if masks is not None else []
    L, m = net.n_layers, x.shape[0]
    dz: list[np.ndarray | None] = [None] * (L + 1)
    da: list[np.ndarray | None] = [None] * (L + 1)
    dw: list[np.ndarray] = [np.empty(0)] * L
    db: list[np.ndarray] = [np.empty(0)] * L
    with np.errstate(all="ignore"):
        delta = net.loss_kind.delta(acts[-1], y)
        for l in range(L - 1, -1, -1):
            dz[l + 1] = delta
            dw[l] = acts[l].T @ delta / m
            db[l] = delta.sum(axis=0, keepdims=True) / m
            if net.l2:
                dw[l] += net.l2 * net.weights(l, params)
            if l > 0:
                upstream = delta @ net.weights(l, params).T
                da[l] = upstream
                if masks is not None:
                    delta = upstream * masks[l - 1] * net.activation(l - 1).derivative_vector(zs[l - 1], g[l])
                else:
                    delta = upstream * net.activation(l - 1).derivative_vector(zs[l - 1], acts[l])
        losses = sample_losses(net.loss_kind, zs[-1], acts[-1], y)
        loss = float(losses.sum() / m) + net.l2_penalty(params)
    return BatchMatrices(
        x=np.asarray(x, dtype=np.float64),
        y=np.asarray(y, dtype=np.float64),
        weights=[net.weights(l, params).copy() for l in range(L)],
        biases=[net.biases(l, params).reshape(1, -1).copy() for l in range(L)],
        z=[None, *zs],
        a=acts,
        losses=losses,
        loss=loss,
        dz=dz,
        da=da,
        dw=dw,
        db=db,
        g=g,
        masks=[None, *masks, None] if masks is not None else [],
    )


def updated(
    net: Network, params: np.ndarray, grad: np.ndarray, state: OptimizerState, optimizer: str, lr: float
) -> tuple[np.ndarray, OptimizerState]:
    """The parameters and optimizer state after one update from the mean gradient `grad`, by the
    vectorised rule the training kernel uses (optimizers.apply), on copies."""
    new_params, new_state = params.copy(), state.copy()
    with np.errstate(all="ignore"):
        apply(optimizer, lr, new_params, grad.copy(), new_state, np.empty(net.n_params))
    return new_params, new_state


# --- what the view shows --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # compared by identity: it holds arrays
class Shown:
    """One matrix as the view prints it, and what of it to highlight.

    `rows`/`columns`: the sample's row, the unit's column; `cells`: the entries the step reads;
    `focus`: the entry the step computes (only in the matrix that holds the step's value).
    """

    name: str
    values: np.ndarray  # 2-D
    role: Role = "operand"
    rows: frozenset[int] = frozenset()
    columns: frozenset[int] = frozenset()
    cells: frozenset[tuple[int, int]] = frozenset()
    focus: tuple[int, int] | None = None

    @property
    def shape(self) -> tuple[int, int]:
        rows, cols = self.values.shape
        return int(rows), int(cols)


@dataclass(frozen=True, eq=False)
class MatrixFrame:
    """One micro-step seen as the tutorials' NumPy.

    `code`: the line(s) a tutorial writes for this phase, valid Python; `notes`: the values of
    the names the code uses besides the matrices (m, lr, beta …), or how it is computed;
    `shapes`: the line with each matrix replaced by its shape, e.g. (4×2) @ (2×2) + (1×2) → (4×2);
    `scalar`: the step's own computation written with NumPy indexing (Z1[1, 0] = X[1] @ W1[:, 0]
    + b1[0, 0]), its last line giving the value; `remark`: how that value enters the whole line
    when it is one term of a sum. `matrices` are in the order of the line,
    results after operands; `focus` indexes the one holding the step's value at `cell`.
    """

    phase: Phase
    step: Step | None
    applied: bool  # the step has been taken (False: it is the next one, at a pass's start)
    epoch: int
    code: tuple[str, ...]
    notes: str
    shapes: str
    scalar: tuple[str, ...]
    matrices: tuple[Shown, ...]
    focus: int | None
    cell: tuple[int, int] | None
    sample: int | None  # the data-set row (0-based) of the step's sample
    sample_row: int | None  # that sample's row in the batch (the row highlighted in X)
    batch: tuple[int, ...] = ()
    remark: str = ""

    @property
    def value(self) -> float | None:
        """The highlighted cell's value: what the scalar step computes."""
        if self.focus is None or self.cell is None:
            return None
        return float(self.matrices[self.focus].values[self.cell])

    @property
    def focus_matrix(self) -> Shown | None:
        return None if self.focus is None else self.matrices[self.focus]

    def matrix(self, name: str) -> Shown:
        for shown in self.matrices:
            if shown.name == name:
                return shown
        raise KeyError(name)


def shape_text(values: np.ndarray) -> str:
    rows, cols = values.shape
    return f"({rows}×{cols})"


@dataclass(frozen=True)
class _Parts:
    """What a step kind contributes to its frame (see MatrixFrame)."""

    code: tuple[str, ...]
    shapes: str
    scalar: tuple[str, ...]
    matrices: list[Shown]
    notes: str = ""
    remark: str = ""


class _Builder:
    """Frames for one position: the batch's matrices under the names the tutorials give them.

    X is A0, the output A_L, the target Y; W1, b1 is the first weight layer.
    """

    def __init__(self, position: MatrixPosition) -> None:
        self.p = position
        self.net = position.net
        self.mats = position.matrices
        self.L = self.net.n_layers
        self.m = f"m = {self.mats.m}"

    def a_name(self, k: int) -> str:
        """What unit layer k passes up is called: X, A1, or H1 = A1 * mask1 under dropout."""
        if k == 0:
            return "X"
        return f"H{k}" if self.mats.masks and k < self.L else f"A{k}"

    def row(self, step: Step) -> int:
        assert step.sample is not None
        return self.p.batch.index(step.sample)

    def builders(self) -> dict[StepKind, Callable[[Step], _Parts]]:
        """Each step kind's matrix view, spelled out so a reader (and a tool) can follow a kind to its code."""
        return {
            "z": self._z,
            "max": self._max,
            "exp": self._exp,
            "sum": self._sum,
            "a": self._a,
            "mask": self._mask,
            "loss": self._loss,
            "batch_loss": self._batch_loss,
            "delta": self._delta,
            "grad_w": self._grad_w,
            "grad_b": self._grad_b,
            "grad_a": self._grad_a,
            "update_w": self._update_w,
            "update_b": self._update_b,
        }

    def frame(self) -> MatrixFrame:
        step = self.p.step
        if step is None:
            return MatrixFrame("forward", None, False, self.p.epoch, (), "", "", (), (), None, None, None, None, self.p.batch)
        parts = self.builders()[step.kind](step)
        focus = next((i for i, shown in enumerate(parts.matrices) if shown.focus is not None), None)
        return MatrixFrame(
            phase=step.phase,
            step=step,
            applied=self.p.applied,
            epoch=self.p.epoch,
            code=parts.code,
            notes=parts.notes,
            shapes=parts.shapes,
            scalar=parts.scalar,
            matrices=tuple(parts.matrices),
            focus=focus,
            cell=None if focus is None else parts.matrices[focus].focus,
            sample=step.sample,
            sample_row=None if step.sample is None else self.row(step),
            batch=self.p.batch,
            remark=parts.remark,
        )

    @staticmethod
    def _where(step: Step) -> tuple[int, int]:
        assert step.layer is not None and step.unit is not None
        return step.layer, step.unit

    @staticmethod
    def _source(step: Step) -> int:
        """i of a weight's step (the unit below), from the key it writes."""
        source = step.writes[0][0].source
        assert source is not None
        return source

    # --- forward ---------------------------------------------------------------------

    def _z(self, step: Step) -> _Parts:
        k, j = self._where(step)
        r, mats = self.row(step), self.mats
        a, w, b, z = mats.a[k - 1], mats.weights[k - 1], mats.biases[k - 1], mats.z[k]
        assert z is not None
        prev = self.a_name(k - 1)
        return _Parts(
            (f"Z{k} = {prev} @ W{k} + b{k}",),
            f"{shape_text(a)} @ {shape_text(w)} + {shape_text(b)} → {shape_text(z)}",
            (f"Z{k}[{r}, {j}] = {prev}[{r}] @ W{k}[:, {j}] + b{k}[0, {j}]",),
            [
                Shown(prev, a, rows=frozenset({r})),
                Shown(f"W{k}", w, columns=frozenset({j})),
                Shown(f"b{k}", b, cells=frozenset({(0, j)})),
                Shown(f"Z{k}", z, "result", rows=frozenset({r}), focus=(r, j)),
            ],
        )

    # --- a softmax output, cs231n's way ------------------------------------------------

    @cached_property
    def _softmax(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each row's largest score, the shifted exponentials and their row sums."""
        scores = self.mats.z[self.L]
        assert scores is not None
        shift = scores.max(axis=1, keepdims=True)
        exp_scores = np.exp(scores - shift)
        return shift, exp_scores, np.sum(exp_scores, axis=1, keepdims=True)

    def _max(self, step: Step) -> _Parts:
        r, L = self.row(step), self.L
        scores = self.mats.z[L]
        assert scores is not None
        shift, _, _ = self._softmax
        return _Parts(
            (f"shift = Z{L}.max(axis=1, keepdims=True)",),
            f"{shape_text(scores)} → {shape_text(shift)}, the largest of each row",
            (f"shift[{r}, 0] = Z{L}[{r}].max()",),
            [Shown(f"Z{L}", scores, rows=frozenset({r})), Shown("shift", shift, "result", focus=(r, 0))],
            notes="subtracted from each row's scores so np.exp never overflows; the probabilities do not change",
        )

    def _exp(self, step: Step) -> _Parts:
        r, (k, j) = self.row(step), self._where(step)
        scores = self.mats.z[k]
        assert scores is not None
        shift, exp_scores, _ = self._softmax
        return _Parts(
            (f"exp_scores = np.exp(Z{k} - Z{k}.max(axis=1, keepdims=True))",),
            f"{shape_text(scores)} - {shape_text(shift)} → {shape_text(exp_scores)}, element by element",
            (f"exp_scores[{r}, {j}] = np.exp(Z{k}[{r}, {j}] - shift[{r}, 0])",),
            [
                Shown(f"Z{k}", scores, rows=frozenset({r}), cells=frozenset({(r, j)})),
                Shown("shift", shift, cells=frozenset({(r, 0)})),
                Shown("exp_scores", exp_scores, "result", rows=frozenset({r}), focus=(r, j)),
            ],
        )

    def _sum(self, step: Step) -> _Parts:
        r = self.row(step)
        _, exp_scores, exp_sums = self._softmax
        return _Parts(
            ("exp_sums = np.sum(exp_scores, axis=1, keepdims=True)",),
            f"{shape_text(exp_scores)} summed along each row → {shape_text(exp_sums)}",
            (f"exp_sums[{r}, 0] = exp_scores[{r}].sum()",),
            [Shown("exp_scores", exp_scores, rows=frozenset({r})), Shown("exp_sums", exp_sums, "result", focus=(r, 0))],
        )

    def _probabilities(self, step: Step) -> _Parts:
        r, (k, j) = self.row(step), self._where(step)
        _, exp_scores, exp_sums = self._softmax
        probs = self.mats.a[k]
        return _Parts(
            ("probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)", f"A{k} = probs"),
            f"{shape_text(exp_scores)} / {shape_text(exp_sums)} → {shape_text(probs)}, each row summing to 1",
            (f"probs[{r}, {j}] = exp_scores[{r}, {j}] / exp_sums[{r}, 0]",),
            [
                Shown("exp_scores", exp_scores, rows=frozenset({r}), cells=frozenset({(r, j)})),
                Shown("exp_sums", exp_sums, cells=frozenset({(r, 0)})),
                Shown("probs", probs, "result", rows=frozenset({r}), focus=(r, j)),
            ],
        )

    def _a(self, step: Step) -> _Parts:
        k, j = self._where(step)
        if k == self.L and self.net.one_of_k:
            return self._probabilities(step)
        r, mats = self.row(step), self.mats
        z, a = mats.z[k], mats.activation(k)
        assert z is not None
        act = self.net.activation(k - 1)
        return _Parts(
            (f"A{k} = {act.numpy(f'Z{k}')}",),
            f"{shape_text(z)} → {shape_text(a)}, element by element",
            (f"A{k}[{r}, {j}] = {act.numpy(f'Z{k}[{r}, {j}]')}",),
            [
                Shown(f"Z{k}", z, rows=frozenset({r}), cells=frozenset({(r, j)})),
                Shown(f"A{k}", a, "result", rows=frozenset({r}), focus=(r, j)),
            ],
            notes=act.numpy_note,
        )

    def _mask(self, step: Step) -> _Parts:
        """Dropout on hidden layer k for the batch: the tutorials' mask, then the masked values."""
        k, r, mats = step.layer, self.row(step), self.mats
        assert k is not None
        mask, kept = mats.masks[k], mats.a[k]
        assert mask is not None
        last = mask.shape[1] - 1
        return _Parts(
            (f"mask{k} = (rng.random(A{k}.shape) > p) / (1 - p)", f"H{k} = A{k} * mask{k}"),
            f"{shape_text(mask)} of 0 or 1/(1 − p), times {shape_text(kept)}, element by element",
            (f"H{k}[{r}] = A{k}[{r}] * mask{k}[{r}]",),
            [
                Shown(f"A{k}", mats.activation(k), rows=frozenset({r})),
                Shown(f"mask{k}", mask, rows=frozenset({r})),
                Shown(f"H{k}", kept, "result", rows=frozenset({r}), focus=(r, last)),
            ],
            notes=f"p = {self.net.dropout:g}; the tutorials write A{k} *= mask{k}: H{k} keeps A{k} for the slope; "
            "tui-nn's u is a hash of the seed, the update, the layer, the row and the unit (kept where u ≥ p: the same chance, 1 − p)",
        )

    # --- loss ------------------------------------------------------------------------

    def _loss_code(self, rows: str) -> str:
        """The loss of every sample (rows = "") or of one row (rows = "[r]"), summed over outputs."""
        out, y = f"A{self.L}{rows}", f"Y{rows}"
        kind = self.net.loss_kind
        core = kind.numpy(out, y)
        if not rows and self.net.sizes[-1] == 1:
            return core
        total = ".sum()" if rows else ".sum(axis=1, keepdims=True)"
        return (f"({core})" if kind.numpy_grouped else core) + total

    def _loss(self, step: Step) -> _Parts:
        r, mats, L = self.row(step), self.mats, self.L
        if self.net.one_of_k:
            return _Parts(
                ("y = Y.argmax(axis=1)", "L = -np.log(probs[range(m), y])[:, None]"),
                f"{shape_text(mats.a[L])}[range(m), y] → {shape_text(mats.losses)}",
                (f"L[{r}, 0] = -np.log(probs[{r}, y[{r}]])",),
                [
                    Shown("probs", mats.a[L], rows=frozenset({r}), cells=frozenset({(r, int(np.argmax(mats.y[r])))})),
                    Shown("Y", mats.y, rows=frozenset({r})),
                    Shown("L", mats.losses, "result", focus=(r, 0)),
                ],
                notes=f"{self.m}; y: each row's class, cs231n's labels; {self.net.loss_kind.numpy_note}",
            )
        return _Parts(
            (f"L = {self._loss_code('')}",),
            f"{shape_text(mats.a[L])}, {shape_text(mats.y)} → {shape_text(mats.losses)}",
            (f"L[{r}, 0] = {self._loss_code(f'[{r}]')}",),
            [
                Shown(f"A{L}", mats.a[L], rows=frozenset({r})),
                Shown("Y", mats.y, rows=frozenset({r})),
                Shown("L", mats.losses, "result", focus=(r, 0)),
            ],
            notes=self.net.loss_kind.numpy_note,
        )

    def _batch_loss(self, step: Step) -> _Parts:
        mats = self.mats
        last = mats.m - 1
        code: tuple[str, ...] = ("loss = -np.mean(np.log(probs[range(m), y]))",) if self.net.one_of_k else ("loss = L.sum() / m",)
        shapes = f"{shape_text(mats.losses)}.sum() / {mats.m} → (1×1)"
        scalar = f"loss = (L[0, 0] + … + L[{last}, 0]) / {mats.m}" if mats.m > 1 else "loss = L[0, 0]"
        read = [Shown("L", mats.losses, rows=frozenset(range(mats.m)))]
        tutorials = self.net.loss_kind.numpy_batch
        if tutorials is not None:  # the seeds' one line (L = 1/(2m)·Σ(ŷ − y)²): the mean of L, from A and Y
            code = (f"loss = {tutorials(f'A{self.L}', 'Y')}",)
            shapes = f"{shape_text(mats.a[self.L])} - {shape_text(mats.y)}, summed / {mats.m} → (1×1): the mean of L"
            every = frozenset(range(mats.m))
            read = [Shown(f"A{self.L}", mats.a[self.L], rows=every), Shown("Y", mats.y, rows=every)]
        weights: list[Shown] = []
        notes = self.m
        lam = self.net.l2
        if lam:
            squares = " + ".join(f"np.sum(W{l + 1} * W{l + 1})" for l in range(self.L))
            code += (f"loss += 0.5 * lam * ({squares})" if self.L > 1 else f"loss += 0.5 * lam * {squares}",)
            shapes += ", plus (λ/2)·Σw² → (1×1)"
            scalar += f" + 0.5 * lam * ({squares})" if self.L > 1 else f" + 0.5 * lam * {squares}"
            weights = [Shown(f"W{l + 1}", w) for l, w in enumerate(mats.weights)]
            notes = f"{self.m}, lam = {lam:g} (the biases are not decayed)"
        return _Parts(
            code,
            shapes,
            (scalar,),
            [
                *read,
                *weights,
                Shown("loss", np.array([[mats.loss]]), "result", focus=(0, 0)),
            ],
            notes=notes,
        )

    # --- backward --------------------------------------------------------------------

    def _delta(self, step: Step) -> _Parts:
        k, j = self._where(step)
        r, mats = self.row(step), self.mats
        dz = mats.dz[k]
        assert dz is not None
        cell, at = frozenset({(r, j)}), f"[{r}, {j}]"
        result = Shown(f"dZ{k}", dz, "result", rows=frozenset({r}), focus=(r, j))
        if k == self.L and self.net.one_of_k:
            return _Parts(
                ("dscores = probs.copy()", "dscores[range(m), y] -= 1", f"dZ{k} = dscores"),
                f"{shape_text(mats.a[k])}, 1 taken from each row's class → {shape_text(dz)}",
                (f"dZ{k}{at} = probs{at} - (1 if y[{r}] == {j} else 0)",),
                [Shown("probs", mats.a[k], cells=cell), Shown("Y", mats.y, cells=cell), result],
                notes="cs231n writes dscores = probs (no copy: probs is not needed again) and divides by m here, "
                "dscores /= N; this view divides in dW and db, the same numbers",
            )
        if k == self.L:
            out, a = f"A{k}", mats.a[k]
            numpy_delta = self.net.loss_kind.numpy_delta
            code, scalar = f"dZ{k} = {numpy_delta(out, 'Y')}", f"dZ{k}{at} = {numpy_delta(out + at, 'Y' + at)}"
            return _Parts(
                (code,),
                f"{shape_text(a)} - {shape_text(mats.y)} → {shape_text(dz)}",
                (scalar,),
                [Shown(out, a, cells=cell), Shown("Y", mats.y, cells=cell), result],
            )
        da, z = mats.da[k], mats.z[k]
        assert da is not None and z is not None
        act = self.net.activation(k - 1)
        reads = Shown(f"A{k}", mats.activation(k), cells=cell) if act.slope_reads_output else Shown(f"Z{k}", z, cells=cell)
        mask = mats.masks[k] if mats.masks else None
        if mask is not None:  # back through dropout's mask first: a dropped unit's dA is 0
            return _Parts(
                (f"dA{k} *= mask{k}", f"dZ{k} = dA{k} * {act.numpy_slope(f'Z{k}', f'A{k}')}"),
                f"{shape_text(da)} * {shape_text(mask)} * {shape_text(reads.values)} → {shape_text(dz)}, element by element",
                (f"dZ{k}{at} = dA{k}{at} * mask{k}{at} * {act.numpy_slope(f'Z{k}{at}', f'A{k}{at}')}",),
                [Shown(f"dA{k}", da, cells=cell), Shown(f"mask{k}", mask, cells=cell), reads, result],
                notes=f"p = {self.net.dropout:g}",
            )
        return _Parts(
            (f"dZ{k} = dA{k} * {act.numpy_slope(f'Z{k}', f'A{k}')}",),
            f"{shape_text(da)} * {shape_text(reads.values)} → {shape_text(dz)}, element by element",
            (f"dZ{k}{at} = dA{k}{at} * {act.numpy_slope(f'Z{k}{at}', f'A{k}{at}')}",),
            [Shown(f"dA{k}", da, cells=cell), reads, result],
        )

    def _grad_w(self, step: Step) -> _Parts:
        l, j = self._where(step)
        i, r, mats, k = self._source(step), self.row(step), self.mats, l + 1
        prev = self.a_name(l)
        a, dz, dw = mats.a[l], mats.dz[k], mats.dw[l]
        assert dz is not None
        term = f"np.outer({prev}[{r}], dZ{k}[{r}])"
        remark = f"row {r}'s term of dW{k}[{i}, {j}] = {prev}[:, {i}] @ dZ{k}[:, {j}] / m, a sum over the batch's rows"
        code: tuple[str, ...] = (f"dW{k} = {prev}.T @ dZ{k} / m",)
        notes = self.m
        if self.net.l2:
            code += (f"dW{k} += lam * W{k}",)
            remark += f", + lam * W{k}[{i}, {j}] (decay)"
            notes = f"{self.m}, lam = {self.net.l2:g}"
        return _Parts(
            code,
            f"{shape_text(a.T)} @ {shape_text(dz)} / {mats.m} → {shape_text(dw)}",
            (f"{term}[{i}, {j}] = {prev}[{r}, {i}] * dZ{k}[{r}, {j}]",),
            [
                Shown(f"{prev}.T", a.T, columns=frozenset({r}), cells=frozenset({(i, r)})),
                Shown(f"dZ{k}", dz, rows=frozenset({r}), cells=frozenset({(r, j)})),
                Shown(f"dW{k}", dw, "result", cells=frozenset({(i, j)})),
                Shown(term, np.outer(a[r], dz[r]), "term", focus=(i, j)),
            ],
            notes=notes,
            remark=remark,
        )

    def _grad_b(self, step: Step) -> _Parts:
        l, j = self._where(step)
        r, mats, k = self.row(step), self.mats, l + 1
        dz, db = mats.dz[k], mats.db[l]
        assert dz is not None
        return _Parts(
            (f"db{k} = dZ{k}.sum(axis=0, keepdims=True) / m",),
            f"{shape_text(dz)} summed over rows / {mats.m} → {shape_text(db)}",
            (f"dZ{k}[{r}, {j}]",),
            [
                Shown(f"dZ{k}", dz, rows=frozenset({r}), focus=(r, j)),
                Shown(f"db{k}", db, "result", cells=frozenset({(0, j)})),
            ],
            notes=self.m,
            remark=f"row {r}'s term of db{k}[0, {j}] = dZ{k}[:, {j}].sum() / m (a bias's input is 1, so ∂L/∂b = δ)",
        )

    def _grad_a(self, step: Step) -> _Parts:
        k, i = self._where(step)  # hidden unit layer k, unit i
        r, mats = self.row(step), self.mats
        dz_above, w, da = mats.dz[k + 1], mats.weights[k], mats.da[k]
        assert dz_above is not None and da is not None
        return _Parts(
            (f"dA{k} = dZ{k + 1} @ W{k + 1}.T",),
            f"{shape_text(dz_above)} @ {shape_text(w.T)} → {shape_text(da)}",
            (f"dA{k}[{r}, {i}] = dZ{k + 1}[{r}] @ W{k + 1}.T[:, {i}]",),
            [
                Shown(f"dZ{k + 1}", dz_above, rows=frozenset({r})),
                Shown(f"W{k + 1}.T", w.T, columns=frozenset({i})),
                Shown(f"dA{k}", da, "result", rows=frozenset({r}), focus=(r, i)),
            ],
        )

    # --- update ----------------------------------------------------------------------

    def _update(self, step: Step, bias: bool) -> _Parts:
        l, j = self._where(step)
        i = 0 if bias else self._source(step)
        net, p = self.net, self.p
        grad = self.mats.flat_gradient(net)
        new_params, new_state = updated(net, net.params, grad, p.state, p.optimizer, p.lr)

        def part(params: np.ndarray) -> np.ndarray:
            return net.biases(l, params).reshape(1, -1) if bias else net.weights(l, params)

        name = f"b{l + 1}" if bias else f"W{l + 1}"
        g, cells, at = f"d{name}", frozenset({(i, j)}), f"[{i}, {j}]"
        shown = [Shown(name, part(net.params), cells=cells), Shown(g, part(grad), cells=cells)]
        shape = shape_text(shown[0].values)
        rule = OPTIMIZER_KINDS[p.optimizer]
        mom, sq = f"M_{name}", f"S_{name}"
        if rule.keeps_first:
            shown.append(Shown(f"{mom} (new)", part(new_state.first), "result", cells=cells))
        if rule.keeps_second:
            shown.append(Shown(f"{sq} (new)", part(new_state.second), "result", cells=cells))
        return _Parts(
            rule.numpy(name, g, mom, sq, ""),
            rule.numpy_shapes(shape),
            rule.numpy(name, g, mom, sq, at),
            [*shown, Shown(f"{name} (new)", part(new_params), "result", focus=(i, j))],
            notes=f"lr = {p.lr:g}{rule.numpy_constants(new_state.t)}"
            + (f"; {g} includes lam * {name}" if net.l2 and not bias else ""),
        )

    def _update_w(self, step: Step) -> _Parts:
        return self._update(step, bias=False)

    def _update_b(self, step: Step) -> _Parts:
        return self._update(step, bias=True)


@dataclass(frozen=True, eq=False)  # compared by identity: it holds arrays
class MatrixPosition:
    """What the matrix view needs of a stepper's position, copied so it can be drawn later.

    `net` holds the pass's start parameters (the walk's forward, backward and update all start
    from them); `x`, `y` are the pass's batch, rows in the order the walk takes them.
    """

    net: Network
    data_name: str
    batch: tuple[int, ...]
    x: np.ndarray
    y: np.ndarray
    state: OptimizerState
    optimizer: str
    lr: float
    epoch: int
    step: Step | None
    applied: bool
    digits: int = 4  # decimals the session prints numbers with
    l2: float = 0.0  # λ of the L2 penalty (the PyTorch lens writes it as the optimizer's weight_decay)
    masks: tuple[np.ndarray, ...] = ()  # dropout's mask/(1 − p) per hidden layer for the batch's rows; () without

    @cached_property
    def matrices(self) -> BatchMatrices:
        return batch_matrices(self.net, self.net.params, self.x, self.y, list(self.masks) if self.masks else None)

    @cached_property
    def frame(self) -> MatrixFrame:
        """The frame of the step at this position, worked out on first use."""
        return _Builder(self).frame()


def matrix_position(stepper: Stepper) -> MatrixPosition:
    """The step just taken and the pass it belongs to.

    At a pass's start that is the last step of the pass it completed (the update of the last
    bias), as in the log; where the pass was reached otherwise (the very start, a jump, a pin or
    an edit), the next step, not yet taken (`applied` False).
    """
    p, position = stepper.current, stepper.position
    if position == 0 and p.previous is not None and p.arrival is None:
        before, last = p.previous
        p, position = before, last + 1
    step, applied = (stepper.record(p, position - 1), True) if position else (stepper.record(p, 0), False)
    net = stepper.net
    start = net.like(p.start_params.copy())
    data: Dataset = stepper.data
    rows = np.array(p.samples, dtype=np.intp)
    return MatrixPosition(
        net=start,
        data_name=data.name,
        batch=tuple(p.samples),
        x=data.x[rows],
        y=data.y[rows],
        state=p.start_state.copy(),
        optimizer=stepper.optimizer,
        lr=p.lr,
        epoch=p.epoch,
        step=step,
        applied=applied,
        digits=stepper.fmt.digits,
        l2=float(getattr(net, "l2", 0.0)),  # the L2 stream's Network.l2, where it exists
        masks=tuple(stepper.pass_masks(p) or ()),
    )
