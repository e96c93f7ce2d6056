"""`tui-nn replay FILE`: a saved session (S in the app, `tui-nn-session/1`) played back.

In the app, the recorded actions wait in a queue: → applies the next, p plays them. With
`--check` (or `--headless`) there is no app: every action is applied by the Controller, as the
app would, and the state it lands on is printed — the epoch and the position in the pass, the
loss and accuracy on the whole data set, every parameter written so it reads back bit for bit,
and a SHA-256 digest of them — so a teacher can verify that a recording lands where it says.
`--expect` names where it should land (the digest a previous check printed, or the network saved
with `s` when the session was saved) and the check says whether it is bit-identical: exit 0 if
it is, 1 if not.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tui_nn.cli.options import UsageError, display_options, launch
from tui_nn.engine.nn.datasets import DataFileError
from tui_nn.engine.nn.network import Network
from tui_nn.engine.session import actions as act
from tui_nn.engine.session import persist, replay
from tui_nn.engine.session.build import Session, build
from tui_nn.engine.session.config import ConfigError
from tui_nn.engine.session.controller import Controller
from tui_nn.engine.session.replay import Recording, SessionFileError
from tui_nn.engine.session.safe_files import shown_path
from tui_nn.engine.walk.notation import parameter_label
from tui_nn.engine.walk.records import json_number

DISPLAY_FLAGS = ("ascii", "save_to", "pace", "theme", "quiz")


def run_replay(args: argparse.Namespace) -> int:
    name = shown_path(args.file)
    if args.json and not args.check:
        raise UsageError("--json goes with --check (the app shows the replay itself)")
    if args.check:
        given = [flag for flag in DISPLAY_FLAGS if getattr(args, flag) not in (None, False)]
        if given:
            raise UsageError(f"--{given[0].replace('_', '-')} is for the app; --check replays without it")
    else:
        options = display_options(args)  # a bad option before the file is read, as everywhere
    if args.expect is not None and not args.check:
        raise UsageError("--expect goes with --check (the app shows the replay itself)")
    expected = read_expected(args.expect) if args.expect is not None else None  # a bad file before the replay
    recording = replay.load(args.file)
    session = rebuild(name, recording)
    notes = replay.changed_files(recording)
    if args.check:
        for note in notes:
            print(f"tui-nn: note: {note}", file=sys.stderr)
    else:  # the app's first log line (a line on stderr would vanish under the app)
        session.origin = "; ".join(notes) or None
    if args.check:
        return check(name, recording, session, args.json, expected)
    return launch(session, {**options, "target_loss": recording.target_loss, "replay": recording})


def rebuild(name: str, recording: Recording) -> Session:
    """The session the recording starts from; a network or data file it names that cannot be read
    now is one line naming both files."""
    try:
        config = recording.config
        return build(config, data=recording.data.get(config.data) if config.data else None, digits=recording.digits)
    except (ConfigError, persist.NetworkFileError, DataFileError) as error:
        raise SessionFileError(f"{name}: its starting network cannot be built: {error}") from None


@dataclass(frozen=True)
class Expected:
    """Where a replay should land: a SHA-256 of the parameters, or a saved network's parameters."""

    source: str
    sha256: str
    params: np.ndarray | None = None  # None when only the digest is known
    sizes: tuple[int, ...] | None = None


def read_expected(text: str) -> Expected:
    """`--expect`: 64 hexadecimal digits (a digest `replay --check` printed), or a network file
    (.json or .npz, as `s` or `train --save` writes it); NetworkFileError names a bad file."""
    digest_text = text.strip().lower()
    if not digest_text:  # Path("") is the current folder: it would be named as "."
        raise UsageError("--expect: give the sha256 a check printed or a network file saved with s, not an empty text")
    if re.fullmatch(r"[0-9a-f]{64}", digest_text) and not Path(text).exists():
        return Expected("the SHA-256 " + digest_text[:12] + "…", digest_text)
    loaded = persist.load(text)
    net = loaded.build("sigmoid", "bce")  # only the parameters are compared: activations do not matter
    return Expected(shown_path(text), digest(net.params), net.params.copy(), net.sizes)


def compare(expected: Expected, net: Network) -> tuple[bool, str]:
    """Whether the parameters are bit-identical to the expected ones, and one line saying so (or
    how many differ, and the largest difference with both values written to read back exactly)."""
    landed = digest(net.params)
    if landed == expected.sha256:
        return True, f"bit-identical to {expected.source}: all {net.params.size} parameters, sha256 {landed}"
    if expected.params is None:
        return False, f"differs from {expected.source}: the parameters' sha256 is {landed}"
    if expected.sizes != net.sizes:
        shape = "-".join(map(str, expected.sizes or ()))
        return (
            False,
            f"differs from {expected.source}: that is a {shape} network; the replay lands on {'-'.join(map(str, net.sizes))}",
        )
    apart = expected.params.view(np.uint64) != net.params.view(np.uint64)
    with np.errstate(all="ignore"):
        gaps = np.where(apart, np.abs(net.params - expected.params), 0.0)
    worst = int(np.nanargmax(gaps)) if not np.isnan(gaps).all() else int(np.argmax(apart))
    log_name, file_name, value = parameters(net)[worst]
    return False, (
        f"differs from {expected.source}: {int(apart.sum())} of {net.params.size} parameters, the largest at "
        f"{log_name} ({file_name}): the replay lands on {value!r}, expected {float(expected.params[worst])!r}"
    )


@dataclass(frozen=True)
class Unchanged:
    """A recorded action that changed nothing where it was applied (as when it was recorded)."""

    index: int
    action: str
    message: str


def apply_all(name: str, recording: Recording, session: Session) -> tuple[Controller, list[Unchanged]]:
    """Apply every action, in order, as the app does. An action the engine refuses outright
    (settings that cannot be built, a value out of range) is a SessionFileError naming it."""
    controller = Controller(session, recording.target_loss, recording.data)
    unchanged: list[Unchanged] = []
    for k, recorded in enumerate(recording.actions):
        action = replay.as_recorded(recorded, controller.session)
        problem = replay.out_of_place(action, controller.session)
        if problem is not None:
            raise SessionFileError(f"{name}: actions[{k}] ({action.name}) cannot be applied: {problem}")
        try:
            outcome = controller.apply(action)
        except (ValueError, OverflowError) as error:  # the file's values, not a bug: say which action
            raise SessionFileError(f"{name}: actions[{k}] ({action.name}) cannot be applied: {error}") from None
        message = outcome.message
        if message is None:
            continue
        if message.tone == "error" and not isinstance(action, act.Train):  # a run that diverged is what happened
            raise SessionFileError(f"{name}: actions[{k}] ({action.name}) cannot be applied: {message.text}")
        if message.tone == "warn":
            unchanged.append(Unchanged(k, action.name, message.text))
    return controller, unchanged


def digest(params: np.ndarray) -> str:
    """SHA-256 of the parameters as little-endian float64, in the network's order:
    `hashlib.sha256(np.asarray(params, "<f8").tobytes()).hexdigest()`."""
    return hashlib.sha256(np.ascontiguousarray(params, dtype="<f8").tobytes()).hexdigest()


def parameters(net: Network) -> list[tuple[str, str, float]]:
    """(log name, file name, value) of every parameter, in the network's order."""
    rows = []
    for index, value in enumerate(net.params):
        log_name, file_name = parameter_label(net, index).split(" ")
        rows.append((log_name, file_name.strip("()"), float(value)))
    return rows


def check(name: str, recording: Recording, session: Session, as_json: bool, expected: Expected | None = None) -> int:
    controller, unchanged = apply_all(name, recording, session)
    session = controller.session
    stepper, net, data = controller.stepper, session.net, session.data
    with np.errstate(all="ignore"):
        loss = net.loss_value(data.x, data.y)
        right = data.task_kind.score(net.predict(data.x), data.y)  # accuracy, or a regression's R²
    finite = bool(np.isfinite(net.params).all())
    position, total = stepper.position, stepper.current.total
    nxt = stepper.peek()
    next_step = f"{nxt.phase}" + (f", sample {nxt.sample + 1}" if nxt.sample is not None else "")
    pinned = f" · sample {stepper.focus + 1} pinned" if stepper.focus is not None else ""
    rows = parameters(net)
    verdict = None if expected is None else compare(expected, net)
    if as_json:
        document = {
            "file": name,
            "actions": len(recording.actions),
            "unchanged": [{"index": u.index, "action": u.action, "message": u.message} for u in unchanged],
            "network": session.describe(),
            "epoch": stepper.epoch,
            "position": position,
            "steps_in_pass": total,
            "next": next_step,
            "pinned": None if stepper.focus is None else stepper.focus + 1,
            "loss": json_number(loss),
            "accuracy": right,
            "sha256": digest(net.params),
            "parameters": [
                {"name": log_name, "file_name": file_name, "value": json_number(value)} for log_name, file_name, value in rows
            ],
            "expected": None
            if verdict is None or expected is None
            else {"source": expected.source, "sha256": expected.sha256, "identical": verdict[0], "verdict": verdict[1]},
        }
        if stepper.trainer.validation is not None:  # (a key of its own only then: files without one read as before)
            held_loss, held_right = stepper.trainer.validate()
            size = stepper.trainer.validation.size
            document["validation"] = {"size": size, "loss": json_number(held_loss), "accuracy": held_right}
        print(json.dumps(document, ensure_ascii=False))
    else:
        count = len(recording.actions)
        print(f"replay {name}: {count} action{'s' if count != 1 else ''} applied")
        if unchanged:
            first = unchanged[0]
            print(
                f"{len(unchanged)} changed nothing where they stood, as when recorded "
                f"(the first: actions[{first.index}] {first.action}: {first.message})"
            )
        print(session.describe())
        print(f"epoch {stepper.epoch} · {position} of this pass's {total} steps done (next: {next_step}){pinned}")
        task = data.task_kind
        # a dropout run's training loss drops units; this one, as the predictions, drops none
        said = "loss" if not net.dropout else "evaluation loss (no unit dropped)"
        scored = f"{task.score_title} {task.score_number(right)}"
        if stepper.trainer.validation is None:
            print(f"{said} {loss:.6g} · {scored} (the whole data set, at these parameters)")
        else:
            held_loss, held_right = stepper.trainer.validate()
            print(
                f"{said} {loss:.6g} · {scored} (the training part, at these parameters) · validation loss {held_loss:.6g} · "
                f"{task.score_title} {task.score_number(held_right)} ({stepper.trainer.validation.size} points held out)"
            )
        print(f"sha256 {digest(net.params)} (the {len(rows)} parameters below as little-endian float64, in this order)")
        width = max(len(f"{log_name} ({file_name})") for log_name, file_name, _ in rows)
        for log_name, file_name, value in rows:
            print(f"{f'{log_name} ({file_name})':<{width}} = {value!r}")
        if verdict is not None:
            print(verdict[1])
    if not finite:
        print(f"tui-nn: replay {name} ends on weights that are not finite numbers (training diverged)", file=sys.stderr)
        return 1
    if verdict is not None and not verdict[0]:
        if as_json:  # the text form has already said it, on its last line
            print(f"tui-nn: replay {name} {verdict[1]}", file=sys.stderr)
        return 1
    return 0
