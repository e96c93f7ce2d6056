"""The records the View hands the panes, checked against computations done here independently."""

from __future__ import annotations

import functools
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config, defaults_for
from tui_nn.engine.session.view import View, capture


def test_the_views_records_match_a_direct_computation() -> None:
    """The boundary grid is ŷ of a forward pass at each pixel centre, and the hidden plot's points
    are the hidden activations (two units: drawn as they are): worked out here independently."""
    session = build(Config(hidden=(2,)))
    session.stepper.run_epochs(50)
    view = capture(session.stepper)
    boundary = view.boundary(24, 14)
    extent = boundary.axes.extent
    xs = extent.x_min + (np.arange(24) + 0.5) * (extent.x_max - extent.x_min) / 24
    ys = extent.y_max - (np.arange(14) + 0.5) * (extent.y_max - extent.y_min) / 14
    net = session.net
    expected = np.array([[net.predict(np.array([[x, y]]))[0, 0] for x in xs] for y in ys])
    assert boundary.grid.shape == (14, 24)
    assert np.max(np.abs(boundary.grid - expected)) < 1e-12
    predicted = net.predict(session.data.x)[:, 0] > 0.5
    for point, row, label, guess in zip(boundary.points, session.data.x, session.data.y[:, 0], predicted, strict=True):
        assert xs[point.column] - (xs[1] - xs[0]) / 2 <= row[0] < xs[point.column] + (xs[1] - xs[0]) / 2
        assert (point.label, point.wrong) == (int(label > 0.5), bool(guess) != (label > 0.5))
    plot = view.hidden_plot(30, 10)
    assert plot is not None
    _, acts = net.forward(session.data.x)
    assert np.array_equal(plot.space.points, acts[1])
    assert plot.labels == tuple(int(v > 0.5) for v in session.data.y[:, 0])
    assert len(plot.cells) == session.data.size


def test_a_perceptron_has_no_hidden_plot() -> None:
    view = capture(build(Config(hidden=())).stepper)
    assert view.hidden_space is None and view.hidden_plot(30, 10) is None


def test_health_figures_the_pane_shows_come_with_the_record() -> None:
    """The log scale's decades hold every positive norm, and the unit counts are whole units."""
    session = build(Config(hidden=(4, 3), activation="relu", seed=2))
    session.stepper.run_epochs(30)
    health = capture(session.stepper).layer_health
    low, high = health.decades
    norms = [v for h in health.layers for v in (h.grad_w, h.grad_b) if math.isfinite(v) and v > 0]
    assert high > low and all(10.0**low <= v <= 10.0**high for v in norms)
    assert high - 1 < math.log10(max(norms)) and low + 1 > math.log10(min(norms))  # the tightest such decades
    for h in health.layers[:-1]:
        assert h.dead is not None and h.dead_units == h.dead * h.units and isinstance(h.dead_units, int)
        assert h.saturated_units is None  # a ReLU does not saturate
    assert health.layers[-1].dead_units is None


def test_curve_ranges_and_the_slope_peak_come_with_the_record() -> None:
    session = build(Config(hidden=(3,)))
    curves = capture(session.stepper).activation_curves(101)
    assert curves is not None
    s = 1 / (1 + np.exp(-curves.z))
    assert curves.slope_peak == np.max(s * (1 - s))  # σ′ = σ(1 − σ), sampled where the pane samples it
    for (low, high), values in (
        (curves.g_range, [curves.g, *(p.a for p in curves.layers)]),
        (curves.slope_range, [curves.slope, *(p.slope for p in curves.layers)]),
    ):
        every = np.concatenate([v.ravel() for v in values])
        assert low == min(every.min(), 0.0) and high == max(every.max(), 0.0)


@settings(max_examples=40, deadline=None)
@given(
    problem=st.sampled_from(["xor", "spiral", "circle", "and"]),
    columns=st.integers(1, 240),
    pixel_rows=st.integers(2, 120),
)
def test_every_sample_is_drawn_in_the_pixel_that_holds_it(problem: str, columns: int, pixel_rows: int) -> None:
    """Whatever the pane's size, each point sits in the pixel pixel_of gives it, in data order, with its class."""
    from tui_nn.engine.nn.insight import pixel_of

    view = _views(problem)
    boundary = view.boundary(columns, pixel_rows)
    expected = [
        (cell, int(label > 0.5), bool((guess > 0.5) != (label > 0.5)))
        for x, label, guess in zip(view.data.x, view.data.y[:, 0], view.predictions[:, 0], strict=True)
        if (cell := pixel_of(x, boundary.axes.extent, columns, pixel_rows)) is not None
    ]
    assert [((p.column, p.pixel_row), p.label, p.wrong) for p in boundary.points] == expected
    assert len(expected) == view.data.size  # the plane shown holds all of the data


@functools.cache
def _views(problem: str) -> View:
    session = build(defaults_for(problem))
    session.stepper.run_epochs(20)
    return capture(session.stepper)
