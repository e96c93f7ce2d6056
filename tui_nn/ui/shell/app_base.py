"""What the parts of the app share: its state, declared once, and the reactives the bindings follow.

TuiNN (tui_nn.ui.shell.app) is made of parts by concern, each a class over this one: the screen (layout
and drawing, app_screen), inspecting (app_inspect), playing the walk and recordings (app_play),
saving and quitting (app_files) and the live run's lifecycle (app_live); TuiNN itself turns keys
into actions and holds the teaching. A part reaches another's methods only through the names
declared here."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.reactive import reactive

from tui_nn.engine.session.controller import Controller, LiveRun, Message
from tui_nn.engine.session.view import View
from tui_nn.ui.shell.lifecycle import ResilientApp
from tui_nn.ui.shell.player import Player

if TYPE_CHECKING:
    from textual.screen import Screen

    from tui_nn.engine.session import actions as act
    from tui_nn.engine.session.build import Session
    from tui_nn.engine.session.playback import RecordedActions
    from tui_nn.engine.walk.explain import Element, WhatIf
    from tui_nn.engine.walk.stepper import Stepper
    from tui_nn.ui.shell.live import LiveTraining
    from tui_nn.ui.theme import Palette


class AppBase(ResilientApp[None]):
    training: reactive[bool] = reactive(False, bindings=True)
    """True while the training thread owns the engine."""

    inspecting: reactive[bool] = reactive(False, bindings=True)
    """True while the selection cursor is on the diagram and the inspector replaces the log."""

    _recomposing = False  # True while _rebuild replaces the panes

    controller: Controller
    view: View
    palette: Palette
    ascii_only: bool
    target_loss: float
    save_to: str | None
    pace: float | None
    message: str
    message_style: str
    live: LiveTraining | None
    walk_speed: float
    player: Player  # the walk playing itself
    replayer: Player  # a recording playing itself
    _after_training: Callable[[], None] | None
    frames: int
    view_mode: str
    lens: str | None
    selection: Element | None
    last_what_if: tuple[str, WhatIf, list[str]] | None
    replay_queue: RecordedActions
    replay_run: tuple[LiveRun, int] | None
    _slice_epochs: int

    if TYPE_CHECKING:  # each is defined by one part; declared here so the others can call it

        @property
        def session(self) -> Session: ...
        @property
        def stepper(self) -> Stepper: ...
        @property
        def main_screen(self) -> Screen[None]: ...
        def draw(self, view: View | None = None, epochs_per_second: float | None = None) -> None: ...
        def say(self, message: Message | None) -> None: ...
        def dispatch(self, action: act.Action, by_player: bool = False) -> None: ...
        def _apply_size(self, width: int, height: int) -> None: ...
        async def _rebuild(self) -> None: ...
        def _show_inspector(self, view: View) -> None: ...
        def _selection_moved(self) -> bool: ...
        def _show_teaching(self) -> None: ...
        def _stop_playing(self) -> None: ...
        def _mark_saved(self) -> None: ...
        def _warned_of_unsaved_training(self) -> bool: ...
        def move_selection(self, direction: str) -> None: ...
        def cycle_selection(self, step: int) -> None: ...
        def leave_inspecting(self) -> None: ...
        def what_if(self, change: str) -> None: ...
        @property
        def landscape_shown(self) -> bool: ...
        def landscape_pick(self, parameter: int) -> None: ...
