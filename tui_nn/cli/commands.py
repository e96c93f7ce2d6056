"""Command line: `tui-nn PROBLEM`, `lesson` and `replay` open the app; `train`, `trace`,
`gradcheck`, `explain` and `replay --check` run headless.

Every bad option is reported as one line on stderr with exit status 2, before anything starts.
Exit statuses: 0 done; 1 a headless run diverged, ended with η too high, or failed its check; 2 bad usage or a bad
file; 70 an internal error (a report file is written); 128 + N a signal (130 for Ctrl+C); the
app's 129 also when its terminal goes away.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TextIO

import numpy as np

from tui_nn import __version__
from tui_nn.cli.options import (
    BUILT_IN_LESSON,
    NETWORK_OPTIONS,
    UsageError,
    config_from,
    digits_from,
    display_options,
    launch,
    make_parser,
    option,
    prepare_app,
    read_lesson_option,
)
from tui_nn.engine.live.diagnostics import STUCK_WINDOW, trainer_diagnosis
from tui_nn.engine.live.live_run import StuckCheck, train_slice
from tui_nn.engine.live.reason_words import describe, validation_words
from tui_nn.engine.live.reasons import Diagnosis, Diverged, RateTooHigh, Stuck
from tui_nn.engine.nn.datasets import PROBLEMS, DataFileError, Dataset, read_csv
from tui_nn.engine.nn.datasets import load as load_dataset
from tui_nn.engine.nn.history import EVAL_LOSS, VAL_ACCURACY, VAL_LOSS, History
from tui_nn.engine.nn.network import predicted_classes
from tui_nn.engine.nn.tasks import CLASSIFY, Task
from tui_nn.engine.nn.training import Trainer
from tui_nn.engine.session import config as cfg
from tui_nn.engine.session import persist, safe_files
from tui_nn.engine.session.build import Session, build
from tui_nn.engine.session.config import Config, ConfigError
from tui_nn.engine.session.logbook import Entry
from tui_nn.engine.walk.records import NumberFormat, Step, json_number
from tui_nn.engine.walk.render import step_json, step_text
from tui_nn.engine.walk.words import Telling, sentence

COMMANDS = ("train", "trace", "gradcheck", "explain", "landscape", "lesson", "replay")
TraceFormat = Literal["text", "markdown", "latex", "json"]
TRACE_FORMATS: tuple[TraceFormat, ...] = ("text", "markdown", "latex", "json")


def _vector_arg(flag: str, text: str) -> tuple[float, ...]:
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError:
        raise ConfigError(f"{flag}: expected numbers separated by commas, e.g. 0.05,0.10, not {cfg.shown_value(text)}") from None


def _your_input(config: Config, input_text: str, target_text: str) -> Dataset:
    """`--input X --target Y` as one sample for the network the other options define (the
    problem's 2 inputs and 1 output, or the --weights file's), checked as the app's I checks it."""
    from tui_nn.engine.walk.own_input import INPUT_NAME, check_input

    x, y = _vector_arg("--input", input_text), _vector_arg("--target", target_text)
    # the sample is of the problem's task: a regression's target is a value, and its network's output linear
    shape = read_csv(config.data, cfg.MAX_POINTS, config.task) if config.data else load_dataset(config.problem)
    if config.weights:
        sizes = persist.load(config.weights).sizes
        n_in, n_out = sizes[0], sizes[-1]
    else:
        n_in, n_out = shape.x.shape[1], shape.y.shape[1]
    problem = check_input(x, y, n_in, n_out, config.loss)
    if problem is not None:
        flag = "--input" if problem.startswith("the input") else "--target"
        raise ConfigError(f"{flag}: {problem}")
    return Dataset(INPUT_NAME, np.array([x], dtype=np.float64), np.array([y], dtype=np.float64), task=shape.task)


def run_train(args: argparse.Namespace) -> int:
    config, hidden_given = config_from(args)
    epochs = option("--epochs", args.epochs, lambda t: cfg.parse_int("epochs", t, 0, 10**9))
    every = option("--every", args.every, lambda t: cfg.parse_int("--every", t, 1))
    save_to = check_save_target(args.save) if args.save is not None else None  # before any epoch runs
    session = build(config, hidden_given=hidden_given, digits=digits_from(args))
    trainer = session.stepper.trainer
    out = sys.stdout
    if not args.json:
        print(f"training {session.describe()}", file=out)
    watch = StuckCheck(trainer)
    task = session.data.task_kind
    stopped, found = _train_and_log(trainer, epochs, every, args.json, watch, task)
    done = trainer.epoch  # the network's epoch: on divergence, the epoch whose update went wrong is not counted
    final_loss, final_accuracy, final_norm = trainer.evaluate()
    validation = _validation_summary(trainer) if trainer.validation is not None else None
    predictions = session.net.predict(session.data.x)
    final_row = np.array(
        [
            [trainer.epoch, final_loss, final_accuracy, final_norm, *trainer.validate(), trainer.evaluation_loss()][
                : trainer.history.width
            ]
        ]
    )
    ending = None if stopped is not None else _rate_too_high_at_the_end(trainer, trainer.epoch - watch.origin, final_row)
    if args.json:
        print(
            json.dumps(
                {
                    "epochs": done,
                    "loss": json_number(final_loss),
                    task.score_key: json_number(final_accuracy),
                    "grad_norm": json_number(final_norm),
                    "stopped": None if stopped is None else describe(stopped, "flags"),
                    "stuck": None
                    if not isinstance(found, Stuck)
                    else {"epoch": found.epoch, "message": describe(found, "flags")},
                    "diagnosis": None if found is None else _diagnosis_json(found),
                    "rate_too_high_at_the_end": None if ending is None else _diagnosis_json(ending),
                    "validation": None if validation is None else validation.to_json(task),
                    **({"eval_loss": json_number(trainer.evaluation_loss())} if trainer.net.dropout else {}),
                    "predictions": [_prediction(session, i, predictions) for i in range(session.data.size)],
                },
                ensure_ascii=False,
            )
        )
    else:
        evaluated = ""
        if trainer.net.dropout:  # the loss above drops units (the next update's masks); predictions never do
            evaluated = f"  eval_loss {compact(trainer.evaluation_loss())} (no unit dropped, as the predictions below)"
        print(
            f"after {done} epoch{'' if done == 1 else 's'}: loss {compact(final_loss)}{evaluated}  {task.score_title} {task.score_number(final_accuracy)}"
        )
        if validation is not None:
            print(validation.text(task))
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


@dataclass(frozen=True)
class _ValidationSummary:
    """The held-out rows at the end of a run, and the epoch at which their loss was lowest."""

    size: int
    loss: float
    accuracy: float
    best_epoch: int
    best_loss: float
    training_fell: bool  # the training loss is lower at the end than at best_epoch

    def text(self, task: Task = CLASSIFY) -> str:
        score = f"{task.score_title} {task.score_number(self.accuracy)}"
        words = validation_words(self.best_epoch, self.best_loss, self.loss, self.accuracy, self.training_fell, score)
        return f"{self.size} points held out: {words}"

    def to_json(self, task: Task) -> dict[str, object]:
        return {
            "size": self.size,
            "loss": json_number(self.loss),
            task.score_key: json_number(self.accuracy),
            "best_epoch": self.best_epoch,
            "best_loss": json_number(self.best_loss),
        }


def _validation_summary(trainer: Trainer) -> _ValidationSummary:
    """The validation figures where the run ended (the state its next epoch would start from,
    as the summary's training loss is) and the lowest validation loss, that state included."""
    assert trainer.validation is not None
    loss, accuracy = trainer.validate()
    best = trainer.best_validation()
    assert best is not None
    training_fell = trainer.evaluate()[0] < best.training_loss
    return _ValidationSummary(trainer.validation.size, loss, accuracy, best.epoch, best.loss, training_fell)


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
    probe = History(window + 1, validation=trainer.validation is not None, dropout=bool(trainer.net.dropout))
    probe.extend(np.vstack([rows, final_row]))
    found = trainer_diagnosis(trainer, probe, window)
    return found if isinstance(found, RateTooHigh) else None


def _train_and_log(
    trainer: Trainer, epochs: int, every: int, as_json: bool, watch: StuckCheck | None = None, task: Task = CLASSIFY
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
            _log_epoch(row, as_json, task)
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
        from tui_nn.ui.shell.lifecycle import report_folders  # the same state folder as crash reports

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


def _log_epoch(row: np.ndarray, as_json: bool, task: Task = CLASSIFY) -> None:
    """One logged epoch; a row with a validation set's columns also gives its loss and score (the
    task's: accuracy, or R² for a regression), and a dropout run's its evaluation loss (no unit
    dropped) beside the training loss (with the dropped units)."""
    epoch, loss, accuracy, norm = int(row[0]), float(row[1]), float(row[2]), float(row[3])
    validated = len(row) > VAL_LOSS and not math.isnan(float(row[VAL_ACCURACY]))
    dropout = len(row) > EVAL_LOSS
    key, title = task.score_key, task.score_title
    if as_json:
        document: dict[str, object] = {
            "epoch": epoch,
            "loss": json_number(loss),
            key: json_number(accuracy),
            "grad_norm": json_number(norm),
        }
        if validated:
            document |= {"val_loss": json_number(float(row[4])), f"val_{key}": json_number(float(row[5]))}
        if dropout:
            document |= {"eval_loss": json_number(float(row[EVAL_LOSS]))}
        print(json.dumps(document))
    else:
        score = task.score_number
        held_out = f"  val_loss {compact(float(row[4]))}  val_{title} {score(float(row[5])):>4}" if validated else ""
        evaluated = f"  eval_loss {compact(float(row[EVAL_LOSS]))}" if dropout else ""
        print(f"epoch {epoch:>7}  loss {compact(loss)}{evaluated}  {title} {score(accuracy):>4}{held_out}  grad_norm {norm:.3e}")


def _prediction(session: Session, i: int, predictions: np.ndarray) -> dict[str, object]:
    """One sample's line: for a softmax, the target class, the argmax class and the K probabilities;
    for sigmoid outputs, the targets, each output's class (ŷ > 0.5) and ŷ; for a regression, the
    target, the prediction and the error ŷ − y."""
    data, one_of_k = session.data, session.net.one_of_k
    if session.net.regression:
        return {
            "input": data.x[i].tolist(),
            "target": data.y[i].tolist(),
            "predicted": predictions[i].tolist(),
            "error": (predictions[i] - data.y[i]).tolist(),
        }
    if one_of_k:
        return {
            "input": data.x[i].tolist(),
            "target": int(data.class_index[i]),
            "predicted": int(np.argmax(predictions[i])),
            "probability": predictions[i].tolist(),
        }
    return {
        "input": data.x[i].tolist(),
        "target": data.y[i].tolist(),
        "predicted": (predictions[i] > 0.5).astype(int).tolist(),
        "probability": predictions[i].tolist(),
    }


def _print_table(session: Session, predictions: np.ndarray) -> None:
    """The tutorials' closing table for the gates; accuracy per class for the point clouds; target,
    prediction and error for a regression."""
    data, one_of_k = session.data, session.net.one_of_k
    if session.net.regression:
        _print_fit(data, predictions)
        return
    if not data.is_small or one_of_k:
        classes = data.class_index
        guessed = predicted_classes(predictions, one_of_k).reshape(len(classes), -1)[:, 0]
        for c in range(data.class_count):
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


FIT_ROWS = 24
"""The most rows of a regression's closing table: a larger data set shows evenly spaced ones (--json has all)."""


def _print_fit(data: Dataset, predictions: np.ndarray) -> None:
    """Each sample's target, prediction and error ŷ − y (evenly spaced ones for a large set)."""
    fmt = NumberFormat(4)
    shown = np.unique(np.linspace(0, data.size - 1, min(data.size, FIT_ROWS)).round().astype(int))
    inputs = ["(" + ", ".join(fmt(v) for v in data.x[i]) + ")" for i in shown]
    width = max(len("input"), *map(len, inputs))  # (two inputs can be wider than one's column)
    print(f"{'input':<{width}} | target    | prediction | error")
    for i, x in zip(shown, inputs, strict=True):
        target, predicted = float(data.y[i, 0]), float(predictions[i, 0])
        print(f"{x:<{width}} | {fmt(target):<9} | {fmt(predicted):<10} | {fmt(predicted - target)}")
    if len(shown) < data.size:
        print(f"({len(shown)} of {data.size} points, evenly spaced; --json lists every one)")


def run_trace(args: argparse.Namespace) -> int:
    from tui_nn.engine.session import export

    kind = _trace_format(args)
    output = check_save_target(args.output, "--output", "trace.md") if args.output is not None else None  # before the walk
    config, hidden_given = config_from(args)
    epochs = option("--epochs", args.epochs, lambda t: cfg.parse_int("epochs", t, 1, 100_000))
    data = None
    if args.input is not None or args.target is not None:
        if args.input is None or args.target is None:
            raise ConfigError("--input and --target go together")
        if args.sample is not None:
            raise ConfigError("--sample and --input cannot be combined")
        data = _your_input(config, args.input, args.target)
    session = build(config, data=data, hidden_given=hidden_given, digits=digits_from(args))
    stepper = session.stepper
    if args.sample is not None:
        number = option("--sample", args.sample, lambda t: cfg.parse_int("sample", t, 1))
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
    from tui_nn.engine.nn.gradcheck import TOLERANCE, check, parameter_names

    config, hidden_given = config_from(args)
    session = build(config, hidden_given=hidden_given, digits=digits_from(args))
    net, data = session.net, session.data
    masks = session.stepper.trainer.first_masks()
    result = check(net, data.x, data.y, parameter_names(net), masks=masks)
    print(f"gradcheck {session.describe()}")
    if masks is not None:
        dropped = sum(int(np.count_nonzero(mask == 0)) for mask in masks)
        units = sum(mask.size for mask in masks)
        print(
            f"dropout p={net.dropout:g}: the masks of epoch 0's first update are held fixed ({dropped} of {units} "
            "unit-samples dropped), so L(θ ± ε) and the gradient are of the same training pass"
        )
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


def run_app(args: argparse.Namespace) -> int:
    start = prepare_app(args)
    return launch(start.session, start.options)


def run_lesson(args: argparse.Namespace) -> int:
    """`tui-nn lesson [FILE]`: the app on the lesson's network, opened at its first chapter."""
    target = option("--target-loss", args.target_loss, cfg.parse_target_loss)
    options = display_options(args)
    lesson = read_lesson_option(BUILT_IN_LESSON if args.file is None else args.file, "FILE")
    session = build(lesson.config, digits=digits_from(args))
    return launch(session, {**options, "target_loss": target, "lesson": lesson})


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
            from tui_nn.cli.serve import run_serve  # the optional textual-serve extra loads only here

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
    from tui_nn.engine.session.replay import SessionFileError
    from tui_nn.engine.teach.lesson import LessonError

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
        from tui_nn.cli.explain import run_explain

        return run_explain
    if command == "replay":
        from tui_nn.cli.replay import run_replay

        return run_replay
    if command == "landscape":
        from tui_nn.cli.landscape import run_landscape

        return run_landscape
    runners = {"app": run_app, "train": run_train, "trace": run_trace, "gradcheck": run_gradcheck, "lesson": run_lesson}
    return runners[command]


def _crash(error: Exception) -> int:
    try:
        from tui_nn.ui.shell.lifecycle import crash_outside_app
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
        "       tui-nn landscape PROBLEM --params A,B [--span S] [--grid N] [--json]",
        "                                           the loss over a grid of two parameters (the landscape view's numbers)",
        "       tui-nn serve PROBLEM [options]      serve the app to web browsers (pip install 'tui-nn[serve]')",
        "       tui-nn --version",
        "run 'tui-nn COMMAND --help' (or 'tui-nn xor --help') for the options of each",
        "exit status: 0 done, 1 a check failed, training diverged or ended with η too high, 2 bad input (one line: 'tui-nn: error: …'),",
        "             70 an internal error (a report file is named), 128+N ended by signal N (129: the terminal went away)",
    ]
    print("\n".join(lines), file=stream)


if __name__ == "__main__":
    raise SystemExit(main())
