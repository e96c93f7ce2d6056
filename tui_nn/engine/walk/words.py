"""Words for every step: one plain sentence saying what a record computes and why it matters,
and a quick-reference card of the formulas a network uses.

A sentence is made from the record and the network alone (its shape names the units and
weights, its activations and loss decide what is true), so it is the same wherever the record
is shown: under the step in the log, in the quiz's reveal, in the inspector. Every claim is
checked against the activation it is made for: "at most 0.25" only for the sigmoid's slope,
"gives 0 for a negative z" only for ReLU.
"""

from __future__ import annotations

from collections.abc import Iterable

from tui_nn.engine.nn.activations import ACTIVATIONS, LEAKY_SLOPE, Activation
from tui_nn.engine.nn.losses import LOSS_KINDS
from tui_nn.engine.nn.network import Network
from tui_nn.engine.nn.optimizers import OPTIMIZER_KINDS, Optimizer
from tui_nn.engine.session.logbook import Entry
from tui_nn.engine.walk import notation as n
from tui_nn.engine.walk.expr import Sym
from tui_nn.engine.walk.narrate import zero_input_note
from tui_nn.engine.walk.records import Step

LISTED_TERMS = 3  # products written out in a sentence before "+ …"


def _terms(products: list[str]) -> str:
    """'x1·w11 + x2·w21', or the first few and the last: 'h1·v1 + h2·v2 + … + h16·v16'."""
    if len(products) <= LISTED_TERMS + 1:
        return " + ".join(products)
    return " + ".join(products[:LISTED_TERMS]) + " + … + " + products[-1]


def _names_list(names: list[str]) -> str:
    """'v1', 'u11 and u12', 'u11, u12 and u13', or the first few and the last for long lists."""
    if len(names) > LISTED_TERMS + 1:
        names = [*names[:LISTED_TERMS], "…", names[-1]]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def optimizer_of(step: Step) -> Optimizer:
    """The optimizer whose update an update record writes, read from the quantities it changes (M, S …)."""
    changed = {eq.lhs for eq in step.equations}
    fitting = (rule for rule in OPTIMIZER_KINDS.values() if rule.state_symbols <= changed)
    return max(fitting, key=lambda rule: len(rule.state_symbols))


def _batch_of_one(step: Step) -> bool:
    """An update record's ḡ is one sample's gradient (its mean equation has no sum)."""
    return isinstance(step.equations[0].forms[0], Sym)


class _Words:
    def __init__(self, net: Network) -> None:
        self.net = net
        self.names = n.Names(net.sizes)
        self.top = net.n_layers  # the output's unit layer

    def unit(self, layer: int, j: int) -> str:
        return self.names.unit(layer, j)

    def value(self, layer: int, j: int) -> str:
        return self.names.activation_value(layer, j)

    def incoming(self, layer: int, j: int) -> str:
        """x1·w11 + x2·w21: the products that reach unit j of unit layer `layer`."""
        below = layer - 1
        return _terms([f"{self.value(below, i)}·{self.names.weight(below, i, j)}" for i in range(self.net.sizes[below])])

    def outgoing(self, layer: int, i: int) -> list[str]:
        """The weights leaving unit i of unit layer `layer` (a hidden layer)."""
        return [self.names.weight(layer, i, j) for j in range(self.net.sizes[layer + 1])]

    def activation(self, layer: int) -> Activation:
        """The activation of unit layer `layer` (1 … top)."""
        return self.net.activation(layer - 1)

    # --- forward -----------------------------------------------------------------------

    def z(self, layer: int, j: int) -> str:
        unit = self.unit(layer, j)
        bias = self.names.bias(layer - 1, j)
        reach = f"{self.incoming(layer, j)}, plus the bias {bias}"
        if layer == self.top and self.net.one_of_k:
            lines = (
                "; with no hidden layer each z is a straight-line function of the inputs, so the boundary between two "
                "classes, where their z's are equal, is a straight line across the input plane"
                if self.net.n_layers == 1
                else ""
            )
            return (
                f"z of {unit} adds up what reaches it ({reach}): the network's score for class {j}, a raw number of "
                f"any size (a logit) that the softmax will turn into a probability; the largest z will be the predicted "
                f"class{lines}."
            )
        if layer < self.top:
            return (
                f"z of {unit} adds up everything that reaches {unit}: each value below times the weight on its edge "
                f"({reach}); the weights decide how much each input counts, the bias shifts the sum."
            )
        if self.net.regression:
            shape = (
                "with no hidden layer it is a straight-line function of the inputs (linear regression)"
                if self.net.n_layers == 1
                else "over every input, the fitted curve is this weighted sum of the hidden units' shapes plus the bias"
            )
            return (
                f"z of {unit} adds up what reaches the output ({reach}): a linear output passes it on unchanged, so this "
                f"sum is the predicted value ŷ itself; {shape}."
            )
        if self.net.n_layers == 1:
            return (
                f"z of {unit} adds up the inputs, each times its weight ({reach}); with no hidden layer z is a straight-line "
                "function of the inputs, so the boundary where z = 0 (ŷ = 0.5) is one straight line across the input plane."
            )
        which = "class 1 (ŷ > 0.5)" if self.net.sizes[-1] == 1 else f"a high {self.value(layer, j)}"
        return (
            f"z of {unit} adds up what reaches the output ({reach}): the network's score for this sample before "
            f"the sigmoid, where a positive z will mean {which} and a negative one the opposite."
        )

    def a(self, layer: int, j: int) -> str:
        unit = self.unit(layer, j)
        if layer == self.top and self.net.one_of_k:
            return (
                f"p{j + 1} = e{j + 1}/Σe is the probability the network gives class {j} ({unit}'s value "
                f"{self.value(layer, j)}): each exponential's share of their sum, so the K probabilities are positive and add "
                "up to 1, and the predicted class is the one with the largest p."
            )
        if layer == self.top and self.net.regression:
            return (
                f"{self.value(layer, j)} = z: a linear output, ŷ is the sum itself, no squashing, because a target can be "
                "any number (a sigmoid would keep every prediction between 0 and 1); its slope is 1, so nothing of the "
                "error is lost on the way back."
            )
        if layer == self.top:
            value = self.value(layer, j)
            return (
                f"{value} = σ(z) turns the output's sum into a probability between 0 and 1 that this sample is class 1; "
                f"the network predicts class 1 when {value} > 0.5, which is when z > 0."
            )
        return self.activation(layer).a_sentence(unit)

    # --- a softmax output, after its z's ------------------------------------------------

    def largest_logit(self) -> str:
        return (
            "z_max = the largest of the output's z's, subtracted from every z before exponentiating: e^z overflows "
            "float64 for z ≳ 710 (e^1000 is inf, and inf/inf is NaN), while subtracting the same number from every z "
            "leaves the softmax unchanged, since e^(z_k − z_max) = e^z_k·e^(−z_max) and the factor e^(−z_max) cancels "
            "between each exponential and their sum."
        )

    def exp(self, k: int) -> str:
        return (
            f"e{k + 1} = e^(z{k + 1} − z_max) makes {self.unit(self.top, k)}'s score positive: the exponential grows with z, "
            "so a higher score gets a larger share; the exponent is ≤ 0, so the result lies between 0 and 1 (exactly 1 for "
            "the largest z) and never overflows."
        )

    def exp_sum(self) -> str:
        return (
            "Σe adds up the K exponentials: the total each probability is a share of. It is at least 1 (the largest z "
            "contributes e^0 = 1), so dividing by it is always safe."
        )

    # --- loss --------------------------------------------------------------------------

    def loss(self) -> str:
        summed = " (summed over the output units)" if self.net.sizes[-1] > 1 else ""
        return self.net.loss_kind.sentence(summed)

    def batch_loss(self, step: Step) -> str:
        m = step.header.batch_size if step.header is not None else None
        count = f"the {m} samples'" if m else "the batch's samples'"
        if self.net.l2:
            data = "the sample's own loss" if m == 1 else f"L_data = (1/m)·Σₛ Lₛ, the mean of {count} losses,"
            return (
                f"With weight decay the loss the update lowers is L = L_data + (λ/2)·Σw²: {data} plus a penalty that "
                "grows with the squared weights, so the update also pulls every weight towards 0. The biases are left "
                "out: they only shift where a unit switches on, and large ones do not make the fit any wilder."
            )
        return (
            f"The batch's loss L = (1/m)·Σₛ Lₛ is the mean of {count} losses: the one number the update is about to lower, "
            "each parameter by its share of the blame."
        )

    # --- backward ----------------------------------------------------------------------

    def output_delta(self, j: int) -> str:
        said = self.net.loss_kind.delta_sentence(self.unit(self.top, j))
        if self.net.one_of_k:
            said += (
                " That is why PyTorch's CrossEntropyLoss takes the raw z's and combines the softmax with the loss: "
                "together their derivative is this plain p − y."
            )
        return said

    def grad_w(self, layer: int, i: int, j: int, zero_input: bool = False) -> str:
        weight = self.names.weight(layer, i, j)
        source = self.value(layer, i)
        target = self.unit(layer + 1, j)
        delta = self.names.delta(layer + 1, j)
        head = (
            f"∂L/∂{weight} = {delta}·{source}: how much this sample's loss changes per unit change of {weight}, the error "
            f"at {target} times the value {source} that {weight} carries into it"
        )
        if zero_input:
            return f"{head}; {source} is 0 here, so {weight} has no effect on this sample and gets no gradient from it."
        return f"{head}; when {source} is 0 the weight has no effect on this sample, so a zero input gets no gradient."

    def grad_b(self, layer: int, j: int) -> str:
        bias = self.names.bias(layer, j)
        unit = self.unit(layer + 1, j)
        return (
            f"∂L/∂{bias} = {self.names.delta(layer + 1, j)}: the bias adds 1·{bias} to {unit}'s sum, so its gradient is "
            f"{unit}'s δ itself, like a weight on an input that is always 1."
        )

    def grad_a(self, layer: int, i: int) -> str:
        unit = self.unit(layer, i)
        weights = self.outgoing(layer, i)
        deltas = [f"{self.names.delta(layer + 1, j)}·{w}" for j, w in enumerate(weights)]
        if len(weights) == 1:
            sent = f"the δ of {self.unit(layer + 1, 0)} sent back along {weights[0]}, the weight that carries {unit} up to it"
        else:
            sent = (
                f"each δ of the layer above sent back along the weight that carries {unit} up to it "
                f"({_names_list(weights)}), added up over every unit {unit} feeds"
            )
        return f"∂L/∂{self.value(layer, i)} = {_terms(deltas)}: how much the loss would change if {unit}'s value changed, {sent}."

    def hidden_delta(self, layer: int, i: int) -> str:
        unit = self.unit(layer, i)
        act = self.activation(layer)
        slope = act.derivative_symbol.text
        head = (
            f"δ of {unit} = ∂L/∂{self.value(layer, i)}·{slope}: how much the loss would change if {unit}'s weighted sum "
            f"changed, the error sent back along {_names_list(self.outgoing(layer, i))} scaled by the slope of the "
            f"{act.title} at {unit}"
        )
        sentence = act.slope_sentence(head, slope, self.value(layer, i))
        if self.net.dropout:
            sentence += (
                f" Dropout: it is also multiplied by {unit}'s mask/(1 − p), the same factor its value was, so a "
                f"dropped {unit} sends back nothing and a kept one ×1/(1 − p)."
            )
        return sentence

    def mask(self, layer: int) -> str:
        p = self.net.dropout
        units = self.names.unit(layer, 0) if self.net.sizes[layer] == 1 else "each unit of this layer"
        return (
            f"Dropout (p = {p:g}): in training, {units} is dropped for this sample with probability p (its value "
            "becomes 0), so no unit can rely on any one other being there; the kept ones are multiplied by "
            f"1/(1 − p) = {1 / (1 - p):.4g}, so the expected value of h̃ is h, what evaluation, which drops "
            "nothing, computes."
        )

    # --- update ------------------------------------------------------------------------

    def update(self, step: Step) -> str:
        theta = step.label
        if _batch_of_one(step):
            mean = f"ḡ = ∂L/∂{theta}, this one sample's gradient (a batch of one)"
        else:
            mean = f"ḡ = (1/m)·Σₛ ∂L/∂{theta} averages the samples' gradients of {theta}"
        mean += (
            f": a positive ḡ means that raising {theta} would raise the batch's loss, so the update moves {theta} down, "
            "and a negative one moves it up."
        )
        rule = optimizer_of(step).sentence(theta)
        if self.net.l2 and step.kind == "update_w":
            rule += (
                f" Weight decay adds λ·{theta} to ḡ, the gradient of (λ/2)·{theta}²: it pulls {theta} towards 0 in "
                "proportion to its size (a bias's update has no such term)."
            )
        return f"{mean} {rule}"

    def sentence(self, step: Step) -> str:
        kind = step.kind
        if kind in ("z", "a", "delta", "grad_a"):
            assert step.layer is not None and step.unit is not None
            if kind == "z":
                return self.z(step.layer, step.unit)
            if kind == "a":
                return self.a(step.layer, step.unit)
            if kind == "grad_a":
                return self.grad_a(step.layer, step.unit)
            if step.layer == self.top:
                return self.output_delta(step.unit)
            return self.hidden_delta(step.layer, step.unit)
        if kind == "grad_w":
            (layer, i, j) = step.edges[0]
            return self.grad_w(layer, i, j, zero_input=step.note == zero_input_note(self.value(layer, i)))
        if kind == "grad_b":
            assert step.layer is not None and step.unit is not None
            return self.grad_b(step.layer, step.unit)
        if kind == "mask":
            assert step.layer is not None
            return self.mask(step.layer)
        if kind == "max":
            return self.largest_logit()
        if kind == "exp":
            assert step.unit is not None
            return self.exp(step.unit)
        if kind == "sum":
            return self.exp_sum()
        if kind == "loss":
            return self.loss()
        if kind == "batch_loss":
            return self.batch_loss(step)
        return self.update(step)


def sentence(step: Step, net: Network) -> str:
    """One plain sentence (two for an update: the batch mean, then the optimizer's rule) saying
    what `step` computes and why it matters, with this network's unit and weight names."""
    return _Words(net).sentence(step)


# --- which sentences are said ------------------------------------------------------------------


def sentence_kind(step: Step) -> tuple[str, bool]:
    """What makes two steps' sentences the same sentence with other names: the step's kind, and
    whether it is about the output unit (an output's z, a and δ are explained differently from a
    hidden unit's; every weight's gradient alike; a weight's update and a bias's say the same)."""
    kind = "update" if step.kind in ("update_w", "update_b") else step.kind
    return (kind, step.kind in ("z", "a", "delta") and step.label.startswith("out"))


class Telling:
    """Decides which sentences the log says: each kind's sentence the first time it comes up in a
    pass (the work between two updates), so the formula lines are not buried under the same
    paragraph for every weight and every sample. A pass ends with its update: the first step
    after an update's steps, or of another epoch, starts the next one.

    The same decision serves the app's log, its export and `trace`, so a handout carries exactly
    the sentences that were on screen.
    """

    def __init__(self) -> None:
        self._said: set[tuple[str, bool]] = set()
        self._last: Step | None = None

    def new_pass(self) -> None:
        self._said.clear()
        self._last = None

    def say(self, step: Step, sentence: str) -> str:
        """The sentence to say under `step` (its full `sentence`, or "" when this pass has said it)."""
        last = self._last
        if last is not None and (last.epoch != step.epoch or (last.phase == "update" and step.phase != "update")):
            self._said.clear()
        self._last = step
        kind = sentence_kind(step)
        if not sentence or kind in self._said:
            return ""
        self._said.add(kind)
        return sentence


def said(entries: Iterable[Entry]) -> list[str]:
    """For each entry of a log, the sentence said under it ("" for none, and for anything not a
    step). A training run between steps starts a new pass."""
    telling = Telling()
    out: list[str] = []
    for entry in entries:
        if entry.kind == "step" and entry.step is not None:
            out.append(telling.say(entry.step, entry.text))
        else:
            if entry.kind == "run":
                telling.new_pass()
            out.append("")
    return out


def kink_cause(net: Network) -> str:
    """What puts a kink within ε of a parameter of this network, as the gradient check words it: a kinked
    hidden unit switching (ReLU's z crossing 0), a prediction crossing its target (MAE's |ŷ − y|), or both."""
    causes = []
    hidden = ACTIVATIONS[net.hidden_activation]
    if hidden.kinked and net.n_layers > 1:
        causes.append(f"a {hidden.title} switches")
    if net.loss_kind.kinked:
        causes.append("a prediction ŷ crosses its target y (|ŷ − y|)")
    return " or ".join(causes) if causes else "the loss has a kink"


# --- the quick-reference card ----------------------------------------------------------------


def _row(what: str, formula: str, note: str = "") -> str:
    return f"| {what} | `{formula}` | {note} |"


def reference_card(net: Network, optimizer: str) -> str:
    """The formulas in use for this network's activations, loss and optimizer, as Markdown.

    Formulas are in code spans (no LaTeX: the app's Markdown widget shows them as written),
    with this network's names in the examples.
    """
    names = n.Names(net.sizes)
    words = _Words(net)
    top = net.n_layers
    hidden = ACTIVATIONS[net.hidden_activation]
    layers = "-".join(str(s) for s in net.sizes)
    kind = "no hidden layer" if top == 1 else f"{hidden.title} hidden units"
    output = net.activation(top - 1)
    lines = [
        f"# Formulas in use: {layers}, {kind}, {output.title} output, {net.loss_kind.title}, {OPTIMIZER_KINDS[optimizer].title}",
        "",
        "Row vectors: `z = a_prev·W + b`; `W[i][j]` is the weight from unit i below to unit j above. "
        "One sample at a time; the update averages over the batch of m samples.",
        "",
        "## Forward",
        "",
        "| step | formula | e.g. |",
        "|---|---|---|",
        _row("weighted sum", "z_j = Σᵢ aᵢ·wᵢⱼ + b_j", f"z of {names.unit(1, 0)} = {words.incoming(1, 0)} + {names.bias(0, 0)}"),
    ]
    if top > 1:
        act, _ = hidden.card
        lines.append(_row(f"hidden activation ({hidden.title})", f"a = {act}", f"{names.unit(1, 0)} = {hidden.symbol}(z)"))
    if top > 1 and net.dropout:
        lines.append(
            _row(
                f"dropout (p = {net.dropout:g}, training only)",
                "h̃ = h·m/(1 − p), m = 1 with probability 1 − p, else 0",
                f"inverted dropout, PyTorch's nn.Dropout({net.dropout:g}): E[h̃] = h, so evaluation drops nothing",
            )
        )
    if net.one_of_k:
        lines += [
            _row("largest score", "z_max = max(z1, …, zK)", "subtracted so e^z cannot overflow; the p's do not change"),
            _row("exponentials", "e_k = e^(z_k − z_max)", "each ≤ 1, the largest exactly 1"),
            _row("their sum", "Σe = e1 + … + eK", "at least 1"),
            _row(
                "output (softmax)",
                "p_k = e_k/Σe",
                f"{names.unit(top, 0)} … {names.unit(top, net.sizes[-1] - 1)}; class = argmax p",
            ),
        ]
    elif net.regression:
        out = names.activation_value(top, 0)
        lines.append(_row("output (linear)", "ŷ = z", f"{out}: the prediction itself, any real number, slope 1"))
    else:
        out = names.activation_value(top, 0)
        lines.append(_row("output", "ŷ = σ(z) = 1/(1 + e^−z)", f"{out}; class 1 when ŷ > 0.5"))
    summed = "Σₖ " if net.sizes[-1] > 1 else ""
    loss = net.loss_kind
    loss_formula, loss_note, delta_formula, delta_note = loss.card(summed)
    lines += [
        "",
        "## Loss and backward",
        "",
        "| step | formula | note |",
        "|---|---|---|",
        _row(f"loss ({loss.title})", loss_formula, loss_note),
        _row("output δ", delta_formula, f"δ = ∂L/∂z; {delta_note}"),
        _row("weight gradient", "∂L/∂wᵢⱼ = δⱼ·aᵢ", "a zero input gets no gradient"),
        _row("bias gradient", "∂L/∂bⱼ = δⱼ", "as if its input were 1"),
    ]
    if top > 1:
        _, slope = hidden.card
        lines += [
            _row("hidden ∂L/∂a", "∂L/∂aᵢ = Σⱼ δⱼ·wᵢⱼ", "the δ's above, sent back along the weights"),
            _row("hidden δ", f"δᵢ = ∂L/∂aᵢ·{hidden.derivative_symbol.text}", slope),
        ]
        if net.dropout:
            lines.append(
                _row("through the mask", f"δᵢ = ∂L/∂h̃ᵢ·{hidden.derivative_symbol.text}·mᵢ/(1 − p)", "a dropped unit's δ is 0")
            )
    lines += [
        "",
        "## Update",
        "",
        "| step | formula | note |",
        "|---|---|---|",
        _row("batch loss", "L = (1/m)·Σₛ Lₛ", "the mean over the batch"),
        _row("mean gradient", "ḡ = (1/m)·Σₛ ∂Lₛ/∂θ", "θ: any weight or bias"),
    ]
    if net.l2:
        lines[-2] = _row("batch loss", "L = L_data + (λ/2)·Σw²", f"L_data = (1/m)·Σₛ Lₛ; L2 weight decay λ = {net.l2:g}")
        lines += [
            _row("weight decay", "ḡ + λ·w in place of ḡ", "for every weight, never a bias: the gradient of (λ/2)·w²"),
            _row("λ elsewhere", SEED_L2, SEED_L2_NOTE),
        ]
    lines += [_row(*row) for row in OPTIMIZER_KINDS[optimizer].card_rows]
    return "\n".join(lines) + "\n"


# How the tutorials' other way of writing L2 maps onto ours (the help and the card say it alike).
SEED_L2 = "(λ′/2m)·Σ‖W‖² = (λ/2)·Σw² with λ = λ′/m"
SEED_L2_NOTE = "a tutorial's λ′ divided by the batch size m is ours; cs231n and PyTorch's weight_decay are ours as they are"


def conventions() -> str:
    """The help screen's constants and conventions (Markdown), each operation's from its own definition."""
    rules = "".join("- " + "\n  ".join(rule.help_lines) + "\n" for rule in OPTIMIZER_KINDS.values() if rule.help_lines)
    losses = "; ".join(loss.help for loss in LOSS_KINDS.values())
    return f"""\
## Constants and conventions
{rules}\
- **ReLU** relu'(0) is taken as 0; **leaky ReLU** is z for z > 0, else {LEAKY_SLOPE:g}·z, and its
  derivative {LEAKY_SLOPE:g} at z ≤ 0.
- **Initialisation**: `normal:S` draws randn·S; `xavier` scales by √(1/n_in) (LeCun's scale, which
  the tutorials call Xavier); `he` by √(2/n_in); `uniform:A` draws from [−A, A]; biases start at 0.
  Weights come from one RandomState(seed), layer by layer, as `np.random.seed(s); randn(…)` would.
- **L2 weight decay** (`--l2 λ`, default 0): the loss adds (λ/2)·Σw² over the weights, never the
  biases, so each weight's gradient gains λ·w: cs231n's convention and PyTorch's `weight_decay=λ`
  (added to the gradient, also under Adam). A tutorial writing (λ′/2m)·Σ‖W‖² means λ = λ′/m here.
- **Dropout** (`--dropout p`, default 0): inverted dropout on the hidden layers, PyTorch's
  `nn.Dropout(p)`: p is the probability a unit is dropped. In training each hidden value is
  multiplied by m/(1 − p), m drawn 1 (kept, probability 1 − p) or 0 per sample and unit, one draw
  per update from the seed; evaluation drops nothing. The loss chart's second curve is that loss.
- **Prediction**: class 1 when ŷ > 0.5; with a softmax output over K classes, the class with the largest p;
  with a linear output (a regression, `mse` or `mae` on real-valued targets) ŷ = z itself, any number.
- **Loss**: {losses}.
  The loss of an epoch is the mean over the data set, before that epoch's update.
- **Epochs and batches**: an epoch is one pass over the data. With a batch size, each epoch shuffles
  the rows with RandomState([seed, epoch]) and updates once per mini-batch; the walk's step count is
  for the current mini-batch, shown as "batch k/n".
"""
