"""The panes for K classes (issue 23 item 5): the boundary in K class colours with a legend, ASCII
glyphs per class, the truth table's probability vector and argmax, the hidden space by class, the
diagram's K outputs; and the records behind them against a plain forward pass written here.

The networks are multi-output sigmoid nets on one-hot targets (tests/k_classes.py): the views key on
the data set's class count and the network's output count, not on an activation.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.segment import Segment

from tests.k_classes import few_points, session, spiral
from tui_nn.engine.nn.datasets import Dataset
from tui_nn.engine.session.build import Session, build
from tui_nn.engine.session.config import Config
from tui_nn.engine.session.view import capture
from tui_nn.ui import theme
from tui_nn.ui.panes.insight_views import ASCII_CLASS_POINTS, ASCII_CLASS_REGIONS
from tui_nn.ui.panes.widgets import BoundaryPane, HiddenPane, NetworkPane, TablePane
from tui_nn.ui.shell.app import TuiNN

SIZE = (120, 40)


def plain_forward(s: Session, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The last hidden layer's activations and the output logits, the tutorials' way: Z = A @ W + b, ReLU."""
    net, a = s.net, x
    for l in range(net.n_layers - 1):
        a = np.maximum(a @ net.weights(l) + net.biases(l), 0.0)  # the spiral settings' hidden ReLU
    return a, a @ net.weights(net.n_layers - 1) + net.biases(net.n_layers - 1)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(1 / (1 + np.exp(-z)))


def pixel_centres(extent: object, columns: int, rows: int) -> np.ndarray:
    xs = extent.x_min + (np.arange(columns) + 0.5) * (extent.x_max - extent.x_min) / columns  # type: ignore[attr-defined]
    ys = extent.y_max - (np.arange(rows) + 0.5) * (extent.y_max - extent.y_min) / rows  # type: ignore[attr-defined]
    return np.array([[x, y] for y in ys for x in xs])


@pytest.fixture(scope="module")
def trained() -> Session:
    return session(spiral(), epochs=300)


# --- the records ------------------------------------------------------------------------------


def test_the_class_map_is_the_argmax_of_a_plain_forward_pass(trained: Session) -> None:
    view = capture(trained.stepper)
    boundary = view.boundary(30, 18)
    assert boundary.classes is not None and boundary.class_count == 3
    _, logits = plain_forward(trained, pixel_centres(boundary.axes.extent, 30, 18))
    expected = logits.argmax(axis=1).reshape(18, 30)
    assert np.array_equal(boundary.classes, expected)
    top = sigmoid(logits).max(axis=1).reshape(18, 30)
    assert np.allclose(boundary.grid, top, rtol=1e-12, atol=1e-15)  # the engine's σ is ½(1 + tanh(z/2))
    assert len(set(expected.ravel().tolist())) == 3  # all three classes are on the map


def test_each_point_carries_its_class_and_whether_the_argmax_misses_it(trained: Session) -> None:
    data = trained.data
    boundary = capture(trained.stepper).boundary(40, 24)
    _, logits = plain_forward(trained, data.x)
    target, guess = data.y.argmax(axis=1), logits.argmax(axis=1)
    assert len(boundary.points) == data.size  # the extent holds every sample
    assert [p.label for p in boundary.points] == target.tolist()
    assert [p.wrong for p in boundary.points] == (target != guess).tolist()


def test_the_class_table_is_the_argmax_against_the_target(trained: Session) -> None:
    table = capture(trained.stepper).classes
    _, logits = plain_forward(trained, trained.data.x)
    assert table.class_count == 3
    assert np.allclose(table.outputs, sigmoid(logits), rtol=1e-12, atol=1e-15)
    assert np.array_equal(table.predicted, logits.argmax(axis=1))
    assert np.array_equal(table.target, trained.data.y.argmax(axis=1))
    assert np.array_equal(table.right, table.predicted == table.target)
    for label in range(3):
        members = table.target == label
        assert table.counts(label) == (int(np.sum(table.right[members])), int(np.sum(members)))


def test_the_hidden_planes_classes_are_the_outputs_argmax_there(trained: Session) -> None:
    """8 hidden units, projected: each pixel of the plane is mapped back into the hidden layer and
    the output layer's argmax taken there; the samples keep their target classes."""
    plot = capture(trained.stepper).hidden_plot(36, 12)
    assert plot is not None and plot.line is None and plot.class_count == 3
    space = plot.space
    hidden, _ = plain_forward(trained, trained.data.x)
    assert np.array_equal(space.activations, hidden)
    assert space.origin is not None and space.plane is not None
    h = space.origin + pixel_centres(plot.axes.extent, 36, 12) @ space.plane
    net = trained.net
    expected = (h @ net.weights(net.n_layers - 1) + net.biases(net.n_layers - 1)).argmax(axis=1).reshape(12, 36)
    assert plot.sides is not None and np.array_equal(plot.sides, expected)
    assert plot.labels == tuple(trained.data.y.argmax(axis=1).tolist())


def test_two_hidden_units_are_drawn_as_they_are_with_the_class_regions() -> None:
    s = session(few_points(), hidden=(2,), epochs=200)
    plot = capture(s.stepper).hidden_plot(24, 10)
    assert plot is not None and not plot.space.projected
    hidden, _ = plain_forward(s, s.data.x)
    assert np.array_equal(plot.space.points, hidden)
    h = pixel_centres(plot.axes.extent, 24, 10)
    expected = (h @ s.net.weights(1) + s.net.biases(1)).argmax(axis=1).reshape(10, 24)
    assert plot.sides is not None and np.array_equal(plot.sides, expected)


def test_a_binary_network_keeps_its_one_output_records() -> None:
    """One sigmoid output: ŷ's grid and line as before, no class map; the classes are ŷ > 0.5."""
    s = build(Config())
    s.stepper.run_epochs(20)
    view = capture(s.stepper)
    boundary = view.boundary(20, 12)
    assert boundary.classes is None and boundary.class_count == 2
    plot = view.hidden_plot(20, 8)
    assert plot is not None and plot.space.output_weights is None and plot.sides is not None and plot.sides.dtype == bool
    assert np.array_equal(view.classes.predicted, (view.predictions[:, 0] > 0.5).astype(int))
    assert s.data.class_count == 2 and np.array_equal(s.data.class_index, s.data.y[:, 0].astype(int))


def test_the_class_helpers_follow_the_contract() -> None:
    labels = np.array([2, 0, 1, 1, 3])
    data = Dataset("four", np.zeros((5, 2)), np.eye(4)[labels])
    assert data.class_count == 4 and np.array_equal(data.class_index, labels)


# --- the colours ------------------------------------------------------------------------------


@pytest.mark.parametrize("palette", [theme.DARK, theme.LIGHT], ids=["dark", "light"])
def test_the_class_colours_read_as_text_and_are_told_apart(palette: theme.Palette) -> None:
    import colorsys

    colours = palette.classes
    assert len(colours) == theme.MAX_CLASSES == len(set(colours)) == len(set(palette.class_fills))
    for colour in colours:
        for background in (palette.background, palette.status_background):
            assert theme.contrast(colour, background) >= 4.5, (colour, background)

    def look(colour: str) -> tuple[float, float]:
        h, lightness, _ = colorsys.rgb_to_hls(*(c / 255 for c in theme.rgb(colour)))
        return h * 360, lightness

    for k, a in enumerate(colours):
        for b in colours[k + 1 :]:
            (ha, la), (hb, lb) = look(a), look(b)
            assert min(abs(ha - hb), 360 - abs(ha - hb)) >= 12 or abs(la - lb) >= 0.1, (a, b)


def test_two_classes_keep_purple_and_teal() -> None:
    theme.use("dark")
    assert theme.class_colours(2) == (theme.DARK.class_0, theme.DARK.class_1)
    assert theme.class_colours(3) == theme.DARK.classes[:3]
    assert (theme.class_side(0), theme.class_side(1)) == (theme.DARK.side_0, theme.DARK.side_1)
    with pytest.raises(ValueError, match="at most 6 classes"):
        theme.class_colours(7)


# --- the panes, driven by keys ------------------------------------------------------------------


def pane_rows(pane: object) -> list[list[Segment]]:
    size = pane.content_size  # type: ignore[attr-defined]
    return [list(pane.render_line(y)) for y in range(size.height)]  # type: ignore[attr-defined]


def row_text(row: list[Segment]) -> str:
    return "".join(s.text for s in row)


def legend_swatches(row: list[Segment]) -> list[tuple[str, str]]:
    """(colour, name) of each ██ swatch in the legend row."""
    found = []
    for k, segment in enumerate(row):
        if segment.text == "██" and segment.style is not None and segment.style.color is not None:
            found.append((segment.style.color.get_truecolor().hex, row[k + 1].text.strip()))
    return found


@pytest.mark.parametrize("name", ["dark", "light"])
async def test_v_shows_the_boundary_in_k_class_colours_with_a_legend(trained: Session, name: str) -> None:
    app = TuiNN(trained, pace=None, theme_name=name)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        await pilot.pause()
        pane = app.query_one(BoundaryPane)
        assert pane.display
        rows = pane_rows(pane)
        palette = theme.PALETTES[name]
        assert legend_swatches(rows[-1]) == [(palette.class_fills[k], str(k)) for k in range(3)]
        # each class's points in its own colour
        point_colours = {
            s.style.color.get_truecolor().hex for row in rows for s in row if s.text == "●" and s.style and s.style.color
        }
        assert point_colours == set(palette.classes[:3])
        assert "ŷ 0" not in row_text(rows[-1])  # no ŷ colour bar: that is one output's


async def test_ascii_paints_each_class_in_its_own_glyph(trained: Session) -> None:
    app = TuiNN(trained, pace=None, ascii_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        await pilot.pause()
        pane = app.query_one(BoundaryPane)
        texts = [row_text(r) for r in pane_rows(pane)]
        assert all(t.isascii() for t in texts)
        assert "class 0 .a  1 -b  2 :c  (region, point" in texts[-1]
        plot_rows, gutter = len(texts) - 2, 6
        columns = pane.content_size.width - gutter
        boundary = pane.view.boundary(columns, 2 * plot_rows)  # what the pane drew from
        assert boundary.classes is not None
        seen: set[str] = set()
        for r in range(plot_rows):
            for c in range(columns):
                char = texts[r][gutter + c]
                top, bottom = boundary.classes[2 * r, c], boundary.classes[2 * r + 1, c]
                if char in ASCII_CLASS_REGIONS:
                    assert top == bottom and char == ASCII_CLASS_REGIONS[top]
                    seen.add(char)
                else:
                    assert char == "*" or char.lower() in ASCII_CLASS_POINTS[:3], char
        assert seen == set(ASCII_CLASS_REGIONS[:3])
    regions, points = set(ASCII_CLASS_REGIONS), set(ASCII_CLASS_POINTS + ASCII_CLASS_POINTS.upper())
    assert len(regions) == len(ASCII_CLASS_REGIONS) == theme.MAX_CLASSES and not regions & (points | {"*", "?"})


async def test_the_truth_table_lists_the_probability_vector_and_the_argmax() -> None:
    s = session(few_points(), epochs=150)
    app = TuiNN(s, pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        pane = app.query_one(TablePane)
        lines = str(pane.content).splitlines()
        # p1…p3 as the log's p_k = e_k/Σe and the diagram's out1…out3 name them; cls counts classes from 0
        assert lines[0].split()[-5:] == ["y", "p1", "p2", "p3", "cls"]
        assert all(len(line) <= pane.content_size.width for line in lines)  # as many decimals as fit, no wrapping
        _, logits = plain_forward(s, s.data.x)
        probabilities = sigmoid(logits)
        places = len(lines[1].split()[-5].split(".")[1])
        for i, line in enumerate(lines[1:]):
            cells = line.split()
            assert cells[-5:-2] == [f"{q:.{places}f}" for q in probabilities[i]]
            assert int(cells[-2]) == int(logits[i].argmax()) and int(cells[-6]) == int(s.data.y[i].argmax())
            assert cells[-1] == ("✓" if logits[i].argmax() == s.data.y[i].argmax() else "✗")


async def test_the_class_summary_counts_every_class(trained: Session) -> None:
    app = TuiNN(trained, pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right")  # a current sample
        await pilot.pause()
        text = str(app.query_one(TablePane).content)
        table = capture(trained.stepper).classes
        for label in range(3):
            right, members = table.counts(label)
            assert f"class {label}: {right}/{members} right" in text
        p = ", ".join(f"{q:.3f}" for q in table.outputs[0])
        assert f"y = {int(table.target[0])}, p = ({p}) → class {int(table.predicted[0])}" in text


async def test_second_v_shows_the_hidden_space_shaded_by_class(trained: Session) -> None:
    app = TuiNN(trained, pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v", "v")
        await pilot.pause()
        pane = app.query_one(HiddenPane)
        assert pane.display
        rows = pane_rows(pane)
        text = "\n".join(row_text(r) for r in rows)
        assert "shaded by the class the 3 outputs pick" in text
        tints = {s.style.bgcolor.get_truecolor().hex for row in rows for s in row if s.style and s.style.bgcolor}
        plot = pane.view.hidden_plot(pane.content_size.width - 6, 2)
        assert plot is not None
        assert {theme.class_side(k, 3) for k in set(plot.sides.ravel().tolist())} <= tints | {theme.DARK.background}


async def test_the_diagram_draws_k_outputs_and_elides_wide_layers(trained: Session) -> None:
    app = TuiNN(trained, pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("F")  # a forward pass: every output's value and target
        await pilot.pause()
        text = "\n".join(row_text(r) for r in pane_rows(app.query_one(NetworkPane)))
        for k in (1, 2, 3):
            assert f"out{k}" in text
        assert "+4 more" in text and "units not drawn" in text
        assert text.count("y=1") == 1 and text.count("y=0") == 2  # the one-hot target beside its outputs


def test_a_wrong_point_reads_on_every_class_colour() -> None:
    """✕ sits on its own class's colour: white on purple and teal as before, black where white would not read."""
    from tui_nn.ui.panes.insight_views import _point_mark, use_palette

    theme.use("dark")
    use_palette()
    for label in range(6):
        char, style = _point_mark(label, True, False, 6)
        assert char == "✕" and style.color is not None and style.bgcolor is not None
        assert theme.contrast(style.color.get_truecolor().hex, style.bgcolor.get_truecolor().hex) >= 3.0
    assert _point_mark(1, True, False, 2)[1].color.name == "white"  # type: ignore[union-attr]


def test_the_activation_curves_colour_points_by_each_of_k_classes(trained: Session) -> None:
    from tui_nn.engine.nn.health import activation_curves
    from tui_nn.ui.panes.curves import draw_curves, pixel_columns

    theme.use("dark")
    curves = activation_curves(trained.net, trained.data.x, points=pixel_columns(80))
    labels = trained.data.class_index
    rows = draw_curves(curves, 80, 30, classes=labels, class_count=3)
    colours = {s.style.color.triplet.hex for row in rows for s in row if "●" in s.text and s.style and s.style.color}
    assert {theme.class_colour(k, 3) for k in range(3)} <= colours
    text = "\n".join(row_text(r) for r in rows)
    assert "● class 0  ● class 1  ● class 2" in text
    ascii_rows = draw_curves(curves, 80, 30, ascii_only=True, classes=labels, class_count=3)
    plotted = "".join(row_text(r)[6:] for r in ascii_rows[1:20])
    assert {"a", "b", "c"} <= set(plotted)


async def test_a_runs_summary_lists_each_samples_class_and_probability_vector() -> None:
    """T trains; the log's closing table (the tutorials' input | target | predicted) gives K outputs
    as the argmax class and its probabilities, the target as its class."""
    from tui_nn.ui.panes.log import CalcLog

    s = session(few_points(), epochs=0)
    app = TuiNN(s, pace=None, target_loss=0.2)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        await app.workers.wait_for_complete()
        await pilot.pause()
        pane = app.query_one(CalcLog)
        run = next(e for e in reversed(app.controller.logbook.entries) if "class (probabilities)" in str(pane.draw_entry(e, 400)))
        text = "\n".join("".join(seg.text for seg in row) for row in pane.draw_entry(run, 400))
        _, logits = plain_forward(s, s.data.x)
        probabilities = sigmoid(logits)
        for i in range(s.data.size):
            shown = f"{int(logits[i].argmax())} (" + ", ".join(f"{q:.4f}" for q in probabilities[i]) + ")"
            assert f"| {int(s.data.y[i].argmax()):<6} | {shown}" in text


async def test_a_what_if_on_k_outputs_shows_the_probability_vectors_and_the_class_flip() -> None:
    """z zeroes a weight (inspector): each listed sample's outputs before → after and its argmax class."""
    from tests.test_inspect import inspector_text
    from tui_nn.engine.walk.explain import Element

    s = session(few_points(), epochs=150)
    app = TuiNN(s, pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        app._select(Element("unit", 2, 0))  # the second hidden layer's first unit
        _, before = plain_forward(s, s.data.x)
        await pilot.press("k")  # knock it out
        await pilot.pause()
        _, after = plain_forward(s, s.data.x)
        text = inspector_text(app)
        for k in range(s.data.size):
            was, now = int(before[k].argmax()), int(after[k].argmax())
            assert f"class {was} → {now}{'  (flipped)' if was != now else ''}" in text
        assert text.count("p (") == s.data.size


def test_k_probabilities_take_fewer_decimals_only_where_the_width_asks() -> None:
    from tui_nn.ui.panes.renderables import truth_table

    s = session(few_points(), epochs=50)
    view = capture(s.stepper)
    wide = str(truth_table(s.data, view.classes, None, None)).splitlines()
    assert [len(cell.split(".")[1]) for cell in wide[1].split()[-5:-2]] == [3, 3, 3]
    width = len(wide[1]) - 3  # one decimal fewer in each of the 3 columns fits exactly
    narrow = str(truth_table(s.data, view.classes, None, None, width=width)).splitlines()
    assert max(len(line) for line in narrow) <= width
    assert [cell.split(".")[1] for cell in narrow[1].split()[-5:-2]] == [
        f"{q:.2f}".split(".")[1] for q in view.classes.outputs[0]
    ]


async def test_the_linear_classifier_has_no_hidden_space_and_says_why_in_classes() -> None:
    """--hidden none with K outputs: each class's score is a straight function of x (not σ of one sum);
    the hidden space is shown beside the other views on a large terminal."""
    s = session(spiral(), hidden=(), epochs=50)
    app = TuiNN(s, pace=None)
    async with app.run_test(size=(180, 50)) as pilot:
        await pilot.pause()
        # the words wrap to the pane (a quarter of the width beside the other three views): read them as one text
        text = " ".join(" ".join(row_text(r) for r in pane_rows(app.query_one(HiddenPane))).split())
        assert "a linear classifier" in text and "largest score wins" in text and "perceptron" not in text


async def test_six_outputs_in_one_row_each_keep_their_targets() -> None:
    """Six outputs do not fit as boxes at 120×40: each is one row, its one-hot target still beside it."""
    s = session(spiral(6, 50), epochs=20)
    app = TuiNN(s, pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("F")
        await pilot.pause()
        lines = [row_text(r) for r in pane_rows(app.query_one(NetworkPane))]
        outputs = [line for line in lines if "out" in line and "ŷ" in line]
        assert len(outputs) == 6
        target = s.data.y[0]  # sample 1's, the one just walked
        for k, line in enumerate(outputs):
            assert f"out{k + 1} ŷ" in line and f"y={int(target[k])}" in line


@pytest.mark.parametrize("ascii_only", [False, True])
def test_a_diverged_k_class_network_draws_without_a_crash(ascii_only: bool) -> None:
    """NaN outputs (a diverged run): no class is claimed where there is no number (? in ASCII)."""
    from tui_nn.ui.panes.insight_views import boundary_legend, boundary_rows, hidden_rows
    from tui_nn.ui.panes.renderables import class_summary, truth_table

    s = session(few_points(), epochs=0)
    s.net.params[:] = np.nan
    view = capture(s.stepper)
    boundary = view.boundary(20, 12)
    rows = boundary_rows(boundary, ascii_only)
    assert len(rows) == 6 and all(sum(len(seg.text) for seg in row) == 20 for row in rows)
    if ascii_only:
        assert {ch for row in rows for seg in row for ch in seg.text} <= {"?"} | set(
            ASCII_CLASS_POINTS + ASCII_CLASS_POINTS.upper()
        )
    assert boundary_legend(60, ascii_only, 3, True)
    plot = view.hidden_plot(20, 8)
    assert plot is not None and len(hidden_rows(plot, 20, 8, ascii_only)) == 8
    assert "nan" in str(truth_table(s.data, view.classes, 0, None))
    assert "class 2" in str(class_summary(s.data, view.classes, 0))


@pytest.mark.parametrize("value", [np.nan, np.inf])
@pytest.mark.parametrize("hidden", [(2,), (8,)])
def test_a_diverged_networks_hidden_space_draws_without_a_crash(value: float, hidden: tuple[int, ...]) -> None:
    """Found here: NaN or infinite hidden activations raised from the hidden plot (int(NaN), and the
    PCA's SVD 'did not converge') for binary networks too. Their samples are left out; the rest draws."""
    from tui_nn.ui.panes.insight_views import hidden_rows

    s = build(Config(hidden=hidden))
    s.net.params[:] = value
    plot = capture(s.stepper).hidden_plot(24, 8)
    assert plot is not None and len(plot.cells) == s.data.size
    rows = hidden_rows(plot, 24, 8)
    assert len(rows) == 8 and all(sum(len(seg.text) for seg in row) == 24 for row in rows)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2, 6).flatmap(
        lambda k: st.tuples(
            st.just(k),
            st.lists(st.lists(st.floats(0, 1), min_size=k, max_size=k), min_size=1, max_size=12),
            st.lists(st.integers(0, k - 1), min_size=12, max_size=12),
        )
    )
)
def test_the_class_table_is_argmax_for_any_outputs(case: tuple[int, list[list[float]], list[int]]) -> None:
    """K outputs: the predicted class is the first largest output; right where it is the target's."""
    from tui_nn.engine.nn.insight import class_table

    k, rows, labels = case
    outputs = np.array(rows)
    targets = np.array(labels[: len(rows)])
    table = class_table(Dataset("any", np.zeros((len(rows), 2)), np.eye(k)[targets]), outputs)
    assert table.class_count == k
    for i, row in enumerate(rows):
        assert table.predicted[i] == row.index(max(row)) and table.target[i] == targets[i]
        assert table.right[i] == (row.index(max(row)) == targets[i])


async def test_two_outputs_draw_two_classes_in_purple_and_teal() -> None:
    """Two output units (softmax's K = 2 after the merge): the class map, in the binary colours."""
    data = Dataset("two", spiral().x[:200], spiral().y[:200, :2])
    s = session(data, epochs=100)
    boundary = capture(s.stepper).boundary(30, 18)
    assert boundary.classes is not None and boundary.class_count == 2
    app = TuiNN(s, pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        await pilot.pause()
        rows = pane_rows(app.query_one(BoundaryPane))
        assert legend_swatches(rows[-1]) == [(theme.DARK.class_0, "0"), (theme.DARK.class_1, "1")]


@pytest.mark.parametrize("name", ["dark", "light"])
def test_a_cell_shared_by_classes_reads_on_either_palette(name: str) -> None:
    """Samples of different classes in one cell of the hidden space are drawn in the palette's strongest
    text colour: white on the dark panes (as before), black on the light ones (white vanished there)."""
    from tui_nn.ui.panes.insight_views import hidden_rows

    theme.use(name)
    try:
        s = session(spiral(), epochs=50)
        plot = capture(s.stepper).hidden_plot(12, 4)  # a coarse plot: classes share cells
        assert plot is not None
        shared = {cell for cell in plot.cells if len({plot.labels[i] for i, c in enumerate(plot.cells) if c == cell}) > 1}
        assert shared
        colours = {seg.style.color.get_truecolor().hex for row in hidden_rows(plot, 12, 4) for seg in row if seg.text.strip()}
        assert theme.PALETTES[name].current in colours
    finally:
        theme.use("dark")
