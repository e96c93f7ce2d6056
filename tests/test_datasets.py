"""Data sets: the built-in problems and your own points from a CSV file (--data)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui_nn.cli.commands import main
from tui_nn.cli.options import config_from, make_parser
from tui_nn.engine.nn import datasets
from tui_nn.engine.nn.datasets import DataFileError, parse_csv, read_csv
from tui_nn.engine.nn.insight import data_extent, pixel_of
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import DATA_PROBLEM, MAX_POINTS, Config, defaults_for


def _csv(tmp_path: Path, text: str, name: str = "points.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _expected(rows: list[tuple[str, str, str]]) -> tuple[np.ndarray, np.ndarray]:
    """What the rows mean, parsed independently with Python's float()."""
    return np.array([[float(a), float(b)] for a, b, _ in rows]), np.array([[float(c)] for _, _, c in rows])


@pytest.mark.parametrize(
    "text",
    [
        "x1,x2,label\n0.5,-1.25,1\n2e-3,3,0\n",
        "0.5,-1.25,1\n2e-3,3,0\n",
        "  0.5 , -1.25 ,  1 \n2e-3,3,0.0\n\n",
        "# x1,x2,label\n0.5,-1.25,1\n# a comment\n2e-3,3,0\n",
        "x1;x2;label\n0.5;-1.25;1\n2e-3;3;0\n",
        "x1\tx2\tlabel\n0.5\t-1.25\t1\n2e-3\t3\t0\n",
        '"x1","x2","label"\r\n"0.5","-1.25","1"\r\n"2e-3","3","0"\r\n',
    ],
)
def test_csv_variants_read_the_same_points(text: str) -> None:
    data = parse_csv(text, "points.csv", MAX_POINTS)
    x, y = _expected([("0.5", "-1.25", "1"), ("2e-3", "3", "0")])
    assert np.array_equal(data.x, x) and np.array_equal(data.y, y)
    assert data.x.dtype == np.float64 and data.y.shape == (2, 1)


def test_a_file_is_named_after_its_stem_and_may_start_with_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "moons.csv"
    path.write_bytes(b"\xef\xbb\xbfx1,x2,label\n0,0,0\n1,1,1\n")
    data = read_csv(path, MAX_POINTS)
    assert data.name == "moons" and data.size == 2


BAD = [
    ("x1,x2,label\n0,0,0\n1,1,2\n", "data.csv row 3, column 3: label 2 with no point of class 1; labels must be 0 … K−1"),
    ("0,0,0\n1,1,-1\n", "data.csv row 2, column 3: a label is a class number 0, 1, 2, … (a whole number), not -1"),
    ("0,0,0\n1,1,1\n2,2,6\n", "data.csv row 3, column 3: label 6 would make 7 classes: at most 6 (labels 0 … 5)"),
    ("0,0,3\n1,1,0\n2,2,3\n", "data.csv row 1, column 3: label 3 with no point of class 1, 2; labels must be 0 … K−1"),
    ("0,0,0\n1,one,1\n", "data.csv row 2, column 2: 'one' is not a number"),
    ("0,0,0\n1,nan,1\n", "data.csv row 2, column 2: 'nan' is not a finite number"),
    ("0,0,0\n1e999,1,1\n", "data.csv row 2, column 1: '1e999' is not a finite number"),
    ("0,0,0\n1,1,yes\n", "data.csv row 2, column 3: 'yes' is not a number"),
    ("a;b;c\n0,5;1;1\n", "data.csv row 2, column 1: '0,5' is not a number (write decimals with a point)"),
    ("0,0,0\n1,1\n", "data.csv row 2: 2 columns, expected 3 (x1, x2, label) separated by commas"),
    ("0,0,0\n1,1,1,1\n", "data.csv row 2: 4 columns, expected 3 (x1, x2, label) separated by commas"),
    ("0 0 0\n", "data.csv row 1: 1 column, expected 3 (x1, x2, label) separated by commas"),
    ("x,y\n0,0,0\n", "data.csv row 2: 3 columns, expected 2 (x, y)"),
    ("a,b,c,d\n0,0,0\n", "data.csv row 1: the header has 4 columns, expected 3 (x1, x2, label) or 2 (x, y)"),
    ("", "data.csv is empty"),
    ("\n\n", "data.csv is empty"),
    ("x1,x2,label\n# nothing\n", "data.csv has no data rows"),
    ("0,0,1\n1,1,1\n", "data.csv, column 3: every label is 1; a classifier needs points of at least two classes (0 and 1)"),
    ("0,0,0\n", "data.csv, column 3: every label is 0"),
    ("0,0,0\n1,\x00,1\n", "data.csv row 2: contains a NUL byte"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_csv_is_one_line_naming_row_and_column(text: str, message: str) -> None:
    with pytest.raises(DataFileError) as caught:
        parse_csv(text, "data.csv", MAX_POINTS)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_the_points_limit_is_exact() -> None:
    rows = [f"{i},{i % 7},{i % 2}" for i in range(MAX_POINTS)]
    assert parse_csv("\n".join(rows), "d.csv", MAX_POINTS).size == MAX_POINTS
    with pytest.raises(
        DataFileError, match=rf"d\.csv row {MAX_POINTS + 2}: more than {MAX_POINTS} points; .* at most {MAX_POINTS}"
    ):
        parse_csv("x1,x2,label\n" + "\n".join([*rows, "0,0,1"]), "d.csv", MAX_POINTS)


def test_data_files_that_are_not_regular_files(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(DataFileError, match=r"pipe\.csv: is a named pipe \(FIFO\), not a data file"):
        read_csv(fifo, MAX_POINTS)
    with pytest.raises(DataFileError, match="is a folder, not a data file"):
        read_csv(tmp_path, MAX_POINTS)
    with pytest.raises(DataFileError, match="no such file"):
        read_csv(tmp_path / "nope.csv", MAX_POINTS)
    big = tmp_path / "big.csv"
    with big.open("wb") as handle:
        handle.truncate(2 << 20)
    with pytest.raises(DataFileError, match=r"big\.csv: is 2\.0 MiB; a data file may be at most 1\.0 MiB"):
        read_csv(big, MAX_POINTS)
    binary = _csv(tmp_path, "", "binary.csv")
    binary.write_bytes(b"0,0,0\n\xff,1,1\n")
    with pytest.raises(DataFileError, match=r"not UTF-8 text \(byte 7 is 0xff\)"):
        read_csv(binary, MAX_POINTS)


# --- sessions and the command line -----------------------------------------------------------


def test_a_session_trains_on_the_file(tmp_path: Path) -> None:
    path = _csv(tmp_path, "x1,x2,label\n0.1,0.2,0\n0.9,0.8,1\n0.2,0.9,1\n")
    session = build(Config(data=str(path), hidden=(3,)))
    x, y = _expected([("0.1", "0.2", "0"), ("0.9", "0.8", "1"), ("0.2", "0.9", "1")])
    assert np.array_equal(session.data.x, x) and np.array_equal(session.data.y, y)
    assert session.describe().startswith("points: 2-3-1 ")
    loss_before = session.net.loss_value(x, y)
    session.stepper.run_epochs(200)
    assert session.net.loss_value(x, y) < loss_before


def test_without_a_problem_data_uses_the_circle_defaults(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = _csv(tmp_path, "0,0,0\n0,1,1\n1,0,1\n1,1,0\n", "gates.csv")
    assert main(["train", "--data", str(path), "--epochs", "10", "--every", "5"]) == 0
    out = capsys.readouterr().out
    circle = defaults_for(DATA_PROBLEM)
    assert out.startswith(f"training gates: 2-{circle.hidden[0]}-1 {circle.activation}/sigmoid")
    assert main(["train", "xor", "--data", str(path), "--epochs", "10", "--every", "5"]) == 0
    assert capsys.readouterr().out.startswith("training gates: 2-2-1 sigmoid, bce, sgd η=1")


@pytest.mark.parametrize("command", [["gradcheck"], ["trace", "--sample", "2"], ["train", "--epochs", "3", "--every", "1"]])
def test_every_headless_command_takes_data(capsys: pytest.CaptureFixture[str], tmp_path: Path, command: list[str]) -> None:
    path = _csv(tmp_path, "0.5,0.5,0\n-1,2,1\n3,-0.5,1\n")
    main([*command, "--data", str(path)])
    out, err = capsys.readouterr()
    assert "points: 2-8-1" in out and err == ""
    if command[0] == "trace":
        assert "forward · sample 2 · x = (−1, 2) · target 1" in out


def test_the_app_command_reads_data_without_a_problem(tmp_path: Path) -> None:
    path = _csv(tmp_path, "0,0,0\n1,1,1\n")
    config, _ = config_from(make_parser()["app"].parse_args(["--data", str(path)]))
    assert config.data == str(path) and config.problem == DATA_PROBLEM
    assert build(config).data.name == "points"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train"], "name a problem (xor, and, or, nand, circle, spiral, spiral3, blobs, sine, saddle) or give --data FILE.csv"),
        (["train", "--data", "{dir}/missing.csv"], "{dir}/missing.csv: no such file"),
        (["train", "xor", "--data", "{dir}/bad.csv"], "{dir}/bad.csv row 2, column 3: label 7 would make 8 classes: at most 6"),
        (["trace", "--data", "{dir}/bad.csv"], "{dir}/bad.csv row 2, column 3: label 7 would make 8 classes: at most 6"),
        (["--data", "{dir}/bad.csv"], "{dir}/bad.csv row 2, column 3: label 7 would make 8 classes: at most 6"),
        (["train", "--data", "{dir}/one.csv", "--batch", "5"], "batch size 5 is larger than the data set (2 samples)"),
    ],
)
def test_bad_data_on_the_command_line_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], message: str
) -> None:
    _csv(tmp_path, "0,0,0\n1,1,7\n", "bad.csv")
    _csv(tmp_path, "0,0,0\n1,1,1\n", "one.csv")
    assert main([a.format(dir=tmp_path) for a in argv]) == 2
    out, err = capsys.readouterr()
    assert out == "" and re.fullmatch(r"tui-nn: error: [^\n]*\n", err)
    assert message.format(dir=tmp_path) in err


def test_many_points_are_a_cloud_with_their_own_extent(tmp_path: Path) -> None:
    rng = np.random.RandomState(0)
    x = rng.uniform(10, 20, size=(40, 2))
    rows = "\n".join(f"{float(a)!r},{float(b)!r},{i % 2}" for i, (a, b) in enumerate(x))
    data = read_csv(_csv(tmp_path, rows), MAX_POINTS)
    assert not data.is_small and np.array_equal(data.x, x)
    extent = data_extent(data)
    assert all(pixel_of(p, extent, 60, 20) is not None for p in data.x)


def test_a_few_points_outside_the_unit_square_are_still_on_the_plot(tmp_path: Path) -> None:
    data = read_csv(_csv(tmp_path, "100,5,0\n120,5,1\n110,5,1\n"), MAX_POINTS)
    assert data.is_small
    extent = data_extent(data)
    assert extent.y_max > extent.y_min  # a feature that never varies still gets a range
    assert all(pixel_of(p, extent, 60, 20) is not None for p in data.x)


def test_the_gates_keep_their_plane() -> None:
    extent = data_extent(datasets.load("xor"))
    assert (extent.x_min, extent.x_max, extent.y_min, extent.y_max) == (-0.5, 1.5, -0.5, 1.5)


# --- Hypothesis: any text is read or refused in one line ------------------------------------------

_fields = st.sampled_from(["0", "1", "0.5", "-2e3", " 1 ", "nan", "inf", "x", "", '"1"', "1e999", "2", "1_0", "０"]) | st.text(
    max_size=4
)
_rows = st.lists(st.lists(_fields, min_size=0, max_size=4), max_size=12)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=_rows, delimiter=st.sampled_from([",", ";", "\t", " , "]), header=st.booleans())
def test_random_rows_are_read_or_refused_in_one_line(rows: list[list[str]], delimiter: str, header: bool) -> None:
    text = ("x1,x2,label\n" if header else "") + "\n".join(delimiter.join(r) for r in rows)
    _read_or_refuse(text)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=80))
def test_random_text_is_read_or_refused_in_one_line(text: str) -> None:
    _read_or_refuse(text)


def _read_or_refuse(text: str) -> None:
    try:
        data = parse_csv(text, "r.csv", 8)
    except DataFileError as error:
        assert "\n" not in str(error) and str(error).startswith("r.csv")
        return
    assert 2 <= data.size <= 8 and data.y.shape == (data.size, 1) and np.all(np.isfinite(data.x))
    if data.task_kind.regression:  # two columns, or a target that is not a whole number: real values that vary
        assert data.x.shape[1] in (1, 2) and np.all(np.isfinite(data.y)) and np.ptp(data.y) > 0
    else:
        assert data.x.shape == (data.size, 2) and set(data.y.ravel()) == {0.0, 1.0}
