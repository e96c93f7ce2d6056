"""One Config field table (engine/config.py FIELDS) behind every door a setting comes through: the
command line, a session file's config (actions JSON), a lesson's front matter and the settings
screen. Each field parses, formats and refuses alike on all four, and one η bound holds everywhere."""

from __future__ import annotations

import json
import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_nn.cli.commands import main
from tui_nn.cli.options import config_from, make_parser
from tui_nn.engine.nn.network import InitSpec
from tui_nn.engine.session import actions as act
from tui_nn.engine.session import config as cfg
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config, ConfigError
from tui_nn.engine.session.controller import Controller
from tui_nn.engine.teach.lesson import LessonError, parse_lesson
from tui_nn.ui.screens import settings as settings_screen

# A valid and an invalid text for every field, as a learner would type them.
TEXTS = {
    "problem": ("circle", "xnor"),
    "hidden": ("16,8", "0"),
    "activation": ("tanh", "swish"),
    "loss": ("mse", "hinge"),
    "lr": ("0.25", "1e9"),
    "init": ("uniform:0.5", "normal:"),
    "seed": ("7", "-1"),
    "optimizer": ("adam", "rmsprop"),
    "batch": ("2", "0"),
    "l2": ("0.001", "-0.5"),
    "val": ("0.3", "0.95"),
    "task": ("regress", "cluster"),
}


def through_cli(name: str, text: str) -> object:
    problem = text if name == "problem" else "xor"
    words = [problem] + ([] if name == "problem" else [f"--{name}", text])
    config, _ = config_from(make_parser()["app"].parse_args(words))
    return getattr(config, name)


def through_lesson(name: str, text: str) -> object:
    try:
        lesson = parse_lesson(f"---\ntitle: T\n{name}: {text}\n---\n## C\n")
    except LessonError as error:
        raise ConfigError(str(error)) from None
    return getattr(lesson.config, name)


def through_session_file(name: str, text: str) -> object:
    value = cfg.FIELDS[name].parse(text)  # the value the app would record, written as the recorder writes it
    document = act.config_to_json(Config().with_changes(**{name: value}))
    return getattr(act.config_from_json(json.loads(json.dumps(document))), name)


def through_settings(name: str, text: str) -> object:
    if name in settings_screen.CHOICE_FIELDS:
        _, options = settings_screen.CHOICE_FIELDS[name]
        if text not in options:
            raise ConfigError(f"{text} is not offered")
        return text
    _, parse = settings_screen.TEXT_FIELDS[name]
    return parse(text)


DOORS = [through_cli, through_lesson, through_session_file, through_settings]


def test_the_table_covers_every_parsed_config_field_and_every_door_uses_it() -> None:
    parsed = {f for f in Config.__dataclass_fields__ if f not in ("weights", "data")}
    assert set(cfg.FIELDS) == parsed == set(TEXTS)
    shown = set(settings_screen.TEXT_FIELDS) | set(settings_screen.CHOICE_FIELDS)
    assert shown == parsed
    cli_options = {a.dest for a in make_parser()["train"]._actions}
    assert parsed <= cli_options


@pytest.mark.parametrize("name", list(TEXTS))
@pytest.mark.parametrize("door", DOORS, ids=lambda d: d.__name__)
def test_a_valid_text_means_the_same_value_through_every_door(name: str, door: object) -> None:
    text = TEXTS[name][0]
    assert door(text=text, name=name) == cfg.FIELDS[name].parse(text)  # type: ignore[operator]


@pytest.mark.parametrize("name", [n for n in TEXTS if n != "problem"])
@pytest.mark.parametrize("door", [through_cli, through_lesson, through_settings], ids=lambda d: d.__name__)
def test_an_invalid_text_is_refused_with_the_same_words_through_every_door(name: str, door: object) -> None:
    text = TEXTS[name][1]
    with pytest.raises(ConfigError) as expected:
        cfg.FIELDS[name].parse(text)
    if name in settings_screen.CHOICE_FIELDS and door is through_settings:
        pytest.skip("a menu offers only valid choices")
    with pytest.raises(ConfigError) as refused:
        door(text=text, name=name)  # type: ignore[operator]
    assert str(expected.value) in str(refused.value)


def test_eta_out_of_bounds_is_refused_in_the_same_words_on_every_path(capsys: pytest.CaptureFixture[str]) -> None:
    """Before: --lr said 'within … not', + said 'is outside', a session file 'lr must be from … to …'."""
    words = cfg.lr_refusal("")
    assert main(["train", "xor", "--lr", "1e9", "--epochs", "1"]) == 2
    assert words in capsys.readouterr().err
    controller = Controller(build(cfg.defaults_for("xor").with_changes(lr=cfg.MAX_LR)))
    outcome = controller.apply(act.ScaleLR(2.0))
    assert outcome.message is not None and words in outcome.message.text
    assert controller.stepper.lr == cfg.MAX_LR
    with pytest.raises(LessonError, match=re.escape(words)):
        parse_lesson("---\ntitle: T\nlr: 1e9\n---\n## C\n")
    with pytest.raises(LessonError, match=re.escape(words)):
        parse_lesson("---\ntitle: T\n---\n## C\n<!-- tui-nn: lr 1e9 -->\n")
    with pytest.raises(act.ActionError, match=re.escape(words)):
        act.action_from_json({"action": "set_lr", "lr": 1e9})
    with pytest.raises(ConfigError, match=re.escape(words)):
        through_settings("lr", "1e9")


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=cfg.MIN_LR, max_value=cfg.MAX_LR))
def test_eta_formats_and_parses_back_to_the_same_float(lr: float) -> None:
    """Before: the settings screen showed η with six digits, so Apply changed an η like 0.1234567."""
    text = cfg.FIELDS["lr"].format(lr)
    assert cfg.FIELDS["lr"].parse(text) == lr
    assert settings_screen.field_text(Config(lr=lr), "lr") == text


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(["normal", "uniform"]),
    st.floats(min_value=1e-6, max_value=cfg.MAX_INIT_SCALE).filter(lambda v: v > 0 and math.isfinite(v)),
)
def test_an_init_scale_formats_and_parses_back_to_the_same_spec(kind: str, scale: float) -> None:
    spec = InitSpec(kind, scale)
    assert cfg.FIELDS["init"].parse(cfg.FIELDS["init"].format(spec)) == spec


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=8), max_size=3),
    st.one_of(st.none(), st.integers(min_value=1, max_value=4)),
    st.integers(min_value=0, max_value=2**32 - 1),
)
def test_every_field_round_trips_through_its_text(hidden: list[int], batch: int | None, seed: int) -> None:
    config = Config(hidden=tuple(hidden), batch=batch, seed=seed)
    for name, field in cfg.FIELDS.items():
        value = getattr(config, name)
        assert field.parse(field.format(value)) == value, name
