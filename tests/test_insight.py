"""What the network learned: grid evaluation, hidden space, and their renderables as text."""

from __future__ import annotations

import numpy as np
import pytest

from tui_nn.engine.nn.datasets import load
from tui_nn.engine.nn.insight import data_extent, grid_inputs, hidden_space, output_grid, pixel_of
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config, defaults_for
from tui_nn.engine.session.view import capture
from tui_nn.ui.panes.insight_views import boundary_legend, boundary_rows, contour_mask, hidden_rows


@pytest.fixture
def trained_xor():
    session = build(Config())
    session.stepper.trainer.run(3000)
    return session


def test_grid_equals_the_per_point_forward_pass(trained_xor) -> None:
    net, data = trained_xor.net, trained_xor.data
    extent = data_extent(data)
    grid = output_grid(net, net.params, extent, 17, 9)
    points = grid_inputs(extent, 17, 9)
    one_by_one = np.array([net.predict(p[None, :])[0, 0] for p in points]).reshape(9, 17)
    assert np.max(np.abs(grid - one_by_one)) < 1e-15


def test_extents() -> None:
    gates = data_extent(load("xor"))
    assert (gates.x_min, gates.x_max, gates.y_min, gates.y_max) == (-0.5, 1.5, -0.5, 1.5)
    spiral = load("spiral")
    extent = data_extent(spiral)
    assert extent.x_min < spiral.x[:, 0].min() and extent.x_max > spiral.x[:, 0].max()
    assert pixel_of(np.array([-0.5, 1.5 - 1e-9]), gates, 40, 20) == (0, 0)
    assert pixel_of(np.array([1.49, -0.49]), gates, 40, 20) == (39, 19)
    assert pixel_of(np.array([2.0, 0.0]), gates, 40, 20) is None


def test_two_unit_hidden_space_is_the_activations_and_the_output_line(trained_xor) -> None:
    net, data = trained_xor.net, trained_xor.data
    space = hidden_space(net, net.params, data.x)
    _, acts = net.forward(data.x)
    assert not space.projected and np.array_equal(space.points, acts[1])
    a, b, c = space.line
    assert (a, b, c) == (net.weights(1)[0, 0], net.weights(1)[1, 0], net.biases(1)[0])
    # the trained XOR is separable there: each sample is on the side of its class
    sides = a * space.points[:, 0] + b * space.points[:, 1] + c > 0
    assert np.array_equal(sides, data.y[:, 0] > 0.5)


def test_projection_is_deterministic_and_keeps_the_boundary() -> None:
    session = build(Config(hidden=(5,)))
    session.stepper.trainer.run(2000)
    net, data = session.net, session.data
    first, second = hidden_space(net, net.params, data.x), hidden_space(net, net.params, data.x)
    assert first.projected and np.array_equal(first.points, second.points)
    # the projected line is where the output hyperplane meets the plane of the two directions
    h = first.activations
    v, b = net.weights(1)[:, 0], net.biases(1)[0]
    centred = h - h.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    assert np.allclose(np.abs(first.points), np.abs(centred @ vt[:2].T), atol=1e-12)
    a, c2, c = first.line
    on_plane = h.mean(axis=0) + first.points @ np.vstack(
        [vt[0] * np.sign(vt[0][np.argmax(np.abs(vt[0]))]), vt[1] * np.sign(vt[1][np.argmax(np.abs(vt[1]))])]
    )
    assert np.allclose(a * first.points[:, 0] + c2 * first.points[:, 1] + c, on_plane @ v + b, atol=1e-9)


def test_boundary_renders_to_text_with_points_and_contour(trained_xor) -> None:
    view = capture(trained_xor.stepper)
    boundary = view.boundary(40, 24)
    rows = boundary_rows(boundary, ascii_only=True)
    text = ["".join(s.text for s in row) for row in rows]
    assert len(text) == 12 and all(len(line) == 40 for line in text)
    assert len(boundary.points) == 4 and not any(p.wrong for p in boundary.points)
    for point, label in zip(boundary.points, trained_xor.data.y[:, 0], strict=True):  # each sample drawn, right
        assert text[point.pixel_row // 2][point.column] == ("x" if label > 0.5 else "o")
    assert "*" in "".join(text)
    assert contour_mask(boundary.grid).any()
    legend = "".join(s.text for s in boundary_legend(80, True))
    assert "x1 across, x2 up" in legend and len(legend) == 80 and legend.isascii()


def test_the_boundary_legend_shortens_its_words_whole_to_fit() -> None:
    """At 200×60 the boundary's 38-column pane cut the legend at '● righ'."""
    for ascii_only in (False, True):
        for width in range(20, 90):
            legend = "".join(s.text for s in boundary_legend(width, ascii_only)).rstrip()
            assert len(legend) <= width
            assert legend.endswith(("wrong", "wrong)", "up", " 1")), (width, legend)


def test_wrong_points_stand_out() -> None:
    session = build(Config(hidden=(2,), seed=3))
    view = capture(session.stepper)
    boundary = view.boundary(40, 24)
    wrong = [p for p in boundary.points if p.wrong]
    assert wrong  # an untrained net gets a sample wrong
    text = ["".join(s.text for s in row) for row in boundary_rows(boundary, True)]
    for point in wrong:
        assert text[point.pixel_row // 2][point.column] == ("X" if point.label else "O")  # upper case


def test_hidden_space_renders_numbered_points(trained_xor) -> None:
    plot = capture(trained_xor.stepper).hidden_plot(40, 12)
    assert plot is not None
    rows = hidden_rows(plot, 40, 12, ascii_only=True)
    text = "\n".join("".join(s.text for s in row) for row in rows)
    for label in ("1", "2", "3", "4"):
        assert label in text
    assert "-" in text or "/" in text or "\\" in text  # the decision line


def test_spiral_grid_is_vectorised_and_sized() -> None:
    session = build(defaults_for("spiral"))
    extent = data_extent(session.data)
    grid = output_grid(session.net, session.net.params, extent, 200, 120)
    assert grid.shape == (120, 200) and np.isfinite(grid).all()


@pytest.mark.parametrize(("columns", "pixel_rows"), [(114, 28), (40, 40), (30, 90), (198, 52)])
def test_square_extent_keeps_one_scale_on_both_axes(columns: int, pixel_rows: int) -> None:
    from tui_nn.engine.nn.insight import square_extent

    for problem in ("xor", "spiral", "circle"):
        base = data_extent(load(problem))
        shown = square_extent(base, columns, pixel_rows)
        across = (shown.x_max - shown.x_min) / columns
        up = (shown.y_max - shown.y_min) / pixel_rows
        assert across == pytest.approx(up, rel=1e-12)
        assert shown.x_min <= base.x_min and shown.x_max >= base.x_max  # all of the data still shows
        assert shown.y_min <= base.y_min and shown.y_max >= base.y_max
        centre = ((shown.x_min + shown.x_max) / 2, (shown.y_min + shown.y_max) / 2)
        assert centre == pytest.approx(((base.x_min + base.x_max) / 2, (base.y_min + base.y_max) / 2))


def test_ticks_are_round_and_inside() -> None:
    from tui_nn.engine.nn.insight import ticks

    assert ticks(-0.5, 1.5, 5) == [-0.5, 0.0, 0.5, 1.0, 1.5]
    values = ticks(-5.68, 5.69, 12)
    assert values == [float(v) for v in range(-5, 6)]
    assert ticks(0.0, 1e-3, 3) == [0.0, 0.0005, 0.001]
    assert ticks(1.0, 1.0, 3) == []
