"""The UI reaches the engine through one door: the controller, the View and the value types it hands over.

Panes draw records the engine computed (a BoundaryGrid, a HiddenPlot, GradientHealth, ActivationCurves…);
they import no engine math and hold no Network or Dataset of their own, so a new activation, loss or
layer changes the engine and the panes draw it unchanged.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tui_nn.engine.nn.datasets import Dataset
from tui_nn.engine.nn.network import Network
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config

UI = Path(__file__).resolve().parent.parent / "tui_nn" / "ui"

# The door: engine modules any UI module may import. Each holds orchestration, values or wording, no math.
ALLOWED = {
    "controller",  # actions in, Views out
    "view",  # the View and the records panes draw (it re-exports them from the modules that compute them)
    "actions",  # what a key or click becomes
    "records",  # Key, Step, NumberFormat: values
    "reasons",  # stop reasons and notices as values
    "reason_words",  # their wording
    "words",  # plain sentences
    "render",  # a step's text and equation spans
    "notation",  # names and labels of units and parameters
    "expr",  # the minus sign the formulas use (MINUS)
    "logbook",  # the calculation log's entries
    "config",  # the Config value the settings screen edits
    "pace",  # the pace ladder (values and their text)
    "playback",  # when the walk and a recording play their next action: decisions as values
    "saving",  # the files a session writes, through the controller: the app shows the line it returns
    "teaching",  # the quiz and the lesson's frame: what the question panel and the page show
    "race",  # the optimizer race: entrants moved in lock-step by the loop train uses, its frames as records
}

# Known exceptions, by (UI module, engine module or numpy): each with why it is still there. The list
# may only shrink: an import not in ALLOWED and not here fails the test.
EXCEPTIONS = {
    # numpy as a rasteriser's pixel arithmetic (shade levels, runs of equal cells, braille dots, number
    # formatting), never the model's math: every number these draw comes from a record.
    ("curves.py", "numpy"): "braille dots of the curves and the points on them",
    ("diagram.py", "numpy"): "runs of equal styles in the diagram's cells",
    ("insight_views.py", "numpy"): "shade levels and runs of the boundary heatmap",
    ("losschart.py", "numpy"): "the loss chart's columns and block levels",
    ("matrixview.py", "numpy"): "formatting the NumPy view's entries (np.format_float_*)",
    ("renderables.py", "numpy"): "the truth table's sparkline and the point cloud's per-class counts",
    # Constants and name lists for text and choices, not their math (the operation registry of issue 22
    # item 1 will hand these over as values).
    ("settings.py", "datasets"): "the settings screen checks a --data file the user names (item 8 moves parsing to one table)",
    ("renderables.py", "datasets"): "the truth table reads the View's data rows (the Dataset type)",
    # The gradient check's result records and its tolerance (its own modal screen).
    ("bridge.py", "gradcheck"): "the GradCheck result type the modal screen waits for",
    ("healthview.py", "gradcheck"): "GradCheck/ParameterCheck result types and TOLERANCE for the verdict",
    ("bridge.py", "own_input"): "parsing the learner's own input row",
    # The inspector's element and its stories (issue 22 item 5 gives the inspector its own keys).
    ("app.py", "explain"): "Element navigation (move, cycle) and what-if",
    ("diagram.py", "explain"): "the Element a click selects",
    ("inspector.py", "explain"): "the stories the inspector shows",
    ("widgets.py", "explain"): "the Element a click selects",
    # The app shell's files, teaching and live run: issue 22 item 5 (save/export through the controller,
    # quiz and lesson as actions) and item 2 (one live loop) move these behind the controller.
    ("app_base.py", "stepper"): "the Stepper type of app.stepper",
    ("app.py", "stepper"): "the Stepper type of app.stepper",
    ("app_base.py", "build"): "the Session type of app.session",
    ("app_base.py", "explain"): "the Element type of the selection and the WhatIf type",
    ("app_inspect.py", "explain"): "Element navigation (move, cycle) and what-if",
    ("app_files.py", "export"): "the export formats x offers (FORMATS)",
    ("live.py", "live_run"): "the in-process fallback runs the one live-run loop in the worker thread",
    ("app.py", "build"): "the Session the app is started with",
    ("app.py", "replay"): "recording and replaying",
    ("app.py", "lesson"): "the lesson's state",
    ("teach.py", "quiz"): "checking an answer",
    ("live.py", "remote"): "the training process's transport",
}


def _engine_imports(tree: ast.AST) -> list[tuple[str, int]]:
    """(engine module or "numpy", line) of every import in the tree, at any depth (in functions too)."""
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] == "numpy":
                found.append(("numpy", node.lineno))
            elif parts[:2] == ["tui_nn", "engine"]:
                if len(parts) <= 3:  # from tui_nn.engine.session import actions: the modules are the names
                    found += [(alias.name, node.lineno) for alias in node.names]
                else:  # from tui_nn.engine.session.view import View
                    found.append((parts[-1], node.lineno))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "numpy":
                    found.append(("numpy", node.lineno))
                elif parts[:2] == ["tui_nn", "engine"] and len(parts) > 3:
                    found.append((parts[-1], node.lineno))
    return found


def ui_imports() -> dict[tuple[str, str], list[int]]:
    imports: dict[tuple[str, str], list[int]] = {}
    for path in sorted(UI.rglob("*.py")):
        for module, line in _engine_imports(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            imports.setdefault((path.name, module), []).append(line)
    return imports


def test_ui_imports_only_the_door_and_the_listed_exceptions() -> None:
    wrong = [
        f"tui_nn/ui/{file}:{lines[0]} imports {module}"
        for (file, module), lines in ui_imports().items()
        if module not in ALLOWED and (file, module) not in EXCEPTIONS
    ]
    assert not wrong, "the UI reaches the engine through the controller and the View:\n" + "\n".join(wrong)


def test_the_exceptions_are_all_still_needed() -> None:
    """An exception nothing needs any more is taken off the list, so the list only shrinks."""
    stale = sorted(set(EXCEPTIONS) - set(ui_imports()))
    assert not stale, f"no longer imported, remove from EXCEPTIONS: {stale}"


def test_the_panes_import_no_engine_math() -> None:
    """The drawing panes in particular: no network, data set, insight, health or activation module."""
    math = {"network", "training", "activations", "losses", "optimizers", "datasets", "gradcheck", "insight", "health"}
    math |= {"diagnostics", "matrices", "stepper", "narrate", "landscape", "trainer"}
    panes = {"widgets.py", "insight_views.py", "curves.py", "healthview.py", "diagram.py", "losschart.py", "log.py"}
    found = [(file, module) for (file, module) in ui_imports() if file in panes and module in math]
    assert found == [("healthview.py", "gradcheck")]  # the gradient check's result types (see EXCEPTIONS)


def test_the_walker_finds_imports_inside_functions() -> None:
    """The test itself: a deferred import in a function body counts like one at the top."""
    tree = ast.parse("def f():\n    from tui_nn.engine.nn.insight import output_grid\n    import numpy as np\n")
    assert [m for m, _ in _engine_imports(tree)] == ["insight", "numpy"]


async def test_no_widget_holds_a_network_or_a_dataset() -> None:
    """Every pane draws the View it is handed: none keeps a Network or Dataset of its own."""
    from tui_nn.ui.shell.app import TuiNN

    app = TuiNN(build(Config(hidden=(3,))))
    async with app.run_test(size=(160, 50)) as pilot:
        for key in ("space", "v", "v", "v"):  # a step, and every view of the top row shown once
            await pilot.press(key)
        await pilot.pause()
        holders = [
            f"{type(widget).__name__}.{name}"
            for widget in app.query("*")
            for name, value in vars(widget).items()
            if isinstance(value, Network | Dataset)
        ]
    assert not holders
