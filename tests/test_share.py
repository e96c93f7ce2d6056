"""Share it: the log as Markdown/LaTeX, sessions saved and replayed, the palette, the light theme."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pytest
from matplotlib.mathtext import MathTextParser

from tui_nn.engine.session import actions as act
from tui_nn.engine.session import export, replay
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.engine.session.controller import Controller
from tui_nn.engine.walk.expr import parse_number
from tui_nn.ui import theme
from tui_nn.ui.screens.commands import commands, run
from tui_nn.ui.shell.app import TuiNN

SIZE = (120, 40)


def walked(config: Config, steps: int = 120, train: int = 0) -> Controller:
    c = Controller(build(config))
    for _ in range(steps):
        c.apply(act.Next())
    if train:
        c.apply(act.Train(train))
    return c


@pytest.mark.parametrize(
    "config",
    [
        Config(),
        Config(optimizer="adam", activation="tanh", loss="mse"),
        Config(hidden=(3, 2), activation="relu", optimizer="momentum"),
    ],
)
def test_every_formula_of_the_markdown_parses_as_math_and_carries_the_engines_numbers(config: Config) -> None:
    c = walked(config, steps=130, train=20)
    document = export.markdown(c.logbook.entries, c.stepper.fmt, "handout")
    formulas = re.findall(r"\$(.+?)\$", document)
    assert len(formulas) >= 130
    parser = MathTextParser("path")
    for formula in formulas:
        parser.parse(f"${formula}$")
    # each equation's result, read back from the LaTeX, equals the engine's value to the printed digits
    steps = c.logbook.steps()
    equations = [eq for step in steps for eq in step.equations]
    assert len(formulas) == len(equations)
    for formula, eq in zip(formulas, equations, strict=True):
        printed = formula.rsplit("=", 1)[-1].rsplit(r"\leftarrow", 1)[-1].strip()
        printed = re.sub(r"(\S+) \\times 10\^\{(-?\d+)\}", r"\1e\2", printed)
        assert parse_number(printed) == pytest.approx(
            eq.value, rel=10.0 ** -(c.stepper.fmt.digits - 1), abs=10.0**-c.stepper.fmt.digits
        )


def test_latex_and_text_exports() -> None:
    c = walked(Config(), steps=20)
    tex = export.latex(c.logbook.entries, c.stepper.fmt, "handout")
    assert tex.startswith(r"\documentclass{article}") and tex.rstrip().endswith(r"\end{document}")
    assert tex.count(r"\[") == tex.count(r"\]") == sum(len(s.equations) for s in c.logbook.steps())
    text = export.text(c.logbook.entries, c.stepper.fmt, "handout")
    assert "h1    z = x1·w11 + x2·w21 + b_h1" in text


def test_a_saved_session_replays_to_bit_identical_parameters(tmp_path: Path) -> None:
    """Steps, undo, η changes, a rebuild and what-if edits, through the file format."""
    c = Controller(build(Config(optimizer="momentum")))
    plan = [
        *[act.Next()] * 30,
        act.Back(),
        act.ScaleLR(2.0),
        act.FinishEpoch(),
        act.SetParam("w12", 0.25),
        act.Train(300),
        act.Back(),
        act.Train(120),
        act.KnockOut(1, 1),
        act.Rebuild(Config(hidden=(3,), optimizer="adam", lr=0.05)),
        act.Train(40),
        *[act.Next()] * 7,
    ]
    for action in plan:
        c.apply(action)
    path = replay.save(tmp_path / "session.json", c.recording())
    recording = replay.load(path)
    again = Controller(build(recording.config), recording.target_loss)
    for action in recording.actions:
        again.apply(action)
    assert again.session.net.sizes == (2, 3, 1)
    assert np.array_equal(again.session.net.params, c.session.net.params)
    assert again.stepper.epoch == c.stepper.epoch and again.stepper.position == c.stepper.position


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", "one JSON object"),
        ('{"format": "other"}', 'format must be "tui-nn-session/1"'),
        ('{"format": "tui-nn-session/1", "config": {}, "actions": [{"action": "fly"}]}', "actions[0]: unknown action 'fly'"),
        ('{"format": "tui-nn-session/1", "config": {"lr": "fast"}, "actions": []}', "learning rate must be a number"),
        ('{"format": "tui-nn-session/1", "config": {}, "actions": [], "digits": 40}', "digits must be a whole number"),
        ("{", "not valid JSON"),
    ],
)
def test_bad_session_files_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "s.json"
    path.write_text(text)
    with pytest.raises(replay.SessionFileError, match=re.escape(message)):
        replay.load(path)


async def test_the_app_replays_a_recording_step_by_step_and_by_itself(tmp_path: Path) -> None:
    source = Controller(build(Config()))
    for action in [*[act.Next()] * 12, act.Back(), act.Train(50), act.Pin(2), *[act.Next()] * 5]:
        source.apply(action)
    recording = replay.load(replay.save(tmp_path / "s.json", source.recording()))
    app = TuiNN(build(recording.config), pace=None, replay=recording)
    async with app.run_test(size=SIZE) as pilot:
        assert "replaying" in app.message
        await pilot.press("right", "right")
        assert app.stepper.position == 2 and len(app.replay_queue) == len(recording.actions) - 2
        await pilot.press("p")
        for _ in range(200):
            if not app.replay_queue:
                break
            await pilot.pause(0.05)
        assert not app.replay_queue and "replay finished" in app.message
        assert np.array_equal(app.session.net.params, source.session.net.params)


async def test_x_writes_the_log_and_S_the_session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = TuiNN(build(Config()), pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "right", "x", "S", "X")
        assert (tmp_path / "xor-log-epoch0.md").read_text().count("$") >= 4
        session = json.loads((tmp_path / "xor-session-epoch0.json").read_text())
        assert session["format"] == "tui-nn-session/1" and [a["action"] for a in session["actions"]] == ["next", "next"]
        assert (tmp_path / "xor-screen-epoch0.svg").read_text().startswith("<svg")


async def test_every_palette_command_runs() -> None:
    app = TuiNN(build(Config()), pace=1)
    async with app.run_test(size=SIZE) as pilot:
        for command in commands():
            if command.action in ("quit", "help", "settings", "set_value", "command_palette"):
                continue
            await run(app, command)
            await pilot.pause()
            if app.live is not None:
                app.live.stop()
                await app.workers.wait_for_complete()
                await pilot.pause()
            while len(app.screen_stack) > 1:
                app.pop_screen()
                await pilot.pause()
        assert app.is_running
        # through the palette itself: type a name, Enter runs it
        before = app.stepper.lr
        await pilot.press("ctrl+p")
        await pilot.press(*"learning rate ×10")
        await pilot.press("enter")
        await pilot.pause()
        assert app.stepper.lr == pytest.approx(before * 10.0, rel=1e-12)


async def test_the_light_theme_switches_every_pane() -> None:
    app = TuiNN(build(Config()), pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await app.run_action("use_theme('light')")
        await pilot.pause()
        assert app.theme == "textual-light" and theme.current().name == "light"
        svg = app.export_screenshot()
        assert theme.LIGHT.positive in svg or theme.LIGHT.positive.upper() in svg.upper()
        await app.run_action("use_theme('dark')")
        await pilot.pause()
        assert theme.current().name == "dark"


def test_each_palette_command_is_listed_once() -> None:
    actions = [c.action for c in commands()]
    names = [c.name for c in commands()]
    assert len(actions) == len(set(actions)) and len(names) == len(set(names))


def test_the_session_format_documents_every_action_and_its_fields() -> None:
    doc = (Path(__file__).parent.parent / "docs" / "sessions.md").read_text()
    rows = dict(re.findall(r"^\| `(\w+)` \| ([^|]*) \|", doc, flags=re.M))
    for name, cls in act.ACTIONS.items():
        assert name in rows, f"docs/sessions.md does not list the action {name}"
        for field in dataclasses.fields(cls):
            assert f"`{field.name}`" in rows[name], f"docs/sessions.md: {name}'s field {field.name} is not listed"
    example = re.search(r"```json\n(.*?)```", doc, flags=re.S)
    assert example is not None
    recording = replay.parse(json.loads(example.group(1)))  # the documented example is a valid file
    assert [a.name for a in recording.actions] == ["next", "next", "train", "scale_lr", "back"]
