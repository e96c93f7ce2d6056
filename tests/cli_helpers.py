"""Running the command line in-process, as the CLI tests do."""

from __future__ import annotations

import pytest

from tui_nn.cli import main


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
