"""The NumPy bridge in the app: m (the step as the tutorials' matrices), g (gradient health and
activation curves), G (gradient check) and I (your own input), driven with keys and checked
against the engine's vectorised numbers and plain NumPy."""

from __future__ import annotations

import numpy as np
import pytest

from tui_nn.engine.nn.network import InitSpec
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.ui.panes.curves import CurvesPane
from tui_nn.ui.panes.healthview import HealthPane, norm_text
from tui_nn.ui.panes.matrixview import MatrixPane
from tui_nn.ui.panes.widgets import NetworkPane
from tui_nn.ui.screens.bridge import GradCheckScreen, OwnInputScreen
from tui_nn.ui.shell.app import TuiNN

SIZE = (120, 40)


def make_app(**config: object) -> TuiNN:
    return TuiNN(build(Config().with_changes(**config)), pace=None)


def pane_text(pane: object) -> str:
    size = pane.content_size  # type: ignore[attr-defined]
    return "\n".join(pane.render_line(y).text for y in range(size.height))  # type: ignore[attr-defined]


async def test_m_shows_the_step_as_the_tutorials_numpy_and_m_again_returns() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
        pane = app.query_one(MatrixPane)
        assert pane.display and not app.query_one(NetworkPane).display
        await pilot.press("right", "right", "right")  # h2's z of sample 1
        frame = app.view.matrices.frame  # type: ignore[union-attr]
        text = pane_text(pane)
        assert "Z1 = X @ W1 + b1" in text and "(4×2) @ (2×2) + (1×2) → (4×2)" in text
        assert frame.scalar[0].split("=")[0].strip() == "Z1[0, 1]" and frame.scalar[0].split("=")[0].strip() in text
        # the highlighted cell is the value the scalar step computed, and equals NumPy's Z1
        net, x = app.session.net, app.session.data.x
        w1, b1 = net.weights(0), net.biases(0)
        assert frame.value == app.stepper.record(app.stepper.current, 2).value
        assert frame.value == pytest.approx((x @ w1 + b1)[0, 1], abs=1e-15)
        await pilot.press("F")
        while app.view.snapshot.phase != "backward":
            await pilot.press("right")
        text = pane_text(pane)  # the backward pass's first step: the output's δ, as dZ2
        assert app.view.matrices.frame.code[0] in text and "dZ2" in text  # type: ignore[union-attr]
        await pilot.press("m")
        assert not pane.display and app.query_one(NetworkPane).display


async def test_g_shows_each_layers_gradient_norms_and_the_activation_curves_live() -> None:
    app = make_app(hidden=(8, 8), activation="sigmoid", init=InitSpec("xavier", 1.0), lr=0.1)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        health, curves = app.query_one(HealthPane), app.query_one(CurvesPane)
        assert health.display and curves.display
        # the norms shown are NumPy's, on the whole data set at the current weights
        net, x, y = app.session.net, app.session.data.x, app.session.data.y
        _, grad, _, _ = net.loss_and_gradient(x, y)
        text = pane_text(health)
        for layer in range(net.n_layers):
            expected = np.linalg.norm(net.weights(layer, grad))
            assert norm_text(float(expected)) in text
        assert "σ(z) = 1/(1+e^−z)" in pane_text(curves)
        before = pane_text(health)
        await pilot.press("T")
        await pilot.pause(0.5)
        await pilot.press("T")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.stepper.epoch > 0 and pane_text(health) != before, "the table follows training"
        await pilot.press("g")
        assert not health.display and app.query_one(NetworkPane).display


async def test_G_checks_every_gradient_at_the_current_weights_without_changing_them() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e", "e")  # two updates: the check is at epoch 2's weights
        net, x, y = app.session.net, app.session.data.x, app.session.data.y
        params = net.params.copy()
        await pilot.press("G")
        screen = app.screen
        assert isinstance(screen, GradCheckScreen)
        await screen.workers.wait_for_complete()
        await pilot.pause()
        result = screen.result
        assert result is not None and result.passed
        _, analytic, _, _ = net.loss_and_gradient(x, y, params)
        eps = 1e-5
        for c in result.checks:
            up, down = params.copy(), params.copy()
            up[c.index] += eps
            down[c.index] -= eps
            numerical = (net.loss_value(x, y, up) - net.loss_value(x, y, down)) / (2 * eps)
            assert c.analytic == analytic[c.index]
            assert c.numerical == pytest.approx(numerical, rel=1e-6, abs=1e-12)
        assert "backprop agrees" in pane_text(screen.query_one("#gradcheck"))
        await pilot.press("escape")
        assert not isinstance(app.screen, GradCheckScreen)
        assert np.array_equal(app.session.net.params, params)


async def test_I_walks_an_input_of_your_own_and_left_returns_to_the_data_set() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right")
        data, position = app.session.data, app.stepper.position
        await pilot.press("I")
        screen = app.screen
        assert isinstance(screen, OwnInputScreen)
        field = screen.query_one("#own-input")
        field.value = "0.05, 0.1 → oops"  # type: ignore[attr-defined]
        await pilot.press("enter")
        assert app.screen is screen and "'oops' is not a number" in str(screen.query_one("#value-error").render())
        field.value = "0.05 −0.1 → 1"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, OwnInputScreen)
        assert app.session.data.x.tolist() == [[0.05, -0.1]] and app.session.data.y.tolist() == [[1.0]]
        await pilot.press("right")
        net = app.session.net
        w1, b1 = net.weights(0), net.biases(0)
        expected = 0.05 * w1[0, 0] - 0.1 * w1[1, 0] + b1[0]
        assert app.stepper.record(app.stepper.current, 0).value == pytest.approx(expected, abs=1e-15)
        await pilot.press("left", "left")
        assert app.session.data is data and app.stepper.position == position


async def test_escape_leaves_your_input_unwalked() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        data = app.session.data
        await pilot.press("I", "escape")
        assert app.session.data is data and "cancelled" in app.message
