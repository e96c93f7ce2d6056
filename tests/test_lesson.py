"""Lessons: the built-in lesson parses, every chapter sets its state cleanly and says only what
that state shows; a lesson written from docs/lessons.md works; each kind of bad file is one
error naming its line."""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import numpy as np
import pytest

from tui_nn.engine.live.reason_words import describe
from tui_nn.engine.live.reasons import Stuck
from tui_nn.engine.session import actions as act
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.engine.session.controller import Controller
from tui_nn.engine.teach.lesson import (
    MAX_LESSON_BYTES,
    Chapter,
    Lesson,
    LessonError,
    StepQuiz,
    WrittenQuiz,
    builtin_lesson,
    parse_lesson,
    read_lesson,
)
from tui_nn.engine.teach.quiz import check, next_question
from tui_nn.engine.teach.rehearsal import load_lesson, rehearse
from tui_nn.engine.walk.expr import Expr, Lit, Num, has_symbols

DOCS = Path(__file__).resolve().parent.parent / "docs" / "lessons.md"
FOUR_DECIMALS = re.compile(r"(?<![\d.])−?\d+\.\d{4}(?!\d)")


def apply_chapter(controller: Controller, chapter: Chapter) -> None:
    """Apply a chapter's actions; none may be refused or warn (not even a training run)."""
    for action, (line, directive) in zip(chapter.actions, chapter.origins, strict=True):
        outcome = controller.apply(action)
        message = outcome.message
        assert message is None or message.tone not in ("warn", "error"), (line, directive, message)


def numbers(e: Expr) -> list[float]:
    """Every number written in a formula."""
    if isinstance(e, Num | Lit):
        return [e.value]
    found: list[float] = []
    for value in vars(e).values():
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            if isinstance(item, Expr):
                found += numbers(item)
    return found


def state_numbers(controller: Controller) -> set[str]:
    """Every number the chapter's state can show, as the log prints it: the parameters, the loss
    history, and every value and number of the records of the current pass."""
    stepper = controller.stepper
    fmt = stepper.fmt
    values = list(stepper.net.params) + list(stepper.history.rows()[:, 1])
    for step in stepper.records(stepper.current, 0, stepper.current.total):
        for eq in step.equations:
            values.append(eq.value)
            for form in eq.forms:
                if not has_symbols(form):
                    values += numbers(form)
    return {fmt(float(v)) for v in values}


@pytest.fixture(scope="module")
def lesson() -> Lesson:
    return builtin_lesson()


@pytest.fixture(scope="module")
def states(lesson: Lesson) -> list[Controller]:
    """The built-in lesson's chapters applied one by one, each from the state the one before left."""
    controllers = []
    for chapter in lesson.chapters:
        controller = Controller(build(lesson.config))
        apply_chapter(controller, chapter)
        controllers.append(controller)
    return controllers


def test_the_built_in_lesson_parses_and_rehearses(lesson: Lesson) -> None:
    assert lesson.title == "XOR, one step at a time"
    assert lesson.config == Config()
    assert len(lesson.chapters) == 9
    rehearse(lesson)
    for chapter in lesson.chapters:
        assert chapter.question is not None, chapter.title
        assert chapter.view is not None, chapter.title
        assert isinstance(chapter.actions[0], act.Rebuild)
        assert "tui-nn:" not in chapter.markdown and chapter.markdown.strip()
        assert not chapter.markdown.startswith("## ")
    assert "XOR" in lesson.introduction


def test_every_chapter_applies_cleanly_in_a_controller_whatever_came_before(lesson: Lesson) -> None:
    """One controller through all chapters, in order and backwards: no refusals, and a chapter
    reaches the same state whatever the learner did before."""
    forwards = Controller(build(lesson.config))
    reached = {}
    for k, chapter in enumerate(lesson.chapters):
        forwards.apply(act.Train(7))  # the learner wanders off between chapters
        forwards.apply(act.Pin(3))
        apply_chapter(forwards, chapter)
        reached[k] = (forwards.stepper.epoch, forwards.stepper.position, forwards.stepper.net.params.tobytes())
    backwards = Controller(build(lesson.config))
    for k in reversed(range(len(lesson.chapters))):
        apply_chapter(backwards, lesson.chapters[k])
        assert (backwards.stepper.epoch, backwards.stepper.position, backwards.stepper.net.params.tobytes()) == reached[k]


def test_every_chapters_question_can_be_asked_and_answered(lesson: Lesson, states: list[Controller]) -> None:
    for chapter, controller in zip(lesson.chapters, states, strict=True):
        spec = chapter.question
        q = next_question(controller.stepper, spec.style) if isinstance(spec, StepQuiz) else spec.question  # type: ignore[union-attr]
        right = next(iter(q.right)) if q.is_choice else q.shown
        assert check(q, right).outcome == "right", chapter.title


def test_every_number_a_chapter_quotes_is_one_its_state_shows(lesson: Lesson, states: list[Controller]) -> None:
    """Numbers written to 4 decimals in a chapter are numbers of the state the chapter sets,
    as the log prints them (other numbers in the text are constants: 0.25, ln 2 ≈ 0.693)."""
    quoted_in_all = 0
    for chapter, controller in zip(lesson.chapters, states, strict=True):
        shown = state_numbers(controller)
        text = chapter.markdown
        if isinstance(chapter.question, WrittenQuiz):  # the explanation shown once it is answered quotes numbers too
            text += "\n" + chapter.question.explanation
            if not chapter.question.question.is_choice:  # the answer itself (½·ln 2 in chapter 8) is computed, not shown
                shown = shown | {controller.stepper.fmt(chapter.question.question.value)}
        quoted = {n.replace("-", "−") for n in FOUR_DECIMALS.findall(text)}
        quoted_in_all += len(FOUR_DECIMALS.findall(text))
        assert quoted <= shown, (chapter.title, sorted(quoted - shown))
    assert quoted_in_all > 40  # the test has something to check


def test_the_walk_stands_where_each_chapter_says(lesson: Lesson, states: list[Controller]) -> None:
    expected = {
        2: ("z", "h2", 1),  # one forward pass: h1 done, h2's z next (sample 2)
        3: ("loss", "loss", 1),
        4: ("delta", "h1", 1),  # the hidden δ after ∂L/∂h1
        5: ("update_w", "w11", None),  # the first parameter of the update
        6: ("a", "out", 3),  # sample 4's ŷ
        8: ("update_w", "w11", None),
    }
    for k, (kind, label, sample) in expected.items():
        step = states[k].stepper.peek()
        assert (step.kind, step.label, step.sample) == (kind, label, sample), lesson.chapters[k].title
    assert states[8].stepper.epoch == 1 and states[5].stepper.epoch == 0


def test_the_answers_of_the_chapters_own_questions_are_true(lesson: Lesson, states: list[Controller]) -> None:
    """What chapters 1, 2 and 8 ask is what the engine computes."""
    # 1: the perceptron's first line gets 3 of 4 right, (1,1) wrong; trained, ŷ = 0.5 everywhere.
    perceptron = states[0].session
    assert perceptron.net.sizes == (2, 1)
    x, y = perceptron.data.x, perceptron.data.y[:, 0]
    right = (perceptron.net.predict(x)[:, 0] > 0.5) == (y > 0.5)
    assert right.tolist() == [True, True, True, False]
    assert isinstance(lesson.chapters[0].question, WrittenQuiz) and lesson.chapters[0].question.question.value == 3
    trained = Controller(build(perceptron.config))
    trained.apply(act.Train(2000))
    assert np.allclose(trained.session.net.predict(x), 0.5, atol=1e-9)
    assert trained.stepper.history.rows()[-1, 1] == pytest.approx(math.log(2), abs=1e-9)
    stuck = trained.diagnosis()  # "the app stops and says the run is stuck"
    assert isinstance(stuck, Stuck) and "no hidden layer" in describe(stuck, "keys")

    def hidden_points(controller: Controller) -> np.ndarray:
        _, acts = controller.session.net.forward(controller.session.data.x)
        return acts[1]

    # 2: after training, (0,0) and (1,1) land on the same point of the hidden space.
    h = hidden_points(states[1])
    distances = {(i, j): float(np.abs(h[i] - h[j]).max()) for i in range(4) for j in range(i + 1, 4)}
    assert min(distances, key=distances.__getitem__) == (0, 3) and distances[(0, 3)] < 0.02
    question = lesson.chapters[1].question
    assert isinstance(question, WrittenQuiz) and check(question.question, "(0,0) and (1,1)").outcome == "right"
    # 8: the floor asked for is the mean loss of two sure points and two at ŷ = 0.5: ½·ln 2.
    floor = lesson.chapters[7].question
    assert isinstance(floor, WrittenQuiz) and floor.question.value == pytest.approx(math.log(2) / 2, abs=1e-4)
    assert floor.question.value > math.log(2) / 2 - floor.question.tolerance
    # 8: (0,1) and (1,1) share a corner, both at ŷ ≈ 0.5, and more epochs do not help.
    h = hidden_points(states[7])
    assert np.abs(h[1] - h[3]).max() < 0.01
    out = states[7].session.net.predict(states[7].session.data.x)[:, 0]
    assert abs(out[1] - 0.5) < 0.01 and abs(out[3] - 0.5) < 0.01
    later = Controller(build(states[7].session.config))
    later.apply(act.Train(5000))  # "after a few thousand epochs the app … says the run is stuck"
    stuck = later.diagnosis()
    assert isinstance(stuck, Stuck) and "another seed" in describe(stuck, "keys")
    later.apply(act.Train(5000))
    rows = later.stepper.history.rows()
    assert rows[-1, 2] == 0.5 and rows[-1, 1] > math.log(2) / 2  # more epochs do not help


def test_the_divergent_chapter_diverges_on_the_next_epochs(states: list[Controller]) -> None:
    controller = states[8]
    before = float(controller.stepper.net.params[0])
    step = controller.stepper.peek()
    assert abs(step.value - before) > 40  # w11 jumps by more than 40
    probe = Controller(build(controller.session.config))
    outcome = probe.apply(act.Train(10))
    assert outcome.message is not None and outcome.message.tone == "error" and "exploded" in outcome.message.text
    calm = Controller(build(controller.session.config.with_changes(lr=1.0)))
    calm.apply(act.Train(300))
    assert calm.stepper.history.rows()[-1, 2] == 1.0  # at η = 1 the same network learns XOR


# --- lessons written from the documentation ------------------------------------------------------


def test_the_example_in_the_documentation_loads_and_plays(tmp_path: Path) -> None:
    text = DOCS.read_text(encoding="utf-8")
    example = re.search(r"```markdown\n(.*?)```", text, re.DOTALL)
    assert example is not None
    path = tmp_path / "and.md"
    path.write_text(example.group(1), encoding="utf-8")
    lesson = load_lesson(path)
    assert [c.title for c in lesson.chapters] == ["Before training", "After 500 epochs"]
    assert lesson.config.problem == "and" and lesson.config.hidden == () and lesson.config.lr == 0.5
    controller = Controller(build(lesson.config))
    apply_chapter(controller, lesson.chapters[0])
    q = next_question(controller.stepper)
    assert q.kind == "a" and q.prompt.endswith("sample 4?")  # "What does the network make of (1,1)?"
    apply_chapter(controller, lesson.chapters[1])
    assert controller.stepper.history.rows()[-1, 2] == 1.0  # "The line now separates (1,1) from the rest"


CUSTOM = """---
title: Circles with tanh
problem: circle
hidden: 4
activation: tanh
optimizer: momentum
lr: 0.1
---

# A lesson of my own

Two chapters on the circle.

## Before

<!-- tui-nn: view boundary -->
<!-- tui-nn: pin 17 -->
<!-- tui-nn: finish-forward -->

What will the loss of sample 17 be?

<!-- tui-nn: quiz next number -->

## After

<!-- tui-nn: rebuild lr=0.5 -->
<!-- tui-nn: train 200 -->
<!-- tui-nn: pin 5 -->
<!-- tui-nn: walk-to update -->
<!-- tui-nn: view hidden -->

```markdown
<!-- tui-nn: this is an example, not a directive -->
## neither is this a chapter
```

<!-- tui-nn: ask "Which way does the update move a parameter whose mean gradient is positive?" choices="up|down" answer=down -->
"""


def test_a_custom_two_chapter_lesson_written_from_the_documentation() -> None:
    lesson = load_lesson(CUSTOM, name="circles.md")
    assert lesson.name == "circles.md" and lesson.title == "Circles with tanh"
    assert lesson.introduction.startswith("# A lesson of my own")
    first, second = lesson.chapters
    assert (first.title, first.view, first.question) == ("Before", "boundary", StepQuiz("number"))
    assert [type(a) for a in first.actions] == [act.Rebuild, act.Pin, act.FinishForward]
    assert first.config.optimizer == "momentum" and first.config.hidden == (4,)
    assert second.config.lr == 0.5 and second.config.activation == "tanh"
    assert "## neither is this a chapter" in second.markdown and "this is an example" in second.markdown
    assert isinstance(second.question, WrittenQuiz) and second.question.question.right == {"b"}
    controller = Controller(build(lesson.config))
    apply_chapter(controller, first)
    assert controller.stepper.peek().kind == "loss" and controller.stepper.peek().sample == 16
    apply_chapter(controller, second)
    assert controller.stepper.peek().phase == "update" and controller.stepper.epoch == 200
    assert controller.stepper.focus == 4


def test_line_endings_and_a_byte_order_mark_do_not_change_anything(tmp_path: Path) -> None:
    plain = parse_lesson(CUSTOM, "a.md")
    path = tmp_path / "crlf.md"
    path.write_bytes(b"\xef\xbb\xbf" + CUSTOM.replace("\n", "\r\n").encode("utf-8"))
    windows = read_lesson(path)
    assert windows.chapters == plain.chapters and windows.config == plain.config


# --- bad lesson files: one error naming the line --------------------------------------------------

HEAD = "---\ntitle: T\n---\n## C\n"  # the chapter starts on line 4; directives from line 5


BAD = [
    ("title: T\n## C\n", 1, "starts with front matter"),
    ("---\ntitle: T\n## C\n", 1, "never closed"),
    ("---\ntitle: T\nhiden: 2\n---\n## C\n", 3, "unknown setting 'hiden' (did you mean 'hidden'?)"),
    ("---\ntitle: T\nactivation: relux\n---\n## C\n", 3, "unknown activation 'relux'"),
    ("---\ntitle: T\nseed: 1\nseed: 2\n---\n## C\n", 4, "'seed' is set twice (first on line 3)"),
    ("---\ntitle: T\nlr\n---\n## C\n", 3, "expected 'setting: value'"),
    ("---\ntitle: T\nlr:\n---\n## C\n", 3, "'lr' has no value"),
    ("---\ntitle: T\nlr: -1\n---\n## C\n", 3, "learning rate must be a positive"),
    ("---\ntitle: T\nhidden: 100\n---\n## C\n", 3, "at most 64 units"),
    ("---\nproblem: xor\n---\n## C\n", 3, "needs a title"),
    ("---\ntitle: T\nbatch: 9\n---\n## C\n", 3, "larger than xor (4 samples)"),
    ("---\ntitle: T\n---\nno chapters here\n", 4, "no chapters"),
    ("---\ntitle: T\n---\n<!-- tui-nn: steps 1 -->\n## C\n", 4, "before the first chapter"),
    ("---\ntitle: T\n---\n##\n", 4, "needs a title"),
    (HEAD + "<!-- tui-nn: stepz 6 -->\n", 5, "unknown directive 'stepz' (did you mean 'steps'?)"),
    (HEAD + "text\n<!-- tui-nn: steps 6\n", 6, "a line of its own"),
    (HEAD + "<!-- tui-nn steps 6 -->\n", 5, "a line of its own"),
    (HEAD + "<!-- tui-nn: -->\n", 5, "an empty directive"),
    (HEAD + "<!-- tui-nn: steps six -->\n", 5, "must be a whole number, not 'six'"),
    (HEAD + "<!-- tui-nn: steps 0 -->\n", 5, "must be 1 to 10,000, not 0"),
    (HEAD + "<!-- tui-nn: steps 6000 -->\n<!-- tui-nn: steps 6000 -->\n", 6, "walks 12,000 micro-steps"),
    ("---\ntitle: T\nproblem: circle\n---\n## C\n<!-- tui-nn: walk-to update -->\n", 6, "(pin a sample"),
    (HEAD + "<!-- tui-nn: finish-epoch now -->\n", 5, "takes nothing after it"),
    (HEAD + "<!-- tui-nn: walk-to loss -->\n", 5, "write 'walk-to update'"),
    ("---\ntitle: T\nbatch: 2\n---\n## C\n<!-- tui-nn: walk-to update -->\n", 6, "needs the whole batch"),
    (HEAD + "<!-- tui-nn: train 0 -->\n", 5, "must be 1 to 20,000"),
    ("---\ntitle: T\nproblem: spiral\n---\n## C\n<!-- tui-nn: train 10000 -->\n", 6, "epochs × points"),
    (HEAD + "<!-- tui-nn: pin 7 -->\n", 5, "pin 7: xor has samples 1–4"),
    (HEAD + "<!-- tui-nn: pin first -->\n", 5, "a sample number (1–4) or 'all'"),
    (HEAD + "<!-- tui-nn: lr 1e9 -->\n", 5, "within 1e-12 … 1e+06"),
    (HEAD + "<!-- tui-nn: reseed -3 -->\n", 5, "seed must be at least 0"),
    (HEAD + "<!-- tui-nn: set w99=1 -->\n", 5, "no parameter called 'w99'"),
    (HEAD + "<!-- tui-nn: set w11=big -->\n", 5, "must be a number, not 'big'"),
    (HEAD + "<!-- tui-nn: set w11=1e9 -->\n", 5, "within ±1e+06"),
    (HEAD + "<!-- tui-nn: knock-out h3 -->\n", 5, "the hidden units are h1, h2"),
    (HEAD + "<!-- tui-nn: rebuild hidden=none -->\n<!-- tui-nn: knock-out h1 -->\n", 6, "has no hidden layer"),
    (HEAD + "<!-- tui-nn: rebuild hiden=3 -->\n", 5, "unknown setting 'hiden' (did you mean 'hidden'?)"),
    (HEAD + "<!-- tui-nn: rebuild hidden 3 -->\n", 5, "setting=value pairs"),
    (HEAD + "<!-- tui-nn: rebuild title=x -->\n", 5, "unknown setting 'title'"),
    (HEAD + "<!-- tui-nn: rebuild optimizer=rmsprop -->\n", 5, "unknown optimizer 'rmsprop'"),
    (HEAD + "<!-- tui-nn: steps 1 -->\n<!-- tui-nn: rebuild seed=1 -->\n", 6, "must come before"),
    (HEAD + "<!-- tui-nn: rebuild seed=1 -->\n<!-- tui-nn: rebuild seed=2 -->\n", 6, "a second rebuild"),
    (HEAD + "<!-- tui-nn: rebuild hidden=none -->\n<!-- tui-nn: view hidden -->\n", 6, "needs a hidden layer"),
    (HEAD + "<!-- tui-nn: view sideways -->\n", 5, "view takes one of network, boundary, hidden"),
    (HEAD + "<!-- tui-nn: view network -->\n<!-- tui-nn: view boundary -->\n", 6, "a second view"),
    (HEAD + "<!-- tui-nn: quiz next -->\n<!-- tui-nn: quiz next -->\n", 6, "already asks on line 5"),
    (HEAD + "<!-- tui-nn: quiz later -->\n", 5, "write 'quiz next'"),
    (HEAD + "<!-- tui-nn: quiz next essay -->\n", 5, "quiz next takes one of auto, number, choice"),
    (HEAD + '<!-- tui-nn: ask "How many?" -->\n', 5, "ask needs an answer"),
    (HEAD + "<!-- tui-nn: ask answer=3 -->\n", 5, "the question in quotes first"),
    (HEAD + '<!-- tui-nn: ask "How many? answer=3 -->\n', 5, "unclosed quote"),
    (HEAD + '<!-- tui-nn: ask "Which?" choices="a|b" answer=c -->\n', 5, "the answer 'c' is not one of the choices"),
    (HEAD + '<!-- tui-nn: ask "Which?" choices="a" answer=a -->\n', 5, "two or more answers"),
    (HEAD + '<!-- tui-nn: ask "How many?" answer=three -->\n', 5, "not a number"),
    (HEAD + '<!-- tui-nn: ask "How many?" answer=3 hint=no -->\n', 5, "ask takes answer=, choices=, tolerance= and explain="),
    (HEAD + "<!-- tui-nn: finish-backward -->\n", 5, "finish-backward: the forward pass is not done yet"),
    (HEAD + "<!-- tui-nn: finish-forward -->\n<!-- tui-nn: finish-forward -->\n", 6, "no forward pass under way"),
    (HEAD + "text \x1b[2J more\n", 5, "control character U+001B"),
    (HEAD + "evil \u202e text\n", 5, "bidirectional control character (U+202E)"),
]


@pytest.mark.parametrize(
    ("text", "line", "fragment"), BAD, ids=[f"{k}:{fragment[:30]}" for k, (_, _, fragment) in enumerate(BAD)]
)
def test_each_kind_of_bad_lesson_is_one_error_naming_its_line(text: str, line: int, fragment: str) -> None:
    with pytest.raises(LessonError) as error:
        load_lesson(text, name="lesson.md")
    message = str(error.value)
    assert message.startswith(f"lesson.md line {line}: "), message
    assert fragment in message, message
    assert "\n" not in message and "\x1b" not in message and "\u202e" not in message


def test_a_file_that_is_not_utf8_names_the_line_of_the_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin.md"
    path.write_bytes(b"---\ntitle: T\n---\n## Caf\xe9\n")
    with pytest.raises(LessonError, match=r"latin\.md line 4: not UTF-8 text \(byte 0xe9\)$"):
        load_lesson(path)


def test_files_that_are_not_lessons_are_refused_before_reading(tmp_path: Path) -> None:
    with pytest.raises(LessonError, match="no such file"):
        load_lesson(tmp_path / "missing.md")
    with pytest.raises(LessonError, match="is a folder, not a lesson file"):
        load_lesson(tmp_path)
    big = tmp_path / "big.md"
    big.write_bytes(b"---\ntitle: T\n---\n## C\n" + b"x" * MAX_LESSON_BYTES)
    with pytest.raises(LessonError, match=re.escape("a lesson file may be at most 256.0 KiB")):
        load_lesson(big)
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    with pytest.raises(LessonError, match="a named pipe"):
        load_lesson(fifo)
    with pytest.raises(LessonError, match=re.escape("larger than 256.0 KiB")):
        parse_lesson("---\ntitle: T\n---\n## C\n" + "x" * MAX_LESSON_BYTES)


def test_a_lesson_can_teach_the_three_class_spiral_with_and_without_a_hidden_layer() -> None:
    """problem: spiral3 takes the problem's defaults (64 ReLU units, a softmax, cross-entropy), and a
    chapter can rebuild it as cs231n's linear classifier with L2; both chapters apply and walk."""
    lesson = parse_lesson(
        "---\ntitle: Three arms\nproblem: spiral3\n---\n\nThree classes.\n\n## 1. The softmax\n\n"
        "<!-- tui-nn: view boundary -->\n\nWatch the softmax.\n\n## 2. No hidden layer\n\n"
        "<!-- tui-nn: rebuild hidden=none l2=0.001 -->\n\nA straight line per class.\n",
        "spiral",
    )
    rehearse(lesson)
    assert lesson.config.loss == "ce" and lesson.config.hidden == (64,)
    controller = Controller(build(lesson.config))
    for chapter in lesson.chapters:
        apply_chapter(controller, chapter)
    net = controller.stepper.net
    assert net.sizes == (2, 3) and net.one_of_k and net.l2 == 0.001
    controller.apply(act.FinishForward())
    assert controller.stepper.position > 0 and controller.stepper.last() is not None
