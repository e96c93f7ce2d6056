"""App speed, measured side by side in one run (a benchmark, not a test).

  python -m benchmarks.app            # about a minute

1. launch → first full frame: `tui-nn xor` vs a bare Textual app with one Static, each a
   fresh process (imports included) that exits right after its first refresh; median of 7.
2. → key-press-to-repaint latency: from the app starting to handle → (engine step, panes
   updated) to the end of the screen refresh that paints it; median of 300.
3. live training with the UI running, epochs/s, as a ratio of the headless engine on XOR 2-2-1.
4. frames drawn per second during live training.
5. resident memory after 1,000,000 live epochs, against the start.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time

from textual.screen import Screen

from tui_nn.engine.config import Config
from tui_nn.engine.session import build
from tui_nn.ui.app import TuiNN

BARE = """
import time; start = time.perf_counter()
from textual.app import App
from textual.widgets import Static
class Bare(App):
    def compose(self):
        yield Static("hello")
    def on_mount(self):
        self.call_after_refresh(self.exit)
Bare().run(headless=True, size=(120, 40))
"""

TUI_NN = """
import time; start = time.perf_counter()
from tui_nn.engine.config import Config
from tui_nn.engine.session import build
from tui_nn.ui.app import TuiNN
class Timed(TuiNN):
    def on_mount(self):
        super().on_mount()
        self.call_after_refresh(self.exit)
Timed(build(Config())).run(headless=True, size=(120, 40))
"""


def launch_seconds(code: str, repeats: int = 7) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class _Timed(TuiNN):
    """Marks when → starts being handled; the next finished screen refresh ends the measurement."""

    started: float | None = None
    painted: list[float] = []

    def action_next(self) -> None:
        _Timed.started = time.perf_counter()
        super().action_next()


def _watch_paints() -> None:
    original = Screen._compositor_refresh

    def timed(screen: Screen) -> None:
        original(screen)
        if _Timed.started is not None:
            _Timed.painted.append(time.perf_counter() - _Timed.started)
            _Timed.started = None

    Screen._compositor_refresh = timed  # type: ignore[method-assign]


async def in_app_measurements() -> dict[str, float]:
    results: dict[str, float] = {}
    _watch_paints()
    app = _Timed(build(Config()), target_loss=1e-300)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(300):
            await pilot.press("right")
            await pilot.pause(0.02)
        results["latency_ms"] = statistics.median(_Timed.painted) * 1000
        await pilot.press("r")

        rss_start = rss_mb()
        frames_before, epoch_before = app.frames, app.stepper.epoch
        start = time.perf_counter()
        await pilot.press("T")
        await pilot.pause(5.0)
        elapsed = time.perf_counter() - start
        results["ui_epochs_per_s"] = (app.view.epoch - epoch_before) / elapsed
        results["fps"] = (app.frames - frames_before) / elapsed
        while app.view.epoch < 1_000_000:
            await pilot.pause(0.5)
        await pilot.press("T")
        await app.workers.wait_for_complete()
        await pilot.pause()
        results["epochs_at_stop"] = app.stepper.epoch
        results["rss_start_mb"] = rss_start
        results["rss_after_mb"] = rss_mb()
        results["history_kb"] = app.stepper.history.nbytes / 1024
    return results


def headless_epochs_per_s(seconds: float = 3.0) -> float:
    session = build(Config())
    trainer = session.stepper.trainer
    start, epochs = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        epochs += trainer.run(2000).epochs
    return epochs / (time.perf_counter() - start)


def main() -> None:
    bare = launch_seconds(BARE)
    ours = launch_seconds(TUI_NN)
    print(f"launch → first frame: tui-nn {ours * 1000:.0f} ms, bare Textual app {bare * 1000:.0f} ms, ratio {ours / bare:.2f}")
    headless = headless_epochs_per_s()
    results = asyncio.run(in_app_measurements())
    print(f"→ key to repaint (median of 300): {results['latency_ms']:.1f} ms")
    print(
        f"live training with the UI: {results['ui_epochs_per_s']:,.0f} epochs/s; headless engine {headless:,.0f} epochs/s; "
        f"ratio {results['ui_epochs_per_s'] / headless:.2f}"
    )
    print(f"frames drawn per second while training: {results['fps']:.1f}")
    print(
        f"memory: {results['rss_start_mb']:.1f} MB at the start of training, {results['rss_after_mb']:.1f} MB after "
        f"{results['epochs_at_stop']:,.0f} live epochs (+{results['rss_after_mb'] - results['rss_start_mb']:.1f} MB; "
        f"history {results['history_kb']:.0f} kB)"
    )


if __name__ == "__main__":
    main()
