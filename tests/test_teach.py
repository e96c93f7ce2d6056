"""Teaching in the app: the quiz before each step, the words under each step, the card, the lesson."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui_nn.engine.nn.network import InitSpec
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.engine.teach.rehearsal import load_lesson
from tui_nn.ui.panes.log import CalcLog
from tui_nn.ui.screens.teach import LessonPane, QuestionScreen
from tui_nn.ui.shell.app import TuiNN

SIZE = (120, 40)


def make_app(**config: object) -> TuiNN:
    return TuiNN(build(Config().with_changes(**config)), pace=None)


async def answer(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    field = pilot.app.screen.query_one("#question-answer")
    field.value = text
    await pilot.press("enter")
    await pilot.pause()


async def test_the_quiz_asks_before_revealing_and_keeps_score() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "right")
        assert isinstance(app.screen, QuestionScreen) and app.stepper.position == 0, "asked, not yet revealed"
        question = app.screen.question
        assert question.prompt.startswith("z of h1 for sample 1")
        await answer(pilot, "0")  # right: x = (0, 0) and b = 0
        assert app.stepper.position == 1 and app.message.startswith("✓")
        await pilot.press("right")
        await answer(pilot, "0.9")  # wrong: σ(0) = 0.5
        assert app.stepper.position == 2 and app.message.startswith("✗")
        await pilot.press("right")
        await answer(pilot, "banana")  # not an answer: explained, asked again
        assert isinstance(app.screen, QuestionScreen) and app.stepper.position == 2
        await pilot.press("escape")  # skipped
        assert app.stepper.position == 3
        score = app.controller.teaching.score.tally("forward")
        assert (score.right, score.wrong, score.skipped) == (1, 1, 1)
        await pilot.press("left", "left")  # ← still undoes; the score stays
        assert app.stepper.position == 1 and app.controller.teaching.score.tally("forward").asked == 3


async def test_an_answer_within_the_stated_tolerance_counts() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("F", "B", "F", "a", "right")  # sample 2's first z: 0.0965 (to 4 decimals)
        q = app.screen.question  # type: ignore[attr-defined]
        await answer(pilot, f"{q.value + 0.9 * q.tolerance:.6f}")
        assert app.message.startswith("✓")
        await pilot.press("right")
        q = app.screen.question  # type: ignore[attr-defined]
        await answer(pilot, f"{q.value + 3 * q.tolerance + 1e-3:.6f}")
        assert app.message.startswith("✗")


@pytest.mark.parametrize(
    "config",
    [
        Config(activation="tanh", loss="mse", optimizer="momentum"),
        Config(activation="relu", optimizer="adam", init=InitSpec("normal", 1.0)),
        Config(activation="leaky_relu", hidden=(2, 2)),
    ],
)
async def test_every_kind_of_step_can_be_asked_and_answered(config: Config) -> None:
    """A whole pass answered through the app with the engine's own printed values: every answer
    counts as right. Sample 1 is pinned so a pass is one sample (every kind of step, a quarter of
    the keys); tests/test_quiz.py asks every step of whole batches without the app."""
    app = TuiNN(build(config), pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("1", "a")
        total = app.stepper.current.total
        kinds = set()
        for _ in range(total):
            await pilot.press("right")
            q = app.screen.question  # type: ignore[attr-defined]
            kinds.add(q.kind)
            right = next(iter(q.right)) if q.choices else q.shown
            await answer(pilot, right)
            assert app.message.startswith("✓"), (q.prompt, right, app.message)
        assert {"z", "a", "loss", "delta", "grad_a", "grad_w", "grad_b", "update_w", "update_b"} <= kinds, kinds


async def test_words_appear_under_steps_and_w_hides_them() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right")
        log = app.query_one(CalcLog)
        text = " ".join(log.plain_lines())
        entry = app.controller.logbook.entries[-1]
        assert entry.text and entry.text.split()[0] in text
        await pilot.press("w")
        assert entry.text.split()[-1] not in " ".join(log.plain_lines())
        await pilot.press("w")
        assert entry.text.split()[-1] in " ".join(log.plain_lines()).replace("\n", " ") or log.show_words


async def test_the_card_shows_the_formulas_in_use() -> None:
    app = make_app(activation="tanh", optimizer="adam")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("C")
        assert app.screen.__class__.__name__ == "CardScreen"
        text = app.screen.markdown  # type: ignore[attr-defined]
        assert "tanh" in text and "M̂" in text
        await pilot.press("escape")
        assert app.screen.__class__.__name__ != "CardScreen"


async def test_the_lesson_goes_forwards_and_back_and_sets_each_chapters_state() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("L")
        await pilot.pause()
        assert (
            app.controller.teaching.lesson is not None
            and app.controller.teaching.chapter == 0
            and app.query_one(LessonPane).display
        )
        assert app.session.net.sizes == (2, 1), "chapter 1 is the perceptron"
        await pilot.press("greater_than_sign")
        await pilot.pause()
        assert app.controller.teaching.chapter == 1 and app.session.net.sizes == (2, 2, 1) and app.view_mode == "hidden"
        await pilot.press("less_than_sign")
        await pilot.pause()
        assert app.controller.teaching.chapter == 0 and app.session.net.sizes == (2, 1)
        await pilot.press("less_than_sign")
        assert "first chapter" in app.message
        await pilot.press("L")
        assert not app.query_one(LessonPane).display
        await pilot.press("v", "c", "escape", "L")  # the lesson state outlives v and c
        assert app.controller.teaching.chapter == 0 and app.query_one(LessonPane).display


async def test_a_teachers_own_lesson(tmp_path: Path) -> None:
    path = tmp_path / "mine.md"
    path.write_text(
        "---\ntitle: Two chapters\nproblem: xor\nhidden: 2\n---\n\n"
        "## One\n\n<!-- tui-nn: steps 6 -->\nSix steps in.\n\n<!-- tui-nn: quiz next -->\n\n"
        '## Two\n\n<!-- tui-nn: finish-epoch -->\nOne update later.\n\n<!-- tui-nn: ask "How many hidden units?" answer=2 -->\n'
    )
    lesson = load_lesson(path)
    app = TuiNN(build(lesson.config), pace=None, lesson=lesson)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.pause()
        assert app.controller.teaching.chapter == 0 and app.stepper.position == 6
        await pilot.press("right")  # the chapter's question: the next step is asked
        assert isinstance(app.screen, QuestionScreen)
        await pilot.press("escape")
        await pilot.press("greater_than_sign")
        await pilot.pause()
        assert app.controller.teaching.chapter == 1 and app.stepper.epoch == 1
        await pilot.press("A")
        await answer(pilot, "2")
        assert app.message.startswith("✓") and app.controller.teaching.score.tally("concept").right == 1


async def test_a_chapter_asks_its_step_in_the_style_it_names_and_A_asks_it() -> None:
    """Chapter 9 says 'work out the new w11' and names `quiz next number`: A (or →) must ask for
    w11's value, not which parameter moves most (before: the chapter's style was ignored)."""
    lesson = load_lesson(Path(__file__).parent.parent / "tui_nn" / "lessons" / "xor.md")
    app = TuiNN(build(lesson.config), pace=None, lesson=lesson)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        while app.controller.teaching.chapter < len(lesson.chapters) - 1:
            await pilot.press("greater_than_sign")
            await app.workers.wait_for_complete()
            await pilot.pause()
        await pilot.press("A")
        screen = app.screen
        assert isinstance(screen, QuestionScreen)
        q = screen.question
        assert q.kind == "update_w" and not q.is_choice and q.prompt.startswith("w11 after this update")
        assert q.value == app.stepper.peek().value and "w11 ←" in q.worked and q.worked.endswith("= ?")
        await pilot.press("escape")  # skipped: the same question counts as skipped
        assert app.controller.teaching.score.tally("update").skipped == 1 and app.stepper.position > 0
