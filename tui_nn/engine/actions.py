"""The vocabulary of user actions, as plain values.

Keys, clicks, palette entries, lesson chapters and replays all produce these; the controller
applies them. Each serialises to JSON (`{"action": "pin", "sample": 3}`), which is the format
of a recorded session. Live training is recorded as `Train(epochs)`: the exact number of
epochs it ran, which replays bit for bit.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

from tui_nn.engine import config as cfg
from tui_nn.engine.config import Config, ConfigError


@dataclass(frozen=True)
class Action:
    name: ClassVar[str] = ""

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {"action": self.name}
        document.update(dataclasses.asdict(self))
        return document


@dataclass(frozen=True)
class Next(Action):
    """The next micro-step, whatever the phase (→)."""

    name: ClassVar[str] = "next"


@dataclass(frozen=True)
class Forward(Action):
    """The next forward micro-step of this sample (f)."""

    name: ClassVar[str] = "forward"


@dataclass(frozen=True)
class Backward(Action):
    """The next backward micro-step of this sample (b)."""

    name: ClassVar[str] = "backward"


@dataclass(frozen=True)
class FinishForward(Action):
    name: ClassVar[str] = "finish_forward"


@dataclass(frozen=True)
class FinishBackward(Action):
    name: ClassVar[str] = "finish_backward"


@dataclass(frozen=True)
class FinishEpoch(Action):
    """Finish the pass: apply the update (e)."""

    name: ClassVar[str] = "finish_epoch"


@dataclass(frozen=True)
class Back(Action):
    """Undo the newest thing: a micro-step, a run, a pin, an edit, a rebuild or a reset (←)."""

    name: ClassVar[str] = "back"


@dataclass(frozen=True)
class Train(Action):
    """Train exactly `epochs` epochs by the vectorised path (what a live run is recorded as)."""

    name: ClassVar[str] = "train"
    epochs: int = 1


@dataclass(frozen=True)
class Pin(Action):
    """Walk and train on one sample (1-based) alone, or on the whole batch (None)."""

    name: ClassVar[str] = "pin"
    sample: int | None = None


@dataclass(frozen=True)
class ScaleLR(Action):
    name: ClassVar[str] = "scale_lr"
    factor: float = 2.0


@dataclass(frozen=True)
class SetLR(Action):
    name: ClassVar[str] = "set_lr"
    lr: float = 1.0


@dataclass(frozen=True)
class Rebuild(Action):
    """New settings: a new network at epoch 0 (the old session stays one step back)."""

    name: ClassVar[str] = "rebuild"
    config: Config = Config()

    def to_json(self) -> dict[str, Any]:
        return {"action": self.name, "config": config_to_json(self.config)}


@dataclass(frozen=True)
class Reset(Action):
    """Back to the initial weights at epoch 0, with the current settings."""

    name: ClassVar[str] = "reset"


@dataclass(frozen=True)
class Reseed(Action):
    """A new initialisation from another seed, with the current settings."""

    name: ClassVar[str] = "reseed"
    seed: int = 0


@dataclass(frozen=True)
class SetParam(Action):
    """What-if: set one weight or bias (named as in `tui-nn explain`, e.g. W1[0,1], b2[0])."""

    name: ClassVar[str] = "set_param"
    param: str = ""
    value: float = 0.0


@dataclass(frozen=True)
class KnockOut(Action):
    """Silence a hidden unit: every weight leaving it becomes 0 (layer and unit 1-based)."""

    name: ClassVar[str] = "knock_out"
    layer: int = 1
    unit: int = 1


@dataclass(frozen=True)
class CustomSample(Action):
    """Walk your own input x with target y (what `trace --input X --target Y` does) from the
    current weights, as a data set of that one sample; the data set stays one step back (←)."""

    name: ClassVar[str] = "custom_sample"
    x: tuple[float, ...] = (0.0, 0.0)
    y: tuple[float, ...] = (0.0,)


ACTIONS: dict[str, type[Action]] = {
    cls.name: cls
    for cls in (
        Next,
        Forward,
        Backward,
        FinishForward,
        FinishBackward,
        FinishEpoch,
        Back,
        Train,
        Pin,
        ScaleLR,
        SetLR,
        Rebuild,
        Reset,
        Reseed,
        SetParam,
        KnockOut,
        CustomSample,
    )
}


class ActionError(ValueError):
    """A recorded action that cannot be read; the message says which and why."""


def action_from_json(document: object) -> Action:
    if not isinstance(document, dict) or not isinstance(document.get("action"), str):
        raise ActionError('an action must be an object with a name, e.g. {"action": "next"}')
    name = document["action"]
    cls = ACTIONS.get(name)
    if cls is None:
        raise ActionError(f"unknown action '{name}': known ones are {', '.join(ACTIONS)}")
    if cls is Rebuild:
        return Rebuild(config_from_json(document.get("config")))
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name not in document:
            continue
        value = document[f.name]
        if f.name in ("x", "y"):
            kwargs[f.name] = _numbers(name, f.name, value)
            continue
        expected = {"epochs": int, "sample": (int, type(None)), "factor": (int, float), "lr": (int, float), "seed": int}
        expected.update({"param": str, "value": (int, float), "layer": int, "unit": int})
        kind = expected.get(f.name, object)
        if isinstance(value, bool) or not isinstance(value, kind):  # type: ignore[arg-type]
            raise ActionError(f"{name}: {f.name} has the wrong type ({json_type(value)})")
        kwargs[f.name] = float(value) if f.name in ("factor", "lr", "value") else value
    unknown = set(document) - {"action"} - {f.name for f in dataclasses.fields(cls)}
    if unknown:
        raise ActionError(f"{name}: unknown field(s) {', '.join(sorted(unknown))}")
    return cls(**kwargs)


def _numbers(action: str, field: str, value: object) -> tuple[float, ...]:
    """A JSON list of numbers as a tuple of floats (an input or a target)."""
    if not isinstance(value, list) or any(isinstance(v, bool) or not isinstance(v, int | float) for v in value):
        raise ActionError(f"{action}: {field} must be a list of numbers, not {json_type(value)}")
    return tuple(float(v) for v in value)


def json_type(value: object) -> str:
    return {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list", dict: "an object"}.get(
        type(value), "null" if value is None else type(value).__name__
    )


# --- settings as JSON ------------------------------------------------------------------------


def config_to_json(config: Config) -> dict[str, Any]:
    """The settings with every value written as the command line takes it."""
    document: dict[str, Any] = {}
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if f.name == "hidden":
            value = list(value)
        elif f.name == "init":
            value = str(value)
        document[f.name] = value
    return document


def config_from_json(document: object) -> Config:
    """Settings back from JSON, each value checked by the same parse functions as the command line."""
    if not isinstance(document, dict):
        raise ActionError("settings must be a JSON object")
    known = {f.name for f in dataclasses.fields(Config)}
    unknown = set(document) - known
    if unknown:
        raise ActionError(f"settings: unknown field(s) {', '.join(sorted(unknown))}")
    parsers = {
        "problem": cfg.parse_problem,
        "activation": cfg.parse_activation,
        "loss": cfg.parse_loss,
        "init": cfg.parse_init,
        "optimizer": cfg.parse_optimizer,
    }
    changes: dict[str, Any] = {}
    try:
        for name, value in document.items():
            if name in parsers:
                changes[name] = parsers[name](str(value))
            elif name == "hidden":
                if not isinstance(value, list):
                    raise ConfigError("hidden must be a list of layer sizes")
                changes[name] = cfg.parse_hidden(",".join(str(v) for v in value)) if value else ()
            elif name == "lr":
                changes[name] = cfg.parse_lr(str(value))
            elif name == "seed":
                changes[name] = cfg.parse_seed(str(value))
            elif name == "batch":
                changes[name] = None if value is None else cfg.parse_batch(str(value))
            else:
                changes[name] = value
    except ConfigError as error:
        raise ActionError(f"settings: {error}") from None
    return Config().with_changes(**changes)
