"""`tui-nn serve`: the app in a web browser, one independent app process per browser tab.

textual-serve (the optional `serve` extra) runs an aiohttp server whose page holds an
xterm.js terminal; each WebSocket connection, that is each tab, starts its own
`python -m tui_nn PROBLEM [options]` process and pipes the terminal to it. Nothing is
shared between tabs but the command line given to `serve`.

textual-serve is imported inside `run_serve` only, so the core install (textual, rich,
numpy) never needs it and `tui-nn --help` stays as fast as before.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shlex
import signal
import socket
import sys
from collections.abc import Sequence
from typing import Any

from tui_nn.cli import _option, make_parser, prepare_app
from tui_nn.engine import config as cfg
from tui_nn.engine.config import ConfigError

SERVER_PID_VARIABLE = "TUI_NN_SERVER_PID"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
INSTALL_HINT = "tui-nn: error: serving needs the serve extra: pip install 'tui-nn[serve]'"


def make_serve_parser() -> argparse.ArgumentParser:
    """The app's own parser (every app option passes through) plus --host and --port."""
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
    return parser


def app_arguments(args: argparse.Namespace) -> list[str]:
    """The app's command line rebuilt from the parsed options, without --host and --port.

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
    return "exec " + shlex.join([sys.executable, "-m", "tui_nn.serve", *app_words])


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
    """`tui-nn serve [--host H] [--port P] PROBLEM [options]`; errors raise as in the other commands."""
    args = make_serve_parser().parse_args(list(argv))
    port = _option("--port", args.port, parse_port)
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
    )
    # textual-serve takes the current event loop; give it a fresh one (no deprecation warning).
    asyncio.set_event_loop(asyncio.new_event_loop())
    try:
        server.serve()
    except OSError as error:
        print(f"tui-nn: error: cannot listen on {args.host} port {port}: {error.strerror or error}", file=sys.stderr)
        return 2
    return 0


def _classroom_server(base: type[Any]) -> type[Any]:
    """textual-serve's Server with URLs taken from each request, session lines instead of an access
    log, and a stop that ends open sessions at once."""

    class ClassroomServer(base):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.sessions: set[asyncio.Task[Any]] = set()
            self.sessions_started = 0

        def initialize_logging(self) -> None:
            super().initialize_logging()
            logging.getLogger("aiohttp.access").setLevel(logging.WARNING)  # a line per static file is noise

        async def handle_index(self, request: Any) -> Any:
            # textual-serve writes absolute URLs (the WebSocket's included) from one fixed public
            # URL, which would be http://0.0.0.0:8000 when listening on every interface: use the
            # address the browser itself used. The base handler reads it before its first await,
            # so concurrent requests cannot see each other's value.
            self.public_url = f"{request.scheme}://{request.host}"
            return await super().handle_index(request)

        async def handle_websocket(self, request: Any) -> Any:
            task = asyncio.current_task()
            assert task is not None
            self.sessions.add(task)
            self.sessions_started += 1
            number = self.sessions_started
            print(f"tui-nn: session {number} opened from {request.remote} ({len(self.sessions)} open)", flush=True)
            try:
                return await super().handle_websocket(request)
            finally:
                self.sessions.discard(task)
                print(f"tui-nn: session {number} closed ({len(self.sessions)} open)", flush=True)

        async def on_startup(self, app: Any) -> None:
            where = f"http://{'[' + self.host + ']' if ':' in self.host else self.host}:{self.port}"
            print(f"tui-nn: serving {self.title} at {where}/ (one session per browser tab; Ctrl+C stops)", flush=True)
            if self.host in ("0.0.0.0", "::", ""):
                print("tui-nn: listening on every network interface: open this machine's address from other machines", flush=True)

        async def on_shutdown(self, app: Any) -> None:
            # Without this the server would wait (up to aiohttp's 60 s) for every open tab to close.
            # A cancelled session closes its WebSocket and tells its app to quit (textual-serve's own
            # handling of cancellation), and the app process exits.
            open_sessions = list(self.sessions)
            for task in open_sessions:
                task.cancel()
            await asyncio.gather(*open_sessions, return_exceptions=True)

    return ClassroomServer


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
    from tui_nn.cli import main

    raise SystemExit(main(sys.argv[1:]))
