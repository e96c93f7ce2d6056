"""The command line under stress: exact logging at any --every, --save checked before training and
never losing the result, compact numbers at any magnitude, NaN in a trace, no terminal, usage,
and a bug that must never exit 0."""

from __future__ import annotations

import json
import math
import os
import pty
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.cli_helpers import diverging_weights, one_error_line
from tests.cli_helpers import run_command as run
from tui_nn.cli import commands as cli
from tui_nn.engine.nn.training import Trainer
from tui_nn.engine.session import persist
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config

# --- train --every: every K-th epoch and the last, once each, in order -----------------------


def expected_epochs(epochs: int, every: int) -> list[int]:
    logged = list(range(0, epochs, every))
    return logged if epochs - 1 in logged or epochs == 0 else [*logged, epochs - 1]


@pytest.mark.parametrize(("epochs", "every"), [(30000, 12000), (500, 1000), (25000, 10001), (7, 1), (1, 5), (0, 3)])
def test_every_logs_each_kth_epoch_and_the_last_exactly_once(capsys: pytest.CaptureFixture[str], epochs: int, every: int) -> None:
    code, out, _ = run(capsys, f"train xor --epochs {epochs} --every {every} --json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    logged, summary = rows[:-1], rows[-1]
    assert [r["epoch"] for r in logged] == expected_epochs(epochs, every)
    assert summary["epochs"] == epochs
    # Each logged loss is the loss before that epoch's update: recompute it by training a
    # separate trainer to exactly that epoch (history is never consulted).
    for row in logged[:3]:
        session = build(Config())
        trainer = Trainer(session.net, session.data, lr=1.0)
        trainer.run(row["epoch"])
        assert row["loss"] == pytest.approx(trainer.evaluate()[0], rel=1e-12, abs=1e-15)


def test_every_text_log_matches_the_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "train xor --epochs 30000 --every 12000")
    assert code == 0
    epochs = [int(line.split()[1]) for line in out.splitlines() if line.startswith("epoch")]
    assert epochs == [0, 12000, 24000, 29999]


def test_divergence_logs_the_epoch_it_happened_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "train xor --hidden 16,8 --activation leaky_relu --init he --seed 0 --lr 100 --epochs 5000 --every 1000 --json"
    )
    assert code == 1
    rows = [json.loads(line) for line in out.splitlines()]
    stopped = rows[-1]["stopped"]
    assert stopped and f"tui-nn: training stopped: {stopped}" in err
    epochs = [r["epoch"] for r in rows[:-1]]
    assert epochs == sorted(set(epochs)) and epochs[0] == 0
    last = rows[-2]  # the row of the epoch training stopped at, whatever K is
    assert last["epoch"] == rows[-1]["epochs"] and f"at epoch {last['epoch']}" in stopped


# --- compact numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize("options", ["--lr 1e3", "--lr 1e6", "--lr 1e6 --hidden 2 --activation leaky_relu --weights {huge}"])
def test_numbers_stay_compact_at_any_magnitude(capsys: pytest.CaptureFixture[str], tmp_path: Path, options: str) -> None:
    options = options.format(huge=diverging_weights(tmp_path))
    code, out, _ = run(capsys, f"train xor {options} --optimizer momentum --epochs 300 --every 100")
    assert code in (0, 1) and out
    for line in out.splitlines():
        assert len(line) < 160 or line.startswith("training "), line  # the header names the (temporary) network file
        if line.startswith(("epoch", "after")):
            loss = line.split("loss ")[1].split()[0]
            assert len(loss) <= 12 and (float(loss) >= 0 or math.isnan(float(loss)))


def test_compact_keeps_six_significant_digits() -> None:
    for value in (0.709337579055, 1.82749e299, 3.1e-12, 12345678.9, float("inf"), float("nan")):
        text = cli.compact(value)
        assert len(text) <= 12
        if math.isfinite(value):
            assert float(text) == pytest.approx(value, rel=5e-6)


# --- --save: refused before training, never lost after it ------------------------------------


def unwritable_folder(tmp_path: Path) -> Path:
    """A folder this user cannot create files in (root ignores permission bits: use /sys then)."""
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    if not os.access(folder, os.W_OK):
        return folder
    sysfs = Path("/sys")  # mounted read-only, or refused even to root, on Linux
    if sysfs.is_dir() and _cannot_create_in(sysfs):
        return sysfs
    pytest.skip("no folder here refuses this user")


def _cannot_create_in(folder: Path) -> bool:
    try:
        (folder / ".tui-nn-probe").touch()
    except OSError:
        return True
    (folder / ".tui-nn-probe").unlink()
    return False


def save_cases(tmp_path: Path) -> list[tuple[str, str]]:
    (tmp_path / "a-folder").mkdir()
    return [
        (str(tmp_path / "a-folder"), "is a folder"),
        (str(tmp_path / "a-folder") + "/", "is a folder"),
        (str(tmp_path / "missing" / "xor.json"), f"the folder {tmp_path / 'missing'} does not exist"),
        (str(tmp_path / ("n" * 300 + ".json")), "the file name is 305 bytes long; this file system allows at most"),
        ("/dev/null", "/dev/null exists and is not a regular file"),
        (str(unwritable_folder(tmp_path) / "xor.json"), "cannot create a file in"),
    ]


def test_a_bad_save_target_is_refused_before_any_epoch(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    epochs_run: list[int] = []
    original = Trainer.run

    def counting_run(self: Trainer, epochs: int, *args: object, **kwargs: object) -> object:
        epochs_run.append(epochs)
        return original(self, epochs, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Trainer, "run", counting_run)
    for target, message in save_cases(tmp_path):
        code = cli.main(["train", "xor", "--epochs", "100", "--save", target])
        out, err = capsys.readouterr()
        assert code == 2 and out == "", target
        line = one_error_line(err)
        assert line.startswith("tui-nn: error: --save: ") and message in line, line
    assert epochs_run == []
    assert not any(p.name.startswith(".tui-nn-check-") for p in tmp_path.rglob("*"))


def test_a_long_but_valid_name_saves(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / ("n" * 200 + ".json")
    code, _, err = run(capsys, f"train xor --epochs 10 --save {target}")
    assert code == 0 and json.loads(target.read_text())["epoch"] == 10, err


def test_a_save_that_fails_after_training_keeps_the_result(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    wanted = tmp_path / "xor.json"
    original = persist.save

    def disk_full_for_the_target(path: str | Path, *args: object, **kwargs: object) -> Path:
        if Path(path) == wanted:
            raise OSError(28, "No space left on device")
        return original(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(persist, "save", disk_full_for_the_target)
    code, _out, err = run(capsys, f"train xor --epochs 50 --save {wanted}")
    assert code == 1 and not wanted.exists()
    line = one_error_line(err)
    assert line.startswith(f"tui-nn: error: not saved: {wanted}: No space left on device; ")
    rescued = Path(line.rsplit("the trained network was saved to ", 1)[1].removesuffix(" instead"))
    assert rescued.parent == tmp_path / "state" / "tui-nn"
    document = json.loads(rescued.read_text())
    assert document["epoch"] == 50
    reference = build(Config())
    Trainer(reference.net, reference.data, lr=1.0).run(50)
    assert np.array_equal(np.array(document["weights"][0]), reference.net.weights(0))


def test_when_no_file_can_be_written_the_network_goes_to_stdout(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def nothing_writable(path: str | Path, *args: object, **kwargs: object) -> Path:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(persist, "save", nothing_writable)
    code, out, err = run(capsys, f"train xor --epochs 20 --json --save {tmp_path / 'xor.json'}")
    assert code == 1 and "the network is on standard output" in one_error_line(err)
    document = json.loads(out.splitlines()[-1])
    assert document["format"] == "tui-nn/1" and document["epoch"] == 20


# --- trace: no silent walk into NaN ------------------------------------------------------------


def test_trace_stops_at_the_first_non_finite_value(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    diverging = f"trace xor --weights {diverging_weights(tmp_path)} --hidden 2 --activation leaky_relu --lr 1e6 --epochs 5"
    code, out, err = run(capsys, diverging)
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tui-nn: trace stopped: ")
    assert "became" in lines[0] and "learning rate 1e+06 is too high" in lines[0]
    assert out.rstrip().endswith("∞") or out.rstrip().endswith("nan"), "the offending step is printed last"
    code, out, err = run(capsys, diverging + " --json")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 1 and any(v in ("inf", "-inf", "nan") for v in records[-1]["results"].values())
    assert all(isinstance(v, float) for r in records[:-1] for v in r["results"].values())


def test_trace_names_huge_starting_weights(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    document = {
        "format": "tui-nn/1",
        "layers": [2, 2, 1],
        "weights": [[[1e308, 1e308], [1e308, 1e308]], [[1.0], [1.0]]],
        "biases": [[1e308, 1e308], [0.0]],
    }
    path.write_text(json.dumps(document))
    code, _, err = run(capsys, f"trace xor --weights {path} --sample 4")
    assert code == 1 and "starting weights or inputs are too large" in err


# --- usage ----------------------------------------------------------------------------------------


def test_bare_command_is_a_usage_error_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main([])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith("usage: tui-nn PROBLEM")
    assert err.strip().splitlines()[-1].startswith("tui-nn: error: ")


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help_is_the_same_usage_on_stdout(capsys: pytest.CaptureFixture[str], flag: str) -> None:
    cli.main([])
    usage = capsys.readouterr().err.strip().splitlines()[:-1]
    assert cli.main([flag]) == 0
    out, err = capsys.readouterr()
    assert out.strip().splitlines() == usage and err == ""


# --- a bug never exits 0 ---------------------------------------------------------------------------


def test_an_unexpected_error_in_a_command_is_reported_with_status_70(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    def broken_check(*args: object, **kwargs: object) -> None:
        raise KeyError("a planted bug")

    monkeypatch.setattr("tui_nn.engine.nn.gradcheck.check", broken_check)  # gradcheck loads when the command runs
    code, _out, err = run(capsys, "gradcheck xor")
    assert code == 70
    line = err.strip()
    assert "\n" not in line and line.startswith("tui-nn: error: internal error, KeyError: 'a planted bug' at ")
    reports = list((tmp_path / "state" / "tui-nn").glob("crash-*.txt"))
    assert len(reports) == 1 and line.endswith(f"full report in {reports[0]}")
    assert "KeyError: 'a planted bug'" in reports[0].read_text()


# --- the app needs a terminal -------------------------------------------------------------------


def app_without_terminal(stdin: int | None, stdout: int | None, stderr: int | None, close_stdin: bool = False) -> tuple[int, str]:
    """Run `tui-nn xor` with these standard streams; (status, what it wrote on stderr)."""
    args = [sys.executable, "-m", "tui_nn", "xor"]
    if close_stdin:
        args = ["sh", "-c", 'exec "$@" <&-', "sh", *args]
    result = subprocess.run(args, stdin=stdin, stdout=stdout, stderr=stderr, timeout=120, check=False)
    err = result.stderr.decode() if isinstance(result.stderr, bytes) else ""
    return result.returncode, err


NEEDS_TERMINAL = "tui-nn: error: the app needs a terminal, and {} is not one; without a terminal use 'tui-nn train xor'"


def test_no_terminal_at_all() -> None:
    code, err = app_without_terminal(subprocess.DEVNULL, subprocess.PIPE, subprocess.PIPE)
    assert code == 2 and err.startswith(NEEDS_TERMINAL.format("standard input")) and err.count("\n") == 1


def test_standard_input_closed() -> None:
    code, err = app_without_terminal(None, subprocess.PIPE, subprocess.PIPE, close_stdin=True)
    assert code == 2 and err.startswith(NEEDS_TERMINAL.format("standard input")) and err.count("\n") == 1


@pytest.mark.parametrize(("piped", "name"), [("stdout", "standard output"), ("stderr", "standard error")])
def test_output_piped_away_from_the_terminal(piped: str, name: str) -> None:
    """`tui-nn xor | cat` (or 2>file): the keyboard is a terminal, the output is not."""
    master, slave = pty.openpty()
    try:
        streams = {"stdin": slave, "stdout": slave, "stderr": slave, piped: subprocess.PIPE}
        code, err = app_without_terminal(**streams)
        if piped == "stdout":
            err = _drain(master)
    finally:
        os.close(slave)
        os.close(master)
    assert code == 2 and NEEDS_TERMINAL.format(name) in err


def _drain(master: int) -> str:
    os.set_blocking(master, False)
    data = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except (BlockingIOError, OSError):
            break
        if not chunk:
            break
        data += chunk
    return data.decode(errors="replace")
