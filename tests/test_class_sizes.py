"""No UI class over 300 lines: a class that big is doing more than one thing (the app was once
layout, drawing, dispatch, two players, save/export, inspecting and the live run in one)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import tui_nn.ui

MAX_LINES = 300
UI = Path(tui_nn.ui.__file__).parent


def class_lines(tree: ast.Module) -> dict[str, int]:
    """Each class's length in lines, from its first decorator or `class` line to its last."""
    return {
        node.name: node.end_lineno - min([d.lineno for d in node.decorator_list] + [node.lineno]) + 1  # type: ignore[operator]
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    }


def ui_class_sizes() -> dict[str, int]:
    sizes: dict[str, int] = {}
    for path in sorted(UI.rglob("*.py")):
        for name, size in class_lines(ast.parse(path.read_text(encoding="utf-8"))).items():
            sizes[f"{path.relative_to(UI)}:{name}"] = size
    return sizes


def test_the_measure_counts_a_class_from_its_decorator_to_its_last_line() -> None:
    body = "\n".join(f"    def m{k}(self) -> None:\n        pass" for k in range(3))
    tree = ast.parse(f"class Plain:\n{body}\n\n@decorated\nclass Wrapped:\n{body}\n")
    assert class_lines(tree) == {"Plain": 7, "Wrapped": 8}


@pytest.mark.parametrize("name", sorted(ui_class_sizes()))
def test_no_ui_class_is_over_300_lines(name: str) -> None:
    size = ui_class_sizes()[name]
    assert size <= MAX_LINES, f"{name} is {size} lines (at most {MAX_LINES}): split it by concern"
