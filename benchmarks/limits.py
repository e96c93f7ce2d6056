"""The cost of the largest network and data set the limits allow (a benchmark, not a test).

  python -m benchmarks.limits        # about a minute

The slowest thing the app does on one key is finishing a pass (`e`, or `t` from mid-pass):
Stepper.finish_pass computes every micro-step of every sample in pure Python. Its cost grows
with points × micro-steps per sample, so the worst case is MAX_POINTS points and the
architecture within the limits with the most micro-steps per sample, found here by search.
For it, and for a wide and a deep network within the limits, this prints the median and
worst of 5 finish_pass runs per activation, Trainer.run epochs/s, and the median of 5 boundary
redraws (output_grid over a 198×104-pixel pane, the largest the app draws).
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from tui_nn.engine.nn import insight
from tui_nn.engine.nn.datasets import Dataset
from tui_nn.engine.nn.network import InitSpec, Network
from tui_nn.engine.session.config import MAX_HIDDEN_LAYERS, MAX_PARAMS, MAX_POINTS, MAX_UNITS, n_parameters
from tui_nn.engine.walk.arithmetic import sample_step_count
from tui_nn.engine.walk.stepper import Stepper


def worst_sizes() -> tuple[int, ...]:
    """The 2-…-1 network within the limits with the most micro-steps per sample (depth-first search)."""
    best: tuple[int, tuple[int, ...]] = (0, (2, 1))

    def search(hidden: tuple[int, ...]) -> None:
        nonlocal best
        sizes = (2, *hidden, 1)
        if n_parameters(sizes) <= MAX_PARAMS:
            best = max(best, (sample_step_count(sizes), sizes))
        if len(hidden) == MAX_HIDDEN_LAYERS:
            return
        for units in range(1, MAX_UNITS + 1):
            if n_parameters((2, *hidden, units)) > MAX_PARAMS:
                break  # the partial network alone is over: wider is worse
            search((*hidden, units))

    search(())
    return best[1]


def points(n: int) -> Dataset:
    rng = np.random.RandomState(0)
    x = rng.randn(n, 2)
    return Dataset("random", x, (x[:, 0] * x[:, 1] > 0).astype(np.float64).reshape(-1, 1))


def finish_pass_ms(net: Network, data: Dataset, optimizer: str, runs: int = 5) -> tuple[float, float, int]:
    times, total = [], 0
    for _ in range(runs):
        stepper = Stepper(net.copy(), data, optimizer, 0.01, None, 1)
        total = stepper.current.total
        start = time.perf_counter()
        stepper.finish_pass()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, max(times) * 1000, total


def main() -> None:
    data = points(MAX_POINTS)
    worst = worst_sizes()
    wide = (2, MAX_UNITS, 4, 1)
    deep = (2, *(11,) * MAX_HIDDEN_LAYERS, 1)
    print(f"limits: {MAX_HIDDEN_LAYERS} hidden layers, {MAX_UNITS} units, {MAX_PARAMS} parameters, {MAX_POINTS} points")
    for sizes in (worst, wide, deep):
        shape = "-".join(map(str, sizes))
        print(f"{shape}: {n_parameters(sizes)} parameters, {sample_step_count(sizes)} micro-steps per sample")
        for activation, loss, optimizer in (("sigmoid", "mse", "adam"), ("tanh", "bce", "sgd"), ("relu", "bce", "momentum")):
            net = Network(sizes, activation, loss)
            net.initialise(InitSpec("xavier"), 1)
            median, worst_ms, total = finish_pass_ms(net, data, optimizer)
            trainer = Stepper(net.copy(), data, optimizer, 0.01, None, 1).trainer
            start = time.perf_counter()
            trainer.run(200)
            rate = 200 / (time.perf_counter() - start)
            extent = insight.data_extent(data)
            grid_times = []
            for _ in range(5):
                start = time.perf_counter()
                insight.output_grid(net, net.params, extent, 198, 104)
                grid_times.append(time.perf_counter() - start)
            grid_ms = statistics.median(grid_times) * 1000
            print(
                f"  {activation:<7} {loss} {optimizer:<8} finish_pass of {total:,} steps: median {median:.0f} ms, "
                f"worst {worst_ms:.0f} ms · {rate:,.0f} epochs/s · boundary {grid_ms:.1f} ms"
            )


if __name__ == "__main__":
    main()
