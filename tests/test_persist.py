from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import numpy as np
import pytest

from tui_nn.engine.nn.network import InitSpec, Network
from tui_nn.engine.session import persist, safe_files


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
    with pytest.raises(persist.NetworkFileError, match=r"never reads .*unpickling"):
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

    monkeypatch.setattr(safe_files.os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        persist.save(path, _net())
    assert path.read_text() == "old"
    assert list(tmp_path.iterdir()) == [path]


# --- writing: permissions, long names, what may be replaced ----------------------------------


def test_overwriting_keeps_the_permission_bits(tmp_path: Path) -> None:
    path = tmp_path / "net.json"
    path.write_text("old")
    path.chmod(0o644)
    persist.save(path, _net())
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    path.chmod(0o640)
    persist.save(path, _net())
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert persist.load(path).sizes == (2, 3, 1)


def test_a_new_file_gets_the_umask_not_0600(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        path = persist.save(tmp_path / "new.json", _net())
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_a_250_character_name_saves(tmp_path: Path) -> None:
    path = tmp_path / ("n" * 245 + ".json")
    assert len(path.name) == 250
    persist.save(path, _net())
    assert persist.load(path).sizes == (2, 3, 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_a_name_beyond_the_file_system_limit_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / ("é" * 150 + ".json")  # 305 bytes in UTF-8
    with pytest.raises(safe_files.SaveError) as caught:
        persist.save(path, _net())
    assert str(caught.value).endswith("the file name is 305 bytes long; this file system allows 255")
    assert "\n" not in str(caught.value) and list(tmp_path.iterdir()) == []


def test_saving_into_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(safe_files.SaveError, match=r"net\.json: no such folder .*missing$"):
        persist.save(tmp_path / "missing" / "net.json", _net())


def test_a_symlink_is_followed_and_kept(tmp_path: Path) -> None:
    target = tmp_path / "real.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    persist.save(link, _net())
    assert link.is_symlink() and persist.load(target).sizes == (2, 3, 1)


def test_only_a_regular_file_is_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(safe_files.SaveError, match=r"is a named pipe \(FIFO\); tui-nn only replaces regular files"):
        persist.save(fifo, _net())
    with pytest.raises(safe_files.SaveError, match="is a folder; tui-nn only replaces regular files"):
        persist.save(tmp_path, _net())
    assert stat.S_ISFIFO(fifo.stat().st_mode)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_folder_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(safe_files.SaveError, match="permission denied"):
            persist.save(folder / "net.json", _net())
    finally:
        folder.chmod(0o700)
