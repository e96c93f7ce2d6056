"""Diagnoses name the pattern actually there; a flat loss on an unlearned network is called stuck."""

from __future__ import annotations

import pytest

from tui_nn.engine.live.diagnostics import STUCK_WINDOW, diagnose, examine, trainer_diagnosis
from tui_nn.engine.live.reason_words import describe
from tui_nn.engine.nn.network import InitSpec, Network
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config


def test_dead_relus_are_named_and_not_called_a_vanishing_gradient() -> None:
    """issue 16: --lr 200 --activation relu --init normal:3, trained, killed both hidden ReLUs."""
    session = build(Config(lr=200.0, activation="relu", init=InitSpec("normal", 3.0)))
    session.stepper.trainer.run(50)
    net, data = session.net, session.data
    health = examine(net, data.x, data.y)
    kinds = [d.kind for d in health.diagnostics]
    assert "dead_relu" in kinds and "vanishing" not in kinds
    # every dead unit really has z ≤ 0 on every sample (checked independently of the engine's code)
    zs, _ = net.forward(data.x)
    for (layer, unit), state in health.units.items():
        assert state == "dead" and (zs[layer - 1][:, unit] <= 0).all()


def test_zero_initialisation_is_called_symmetric_not_stalled() -> None:
    session = build(Config(init=InitSpec("zeros")))
    messages = [d.message for d in diagnose(session.net, session.data.x, session.data.y)]
    assert any(m.startswith("identical units: h1 and h2") for m in messages)
    assert not any("stalled" in m or "vanishing" in m for m in messages)


def test_saturated_sigmoids_are_marked() -> None:
    net = Network((2, 2, 1))
    net.initialise(InitSpec("normal", 1.0), 0)
    net.biases(0)[:] = [50.0, 0.0]
    health = examine(net, build(Config()).data.x, build(Config()).data.y)
    assert health.units == {(1, 0): "saturated"}


@pytest.mark.parametrize(
    ("config", "accuracy"),
    [
        (Config(seed=0), "50%"),
        (Config(seed=1), "50%"),
        (Config(seed=2), "50%"),
        (Config(hidden=(1,)), "75%"),
        (Config(hidden=()), "50%"),
    ],
)
def test_a_network_in_a_local_minimum_is_stuck(config: Config, accuracy: str) -> None:
    session = build(config)
    session.stepper.trainer.run(8000)
    found = trainer_diagnosis(session.stepper.trainer)
    assert found is not None and found.kind == "stuck", found
    message = describe(found, "keys")
    assert f"for {STUCK_WINDOW:,} epochs" in message and f"accuracy {accuracy}" in message
    assert "try another seed" in message or "add a hidden layer" in message


def test_a_network_that_learns_is_never_called_stuck() -> None:
    """The default run, checked after every 250 epochs all the way to convergence and beyond."""
    session = build(Config())
    trainer = session.stepper.trainer
    for _ in range(80):
        trainer.run(250)
        assert trainer_diagnosis(trainer) is None


def test_training_accuracy_and_the_truth_table_use_one_rule() -> None:
    """ŷ > 0.5 decides the class everywhere; a logit of 1e-17 gives ŷ = 0.5 exactly: class 0."""
    from tui_nn.engine.nn.network import accuracy

    session = build(Config(hidden=()))
    for bias in (1e-17, -1e-17, 2.2e-16, 3e-16, 0.0):
        session.net.params[:] = 0.0
        session.net.biases(0)[:] = bias
        trainer = session.stepper.trainer
        _, trained_accuracy, _ = trainer.evaluate()
        assert trained_accuracy == accuracy(session.net.predict(session.data.x), session.data.y), bias


def test_units_that_training_made_identical_are_not_blamed_on_the_initialisation_alone() -> None:
    """Two units can become twins in training (L2 with Adam does it on the noisy circle); the words say
    what it means now, and name the symmetric initialisation only as what it is at epoch 0."""
    session = build(Config(hidden=(3,), activation="tanh"))
    net = session.net
    net.weights(0)[:, 2] = net.weights(0)[:, 0]
    net.biases(0)[2] = net.biases(0)[0]
    twins = [d.message for d in diagnose(net, session.data.x, session.data.y) if d.kind == "symmetric"]
    assert twins == [
        "identical units: h1 and h3 have the same weights, so they compute the same value, get the same gradient and stay "
        "identical: the layer works as one unit fewer (at epoch 0 that is a symmetric initialisation: use random weights)"
    ]
