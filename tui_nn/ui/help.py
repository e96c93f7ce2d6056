"""The help screen: what each pane shows, each key does, and what the notation means."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# tui-nn — help

Watch the network learn one arithmetic step at a time. Every number on screen
comes from the engine's own computation.

## Panes
- **network** — inputs, hidden units and the output as boxes; each shows its
  activation *a* (ŷ for the output), its pre-activation *z* and its bias *b*.
  Edges are coloured by the weight's sign (blue +, orange −) and drawn bold
  when |w| ≥ 1; each is labelled with its weight where there is room.
  The units and edges of the current step are highlighted. During the
  backward pass units show δ and edges show ∂L/∂w as they are computed.
- **calculation details** — each step: the formula, the same formula with
  the numbers put in, and the result. Forward in cyan, loss in magenta,
  backward in yellow, update in green. Stepping back removes the lines.
- **truth table** — each sample: inputs, target y, prediction ŷ, class
  (ŷ > 0.5) and ✓/✗. The current sample is highlighted; ◆ marks a pinned one.
- **loss** — loss per epoch on a log scale, with the first, current and best
  loss and the accuracy.
- **status** — epoch, phase, step i/n of this pass, loss, accuracy, gradient
  norm, learning rate η, optimizer; then messages and diagnoses in plain words.
- **decision boundary** (v) — the network's ŷ over the input plane: orange for
  class 0, blue for class 1, pale near 0.5, the ŷ = 0.5 contour in white, the
  samples on top (● right, ✕ wrong).
- **hidden space** (v again) — where each sample lands in the last hidden layer,
  with the output's decision line: after training, XOR's four points fall on
  the right sides of one straight line. With more than two hidden units, their
  two principal directions are shown.

## Keys
| key | does |
|---|---|
| → or space | next micro-step, whatever the phase |
| ← | step back one micro-step (undo); after live training, undoes the run |
| f / b | next forward / backward micro-step |
| F / B | finish the current forward / backward pass |
| e | finish the epoch (apply the update) |
| t or T | start / stop live training |
| 1–9, ↑ / ↓ | pin a sample (walk and train on it alone); 0 = whole batch |
| + / - | learning rate ×2 / ÷2 |
| v | next view: network, decision boundary, hidden space (all three from 160×45) |
| c | settings: data set, layers, activation, loss, init, seed, optimizer, η, batch |
| r | reset to epoch 0 (same seed) |
| s | save the network as JSON |
| ? | this help |
| q | quit |

## Notation
- **w₁₂** (written w12): the weight from unit 1 of the layer below to unit 2
  of the layer above — entry W[1][2] of the n_in×n_out matrix, so z = a·W + b.
  The next layer's weights are v, then u; biases b, c, … and b_out.
- **z** = Σᵢ aᵢ·wᵢⱼ + bⱼ, **a** = g(z); σ(z) = 1/(1+e^−z), σ' = σ(1−σ).
- **L** — the loss: binary cross-entropy −[y ln ŷ + (1−y) ln(1−ŷ)], or
  ½(ŷ−y)² for MSE. The loss of an epoch is the mean over its samples.
- **δ** = ∂L/∂z, the error signal of a unit. At a sigmoid output with
  cross-entropy δ = ŷ − y; lower down δ = (Σ δ_above·w)·g'(z).
- **∂L/∂w** = δ·a_below — a weight fed by a zero input gets no gradient.
- **η** — the learning rate; the update is w ← w − η·ḡ, where ḡ is the mean
  of ∂L/∂w over the batch (momentum and Adam show their own rules).

Press **Escape**, **?** or **q** to close.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "close", id="help-close"),
        Binding("question_mark", "close", "close", show=False),
        Binding("q", "close", "close", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Markdown(HELP)

    def action_close(self) -> None:
        self.dismiss(None)
