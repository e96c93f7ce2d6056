"""The quiz and the lesson as session state: what is asked, the score, the chapter on the page.

The controller owns one `Teaching` and changes it only by actions (QuizMode, Ask, Answer, Skip,
Hint, OpenLesson, NextChapter …), so a quiz or a lesson is recorded and replayed like a step.
The UI draws what `frame()` returns: the question panel and the lesson's page, words and all.

The quiz and lesson modules load when first used (a question asked, a lesson opened): the
app's first frame needs neither.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from tui_nn.engine.session.logbook import Tone

if TYPE_CHECKING:
    from tui_nn.engine.session import actions as act
    from tui_nn.engine.teach.lesson import Chapter, Lesson
    from tui_nn.engine.teach.quiz import Question, QuizScore, ScoreKey, Style, Verdict
    from tui_nn.engine.walk.stepper import Stepper

LessonView = Literal["network", "boundary", "hidden"]
Said = tuple[str, Tone]  # a status line and its tone (the controller makes it its Message)


@dataclass(frozen=True)
class Settled:
    """An answered or skipped question: what the status line says, and, for a step's question,
    the log's line about it before the step it reveals is shown."""

    said: Said
    reveals_step: bool
    note: Said | None = None


@dataclass(frozen=True)
class ChapterOpened:
    """A chapter turned to: what to say, the actions that set its state (the controller applies
    them), and the view it shows."""

    said: Said
    actions: tuple[act.Action, ...] = ()
    view: LessonView | None = None


@dataclass(frozen=True)
class Asked:
    """The question on screen, and how far its hints and answers have gone."""

    question: Question
    key: ScoreKey  # what its answer is scored under (see QuizScore)
    chapter_question: bool  # the lesson chapter's own question: answering it reveals no step
    hints: int = 0  # hint lines shown
    problem: str = ""  # why the last answer was not taken, or that there is no hint
    problem_tone: Literal["warn", "note"] = "warn"


@dataclass(frozen=True)
class QuestionPanel:
    """What the question panel shows."""

    question: Question
    score: str  # the score so far, in words
    hints: tuple[str, ...]  # the hint lines shown so far
    more_hints: bool  # the hint key has more to show
    has_hints: bool  # the question has hints at all (the panel offers the key)
    problem: str
    problem_tone: Literal["warn", "note"]


@dataclass(frozen=True)
class LessonPage:
    """The lesson's page: its title, where in the lesson it is, its Markdown and the keys that work now."""

    title: str
    where: str  # "3/9", or "the end"
    markdown: str
    keys: str


@dataclass(frozen=True)
class TeachingFrame:
    question: QuestionPanel | None  # the question on screen, if one is
    page: LessonPage | None  # None without a lesson
    lesson_shown: bool
    waiting: str | None  # how to open the chapter's question still to answer, or None


@dataclass
class Teaching:
    """Quiz mode, the question on screen, the score, and the lesson with its chapter (they
    outlive ←, settings and resets: the score is the learner's, not the network's)."""

    quiz_on: bool = False
    asked: Asked | None = None
    lesson: Lesson | None = None
    chapter: int = 0  # len(lesson.chapters) is the closing page
    lesson_shown: bool = False
    steps_left: int = 0  # the chapter's step questions still to ask: → asks the next
    steps_asked: int = 0  # the chapter's step questions asked since it opened
    style: Style = "auto"  # how the chapter asks them
    _score: QuizScore | None = field(default=None, repr=False)

    @property
    def score(self) -> QuizScore:
        if self._score is None:
            from tui_nn.engine.teach.quiz import QuizScore

            self._score = QuizScore()
        return self._score

    @score.setter
    def score(self, score: QuizScore) -> None:
        self._score = score

    @property
    def asks_on_next(self) -> bool:
        """→ asks the next step's value before showing it."""
        return self.quiz_on or self.steps_left > 0

    def current_chapter(self) -> Chapter | None:
        """The chapter on the page (None without a lesson, or on the closing page)."""
        if self.lesson is None or not 0 <= self.chapter < len(self.lesson.chapters):
            return None
        return self.lesson.chapters[self.chapter]

    def waiting(self) -> str | None:
        """How to open the answer box for the chapter's question still to answer, or None."""
        chapter = self.current_chapter()
        if chapter is None or not self.lesson_shown:
            return None
        from tui_nn.engine.teach.lesson import WrittenQuiz  # loaded with the lesson, not with the first step

        if self.steps_left:
            return "→ asks the step first"
        if isinstance(chapter.question, WrittenQuiz) and not self.score.chapter_answers(self.chapter):
            return "A opens the answer box"
        return None

    # --- what the actions do (the controller applies them; a Said is a refusal or the news) ---

    def set_quiz(self, on: bool) -> Said:
        self.quiz_on = on
        if on:
            return "quiz: → asks for each step before showing it (Esc skips) · a turns it off", "focus"
        return f"quiz off · {self.score.summary()}", "focus"

    def _question_open(self) -> Said | None:
        return ("a question is waiting: Enter answers it, Esc skips it", "warn") if self.asked is not None else None

    def ask(self, stepper: Stepper) -> Said:
        """Ask for the value of the step `stepper` shows next (→ in quiz mode, a chapter's step question)."""
        from tui_nn.engine.teach.quiz import next_question

        refused = self._question_open()
        if refused is not None:
            return refused
        if not self.asks_on_next:
            return "no question to ask: a turns the quiz on (→ then asks before each step)", "warn"
        in_chapter = self.steps_left > 0
        question = next_question(stepper, self.style if in_chapter else "auto")
        key = (self.chapter, 1 + self.steps_asked) if in_chapter else question.identity
        self.asked = Asked(question, key, chapter_question=False)
        return asking_line(question), "focus"

    def ask_chapter(self, stepper: Stepper) -> Said:
        """A: the chapter's own question; a chapter with step questions still to ask asks the next."""
        from tui_nn.engine.teach.lesson import StepQuiz, WrittenQuiz

        refused = self._question_open()
        if refused is not None:
            return refused
        chapter = self.current_chapter()
        if chapter is not None and isinstance(chapter.question, StepQuiz) and self.steps_left:
            return self.ask(stepper)  # A asks the chapter's next step now, as → would
        if chapter is None or not isinstance(chapter.question, WrittenQuiz):
            if self.lesson is None:
                return "no lesson open: L opens one", "info"
            if chapter is None:
                return "the lesson is over: < goes back to a chapter", "info"
            if isinstance(chapter.question, StepQuiz):
                return (
                    "this chapter's questions have been asked: > for the next chapter (< and > again ask them as practice)",
                    "info",
                )
            return "this chapter has no question: > for the next chapter", "info"
        self.asked = Asked(chapter.question.question, (self.chapter, 0), chapter_question=True)
        return self._asking_line(self.asked)

    def _asking_line(self, asked: Asked) -> Said:
        if asked.chapter_question:
            return f"chapter {self.chapter + 1}'s question · Enter answers · Esc skips", "focus"
        return asking_line(asked.question), "focus"

    @staticmethod
    def no_question(what: str) -> Said:
        return f"no question is on screen for {what}: → in quiz mode (a) or A in a lesson asks one", "warn"

    def answer(self, text: str) -> Settled | Said:
        """Judge `text`: a verdict settles the question; what is not an answer is said under the box."""
        asked = self.asked
        if asked is None:
            return self.no_question("an answer")
        from tui_nn.engine.teach.quiz import check

        verdict = check(asked.question, text)
        if verdict.outcome == "invalid":  # asked again, nothing scored
            self.asked = replace(asked, problem=verdict.message, problem_tone="warn")
            return self._asking_line(asked)
        return self._settle(asked, verdict)

    def skip(self) -> Settled | Said:
        if self.asked is None:
            return self.no_question("a skip")
        return self._settle(self.asked, None)

    def hint(self) -> Said:
        asked = self.asked
        if asked is None:
            return self.no_question("a hint")
        from tui_nn.engine.teach.quiz import hint_lines

        lines = hint_lines(asked.question)
        if lines:
            self.asked = replace(asked, hints=min(asked.hints + 1, len(lines)), problem="")
        else:
            self.asked = replace(asked, problem="no hint for this question", problem_tone="note")
        return self._asking_line(asked)

    def _settle(self, asked: Asked, verdict: Verdict | None) -> Settled:
        """Score an answer (None: skipped) under its key, once; a step's question then reveals its step."""
        question, self.asked = asked.question, None
        first = not self.score.has_scored(asked.key)
        tone: Tone
        if verdict is None:
            self.score = self.score.skipped(question, asked.key)
            text, tone = f"skipped: {'the answer' if asked.chapter_question else 'it'} is {question.shown}", "info"
        else:
            self.score = self.score.answered(question, verdict, asked.key)
            right = verdict.outcome == "right"
            # a wrong answer is drawn as an error is, but is not one: the action did what it should
            text, tone = f"{'✓' if right else '✗'} {verdict.message}", "success" if right else "wrong"
        if asked.chapter_question:
            text += f" · {self.score.summary()}" if first else " · practice: the first answer stays scored"
            return Settled((text, tone), reveals_step=False)
        in_lesson = isinstance(asked.key, tuple)
        if in_lesson:
            self.steps_asked += 1
            self.steps_left -= 1
        elif not first:
            text += " (asked before: scored the first time only)"
        note: Said = (f"quiz · {question.prompt} {text}", "success" if tone == "success" else "warn")
        text += f" · {self.score.summary()}"
        if in_lesson and not first:
            text += " · practice: the first answer stays scored"
        if self.steps_left:
            text += f" · {self.steps_left} more: → asks the next"
        return Settled((text, tone), reveals_step=True, note=note)

    def open_lesson(self, name: str, markdown: str) -> ChapterOpened | Said:
        from tui_nn.engine.teach.lesson import LessonError, parse_lesson

        if self.lesson is not None:
            return f"a lesson is open already ({self.lesson.title}): L hides or shows it", "warn"
        try:
            self.lesson = parse_lesson(markdown, name)
        except LessonError as error:
            return f"the lesson is not opened: {error}", "error"
        return self.open_chapter(0)

    def turn(self, step: int) -> ChapterOpened | Said:
        """> (1) and < (-1): the next or previous chapter; > after the last one, the closing page."""
        if self.lesson is None:
            return "no lesson open: L opens the built-in one", "warn"
        target = self.chapter + step
        if not 0 <= target <= len(self.lesson.chapters):
            where = "the closing page: < goes back to the last chapter" if step > 0 else "the first chapter"
            return f"this is {where}", "info"
        return self.open_chapter(target)

    def open_chapter(self, index: int) -> ChapterOpened:
        """Turn to chapter `index` (`len(chapters)`: the closing page), its step questions to ask."""
        from tui_nn.engine.teach.lesson import StepQuiz

        lesson = self.lesson
        assert lesson is not None
        self.chapter, self.lesson_shown, self.asked = index, True, None
        self.steps_left = self.steps_asked = 0
        self.style = "auto"
        total = len(lesson.chapters)
        if index == total:
            right = self.score.lesson_answers.count("right")
            return ChapterOpened((f"the end of the lesson: {right} right on the first try · < goes back", "focus"))
        chapter = lesson.chapters[index]
        if isinstance(chapter.question, StepQuiz):
            self.steps_left, self.style = chapter.question.count, chapter.question.style
        return ChapterOpened((f"chapter {index + 1}/{total}: {chapter.title}", "focus"), chapter.actions, chapter.view)

    def show_lesson(self, shown: bool) -> Said:
        if self.lesson is None:
            return "no lesson open: L opens the built-in one", "warn"
        self.lesson_shown = shown
        return ("the lesson's page: L hides it", "info") if shown else ("lesson hidden: L shows it again", "info")

    # --- what the UI draws ---------------------------------------------------------------------

    def frame(self) -> TeachingFrame:
        return TeachingFrame(self._panel(), self._page(), self.lesson_shown, self.waiting())

    def _panel(self) -> QuestionPanel | None:
        asked = self.asked
        if asked is None:
            return None
        from tui_nn.engine.teach.quiz import hint_lines

        lines = hint_lines(asked.question)
        shown = tuple(lines[: asked.hints])
        more = 0 < asked.hints < len(lines)
        return QuestionPanel(asked.question, self.score.summary(), shown, more, bool(lines), asked.problem, asked.problem_tone)

    def _page(self) -> LessonPage | None:
        lesson = self.lesson
        if lesson is None:
            return None
        from tui_nn.engine.teach.lesson import WrittenQuiz, closing_page

        total = len(lesson.chapters)
        chapter = self.current_chapter()
        if chapter is None:
            return LessonPage(lesson.title, "the end", closing_page(lesson, self.score), "< back · L hides")
        hint = question_hint(chapter, self.steps_left)
        answered = self.score.chapter_answers(self.chapter)
        if isinstance(chapter.question, WrittenQuiz) and answered:
            explanation = chapter.question.explanation or f"The answer is {chapter.question.question.shown}."
            hint = f"**Question:** {chapter.question.question.prompt} (answered: A asks it again, as practice)"
            hint += f"\n\n**Answer:** {explanation}"
        waiting = self.waiting()
        keys = f"{waiting.split(' ')[0]} answers · " if waiting else ""  # "→ answers", "A answers": short enough for 80 columns
        keys += "< > chapters · L hides" if self.chapter + 1 < total else "> your score · < back · L hides"
        markdown = f"## {chapter.title}\n\n{chapter.markdown.strip()}\n\n{hint}"
        return LessonPage(lesson.title, f"{self.chapter + 1}/{total}", markdown, keys)


def question_hint(chapter: Chapter, remaining: int | None = None) -> str:
    """What the chapter asks, and how to answer it (`remaining`: step questions still to ask)."""
    from tui_nn.engine.teach.lesson import StepQuiz, WrittenQuiz

    question = chapter.question
    if isinstance(question, StepQuiz):
        left = question.count if remaining is None else remaining
        if not left:
            return "**Questions:** all asked; the log below shows each step. `<` then `>` asks them again, as practice."
        steps = "the next step" if left == 1 else f"each of the next {left} steps"
        return f"**Question:** press → and the app asks for {steps} before it shows it (type the answer in the box it opens)."
    if isinstance(question, WrittenQuiz):
        return f"**Question:** {question.question.prompt} (press A to open the answer box)"
    return ""


def asking_line(question: Question) -> str:
    """The status line while a step's question is asked: its keys first (at 80 columns the end is cut)."""
    keys = "? rule (twice: with the numbers) · " if question.formula or question.worked else ""
    given = " · the inputs are given, the rule is not" if question.givens else ""
    return f"quiz · {keys}Enter answers · Esc skips{given}"
