from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

from tui_nn.engine.session.build import Session, build
from tui_nn.engine.session.config import Config

# CI draws the same examples on every run (a rare case one run happens to find must not decide whether a
# change lands); a developer's runs draw new ones, which is how such cases are found and then fixed.
settings.register_profile("ci", derandomize=True, database=None)
settings.load_profile(os.environ.get("TUI_NN_HYPOTHESIS", "default"))


@pytest.fixture(autouse=True)
def _run_in_a_temporary_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs with a fresh temporary working directory, so nothing a test saves with a
    relative path (the app's `s` key writes PROBLEM-epochN.json) can land in the working tree,
    and a fresh state folder, so no crash report lands in the home folder."""
    monkeypatch.chdir(tmp_path)
    # Crash reports and rescued networks go under $XDG_STATE_HOME (else ~/.local/state): here too,
    # for the app processes tests start as well.
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture
def xor_session() -> Session:
    """The default XOR session: 2-2-1 sigmoid, BCE, η = 1, the default seed."""
    return build(Config())


def assert_close(a: np.ndarray, b: np.ndarray, tol: float) -> None:
    assert np.max(np.abs(np.asarray(a) - np.asarray(b))) <= tol
