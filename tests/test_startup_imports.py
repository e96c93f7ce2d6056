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

import pytest

# Modules the first frame of `tui-nn xor` does not use.
LATER = (
    "tui_nn.engine.quiz",
    "tui_nn.engine.lesson",
    "tui_nn.engine.export",
    "tui_nn.engine.replay",
    "tui_nn.engine.own_input",
    "tui_nn.engine.gradcheck",
    "tui_nn.engine.remote",
    "tui_nn.engine.insight",
    "tui_nn.cli_explain",
    "tui_nn.cli_replay",
    "tui_nn.serve",
    "tui_nn.ui.settings",
    "tui_nn.ui.help",
    "tui_nn.ui.bridge",
    "tui_nn.ui.insight_views",
    "tui_nn.ui.value_input",
)

LOADED = "import json, sys; print(json.dumps(sorted(m for m in sys.modules if m.startswith('tui_nn'))))"

FIRST_FRAME = """
import asyncio
from tui_nn.cli import make_parser, prepare_app
from tui_nn.ui.app import TuiNN

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
    ["import tui_nn.cli", "import tui_nn.ui.app"],
    ids=["cli", "app module"],
)
def test_importing_the_app_loads_no_later_feature(code: str) -> None:
    loaded = loaded_after(code)
    assert loaded.isdisjoint(LATER), sorted(loaded & set(LATER))


def test_the_first_frame_loads_no_later_feature() -> None:
    loaded = loaded_after(FIRST_FRAME)
    assert "tui_nn.ui.app" in loaded  # the app did start
    assert loaded.isdisjoint(LATER), sorted(loaded & set(LATER))
