"""Everything the app draws, captured from a stepper in one consistent copy.

The training thread captures a View between chunks and hands it to the UI; the
UI draws only from Views, so it never reads the engine while training mutates it
and never computes a number itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tui_nn.engine.diagnostics import Diagnostic, diagnose
from tui_nn.engine.stepper import Snapshot, Stepper

SERIES_POINTS = 512


@dataclass(frozen=True, eq=False)  # compared by identity: it holds arrays
class View:
    epoch: int
    snapshot: Snapshot
    predictions: np.ndarray
    loss_series: np.ndarray  # at most SERIES_POINTS means of equal slices of the loss history
    first_loss: float | None
    current_loss: float | None
    best_loss: float | None
    accuracy: float | None
    grad_norm: float | None
    epochs_recorded: int
    lr: float
    optimizer: str
    diagnostics: tuple[Diagnostic, ...]
    can_step_back: bool


def capture(stepper: Stepper, with_values: bool = True) -> View:
    """A View of the stepper now; `with_values=False` skips the walk's revealed values (training)."""
    history = stepper.history
    last = history.last()
    first = history.first()
    snapshot = stepper.snapshot() if with_values else stepper.snapshot_without_values()
    data = stepper.data
    return View(
        epoch=stepper.trainer.epoch,
        snapshot=snapshot,
        predictions=stepper.predictions(),
        loss_series=history.downsampled("loss", SERIES_POINTS),
        first_loss=None if first is None else float(first[1]),
        current_loss=None if last is None else float(last[1]),
        best_loss=history.best_loss(),
        accuracy=None if last is None else float(last[2]),
        grad_norm=None if last is None else float(last[3]),
        epochs_recorded=len(history),
        lr=stepper.lr,
        optimizer=stepper.optimizer,
        diagnostics=tuple(diagnose(stepper.net, data.x, data.y)),
        can_step_back=stepper.can_step_back(),
    )
