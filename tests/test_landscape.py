"""The loss landscape: every grid value is a plain forward pass with the two parameters set, the
step drawn is the one the optimizer takes, the path is the recorded weights, the PCA share an SVD's."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.cli_helpers import one_error_line, run
from tui_nn.engine.nn import landscape as ls
from tui_nn.engine.nn.activations import HIDDEN_ACTIVATIONS
from tui_nn.engine.nn.losses import LOSS_PAIRS, SIGMOID_LOSSES
from tui_nn.engine.nn.network import Network
from tui_nn.engine.session import actions as act
from tui_nn.engine.session.build import Session, build
from tui_nn.engine.session.config import Config, defaults_for
from tui_nn.engine.session.controller import Controller

RELATIVE = 1e-12

# Every network kind the app has: binary sigmoid with bce and mse, a deep relu net, a softmax over K classes, L2.
KINDS = {
    "xor bce": defaults_for("xor"),
    "xor mse": defaults_for("xor").with_changes(loss="mse"),
    "spiral 2-16-8-1": defaults_for("spiral"),
    "spiral3 softmax": defaults_for("spiral3").with_changes(hidden=(6,)),
    "xor l2": defaults_for("xor").with_changes(l2=0.05),
    "circle l2 tanh": defaults_for("circle").with_changes(l2=0.01, activation="tanh", hidden=(4, 3)),
}


def session(name: str, epochs: int = 0) -> Session:
    built = build(KINDS[name])
    if epochs:
        built.stepper.trainer.run(epochs)
    return built


def plain_loss(net: Network, s: Session, params: np.ndarray) -> float:
    return net.loss_value(s.data.x, s.data.y, params)


def assert_close(values: np.ndarray, reference: np.ndarray) -> None:
    scale = np.maximum(np.abs(reference), 1e-300)
    assert np.all(np.abs(values - reference) <= RELATIVE * scale), np.max(np.abs(values - reference) / scale)


def pairs_of(net: Network) -> list[tuple[int, int]]:
    """Pairs in the same layer, across layers, a weight with a bias, both in the output layer; both weights of
    one unit, a unit's weight with its own bias, and a unit's weight with a weight of the layer above that
    reads that very unit (its input then differs per grid point as well as its weight)."""
    last = net.n_params - 1
    first_out = net.offsets[-1]
    return [
        (0, 1),
        (0, last),
        (net.bias_index(0, 0), first_out),
        (first_out, last),
        (1, net.weight_index(0, 1, 0)),
        (net.weight_index(0, 0, 0), net.weight_index(0, 1, 0)),
        (net.weight_index(0, 0, 0), net.bias_index(0, 0)),
        (net.weight_index(0, 0, 0), net.weight_index(1, 0, 0)),
    ]


@pytest.mark.parametrize("name", list(KINDS))
@pytest.mark.parametrize("epochs", [0, 300])
def test_every_slice_value_is_a_plain_forward_pass(name: str, epochs: int) -> None:
    s = session(name, epochs)
    net, params = s.net, s.net.params.copy()
    for pair in pairs_of(net):
        if pair[0] == pair[1]:
            continue
        xs = ls.axis_values(float(params[pair[0]]), 1.5, 5)
        ys = ls.axis_values(float(params[pair[1]]), 0.75, 3)
        grid = ls.slice_losses(net, s.data.x, s.data.y, params, pair, xs, ys)
        reference = np.empty_like(grid)
        for i, yv in enumerate(ys):
            for j, xv in enumerate(xs):
                moved = params.copy()
                moved[pair[0]], moved[pair[1]] = xv, yv
                reference[i, j] = plain_loss(net, s, moved)
        assert_close(grid, reference)


@pytest.mark.parametrize("name", list(KINDS))
def test_every_plane_value_is_a_plain_forward_pass(name: str) -> None:
    s = session(name, 100)
    net, params = s.net, s.net.params.copy()
    rng = np.random.default_rng(7)
    d1, d2 = rng.standard_normal(net.n_params), rng.standard_normal(net.n_params)
    alphas, betas = np.linspace(-0.4, 0.4, 5), np.linspace(-0.2, 0.3, 4)
    grid = ls.plane_losses(net, s.data.x, s.data.y, params, (d1, d2), alphas, betas)
    reference = np.array([[plain_loss(net, s, params + a * d1 + b * d2) for a in alphas] for b in betas])
    assert_close(grid, reference)


def test_a_grid_larger_than_a_chunk_is_the_same_as_point_by_point(monkeypatch: pytest.MonkeyPatch) -> None:
    s = session("spiral 2-16-8-1")
    net, params = s.net, s.net.params.copy()
    monkeypatch.setattr(ls, "CHUNK_ELEMENTS", 3 * s.data.size * 16)  # three grid points a chunk, the last one short
    xs, ys = ls.axis_values(float(params[0]), 1.0, 7), ls.axis_values(float(params[20]), 1.0, 3)
    grid = ls.slice_losses(net, s.data.x, s.data.y, params, (0, 20), xs, ys)
    moved = np.tile(params, (21, 1))
    moved[:, 0], moved[:, 20] = np.tile(xs, 3), np.repeat(ys, 7)
    assert_close(grid.ravel(), np.array([plain_loss(net, s, row) for row in moved]))


@settings(max_examples=25, deadline=None)
@given(centre=st.floats(-50, 50), span=st.floats(1e-3, 100), half=st.integers(1, 100))
def test_an_odd_count_puts_the_centre_exactly_on_a_grid_point(centre: float, span: float, half: int) -> None:
    values = ls.axis_values(centre, span, 2 * half + 1)
    assert values[half] == centre
    assert np.all(np.diff(values) > 0)
    assert values[0] == pytest.approx(centre - span) and values[-1] == pytest.approx(centre + span)


def test_the_centre_of_an_odd_grid_is_the_current_loss() -> None:
    c = Controller(build(defaults_for("xor")))
    c.apply(act.Train(50))
    frame = c.view().landscape(33, 21)
    assert frame.x[16] == frame.current[0] and frame.y[10] == frame.current[1]
    assert frame.loss[10, 16] == pytest.approx(c.session.net.loss_value(c.session.data.x, c.session.data.y), rel=RELATIVE)
    assert frame.current_loss == pytest.approx(frame.loss[10, 16], rel=RELATIVE)


def test_the_default_pair_is_the_two_largest_gradients_and_the_arrow_points_downhill() -> None:
    c = Controller(build(defaults_for("xor")))
    view = c.view()
    frame = view.landscape(31, 21)
    _, gradient, _, _ = view.net.loss_and_gradient(view.data.x, view.data.y)
    order = np.argsort(-np.abs(gradient))
    assert frame.pair is not None and set(frame.pair) == {int(order[0]), int(order[1])}
    a, b = frame.pair
    assert frame.gradient == (gradient[a], gradient[b])
    assert frame.downhill == (-gradient[a], -gradient[b])
    assert (frame.x_name, frame.y_name) == (ls.parameter_name(view.net, a), ls.parameter_name(view.net, b))
    assert frame.loss.shape == (21, 31) and frame.axes.extent.x_min == frame.x[0]


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_the_step_drawn_is_the_update_the_optimizer_then_takes(optimizer: str) -> None:
    c = Controller(build(defaults_for("xor").with_changes(optimizer=optimizer, lr=0.5)))
    c.apply(act.Train(40))  # momentum's and Adam's moments are under way
    view = c.view()
    state_before = c.stepper.trainer.opt_state.copy()
    frame = view.landscape(15, 11)
    assert frame.pair is not None
    a, b = frame.pair
    before = c.session.net.params.copy()
    np.testing.assert_array_equal(c.stepper.trainer.opt_state.first, state_before.first)  # painting changed nothing
    assert c.stepper.trainer.opt_state.t == state_before.t
    c.apply(act.Train(1))
    moved = c.session.net.params - before
    assert frame.step[0] == pytest.approx(moved[a], rel=1e-9, abs=1e-15)
    assert frame.step[1] == pytest.approx(moved[b], rel=1e-9, abs=1e-15)
    assert frame.next_loss == pytest.approx(c.view().landscape(15, 11).current_loss, rel=1e-9)


def test_an_overshooting_step_is_said_before_it_is_taken() -> None:
    c = Controller(build(defaults_for("xor").with_changes(lr=16.0)))
    frame = c.view().landscape(15, 11)
    assert frame.next_loss > frame.current_loss
    assert any(w.startswith("the next step goes uphill") and "η = 16" in w for w in frame.words)
    calm = Controller(build(defaults_for("xor"))).view().landscape(15, 11)
    assert calm.next_loss < calm.current_loss and not any("uphill" in w for w in calm.words)


def test_the_path_is_the_recorded_weights_on_the_slice() -> None:
    c = Controller(build(defaults_for("xor")))
    recorded = []
    for _ in range(4):
        view = c.view()
        recorded.append((view.epoch, view.snapshot.params.copy()))
        c.apply(act.Train(25))
    c.apply(act.PickLandscapeParam("w12"))
    c.apply(act.PickLandscapeParam("v2"))
    view = c.view()
    recorded.append((view.epoch, view.snapshot.params.copy()))
    frame = view.landscape(21, 11)
    a, b = c.session.net.weight_index(0, 0, 1), c.session.net.weight_index(1, 1, 0)
    assert frame.pair == (a, b) and (frame.x_name, frame.y_name) == ("W1[0,1]", "W2[1,0]")
    assert frame.path_epochs == tuple(e for e, _ in recorded)
    np.testing.assert_array_equal(frame.path, np.array([[p[a], p[b]] for _, p in recorded]))
    assert frame.current == (frame.path[-1, 0], frame.path[-1, 1])


def test_the_principal_plane_holds_the_share_an_svd_gives() -> None:
    c = Controller(build(defaults_for("xor")))
    for _ in range(6):
        c.view()
        c.apply(act.Train(60))
    c.apply(act.LandscapePlane(on=True))
    view = c.view()
    frame = view.landscape(21, 11)
    weights = np.array([p for _, p in c.trail.rows])
    offsets = weights - view.snapshot.params
    singular = np.linalg.svd(offsets, compute_uv=False)
    assert frame.mode == "pca"
    assert frame.variance_share == pytest.approx((singular[0] ** 2 + singular[1] ** 2) / np.sum(singular**2), rel=1e-12)
    _, _, vt = np.linalg.svd(offsets, full_matrices=False)
    projected = offsets @ vt[:2].T
    np.testing.assert_allclose(np.abs(frame.path), np.abs(projected), rtol=1e-9, atol=1e-12)  # a direction's sign is free
    assert frame.current == (0.0, 0.0) and np.allclose(frame.path[-1], 0.0)
    assert any("variance" in w for w in frame.words)
    # every value of the plane is the loss at centre + α·d₁ + β·d₂
    plane = ls.principal_plane(weights, view.snapshot.params)
    assert plane is not None
    d1, d2 = plane.directions
    j, i = 3, 7
    point = view.snapshot.params + frame.x[j] * d1 + frame.y[i] * d2
    assert frame.loss[i, j] == pytest.approx(view.net.loss_value(view.data.x, view.data.y, point), rel=RELATIVE)


def test_a_path_too_short_for_a_plane_falls_back_to_the_slice_and_says_so() -> None:
    c = Controller(build(defaults_for("xor")))
    view = c.view()
    assert view.landscape_request is not None
    # the controller no longer asks for a plane it cannot have (d says what it needs): the frame's own fallback
    # stands for a request made before the path went (a reset while the plane is shown)
    view = dataclasses.replace(view, landscape_request=dataclasses.replace(view.landscape_request, mode="pca"))
    frame = view.landscape(21, 11)
    assert frame.mode == "slice" and frame.variance_share is None
    assert any("principal plane" in w for w in frame.words)


def test_the_plane_is_not_asked_for_before_the_path_spans_one_and_the_message_says_why() -> None:
    c = Controller(build(defaults_for("xor")))
    c.view()
    message = c.apply(act.LandscapePlane(on=True)).message
    assert not c.landscape.plane and message is not None and "needs a path" in message.text
    for _ in range(3):
        c.apply(act.Train(20))
        c.view()
    message = c.apply(act.LandscapePlane(on=True)).message
    assert c.landscape.plane and message is not None and "principal directions" in message.text
    assert c.view().landscape(11, 11).mode == "pca"


def test_the_words_say_l2_is_in_the_loss_painted() -> None:
    frame = Controller(build(KINDS["xor l2"])).view().landscape(11, 11)
    assert any("L2 included" in w for w in frame.words)
    assert not any("L2" in w for w in Controller(build(KINDS["xor bce"])).view().landscape(11, 11).words)


def test_picks_select_one_then_another_and_refuse_in_one_line() -> None:
    c = Controller(build(defaults_for("xor")))
    first = c.apply(act.PickLandscapeParam("w11"))
    assert first.message is not None and "largest other gradient" in first.message.text
    frame = c.view().landscape(11, 11)
    assert frame.pair is not None and frame.pair[0] == c.session.net.weight_index(0, 0, 0)
    again = c.apply(act.PickLandscapeParam("W1[0,0]"))
    assert again.message is not None and again.message.tone == "warn" and "already" in again.message.text
    unknown = c.apply(act.PickLandscapeParam("w99"))
    assert unknown.message is not None and unknown.message.tone == "warn" and "\n" not in unknown.message.text
    c.apply(act.PickLandscapeParam("b_out"))
    c.apply(act.PickLandscapeParam("v1"))  # a third pick replaces the older of the two
    net = c.session.net
    assert c.view().landscape(11, 11).pair == (net.bias_index(1, 0), net.weight_index(1, 0, 0))
    c.apply(act.LandscapeLargest())
    assert c.landscape.picks == ()


def test_landscape_actions_round_trip_and_are_allowed_while_training() -> None:
    for action in (
        act.ShowLandscape(shown=True),
        act.PickLandscapeParam("w12"),
        act.LandscapeLargest(),
        act.LandscapePlane(on=False),
    ):
        assert act.action_from_json(json.loads(json.dumps(action.to_json()))) == action
    c = Controller(build(defaults_for("xor")))
    c.start_training(None)
    assert c.apply(act.ShowLandscape(shown=True)).message is None
    assert c.landscape.shown and c.view(with_values=False).landscape_shown
    with pytest.raises(RuntimeError):
        c.apply(act.Next())


def test_a_diverged_network_paints_without_an_exception() -> None:
    s = build(defaults_for("xor").with_changes(loss="mse"))
    s.net.params[:] = 1e200
    frame = ls.landscape_frame(s.net, s.data.x, s.data.y, s.net.params, ls.LandscapeRequest(), 9, 7)
    assert frame.loss.shape == (7, 9)
    assert np.isnan(frame.low) or np.isfinite(frame.low)


# --- the headless twin: tui-nn landscape ------------------------------------------------------


def test_the_command_prints_the_grid_the_view_paints(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "landscape", "xor", "--params", "w11,W2[0,0]", "--span", "0.5", "--grid", "7", "--json")
    assert code == 0 and err == ""
    document = json.loads(out)
    s = build(defaults_for("xor"))
    net, params = s.net, s.net.params.copy()
    a, b = net.weight_index(0, 0, 0), net.weight_index(1, 0, 0)
    assert document["params"] == ["W1[0,0]", "W2[0,0]"]
    assert len(document["x"]) == len(document["y"]) == 7
    assert document["x"][3] == params[a] and document["y"][3] == params[b]  # centred on the initialisation
    assert document["x"][0] == pytest.approx(params[a] - 0.5) and document["y"][-1] == pytest.approx(params[b] + 0.5)
    for i, yv in enumerate(document["y"]):
        for j, xv in enumerate(document["x"]):
            moved = params.copy()
            moved[a], moved[b] = xv, yv
            assert document["loss"][i][j] == pytest.approx(plain_loss(net, s, moved), rel=RELATIVE)


def test_the_command_centres_on_saved_weights(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    saved = tmp_path / "trained.json"
    assert run(capsys, "train", "xor", "--epochs", "300", "--save", str(saved))[0] == 0
    code, out, _ = run(capsys, "landscape", "xor", "--weights", str(saved), "--params", "b_out,v2", "--grid", "3", "--json")
    assert code == 0
    document = json.loads(out)
    s = build(defaults_for("xor").with_changes(weights=str(saved)))
    net = s.net
    assert document["x"][1] == net.params[net.bias_index(1, 0)] and document["y"][1] == net.params[net.weight_index(1, 1, 0)]
    assert document["loss"][1][1] == pytest.approx(plain_loss(net, s, net.params), rel=RELATIVE)


def test_the_command_without_json_is_a_readable_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "landscape", "xor", "--params", "w11,w12", "--grid", "41")
    assert code == 0
    assert "lowest on the grid" in out and "every 4th point" in out
    s = build(defaults_for("xor"))
    assert f"{s.net.loss_value(s.data.x, s.data.y):.6g}" in out


@pytest.mark.parametrize(
    ("words", "says"),
    [
        (("--params", "w11,zz"), "no parameter called 'zz'"),
        (("--params", "w11,W1[0,0]"), "the same parameter"),
        (("--params", "w11"), "exactly two"),
        (("--params", "w11,w12", "--grid", "64"), "odd"),
        (("--params", "w11,w12", "--grid", "100001"), "at most"),
        (("--params", "w11,w12", "--span", "0"), "above 0"),
        (("--params", "w11,w12", "--span", "-1"), "above 0"),
        (("--params", "w11,w12", "--span", "inf"), "above 0"),
        ((), "--params A,B"),
    ],
)
def test_the_command_refuses_bad_input_in_one_line(capsys: pytest.CaptureFixture[str], words: tuple[str, ...], says: str) -> None:
    code, out, err = run(capsys, "landscape", "xor", *words)
    assert code == 2 and out == ""
    assert says in one_error_line(err)


def test_while_training_live_the_path_is_the_weights_of_every_frame() -> None:
    c = Controller(build(defaults_for("xor")))
    c.apply(act.ShowLandscape(shown=True))
    live = c.start_training(None, check_stuck=False)
    frames = [(c.stepper.trainer.epoch, c.session.net.params.copy())]
    c.view(with_values=False)
    for _ in range(5):
        c.train(live, 40)  # a slice of the live run, as the training worker does between frames
        frame_view = c.view(with_values=False, since=frames[-1][1])
        frames.append((frame_view.epoch, frame_view.snapshot.params.copy()))
        painted = frame_view.landscape(15, 9)
        assert painted.path_epochs == tuple(e for e, _ in frames)
        assert painted.pair is not None
        np.testing.assert_array_equal(painted.path, np.array([p[list(painted.pair)] for _, p in frames]))
    c.stop_training(live, None)
    assert c.view().landscape(15, 9).path_epochs[-1] == 200


def test_the_words_say_dropout_is_off_while_painting() -> None:
    s = build(defaults_for("xor"))
    frame = ls.landscape_frame(s.net, s.data.x, s.data.y, s.net.params, ls.LandscapeRequest(), 9, 7, dropout=0.25)
    assert any(w.startswith("dropout off while painting (p = 0.25") for w in frame.words)
    plain = ls.landscape_frame(s.net, s.data.x, s.data.y, s.net.params, ls.LandscapeRequest(), 9, 7)
    assert not any("dropout" in w for w in plain.words)
    np.testing.assert_array_equal(frame.loss, plain.loss)  # the loss in evaluation either way


@settings(max_examples=40, deadline=None)
@given(
    inputs=st.integers(1, 3),
    hidden=st.lists(st.integers(1, 5), min_size=0, max_size=3),
    activation=st.sampled_from(HIDDEN_ACTIVATIONS),
    loss=st.sampled_from(SIGMOID_LOSSES),
    l2=st.sampled_from([0.0, 0.1]),
    seed=st.integers(0, 2**16),
    data=st.data(),
)
def test_any_pair_of_any_network_paints_plain_forward_passes(
    inputs: int, hidden: list[int], activation: str, loss: str, l2: float, seed: int, data: st.DataObject
) -> None:
    rng = np.random.default_rng(seed)
    net = Network([inputs, *hidden, 1], activation, loss, l2=l2)
    net.params[:] = rng.normal(0.0, 1.5, net.n_params)
    x = rng.normal(0.0, 1.0, (7, inputs))
    y = (rng.random((7, 1)) > 0.5).astype(float)
    assert_a_drawn_pairs_slice_is_plain_forward_passes(net, x, y, data)


def assert_a_drawn_pairs_slice_is_plain_forward_passes(net: Network, x: np.ndarray, y: np.ndarray, data: st.DataObject) -> None:
    """Two parameters drawn by Hypothesis: each slice value equals the plain forward pass's loss with them set."""
    a = data.draw(st.integers(0, net.n_params - 1))
    b = data.draw(st.integers(0, net.n_params - 1).filter(lambda k: k != a))
    xs, ys = ls.axis_values(float(net.params[a]), 2.0, 5), ls.axis_values(float(net.params[b]), 0.5, 3)
    grid = ls.slice_losses(net, x, y, net.params, (a, b), xs, ys)
    for i, yv in enumerate(ys):
        for j, xv in enumerate(xs):
            moved = net.params.copy()
            moved[a], moved[b] = xv, yv
            assert grid[i, j] == pytest.approx(net.loss_value(x, y, moved), rel=RELATIVE)


def targets_for(net: Network, rng: np.random.Generator, rows: int) -> np.ndarray:
    """Targets the network's loss is defined for: real values for a regression, one-hot rows for a softmax,
    0/1 or soft labels in [0, 1] per sigmoid unit."""
    k = net.sizes[-1]
    if net.loss_kind.regression:
        return rng.normal(0.0, 2.0, (rows, k))
    if not net.activation(net.n_layers - 1).elementwise:
        return np.eye(k)[rng.integers(0, k, rows)]
    hard = (rng.random((rows, k)) > 0.5).astype(float)
    return hard if rng.random() < 0.5 else rng.random((rows, k))


@settings(max_examples=40, deadline=None)
@given(
    inputs=st.integers(1, 3),
    hidden=st.lists(st.integers(1, 5), min_size=0, max_size=3),
    outputs=st.integers(2, 3),
    activation=st.sampled_from(HIDDEN_ACTIVATIONS),
    pair=st.sampled_from(sorted(LOSS_PAIRS)),
    l2=st.sampled_from([0.0, 0.1]),
    seed=st.integers(0, 2**16),
    data=st.data(),
)
def test_any_pair_of_any_loss_and_output_paints_plain_forward_passes(
    inputs: int,
    hidden: list[int],
    outputs: int,
    activation: str,
    pair: tuple[str, str],
    l2: float,
    seed: int,
    data: st.DataObject,
) -> None:
    """Softmax with cross-entropy, a regression's linear output (MSE, MAE), several sigmoid units (soft
    labels too): each slice value is the plain forward pass's loss, whichever two parameters move."""
    loss, output = pair
    rng = np.random.default_rng(seed)
    net = Network([inputs, *hidden, outputs], activation, loss, output_activation=output, l2=l2)
    net.params[:] = rng.normal(0.0, 1.5, net.n_params)
    x = rng.normal(0.0, 1.0, (7, inputs))
    y = targets_for(net, rng, 7)
    assert_a_drawn_pairs_slice_is_plain_forward_passes(net, x, y, data)


@settings(max_examples=25, deadline=None)
@given(
    hidden=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    activation=st.sampled_from(HIDDEN_ACTIVATIONS),
    moving=st.integers(1, 6),
    seed=st.integers(0, 2**16),
)
def test_grid_rows_moving_any_few_parameters_are_plain_forward_passes(
    hidden: list[int], activation: str, moving: int, seed: int
) -> None:
    """grid_losses takes rows that differ anywhere: a few parameters in any layers, each row its own values."""
    rng = np.random.default_rng(seed)
    net = Network([2, *hidden, 3], activation, "ce", l2=0.05)
    net.params[:] = rng.normal(0.0, 1.0, net.n_params)
    x = rng.normal(0.0, 1.0, (6, 2))
    y = np.eye(3)[rng.integers(0, 3, 6)]
    grid = np.tile(net.params, (9, 1))
    picked = rng.choice(net.n_params, size=min(moving, net.n_params), replace=False)
    grid[1:, picked] += rng.normal(0.0, 1.0, (8, picked.size))
    assert_close(ls.grid_losses(net, x, y, grid), np.array([net.loss_value(x, y, row) for row in grid]))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("mode", ["slice", "pca"])
def test_non_finite_weights_paint_without_a_warning_and_say_why(bad: float, mode: ls.Mode) -> None:
    import warnings

    s = build(defaults_for("xor"))
    params = s.net.params.copy()
    path = ((0, params.copy()), (1, params * 2.0), (2, params * 0.5 + 1.0))
    params[0] = bad
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = ls.landscape_frame(s.net, s.data.x, s.data.y, params, ls.LandscapeRequest(mode=mode, path=path), 9, 7)
    assert frame.loss.shape == (7, 9)
    assert any("not finite" in w for w in frame.words)


def test_the_legend_shades_levels_and_ticks_follow_the_scale() -> None:
    from dataclasses import replace

    frame = Controller(build(defaults_for("xor"))).view().landscape(21, 11)
    shade = frame.shade()
    assert np.nanmin(shade) == 0.0 and np.nanmax(shade) == 1.0
    lowest = np.unravel_index(np.argmin(frame.loss), frame.loss.shape)
    assert shade[lowest] == 0.0
    levels = frame.levels(4)
    assert len(levels) == 4 and frame.low < levels[0] < levels[-1] < frame.high
    assert np.allclose(np.diff(levels), (frame.high - frame.low) / 5)
    assert all(frame.low <= t <= frame.high for t in frame.legend_ticks(6))
    wide = np.array([[1e-4, 1e-3], [1e-1, np.inf]])
    low, high, log = ls.loss_scale(wide)
    assert (low, high, log) == (1e-4, 1e-1, True)
    logged = replace(frame, loss=wide, low=low, high=high, log_scale=log)
    np.testing.assert_allclose(logged.shade()[0], [0.0, 1 / 3])
    assert np.isnan(logged.shade()[1, 1])
    np.testing.assert_allclose(logged.levels(2), [1e-3, 1e-2])  # geometric on a log scale
    assert logged.legend_ticks(5) == pytest.approx((1e-4, 1e-3, 1e-2, 1e-1))


def test_the_largest_gradients_pair_is_held_while_the_run_moves_and_rechosen_when_asked() -> None:
    """XOR at η = 16 swaps which weight has the second-largest gradient within a few updates: the slice keeps the
    axes it opened with (the path on it reads as one run), and l or the palette's 'largest' re-choose them now."""
    c = Controller(build(Config(lr=16.0)))
    c.apply(act.ShowLandscape(shown=True))
    opened = c.view().landscape(11, 11).pair
    rechosen_each_frame = []
    for _ in range(6):
        c.apply(act.Train(1))
        view = c.view()
        assert view.landscape(11, 11).pair == opened
        _, gradient, _, _ = c.session.net.loss_and_gradient(c.session.data.x, c.session.data.y, view.snapshot.params)
        rechosen_each_frame.append(ls.largest_gradients(gradient))
    assert any(pair != opened for pair in rechosen_each_frame)  # the case that moved the axes before
    c.apply(act.LandscapeLargest())
    assert c.view().landscape(11, 11).pair == rechosen_each_frame[-1]
    c.apply(act.ShowLandscape(shown=False))
    c.apply(act.ShowLandscape(shown=True))
    assert c.view().landscape(11, 11).pair == rechosen_each_frame[-1]


def test_a_frame_reads_the_held_pair_without_parsing_its_names_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """view() builds the landscape request every frame, shown or not: the held pair's names are read
    once per network shape, not per frame (on the spiral that reading was 9× the rest of view())."""
    from tui_nn.engine.session import controller as controller_module
    from tui_nn.engine.walk.notation import parse_parameter

    c = Controller(build(defaults_for("spiral")))
    c.view()
    held = c.landscape.held
    parsed: list[str] = []

    def counted(net: Network, text: str) -> int:
        parsed.append(text)
        return parse_parameter(net, text)

    monkeypatch.setattr(controller_module, "parse_parameter", counted)
    for _ in range(5):
        c.apply(act.Train(1))
        request = c.view().landscape_request
        assert request is not None and request.picks == tuple(parse_parameter(c.session.net, name) for name in held)
    assert len(parsed) <= len(held)  # once, when the pair was first held


def test_a_pick_names_its_parameter_in_the_network_it_is_read_on() -> None:
    """The same names on another shape of network are other indices: a rebuild reads them afresh."""
    c = Controller(build(defaults_for("xor")))
    c.apply(act.PickLandscapeParam("W1[1,0]"))
    c.apply(act.PickLandscapeParam("b2[0]"))
    first, before = c.view().landscape_request, c.session.net
    c.apply(act.Rebuild(defaults_for("xor").with_changes(hidden=(3,))))
    c.apply(act.PickLandscapeParam("W1[1,0]"))
    c.apply(act.PickLandscapeParam("b2[0]"))
    second = c.view().landscape_request
    net = c.session.net
    assert first is not None and first.picks == (before.weight_index(0, 1, 0), before.bias_index(1, 0))
    assert second is not None and second.picks == (net.weight_index(0, 1, 0), net.bias_index(1, 0)) != first.picks


@pytest.mark.parametrize("moving", [ls.FEW_MOVES, ls.FEW_MOVES + 1, 40])
def test_grid_rows_moving_few_or_many_parameters_are_plain_forward_passes(moving: int) -> None:
    """Up to FEW_MOVES moving parameters each term is added per grid point; beyond, each point runs its own pass."""
    s = session("spiral 2-16-8-1", 50)
    net = s.net
    rng = np.random.default_rng(moving)
    grid = np.tile(net.params, (7, 1))
    picked = rng.choice(net.n_params, size=moving, replace=False)
    grid[1:, picked] += rng.normal(0.0, 0.5, (6, moving))
    assert_close(ls.grid_losses(net, s.data.x, s.data.y, grid), np.array([plain_loss(net, s, row) for row in grid]))


def test_the_table_names_its_sampling_in_plain_english() -> None:
    """ "every 2th point" read as a typo; the ordinal is spelled as it is said."""
    from tui_nn.cli.landscape import ordinal

    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 112)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "112th",
    ]  # fmt: skip
