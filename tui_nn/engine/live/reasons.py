"""Why a run stopped, or what its diagnosis found, as values: a kind, an epoch and the numbers.

The engine decides and measures; it never words. `tui_nn.engine.live.reason_words` turns a value into
the sentence the app, the command line or a lesson shows (naming app keys or flags as told), so
nothing downstream parses prose back. The values cross the training process's pipe as JSON
(`to_json` / `from_json`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

DivergenceCause = Literal[
    "weights_overflowed",  # an update overflowed the weights (to ±inf, or NaN when `nan`)
    "weights_not_finite",  # the weights were not finite before training
    "gradient_not_finite",  # backpropagation overflowed or made a NaN
    "preactivations",  # a layer's pre-activations overflowed (`layer`, `nan`), the loss is `loss`
    "loss_exploded",  # a finite loss past EXPLOSION_FACTOR × `start`
    "gradient_exploded",  # a finite gradient whose squared norm overflows
]

UnitTrouble = Literal["dead_relu", "saturated", "symmetric", "collapsed"]

FAR_ABOVE_CHANCE = 2.0
"""A loss this many times that of predicting the class balance is far above chance: steps that
descend do not take a network there from a start below it."""


@dataclass(frozen=True)
class TargetReached:
    """The loss fell below the run's target at `epoch`."""

    epoch: int
    target: float
    kind: Literal["target"] = "target"


@dataclass(frozen=True)
class Diverged:
    """The arithmetic went wrong at `epoch`. The numbers a cause has no use for are None."""

    epoch: int
    cause: DivergenceCause
    lr: float
    suggested: float | None = None  # a learning rate to try
    largest: float | None = None  # the largest finite |weight| at that point
    nan: bool = False  # it became NaN (else ±inf)
    layer: int | None = None  # "preactivations": the layer (0 = first hidden); None in backpropagation
    output_layer: bool = False  # `layer` is the output layer
    loss: float | None = None
    norm: float | None = None
    start: float | None = None  # "loss_exploded": the loss the limit is measured from
    from_start: bool = False  # …which is where the run started (else ln 2 per output, knowing nothing)
    classes: int | None = None  # a softmax output's K, whose knowing nothing is ln K (None: sigmoid outputs)
    factor: float | None = None  # "loss_exploded": the limit is factor × start
    regression: bool = False  # a linear output: knowing nothing is predicting the targets' mean (or median), not ½
    kind: Literal["diverged"] = "diverged"


@dataclass(frozen=True)
class Stuck:
    """The loss has stayed flat over `window` epochs with a small gradient, on a network that has not
    learned the data."""

    epoch: int
    loss: float
    window: int
    change: float  # the loss's largest relative move over the window
    norm: float
    accuracy: float
    constant_output: float | None  # ŷ for every sample when the output no longer depends on the input
    troubles: tuple[UnitTrouble, ...]  # structural causes found in the network
    no_hidden_layer: bool  # one straight line cannot fit the data: no learning rate helps
    higher_rate_may_help: bool  # False when the loss is above where it started: a larger step is no cure
    regression: bool = False  # `accuracy` holds R² (a linear output's score), and there are no classes
    chance: float | None = None  # a regression's loss of predicting the targets' best constant, to compare with
    kind: Literal["stuck"] = "stuck"


@dataclass(frozen=True)
class RateTooHigh:
    """Steps too long for the loss surface: over `window` epochs the loss did not come down, and
    at least one of `rose`, `swings` or `steep` says the learning rate is the cause."""

    epoch: int
    lr: float
    suggested: float
    window: int
    loss: float  # now
    low: float  # the lowest and highest loss over the window
    high: float
    start: float  # the loss where this learning rate took over
    chance: float  # the loss of predicting the class balance for every sample
    norm: float
    accuracy: float
    expected_drop: float  # what gradient descent's steps promise to take off the loss per epoch
    rose: bool  # the loss is above where this learning rate took over (or far above chance)
    swings: bool  # the loss goes up and down over the window instead of down
    steep: bool  # a gradient large for the step: it should have emptied the loss within the window
    pinned: int  # samples whose output sits at exactly the wrong 0 or 1
    regression: bool = False  # `accuracy` holds R², and `chance` is the loss of predicting the targets' mean
    kind: Literal["rate_too_high"] = "rate_too_high"


StopReason = TargetReached | Diverged | Stuck | RateTooHigh
Diagnosis = Stuck | RateTooHigh

_KINDS: dict[str, type[TargetReached] | type[Diverged] | type[Stuck] | type[RateTooHigh]] = {
    "target": TargetReached,
    "diverged": Diverged,
    "stuck": Stuck,
    "rate_too_high": RateTooHigh,
}


def to_json(reason: StopReason | None) -> dict[str, Any] | None:
    """A JSON-ready dict (NaN and infinities as strings, which JSON has no numbers for)."""
    if reason is None:
        return None
    return {name: _json_value(value) for name, value in asdict(reason).items()}


def from_json(data: dict[str, Any] | None) -> StopReason | None:
    if data is None:
        return None
    cls = _KINDS[str(data["kind"])]
    values: dict[str, Any] = {}
    for field in fields(cls):
        if field.name in data:
            value = data[field.name]
            if isinstance(value, str) and value in ("nan", "inf", "-inf"):
                value = float(value)
            elif isinstance(value, list):
                value = tuple(value)
            values[field.name] = value
    return cls(**values)


def _json_value(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, tuple):
        return list(value)
    return value
