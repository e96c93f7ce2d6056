"""Saving and loading networks: JSON ('tui-nn/1', a public format) and NumPy .npz files.

JSON layout: {"format": "tui-nn/1", "layers": [2, 2, 1], "activations": [...], "loss": "bce",
"weights": [...], "biases": [...]} where weights[l][i][j] is the weight from unit i of layer l to
unit j of layer l+1. Other keys are kept and written back unchanged. .npz files hold W1, b1,
W2, b2, … as the tutorials save them and are read with allow_pickle=False. Never pickle.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tui_nn.engine.activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from tui_nn.engine.losses import LOSSES
from tui_nn.engine.network import Network

FORMAT = "tui-nn/1"


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

    def build(self, hidden_activation: str, loss: str) -> Network:
        """A Network with these parameters; activations and loss from the file where it has them."""
        if self.activations is not None:
            hidden = set(self.activations[:-1])
            if len(hidden) > 1:
                raise NetworkFileError("activations: all hidden layers must use the same activation")
            hidden_activation = self.activations[0] if len(self.activations) > 1 else hidden_activation
        net = Network(self.sizes, hidden_activation, self.loss or loss)
        for l, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            net.weights(l)[:] = w
            net.biases(l)[:] = b
        return net


def _shape(n_rows: int, n_cols: int) -> str:
    return f"{n_rows}×{n_cols}"


def _matrix(value: object, where: str, rows: int, cols: int) -> np.ndarray:
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise NetworkFileError(f"{where} must be a list of lists of numbers") from None
    if array.ndim != 2:
        raise NetworkFileError(f"{where} must be a list of lists of numbers (a matrix)")
    if array.shape != (rows, cols):
        raise NetworkFileError(f"{where} is {_shape(*array.shape)} but layers say {_shape(rows, cols)}")
    _finite(array, where)
    return array


def _vector(value: object, where: str, size: int) -> np.ndarray:
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise NetworkFileError(f"{where} must be a list of numbers") from None
    if array.ndim != 1:
        raise NetworkFileError(f"{where} must be a list of numbers")
    if array.shape != (size,):
        raise NetworkFileError(f"{where} has {array.shape[0]} values but layers say {size}")
    _finite(array, where)
    return array


def _finite(array: np.ndarray, where: str) -> None:
    bad = np.argwhere(~np.isfinite(array))
    if len(bad):
        index = "".join(f"[{i}]" for i in bad[0])
        raise NetworkFileError(f"{where}{index} is {array[tuple(bad[0])]}: every weight must be a finite number")


def _no_constants(text: str) -> float:
    raise NetworkFileError(f"{text} is not allowed in a network file: every weight must be a finite number")


def parse_json(document: Any) -> LoadedNetwork:
    if not isinstance(document, dict):
        raise NetworkFileError("the file must hold a JSON object")
    if document.get("format") != FORMAT:
        raise NetworkFileError(f'format must be "{FORMAT}", not {json.dumps(document.get("format"))}')
    for key in ("layers", "weights", "biases"):
        if key not in document:
            raise NetworkFileError(f'missing key "{key}"')
    layers = document["layers"]
    if (
        not isinstance(layers, list)
        or len(layers) < 2
        or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in layers)
    ):
        raise NetworkFileError("layers must be a list of at least two positive whole numbers, e.g. [2, 2, 1]")
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
            if name not in allowed:
                raise NetworkFileError(f"activations[{l}] is {json.dumps(name)}: choose one of {', '.join(allowed)}")
    loss = document.get("loss")
    if loss is not None and loss not in LOSSES:
        raise NetworkFileError(f"loss is {json.dumps(loss)}: choose one of {', '.join(LOSSES)}")
    known = {"format", "layers", "activations", "loss", "weights", "biases"}
    extra = {k: v for k, v in document.items() if k not in known}
    return LoadedNetwork(tuple(layers), weights, biases, activations, loss, extra)


def load_npz(path: Path) -> LoadedNetwork:
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except ValueError as error:
        raise NetworkFileError(f"{path}: cannot read it without unpickling ({error}); save plain arrays with np.savez") from None
    except (OSError, zipfile.BadZipFile, EOFError) as error:
        raise NetworkFileError(f"{path}: not a readable .npz file ({error})") from None
    weights: list[np.ndarray] = []
    biases: list[np.ndarray] = []
    l = 1
    while f"W{l}" in arrays:
        if f"b{l}" not in arrays:
            raise NetworkFileError(f"{path}: has W{l} but no b{l}")
        w = np.asarray(arrays[f"W{l}"], dtype=np.float64)
        b = np.asarray(arrays[f"b{l}"], dtype=np.float64).reshape(-1)
        if w.ndim != 2:
            raise NetworkFileError(f"{path}: W{l} must be a matrix, not an array of shape {w.shape}")
        if weights and w.shape[0] != weights[-1].shape[1]:
            raise NetworkFileError(f"{path}: W{l} is {_shape(*w.shape)} but W{l - 1} has {weights[-1].shape[1]} outputs")
        if b.shape[0] != w.shape[1]:
            raise NetworkFileError(f"{path}: b{l} has {b.shape[0]} values but W{l} has {w.shape[1]} columns")
        _finite(w, f"W{l}")
        _finite(b, f"b{l}")
        weights.append(w)
        biases.append(b)
        l += 1
    if not weights:
        raise NetworkFileError(f"{path}: expected arrays named W1, b1, W2, b2, … (found {', '.join(sorted(arrays)) or 'none'})")
    sizes = (weights[0].shape[0], *tuple(w.shape[1] for w in weights))
    return LoadedNetwork(sizes, weights, biases)


def load(path: str | Path) -> LoadedNetwork:
    """Read a network from a .json or .npz file, or raise NetworkFileError saying what is wrong."""
    path = Path(path)
    if not path.exists():
        raise NetworkFileError(f"{path}: no such file")
    if path.is_dir():
        raise NetworkFileError(f"{path}: is a folder, not a network file")
    if path.suffix.lower() == ".npz":
        return load_npz(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise NetworkFileError(f"{path}: cannot read it ({error})") from None
    try:
        document = json.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError as error:
        raise NetworkFileError(f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})") from None
    try:
        return parse_json(document)
    except NetworkFileError as error:
        raise NetworkFileError(f"{path}: {error}") from None


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


def write_atomic(path: str | Path, text: str) -> Path:
    """Write via a temporary file in the same folder, fsync, then rename over the target."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return path


def save(path: str | Path, net: Network, extra: dict[str, Any] | None = None) -> Path:
    """Save `net` as tui-nn/1 JSON, atomically; `extra` keys (lr, seed, epoch, …) go along."""
    document = to_json(net, extra)
    text = json.dumps(document, indent=1, allow_nan=False, default=_jsonable) + "\n"
    return write_atomic(path, text)


def _jsonable(value: object) -> object:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
