"""Running the command line in-process, as the CLI tests do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui_nn.cli.commands import main


def run(capsys: pytest.CaptureFixture[str], *words: str) -> tuple[int, str, str]:
    """`tui-nn WORDS…`: its exit status, standard output and standard error."""
    code = main(list(words))
    out, err = capsys.readouterr()
    return code, out, err


def run_command(capsys: pytest.CaptureFixture[str], command: str) -> tuple[int, str, str]:
    """`run` with the command written as one line (split at spaces)."""
    return run(capsys, *command.split())


def one_error_line(err: str) -> str:
    """The one line an error prints (`tui-nn: error: …`), never a traceback."""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tui-nn: error: "), err
    assert "Traceback" not in err
    return lines[0]


def diverging_weights(folder: Path) -> Path:
    """A 2-2-1 network whose first layer's weights are ±1e303: its forward pass at epoch 0 is
    finite and wrong, but with leaky ReLU units η·∂L/∂v ≈ 1e6 · 1e303 (η = 1e6, the largest any entry point
    accepts) overflows float64 in the first update."""
    path = folder / "diverging.json"
    document = {
        "format": "tui-nn/1",
        "layers": [2, 2, 1],
        "weights": [[[1e303, -1e303], [-1e303, 1e303]], [[-1e-10], [-1e-10]]],
        "biases": [[0.0, 0.0], [0.0]],
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path
