"""Plain-words diagnoses of a network's state, with the tutorials' debugging lore in numbers.

Each diagnosis names the pattern actually present, most fundamental first: divergence; dead
ReLUs and saturated units (they pass no gradient, which is *why* a gradient vanishes); identical
units (symmetric initialisation); a hidden layer that maps every sample to one point; a constant
output; and only then gradient norms that explode or vanish for no structural reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from tui_nn.engine.history import History
from tui_nn.engine.network import Network, accuracy
from tui_nn.engine.notation import Names

VANISHING = 1e-6
EXPLODING = 1e3
SATURATED = 0.01  # g'(z) below this on every sample: σ' < 0.01 means |z| > 4.6
COLLAPSED = 1e-3  # hidden points closer than this (in every coordinate) are one point
STUCK_WINDOW = 1000  # epochs over which a flat loss is "stuck"
STUCK_CHANGE = 1e-3  # …when it changed by less than this fraction over the window

Kind = Literal[
    "diverged", "dead_relu", "saturated", "symmetric", "collapsed", "constant_output", "exploding", "vanishing", "stuck"
]
UnitState = Literal["dead", "saturated"]


@dataclass(frozen=True)
class Diagnostic:
    kind: Kind
    message: str


def layer_gradient_norms(net: Network, grad: np.ndarray) -> list[float]:
    """‖∂L/∂[W; b]‖ of each weight layer, input side first."""
    return [float(np.linalg.norm(net.block(l, grad))) for l in range(net.n_layers)]


def unit_states(net: Network, zs: list[np.ndarray], acts: list[np.ndarray]) -> dict[tuple[int, int], UnitState]:
    """Hidden units that pass (almost) no gradient on any sample: (unit layer, unit) → state.

    dead: a ReLU with z ≤ 0 for every sample (relu'(z) = 0 there); saturated: a sigmoid or tanh
    whose slope g'(z) is below 0.01 for every sample.
    """
    states: dict[tuple[int, int], UnitState] = {}
    for l in range(net.n_layers - 1):
        act = net.activation(l)
        z, a = zs[l], acts[l + 1]
        if act.name == "relu":
            for j in np.flatnonzero(np.all(z <= 0, axis=0)):
                states[(l + 1, int(j))] = "dead"
        elif act.name in ("sigmoid", "tanh"):
            slope = act.derivative_vector(z, a)
            for j in np.flatnonzero(np.all(slope < SATURATED, axis=0)):
                states[(l + 1, int(j))] = "saturated"
    return states


def _listed(names: list[str]) -> str:
    return ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1]


@dataclass(frozen=True)
class Health:
    """What one full-batch forward and backward pass says about a network."""

    diagnostics: tuple[Diagnostic, ...]
    units: dict[tuple[int, int], UnitState]


def diagnose(net: Network, x: np.ndarray, y: np.ndarray) -> list[Diagnostic]:
    return list(examine(net, x, y).diagnostics)


def examine(net: Network, x: np.ndarray, y: np.ndarray) -> Health:
    if not np.isfinite(net.params).all():
        return Health((Diagnostic("diverged", "some weights are NaN or infinite: step back (←) or reset (r), and lower η"),), {})
    loss, grad, zs, acts = net.loss_and_gradient(x, y)
    if not np.isfinite(loss) or not np.isfinite(grad).all():
        message = "the loss or the gradient is not finite: step back (←) or reset (r), and lower η"
        return Health((Diagnostic("diverged", message),), {})
    states = unit_states(net, zs, acts)
    return Health(tuple(_patterns(net, x, y, loss, grad, zs, acts, states)), states)


def _patterns(
    net: Network,
    x: np.ndarray,
    y: np.ndarray,
    loss: float,
    grad: np.ndarray,
    zs: list[np.ndarray],
    acts: list[np.ndarray],
    states: dict[tuple[int, int], UnitState],
) -> list[Diagnostic]:
    names = Names(net.sizes)
    found: list[Diagnostic] = []
    why: dict[Kind, tuple[UnitState, str]] = {
        "dead_relu": ("dead", "z ≤ 0 on every sample, so relu' = 0: no gradient passes and their weights stop learning"),
        "saturated": ("saturated", "g'(z) < 0.01 on every sample: almost no gradient passes, so their weights barely change"),
    }
    for kind, (state, reason) in why.items():
        units = [names.unit(l, j) for (l, j), s in states.items() if s == state]
        if units:
            verb = "is" if len(units) == 1 else "are"
            plural = "s" if len(units) > 1 else ""
            found.append(Diagnostic(kind, f"{state} unit{plural}: {_listed(units)} {verb} {state} — {reason}"))
    for l in range(net.n_layers - 1):
        w, b = net.weights(l), net.biases(l)
        for i in range(w.shape[1]):
            twins = [j for j in range(i + 1, w.shape[1]) if np.array_equal(w[:, i], w[:, j]) and b[i] == b[j]]
            if twins:
                found.append(
                    Diagnostic(
                        "symmetric",
                        f"identical units: {names.unit(l + 1, i)} and {names.unit(l + 1, twins[0])} have the same weights, so they "
                        "compute the same value, get the same gradient and stay identical (symmetric initialisation: use random weights)",
                    )
                )
                break
    if net.n_layers > 1 and x.shape[0] > 1:
        hidden = acts[-2]
        classes = y[:, 0] > 0.5
        if classes.any() and not classes.all() and np.ptp(hidden, axis=0).max() < COLLAPSED:
            found.append(
                Diagnostic(
                    "collapsed",
                    "collapsed hidden layer: every sample lands on the same point in the last hidden layer, so the output cannot tell them apart",
                )
            )
    out = acts[-1]
    if out.shape[0] > 1 and np.ptp(out, axis=0).max() < 1e-3:
        found.append(
            Diagnostic(
                "constant_output",
                f"constant output: ŷ ≈ {out.mean():.3f} for every sample, so accuracy is stuck at {accuracy(out, y):.0%}",
            )
        )
    norms = layer_gradient_norms(net, grad)
    top = max(norms)
    structural = {d.kind for d in found}
    if top > EXPLODING:
        found.append(Diagnostic("exploding", f"exploding gradients: ‖∂L/∂W‖ reaches {top:.3g}; lower the learning rate"))
    elif not structural and loss > 0.05 and top > 0 and norms[0] < VANISHING * top:
        found.append(
            Diagnostic(
                "vanishing",
                f"vanishing gradient: the first layer's ‖∂L/∂W‖ ({norms[0]:.2g}) is tiny next to the last layer's ({norms[-1]:.2g})",
            )
        )
    return found


def flat_loss(history: History, window: int = STUCK_WINDOW) -> tuple[float, float, float, float] | None:
    """(loss now, relative change over the window, accuracy, ‖g‖) if the loss has been flat for
    `window` epochs, else None. Flat: it changed by less than STUCK_CHANGE of itself."""
    rows = history.tail(window + 1)
    if len(rows) <= window or rows[-1, 0] - rows[-window - 1, 0] != window:
        return None
    before, now = float(rows[-window - 1, 1]), float(rows[-1, 1])
    if not (np.isfinite(before) and np.isfinite(now)) or now <= 0:
        return None
    change = abs(before - now) / max(abs(before), 1e-300)
    return (now, change, float(rows[-1, 2]), float(rows[-1, 3])) if change < STUCK_CHANGE else None


def stuck(history: History, net: Network, x: np.ndarray, y: np.ndarray, window: int = STUCK_WINDOW) -> Diagnostic | None:
    """A flat loss on a network that has not learned the data (accuracy below 100% or loss above
    0.2), explained in numbers, with what to try."""
    flat = flat_loss(history, window)
    if flat is None:
        return None
    loss, change, acc, norm = flat
    if acc >= 1.0 and loss <= 0.2:
        return None  # converged: flat because there is little left to learn
    out = net.predict(x)
    parts = [
        f"stuck: the loss has stayed at {loss:.4f} for {window:,} epochs (it changed by {change:.2%})",
        f"‖g‖ = {norm:.2g}",
        f"accuracy {acc:.0%}",
    ]
    if np.ptp(out) < 0.05:
        parts.append(f"ŷ ≈ {out.mean():.3f} for every sample")
    causes = [
        d.message.split(":")[0] for d in diagnose(net, x, y) if d.kind in ("dead_relu", "saturated", "symmetric", "collapsed")
    ]
    if causes:
        parts.append("; ".join(causes))
    advice = "try another seed (n), more hidden units (c), or a higher η (+)"
    if net.n_layers == 1:
        advice = "a network with no hidden layer draws one straight line: add a hidden layer (c)"
    return Diagnostic("stuck", " · ".join(parts) + f" — {advice}")
