"""Saving and loading networks: JSON ('tui-nn/1', a public format) and NumPy .npz files.

JSON layout: {"format": "tui-nn/1", "layers": [2, 2, 1], "activations": [...], "loss": "bce",
"weights": [...], "biases": [...]} where weights[l][i][j] is the weight from unit i of layer l to
unit j of layer l+1. A K-class network says so in the same keys: "layers": [2, H, K], the last
activation "softmax" and "loss": "ce"; a regression's: "layers": [1, H, 1] (or [2, H, 1]), the last
activation "linear" and "loss": "mse" or "mae". Other keys are kept and written back unchanged. .npz files
hold W1, b1, W2, b2, … as the tutorials save them, and no names: their output is the one --loss
implies for the data's task (a softmax for ce, a linear unit for a regression).

Files are untrusted: only a regular file of at most MAX_FILE_BYTES is read (safe_files), every
value is checked (type, shape, finiteness) before any array or network is built, and every
refusal is a NetworkFileError with a one-line message naming the place. .npz archives are
parsed member by member from their .npy headers, so a declared shape is checked before its
data is read (no allocation from a forged header, no zip bomb), and nothing is ever unpickled.
"""

from __future__ import annotations

import io
import json
import math
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tui_nn.engine.nn.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from tui_nn.engine.nn.losses import LOSS_CHOICES, LOSS_NAMES, LOSS_PAIRS
from tui_nn.engine.nn.network import Network
from tui_nn.engine.nn.tasks import Task
from tui_nn.engine.session.safe_files import MAX_FILE_BYTES, read_limited, shown_path, size_text, write_atomic

FORMAT = "tui-nn/1"
# Extra keys are kept and written back; json.dumps recurses, so their nesting is bounded.
MAX_NESTING = 64
# A float64 is at most ~1.8e308: a whole number with more digits cannot be a weight.
_MAX_INT_DIGITS = 309
# A layer wider than this could not fit its weights in a file of MAX_FILE_BYTES.
_MAX_LAYER_SIZE = MAX_FILE_BYTES // 2
_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGIC = b"PK\x03\x04"
_ARRAY_NAME = re.compile(r"([Wb])([1-9][0-9]{0,3})")
_NUMBER_KINDS = {"f": "float", "i": "int", "u": "unsigned int"}
_REFUSED_KINDS = {
    "b": "booleans",
    "c": "complex numbers (their imaginary part would be lost)",
    "O": "Python objects, which tui-nn never reads (that would mean unpickling)",
    "U": "text",
    "S": "bytes",
    "V": "records (a structured dtype)",
    "M": "dates",
    "m": "time spans",
}


class NetworkFileError(ValueError):
    """A network file is missing, unreadable or inconsistent; the message says where."""


@dataclass
class LoadedNetwork:
    sizes: tuple[int, ...]
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    activations: list[str] | None = None
    loss: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def loss_for(self, loss: str, task: Task | None = None) -> str:
        """The loss this network trains with when `loss` is asked for (--loss given or defaulted): the file's
        own where it names one, else `loss`. NetworkFileError, naming --loss, when the output `loss` is
        defined on for the data's `task` (a softmax for ce, a sigmoid for bce and mse, a linear unit for a
        regression's mse and mae) cannot be this file's output layer."""
        chosen = self.loss or loss
        asked = _output(loss, task)
        actual = self.output_for(loss, task)
        if actual != asked:
            raise NetworkFileError(f"--loss {loss} needs a {asked} output, and this network's output layer is {actual}")
        if not ACTIVATIONS[asked].elementwise and self.sizes[-1] < 2:
            raise NetworkFileError(
                f"--loss {loss} needs a {asked} output of one unit per class (at least 2), and this network has "
                f"{self.sizes[-1]} output unit"
            )
        return chosen

    def output_for(self, loss: str, task: Task | None = None) -> str:
        """This network's output activation: the file's own, else the one the loss it trains with is defined on
        for the data's task (a file without names: an .npz, an old JSON file)."""
        if self.activations is not None:
            return self.activations[-1]
        return _output(self.loss or loss, task)

    def build(self, hidden_activation: str, loss: str, task: Task | None = None) -> Network:
        """A Network with these parameters; activations and loss from the file where it has them (see loss_for).

        A file without a loss (an .npz, an old JSON file) takes `loss`, the --loss given or defaulted,
        and with it that loss's output (a softmax for ce)."""
        if self.activations is not None and len(self.activations) > 1:
            hidden_activation = self.activations[0]
        chosen = self.loss_for(loss, task)
        net = Network(self.sizes, hidden_activation, chosen, self.output_for(loss, task))
        for l, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            net.weights(l)[:] = w
            net.biases(l)[:] = b
        return net


def _output(loss: str, task: Task | None) -> str:
    """The output activation `loss` is defined on for `task` (a regression's: linear); its own without a task."""
    if task is not None and task.fits(loss):
        return task.output_activation(loss)
    return LOSS_NAMES[loss].output_activation


def _shape(n_rows: int, n_cols: int) -> str:
    return f"{n_rows}×{n_cols}"


@dataclass(frozen=True)
class _HugeInt:
    """A whole number in the JSON text with more digits than any float can hold."""

    digits: int


def _json_int(text: str) -> int | _HugeInt:
    digits = len(text.lstrip("-"))
    # int() itself refuses more than 4300 digits (with a ValueError the JSON decoder would let out)
    return _HugeInt(digits) if digits > _MAX_INT_DIGITS else int(text)


def _brief(value: object) -> str:
    """A JSON value as a short, one-line phrase for a message."""
    if isinstance(value, _HugeInt):
        return f"a whole number of {value.digits} digits"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, int) and len(str(abs(value))) > 20:
        return f"a whole number of {len(str(abs(value)))} digits"
    # lone surrogates (from \ud800 escapes) cannot be printed: keep them escaped
    text = json.dumps(value, ensure_ascii=False).encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= 40 else text[:39] + "…" + text[-1]


def _number(value: object, where: str) -> float:
    """A weight read from JSON: an int or a float, finite once converted to float64."""
    if isinstance(value, _HugeInt):
        raise NetworkFileError(f"{where} is {_brief(value)}: too large for a float (at most about 1.8e308)")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise NetworkFileError(f"{where} is {_brief(value)}: every weight must be a number")
    try:
        number = float(value)
    except OverflowError:
        raise NetworkFileError(f"{where} is {_brief(value)}: too large for a float (at most about 1.8e308)") from None
    if not math.isfinite(number):
        raise NetworkFileError(f"{where} is {number}: every weight must be a finite number")
    return number


def _matrix(value: object, where: str, rows: int, cols: int) -> np.ndarray:
    if not isinstance(value, list) or not all(isinstance(row, list) for row in value):
        raise NetworkFileError(f"{where} must be a list of lists of numbers (a {_shape(rows, cols)} matrix)")
    lengths = {len(row) for row in value}
    if len(value) != rows or lengths - {cols}:
        if len(lengths) > 1:
            bad = next(i for i, row in enumerate(value) if len(row) != len(value[0]))
            raise NetworkFileError(f"{where}[{bad}] has {len(value[bad])} values but {where}[0] has {len(value[0])}")
        n_cols = lengths.pop() if lengths else 0
        raise NetworkFileError(f"{where} is {_shape(len(value), n_cols)} but layers say {_shape(rows, cols)}")
    return np.array([[_number(v, f"{where}[{i}][{j}]") for j, v in enumerate(row)] for i, row in enumerate(value)])


def _vector(value: object, where: str, size: int) -> np.ndarray:
    if not isinstance(value, list):
        raise NetworkFileError(f"{where} must be a list of {size} numbers")
    if len(value) != size:
        raise NetworkFileError(f"{where} has {len(value)} values but layers say {size}")
    return np.array([_number(v, f"{where}[{j}]") for j, v in enumerate(value)], dtype=np.float64)


def _nesting(value: object) -> int:
    """How deeply lists and objects nest inside `value` (iteratively: no recursion limit)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, list | dict):
            depth += 1
            deepest = max(deepest, depth)
            if depth > MAX_NESTING:
                break
            stack.extend((child, depth) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def parse_json(document: Any) -> LoadedNetwork:
    """Check a decoded tui-nn/1 document in full and return its parts (no Network yet)."""
    if not isinstance(document, dict):
        raise NetworkFileError('the file must hold a JSON object ({"format": "tui-nn/1", "layers": …})')
    if document.get("format") != FORMAT:
        if "format" not in document:
            raise NetworkFileError(f'missing key "format": a tui-nn network file says "format": "{FORMAT}"')
        raise NetworkFileError(f'format must be "{FORMAT}", not {_brief(document["format"])}')
    for key in ("layers", "weights", "biases"):
        if key not in document:
            raise NetworkFileError(f'missing key "{key}"')
    layers = document["layers"]
    if not isinstance(layers, list) or len(layers) < 2:
        raise NetworkFileError("layers must be a list of at least two positive whole numbers, e.g. [2, 2, 1]")
    for l, n in enumerate(layers):
        if isinstance(n, _HugeInt) or (isinstance(n, int) and n > _MAX_LAYER_SIZE):
            raise NetworkFileError(f"layers[{l}] is {_brief(n)}: more units than a network file can hold")
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise NetworkFileError(f"layers[{l}] is {_brief(n)}: layers must be positive whole numbers, e.g. [2, 2, 1]")
    n = len(layers) - 1
    weights_doc, biases_doc = document["weights"], document["biases"]
    if not isinstance(weights_doc, list) or len(weights_doc) != n:
        raise NetworkFileError(f"weights must be a list of {n} matrices (one per layer of connections)")
    if not isinstance(biases_doc, list) or len(biases_doc) != n:
        raise NetworkFileError(f"biases must be a list of {n} lists (one per layer after the input)")
    weights = [_matrix(weights_doc[l], f"weights[{l}]", layers[l], layers[l + 1]) for l in range(n)]
    biases = [_vector(biases_doc[l], f"biases[{l}]", layers[l + 1]) for l in range(n)]
    activations = document.get("activations")
    if activations is not None:
        if not isinstance(activations, list) or len(activations) != n:
            raise NetworkFileError(f"activations must list {n} names, one per layer after the input")
        for l, name in enumerate(activations):
            allowed = OUTPUT_ACTIVATIONS if l == n - 1 else HIDDEN_ACTIVATIONS
            if not isinstance(name, str) or name not in allowed:
                raise NetworkFileError(f"activations[{l}] is {_brief(name)}: choose one of {', '.join(allowed)}")
        if len(set(activations[:-1])) > 1:
            raise NetworkFileError("activations: all hidden layers must use the same activation")
    loss = document.get("loss")
    if loss is not None and (not isinstance(loss, str) or loss not in LOSS_CHOICES):
        raise NetworkFileError(f"loss is {_brief(loss)}: choose one of {', '.join(LOSS_CHOICES)}")
    if activations is not None:
        output = ACTIVATIONS[activations[-1]]
        fitting = [name for name, output_name in LOSS_PAIRS if output_name == output.name]
        if loss is not None and loss not in fitting:
            raise NetworkFileError(
                f"loss is {_brief(loss)} but activations[{n - 1}] is {_brief(output.name)}: a {output.name} output takes "
                f"{' or '.join(fitting)}"
            )
        if not output.elementwise and layers[-1] < 2:
            raise NetworkFileError(
                f"activations[{n - 1}] is {_brief(output.name)} over {layers[-1]} unit: a softmax needs one unit per class "
                "(at least 2)"
            )
        if loss is None and not output.elementwise:
            (loss,) = fitting  # a softmax output's one loss: the file needs not say it
    known = {"format", "layers", "activations", "loss", "weights", "biases"}
    extra = {k: v for k, v in document.items() if k not in known}
    for key, value in extra.items():
        if _nesting(value) > MAX_NESTING:
            raise NetworkFileError(f"{_brief(key)} is nested more than {MAX_NESTING} levels deep")
        if _has_huge_int(value):
            raise NetworkFileError(f"{_brief(key)} holds a whole number of more than {_MAX_INT_DIGITS} digits")
    return LoadedNetwork(tuple(layers), weights, biases, activations, loss, extra)


def _has_huge_int(value: object) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, _HugeInt):
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _no_constants(text: str) -> float:
    raise NetworkFileError(f"{text} is not allowed in a network file: every weight must be a finite number")


def parse_json_bytes(data: bytes) -> LoadedNetwork:
    """Decode and check the bytes of a tui-nn/1 file."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise NetworkFileError(
            f"not UTF-8 text (byte {error.start + 1} is {data[error.start]:#04x}): not a network file"
        ) from None
    if not text.strip():
        raise NetworkFileError("the file is empty")
    try:
        document = json.loads(text, parse_constant=_no_constants, parse_int=_json_int)
    except json.JSONDecodeError as error:
        raise NetworkFileError(f"not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})") from None
    except RecursionError:
        raise NetworkFileError(f"not a network file: its lists nest too deeply to read (at most {MAX_NESTING} levels)") from None
    return parse_json(document)


# --- .npz ------------------------------------------------------------------------------


def _npy_header(member: Any, name: str) -> tuple[tuple[int, ...], bool, np.dtype[Any]]:
    """(shape, fortran_order, dtype) from a .npy header, before any of the data is read."""
    try:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(member)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(member)
        else:
            raise NetworkFileError(f"{name} uses .npy format {version[0]}.{version[1]}, which tui-nn does not read")
    except (ValueError, TypeError, SyntaxError, OverflowError, MemoryError, RecursionError, EOFError) as error:
        raise NetworkFileError(f"{name} is not a readable .npy array ({_one_line(error)})") from None
    return tuple(shape), bool(fortran), dtype


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 80 else text[:79] + "…"


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> np.ndarray:
    """One W or b array: header checked (dtype, shape, size against the budget), then its data."""
    array_name = info.filename.removesuffix(".npy")
    with archive.open(info) as member:
        shape, fortran, dtype = _npy_header(member, array_name)
        kind = dtype.kind
        if dtype.fields is not None or dtype.subdtype is not None:
            kind = "V"
        if kind not in _NUMBER_KINDS:
            what = _REFUSED_KINDS.get(kind, f"dtype {dtype}")
            raise NetworkFileError(f"{array_name} holds {what}: every weight must be a real number (save float arrays)")
        if any(n < 0 for n in shape):
            raise NetworkFileError(f"{array_name} declares the impossible shape {shape}")
        count = math.prod(shape)
        n_bytes = count * dtype.itemsize
        if n_bytes > budget:
            shown = "×".join(str(n) for n in shape)
            raise NetworkFileError(
                f"{array_name} declares {shown} values ({size_text(n_bytes)}); the arrays of a network file may "
                f"hold at most {size_text(MAX_FILE_BYTES)}"
            )
        data = member.read(n_bytes + 1)
    if len(data) != n_bytes:
        raise NetworkFileError(
            f"{array_name} is damaged: its header declares {size_text(n_bytes)} of data, it holds {size_text(len(data))}"
        )
    array = np.frombuffer(data, dtype=dtype, count=count).reshape(shape, order="F" if fortran else "C")
    with np.errstate(over="ignore"):  # a float128 beyond float64's range becomes inf, refused below
        return array.astype(np.float64)


def _npz_arrays(data: bytes) -> tuple[dict[str, np.ndarray], list[str]]:
    """The W{l} and b{l} arrays of an .npz archive (checked as read), and every array's name."""
    if data.startswith(_NPY_MAGIC):
        raise NetworkFileError("is a single .npy array, not an .npz archive: save with np.savez(path, W1=W1, b1=b1, W2=W2, …)")
    if not data.startswith(_ZIP_MAGIC):
        raise NetworkFileError("is not an .npz archive (no zip header): save the network with np.savez")
    budget = MAX_FILE_BYTES
    arrays: dict[str, np.ndarray] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = [info.filename.removesuffix(".npy") for info in infos]
            for info in infos:
                name = info.filename.removesuffix(".npy")
                if not (_ARRAY_NAME.fullmatch(name) and info.filename.endswith(".npy")) or name in arrays:
                    continue  # other arrays are never read (a tutorial may keep its data in the same file)
                array = _read_member(archive, info, budget)
                budget -= array.size * 8
                arrays[name] = array
    except NetworkFileError:
        raise
    # What zipfile raises on a damaged archive: bad or truncated records, CRC mismatches,
    # encryption or an unknown compression method, corrupt deflate streams.
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,
        RuntimeError,
        ValueError,
        OSError,
        EOFError,
        struct.error,
        zlib.error,
    ) as error:
        raise NetworkFileError(f"is not a readable .npz archive ({_one_line(error)})") from None
    return arrays, names


def _bias_values(b: np.ndarray, name: str, n_out: int, w_name: str) -> np.ndarray:
    """b as n_out values: shapes (n,), (1, n) and (n, 1) are how tutorials save a bias."""
    if b.ndim > 2 or (b.ndim == 2 and 1 not in b.shape):
        raise NetworkFileError(f"{name} must be a row of biases, not an array of shape {b.shape}")
    values = b.reshape(-1)
    if values.shape[0] != n_out:
        raise NetworkFileError(f"{name} has {values.shape[0]} values but {w_name} has {n_out} columns")
    return values


def _check_finite(array: np.ndarray, where: str) -> None:
    bad = np.argwhere(~np.isfinite(array))
    if len(bad):
        index = "".join(f"[{i}]" for i in bad[0])
        raise NetworkFileError(f"{where}{index} is {array[tuple(bad[0])]}: every weight must be a finite number")


def parse_npz_bytes(data: bytes) -> LoadedNetwork:
    """Check an .npz archive's W1, b1, W2, b2, … (dtype, shapes, values) and return them."""
    arrays, names = _npz_arrays(data)
    numbers = sorted({int(m.group(2)) for name in arrays if (m := _ARRAY_NAME.fullmatch(name))})
    if not numbers:
        found = ", ".join(sorted(names)[:8]) + (", …" if len(names) > 8 else "") if names else "none"
        raise NetworkFileError(f"expected arrays named W1, b1, W2, b2, … (found {found})")
    weights: list[np.ndarray] = []
    biases: list[np.ndarray] = []
    for l in range(1, numbers[-1] + 1):
        w_name, b_name = f"W{l}", f"b{l}"
        for name, partner in ((w_name, b_name), (b_name, w_name)):
            if name not in arrays:
                raise NetworkFileError(
                    f"has {partner} but no {name}" if partner in arrays else f"has W{numbers[-1]} but no {name}"
                )
        w = arrays[w_name]
        if w.ndim != 2:
            raise NetworkFileError(f"{w_name} must be a matrix, not an array of shape {w.shape}")
        if 0 in w.shape:
            raise NetworkFileError(f"{w_name} is {_shape(*w.shape)}: every layer needs at least one unit")
        if weights and w.shape[0] != weights[-1].shape[1]:
            raise NetworkFileError(f"{w_name} is {_shape(*w.shape)} but W{l - 1} has {weights[-1].shape[1]} outputs")
        b = _bias_values(arrays[b_name], b_name, w.shape[1], w_name)
        _check_finite(w, w_name)
        _check_finite(b, b_name)
        weights.append(w)
        biases.append(b)
    sizes = (weights[0].shape[0], *(w.shape[1] for w in weights))
    return LoadedNetwork(tuple(int(n) for n in sizes), weights, biases)


def load(path: str | Path) -> LoadedNetwork:
    """Read a network from a .json or .npz file, or raise NetworkFileError saying what is wrong."""
    path = Path(path)
    data = read_limited(path, MAX_FILE_BYTES, "network file", NetworkFileError)
    try:
        if path.suffix.lower() in (".npz", ".npy") or data.startswith((_ZIP_MAGIC, _NPY_MAGIC)):
            return parse_npz_bytes(data)
        return parse_json_bytes(data)
    except NetworkFileError as error:
        raise NetworkFileError(f"{shown_path(path)}: {error}") from None


def to_json(net: Network, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    document: dict[str, Any] = dict(extra or {})
    document.update(
        {
            "format": FORMAT,
            "layers": list(net.sizes),
            "activations": net.activation_names,
            "loss": net.loss,
            "weights": [net.weights(l).tolist() for l in range(net.n_layers)],
            "biases": [net.biases(l).tolist() for l in range(net.n_layers)],
        }
    )
    return document


def save(path: str | Path, net: Network, extra: dict[str, Any] | None = None) -> Path:
    """Save `net` as tui-nn/1 JSON, atomically (safe_files.write_atomic); `extra` keys (lr, seed,
    epoch, …) go along. A failure raises SaveError (an OSError) and leaves any old file intact."""
    document = to_json(net, extra)
    text = json.dumps(document, indent=1, allow_nan=False, default=_jsonable) + "\n"
    return write_atomic(path, text)


def _jsonable(value: object) -> object:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
