"""What the network has learned: its output over the input plane, and the hidden space.

All of it is computed here, vectorised, so the app only draws numbers it is given.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tui_nn.engine.nn.datasets import Dataset
from tui_nn.engine.nn.network import Network


@dataclass(frozen=True)
class Extent:
    """A rectangle of the input plane: x₁ from x_min to x_max, x₂ from y_min to y_max."""

    x_min: float
    x_max: float
    y_min: float
    y_max: float


def data_extent(data: Dataset, margin: float = 0.15) -> Extent:
    """The gates' plane is −0.5 … 1.5 on both axes (as for any few points inside the unit square);
    other data get their range plus a margin, and ±0.5 around a feature that never varies."""
    low, high = data.x.min(axis=0), data.x.max(axis=0)
    if data.is_small and low.min() >= 0 and high.max() <= 1:
        return Extent(-0.5, 1.5, -0.5, 1.5)
    with np.errstate(over="ignore"):
        pad = np.where(high > low, (high - low) * margin, 0.5)
        bounds = np.clip([low[0] - pad[0], high[0] + pad[0], low[1] - pad[1], high[1] + pad[1]], -1e300, 1e300)
    return Extent(*(float(v) for v in bounds))


def square_extent(extent: Extent, columns: int, pixel_rows: int) -> Extent:
    """The extent widened (about its centre) along one axis so that one pixel spans the same
    distance across as up: on half-block pixels, which are square, a circle is drawn round."""
    width, height = extent.x_max - extent.x_min, extent.y_max - extent.y_min
    if columns <= 0 or pixel_rows <= 0 or width <= 0 or height <= 0:
        return extent
    step = max(width / columns, height / pixel_rows)
    cx, cy = (extent.x_min + extent.x_max) / 2, (extent.y_min + extent.y_max) / 2
    half_w, half_h = step * columns / 2, step * pixel_rows / 2
    return Extent(cx - half_w, cx + half_w, cy - half_h, cy + half_h)


def ticks(low: float, high: float, most: int) -> list[float]:
    """Round values (1, 2 or 5 × 10ᵏ apart) within [low, high], at most `most` of them."""
    if not (np.isfinite(low) and np.isfinite(high)) or high <= low or most < 1:
        return []
    for exponent in range(int(np.floor(np.log10(high - low))) - 2, int(np.ceil(np.log10(high - low))) + 2):
        for mantissa in (1, 2, 5):
            step = mantissa * 10.0**exponent
            first = np.ceil(low / step - 1e-9) * step
            count = int(np.floor((high - first) / step + 1e-9)) + 1
            if count <= most:
                return [float(round(first + k * step, 12)) for k in range(count)]
    return [low, high]


def grid_inputs(extent: Extent, columns: int, rows: int) -> np.ndarray:
    """The centres of a columns × rows grid of pixels, row 0 at the top (largest x₂): (rows·columns, 2)."""
    xs = extent.x_min + (np.arange(columns) + 0.5) * (extent.x_max - extent.x_min) / columns
    ys = extent.y_max - (np.arange(rows) + 0.5) * (extent.y_max - extent.y_min) / rows
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


def output_grid(net: Network, params: np.ndarray, extent: Extent, columns: int, rows: int) -> np.ndarray:
    """ŷ (first output) at every pixel of the grid, in one forward pass: a rows × columns array."""
    return net.predict(grid_inputs(extent, columns, rows), params)[:, 0].reshape(rows, columns)


def target_classes(data: Dataset) -> np.ndarray:
    """Each sample's target class as the views colour it: y > 0.5 for one output column (a target
    of your own may be any number under MSE), else the one-hot column that is set."""
    if data.y.shape[1] == 1:
        return np.asarray(data.y[:, 0] > 0.5, dtype=np.int64)
    return data.class_index


def predicted_classes(outputs: np.ndarray) -> np.ndarray:
    """The class each row of outputs predicts, as ints: ŷ > 0.5 for one output unit, else the unit
    with the largest output (its first on a tie, as np.argmax)."""
    if outputs.shape[1] == 1:
        return np.asarray(outputs[:, 0] > 0.5, dtype=np.int64)
    return np.asarray(outputs.argmax(axis=1), dtype=np.int64)


def pixel_of(point: np.ndarray, extent: Extent, columns: int, rows: int) -> tuple[int, int] | None:
    """(column, row) of the grid pixel containing `point`, or None outside the extent."""
    fx = (point[0] - extent.x_min) / (extent.x_max - extent.x_min)
    fy = (extent.y_max - point[1]) / (extent.y_max - extent.y_min)
    if not (0 <= fx < 1 and 0 <= fy < 1):
        return None
    return int(fx * columns), int(fy * rows)


@dataclass(frozen=True)
class HiddenSpace:
    """Where each sample lands in the last hidden layer, and the output's decision line there.

    points: (m, 2) coordinates drawn — the hidden activations themselves for 2 units, else the
    projection onto the two principal directions. line: (a, b, c) with a·u + b·v + c = 0 the
    output unit's boundary ŷ = 0.5 in those coordinates (None if it does not cross the plane).
    """

    activations: np.ndarray
    points: np.ndarray
    projected: bool
    line: tuple[float, float, float] | None
    explained: tuple[float, float] | None
    axes: tuple[str, str]
    # The plane drawn, in the hidden layer's own coordinates: (u, v) is origin + u·plane[0] + v·plane[1].
    # With the output layer's weights (units × K) and biases (K) it gives the class K output units
    # predict anywhere on the plane (None for one output unit: its line says it).
    origin: np.ndarray | None = None
    plane: np.ndarray | None = None
    output_weights: np.ndarray | None = None
    output_bias: np.ndarray | None = None


def hidden_space(net: Network, params: np.ndarray, x: np.ndarray) -> HiddenSpace:
    """The last hidden layer's activations for every row of x, and a 2-D view of them.

    With two units the view is (h₁, h₂) and the decision line is v₁h₁ + v₂h₂ + b = 0. With more,
    the view is the projection on the two principal directions c₁, c₂ (through the mean μ), and
    the line is where the output's hyperplane v·h + b = 0 meets that plane:
    (v·c₁)·u + (v·c₂)·w + (v·μ + b) = 0. Each direction's sign is fixed (its largest component
    positive), so the picture is deterministic.
    """
    if net.n_layers < 2:
        raise ValueError("the network has no hidden layer")
    _, acts = net.forward(x, params)
    h = acts[-2]
    weights, biases = net.weights(net.n_layers - 1, params), net.biases(net.n_layers - 1, params)
    v = weights[:, 0]
    b = float(biases[0])
    many = weights.shape[1] > 1  # K output units: classes on the plane, no single line
    if h.shape[1] <= 2:
        plane = np.eye(2, h.shape[1])
        outputs = (np.zeros(h.shape[1]), plane, weights.copy(), biases.copy()) if many else (None, None, None, None)
        if h.shape[1] == 1:
            points = np.column_stack([h[:, 0], np.zeros(len(h))])
            line = None if many else (float(v[0]), 0.0, b)
            return HiddenSpace(h, points, False, line, None, ("h1", "—"), *outputs)
        line = None if many else (float(v[0]), float(v[1]), b)
        return HiddenSpace(h, h.copy(), False, line, None, ("h1", "h2"), *outputs)
    finite = np.isfinite(h).all(axis=1)
    if finite.all():
        mean = h.mean(axis=0)
        centred = h - mean
    else:  # a diverged network: the principal directions of the rows that still have numbers
        mean = h[finite].mean(axis=0) if finite.any() else np.zeros(h.shape[1])
        centred = h - mean
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            _, singular, vt = np.linalg.svd(centred[finite], full_matrices=False)
    except np.linalg.LinAlgError:  # activations too large to square: the first two units' axes
        singular, vt = np.zeros(2), np.eye(2, h.shape[1])
    if vt.shape[0] == 0:  # no finite row at all
        singular, vt = np.zeros(2), np.eye(2, h.shape[1])
    directions = vt[:2].copy()
    if directions.shape[0] < 2:
        directions = np.vstack([directions, np.zeros_like(directions[0])])
    for k in range(2):
        if directions[k, np.argmax(np.abs(directions[k]))] < 0:
            directions[k] = -directions[k]
    with np.errstate(over="ignore", invalid="ignore"):
        points = centred @ directions.T
        total = float(np.sum(singular**2))
        shares = [float(s**2 / total) if 0 < total < np.inf else 0.0 for s in singular[:2]]
    explained = [*shares, 0.0, 0.0][:2]
    if many:
        outputs = (mean, directions, weights.copy(), biases.copy())
        return HiddenSpace(h, points, True, None, (explained[0], explained[1]), ("pc1", "pc2"), *outputs)
    with np.errstate(over="ignore", invalid="ignore"):  # (a diverged output's line is NaN: it is not drawn)
        a, c2 = float(v @ directions[0]), float(v @ directions[1])
        line = (a, c2, float(v @ mean + b)) if (a or c2) else None
    return HiddenSpace(h, points, True, line, (explained[0], explained[1]), ("pc1", "pc2"))


def plot_extent(space: HiddenSpace, margin: float = 0.12) -> Extent:
    """The hidden-space plot's range: [0, 1] for sigmoid activations shown directly, else the data's."""
    pts = space.points
    pts = pts[np.isfinite(pts).all(axis=1)]  # a diverged sample's point is not drawn
    if len(pts) == 0:
        pts = np.array([[0.0, 0.0], [1.0, 1.0]])
    low, high = pts.min(axis=0), pts.max(axis=0)
    if not space.projected and low.min() >= 0 and high.max() <= 1:
        low, high = np.zeros(2), np.ones(2)
    span = np.maximum(high - low, 1e-3)
    return Extent(
        float(low[0] - span[0] * margin),
        float(high[0] + span[0] * margin),
        float(low[1] - span[1] * margin),
        float(high[1] + span[1] * margin),
    )


def line_side_grid(line: tuple[float, float, float] | None, extent: Extent, columns: int, rows: int) -> np.ndarray | None:
    """Which side of the decision line each pixel centre lies on: a·u + b·v + c > 0 (True) or not."""
    if line is None:
        return None
    a, b, c = line
    pts = grid_inputs(extent, columns, rows)
    with np.errstate(invalid="ignore"):  # a diverged line (NaN) has no class-1 side
        return np.asarray((a * pts[:, 0] + b * pts[:, 1] + c > 0).reshape(rows, columns))


# --- what the panes draw: records sized to a pane's request -------------------------------------


@dataclass(frozen=True)
class Axes:
    """A plot's extent and the round values its axes label (as many as fit the plot's size)."""

    extent: Extent
    x_ticks: tuple[float, ...]
    y_ticks: tuple[float, ...]


def axes(extent: Extent, columns: int, rows: int) -> Axes:
    """Tick values for a columns × rows (cells) plot: one y label per three rows, one x label per eight columns."""
    return Axes(
        extent,
        tuple(ticks(extent.x_min, extent.x_max, max(columns // 8, 2))),
        tuple(ticks(extent.y_min, extent.y_max, max(rows // 3, 2))),
    )


@dataclass(frozen=True)
class PointMark:
    """A sample drawn on the boundary plot: its pixel, its class and whether the network gets it wrong;
    on a regression's surface, `level` is its target on the surface's colour scale (−1 … 1)."""

    column: int
    pixel_row: int
    label: int
    wrong: bool
    level: float | None = None


@dataclass(frozen=True)
class SurfaceScale:
    """A regression's colour scale: diverging about `centre` (the targets' mean ȳ, what a network that
    learned nothing predicts: R² = 0), full colour at centre ± `half_width` (the target farthest from ȳ);
    `ticks` the values the legend names, low to high."""

    centre: float
    half_width: float
    ticks: tuple[float, ...]

    def levels(self, values: np.ndarray) -> np.ndarray:
        """Values on the scale: −1 at centre − half_width, 0 at the centre, 1 at centre + half_width (not clipped)."""
        with np.errstate(invalid="ignore", over="ignore"):
            return np.asarray((values - self.centre) / self.half_width)


def surface_scale(targets: np.ndarray) -> SurfaceScale:
    """The colour scale of a regression's surface, from its targets (finite ones; ±1 about 0 without any)."""
    finite = targets[np.isfinite(targets)]
    centre = float(finite.mean()) if len(finite) else 0.0
    half = float(np.abs(finite - centre).max()) if len(finite) else 0.0
    if not half > 0:  # targets that never vary: a unit either side
        half = 1.0
    return SurfaceScale(centre, half, (centre - half, centre, centre + half))


@dataclass(frozen=True, eq=False)  # compared by identity: it holds an array
class BoundaryGrid:
    """The network's output over the input plane at a pane's resolution: `grid` is pixel_rows ×
    columns (row 0 at the top), `points` the samples inside the extent in data order.

    One output unit: `grid` is ŷ and `classes` is None. K output units: `classes` is the class
    each pixel predicts (the largest output) and `grid` that class's output, the network's
    confidence there. `class_count` is K (2 for one output unit). A regression's surface has a
    `scale`, its colours centred on the targets' mean, and each point its target's level on it.
    """

    axes: Axes
    grid: np.ndarray
    points: tuple[PointMark, ...]
    classes: np.ndarray | None = None
    class_count: int = 2
    scale: SurfaceScale | None = None


def boundary_grid(
    net: Network, params: np.ndarray, data: Dataset, predictions: np.ndarray, columns: int, pixel_rows: int
) -> BoundaryGrid:
    """The decision boundary for a columns × pixel_rows plot (square pixels, so circles stay round):
    one forward pass over the pixel centres, and each sample's pixel, label and verdict."""
    extent = square_extent(data_extent(data), columns, pixel_rows)
    outputs = net.predict(grid_inputs(extent, columns, pixel_rows), params)
    classes: np.ndarray | None = None
    if outputs.shape[1] == 1:
        grid = outputs[:, 0].reshape(pixel_rows, columns)
    else:
        chosen = predicted_classes(outputs)
        classes = chosen.reshape(pixel_rows, columns)
        grid = outputs[np.arange(len(outputs)), chosen].reshape(pixel_rows, columns)
    # pixel_of for every sample at once (the same float operations, elementwise)
    fx = (data.x[:, 0] - extent.x_min) / (extent.x_max - extent.x_min)
    fy = (extent.y_max - data.x[:, 1]) / (extent.y_max - extent.y_min)
    inside = (fx >= 0) & (fx < 1) & (fy >= 0) & (fy < 1)
    spots = ((fx[inside] * columns).astype(np.int64).tolist(), (fy[inside] * pixel_rows).astype(np.int64).tolist())
    if net.regression:  # a surface: no classes, each point coloured by its target on the surface's scale
        scale = surface_scale(data.y[:, 0])
        levels = scale.levels(data.y[inside, 0]).tolist()
        marks = tuple(PointMark(c, r, 0, False, level) for c, r, level in zip(*spots, levels, strict=True))
        return BoundaryGrid(axes(extent, columns, pixel_rows // 2), grid, marks, None, 2, scale)
    labels = target_classes(data)[inside]
    wrong = labels != predicted_classes(predictions[inside])
    points = tuple(PointMark(c, r, int(label), w) for c, r, label, w in zip(*spots, labels.tolist(), wrong.tolist(), strict=True))
    return BoundaryGrid(axes(extent, columns, pixel_rows // 2), grid, points, classes, data.class_count)


def point_cells(points: np.ndarray, extent: Extent, width: int, height: int) -> list[tuple[int, int]]:
    """Each point's cell (column, row) on a width × height plot of `extent`, clamped to the plot:
    the same float operations as for one point, done on all at once."""
    points = np.asarray(points, dtype=float)
    fx = (points[:, 0] - extent.x_min) / (extent.x_max - extent.x_min)
    fy = (extent.y_max - points[:, 1]) / (extent.y_max - extent.y_min)
    cx, cy = fx * width, fy * height
    if not (np.isfinite(cx).all() and np.isfinite(cy).all()):
        # ±∞ at the plot's edge; a NaN (a diverged sample) has no cell: (−1, −1), not drawn
        def cell(c: float, r: float) -> tuple[int, int]:
            if np.isnan(c) or np.isnan(r):
                return (-1, -1)
            return (int(np.clip(c, 0, width - 1)), int(np.clip(r, 0, height - 1)))

        return [cell(c, r) for c, r in zip(cx.tolist(), cy.tolist(), strict=True)]
    columns = np.clip(cx.astype(np.int64), 0, width - 1)
    rows = np.clip(cy.astype(np.int64), 0, height - 1)
    return list(zip(columns.tolist(), rows.tolist(), strict=True))


def line_ends(
    line: tuple[float, float, float] | None, extent: Extent, width: int, height: int
) -> tuple[float, float, float, float] | None:
    """Where the line a·u + b·v + c = 0 enters and leaves the plot, in (fractional) cells:
    (column₀, row₀, column₁, row₁); None when it misses the plot."""
    if line is None:
        return None
    a, b, c = line
    ends = []
    for u in (extent.x_min, extent.x_max):  # where the line crosses the plot's edges
        if b != 0:
            ends.append((u, -(a * u + c) / b))
    for v in (extent.y_min, extent.y_max):
        if a != 0:
            ends.append((-(b * v + c) / a, v))
    inside = [
        (u, v)
        for u, v in ends
        if extent.x_min - 1e-9 <= u <= extent.x_max + 1e-9 and extent.y_min - 1e-9 <= v <= extent.y_max + 1e-9
    ]
    if len(inside) < 2:
        return None

    def cell(u: float, v: float) -> tuple[float, float]:
        fx = (u - extent.x_min) / (extent.x_max - extent.x_min)
        fy = (extent.y_max - v) / (extent.y_max - extent.y_min)
        return fx * width, fy * height

    (x0, y0), (x1, y1) = cell(*inside[0]), cell(*inside[-1])
    return x0, y0, x1, y1


def plane_classes(space: HiddenSpace, extent: Extent, columns: int, rows: int) -> np.ndarray | None:
    """The class K output units predict at each pixel centre of the plane drawn (the largest of
    z = h·W + b, whose order every output activation keeps), or None for one output unit."""
    if space.origin is None or space.plane is None or space.output_weights is None or space.output_bias is None:
        return None
    pts = grid_inputs(extent, columns, rows)
    h = space.origin + pts @ space.plane
    return predicted_classes(h @ space.output_weights + space.output_bias).reshape(rows, columns)


@dataclass(frozen=True, eq=False)  # compared by identity: it holds arrays
class HiddenPlot:
    """The hidden space laid out on a width × height (cells) plot: each sample's cell and class,
    the decision line's ends in cells, and which side of it each cell's centre lies on (one output
    unit: True on the class-1 side), or which class K output units predict there (ints)."""

    space: HiddenSpace
    axes: Axes
    cells: tuple[tuple[int, int], ...]
    labels: tuple[int, ...]
    line: tuple[float, float, float, float] | None
    sides: np.ndarray | None
    class_count: int = 2


def hidden_plot(space: HiddenSpace, labels: np.ndarray, width: int, height: int, class_count: int = 2) -> HiddenPlot:
    """`space` on a width × height plot whose pixels (half a cell tall) are square; `labels` each
    sample's class (target_classes), one of `class_count`."""
    extent = square_extent(plot_extent(space), width, 2 * height)
    classes = plane_classes(space, extent, width, height)
    return HiddenPlot(
        space,
        axes(extent, width, height),
        tuple(point_cells(space.points, extent, width, height)),
        tuple(int(v) for v in labels.tolist()),
        line_ends(space.line, extent, width, height),
        line_side_grid(space.line, extent, width, height) if classes is None else classes,
        class_count,
    )


@dataclass(frozen=True, eq=False)  # compared by identity: it holds arrays
class ClassTable:
    """What the network says about every sample, as the truth table and the class summary show it:
    `outputs` the output layer's activations (N × units: ŷ, or the K class probabilities),
    `predicted` and `target` each sample's class, `right` where they agree; `class_count` is K."""

    outputs: np.ndarray
    predicted: np.ndarray
    target: np.ndarray
    right: np.ndarray
    class_count: int

    def counts(self, label: int) -> tuple[int, int]:
        """(samples of class `label` predicted right, samples of that class)."""
        members = self.target == label
        return int(np.count_nonzero(self.right[members])), int(np.count_nonzero(members))


def class_table(data: Dataset, outputs: np.ndarray) -> ClassTable:
    """Each sample's predicted class (Network.predict's outputs) against its target class."""
    predicted, target = predicted_classes(outputs), target_classes(data)
    return ClassTable(outputs, predicted, target, predicted == target, data.class_count)


# --- the 1-D fit: the universal-approximation picture ---------------------------------------------


def line_extent(x: np.ndarray, margin: float = 0.05) -> tuple[float, float]:
    """The range of one input across the data, plus a margin (±0.5 around an input that never varies)."""
    finite = x[np.isfinite(x)]
    if len(finite) == 0:
        return -1.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    pad = (high - low) * margin if high > low else 0.5
    return low - pad, high + pad


def value_extent(values: list[np.ndarray], margin: float = 0.08) -> tuple[float, float]:
    """The range the finite values span, plus a margin: the y axis of the fit plot."""
    finite = np.concatenate([v[np.isfinite(v)].ravel() for v in values]) if values else np.zeros(0)
    if len(finite) == 0:
        return -1.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    if high - low < 1e-9:
        return low - 0.5, high + 0.5
    pad = (high - low) * margin
    return low - pad, high + pad


def pixel_rows_of(values: np.ndarray, y_min: float, y_max: float, pixel_rows: int) -> np.ndarray:
    """Each value's pixel row on a plot of pixel_rows from y_max (row 0) down to y_min: −1 above the plot,
    pixel_rows below it (so a curve leaving the plot is drawn to its edge), −2 for a value that is not a number."""
    with np.errstate(invalid="ignore", over="ignore"):
        rows = np.floor((y_max - values) / (y_max - y_min) * pixel_rows)
        rows = np.clip(rows, -1, pixel_rows)
    return np.where(np.isnan(rows), -2, rows).astype(np.int64)


@dataclass(frozen=True, eq=False)  # compared by identity: it holds arrays
class FitPlot:
    """A one-input network's fit on a columns × rows (cells) plot, `across` × `down` pixels a cell.

    `xs` is x at each pixel column's centre, `curve` the network's ŷ there, `units` (H × len(xs))
    each last hidden unit's contribution vᵢ·hᵢ(x) to the output's z and `bias` the output's b: z is
    their sum plus b, and ŷ = z for a linear output (`output_is_z`). The `*_pixels` arrays are the
    same in pixel rows (pixel_rows_of); `points` are the samples (x, target) and `point_cells` their
    cells, `current` the sample the walk is on (None between samples)."""

    axes: Axes
    across: int
    down: int
    xs: np.ndarray
    curve: np.ndarray
    units: np.ndarray
    bias: float
    output_is_z: bool
    curve_pixels: np.ndarray
    unit_pixels: np.ndarray
    bias_pixel: int
    points: np.ndarray
    point_cells: tuple[tuple[int, int], ...]
    current: int | None
    unit_names: tuple[str, ...]

    def sample_at(self, column: int, row: int) -> int | None:
        """The sample drawn in the cell (column, row), else the nearest one within a cell of it; None if none is."""
        best: tuple[int, int] | None = None
        for sample, (c, r) in enumerate(self.point_cells):
            if c < 0:  # a sample that is not a number has no cell
                continue
            distance = max(abs(c - column), abs(r - row))
            if distance <= 1 and (best is None or distance < best[0]):
                best = (distance, sample)
        return None if best is None else best[1]


def fit_plot(
    net: Network,
    params: np.ndarray,
    data: Dataset,
    current: int | None,
    columns: int,
    rows: int,
    across: int = 2,
    down: int = 4,
) -> FitPlot:
    """The fit of a one-input network over the data's x range, in one forward pass over the plot's
    pixel columns; the y axis spans the targets, the curve and the units' contributions (those
    far larger than the data, which cancel one another, are cut at the plot's edge)."""
    x_min, x_max = line_extent(data.x[:, 0])
    width = max(columns * across, 1)
    xs = x_min + (np.arange(width) + 0.5) * (x_max - x_min) / width
    _, acts = net.forward(xs[:, None], params)
    last = net.n_layers - 1
    v = net.weights(last, params)[:, 0]
    bias = float(net.biases(last, params)[0])
    with np.errstate(over="ignore", invalid="ignore"):
        curve = acts[-1][:, 0]
        units = (acts[-2] * v).T if net.n_layers > 1 else np.zeros((0, width))
    targets = data.y[:, 0]
    y_min, y_max = value_extent([targets, curve])
    span = y_max - y_min
    if len(units):  # the units' curves widen the plot, but never past three times the data's own span
        u_min, u_max = value_extent([units, np.array([bias])])
        y_min, y_max = max(min(y_min, u_min), y_min - span), min(max(y_max, u_max), y_max + span)
    extent = Extent(x_min, x_max, y_min, y_max)
    pixel_rows = rows * down
    points = np.column_stack([data.x[:, 0], targets])
    return FitPlot(
        axes=axes(extent, columns, rows),
        across=across,
        down=down,
        xs=xs,
        curve=curve,
        units=units,
        bias=bias,
        output_is_z=net.regression,  # a linear output: ŷ is z itself
        curve_pixels=pixel_rows_of(curve, y_min, y_max, pixel_rows),
        unit_pixels=pixel_rows_of(units, y_min, y_max, pixel_rows),
        bias_pixel=int(pixel_rows_of(np.array([bias]), y_min, y_max, pixel_rows)[0]),
        points=points,
        point_cells=tuple(point_cells(points, extent, columns, rows)),
        current=current,
        unit_names=tuple(f"v{i + 1}·h{i + 1}" for i in range(len(units))),
    )


@dataclass(frozen=True, eq=False)  # compared by identity: it holds arrays
class ErrorTable:
    """A regression's samples as the truth table and its summary show them: the prediction ŷ, the target
    y and the error ŷ − y of each (one output), the task's score on them (R²) with its words, the mean
    |ŷ − y| and the sample with the largest |ŷ − y| (None when no error is a number)."""

    outputs: np.ndarray
    targets: np.ndarray
    errors: np.ndarray
    score: float
    score_text: str
    mean_abs_error: float
    worst: int | None


def error_table(data: Dataset, outputs: np.ndarray) -> ErrorTable:
    """Each sample's prediction (Network.predict's outputs) against its target."""
    task = data.task_kind
    with np.errstate(invalid="ignore", over="ignore"):
        errors = outputs[:, 0] - data.y[:, 0]
        size = np.abs(errors)
    finite = np.isfinite(size)
    score = task.score(outputs, data.y)
    return ErrorTable(
        outputs[:, 0],
        data.y[:, 0],
        errors,
        score,
        task.score_text(score),
        float(size.mean()) if len(size) else float("nan"),
        int(np.argmax(np.where(finite, size, -1.0))) if finite.any() else None,
    )
