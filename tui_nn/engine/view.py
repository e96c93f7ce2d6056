"""Everything the app draws, captured from a stepper in one consistent copy.

The training thread captures a View between chunks and hands it to the UI; the UI draws only
from Views, so it never reads the engine while training mutates it and never computes a
number itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tui_nn.engine.diagnostics import Diagnostic, diagnose
from tui_nn.engine.records import Key, Phase, Step
from tui_nn.engine.stepper import Stepper

SERIES_POINTS = 512


@dataclass(frozen=True, eq=False)  # compared by identity: it holds arrays
class Snapshot:
    """The walk at one position: where it is, the parameters, and the values revealed so far."""

    epoch: int
    batch_index: int
    n_batches: int
    position: int
    total: int
    phase: Phase
    sample: int | None
    x: tuple[float, ...] | None
    y: tuple[float, ...] | None
    params: np.ndarray
    values: dict[Key, float]
    last: Step | None
    focus: int | None


def snapshot(stepper: Stepper, with_values: bool = True) -> Snapshot:
    """The current position. With values, the ones revealed by the walk of the current sample (or
    the update) so far; without, only the position and parameters (cheap enough for every frame
    of live training)."""
    cur = stepper.current
    params = stepper.net.params.copy()
    if not with_values:
        return Snapshot(
            cur.epoch,
            cur.batch_index,
            cur.n_batches,
            stepper.position,
            cur.total,
            "forward",
            None,
            None,
            None,
            params,
            {},
            None,
            stepper.focus,
        )
    values: dict[Key, float] = {}
    last = stepper.last()
    anchor = last if last is not None else (stepper.peek() if stepper.position < cur.total else None)
    sample = anchor.sample if anchor is not None else None
    if stepper.position > 0:
        seg = stepper.segment_of(cur, stepper.position - 1)
        for record in stepper.segment_records(cur, seg)[: stepper.position - cur.starts[seg]]:
            for key, value in record.writes:
                values[key] = value
    x = y = None
    if sample is not None:
        x = tuple(float(v) for v in stepper.data.x[sample])
        y = tuple(float(v) for v in stepper.data.y[sample])
        for j, v in enumerate(x):
            values.setdefault(Key("a", 0, j), v)
    phase: Phase = anchor.phase if anchor is not None else "forward"
    return Snapshot(
        cur.epoch,
        cur.batch_index,
        cur.n_batches,
        stepper.position,
        cur.total,
        phase,
        sample,
        x,
        y,
        params,
        values,
        last,
        stepper.focus,
    )


@dataclass(frozen=True, eq=False)  # compared by identity: it holds arrays
class View:
    epoch: int
    snapshot: Snapshot
    predictions: np.ndarray
    loss_series: np.ndarray  # at most SERIES_POINTS means of equal slices of the loss history
    loss_epochs: np.ndarray  # the mean epoch of each of those slices (the chart's x axis)
    first_loss: float | None
    current_loss: float | None
    best_loss: float | None
    accuracy: float | None
    grad_norm: float | None
    epochs_recorded: int
    lr: float
    optimizer: str
    diagnostics: tuple[Diagnostic, ...]


def capture(stepper: Stepper, with_values: bool = True) -> View:
    """A View of the stepper now; `with_values=False` skips the walk's revealed values (training)."""
    history = stepper.history
    last = history.last()
    first = history.first()
    data = stepper.data
    return View(
        epoch=stepper.trainer.epoch,
        snapshot=snapshot(stepper, with_values),
        predictions=stepper.net.predict(data.x),
        loss_series=history.downsampled("loss", SERIES_POINTS),
        loss_epochs=history.downsampled("epoch", SERIES_POINTS),
        first_loss=None if first is None else float(first[1]),
        current_loss=None if last is None else float(last[1]),
        best_loss=history.best_loss(),
        accuracy=None if last is None else float(last[2]),
        grad_norm=None if last is None else float(last[3]),
        epochs_recorded=len(history),
        lr=stepper.lr,
        optimizer=stepper.optimizer,
        diagnostics=tuple(diagnose(stepper.net, data.x, data.y)),
    )
