"""Load check of `tui-nn serve`: N concurrent sessions against one server (a benchmark, not a test).

  python -m benchmarks.serve                 # N = 1, 2, 4, 8, 16; about four minutes
  python -m benchmarks.serve 1 4 --presses 10

Every session plays a student stepping through the network: press →, wait for the screen to
change, pause 250 ms, again, `--presses` times, all sessions at once. A session is responsive
if its median key → update latency is below 200 ms. Two runs, each with its own server
(`tui-nn serve xor` on a free loopback port):

1. Browser tabs: one headless Chromium (Debian's, driven by Playwright), one tab per session.
   The latency is measured inside the page, from the keydown event to the first write from the
   server after which the terminal's text differs (xterm.js's buffer; the canvas paint after it
   is not included). The browser draws on the same two cores as the server, as it would not in
   a classroom where each student brings a machine: the CPU columns show who used what.
2. Server side alone: the same students as bare WebSocket clients (what the page sends: the
   key's escape sequence), timed from sending it to the first screen update coming back.

For each N: median open time of the newly opened sessions (request to first drawn status
line), key → update latency (median, 90th percentile, max over every press), responsive
sessions, memory from /proc (RSS and PSS, where shared pages are split between processes) of
the server and per session process, and the CPU used during the key presses in cores (server,
sessions, browser, this harness with Playwright's driver, the whole machine; the machine
column includes any other work running on it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# One definition of how the page is opened and its text read: the end-to-end test's.
from tests.test_serve import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    SCREEN_TEXT_JS,
    TERMINAL_CONSTRUCTION,
    Served,
    children,
    start_server,
    stop_server,
)

RESPONSIVE_MS = 200.0
PAUSE_SECONDS = 0.25  # a quick student: about three presses a second
DEADLINE_MS = 120_000
# Latency bookkeeping in the page: a → keydown arms the clock; the first write from the server
# that changes the terminal's text stops it.
LATENCY_JS = """
window.__latencies = [];
window.__armed = null;
document.addEventListener("keydown", event => {
  if (event.key === "ArrowRight") window.__armed = {start: performance.now(), before: window.__screenText()};
}, true);
window.__watchWrites = () => window.__xterm.onWriteParsed(() => {
  const armed = window.__armed;
  if (armed && window.__screenText() !== armed.before) {
    window.__latencies.push(performance.now() - armed.start);
    window.__armed = null;
  }
});
"""


async def expose_terminal(route: Any) -> None:
    response = await route.fetch()
    patched, count = TERMINAL_CONSTRUCTION.subn(r"this.terminal=window.__xterm=new \1.Terminal(", await response.text())
    assert count == 1, "textual.js no longer builds its terminal as expected"
    await route.fulfill(response=response, body=patched)


# --- sessions: browser tabs, or bare WebSocket clients ---------------------------------------


class Tab:
    """A browser tab on the served page: its own session."""

    def __init__(self, page: Any) -> None:
        self.page = page

    @classmethod
    async def open(cls, context: Any, url: str) -> tuple[Tab, float]:
        page = await context.new_page()
        await page.add_init_script(SCREEN_TEXT_JS + LATENCY_JS)
        await page.route("**/static/js/textual.js", expose_terminal)
        await page.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda route: route.abort())
        start = time.perf_counter()
        await page.goto(url)
        await page.wait_for_function("window.__statusEpoch() >= 0", polling=20, timeout=DEADLINE_MS)
        drawn = time.perf_counter() - start
        await page.evaluate("window.__watchWrites()")
        await page.focus("textarea.xterm-helper-textarea")
        return cls(page), drawn

    async def press(self, key: str) -> None:
        await self.page.keyboard.press(key)

    async def step(self, done: int) -> None:
        await self.page.keyboard.press("ArrowRight")
        await self.page.wait_for_function(f"window.__latencies.length > {done}", polling=10, timeout=DEADLINE_MS)

    async def latencies(self) -> list[float]:
        latencies: list[float] = await self.page.evaluate("window.__latencies.splice(0)")
        return latencies


class Client:
    """A bare WebSocket client speaking the page's protocol: its own session, no drawing."""

    def __init__(self, http: Any, websocket: Any) -> None:
        self.http, self.websocket = http, websocket
        self.frames: asyncio.Queue[float] = asyncio.Queue()
        self.reader = asyncio.create_task(self._read())
        self.measured: list[float] = []

    async def _read(self) -> None:
        import aiohttp

        async for message in self.websocket:
            if message.type == aiohttp.WSMsgType.BINARY:
                self.frames.put_nowait(time.perf_counter())

    @classmethod
    async def open(cls, port: int) -> tuple[Client, float]:
        import aiohttp

        start = time.perf_counter()
        http = aiohttp.ClientSession()
        client = cls(http, await http.ws_connect(f"ws://127.0.0.1:{port}/ws?width=133&height=44"))
        # The page sends its size as soon as the socket opens, before the app has drawn.
        await client.websocket.send_str(json.dumps(["resize", {"width": 133, "height": 44}]))
        await asyncio.wait_for(client.frames.get(), DEADLINE_MS / 1000)
        drawn = time.perf_counter() - start
        await asyncio.sleep(0.5)  # let the first frames settle before timing keys
        return client, drawn

    async def press(self, key: str) -> None:
        await self.websocket.send_str(json.dumps(["stdin", key]))

    async def step(self, done: int) -> None:
        while not self.frames.empty():  # frames of the previous update still arriving
            self.frames.get_nowait()
        sent = time.perf_counter()
        await self.websocket.send_str(json.dumps(["stdin", "\x1b[C"]))  # what xterm.js sends for →
        self.measured.append((await asyncio.wait_for(self.frames.get(), DEADLINE_MS / 1000) - sent) * 1000)

    async def latencies(self) -> list[float]:
        latencies, self.measured = self.measured, []
        return latencies

    async def close(self) -> None:
        self.reader.cancel()
        await self.websocket.close()
        await self.http.close()


async def student(session: Tab | Client, presses: int) -> list[float]:
    """Step through the network like a learner; returns the key → update latencies (ms)."""
    await session.latencies()
    await asyncio.sleep(random.uniform(0, PAUSE_SECONDS))  # students do not press in lockstep
    for done in range(presses):
        await session.step(done)
        await asyncio.sleep(PAUSE_SECONDS)
    return await session.latencies()


# --- /proc ------------------------------------------------------------------------------------


def memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in KiB, from /proc/PID/smaps_rollup."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        fields[name] = int(value.split()[0])
    return fields["Rss"], fields["Pss"]


def process_tree() -> dict[int, int]:
    """pid → parent pid of every process, from /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
    return parents


def descendants(roots: set[int], parents: dict[int, int]) -> set[int]:
    found, frontier = set(roots), list(roots)
    while frontier:
        parent = frontier.pop()
        for pid, its_parent in parents.items():
            if its_parent == parent and pid not in found:
                found.add(pid)
                frontier.append(pid)
    return found


def browser_processes(profile: str | None, parents: dict[int, int]) -> set[int]:
    """Every Chromium process started with this profile, and their children."""
    if profile is None:
        return set()
    flag = f"--user-data-dir={profile}".encode()
    roots = set()
    for pid in parents:
        try:
            if flag in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0"):
                roots.add(pid)
        except OSError:
            continue
    return descendants(roots, parents)


def cpu_seconds(pids: set[int]) -> float:
    """User + system CPU time of these processes (those still alive), from /proc/PID/stat."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time spent not idle on the whole machine, from /proc/stat."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """Cores used by each group of processes between start() and stop()."""

    def __init__(self, server: int, profile: str | None) -> None:
        parents = process_tree()
        browser = browser_processes(profile, parents)
        served = descendants({server}, parents)
        self.groups = [{server}, served - {server}, browser, descendants({os.getpid()}, parents) - served - browser]

    def start(self) -> None:
        self.before = [cpu_seconds(group) for group in self.groups] + [machine_busy_seconds()]
        self.wall = time.perf_counter()

    def stop(self) -> list[float]:
        wall = time.perf_counter() - self.wall
        after = [cpu_seconds(group) for group in self.groups] + [machine_busy_seconds()]
        return [(a - b) / wall for a, b in zip(after, self.before, strict=True)]


def mib(kib: float) -> str:
    return f"{kib / 1024:.0f}"


# --- the runs ---------------------------------------------------------------------------------

HEADER = (
    f"{'N':>3} {'open s':>6} {'median':>6} {'p90':>5} {'max':>5} {'responsive':>10}"
    f" {'server':>6} {'session':>7} {'session':>7} {'total':>5}   {'server':>6} {'sessions':>8} {'browser':>7} {'harness':>7} {'machine':>7}\n"
    f"{'':>3} {'':>6} {'ms':>6} {'ms':>5} {'ms':>5} {'<200 ms':>10}"
    f" {'RSS':>6} {'RSS':>7} {'PSS':>7} {'PSS':>5}   {'cores':>6} {'cores':>8} {'cores':>7} {'cores':>7} {'cores':>7}"
)


async def run(
    served: Served, levels: list[int], presses: int, training: int, context: Any = None, profile: str | None = None
) -> None:
    """Open sessions up to each level in turn and let them all step at once; print one row per level.
    With `training`, that many more sessions train live (T) all along, and the others step."""

    async def open_sessions(count: int) -> list[tuple[Tab | Client, float]]:
        opening = (Tab.open(context, served.url) if context is not None else Client.open(served.port) for _ in range(count))
        return list(await asyncio.gather(*opening))

    trainers = [session for session, _ in await open_sessions(training)]
    for session in trainers:
        await session.press("T")
    sessions: list[Tab | Client] = []
    try:
        for level in levels:
            opened = await open_sessions(level - len(sessions))
            sessions += [session for session, _ in opened]
            open_seconds = statistics.median(seconds for _, seconds in opened) if opened else 0.0
            meter = CpuMeter(served.process.pid, profile)
            meter.start()
            per_session = await asyncio.gather(*(student(session, presses) for session in sessions))
            cores = meter.stop()
            every = sorted(ms for latencies in per_session for ms in latencies)
            responsive = sum(statistics.median(latencies) < RESPONSIVE_MS for latencies in per_session)
            processes = children(served.process.pid)
            assert len(processes) == len(sessions) + training, (
                f"{len(processes)} session processes for {len(sessions) + training}"
            )
            memory = [memory_kib(pid) for pid in processes]
            server_rss, server_pss = memory_kib(served.process.pid)
            print(
                f"{len(sessions):>3} {open_seconds:>6.2f} {statistics.median(every):>6.0f}"
                f" {every[int(0.9 * (len(every) - 1))]:>5.0f} {every[-1]:>5.0f} {f'{responsive}/{len(sessions)}':>10}"
                f" {mib(server_rss):>6} {mib(statistics.mean(rss for rss, _ in memory)):>7}"
                f" {mib(statistics.mean(pss for _, pss in memory)):>7} {mib(server_pss + sum(pss for _, pss in memory)):>5}   "
                + " ".join(f"{value:>{width}.2f}" for value, width in zip(cores, (6, 8, 7, 7, 7), strict=True)),
                flush=True,
            )
    finally:
        for session in sessions + trainers:
            if isinstance(session, Client):
                await session.close()


async def in_browsers(served: Served, levels: list[int], presses: int, training: int) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        with tempfile.TemporaryDirectory() as profile:
            context = await playwright.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True, viewport={"width": 1280, "height": 800}
            )
            try:
                await run(served, levels, presses, training, context, profile)
            finally:
                await context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("levels", nargs="*", type=int, default=[1, 2, 4, 8, 16], help="numbers of stepping sessions, increasing")
    parser.add_argument("--presses", type=int, default=15, help="→ presses per session and level")
    parser.add_argument("--training", type=int, default=0, help="this many more sessions train live (T) all along")
    parser.add_argument("--server-only", action="store_true", help="skip the browser run")
    options = parser.parse_args()
    if options.levels != sorted(options.levels):
        parser.error("levels must increase: sessions stay open from one level to the next")
    print(f"{os.cpu_count()} cores; load average at the start {Path('/proc/loadavg').read_text().split()[0]}")
    if options.training:
        print(f"{options.training} more session(s) train live all along; N counts the stepping ones")
    runs = [("2. server side alone (WebSocket clients)", False)]
    if not options.server_only:
        runs.insert(0, ("1. browser tabs (Chromium on the same machine)", True))
    for title, with_browser in runs:
        print(f"\n{title}\n{HEADER}")
        with tempfile.TemporaryDirectory() as cwd:
            # A target loss live training does not reach: trainers keep training.
            # As many sessions as asked for: the bound (--max-sessions) is not what is measured here.
            most = str(max(options.levels, default=1) + options.training)
            served = start_server(Path(cwd), "xor", "--target-loss", "1e-12", "--max-sessions", most)
            try:
                server_rss, server_pss = memory_kib(served.process.pid)
                if with_browser:
                    asyncio.run(in_browsers(served, options.levels, options.presses, options.training))
                else:
                    asyncio.run(run(served, options.levels, options.presses, options.training))
            finally:
                stop_server(served)
        print(f"(the server alone, before any session: RSS {mib(server_rss)} MiB, PSS {mib(server_pss)} MiB)")
    print(f"\npython {sys.version.split()[0]}; load average at the end {Path('/proc/loadavg').read_text().split()[0]}")


if __name__ == "__main__":
    main()
