"""The vocabulary of user actions, as plain values.

Keys, clicks, palette entries, lesson chapters and replays all produce these; the controller
applies them. Each serialises to JSON (`{"action": "pin", "sample": 3}`), which is the format
of a recorded session. Live training is recorded as `Train(epochs)`: the exact number of
epochs it ran, which replays bit for bit.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, ClassVar

from tui_nn.engine.session import config as cfg
from tui_nn.engine.session.config import MAX_LESSON_BYTES, MAX_LR, MAX_PARAMETER, MIN_LR, Config, ConfigError


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


# --- teaching: the quiz and the lesson ---------------------------------------------------------
# A question, an answer and a chapter are recorded like a step, so a replay asks, judges and
# scores them again, bit for bit.


@dataclass(frozen=True)
class QuizMode(Action):
    """Quiz mode on or off (a): → then asks for each step's value before showing it."""

    name: ClassVar[str] = "quiz"
    on: bool = True


@dataclass(frozen=True)
class Ask(Action):
    """Ask for the next step's value before it is shown (→ in quiz mode, or a chapter's step question)."""

    name: ClassVar[str] = "ask"


@dataclass(frozen=True)
class AskChapter(Action):
    """Ask the lesson chapter's own question (A); a chapter with step questions still to ask asks the next."""

    name: ClassVar[str] = "ask_chapter"


@dataclass(frozen=True)
class Answer(Action):
    """The answer typed to the question on screen (a number, a choice's key or words)."""

    name: ClassVar[str] = "answer"
    text: str = ""


@dataclass(frozen=True)
class Skip(Action):
    """Skip the question on screen (Esc): its answer is revealed, and it counts as skipped."""

    name: ClassVar[str] = "skip"


@dataclass(frozen=True)
class Hint(Action):
    """The next hint for the question on screen (?): the rule, then the rule with its numbers."""

    name: ClassVar[str] = "hint"


@dataclass(frozen=True)
class OpenLesson(Action):
    """Open a lesson at its first chapter. It carries the lesson's Markdown, so a recording plays
    the very lesson it was made with, whatever became of its file (or of the built-in one)."""

    name: ClassVar[str] = "open_lesson"
    lesson: str = ""  # how messages name it (its file, or xor.md)
    markdown: str = ""


@dataclass(frozen=True)
class NextChapter(Action):
    """The lesson's next chapter (>); after the last one, the closing page with the score."""

    name: ClassVar[str] = "next_chapter"


@dataclass(frozen=True)
class PreviousChapter(Action):
    """The lesson's previous chapter (<); its questions are asked again, as practice."""

    name: ClassVar[str] = "previous_chapter"


@dataclass(frozen=True)
class ShowLesson(Action):
    """Show or hide the lesson's page (L); the lesson, its chapter and the score stay."""

    name: ClassVar[str] = "show_lesson"
    shown: bool = True


# --- the loss landscape: what it shows, never the network itself ------------------------------


@dataclass(frozen=True)
class ShowLandscape(Action):
    """Show or hide the loss landscape around the current weights."""

    name: ClassVar[str] = "show_landscape"
    shown: bool = True


@dataclass(frozen=True)
class PickLandscapeParam(Action):
    """Choose a landscape axis, named as in `tui-nn explain` (w12, W1[0,1]): the first pick is paired with the
    largest other gradient, the next makes the pair, a third replaces the older of the two."""

    name: ClassVar[str] = "landscape_param"
    param: str = ""


@dataclass(frozen=True)
class LandscapeLargest(Action):
    """Forget the picks: the landscape's axes are the two parameters with the largest |gradient| again."""

    name: ClassVar[str] = "landscape_largest"


@dataclass(frozen=True)
class LandscapePlane(Action):
    """Paint the plane of the path's top two principal directions (on) or the slice of the two parameters (off)."""

    name: ClassVar[str] = "landscape_plane"
    on: bool = True


LANDSCAPE_ACTIONS = (ShowLandscape, PickLandscapeParam, LandscapeLargest, LandscapePlane)
"""They change what the landscape shows, not the session: allowed while a live run owns the engine."""


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
        QuizMode,
        Ask,
        AskChapter,
        Answer,
        Skip,
        Hint,
        OpenLesson,
        NextChapter,
        PreviousChapter,
        ShowLesson,
        ShowLandscape,
        PickLandscapeParam,
        LandscapeLargest,
        LandscapePlane,
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
        raise ActionError(f"unknown action '{shown_text(name)}': {_known_like(name)}")
    if cls is Rebuild:
        unknown = set(document) - {"action", "config"}
        if unknown:
            raise ActionError(f"{name}: unknown field(s) {', '.join(sorted(shown_text(u) for u in unknown))}")
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
        expected.update({"text": str, "lesson": str, "markdown": str})
        if f.name in SWITCHES:
            if not isinstance(value, bool):
                raise ActionError(f"{name}: {f.name} must be true or false, not {json_type(value)}")
            kwargs[f.name] = value
            continue
        kind = expected.get(f.name, object)
        if isinstance(value, bool) or not isinstance(value, kind):  # type: ignore[arg-type]
            raise ActionError(f"{name}: {f.name} has the wrong type ({json_type(value)})")
        problem = _out_of_range(f.name, value)
        if problem is not None:
            raise ActionError(f"{name}: {problem}")
        kwargs[f.name] = float(value) if f.name in ("factor", "lr", "value") else value
    unknown = set(document) - {"action"} - {f.name for f in dataclasses.fields(cls)}
    if unknown:
        raise ActionError(f"{name}: unknown field(s) {', '.join(sorted(shown_text(u) for u in unknown))}")
    return cls(**kwargs)


def _known_like(name: str) -> str:
    """The known actions closest to an unknown name, or the first few of them: the whole list
    (27 names) would make a refusal longer than a line."""
    import difflib

    close = difflib.get_close_matches(name, ACTIONS, n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
    return f"known ones are {', '.join(list(ACTIONS)[:8])} … ({len(ACTIONS)} in all; docs/sessions.md lists them)"


# What a recorded action may hold: no key, click or dialog of the app can produce a value beyond
# these, so a file holding one was not recorded by it (and could freeze or break a replay).
MAX_EPOCHS = 1_000_000  # of training in one session file, all `train` actions together: a minute or more of replay
MAX_PARAM_NAME = 40  # characters; the longest real name, W4[63,63], has 9
MAX_SEED = 2**32 - 1  # numpy's seeds, as --seed takes them
MAX_ANSWER = (
    200  # characters of an answer: the answer box takes no more (the longest real one, a parameter's name or a number, has ~25)
)
MAX_LESSON_NAME = 255  # characters of a lesson's name (a file's path as shown)
SWITCHES = ("on", "shown")  # the fields that are true or false


def _out_of_range(field: str, value: int | float | str | None) -> str | None:
    """Why this field's value is beyond what the app can record, or None when it is within."""
    if value is None or isinstance(value, str):
        if field == "param" and isinstance(value, str) and not 0 < len(value) <= MAX_PARAM_NAME:
            return f"param must name a parameter (e.g. w11 or W1[0,0]), not '{shown_text(value)}'"
        if field == "text" and isinstance(value, str) and len(value) > MAX_ANSWER:
            return f"text must be an answer of at most {MAX_ANSWER} characters, not {len(value):,}"
        if field == "lesson" and isinstance(value, str) and not 0 < len(value) <= MAX_LESSON_NAME:
            return f"lesson must name the lesson (at most {MAX_LESSON_NAME} characters), not '{shown_text(value)}'"
        if field == "markdown" and isinstance(value, str) and len(value.encode("utf-8", "surrogatepass")) > MAX_LESSON_BYTES:
            return f"markdown is larger than a lesson may be ({MAX_LESSON_BYTES // 1024} kB)"
        return None
    number = finite(value)
    shown = shown_number(value)
    if field == "epochs" and not 1 <= value <= MAX_EPOCHS:
        return f"epochs must be from 1 to {MAX_EPOCHS:,}, not {shown}"
    if field == "sample" and not 1 <= value <= cfg.MAX_POINTS:
        return f"sample must be from 1 to {cfg.MAX_POINTS} (or null for the whole batch), not {shown}"
    if field == "seed" and not 0 <= value <= MAX_SEED:
        return f"seed must be from 0 to {MAX_SEED}, not {shown}"
    if field == "layer" and not 1 <= value <= cfg.MAX_HIDDEN_LAYERS:
        return f"layer must be a hidden layer from 1 to {cfg.MAX_HIDDEN_LAYERS}, not {shown}"
    if field == "unit" and not 1 <= value <= cfg.MAX_UNITS:
        return f"unit must be from 1 to {cfg.MAX_UNITS}, not {shown}"
    if field == "lr" and not (number is not None and MIN_LR <= number <= MAX_LR):
        return cfg.lr_refusal(shown)
    if field == "factor" and not (number is not None and MIN_LR / MAX_LR <= number <= MAX_LR / MIN_LR):
        return f"factor must be a positive number that keeps η within {MIN_LR:g} … {MAX_LR:g}, not {shown}"
    if field == "value" and not (number is not None and abs(number) <= MAX_PARAMETER):
        return f"value must be a finite number within ±{MAX_PARAMETER:g}, not {shown}"
    return None


def finite(value: float) -> float | None:
    """`value` as a finite float, or None (NaN, ±∞, or an integer too large for a float)."""
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def shown_number(value: float) -> str:
    """A number as a message may echo it: a huge integer by its length, not its digits."""
    if isinstance(value, int) and abs(value) >= 10**15:
        return f"a number of {len(str(abs(value)))} digits"
    return f"{value:g}" if isinstance(value, float) else str(value)


def shown_text(text: str, limit: int = 40) -> str:
    """Text from a file as one short line of a message (no line breaks, long text cut)."""
    flat = text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _numbers(action: str, field: str, value: object) -> tuple[float, ...]:
    """A JSON list of numbers as a tuple of floats (an input or a target), each finite and within
    what the app's input dialog takes."""
    from tui_nn.engine.walk.own_input import MAX_VALUE

    if not isinstance(value, list) or any(isinstance(v, bool) or not isinstance(v, int | float) for v in value):
        raise ActionError(f"{action}: {field} must be a list of numbers, not {json_type(value)}")
    if not 1 <= len(value) <= cfg.MAX_UNITS:
        raise ActionError(f"{action}: {field} must hold 1 to {cfg.MAX_UNITS} numbers, not {len(value)}")
    numbers = [finite(v) for v in value]
    for raw, number in zip(value, numbers, strict=True):
        if number is None or abs(number) > MAX_VALUE:
            raise ActionError(f"{action}: {field} must be finite numbers within ±{MAX_VALUE:g}, not {shown_number(raw)}")
    return tuple(n for n in numbers if n is not None)


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
        elif f.name in ("val", "dropout") and not value:
            continue  # no validation set, no dropout: the settings read as they did before there were
        elif f.name == "task" and value is None:
            continue  # the data's own task: the settings read as they did before regression came
        document[f.name] = value
    return document


NUMERIC_SETTINGS = ("lr", "seed", "batch", "l2", "val", "dropout")
MAX_SETTING_TEXT = 64  # characters of a setting's text (the longest real one, normal:0.0001, has 13)


def _check_setting_shape(name: str, value: object) -> None:
    """Refuse a setting of a JSON type the app never writes (or text too long to be one) before
    it is parsed, so no message echoes a whole object or thousands of characters."""
    text_only = ("problem", "activation", "loss", "init", "optimizer")
    if name in text_only and not isinstance(value, str):
        raise ConfigError(f"{name} must be text, as the command line takes it, not {json_type(value)}")
    if name == "hidden" and not (isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        raise ConfigError(f"hidden must be a list of layer sizes (whole numbers), e.g. [4], not {json_type(value)}")
    if name in NUMERIC_SETTINGS and (isinstance(value, bool) or not isinstance(value, int | float | str | None)):
        raise ConfigError(f"{name} must be a number, not {json_type(value)}")
    if name in NUMERIC_SETTINGS and isinstance(value, int) and abs(value) >= 10**15:
        raise ConfigError(f"{name} is far too large to be a setting: {shown_number(value)}")
    if name in ("weights", "data") and value is not None and not (isinstance(value, str) and value.strip()):
        # a file name, or null for none ("" was once read as none, silently)
        what = "a network file" if name == "weights" else "a CSV data file"
        shown = f"'{shown_text(value)}'" if isinstance(value, str) else json_type(value)
        raise ConfigError(f"{name} must name {what} (or be null), not {shown}")
    if name not in ("weights", "data") and isinstance(value, str) and len(value) > MAX_SETTING_TEXT:
        raise ConfigError(f"{name} '{shown_text(value)}' is too long to be a setting")


def config_from_json(document: object) -> Config:
    """Settings back from JSON, each value checked by the same parse functions as the command line."""
    if not isinstance(document, dict):
        raise ActionError("settings must be a JSON object")
    known = {f.name for f in dataclasses.fields(Config)}
    unknown = set(document) - known
    if unknown:
        raise ActionError(f"settings: unknown field(s) {', '.join(sorted(shown_text(u) for u in unknown))}")
    changes: dict[str, Any] = {}
    try:
        for name, value in document.items():
            _check_setting_shape(name, value)
            if name == "hidden":  # a JSON list of sizes; [] is no hidden layer
                changes[name] = cfg.parse_hidden(",".join(str(v) for v in value)) if value else ()
            elif name in ("batch", "task") and value is None:
                changes[name] = None
            elif name in cfg.FIELDS:  # a number or a name: its text read as on every other path
                changes[name] = cfg.FIELDS[name].parse(str(value))
            else:
                changes[name] = value
    except ConfigError as error:
        raise ActionError(f"settings: {error}") from None
    # Settings left out take the problem's defaults, as `tui-nn PROBLEM` and a lesson's front matter do:
    # {"problem": "spiral3"} alone is the case study's softmax net, not Config()'s 2-2-1 sigmoid (refused for 3 classes).
    base = cfg.defaults_for(changes["problem"]) if "problem" in changes else Config()
    return base.with_changes(**changes)
