"""Why is this number what it is: the derivation of one parameter's gradient and update, or of one
unit's values, at the current state — made from the engine's own records and numbers.

For a parameter θ of the current pass: for each sample of the batch, the chain rule from the loss
down to θ (the narrator's δ records along the way, then ∂L/∂θ = δ·a_prev, and for a network with
one path from θ to the loss the whole product ∂L/∂ŷ·∂ŷ/∂z·…·a_prev with its numbers); the batch
mean ḡ and the optimizer's update (the update record); the value after the update; and the
numerical gradient by central differences beside the analytic one.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from tui_nn.engine.live.diagnostics import SATURATED, unit_states
from tui_nn.engine.nn.network import Network
from tui_nn.engine.walk import notation as n
from tui_nn.engine.walk.arithmetic import SampleTables
from tui_nn.engine.walk.expr import Add, Expr, Group, Mul, Sub, Sym, num
from tui_nn.engine.walk.expr import text as expr_text
from tui_nn.engine.walk.narrate import Narrator
from tui_nn.engine.walk.notation import parameter_label
from tui_nn.engine.walk.records import Equation, Step
from tui_nn.engine.walk.stepper import Stepper
from tui_nn.engine.walk.words import kink_cause, sentence

if TYPE_CHECKING:  # the check loads when a parameter is first explained, not with the app
    from tui_nn.engine.nn.gradcheck import ParameterCheck


@dataclass(frozen=True)
class Element:
    """Something on the diagram a learner can select.

    unit: `layer` is the unit layer (0 = inputs), `unit` the unit. weight / bias: `layer` is the
    weight layer, `unit` the unit above (j), `source` the unit below (i, weights only).
    """

    kind: Literal["unit", "weight", "bias"]
    layer: int
    unit: int
    source: int | None = None

    def parameter_index(self, net: Network) -> int:
        if self.kind == "weight" and self.source is not None:
            return net.weight_index(self.layer, self.source, self.unit)
        if self.kind == "bias":
            return net.bias_index(self.layer, self.unit)
        raise ValueError("a unit is not a parameter")


def elements(sizes: tuple[int, ...]) -> list[Element]:
    """Every selectable element, in reading order: each layer's units (and their biases), then the
    weights into the next layer."""
    found: list[Element] = []
    for layer, count in enumerate(sizes):
        for j in range(count):
            found.append(Element("unit", layer, j))
            if layer > 0:
                found.append(Element("bias", layer - 1, j))
        if layer + 1 < len(sizes):
            for j in range(sizes[layer + 1]):
                for i in range(count):
                    found.append(Element("weight", layer, j, i))
    return found


def columns(sizes: tuple[int, ...]) -> list[list[Element]]:
    """The diagram's columns, left to right: each layer's units (each followed by its bias), then
    the weights into the next layer (by the unit below, then the unit above)."""
    cols: list[list[Element]] = []
    for layer, count in enumerate(sizes):
        col: list[Element] = []
        for j in range(count):
            col.append(Element("unit", layer, j))
            if layer > 0:
                col.append(Element("bias", layer - 1, j))
        cols.append(col)
        if layer + 1 < len(sizes):
            cols.append([Element("weight", layer, j, i) for i in range(count) for j in range(sizes[layer + 1])])
    return cols


def move(sizes: tuple[int, ...], element: Element, direction: Literal["left", "right", "up", "down"]) -> Element:
    """The element a cursor key leads to. Up/down: within the column (wrapping around).
    Left/right follow the edges: from a weight to the unit it leaves or enters; from a unit or
    its bias to an edge into it (left) or out of it (right), the one at the same relative height."""
    if direction in ("up", "down"):
        cols = columns(sizes)
        c = next(k for k, col in enumerate(cols) if element in col)
        row = cols[c].index(element)
        step = -1 if direction == "up" else 1
        return cols[c][(row + step) % len(cols[c])]
    if element.kind == "weight":
        assert element.source is not None
        if direction == "left":
            return Element("unit", element.layer, element.source)
        return Element("unit", element.layer + 1, element.unit)
    layer = element.layer if element.kind == "unit" else element.layer + 1  # the unit's layer
    j = element.unit
    if direction == "left":
        if layer == 0:
            return element
        below = sizes[layer - 1]
        return Element("weight", layer - 1, j, min(int((j + 0.5) / sizes[layer] * below), below - 1))
    if layer == len(sizes) - 1:
        return element
    above = sizes[layer + 1]
    return Element("weight", layer, min(int((j + 0.5) / sizes[layer] * above), above - 1), j)


def cycle(sizes: tuple[int, ...], element: Element, step: int) -> Element:
    """Tab / Shift+Tab: the next or previous element in reading order."""
    order = [e for col in columns(sizes) for e in col]
    return order[(order.index(element) + step) % len(order)]


@dataclass(frozen=True)
class SampleChain:
    """One sample's chain rule down to the parameter: records from the loss down, then (for a
    single path) the whole product in one line."""

    sample: int
    x: tuple[float, ...]
    y: tuple[float, ...]
    steps: tuple[Step, ...]
    product: Equation | None
    gradient: float
    saturated: str | None = None  # why the product starts from ∂L/∂z: ŷ is exactly 0 or 1 (a sentence)
    dropped: str | None = None  # why this sample's gradient is 0: dropout dropped a unit on θ's path (a sentence)


@dataclass(frozen=True)
class ParameterStory:
    element: Element
    label: str  # "w12 (W1[0,1])"
    index: int
    value: float
    samples: tuple[SampleChain, ...]
    update: Step  # ḡ, the optimizer's lines and the new value
    after: float
    check: ParameterCheck  # the numerical gradient of the batch loss beside the analytic ḡ
    trail: tuple[tuple[int, float], ...]  # (epoch, value) over the run so far
    sample_count: int = 0  # samples in the batch (chains are written out for the first few)
    words: tuple[str, ...] = ()  # what the gradient and the update mean, as the log's words say it

    decay: float = 0.0  # λ of the weight decay acting on this parameter (0 for a bias, or without decay)
    kink_cause: str = "a ReLU switches"  # what can put a kink within ε (words.kink_cause), for the check's verdict

    @property
    def kink_verdict(self) -> str:
        """The numerical check's verdict when a kink lies within ε: no derivative to compare with."""
        return f"kink: {self.kink_cause} within ε, no derivative here"

    @property
    def analytic_name(self) -> str:
        """What the numerical check compares with: ḡ, or ḡ + λ·w for a weight under weight decay."""
        return f"ḡ + λ·{self.update.label}" if self.decay else "ḡ"


@dataclass(frozen=True)
class UnitRow:
    sample: int
    z: float
    a: float
    slope: float  # g'(z)
    delta: float


@dataclass(frozen=True)
class UnitStory:
    element: Element
    label: str
    activation: str
    rows: tuple[UnitRow, ...]
    state: str | None  # "dead", "saturated" or None
    meaning: str
    incoming: tuple[tuple[str, float], ...]
    outgoing: tuple[tuple[str, float], ...]
    bias: float | None


SHOWN_SAMPLES = 4  # chains written out for a large batch (the batch mean is over all of them)


def explain_parameter(stepper: Stepper, element: Element, trail: ParamTrail | None = None) -> ParameterStory:
    """θ's derivation over the current pass (its batch, at the parameters the pass starts from).

    For a batch of more than SHOWN_SAMPLES samples, the chains of the first SHOWN_SAMPLES are
    written out (the update record has ḡ over all of them).
    """
    net, p = stepper.net, stepper.current
    index = element.parameter_index(net)
    chains = tuple(_chain(stepper, k, element) for k in range(min(len(p.samples), SHOWN_SAMPLES)))
    update = next(r for r in stepper.segment_records(p, len(p.samples)) if r.kind.startswith("update") and _updates(r, element))
    x, y = stepper.data.x[p.samples], stepper.data.y[p.samples]
    from tui_nn.engine.nn.gradcheck import check_one

    probe = net.copy()
    probe.params[:] = p.start_params
    analytic = float(update.equations[0].value)
    decay = net.l2 if update.kind == "update_w" else 0.0
    if decay:  # the checked loss includes (λ/2)·Σw², whose gradient adds λ·w
        analytic += decay * float(p.start_params[index])
    check = check_one(probe, x, y, index, analytic, update.label, masks=stepper.pass_masks(p))  # dropout's, held fixed
    gradient_step = chains[0].steps[-1] if chains and chains[0].steps else None
    words = tuple(sentence(step, net) for step in (gradient_step, update) if step is not None)
    return ParameterStory(
        element,
        parameter_label(net, index),
        index,
        float(p.start_params[index]),
        chains,
        update,
        update.value,
        check,
        trail.values(index) if trail is not None else (),
        len(p.samples),
        tuple(w for w in words if w),
        decay,
        kink_cause(net),
    )


def _updates(record: Step, element: Element) -> bool:
    key = record.writes[0][0]
    if element.kind == "bias":
        return key.kind == "b" and key.layer == element.layer and key.unit == element.unit
    return key.kind == "w" and key.layer == element.layer and key.unit == element.unit and key.source == element.source


def _chain(stepper: Stepper, k: int, element: Element) -> SampleChain:
    """The sample's records from the loss down to the parameter: δ of the output units, ∂L/∂a and δ
    of every unit on a path from the parameter to the loss, then ∂L/∂θ."""
    p, net = stepper.current, stepper.net
    records = stepper.segment_records(p, k)
    l, j = element.layer, element.unit
    top = net.n_layers
    wanted = []
    for r in records:
        if r.phase != "backward":
            continue
        if r.kind in ("delta", "grad_a") and r.layer is not None and r.unit is not None:
            unit_layer = r.layer
            if unit_layer > l + 1 or (unit_layer == l + 1 and r.unit == j) or unit_layer == top:
                wanted.append(r)
        elif (
            r.kind == "grad_w" and element.kind == "weight" and r.layer == l and r.unit == j and r.edges[0][1] == element.source
        ) or (r.kind == "grad_b" and element.kind == "bias" and r.layer == l and r.unit == j):
            wanted.append(r)
    gradient = wanted[-1].value
    t = stepper.sample_tables(p, k)
    product, saturated = _product(stepper, k, element, gradient)
    return SampleChain(p.samples[k], t.x, t.y, tuple(wanted), product, gradient, saturated, _dropped(net, t, element))


def _dropped(net: Network, t: SampleTables, element: Element) -> str | None:
    """Under dropout: the sentence saying this sample's ∂L/∂θ is 0 because the mask dropped the unit θ feeds
    (its δ is 0) or, for a weight, the unit it comes from (its h̃ is 0); None when neither was dropped."""
    if not t.masks:
        return None
    names = n.Names(net.sizes)
    l, j = element.layer, element.unit
    theta = names.parameter_symbol(l, element.source if element.kind == "weight" else None, j).text
    sample = f"sample {t.sample + 1}"
    if l + 1 < net.n_layers and t.masks[l][j] == 0.0:
        unit = names.unit(l + 1, j)
        return f"{unit} was dropped for {sample} (its mask is 0), so its δ is 0 and ∂L/∂{theta} = 0 for this sample"
    if element.kind == "weight" and element.source is not None and l > 0 and t.masks[l - 1][element.source] == 0.0:
        unit = names.unit(l, element.source)
        return f"{unit} was dropped for {sample} (h̃ = 0), so {theta} carried nothing and ∂L/∂{theta} = 0 for this sample"
    return None


def _product(stepper: Stepper, k: int, element: Element, gradient: float) -> tuple[Equation | None, str | None]:
    """∂L/∂θ = ∂L/∂ŷ · ∂ŷ/∂z · ∂z/∂h · ∂h/∂z_h · ∂z_h/∂θ … when one path leads from θ to the loss
    (one output, θ in one of the last two weight layers); and, when ŷ is saturated so that
    ∂L/∂ŷ cannot be written, the sentence saying so (the product then starts from ∂L/∂z)."""
    net = stepper.net
    L = net.n_layers
    l, j = element.layer, element.unit
    if net.one_of_k and l >= L - 2:
        return _softmax_product(stepper, k, element, gradient), None
    if net.sizes[-1] != 1 or l < L - 2:
        return None, None
    names = n.Names(net.sizes)
    p = stepper.current
    t = stepper.sample_tables(p, k)
    a_out, y = t.a[L][0], t.y[0]
    # ∂L/∂ŷ and ∂ŷ/∂z at the output (σ'(z) = ŷ(1 − ŷ) for a sigmoid, 1 for a linear output): their product is δ_out
    dy_dz = net.activation(L - 1).derivative_scalar(t.z[L - 1][0], a_out)
    saturated = None
    symbols: list[Expr]
    numbers: list[Expr]
    dl_dy = net.loss_kind.output_gradient(a_out, y, dy_dz)
    # where ∂L/∂ŷ is not a number (cross-entropy when σ rounds ŷ to exactly 0 or 1), the product with
    # ∂ŷ/∂z still is, ŷ − y: write that instead; a NaN ŷ (diverged) is shown as it is
    if math.isfinite(a_out) and not math.isfinite(dl_dy):
        saturated = _saturated_sentence(a_out, dy_dz)
    if saturated is None:
        symbols = [
            Sym("∂L/∂ŷ", r"\frac{\partial L}{\partial \hat{y}}"),
            Sym("∂ŷ/∂z", r"\frac{\partial \hat{y}}{\partial z}"),
        ]
        numbers = [num(dl_dy), num(dy_dz)]
    else:
        symbols, numbers = [n.DL_DZ], [num(a_out - y)]
    if l == L - 2:  # through hidden unit j of the last hidden layer
        hidden = names.value_symbol(L - 1, j)
        v = float(net.weights(L - 1, p.start_params)[j, 0])
        slope = net.activation(L - 2).derivative_scalar(t.z[L - 2][j], t.a[L - 1][j])
        if t.masks:  # z reads h̃ = h·m/(1 − p): ∂z/∂h̃ · ∂h̃/∂h · ∂h/∂z_h
            kept = n.kept_symbol(hidden)
            symbols += [
                Sym(f"∂z/∂{kept.text}", rf"\frac{{\partial z}}{{\partial {kept.latex}}}"),
                Sym(f"∂{kept.text}/∂{hidden.text}", rf"\frac{{\partial {kept.latex}}}{{\partial {hidden.latex}}}"),
                _slope_symbol(net, hidden),
            ]
            numbers += [num(v), num(t.masks[L - 2][j]), num(slope)]
        else:
            symbols += [Sym(f"∂z/∂{hidden.text}", rf"\frac{{\partial z}}{{\partial {hidden.latex}}}"), _slope_symbol(net, hidden)]
            numbers += [num(v), num(slope)]
        below = l
    else:
        below = L - 1
    if element.kind == "weight" and element.source is not None:
        source = names.value_symbol(below, element.source)
        if t.masks and 0 < below < L:
            source = n.kept_symbol(source)
        symbols.append(source)
        numbers.append(num(t.fed(below)[element.source]))
    forms: tuple[Expr, ...] = (Mul(tuple(symbols)), Mul(tuple(numbers)))
    theta = names.parameter_symbol(l, element.source if element.kind == "weight" else None, j)
    return Narrator(net, stepper.fmt).eq(n.gradient(theta), forms, gradient), saturated


def _softmax_product(stepper: Stepper, k: int, element: Element, gradient: float) -> Equation:
    """∂L/∂θ through a softmax with cross-entropy, whose Jacobian times −1/p_y collapses to
    δ_k = p_k − y_k: into output unit k, (p_k − y_k)·a_i; into hidden unit j of the last hidden
    layer, (Σ_k (p_k − y_k)·v_jk)·g'(z_j)·a_i, every output's error sent back along its weight."""
    net, p = stepper.net, stepper.current
    L = net.n_layers
    names = n.Names(net.sizes)
    t = stepper.sample_tables(p, k)
    l, j = element.layer, element.unit
    probs, targets = t.a[L], t.y

    def error(c: int) -> tuple[Expr, Expr, Expr]:
        """δ_c, p_c − y_c in symbols, and with its numbers."""
        return (
            names.delta_symbol(L, c),
            Group(Sub(n.probability_symbol(c), n.target_symbol(c))),
            Group(Sub(num(probs[c]), num(targets[c]))),
        )

    # three forms of one product: with δ's, with p − y, with the numbers
    factors: list[list[Expr]]
    if l == L - 1:
        factors = [[form] for form in error(j)]
        below = L - 1
    else:
        weights = net.weights(L - 1, p.start_params)
        sent_back: list[list[Expr]] = [[], [], []]
        for c in range(net.sizes[-1]):
            w = names.weight_symbol(L - 1, j, c)
            for terms, delta, weight in zip(sent_back, error(c), (w, w, num(float(weights[j, c]))), strict=True):
                terms.append(Mul((delta, weight)))
        slope_symbol = _slope_symbol(net, names.value_symbol(L - 1, j))
        slope = net.activation(L - 2).derivative_scalar(t.z[L - 2][j], t.a[L - 1][j])
        factors = [
            [Group(Add(tuple(terms))), g] for terms, g in zip(sent_back, (slope_symbol, slope_symbol, num(slope)), strict=True)
        ]
        below = L - 2
    if element.kind == "weight" and element.source is not None:
        source = names.value_symbol(below, element.source)
        for product, factor in zip(factors, (source, source, num(t.a[below][element.source])), strict=True):
            product.append(factor)
    forms = tuple(Mul(tuple(product)) if len(product) > 1 else _unbracketed(product[0]) for product in factors)
    theta = names.parameter_symbol(l, element.source if element.kind == "weight" else None, j)
    return Narrator(net, stepper.fmt).eq(n.gradient(theta), forms, gradient)


def _unbracketed(form: Expr) -> Expr:
    return form.operand if isinstance(form, Group) else form


def _saturated_sentence(a_out: float, dy_dz: float) -> str:
    """Why a cross-entropy chain starts from ∂L/∂z = ŷ − y rather than ∂L/∂ŷ · ∂ŷ/∂z."""
    if dy_dz == 0.0:
        why = f"ŷ = {a_out:g} exactly in float64 (saturated): ∂L/∂ŷ = (ŷ − y)/(ŷ(1 − ŷ)) divides by 0"
    else:
        why = f"ŷ(1 − ŷ) = {dy_dz:.1e} (saturated): ∂L/∂ŷ = (ŷ − y)/(ŷ(1 − ŷ)) overflows float64"
    return f"{why}, so the chain starts from their product ∂L/∂ŷ·∂ŷ/∂z = ∂L/∂z = ŷ − y"


def _slope_symbol(net: Network, hidden: Sym) -> Sym:
    symbol = net.activation(net.n_layers - 2).symbol
    return Sym(f"{symbol}'(z_{hidden.text})", rf"{net.activation(net.n_layers - 2).latex}'(z_{{{hidden.latex}}})")


def explain_unit(stepper: Stepper, element: Element) -> UnitStory:
    """A unit's z, a, g'(z) and δ for each sample of the batch, its state, and its weights."""
    net, p = stepper.net, stepper.current
    names = n.Names(net.sizes)
    layer, j = element.layer, element.unit
    label = names.unit(layer, j)
    rows: list[UnitRow] = []
    for k in range(min(len(p.samples), 16)):
        t = stepper.sample_tables(p, k)
        if layer == 0:
            rows.append(UnitRow(p.samples[k], float("nan"), t.a[0][j], float("nan"), float("nan")))
            continue
        z, a = t.z[layer - 1][j], t.a[layer][j]
        # a softmax unit has no slope of its own: its Jacobian's diagonal ∂p_k/∂z_k = p_k(1 − p_k) stands in
        slope = net.activation(layer - 1).derivative_scalar(z, a) if layer < net.n_layers or not net.one_of_k else a * (1.0 - a)
        rows.append(UnitRow(p.samples[k], z, a, slope, t.delta[layer - 1][j]))
    incoming: tuple[tuple[str, float], ...] = ()
    outgoing: tuple[tuple[str, float], ...] = ()
    bias = None
    if layer > 0:
        incoming = tuple(
            (names.weight(layer - 1, i, j), float(net.weights(layer - 1, p.start_params)[i, j]))
            for i in range(net.sizes[layer - 1])
        )
        bias = float(net.biases(layer - 1, p.start_params)[j])
    if layer < net.n_layers:
        outgoing = tuple(
            (names.weight(layer, j, k), float(net.weights(layer, p.start_params)[j, k])) for k in range(net.sizes[layer + 1])
        )
    state, meaning = _unit_state(net, stepper, layer, j, rows)
    if net.dropout and 0 < layer < net.n_layers:
        dropped = [
            p.samples[k] + 1
            for k in range(len(rows))
            if (masks := stepper.sample_tables(p, k).masks) is not None and masks[layer - 1][j] == 0.0
        ]
        if dropped:
            which = ", ".join(str(s) for s in dropped)
            meaning += (
                f"; dropout dropped it for sample{'s' if len(dropped) > 1 else ''} {which} in this update (mask 0): "
                "there h̃ = 0 and its δ is 0, so nothing passes back through it"
            )
    activation = "input" if layer == 0 else net.activation(layer - 1).name
    return UnitStory(element, label, activation, tuple(rows), state, meaning, incoming, outgoing, bias)


def _unit_state(net: Network, stepper: Stepper, layer: int, j: int, rows: list[UnitRow]) -> tuple[str | None, str]:
    if layer == 0:
        return None, "an input: it passes the sample's value on"
    if layer == net.n_layers and net.one_of_k:
        return None, (
            f"the output for class {j}: its value p{j + 1} = e^(z{j + 1} − z_max)/Σe is the probability the softmax gives "
            f"class {j}; g'(z) here is the softmax's ∂p/∂z on its own unit, p(1 − p), and δ = p − y"
        )
    if layer == net.n_layers and net.regression:
        return None, (
            "the output, linear: ŷ = z is the predicted value itself (a regression, no class); g'(z) = 1, so δ = "
            f"{expr_text(net.loss_kind.delta_formula, str)}"
        )
    if layer == net.n_layers:
        return None, "the output: ŷ is its activation, the prediction"
    zs, acts = net.forward(stepper.data.x[stepper.current.samples], stepper.current.start_params)
    state = unit_states(net, zs, acts).get((layer, j))
    if state == "dead":
        return state, "z ≤ 0 on every sample: relu'(z) = 0, so no gradient reaches the weights feeding it and they stop learning"
    if state == "saturated":
        return state, f"g'(z) < {SATURATED} on every sample: almost no gradient reaches the weights feeding it"
    if all(row.delta == 0.0 for row in rows):
        return (
            None,
            "no gradient reaches it: its δ is 0 for every sample (every weight leaving it is 0), so the weights feeding it stay as they are",
        )
    return None, "active: gradients pass through it (its δ is nonzero for some sample)"


class ParamTrail:
    """Every parameter's value at (a thinned subset of) the epochs seen so far, in bounded memory:
    at most `capacity` rows; when full, every other older row is dropped."""

    def __init__(self, capacity: int = 1024) -> None:
        self.capacity = capacity
        self.rows: deque[tuple[int, np.ndarray]] = deque()

    def record(self, epoch: int, params: np.ndarray) -> None:
        while self.rows and self.rows[-1][0] > epoch:  # stepped back across epochs
            self.rows.pop()
        if self.rows and self.rows[-1][0] == epoch:
            self.rows[-1] = (epoch, params.copy())
            return
        self.rows.append((epoch, params.copy()))
        if len(self.rows) > self.capacity:
            kept = list(self.rows)
            self.rows = deque(kept[: -self.capacity // 2 : 2] + kept[-self.capacity // 2 :])

    def values(self, index: int) -> tuple[tuple[int, float], ...]:
        return tuple((epoch, float(params[index])) for epoch, params in self.rows)


@dataclass(frozen=True)
class WhatIf:
    """A parameter changed: the loss and every sample's ŷ before and after (fresh forward passes).

    `targets` and `regression` say how a sample's change is read: a class that flips, or (a
    regression, whose ŷ is a value and has no class) the error ŷ − y growing or shrinking."""

    loss_before: float
    loss_after: float
    before: np.ndarray
    after: np.ndarray
    targets: np.ndarray | None = None
    regression: bool = False

    @property
    def classes(self) -> tuple[np.ndarray, np.ndarray]:
        """Each sample's predicted class before and after (ŷ > 0.5, or the largest of K outputs)."""
        from tui_nn.engine.nn.insight import predicted_classes

        return predicted_classes(self.before), predicted_classes(self.after)

    def sample_lines(self, labels: list[str], fmt: Callable[[float], str]) -> list[tuple[str, bool]]:
        """One line per sample, and whether it turned for the worse: a flipped class, or (a regression) a
        prediction that moved further from its target."""
        lines: list[tuple[str, bool]] = []
        if self.regression and self.targets is not None:
            for k, label in enumerate(labels):
                was, now, y = float(self.before[k, 0]), float(self.after[k, 0]), float(self.targets[k, 0])
                worse = abs(now - y) > abs(was - y)
                lines.append((f"{label}: ŷ {fmt(was)} → {fmt(now)}   error ŷ − y {fmt(was - y)} → {fmt(now - y)}", worse))
            return lines
        many = self.before.shape[1] > 1  # K outputs: the probability vector and its argmax
        classes_before, classes_after = self.classes
        for k, label in enumerate(labels):
            was_class, now_class = int(classes_before[k]), int(classes_after[k])
            flipped = was_class != now_class
            if many:
                b, a = (", ".join(fmt(float(q)) for q in row[k]) for row in (self.before, self.after))
                outputs = f"p ({b}) → ({a})"
            else:
                outputs = f"ŷ {fmt(float(self.before[k, 0]))} → {fmt(float(self.after[k, 0]))}"
            lines.append((f"{label}: {outputs}   class {was_class} → {now_class}{'  (flipped)' if flipped else ''}", flipped))
        return lines


def what_if(net: Network, before: np.ndarray, after: np.ndarray, x: np.ndarray, y: np.ndarray) -> WhatIf:
    return WhatIf(
        net.loss_value(x, y, before),
        net.loss_value(x, y, after),
        net.predict(x, before),
        net.predict(x, after),
        np.asarray(y, dtype=np.float64),
        net.regression,
    )
