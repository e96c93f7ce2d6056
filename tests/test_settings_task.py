"""The settings screen's task field: offered only where the data read as either task (a --data file of three columns
with whole-number targets), as --task decides only there; elsewhere it holds auto, disabled, with one line saying why.
Driven by keys (pilot.press) and by the mouse (pilot.click); the sessions are compared with ones built directly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from textual.widgets import Select
from textual.widgets._select import SelectOverlay

from tui_nn.engine.nn.datasets import DataFileError, read_csv
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import MAX_POINTS, Config, defaults_for
from tui_nn.ui.screens.settings import FormSelect, SettingsScreen
from tui_nn.ui.shell.app import TuiNN

from .test_settings_keys import SIZE, form, go_to, make_app


async def type_into(pilot, app: TuiNN, name: str, text: str) -> None:  # type: ignore[no-untyped-def]
    await go_to(pilot, app, name)
    await pilot.press("end", "ctrl+u", *text)
    await pilot.pause()


WHOLE = "x1,x2,y\n0.5,1.25,0\n-0.75,0.1,1\n1.5,-2,1\n0.25,0.25,0\n2,2,1\n-1,-1,0\n"  # classes 0 and 1, or values
REAL = WHOLE.replace("2,2,1", "2,2,2.5")  # a target that is not a class number: only a regression
CURVE = "x,y\n0,0\n1,0.5\n2,0.25\n3,1\n"  # one feature: only a regression


def task_field(app) -> FormSelect:  # type: ignore[no-untyped-def]
    return form(app).query_one("#field-task", FormSelect)


def note(app) -> str:  # type: ignore[no-untyped-def]
    hint = form(app).query_one("#note-task")
    return str(hint.content) if hint.display else ""


def options(select: Select[str]) -> list[str]:
    return [str(value) for _, value in select._options]


async def test_a_built_in_problem_knows_its_task_and_says_so() -> None:
    app = TuiNN(build(defaults_for("sine")), pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        select = task_field(app)
        assert select.value == "auto" and select.disabled and options(select) == ["auto"]
        assert note(app) == "sine is a regression: the task decides only what a --data file's whole numbers are"
        await go_to(pilot, app, "hidden")
        await pilot.press("shift+tab")
        assert app.screen.focused is not None and app.screen.focused.id == "field-data", "Tab passes the fixed field by"


async def test_a_file_of_whole_numbers_is_regressed_by_choosing_regress_from_the_keys(tmp_path: Path) -> None:
    (tmp_path / "levels.csv").write_text(WHOLE)
    app = make_app(hidden=(3,))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await type_into(pilot, app, "data", "levels.csv")
        select = task_field(app)
        assert not select.disabled and options(select) == ["auto", "classify", "regress"] and note(app) == ""
        assert "ce" in options(form(app).query_one("#field-loss", Select)), "auto: whole numbers are classes"
        await go_to(pilot, app, "task")
        await pilot.press("space", "down", "down", "enter")
        await pilot.pause()
        assert select.value == "regress"
        assert options(form(app).query_one("#field-loss", Select)) == ["mse", "mae"], "a regression's losses follow"
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, SettingsScreen)
        expected = build(Config(data="levels.csv", task="regress", hidden=(3,), loss="mse"))
        assert app.session.config.task == "regress" and app.session.data.task == "regress"
        assert app.session.net.sizes == expected.net.sizes and app.session.net.loss_kind is expected.net.loss_kind
        np.testing.assert_array_equal(app.session.data.y, expected.data.y)
        await pilot.press("c")  # the form shows the session's task
        assert task_field(app).value == "regress" and not task_field(app).disabled


async def test_the_task_is_chosen_with_the_mouse(tmp_path: Path) -> None:
    (tmp_path / "levels.csv").write_text(WHOLE)
    app = make_app(hidden=(3,))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await type_into(pilot, app, "data", "levels.csv")
        await pilot.click("#field-task")
        await pilot.pause()
        assert task_field(app).expanded, "a click opens the list"
        overlay = task_field(app).query_one(SelectOverlay)
        await pilot.click(overlay, offset=(2, options(task_field(app)).index("classify")))
        await pilot.pause()
        assert task_field(app).value == "classify"
        await pilot.click("#settings-apply-button")
        await pilot.pause()
        assert app.session.config.task == "classify" and app.session.data.class_count == 2


@pytest.mark.parametrize(("content", "refused"), [(REAL, "classify"), (CURVE, "classify")])
async def test_a_file_that_reads_one_way_only_offers_auto_and_says_why(tmp_path: Path, content: str, refused: str) -> None:
    (tmp_path / "points.csv").write_text(content)
    with pytest.raises(DataFileError) as refusal:  # the CLI's own reading of --task
        read_csv("points.csv", MAX_POINTS, refused)  # (the tests run in tmp_path: the name as typed)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await type_into(pilot, app, "data", "points.csv")
        select = task_field(app)
        assert select.disabled and options(select) == ["auto"]
        assert note(app) == str(refusal.value) and "\n" not in note(app)
        assert not form(app).query_one("#error-data").display


async def test_a_chosen_task_the_next_file_cannot_be_goes_back_to_auto_with_its_reason(tmp_path: Path) -> None:
    (tmp_path / "levels.csv").write_text(WHOLE)
    (tmp_path / "curve.csv").write_text(CURVE)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await type_into(pilot, app, "data", "levels.csv")
        await go_to(pilot, app, "task")
        await pilot.press("space", "down", "enter")  # classify
        await pilot.pause()
        assert task_field(app).value == "classify"
        await type_into(pilot, app, "data", "curve.csv")
        assert task_field(app).value == "auto" and task_field(app).disabled
        assert note(app).startswith("--task classify: curve.csv has 2 columns")
        assert not form(app).query_one("#error-data").display, "the file itself reads (as a regression)"
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.data.task == "regress" and app.session.config.task is None
