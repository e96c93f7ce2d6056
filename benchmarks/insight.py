"""Decision-boundary cost, measured in the running app (a benchmark, not a test).

  python -m benchmarks.insight        # about half a minute

1. Redraw cost of the boundary pane (engine grid + heatmap + strips) at its real size in the
   app at 120×40 and 200×60, for XOR 2-4-1, spiral 2-16-8-1, the saddle's surface (2-8-1) and
   the sine's fit with its 16 unit curves (1-16-1): median of 40 redraws.
2. Live-training epochs/s on XOR 2-4-1 with the boundary pane visible against hidden.
"""

from __future__ import annotations

import asyncio
import statistics
import time

from textual.strip import Strip

from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config, defaults_for
from tui_nn.engine.session.view import capture
from tui_nn.ui.panes.widgets import BoundaryPane
from tui_nn.ui.shell.app import TuiNN


async def redraw_ms(config: Config, size: tuple[int, int]) -> tuple[float, tuple[int, int]]:
    session = build(config)
    session.stepper.run_epochs(200)
    app = TuiNN(session)
    async with app.run_test(size=size) as pilot:
        await pilot.press("v")
        await pilot.pause()
        pane = app.query_one(BoundaryPane)
        view = capture(session.stepper)
        width, height = pane.content_size.width, pane.content_size.height
        times = []
        for _ in range(40):
            start = time.perf_counter()
            rows = pane.draw_rows(view, width, height)
            [Strip(row, width) for row in rows]
            times.append(time.perf_counter() - start)
        return statistics.median(times) * 1000, (width, height)


async def training_rate(show_boundary: bool, seconds: float = 4.0) -> float:
    app = TuiNN(build(Config(hidden=(4,))), target_loss=1e-300)
    async with app.run_test(size=(120, 40)) as pilot:
        if show_boundary:
            await pilot.press("v")
        await pilot.press("T")
        start_epoch, start = app.view.epoch, time.perf_counter()
        await pilot.pause(seconds)
        rate = (app.view.epoch - start_epoch) / (time.perf_counter() - start)
        await pilot.press("T")
        await app.workers.wait_for_complete()
        return rate


async def main() -> None:
    configs = (
        ("XOR 2-4-1", Config(hidden=(4,))),
        ("spiral 2-16-8-1", defaults_for("spiral")),
        ("saddle surface 2-8-1", defaults_for("saddle")),
        ("sine fit 1-16-1", defaults_for("sine")),
    )
    for name, config in configs:
        for size in ((120, 40), (200, 60)):
            ms, pane = await redraw_ms(config, size)
            print(f"boundary redraw, {name}, terminal {size[0]}×{size[1]} (pane {pane[0]}×{pane[1]}): {ms:.2f} ms")
        # at 200×60 all three views share the width; the largest boundary one could ask for:
        session = build(config)
        session.stepper.run_epochs(200)
        pane = BoundaryPane(False)
        view = capture(session.stepper)
        times = []
        for _ in range(40):
            start = time.perf_counter()
            [Strip(row, 198) for row in pane.draw_rows(view, 198, 26)]
            times.append(time.perf_counter() - start)
        print(
            f"boundary redraw, {name}, a full-width 198×26 pane (worst case at 200×60): {statistics.median(times) * 1000:.2f} ms"
        )
    hidden = await training_rate(False)
    visible = await training_rate(True)
    print(
        f"live training XOR 2-4-1: {hidden:,.0f} epochs/s with the boundary hidden, {visible:,.0f} visible; "
        f"ratio {visible / hidden:.2f}"
    )


if __name__ == "__main__":
    asyncio.run(main())
