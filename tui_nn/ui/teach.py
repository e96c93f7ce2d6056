"""Teaching: the quiz's question panel, the card of formulas in use, and the lesson pane.

The questions, their checking and the score are the engine's (tui_nn.engine.quiz); lessons are
parsed and applied as actions by the engine too (tui_nn.engine.lesson). These widgets only ask,
show and pass the learner's words on.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Markdown, Static

from tui_nn.engine.lesson import Chapter, Lesson, StepQuiz, WrittenQuiz
from tui_nn.engine.quiz import Question, Verdict, check
from tui_nn.ui import theme
from tui_nn.ui.ascii import asciify


class QuestionScreen(ModalScreen[tuple[Question, Verdict] | None]):
    """Asks one question at the bottom of the screen, the app still visible above it.

    Dismisses with (question, verdict) once answered (an answer that is not one is explained and
    asked again), or None when skipped (Escape).
    """

    BINDINGS = [Binding("escape", "skip", "skip")]

    def __init__(self, question: Question, score: str, ascii_only: bool = False) -> None:
        super().__init__()
        self.question = question
        self.score = score
        self.ascii_only = ascii_only

    def _t(self, text: str) -> str:
        return asciify(text) if self.ascii_only else text

    def compose(self) -> ComposeResult:
        q = self.question
        with Vertical(id="question-body"):
            yield Static(Text(self._t(f"quiz · {q.prompt}"), style=f"bold {theme.SELECTION}"), id="question-prompt")
            if q.formula:
                yield Static(Text(self._t(q.formula), style=theme.TEXT))
            if q.worked:
                yield Static(Text(self._t(q.worked), style=theme.TEXT), id="question-worked")
            if q.choices:
                listed = "   ".join(f"{c.key}) {c.text}" for c in q.choices)
                yield Static(Text(self._t(listed), style=theme.TEXT))
            yield Static(Text(self._t(f"{q.how} · Enter answers, Esc skips · {self.score}"), style=theme.MUTED))
            yield Input(placeholder=self._t("your answer"), id="question-answer")
            yield Static("", id="question-error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _answer(self, event: Input.Submitted) -> None:
        verdict = check(self.question, event.value)
        if verdict.outcome == "invalid":
            self.query_one("#question-error", Static).update(Text(self._t(verdict.message), style=theme.WARNING))
            return
        self.dismiss((self.question, verdict))

    def action_skip(self) -> None:
        self.dismiss(None)


class CardScreen(ModalScreen[None]):
    """The formulas in use for this network's activations, loss and optimizer (C)."""

    BINDINGS = [
        Binding("escape", "close", "close"),
        Binding("C", "close", "close", show=False),
        Binding("q", "app.quit", "quit", show=False),
    ]

    def __init__(self, markdown: str) -> None:
        super().__init__()
        self.markdown = markdown

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="card-body"):
            yield Markdown(self.markdown)

    def action_close(self) -> None:
        self.dismiss(None)


class LessonPane(VerticalScroll):
    """The current chapter's page: its text, then its question. It takes the log's place."""

    can_focus = False

    def __init__(self, **kwargs: str | None) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.border_title = "lesson"

    def compose(self) -> ComposeResult:
        yield Markdown("", id="lesson-text")

    def show(self, lesson: Lesson, index: int, ascii_only: bool = False) -> None:
        chapter = lesson.chapters[index]
        self.border_title = f"lesson · {lesson.title} · {index + 1}/{len(lesson.chapters)}"
        self.border_subtitle = "> next chapter · < previous · L hides"
        text = f"## {chapter.title}\n\n{chapter.markdown.strip()}\n\n{question_hint(chapter)}"
        self.query_one("#lesson-text", Markdown).update(asciify(text) if ascii_only else text)
        self.scroll_home(animate=False)


def question_hint(chapter: Chapter) -> str:
    """What the chapter asks, and how to answer it."""
    question = chapter.question
    if isinstance(question, StepQuiz):
        return "**Question:** press → and the app asks for the next step before it shows it."
    if isinstance(question, WrittenQuiz):
        return f"**Question:** {question.question.prompt} (press A to answer)"
    return ""
