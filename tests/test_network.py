from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from tests.reference import tutorial_xor
from tui_nn.cli.commands import main
from tui_nn.engine.nn.activations import ACTIVATIONS, sigmoid, sigmoid_scalar
from tui_nn.engine.nn.datasets import load
from tui_nn.engine.nn.losses import batch_loss, bce_from_logit_scalar
from tui_nn.engine.nn.network import InitSpec, Network
from tui_nn.engine.nn.training import Trainer


def test_seeded_init_reproduces_the_tutorial_draws() -> None:
    net = Network((2, 4, 1))
    net.initialise(InitSpec("normal", 0.1), 42)
    np.random.seed(42)
    w1 = np.random.randn(2, 4) * 0.1
    w2 = np.random.randn(4, 1) * 0.1
    assert np.array_equal(net.weights(0), w1)
    assert np.array_equal(net.weights(1), w2)
    assert not net.biases(0).any() and not net.biases(1).any()


@pytest.mark.parametrize(
    ("spec", "check"),
    [
        (InitSpec("xavier"), lambda w, n_in: np.sqrt(1 / n_in)),
        (InitSpec("he"), lambda w, n_in: np.sqrt(2 / n_in)),
    ],
)
def test_scaled_inits_use_fan_in(spec, check) -> None:
    net = Network((3, 5, 1))
    net.initialise(spec, 7)
    rng = np.random.RandomState(7)
    assert np.array_equal(net.weights(0), rng.randn(3, 5) * check(None, 3))
    assert np.array_equal(net.weights(1), rng.randn(5, 1) * check(None, 5))


def test_uniform_and_zero_init() -> None:
    net = Network((2, 3, 1))
    net.initialise(InitSpec("uniform", 0.5), 1)
    assert np.all(np.abs(net.params) <= 0.5) and np.abs(net.weights(0)).min() > 0
    net.initialise(InitSpec("zeros"), 1)
    assert not net.params.any()


def test_tutorial_reproduction_through_the_cli(capsys) -> None:
    """`tui-nn train xor --hidden 4 --init normal:0.1 --seed 42 --lr 1 --epochs 10000 --every 1000`
    equals the plain NumPy tutorial loop to 1e-9."""
    code = main(
        [
            "train",
            "xor",
            "--hidden",
            "4",
            "--init",
            "normal:0.1",
            "--seed",
            "42",
            "--lr",
            "1",
            "--epochs",
            "10000",
            "--every",
            "1000",
            "--json",
        ]
    )
    assert code == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    every_epoch, *_, final = tutorial_xor(hidden=4, scale=0.1, seed=42, lr=1.0, epochs=10_000, every=1)
    logged = [(e, loss) for e, loss in every_epoch if e % 1000 == 0 or e == 9999]  # each K-th epoch and the last
    ours = [(row["epoch"], row["loss"]) for row in lines[:-1]]
    assert [e for e, _ in ours] == [e for e, _ in logged]
    assert max(abs(a - b) for (_, a), (_, b) in zip(ours, logged, strict=True)) < 1e-9
    probabilities = np.array([p["probability"] for p in lines[-1]["predictions"]])
    assert np.max(np.abs(probabilities - final)) < 1e-9


def test_default_xor_learns_within_5000_epochs() -> None:
    from tui_nn.engine.session.build import build
    from tui_nn.engine.session.config import Config

    session = build(Config())
    assert session.net.sizes == (2, 2, 1)
    trainer = session.stepper.trainer
    trainer.run(5000)
    loss, accuracy, _ = trainer.evaluate()
    assert accuracy == 1.0 and loss < 0.05


@pytest.mark.parametrize("z", [-1e4, -800.0, -50.0, 0.0, 50.0, 800.0, 1e4])
def test_sigmoid_and_bce_are_finite_without_warnings(z: float) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = sigmoid(np.array([z]))[0]
        assert 0.0 <= a <= 1.0
        assert 0.0 <= sigmoid_scalar(z) <= 1.0
        for y in (0.0, 1.0):
            value = bce_from_logit_scalar(z, y)
            assert np.isfinite(value) and value >= 0
            assert np.isfinite(batch_loss("bce", np.array([[z]]), np.array([[a]]), np.array([[y]])))
        for act in ACTIVATIONS.values():
            assert np.isfinite(act.vector(np.array([z]))).all()


def test_training_with_huge_weights_raises_no_warning() -> None:
    net = Network((2, 3, 1))
    net.initialise(InitSpec("normal", 3000.0), 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Trainer(net, load("xor"), lr=0.1).run(5)


def test_sigmoid_forms_agree() -> None:
    z = np.linspace(-30, 30, 601)
    assert np.max(np.abs(sigmoid(z) - 1 / (1 + np.exp(-z)))) < 1e-15
