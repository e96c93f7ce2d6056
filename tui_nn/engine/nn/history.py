"""Per-epoch training history in bounded memory.

The newest `recent` epochs (at least; up to twice that) are kept exactly; older ones
are thinned to every `stride`-th epoch, and the stride doubles whenever the thinned
part outgrows `capacity`. A run of any length therefore holds at most
2·recent + capacity rows of four (six) float64 numbers (under 1.5 MB with the defaults).

A history of a run with a validation set (`validation=True`) has two more columns: the held-out
rows' loss and accuracy at the same parameters.

The "accuracy" columns hold the task's score (tasks.Task.score): the fraction right for a
classification, R² = 1 − SS_res/SS_tot for a regression (which can be negative); the column keeps
its name so old rows, frames and files read as they did, and whoever shows it asks the data's Task
for the word.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

COLUMNS = ("epoch", "loss", "accuracy", "grad_norm", "val_loss", "val_accuracy")
WIDTH = len(COLUMNS)
BASE_WIDTH = 4  # the columns every run has; the rest are a validation set's
NO_VALIDATION = (float("nan"), float("nan"))
VAL_LOSS = COLUMNS.index("val_loss")


class BestValidation(NamedTuple):
    """Where the validation loss was lowest: the epoch, that loss, and the training loss there."""

    epoch: int
    loss: float
    training_loss: float


class History:
    def __init__(self, recent: int = 10_000, capacity: int = 10_000, validation: bool = False) -> None:
        self.width = WIDTH if validation else BASE_WIDTH
        self.recent_limit = recent
        self.capacity = capacity
        self.stride = 1
        # Recent rows live in a buffer of twice the limit so appending never copies them;
        # when it fills, the oldest spill into the thinned part in one go.
        self._buffer = np.empty((2 * recent, self.width))
        self._count = 0
        self._old = np.empty((0, self.width))
        # (epoch, validation loss) of the lowest validation loss, kept as rows arrive, so thinning
        # never loses the epoch a run summary names
        self._best_validation: BestValidation | None = None

    @property
    def _recent(self) -> np.ndarray:
        return self._buffer[: self._count]

    def __len__(self) -> int:
        return len(self._old) + self._count

    @property
    def nbytes(self) -> int:
        return int(self._buffer.nbytes + self._old.nbytes)

    def append(
        self, epoch: int, loss: float, accuracy: float, grad_norm: float, validation: tuple[float, float] = NO_VALIDATION
    ) -> None:
        self.extend(np.array([[epoch, loss, accuracy, grad_norm, *validation][: self.width]]))

    def extend(self, rows: np.ndarray) -> None:
        """Add rows of COLUMNS, epochs increasing by one (a narrower history keeps their first `width`)."""
        k = len(rows)
        if k == 0:
            return
        rows = rows[:, : self.width]
        if self.width == WIDTH:
            self._note_best_validation(rows)
        limit = self.recent_limit
        if k >= limit:
            self._spill(self._recent)
            self._spill(rows[:-limit])
            self._buffer[:limit] = rows[-limit:]
            self._count = limit
            return
        if self._count + k > len(self._buffer):
            drop = self._count + k - limit  # keep `limit` exact rows once these are added
            self._spill(self._buffer[:drop])
            self._buffer[: self._count - drop] = self._buffer[drop : self._count].copy()
            self._count -= drop
        self._buffer[self._count : self._count + k] = rows
        self._count += k

    def _note_best_validation(self, rows: np.ndarray) -> None:
        losses = rows[:, VAL_LOSS]
        finite = np.flatnonzero(np.isfinite(losses))
        if not len(finite):
            return
        best = finite[np.argmin(losses[finite])]  # argmin: the first epoch of a tie
        if self._best_validation is None or losses[best] < self._best_validation.loss:
            self._best_validation = BestValidation(int(rows[best, 0]), float(losses[best]), float(rows[best, 1]))

    def _spill(self, rows: np.ndarray) -> None:
        """Move rows out of the exact part: keep every stride-th epoch, thinning as needed."""
        if len(rows) == 0:
            return
        kept = rows[rows[:, 0].astype(np.int64) % self.stride == 0]
        old = np.concatenate([self._old, kept])
        while len(old) > self.capacity:
            self.stride *= 2
            old = old[old[:, 0].astype(np.int64) % self.stride == 0]
        self._old = old

    def truncate(self, epoch: int) -> None:
        """Forget every row at or after `epoch` (stepping back across an epoch boundary)."""
        if self._count and self._buffer[self._count - 1, 0] < epoch:
            return  # the common case while training: nothing to forget, nothing to copy
        recent = self._recent
        self._count = int(np.count_nonzero(recent[:, 0] < epoch))  # epochs increase: a prefix
        if len(self._old) and self._old[-1, 0] >= epoch:
            self._old = self._old[self._old[:, 0] < epoch]
        if self._best_validation is not None and self._best_validation.epoch >= epoch:
            # stepped back past the best: the best of what is kept (thinned epochs are gone)
            self._best_validation = None
            self._note_best_validation(self.rows())

    def rows(self) -> np.ndarray:
        """All kept rows, oldest first: an (n, width) array (a copy)."""
        return np.concatenate([self._old, self._recent])

    def tail(self, n: int) -> np.ndarray:
        """The newest n rows (fewer if there are fewer), without copying the rest."""
        if n <= self._count:
            return self._buffer[self._count - n : self._count]
        return self.rows()[-n:]

    def column(self, name: str) -> np.ndarray:
        k = COLUMNS.index(name)
        if k >= self.width:
            return np.full(len(self), np.nan)
        return np.concatenate([self._old[:, k], self._recent[:, k]])

    def last(self) -> np.ndarray | None:
        rows = self._recent if len(self._recent) else self._old
        return np.array(rows[-1]) if len(rows) else None

    def first(self) -> np.ndarray | None:
        rows = self._old if len(self._old) else self._recent
        return np.array(rows[0]) if len(rows) else None

    def best_loss(self) -> float | None:
        losses = self.column("loss")
        finite = losses[np.isfinite(losses)]
        return float(finite.min()) if len(finite) else None

    def best_validation(self) -> BestValidation | None:
        """The lowest validation loss recorded (the first epoch of a tie), or None without a validation set."""
        return self._best_validation

    def downsampled(self, column: str, width: int) -> np.ndarray:
        """At most `width` values: the mean of each of `width` equal slices of the column.

        Costs O(kept rows), which is bounded, so drawing never slows as the run grows.
        """
        values = self.column(column)
        if len(values) <= width or width <= 0:
            return values
        edges = np.linspace(0, len(values), width + 1).astype(np.int64)
        sums = np.add.reduceat(values, edges[:-1])
        return sums / np.diff(edges)
