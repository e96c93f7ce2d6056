"""The app in a real pseudo-terminal: every way out (q, a signal, a crash, the terminal closing)
restores the terminal and ends with a stated, honest status.

Each test starts `python -m tui_nn xor` on a pty of a real size, waits (polling with a deadline,
never a fixed sleep) until the first frame is on screen, does one thing, and reads until EOF.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.ui.shell import lifecycle
from tui_nn.ui.shell.app import TuiNN
from tui_nn.ui.shell.live import LiveTraining

DEADLINE = 90.0  # seconds: generous for a loaded 2-core machine; a passing run takes 1–3 s
FIRST_FRAME = b"truth table"  # a pane title: drawn only once the panes are laid out on screen
ALT_SCREEN_ON, ALT_SCREEN_OFF = b"\x1b[?1049h", b"\x1b[?1049l"
CURSOR_HIDDEN, CURSOR_SHOWN = b"\x1b[?25l", b"\x1b[?25h"
MOUSE_MODES = (b"1000", b"1003", b"1006")


@dataclass
class Terminal:
    """A child process on the slave side of a pty; the test holds the master."""

    process: subprocess.Popen[bytes]
    master: int | None
    output: bytearray = field(default_factory=bytearray)

    def read_until(self, needle: bytes, deadline: float) -> bool:
        """Read output until `needle` appears (True), EOF or the deadline (False)."""
        while needle not in self.output:
            if not self._read_some(deadline):
                return False
        return True

    def read_until_match(self, pattern: re.Pattern[bytes], deadline: float) -> bool:
        """Read output until `pattern` matches it (True), EOF or the deadline (False)."""
        while pattern.search(self.output) is None:
            if not self._read_some(deadline):
                return False
        return True

    def read_to_eof(self, deadline: float) -> bool:
        """Read until the slave side is closed by every process (True) or the deadline (False)."""
        while True:
            if not self._read_some(deadline):
                return time.monotonic() < deadline

    def _read_some(self, deadline: float) -> bool:
        assert self.master is not None
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        ready, _, _ = select.select([self.master], [], [], min(remaining, 1.0))
        if not ready:
            return time.monotonic() < deadline
        try:
            data = os.read(self.master, 65536)
        except OSError:  # EIO: nobody holds the slave any more
            return False
        self.output += data
        return bool(data)

    def write(self, data: bytes) -> None:
        assert self.master is not None
        os.write(self.master, data)

    def close_master(self) -> None:
        if self.master is not None:
            os.close(self.master)
            self.master = None

    def wait(self, deadline: float) -> int:
        return self.process.wait(timeout=max(deadline - time.monotonic(), 0.1))


def spawn(args: list[str], cwd: Path, size: tuple[int, int] = (120, 40), env: dict[str, str] | None = None) -> Terminal:
    columns, lines = size
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    environment = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    environment.update({"TERM": "xterm-256color", "XDG_STATE_HOME": str(cwd / "state"), "PYTHONUNBUFFERED": "1"})
    environment.update(env or {})
    # A new session without a controlling terminal: closing the master sends no SIGHUP, so the
    # 'terminal gone' test sees exactly what a vanished terminal emulator leaves behind.
    process = subprocess.Popen(
        args, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=environment, start_new_session=True, close_fds=True
    )
    os.close(slave)
    return Terminal(process, master)


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    """Terminals started by a test; whatever is still running at the end is killed."""
    started: list[Terminal] = []
    yield started
    for terminal in started:
        if terminal.process.poll() is None:
            terminal.process.kill()
            terminal.process.wait()
        terminal.close_master()


def start_app(terminals: list[Terminal], cwd: Path, args: list[str] | None = None, **options: object) -> Terminal:
    terminal = spawn(args or [sys.executable, "-m", "tui_nn", "xor"], cwd, **options)  # type: ignore[arg-type]
    terminals.append(terminal)
    deadline = time.monotonic() + DEADLINE
    assert terminal.read_until(FIRST_FRAME, deadline), f"no first frame: {bytes(terminal.output[-500:])!r}"
    return terminal


def assert_terminal_restored(output: bytes) -> bytes:
    """The output ends with the terminal put back; returns what was written after that."""
    assert output.count(ALT_SCREEN_ON) >= 1
    left = output.rfind(ALT_SCREEN_OFF)
    assert left > output.rfind(ALT_SCREEN_ON), "still in the alternate screen"
    assert output.rfind(CURSOR_SHOWN) > output.rfind(CURSOR_HIDDEN), "the cursor is still hidden"
    for mode in MOUSE_MODES:
        assert output.rfind(b"\x1b[?" + mode + b"l") > output.rfind(b"\x1b[?" + mode + b"h"), f"mouse mode {mode!r} still on"
    tail = output[left + len(ALT_SCREEN_OFF) :]
    assert ALT_SCREEN_ON not in tail and CURSOR_HIDDEN not in tail
    return tail


def plain_lines(tail: bytes) -> list[str]:
    """The text lines in `tail`, with escape sequences removed."""
    text = re.sub(rb"\x1b\[[0-9;?<>=$]*[A-Za-z]", b"", tail).decode(errors="replace")
    return [line.strip() for line in text.replace("\r", "").split("\n") if line.strip()]


def test_q_restores_the_terminal_and_exits_0(terminals: list[Terminal], tmp_path: Path) -> None:
    terminal = start_app(terminals, tmp_path)
    terminal.write(b"q")
    deadline = time.monotonic() + DEADLINE
    assert terminal.read_to_eof(deadline)
    assert terminal.wait(deadline) == 0
    assert plain_lines(assert_terminal_restored(bytes(terminal.output))) == []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: signal.Signals(s).name)
def test_a_signal_exits_like_q(terminals: list[Terminal], tmp_path: Path, signum: int) -> None:
    terminal = start_app(terminals, tmp_path)
    terminal.process.send_signal(signum)
    deadline = time.monotonic() + DEADLINE
    assert terminal.read_to_eof(deadline)
    assert terminal.wait(deadline) == 128 + signum  # exited (not killed), status 128 + the signal
    tail = assert_terminal_restored(bytes(terminal.output))
    assert plain_lines(tail) == [f"tui-nn: stopped by {signal.Signals(signum).name}"]


def test_a_signal_during_live_training_in_a_modal_exits_like_q(terminals: list[Terminal], tmp_path: Path) -> None:
    terminal = start_app(terminals, tmp_path, args=[sys.executable, "-m", "tui_nn", "xor", "--target-loss", "1e-300"])
    terminal.write(b"T")
    deadline = time.monotonic() + DEADLINE
    assert terminal.read_until(b"training live", deadline)
    terminal.write(b"?")
    assert terminal.read_until(b"Start here", deadline)  # the help's opening
    terminal.process.send_signal(signal.SIGTERM)
    assert terminal.read_to_eof(deadline)
    assert terminal.wait(deadline) == 128 + signal.SIGTERM
    assert_terminal_restored(bytes(terminal.output))


def test_a_closed_terminal_ends_the_app(terminals: list[Terminal], tmp_path: Path) -> None:
    """The master closed with no SIGHUP: input reads end-of-file; the app must exit, not spin."""
    saved = tmp_path / "xor-epoch1.json"
    terminal = start_app(terminals, tmp_path)
    terminal.write(b"es")  # one epoch, then save: what was saved must survive the terminal going
    deadline = time.monotonic() + DEADLINE
    assert terminal.read_until(b"saved ", deadline)
    terminal.close_master()
    assert terminal.wait(deadline) == lifecycle.TERMINAL_GONE_STATUS
    assert saved.is_file() and '"epoch": 1' in saved.read_text()


def test_a_crash_restores_the_terminal_reports_and_fails(terminals: list[Terminal], tmp_path: Path) -> None:
    """An unexpected exception in an action: one line naming it and the report, status 70, never 0."""
    script = tmp_path / "crashing_app.py"
    script.write_text(
        "import sys\n"
        "from tui_nn import cli\n"
        "from tui_nn.ui.shell.app import TuiNN\n"
        "def view_with_a_bug(self):\n"
        "    raise ZeroDivisionError('a bug planted by the test')\n"
        "TuiNN.action_cycle_view = view_with_a_bug\n"
        "raise SystemExit(cli.main(sys.argv[1:]))\n"
    )
    terminal = start_app(terminals, tmp_path, args=[sys.executable, str(script), "xor"])
    terminal.write(b"v")
    deadline = time.monotonic() + DEADLINE
    assert terminal.read_to_eof(deadline)
    assert terminal.wait(deadline) == lifecycle.CRASH_STATUS
    lines = plain_lines(assert_terminal_restored(bytes(terminal.output)))
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith("tui-nn: error: internal error, ZeroDivisionError: a bug planted by the test")
    assert "crashing_app.py:5 in view_with_a_bug" in line and "Traceback" not in line
    reports = list((tmp_path / "state" / "tui-nn").glob("crash-*.txt"))
    assert len(reports) == 1 and f"full report in {reports[0]}" in line
    report = reports[0].read_text()
    assert "Traceback (most recent call last)" in report and "ZeroDivisionError: a bug planted by the test" in report
    assert f"command line: {script} xor" in report and "textual 8." in report and "numpy " in report
    assert "size 120×40" in report


@pytest.mark.parametrize(
    ("real", "stale", "shown"),
    [((120, 40), (50, 10), FIRST_FRAME), ((50, 15), (120, 40), b"make me bigger")],
    ids=["stale-small", "stale-large"],
)
def test_the_real_terminal_size_wins_over_columns_and_lines(
    terminals: list[Terminal], tmp_path: Path, real: tuple[int, int], stale: tuple[int, int], shown: bytes
) -> None:
    terminal = spawn(
        [sys.executable, "-m", "tui_nn", "xor"], tmp_path, size=real, env={"COLUMNS": str(stale[0]), "LINES": str(stale[1])}
    )
    terminals.append(terminal)
    deadline = time.monotonic() + DEADLINE
    assert terminal.read_until(shown, deadline), bytes(terminal.output[-300:])
    # "this terminal is 50×15" (or 50x15), wrapped to the width it is drawn at
    expected = re.compile(f"{real[0]}(x|×){real[1]}".encode())
    if shown != FIRST_FRAME:
        assert terminal.read_until_match(expected, deadline)
    else:
        assert b"make me bigger" not in terminal.output
    terminal.write(b"q")
    assert terminal.read_to_eof(deadline) and terminal.wait(deadline) == 0


# --- in-process: the crash path without a terminal -------------------------------------------


class _AppWithABug(TuiNN):
    def action_cycle_view(self) -> None:
        raise RuntimeError("the view went wrong\nsecond line of the message")


def test_crash_in_process_sets_status_report_and_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    app = _AppWithABug(build(Config()))

    async def press_v(pilot: Pilot[None]) -> None:
        await pilot.press("v")
        await pilot.pause()
        if app.is_running:  # the bug was not reached: fail below rather than wait forever
            app.exit(return_code=99)

    app.run(headless=True, size=(120, 40), auto_pilot=press_v)
    assert app.return_code == lifecycle.CRASH_STATUS
    assert app.crash_report is not None and app.crash_report.parent == tmp_path / "state" / "tui-nn"
    assert "RuntimeError: the view went wrong" in app.crash_report.read_text()
    assert app.crash_report.stat().st_mode & 0o777 == 0o600
    line = lifecycle.describe_exit(app)
    assert line is not None and "\n" not in line
    assert line.startswith("tui-nn: error: internal error, RuntimeError: the view went wrong at ")
    assert "test_lifecycle.py:" in line and "in action_cycle_view" in line
    assert line.endswith(f"full report in {app.crash_report}")


class _AppWhoseOutputIsGone(TuiNN):
    def action_cycle_view(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")  # what the web driver meets when its tab has closed


def test_output_gone_is_a_hang_up_not_a_crash(tmp_path: Path) -> None:
    app = _AppWhoseOutputIsGone(build(Config()))

    async def press_v(pilot: Pilot[None]) -> None:
        await pilot.press("v")
        await pilot.pause()
        if app.is_running:
            app.exit(return_code=99)

    app.run(headless=True, size=(80, 24), auto_pilot=press_v)
    assert app.return_code == lifecycle.TERMINAL_GONE_STATUS and app.crash is None
    assert not (tmp_path / "state").exists()


def test_reports_fall_back_when_the_state_folder_cannot_be_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))  # tui-nn/ cannot be made inside a file
    monkeypatch.setattr(lifecycle.tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    try:
        raise ValueError("boom")
    except ValueError as error:
        report = lifecycle.write_report(error)
    assert report is not None and report.parent == tmp_path / "tmp" / f"tui-nn-{os.getuid()}"
    monkeypatch.setenv("XDG_STATE_HOME", "relative/path")  # the XDG spec: ignore relative values
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert lifecycle.report_folders()[0] == tmp_path / "home" / ".local" / "state" / "tui-nn"


async def test_live_training_ends_when_the_app_ends_without_q(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: only q stopped the training thread; an exit by a signal, a closed terminal or a
    crash left it training, and the process then waited for it forever."""
    finished = threading.Event()
    original = LiveTraining._main

    def main_then_signal(self: LiveTraining) -> None:
        try:
            original(self)
        finally:
            finished.set()

    monkeypatch.setattr(LiveTraining, "_main", main_then_signal)
    app = TuiNN(build(Config()), target_loss=1e-300, pace=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("T")
        assert app.training
        app.exit(return_code=128 + signal.SIGTERM)  # what the SIGTERM handler does
    assert await asyncio.to_thread(finished.wait, DEADLINE), "the training thread is still running"
