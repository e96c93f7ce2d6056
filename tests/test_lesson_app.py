"""The lesson in the app never strands the learner: its page stands beside the log, chapters turn
while training runs, every < and > counts, the last > shows the score, the page survives a
rebuild, its keys are on screen at 80×24, typed answers go only into the answer box, each
question is scored once, and the title is shown as written."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from rich.text import Text

from tui_nn.cli.commands import main
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.engine.teach.lesson import builtin_lesson
from tui_nn.engine.teach.rehearsal import load_lesson
from tui_nn.ui.panes.log import CalcLog
from tui_nn.ui.screens.teach import LessonPane, QuestionScreen
from tui_nn.ui.shell.app import TuiNN

from .cli_helpers import one_error_line, run

SIZE = (120, 40)
PATIENCE = 60.0  # seconds a loaded 2-core machine may take to stop a training process: a bound, not a speed


async def until(pilot: object, condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)  # type: ignore[attr-defined]


def lesson_app(**options: object) -> TuiNN:
    lesson = builtin_lesson()
    return TuiNN(build(lesson.config), pace=None, lesson=lesson, **options)  # type: ignore[arg-type]


def drawn(app: TuiNN) -> bool:
    """The screen shows the engine's lesson: the panes rebuilt, and the page the engine's chapter."""
    if app._recomposing:
        return False
    page = app.controller.teaching_frame().page
    if page is None or not app.controller.teaching.lesson_shown:
        return True
    return f"· {page.where}" in str(app.query_one(LessonPane).border_title)


async def settle(app: TuiNN, pilot: object) -> None:
    """Wait until the chapter the engine has opened is on screen (its panes may be rebuilt)."""
    await pilot.pause()  # type: ignore[attr-defined]
    await until(pilot, lambda: drawn(app))
    await pilot.pause()  # type: ignore[attr-defined]


def page(app: TuiNN) -> str:
    from textual.widgets import Markdown

    return app.query_one(LessonPane).query_one("#lesson-text", Markdown).source


def keys_line(app: TuiNN) -> str:
    from textual.widgets import Static

    return str(app.query_one("#lesson-keys", Static).render())


async def answer(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    field = pilot.app.screen.query_one("#question-answer")
    field.value = text
    await pilot.press("enter")
    await pilot.pause()


@pytest.mark.parametrize("keys", [("L",), ("L", "greater_than_sign"), ("L", "less_than_sign")])
async def test_opening_or_turning_a_chapter_pauses_live_training_first(keys: tuple[str, ...]) -> None:
    """Before: T then L (or, in a lesson, T then > or <) raised RuntimeError 'rebuild while
    training' and the app exited with 70."""
    app = TuiNN(build(Config()), target_loss=1e-300, pace=None)
    async with app.run_test(size=SIZE) as pilot:
        if keys != ("L",):
            await pilot.press("L")
            await settle(app, pilot)
            await pilot.press("greater_than_sign")
            await settle(app, pilot)
        start = app.controller.teaching.chapter
        await pilot.press("T")
        assert app.training
        await pilot.press(keys[-1])
        await until(pilot, lambda: not app.training and app.live is None)
        await settle(app, pilot)
        assert app.is_running and app.return_code is None
        expected = {"L": 0, "greater_than_sign": start + 1, "less_than_sign": start - 1}[keys[-1]]
        assert (
            app.controller.teaching.lesson is not None
            and app.controller.teaching.chapter == expected
            and app.controller.teaching.lesson_shown
        )
        assert app.query_one(LessonPane).display and f"{expected + 1}/9" in str(app.query_one(LessonPane).border_title)


async def test_every_quick_press_of_less_than_counts() -> None:
    """Before: < pressed while a chapter prepared was computed from the chapter still shown, so
    three quick presses from chapter 5 went back one chapter, not three."""
    app = lesson_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for _ in range(4):
            await pilot.press("greater_than_sign")
        await settle(app, pilot)
        assert app.controller.teaching.chapter == 4
        for _ in range(3):  # three presses arriving together, before the first chapter is ready
            app.action_chapter(-1)
        await settle(app, pilot)
        assert app.controller.teaching.chapter == 1 and app.session.net.sizes == (2, 2, 1) and app.view_mode == "hidden"


async def test_the_page_stands_beside_the_log_and_the_log_shows_the_step_asked() -> None:
    """Before: the lesson took the log's place, though chapters say 'the log shows why'; after a
    chapter's question → revealed a step nobody could see."""
    app = lesson_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("greater_than_sign", "greater_than_sign")
        await settle(app, pilot)
        log = app.query_one(CalcLog)
        assert app.query_one(LessonPane).display and log.display and log.size.height >= 4
        await pilot.press("right")
        assert isinstance(app.screen, QuestionScreen)
        question = app.screen.question
        await answer(pilot, "0.9")  # h2's z is −1.8635: wrong
        assert app.message.startswith("✗")
        await pilot.pause()
        assert log.display and log.size.height >= 4  # still beside the page after the answer
        last_step = [e.step for e in app.controller.logbook.entries if e.step is not None][-1]
        assert last_step.value == question.value  # the step asked about is the log's newest line, on screen


async def test_a_chapter_that_says_keep_pressing_asks_each_step_and_scores_each_once() -> None:
    app = lesson_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("greater_than_sign", "greater_than_sign")  # chapter 3: four steps asked
        await settle(app, pilot)
        assert app.controller.teaching.steps_left == 4 and "each of the next 4 steps" in page(app)
        for k in range(4):
            await pilot.press("right")
            assert isinstance(app.screen, QuestionScreen), f"question {k + 1} of 4 is asked"
            await pilot.press("escape")
            await pilot.pause()
        assert app.controller.teaching.steps_left == 0 and "all asked" in page(app)
        position = app.stepper.position
        await pilot.press("right")  # no question left: → steps
        assert not isinstance(app.screen, QuestionScreen) and app.stepper.position == position + 1
        asked = app.controller.teaching.score.tally("forward").asked
        assert asked == 4
        await pilot.press("less_than_sign", "greater_than_sign")  # back into chapter 3: asked again, as practice
        await settle(app, pilot)
        await pilot.press("right")
        await answer(pilot, "-1.8635")
        assert "practice" in app.message and app.controller.teaching.score.tally("forward").asked == asked
        assert app.controller.teaching.score.chapter_answers(2) == ["skipped"] * 4


async def test_re_answering_the_chapters_own_question_scores_once() -> None:
    """Before: A, answer, A, answer added to the score twice."""
    app = lesson_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for text in ("2", "3", "3"):
            await pilot.press("A")
            await answer(pilot, text)
        score = app.controller.teaching.score.tally("concept")
        assert (score.right, score.wrong) == (0, 1)
        assert "practice" in app.message and app.controller.teaching.score.chapter_answers(0) == ["wrong"]
        assert "**Answer:**" in page(app)


async def test_digits_typed_while_a_question_waits_are_neither_pins_nor_answers() -> None:
    """Before: typing 0.2 with no question open went to the app: 'back to the whole batch', 'pin
    sample 2'."""
    app = lesson_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("greater_than_sign", "greater_than_sign")  # chapter 3 pins sample 2, asks the next steps
        await settle(app, pilot)
        focus, position = app.stepper.focus, app.stepper.position
        await pilot.press("0", "full_stop", "2")
        assert app.stepper.focus == focus and app.stepper.position == position
        assert not isinstance(app.screen, QuestionScreen) and "a question is waiting" in app.message
        assert app.controller.teaching.score.tally("forward").asked == 0
        await pilot.press("greater_than_sign")  # chapter 4 asks one step; once asked, digits pin again
        await settle(app, pilot)
        await pilot.press("right", "escape")
        await pilot.press("0")
        assert app.stepper.focus is None


async def test_settings_then_enter_keep_the_page() -> None:
    """Before: c then Enter (chapter 9's own advice: set η = 1) left a blank pane titled 'lesson'."""
    app = lesson_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("enter")
        await until(pilot, lambda: len(app.screen_stack) == 1)
        await pilot.pause()
        assert "Four points no line can separate" in page(app)
        assert "1/9" in str(app.query_one(LessonPane).border_title)


async def test_the_last_chapter_leads_to_a_page_with_the_score() -> None:
    app = lesson_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("A")
        await answer(pilot, "3")
        for _ in range(9):
            await pilot.press("greater_than_sign")
        await settle(app, pilot)
        text = page(app)
        assert app.controller.teaching.chapter == 9 and "The end" in text and "1 of" in text and "What to try next" in text
        await pilot.press("greater_than_sign")
        assert "closing page" in app.message
        await pilot.press("less_than_sign")
        await settle(app, pilot)
        assert app.controller.teaching.chapter == 8 and "too large a step" in page(app)


async def test_the_lesson_keys_are_on_screen_at_80x24() -> None:
    app = lesson_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        keys = app.query_one("#lesson-keys")
        assert keys.region.height == 1 and keys.region.width > 0
        shown = keys_line(app)
        assert all(key in shown for key in ("<", ">", "L", "A")), shown
        assert keys.region.right <= 80 and len(shown) <= keys.region.width


@pytest.mark.parametrize("title", ["a [/] b", "[bold]loud[/bold]", "[@click=app.quit]click me[/]"])
async def test_a_lesson_title_with_markup_is_shown_as_written(title: str) -> None:
    """Before: 'a [/] b' raised MarkupError (exit 70), and [bold] and [@click=app.quit] were
    interpreted."""
    lesson = load_lesson(f"---\ntitle: {title}\n---\n## [red]One[/red]\n\nText with [b]brackets[/b].\n")
    app = TuiNN(build(lesson.config), pace=None, lesson=lesson)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.is_running
        border = app.query_one(LessonPane).border_title
        assert border is not None and Text.from_markup(str(border)).plain == f"lesson · {title} · 1/1"
        assert "[red]One[/red]" in app.message


@pytest.mark.parametrize("words", [["xor", "--lesson", ""], ["lesson", ""], ["--lesson", "  "]])
def test_an_empty_lesson_name_is_refused(capsys: pytest.CaptureFixture[str], words: list[str]) -> None:
    """Before: `--lesson ''` opened the built-in lesson."""
    code, _, err = run(capsys, *words)
    assert code == 2 and "empty file name" in one_error_line(err)


def test_a_bare_lesson_flag_is_still_the_built_in_lesson(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[object] = []
    monkeypatch.setattr("tui_nn.cli.commands.launch", lambda session, options: opened.append(options["lesson"]) or 0)
    assert main(["xor", "--lesson"]) == 0 and main(["lesson"]) == 0
    assert [lesson.title for lesson in opened] == [builtin_lesson().title] * 2  # type: ignore[attr-defined]
