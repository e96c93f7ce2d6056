"""Pilot tests: every key binding of the app, training live, and keys at awkward moments."""

from __future__ import annotations

import io
import json
import random
import re
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from tui_nn.engine.nn.training import Trainer
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.engine.walk.records import NumberFormat
from tui_nn.ui.panes.diagram import NetworkDiagram
from tui_nn.ui.panes.log import CalcLog
from tui_nn.ui.panes.widgets import NetworkPane, StatusLine, TablePane
from tui_nn.ui.shell.app import TuiNN

SIZE = (120, 40)


def make_app(target_loss: float = 1e-3, pace: float | None = None, **config: object) -> TuiNN:
    """The app at the fastest pace unless asked: tests wait for results, not for the show."""
    return TuiNN(build(Config().with_changes(**config)), target_loss=target_loss, pace=pace)


def log_texts(app: TuiNN, undoable: bool | None = None) -> list[str]:
    """Each log entry as the pane draws it (wide enough not to wrap), oldest first."""
    pane = app.query_one(CalcLog)
    return [
        "\n".join("".join(seg.text for seg in row).rstrip() for row in pane.draw_entry(entry, 400))
        for entry in app.controller.logbook.entries
        if undoable is None or entry.undoable == undoable
    ]


def plain(renderable: object) -> str:
    console = Console(width=120, color_system=None, file=io.StringIO())
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]


def screen_text(app: TuiNN) -> str:
    """What the panes show, as plain text (diagram, table, status, log entries)."""
    pane = app.query_one(NetworkPane)
    diagram = pane.diagram()
    assert isinstance(diagram, NetworkDiagram)
    lines = [line.plain for line in diagram.render_lines()]
    table = app.query_one(TablePane)
    status = app.query_one(StatusLine)
    return "\n".join([*lines, plain(table.content), plain(status.content), *log_texts(app)])


def shown_weights(app: TuiNN) -> dict[str, str]:
    diagram = app.query_one(NetworkPane).diagram()
    assert isinstance(diagram, NetworkDiagram)
    text = "\n".join(line.plain for line in diagram.render_lines())
    return dict(re.findall(r"\b([wv]\d+) ([+−]?[\d.]+)", text))


async def test_start_screen() -> None:
    app = make_app()
    async with app.run_test(size=SIZE):
        status = plain(app.query_one(StatusLine).content)
        assert "epoch 0" in status and "step 0/94" in status and "η 1" in status
        assert set(shown_weights(app)) == {"w11", "w12", "w21", "w22", "v1", "v2"}


async def test_right_and_space_step_and_log() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "space")
        assert app.stepper.position == 2
        texts = log_texts(app, undoable=True)
        assert texts[0].startswith("forward · sample 1 · x = (0, 0) · target 0")
        assert "a = σ(z)" in texts[1]


async def test_stepping_a_whole_epoch_shows_the_vectorised_weights() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        total = app.stepper.current.total
        await pilot.press(*["right"] * total)
        assert app.stepper.epoch == 1
        reference = build(Config())
        Trainer(reference.net, reference.data, lr=1.0).run(1)
        fmt = NumberFormat(3)
        expected = {}
        for i in range(2):
            for j in range(2):
                expected[f"w{i + 1}{j + 1}"] = reference.net.weights(0)[i, j]
            expected[f"v{i + 1}"] = reference.net.weights(1)[i, 0]
        shown = shown_weights(app)
        for name, value in expected.items():
            assert shown[name].lstrip("+") == fmt(value), name
        assert np.max(np.abs(app.session.net.params - reference.net.params)) < 1e-12


async def test_left_restores_the_screen_exactly() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*["right"] * 20)
        before = screen_text(app)
        await pilot.press(*["right"] * 80)  # across the update into the next epoch
        assert app.stepper.epoch == 1
        await pilot.press(*["left"] * 80)
        assert screen_text(app) == before
        await pilot.press(*["left"] * 25)  # more than there is: a message, no error
        assert app.stepper.position == 0 and "nothing older" in app.message


async def test_f_and_b_say_when_they_do_not_apply() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        assert app.stepper.position == 0 and "forward pass of sample 1 is not done" in app.message
        await pilot.press(*["f"] * 6)
        assert app.stepper.position == 6
        await pilot.press("f")
        assert app.stepper.position == 6 and "forward pass of sample 1 is done" in app.message
        await pilot.press("b")
        assert app.stepper.last().phase == "loss"
        await pilot.press("b")
        assert app.stepper.last().phase == "backward"


async def test_finish_keys() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("B")
        assert "not done yet" in app.message
        await pilot.press("F")
        assert app.stepper.position == 6 and app.stepper.peek().phase == "loss"
        await pilot.press("F")
        assert "no forward pass under way" in app.message
        await pilot.press("B")
        assert app.stepper.peek().sample == 1 and app.stepper.peek().phase == "forward"
        await pilot.press("e")
        assert app.stepper.epoch == 1 and app.stepper.position == 0


async def test_live_training_starts_stops_and_undoes() -> None:
    app = make_app(target_loss=1e-300)  # never reached: only the key stops it
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "right", "right")
        await pilot.press("T")
        assert app.training
        await pilot.pause(0.3)
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not app.training and app.stepper.epoch > 0
        entries = log_texts(app, undoable=True)
        assert entries[-1].startswith("trained epochs 0–")
        await pilot.press("left")
        assert app.stepper.epoch == 0 and app.stepper.position == 3
        assert "undid the training run" in app.message


async def test_training_to_convergence_stops_by_itself() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not app.training and "loss fell below 0.001" in app.message
        assert app.view.current_loss is not None and app.view.current_loss < 1e-3
        rows = plain(app.query_one(TablePane).content)
        assert rows.count("✓") == 4


async def test_stepping_keys_pause_training_then_step() -> None:
    app = make_app(target_loss=1e-300, pace=1)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        await pilot.pause(0.1)
        await pilot.press("right")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not app.training
        assert app.stepper.position == 1, "paused, then stepped once"


async def test_keys_during_training_do_not_break_anything() -> None:
    app = make_app(target_loss=1e-300, pace=1)  # a slow pace: the training thread is idle, the keys are what is tested
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T", "plus", "minus", "s", "question_mark")
        await pilot.press("escape", "1", "0", "up", "down", "r", "T", "T", "left", "F", "B", "e")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not app.training


async def test_digits_arrows_and_zero_pick_samples() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        assert app.stepper.focus == 2
        await pilot.press("e")
        assert app.stepper.current.samples == [2]
        await pilot.press("down")
        assert app.stepper.focus == 3
        await pilot.press("down")
        assert app.stepper.focus == 0
        await pilot.press("up")
        assert app.stepper.focus == 3
        await pilot.press("9")
        assert app.stepper.focus == 3 and "there is no sample 9" in app.message
        await pilot.press("0")
        assert app.stepper.focus is None and app.stepper.current.samples == [0, 1, 2, 3]


async def test_plus_and_minus_change_the_learning_rate_only() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right")
        params = app.session.net.params.copy()
        await pilot.press("plus")
        assert app.stepper.lr == 2.0 and "η 2" in plain(app.query_one(StatusLine).content)
        await pilot.press("minus", "minus")
        assert app.stepper.lr == 0.5
        assert np.array_equal(app.session.net.params, params) and app.stepper.position == 1


async def test_reset_returns_to_epoch_zero() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e", "e", "r")
        assert app.stepper.epoch == 0 and np.array_equal(app.session.net.params, app.session.initial_params)


async def test_reset_is_undone_by_left() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e", "e")
        trained, log_length = app.session.net.params.copy(), len(app.controller.logbook.entries)
        await pilot.press("r", "left")
        assert app.stepper.epoch == 2 and np.array_equal(app.session.net.params, trained)
        assert len(app.controller.logbook.entries) >= log_length, "the run's log comes back with it"


async def test_save_writes_json_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e", "s")
        saved = json.loads((tmp_path / "xor-epoch1.json").read_text())
        assert saved["format"] == "tui-nn/1" and saved["epoch"] == 1
        assert np.allclose(np.array(saved["weights"][0]), app.session.net.weights(0), atol=0)
        assert str(tmp_path / "xor-epoch1.json") in app.message


async def test_save_failure_is_a_message(tmp_path: Path) -> None:
    app = TuiNN(build(Config()), save_to=str(tmp_path / "missing-folder" / "net.json"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        assert app.message.startswith("could not save")


async def test_help_opens_and_closes() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert app.screen.__class__.__name__ == "HelpScreen"
        await pilot.press("escape")
        assert app.screen.__class__.__name__ != "HelpScreen"
        await pilot.press("question_mark", "question_mark")
        assert app.screen.__class__.__name__ != "HelpScreen"
        await pilot.press("question_mark", "q")  # q quits from help too, as the footer says
        await pilot.pause()
        assert not app.is_running


async def test_q_quits() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
    assert app.return_code == 0


async def test_tiny_terminal_shows_a_notice() -> None:
    app = make_app()
    async with app.run_test(size=(40, 12)) as pilot:
        assert app.screen.has_class("too-small")
        await pilot.press("right", "T", "e")  # nothing steps unseen while the notice shows
        assert app.stepper.position == 0 and not app.training
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        await pilot.press("right")
        assert not app.screen.has_class("too-small") and app.stepper.position == 1
        await pilot.resize_terminal(40, 12)
        await pilot.pause()
        await pilot.press("q")  # q still quits
    assert app.return_code == 0


async def test_divergence_in_the_app_is_a_message() -> None:
    app = make_app(hidden=(16, 8), activation="leaky_relu", init=build(Config()).config.init.__class__("he"), seed=0, lr=100.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "learning rate 100 is too high" in app.message
        await pilot.press(*["right"] * 30)  # walking a diverged network shows nan, never crashes
        assert app.stepper.position == 30


async def test_random_key_mashing_never_raises() -> None:
    keys = [
        "right",
        "left",
        "space",
        "f",
        "b",
        "F",
        "B",
        "e",
        "t",
        "T",
        "plus",
        "minus",
        "r",
        "up",
        "down",
        "0",
        "1",
        "2",
        "3",
        "4",
        "5",
        "9",
        "question_mark",
        "escape",
    ]
    rng = random.Random(1234)
    app = make_app(pace=5)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(150):
            await pilot.press(rng.choice(keys))
        await pilot.press("escape")
        if app.training:
            await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running


async def test_v_cycles_the_views() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        assert app.query_one("#network").display and not app.query_one("#boundary").display
        await pilot.press("v")
        assert app.view_mode == "boundary" and app.query_one("#boundary").display
        assert not app.query_one("#network").display
        await pilot.press("v")
        assert app.view_mode == "hidden" and app.query_one("#hidden").display
        await pilot.press("v")
        assert app.view_mode == "landscape" and app.query_one("#landscape").display
        await pilot.press("v")
        assert app.view_mode == "network"


async def test_large_terminals_show_all_views() -> None:
    app = make_app()
    async with app.run_test(size=(180, 50)):
        assert all(app.query_one(f"#{name}").display for name in ("network", "boundary", "hidden", "landscape"))


async def test_settings_valid_input_rebuilds_the_network() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e", "c")
        assert app.screen.__class__.__name__ == "SettingsScreen"
        hidden = app.screen.query_one("#field-hidden")
        hidden.value = ""
        await pilot.press("4", ",", "3")
        app.screen.query_one("#field-lr").value = "0.5"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.__class__.__name__ != "SettingsScreen"
        assert app.session.net.sizes == (2, 4, 3, 1) and app.stepper.lr == 0.5 and app.stepper.epoch == 0
        assert "rebuilt" in app.message
        entries = log_texts(app)
        assert any(e.startswith("rebuilt the network: xor: 2-4-3-1") for e in entries)
        assert any("update · epoch 0" in e for e in entries), "the old log is kept"


async def test_settings_invalid_input_is_explained_and_not_applied() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        screen = app.screen
        screen.query_one("#field-lr").value = "-3"
        screen.query_one("#field-batch").value = "9"
        await pilot.pause()
        assert "positive finite number" in str(screen.query_one("#error-lr").content)
        assert "larger than the data set" in str(screen.query_one("#error-batch").content)
        await pilot.press("enter")
        assert app.screen is screen and "not applied" in str(screen.query_one("#settings-message").content)
        assert app.session.net.sizes == (2, 2, 1) and app.stepper.lr == 1.0


async def test_settings_escape_cancels() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "c")
        app.screen.query_one("#field-hidden").value = "8"
        await pilot.press("escape")
        assert app.session.net.sizes == (2, 2, 1) and app.stepper.position == 1
        assert "unchanged" in app.message


async def test_switching_data_set_keeps_other_choices() -> None:
    app = make_app(hidden=(3,), lr=0.25)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        app.screen.query_one("#field-problem").value = "circle"
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.data.name == "circle" and app.session.net.sizes == (2, 3, 1) and app.stepper.lr == 0.25


async def test_keys_under_a_modal_screen_leave_the_session_alone() -> None:
    app = make_app(target_loss=1e-300)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        app.screen.query_one("#field-problem").focus()  # a Select: it does not take letters
        await pilot.press("e", "T", "right", "plus", "r")
        assert not app.training and app.stepper.epoch == 0 and app.stepper.position == 0 and app.stepper.lr == 1.0
        await pilot.press("escape", "question_mark", "e", "T")
        assert not app.training and app.stepper.epoch == 0
        await pilot.press("escape", "e")
        assert app.stepper.epoch == 1


async def test_a_number_in_a_unit_box_is_never_cut() -> None:
    """Before: an output bias of −1.1102e−16 was drawn 'b −1.11e−1' (cut at the box's border)."""
    from tui_nn.engine.walk.expr import parse_number

    network = {
        "format": "tui-nn/1",
        "layers": [2, 2, 1],
        "activations": ["sigmoid", "sigmoid"],
        "loss": "bce",
        "weights": [[[1.5, -0.5], [0.25, 2.0]], [[1.0], [-1.0]]],
        "biases": [[0.0, 0.0], [-1.1102230246251565e-16]],
    }
    path = Path("tiny-bias.json")
    path.write_text(json.dumps(network))
    app = TuiNN(build(Config(weights=str(path))), pace=None)
    async with app.run_test(size=SIZE):
        diagram = app.query_one(NetworkPane).diagram()
        assert isinstance(diagram, NetworkDiagram)
        text = "\n".join(line.plain for line in diagram.render_lines())
        shown = re.findall(r"\bb ([+−]?[\d.]+(?:e[+−]\d+)?)", text)
        assert len(shown) == 3, text
        tiny = [b for b in shown if b != "0"]
        assert shown.count("0") == 2 and len(tiny) == 1 and abs(parse_number(tiny[0]) + 1.1102230246251565e-16) < 1e-17, shown


async def test_layer_captions_take_the_room_up_to_the_next_column() -> None:
    """Inspecting with the landscape open (120×40) puts the diagram beside it, its columns 19 apart, yet each
    caption was cut at the box's width plus two: 'hidden sigmo', 'output sigmo'."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("l", "i")
        await pilot.pause()
        pane = app.query_one(NetworkPane)
        assert pane.size.width < 70, "the network shares the row with the landscape"
        diagram = pane.diagram()
        assert isinstance(diagram, NetworkDiagram)
        first = diagram.render_lines()[0].plain
        assert "hidden sigmoid" in first and "output sigmoid" in first, first
