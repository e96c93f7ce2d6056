"""Activation curves: g and g' on the range of z the hidden units see, every unit's z per sample,
and the plot: formulas, labelled axes, each point where its z and value put it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.app import App, ComposeResult

from tests.test_matrices import close, texts, tutorial_namespace
from tui_nn.engine.live.diagnostics import unit_states
from tui_nn.engine.nn.activations import HIDDEN_ACTIVATIONS
from tui_nn.engine.nn.health import activation_curves
from tui_nn.engine.nn.network import InitSpec
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.engine.session.controller import Controller
from tui_nn.ui import theme
from tui_nn.ui.panes.curves import CurvesPane, draw_curves, gutter_width, pixel_columns

FORMULAS = {
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z: (1 / (1 + np.exp(-z))) * (1 - 1 / (1 + np.exp(-z)))),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "relu": (lambda z: np.maximum(0, z), lambda z: (z > 0).astype(float)),
    "leaky_relu": (lambda z: np.where(z > 0, z, 0.01 * z), lambda z: np.where(z > 0, 1.0, 0.01)),
    "softplus": (lambda z: np.log1p(np.exp(z)), lambda z: 1 / (1 + np.exp(-z))),
    "elu": (lambda z: np.where(z > 0, z, np.exp(np.minimum(z, 0)) - 1), lambda z: np.where(z > 0, 1.0, np.exp(np.minimum(z, 0)))),
}


def session_for(activation: str, hidden: tuple[int, ...] = (4, 3)):  # type: ignore[no-untyped-def]
    return build(Config(hidden=hidden, activation=activation, init=InitSpec("normal", 1.5), seed=2))


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_curves_and_points_are_numpys(activation: str) -> None:
    session = session_for(activation)
    net, data = session.net, session.data
    curves = activation_curves(net, data.x, points=101)
    assert curves is not None and curves.activation == activation and len(curves.z) == 101
    g, slope = FORMULAS[activation]
    assert close(curves.g, g(curves.z)) and close(curves.slope, slope(curves.z))
    assert np.all(np.diff(curves.z) > 0)
    ns = tutorial_namespace(net, net.params, data.x, data.y)
    low, high = curves.z_range
    for points in curves.layers:
        k = points.layer
        assert close(points.z, ns[f"Z{k}"]) and close(points.a, ns[f"A{k}"])
        assert close(points.slope, slope(ns[f"Z{k}"]))
        assert low < min(points.z.min(), 0) and high > max(points.z.max(), 0)  # every z, and 0, inside
    assert [p.layer for p in curves.layers] == [1, 2]


def test_units_passing_no_gradient_are_those_the_diagnosis_names() -> None:
    for activation in ("sigmoid", "relu"):
        session = session_for(activation, (4,))
        net = session.net
        net.biases(0)[:2] = 20.0 if activation == "sigmoid" else -20.0  # saturated, or dead
        curves = activation_curves(net, session.data.x)
        assert curves is not None
        zs, acts = net.forward(session.data.x)
        assert curves.layers[0].blocked == len(unit_states(net, zs, acts)) == 2


def test_no_hidden_layer_has_no_curves() -> None:
    session = build(Config(hidden=()))
    assert activation_curves(session.net, session.data.x) is None
    lines = texts(draw_curves(None, 60, 5))
    assert lines[0].startswith("no hidden layer") and len(lines) == 5


# --- the plot ---------------------------------------------------------------------------------


def plot_rows(lines: list[str]) -> list[int]:
    """Rows of the two panels (those with an axis bar after the label gutter)."""
    return [r for r, line in enumerate(lines) if line[gutter_width() - 1 : gutter_width()] in ("│", "┤", "|", "+")][:-1]


def test_sigmoid_plot_has_both_formulas_labelled_axes_and_every_point() -> None:
    session = session_for("sigmoid", (4,))
    width, height = 72, 22
    curves = activation_curves(session.net, session.data.x, points=pixel_columns(width))
    assert curves is not None
    lines = texts(draw_curves(curves, width, height, current=1))
    assert len(lines) == height and all(len(line) == width for line in lines)
    assert lines[0].startswith("σ(z) = 1/(1+e^−z)") and "σ′(z) = σ(z)(1 − σ(z)) ≤ 0.25" in lines[0]
    labels = [line[: gutter_width() - 1].strip() for line in lines]
    slope_max = float(np.max(curves.slope))
    assert f"{slope_max:.2g}" in labels  # the peak of σ′: 0.25 at z = 0
    assert labels.count("0") == 2  # the bottom of both panels
    z_axis = next(line for line in lines if "└" in line)
    z_labels = lines[lines.index(z_axis) + 1].split()
    low, high = curves.z_range
    assert z_labels == [f"{low:.2g}".replace("-", "−"), "0", f"{high:.2g}".replace("-", "−"), "z"]
    assert sum(line.count("◆") for line in lines) >= 1
    assert any("sample 2" in line for line in lines)
    summary = next(line for line in lines if line.startswith("layer 1:"))
    assert f"mean g′ {curves.layers[0].mean_slope:.3f}" in summary


def test_points_take_their_samples_class_colour() -> None:
    session = session_for("tanh", (4,))
    curves = activation_curves(session.net, session.data.x, points=pixel_columns(70))
    rows = draw_curves(curves, 70, 22, classes=session.data.y[:, 0])
    axis = next(r for r, line in enumerate(texts(rows)) if "└" in line)
    plot = rows[1:axis]
    colours = {s.style.color.triplet.hex for row in plot for s in row if "●" in s.text and s.style and s.style.color}
    assert colours == {theme.class_colour(0), theme.class_colour(1)}
    lines = texts(rows)
    assert any("class-0 sample" in line and "class 1" in line for line in lines)
    ascii_lines = texts(draw_curves(curves, 70, 22, ascii_only=True, classes=session.data.y[:, 0]))
    plotted = "".join(line[gutter_width() :] for line in ascii_lines[1:18])
    assert "o" in plotted and "x" in plotted


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_each_point_of_the_current_sample_is_where_its_z_puts_it(activation: str) -> None:
    """In ASCII one character is one point: each unit's (z, g(z)) and (z, g'(z)) of the current
    sample is an @ at the column and row its numbers give."""
    session = session_for(activation, (5,))
    width, height = 61, 24
    curves = activation_curves(session.net, session.data.x, points=pixel_columns(width, ascii_only=True))
    assert curves is not None
    lines = texts(draw_curves(curves, width, height, ascii_only=True, current=3))
    assert all(line.isascii() for line in lines)
    rows = plot_rows(lines)
    top = (len(rows) + 1) // 2 + (1 if len(rows) >= 8 else 0)
    panels = [rows[:top], rows[top:]]
    low, high = curves.z_range
    plot_width = width - gutter_width()
    points = curves.layers[0]
    for panel, values, curve in zip(panels, (points.a, points.slope), (curves.g, curves.slope), strict=True):
        y_low = min(curve.min(), values.min(), 0.0)
        y_high = max(curve.max(), values.max(), 0.0)
        for z, v in zip(points.z[3], values[3], strict=True):
            column = gutter_width() + round((z - low) / (high - low) * (plot_width - 1))
            row = panel[round((y_high - v) / (y_high - y_low) * (len(panel) - 1))]
            assert lines[row][column] == "@", (z, v, row, column)


@settings(max_examples=40, deadline=None)
@given(
    width=st.integers(1, 140),
    height=st.integers(1, 40),
    activation=st.sampled_from(HIDDEN_ACTIVATIONS),
    ascii_only=st.booleans(),
    current=st.one_of(st.none(), st.integers(0, 3)),
)
def test_any_size_is_filled_exactly(width: int, height: int, activation: str, ascii_only: bool, current: int | None) -> None:
    session = session_for(activation)
    curves = activation_curves(session.net, session.data.x, points=pixel_columns(width, ascii_only))
    lines = texts(draw_curves(curves, width, height, ascii_only, current))
    assert len(lines) == height and all(len(line) == width for line in lines)
    assert not ascii_only or all(line.isascii() for line in lines)


def test_a_diverged_network_draws_without_raising() -> None:
    session = session_for("tanh")
    session.net.params[:] = np.nan
    curves = activation_curves(session.net, session.data.x)
    assert curves is not None and curves.z_range[0] < 0 < curves.z_range[1]
    assert len(texts(draw_curves(curves, 50, 16))) == 16


class CurvesApp(App[None]):
    def __init__(self, controller: Controller) -> None:
        super().__init__()
        self.controller = controller

    def compose(self) -> ComposeResult:
        yield CurvesPane(False, id="curves")


async def test_the_pane_draws_the_views_network_and_marks_the_walked_sample() -> None:
    controller = Controller(session_for("relu"))
    controller.stepper.step()
    app = CurvesApp(controller)
    async with app.run_test(size=(80, 26)) as pilot:
        pane = app.query_one(CurvesPane)
        view = controller.view()
        pane.view = view
        await pilot.pause()
        width, height = pane.content_size.width, pane.content_size.height
        drawn = [pane.render_line(y).text for y in range(height)]
        curves = activation_curves(view.net, view.data.x, points=pixel_columns(width))
        assert drawn == texts(draw_curves(curves, width, height, current=view.snapshot.sample, classes=view.data.y[:, 0]))
        assert view.snapshot.sample == 0 and any("sample 1" in line for line in drawn)
