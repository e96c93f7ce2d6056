"""Session files: the settings, the target loss and every action of a session, to play it back.

Format (plain JSON, `tui-nn-session/1`):

    {"format": "tui-nn-session/1",
     "config": {"problem": "xor", "hidden": [2], "activation": "sigmoid", …},
     "target_loss": 0.001,
     "digits": 4,
     "actions": [{"action": "next"}, {"action": "train", "epochs": 9675}, {"action": "back"}, …]}

Applying the actions in order to a fresh session built from the config lands on bit-identical
parameters (live training is recorded as the exact number of epochs it ran). A CSV data set the
session used is stored in it, rows and all (`"data": {"mine.csv": {"name", "source", "sha256",
"rows"}}`, by the path its settings name), so the file is not needed to play it back; files
saved before that hold no "data", and need the CSV at the same path. A weights file is needed
at the same path.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tui_nn.engine.nn import datasets
from tui_nn.engine.nn.datasets import DataFileError, Dataset
from tui_nn.engine.session import actions as act
from tui_nn.engine.session.config import MAX_POINTS, Config
from tui_nn.engine.session.safe_files import MAX_FILE_BYTES, read_limited, shown_path, write_atomic

if TYPE_CHECKING:
    from tui_nn.engine.session.build import Session

FORMAT = "tui-nn-session/1"
MAX_ACTIONS = 1_000_000
MAX_BYTES = 32 * 2**20  # a million steps recorded is about 20 MB
MAX_NAME = 255  # characters of a stored data set's name (a file name's stem)
PIN_KEYS = 9  # the number keys pin samples 1–9, whatever the data set's size


class SessionFileError(ValueError):
    """A session file that cannot be played; the message says what and where."""


@dataclass(frozen=True)
class Recording:
    config: Config
    target_loss: float
    digits: int
    actions: tuple[act.Action, ...]
    # every CSV data set the session used, by the path its settings name (as given), rows and all:
    # a replay uses these, from any folder, whatever became of the files
    data: dict[str, Dataset] = field(default_factory=dict)


def to_json(recording: Recording) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "config": act.config_to_json(recording.config),
        "target_loss": recording.target_loss,
        "digits": recording.digits,
        **({"data": {path: _data_to_json(data) for path, data in recording.data.items()}} if recording.data else {}),
        "actions": [a.to_json() for a in recording.actions],
    }


def _data_to_json(data: Dataset) -> dict[str, Any]:
    # floats as JSON writes them: they read back bit for bit; one-hot targets as their class number, as a CSV has them
    labels = data.y if data.y.shape[1] == 1 else data.class_index.reshape(-1, 1)
    rows = np.hstack([data.x, labels]).tolist()
    return {"name": data.name, "source": data.source, "sha256": data.sha256, "rows": rows}


def _data_from_json(path: str, document: object, task: str | None = None) -> Dataset:
    """A stored data set, its rows checked as its CSV file's were (finite, labels 0 … K−1 with none
    left out, at least two classes, at most MAX_POINTS)."""
    where = f"data[{json.dumps(act.shown_text(path))}]"
    if not isinstance(document, dict) or not isinstance(document.get("rows"), list):
        raise SessionFileError(f"{where} must be an object with the data set's rows")
    extra = set(document) - {"name", "source", "sha256", "rows"}
    if extra:
        raise SessionFileError(f"{where}: unknown field(s) {', '.join(sorted(act.shown_text(e) for e in extra))}")
    name, source, digest = document.get("name"), document.get("source"), document.get("sha256")
    if not isinstance(name, str) or not name or len(name) > MAX_NAME:
        raise SessionFileError(f"{where}: name must be the data set's name (text)")
    if source is not None and not isinstance(source, str):
        raise SessionFileError(f"{where}: source must be the file's path or null")
    if digest is not None and not (isinstance(digest, str) and re.fullmatch(r"[0-9a-f]{64}", digest)):
        raise SessionFileError(f"{where}: sha256 must be 64 hexadecimal digits or null")
    raw = document["rows"]
    if len(raw) > MAX_POINTS:
        raise SessionFileError(f"{where}: {len(raw)} rows: at most {MAX_POINTS}")
    lines = []
    # every row as long as the first: three numbers (x1, x2, label), or two (x, y) for a 1-D regression
    width = len(raw[0]) if raw and isinstance(raw[0], list) and len(raw[0]) == 2 else 3
    shape = "three numbers (x1, x2, label)" if width == 3 else "two numbers (x, y), as rows[0]"
    for k, row in enumerate(raw):
        if (
            not isinstance(row, list)
            or len(row) != width
            or any(isinstance(v, bool) or not isinstance(v, int | float) for v in row)
        ):
            raise SessionFileError(f"{where}: rows[{k}] must be {shape}")
        lines.append(",".join(_csv_number(v) for v in row))
    try:  # the CSV reader's own checks; its row k is rows[k - 1]
        parsed = datasets.parse_csv("\n".join(lines), where, MAX_POINTS, task)  # the task the session's --task decided
    except DataFileError as error:
        raise SessionFileError(str(error)) from None
    return Dataset(name, parsed.x, parsed.y, source, digest, parsed.task)


def _csv_number(value: float) -> str:
    """A JSON number as CSV text that reads back to the same float (an integer too large for a
    float as inf, which the CSV reader refuses by name)."""
    try:
        return repr(float(value))
    except OverflowError:
        return "inf"


def changed_files(recording: Recording) -> list[str]:
    """A sentence for each stored data set whose file is still where it was read but now holds
    something else: the replay uses the rows stored in the session, not the file."""
    notes = []
    for data in recording.data.values():
        if data.source is None or data.sha256 is None:
            continue
        try:
            now = hashlib.sha256(read_limited(data.source, MAX_FILE_BYTES, "data file", DataFileError)).hexdigest()
        except DataFileError:
            continue  # gone or unreadable: the stored rows are all the replay needs
        if now != data.sha256:
            notes.append(
                f"{shown_path(data.source)} has changed since the session was saved; "
                f"the replay uses the {data.size} rows stored in the session"
            )
    return notes


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
    stored = document.get("data", {})  # absent in files saved before data sets were stored
    if not isinstance(stored, dict):
        raise SessionFileError("data must be an object: the data sets by the path their settings name")
    data = {path: _data_from_json(path, entry, config.task) for path, entry in stored.items()}
    return Recording(config, float(target), digits, tuple(actions), data)


OLD_BIAS_LETTERS = "bcdefgh"  # before hidden biases were named after their unit: b1 was h1's bias, c1 the next layer's


def as_recorded(action: act.Action, session: Session) -> act.Action:
    """`action` with the names it was recorded with read as they were meant. Files saved before
    hidden biases were named after their unit (b_h1) call h1's bias b1, and the second hidden
    layer's c1; the app never records a bare b1 now (the NumPy view's rows are b1[0] …), so such a
    name in a file can only be the old one."""
    if not isinstance(action, act.SetParam):
        return action
    name = action.param
    if len(name) < 2 or name[0] not in OLD_BIAS_LETTERS or not name[1:].isdigit():
        return action
    from tui_nn.engine.walk.notation import Names

    layer, j = OLD_BIAS_LETTERS.index(name[0]), int(name[1:]) - 1
    sizes = session.net.sizes
    if layer >= len(sizes) - 2 or not 0 <= j < sizes[layer + 1]:  # not a hidden unit this network has
        return action
    return act.SetParam(Names(sizes).bias(layer, j), action.value)


def out_of_place(action: act.Action, session: Session) -> str | None:
    """Why `action` cannot belong where it is applied, or None. Some values are out of range only
    for a particular network or data set: a sample, a hidden unit or a parameter it does not have,
    an input of the wrong size. The app records none of these (its dialogs and selections offer
    only what exists), except a pin by a number key beyond a small data set, which changes nothing."""
    from tui_nn.engine.walk.notation import parse_parameter
    from tui_nn.engine.walk.own_input import check_input

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
