"""Every private part of Textual that tui-nn relies on, held to what tui-nn expects of it.

Where a public API does the job, tui-nn uses it (a screen drops a stale Resize with `on_resize` and
`prevent_default()`, tui_nn/ui/screens/screen_size.py). Where Textual has none (the terminal driver's input
parser and the state it keeps, the footer's key widget, how an app remembers that it is quitting),
pyproject.toml bounds Textual to the releases these were checked against, and this file names each
private so that a Textual release that renames or reshapes one fails here, by name, rather than in
an installed copy.
"""

from __future__ import annotations

import inspect
import re
import signal
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.reactive import Reactive
from textual.widget import Widget
from textual.widgets import Footer

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def textual_requirement() -> SpecifierSet:
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    found = [re.fullmatch(r"textual\s*(.*)", d) for d in dependencies]
    (specifier,) = [m.group(1) for m in found if m is not None]
    return SpecifierSet(specifier)


def test_textual_is_bounded_above_and_the_installed_release_is_in_the_range() -> None:
    """An upper bound keeps a new Textual from breaking an installed copy; a release outside the
    range is untested: run this file against it, then widen the bound."""
    requirement = textual_requirement()
    assert any(spec.operator in ("<", "<=", "==", "~=") for spec in requirement), f"textual{requirement} has no upper bound"
    assert version("textual") in requirement


# --- the input parser (tui_nn/ui/shell/lifecycle.py: TerminalDriver.run_input_thread) -------------------


@pytest.mark.skipif(sys.platform == "win32", reason="the Linux driver")
def test_the_xterm_parser_turns_bytes_into_key_events_as_the_input_loop_feeds_it() -> None:
    from textual._xterm_parser import XTermParser

    assert list(inspect.signature(XTermParser).parameters) == ["debug"]
    parser = XTermParser(False)
    got = [*parser.feed("q"), *parser.feed("\x1b[C"), *parser.tick()]
    assert [event.key for event in got if isinstance(event, events.Key)] == ["q", "right"]
    assert list(parser.feed("")) == []  # the loop's final flush, after the terminal has gone


# --- the Linux driver's state (tui_nn/ui/shell/lifecycle.py: TerminalDriver) ------------------------------

DRIVER_METHODS = ("_sigtstp_application", "_sigcont_application", "_get_terminal_size", "_run_input_thread", "run_input_thread")
DRIVER_STATE = ("_app", "_file", "_debug", "_auto_restart", "_must_signal_resume", "_writer_thread", "attrs_before", "exit_event")


@pytest.mark.skipif(sys.platform == "win32", reason="the Linux driver")
async def test_the_linux_driver_has_the_methods_and_state_the_terminal_driver_overrides_and_reads() -> None:
    from textual.drivers.linux_driver import LinuxDriver

    for name in DRIVER_METHODS:
        assert callable(getattr(LinuxDriver, name, None)), name
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGTSTP, signal.SIGCONT)}
    try:
        driver = LinuxDriver(App())  # (it installs its Ctrl+Z handlers: put back below)
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    missing = [name for name in DRIVER_STATE if not hasattr(driver, name)]
    assert not missing
    assert driver._auto_restart is True and driver._must_signal_resume is False and driver._writer_thread is None


# --- the app's state (tui_nn/ui/shell/lifecycle.py: ResilientApp; tui_nn/ui/shell/app.py: _exit) ---------------


async def test_an_app_keeps_its_loop_driver_exit_and_return_code_where_tui_nn_reads_them() -> None:
    app: App[None] = App()
    assert callable(app._handle_exception)
    async with app.run_test() as pilot:
        assert app._loop is not None and app._driver is not None
        assert app._exit is False and isinstance(app._exit_renderables, list)
        app.exit(return_code=3)
        await pilot.pause()
        assert app._exit is True and app._return_code == 3


# --- the footer (tui_nn/ui/panes/widgets.py: KeysFooter) ------------------------------------------------


class _FooterApp(App[None]):
    BINDINGS = [Binding("a", "bell", "ring"), Binding("b", "bell", "ring too", show=False)]

    def compose(self) -> ComposeResult:
        yield Footer()


async def test_the_footer_composes_footer_keys_with_a_compact_reactive_once_its_bindings_are_ready() -> None:
    from textual.widgets._footer import FooterKey

    assert issubclass(FooterKey, Widget) and isinstance(FooterKey.__dict__.get("compact"), Reactive)
    assert isinstance(Footer.__dict__.get("_bindings_ready"), Reactive)
    app = _FooterApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        footer = app.query_one(Footer)
        assert footer._bindings_ready is True
        keys = list(footer.query(FooterKey))
        assert [key.description for key in keys if not key.has_class("-command-palette")] == ["ring"]
        assert sum(key.has_class("-command-palette") for key in keys) == 1
