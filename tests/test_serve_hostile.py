"""`tui-nn serve` on a shared machine: what a hostile or broken client can send a real server.

Every case runs against `tui-nn serve` on a free loopback port (tests.test_serve.start_server),
speaking the page's protocol over a WebSocket as textual.js does. After each one the session
must still answer (a key press redraws the screen), its app process must be alive and no crash
report written; the server's console must hold one line per bad client, no traceback.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_serve import Served, alive, children, start_server, stop_server, wait_until
from tui_nn.cli.serve import (
    DEFAULT_IDLE_MINUTES,
    DEFAULT_MAX_SESSIONS,
    MAX_MESSAGE_BYTES,
    BadMessage,
    parse_message,
    websocket_refusal,
)

SECONDS = 60.0  # generous: a loaded 2-core machine may take seconds to start a session
RIGHT = "\x1b[C"  # what xterm.js sends for →: steps the network, so the screen changes


class Client:
    """One WebSocket as the page opens it; binary frames (the terminal's bytes) and text messages
    (pongs) are queued as they come."""

    def __init__(self, http: aiohttp.ClientSession, websocket: aiohttp.ClientWebSocketResponse) -> None:
        self.http, self.websocket = http, websocket
        self.frames: asyncio.Queue[bytes] = asyncio.Queue()
        self.texts: asyncio.Queue[str] = asyncio.Queue()
        self.closed = asyncio.Event()
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.websocket:
            if message.type == aiohttp.WSMsgType.BINARY:
                self.frames.put_nowait(message.data)
            elif message.type == aiohttp.WSMsgType.TEXT:
                self.texts.put_nowait(message.data)
        self.closed.set()

    @classmethod
    async def connect(cls, port: int, query: str = "width=100&height=30", headers: dict[str, str] | None = None) -> Client:
        http = aiohttp.ClientSession()
        try:
            websocket = await http.ws_connect(f"ws://127.0.0.1:{port}/ws?{query}", headers=headers or {})
        except BaseException:
            await http.close()
            raise
        return cls(http, websocket)

    async def drawn(self) -> bytes:
        """The next frame; fails after SECONDS."""
        return await asyncio.wait_for(self.frames.get(), SECONDS)

    async def screen_until(self, text: str) -> str:
        """Frames joined until `text` is among them."""
        seen = b""
        async with asyncio.timeout(SECONDS):
            while text.encode() not in seen:
                seen += await self.frames.get()
        return seen.decode(errors="replace")

    async def answers_keys(self) -> None:
        """Settle, then press →: the app must draw again."""
        await self.ping_through("settle")
        await asyncio.sleep(0.3)
        while not self.frames.empty():
            self.frames.get_nowait()
        await self.websocket.send_str(json.dumps(["stdin", RIGHT]))
        await self.drawn()

    async def ping_through(self, token: str) -> None:
        """A ping answered means the server read every message sent before it."""
        await self.websocket.send_str(json.dumps(["ping", token]))
        async with asyncio.timeout(SECONDS):
            while json.loads(await self.texts.get()) != ["pong", token]:
                pass

    async def close(self) -> None:
        await self.websocket.close()
        self.reader.cancel()
        await self.http.close()


def session_processes(served: Served) -> list[int]:
    return children(served.process.pid)


def assert_no_crash_and_no_traceback(served: Served) -> None:
    assert served.process.poll() is None, served.output()
    assert served.crash_reports() == [], "a session's app crashed: " + served.crash_reports()[0].read_text()[:2000]
    assert "Traceback" not in served.output() and "│" not in served.output(), served.output()


async def wait_for_sessions(served: Served, count: int) -> None:
    await asyncio.to_thread(wait_until, lambda: len(session_processes(served)) == count, SECONDS, f"{count} session(s)")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = start_server(tmp_path_factory.mktemp("serve-hostile"), "xor")
    yield server
    stop_server(server)


@pytest.fixture
async def fresh(served: Served) -> Served:
    """The module's server with no session left open by an earlier test."""
    await wait_for_sessions(served, 0)
    return served


# --- who may connect ------------------------------------------------------------------------------


REFUSED = [
    pytest.param({"Origin": "http://evil.example"}, id="another-site"),
    pytest.param({"Origin": "null"}, id="a-sandboxed-page"),
    pytest.param({"Origin": "http://127.0.0.1:1"}, id="another-port"),
    pytest.param({"Origin": "https://127.0.0.1:{port}"}, id="another-scheme"),
    # DNS rebinding: the attacker's name resolves to 127.0.0.1, so its page is its own origin.
    pytest.param({"Origin": "http://evil.example:{port}", "Host": "evil.example:{port}"}, id="rebound-name"),
]


@pytest.mark.parametrize("headers", REFUSED)
async def test_a_websocket_from_another_page_is_refused(fresh: Served, headers: dict[str, str]) -> None:
    lines_before = fresh.output().count("\n")
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        client = await Client.connect(fresh.port, headers={k: v.format(port=fresh.port) for k, v in headers.items()})
        await client.close()  # only reached when the server let it in
    assert refused.value.status == 403
    await asyncio.sleep(0.5)
    assert session_processes(fresh) == []
    new_lines = fresh.output().splitlines()[lines_before:]
    assert len(new_lines) == 1 and new_lines[0].startswith("tui-nn: refused a session from "), new_lines


ACCEPTED = [
    pytest.param({"Origin": "http://127.0.0.1:{port}"}, id="the-page-itself"),
    pytest.param({"Origin": "http://localhost:{port}", "Host": "localhost:{port}"}, id="the-page-as-localhost"),
    pytest.param({}, id="a-program-not-a-browser"),
]


@pytest.mark.parametrize("headers", ACCEPTED)
async def test_the_servers_own_page_connects(fresh: Served, headers: dict[str, str]) -> None:
    client = await Client.connect(fresh.port, headers={k: v.format(port=fresh.port) for k, v in headers.items()})
    try:
        await client.drawn()
        await client.answers_keys()
    finally:
        await client.close()
    assert_no_crash_and_no_traceback(fresh)


# --- sizes and messages a client cannot crash a session with ----------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "width=-5&height=-5",
        "width=0&height=0",
        "width=1&height=1",
        "width=a&height=b",
        "width=1e3&height=",
        "width=99999999999&height=99999999999",
        "width=" + "9" * 5000 + "&height=30",
    ],
)
async def test_a_terminal_size_in_the_address_cannot_crash_the_session(fresh: Served, query: str) -> None:
    client = await Client.connect(fresh.port, query)
    try:
        await client.drawn()
        await client.websocket.send_str(json.dumps(["resize", {"width": 100, "height": 30}]))
        await client.answers_keys()
        assert len(session_processes(fresh)) == 1
    finally:
        await client.close()
    assert_no_crash_and_no_traceback(fresh)


BAD_MESSAGES: list[Any] = [
    pytest.param("not json", "not JSON", id="not-json"),
    pytest.param("[]", "not a list starting with the message's type", id="empty-list"),
    pytest.param("{}", "not a list starting with the message's type", id="an-object"),
    pytest.param("[5, 5]", "not a list starting with the message's type", id="a-number-for-a-type"),
    pytest.param('["stdin", 5]', "stdin without text", id="stdin-a-number"),
    pytest.param('["stdin"]', "stdin without text", id="stdin-nothing"),
    pytest.param('["stdin", "\\ud800"]', "stdin with a lone surrogate", id="stdin-a-lone-surrogate"),
    pytest.param('["resize", {"width": "a", "height": "b"}]', "a size that is not two whole numbers", id="resize-text"),
    pytest.param('["resize", {"width": true, "height": 30}]', "a size that is not two whole numbers", id="resize-true"),
    pytest.param('["resize", {"width": 1e400, "height": 30}]', "a size that is not two whole numbers", id="resize-infinite"),
    pytest.param('["resize", [80, 24]]', "resize without a width and a height", id="resize-a-list"),
    pytest.param('["ping", {"a": 1}]', "ping without a short text", id="ping-an-object"),
    pytest.param('["quit"]', "an unknown type of message", id="unknown-type"),
    pytest.param("[" * (MAX_MESSAGE_BYTES - 1), "not JSON", id="deep-nesting"),
    pytest.param("[1e" + "9" * 5000 + "]", "not a list starting with the message's type", id="a-huge-number"),
    pytest.param(b"\x00\xff", "a binary message", id="binary"),
]


@pytest.mark.parametrize(("message", "named"), BAD_MESSAGES)
async def test_a_malformed_message_is_one_console_line_and_the_session_goes_on(
    fresh: Served, message: str | bytes, named: str
) -> None:
    client = await Client.connect(fresh.port)
    try:
        await client.drawn()
        lines_before = fresh.output().count("\n")
        for _ in range(3):  # one line per bad client, not per bad message
            await (client.websocket.send_bytes(message) if isinstance(message, bytes) else client.websocket.send_str(message))
        await client.answers_keys()
        new_lines = fresh.output().splitlines()[lines_before:]
        assert_one_line_per_bad_client(fresh)
        assert len(new_lines) == 1, new_lines
        assert new_lines[0].startswith("tui-nn: session ") and f"sent {named}" in new_lines[0], new_lines
        assert len(new_lines[0]) < 200
        assert len(session_processes(fresh)) == 1
    finally:
        await client.close()
    assert_no_crash_and_no_traceback(fresh)


@pytest.mark.parametrize(
    "size",
    [{"width": -5, "height": -5}, {"width": 0, "height": 0}, {"width": 10**9, "height": 10**9}, {"width": 3, "height": 2}],
    ids=["negative", "zero", "huge", "tiny"],
)
async def test_a_resize_to_any_whole_size_is_clamped_not_crashed_on(fresh: Served, size: dict[str, int]) -> None:
    client = await Client.connect(fresh.port)
    try:
        await client.drawn()
        await client.websocket.send_str(json.dumps(["resize", size]))
        await client.websocket.send_str(json.dumps(["resize", {"width": 100, "height": 30}]))
        await client.answers_keys()
    finally:
        await client.close()
    assert_no_crash_and_no_traceback(fresh)


@pytest.mark.parametrize("change", [(100, 30), (81, 24)], ids=["larger", "a-column-more"])
async def test_a_size_change_while_the_app_starts_leaves_it_able_to_quit(fresh: Served, change: tuple[int, int]) -> None:
    # The page sends its size as soon as the socket opens; a late font changes it. Reaching the app
    # before its first screen, the change left it re-laying out its screen for ever, deaf to quit:
    # its process outlived the tab, a quarter of a core busy, memory growing.
    client = await Client.connect(fresh.port, "width=80&height=24")
    try:
        await client.websocket.send_str(json.dumps(["resize", {"width": change[0], "height": change[1]}]))
        await client.drawn()
        [pid] = session_processes(fresh)
        await client.answers_keys()
    finally:
        await client.close()
    await asyncio.to_thread(wait_until, lambda: not alive(pid), SECONDS, "the app to quit with its tab")
    assert "did not quit" not in fresh.output(), "the server had to end the app"
    assert_no_crash_and_no_traceback(fresh)


async def test_a_message_over_the_size_limit_ends_only_its_own_session(fresh: Served) -> None:
    other = await Client.connect(fresh.port)
    flooder = await Client.connect(fresh.port)
    try:
        await other.drawn()
        await flooder.drawn()
        await flooder.websocket.send_str(json.dumps(["stdin", "x" * MAX_MESSAGE_BYTES]))
        await asyncio.wait_for(flooder.closed.wait(), SECONDS)
        await other.answers_keys()
        await wait_for_sessions(fresh, 1)
    finally:
        await flooder.close()
        await other.close()
    assert_no_crash_and_no_traceback(fresh)


# --- Hypothesis: random messages never crash a session or the server --------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
TYPES = st.sampled_from(["stdin", "resize", "ping", "focus", "blur"]) | st.text(max_size=8)
ENVELOPES = st.one_of(
    JSON_VALUES,
    st.tuples(TYPES, JSON_VALUES).map(list),
    st.tuples(st.just("resize"), st.fixed_dictionaries({"width": JSON_VALUES, "height": JSON_VALUES})).map(list),
    st.tuples(st.just("resize"), st.fixed_dictionaries({"width": st.integers(), "height": st.integers()})).map(list),
).filter(lambda envelope: not is_key_press(envelope))
MESSAGES = st.one_of(ENVELOPES.map(json.dumps), st.text(max_size=40), st.binary(max_size=40))


def is_key_press(envelope: object) -> bool:
    """Text as stdin is a key press: keys are the app's to interpret (q quits, as it should), and
    random keys have tests of their own (tests/test_hostile_keys.py). All else is the server's."""
    return isinstance(envelope, list) and envelope[:1] == ["stdin"] and len(envelope) > 1 and isinstance(envelope[1], str)


def assert_one_line_per_bad_client(served: Served) -> None:
    told = [line.split()[2] for line in served.output().splitlines() if line.endswith("ignored, as are any more from it")]
    assert len(told) == len(set(told)), "a bad client got more than one line"


def test_random_websocket_messages_never_crash_the_session_or_the_server(served: Served) -> None:
    loop = asyncio.new_event_loop()
    # One session for every example (a session takes seconds to start): what one example sent
    # must leave it usable for the next, which is the property.
    client = loop.run_until_complete(Client.connect(served.port))
    try:
        loop.run_until_complete(client.drawn())

        @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(messages=st.lists(MESSAGES, min_size=1, max_size=5))
        def send(messages: list[str | bytes]) -> None:
            loop.run_until_complete(send_then_check(served, client, messages))

        send()
    finally:
        loop.run_until_complete(client.close())
        loop.close()


async def send_then_check(served: Served, client: Client, messages: list[str | bytes]) -> None:
    for message in messages:
        await (client.websocket.send_bytes(message) if isinstance(message, bytes) else client.websocket.send_str(message))
    # Back to the page's size, as a browser would be: each example starts from the same screen and
    # the next key is not drawn on 500 × 200 cells.
    await client.websocket.send_str(json.dumps(["resize", {"width": 100, "height": 30}]))
    await client.ping_through(f"after {time.monotonic()}")
    assert len(session_processes(served)) == 1
    await client.answers_keys()
    assert_no_crash_and_no_traceback(served)
    assert_one_line_per_bad_client(served)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(ENVELOPES.map(json.dumps), st.text(), st.lists(TYPES).map(json.dumps)))
def test_any_text_is_a_checked_message_or_bad_message(text: str) -> None:
    try:
        kind, payload = parse_message(text)
    except BadMessage:
        return
    if kind == "resize":
        width, height = payload
        assert 1 <= width <= 500 and 1 <= height <= 200
    else:
        assert kind in ("stdin", "ping", "focus", "blur")
        assert payload is None or isinstance(payload, str)


@pytest.mark.parametrize(
    ("origin", "host", "listening_on", "refused"),
    [
        (None, "127.0.0.1:8000", "127.0.0.1", False),
        ("http://127.0.0.1:8000", "127.0.0.1:8000", "127.0.0.1", False),
        ("http://LOCALHOST:8000", "localhost:8000", "127.0.0.1", False),
        ("http://[::1]:8000", "[::1]:8000", "::1", False),
        ("http://evil.example", "127.0.0.1:8000", "127.0.0.1", True),
        ("http://127.0.0.1:8000", "[::1", "127.0.0.1", True),
        ("http://127.0.0.1:x", "127.0.0.1:8000", "127.0.0.1", True),
        ("http://evil.example:8000", "evil.example:8000", "127.0.0.1", True),
        # Listening on every interface the students' browsers use this machine's name or address.
        ("http://teacher.school.example:8000", "teacher.school.example:8000", "0.0.0.0", False),
        ("http://evil.example", "teacher.school.example:8000", "0.0.0.0", True),
    ],
)
def test_who_may_open_a_session(origin: str | None, host: str, listening_on: str, refused: bool) -> None:
    assert (websocket_refusal(origin, "http", host, listening_on) is not None) == refused


# --- bounds for a class -------------------------------------------------------------------------


def test_help_shows_the_bounds_and_their_defaults() -> None:
    result = subprocess.run([sys.executable, "-m", "tui_nn", "serve", "--help"], capture_output=True, text=True, check=True)
    text = " ".join(result.stdout.split())
    assert (
        f"--max-sessions N most sessions open at once; a tab beyond them is told the class is full (default {DEFAULT_MAX_SESSIONS})"
        in text
    )
    assert f"(default {DEFAULT_IDLE_MINUTES:g})" in text and "--idle-timeout MINUTES" in text


def index_page(port: int) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=SECONDS) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


async def test_beyond_the_most_sessions_a_tab_is_told_the_class_is_full(tmp_path: Path) -> None:
    served = start_server(tmp_path, "xor", "--max-sessions", "2")
    clients: list[Client] = []
    try:
        for _ in range(2):
            clients.append(await Client.connect(served.port))
            await clients[-1].drawn()
        status, page = await asyncio.to_thread(index_page, served.port)
        assert status == 503 and "The class is full: 2 sessions open" in page and "--max-sessions" in page
        # A tab that loaded the page before the class filled: told in its terminal, no app started.
        late = await Client.connect(served.port)
        clients.append(late)
        assert "The class is full: 2 sessions open" in await late.screen_until("reload this page")
        await asyncio.sleep(0.5)
        assert len(session_processes(served)) == 2
        assert "tui-nn: refused a session from" in served.output()
        # A place freed is a place taken.
        await clients.pop(0).close()
        await wait_for_sessions(served, 1)
        # (the server counts the place free when its session's task has finished, a moment after the process
        # is gone: on a loaded machine the page asked in between still said full)
        await asyncio.to_thread(wait_until, lambda: index_page(served.port)[0] == 200, SECONDS, "the freed place")
        clients.append(await Client.connect(served.port))
        await clients[-1].drawn()
        await clients[-1].answers_keys()
        assert_no_crash_and_no_traceback(served)
    finally:
        for client in clients:
            await client.close()
        stop_server(served)


async def test_an_idle_session_ends_and_its_page_says_why(tmp_path: Path) -> None:
    served = start_server(tmp_path, "xor", "--idle-timeout", "0.1")  # 6 s
    client = await Client.connect(served.port)
    try:
        await client.drawn()
        pid = session_processes(served)[0]
        await client.websocket.send_str(json.dumps(["stdin", RIGHT]))  # the student's last key
        last_key = time.monotonic()
        for _ in range(4):  # pings are the page's, not the student's: they keep nothing alive
            await client.websocket.send_str(json.dumps(["ping", "still here?"]))
            await asyncio.sleep(0.5)
        screen = await client.screen_until("Reload the page")
        assert time.monotonic() - last_key >= 5.5
        assert "This session ended after 0.1 minutes without a key press" in screen
        await asyncio.to_thread(wait_until, lambda: not alive(pid), SECONDS, "the idle session's app to end")
        assert not client.closed.is_set()  # the page keeps showing why
        assert "closed after the idle timeout" in served.output()
        assert_no_crash_and_no_traceback(served)
    finally:
        await client.close()
        stop_server(served)


async def test_key_presses_keep_a_session_alive(tmp_path: Path) -> None:
    served = start_server(tmp_path, "xor", "--idle-timeout", "0.1")  # 6 s
    client = await Client.connect(served.port)
    try:
        await client.drawn()
        pid = session_processes(served)[0]
        deadline = time.monotonic() + 9
        while time.monotonic() < deadline:
            await client.websocket.send_str(json.dumps(["stdin", RIGHT]))
            await asyncio.sleep(0.5)
        assert alive(pid)
        await client.answers_keys()
        assert_no_crash_and_no_traceback(served)
    finally:
        await client.close()
        stop_server(served)
