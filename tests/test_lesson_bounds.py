"""Lessons that could freeze or strand the learner: every table, the whole file's rehearsal, the
number of questions a chapter promises, each question scored once, and the page after the last
chapter."""

from __future__ import annotations

import math

import pytest

from tui_nn.engine.session import actions as act
from tui_nn.engine.session.build import build
from tui_nn.engine.session.controller import Controller
from tui_nn.engine.teach.lesson import (
    MAX_LESSON_EPOCH_POINTS,
    MAX_LESSON_STEPS,
    MAX_STEPS,
    MAX_TABLE_COLUMNS,
    MAX_TABLE_ROWS,
    TABLE_DELIMITER,
    LessonError,
    StepQuiz,
    WrittenQuiz,
    builtin_lesson,
    closing_page,
    parse_lesson,
    questions_in,
    tables_as_text,
)
from tui_nn.engine.teach.quiz import QuizScore, check, next_question, written_question
from tui_nn.engine.teach.rehearsal import load_lesson, rehearse

HEAD = "---\ntitle: T\n---\n"


def table(columns: int, rows: int) -> str:
    header = "|" + "|".join(f" c{k} " for k in range(columns)) + "|"
    delimiter = "|" + "|".join("---" for _ in range(columns)) + "|"
    body = ["|" + "|".join(" 1 " for _ in range(columns)) + "|" for _ in range(rows)]
    return "\n".join([header, delimiter, *body])


@pytest.mark.parametrize(("columns", "rows"), [(500, 2), (100, 100), (MAX_TABLE_COLUMNS + 1, 1), (2, MAX_TABLE_ROWS + 1)])
def test_a_table_too_large_to_lay_out_is_refused_at_load_with_its_line(columns: int, rows: int) -> None:
    text = HEAD + "## C\n\nSome words.\n\n" + table(columns, rows) + "\n"
    with pytest.raises(LessonError) as error:
        parse_lesson(text, "wide.md")
    message = str(error.value)
    assert message.startswith("wide.md line 8: a table of"), message  # line 8: the table's header
    assert str(MAX_TABLE_COLUMNS if columns > MAX_TABLE_COLUMNS else MAX_TABLE_ROWS) in message


def test_a_table_within_the_bounds_and_pipes_in_code_are_fine() -> None:
    fenced = "```\n" + table(40, 3) + "\n```\n"  # a code block is text, not a table
    text = HEAD + "## C\n\n" + table(MAX_TABLE_COLUMNS, MAX_TABLE_ROWS) + "\n\n" + fenced + "\na | b\n"
    lesson = parse_lesson(text, "ok.md")
    assert "c11" in lesson.chapters[0].markdown


def test_the_whole_file_has_a_rehearsal_budget_named_at_its_chapter() -> None:
    """100 chapters of `steps 10000` (each within its own bound) rehearsed for minutes; now the
    file is refused as it is read, naming the chapter where the budget runs out."""
    chapters = "".join(f"## Chapter {k}\n<!-- tui-nn: steps {MAX_STEPS} -->\n" for k in range(100))
    with pytest.raises(LessonError) as error:
        parse_lesson(HEAD + chapters, "long.md")
    over = MAX_LESSON_STEPS // MAX_STEPS  # the first chapter past the budget (0-based)
    message = str(error.value)
    assert message.startswith(f"long.md line {2 * over + 5}: ") and f"'Chapter {over}'" in message, message
    assert f"{MAX_LESSON_STEPS:,}" in message


def test_finishing_passes_count_towards_the_budget_too() -> None:
    chapters = "".join(f"## C{k}\n" + "<!-- tui-nn: finish-epoch -->\n" * 40 for k in range(100))
    with pytest.raises(LessonError, match="micro-steps in all by chapter"):
        parse_lesson(HEAD + chapters, "epochs.md")


def test_training_across_chapters_has_a_budget() -> None:
    per_chapter = 20_000  # 80,000 epochs × points on xor's 4 points
    count = MAX_LESSON_EPOCH_POINTS // (per_chapter * 4) + 1
    chapters = "".join(f"## C{k}\n<!-- tui-nn: train {per_chapter} -->\n" for k in range(count))
    with pytest.raises(LessonError, match=f"trains more than {MAX_LESSON_EPOCH_POINTS:,}"):
        parse_lesson(HEAD + chapters, "train.md")


def test_the_built_in_lesson_is_within_every_budget() -> None:
    rehearse(builtin_lesson())  # and parsing it raised nothing


@pytest.mark.parametrize(
    ("directive", "expected"), [("quiz next 4", StepQuiz("auto", 4)), ("quiz next number 3", StepQuiz("number", 3))]
)
def test_a_chapter_asks_as_many_step_questions_as_it_says(directive: str, expected: StepQuiz) -> None:
    lesson = load_lesson(HEAD + f"## C\n<!-- tui-nn: pin 2 -->\n<!-- tui-nn: {directive} -->\n")
    assert lesson.chapters[0].question == expected and questions_in(lesson.chapters[0]) == expected.count


@pytest.mark.parametrize("directive", ["quiz next 0", "quiz next 21", "quiz next number choice", "quiz next 2 3"])
def test_a_bad_question_count_is_one_error(directive: str) -> None:
    with pytest.raises(LessonError, match=r"^q\.md line 5: (quiz next|write 'quiz next)"):
        parse_lesson(HEAD + f"## C\n<!-- tui-nn: {directive} -->\n", "q.md")


def test_the_built_in_chapters_that_say_keep_pressing_ask_for_each_step() -> None:
    """Chapters 3 and 5 tell the learner to work out several steps: each is asked, and the text
    says how many (the rehearsal asks each one of them)."""
    lesson = builtin_lesson()
    words = {2: "four", 4: "three"}
    for k, word in words.items():
        chapter = lesson.chapters[k]
        assert isinstance(chapter.question, StepQuiz) and chapter.question.count == {"four": 4, "three": 3}[word]
        assert f"each of the next {word} steps" in chapter.markdown or f"each of these {word}" in chapter.markdown
    controller = Controller(build(lesson.config))
    for action in lesson.chapters[2].actions:
        controller.apply(action)
    asked = []
    for _ in range(4):
        next_question(controller.stepper)
        step = controller.stepper.peek()
        asked.append((step.kind, step.label))
        controller.apply(act.Next())
    assert asked == [("z", "h2"), ("a", "h2"), ("z", "out"), ("a", "out")]  # "h2's z and σ, then the output's z and ŷ"


def test_the_chapters_own_questions_are_not_answered_by_the_text_above_them() -> None:
    """Chapter 2's answer and chapter 8's floor are in the explanation shown after answering,
    not in the page above the question."""
    lesson = builtin_lesson()
    hidden, floor = lesson.chapters[1], lesson.chapters[7]
    assert isinstance(hidden.question, WrittenQuiz) and isinstance(floor.question, WrittenQuiz)
    assert "0.9507" not in hidden.markdown and "0.9507" in hidden.question.explanation
    assert "½·ln 2" not in floor.markdown and "0.347" not in floor.markdown and "½·ln 2" in floor.question.explanation
    assert not floor.question.question.is_choice  # a number to work out, not a choice to look up
    assert floor.question.question.value == pytest.approx(math.log(2) / 2, abs=1e-4)
    controller = Controller(build(lesson.config))
    for action in floor.actions:
        controller.apply(action)
    on_screen = controller.stepper.fmt(float(controller.stepper.history.rows()[-1, 1]))
    assert (
        on_screen in floor.markdown and check(floor.question.question, on_screen).outcome == "wrong"
    )  # reading it off is not enough


def scored(score: QuizScore, chapter: int, k: int, answer: str) -> QuizScore:
    """`score` after a lesson question's answer (right, wrong or skipped), under its place in the lesson."""
    q = written_question("2 + 2?", "4")
    if answer == "skipped":
        return score.skipped(q, (chapter, k))
    return score.answered(q, check(q, "4" if answer == "right" else "5"), (chapter, k))


def test_each_question_is_scored_once() -> None:
    score = scored(QuizScore(), 0, 0, "wrong")
    assert scored(score, 0, 0, "right") == score  # answering again is practice
    score = scored(scored(score, 2, 1, "right"), 2, 0, "skipped")
    assert score.chapter_answers(0) == ["wrong"] and score.chapter_answers(2) == ["skipped", "right"]
    assert score.total.asked == 3 and score.concept.right == 1


def test_the_closing_page_has_the_score_per_chapter_and_what_next() -> None:
    lesson = builtin_lesson()
    score = scored(scored(scored(QuizScore(), 0, 0, "right"), 2, 0, "right"), 2, 1, "wrong")
    page = closing_page(lesson, score)
    total = sum(questions_in(c) for c in lesson.chapters)
    assert f"2 of {total} questions right" in page
    rows = {c.title: page.split(c.title + " ", 1)[1].split("\n")[0].split() for c in lesson.chapters}
    assert rows[lesson.chapters[0].title] == ["1", "0", "0", "0"]
    assert rows[lesson.chapters[2].title] == ["1", "1", "0", str(questions_in(lesson.chapters[2]) - 2)]
    assert "What to try next" in page
    assert "a | b" in closing_page(parse_lesson(HEAD + "## a | b\n\ntext\n", "t.md"), QuizScore())


def test_tables_are_shown_as_aligned_text_not_laid_out_cell_by_cell() -> None:
    """Textual took seconds for a table of a few hundred cells (15 s for 100×100): a chapter's
    tables reach the page as preformatted text, every cell kept."""
    text = HEAD + "## C\n\nBefore.\n\n" + table(MAX_TABLE_COLUMNS, MAX_TABLE_ROWS) + "\n\nAfter.\n"
    markdown = parse_lesson(text, "t.md").chapters[0].markdown
    assert not any(TABLE_DELIMITER.match(line) and "|" in line for line in markdown.splitlines())
    block = markdown.split("```")[1].strip("\n").splitlines()
    assert block[0].split() == [f"c{k}" for k in range(MAX_TABLE_COLUMNS)] and set(block[1]) <= {"─", " "}
    assert len(block) == MAX_TABLE_ROWS + 2 and all(line.split() == ["1"] * MAX_TABLE_COLUMNS for line in block[2:])
    assert markdown.startswith("Before.") and markdown.endswith("After.")
    assert tables_as_text("```\n| a | b |\n|---|---|\n```") == "```\n| a | b |\n|---|---|\n```"  # code stays code
    assert "x  y | z" in tables_as_text("| x | y \\| z |\n|---|---|\n| 1 | 2 |")
