"""`tui-nn serve`: the app in a web browser (textual-serve), tested for real.

The end-to-end test starts the server on a free loopback port, opens the page in headless
Chromium (Debian's package, driven by Playwright) and reads the terminal's text from the page.
The page's xterm.js draws on a canvas, so its text is not in the DOM: the test serves the page
its own textual.js with one change, the terminal object kept in `window.__xterm`, and reads the
terminal's buffer, the text a screen reader would get.
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tui_nn.cli.commands import main
from tui_nn.cli.serve import app_arguments, make_serve_parser, session_command

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# What headless Chromium needs in this sandbox (no GPU, no network but loopback, root).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEADLINE_MS = 60_000  # generous: a loaded 2-core machine may take seconds to start a session
TERMINAL_CONSTRUCTION = re.compile(r"this\.terminal=new (\w+)\.Terminal\(")
# The terminal's lines as text, read from xterm.js's buffer (kept by the patched textual.js).
SCREEN_TEXT_JS = """
window.__screenText = () => {
  const terminal = window.__xterm;
  if (!terminal) return "";
  const buffer = terminal.buffer.active, lines = [];
  for (let row = 0; row < buffer.length; row++) {
    const line = buffer.getLine(row);
    lines.push(line ? line.translateToString(true) : "");
  }
  return lines.join("\\n");
};
// The log marks the current step with ▶ in the gutter, where the headless trace has a space.
window.__unmarkedText = () => window.__screenText().replaceAll("▶", " ");
window.__statusEpoch = () => {
  const match = /^\\s*epoch (\\d+)\\s/m.exec(window.__screenText());
  return match ? Number(match[1]) : -1;
};
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    """Poll `condition` until it holds; fail naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds:g} s waiting for {what}")
        time.sleep(0.05)


def page_answers(url: str, host: str | None = None) -> str | None:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            text: str = response.read().decode()
            return text
    except OSError:
        return None


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def crash_reports(self) -> list[Path]:
        """Crash reports the server's sessions wrote (an app that crashed)."""
        folder = self.log.parent / "state" / "tui-nn"
        return sorted(folder.iterdir()) if folder.is_dir() else []


def start_server(cwd: Path, *app_options: str) -> Served:
    """`tui-nn serve` on a free loopback port, its output in cwd/server.log and its sessions' crash
    reports in cwd/state/tui-nn (see crash_reports); returns once it answers."""
    port = free_port()
    log = cwd / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tui_nn", "serve", *app_options, "--port", str(port)],
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, "XDG_STATE_HOME": str(cwd / "state")},
        )
    served = Served(process, port, log)
    try:
        wait_until(lambda: process.poll() is not None or page_answers(served.url) is not None, 60, "the server to answer")
    except AssertionError:
        stop_server(served)
        raise
    assert process.poll() is None, f"the server exited: {served.output()}"
    return served


def stop_server(served: Served) -> None:
    if served.process.poll() is None:
        served.process.send_signal(signal.SIGINT)
        try:
            served.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(served.process.pid, signal.SIGKILL)
            served.process.wait(10)


def children(pid: int) -> list[int]:
    """Live (not zombie) processes whose parent is pid, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            state, parent = stat.rsplit(")", 1)[1].split()[:2]
            if int(parent) == pid and state != "Z":
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def expose_terminal(route: Any) -> None:
    """Serve textual.js with its xterm.js Terminal also kept in window.__xterm."""
    response = route.fetch()
    patched, count = TERMINAL_CONSTRUCTION.subn(r"this.terminal=window.__xterm=new \1.Terminal(", response.text())
    assert count == 1, "textual-serve's textual.js no longer builds its terminal as this test expects: update the pattern"
    route.fulfill(response=response, body=patched)


def prepare_page(page: Any) -> None:
    """Read the terminal's text; keep the page off the network (it links a web font)."""
    page.add_init_script(SCREEN_TEXT_JS)
    page.route("**/static/js/textual.js", expose_terminal)
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda route: route.abort())


def open_session(context: Any, url: str) -> Any:
    """A new tab on the served page, once the app has drawn its status line and has the keyboard."""
    page = context.new_page()
    prepare_page(page)
    page.goto(url)
    page.wait_for_function("window.__statusEpoch() >= 0", timeout=DEADLINE_MS)
    page.focus("textarea.xterm-helper-textarea")
    return page


def launch_chromium(playwright: Any, user_data_dir: Path) -> Any:
    return playwright.chromium.launch_persistent_context(
        str(user_data_dir),
        executable_path=CHROMIUM,
        args=CHROMIUM_FLAGS,
        headless=True,
        viewport={"width": 1280, "height": 800},
    )


needs_chromium = pytest.mark.skipif(
    not os.access(CHROMIUM, os.X_OK), reason=f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium)"
)


# --- the command line, without a server -------------------------------------------------------


def test_the_command_line_does_not_load_textual_serve() -> None:
    code = "import sys, tui_nn.cli.commands, tui_nn.cli.serve; print(sorted(m for m in sys.modules if m.startswith(('textual_serve', 'aiohttp'))))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_without_the_extra_one_line_says_how_to_install_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "textual_serve", None)  # makes `import textual_serve...` raise ImportError
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)
    assert main(["serve", "xor", "--port", str(free_port())]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "tui-nn: error: serving needs the serve extra: pip install 'tui-nn[serve]'\n"


BAD = [
    ("serve xor --lr fast", "--lr: learning rate must be a number"),
    ("serve xor --hidden 0", "--hidden: a hidden layer size must be at least 1"),
    ("serve xor --target-loss -1", "--target-loss:"),
    ("serve xor --weights missing.json", "missing.json"),
    ("serve xor --port 0", "--port: port must be at least 1 and at most 65535"),
    ("serve xor --port 70000", "--port: port must be at least 1 and at most 65535"),
    ("serve xor --port http", "--port: port must be a whole number"),
    ("serve xor --host no-such-host.invalid", "--host: cannot resolve 'no-such-host.invalid'"),
    ("serve xor --max-sessions 0", "--max-sessions: the number of sessions must be at least 1"),
    ("serve xor --max-sessions many", "--max-sessions: the number of sessions must be a whole number"),
    ("serve xor --idle-timeout -1", "--idle-timeout: the idle timeout must be at least 0"),
    ("serve xor --idle-timeout nan", "--idle-timeout: the idle timeout must be at least 0"),
    ("serve xor --idle-timeout soon", "--idle-timeout: the idle timeout must be a number of minutes"),
    ("serve xor --colour red", "unrecognized arguments: --colour red"),
    ("serve blob", "blob"),
    ("serve", "name a problem (xor, and, or, nand, circle, spiral, spiral3, blobs, sine, saddle) or give --data FILE.csv"),
]


@pytest.mark.parametrize(("command", "message"), BAD)
def test_a_bad_option_is_one_line_before_anything_starts(capsys: pytest.CaptureFixture[str], command: str, message: str) -> None:
    assert main(command.split()) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("tui-nn: error: ") and err.count("\n") == 1
    assert message in err


def test_a_port_in_use_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "xor", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err == f"tui-nn: error: cannot listen on 127.0.0.1 port {port}: address already in use\n"


@pytest.mark.parametrize(
    "options",
    [
        ["xor"],
        ["spiral", "--hid", "16,8", "--ascii", "--lr=0.01", "--host", "127.0.0.1", "--port", "9"],
        ["and", "--save-to", "my net; rm -rf x.json", "--digits", "6", "--init", "normal:0.5", "--seed", "0"],
        ["xor", "--lr", "-1", "--target-loss", "1e-9", "--optimizer", "adam", "--batch", "2", "--weights", "a b.npz"],
    ],
)
def test_every_app_option_reaches_each_session_unchanged(options: list[str]) -> None:
    served = make_serve_parser().parse_args(options)
    words = app_arguments(served)
    as_app = vars(make_serve_parser().parse_args(words))
    expected = vars(served)
    server_options = ("host", "port", "max_sessions", "idle_timeout")  # never passed on: the defaults come back
    assert [as_app.pop(name) for name in server_options] == ["127.0.0.1", "8000", "30", "30"]
    for name in server_options:
        expected.pop(name)
    assert as_app == expected
    # The shell textual-serve uses gets back exactly these words, quoting included.
    assert shlex.split(session_command(words)) == ["exec", sys.executable, "-m", "tui_nn.cli.serve", *words]


# --- a real server ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One server for the module: XOR with η = 0.5 (to see the option reach the page) and a target
    loss live training will not reach while the test watches its epoch counter."""
    server = start_server(tmp_path_factory.mktemp("serve"), "xor", "--lr", "0.5", "--target-loss", "1e-12")
    yield server
    stop_server(server)


def test_the_page_points_its_websocket_at_the_address_the_browser_used(served: Served) -> None:
    # Listening on 0.0.0.0 the server cannot know its own address; a student's browser asked for
    # this one, so the page must send the terminal's WebSocket there too.
    page = page_answers(served.url, host="classroom.example:8123")
    assert page is not None
    assert 'data-session-websocket-url="ws://classroom.example:8123/ws"' in page
    assert f"127.0.0.1:{served.port}" not in page


@needs_chromium
def test_in_chromium_step_forward_then_train(served: Served, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from playwright.sync_api import sync_playwright

    # What the page must show: the headless trace of the same problem and options, from the engine.
    assert main(["trace", "xor", "--lr", "0.5", "--no-words"]) == 0  # the formula lines (a sentence is one long line)
    header, *trace = capsys.readouterr().out.splitlines()
    first_steps = trace[:4]  # three → presses: "forward · sample 1 …" and the h1 z line, h1 a, h2 z
    assert first_steps[0].startswith("forward · sample 1 ")

    with sync_playwright() as playwright:
        context = launch_chromium(playwright, tmp_path / "chromium-profile")
        try:
            page = open_session(context, served.url)
            screen = page.evaluate("window.__screenText()")
            described = header.removeprefix("trace ").split(" · walking ")[0]  # the header also says what is walked
            assert described in screen  # "xor: 2-2-1 sigmoid, bce, sgd η=0.5, …": the options arrived
            assert "forward · sample 1" not in screen

            for _ in range(3):
                page.keyboard.press("ArrowRight")
            page.wait_for_function(
                "lines => lines.every(line => window.__unmarkedText().includes(line))", arg=first_steps, timeout=DEADLINE_MS
            )
            screen = page.evaluate("window.__unmarkedText()")
            positions = [screen.index(line) for line in first_steps]
            assert positions == sorted(positions), "the log's lines are out of order"
            assert page.evaluate("window.__statusEpoch()") == 0

            page.keyboard.press("T")
            page.wait_for_function("window.__statusEpoch() > 0", timeout=DEADLINE_MS)
            seen = page.evaluate("window.__statusEpoch()")
            page.wait_for_function("seen => window.__statusEpoch() > seen", arg=seen, timeout=DEADLINE_MS)

            # Another tab is another session: it starts from epoch 0 while the first one trains.
            other = open_session(context, served.url)
            assert other.evaluate("window.__statusEpoch()") == 0
            assert "forward · sample 1" not in other.evaluate("window.__screenText()")
            assert page.evaluate("window.__statusEpoch()") > seen

            page.keyboard.press("T")
            page.wait_for_function("() => /paused by you at epoch \\d+/.test(window.__screenText())", timeout=DEADLINE_MS)
            paused = int(re.findall(r"paused by you at epoch (\d+)", page.evaluate("window.__screenText()"))[-1])
            assert paused > seen
            assert other.evaluate("window.__statusEpoch()") == 0
        finally:
            context.close()


# --- sessions end with the server ---------------------------------------------------------------


async def _open_session_without_a_browser(port: int) -> tuple[Any, asyncio.Task[None]]:
    """A WebSocket as the page opens it, read as the page reads it (so a close is answered at once);
    returns once the app has drawn something."""
    import aiohttp

    client = aiohttp.ClientSession()
    websocket = await client.ws_connect(f"ws://127.0.0.1:{port}/ws?width=100&height=30")
    drawn = asyncio.Event()

    async def read() -> None:
        async for message in websocket:
            if message.type == aiohttp.WSMsgType.BINARY:
                drawn.set()

    reader = asyncio.create_task(read())
    async with asyncio.timeout(DEADLINE_MS / 1000):
        await drawn.wait()
    return client, reader


@pytest.mark.parametrize(
    ("stop", "status"),
    [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGKILL, -signal.SIGKILL)],
    ids=["ctrl-c", "terminated", "killed"],
)
async def test_stopping_the_server_ends_its_sessions(tmp_path: Path, stop: signal.Signals, status: int) -> None:
    # Ctrl+C must not wait for tabs to close, and says how the server ended as the README's exit
    # status table does (128 + the signal); a server killed outright must not leave its app
    # processes running (the kernel ends them: see tui_nn.cli.serve.end_with_server).
    server = start_server(tmp_path, "xor")
    sessions: list[int] = []
    try:
        client, reader = await _open_session_without_a_browser(server.port)
        sessions = children(server.process.pid)
        assert len(sessions) == 1
        server.process.send_signal(stop)
        returncode = await asyncio.to_thread(server.process.wait, 30)
        assert returncode == status, server.output()
        await asyncio.to_thread(wait_until, lambda: not alive(sessions[0]), 30, "the session process to end")
        reader.cancel()
        await client.close()
    finally:
        stop_server(server)
        for pid in filter(alive, sessions):  # only after a failure: leave no process behind
            os.kill(pid, signal.SIGKILL)
