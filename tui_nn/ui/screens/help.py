"""The help screen: it opens with the keys a learner needs first and one line on what the panes
are, then every key grouped by task (from the key table), each pane in detail, the notation (from
the notation table) and the constants the engine uses (from the engine's own modules)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from tui_nn.engine.walk.notation import GLOSSARY
from tui_nn.engine.walk.words import conventions
from tui_nn.ui.screens.screen_size import SettlesAtTerminalSize
from tui_nn.ui.shell import keymap

START = """\
# tui-nn — help

## Start here
"""

SCREEN = """\
The **network** (top) shows every unit's value and weight; the **calculation details**
(left) write each step's formula, its numbers and its result; the **truth table** and the
**loss** (right) show how the predictions do. Every number on screen comes from the
engine's own computation.
"""

PANES = """\
## Panes
- **network** — inputs, hidden units and the output as boxes; each shows its
  activation *a* (ŷ for the output), its pre-activation *z* and its bias *b*.
  Edges are coloured by the weight's sign (blue +, orange −, and labelled with
  the sign) and drawn bold when |w| ≥ 1; each is labelled with its weight where
  there is room, with ▲/▼ when the last update moved it. The units and edges of
  the step just taken are bold white with a heavy border. During the backward
  pass units show δ and edges show ∂L/∂w as they are computed. A unit marked
  *dead* (a ReLU with z ≤ 0 for every sample) or *sat* (a sigmoid or tanh with
  slope below 0.01 for every sample) passes no gradient. While inspecting (i),
  the selection and its chain-rule path are lime green.
- **calculation details** — each step: the formula, the same formula with
  the numbers put in, and the result. Forward in cyan, loss in pink, backward
  in yellow, update in green; ▶ marks the step just taken. Stepping back
  removes the lines. The wheel, PgUp and PgDn scroll it; End returns to the
  newest line. With a lesson open, PgUp and PgDn scroll the lesson's page
  (its scroll bar shows when the page is longer than the pane); while
  inspecting, the inspector.
- **truth table** — each sample: inputs, target y, prediction ŷ, class
  (ŷ > 0.5) and ✓/✗; y and the class in the class's colour (purple 0, teal 1).
  The current sample is highlighted; ◆ marks a pinned one; a click pins a row.
- **loss** — loss per epoch (pink) on a labelled log axis, the epochs along the
  bottom, marks where η changed or a weight was edited; the mouse (or hovering)
  reads off the epoch and loss under it.
- **status** — epoch, phase, step i/n of this pass, loss, accuracy, gradient
  norm, learning rate η, optimizer; while training, the pace and the measured
  epochs a second; then messages and diagnoses in plain words.
- **decision boundary** (v) — the network's ŷ over the input plane: purple for
  class 0, teal for class 1, pale near 0.5, the ŷ = 0.5 contour in white, the
  samples on top (● right, ✕ wrong); both axes at one scale, with tick values.
- **hidden space** (v again) — where each sample lands in the last hidden layer,
  with the output's decision line: after training, XOR's four points fall on
  the right sides of one straight line. With more than two hidden units, their
  two principal directions are shown.
- **loss landscape** (l, or v a third time) — the loss over two parameters
  around the current weights (the two with the largest gradient, or the last
  two selected in the inspector: select one, then another), dark purple low to
  yellow high, with contour lines: ● the weights now, → the downhill direction
  −∇L, ✕ where the next update η·ḡ lands, drawn to scale (an η that overshoots
  the valley lands uphill, before it is taken), and the path training took. d
  turns it to the plane of the path's top two principal directions (PCA), with
  the share of the path's variance it holds. The loss painted includes L2 and
  leaves dropout off (the words under it say so). From 160×45 l makes it the
  large pane beside the network; l or v gives all four views back.
- **optimizer race** (R) — SGD, SGD at 4η, momentum and Adam from these
  weights, their paths on one landscape and their losses on one chart, each in
  its colour; T runs or pauses, → steps, [ ] pace, Esc returns.
- **three to six classes** — one output per class. The truth table lists each
  sample's probabilities p0…pK−1 and the class with the largest (bold in its
  colour); the boundary and the hidden space paint each class in its own
  Okabe–Ito colour (colour-blind-safe), paler where the network is less sure,
  with a legend; with --ascii each class has a glyph and a point letter.
- **regression** (sine, saddle, a CSV of real targets) — a linear output and
  ½·MSE or MAE. With one input, v shows the fit: the data (•), the network's
  curve ŷ(x) bold, and beneath it each last hidden unit's share vᵢ·hᵢ(x) as a
  faint curve in that unit's colour (the diagram names the unit in the same
  colour) and the output bias b as a grey line: ŷ is their sum. ◆ marks the
  current sample; a click on a point pins it. With two inputs, v paints the
  surface ŷ(x₁, x₂) on a diverging scale about the targets' mean (pale: the
  mean, what a network that learned nothing predicts), each point in its
  target's colour. The table shows x, y, ŷ and the error ŷ − y (or R², the
  mean and the largest error for many points), the status R² = 1 − Σ(ŷ − y)²/
  Σ(y − ȳ)² where accuracy would be, and the loss axis is named ½·MSE
  (½·mean (ŷ − y)², half PyTorch's nn.MSELoss) or MAE.
"""


def _key_table(rows: list[tuple[str, str]]) -> list[str]:
    return ["| key | does |", "|---|---|", *(f"| {key} | {does} |" for key, does in rows)]


def help_markdown() -> str:
    """The first keys and what the panes are, then every key grouped by task, the panes in detail,
    the notation and the conventions."""
    first = [START, *(f"- **{key}** — {does}" for key, does in keymap.first_rows()), "", SCREEN]
    keys = ["## Keys by task"]
    for task, rows in keymap.task_rows():
        keys += ["", f"### {task}", *_key_table(rows)]
    notation = ["## Notation", "| symbol | means |", "|---|---|", *(f"| {sym} | {means} |" for sym, means in GLOSSARY)]
    return "\n".join(
        [*first, *keys, "", PANES, *notation, "", conventions(), "**Escape** or **?** closes this help; **q** quits tui-nn."]
    )


class HelpScreen(SettlesAtTerminalSize, ModalScreen[None]):
    """Escape (or ?) closes the help; q quits the app, as it does on the main screen."""

    BINDINGS = [
        Binding("escape", "close", "close", id="help-close"),
        Binding("question_mark", "close", "close", show=False),
        Binding("q", "app.quit", "quit", show=False),
    ]

    def compose(self) -> ComposeResult:
        text = help_markdown()
        if getattr(self.app, "ascii_only", False):
            from tui_nn.ui.ascii import asciify

            text = asciify(text)
        with VerticalScroll(id="help-body"):
            yield Markdown(text)

    def action_close(self) -> None:
        self.dispatch_close()

    def dispatch_close(self) -> None:
        self.dismiss(None)
