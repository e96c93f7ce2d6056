"""Hostile network files: each is refused with one line naming what is wrong, or loads; never a
traceback, a hang or a memory blow-up. Random JSON documents and .npz archives (Hypothesis) too."""

from __future__ import annotations

import io
import json
import os
import re
import socket
import subprocess
import sys
import threading
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tui_nn.cli.commands import main
from tui_nn.engine.session import persist
from tui_nn.engine.session.persist import NetworkFileError
from tui_nn.engine.session.safe_files import MAX_FILE_BYTES

GOOD = {
    "format": "tui-nn/1",
    "layers": [2, 2, 1],
    "weights": [[[1, 2], [3, 4]], [[1], [2]]],
    "biases": [[0, 0], [0]],
}


def _refused(path: Path, message: str) -> str:
    """Load `path`, expect a one-line NetworkFileError containing `message`; return it."""
    with pytest.raises(NetworkFileError) as caught:
        persist.load(path)
    text = str(caught.value)
    assert "\n" not in text and message in text, text
    assert text.startswith(str(path)), text
    return text


def _document(**changes: Any) -> dict[str, Any]:
    document = json.loads(json.dumps(GOOD))
    document.update(changes)
    return document


# --- JSON ----------------------------------------------------------------------------------


def test_an_integer_too_large_for_a_float_is_named(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text(json.dumps(GOOD).replace("[[[1, 2]", "[[[1" + "0" * 400 + ", 2]"))
    _refused(path, "weights[0][0][0] is a whole number of 401 digits: too large for a float")
    path.write_text(json.dumps(GOOD).replace("[[[1, 2]", "[[[1" + "0" * 5000 + ", 2]"))  # beyond int()'s own limit
    _refused(path, "weights[0][0][0] is a whole number of 5001 digits")
    path.write_text(json.dumps(_document(layers=[2, 10**400, 1])))
    _refused(path, "layers[1] is a whole number of 401 digits: more units than a network file can hold")


def test_absurd_nesting_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"format": "tui-nn/1", "weights": ' + "[" * 100_000 + "]" * 100_000 + "}")
    _refused(path, "nest too deeply")
    # an extra key nested deeper than json.dumps could write back
    path.write_text(json.dumps(_document(notes=json.loads("[" * 500 + "]" * 500))))
    _refused(path, '"notes" is nested more than 64 levels deep')


@pytest.mark.parametrize(
    ("value", "shown"),
    [('"a"', '"a"'), ("true", "true"), ("null", "null"), ("[1]", "a list"), ('{"x": 1}', "an object")],
)
def test_a_weight_that_is_not_a_number_is_named(tmp_path: Path, value: str, shown: str) -> None:
    path = tmp_path / "net.json"
    path.write_text(json.dumps(GOOD).replace("[[1], [2]]", f"[[1], [{value}]]"))
    _refused(path, f"weights[1][1][0] is {shown}: every weight must be a number")


def test_ragged_rows_and_bad_layer_entries(tmp_path: Path) -> None:
    path = tmp_path / "net.json"
    path.write_text(json.dumps(_document(weights=[[[1, 2], [3]], [[1], [2]]])))
    _refused(path, "weights[0][1] has 1 values but weights[0][0] has 2")
    path.write_text(json.dumps(_document(layers=[2, True, 1])))
    _refused(path, "layers[1] is true: layers must be positive whole numbers")
    path.write_text(json.dumps(_document(activations=[["relu"], "sigmoid"])))
    _refused(path, "activations[0] is a list: choose one of")
    path.write_text(json.dumps(_document(loss={"bce": 1})))
    _refused(path, "loss is an object: choose one of")


def test_empty_and_binary_files(tmp_path: Path) -> None:
    path = tmp_path / "net.json"
    path.write_bytes(b"")
    _refused(path, "the file is empty")
    path.write_bytes(b"\xff\xfe{}")
    _refused(path, "not UTF-8 text (byte 1 is 0xff)")


def test_a_byte_order_mark_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "net.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD).encode())
    assert persist.load(path).sizes == (2, 2, 1)


# --- what is not a regular file ---------------------------------------------------------------


def _load_in_a_thread(path: Path) -> BaseException | None:
    """persist.load(path) in a daemon thread; a hang fails the test instead of stopping the run."""
    outcome: list[BaseException | None] = []

    def target() -> None:
        try:
            persist.load(path)
        except BaseException as error:
            outcome.append(error)
        else:
            outcome.append(None)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(60)
    assert outcome, f"loading {path} did not return: it blocked"
    return outcome[0]


@pytest.mark.parametrize("name", ["pipe.json", "pipe.npz"])
def test_a_fifo_is_refused_without_blocking(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    os.mkfifo(path)
    # A writer that never writes: a plain read of the FIFO would wait for it forever.
    writer = os.open(path, os.O_RDWR | os.O_NONBLOCK)
    try:
        error = _load_in_a_thread(path)
    finally:
        os.close(writer)
    assert isinstance(error, NetworkFileError)
    assert str(error) == f"{path}: is a named pipe (FIFO), not a network file (tui-nn reads only regular files)"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero on this system")
def test_dev_zero_is_refused_before_reading(tmp_path: Path) -> None:
    link = tmp_path / "zero.json"
    link.symlink_to("/dev/zero")
    for path in (Path("/dev/zero"), link):
        _refused(path, "is a character device, not a network file")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero on this system")
def test_dev_zero_on_the_command_line_is_one_line_with_bounded_memory() -> None:
    """End to end, in a process whose address space is capped: reading /dev/zero whole would fail."""
    limit = 2 << 30
    code = (
        f"import resource, sys; resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit})); "
        "from tui_nn.cli.commands import main; sys.exit(main(['train', 'xor', '--weights', '/dev/zero']))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 2, result.stderr
    assert (
        result.stderr == "tui-nn: error: /dev/zero: is a character device, not a network file (tui-nn reads only regular files)\n"
    )


def test_folders_and_symlinks_to_folders(tmp_path: Path) -> None:
    link = tmp_path / "dir.json"
    link.symlink_to(tmp_path)
    for path in (tmp_path, link):
        _refused(path, "is a folder, not a network file")


def test_a_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        _refused(path, "is a socket, not a network file")


def test_a_file_over_the_cap_is_refused_from_its_size(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is written, only the size
    _refused(path, "is 1.0 MiB; a network file may be at most 1.0 MiB")
    with path.open("wb") as handle:
        handle.truncate(4 << 30)
    _refused(path, "is 4.0 GiB; a network file may be at most 1.0 MiB")


def test_a_missing_file_and_a_path_through_a_file(tmp_path: Path) -> None:
    _refused(tmp_path / "nope.json", "no such file")
    (tmp_path / "plain").write_text("x")
    _refused(tmp_path / "plain" / "net.json", "no such file")


# --- .npz --------------------------------------------------------------------------------------


def _savez(path: Path, **arrays: np.ndarray) -> Path:
    np.savez(path, **arrays)
    return path


def _gate_arrays(**changes: np.ndarray) -> dict[str, np.ndarray]:
    arrays = {"W1": np.ones((2, 2)), "b1": np.zeros(2), "W2": np.ones((2, 1)), "b2": np.zeros(1)}
    arrays.update(changes)
    return arrays


def _npy(header: dict[str, Any], data: bytes) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue() + data


def test_an_npy_renamed_npz_is_named(tmp_path: Path) -> None:
    npy = tmp_path / "w.npy"
    np.save(npy, np.ones((2, 2)))
    path = npy.rename(tmp_path / "w.npz")
    _refused(path, "is a single .npy array, not an .npz archive: save with np.savez(path, W1=W1, b1=b1, W2=W2, …)")


def test_a_text_file_named_npz(tmp_path: Path) -> None:
    path = tmp_path / "w.npz"
    path.write_text("hello")
    _refused(path, "is not an .npz archive (no zip header)")


@pytest.mark.parametrize(
    ("array", "what"),
    [
        (np.array([["a", "b"], ["c", "d"]]), "W1 holds text"),
        (np.array([[b"a", b"b"], [b"c", b"d"]]), "W1 holds bytes"),
        (np.ones((2, 2), dtype=bool), "W1 holds booleans"),
        (np.array([[1 + 2j, 1], [1, 1]]), "W1 holds complex numbers (their imaginary part would be lost)"),
        (np.zeros((2, 2), dtype=[("a", "f8"), ("b", "i4")]), "W1 holds records (a structured dtype)"),
        (np.zeros((2, 2), dtype="M8[s]"), "W1 holds dates"),
        (np.zeros((2, 2), dtype="m8[s]"), "W1 holds time spans"),
        (
            np.array([[{"a": 1}, 1], [1, 1]], dtype=object),
            "W1 holds Python objects, which tui-nn never reads (that would mean unpickling)",
        ),
    ],
)
def test_dtypes_that_are_not_real_numbers_are_refused(tmp_path: Path, array: np.ndarray, what: str) -> None:
    path = _savez(tmp_path / "w.npz", **_gate_arrays(W1=array))
    _refused(path, f"{what}: every weight must be a real number")


@pytest.mark.parametrize("dtype", ["<f2", "<f4", ">f8", "<i1", "<u8", "<i8"])
def test_real_dtypes_of_any_width_and_byte_order_load_exactly(tmp_path: Path, dtype: str) -> None:
    w1 = np.array([[1, 2], [3, 4]], dtype=dtype)
    path = _savez(tmp_path / "w.npz", **_gate_arrays(W1=w1))
    loaded = persist.load(path)
    assert loaded.weights[0].dtype == np.float64 and np.array_equal(loaded.weights[0], w1.astype(np.float64))


def test_fortran_order_is_read_as_the_same_matrix(tmp_path: Path) -> None:
    w1 = np.asfortranarray(np.arange(8.0).reshape(2, 4))
    path = _savez(tmp_path / "w.npz", **_gate_arrays(W1=w1, b1=np.zeros(4), W2=np.ones((4, 1))))
    assert np.array_equal(persist.load(path).weights[0], w1)


def test_a_huge_declared_shape_is_refused_from_the_header(tmp_path: Path) -> None:
    """The header claims 10¹⁰ values and the data is 32 bytes: nothing may be allocated for it."""
    path = tmp_path / "w.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("W1.npy", _npy({"descr": "<f8", "fortran_order": False, "shape": (100_000, 100_000)}, bytes(32)))
        archive.writestr("b1.npy", _npy({"descr": "<f8", "fortran_order": False, "shape": (100_000,)}, bytes(16)))
    _refused(path, "W1 declares 100000×100000 values (74.5 GiB); the arrays of a network file may hold at most 1.0 MiB")


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """16 MiB of zeros deflate to 16 kB: refused from its header, without reading the data."""
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("W1.npy", _npy({"descr": "<f8", "fortran_order": False, "shape": (2, 1 << 20)}, bytes(16 << 20)))
        archive.writestr("b1.npy", _npy({"descr": "<f8", "fortran_order": False, "shape": (1 << 20,)}, bytes(8 << 20)))
    assert path.stat().st_size < MAX_FILE_BYTES
    inflated: list[int] = []
    original = zipfile.ZipExtFile.read

    def counting_read(self: zipfile.ZipExtFile, n: int = -1) -> bytes:
        data = original(self, n)
        inflated.append(len(data))
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    _refused(path, "W1 declares 2×1048576 values (16.0 MiB)")
    assert sum(inflated) < 1024, "only the .npy header may be read"


def test_a_header_that_lies_about_the_data_size(tmp_path: Path) -> None:
    path = tmp_path / "w.npz"
    arrays = _gate_arrays()
    with zipfile.ZipFile(path, "w") as archive:
        for name, array in arrays.items():
            data = array.tobytes() if name != "W1" else bytes(8)  # 8 bytes where 2×2 float64 need 32
            archive.writestr(f"{name}.npy", _npy({"descr": "<f8", "fortran_order": False, "shape": array.shape}, data))
    _refused(path, "W1 is damaged: its header declares 32 bytes of data, it holds 8 bytes")


def test_a_zero_unit_layer_is_refused(tmp_path: Path) -> None:
    path = _savez(tmp_path / "w.npz", W1=np.zeros((2, 0)), b1=np.zeros(0), W2=np.zeros((0, 1)), b2=np.zeros(1))
    _refused(path, "W1 is 2×0: every layer needs at least one unit")


def test_shapes_that_do_not_chain_are_named(tmp_path: Path) -> None:
    _refused(_savez(tmp_path / "a.npz", **_gate_arrays(W2=np.ones((3, 1)))), "W2 is 3×1 but W1 has 2 outputs")
    _refused(
        _savez(tmp_path / "b.npz", **_gate_arrays(b1=np.zeros((2, 2)))),
        "b1 must be a row of biases, not an array of shape (2, 2)",
    )
    _refused(_savez(tmp_path / "c.npz", **_gate_arrays(b1=np.zeros(3))), "b1 has 3 values but W1 has 2 columns")
    _refused(
        _savez(tmp_path / "d.npz", **_gate_arrays(W1=np.ones((2, 2, 1)))), "W1 must be a matrix, not an array of shape (2, 2, 1)"
    )
    arrays = _gate_arrays()
    del arrays["W2"], arrays["b2"]
    _refused(_savez(tmp_path / "e.npz", **arrays, W3=np.ones((2, 1)), b3=np.zeros(1)), "has W3 but no W2")
    _refused(_savez(tmp_path / "f.npz", **_gate_arrays(b2=np.zeros(1)), W3=np.ones((1, 1))), "has W3 but no b3")


def test_biases_saved_as_rows_or_columns_load(tmp_path: Path) -> None:
    path = _savez(tmp_path / "w.npz", **_gate_arrays(b1=np.array([[0.5, -0.5]]), b2=np.array([[0.25]])))
    loaded = persist.load(path)
    assert loaded.biases[0].tolist() == [0.5, -0.5] and loaded.biases[1].tolist() == [0.25]


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_values_are_named_with_the_file(tmp_path: Path, value: float) -> None:
    path = _savez(tmp_path / "w.npz", **_gate_arrays(W2=np.array([[1.0], [value]])))
    _refused(path, f"W2[1][0] is {value}: every weight must be a finite number")


def test_other_arrays_in_the_archive_are_never_read(tmp_path: Path) -> None:
    """A tutorial may save its data next to the weights; even an object array there is not touched."""
    path = _savez(tmp_path / "w.npz", **_gate_arrays(), X=np.ones((4, 2)), notes=np.array([{"a": 1}], dtype=object))
    assert persist.load(path).sizes == (2, 2, 1)


def test_a_perceptron_loads(tmp_path: Path) -> None:
    path = _savez(tmp_path / "w.npz", W1=np.array([[0.5], [-0.5]]), b1=np.array([0.1]))
    net = persist.load(path).build("sigmoid", "bce")
    assert net.sizes == (2, 1) and net.weights(0)[:, 0].tolist() == [0.5, -0.5]


# --- Hypothesis: random structures load or are refused in one line ------------------------------

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6)
)
_json_values = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=3),
    max_leaves=20,
)
_weights_like = st.recursive(
    st.integers(min_value=-3, max_value=3) | st.floats(allow_nan=False, allow_infinity=False) | _scalars,
    lambda children: st.lists(children, min_size=0, max_size=3),
    max_leaves=16,
)
_documents = st.fixed_dictionaries(
    {
        "format": st.just("tui-nn/1") | _json_values,
        "layers": st.lists(st.integers(min_value=-1, max_value=3) | _scalars, max_size=4) | _json_values,
        "weights": _weights_like | _json_values,
        "biases": _weights_like | _json_values,
    },
    optional={
        "activations": st.lists(st.sampled_from(["sigmoid", "tanh", "relu", "swish"]) | _scalars, max_size=3),
        "loss": st.sampled_from(["bce", "mse", "hinge"]) | _scalars,
        "extra": _json_values,
    },
)


@st.composite
def _near_valid_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A well-formed 2-h-1 document whose every leaf may be replaced by something hostile."""
    hidden = draw(st.integers(min_value=1, max_value=3))
    layers = [2, hidden, 1]
    leaf = st.floats(allow_nan=False, allow_infinity=False) | st.integers(min_value=-(10**20), max_value=10**20)
    hostile = leaf | _scalars
    value = st.one_of(leaf, hostile) if draw(st.booleans()) else leaf

    def matrix(rows: int, cols: int) -> list[list[Any]]:
        return [[draw(value) for _ in range(cols)] for _ in range(rows)]

    return {
        "format": "tui-nn/1",
        "layers": layers,
        "weights": [matrix(2, hidden), matrix(hidden, 1)],
        "biases": [[draw(value) for _ in range(hidden)], [draw(value)]],
    }


def _load_or_refuse(path: Path) -> None:
    try:
        loaded = persist.load(path)
    except NetworkFileError as error:
        assert "\n" not in str(error) and str(error).startswith(str(path))
        return
    net = loaded.build("sigmoid", "bce")
    assert np.all(np.isfinite(net.params)) and net.params.dtype == np.float64
    assert all(n >= 1 for n in net.sizes)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(document=_near_valid_documents() | _documents | _json_values)
def test_random_json_documents_load_or_are_refused_in_one_line(tmp_path: Path, document: Any) -> None:
    path = tmp_path / "random.json"
    path.write_text(json.dumps(document))
    _load_or_refuse(path)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=60) | st.binary(max_size=60).map(lambda b: b.decode("latin-1")))
def test_random_text_loads_or_is_refused_in_one_line(tmp_path: Path, text: str) -> None:
    path = tmp_path / "random.json"
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    _load_or_refuse(path)


_dtypes = st.sampled_from(
    ["<f8", "<f4", "<f2", ">f8", "<i4", "<u1", "?", "<c16", "<U3", "S2", "<M8[s]", "O", [("a", "<f8")], ("<f8", (2,))]
)
_names = st.sampled_from(["W1", "b1", "W2", "b2", "W3", "b3", "W0", "w1", "X", "W01"])


@st.composite
def _archives(draw: st.DrawFn) -> dict[str, np.ndarray]:
    arrays: dict[str, np.ndarray] = {}
    for name in draw(st.lists(_names, max_size=6, unique=True)):
        dtype = np.dtype(draw(_dtypes))
        shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3))
        if dtype.kind in "fiu":
            arrays[name] = draw(hnp.arrays(dtype, shape))
        elif dtype.kind == "O":
            arrays[name] = np.full(shape, None, dtype=object)
        else:
            arrays[name] = np.zeros(shape, dtype=dtype)
    return arrays


@st.composite
def _near_valid_archives(draw: st.DrawFn) -> dict[str, np.ndarray]:
    """W1, b1, W2, b2 of a 2-h-1 network, each of a random dtype and sometimes a random shape."""
    hidden = draw(st.integers(min_value=0, max_value=3))
    arrays: dict[str, np.ndarray] = {}
    for name, shape in (("W1", (2, hidden)), ("b1", (hidden,)), ("W2", (hidden, 1)), ("b2", (1,))):
        if draw(st.integers(0, 5)) == 0:
            shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3))
        dtype = np.dtype(draw(_dtypes)) if draw(st.booleans()) else np.dtype("<f8")
        if dtype.kind in "fiu":
            arrays[name] = draw(hnp.arrays(dtype, shape))
        elif dtype.kind == "c":
            arrays[name] = draw(hnp.arrays(dtype, shape, elements=st.complex_numbers(max_magnitude=10, allow_nan=False)))
        elif dtype.kind == "O":
            arrays[name] = np.full(shape, None, dtype=object)
        else:
            arrays[name] = np.zeros(shape, dtype=dtype)
    return arrays


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(arrays=_near_valid_archives() | _archives())
def test_random_npz_archives_load_or_are_refused_in_one_line(tmp_path: Path, arrays: dict[str, np.ndarray]) -> None:
    path = tmp_path / "random.npz"
    np.savez(path, **arrays)  # type: ignore[arg-type]
    _load_or_refuse(path)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), min_size=1, max_size=8))
def test_damaged_npz_archives_load_or_are_refused_in_one_line(tmp_path: Path, flips: list[tuple[int, int]]) -> None:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **_gate_arrays(W1=np.array([[0.5, -1.5], [2.0, 0.25]])))
    data = bytearray(buffer.getvalue())
    for position, value in flips:
        data[position % len(data)] = value
    path = tmp_path / "damaged.npz"
    path.write_bytes(bytes(data))
    _load_or_refuse(path)


# --- the command line ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        (
            "big.json",
            lambda p: p.write_text(json.dumps(GOOD).replace("[[[1, 2]", "[[[1" + "0" * 400 + ", 2]")),
            "too large for a float",
        ),
        ("deep.json", lambda p: p.write_text("[" * 50_000), "nest too deeply"),
        ("one.npz", lambda p: p.write_bytes(np.lib.format.magic(1, 0) + b"rest"), "is a single .npy array"),
        ("strings.npz", lambda p: np.savez(p, **_gate_arrays(W1=np.array([["a", "b"], ["c", "d"]]))), "W1 holds text"),
        ("structured.npz", lambda p: np.savez(p, **_gate_arrays(W1=np.zeros((2, 2), dtype=[("a", "f8")]))), "W1 holds records"),
    ],
)
def test_the_cli_gives_one_line_and_status_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, make: Any, message: str
) -> None:
    path = tmp_path / name
    make(path)
    assert main(["train", "xor", "--weights", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and re.fullmatch(r"tui-nn: error: [^\n]*\n", err) and message in err, err


def test_a_newline_in_a_file_name_keeps_the_message_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "two\nlines.json"
    path.write_text("[]")
    with pytest.raises(NetworkFileError) as caught:
        persist.load(path)
    assert "\n" not in str(caught.value) and "two\\nlines.json" in str(caught.value)


def test_a_lone_surrogate_in_a_name_is_shown_escaped(tmp_path: Path) -> None:
    path = tmp_path / "net.json"
    path.write_text(json.dumps(_document(activations=["\ud800", "sigmoid"])))
    message = _refused(path, 'activations[0] is "\\ud800"')
    message.encode("utf-8")  # printable as it is
