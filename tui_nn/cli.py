"""Command line: `tui-nn PROBLEM`, `lesson` and `replay` open the app; `train`, `trace`,
`gradcheck`, `explain` and `replay --check` run headless.

Every bad option is reported as one line on stderr with exit status 2, before anything starts.
Exit statuses: 0 done; 1 a headless run diverged, ended with η too high, or failed its check; 2 bad usage or a bad
file; 70 an internal error (a report file is written); 128 + N a signal (130 for Ctrl+C); the
app's 129 also when its terminal goes away.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn, TextIO, TypeVar

import numpy as np

from tui_nn import __version__
from tui_nn.engine import config as cfg
from tui_nn.engine import persist, safe_files
from tui_nn.engine.activations import HIDDEN_ACTIVATIONS
from tui_nn.engine.config import Config, ConfigError
from tui_nn.engine.datasets import PROBLEMS, DataFileError, Dataset
from tui_nn.engine.datasets import load as load_dataset
from tui_nn.engine.diagnostics import STUCK_WINDOW, trainer_diagnosis
from tui_nn.engine.history import History
from tui_nn.engine.live_run import StuckCheck, train_slice
from tui_nn.engine.logbook import Entry
from tui_nn.engine.pace import DEFAULT_PACE, PACES, pace_text, parse_pace
from tui_nn.engine.reason_words import describe
from tui_nn.engine.reasons import Diagnosis, Diverged, RateTooHigh, Stuck
from tui_nn.engine.records import NumberFormat, Step, json_number
from tui_nn.engine.render import step_json, step_text
from tui_nn.engine.session import Session, build, data_defaults
from tui_nn.engine.training import Trainer
from tui_nn.engine.words import Telling, sentence

if TYPE_CHECKING:  # loaded by the commands that use them: the app's first frame needs none of them
    from tui_nn.engine.lesson import Lesson

T = TypeVar("T")
COMMANDS = ("train", "trace", "gradcheck", "explain", "lesson", "replay")
TraceFormat = Literal["text", "markdown", "latex", "json"]
TRACE_FORMATS: tuple[TraceFormat, ...] = ("text", "markdown", "latex", "json")
# The value of a bare --lesson (the built-in XOR lesson): a NUL, which no command-line argument
# can hold, so `--lesson ''` is an empty file name, not a request for the built-in lesson.
BUILT_IN_LESSON = "\0"
NETWORK_OPTIONS = ("hidden", "activation", "loss", "lr", "init", "seed", "optimizer", "batch", "weights", "data")


class UsageError(Exception):
    """A bad command line; the message is the one line shown to the user."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("problem", nargs="?", help=f"data set: {', '.join(PROBLEMS)} (optional with --data)")
    parser.add_argument("--data", metavar="FILE", help="your own points: a CSV of x1,x2,label (label 0 or 1)")
    parser.add_argument("--hidden", help="hidden layer sizes, e.g. 4 or 16,8 (default 2 for the gates)")
    parser.add_argument("--activation", help=f"hidden activation: {', '.join(HIDDEN_ACTIVATIONS)}")
    parser.add_argument("--loss", help="bce (default) or mse")
    parser.add_argument("--lr", help="learning rate η (default 1.0 for the gates)")
    parser.add_argument("--init", help="normal:SCALE, xavier, he, uniform:A or zeros (default normal:1)")
    parser.add_argument("--seed", help="seed of the weight initialisation")
    parser.add_argument("--optimizer", help="sgd (default), momentum or adam")
    parser.add_argument("--batch", help="mini-batch size (default: the whole data set)")
    parser.add_argument("--weights", metavar="FILE", help="start from a saved network (.json or .npz)")
    parser.add_argument("--digits", default="4", help="decimals shown in formulas (default 4)")


def _app_display(parser: argparse.ArgumentParser, target_loss: bool = True) -> None:
    """How the app looks and starts: options of every command that opens it (and of `serve`)."""
    parser.add_argument("--ascii", action="store_true", help="plain ASCII drawing for terminals without block characters")
    if target_loss:
        parser.add_argument("--target-loss", default="1e-3", help="live training stops below this loss (default 1e-3)")
    parser.add_argument("--save-to", metavar="FILE", help="where s saves the network (default PROBLEM-epochN.json)")
    ladder = ", ".join(pace_text(p).removesuffix("/s") for p in PACES)
    parser.add_argument(
        "--pace",
        metavar="N|max",
        help=f"live training's pace in epochs a second: {ladder} (default {DEFAULT_PACE}; [ and ] change it)",
    )
    parser.add_argument("--theme", metavar="dark|light", help="colours: dark (default) or light (reads on a projector)")
    parser.add_argument("--quiz", action="store_true", help="start in quiz mode: → asks for each step's value before showing it")


def make_parser() -> dict[str, argparse.ArgumentParser]:
    app = _Parser(prog="tui-nn", description="Watch a neural network learn, one arithmetic step at a time.")
    _common(app)
    _app_display(app)
    app.add_argument(
        "--lesson",
        nargs="?",
        const=BUILT_IN_LESSON,
        metavar="FILE",
        help="open a guided lesson: FILE (Markdown, see docs/lessons.md), or the built-in XOR lesson without one",
    )
    train = _Parser(
        prog="tui-nn train",
        description="Train headless and print the loss the way the tutorials do.",
        epilog="exit status: 0 done; 1 training diverged, or it ended with the learning rate too high "
        "(the loss rose, swings, or will not come down with a large gradient: the line says which and the --lr to try); "
        "2 bad input. A stuck run (a flat loss with a small gradient) is reported where it happens and exits 0.",
    )
    _common(train)
    train.add_argument("--epochs", default="5000", help="how many epochs to train (default 5000)")
    train.add_argument("--every", default="1000", help="log every K epochs (default 1000)")
    train.add_argument("--json", action="store_true", help="one JSON object per logged epoch, then the predictions")
    train.add_argument("--save", metavar="FILE", help="save the trained network as JSON")
    trace = _Parser(prog="tui-nn trace", description="Print the calculation log of a step-by-step walk.")
    _common(trace)
    trace.add_argument("--sample", help="walk this sample alone (1-based)")
    trace.add_argument("--epochs", default="1", help="how many epochs to walk, each a pass over every batch (default 1)")
    trace.add_argument("--input", help="walk your own input, e.g. 0.05,0.10 (with --target)")
    trace.add_argument("--target", help="the target for --input, e.g. 0.01,0.99")
    trace.add_argument(
        "--format",
        help="text (default), markdown (LaTeX math, for a handout), latex (a whole document) or json (one object per micro-step)",
    )
    trace.add_argument("--json", action="store_true", help="the same as --format json")
    trace.add_argument(
        "--no-words",
        action="store_true",
        help="leave out the plain sentences under the steps (text, markdown, latex: each kind's the first time in a pass)",
    )
    trace.add_argument("--output", metavar="FILE", help="write the trace to FILE (atomically) instead of standard output")
    grad = _Parser(prog="tui-nn gradcheck", description="Compare analytic and numerical gradients.")
    _common(grad)
    explain = _Parser(
        prog="tui-nn explain",
        description="Where one weight's, bias's or unit's numbers come from: the app's inspector, headless.",
    )
    _common(explain)
    explain.add_argument(
        "--param", metavar="NAME", help="a weight or bias: w12, v1, b_out, or W1[0,1], b2[0] as in network files"
    )
    explain.add_argument("--unit", metavar="NAME", help="a unit: x1, h2, out (h1.2 in deeper networks)")
    explain.add_argument("--epochs", "--epoch", default="0", help="train this many epochs first (default 0: the start)")
    explain.add_argument("--sample", help="walk this sample alone (1-based), as pinning it in the app does")
    explain.add_argument("--json", action="store_true", help="one JSON object with every number")
    lesson = _Parser(prog="tui-nn lesson", description="Open a guided lesson in the app: FILE, or the built-in XOR lesson.")
    lesson.add_argument("file", nargs="?", metavar="FILE", help="a lesson file (Markdown, see docs/lessons.md)")
    _app_display(lesson)
    lesson.add_argument("--digits", default="4", help="decimals shown in formulas (default 4)")
    replay = _Parser(
        prog="tui-nn replay", description="Play back a saved session (S in the app) in the app, or check it headless."
    )
    replay.add_argument("file", metavar="FILE", help="a session file (tui-nn-session/1)")
    replay.add_argument(
        "--check",
        "--headless",
        action="store_true",
        help="apply every action without the app and print where the session lands (epoch, loss, every parameter)",
    )
    replay.add_argument(
        "--expect",
        metavar="SHA256|NETWORK",
        help="with --check: where it should land, the sha256 a check printed or the network saved with s; "
        "says whether it is bit-identical (exit 0) or not (exit 1)",
    )
    replay.add_argument("--json", action="store_true", help="with --check: one JSON object")
    _app_display(replay, target_loss=False)
    return {"app": app, "train": train, "trace": trace, "gradcheck": grad, "explain": explain, "lesson": lesson, "replay": replay}


def config_from(args: argparse.Namespace) -> tuple[Config, bool]:
    """Validate the common options into a Config (ConfigError names the option)."""
    if args.problem is None and args.data is None:
        raise UsageError(f"name a problem ({', '.join(PROBLEMS)}) or give --data FILE.csv")
    problem = _option("problem", args.problem or cfg.DATA_PROBLEM, cfg.parse_problem)
    config = cfg.defaults_for(problem)
    changes: dict[str, object] = {}
    parsers = {
        "hidden": cfg.parse_hidden,
        "activation": cfg.parse_activation,
        "loss": cfg.parse_loss,
        "lr": cfg.parse_lr,
        "init": cfg.parse_init,
        "seed": cfg.parse_seed,
        "optimizer": cfg.parse_optimizer,
        "batch": cfg.parse_batch,
    }
    for name, parse in parsers.items():
        value = getattr(args, name)
        if value is not None:
            changes[name] = _option(f"--{name}", value, parse)
    if args.weights is not None:
        changes["weights"] = args.weights
    if args.data is not None:
        changes["data"] = args.data
    return config.with_changes(**changes), args.hidden is not None


def _option(flag: str, value: str, parse: Callable[[str], T]) -> T:
    try:
        return parse(value)
    except ConfigError as error:
        raise ConfigError(f"{flag}: {error}") from None


def _digits(args: argparse.Namespace) -> int:
    return _option("--digits", args.digits, lambda t: cfg.parse_int("digits", t, 1, 12))


def _vector_arg(flag: str, text: str) -> tuple[float, ...]:
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError:
        raise ConfigError(f"{flag}: expected numbers separated by commas, e.g. 0.05,0.10, not {cfg.shown_value(text)}") from None


def _your_input(config: Config, input_text: str, target_text: str) -> Dataset:
    """`--input X --target Y` as one sample for the network the other options define (the
    problem's 2 inputs and 1 output, or the --weights file's), checked as the app's I checks it."""
    from tui_nn.engine.own_input import INPUT_NAME, check_input

    x, y = _vector_arg("--input", input_text), _vector_arg("--target", target_text)
    if config.weights:
        sizes = persist.load(config.weights).sizes
        n_in, n_out = sizes[0], sizes[-1]
    else:
        shape = load_dataset(config.problem)
        n_in, n_out = shape.x.shape[1], shape.y.shape[1]
    problem = check_input(x, y, n_in, n_out, config.loss)
    if problem is not None:
        flag = "--input" if problem.startswith("the input") else "--target"
        raise ConfigError(f"{flag}: {problem}")
    return Dataset(INPUT_NAME, np.array([x], dtype=np.float64), np.array([y], dtype=np.float64))


def run_train(args: argparse.Namespace) -> int:
    config, hidden_given = config_from(args)
    epochs = _option("--epochs", args.epochs, lambda t: cfg.parse_int("epochs", t, 0, 10**9))
    every = _option("--every", args.every, lambda t: cfg.parse_int("--every", t, 1))
    save_to = check_save_target(args.save) if args.save is not None else None  # before any epoch runs
    session = build(config, hidden_given=hidden_given, digits=_digits(args))
    trainer = session.stepper.trainer
    out = sys.stdout
    if not args.json:
        print(f"training {session.describe()}", file=out)
    watch = StuckCheck(trainer)
    stopped, found = _train_and_log(trainer, epochs, every, args.json, watch)
    done = trainer.epoch  # the network's epoch: on divergence, the epoch whose update went wrong is not counted
    final_loss, final_accuracy, final_norm = trainer.evaluate()
    predictions = session.net.predict(session.data.x)
    final_row = np.array([[trainer.epoch, final_loss, final_accuracy, final_norm]])
    ending = None if stopped is not None else _rate_too_high_at_the_end(trainer, trainer.epoch - watch.origin, final_row)
    if args.json:
        print(
            json.dumps(
                {
                    "epochs": done,
                    "loss": json_number(final_loss),
                    "accuracy": final_accuracy,
                    "grad_norm": json_number(final_norm),
                    "stopped": None if stopped is None else describe(stopped, "flags"),
                    "stuck": None
                    if not isinstance(found, Stuck)
                    else {"epoch": found.epoch, "message": describe(found, "flags")},
                    "diagnosis": None if found is None else _diagnosis_json(found),
                    "rate_too_high_at_the_end": None if ending is None else _diagnosis_json(ending),
                    "predictions": [_prediction(session.data, i, predictions) for i in range(session.data.size)],
                },
                ensure_ascii=False,
            )
        )
    else:
        print(f"after {done} epochs: loss {compact(final_loss)}  accuracy {final_accuracy:.0%}")
        _print_table(session, predictions)
    status = 0
    if stopped is not None:
        print(f"tui-nn: training stopped: {describe(stopped, 'flags')}", file=sys.stderr)
        status = 1
    elif ending is not None:
        print(f"tui-nn: training ended with the loss not coming down: {describe(ending, 'flags')}", file=sys.stderr)
        status = 1
    if save_to is not None:
        extra = {
            "lr": config.lr,
            "seed": config.seed,
            "epoch": trainer.epoch,
            "optimizer": config.optimizer,
            "problem": config.problem,
        }
        if not np.isfinite(session.net.params).all():
            print(
                f"tui-nn: not saved to {safe_files.shown_path(save_to)}: the weights are no longer finite numbers",
                file=sys.stderr,
            )
            return 1
        try:
            path = persist.save(save_to, session.net, extra)
        except OSError as error:  # SaveError included
            return _rescue(session, extra, save_to, error)
        print(f"saved {safe_files.shown_path(path)}", file=sys.stderr if args.json else out)
    return status


def _diagnosis_json(found: Diagnosis) -> dict[str, object]:
    return {"kind": found.kind, "epoch": found.epoch, "message": describe(found, "flags")}


FINAL_WINDOW_MIN = 100  # epochs: a run shorter than this is too short to say its loss stopped coming down


def _rate_too_high_at_the_end(trainer: Trainer, trained: int, final_row: np.ndarray) -> RateTooHigh | None:
    """η too high, judged over the run's last STUCK_WINDOW epochs (or all of a shorter run's) up to
    the state it ends in (`final_row`, the row its next epoch would record first: the loss the
    summary prints)."""
    window = min(STUCK_WINDOW, trained)
    if window < FINAL_WINDOW_MIN:
        return None
    rows = trainer.history.tail(window)
    probe = History(window + 1)
    probe.extend(np.vstack([rows, final_row]))
    found = trainer_diagnosis(trainer, probe, window)
    return found if isinstance(found, RateTooHigh) else None


def _train_and_log(
    trainer: Trainer, epochs: int, every: int, as_json: bool, watch: StuckCheck | None = None
) -> tuple[Diverged | None, Diagnosis | None]:
    """Train `epochs` epochs, logging epochs 0, K, 2K, … and the last, each once and in order.

    A logged epoch is trained on its own (`run(1)`) so that its row is the one that run just
    recorded, whatever the history later thins out; the epochs between run in one call (no
    longer than `watch` can look back over). When `watch` finds the run stuck or η too high, its
    diagnosis is printed where it falls among the logged epochs (text) or kept for the summary
    (JSON); only the first is reported, and training goes on: the live-run loop's stuck check
    finds it at the same epoch, with the same words, as the app's live training. Returns the
    divergence (or None) and that diagnosis (or None).
    """
    origin = trainer.epoch
    done = 0
    found: Diagnosis | None = None
    while done < epochs:
        last = epochs - 1
        logged = done % every == 0 or done == last
        count = 1 if logged else min((done // every + 1) * every, last) - done
        stuck = watch if found is None else None
        first = trainer.epoch
        result = train_slice(trainer, count, None, stuck)
        done = trainer.epoch - origin  # a diagnosis puts training back to the epoch it is about
        diverged = result.stopped if isinstance(result.stopped, Diverged) else None
        rows = trainer.history.tail(2)
        # A run can stop on the state its last update left (a row after the logged one): log both.
        last = len(rows) - 1
        wanted = [row for i, row in enumerate(rows) if (logged and row[0] == first) or (diverged and i == last)]
        for row in wanted:
            _log_epoch(row, as_json)
        if diverged:
            return diverged, found
        if isinstance(result.stopped, Stuck | RateTooHigh):  # (no target is set: the only other reasons)
            found = result.stopped
            if not as_json:
                print(f"epoch {found.epoch:>7}  {describe(found, 'flags')}")
            continue
        if result.cut_short:  # stopped early without a reason: nothing more will come
            break
    return None, found


def check_save_target(text: str, flag: str = "--save", example: str = "xor.json") -> Path:
    """Refuse a --save (or --output) destination that cannot work, before any time is spent.

    Checks: a name the file system accepts, not a folder, an existing folder to put it in,
    not a device or FIFO, and permission to create a file there (by creating and removing one).
    The save at the end goes through safe_files.write_atomic all the same.
    """
    shown = safe_files.shown_path
    if not text:
        raise ConfigError(f"{flag}: the file name is empty; give one, e.g. {example}")
    given = path = Path(text)
    folder = path.parent
    try:
        if _is_link(path):  # the save follows the link (safe_files.write_atomic): check where it leads
            path = Path(os.path.realpath(path))
            folder = path.parent
            if not folder.is_dir():
                raise ConfigError(f"{flag}: {shown(text)} is a symbolic link to {shown(path)}, whose folder does not exist")
        try:
            name_max = os.pathconf(folder if folder.is_dir() else ".", "PC_NAME_MAX")
        except (OSError, ValueError):
            name_max = 255
        length = len(os.fsencode(path.name))
        if length > name_max:
            raise ConfigError(f"{flag}: the file name is {length} bytes long; this file system allows at most {name_max}")
        if text.endswith(("/", os.sep)) or path.is_dir():
            raise ConfigError(f"{flag}: {shown(text)} is a folder; give a file name, e.g. {shown(Path(text) / example)}")
        if not folder.exists():
            raise ConfigError(f"{flag}: the folder {shown(folder)} does not exist")
        if not folder.is_dir():
            raise ConfigError(f"{flag}: {shown(folder)} is not a folder")
        if path.exists() and not path.is_file():
            raise ConfigError(f"{flag}: {shown(text)} exists and is not a regular file")
        fd, probe = tempfile.mkstemp(prefix=".tui-nn-check-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as error:
        raise ConfigError(f"{flag}: cannot create a file in {shown(folder)}: {error.strerror or error}") from None
    return given


def _is_link(path: Path) -> bool:
    """Whether `path` is a symbolic link; False when it cannot be looked at (a name too long is
    then named by the checks after)."""
    try:
        return path.is_symlink()
    except OSError:
        return False


def _rescue(session: Session, extra: dict[str, object], wanted: Path, error: OSError) -> int:
    """The save failed after training: write the network somewhere else (or to stdout) and say where."""
    if isinstance(error, safe_files.SaveError):
        problem = str(error)  # already one line naming the file
    else:
        problem = f"{safe_files.shown_path(wanted)}: {error.strerror or error}"
    name = f"{session.file_stem}-epoch{extra['epoch']}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.json"
    try:
        from tui_nn.ui.lifecycle import report_folders  # the same state folder as crash reports

        folders = report_folders()
    except Exception:
        folders = [Path(tempfile.gettempdir())]
    for folder in folders:
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            rescued = persist.save(folder / name, session.net, extra)
        except (OSError, ValueError):
            continue
        print(f"tui-nn: error: not saved: {problem}; the trained network was saved to {rescued} instead", file=sys.stderr)
        return 1
    document = persist.to_json(session.net, extra)
    print(json.dumps(document, default=float))
    print(f"tui-nn: error: not saved: {problem}; nor anywhere else: the network is on standard output", file=sys.stderr)
    return 1


def compact(value: float) -> str:
    """Six significant digits at any magnitude (1e+300 stays short); nan and inf as words."""
    return f"{value:.6g}"


def _log_epoch(row: np.ndarray, as_json: bool) -> None:
    epoch, loss, accuracy, norm = int(row[0]), float(row[1]), float(row[2]), float(row[3])
    if as_json:
        print(json.dumps({"epoch": epoch, "loss": json_number(loss), "accuracy": accuracy, "grad_norm": json_number(norm)}))
    else:
        print(f"epoch {epoch:>7}  loss {compact(loss)}  accuracy {accuracy:4.0%}  grad_norm {norm:.3e}")


def _prediction(data: Dataset, i: int, predictions: np.ndarray) -> dict[str, object]:
    return {
        "input": data.x[i].tolist(),
        "target": data.y[i].tolist(),
        "predicted": (predictions[i] > 0.5).astype(int).tolist(),
        "probability": predictions[i].tolist(),
    }


def _print_table(session: Session, predictions: np.ndarray) -> None:
    """The tutorials' closing table for the gates; accuracy per class for the point clouds."""
    data = session.data
    if not data.is_small:
        classes = (data.y > 0.5).ravel()
        guessed = (predictions > 0.5).ravel()
        for c in (0, 1):
            mask = classes == c
            print(f"class {c}: {np.mean(guessed[mask] == c):.1%} of {mask.sum()} points right")
        return
    fmt = NumberFormat(4)
    print("input    | target | predicted (probability)")
    for i in range(data.size):
        x = "(" + ", ".join(fmt(v) for v in data.x[i]) + ")"
        target = ", ".join(fmt(v) for v in data.y[i])
        predicted = ", ".join(f"{int(p > 0.5)} ({p:.4f})" for p in predictions[i])
        print(f"{x:<8} | {target:<6} | {predicted}")


def run_trace(args: argparse.Namespace) -> int:
    from tui_nn.engine import export

    kind = _trace_format(args)
    output = check_save_target(args.output, "--output", "trace.md") if args.output is not None else None  # before the walk
    config, hidden_given = config_from(args)
    epochs = _option("--epochs", args.epochs, lambda t: cfg.parse_int("epochs", t, 1, 100_000))
    data = None
    if args.input is not None or args.target is not None:
        if args.input is None or args.target is None:
            raise ConfigError("--input and --target go together")
        if args.sample is not None:
            raise ConfigError("--sample and --input cannot be combined")
        data = _your_input(config, args.input, args.target)
    session = build(config, data=data, hidden_given=hidden_given, digits=_digits(args))
    stepper = session.stepper
    if args.sample is not None:
        number = _option("--sample", args.sample, lambda t: cfg.parse_int("sample", t, 1))
        stepper.set_focus(cfg.check_sample(number, session.data.size))
    fmt = stepper.fmt
    walked = walked_text(session, epochs, your_input=data is not None)
    streaming = output is None and kind in ("text", "json")  # line by line, as the walk goes
    lines: list[str] = []
    entries: list[Entry] = [Entry("note", text=walked)]

    def emit(line: str) -> None:
        if streaming:
            print(line)
        else:
            lines.append(line)

    if kind == "text":
        emit(f"trace {session.describe()} · {walked}")  # one header line: readers skip it with `tail -n +2`
    telling = Telling()  # the log's choice of sentences: each kind's the first time in a pass
    status = 0
    for record in _walk_epochs(session, epochs):
        bad = next(((name, value) for name, value in record.results if not math.isfinite(value)), None)
        # the step where the numbers broke ends the trace: no sentence after it
        words = "" if args.no_words or kind == "json" or bad is not None else sentence(record, session.net)
        if kind == "json":
            emit(json.dumps(step_json(record, fmt), ensure_ascii=False))
        elif kind == "text":
            for line in step_text(record, fmt):
                emit(line)
            said = telling.say(record, words)
            if said:
                emit(export.sentence_line(said))
        else:
            entries.append(Entry("step", step=record, text=words))
        if bad is not None:
            formula = str(step_json(record, fmt)["formula"])
            print(f"tui-nn: trace stopped: {_non_finite_diagnosis(record, formula, *bad, stepper.lr)}", file=sys.stderr)
            status = 1
            break
    if kind == "markdown" or kind == "latex":
        document = export.document(kind, entries, fmt, f"tui-nn trace · {session.describe()}", words=not args.no_words)
    else:
        document = "".join(line + "\n" for line in lines)
    if output is not None:
        print(f"wrote {safe_files.shown_path(safe_files.write_atomic(output, document))}")
    elif not streaming:
        sys.stdout.write(document)
    return status


def _trace_format(args: argparse.Namespace) -> TraceFormat:
    if args.format is None:
        return "json" if args.json else "text"
    kind = next((f for f in TRACE_FORMATS if f == str(args.format).strip().lower()), None)
    if kind is None:
        raise ConfigError(f"--format: must be one of {', '.join(TRACE_FORMATS)}, not {cfg.shown_value(args.format)}")
    if args.json and kind != "json":
        raise ConfigError(f"--json and --format {kind} disagree: give one of them")
    return kind


def _walk_epochs(session: Session, epochs: int) -> Iterator[Step]:
    """Every micro-step of `epochs` whole epochs: each pass over the data, batch after batch."""
    stepper = session.stepper
    for _ in range(epochs):
        epoch = stepper.epoch
        while stepper.epoch == epoch:
            yield from stepper.walk_pass()


def walked_text(session: Session, epochs: int, your_input: bool = False) -> str:
    """What a trace walks, exactly: its epochs, and the batches and updates of each."""
    trainer = session.stepper.trainer
    count = "1 epoch:" if epochs == 1 else f"{epochs} epochs, each:"
    if trainer.focus is not None or session.data.size == 1:
        who = "your input" if your_input else f"sample {(trainer.focus or 0) + 1} alone"
        return f"walking {count} the forward and backward pass of {who}, then one update"
    sizes = [len(batch) for batch in trainer.batches(trainer.epoch)]
    m = session.data.size
    if len(sizes) == 1:
        return f"walking {count} the forward and backward pass of all {m} samples, then one update with their mean gradient"
    last = f" (the last of {sizes[-1]})" if sizes[-1] != sizes[0] else ""
    return (
        f"walking {count} a pass over all {m} samples in {len(sizes)} mini-batches of {sizes[0]}{last}, "
        f"an update after each; the order is shuffled every epoch (seed {trainer.seed})"
    )


def _non_finite_diagnosis(record: Step, formula: str, name: str, value: float, lr: float) -> str:
    """Where a walk left the finite numbers, and the likely cause: the start, or the updates."""
    state = "NaN" if math.isnan(value) else ("+inf" if value > 0 else "-inf")
    sample = f", sample {record.sample + 1}" if record.sample is not None else ""
    where = f"{name} became {state} in the {record.phase} step of epoch {record.epoch}{sample} ({formula})"
    if record.epoch == 0 and record.phase != "update":
        return f"{where}: the starting weights or inputs are too large for float64"
    return f"{where}: training diverged; learning rate {lr:g} is too high for this network, try ≤ {lr / 10:g}"


def run_gradcheck(args: argparse.Namespace) -> int:
    from tui_nn.engine.gradcheck import TOLERANCE, check, parameter_names

    config, hidden_given = config_from(args)
    session = build(config, hidden_given=hidden_given, digits=_digits(args))
    net, data = session.net, session.data
    result = check(net, data.x, data.y, parameter_names(net))
    print(f"gradcheck {session.describe()}")
    print(f"{'param':<8} {'analytic':>14} {'numerical':>14} {'rel. error':>11}")
    for c in result.checks:
        flag = "  kink: left out" if c.kink else ""
        print(f"{c.name:<8} {c.analytic:>14.6e} {c.numerical:>14.6e} {c.relative_error:>11.2e}{flag}")
    verdict = "PASS" if result.passed else "FAIL"
    print(
        f"max relative error {result.max_relative_error:.2e} over {len(result.checked)} parameters: "
        f"{verdict} (tolerance {TOLERANCE:g})"
    )
    if result.kinks:
        print(
            f"not checked: {', '.join(c.name for c in result.kinks)} — a ReLU pre-activation is within ε of 0 "
            "there, where the derivative is undefined"
        )
    return 0 if result.passed else 1


@dataclass(frozen=True)
class AppStart:
    """Everything the app starts with, checked: the session and TuiNN's keyword arguments."""

    session: Session
    options: dict[str, Any]


def display_options(args: argparse.Namespace) -> dict[str, Any]:
    """The app's look and start (--ascii, --save-to, --pace, --theme, --quiz) as TuiNN's keywords."""
    options: dict[str, Any] = {"ascii_only": args.ascii, "save_to": args.save_to, "quiz": args.quiz}
    if args.pace is not None:
        options["pace"] = _option("--pace", args.pace, _parse_pace)
    if args.theme is not None:
        from tui_nn.ui.theme import PALETTES  # Rich only, not Textual: the palettes' names

        theme = args.theme.strip().lower()
        if theme not in PALETTES:
            raise ConfigError(f"--theme: must be {' or '.join(PALETTES)}, not {cfg.shown_value(args.theme)}")
        options["theme_name"] = theme
    return options


def _parse_pace(text: str) -> float | None:
    try:
        return parse_pace(text)
    except ValueError as error:
        raise ConfigError(str(error)) from None


def read_lesson_option(value: str, flag: str = "--lesson") -> Lesson:
    """The built-in lesson (a bare --lesson), or a lesson file, read and rehearsed (LessonError
    names the file and the line of the first problem)."""
    from tui_nn.engine.lesson import BUILTIN_LESSONS, LessonError, builtin_lesson, load_lesson

    if value == BUILT_IN_LESSON:
        return builtin_lesson()
    if not value.strip():
        shown = flag if flag != "FILE" else "tui-nn lesson"
        raise UsageError(f"{shown}: an empty file name; give a lesson file, or leave it out for the built-in XOR lesson")
    try:
        return load_lesson(Path(value))
    except LessonError as error:
        if value in BUILTIN_LESSONS and not Path(value).exists():
            how = (
                "'tui-nn lesson' with no FILE"
                if flag == "FILE"
                else "--lesson with no FILE, after the problem: 'tui-nn xor --lesson'"
            )
            raise LessonError(f"{error}; for the built-in {value} lesson give {how}") from None
        raise


def prepare_app(args: argparse.Namespace) -> AppStart:
    """Every check `tui-nn PROBLEM [options]` makes before the app starts (serve makes them too,
    once, before any browser tab opens a session)."""
    target = _option("--target-loss", args.target_loss, cfg.parse_target_loss)
    options = display_options(args)
    lesson = read_lesson_option(args.lesson) if args.lesson is not None else None
    if lesson is None:
        config, hidden_given = config_from(args)
    else:
        for name in NETWORK_OPTIONS:
            if getattr(args, name) is not None:
                raise UsageError(f"--{name}: a lesson sets its own network (its front matter); leave --{name} out")
        if args.problem is not None:
            problem = _option("problem", args.problem, cfg.parse_problem)
            if problem != lesson.config.problem:
                raise UsageError(f"{lesson.name} is a lesson on {lesson.config.problem}, not {problem}: leave out the problem")
        config, hidden_given = lesson.config, True
    session = build(config, hidden_given=hidden_given, digits=_digits(args))  # bad files first, as everywhere
    if lesson is None and args.problem is None:  # --data alone: say which settings it chose
        session.origin = data_defaults(config, [name for name in NETWORK_OPTIONS if getattr(args, name) is not None])
    return AppStart(session, {**options, "target_loss": target, "lesson": lesson})


def run_app(args: argparse.Namespace) -> int:
    start = prepare_app(args)
    return launch(start.session, start.options)


def run_lesson(args: argparse.Namespace) -> int:
    """`tui-nn lesson [FILE]`: the app on the lesson's network, opened at its first chapter."""
    target = _option("--target-loss", args.target_loss, cfg.parse_target_loss)
    options = display_options(args)
    lesson = read_lesson_option(BUILT_IN_LESSON if args.file is None else args.file, "FILE")
    session = build(lesson.config, digits=_digits(args))
    return launch(session, {**options, "target_loss": target, "lesson": lesson})


def launch(session: Session, options: dict[str, Any]) -> int:
    """Run the app on `session` (it needs a terminal); its exit status, with one line if it ended abnormally."""
    # Nothing the start allocates (Textual, the panes, their styles) is garbage worth collecting,
    # and a full collection then cost 30–60 ms of the first frame: the app freezes what is there
    # and turns the collector back on once its first frame is drawn (TuiNN.first_frame_drawn).
    gc.disable()
    try:
        from tui_nn.ui import lifecycle  # Textual loads only for the app

        missing = lifecycle.missing_terminal()
        if missing is not None:
            problem = session.config.problem
            raise UsageError(
                f"the app needs a terminal, and {missing} is not one; without a terminal use "
                f"'tui-nn train {problem}' or 'tui-nn trace {problem}'"
            )
        lifecycle.forget_stale_size()
        from tui_nn.ui.app import TuiNN

        app = TuiNN(session, **options)
        app.run()
    finally:
        gc.enable()
    line = lifecycle.describe_exit(app)
    if line is not None:
        lifecycle.say(line)
    return app.return_code or 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parsers = make_parser()
    try:
        if not argv:
            _print_usage(sys.stderr)
            raise UsageError("say which problem to open or which command to run, e.g. 'tui-nn xor'")
        if argv[0] in ("-h", "--help"):
            _print_usage(sys.stdout)
            return 0
        if argv[0] == "--version":
            print(f"tui-nn {__version__}")
            return 0
        if argv[0] == "serve":
            from tui_nn.serve import run_serve  # the optional textual-serve extra loads only here

            return run_serve(argv[1:])
        command = argv[0] if argv[0] in COMMANDS else "app"
        rest = argv[1:] if command != "app" else argv
        if command == "app" and rest and not rest[0].startswith("-") and rest[0] not in PROBLEMS:
            if rest[0].lower().endswith(".csv"):  # a learner's first try with their own data
                raise UsageError(
                    f"{cfg.shown_value(rest[0])} is not a problem: for your own data use --data {cfg.shown_value(rest[0])}"
                )
            raise UsageError(f"unknown command or problem '{rest[0]}': use one of {', '.join(PROBLEMS + COMMANDS)}")
        try:
            args = parsers[command].parse_args(rest)
        except UsageError as error:
            raise UsageError(_with_hint(command, str(error))) from None
        return _runner(command)(args)
    except _bad_input() as error:
        print(f"tui-nn: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except Exception as error:  # a bug: report it, never a bare traceback and never status 0
        return _crash(error)


def _bad_input() -> tuple[type[Exception], ...]:
    """The errors that are the learner's input, not a bug (an except clause asks only once something is raised,
    so the lesson and session-file modules load only then)."""
    from tui_nn.engine.lesson import LessonError
    from tui_nn.engine.replay import SessionFileError

    return (UsageError, ConfigError, persist.NetworkFileError, DataFileError, safe_files.SaveError, LessonError, SessionFileError)


def _with_hint(command: str, message: str) -> str:
    """A network option given to `lesson` or `replay`, which take their network from their file."""
    words = message.removeprefix("unrecognized arguments: ").split()
    if command in ("lesson", "replay") and message.startswith("unrecognized") and words[0].lstrip("-") in NETWORK_OPTIONS:
        owner = "a lesson sets its own network (its front matter)" if command == "lesson" else "a session file holds its settings"
        return f"{words[0]}: {owner}; leave {words[0]} out"
    return message


def _runner(command: str) -> Callable[[argparse.Namespace], int]:
    if command == "explain":
        from tui_nn.cli_explain import run_explain

        return run_explain
    if command == "replay":
        from tui_nn.cli_replay import run_replay

        return run_replay
    runners = {"app": run_app, "train": run_train, "trace": run_trace, "gradcheck": run_gradcheck, "lesson": run_lesson}
    return runners[command]


def _crash(error: Exception) -> int:
    try:
        from tui_nn.ui.lifecycle import crash_outside_app
    except Exception:  # even the reporter cannot load: one line all the same
        print(f"tui-nn: error: internal error, {type(error).__name__}: {error}", file=sys.stderr)
        return 70
    return crash_outside_app(error)


def _silence_stdout() -> None:
    """The reader of our output went away (`| head`): send what is still buffered nowhere, so
    Python's final flush does not fail a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _print_usage(stream: TextIO) -> None:
    lines = [
        "usage: tui-nn PROBLEM [options]            open the app (PROBLEM: " + ", ".join(PROBLEMS) + ")",
        "       tui-nn lesson [FILE] [options]      open the app at a guided lesson (the built-in XOR one without FILE)",
        "       tui-nn replay FILE [--check]        play a saved session back in the app, or check it headless",
        "                [--expect SHA256|NETWORK]  (and whether it lands bit-identical where expected)",
        "       tui-nn train PROBLEM [options]      train headless, print the loss every --every epochs",
        "       tui-nn trace PROBLEM [options]      print the calculation log of a walk (text, markdown, latex, json)",
        "       tui-nn explain PROBLEM --param W    where a weight's, bias's (or --unit's) numbers come from",
        "       tui-nn gradcheck PROBLEM [options]  analytic vs numerical gradients",
        "       tui-nn serve PROBLEM [options]      serve the app to web browsers (pip install 'tui-nn[serve]')",
        "       tui-nn --version",
        "run 'tui-nn COMMAND --help' (or 'tui-nn xor --help') for the options of each",
        "exit status: 0 done, 1 a check failed, training diverged or ended with η too high, 2 bad input (one line: 'tui-nn: error: …'),",
        "             70 an internal error (a report file is named), 128+N ended by signal N (129: the terminal went away)",
    ]
    print("\n".join(lines), file=stream)


if __name__ == "__main__":
    raise SystemExit(main())
