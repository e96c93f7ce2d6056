"""Command line: `tui-nn PROBLEM` opens the app; `train`, `trace` and `gradcheck` run headless.

Every bad option is reported as one line on stderr with exit status 2, before
anything starts.
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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, TextIO, TypeVar

import numpy as np

from tui_nn import __version__
from tui_nn.engine import config as cfg
from tui_nn.engine import persist, safe_files
from tui_nn.engine.config import Config, ConfigError
from tui_nn.engine.datasets import PROBLEMS, DataFileError, Dataset
from tui_nn.engine.gradcheck import TOLERANCE, check, parameter_names
from tui_nn.engine.records import NumberFormat, Step, json_number
from tui_nn.engine.render import step_json, step_text
from tui_nn.engine.session import Session, build
from tui_nn.engine.training import Trainer

T = TypeVar("T")
COMMANDS = ("train", "trace", "gradcheck")


class UsageError(Exception):
    """A bad command line; the message is the one line shown to the user."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("problem", nargs="?", help=f"data set: {', '.join(PROBLEMS)} (optional with --data)")
    parser.add_argument("--data", metavar="FILE", help="your own points: a CSV of x1,x2,label (label 0 or 1)")
    parser.add_argument("--hidden", help="hidden layer sizes, e.g. 4 or 16,8 (default 2 for the gates)")
    parser.add_argument("--activation", help="hidden activation: sigmoid, tanh, relu, leaky_relu")
    parser.add_argument("--loss", help="bce (default) or mse")
    parser.add_argument("--lr", help="learning rate η (default 1.0 for the gates)")
    parser.add_argument("--init", help="normal:SCALE, xavier, he, uniform:A or zeros (default normal:1)")
    parser.add_argument("--seed", help="seed of the weight initialisation")
    parser.add_argument("--optimizer", help="sgd (default), momentum or adam")
    parser.add_argument("--batch", help="mini-batch size (default: the whole data set)")
    parser.add_argument("--weights", metavar="FILE", help="start from a saved network (.json or .npz)")
    parser.add_argument("--digits", default="4", help="decimals shown in formulas (default 4)")


def make_parser() -> dict[str, argparse.ArgumentParser]:
    app = _Parser(prog="tui-nn", description="Watch a neural network learn, one arithmetic step at a time.")
    _common(app)
    app.add_argument("--ascii", action="store_true", help="plain ASCII drawing for terminals without block characters")
    app.add_argument("--target-loss", default="1e-3", help="live training stops below this loss (default 1e-3)")
    app.add_argument("--save-to", metavar="FILE", help="where s saves the network (default PROBLEM-epochN.json)")
    train = _Parser(prog="tui-nn train", description="Train headless and print the loss the way the tutorials do.")
    _common(train)
    train.add_argument("--epochs", default="5000")
    train.add_argument("--every", default="1000", help="log every K epochs")
    train.add_argument("--json", action="store_true", help="one JSON object per logged epoch, then the predictions")
    train.add_argument("--save", metavar="FILE", help="save the trained network as JSON")
    trace = _Parser(prog="tui-nn trace", description="Print the calculation log of a step-by-step walk.")
    _common(trace)
    trace.add_argument("--sample", help="walk this sample alone (1-based)")
    trace.add_argument("--epochs", default="1", help="how many passes to walk (default 1)")
    trace.add_argument("--input", help="walk your own input, e.g. 0.05,0.10 (with --target)")
    trace.add_argument("--target", help="the target for --input, e.g. 0.01,0.99")
    trace.add_argument("--json", action="store_true", help="one JSON object per micro-step")
    grad = _Parser(prog="tui-nn gradcheck", description="Compare analytic and numerical gradients.")
    _common(grad)
    return {"app": app, "train": train, "trace": trace, "gradcheck": grad}


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


def _vector_arg(flag: str, text: str) -> np.ndarray:
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise ConfigError(f"{flag}: expected numbers separated by commas, e.g. 0.05,0.10, not '{text}'") from None
    if not all(np.isfinite(values)):
        raise ConfigError(f"{flag}: every value must be a finite number")
    return np.array([values])


def run_train(args: argparse.Namespace) -> int:
    config, hidden_given = config_from(args)
    epochs = _option("--epochs", args.epochs, lambda t: cfg.parse_int("epochs", t, 0, 10**9))
    every = _option("--every", args.every, lambda t: cfg.parse_int("--every", t, 1))
    save_to = check_save_target(args.save) if args.save else None  # before any epoch runs
    session = build(config, hidden_given=hidden_given, digits=_digits(args))
    trainer = session.stepper.trainer
    out = sys.stdout
    if not args.json:
        print(f"training {session.describe()}", file=out)
    stopped = _train_and_log(trainer, epochs, every, args.json)
    done = trainer.epoch  # the network's epoch: on divergence, the epoch whose update went wrong is not counted
    final_loss, final_accuracy, final_norm = trainer.evaluate()
    predictions = session.net.predict(session.data.x)
    if args.json:
        print(
            json.dumps(
                {
                    "epochs": done,
                    "loss": json_number(final_loss),
                    "accuracy": final_accuracy,
                    "grad_norm": json_number(final_norm),
                    "stopped": stopped,
                    "predictions": [_prediction(session.data, i, predictions) for i in range(session.data.size)],
                }
            )
        )
    else:
        print(f"after {done} epochs: loss {compact(final_loss)}  accuracy {final_accuracy:.0%}")
        _print_table(session, predictions)
    status = 0
    if stopped:
        print(f"tui-nn: training stopped: {stopped}", file=sys.stderr)
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
        print(f"saved {path}", file=sys.stderr if args.json else out)
    return status


def _train_and_log(trainer: Trainer, epochs: int, every: int, as_json: bool) -> str | None:
    """Train `epochs` epochs, logging epochs 0, K, 2K, … and the last, each once and in order.

    A logged epoch is trained on its own (`run(1)`) so that its row is the one that run just
    recorded, whatever the history later thins out; the epochs between run in one call.
    Returns the divergence diagnosis, or None.
    """
    done = 0
    while done < epochs:
        last = epochs - 1
        logged = done % every == 0 or done == last
        count = 1 if logged else min((done // every + 1) * every, last) - done
        result = trainer.run(count)
        done += result.epochs
        diverged = result.stopped is not None and result.stopped != "target"
        if logged or diverged:
            row = trainer.history.last()
            if row is not None:
                _log_epoch(row, as_json)
        if diverged:
            return result.stopped
        if result.epochs < count:  # stopped early without a diagnosis: nothing more will come
            break
    return None


def check_save_target(text: str) -> Path:
    """Refuse a --save destination that cannot work, before training spends any time.

    Checks: a name the file system accepts, not a folder, an existing folder to put it in,
    not a device or FIFO, and permission to create a file there (by creating and removing one).
    The save at the end goes through safe_files.write_atomic all the same.
    """
    path = Path(text)
    folder = path.parent
    shown = safe_files.shown_path
    try:
        try:
            name_max = os.pathconf(folder if folder.is_dir() else ".", "PC_NAME_MAX")
        except (OSError, ValueError):
            name_max = 255
        length = len(os.fsencode(path.name))
        if length > name_max:
            raise ConfigError(f"--save: the file name is {length} bytes long; this file system allows at most {name_max}")
        if text.endswith(("/", os.sep)) or path.is_dir():
            raise ConfigError(f"--save: {shown(text)} is a folder; give a file name, e.g. {shown(Path(text) / 'xor.json')}")
        if not folder.exists():
            raise ConfigError(f"--save: the folder {shown(folder)} does not exist")
        if not folder.is_dir():
            raise ConfigError(f"--save: {shown(folder)} is not a folder")
        if path.exists() and not path.is_file():
            raise ConfigError(f"--save: {shown(text)} exists and is not a regular file")
        fd, probe = tempfile.mkstemp(prefix=".tui-nn-check-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as error:
        raise ConfigError(f"--save: cannot create a file in {shown(folder)}: {error.strerror or error}") from None
    return path


def _rescue(session: Session, extra: dict[str, object], wanted: Path, error: OSError) -> int:
    """The save failed after training: write the network somewhere else (or to stdout) and say where."""
    if isinstance(error, safe_files.SaveError):
        problem = str(error)  # already one line naming the file
    else:
        problem = f"{safe_files.shown_path(wanted)}: {error.strerror or error}"
    name = f"{session.config.problem}-epoch{extra['epoch']}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.json"
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
    config, hidden_given = config_from(args)
    passes = _option("--epochs", args.epochs, lambda t: cfg.parse_int("epochs", t, 1, 100_000))
    data = None
    if args.input is not None or args.target is not None:
        if args.input is None or args.target is None:
            raise ConfigError("--input and --target go together")
        if args.sample is not None:
            raise ConfigError("--sample and --input cannot be combined")
        data = Dataset("input", _vector_arg("--input", args.input), _vector_arg("--target", args.target))
    session = build(config, data=data, hidden_given=hidden_given, digits=_digits(args))
    stepper = session.stepper
    if args.sample is not None:
        number = _option("--sample", args.sample, lambda t: cfg.parse_int("sample", t, 1))
        stepper.set_focus(cfg.check_sample(number, session.data.size))
    if not args.json:
        print(f"trace {session.describe()}")
    for _ in range(passes):
        for record in stepper.walk_pass():
            if args.json:
                print(json.dumps(step_json(record, stepper.fmt), ensure_ascii=False))
            else:
                for line in step_text(record, stepper.fmt):
                    print(line)
            bad = next(((name, value) for name, value in record.results if not math.isfinite(value)), None)
            if bad is not None:
                formula = str(step_json(record, stepper.fmt)["formula"])
                print(f"tui-nn: trace stopped: {_non_finite_diagnosis(record, formula, *bad, stepper.lr)}", file=sys.stderr)
                return 1
    return 0


def _non_finite_diagnosis(record: Step, formula: str, name: str, value: float, lr: float) -> str:
    """Where a walk left the finite numbers, and the likely cause: the start, or the updates."""
    state = "NaN" if math.isnan(value) else ("+inf" if value > 0 else "-inf")
    sample = f", sample {record.sample + 1}" if record.sample is not None else ""
    where = f"{name} became {state} in the {record.phase} step of epoch {record.epoch}{sample} ({formula})"
    if record.epoch == 0 and record.phase != "update":
        return f"{where}: the starting weights or inputs are too large for float64"
    return f"{where}: training diverged; learning rate {lr:g} is too high for this network, try ≤ {lr / 10:g}"


def run_gradcheck(args: argparse.Namespace) -> int:
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


def run_app(args: argparse.Namespace) -> int:
    config, hidden_given = config_from(args)
    target = _option("--target-loss", args.target_loss, cfg.parse_target_loss)
    session = build(config, hidden_given=hidden_given, digits=_digits(args))  # bad files first, as everywhere
    # Nothing the start allocates (Textual, the panes, their styles) is garbage worth collecting,
    # and a full collection then cost 30–60 ms of the first frame: the app freezes what is there
    # and turns the collector back on once its first frame is drawn (TuiNN.first_frame_drawn).
    gc.disable()
    try:
        from tui_nn.ui import lifecycle  # Textual loads only for the app

        missing = lifecycle.missing_terminal()
        if missing is not None:
            raise UsageError(
                f"the app needs a terminal, and {missing} is not one; without a terminal use "
                f"'tui-nn train {config.problem}' or 'tui-nn trace {config.problem}'"
            )
        lifecycle.forget_stale_size()
        from tui_nn.ui.app import TuiNN

        app = TuiNN(session, ascii_only=args.ascii, target_loss=target, save_to=args.save_to)
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
            raise UsageError(f"unknown command or problem '{rest[0]}': use one of {', '.join(PROBLEMS + COMMANDS)}")
        args = parsers[command].parse_args(rest)
        runner = {"app": run_app, "train": run_train, "trace": run_trace, "gradcheck": run_gradcheck}[command]
        return runner(args)
    except (UsageError, ConfigError, persist.NetworkFileError, DataFileError, safe_files.SaveError) as error:
        print(f"tui-nn: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except Exception as error:  # a bug: report it, never a bare traceback and never status 0
        return _crash(error)


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
        "       tui-nn train PROBLEM [options]      train headless, print the loss every --every epochs",
        "       tui-nn trace PROBLEM [options]      print the calculation log of a walk",
        "       tui-nn gradcheck PROBLEM [options]  analytic vs numerical gradients",
        "       tui-nn serve PROBLEM [options]      serve the app to web browsers (pip install 'tui-nn[serve]')",
        "       tui-nn --version",
        "run 'tui-nn COMMAND --help' (or 'tui-nn xor --help') for the options of each",
    ]
    print("\n".join(lines), file=stream)


if __name__ == "__main__":
    raise SystemExit(main())
