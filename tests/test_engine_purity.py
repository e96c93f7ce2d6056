"""The engine must never import the UI libraries (layering rule)."""

import subprocess
import sys


def test_engine_imports_neither_textual_nor_rich() -> None:
    code = (
        "import sys, pkgutil, importlib, tui_nn.engine as e\n"
        "for m in pkgutil.walk_packages(e.__path__, 'tui_nn.engine.'): importlib.import_module(m.name)\n"
        "import tui_nn.cli.commands\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"engine or cli pulled in: {out.stdout}"
