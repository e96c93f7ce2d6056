"""The training problems: the four 2-input logic gates, seeded 2-D point clouds (two classes: circle,
spiral; K classes: spiral3, blobs), and CSV files."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tui_nn.engine.nn.tasks import TASK_NAMES, TASKS, Task
from tui_nn.engine.session.safe_files import MAX_FILE_BYTES, read_limited, shown_path

GATE_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
GATE_TARGETS = {
    "xor": [0, 1, 1, 0],
    "and": [0, 0, 0, 1],
    "or": [0, 1, 1, 1],
    "nand": [1, 1, 1, 0],
}
PROBLEMS = ("xor", "and", "or", "nand", "circle", "spiral", "spiral3", "blobs", "sine", "saddle")
CLASSIFY_TASK, REGRESS_TASK = TASK_NAMES
REGRESS_HINT = f"; for real-valued targets, --task {REGRESS_TASK}"
MAX_CLASSES = 6
"""The most classes a data set may have (one softmax output unit and one colour each)."""
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
    task: str = "classify"
    """What the targets ask for: "classify" (0/1 or one-hot classes) or "regress" (real values); see tasks.TASKS."""

    @property
    def task_kind(self) -> Task:
        """The Task object of this data set (its score, its words)."""
        return TASKS[self.task]

    @property
    def features(self) -> int:
        """The number of inputs (columns of x): 1 for a curve to fit, 2 for the plane."""
        return int(self.x.shape[1])

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

    def subset(self, rows: np.ndarray, name: str | None = None) -> Dataset:
        """These rows (in this order), as a data set of their own: same source, copied arrays."""
        return Dataset(name or self.name, self.x[rows].copy(), self.y[rows].copy(), self.source, self.sha256, self.task)


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


def one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    """(N, K) float64 rows with a 1 in each sample's class column: the targets of a softmax output."""
    return np.asarray(np.eye(classes)[np.asarray(labels, dtype=int)])


def _spiral3(n_per_class: int = 100, classes: int = 3) -> Dataset:
    """cs231n's spiral ("minimal neural network case study"), draw for draw:

        N = 100; D = 2; K = 3
        X = np.zeros((N*K, D)); y = np.zeros(N*K, dtype='uint8')
        for j in range(K):
            ix = range(N*j, N*(j+1))
            r = np.linspace(0.0, 1, N)
            t = np.linspace(j*4, (j+1)*4, N) + np.random.randn(N)*0.2
            X[ix] = np.c_[r*np.sin(t), r*np.cos(t)]
            y[ix] = j

    Its np.random.randn is the global legacy generator; ours is a RandomState of our own seeded with
    DATA_SEED, whose randn is the same stream: after np.random.seed(DATA_SEED) the course's code above
    makes exactly these points, bit for bit (a test checks it). The global generator is never touched.
    """
    rng = np.random.RandomState(DATA_SEED)
    x = np.zeros((n_per_class * classes, 2))
    labels = np.zeros(n_per_class * classes, dtype=int)
    for j in range(classes):
        ix = range(n_per_class * j, n_per_class * (j + 1))
        r = np.linspace(0.0, 1, n_per_class)
        t = np.linspace(j * 4, (j + 1) * 4, n_per_class) + rng.randn(n_per_class) * 0.2
        x[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        labels[ix] = j
    return Dataset("spiral3", x, one_hot(labels, classes))


def _blobs(n_per_class: int = 75, classes: int = 4, radius: float = 1.5, spread: float = 0.6) -> Dataset:
    """Four seeded Gaussian blobs, centred on a circle (one per quadrant) and overlapping a little at their
    edges: a straight-line (linear softmax) classifier gets most points right, none gets all."""
    rng = np.random.RandomState(DATA_SEED)
    angles = np.pi / 4 + np.arange(classes) * 2 * np.pi / classes
    centres = radius * np.column_stack([np.cos(angles), np.sin(angles)])
    x = np.concatenate([rng.normal(centre, spread, (n_per_class, 2)) for centre in centres])
    labels = np.repeat(np.arange(classes), n_per_class)
    return Dataset("blobs", x, one_hot(labels, classes))


def _sine(n: int = 64, noise: float = 0.1) -> Dataset:
    """1-D regression: n seeded points x on [−π, π] (sorted, so a table reads left to right) with
    y = sin x + N(0, noise²): the curve Nielsen's visual proof builds from one bump per hidden unit."""
    rng = np.random.RandomState(DATA_SEED)
    x = np.sort(rng.uniform(-np.pi, np.pi, n))
    y = np.sin(x) + rng.normal(0.0, noise, n)
    return Dataset("sine", x.reshape(-1, 1), y.reshape(-1, 1), task=REGRESS_TASK)


def _saddle(side: int = 11) -> Dataset:
    """2-D regression: y = x₁·x₂ on a side × side grid over [−1, 1]² (no noise): a saddle, up in two
    opposite quadrants and down in the other two, which no single tanh unit can fit."""
    ticks = np.linspace(-1.0, 1.0, side)
    x1, x2 = np.meshgrid(ticks, ticks, indexing="ij")
    x = np.column_stack([x1.ravel(), x2.ravel()])
    return Dataset("saddle", x, (x[:, 0] * x[:, 1]).reshape(-1, 1), task=REGRESS_TASK)


def load(name: str) -> Dataset:
    """The data set called `name` (one of PROBLEMS); rows of the gates are numbered 1–4."""
    if name in GATE_TARGETS:
        return Dataset(name, GATE_INPUTS.copy(), np.array(GATE_TARGETS[name], dtype=np.float64).reshape(-1, 1))
    if name == "circle":
        return _circle()
    if name == "spiral":
        return _spiral()
    if name == "spiral3":
        return _spiral3()
    if name == "blobs":
        return _blobs()
    if name == "sine":
        return _sine()
    if name == "saddle":
        return _saddle()
    raise KeyError(name)


# --- a validation set ------------------------------------------------------------------------

MAX_VALIDATION = 0.9  # at least a tenth of the points must be left to train on


class SplitError(ValueError):
    """A validation fraction that cannot split this data set; the message names --val and the class."""


@dataclass(frozen=True)
class Split:
    """A data set cut in two: the rows trained on and the rows held out, as indices into the whole."""

    training: Dataset
    validation: Dataset
    training_rows: np.ndarray
    validation_rows: np.ndarray


def validation_split(data: Dataset, fraction: float, seed: int = DATA_SEED) -> Split:
    """Hold out round(fraction · n_k) of each class k's n_k rows, drawn with RandomState(seed).

    Stratified, so each part keeps the classes' proportions (a random cut of a small set can leave
    a class out of one part, and then its loss says nothing about that class). Both parts keep the
    rows in their original order, so the training part is exactly `data.subset(training_rows)`.
    Refuses (SplitError) a fraction outside (0, MAX_VALIDATION] or one that leaves a class out of
    either part.
    """
    if not 0.0 < fraction <= MAX_VALIDATION:
        raise SplitError(f"--val must be within 0 … {MAX_VALIDATION:g} (more than 0), not {fraction:g}")
    rng = np.random.RandomState(seed)
    if data.task_kind.regression:  # real-valued targets have no classes to stratify by: a seeded random cut
        count = round(fraction * data.size)
        if count == 0 or count == data.size:
            part = "validation" if count == 0 else "training"
            raise SplitError(
                f"--val {fraction:g} leaves the {part} part empty: {data.name} has {data.size} points, of which {count} "
                "would be held out (choose a fraction that holds out at least one and keeps at least one)"
            )
        validation_rows = np.sort(rng.permutation(data.size)[:count])
        mask = np.ones(data.size, dtype=bool)
        mask[validation_rows] = False
        training_rows = np.flatnonzero(mask)
        return Split(data.subset(training_rows), data.subset(validation_rows), training_rows, validation_rows)
    labels = data.class_index
    held: list[np.ndarray] = []
    for k in range(data.class_count):
        rows = np.flatnonzero(labels == k)
        count = round(fraction * len(rows))
        if count == 0 or count == len(rows):
            part = "validation" if count == 0 else "training"
            raise SplitError(
                f"--val {fraction:g} leaves class {k} out of the {part} part: {data.name} has {len(rows)} point"
                f"{'s' * (len(rows) != 1)} of class {k}, of which {count} would be held out "
                f"(choose a fraction that holds out at least one and keeps at least one of every class)"
            )
        held.append(rng.permutation(rows)[:count])
    validation_rows = np.sort(np.concatenate(held))
    mask = np.ones(data.size, dtype=bool)
    mask[validation_rows] = False
    training_rows = np.flatnonzero(mask)
    return Split(data.subset(training_rows), data.subset(validation_rows), training_rows, validation_rows)


# --- your own data: CSV files --------------------------------------------------------------

CSV_COLUMNS = ("x1", "x2", "label")
CSV_CURVE_COLUMNS = ("x", "y")
CSV_SHAPES = (len(CSV_COLUMNS), len(CSV_CURVE_COLUMNS))
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


def parse_csv(text: str, name: str, max_points: int, task: str | None = None) -> Dataset:
    """Points from CSV text: feature columns and a target per line.

    Three columns (x1, x2, target) are a classification when every target is a whole number (a class
    label 0, 1, … K−1) and a 2-D regression when one is not; two columns (x, y) are a 1-D regression.
    `task` ("classify" or "regress", --task) decides instead: a file of whole numbers can be regressed,
    and asking to classify a file whose targets are not class labels, or that has one feature, is refused.

    Separated by commas, semicolons or tabs (the first row decides: a semicolon if it has one,
    else a comma, else a tab; spaces and double quotes around values are ignored); a first row with words and no number in it is a header; empty lines and lines starting with
    '#' (np.savetxt's header) are skipped. Rows are counted as the file's lines, from 1. At most
    `max_points` points, features within ±MAX_FEATURE, every target finite. A classification's labels
    are whole numbers 0 … K−1 with none left out, 2 ≤ K ≤ MAX_CLASSES: two classes give the binary
    (N, 1) column of 0/1 targets, more give one-hot rows (N, K) for a softmax output. A regression needs
    at least two points and targets that vary.
    """
    rows: list[list[float]] = []
    row_numbers: list[int] = []
    texts: list[str] = []  # each target as written, to quote it
    delimiter: str | None = None
    columns: int | None = None
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
                if len(fields) not in CSV_SHAPES:
                    raise DataFileError(
                        f"{where}: the header has {len(fields)} column{'s' * (len(fields) != 1)}, expected 3 "
                        f"({', '.join(CSV_COLUMNS)}) or 2 ({', '.join(CSV_CURVE_COLUMNS)}) separated by "
                        f"{CSV_DELIMITERS[delimiter]}s"
                    )
                columns = len(fields)
                continue
        if columns is None and len(fields) in CSV_SHAPES:
            columns = len(fields)
        if len(fields) != (columns or 3):
            expected = columns or 3
            shape = ", ".join(CSV_COLUMNS if expected == 3 else CSV_CURVE_COLUMNS)
            raise DataFileError(
                f"{where}: {len(fields)} column{'s' * (len(fields) != 1)}, expected {expected} ({shape}) "
                f"separated by {CSV_DELIMITERS[delimiter]}s"
            )
        features = [_feature(field, where, k) for k, field in enumerate(fields[:-1], start=1)]
        target = _value(fields[-1], where, len(fields))
        if len(rows) == max_points:
            raise DataFileError(
                f"{where}: more than {max_points} points; a data set may have at most {max_points} (this app walks every "
                "multiply-add)"
            )
        rows.append([*features, target])
        row_numbers.append(number)
        texts.append(fields[-1])
    if not text.strip():
        raise DataFileError(f"{name} is empty: expected lines like 0.5,1.2,1 ({', '.join(CSV_COLUMNS)})")
    if not rows:
        raise DataFileError(f"{name} has no data rows: expected lines like 0.5,1.2,1 ({', '.join(CSV_COLUMNS)})")
    array = np.array(rows, dtype=np.float64)
    x, targets = array[:, :-1].copy(), array[:, -1]
    stem = Path(name).stem or name
    if x.shape[1] == 1:
        if task is not None and not TASKS[task].regression:
            raise DataFileError(
                f"--task {task}: {name} has 2 columns ({', '.join(CSV_CURVE_COLUMNS)}), one feature: a 1-D regression; "
                f"a classification needs two features ({', '.join(CSV_COLUMNS)})"
            )
        return _regression(stem, name, x, targets, row_numbers)
    whole = bool(np.all(targets == np.floor(targets)))
    if task is None:
        task = CLASSIFY_TASK if whole else REGRESS_TASK
    if TASKS[task].regression:
        return _regression(stem, name, x, targets, row_numbers)
    return Dataset(stem, x, _class_targets(name, targets, row_numbers, texts))


def _regression(stem: str, name: str, x: np.ndarray, targets: np.ndarray, row_numbers: list[int]) -> Dataset:
    """A regression's data set, or a DataFileError naming the target column when there is nothing to fit."""
    column = x.shape[1] + 1
    if len(targets) < 2:
        raise DataFileError(
            f"{name} row {row_numbers[0]}: one point: a regression needs at least two to fit a curve through "
            f"(and R² compares with their mean)"
        )
    if np.all(targets == targets[0]):
        raise DataFileError(f"{name}, column {column}: every target is {targets[0]:g}; a regression needs targets that vary")
    return Dataset(stem, x, targets.reshape(-1, 1).copy(), task=REGRESS_TASK)


def _class_targets(name: str, labels: np.ndarray, row_numbers: list[int], texts: list[str]) -> np.ndarray:
    """The 0/1 column or one-hot rows of class labels 0 … K−1, or a DataFileError naming row and column 3."""
    first_row_of: dict[int, int] = {}  # each label's first row, to name it
    for label, number, shown_text in zip(labels, row_numbers, texts, strict=True):
        where = f"{name} row {number}"
        if label != int(label) or label < 0:
            shown = shown_text if len(shown_text) <= 24 else _shown(shown_text)
            raise DataFileError(
                f"{where}, column 3: a label is a class number 0, 1, 2, … (a whole number), not {shown}{REGRESS_HINT}"
            )
        if label >= MAX_CLASSES:
            raise DataFileError(
                f"{where}, column 3: label {label:g} would make {int(label) + 1} classes: at most {MAX_CLASSES} "
                f"(labels 0 … {MAX_CLASSES - 1}){REGRESS_HINT}"
            )
        first_row_of.setdefault(int(label), number)
    if len(first_row_of) == 1:
        (only,) = first_row_of
        raise DataFileError(
            f"{name}, column 3: every label is {only}; a classifier needs points of at least two classes (0 and 1)"
        )
    classes = max(first_row_of) + 1
    missing = [c for c in range(classes) if c not in first_row_of]
    if missing:
        listed = ", ".join(str(c) for c in missing)
        raise DataFileError(
            f"{name} row {first_row_of[classes - 1]}, column 3: label {classes - 1} with no point of class {listed}; "
            f"labels must be 0 … K−1 with none left out"
        )
    return labels.reshape(-1, 1).copy() if classes == 2 else one_hot(labels, classes)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_csv(path: str | Path, max_points: int, task: str | None = None) -> Dataset:
    """The points of a CSV file (see parse_csv); the data set is named after the file's stem."""
    path = Path(path)
    data = read_limited(path, MAX_FILE_BYTES, "data file", DataFileError)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataFileError(f"{shown_path(path)}: not UTF-8 text (byte {error.start + 1} is {data[error.start]:#04x})") from None
    dataset = parse_csv(text, shown_path(path), max_points, task)
    digest = hashlib.sha256(data).hexdigest()
    return Dataset(shown_path(path.stem or path.name), dataset.x, dataset.y, str(path.absolute()), digest, dataset.task)
