"""Every lens on a regression network (a linear output with MSE or MAE, one input or two): the walk's
numbers against a plain NumPy regression net written here, its sentences, card and quiz, the chain
rule of `explain`, the NumPy and PyTorch views, what-if, your own input, and the handouts."""

from __future__ import annotations

import json
import math
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from tui_nn.cli.options import BUILT_IN_LESSON, read_lesson_option
from tui_nn.engine.nn.datasets import Dataset
from tui_nn.engine.nn.health import activation_curves, gradient_health
from tui_nn.engine.nn.network import InitSpec
from tui_nn.engine.session import actions as act
from tui_nn.engine.session.build import Session, build
from tui_nn.engine.session.config import Config, defaults_for
from tui_nn.engine.session.controller import Controller
from tui_nn.engine.session.export import markdown, text
from tui_nn.engine.session.logbook import Logbook, RunSummary
from tui_nn.engine.teach.lesson import builtin_lesson
from tui_nn.engine.teach.quiz import next_question
from tui_nn.engine.teach.rehearsal import rehearse
from tui_nn.engine.walk import expr
from tui_nn.engine.walk.explain import Element, ParameterStory, explain_parameter, explain_unit
from tui_nn.engine.walk.matrices import matrix_position
from tui_nn.engine.walk.notation import parse_parameter
from tui_nn.engine.walk.records import Step
from tui_nn.engine.walk.render import step_text
from tui_nn.engine.walk.stepper import Stepper
from tui_nn.engine.walk.torch_lens import torch_frame
from tui_nn.engine.walk.words import kink_cause, reference_card, sentence
from tui_nn.ui.screens.bridge import OwnInputScreen
from tui_nn.ui.shell.app import TuiNN

from .cli_helpers import run
from .test_app import log_texts
from .test_torch_lens import pane_text


def sine_points(n: int = 24) -> Dataset:
    """The seeds' 1-D regression: seeded x on [−π, π], y = sin x plus a little noise."""
    rng = np.random.RandomState(2)
    x = np.sort(rng.uniform(-np.pi, np.pi, n)).reshape(-1, 1)
    return Dataset("sine points", x, np.sin(x) + 0.05 * rng.randn(n, 1), task="regress")


def saddle_points() -> Dataset:
    """y = x₁·x₂ on a 5×5 grid: a 2-D regression."""
    grid = np.linspace(-1.0, 1.0, 5)
    x = np.array([(a, b) for a in grid for b in grid])
    return Dataset("saddle points", x, (x[:, 0] * x[:, 1]).reshape(-1, 1), task="regress")


TANH = Config(activation="tanh", loss="mse", lr=0.1, init=InitSpec("xavier"), seed=1)
NETWORKS = {
    "sine 1-16-1 mse": (TANH.with_changes(hidden=(16,)), sine_points),
    "sine 1-4-1 mae": (TANH.with_changes(hidden=(4,), loss="mae"), sine_points),
    "saddle 2-8-1 mse": (TANH.with_changes(hidden=(8,)), saddle_points),
}
MAE = "sine 1-4-1 mae"


def session_of(name: str) -> Session:
    config, points = NETWORKS[name]
    return build(config, points())


def plain_regression(session: Session, params: np.ndarray, rows: list[int]) -> dict[str, np.ndarray]:
    """The seeds' regression net, written out: tanh hidden layer, linear output ŷ = z, L = ½(ŷ − y)²
    (or |ŷ − y|), δ_out = ŷ − y (or sign(ŷ − y)), δ_h = (δ_out·v)·(1 − h²)."""
    net = session.net
    assert net.hidden_activation == "tanh" and net.n_layers == 2
    x, y = session.data.x[rows], session.data.y[rows]
    w1, b1 = net.weights(0, params), net.biases(0, params)
    w2, b2 = net.weights(1, params), net.biases(1, params)
    z1 = x @ w1 + b1
    h = np.tanh(z1)
    y_hat = h @ w2 + b2
    absolute = net.loss == "mae"
    loss = np.abs(y_hat - y) if absolute else 0.5 * (y_hat - y) ** 2
    d2 = np.sign(y_hat - y) if absolute else y_hat - y
    d1 = (d2 @ w2.T) * (1 - h**2)
    m = len(rows)
    return {"z1": z1, "h": h, "y_hat": y_hat, "loss": loss, "d2": d2, "d1": d1, "dW2": h.T @ d2 / m, "dW1": x.T @ d1 / m}


def pass_steps(stepper: Stepper) -> list[Step]:
    first = stepper.current
    steps = []
    while stepper.current is first:
        steps.append(stepper.step())
    return steps


def close(a: float, b: float, rel: float = 1e-12) -> bool:
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


# --- the walk's numbers -------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(NETWORKS))
def test_every_step_of_a_pass_is_the_plain_regression_nets_number(name: str) -> None:
    session = session_of(name)
    stepper = session.stepper
    p = stepper.current
    start, rows = p.start_params.copy(), list(p.samples)
    plain = plain_regression(session, start, rows)
    top = session.net.n_layers
    for step in pass_steps(stepper):
        if step.sample is None:
            continue
        r = rows.index(step.sample)
        if step.kind == "z":
            expected = plain["z1"][r, step.unit] if step.layer == 1 else plain["y_hat"][r, 0]
        elif step.kind == "a":
            expected = plain["h"][r, step.unit] if step.layer == 1 else plain["y_hat"][r, 0]
        elif step.kind == "loss":
            expected = plain["loss"][r, 0]
        elif step.kind == "delta":
            expected = plain["d2"][r, 0] if step.layer == top else plain["d1"][r, step.unit]
        else:
            continue
        assert close(step.value, float(expected)), (step.kind, step.label, step.value, expected)
    # the update lands where plain gradient descent on the mean gradient lands
    lr = p.lr
    net = session.net
    assert np.allclose(
        net.weights(1, stepper.current.start_params), net.weights(1, start) - lr * plain["dW2"], rtol=1e-12, atol=1e-15
    )
    assert np.allclose(
        net.weights(0, stepper.current.start_params), net.weights(0, start) - lr * plain["dW1"], rtol=1e-12, atol=1e-15
    )


@pytest.mark.parametrize("name", list(NETWORKS))
def test_the_output_is_written_y_hat_equals_z_and_said_linear(name: str) -> None:
    session = session_of(name)
    net = session.net
    steps = pass_steps(session.stepper)
    top = net.n_layers
    output = next(s for s in steps if s.kind == "a" and s.layer == top)
    written = "\n".join(step_text(output, session.stepper.fmt))
    assert "ŷ = z = " in written and "id(" not in written and "σ" not in written
    said = sentence(output, net)
    assert "linear" in said and "no squashing" in said and "any number" in said
    for step in steps:
        words = sentence(step, net)
        assert "class" not in words and "σ(z)" not in words and "probability" not in words, (step.kind, words)
    loss_words = sentence(next(s for s in steps if s.kind == "loss"), net)
    delta_words = sentence(next(s for s in steps if s.kind == "delta" and s.layer == top), net)
    if name == MAE:
        assert "|ŷ − y|" in loss_words and "sign" in delta_words and "subgradient" in delta_words
    else:
        assert "½" in loss_words and "ŷ − y" in delta_words and "linear" in delta_words


def test_an_mae_output_on_its_target_gets_the_subgradient_0_and_the_walk_says_so() -> None:
    session = session_of(MAE)
    net, p = session.net, session.stepper.current
    x = session.data.x[:3]
    walked = Stepper(net.like(p.start_params.copy()), Dataset("sine", x, np.zeros((3, 1)), task="regress"), "sgd", 0.1)
    y = np.array([[walked.sample_tables(walked.current, k).a[-1][0]] for k in range(3)])  # the walk's own ŷ, to the last bit
    y[1, 0] -= 0.25  # the other samples are predicted exactly
    exact = Dataset("sine, predicted", x, y, task="regress")
    stepper = Stepper(net.like(p.start_params.copy()), exact, "sgd", 0.1)
    deltas = [s for s in pass_steps(stepper) if s.kind == "delta" and s.layer == net.n_layers]
    assert [d.value for d in deltas] == [0.0, 1.0, 0.0]
    for d in deltas:
        written = "\n".join(step_text(d, stepper.fmt))
        assert "sign" in written
        assert (d.note is not None and "subgradient 0" in d.note) == (d.value == 0.0)


def test_the_formula_card_of_a_regression_net_writes_the_linear_output_and_pytorchs_half() -> None:
    card = reference_card(session_of("sine 1-16-1 mse").net, "sgd")
    assert "linear output" in card and "`ŷ = z`" in card and "σ(z)" not in card and "class 1" not in card
    assert "nn.MSELoss has no ½" in card
    mae = reference_card(session_of(MAE).net, "sgd")
    assert "sign(ŷ − y)" in mae and "subgradient 0" in mae


# --- the quiz -------------------------------------------------------------------------------------


def walk_to(stepper: Stepper, kind: str, layer: int) -> None:
    while not (stepper.peek().kind == kind and stepper.peek().layer == layer):
        stepper.step()


@pytest.mark.parametrize("name", list(NETWORKS))
def test_the_quiz_asks_a_regressions_prediction_as_a_number_not_a_class(name: str) -> None:
    session = session_of(name)
    stepper = session.stepper
    walk_to(stepper, "a", session.net.n_layers)
    q = next_question(stepper)
    assert not q.choices and "class" not in q.prompt
    assert q.value == stepper.peek().value


def test_the_quiz_knows_pytorchs_mse_gradient_and_the_sigmoid_slope_a_linear_output_has_not() -> None:
    session = session_of("sine 1-16-1 mse")
    stepper = session.stepper
    top = session.net.n_layers
    walk_to(stepper, "delta", top)
    t = stepper.sample_tables(stepper.current, 0)
    y_hat, y = t.a[top][0], t.y[0]
    q = next_question(stepper, style="number")
    by_value = {round(s.value, 12): s.what for s in q.slips}
    assert "PyTorch" in by_value[round(2 * (y_hat - y), 12)]
    assert "slope" in by_value[round((y_hat - y) * y_hat * (1 - y_hat), 12)]
    assert (
        "MAE" in by_value[round(math.copysign(1.0, y_hat - y), 12)]
        or "sign" in by_value[round(math.copysign(1.0, y_hat - y), 12)]
    )
    for slip in q.slips:  # every why is about the value it explains: none blames a sigmoid for sign(ŷ − y)
        if abs(abs(slip.value) - 1.0) < 1e-15:
            assert "sigmoid" not in slip.what


def test_the_quiz_knows_maes_sign_slips() -> None:
    session = session_of(MAE)
    stepper = session.stepper
    top = session.net.n_layers
    walk_to(stepper, "delta", top)
    t = stepper.sample_tables(stepper.current, 0)
    y_hat, y = t.a[top][0], t.y[0]
    q = next_question(stepper, style="number")
    whats = {round(s.value, 12): s.what for s in q.slips}
    assert "flipped" in whats[round(-math.copysign(1.0, y_hat - y), 12)]
    assert "squared" in whats[round(y_hat - y, 12)]


# --- explain and what-if ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(NETWORKS))
@pytest.mark.parametrize("element", [Element("weight", 1, 0, 0), Element("weight", 0, 0, 0), Element("bias", 1, 0)])
def test_explain_chains_equal_central_differences(name: str, element: Element) -> None:
    session = session_of(name)
    stepper, net, data = session.stepper, session.net, session.data
    story = explain_parameter(stepper, element)
    assert isinstance(story, ParameterStory)
    index = element.parameter_index(net)
    for chain in story.samples[:5]:
        x, y = data.x[[chain.sample]], data.y[[chain.sample]]
        eps = 1e-6
        up, down = net.params.copy(), net.params.copy()
        up[index] += eps
        down[index] -= eps
        numerical = (net.loss_value(x, y, up) - net.loss_value(x, y, down)) / (2 * eps)
        assert chain.gradient == pytest.approx(numerical, rel=1e-6, abs=1e-9)
        assert chain.product is not None
        assert expr.evaluate(chain.product.forms[-1]) == pytest.approx(chain.gradient, rel=1e-9, abs=1e-15)
    if element.layer == 1 and element.kind == "weight":  # (ŷ − y)·h_j into an output weight: ∂ŷ/∂z is 1
        chain = story.samples[0]
        numbers = chain.product.forms[-1]  # type: ignore[union-attr]
        factors = [expr.evaluate(f) for f in numbers.factors]  # type: ignore[attr-defined]
        assert factors[1] == 1.0


def test_the_output_unit_is_explained_as_a_value_not_a_class() -> None:
    session = session_of("sine 1-16-1 mse")
    story = explain_unit(session.stepper, Element("unit", 2, 0))
    assert "linear" in story.meaning and "no class" in story.meaning and "ŷ − y" in story.meaning


def test_what_if_on_a_regression_reports_the_error_not_a_class() -> None:
    controller = Controller(session_of("sine 1-16-1 mse"))
    outcome = controller.apply(act.SetParam("v1", 0.0))
    comparison = outcome.what_if
    assert comparison is not None
    lines = comparison.sample_lines([f"x{k}" for k in range(controller.session.data.size)], str)
    assert lines and all("error ŷ − y" in line and "class" not in line for line, _ in lines)
    before, after, y = comparison.before[0, 0], comparison.after[0, 0], comparison.targets[0, 0]  # type: ignore[index]
    assert lines[0][1] == (abs(after - y) > abs(before - y))


# --- the NumPy and PyTorch views ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["sine 1-16-1 mse", MAE])
def test_typing_the_numpy_lines_of_a_pass_in_order_lands_on_the_walks_weights(name: str) -> None:
    session = session_of(name)
    stepper, net = session.stepper, session.net
    m = session.data.size
    ns: dict[str, object] = {"np": np, "X": session.data.x.copy(), "Y": session.data.y.copy(), "m": m, "lr": stepper.lr}
    for k in (1, 2):
        ns[f"W{k}"], ns[f"b{k}"] = net.weights(k - 1).copy(), net.biases(k - 1).reshape(1, -1).copy()
    typed: list[str] = []
    first = stepper.current
    while stepper.current is first:
        stepper.step()
        for line in matrix_position(stepper).frame.code:
            if line not in typed:
                typed.append(line)
                exec(line, ns)
    assert "A2 = Z2" in typed
    if name == MAE:
        assert "dZ2 = np.sign(A2 - Y)" in typed
    else:
        assert "dZ2 = A2 - Y" in typed and "loss = np.sum((A2 - Y) ** 2) / (2 * m)" in typed
    for k in (1, 2):
        assert np.allclose(ns[f"W{k}"], net.weights(k - 1, stepper.current.start_params), rtol=1e-13, atol=1e-15)  # type: ignore[arg-type]
    assert float(ns["loss"]) == pytest.approx(stepper.history.rows()[0, 1], rel=1e-12)  # type: ignore[arg-type]


def test_the_pytorch_lens_ends_the_model_at_its_last_linear_and_says_mseloss_has_no_half() -> None:
    session = session_of("sine 1-16-1 mse")
    stepper = session.stepper
    lines: set[str] = set()
    notes: list[str] = []
    first = stepper.current
    while stepper.current is first:
        stepper.step()
        frame = torch_frame(matrix_position(stepper))
        lines.update(frame.code)
        notes.append(str(frame.notes))
    assert "model = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 1)).double()" in lines
    assert any("nn.MSELoss" in note and "no ½" in note for note in notes)
    mae = session_of(MAE).stepper
    first = mae.current
    found = []
    while mae.current is first:
        mae.step()
        found += [str(torch_frame(matrix_position(mae)).notes)]
    assert any("nn.L1Loss" in note for note in found)


# --- handouts ----------------------------------------------------------------------------------------------


def test_a_regression_runs_handout_lists_target_prediction_and_error_and_r2() -> None:
    session = session_of("sine 1-16-1 mse")
    net, data = session.net, session.data
    predictions = net.predict(data.x)
    r2 = 1 - float(np.sum((predictions - data.y) ** 2) / np.sum((data.y - data.y.mean()) ** 2))
    rows = np.array([[0.0, 0.5, 0.25], [10.0, 0.125, r2]])
    logbook = Logbook()
    logbook.run(RunSummary(0, 10, "paused by you", rows, predictions, data.x.copy(), data.y.copy(), task=data.task), "info")
    fmt = session.stepper.fmt
    handout = text(logbook.entries, fmt, "sine")
    assert "input | target | prediction | error" in handout
    assert "accuracy" not in handout and f"R² {r2:.3f}" in handout
    for i in (0, data.size - 1):
        x, y, y_hat = float(data.x[i, 0]), float(data.y[i, 0]), float(predictions[i, 0])
        assert f"({fmt(x)}) | {fmt(y)} | {fmt(y_hat)} | {fmt(y_hat - y)}" in handout
    assert "input | target | prediction | error" in markdown(logbook.entries, fmt, "sine")


def test_a_trained_regressions_log_entry_carries_its_table() -> None:
    controller = Controller(session_of("sine 1-16-1 mse"))
    controller.apply(act.Train(20))
    run = next(entry.run for entry in controller.logbook.entries if entry.run is not None)
    assert run.task == "regress"
    table = run.prediction_table(controller.stepper.fmt)
    assert table is not None and table[0] == ("input", "target", "prediction", "error")
    assert len(table[1]) == controller.session.data.size


# --- the gradient check's words, your own input ----------------------------------------------------------


def test_a_kink_at_maes_corner_is_named_as_the_prediction_crossing_its_target_not_a_relu() -> None:
    session = session_of(MAE)
    net, p = session.net, session.stepper.current
    x = session.data.x[:4]
    y = net.predict(x, p.start_params)  # every sample predicted exactly: |ŷ − y| at its corner
    exact = build(NETWORKS[MAE][0], Dataset("sine, predicted", x, y.copy(), task="regress"))
    story = explain_parameter(exact.stepper, Element("bias", 1, 0))
    assert isinstance(story, ParameterStory) and story.check.kink
    assert story.kink_verdict == "kink: a prediction ŷ crosses its target y (|ŷ − y|) within ε, no derivative here"
    relu = build(Config(hidden=(3,), activation="relu", seed=1)).net
    assert kink_cause(relu) == "a ReLU switches" and kink_cause(session_of("sine 1-16-1 mse").net) == "the loss has a kink"


def test_your_own_input_on_a_one_input_net_says_the_predicted_value_not_a_class() -> None:
    controller = Controller(session_of("sine 1-16-1 mse"))
    params = controller.stepper.current.start_params.copy()
    net = controller.session.net
    outcome = controller.apply(act.CustomSample((0.5,), (0.479,)))
    assert outcome.message is not None
    fmt = controller.stepper.fmt
    expected = float(net.predict(np.array([[0.5]]), params)[0, 0])
    assert f"the network predicts ŷ = {fmt(expected)}" in outcome.message.text and "class" not in outcome.message.text
    assert controller.session.data.x.tolist() == [[0.5]] and controller.session.net.regression
    assert controller.session.data.task_kind.regression  # its score is R², its table target/prediction/error
    xor = Controller(build(Config()))
    said = xor.apply(act.CustomSample((1.0, 0.0), (1.0,))).message
    assert said is not None and "the network predicts class " in said.text


# --- the keys, on a 1-input regression session ------------------------------------------------------------


def small_sine_app() -> TuiNN:
    return TuiNN(build(TANH.with_changes(hidden=(4,)), sine_points()), pace=None)


async def test_right_walks_a_one_input_net_to_its_linear_output_and_loss() -> None:
    app = small_sine_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*["right"] * 11)  # z and a of 4 hidden units, the output's z and ŷ, the loss
        await pilot.pause()
        said = "\n".join(log_texts(app))
        x, y = app.session.data.x[0, 0], app.session.data.y[0, 0]
        fmt = app.stepper.fmt
        assert f"x = ({fmt(x)}) · target {fmt(y)}" in said and "out   ŷ = z = " in said
        assert "L = ½·(ŷ − y)²" in said and "class" not in said and "σ" not in said
        output = app.stepper.record(app.stepper.current, 9)
        assert output.kind == "a" and "no squashing" in sentence(output, app.session.net)


async def test_own_input_on_a_one_input_net_asks_for_one_x_and_says_the_prediction() -> None:
    app = small_sine_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("I")
        screen = app.screen
        assert isinstance(screen, OwnInputScreen) and screen.n_in == 1
        screen.query_one("#own-input").value = "0.5 → 0.479"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, OwnInputScreen)
        assert app.session.data.x.tolist() == [[0.5]] and app.session.data.y.tolist() == [[0.479]]
        assert "the network predicts ŷ = " in app.message and "class" not in app.message


async def test_the_numpy_and_pytorch_views_write_the_regression_lines() -> None:
    app = small_sine_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("m", *["right"] * 10)  # to ŷ = Z2
        await pilot.pause()
        assert any("A2 = Z2" in line for line in pane_text(app))
        await pilot.press("right", "right")  # the loss, then δ_out
        await pilot.pause()
        assert any("dZ2 = A2 - Y" in line for line in pane_text(app))
        await pilot.press("P")
        await pilot.pause()
        torch = pane_text(app)
        assert any("nn.Sequential(nn.Linear(1, 4), nn.Tanh(), nn.Linear(4, 1))" in line for line in torch)
        assert not any("Identity" in line for line in torch)


def test_gradient_health_of_a_one_input_net_is_its_gradients_norms() -> None:
    session = session_of("sine 1-16-1 mse")
    net, data = session.net, session.data
    health = gradient_health(net, data.x, data.y)
    _, grad, zs, _ = net.loss_and_gradient(data.x, data.y)
    assert [h.fan_in for h in health.layers] == [1, 16] and health.layers[-1].operation.output_only
    for l, layer in enumerate(health.layers):
        assert layer.grad_w == pytest.approx(float(np.linalg.norm(net.weights(l, grad))), rel=1e-12)
        assert layer.grad_b == pytest.approx(float(np.linalg.norm(net.biases(l, grad))), rel=1e-12)
    assert health.layers[0].mean_slope == pytest.approx(float(np.mean(1 - np.tanh(zs[0]) ** 2)), rel=1e-12)
    curves = activation_curves(net, data.x)
    assert curves is not None and curves.layers[0].z.shape == (data.size, 16)


# --- the built-in problems on the command line ---------------------------------------------------------------


def test_explain_sine_param_w11_gives_the_chain_and_central_differences(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "explain", "sine", "--param", "w11", "--json")
    assert code == 0 and err == ""
    doc = json.loads(out)
    assert doc["name"] == "w1,1" and doc["file_name"] == "W1[0,0]"
    session = build(defaults_for("sine"))
    net, data = session.net, session.data
    _, grad, _, acts = net.loss_and_gradient(data.x, data.y)
    assert doc["mean_gradient"] == pytest.approx(float(grad[net.weight_index(0, 0, 0)]), rel=1e-12)
    # one sample's chain, by hand: (ŷ − y)·v1·tanh'(z_h1)·x, the linear output's ∂ŷ/∂z being 1
    first = doc["samples"][0]
    by_hand = (acts[-1][0, 0] - data.y[0, 0]) * net.weights(1)[0, 0] * (1 - acts[1][0, 0] ** 2) * data.x[0, 0]
    assert first["gradient"] == pytest.approx(by_hand, rel=1e-12)
    assert doc["numerical_check"]["numerical"] == pytest.approx(doc["mean_gradient"], rel=1e-6)


def test_a_weight_of_a_one_input_layer_answers_to_its_name_without_the_comma() -> None:
    net = build(defaults_for("sine")).net
    assert parse_parameter(net, "w11") == parse_parameter(net, "w1,1") == net.weight_index(0, 0, 0)
    assert parse_parameter(net, "w116") == net.weight_index(0, 0, 15)
    wide = build(Config(hidden=(12,), seed=1)).net.like(np.zeros(49))  # 2-12-1: w1,12 and w11,2 … still only w112 = w1,12
    assert parse_parameter(wide, "w112") == wide.weight_index(0, 0, 11)


@pytest.mark.parametrize("problem", ["sine", "saddle"])
def test_trace_of_a_built_in_regression_writes_y_hat_equals_z(capsys: pytest.CaptureFixture[str], problem: str) -> None:
    code, out, err = run(capsys, "trace", problem, "--sample", "1")
    assert code == 0 and err == ""
    assert "ŷ = z = " in out and "σ" not in out


# --- the sine lesson ---------------------------------------------------------------------------------------


def test_the_sine_lesson_rehearses_and_its_claims_are_this_runs() -> None:
    lesson = builtin_lesson("sine")
    rehearse(lesson)
    controller = Controller(build(lesson.config))
    controller.apply(act.OpenLesson("sine", resources.files("tui_nn").joinpath("lessons", "sine.md").read_text()))

    def loss(params: np.ndarray | None = None) -> float:
        s = controller.session
        return s.net.loss_value(s.data.x, s.data.y, controller.stepper.current.start_params if params is None else params)

    controller.apply(act.NextChapter())
    controller.apply(act.NextChapter())  # chapter 3: 1-2-1 trained 3000 epochs
    trained, net, data = loss(), controller.session.net, controller.session.data
    assert net.sizes == (1, 2, 1) and net.regression
    params = controller.stepper.current.start_params.copy()
    v = net.weights(1, params)[:, 0]
    assert abs(v[0]) < 0.1 < 0.7 < abs(v[1])  # "v1 close to 0", h2's step from about −0.8 to 0.8
    without_h2 = params.copy()
    net.weights(1, without_h2)[1, :] = 0.0
    assert loss(without_h2) > 0.5 * float(data.y.var())  # worse than predicting the mean
    controller.apply(act.NextChapter())  # chapter 4: h1 knocked out
    assert abs(loss() - trained) < 0.1 * trained  # "the loss barely moves"
    controller.apply(act.NextChapter())  # chapter 5: 16 units
    assert controller.session.net.sizes == (1, 16, 1) and loss() < trained / 3  # "several times lower"
    single = Controller(build(defaults_for("sine").with_changes(hidden=(1,))))
    single.apply(act.Train(3000))
    s = single.session
    assert s.net.loss_value(s.data.x, s.data.y, single.stepper.current.start_params) == pytest.approx(trained, rel=0.05)


def test_the_sine_lesson_opens_by_name_and_as_sines_own_lesson(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no file called sine here
    title = builtin_lesson("sine").title
    assert read_lesson_option("sine", "FILE").title == title
    assert read_lesson_option(BUILT_IN_LESSON, problem="sine").title == title
    assert read_lesson_option(BUILT_IN_LESSON, problem="xor").title == builtin_lesson("xor").title
    assert read_lesson_option(BUILT_IN_LESSON).title == builtin_lesson("xor").title


def test_the_quiz_on_a_linear_output_names_the_sigmoid_it_does_not_have() -> None:
    session = session_of("sine 1-16-1 mse")
    stepper = session.stepper
    walk_to(stepper, "a", session.net.n_layers)
    z = stepper.sample_tables(stepper.current, 0).z[-1][0]
    q = next_question(stepper, style="number")
    assert [(round(s.value, 12), s.what) for s in q.slips] == [
        (round(1 / (1 + math.exp(-z)), 12), "that is σ(z): a linear output applies no activation, ŷ = z")
    ]


def test_trace_your_own_input_on_sine_walks_the_regression_net(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "trace", "sine", "--input", "1.5", "--target", "1")
    assert code == 0 and err == ""
    assert "1-16-1 tanh/linear, mse" in out and "ŷ = z = " in out and "δ = ∂L/∂z = ŷ − y = " in out
