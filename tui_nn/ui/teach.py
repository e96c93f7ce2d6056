"""Teaching: the quiz's question panel, the card of formulas in use, and the lesson pane.

The questions, their checking and the score are the engine's (tui_nn.engine.quiz); lessons are
parsed and applied as actions by the engine too (tui_nn.engine.lesson). These widgets only ask,
show and pass the learner's words on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui_nn.ui import theme
from tui_nn.ui.ascii import asciify

if TYPE_CHECKING:  # the app imports this module at start; lessons, quizzes and Markdown load when first used
    from tui_nn.engine.lesson import Chapter, Lesson
    from tui_nn.engine.quiz import Question, Verdict  # noqa: F401 (Verdict: in a quoted annotation)


class QuestionScreen(ModalScreen["tuple[Question, Verdict] | None"]):
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
        from tui_nn.engine.quiz import check

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
        from textual.widgets import Markdown

        with VerticalScroll(id="card-body"):
            yield Markdown(self.markdown)

    def action_close(self) -> None:
        self.dismiss(None)


class LessonPane(VerticalScroll):
    """The current chapter's page: its text, then its question; the log stays below it. Its keys
    are on a line of their own (a compact terminal's pane has no bottom border to carry them)."""

    can_focus = False

    def __init__(self, **kwargs: str | None) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.border_title = "lesson"

    def compose(self) -> ComposeResult:
        yield Static("", id="lesson-keys")

    def show(
        self,
        lesson: Lesson,
        index: int,
        ascii_only: bool = False,
        keys: str = "> next chapter · < previous · L hides",
        remaining: int | None = None,
        explanation: str = "",
    ) -> None:
        """Chapter `index`; `remaining` step questions still to ask, and the explanation of its
        own question once answered."""
        from tui_nn.engine.lesson import WrittenQuiz

        chapter = lesson.chapters[index]
        hint = question_hint(chapter, remaining)
        if explanation and isinstance(chapter.question, WrittenQuiz):
            hint = f"**Question:** {chapter.question.question.prompt} (answered: A asks it again, as practice)"
            hint += f"\n\n**Answer:** {explanation}"
        text = f"## {chapter.title}\n\n{chapter.markdown.strip()}\n\n{hint}"
        self._page(lesson.title, f"{index + 1}/{len(lesson.chapters)}", asciify(text) if ascii_only else text, keys, ascii_only)

    def show_page(self, title: str, where: str, markdown: str, keys: str, ascii_only: bool = False) -> None:
        """A page that is not a chapter (the closing page)."""
        self._page(title, where, asciify(markdown) if ascii_only else markdown, keys, ascii_only)

    def _page(self, title: str, where: str, page: str, keys: str, ascii_only: bool) -> None:
        from textual.widgets import Markdown  # its parser loads with the first lesson, not with the app

        # Text, not a str: Textual reads a str title as markup, and a lesson's title is the author's
        # words ('a [/] b' raised MarkupError; '[@click=app.quit]' quit the app when clicked).
        self.border_title = Text(f"lesson · {title} · {where}")
        self.query_one("#lesson-keys", Static).update(Text(asciify(keys) if ascii_only else keys, style=theme.MUTED))
        shown = self.query("#lesson-text")
        if shown:
            shown.first(Markdown).update(page)
        else:
            self.mount(Markdown(page, id="lesson-text"))
        self.scroll_home(animate=False)


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
