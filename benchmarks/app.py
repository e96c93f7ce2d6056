"""What a user of the app sees, measured side by side in one run (a benchmark, not a test).

  python -m benchmarks.app                     # everything, about ten minutes on 2 busy cores
  python -m benchmarks.app --only pty          # everything measured in a real pty
  python -m benchmarks.app --only live,panes --seconds 3

Sections (--only takes any of them, comma-separated; `pty` = launch,keys,live-pty):

launch     Launch → first full frame, in a real pseudo-terminal of 120×40 (benchmarks.pty_harness,
           TERM=xterm-256color): `python -m tui_nn xor` vs benchmarks/bare_textual.py (a bare
           Textual app with one Static) and, for the floor NumPy sets, the same bare app importing
           numpy and numpy.random first; each a fresh process, alternated A B C C B A. tui_nn's
           bytecode is compiled first, as pip does when it installs a package (a checkout run with
           PYTHONDONTWRITEBYTECODE compiles every module at every launch; --uncompiled measures
           that instead). The first full
           frame is the arrival of the last byte before the output has been quiet for 150 ms, once
           the alternate screen is on, half a screen of bytes has followed it and one synchronized
           frame has ended. The app is then quit with q.
keys       → key to paint in a real pty at 120×40 and 200×60: the right-arrow escape sequence
           written to the pty, timed to the last byte of the repaint (quiet for 150 ms, the wait
           not counted), presses alternating between tui-nn and the bare app (whose → updates its
           Static). Refreshes per key are counted exactly from the synchronized-output frames; bursts
           are runs of output with gaps under 5 ms.
live       Live training with the UI ÷ headless, epochs/s, in-process (App.run_test at the size,
           pace max, target loss 1e-300 so it never stops): epochs trained over --seconds after
           training has run for 0.5 s, frames per second from app.frames, CPU of the process, of
           its busiest non-UI thread (the training worker) and of the training process (when it
           trains there) per second of wall time. Headless: the
           same network built afresh, trainer.run in slices for the same time, alternated with the
           live runs in the same process.
live-pty   The same as the user sees it: `python -m tui_nn PROBLEM --target-loss 1e-300` in a real
           pty, ] until pace max, T, then the epoch read from the status line of every frame drawn;
           frames per second are synchronized frames; CPU of the process and of its children (the
           training process) from /proc. Headless runs
           in this process, alternated.
panes      Where a frame's time goes, in-process: Textual's own calls timed as they happen (no
           extra rendering): each widget's render (StylesCache.render_widget, grouped by pane),
           the layout, the whole refresh, app.draw (widgets updated from a View), the engine's
           action for a key, and the escape-sequence encoding of each update (done here on the side,
           since run_test writes nothing: it is the cost a real terminal adds). Per frame during live
           training and per → key, both sizes, both data sets.
undo       Undo memory walking the spiral: RSS of a fresh process after 100k and 200k micro-steps
           (stepper.step() in a loop, headless), against its RSS before the first step.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.pty_harness import ALT_SCREEN, SYNC_END, PtyProcess, Response, screen_rows

ROOT = Path(__file__).resolve().parent.parent
BARE_SCRIPT = str(Path(__file__).resolve().parent / "bare_textual.py")
SIZES = ((120, 40), (200, 60))
PROBLEMS = ("xor", "spiral")
NETWORK = {"xor": "XOR 2-2-1", "spiral": "spiral 2-16-8-1"}
QUIET = 0.150
RIGHT = b"\x1b[C"
SECTIONS = ("launch", "keys", "live", "live-pty", "panes", "undo")
BEFORE_TRAINING: tuple[str, ...] = ()  # keys pressed before T in the live sections (--view), e.g. l: the landscape open


# --- small statistics --------------------------------------------------------------------------


def med(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def spread(values: Sequence[float], scale: float = 1.0, fmt: str = ".1f") -> str:
    """'median (min–max)' of `values` × scale."""
    if not values:
        return "—"
    return f"{med(values) * scale:{fmt}} ({min(values) * scale:{fmt}}–{max(values) * scale:{fmt}})"


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} (1 / 5 min) on {os.cpu_count()} cores"


@dataclass
class Row:
    """One line of the final table."""

    measurement: str
    figure: str
    target: str


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, measurement: str, figure: str, target: str = "") -> None:
        self.rows.append(Row(measurement, figure, target))
        print(f"  {measurement}: {figure}" + (f"   [target {target}]" if target else ""), flush=True)

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  note: {text}", flush=True)

    def table(self) -> str:
        header = ("measurement", "figure: median (min–max)", "target")
        widths = [max(len(header[i]), *(len((r.measurement, r.figure, r.target)[i]) for r in self.rows)) for i in range(3)]
        lines = [
            "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |",
            "|" + "|".join("-" * (w + 2) for w in widths) + "|",
        ]
        for r in self.rows:
            cells = (r.measurement, r.figure, r.target)
            lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |")
        return "\n".join(lines)


# --- 1. launch → first full frame (real pty) -----------------------------------------------------


def tui_nn_argv(problem: str = "xor", *extra: str) -> list[str]:
    return [sys.executable, "-m", "tui_nn", problem, *extra]


def bare_argv(*extra: str) -> list[str]:
    return [sys.executable, BARE_SCRIPT, *extra]


def whole_screen(cols: int, rows: int) -> Callable[[bytes], bool]:
    """The first screen is there: alternate screen on, half a screen of bytes since, a frame ended."""

    def ready(data: bytes) -> bool:
        at = data.find(ALT_SCREEN)
        return at >= 0 and len(data) - at >= cols * rows // 2 and SYNC_END in data[at:]

    return ready


def launch(argv: list[str], cols: int, rows: int) -> tuple[PtyProcess, Response]:
    app = PtyProcess(argv, cols, rows, cwd=str(ROOT))
    first = app.respond(app.started, QUIET, deadline=60, ready=whole_screen(cols, rows))
    if first.timed_out:
        tail = first.data[-300:]
        app.close()
        raise RuntimeError(f"{' '.join(argv)} drew no full screen within 60 s; last output: {tail!r}")
    return app, first


LAUNCHED = {"tui-nn": tui_nn_argv, "bare": bare_argv, "bare+numpy": lambda: bare_argv("--numpy")}


def compile_tui_nn() -> None:
    """tui_nn's bytecode, as an installed copy has it (pip compiles what it installs); Textual's and
    NumPy's are already in site-packages. Only a module newer than its bytecode is compiled again."""
    done = subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "tui_nn")], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"compiling tui_nn failed: {done.stdout}{done.stderr}")


def measure_launch(report: Report, repeats: int, compiled: bool = True) -> None:
    if compiled:
        compile_tui_nn()
    state = "tui_nn compiled" if compiled else "tui_nn from source"
    print(
        f"\n[launch] launch → first full frame, 120×40 pty, {repeats} of each, A B C C B A, {state} ({load_average()})",
        flush=True,
    )
    names = list(LAUNCHED)
    times: dict[str, list[float]] = {name: [] for name in names}
    first_paint: dict[str, list[float]] = {name: [] for name in names}
    frames: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    order = [names, names[::-1]]
    for k in range(repeats):
        for name in order[k % 2]:
            app, first = launch(LAUNCHED[name](), 120, 40)
            cpu[name].append(app.cpu_seconds())  # read 150 ms after the last byte, the process idle since
            times[name].append(first.last_byte)
            ends = first.frame_ends()
            first_paint[name].append(ends[0] if ends else first.last_byte)
            frames[name].append(first.refreshes)
            app.close()
    ours, bare, floor = med(times["tui-nn"]), med(times["bare"]), med(times["bare+numpy"])
    report.add(f"launch → first full frame, tui-nn xor, 120×40 pty ({state})", spread(times["tui-nn"], 1000, ".0f") + " ms")
    report.add("launch → first full frame, bare Textual + Static", spread(times["bare"], 1000, ".0f") + " ms")
    report.add("launch → first full frame, the bare app importing numpy first", spread(times["bare+numpy"], 1000, ".0f") + " ms")
    report.add("startup ratio tui-nn ÷ bare (ratio of medians)", f"{ours / bare:.2f}×", "≤ 1.5× (goal 1.2×), issue 22")
    report.add(
        "  NumPy's floor: bare+numpy ÷ bare; tui-nn ÷ bare+numpy",
        f"{floor / bare:.2f}×; {ours / floor:.2f}× (CPU {med(cpu['bare+numpy']) / med(cpu['bare']):.2f}×; {med(cpu['tui-nn']) / med(cpu['bare+numpy']):.2f}×)",
    )
    report.add(
        "  end of the first synchronized frame, tui-nn / bare",
        f"{spread(first_paint['tui-nn'], 1000, '.0f')} / {spread(first_paint['bare'], 1000, '.0f')} ms; "
        f"frames until quiet {med(frames['tui-nn']):.0f} / {med(frames['bare']):.0f}",
    )
    report.add(
        "  CPU until the first full frame, tui-nn / bare (less sensitive to other load)",
        f"{spread(cpu['tui-nn'], 1000, '.0f')} / {spread(cpu['bare'], 1000, '.0f')} ms; ratio {med(cpu['tui-nn']) / med(cpu['bare']):.2f}×",
    )
    measure_startup_stages(report, max(repeats // 2, 3))


STARTUP_STAGES = """
import json, time
t = [time.perf_counter()]
import textual.app, textual.widgets
textual.widgets.Static
t.append(time.perf_counter())
import numpy, numpy.random
t.append(time.perf_counter())
import tui_nn.cli.commands
t.append(time.perf_counter())
from tui_nn.engine.session.config import Config
from tui_nn.engine.session.build import build
build(Config())
t.append(time.perf_counter())
import tui_nn.ui.shell.app
t.append(time.perf_counter())
print(json.dumps([b - a for a, b in zip(t, t[1:])]))
"""
STAGE_NAMES = (
    "import textual.app + Static (the bare app's too)",
    "import numpy + numpy.random",
    "import tui_nn.cli.commands (the engine)",
    "build the session",
    "import tui_nn.ui.shell.app",
)


def measure_startup_stages(report: Report, repeats: int) -> None:
    """Where tui-nn's extra startup goes, in fresh processes (imports in the order the app needs them)."""
    stages: list[list[float]] = [[] for _ in STAGE_NAMES]
    for _ in range(repeats):
        done = subprocess.run([sys.executable, "-c", STARTUP_STAGES], cwd=ROOT, capture_output=True, text=True, check=True)
        for k, seconds in enumerate(json.loads(done.stdout)):
            stages[k].append(seconds)
    report.add(
        "  startup stages in a fresh process (ms)",
        "; ".join(f"{name} {med(times) * 1000:.0f}" for name, times in zip(STAGE_NAMES, stages, strict=True)),
    )


# --- 2. → key to paint (real pty) ------------------------------------------------------------------


KEY_CASES = (("xor", SIZES[0]), ("xor", SIZES[1]), ("spiral3", SIZES[0]))
"""XOR at both sizes, and a softmax net (spiral3 2-64-3, the case study) at 120×40: its walk has the
most steps per sample (the K exponentials, their sum, the K probabilities)."""


def measure_keys(report: Report, presses: int) -> None:
    for problem, (cols, rows) in KEY_CASES:
        print(
            f"\n[keys] {problem}: → key to paint, {cols}×{rows} pty, {presses} presses each, alternating ({load_average()})",
            flush=True,
        )
        apps = {"tui-nn": launch(tui_nn_argv(problem), cols, rows)[0], "bare": launch(bare_argv(), cols, rows)[0]}
        responses: dict[str, list[Response]] = {name: [] for name in apps}
        cpu_before = {name: app.cpu_seconds() for name, app in apps.items()}
        try:
            for _ in range(presses):
                for name, app in apps.items():
                    responses[name].append(app.respond(app.send(RIGHT), QUIET, deadline=10))
            cpu = {name: (app.cpu_seconds() - cpu_before[name]) / presses for name, app in apps.items()}
        finally:
            for app in apps.values():
                app.close(b"qq")  # (after an epoch of steps the first q says it is not saved)
        for name, got in responses.items():
            timed_out = sum(r.timed_out for r in got)
            if timed_out:
                report.note(f"{name} at {cols}×{rows}: {timed_out} of {len(got)} presses drew nothing within 10 s")
        ours = [r.last_byte for r in responses["tui-nn"] if not r.timed_out]
        bare = [r.last_byte for r in responses["bare"] if not r.timed_out]
        refreshes = [r.refreshes for r in responses["tui-nn"]]
        bursts = [r.bursts for r in responses["tui-nn"]]
        size = f"{cols}×{rows}" if problem == "xor" else f"{cols}×{rows}, {problem}"
        report.add(f"→ key to last byte of the repaint, tui-nn, {size}", spread(ours, 1000) + " ms")
        report.add(f"→ key to last byte, bare Textual app, {size}", spread(bare, 1000) + " ms")
        report.add(f"→ key ratio tui-nn ÷ bare, {size} (medians)", f"{med(ours) / med(bare):.1f}×", "≤ 3×, issue 15")
        more = sum(r > 1 for r in refreshes)
        report.add(
            f"refreshes per → key, tui-nn, {size}",
            f"{med(refreshes):.0f} ({min(refreshes)}–{max(refreshes)}); {more} of {len(refreshes)} keys > 1; "
            f"bursts {med(bursts):.0f} ({min(bursts)}–{max(bursts)}); "
            f"{med([len(r.data) for r in responses['tui-nn']]) / 1024:.1f} kB a key",
            "one refresh per key, issue 15",
        )
        report.add(
            f"  CPU per → key (tui-nn / bare), {size}",
            f"{cpu['tui-nn'] * 1000:.1f} / {cpu['bare'] * 1000:.1f} ms; ratio {cpu['tui-nn'] / cpu['bare']:.1f}× "
            "(process CPU over all presses ÷ presses: less sensitive to other load)",
        )
        report.add(
            f"  first byte after → (tui-nn / bare), {size}",
            f"{spread([r.first_byte for r in responses['tui-nn']], 1000)} / {spread([r.first_byte for r in responses['bare']], 1000)} ms",
        )


# --- 3. live training: in-process with the UI, and headless -----------------------------------------


def config_for(problem: str) -> Any:
    from tui_nn.engine.session.config import defaults_for

    return defaults_for(problem)


def headless_rate(problem: str, seconds: float) -> tuple[float, float]:
    """(epochs/s, CPU seconds per wall second) of the engine alone on a freshly built network,
    trained in slices for `seconds`: the CPU share shows how much the machine's other load took."""
    from tui_nn.engine.session.build import build

    trainer = build(config_for(problem)).stepper.trainer
    slice_epochs = 256
    start, cpu, epochs = time.perf_counter(), process_cpu(), 0
    while (elapsed := time.perf_counter() - start) < seconds:
        done = trainer.run(slice_epochs).epochs
        epochs += done
        if done < slice_epochs:  # the engine stopped by itself (divergence): not a speed figure
            break
        if elapsed < 0.05:
            slice_epochs *= 2
    wall = time.perf_counter() - start
    return epochs / wall, (process_cpu() - cpu) / wall


def thread_cpu() -> dict[int, float]:
    """CPU seconds per thread of this process (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    result = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            result[int(tid)] = (int(fields[11]) + int(fields[12])) / tick
        except OSError:
            pass
    return result


def process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class LiveRun:
    epochs_per_s: float
    fps: float
    process_cores: float  # CPU seconds of the whole process per wall second
    ui_thread: float  # the main thread (Textual's event loop)
    other_thread: float  # the busiest other thread (the training worker)
    training_process: float = 0.0  # the training process (tui_nn.engine.live.remote), when it trains
    landscape_fps: float = 0.0  # paints per second of the loss landscape pane, when it is shown


async def live_in_app(problem: str, size: tuple[int, int], seconds: float) -> LiveRun:
    from tui_nn.engine.session.build import build
    from tui_nn.ui.panes.landscape import LandscapePane
    from tui_nn.ui.shell.app import TuiNN

    app = TuiNN(build(config_for(problem)), pace=None, target_loss=1e-300)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press(*BEFORE_TRAINING, "T")
        await pilot.pause(0.5)
        trainer = app.controller.stepper.trainer
        child = app.live.process_id if app.live is not None else None
        landscape = app.query_one(LandscapePane)
        paints0 = landscape.paints
        epoch0, frames0, cpu0, threads0 = trainer.epoch, app.frames, process_cpu(), thread_cpu()
        child0 = pid_cpu(child)
        start = time.perf_counter()
        await pilot.pause(seconds)
        wall = time.perf_counter() - start
        epoch1, frames1, cpu1, threads1 = trainer.epoch, app.frames, process_cpu(), thread_cpu()
        child1 = pid_cpu(child)
        landscape_fps = (landscape.paints - paints0) / wall if landscape.display else 0.0
        if not app.training:
            raise RuntimeError(f"live training of {problem} stopped by itself during the measurement: {app.message}")
        await pilot.press("T")
        await app.workers.wait_for_complete()
        await pilot.pause()
    main = threading.main_thread().native_id
    used = {tid: threads1[tid] - threads0.get(tid, 0.0) for tid in threads1}
    ui = used.pop(main, 0.0) if main is not None else 0.0
    other = max(used.values(), default=0.0)
    return LiveRun(
        (epoch1 - epoch0) / wall,
        (frames1 - frames0) / wall,
        (cpu1 - cpu0) / wall,
        ui / wall,
        other / wall,
        (child1 - child0) / wall,
        landscape_fps,
    )


def pid_cpu(pid: int | None) -> float:
    """CPU seconds of process `pid` so far (0 for None or a process that is gone)."""
    if pid is None:
        return 0.0
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_live(report: Report, repeats: int, seconds: float) -> None:
    for problem in PROBLEMS:
        for size in SIZES:
            cols, rows = size
            print(
                f"\n[live] {NETWORK[problem]} at {cols}×{rows}, {repeats} × ({seconds:g} s live + {seconds:g} s headless)",
                flush=True,
            )
            live: list[LiveRun] = []
            headless: list[tuple[float, float]] = []
            for k in range(repeats):
                for run_live in (True, False) if k % 2 == 0 else (False, True):
                    if run_live:
                        live.append(asyncio.run(live_in_app(problem, size, seconds)))
                    else:
                        headless.append(headless_rate(problem, seconds))
                    gc.collect()
            print(f"  ({load_average()})", flush=True)
            live_rows(report, f"{NETWORK[problem]}, {cols}×{rows}", "", live, headless, LIVE_TARGETS[(problem, size)])


def live_rows(
    report: Report, name: str, where: str, live: list[LiveRun], headless: list[tuple[float, float]], target: str
) -> None:
    rates = [r.epochs_per_s for r in live]
    alone = [rate for rate, _ in headless]
    ratios = [r.epochs_per_s / h for r, h in zip(live, alone, strict=True)]
    report.add(
        f"live ÷ headless epochs/s{where}, {name}",
        f"{med(rates) / med(alone):.2f} at {med([r.fps for r in live]):.1f} fps "
        f"(pairs {min(ratios):.2f}–{max(ratios):.2f}; live {med(rates):,.0f}, headless {med(alone):,.0f} epochs/s)",
        target,
    )
    if any(r.landscape_fps for r in live):
        report.add(
            f"  loss landscape paints per second{where}, {name}", f"{med([r.landscape_fps for r in live]):.1f}", "≥ 10, issue 25"
        )
    child = med([r.training_process for r in live])
    report.add(
        f"  cores while training{where}, {name}",
        f"live: app process {med([r.process_cores for r in live]):.2f} = UI thread {med([r.ui_thread for r in live]):.2f} "
        f"+ training worker thread {med([r.other_thread for r in live]):.2f} (+ rest)"
        + (f"; training process {child:.2f}" if child else "")
        + f"; headless {med([c for _, c in headless]):.2f}",
    )


LIVE_TARGETS = {
    ("xor", (120, 40)): "≥ 0.9 at ≥ 25 fps, issue 15",
    ("xor", (200, 60)): "≥ 0.8 at ≥ 25 fps, issue 15",
    ("spiral", (120, 40)): "≥ 0.8 at ≥ 20 fps, issue 15",
    ("spiral", (200, 60)): "≥ 0.7 at ≥ 20 fps, issue 15",
}


# --- 3b. live training in a real pty -----------------------------------------------------------------


def status_epochs(response: Response, rows: int) -> list[tuple[float, int]]:
    """(seconds since the trigger, epoch shown) for every synchronized frame that redrew the status line."""
    import re

    epoch = re.compile(r"\bepoch ([\d,]+)")
    found, frame = [], b""
    for chunk in response.chunks:
        frame += chunk.data
        while SYNC_END in frame:
            done, frame = frame.split(SYNC_END, 1)
            status = screen_rows(done).get(rows - 2, "")
            match = epoch.search(status)
            if match:
                found.append((chunk.at - response.trigger, int(match.group(1).replace(",", ""))))
    return found


def live_in_pty(problem: str, size: tuple[int, int], seconds: float) -> tuple[LiveRun, int]:
    """(the run, frames in the window whose status line could not be read)."""
    cols, rows = size
    app, _ = launch(tui_nn_argv(problem, "--target-loss", "1e-300"), cols, rows)
    try:
        for _ in range(len(PACE_LADDER_STEPS)):
            app.respond(app.send(b"]"), 0.05, deadline=5)
        for key in BEFORE_TRAINING:
            app.respond(app.send(key.encode()), 0.15, deadline=5)
        started = app.send(b"T")
        warm = app.respond(started, 0.5, deadline=0.5)  # output never goes quiet while training: runs out the 0.5 s
        start, cpu0, threads0 = time.perf_counter(), app.cpu_seconds(), app.thread_cpu()  # (cpu_seconds: with children)
        window = app.respond(start, seconds + 1, deadline=seconds)
        wall, cpu1, threads1 = time.perf_counter() - start, app.cpu_seconds(), app.thread_cpu()
        del warm
    finally:
        app.close(b"qq")  # the first q says the training is not saved; the second quits
    shown = status_epochs(window, rows)
    frames = len(window.frame_ends())
    if len(shown) < 2:
        raise RuntimeError(f"could not read the epoch from the status line of {problem} at {cols}×{rows}")
    (t0, e0), (t1, e1) = shown[0], shown[-1]
    used = {tid: threads1[tid] - threads0.get(tid, 0.0) for tid in threads1}
    own = sum(used.values())  # the app process's threads; the rest of cpu_seconds is its children's
    ui = used.pop(app.pid, 0.0)
    other = max(used.values(), default=0.0)
    children = max(cpu1 - cpu0 - own, 0.0)
    run = LiveRun((e1 - e0) / (t1 - t0), frames / wall, own / wall, ui / wall, other / wall, children / wall)
    return run, frames - len(shown)


PACE_LADDER_STEPS = range(6)  # ] presses from the default pace (500/s) past max, which is the last rung


def measure_live_pty(report: Report, repeats: int, seconds: float) -> None:
    for problem in PROBLEMS:
        for size in SIZES:
            cols, rows = size
            print(f"\n[live-pty] {NETWORK[problem]} at {cols}×{rows} in a real pty, {repeats} × {seconds:g} s", flush=True)
            live: list[LiveRun] = []
            headless: list[tuple[float, float]] = []
            unread = 0
            for k in range(repeats):
                if k % 2:
                    headless.append(headless_rate(problem, seconds))
                run, missed = live_in_pty(problem, size, seconds)
                live.append(run)
                unread += missed
                if not k % 2:
                    headless.append(headless_rate(problem, seconds))
            print(f"  ({load_average()})", flush=True)
            name = f"{NETWORK[problem]}, {cols}×{rows}"
            live_rows(report, name, " (real pty)", live, headless, LIVE_TARGETS[(problem, size)])
            if unread:
                report.note(f"live-pty {name}: {unread} frames did not redraw the status line (not counted for epochs)")


# --- 4. per-pane render cost -------------------------------------------------------------------------


@dataclass
class Frame:
    """One screen refresh (Screen._on_timer_update that rendered): CPU seconds of the UI thread per part."""

    wall: float = 0.0
    cpu: float = 0.0
    layout: float = 0.0
    encode: float = 0.0
    encoded_bytes: int = 0
    rendered: bool = False
    panes: dict[str, float] = field(default_factory=lambda: defaultdict(float))


class Probe:
    """Times Textual's and the app's own calls as they happen, grouped into frames."""

    def __init__(self) -> None:
        self.frames: list[Frame] = []
        self.current: Frame | None = None
        self.draws: list[float] = []
        self.applies: list[float] = []
        self.captures: list[float] = []
        self.labels: dict[int, str] = {}

    def label(self, widget: Any) -> str:
        """The pane a widget belongs to: its outermost bordered ancestor, else its top-level ancestor."""
        key = id(widget)
        if key not in self.labels:
            from textual.screen import Screen

            chain = []
            node = widget
            while node is not None and not isinstance(node, Screen):
                chain.append(node)
                node = node.parent
            bordered = [w for w in chain if any(edge[0] for edge in w.styles.border)]
            pane = bordered[-1] if bordered else chain[-1] if chain else widget
            self.labels[key] = pane.id or type(pane).__name__
        return self.labels[key]

    @contextmanager
    def installed(self) -> Iterator[Probe]:
        from textual._compositor import Compositor
        from textual._styles_cache import StylesCache
        from textual.screen import Screen

        from tui_nn.engine.session.controller import Controller
        from tui_nn.ui.shell.app import TuiNN

        probe = self
        originals: dict[tuple[type, str], Any] = {
            (Screen, "_on_timer_update"): Screen._on_timer_update,
            (Screen, "_refresh_layout"): Screen._refresh_layout,
            (Screen, "_compositor_refresh"): Screen._compositor_refresh,
            (StylesCache, "render_widget"): StylesCache.render_widget,
            (Compositor, "render_update"): Compositor.render_update,
            (TuiNN, "draw"): TuiNN.draw,
            (Controller, "apply"): Controller.apply,
            (Controller, "view"): Controller.view,
        }

        def on_timer_update(screen: Any) -> None:
            frame = probe.current = Frame()
            start, cpu = time.perf_counter(), time.thread_time()
            try:
                originals[(Screen, "_on_timer_update")](screen)
            finally:
                frame.wall, frame.cpu = time.perf_counter() - start, time.thread_time() - cpu
                probe.current = None
                if frame.rendered:
                    probe.frames.append(frame)

        def refresh_layout(screen: Any, *args: Any, **kwargs: Any) -> None:
            start = time.thread_time()
            try:
                originals[(Screen, "_refresh_layout")](screen, *args, **kwargs)
            finally:
                if probe.current is not None:
                    probe.current.layout += time.thread_time() - start

        def compositor_refresh(screen: Any) -> None:
            if probe.current is not None:
                probe.current.rendered = True
            originals[(Screen, "_compositor_refresh")](screen)

        def render_widget(cache: Any, widget: Any, crop: Any) -> Any:
            start = time.thread_time()
            strips = originals[(StylesCache, "render_widget")](cache, widget, crop)
            if probe.current is not None:
                probe.current.panes[probe.label(widget)] += time.thread_time() - start
            return strips

        def render_update(compositor: Any, *args: Any, **kwargs: Any) -> Any:
            update = originals[(Compositor, "render_update")](compositor, *args, **kwargs)
            if update is not None and probe.current is not None:
                from textual._context import active_app

                start = time.thread_time()
                encoded = update.render_segments(active_app.get().console)
                probe.current.encode += time.thread_time() - start
                probe.current.encoded_bytes += len(encoded.encode())
            return update

        def timed(store: list[float], original: Callable[..., Any]) -> Callable[..., Any]:
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                start = time.thread_time()  # CPU of the calling thread: neither the GIL nor other load counts
                try:
                    return original(*args, **kwargs)
                finally:
                    store.append(time.thread_time() - start)

            return wrapper

        replacements = {
            (Screen, "_on_timer_update"): on_timer_update,
            (Screen, "_refresh_layout"): refresh_layout,
            (Screen, "_compositor_refresh"): compositor_refresh,
            (StylesCache, "render_widget"): render_widget,
            (Compositor, "render_update"): render_update,
            (TuiNN, "draw"): timed(self.draws, TuiNN.draw),
            (Controller, "apply"): timed(self.applies, Controller.apply),
            (Controller, "view"): timed(self.captures, Controller.view),
        }
        for (owner, name), replacement in replacements.items():
            setattr(owner, name, replacement)
        try:
            yield self
        finally:
            for (owner, name), original in originals.items():
                setattr(owner, name, original)

    def reset(self) -> None:
        self.frames.clear()
        self.draws.clear()
        self.applies.clear()
        self.captures.clear()


@dataclass
class PaneCost:
    """Mean ms per unit (a → key, or a frame) of each part, and frames per unit (or per second)."""

    per_unit: dict[str, float]
    frames: float


def summarise(probe: Probe, units: float, frames: float) -> PaneCost:
    totals: dict[str, float] = defaultdict(float)
    for frame in probe.frames:
        totals["refresh, wall"] += frame.wall
        totals["refresh, CPU"] += frame.cpu
        totals["  layout"] += frame.layout
        for pane, seconds in frame.panes.items():
            totals[f"  render {PANE_NAMES.get(pane, pane)}"] += seconds
        totals["escape encoding*"] += frame.encode
        totals["kB written*"] += frame.encoded_bytes / 1e6  # ×1000 below, like the seconds
    totals["app.draw"] = sum(probe.draws)
    if probe.applies:
        totals["engine action"] = sum(probe.applies)
    if probe.captures:
        totals["view capture"] = sum(probe.captures)
    return PaneCost({k: v / max(units, 1) * 1000 for k, v in totals.items()}, frames)


PANE_NAMES = {"_default": "screen", "bottom": "bottom (side column)", "views": "views (container)"}


async def panes_in_app(problem: str, size: tuple[int, int], presses: int, seconds: float) -> tuple[PaneCost, PaneCost]:
    """(cost per → key, cost per frame of live training)."""
    from tui_nn.engine.session.build import build
    from tui_nn.ui.shell.app import TuiNN

    probe = Probe()
    with probe.installed():
        app = TuiNN(build(config_for(problem)), pace=None, target_loss=1e-300)
        async with app.run_test(size=size) as pilot:
            await pilot.pause(0.2)
            probe.reset()
            for _ in range(presses):
                await pilot.press("right")
                await pilot.pause(0.1)  # a second refresh (e.g. a scrollbar) would come within this
            per_key = summarise(probe, presses, len(probe.frames) / presses)
            await pilot.press("T")
            await pilot.pause(0.5)
            probe.reset()
            start = time.perf_counter()
            await pilot.pause(seconds)
            frames = len(probe.frames)
            per_frame = summarise(probe, frames, frames / (time.perf_counter() - start))
            await pilot.press("T")
            await app.workers.wait_for_complete()
            await pilot.pause()
    return per_key, per_frame


def measure_panes(report: Report, presses: int, seconds: float) -> None:
    results: dict[tuple[str, tuple[int, int]], tuple[PaneCost, PaneCost]] = {}
    for problem in PROBLEMS:
        for size in SIZES:
            print(
                f"\n[panes] {NETWORK[problem]} at {size[0]}×{size[1]}: {presses} → keys, then {seconds:g} s of live training",
                flush=True,
            )
            results[(problem, size)] = asyncio.run(panes_in_app(problem, size, presses, seconds))
    print(f"  ({load_average()})")
    columns = list(results)
    heading = "".join(f"{NETWORK[p].split()[0] + f' {s[0]}×{s[1]}':>15}" for p, s in columns)
    for kind, index, frames_line in (("per → key", 0, "refreshes a key"), ("per frame of live training", 1, "frames a second")):
        parts = sorted({p for r in results.values() for p in r[index].per_unit}, key=_part_order)
        lines = [f"\nms {kind} (CPU time of the thread that did it, except 'refresh, wall')", f"{'':32}{heading}"]
        lines.append(f"{frames_line:32}" + "".join(f"{results[c][index].frames:>15.1f}" for c in columns))
        for part in parts:
            lines.append(f"{part:32}" + "".join(f"{results[c][index].per_unit.get(part, 0.0):>15.2f}" for c in columns))
        print("\n".join(lines))
        report.notes.append("\n".join(lines))
        for column in columns:
            cost = results[column][index].per_unit
            renders = {k.removeprefix("  render "): v for k, v in cost.items() if k.startswith("  render ")}
            top = sorted(renders.items(), key=lambda kv: -kv[1])[:3]
            name = f"{NETWORK[column[0]]}, {column[1][0]}×{column[1][1]}"
            report.add(
                f"UI CPU {kind}, {name}",
                f"refresh {cost.get('refresh, CPU', 0):.1f} ms ({cost.get('refresh, wall', 0):.1f} wall) + draw {cost.get('app.draw', 0):.1f}"
                f" + encode {cost.get('escape encoding*', 0):.1f}; top: " + ", ".join(f"{pane} {ms:.1f}" for pane, ms in top),
            )
    report.notes.append(
        "* escape encoding and kB written: each update turned into terminal escape sequences on the side "
        "(run_test writes nothing), i.e. what a real terminal adds to each frame; not in 'refresh'. "
        "app.draw includes the view capture when it is made on the UI thread (keys); during training the capture is "
        "made on the training thread."
    )


def _part_order(part: str) -> tuple[int, str]:
    order = ["refresh, wall", "refresh, CPU", "  layout"]
    tail = ["escape encoding*", "kB written*", "app.draw", "engine action", "view capture"]
    if part in order:
        return (0, f"{order.index(part)}")
    if part in tail:
        return (2, f"{tail.index(part)}")
    return (1, part)


# --- 5. undo memory walking the spiral -------------------------------------------------------------


UNDO_CHECKPOINTS = (0, 25_000, 50_000, 100_000, 150_000, 200_000)


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def undo_child() -> None:
    """Run in a fresh process: RSS at each checkpoint of micro-steps walking the spiral."""
    from tui_nn.engine.session.build import build

    stepper = build(config_for("spiral")).stepper
    stepper.peek()
    gc.collect()
    result, done, start = {}, 0, time.perf_counter()
    for checkpoint in UNDO_CHECKPOINTS:
        while done < checkpoint:
            stepper.step()
            done += 1
        gc.collect()
        result[checkpoint] = {"rss_mb": rss_mb(), "seconds": time.perf_counter() - start, "epoch": stepper.epoch}
    print(json.dumps(result))


def measure_undo(report: Report) -> None:
    print(f"\n[undo] RSS walking the spiral headless, {UNDO_CHECKPOINTS[-1]:,} micro-steps in a fresh process", flush=True)
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.app", "--undo-child"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        report.note(f"undo walk failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")
        return
    points = {int(k): v for k, v in json.loads(done.stdout.strip().splitlines()[-1]).items()}
    base = points[0]["rss_mb"]
    for steps in UNDO_CHECKPOINTS[1:]:
        growth = points[steps]["rss_mb"] - base
        target = "≤ +30 MB at any number of steps, issue 15" if steps in (100_000, 200_000) else ""
        report.add(
            f"undo memory after {steps:,} spiral micro-steps",
            f"+{growth:.1f} MB RSS (from {base:.0f} MB; epoch {points[steps]['epoch']}, {points[steps]['seconds']:.0f} s)",
            target,
        )


def code_version() -> str:
    """The tui_nn measured: where it is imported from and the commit of its checkout (dirty or not)."""
    import tui_nn

    where = Path(tui_nn.__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "-C", str(where), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
        dirty = subprocess.run(
            ["git", "-C", str(where), "status", "--porcelain", "--", "."], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return f"tui_nn from {where} (not a git checkout)"
    return f"tui_nn from {where} at commit {head.stdout.strip()}" + (" with uncommitted changes" if dirty.stdout.strip() else "")


# --- main ----------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.app", description=__doc__.split("\n")[0])
    parser.add_argument("--only", help=f"comma-separated: {', '.join(SECTIONS)}, or pty (= launch,keys,live-pty)")
    parser.add_argument("--launches", type=int, default=10, help="launches of each app (default 10)")
    parser.add_argument("--uncompiled", action="store_true", help="launch tui_nn from source, its bytecode not compiled first")
    parser.add_argument("--presses", type=int, default=100, help="→ presses per app and size in a pty (default 100)")
    parser.add_argument("--repeats", type=int, default=3, help="live and headless runs per network and size (default 3)")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each live measurement (default 5)")
    parser.add_argument("--pane-presses", type=int, default=40, help="→ presses per case for the pane cost (default 40)")
    parser.add_argument(
        "--view", default="", help="keys pressed before T in the live sections, one character each (l: the loss landscape open)"
    )
    parser.add_argument("--undo-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    global BEFORE_TRAINING
    BEFORE_TRAINING = tuple(args.view)
    if args.undo_child:
        undo_child()
        return
    chosen = set(SECTIONS)
    if args.only:
        chosen = set()
        for name in args.only.split(","):
            name = name.strip()
            if name == "pty":
                chosen |= {"launch", "keys", "live-pty"}
            elif name in SECTIONS:
                chosen.add(name)
            else:
                parser.error(f"unknown section '{name}': choose from {', '.join(SECTIONS)}, pty")
    report = Report()
    began = time.perf_counter()
    print(f"benchmarks.app: {', '.join(s for s in SECTIONS if s in chosen)} ({load_average()})")
    print(f"measuring {code_version()}")
    if "launch" in chosen:
        measure_launch(report, args.launches, compiled=not args.uncompiled)
    if "keys" in chosen:
        measure_keys(report, args.presses)
    if "live" in chosen:
        measure_live(report, args.repeats, args.seconds)
    if "live-pty" in chosen:
        measure_live_pty(report, args.repeats, args.seconds)
    if "panes" in chosen:
        measure_panes(report, args.pane_presses, args.seconds)
    if "undo" in chosen:
        measure_undo(report)
    print(f"\n{report.table()}")
    for text in report.notes:
        if "\n" in text:
            print(text)
        else:
            print(f"note: {text}")
    print(f"\n{time.perf_counter() - began:.0f} s in all; {load_average()}")


if __name__ == "__main__":
    main()
