"""Inverted dropout's masks: one pure function of (seed, update, layer, batch rows).

In training, hidden layer l's activations are multiplied by m/(1 − p), with m ~ Bernoulli(1 − p)
drawn per sample per unit (p: the probability a unit is dropped, PyTorch's `nn.Dropout(p)`); in
evaluation nothing is. The training kernel, the step-by-step walk, replay and gradcheck all call
`scale_mask`, so they drop the same units of the same sample at the same update.

A sample's mask depends on its row in the data set, not on its place in the batch: the draw is
one stream per (seed, update, layer) read row by row, so row r's numbers are the same whether the
batch is every row, a mini-batch or the one sample the walk is showing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_STREAM = 0x64726F70  # "drop": keeps these streams apart from the mini-batch order's RandomState([seed, epoch])


def update_index(epoch: int, batch_index: int, batches: int) -> int:
    """The count of updates before this one: epoch·(batches per epoch) + the batch's place in the epoch."""
    return epoch * batches + batch_index


def keep_scale(p: float) -> float:
    """1/(1 − p): what a kept unit is multiplied by, so its expected value matches evaluation's."""
    return 1.0 / (1.0 - p)


def kept(seed: int, update: int, layer: int, rows: Sequence[int] | np.ndarray, units: int, p: float) -> np.ndarray:
    """Which units of hidden layer `layer` (0-based: the first hidden layer is 0) each of `rows` keeps
    at update `update`: a (len(rows), units) boolean array, True with probability 1 − p."""
    rows = np.asarray(rows, dtype=np.int64)
    if not rows.size:
        return np.zeros((0, units), dtype=bool)
    draws = np.random.RandomState([seed, update, layer, _STREAM]).random_sample((int(rows.max()) + 1, units))
    return np.asarray(draws[rows] >= p)


def scale_mask(seed: int, update: int, layer: int, rows: Sequence[int] | np.ndarray, units: int, p: float) -> np.ndarray:
    """The mask/(1 − p) that hidden layer `layer`'s activations of `rows` are multiplied by in
    training: 1/(1 − p) where a unit is kept, 0 where it is dropped; (len(rows), units)."""
    return kept(seed, update, layer, rows, units, p) * keep_scale(p)


def network_masks(seed: int, update: int, sizes: Sequence[int], rows: Sequence[int] | np.ndarray, p: float) -> list[np.ndarray]:
    """`scale_mask` for every hidden layer of a network of layer sizes `sizes`, first hidden layer first."""
    return [scale_mask(seed, update, l, rows, sizes[l + 1], p) for l in range(len(sizes) - 2)]
