"""Engine speed against the tutorials' NumPy loop, side by side in one run (a benchmark, not a test).

  python -m benchmarks.engine              # about two minutes on a quiet 2-core machine
  python -m benchmarks.engine --quick      # fewer repeats

Three problems, each a 2-H-1 sigmoid network with BCE trained full batch by plain gradient descent:

  XOR 2-4-1              4 points,      4 hidden units   (where per-call overhead is everything)
  300 points × 1024      the spiral,    1024 hidden      (where the hidden layer's arrays are large)
  10,000 points × 4      a seeded disc, 4 hidden         (where the batch is large)

For each, epochs/s of
  engine                 `Trainer.run`, which also records every epoch's loss, accuracy and gradient norm,
  tutorial + loss        the tutorials' loop computing the loss every epoch (as they print it),
  tutorial               the same loop without the per-epoch loss (the fastest honest loop).
The three are run interleaved (engine, tutorial + loss, tutorial, then the next repeat in a
rotated order), so load on the machine falls on all of them alike; the table gives medians of
the repeats and the ratios of the medians. The step-through walk's speed follows, then the
measurements behind the kernel's size-dependent choices (tui_nn/engine/nn/training.py).

On a shared machine, multi-threaded BLAS makes the large cases erratic for every contender:
OPENBLAS_NUM_THREADS=1 python -m benchmarks.engine gives steadier single-threaded figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import timeit
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tui_nn.engine.nn.activations import sigmoid
from tui_nn.engine.nn.datasets import Dataset, load
from tui_nn.engine.nn.network import InitSpec, Network
from tui_nn.engine.nn.training import Trainer
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config


def tutorial(
    x: np.ndarray, y: np.ndarray, hidden: int, scale: float, seed: int, lr: float, epochs: int, with_loss: bool
) -> float:
    """The tutorials' loop (as tui_nn's reproduction test runs it), for any data set and width.

    Returns the last loss computed (NaN without the per-epoch loss), so that work is not dead code.
    """

    def sigmoid(z: np.ndarray) -> np.ndarray:
        return np.asarray(1 / (1 + np.exp(-z)))

    np.random.seed(seed)
    W1 = np.random.randn(2, hidden) * scale
    b1 = np.zeros((1, hidden))
    W2 = np.random.randn(hidden, 1) * scale
    b2 = np.zeros((1, 1))
    m = x.shape[0]
    loss = float("nan")
    for _epoch in range(epochs):
        z1 = np.dot(x, W1) + b1
        a1 = sigmoid(z1)
        z2 = np.dot(a1, W2) + b2
        a2 = sigmoid(z2)
        if with_loss:
            loss = -np.mean(y * np.log(a2) + (1 - y) * np.log(1 - a2))
        dz2 = a2 - y
        dW2 = np.dot(a1.T, dz2) / m
        db2 = np.sum(dz2, axis=0, keepdims=True) / m
        da1 = np.dot(dz2, W2.T)
        dz1 = da1 * a1 * (1 - a1)
        dW1 = np.dot(x.T, dz1) / m
        db1 = np.sum(dz1, axis=0, keepdims=True) / m
        W1 -= lr * dW1
        b1 -= lr * db1
        W2 -= lr * dW2
        b2 -= lr * db2
    return float(loss)


def disc(points: int, seed: int = 7) -> Dataset:
    """`points` uniform points in [−1, 1]², labelled 1 inside the circle of radius 0.6."""
    rng = np.random.RandomState(seed)
    x = rng.uniform(-1.0, 1.0, (points, 2))
    y = (np.hypot(x[:, 0], x[:, 1]) < 0.6).astype(float)[:, None]
    return Dataset(f"disc{points}", x, y)


@dataclass(frozen=True)
class Case:
    name: str
    data: Dataset
    hidden: int
    epochs: int
    lr: float = 1.0
    scale: float = 0.1
    seed: int = 42


def engine_rate(case: Case) -> float:
    net = Network((2, case.hidden, 1), "sigmoid", "bce")
    net.initialise(InitSpec("normal", case.scale), case.seed)
    trainer = Trainer(net, case.data, lr=case.lr)
    start = time.perf_counter()
    result = trainer.run(case.epochs)
    elapsed = time.perf_counter() - start
    assert result.epochs == case.epochs and result.stopped is None, result
    return case.epochs / elapsed


def tutorial_rate(case: Case, with_loss: bool) -> float:
    start = time.perf_counter()
    tutorial(case.data.x, case.data.y, case.hidden, case.scale, case.seed, case.lr, case.epochs, with_loss)
    return case.epochs / (time.perf_counter() - start)


def walk_rates() -> tuple[float, float]:
    """(steps/s walking forward, steps/s stepping back) on the default XOR 2-4-1."""
    session = build(Config(hidden=(4,)))
    stepper = session.stepper
    steps, back = 20_000, 5_000
    start = time.perf_counter()
    for _ in range(steps):
        stepper.step()
    forward = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(back):
        stepper.back()
    return steps / forward, back / (time.perf_counter() - start)


def kernel_choices() -> list[str]:
    """Per-element costs behind the kernel's choices, at XOR's, the tall and the wide shapes."""
    rng = np.random.RandomState(0)
    lines = []
    for shape in ((4, 4), (4, 10_000), (1024, 300)):
        z = rng.randn(*shape)
        a, out, one = rng.rand(*shape), np.empty(shape), np.ones(shape)
        w, d = rng.randn(shape[0], 1), rng.randn(1, shape[1])
        number = max(10, 200_000 // z.size)

        def cost(f: Callable[[], object], number: int = number, size: int = z.size) -> float:
            return min(timeit.repeat(f, number=number, repeat=5)) / number * 1e9 / size

        tanh_form = cost(lambda z=z, out=out, one=one: (np.tanh(z, out), np.add(out, one, out)))
        exp_form = cost(lambda z=z, out=out, one=one: (np.exp(z, out), np.add(out, one, out), np.divide(one, out, out)))
        add_array = cost(lambda a=a, out=out, one=one: np.add(a, one, out))
        add_float = cost(lambda a=a, out=out: np.add(a, 1.0, out))
        outer_dot = cost(lambda w=w, d=d, out=out: w.dot(d, out))
        outer_broadcast = cost(lambda a=a, w=w, d=d, out=out: (np.multiply(a, w, out), np.multiply(out, d, out)))
        # Alternated and medians: what temporaries cost depends on the allocator's state.
        in_place, temporaries = [], []
        for _ in range(7):
            in_place.append(cost(lambda z=z: sigmoid(z)))
            temporaries.append(cost(lambda z=z: 0.5 * np.tanh(0.5 * z) + 0.5))
        lines.append(
            f"{shape[0]:>5} × {shape[1]:<6} activations.sigmoid {statistics.median(in_place):5.2f}"
            f" vs one temporary per step {statistics.median(temporaries):5.2f}"
        )
        lines.append(
            f"{shape[0]:>5} × {shape[1]:<6} sigmoid: tanh+add {tanh_form:5.2f} vs exp+add+divide {exp_form:5.2f}"
            f" · add a constant: array {add_array:5.2f} vs float {add_float:5.2f}"
            f" · W·δ outer: dot {outer_dot:5.2f} vs two broadcasts {outer_broadcast:5.2f}   (ns per element)"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats instead of 7")
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args()
    repeats = args.repeats or (3 if args.quick else 7)
    cases = [
        Case("XOR 2-4-1", load("xor"), 4, 20_000),
        Case("300 points × 1024", load("spiral"), 1024, 150, lr=0.5),
        Case("10,000 points × 4", disc(10_000), 4, 1_500),
    ]
    contenders: list[tuple[str, Callable[[Case], float]]] = [
        ("engine", engine_rate),
        ("tutorial + loss", lambda case: tutorial_rate(case, True)),
        ("tutorial", lambda case: tutorial_rate(case, False)),
    ]
    rates: dict[tuple[str, str], list[float]] = {(c.name, name): [] for c in cases for name, _ in contenders}
    for repeat in range(repeats):
        for case in cases:
            shift = repeat % len(contenders)
            for name, measure in contenders[shift:] + contenders[:shift]:
                rates[case.name, name].append(measure(case))
    walk = [walk_rates() for _ in range(max(1, repeats // 2))]

    load_average = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(f"epochs/s, median of {repeats} interleaved repeats (min–max in brackets); BLAS threads {threads}; load {load_average}")
    print("ratios: of the medians, and [the median of each repeat's own ratio, paired in time]")
    header = f"{'problem':<20}{'engine':>22}{'tutorial + loss':>22}{'tutorial':>22}{'÷ tut + loss':>20}{'÷ tutorial':>18}"
    print(header)
    for case in cases:
        cells, medians = [], []
        for name, _ in contenders:
            values = rates[case.name, name]
            median = statistics.median(values)
            medians.append(median)
            cells.append(f"{median:>10,.0f} ({min(values):,.0f}–{max(values):,.0f})".rjust(22))
        ratios = ""
        for other in (1, 2):
            paired = statistics.median(
                e / t for e, t in zip(rates[case.name, "engine"], rates[case.name, contenders[other][0]], strict=True)
            )
            ratios += f"{medians[0] / medians[other]:.2f}× [{paired:.2f}×]".rjust(20 if other == 1 else 18)
        print(f"{case.name:<20}{''.join(cells)}{ratios}")
    forward = statistics.median(w[0] for w in walk)
    back = statistics.median(w[1] for w in walk)
    print(f"walk, step forward    {forward:>10,.0f} steps/s   ({1e6 / forward:.1f} µs per step)")
    print(f"walk, step back       {back:>10,.0f} steps/s   ({1e6 / back:.1f} µs per step)")
    print("kernel choices (best of 5):")
    for line in kernel_choices():
        print("  " + line)


if __name__ == "__main__":
    main()
