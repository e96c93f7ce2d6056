"""Gradient health per layer and the hidden activation's curves: the tutorials' debugging lore in numbers.

Per weight layer: ‖∂L/∂W‖ and ‖∂L/∂b‖ (Frobenius norms of the batch-mean gradient), the mean
slope g'(z) its units pass back, and the fraction of its units that pass (almost) no gradient
on any sample, saturated sigmoids and tanhs or dead ReLUs (as `diagnostics.unit_states` decides).
Backpropagation multiplies δ by g'(z) once per layer, so with sigmoid units (σ' ≤ 0.25) the first
layer's norm in a deep net lies orders of magnitude below the last's: the vanishing gradient.

The curves are g(z) and g'(z) over the range of z the hidden units actually see on the batch,
with each unit's z on each sample, so a learner sees where on the curve every unit sits.

Under dropout the norms are the training pass's, with the masks the update uses (a dropped unit passes
no gradient back, a kept one ×1/(1 − p)): those are the gradients that vanish or explode as training
takes them. The slopes g'(z) are at the training pass's z, from g(z) itself, not from the scaled h̃.

Everything is computed from a network and a batch by the engine's vectorised pass
(`Network.loss_and_gradient`, `Network.forward`): from a View's copy (`View.net`, `View.data`) it
can be drawn live during training.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tui_nn.engine.live.diagnostics import SATURATED, unit_states
from tui_nn.engine.nn.activations import ACTIVATIONS, Activation
from tui_nn.engine.nn.network import Network

CURVE_POINTS = 257  # samples of g and g' when the caller does not say how many
MARGIN = 0.05  # of the z range, added on each side so the extreme points are not on the frame


@dataclass(frozen=True)
class LayerHealth:
    """One weight layer: W{layer} maps `fan_in` units to `units` units with `activation`.

    `mean_slope` is the mean of g'(Z) over the batch and the units (None for the output layer,
    whose δ the loss gives directly); `saturated` and `dead` are fractions of the units, None
    where the activation cannot be in that state (a ReLU does not saturate, a sigmoid does not die).
    """

    layer: int
    fan_in: int
    units: int
    activation: str
    weight_norm: float
    grad_w: float
    grad_b: float
    mean_slope: float | None
    saturated: float | None
    dead: float | None

    @property
    def operation(self) -> Activation:
        """The layer's activation as its one definition (its name, whether it saturates, its slope bound)."""
        return ACTIVATIONS[self.activation]

    @property
    def saturated_units(self) -> int | None:
        return None if self.saturated is None else round(self.saturated * self.units)

    @property
    def dead_units(self) -> int | None:
        return None if self.dead is None else round(self.dead * self.units)


@dataclass(frozen=True)
class GradientHealth:
    layers: tuple[LayerHealth, ...]
    loss: float
    samples: int
    dropout: float = 0.0
    """p of the dropout masks the gradients were taken with (the training pass's); 0: none, every unit kept."""
    mask_epoch: int | None = None
    """The epoch whose first update's masks were used (None without dropout)."""

    @property
    def finite(self) -> bool:
        return bool(np.isfinite(self.loss)) and all(np.isfinite([h.grad_w, h.grad_b]).all() for h in self.layers)

    @property
    def first_to_last(self) -> float | None:
        """‖∂L/∂W‖ of the first layer over that of the last (tiny: the gradient vanishes on its way
        down; huge: it explodes); None for a single layer or a zero last-layer gradient."""
        if len(self.layers) < 2 or not self.layers[-1].grad_w:
            return None
        return self.layers[0].grad_w / self.layers[-1].grad_w

    @property
    def decades(self) -> tuple[int, int]:
        """The powers of ten (low, high) that hold every positive finite ‖∂L/∂W‖ and ‖∂L/∂b‖, at least
        one decade apart: the range of a log-scale bar chart of the norms."""
        norms = [h.grad_w for h in self.layers] + [h.grad_b for h in self.layers]
        positive = [v for v in norms if math.isfinite(v) and v > 0]
        low = math.floor(math.log10(min(positive))) if positive else -1
        high = math.ceil(math.log10(max(positive))) if positive else 0
        return low, max(high, low + 1)


def gradient_health(
    net: Network,
    x: np.ndarray,
    y: np.ndarray,
    params: np.ndarray | None = None,
    masks: list[np.ndarray] | None = None,
    mask_epoch: int | None = None,
) -> GradientHealth:
    """Per layer: ‖∂L/∂W‖_F, ‖∂L/∂b‖, ‖W‖_F, mean g'(Z), and the saturated / dead fractions, on batch (x, y);
    with dropout `masks` (mask/(1 − p) per hidden layer, rows × units: those of epoch `mask_epoch`'s update),
    of the training pass."""
    with np.errstate(all="ignore"):
        loss, grad, zs, acts = net.loss_and_gradient(x, y, params, masks)
        if masks is not None:  # acts hold h̃ = g(z)·m/(1 − p); a slope g'(z) reads g(z) itself
            acts = [acts[0], *(net.activation(l).vector(zs[l]) for l in range(net.n_layers - 1)), acts[-1]]
        states = unit_states(net, zs, acts)
        layers = []
        for l in range(net.n_layers):
            act = net.activation(l)
            hidden = l < net.n_layers - 1
            units = net.sizes[l + 1]
            in_layer = [state for (k, _), state in states.items() if k == l + 1]
            saturates, dies = act.saturates, act.dies
            layers.append(
                LayerHealth(
                    layer=l + 1,
                    fan_in=net.sizes[l],
                    units=units,
                    activation=act.name,
                    weight_norm=float(np.linalg.norm(net.weights(l, params))),
                    grad_w=float(np.linalg.norm(net.weights(l, grad))),
                    grad_b=float(np.linalg.norm(net.biases(l, grad))),
                    mean_slope=float(np.mean(act.derivative_vector(zs[l], acts[l + 1]))) if hidden else None,
                    saturated=in_layer.count("saturated") / units if hidden and saturates else None,
                    dead=in_layer.count("dead") / units if hidden and dies else None,
                )
            )
    dropout = net.dropout if masks is not None else 0.0
    return GradientHealth(tuple(layers), float(loss), int(x.shape[0]), dropout, mask_epoch if masks is not None else None)


# --- activation curves ------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # compared by identity: it holds arrays
class LayerPoints:
    """Where hidden unit layer `layer`'s units sit on the curve: m × units arrays."""

    layer: int
    z: np.ndarray
    a: np.ndarray  # g(z)
    slope: np.ndarray  # g'(z)

    @property
    def z_min(self) -> float:
        finite = self.z[np.isfinite(self.z)]
        return float(finite.min()) if finite.size else float("nan")

    @property
    def z_max(self) -> float:
        finite = self.z[np.isfinite(self.z)]
        return float(finite.max()) if finite.size else float("nan")

    @property
    def mean_slope(self) -> float:
        """The mean of g'(z) over samples and units: roughly the factor δ keeps through this layer."""
        return float(np.mean(self.slope))

    @property
    def blocked(self) -> int:
        """Units passing (almost) no gradient on any sample: g'(z) < 0.01 on every one (dead ReLUs,
        saturated sigmoids and tanhs; a leaky ReLU's 0.01 is not blocked)."""
        return int(np.count_nonzero(np.all(self.slope < SATURATED, axis=0)))


@dataclass(frozen=True, eq=False)
class ActivationCurves:
    """g and g' sampled on `z` (evenly from the range the hidden units see, 0 included), and
    every hidden unit's (z, g(z), g'(z)) on every sample of the batch, layer by layer."""

    activation: str
    z: np.ndarray
    g: np.ndarray
    slope: np.ndarray
    layers: tuple[LayerPoints, ...]

    @property
    def labels(self) -> tuple[str, str]:
        """How the two plots name g(z) and g′(z), from the activation's own definition."""
        return ACTIVATIONS[self.activation].curve_labels

    @property
    def z_range(self) -> tuple[float, float]:
        return float(self.z[0]), float(self.z[-1])

    @property
    def g_range(self) -> tuple[float, float]:
        """The values the g(z) plot spans: its curve and every unit's point, 0 included."""
        return value_range([self.g, *(p.a for p in self.layers)])

    @property
    def slope_range(self) -> tuple[float, float]:
        """The values the g′(z) plot spans: its curve and every unit's point, 0 included."""
        return value_range([self.slope, *(p.slope for p in self.layers)])

    @property
    def slope_peak(self) -> float | None:
        """The largest g′ on the sampled curve (labelled on the plot: 0.25 for σ); None if none is finite."""
        return float(np.nanmax(self.slope)) if np.isfinite(self.slope).any() else None


def value_range(values: list[np.ndarray]) -> tuple[float, float]:
    """The smallest and largest finite value with 0 inside; (0, 1) when none is finite, and one
    unit tall when all are equal."""
    finite = np.concatenate([v[np.isfinite(v)].ravel() for v in values])
    if not finite.size:
        return 0.0, 1.0
    low, high = min(float(finite.min()), 0.0), max(float(finite.max()), 0.0)
    if high - low < 1e-12:
        high = low + 1.0
    return low, high


def z_range(zs: list[np.ndarray]) -> tuple[float, float]:
    """The smallest and largest finite z, with 0 inside (where g bends or has its kink) and a
    margin; (−1, 1) when there is nothing finite to go by."""
    finite = np.concatenate([z[np.isfinite(z)] for z in zs]) if zs else np.empty(0)
    low = min(float(finite.min()), 0.0) if finite.size else -1.0
    high = max(float(finite.max()), 0.0) if finite.size else 1.0
    if high - low < 1e-9:
        low, high = low - 1.0, high + 1.0
    margin = MARGIN * (high - low)
    return low - margin, high + margin


def activation_curves(
    net: Network,
    x: np.ndarray,
    params: np.ndarray | None = None,
    points: int = CURVE_POINTS,
    masks: list[np.ndarray] | None = None,
) -> ActivationCurves | None:
    """The hidden activation's g(z) and g'(z) at `points` evenly spaced z over the range its
    units see on batch x, and each unit's z, g(z), g'(z) per sample; None without a hidden layer.
    With dropout `masks`, the z of the training pass (a layer after a dropped unit sees less), as
    `gradient_health` takes them, so the two agree."""
    if net.n_layers < 2:
        return None
    zs, acts = net.forward(x, params, masks)
    if masks is not None:  # acts hold h̃ = g(z)·m/(1 − p): a unit's point on the curve is g(z) itself
        acts = [acts[0], *(net.activation(l).vector(zs[l]) for l in range(net.n_layers - 1)), acts[-1]]
    hidden = list(range(net.n_layers - 1))
    act = net.activation(0)
    with np.errstate(all="ignore"):
        low, high = z_range([zs[l] for l in hidden])
        grid = np.linspace(low, high, max(points, 2))
        g = act.vector(grid)
        slope = act.derivative_vector(grid, g)
        layers = tuple(LayerPoints(l + 1, zs[l], acts[l + 1], act.derivative_vector(zs[l], acts[l + 1])) for l in hidden)
    return ActivationCurves(act.name, grid, g, slope, layers)
