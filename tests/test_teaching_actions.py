"""The quiz and the lesson as actions: each applied by the controller (and refused at the wrong
moment with one line, the session intact), written to and read from session files like every
action, and a quiz and a lesson recorded through the app's keys replayed bit for bit."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli_helpers import run
from tui_nn.engine.session import actions as act
from tui_nn.engine.session import export, replay
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.engine.session.controller import Controller, Outcome
from tui_nn.engine.teach.lesson import StepQuiz, WrittenQuiz, builtin_lesson
from tui_nn.engine.teach.quiz import check, next_question
from tui_nn.ui.screens.teach import LessonPane, QuestionScreen
from tui_nn.ui.shell.app import TuiNN

TEACHING_ACTIONS = [
    act.QuizMode(True),
    act.QuizMode(False),
    act.Ask(),
    act.AskChapter(),
    act.Answer("0.25"),
    act.Answer("−1.5e−3 ✓"),
    act.Skip(),
    act.Hint(),
    act.OpenLesson("xor.md", builtin_lesson().text),
    act.NextChapter(),
    act.PreviousChapter(),
    act.ShowLesson(False),
]


@pytest.mark.parametrize("action", TEACHING_ACTIONS, ids=lambda a: a.name)
def test_each_teaching_action_reads_back_from_its_json(action: act.Action) -> None:
    assert act.action_from_json(action.to_json()) == action


@pytest.mark.parametrize(
    ("document", "says"),
    [
        ({"action": "quiz", "on": "yes"}, "quiz: on must be true or false, not text"),
        ({"action": "show_lesson", "shown": 1}, "show_lesson: shown must be true or false, not a number"),
        ({"action": "answer", "text": 4}, "answer: text has the wrong type (a number)"),
        ({"action": "answer", "text": "1" * (act.MAX_ANSWER + 1)}, f"answer: text must be an answer of at most {act.MAX_ANSWER}"),
        ({"action": "open_lesson", "lesson": "", "markdown": "---"}, "open_lesson: lesson must name the lesson"),
        ({"action": "open_lesson", "lesson": "big.md", "markdown": "x" * 300_000}, "markdown is larger than a lesson may be"),
        ({"action": "skip", "why": "bored"}, "skip: unknown field(s) why"),
    ],
)
def test_a_teaching_action_a_file_could_not_hold_is_refused_by_name(document: dict[str, object], says: str) -> None:
    with pytest.raises(act.ActionError) as refused:
        act.action_from_json(document)
    assert says in str(refused.value)


def snapshot(controller: Controller) -> tuple[object, ...]:
    """Everything a teaching action could change: the parameters, the walk's place, the log, the
    recording so far, and the teaching state with its frame."""
    stepper = controller.stepper
    return (
        stepper.current.start_params.tobytes(),
        stepper.position,
        stepper.epoch,
        len(controller.logbook.entries),
        controller.teaching_frame(),
        dataclasses.replace(controller.teaching, _score=controller.teaching.score),
    )


def refused(controller: Controller, action: act.Action) -> Outcome:
    """Apply `action`, which must change nothing but say why in one line."""
    before = snapshot(controller)
    outcome = controller.apply(action)
    assert outcome.message is not None and "\n" not in outcome.message.text
    assert outcome.message.tone in ("warn", "info")
    assert snapshot(controller) == before
    return outcome


@pytest.mark.parametrize(
    ("action", "says"),
    [
        (act.Answer("0.5"), "no question is on screen for an answer"),
        (act.Skip(), "no question is on screen for a skip"),
        (act.Hint(), "no question is on screen for a hint"),
        (act.Ask(), "no question to ask: a turns the quiz on"),
        (act.AskChapter(), "no lesson open"),
        (act.NextChapter(), "no lesson open"),
        (act.PreviousChapter(), "no lesson open"),
        (act.ShowLesson(True), "no lesson open"),
    ],
)
def test_a_teaching_action_at_the_wrong_moment_says_so_and_changes_nothing(action: act.Action, says: str) -> None:
    controller = Controller(build(Config()))
    controller.apply(act.Next())
    assert says in refused(controller, action).message.text  # type: ignore[union-attr]


def test_ask_answer_and_skip_judge_score_once_and_reveal_the_step() -> None:
    controller = Controller(build(Config()))
    assert controller.apply(act.QuizMode(True)).message.text.startswith("quiz: → asks")  # type: ignore[union-attr]
    expected = next_question(controller.stepper)  # the question for the step about to be shown, computed apart
    controller.apply(act.Ask())
    asked = controller.teaching.asked
    assert asked is not None and asked.question == expected and controller.stepper.position == 0
    assert "a question is waiting" in refused(controller, act.Ask()).message.text  # type: ignore[union-attr]

    # not an answer: said under the box, nothing scored, the step not shown, the question still open
    controller.apply(act.Answer("banana"))
    panel = controller.teaching_frame().question
    assert panel is not None and panel.problem == check(expected, "banana").message
    assert controller.teaching.score.total.asked == 0 and controller.stepper.position == 0

    controller.apply(act.Hint())
    controller.apply(act.Hint())
    panel = controller.teaching_frame().question
    assert panel is not None and panel.hints == (f"rule: {expected.formula}", expected.worked) and not panel.more_hints

    outcome = controller.apply(act.Answer(expected.shown))
    assert outcome.message is not None and outcome.message.text.startswith("✓") and outcome.message.tone == "success"
    assert controller.teaching.asked is None and controller.stepper.position == 1
    assert controller.teaching.score.total.right == 1
    assert controller.teaching_frame().question is None

    # asked again after ←: judged, not scored again
    controller.apply(act.Back())
    controller.apply(act.Ask())
    assert controller.teaching.asked is not None and controller.teaching.asked.question == expected
    outcome = controller.apply(act.Skip())
    assert outcome.message is not None and "scored the first time only" in outcome.message.text
    assert controller.teaching.score.total.asked == 1 and controller.stepper.position == 1

    assert controller.apply(act.QuizMode(False)).message.text.startswith("quiz off · forward 1/1")  # type: ignore[union-attr]
    assert not controller.teaching.asks_on_next


def test_a_lesson_opens_turns_and_scores_each_of_its_questions_once() -> None:
    lesson = builtin_lesson()
    controller = Controller(build(lesson.config))
    assert "no lesson open" in refused(controller, act.AskChapter()).message.text  # type: ignore[union-attr]
    outcome = controller.apply(act.OpenLesson(lesson.name, lesson.text))
    teaching = controller.teaching
    assert outcome.message is not None and outcome.message.text.startswith("chapter 1/9")
    assert teaching.lesson == lesson and teaching.chapter == 0 and teaching.lesson_shown
    assert "a lesson is open already" in refused(controller, act.OpenLesson(lesson.name, lesson.text)).message.text  # type: ignore[union-attr]
    assert "the first chapter" in refused(controller, act.PreviousChapter()).message.text  # type: ignore[union-attr]

    first = lesson.chapters[0].question
    assert isinstance(first, WrittenQuiz)
    assert controller.teaching_frame().waiting == "A opens the answer box"
    controller.apply(act.AskChapter())
    controller.apply(act.Answer("2"))  # wrong: three of the four is the best a line does
    assert teaching.score.chapter_answers(0) == ["wrong"]
    controller.apply(act.AskChapter())
    outcome = controller.apply(act.Answer(first.question.shown))
    assert outcome.message is not None and "practice" in outcome.message.text and teaching.score.chapter_answers(0) == ["wrong"]
    page = controller.teaching_frame().page
    assert page is not None and "**Answer:**" in page.markdown and page.where == "1/9"

    step_chapter = next(k for k, c in enumerate(lesson.chapters) if isinstance(c.question, StepQuiz))
    for _ in range(step_chapter):
        controller.apply(act.NextChapter())
    spec = lesson.chapters[step_chapter].question
    assert isinstance(spec, StepQuiz) and teaching.steps_left == spec.count
    assert controller.session.config == lesson.chapters[step_chapter].config
    for _ in range(spec.count):
        controller.apply(act.Ask())
        controller.apply(act.Skip())
    assert teaching.steps_left == 0 and teaching.score.chapter_answers(step_chapter) == ["skipped"] * spec.count
    assert "no question to ask" in refused(controller, act.Ask()).message.text  # type: ignore[union-attr]
    controller.apply(act.PreviousChapter())
    controller.apply(act.NextChapter())  # asked again: practice
    controller.apply(act.Ask())
    outcome = controller.apply(act.Skip())
    assert outcome.message is not None and "practice" in outcome.message.text
    assert teaching.score.chapter_answers(step_chapter) == ["skipped"] * spec.count

    controller.apply(act.ShowLesson(False))
    assert not controller.teaching_frame().lesson_shown and controller.teaching_frame().waiting is None
    controller.apply(act.ShowLesson(True))
    while teaching.chapter < len(lesson.chapters):
        controller.apply(act.NextChapter())
    page = controller.teaching_frame().page
    assert page is not None and page.where == "the end" and "What to try next" in page.markdown
    assert "the closing page" in refused(controller, act.NextChapter()).message.text  # type: ignore[union-attr]


def test_a_lesson_that_does_not_parse_is_not_opened() -> None:
    controller = Controller(build(Config()))
    before = snapshot(controller)
    outcome = controller.apply(act.OpenLesson("mine.md", "---\ntitle: t\nhidden: banana\n---\n\n## one\n\ntext\n"))
    assert outcome.message is not None and outcome.message.tone == "error"
    assert outcome.message.text.startswith("the lesson is not opened: mine.md") and "\n" not in outcome.message.text
    assert controller.teaching.lesson is None and snapshot(controller)[:4] == before[:4]


def test_a_chapter_is_recorded_as_its_turn_not_as_its_actions() -> None:
    """A chapter's actions are applied by its NextChapter: recorded as well, a replay would apply them twice."""
    lesson = builtin_lesson()
    controller = Controller(build(lesson.config))
    controller.apply(act.OpenLesson(lesson.name, lesson.text))
    controller.apply(act.NextChapter())
    assert [a.name for a in controller.record] == ["open_lesson", "next_chapter"]
    again = Controller(build(lesson.config))
    for action in replay.parse(replay.to_json(controller.recording())).actions:
        again.apply(action)
    assert np.array_equal(again.stepper.current.start_params, controller.stepper.current.start_params)
    assert again.teaching_frame() == controller.teaching_frame()


# --- recorded through the app's keys, replayed through the app -----------------------------------

SIZE = (120, 40)
PATIENCE = 60.0  # seconds a loaded 2-core machine may take: a bound, not a speed


async def until(pilot: object, condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)  # type: ignore[attr-defined]


async def type_answer(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await until(pilot, lambda: isinstance(pilot.app.screen, QuestionScreen))
    pilot.app.screen.query_one("#question-answer").value = text
    await pilot.press("enter")
    await pilot.pause()


def screens(app: TuiNN) -> tuple[object, ...]:
    """What the learner sees of the session: the weights, the score, the lesson's page and the
    question panel as the engine has them, the log, and the page as the pane shows it."""
    from textual.widgets import Markdown

    teaching = app.controller.teaching
    shown_page = app.query_one(LessonPane).query("#lesson-text")
    return (
        app.stepper.current.start_params.tobytes(),
        app.stepper.position,
        teaching.score,
        teaching.chapter,
        teaching.quiz_on,
        app.controller.teaching_frame(),
        export.document("text", app.controller.logbook.entries, app.stepper.fmt, "log"),
        shown_page.first(Markdown).source if shown_page else None,
        app.view_mode,
    )


async def replayed(recording: replay.Recording, config: Config) -> tuple[object, ...]:
    """The recording played back in a fresh app by → (and → on each replayed question), to its end."""
    app = TuiNN(build(config), pace=None, replay=replay.parse(replay.to_json(recording)))
    async with app.run_test(size=SIZE) as pilot:
        while app.replay_queue:
            await pilot.press("right")
            await until(pilot, lambda: not app._recomposing)
        await pilot.pause()
        assert "replay finished" in app.message
        return screens(app)


async def test_a_quiz_recorded_by_keys_replays_bit_for_bit() -> None:
    app = TuiNN(build(Config()), pace=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "right")
        await type_answer(pilot, "banana")  # not an answer: asked again
        await pilot.press("question_mark", "question_mark")
        question = app.screen.question  # type: ignore[attr-defined]
        await type_answer(pilot, question.shown)
        await pilot.press("right", "escape", "right")
        await type_answer(pilot, "0")
        await pilot.press("left", "right", "escape", "a", "right", "right")
        await pilot.pause()
        assert app.controller.teaching.score.total.asked == 3 and not isinstance(app.screen, QuestionScreen)
        recording, recorded = app.controller.recording(), screens(app)
    assert {"quiz", "ask", "answer", "hint", "skip"} <= {a.name for a in recording.actions}
    assert await replayed(recording, Config()) == recorded


async def test_a_lesson_recorded_by_keys_replays_bit_for_bit() -> None:
    lesson = builtin_lesson()
    app = TuiNN(build(lesson.config), pace=None, lesson=lesson)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.controller.teaching.lesson is not None and not app._recomposing)
        await pilot.press("A")
        await type_answer(pilot, "3")
        for _ in range(2):
            await pilot.press("greater_than_sign")
            await until(pilot, lambda: not app._recomposing)
        await pilot.press("right")
        await type_answer(pilot, "0")
        await pilot.press("right", "escape", "L", "L", "greater_than_sign")
        await until(pilot, lambda: not app._recomposing)
        await pilot.press("less_than_sign")
        await until(pilot, lambda: not app._recomposing)
        await pilot.pause()
        assert app.controller.teaching.score.lesson_answers == ["right", "wrong", "skipped"]
        recording, recorded = app.controller.recording(), screens(app)
    assert recording.actions[0] == act.OpenLesson(lesson.name, lesson.text)
    assert await replayed(recording, recording.config) == recorded


def test_replay_check_plays_a_wrong_answer_as_what_happened(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A wrong answer is a verdict, not a refusal: `replay --check` plays it (before, its red
    tone read as an action the engine refused, and the check stopped there with exit 2)."""
    controller = Controller(build(Config()))
    for action in (act.QuizMode(True), act.Ask(), act.Answer("12345"), act.Ask(), act.Skip()):
        controller.apply(action)
    assert controller.teaching.score.total.wrong == 1
    path = replay.save(tmp_path / "quiz.json", controller.recording())
    code, out, err = run(capsys, "replay", str(path), "--check")
    assert code == 0 and err == "", err
    assert "5 actions applied" in out and "changed nothing" not in out
    assert f"{controller.stepper.position} of this pass's" in out


STEPS = st.sampled_from(
    [
        act.QuizMode(True),
        act.QuizMode(False),
        act.Ask(),
        act.AskChapter(),
        act.Answer("0"),
        act.Answer("a"),
        act.Answer("not a number"),
        act.Skip(),
        act.Hint(),
        act.NextChapter(),
        act.PreviousChapter(),
        act.ShowLesson(False),
        act.ShowLesson(True),
        act.Next(),
        act.Back(),
    ]
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(STEPS, max_size=25), st.booleans())
def test_any_sequence_of_teaching_actions_replays_to_the_same_state(actions: list[act.Action], right: bool) -> None:
    """Whatever is pressed in whatever order (the right answer to each question, or not), nothing
    raises, at most one question is open, and the recording replays to the same weights, score and frame."""
    lesson = builtin_lesson()
    controller = Controller(build(lesson.config))
    controller.apply(act.OpenLesson(lesson.name, lesson.text))
    for action in actions:
        asked = controller.teaching.asked
        if right and asked is not None and isinstance(action, act.Answer):
            action = act.Answer(asked.question.shown)
        controller.apply(action)
        assert controller.teaching.asked is None or controller.teaching_frame().question is not None
    again = Controller(build(lesson.config))
    for action in replay.parse(replay.to_json(controller.recording())).actions:
        again.apply(action)
    assert np.array_equal(again.stepper.current.start_params, controller.stepper.current.start_params)
    assert again.stepper.position == controller.stepper.position
    assert again.teaching.score == controller.teaching.score
    assert again.teaching_frame() == controller.teaching_frame()


def test_stepping_without_a_quiz_or_a_lesson_loads_neither_module() -> None:
    """The teaching state is made with the controller, and drawn after every action: the quiz and
    lesson modules still load only when a question is asked or a lesson opened."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from tui_nn.engine.session import actions as act\n"
        "from tui_nn.engine.session.config import Config\n"
        "from tui_nn.engine.session.controller import Controller\n"
        "from tui_nn.engine.session.build import build\n"
        "c = Controller(build(Config()))\n"
        "for a in (act.Next(), act.Back(), act.ShowLesson(True), act.NextChapter(), act.Hint()):\n"
        "    c.apply(a); c.teaching_frame()\n"
        "print(sorted(m for m in ('tui_nn.engine.teach.quiz', 'tui_nn.engine.teach.lesson') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
