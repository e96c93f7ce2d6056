"""Lessons: Markdown files whose chapters set the app's state with the engine's actions.

A lesson is front matter (the title and the network's settings, written as the command line
takes them), then chapters, each starting at a `## ` heading. Inside a chapter, lines of the
form `<!-- tui-nn: DIRECTIVE ARGUMENTS -->` set the state the chapter needs (they are HTML
comments, so any Markdown viewer hides them): `steps 6`, `finish-epoch`, `train 2000`,
`pin 2`, `view boundary`, `quiz next`, … Each chapter's actions start with a rebuild of its
network, so a chapter reaches the same state whatever the learner did before. The format is
documented in docs/lessons.md.

Files are not trusted: a lesson is read through `safe_files.read_limited` (regular files of at
most 256 KiB), must be UTF-8 without control characters, and every value is checked by the
same functions as the command line before anything is built. Each problem is one LessonError,
`lesson.md line 12: unknown directive 'stepz' (did you mean 'steps'?)`. `rehearsal.rehearse` then
applies every chapter in a Controller, so a directive the engine would refuse where it stands
(`finish-backward` before the forward pass is done) is reported with its line too.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import shlex
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Literal, get_args

from tui_nn.engine.nn.datasets import SplitError, load, validation_split
from tui_nn.engine.nn.network import Network
from tui_nn.engine.session import actions as act
from tui_nn.engine.session import config as cfg
from tui_nn.engine.session.config import MAX_LESSON_BYTES, MAX_PARAMETER, Config, ConfigError
from tui_nn.engine.session.safe_files import read_limited, shown_path, size_text
from tui_nn.engine.teach.quiz import STYLES, Question, QuizScore, Style, written_question
from tui_nn.engine.walk.arithmetic import forward_step_count, sample_step_count
from tui_nn.engine.walk.notation import Names, parse_parameter

MAX_CHAPTERS = 100
MAX_STEPS = 10_000  # micro-steps one chapter may walk (`steps` and `walk-to` together): about 0.2 s
MAX_EPOCHS = 20_000  # epochs one chapter may train…
MAX_EPOCH_POINTS = 2_000_000  # …and epochs × data points (3,000 epochs of the 300-point spiral): a few seconds at most
# The whole file is rehearsed before the app opens, so the chapters together get a budget too:
# 100 chapters of `steps 10000` each within their own bound once took 3.5 minutes to rehearse.
MAX_LESSON_STEPS = 30_000  # micro-steps all chapters walk, counting finish-* at the most they can walk: a few seconds
MAX_LESSON_EPOCH_POINTS = 6_000_000  # epochs × data points all chapters train: about a second
# Textual lays a Markdown table out cell by cell: a 500-column table froze the app for minutes and a
# 100×100 one stalled it for 15 s. A table a lesson pane can show is far smaller than either.
MAX_TABLE_COLUMNS = 12
MAX_TABLE_ROWS = 40
MAX_QUESTIONS = 20  # step questions one `quiz next N` may ask

View = Literal["network", "boundary", "hidden"]
VIEWS: tuple[View, ...] = get_args(View)
SETTINGS = ("title", *cfg.FIELDS)  # the front matter and `rebuild` take every setting of the one table
DIRECTIVES = (
    "rebuild",
    "steps",
    "finish-forward",
    "finish-backward",
    "finish-epoch",
    "walk-to",
    "train",
    "pin",
    "lr",
    "reseed",
    "set",
    "knock-out",
    "view",
    "quiz",
    "ask",
)

DIRECTIVE = re.compile(r"^\s*<!--\s*tui-nn:(?P<body>.*?)-->\s*$")
LOOKS_LIKE_DIRECTIVE = re.compile(r"<!--\s*tui[\s_-]*nn", re.IGNORECASE)
FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
TABLE_DELIMITER = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


class LessonError(ValueError):
    """A lesson file that cannot be used; the message names the file, the line and the problem."""


@dataclass(frozen=True)
class StepQuiz:
    """`quiz next [STYLE] [N]`: the quiz's question for each of the next `count` micro-steps,
    asked before each is shown."""

    style: Style = "auto"
    count: int = 1


@dataclass(frozen=True)
class WrittenQuiz:
    """`ask "…" answer=… explain="…"`: the teacher's own question, and what the page says once
    it is answered (the reasoning the learner was asked to find, so the text above need not give it)."""

    question: Question
    explanation: str = ""


QuizSpec = StepQuiz | WrittenQuiz


@dataclass(frozen=True)
class Chapter:
    """One chapter: its text (directives removed), the actions that set its state, and what the
    UI shows (`view`) and asks (`question`). `origins[k]` is (line, directive) of `actions[k]`;
    the first action is always the Rebuild of the chapter's network."""

    title: str
    markdown: str
    config: Config
    actions: tuple[act.Action, ...]
    origins: tuple[tuple[int, str], ...]
    view: View | None
    question: QuizSpec | None
    line: int


@dataclass(frozen=True)
class Lesson:
    title: str
    config: Config
    chapters: tuple[Chapter, ...]
    introduction: str  # Markdown between the front matter and the first chapter (may be empty)
    name: str  # how messages name the file
    text: str = ""  # the lesson's Markdown as read: what a session file records it by (OpenLesson)


# --- reading ---------------------------------------------------------------------------------


def read_lesson(path: str | os.PathLike[str]) -> Lesson:
    """Read and parse the lesson file at `path` (not rehearsed)."""
    name = shown_path(os.fspath(path))
    data = read_limited(os.fspath(path), MAX_LESSON_BYTES, "lesson file", LessonError)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise LessonError(f"{name} line {line}: not UTF-8 text (byte 0x{data[error.start]:02x})") from None
    return parse_lesson(text, name)


BUILTIN_LESSONS = ("xor", "sine")


def builtin_lesson(name: str = "xor") -> Lesson:
    """A lesson shipped with tui-nn (tui_nn/lessons/NAME.md)."""
    if name not in BUILTIN_LESSONS:
        raise LessonError(f"no built-in lesson '{name}': there is {', '.join(BUILTIN_LESSONS)}")
    text = resources.files("tui_nn").joinpath("lessons", f"{name}.md").read_text(encoding="utf-8")
    return parse_lesson(text, f"{name}.md")


def parse_lesson(text: str, name: str = "lesson") -> Lesson:
    """Parse a lesson's text; LessonError names `name` and the line of the first problem."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_LESSON_BYTES:
        raise LessonError(f"{name}: is larger than {size_text(MAX_LESSON_BYTES)}, the most a lesson file may be")
    return _Parser(text, name).lesson()


# --- the parser --------------------------------------------------------------------------------


def _suggest(word: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _unquoted(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _shown(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


class _Position:
    """Where the walk stands inside its pass, counted from the directives (for `walk-to`).

    It mirrors the stepper's layout: each sample of the batch takes `per_sample` micro-steps
    (its forward pass first), then a batch of several has one batch-loss step, then one step per
    parameter. With mini-batches the batches differ, so the position is not followed (None).
    """

    def __init__(self, config: Config, data_size: int) -> None:
        sizes = (2, *config.hidden, 1)
        masked = bool(config.dropout)  # a mask step per hidden layer
        self.per_sample = sample_step_count(sizes, masked=masked)
        self.forward = forward_step_count(sizes, masked=masked)
        self.n_params = cfg.n_parameters(sizes)
        self.data_size = data_size
        self.mini_batches = config.batch is not None and config.batch < data_size
        self.pinned: int | None = None
        self.at: int | None = 0

    @property
    def batch_size(self) -> int | None:
        if self.pinned is not None:
            return 1
        return None if self.mini_batches else self.data_size

    @property
    def update_start(self) -> int | None:
        m = self.batch_size
        return None if m is None else m * self.per_sample + (1 if m > 1 else 0)

    @property
    def total(self) -> int | None:
        start = self.update_start
        return None if start is None else start + self.n_params

    def walk(self, steps: int) -> None:
        total = self.total
        self.at = None if self.at is None or total is None else (self.at + steps) % total

    def restart(self) -> None:
        self.at = 0

    def finish_forward(self) -> None:
        m = self.batch_size
        if self.at is None or m is None:
            self.at = None
        elif self.at < m * self.per_sample and self.at % self.per_sample < self.forward:
            self.at = self.at // self.per_sample * self.per_sample + self.forward

    def finish_backward(self) -> None:
        m = self.batch_size
        if self.at is None or m is None:
            self.at = None
        elif self.at < m * self.per_sample and self.at % self.per_sample >= self.forward:
            self.at = (self.at // self.per_sample + 1) * self.per_sample

    def steps_to_update(self) -> int | None:
        start, total = self.update_start, self.total
        if self.at is None or start is None or total is None:
            return None
        return start - self.at if self.at <= start else total - self.at + start


@dataclass
class _Draft:
    """A chapter being read."""

    title: str
    line: int
    config: Config
    body: list[str] = field(default_factory=list)
    rebuild_line: int | None = None
    rebuild_text: str = ""
    actions: list[tuple[act.Action, int, str]] = field(default_factory=list)
    view: tuple[View, int] | None = None
    question: QuizSpec | None = None
    question_line: int = 0
    walked: int = 0
    trained_points: int = 0
    position: _Position | None = None


class _Parser:
    def __init__(self, text: str, name: str) -> None:
        self.name = name
        self.source = text
        if text.startswith("\ufeff"):
            text = text[1:]
        self.lines = [line.removesuffix("\r") for line in text.split("\n")]
        if self.lines and self.lines[-1] == "" and len(self.lines) > 1:
            self.lines.pop()  # the final newline ends the last line; it does not start another
        self.walked = 0  # micro-steps of all chapters so far (MAX_LESSON_STEPS)
        self.trained_points = 0  # epochs × points of all chapters so far (MAX_LESSON_EPOCH_POINTS)
        self.table: tuple[int, int] | None = None  # the Markdown table being read: (its header's line, rows so far)

    def error(self, line: int, problem: str) -> LessonError:
        return LessonError(f"{self.name} line {line}: {problem}")

    # --- the whole file --------------------------------------------------------------------

    def lesson(self) -> Lesson:
        self._check_characters()
        title, config, body_start = self._front_matter()
        intro: list[str] = []
        chapters: list[Chapter] = []
        draft: _Draft | None = None
        fence: str | None = None
        for number in range(body_start, len(self.lines) + 1):
            line = self.lines[number - 1]
            fence_match = FENCE.match(line)
            if fence is not None:
                if fence_match and fence_match.group(1)[0] == fence[0] and len(fence_match.group(1)) >= len(fence):
                    fence = None
                (draft.body if draft else intro).append(line)
                continue
            if fence_match:
                fence = fence_match.group(1)
                self.table = None
                (draft.body if draft else intro).append(line)
                continue
            self._check_table(number, line)
            if line.startswith("##") and (len(line) == 2 or line[2] in " \t"):
                if draft is not None:
                    chapters.append(self._finish(draft))
                if len(chapters) >= MAX_CHAPTERS:
                    raise self.error(number, f"more than {MAX_CHAPTERS} chapters")
                heading = line[2:].strip().rstrip("#").strip()
                if not heading:
                    raise self.error(number, "a chapter heading needs a title: '## The loss'")
                draft = _Draft(heading, number, config)
                continue
            if LOOKS_LIKE_DIRECTIVE.search(line):
                match = DIRECTIVE.match(line)
                if match is None:
                    raise self.error(
                        number,
                        "a directive is a line of its own, written exactly <!-- tui-nn: steps 6 --> "
                        f"(not '{_shown(line.strip())}')",
                    )
                if draft is None:
                    raise self.error(number, "a directive before the first chapter: start a chapter with '## Title' first")
                self._directive(draft, number, match.group("body").strip())
                continue
            (draft.body if draft else intro).append(line)
        if draft is not None:
            chapters.append(self._finish(draft))
        if not chapters:
            raise self.error(len(self.lines), "the lesson has no chapters: start each one with a line '## Title'")
        return Lesson(title, config, tuple(chapters), "\n".join(intro).strip("\n"), self.name, self.source)

    def _check_table(self, number: int, line: str) -> None:
        """Refuse a Markdown table wider or longer than the lesson pane can lay out quickly."""
        if self.table is not None:
            if not line.strip() or "|" not in line:
                self.table = None
                return
            start, rows = self.table
            self.table = (start, rows + 1)
            if rows + 1 > MAX_TABLE_ROWS:
                raise self.error(start, f"a table of more than {MAX_TABLE_ROWS} rows: at most {MAX_TABLE_ROWS} (split it)")
            return
        if "|" in line and TABLE_DELIMITER.match(line) and number >= 2 and self.lines[number - 2].strip():
            header = number - 1
            columns = len([cell for cell in line.strip().strip("|").split("|")])
            if columns > MAX_TABLE_COLUMNS:
                raise self.error(
                    header, f"a table of {columns} columns: at most {MAX_TABLE_COLUMNS} fit the lesson pane (split it)"
                )
            self.table = (header, 0)

    def _check_characters(self) -> None:
        for number, line in enumerate(self.lines, start=1):
            for ch in line:
                category = unicodedata.category(ch)
                if ch in BIDI_CONTROLS:
                    raise self.error(number, f"a bidirectional control character (U+{ord(ch):04X}) is not allowed in a lesson")
                if (category == "Cc" and ch != "\t") or category in ("Zl", "Zp", "Cs"):
                    raise self.error(number, f"control character U+{ord(ch):04X} is not allowed in a lesson")

    # --- front matter ---------------------------------------------------------------------

    def _front_matter(self) -> tuple[str, Config, int]:
        if not self.lines or self.lines[0].strip() != "---":
            raise self.error(1, "a lesson starts with front matter: a line '---', then 'title: …' and the settings, then '---'")
        close = next((k for k in range(1, len(self.lines)) if self.lines[k].strip() == "---"), None)
        if close is None:
            raise self.error(1, "the front matter opened here is never closed with a line '---'")
        items: list[tuple[str, str, int]] = []
        seen: dict[str, int] = {}
        for k in range(1, close):
            number, line = k + 1, self.lines[k].strip()
            if not line or line.startswith("#"):
                continue
            key, colon, value = line.partition(":")
            key, value = key.strip().lower(), value.strip()
            if not colon or not key:
                raise self.error(number, f"expected 'setting: value', not '{_shown(line)}'")
            if key not in SETTINGS:
                raise self.error(
                    number, f"unknown setting '{_shown(key)}'{_suggest(key, SETTINGS)}: the settings are {', '.join(SETTINGS)}"
                )
            if key in seen:
                raise self.error(number, f"'{key}' is set twice (first on line {seen[key]})")
            if not value:
                raise self.error(number, f"'{key}' has no value")
            seen[key] = number
            items.append((key, _unquoted(value), number))
        title = next((value for key, value, _ in items if key == "title"), "")
        if not title.strip():
            raise self.error(close + 1, "the front matter needs a title: 'title: XOR, one step at a time'")
        problem = next(((value, number) for key, value, number in items if key == "problem"), None)
        base = Config()
        if problem is not None:
            base = cfg.defaults_for(str(self._setting("problem", problem[0], problem[1])))
        config = self._settings(base, [item for item in items if item[0] not in ("title", "problem")])
        return title.strip(), config, close + 2

    def _setting(self, key: str, value: str, line: int) -> object:
        """One setting's value, checked as the command line checks it."""
        try:
            return cfg.FIELDS[key].parse(value)
        except ConfigError as error:
            raise self.error(line, f"{key}: {error}") from None

    def _settings(self, config: Config, items: list[tuple[str, str, int]]) -> Config:
        """`config` with `items` (key, value, line) applied; the problem first, the batch checked last."""
        for key, value, line in sorted(items, key=lambda item: item[0] != "problem"):
            config = config.with_changes(**{key: self._setting(key, value, line)})
        if config.val:
            try:
                validation_split(load(config.problem), config.val)
            except SplitError as error:
                line = next(number for key, _, number in items if key == "val")
                raise self.error(line, f"val: {error}") from None
        if config.batch is not None:
            size = _training_rows(config)
            if config.batch > size:
                line = next((number for key, _, number in items if key == "batch"), items[-1][2] if items else 1)
                raise self.error(line, f"batch: a batch of {config.batch} is larger than {config.problem} ({size} samples)")
        return config

    # --- chapters -------------------------------------------------------------------------

    def _finish(self, draft: _Draft) -> Chapter:
        if draft.view is not None:
            view, line = draft.view
            if view == "hidden" and not draft.config.hidden:
                raise self.error(line, "view hidden needs a hidden layer, and this chapter's network has none")
        rebuild_origin = (draft.rebuild_line or draft.line, draft.rebuild_text or f"## {draft.title}")
        actions = (act.Rebuild(draft.config), *(a for a, _, _ in draft.actions))
        origins = (rebuild_origin, *((line, text) for _, line, text in draft.actions))
        return Chapter(
            draft.title,
            tables_as_text("\n".join(draft.body).strip("\n")),
            draft.config,
            actions,
            origins,
            draft.view[0] if draft.view else None,
            draft.question,
            draft.line,
        )

    def _position(self, draft: _Draft) -> _Position:
        if draft.position is None:
            draft.position = _Position(draft.config, _training_rows(draft.config))
        return draft.position

    def _directive(self, draft: _Draft, line: int, body: str) -> None:
        if not body:
            raise self.error(line, "an empty directive: write one, e.g. <!-- tui-nn: steps 6 -->")
        try:
            words = shlex.split(body)
        except ValueError:
            raise self.error(line, f"unclosed quote in '{_shown(body)}'") from None
        name, args = words[0].lower(), words[1:]
        if name not in DIRECTIVES:
            raise self.error(line, f"unknown directive '{_shown(name)}'{_suggest(name, DIRECTIVES)}")
        if name == "rebuild":
            self._rebuild(draft, line, body, args)
        elif name == "view":
            self._view(draft, line, args)
        elif name in ("quiz", "ask"):
            self._quiz(draft, line, name, args)
        else:
            self.action_directives()[name](draft, line, body, args)

    def action_directives(self) -> dict[str, Callable[[_Draft, int, str, list[str]], None]]:
        """The directives that add actions, each to its reader, spelled out so a reader (and a tool) can follow them."""
        return {
            "steps": self._do_steps,
            "finish-forward": self._do_finish_forward,
            "finish-backward": self._do_finish_backward,
            "finish-epoch": self._do_finish_epoch,
            "walk-to": self._do_walk_to,
            "train": self._do_train,
            "pin": self._do_pin,
            "lr": self._do_lr,
            "reseed": self._do_reseed,
            "set": self._do_set,
            "knock-out": self._do_knock_out,
        }

    def _add(self, draft: _Draft, line: int, body: str, *actions: act.Action) -> None:
        draft.actions.extend((a, line, body) for a in actions)

    def _no_arguments(self, line: int, name: str, args: list[str]) -> None:
        if args:
            raise self.error(line, f"{name} takes nothing after it, not '{_shown(' '.join(args))}'")

    def _count(self, line: int, name: str, args: list[str], what: str, maximum: int) -> int:
        if len(args) != 1:
            raise self.error(line, f"{name} takes one number of {what}, e.g. '{name} 6'")
        try:
            count = int(args[0])
        except ValueError:
            raise self.error(line, f"{name}: the number of {what} must be a whole number, not '{_shown(args[0])}'") from None
        if not 1 <= count <= maximum:
            raise self.error(line, f"{name}: the number of {what} must be 1 to {maximum:,}, not {count}")
        return count

    def _rebuild(self, draft: _Draft, line: int, body: str, args: list[str]) -> None:
        if draft.rebuild_line is not None:
            raise self.error(line, f"a second rebuild in one chapter (the first is on line {draft.rebuild_line})")
        if draft.actions:
            raise self.error(
                line, f"rebuild must come before the chapter's other directives (line {draft.actions[0][1]} sets state already)"
            )
        items: list[tuple[str, str, int]] = []
        for arg in args:
            key, equals, value = arg.partition("=")
            key = key.strip().lower()
            if not equals:
                raise self.error(line, f"rebuild takes setting=value pairs (hidden=none lr=0.5), not '{_shown(arg)}'")
            if key not in SETTINGS or key == "title":
                allowed = SETTINGS[1:]
                raise self.error(
                    line, f"rebuild: unknown setting '{_shown(key)}'{_suggest(key, allowed)}: use {', '.join(allowed)}"
                )
            if any(key == k for k, _, _ in items):
                raise self.error(line, f"rebuild: '{key}' is given twice")
            if not value:
                raise self.error(line, f"rebuild: '{key}' has no value")
            items.append((key, value, line))
        if not items:
            raise self.error(
                line, "rebuild needs at least one setting=value (each chapter starts from the front matter's network)"
            )
        draft.config = self._settings(draft.config, items)
        draft.rebuild_line, draft.rebuild_text = line, body

    def _view(self, draft: _Draft, line: int, args: list[str]) -> None:
        wanted = " ".join(args).lower()
        view = next((v for v in VIEWS if v == wanted), None)
        if view is None:
            raise self.error(line, f"view takes one of {', '.join(VIEWS)}, not '{_shown(wanted)}'{_suggest(wanted, VIEWS)}")
        if draft.view is not None:
            raise self.error(line, f"a second view in one chapter (the first is on line {draft.view[1]})")
        draft.view = (view, line)

    def _quiz(self, draft: _Draft, line: int, name: str, args: list[str]) -> None:
        if draft.question is not None:
            raise self.error(line, f"a chapter asks one question; this one already asks on line {draft.question_line}")
        if name == "quiz":
            usage = "write 'quiz next' (or 'quiz next number', 'quiz next choice', and a count: 'quiz next 4')"
            if not args or args[0].lower() != "next" or len(args) > 3:
                raise self.error(line, usage)
            rest = args[1:]
            count = 1
            if rest and rest[-1].isdigit():
                count = int(rest.pop())
                if not 1 <= count <= MAX_QUESTIONS:
                    raise self.error(line, f"quiz next: ask 1 to {MAX_QUESTIONS} questions, not {count}")
            if len(rest) > 1:
                raise self.error(line, usage)
            wanted = rest[0].lower() if rest else "auto"
            style = next((s for s in STYLES if s == wanted), None)
            if style is None:
                raise self.error(line, f"quiz next takes one of {', '.join(STYLES)}, not '{_shown(wanted)}'")
            draft.question = StepQuiz(style, count)
        else:
            draft.question = WrittenQuiz(*self._written(line, args))
        draft.question_line = line

    def _written(self, line: int, args: list[str]) -> tuple[Question, str]:
        usage = 'ask "the question" answer=… (and choices="a|b|c" or tolerance=…, explain="…")'
        if not args or re.match(r"(answer|choices|tolerance|explain)=", args[0], re.IGNORECASE):
            raise self.error(line, f"ask needs the question in quotes first: {usage}")
        prompt, options = args[0], {}
        for arg in args[1:]:
            key, equals, value = arg.partition("=")
            key = key.lower()
            if not equals or key not in ("answer", "choices", "tolerance", "explain"):
                raise self.error(line, f"ask takes answer=, choices=, tolerance= and explain=, not '{_shown(arg)}': {usage}")
            if key in options:
                raise self.error(line, f"ask: '{key}' is given twice")
            options[key] = value
        if "answer" not in options or not options["answer"].strip():
            raise self.error(line, f"ask needs an answer: {usage}")
        choices = [c.strip() for c in options["choices"].split("|")] if "choices" in options else []
        if choices and (len(choices) < 2 or any(not c for c in choices)):
            raise self.error(line, 'ask: choices are two or more answers separated by |, e.g. choices="yes|no"')
        if choices and "tolerance" in options:
            raise self.error(line, "ask: a tolerance is for a number answer, not for choices")
        tolerance = None
        if "tolerance" in options:
            try:
                tolerance = float(options["tolerance"])
            except ValueError:
                raise self.error(line, f"ask: the tolerance must be a number, not '{_shown(options['tolerance'])}'") from None
        try:
            return written_question(prompt, options["answer"].strip(), choices, tolerance), options.get("explain", "").strip()
        except ValueError as error:
            raise self.error(line, f"ask: {error}") from None

    # --- directives that set state --------------------------------------------------------

    def _walked(self, draft: _Draft, line: int, steps: int) -> None:
        draft.walked += steps
        if draft.walked > MAX_STEPS:
            raise self.error(
                line,
                f"this chapter walks {draft.walked:,} micro-steps: at most {MAX_STEPS:,} (pin a sample, or use train or finish-epoch)",
            )
        self._lesson_walks(draft, line, steps)

    def _lesson_walks(self, draft: _Draft, line: int, steps: int) -> None:
        self.walked += steps
        if self.walked > MAX_LESSON_STEPS:
            raise self.error(
                line,
                f"the lesson walks more than {MAX_LESSON_STEPS:,} micro-steps in all by chapter '{_shown(draft.title)}' "
                "(every chapter is rehearsed before the app opens): walk fewer steps, or use train",
            )

    def _epoch_steps(self, draft: _Draft) -> int:
        """The most micro-steps a finish-* can walk: one whole pass of the biggest batch."""
        position = self._position(draft)
        m = position.batch_size or position.data_size
        return m * position.per_sample + 1 + position.n_params

    def _do_steps(self, draft: _Draft, line: int, body: str, args: list[str]) -> None:
        count = self._count(line, "steps", args, "micro-steps", MAX_STEPS)
        self._walked(draft, line, count)
        self._position(draft).walk(count)
        self._add(draft, line, body, *([act.Next()] * count))

    def _do_finish_forward(self, draft: _Draft, line: int, body: str, args: list[str]) -> None:
        self._no_arguments(line, "finish-forward", args)
        self._lesson_walks(draft, line, self._epoch_steps(draft))
        self._position(draft).finish_forward()
        self._add(draft, line, body, act.FinishForward())

    def _do_finish_backward(self, draft: _Draft, line: int, body: str, args: list[str]) -> None:
        self._no_arguments(line, "finish-backward", args)
        self._lesson_walks(draft, line, self._epoch_steps(draft))
        self._position(draft).finish_backward()
        self._add(draft, line, body, act.FinishBackward())

    def _do_finish_epoch(self, draft: _Draft, line: int, body: str, args: list[str]) -> None:
        self._no_arguments(line, "finish-epoch", args)
        self._lesson_walks(draft, line, self._epoch_steps(draft))
        self._position(draft).restart()
        self._add(draft, line, body, act.FinishEpoch())

    def _do_walk_to(self, draft: _Draft, line: int, body: str, args: list[str]) -> None:
        if args != ["update"]:
            raise self.error(line, f"write 'walk-to update', not 'walk-to {_shown(' '.join(args))}'")
        steps = self._position(draft).steps_to_update()
        if steps is None:
            raise self.error(
                line, "walk-to update needs the whole batch or a pinned sample; with mini-batches count with 'steps N'"
            )
        self._walked(draft, line, steps)
        self._position(draft).walk(steps)
        self._add(draft, line, body, *([act.Next()] * steps))

    def _do_train(self, draft: _Draft, line: int, body: str, args: list[str]) -> None:
        epochs = self._count(line, "train", args, "epochs", MAX_EPOCHS)
        position = self._position(draft)
        draft.trained_points += epochs * (1 if position.pinned is not None else position.data_size)
        if draft.trained_points > MAX_EPOCH_POINTS:
            raise self.error(
                line,
                f"this chapter trains {draft.trained_points:,} epochs × points: at most {MAX_EPOCH_POINTS:,} (train fewer epochs)",
            )
        self.trained_points += epochs * (1 if position.pinned is not None else position.data_size)
        if self.trained_points > MAX_LESSON_EPOCH_POINTS:
            raise self.error(
                line,
                f"the lesson trains more than {MAX_LESSON_EPOCH_POINTS:,} epochs × points in all by chapter "
                f"'{_shown(draft.title)}' (every chapter is rehearsed before the app opens): train fewer epochs",
            )
        position.restart()
        self._add(draft, line, body, act.Train(epochs))

    def _do_pin(self, draft: _Draft, line: int, body: str, args: list[str]) -> None:
        position = self._position(draft)
        size = position.data_size
        if len(args) != 1:
            raise self.error(line, f"pin takes a sample number (1–{size}) or 'all'")
        if args[0].lower() == "all":
            sample = None
        else:
            try:
                sample = int(args[0])
            except ValueError:
                raise self.error(line, f"pin takes a sample number (1–{size}) or 'all', not '{_shown(args[0])}'") from None
            if not 1 <= sample <= size:
                raise self.error(line, f"pin {sample}: {draft.config.problem} has samples 1–{size}")
        if sample != position.pinned:
            position.pinned = sample
            position.restart()
        self._add(draft, line, body, act.Pin(sample))

    def _do_lr(self, draft: _Draft, line: int, body: str, args: list[str]) -> None:
        if len(args) != 1:
            raise self.error(line, "lr takes one learning rate, e.g. 'lr 0.5'")
        try:
            lr = cfg.parse_lr(args[0])
        except ConfigError as error:
            raise self.error(line, f"lr: {error}") from None
        self._add(draft, line, body, act.SetLR(lr))

    def _do_reseed(self, draft: _Draft, line: int, body: str, args: list[str]) -> None:
        if len(args) != 1:
            raise self.error(line, "reseed takes one seed, e.g. 'reseed 0'")
        try:
            seed = cfg.parse_seed(args[0])
        except ConfigError as error:
            raise self.error(line, f"reseed: {error}") from None
        position = self._position(draft)
        position.restart()
        position.pinned = None  # a new seed is a new session: it walks the whole batch
        self._add(draft, line, body, act.Reseed(seed))

    def _network(self, draft: _Draft) -> Network:
        return Network((2, *draft.config.hidden, 1), draft.config.activation, draft.config.loss, l2=draft.config.l2)

    def _do_set(self, draft: _Draft, line: int, body: str, args: list[str]) -> None:
        if len(args) == 2 and "=" not in "".join(args):
            name, value_text = args
        else:
            name, _, value_text = "".join(args).partition("=")
        if not name or not value_text:
            raise self.error(line, "set takes a parameter and its value, e.g. 'set w12=0.5'")
        try:
            parse_parameter(self._network(draft), name)
        except ValueError as error:
            raise self.error(line, f"set: {error}") from None
        try:
            value = float(value_text.replace("−", "-"))
        except ValueError:
            raise self.error(line, f"set: the value must be a number, not '{_shown(value_text)}'") from None
        if not (math.isfinite(value) and abs(value) <= MAX_PARAMETER):
            raise self.error(
                line, f"set: a parameter must be a finite number within ±{MAX_PARAMETER:g}, not {_shown(value_text)}"
            )
        self._position(draft).restart()
        self._add(draft, line, body, act.SetParam(name, value))

    def _do_knock_out(self, draft: _Draft, line: int, body: str, args: list[str]) -> None:
        sizes = (2, *draft.config.hidden, 1)
        names = Names(sizes)
        units = {names.unit(l, j): (l, j + 1) for l in range(1, len(sizes) - 1) for j in range(sizes[l])}
        if len(args) != 1 or args[0] not in units:
            listed = ", ".join(list(units)[:6]) if units else "none: this chapter's network has no hidden layer"
            raise self.error(line, f"knock-out takes a hidden unit's name (the hidden units are {listed})")
        layer, unit = units[args[0]]
        self._position(draft).restart()
        self._add(draft, line, body, act.KnockOut(layer, unit))


# --- tables as text ------------------------------------------------------------------------------


def _cells(row: str) -> list[str]:
    inner = row.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", inner)]


def tables_as_text(markdown: str) -> str:
    """`markdown` with each table written as aligned text in a code block.

    Textual lays a Markdown table out cell by cell, seconds for a few hundred cells on a busy
    machine; the same table as preformatted text costs what a paragraph does.
    """
    lines = markdown.split("\n")
    out: list[str] = []
    fence: str | None = None
    k = 0
    while k < len(lines):
        line = lines[k]
        fence_match = FENCE.match(line)
        if fence is not None:
            if fence_match and fence_match.group(1)[0] == fence[0] and len(fence_match.group(1)) >= len(fence):
                fence = None
            out.append(line)
            k += 1
            continue
        if fence_match:
            fence = fence_match.group(1)
            out.append(line)
            k += 1
            continue
        following = lines[k + 1] if k + 1 < len(lines) else ""
        if line.strip() and "|" in line and "|" in following and TABLE_DELIMITER.match(following):
            columns = len(_cells(following))
            rows = [_cells(line)]
            k += 2
            while k < len(lines) and lines[k].strip() and "|" in lines[k]:
                rows.append(_cells(lines[k]))
                k += 1
            rows = [(row + [""] * columns)[:columns] for row in rows]
            widths = [max(len(row[c]) for row in rows) for c in range(columns)]
            longest = max((len(m.group(0)) for row in rows for cell in row for m in re.finditer("`+", cell)), default=0)
            ticks = "`" * max(3, longest + 1)
            text = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
            text.insert(1, "  ".join("─" * width for width in widths))
            out += [ticks, *text, ticks]
            continue
        out.append(line)
        k += 1
    return "\n".join(out)


# --- the learner's progress and the closing page -------------------------------------------------


def questions_in(chapter: Chapter) -> int:
    """How many questions the chapter asks."""
    if isinstance(chapter.question, StepQuiz):
        return chapter.question.count
    return 0 if chapter.question is None else 1


def _table_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|")


def closing_page(lesson: Lesson, score: QuizScore) -> str:
    """The page after the last chapter: the score per chapter (the first answer to each of its
    questions), what the chapters covered, and what to try next (Markdown)."""
    asked = sum(questions_in(c) for c in lesson.chapters)
    right = score.lesson_answers.count("right")
    lines = [
        "## The end",
        "",
        f"You have reached the end of *{lesson.title}*: {right} of {asked} questions right on the first try.",
        "",
        "| chapter | right | wrong | skipped | open |",
        "|:--|--:|--:|--:|--:|",
    ]
    for k, chapter in enumerate(lesson.chapters):
        answers = score.chapter_answers(k)
        counts = [answers.count(kind) for kind in ("right", "wrong", "skipped")]
        open_ = questions_in(chapter) - len(answers)
        lines.append(f"| {_table_cell(chapter.title)} | {' | '.join(str(c) for c in counts)} | {open_} |")
    lines += ["", "### What the chapters covered", ""]
    lines += [f"- {chapter.title}" for chapter in lesson.chapters]
    lines += [
        "",
        "### What to try next",
        "",
        "- `<` goes back to any chapter; a question answered again is practice (its first answer stays scored).",
        "- `a` asks before every step, not only in the lesson: walk a whole epoch that way.",
        "- `c` opens the settings: more hidden units, tanh or ReLU, another problem (circle, spiral).",
        "- `n` starts again from another seed; `T` trains live and the loss chart shows how it goes.",
        "- Write a lesson of your own (docs/lessons.md) and open it with `tui-nn lesson FILE`.",
        "",
        "`L` hides this page.",
    ]
    return tables_as_text("\n".join(lines))


def _training_rows(config: Config) -> int:
    """The rows a chapter's passes walk: the problem's, less those held out for validation."""
    data = load(config.problem)
    return validation_split(data, config.val).training.size if config.val else data.size
