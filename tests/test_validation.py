"""A validation set (--val F, issue 23): a seeded, stratified split; training that never sees the
held-out rows; their loss and accuracy per epoch; where the validation loss was lowest, said by
`train` and the app; the chart's second curve and the status's second accuracy; bad input refused."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui_nn.cli.commands import main
from tui_nn.engine.live.remote import Layout
from tui_nn.engine.nn import datasets, training
from tui_nn.engine.nn.datasets import Dataset, SplitError, validation_split
from tui_nn.engine.nn.history import History
from tui_nn.engine.nn.network import InitSpec
from tui_nn.engine.nn.training import Trainer
from tui_nn.engine.session import actions as act
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config, ConfigError, defaults_for
from tui_nn.engine.teach.lesson import LessonError, parse_lesson

# A wide network on the noisy circle (its points are jittered after labelling, so labels near the
# boundary are noise): the training loss keeps falling while the validation loss turns up.
OVERFIT = ["circle", "--hidden", "32", "--optimizer", "adam", "--lr", "0.01", "--val", "0.3"]


def overfit_config(**changes: object) -> Config:
    settings: dict[str, object] = {"hidden": (32,), "optimizer": "adam", "lr": 0.01, "val": 0.3, "init": InitSpec("xavier")}
    return defaults_for("circle").with_changes(**(settings | changes))


# --- the split -------------------------------------------------------------------------------


def labelled(labels: list[int], one_hot: bool) -> Dataset:
    index = np.array(labels)
    x = np.column_stack([np.arange(len(labels), dtype=float), np.zeros(len(labels))])
    y = np.eye(int(index.max()) + 1)[index] if one_hot else index.reshape(-1, 1).astype(float)
    return Dataset("test", x, y)


@settings(max_examples=60, deadline=None)
@given(
    counts=st.lists(st.integers(2, 40), min_size=2, max_size=6),
    fraction=st.floats(0.05, 0.9),
    seed=st.integers(0, 2**32 - 1),
    data=st.data(),
)
def test_the_split_is_stratified_seeded_disjoint_and_covering(counts: list[int], fraction: float, seed: int, data) -> None:
    one_hot = len(counts) > 2 or data.draw(st.booleans())
    labels = data.draw(st.permutations([k for k, n in enumerate(counts) for _ in range(n)]))
    whole = labelled(list(labels), one_hot)
    try:
        split = validation_split(whole, fraction, seed)
    except SplitError as error:
        # refused only when some class would lose every row to one part
        assert any(round(fraction * n) in (0, n) for n in counts)
        assert str(error).startswith(f"--val {fraction:g} leaves class ")
        return
    rows = np.concatenate([split.training_rows, split.validation_rows])
    assert sorted(rows.tolist()) == list(range(whole.size)), "disjoint and covering"
    for k, n in enumerate(counts):
        held = int(np.count_nonzero(whole.class_index[split.validation_rows] == k))
        assert held == round(fraction * n), "each class holds out its own share"
        assert 0 < held < n
    assert np.array_equal(split.training.x, whole.x[split.training_rows])
    assert np.array_equal(split.validation.y, whole.y[split.validation_rows])
    again = validation_split(whole, fraction, seed)
    assert np.array_equal(again.validation_rows, split.validation_rows), "the same seed gives the same split"


def test_another_seed_holds_out_other_rows() -> None:
    circle = datasets.load("circle")
    a, b = validation_split(circle, 0.3, 1), validation_split(circle, 0.3, 2)
    assert not np.array_equal(a.validation_rows, b.validation_rows)


def test_the_session_trains_on_the_training_part_and_keeps_every_row_for_a_recording() -> None:
    session = build(defaults_for("circle").with_changes(val=0.3))
    split = validation_split(datasets.load("circle"), 0.3)
    assert np.array_equal(session.data.x, split.training.x)
    assert session.validation is not None and np.array_equal(session.validation.x, split.validation.x)
    assert session.all_data.size == 300 and session.data.size + session.validation.size == 300
    assert session.stepper.trainer.data is session.data


# --- training never sees the validation rows -------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [{}, {"optimizer": "sgd", "lr": 0.5}, {"batch": 32}, {"optimizer": "momentum", "lr": 0.1, "batch": 50}],
    ids=["adam", "sgd", "adam batches", "momentum batches"],
)
def test_training_with_a_validation_set_equals_training_on_the_training_part_alone(changes: dict[str, object]) -> None:
    config = overfit_config(**changes)
    session = build(config)
    held_out = session.stepper.trainer
    alone_net = session.net.copy()
    alone_net.params[:] = session.initial_params
    alone = Trainer(
        alone_net, session.data.subset(np.arange(session.data.size)), config.optimizer, config.lr, config.batch, config.seed
    )
    held_out.run(300)
    alone.run(300)
    assert np.array_equal(held_out.net.params, alone.net.params), "bit for bit"
    assert np.array_equal(held_out.history.rows()[:, :4], alone.history.rows()), "the training columns too"


def assert_validation_columns(config: Config, epochs: int) -> None:
    """Train `epochs` epochs; each row's validation columns are the reference network's loss and
    accuracy on the held-out rows at that epoch's parameters (replayed one epoch at a time)."""
    session = build(config)
    trainer, held = session.stepper.trainer, session.validation
    assert held is not None
    replay = Trainer(session.net.copy(), session.data, trainer.optimizer, trainer.lr, trainer.batch, trainer.seed)
    replay.net.params[:] = session.initial_params
    trainer.run(epochs)
    rows = trainer.history.rows()
    for epoch in range(epochs):
        net = replay.net
        expected_loss = net.loss_value(held.x, held.y)
        expected_accuracy = np.mean((net.predict(held.x) > 0.5) == (held.y > 0.5))
        assert rows[epoch, 0] == epoch
        np.testing.assert_allclose(rows[epoch, 4], expected_loss, rtol=1e-12)
        assert rows[epoch, 5] == expected_accuracy
        replay.run(1)


@pytest.mark.parametrize("changes", [{}, {"batch": 64}, {"optimizer": "sgd", "lr": 0.5}], ids=["adam", "batches", "sgd"])
def test_the_validation_columns_are_the_loss_and_accuracy_of_the_held_out_rows_at_each_epoch(changes: dict[str, object]) -> None:
    assert_validation_columns(overfit_config(**changes), 120)


def test_validation_columns_stay_right_when_a_chunk_outgrows_the_validation_buffer(monkeypatch: pytest.MonkeyPatch) -> None:
    # a buffer of 5 epochs of the 90 held-out logits: a chunk's validation rows are bookkept in blocks
    monkeypatch.setattr(training, "CHUNK_BUFFER_ELEMENTS", 90 * 5)
    session = build(overfit_config(optimizer="sgd", lr=0.5))
    assert training._Validation(session.net, session.validation).capacity == 5
    assert_validation_columns(overfit_config(optimizer="sgd", lr=0.5), 23)
    assert_validation_columns(overfit_config(batch=100), 23)


def test_the_walk_records_the_validation_columns_too() -> None:
    session = build(Config(val=0.5))
    stepper, held = session.stepper, session.validation
    assert held is not None
    stepper.walk_pass()  # the whole epoch, micro-step by micro-step: the next pass records epoch 1's row
    rows = stepper.history.rows()
    assert rows[:, 0].tolist() == [0, 1]
    np.testing.assert_allclose(rows[-1, 4], session.net.loss_value(held.x, held.y), rtol=1e-12)


# --- where the validation loss was lowest ----------------------------------------------------


def test_train_names_the_epoch_of_the_lowest_validation_loss(capsys: pytest.CaptureFixture[str]) -> None:
    epochs = 600
    assert main(["train", *OVERFIT, "--epochs", str(epochs), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["validation"]
    # computed again, the plain way: the reference network's loss on the held-out rows at every epoch
    session = build(overfit_config())
    held = session.validation
    assert held is not None
    losses = []
    for _ in range(epochs):
        losses.append(session.net.loss_value(held.x, held.y))
        session.stepper.trainer.run(1)
    losses.append(session.net.loss_value(held.x, held.y))  # where the run ended
    best = int(np.argmin(losses))
    assert 0 < best < epochs, "overfitting: the lowest validation loss is inside the run"
    assert summary["best_epoch"] == best
    np.testing.assert_allclose(summary["best_loss"], losses[best], rtol=1e-12)
    np.testing.assert_allclose(summary["loss"], losses[-1], rtol=1e-12)
    assert summary["loss"] > summary["best_loss"], "the validation loss turned up"
    assert summary["size"] == held.size


def test_train_prints_both_losses_and_the_lowest_validation_epoch(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", *OVERFIT, "--epochs", "400", "--every", "100"]) == 0
    out = capsys.readouterr().out
    assert "val_loss" in out and "val_accuracy" in out
    best = build(overfit_config()).stepper.trainer
    best.run(400)
    lowest = best.best_validation()
    assert lowest is not None
    assert f"lowest {lowest.loss:.6g} at epoch {lowest.epoch}: it has risen since while the training loss fell" in out
    assert "90 of 300 points held out for validation" in out


def test_the_best_epoch_survives_the_history_thinning_it() -> None:
    history = History(recent=10, capacity=10, validation=True)
    rows = np.zeros((1000, 6))
    rows[:, 0] = np.arange(1000)
    rows[:, 4] = 1.0 + np.abs(np.arange(1000) - 333)  # lowest at epoch 333, thinned away below
    history.extend(rows)
    assert 333 not in history.column("epoch").tolist()
    assert history.best_validation() == (333, 1.0, 0.0)
    history.truncate(300)  # stepped back before it: the best of what is left
    assert history.best_validation() is not None and history.best_validation()[0] < 300


def test_the_apps_run_summary_names_the_lowest_validation_epoch() -> None:
    from tui_nn.engine.session.controller import Controller

    controller = Controller(build(overfit_config()))
    run = controller.start_training(None)
    controller.train(run, 500)
    controller.stop_training(run, None)
    runs = [entry.run for entry in controller.logbook.entries if entry.run is not None]
    text = " ".join(run.headline for run in runs)
    # the run's loss lines carry the validation figures of the same epochs
    assert runs[-1].validation is not None and len(runs[-1].validation) == len(runs[-1].rows)
    rows = {int(row[0]): row for row in controller.stepper.history.rows()}
    for (epoch, _, _), (loss, accuracy) in zip(runs[-1].rows, runs[-1].validation, strict=True):
        assert (loss, accuracy) == (rows[int(epoch)][4], rows[int(epoch)][5])
    trainer = controller.stepper.trainer
    lowest = trainer.best_validation()
    assert lowest is not None
    assert f"lowest {lowest.loss:.6g} at epoch {lowest.epoch}" in text


# --- the training process carries the validation columns -------------------------------------


def test_the_training_process_lands_on_the_same_validation_columns() -> None:
    from tests.test_remote import assert_same_training_state, drive, headless

    trainer = build(overfit_config()).stepper.trainer
    reason, _ = drive(trainer, stop_at=300)
    assert reason is None
    assert Layout(1, 0, 0, 1, 2, 1, 0, validation_samples=90).width == 6
    assert trainer.history.width == 6 and np.isfinite(trainer.history.rows()[:, 4:]).all()
    assert_same_training_state(trainer, headless(overfit_config(), trainer.epoch))


# --- in the app ------------------------------------------------------------------------------


async def test_the_chart_draws_two_curves_and_the_status_both_accuracies() -> None:
    from textual.widgets import Static

    from tui_nn.ui.panes.losschart import LossChart
    from tui_nn.ui.panes.widgets import LossPane, StatusLine
    from tui_nn.ui.shell.app import TuiNN

    session = build(overfit_config())
    session.stepper.run_epochs(400)
    app = TuiNN(session, pace=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("e")
        await pilot.pause()
        chart = app.query_one(LossChart)
        drawn = "\n".join("".join(segment.text for segment in row) for row in chart.drawing().rows)
        assert any(c in drawn for c in "⣀⠤⠒⠉"), "the validation curve"
        assert any(c in drawn for c in "▁▂▃▄▅▆▇█"), "the training curve"
        pane = app.query_one(LossPane)
        assert "training" in str(pane.border_title) and "validation" in str(pane.border_title)
        status = str(app.query_one(StatusLine).render())
        view = app.controller.view()
        assert view.validation is not None and view.accuracy is not None and view.validation.accuracy is not None
        assert f"acc {view.accuracy:.0%}" in status and f"val acc {view.validation.accuracy:.0%}" in status
        summary = str(app.query_one("#loss-summary", Static).render())
        assert f"at epoch {view.validation.best_epoch:,}" in summary
        # the readout under the cursor gives both losses of one point
        await pilot.hover(LossChart, offset=(chart.size.width - 2, 1))
        await pilot.pause()
        assert "validation" in str(pane.border_subtitle)


async def test_ascii_chart_draws_the_validation_curve_in_ascii() -> None:
    from tui_nn.ui.panes.losschart import LossChart
    from tui_nn.ui.shell.app import TuiNN

    session = build(overfit_config())
    session.stepper.run_epochs(200)
    app = TuiNN(session, pace=None, ascii_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("e")
        await pilot.pause()
        drawn = "\n".join("".join(s.text for s in row) for row in app.query_one(LossChart).drawing().rows)
        assert "o" in drawn and not any(c in drawn for c in "⣀⠤⠒⠉")
        assert all(ord(c) < 128 for c in drawn)


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "named"),
    [
        (["xor", "--val", "0.95"], "--val"),
        (["xor", "--val", "0"], "--val"),
        (["xor", "--val", "-0.3"], "--val"),
        (["xor", "--val", "nan"], "--val"),
        (["xor", "--val", "a third"], "--val"),
        (["xor", "--val", "0.25"], "--val 0.25 leaves class 0 out of the validation part"),
        (["xor", "--val", "0.9"], "--val 0.9 leaves class 0 out of the training part"),
        (["circle", "--val", "0.9", "--batch", "100"], "once 270 are held out for validation"),
    ],
)
def test_a_bad_val_is_one_line_naming_it_and_exit_2(capsys: pytest.CaptureFixture[str], words: list[str], named: str) -> None:
    assert main(["train", *words, "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and named in err and "Traceback" not in err


def test_a_lesson_or_a_session_file_refuses_a_bad_val_naming_it() -> None:
    with pytest.raises(LessonError, match=r"val: --val 0\.25 leaves class 0"):
        parse_lesson("---\ntitle: T\nval: 0.25\n---\n## C\n")
    with pytest.raises(act.ActionError, match="validation fraction"):
        act.config_from_json({"val": 2})
    with pytest.raises(act.ActionError, match="val must be a number"):
        act.config_from_json({"val": [0.3]})


def test_settings_without_a_validation_set_are_written_as_before() -> None:
    assert "val" not in act.config_to_json(Config())
    assert act.config_from_json(act.config_to_json(Config(val=0.5))).val == 0.5


def test_settings_can_turn_the_validation_set_off() -> None:
    from tui_nn.engine.session.config import FIELDS

    assert FIELDS["val"].parse("none") == 0.0 and FIELDS["val"].format(0.0) == "none"
    with pytest.raises(ConfigError):
        FIELDS["val"].parse("0")


def test_a_session_without_validation_keeps_four_history_columns() -> None:
    trainer = build(Config()).stepper.trainer
    trainer.run(10)
    assert trainer.history.rows().shape == (10, 4)
    assert trainer.best_validation() is None


async def test_the_settings_screen_holds_out_a_validation_set_and_refuses_a_bad_fraction() -> None:
    from tests.test_settings_keys import form, type_into
    from tui_nn.ui.shell.app import TuiNN

    app = TuiNN(build(defaults_for("circle")), pace=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        await type_into(pilot, app, "val", "0.95")
        await pilot.press("enter")
        error = form(app).query_one("#error-val")
        assert error.display and "at most 0.9" in str(error.content)
        await type_into(pilot, app, "val", "0.3")
        await pilot.press("enter")
        await pilot.pause()
        session = app.session
        assert session.config.val == 0.3 and session.validation is not None
        assert np.array_equal(session.validation.x, validation_split(datasets.load("circle"), 0.3).validation.x)


def test_a_diverged_run_is_not_called_overfitting(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "circle", "--val", "0.3", "--lr", "1e5", "--epochs", "50"]) == 1
    out = capsys.readouterr().out
    assert "lowest" in out and "it has risen since" in out and "overfitting" not in out


def test_a_session_file_with_a_validation_set_replays_it(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    from tui_nn.engine.session import replay

    document = {
        "format": replay.FORMAT,
        "config": act.config_to_json(overfit_config()),
        "actions": [{"action": "train", "epochs": 50}],
    }
    path = tmp_path / "held-out.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert main(["replay", str(path), "--check", "--json"]) == 0
    replayed = json.loads(capsys.readouterr().out)
    session = build(overfit_config())
    session.stepper.run_epochs(50)
    assert session.validation is not None
    loss, accuracy = session.stepper.trainer.validate()
    assert replayed["validation"] == {"size": session.validation.size, "loss": loss, "accuracy": accuracy}
    np.testing.assert_allclose(replayed["loss"], session.net.loss_value(session.data.x, session.data.y), rtol=1e-12)


def test_under_weight_decay_the_validation_loss_is_the_data_loss_at_every_epoch_and_at_the_end() -> None:
    """The held-out rows are measured by their data loss alone, in the per-epoch rows and in the
    summary alike (the summary once added the L2 term the rows leave out: 0.28 against 0.20)."""
    session = build(Config(problem="circle", hidden=(8,), activation="tanh", val=0.3, l2=0.05, lr=0.5))
    trainer, net = session.stepper.trainer, session.net
    held_out = trainer.validation
    assert held_out is not None
    start = net.params.copy()
    trainer.run(50)
    first = trainer.history.rows()[0]
    assert first[4] == pytest.approx(net.data_loss_value(held_out.x, held_out.y, start), rel=1e-12)
    loss, accuracy = trainer.validate()
    assert loss == pytest.approx(net.data_loss_value(held_out.x, held_out.y), rel=1e-12)
    assert loss < net.loss_value(held_out.x, held_out.y)  # the L2 term is real, and left out
    assert accuracy == pytest.approx(net.accuracy(held_out.x, held_out.y))


def test_a_validation_loss_a_hair_above_its_lowest_is_not_called_overfitting() -> None:
    from tui_nn.engine.live.reason_words import OVERFITTING_RISE, validation_words

    settling = validation_words(929, 0.2015, 0.2015 * (1 + OVERFITTING_RISE / 7), 0.88, training_fell=True)
    assert "overfitting" in settling and "too little to call overfitting" in settling and "0.7% above it" in settling
    risen = validation_words(222, 0.2078, 0.3978, 0.89, training_fell=True)
    assert "the network is overfitting" in risen
