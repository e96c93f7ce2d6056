"""Analytic gradients against central finite differences, parameter by parameter.

numerical ∂L/∂θ ≈ (L(θ+ε) − L(θ−ε)) / 2ε;  relative error = |a − n| / max(|a|, |n|, FLOOR).
Where θ±ε moves a ReLU pre-activation across 0, L has a kink between the two
points and no derivative there: such parameters are listed as kinks and left out
of the verdict instead of failing it or being hidden. Where it moves a pre-activation
of a smooth activation whose second derivative jumps at 0 (ELU), the derivative exists but
the difference is only first-order accurate, ≈ ∂L/∂θ + c·ε: the check uses
2·D(ε/2) − D(ε) there, which cancels that term.

A loss with a kink of its own (MAE's |ŷ − y|, `Loss.kinked`) is treated as a ReLU's kink is: where
θ±ε moves a sample's prediction ŷ across its target y (or ŷ sits exactly on y and moves with θ),
L(θ) has no derivative between the two points (the analytic gradient takes the subgradient 0
there), so the parameter is listed as a kink and left out of the verdict. Away from it every
sample's sign(ŷ − y) is fixed and L is as smooth as the network, so the check holds as usual.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tui_nn.engine.nn.activations import Activation
from tui_nn.engine.nn.network import Network

EPSILON = 1e-5
# Below this size a gradient is compared absolutely: the difference quotient's rounding
# noise (about 1e-16·|L|/ε ≈ 1e-11) would otherwise dominate the relative error.
FLOOR = 1e-4
TOLERANCE = 1e-6


@dataclass(frozen=True)
class ParameterCheck:
    name: str
    index: int
    analytic: float
    numerical: float
    relative_error: float
    kink: bool


@dataclass(frozen=True)
class GradCheck:
    checks: list[ParameterCheck]

    @property
    def checked(self) -> list[ParameterCheck]:
        return [c for c in self.checks if not c.kink]

    @property
    def kinks(self) -> list[ParameterCheck]:
        return [c for c in self.checks if c.kink]

    @property
    def max_relative_error(self) -> float:
        return max((c.relative_error for c in self.checked), default=0.0)

    @property
    def passed(self) -> bool:
        return self.max_relative_error < TOLERANCE


Watched = Callable[[Activation], bool]


def _kinked(act: Activation) -> bool:
    return act.kinked


def _curvature_jumps(act: Activation) -> bool:
    return act.curvature_jumps


def _kink_pattern(net: Network, x: np.ndarray, params: np.ndarray, watched: Watched = _kinked) -> list[np.ndarray]:
    zs, _ = net.forward(x, params)
    return [z > 0 for l, z in enumerate(zs) if watched(net.activation(l))]


def _difference(net: Network, x: np.ndarray, y: np.ndarray, index: int, epsilon: float) -> float:
    """(L(θ+ε) − L(θ−ε))/2ε for the one parameter `index`."""
    plus, minus = net.params.copy(), net.params.copy()
    plus[index] += epsilon
    minus[index] -= epsilon
    # The data loss and the L2 term are differenced apart: a large (λ/2)·Σw² would otherwise swamp a
    # bias's tiny change in the data loss with its own rounding (λ = 2 cost a bias 1.6e-6 of error),
    # and a bias leaves the penalty exactly unchanged, so its part is exactly 0.
    data = net.data_loss_value(x, y, plus) - net.data_loss_value(x, y, minus)
    penalty = net.l2_penalty(plus) - net.l2_penalty(minus)
    return float((data + penalty) / (2 * epsilon))


def _crosses_zero(net: Network, x: np.ndarray, index: int, epsilon: float, watched: Watched) -> bool:
    """Whether θ±ε moves a pre-activation of a watched layer across 0, or one sits at 0 and moves with θ."""
    if not any(watched(net.activation(l)) for l in range(net.n_layers)):
        return False
    base = net.params
    plus, minus = base.copy(), base.copy()
    plus[index] += epsilon
    minus[index] -= epsilon
    centre = _kink_pattern(net, x, base, watched)
    return any(
        not (np.array_equal(p, c) and np.array_equal(q, c))
        for p, q, c in zip(_kink_pattern(net, x, plus, watched), _kink_pattern(net, x, minus, watched), centre, strict=True)
    ) or _on_kink(net, x, base, index, watched)


def check_one(
    net: Network, x: np.ndarray, y: np.ndarray, index: int, analytic: float, name: str = "", epsilon: float = EPSILON
) -> ParameterCheck:
    """One parameter: (L(θ+ε) − L(θ−ε))/2ε beside the analytic gradient (extrapolated to
    2·D(ε/2) − D(ε) across a jump in g''), and whether a ReLU kink lies between θ−ε and θ+ε
    (where no derivative exists)."""
    numerical = _difference(net, x, y, index, epsilon)
    if _crosses_zero(net, x, index, epsilon, _curvature_jumps):
        numerical = 2 * _difference(net, x, y, index, epsilon / 2) - numerical
    error = abs(analytic - numerical) / max(abs(analytic), abs(numerical), FLOOR)
    kink = _crosses_zero(net, x, index, epsilon, _kinked) or _crosses_target(net, x, y, index, epsilon)
    return ParameterCheck(name, index, analytic, numerical, float(error), kink)


def check(net: Network, x: np.ndarray, y: np.ndarray, names: list[str], epsilon: float = EPSILON) -> GradCheck:
    _, analytic, _, _ = net.loss_and_gradient(x, y)
    return GradCheck([check_one(net, x, y, k, float(analytic[k]), names[k], epsilon) for k in range(net.n_params)])


def _crosses_target(net: Network, x: np.ndarray, y: np.ndarray, index: int, epsilon: float) -> bool:
    """For a loss kinked at ŷ = y: whether θ±ε moves some sample's ŷ − y across 0, or one sits at 0 and moves with θ."""
    if not net.loss_kind.kinked:
        return False
    sides = []
    for shift in (0.0, epsilon, -epsilon):
        moved = net.params.copy()
        moved[index] += shift
        sides.append(np.sign(net.predict(x, moved) - y))
    centre, plus, minus = sides
    return not (np.array_equal(plus, centre) and np.array_equal(minus, centre))


def _on_kink(net: Network, x: np.ndarray, params: np.ndarray, index: int, watched: Watched = _kinked) -> bool:
    """True when a pre-activation of a watched layer that θ feeds sits exactly at 0 and moves with θ."""
    zs, _ = net.forward(x, params)
    bumped = params.copy()
    bumped[index] += EPSILON
    zs_bumped, _ = net.forward(x, bumped)
    for l, (z, zb) in enumerate(zip(zs, zs_bumped, strict=True)):
        if watched(net.activation(l)) and np.any((z == 0) & (zb != z)):
            return True
    return False


def parameter_names(net: Network) -> list[str]:
    from tui_nn.engine.walk.notation import Names

    names = Names(net.sizes)
    result = [""] * net.n_params
    for l in range(net.n_layers):
        for i in range(net.sizes[l]):
            for j in range(net.sizes[l + 1]):
                result[net.weight_index(l, i, j)] = names.weight(l, i, j)
        for j in range(net.sizes[l + 1]):
            result[net.bias_index(l, j)] = names.bias(l, j)
    return result
