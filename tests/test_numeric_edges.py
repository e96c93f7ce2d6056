"""Every option and numeric edge refused in one line or handled (issue 21): init scales and η
float64 cannot use, saturated outputs in the chain rule, a first layer with no gradient, data too
large to draw, your own input for another network, and file names and numbers that are empty,
dangling, multi-line or 5,000 digits long."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli_helpers import one_error_line, run
from tui_nn.engine.nn.datasets import MAX_FEATURE, DataFileError, Dataset, parse_csv
from tui_nn.engine.nn.health import gradient_health
from tui_nn.engine.nn.insight import data_extent
from tui_nn.engine.session import actions as act
from tui_nn.engine.session import config as cfg
from tui_nn.engine.session import replay
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import MAX_LR, MIN_LR, Config, ConfigError
from tui_nn.engine.session.controller import Controller
from tui_nn.engine.teach.lesson import LessonError, parse_lesson
from tui_nn.engine.walk.explain import Element, explain_parameter
from tui_nn.ui.panes.healthview import health_rows, health_summary
from tui_nn.ui.shell.app import TuiNN

HUGE = "9" * 5000  # beyond Python's int() limit of 4,300 digits
SIZE = (120, 40)


# --- the command line: one line naming the flag, exit 2, nothing started -------------------------


@pytest.mark.parametrize(
    ("command", "flag", "words"),
    [
        (["train", "xor", "--init", "uniform:1e308"], "--init", "at most 1e+06"),
        (["train", "xor", "--init", "normal:1e308"], "--init", "at most 1e+06"),
        (["trace", "xor", "--init", "uniform:1e7"], "--init", "at most 1e+06"),
        (["train", "xor", "--lr", "1e308"], "--lr", "within 1e-12 … 1e+06"),
        (["train", "xor", "--lr", "1e-320"], "--lr", "within 1e-12 … 1e+06"),
        (["gradcheck", "xor", "--lr", "2e6"], "--lr", "within 1e-12 … 1e+06"),
        (["trace", "xor", "--input", "1,2,3", "--target", "1"], "--input", "needs 2 values, not 3"),
        (["trace", "xor", "--input", "1", "--target", "1"], "--input", "needs 2 values, not 1"),
        (["trace", "xor", "--input", "1,1", "--target", "1,1"], "--target", "needs 1 value, not 2"),
        (["trace", "xor", "--input", "1,1", "--target", "5"], "--target", "within 0 … 1"),
        (["trace", "xor", "--input", "1,1", "--target", "-0.5"], "--target", "within 0 … 1"),
        (["trace", "xor", "--input", "1e7,0", "--target", "1"], "--input", "within ±1e+06"),
        (["trace", "xor", "--output", ""], "--output", "the file name is empty"),
        (["train", "xor", "--save", "", "--epochs", "1"], "--save", "the file name is empty"),
        (["train", "xor", "--epochs", HUGE], "--epochs", "too large (at most 1000000000): a number of 5,000 digits"),
        (["trace", "xor", "--epochs", "-" + HUGE], "--epochs", "too small (at least 1)"),
        (["train", "xor", "--seed", HUGE], "--seed", "too large"),
        (["train", "xor", "--hidden", HUGE], "--hidden", "a number of 5,000 digits"),
        (["train", "xor", "--hidden", "2," + "x" * 5000], "--hidden", "(5,000 characters)"),
        (["train", "xor", "--lr", HUGE], "--lr", "positive finite number"),
        (["train", "xor", "--activation", "s" * 5000], "--activation", "unknown activation"),
        (["trace", "xor", "--format", "f" * 5000], "--format", "must be one of"),
        (["xor", "--pace", HUGE], "--pace", "(5,000 characters)"),
        (["xor", "--theme", "a\nb"], "--theme", "not 'a\\nb'"),
        (["explain", "xor", "--param", HUGE], "--param", "(5,000 characters)"),
        (["explain", "xor", "--unit", "h\n" * 2500], "--unit", "(5,000 characters)"),
    ],
)
def test_bad_options_are_one_short_line_naming_the_flag(
    capsys: pytest.CaptureFixture[str], command: list[str], flag: str, words: str
) -> None:
    code, out, err = run(capsys, *command)
    line = one_error_line(err)
    assert code == 2 and out == ""
    assert line.startswith(f"tui-nn: error: {flag}: ") and words in line, line
    assert len(line) < 200, "a long value is echoed shortened"


def test_a_dangling_output_link_is_found_before_the_walk(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    link = tmp_path / "trace.txt"
    link.symlink_to(tmp_path / "gone" / "trace.txt")
    code, out, err = run(capsys, "trace", "xor", "--epochs", "3", "--output", str(link))
    line = one_error_line(err)
    assert code == 2 and out == ""
    assert line.startswith("tui-nn: error: --output: ") and "symbolic link" in line and "does not exist" in line


def test_an_output_link_to_a_new_file_in_an_existing_folder_is_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "real.txt"
    link = tmp_path / "trace.txt"
    link.symlink_to(target)
    code, out, _ = run(capsys, "trace", "xor", "--output", str(link))
    assert code == 0 and out.strip() == f"wrote {target}"  # the file the link leads to
    assert link.is_symlink() and target.read_text().startswith("trace xor")


@pytest.mark.parametrize("command", [["trace", "xor", "--output"], ["train", "xor", "--epochs", "2", "--save"]])
def test_a_file_name_with_a_newline_is_echoed_escaped_on_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: list[str]
) -> None:
    path = tmp_path / "two\nlines.txt"
    code, out, err = run(capsys, *command, str(path))
    assert code == 0 and path.exists()
    said = [line for line in (out + err).splitlines() if line.startswith(("wrote", "saved"))]
    assert said == [f"{said[0].split(' ')[0]} {str(path)!r}"], out + err
    assert "lines.txt" not in (out + err).replace(repr(str(path)), "")


def test_your_own_input_still_walks_a_network_file_of_its_shape(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """--input and --target are checked against the --weights network (2-2-2 here), not the problem's."""
    net = build(Config(hidden=(2,))).net
    document = {
        "format": "tui-nn/1",
        "layers": [2, 2, 2],
        "activations": ["sigmoid", "sigmoid"],
        "loss": "mse",
        "weights": [net.weights(0).tolist(), [[0.4, 0.5], [0.45, 0.55]]],
        "biases": [[0.35, 0.35], [0.6, 0.6]],
    }
    path = tmp_path / "two-out.json"
    path.write_text(json.dumps(document))
    code, _, err = run(capsys, "trace", "xor", "--weights", str(path), "--input", "0.05,0.1", "--target", "0.01,0.99")
    assert code == 0, err
    code, _, err = run(capsys, "trace", "xor", "--weights", str(path), "--input", "0.05,0.1", "--target", "0.01")
    assert code == 2 and "--target: the target needs 2 values, not 1" in one_error_line(err)


# --- one bound for η, one for the init scale, wherever a value comes from -------------------------

LR_EDGES = [MIN_LR, MAX_LR, MIN_LR * 0.999, MAX_LR * 1.001, 1e308, 1e-320]


@pytest.mark.parametrize("lr", LR_EDGES)
def test_every_entry_point_takes_the_same_range_of_eta(lr: float) -> None:
    """The command line, lessons, session files and the +/−/set_lr actions accept exactly the same η."""
    inside = MIN_LR <= lr <= MAX_LR
    text = repr(lr)

    def accepted(attempt: object) -> bool:
        try:
            attempt() if callable(attempt) else None
        except (ConfigError, LessonError, act.ActionError):
            return False
        return True

    controller = Controller(build(Config()))
    outcome = controller.apply(act.SetLR(lr))
    assert (controller.stepper.lr == lr) == inside, outcome
    assert accepted(lambda: cfg.parse_lr(text)) == inside
    assert accepted(lambda: parse_lesson(f"---\ntitle: T\nlr: {text}\n---\n## C\n")) == inside
    assert accepted(lambda: act.config_from_json({"lr": lr})) == inside


@pytest.mark.parametrize("init", ["uniform:1e308", "normal:1e308", "uniform:2e6"])
def test_a_lesson_refuses_an_init_scale_float64_cannot_use(init: str) -> None:
    with pytest.raises(LessonError, match=re.escape("line 3: init: the ") + ".*" + re.escape("at most 1e+06")):
        parse_lesson(f"---\ntitle: T\ninit: {init}\n---\n## C\n")


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ({"lr": 1e308}, "learning rate must be within"),
        ({"lr": 1e-320}, "learning rate must be within"),
        ({"init": "uniform:1e308"}, "init scale must be at most 1e+06"),
    ],
)
def test_a_session_file_beyond_the_bounds_is_refused_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, config: dict[str, object], words: str
) -> None:
    """η 1e308 used to train to 1e305 weights with a raw NumPy RuntimeWarning; uniform:1e308 crashed."""
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"format": "tui-nn-session/1", "config": config, "actions": [{"action": "train", "epochs": 3}]}))
    with pytest.raises(replay.SessionFileError, match=re.escape(words)):
        replay.load(path)
    code, out, err = run(capsys, "replay", str(path), "--check")
    assert code == 2 and out == "" and words in one_error_line(err) and "RuntimeWarning" not in err


@pytest.mark.parametrize(
    ("field", "value"), [("lr", "1e308"), ("lr", "1e-320"), ("init", "uniform:1e308"), ("init", "normal:1e7")]
)
async def test_the_settings_screen_shows_the_bound_under_the_field_and_applies_nothing(field: str, value: str) -> None:
    app = TuiNN(build(Config()), pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        screen = app.screen
        screen.query_one(f"#field-{field}").value = value
        await pilot.pause()
        assert re.search(r"within 1e-12 … 1e\+06|at most 1e\+06", str(screen.query_one(f"#error-{field}").content))
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen and "not applied" in str(screen.query_one("#settings-message").content)
        assert app.stepper.lr == 1.0 and app.session.config.init == Config().init
        assert np.isfinite(app.session.net.params).all()


# --- the chain rule when ŷ is exactly 0 or 1 ------------------------------------------------------


def _saturating_weights(tmp_path: Path, bias: float) -> Path:
    """A 2-2-1 network whose output is σ(bias) on every sample (all weights 0)."""
    document = {
        "format": "tui-nn/1",
        "layers": [2, 2, 1],
        "activations": ["sigmoid", "sigmoid"],
        "loss": "bce",
        "weights": [[[0.0, 0.0], [0.0, 0.0]], [[0.0], [0.0]]],
        "biases": [[0.0, 0.0], [bias]],
    }
    path = tmp_path / "saturated.json"
    path.write_text(json.dumps(document))
    return path


@pytest.mark.parametrize("param", ["w11", "w22", "v1", "b_out", "b_h1"])
@pytest.mark.parametrize("init", ["normal:1e5", "normal:1e6"])
def test_explain_writes_the_chain_of_a_saturated_output_finitely(
    capsys: pytest.CaptureFixture[str], param: str, init: str
) -> None:
    code, out, err = run(capsys, "explain", "xor", "--init", init, "--param", param, "--json")
    assert code == 0, err
    story = json.loads(out)
    for chain in story["samples"]:
        product = chain["product"]
        assert product is not None and product["value"] == chain["gradient"]
        assert chain["saturated"] is not None and "∂L/∂z = ŷ − y" in chain["saturated"]
        assert "∂L/∂ŷ" not in product["text"].split("=")[0], "the product starts from ∂L/∂z"
        assert "inf" not in product["text"] and "nan" not in product["text"]


@pytest.mark.parametrize(("bias", "exactly"), [(-800.0, True), (800.0, True), (-744.0, False)])
def test_a_saturated_or_subnormal_output_is_named_in_the_text(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, bias: float, exactly: bool
) -> None:
    """σ(±800) is exactly 0 or 1; σ(−744) is a subnormal whose ŷ(1 − ŷ) is too small to divide by."""
    path = _saturating_weights(tmp_path, bias)
    code, out, err = run(capsys, "explain", "xor", "--weights", str(path), "--hidden", "2", "--param", "v1")
    assert code == 0, err
    notes = [line for line in out.splitlines() if "saturated" in line and "∂L/∂ŷ" in line]
    assert notes, out
    assert all(("exactly" in note) == exactly for note in notes)


def test_an_unsaturated_chain_keeps_its_dl_dyhat_factor(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "explain", "xor", "--param", "v1", "--json")
    assert code == 0
    for chain in json.loads(out)["samples"]:
        assert chain["saturated"] is None and chain["product"]["text"].startswith("∂L/∂v1 = ∂L/∂ŷ·∂ŷ/∂z")


def test_a_nan_output_is_not_called_saturated() -> None:
    """A diverged network's NaN ŷ keeps its NaN factors: it is not a rounding to 0 or 1."""
    session = build(Config())
    session.stepper.current.start_params[-1] = np.nan  # b_out
    story = explain_parameter(session.stepper, Element("weight", 1, 0, 0))
    assert all(chain.saturated is None for chain in story.samples)
    assert all(chain.product is not None and np.isnan(chain.product.value) for chain in story.samples)


async def test_the_inspector_on_a_saturated_output_says_so_and_keeps_running() -> None:
    app = TuiNN(build(Config(init=cfg.parse_init("normal:1e5"))), pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        for _ in range(6):
            await pilot.press("tab")
            await pilot.pause()
        assert app.is_running and app.return_code is None
        story = explain_parameter(app.stepper, Element("weight", 1, 0, 0))
        assert all(chain.saturated for chain in story.samples)


# --- gradient health when the first layer gets no gradient at all ---------------------------------


def _no_first_layer_gradient() -> list[tuple[str, Config, Dataset | None]]:
    rng = np.random.RandomState(0)
    corners = rng.choice([-100.0, 100.0], size=(20, 2))
    saturating = Dataset("corners", corners, (np.arange(20) % 2).astype(float).reshape(-1, 1))
    return [
        ("xor normal:1000", Config(init=cfg.parse_init("normal:1000")), None),
        ("tanh at ±100", cfg.defaults_for(cfg.DATA_PROBLEM), saturating),  # what --data FILE starts from
    ]


@pytest.mark.parametrize(("name", "config", "data"), _no_first_layer_gradient(), ids=lambda v: v if isinstance(v, str) else "")
def test_gradient_health_names_a_first_layer_with_no_gradient(name: str, config: Config, data: Dataset | None) -> None:
    session = build(config, data=data)
    health = gradient_health(session.net, session.data.x, session.data.y)
    assert health.layers[0].grad_w == 0.0 and health.layers[-1].grad_w > 0, name
    (line, _), *_ = health_summary(health)
    assert "‖∂L/∂W1‖ = 0 exactly" in line and "no gradient reaches W1" in line
    assert any("= 0 exactly" in "".join(seg.text for seg in row) for row in health_rows(health, 100, 8))


async def test_the_gradient_health_key_on_a_first_layer_with_no_gradient() -> None:
    app = TuiNN(build(Config(init=cfg.parse_init("normal:1000"))), pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        await pilot.pause()
        assert app.is_running and app.return_code is None


# --- data the views cannot draw --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "row", "column", "value"),
    [
        ("0,0,0\n1,1,1\n1e307,-1e307,1\n", 3, 1, "1e307"),
        ("x1,x2,label\n0,0,0\n1,1,1\n0,1e308,1\n", 4, 2, "1e308"),
        ("0,0,0\n-1e307,1,1\n", 2, 1, "-1e307"),
        ("0,0,0\n1.000001e6,1,1\n", 2, 1, "1.000001e6"),
    ],
)
def test_a_data_file_with_features_too_large_to_draw_is_refused_naming_row_and_column(
    text: str, row: int, column: int, value: str
) -> None:
    with pytest.raises(DataFileError) as caught:
        parse_csv(text, "d.csv", 100)
    message = str(caught.value)
    assert message.startswith(f"d.csv row {row}, column {column}: '{value}' is too large") and "\n" not in message


def test_data_at_the_largest_feature_is_read_and_its_plane_is_finite() -> None:
    data = parse_csv(f"{-MAX_FEATURE},{MAX_FEATURE},0\n{MAX_FEATURE},{-MAX_FEATURE},1\n0,0,1\n", "d.csv", 100)
    extent = data_extent(data)
    assert all(np.isfinite([extent.x_min, extent.x_max, extent.y_min, extent.y_max]))


async def test_the_boundary_view_draws_data_at_the_largest_feature(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(f"{-MAX_FEATURE},{MAX_FEATURE},0\n{MAX_FEATURE},{-MAX_FEATURE},1\n0,0,1\n1,1,0\n")
    app = TuiNN(build(Config(data=str(path))), pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        await pilot.pause()
        assert app.is_running and app.return_code is None


# --- your own input in the app: the same check as trace's ---------------------------------------


@pytest.mark.parametrize(
    ("x", "y", "words"),
    [((1.0, 1.0), (5.0,), "within 0 … 1"), ((1.0, 1.0), (-1.0,), "within 0 … 1"), ((1.0, 2.0, 3.0), (1.0,), "needs 2 values")],
)
def test_your_own_input_in_the_app_is_refused_as_trace_refuses_it(x: tuple[float, ...], y: tuple[float, ...], words: str) -> None:
    controller = Controller(build(Config()))
    before = controller.session
    outcome = controller.apply(act.CustomSample(x, y))
    assert outcome.message is not None and words in outcome.message.text
    assert controller.session is before and controller.session.data.name == "xor"


def test_a_target_outside_0_1_is_walked_under_mse() -> None:
    """Half the squared error is a loss for any target: only cross-entropy needs 0 … 1."""
    controller = Controller(build(Config(loss="mse")))
    controller.apply(act.CustomSample((1.0, 1.0), (5.0,)))
    assert controller.session.data.name == "input" and controller.session.data.y[0, 0] == 5.0


# --- any text at all: a value or one short line ----------------------------------------------------

_PARSERS = {
    "lr": cfg.parse_lr,
    "init": cfg.parse_init,
    "hidden": cfg.parse_hidden,
    "seed": cfg.parse_seed,
    "batch": cfg.parse_batch,
    "target loss": cfg.parse_target_loss,
    "activation": cfg.parse_activation,
    "epochs": lambda text: cfg.parse_int("epochs", text, 0, 10**9),
}
_NUMBERISH = st.one_of(
    st.text(max_size=12),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.tuples(st.sampled_from(["", "-", "+"]), st.text(alphabet="0123456789", min_size=1, max_size=6000)).map("".join),
    st.sampled_from(["normal:", "uniform:", "xavier:"]).flatmap(lambda p: st.floats().map(lambda f: p + repr(f))),
    st.text(alphabet="0123456789,-+e. \n", min_size=50, max_size=6000),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(_PARSERS)), text=_NUMBERISH)
def test_any_option_text_is_a_usable_value_or_one_short_line(name: str, text: str) -> None:
    try:
        value = _PARSERS[name](text)
    except ConfigError as error:
        message = str(error)
        assert "\n" not in message and len(message) < 200, message
        return
    if name == "lr":
        assert MIN_LR <= value <= MAX_LR
    if name == "init":
        assert value.value <= cfg.MAX_INIT_SCALE
        build(Config(init=value))  # a scale that is accepted draws finite weights


@pytest.mark.parametrize(("loss", "refused"), [("bce", True), ("mse", False)])
async def test_the_own_input_dialog_refuses_a_bce_target_outside_0_1_under_the_field(loss: str, refused: bool) -> None:
    from tui_nn.ui.screens.bridge import OwnInputScreen

    app = TuiNN(build(Config(loss=loss)), pace=None)
    async with app.run_test(size=SIZE) as pilot:
        data = app.session.data
        await pilot.press("I")
        screen = app.screen
        assert isinstance(screen, OwnInputScreen)
        screen.query_one("#own-input").value = "1, 1 → 5"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause()
        if refused:
            assert app.screen is screen and "within 0 … 1" in str(screen.query_one("#value-error").render())
            assert app.session.data is data
        else:
            assert not isinstance(app.screen, OwnInputScreen) and app.session.data.y.tolist() == [[5.0]]
