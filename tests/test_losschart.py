"""The loss chart: axes, true-width points, markers, cursor readout, bad values, ASCII, the mouse."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import Static

from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.ui.panes.losschart import (
    ASCII_BLOCKS,
    BLOCKS,
    DEFAULT_STYLES,
    ChartDrawing,
    LossChart,
    LossChartRenderable,
    draw_loss_chart,
    readout_text,
)
from tui_nn.ui.panes.renderables import loss_title
from tui_nn.ui.panes.widgets import LossPane
from tui_nn.ui.shell.app import TuiNN

BAR_CHARS = set("▁▂▃▄▅▆▇█")


def texts(drawing: ChartDrawing) -> list[str]:
    return ["".join(segment.text for segment in row) for row in drawing.rows]


def cells(drawing: ChartDrawing) -> list[list[tuple[str, Style | None]]]:
    """Every cell as (character, style)."""
    return [[(char, segment.style) for segment in row for char in segment.text] for row in drawing.rows]


def gutter_width(lines: list[str]) -> int:
    """Columns left of the plot: the labels and the axis line (│ or ┤; ASCII | or +)."""
    return min(max(line.rfind(axis, 0, 12) for axis in "│┤|+") for line in lines[:-1]) + 1


def plot_columns_with_bars(lines: list[str]) -> list[int]:
    gutter = gutter_width(lines)
    return sorted({x for line in lines[:-1] for x, char in enumerate(line[gutter:]) if char in BAR_CHARS})


def decaying_run(n: int) -> tuple[np.ndarray, np.ndarray]:
    epochs = np.arange(n, dtype=float)
    return epochs, 0.7 * np.exp(-epochs / 1200.0) + 1e-4


def assert_label_on_its_row(label_value: float, row: int, losses: np.ndarray, plot_rows: int) -> None:
    """A label sits on the row its value falls in (within a row): heights measured on log₁₀(loss)."""
    low, high = np.log10(losses.min()), np.log10(losses.max())
    fraction = (math.log10(label_value) - low) / (high - low)
    row_centre = (plot_rows - 1 - row + 0.5) / plot_rows
    assert abs(fraction - row_centre) <= 1 / plot_rows


# --- the axes ---------------------------------------------------------------------------------


def test_ten_thousand_points_decade_labels_and_epoch_range() -> None:
    epochs, losses = decaying_run(10_000)
    width, height = 40, 10
    drawing = draw_loss_chart(epochs, losses, width, height)
    lines = texts(drawing)
    assert len(lines) == height and all(len(line) == width for line in lines)
    expected = [f"1e{k}" for k in range(math.floor(np.log10(losses.max())), math.ceil(np.log10(losses.min())) - 1, -1)]
    assert expected == ["1e-1", "1e-2", "1e-3"]  # the run spans 0.7 … 1.9e-4
    assert [label for label in drawing.y_labels if label.startswith("1e")] == expected
    for label in drawing.y_labels:
        (row,) = [r for r, line in enumerate(lines) if line.lstrip().startswith(label + "┤")]
        assert_label_on_its_row(float(label), row, losses, height - 1)
    bottom = lines[-1][gutter_width(lines) :]
    assert bottom.startswith("0 ") and bottom.endswith(f"{9_999:,}")
    middle = round(9_999 / 2, -3)
    assert f" {int(middle):,} " in bottom
    # the middle tick sits under the column of its epoch (centred, so within half its label)
    plot_width = width - gutter_width(lines)
    column = middle / 9_999 * (plot_width - 1)
    assert abs(bottom.index(f"{int(middle):,}") + len(f"{int(middle):,}") / 2 - 0.5 - column) <= 1.5


def test_a_tall_chart_labels_1_2_5_between_decades_with_room_between() -> None:
    epochs, losses = decaying_run(10_000)
    width, height = 60, 20
    drawing = draw_loss_chart(epochs, losses, width, height)
    lines = texts(drawing)
    labelled = [(r, line.split("┤")[0].strip()) for r, line in enumerate(lines[:-1]) if "┤" in line]
    assert [label for _, label in labelled] == list(drawing.y_labels)
    values = [float(label) for _, label in labelled]
    assert values == sorted(values, reverse=True)
    decades = {f"1e{k}" for k in range(math.ceil(np.log10(losses.min())), math.floor(np.log10(losses.max())) + 1)}
    assert decades <= set(drawing.y_labels) and len(drawing.y_labels) > len(decades)
    for (row, label), value in zip(labelled, values, strict=True):
        mantissa = label.split("e")[0]
        assert mantissa in {"1", "2", "5"} and losses.min() <= value <= losses.max()
        assert_label_on_its_row(value, row, losses, height - 1)
        if mantissa != "1":
            assert all(abs(row - other) >= 2 for other, _ in labelled if other != row)


def test_one_point_is_labelled_with_its_loss() -> None:
    drawing = draw_loss_chart(np.array([0.0]), np.array([0.70933758]), 30, 8)
    lines = texts(drawing)
    (label,) = drawing.y_labels
    assert float(label) == pytest.approx(0.70933758, rel=5e-4)
    assert sum(label + "┤" in line for line in lines) == 1
    assert plot_columns_with_bars(lines) == [0]
    assert lines[-1][gutter_width(lines) :].strip() == "0"


def test_two_points_are_two_narrow_columns_at_their_epochs_with_min_max_labels() -> None:
    losses = np.array([0.70933758, 0.70039991])  # the default XOR after one epoch
    width, height = 30, 8
    drawing = draw_loss_chart(np.array([0.0, 1.0]), losses, width, height)
    lines = texts(drawing)
    top, bottom = drawing.y_labels
    assert float(top) == pytest.approx(losses.max(), rel=5e-3) and float(bottom) == pytest.approx(losses.min(), rel=5e-3)
    assert lines[0].startswith(top + "┤") and lines[height - 2].lstrip().startswith(bottom + "┤")
    plot_width = width - gutter_width(lines)
    assert plot_columns_with_bars(lines) == [0, plot_width - 1]  # not two half-pane blocks
    bar_cells = sum(char in BAR_CHARS for line in lines[:-1] for char in line)
    assert bar_cells <= (height - 1) + 1  # the larger loss fills its column, the smaller one a sliver
    axis = lines[-1][gutter_width(lines) :]
    assert axis.startswith("0 ") and axis.endswith(" 1")


def test_console_path_draws_the_same_text() -> None:
    epochs, losses = decaying_run(500)
    console = Console(width=52, height=14, color_system=None, file=io.StringIO())
    lines = console.render_lines(LossChartRenderable(epochs, losses), console.options.update_dimensions(52, 14))
    assert ["".join(s.text for s in line) for line in lines] == texts(draw_loss_chart(epochs, losses, 52, 14))


# --- the cursor -------------------------------------------------------------------------------


def test_cursor_readout_in_a_dense_run() -> None:
    epochs, losses = decaying_run(10_000)
    width, height = 40, 10
    lines = texts(draw_loss_chart(epochs, losses, width, height))
    gutter = gutter_width(lines)
    plot_width = width - gutter
    for column in (gutter, gutter + 7, width - 1):
        drawing = draw_loss_chart(epochs, losses, width, height, cursor=column)
        assert drawing.cursor == column
        assert drawing.readout is not None
        epoch, loss = drawing.readout
        column_epoch = (column - gutter) / (plot_width - 1) * 9_999
        assert abs(epoch - column_epoch) <= 9_999 / (plot_width - 1) / 2
        assert loss == losses[int(epoch)]  # a point handed in, not an interpolation
        highlighted = {x for row in cells(drawing)[:-1] for x, (_, style) in enumerate(row) if style and style.bgcolor}
        assert highlighted == {column}


def test_cursor_moves_to_the_nearest_point_when_points_are_sparse() -> None:
    epochs = np.array([0.0, 3.0, 4.0, 10.0, 20.0])
    losses = np.array([0.9, 0.5, 0.45, 0.2, 0.05])
    width, height = 40, 8
    gutter = gutter_width(texts(draw_loss_chart(epochs, losses, width, height)))
    positions = epochs / 20.0 * (width - gutter - 1)
    for column in range(width):
        drawing = draw_loss_chart(epochs, losses, width, height, cursor=column)
        nearest = int(np.argmin(np.abs(positions - max(column - gutter, 0))))
        assert drawing.readout == (epochs[nearest], losses[nearest])
    assert readout_text((1234.0, 0.0123)) == "epoch 1,234 · loss 0.0123"
    assert readout_text((1234.5, 1.5e-5), ascii_only=True) == "epoch 1,234.5  loss 1.500e-05"


def test_no_cursor_no_readout() -> None:
    epochs, losses = decaying_run(100)
    assert draw_loss_chart(epochs, losses, 40, 10).readout is None
    assert draw_loss_chart(np.zeros(0), np.zeros(0), 40, 10, cursor=10).readout is None


# --- markers, bad values, ASCII ----------------------------------------------------------------


def test_markers_are_ticks_at_their_epochs_with_labels() -> None:
    epochs, losses = decaying_run(10_000)
    width, height = 60, 20
    drawing = draw_loss_chart(epochs, losses, width, height, markers=[(2_500, "η×2"), (7_500, "rebuild"), (20_000, "later")])
    lines = texts(drawing)
    gutter = gutter_width(lines)
    grid = cells(drawing)
    for epoch, label in ((2_500, "η×2"), (7_500, "rebuild")):
        column = gutter + round(epoch / 9_999 * (width - gutter - 1))
        column_cells = [grid[r][column] for r in range(height - 1)]
        assert all(style == DEFAULT_STYLES.marker for _, style in column_cells[1:])
        assert any(char == "│" for char, _ in column_cells)
        assert lines[0][column + 1 : column + 1 + len(label)] == label
    assert "later" not in lines[0]  # after the last point: not drawn


@pytest.mark.parametrize("ascii_only", [False, True])
def test_diverged_run_shows_bad_points_and_does_not_crash(ascii_only: bool) -> None:
    losses = np.array([0.7, 0.9, 3.0, 40.0, np.inf, np.nan, np.inf])
    epochs = np.arange(len(losses), dtype=float)
    width, height = 30, 8
    drawing = draw_loss_chart(epochs, losses, width, height, ascii_only=ascii_only, cursor=width - 1)
    lines = texts(drawing)
    assert len(lines) == height and all(len(line) == width for line in lines)
    gutter = gutter_width(lines)
    mark = "!" if ascii_only else "×"
    bad_columns = [gutter + round(e / 6 * (width - gutter - 1)) for e in (4, 5, 6)]
    assert [lines[0][c] for c in bad_columns] == [mark] * 3
    assert drawing.readout is not None and math.isinf(drawing.readout[1])
    assert list(drawing.y_labels) == ["1e1", "1e0"]  # decades of the finite points 0.7 … 40

    nothing_finite = draw_loss_chart(np.arange(3.0), np.array([np.nan, np.inf, -np.inf]), 30, 8, ascii_only=ascii_only)
    assert nothing_finite.y_labels == () and len(texts(nothing_finite)) == 8


def test_ascii_mode_has_only_ascii_characters() -> None:
    epochs, losses = decaying_run(3_000)
    losses[-1] = np.inf
    drawn = {}
    for width, height in ((30, 8), (60, 20), (12, 2)):
        drawing = draw_loss_chart(epochs, losses, width, height, markers=[(1_000, "η×2 ÷ α")], cursor=width // 2, ascii_only=True)
        drawn[width] = "\n".join(texts(drawing))
        assert drawn[width].isascii(), drawn[width]
    assert "#" in drawn[60] and "|" in drawn[60] and "lrx2 / a" in drawn[60]


@settings(max_examples=60, deadline=None)
@given(
    width=st.integers(0, 90),
    height=st.integers(0, 30),
    losses=st.lists(
        st.one_of(st.floats(1e-9, 1e3), st.sampled_from([0.0, math.inf, math.nan, -math.inf, 1e-300, 1e300])), max_size=600
    ),
    cursor=st.one_of(st.none(), st.integers(-5, 100)),
    marker_epoch=st.floats(-10, 700),
    ascii_only=st.booleans(),
)
def test_any_input_fills_exactly_the_size(width, height, losses, cursor, marker_epoch, ascii_only) -> None:
    values = np.array(losses, dtype=float)
    epochs = np.arange(len(values), dtype=float) * 3
    drawing = draw_loss_chart(epochs, values, width, height, [(marker_epoch, "η×2")], cursor, ascii_only)
    lines = texts(drawing)
    if width == 0 or height == 0:
        assert lines == []
        return
    assert len(lines) == height and all(len(line) == width for line in lines)
    if drawing.readout is not None:
        epoch, loss = drawing.readout
        index = int(epoch) // 3
        assert epochs[index] == epoch and (loss == values[index] or (math.isnan(loss) and math.isnan(values[index])))


# --- the widget ---------------------------------------------------------------------------------


class ChartApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("elsewhere", id="elsewhere")
        yield LossChart(id="chart")


async def test_mouse_sets_and_clears_the_readout() -> None:
    epochs, losses = decaying_run(2_000)
    app = ChartApp()
    async with app.run_test(size=(50, 12)) as pilot:
        chart = app.query_one(LossChart)
        chart.set_data(epochs, losses)
        await pilot.pause()
        width, height = chart.content_size.width, chart.content_size.height
        assert chart.readout is None

        await pilot.hover(chart, offset=(30, 3))
        await pilot.pause()
        expected = draw_loss_chart(epochs, losses, width, height, cursor=30).readout
        assert expected is not None and chart.readout == expected

        await pilot.hover("#elsewhere")
        await pilot.pause()
        assert chart.readout is None

        await pilot.click(chart, offset=(12, 5))
        await pilot.pause()
        assert chart.readout == draw_loss_chart(epochs, losses, width, height, cursor=12).readout


async def test_keys_move_the_cursor_point_by_point_and_the_drawing_is_cached() -> None:
    epochs = np.array([0.0, 5.0, 10.0, 20.0])
    losses = np.array([0.8, 0.4, 0.1, 0.05])
    app = ChartApp()
    async with app.run_test(size=(50, 12)) as pilot:
        chart = app.query_one(LossChart)
        chart.set_data(epochs, losses)
        await pilot.pause()
        chart.move_cursor(-1)
        assert chart.readout == (20.0, 0.05)  # starts at the newest point
        chart.move_cursor(-1)
        assert chart.readout == (10.0, 0.1)
        chart.move_cursor(-5)
        assert chart.readout == (0.0, 0.8)
        chart.move_cursor(+1)
        assert chart.readout == (5.0, 0.4)
        first = chart.drawing()
        chart.set_data(epochs.copy(), losses.copy())  # the same points: nothing to redraw
        assert chart.drawing() is first
        chart.set_data(epochs, losses * 0.5)
        assert chart.drawing() is not first and chart.readout == (5.0, 0.2)
        chart.clear_cursor()
        assert chart.readout is None


async def test_the_loss_pane_shows_the_readout_under_the_mouse() -> None:
    session = build(Config())
    session.stepper.trainer.run(300)
    app = TuiNN(session)
    async with app.run_test(size=(120, 40)) as pilot:
        chart = app.query_one(LossChart)
        await pilot.hover(chart, offset=(chart.content_size.width - 1, 2))
        await pilot.pause()
        readout = chart.readout
        assert readout is not None
        history = session.stepper.history
        assert readout[1] == history.downsampled("loss", 512)[-1] and readout[0] == history.downsampled("epoch", 512)[-1]
        assert app.query_one(LossPane).border_subtitle == readout_text(readout)


def test_the_evaluation_series_is_dotted_and_its_readout_is_its_own_value() -> None:
    epochs = np.arange(40.0)
    losses = np.geomspace(1.0, 0.01, 40)
    evaluation = losses * 0.5  # below the bars, apart from the validation dashes above them
    validation = losses * 2.0
    drawing = draw_loss_chart(epochs, losses, 60, 14, cursor=30, validation=validation, evaluation=evaluation)
    drawn = "".join(segment.text for row in drawing.rows for segment in row)
    assert any(dot in drawn for dot in "⡀⠄⠂⠁") and any(dash in drawn for dash in "⣀⠤⠒⠉")
    assert drawing.readout is not None
    nearest = int(np.flatnonzero(epochs == drawing.readout[0])[0])
    assert drawing.evaluation_readout == evaluation[nearest] and drawing.validation_readout == validation[nearest]
    assert (
        readout_text(drawing.readout, evaluation=drawing.evaluation_readout, validation=drawing.validation_readout).count("val")
        == 2
    )  # "eval" and "val": both named


def test_an_evaluation_and_a_validation_mark_in_one_cell_are_both_drawn() -> None:
    """A one-row chart puts every pair in one cell: one braille glyph holds the evaluation's dot (left column)
    and the validation's (right column), each at its own height."""
    epochs = np.arange(3.0)
    losses = np.array([1.0, 1.0, 1.0])
    low, high = np.array([0.1, 0.1, 0.1]), np.array([10.0, 10.0, 10.0])  # the axis spans 0.1 … 10: bottom and top
    drawing = draw_loss_chart(epochs, losses, 3, 1, validation=high, evaluation=low)
    glyphs = "".join(segment.text for segment in drawing.rows[0])
    assert glyphs[1] == chr(0x2800 + 0x40 + 0x08)  # ⡈: the left column's bottom dot, the right column's top dot
    assert glyphs[0] in BLOCKS and glyphs[2] in BLOCKS  # (one row: the columns around it keep their bars)


@pytest.mark.parametrize("ascii_only", [False, True])
def test_a_one_row_chart_keeps_bars_beside_the_marks(ascii_only: bool) -> None:
    """The compact layout's chart is one row: the marks would take every bar's cell, so every other column with
    points shows its bar and the rest their marks; training, evaluation and validation all stay on screen."""
    epochs = np.arange(40.0)
    losses = np.geomspace(1.0, 0.1, 40)
    drawing = draw_loss_chart(epochs, losses, 20, 1, validation=losses * 0.9, evaluation=losses * 0.8, ascii_only=ascii_only)
    cells = "".join(segment.text for segment in drawing.rows[0])
    bars = set(ASCII_BLOCKS[1:] if ascii_only else BLOCKS[1:])
    assert any(c in bars for c in cells), cells
    assert any(c in ("o*" if ascii_only else "".join(chr(0x2800 + k) for k in range(1, 256))) for c in cells), cells
    alone = draw_loss_chart(epochs, losses, 20, 1, ascii_only=ascii_only)
    assert all(c in bars for c in "".join(segment.text for segment in alone.rows[0])), "without marks every bar shows"


def test_the_loss_title_takes_the_longest_wording_that_fits_and_keeps_the_losss_name() -> None:
    full = loss_title(True, False, True, "½·MSE")
    assert isinstance(full, Text) and full.plain == "½·MSE (log) ▇ training ⠂ evaluation ⠤ validation"
    tightest = "½·MSE ▇train ⠂eval ⠤val"
    for width in range(10, 60):
        title = loss_title(True, False, True, "½·MSE", width)
        text = title.plain if isinstance(title, Text) else title
        assert text.startswith("½·MSE") and ("eval" in text) and ("val" in text.replace("eval", ""))
        assert cell_len(text) <= width or text == tightest
        if width >= cell_len(full.plain):
            assert text == full.plain
    assert loss_title(False, False, measure="½·MSE", width=12) == "½·MSE (log)"
    assert loss_title(False, True, measure="½·MSE") == "1/2*MSE (log scale)"  # --ascii: the half in ASCII
