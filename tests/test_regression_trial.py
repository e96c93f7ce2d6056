"""What a learner's first regression runs met: a plateau called stuck, your own file given the circle's η."""

from __future__ import annotations

from tui_nn.engine.live.diagnostics import LEARNED_R2
from tui_nn.engine.session.config import DATA_REGRESSION, PROBLEM_DEFAULTS

from .cli_helpers import run


def test_a_fit_flat_on_a_plateau_is_not_called_stuck_and_trains_on_to_a_better_fit(capsys) -> None:
    """sine 1-2-1 is flat for a thousand epochs near R² 0.87 (past LEARNED_R2), then falls further with the
    same settings: no "stuck … try another seed" on the way."""
    code, out, _ = run(capsys, "train", "sine", "--hidden", "2", "--epochs", "20000", "--every", "4000", "--json")
    assert code == 0
    import json

    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    summary = lines[-1]
    epochs = [line for line in lines if "epoch" in line and "r2" in line]
    assert summary["stuck"] is None and summary["diagnosis"] is None
    assert min(e["r2"] for e in epochs[1:]) > LEARNED_R2  # the whole stretch was past the line
    assert epochs[-1]["loss"] < 0.5 * epochs[1]["loss"]  # and it did come down further


def test_your_own_regression_file_starts_from_the_regression_of_as_many_inputs(capsys, tmp_path) -> None:
    path = tmp_path / "two.csv"
    path.write_text("0,0\n1,1\n2,0\n3,1\n", encoding="utf-8")
    code, out, err = run(capsys, "train", "--data", str(path), "--epochs", "3000")
    sine = PROBLEM_DEFAULTS[DATA_REGRESSION[1]]
    assert code == 0, err
    assert f"η={sine['lr']:g}" in out.splitlines()[0] and "exploded" not in out + err


def test_one_epoch_is_said_in_the_singular(capsys) -> None:
    code, out, _ = run(capsys, "train", "xor", "--epochs", "1")
    assert code == 0 and "after 1 epoch:" in out
