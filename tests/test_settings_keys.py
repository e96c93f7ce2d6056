"""The settings screen from the keyboard alone (and the mouse where it has a path), your own data
in the form, --ascii in the form, and q in the modal screens.

Every test here drives the form with key presses only (pilot.press), except the ones that say
they click; values are checked against Configs and data built independently of the form.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from textual.widgets import Input

from tui_nn.engine.nn.activations import HIDDEN_ACTIVATIONS
from tui_nn.engine.nn.datasets import PROBLEMS
from tui_nn.engine.nn.losses import LOSSES
from tui_nn.engine.nn.network import InitSpec
from tui_nn.engine.nn.optimizers import OPTIMIZERS
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.ui.screens.settings import FormSelect, SettingsScreen
from tui_nn.ui.shell.app import TuiNN

from .test_app import log_texts
from .test_ascii import screen_characters

SIZE = (120, 40)
FIELDS = ["problem", "data", "hidden", "activation", "loss", "init", "seed", "optimizer", "lr", "batch", "l2", "val", "dropout"]
STOPS = [f"field-{name}" for name in FIELDS] + ["settings-apply-button", "settings-cancel-button"]
CHOICES = {"problem": PROBLEMS, "activation": HIDDEN_ACTIVATIONS, "loss": LOSSES, "optimizer": OPTIMIZERS}


def make_app(**config: object) -> TuiNN:
    return TuiNN(build(Config().with_changes(**config)), pace=None)


def focused(app: TuiNN) -> str | None:
    widget = app.screen.focused
    return None if widget is None else widget.id


def form(app: TuiNN) -> SettingsScreen:
    assert isinstance(app.screen, SettingsScreen), f"the settings screen is not open: {type(app.screen).__name__}"
    return app.screen


async def go_to(pilot, app: TuiNN, name: str) -> None:  # type: ignore[no-untyped-def]
    """Tab to a field (keys only); the task field is a stop of its own where a file offers both tasks."""
    for _ in range(len(STOPS) + 1):
        if focused(app) == f"field-{name}":
            return
        await pilot.press("tab")
    raise AssertionError(f"Tab never reached {name}")


async def choose(pilot, app: TuiNN, name: str, value: str) -> None:  # type: ignore[no-untyped-def]
    """Open a list with Space, walk to `value` with the arrows, pick it with Enter."""
    await go_to(pilot, app, name)
    options = CHOICES[name]
    current = options.index(str(form(app).query_one(f"#field-{name}", FormSelect).value))
    steps = options.index(value) - current
    await pilot.press("space")
    assert form(app).query_one(f"#field-{name}", FormSelect).expanded, "Space opens the list"
    await pilot.press(*(["down"] * steps if steps > 0 else ["up"] * -steps), "enter")
    await pilot.pause()


async def type_into(pilot, app: TuiNN, name: str, text: str) -> None:  # type: ignore[no-untyped-def]
    """Replace a text field's contents by typing."""
    await go_to(pilot, app, name)
    await pilot.press("end", "ctrl+u", *text)
    await pilot.pause()


async def test_tab_shift_tab_and_arrows_reach_every_field_and_button_in_order() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        assert focused(app) == "field-hidden"
        for forward, backward in (("tab", "shift+tab"), ("down", "up")):
            start = STOPS.index("field-hidden")
            seen = []
            for _ in STOPS:
                seen.append(focused(app))
                await pilot.press(forward)
            assert seen == STOPS[start:] + STOPS[:start], forward
            assert focused(app) == "field-hidden", "round the form and back"
            seen = []
            for _ in STOPS:
                await pilot.press(backward)
                seen.append(focused(app))
            assert seen == list(reversed(STOPS[:start])) + list(reversed(STOPS[start:])), backward
        assert app.session.config == Config() and isinstance(app.screen, SettingsScreen), "moving changes nothing"


async def test_every_field_is_changed_from_the_keyboard_and_enter_applies() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "c")
        await choose(pilot, app, "problem", "circle")
        await type_into(pilot, app, "hidden", "4,3")
        await choose(pilot, app, "activation", "tanh")
        await choose(pilot, app, "loss", "mse")
        await type_into(pilot, app, "init", "xavier")
        await type_into(pilot, app, "seed", "7")
        await choose(pilot, app, "optimizer", "momentum")
        await type_into(pilot, app, "lr", "0.25")
        await type_into(pilot, app, "batch", "8")
        assert isinstance(app.screen, SettingsScreen), "no key so far applied the form"
        assert app.session.config == Config() and app.stepper.position == 1
        await pilot.press("enter")  # in the batch field
        await pilot.pause()
        assert not isinstance(app.screen, SettingsScreen)
        expected = Config(
            problem="circle",
            hidden=(4, 3),
            activation="tanh",
            loss="mse",
            init=InitSpec("xavier"),
            seed=7,
            optimizer="momentum",
            lr=0.25,
            batch=8,
        )
        assert app.session.config == expected
        assert app.session.net.sizes == (2, 4, 3, 1) and app.stepper.lr == 0.25 and app.stepper.optimizer == "momentum"
        assert app.session.data.name == "circle" and app.stepper.epoch == 0 and app.stepper.position == 0


async def test_enter_in_an_open_list_picks_the_option_and_does_not_apply() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await go_to(pilot, app, "activation")
        select = form(app).query_one("#field-activation", FormSelect)
        await pilot.press("space", "down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen), "Enter in the list only picked"
        assert not select.expanded and focused(app) == "field-activation"
        assert select.value == HIDDEN_ACTIVATIONS[HIDDEN_ACTIVATIONS.index("sigmoid") + 1]
        assert app.session.config == Config(), "nothing applied yet"
        await pilot.press("enter")  # the list is closed now: Enter applies
        await pilot.pause()
        assert not isinstance(app.screen, SettingsScreen)
        assert app.session.config.activation == select.value and app.session.net.hidden_activation == select.value


async def test_escape_closes_an_open_list_then_cancels_the_form() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "c")
        await go_to(pilot, app, "loss")
        await pilot.press("space", "down", "escape")
        select = form(app).query_one("#field-loss", FormSelect)
        assert not select.expanded and select.value == "bce", "Escape closes the list without picking"
        await type_into(pilot, app, "hidden", "8")
        await pilot.press("escape")
        assert not isinstance(app.screen, SettingsScreen)
        assert app.session.config == Config() and app.stepper.position == 1 and "unchanged" in app.message


async def test_the_buttons_apply_and_cancel_from_the_keyboard() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await type_into(pilot, app, "hidden", "3")
        await pilot.press("shift+tab", "shift+tab", "shift+tab")  # hidden → data → problem → Cancel
        assert focused(app) == "settings-cancel-button"
        await pilot.press("enter")
        assert not isinstance(app.screen, SettingsScreen) and app.session.net.sizes == (2, 2, 1)
        await pilot.press("c")
        await type_into(pilot, app, "hidden", "3")
        await pilot.press("shift+tab", "shift+tab", "shift+tab", "shift+tab")  # … → Apply
        assert focused(app) == "settings-apply-button"
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, SettingsScreen) and app.session.net.sizes == (2, 3, 1)


async def test_the_buttons_and_fields_answer_the_mouse() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await pilot.click("#field-seed")
        assert focused(app) == "field-seed"
        await pilot.press("end", "ctrl+u", "1", "1")
        await pilot.click("#settings-cancel-button")
        assert not isinstance(app.screen, SettingsScreen) and app.session.config.seed == Config().seed
        await pilot.press("c")
        await pilot.click("#field-seed")
        await pilot.press("end", "ctrl+u", "1", "1")
        await pilot.click("#settings-apply-button")
        await pilot.pause()
        assert not isinstance(app.screen, SettingsScreen)
        assert app.session.config.seed == 11
        expected = build(Config(seed=11)).initial_params
        assert np.array_equal(app.session.initial_params, expected)


async def test_an_invalid_form_is_not_applied_and_enter_goes_to_its_first_problem() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await type_into(pilot, app, "lr", "-3")
        await type_into(pilot, app, "batch", "9")
        await go_to(pilot, app, "problem")
        await pilot.press("enter")
        screen = form(app)
        assert "not applied: fix lr, batch first" in str(screen.query_one("#settings-message").content)
        assert focused(app) == "field-lr"
        for name, problem in (("lr", "learning rate must be a positive finite number"), ("batch", "larger than the data set")):
            error = screen.query_one(f"#error-{name}")
            assert error.display and problem in str(error.content) and "\n" not in str(error.content)
        assert not screen.query_one("#error-seed").display, "a valid field shows no error line"
        assert app.session.config == Config()


async def test_applying_over_a_trained_network_is_undone_by_left_exactly() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        await app.workers.wait_for_complete()
        await pilot.pause()
        trained = app.session
        epoch, params = app.stepper.epoch, app.session.net.params.copy()
        history, log = app.stepper.history.rows().copy(), log_texts(app)
        assert epoch > 100
        await pilot.press("c")
        await type_into(pilot, app, "hidden", "3")
        await pilot.press("enter")
        await pilot.pause()
        assert app.session is not trained and app.stepper.epoch == 0 and app.session.net.sizes == (2, 3, 1)
        assert "← goes back" in log_texts(app)[-1]
        await pilot.press("left")
        await pilot.pause()
        assert app.session is trained and app.stepper.epoch == epoch
        assert np.array_equal(app.session.net.params, params)
        assert np.array_equal(app.stepper.history.rows(), history)
        assert log_texts(app) == log
        assert app.view.epoch == epoch and np.array_equal(app.view.snapshot.params, params)


# --- your own data -------------------------------------------------------------------------

POINTS = "x1,x2,label\n0.5,1.25,0\n-0.75,0.1,1\n1.5,-2,1\n0.25,0.25,0\n2,2,1\n-1,-1,0\n"


async def test_a_csv_file_typed_into_the_form_becomes_the_data(tmp_path: Path) -> None:
    (tmp_path / "moons.csv").write_text(POINTS)
    expected = np.loadtxt(tmp_path / "moons.csv", delimiter=",", skiprows=1)
    app = make_app(hidden=(3,))
    async with app.run_test(size=SIZE) as pilot:  # (the tests run in tmp_path: a relative name)
        await pilot.press("c")
        await type_into(pilot, app, "data", "moons.csv")
        assert not form(app).query_one("#error-data").display
        await type_into(pilot, app, "batch", "8")
        batch_error = str(form(app).query_one("#error-batch").content)
        assert "batch size 8 is larger than moons (6 samples)" in batch_error
        await type_into(pilot, app, "batch", "2")
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, SettingsScreen)
        assert app.session.data.name == "moons" and app.session.config.data == "moons.csv"
        assert np.array_equal(app.session.data.x, expected[:, :2])
        assert np.array_equal(app.session.data.y.ravel(), expected[:, 2])
        assert app.session.net.sizes == (2, 3, 1) and app.session.config.batch == 2, "the other choices are kept"
        await pilot.press("c")  # the form shows the file the session uses
        assert form(app).query_one("#field-data").value == "moons.csv"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (POINTS.replace("2,2,1", "2,2,7"), "moons.csv row 6, column 3: label 7 would make 8 classes: at most 6"),
        (POINTS.replace("2,2,1", "2,2,-1"), "moons.csv row 6, column 3: a label is a class number"),
        (POINTS.replace("1.5,-2,1", "1.5,1"), "moons.csv row 4: 2 columns, expected 3"),
        (POINTS.replace("0.25,0.25,0", "0.25,abc,0"), "moons.csv row 5, column 2: 'abc' is not a number"),
        ("", "moons.csv is empty"),
        (None, "moons.csv: no such file"),
    ],
)
async def test_a_bad_csv_is_one_line_under_its_field_and_never_applied(tmp_path: Path, content: str | None, problem: str) -> None:
    if content is not None:
        (tmp_path / "moons.csv").write_text(content)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await type_into(pilot, app, "data", "moons.csv")
        error = form(app).query_one("#error-data")
        text = str(error.content)
        assert error.display and text.startswith(problem) and "\n" not in text
        await pilot.press("enter")
        assert isinstance(app.screen, SettingsScreen) and "fix data first" in str(
            form(app).query_one("#settings-message").content
        )
        assert app.session.config == Config() and app.session.data.name == "xor"


# --- --ascii -------------------------------------------------------------------------------


async def test_the_form_its_problems_and_its_lists_are_ascii() -> None:
    app = TuiNN(build(Config()), ascii_only=True, pace=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        await type_into(pilot, app, "lr", "-3")
        await type_into(pilot, app, "batch", "9")  # its problem says "use ≤ 4"
        await type_into(pilot, app, "data", "nowhere.csv")
        await pilot.press("enter")
        text = screen_characters(app)
        assert "learning rate eta" in text and "use <= 4" in text and "nowhere.csv: no such file" in text
        assert text.isascii(), sorted({c for c in text if not c.isascii()})
        await go_to(pilot, app, "optimizer")
        await pilot.press("space")
        assert form(app).query_one("#field-optimizer", FormSelect).expanded
        text = screen_characters(app)
        assert "momentum" in text and text.isascii(), sorted({c for c in text if not c.isascii()})


# --- q in modal screens ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "opens",
    [
        ["question_mark"],
        ["C"],
        ["c", "shift+tab", "shift+tab"],
        ["c", *["tab"] * (STOPS.index("settings-apply-button") - STOPS.index("field-hidden"))],
    ],  # hidden → … → Apply
    ids=["help", "card", "settings-list", "settings-button"],
)
async def test_q_in_a_modal_screen_quits_as_on_the_main_screen(opens: list[str]) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*opens)
        assert len(app.screen_stack) > 1
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running
    assert app.return_code == 0


async def test_q_in_a_text_field_is_typed_and_escape_closes_help() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c", "q")
        assert app.is_running and "q" in form(app).query_one("#field-hidden").value
        assert "hidden layer size must be a whole number" in str(form(app).query_one("#error-hidden").content)
        await pilot.press("escape", "question_mark")
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        assert len(app.screen_stack) == 1 and app.is_running
        await pilot.press("question_mark", "question_mark")
        assert len(app.screen_stack) == 1 and app.is_running


async def test_under_ascii_a_data_path_is_kept_as_typed(tmp_path: Path) -> None:
    """The field's text is what Apply reads: --ascii must not turn münze.csv into munze.csv."""
    (tmp_path / "münze.csv").write_text(POINTS)
    app = TuiNN(build(Config(data="münze.csv")), ascii_only=True, pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        assert form(app).query_one("#field-data", Input).value == "münze.csv"
        assert not form(app).query_one("#error-data").display
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, SettingsScreen) and app.session.config.data == "münze.csv"


async def test_l2_weight_decay_is_set_in_the_form_and_a_bad_value_is_named() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await type_into(pilot, app, "l2", "-0.1")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen), "a negative λ is not applied"
        error = str(form(app).query_one("#error-l2").render())
        assert "L2 weight decay λ must be" in error, error
        assert app.session.config == Config()
        await type_into(pilot, app, "l2", "0.003")
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, SettingsScreen)
        assert app.session.config == Config(l2=0.003) and app.session.net.l2 == 0.003
        assert app.stepper.trainer.net.l2 == 0.003, "the trainer's network decays too"
