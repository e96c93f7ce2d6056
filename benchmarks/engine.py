"""Engine speed, side by side in one run (a benchmark, not a test).

  python -m benchmarks.engine

1. epochs/s of the engine's vectorised full-batch training on XOR 2-4-1,
2. epochs/s of the plain tutorial NumPy loop (tui_nn.engine.reference) on the same problem,
3. micro-steps/s of the step-through walk (records generated and applied), and the cost of
   one step back.
Each figure is the best of several repeats, to keep other load on the machine out of it.
"""

from __future__ import annotations

import statistics
import time

from tui_nn.engine.config import Config
from tui_nn.engine.datasets import load
from tui_nn.engine.network import InitSpec, Network
from tui_nn.engine.reference import tutorial_xor
from tui_nn.engine.session import build
from tui_nn.engine.training import Trainer

EPOCHS = 20_000
REPEATS = 5


def engine_rate() -> float:
    net = Network((2, 4, 1))
    net.initialise(InitSpec("normal", 0.1), 42)
    trainer = Trainer(net, load("xor"), lr=1.0)
    start = time.perf_counter()
    trainer.run(EPOCHS)
    return EPOCHS / (time.perf_counter() - start)


def tutorial_rate() -> float:
    start = time.perf_counter()
    tutorial_xor(hidden=4, scale=0.1, seed=42, lr=1.0, epochs=EPOCHS, every=1000)
    return EPOCHS / (time.perf_counter() - start)


def walk_rates() -> tuple[float, float, float]:
    """(steps/s walking forward, steps/s stepping back, µs per step forward)."""
    session = build(Config(hidden=(4,)))
    stepper = session.stepper
    steps = 20_000
    start = time.perf_counter()
    for _ in range(steps):
        stepper.step()
    forward = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(5_000):
        stepper.back()
    backward = time.perf_counter() - start
    return steps / forward, 5_000 / backward, forward / steps * 1e6


def main() -> None:
    engine, tutorial, walk, back = [], [], [], []
    for _ in range(REPEATS):
        engine.append(engine_rate())
        tutorial.append(tutorial_rate())
        forward, backward, _ = walk_rates()
        walk.append(forward)
        back.append(backward)
    best_engine, best_tutorial = max(engine), max(tutorial)
    print(f"XOR 2-4-1, full batch, {EPOCHS} epochs, best of {REPEATS} (median in brackets)")
    print(f"engine (vectorised)   {best_engine:>10,.0f} epochs/s  ({statistics.median(engine):,.0f})")
    print(f"tutorial NumPy loop   {best_tutorial:>10,.0f} epochs/s  ({statistics.median(tutorial):,.0f})")
    print(
        f"ratio                 {best_engine / best_tutorial:>10.2f}x     ({statistics.median(engine) / statistics.median(tutorial):.2f}x)"
    )
    print(f"walk, step forward    {max(walk):>10,.0f} steps/s   ({1e6 / max(walk):.1f} µs per step)")
    print(f"walk, step back       {max(back):>10,.0f} steps/s   ({1e6 / max(back):.1f} µs per step)")


if __name__ == "__main__":
    main()
