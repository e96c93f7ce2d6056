"""The matrix view: every matrix is the tutorials' NumPy on the batch, every highlighted cell the
scalar step's value, every line valid NumPy that recomputes what is shown; and its drawing."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.app import App, ComposeResult

from tui_nn.engine.nn.network import InitSpec, Network
from tui_nn.engine.nn.optimizers import BETA1, BETA2, EPSILON, MOMENTUM
from tui_nn.engine.session.build import Session, build
from tui_nn.engine.session.config import Config, defaults_for
from tui_nn.engine.session.controller import Controller
from tui_nn.engine.walk.matrices import MatrixFrame, batch_matrices, matrix_position
from tui_nn.engine.walk.stepper import Stepper
from tui_nn.ui.panes.matrixview import MatrixPane, draw_matrix_frame, format_entries, visible

CONFIGS = {
    "2-2-1 sigmoid bce": Config(),
    "2-4-1 tanh mse": Config(hidden=(4,), activation="tanh", loss="mse", init=InitSpec("normal", 0.5)),
    "2-3-2-1 relu": Config(hidden=(3, 2), activation="relu", init=InitSpec("he"), seed=1),
    "2-3-1 softplus": Config(hidden=(3,), activation="softplus", seed=3),
    "2-3-1 tanh with L2": Config(hidden=(3,), activation="tanh", l2=0.05),
}


def close(a: object, b: object, tol: float = 1e-15) -> bool:
    """Equal to within `tol`, relative to the larger magnitude once it exceeds 1 (NaNs equal)."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.shape != y.shape:
        return False
    scale = np.maximum(1.0, np.maximum(np.abs(x), np.abs(y)))
    same = (x == y) | (np.isnan(x) & np.isnan(y)) | (np.abs(x - y) <= tol * scale)
    return bool(np.all(same))


# --- an independent reference: the tutorials' loop, written out --------------------------------


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def tutorial_slope(activation: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """g'(z) as the tutorials write it."""
    if activation == "sigmoid":
        return a * (1 - a)
    if activation == "tanh":
        return 1 - a**2
    if activation == "relu":
        return (z > 0).astype(float)
    if activation == "softplus":
        return sigmoid(z)
    if activation == "elu":
        return np.where(z > 0, 1.0, a + 1)
    if activation == "leaky_relu":
        return np.where(z > 0, 1.0, 0.01)
    raise KeyError(f"write {activation}'s slope here as the tutorials would: this table is the test's own reference")


def tutorial_namespace(net: Network, params: np.ndarray, x: np.ndarray, y: np.ndarray) -> dict[str, object]:
    """Every matrix of one batch by the tutorials' NumPy, from the weights alone (no engine code)."""
    ns: dict[str, object] = {"np": np, "sigmoid": sigmoid, "X": x.copy(), "Y": y.copy(), "m": x.shape[0]}
    L, m = net.n_layers, x.shape[0]
    sizes = net.sizes
    offset = 0
    for k in range(1, L + 1):
        n_in, n_out = sizes[k - 1], sizes[k]
        block = params[offset : offset + (n_in + 1) * n_out].reshape(n_in + 1, n_out)
        ns[f"W{k}"], ns[f"b{k}"] = block[:-1].copy(), block[-1:].copy()
        offset += (n_in + 1) * n_out
    hidden = net.hidden_activation
    a = x
    for k in range(1, L + 1):
        z = a @ ns[f"W{k}"] + ns[f"b{k}"]  # type: ignore[operator]
        if k == L or hidden == "sigmoid":
            a = sigmoid(z)
        elif hidden == "tanh":
            a = np.tanh(z)
        elif hidden == "relu":
            a = np.maximum(0, z)
        elif hidden == "softplus":
            a = np.log1p(np.exp(z))
        elif hidden == "elu":
            a = np.where(z > 0, z, np.exp(np.minimum(z, 0)) - 1)
        else:
            a = np.where(z > 0, z, 0.01 * z)
        ns[f"Z{k}"], ns[f"A{k}"] = z, a
    out, z_out = ns[f"A{L}"], ns[f"Z{L}"]
    if net.loss == "bce":
        per = np.where(y == 1, np.logaddexp(0, -z_out), np.where(y == 0, np.logaddexp(0, z_out), 0.0))  # type: ignore[operator]
        dz = out - y  # type: ignore[operator]
    else:
        per = 0.5 * (out - y) ** 2  # type: ignore[operator]
        dz = (out - y) * out * (1 - out)  # type: ignore[operator]
    ns["L"] = per.sum(axis=1, keepdims=True)
    ns["loss"] = np.array([[ns["L"].sum() / m]])  # type: ignore[attr-defined]
    ns["lam"] = lam = net.l2  # cs231n's weight decay: loss += 0.5 * lam * Σ np.sum(W * W), dW += lam * W
    ns["loss"] += 0.5 * lam * sum(np.sum(ns[f"W{k}"] * ns[f"W{k}"]) for k in range(1, L + 1))  # type: ignore[operator]
    for k in range(L, 0, -1):
        ns[f"dZ{k}"] = dz
        prev = x if k == 1 else ns[f"A{k - 1}"]
        ns[f"dW{k}"] = prev.T @ dz / m + lam * ns[f"W{k}"]  # type: ignore[union-attr, operator]
        ns[f"db{k}"] = dz.sum(axis=0, keepdims=True) / m
        if k > 1:
            da = dz @ ns[f"W{k}"].T  # type: ignore[union-attr]
            ns[f"dA{k - 1}"] = da
            dz = da * tutorial_slope(hidden, ns[f"Z{k - 1}"], ns[f"A{k - 1}"])  # type: ignore[arg-type]
    return ns


def optimizer_namespace(ns: dict[str, object], net: Network, state_first: np.ndarray, state_second: np.ndarray, t: int) -> None:
    """The optimizer's running means before the update, per parameter matrix (M_W1, S_b2 …)."""
    offset = 0
    for k in range(1, net.n_layers + 1):
        n_in, n_out = net.sizes[k - 1], net.sizes[k]
        for name, source in (("M", state_first), ("S", state_second)):
            if source.size:
                block = source[offset : offset + (n_in + 1) * n_out].reshape(n_in + 1, n_out)
                ns[f"{name}_W{k}"], ns[f"{name}_b{k}"] = block[:-1].copy(), block[-1:].copy()
        offset += (n_in + 1) * n_out
    ns.update(beta=MOMENTUM, beta1=BETA1, beta2=BETA2, eps=EPSILON, t=t)


def check_frame(frame: MatrixFrame, stepper: Stepper, session: Session) -> None:
    """The frame's matrices, line and highlight against the tutorials' NumPy on the same batch."""
    step = frame.step
    assert step is not None
    p = stepper.current if stepper.position else stepper.current.previous[0]  # type: ignore[index]
    assert frame.batch == tuple(p.samples)
    x, y = session.data.x[list(p.samples)], session.data.y[list(p.samples)]
    ns = tutorial_namespace(session.net, p.start_params, x, y)
    ns["lr"] = p.lr
    optimizer_namespace(ns, session.net, p.start_state.first, p.start_state.second, p.start_state.t + 1)
    for shown in frame.matrices:
        if shown.role != "result":
            assert close(shown.values, eval(shown.name, ns)), shown.name  # the name is its NumPy
    for line in frame.code:
        exec(line, ns)  # the tutorials' line, run on the reference arrays
    for shown in frame.matrices:
        if shown.role == "result":
            expected = ns[shown.name.removesuffix(" (new)")]
            tol = 1e-12 if shown.name == "L" else 1e-15  # exec'd L is the naive −ln form, shown L the exact one
            assert close(shown.values, np.atleast_2d(expected), tol), (shown.name, frame.code)
    # the highlighted cell is the scalar step's value (Adam's division by √Ŝ can magnify the last-bit
    # difference between the walk's sum of per-sample gradients and the matmul's to a few ulps)
    tol = 1e-13 if step.phase == "update" and session.config.optimizer == "adam" else 1e-15
    assert frame.value is not None and close(frame.value, step.value, tol), (step.kind, frame.value, step.value)
    if step.sample is not None:
        assert frame.sample_row == list(p.samples).index(step.sample)
        assert frame.sample == step.sample
    if step.kind == "z" and step.layer == 1:
        assert frame.matrix("X").rows == frozenset({frame.sample_row})


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("name", list(CONFIGS))
def test_every_step_of_a_pass_is_its_numpy_line_and_cell(name: str, optimizer: str) -> None:
    session = build(CONFIGS[name].with_changes(optimizer=optimizer))
    stepper = session.stepper
    stepper.finish_pass()  # the second pass: optimizer state and an updated network
    seen = set()
    first = stepper.current
    while stepper.current is first:
        taken = stepper.step()
        frame = matrix_position(stepper).frame
        assert frame.step is taken and frame.applied
        check_frame(frame, stepper, session)
        seen.add(taken.kind)
    assert seen >= {"z", "a", "loss", "batch_loss", "delta", "grad_w", "grad_b", "update_w", "update_b"}
    if session.net.n_layers > 1:
        assert "grad_a" in seen


def test_batch_matrices_are_the_engines_gradient_exactly() -> None:
    session = build(defaults_for("spiral"))
    net, data = session.net, session.data
    mats = batch_matrices(net, net.params, data.x, data.y)
    loss, grad, zs, acts = net.loss_and_gradient(data.x, data.y)
    assert np.array_equal(mats.flat_gradient(net), grad)
    assert all(np.array_equal(a, b) for a, b in zip(mats.z[1:], zs, strict=True))
    assert all(np.array_equal(a, b) for a, b in zip(mats.a, acts, strict=True))
    assert abs(mats.loss - loss) <= 1e-15 * max(1.0, loss)
    ns = tutorial_namespace(net, net.params, data.x, data.y)
    for k in range(1, net.n_layers + 1):
        assert close(mats.dw[k - 1], ns[f"dW{k}"]) and close(mats.db[k - 1], ns[f"db{k}"])


def test_a_mini_batch_and_a_pinned_sample_are_the_rows_the_walk_takes() -> None:
    session = build(Config(hidden=(3,), batch=2))
    stepper = session.stepper
    stepper.step()
    frame = matrix_position(stepper).frame
    assert len(frame.batch) == 2 and frame.batch == tuple(stepper.current.samples)
    assert np.array_equal(frame.matrix("X").values, session.data.x[list(frame.batch)])
    stepper.set_focus(2)
    stepper.step()
    frame = matrix_position(stepper).frame
    assert frame.batch == (2,) and frame.sample == 2 and frame.sample_row == 0
    assert np.array_equal(frame.matrix("X").values, session.data.x[[2]])
    check_frame(frame, stepper, session)


def test_a_pass_start_shows_the_update_that_ended_the_pass_before_or_the_next_step() -> None:
    session = build(Config())
    stepper = session.stepper
    start = matrix_position(stepper)
    assert not start.applied and start.step is stepper.peek()
    assert start.frame.code == ("Z1 = X @ W1 + b1",)
    stepper.finish_pass()
    after = matrix_position(stepper).frame
    assert after.applied and after.step is not None and after.step.kind == "update_b"
    assert after.code == ("b2 -= lr * db2",) and after.cell == (0, 0)
    check_frame(after, stepper, session)
    stepper.set_focus(1)  # a pin starts a pass of its own: the next step is shown, not yet taken
    pinned = matrix_position(stepper)
    assert not pinned.applied and pinned.step is stepper.peek()


def test_the_lines_are_the_tutorials() -> None:
    session = build(CONFIGS["2-4-1 tanh mse"])
    stepper = session.stepper
    codes: dict[str, tuple[str, ...]] = {}
    shapes: dict[str, str] = {}
    first = stepper.current
    while stepper.current is first:
        step = stepper.step()
        frame = matrix_position(stepper).frame
        codes.setdefault(f"{step.kind}{step.layer}", frame.code)
        shapes.setdefault(f"{step.kind}{step.layer}", frame.shapes)
    assert codes["z1"] == ("Z1 = X @ W1 + b1",) and shapes["z1"] == "(4×2) @ (2×4) + (1×4) → (4×4)"
    assert codes["a1"] == ("A1 = np.tanh(Z1)",) and codes["a2"] == ("A2 = sigmoid(Z2)",)
    assert codes["delta2"] == ("dZ2 = (A2 - Y) * A2 * (1 - A2)",)  # MSE: not A2 − Y
    assert codes["grad_w1"] == ("dW2 = A1.T @ dZ2 / m",) and shapes["grad_w1"] == "(4×4) @ (4×1) / 4 → (4×1)"
    assert codes["grad_b1"] == ("db2 = dZ2.sum(axis=0, keepdims=True) / m",)
    assert codes["grad_a1"] == ("dA1 = dZ2 @ W2.T",)
    assert codes["delta1"] == ("dZ1 = dA1 * (1 - A1 ** 2)",)
    assert codes["update_w0"] == ("W1 -= lr * dW1",)
    bce = build(Config())
    bce.stepper.steps_until(lambda s: s.kind == "delta")
    bce.stepper.step()
    assert matrix_position(bce.stepper).frame.code == ("dZ2 = A2 - Y",)


def test_a_diverged_network_shows_its_nans_without_raising() -> None:
    session = build(Config())
    session.net.params[:] = np.nan
    session.stepper.current.start_params[:] = np.nan
    session.stepper.step()
    frame = matrix_position(session.stepper).frame
    assert frame.value is not None and np.isnan(frame.value)
    rows = draw_matrix_frame(frame, 80, 20)
    assert any("nan" in "".join(s.text for s in row) for row in rows)


# --- the drawing ------------------------------------------------------------------------------


def texts(rows: list) -> list[str]:  # type: ignore[type-arg]
    return ["".join(segment.text for segment in row) for row in rows]


def styled_cells(rows: list, predicate) -> list[str]:  # type: ignore[no-untyped-def, type-arg]
    return [s.text for row in rows for s in row if s.style is not None and predicate(s.style)]


def test_mid_forward_at_80_by_20() -> None:
    session = build(Config())
    for _ in range(5):  # sample 1's z and a of both hidden units, then z of the output
        session.stepper.step()
    frame = matrix_position(session.stepper).frame
    rows = draw_matrix_frame(frame, 80, 20)
    lines = texts(rows)
    assert len(lines) == 20 and all(len(line) == 80 for line in lines)
    assert lines[0].startswith("forward · epoch 0 · sample 1 is row 0 of the batch (m = 4)")
    assert lines[1].strip() == "Z2 = A1 @ W2 + b2"
    assert lines[2].strip() == "(4×2) @ (2×1) + (1×1) → (4×1)"
    value = frame.value
    assert value is not None
    assert lines[3].strip() == f"Z2[0, 0] = A1[0] @ W2[:, 0] + b2[0, 0]   → {session.stepper.fmt(value)}"
    # the computed cell is reversed and prints Z2[0, 0] as NumPy does
    focus = styled_cells(rows, lambda s: bool(s.reverse))
    assert [t.strip() for t in focus] == [format_entries(frame.matrix("Z2").values, 4)[0].strip()]
    assert sum(line.count("▶") for line in lines) == 2  # the sample's row of A1 and of Z2
    names = [line for line in lines if "A1 (4×2)" in line]
    assert names and "W2 (2×1)" in names[0] and "b2 (1×1)" in names[0] and "Z2 (4×1)" in names[0]


def test_a_300_row_matrix_is_abbreviated_around_the_sample_row() -> None:
    session = build(defaults_for("spiral"))
    stepper = session.stepper
    # a position inside a pass is just an index: jump to just after the first z of row 150
    stepper.position = stepper.current.starts[150] + 1
    frame = matrix_position(stepper).frame
    assert frame.sample_row == 150 and frame.code == ("Z1 = X @ W1 + b1",)
    lines = texts(draw_matrix_frame(frame, 120, 40))
    x_rows = [line for line in lines if re.match(r"^\s*\d+ [▶ ] ?\[", line)]
    labels = [int(line.split()[0]) for line in x_rows]
    assert labels[:2] == [0, 1] and labels[-2:] == [298, 299] and 150 in labels
    marked = [line for line in lines if "150 ▶ [" in line]
    assert len(marked) == 2  # row 150 of X and of Z1
    x_width = len(lines[5].split("W1 (")[0])  # X's block, left of W1's
    x150 = format_entries(session.data.x[list(frame.batch)], 4)[300:302]  # as printed in X's columns
    assert marked[0][:x_width].split("[")[1].split("]")[0].split() == [v.strip() for v in x150]
    assert sum("…" in line for line in lines) >= 2
    assert all(len(line) == 120 for line in lines)


def test_ascii_mode_is_ascii_only() -> None:
    session = build(Config(hidden=(3, 2), activation="relu", optimizer="adam"))
    stepper = session.stepper
    for _ in range(40):
        stepper.step()
        lines = texts(draw_matrix_frame(matrix_position(stepper).frame, 70, 18, ascii_only=True))
        assert all(line.isascii() for line in lines), lines
    assert any(">" in line for line in lines)


WIDEST_NETS = [(2, 61, 2, 1, 63, 1), (2, 16, 16, 8, 4, 1), (2, 64, 1), (2, 1)]


@pytest.mark.parametrize("sizes", WIDEST_NETS)
def test_every_drawable_network_fits_any_pane(sizes: tuple[int, ...]) -> None:
    config = defaults_for("spiral").with_changes(hidden=sizes[1:-1], optimizer="momentum")
    session = build(config)
    stepper = session.stepper
    per_sample = stepper.current.starts[1]
    positions = sorted({1, 2, per_sample // 2, per_sample - 1, per_sample, per_sample + 3})
    frames = []
    for position in positions:
        while stepper.position < position:
            stepper.step()
        frames.append(matrix_position(stepper).frame)
    stepper.finish_pass()
    frames.append(matrix_position(stepper).frame)  # an update
    for frame in frames:
        for width, height in ((120, 40), (80, 24), (40, 12), (20, 6), (3, 2)):
            rows = draw_matrix_frame(frame, width, height, ascii_only=width == 40)
            lines = texts(rows)
            assert len(lines) == height and all(len(line) == width for line in lines)
        lines = texts(draw_matrix_frame(frame, 120, 40))
        focus = frame.focus_matrix
        assert focus is not None and any(line.lstrip().startswith(focus.name) or f"  {focus.name} (" in line for line in lines)


@settings(max_examples=60, deadline=None)
@given(
    width=st.integers(1, 160),
    height=st.integers(1, 50),
    position=st.integers(0, 200),
    ascii_only=st.booleans(),
)
def test_any_size_is_filled_exactly(width: int, height: int, position: int, ascii_only: bool) -> None:
    session = build(Config(hidden=(5, 3), activation="leaky_relu", optimizer="adam"))
    stepper = session.stepper
    for _ in range(position):
        stepper.step()
    rows = draw_matrix_frame(matrix_position(stepper).frame, width, height, ascii_only)
    lines = texts(rows)
    assert len(lines) == height and all(len(line) == width for line in lines)
    if ascii_only:
        assert all(line.isascii() for line in lines)


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.floats(-1e12, 1e12), st.sampled_from([0.0, 1.0, -1.0, 0.5, 1e-5, 123456.0, np.nan, np.inf, -np.inf])),
        min_size=1,
        max_size=12,
    ),
    digits=st.integers(1, 8),
)
def test_entries_print_as_numpy_prints_them(values: list[float], digits: int) -> None:
    array = np.array(values)
    numpy_printed = np.array2string(array, precision=digits, max_line_width=10**6, threshold=10**6).strip("[]").split()
    assert [e.strip() for e in format_entries(array, digits)] == numpy_printed


def test_visible_keeps_edges_and_the_highlight() -> None:
    assert visible(4, 10) == [0, 1, 2, 3]
    assert visible(300, 7, [150]) == [0, 1, None, 150, None, 298, 299]
    assert visible(300, 3, [150]) == [None, 150, None]
    assert visible(300, 1, [150]) == [None, 150, None]  # the highlighted row whatever the budget
    assert visible(300, 5, [1]) == [0, 1, None, 298, 299]
    assert visible(16, 9) == [0, 1, 2, 3, None, 12, 13, 14, 15]


# --- the pane ---------------------------------------------------------------------------------


class PaneApp(App[None]):
    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        yield MatrixPane(False, id="matrices")


async def test_the_pane_draws_the_views_frame_and_follows_steps() -> None:
    session = build(Config())
    controller = Controller(session)
    app = PaneApp(session)
    async with app.run_test(size=(90, 24)) as pilot:
        pane = app.query_one(MatrixPane)
        pane.view = controller.view()
        await pilot.pause()
        width, height = pane.content_size.width, pane.content_size.height
        first = [pane.render_line(y).text for y in range(height)]
        assert first[0].startswith("next: forward")
        session.stepper.step()
        pane.view = controller.view()
        await pilot.pause()
        drawn = [pane.render_line(y).text for y in range(height)]
        position = pane.view.matrices
        assert position is not None
        assert drawn == texts(draw_matrix_frame(position.frame, width, height))
        assert drawn[0].startswith("forward · epoch 0 · sample 1")


def test_live_training_views_carry_no_frame() -> None:
    controller = Controller(build(Config()))
    assert controller.view(with_values=False).matrices is None
    assert controller.view().matrices is not None


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_typing_the_lines_of_a_pass_in_order_trains_the_same_network(optimizer: str) -> None:
    """A learner who types each new line the view shows, in the order it shows them, on the
    data set and the initial weights, lands on the weights the walk lands on."""
    session = build(Config(hidden=(3,), optimizer=optimizer))
    stepper = session.stepper
    net = session.net
    ns: dict[str, object] = {"np": np, "sigmoid": sigmoid, "X": session.data.x.copy(), "Y": session.data.y.copy(), "m": 4}
    for k in (1, 2):
        ns[f"W{k}"], ns[f"b{k}"] = net.weights(k - 1).copy(), net.biases(k - 1).reshape(1, -1).copy()
        for prefix in ("M", "S"):
            ns[f"{prefix}_W{k}"], ns[f"{prefix}_b{k}"] = np.zeros_like(ns[f"W{k}"]), np.zeros_like(ns[f"b{k}"])
    ns.update(lr=stepper.lr, beta=MOMENTUM, beta1=BETA1, beta2=BETA2, eps=EPSILON, t=1)
    typed: list[str] = []
    first = stepper.current
    while stepper.current is first:
        stepper.step()
        for line in matrix_position(stepper).frame.code:
            if line not in typed:
                typed.append(line)
                exec(line, ns)
    expected_sgd = [
        "Z1 = X @ W1 + b1", "A1 = sigmoid(Z1)", "Z2 = A1 @ W2 + b2", "A2 = sigmoid(Z2)",
        "L = -(Y * np.log(A2) + (1 - Y) * np.log(1 - A2))", "dZ2 = A2 - Y", "dW2 = A1.T @ dZ2 / m",
        "db2 = dZ2.sum(axis=0, keepdims=True) / m", "dA1 = dZ2 @ W2.T", "dZ1 = dA1 * A1 * (1 - A1)",
        "dW1 = X.T @ dZ1 / m", "db1 = dZ1.sum(axis=0, keepdims=True) / m", "loss = L.sum() / m",
    ]  # fmt: skip
    assert typed[: len(expected_sgd)] == expected_sgd
    if optimizer == "sgd":
        assert typed[len(expected_sgd) :] == ["W1 -= lr * dW1", "b1 -= lr * db1", "W2 -= lr * dW2", "b2 -= lr * db2"]
    for k in (1, 2):
        assert close(ns[f"W{k}"], net.weights(k - 1)) and close(ns[f"b{k}"], net.biases(k - 1).reshape(1, -1))
    assert close(ns["loss"], stepper.history.rows()[0, 1])
