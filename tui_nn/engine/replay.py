"""Session files: the settings, the target loss and every action of a session, to play it back.

Format (plain JSON, `tui-nn-session/1`):

    {"format": "tui-nn-session/1",
     "config": {"problem": "xor", "hidden": [2], "activation": "sigmoid", …},
     "target_loss": 0.001,
     "digits": 4,
     "actions": [{"action": "next"}, {"action": "train", "epochs": 9675}, {"action": "back"}, …]}

Applying the actions in order to a fresh session built from the config lands on bit-identical
parameters (live training is recorded as the exact number of epochs it ran). A config that
names a weights file or a data file needs that file at the same path when played back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui_nn.engine import actions as act
from tui_nn.engine.config import Config
from tui_nn.engine.safe_files import read_limited, shown_path, write_atomic

if TYPE_CHECKING:
    from tui_nn.engine.session import Session

FORMAT = "tui-nn-session/1"
MAX_ACTIONS = 1_000_000
MAX_BYTES = 32 * 2**20  # a million steps recorded is about 20 MB
PIN_KEYS = 9  # the number keys pin samples 1–9, whatever the data set's size


class SessionFileError(ValueError):
    """A session file that cannot be played; the message says what and where."""


@dataclass(frozen=True)
class Recording:
    config: Config
    target_loss: float
    digits: int
    actions: tuple[act.Action, ...]


def to_json(recording: Recording) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "config": act.config_to_json(recording.config),
        "target_loss": recording.target_loss,
        "digits": recording.digits,
        "actions": [a.to_json() for a in recording.actions],
    }


def to_text(recording: Recording) -> str:
    """The session file's text: compact JSON with one action per line (it reads and diffs well)."""
    text = json.dumps(to_json(recording), indent=None, separators=(",", ":"), ensure_ascii=False)
    return text.replace('},{"action"', '},\n {"action"') + "\n"


def save(path: str | Path, recording: Recording) -> Path:
    """Write the session atomically (temporary file, fsync, rename)."""
    return write_atomic(path, to_text(recording))


def parse(document: object) -> Recording:
    if not isinstance(document, dict):
        raise SessionFileError("a session file holds one JSON object")
    if document.get("format") != FORMAT:
        raise SessionFileError(f'format must be "{FORMAT}", not {act.shown_text(json.dumps(document.get("format")))}')
    for key in ("config", "actions"):
        if key not in document:
            raise SessionFileError(f'missing key "{key}"')
    try:
        config = act.config_from_json(document["config"])
    except act.ActionError as error:
        raise SessionFileError(str(error)) from None
    target = document.get("target_loss", 1e-3)
    digits = document.get("digits", 4)
    if isinstance(target, bool) or not isinstance(target, int | float) or not (act.finite(target) or 0) > 0:
        shown = act.shown_number(target) if isinstance(target, int | float) else act.json_type(target)
        raise SessionFileError(f"target_loss must be a positive finite number, not {shown}")
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 12:
        raise SessionFileError("digits must be a whole number from 1 to 12")
    raw = document["actions"]
    if not isinstance(raw, list) or len(raw) > MAX_ACTIONS:
        raise SessionFileError(f"actions must be a list of at most {MAX_ACTIONS:,} actions")
    actions = []
    epochs = 0
    for k, item in enumerate(raw):
        try:
            action = act.action_from_json(item)
        except act.ActionError as error:
            raise SessionFileError(f"actions[{k}]: {error}") from None
        if isinstance(action, act.Train):
            # one budget for the file: many small runs must not add up to a replay that never ends
            epochs += action.epochs
            if epochs > act.MAX_EPOCHS:
                raise SessionFileError(f"actions[{k}]: train: the file's runs come to more than {act.MAX_EPOCHS:,} epochs")
        actions.append(action)
    return Recording(config, float(target), digits, tuple(actions))


def out_of_place(action: act.Action, session: Session) -> str | None:
    """Why `action` cannot belong where it is applied, or None. Some values are out of range only
    for a particular network or data set: a sample, a hidden unit or a parameter it does not have,
    an input of the wrong size. The app records none of these (its dialogs and selections offer
    only what exists), except a pin by a number key beyond a small data set, which changes nothing."""
    from tui_nn.engine.notation import parse_parameter
    from tui_nn.engine.own_input import check_input

    net, size = session.net, session.data.size
    if isinstance(action, act.Pin) and action.sample is not None and action.sample > max(size, PIN_KEYS):
        return f"there is no sample {action.sample}: this data set has samples 1–{size}"
    if isinstance(action, act.KnockOut) and not (action.layer < net.n_layers and action.unit <= net.sizes[action.layer]):
        layers = net.n_layers - 1
        if action.layer > layers:
            return f"there is no hidden layer {action.layer}: this network has {layers or 'no'} hidden layer{'s' if layers != 1 else ''}"
        return f"there is no hidden unit {action.unit} in hidden layer {action.layer}: it has {net.sizes[action.layer]}"
    if isinstance(action, act.SetParam):
        try:
            parse_parameter(net, action.param)
        except ValueError as error:
            return str(error)
    if isinstance(action, act.CustomSample):
        return check_input(action.x, action.y, net.sizes[0], net.sizes[-1])
    return None


def load(path: str | Path) -> Recording:
    """Read a session file, or raise SessionFileError saying what is wrong and where."""
    raw = read_limited(path, MAX_BYTES, "session file", SessionFileError)
    name = shown_path(path)
    try:
        document = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise SessionFileError(f"{name}: not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise SessionFileError(f"{name}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})") from None
    except RecursionError:
        raise SessionFileError(f"{name}: nests too deeply to be a session file") from None
    except ValueError:  # Python's limit on integer digits: not a JSON error, and no value needs them
        raise SessionFileError(f"{name}: holds a number with thousands of digits: no session value is that large") from None
    try:
        return parse(document)
    except SessionFileError as error:
        raise SessionFileError(f"{name}: {error}") from None
