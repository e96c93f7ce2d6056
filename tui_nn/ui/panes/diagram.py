"""The network diagram: a pure Rich renderable, drawn on a character canvas.

Units are boxes in columns (inputs, hidden layers, output) showing their current
values; edges are drawn in Braille dots, coloured by the weight's sign and
emphasised by its size, each labelled with its weight where there is room. The
units and edges of the current micro-step are highlighted. During the backward
pass units show δ = ∂L/∂z and edges show ∂L/∂w as soon as they are computed.
Under dropout, a hidden unit the walk's mask step dropped for the current sample
is crossed out (✗, its value and its edges dimmed) until the sample's walk ends.
What does not fit is summarised, and the legend says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from tui_nn.engine.walk.explain import Element
from tui_nn.engine.walk.notation import Names
from tui_nn.engine.walk.records import Key, NumberFormat
from tui_nn.ui import theme
from tui_nn.ui.ascii import asciify

POSITIVE = NEGATIVE = HIGHLIGHT = BOX = DIM = CAPTION = TARGET = FLAG = SELECTED = PATH = Style()
POSITIVE_BOLD = NEGATIVE_BOLD = Style()
_PALETTE: theme.Palette | None = None


def use_palette() -> None:
    """Set the drawing styles from the palette in use (called at the start of every drawing; the
    styles are made again only when the palette changed, so a drawing's styles are the last one's)."""
    global POSITIVE, NEGATIVE, HIGHLIGHT, BOX, DIM, CAPTION, TARGET, FLAG, SELECTED, PATH
    global POSITIVE_BOLD, NEGATIVE_BOLD, _PALETTE
    p = theme.current()
    if p is _PALETTE:
        return
    _PALETTE = p
    POSITIVE, NEGATIVE = Style(color=p.positive), Style(color=p.negative)
    POSITIVE_BOLD, NEGATIVE_BOLD = POSITIVE + Style(bold=True), NEGATIVE + Style(bold=True)
    HIGHLIGHT = Style(color=p.current, bold=True)  # the step just taken: bold, with a heavy border
    BOX = DIM = Style(color=p.muted)
    CAPTION = Style(color=p.muted, italic=True)
    TARGET = Style(color=p.text, bold=True)
    FLAG = Style(color=p.error, bold=True)
    SELECTED = Style(color=p.selection, bold=True, reverse=True)
    PATH = Style(color=p.selection, bold=True)


use_palette()

DROPPED = "✗"  # the flag of a unit dropout dropped for the current sample ("X" with --ascii)

BRAILLE_BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))  # [row][col]


@dataclass(frozen=True)
class DiagramState:
    """What the diagram shows: structure, parameters and the walk's revealed values."""

    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    weights: tuple[tuple[tuple[float, ...], ...], ...]
    biases: tuple[tuple[float, ...], ...]
    values: dict[Key, float] = field(default_factory=dict)
    phase: str = "forward"
    nodes: frozenset[tuple[int, int]] = frozenset()
    edges: frozenset[tuple[int, int, int]] = frozenset()
    target: tuple[float, ...] | None = None
    sample: int | None = None
    digits: int = 3
    # how each weight moved in the last update (or the last frame of training): same layout as weights
    changes: tuple[tuple[tuple[float, ...], ...], ...] | None = None
    unit_states: dict[tuple[int, int], str] = field(default_factory=dict)  # "dead" / "saturated"
    selected: Element | None = None  # the inspector's selection
    # (layer, unit) → the colour its name is written in: the fit's curve of that unit, so the two are read together
    unit_colours: dict[tuple[int, int], Style] = field(default_factory=dict)


def fitted_number(fmt: NumberFormat, value: float, room: int, signed: bool = False) -> str:
    """`value` in at most `room` characters, with fewer decimals than `fmt`'s where it must: a number is
    never cut (−1.1102e−16 cut to a box would read −1.11e−1)."""
    text = ""
    for digits in range(fmt.digits, -1, -1):
        text = NumberFormat(digits)(value)
        if signed and not text.startswith(("−", "nan")) and value != 0:
            text = "+" + text
        if len(text) <= room:
            return text
    return "…" if room < len(text) else text


def unit_dropped(values: dict[Key, float], layer: int, j: int) -> bool:
    """Dropout's mask step has dropped unit j of `layer` for the sample being walked (its mask is 0)."""
    return values.get(Key("mask", layer, j)) == 0.0


def weight_style(value: float, highlighted: bool = False) -> Style:
    if highlighted:
        return HIGHLIGHT
    if not math.isfinite(value):
        return FLAG
    # small weights keep their sign's colour at full contrast; large ones are bold
    if abs(value) >= 1.0:
        return POSITIVE_BOLD if value >= 0 else NEGATIVE_BOLD
    return POSITIVE if value >= 0 else NEGATIVE


class Canvas:
    """A grid of characters with styles, Braille line drawing and collision-aware text."""

    def __init__(self, width: int, height: int, ascii_only: bool) -> None:
        self.width, self.height, self.ascii_only = width, height, ascii_only
        self.chars = [[" "] * width for _ in range(height)]
        self.styles: list[list[Style | None]] = [[None] * width for _ in range(height)]
        self.taken = [[False] * width for _ in range(height)]
        self.dots: dict[tuple[int, int], int] = {}
        self.dot_style: dict[tuple[int, int], tuple[int, Style]] = {}
        self.owner: dict[tuple[int, int], object] = {}  # what drew a cell (for clicks)
        self.drawing: object = None  # the owner of what is being drawn now

    def text(self, x: int, y: int, text: str, style: Style | None, take: bool = True) -> None:
        if not 0 <= y < self.height:
            return
        if self.ascii_only:
            text = asciify(text)
        for k, ch in enumerate(text):
            cx = x + k
            if 0 <= cx < self.width:
                self.chars[y][cx] = ch
                self.styles[y][cx] = style
                if take:
                    self.taken[y][cx] = True
                if self.drawing is not None:
                    self.owner[(cx, y)] = self.drawing

    def free(self, x: int, y: int, length: int, margin: int = 1) -> bool:
        if not 0 <= y < self.height or x - margin < 0 or x + length + margin > self.width:
            return False
        return not any(self.taken[y][cx] for cx in range(x - margin, x + length + margin))

    def line(self, x0: float, y0: float, x1: float, y1: float, style: Style, priority: int) -> None:
        """A line between two cell positions (cell centres at +0.5), drawn in Braille dots (or ASCII
        strokes): its dots always, its style and owner where no line of higher priority is."""
        stroke = self.stroke(x0, y0, x1, y1)
        for (cx, cy), bits in zip(stroke.cells, stroke.bits, strict=True):
            if not stroke.char:
                self.dots[(cx, cy)] = self.dots.get((cx, cy), 0) | bits
            if priority >= self.dot_style.get((cx, cy), (-1, style))[0]:
                if stroke.char:
                    self.chars[cy][cx] = stroke.char
                self.dot_style[(cx, cy)] = (priority, style)
                if self.drawing is not None:
                    self.owner[(cx, cy)] = self.drawing

    def stroke(self, x0: float, y0: float, x1: float, y1: float) -> Stroke:
        """Where `line` would put the dots (or ASCII strokes) of a line on this canvas as it is now:
        pure geometry, so a diagram can reuse it for every drawing at the same size."""
        cells: dict[tuple[int, int], int] = {}
        if self.ascii_only:
            slope = (y1 - y0) / (x1 - x0) if x1 != x0 else 99.0
            char = "-" if abs(slope) < 0.35 else ("\\" if slope > 0 else "/")
            steps = int(max(abs(x1 - x0), abs(y1 - y0))) + 1
            for s in range(steps + 1):
                t = s / steps
                cx, cy = int(x0 + (x1 - x0) * t), int(y0 + (y1 - y0) * t)
                if 0 <= cx < self.width and 0 <= cy < self.height and not self.taken[cy][cx]:
                    cells[(cx, cy)] = 0
            return Stroke(tuple(cells), tuple(cells.values()), char)
        px0, py0, px1, py1 = x0 * 2, y0 * 4, x1 * 2, y1 * 4
        steps = int(max(abs(px1 - px0), abs(py1 - py0))) + 1
        for s in range(steps + 1):
            t = s / steps
            px, py = int(px0 + (px1 - px0) * t), int(py0 + (py1 - py0) * t)
            cell = (px // 2, py // 4)
            if not (0 <= cell[0] < self.width and 0 <= cell[1] < self.height) or self.taken[cell[1]][cell[0]]:
                continue
            cells[cell] = cells.get(cell, 0) | BRAILLE_BITS[py % 4][px % 2]
        return Stroke(tuple(cells), tuple(cells.values()), "")

    def paint(self, strokes: list[tuple[int, int, Stroke, Style, object]], dots: dict[tuple[int, int], int]) -> None:
        """Draw (priority, order, stroke, style, owner) lines exactly as `line` would one after the
        other in `order`: each cell ends up with the style and owner of the last line in that order
        among those of the highest priority through it. `dots` are all the lines' dots together
        (the same whatever the styles: the caller keeps them with the strokes)."""
        dot_style, owner, chars = self.dot_style, self.owner, self.chars
        for priority, _, stroke, style, drawn_by in sorted(strokes, key=lambda item: (item[0], item[1])):
            dot_style.update(dict.fromkeys(stroke.cells, (priority, style)))
            if drawn_by is not None:
                owner.update(dict.fromkeys(stroke.cells, drawn_by))
            if self.ascii_only:
                for cx, cy in stroke.cells:
                    chars[cy][cx] = stroke.char
        if not self.ascii_only:
            if self.dots:
                for cell, bits in dots.items():
                    self.dots[cell] = self.dots.get(cell, 0) | bits
            else:
                self.dots = dict(dots)  # (a copy: `dots` is kept for the next drawing)

    def rows(self) -> list[list[Segment]]:
        """Each row as segments, consecutive cells of one style merged into one segment."""
        for (cx, cy), mask in self.dots.items():
            if not self.taken[cy][cx]:
                self.chars[cy][cx] = chr(0x2800 + mask)
        for (cx, cy), (_, style) in self.dot_style.items():
            if not self.taken[cy][cx]:
                self.styles[cy][cx] = style
        # Where a cell's style object differs from its left neighbour's, for all rows at once
        # (NumPy on the objects' ids: `is`, as the merging has always compared them).
        if self.width == 0:
            return [[] for _ in range(self.height)]
        ids = np.array([list(map(id, styles)) for styles in self.styles], dtype=np.uint64).reshape(self.height, self.width)
        starts: list[list[int]] = [[0] for _ in range(self.height)]
        ys, xs = np.nonzero(ids[:, 1:] != ids[:, :-1])
        for y, x in zip(ys.tolist(), xs.tolist(), strict=True):
            starts[y].append(x + 1)
        result = []
        for chars, styles, row_starts in zip(self.chars, self.styles, starts, strict=True):
            ends = [*row_starts[1:], self.width]
            result.append([Segment("".join(chars[a:b]), styles[a]) for a, b in zip(row_starts, ends, strict=True)])
        return result


@dataclass(frozen=True)
class Stroke:
    """The cells a line passes through (cells under a box or a caption left out), each with its
    Braille dots; for ASCII, the one character the whole line is drawn with."""

    cells: tuple[tuple[int, int], ...]
    bits: tuple[int, ...]  # each cell's Braille dots (0 for ASCII)
    char: str


Strokes = tuple[dict[tuple[int, int, int], Stroke], dict[tuple[int, int], int]]
"""Each edge's stroke, and the dots of all of them together."""

_STROKES: dict[tuple[object, ...], Strokes] = {}
"""Each diagram geometry's edge strokes (sizes, captions, pane size, ASCII): they depend on nothing
else, so a step or a frame of training redraws the diagram without tracing a line again."""
_STROKES_KEPT = 16
_PAINTED: dict[tuple[object, ...], tuple[dict[tuple[int, int], tuple[int, Style]], dict[tuple[int, int], object]]] = {}
"""What painting every edge left on a fresh canvas (each cell's priority and style, and which edge
drew it), by geometry and each edge's (priority, style) in drawing order."""
_PAINTED_KEPT = 8


@dataclass
class _Box:
    x: int
    y: int
    width: int
    height: int
    lines: list[tuple[str, Style | None]]
    title: str
    highlighted: bool
    flag: str = ""  # "dead" / "sat": the unit passes no gradient on any sample; DROPPED: dropout's mask took it out
    layer: int = 0
    unit: int = 0

    @property
    def centre_y(self) -> float:
        return self.y + self.height / 2


class NetworkDiagram:
    """Renders a DiagramState into exactly `width` × `height` cells."""

    BOX_WIDTH = 12

    def __init__(self, state: DiagramState, width: int, height: int, ascii_only: bool = False) -> None:
        self.state = state
        self.width = max(width, 20)
        self.height = max(height, 6)
        self.ascii_only = ascii_only
        self.names = Names(state.sizes)
        self.fmt = NumberFormat(state.digits)
        self.unlabelled = 0
        self.hidden_units = 0
        self.biases_hidden = False
        self.moved = False
        self.flagged: set[str] = set()
        self.dropped = False  # a unit is crossed out (the legend says what ✗ means)
        self.owner: dict[tuple[int, int], object] = {}

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for row in self.render_rows():
            yield from row
            yield Segment.line()

    def render_rows(self) -> list[list[Segment]]:
        """The diagram as rows of segments, exactly `width` cells each."""
        use_palette()
        canvas = Canvas(self.width, self.height, self.ascii_only)
        boxes = self._layout(canvas)
        self._edges(canvas, boxes)
        for column in boxes:
            for box in column:
                if box is not None:
                    self._draw_box(canvas, box)
        self._legend(canvas)
        self.owner = canvas.owner
        return canvas.rows()

    def hit(self, x: int, y: int) -> Element | None:
        """The unit, bias or weight drawn at cell (x, y) of the last rendering, if any."""
        found = self.owner.get((x, y))
        return found if isinstance(found, Element) else None

    def render_lines(self) -> list[Text]:
        """The diagram as Rich Text lines (for tests and for rendering outside Textual)."""
        lines = []
        for row in self.render_rows():
            text = Text()
            for segment in row:
                text.append(segment.text, segment.style)
            lines.append(text)
        return lines

    # --- layout -------------------------------------------------------------------------

    def _mode(self, available: int, units: int) -> tuple[int, int, int]:
        """(content lines, box height, gap) of the largest box style that fits."""
        for lines, gap in ((3, 1), (2, 1), (1, 1), (1, 0)):
            height = lines + 2
            if units * height + (units - 1) * gap <= available:
                return lines, height, gap
        return 0, 1, 0

    def _layout(self, canvas: Canvas) -> list[list[_Box | None]]:
        s = self.state
        top, available = 1, self.height - 2
        n_cols = len(s.sizes)
        box_width = self.BOX_WIDTH if self.width >= 60 else 10
        right_space = 8  # the target's column, kept even when no sample is current: no jumping layout
        span = self.width - box_width - right_space - 1
        xs = [round(1 + c * span / max(n_cols - 1, 1)) for c in range(n_cols)]
        captions = ["inputs"] + [f"hidden {s.activations[l]}" for l in range(n_cols - 2)] + [f"output {s.activations[-1]}"]
        columns: list[list[_Box | None]] = []
        for layer, n in enumerate(s.sizes):
            lines, height, gap = self._mode(available, n)
            if lines == 0:  # even one-row units do not fit: show what does, then a count
                visible = max(available - 1, 1)
                lines, height, gap = 0, 1, 0
            else:
                visible = n
            if layer > 0 and lines < 3:
                self.biases_hidden = True
            used = visible * height + (visible - 1) * gap + (1 if visible < n else 0)
            y = top + max((available - used) // 2, 0)
            column: list[_Box | None] = []
            for j in range(n):
                if j >= visible:
                    column.append(None)
                    continue
                column.append(self._box(layer, j, xs[layer], y, box_width, height, lines))
                y += height + gap
            if visible < n:
                self.hidden_units += n - visible
                canvas.text(xs[layer], y, f"+{n - visible} more", DIM)
            columns.append(column)
            room = (xs[layer + 1] - 1 if layer + 1 < n_cols else self.width) - xs[layer]  # up to the next column
            caption = captions[layer][: max(room, box_width + 2)]
            canvas.text(xs[layer], 0, caption, CAPTION)
        return columns

    def t(self, text: str) -> str:
        """Text as drawn: plain ASCII with --ascii."""
        return asciify(text) if self.ascii_only else text

    def signed(self, value: float) -> str:
        """A weight with its sign spelled out (+/−), for terminals without colour."""
        text = self.fmt(value)
        return text if text.startswith(("−", "nan")) or value == 0 else "+" + text

    def _value(self, key: Key, room: int = 99) -> str:
        value = self.state.values.get(key)
        return "·" if value is None else fitted_number(self.fmt, value, room)

    def _box(self, layer: int, j: int, x: int, y: int, width: int, height: int, lines: int) -> _Box:
        s = self.state
        output = layer == len(s.sizes) - 1
        title = self.names.unit(layer, j)
        highlighted = (layer, j) in s.nodes
        content: list[tuple[str, Style | None]] = []
        room = width - 4  # inside the box's borders, after a one-letter name and a space
        if layer == 0:
            content.append((self.t(f"x {self._value(Key('a', 0, j), room)}"), None))
            if lines:
                return _Box(x, y + (height - 3) // 2, width, 3, content, title, highlighted, "", layer, j)
        else:
            # after dropout's mask step a unit passes up ã = a·mask/(1 − p) (the log's h̃), not a = g(z)
            a_name = "ŷ" if output else "ã" if Key("mask", layer, j) in s.values else "a"
            content.append((self.t(f"{a_name} {self._value(Key('a', layer, j), room)}"), None))
            delta = s.values.get(Key("delta", layer, j))
            if s.phase in ("backward", "update") and delta is not None:
                content.append((self.t(f"δ {fitted_number(self.fmt, delta, room)}"), weight_style(delta)))
            else:
                content.append((self.t(f"z {self._value(Key('z', layer, j), room)}"), None))
            bias = s.biases[layer - 1][j]
            grad_b = s.values.get(Key("grad_b", layer - 1, j))
            if s.phase == "backward" and grad_b is not None:
                content.append((self.t(f"∂b {fitted_number(self.fmt, grad_b, room - 1, signed=True)}"), weight_style(grad_b)))
            else:
                content.append((self.t(f"b {fitted_number(self.fmt, bias, room, signed=True)}"), weight_style(bias)))
        if lines == 0:  # one row a unit (many units): a dropped one still says so, before its value
            flag = DROPPED if unit_dropped(s.values, layer, j) else ""
            self.dropped = self.dropped or bool(flag)
            return _Box(x, y, width, 1, [(f"{title}{self.t(flag)} {content[0][0]}", None)], "", highlighted, flag, layer, j)
        state = s.unit_states.get((layer, j))
        flag = {"dead": "dead", "saturated": "sat"}.get(state or "", "")
        if unit_dropped(s.values, layer, j):
            flag = DROPPED  # what the current sample sees outweighs what every sample does
            self.dropped = True
        elif flag:
            self.flagged.add(state or "")
        return _Box(x, y, width, height, content[:lines], title, highlighted, flag, layer, j)

    # --- drawing ------------------------------------------------------------------------

    def _draw_box(self, canvas: Canvas, box: _Box) -> None:
        unit = Element("unit", box.layer, box.unit)
        canvas.drawing = unit
        selected = self.state.selected
        style = SELECTED if selected == unit else (HIGHLIGHT if box.highlighted else BOX)
        dropped = box.flag == DROPPED
        if box.height == 1:
            canvas.text(box.x, box.y, box.lines[0][0][: box.width].ljust(box.width), DIM if dropped else style)
            canvas.drawing = None
            if box.layer == len(self.state.sizes) - 1:  # many outputs in one row each: the target still beside each
                self._target(canvas, box, box.unit, box.y)
            return
        if self.ascii_only:
            h, v, tl, tr, bl, br = ("=", "#", "#", "#", "#", "#") if box.highlighted else ("-", "|", "+", "+", "+", "+")
        else:
            h, v, tl, tr, bl, br = ("━", "┃", "┏", "┓", "┗", "┛") if box.highlighted else ("─", "│", "┌", "┐", "└", "┘")
        inner = box.width - 2
        title = box.title[: inner - 1]
        canvas.text(box.x, box.y, tl + title + h * (inner - len(title)) + tr, style)
        named = self.state.unit_colours.get((box.layer, box.unit))
        if named is not None and selected != unit:
            canvas.text(box.x + 1, box.y, title, named)
        if box.flag and len(title) + len(box.flag) + 1 < inner:
            canvas.text(box.x + 2 + len(title), box.y, self.t(box.flag), FLAG)
        bias = Element("bias", box.layer - 1, box.unit) if box.layer > 0 else None
        for k in range(box.height - 2):
            line, line_style = box.lines[k] if k < len(box.lines) else ("", None)
            canvas.text(box.x, box.y + 1 + k, v, style)
            if k == 2 and bias is not None:  # the bias line: clicking it selects the bias
                canvas.drawing = bias
                line_style = SELECTED if selected == bias else line_style
            canvas.text(box.x + 1, box.y + 1 + k, line[:inner].ljust(inner), DIM if dropped and k == 0 else line_style)
            canvas.drawing = unit
            canvas.text(box.x + box.width - 1, box.y + 1 + k, v, style)
        canvas.text(box.x, box.y + box.height - 1, bl + h * inner + br, style)
        canvas.drawing = None
        if box.title.startswith("out"):
            k = int(box.title[3:] or 1) - 1
            if self._target(canvas, box, k, box.y + 1):
                loss = self.state.values.get(Key("loss", 0, self.state.sample or 0))
                if loss is not None and k == 0:
                    canvas.text(box.x + box.width + 1, box.y + 2, f"L={self.fmt(loss)}", TARGET)

    def _target(self, canvas: Canvas, box: _Box, k: int, y: int) -> bool:
        """y=… right of output k's box, on row y, when a sample is current; True if drawn."""
        target = self.state.target
        if target is None or k >= len(target):
            return False
        canvas.text(box.x + box.width + 1, y, f"y={self.fmt(target[k])}", TARGET)
        return True

    def _edges(self, canvas: Canvas, columns: list[list[_Box | None]]) -> None:
        s = self.state
        for box_column in columns:  # reserve the boxes' cells before drawing any edge
            for box in box_column:
                if box is not None:
                    for row in range(box.y, box.y + box.height):
                        canvas.text(box.x, row, " " * box.width, None)
        path = selection_path(s.selected, s.sizes)
        geometry = (s.sizes, s.activations, self.width, self.height)
        strokes, dots = edge_strokes(canvas, columns, s.sizes, (*geometry, self.ascii_only))
        painted: list[tuple[int, int, Stroke, Style, object]] = []
        labels: list[tuple[_Box, _Box, str, Style, bool, Element]] = []
        for l in range(len(s.sizes) - 1):
            sources, targets = columns[l], columns[l + 1]
            gap = (targets[0].x if targets[0] else 0) - ((sources[0].x + sources[0].width) if sources[0] else 0)
            n_edges = s.sizes[l] * s.sizes[l + 1]
            label_here = gap >= 11 and n_edges <= 12
            for i, src in enumerate(sources):
                for j, dst in enumerate(targets):
                    if src is None or dst is None:
                        continue
                    weight = s.weights[l][i][j]
                    highlighted = (l, i, j) in s.edges
                    grad = s.values.get(Key("grad_w", l, j, i))
                    style = weight_style(weight, highlighted)
                    priority = 2 if highlighted else (1 if abs(weight) >= 1 else 0)
                    if not highlighted and (unit_dropped(s.values, l, i) or unit_dropped(s.values, l + 1, j)):
                        style, priority = DIM, 0  # a dropped unit's edges carry nothing for this sample
                    element = Element("weight", l, j, i)
                    if s.selected == element:
                        style, priority = SELECTED, 4
                    elif (l, i, j) in path:
                        style, priority = PATH, 3
                    painted.append((priority, len(painted), strokes[(l, i, j)], style, element))
                    if not label_here:
                        self.unlabelled += 1
                        if s.phase != "backward" or grad is None:
                            self._moved(l, i, j)  # (notes for the legend that a weight moved)
                        continue
                    name = self.names.weight(l, i, j)
                    if s.phase == "backward" and grad is not None:
                        label, label_style = self.t(f"∂{name} {self.signed(grad)}"), weight_style(grad, highlighted)
                    else:
                        label, label_style = self.t(f"{name} {self.signed(weight)}{self._moved(l, i, j)}"), style
                    if style in (SELECTED, PATH):
                        label_style = style
                    labels.append((src, dst, label, label_style, highlighted or style is SELECTED, element))
        paint_edges(canvas, painted, dots, None if self.ascii_only else geometry)
        labels.sort(key=lambda item: not item[4])  # the current step's labels get the first pick
        for src, dst, label, style, _, element in labels:
            canvas.drawing = element
            if not place_label(canvas, src, dst, label, style):
                self.unlabelled += 1
        canvas.drawing = None

    def _moved(self, l: int, i: int, j: int) -> str:
        """▲/▼ when the last update (or the last frame of training) moved this weight visibly."""
        changes = self.state.changes
        if changes is None:
            return ""
        delta = changes[l][i][j]
        if not math.isfinite(delta) or abs(delta) < 0.5 * 10.0**-self.state.digits:
            return ""
        self.moved = True
        up, down = ("^", "v") if self.ascii_only else ("▲", "▼")
        return up if delta > 0 else down

    def _legend(self, canvas: Canvas) -> None:
        parts: list[tuple[str, Style | None]] = [("+w", POSITIVE), ("  ", None), (self.t("−w"), NEGATIVE)]
        parts.append((self.t("  bold: |w| ≥ 1"), DIM))
        if self.moved:
            parts.append(("  ▲▼ last change" if not self.ascii_only else "  ^v last change", DIM))
        if self.flagged:
            parts.append(("  dead/sat", FLAG))
            parts.append((": passes no gradient", DIM))
        if self.dropped:
            parts.append((self.t(f"  {DROPPED}"), FLAG))
            parts.append((": dropped for this sample", DIM))
        if any(key.kind == "mask" for key in self.state.values):
            parts.append((self.t("  ã = a·mask/(1 − p)"), DIM))
        notes = []
        if self.unlabelled:
            notes.append(f"{self.unlabelled} weights unlabelled (no room)")
        if self.hidden_units:
            notes.append(f"{self.hidden_units} units not drawn")
        if self.biases_hidden and not self.unlabelled:
            notes.append("biases in the log")
        if notes:
            parts.append(("  · " + "; ".join(notes), DIM))
        x = 0
        for text, style in parts:
            canvas.text(x, self.height - 1, text[: max(self.width - x, 0)], style)
            x += len(text)


# --- the edges' geometry, kept between frames -------------------------------------------


def edge_strokes(
    canvas: Canvas, columns: list[list[_Box | None]], sizes: tuple[int, ...], geometry: tuple[object, ...]
) -> Strokes:
    """Every drawn edge's stroke, traced once per geometry (the canvas holds only the boxes and
    captions yet, which is all a stroke depends on), and all their dots together."""
    cached = _STROKES.get(geometry)
    if cached is None:
        strokes: dict[tuple[int, int, int], Stroke] = {}
        dots: dict[tuple[int, int], int] = {}
        for l in range(len(sizes) - 1):
            for i, src in enumerate(columns[l]):
                for j, dst in enumerate(columns[l + 1]):
                    if src is not None and dst is not None:
                        stroke = canvas.stroke(src.x + src.width, src.centre_y, dst.x - 1, dst.centre_y)
                        strokes[(l, i, j)] = stroke
                        for cell, bits in zip(stroke.cells, stroke.bits, strict=True):
                            dots[cell] = dots.get(cell, 0) | bits
        if len(_STROKES) >= _STROKES_KEPT:
            _STROKES.pop(next(iter(_STROKES)))
        cached = _STROKES[geometry] = (strokes, dots)
    return cached


def paint_edges(
    canvas: Canvas,
    painted: list[tuple[int, int, Stroke, Style, object]],
    dots: dict[tuple[int, int], int],
    geometry: tuple[object, ...] | None,
) -> None:
    """`canvas.paint`, or its result for the same `geometry` and the same edge priorities and
    styles (a frame of training seldom changes them: a weight's sign or |w| ≥ 1). A geometry of
    None is painted afresh and not kept."""
    if geometry is None or canvas.dot_style or canvas.owner:  # (only a fresh canvas's result is kept)
        canvas.paint(painted, dots)
        return
    key = (*geometry, tuple((p, style) for p, _, _, style, _ in painted))
    cached = _PAINTED.get(key)
    if cached is None:
        canvas.paint(painted, dots)
        if len(_PAINTED) >= _PAINTED_KEPT:
            _PAINTED.pop(next(iter(_PAINTED)))
        _PAINTED[key] = (dict(canvas.dot_style), dict(canvas.owner))
        return
    canvas.dot_style, canvas.owner, canvas.dots = dict(cached[0]), dict(cached[1]), dict(dots)


def selection_path(selected: Element | None, sizes: tuple[int, ...]) -> frozenset[tuple[int, int, int]]:
    """Edges the chain rule runs through from the loss back to the selection: for a weight or
    bias into unit j of layer l+1, every edge leaving j and every edge above; for a unit, its
    incoming and outgoing edges."""
    if selected is None:
        return frozenset()
    edges: set[tuple[int, int, int]] = set()
    if selected.kind == "unit":
        layer, j = selected.layer, selected.unit
        if layer > 0:
            edges |= {(layer - 1, i, j) for i in range(sizes[layer - 1])}
        if layer + 1 < len(sizes):
            edges |= {(layer, j, k) for k in range(sizes[layer + 1])}
        return frozenset(edges)
    above = selected.layer + 1
    if above < len(sizes) - 1:
        edges |= {(above, selected.unit, k) for k in range(sizes[above + 1])}
        for m in range(above + 1, len(sizes) - 1):
            edges |= {(m, a, b) for a in range(sizes[m]) for b in range(sizes[m + 1])}
    return frozenset(edges)


def place_label(canvas: Canvas, src: _Box, dst: _Box, label: str, style: Style) -> bool:
    x0, y0 = src.x + src.width, src.centre_y
    x1, y1 = dst.x - 1, dst.centre_y
    # Nearer the source first: where two edges cross, a label at the crossing is ambiguous.
    for t in (0.28, 0.5, 0.2, 0.65, 0.38, 0.78):
        cx, cy = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
        x, y = round(cx - len(label) / 2), int(cy)
        if canvas.free(x, y, len(label)):
            canvas.text(x, y, label, style)
            return True
    return False
