"""Stanford cs231n's case study through the command line: `train --data` on the course's spiral as a CSV,
from the course's initial weights as a weights file, with `--l2 1e-3`, prints the course's losses (1e-12
relative) and ends at its training accuracy. (The 2-layer net's 10,000 iterations are checked on the
Trainer in test_softmax.py; here its first 400: from about iteration 630 on, a difference in the last bit grows.)"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.cli_helpers import run
from tests.reference import cs231n_spiral, cs231n_train


def _write_case(folder: Path, hidden: int | None, initial: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> tuple[Path, Path]:
    """The course's points as a CSV and its initial weights as a weights file: repr() round-trips every float64."""
    data = folder / "spiral.csv"
    data.write_text("x1,x2,label\n" + "".join(f"{float(a)!r},{float(b)!r},{int(c)}\n" for (a, b), c in zip(X, y, strict=True)))
    blocks = [(initial[0], initial[1])] if hidden is None else [(initial[0], initial[1]), (initial[2], initial[3])]
    layers = [2] + ([] if hidden is None else [hidden]) + [3]
    document = {
        "format": "tui-nn/1",
        "layers": layers,
        "activations": ["relu"] * (len(layers) - 2) + ["softmax"],
        "loss": "ce",
        "weights": [w.tolist() for w, _ in blocks],
        "biases": [b.ravel().tolist() for _, b in blocks],
    }
    weights = folder / "start.json"
    weights.write_text(json.dumps(document))
    return data, weights


@pytest.mark.parametrize(("hidden", "iterations"), [(None, 200), (64, 400)], ids=["linear", "relu-64"])
def test_train_reproduces_the_cs231n_case_study(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, hidden: int | None, iterations: int
) -> None:
    X, y = cs231n_spiral()
    losses, initial, _, accuracy = cs231n_train(X, y, hidden, iterations)
    data, weights = _write_case(tmp_path, hidden, initial, X, y)
    code, out, err = run(
        capsys,
        "train", "--data", str(data), "--weights", str(weights), "--loss", "ce", "--lr", "1", "--l2", "1e-3",
        "--epochs", str(iterations), "--every", "1", "--json",
    )  # fmt: skip
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    epochs = [row for row in rows if "epoch" in row]
    ours = np.array([row["loss"] for row in epochs])
    assert [row["epoch"] for row in epochs] == list(range(iterations))
    np.testing.assert_allclose(ours, losses, rtol=1e-12, atol=0)
    summary = rows[-1]
    assert summary["accuracy"] == pytest.approx(accuracy, abs=0)
