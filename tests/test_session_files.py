"""Session files refused cleanly: every value a recorded action holds is one the app could have
recorded, every count is bounded when the file is read, and anything else is one line naming the
field or `actions[k]`, exit 2 — never a traceback (exit 70), never a replay that does not end."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli_helpers import one_error_line, run
from tui_nn.cli.options import AppStart, make_parser, prepare_app
from tui_nn.engine.session import actions as act
from tui_nn.engine.session import replay
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import DATA_PROBLEM, Config, defaults_for, format_hidden
from tui_nn.engine.session.controller import Controller

HUGE = "9" * 5000  # beyond Python's 4,300-digit limit on int(): a ValueError, not a JSON error


def session_text(config: dict[str, Any] | None = None, actions: list[Any] | None = None, **top: Any) -> str:
    document = {"format": replay.FORMAT, "config": config or {}, "actions": actions or [], **top}
    return json.dumps(document)  # NaN and ∞ are written as NaN and Infinity, as a hand edit might


def check(capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, *extra: str) -> tuple[int, str, str]:
    path = tmp_path / "edited.json"
    path.write_text(text, encoding="utf-8")
    return run(capsys, "replay", str(path), "--check", *extra)


REFUSED = [
    # (the file's text, what the one line says)
    (session_text({"weights": 5}), "settings: weights must name a network file (or be null), not a number"),
    (session_text({"data": [1, 2]}), "settings: data must name a CSV data file (or be null), not a list"),
    (session_text({"data": ""}), "settings: data must name a CSV data file (or be null), not ''"),
    (session_text({"lr": int("9" * 400)}), "settings: lr is far too large to be a setting: a number of 400 digits"),
    (session_text({"activation": {"tanh": 1}}), "settings: activation must be text, as the command line takes it, not an object"),
    (session_text(actions=[{"action": "train", "epochs": 1}]).replace('"epochs": 1', f'"epochs": {HUGE}'), "thousands of digits"),
    (session_text({"seed": 1}).replace('"seed": 1', f'"seed": {HUGE}'), "thousands of digits"),
    (session_text(actions=[{"action": "train", "epochs": 10**12}]), "actions[0]: train: epochs must be from 1 to 1,000,000"),
    (session_text(actions=[{"action": "train", "epochs": -5}]), "actions[0]: train: epochs must be from 1 to 1,000,000, not -5"),
    (
        session_text(
            actions=[{"action": "train", "epochs": 600_000}, {"action": "next"}, {"action": "train", "epochs": 600_000}]
        ),
        "actions[2]: train: the file's runs come to more than 1,000,000 epochs",
    ),
    (
        session_text(actions=[{"action": "next"}, {"action": "pin", "sample": 99}]),
        "actions[1] (pin) cannot be applied: there is no sample 99",
    ),
    (session_text(actions=[{"action": "pin", "sample": 0}]), "actions[0]: pin: sample must be from 1 to 500"),
    (
        session_text(actions=[{"action": "set_lr", "lr": 1e300}]),
        "actions[0]: set_lr: learning rate must be within 1e-12 … 1e+06, not 1e+300",
    ),
    (
        session_text(actions=[{"action": "scale_lr", "factor": math.nan}]),
        "actions[0]: scale_lr: factor must be a positive number",
    ),
    (
        session_text(actions=[{"action": "scale_lr", "factor": math.inf}]),
        "actions[0]: scale_lr: factor must be a positive number",
    ),
    (session_text(actions=[{"action": "scale_lr", "factor": -2}]), "actions[0]: scale_lr: factor must be a positive number"),
    (session_text(actions=[{"action": "scale_lr", "factor": 0}]), "actions[0]: scale_lr: factor must be a positive number"),
    (session_text(actions=[{"action": "knock_out", "layer": 1, "unit": -1}]), "actions[0]: knock_out: unit must be from 1 to 64"),
    (
        session_text(actions=[{"action": "knock_out", "layer": 1, "unit": 3}]),
        "actions[0] (knock_out) cannot be applied: there is no hidden unit 3",
    ),
    (
        session_text(actions=[{"action": "knock_out", "layer": 2, "unit": 1}]),
        "actions[0] (knock_out) cannot be applied: there is no hidden layer 2",
    ),
    (
        session_text(actions=[{"action": "custom_sample", "x": [1, 0, 1], "y": [1]}]),
        "actions[0] (custom_sample) cannot be applied: the input needs 2 values, not 3",
    ),
    (
        session_text(actions=[{"action": "custom_sample", "x": [math.nan, 0], "y": [1]}]),
        "actions[0]: custom_sample: x must be finite",
    ),
    (
        session_text(actions=[{"action": "set_param", "param": "W1[0,99999999999999999999]", "value": 1}]),
        "actions[0] (set_param) cannot be applied: no parameter called 'W1[0,99999999999999999999]'",
    ),
    (
        session_text(actions=[{"action": "set_param", "param": "w11", "value": math.inf}]),
        "actions[0]: set_param: value must be a finite",
    ),
    (session_text(actions=[{"action": "reseed", "seed": 2**40}]), "actions[0]: reseed: seed must be from 0 to 4294967295"),
    (session_text(target_loss=math.inf), "target_loss must be a positive finite number, not inf"),
    (session_text(target_loss=int("9" * 400)), "target_loss must be a positive finite number, not a number of 400 digits"),
]


@pytest.mark.parametrize(("text", "message"), REFUSED)
def test_a_value_the_app_could_not_have_recorded_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, message: str
) -> None:
    code, out, err = check(capsys, tmp_path, text)
    assert code == 2 and out == ""
    line = one_error_line(err)
    assert message in line and len(line) < 300


def test_a_number_key_beyond_a_small_data_set_still_replays_as_recorded(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`9` on the four XOR rows is a key the app records (it changes nothing): not refused."""
    source = Controller(build(Config()))
    for action in (act.Next(), act.Pin(9), act.Next()):
        source.apply(action)
    code, out, _ = check(capsys, tmp_path, replay.to_text(source.recording()))
    assert code == 0 and "1 changed nothing where they stood, as when recorded (the first: actions[1] pin" in out


def test_expect_with_an_empty_text_names_the_flag(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = check(capsys, tmp_path, session_text(), "--expect", "")
    assert code == 2 and out == "" and one_error_line(err).startswith("tui-nn: error: --expect: give the sha256")


async def test_the_app_stops_a_replay_at_an_action_that_does_not_fit(tmp_path: Path) -> None:
    """In the app the file's action is refused where it stands, named, and nothing more is applied."""
    from tui_nn.ui.shell.app import TuiNN

    path = tmp_path / "edited.json"
    path.write_text(
        session_text(actions=[{"action": "next"}, {"action": "pin", "sample": 99}, {"action": "next"}]), encoding="utf-8"
    )
    recording = replay.load(path)
    app = TuiNN(build(recording.config), pace=None, replay=recording)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right", "right")
        await pilot.pause()
        assert "replay stopped: actions[1] (pin) cannot be applied: there is no sample 99" in app.message
        assert not app.replay_queue and app.stepper.position == 1 and app.stepper.focus is None
        await pilot.press("right")  # the session is the learner's again
        await pilot.pause()
        assert app.stepper.position == 2


# --- any session file: a clean load or one line, exit 2 ---------------------------------------------

NUMBERS = st.one_of(
    st.integers(-3, 12),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.5, 2.0, 1e-13, 1e7, 1e300, -0.0]),
)
JSON = st.recursive(
    st.none() | st.booleans() | NUMBERS | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=8,
)
FIELD_NAMES = ("epochs", "sample", "factor", "lr", "seed", "param", "value", "layer", "unit", "x", "y", "config", "extra")
CONFIG_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "problem": st.sampled_from(["xor", "and", "circle", "spiral", "moon"]),
    "hidden": st.lists(st.integers(-1, 70), max_size=5),
    "activation": st.sampled_from(["sigmoid", "tanh", "relu", "swish"]),
    "loss": st.sampled_from(["bce", "mse", "hinge"]),
    "lr": st.sampled_from([0.1, 1.0, 0, -1, "fast"]),
    "init": st.sampled_from(["xavier", "he", "normal:0.5", "uniform:1", "zeros", "normal:-1"]),
    "seed": st.integers(-5, 2**33),
    "optimizer": st.sampled_from(["sgd", "momentum", "adam", "lbfgs"]),
    "batch": st.one_of(st.none(), st.integers(-1, 600)),
    "weights": st.one_of(st.none(), st.just(""), st.just("gone.json")),
    "data": st.one_of(st.none(), st.just(""), st.just("gone.csv"), st.just(".")),
}


@st.composite
def configs(draw: st.DrawFn) -> object:
    if draw(st.integers(0, 9)) == 0:
        return draw(JSON)  # not even an object
    chosen = draw(st.lists(st.sampled_from(sorted(CONFIG_VALUES)), unique=True, max_size=4))
    document = {
        name: draw(st.one_of(CONFIG_VALUES[name], JSON) if draw(st.booleans()) else CONFIG_VALUES[name]) for name in chosen
    }
    if draw(st.integers(0, 9)) == 0:
        document[draw(st.text(max_size=6))] = draw(JSON)
    return document


@st.composite
def recorded_actions(draw: st.DrawFn) -> object:
    if draw(st.integers(0, 19)) == 0:
        return draw(JSON)
    name = draw(st.sampled_from([*act.ACTIONS, "jump"]))
    document: dict[str, Any] = {"action": name}
    for field in draw(st.lists(st.sampled_from(FIELD_NAMES), unique=True, max_size=3)):
        if field == "config":
            document[field] = draw(configs())
        elif field == "epochs":  # a valid count stays small: the budget's own test covers large ones
            document[field] = draw(st.one_of(st.integers(-5, 20), st.integers(act.MAX_EPOCHS + 1, 10**30), JSON))
        elif field in ("x", "y"):
            document[field] = draw(st.one_of(st.lists(NUMBERS, max_size=4), JSON))
        elif field == "param":
            document[field] = draw(st.one_of(st.sampled_from(["w11", "v1", "b_out", "W1[0,1]", "W9[0,0]", ""]), JSON))
        else:
            document[field] = draw(st.one_of(NUMBERS, JSON))
    return document


@st.composite
def session_files(draw: st.DrawFn) -> str:
    document: dict[str, Any] = {}
    if draw(st.integers(0, 9)):
        document["format"] = replay.FORMAT
    else:
        document["format"] = draw(JSON)
    if draw(st.integers(0, 9)):
        document["config"] = draw(configs())
    if draw(st.integers(0, 9)):
        document["actions"] = draw(st.one_of(st.lists(recorded_actions(), max_size=8), JSON))
    for key in ("target_loss", "digits"):
        if draw(st.booleans()):
            document[key] = draw(st.one_of(NUMBERS, JSON))
    if draw(st.integers(0, 14)) == 0:
        return draw(JSON).__repr__()  # not JSON at all, most of the time
    text = json.dumps(document)
    if draw(st.integers(0, 14)) == 0:
        text = text.replace("0", HUGE, 1)
    return text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=session_files())
def test_any_session_file_is_a_clean_replay_or_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str
) -> None:
    code, out, err = check(capsys, tmp_path, text)
    assert code in (0, 1, 2), err  # 70 would be an internal error: a traceback's report
    assert "Traceback" not in err
    if code == 2:
        assert out == ""
        line = one_error_line(err)
        assert len(line) < 400, line  # a value is echoed short, never whole


# --- own data: stored in the session, so a replay works from any folder ------------------------------

CSV = "x1,x2,label\n0.1,0.2,0\n0.9,0.8,1\n0.2,0.9,1\n0.8,0.1,0\n0.5,0.5,1\n"
PLAN = (act.Next(), act.Train(25), act.ScaleLR(2.0), act.Pin(2), act.FinishEpoch(), act.Pin(None), act.Reseed(5), act.Train(3))


def own_data_session(folder: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Controller]:
    """A session on mine.csv, named by a relative path as `--data mine.csv` names it, saved with S."""
    folder.mkdir()
    (folder / "mine.csv").write_text(CSV, encoding="utf-8")
    monkeypatch.chdir(folder)
    source = Controller(build(Config(hidden=(3,), activation="tanh", data="mine.csv")))
    for action in (*PLAN, act.Rebuild(Config(hidden=(4,), data="mine.csv")), act.Train(7)):
        source.apply(action)
    return replay.save(folder / "session.json", source.recording()), source


def test_a_session_on_own_data_replays_from_another_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, source = own_data_session(tmp_path / "class", monkeypatch)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, out, err = run(capsys, "replay", str(path), "--check", "--json")
    assert code == 0 and err == ""
    assert json.loads(out)["sha256"] == replay_digest(source)


def test_a_replay_says_when_the_data_file_has_changed_and_uses_the_stored_rows(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, source = own_data_session(tmp_path / "class", monkeypatch)
    (tmp_path / "class" / "mine.csv").write_text(CSV + "0.3,0.3,0\n", encoding="utf-8")
    code, out, err = run(capsys, "replay", str(path), "--check", "--json")
    assert code == 0 and json.loads(out)["sha256"] == replay_digest(source)
    assert err.startswith("tui-nn: note: ") and "mine.csv has changed since the session was saved" in err
    assert "the replay uses the 5 rows stored in the session" in err


def test_the_app_says_first_that_the_data_file_has_changed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = own_data_session(tmp_path / "class", monkeypatch)
    (tmp_path / "class" / "mine.csv").write_text(CSV.replace("0.5,0.5,1", "0.5,0.5,0"), encoding="utf-8")
    opened: list[Controller] = []
    monkeypatch.setattr("tui_nn.cli.replay.launch", lambda session, options: opened.append(Controller(session)) or 0)
    assert run(capsys, "replay", str(path)) == (0, "", "")
    first = opened[0].logbook.entries[0].text
    assert "mine.csv has changed since the session was saved; the replay uses the 5 rows stored in the session" in first


def replay_digest(controller: Controller) -> str:
    from tui_nn.cli.replay import digest

    return digest(controller.session.net.params)


# Written by `S` before data sets were stored in the session (commit a0e90d0): no "data" key, the
# CSV named by the path it was given.
OLD_SESSION = """{"format":"tui-nn-session/1","config":{"problem":"circle","hidden":[8],"activation":"tanh","loss":"bce",\
"lr":0.5,"init":"xavier","seed":1,"optimizer":"sgd","batch":null,"weights":null,"data":"mine.csv"},"target_loss":0.001,\
"digits":4,"actions":[{"action":"next"},
 {"action":"next"},
 {"action":"train","epochs":25},
 {"action":"scale_lr","factor":2.0},
 {"action":"pin","sample":2},
 {"action":"finish_epoch"},
 {"action":"pin","sample":null},
 {"action":"train","epochs":10},
 {"action":"back"},
 {"action":"forward"}]}
"""


def test_a_session_file_from_before_stored_data_still_replays(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "mine.csv").write_text(CSV, encoding="utf-8")
    (tmp_path / "old.json").write_text(OLD_SESSION, encoding="utf-8")
    recording = replay.load(tmp_path / "old.json")
    assert recording.data == {}
    expected = Controller(build(recording.config))
    for action in recording.actions:
        expected.apply(action)
    code, out, _ = run(capsys, "replay", "old.json", "--check", "--json")
    assert code == 0 and json.loads(out)["sha256"] == replay_digest(expected)
    assert json.loads(out)["epoch"] == 26


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([[0.1, 0.2, 0], [0.9, 0.8, 2]], 'data["mine.csv"] row 2, column 3: label 2 with no point of class 1'),
        ([[0.1, 0.2, 0], [0.9, 0.8, -1]], 'data["mine.csv"] row 2, column 3: a label is a class number 0, 1, 2, …'),
        ([[0.1, 0.2, 0], [math.nan, 0.8, 1]], "data[\"mine.csv\"] row 2, column 1: 'nan' is not a finite number"),
        ([[0.1, 0.2, 0], [0.9, 0.8]], 'data["mine.csv"]: rows[1] must be three numbers (x1, x2, label)'),
        ([[0.1, 0.2, 1]] * 501, 'data["mine.csv"]: 501 rows: at most 500'),
        ([[0.1, 0.2, 1], [0.3, 0.4, 1]], "every label is 1; a classifier needs points of at least two classes"),
    ],
)
def test_stored_rows_are_checked_as_the_csv_file_was(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, rows: list[list[float]], message: str
) -> None:
    stored = {"mine.csv": {"name": "mine", "source": None, "sha256": None, "rows": rows}}
    code, out, err = check(capsys, tmp_path, session_text({"data": "mine.csv"}, data=stored))
    assert code == 2 and out == "" and message in one_error_line(err)


# --- own data: the defaults it starts from are said, and files are named after it ---------------------


def app_start(*argv: str) -> AppStart:
    return prepare_app(make_parser()["app"].parse_args(list(argv)))


async def test_own_data_says_the_defaults_it_starts_from_in_the_log_and_the_status(tmp_path: Path) -> None:
    from tui_nn.ui.shell.app import TuiNN

    (tmp_path / "mine.csv").write_text(CSV, encoding="utf-8")
    start = app_start("--data", "mine.csv")
    chosen = defaults_for(DATA_PROBLEM)
    expected = (
        f"defaults for your own data: hidden {format_hidden(chosen.hidden)}, {chosen.activation}, η {chosen.lr:g}, "
        f"init {chosen.init}, seed {chosen.seed} (not the gates' hidden {format_hidden(Config().hidden)} {Config().activation}"
    )
    app = TuiNN(start.session, **{**start.options, "pace": None})
    assert app.controller.logbook.entries[0].text.startswith(expected)
    assert app.controller.logbook.entries[0].text.endswith("--hidden, --activation, --lr, --init, --seed change them")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.message.startswith(expected)


def test_only_the_settings_not_given_are_called_defaults(tmp_path: Path) -> None:
    (tmp_path / "mine.csv").write_text(CSV, encoding="utf-8")
    origin = app_start("--data", "mine.csv", "--hidden", "3", "--lr", "0.1", "--seed", "4").session.origin
    chosen = defaults_for(DATA_PROBLEM)
    assert origin is not None and origin.startswith(f"defaults for your own data: {chosen.activation}, init {chosen.init} (")
    assert origin.endswith("--activation, --init change them")
    assert (
        app_start(
            "--data", "mine.csv", "--hidden", "3", "--activation", "tanh", "--lr", "1", "--init", "he", "--seed", "2"
        ).session.origin
        is None
    )
    assert app_start("xor").session.origin is None and app_start("circle", "--data", "mine.csv").session.origin is None


async def test_files_written_from_own_data_are_named_after_it(tmp_path: Path) -> None:
    from tui_nn.ui.shell.app import TuiNN

    (tmp_path / "mine.csv").write_text(CSV, encoding="utf-8")
    app = TuiNN(app_start("--data", "mine.csv").session, pace=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("e", "s", "S", "x")
        await pilot.pause()
    written = sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".json", ".md"))
    assert written == ["mine-epoch1.json", "mine-log-epoch1.md", "mine-session-epoch1.json"]


@pytest.mark.parametrize(
    ("data", "stem"),
    [
        (None, "xor"),
        ("mine.csv", "mine"),
        ("../class/week 2; final.csv", "week-2-final"),
        ("$(rm).csv", "rm"),
        ("--.csv", "data"),
    ],
)
def test_a_file_stem_is_the_data_set_in_safe_characters(data: str | None, stem: str) -> None:
    session = build(Config())
    session.config = session.config.with_changes(data=data)
    assert session.file_stem == stem


# --- a long recorded run in the app: trained in slices, the app answering ----------------------------


async def test_the_app_replays_a_long_run_in_slices_to_the_same_weights_as_one_train(tmp_path: Path) -> None:
    from tui_nn.engine.session.playback import REPLAY_SLICE_EPOCHS
    from tui_nn.ui.shell.app import TuiNN

    plan = (act.Next(), act.Train(40 * REPLAY_SLICE_EPOCHS), act.Next())
    direct = Controller(build(Config()))
    for action in plan:
        direct.apply(action)
    recording = replay.load(replay.save(tmp_path / "s.json", direct.recording()))
    app = TuiNN(build(recording.config), pace=None, replay=recording)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right", "right")
        for _ in range(600):  # until the run has ended (each slice is a frame)
            await pilot.pause(0.05)
            if app.replay_run is None:
                break
        assert app.replay_run is None
        assert app.message.startswith(f"replayed a training run of {40 * REPLAY_SLICE_EPOCHS:,} epochs")
        await pilot.press("right")
        await pilot.pause()
        assert app.controller.record == direct.record
        assert bytes(app.session.net.params.data) == bytes(direct.session.net.params.data)
        assert app.stepper.position == direct.stepper.position and app.stepper.epoch == direct.stepper.epoch
        await pilot.press("left", "left")  # the step, then the whole run: one step back, as a key's run
        await pilot.pause()
        assert app.stepper.epoch == 0 and app.stepper.position == 1


async def test_q_quits_in_the_middle_of_a_long_recorded_run(tmp_path: Path) -> None:
    from tui_nn.ui.shell.app import TuiNN

    path = tmp_path / "s.json"
    path.write_text(
        session_text({"problem": "circle", "hidden": [8]}, [{"action": "train", "epochs": act.MAX_EPOCHS}]), encoding="utf-8"
    )
    recording = replay.load(path)
    app = TuiNN(build(recording.config), pace=None, replay=recording)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right")
        await pilot.pause(0.3)
        assert app.replay_run is not None and "replaying a training run" in app.message
        await pilot.press("T", "c", "left")  # the run owns the engine: other keys wait
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code in (0, None) and app.stepper.trainer.epoch < act.MAX_EPOCHS


def test_a_new_seed_keeps_the_data_set_read_and_the_recording_replays(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file edited while the app runs: n (a new seed) keeps the points on screen, so the one
    copy the session stores is the data every action saw."""
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "mine.csv").write_text(CSV, encoding="utf-8")
    monkeypatch.chdir(folder)
    live = Controller(build(Config(hidden=(3,), data="mine.csv")))
    live.apply(act.Train(5))
    (folder / "mine.csv").write_text(CSV.replace("0.9,0.8,1", "0.7,0.7,1"), encoding="utf-8")
    before = live.session.data.x.copy()
    live.apply(act.Reseed(11))
    live.apply(act.Train(5))
    assert np.array_equal(live.session.data.x, before)
    path = replay.save(tmp_path / "session.json", live.recording())
    code, out, _ = run(capsys, "replay", str(path), "--check", "--json")
    assert code == 0 and json.loads(out)["sha256"] == replay_digest(live)
