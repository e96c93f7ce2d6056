"""Keys at the wrong moment: typed ahead of a rebuild, or acting on a selection an undo took away.

Type-ahead is reproduced by queueing every key with the driver before the app handles the first
(as a fast typist or key repeat does); Pilot's press() waits for the app to go idle between keys,
which hides these races.
"""

from __future__ import annotations

import pytest
from textual import events
from textual.widgets import Input

from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.engine.walk.explain import elements
from tui_nn.ui.panes.widgets import NetworkPane
from tui_nn.ui.screens.settings import SettingsScreen
from tui_nn.ui.shell.app import TuiNN

SIZE = (120, 40)
CHARACTERS = {"enter": "\r", "tab": "\t", "equals_sign": "="}


def make_app(**config: object) -> TuiNN:
    return TuiNN(build(Config().with_changes(**config)), pace=None)


async def type_ahead(pilot, app: TuiNN, *keys: str) -> None:  # type: ignore[no-untyped-def]
    """Queue every key before the app handles the first, then let it catch up."""
    driver = app._driver
    assert driver is not None
    for key in keys:
        event = events.Key(key, CHARACTERS.get(key, key if len(key) == 1 else None))
        event.set_sender(app)
        driver.send_message(event)
    for _ in range(4):
        await pilot.pause()


@pytest.mark.parametrize("rebuilding_key", ["r", "n"])
async def test_settings_opened_while_a_reset_is_still_rebuilding_keep_their_form(rebuilding_key: str) -> None:
    """`r c Enter` typed quickly crashed with NoMatches: the reset's rebuild replaced the settings'
    form (the screen on top) with the main panes, and Enter then applied a form that was gone."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")  # somewhere to reset from
        await type_ahead(pilot, app, rebuilding_key, "c")
        assert isinstance(app.screen, SettingsScreen)
        assert app.screen.query_one("#field-hidden", Input).value == "2", "the form is whole"
        assert len(app.main_screen.query(NetworkPane)) == 1, "the rebuilt panes went under the form, once"
        app.screen.query_one("#field-hidden", Input).value = "3"
        await type_ahead(pilot, app, "enter")
        assert not isinstance(app.screen, SettingsScreen)
        assert app.session.net.sizes == (2, 3, 1) and app.stepper.epoch == 0
        assert draws_the_session(app), "the panes draw the new network"
    assert app.return_code in (None, 0)


async def test_r_c_enter_typed_as_one_burst_applies_the_settings() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        await type_ahead(pilot, app, "r", "c", "enter")
        assert not isinstance(app.screen, SettingsScreen) and app.stepper.epoch == 0
        assert draws_the_session(app)
    assert app.return_code in (None, 0)


def draws_the_session(app: TuiNN) -> bool:
    """The network pane's View is of the session's network as it is now (its shape and parameters)."""
    view = app.query_one(NetworkPane).view
    net = app.session.net
    return view is not None and view.layers.sizes == net.sizes and view.snapshot.params.tobytes() == net.params.tobytes()


async def back_to_the_perceptron(pilot, app: TuiNN, *, typed_ahead: tuple[str, ...] = ()) -> None:  # type: ignore[no-untyped-def]
    """`xor --hidden none`, `c` hidden 2 Enter, `i` (the first weight into the output of 2-2-1), `u`."""
    await pilot.press("c")
    app.screen.query_one("#field-hidden", Input).value = "2"
    await pilot.press("enter")
    await pilot.pause()
    assert app.session.net.sizes == (2, 2, 1)
    await pilot.press("i")
    assert app.inspecting and app.selection is not None and app.selection.layer == 1
    if typed_ahead:
        await type_ahead(pilot, app, "u", *typed_ahead)
    else:
        await pilot.press("u")
        await pilot.pause()
    assert app.session.net.sizes == (2, 1)


@pytest.mark.parametrize("key", ["z", "equals_sign", "k", "tab", "shift+tab", "up", "down", "left", "right"])
async def test_keys_after_undo_act_on_a_selection_of_the_network_shown(key: str) -> None:
    """`z` and `=` after `u` took the network back to a perceptron: IndexError, exit 70."""
    app = make_app(hidden=())
    async with app.run_test(size=SIZE) as pilot:
        await back_to_the_perceptron(pilot, app)
        assert app.selection in elements(app.session.net.sizes), "the rebuild moved the selection into this network"
        assert app.query_one(NetworkPane).selected == app.selection, "and the new diagram shows it"
        await pilot.press(key)
        await pilot.pause()
        assert app.selection is None or app.selection in elements(app.session.net.sizes)
    assert app.return_code in (None, 0)


@pytest.mark.parametrize(("key", "does"), [("z", "z again zeroes it"), ("equals_sign", "= again sets its value")])
async def test_a_key_typed_ahead_of_the_rebuild_says_the_selection_moved_and_changes_nothing(key: str, does: str) -> None:
    app = make_app(hidden=())
    async with app.run_test(size=SIZE) as pilot:
        before = app.session.net.params.copy()
        await back_to_the_perceptron(pilot, app, typed_ahead=(key,))
        assert not isinstance(app.screen, SettingsScreen) and app.screen is app.main_screen, "no value screen opened"
        assert (app.session.net.params == before).all(), "nothing was zeroed or set"
        assert app.selection in elements(app.session.net.sizes)
        assert app.message.startswith("the selected number is not in this 2-1 network: it moved to ")
        assert app.message.endswith(does)
    assert app.return_code in (None, 0)
