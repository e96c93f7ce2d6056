"""A lesson checked before it opens: every chapter applied in a Controller, as the app will.

Apart from the lesson's reading and parsing (tui_nn.engine.teach.lesson) because it needs the whole
controller, and the controller's teaching state reads lessons: one module each way, no circle.
"""

from __future__ import annotations

import os

from tui_nn.engine.session import actions as act
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import ConfigError
from tui_nn.engine.session.controller import Controller
from tui_nn.engine.teach.lesson import Lesson, LessonError, StepQuiz, parse_lesson, read_lesson
from tui_nn.engine.teach.quiz import next_question


def load_lesson(source: str | os.PathLike[str], *, name: str | None = None, rehearsed: bool = True) -> Lesson:
    """A lesson from a file path, or from its text (a str that starts with the front matter's
    '---' or holds a newline: no file name does).

    With `rehearsed` (the default) every chapter is also applied in a Controller (`rehearse`),
    so a file that loads is one whose every chapter works.
    """
    if isinstance(source, str) and ("\n" in source or source.lstrip("\ufeff \t").startswith("---")):
        lesson = parse_lesson(source, name or "lesson")
    else:
        lesson = read_lesson(source)
    if rehearsed:
        rehearse(lesson)
    return lesson


def rehearse(lesson: Lesson) -> None:
    """Apply every chapter's actions in a Controller, in order, as the app will.

    LessonError names the line of the first directive the engine refuses where it stands (a
    warning or error message from the Controller). A `train` that diverges or reaches its
    target is what training did, not a refusal: it passes.
    """
    try:
        controller = Controller(build(lesson.config))
    except (ConfigError, ValueError) as error:
        raise LessonError(f"{lesson.name}: {error}") from None
    for chapter in lesson.chapters:
        for action, (line, directive) in zip(chapter.actions, chapter.origins, strict=True):
            outcome = controller.apply(action)
            message = outcome.message
            if message is not None and message.tone in ("warn", "error") and not isinstance(action, act.Train):
                raise LessonError(f"{lesson.name} line {line}: {directive}: {message.text}")
        if isinstance(chapter.question, StepQuiz):
            for asked in range(chapter.question.count):
                if asked:
                    controller.apply(act.Next())  # each answer reveals its step, then the next is asked
                next_question(controller.stepper, chapter.question.style)
