"""A program in a real pseudo-terminal, its output timestamped as it arrives (for benchmarks.app).

The harness plays a modern terminal: it sets the window size (TIOCSWINSZ), makes the pty the
child's controlling terminal, and answers Textual's query for synchronized output
(DECRQM ?2026, as kitty, WezTerm, foot, iTerm2 and Windows Terminal do), so that every screen
refresh arrives framed by ESC[?2026h … ESC[?2026l and refreshes can be counted exactly. With
`sync=False` it stays silent like plain xterm, and refreshes can only be told apart by the gaps
in the output (bursts).

A response to a key is "over" when the output has been quiet for `quiet` seconds; its end is the
arrival of its last byte (the quiet wait itself is not counted).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

ALT_SCREEN = b"\x1b[?1049h"
SYNC_QUERY = b"\x1b[?2026$p"
SYNC_REPLY = b"\x1b[?2026;2$y"  # DECRPM: mode 2026 is known and currently reset (supported)
SYNC_START = b"\x1b[?2026h"
SYNC_END = b"\x1b[?2026l"
BURST_GAP = 0.005  # seconds of silence that separate two bursts of output
_CURSOR_MOVE = re.compile(rb"\x1b\[(\d+);(\d+)H")
_ESCAPE = re.compile(rb"\x1b(?:\[[0-9;?<>=$]*[ -/]*[@-~]|\][^\x07]*\x07|[()][0-9A-Za-z]|[=>78])")
_CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class Chunk:
    at: float  # time.perf_counter() when it was read
    data: bytes


@dataclass
class Response:
    """The output that followed one trigger (a launch or a key), up to the quiet that ended it."""

    trigger: float
    chunks: list[Chunk]
    timed_out: bool = False

    @property
    def data(self) -> bytes:
        return b"".join(c.data for c in self.chunks)

    @property
    def first_byte(self) -> float:
        """Seconds from the trigger to the first byte of output (nan: no output)."""
        return self.chunks[0].at - self.trigger if self.chunks else float("nan")

    @property
    def last_byte(self) -> float:
        """Seconds from the trigger to the last byte before the quiet."""
        return self.chunks[-1].at - self.trigger if self.chunks else float("nan")

    @property
    def refreshes(self) -> int:
        """Synchronized-output frames (ESC[?2026h); 0 when the terminal did not offer the mode."""
        return self.data.count(SYNC_START)

    @property
    def bursts(self) -> int:
        """Runs of output separated by at least BURST_GAP of silence."""
        count, previous = 0, None
        for chunk in self.chunks:
            if previous is None or chunk.at - previous >= BURST_GAP:
                count += 1
            previous = chunk.at
        return count

    def frame_ends(self) -> list[float]:
        """Seconds from the trigger to the end of each synchronized frame."""
        ends, carry = [], b""
        for chunk in self.chunks:
            joined = carry + chunk.data
            ends += [chunk.at - self.trigger] * (joined.count(SYNC_END) - carry.count(SYNC_END))
            carry = joined[-len(SYNC_END) + 1 :]
        return ends


@dataclass
class PtyProcess:
    """One child process on its own pseudo-terminal of `cols` × `rows`."""

    argv: Sequence[str]
    cols: int = 120
    rows: int = 40
    sync: bool = True
    cwd: str | None = None
    chunks: list[Chunk] = field(default_factory=list)
    started: float = 0.0
    closed: bool = False

    def __post_init__(self) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", self.rows, self.cols, 0, 0))
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "TEXTUAL", "NO_COLOR")}
        env["TERM"] = "xterm-256color"
        env.pop("TERM_PROGRAM", None)
        self.master = master
        self._tail = b""
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            list(self.argv),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=self.cwd,
            env=env,
            start_new_session=True,
            preexec_fn=_take_controlling_terminal,
        )
        os.close(slave)

    @property
    def pid(self) -> int:
        return self.process.pid

    # --- reading ------------------------------------------------------------------------------

    def _read(self) -> bool:
        """Read what is there (the caller knows the fd is readable); False at end of output."""
        try:
            data = os.read(self.master, 1 << 16)
        except OSError:  # EIO: the child has closed its side
            data = b""
        if not data:
            self.closed = True
            return False
        now = time.perf_counter()
        self.chunks.append(Chunk(now, data))
        if self.sync:
            joined = self._tail + data
            if SYNC_QUERY in joined:
                os.write(self.master, SYNC_REPLY)
            self._tail = joined[-len(SYNC_QUERY) + 1 :]
        return True

    def pump(self, timeout: float) -> bool:
        """Wait up to `timeout` for output and read it; True if something arrived."""
        if self.closed:
            time.sleep(max(timeout, 0))
            return False
        ready, _, _ = select.select([self.master], [], [], max(timeout, 0))
        return bool(ready) and self._read()

    def drain(self) -> None:
        while self.pump(0):
            pass

    def respond(self, trigger: float, quiet: float, deadline: float, ready: object = None) -> Response:
        """The output since `trigger` until it has been quiet for `quiet` seconds.

        `ready(data)` (optional) must also hold before a quiet counts (e.g. a whole screen has
        arrived); `deadline` is the most seconds to wait in all.
        """
        start = next((i for i, c in enumerate(self.chunks) if c.at >= trigger), len(self.chunks))
        limit = trigger + deadline
        while True:
            last = self.chunks[-1].at if len(self.chunks) > start else trigger
            now = time.perf_counter()
            satisfied = len(self.chunks) > start and (ready is None or ready(b"".join(c.data for c in self.chunks[start:])))  # type: ignore[operator]
            if satisfied and now - last >= quiet:
                return Response(trigger, self.chunks[start:])
            if now >= limit or self.closed:
                return Response(trigger, self.chunks[start:], timed_out=True)
            self.pump(min(quiet - (now - last) if satisfied else quiet, limit - now))

    def send(self, keys: bytes) -> float:
        """Write `keys` as typed input; returns the time just before the write."""
        self.drain()
        at = time.perf_counter()
        os.write(self.master, keys)
        return at

    # --- the process --------------------------------------------------------------------------

    def cpu_seconds(self) -> float:
        """User + system CPU of the process and its live descendants so far."""
        return sum(_cpu(pid) for pid in [self.pid, *_descendants(self.pid)])

    def thread_cpu(self) -> dict[int, float]:
        """CPU seconds per thread id of the process."""
        result = {}
        for tid in os.listdir(f"/proc/{self.pid}/task"):
            with contextlib.suppress(OSError):
                result[int(tid)] = _cpu(self.pid, int(tid))
        return result

    def rss_mb(self) -> float:
        with open(f"/proc/{self.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def close(self, quit_keys: bytes = b"q", wait: float = 5.0) -> int | None:
        """Quit with `quit_keys`; if the process lingers, SIGTERM then SIGKILL it (by its pid)."""
        if self.process.poll() is None and not self.closed:
            with contextlib.suppress(OSError):
                os.write(self.master, quit_keys)
        end = time.perf_counter() + wait
        while self.process.poll() is None and time.perf_counter() < end:
            self.pump(0.05)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if self.process.poll() is None:
                os.kill(self.pid, sig)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.process.wait(2)
        os.close(self.master)
        return self.process.returncode


def _take_controlling_terminal() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _cpu(pid: int, tid: int | None = None) -> float:
    path = f"/proc/{pid}/stat" if tid is None else f"/proc/{pid}/task/{tid}/stat"
    with open(path) as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK  # utime, stime (fields 14, 15 of stat)


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as children:
                for child in children.read().split():
                    found += [int(child), *_descendants(int(child))]
        except OSError:
            pass
    return found


def screen_rows(data: bytes) -> dict[int, str]:
    """The text written to each row (1-based) in `data`, escape sequences removed.

    A rough reading of Textual's output, which positions the cursor (ESC[row;colH) before each
    run of changed cells: enough to read a status line, not a terminal emulator.
    """
    rows: dict[int, list[bytes]] = {}
    moves = list(_CURSOR_MOVE.finditer(data))
    for k, move in enumerate(moves):
        end = moves[k + 1].start() if k + 1 < len(moves) else len(data)
        text = _ESCAPE.sub(b"", data[move.end() : end]).replace(b"\r\n", b"")
        rows.setdefault(int(move.group(1)), []).append(text)
    return {row: b"".join(parts).decode("utf-8", "replace") for row, parts in rows.items()}
