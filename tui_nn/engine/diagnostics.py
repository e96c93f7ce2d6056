"""Plain-words diagnoses of a network's state, computed from one full-batch forward/backward."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tui_nn.engine.network import Network, accuracy
from tui_nn.engine.notation import Names

VANISHING = 1e-6
EXPLODING = 1e3
SATURATED = 0.01  # σ'(z) below this on every sample (|z| > 4.6)


@dataclass(frozen=True)
class Diagnostic:
    kind: str  # vanishing | exploding | dead_relu | saturated | constant_output | symmetric | diverged
    message: str


def layer_gradient_norms(net: Network, grad: np.ndarray) -> list[float]:
    """‖∂L/∂[W; b]‖ of each weight layer, input side first."""
    return [float(np.linalg.norm(net.block(l, grad))) for l in range(net.n_layers)]


def diagnose(net: Network, x: np.ndarray, y: np.ndarray) -> list[Diagnostic]:
    names = Names(net.sizes)
    found: list[Diagnostic] = []
    if not np.isfinite(net.params).all():
        return [Diagnostic("diverged", "some weights are NaN or infinite: reset (r) and lower the learning rate")]
    loss, grad, zs, acts = net.loss_and_gradient(x, y)
    if not np.isfinite(loss) or not np.isfinite(grad).all():
        return [Diagnostic("diverged", "the loss or the gradient is not finite: reset (r) and lower the learning rate")]
    norms = layer_gradient_norms(net, grad)
    top = max(norms)
    if top > EXPLODING:
        found.append(Diagnostic("exploding", f"exploding gradients: ‖∂L/∂W‖ reaches {top:.3g}; lower the learning rate"))
    if loss > 0.05 and top > 0 and norms[0] < VANISHING * top:
        found.append(
            Diagnostic(
                "vanishing",
                f"vanishing gradient: the first layer's gradient ({norms[0]:.2g}) is tiny next to the last's ({norms[-1]:.2g})",
            )
        )
    elif loss > 0.05 and top < VANISHING:
        found.append(
            Diagnostic(
                "vanishing",
                f"the gradient is nearly zero everywhere (‖g‖ = {top:.2g}) but the loss is {loss:.3g}: training has stalled",
            )
        )
    for l in range(net.n_layers - 1):
        kind = net.activation(l).name
        z, a = zs[l], acts[l + 1]
        if kind == "relu":
            dead = [j for j in range(z.shape[1]) if np.all(z[:, j] <= 0)]
            if dead:
                units = ", ".join(names.unit(l + 1, j) for j in dead)
                found.append(
                    Diagnostic(
                        "dead_relu",
                        f"dead ReLU: {units} {'is' if len(dead) == 1 else 'are'} inactive on every sample and learn nothing",
                    )
                )
        if kind == "sigmoid":
            slope = a * (1 - a)
            stuck = [j for j in range(a.shape[1]) if np.all(slope[:, j] < SATURATED)]
            if stuck:
                units = ", ".join(names.unit(l + 1, j) for j in stuck)
                found.append(
                    Diagnostic(
                        "saturated",
                        f"saturated sigmoid: {units} sit where σ' < {SATURATED} on every sample, so their weights barely change",
                    )
                )
        if a.shape[1] > 1:
            same = [
                (i, j)
                for i in range(a.shape[1])
                for j in range(i + 1, a.shape[1])
                if np.array_equal(net.weights(l)[:, i], net.weights(l)[:, j]) and net.biases(l)[i] == net.biases(l)[j]
            ]
            if same:
                i, j = same[0]
                found.append(
                    Diagnostic(
                        "symmetric",
                        f"symmetry: {names.unit(l + 1, i)} and {names.unit(l + 1, j)} have identical weights, get identical gradients, and will stay identical",
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
    return found
