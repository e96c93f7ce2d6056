"""The quiz in the app: the inputs on screen and not the rule, the hint key (and its button), the
named mistake, and each question scored once."""

from __future__ import annotations

from textual.widgets import Static

from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.ui.screens.teach import QuestionScreen
from tui_nn.ui.shell.app import TuiNN

SIZES = [(120, 40), (80, 24)]


def make_app() -> TuiNN:
    return TuiNN(build(Config()), pace=None)


def text_of(screen: QuestionScreen) -> str:
    """Everything the question panel shows (its visible lines)."""
    return "\n".join(str(s.render()) for s in screen.query(Static) if s.display)


async def answer(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    field = pilot.app.screen.query_one("#question-answer")
    field.value = text
    await pilot.press("enter")
    await pilot.pause()


async def open_question_about_delta_h1(pilot) -> QuestionScreen:  # type: ignore[no-untyped-def]
    """Quiz mode on, then skip (Esc) to the question for δ_h1 of sample 1."""
    await pilot.press("a")
    while True:
        await pilot.press("right")
        screen = pilot.app.screen
        assert isinstance(screen, QuestionScreen)
        if screen.question.prompt.startswith("δ_h1"):
            return screen
        await pilot.press("escape")


async def test_the_inputs_are_shown_and_the_rule_only_on_the_hint_key() -> None:
    for size in SIZES:
        app = make_app()
        async with app.run_test(size=size) as pilot:
            screen = await open_question_about_delta_h1(pilot)
            q = screen.question
            shown = text_of(screen)
            worked = q.worked.splitlines()[-1].removesuffix("= ?").split(" = ", 1)[1].strip()
            assert "∂L/∂h1 = " in shown and "h1 = " in shown, shown
            assert "σ'" not in shown and worked not in shown, shown
            assert "?" in app.message and "rule" in app.message, "the status line names the hint key"
            assert screen.query_one("#question-answer").region.height > 0, f"the answer box is on screen at {size}"
            await pilot.press("question_mark")
            shown = text_of(screen)
            assert q.formula in shown and worked not in shown
            assert screen.query_one("#question-answer").value == "", "the hint key is not typed into the answer"
            await pilot.press("question_mark")
            assert worked in text_of(screen)
            await answer(pilot, q.shown)
            assert app.message.startswith("✓"), app.message


async def test_the_hint_button_shows_the_rule_on_a_click() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_question_about_delta_h1(pilot)
        assert screen.question.formula not in text_of(screen)
        await pilot.click("#question-hint-key")
        await pilot.pause()
        assert screen.question.formula in text_of(screen)
        assert isinstance(app.screen, QuestionScreen), "a click on the hint does not answer"


async def test_a_wrong_answer_names_the_mistake_it_matches() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_question_about_delta_h1(pilot)
        dl_dh1 = app.stepper.last()
        assert dl_dh1 is not None and dl_dh1.kind == "grad_a"
        await answer(pilot, screen.question.givens[0].shown)  # ∂L/∂h1 itself, as given
        assert app.message.startswith("✗") and "slope" in app.message and "left out" in app.message, app.message
        assert app.controller.teaching.score.tally("backward").wrong == 1


async def test_a_question_asked_again_after_back_is_scored_once() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a", "right")
        first = app.screen.question  # type: ignore[attr-defined]
        await answer(pilot, first.shown)
        assert app.controller.teaching.score.total.right == 1
        await pilot.press("left", "right")
        assert app.screen.question == first  # type: ignore[attr-defined]
        await answer(pilot, first.shown)
        assert app.controller.teaching.score.total.asked == 1
        assert "scored the first time only" in app.message
        await pilot.press("left", "right")
        await pilot.press("escape")  # a skip after scoring does not count either
        assert app.controller.teaching.score.total.asked == 1
        assert app.message.startswith("skipped") and "scored the first time only" in app.message


async def test_the_answer_box_stays_on_screen_under_adams_long_hint_at_80x24() -> None:
    """Adam's update hint is six lines: the question's text scrolls, the box and the error line stay."""
    app = TuiNN(build(Config(optimizer="adam")), pace=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")  # one sample per pass: the update comes sooner
        while app.stepper.peek().kind != "update_w":
            await pilot.press("right")
        await pilot.press("a", "right")
        screen = app.screen
        assert isinstance(screen, QuestionScreen) and screen.question.kind in ("update_w", "moves_most")
        if screen.question.kind == "moves_most":  # the first parameter is asked as a choice: skip to the next
            await pilot.press("escape", "right")
            screen = app.screen
            assert isinstance(screen, QuestionScreen)
        await pilot.press("question_mark", "question_mark")
        await pilot.pause()
        body = screen.query_one("#question-body").region
        box = screen.query_one("#question-answer").region
        assert len(screen.question.worked.splitlines()) >= 5
        assert box.height == 3 and body.y <= box.y and box.bottom <= body.bottom, (box, body)
        await answer(pilot, "banana")
        error = screen.query_one("#question-error").region
        assert error.height >= 1 and error.bottom <= body.bottom, (error, body)
