"""SVG snapshots of the main screens, seeded and deterministic, at 120×40 and 80×24.

Update with `pytest tests/test_snapshots.py --snapshot-update` only after looking at the report.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config, defaults_for
from tui_nn.ui.shell.app import TuiNN

SIZES = [pytest.param((120, 40), id="120x40"), pytest.param((80, 24), id="80x24")]


def app() -> TuiNN:
    """The default session; live training at the fastest pace (the snapshots show its result)."""
    return TuiNN(build(Config()), pace=None)


@pytest.mark.parametrize("size", SIZES)
def test_start_screen(snap_compare, size) -> None:
    """Epoch 0 before any step: weights on the edges, no unit values yet."""
    assert snap_compare(app(), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_mid_forward(snap_compare, size) -> None:
    """Sample 1, after h1 and h2: the z step of the output highlighted with its edges."""
    assert snap_compare(app(), press=["right"] * 5, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_mid_backward(snap_compare, size) -> None:
    """Sample 2's backward pass: δ in the units, ∂L/∂v on the output edges."""
    # F finishes sample 1's forward, B its backward; then F and 6 steps into sample 2's backward
    assert snap_compare(app(), press=["F", "B", "F", *["right"] * 6], terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_after_update(snap_compare, size) -> None:
    """e applies the epoch's update: epoch 1, the update lines in the log."""
    assert snap_compare(app(), press=["e"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_after_live_training(snap_compare, size) -> None:
    """T trains until the loss falls below 1e-3 (a deterministic epoch), then stops."""

    async def train(pilot: Pilot) -> None:
        await pilot.press("T")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app(), run_before=train, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_help_screen(snap_compare, size) -> None:
    """? opens the help: panes, keys, notation."""
    assert snap_compare(app(), press=["question_mark"], terminal_size=size)


def test_boundary_before_training(snap_compare) -> None:
    """v: the decision boundary of the untrained network, every point drawn, wrong ones as ✕."""
    assert snap_compare(app(), press=["v"], terminal_size=(120, 40))


def test_boundary_after_training(snap_compare) -> None:
    """T then v: the trained XOR boundary, a band between the two classes."""

    async def train(pilot: Pilot) -> None:
        await pilot.press("T")
        await pilot.app.workers.wait_for_complete()
        await pilot.press("v")
        await pilot.pause()

    assert snap_compare(app(), run_before=train, terminal_size=(120, 40))


def test_hidden_space_before_training(snap_compare) -> None:
    """v v: the four samples in (h1, h2) before training: not separable by the output's line."""
    assert snap_compare(app(), press=["v", "v"], terminal_size=(120, 40))


def test_hidden_space_after_training(snap_compare) -> None:
    """T then v v: after training the output's line separates the classes in hidden space."""

    async def train(pilot: Pilot) -> None:
        await pilot.press("T")
        await pilot.app.workers.wait_for_complete()
        await pilot.press("v", "v")
        await pilot.pause()

    assert snap_compare(app(), run_before=train, terminal_size=(120, 40))


@pytest.mark.parametrize("view", ["boundary", "hidden"])
def test_spiral_after_training(snap_compare, view) -> None:
    """spiral, 2-16-8-1 ReLU with Adam, after 1,500 epochs: the boundary follows the arms."""
    from tui_nn.engine.session.config import defaults_for

    session = build(defaults_for("spiral"))
    session.stepper.run_epochs(1500)
    presses = ["v"] if view == "boundary" else ["v", "v"]
    assert snap_compare(TuiNN(session, pace=None), press=presses, terminal_size=(120, 40))


def test_all_views_side_by_side(snap_compare) -> None:
    """At 180×50 the network, the boundary and the hidden space stand side by side."""
    assert snap_compare(app(), press=["e"], terminal_size=(180, 50))


# --- watch it learn (issue 9) ----------------------------------------------------------------


def test_mid_training_frame_at_the_default_pace(snap_compare) -> None:
    """A frame of live training at the default pace (500 epochs/s), epoch 3,000: edges show ▲▼."""
    from tui_nn.ui.shell.live import DEFAULT_PACE

    async def frame(pilot: Pilot) -> None:
        app = pilot.app
        assert isinstance(app, TuiNN)
        run = app.controller.start_training(1e-3)
        drawn = app.stepper.net.params.copy()
        app.controller.train(run, 3000)
        app.live = object()  # type: ignore[assignment]  # drawn as a frame of a live run
        app.training = True
        app.draw(app.controller.view(with_values=False, since=drawn), float(DEFAULT_PACE))
        await pilot.pause()

    assert snap_compare(TuiNN(build(Config())), run_before=frame, terminal_size=(120, 40))


def test_stuck_run_with_its_diagnosis(snap_compare) -> None:
    """Seed 0 lands in the XOR local minimum: T stops by itself and says why, with what to try."""

    async def train(pilot: Pilot) -> None:
        await pilot.press("T")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(TuiNN(build(Config(seed=0)), pace=None), run_before=train, terminal_size=(120, 40))


def test_perceptron_on_xor(snap_compare) -> None:
    """--hidden none: the boundary is one straight line and the four points cannot be split."""

    async def train(pilot: Pilot) -> None:
        await pilot.press("T")
        await pilot.app.workers.wait_for_complete()
        await pilot.press("v")
        await pilot.pause()

    assert snap_compare(TuiNN(build(Config(hidden=())), pace=None), run_before=train, terminal_size=(120, 40))


# --- explain any number (issue 10) --------------------------------------------------------------


def test_selected_weight_mid_backward(snap_compare) -> None:
    """i, then v1 mid-backward of sample 2: its chain rule per sample, the update, the check."""

    async def select(pilot: Pilot) -> None:
        await pilot.press("F", "B", "F", *["right"] * 3, "i")
        app = pilot.app
        assert isinstance(app, TuiNN)
        from tui_nn.engine.walk.explain import Element

        app._select(Element("weight", 1, 0, 0))
        await pilot.pause()

    assert snap_compare(app(), run_before=select, terminal_size=(120, 40))


def test_selected_hidden_unit_after_training(snap_compare) -> None:
    """After T, h2 selected: z, a, g'(z) and δ for each sample, its weights in and out."""

    async def select(pilot: Pilot) -> None:
        await pilot.press("T")
        await pilot.app.workers.wait_for_complete()
        await pilot.press("i")
        app = pilot.app
        assert isinstance(app, TuiNN)
        from tui_nn.engine.walk.explain import Element

        app._select(Element("unit", 1, 1))
        await pilot.pause()

    assert snap_compare(app(), run_before=select, terminal_size=(120, 40))


def test_what_if_comparison(snap_compare) -> None:
    """After T, knock out h2 (k): the loss and every sample's ŷ and class before → after."""

    async def knock_out(pilot: Pilot) -> None:
        await pilot.press("T")
        await pilot.app.workers.wait_for_complete()
        await pilot.press("i")
        app = pilot.app
        assert isinstance(app, TuiNN)
        from tui_nn.engine.walk.explain import Element

        app._select(Element("unit", 1, 1))
        await pilot.press("k")
        await pilot.pause()

    assert snap_compare(app(), run_before=knock_out, terminal_size=(120, 40))


# --- share it (issue 13) --------------------------------------------------------------------------


def test_light_theme(snap_compare) -> None:
    """--theme light, mid-backward: dark text on light panes, signs and classes still distinct."""
    assert snap_compare(
        TuiNN(build(Config()), pace=None, theme_name="light"), press=["F", "B", "F", *["right"] * 6], terminal_size=(120, 40)
    )


def test_light_theme_boundary(snap_compare) -> None:
    """--theme light, the trained XOR boundary: purple and teal classes on a light plot."""

    async def train(pilot: Pilot) -> None:
        await pilot.press("T")
        await pilot.app.workers.wait_for_complete()
        await pilot.press("v")
        await pilot.pause()

    assert snap_compare(TuiNN(build(Config()), pace=None, theme_name="light"), run_before=train, terminal_size=(120, 40))


def test_command_palette(snap_compare) -> None:
    """Ctrl+P then "exp": the export commands, with their keys and what they do."""
    assert snap_compare(app(), press=["ctrl+p", "e", "x", "p"], terminal_size=(120, 40))


# --- teach with it (issue 11) ---------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_quiz_question(snap_compare, size) -> None:
    """a, then →: the next step asked before it is shown, with its inputs named (the rule behind ?)."""
    assert snap_compare(app(), press=["right", "right", "a", "right"], terminal_size=size)


def test_quiz_answer_revealed(snap_compare) -> None:
    """A wrong answer typed: the step revealed with ✗, the right value and the score."""

    async def answer(pilot: Pilot) -> None:
        await pilot.press("right", "right", "a", "right")
        await pilot.press(*"0.9", "enter")
        await pilot.pause()

    assert snap_compare(app(), run_before=answer, terminal_size=(120, 40))


@pytest.mark.parametrize("size", SIZES)
def test_lesson_page(snap_compare, size) -> None:
    """L opens the built-in XOR lesson at its first chapter, beside the log."""
    assert snap_compare(app(), press=["L"], terminal_size=size)


# --- the bridge to NumPy (issue 17) -------------------------------------------------------------------


def test_matrix_view_mid_forward(snap_compare) -> None:
    """m, then into sample 1's forward pass: Z1 = X @ W1 + b1 with the computed cell highlighted."""
    assert snap_compare(app(), press=["m", *["right"] * 3], terminal_size=(120, 40))


def test_matrix_view_mid_backward(snap_compare) -> None:
    """m, sample 2's backward pass: ∂L/∂v2 as row 2's term of dW2 = A1.T @ dZ2 / m (np.outer)."""
    assert snap_compare(app(), press=["m", "F", "B", "F", *["right"] * 4], terminal_size=(120, 40))


def test_pytorch_lens_mid_forward(snap_compare) -> None:
    """m, P: Z1 = model[0](X) beside nn.Sequential, model[0].weight drawn (out, in), the transpose of W1."""
    assert snap_compare(app(), press=["m", *["right"] * 3, "P"], terminal_size=(120, 40))


def test_pytorch_lens_mid_backward(snap_compare) -> None:
    """m, P, sample 2's backward pass: loss.backward() and model[2].weight.grad, row 2's term as torch.outer."""
    assert snap_compare(app(), press=["m", "P", "F", "B", "F", *["right"] * 4], terminal_size=(120, 40))


def test_gradient_health_of_a_vanishing_run(snap_compare) -> None:
    """g on 2-8-8-8-8-1 sigmoid (xavier, η 0.1) after 10 epochs: the first layer's gradient a
    hundredth of the last's, and σ′ ≤ 0.25 beside it."""
    from tui_nn.engine.nn.network import InitSpec

    session = build(Config(hidden=(8, 8, 8, 8), init=InitSpec("xavier", 1.0), lr=0.1))
    session.stepper.run_epochs(10)
    assert snap_compare(TuiNN(session, pace=None), press=["g"], terminal_size=(120, 40))


def test_activation_curves_relu(snap_compare) -> None:
    """g on 2-4-1 ReLU: g′ is 0 or 1, and every unit's z marked on the kinked curve."""
    assert snap_compare(
        TuiNN(build(Config(hidden=(4,), activation="relu", seed=5)), pace=None), press=["g"], terminal_size=(120, 40)
    )


# --- many classes: a validation set (issue 23) -----------------------------------------------------


@pytest.mark.parametrize("theme_name", ["dark", "light"])
def test_validation_curves(snap_compare, theme_name) -> None:
    """--val 0.3 on the noisy circle with a wide net (2-32-1 tanh, Adam η 0.01), 1,000 epochs: the
    training loss (bars) keeps falling while the validation loss (a braille line) turns up after epoch 222;
    the legend in the loss pane's title, both accuracies in the status, the lowest epoch below."""
    from tui_nn.engine.nn.network import InitSpec
    from tui_nn.engine.session.config import defaults_for

    config = defaults_for("circle").with_changes(hidden=(32,), optimizer="adam", lr=0.01, val=0.3, init=InitSpec("xavier"))
    session = build(config)
    session.stepper.run_epochs(1000)
    assert snap_compare(TuiNN(session, pace=None, theme_name=theme_name), terminal_size=(120, 40))


def test_validation_curves_ascii(snap_compare) -> None:
    """The same with --ascii: # bars and o marks, the legend in ASCII."""
    from tui_nn.engine.nn.network import InitSpec
    from tui_nn.engine.session.config import defaults_for

    config = defaults_for("circle").with_changes(hidden=(32,), optimizer="adam", lr=0.01, val=0.3, init=InitSpec("xavier"))
    session = build(config)
    session.stepper.run_epochs(1000)
    assert snap_compare(TuiNN(session, pace=None, ascii_only=True), terminal_size=(120, 40))


# --- many classes (issue 23) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("theme_name", "ascii_only"),
    [pytest.param("dark", False, id="dark"), pytest.param("light", False, id="light"), pytest.param("dark", True, id="ascii")],
)
def test_three_class_spiral_boundary(snap_compare, theme_name: str, ascii_only: bool) -> None:
    """cs231n's seeded 3-class spiral, 2-16-8-3 softmax after 1,500 epochs: each class in its Okabe–Ito colour
    (a glyph of its own in ASCII), paler where the top output is less sure, the legend naming the classes."""
    from tests.k_classes import session, spiral

    app = TuiNN(session(spiral(), epochs=1500, loss="ce"), pace=None, theme_name=theme_name, ascii_only=ascii_only)
    assert snap_compare(app, press=["v"], terminal_size=(120, 40))


def test_three_class_spiral_hidden_space(snap_compare) -> None:
    """The same network's last hidden layer on its principal plane, shaded by the class the outputs pick."""
    from tests.k_classes import session, spiral

    assert snap_compare(TuiNN(session(spiral(), epochs=1500, loss="ce"), pace=None), press=["v", "v"], terminal_size=(120, 40))


def test_softmax_step_in_the_log(snap_compare) -> None:
    """spiral3 2-3-3: sample 1 walked to its loss, the log showing z_max, the exponentials, Σe and p."""
    softmax = TuiNN(build(defaults_for("spiral3").with_changes(hidden=(3,))), pace=None)
    assert snap_compare(softmax, press=["right"] * 18, terminal_size=(120, 40))


@pytest.mark.parametrize(("hidden", "epochs"), [((), 200), ((64,), 10_000)], ids=["linear", "relu-64"])
def test_case_study_spiral3(snap_compare, hidden: tuple[int, ...], epochs: int) -> None:
    """cs231n's case study as the course runs it (step 1, λ = 1e-3): the linear softmax classifier after
    200 iterations draws three straight wedges and gets about half the points; 64 ReLU units after
    10,000 iterations follow the three arms."""
    session = build(defaults_for("spiral3").with_changes(hidden=hidden, l2=1e-3))
    session.stepper.run_epochs(epochs)
    assert snap_compare(TuiNN(session, pace=None), press=["v"], terminal_size=(120, 40))


# --- regression (issue 24) ----------------------------------------------------------------------------


@pytest.mark.parametrize("epochs", [pytest.param(0, id="epoch-0"), pytest.param(3000, id="trained")])
def test_sine_fit_with_unit_curves(snap_compare, epochs) -> None:
    """sine, 1-16-1 tanh with a linear output and MSE, v: the data, the network's curve ŷ(x) bold, each
    hidden unit's share v_i·h_i(x) faint in its own colour beneath it and the output bias b as a grey line.
    At epoch 0 the units are near-flat and the curve misses the wave; after 3,000 epochs the units' bends
    add up to it. The truth table's place holds R², the mean and the largest error; the status reads R²."""
    session = build(defaults_for("sine"))
    session.stepper.run_epochs(epochs)
    assert snap_compare(TuiNN(session, pace=None), press=["v"], terminal_size=(120, 40))


def test_saddle_surface_after_training(snap_compare) -> None:
    """saddle (y = x1·x2 on a grid), 2-8-1 tanh, after 3,000 epochs, v: the surface ŷ(x1, x2) on a diverging
    scale centred on the targets' mean (0 here), the legend's numbers at its ends, each point in its target's colour."""
    session = build(defaults_for("saddle"))
    session.stepper.run_epochs(3000)
    assert snap_compare(TuiNN(session, pace=None), press=["v"], terminal_size=(120, 40))


def test_dropout_mask_on_the_diagram_and_in_the_log(snap_compare) -> None:
    """xor 2-3-1 tanh, dropout p = 0.5, seed 2: sample 2's mask step (after F and B walk sample 1), h2 crossed out
    (✗, its edges dimmed), the log's mask lines h̃ = h·m/(1 − p) with the kept ones doubled, and the loss pane's
    training and evaluation legend."""
    dropout = TuiNN(build(Config(hidden=(3,), activation="tanh", lr=0.5, dropout=0.5, seed=2)), pace=None)
    assert snap_compare(dropout, press=["F", "B", *["right"] * 7], terminal_size=(120, 40))


# --- the loss landscape (issue 25) -----------------------------------------------------------------


def test_landscape_at_epoch_0(snap_compare) -> None:
    """l: the loss over the two parameters with the largest gradient at the initial weights, ● there,
    the −gradient's arrow and the first step η·ḡ drawn to scale to its ✕."""
    assert snap_compare(app(), press=["l"], terminal_size=(120, 40))


def test_landscape_after_training(snap_compare) -> None:
    """Forty runs of 250 epochs, each drawn: the path down the valley to the trained weights, on a log scale."""
    from tui_nn.engine.session import actions as act

    async def train(pilot: Pilot) -> None:
        await pilot.press("l")
        for _ in range(40):
            pilot.app.dispatch(act.Train(250))
        await pilot.pause()

    assert snap_compare(app(), run_before=train, terminal_size=(120, 40))


def test_landscape_overshooting_eta_16(snap_compare) -> None:
    """η = 16 after three updates: the path swings across the valley, the next step's ✕ lands uphill."""
    assert snap_compare(TuiNN(build(Config(lr=16.0)), pace=None), press=["l", "e", "e", "e"], terminal_size=(120, 40))


def test_landscape_pca_plane(snap_compare) -> None:
    """d after twenty updates: the plane of the path's top two principal directions, with its share of the variance."""
    assert snap_compare(app(), press=["l", *["e"] * 20, "d"], terminal_size=(120, 40))


def test_optimizer_race(snap_compare) -> None:
    """R, then 30 steps of 10 epochs at η = 4: SGD at 4 and 16, momentum and Adam on one landscape and one chart."""
    assert snap_compare(TuiNN(build(Config(lr=4.0)), pace=None), press=["R", *["right"] * 30], terminal_size=(120, 40))
