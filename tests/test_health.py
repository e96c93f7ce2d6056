"""Gradient health per layer (norms, slopes, saturated and dead units) and the gradient-check
table: numbers against NumPy, a vanishing gradient made visible, the tables at fixed sizes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.app import App, ComposeResult

from tests.test_matrices import close, texts, tutorial_namespace, tutorial_slope
from tui_nn.engine.nn.gradcheck import GradCheck, ParameterCheck, check, parameter_names
from tui_nn.engine.nn.health import gradient_health
from tui_nn.engine.nn.network import InitSpec
from tui_nn.engine.session import actions as act
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config, defaults_for
from tui_nn.engine.session.controller import Controller
from tui_nn.ui.panes.healthview import GradCheckPane, HealthPane, gradcheck_rows, health_rows

DEEP_SIGMOID = Config(hidden=(8, 8, 8, 8), init=InitSpec("xavier"))
CONFIGS = [
    DEEP_SIGMOID,
    Config(hidden=(3, 2), activation="relu", init=InitSpec("he"), seed=1),
    Config(hidden=(4,), activation="tanh", loss="mse", init=InitSpec("normal", 3.0)),
    defaults_for("spiral").with_changes(activation="leaky_relu"),
    Config(hidden=(4,), init=InitSpec("normal", 8.0)),  # large weights: slopes near 0
]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"{c.hidden}-{c.activation}-{c.init}")
def test_every_number_is_numpys(config: Config) -> None:
    session = build(config)
    session.stepper.trainer.run(50)
    net, data = session.net, session.data
    health = gradient_health(net, data.x, data.y)
    ns = tutorial_namespace(net, net.params, data.x, data.y)
    assert len(health.layers) == net.n_layers and health.samples == data.size
    for h in health.layers:
        k = h.layer
        assert close(h.grad_w, np.sqrt(np.sum(ns[f"dW{k}"] ** 2)))  # type: ignore[operator]
        assert close(h.grad_b, np.sqrt(np.sum(ns[f"db{k}"] ** 2)))  # type: ignore[operator]
        assert close(h.weight_norm, np.sqrt(np.sum(ns[f"W{k}"] ** 2)))  # type: ignore[operator]
        if k == net.n_layers:
            assert h.mean_slope is None and h.saturated is None and h.dead is None
            continue
        z, a = ns[f"Z{k}"], ns[f"A{k}"]
        slope = tutorial_slope(config.activation, z, a)  # type: ignore[arg-type]
        assert close(h.mean_slope, slope.mean())
        units = z.shape[1]  # type: ignore[attr-defined]
        if config.activation in ("sigmoid", "tanh"):
            assert h.saturated == np.count_nonzero(np.all(slope < 0.01, axis=0)) / units and h.dead is None
        elif config.activation == "relu":
            assert h.dead == np.count_nonzero(np.all(z <= 0, axis=0)) / units and h.saturated is None  # type: ignore[operator]
        else:
            assert h.saturated is None and h.dead is None


def test_saturated_sigmoids_are_counted() -> None:
    session = build(Config(hidden=(4,)))
    net = session.net
    net.biases(0)[:3] = 20.0  # z ≈ 20 on every sample: σ'(z) ≈ 2e-9
    health = gradient_health(net, session.data.x, session.data.y)
    assert health.layers[0].saturated == 3 / 4
    assert "3/4" in texts(health_rows(health, 100, 6))[1]


def test_a_dead_relu_is_counted() -> None:
    session = build(Config(hidden=(3,), activation="relu", init=InitSpec("he"), seed=1))
    net = session.net
    net.weights(0)[:, 1] = -1.0  # unit 2 gets z = −x1 − x2 − 0.5 ≤ 0 on every XOR input
    net.biases(0)[1] = -0.5
    health = gradient_health(net, session.data.x, session.data.y)
    assert health.layers[0].dead is not None and health.layers[0].dead >= 1 / 3
    lines = texts(health_rows(health, 100, 6))
    assert f"{round(health.layers[0].dead * 3)}/3" in lines[1]


def test_a_deep_sigmoid_net_shows_its_gradient_vanishing() -> None:
    # Early in training: later this net collapses to ŷ ≈ 0.5 everywhere (loss ln 2), where every
    # layer's gradient is tiny and the ratio is back near 1 (the app's "stuck" diagnosis).
    controller = Controller(build(DEEP_SIGMOID.with_changes(lr=0.1)))
    controller.apply(act.Train(10))
    view = controller.view(with_values=False)  # what live training hands the UI
    health = gradient_health(view.net, view.data.x, view.data.y)
    first, last = health.layers[0].grad_w, health.layers[-1].grad_w
    assert 0 < first < last / 100  # orders of magnitude below
    norms = [h.grad_w for h in health.layers]
    assert norms == sorted(norms)  # shrinking layer by layer on the way down
    assert all(h.mean_slope is not None and h.mean_slope <= 0.25 for h in health.layers[:-1])  # σ' ≤ 0.25
    rows = health_rows(health, 110, 9)
    lines = texts(rows)
    assert lines[0].split()[:3] == ["layer", "‖∂L/∂W‖", "‖∂L/∂b‖"]
    for line, h in zip(lines[1:6], health.layers, strict=True):
        assert line.startswith(f"W{h.layer} {h.fan_in}→{h.units}")
        assert f"{h.grad_w:.2e}" in line and f"{h.grad_b:.2e}" in line
    bars = [line.count("█") for line in lines[1:6]]
    assert bars == sorted(bars) and bars[0] < bars[-1]  # a log scale: visibly shorter for W1
    summary = " ".join(lines[6:])
    assert "shrinks" in summary and f"{first / last:.1e}" in summary and "sigmoid" in summary


def test_a_narrow_pane_drops_columns_and_ascii_is_ascii() -> None:
    session = build(DEEP_SIGMOID)
    health = gradient_health(session.net, session.data.x, session.data.y)
    wide = texts(health_rows(health, 120, 8))
    narrow = texts(health_rows(health, 40, 8, ascii_only=True))
    assert "mean g′" in wide[0] and "saturated" in wide[0] and "log scale" in wide[0]
    assert narrow[0].startswith("layer") and "|dL/dW|" in narrow[0] and "log scale" not in narrow[0]
    assert all(line.isascii() and len(line) == 40 for line in narrow)
    assert narrow[1].startswith("W1 2->8")


def test_a_diverged_network_says_so() -> None:
    session = build(Config())
    session.net.params[:] = np.inf
    health = gradient_health(session.net, session.data.x, session.data.y)
    assert not health.finite
    lines = texts(health_rows(health, 80, 6))
    assert any("not finite" in line for line in lines)


@settings(max_examples=40, deadline=None)
@given(width=st.integers(1, 150), height=st.integers(1, 12), ascii_only=st.booleans(), deep=st.booleans())
def test_any_size_is_filled_exactly(width: int, height: int, ascii_only: bool, deep: bool) -> None:
    session = build(DEEP_SIGMOID if deep else Config(hidden=()))
    health = gradient_health(session.net, session.data.x, session.data.y)
    lines = texts(health_rows(health, width, height, ascii_only))
    assert len(lines) == height and all(len(line) == width for line in lines)
    assert not ascii_only or all(line.isascii() for line in lines)


# --- the gradient check -----------------------------------------------------------------------


def test_the_check_table_lists_every_parameter_and_the_verdict() -> None:
    session = build(Config())
    net, data = session.net, session.data
    result = check(net, data.x, data.y, parameter_names(net))
    lines = texts(gradcheck_rows(result, 90, 14))
    assert lines[0].split() == ["parameter", "analytic", "numerical", "rel.", "error", "kink", "verdict"]
    _, analytic, _, _ = net.loss_and_gradient(data.x, data.y)
    for line, c in zip(lines[1:10], result.checks, strict=True):
        assert line.split()[0] == c.name
        minus = str.maketrans("-", "−")  # written with the real minus sign, as everywhere else
        assert f"{analytic[c.index]:.5e}".translate(minus) in line  # the engine's gradient, as computed
        assert f"{c.numerical:.5e}".translate(minus) in line and f"{c.relative_error:.1e}".translate(minus) in line
        assert line.rstrip().endswith("✓")
    assert "backprop agrees" in lines[10] and f"{result.max_relative_error:.1e}" in lines[10]


def test_a_wrong_gradient_and_a_kink_are_flagged() -> None:
    result = GradCheck(
        [
            ParameterCheck("w11", 0, 0.5, 0.25, 0.5, False),
            ParameterCheck("w12", 1, 0.1, 0.1, 1e-10, False),
            ParameterCheck("b1", 2, 0.0, 0.3, 1.0, True),
        ]
    )
    lines = texts(gradcheck_rows(result, 80, 8))
    assert lines[1].rstrip().endswith("✗") and "kink" in lines[3] and lines[3].rstrip().endswith("left out")
    assert "the analytic gradient is wrong" in " ".join(lines[4:])
    assert "1 at a ReLU kink" in " ".join(lines[4:])
    ascii_lines = texts(gradcheck_rows(result, 80, 8, ascii_only=True))
    assert all(line.isascii() for line in ascii_lines) and ascii_lines[1].rstrip().endswith("WRONG")


def test_a_long_check_shows_its_largest_errors_first() -> None:
    session = build(defaults_for("spiral"))
    net, data = session.net, session.data
    result = check(net, data.x, data.y, parameter_names(net))
    lines = texts(gradcheck_rows(result, 100, 12))
    assert len(lines) == 12
    shown = [line.split()[0] for line in lines[1:] if line and not line.startswith(("largest", "the ", " "))]
    errors = {c.name: c.relative_error for c in result.checks}
    listed = [name for name in shown if name in errors]
    assert listed and [errors[n] for n in listed] == sorted((errors[n] for n in listed), reverse=True)
    assert max(errors.values()) == errors[listed[0]]
    assert any(f"of {net.n_params} shown" in line for line in lines)


# --- the panes --------------------------------------------------------------------------------


class PanesApp(App[None]):
    def __init__(self, controller: Controller) -> None:
        super().__init__()
        self.controller = controller

    def compose(self) -> ComposeResult:
        yield HealthPane(False, id="health")
        yield GradCheckPane(False, id="check")


async def test_the_panes_draw_what_they_are_given() -> None:
    controller = Controller(build(DEEP_SIGMOID))
    app = PanesApp(controller)
    async with app.run_test(size=(100, 30)) as pilot:
        health_pane, check_pane = app.query_one(HealthPane), app.query_one(GradCheckPane)
        view = controller.view()
        health_pane.view = view
        net, data = controller.session.net, controller.session.data
        check_pane.result = check(net, data.x, data.y, parameter_names(net))
        await pilot.pause()
        for pane, expected in (
            (health_pane, health_rows(gradient_health(view.net, view.data.x, view.data.y), *pane_size(health_pane))),
            (check_pane, gradcheck_rows(check_pane.result, *pane_size(check_pane))),
        ):
            drawn = [pane.render_line(y).text for y in range(pane.content_size.height)]
            assert drawn == texts(expected)


def pane_size(pane: HealthPane | GradCheckPane) -> tuple[int, int]:
    return pane.content_size.width, pane.content_size.height
