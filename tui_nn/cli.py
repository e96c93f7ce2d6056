"""Command line: `tui-nn PROBLEM` opens the app; `train`, `trace` and `gradcheck` run headless.

Every bad option is reported as one line on stderr with exit status 2, before
anything starts.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn, TypeVar

import numpy as np

from tui_nn import __version__
from tui_nn.engine import config as cfg
from tui_nn.engine import persist, safe_files
from tui_nn.engine.config import Config, ConfigError
from tui_nn.engine.datasets import PROBLEMS, DataFileError, Dataset
from tui_nn.engine.gradcheck import TOLERANCE, check, parameter_names
from tui_nn.engine.records import NumberFormat, json_number
from tui_nn.engine.render import step_json, step_text
from tui_nn.engine.session import Session, build

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
    session = build(config, hidden_given=hidden_given, digits=_digits(args))
    trainer = session.stepper.trainer
    out = sys.stdout
    if not args.json:
        print(f"training {session.describe()}", file=out)
    stopped: str | None = None
    done = 0
    while done < epochs:
        chunk = min(every - trainer.epoch % every, epochs - done)
        result = trainer.run(chunk)
        for row in trainer.history.rows()[-result.epochs :]:
            if int(row[0]) % every == 0:
                _log_epoch(row, args.json)
        done += result.epochs
        if result.stopped and result.stopped != "target":
            stopped = result.stopped
            break
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
        print(f"after {done} epochs: loss {final_loss:.6f}  accuracy {final_accuracy:.0%}")
        _print_table(session, predictions)
    if args.save:
        path = persist.save(
            args.save,
            session.net,
            {
                "lr": config.lr,
                "seed": config.seed,
                "epoch": trainer.epoch,
                "optimizer": config.optimizer,
                "problem": config.problem,
            },
        )
        print(f"saved {path}", file=sys.stderr if args.json else out)
    if stopped:
        print(f"tui-nn: training stopped: {stopped}", file=sys.stderr)
        return 1
    return 0


def _log_epoch(row: np.ndarray, as_json: bool) -> None:
    epoch, loss, accuracy, norm = int(row[0]), float(row[1]), float(row[2]), float(row[3])
    if as_json:
        print(json.dumps({"epoch": epoch, "loss": json_number(loss), "accuracy": accuracy, "grad_norm": json_number(norm)}))
    else:
        print(f"epoch {epoch:>7}  loss {loss:.6f}  accuracy {accuracy:4.0%}  grad_norm {norm:.3e}")


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
    return 0


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
    session = build(config, hidden_given=hidden_given, digits=_digits(args))
    from tui_nn.ui.app import TuiNN  # Textual loads only for the app

    TuiNN(session, ascii_only=args.ascii, target_loss=target, save_to=args.save_to).run()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parsers = make_parser()
    try:
        if not argv or argv[0] in ("-h", "--help"):
            _print_usage(parsers)
            return 0 if argv else 2
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
        return 0


def _print_usage(parsers: dict[str, argparse.ArgumentParser]) -> None:
    print("usage: tui-nn PROBLEM [options]        open the app (PROBLEM: " + ", ".join(PROBLEMS) + ")")
    print("       tui-nn train PROBLEM [options]  train headless, print the loss every --every epochs")
    print("       tui-nn trace PROBLEM [options]  print the calculation log of a walk")
    print("       tui-nn gradcheck PROBLEM [options]  analytic vs numerical gradients")
    print("       tui-nn serve PROBLEM [options]  serve the app to web browsers (pip install 'tui-nn[serve]')")
    print("run 'tui-nn COMMAND --help' for the options of each")


if __name__ == "__main__":
    raise SystemExit(main())
