"""Two ways of training one network, timed side by side: the engine's `train` against a tutorial's plain NumPy loop.

`compare` runs them interleaved, in alternating order from one repeat to the next, so load on the machine falls on
both alike, and prints the median epochs/s of the repeats, the fastest and slowest, and the engine's ratio to the
loop. `benchmarks.regression` and `benchmarks.softmax` each give it their two runners.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config

Runner = Callable[[], float]
"""Runs the training once and returns the seconds it took."""


def repeats_from_arguments(description: str) -> int:
    """5 repeats, or 2 with --quick."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="2 repeats instead of 5")
    return 2 if parser.parse_args().quick else 5


def engine_runner(config: Config, epochs: int) -> Runner:
    """`train`'s training of `config`, timed from a built session (building takes no epoch)."""

    def run() -> float:
        session = build(config)
        start = time.perf_counter()
        session.stepper.trainer.run(epochs)
        return time.perf_counter() - start

    return run


def timed(loop: Callable[[], object]) -> Runner:
    """A plain loop as a runner: the seconds a call takes."""

    def run() -> float:
        start = time.perf_counter()
        loop()
        return time.perf_counter() - start

    return run


def compare(title: str, epochs: int, engine: Runner, loop_name: str, loop: Runner, repeats: int) -> dict[str, list[float]]:
    """Time `engine` and `loop` (`epochs` each) `repeats` times, interleaved, print the table; the seconds by name."""
    runners = {"engine": engine, loop_name: loop}
    times: dict[str, list[float]] = {name: [] for name in runners}
    names = list(runners)
    for repeat in range(repeats):
        for name in names if repeat % 2 == 0 else names[::-1]:
            times[name].append(runners[name]())
    rate = {name: epochs / statistics.median(seconds) for name, seconds in times.items()}
    print(f"{title}, {repeats} repeats")
    print(f"{'':<10}{'epochs/s (median)':>20}{'fastest':>12}{'slowest':>12}")
    for name, seconds in times.items():
        print(f"{name:<10}{rate[name]:>20,.0f}{epochs / min(seconds):>12,.0f}{epochs / max(seconds):>12,.0f}")
    print(f"engine / {loop_name}: {rate['engine'] / rate[loop_name]:.2f}×")
    return times
