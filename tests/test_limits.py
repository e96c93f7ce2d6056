"""Network and data limits (config.py), and the smallest network: no hidden layer at all."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from tui_nn.cli.commands import main
from tui_nn.engine.live import diagnostics
from tui_nn.engine.nn import insight
from tui_nn.engine.nn.datasets import Dataset
from tui_nn.engine.nn.gradcheck import check, parameter_names
from tui_nn.engine.session import config as cfg
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import MAX_HIDDEN_LAYERS, MAX_PARAMS, MAX_POINTS, MAX_UNITS, Config, ConfigError


def test_hidden_none_is_a_perceptron_and_zero_stays_an_error() -> None:
    assert cfg.parse_hidden("none") == () and cfg.parse_hidden(" None ") == ()
    assert cfg.format_hidden(()) == "none" and cfg.format_hidden((16, 8)) == "16,8"
    with pytest.raises(ConfigError, match=r"at least 1, not 0 \(for no hidden layer, write none\)"):
        cfg.parse_hidden("0")
    with pytest.raises(ConfigError, match="numbers separated by commas"):
        cfg.parse_hidden("")


def test_each_limit_is_exact_and_stated() -> None:
    assert cfg.parse_hidden(str(MAX_UNITS)) == (MAX_UNITS,)
    with pytest.raises(
        ConfigError, match=rf"^at most {MAX_UNITS} units per hidden layer \(this app walks every multiply-add\), not 1024$"
    ):
        cfg.parse_hidden("1024")
    assert cfg.parse_hidden(",".join(["4"] * MAX_HIDDEN_LAYERS)) == (4,) * MAX_HIDDEN_LAYERS
    with pytest.raises(ConfigError, match=rf"^at most {MAX_HIDDEN_LAYERS} hidden layers .*, not 8$"):
        cfg.parse_hidden(",".join(["1024"] * 8))
    # 2-12-33-1 has 3·12 + 13·33 + 34·1 = 499 parameters, 2-12-34-1 has 513
    assert cfg.n_parameters((2, 12, 33, 1)) == 3 * 12 + 13 * 33 + 34 * 1 <= MAX_PARAMS
    assert cfg.parse_hidden("12,33") == (12, 33)
    with pytest.raises(ConfigError, match=rf"^2-12-34-1 has 513 parameters: at most {MAX_PARAMS} "):
        cfg.parse_hidden("12,34")


def test_the_cli_states_the_limit(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "xor", "--hidden", "1024,1024,1024,1024,1024,1024,1024,1024"]) == 2
    _, err = capsys.readouterr()
    assert (
        err == f"tui-nn: error: --hidden: at most {MAX_HIDDEN_LAYERS} hidden layers (this app walks every multiply-add), not 8\n"
    )
    assert main(["xor", "--hidden", "100"]) == 2
    assert "at most 64 units per hidden layer" in capsys.readouterr().err


def _network_file(tmp_path: Path, sizes: list[int]) -> Path:
    rng = np.random.RandomState(0)
    document = {
        "format": "tui-nn/1",
        "layers": sizes,
        "weights": [rng.randn(sizes[l], sizes[l + 1]).tolist() for l in range(len(sizes) - 1)],
        "biases": [[0.0] * n for n in sizes[1:]],
    }
    path = tmp_path / "net.json"
    path.write_text(json.dumps(document))
    return path


@pytest.mark.parametrize(
    ("sizes", "message"),
    [
        ([2, 1024, 1], "at most 64 units per hidden layer (this app walks every multiply-add), not 1024"),
        ([2, 3, 3, 3, 3, 3, 1], "at most 4 hidden layers (this app walks every multiply-add), not 5"),
        ([2, 40, 40, 1], "2-40-40-1 has 1,801 parameters: at most 500 (this app walks every multiply-add)"),
    ],
)
def test_a_network_file_beyond_the_limits_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, sizes: list[int], message: str
) -> None:
    path = _network_file(tmp_path, sizes)
    assert main(["train", "xor", "--weights", str(path)]) == 2
    assert capsys.readouterr().err == f"tui-nn: error: {path}: {message}\n"
    with pytest.raises(ConfigError):
        build(Config(weights=str(path)), hidden_given=False)


def test_data_beyond_the_points_limit_is_refused() -> None:
    x = np.zeros((MAX_POINTS + 1, 2))
    y = (np.arange(MAX_POINTS + 1) % 2).astype(np.float64).reshape(-1, 1)
    with pytest.raises(ConfigError, match=rf"^big has {MAX_POINTS + 1} points: at most {MAX_POINTS} "):
        build(Config(), data=Dataset("big", x, y))
    assert build(Config(), data=Dataset("ok", x[:-1], y[:-1])).data.size == MAX_POINTS


# --- no hidden layer: sizes (2, 1) ----------------------------------------------------------


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-z)))


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_a_perceptron_walks_and_trains_like_plain_numpy(optimizer: str) -> None:
    session = build(Config(problem="and", hidden=(), optimizer=optimizer, lr=0.5))
    net, stepper, data = session.net, session.stepper, session.data
    assert net.sizes == (2, 1) and net.n_layers == 1
    w, b = net.weights(0).copy(), net.biases(0).copy()
    y_hat = _sigmoid(data.x @ w + b)
    expected_loss = -np.mean(data.y * np.log(y_hat) + (1 - data.y) * np.log(1 - y_hat))
    walked = stepper.walk_pass()
    assert walked[-1].phase == "update" and stepper.epoch == 1
    assert stepper.history.rows()[0][1] == pytest.approx(expected_loss, abs=1e-15)
    if optimizer == "sgd":  # θ ← θ − η·(1/m)·Σ ∂L/∂θ, with ∂L/∂z = ŷ − y for BCE
        delta = y_hat - data.y
        assert np.allclose(net.weights(0), w - 0.5 * data.x.T @ delta / 4, atol=1e-15, rtol=0)
        assert np.allclose(net.biases(0), b - 0.5 * delta.mean(axis=0), atol=1e-15, rtol=0)
    walked_params = net.params.copy()
    # the same epoch by the vectorised trainer, from the same start
    again = build(Config(problem="and", hidden=(), optimizer=optimizer, lr=0.5))
    again.stepper.run_epochs(1)
    assert np.allclose(again.net.params, walked_params, atol=1e-15, rtol=0)
    assert stepper.back() is not None
    stepper.finish_pass()
    stepper.run_epochs(200)
    assert stepper.epoch == 201  # back into epoch 0, finish it (1), then 200 more


def test_a_perceptron_gradchecks_diagnoses_and_draws() -> None:
    session = build(Config(problem="or", hidden=(), activation="tanh"))
    net, data = session.net, session.data
    result = check(net, data.x, data.y, parameter_names(net))
    assert result.passed and len(result.checks) == 3
    assert isinstance(diagnostics.diagnose(net, data.x, data.y), list)
    extent = insight.data_extent(data)
    grid = insight.output_grid(net, net.params, extent, 12, 6)
    points = insight.grid_inputs(extent, 12, 6)
    assert np.allclose(grid.ravel(), _sigmoid(points @ net.weights(0) + net.biases(0))[:, 0], atol=1e-15, rtol=0)
    with pytest.raises(ValueError, match="no hidden layer"):
        insight.hidden_space(net, net.params, data.x)


def test_hidden_none_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "and", "--hidden", "none", "--epochs", "2000", "--every", "1000"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("training and: 2-1 sigmoid, bce")
    assert re.search(r"after 2000 epochs: loss [0-9.]+  accuracy 100%", out)
    assert main(["gradcheck", "xor", "--hidden", "none"]) == 0
    assert "PASS" in capsys.readouterr().out
