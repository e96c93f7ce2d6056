"""No import circle inside tui_nn: every module's imports (lazy ones in functions included, since a
circle through a function-level import is still a circle for the reader and for the lead's
package split) form a graph without a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import tui_nn

PACKAGE_ROOT = Path(tui_nn.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_entry_point(node: ast.stmt) -> bool:
    """`if __name__ == "__main__":` runs only when the file is the program, as a new module
    (__main__), so what it imports is not an import of this module."""
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    left = node.test.left
    return isinstance(left, ast.Name) and left.id == "__name__"


def imported_names(tree: ast.Module, module: str, is_package: bool) -> set[str]:
    found: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    pending: list[ast.AST] = [statement for statement in tree.body if not is_entry_point(statement)]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # `from pkg import module`
        pending.extend(ast.iter_child_nodes(node))
    return found


def import_graph() -> dict[str, set[str]]:
    sources = {module_name(path): path for path in PACKAGE_ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in sources.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names = imported_names(tree, module, path.name == "__init__.py")
        graph[module] = {name for name in names if name in sources and name != module}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path that starts and ends at the same module, or None."""
    done: set[str] = set()
    for start in sorted(graph):
        if start in done:
            continue
        path: list[str] = []
        on_path: set[str] = set()
        stack: list[tuple[str, list[str]]] = [(start, sorted(graph[start]))]
        path.append(start)
        on_path.add(start)
        while stack:
            node, todo = stack[-1]
            if not todo:
                stack.pop()
                path.pop()
                on_path.discard(node)
                done.add(node)
                continue
            nxt = todo.pop()
            if nxt in on_path:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in done:
                stack.append((nxt, sorted(graph[nxt])))
                path.append(nxt)
                on_path.add(nxt)
    return None


def test_tui_nn_has_no_import_circle() -> None:
    graph = import_graph()
    assert "tui_nn.cli.commands" in graph and "tui_nn.engine.session.controller" in graph  # the walk saw the package
    cycle = find_cycle(graph)
    assert cycle is None, "import circle: " + " → ".join(cycle or [])


def test_the_cycle_finder_sees_a_circle_through_a_lazy_import() -> None:
    """The finder itself: a function-level import closing a loop is reported, an entry-point block is not."""
    looped = ast.parse("import tui_nn.a\ndef later():\n    from tui_nn import b\n")
    entry = ast.parse("if __name__ == '__main__':\n    from tui_nn.b import main\n")
    graph = {
        "tui_nn.a": {"tui_nn.b"},
        "tui_nn.b": {n for n in imported_names(looped, "tui_nn.b", False) if n in ("tui_nn.a", "tui_nn.b")} - {"tui_nn.b"},
    }
    assert find_cycle(graph) == ["tui_nn.a", "tui_nn.b", "tui_nn.a"]
    assert imported_names(entry, "tui_nn.c", False) == set()


def test_the_subcommands_share_options_without_importing_the_dispatcher() -> None:
    graph = import_graph()
    for subcommand in ("tui_nn.cli.explain", "tui_nn.cli.replay", "tui_nn.cli.serve", "tui_nn.cli.options"):
        assert "tui_nn.cli.commands" not in graph[subcommand], f"{subcommand} imports tui_nn.cli.commands, which dispatches to it"
