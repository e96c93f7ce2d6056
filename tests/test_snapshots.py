"""SVG snapshots of the main screens, seeded and deterministic, at 120×40 and 80×24.

Update with `pytest tests/test_snapshots.py --snapshot-update` only after looking at the report.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from tui_nn.engine.config import Config
from tui_nn.engine.session import build
from tui_nn.ui.app import TuiNN

SIZES = [pytest.param((120, 40), id="120x40"), pytest.param((80, 24), id="80x24")]


def app() -> TuiNN:
    return TuiNN(build(Config()))


@pytest.mark.parametrize("size", SIZES)
def test_start_screen(snap_compare, size) -> None:
    """Epoch 0 before any step: weights on the edges, no unit values yet."""
    assert snap_compare(app(), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_mid_forward(snap_compare, size) -> None:
    """Sample 1, after h1 and h2: the z step of the output highlighted with its edges."""
    assert snap_compare(app(), press=["right"] * 5, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_mid_backward(snap_compare, size) -> None:
    """Sample 2's backward pass: δ in the units, ∂L/∂v on the output edges."""
    # F finishes sample 1's forward, B its backward; then F and 6 steps into sample 2's backward
    assert snap_compare(app(), press=["F", "B", "F", *["right"] * 6], terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_after_update(snap_compare, size) -> None:
    """e applies the epoch's update: epoch 1, the update lines in the log."""
    assert snap_compare(app(), press=["e"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_after_live_training(snap_compare, size) -> None:
    """T trains until the loss falls below 1e-3 (a deterministic epoch), then stops."""

    async def train(pilot: Pilot) -> None:
        await pilot.press("T")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app(), run_before=train, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_help_screen(snap_compare, size) -> None:
    """? opens the help: panes, keys, notation."""
    assert snap_compare(app(), press=["question_mark"], terminal_size=size)
