"""The command line reaches every feature of the app: --pace, --theme, --quiz, --lesson and
`tui-nn lesson` open the app as asked (checked on the TuiNN the command builds, without running
it); `tui-nn replay` opens a recording in the app or, with --check, lands headless on the
recorded session's exact parameters; `serve` passes every new option on to its sessions."""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.cli_helpers import diverging_weights, one_error_line, run
from tui_nn.cli.commands import make_parser
from tui_nn.engine.live.pace import DEFAULT_PACE, PACES
from tui_nn.engine.session import actions as act
from tui_nn.engine.session import replay
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.engine.session.controller import Controller
from tui_nn.engine.teach.lesson import builtin_lesson

LESSON = """---
title: AND in two chapters
problem: and
hidden: none
lr: 0.5
---

## Before

<!-- tui-nn: view boundary -->
<!-- tui-nn: steps 3 -->

## After

<!-- tui-nn: train 200 -->
<!-- tui-nn: ask "How many hidden layers?" answer=0 -->
"""


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """The TuiNN each command builds, captured instead of run (there is no terminal in a test)."""
    from tui_nn.ui import theme
    from tui_nn.ui.shell import lifecycle
    from tui_nn.ui.shell.app import TuiNN

    apps: list[object] = []
    monkeypatch.setattr(lifecycle, "missing_terminal", lambda: None)
    monkeypatch.setattr(lifecycle, "forget_stale_size", lambda: None)
    monkeypatch.setattr(TuiNN, "run", lambda self, *args, **kwargs: apps.append(self))
    yield apps
    theme.use("dark")  # TuiNN chose the palette for the whole process: give the next test the default


@pytest.fixture
def lesson_file(tmp_path: Path) -> Path:
    path = tmp_path / "and.md"
    path.write_text(LESSON, encoding="utf-8")
    return path


# --- app flags ----------------------------------------------------------------------------------


def test_the_app_flags_reach_the_app(capsys: pytest.CaptureFixture[str], started: list[object], tmp_path: Path) -> None:
    code, _, err = run(
        capsys, "xor", "--pace", "max", "--theme", "light", "--quiz", "--ascii", "--target-loss", "1e-4", "--save-to", "n.json"
    )
    assert code == 0 and err == ""
    (app,) = started
    assert app.pace is None  # type: ignore[attr-defined]
    assert app.palette.name == "light"  # type: ignore[attr-defined]
    assert app.controller.teaching.quiz_on is True and app.ascii_only is True  # type: ignore[attr-defined]
    assert app.target_loss == 1e-4 and app.save_to == "n.json"  # type: ignore[attr-defined]
    assert app.given_lesson is None and not app.replay_queue  # type: ignore[attr-defined]


def test_without_flags_the_app_starts_at_its_defaults(capsys: pytest.CaptureFixture[str], started: list[object]) -> None:
    assert run(capsys, "xor")[0] == 0
    (app,) = started
    assert app.pace == DEFAULT_PACE and app.palette.name == "dark"  # type: ignore[attr-defined]
    assert app.controller.teaching.quiz_on is False and app.target_loss == 1e-3  # type: ignore[attr-defined]


@pytest.mark.parametrize("pace", [p for p in PACES if p is not None][::4])
def test_every_pace_of_the_ladder_is_accepted(capsys: pytest.CaptureFixture[str], started: list[object], pace: float) -> None:
    assert run(capsys, "xor", "--pace", f"{pace:g}")[0] == 0
    assert started[-1].pace == pace  # type: ignore[attr-defined]


def test_the_pace_ladder_is_the_apps() -> None:
    from tui_nn.ui.shell import live

    assert live.PACES is PACES and live.DEFAULT_PACE == DEFAULT_PACE


def test_the_built_in_lesson_from_the_flag_and_the_command(capsys: pytest.CaptureFixture[str], started: list[object]) -> None:
    assert run(capsys, "xor", "--lesson")[0] == 0
    assert run(capsys, "--lesson", "--pace", "5")[0] == 0
    assert run(capsys, "lesson", "--quiz")[0] == 0
    built_in = builtin_lesson()
    for app in started:
        assert app.given_lesson.title == built_in.title  # type: ignore[attr-defined]
        assert app.session.config == built_in.config  # type: ignore[attr-defined]
    assert started[1].pace == 5 and started[2].controller.teaching.quiz_on is True  # type: ignore[attr-defined]


def test_a_lesson_file_from_the_flag_and_the_command(
    capsys: pytest.CaptureFixture[str], started: list[object], lesson_file: Path
) -> None:
    assert run(capsys, "lesson", str(lesson_file), "--theme", "light")[0] == 0
    assert run(capsys, "and", "--lesson", str(lesson_file))[0] == 0
    for app in started:
        assert app.given_lesson.title == "AND in two chapters" and len(app.given_lesson.chapters) == 2  # type: ignore[attr-defined]
        assert app.session.config.problem == "and" and app.session.net.sizes == (2, 1)  # type: ignore[attr-defined]
    assert started[0].palette.name == "light"  # type: ignore[attr-defined]


BAD_APP = [
    (["xor", "--pace", "7"], "--pace: pace must be one of 1, 2, 5,"),
    (["xor", "--pace", "fast"], "--pace: pace must be max or a number of epochs a second, not 'fast'"),
    (["xor", "--pace", "nan"], "--pace: pace must be one of"),
    (["xor", "--theme", "blue"], "--theme: must be dark or light, not 'blue'"),
    (["xor", "--lesson", "missing.md"], "missing.md: no such file"),
    (["--lesson", "xor"], "xor: no such file; for the built-in xor lesson give --lesson with no FILE"),
    (["lesson", "xor"], "xor: no such file; for the built-in xor lesson give 'tui-nn lesson' with no FILE"),
    (["--lesson", "--hidden", "3"], "--hidden: a lesson sets its own network (its front matter); leave --hidden out"),
    (["and", "--lesson"], "xor.md is a lesson on xor, not and: leave out the problem"),
    (["lesson", "--hidden", "3"], "--hidden: a lesson sets its own network (its front matter); leave --hidden out"),
    (["lesson", "--frobnicate"], "unrecognized arguments: --frobnicate"),
    (["replay", "s.json", "--lr", "3"], "--lr: a session file holds its settings; leave --lr out"),
    (["lesson", "--pace", "3"], "--pace: pace must be one of"),
]


@pytest.mark.parametrize(("words", "message"), BAD_APP)
def test_bad_app_options_are_one_line_before_anything_starts(
    capsys: pytest.CaptureFixture[str], started: list[object], words: list[str], message: str
) -> None:
    code, _, err = run(capsys, *words)
    assert code == 2 and message in one_error_line(err)
    assert not started


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (LESSON.replace("steps 3", "stepz 3"), "and.md line 11: unknown directive 'stepz' (did you mean 'steps'?)"),
        (LESSON.replace("lr: 0.5", "lr: fast"), "and.md line 5: lr: learning rate must be a number"),
        (LESSON.replace("title: AND in two chapters\n", ""), "and.md"),
    ],
)
def test_a_bad_lesson_file_is_one_line_naming_its_line(
    capsys: pytest.CaptureFixture[str], started: list[object], tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "and.md"
    path.write_text(text, encoding="utf-8")
    for words in (["lesson", str(path)], ["--lesson", str(path)]):
        code, _, err = run(capsys, *words)
        assert code == 2 and message in one_error_line(err)
    assert not started


def test_checking_options_does_not_load_textual(tmp_path: Path) -> None:
    """A bad --pace, an explain, a replay check and a trace handout run without Textual."""
    session_file = tmp_path / "s.json"
    replay.save(session_file, Controller(build(Config())).recording())
    script = (
        "import sys\n"
        "from tui_nn.cli.commands import main\n"
        "assert main(['xor', '--pace', '7']) == 2\n"
        "assert main(['explain', 'xor', '--param', 'w11']) == 0\n"
        f"assert main(['replay', {str(session_file)!r}, '--check']) == 0\n"
        "assert main(['trace', 'xor', '--format', 'markdown']) == 0\n"
        "loaded = sorted(n for n in sys.modules if n.split('.')[0] == 'textual')\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr


# --- serve passes every new option on ----------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        ["xor", "--pace", "max", "--theme", "light", "--quiz", "--lesson"],
        ["--lesson", "my lesson.md", "--pace=5", "--ascii"],
        ["and", "--lesson=x.md", "--quiz", "--theme", "dark"],
        ["--data", "points.csv", "--pace", "1"],  # no problem: none is passed on (it was the word 'None')
    ],
)
def test_serve_passes_the_new_app_options_to_each_session(options: list[str]) -> None:
    from tui_nn.cli.serve import app_arguments, make_serve_parser, session_command

    served = make_serve_parser().parse_args(options)
    words = app_arguments(served)
    again = vars(make_serve_parser().parse_args(words))
    expected = vars(served)
    for namespace in (again, expected):  # the server's own options are not the sessions'
        for server_only in ("host", "port", "max_sessions", "idle_timeout"):
            namespace.pop(server_only)
    assert again == expected
    assert vars(make_parser()["app"].parse_args(words)) == expected  # what each session's `tui-nn` reads
    assert shlex.split(session_command(words))[4:] == words


def test_serve_checks_the_new_options_once_before_starting(capsys: pytest.CaptureFixture[str], lesson_file: Path) -> None:
    from tui_nn.cli.serve import check_app_options, make_serve_parser

    code, _, err = run(capsys, "serve", "xor", "--pace", "7")
    assert code == 2 and "--pace: pace must be one of" in one_error_line(err)
    code, _, err = run(capsys, "serve", "--lesson", "--theme", "blue")
    assert code == 2 and "--theme: must be dark or light" in one_error_line(err)
    check_app_options(make_serve_parser().parse_args(["--lesson", str(lesson_file), "--quiz"]))  # a good one passes


# --- replay ----------------------------------------------------------------------------------------


def recorded(tmp_path: Path) -> tuple[Path, Controller]:
    """A session with steps, undo, η changes, a what-if edit, training, a knock-out, a pin and a
    rebuild, saved as the app's S does."""
    c = Controller(build(Config(optimizer="momentum")))
    plan: list[act.Action] = [
        act.Backward(),  # refused where it stands (no forward pass yet): recorded all the same
        *[act.Next()] * 25,
        act.Back(),
        act.ScaleLR(2.0),
        act.FinishEpoch(),
        act.SetParam("w12", 0.25),
        act.Train(200),
        act.KnockOut(1, 2),
        act.Train(50),
        act.Rebuild(Config(hidden=(3,), optimizer="adam", lr=0.05, batch=2)),
        act.Train(30),
        act.Pin(3),
        *[act.Next()] * 7,
    ]
    for action in plan:
        c.apply(action)
    return replay.save(tmp_path / "session.json", c.recording()), c


def test_replay_check_lands_on_the_recorded_parameters_bit_for_bit(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path, source = recorded(tmp_path)
    expected = source.session.net.params
    code, out, err = run(capsys, "replay", str(path), "--check", "--json")
    assert code == 0 and err == ""
    document = json.loads(out)
    values = np.array([p["value"] for p in document["parameters"]])
    assert values.tobytes() == expected.tobytes()
    assert document["sha256"] == hashlib.sha256(expected.astype("<f8").tobytes()).hexdigest()
    assert document["epoch"] == source.stepper.epoch and document["position"] == source.stepper.position
    assert document["pinned"] == 3 and document["actions"] == len(source.record)
    assert [u["action"] for u in document["unchanged"]] == ["backward"]
    net, data = source.session.net, source.session.data
    assert document["loss"] == net.loss_value(data.x, data.y)
    # the text form carries the same numbers, each written to read back exactly
    code, out, _ = run(capsys, "replay", str(path), "--headless")
    assert code == 0
    printed = re.findall(r"^\S+ \((\S+)\)\s+= (\S+)$", out, re.MULTILINE)
    assert [name for name, _ in printed] == [p["file_name"] for p in document["parameters"]]
    assert np.array([float(v) for _, v in printed]).tobytes() == expected.tobytes()
    assert f"sha256 {document['sha256']}" in out
    assert f"epoch {source.stepper.epoch} · {source.stepper.position} of this pass's" in out


def test_replay_opens_the_recording_in_the_app(capsys: pytest.CaptureFixture[str], started: list[object], tmp_path: Path) -> None:
    path, source = recorded(tmp_path)
    assert run(capsys, "replay", str(path), "--pace", "20", "--theme", "light")[0] == 0
    (app,) = started
    assert list(app.replay_queue) == source.record  # type: ignore[attr-defined]
    assert app.pace == 20 and app.palette.name == "light"  # type: ignore[attr-defined]
    assert app.session.config == source.initial_config  # type: ignore[attr-defined]
    assert app.target_loss == source.target_loss  # type: ignore[attr-defined]


def write(tmp_path: Path, document: object) -> str:
    path = tmp_path / "bad.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    return str(path)


SESSION = {"format": "tui-nn-session/1", "config": {}, "actions": []}


@pytest.mark.parametrize(
    ("document", "extra", "message"),
    [
        ("{", ["--check"], "bad.json: not valid JSON (line 1, column 2"),
        ({"format": "tui-nn/1"}, ["--check"], 'bad.json: format must be "tui-nn-session/1"'),
        ({**SESSION, "actions": [{"action": "fly"}]}, [], "bad.json: actions[0]: unknown action 'fly'"),
        (
            {**SESSION, "actions": [{"action": "reseed", "seed": -1}]},
            [],
            "bad.json: actions[0]: reseed: seed must be from 0 to 4294967295, not -1",
        ),
        (
            {**SESSION, "actions": [{"action": "rebuild", "config": {"weights": "gone.json"}}]},
            ["--check"],
            "bad.json: actions[0] (rebuild) cannot be applied: settings not applied: gone.json: no such file",
        ),
        (
            {**SESSION, "config": {"weights": "gone.json"}},
            [],
            "bad.json: its starting network cannot be built: gone.json: no such file",
        ),
        (SESSION, ["--json"], "--json goes with --check"),
        (SESSION, ["--check", "--pace", "5"], "--pace is for the app; --check replays without it"),
        (SESSION, ["--pace", "3"], "--pace: pace must be one of"),
    ],
)
def test_a_bad_session_file_is_one_line(
    capsys: pytest.CaptureFixture[str],
    started: list[object],
    tmp_path: Path,
    document: object,
    extra: list[str],
    message: str,
) -> None:
    code, out, err = run(capsys, "replay", write(tmp_path, document), *extra)
    assert code == 2 and message in one_error_line(err) and out == ""
    assert not started
    code, _, err = run(capsys, "replay", str(tmp_path / "nowhere.json"), "--check")
    assert code == 2 and "nowhere.json: no such file" in one_error_line(err)


def test_replay_check_of_a_session_that_ends_diverged_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Weights at ±1e150 and η = 1e6, the largest: two epochs stepped with e overflow them."""
    config = {"lr": 1e6, "activation": "leaky_relu", "weights": str(diverging_weights(tmp_path))}
    session = {**SESSION, "config": config, "actions": [{"action": "finish_epoch"}] * 2}
    code, out, err = run(capsys, "replay", write(tmp_path, session), "--check")
    assert code == 1 and "sha256" in out and any(line.endswith(("= inf", "= -inf", "= nan")) for line in out.splitlines())
    line = err.strip()
    assert "\n" not in line and line.startswith("tui-nn: replay ") and "not finite numbers" in line


def test_replay_check_says_whether_it_lands_bit_identical(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """--expect: the digest a check printed, or the network saved (as s does) when the session was."""
    from tui_nn.engine.session import persist

    path, source = recorded(tmp_path)
    saved = persist.save(tmp_path / "net.json", source.session.net, {})
    digest = hashlib.sha256(source.session.net.params.astype("<f8").tobytes()).hexdigest()
    for expect in (str(saved), digest.upper()):
        code, out, _ = run(capsys, "replay", str(path), "--check", "--expect", expect)
        assert code == 0 and out.splitlines()[-1].startswith("bit-identical to ") and digest in out.splitlines()[-1]
    # one more epoch: the same shape, every parameter moved; the largest move is named with both values
    source.apply(act.Train(1))
    moved = source.session.net.params
    persist.save(tmp_path / "later.json", source.session.net, {})
    code, out, _ = run(capsys, "replay", str(path), "--check", "--expect", str(tmp_path / "later.json"))
    last = out.splitlines()[-1]
    assert code == 1 and last.startswith("differs from ")
    document = json.loads(run(capsys, "replay", str(path), "--check", "--json", "--expect", str(tmp_path / "later.json"))[1])
    landed = np.array([p["value"] for p in document["parameters"]])
    worst = int(np.argmax(np.abs(landed - moved)))
    assert document["expected"]["identical"] is False
    assert f"{int(np.sum(landed != moved))} of {landed.size} parameters" in last
    assert f"lands on {float(landed[worst])!r}, expected {float(moved[worst])!r}" in last
    code, out, _ = run(capsys, "replay", str(path), "--check", "--expect", "0" * 64)
    assert code == 1 and out.splitlines()[-1] == f"differs from the SHA-256 000000000000…: the parameters' sha256 is {digest}"
    persist.save(tmp_path / "small.json", build(Config()).net, {})
    code, out, _ = run(capsys, "replay", str(path), "--check", "--expect", str(tmp_path / "small.json"))
    assert code == 1 and out.splitlines()[-1].endswith("small.json: that is a 2-2-1 network; the replay lands on 2-3-1")
    code, _, err = run(capsys, "replay", str(path), "--check", "--expect", str(tmp_path / "gone.json"))
    assert code == 2 and "gone.json: no such file" in one_error_line(err)
    code, _, err = run(capsys, "replay", str(path), "--expect", digest)
    assert code == 2 and "--expect goes with --check" in one_error_line(err)
