"""Dispatch by explicit tables, not by building a method's name from a string: every Action type
has its controller handler and every step kind its matrix view, and nothing else is in the tables."""

from __future__ import annotations

import ast
import typing
from pathlib import Path

import tui_nn
from tui_nn.engine.session import actions as act
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import defaults_for
from tui_nn.engine.session.controller import Controller, Outcome
from tui_nn.engine.teach import lesson
from tui_nn.engine.walk import matrices
from tui_nn.engine.walk.records import StepKind


def test_every_action_type_has_exactly_one_handler() -> None:
    assert set(Controller.HANDLERS) == set(act.ACTIONS.values())


def test_the_controller_applies_each_action_through_its_handler() -> None:
    """Apply reaches the handler the table names (a wrong row would show as another action's effect)."""
    controller = Controller(build(defaults_for("xor")))
    seen: list[type[act.Action]] = []
    original = dict(Controller.HANDLERS)
    try:
        for kind in original:
            Controller.HANDLERS[kind] = lambda self, action: seen.append(type(action)) or Outcome()
        for kind in original:
            controller.apply(kind())
    finally:
        Controller.HANDLERS.clear()
        Controller.HANDLERS.update(original)
    assert seen == list(original)


def test_every_step_kind_has_exactly_one_matrix_view() -> None:
    stepper = build(defaults_for("xor")).stepper
    stepper.step()
    builder = matrices._Builder(matrices.matrix_position(stepper))
    assert set(builder.builders()) == set(typing.get_args(StepKind))


def test_every_lesson_directive_has_a_reader() -> None:
    parser = lesson._Parser("", "t.md")
    own_readers = {"rebuild", "view", "quiz", "ask"}  # read by methods of their own (other arguments)
    assert set(parser.action_directives()) | own_readers == set(lesson.DIRECTIVES)
    assert not set(parser.action_directives()) & own_readers


def test_no_method_is_found_by_a_name_built_at_run_time() -> None:
    """getattr(self, f"...") hides the dispatch from readers and tools."""
    root = Path(tui_nn.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "getattr"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.JoinedStr | ast.BinOp)  # f"_do_{name}" or "_do_" + name
            ):
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    assert found == []
