"""Loss-landscape cost, engine side (a benchmark, not a test).

  python -m benchmarks.landscape                # about half a minute on 2 busy cores
  python -m benchmarks.landscape --only spiral  # one network's figures, no race

For the default XOR 2-2-1, the spiral 2-16-8-1 and spiral3's 2-64-3 softmax, after 200 epochs:
the 64×40 grid of a slice (the two largest gradients: the default; two first-layer weights, the
dearest case, since every layer above them moves; the two last output parameters), of the PCA
plane (every parameter moves: each grid point's own forward pass), and the whole
`View.landscape(64, 40)` record (the grid plus the gradient, the optimizer's next step, the path
and its SVD). Median of 15 of the process's CPU time (what it costs on a core of its own: wall
time on a shared machine mostly measures the neighbours) and of wall time; the load average is
printed beside each network, since the neighbours move both. For scale, the same grid point by
point with `Network.loss_value` (what one vectorised pass replaces), timed on a tenth of the grid.

The race: four entrants on XOR moved 10 (and 100) epochs a step, against the same four trained headless one
after the other in one run each (the cost of lock-step: a `train_epochs` call per entrant per step).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import numpy as np

from tui_nn.engine.nn import landscape as ls
from tui_nn.engine.session import actions as act
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config, defaults_for
from tui_nn.engine.session.controller import Controller

COLUMNS, ROWS = 64, 40
REPEATS = 15


def timed(work: Callable[[], object], repeats: int = REPEATS) -> tuple[float, float]:
    """(CPU, wall) medians in ms."""
    cpu, wall = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        work()
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start)
    return statistics.median(cpu) * 1000, statistics.median(wall) * 1000


def report(name: str, config: Config) -> None:
    c = Controller(build(config))
    for _ in range(4):
        c.view()
        c.apply(act.Train(50))
    view = c.view()
    net, x, y, params = view.net, view.data.x, view.data.y, view.snapshot.params
    _, gradient, _, _ = net.loss_and_gradient(x, y, params)
    last = net.n_params - 1
    pairs = {
        "largest |gradient|": ls.largest_gradients(gradient),
        "two first-layer weights": (net.weight_index(0, 0, 0), net.weight_index(0, 1, 1)),
        "two output parameters": (last - 1, last),
    }
    sizes = "-".join(map(str, net.sizes))
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"{name} {sizes} ({net.n_params} parameters, {view.data.size} rows), {COLUMNS}×{ROWS} grid (load {load}):")
    for label, pair in pairs.items():
        xs = ls.axis_values(float(params[pair[0]]), 1.0, COLUMNS)
        ys = ls.axis_values(float(params[pair[1]]), 1.0, ROWS)
        cpu, wall = timed(lambda pair=pair, xs=xs, ys=ys: ls.slice_losses(net, x, y, params, pair, xs, ys))
        print(f"  slice, {label:26s} {cpu:7.1f} ms CPU, {wall:7.1f} ms wall")
    plane = ls.principal_plane(np.array([p for _, p in c.trail.rows]), params)
    if plane is not None:
        alphas, betas = np.linspace(-1, 1, COLUMNS), np.linspace(-1, 1, ROWS)
        cpu, wall = timed(lambda: ls.plane_losses(net, x, y, params, plane.directions, alphas, betas), 5)
        print(f"  PCA plane (all move)              {cpu:7.1f} ms CPU, {wall:7.1f} ms wall")
    cpu, wall = timed(lambda: view.landscape(COLUMNS, ROWS))
    print(f"  View.landscape(64, 40)            {cpu:7.1f} ms CPU, {wall:7.1f} ms wall")
    a, b = pairs["largest |gradient|"]
    tenth = COLUMNS * ROWS // 10

    def point_by_point() -> None:
        moved = params.copy()
        for k in range(tenth):
            moved[a], moved[b] = params[a] + k * 1e-3, params[b]
            net.loss_value(x, y, moved)

    cpu, _ = timed(point_by_point, 3)
    print(f"  point by point (for scale)        {cpu * 10:7.1f} ms CPU for the whole grid")


def race_report(steps: int, per_step: int) -> None:
    from tui_nn.engine.live.live_run import train_epochs
    from tui_nn.engine.live.race import Race, default_entrants
    from tui_nn.engine.nn.training import Trainer

    session = build(defaults_for("xor"))
    entrants = default_entrants(1.0)

    def race() -> None:
        r = Race(session.net, session.data, entrants, epochs_per_step=per_step)
        for _ in range(steps):
            r.step()

    def alone() -> None:
        for e in entrants:
            train_epochs(
                Trainer(session.net.like(session.net.params.copy()), session.data, e.optimizer, e.lr),
                steps * per_step,
                None,
                None,
            )

    raced, _ = timed(race, 3)
    headless, _ = timed(alone, 3)
    epochs = steps * per_step * len(entrants)
    print(
        f"race, XOR, {len(entrants)} entrants × {steps * per_step} epochs in steps of {per_step}: {epochs / raced * 1000:,.0f} epochs/s CPU; "
        f"headless one run each: {epochs / headless * 1000:,.0f} epochs/s; ratio {headless / raced:.2f}"
    )


NETWORKS = {"xor": "XOR (default)", "spiral": "spiral", "spiral3": "spiral3"}


def main() -> None:
    parser = argparse.ArgumentParser(description="loss-landscape cost, engine side")
    parser.add_argument("--only", choices=sorted(NETWORKS), help="one network's figures, without the race")
    only = parser.parse_args().only
    if only is None:
        race_report(300, 10)
        race_report(30, 100)
    for problem, name in NETWORKS.items():
        if only in (None, problem):
            report(name, defaults_for(problem))


if __name__ == "__main__":
    main()
