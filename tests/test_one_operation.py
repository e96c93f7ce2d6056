"""An operation is one object: nothing outside its definition asks an activation, a loss or an
optimizer for its name, and a new one (softplus) is one registry entry that every lens picks up."""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_nn.engine.nn.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, sigmoid_scalar
from tui_nn.engine.nn.datasets import load
from tui_nn.engine.nn.gradcheck import EPSILON, TOLERANCE, check, check_one, parameter_names
from tui_nn.engine.nn.losses import LOSS_KINDS
from tui_nn.engine.nn.network import InitSpec, Network
from tui_nn.engine.nn.optimizers import OPTIMIZER_KINDS
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.engine.walk.words import reference_card
from tui_nn.ui.screens.settings import FormSelect, SettingsScreen

from .cli_helpers import one_error_line, run
from .test_app import SIZE, make_app
from .test_ascii import screen_characters
from .test_settings_keys import form, go_to

PACKAGE = Path(__file__).resolve().parent.parent / "tui_nn"
DEFINITIONS = {PACKAGE / "engine" / "nn" / f"{module}.py" for module in ("activations", "losses", "optimizers")}
NAMES = frozenset(ACTIVATIONS) | frozenset(LOSS_KINDS) | frozenset(OPTIMIZER_KINDS)


def _names_in(node: ast.AST) -> list[str]:
    """The operation names a comparison operand spells out: a string, or a tuple/list/set of them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in NAMES:
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [name for element in node.elts for name in _names_in(element)]
    return []


def name_uses(source: str) -> list[tuple[int, str]]:
    """(line, name) of every place the code branches on an operation's name: a comparison
    (==, !=, in), a match case, or a table keyed by the names (a second home for what the object says)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            for operand in (node.left, *node.comparators):
                found += [(node.lineno, name) for name in _names_in(operand)]
        elif isinstance(node, ast.MatchValue):
            found += [(node.lineno, name) for name in _names_in(node.value)]
        elif isinstance(node, ast.Dict):
            found += [(node.lineno, name) for key in node.keys if key is not None for name in _names_in(key)]
    return found


def test_no_operation_name_is_compared_outside_its_definition() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {name!r}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path not in DEFINITIONS
        for line, name in name_uses(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, "ask the Activation, Loss or Optimizer object instead of its name:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    "source",
    [
        'if act.name == "relu": pass',
        'if kind in ("sigmoid", "tanh"): pass',
        'ok = "leaky_relu" != name',
        'match name:\n    case "softplus": pass',
        'FORMULAS = {"tanh": ("tanh(z)", "")}',
        'if net.loss == "bce": pass',
        'flags = rows if self.loss == "mse" else None',
        'if known.optimizer in ("momentum", "adam"): pass',
        'RULES = {"sgd": "θ ← θ − η·ḡ"}',
    ],
)
def test_the_name_scan_catches_each_way_of_branching_on_a_name(source: str) -> None:
    assert name_uses(source)


def test_the_name_scan_leaves_configuration_values_alone() -> None:
    # a preset naming its activation is a value handed to the registry, not a branch on it
    assert not name_uses('PRESET = {"activation": "tanh", "optimizer": "adam"}\nnet = build("relu", "bce")')


# --- softplus, added as one registry entry -----------------------------------------------------------

SOFTPLUS = ACTIVATIONS["softplus"]


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=-745.0, max_value=745.0, allow_nan=False))
def test_softplus_is_ln_one_plus_e_to_the_z_without_overflow_and_its_slope_is_the_sigmoid(z: float) -> None:
    value = SOFTPLUS.scalar(z)
    exact = z + math.log1p(math.exp(-z)) if z > 0 else math.log1p(math.exp(z))
    assert value == pytest.approx(exact, rel=1e-15, abs=0.0) and math.isfinite(value)
    assert SOFTPLUS.vector(np.array([z]))[0] == pytest.approx(value, rel=1e-15, abs=1e-300)
    assert SOFTPLUS.derivative_scalar(z, value) == sigmoid_scalar(z)
    assert SOFTPLUS.derivative_vector(np.array([z]), np.array([value]))[0] == pytest.approx(sigmoid_scalar(z), rel=1e-15)


def test_softplus_slope_is_its_central_difference() -> None:
    z = np.linspace(-8.0, 8.0, 33)
    h = 1e-6
    numerical = (SOFTPLUS.vector(z + h) - SOFTPLUS.vector(z - h)) / (2 * h)
    assert np.allclose(SOFTPLUS.derivative_vector(z, SOFTPLUS.vector(z)), numerical, rtol=1e-8, atol=1e-10)


def test_softplus_networks_pass_gradcheck_with_no_kink_to_excuse() -> None:
    net = Network((2, 3, 1), "softplus", "bce")
    net.initialise(InitSpec("normal", 1.0), 7)
    data = load("xor")
    result = check(net, data.x, data.y, parameter_names(net))
    assert result.passed and not result.kinks and len(result.checked) == net.n_params


def test_the_formula_card_writes_softplus_and_its_sigmoid_slope() -> None:
    net = build(Config(activation="softplus")).net
    card = reference_card(net, "sgd")
    g, slope = SOFTPLUS.card
    assert f"| hidden activation (softplus) | `a = {g}` |" in card and f"·softplus'(z)` | {slope} |" in card


def test_the_walk_says_the_derivative_of_softplus_is_the_sigmoid(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "trace", "xor", "--activation", "softplus", "--epochs", "1")
    assert code == 0, err
    assert "the derivative of softplus is the sigmoid" in out and "softplus(z) = ln(1 + e^z)" in out


def test_xor_trains_with_softplus_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "train", "xor", "--activation", "softplus", "--epochs", "3000", "--every", "3000")
    assert code == 0, err
    rows = re.findall(r"^\((\d), (\d)\)\s*\|\s*(\d)\s*\|\s*(\d) \(", out, re.M)
    assert len(rows) == 4 and all(target == predicted for _, _, target, predicted in rows), out


def test_every_registered_activation_is_a_choice_everywhere(capsys: pytest.CaptureFixture[str]) -> None:
    assert tuple(name for name, act in ACTIVATIONS.items() if not act.output_only) == HIDDEN_ACTIVATIONS
    with pytest.raises(SystemExit):
        run(capsys, "train", "--help")
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"hidden activation: {', '.join(HIDDEN_ACTIVATIONS)}" in help_text
    code, _, err = run(capsys, "train", "xor", "--activation", "softmaxx")
    assert code == 2 and all(name in one_error_line(err) for name in HIDDEN_ACTIVATIONS)


async def test_softplus_is_picked_in_settings_and_stepped_through_in_the_app() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await go_to(pilot, app, "activation")
        select = form(app).query_one("#field-activation", FormSelect)
        await pilot.press("space", *["down"] * HIDDEN_ACTIVATIONS.index("softplus"), "enter")
        await pilot.pause()
        assert select.value == "softplus"
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, SettingsScreen) and app.session.net.hidden_activation == "softplus"
        await pilot.press(*["right"] * 3)  # x, then z and a of the first hidden unit
        await pilot.pause()
        assert "softplus" in screen_characters(app)


# --- ELU (α = 1), added as one registry entry ----------------------------------------------------------

ELU = ACTIVATIONS["elu"]


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_elu_is_z_or_e_to_the_z_minus_one_without_overflow_and_its_slope_is_one_or_e_to_the_z(z: float) -> None:
    value = ELU.scalar(z)
    exact = z if z > 0 else math.expm1(z)
    assert value == exact and math.isfinite(value) and value >= -1.0
    with np.errstate(all="raise"):  # e^z is never formed for a large positive z
        assert ELU.vector(np.array([z]))[0] == pytest.approx(value, rel=1e-15, abs=1e-300)
        slope = ELU.derivative_vector(np.array([z]), np.array([value]))[0]
    expected_slope = 1.0 if z > 0 else math.exp(z)
    assert ELU.derivative_scalar(z, value) == pytest.approx(expected_slope, rel=1e-15, abs=1e-16)
    assert slope == pytest.approx(expected_slope, rel=1e-15, abs=1e-16) and 0.0 <= slope <= ELU.slope_bound


def test_elu_slope_is_its_central_difference_and_has_no_kink_at_zero() -> None:
    z = np.linspace(-8.0, 8.0, 32)  # 0 is not among them: there g'' jumps (1 below, 0 above)
    h = 1e-6
    numerical = (ELU.vector(z + h) - ELU.vector(z - h)) / (2 * h)
    assert np.allclose(ELU.derivative_vector(z, ELU.vector(z)), numerical, rtol=1e-8, atol=1e-10)
    # at 0 both one-sided slopes are 1: smooth (no kink), unlike the ReLUs
    left, right = (ELU.scalar(0.0) - ELU.scalar(-h)) / h, (ELU.scalar(h) - ELU.scalar(0.0)) / h
    assert left == pytest.approx(1.0, abs=h) and right == pytest.approx(1.0, abs=h)
    assert ELU.derivative_scalar(0.0, 0.0) == 1.0 and not ELU.kinked and ELU.curvature_jumps


@pytest.mark.parametrize("s", [0.125, 0.5, 1.0, 4.0])
def test_elu_kernel_pair_is_the_scaled_vector_form_bit_for_bit(s: float) -> None:
    z = np.concatenate([np.linspace(-40.0, 40.0, 161), [0.0, -1e-300, 1e-300, -800.0, 1e300]])
    scaled, out, tmp = s * z, np.empty_like(z), np.empty_like(z)
    assert ELU.kernel_forward is not None and ELU.kernel_slope is not None
    with np.errstate(all="raise"):
        for op in ELU.kernel_forward(scaled, out, tmp, s, lambda value, like: value):
            op()
        a = ELU.vector(z)
        assert np.array_equal(out, s * a)
        for op in ELU.kernel_slope(out, tmp, s, lambda value, like: value):
            op()
    assert np.array_equal(tmp, ELU.derivative_vector(z, a))


def test_elu_networks_pass_gradcheck_with_no_kink_to_excuse() -> None:
    net = Network((2, 3, 1), "elu", "bce")
    net.initialise(InitSpec("normal", 1.0), 7)
    data = load("xor")
    result = check(net, data.x, data.y, parameter_names(net))
    assert result.passed and not result.kinks and len(result.checked) == net.n_params


def test_gradcheck_extrapolates_where_an_elu_sum_sits_at_zero() -> None:
    """Biases start at 0, so x = (0, 0) puts every hidden z exactly at 0, where g'' jumps: the plain
    central difference is off by about ε/4 there, the extrapolated one is not."""
    net = Network((2, 3, 1), "elu", "bce")
    net.initialise(InitSpec("normal", 1.0), 7)
    data = load("xor")
    zs, _ = net.forward(data.x, net.params)
    assert np.all(zs[0][0] == 0.0)
    _, analytic, _, _ = net.loss_and_gradient(data.x, data.y)
    index = net.bias_index(0, 0)
    plus, minus = net.params.copy(), net.params.copy()
    plus[index] += EPSILON
    minus[index] -= EPSILON
    plain = (net.loss_value(data.x, data.y, plus) - net.loss_value(data.x, data.y, minus)) / (2 * EPSILON)
    assert abs(plain - analytic[index]) / abs(analytic[index]) > TOLERANCE  # what a kink-free check would fail on
    one = check_one(net, data.x, data.y, index, float(analytic[index]))
    assert not one.kink and one.relative_error < TOLERANCE


def test_the_formula_card_writes_elu_and_its_slope() -> None:
    net = build(Config(activation="elu")).net
    card = reference_card(net, "sgd")
    g, slope = ELU.card
    assert f"| hidden activation ({ELU.title}) | `a = {g}` |" in card and f"·elu'(z)` | {slope} |" in card


def test_the_walk_writes_e_to_the_z_minus_one_and_a_plus_one_for_a_negative_elu_sum(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "trace", "xor", "--activation", "elu", "--epochs", "1")
    assert code == 0, err
    assert "gives e^z − 1 when z is negative" in out and "e^z = h1 + 1 when z ≤ 0" in out
    negative = re.search(r"a = elu\(z\) = elu\((−[\d.]+)\) = e\^(−[\d.]+) − 1 = (−[\d.]+)$", out, re.M)
    assert negative is not None and negative[1] == negative[2], out
    z, a = (float(text.replace("−", "-")) for text in (negative[1], negative[3]))
    assert a == pytest.approx(math.expm1(z), abs=1e-4)
    assert re.search(r"·elu'\(z\) = \S+·\(−[\d.]+ \+ 1\) = ", out), out  # g'(z) = a + 1, with a put in
    assert re.search(r"a = elu\(z\) = elu\(([\d.]+)\) = \1$", out, re.M), out  # a positive z passes unchanged


def test_xor_trains_with_elu_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "train", "xor", "--activation", "elu", "--epochs", "3000", "--every", "3000")
    assert code == 0, err
    rows = re.findall(r"^\((\d), (\d)\)\s*\|\s*(\d)\s*\|\s*(\d) \(", out, re.M)
    assert len(rows) == 4 and all(target == predicted for _, _, target, predicted in rows), out


def test_gradcheck_passes_for_elu_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "gradcheck", "xor", "--activation", "elu")
    assert code == 0, err
    assert ": PASS" in out and "not checked" not in out, out


def test_the_quiz_knows_the_lost_minus_sign_of_e_to_the_z_minus_one() -> None:
    assert ELU.lost_sign is not None
    value, why = ELU.lost_sign(-1.5)
    assert value == pytest.approx(math.exp(-1.5) + 1.0) and "e^z − 1" in why
    assert ELU.lost_sign(2.0)[0] == ELU.scalar(2.0)  # no minus sign above 0: the quiz drops a slip equal to the answer


async def test_elu_is_picked_in_settings_and_stepped_through_in_the_app() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await go_to(pilot, app, "activation")
        select = form(app).query_one("#field-activation", FormSelect)
        await pilot.press("space", *["down"] * HIDDEN_ACTIVATIONS.index("elu"), "enter")
        await pilot.pause()
        assert select.value == "elu"
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, SettingsScreen) and app.session.net.hidden_activation == "elu"
        await pilot.press(*["right"] * 3)  # x, then z and a of the first hidden unit
        await pilot.pause()
        assert "elu" in screen_characters(app)
