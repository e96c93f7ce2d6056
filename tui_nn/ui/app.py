"""`tui-nn xor`: step through backpropagation from the keyboard; T trains live.

Data flows one way: a key (or click, or palette entry) becomes an Action; the UI-free
Controller applies it to the session and the log; the app captures a View and the widgets draw
it. The app computes no number itself. Live training runs in a thread (tui_nn.ui.live) that owns
the engine until it stops.
"""

from __future__ import annotations

import gc
import random
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.compose import compose
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static

from tui_nn.engine import actions as act
from tui_nn.engine.config import Config
from tui_nn.engine.controller import Controller, LiveRun, Message, Outcome
from tui_nn.engine.notation import parameter_label
from tui_nn.engine.reason_words import training_on_anyway
from tui_nn.engine.reasons import StopReason
from tui_nn.engine.session import Session
from tui_nn.engine.stepper import Stepper
from tui_nn.engine.view import View
from tui_nn.ui import keymap, theme
from tui_nn.ui.ascii import asciify
from tui_nn.ui.commands import TuiNNCommands
from tui_nn.ui.curves import CurvesPane
from tui_nn.ui.healthview import HealthPane
from tui_nn.ui.inspector import Inspector
from tui_nn.ui.lifecycle import ResilientApp, write_report
from tui_nn.ui.live import (
    DEFAULT_PACE,
    PACES,
    LiveTraining,
    TrainingFailed,
    TrainingProgress,
    TrainingStopped,
    pace_text,
    warm_up,
)
from tui_nn.ui.log import CalcLog
from tui_nn.ui.matrixview import MatrixPane
from tui_nn.ui.screen_size import SettledScreen
from tui_nn.ui.teach import CardScreen, LessonPane, QuestionScreen
from tui_nn.ui.widgets import BoundaryPane, HiddenPane, KeysFooter, LossPane, NetworkPane, StatusLine, TablePane

if TYPE_CHECKING:  # what the first frame does not need loads when it is first used (see the imports in methods)
    from tui_nn.engine.explain import Element, WhatIf
    from tui_nn.engine.lesson import Chapter, Lesson, LessonProgress
    from tui_nn.engine.quiz import Question, QuizScore, Verdict
    from tui_nn.engine.quiz import Style as QuizStyle
    from tui_nn.engine.replay import Recording

MIN_WIDTH, MIN_HEIGHT = 64, 20
WIDE_WIDTH, WIDE_HEIGHT = 160, 45  # from this size the three views stand side by side
VIEWS = ("network", "boundary", "hidden")
WALK_SPEEDS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)  # micro-steps a second when the walk plays itself
DEFAULT_WALK_SPEED = 2.0
# A replayed run longer than this is trained in slices of about REPLAY_SLICE_SECONDS each, with a
# frame between them, instead of at once on the UI thread (where 1,000,000 epochs of a large
# network would take minutes, deaf to q).
REPLAY_SLICE_EPOCHS = 200
REPLAY_SLICE_SECONDS = 0.05
VIEW_NAMES = {"network": "the network", "boundary": "the decision boundary", "hidden": "the hidden space"}
# Lenses take the views' place until their key is pressed again: the step as the tutorials' NumPy,
# and the gradients' health beside the activation's curves.
LENSES = ("matrices", "health")
LENS_NAMES = {
    "matrices": "the NumPy view: the step as the tutorials' matrix line",
    "health": "gradient health per layer and the activation curves",
}
COMPACT_HEIGHT = 32
FOOTER_COMPACT_WIDTH = 110
WARM_UP_DELAY = 0.25  # seconds after the first frame; a T before then starts the training process itself


class TuiNN(ResilientApp[None]):
    """The terminal app over one session (and the sessions that settings and resets make)."""

    CSS_PATH = Path(__file__).parent / "app.tcss"
    TITLE = "tui-nn"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = {TuiNNCommands}
    BINDINGS = keymap.bindings()

    training: reactive[bool] = reactive(False, bindings=True)
    """True while the training thread owns the engine."""

    inspecting: reactive[bool] = reactive(False, bindings=True)
    """True while the selection cursor is on the diagram and the inspector replaces the log."""

    _recomposing = False  # True while _rebuild replaces the panes

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
        self.player: Timer | None = None
        self._after_training: Callable[[], None] | None = None
        self.frames = 0
        self.view_mode = "network"
        self.lens: str | None = None
        self.selection: Element | None = None
        # What quitting would lose: the weights as started or last saved (s or S); q warns once.
        self._saved_params = self.view.snapshot.params.copy()
        self._quit_warned = False
        self.last_what_if: tuple[str, WhatIf, list[str]] | None = None
        # A recording being played back: the actions still to apply, and the timer applying them.
        self.replay_queue: deque[act.Action] = deque(replay.actions if replay is not None else ())
        self.replayer: Timer | None = None
        self.replay_count = len(self.replay_queue)  # to name an action by its place in the file
        self.replay_run: tuple[LiveRun, int] | None = None  # a recorded run being trained in slices, and its epochs
        self._slice_epochs = REPLAY_SLICE_EPOCHS
        # Teaching: quiz mode and its score, the lesson and its chapter (they outlive ←, v, c).
        self.quiz_on = quiz
        self.quiz_remaining = 0  # a lesson chapter's step questions still to ask: the next → asks
        self.chapter_asked = 0  # step questions asked since the chapter opened (which of them the next one is)
        self.quiz_style: QuizStyle = "auto"  # how that chapter asks it (a number, a choice)
        self.asked: Question | None = None  # the question on screen
        self._quiz_score: QuizScore | None = None  # made at the first question (the quiz module loads then)
        self.asking = False
        self.lesson = lesson
        self.chapter = 0  # len(lesson.chapters) is the closing page
        self.lesson_open = False
        self.chapter_wanted: int | None = None  # where < and > pressed while a chapter prepares lead
        self._turning = False  # a chapter is being prepared (its actions, the panes it rebuilds)
        self._lesson_progress: LessonProgress | None = None

    def get_key_display(self, binding: Binding) -> str:
        shown = super().get_key_display(binding)
        return asciify(shown) if self.ascii_only else shown

    @property
    def quiz_score(self) -> QuizScore:
        if self._quiz_score is None:
            from tui_nn.engine.quiz import QuizScore

            self._quiz_score = QuizScore()
        return self._quiz_score

    @quiz_score.setter
    def quiz_score(self, score: QuizScore) -> None:
        self._quiz_score = score

    @property
    def lesson_progress(self) -> LessonProgress:
        if self._lesson_progress is None:
            from tui_nn.engine.lesson import LessonProgress

            self._lesson_progress = LessonProgress()
        return self._lesson_progress

    @property
    def session(self) -> Session:
        return self.controller.session

    @property
    def stepper(self) -> Stepper:
        return self.controller.stepper

    # --- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="views"):
            yield NetworkPane(self.ascii_only, id="network")
            yield BoundaryPane(self.ascii_only, id="boundary")
            yield HiddenPane(self.ascii_only, id="hidden")
            yield MatrixPane(self.ascii_only, id="matrices")
            yield HealthPane(self.ascii_only, id="health")
            yield CurvesPane(self.ascii_only, id="curves")
        with Horizontal(id="bottom"):
            with Vertical(id="reading"):  # a lesson's page stands above the log it refers to
                yield LessonPane(id="lesson")
                yield CalcLog(self.controller.logbook, self.stepper.fmt, self.ascii_only, id="log")
                yield Inspector(self.stepper.fmt, self.ascii_only, id="inspector")
            with Vertical(id="side"):
                yield TablePane(id="table")
                yield LossPane(self.ascii_only, id="loss")
        yield StatusLine(id="status")
        yield KeysFooter(  # its separator is a Unicode bar
            show_command_palette=not self.ascii_only, compact=self.size.width < FOOTER_COMPACT_WIDTH
        )
        yield Static(id="too-small")

    def on_mount(self) -> None:
        self.theme = self.palette.textual_theme
        self.screen.set_class(self.palette.name == "light", "light")
        self.sub_title = self.session.describe()
        self.screen.set_class(self.ascii_only, "ascii")
        self._apply_size(self.size.width, self.size.height)
        self.draw()
        if self.lesson is not None:  # a lesson opens at its first chapter
            self.chapter_wanted = 0
            self._turn_chapter()
        if self.session.origin is not None and self.lesson is None:  # settings the learner did not choose
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

    def on_resize(self, event: events.Resize) -> None:
        self._apply_size(event.size.width, event.size.height)

    def _size_classes(self, width: int, height: int) -> dict[str, bool]:
        """The screen's classes for a terminal of width × height and the view or lens chosen."""
        classes = {
            "too-small": width < MIN_WIDTH or height < MIN_HEIGHT,
            "compact": height < COMPACT_HEIGHT,
            "wide": width >= WIDE_WIDTH and height >= WIDE_HEIGHT,
        }
        classes.update({f"view-{mode}": self.view_mode == mode for mode in VIEWS})
        classes.update({f"lens-{lens}": self.lens == lens for lens in LENSES})
        return classes

    def get_default_screen(self) -> Screen[None]:
        """The main screen, born with the classes its first frame needs: each class set after the
        panes are styled restyles every one of them again."""
        size = self.size
        classes = self._size_classes(size.width, size.height) | {"ascii": self.ascii_only, "light": self.palette.name == "light"}
        return SettledScreen(id="_default", classes=" ".join(name for name, on in classes.items() if on))

    @property
    def main_screen(self) -> Screen[None]:
        """The screen of the panes, under any settings, help or question screen open over it."""
        return self.screen_stack[0]

    def _apply_size(self, width: int, height: int) -> None:
        classes = self._size_classes(width, height)
        self.main_screen.update_classes(classes)  # one restyle at most, whatever changed
        for footer in self.query(KeysFooter):
            footer.compact = width < FOOTER_COMPACT_WIDTH
            footer.refit(width)
        if classes["too-small"]:
            self.query_one("#too-small", Static).update(
                Text(
                    f"make me bigger\n\ntui-nn needs at least {MIN_WIDTH}x{MIN_HEIGHT}; this terminal is {width}x{height}",
                    style=f"bold {theme.WARNING}",
                )
            )

    # --- drawing --------------------------------------------------------------------------

    def draw(self, view: View | None = None, epochs_per_second: float | None = None) -> None:
        """Redraw every pane from `view` (default: a fresh capture of the engine)."""
        if view is None:
            view = self.controller.view()
        self.view = view
        if self._recomposing:  # the panes are being replaced; _rebuild draws them when they are back
            return
        if self._exit:  # quitting: a timer (a replay's slice, the player) may still fire while the panes go
            return
        self.query_one(NetworkPane).view = view
        self.query_one(BoundaryPane).view = view
        self.query_one(HiddenPane).view = view
        if self.lens == "matrices":  # the lenses are drawn only while shown
            self.query_one(MatrixPane).view = view
        elif self.lens == "health":
            self.query_one(HealthPane).view = view
            self.query_one(CurvesPane).view = view
        self.query_one(TablePane).show(view)
        self.query_one(LossPane).show(view)
        live = None
        if self.training:
            if epochs_per_second is not None:  # a frame drawn with a rate of its own
                live = f"pace {pace_text(self.pace)} · {epochs_per_second:,.0f} epochs/s"
            else:  # the run's own: its measured rate, that it is settling, or that its process is silent
                live = self.live.status() if self.live is not None else f"pace {pace_text(self.pace)}"
        message, style = self.message, self.message_style
        if self.inspecting:
            self._show_inspector(view)
            if not message:
                summary = self.query_one(Inspector).summary()
                message, style = f"{summary} · = set · z zero · k knock out · Esc done", theme.SELECTION
        self.query_one(StatusLine).show(view, message, style, live, self.target_loss)
        if self.live is None:  # during a run, its diagnosis is logged when it stops (not frame by frame)
            self.controller.note_diagnoses(view)
        self.query_one(CalcLog).sync()
        self.frames += 1

    def say(self, message: Message | None) -> None:
        if message is None:
            self.message = ""
            return
        self.message, self.message_style = message.text, theme.TONE_STYLES.get(message.tone, theme.WARNING)

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
        if self.player is not None and not by_player and not isinstance(action, act.ScaleLR | act.SetLR):
            self._stop_playing()
        if self.live is not None and not isinstance(action, act.ScaleLR | act.SetLR):
            self._after_training = lambda: self.dispatch(action)
            self.live.stop()
            return
        outcome = self.controller.apply(action)
        self.say(outcome.message)
        if outcome.rebuilt:
            self.call_later(self._rebuild)
            return
        self.draw()

    def action_step(self) -> None:
        """space: the next micro-step, also while inspecting (where → moves the selection)."""
        self.action_do("next")

    def action_do(self, name: str) -> None:
        if name == "next" and self.replay_queue:
            self._replay_step()
            return
        if name == "next" and (self.quiz_on or self.quiz_remaining) and self.live is None and self.player is None:
            self._ask_next()
            return
        self.dispatch(act.ACTIONS[name]())

    # --- teaching: the quiz, the words, the card and the lesson ---------------------------------

    def _ask_next(self) -> None:
        """Ask for the next step's value before revealing it."""
        if self.asking:
            return
        from tui_nn.engine.quiz import next_question

        question = next_question(self.stepper, self.quiz_style if self.quiz_remaining else "auto")
        self.asked = question
        self.asking = True
        self.push_screen(QuestionScreen(question, self.quiz_score.summary(), self.ascii_only), self._answered)
        # the keys first: at 80 columns the end of the line is cut
        keys = "? rule (twice: with the numbers) · " if question.formula or question.worked else ""
        given = " · the inputs are given, the rule is not" if question.givens else ""
        self.say(Message(f"quiz · {keys}Enter answers · Esc skips{given}", "focus"))
        self.draw(self.view)

    def _answered(self, result: tuple[Question, Verdict] | None) -> None:
        self.asking = False
        if result is None:
            from tui_nn.engine.quiz import next_question

            question = self.asked if self.asked is not None else next_question(self.stepper)
            verdict_text, tone, answer = f"skipped: it is {question.shown}", "info", "skipped"
        else:
            question, verdict = result
            right = verdict.outcome == "right"
            verdict_text, tone = f"{'✓' if right else '✗'} {verdict.message}", "success" if right else "error"
            answer = "right" if right else "wrong"
        # Each question counts once: the quiz's own tally ignores a repeat, and a lesson chapter's
        # progress records only the first answer to each of its questions.
        again = self.quiz_score.has_scored(question)
        scored = True
        if self.quiz_remaining:  # a lesson chapter's step question: scored the first time it is answered
            scored = self.lesson_progress.record(self.chapter, self.chapter_asked, answer)  # type: ignore[arg-type]
            self.chapter_asked += 1
            self.quiz_remaining -= 1
        if scored:
            self.quiz_score = self._scored(question, result)
        if again and scored:
            verdict_text += " (asked before: scored the first time only)"
        self.controller.logbook.note(f"quiz · {question.prompt} {verdict_text}", "success" if tone == "success" else "warn")
        self.dispatch(act.Next())
        text = f"{verdict_text} · {self.quiz_score.summary()}"
        if not scored:
            text += " · practice: the first answer stays scored"
        if self.quiz_remaining:
            text += f" · {self.quiz_remaining} more: → asks the next"
        self.say(Message(text, tone))  # type: ignore[arg-type]
        self._show_lesson_page()
        self.draw(self.view)

    def _scored(self, question: Question, result: tuple[Question, Verdict] | None) -> QuizScore:
        return self.quiz_score.skipped(question) if result is None else self.quiz_score.answered(*result)

    def action_quiz(self) -> None:
        self.quiz_on = not self.quiz_on
        if self.quiz_on:
            text = "quiz: → asks for each step before showing it (Esc skips) · a turns it off"
        else:
            text = f"quiz off · {self.quiz_score.summary()}"
        self.say(Message(text, "focus"))
        self.draw(self.view)

    def action_words(self) -> None:
        log = self.query_one(CalcLog)
        log.set_words(not log.show_words)
        self.say(Message("words under each step: " + ("on" if log.show_words else "off (w brings them back)"), "info"))
        self.draw(self.view)

    def action_card(self) -> None:
        from tui_nn.engine.words import reference_card

        card = reference_card(self.session.net, self.stepper.optimizer)
        self.push_screen(CardScreen(asciify(card) if self.ascii_only else card))

    def _current_chapter(self) -> Chapter | None:
        """The chapter on the page (None without a lesson, or on the closing page)."""
        if self.lesson is None or not 0 <= self.chapter < len(self.lesson.chapters):
            return None
        return self.lesson.chapters[self.chapter]

    def _question_waiting(self) -> str | None:
        """How to open the answer box for the chapter's question still to answer, or None."""
        from tui_nn.engine.lesson import WrittenQuiz

        chapter = self._current_chapter()
        if chapter is None or not self.lesson_open:
            return None
        if self.quiz_remaining:
            return "→ asks the step first"
        if isinstance(chapter.question, WrittenQuiz) and not self.lesson_progress.answers(self.chapter):
            return "A opens the answer box"
        return None

    def _show_lesson_page(self) -> None:
        """The page of the chapter (or the closing page), with the keys that work on it now."""
        if self.lesson is None or not self.lesson_open or self._recomposing:
            return
        from tui_nn.engine.lesson import WrittenQuiz, closing_page

        pane = self.query_one(LessonPane)
        total = len(self.lesson.chapters)
        chapter = self._current_chapter()
        if chapter is None:
            pane.show_page(
                self.lesson.title, "the end", closing_page(self.lesson, self.lesson_progress), "< back · L hides", self.ascii_only
            )
            return
        explanation = ""
        answers = self.lesson_progress.answers(self.chapter)
        if isinstance(chapter.question, WrittenQuiz) and answers:
            explanation = chapter.question.explanation or f"The answer is {chapter.question.question.shown}."
        waiting = self._question_waiting()
        keys = f"{waiting.split(' ')[0]} answers · " if waiting else ""  # "→ answers", "A answers": short enough for 80 columns
        keys += "< > chapters · L hides" if self.chapter + 1 < total else "> your score · < back · L hides"
        pane.show(self.lesson, self.chapter, self.ascii_only, keys, self.quiz_remaining, explanation)

    def action_lesson(self) -> None:
        """L: open the lesson (the built-in one unless another was given), or hide and show it."""
        if self.lesson is None:
            from tui_nn.engine.lesson import builtin_lesson

            self.lesson = builtin_lesson()
            self.chapter_wanted = 0
            self._turn_chapter()
            return
        self.lesson_open = not self.lesson_open
        self.screen.set_class(self.lesson_open, "lesson-open")
        self._show_lesson_page()

    def action_chapter(self, step: int) -> None:
        """> and <: the next or previous chapter; > after the last one shows the closing page.
        Presses while a chapter prepares all count (the latest place is opened once ready)."""
        if self.lesson is None:
            self.say(Message("no lesson open: L opens the built-in one", "warn"))
            self.draw(self.view)
            return
        last = len(self.lesson.chapters)  # the closing page
        base = self.chapter_wanted if self.chapter_wanted is not None else self.chapter
        target = base + step
        if not 0 <= target <= last:
            where = "the closing page: < goes back to the last chapter" if step > 0 else "the first chapter"
            self.say(Message(f"this is {where}", "info"))
            self.draw(self.view)
            return
        self.chapter_wanted = target
        self._turn_chapter()

    def _turn_chapter(self) -> None:
        """Open the chapter wanted once live training has paused (turning a chapter rebuilds)."""
        if self._turning:
            return  # the chapter being prepared opens the one wanted next when it is done
        if self.live is not None:
            self._after_training = self._turn_chapter
            self.live.stop()
            return
        self._stop_playing()
        self._turning = True
        self.call_later(self._open_wanted)

    async def _open_wanted(self) -> None:
        try:
            while self.chapter_wanted is not None:
                if self.live is not None:  # T pressed while the chapter prepared: pause it, then go on
                    self._after_training = self._turn_chapter
                    self.live.stop()
                    return
                index, self.chapter_wanted = self.chapter_wanted, None
                await self._open_chapter(index)
        finally:
            self._turning = False

    async def _open_chapter(self, index: int) -> None:
        """Set the state the chapter needs (its actions, one by one, through the controller)."""
        assert self.lesson is not None and self.live is None
        from tui_nn.engine.lesson import StepQuiz

        self.chapter = index
        self.quiz_remaining = self.chapter_asked = 0
        self.lesson_open = True
        self.screen.set_class(True, "lesson-open")
        total = len(self.lesson.chapters)
        if index == total:
            right = sum(answer == "right" for answer in self.lesson_progress.results.values())
            self.say(Message(f"the end of the lesson: {right} right on the first try · < goes back", "focus"))
            self._show_lesson_page()
            self.draw(self.view)
            return
        chapter = self.lesson.chapters[index]
        rebuilt = False
        for action in chapter.actions:
            rebuilt = self.controller.apply(action).rebuilt or rebuilt
        if chapter.view is not None:
            self.view_mode = chapter.view
        if isinstance(chapter.question, StepQuiz):
            self.quiz_remaining, self.quiz_style = chapter.question.count, chapter.question.style
        else:
            self.quiz_style = "auto"
        if rebuilt:
            await self._rebuild()
        self.screen.set_class(True, "lesson-open")
        self._apply_size(self.size.width, self.size.height)
        self._show_lesson_page()
        self.say(Message(f"chapter {index + 1}/{total}: {chapter.title}", "focus"))
        self.draw()

    def action_answer_chapter(self) -> None:
        """A: answer the chapter's own question."""
        from tui_nn.engine.lesson import StepQuiz, WrittenQuiz

        chapter = self._current_chapter()
        if chapter is not None and isinstance(chapter.question, StepQuiz) and self.quiz_remaining:
            self._ask_next()  # the chapter asks for the next step: A asks it now, as → would
            return
        if chapter is None or not isinstance(chapter.question, WrittenQuiz):
            if self.lesson is None:
                text = "no lesson open: L opens one"
            elif chapter is None:
                text = "the lesson is over: < goes back to a chapter"
            elif isinstance(chapter.question, StepQuiz):
                text = "this chapter's questions have been asked: > for the next chapter (< and > again ask them as practice)"
            else:
                text = "this chapter has no question: > for the next chapter"
            self.say(Message(text, "info"))
            self.draw(self.view)
            return
        self.push_screen(
            QuestionScreen(chapter.question.question, self.quiz_score.summary(), self.ascii_only), self._chapter_answered
        )

    def _chapter_answered(self, result: tuple[Question, Verdict] | None) -> None:
        from tui_nn.engine.lesson import WrittenQuiz

        chapter = self._current_chapter()
        assert chapter is not None and isinstance(chapter.question, WrittenQuiz)
        question = chapter.question.question
        if result is None:
            text, tone, answer = f"skipped: the answer is {question.shown}", "info", "skipped"
        else:
            verdict = result[1]
            right = verdict.outcome == "right"
            text, tone, answer = f"{'✓' if right else '✗'} {verdict.message}", "success" if right else "error", verdict.outcome
        if self.lesson_progress.record(self.chapter, 0, answer):  # type: ignore[arg-type]
            self.quiz_score = self._scored(question, result)
            text += f" · {self.quiz_score.summary()}"
        else:
            text += " · practice: the first answer stays scored"
        self.say(Message(text, tone))  # type: ignore[arg-type]
        self._show_lesson_page()
        self.draw(self.view)

    # --- replaying a recorded session ---------------------------------------------------------

    def _replay_step(self) -> None:
        """Apply the next recorded action (while playing, the timer calls this)."""
        if not self.replay_queue:
            self._stop_replay()
            return
        from tui_nn.engine.replay import as_recorded, out_of_place

        if self.replay_run is not None:  # a recorded run is still training: the next action waits for it
            return
        index = self.replay_count - len(self.replay_queue)
        action = as_recorded(self.replay_queue.popleft(), self.session)
        problem = out_of_place(action, self.session)
        if problem is not None:  # the app could not have recorded it here: the file was edited
            self._stop_replay()
            self.replay_queue.clear()
            self.say(Message(f"replay stopped: actions[{index}] ({action.name}) cannot be applied: {problem}", "error"))
            self.draw(self.view)
            return
        if isinstance(action, act.Train) and self.live is None and action.epochs > REPLAY_SLICE_EPOCHS:
            self._replay_train(action)
            return
        self.dispatch(action, by_player=True)
        self._replay_finished()

    def _replay_finished(self) -> None:
        if not self.replay_queue:
            self._stop_replay()
            self.say(Message("replay finished: the session is yours from here", "success"))
            self.draw(self.view)

    def _replay_train(self, action: act.Train) -> None:
        """A recorded run of many epochs, trained in slices between frames so the app keeps
        answering (q quits) however long it is. It is the same run as Train applied at once: the
        same epochs by the same trainer, one undoable step, one recorded Train."""
        run = self.controller.start_training(target_loss=None, check_stuck=False)
        self.replay_run = (run, action.epochs)
        self.set_timer(0.01, self._replay_slice)

    def _replay_slice(self) -> None:
        if self.replay_run is None or self._exit:
            return
        run, epochs = self.replay_run
        remaining = epochs - (self.stepper.trainer.epoch - run.origin_epoch)  # a pass under way counts, as in Train
        stopped: StopReason | None = None
        if remaining > 0:
            started = time.perf_counter()
            result = self.controller.train(run, min(remaining, self._slice_epochs))
            spent = time.perf_counter() - started
            # about REPLAY_SLICE_SECONDS a slice, whatever the network: keys wait at most that long
            self._slice_epochs = max(
                1, min(int(self._slice_epochs * REPLAY_SLICE_SECONDS / max(spent, 1e-4)), 2 * self._slice_epochs)
            )
            stopped, remaining = result.stopped, remaining - result.epochs
        if stopped is None and remaining > 0:
            self.say(Message(f"replaying a training run: {epochs - remaining:,} of {epochs:,} epochs (q quits)", "info"))
            self.draw()
            self.set_timer(0.01, self._replay_slice)
            return
        self.replay_run = None
        outcome = self.controller.stop_training(run, stopped)
        if stopped is None:  # the whole recorded run: not "paused by you", as a key's run stopped by hand says
            self.say(Message(f"replayed a training run of {epochs:,} epochs: epoch {self.stepper.epoch}", "info"))
        else:
            self.say(outcome.message)
        self.draw()
        self._replay_finished()

    def _stop_replay(self) -> None:
        if self.replayer is not None:
            self.replayer.stop()
            self.replayer = None

    def action_undo(self) -> None:
        """u: a step back that also works while inspecting (where ← moves the selection)."""
        self.dispatch(act.Back())

    def action_pin(self, number: int) -> None:
        waiting = self._question_waiting()
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

    def on_table_pane_row_clicked(self, message: TablePane.RowClicked) -> None:
        self.dispatch(act.Pin(None if self.stepper.focus == message.sample else message.sample + 1))

    def action_scale_lr(self, factor: float) -> None:
        self.dispatch(act.ScaleLR(factor))

    def action_scroll_log(self, pages: int) -> None:
        """PgUp (-1) / PgDn (1) scroll the log by a page; End (0) returns to the newest line. With a
        lesson open they scroll its page; while inspecting, the inspector."""
        if self.lesson_open:
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

    def action_play(self) -> None:
        """Play the micro-step walk by itself (forward, loss, backward, update, sample after sample);
        while a recording is loaded, play or pause the recording instead."""
        if self.replay_queue:
            if self.replayer is not None:
                self._stop_replay()
                self.say(Message(f"replay paused ({len(self.replay_queue)} actions to go): → applies the next, p plays", "info"))
            else:
                self.replayer = self.set_interval(1 / self.walk_speed, self._replay_step)
                self.say(Message("replaying: p pauses", "info"))
            self.draw(self.view)
            return
        if self.player is not None:
            self._stop_playing()
            self.say(Message("walk paused: → steps on by hand, p plays again", "info"))
            self.draw(self.view)
            return
        if self.live is not None:
            self._after_training = self.action_play
            self.live.stop()
            return
        self.player = self.set_interval(1 / self.walk_speed, self._play_step)
        self.say(Message(f"playing the walk at {self.walk_speed:g} steps a second · p pauses · [ ] slower/faster", "info"))
        self.draw(self.view)

    def _play_step(self) -> None:
        self.dispatch(act.Next(), by_player=True)

    def _stop_playing(self) -> None:
        if self.player is not None:
            self.player.stop()
            self.player = None

    def action_pace(self, direction: int) -> None:
        """Slower ([) or faster (]): the walk's speed while it plays, otherwise live training's pace."""
        if self.player is not None:
            k = WALK_SPEEDS.index(self.walk_speed)
            self.walk_speed = WALK_SPEEDS[min(max(k + direction, 0), len(WALK_SPEEDS) - 1)]
            self._stop_playing()
            self.player = self.set_interval(1 / self.walk_speed, self._play_step)
            self.say(Message(f"playing the walk at {self.walk_speed:g} steps a second · p pauses", "info"))
            self.draw(self.view)
            return
        k = PACES.index(self.pace) if self.pace in PACES else PACES.index(DEFAULT_PACE)
        self.pace = PACES[min(max(k + direction, 0), len(PACES) - 1)]
        if self.live is not None:
            self.live.set_pace(self.pace)
        self.say(Message(f"pace {pace_text(self.pace)} (epochs a second while training)", "info"))
        self.draw(self.view)

    async def _rebuild(self) -> None:
        """The session was replaced (settings, reset, or undoing one): new panes for its network."""
        self.view = self.controller.view()
        if self._exit:
            return
        # Not App.recompose, which rebuilds whatever screen is on top: a key typed ahead (r, c) can
        # open the settings before this runs, and their form must not be replaced by the panes.
        main = self.main_screen
        self._recomposing = True  # a timer (the playing walk, a replay) may fire while the panes are gone
        try:
            async with main.batch():
                await main.query("*").exclude(".-textual-system").remove()
                await main.mount_all(compose(self))
        finally:
            self._recomposing = False
        self.sub_title = self.session.describe()
        main.set_class(self.ascii_only, "ascii")
        main.set_class(self.palette.name == "light", "light")
        self._apply_size(self.size.width, self.size.height)
        self.refresh_bindings()
        self._selection_moved()
        self.query_one(NetworkPane).selected = self.selection if self.inspecting else None  # the new diagram's
        self._show_lesson_page()  # the new lesson pane is empty (settings, a reset, a theme replaced the panes)
        self.draw()

    def action_cycle_view(self) -> None:
        """Network → decision boundary → hidden space (all three at once on large terminals)."""
        k = VIEWS.index(self.view_mode)
        self.view_mode = VIEWS[(k + 1) % len(VIEWS)]
        if self.view_mode == "hidden" and self.session.net.n_layers < 2:
            self.view_mode = "network"
        self._apply_size(self.size.width, self.size.height)
        if self.screen.has_class("wide"):
            text = f"all three views are shown at this size; {VIEW_NAMES[self.view_mode]} is first on small terminals"
        else:
            text = f"showing {VIEW_NAMES[self.view_mode]} (v for the next view)"
        self.say(Message(text, "info"))
        self.draw(self.view)

    def action_lens(self, lens: str) -> None:
        """Show a lens in the views' place, or the views again when it is already shown."""
        self.lens = None if self.lens == lens else lens
        self._apply_size(self.size.width, self.size.height)
        if self.lens is None:
            text = f"back to {VIEW_NAMES[self.view_mode]}"
        elif self.lens == "matrices" and self.training:
            text = "the NumPy view follows the walk: it fills in when training stops"
        else:
            key = "m" if self.lens == "matrices" else "g"
            text = f"showing {LENS_NAMES[self.lens]} ({key} again returns)"
        self.say(Message(text, "info"))
        self.draw(self.view)

    def action_gradient_check(self) -> None:
        from tui_nn.ui.bridge import GradCheckScreen

        net = self.session.net
        self.push_screen(GradCheckScreen(self.controller.gradient_check_job(), net.n_params, self.ascii_only))

    def action_own_input(self) -> None:
        from tui_nn.ui.bridge import OwnInputScreen

        net, data, snapshot = self.session.net, self.session.data, self.view.snapshot
        x = snapshot.x if snapshot.x is not None else tuple(data.x[0])
        y = snapshot.y if snapshot.y is not None else tuple(data.y[0])
        fmt = self.stepper.fmt
        example = f"{', '.join(fmt(v) for v in x)} → {', '.join(fmt(v) for v in y)}"  # the current sample, to edit
        self.push_screen(OwnInputScreen(net.sizes[0], net.sizes[-1], example, self.ascii_only, net.loss), self._own_input_given)

    def _own_input_given(self, given: tuple[tuple[float, ...], tuple[float, ...]] | None) -> None:
        if given is None:
            self.say(Message("your input: cancelled, the data set is as it was", "info"))
            self.draw(self.view)
            return
        self.dispatch(act.CustomSample(*given))

    def action_settings(self) -> None:
        def open_settings() -> None:
            from tui_nn.ui.settings import SettingsScreen

            self.push_screen(SettingsScreen(self.session.config), self._settings_closed)

        if self.live is not None:
            self._after_training = open_settings
            self.live.stop()
            return
        open_settings()

    def _settings_closed(self, config: Config | None) -> None:
        if config is None:
            self.say(Message("settings unchanged", "info"))
            self.draw(self.view)
            return
        self.dispatch(act.Rebuild(config))

    def action_save(self) -> None:
        from tui_nn.engine import persist  # tempfile and zipfile are not needed to start

        view = self.view  # a consistent copy, even while training runs
        path = Path(self.save_to or f"{self.session.file_stem}-epoch{view.epoch}.json")
        net = self.session.net.copy()
        net.params[:] = view.snapshot.params
        extra = {
            "problem": self.session.config.problem,
            "lr": view.lr,
            "seed": self.session.config.seed,
            "epoch": view.epoch,
            "optimizer": view.optimizer,
        }
        try:
            saved = persist.save(path, net, extra)
        except (OSError, ValueError) as error:
            self.say(Message(f"could not save to {path}: {error}", "error"))
        else:
            self.say(Message(f"saved {saved.resolve()}", "success"))
            self._mark_saved()
            self.controller.logbook.note(f"saved the network (epoch {view.epoch}) to {saved.resolve()}")
        self.draw(self.view)

    def _write(self, suffix: str, text: str, what: str) -> None:
        """Write a file next to where the app runs, atomically, and say where it went."""
        from tui_nn.engine.safe_files import write_atomic

        name = f"{self.session.file_stem}-{what}-epoch{self.view.epoch}{suffix}"
        try:
            path = write_atomic(name, text)
        except OSError as error:
            self.say(Message(f"could not write {name}: {error}", "error"))
        else:
            self.say(Message(f"wrote {Path(path).resolve()}", "success"))
            self.controller.logbook.note(f"wrote the {what} to {Path(path).resolve()}")
        self.draw(self.view)

    def action_export(self, kind: str, words: bool | None = None) -> None:
        """The calculation log so far as Markdown (LaTeX math), LaTeX or text, with the sentences
        the log says when its words are on (`words` overrides: the palette's "without the words")."""
        from tui_nn.engine import export

        fmt = next(f for f in export.FORMATS if f == kind)
        # the log may span several settings (each rebuild writes its own line): the title names
        # the data set only, not the η or the network of this moment
        title = f"tui-nn · {self.session.data.name}: the calculation log"
        with_words = self.query_one(CalcLog).show_words if words is None else words
        entries = list(self.controller.logbook.entries)
        document = export.document(fmt, entries, self.stepper.fmt, title, words=with_words)
        self._write(export.SUFFIXES[fmt], document, "log")

    def action_save_screen(self) -> None:
        self._write(".svg", self.export_screenshot(title=f"tui-nn · {self.session.describe()}"), "screen")

    def action_save_session(self) -> None:
        from tui_nn.engine.replay import FORMAT, to_text

        self._write(".json", to_text(self.controller.recording()), "session")
        if self.message.startswith("wrote"):
            self._mark_saved()
            self.say(Message(f"{self.message} ({FORMAT}: tui-nn replay FILE plays it)", "success"))
            self.draw(self.view)

    def action_use_theme(self, name: str) -> None:
        """Dark or light: every pane redraws in the other palette."""
        self.palette = theme.use(name)
        self.theme = self.palette.textual_theme
        self.say(Message(f"{name} theme", "info"))
        self.call_later(self._rebuild)

    def action_help(self) -> None:
        from tui_nn.ui.help import HelpScreen  # Markdown costs ~50 ms to import: load it when asked

        self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        # A recording being replayed loses nothing (its file replays it again), and its status promises "q quits".
        if self.replay_run is None and self._warned_of_unsaved_training():
            return
        if self.live is not None:
            self.live.stop()
        self.exit()

    def _unsaved_training(self) -> bool:
        """Trained weights that no s or S has saved (a run, a lesson, steps by hand): quitting loses them."""
        view = self.view  # (the training thread owns the engine while it runs: its last frame)
        saved, now = self._saved_params, view.snapshot.params
        return view.epoch > 0 and (saved.shape != now.shape or bool((saved != now).any()))

    def _mark_saved(self) -> None:
        self._saved_params = self.view.snapshot.params.copy()
        self._quit_warned = False

    def _warned_of_unsaved_training(self) -> bool:
        """The first q with unsaved training says so (once) instead of quitting; the next q quits."""
        if self._quit_warned or not self._unsaved_training():
            return False
        self._quit_warned = True
        # while training goes on the epoch moves under the message: name none then
        trained = "the weights being trained are" if self.live is not None else f"epoch {self.view.epoch:,}'s trained weights are"
        text = f"{trained} not saved: s saves · q again quits"
        self.say(Message(text, "warn"))
        if len(self.screen_stack) > 1:  # the status line is under the open screen
            self.notify(text, severity="warning")
        self.draw(self.view)
        return True

    # --- inspecting: select a number and see where it comes from --------------------------

    def action_inspect(self) -> None:
        if self.inspecting:
            self.action_leave_inspect()
            return
        if self.selection is None or self._selection_moved():
            self.selection = self._first_weight()
        self._set_inspecting(True)

    def _first_weight(self) -> Element:
        """Where inspecting starts: the first weight into the output, which every network has."""
        from tui_nn.engine.explain import Element

        return Element("weight", self.session.net.n_layers - 1, 0, 0)

    def _selection_moved(self) -> bool:
        """Keep the selection only while it names a number of this network: an undo, a reset or new
        settings may have taken its layer or unit away (z, = or Tab would then index past the end).
        A vanished selection moves to the first weight while inspecting (to nothing otherwise);
        True when it had to move."""
        from tui_nn.engine.explain import elements

        if self.selection is None or self.selection in elements(self.session.net.sizes):
            return False
        self.selection = self._first_weight() if self.inspecting else None
        self.last_what_if = None
        if self.inspecting:
            self.query_one(NetworkPane).selected = self.selection
        return True

    def _refuse_moved_selection(self, key: str, does: str) -> bool:
        """Say so (and do nothing) when the selection a key acts on is gone; True if it was."""
        if not self._selection_moved():
            return False
        shape = "-".join(str(n) for n in self.session.net.sizes)
        where = f"it moved to {self._selection_name()}; {key} again {does}" if self.selection is not None else "select again"
        self.say(Message(f"the selected number is not in this {shape} network: {where}", "warn"))
        self.draw(self.view)
        return True

    def _selection_name(self) -> str:
        element = self.selection
        assert element is not None
        if element.kind == "unit":
            return self.stepper.narrator.names.unit(element.layer, element.unit)
        return parameter_label(self.session.net, element.parameter_index(self.session.net)).split(" ")[0]

    def _set_inspecting(self, on: bool) -> None:
        self.inspecting = on
        self.screen.set_class(on, "inspecting")
        self.query_one(NetworkPane).selected = self.selection if on else None
        if on:
            self.say(
                Message("inspecting: arrows/Tab move · = set · z zero · k knock out · Esc done · space still steps", "focus")
            )
        else:
            self.last_what_if = None
            self.say(None)
        self.draw(self.view if self.live is not None else None)

    def action_leave_inspect(self) -> None:
        self._set_inspecting(False)

    def _select(self, element: Element) -> None:
        self.selection = element
        self.last_what_if = None
        self.query_one(NetworkPane).selected = element
        self.say(None)  # the status line tells about the new selection, not an older message
        self.draw(self.view)

    def action_select(self, direction: str) -> None:
        from tui_nn.engine.explain import move

        moved = self._selection_moved()  # then the key lands on the first weight
        if self.selection is not None:
            self._select(self.selection if moved else move(self.session.net.sizes, self.selection, direction))  # type: ignore[arg-type]

    def action_select_cycle(self, step: int) -> None:
        from tui_nn.engine.explain import cycle

        moved = self._selection_moved()
        if self.selection is not None:
            self._select(self.selection if moved else cycle(self.session.net.sizes, self.selection, step))

    def on_network_pane_clicked(self, message: NetworkPane.Clicked) -> None:
        self.selection = message.element
        if not self.inspecting:
            self._set_inspecting(True)
        else:
            self._select(message.element)

    def _show_inspector(self, view: View) -> None:
        from tui_nn.engine.explain import elements

        inspector = self.query_one(Inspector)
        selection = self.selection
        if selection is None or selection not in elements(self.session.net.sizes):
            inspector.show(None)
            return
        if self.live is not None:  # the training thread owns the engine: show what the frame carries
            inspector.show_training(selection, view, self.controller.trail)
            return
        inspector.show(self.controller.explain(selection), self.last_what_if)

    def action_set_value(self) -> None:
        if self._refuse_moved_selection("=", "sets its value"):
            return
        element = self.selection
        if element is None or element.kind == "unit":
            self.say(Message("select a weight or bias first: = sets its value", "warn"))
            self.draw(self.view)
            return
        from tui_nn.ui.value_input import ValueScreen

        index = element.parameter_index(self.session.net)
        name = parameter_label(self.session.net, index)
        current = float(self.stepper.current.start_params[index])
        self.push_screen(ValueScreen(name, current), lambda value: self._apply_value(element, value))

    def _apply_value(self, element: Element, value: float | None) -> None:
        if value is None:
            self.say(Message("value unchanged", "info"))
            self.draw(self.view)
            return
        name = parameter_label(self.session.net, element.parameter_index(self.session.net)).split(" ")[0]
        self._what_if(act.SetParam(name, value), f"{name} = {value:g}")

    def action_zero(self) -> None:
        if self._refuse_moved_selection("z", "zeroes it"):
            return
        element = self.selection
        if element is None or element.kind == "unit":
            self.say(Message("select a weight or bias first: z zeroes it", "warn"))
            self.draw(self.view)
            return
        name = parameter_label(self.session.net, element.parameter_index(self.session.net)).split(" ")[0]
        self._what_if(act.SetParam(name, 0.0), f"{name} = 0 (ablation)")

    def action_knock_out(self) -> None:
        if self._refuse_moved_selection("k", "knocks out a hidden unit"):
            return
        element = self.selection
        net = self.session.net
        if element is None or element.kind != "unit" or not 0 < element.layer < net.n_layers:
            self.say(Message("select a hidden unit first: k knocks it out", "warn"))
            self.draw(self.view)
            return
        label = self.stepper.narrator.names.unit(element.layer, element.unit)
        self._what_if(act.KnockOut(element.layer, element.unit + 1), f"{label} knocked out")

    def _what_if(self, action: act.Action, what: str) -> None:
        if self.live is not None:
            self._after_training = lambda: self._what_if(action, what)
            self.live.stop()
            return
        outcome = self.controller.apply(action)
        self.say(outcome.message)
        if outcome.what_if is not None:
            labels = [f"sample {k + 1}" for k in range(min(self.session.data.size, 16))]
            self.last_what_if = (what, outcome.what_if, labels)
        self.draw()

    # --- live training --------------------------------------------------------------------

    def action_train(self) -> None:
        if self.live is not None:
            self.live.stop()
            return
        self._stop_playing()
        target: float | None = self.target_loss
        current = self.view.current_loss
        if current is not None and current < self.target_loss:
            self.controller.logbook.note(f"target {self.target_loss:g} reached: T trains on past it", "info")
            target = None
        found = self.controller.diagnosis()
        check_stuck = found is None
        if found is not None:
            self.controller.logbook.note(training_on_anyway(found), "info")
        run = self.controller.start_training(target, check_stuck)
        self.live = LiveTraining(self.controller, run, self.pace, self)
        self.training = True
        self.say(None)
        self.draw()
        self.live.start()

    def _training_error(self, error: BaseException) -> str:
        """A crash report for an error that stopped training, and the one line that says it: what
        it was and where the report is (the training process's traceback goes in the report)."""
        context = [*self.crash_context(), f"live training stopped at epoch {self.controller.stepper.trainer.epoch}"]
        if isinstance(error, TrainingFailed):
            context += ["", "in the training process:", error.traceback.rstrip()]
        report = write_report(error, context)
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        what = first if isinstance(error, TrainingFailed) else f"{type(error).__name__}: {first}".rstrip(": ")
        where = f"report in {report}" if report is not None else "no report could be written"
        return f"{what} ({where}); the session is kept"

    def on_training_progress(self, message: TrainingProgress) -> None:
        if self.live is not None and self.is_running:  # not while shutting down: the panes are gone
            self.draw(message.view)

    def on_training_stopped(self, message: TrainingStopped) -> None:
        live, self.live = self.live, None
        assert live is not None
        error = None if message.error is None else self._training_error(message.error)
        outcome: Outcome = self.controller.stop_training(live.run, message.reason, error)
        if not self.is_running:  # shutting down: the screens, the panes and the bindings are gone
            self.set_reactive(TuiNN.training, False)
            return
        self.training = False
        self.say(outcome.message)
        after, self._after_training = self._after_training, None
        if error is not None:  # what was to follow the run (a key pressed during it) waits for the learner
            after = None
        if after is not None:
            self.message = ""
            self.draw()  # the run is over on screen too (its status line), before what follows it opens or steps
            after()
        else:
            self.draw()
