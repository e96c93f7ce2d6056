"""The loss landscape: the batch loss over a grid of two parameters, or of a plane in weight space.

Li et al. (2018), "Visualizing the Loss Landscape of Neural Nets": paint the loss over a 2-D
slice of weight space around the current weights, and draw the training path projected on it —
on the slice of two chosen coordinates, or on the plane of the path's top two principal
directions (PCA of the past weight vectors minus the current one).

Every grid value is the loss a plain forward pass gives with those parameters (the L2 term
included, dropout off: the network in evaluation). The whole grid is one vectorised pass. A
slice moves two parameters, so what every grid point shares is worked out once per grid (the
layers below the first that moves, and each layer's dot products with its inputs that do not
move); per grid point only the moving terms are added: a·w for each moving weight, the units
whose weights moved, and from the layer above them every unit, which those units feed. A plane
moves every parameter: each grid point's forward pass is a stack of small matrix products.
Spiral 2-16-8-1, 64×40 grid, one core: a slice of two first-layer weights 33 ms, the plane 75 ms
(python -m benchmarks.landscape).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from tui_nn.engine.nn import optimizers
from tui_nn.engine.nn.activations import Activation
from tui_nn.engine.nn.insight import Axes, Extent, ticks
from tui_nn.engine.nn.losses import Loss
from tui_nn.engine.nn.network import Network
from tui_nn.engine.nn.optimizers import OptimizerState
from tui_nn.engine.walk.notation import parameter_label, parameter_names

Mode = Literal["slice", "pca"]
MODES: tuple[Mode, ...] = ("slice", "pca")
MAX_GRID = 401  # points along one axis: 401² forward passes of a spiral net is already seconds
# Floats of one layer's grid-sized array at a time: small enough to stay in cache, and to keep a chunk's
# matrix products on the calling thread (OpenBLAS spreads larger ones over threads, which on a busy 2-core
# machine spend many times the CPU waiting: the spiral slice took 33 ms at 2¹⁷, 200 ms at 2¹⁹).
CHUNK_ELEMENTS = 1 << 17
LOG_RANGE = 100.0  # a loss range wider than this factor is painted on a log scale
DEFAULT_SPAN = 1.0  # ± around the centre when neither the path nor the next step asks for more
MARGIN = 1.15  # the grid reaches this far beyond the path's and the step's farthest point
FEW_MOVES = 4  # moving parameters up to which each one's term is added per grid point (a slice moves two); beyond,
# each grid point's own forward pass costs less than a grid-sized pass per moving parameter
MIN_PCA_POINTS = 3  # recorded weight vectors a principal plane needs (two differences from the last)


def loss_object(net: Network) -> Loss:
    """The network's loss object (the one place this module looks it up): its (loss, output) pair."""
    return net.loss_kind


def _weight_mask(net: Network) -> np.ndarray:
    """1 at every weight, 0 at every bias: the L2 term's Σw² runs over the weights only."""
    mask = np.zeros(net.n_params)
    for l in range(net.n_layers):
        net.weights(l, mask)[...] = 1.0
    return mask


@dataclass(frozen=True, eq=False)  # compared by identity: it holds arrays
class _LayerPlan:
    """What one layer computes over a grid whose rows differ only at a few parameters, worked out once
    for the whole grid: everything that is the same at every grid point is done here, and a chunk of
    grid points only adds the terms that move.

    A layer's z is the plain dot product of its inputs with `fixed` (its block with every moving entry
    zeroed), plus per grid point a·w for each moving weight w at (row, column) in `moves` (a the input
    it multiplies, 1 for a bias). Where its inputs differ per grid point (`varying_inputs`; None: all
    of them), their products with `fixed` are added per grid point too; the rest is `shared_z`,
    computed once. No difference of two nearby numbers is formed, so each value is a forward pass's
    own sum, in another order."""

    kind: Activation
    fixed: np.ndarray
    moves: tuple[tuple[int, int], ...]
    varying_inputs: np.ndarray | None
    inputs: np.ndarray  # N × n: the inputs shared by every grid point (read only outside varying_inputs)
    shared_z: np.ndarray  # N × m: z from the shared inputs and the fixed entries
    shared_by_unit: np.ndarray  # m × N: the same, unit-major and contiguous (broadcast over a chunk's grid points)
    columns: np.ndarray | None  # the units whose z differs per grid point (None: all of them)


def _moves(changed_block: np.ndarray) -> tuple[tuple[int, int], ...]:
    """The (row, column) of each parameter of a layer's block (weights, then the bias row) that varies."""
    return tuple((int(r), int(c)) for r, c in zip(*np.nonzero(changed_block), strict=True))


def _plans(net: Network, x: np.ndarray, base: np.ndarray, changed: np.ndarray) -> list[_LayerPlan]:
    """Each layer's plan for grid rows equal to `base` except where `changed`."""
    plans = []
    inputs = np.asarray(x, dtype=np.float64)
    varying: np.ndarray | None = np.zeros(0, int)  # the units of the layer below that differ per grid point
    for l in range(net.n_layers):
        rows, cols = net.shapes[l]
        start = net.offsets[l]
        moves = _moves(changed[start : start + rows * cols].reshape(rows, cols))
        fixed = net.block(l, base).copy()
        for r, c in moves:
            fixed[r, c] = 0.0  # its term is added per grid point
        if varying is None:
            shared_z, columns = np.zeros((inputs.shape[0], cols)), None  # nothing of this layer is shared any more
        else:
            still = np.ones(rows - 1, bool)
            still[varying] = False
            shared_z = inputs[:, still] @ fixed[:-1][still] + fixed[-1]
            columns = None if varying.size else np.unique(np.array([c for _, c in moves], int))
        kind = net.activation(l)
        by_unit = np.ascontiguousarray(shared_z.T)
        plans.append(_LayerPlan(kind, fixed, moves, varying, inputs, shared_z, by_unit, columns))
        inputs, varying = np.asarray(kind.vector(shared_z)), columns
    return plans


def _chunk_z(plan: _LayerPlan, below: np.ndarray | None, blocks: np.ndarray) -> np.ndarray | None:
    """The z that differs per grid point, unit-major (len(columns) × G × N, all m units when columns
    is None), from the layer below's varying activations `below` (unit-major likewise); None when
    no unit of this layer differs."""
    g, n = blocks.shape[0], plan.inputs.shape[0]
    fixed = plan.fixed
    if plan.varying_inputs is None:  # every input differs per grid point
        assert below is not None
        z = (fixed[:-1].T @ below.reshape(below.shape[0], -1)).reshape(-1, g, n)
        z += fixed[-1][:, None, None]
    elif plan.varying_inputs.size:
        assert below is not None
        z = (fixed[plan.varying_inputs].T @ below.reshape(below.shape[0], -1)).reshape(-1, g, n)
        z += plan.shared_by_unit[:, None, :]
    else:
        assert plan.columns is not None
        if not plan.columns.size:
            return None
        z = np.empty((plan.columns.size, g, n))
        z[...] = plan.shared_by_unit[plan.columns, None, :]
    bias_row = fixed.shape[0] - 1
    for r, c in plan.moves:
        place = c if plan.columns is None else int(np.flatnonzero(plan.columns == c)[0])
        value = blocks[:, r, c][:, None]
        z[place] += value if r == bias_row else _input(plan, below, r) * value
    return np.asarray(z)


def _input(plan: _LayerPlan, below: np.ndarray | None, k: int) -> np.ndarray:
    """Input k at every grid point (G × N), or its shared N values when it does not differ."""
    if plan.varying_inputs is None:
        assert below is not None
        return np.asarray(below[k])
    place = np.flatnonzero(plan.varying_inputs == k)
    if place.size:
        assert below is not None
        return np.asarray(below[place[0]])
    return np.asarray(plan.inputs[:, k])


def _chunk_logits(net: Network, plans: list[_LayerPlan], grid_params: np.ndarray) -> np.ndarray:
    """The output z (G × N × K) at each row of grid_params, a chunk of the grid the plans are for."""
    g = grid_params.shape[0]
    below: np.ndarray | None = None
    for l, plan in enumerate(plans[:-1]):
        rows, cols = net.shapes[l]
        blocks = grid_params[:, net.offsets[l] : net.offsets[l] + rows * cols].reshape(g, rows, cols)
        z = _chunk_z(plan, below, blocks)
        below = None if z is None else np.asarray(plan.kind.vector(z))  # hidden activations are elementwise
    plan = plans[-1]
    rows, cols = net.shapes[-1]
    z = _chunk_z(plan, below, grid_params[:, net.offsets[-1] :].reshape(g, rows, cols))
    if z is not None and plan.columns is None:
        return np.moveaxis(z, 0, -1)
    full = np.empty((cols, g, plan.shared_z.shape[0]))
    full[...] = plan.shared_by_unit[:, None, :]
    if z is not None:
        assert plan.columns is not None
        full[plan.columns] = z
    return np.moveaxis(full, 0, -1)


def _data_losses(net: Network, zs: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Each grid point's batch loss without the L2 term, from its output logits (G × N × K): the loss
    object's per-element loss from (z, y) (`robust_samples`: never overflowing, and for BCE a sum of
    non-negative terms, so as exact as the term-by-term `samples`), which needs no pass for ŷ and one
    softplus per element where `samples` takes two: on millions of elements, the larger part of a grid's cost.

    The logits are laid out unit-major in memory (a G × N × K view of K × G × N): a softmax's max and
    sum over K then run as K passes over long rows, not as a reduction per row of K (2.7× faster at K = 3)."""
    if zs.shape[-1] > 1 and zs.strides[-1] == zs.itemsize:
        zs = np.moveaxis(np.ascontiguousarray(np.moveaxis(zs, -1, 0)), 0, -1)
    samples = loss_object(net).robust_samples(zs, y)
    return np.asarray(samples.sum(axis=(1, 2)) / zs.shape[1])


def _with_l2(net: Network, losses: np.ndarray, grid_params: np.ndarray) -> np.ndarray:
    """The losses with each grid point's L2 term (λ/2)·Σw² added (nothing without weight decay)."""
    if not net.l2:
        return losses
    squares = (grid_params * grid_params) @ _weight_mask(net)
    return np.asarray(losses + 0.5 * net.l2 * squares)


def _widest_per_point(net: Network, changed: np.ndarray) -> int:
    """The most floats one grid point holds in any layer's per-point array: the changed columns of
    the first layer that varies, then every layer above it whole."""
    for l in range(net.n_layers):
        rows, cols = net.shapes[l]
        start = net.offsets[l]
        columns = int(changed[start : start + rows * cols].reshape(rows, cols).any(axis=0).sum())
        if columns:
            return max([columns, *net.sizes[l + 2 :]])
    return net.sizes[-1]


def grid_losses(net: Network, x: np.ndarray, y: np.ndarray, grid_params: np.ndarray) -> np.ndarray:
    """The batch loss (L2 term included) at each row of grid_params (G × n_params), vectorised.

    The rows may differ anywhere; the fewer parameters they vary, the less is recomputed per row.
    """
    grid_params = np.asarray(grid_params, dtype=np.float64)
    if grid_params.ndim != 2 or grid_params.shape[1] != net.n_params:
        raise ValueError(f"expected G × {net.n_params} parameters, got {grid_params.shape}")
    changed = (grid_params != grid_params[:1]).any(axis=0)
    if np.count_nonzero(changed) > FEW_MOVES:
        return _every_point_losses(net, x, y, grid_params)
    per_point = max(1, x.shape[0] * _widest_per_point(net, changed))
    chunk = max(1, CHUNK_ELEMENTS // per_point)
    out = np.empty(grid_params.shape[0])
    with np.errstate(all="ignore"):
        plans = _plans(net, x, grid_params[0], changed)
        for start in range(0, grid_params.shape[0], chunk):
            zs = _chunk_logits(net, plans, grid_params[start : start + chunk])
            out[start : start + chunk] = _data_losses(net, zs, y)
        return _with_l2(net, out, grid_params)


def axis_values(centre: float, span: float, count: int) -> np.ndarray:
    """`count` evenly spaced values over centre ± span; with an odd count the middle one is the centre itself."""
    offsets = np.linspace(-1.0, 1.0, count)
    if count % 2:
        offsets[count // 2] = 0.0  # linspace's middle value may miss 0 by an ulp
    values = centre + span * offsets
    if count % 2:
        values[count // 2] = centre
    return np.asarray(values)


def slice_losses(
    net: Network, x: np.ndarray, y: np.ndarray, params: np.ndarray, pair: tuple[int, int], xs: np.ndarray, ys: np.ndarray
) -> np.ndarray:
    """loss[i, j]: the batch loss with parameter pair[0] = xs[j] and pair[1] = ys[i], the others at `params`."""
    a, b = pair
    grid = np.tile(np.asarray(params, dtype=np.float64), (len(ys) * len(xs), 1))
    grid[:, a] = np.tile(xs, len(ys))
    grid[:, b] = np.repeat(ys, len(xs))
    return grid_losses(net, x, y, grid).reshape(len(ys), len(xs))


def plane_losses(
    net: Network,
    x: np.ndarray,
    y: np.ndarray,
    centre: np.ndarray,
    directions: tuple[np.ndarray, np.ndarray],
    alphas: np.ndarray,
    betas: np.ndarray,
) -> np.ndarray:
    """loss[i, j]: the batch loss at centre + alphas[j]·d₁ + betas[i]·d₂."""
    d1, d2 = directions
    coefficient_a = np.tile(np.asarray(alphas, dtype=np.float64), len(betas))
    coefficient_b = np.repeat(np.asarray(betas, dtype=np.float64), len(alphas))
    grid = centre[None, :] + coefficient_a[:, None] * d1[None, :] + coefficient_b[:, None] * d2[None, :]
    return _every_point_losses(net, x, y, grid).reshape(len(betas), len(alphas))


def _every_point_losses(net: Network, x: np.ndarray, y: np.ndarray, grid_params: np.ndarray) -> np.ndarray:
    """The batch loss (L2 term included) at each row of grid_params, each row's own forward pass."""
    per_point = max(1, x.shape[0] * max(net.sizes[1:]))
    chunk = max(1, CHUNK_ELEMENTS // per_point)
    out = np.empty(grid_params.shape[0])
    with np.errstate(all="ignore"):
        for start in range(0, grid_params.shape[0], chunk):
            part = slice(start, start + chunk)
            out[part] = _data_losses(net, _every_point_logits(net, x, grid_params[part]), y)
        return _with_l2(net, out, grid_params)


def _every_point_logits(net: Network, x: np.ndarray, grid_params: np.ndarray) -> np.ndarray:
    """The output z (G × N × K) at each row of grid_params, every parameter its own: each grid point's
    forward pass, as a stack of its own small matrix products [A, 1]·B (one BLAS call each, on the
    calling thread). A plane moves every parameter, so nothing is shared between grid points;
    writing each block as B₀ + a·D₁ + b·D₂ and taking three products over the whole grid did three
    times the multiplications and three grid-sized sums more, and its large products were spread
    by OpenBLAS over threads that, on a busy 2-core machine, spent many times the CPU waiting."""
    g = grid_params.shape[0]
    acts = np.asarray(x, dtype=np.float64)
    z = np.empty(0)
    for l in range(net.n_layers):
        rows, cols = net.shapes[l]
        blocks = grid_params[:, net.offsets[l] : net.offsets[l] + rows * cols].reshape(g, rows, cols)
        z = np.matmul(acts, blocks[:, :-1, :])
        z += blocks[:, None, -1, :]
        if l < net.n_layers - 1:
            acts = np.asarray(net.activation(l).vector(z))
    return z


# --- the path and its principal plane ---------------------------------------------------------


@dataclass(frozen=True, eq=False)  # compared by identity: it holds arrays
class PrincipalPlane:
    """The path's top two principal directions (orthonormal rows of `directions`) and the share of
    the path's variance about the current weights they hold."""

    directions: tuple[np.ndarray, np.ndarray]
    share: float


def principal_plane(path: np.ndarray, centre: np.ndarray) -> PrincipalPlane | None:
    """Li et al.'s plane: the top two right singular vectors of (path − centre); None when the path
    does not span a plane (fewer than two independent moves)."""
    offsets = np.asarray(path, dtype=np.float64) - centre[None, :]
    if offsets.shape[0] < MIN_PCA_POINTS - 1 or not np.all(np.isfinite(offsets)):
        return None
    _, singular, vt = np.linalg.svd(offsets, full_matrices=False)
    if singular.size < 2 or singular[1] <= singular[0] * 1e-12:
        return None
    total = float(np.sum(singular**2))
    return PrincipalPlane((vt[0].copy(), vt[1].copy()), float((singular[0] ** 2 + singular[1] ** 2) / total))


def largest_gradients(gradient: np.ndarray) -> tuple[int, int]:
    """The two parameters with the largest |∂L/∂θ| (ties to the first in the flat vector)."""
    order = np.argsort(-np.abs(np.nan_to_num(gradient, nan=0.0)), kind="stable")
    return int(order[0]), int(order[1])


def chosen_pair(picks: Sequence[int], gradient: np.ndarray) -> tuple[int, int]:
    """The two parameters the slice shows: the picks, filled up with the largest other |gradient|."""
    if len(picks) >= 2:
        return int(picks[-2]), int(picks[-1])
    if len(picks) == 1:
        others = np.abs(np.nan_to_num(gradient, nan=0.0))
        others[picks[0]] = -1.0
        return int(picks[0]), int(np.argmax(others))
    return largest_gradients(gradient)


def next_step(optimizer: str, lr: float, params: np.ndarray, gradient: np.ndarray, state: OptimizerState) -> np.ndarray:
    """Δθ of the next update from this gradient, as the optimizer takes it (its moments included),
    on copies: neither the state nor the parameters change."""
    after = np.array(params, dtype=np.float64)
    optimizers.apply(optimizer, lr, after, np.array(gradient, dtype=np.float64), state.copy(), np.empty_like(after))
    return np.asarray(after - params)


# --- the record a pane draws ------------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # compared by identity: it holds arrays
class LandscapeFrame:
    """The loss around the current weights at a pane's resolution.

    `loss[i, j]` is the batch loss at (x[j], y[i]); y ascends with i (row 0 is the bottom of the
    plot: `rows_top_down` flips it for a renderer that draws row 0 at the top). In "slice" mode
    x and y are the values of the two parameters `x_name` and `y_name`; in "pca" mode they are the
    coefficients α, β along the path's two principal directions (`x_name` "PC1", `y_name` "PC2").
    `current` is the current weights' point, `downhill` the −gradient (−∂L/∂x, −∂L/∂y) there,
    `step` the next update's move in these coordinates, `path` the run's recorded weights
    projected (one row per recorded epoch in `path_epochs`, oldest first).
    """

    mode: Mode
    x_name: str
    y_name: str
    x: np.ndarray
    y: np.ndarray
    loss: np.ndarray
    low: float  # the smallest and largest finite loss on the grid
    high: float
    log_scale: bool
    current: tuple[float, float]
    current_loss: float
    gradient: tuple[float, float]
    downhill: tuple[float, float]
    step: tuple[float, float]
    path: np.ndarray  # P × 2
    path_epochs: tuple[int, ...]
    axes: Axes
    variance_share: float | None = None  # pca: the share of the path's variance the plane holds
    words: tuple[str, ...] = ()
    pair: tuple[int, int] | None = None  # slice: the two parameters' flat indices
    next_loss: float = float("nan")  # the loss after the next update (every parameter moved, as the optimizer will)
    log_names: tuple[str, str] | None = None  # slice: the two parameters as the diagram and the log name them (v1, b_out)

    @property
    def rows_top_down(self) -> np.ndarray:
        return np.asarray(self.loss[::-1])

    def _scaled(self, values: np.ndarray) -> np.ndarray:
        """Values on the legend's scale: log₁₀ of the loss when the scale is log (0 and below: the floor)."""
        if not self.log_scale:
            return np.asarray(values, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            floor = self._log_floor
            return np.asarray(np.log10(np.maximum(values, floor)))

    @property
    def _log_floor(self) -> float:
        finite = self.loss[np.isfinite(self.loss) & (self.loss > 0)]
        return float(finite.min()) if finite.size else 1.0

    def shade(self) -> np.ndarray:
        """Each grid value's place between the lowest (0) and highest (1) loss on the legend's scale
        (log when `log_scale`), for a heat map: NaN where the loss is not finite."""
        low, high = self._scaled(np.array([self.low, self.high]))
        with np.errstate(all="ignore"):
            placed = (self._scaled(self.loss) - low) / (high - low) if high > low else np.zeros_like(self.loss)
        return np.asarray(np.where(np.isfinite(self.loss), np.clip(placed, 0.0, 1.0), np.nan))

    def levels(self, count: int) -> tuple[float, ...]:
        """`count` contour levels evenly spaced on the legend's scale, strictly between the lowest and highest loss."""
        if not (np.isfinite(self.low) and np.isfinite(self.high)) or self.high <= self.low or count < 1:
            return ()
        low, high = self._scaled(np.array([self.low, self.high]))
        steps = low + (high - low) * np.arange(1, count + 1) / (count + 1)
        return tuple(float(v) for v in (10.0**steps if self.log_scale else steps))

    def legend_ticks(self, most: int) -> tuple[float, ...]:
        """Round losses for the legend within [low, high]: 1, 2 or 5 × 10ᵏ apart, or powers of ten on a log scale."""
        if not (np.isfinite(self.low) and np.isfinite(self.high)) or self.high <= self.low:
            return ()
        if not self.log_scale:
            return tuple(ticks(self.low, self.high, most))
        low, high = self._scaled(np.array([self.low, self.high]))
        powers = [float(p) for p in ticks(float(low), float(high), most) if float(p).is_integer()]
        return tuple(10.0**p for p in powers)


@dataclass(frozen=True, eq=False)  # compared by identity: it holds arrays
class LandscapeRequest:
    """What the View needs to paint a landscape: the controller's choices and the run so far."""

    shown: bool = False  # the learner asked for the landscape (a pane may still paint it when asked)
    mode: Mode = "slice"
    picks: tuple[int, ...] = ()  # chosen parameters (at most two); the rest of the pair: the largest |gradient|
    path: tuple[tuple[int, np.ndarray], ...] = ()  # (epoch, params), oldest first
    optimizer: str = "sgd"
    lr: float = 1.0
    state: OptimizerState | None = None
    batched: bool = False  # the run uses mini-batches: the next step drawn is the full batch's


def spans(centre: np.ndarray, reach: Sequence[np.ndarray]) -> np.ndarray:
    """± per axis: DEFAULT_SPAN, or far enough to show every point in `reach` (path, step) with a margin."""
    span = np.full(centre.shape, DEFAULT_SPAN)
    for points in reach:
        points = np.asarray(points, dtype=np.float64).reshape(-1, centre.size)
        finite = points[np.all(np.isfinite(points), axis=1)]
        if finite.size:
            span = np.maximum(span, MARGIN * np.max(np.abs(finite - centre[None, :]), axis=0))
    return np.asarray(span)


def loss_scale(loss: np.ndarray) -> tuple[float, float, bool]:
    """(low, high, log): the finite range, on a log scale when it spans more than LOG_RANGE."""
    finite = loss[np.isfinite(loss)]
    if not finite.size:
        return float("nan"), float("nan"), False
    low, high = float(finite.min()), float(finite.max())
    positive = finite[finite > 0]
    log = bool(positive.size and high / float(positive.min()) > LOG_RANGE)
    return low, high, log


def share_text(share: float) -> str:
    """A share as a percentage that never rounds a part up to the whole: 99.97 %, not 100.0 %."""
    percent = 100.0 * share
    digits = 1
    while digits < 6 and percent < 100.0 and float(f"{percent:.{digits}f}") >= 100.0:
        digits += 1
    return f"{percent:.{digits}f} %"


def parameter_name(net: Network, index: int) -> str:
    """How `explain` and the inspector name a parameter in the file formats' form (W1[0,1], b2[0])."""
    for name, k in parameter_names(net).items():
        if k == index and "[" in name:
            return name
    return parameter_label(net, index)


def axis_names(net: Network, pair: tuple[int, int]) -> tuple[tuple[str, str], tuple[str, str]]:
    """Two parameters' names in the file form (W2[0,0], as parameter_name) and as the diagram and the log write
    them (v1, b_out; "" where there is none), read from one pass over the name table (a frame asks every paint)."""
    file_names, log_names = ["", ""], ["", ""]
    for name, k in parameter_names(net).items():
        for side, index in enumerate(pair):
            named = file_names if "[" in name else log_names
            if k == index and not named[side]:  # the table's first name of each form, as explain writes it
                named[side] = name
    for side, index in enumerate(pair):
        file_names[side] = file_names[side] or parameter_label(net, index)
    return (file_names[0], file_names[1]), (log_names[0], log_names[1])


def landscape_frame(
    net: Network,
    x: np.ndarray,
    y: np.ndarray,
    params: np.ndarray,
    request: LandscapeRequest,
    columns: int,
    pixel_rows: int,
    dropout: float = 0.0,
    least_span: np.ndarray | None = None,
) -> LandscapeFrame:
    """The landscape at `params` for a columns × pixel_rows pane (odd counts put the centre on a pixel).
    `least_span`: the least ± of a slice's two axes (a race's map, wide enough for every entrant's path)."""
    with np.errstate(all="ignore"):  # a diverged network paints NaN and says so; it never warns or raises
        return _landscape_frame(net, x, y, params, request, columns, pixel_rows, dropout, least_span)


def _landscape_frame(
    net: Network,
    x: np.ndarray,
    y: np.ndarray,
    params: np.ndarray,
    request: LandscapeRequest,
    columns: int,
    pixel_rows: int,
    dropout: float,
    least_span: np.ndarray | None,
) -> LandscapeFrame:
    columns, pixel_rows = max(2, min(columns, MAX_GRID)), max(2, min(pixel_rows, MAX_GRID))
    params = np.asarray(params, dtype=np.float64)
    with np.errstate(all="ignore"):
        current_loss, gradient, _, _ = net.loss_and_gradient(x, y, params)
    state = request.state if request.state is not None else optimizers.new_state(request.optimizer, net.n_params)
    move = next_step(request.optimizer, request.lr, params, gradient, state)
    with np.errstate(all="ignore"):
        next_loss = net.loss_value(x, y, params + move)
    words: list[str] = []
    if not np.all(np.isfinite(params)):
        words.append("the weights are not finite (training diverged): there is no landscape to paint here")
    if np.isfinite(next_loss) and np.isfinite(current_loss) and next_loss > current_loss:
        words.append(f"the next step goes uphill: the loss rises from {current_loss:.4g} to {next_loss:.4g} (η = {request.lr:g})")
    if net.l2:
        words.append(f"L2 included: the loss painted adds (λ/2)·Σw², λ = {net.l2:g}")
    if dropout:
        words.append(
            f"dropout off while painting (p = {dropout:g} in training): the loss in evaluation, the step without the masks"
        )
    if request.batched:
        words.append("the step drawn is the whole batch's; each mini-batch's differs")
    recorded = np.array([p for _, p in request.path]).reshape(-1, net.n_params)
    epochs = tuple(e for e, _ in request.path)
    plane = principal_plane(recorded, params) if request.mode == "pca" else None
    if request.mode == "pca" and plane is None:
        words.append(
            f"no principal plane yet: it needs a finite path of {MIN_PCA_POINTS} epochs or more in different directions; a slice instead"
        )
    if plane is not None:
        d1, d2 = plane.directions
        basis = np.stack([d1, d2])
        centre2 = np.zeros(2)
        path2 = (recorded - params[None, :]) @ basis.T
        grad2 = basis @ gradient
        step2 = basis @ move
        reach = spans(centre2, [path2, step2[None, :]])
        xs, ys = axis_values(0.0, float(reach[0]), columns), axis_values(0.0, float(reach[1]), pixel_rows)
        loss = plane_losses(net, x, y, params, (d1, d2), xs, ys)
        names, log_names = ("PC1", "PC2"), None
        words.append(f"the plane of the path's top two principal directions: {share_text(plane.share)} of its variance")
        pair = None
        current = (0.0, 0.0)
        mode: Mode = "pca"
    else:
        pair = chosen_pair(request.picks, gradient)
        a, b = pair
        centre2 = params[[a, b]]
        path2 = recorded[:, [a, b]] if recorded.size else np.zeros((0, 2))
        grad2 = gradient[[a, b]]
        step2 = move[[a, b]]
        reach = spans(centre2, [path2, (centre2 + step2)[None, :]])
        if least_span is not None:
            reach = np.maximum(reach, least_span)
        xs = axis_values(float(centre2[0]), float(reach[0]), columns)
        ys = axis_values(float(centre2[1]), float(reach[1]), pixel_rows)
        loss = slice_losses(net, x, y, params, (a, b), xs, ys)
        names, log_names = axis_names(net, (a, b))
        current = (float(centre2[0]), float(centre2[1]))
        mode = "slice"
        if len(path2) > 1:
            words.append(
                "the path: the past weights' two coordinates (their other weights differed: the surface under them did too)"
            )
    low, high, log = loss_scale(loss)
    extent = Extent(float(xs[0]), float(xs[-1]), float(ys[0]), float(ys[-1]))
    return LandscapeFrame(
        mode=mode,
        x_name=names[0],
        y_name=names[1],
        x=xs,
        y=ys,
        loss=loss,
        low=low,
        high=high,
        log_scale=log,
        current=current,
        current_loss=float(current_loss),
        gradient=(float(grad2[0]), float(grad2[1])),
        downhill=(float(-grad2[0]), float(-grad2[1])),
        step=(float(step2[0]), float(step2[1])),
        path=np.asarray(path2, dtype=np.float64).reshape(-1, 2),
        path_epochs=epochs,
        axes=Axes(
            extent,
            tuple(ticks(extent.x_min, extent.x_max, max(columns // 8, 2))),
            tuple(ticks(extent.y_min, extent.y_max, max(pixel_rows // 6, 2))),
        ),
        variance_share=None if plane is None else plane.share,
        words=tuple(words),
        pair=pair,
        next_loss=float(next_loss),
        log_names=log_names,
    )
