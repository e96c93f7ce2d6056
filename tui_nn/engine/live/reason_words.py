"""The words for why a run stopped and what its diagnosis found: the one place they are written.

`describe` gives the full line (the log, `train`'s output, a lesson); `headline` the status
line's short form. Both are told whose controls to name: the app's keys (`+`, `-`, `n`, `c`)
or the command line's flags (`--lr`, `--seed`, `--hidden`). The engine's values
(`tui_nn.engine.live.reasons`) carry only kinds, epochs and numbers.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

from tui_nn.engine.live.reasons import (
    FAR_ABOVE_CHANCE,
    Diagnosis,
    Diverged,
    RateTooHigh,
    StopReason,
    Stuck,
    TargetReached,
    UnitTrouble,
)

if TYPE_CHECKING:
    from tui_nn.engine.live.diagnostics import Diagnostic

Terms = Literal["keys", "flags"]
"""Name the app's keys, or the command line's flags."""

TROUBLE_WORDS: dict[UnitTrouble, str] = {
    "dead_relu": "dead units",
    "saturated": "saturated units",
    "symmetric": "identical units",
    "collapsed": "collapsed hidden layer",
}


OVERFITTING_RISE = 0.05
"""A validation loss this much (5%) above its lowest is called risen: less is the jitter of a run
settling (L2 at λ = 0.001 on the noisy circle ends 0.7% above its lowest), not overfitting."""


def validation_words(
    best_epoch: int, best_loss: float, loss: float, accuracy: float, training_fell: bool, score: str | None = None
) -> str:
    """Where a run with a validation set ended, and where its validation loss was lowest: the
    epoch to stop at next time (early stopping), said the same by the app's log and `train`.
    `training_fell`: the training loss is lower now than at that epoch (a risen validation loss
    is then overfitting; with a training loss that rose too, it is not). `score`: the validation
    score as the task words it ("R² 0.9812"), else the accuracy."""
    said = score if score is not None else f"accuracy {accuracy:.0%}"
    text = f"validation loss {loss:.6g} ({said}), lowest {best_loss:.6g} at epoch {best_epoch}"
    if not loss > best_loss:
        return text
    if loss <= best_loss * (1.0 + OVERFITTING_RISE):
        return text + f": {loss / best_loss - 1.0:.1%} above it now, too little to call overfitting"
    if training_fell:
        return text + ": it has risen since while the training loss fell (the network is overfitting its training points)"
    return text + ": it has risen since"


def describe(reason: StopReason, terms: Terms) -> str:
    if isinstance(reason, TargetReached):
        return f"loss fell below {reason.target:g} at epoch {reason.epoch}"
    if isinstance(reason, Diverged):
        return _diverged(reason)
    if isinstance(reason, Stuck):
        return _stuck(reason, terms)
    return _rate_too_high(reason, terms)


def headline(reason: StopReason, terms: Terms) -> str:
    """One status line: what, the number that shows it, and where the rest is."""
    if isinstance(reason, Stuck):
        return f"stuck: the loss is flat at {reason.loss:.4f}: the log says why and what to try"
    if isinstance(reason, RateTooHigh):
        lower = f"try --lr {reason.suggested:g}" if terms == "flags" else f"try η ≤ {reason.suggested:g} (- halves it)"
        return f"η = {reason.lr:g} is too high: {_evidence_short(reason)} — {lower}; the log says why"
    return describe(reason, terms)


def health_line(found: Diagnostic, terms: Terms) -> str:
    """A health diagnosis as the log and the status line show it, with what to do where it says nothing."""
    if found.kind != "diverged":
        return found.message
    to_do = "step back (←) or reset (r), and lower η" if terms == "keys" else "lower --lr"
    return f"{found.message}: {to_do}"


def training_on_anyway(found: Diagnosis) -> str:
    """The note when T starts a run from a state already diagnosed (the app's key: T)."""
    what = "the loss is flat" if isinstance(found, Stuck) else f"η = {found.lr:g} is too high here"
    return f"{what}: T trains on anyway (it stops by itself only on divergence)"


# --- divergence -------------------------------------------------------------------------------


def _diverged(d: Diverged) -> str:
    largest, loss = _given(d.largest), _given(d.loss) if d.cause == "preactivations" else math.nan
    weights = f"weights up to {largest:.4g}"
    if d.cause == "weights_not_finite":
        return f"the weights were not finite at epoch {d.epoch}, before training: reset them or load finite ones"
    if d.cause == "weights_overflowed":
        became = "NaN" if d.nan else "±inf"
        pattern = f"the weights overflowed to {became} in the update of epoch {d.epoch} (the largest |weight| was {largest:.4g} before it)"
    elif d.cause == "gradient_not_finite":
        became = "became NaN" if d.nan else "overflowed to ±inf"
        pattern = f"the gradient {became} at epoch {d.epoch} (in backpropagation, with {weights})"
    elif d.cause == "preactivations":
        what = "became NaN, an ∞ − ∞ or 0 × ∞ in float64" if d.nan else "overflowed float64 to ±inf"
        name = "the output layer" if d.output_layer else f"hidden layer {(d.layer or 0) + 1}"
        if math.isnan(loss):
            pattern = f"the loss became NaN at epoch {d.epoch} ({name}'s pre-activations {what}, with {weights})"
        elif math.isinf(loss):
            pattern = f"the loss overflowed to inf at epoch {d.epoch} ({name}'s pre-activations {what}, with {weights})"
        else:  # saturation downstream kept the loss finite (tanh(±∞) = ±1, σ(±∞) = 1 or 0)
            pattern = f"{name}'s pre-activations {what} at epoch {d.epoch} (with {weights})"
    elif d.cause == "loss_exploded":
        start = _given(d.start)
        if d.from_start:
            base = f"where it started, {start:.4g}"
        elif d.classes is not None:
            base = f"ln {d.classes}, {start:.4g}, the loss of predicting 1/{d.classes} for every class"
        elif d.regression:
            base = f"{start:.4g}, the loss of predicting the targets' mean for every sample"
        else:
            base = f"ln 2 per output, {start:.4g}, the loss of predicting ½"
        pattern = f"the loss exploded at epoch {d.epoch} ({_given(d.loss):.4g}, over {_given(d.factor):g} × {base})"
    else:
        pattern = f"the gradient exploded at epoch {d.epoch} (‖ḡ‖ = {_given(d.norm):.4g}: its square overflows float64)"
    return f"{pattern}: learning rate {d.lr:g} is too high for this network; try ≤ {_given(d.suggested):g}"


def _given(number: float | None) -> float:
    """A number the value's cause always carries."""
    if number is None:
        raise ValueError("a divergence is missing a number its cause carries")
    return number


# --- a flat loss with a small gradient -------------------------------------------------------------


def _stuck(s: Stuck, terms: Terms) -> str:
    parts = [
        f"stuck: the loss has stayed at {s.loss:.4f} for {s.window:,} epochs (it changed by {s.change:.2%})",
        f"‖g‖ = {s.norm:.2g}",
        _score(s.regression, s.accuracy),
    ]
    if s.regression and s.chance is not None and s.loss >= NEAR_CHANCE * s.chance:
        parts.append(f"no better than predicting the targets' mean for every sample (loss {s.chance:.4f})")
    if s.constant_output is not None:
        parts.append(f"ŷ ≈ {s.constant_output:.3f} for every sample")
    if s.troubles:
        parts.append("; ".join(TROUBLE_WORDS[t] for t in s.troubles))
    return " · ".join(parts) + f" — {_stuck_advice(s, terms)}"


NEAR_CHANCE = 0.9
"""A regression whose loss is at least this share of the loss of predicting the mean has learned
(almost) nothing about its inputs: R² is then near 0."""


def _score(regression: bool, value: float) -> str:
    """A diagnosis's score: a regression's R² (which can be negative), else the accuracy."""
    return f"R² {value:.3f}" if regression else f"accuracy {value:.0%}"


def _stuck_advice(s: Stuck, terms: Terms) -> str:
    keys = terms == "keys"
    if s.no_hidden_layer:
        add = "(c)" if keys else "(--hidden 2)"
        return f"a network with no hidden layer draws one straight line: add a hidden layer {add}"
    seed, hidden, higher = ("(n)", "(c)", "(+)") if keys else ("", "", "")
    if keys:
        options = [f"another seed {seed}", f"more hidden units {hidden}"]
        if s.higher_rate_may_help:
            options.append(f"a higher η {higher}")
    else:
        options = ["another --seed", "more --hidden units"]
        if s.higher_rate_may_help:
            options.append("a higher --lr")
    if len(options) == 2:
        return f"try {options[0]} or {options[1]}"
    return f"try {options[0]}, {options[1]}, or {options[2]}"


# --- a learning rate too high to descend ----------------------------------------------------------


def _rate_too_high(r: RateTooHigh, terms: Terms) -> str:
    if r.swings:
        evidence = f"the loss swings between {r.low:.4f} and {r.high:.4f} over the last {r.window:,} epochs instead of falling"
    elif r.rose:
        evidence = _rose(r)
    else:
        evidence = (
            f"the loss has not come down in {r.window:,} epochs, yet a step of η·ḡ should take about "
            f"{r.expected_drop:.2g} off it every epoch (each step overshoots)"
        )
    parts = [f"learning rate {r.lr:g} is too high: {evidence}", f"‖g‖ = {r.norm:.2g}", _score(r.regression, r.accuracy)]
    if r.swings and r.rose:
        parts.append(_rose(r))
    if r.pinned:
        parts.append(f"{r.pinned} output{'s' if r.pinned > 1 else ''} pinned at the wrong 0 or 1")
    return " · ".join(parts) + f" — {_lower_rate(r, terms)}"


def _rose(r: RateTooHigh) -> str:
    text = f"the loss is {r.loss:.4f}, above {r.start:.4f} where η = {r.lr:g} took over"
    if r.loss > FAR_ABOVE_CHANCE * r.chance:
        constant = "the targets' mean" if r.regression else "the class balance"
        text += f" and far above {r.chance:.4f}, the loss of predicting {constant}"
    return text


def _evidence_short(r: RateTooHigh) -> str:
    if r.swings:
        return f"the loss swings between {r.low:.4g} and {r.high:.4g}"
    if r.rose:
        return f"the loss rose from {r.start:.4g} to {r.loss:.4g}"
    return f"the loss stays at {r.loss:.4g} with ‖g‖ = {r.norm:.2g}"


def _lower_rate(r: RateTooHigh, terms: Terms) -> str:
    if terms == "flags":
        return f"try --lr {r.suggested:g} or lower"
    presses = max(1, math.ceil(math.log2(r.lr / r.suggested))) if r.suggested > 0 else 1
    return f"lower η to {r.suggested:g} or less (- halves it: {presses}× gives {r.lr / 2**presses:g})"
