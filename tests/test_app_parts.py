"""The thin app's parts: one Player for the walk and a recording, the engine's playing decisions,
files written by engine/saving (not by app code), and the inspector's own keys."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui_nn.engine.session import actions as act
from tui_nn.engine.session import persist, replay
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.engine.session.controller import Controller
from tui_nn.engine.session.playback import (
    REPLAY_SLICE_EPOCHS,
    REPLAY_SLICE_SECONDS,
    WALK_SPEEDS,
    RecordedActions,
    next_slice_epochs,
    next_speed,
)
from tui_nn.engine.session.saving import SessionFiles
from tui_nn.engine.teach.lesson import builtin_lesson
from tui_nn.engine.walk.explain import Element
from tui_nn.ui.panes.inspector import Inspector
from tui_nn.ui.screens.commands import commands, run
from tui_nn.ui.shell.app import TuiNN
from tui_nn.ui.shell.player import Player

SIZE = (120, 40)


@given(st.sampled_from(WALK_SPEEDS), st.sampled_from((-1, 1)))
def test_the_walks_speed_moves_one_rung_and_stops_at_the_ends(speed: float, direction: int) -> None:
    k = WALK_SPEEDS.index(speed)
    assert next_speed(speed, direction) == WALK_SPEEDS[min(max(k + direction, 0), len(WALK_SPEEDS) - 1)]


@given(st.integers(1, 10**6), st.floats(0.0, 100.0, allow_nan=False))
def test_a_replay_slice_aims_at_its_seconds_and_at_most_doubles(epochs: int, spent: float) -> None:
    size = next_slice_epochs(epochs, spent)
    assert 1 <= size <= 2 * epochs
    if 1 < size < 2 * epochs:  # not held at a bound: the rate measured, scaled to the slice's time
        assert abs(size - epochs * REPLAY_SLICE_SECONDS / max(spent, 1e-4)) < 1


def trained_controller() -> Controller:
    controller = Controller(build(Config()))
    for action in (act.Next(), act.Next(), act.Train(20)):
        controller.apply(action)
    return controller


def test_saving_the_network_writes_the_views_weights_and_notes_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    controller = trained_controller()
    view = controller.view()
    controller.apply(act.Train(5))  # the engine moved on: the file holds the view it was given
    filed = SessionFiles(controller, view).save_network()
    assert filed.holds_weights and filed.path == (tmp_path / f"xor-epoch{view.epoch}.json").resolve()
    loaded = persist.load(filed.path).build("sigmoid", "bce")
    assert np.array_equal(loaded.params, view.snapshot.params)
    assert filed.message.tone == "success" and str(filed.path) in filed.message.text
    assert str(filed.path) in controller.logbook.entries[-1].text


def test_a_file_that_cannot_be_written_is_one_line_and_nothing_else(tmp_path: Path) -> None:
    controller = trained_controller()
    notes = len(controller.logbook.entries)
    missing = tmp_path / "no such folder" / "net.json"
    filed = SessionFiles(controller, controller.view()).save_network(str(missing))
    assert filed.path is None and not filed.holds_weights
    assert filed.message.tone == "error" and filed.message.text.startswith(f"could not save to {missing}")
    assert len(controller.logbook.entries) == notes


def test_the_session_file_replays_and_the_log_exports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    controller = trained_controller()
    files = SessionFiles(controller, controller.view())
    session = files.save_recording()
    assert session.holds_weights and session.path is not None
    assert replay.load(session.path).actions == controller.recording().actions
    log = files.export_log("text", words=False)
    assert not log.holds_weights and log.path is not None and log.path.suffix == ".txt"
    assert "the calculation log" in log.path.read_text(encoding="utf-8")


async def test_s_in_the_app_saves_through_the_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    written: list[str] = []
    save_network = SessionFiles.save_network
    monkeypatch.setattr(SessionFiles, "save_network", lambda self, path=None: written.append("s") or save_network(self, path))
    app = TuiNN(build(Config()), pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e", "s")
        saved = tmp_path / "xor-epoch1.json"
        assert written == ["s"] and persist.load(saved).extra["epoch"] == 1
        assert app.message == f"saved {saved.resolve()}"
        assert not app._unsaved_training(), "what s wrote is what quitting would lose"


async def test_the_walk_and_a_recording_play_through_one_player(tmp_path: Path) -> None:
    source = Controller(build(Config()))
    for _ in range(6):
        source.apply(act.Next())
    recording = replay.load(replay.save(tmp_path / "s.json", source.recording()))
    app = TuiNN(build(recording.config), pace=None, replay=recording)
    async with app.run_test(size=SIZE) as pilot:
        assert type(app.player) is type(app.replayer) is Player
        await pilot.press("p")
        assert app.replayer.playing and not app.player.playing, "with a recording loaded, p plays the recording"
        await pilot.press("p")
        assert not app.replayer.playing and "replay paused" in app.message


def first_weight(app: TuiNN) -> float:
    net = app.session.net
    return float(net.params[Element("weight", net.n_layers - 1, 0, 0).parameter_index(net)])


async def test_the_inspector_has_the_focus_and_its_keys_while_inspecting_also_after_a_rebuild() -> None:
    app = TuiNN(build(Config()), pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        assert app.focused is app.query_one(Inspector)
        await app.run_action("use_theme('light')")  # new panes, a new inspector
        await pilot.pause()
        assert app.focused is app.query_one(Inspector)
        selected = app.selection
        await pilot.press("right")
        assert app.selection != selected and app.stepper.position == 0, "→ moved the selection, it did not step"
        await pilot.press("escape")
        assert not app.inspecting and app.focused is None
        await pilot.press("right")
        assert app.stepper.position == 1, "→ steps again"


async def test_the_palettes_zero_runs_on_the_inspector() -> None:
    app = TuiNN(build(Config()), pace=None)
    zero = next(c for c in commands() if c.action == "zero")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        assert zero.on_inspector and first_weight(app) != 0.0
        await run(app, zero)
        await pilot.pause()
        assert first_weight(app) == 0.0 and app.inspecting


def test_a_recordings_next_action_is_decided_engine_side() -> None:
    session = build(Config())
    actions = [act.Next(), act.Train(REPLAY_SLICE_EPOCHS + 1), act.Train(REPLAY_SLICE_EPOCHS), act.KnockOut(1, 3), act.Next()]
    queue = RecordedActions(actions)
    cues = [queue.take(session, training_live=False) for _ in range(3)]
    assert [c.index for c in cues] == [0, 1, 2] and all(c.problem is None for c in cues)
    assert [c.sliced_epochs for c in cues] == [None, REPLAY_SLICE_EPOCHS + 1, None], "only a run longer than a slice"
    assert len(queue) == 2 and list(queue) == actions[3:]
    stopped = queue.take(session, training_live=False)  # the 2-2-1 network has no hidden unit 3: an edited file
    assert stopped.index == 3 and stopped.problem is not None and not queue, "an action out of place ends the replay"


def test_a_long_recorded_run_joins_a_live_run_instead_of_slicing() -> None:
    queue = RecordedActions([act.Train(10 * REPLAY_SLICE_EPOCHS)])
    assert queue.take(build(Config()), training_live=True).sliced_epochs is None


async def test_nothing_has_the_focus_until_inspecting_so_the_apps_keys_apply() -> None:
    """A focusable inspector took the screen's first focus, and > then turned no lesson chapter."""
    lesson = builtin_lesson()
    app = TuiNN(build(lesson.config), pace=None, lesson=lesson)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.focused is None
        await pilot.press("i")
        assert app.focused is app.query_one(Inspector)
        await pilot.press("i")
        assert app.focused is None and not app.query_one(Inspector).can_focus
