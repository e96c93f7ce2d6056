"""The start loads only what the first frame uses: every feature a key or a command opens later
(the quiz, lessons, exports, session files, the gradient check, the training process, the
settings and help screens, the web server) loads on first use, so it costs the launch nothing.

Each check runs in a fresh interpreter: this test process has long since imported everything.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

# Modules the first frame of `tui-nn xor` does not use. (engine.insight is not among them: the View
# hands panes its records, BoundaryGrid and HiddenPlot, and computes them only when a pane asks.)
LATER = (
    "tui_nn.engine.teach.quiz",
    "tui_nn.engine.teach.lesson",
    "tui_nn.engine.teach.rehearsal",
    "tui_nn.engine.session.export",
    "tui_nn.engine.session.replay",
    "tui_nn.engine.walk.own_input",
    "tui_nn.engine.nn.gradcheck",
    "tui_nn.engine.live.remote",
    "tui_nn.cli.explain",
    "tui_nn.cli.replay",
    "tui_nn.cli.serve",
    "tui_nn.ui.screens.settings",
    "tui_nn.ui.screens.help",
    "tui_nn.ui.screens.bridge",
    "tui_nn.ui.panes.insight_views",
    "tui_nn.ui.screens.value_input",
)

LOADED = "import json, sys; print(json.dumps(sorted(m for m in sys.modules if m.startswith('tui_nn'))))"

FIRST_FRAME = """
import asyncio
from tui_nn.cli.commands import make_parser, prepare_app
from tui_nn.ui.shell.app import TuiNN

start = prepare_app(make_parser()["app"].parse_args(["xor"]))
app = TuiNN(start.session, **start.options)


async def first_frame() -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.frames >= 1


asyncio.run(first_frame())
"""


def loaded_after(code: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code) + "\n" + LOADED], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_every_module_named_exists() -> None:
    """A renamed or moved module would make the checks below pass for nothing."""
    missing = [name for name in LATER if importlib.util.find_spec(name) is None]
    assert not missing


@pytest.mark.parametrize(
    "code",
    ["import tui_nn.cli.commands", "import tui_nn.ui.shell.app"],
    ids=["cli", "app module"],
)
def test_importing_the_app_loads_no_later_feature(code: str) -> None:
    loaded = loaded_after(code)
    assert loaded.isdisjoint(LATER), sorted(loaded & set(LATER))


def test_the_first_frame_loads_no_later_feature() -> None:
    loaded = loaded_after(FIRST_FRAME)
    assert "tui_nn.ui.shell.app" in loaded  # the app did start
    assert loaded.isdisjoint(LATER), sorted(loaded & set(LATER))


# Counts the collections that start while tui_nn.cli.commands is being imported (in sys.modules, its last
# function not yet defined), then runs PROGRAM.
COUNT_COLLECTIONS = """
import gc, json, sys
during = []


def importing_cli() -> bool:
    module = sys.modules.get("tui_nn.cli.commands")
    return module is not None and not hasattr(module, "main")


gc.callbacks.append(lambda phase, info: phase == "start" and importing_cli() and during.append(info["generation"]))
"""


def collections_while_importing_the_cli(program: str) -> tuple[int, str]:
    code = COUNT_COLLECTIONS + textwrap.dedent(program) + "\nprint(json.dumps([len(during), gc.isenabled()]))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    *output, counts = done.stdout.splitlines()
    collected, enabled = json.loads(counts)
    assert enabled  # the collector is on again for whatever runs next
    return collected, "\n".join(output)


def test_the_command_line_loads_with_the_collector_paused() -> None:
    """The start imports NumPy and the engine, which live as long as the process: the collections
    the collector would run meanwhile free nothing (tui_nn/__main__.py)."""
    plain, _ = collections_while_importing_the_cli("import tui_nn.cli.commands")
    assert plain > 0  # the import allocates enough to trigger the collector: the check below can fail
    paused, output = collections_while_importing_the_cli(
        """
        from tui_nn.__main__ import main
        sys.argv = ["tui-nn", "--version"]
        assert main() == 0
        """
    )
    assert paused == 0
    assert output.startswith("tui-nn ")


def test_the_tui_nn_command_starts_through_that_entry() -> None:
    scripts = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["tui-nn"] == "tui_nn.__main__:main"
