"""The step-through: records, undo, jumps, focus, learning-rate changes, bounded memory."""

from __future__ import annotations

import numpy as np
import pytest

from tui_nn.engine.nn.datasets import load
from tui_nn.engine.nn.network import InitSpec, Network
from tui_nn.engine.session.build import Session, build
from tui_nn.engine.session.config import Config
from tui_nn.engine.session.view import snapshot
from tui_nn.engine.walk.arithmetic import sample_step_count
from tui_nn.engine.walk.records import Key, NumberFormat
from tui_nn.engine.walk.render import step_text
from tui_nn.engine.walk.stepper import Stepper


def test_a_pass_is_forward_loss_backward_per_sample_then_update(xor_session: Session) -> None:
    stepper = xor_session.stepper
    records = stepper.walk_pass()
    per_sample = sample_step_count((2, 2, 1))
    assert len(records) == 4 * per_sample + 1 + 9
    first = records[:per_sample]
    assert [r.phase for r in first[:6]] == ["forward"] * 6
    assert [r.kind for r in first[:6]] == ["z", "a"] * 3
    assert first[6].phase == "loss"
    assert first[7].kind == "delta" and first[7].label == "out"
    assert all(r.phase == "backward" for r in first[7:])
    assert records[4 * per_sample].kind == "batch_loss"
    assert [r.kind for r in records[-9:]] == ["update_w"] * 4 + ["update_b"] * 2 + ["update_w"] * 2 + ["update_b"]
    assert stepper.epoch == 1 and stepper.position == 0


def test_records_carry_the_numbers_they_were_computed_from(xor_session: Session) -> None:
    stepper, net = xor_session.stepper, xor_session.net
    fmt = NumberFormat(4)
    x = xor_session.data.x[0]
    z_record = stepper.step()
    w = net.weights(0)
    expected_z = x[0] * w[0, 0] + x[1] * w[1, 0] + net.biases(0)[0]
    assert z_record.value == pytest.approx(expected_z, abs=1e-15)
    header, line = step_text(z_record, fmt)
    assert header == "forward · sample 1 · x = (0, 0) · target 0"
    assert line.startswith("h1    z = x1·w11 + x2·w21 + b_h1 = ")
    assert f"= 0·{fmt(w[0, 0], paren=True)} + 0·{fmt(w[1, 0], paren=True)} + 0" in line
    assert z_record.nodes == ((0, 0), (0, 1), (1, 0)) and z_record.edges == ((0, 0, 0), (0, 1, 0))
    a_record = stepper.step()
    assert a_record.value == pytest.approx(1 / (1 + np.exp(-expected_z)), abs=1e-15)
    text = "\n".join(step_text(a_record, fmt))
    assert "σ(z)" in text and fmt(a_record.value) in text


def test_zero_inputs_are_called_out(xor_session: Session) -> None:
    records = xor_session.stepper.walk_pass()
    zero_grads = [r for r in records if r.kind == "grad_w" and r.sample == 0 and r.layer == 0]
    assert zero_grads and all(r.value == 0 and r.note == f"x{r.edges[0][1] + 1} is 0 here, so no gradient" for r in zero_grads)


def test_stepping_back_restores_everything_across_epochs(xor_session: Session) -> None:
    stepper, net = xor_session.stepper, xor_session.net
    states = []
    for _ in range(130):  # more than one pass (107 steps)
        states.append((stepper.epoch, stepper.position, net.params.copy(), len(stepper.history)))
        stepper.step()
    for epoch, position, params, history in reversed(states):
        assert stepper.back() is not None
        assert (stepper.epoch, stepper.position, len(stepper.history)) == (epoch, position, history)
        assert np.array_equal(net.params, params)
    assert stepper.back() is None
    assert not stepper.can_step_back()


def test_undo_memory_is_bounded() -> None:
    data = load("xor")
    net = Network((2, 2, 1))
    net.initialise(InitSpec("normal", 1.0), 3)
    stepper = Stepper(net, data, undo_limit=500)
    for _ in range(3000):
        stepper.step()
    undone = 0
    while stepper.back() is not None:
        undone += 1
    assert 500 <= undone <= 500 + 2 * stepper.current.total
    assert stepper.epoch > 0


def test_default_keeps_at_least_ten_thousand_steps(xor_session: Session) -> None:
    stepper = xor_session.stepper
    for _ in range(10_500):
        stepper.step()
    undone = 0
    while stepper.back() is not None and undone < 10_001:
        undone += 1
    assert undone >= 10_000


def test_jumps_stop_where_they_say(xor_session: Session) -> None:
    stepper = xor_session.stepper
    forward = stepper.finish_forward()
    assert [r.phase for r in forward] == ["forward"] * 6 and stepper.peek().phase == "loss"
    assert stepper.finish_forward() == []
    backward = stepper.finish_backward()
    assert backward[0].phase == "loss" and all(r.sample == 0 for r in backward)
    assert stepper.peek().phase == "forward" and stepper.peek().sample == 1
    rest = stepper.walk_pass()
    assert rest[-1].phase == "update" and stepper.epoch == 1


def test_run_epochs_continues_from_mid_pass_and_undoes_in_one_step(xor_session: Session) -> None:
    stepper, net = xor_session.stepper, xor_session.net
    for _ in range(20):
        stepper.step()
    before = net.params.copy()
    result = stepper.run_epochs(50)
    assert result.epochs == 50 and stepper.epoch == 50 and stepper.position == 0
    reference = build(Config())
    reference.stepper.trainer.run(50)
    assert np.max(np.abs(net.params - reference.net.params)) < 1e-12
    undone = stepper.back()
    assert undone is not None and undone.epochs == (0, 50) and undone.arrival is not None
    assert stepper.position == 20 and np.array_equal(net.params, before)


def test_focus_walks_one_sample_and_updates_on_it_alone(xor_session: Session) -> None:
    stepper, net = xor_session.stepper, xor_session.net
    stepper.set_focus(1)
    records = stepper.walk_pass()
    assert {r.sample for r in records if r.sample is not None} == {1}
    reference = build(Config()).net
    _, grad, _, _ = reference.loss_and_gradient(xor_session.data.x[1:2], xor_session.data.y[1:2])
    assert np.max(np.abs(net.params - (reference.params - 1.0 * grad))) < 1e-15
    with pytest.raises(ValueError):
        stepper.set_focus(4)
    stepper.set_focus(None)
    assert stepper.current.samples == [0, 1, 2, 3]


def test_changing_the_learning_rate_applies_to_the_coming_update(xor_session: Session) -> None:
    stepper, net = xor_session.stepper, xor_session.net
    start = net.params.copy()
    stepper.finish_forward()
    stepper.set_lr(0.25)
    stepper.finish_pass()
    reference = build(Config())
    _, grad, _, _ = reference.net.loss_and_gradient(reference.data.x, reference.data.y)
    assert np.max(np.abs(net.params - (start - 0.25 * grad))) < 1e-14
    with pytest.raises(ValueError):
        stepper.set_lr(float("nan"))


def test_snapshot_reveals_only_what_has_been_computed(xor_session: Session) -> None:
    stepper = xor_session.stepper
    snap = snapshot(stepper)
    assert snap.sample == 0 and Key("z", 1, 0) not in snap.values and snap.values[Key("a", 0, 1)] == 0
    stepper.step()
    snap = snapshot(stepper)
    assert Key("z", 1, 0) in snap.values and Key("a", 1, 0) not in snap.values
    stepper.finish_backward()
    stepper.step()  # first forward step of sample 2: sample 1's values are gone
    snap = snapshot(stepper)
    assert snap.sample == 1 and Key("delta", 2, 0) not in snap.values


def test_a_restarted_session_is_at_epoch_zero(xor_session: Session) -> None:
    xor_session.stepper.run_epochs(30)
    fresh = xor_session.restarted()
    assert fresh.stepper.epoch == 0 and np.array_equal(fresh.net.params, xor_session.initial_params)
    assert len(fresh.stepper.history) == 1 and not fresh.stepper.can_step_back()
    assert xor_session.stepper.epoch == 30, "the old session is untouched (a step back returns to it)"


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_optimizer_update_records_show_their_state(optimizer: str) -> None:
    session = build(Config(optimizer=optimizer))
    records = session.stepper.walk_pass()
    update = records[-1]
    names = [name for name, _ in update.results]
    # the optimizer's state has symbols of its own (not v or m: the output weights and the batch size)
    assert names == (["ḡ", "M", "b_out"] if optimizer == "momentum" else ["ḡ", "M", "S", "M̂", "Ŝ", "b_out"])


def test_jumping_to_the_end_of_a_pass_equals_walking_it() -> None:
    walked, jumped = build(Config(hidden=(3,), optimizer="adam")), build(Config(hidden=(3,), optimizer="adam"))
    for _ in range(3):
        records = walked.stepper.walk_pass()
        finished, start = jumped.stepper.finish_pass()
        assert start == 0 and np.array_equal(walked.net.params, jumped.net.params)
        assert [step_text(r, NumberFormat(4)) for r in records] == [
            step_text(r, NumberFormat(4)) for r in jumped.stepper.records(finished, 0, finished.total)
        ]
    assert np.array_equal(walked.stepper.history.rows(), jumped.stepper.history.rows())


def test_finishing_a_large_pass_does_not_format_its_records() -> None:
    from tui_nn.engine.session.config import defaults_for

    session = build(defaults_for("spiral"))
    finished, _ = session.stepper.finish_pass()
    assert finished.total > 80_000
    formatted = sum(len(steps) for (uid, _), steps in session.stepper._segments.items() if uid == finished.uid)
    assert formatted < 1_000, "only the update's records were formatted"
    assert session.stepper.back() is not None  # stepping back into it formats what it needs
