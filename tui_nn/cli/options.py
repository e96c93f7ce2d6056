"""What the command-line commands share: the parsers and their options, the one-line UsageError,
the Config the common options describe, the app's display options and its launch.

The subcommand modules (cli_explain, cli_replay, serve) import these from here and never from
cli.py, which dispatches to them: so the command line has no import circle."""

from __future__ import annotations

import argparse
import gc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from tui_nn.engine.live.pace import DEFAULT_PACE, PACES, pace_text, parse_pace
from tui_nn.engine.nn.datasets import PROBLEMS, read_csv
from tui_nn.engine.session import config as cfg
from tui_nn.engine.session.build import Session, build, data_defaults
from tui_nn.engine.session.config import Config, ConfigError

if TYPE_CHECKING:  # loaded by the commands that use them: the app's first frame needs none of them
    from tui_nn.engine.teach.lesson import Lesson

T = TypeVar("T")
# The value of a bare --lesson (the built-in XOR lesson): a NUL, which no command-line argument
# can hold, so `--lesson ''` is an empty file name, not a request for the built-in lesson.
BUILT_IN_LESSON = "\0"
K_CLASS_LOSS = cfg.PROBLEM_DEFAULTS["spiral3"]["loss"]
REGRESSION_LOSS = cfg.PROBLEM_DEFAULTS["sine"]["loss"]
"""The loss a data file of K ≥ 3 classes gets when --loss is not given: the K-class problems' own."""
NETWORK_OPTIONS = ("hidden", "activation", "loss", "lr", "init", "seed", "optimizer", "batch", "weights", "data")


class UsageError(Exception):
    """A bad command line; the message is the one line shown to the user."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("problem", nargs="?", help=cfg.FIELDS["problem"].help)
    parser.add_argument(
        "--data",
        metavar="FILE",
        help="your own points: a CSV of x1,x2,label (labels 0, 1, … K−1: 2 to 6 classes), or of x,y or x1,x2,y "
        "(real-valued targets: a regression; --task decides a file of whole numbers)",
    )
    for field in cfg.FIELDS.values():
        if field.name != "problem":
            parser.add_argument(f"--{field.name}", help=field.help)
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
        help="open a guided lesson: FILE (Markdown, see docs/lessons.md), or without one the problem's built-in "
        "lesson (xor's, or sine's)",
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
    landscape = _Parser(
        prog="tui-nn landscape",
        description="The loss over a grid of two parameters around the current weights: what the landscape view paints.",
        epilog="every value is the batch loss (its L2 term included) with those two parameters set and the others held; "
        "exit status: 0 done, 2 bad input",
    )
    _common(landscape)
    landscape.add_argument(
        "--params", metavar="A,B", help="the two parameters, named as explain names them: w11,w12 or W1[0,0],W2[0,0]"
    )
    landscape.add_argument("--span", default="1", metavar="S", help="each parameter's current value ± S (default 1)")
    landscape.add_argument(
        "--grid", default="21", metavar="N", help="N values along each axis, N odd so the current value is one (default 21)"
    )
    landscape.add_argument("--epochs", default="0", help="train this many epochs first (default 0: the start)")
    landscape.add_argument(
        "--json", action="store_true", help='{"x": [A\'s values], "y": [B\'s], "loss": [[L at (x[j], y[i]) for j] for i]}'
    )
    lesson = _Parser(
        prog="tui-nn lesson",
        description="Open a guided lesson in the app: FILE, the built-in XOR lesson, or 'sine' for the regression one.",
    )
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
    return {
        "app": app,
        "train": train,
        "trace": trace,
        "gradcheck": grad,
        "explain": explain,
        "lesson": lesson,
        "replay": replay,
        "landscape": landscape,
    }


def config_from(args: argparse.Namespace) -> tuple[Config, bool]:
    """Validate the common options into a Config (ConfigError names the option)."""
    if args.problem is None and args.data is None:
        raise UsageError(f"name a problem ({', '.join(PROBLEMS)}) or give --data FILE.csv")
    problem = option("problem", args.problem or cfg.DATA_PROBLEM, cfg.parse_problem)
    config = cfg.defaults_for(problem)
    changes: dict[str, object] = {}
    for field in cfg.FIELDS.values():
        value = getattr(args, field.name)
        if value is not None and field.name != "problem":
            changes[field.name] = option(f"--{field.name}", value, field.parse)
    if args.weights is not None:
        changes["weights"] = args.weights
    if args.data is not None:
        changes["data"] = args.data
        data = read_csv(args.data, cfg.MAX_POINTS, changes.get("task"))  # type: ignore[arg-type]
        if args.problem is None and data.task_kind.regression:
            # real-valued targets start from the built-in regression of as many inputs (its η is one a
            # linear output takes: the circle's 0.5 made a 4-point fit explode at epoch 6)
            config = cfg.defaults_for(cfg.DATA_REGRESSION[data.features])
        if args.loss is None and data.task_kind.regression:
            changes["loss"] = REGRESSION_LOSS  # real-valued targets: a linear output with the squared error
        elif args.loss is None and data.class_count > 2:
            changes["loss"] = K_CLASS_LOSS  # labels 0 … K−1, K ≥ 3: a softmax over the classes
    return config.with_changes(**changes), args.hidden is not None


def option(flag: str, value: str, parse: Callable[[str], T]) -> T:
    try:
        return parse(value)
    except ConfigError as error:
        raise ConfigError(f"{flag}: {error}") from None


def digits_from(args: argparse.Namespace) -> int:
    return option("--digits", args.digits, lambda t: cfg.parse_int("digits", t, 1, 12))


@dataclass(frozen=True)
class AppStart:
    """Everything the app starts with, checked: the session and TuiNN's keyword arguments."""

    session: Session
    options: dict[str, Any]


def display_options(args: argparse.Namespace) -> dict[str, Any]:
    """The app's look and start (--ascii, --save-to, --pace, --theme, --quiz) as TuiNN's keywords."""
    options: dict[str, Any] = {"ascii_only": args.ascii, "save_to": args.save_to, "quiz": args.quiz}
    if args.pace is not None:
        options["pace"] = option("--pace", args.pace, _parse_pace)
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


def read_lesson_option(value: str, flag: str = "--lesson", problem: str | None = None) -> Lesson:
    """The built-in lesson (a bare --lesson: `problem`'s own where it has one, else XOR's), a built-in
    lesson by its name (sine) where no file has that name, or a lesson file, read and rehearsed
    (LessonError names the file and the line of the first problem)."""
    from tui_nn.engine.teach.lesson import BUILTIN_LESSONS, LessonError, builtin_lesson
    from tui_nn.engine.teach.rehearsal import load_lesson

    if value == BUILT_IN_LESSON:
        return builtin_lesson(problem if problem in BUILTIN_LESSONS else BUILTIN_LESSONS[0])
    if value in BUILTIN_LESSONS[1:] and not Path(value).exists():
        return builtin_lesson(value)
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
    target = option("--target-loss", args.target_loss, cfg.parse_target_loss)
    options = display_options(args)
    lesson = read_lesson_option(args.lesson, problem=args.problem) if args.lesson is not None else None
    if lesson is None:
        config, hidden_given = config_from(args)
    else:
        for name in NETWORK_OPTIONS:
            if getattr(args, name) is not None:
                raise UsageError(f"--{name}: a lesson sets its own network (its front matter); leave --{name} out")
        if args.problem is not None:
            problem = option("problem", args.problem, cfg.parse_problem)
            if problem != lesson.config.problem:
                raise UsageError(f"{lesson.name} is a lesson on {lesson.config.problem}, not {problem}: leave out the problem")
        config, hidden_given = lesson.config, True
    session = build(config, hidden_given=hidden_given, digits=digits_from(args))  # bad files first, as everywhere
    if lesson is None and args.problem is None:  # --data alone: say which settings it chose
        session.origin = data_defaults(config, [name for name in NETWORK_OPTIONS if getattr(args, name) is not None])
    return AppStart(session, {**options, "target_loss": target, "lesson": lesson})


def launch(session: Session, options: dict[str, Any]) -> int:
    """Run the app on `session` (it needs a terminal); its exit status, with one line if it ended abnormally."""
    # Nothing the start allocates (Textual, the panes, their styles) is garbage worth collecting,
    # and a full collection then cost 30–60 ms of the first frame: the app freezes what is there
    # and turns the collector back on once its first frame is drawn (TuiNN.first_frame_drawn).
    gc.disable()
    try:
        from tui_nn.ui.shell import lifecycle  # Textual loads only for the app

        missing = lifecycle.missing_terminal()
        if missing is not None:
            problem = session.config.problem
            raise UsageError(
                f"the app needs a terminal, and {missing} is not one; without a terminal use "
                f"'tui-nn train {problem}' or 'tui-nn trace {problem}'"
            )
        lifecycle.forget_stale_size()
        from tui_nn.ui.shell.app import TuiNN

        app = TuiNN(session, **options)
        app.run()
    finally:
        gc.enable()
    line = lifecycle.describe_exit(app)
    if line is not None:
        lifecycle.say(line)
    return app.return_code or 0
