"""`tui-nn xor`: step through backpropagation from the keyboard; T trains live.

Data flows one way: a key (or click, or palette entry) becomes an Action; the UI-free
Controller applies it to the session and the log; the app captures a View and the widgets draw
it. The app computes no number itself. TuiNN turns keys into actions and holds the teaching; the
rest is its parts by concern (tui_nn.ui.app_base names them): the screen, inspecting, playing,
files and the live run.
"""

from __future__ import annotations

import gc
import random
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual.binding import Binding

from tui_nn.engine import actions as act
from tui_nn.engine.controller import Controller, LiveRun, Message
from tui_nn.engine.playback import DEFAULT_WALK_SPEED, REPLAY_SLICE_EPOCHS, RecordedActions
from tui_nn.engine.session import Session
from tui_nn.engine.stepper import Stepper
from tui_nn.engine.view import View
from tui_nn.ui import keymap, theme
from tui_nn.ui.app_files import AppFiles
from tui_nn.ui.app_inspect import AppInspect
from tui_nn.ui.app_live import AppLive
from tui_nn.ui.app_play import AppPlayback
from tui_nn.ui.app_screen import AppScreen
from tui_nn.ui.ascii import asciify
from tui_nn.ui.commands import TuiNNCommands
from tui_nn.ui.inspector import Inspector
from tui_nn.ui.live import DEFAULT_PACE, LiveTraining, warm_up
from tui_nn.ui.log import CalcLog
from tui_nn.ui.player import Player
from tui_nn.ui.teach import CardScreen, LessonPane, QuestionScreen
from tui_nn.ui.widgets import TablePane

if TYPE_CHECKING:  # what the first frame does not need loads when it is first used (see the imports in methods)
    from tui_nn.engine.explain import Element, WhatIf
    from tui_nn.engine.lesson import Chapter, Lesson, LessonProgress
    from tui_nn.engine.quiz import Question, QuizScore, Verdict
    from tui_nn.engine.quiz import Style as QuizStyle
    from tui_nn.engine.replay import Recording

WARM_UP_DELAY = 0.25  # seconds after the first frame; a T before then starts the training process itself


class TuiNN(AppScreen, AppInspect, AppPlayback, AppFiles, AppLive):
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
        if self.player.playing and not by_player and not isinstance(action, act.ScaleLR | act.SetLR):
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
        if name == "next" and (self.quiz_on or self.quiz_remaining) and self.live is None and not self.player.playing:
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

    # --- inspecting: select a number and see where it comes from --------------------------

    # --- live training --------------------------------------------------------------------
