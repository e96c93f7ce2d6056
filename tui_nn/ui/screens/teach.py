"""Teaching: the quiz's question panel, the card of formulas in use, and the lesson pane.

The questions, their checking and the score are the engine's (tui_nn.engine.teach.quiz), held with the
lesson and its chapter by the controller (tui_nn.engine.teach.teaching) and changed by actions. These
widgets only show the engine's frame and pass the learner's words on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui_nn.engine.session.actions import MAX_ANSWER
from tui_nn.ui import theme
from tui_nn.ui.ascii import asciify
from tui_nn.ui.screens.screen_size import SettlesAtTerminalSize

if TYPE_CHECKING:  # the app imports this module at start; lessons, quizzes and Markdown load when first used
    from tui_nn.engine.teach.quiz import Question
    from tui_nn.engine.teach.teaching import LessonPage, QuestionPanel


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


class QuestionScreen(SettlesAtTerminalSize, ModalScreen[None]):
    """Asks one question at the bottom of the screen, the app still visible above it.

    A step's question shows the numbers the answer is made from, named, and not the rule that
    combines them: ? shows the rule, a second ? the rule with the numbers put in. What it shows
    is the engine's (a QuestionPanel); what the learner does is posted as a message (Answered,
    Skipped, HintAsked) for the app to apply as an action; the app closes it once the question
    is settled. While a recording is replayed the answers are the recording's: → and space apply
    the next recorded action, p plays or pauses it.
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
    BINDINGS = [
        Binding("escape", "skip", "skip"),
        Binding("question_mark", "hint", "hint", priority=True),
        Binding("right,space", "replay('next')", "next recorded action", show=False),
        Binding("p", "replay('play')", "play the recording", show=False),
    ]

    replaying: reactive[bool] = reactive(False, init=False)

    class Answered(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Skipped(Message):
        pass

    class HintAsked(Message):
        pass

    class ReplayKey(Message):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, panel: QuestionPanel, ascii_only: bool = False, replaying: bool = False) -> None:
        super().__init__()
        self.panel = panel
        self.ascii_only = ascii_only
        self.set_reactive(QuestionScreen.replaying, replaying)

    @property
    def question(self) -> Question:
        return self.panel.question

    def _t(self, text: str) -> str:
        return asciify(text) if self.ascii_only else text

    def compose(self) -> ComposeResult:
        panel = self.panel
        q = panel.question
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
                yield AnswerBox(placeholder=self._t("your answer"), max_length=MAX_ANSWER, id="question-answer")
                if panel.has_hints:
                    yield HintKey(Text(self._t(f" {HINT_KEY} hint "), style=f"bold {theme.SELECTION}"), id="question-hint-key")
            yield Static("", id="question-error")
            # last: a short terminal crops how the answer is judged before anything above it
            yield Static(id="question-keys")

    def on_mount(self) -> None:
        self.show(self.panel)
        self.watch_replaying(self.replaying)

    def watch_replaying(self, replaying: bool) -> None:
        box = self.query_one(AnswerBox)
        box.disabled = replaying  # the recording answers: a key typed would be lost
        if not replaying:
            box.focus()
        self._show_keys()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "replay":
            return self.replaying
        if action in ("skip", "hint"):
            return not self.replaying
        return True

    def _show_keys(self) -> None:
        panel = self.panel
        if self.replaying:
            keys = "replaying: → applies the recorded answer, p plays or pauses"
        else:
            keys = f"{HINT_KEY} hint · " if panel.has_hints else ""
            keys += "Enter answers, Esc skips"
        line = f"{keys} · {panel.question.how} · {panel.score}"
        self.query_one("#question-keys", Static).update(Text(self._t(line), style=theme.MUTED))

    def show(self, panel: QuestionPanel) -> None:
        """Draw the engine's panel: the hints shown so far and why an answer was not taken."""
        self.panel = panel
        hint = self.query_one("#question-hint", Static)
        if panel.hints:
            shown = "\n".join(panel.hints)
            if panel.more_hints:
                shown += f"  ({HINT_KEY} again: with the numbers)"
            hint.update(Text(self._t(shown), style=theme.TEXT))
            hint.display = True
            self.query_one("#question-text", VerticalScroll).scroll_end(animate=False)
        error = self.query_one("#question-error", Static)
        if panel.problem:
            style = theme.WARNING if panel.problem_tone == "warn" else theme.MUTED
            error.update(Text(self._t(panel.problem), style=style))
        error.display = bool(panel.problem)
        self._show_keys()

    @on(Input.Submitted)
    def _answer(self, event: Input.Submitted) -> None:
        self.post_message(self.Answered(event.value))

    def action_skip(self) -> None:
        self.post_message(self.Skipped())

    def action_hint(self) -> None:
        """The next hint: the rule, then the rule with the numbers put in."""
        if not self.replaying:
            self.post_message(self.HintAsked())

    def action_replay(self, key: str) -> None:
        self.post_message(self.ReplayKey(key))


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

    def show_page(self, page: LessonPage, ascii_only: bool = False) -> None:
        """The engine's page: a chapter with its question, or the closing page."""
        self._page(page.title, page.where, asciify(page.markdown) if ascii_only else page.markdown, page.keys, ascii_only)

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
