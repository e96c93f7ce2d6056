"""The first words a learner reads are true of the network on screen and of what they typed."""

from __future__ import annotations

import pytest

from tui_nn.ui.panes.log import CalcLog

from .cli_helpers import run


def test_the_opening_words_name_no_unit_a_network_may_lack() -> None:
    """The log's welcome is the same for every network (a perceptron has no h1): it names no unit,
    and the status line under it names the first step of the network on screen."""
    shown = " ".join(CalcLog.WELCOME)
    assert not any(f"{unit}'s" in shown or f"{unit} " in shown for unit in ("h1", "h2", "out", "x1"))
    assert "status line" in shown


def test_a_csv_given_as_the_problem_points_to_data(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "mine.csv")
    assert code == 2 and "use --data 'mine.csv'" in err
