"""Inverted dropout's masks: one pure function of (seed, update, layer, batch rows).

In training, hidden layer l's activations are multiplied by m/(1 − p), with m ~ Bernoulli(1 − p)
drawn per sample per unit (p: the probability a unit is dropped, PyTorch's `nn.Dropout(p)`); in
evaluation nothing is. The training kernel, the step-by-step walk, replay and gradcheck all call
`scale_mask`, so they drop the same units of the same sample at the same update.

A sample's draw depends on its row in the data set, not on its place in the batch, so row r's mask
is the same whether the batch is every row, a mini-batch or the one sample the walk is showing.
Each unit's u in [0, 1) is a hash of (seed, update, layer, row, unit): SplitMix64's finaliser (Steele,
Lea and Flood 2014, the seeding function of Java's SplittableRandom and of xoshiro), whose 64 output
bits pass BigCrush, computed for the whole batch in a few NumPy calls. A RandomState per update was
the first way, and drawing it cost XOR 30 times its training speed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15  # 2⁶⁴/φ: SplitMix64's increment
_MIX1, _MIX2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
_UNITS = 1 << 16  # a unit's place in its row's counter (far more than a layer's 64 units)


def _mix(x: int) -> int:
    """SplitMix64's finaliser of one 64-bit number, in Python integers (the key of a draw)."""
    x = (x + _GOLDEN) & _MASK64
    x = ((x ^ (x >> 30)) * _MIX1) & _MASK64
    x = ((x ^ (x >> 27)) * _MIX2) & _MASK64
    return x ^ (x >> 31)


def _mix_array(x: np.ndarray) -> np.ndarray:
    """The same finaliser over an array of uint64 (NumPy's uint64 products wrap modulo 2⁶⁴, as the hash needs)."""
    x = x + np.uint64(_GOLDEN)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(_MIX1)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(_MIX2)
    return np.asarray(x ^ (x >> np.uint64(31)))


def update_index(epoch: int, batch_index: int, batches: int) -> int:
    """The count of updates before this one: epoch·(batches per epoch) + the batch's place in the epoch."""
    return epoch * batches + batch_index


def keep_scale(p: float) -> float:
    """1/(1 − p): what a kept unit is multiplied by, so its expected value matches evaluation's."""
    return 1.0 / (1.0 - p)


def uniforms(seed: int, update: int, layer: int, rows: Sequence[int] | np.ndarray, units: int) -> np.ndarray:
    """Each unit's u in [0, 1) for hidden layer `layer` (0-based) of each of `rows` at update `update`:
    (len(rows), units), a multiple of 2⁻⁵³ from the hash's top 53 bits."""
    return np.asarray(updates_uniforms(seed, [update], layer, rows, units)[0])


def updates_uniforms(seed: int, updates: Sequence[int], layer: int, rows: Sequence[int] | np.ndarray, units: int) -> np.ndarray:
    """`uniforms` for several updates at once, (len(updates), len(rows), units): the same numbers, in one pass."""
    start = _mix(seed & _MASK64)
    keys = np.array([_mix(_mix(start ^ (update & _MASK64)) ^ layer) for update in updates], dtype=np.uint64)
    counters: np.ndarray = np.asarray(rows, dtype=np.uint64)[:, None] * np.uint64(_UNITS)
    counters = counters + np.arange(units, dtype=np.uint64)
    bits = _mix_array(np.bitwise_xor(counters[None], keys[:, None, None]))
    return np.asarray((bits >> np.uint64(11)).astype(np.float64) * 2.0**-53)


def updates_masks(
    seed: int, updates: Sequence[int], sizes: Sequence[int], rows: Sequence[int] | np.ndarray, p: float
) -> list[np.ndarray]:
    """`network_masks` of several updates at once: per hidden layer, (len(updates), len(rows), units)."""
    scale = keep_scale(p)
    return [(updates_uniforms(seed, updates, l, rows, sizes[l + 1]) >= p) * scale for l in range(len(sizes) - 2)]


def kept(seed: int, update: int, layer: int, rows: Sequence[int] | np.ndarray, units: int, p: float) -> np.ndarray:
    """Which units of hidden layer `layer` each of `rows` keeps at update `update`: a (len(rows), units)
    boolean array, True with probability 1 − p (u ≥ p; the tutorials' u > p has the same chance)."""
    return np.asarray(uniforms(seed, update, layer, rows, units) >= p)


def scale_mask(seed: int, update: int, layer: int, rows: Sequence[int] | np.ndarray, units: int, p: float) -> np.ndarray:
    """The mask/(1 − p) that hidden layer `layer`'s activations of `rows` are multiplied by in
    training: 1/(1 − p) where a unit is kept, 0 where it is dropped; (len(rows), units)."""
    return kept(seed, update, layer, rows, units, p) * keep_scale(p)


def network_masks(seed: int, update: int, sizes: Sequence[int], rows: Sequence[int] | np.ndarray, p: float) -> list[np.ndarray]:
    """`scale_mask` for every hidden layer of a network of layer sizes `sizes`, first hidden layer first."""
    return [scale_mask(seed, update, l, rows, sizes[l + 1], p) for l in range(len(sizes) - 2)]
