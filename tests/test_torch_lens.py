"""The NumPy view's PyTorch lens (P): every operation has its PyTorch text, every line is valid
Python, every number is the NumPy frame's (weights as nn.Linear stores them, the transpose of W),
and the key toggles it from the keyboard at any terminal size."""

from __future__ import annotations

import ast
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from tui_nn.engine.nn.activations import ACTIVATIONS
from tui_nn.engine.nn.losses import LOSS_KINDS
from tui_nn.engine.nn.network import InitSpec
from tui_nn.engine.nn.optimizers import BETA1, BETA2, MOMENTUM, OPTIMIZER_KINDS
from tui_nn.engine.nn.torch_text import TorchActivation, TorchLoss, TorchOptimizer
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.engine.walk.matrices import MatrixPosition, matrix_position, updated
from tui_nn.engine.walk.torch_lens import torch_frame
from tui_nn.ui.panes.matrixview import MatrixPane
from tui_nn.ui.screens.commands import commands
from tui_nn.ui.shell.app import TuiNN
from tui_nn.ui.shell.keymap import KEYS, TASKS

KINDS = {"z", "a", "loss", "batch_loss", "delta", "grad_w", "grad_b", "grad_a", "update_w", "update_b"}
SOFTMAX_KINDS = {"max", "exp", "sum"}  # a softmax output's own forward steps
CONFIGS = [
    pytest.param(
        Config(optimizer=optimizer, activation=activation, loss=loss, hidden=(3,), init=InitSpec("normal", 1.0)),
        id=f"{activation}-{loss}-{optimizer}",
    )
    for activation, loss, optimizer in [
        ("sigmoid", "bce", "sgd"),
        ("tanh", "mse", "momentum"),
        ("relu", "bce", "adam"),
        ("leaky_relu", "mse", "sgd"),
        ("softplus", "bce", "momentum"),
    ]
] + [
    pytest.param(Config(hidden=(3, 2), activation="tanh", optimizer="adam", seed=1), id="two-hidden-layers"),
    # a softmax output: its probability steps once crashed the lens (the NumPy frame shows the exponentials too)
    pytest.param(Config(problem="xor", loss="ce", hidden=(3,), init=InitSpec("normal", 1.0)), id="softmax-ce"),
]


def one_pass(config: Config) -> list[MatrixPosition]:
    """The position after every micro-step of the first pass."""
    stepper = build(config).stepper
    first, positions = stepper.current, []
    while stepper.current is first:
        stepper.step()
        positions.append(matrix_position(stepper))
    return positions


def first(config: Config, kind: str) -> MatrixPosition:
    """The position just after the first pass's first step of `kind`."""
    return next(p for p in one_pass(config) if p.frame.step is not None and p.frame.step.kind == kind)


def test_every_registered_operation_has_its_pytorch_text() -> None:
    """A new activation, loss or optimizer without its `torch` field fails here, not in the lens on screen."""
    for act in ACTIVATIONS.values():
        assert isinstance(act.torch, TorchActivation), act.name
        ast.parse(f"nn.Sequential({act.torch.module})")
        ast.parse(act.torch.call("Z1"))
    for loss in LOSS_KINDS.values():
        assert isinstance(loss.torch, TorchLoss), loss.name
        ast.parse(f"{loss.torch.function}(logits, {loss.torch.targets})")
        assert loss.torch.why
    for rule in OPTIMIZER_KINDS.values():
        assert isinstance(rule.torch, TorchOptimizer), rule.name
        ast.parse(f"{rule.torch.cls}(model.parameters(), lr=0.5{rule.torch.arguments})")
        remembered = ({"M"} if rule.keeps_first else set()) | ({"S"} if rule.keeps_second else set())
        assert {ours for ours, _ in rule.torch.state} == remembered


@pytest.mark.parametrize("config", CONFIGS)
def test_every_step_kind_is_valid_python_over_the_numpy_frames_numbers(config: Config) -> None:
    seen = set()
    for position in one_pass(config):
        numpy, torch = position.frame, torch_frame(position)
        assert numpy.step is not None and torch.step is numpy.step
        seen.add(numpy.step.kind)
        assert torch.value == numpy.value  # the same cell of the same numbers, wherever it is drawn
        assert torch.code != numpy.code
        for line in torch.code:
            ast.parse(line)
        assert not any("np." in line for line in torch.code)
    assert KINDS <= seen <= KINDS | SOFTMAX_KINDS


@pytest.mark.parametrize("config", CONFIGS)
def test_the_model_is_the_network_on_screen(config: Config) -> None:
    position = one_pass(config)[0]
    net, line = position.net, torch_frame(position).code[0]
    act, loss = ACTIVATIONS[config.activation].torch, LOSS_KINDS[config.loss].torch
    assert act is not None and loss is not None
    layers = [f"nn.Linear({a}, {b})" for a, b in zip(net.sizes, net.sizes[1:], strict=False)]
    modules = [part for layer in layers for part in (layer, act.module)]
    if loss.takes_logits:  # the loss applies the output's sigmoid itself
        modules = modules[:-1]
    else:
        output = ACTIVATIONS[net.output_activation].torch
        assert output is not None
        modules[-1] = output.module
    assert line == f"model = nn.Sequential({', '.join(modules)}).double()"


def test_weights_are_shown_as_nn_linear_stores_them_the_transpose_of_w() -> None:
    checked = set()
    for position in one_pass(Config(hidden=(3,), optimizer="momentum")):
        torch, numpy = torch_frame(position), position.frame
        assert numpy.step is not None
        kind, net, mats = numpy.step.kind, position.net, position.matrices
        if kind == "z":
            k = numpy.step.layer
            assert k is not None
            weight = torch.matrix(f"model[{2 * (k - 1)}].weight")
            assert np.array_equal(weight.values, net.weights(k - 1).T)
            assert np.array_equal(weight.values.T, numpy.matrix(f"W{k}").values)  # model[i].weight.T == W
            assert f"model[{2 * (k - 1)}].weight.T == W{k}" in torch.shapes
            checked.add(kind)
        if kind == "grad_w":
            layer = numpy.step.layer
            assert layer is not None
            grad = torch.matrix(f"model[{2 * layer}].weight.grad")
            assert np.array_equal(grad.values, mats.dw[layer].T)
            assert torch.focus_matrix is not None and torch.cell is not None and numpy.cell is not None
            assert torch.cell == numpy.cell[::-1]  # the term's entry (i, j) of dW is (j, i) of weight.grad
            checked.add(kind)
        if kind == "update_w":
            layer = numpy.step.layer
            assert layer is not None
            new_params, new_state = updated(net, net.params, mats.flat_gradient(net), position.state, "momentum", position.lr)
            new = torch.matrix(f"model[{2 * layer}].weight (new)")
            assert np.array_equal(new.values, net.weights(layer, new_params).T)
            buffer = torch.matrix('state["momentum_buffer"] (new)')
            assert np.array_equal(buffer.values, net.weights(layer, new_state.first).T)
            checked.add(kind)
    assert checked == {"z", "grad_w", "update_w"}


def test_the_loss_line_reproduces_our_loss() -> None:
    bce = torch_frame(first(Config(), "loss"))
    assert "loss = F.binary_cross_entropy_with_logits(logits, y)" in bce.code
    assert "nn.Sigmoid())" not in bce.code[0]  # the model ends at its last nn.Linear
    assert bce.matrices[0].name == "logits"
    mse = torch_frame(first(Config(loss="mse"), "loss"))
    assert "loss = F.mse_loss(y_pred, y) / 2" in mse.code  # no ½ in F.mse_loss: twice our loss otherwise
    assert mse.code[0].endswith("nn.Sigmoid()).double()")
    assert "twice" in mse.notes


@pytest.mark.parametrize("optimizer", list(OPTIMIZER_KINDS))
def test_the_optimizer_line_carries_the_sessions_learning_rate_and_constants(optimizer: str) -> None:
    position = first(Config(optimizer=optimizer, lr=0.25), "update_w")
    line = torch_frame(position).code[0]
    ast.parse(line)
    rule = OPTIMIZER_KINDS[optimizer].torch
    assert rule is not None
    assert line == f"optimizer = {rule.cls}(model.parameters(), lr=0.25{rule.arguments})"
    assert torch_frame(position).code[1:] == (
        "optimizer.step()  # every parameter at once, from its .grad",
        "optimizer.zero_grad()  # .grad adds up over backward() calls: clear it before the next",
    )
    if OPTIMIZER_KINDS[optimizer].keeps_second:
        assert f"betas=({BETA1:g}, {BETA2:g})" in line
    elif OPTIMIZER_KINDS[optimizer].keeps_first:
        assert f"momentum={MOMENTUM:g}" in line


def test_l2_becomes_weight_decay_on_the_weights_only() -> None:
    position = first(Config(), "update_w")
    decayed = replace(position, l2=1e-3)
    frame = torch_frame(decayed)
    line = frame.code[0]
    ast.parse(line)
    assert '"params": [model[0].weight, model[2].weight], "weight_decay": 0.001' in line
    assert '{"params": [model[0].bias, model[2].bias]}' in line  # biases: a group without decay
    penalty = 0.5 * 1e-3 * sum(float(np.vdot(w, w)) for w in position.matrices.weights)
    assert f"ours adds {penalty:.6g}" in frame.remark
    assert "weight_decay" not in torch_frame(position).code[0]


# --- the key ------------------------------------------------------------------------------------


def pane_text(app: TuiNN) -> list[str]:
    pane = app.query_one(MatrixPane)
    return [pane.render_line(y).text for y in range(pane.content_size.height)]


def test_the_key_is_in_the_help_and_the_palette() -> None:
    spec = next(k for k in KEYS if k.id == "torch")
    assert spec.keys == "P" and spec.action == "torch_lens"
    assert any("torch" in ids for _, ids in TASKS)
    assert any(command.action == "torch_lens" for command in commands())


@pytest.mark.parametrize("size", [(120, 40), (64, 20)])
async def test_p_toggles_the_numpy_view_between_numpy_and_pytorch(size: tuple[int, int]) -> None:
    app = TuiNN(build(Config()), pace=None)
    async with app.run_test(size=size) as pilot:
        await pilot.press("m", "right", "right", "right")
        await pilot.pause()
        pane = app.query_one(MatrixPane)
        numpy = pane_text(app)
        assert any("@ W1" in line for line in numpy)
        await pilot.press("P")
        await pilot.pause()
        torch = pane_text(app)
        assert pane.torch and str(pane.border_title).startswith("PyTorch")
        assert any("model" in line for line in torch) and torch != numpy
        await pilot.press("right")  # the lens follows the walk
        await pilot.pause()
        assert pane_text(app) != torch and app.view.torch_matrices is not None
        await pilot.press("left", "P")
        await pilot.pause()
        assert not pane.torch and pane_text(app) == numpy
        assert app.lens == "matrices"


async def test_p_from_the_network_view_opens_the_numpy_view_as_pytorch_and_survives_a_tiny_terminal() -> None:
    app = TuiNN(build(Config()), pace=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right", "P")
        await pilot.pause()
        assert app.lens == "matrices" and app.query_one(MatrixPane).torch
        assert any("nn.Sequential" in line for line in pane_text(app))
        await pilot.resize_terminal(40, 12)  # below the minimum: the "make me bigger" screen
        await pilot.press("right", "P", "P")
        await pilot.pause()
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert app.query_one(MatrixPane).torch
        await pilot.press("m")  # m returns to the views; P is remembered for the next time
        await pilot.pause()
        assert app.lens is None


def test_an_operation_without_its_pytorch_text_shows_the_numpy_frame_saying_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """A registry entry that arrives without `torch` (the test above fails) still draws: no traceback on P."""
    position = first(Config(), "loss")
    monkeypatch.setitem(LOSS_KINDS, "bce", replace(LOSS_KINDS["bce"], torch=None))
    frame = torch_frame(position)
    assert frame.code[0].startswith("# the loss binary cross-entropy has no PyTorch text")
    assert frame.code[1:] == position.frame.code and frame.value == position.frame.value


# --- the lines run: a NumPy stand-in for the few PyTorch calls they use, as PyTorch documents them ---


class FakeTorch:
    """nn, F and torch for the lens's forward and loss lines, written from PyTorch's documentation
    (not from tui-nn): nn.Linear keeps weight (out, in) and computes x @ weight.T + bias; the losses'
    reduction is "mean" over every element unless told "sum" or "none"."""

    class Linear:
        def __init__(self, n_in: int, n_out: int) -> None:
            self.weight, self.bias = np.full((n_out, n_in), np.nan), np.full(n_out, np.nan)

        def __call__(self, x: np.ndarray) -> np.ndarray:
            return np.asarray(x @ self.weight.T + self.bias)

    class Sequential(list):  # type: ignore[type-arg]
        def __init__(self, *modules: object) -> None:
            super().__init__(modules)

        def __call__(self, x: np.ndarray) -> np.ndarray:
            for module in self:
                x = module(x)
            return x

        def double(self) -> FakeTorch.Sequential:
            return self

    @staticmethod
    def Sigmoid() -> object:
        return lambda z: 1 / (1 + np.exp(-z))

    @staticmethod
    def Tanh() -> object:
        return np.tanh

    @staticmethod
    def ReLU() -> object:
        return lambda z: np.maximum(z, 0)

    @staticmethod
    def LeakyReLU(slope: float) -> object:
        return lambda z: np.where(z > 0, z, slope * z)

    @staticmethod
    def Softplus() -> object:
        return lambda z: np.where(z > 20, z, np.log1p(np.exp(np.minimum(z, 20))))

    @staticmethod
    def _reduce(elements: np.ndarray, reduction: str) -> np.ndarray | float:
        return {"mean": lambda: float(elements.mean()), "sum": lambda: float(elements.sum()), "none": lambda: elements}[
            reduction
        ]()

    @classmethod
    def binary_cross_entropy_with_logits(cls, z: np.ndarray, y: np.ndarray, reduction: str = "mean") -> np.ndarray | float:
        return cls._reduce(np.logaddexp(0, z) - y * z, reduction)

    @classmethod
    def mse_loss(cls, a: np.ndarray, y: np.ndarray, reduction: str = "mean") -> np.ndarray | float:
        return cls._reduce((a - y) ** 2, reduction)


@pytest.mark.parametrize("config", CONFIGS[:-1])  # (F.cross_entropy takes class-index tensors this stand-in has not)
def test_the_forward_and_loss_lines_run_reproduce_our_numbers(config: Config) -> None:
    """Run as PyTorch defines its calls, with model[i].weight = W.T, the lines give our Z, loss and each row's loss."""
    position = first(config, "loss")
    frame, mats, net = torch_frame(position), position.matrices, position.net
    ns: dict[str, object] = {"nn": FakeTorch, "F": FakeTorch, "torch": FakeTorch, "X": position.x, "y": position.y}
    exec(frame.code[0], ns)  # the model
    model = ns["model"]
    assert isinstance(model, FakeTorch.Sequential)
    for layer in range(net.n_layers):
        model[2 * layer].weight, model[2 * layer].bias = net.weights(layer).T.copy(), net.biases(layer).copy()
    for line in frame.code[1:]:
        exec(line, ns)
    out = ns["logits"] if "logits" in ns else ns["y_pred"]
    assert np.allclose(out, mats.z[-1] if "logits" in ns else mats.a[-1], rtol=1e-13, atol=1e-15)
    assert ns["loss"] == pytest.approx(mats.loss, rel=1e-12)
    r = position.frame.sample_row
    assert r is not None
    row_loss = eval(frame.scalar[0].split(" = ", 1)[1], ns)
    assert row_loss == pytest.approx(mats.losses[r, 0], rel=1e-12)
    for layer in range(1, net.n_layers):  # a hidden layer alone, as the z step writes it
        exec(f"Z{layer} = model[{2 * (layer - 1)}]({'X' if layer == 1 else f'A{layer - 1}'})", ns)
        assert np.allclose(ns[f"Z{layer}"], mats.z[layer], rtol=1e-13, atol=1e-15)
        ns[f"A{layer}"] = model[2 * (layer - 1) + 1](ns[f"Z{layer}"])


async def test_p_while_training_waits_for_the_walk_and_the_help_screen_keeps_it() -> None:
    app = TuiNN(build(Config()), pace=None, target_loss=1e-300)  # never reached: only the key stops it
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("T")
        assert app.training
        await pilot.press("P")
        await pilot.pause()
        assert app.lens == "matrices" and "fills in when training stops" in app.message
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not app.training
        await pilot.press("right")
        await pilot.pause()
        assert any("nn.Sequential" in line for line in pane_text(app))
        await pilot.press("question_mark", "P", "escape")  # P is not a key of the help screen
        await pilot.pause()
        assert app.query_one(MatrixPane).torch


def test_a_step_kind_without_a_lens_of_its_own_gets_its_phases_pytorch_over_the_numpy_line() -> None:
    """A new kind of step (the softmax's stages, say) draws its phase's PyTorch, its NumPy line kept as a note."""
    position = first(Config(), "z")
    numpy = position.frame
    assert numpy.step is not None
    position.__dict__["frame"] = replace(numpy, step=replace(numpy.step, kind="exp"))  # a kind the lens has no case for
    frame = torch_frame(position)
    assert frame.code == (torch_frame(first(Config(), "z")).code[0], "logits = model(X)")
    assert frame.notes == f"in NumPy: {numpy.code[0]}" and frame.value == numpy.value


def test_an_activation_over_whole_rows_is_written_with_the_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """A softmax's entry (r, j) comes from row r as a whole: torch.softmax(Z2[r:r+1], dim=1)[0, j], not from Z2[r, j]."""
    position = first(Config(hidden=(3,), loss="mse"), "a")  # mse: the output activation is in the model
    assert position.frame.step is not None
    softmax = SimpleNamespace(torch=TorchActivation("nn.Softmax(dim=1)", "torch.softmax({}, dim=1)"), elementwise=False)
    monkeypatch.setattr(position.net, "activation", lambda layer: softmax)
    frame = torch_frame(position)
    (k, j), r = (position.frame.step.layer, position.frame.step.unit), position.frame.sample_row
    assert frame.scalar == (f"A{k}[{r}, {j}] = torch.softmax(Z{k}[{r}:{r + 1}], dim=1)[0, {j}]",)
    assert frame.code[0].count("nn.Softmax(dim=1)") == 2


def test_under_weight_decay_the_lens_names_what_step_descends_along_and_the_penalty_pytorch_leaves_out() -> None:
    """Our dW is the data gradient plus λ·W (the L2 convention); PyTorch keeps the first in .grad and adds the second in step()."""
    decayed = {kind: replace(first(Config(), kind), l2=1e-3) for kind in ("grad_w", "update_w", "update_b", "batch_loss")}
    grad_w = torch_frame(decayed["grad_w"])
    assert any(s.name == "model[2].weight.grad + 0.001 * model[2].weight" for s in grad_w.matrices)
    assert "step() adds weight_decay * model[2].weight" in grad_w.code[-1]
    for kind, gradient in (
        ("update_w", "model[{i}].weight.grad + 0.001 * model[{i}].weight"),
        ("update_b", "model[{i}].bias.grad"),
    ):
        step = decayed[kind].frame.step
        assert step is not None and step.layer is not None
        names = {s.name for s in torch_frame(decayed[kind]).matrices}
        assert gradient.format(i=2 * step.layer) in names  # a bias has no decay
    batch = torch_frame(decayed["batch_loss"])
    assert batch.focus_matrix is not None and batch.focus_matrix.name == "loss + penalty"
    position = decayed["batch_loss"]
    ns: dict[str, object] = {"nn": FakeTorch, "F": FakeTorch, "torch": FakeTorch, "X": position.x, "y": position.y}
    exec(batch.code[0], ns)
    model = ns["model"]
    assert isinstance(model, FakeTorch.Sequential)
    for layer in range(position.net.n_layers):
        model[2 * layer].weight = position.net.weights(layer).T.copy()
    exec(batch.code[-1], ns)  # the penalty line, run
    weights = position.matrices.weights
    assert ns["penalty"] == pytest.approx(0.5 * 1e-3 * sum(float(np.vdot(w, w)) for w in weights), rel=1e-12)
