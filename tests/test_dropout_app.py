"""Dropout in the app: the mask step in the log and on the diagram, the loss chart's evaluation curve, settings."""

from __future__ import annotations

import numpy as np
import pytest
from rich.cells import cell_len
from rich.text import Text

from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.engine.walk.explain import Element
from tui_nn.ui.panes.diagram import NetworkDiagram
from tui_nn.ui.panes.losschart import EVALUATION_DOTS, LossChart, themed_styles
from tui_nn.ui.panes.widgets import LossPane, NetworkPane, StatusLine, TablePane
from tui_nn.ui.shell.app import TuiNN

from .test_app import log_texts

SIZE = (120, 40)
# seed 2, p = 0.5: sample 1 drops h1 and keeps h2 and h3 at epoch 0 (test_dropout checks the masks themselves)
CONFIG = Config(hidden=(3,), activation="tanh", lr=0.5, dropout=0.5, seed=2)


def _app(**changes: object) -> TuiNN:
    return TuiNN(build(CONFIG.with_changes(**changes)), pace=None)


def _diagram_text(app: TuiNN) -> str:
    diagram = app.query_one(NetworkPane).diagram()
    assert isinstance(diagram, NetworkDiagram)
    return "\n".join(line.plain for line in diagram.render_lines())


async def test_the_mask_step_is_in_the_log_and_crosses_out_the_dropped_units() -> None:
    app = _app()
    async with app.run_test(size=SIZE) as pilot:
        stepper = app.stepper
        t = stepper.sample_tables(stepper.current, 0)
        dropped = [j for j, m in enumerate(t.masks[0]) if m == 0.0]
        assert dropped and len(dropped) < 3, "the seed is chosen to drop some units of sample 1, not all"
        await pilot.press(*["right"] * 6)  # z and a of h1, h2, h3
        assert "✗" not in _diagram_text(app), "nothing is crossed out before the mask step"
        assert "ã" not in _diagram_text(app) and "a " in _diagram_text(app), "before the mask a box shows a = g(z)"
        await pilot.press("right")
        await pilot.pause()
        assert stepper.last() is not None and stepper.last().kind == "mask"
        entry = log_texts(app)[-1]
        assert entry.startswith("mask  h\u03031 = h1·m_h1/(1 − p) = ")
        names = [f"h{j + 1}" for j in dropped]
        assert f"({' and '.join(names)} dropped)" in entry
        text = _diagram_text(app)
        for j in range(3):
            assert (f"h{j + 1}━✗" in text or f"h{j + 1}─✗" in text) == (j in dropped)
        assert "✗: dropped for this sample" in text
        # a kept unit's box shows the value it passes up, a·mask/(1 − p), which is not g(z): it says ã, not a
        assert text.count("ã ") == 3 + 1 and "ã = a·mask/(1 − p)" in text  # three boxes and the legend
        assert "dropout 0.5" in str(app.query_one(StatusLine).render())
        # the diagram's ŷ has units dropped; the table's are the network's own, and says so
        assert str(app.query_one(TablePane).border_title) == "truth table · ŷ: none dropped"
        # the next sample's walk starts afresh: nothing is crossed out until its own mask step
        await pilot.press("F", "B")
        await pilot.press(*["right"] * 2)
        assert "✗" not in _diagram_text(app)


async def test_the_loss_chart_draws_the_evaluation_loss_beside_the_training_loss() -> None:
    app = _app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        await pilot.pause()
        while app.training and app.stepper.trainer.epoch < 3000:  # (the masks' noise is no reason to stop)
            await pilot.pause(0.05)
        if app.training:
            await pilot.press("T")
        await app.workers.wait_for_complete()
        await pilot.pause()
        pane = app.query_one(LossPane)
        title = pane.border_title
        assert "training" in str(title) and "evaluation" in str(title)
        chart = app.query_one(LossChart)
        history = app.stepper.history
        assert chart.evaluation is not None and chart.validation is None
        np.testing.assert_array_equal(chart.evaluation, history.downsampled("eval_loss", len(chart.evaluation)))
        summary = str(pane.query_one("#loss-summary").render())
        assert "evaluation (none dropped; p = 0.5)" in summary


def _title_fits_whole(pane: LossPane) -> str:
    """The pane's title as drawn: the whole of it within the top border (Textual would cut it with …)."""
    title = pane.border_title
    text = Text.from_markup(str(title)).plain
    sided = pane.styles.border_left[0] not in ("", "none", "hidden")
    assert cell_len(text) <= pane.outer_size.width - (6 if sided else 4), text
    return text


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_with_a_validation_set_the_chart_draws_training_evaluation_and_validation(size: tuple[int, int]) -> None:
    app = TuiNN(build(CONFIG.with_changes(problem="circle", hidden=(8,), val=0.3)), pace=None)
    async with app.run_test(size=size) as pilot:
        await pilot.press(*["e"] * 6)
        await pilot.pause()
        pane = app.query_one(LossPane)
        words = _title_fits_whole(pane)
        assert ("training" in words or "train" in words) and "eval" in words and "val" in words.replace("eval", "")
        view = app.view
        assert view.validation is not None and view.evaluation is not None
        chart = app.query_one(LossChart)
        assert chart.validation is not None and chart.evaluation is not None
        np.testing.assert_array_equal(chart.validation, view.validation.loss_series)
        np.testing.assert_array_equal(chart.evaluation, view.evaluation.loss_series)
        np.testing.assert_array_equal(chart.losses, view.loss_series)
        assert not np.array_equal(chart.evaluation, chart.validation), "two series, not one drawn twice"
        if size[1] >= 40:  # a chart of several rows: the evaluation's dots stand apart in their own colour
            styles = themed_styles()
            drawn = [segment for row in chart.drawing().rows for segment in row if segment.style == styles.evaluation]
            assert drawn and all(set(segment.text) <= set(EVALUATION_DOTS) for segment in drawn)
        chart.set_cursor(chart.drawing().data_columns[-1])
        await pilot.pause()
        subtitle = str(pane.border_subtitle)
        assert "eval " in subtitle and "val " in subtitle and chart.evaluation_readout is not None


async def test_settings_set_dropout() -> None:
    app = TuiNN(build(Config(hidden=(3,))), pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        app.screen.query_one("#field-dropout").value = "0.25"
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.net.dropout == 0.25 and app.session.config.dropout == 0.25
        assert any("dropout p=0.25" in entry for entry in log_texts(app))
        await pilot.press("c")
        field = app.screen.query_one("#field-dropout")
        field.value = "1"
        await pilot.pause()
        assert "below 1" in str(app.screen.query_one("#error-dropout").content)
        await pilot.press("enter")
        assert app.screen.__class__.__name__ == "SettingsScreen" and app.session.net.dropout == 0.25


async def test_the_inspector_says_a_gradient_is_zero_because_its_unit_was_dropped() -> None:
    """Seed 2, p = 0.5: sample 2 (x = (0, 1)) drops h2, so its ∂L/∂w22 is 0 though x2 is 1."""
    from .test_inspect import inspector_text

    app = _app()
    async with app.run_test(size=SIZE) as pilot:
        stepper = app.stepper
        assert stepper.sample_tables(stepper.current, 1).masks[0][1] == 0.0, "the seed drops h2 for sample 2"
        await pilot.press("i")
        app._select(Element("weight", 0, 1, 1))  # w22: from x2 into h2
        await pilot.pause()
        text = " ".join(inspector_text(app).split())  # (the pane wraps its lines)
        assert "sample 2 · x = (0, 1) · y = 1: ∂L/∂w22 = 0" in text
        assert "h2 was dropped for sample 2 (its mask is 0), so its δ is 0 and ∂L/∂w22 = 0 for this sample" in text


async def test_a_wide_layer_drawn_one_row_a_unit_still_crosses_out_the_dropped_units() -> None:
    """circle 2-32-1 at 120×40 draws each hidden unit on one row: the mask step's dropped units are still ✗."""
    app = TuiNN(build(Config(problem="circle", hidden=(32,), activation="tanh", lr=0.5, dropout=0.3, seed=1)), pace=None)
    async with app.run_test(size=SIZE) as pilot:
        stepper = app.stepper
        while stepper.last() is None or stepper.last().kind != "mask":
            await pilot.press("right")
        await pilot.pause()
        dropped = [j for j, m in enumerate(stepper.sample_tables(stepper.current, 0).masks[0]) if m == 0.0]
        assert dropped
        text = _diagram_text(app)
        shown = [j for j in range(32) if f"h{j + 1} " in text or f"h{j + 1}✗" in text]
        assert any(f"h{j + 1}✗" in text for j in dropped if j in shown)
        assert not any(f"h{j + 1}✗" in text for j in shown if j not in dropped)
        assert "✗: dropped for this sample" in text
