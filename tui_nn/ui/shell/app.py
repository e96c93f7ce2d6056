"""`tui-nn xor`: step through backpropagation from the keyboard; T trains live.

Data flows one way: a key (or click, or palette entry) becomes an Action; the UI-free
Controller applies it to the session and the log; the app captures a View and the widgets draw
it. The app computes no number itself. TuiNN turns keys into actions and holds the teaching; the
rest is its parts by concern (tui_nn.ui.shell.app_base names them): the screen, inspecting, playing,
files and the live run.
"""

from __future__ import annotations

import gc
import random
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual.binding import Binding

from tui_nn.engine.session import actions as act
from tui_nn.engine.session.build import Session
from tui_nn.engine.session.controller import Controller, LiveRun, Message
from tui_nn.engine.session.playback import DEFAULT_WALK_SPEED, REPLAY_SLICE_EPOCHS, RecordedActions
from tui_nn.engine.session.view import View
from tui_nn.engine.walk.stepper import Stepper
from tui_nn.ui import theme
from tui_nn.ui.ascii import asciify
from tui_nn.ui.panes.inspector import Inspector
from tui_nn.ui.panes.log import CalcLog
from tui_nn.ui.panes.widgets import BoundaryPane, TablePane
from tui_nn.ui.screens.commands import TuiNNCommands
from tui_nn.ui.screens.teach import CardScreen, LessonPane, QuestionScreen
from tui_nn.ui.shell import keymap
from tui_nn.ui.shell.app_files import AppFiles
from tui_nn.ui.shell.app_inspect import AppInspect
from tui_nn.ui.shell.app_landscape import AppLandscape
from tui_nn.ui.shell.app_live import AppLive
from tui_nn.ui.shell.app_play import AppPlayback
from tui_nn.ui.shell.app_screen import AppScreen
from tui_nn.ui.shell.live import DEFAULT_PACE, LiveTraining, warm_up
from tui_nn.ui.shell.player import Player

if TYPE_CHECKING:  # what the first frame does not need loads when it is first used (see the imports in methods)
    from tui_nn.engine.session.replay import Recording
    from tui_nn.engine.teach.lesson import Lesson
    from tui_nn.engine.walk.explain import Element, WhatIf

WARM_UP_DELAY = 0.25  # seconds after the first frame; a T before then starts the training process itself


class TuiNN(AppScreen, AppInspect, AppLandscape, AppPlayback, AppFiles, AppLive):
    """The terminal app over one session (and the sessions that settings and resets make)."""

    CSS_PATH = Path(__file__).parent / "app.tcss"
    TITLE = "tui-nn"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = {TuiNNCommands}
    BINDINGS = keymap.bindings()

    # the inspector's actions (its own bindings): they apply only while inspecting
    INSPECT_ONLY = frozenset({"select", "select_cycle", "leave_inspect", "set_value", "zero", "knock_out"})
    MODAL_ACTIONS = frozenset({"quit", "focus_next", "focus_previous"})

    def __init__(
        self,
        session: Session,
        ascii_only: bool = False,
        target_loss: float = 1e-3,
        save_to: str | None = None,
        pace: float | None = DEFAULT_PACE,
        theme_name: str = "dark",
        replay: Recording | None = None,
        quiz: bool = False,
        lesson: Lesson | None = None,
    ) -> None:
        super().__init__()
        self.palette = theme.use(theme_name)
        self.controller = Controller(session, target_loss, replay.data if replay is not None else None)
        self.ascii_only = ascii_only
        self.target_loss = target_loss
        self.save_to = save_to
        self.pace = pace
        self.view: View = self.controller.view()
        self.message = ""
        self.message_style = theme.WARNING
        self.live: LiveTraining | None = None
        self.walk_speed = DEFAULT_WALK_SPEED
        self.player = Player(self, self._play_step)
        self._after_training: Callable[[], None] | None = None
        self.frames = 0
        self.view_mode = "network"
        self.lens: str | None = None
        self.selection: Element | None = None
        # What quitting would lose: the weights as started or last saved (s or S); q warns once.
        self._saved_params = self.view.snapshot.params.copy()
        self._quit_warned = False
        self.last_what_if: tuple[str, WhatIf, list[str]] | None = None
        # A recording being played back: the actions still to apply, and the player applying them.
        self.replay_queue = RecordedActions(replay.actions if replay is not None else ())
        self.replayer = Player(self, self._replay_step)
        self.replay_run: tuple[LiveRun, int] | None = None  # a recorded run being trained in slices, and its epochs
        self._slice_epochs = REPLAY_SLICE_EPOCHS
        # Teaching: the quiz and the lesson are the controller's (controller.teaching), changed by
        # actions like every step, so a recording replays them. A lesson given opens on mount.
        if quiz:
            self.controller.apply(act.QuizMode(True))
        self.given_lesson = lesson  # what --lesson or `tui-nn lesson` gave: opened on mount, as its first action

    def get_key_display(self, binding: Binding) -> str:
        shown = super().get_key_display(binding)
        return asciify(shown) if self.ascii_only else shown

    @property
    def session(self) -> Session:
        return self.controller.session

    @property
    def stepper(self) -> Stepper:
        return self.controller.stepper

    # --- layout ---------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.theme = self.palette.textual_theme
        self.screen.set_class(self.palette.name == "light", "light")
        self.sub_title = self.session.describe()
        self.screen.set_class(self.ascii_only, "ascii")
        self._apply_size(self.size.width, self.size.height)
        self.draw()
        lesson = self.given_lesson
        if lesson is not None and self.controller.teaching.lesson is None:  # a lesson opens at its first chapter
            self.dispatch(act.OpenLesson(lesson.name, lesson.text))
        elif self.session.origin is not None:  # settings the learner did not choose
            self.say(Message(self.session.origin, "info"))
            self.draw(self.view)
        if self.replay_queue:
            self.say(
                Message(
                    f"replaying {len(self.replay_queue)} recorded actions: p plays and pauses, → applies the next one", "info"
                )
            )
            self.draw(self.view)
        self.call_after_refresh(self.first_frame_drawn)

    def first_frame_drawn(self) -> None:
        """What waits for the first frame: the collector (paused by cli.run_app for the start), then
        the training process, whose start would otherwise compete with the first frame for the CPU."""
        if not gc.isenabled():
            gc.freeze()  # all that the start made lives as long as the app: no collection need look at it again
            gc.enable()
        self.set_timer(WARM_UP_DELAY, warm_up)

    # --- drawing --------------------------------------------------------------------------

    # --- actions: every key becomes an Action for the controller -----------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While help or settings is open, the network underneath must not change (T there would
        # start training a session the settings are about to replace); quitting and moving the
        # focus between a form's fields (Tab, Shift+Tab) still work.
        if len(self.screen_stack) > 1:
            return action in self.MODAL_ACTIONS
        if self.replay_run is not None:  # the engine is the recorded run's until it ends: only q
            return action == "quit"
        if self.screen.has_class("too-small"):  # nothing is shown to step or change: only q works
            return action == "quit"
        if action in self.INSPECT_ONLY:
            return self.inspecting
        # the arrows move the selection while inspecting (space still steps)
        return not (self.inspecting and (action == "pin_by" or (action == "do" and parameters in (("back",), ("next",)))))

    def dispatch(self, action: act.Action, by_player: bool = False) -> None:
        """Apply an action now, or after pausing live training first (η changes apply live).

        A key that steps by hand pauses the playing walk first."""
        # η and what the landscape shows apply at once, without pausing the walk or the run
        keeps_running = isinstance(action, (act.ScaleLR, act.SetLR, *act.LANDSCAPE_ACTIONS))
        if self.player.playing and not by_player and not keeps_running:
            self._stop_playing()
        if self.live is not None and not keeps_running:
            self._after_training = lambda: self.dispatch(action)
            self.live.stop()
            return
        outcome = self.controller.apply(action)
        self.say(outcome.message)
        if outcome.view is not None:  # a lesson chapter shows its view
            self.view_mode = outcome.view
            self._apply_size(self.size.width, self.size.height)
        if outcome.rebuilt:
            self.call_later(self._rebuild)
            return
        self._show_teaching()
        self.draw()

    def action_step(self) -> None:
        """space: the next micro-step, also while inspecting (where → moves the selection)."""
        self.action_do("next")

    def action_do(self, name: str) -> None:
        if name == "next" and self.replay_queue:
            self._replay_step()
            return
        if name == "next" and self.controller.teaching.asks_on_next and self.live is None and not self.player.playing:
            self.dispatch(act.Ask())  # the step's value is asked for before it is shown
            return
        self.dispatch(act.ACTIONS[name]())

    # --- teaching: the quiz, the words, the card and the lesson ---------------------------------
    # The quiz and the lesson are the controller's state; keys become their actions, and after
    # each action the question panel and the lesson's page show what the engine's frame says.

    def _show_teaching(self) -> None:
        """Open, update or close the question panel, and show the lesson's page, as the engine has them."""
        if self._recomposing or self._exit:
            return
        frame = self.controller.teaching_frame()
        top = self.screen
        if frame.question is not None:
            if isinstance(top, QuestionScreen):
                top.show(frame.question)
            elif len(self.screen_stack) == 1:
                self.push_screen(QuestionScreen(frame.question, self.ascii_only, replaying=bool(self.replay_queue)))
        elif isinstance(top, QuestionScreen):
            self.pop_screen()
        self.main_screen.set_class(frame.lesson_shown, "lesson-open")
        if frame.page is not None and frame.lesson_shown:
            self.query_one(LessonPane).show_page(frame.page, self.ascii_only)

    def on_question_screen_answered(self, message: QuestionScreen.Answered) -> None:
        self.dispatch(act.Answer(message.text))

    def on_question_screen_skipped(self, _: QuestionScreen.Skipped) -> None:
        self.dispatch(act.Skip())

    def on_question_screen_hint_asked(self, _: QuestionScreen.HintAsked) -> None:
        self.dispatch(act.Hint())

    def on_question_screen_replay_key(self, message: QuestionScreen.ReplayKey) -> None:
        """→ or p on a replayed question: the recording goes on (its answer is the next action)."""
        if message.key == "play":
            self.action_play()
        else:
            self._replay_step()

    def action_quiz(self) -> None:
        self.dispatch(act.QuizMode(not self.controller.teaching.quiz_on))

    def action_words(self) -> None:
        log = self.query_one(CalcLog)
        log.set_words(not log.show_words)
        self.say(Message("words under each step: " + ("on" if log.show_words else "off (w brings them back)"), "info"))
        self.draw(self.view)

    def action_card(self) -> None:
        from tui_nn.engine.walk.words import reference_card

        card = reference_card(self.session.net, self.stepper.optimizer)
        self.push_screen(CardScreen(asciify(card) if self.ascii_only else card))

    def action_lesson(self) -> None:
        """L: open the lesson (the built-in one unless another was given), or hide and show it."""
        teaching = self.controller.teaching
        if teaching.lesson is None:
            from tui_nn.engine.teach.lesson import builtin_lesson

            lesson = builtin_lesson()
            self.dispatch(act.OpenLesson(lesson.name, lesson.text))
            return
        self.dispatch(act.ShowLesson(not teaching.lesson_shown))

    def action_chapter(self, step: int) -> None:
        """> and <: the next or previous chapter; > after the last one shows the closing page."""
        self.dispatch(act.NextChapter() if step > 0 else act.PreviousChapter())

    def action_answer_chapter(self) -> None:
        """A: answer the chapter's own question."""
        self.dispatch(act.AskChapter())

    # --- replaying a recorded session ---------------------------------------------------------

    def action_undo(self) -> None:
        """u: a step back that also works while inspecting (where ← moves the selection)."""
        self.dispatch(act.Back())

    def action_pin(self, number: int) -> None:
        waiting = self.controller.teaching.waiting()
        if waiting is not None:
            # A learner typing an answer (0.2) before opening the box would otherwise pin sample 2:
            # while the chapter's question waits, a digit is neither a pin nor an answer.
            self.say(
                Message(f"a question is waiting: {waiting}, then type the answer there (digits pin samples after it)", "warn")
            )
            self.draw(self.view)
            return
        self.dispatch(act.Pin(None if number == 0 else number))

    def action_pin_by(self, delta: int) -> None:
        size, focus = self.session.data.size, self.stepper.focus
        target = (0 if delta > 0 else size - 1) if focus is None else (focus + delta) % size
        self.dispatch(act.Pin(target + 1))

    def action_reseed(self) -> None:
        # The seed is drawn here and carried by the action, so a replay of it is exact.
        self.dispatch(act.Reseed(random.randrange(2**31)))

    def on_table_pane_row_clicked(self, message: TablePane.RowClicked | BoundaryPane.PointClicked) -> None:
        self.dispatch(act.Pin(None if self.stepper.focus == message.sample else message.sample + 1))

    on_boundary_pane_point_clicked = on_table_pane_row_clicked  # a data point in the fit: the same pin

    def action_scale_lr(self, factor: float) -> None:
        self.dispatch(act.ScaleLR(factor))

    def action_scroll_log(self, pages: int) -> None:
        """PgUp (-1) / PgDn (1) scroll the log by a page; End (0) returns to the newest line. With a
        lesson open they scroll its page; while inspecting, the inspector."""
        if self.controller.teaching.lesson_shown:
            pane = self.query_one(LessonPane)
            if pages == 0:
                pane.scroll_end(animate=False)
            else:
                pane.scroll_relative(y=pages * max(pane.size.height - 2, 1), animate=False)
            return
        if self.inspecting:
            inspector = self.query_one(Inspector)
            inspector.scroll_by(-pages * max(inspector.content_size.height - 1, 1))
            return
        log = self.query_one(CalcLog)
        if pages == 0:
            log.scrolled = 0
        else:
            log.scroll_by(-pages * max(log.content_size.height - 1, 1))

    # --- inspecting: select a number and see where it comes from --------------------------

    # --- live training --------------------------------------------------------------------
