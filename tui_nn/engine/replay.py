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
from typing import Any

from tui_nn.engine import actions as act
from tui_nn.engine.config import Config
from tui_nn.engine.safe_files import read_limited, write_atomic

FORMAT = "tui-nn-session/1"
MAX_ACTIONS = 1_000_000
MAX_BYTES = 32 * 2**20  # a million steps recorded is about 20 MB


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
        raise SessionFileError(f'format must be "{FORMAT}", not {json.dumps(document.get("format"))}')
    for key in ("config", "actions"):
        if key not in document:
            raise SessionFileError(f'missing key "{key}"')
    try:
        config = act.config_from_json(document["config"])
    except act.ActionError as error:
        raise SessionFileError(str(error)) from None
    target = document.get("target_loss", 1e-3)
    digits = document.get("digits", 4)
    if isinstance(target, bool) or not isinstance(target, int | float) or not target > 0:
        raise SessionFileError("target_loss must be a positive number")
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 12:
        raise SessionFileError("digits must be a whole number from 1 to 12")
    raw = document["actions"]
    if not isinstance(raw, list) or len(raw) > MAX_ACTIONS:
        raise SessionFileError(f"actions must be a list of at most {MAX_ACTIONS:,} actions")
    actions = []
    for k, item in enumerate(raw):
        try:
            actions.append(act.action_from_json(item))
        except act.ActionError as error:
            raise SessionFileError(f"actions[{k}]: {error}") from None
    return Recording(config, float(target), digits, tuple(actions))


def load(path: str | Path) -> Recording:
    """Read a session file, or raise SessionFileError saying what is wrong and where."""
    raw = read_limited(path, MAX_BYTES, "session file", SessionFileError)
    try:
        document = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise SessionFileError(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise SessionFileError(f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})") from None
    except RecursionError:
        raise SessionFileError(f"{path}: nests too deeply to be a session file") from None
    try:
        return parse(document)
    except SessionFileError as error:
        raise SessionFileError(f"{path}: {error}") from None
