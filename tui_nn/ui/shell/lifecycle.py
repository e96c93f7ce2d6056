"""How the app starts and ends: it needs a terminal, and every way out leaves that terminal as it found it.

- **A crash** (any unexpected exception inside the app) restores the terminal, writes a full
  report (traceback, versions, command line) under `$XDG_STATE_HOME/tui-nn/` (else
  `~/.local/state/tui-nn/`, else the temporary folder) and ends with one line on stderr and
  status CRASH_STATUS, never 0.
- **SIGTERM, SIGHUP and SIGINT** exit through the event loop as `q` does (status 128 + the
  signal's number); a second signal while that exit is stuck restores the terminal directly and
  ends the process.
- **A terminal that goes away** without a SIGHUP (its pty closed) shows up as end-of-file or EIO
  on input: Textual's input thread would spin on it forever, so TerminalDriver exits instead
  (status TERMINAL_GONE_STATUS), and drops output that can no longer be written.
- **No terminal at all** is refused before anything starts (missing_terminal), and the size comes
  from the terminal itself, not from stale COLUMNS/LINES variables.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import platform
import selectors
import shlex
import signal
import sys
import tempfile
import threading
import time
import traceback
from codecs import getincrementaldecoder
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import IO, Any, TypeVar

from textual.app import App
from textual.driver import Driver
from textual.message import Message

CRASH_STATUS = 70  # EX_SOFTWARE in sysexits.h: an internal error
TERMINAL_GONE_STATUS = 128 + signal.SIGHUP  # what a shell reports for a hang-up
EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
# Everything the Linux driver turns on, turned off: kitty keys, alternate screen, cursor, focus
# events, bracketed paste, the four mouse modes, line wrap.
RESTORE_SEQUENCE = (
    "\x1b[<u\x1b[?1049l\x1b[?25h\x1b[?1004l\x1b[?2004l\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l\x1b[?1016l\x1b[?7h"
)
STANDARD_STREAMS = ((0, "standard input"), (1, "standard output"), (2, "standard error"))

ReturnType = TypeVar("ReturnType")


# --- before the app: a terminal, and its real size -----------------------------------------


def missing_terminal() -> str | None:
    """The first standard stream that is not a terminal ('standard input', …), or None.

    Textual reads keys from stdin and draws on stderr, and a pipe on stdout means the user is
    capturing output the app cannot give: all three must be the terminal. Unless another driver
    is asked for (TEXTUAL_DRIVER: `tui-nn serve` runs each browser tab's app over pipes).
    """
    from textual import constants

    if constants.DRIVER is not None:
        return None
    for fd, name in STANDARD_STREAMS:
        if not os.isatty(fd):  # False for a closed descriptor too (`<&-`)
            return name
    return None


def terminal_size() -> tuple[int, int] | None:
    """(columns, lines) asked of the terminal itself, or None when no standard stream is one."""
    for fd in (2, 1, 0):
        try:
            columns, lines = os.get_terminal_size(fd)
        except OSError:
            continue
        if columns > 0 and lines > 0:
            return columns, lines
    return None


def forget_stale_size() -> None:
    """Drop COLUMNS and LINES when the terminal can say its own size.

    Rich (and so Textual's console) prefers these variables to the terminal; a shell exports
    them once and they go stale as soon as the window is resized.
    """
    if terminal_size() is not None:
        os.environ.pop("COLUMNS", None)
        os.environ.pop("LINES", None)


# --- crash reports -----------------------------------------------------------------------------


def report_folders() -> list[Path]:
    """Where crash reports go, in order of preference (XDG base directory spec, then the temp dir)."""
    folders: list[Path] = []
    state = os.environ.get("XDG_STATE_HOME", "")
    if os.path.isabs(state):  # the spec says relative values are to be ignored
        folders.append(Path(state) / "tui-nn")
    else:
        with contextlib.suppress(RuntimeError, KeyError):
            folders.append(Path.home() / ".local" / "state" / "tui-nn")
    folders.append(Path(tempfile.gettempdir()) / f"tui-nn-{os.getuid()}")
    return folders


def _versions() -> str:
    from importlib import metadata  # only a crash report needs it, and it costs the start ~30 ms

    names = []
    for package in ("tui-nn", "numpy", "textual", "rich"):
        try:
            names.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            names.append(f"{package} (not installed)")
    return ", ".join(names) + f"; Python {platform.python_version()} on {platform.platform()}"


def report_text(error: BaseException, context: list[str]) -> str:
    size = terminal_size()
    lines = [
        "tui-nn crash report",
        f"time: {time.strftime('%Y-%m-%d %H:%M:%S %z')}",
        f"command line: {shlex.join(sys.argv)}",
        f"working directory: {os.getcwd() if os.path.exists('.') else '(gone)'}",
        f"versions: {_versions()}",
        f"terminal: TERM={os.environ.get('TERM', '')!r}, size {f'{size[0]}×{size[1]}' if size else 'unknown'}",
        *context,
        "",
        "".join(traceback.format_exception(error)).rstrip(),
        "",
    ]
    return "\n".join(lines)


def write_report(error: BaseException, context: list[str] | None = None) -> Path | None:
    """Write a crash report to the first folder that takes it; its path, or None if none did."""
    try:
        text = report_text(error, context or [])
    except Exception as failure:  # the report must not be the second crash
        text = f"tui-nn crash report (partial: {failure!r})\n\n" + "".join(traceback.format_exception(error))
    name = f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.txt"
    for folder in report_folders():
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            path = folder / name
            # Exclusive and private: a report names files and folders of the user.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as handle:
                handle.write(text)
            return path
        except OSError:
            continue
    return None


def _where(error: BaseException) -> str:
    """file:line in function, of the innermost frame in tui-nn's own code (else the innermost)."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return ""
    ours = [f for f in frames if f"{os.sep}tui_nn{os.sep}" in f.filename]
    frame = (ours or frames)[-1]
    filename = frame.filename
    marker = f"{os.sep}tui_nn{os.sep}"
    if marker in filename:
        filename = "tui_nn" + os.sep + filename.rsplit(marker, 1)[1]
    return f"{filename}:{frame.lineno} in {frame.name}"


def crash_line(error: BaseException, report: Path | None) -> str:
    """The one line a crash ends with: what went wrong, where, and where the full report is."""
    first = str(error).strip().splitlines()[0] if str(error).strip() else ""
    if len(first) > 160:
        first = first[:157] + "…"
    what = f"{type(error).__name__}: {first}" if first else type(error).__name__
    where = _where(error)
    at = f" at {where}" if where else ""
    saved = f"full report in {report}" if report else "no report could be written (no writable state or temp folder)"
    return f"tui-nn: error: internal error, {what}{at}; {saved}"


def say(line: str) -> None:
    """Print one line on stderr, if there is still somewhere to print it."""
    with contextlib.suppress(OSError, ValueError):
        print(line, file=sys.stderr, flush=True)


def output_gone(error: BaseException) -> bool:
    """Whether `error` says the other end of the output has gone (a closed pipe or terminal)."""
    return isinstance(error, (BrokenPipeError, ConnectionResetError)) or (
        isinstance(error, OSError) and error.errno in (errno.EIO, errno.ENXIO, errno.EPIPE)
    )


# --- the driver: real size, output that may fail, input that may end ------------------------


class TerminalGone(Message):
    """Input reached end-of-file or EIO: the terminal has gone away."""


class _TolerantOutput:
    """Wraps the stream Textual draws on; once the terminal is gone, output is dropped, not raised.

    (Textual's writer thread dies on the first EIO, after which every write blocks on its full
    queue, and the app could never finish shutting down.)
    """

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self.gone = False

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                self._stream.write(text)
            except (OSError, ValueError):
                self.gone = True
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            try:
                self._stream.flush()
            except (OSError, ValueError):
                self.gone = True

    def fileno(self) -> int:
        return self._stream.fileno()

    def isatty(self) -> bool:
        return True


if sys.platform != "win32":
    from textual._xterm_parser import XTermParser  # no public parser; tests/test_textual_privates.py holds its contract
    from textual.drivers.linux_driver import LinuxDriver

    class TerminalDriver(LinuxDriver):
        """Textual's Linux driver, for a terminal that can resize, hang up or vanish."""

        def __init__(self, app: App[Any], **options: Any) -> None:
            super().__init__(app, **options)
            self.output = _TolerantOutput(self._file)  # type: ignore[arg-type]
            self._file = self.output  # type: ignore[assignment]

        # Ctrl+Z (SIGTSTP) and SIGCONT. Python runs a signal handler in the main thread at its next
        # bytecode, so the SIGCONT handler can run *inside* the SIGTSTP handler: a SIGCONT sent
        # while the app was still leaving application mode, before it had stopped itself, used to
        # resume application mode there, after which the SIGTSTP handler's own SIGSTOP stopped the
        # process for good, with nothing left to continue it. (A SIGCONT handled before the SIGTSTP
        # handler starts, or in the instant between its check and its SIGSTOP, is still lost, as
        # for any program that stops itself: a shell's `fg` waits for the stop.)
        _suspending = False  # inside our SIGTSTP handler, before and during its SIGSTOP
        _continued = False  # a SIGCONT arrived while _suspending: do not stop, or stop no more
        _must_resume = False  # application mode was left for a SIGTSTP and is not back yet
        _resuming = False  # inside resume_application_mode

        def _sigtstp_application(self, *_: Any) -> None:
            """Leave application mode, stop, and once continued come back: all in this handler."""
            if self._suspending:
                return  # a second SIGTSTP while the first is being handled
            self._suspending, self._continued = True, False
            try:
                if self._auto_restart and not self._must_resume:
                    self.suspend_application_mode()
                    self._must_signal_resume = True  # the app publishes its resume signal
                    self._must_resume = True
                if not self._continued:  # a SIGCONT already came: stopping now would be for good
                    os.kill(os.getpid(), signal.SIGSTOP)
            finally:
                self._suspending = False
            self._resume()

        def _sigcont_application(self, *_: Any) -> None:
            """Resume application mode only if a SIGTSTP suspended it. An external SIGSTOP (a
            process manager, a debugger) cannot be caught, so nothing was suspended: starting
            application mode again would start a second input and writer thread, and the first
            ones, never stopped, would keep the process alive after q with a blank screen."""
            if self._suspending:
                self._continued = True  # the SIGTSTP handler resumes once it is done
                return
            if self._must_resume:
                self._resume()  # e.g. the resume after `bg` was refused, and this is `fg`
                return
            loop = self._app._loop
            if loop is not None:  # the terminal may have been written to meanwhile: draw it all again
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(self._app.refresh)

        def _resume(self) -> None:
            """Start application mode again after our SIGTSTP, once (never nested in itself)."""
            if not self._must_resume or self._resuming:
                return
            self._resuming = True
            try:
                writer = self._writer_thread
                self.resume_application_mode()
                # Textual gives up, without a sign, when a background process may not set the
                # terminal's modes (continued by `bg`): a later SIGCONT (`fg`) tries again.
                if self._writer_thread is not writer:
                    self._must_resume = False
            finally:
                self._resuming = False

        def _get_terminal_size(self) -> tuple[int, int]:
            """The terminal's own size: COLUMNS and LINES only when no stream can tell."""
            size = terminal_size()
            return size if size is not None else super()._get_terminal_size()

        def emergency_restore(self) -> None:
            """Put the terminal back at once, bypassing the (possibly stuck) event loop and writer."""
            with contextlib.suppress(OSError, ValueError):
                os.write(self.output.fileno(), RESTORE_SEQUENCE.encode())
            if self.attrs_before is not None:
                with contextlib.suppress(Exception):
                    import termios

                    termios.tcsetattr(self.fileno, termios.TCSANOW, self.attrs_before)

        def _run_input_thread(self) -> None:
            # Textual's wrapper reports a failure by printing a traceback as it exits; route it
            # through the app's crash handling instead (report file, one line, status 70).
            try:
                self.run_input_thread()
            except Exception as error:
                loop = self._app._loop
                if loop is not None:
                    with contextlib.suppress(RuntimeError):
                        loop.call_soon_threadsafe(self._app._handle_exception, error)

        def run_input_thread(self) -> None:
            """Textual's input loop (textual 8.2 linux_driver), ending on end-of-file or EIO.

            Textual's own loop treats an empty read as 'nothing this time' and selects again;
            a closed terminal is readable forever, so that loop spins at full CPU and never exits.
            """
            selector = selectors.SelectSelector()
            selector.register(self.fileno, selectors.EVENT_READ)
            parser = XTermParser(self._debug)
            decode = getincrementaldecoder("utf-8")().decode
            try:
                while not self.exit_event.is_set():
                    for _key, mask in selector.select(0.1):
                        if not mask & selectors.EVENT_READ:
                            continue
                        data = self._read()
                        if not data:
                            self._app.post_message(TerminalGone())
                            return
                        for event in parser.feed(decode(data)):
                            self.process_message(event)
                    for event in parser.tick():
                        self.process_message(event)
            finally:
                selector.close()
                with contextlib.suppress(Exception):
                    for _ in parser.feed(""):
                        pass

        def _read(self) -> bytes:
            """Up to 4 KiB of input; b'' once the terminal is gone (EOF, EIO, or a closed descriptor)."""
            try:
                return os.read(self.fileno, 4096)
            except OSError as error:
                if error.errno in (errno.EIO, errno.EBADF, errno.ENXIO):
                    return b""
                raise


# --- the app's side ------------------------------------------------------------------------------


class ResilientApp(App[ReturnType]):
    """An App that never reports success after a crash, and leaves by the front door on signals.

    After `run()`, `crash` and `crash_report` say whether and why the app crashed, and
    `return_code` is CRASH_STATUS, 128 + a signal's number, TERMINAL_GONE_STATUS or 0.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.crash: BaseException | None = None
        self.crash_report: Path | None = None
        self.exit_signal: int | None = None

    def get_driver_class(self) -> type[Driver]:
        from textual import constants

        if sys.platform == "win32" or constants.DRIVER is not None:
            return super().get_driver_class()
        return TerminalDriver

    def crash_context(self) -> list[str]:
        """Lines about the app's state for the crash report (it must not raise)."""
        lines = [f"app: {type(self).__name__} · {self.sub_title}"]
        with contextlib.suppress(Exception):
            lines.append(f"screens: {' > '.join(type(s).__name__ for s in self.screen_stack)} · size {self.size}")
        return lines

    def _handle_exception(self, error: Exception) -> None:
        """Textual's crash path, with its long traceback replaced by a report file and one line.

        An output that can no longer be written (the terminal, or a browser tab's pipe, gone while
        the app draws or shuts down) is not a bug: the app ends as for a hang-up, with no report.
        """
        if self.crash is None and output_gone(error):
            before = len(self._exit_renderables)
            super()._handle_exception(error)
            del self._exit_renderables[before:]
            self._return_code = TERMINAL_GONE_STATUS if self.exit_signal is None else 128 + self.exit_signal
            return
        first = self.crash is None
        if first:
            self.crash = error
            context: list[str] = []
            with contextlib.suppress(Exception):
                context = self.crash_context()
            self.crash_report = write_report(error, context)
        before = len(self._exit_renderables)
        super()._handle_exception(error)  # keeps Textual's bookkeeping (pilot re-raises) and shuts down
        del self._exit_renderables[before:]  # the traceback is in the report; the line is printed by the caller
        self._return_code = CRASH_STATUS

    def crash_message(self) -> str | None:
        return crash_line(self.crash, self.crash_report) if self.crash is not None else None

    def on_terminal_gone(self, _message: TerminalGone) -> None:
        self.exit(return_code=TERMINAL_GONE_STATUS)

    async def run_async(self, **options: Any) -> ReturnType | None:
        """Run with exit-by-signal handlers in place (only in the main thread, and restored after)."""
        if threading.current_thread() is not threading.main_thread():
            return await super().run_async(**options)
        restore = self._install_signal_handlers(asyncio.get_running_loop())
        try:
            return await super().run_async(**options)
        finally:
            restore()

    def _install_signal_handlers(self, loop: asyncio.AbstractEventLoop) -> Callable[[], None]:
        previous = {signum: signal.getsignal(signum) for signum in EXIT_SIGNALS}

        def handler(signum: int, _frame: FrameType | None) -> None:
            if self.exit_signal is not None:
                # The first signal's orderly exit did not get through (the loop is busy or stuck):
                # restore the terminal by hand and go.
                driver = self._driver
                if sys.platform != "win32" and isinstance(driver, TerminalDriver):
                    driver.emergency_restore()
                os._exit(128 + signum)
            self.exit_signal = signum
            with contextlib.suppress(RuntimeError):  # the loop is closed: nothing left to stop
                loop.call_soon_threadsafe(self.exit, None, 128 + signum)

        for signum in EXIT_SIGNALS:
            signal.signal(signum, handler)

        def restore() -> None:
            for signum, old in previous.items():
                signal.signal(signum, old if old is not None else signal.SIG_DFL)

        return restore


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def describe_exit(app: ResilientApp[Any]) -> str | None:
    """The one line an abnormal end of the app prints on stderr (None for a normal quit)."""
    message = app.crash_message()
    if message is not None:
        return message
    if sys.platform == "win32" or app.driver_class is not TerminalDriver:
        return None  # a browser tab's app (tui-nn serve) goes quietly
    if app.exit_signal is not None:
        return f"tui-nn: stopped by {signal_name(app.exit_signal)}"
    if app.return_code == TERMINAL_GONE_STATUS:
        return "tui-nn: the terminal went away: stopped"
    return None


def crash_outside_app(error: BaseException) -> int:
    """For an unexpected error outside the app (headless commands, start-up): report, one line, status 70."""
    say(crash_line(error, write_report(error)))
    return CRASH_STATUS
