"""The quiz and the lesson as session state: what is asked, the score, the chapter on the page.

The controller owns one `Teaching` and changes it only by actions (QuizMode, Ask, Answer, Skip,
Hint, OpenLesson, NextChapter …), so a quiz or a lesson is recorded and replayed like a step.
The UI draws what `frame()` returns: the question panel and the lesson's page, words and all.

The quiz and lesson modules load when first used (a question asked, a lesson opened): the
app's first frame needs neither.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from tui_nn.engine.lesson import Chapter, Lesson
    from tui_nn.engine.quiz import Question, QuizScore, ScoreKey, Style

LessonView = Literal["network", "boundary", "hidden"]


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
            from tui_nn.engine.quiz import QuizScore

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
        from tui_nn.engine.lesson import WrittenQuiz

        chapter = self.current_chapter()
        if chapter is None or not self.lesson_shown:
            return None
        if self.steps_left:
            return "→ asks the step first"
        if isinstance(chapter.question, WrittenQuiz) and not self.score.chapter_answers(self.chapter):
            return "A opens the answer box"
        return None

    def frame(self) -> TeachingFrame:
        return TeachingFrame(self._panel(), self._page(), self.lesson_shown, self.waiting())

    def _panel(self) -> QuestionPanel | None:
        asked = self.asked
        if asked is None:
            return None
        from tui_nn.engine.quiz import hint_lines

        lines = hint_lines(asked.question)
        shown = tuple(lines[: asked.hints])
        more = 0 < asked.hints < len(lines)
        return QuestionPanel(asked.question, self.score.summary(), shown, more, bool(lines), asked.problem, asked.problem_tone)

    def _page(self) -> LessonPage | None:
        lesson = self.lesson
        if lesson is None:
            return None
        from tui_nn.engine.lesson import WrittenQuiz, closing_page

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
    from tui_nn.engine.lesson import StepQuiz, WrittenQuiz

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
