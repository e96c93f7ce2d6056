from __future__ import annotations

import numpy as np
import pytest

from tui_nn.engine.config import Config
from tui_nn.engine.session import Session, build


@pytest.fixture
def xor_session() -> Session:
    """The default XOR session: 2-2-1 sigmoid, BCE, η = 1, the default seed."""
    return build(Config())


def assert_close(a: np.ndarray, b: np.ndarray, tol: float) -> None:
    assert np.max(np.abs(np.asarray(a) - np.asarray(b))) <= tol
