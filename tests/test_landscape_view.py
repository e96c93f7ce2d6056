"""The loss landscape pane and its keys: l opens and closes it, v cycles to it, d turns its plane, two
weights selected in the inspector (by key or click) paint their slice; and what the renderer puts
where: the current point, the next step's landing, the path, the colour scale."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from rich.segment import Segment

from tui_nn.engine.session import actions as act
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config, defaults_for
from tui_nn.engine.session.controller import Controller
from tui_nn.engine.session.view import LandscapeFrame
from tui_nn.engine.walk.explain import Element
from tui_nn.engine.walk.notation import parameter_label
from tui_nn.ui import theme
from tui_nn.ui.panes import insight_views
from tui_nn.ui.panes.insight_views import landscape_legend, landscape_rows, loss_shade_colour, with_axes
from tui_nn.ui.panes.landscape import LandscapePane
from tui_nn.ui.panes.widgets import BoundaryPane, HiddenPane, NetworkPane
from tui_nn.ui.shell.app import TuiNN

SIZE = (120, 40)


def make_app(**config: object) -> TuiNN:
    return TuiNN(build(Config().with_changes(**config)), pace=None)


def pane_text(app: TuiNN) -> str:
    pane = app.query_one(LandscapePane)
    return "\n".join(pane.render_line(y).text for y in range(pane.content_size.height))


def log_name(app: TuiNN, index: int) -> str:
    return parameter_label(app.session.net, index).split(" ")[0]


def axes_caption(frame: LandscapeFrame) -> str:
    """Which axis is which, as the pane's caption writes it (with the diagram's names where they are known)."""
    if frame.log_names is None:
        return axes_caption(frame)
    return f"{frame.log_names[0]} = {frame.x_name} across, {frame.log_names[1]} = {frame.y_name} up"


def file_name(app: TuiNN, index: int) -> str:
    return parameter_label(app.session.net, index).split("(")[1].rstrip(")")


# --- the keys ----------------------------------------------------------------------------------


async def test_l_opens_the_landscape_and_l_again_returns() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")  # the boundary: l returns to it, not to the network
        await pilot.press("l")
        pane = app.query_one(LandscapePane)
        assert app.view_mode == "landscape" and pane.display and not app.query_one(BoundaryPane).display
        assert app.controller.landscape.shown
        await pilot.pause()
        text = pane_text(app)
        frame = app.view.landscape(10, 10)
        assert axes_caption(frame) in text and "●" in text and "✕" in text
        assert "landscape" in app.message
        await pilot.press("l")
        assert app.view_mode == "boundary" and not pane.display and app.query_one(BoundaryPane).display
        assert not app.controller.landscape.shown


async def test_l_closes_a_lens_to_show_the_landscape() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m", "l")
        assert app.lens is None and app.view_mode == "landscape" and app.query_one(LandscapePane).display


async def test_v_cycles_through_the_landscape() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        seen = []
        for _ in range(4):
            await pilot.press("v")
            seen.append(app.view_mode)
        assert seen == ["boundary", "hidden", "landscape", "network"]


async def test_a_perceptron_skips_the_hidden_space_to_the_landscape() -> None:
    app = make_app(hidden=())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v", "v")
        assert app.view_mode == "landscape"


async def test_all_four_views_stand_side_by_side_from_160x45() -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        for pane in (NetworkPane, BoundaryPane, HiddenPane, LandscapePane):
            assert app.query_one(pane).display, pane.__name__
        text = pane_text(app)
        assert "●" in text
        # the narrow pane keeps both names, the loss and the scale's ends whole
        frame = app.view.landscape(11, 11)
        caption, *_ = text.splitlines()
        assert frame.x_name in caption and frame.y_name in caption and f"L {frame.current_loss:.4g}" in caption
        legend = next(line for line in text.splitlines() if line.startswith("L "))
        assert legend.rstrip().endswith(f"{frame.high:.3g}") or f"{frame.high:.3g} log" in legend


async def test_d_turns_the_plane_to_the_paths_principal_directions_and_back() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l", *["e"] * 5)
        await pilot.press("d")
        assert app.controller.landscape.plane
        await pilot.pause()
        text = pane_text(app)
        assert "PC1 across, PC2 up" in text and "% of its variance" in text
        await pilot.press("d")
        assert not app.controller.landscape.plane
        assert "PC1" not in pane_text(app)


async def test_d_opens_the_landscape_when_it_is_not_shown() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*["e"] * 4, "d")
        assert app.view_mode == "landscape" and app.controller.landscape.plane
        await pilot.pause()
        assert "PC1 across, PC2 up" in pane_text(app)


async def test_d_before_a_path_says_so_and_the_pane_the_status_and_the_mode_agree_on_the_slice() -> None:
    """At epoch 0 there is no path to take a plane of: d must not announce one over the slice."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l", "d")
        await pilot.pause()
        assert not app.controller.landscape.plane and app.view.landscape_request.mode == "slice"
        assert "needs a path" in app.message and "showing the slice" in app.message
        assert "principal directions (Li" not in app.message
        caption = pane_text(app).splitlines()[0]
        frame = app.view.landscape(11, 11)
        assert frame.mode == "slice" and axes_caption(frame) in caption
        await pilot.press("d")  # still no path: the same truth, not a toggle to "the slice" it already shows
        assert not app.controller.landscape.plane and "needs a path" in app.message
        await pilot.press(*["e"] * 4, "d")  # a path now: the plane is shown and announced
        await pilot.pause()
        assert app.controller.landscape.plane and "principal directions" in app.message
        assert "PC1 across, PC2 up" in pane_text(app)


async def test_l_names_the_axes_the_pane_shows_after_a_pick() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l", "i", "tab", "tab", "escape", "l", "l")
        await pilot.pause()
        assert len(app.controller.landscape.picks) == 2
        caption = pane_text(app).splitlines()[0]
        frame = app.view.landscape(11, 11)
        assert axes_caption(frame) in caption
        assert f"{frame.x_name} across, {frame.y_name} up (your picks)" in app.message
        assert "largest" not in app.message


async def test_the_palettes_largest_turns_the_plane_back_to_the_slice_it_announces() -> None:
    from tui_nn.ui.screens import commands

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*["e"] * 4, "d")
        assert app.controller.landscape.plane
        found = {command.action: command for command in commands.commands()}
        await commands.run(app, found["landscape_largest"])
        await pilot.pause()
        assert "largest |gradient|" in app.message and not app.controller.landscape.plane
        assert "PC1" not in pane_text(app)


async def test_the_palettes_largest_shows_the_landscape_it_changes() -> None:
    from tui_nn.ui.screens import commands

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        found = {command.action: command for command in commands.commands()}
        await commands.run(app, found["landscape_largest"])
        await pilot.pause()
        assert app.landscape_shown and app.query_one(LandscapePane).display


@pytest.mark.parametrize("size", [(120, 40), (200, 60)])
async def test_l_gives_the_landscape_a_pane_big_enough_to_read_and_l_again_gives_the_row_back(size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        pane = app.query_one(LandscapePane)
        before = pane.size.width
        await pilot.press("l")
        await pilot.pause()
        assert pane.display and pane.size.width >= size[0] // 2, (before, pane.size.width)
        assert app.query_one(NetworkPane).display or size[0] < 160  # the weights to pick stay beside it on a large screen
        if size[0] >= 160:
            assert "large beside the network" in app.message
            assert not app.query_one(BoundaryPane).display and not app.query_one(HiddenPane).display
        await pilot.press("l")
        await pilot.pause()
        assert pane.size.width == before or not pane.display
        if size[0] >= 160:
            for kind in (NetworkPane, BoundaryPane, HiddenPane, LandscapePane):
                assert app.query_one(kind).display, kind.__name__


async def test_v_to_the_landscape_on_a_large_screen_says_it_is_the_large_pane() -> None:
    app = make_app()
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.press("v", "v", "v")
        await pilot.pause()
        assert app.view_mode == "landscape" and app.query_one(LandscapePane).size.width >= 100
        assert "large" in app.message and "all four" in app.message
        await pilot.press("v")
        await pilot.pause()
        assert app.query_one(BoundaryPane).display and app.query_one(LandscapePane).size.width < 60


async def test_two_weights_selected_by_key_paint_their_slice() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l", "i")  # i selects the first weight into the output
        first = app.selection
        assert first is not None
        await pilot.press("tab")
        second = app.selection
        assert second is not None and second != first
        await pilot.pause()
        net = app.session.net
        frame = app.view.landscape(11, 11)
        assert (frame.x_name, frame.y_name) == (
            file_name(app, first.parameter_index(net)),
            file_name(app, second.parameter_index(net)),
        )
        assert axes_caption(frame) in pane_text(app)


async def test_two_weights_clicked_beside_the_landscape_paint_their_slice() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l", "i")
        network = app.query_one(NetworkPane)
        assert network.display and app.query_one(LandscapePane).display, "inspecting shows the diagram beside the landscape"
        await pilot.pause()
        diagram = network._last
        assert diagram is not None
        cells: dict[Element, tuple[int, int]] = {}
        for (x, y), owner in sorted(diagram.owner.items()):
            if isinstance(owner, Element) and owner.kind == "weight":
                cells.setdefault(owner, (x, y))
        w11, w22 = Element("weight", 0, 0, 0), Element("weight", 0, 1, 1)
        for element in (w11, w22):
            x, y = cells[element]
            await pilot.click(NetworkPane, offset=(x + 1, y + 1))  # the pane's border: content + 1
            assert app.selection == element
        net = app.session.net
        frame = app.view.landscape(11, 11)
        assert (frame.x_name, frame.y_name) == (
            file_name(app, w11.parameter_index(net)),
            file_name(app, w22.parameter_index(net)),
        )


async def test_selecting_while_the_landscape_is_hidden_picks_nothing() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i", "tab", "tab")
        assert app.controller.landscape.picks == ()


async def test_the_landscape_follows_live_training_and_keeps_its_path() -> None:
    app = make_app(lr=1.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l", "T")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.session.stepper.trainer.epoch > 100
        frame = app.view.landscape(40, 20)
        assert len(frame.path) > 1
        text = pane_text(app)
        assert f"L = {frame.current_loss:.6g}" in text


# --- the renderer ------------------------------------------------------------------------------


def frame_of(lr: float, epochs: int, columns: int, pixel_rows: int) -> LandscapeFrame:
    """The default XOR session's landscape after `epochs` updates stepped one by one (each drawn, as the app
    does, so the path records each)."""
    controller = Controller(build(Config(lr=lr)))
    for _ in range(epochs):
        controller.view()
        controller.apply(act.FinishEpoch())
    return controller.view().landscape(columns, pixel_rows)


def cell_of(rows: list[list[Segment]], glyph: str) -> tuple[int, int] | None:
    for r, row in enumerate(rows):
        column = 0
        for segment in row:
            if glyph in segment.text:
                return column + segment.text.index(glyph), r
            column += len(segment.text)
    return None


def nearest_cell(frame: LandscapeFrame, a: float, b: float) -> tuple[int, int]:
    """The cell of the grid point nearest (a, b): the grid's rows go up, the screen's down, two pixels a cell."""
    column = int(np.argmin(np.abs(frame.x - a)))
    pixel_row = len(frame.y) - 1 - int(np.argmin(np.abs(frame.y - b)))
    return column, pixel_row // 2


@pytest.mark.parametrize("lr", [1.0, 16.0])
def test_the_current_point_and_the_next_steps_landing_are_where_the_frame_puts_them(lr: float) -> None:
    columns, rows = 61, 15
    frame = frame_of(lr, 1, columns, 2 * rows)
    drawn = landscape_rows(frame, columns, rows)
    assert cell_of(drawn, "●") == nearest_cell(frame, *frame.current)
    landing = (frame.current[0] + frame.step[0], frame.current[1] + frame.step[1])
    assert cell_of(drawn, "✕") == nearest_cell(frame, *landing)


def test_a_step_of_eta_16_lands_uphill_where_eta_1_lands_downhill() -> None:
    """What the learner sees before taking the step: at η = 16 the ✕ sits on a higher loss than the ●."""
    for lr, uphill in ((1.0, False), (16.0, True)):
        frame = frame_of(lr, 1, 61, 61)
        landing = (frame.current[0] + frame.step[0], frame.current[1] + frame.step[1])
        column, _ = nearest_cell(frame, *landing)
        row = int(np.argmin(np.abs(frame.y - landing[1])))
        assert (frame.loss[row, column] > frame.current_loss) == uphill, lr


def test_the_path_is_drawn_in_its_colour() -> None:
    frame = frame_of(1.0, 30, 41, 30)
    assert len(frame.path) > 1
    path_colour = theme.rgb(theme.current().current)
    styles = [segment.style for row in landscape_rows(frame, 41, 15) for segment in row if segment.style is not None]
    colours = {tuple(s.color.get_truecolor()) for s in styles if s.color} | {
        tuple(s.bgcolor.get_truecolor()) for s in styles if s.bgcolor
    }
    assert path_colour in colours


def test_the_loss_scale_darkens_monotonically_from_high_to_low() -> None:
    """A sequential scale: each step towards a higher loss is lighter (relative luminance)."""

    def luminance(rgb: tuple[int, int, int]) -> float:
        return theme.contrast("#{:02x}{:02x}{:02x}".format(*rgb), "#000000")

    values = [luminance(loss_shade_colour(k / 20)) for k in range(21)]
    assert all(b > a for a, b in itertools.pairwise(values))


def test_the_legend_says_log_when_the_frame_is_on_a_log_scale() -> None:
    frame = frame_of(1.0, 0, 41, 30)
    for log in (False, True):
        drawn = dataclasses.replace(frame, log_scale=log)
        text = "".join(s.text for s in landscape_legend(drawn, 80, False))
        assert (" log" in text) == log


def test_the_ascii_landscape_uses_no_box_or_block_characters() -> None:
    frame = frame_of(16.0, 2, 41, 30)
    text = "".join(s.text for row in landscape_rows(frame, 41, 15, ascii_only=True) for s in row)
    text += "".join(s.text for s in landscape_legend(frame, 80, True))
    assert text.isascii()
    assert insight_views.ASCII_SHADES[0] in text


async def test_live_frames_ask_a_grid_within_the_time_budget_and_a_stopped_run_a_point_a_pixel() -> None:
    from tui_nn.ui.panes import landscape as landscape_pane

    app = make_app(problem="spiral", hidden=(16, 8), activation="relu", optimizer="adam")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        pane = app.query_one(LandscapePane)
        assert pane.grid_size(app.view, 113, 60) == (113, 60), "not training: a grid point a pixel"
        pane.live = True
        pane._seconds_per_point = landscape_pane.LIVE_SECONDS / 400  # as if measured: 400 points fit the budget
        columns, rows = pane.grid_size(app.view, 113, 60)
        assert columns % 2 == 1 and rows % 2 == 1, "odd, so the current weights are a grid point"
        assert columns * rows <= 400 * 1.2 and columns / rows == pytest.approx(113 / 60, rel=0.35)


async def test_live_frames_are_painted_at_most_at_the_live_pace(monkeypatch: pytest.MonkeyPatch) -> None:
    from tui_nn.ui.panes import landscape as landscape_pane

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        pane = app.query_one(LandscapePane)
        pane.live = True
        now = [1000.0]
        monkeypatch.setattr(landscape_pane, "clock", lambda: now[0])
        before = pane.paints
        for _ in range(5):  # five frames at one instant: the first painted, the rest skipped
            pane.view = app.controller.view()
        assert pane.paints == before + 1
        now[0] += landscape_pane.LIVE_INTERVAL * 1.5
        pane.view = app.controller.view()
        assert pane.paints == before + 2


async def test_a_skipped_live_frame_is_painted_when_the_interval_is_over_and_never_half_drawn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The run's last frames may fall inside the interval: the newest View is painted after it, and
    until then every row (a row repainted for another reason too) is drawn from the View painted."""
    from tui_nn.ui.panes import landscape as landscape_pane

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        pane = app.query_one(LandscapePane)
        pane.live = True
        monkeypatch.setattr(landscape_pane, "clock", lambda: 1000.0)
        monkeypatch.setattr(landscape_pane, "LIVE_INTERVAL", 1.0)  # (long enough for the repaint below, under load)
        app.controller.apply(act.FinishEpoch())
        pane.view = first = app.controller.view()
        before = pane.paints
        app.controller.apply(act.FinishEpoch())
        pane.view = newest = app.controller.view()
        assert pane.paints == before and pane.view_to_draw() is first
        drawn = [strip.text for strip in pane._raw]
        pane.refresh()  # a repaint for another reason draws the View painted, not the skipped one
        await pilot.pause()
        assert [strip.text for strip in pane._raw] == drawn
        for _ in range(200):  # the interval's timer (a loaded machine may run it late)
            await pilot.pause(0.05)
            if pane.paints > before:
                break
        assert pane.paints == before + 1 and pane.view_to_draw() is newest
        assert [strip.text for strip in pane._raw] != drawn, "the newer weights moved the current point"


# --- the race ----------------------------------------------------------------------------------


async def test_r_opens_the_race_and_escape_returns_to_the_session_as_it_was() -> None:
    from tui_nn.ui.screens.race import RaceScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        params, epoch, recorded = app.session.net.params.copy(), app.stepper.trainer.epoch, list(app.controller.record)
        await pilot.press("R")
        screen = app.screen
        assert isinstance(screen, RaceScreen)
        await pilot.press("right")  # a step: every entrant trains the pace's epochs
        assert screen.race.epoch == screen.pace and not screen.race.running
        assert all(runner.epoch == screen.pace for runner in screen.frame.runners), "each counts its own epochs"
        await pilot.press("right_square_bracket", "right")
        assert screen.pace > 10 and screen.race.epoch == 10 + screen.pace
        await pilot.press("T")
        assert screen.race.running
        await pilot.press("T")
        assert not screen.race.running
        stepped = screen.race.epoch
        await pilot.press("escape")
        assert not isinstance(app.screen, RaceScreen) and screen.race.epoch == stepped
        np.testing.assert_array_equal(app.session.net.params, params)
        assert app.stepper.trainer.epoch == epoch and app.controller.record == recorded
        await pilot.press("right")  # the session steps on as before
        assert app.stepper.position == 1


async def test_the_race_draws_every_entrants_path_and_curve_in_its_colour() -> None:
    from tui_nn.ui.screens.race import RaceChart, RaceMap, RaceScreen, race_colours

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("R", *["right"] * 3)
        screen = app.screen
        assert isinstance(screen, RaceScreen)
        frame = screen.frame
        assert len(frame.runners) >= 4 and len({r.colour for r in frame.runners}) == len(frame.runners)
        for widget in (screen.query_one(RaceMap), screen.query_one(RaceChart)):
            rows = widget.draw(frame, 100, 20)
            drawn = {s.style.color.get_truecolor() for row in rows for s in row if s.style and s.style.color} | {
                s.style.bgcolor.get_truecolor() for row in rows for s in row if s.style and s.style.bgcolor
            }
            for runner in frame.runners:
                assert theme.rgb(race_colours()[runner.colour]) in drawn, (type(widget).__name__, runner.name)
        legend = screen.query_one("#race-legend")
        text = "\n".join(legend.render_line(y).text for y in range(legend.content_size.height))
        for runner in frame.runners:
            assert runner.name in text


def legend_names(rows: list[list[Segment]]) -> dict[str, tuple[int, int, int]]:
    """Each entrant named in the legend, with the colour its name is drawn in."""
    return {
        segment.text: segment.style.color.get_truecolor()
        for row in rows
        for segment in row
        if segment.style is not None and segment.style.bold and segment.style.color is not None
    }


@pytest.mark.parametrize("size", [(64, 20), (80, 24), (120, 40), (160, 45), (200, 60)])
async def test_the_race_legend_names_every_entrant_in_its_colour_at_every_size(size: tuple[int, int]) -> None:
    from tui_nn.ui.screens.race import RaceLegend, RaceScreen, race_colours

    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.press("R", "right")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RaceScreen)
        legend = screen.query_one(RaceLegend)
        lines = [legend.render_line(y) for y in range(legend.content_size.height)]
        named = legend_names([list(line) for line in lines])
        for runner in screen.frame.runners:
            assert named.get(runner.name) == theme.rgb(race_colours()[runner.colour]), (size, runner.name, named)


def test_the_race_legend_never_cuts_a_number_and_packs_the_names_when_rows_run_out() -> None:
    from tui_nn.ui.screens.race import legend_rows

    race = Controller(build(Config())).race()
    frame = race.step(10)
    names = {runner.name for runner in frame.runners}
    losses = {f"{runner.loss:.4g}" for runner in frame.runners}
    for width, height in itertools.product((12, 16, 21, 24, 40), (1, 2, 4, 8, 12)):
        rows = legend_rows(frame, width, height, False)
        assert len(rows) <= height and all(sum(len(s.text) for s in row) <= width for row in rows), (width, height)
        text = " ".join("".join(s.text for s in row) for row in rows)
        for number in (word for word in text.replace("·", " ").split() if word[:1].isdigit() and "." in word):
            assert number in losses, (width, height, number, text)
        if (width >= 21 and height >= len(names)) or (width >= 40 and 2 * height >= len(names)):  # every name fits whole
            assert set(legend_names(rows)) == names, (width, height, text)


async def test_the_race_waits_for_live_training_to_stop() -> None:
    from tui_nn.ui.screens.race import RaceScreen

    app = TuiNN(build(Config()), pace=1.0)  # a slow run: still going when R is pressed
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        await pilot.press("R")
        assert not isinstance(app.screen, RaceScreen) and "stop training first" in app.message
        await pilot.press("T")
        await app.workers.wait_for_complete()


async def test_the_palette_has_the_landscape_commands_and_the_help_explains_the_pane() -> None:
    from tui_nn.ui.screens import commands
    from tui_nn.ui.screens.help import help_markdown

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        found = {command.action: command for command in commands.commands()}
        assert {"landscape", "landscape_plane", "race", "landscape_largest"} <= set(found)
        await commands.run(app, found["landscape"])
        await pilot.pause()
        assert app.view_mode == "landscape"
        await pilot.press("i", "tab")
        assert len(app.controller.landscape.picks) == 2
        await commands.run(app, found["landscape_largest"])
        await pilot.pause()
        assert app.controller.landscape.picks == ()
        text = help_markdown()
        assert "**loss landscape** (l" in text and "**optimizer race** (R)" in text


def test_the_marks_stand_on_the_heat_maps_colour_not_on_the_lines_they_end() -> None:
    """The ✕ ends the red step line: red on red would hide it, so its cell keeps the loss's shade."""
    frame = frame_of(16.0, 1, 61, 30)
    drawn = landscape_rows(frame, 61, 15)
    step = theme.rgb(insight_views.STEP_COLOUR)
    marks = [s for row in drawn for s in row if s.text in ("✕", "●")]
    assert len(marks) == 2
    for mark in marks:
        assert mark.style is not None and mark.style.bgcolor is not None
        assert mark.style.bgcolor.get_truecolor() != step


async def test_l_d_and_the_inspectors_picks_leave_a_live_run_running() -> None:
    app = TuiNN(build(Config()), pace=1.0)  # a slow run: still going while the keys are pressed
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        assert app.training
        await pilot.press("l", "d", "i", "tab")
        assert app.training and app.view_mode == "landscape" and app.controller.landscape.plane is False
        assert len(app.controller.landscape.picks) == 2  # a pick turns the plane back to the slice
        await pilot.press("T")
        await app.workers.wait_for_complete()
        assert not app.training


# --- the step at the map's edge ------------------------------------------------------------------


async def test_a_step_drawn_at_the_maps_edge_is_said_to_be_to_scale_with_the_loss_after_it() -> None:
    app = make_app(lr=16.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await pilot.pause()
        text = pane_text(app)
        plot = text.splitlines()[1:]
        edge_rows = (plot[0], plot[-5])  # the map's top and bottom cell rows (the axis, legend and two words below)
        assert any("✕" in row for row in edge_rows), text
        frame = app.view.landscape(11, 11)
        assert "✕ at the edge is to scale" in text
        assert f"L after the step (every weight moved) = {frame.next_loss:.4g}" in text


def test_the_step_note_says_when_the_step_leaves_the_map_and_is_silent_inside_it() -> None:
    frame = frame_of(1.0, 0, 61, 30)
    columns, rows = 61, 15
    assert insight_views.step_note(frame, columns, rows) is None  # η = 1: the ✕ well inside the map
    reach = 3 * (frame.axes.extent.x_max - frame.axes.extent.x_min)
    off = dataclasses.replace(frame, step=(reach, 0.0))
    note = insight_views.step_note(off, columns, rows)
    assert note is not None and "leaves the map" in note and f"{frame.next_loss:.4g}" in note
    drawn = landscape_rows(off, columns, rows)
    assert cell_of(drawn, "✕") is None
    edge = [row for row in drawn if "".join(s.text for s in row).endswith("→")]
    assert len(edge) == 1 and edge[0][-1].style is not None and edge[0][-1].style.bgcolor is not None
    assert edge[0][-1].style.bgcolor.get_truecolor() == theme.rgb(insight_views.STEP_COLOUR)  # what the note calls red
    nowhere = dataclasses.replace(frame, step=(float("nan"), 0.0))
    assert insight_views.step_note(nowhere, columns, rows) is None


async def test_a_short_pane_keeps_one_row_of_words_whole() -> None:
    """At 80×24 the landscape has ten rows: it used to drop every word, the ✕ at the edge left unexplained."""
    app = make_app(lr=16.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("l")
        await pilot.pause()
        pane = app.query_one(LandscapePane)
        assert pane.content_size.height < 14
        last = pane_text(app).splitlines()[-1].rstrip()
        frame = app.view.landscape(11, 11)
        assert last == f"✕ at the edge is to scale · L after it = {frame.next_loss:.4g}"


def test_one_row_of_words_shows_a_sentence_whole_or_none() -> None:
    app = make_app(lr=1.0, dropout=0.5, hidden=(8,))
    pane = LandscapePane(False)
    view = app.controller.view()
    sentences = view.landscape(11, 11).words
    assert sentences, "a dropout network has words to say"
    shown = []
    for width in (30, 50, 80, 130):
        texts = ["".join(s.text for s in row).rstrip() for row in pane.draw_rows(view, width, 10)]
        legend = max(k for k, text in enumerate(texts) if text.startswith("L "))
        words = [text for text in texts[legend + 1 :] if text]
        assert len(words) <= 1 and all(text in sentences for text in words), (width, words)
        shown += words
    assert shown, "the widest pane has room for a sentence"


def test_a_step_that_sets_the_maps_reach_is_said_to_be_to_scale_however_wide_the_map() -> None:
    """The grid reaches 1.15 × the step: on a 114-column map its ✕ lands seven columns from the edge, and read as clamped."""
    columns, rows = 114, 15
    frame = frame_of(1.0, 0, columns, 2 * rows)
    reach = frame.axes.extent.x_max - frame.current[0]
    set_by_the_step = dataclasses.replace(frame, step=(reach / 1.15, 0.0))
    note = insight_views.step_note(set_by_the_step, columns, rows)
    assert note is not None and "to scale" in note
    halfway = dataclasses.replace(frame, step=(reach / 2, 0.0))
    assert insight_views.step_note(halfway, columns, rows) is None


@pytest.mark.parametrize(
    ("low", "high"), [(201.0, 78_650.0), (1.234e-5, 0.6931), (0.69312, 0.69348), (3.1e-12, 4.2e15), (3.5e-4, 3.19)]
)
def test_the_race_charts_loss_labels_fit_the_gutter_whole(low: float, high: float) -> None:
    from tui_nn.ui.screens.race import GUTTER, gutter_labels

    labels = gutter_labels(low, high)
    assert labels[0] != labels[1]
    for label, value in zip(labels, (low, high), strict=True):
        assert len(label) < GUTTER, label
        assert float(label) == pytest.approx(value, rel=0.05), (label, value)  # the number itself, not its first characters


async def test_the_race_chart_labels_a_diverging_races_losses_whole() -> None:
    from tui_nn.ui.screens.race import GUTTER, RaceScreen, loss_chart_rows

    app = make_app(lr=100_000.0, activation="relu")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("R", "right")
        screen = app.screen
        assert isinstance(screen, RaceScreen)
        runners = screen.frame.runners
        rows = loss_chart_rows(runners, 70, 14, False)
        top = "".join(s.text for s in rows[0])[: GUTTER - 1].strip()
        highest = max(float(v) for r in runners for v in r.loss_series if np.isfinite(v))
        assert float(top) == pytest.approx(highest, rel=0.1), top


@pytest.mark.parametrize("value", [-100_000.0, 1.5e-5, -2.5e-7, 123_456.0, 0.5, -1974.0])
def test_a_y_tick_too_long_for_the_gutter_is_written_shorter_never_cut(value: float) -> None:
    from tui_nn.engine.nn.insight import Axes, Extent

    axes = Axes(Extent(-1.0, 1.0, min(value, 0.0) - 1, max(value, 0.0) + 1), (0.0,), (value,))
    plot = [[Segment(" " * 20)] for _ in range(10)]
    for gutter in (7, 8):
        framed = with_axes(plot, axes, 20, 10, gutter)
        labels = ["".join(s.text for s in row)[: gutter - 1].strip() for row in framed[:-1]]
        written = [label for label in labels if label]
        assert len(written) <= 1, labels
        if written:
            assert float(written[0].replace("−", "-")) == pytest.approx(value, rel=0.01), (gutter, written)
        assert written or (gutter == 7 and value == -2.5e-7), (gutter, value)  # only −2.5e-7 cannot be written in 6 cells


async def test_at_the_smallest_size_the_landscapes_words_keep_what_matters_on_screen() -> None:
    """The status line has two rows at 64×20: what l and d say first must be what the learner needs."""
    from tui_nn.ui.panes.widgets import StatusLine

    def visible() -> str:
        status = app.query_one(StatusLine)
        return " ".join(status.render_line(y).text.strip() for y in range(status.content_size.height))

    app = TuiNN(build(defaults_for("sine")), pace=None)
    async with app.run_test(size=(64, 20)) as pilot:
        await pilot.press("l")
        await pilot.pause()
        assert "l returns" in visible() and "across" in visible()
        await pilot.press("d")
        await pilot.pause()
        assert "showing the slice" in visible()


@pytest.mark.parametrize(("size", "shown"), [((120, 40), False), ((160, 45), True), ((200, 60), True)])
async def test_the_footer_names_l_where_it_has_room_and_never_instead_of_the_quiz_or_words(
    size: tuple[int, int], shown: bool
) -> None:
    from textual.widgets._footer import FooterKey

    from tui_nn.ui.panes.widgets import KeysFooter

    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        keys = [k.description for k in app.query_one(KeysFooter).query(FooterKey) if not k.has_class("-command-palette")]
        assert "quiz" in " ".join(keys) and "words" in " ".join(keys), keys
        assert ("landscape" in keys) is shown, keys


async def test_r_on_diverged_weights_says_why_there_is_no_race() -> None:
    from tui_nn.ui.screens.race import RaceScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.session.net.params[:] = np.nan  # as a diverged run leaves them
        app.draw()
        await pilot.press("R")
        assert not isinstance(app.screen, RaceScreen)
        assert "finite" in app.message and "undo (u)" in app.message


def test_a_stopped_entrants_reason_is_kept_to_its_share_of_the_legend_cut_between_words() -> None:
    from tui_nn.engine.live.race import Entrant, Race
    from tui_nn.ui.screens.race import legend_rows

    session = build(Config().with_changes(activation="relu"))
    entrants = (Entrant("sgd", 1.0, 0), Entrant("sgd", 1e6, 1), Entrant("momentum", 1.0, 2), Entrant("adam", 0.1, 3))
    race = Race(session.net, session.data, entrants, epochs_per_step=10)
    frame = race.step(10)
    wild = frame.runners[1]
    assert not wild.running and len(wild.state) > 60, wild.state  # a reason too long for its share
    for width, height in ((44, 12), (30, 9), (44, 8)):
        rows = legend_rows(frame, width, height, False)
        texts = ["".join(s.text for s in row) for row in rows]
        assert len(rows) <= height and set(legend_names(rows)) == {r.name for r in frame.runners}, texts
        words = " ".join(texts).replace("…", " ").split()
        whole = set(" ".join(f"██ {r.name} epoch {r.epoch:,} · L {r.loss:.4g} · {r.state}" for r in frame.runners).split())
        assert all(word in whole for word in words), texts  # every word whole: none cut, no number shortened


async def test_a_reset_under_the_principal_plane_goes_back_to_the_slice_it_shows() -> None:
    """A reset empties the path: the plane cannot be drawn, so the mode, the pane and d's next words agree on the slice."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l", *["e"] * 4, "d")
        assert app.controller.landscape.plane
        await pilot.press("r")
        await pilot.pause()
        await pilot.pause()
        assert not app.controller.landscape.plane and app.view.landscape_request.mode == "slice"
        assert "PC1" not in pane_text(app)
        await pilot.press("d")
        assert "needs a path" in app.message


def test_a_long_reason_is_shown_whole_when_the_legend_has_the_rows() -> None:
    from tui_nn.engine.live.race import Entrant, Race
    from tui_nn.ui.screens.race import legend_rows

    session = build(Config().with_changes(activation="relu"))
    entrants = (Entrant("sgd", 1.0, 0), Entrant("sgd", 1e6, 1), Entrant("momentum", 1.0, 2), Entrant("adam", 0.1, 3))
    frame = Race(session.net, session.data, entrants, epochs_per_step=10).step(10)
    rows = legend_rows(frame, 44, 14, False)  # the 120×40 race's legend: three entrants on two rows leave room for the reason
    text = " ".join("".join(s.text for s in row).strip() for row in rows)
    assert "…" not in text and " ".join(frame.runners[1].state.split()) in " ".join(text.split())


async def test_the_caption_names_the_axes_as_the_diagram_beside_it_does_too() -> None:
    """The diagram writes v1 and b_out on its edges; the landscape said only W2[0,0] and b2[0]."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await pilot.pause()
        frame = app.controller.view().landscape(51, 60)
        assert frame.pair is not None and frame.log_names is not None
        a, b = frame.pair
        assert frame.log_names == (log_name(app, a), log_name(app, b))
        caption = pane_text(app).splitlines()[0]
        assert caption.startswith(f"{log_name(app, a)} = {file_name(app, a)} across, {log_name(app, b)} = {file_name(app, b)} up")
