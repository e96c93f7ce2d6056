"""Headless commands and their error handling: one line, exit status 2, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.cli_helpers import run_command as run

BAD = [
    ("train xor --lr -1", "--lr: learning rate must be a positive finite number"),
    ("train xor --lr nan", "--lr: learning rate must be a positive finite number"),
    ("train xor --lr inf", "--lr: learning rate must be a positive finite number"),
    ("train xor --lr fast", "--lr: learning rate must be a number"),
    ("train xor --hidden 0", "--hidden: a hidden layer size must be at least 1"),
    ("train xor --hidden -3", "--hidden: a hidden layer size must be at least 1"),
    ("train xor --hidden 4,,2", "--hidden: hidden layer sizes must be numbers separated by commas"),
    ("train xor --activation swish", "--activation: unknown activation 'swish'"),
    ("train xor --loss hinge", "--loss: unknown loss 'hinge'"),
    ("train xor --optimizer rmsprop", "--optimizer: unknown optimizer 'rmsprop'"),
    ("train xor --init normal", "--init: init 'normal' needs a scale"),
    ("train xor --init normal:-1", "--init: the normal init scale must be a positive finite number"),
    ("train xor --init magic", "--init: unknown init 'magic'"),
    ("train xor --seed -1", "--seed: seed must be at least 0"),
    ("train xor --batch 0", "--batch: batch size must be at least 1"),
    ("train xor --batch 9", "batch size 9 is larger than the data set (4 samples)"),
    ("train xor --epochs -5", "--epochs: epochs must be at least 0"),
    ("train xor --every 0", "--every: --every must be at least 1"),
    ("train xnor", "problem: unknown problem 'xnor'"),
    ("trace xor --sample 7", "sample 7 does not exist: this data set has samples 1–4"),
    ("trace xor --sample 0", "--sample: sample must be at least 1"),
    ("trace xor --input 1,2", "--input and --target go together"),
    ("trace xor --input 1,a --target 1", "--input: expected numbers separated by commas"),
    ("train xor --weights /nonexistent/net.json", "/nonexistent/net.json: no such file"),
    ("train xor --frobnicate", "unrecognized arguments: --frobnicate"),
    ("frobnicate", "unknown command or problem 'frobnicate'"),
    ("xor --target-loss 0", "--target-loss: target loss must be a positive finite number"),
    ("trace xor --digits 0", "--digits: digits must be at least 1"),
]


@pytest.mark.parametrize(("command", "message"), BAD)
def test_bad_input_is_one_clear_line(capsys: pytest.CaptureFixture[str], command: str, message: str) -> None:
    code, out, err = run(capsys, command)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tui-nn: error: ")
    assert message in lines[0]
    assert "Traceback" not in err and out == ""


def test_bad_weights_file_names_the_problem(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_text(
        json.dumps(
            {
                "format": "tui-nn/1",
                "layers": [2, 2, 1],
                "weights": [[[1, 2], [3, 4], [5, 6]], [[1], [2]]],
                "biases": [[0, 0], [0]],
            }
        )
    )
    code, _, err = run(capsys, f"train xor --weights {path}")
    assert code == 2 and "weights[0] is 3×2 but layers say 2×2" in err and len(err.strip().splitlines()) == 1


def test_train_prints_the_tutorial_log_and_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "train xor --epochs 3000 --every 1000")
    assert code == 0
    lines = out.splitlines()
    assert [line.split()[1] for line in lines if line.startswith("epoch")] == ["0", "1000", "2000", "2999"]
    assert "input    | target | predicted (probability)" in out
    table = lines[-4:]
    assert [row.split("|")[1].strip() for row in table] == ["0", "1", "1", "0"]
    assert all(row.split("|")[1].strip() == row.split("|")[2].split()[0] for row in table)


def test_train_json_and_save_round_trip(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "xor.json"
    code, out, _ = run(capsys, f"train xor --epochs 2000 --every 500 --json --save {path}")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["epoch"] for r in rows[:-1]] == [0, 500, 1000, 1500, 1999]
    assert set(rows[0]) == {"epoch", "loss", "accuracy", "grad_norm"}
    assert len(rows[-1]["predictions"]) == 4
    saved = json.loads(path.read_text())
    assert saved["epoch"] == 2000 and saved["lr"] == 1.0
    code, out, _ = run(capsys, f"train xor --weights {path} --epochs 0 --json")
    assert json.loads(out.splitlines()[-1])["loss"] == pytest.approx(rows[-1]["loss"], abs=1e-15)


def test_divergence_exits_1_with_the_diagnosis(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "train xor --hidden 16,8 --activation leaky_relu --init he --seed 0 --lr 100 --epochs 100")
    assert code == 1
    assert "learning rate 100 is too high for this network; try ≤ " in err
    assert "Traceback" not in err


def test_trace_text_matches_the_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, text, _ = run(capsys, "trace xor --sample 2")
    assert code == 0
    assert "forward · sample 2 · x = (0, 1) · target 1" in text
    assert "∂L/∂w11 = δ_h1·x1" in text and "(x1 is 0 here, so no gradient)" in text
    assert "w11 ← w11 − η·ḡ" in text
    code, out, _ = run(capsys, "trace xor --sample 2 --json")
    records = [json.loads(line) for line in out.splitlines()]
    assert {r["sample"] for r in records if r["sample"] is not None} == {2}
    assert [r["phase"] for r in records][:7] == ["forward"] * 6 + ["loss"]
    assert all(r["formula"] in text for r in records)


def test_trace_your_own_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Mazur's classic 2-2-2 worked example, run through the trace command."""
    document = {
        "format": "tui-nn/1",
        "layers": [2, 2, 2],
        "activations": ["sigmoid", "sigmoid"],
        "loss": "mse",
        "weights": [[[0.15, 0.25], [0.20, 0.30]], [[0.40, 0.50], [0.45, 0.55]]],
        "biases": [[0.35, 0.35], [0.60, 0.60]],
    }
    path = tmp_path / "mazur.json"
    path.write_text(json.dumps(document))
    code, out, _ = run(capsys, f"trace xor --weights {path} --input 0.05,0.10 --target 0.01,0.99 --lr 0.5 --json --hidden 2")
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    loss = next(r for r in records if r["kind"] == "loss")["results"]["L"]
    assert loss == pytest.approx(0.298371109, abs=1e-9)  # recomputed below, independently
    x, y = np.array([0.05, 0.10]), np.array([0.01, 0.99])
    w1, b1 = np.array(document["weights"][0]), np.array(document["biases"][0])
    w2, b2 = np.array(document["weights"][1]), np.array(document["biases"][1])
    h = 1 / (1 + np.exp(-(x @ w1 + b1)))
    o = 1 / (1 + np.exp(-(h @ w2 + b2)))
    assert loss == pytest.approx(0.5 * np.sum((o - y) ** 2), abs=1e-15)
    delta_o = (o - y) * o * (1 - o)
    w5_update = next(r for r in records if r["kind"] == "update_w" and r["label"] == "v11")
    assert w5_update["results"]["v11"] == pytest.approx(0.40 - 0.5 * delta_o[0] * h[0], abs=1e-15)
    code, _, err = run(capsys, f"trace xor --weights {path} --input 1,2,3 --target 1,0")
    assert code == 2 and "--input: the input needs 2 values, not 3" in err  # the network file's 2 inputs


def test_trace_input_walks_the_problems_network(capsys: pytest.CaptureFixture[str]) -> None:
    """--input is one more sample for xor's 2-2-1 network (as I is in the app), not a network of its own."""
    code, out, _ = run(capsys, "trace xor --input 0.5,0.1 --target 1 --json")
    assert code == 0
    first = json.loads(out.splitlines()[0])
    assert first["formula"] == "z = x1·w11 + x2·w21 + b_h1"
    code, out, err = run(capsys, "trace xor --input 0.5,0.1,0.9 --target 1 --json")
    assert code == 2 and out == "" and "--input: the input needs 2 values, not 3" in err


def test_gradcheck_passes_and_lists_relu_kinks(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "gradcheck xor")
    assert code == 0 and "PASS" in out and "kink" not in out
    code, out, _ = run(capsys, "gradcheck xor --activation relu")
    assert code == 0 and "kink: left out" in out and "not checked: b_h1" in out


def test_module_entry_point_and_no_traceback() -> None:
    result = subprocess.run([sys.executable, "-m", "tui_nn", "train", "xor", "--lr", "-1"], capture_output=True, text=True)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    result = subprocess.run([sys.executable, "-m", "tui_nn", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("tui-nn ")
