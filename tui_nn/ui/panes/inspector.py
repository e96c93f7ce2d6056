"""The inspector pane: where the selected weight, bias or unit's numbers come from.

It draws a ParameterStory or UnitStory (tui_nn.engine.walk.explain) and a what-if comparison; every
number is the engine's. It takes the calculation log's place while inspecting (i), and scrolls
like it (wheel, PgUp/PgDn). While inspecting it has the focus and owns the inspecting keys (the
arrows and Tab move the selection, = z k ask what if, Esc leaves), each handed to what holds the
selection (the app, which applies a what-if through the controller).
"""

from __future__ import annotations

from typing import Protocol

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from tui_nn.engine.session.view import View
from tui_nn.engine.walk.explain import Element, ParameterStory, ParamTrail, UnitStory, WhatIf
from tui_nn.engine.walk.notation import parameter_label
from tui_nn.engine.walk.records import NumberFormat, Step
from tui_nn.engine.walk.render import Span, equation_spans, step_lines
from tui_nn.ui import theme
from tui_nn.ui.ascii import ascii_segments
from tui_nn.ui.panes.log import ScrollingLines, _text_lines, wrap_spans
from tui_nn.ui.panes.renderables import ascii_sparkline
from tui_nn.ui.shell import keymap


def heading() -> Style:
    return Style(bold=True, color=theme.SELECTION)


def muted() -> Style:
    return Style(color=theme.MUTED)


def good() -> Style:
    return Style(color=theme.SUCCESS)


def bad() -> Style:
    return Style(color=theme.ERROR, bold=True)


class Selecting(Protocol):
    """What holds the selection the inspector's keys move and change (the app)."""

    def move_selection(self, direction: str) -> None: ...
    def cycle_selection(self, step: int) -> None: ...
    def leave_inspecting(self) -> None: ...
    def what_if(self, change: str) -> None:
        """`change`: "set" (ask a value), "zero" or "knock_out"."""


class Inspector(ScrollingLines):
    """Shows one story; `show` replaces it (a new selection, a step, a frame of training)."""

    anchor_end = False
    can_focus = False  # the app lets it take the focus while inspecting, when its keys are the ones that apply
    BINDINGS = keymap.inspector_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # the app decides when inspecting keys apply (not under a dialog, a replayed run, a tiny terminal)
        return self.app.check_action(action, parameters)

    # The selection is the app's (the diagram shows it too): a key here is handed to it at once, not
    # by message, so a key typed ahead of a rebuild acts on the selection before the panes go.
    def action_select(self, direction: str) -> None:
        if self.selecting is not None:
            self.selecting.move_selection(direction)

    def action_select_cycle(self, step: int) -> None:
        if self.selecting is not None:
            self.selecting.cycle_selection(step)

    def action_leave_inspect(self) -> None:
        if self.selecting is not None:
            self.selecting.leave_inspecting()

    def action_set_value(self) -> None:
        if self.selecting is not None:
            self.selecting.what_if("set")

    def action_zero(self) -> None:
        if self.selecting is not None:
            self.selecting.what_if("zero")

    def action_knock_out(self) -> None:
        if self.selecting is not None:
            self.selecting.what_if("knock_out")

    def __init__(
        self, fmt: NumberFormat, ascii_only: bool = False, selecting: Selecting | None = None, **kwargs: str | None
    ) -> None:
        super().__init__(**kwargs)
        self.selecting = selecting  # what the inspecting keys act on (None: they do nothing)
        self.ascii_only = ascii_only
        self.fmt = fmt
        self.border_title = "inspector"
        self.story: ParameterStory | UnitStory | None = None
        self.comparison: tuple[str, WhatIf, list[str]] | None = None
        self._drawn: tuple[object, ...] = ()
        self._lines: list[Strip] = []
        self._live: tuple[Element, View, ParamTrail] | None = None

    def show(self, story: ParameterStory | UnitStory | None, comparison: tuple[str, WhatIf, list[str]] | None = None) -> None:
        """`comparison`: (what changed, before/after numbers, sample labels) of the last what-if."""
        self._live = None
        if story is not self.story or comparison is not self.comparison:
            if self.story is None or story is None or story.element != self.story.element:
                self.scrolled = 0
            self.story, self.comparison = story, comparison
            self.refresh()

    def show_training(self, selection: Element, view: View, trail: ParamTrail) -> None:
        """While training: the selection's value in this frame and its history; the derivation
        (which needs the engine) comes back when training pauses."""
        key = (selection, view.epoch)
        if key == getattr(self, "_training_key", None):
            return
        self._training_key = key
        self.story, self.comparison = None, None
        self._live = (selection, view, trail)
        self.refresh()

    def summary(self) -> str:
        """One line for the status bar about the selection."""
        story = self.story
        if isinstance(story, ParameterStory):
            return (
                f"{story.label} = {self.fmt(story.value)} · ḡ this pass {self.fmt(story.update.equations[0].value)}"
                f" · after the update {self.fmt(story.after)}"
            )
        if isinstance(story, UnitStory):
            state = f" · {story.state}" if story.state else ""
            return f"{story.label} ({story.activation}){state}"
        return ""

    def lines(self) -> list[Strip]:
        width = max(self.content_size.width, 10)
        key = (self.story, self.comparison, width, self._live)
        if key != self._drawn:
            self._drawn = key
            rows = self.draw(width)
            self._lines = [Strip(ascii_segments(row) if self.ascii_only else row) for row in rows]
        return self._lines

    # --- drawing -------------------------------------------------------------------------

    def draw(self, width: int) -> list[list[Segment]]:
        rows: list[list[Segment]] = []
        if self.comparison is not None:
            rows += self._what_if(width)
        if self._live is not None:
            rows += self._training(width)
        elif isinstance(self.story, ParameterStory):
            rows += self._parameter(self.story, width)
        elif isinstance(self.story, UnitStory):
            rows += self._unit(self.story, width)
        else:
            rows += _text_lines(
                Text("Select a unit, weight or bias: arrows move, Tab cycles, or click the diagram.", muted()), width
            )
        return rows

    def _text(self, text: str, style: Style | str = "", width: int = 80) -> list[list[Segment]]:
        return _text_lines(Text(text, style), width)

    def _step_rows(self, step: Step, width: int, indent: str = "  ") -> list[list[Segment]]:
        colour = theme.PHASE_COLOURS.get(step.phase, "")
        styles = {role: Style.parse(f"{extra} {colour}".strip()) for role, extra in theme.LOG_ROLE_STYLES.items()}
        styles["note"] = Style.parse(theme.LOG_ROLE_STYLES["note"])
        rows: list[list[Segment]] = []
        for line in step_lines(step, self.fmt):
            spans = [s for s in line if s.role != "header"]
            if not spans:
                continue
            if spans[0].role == "label":
                spans = [Span(indent, "label"), *spans[1:]]
            rows += wrap_spans(spans, width, styles)
        return rows

    def _parameter(self, story: ParameterStory, width: int) -> list[list[Segment]]:
        fmt = self.fmt
        kind = "bias" if story.element.kind == "bias" else "weight"
        name = story.label.split(" ")[0]
        rows = self._text(f"{story.label} = {fmt(story.value)}   ({kind})", heading(), width)
        shown = f"the first {len(story.samples)} samples" if story.sample_count > len(story.samples) else "each sample"
        for words in story.words:  # the plain sentences the log puts under these steps
            rows += self._text(words, theme.LOG_ROLE_STYLES["note"], width)
        rows += self._text(f"∂L/∂{name} for {shown} of this pass: the chain rule, from the loss down", muted(), width)
        for chain in story.samples:
            x = ", ".join(fmt(float(v)) for v in chain.x)
            y = ", ".join(fmt(float(v)) for v in chain.y)
            rows += self._text(
                f" sample {chain.sample + 1} · x = ({x}) · y = {y}: ∂L/∂{name} = {fmt(chain.gradient)}", "bold", width
            )
            for step in chain.steps:
                rows += self._step_rows(step, width, "   ")
            if chain.saturated is not None:
                rows += self._text("   " + chain.saturated, theme.LOG_ROLE_STYLES["note"], width)
            if chain.dropped is not None:
                rows += self._text("   " + chain.dropped, theme.LOG_ROLE_STYLES["note"], width)
            if chain.product is not None:
                styles = {role: Style.parse(extra) for role, extra in theme.LOG_ROLE_STYLES.items()}
                rows += wrap_spans([Span("   ", "label"), *equation_spans(chain.product, fmt)], width, styles)
        rows += self._text("the batch mean and the update:", muted(), width)
        rows += self._step_rows(story.update, width, "  ")
        rows += self._text(f"after the update: {fmt(story.after)}", "bold green", width)
        check = story.check
        verdict = story.kink_verdict if check.kink else ("✓ agrees" if check.relative_error < 1e-6 else "✗ disagrees")
        rows += self._text(
            f"numerical check: (L(θ+ε) − L(θ−ε))/2ε = {_e(check.numerical)} · analytic {story.analytic_name} = {_e(check.analytic)} · "
            f"relative error {check.relative_error:.1e} {verdict}",
            good() if check.relative_error < 1e-6 and not check.kink else muted(),
            width,
        )
        if len(story.trail) > 1:
            values = [v for _, v in story.trail]
            (first_epoch, first), (last_epoch, last) = story.trail[0], story.trail[-1]
            spark = ascii_sparkline(values, max(min(width - 40, 60), 8)).plain
            rows += self._text(
                f"history: {fmt(first)} at epoch {first_epoch} → {fmt(last)} at epoch {last_epoch}", muted(), width
            )
            rows += [[Segment("  " + spark, Style(color=theme.SELECTION))]]
        return rows

    def _unit(self, story: UnitStory, width: int) -> list[list[Segment]]:
        fmt = self.fmt
        rows = self._text(f"{story.label}   ({story.activation})", heading(), width)
        state = f"{story.state}: " if story.state else ""
        rows += self._text(f"{state}{story.meaning}", bad() if story.state else muted(), width)
        if story.element.layer > 0:
            slope = "g'(z)"
            header = f"  {'sample':>6} {'z':>10} {'a':>10} {slope:>10} {'δ':>10}"
            rows += self._text(header, "bold", width)
            for r in story.rows:
                rows += self._text(
                    f"  {r.sample + 1:>6} {fmt(r.z):>10} {fmt(r.a):>10} {fmt(r.slope):>10} {fmt(r.delta):>10}", "", width
                )
        else:
            rows += self._text("  " + "  ".join(f"sample {r.sample + 1}: {fmt(r.a)}" for r in story.rows), "", width)
        if story.bias is not None:
            rows += self._text(f"bias {fmt(story.bias)}", muted(), width)
        if story.incoming:
            rows += self._text("in:  " + "  ".join(f"{name} {fmt(v)}" for name, v in story.incoming), muted(), width)
        if story.outgoing:
            rows += self._text("out: " + "  ".join(f"{name} {fmt(v)}" for name, v in story.outgoing), muted(), width)
        return rows

    def _training(self, width: int) -> list[list[Segment]]:
        assert self._live is not None
        selection, view, trail = self._live
        net = view.net
        rows: list[list[Segment]] = []
        if selection.kind == "unit":
            rows += self._text(f"unit {selection.layer}.{selection.unit + 1} while training", heading(), width)
        else:
            index = selection.parameter_index(net)
            label = parameter_label(net, index)
            rows += self._text(
                f"{label} = {self.fmt(float(view.snapshot.params[index]))} at epoch {view.epoch}", heading(), width
            )
            values = [v for _, v in trail.values(index)]
            if len(values) > 1:
                rows += [
                    [Segment("  " + ascii_sparkline(values, max(min(width - 4, 60), 8)).plain, Style(color=theme.SELECTION))]
                ]
        rows += self._text("training live: the chain rule for each sample comes back when training pauses (T)", muted(), width)
        return rows

    def _what_if(self, width: int) -> list[list[Segment]]:
        assert self.comparison is not None
        what, c, labels = self.comparison
        fmt = self.fmt
        rows = self._text(f"what if: {what}", heading(), width)
        rows += self._text(f"  loss {fmt(c.loss_before)} → {fmt(c.loss_after)}", "bold", width)
        for line, worse in c.sample_lines(labels, fmt):
            rows += self._text(f"  {line}", bad() if worse else "", width)
        rows += [[Segment("")]]
        return rows


def _e(value: float) -> str:
    """Seven significant digits in scientific notation, with the real minus sign the log uses."""
    return f"{value:.6e}".replace("-", "−")
