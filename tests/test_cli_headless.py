"""Headless twins of the app: `explain` prints the inspector's derivation (its numbers checked
against plain NumPy), `trace --format` makes a handout (parsed back), `trace --batch` walks whole
epochs and says so, and `train` reports a stuck run at the epoch and in the words of the app."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from tests.cli_helpers import diverging_weights, one_error_line, run
from tests.reference import tutorial_xor
from tui_nn.engine.live.reason_words import describe
from tui_nn.engine.live.reasons import Stuck
from tui_nn.engine.session import actions as act
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.engine.session.controller import Controller
from tui_nn.engine.walk.explain import Element
from tui_nn.engine.walk.expr import parse_number

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
Y = np.array([[0], [1], [1], [0]], dtype=float)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(1 / (1 + np.exp(-z)))


def start_weights(seed: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The default XOR 2-2-1 as the README says it is drawn: one RandomState, layer by layer."""
    rng = np.random.RandomState(seed)
    return rng.randn(2, 2), np.zeros(2), rng.randn(2, 1), np.zeros(1)


def per_sample(w1: np.ndarray, b1: np.ndarray, w2: np.ndarray, b2: np.ndarray) -> dict[str, np.ndarray]:
    """Each sample's forward values and gradients, sigmoid + BCE, written out the tutorial way."""
    z1 = X @ w1 + b1
    a1 = sigmoid(z1)
    a2 = sigmoid(a1 @ w2 + b2)
    d2 = a2 - Y
    d1 = (d2 @ w2.T) * a1 * (1 - a1)
    return {
        "z1": z1,
        "a1": a1,
        "d1": d1,
        "dW1": X[:, :, None] * d1[:, None, :],
        "dW2": a1[:, :, None] * d2[:, None, :],
        "db2": d2,
    }


def bce(w1: np.ndarray, b1: np.ndarray, w2: np.ndarray, b2: np.ndarray) -> float:
    a2 = sigmoid(sigmoid(X @ w1 + b1) @ w2 + b2)
    return float(-np.mean(Y * np.log(a2) + (1 - Y) * np.log(1 - a2)))


def explain_json(capsys: pytest.CaptureFixture[str], *words: str) -> dict[str, object]:
    code, out, err = run(capsys, "explain", "xor", *words, "--json")
    assert code == 0 and err == ""
    document: dict[str, object] = json.loads(out)
    return document


# --- explain ----------------------------------------------------------------------------------------


def test_explain_a_weight_at_the_start_gives_numpys_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    w1, b1, w2, b2 = start_weights()
    g = per_sample(w1, b1, w2, b2)["dW1"][:, 0, 1]  # w12: from x1 to h2, W1[0,1]
    doc = explain_json(capsys, "--param", "w12")
    assert doc["name"] == "w12" and doc["file_name"] == "W1[0,1]" and doc["epoch"] == 0
    assert doc["value"] == w1[0, 1]
    samples = doc["samples"]
    assert isinstance(samples, list) and [s["sample"] for s in samples] == [1, 2, 3, 4]
    assert [s["gradient"] for s in samples] == pytest.approx(g, rel=1e-12, abs=1e-16)
    assert doc["mean_gradient"] == pytest.approx(g.mean(), rel=1e-12)
    assert doc["after"] == pytest.approx(w1[0, 1] - 1.0 * g.mean(), rel=1e-14)
    eps = 1e-5
    plus, minus = w1.copy(), w1.copy()
    plus[0, 1] += eps
    minus[0, 1] -= eps
    numerical = (bce(plus, b1, w2, b2) - bce(minus, b1, w2, b2)) / (2 * eps)
    check = doc["numerical_check"]
    assert isinstance(check, dict) and check["numerical"] == pytest.approx(numerical, rel=1e-6)
    assert check["analytic"] == pytest.approx(g.mean(), rel=1e-12) and check["kink"] is False


def test_explain_after_training_gives_the_tutorial_loops_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    _, w1, b1, w2, b2, _ = tutorial_xor(hidden=2, scale=1.0, seed=3, lr=1.0, epochs=300, every=300)
    b1, b2 = b1.ravel(), b2.ravel()
    grads = per_sample(w1, b1, w2, b2)
    doc = explain_json(capsys, "--param", "v2", "--epochs", "300")
    assert doc["epoch"] == 300 and doc["value"] == pytest.approx(w2[1, 0], rel=1e-12)
    assert doc["mean_gradient"] == pytest.approx(grads["dW2"][:, 1, 0].mean(), rel=1e-9)
    assert doc["history"] == [[0, start_weights()[2][1, 0]], [300, doc["value"]]]
    doc = explain_json(capsys, "--param", "b_out", "--epoch", "300")  # --epoch is the same option
    assert doc["file_name"] == "b2[0]" and doc["value"] == pytest.approx(b2[0], rel=1e-12)
    assert [s["gradient"] for s in doc["samples"]] == pytest.approx(grads["db2"][:, 0], rel=1e-9)  # type: ignore[attr-defined]


def test_explain_a_unit_gives_numpys_table(capsys: pytest.CaptureFixture[str]) -> None:
    w1, b1, w2, b2 = start_weights()
    g = per_sample(w1, b1, w2, b2)
    doc = explain_json(capsys, "--unit", "h2")
    assert doc["activation"] == "sigmoid" and doc["state"] is None
    rows = doc["rows"]
    assert isinstance(rows, list)
    assert [r["z"] for r in rows] == pytest.approx(g["z1"][:, 1], rel=1e-14, abs=1e-300)
    assert [r["a"] for r in rows] == pytest.approx(g["a1"][:, 1], rel=1e-14)
    assert [r["slope"] for r in rows] == pytest.approx(g["a1"][:, 1] * (1 - g["a1"][:, 1]), rel=1e-14)
    assert [r["delta"] for r in rows] == pytest.approx(g["d1"][:, 1], rel=1e-12)
    assert doc["incoming"] == {"w12": w1[0, 1], "w22": w1[1, 1]} and doc["outgoing"] == {"v2": w2[1, 0]}
    doc = explain_json(capsys, "--unit", "x2")
    assert [r["a"] for r in doc["rows"]] == list(X[:, 1])  # type: ignore[attr-defined]


def test_explain_one_sample_alone(capsys: pytest.CaptureFixture[str]) -> None:
    w1, b1, w2, b2 = start_weights()
    g = per_sample(w1, b1, w2, b2)["dW1"][:, 1, 0]  # w21
    doc = explain_json(capsys, "--param", "W1[1,0]", "--sample", "3")
    assert doc["name"] == "w21" and doc["sample_count"] == 1
    assert [s["sample"] for s in doc["samples"]] == [3]  # type: ignore[attr-defined]
    assert doc["mean_gradient"] == pytest.approx(g[2], rel=1e-12)


@pytest.mark.parametrize(
    ("config", "words", "element", "epochs", "sample"),
    [
        (Config(), ["xor", "--param", "w12"], Element("weight", 0, 1, 0), 0, None),
        (Config(), ["xor", "--param", "b_out", "--epochs", "150", "--sample", "2"], Element("bias", 1, 0), 150, 2),
        (Config(), ["xor", "--unit", "h1", "--epochs", "40"], Element("unit", 1, 0), 40, None),
        (
            Config(hidden=(3, 2), activation="relu", optimizer="adam", lr=0.05, batch=2),
            [
                "xor",
                "--hidden",
                "3,2",
                "--activation",
                "relu",
                "--optimizer",
                "adam",
                "--lr",
                "0.05",
                "--batch",
                "2",
                "--param",
                "u1",
            ],
            Element("weight", 2, 0, 0),
            7,
            None,
        ),
    ],
)
def test_explain_prints_the_inspectors_lines(
    capsys: pytest.CaptureFixture[str],
    config: Config,
    words: list[str],
    element: Element,
    epochs: int,
    sample: int | None,
) -> None:
    from tui_nn.ui.panes.inspector import Inspector

    code, out, _ = run(capsys, "explain", *words, "--epochs", str(epochs))
    assert code == 0
    c = Controller(build(config))
    c.view()
    if epochs:
        c.apply(act.Train(epochs))
    if sample is not None:
        c.apply(act.Pin(sample))
    c.view()
    inspector = Inspector(c.stepper.fmt)
    inspector.story = c.explain(element)
    shown = ["".join(segment.text for segment in row) for row in inspector.draw(2000)]
    if shown[-1].startswith("  ") and shown[-2].startswith("history:"):
        shown = shown[:-1]  # the sparkline: the command line writes the history as its first and last value
    lines = out.splitlines()
    assert lines[0] == f"explain {c.session.describe()} · epoch {c.stepper.epoch}" + (
        f", sample {sample} alone" if sample else (", mini-batch 1 of 2" if config.batch else ", the whole batch")
    )
    assert lines[1:] == shown


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["--param", "w99"], "--param: no parameter called 'w99' in this network: w11, w21, b_h1, w12, w22, b_h2, v1, v2, b_out"),
        (["--unit", "h3"], "--unit: no unit called 'h3' in this network: x1, x2, h1, h2, out"),
        ([], "say what to explain: --param w11, w21, b_h1, w12, w22, b_h2, v1, v2, b_out, or --unit x1, x2, h1, h2, out"),
        (["--param", "w11", "--unit", "h1"], "--param and --unit cannot be combined"),
        (["--param", "w11", "--sample", "5"], "sample 5 does not exist: this data set has samples 1–4"),
        (["--param", "w11", "--epochs", "-1"], "--epochs: epochs must be at least 0"),
        (["--param", "w11", "--frobnicate"], "unrecognized arguments: --frobnicate"),
    ],
)
def test_explain_bad_names_are_one_line_listing_the_valid_ones(
    capsys: pytest.CaptureFixture[str], words: list[str], message: str
) -> None:
    code, out, err = run(capsys, "explain", "xor", *words)
    assert code == 2 and out == "" and message in one_error_line(err)


def test_explain_after_a_diverging_run_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "explain", "xor", "--param", "w11", "--lr", "1e6", "--epochs", "50")
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tui-nn: training stopped: ") and "learning rate" in lines[0]


# --- trace: handouts and whole epochs ----------------------------------------------------------------


def test_trace_markdown_parses_back_to_the_engines_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    code, document, err = run(capsys, "trace", "xor", "--format", "markdown")
    assert code == 0 and err == ""
    title, blank, note = document.splitlines()[:3]
    assert title.startswith("# tui-nn trace · xor: 2-2-1 sigmoid") and blank == ""
    assert note == "*walking 1 epoch: the forward and backward pass of all 4 samples, then one update with their mean gradient*"
    formulas = re.findall(r"\$(.+?)\$", document)
    stepper = build(Config()).stepper
    equations = [eq for record in stepper.walk_pass() for eq in record.equations]
    assert len(formulas) == len(equations)
    values = []
    for formula, eq in zip(formulas, equations, strict=True):
        printed = formula.rsplit("=", 1)[-1].rsplit(r"\leftarrow", 1)[-1].strip()
        printed = re.sub(r"(\S+) \\times 10\^\{(-?\d+)\}", r"\1e\2", printed)
        values.append(parse_number(printed))
        assert values[-1] == pytest.approx(eq.value, rel=1e-3, abs=1e-4)
    # and independently of the engine: the first sample's loss, and the headings of every block
    w1, b1, w2, b2 = start_weights()
    first_loss = next(v for f, v in zip(formulas, values, strict=True) if f.startswith("L ="))
    assert first_loss == pytest.approx(-np.log(1 - sigmoid(sigmoid(X[0] @ w1 + b1) @ w2 + b2)[0]), abs=5e-5)
    headings = re.findall(r"^### (\w+)", document, re.MULTILINE)
    assert headings == ["forward", "backward"] * 4 + ["update"]


def test_trace_formats_and_the_json_alias(capsys: pytest.CaptureFixture[str]) -> None:
    _, as_json, _ = run(capsys, "trace", "xor", "--sample", "2", "--json")
    _, as_format, _ = run(capsys, "trace", "xor", "--sample", "2", "--format", "json")
    assert as_json == as_format and all(json.loads(line)["phase"] for line in as_json.splitlines())
    _, text, _ = run(capsys, "trace", "xor", "--sample", "2")
    _, text_format, _ = run(capsys, "trace", "xor", "--sample", "2", "--format", "TEXT")
    assert text == text_format and text.splitlines()[0].endswith(
        ", seed 3 · walking 1 epoch: the forward and backward pass of sample 2 alone, then one update"
    )
    code, tex, _ = run(capsys, "trace", "xor", "--format", "latex", "--epochs", "2")
    assert code == 0 and tex.startswith(r"\documentclass{article}") and tex.rstrip().endswith(r"\end{document}")
    assert tex.count(r"\subsection*{update \ensuremath{\cdot} epoch") == 2


def test_trace_output_is_written_atomically(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "handout.md"
    target.write_text("old")
    target.chmod(0o640)
    code, out, err = run(capsys, "trace", "xor", "--format", "markdown", "--output", str(target))
    assert code == 0 and err == "" and out == f"wrote {target}\n"
    _, printed, _ = run(capsys, "trace", "xor", "--format", "markdown")
    assert target.read_text(encoding="utf-8") == printed
    assert target.stat().st_mode & 0o777 == 0o640, "an overwritten file keeps its permission bits"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["handout.md"], "no temporary file left behind"
    code, out, _ = run(capsys, "trace", "xor", "--sample", "1", "--output", str(tmp_path / "t.txt"))
    assert code == 0 and (tmp_path / "t.txt").read_text(encoding="utf-8").startswith("trace xor: 2-2-1")


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["--format", "pdf"], "--format: must be one of text, markdown, latex, json, not 'pdf'"),
        (["--json", "--format", "markdown"], "--json and --format markdown disagree"),
        (["--output", "no/such/folder/t.md"], "--output: the folder no/such/folder does not exist"),
        (["--output", "."], "--output: . is a folder; give a file name, e.g. trace.md"),
    ],
)
def test_trace_bad_format_or_output_is_one_line(capsys: pytest.CaptureFixture[str], words: list[str], message: str) -> None:
    code, out, err = run(capsys, "trace", "xor", *words)
    assert code == 2 and out == "" and message in one_error_line(err)


def test_a_diverging_trace_still_writes_its_handout(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "t.md"
    code, _, err = run(
        capsys,
        "trace",
        "xor",
        "--weights",
        str(diverging_weights(tmp_path)),
        "--hidden",
        "2",
        "--activation",
        "leaky_relu",
        "--lr",
        "1e6",
        "--epochs",
        "5",
        "--format",
        "markdown",
        "--output",
        str(target),
    )
    assert code == 1 and err.startswith("tui-nn: trace stopped: ") and err.count("\n") == 1
    formulas = [line for line in target.read_text(encoding="utf-8").splitlines() if line.startswith("- ")]
    assert formulas[-1].rstrip().endswith(("\\infty$", "\\mathrm{nan}$", "nan$"))  # a sentence may follow it


@pytest.mark.parametrize(("batch", "sizes"), [(2, [2, 2]), (3, [3, 1])])
def test_trace_with_mini_batches_walks_whole_epochs_and_says_so(
    capsys: pytest.CaptureFixture[str], batch: int, sizes: list[int]
) -> None:
    code, out, _ = run(capsys, "trace", "xor", "--batch", str(batch), "--epochs", "2", "--json")
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    updates = [r["header"] for r in records if r["header"] and r["header"].startswith("update")]
    expected = [
        f"update · epoch {e} · batch {k + 1}/{len(sizes)} · {size} sample{'s' if size > 1 else ''}"
        for e in (0, 1)
        for k, size in enumerate(sizes)
    ]
    assert [u.split(" · η")[0] for u in updates] == expected
    for epoch in (0, 1):  # every sample walked exactly once an epoch
        walked = [r["sample"] for r in records if r["epoch"] == epoch and r["header"] and r["header"].startswith("forward")]
        assert sorted(walked) == [1, 2, 3, 4]
    _, text, _ = run(capsys, "trace", "xor", "--batch", str(batch), "--epochs", "2")
    last = f" (the last of {sizes[-1]})" if sizes[-1] != sizes[0] else ""
    assert text.splitlines()[0].endswith(
        f"seed 3 · walking 2 epochs, each: a pass over all 4 samples in 2 mini-batches of {sizes[0]}{last}, an update after each; "
        "the order is shuffled every epoch (seed 3)"
    )


# --- train: a stuck run is diagnosed as the app diagnoses it ---------------------------------------


def app_diagnosis(config: Config, epochs: int) -> tuple[int, str]:
    """Where live training (the controller in this process) stops a stuck run, and what it says."""
    c = Controller(build(config))
    run = c.start_training(None)
    result = c.train(run, epochs)
    assert isinstance(result.stopped, Stuck)
    return c.stepper.trainer.epoch, describe(result.stopped, "flags")


@pytest.mark.parametrize(
    ("config", "words"),
    [
        (Config(hidden=()), ["--hidden", "none"]),  # a perceptron on XOR
        (Config(seed=0, lr=2.0), ["--seed", "0", "--lr", "2"]),  # the classic local minimum
        (Config(hidden=(1,), seed=0), ["--hidden", "1", "--seed", "0"]),  # 2-1-1 cannot solve XOR
    ],
)
def test_train_reports_a_stuck_run_where_and_as_the_app_does(
    capsys: pytest.CaptureFixture[str], config: Config, words: list[str]
) -> None:
    epoch, message = app_diagnosis(config, 6000)
    for every in ("1000", "333"):  # however the epochs are logged
        code, out, err = run(capsys, "train", "xor", *words, "--epochs", "6000", "--every", every)
        assert code == 0 and err == ""
        stuck = [line for line in out.splitlines() if "stuck:" in line]
        assert stuck == [f"epoch {epoch:>7}  {message}"]
    assert "--seed" in message or "--hidden 2" in message
    code, out, _ = run(capsys, "train", "xor", *words, "--epochs", "6000", "--json")
    assert json.loads(out.splitlines()[-1])["stuck"] == {"epoch": epoch, "message": message}


def test_the_stuck_check_leaves_training_as_it_was(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, _ = run(capsys, "train", "xor", "--hidden", "none", "--epochs", "3000", "--save", str(tmp_path / "n.json"))
    assert code == 0
    session = build(Config(hidden=()))
    session.stepper.trainer.run(3000)
    saved = json.loads((tmp_path / "n.json").read_text())
    assert np.array(saved["weights"][0]).ravel().tolist() == session.net.weights(0).ravel().tolist()
    assert saved["biases"][0] == session.net.biases(0).tolist()


def test_a_run_that_learns_is_not_stuck(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "train", "xor", "--epochs", "3000", "--json")
    assert code == 0 and json.loads(out.splitlines()[-1])["stuck"] is None
    code, out, _ = run(capsys, "train", "xor", "--epochs", "3000")
    assert "stuck" not in out
