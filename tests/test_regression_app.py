"""The app on a regression (issue 24 item 2), driven by keys and the mouse: the fit of a one-input net,
its unit curves, the current sample, live training, the v cycle, and R² where accuracy shows."""

from __future__ import annotations

from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import defaults_for
from tui_nn.ui.panes.widgets import BoundaryPane, LossPane, StatusLine, TablePane
from tui_nn.ui.shell.app import TuiNN

SIZE = (120, 40)


def sine_app(target_loss: float = 1e-300) -> TuiNN:
    """The built-in sine, with its defaults (1-16-1 tanh, linear output, mse)."""
    return TuiNN(build(defaults_for("sine")), target_loss=target_loss, pace=None)


def pane_text(app: TuiNN) -> list[str]:
    pane = app.query_one(BoundaryPane)
    return ["".join(segment.text for segment in strip) for strip in pane._raw]


def plain(widget: object) -> str:
    return str(widget.render())  # type: ignore[attr-defined]


async def test_v_shows_the_fit_with_every_units_curve_then_the_hidden_space_the_landscape_and_the_network() -> None:
    app = sine_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        await pilot.pause()
        pane = app.query_one(BoundaryPane)
        assert pane.display and str(pane.border_title) == "fit ŷ(x)"
        assert "the fit" in app.message
        legend = pane_text(app)[-1]
        assert "v1·h1 … v16·h16 (sum + b = ŷ)" in legend
        await pilot.press("v")
        assert app.view_mode == "hidden" and "the hidden space" in app.message
        await pilot.press("v")
        assert app.view_mode == "landscape" and "the loss landscape" in app.message
        await pilot.press("v")
        assert app.view_mode == "network"


async def test_right_walks_the_samples_and_the_fit_and_the_table_follow_the_current_one() -> None:
    app = sine_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        await pilot.pause()
        first = app.view.snapshot.sample  # the sample the next step works on
        while app.view.snapshot.sample == first:
            await pilot.press("right")
        await pilot.pause()
        sample = app.view.snapshot.sample
        assert sample is not None and sample != first
        pane = app.query_one(BoundaryPane)
        assert pane._fit is not None
        fit, gutter = pane._fit
        assert fit.current == sample
        rows = pane_text(app)
        plot = rows[:-2]  # (the x axis and the legend, which names the sample, below it)
        marked = [(line.index("◆") - gutter, r) for r, line in enumerate(plot) if "◆" in line[gutter:]]
        assert marked == [fit.point_cells[sample]]
        table = plain(app.query_one(TablePane))
        assert f"sample {sample + 1}: x = " in table and "ŷ − y = " in table
        assert "R² " in table and "mean |ŷ − y|" in table
        status = plain(app.query_one(StatusLine))
        assert "R² " in status and "acc " not in status


async def test_t_trains_live_and_the_fit_redraws_then_t_stops() -> None:
    app = sine_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        await pilot.pause()
        before = pane_text(app)
        await pilot.press("T")
        for _ in range(300):  # until the first frame lands (the training process may start slowly on a busy machine)
            await pilot.pause(0.1)
            if app.view.epoch > 0 or not app.training:
                break
        if app.training:  # (a diagnosis, e.g. sine's swinging loss at η 0.1, may have stopped it already)
            await pilot.press("T")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not app.training and app.stepper.epoch > 0
        assert pane_text(app) != before  # the curve moved with the parameters
        loss = app.query_one(LossPane)
        assert str(loss.border_title).startswith("½·MSE")  # the number is ½·mean (ŷ − y)², not PyTorch's MSE
        summary = plain(loss.query_one("#loss-summary"))
        assert "R² " in summary and "acc " not in summary


async def test_clicking_a_data_point_on_the_fit_pins_that_sample_and_again_unpins_it() -> None:
    app = sine_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        await pilot.pause()
        pane = app.query_one(BoundaryPane)
        assert pane._fit is not None
        fit, gutter = pane._fit
        sample = len(fit.point_cells) // 2
        column, row = fit.point_cells[sample]
        chosen = fit.sample_at(column, row)  # the one drawn in that cell (another may share it)
        assert chosen is not None
        await pilot.click(BoundaryPane, offset=(gutter + column + 1, row + 1))  # (+1: the pane's border)
        await pilot.pause()
        assert app.stepper.focus == chosen
        await pilot.click(BoundaryPane, offset=(gutter + column + 1, row + 1))
        await pilot.pause()
        assert app.stepper.focus is None


async def test_the_saddle_shows_its_surface_with_the_scales_numbers() -> None:
    app = TuiNN(build(defaults_for("saddle")), pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        await pilot.pause()
        pane = app.query_one(BoundaryPane)
        assert str(pane.border_title) == "surface ŷ(x₁, x₂)"
        boundary = app.view.boundary(10, 10)
        assert boundary.scale is not None
        legend = pane_text(app)[-1]
        assert "targets' mean" in legend and "●" in "".join(pane_text(app))


async def test_the_settings_offer_a_regressions_losses_for_sine_and_a_classifications_for_xor() -> None:
    from tui_nn.engine.session.config import Config
    from tui_nn.ui.screens.settings import FormSelect

    from .test_settings_keys import choose, form

    def offered(app: TuiNN) -> list[str]:
        return list(form(app)._losses_offered)  # (what the loss menu was last given)

    app = TuiNN(build(Config()), pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await pilot.pause()
        assert "mae" not in offered(app) and {"bce", "mse", "ce"} <= set(offered(app))
        await choose(pilot, app, "problem", "sine")
        assert offered(app) == ["mse", "mae"]
        assert str(form(app).query_one("#field-loss", FormSelect).value) == "mse"  # bce gave way to sine's own loss
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.data.name == "sine" and app.session.net.regression and app.session.net.sizes[0] == 1
        await pilot.press("c")
        await pilot.pause()
        assert offered(app) == ["mse", "mae"]
        await choose(pilot, app, "problem", "xor")
        assert "bce" in offered(app) and "mae" not in offered(app)
