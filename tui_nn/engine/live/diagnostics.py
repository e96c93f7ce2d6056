"""Plain-words diagnoses of a network's state, with the tutorials' debugging lore in numbers.

Each diagnosis names the pattern actually present, most fundamental first: divergence; dead
ReLUs and saturated units (they pass no gradient, which is *why* a gradient vanishes); identical
units (symmetric initialisation); a hidden layer that maps every sample to one point; a constant
output; and only then gradient norms that explode or vanish for no structural reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, cast

import numpy as np

from tui_nn.engine.live.reasons import Diagnosis, RateTooHigh, Stuck, UnitTrouble
from tui_nn.engine.nn.history import EVAL_LOSS, History
from tui_nn.engine.nn.losses import Loss, as_loss
from tui_nn.engine.nn.network import Network, accuracy
from tui_nn.engine.nn.optimizers import OPTIMIZER_KINDS
from tui_nn.engine.nn.tasks import r_squared
from tui_nn.engine.nn.training import Trainer, suggested_rate
from tui_nn.engine.walk.notation import Names

VANISHING = 1e-6
EXPLODING = 1e3
SATURATED = 0.01  # g'(z) below this on every sample: σ' < 0.01 means |z| > 4.6
COLLAPSED = 1e-3  # hidden points closer than this (in every coordinate) are one point
STUCK_WINDOW = 1000  # epochs over which a run that stopped coming down is diagnosed
STUCK_CHANGE = 1e-3  # a loss is flat when it moved by less than this fraction over the window
CONVERGED_LOSS = 0.2  # …and not stuck when every sample is right and the loss is below this
SETTLED_ACCURACY = 0.95
"""…nor when weight decay holds the loss above 0 and this share of the samples is right: a flat loss
with a small gradient is then the minimum L2 asks for (spiral3 2-64-3 at λ = 1e-3 settles at 0.2492
with 99% right), not a plateau to escape with another seed."""
LEARNED_R2 = 0.5  # a flat regression that already explains this share of the targets' variance is on a plateau
ROSE_MARGIN = 0.05  # a loss this fraction above where the learning rate took over has risen
SWING = 0.1  # a loss whose range over the window is this fraction of its low, and that rose, swings
PINNED = 5e-5  # an output this close to the wrong 0 or 1 reads as exactly that at four decimals

Kind = Literal[
    "diverged", "dead_relu", "saturated", "symmetric", "collapsed", "constant_output", "exploding", "vanishing", "stuck"
]
UnitState = Literal["dead", "saturated"]


@dataclass(frozen=True)
class Diagnostic:
    """A pattern in the network's state; `message` says what and why, never which key or flag to
    use (reason_words.health_line adds what to do, for "diverged")."""

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
        if act.dies:
            for j in np.flatnonzero(np.all(z <= 0, axis=0)):
                states[(l + 1, int(j))] = "dead"
        elif act.saturates:
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
        return Health((Diagnostic("diverged", "some weights are NaN or infinite"),), {})
    loss, grad, zs, acts = net.loss_and_gradient(x, y)
    if not np.isfinite(loss) or not np.isfinite(grad).all():
        message = "the loss or the gradient is not finite"
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
                        # not always the initialisation: L2 with Adam brings two xavier-drawn units of the noisy
                        # circle 2-32-1 to the same weights bit for bit by epoch 120,000
                        "compute the same value, get the same gradient and stay identical: the layer works as one unit fewer "
                        "(at epoch 0 that is a symmetric initialisation: use random weights)",
                    )
                )
                break
    if net.n_layers > 1 and x.shape[0] > 1:
        hidden = acts[-2]
        classes = y[:, 0] > 0.5
        differ = bool(np.ptp(y, axis=0).max() > 0) if net.regression else bool(classes.any() and not classes.all())
        if differ and np.ptp(hidden, axis=0).max() < COLLAPSED:
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
                # not "stuck": a fresh network with small weights (cs231n's 0.01·randn) starts here and trains out of it
                f"constant output: {_constant(out, net.one_of_k)} for every sample, so the network cannot tell the samples "
                f"apart ({_score(net, out, y)})",
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


def _score(net: Network, out: np.ndarray, y: np.ndarray) -> str:
    """The score of outputs `out` in the network's own terms: the accuracy, or a regression's R²."""
    if net.regression:
        return f"R² {r_squared(out, y):.3f}: no better than predicting one value for every sample"
    return f"accuracy {accuracy(out, y, net.one_of_k):.0%}"


def _constant(out: np.ndarray, one_of_k: bool) -> str:
    """The output every sample gets: ŷ, or a softmax's K probabilities (whose mean is always 1/K)."""
    if one_of_k:
        return "p ≈ (" + ", ".join(f"{p:.3f}" for p in out.mean(axis=0)) + ")"
    return f"ŷ ≈ {out.mean():.3f}"


def chance_loss(loss: str | Loss, y: np.ndarray) -> float:
    """The loss of predicting the class balance ȳ for every sample: a network that learned nothing
    about the inputs (ln 2 per output for balanced BCE, its entropy otherwise; ½·var(y) for MSE)."""
    return as_loss(loss).chance(y)


def expected_drop(optimizer: str, lr: float, norm: float, n_params: int) -> float:
    """About how much one update takes off the loss if its step is short enough for the first-order
    picture to hold: η‖g‖² for SGD, η‖g‖²/(1 − β) for momentum (steps add up to 1/(1 − β) times),
    and η‖g‖√n for Adam (each weight moves about η, against its gradient)."""
    return OPTIMIZER_KINDS[optimizer].expected_drop(lr, norm, n_params)


def run_diagnosis(
    history: History,
    net: Network,
    x: np.ndarray,
    y: np.ndarray,
    lr: float,
    optimizer: str,
    start: tuple[int, float] | None,
    window: int = STUCK_WINDOW,
    current: tuple[float, float, float] | None = None,
) -> Diagnosis | None:
    """Why the loss has stopped coming down over the last `window` epochs, or None if it is still
    coming down, has converged, or the history is too short to tell.

    `start` is (epoch, loss) where the current learning rate took over: only a window of epochs
    all trained at that rate is judged (a rate just lowered is not blamed for the swings of the
    one before). The learning rate is too high
    (RateTooHigh) when the loss rose above that start, when it goes up and down instead of down
    (its range over the window is more than SWING of its lowest value, and it went up by at least
    half that range, so it is no drop onto a plateau), or when the
    gradient is steep for the step: the first-order decrease the updates promise (expected_drop)
    would have emptied the loss within the window, yet it has not come down (the steps overshoot).
    Otherwise a loss flat to STUCK_CHANGE with that small a gradient is Stuck. Whether a run is
    diagnosed depends only on the history rows, η, the optimizer and `start` (the network is
    examined only to say more), so a check at a past epoch can be made from its rows alone.
    `current` (loss, accuracy, ‖g‖ of the state the run is in, whose row is not yet recorded) is
    what the diagnosis quotes as "now", so it says what the status line says.
    """
    rows = history.tail(window + 1)
    if len(rows) <= window or rows[-1, 0] - rows[0, 0] != window:
        return None
    if start is not None and rows[0, 0] < start[0]:
        return None
    dropout = rows.shape[1] > EVAL_LOSS
    # Under dropout the training loss swings with the masks drawn, whatever η: what the network has learned is
    # judged by the evaluation loss (no unit dropped), from the window's own first row.
    losses = rows[:, EVAL_LOSS] if dropout else rows[:, 1]
    if dropout and start is not None:  # (the rate's start recorded the training loss: its row has the evaluation loss)
        start = _evaluation_loss_at(history, start[0])
    if not np.isfinite(losses).all() or losses[-1] <= 0:
        return None
    now, accuracy_now, norm = float(losses[-1]), float(rows[-1, 2]), float(rows[-1, 3])
    if accuracy_now >= 1.0 and now <= CONVERGED_LOSS:
        return None  # flat because there is little left to learn
    if net.l2 > 0 and accuracy_now >= SETTLED_ACCURACY:
        return None  # flat at the minimum of the loss with its L2 term
    half = len(losses) // 2
    if losses[half:].min() < losses[:half].min() * (1.0 - STUCK_CHANGE):
        return None  # still coming down
    low, high = float(losses.min()), float(losses.max())
    start_loss = start[1] if start is not None and math.isfinite(start[1]) else float(losses[0])
    chance = chance_loss(net.loss_kind, y)
    drop = expected_drop(optimizer, lr, norm, net.n_params)
    rises = float(np.maximum(np.diff(losses), 0.0).sum())
    if dropout:
        # The masks make the weights wander whatever η: the evaluation loss swings, and ‖g‖ (the masked
        # gradient, noisy even at the evaluation loss's minimum) promises drops no update can keep. XOR 2-2-1
        # at p = 0.5 was told "η too high" at η = 1, 0.1 and 0.05 in turn, each run ending worse. Only a
        # rise that outlasts the noise blames η: the window's last tenth above its first, on average.
        tenth = max(len(losses) // 10, 1)
        before = start_loss if start is not None and math.isfinite(start[1]) else float(losses[:tenth].mean())
        rose = float(losses[-tenth:].mean()) > before * (1.0 + ROSE_MARGIN)
        swings = steep = False
    else:
        rose = now > start_loss * (1.0 + ROSE_MARGIN)
        swings = high - low > SWING * low and rises > (high - low) / 2  # (a drop then a plateau does not rise)
        steep = drop * window > now
    epoch = int(rows[-1, 0]) + 1
    # (Unless the state it is in dipped back below the start that the words then say it is above.)
    if (
        current is not None
        and all(math.isfinite(v) for v in current)
        and not (rose and current[0] <= start_loss * (1.0 + ROSE_MARGIN))
    ):
        now, accuracy_now, norm = current
        drop = expected_drop(optimizer, lr, norm, net.n_params)
    regression = net.regression
    if rose or swings or steep:
        out = net.predict(x)
        wrong_one = (y <= 0.5) & (out > 1.0 - PINNED)
        wrong_zero = (y > 0.5) & (out < PINNED)
        pinned = 0 if regression else int(np.count_nonzero(wrong_one | wrong_zero))  # a real value has no wrong 0 or 1
        return RateTooHigh(
            epoch, lr, suggested_rate(lr, 1.0), window, now, low, high, start_loss, chance, norm, accuracy_now, drop,
            rose, swings, steep, pinned, regression,
        )  # fmt: skip
    change = (high - low) / high
    if change >= STUCK_CHANGE:
        return None
    if regression and accuracy_now >= LEARNED_R2:
        # sine's 2-unit fit is flat at R² 0.87 from epoch ~2,000 to ~4,000, then falls to R² 0.97 with the same
        # settings: a fit this far along is slow on a plateau, and "stuck, try another seed" would mislead
        return None
    out = net.predict(x)
    structural = ("dead_relu", "saturated", "symmetric", "collapsed")
    troubles = tuple(cast(UnitTrouble, d.kind) for d in diagnose(net, x, y) if d.kind in structural)
    return Stuck(
        epoch,
        now,
        window,
        change,
        norm,
        accuracy_now,
        float(out.mean()) if np.ptp(out) < 0.05 else None,
        troubles,
        net.n_layers == 1,
        now <= start_loss,
        regression,
        chance if regression else None,
    )


def _evaluation_loss_at(history: History, epoch: int) -> tuple[int, float] | None:
    """(epoch, its evaluation loss), if the history still holds that epoch's row."""
    rows = history.rows()
    k = int(np.searchsorted(rows[:, 0], epoch))
    return (epoch, float(rows[k, EVAL_LOSS])) if k < len(rows) and rows[k, 0] == epoch else None


def trainer_diagnosis(trainer: Trainer, history: History | None = None, window: int = STUCK_WINDOW) -> Diagnosis | None:
    """run_diagnosis of a trainer's run (of `history`, the rows up to a past epoch, if given)."""
    current = trainer.evaluate()
    if trainer.net.dropout:  # the loss judged is the evaluation loss (see run_diagnosis)
        current = (trainer.evaluation_loss(), *current[1:])
    return run_diagnosis(
        trainer.history if history is None else history,
        trainer.net,
        trainer.data.x,
        trainer.data.y,
        trainer.lr,
        trainer.optimizer,
        trainer.rate_start(),
        window,
        current,
    )
