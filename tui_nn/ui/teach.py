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
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui_nn.ui import theme
from tui_nn.ui.ascii import asciify
from tui_nn.ui.screen_size import SettlesAtTerminalSize

if TYPE_CHECKING:  # the app imports this module at start; lessons, quizzes and Markdown load when first used
    from tui_nn.engine.lesson import Chapter, Lesson
    from tui_nn.engine.quiz import Question, Verdict  # noqa: F401 (Verdict: in a quoted annotation)


HINT_KEY = "?"  # never part of an answer (numbers, signs, words, parameter names), so the answer box can't want it


class AnswerBox(Input):
    """The answer box: it takes every key an answer can contain, and leaves the hint key to the
    question (Textual drops a screen's binding for any key the focused box would type)."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character != HINT_KEY and super().check_consume_key(key, character)


class HintKey(Static):
    """The hint key as a button: a click asks for the next hint, as the key does."""

    def on_click(self) -> None:
        screen = self.screen
        if isinstance(screen, QuestionScreen):
            screen.action_hint()


class QuestionScreen(SettlesAtTerminalSize, ModalScreen["tuple[Question, Verdict] | None"]):
    """Asks one question at the bottom of the screen, the app still visible above it.

    A step's question shows the numbers the answer is made from, named, and not the rule that
    combines them: ? shows the rule, a second ? the rule with the numbers put in. Dismisses with
    (question, verdict) once answered (an answer that is not one is explained and asked again),
    or None when skipped (Escape).
    """

    # The question's text scrolls within its lines, so the answer box below it stays on screen
    # however long the hint (Adam's update is six lines) and however small the terminal.
    DEFAULT_CSS = """
    #question-text { height: auto; max-height: 6; }
    #question-row { height: auto; }
    #question-answer { width: 1fr; }
    #question-hint-key { width: auto; height: 3; content-align: center middle; }
    #question-hint { height: auto; display: none; }
    #question-error { display: none; }
    """

    # priority: the answer box has the focus and would take the key as text
    BINDINGS = [Binding("escape", "skip", "skip"), Binding("question_mark", "hint", "hint", priority=True)]

    def __init__(self, question: Question, score: str, ascii_only: bool = False) -> None:
        super().__init__()
        self.question = question
        self.score = score
        self.ascii_only = ascii_only
        self.hints_shown = 0

    def _t(self, text: str) -> str:
        return asciify(text) if self.ascii_only else text

    def compose(self) -> ComposeResult:
        q = self.question
        with Vertical(id="question-body"):
            with VerticalScroll(id="question-text"):
                yield Static(Text(self._t(f"quiz · {q.prompt}"), style=f"bold {theme.SELECTION}"), id="question-prompt")
                if q.givens:
                    given = "given  " + "   ".join(f"{g.name} = {g.shown}" for g in q.givens)
                    yield Static(Text(self._t(given), style=theme.TEXT), id="question-givens")
                if q.choices:
                    listed = "   ".join(f"{c.key}) {c.text}" for c in q.choices)
                    yield Static(Text(self._t(listed), style=theme.TEXT))
                yield Static("", id="question-hint")
            with Horizontal(id="question-row"):
                yield AnswerBox(placeholder=self._t("your answer"), id="question-answer")
                if hint_lines(q):
                    yield HintKey(Text(self._t(f" {HINT_KEY} hint "), style=f"bold {theme.SELECTION}"), id="question-hint-key")
            yield Static("", id="question-error")
            # last: a short terminal crops how the answer is judged before anything above it
            keys = f"{HINT_KEY} hint · " if hint_lines(q) else ""
            yield Static(Text(self._t(f"{keys}Enter answers, Esc skips · {q.how} · {self.score}"), style=theme.MUTED))

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _answer(self, event: Input.Submitted) -> None:
        from tui_nn.engine.quiz import check

        verdict = check(self.question, event.value)
        if verdict.outcome == "invalid":
            self._say(verdict.message, theme.WARNING)
            return
        self.dismiss((self.question, verdict))

    def action_skip(self) -> None:
        self.dismiss(None)

    def action_hint(self) -> None:
        """The next hint: the rule, then the rule with the numbers put in."""
        lines = hint_lines(self.question)
        if not lines:
            self._say("no hint for this question", theme.MUTED)
            return
        self.hints_shown = min(self.hints_shown + 1, len(lines))
        shown = "\n".join(lines[: self.hints_shown])
        if self.hints_shown < len(lines):
            shown += f"  ({HINT_KEY} again: with the numbers)"
        hint = self.query_one("#question-hint", Static)
        hint.update(Text(self._t(shown), style=theme.TEXT))
        hint.display = True
        self.query_one("#question-text", VerticalScroll).scroll_end(animate=False)

    def _say(self, text: str, style: str) -> None:
        """A line under the answer box: why an answer was not taken, or that there is no hint."""
        error = self.query_one("#question-error", Static)
        error.update(Text(self._t(text), style=style))
        error.display = True


def hint_lines(question: Question) -> list[str]:
    """What the hint key shows, press by press: the rule, then the rule with the numbers put in."""
    lines = []
    if question.formula:
        lines.append(f"rule: {question.formula}")
    if question.worked:
        lines.append(question.worked)
    return lines


class CardScreen(SettlesAtTerminalSize, ModalScreen[None]):
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
