"""Loss chart drawing cost beside Textual's Sparkline, same data, same sizes (a benchmark, not a test).

  python -m benchmarks.losschart        # about 20 seconds

The data is a real run's loss series as the app shows it: XOR 2-2-1 trained 20,000 epochs, the
View's 512 slice means (`loss_series`, `loss_epochs`). Each renderable is drawn from scratch
into width × height cells and turned into Textual Strips through the same Rich Console path
(`Console.render_lines` → `Strip`), as a widget's render does:

- Sparkline: `textual.renderables.sparkline.Sparkline` over log₁₀(loss), `summary_function=max`,
  the colours the old loss pane used (what LossPane drew before the chart).
- chart (console): `LossChartRenderable` through the same Console path.
- chart (direct): `draw_loss_chart` rows → `Strip`, the path the `LossChart` widget takes.

Sizes: 40×10, 52×14 (the loss pane at a 120×40 terminal) and 100×25 (a big terminal). The three
are interleaved in rounds; each figure is the median over rounds of the mean time of one draw in
a batch, in milliseconds, so a busy moment on a shared machine moves one round, not the figure.
"""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable

import numpy as np
from rich.color import Color
from rich.console import Console, RenderableType
from textual.renderables.sparkline import Sparkline
from textual.strip import Strip

from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.engine.session.view import capture
from tui_nn.ui.panes.losschart import LossChartRenderable, draw_loss_chart

SIZES = ((40, 10), (52, 14), (100, 25))
ROUNDS = 15
BATCH = 40


def series() -> tuple[np.ndarray, np.ndarray]:
    session = build(Config())
    session.stepper.trainer.run(20_000)
    view = capture(session.stepper)
    return view.loss_epochs, view.loss_series


def through_console(console: Console, make: Callable[[], RenderableType], width: int, height: int) -> Callable[[], object]:
    options = console.options.update_dimensions(width, height)

    def draw() -> object:
        lines = console.render_lines(make(), options, pad=True)
        return [Strip(line, width) for line in lines]

    return draw


def per_draw_ms(draw: Callable[[], object]) -> float:
    start = time.perf_counter()
    for _ in range(BATCH):
        draw()
    return (time.perf_counter() - start) / BATCH * 1000


def main() -> None:
    epochs, losses = series()
    logged = np.log10(np.clip(losses, 1e-12, None)).tolist()
    console = Console(file=io.StringIO(), width=200, height=80, color_system="truecolor", force_terminal=True)
    print(f"data: {len(losses)} points, epochs {epochs[0]:g} … {epochs[-1]:g}; median of {ROUNDS} rounds of {BATCH} draws")
    print(f"{'size':>8}  {'Sparkline':>10}  {'chart (console)':>15}  {'chart (direct)':>14}  {'speed-up':>8}")
    for width, height in SIZES:
        candidates: dict[str, Callable[[], object]] = {
            "sparkline": through_console(
                console,
                lambda w=width, h=height: Sparkline(
                    logged,
                    width=w,
                    height=h,
                    min_color=Color.parse("#0a3c63"),
                    max_color=Color.parse("#0178d4"),
                    summary_function=max,
                ),
                width,
                height,
            ),
            "console": through_console(console, lambda: LossChartRenderable(epochs, losses), width, height),
            "direct": lambda w=width, h=height: [Strip(row, w) for row in draw_loss_chart(epochs, losses, w, h).rows],
        }
        times: dict[str, list[float]] = {name: [] for name in candidates}
        for _ in range(ROUNDS):
            for name, draw in candidates.items():
                times[name].append(per_draw_ms(draw))
        spark, chart, direct = (statistics.median(times[name]) for name in ("sparkline", "console", "direct"))
        print(f"{width:>4}×{height:<3}  {spark:>8.3f}ms  {chart:>13.3f}ms  {direct:>12.3f}ms  {spark / direct:>7.1f}×")


if __name__ == "__main__":
    main()
