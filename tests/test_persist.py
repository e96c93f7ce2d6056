from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from tui_nn.engine import persist
from tui_nn.engine.network import InitSpec, Network


def _net() -> Network:
    net = Network((2, 3, 1), "tanh", "mse")
    net.initialise(InitSpec("normal", 1.0), 1)
    net.biases(0)[:] = [0.1, -0.2, 0.3]
    return net


def test_json_round_trip_keeps_extra_keys(tmp_path: Path) -> None:
    net = _net()
    path = persist.save(tmp_path / "net.json", net, {"lr": 0.5, "seed": 1, "epoch": 7, "history": [1, 2]})
    document = json.loads(path.read_text())
    assert document["format"] == "tui-nn/1" and document["layers"] == [2, 3, 1]
    assert document["activations"] == ["tanh", "sigmoid"] and document["loss"] == "mse"
    assert document["weights"][0][1][2] == net.weights(0)[1, 2]
    loaded = persist.load(path)
    rebuilt = loaded.build("sigmoid", "bce")
    assert np.array_equal(rebuilt.params, net.params)
    assert rebuilt.hidden_activation == "tanh" and rebuilt.loss == "mse"
    assert loaded.extra == {"lr": 0.5, "seed": 1, "epoch": 7, "history": [1, 2]}
    assert not list(tmp_path.glob(".*tmp")), "no temporary file left behind"


def test_npz_from_a_tutorial(tmp_path: Path) -> None:
    np.random.seed(0)
    W1, b1 = np.random.randn(2, 4), np.zeros((1, 4))
    W2, b2 = np.random.randn(4, 1), np.zeros((1, 1))
    np.savez(tmp_path / "tutorial.npz", W1=W1, b1=b1, W2=W2, b2=b2)
    loaded = persist.load(tmp_path / "tutorial.npz")
    assert loaded.sizes == (2, 4, 1)
    net = loaded.build("relu", "bce")
    assert np.array_equal(net.weights(0), W1) and net.hidden_activation == "relu"


def test_npz_with_objects_is_refused_not_unpickled(tmp_path: Path) -> None:
    np.savez(tmp_path / "evil.npz", W1=np.array([{"a": 1}], dtype=object), b1=np.zeros(1))
    with pytest.raises(persist.NetworkFileError, match="without unpickling"):
        persist.load(tmp_path / "evil.npz")


BAD_DOCUMENTS = [
    ("[]", "must hold a JSON object"),
    ('{"format": "other"}', 'format must be "tui-nn/1"'),
    ('{"format": "tui-nn/1", "layers": [2, 2, 1], "weights": []}', 'missing key "biases"'),
    ('{"format": "tui-nn/1", "layers": [2, 0, 1], "weights": [], "biases": []}', "positive whole numbers"),
    (
        '{"format": "tui-nn/1", "layers": [2, 2, 1], "weights": [[[1, 2], [3, 4], [5, 6]], [[1], [2]]], "biases": [[0, 0], [0]]}',
        "weights[0] is 3×2 but layers say 2×2",
    ),
    (
        '{"format": "tui-nn/1", "layers": [2, 2, 1], "weights": [[[1, 2], [3, 4]], [[1], [2]]], "biases": [[0, 0, 0], [0]]}',
        "biases[0] has 3 values but layers say 2",
    ),
    (
        '{"format": "tui-nn/1", "layers": [2, 2, 1], "weights": [[[1, NaN], [3, 4]], [[1], [2]]], "biases": [[0, 0], [0]]}',
        "NaN is not allowed",
    ),
    (
        '{"format": "tui-nn/1", "layers": [2, 2, 1], "weights": [[[1, 1e999], [3, 4]], [[1], [2]]], "biases": [[0, 0], [0]]}',
        "weights[0][0][1] is inf",
    ),
    (
        '{"format": "tui-nn/1", "layers": [2, 2, 1], "activations": ["swish", "sigmoid"], "weights": [[[1, 2], [3, 4]], [[1], [2]]], "biases": [[0, 0], [0]]}',
        'activations[0] is "swish"',
    ),
    ('{"format": "tui-nn/1",', "not valid JSON"),
]


@pytest.mark.parametrize(("text", "message"), BAD_DOCUMENTS)
def test_bad_files_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(persist.NetworkFileError, match=re.escape(message)):
        persist.load(path)


def test_missing_and_folder_paths(tmp_path: Path) -> None:
    with pytest.raises(persist.NetworkFileError, match="no such file"):
        persist.load(tmp_path / "nope.json")
    with pytest.raises(persist.NetworkFileError, match="is a folder"):
        persist.load(tmp_path)


def test_atomic_write_leaves_the_old_file_when_writing_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "net.json"
    path.write_text("old")

    def broken_fsync(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(persist.os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        persist.save(path, _net())
    assert path.read_text() == "old"
    assert list(tmp_path.iterdir()) == [path]
