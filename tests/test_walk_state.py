"""The walk's state comes from its computed numbers; narration only makes records for display."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_nn.engine.nn.activations import HIDDEN_ACTIVATIONS
from tui_nn.engine.nn.datasets import Dataset, load
from tui_nn.engine.nn.losses import SIGMOID_LOSSES as LOSSES
from tui_nn.engine.nn.network import InitSpec, Network
from tui_nn.engine.nn.optimizers import OPTIMIZERS
from tui_nn.engine.session.view import snapshot
from tui_nn.engine.walk.arithmetic import sample_reveals, sample_step_count, update_reveals
from tui_nn.engine.walk.narrate import Narrator
from tui_nn.engine.walk.records import Key, Step
from tui_nn.engine.walk.stepper import Stepper


def _stepper(optimizer: str = "adam", batch: int | None = 2) -> Stepper:
    net = Network((2, 3, 1), "tanh", "bce")
    net.initialise(InitSpec("normal", 1.0), 7)
    return Stepper(net, load("xor"), optimizer, 0.5, batch=batch, seed=3)


def _walk_states(stepper: Stepper, steps: int) -> list[tuple[int, int, np.ndarray, dict[Key, float]]]:
    """(epoch, position, parameters, values shown) after each of `steps` steps."""
    states = []
    for _ in range(steps):
        stepper.step()
        states.append((stepper.epoch, stepper.position, stepper.net.params.copy(), dict(snapshot(stepper).values)))
    return states


def _lying(records: list[Step]) -> list[Step]:
    """The same records with every revealed value and key wrong, and wrong text."""
    wrong = ((Key("w", 0, 0, 0), 123.0), (Key("b", 0, 0), -7.0), (Key("z", 1, 0), 5.0))
    return [dataclasses.replace(r, writes=wrong, label="lie", note="lie") for r in records]


def test_records_with_wrong_writes_do_not_move_the_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Narration sits beside the walk: records that lie about their values change neither the
    parameters at any step nor the values the diagram shows."""
    steps = 3 * _stepper().current.total + 17  # through several mini-batch updates, ending mid-pass
    honest = _walk_states(_stepper(), steps)
    sample_steps, update_steps = Narrator.sample_steps, Narrator.update_steps
    monkeypatch.setattr(Narrator, "sample_steps", lambda self, *a: _lying(sample_steps(self, *a)))
    monkeypatch.setattr(Narrator, "update_steps", lambda self, *a: _lying(update_steps(self, *a)))
    lied_to = _walk_states(_stepper(), steps)
    for (epoch, position, params, values), (epoch2, position2, params2, values2) in zip(honest, lied_to, strict=True):
        assert (epoch, position) == (epoch2, position2)
        assert np.array_equal(params, params2), (epoch, position)
        assert values == values2, (epoch, position)


def test_finishing_passes_and_jumps_need_no_narration(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a narrator that cannot narrate, the numbers still land where the walk does; a step
    that cannot be narrated fails without moving the walk."""
    reference = _stepper()
    for _ in range(3):
        reference.finish_pass()
    reference.run_epochs(4)

    def broken(*_: object) -> list[Step]:
        raise RuntimeError("narration broken")

    monkeypatch.setattr(Narrator, "sample_steps", broken)
    monkeypatch.setattr(Narrator, "update_steps", broken)
    stepper = _stepper()
    for _ in range(3):
        stepper.finish_pass()
    jumped_from = stepper.net.params.copy()
    stepper.run_epochs(4)
    assert stepper.epoch == reference.epoch
    assert np.array_equal(stepper.net.params, reference.net.params)
    assert np.array_equal(stepper.history.rows(), reference.history.rows())
    assert stepper.back() is not None  # undoing the jump needs no record either
    assert np.array_equal(stepper.net.params, jumped_from)
    for _ in range(stepper.current.starts[-1] + 3):  # into the update: the batch loss and two parameters
        stepper.advance()
    for move in (stepper.step, stepper.back):
        before = (stepper.epoch, stepper.position, stepper.net.params.copy())
        with pytest.raises(RuntimeError, match="narration broken"):
            move()
        assert (stepper.epoch, stepper.position) == before[:2] and np.array_equal(stepper.net.params, before[2])


def _data(n_out: int, rows: int, seed: int) -> Dataset:
    rng = np.random.RandomState(seed)
    x = rng.uniform(-1, 1, (rows, 2))
    y = (rng.uniform(0, 1, (rows, n_out)) > 0.5).astype(float)
    return Dataset("random", x, y)


@settings(max_examples=25, deadline=None)
@given(
    hidden=st.lists(st.integers(1, 3), min_size=0, max_size=2),
    n_out=st.integers(1, 2),
    activation=st.sampled_from(HIDDEN_ACTIVATIONS),
    loss=st.sampled_from(LOSSES),
    optimizer=st.sampled_from(OPTIMIZERS),
    seed=st.integers(0, 10_000),
    rows=st.integers(1, 4),
    batch=st.one_of(st.none(), st.integers(1, 3)),
)
def test_stepping_lands_on_the_jumped_weights_and_steps_back_bit_for_bit(
    hidden, n_out, activation, loss, optimizer, seed, rows, batch
) -> None:
    """Walking micro-step by micro-step ends every pass on exactly the parameters of jumping to
    its end (the path `test_exactness` compares with the vectorised one), each step reveals the
    numbers its record shows, and stepping back gives every earlier state back bit for bit."""
    data = _data(n_out, rows, seed)

    def fresh() -> Stepper:
        net = Network((2, *hidden, n_out), activation, loss)
        net.initialise(InitSpec("normal", 1.0), seed)
        return Stepper(net, data, optimizer, 0.5, batch=batch, seed=seed)

    walked, jumped = fresh(), fresh()
    states = []
    for _ in range(2):
        first = walked.current
        while walked.current is first:
            states.append((walked.epoch, walked.position, walked.net.params.copy(), len(walked.history)))
            record = walked.step()
            if walked.current is first:
                assert {key: walked.revealed()[key] for key, _ in record.writes} == dict(record.writes)
        jumped.finish_pass()
        assert (walked.epoch, walked.position) == (jumped.epoch, jumped.position)
        assert np.array_equal(walked.net.params, jumped.net.params)
    assert np.array_equal(walked.history.rows(), jumped.history.rows())
    for epoch, position, params, history in reversed(states):
        assert walked.back() is not None
        assert (walked.epoch, walked.position, len(walked.history)) == (epoch, position, history)
        assert np.array_equal(walked.net.params, params)
    assert walked.back() is None


@pytest.mark.parametrize("sizes", [(2, 1), (2, 2, 1), (2, 3, 2, 2), (3, 1, 4, 1)])
@pytest.mark.parametrize("batch", [1, 3])
def test_the_walk_and_its_records_reveal_the_same_values_in_the_same_order(sizes: tuple[int, ...], batch: int) -> None:
    """The narrator writes a record per step of the walk, each revealing what the walk says it does."""
    net = Network(sizes, "relu", "mse")
    net.initialise(InitSpec("normal", 1.0), 2)
    rng = np.random.RandomState(1)
    data = Dataset("random", rng.uniform(-1, 1, (batch, sizes[0])), rng.uniform(0, 1, (batch, sizes[-1])))
    stepper = Stepper(net, data, "momentum", 0.3)
    p = stepper.current
    for k in range(len(p.samples)):
        reveals = sample_reveals(net, stepper.sample_tables(p, k))
        assert len(reveals) == sample_step_count(sizes)
        assert [r.writes for r in stepper.segment_records(p, k)] == reveals
    update = stepper.segment_records(p, len(p.samples))
    assert [r.writes for r in update] == update_reveals(net, stepper.update_tables(p))
