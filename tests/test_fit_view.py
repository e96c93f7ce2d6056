"""The 1-D fit (issue 24 item 2): the network's curve ŷ(x), each hidden unit's share vᵢ·hᵢ(x) beneath it,
the output bias and the data, all computed in the engine and only drawn by the pane."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_nn.engine.nn.datasets import Dataset
from tui_nn.engine.nn.insight import fit_plot, pixel_rows_of
from tui_nn.engine.nn.network import InitSpec, Network
from tui_nn.engine.walk.records import NumberFormat
from tui_nn.ui.panes.insight_views import cell_bits, curve_mask, fit_legend, fit_rows


def one_input_net(hidden: tuple[int, ...] = (6,), seed: int = 3) -> Network:
    net = Network([1, *hidden, 1], "tanh", loss="mse")
    net.initialise(InitSpec("normal", 1.0), seed)
    return net


def wave(points: int = 40) -> Dataset:
    x = np.linspace(-np.pi, np.pi, points)[:, None]
    return Dataset("wave", x, 0.5 + 0.4 * np.sin(x))


def test_the_curve_is_the_network_at_each_pixel_column_and_the_units_add_up_to_its_z() -> None:
    net, data = one_input_net(), wave()
    plot = fit_plot(net, net.params, data, None, 30, 10)
    assert len(plot.xs) == 60 and plot.xs[0] > data.x.min() - 1 and np.all(np.diff(plot.xs) > 0)
    one_by_one = np.array([net.predict(np.array([[x]]))[0, 0] for x in plot.xs])
    np.testing.assert_allclose(plot.curve, one_by_one, rtol=1e-12)
    h = np.tanh(plot.xs[:, None] @ net.weights(0) + net.biases(0))
    v = net.weights(1)[:, 0]
    np.testing.assert_allclose(plot.units, (h * v).T, rtol=1e-12, atol=1e-15)
    z = plot.units.sum(axis=0) + plot.bias
    assert plot.bias == net.biases(1)[0]
    # a sigmoid output: the units add up to z, and ŷ = σ(z) is not z
    np.testing.assert_allclose(plot.curve, 1 / (1 + np.exp(-z)), rtol=1e-12)
    assert not plot.output_is_z
    assert plot.unit_names == tuple(f"v{i}·h{i}" for i in range(1, 7))


def test_deeper_nets_show_the_last_hidden_layers_units() -> None:
    net = one_input_net((3, 5))
    plot = fit_plot(net, net.params, wave(), None, 20, 8)
    assert plot.units.shape == (5, 40)


def test_the_y_axis_spans_the_targets_and_the_curve_and_the_points_land_in_their_cells() -> None:
    net, data = one_input_net(), wave()
    plot = fit_plot(net, net.params, data, 7, 40, 12)
    extent = plot.axes.extent
    assert extent.y_min < min(data.y.min(), plot.curve.min()) and extent.y_max > max(data.y.max(), plot.curve.max())
    assert extent.x_min < data.x.min() and extent.x_max > data.x.max()
    assert plot.current == 7
    for (x, y), (column, row) in zip(plot.points, plot.point_cells, strict=True):
        assert extent.x_min + column * (extent.x_max - extent.x_min) / 40 <= x
        assert x <= extent.x_min + (column + 1) * (extent.x_max - extent.x_min) / 40
        assert (
            extent.y_max - (row + 1) * (extent.y_max - extent.y_min) / 12
            <= y
            <= extent.y_max - row * (extent.y_max - extent.y_min) / 12
        )


def test_huge_cancelling_units_do_not_squash_the_data_to_a_line() -> None:
    net = one_input_net((4,))
    params = net.params.copy()
    last = net.weights(1, params)
    last[:, 0] = [400.0, -400.0, 1.0, -1.0]  # two units that cancel, each far beyond the data
    net.params = params
    plot = fit_plot(net, params, wave(), None, 40, 12)
    span = wave().y.max() - wave().y.min()
    extent = plot.axes.extent
    assert extent.y_max - extent.y_min < 6 * span
    assert (plot.unit_pixels[:2] == -1).any() or (plot.unit_pixels[:2] == 12 * 4).any()  # cut at the edge


def test_pixel_rows_mark_what_is_off_the_plot_and_what_is_not_a_number() -> None:
    rows = pixel_rows_of(np.array([1.0, 0.0, -1.0, 5.0, -5.0, np.nan, np.inf, -np.inf]), -1.0, 1.0, 8)
    assert rows.tolist() == [0, 4, 8, -1, 8, -2, -1, 8]


def test_a_diverged_network_draws_without_an_error() -> None:
    net = one_input_net()
    params = net.params.copy()
    params[:] = np.nan
    plot = fit_plot(net, params, wave(), 0, 30, 8)
    assert (plot.curve_pixels == -2).all()
    rows = fit_rows(plot, 30, 8)
    assert len(rows) == 8 and all(sum(len(s.text) for s in row) == 30 for row in rows)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=-2, max_value=24), min_size=2, max_size=30))
def test_a_curve_is_drawn_joined_up_between_neighbouring_columns(rows: list[int]) -> None:
    pixels = np.array([rows])
    mask = curve_mask(pixels, 24)[0]
    for k, row in enumerate(rows):
        column = np.nonzero(mask[:, k])[0]
        if row == -2:
            assert len(column) == 0
            continue
        if 0 <= row < 24:
            assert mask[row, k]  # the curve's own pixel
        if len(column):
            assert column.max() - column.min() + 1 == len(column)  # one run, no holes
        if k + 1 < len(rows) and rows[k + 1] != -2 and 0 <= row < 24 and 0 <= rows[k + 1] < 24:
            here, there = np.nonzero(mask[:, k])[0], np.nonzero(mask[:, k + 1])[0]
            assert max(here.min(), there.min()) - min(here.max(), there.max()) <= 1  # touching columns


def test_braille_bits_put_each_pixel_in_its_dot() -> None:
    mask = np.zeros((1, 8, 4), dtype=bool)
    mask[0, 0, 0] = mask[0, 3, 1] = mask[0, 7, 3] = True  # cell (0, 0) top left and bottom right; cell (1, 1) bottom right
    bits = cell_bits(mask, 2, 4)[0]
    assert bits.tolist() == [[0x01 | 0x80, 0], [0, 0x80]]


def test_the_pane_rows_mark_the_current_sample_over_the_curve_and_the_legend_names_the_units() -> None:
    net, data = one_input_net(), wave()
    plot = fit_plot(net, net.params, data, 11, 50, 14)
    rows = fit_rows(plot, 50, 14)
    column, row = plot.point_cells[11]
    text = "".join(s.text for s in rows[row])
    assert text[column] == "◆"
    assert all(sum(len(s.text) for s in line) == 50 for line in rows)
    legend = "".join(s.text for s in fit_legend(plot, 120, False))
    assert (
        "v1·h1 … v6·h6" in legend and "sample 12" in legend and f"b = {float(f'{plot.bias:.3g}'):g}" in legend.replace("−", "-")
    )
    ascii_rows = fit_rows(fit_plot(net, net.params, data, 11, 50, 14, 1, 1), 50, 14, ascii_only=True)
    assert all(ord(ch) < 128 for line in ascii_rows for s in line for ch in s.text)
    assert all(ord(ch) < 128 for ch in "".join(s.text for s in fit_legend(plot, 120, True)))


@pytest.mark.parametrize("hidden", [(2,), (16,)])
def test_every_unit_curve_is_drawn_somewhere_when_it_lies_inside_the_plot(hidden: tuple[int, ...]) -> None:
    net = one_input_net(hidden, seed=1)
    plot = fit_plot(net, net.params, wave(), None, 60, 16)
    masks = curve_mask(plot.unit_pixels, 16 * 4)
    for unit, pixels in zip(masks, plot.unit_pixels, strict=True):
        inside = (pixels >= 0) & (pixels < 64)
        assert unit.any() == inside.any()


# --- regression's other views: the surface, the error table ----------------------------------------------


def saddle_like(k: int = 7) -> Dataset:
    grid = np.linspace(-1.0, 1.0, k)
    x = np.array([[a, b] for b in grid for a in grid])
    return Dataset("saddle-like", x, (x[:, 0] * x[:, 1])[:, None], task="regress")


def regression_net(inputs: int, hidden: int = 5, seed: int = 2) -> Network:
    net = Network([inputs, hidden, 1], "tanh", loss="mse", output_activation="linear")
    net.initialise(InitSpec("xavier"), seed)
    return net


def test_a_regression_net_draws_the_fit_with_the_units_adding_up_to_its_curve() -> None:
    net = regression_net(1, 6)
    data = Dataset("wave", wave().x, np.sin(wave().x), task="regress")
    plot = fit_plot(net, net.params, data, None, 40, 10)
    assert plot.output_is_z
    np.testing.assert_allclose(plot.units.sum(axis=0) + plot.bias, plot.curve, rtol=1e-12, atol=1e-12)
    assert "sum + b = ŷ" in "".join(s.text for s in fit_legend(plot, 120, False))


def test_the_surface_is_centred_on_the_targets_mean_and_its_points_carry_their_targets_level() -> None:
    from tui_nn.engine.nn.insight import boundary_grid

    data = saddle_like()
    net = regression_net(2)
    boundary = boundary_grid(net, net.params, data, net.predict(data.x), 30, 20)
    assert boundary.scale is not None and boundary.classes is None
    assert boundary.scale.centre == pytest.approx(data.y.mean(), abs=1e-15)
    assert boundary.scale.half_width == pytest.approx(np.abs(data.y - data.y.mean()).max())
    assert boundary.scale.ticks[0] < boundary.scale.ticks[1] < boundary.scale.ticks[2]
    levels = sorted(point.level for point in boundary.points if point.level is not None)
    assert len(levels) == data.size and levels[0] == pytest.approx(-1.0) and levels[-1] == pytest.approx(1.0)
    np.testing.assert_allclose(boundary.grid.ravel(), net.predict(grid_centres(boundary))[:, 0], rtol=1e-12)


def grid_centres(boundary) -> np.ndarray:
    from tui_nn.engine.nn.insight import grid_inputs

    rows, columns = boundary.grid.shape
    return grid_inputs(boundary.axes.extent, columns, rows)


def test_a_classifier_keeps_its_boundary_and_no_scale() -> None:
    from tui_nn.engine.nn.datasets import load
    from tui_nn.engine.nn.insight import boundary_grid

    data = load("xor")
    net = Network([2, 2, 1], "sigmoid", loss="bce")
    net.initialise(InitSpec("normal", 1.0), 0)
    boundary = boundary_grid(net, net.params, data, net.predict(data.x), 20, 10)
    assert boundary.scale is None and all(point.level is None for point in boundary.points)


def test_the_surface_is_drawn_in_shades_of_its_scale_with_the_numbers_in_its_legend() -> None:
    from tui_nn.engine.nn.insight import boundary_grid
    from tui_nn.ui.panes.insight_views import boundary_rows, surface_legend

    data = saddle_like()
    net = regression_net(2)
    boundary = boundary_grid(net, net.params, data, net.predict(data.x), 30, 20)
    rows = boundary_rows(boundary)
    assert len(rows) == 10 and all(sum(len(s.text) for s in row) == 30 for row in rows)
    assert sum(s.text.count("●") for row in rows for s in row) == len({(p.column, p.pixel_row // 2) for p in boundary.points})
    legend = "".join(s.text for s in surface_legend(boundary, 140, False))
    low, _, high = boundary.scale.ticks
    assert f"{high:.3g}" in legend and f"{abs(low):.3g}" in legend and "targets' mean" in legend
    for width in range(30, 141):  # narrower, the words are shortened whole, never cut mid-word ('its colour on th')
        narrow = "".join(s.text for s in surface_legend(boundary, width, False)).rstrip()
        assert len(narrow) <= width and f"{high:.3g}" in narrow
        assert narrow.endswith((f"{high:.3g}", "mean", "scale)", "same scale", "x₂ up")), (width, narrow)
    ascii_rows = boundary_rows(boundary, ascii_only=True)
    assert all(ord(ch) < 128 for row in ascii_rows for s in row for ch in s.text)


def test_the_error_table_holds_each_samples_error_and_the_tasks_score() -> None:
    from tui_nn.engine.nn.insight import error_table
    from tui_nn.engine.nn.tasks import TASKS

    data = saddle_like(5)
    net = regression_net(2)
    outputs = net.predict(data.x)
    table = error_table(data, outputs)
    np.testing.assert_array_equal(table.errors, outputs[:, 0] - data.y[:, 0])
    assert table.score == TASKS["regress"].score(outputs, data.y)
    assert table.score_text == TASKS["regress"].score_text(table.score)
    assert table.worst == int(np.argmax(np.abs(outputs[:, 0] - data.y[:, 0])))
    assert table.mean_abs_error == pytest.approx(np.mean(np.abs(outputs[:, 0] - data.y[:, 0])))


def test_the_regression_truth_table_lists_x_target_prediction_and_error() -> None:
    from tui_nn.engine.nn.insight import error_table
    from tui_nn.ui.panes.renderables import error_summary, error_table_text

    x = np.array([[-1.0], [0.0], [0.5], [2.0]])
    data = Dataset("four", x, np.array([[1.0], [0.0], [0.25], [4.0]]), task="regress")
    net = regression_net(1, 3)
    table = error_table(data, net.predict(x))
    lines = error_table_text(data, table, current=2, focus=None).plain.splitlines()
    assert lines[0].split() == ["#", "x", "y", "ŷ", "ŷ−y"]
    for i, line in enumerate(lines[1:]):
        cells = line.replace("−", "-").split()
        assert float(cells[1]) == x[i, 0] and float(cells[2]) == data.y[i, 0]
        assert float(cells[3]) == pytest.approx(table.outputs[i], abs=5e-4)
        assert float(cells[4]) == pytest.approx(table.errors[i], abs=5e-4)
    summary = error_summary(data, table, current=1).plain
    assert table.score_text in summary and f"at sample {table.worst + 1}" in summary and "sample 2: x = 0, y = 0, ŷ = " in summary
    lines = summary.splitlines()  # the walked sample before the largest error (a short pane keeps the first lines)
    walked = next(k for k, line in enumerate(lines) if line.startswith("sample 2:"))
    assert lines[walked + 1] == f"ŷ − y = {NumberFormat(3)(float(table.errors[1]))}"
    assert walked < next(k for k, line in enumerate(lines) if line.startswith("largest"))


def test_the_diagram_names_each_last_hidden_unit_in_its_fit_curves_colour() -> None:
    from tui_nn.engine.session.build import build
    from tui_nn.engine.session.config import Config
    from tui_nn.engine.session.view import capture
    from tui_nn.ui.panes.insight_views import unit_colour
    from tui_nn.ui.panes.widgets import NetworkPane

    session = build(Config(hidden=(3,), activation="tanh", loss="mse"), data=wave())
    view = capture(session.stepper)
    colours = NetworkPane(False).diagram_state(view).unit_colours
    assert sorted(colours) == [(1, 0), (1, 1), (1, 2)]
    assert [colours[(1, i)].color.get_truecolor() for i in range(3)] == [unit_colour(i) for i in range(3)]
    assert NetworkPane(True).diagram_state(view).unit_colours == {}  # (no colour in ASCII)
    two_inputs = capture(build(Config()).stepper)
    assert NetworkPane(False).diagram_state(two_inputs).unit_colours == {}


def test_a_regression_runs_log_and_handout_read_r2_and_errors_where_a_classification_reads_accuracy() -> None:
    from tui_nn.engine.session import actions as act
    from tui_nn.engine.session.build import build
    from tui_nn.engine.session.config import Config, defaults_for
    from tui_nn.engine.session.controller import Controller
    from tui_nn.engine.session.export import _run_lines
    from tui_nn.engine.walk.records import NumberFormat

    controller = Controller(build(defaults_for("sine")))
    controller.apply(act.Train(200))
    entry = [e for e in controller.logbook.entries if e.run is not None][-1]
    lines = _run_lines(entry, NumberFormat(4))
    assert any("R² " in line for line in lines) and not any("accuracy" in line for line in lines)
    last_r2 = float(entry.run.rows[-1][2])
    assert any(line.endswith(controller.session.data.task_kind.score_text(last_r2)) for line in lines)
    small = Dataset("four", np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([[0.0], [1.0], [4.0], [9.0]]), task="regress")
    four = Controller(build(Config(hidden=(3,), activation="tanh", loss="mse", lr=0.01), data=small))
    four.apply(act.Train(5))
    run = [e for e in four.logbook.entries if e.run is not None][-1].run
    table = run.prediction_table(NumberFormat(4))
    assert table is not None and table[0] == ("input", "target", "prediction", "error")
    predictions = four.session.net.predict(small.x)[:, 0]
    fmt = NumberFormat(4)
    for (_, target, shown, error), p, y in zip(table[1], predictions, small.y[:, 0], strict=True):
        assert (target, shown, error) == (fmt(float(y)), fmt(float(p)), fmt(float(p - y)))
    xor = Controller(build(Config()))
    xor.apply(act.Train(50))
    xor_lines = _run_lines([e for e in xor.logbook.entries if e.run is not None][-1], NumberFormat(4))
    assert any("accuracy" in line for line in xor_lines) and not any("R²" in line for line in xor_lines)


def test_a_regressions_hidden_space_has_no_class_line_and_says_the_output_is_a_plane() -> None:
    from tui_nn.engine.session.build import build
    from tui_nn.engine.session.config import defaults_for
    from tui_nn.engine.session.view import capture
    from tui_nn.ui.panes.widgets import HiddenPane

    view = capture(build(defaults_for("sine")).stepper)
    plot = view.hidden_plot(40, 12)
    assert plot is not None and plot.line is None and plot.sides is None and set(plot.labels) == {0}
    assert view.hidden_space is not None and view.hidden_space.line is not None  # (the space itself keeps its numbers)
    captions = " ".join(HiddenPane(False)._captions(view, view.hidden_space))
    assert "a plane over this space" in captions and "ŷ = 0.5" not in captions
