"""The calculation log pane: draws the engine's Logbook at any width.

Each entry is drawn once per width and cached, so a step costs one entry's drawing. Long lines
wrap at an operator with an indent, and `= result` never leaves the line of its `=`; a resize
rewraps everything, so a number on screen is never cut. The pane scrolls by its own offset (the
wheel, PgUp/PgDn, End) instead of growing a virtual size, so appending repaints this pane only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from tui_nn.engine.session.logbook import Entry, Logbook, RunSummary
from tui_nn.engine.walk.records import NumberFormat
from tui_nn.engine.walk.render import LABEL_WIDTH, Span, step_lines
from tui_nn.engine.walk.words import said
from tui_nn.ui import theme
from tui_nn.ui.ascii import ascii_segments, asciify

INDENT = LABEL_WIDTH + 2  # continuation lines of a wrapped formula
_BREAK = re.compile(r"(?= [=+−←] )")  # a line may break before a binary operator
_SOFT_BREAK = re.compile(r"(?<=[ ·/])(?=[^ ])")  # inside a piece too long for a line: after a space, · or /
_OPERATORS = frozenset("=+−←-")
ROOMY_LOG = 16  # rows from which every sentence a pass says is drawn; below, only the newest step's
CONTEXT_ROWS = 2  # rows of earlier formula lines a sentence must leave visible on a short pane


def _words(text: str) -> list[str]:
    """`text` in the pieces a line too long for the pane may break between: after a space, a
    product's · or a quotient's / (never inside a number), an operator kept with what follows it."""
    words: list[str] = []
    for word in _SOFT_BREAK.split(text):
        if words and words[-1].strip() in _OPERATORS:
            words[-1] += word
        elif word:
            words.append(word)
    return words


def _pieces(span: Span) -> list[str]:
    return [p for p in _BREAK.split(span.text) if p]


def wrap_spans(spans: Sequence[Span], width: int, style_of: dict[str, Style]) -> list[list[Segment]]:
    """Wrap one log line to `width` cells, breaking only before an operator, `= result` kept whole."""
    tokens: list[list[Segment]] = []
    k = 0
    while k < len(spans):
        span = spans[k]
        style = style_of.get(span.role, Style())
        if span.role == "relation" and k + 1 < len(spans) and spans[k + 1].role == "result":
            result = spans[k + 1]
            tokens.append([Segment(span.text, style), Segment(result.text, style_of.get("result", style))])
            k += 2
            continue
        if span.role in ("formula", "numbers", "note"):
            tokens += [[Segment(piece, style)] for piece in _pieces(span)]
        else:
            tokens.append([Segment(span.text, style)])
        k += 1
    lines: list[list[Segment]] = []
    line: list[Segment] = []
    used = 0
    fresh = True  # nothing on this line yet but its indent

    def new_line() -> None:
        nonlocal line, used, fresh
        if line and line[-1].text.endswith(" "):  # the space a line breaks at would overhang it
            line[-1] = Segment(line[-1].text.rstrip(" "), line[-1].style)
        lines.append(line)
        line, used, fresh = [Segment(" " * INDENT)], INDENT, True

    for token in tokens:
        length = sum(seg.cell_length for seg in token)
        if used + length > width and not fresh:
            new_line()
            token = [Segment(token[0].text.lstrip(), token[0].style), *token[1:]]
            length = sum(seg.cell_length for seg in token)
        if used + length <= width:
            line += token
            used += length
            fresh = False
            continue
        # One piece longer than a line (a block header, a long product): it breaks between
        # words, and only a word wider than a whole line is cut (no number is that wide).
        for seg in token:
            for word in _words(seg.text):
                if used + cell_len(word.rstrip(" ")) > width and not fresh:
                    new_line()
                    word = word.lstrip(" ")
                while used + cell_len(word.rstrip(" ")) > width:
                    room = max(width - used, 1)
                    line.append(Segment(word[:room], seg.style))
                    word = word[room:]
                    new_line()
                if word:
                    line.append(Segment(word, seg.style))
                    used += cell_len(word)
                    fresh = False
    if line:
        lines.append(line)
    return lines


_CONSOLE = Console(width=200, color_system=None)  # only measures and splits text: no output


def _text_lines(text: Text, width: int) -> list[list[Segment]]:
    """`text` wrapped to `width` (a leading indent is kept on every line it wraps to)."""
    indent = len(text.plain) - len(text.plain.lstrip(" "))
    body = text[indent:] if indent else text
    base = _CONSOLE.get_style(text.style) if text.style else None
    lines = [list(Segment.apply_style(line.render(_CONSOLE), base)) for line in body.wrap(_CONSOLE, max(width - indent, 4))]
    return [[Segment(" " * indent), *line] if indent else line for line in lines]


class ScrollingLines(Widget):
    """A pane of pre-drawn lines that shows the newest and scrolls back by its own offset (the
    wheel, PgUp/PgDn, End), without a virtual size: appending repaints this pane only."""

    # Every key belongs to the app (arrows step, not scroll); the wheel scrolls.
    can_focus = False

    scrolled: reactive[int] = reactive(0, layout=False)
    """How many lines the view is scrolled back from the newest (0: it follows the end), or for a
    pane anchored at its start, down from the first line."""

    anchor_end = True

    def __init__(self, **kwargs: str | None) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._finished: dict[tuple[int, int, bool, Style], tuple[Strip, Strip]] = {}

    def lines(self) -> list[Strip]:
        raise NotImplementedError

    def plain_lines(self) -> list[str]:
        return ["".join(seg.text for seg in strip).rstrip() for strip in self.lines()]

    def render_line(self, y: int) -> Strip:
        lines = self.lines()
        height = self.content_size.height
        start = max(len(lines) - height - self.scrolled, 0) if self.anchor_end else self.scrolled
        index = start + y
        width = self.content_size.width
        base = self.rich_style
        if index < len(lines):
            strip = lines[index]
            marked = index == getattr(self, "marker_line", -1)
            # A line that scrolls up a row is the same Strip: its finished form is kept, so a step
            # that moves every visible line repaints them without restyling each one again.
            key = (id(strip), width, marked, base)
            kept = self._finished.get(key)
            if kept is not None and kept[0] is strip:
                return kept[1]
            finished = strip
            if marked:
                marker = Segment(">" if getattr(self, "ascii_only", False) else "▶", Style(color=theme.CURRENT, bold=True))
                # ▶ in the space between the label column and the formula
                at = LABEL_WIDTH - 1
                finished = Strip([*strip.crop(0, at), marker, *strip.crop(at + 1, strip.cell_length)])
            finished = finished.crop_extend(0, width, None).apply_style(base)
            if len(self._finished) > 4 * max(self.content_size.height, 10):
                self._finished.clear()
            self._finished[key] = (strip, finished)
            return finished
        return Strip.blank(width, base)

    def scroll_by(self, lines: int) -> None:
        """Move the view `lines` lines back (towards the first line; negative: forward)."""
        top = max(len(self.lines()) - self.content_size.height, 0)
        change = lines if self.anchor_end else -lines
        self.scrolled = min(max(self.scrolled + change, 0), top)

    def watch_scrolled(self, value: int) -> None:
        if self.anchor_end:
            self.border_subtitle = f"scrolled back {value} lines · End: newest" if value else ""
        else:
            self.border_subtitle = f"{value} lines above · PgUp/PgDn" if value else ""
        self.refresh()

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self.scroll_by(3)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self.scroll_by(-3)


class CalcLog(ScrollingLines):
    """The calculation details: every step's formulas with the numbers put in, notes and runs."""

    WELCOME = (
        "This is the calculation log: every multiply-add, activation, loss, chain-rule factor and update "
        "is written here with its numbers as you step.",
        "The network pane shows each unit's value a (and z, b) and each weight on its edge.",
        "Press → for the first step (the status line below names it) — or T to watch the whole network train.",
    )

    def __init__(self, logbook: Logbook, fmt: NumberFormat, ascii_only: bool = False, **kwargs: str | None) -> None:
        super().__init__(**kwargs)
        self.ascii_only = ascii_only
        self.logbook = logbook
        self.fmt = fmt
        self.border_title = "calculation details"
        self._width = -1
        self._height = -1
        self._drawn: dict[Entry, tuple[str, list[Strip]]] = {}  # with the sentence drawn under it
        self._lines: list[Strip] = []
        self._revision = -1
        self.marker_line = -1  # the newest step's line: ▶ marks it
        self.show_words = True  # a sentence under each step (w hides them)

    # --- what the pane holds ---------------------------------------------------------

    def lines(self) -> list[Strip]:
        """Every line of the log at the pane's width, oldest first (cached per revision)."""
        width, height = self.content_size.width, self.content_size.height
        if width != self._width or height != self._height:
            self._width, self._height = width, height
            self._drawn.clear()
            self._revision = -1
        if self._revision != self.logbook.revision:
            before = len(self._lines)
            entries = list(self.logbook.entries)
            sentences = self.sentences(entries)
            drawn: dict[Entry, tuple[str, list[Strip]]] = {}
            lines: list[Strip] = []
            self.marker_line = -1
            for entry, sentence in zip(entries, sentences, strict=True):
                kept = self._drawn.get(entry)
                if kept is not None and kept[0] == sentence:
                    strips = kept[1]
                else:
                    strips = [Strip(row) for row in self.draw_entry(entry, max(width, 10), sentence)]
                drawn[entry] = (sentence, strips)
                if entry.kind == "step" and entry.step is not None:
                    self.marker_line = len(lines) + (1 if entry.step.header is not None else 0)
                lines += strips
            training = getattr(self.app, "training", False)
            if not training and not any(e.kind in ("step", "run") for e in entries):
                welcome = self._welcome(max(width, 10))
                lines += [Strip(ascii_segments(row) if self.ascii_only else row) for row in welcome]
            self._drawn, self._lines = drawn, lines
            self._revision = self.logbook.revision
            if self.scrolled and len(lines) > before:  # stay on what the reader scrolled back to
                self.scrolled += len(lines) - before
        return self._lines

    def sentences(self, entries: list[Entry]) -> list[str]:
        """The sentence drawn under each entry: each kind's the first time in a pass (words.said),
        none with words off. On a short pane only the newest step keeps its sentence, and only when
        it leaves room for that step's own lines and the last lines of the step before it: the
        formulas come first."""
        if not self.show_words:
            return [""] * len(entries)
        sentences = said(entries)
        if self._height >= ROOMY_LOG:
            return sentences
        newest = next((k for k in range(len(entries) - 1, -1, -1) if entries[k].kind == "step"), -1)
        kept = [""] * len(entries)
        if newest >= 0 and sentences[newest]:
            width = max(self._width, 10)
            step_rows = len(self.draw_entry(entries[newest], width, ""))
            sentence_rows = len(self._sentence_rows(sentences[newest], width))
            context = CONTEXT_ROWS if any(e.kind == "step" for e in entries[:newest]) else 0
            if step_rows + sentence_rows + context <= self._height:
                kept[newest] = sentences[newest]
        return kept

    def draw_entry(self, entry: Entry, width: int, sentence: str = "") -> list[list[Segment]]:
        if entry.kind == "step" and entry.step is not None:
            colour = theme.PHASE_COLOURS.get(entry.step.phase, "")
            styles = {role: Style.parse(f"{extra} {colour}".strip()) for role, extra in theme.LOG_ROLE_STYLES.items()}
            styles["note"] = Style.parse(theme.LOG_ROLE_STYLES["note"])
            rows: list[list[Segment]] = []
            for line in step_lines(entry.step, self.fmt):
                if self.ascii_only:
                    line = tuple(Span(asciify(span.text), span.role) for span in line)
                rows += wrap_spans(line, width, styles)
            if sentence:
                rows += self._sentence_rows(sentence, width)
            return rows
        style = Style.parse(theme.TONE_STYLES.get(entry.tone, ""))
        if self.ascii_only:
            return [ascii_segments(row) for row in self._draw_other(entry, style, width)]
        return self._draw_other(entry, style, width)

    def _sentence_rows(self, sentence: str, width: int) -> list[list[Segment]]:
        words = asciify(sentence) if self.ascii_only else sentence
        return _text_lines(Text(" " * LABEL_WIDTH + words, Style(color=theme.MUTED, italic=True)), width)

    def _draw_other(self, entry: Entry, style: Style, width: int) -> list[list[Segment]]:
        if entry.kind == "gap":
            return _text_lines(Text(f"(… {entry.hidden} steps of this pass not shown: ← steps back into them)", style), width)
        if entry.kind == "run" and entry.run is not None:
            return self._run_rows(entry.run, style, width)
        return _text_lines(Text(entry.text, style), width)

    def _run_rows(self, run: RunSummary, style: Style, width: int) -> list[list[Segment]]:
        """What the tutorials print after training: the loss every K epochs (K so that it fits), then
        the final table."""
        fmt = NumberFormat(4)
        text = Text(run.headline, style)
        rows = _text_lines(text, width)
        table = 0 if run.predictions is None else len(run.predictions) + 1
        budget = max(self._height - len(rows) - table - 2, 2)
        keep = list(range(len(run.rows)))
        if len(keep) > budget:
            keep = sorted({round(k * (len(keep) - 1) / (budget - 1)) for k in range(budget)})
        for i in keep:
            epoch, loss, accuracy = run.rows[i]
            line = f"  epoch {int(epoch):>8}  loss {fmt(float(loss)):>10}  {run.score_text(float(accuracy))}{run.validation_text(i, fmt)}"
            rows += _text_lines(Text(line, theme.MUTED), width)
        predictions = run.prediction_table(fmt)
        if predictions is not None:
            header, samples = predictions
            name, target_name, shown_name = header.split(" | ")
            rows += _text_lines(Text(f"  {name:<8} | {target_name} | {shown_name}", "bold"), width)
            for x, target, shown in samples:
                rows += _text_lines(Text(f"  {x:<8} | {target:<6} | {shown}"), width)
        return rows

    def _welcome(self, width: int) -> list[list[Segment]]:
        rows: list[list[Segment]] = [[]]
        for paragraph in self.WELCOME:
            rows += _text_lines(Text(paragraph, theme.MUTED), width)
        return rows

    # --- drawing and scrolling -------------------------------------------------------

    def set_words(self, on: bool) -> None:
        """Show or hide the sentence under each step (everything is drawn again)."""
        self.show_words = on
        self._drawn.clear()
        self._revision = -1
        self.refresh()

    def sync(self) -> None:
        """Repaint if the log changed since it was last drawn."""
        if self.logbook.revision != self._revision:
            self.refresh()
