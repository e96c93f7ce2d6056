"""Seeded random keys over every screen: the main screen, help, settings (typing anything,
markup characters included) and live training, at 80×24 and 120×40. The app must end with no
exception, still running, and `q` must still quit. And user-supplied text (what is typed, a file's
name) is shown literally, never parsed as markup."""

from __future__ import annotations

import random
import string
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.text import Text
from textual.pilot import Pilot

from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import DATA_PROBLEM, Config
from tui_nn.ui.panes.widgets import TablePane
from tui_nn.ui.screens.help import HelpScreen
from tui_nn.ui.screens.settings import SettingsScreen
from tui_nn.ui.shell.app import TuiNN
from tui_nn.ui.shell.live import TrainingProgress, TrainingStopped

MAIN_KEYS = [
    *["right", "left", "space", "f", "b", "F", "B", "e", "up", "down", "0", "1", "2", "4", "9"],
    *["plus", "minus", "v", "r", "s", "escape", "enter", "tab"],
    *["T", "T", "question_mark", "c"],  # live training and the two modals
    # the teaching and NumPy keys, and the modals they open (quiz, card, lesson, own input, check)
    *["m", "g", "G", "I", "a", "w", "C", "L", "greater_than_sign", "less_than_sign", "A", "i", "n", "p"],
]
# While training, mostly keys that leave it running (a stepping key pauses it first).
TRAINING_KEYS = ["plus", "minus", "v", "m", "g", "s", "escape", "tab", "question_mark", "right", "e", "1", "0", "c", "t"]
# (No page keys: their scroll animation makes every press wait for it, without testing more.)
HELP_KEYS = ["down", "up", "down", "tab", "question_mark", "escape", "right", "T", "c", "e", "plus"]
# Typed into the settings fields: every printable character except q (on a Select, which does
# not take letters, q is the app's quit key: quitting is checked at the end instead).
TYPED = [c for c in string.printable if c not in "q\t\n\r\x0b\x0c"] + list("[]\\[]/=") * 4  # markup, often
SETTINGS_KEYS = ["tab", "shift+tab", "backspace", "left", "right", "up", "down", "enter", "escape", "home", "end"]
MODAL_KEYS = ["escape", "enter", "tab", "backspace", "left", "right", "up", "down"]
# Each phase opens a screen (or starts training) and then presses random keys from there.
OPENINGS = ["train", "settings", "help", "train", "settings"]
KEYS_PER_PHASE = 10


def next_key(rng: random.Random, app: TuiNN) -> str:
    screen = app.screen
    if isinstance(screen, SettingsScreen):
        return rng.choice(TYPED) if rng.random() < 0.7 else rng.choice(SETTINGS_KEYS)
    if isinstance(screen, HelpScreen):
        return rng.choice(HELP_KEYS)
    if len(app.screen_stack) > 1:  # the other modals: typed answers and inputs, or closing keys
        return rng.choice(TYPED) if rng.random() < 0.6 else rng.choice(MODAL_KEYS)
    if app.training:
        return rng.choice(TRAINING_KEYS[:9]) if rng.random() < 0.75 else rng.choice(TRAINING_KEYS)
    return rng.choice(MAIN_KEYS)


async def settle(pilot: Pilot[None], done: Callable[[], bool]) -> None:
    """Let the app work until `done()` (polled, with a deadline rather than a fixed sleep)."""
    deadline = time.monotonic() + 30
    while not done():
        assert time.monotonic() < deadline, "the app did not get there"
        await pilot.pause()


async def back_to_main_screen(pilot: Pilot[None], app: TuiNN) -> None:
    for _ in range(5):
        if len(app.screen_stack) == 1:
            break
        await pilot.press("escape")
    await settle(pilot, lambda: len(app.screen_stack) == 1)


async def open_phase(pilot: Pilot[None], app: TuiNN, opening: str) -> None:
    """From wherever the keys left the app: back to the main screen, then into `opening`."""
    await back_to_main_screen(pilot, app)
    if opening != "train" and app.training:  # (training under help is covered by the train phases)
        await pilot.press("t")
        await settle(pilot, lambda: not app.training)
    if opening == "train":
        if not app.training:
            await pilot.press("T")
        await settle(pilot, lambda: app.training)
    elif opening == "help":
        await pilot.press("question_mark")
        await settle(pilot, lambda: isinstance(app.screen, HelpScreen))
    else:
        await pilot.press("c")
        await settle(pilot, lambda: isinstance(app.screen, SettingsScreen))
        await pilot.press("[", "/", "]", "\\")  # markup in whichever field has the focus, every time


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_random_keys_on_every_screen(size: tuple[int, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))  # a crash report would land here
    rng = random.Random(8 + size[0])
    # Live training never stops by itself; at 5 epochs a second the training thread is mostly
    # idle, so pilot's wait for an idle process after each key ends as soon as the key is handled.
    app = TuiNN(build(Config()), target_loss=1e-300, pace=5)
    visited: set[str] = set()
    async with app.run_test(size=size) as pilot:
        for opening in OPENINGS:
            await open_phase(pilot, app, opening)
            for _ in range(KEYS_PER_PHASE):
                key = next_key(rng, app)
                visited.add(type(app.screen).__name__ + (" training" if app.training else ""))
                await pilot.press(key)
                assert app.is_running and app.crash is None, f"after {key!r}: {app.crash!r}"
        # Back to the main screen, training stopped, then q must still quit.
        await back_to_main_screen(pilot, app)
        if app.training:
            await pilot.press("t")
            await settle(pilot, lambda: not app.training)
        await app.workers.wait_for_complete()
        assert app.is_running and len(app.screen_stack) == 1
        unsaved = app.view.epoch > 0 and bool((app.view.snapshot.params != app._saved_params).any())
        await pilot.press("q")
        if unsaved:  # the first q only says that the training is not saved; the second quits
            assert app.is_running and app.message.endswith("s saves · q again quits")
            await pilot.press("q")
        await settle(pilot, lambda: not app.is_running)
    assert app.crash is None and app.return_code == 0
    assert not list((tmp_path / "state").rglob("crash-*"))
    # The run really went everywhere it claims to test.
    assert {"SettledScreen training", "SettledScreen", "HelpScreen", "SettingsScreen"} <= visited


async def test_markup_typed_into_every_settings_field_is_shown_literally() -> None:
    """Before: typing '[/]' into a field raised MarkupError (its error message quotes the input)."""
    app = TuiNN(build(Config()))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        for name in ("hidden", "init", "lr"):
            screen.query_one(f"#field-{name}").focus()
            await pilot.press("end", "[", "/", "]", "[", "b", "]", "\\")
            shown = str(screen.query_one(f"#error-{name}").render())
            assert app.is_running and app.crash is None
            if "'" in shown:  # the messages that quote the input show it as typed
                assert "[/][b]\\" in shown, (name, shown)
        await pilot.press("enter")
        assert "not applied" in str(screen.query_one("#settings-message").render())
        await pilot.press("escape")
        assert app.is_running and app.session.net.sizes == (2, 2, 1)


async def test_training_messages_after_shutdown_are_ignored() -> None:
    """Before: a progress message from the training thread that arrived while the app was
    shutting down (a signal, a closed terminal, the end of a test) drew into panes that were
    already gone: NoMatches, a crash on the way out."""
    app = TuiNN(build(Config()), target_loss=1e-300, pace=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("T")
        view = app.view
        live = app.live
    assert not app.is_running and live is not None
    app.live = live  # as if the thread's last messages were still on their way
    app.on_training_progress(TrainingProgress(view, 1000.0))
    app.on_training_stopped(TrainingStopped(None))


async def test_a_data_file_name_with_markup_is_shown_literally(tmp_path: Path) -> None:
    """Before: the pane title took a --data file's name as markup: '[red]pts[@click=app.quit]x.csv'
    was shown as a red, clickable 'ptsx' (and a name with a closing tag could not be shown at all)."""
    rng = random.Random(3)
    path = tmp_path / "[red]pts[@click=app.quit]x.csv"
    path.write_text("".join(f"{rng.random():.3f},{rng.random():.3f},{i % 2}\n" for i in range(40)))
    app = TuiNN(build(Config().with_changes(problem=DATA_PROBLEM, data=str(path))))
    async with app.run_test(size=(120, 40)):
        title = app.query_one(TablePane).border_title
        assert title is not None and Text.from_markup(title).plain == "[red]pts[@click=app.quit]x · 40 points"
