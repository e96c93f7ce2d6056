"""Per-epoch training history in bounded memory.

The newest `recent` epochs are kept exactly; older ones are thinned to every
`stride`-th epoch, and the stride doubles whenever the thinned part outgrows
`capacity`. A run of any length therefore holds at most recent + capacity rows
of four float64 numbers (about 640 kB with the defaults).
"""

from __future__ import annotations

import numpy as np

COLUMNS = ("epoch", "loss", "accuracy", "grad_norm")


class History:
    def __init__(self, recent: int = 10_000, capacity: int = 10_000) -> None:
        self.recent_limit = recent
        self.capacity = capacity
        self.stride = 1
        self._recent = np.empty((0, 4))
        self._old = np.empty((0, 4))

    def __len__(self) -> int:
        return len(self._old) + len(self._recent)

    @property
    def nbytes(self) -> int:
        return int(self._recent.nbytes + self._old.nbytes)

    def append(self, epoch: int, loss: float, accuracy: float, grad_norm: float) -> None:
        self.extend(np.array([[epoch, loss, accuracy, grad_norm]]))

    def extend(self, rows: np.ndarray) -> None:
        """Add rows of (epoch, loss, accuracy, grad_norm), epochs increasing by one."""
        if len(rows) == 0:
            return
        recent = np.concatenate([self._recent, rows])
        if len(recent) > self.recent_limit:
            overflow = recent[: -self.recent_limit]
            recent = recent[-self.recent_limit :]
            kept = overflow[overflow[:, 0].astype(np.int64) % self.stride == 0]
            old = np.concatenate([self._old, kept])
            while len(old) > self.capacity:
                self.stride *= 2
                old = old[old[:, 0].astype(np.int64) % self.stride == 0]
            self._old = old
        self._recent = np.ascontiguousarray(recent)

    def truncate(self, epoch: int) -> None:
        """Forget every row at or after `epoch` (stepping back across an epoch boundary)."""
        self._recent = self._recent[self._recent[:, 0] < epoch]
        self._old = self._old[self._old[:, 0] < epoch]

    def rows(self) -> np.ndarray:
        """All kept rows, oldest first: an (n, 4) array (a copy)."""
        return np.concatenate([self._old, self._recent])

    def column(self, name: str) -> np.ndarray:
        k = COLUMNS.index(name)
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
