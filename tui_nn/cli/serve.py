"""`tui-nn serve`: the app in a web browser, one independent app process per browser tab.

textual-serve (the optional `serve` extra) runs an aiohttp server whose page holds an
xterm.js terminal; each WebSocket connection, that is each tab, starts its own
`python -m tui_nn PROBLEM [options]` process and pipes the terminal to it. Nothing is
shared between tabs but the command line given to `serve`.

textual-serve is imported inside `run_serve` only, so the core install (textual, rich,
numpy) never needs it and `tui-nn --help` stays as fast as before.

On a shared machine the server is the one door to every session, so it checks what textual-serve
takes on trust: a WebSocket must come from the server's own page (any other web page open in a
browser here could otherwise start sessions and press keys that write files), every message
and terminal size is validated before it reaches an app, a bad client costs one console line,
and the number of sessions and their idle time are bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import logging
import math
import os
import shlex
import signal
import socket
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tui_nn.cli.options import make_parser, option, prepare_app
from tui_nn.engine.session import config as cfg
from tui_nn.engine.session.config import ConfigError

SERVER_PID_VARIABLE = "TUI_NN_SERVER_PID"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
INSTALL_HINT = "tui-nn: error: serving needs the serve extra: pip install 'tui-nn[serve]'"
# A class on one machine: every session is a process of about 60 MB (see the README's figures).
DEFAULT_MAX_SESSIONS = 30
MAX_SESSIONS_LIMIT = 1000
DEFAULT_IDLE_MINUTES = 30.0
MAX_IDLE_MINUTES = 7 * 24 * 60.0
# Terminal sizes a browser can ask for: the page measures its window in cells (a 4K screen at a
# small font is about 500 × 150). Beyond these a size is a client's mistake, or a way to make one
# session draw millions of cells on a shared machine: clamped rather than refused.
WIDTH_RANGE = (1, 500)
HEIGHT_RANGE = (1, 200)
DEFAULT_SIZE = (80, 24)
# The page sends a key or a paste per message; anything larger is no keyboard's.
MAX_MESSAGE_BYTES = 64 * 1024
# An app's first screen is kilobytes of escape sequences; the bytes before it (alternate screen,
# mouse modes) are a few dozen. At the smallest sizes the first screen is short too: a size change
# then waits at most FIRST_SCREEN_WAIT seconds after the first byte.
FIRST_SCREEN_BYTES = 1024
FIRST_SCREEN_WAIT = 5.0
# Seconds an app has to quit once asked, then to end once terminated, before the next step.
QUIT_GRACE = 10.0
END_GRACE = 3.0


def make_serve_parser() -> argparse.ArgumentParser:
    """The app's own parser (every app option passes through) plus the server's options."""
    parser = make_parser()["app"]
    parser.prog = "tui-nn serve"
    parser.description = (
        "Serve the app to web browsers: every browser tab gets its own independent session, started with the options given here."
    )
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=(
            f"address to listen on (default {DEFAULT_HOST}: this machine only). "
            "0.0.0.0 listens on every network interface: anyone who can reach this machine "
            "(a classroom network, or the internet without a firewall) can open sessions, "
            "with no password, and each session is a process running here"
        ),
    )
    parser.add_argument("--port", default=str(DEFAULT_PORT), help=f"TCP port to listen on (default {DEFAULT_PORT})")
    parser.add_argument(
        "--max-sessions",
        default=str(DEFAULT_MAX_SESSIONS),
        metavar="N",
        help=f"most sessions open at once; a tab beyond them is told the class is full (default {DEFAULT_MAX_SESSIONS})",
    )
    parser.add_argument(
        "--idle-timeout",
        default=f"{DEFAULT_IDLE_MINUTES:g}",
        metavar="MINUTES",
        help=(
            "end a session after this many minutes without a key press or a resize, training or not; "
            f"0 never does (default {DEFAULT_IDLE_MINUTES:g})"
        ),
    )
    return parser


@dataclass(frozen=True)
class Limits:
    max_sessions: int
    idle_seconds: float | None  # None: sessions never time out


def parse_max_sessions(text: str) -> int:
    return cfg.parse_int("the number of sessions", text, 1, MAX_SESSIONS_LIMIT)


def parse_idle_minutes(text: str) -> float:
    try:
        minutes = float(text)
    except ValueError:
        raise ConfigError(f"the idle timeout must be a number of minutes, not '{text}'") from None
    if not (math.isfinite(minutes) and 0 <= minutes <= MAX_IDLE_MINUTES):
        raise ConfigError(f"the idle timeout must be at least 0 and at most {MAX_IDLE_MINUTES:g} minutes, not {text}")
    return minutes


def limits_from(args: argparse.Namespace) -> Limits:
    minutes = option("--idle-timeout", args.idle_timeout, parse_idle_minutes)
    return Limits(
        max_sessions=option("--max-sessions", args.max_sessions, parse_max_sessions),
        idle_seconds=minutes * 60 if minutes > 0 else None,
    )


def app_arguments(args: argparse.Namespace) -> list[str]:
    """The app's command line rebuilt from the parsed options, without the server's own options.

    Rebuilt from the namespace rather than copied from argv, so abbreviations (`--hid 4`)
    and `--opt=value` forms come out in one canonical form, `--option=value`, which also
    keeps values starting with '-' from being read as options.
    """
    app_parser = make_parser()["app"]
    words: list[str] = []
    for action in app_parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        value = getattr(args, action.dest)
        if not action.option_strings:
            if value is not None:  # the problem, optional with --data or --lesson
                words.append(str(value))
        elif value is None or value == action.default:
            continue
        elif action.nargs == 0 or (action.nargs == "?" and value == action.const):  # a flag, or --lesson alone
            words.append(max(action.option_strings, key=len))
        else:
            words.append(f"{max(action.option_strings, key=len)}={value}")
    return words


def session_command(app_words: Sequence[str]) -> str:
    """The shell command textual-serve runs for each tab (it starts it with a shell): this module
    as a script, which runs `tui-nn PROBLEM [options]` bound to the server's life."""
    # `exec`: the shell becomes the app instead of staying as one more process per tab.
    return "exec " + shlex.join([sys.executable, "-m", "tui_nn.cli.serve", *app_words])


def check_app_options(args: argparse.Namespace) -> None:
    """Every check `tui-nn PROBLEM` makes before its app starts, so a bad option fails here, once,
    rather than in every browser tab (raises ConfigError, NetworkFileError, LessonError, …)."""
    prepare_app(args)


def parse_port(text: str) -> int:
    return cfg.parse_int("port", text, 1, 65535)


def check_can_listen(host: str, port: int) -> None:
    """Bind once and let go, so a taken port or a foreign address is one line before anything starts
    (the server itself would report it after its banner, inside a longer message)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as error:
        raise ConfigError(f"--host: cannot resolve '{host}': {error.strerror}") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
        try:
            probe.bind(address)
        except OSError as error:
            reason = (error.strerror or str(error)).lower()
            raise ConfigError(f"cannot listen on {host} port {port}: {reason}") from None


def run_serve(argv: Sequence[str]) -> int:
    """`tui-nn serve [--host H] [--port P] PROBLEM [options]`; errors raise as in the other commands.

    Returns 0, or 128 + N when signal N stopped the server (130 for Ctrl+C, 143 for SIGTERM)."""
    args = make_serve_parser().parse_args(list(argv))
    port = option("--port", args.port, parse_port)
    limits = limits_from(args)
    check_app_options(args)
    check_can_listen(args.host, port)
    try:
        from textual_serve.server import Server
    except ImportError:
        print(INSTALL_HINT, file=sys.stderr)
        return 2
    words = app_arguments(args)
    os.environ[SERVER_PID_VARIABLE] = str(os.getpid())  # sessions inherit it (see end_with_server)
    server = _classroom_server(Server)(
        session_command(words),
        host=args.host,
        port=port,
        title=shlex.join(["tui-nn", *words]),
        limits=limits,
    )
    # textual-serve takes the current event loop; give it a fresh one (no deprecation warning).
    asyncio.set_event_loop(asyncio.new_event_loop())
    try:
        server.serve()
    except OSError as error:
        print(f"tui-nn: error: cannot listen on {args.host} port {port}: {error.strerror or error}", file=sys.stderr)
        return 2
    return 128 + server.stopped_by if server.stopped_by else 0


# --- what a client may send ---------------------------------------------------------------------


class BadMessage(ValueError):
    """A WebSocket message the page would never send; its text says what is wrong with it."""


def clamp_size(width: object, height: object) -> tuple[int, int]:
    """A terminal size the app can lay out: whole numbers clamped to WIDTH_RANGE × HEIGHT_RANGE
    (a negative size crashes Textual's compositor; a huge one asks it for gigabytes)."""
    if type(width) is not int or type(height) is not int:  # bool is an int too, and no size
        raise BadMessage("a size that is not two whole numbers")
    return min(max(width, WIDTH_RANGE[0]), WIDTH_RANGE[1]), min(max(height, HEIGHT_RANGE[0]), HEIGHT_RANGE[1])


def size_from_query(query: Any) -> tuple[int, int]:
    """The first terminal size, from the WebSocket URL's ?width=&height=: clamped, or the default
    80 × 24 for what is not a whole number."""

    def whole(name: str, default: int) -> int:
        text = str(query.get(name, "")).strip()
        digits = text.removeprefix("-")
        # Short digit strings only: int() refuses more than 4,300 digits with a ValueError of its own.
        return int(text) if digits.isascii() and digits.isdigit() and len(digits) <= 9 else default

    return clamp_size(whole("width", DEFAULT_SIZE[0]), whole("height", DEFAULT_SIZE[1]))


def parse_message(text: str) -> tuple[str, Any]:
    """One message from the page, checked: ("stdin", str), ("resize", (width, height)),
    ("ping", str), ("focus", None) or ("blur", None). Raises BadMessage for anything else."""
    try:
        envelope = json.loads(text)
    except (ValueError, RecursionError):  # ValueError includes JSON errors and a 5,000-digit number
        raise BadMessage("not JSON") from None
    if not isinstance(envelope, list) or not envelope or not isinstance(envelope[0], str):
        raise BadMessage("not a list starting with the message's type")
    kind, payload = envelope[0], envelope[1] if len(envelope) > 1 else None
    if kind == "stdin":
        if not isinstance(payload, str):
            raise BadMessage("stdin without text")
        try:
            payload.encode("utf-8")
        except UnicodeEncodeError:
            raise BadMessage("stdin with a lone surrogate, not Unicode text") from None
        return kind, payload
    if kind == "resize":
        if not isinstance(payload, dict):
            raise BadMessage("resize without a width and a height")
        return kind, clamp_size(payload.get("width"), payload.get("height"))
    if kind == "ping":
        if not isinstance(payload, str) or len(payload) > 100:
            raise BadMessage("ping without a short text")
        return kind, payload
    if kind in ("focus", "blur"):
        return kind, None
    raise BadMessage("an unknown type of message")


def describe_client_text(text: str, limit: int = 40) -> str:
    """A client's text made safe for the server's console: escapes instead of control characters
    (a terminal would obey them), and shortened."""
    shown = ascii(text[:limit])
    return shown if len(text) <= limit else shown + "…"


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def same_origin(origin: str, scheme: str, host: str) -> bool:
    """Whether the Origin a browser sent is the page this server gave it at `host` (the Host header)."""
    try:
        parts = urlsplit(origin)
        theirs = (parts.scheme.lower(), parts.hostname, parts.port or (443 if parts.scheme.lower() == "https" else 80))
        ours = urlsplit(f"{scheme}://{host}")
        mine = (scheme.lower(), ours.hostname, ours.port or (443 if scheme.lower() == "https" else 80))
    except ValueError:  # a port that is not a number, an unbalanced '['
        return False
    return theirs == mine


def websocket_refusal(origin: str | None, scheme: str, host: str, listening_on: str) -> str | None:
    """Why a WebSocket must be refused, or None to accept it.

    Browsers send an Origin with every WebSocket, naming the page that opened it; without this
    check any web page open in a browser on the machine could open sessions here. Programs that
    are not browsers send none, and are let in: they run on a machine that can reach the port, so
    they could as well run tui-nn themselves. On a loopback address the Host must name loopback
    too: a page whose own name resolves to 127.0.0.1 (DNS rebinding) is then its own origin.
    """
    try:
        page_host = urlsplit(f"//{host}").hostname or ""
    except ValueError:  # an unbalanced '[': no address a browser would send
        return f"the page's address {describe_client_text(host)} is not an address"
    if is_loopback(listening_on) and not is_loopback(page_host):
        return f"the page's address {describe_client_text(host)} is not this machine's loopback"
    if origin is not None and not same_origin(origin, scheme, host):
        return f"opened by another site's page ({describe_client_text(origin)})"
    return None


class SizeGate:
    """The app's terminal size, whose changes wait until the app has drawn its first screen.

    A resize that reaches the app while it is still starting (the page sends its size as soon as
    it connects, and a font arriving late changes it) leaves Textual re-laying out the screen
    forever: a quarter of a core busy, memory growing by megabytes a second, and `quit` never
    handled, so the process outlives its tab. A change that equals the size in force is dropped.
    """

    def __init__(self, size: tuple[int, int], apply: Any) -> None:
        self.size = size
        self.apply = apply  # async (width, height) -> None
        self.pending: tuple[int, int] | None = None
        self.drawn = 0  # bytes the app has written
        self.first_byte_at: float | None = None

    @property
    def app_started(self) -> bool:
        if self.drawn >= FIRST_SCREEN_BYTES:
            return True
        return self.first_byte_at is not None and time.monotonic() - self.first_byte_at >= FIRST_SCREEN_WAIT

    async def wrote(self, count: int) -> None:
        """The app wrote `count` bytes to the page: a held size goes once it has started."""
        self.drawn += count
        if self.first_byte_at is None:
            self.first_byte_at = time.monotonic()
        await self.release()

    async def release(self) -> None:
        if self.pending is not None and self.app_started:
            size, self.pending = self.pending, None
            await self.request(size)

    async def request(self, size: tuple[int, int]) -> None:
        if not self.app_started:
            self.pending = size
        elif size != self.size:
            self.size = size
            await self.apply(*size)


def terminal_text(text: str) -> bytes:
    """Lines written straight into the page's terminal (when there is no app to draw them)."""
    return ("\x1b[2J\x1b[H" + text.replace("\n", "\r\n") + "\r\n").encode()


def one_line_logging() -> logging.Handler:
    """textual-serve and aiohttp log a client's mistakes with tracebacks (Rich's, with every local
    variable, some forty lines each): on a shared console one line says enough."""

    class OneLine(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            lines = record.getMessage().splitlines() or [""]
            text = lines[0]
            if record.exc_info and record.exc_info[1] is not None:
                error = record.exc_info[1]
                text = f"{text} ({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''})".rstrip()
            return f"tui-nn: {record.name}: {text}"

    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(OneLine())
    return handler


def _classroom_server(base: type[Any]) -> type[Any]:
    """textual-serve's Server with URLs taken from each request, session lines instead of an access
    log, a stop that ends open sessions at once, and its WebSocket checked (see the module's doc)."""
    from aiohttp import WSMsgType, web
    from aiohttp.web_runner import GracefulExit
    from textual_serve.app_service import AppService

    class ClassroomServer(base):  # type: ignore[misc]
        def __init__(self, *args: Any, limits: Limits, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.limits = limits
            self.sessions: set[asyncio.Task[Any]] = set()  # each with its app: what --max-sessions counts
            self.without_app: set[asyncio.Task[Any]] = set()  # sockets kept to show why there is no app
            self.sessions_started = 0
            self.stopped_by = 0  # the signal that stopped the server, if one did

        def initialize_logging(self) -> None:
            logging.basicConfig(level=logging.INFO, handlers=[one_line_logging()], force=True)
            logging.getLogger("aiohttp.access").setLevel(logging.WARNING)  # a line per static file is noise

        def serve(self, debug: bool = False) -> None:
            # textual-serve's own serve(), but the signal's number is kept for the exit status.
            self.debug = debug
            self.initialize_logging()
            loop = asyncio.get_event_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, self.stop_on_signal, signum)
            web.run_app(
                self._make_app(), host=self.host, port=self.port, handle_signals=False, loop=loop, print=lambda *args: None
            )

        def stop_on_signal(self, signum: int) -> None:
            if not self.stopped_by:
                self.stopped_by = signum
            raise GracefulExit()

        def class_is_full(self) -> str | None:
            if len(self.sessions) < self.limits.max_sessions:
                return None
            most = self.limits.max_sessions
            return (
                f"The class is full: {most} session{'s' * (most != 1)} open, the most this server allows "
                "(tui-nn serve --max-sessions).\nClose a tab you no longer use, or ask your teacher; then reload this page."
            )

        async def handle_index(self, request: Any) -> Any:
            if (full := self.class_is_full()) is not None:
                return web.Response(status=503, content_type="text/html", text=full_page(self.title, full))
            # textual-serve writes absolute URLs (the WebSocket's included) from one fixed public
            # URL, which would be http://0.0.0.0:8000 when listening on every interface: use the
            # address the browser itself used. The base handler reads it before its first await,
            # so concurrent requests cannot see each other's value.
            self.public_url = f"{request.scheme}://{request.host}"
            return await super().handle_index(request)

        async def handle_websocket(self, request: Any) -> Any:
            refusal = websocket_refusal(request.headers.get("Origin"), request.scheme, request.host, self.host)
            if refusal is not None:
                print(f"tui-nn: refused a session from {request.remote}: {refusal}", flush=True)
                return web.Response(status=403, text=f"tui-nn: refused: {refusal}\n")
            websocket = web.WebSocketResponse(heartbeat=15, max_msg_size=MAX_MESSAGE_BYTES)
            full = self.class_is_full()
            task = asyncio.current_task()
            assert task is not None
            # Counted before the first await, so two tabs cannot both take the last place.
            (self.sessions if full is None else self.without_app).add(task)
            try:
                await websocket.prepare(request)
                if full is not None:
                    print(f"tui-nn: refused a session from {request.remote}: {self.limits.max_sessions} open", flush=True)
                    await websocket.send_bytes(terminal_text(full))
                else:
                    self.sessions_started += 1
                    if not await self.run_session(request, websocket, self.sessions_started) or websocket.closed:
                        return websocket
                    minutes = (self.limits.idle_seconds or 0) / 60
                    await websocket.send_bytes(
                        terminal_text(
                            f"This session ended after {minutes:g} minute{'s' * (minutes != 1)} without a key press "
                            "(tui-nn serve --idle-timeout).\nReload the page to start a new one."
                        )
                    )
                await self.wait_for_client_to_leave(websocket)
            except asyncio.CancelledError:
                await websocket.close()
            except ConnectionError:  # the client left while we wrote to it
                pass
            finally:
                self.sessions.discard(task)
                self.without_app.discard(task)
            return websocket

        async def run_session(self, request: Any, websocket: Any, number: int) -> bool:
            """The app for one tab, from its start to its end; returns True if it ended for idleness
            (the tab's socket is then left open, moved from the sessions to those without an app)."""
            width, height = size_from_query(request.query)
            print(f"tui-nn: session {number} opened from {request.remote} ({len(self.sessions)} open)", flush=True)
            timed_out = False

            async def close() -> None:
                # The app closes the page's WebSocket when it exits; after an idle timeout the page
                # keeps it, to show why the session ended.
                if not timed_out:
                    await websocket.close()

            async def write_bytes(data: bytes) -> None:
                await websocket.send_bytes(data)
                await size.wrote(len(data))

            service = AppService(
                self.command,
                write_bytes=write_bytes,
                write_str=websocket.send_str,
                close=close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            size = SizeGate((width, height), service.set_terminal_size)
            try:
                await service.start(width, height)
                try:
                    timed_out = await self.relay(websocket, service, size, number)
                finally:
                    await self.stop_app(service, number)
            except (ConnectionError, OSError) as error:  # the client went, or the app could not start
                print(f"tui-nn: session {number}: {type(error).__name__}: {error}", flush=True)
            finally:
                task = asyncio.current_task()
                assert task is not None
                self.sessions.discard(task)
                if timed_out:
                    self.without_app.add(task)
                reason = " after the idle timeout" if timed_out else ""
                print(f"tui-nn: session {number} closed{reason} ({len(self.sessions)} open)", flush=True)
            return timed_out

        async def stop_app(self, service: Any, number: int) -> None:
            """Ask the app to quit (textual-serve's stop); end its process if it does not."""
            process = service._process
            stopping = asyncio.ensure_future(service.stop())
            try:
                await asyncio.wait_for(asyncio.shield(stopping), QUIT_GRACE)
                if process is not None:
                    await asyncio.wait_for(process.wait(), QUIT_GRACE)
            except TimeoutError:
                if process is not None and process.returncode is None:
                    print(f"tui-nn: session {number}: its app did not quit within {QUIT_GRACE:g} s: ending it", flush=True)
                    await end_process(process)
            await stopping  # the app's output has ended with it

        async def relay(self, websocket: Any, service: Any, size: SizeGate, number: int) -> bool:
            """Pass the page's messages to the app, checked; returns True if the session timed out."""
            idle = self.limits.idle_seconds
            last_activity = time.monotonic()
            told = False  # one console line per bad client, however many bad messages it sends
            while True:
                # The clock starts when the app does: a slow start on a busy machine is no one's idleness.
                since = max(last_activity, size.first_byte_at or last_activity)
                remaining = None if idle is None else since + idle - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return True
                if size.pending is not None:  # no output may come to release it: look again soon
                    remaining = min(remaining or FIRST_SCREEN_WAIT, FIRST_SCREEN_WAIT / 5)
                try:
                    message = await websocket.receive(timeout=remaining)
                except TimeoutError:
                    await size.release()
                    continue
                if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED):
                    return False
                if message.type == WSMsgType.ERROR:  # a message over the size limit, a broken frame
                    print(f"tui-nn: session {number}: its connection failed: {websocket.exception()}", flush=True)
                    return False
                try:
                    if message.type != WSMsgType.TEXT:
                        raise BadMessage("a binary message")
                    kind, payload = parse_message(message.data)
                except BadMessage as bad:
                    if not told:
                        shown = describe_client_text(message.data) if isinstance(message.data, str) else "binary"
                        print(f"tui-nn: session {number} sent {bad} ({shown}): ignored, as are any more from it", flush=True)
                        told = True
                    continue
                if kind == "ping":
                    await websocket.send_json(["pong", payload])
                    continue
                last_activity = time.monotonic()
                if kind == "stdin":
                    await service.send_bytes(payload.encode("utf-8"))
                elif kind == "resize":
                    await size.request(payload)
                elif kind == "focus":
                    await service.focus()
                else:
                    await service.blur()

        async def wait_for_client_to_leave(self, websocket: Any) -> None:
            """Keep a socket with no app open, so its page shows what was written, until the client
            leaves or one idle timeout (or a minute) passes; its messages are ignored."""
            deadline = time.monotonic() + (self.limits.idle_seconds or 60.0)
            while not websocket.closed and (remaining := deadline - time.monotonic()) > 0:
                try:
                    message = await websocket.receive(timeout=remaining)
                except TimeoutError:
                    break
                if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
                    break
            await websocket.close()

        async def on_startup(self, app: Any) -> None:
            where = f"http://{'[' + self.host + ']' if ':' in self.host else self.host}:{self.port}"
            print(f"tui-nn: serving {self.title} at {where}/ (one session per browser tab; Ctrl+C stops)", flush=True)
            idle = f"{self.limits.idle_seconds / 60:g} idle minutes" if self.limits.idle_seconds else "no idle timeout"
            print(f"tui-nn: at most {self.limits.max_sessions} sessions at once; {idle}", flush=True)
            if self.host in ("0.0.0.0", "::", ""):
                print("tui-nn: listening on every network interface: open this machine's address from other machines", flush=True)

        async def on_shutdown(self, app: Any) -> None:
            # Without this the server would wait (up to aiohttp's 60 s) for every open tab to close.
            # A cancelled session closes its WebSocket and tells its app to quit (textual-serve's own
            # handling of cancellation), and the app process exits.
            open_sessions = list(self.sessions | self.without_app)
            for task in open_sessions:
                task.cancel()
            await asyncio.gather(*open_sessions, return_exceptions=True)

    return ClassroomServer


async def end_process(process: Any) -> None:
    """SIGTERM twice (the app's second signal ends it even when its loop is stuck), then SIGKILL."""
    for end in (process.terminate, process.terminate, process.kill):
        try:
            end()
        except ProcessLookupError:
            return
        try:
            await asyncio.wait_for(process.wait(), END_GRACE)
            return
        except TimeoutError:
            continue


def full_page(title: str, message: str) -> str:
    import html

    lines = "".join(f"<p>{html.escape(line)}</p>" for line in message.splitlines())
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
        "<body style='background:#0c181f;color:#eee;font-family:monospace;padding:2em'>"
        f"{lines}<p><button onclick='location.reload()'>Reload</button></p></body></html>"
    )


def end_with_server() -> None:
    """Make this session process end when the server process ends, however it ends.

    A session whose server was killed outright (SIGKILL, a crash) would otherwise live on: the
    web driver stops reading its closed stdin but the app keeps running, idle, holding its
    memory. On Linux the kernel sends SIGTERM to the session when its parent dies
    (prctl PR_SET_PDEATHSIG); the parent check after it covers a server that died first.
    Elsewhere a clean Ctrl+C still ends every session.
    """
    if sys.platform != "linux":
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    server_pid = os.environ.get(SERVER_PID_VARIABLE)
    if server_pid is not None and str(os.getppid()) != server_pid:
        raise SystemExit(0)


if __name__ == "__main__":
    end_with_server()
    from tui_nn.cli.commands import main

    raise SystemExit(main(sys.argv[1:]))
