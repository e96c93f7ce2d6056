"""The training problems: the four 2-input logic gates, two seeded 2-D point clouds, and CSV files."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tui_nn.engine.session.safe_files import MAX_FILE_BYTES, read_limited, shown_path

GATE_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
GATE_TARGETS = {
    "xor": [0, 1, 1, 0],
    "and": [0, 0, 0, 1],
    "or": [0, 1, 1, 1],
    "nand": [1, 1, 1, 0],
}
PROBLEMS = ("xor", "and", "or", "nand", "circle", "spiral")
DATA_SEED = 7
# The largest |feature| a data file (or your own input) may hold. Far beyond it the views' plane
# cannot be drawn (the extent of ±1e307 plus a margin overflows float64), and long before it
# every sigmoid or tanh of the first layer saturates, so nothing is learned: rescale such data.
MAX_FEATURE = 1e6


@dataclass(frozen=True)
class Dataset:
    name: str
    x: np.ndarray
    y: np.ndarray
    # a CSV file's absolute path and the SHA-256 of its bytes when read, so a saved session can
    # say later whether the file has changed since (None for the built-in data sets)
    source: str | None = None
    sha256: str | None = None

    @property
    def size(self) -> int:
        return int(self.x.shape[0])

    @property
    def class_count(self) -> int:
        """K: the number of classes (2 for a binary set's single 0/1 column, else one column per class)."""
        return 2 if self.y.shape[1] == 1 else int(self.y.shape[1])

    @property
    def class_index(self) -> np.ndarray:
        """Each sample's class label 0 … K−1, shape (N,)."""
        if self.y.shape[1] == 1:
            return np.asarray(self.y[:, 0].astype(int))
        return np.asarray(self.y.argmax(axis=1))

    @property
    def is_small(self) -> bool:
        """Small enough to list row by row (the logic gates)."""
        return self.size <= 16


def _circle(n: int = 300, noise: float = 0.08) -> Dataset:
    rng = np.random.RandomState(DATA_SEED)
    radius = np.sqrt(rng.uniform(0.0, 1.0, n))
    angle = rng.uniform(0.0, 2 * np.pi, n)
    x = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    label = (radius < 0.6).astype(np.float64)
    x = x + rng.normal(0.0, noise, x.shape)
    return Dataset("circle", x, label.reshape(-1, 1))


def _spiral(n_per_class: int = 150, noise: float = 0.04) -> Dataset:
    rng = np.random.RandomState(DATA_SEED)
    xs, ys = [], []
    for label in (0, 1):
        t = np.linspace(0.15, 1.0, n_per_class)
        angle = 3.5 * np.pi * t + label * np.pi
        points = np.column_stack([t * np.cos(angle), t * np.sin(angle)])
        xs.append(points + rng.normal(0.0, noise, points.shape))
        ys.append(np.full(n_per_class, float(label)))
    return Dataset("spiral", np.concatenate(xs), np.concatenate(ys).reshape(-1, 1))


def load(name: str) -> Dataset:
    """The data set called `name` (one of PROBLEMS); rows of the gates are numbered 1–4."""
    if name in GATE_TARGETS:
        return Dataset(name, GATE_INPUTS.copy(), np.array(GATE_TARGETS[name], dtype=np.float64).reshape(-1, 1))
    if name == "circle":
        return _circle()
    if name == "spiral":
        return _spiral()
    raise KeyError(name)


# --- your own data: CSV files --------------------------------------------------------------

CSV_COLUMNS = ("x1", "x2", "label")
CSV_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}


class DataFileError(ValueError):
    """A data file is unreadable or malformed; the message names the file, row and column."""


def _shown(text: str) -> str:
    """A field as quoted in a message: one line, at most 24 characters."""
    shown = repr(text)
    return shown if len(shown) <= 24 else shown[:22] + "…" + shown[0]


def _delimiter(line: str) -> str:
    """Semicolon if the line has one (decimal-comma locales), else comma if it has one, else tab."""
    for candidate in (";", ",", "\t"):
        if candidate in line:
            return candidate
    return ","


def _value(text: str, where: str, column: int) -> float:
    try:
        value = float(text)
    except ValueError:
        hint = " (write decimals with a point)" if "," in text else ""
        raise DataFileError(f"{where}, column {column}: {_shown(text)} is not a number{hint}") from None
    if not math.isfinite(value):
        raise DataFileError(f"{where}, column {column}: {_shown(text)} is not a finite number")
    return value


def _feature(text: str, where: str, column: int) -> float:
    value = _value(text, where, column)
    if abs(value) > MAX_FEATURE:
        raise DataFileError(
            f"{where}, column {column}: {_shown(text)} is too large: features must be within ±{MAX_FEATURE:g} "
            "(rescale the data, e.g. to −1 … 1)"
        )
    return value


def parse_csv(text: str, name: str, max_points: int) -> Dataset:
    """Points from CSV text: two feature columns and a 0/1 label per line.

    Separated by commas, semicolons or tabs (the first row decides: a semicolon if it has one,
    else a comma, else a tab; spaces and double quotes around values are ignored); a first row with words and no number in it is a header; empty lines and lines starting with
    '#' (np.savetxt's header) are skipped. Rows are counted as the file's lines, from 1. At most
    `max_points` points, features within ±MAX_FEATURE, and both classes must be present.
    """
    rows: list[tuple[float, float, float]] = []
    delimiter: str | None = None
    seen_first = False
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if "\x00" in line:
            raise DataFileError(f"{name} row {number}: contains a NUL byte: not a text file")
        if delimiter is None:
            delimiter = _delimiter(stripped)
        fields = [f.strip().strip('"').strip() for f in stripped.split(delimiter)]
        where = f"{name} row {number}"
        if not seen_first:
            seen_first = True
            if not any(_is_number(f) for f in fields) and any(c.isalpha() for c in stripped):
                if len(fields) != 3:
                    raise DataFileError(
                        f"{where}: the header has {len(fields)} column{'s' * (len(fields) != 1)}, expected 3 "
                        f"({', '.join(CSV_COLUMNS)}) separated by {CSV_DELIMITERS[delimiter]}s"
                    )
                continue
        if len(fields) != 3:
            raise DataFileError(
                f"{where}: {len(fields)} column{'s' * (len(fields) != 1)}, expected 3 ({', '.join(CSV_COLUMNS)}) "
                f"separated by {CSV_DELIMITERS[delimiter]}s"
            )
        x1, x2 = _feature(fields[0], where, 1), _feature(fields[1], where, 2)
        label = _value(fields[2], where, 3)
        if label not in (0.0, 1.0):
            shown = fields[2] if len(fields[2]) <= 24 else _shown(fields[2])
            raise DataFileError(f"{where}, column 3: label must be 0 or 1, not {shown}")
        if len(rows) == max_points:
            raise DataFileError(
                f"{where}: more than {max_points} points; a data set may have at most {max_points} (this app walks every "
                "multiply-add)"
            )
        rows.append((x1, x2, label))
    if not text.strip():
        raise DataFileError(f"{name} is empty: expected lines like 0.5,1.2,1 ({', '.join(CSV_COLUMNS)})")
    if not rows:
        raise DataFileError(f"{name} has no data rows: expected lines like 0.5,1.2,1 ({', '.join(CSV_COLUMNS)})")
    array = np.array(rows, dtype=np.float64)
    labels = array[:, 2]
    for c in (0.0, 1.0):
        if np.all(labels == c):
            raise DataFileError(f"{name}: every label is {c:g}; a classifier needs points of both classes (0 and 1)")
    return Dataset(Path(name).stem or name, array[:, :2].copy(), labels.reshape(-1, 1).copy())


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_csv(path: str | Path, max_points: int) -> Dataset:
    """The points of a CSV file (see parse_csv); the data set is named after the file's stem."""
    path = Path(path)
    data = read_limited(path, MAX_FILE_BYTES, "data file", DataFileError)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataFileError(f"{shown_path(path)}: not UTF-8 text (byte {error.start + 1} is {data[error.start]:#04x})") from None
    dataset = parse_csv(text, shown_path(path), max_points)
    digest = hashlib.sha256(data).hexdigest()
    return Dataset(shown_path(path.stem or path.name), dataset.x, dataset.y, str(path.absolute()), digest)
