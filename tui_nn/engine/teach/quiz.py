"""Predict, then check: a record of the walk turned into a question before it is revealed.

`question(step, net, fmt)` makes the question for the record of the *next* step; `check`
judges what the learner typed; `QuizScore` counts right, wrong and skipped answers per kind of
step. Everything here is a pure function of records and text: undoing a step never changes a
score, and a question asked again is the same question.

Numbers are judged against the record's own value with a tolerance stated in the question.
It is the narrator's (see `narrate.reproduces`): the numbers are written to the session's
decimals, and an answer counts when it lies within 1 unit of the last decimal shown, or up to
4 units where that is still within 1% of the answer (rounding on the way is forgiven, a wrong
digit is not). Where the numbers on screen are too rounded to give the answer that closely
(ŷ − y with ŷ printed as 1.0000), the tolerance widens to what those numbers give, and the
question says so. Some steps are asked as choices instead: the predicted class after the
forward pass, the sign of a bias's gradient, and which parameter moves most in an update.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from tui_nn.engine.nn.activations import ACTIVATIONS
from tui_nn.engine.nn.losses import LOSS_PAIRS
from tui_nn.engine.nn.network import Network
from tui_nn.engine.nn.optimizers import OPTIMIZER_KINDS, OptimizerState, scalar_update
from tui_nn.engine.walk.arithmetic import SampleTables
from tui_nn.engine.walk.expr import (
    MINUS,
    Expr,
    Lit,
    Num,
    Sub,
    evaluate,
    has_symbols,
    map_leaves,
    parse_number,
    text,
)
from tui_nn.engine.walk.narrate import LISTED, is_identity
from tui_nn.engine.walk.notation import Names, gradient, mask_symbol
from tui_nn.engine.walk.records import NumberFormat, Step
from tui_nn.engine.walk.stepper import Stepper
from tui_nn.engine.walk.words import optimizer_of

Category = Literal["forward", "loss", "backward", "update", "concept"]
CATEGORIES: tuple[Category, ...] = ("forward", "loss", "backward", "update", "concept")
Style = Literal["auto", "number", "choice"]
STYLES: tuple[Style, ...] = ("auto", "number", "choice")
Outcome = Literal["right", "wrong", "invalid"]

MOST_CHOICES = 20  # "which parameter moves most" is asked of networks with at most this many parameters
SHOWN_INPUT = 24  # characters of a malformed answer repeated back in the message


@dataclass(frozen=True)
class Choice:
    """One answer of a multiple-choice question: what to type (`key`) and what it means."""

    key: str
    text: str


@dataclass(frozen=True)
class Question:
    """A question about one step (or a teacher's own, category "concept").

    A number question has no choices: an answer counts when it is within `tolerance` of
    `value`. A choice question counts the choices whose keys are in `right`; `value` is the
    number the answer rests on (ŷ, the gradient, the largest move), NaN for a teacher's.
    `shown` is the answer as it is revealed; `how` says how to answer and what counts.
    """

    category: Category
    kind: str  # the step kind asked ("z", "a", …, "update_w"), "moves_most", or "written"
    prompt: str
    formula: str
    value: float
    shown: str
    how: str
    tolerance: float = 0.0
    choices: tuple[Choice, ...] = ()
    right: frozenset[str] = frozenset()
    worked: str = ""  # the formula with the numbers put in, as the log will show it, ending "= ?"
    givens: tuple[Given, ...] = ()  # the numbers the answer is made from, named; the rule is not written
    slips: tuple[Slip, ...] = ()  # answers a known mistake gives, each recognised when typed
    epoch: int | None = None  # the epoch a step's question is about (a teacher's question has none)

    @property
    def is_choice(self) -> bool:
        return bool(self.choices)

    @property
    def identity(self) -> str:
        """The same question asked again (after ←) has the same identity: it is scored once."""
        return "\x1f".join((str(self.epoch), self.category, self.kind, self.prompt, self.shown, self.worked))


@dataclass(frozen=True)
class Given:
    """One number the learner is given to answer with: its name as the log writes it, and its value."""

    name: str
    shown: str


@dataclass(frozen=True)
class Slip:
    """A common mistake and the answer it leads to, computed by the engine's own functions."""

    value: float
    what: str  # says what the typed answer is and which mistake it matches


@dataclass(frozen=True)
class Verdict:
    """What `check` made of an answer: right, wrong, or invalid (not an answer: ask again)."""

    outcome: Outcome
    message: str
    answer: str  # the right answer, as revealed
    slip: str = ""  # for a wrong number: the mistake it matches, where it matches one


# --- numbers as the learner types them ---------------------------------------------------------


def _clean(answer: str) -> str:
    """The answer with a real minus sign or dash read as '-', and spaces after a leading sign
    dropped ('− 0.5'); spaces anywhere else stay, so '12 34' is not taken for 1234."""
    plain = answer.strip().replace(MINUS, "-").replace("–", "-")
    if plain[:1] in ("-", "+"):
        plain = plain[0] + plain[1:].lstrip()
    return plain


def parse_answer(answer: str) -> float:
    """A number as a learner types it: 0.4216, −0.4216 (either minus), .5, 1.2e−05, 0,4216
    (a decimal comma), nan, inf or ∞. ValueError with one sentence for anything else."""
    plain = _clean(answer)
    if not plain:
        raise ValueError("type a number, for example 0.4216 (or skip the question)")
    lowered = plain.lower()
    if lowered == "nan":
        return math.nan
    if lowered in ("∞", "+∞", "inf", "+inf", "infinity", "+infinity"):
        return math.inf
    if lowered in ("-∞", "-inf", "-infinity"):
        return -math.inf
    if "," in plain and "." not in plain and plain.count(",") == 1:
        plain = plain.replace(",", ".")
    allowed = set("0123456789.-+eE")
    try:
        if not set(plain) <= allowed:
            raise ValueError
        value = float(plain)
    except ValueError:
        shown = answer.strip()
        shown = shown if len(shown) <= SHOWN_INPUT else shown[:SHOWN_INPUT] + "…"
        shown = shown if shown.isprintable() else repr(shown)
        raise ValueError(f"'{shown}' is not a number: type it like 0.4216, −1.5 or 2.3e−05") from None
    return value


def _last_unit(value: float, fmt: NumberFormat) -> float:
    """One unit of the last digit `fmt` prints for `value` (decimals, or a mantissa's last digit)."""
    shown = fmt(value)
    if "e" in shown:
        exponent = int(shown.split("e")[1].replace(MINUS, "-"))
        return float(10.0 ** (exponent - max(fmt.digits - 1, 1)))
    return float(10.0**-fmt.digits)


def _tolerance_text(tolerance: float) -> str:
    return f"{tolerance:.2g}".replace("-", MINUS)


def _rounded(form: Expr, fmt: NumberFormat) -> Expr:
    """`form` with every number as the log prints it at the session's digits (what is on screen)."""

    def number(value: float) -> Num:
        return Num(parse_number(fmt(value)))

    def on_screen(x: Expr) -> Expr | None:
        if isinstance(x, Num):
            return number(x.value)
        if isinstance(x, Lit):
            try:
                return number(parse_number(x.text))
            except ValueError:
                return x  # ½ and other written constants
        return None

    return map_leaves(form, on_screen)


def _from_screen(step: Step, fmt: NumberFormat) -> float | None:
    """The step's value recomputed from its numbers rounded as the log prints them, if it can be."""
    numeric = [f for f in step.equations[-1].forms if not has_symbols(f)]
    if not numeric:
        return None
    try:
        value = evaluate(_rounded(numeric[-1], fmt))
    except (ValueError, OverflowError, ZeroDivisionError):
        return None
    return value if math.isfinite(value) else None


def number_tolerance(step: Step, fmt: NumberFormat) -> tuple[float, str]:
    """(tolerance, the sentence stating it) for the value of `step` asked as a number."""
    value = step.value
    if not math.isfinite(value):
        return 0.0, "type the number, or nan, ∞ or −∞ for a network that has diverged"
    unit = _last_unit(value, fmt)
    tolerance = max(unit, min(4 * unit, 0.01 * abs(value)))
    scientific = "e" in fmt(value)
    written = f"to {fmt.digits} significant digits (like 1.234e−05)" if scientific else f"to {fmt.digits} decimals"
    if tolerance == unit:
        how = f"{written}; answers within ±{_tolerance_text(tolerance)} (one unit of the last decimal) count"
    else:
        how = (
            f"{written}; answers within ±{_tolerance_text(tolerance)} count (up to 4 units of the last decimal, "
            "within 1%: rounded numbers on the way drift a little)"
        )
    on_screen = _from_screen(step, fmt)
    if on_screen is not None and abs(on_screen - value) > tolerance:
        tolerance = abs(on_screen - value) + unit
        how = (
            f"{written}; answers within ±{_tolerance_text(tolerance)} count (more than usual: the numbers on screen "
            "are rounded too much to give it more closely)"
        )
    return tolerance, how


# --- what the learner is given, and the mistakes an answer can match ----------------------------


@dataclass(frozen=True, eq=False)
class Known:
    """The engine's numbers around the step asked: where its givens and its slips come from.

    `tables` is the step's sample's walk (None for the update); `params` the parameters the pass
    started from, the ones its forward and backward passes use; `updated` the parameters after
    the pass's update (what a learner who updates too early would use; only for ∂L/∂a, whose
    slip it is); for the update and the batch's loss, `per_sample` each sample's gradient and
    `losses` each sample's loss (empty otherwise); `state` the optimizer's state before the update.
    """

    net: Network
    fmt: NumberFormat
    tables: SampleTables | None
    params: np.ndarray
    updated: np.ndarray | None
    per_sample: tuple[np.ndarray, ...]
    losses: tuple[float, ...]
    state: OptimizerState
    optimizer: str
    lr: float


def known_at(stepper: Stepper) -> Known:
    """What the stepper's next step is computed from (its sample's numbers, the batch's update)."""
    step = stepper.peek()
    current = stepper.current
    tables = None
    if step.sample is not None and step.sample in current.samples:
        tables = stepper.sample_tables(current, current.samples.index(step.sample))
    updated = None
    if step.kind == "grad_a":  # its slip is the weights after the update
        updated = stepper.update_tables(current).end_params
    batch = []
    if step.phase == "update" or step.kind == "batch_loss":  # only these need every sample of the batch
        batch = [stepper.sample_tables(current, k) for k in range(len(current.samples))]
    return Known(
        stepper.net,
        stepper.fmt,
        tables,
        current.start_params,
        updated,
        tuple(b.grad for b in batch),
        tuple(b.loss for b in batch),
        current.start_state,
        stepper.optimizer,
        current.lr,
    )


def _written_to(step: Step) -> tuple[int, int | None, int]:
    """(weight layer, i or None for a bias, j) of the parameter or gradient a step writes."""
    key = step.writes[0][0]
    return key.layer, key.source, key.unit


def _z_name(names: Names, layer: int, unit: int) -> str:
    return f"z of {names.unit(layer, unit)}"


def givens(step: Step, known: Known) -> tuple[Given, ...]:
    """The named numbers a step's value is made from, as the log prints them: the inputs of the
    rule, not the rule (δ_h1 is asked with ∂L/∂h1, z and h1 given, never with ∂L/∂h1·σ'(z))."""
    fmt, net, t = known.fmt, known.net, known.tables
    names = Names(net.sizes)
    out = net.n_layers
    pairs: list[tuple[str, float]] = []
    if step.phase == "update" or step.kind == "batch_loss":
        return _update_givens(step, known, names)
    if t is None or step.layer is None:
        return ()
    if t.exps and step.layer == out and step.kind in SOFTMAX_GIVENS:
        return tuple(Given(name, fmt(value)) for name, value in SOFTMAX_GIVENS[step.kind](t, step.unit))
    if step.kind == "loss":
        for k, (a, y) in enumerate(zip(t.a[out], t.y, strict=True)):
            pairs += [(names.activation_value(out, k), a), ("y" if len(t.y) == 1 else f"y{k + 1}", y)]
        return tuple(Given(name, fmt(value)) for name, value in pairs)
    if step.unit is None:
        return ()
    if step.kind == "z":
        l, j = step.layer - 1, step.unit
        block = net.block(l, known.params)
        n_in = len(t.a[l])
        pairs += [(names.activation_value(l, i), t.a[l][i]) for i in range(n_in)]
        pairs += [(names.weight(l, i, j), float(block[i, j])) for i in range(n_in)]
        pairs.append((names.bias(l, j), float(block[n_in, j])))
    elif step.kind == "a":
        pairs.append((_z_name(names, step.layer, step.unit), t.z[step.layer - 1][step.unit]))
    elif step.kind == "mask":  # dropout: h, whether it was kept, and p (the rule h·m/(1 − p) is what is asked)
        value = names.value_symbol(step.layer, step.unit)
        kept = t.masks[step.layer - 1][step.unit] != 0.0
        pairs += [(value.text, t.a[step.layer][step.unit]), (mask_symbol(value).text, 1.0 if kept else 0.0)]
        pairs.append(("p", net.dropout))
    elif step.kind == "delta" and step.layer == out:
        k = step.unit
        pairs += [(names.activation_value(out, k), t.a[out][k]), ("y" if len(t.y) == 1 else f"y{k + 1}", t.y[k])]
    elif step.kind == "delta":
        below, i = step.layer, step.unit
        value = names.value_symbol(below, i)
        pairs += [
            (gradient(value).text, t.grad_a[below][i]),
            (_z_name(names, below, i), t.z[below - 1][i]),
            (value.text, t.a[below][i]),
        ]
    elif step.kind in ("grad_w", "grad_b"):
        l, source, j = _written_to(step)
        pairs.append((names.delta(l + 1, j), t.delta[l][j]))
        if source is not None:
            pairs.append((names.activation_value(l, source), t.a[l][source]))
    elif step.kind == "grad_a":
        l, i = step.layer, step.unit
        weights = net.weights(l, known.params)
        pairs += [(names.delta(l + 1, j), dj) for j, dj in enumerate(t.delta[l])]
        pairs += [(names.weight(l, i, j), float(weights[i, j])) for j in range(len(t.delta[l]))]
    return tuple(Given(name, fmt(value)) for name, value in pairs)


def _logits(t: SampleTables) -> list[tuple[str, float]]:
    return [(f"z{k + 1}", z) for k, z in enumerate(t.z[-1])]


def _exps(t: SampleTables) -> list[tuple[str, float]]:
    return [(f"e{k + 1}", e) for k, e in enumerate(t.exps)]


SOFTMAX_GIVENS: dict[str, Callable[[SampleTables, int | None], list[tuple[str, float]]]] = {
    "max": lambda t, unit: _logits(t),
    "exp": lambda t, unit: [_logits(t)[unit or 0], ("z_max", t.shift)],
    "sum": lambda t, unit: _exps(t),
    "a": lambda t, unit: [_exps(t)[unit or 0], ("Σe", t.exp_sum)],
    "loss": lambda t, unit: [pair for k, p in enumerate(t.a[-1]) for pair in ((f"p{k + 1}", p), (f"y{k + 1}", t.y[k]))],
    "delta": lambda t, unit: [(f"p{(unit or 0) + 1}", t.a[-1][unit or 0]), (f"y{(unit or 0) + 1}", t.y[unit or 0])],
}
"""The numbers a softmax output's steps are made from (z_max, e_k, Σe, p_k), by step kind."""


def _parameter_index(step: Step, net: Network) -> int:
    l, i, j = _written_to(step)
    return net.bias_index(l, j) if i is None else net.weight_index(l, i, j)


def _update_givens(step: Step, known: Known, names: Names) -> tuple[Given, ...]:
    fmt = known.fmt
    m = len(known.per_sample)
    lam = known.net.l2
    decay = (Given("λ", f"{lam:g}"),) if lam else ()
    if step.kind == "batch_loss":
        squares = (Given("Σw²", fmt(known.net.weight_squares(known.params))),) if lam else ()
        if m > LISTED:
            return (Given("Σₛ Lₛ", fmt(math.fsum(known.losses))), Given("m", str(m)), *decay, *squares)
        return (Given("L per sample", ", ".join(fmt(v) for v in known.losses)), Given("m", str(m)), *decay, *squares)
    index = _parameter_index(step, known.net)
    l, i, j = _written_to(step)
    name = names.parameter_symbol(l, i, j).text
    grads = [float(g[index]) for g in known.per_sample]
    result = [Given(name, fmt(float(known.params[index]))), Given("η", fmt(known.lr)), *decay]
    if m == 1:
        result.append(Given(f"∂L/∂{name}", fmt(grads[0])))
    elif m > LISTED:  # a long batch: its sum, as the log's mean line cannot list every sample either
        result += [Given(f"Σₛ ∂L/∂{name}", fmt(math.fsum(grads))), Given("m", str(m))]
    else:
        result += [Given(f"∂L/∂{name} per sample", ", ".join(fmt(g) for g in grads)), Given("m", str(m))]
    rule = OPTIMIZER_KINDS[known.optimizer]
    if rule.keeps_first:
        first = float(known.state.first[index]) if known.state.first.size else 0.0
        result.append(Given("M before", fmt(first)))
    if rule.keeps_second:
        second = float(known.state.second[index]) if known.state.second.size else 0.0
        result.append(Given("S before", fmt(second)))
    if rule.counts_steps:
        result.append(Given("t", str(known.state.t + 1)))
    result += [Given(name, shown) for name, shown in rule.quiz_constants(fmt)]
    return tuple(result)


def slips(step: Step, known: Known) -> tuple[Slip, ...]:
    """The answers common mistakes lead to for this step, each computed with the engine's own
    functions from the engine's own numbers (never a stored value). Those that coincide with the
    right answer, or with a slip before them, are dropped: a match must say one thing."""
    value = step.value
    if not math.isfinite(value):
        return ()
    found = _update_slips(step, known) if step.phase == "update" or step.kind == "batch_loss" else _sample_slips(step, known)
    tolerance, _ = number_tolerance(step, known.fmt)
    kept: list[Slip] = []
    for slip in found:
        if not math.isfinite(slip.value) or abs(slip.value - value) <= 2 * tolerance:
            continue
        if any(abs(slip.value - other.value) <= 2 * tolerance for other in kept):
            continue
        kept.append(slip)
    return tuple(kept)


def _sample_slips(step: Step, known: Known) -> list[Slip]:
    net, t = known.net, known.tables
    if t is None or step.layer is None:
        return []
    names = Names(net.sizes)
    out = net.n_layers
    value = step.value
    flipped = Slip(-value, "that is the answer with its sign flipped")
    if t.exps and step.layer == out and step.kind != "z":  # an output's z is a weighted sum like any other
        return _softmax_slips(step, t, net)
    if step.kind == "loss":
        if len(t.y) != 1:
            return []
        y_hat, target, logit = t.a[out][0], t.y[0], t.z[out - 1][0]
        return [Slip(wrong, why) for wrong, why in net.loss_kind.loss_slips(value, y_hat, target, logit)]
    if step.unit is None:
        return []
    if step.kind == "z":
        l, j = step.layer - 1, step.unit
        block = net.block(l, known.params)
        a = t.a[l]
        n_in = len(a)
        weighted = math.fsum(a[i] * float(block[i, j]) for i in range(n_in))
        found = [Slip(weighted, f"that is Σ a·w without the bias: {names.bias(l, j)} was left out")]
        if block.shape[1] == n_in and j < n_in:
            swapped = math.fsum(a[i] * float(block[j, i]) for i in range(n_in)) + float(block[n_in, j])
            beside = (j + 1) % n_in
            found.append(
                Slip(
                    swapped,
                    f"that reads W the other way round ({names.weight(l, j, beside)} for {names.weight(l, beside, j)}): "
                    f"{names.weight(l, beside, j)} is the weight from {names.unit(l, beside)} into {names.unit(step.layer, j)}",
                )
            )
        return found
    if step.kind == "mask":
        h, p = t.a[step.layer][step.unit], net.dropout
        return [
            Slip(h, "that is h itself: a kept unit is also scaled by 1/(1 − p), so its expected value matches evaluation's"),
            Slip(
                h * p,
                "that multiplies by p, the chance of being dropped: a kept unit is divided by 1 − p, its chance of being kept",
            ),
            Slip(
                h * (1.0 - p),
                "that multiplies by 1 − p, as evaluation scales in the original dropout: inverted dropout divides by it in training",
            ),
        ]
    if step.kind == "a":
        z = t.z[step.layer - 1][step.unit]
        own = net.activation(step.layer - 1)
        if is_identity(own):  # ŷ = z: the only slip is squashing what needs no squashing
            other = ACTIVATIONS[own.mistaken_for]
            return [Slip(other.scalar(z), f"that is {other.symbol}(z): a linear output applies no activation, ŷ = z")]
        found = [Slip(z, f"that is z itself: {own.symbol}(z) was not applied")]
        if own.lost_sign is not None:
            found.append(Slip(*own.lost_sign(z)))
        other = ACTIVATIONS[own.mistaken_for]
        found.append(Slip(other.scalar(z), f"that is {other.symbol}(z): this unit's activation is {own.symbol}"))
        return found
    if step.kind == "delta" and step.layer == out:
        k = step.unit
        outputs, targets = np.array([t.a[out][k]]), np.array([t.y[k]])
        found = [
            Slip(-value, "that is y − ŷ: the sign is flipped (δ = ∂L/∂z, and ŷ above y means z should fall)"),
            Slip(t.a[out][k], "that is ŷ itself: ŷ was used for δ, y not subtracted"),
        ]
        own_loss = net.loss_kind
        if own_loss.delta_slips is not None:
            return found + [Slip(wrong, why) for wrong, why in own_loss.delta_slips(t.a[out][k], t.y[k])]
        for other_loss in LOSS_PAIRS.values():  # the δ of another loss for the same kind of target
            if other_loss is not own_loss and other_loss.regression == own_loss.regression:
                found.append(Slip(float(other_loss.delta(outputs, targets)[0]), own_loss.wrong_delta_slip))
        return found
    if step.kind == "delta":
        below, i = step.layer, step.unit
        own = net.activation(below - 1)
        upstream, z, a_i = t.grad_a[below][i], t.z[below - 1][i], t.a[below][i]
        dl_da = gradient(names.value_symbol(below, i)).text
        found = [
            Slip(upstream, f"that is {dl_da} itself: the activation's slope {own.symbol}'(z) was left out"),
            flipped,
            Slip(
                upstream * a_i,
                f"that multiplies by {names.activation_value(below, i)} = {own.symbol}(z), not by its slope {own.symbol}'(z)",
            ),
        ]
        other = ACTIVATIONS[own.mistaken_for]
        slope = other.derivative_scalar(z, a_i)
        found.append(Slip(upstream * slope, f"that uses {other.symbol}'s slope: this unit's activation is {own.symbol}"))
        return found
    if step.kind in ("grad_w", "grad_b"):
        l, source, j = _written_to(step)
        found = [flipped]
        input_value = 1.0 if source is None else t.a[l][source]
        if l + 1 == out:
            found.append(Slip(t.a[out][j] * input_value, f"that uses ŷ for δ: δ_out = ∂L/∂z is {known.fmt(t.delta[l][j])}"))
        if source is not None:
            w = float(net.block(l, known.params)[source, j])
            found.append(
                Slip(
                    t.delta[l][j] * w,
                    f"that multiplies by the weight {names.weight(l, source, j)}, not by its input {names.activation_value(l, source)}",
                )
            )
        return found
    if step.kind == "grad_a":
        l, i = step.layer, step.unit
        deltas = t.delta[l]
        weights = net.weights(l, known.params)
        found = [flipped]
        if l + 1 == out:
            found.append(Slip(math.fsum(t.a[out][j] * float(weights[i, j]) for j in range(len(deltas))), "that uses ŷ for δ_out"))
        if known.updated is not None:
            new = net.weights(l, known.updated)
            used = math.fsum(dj * float(new[i, j]) for j, dj in enumerate(deltas))
            found.append(
                Slip(
                    used,
                    "that uses the weights after this pass's update: the backward pass uses the weights the forward pass used",
                )
            )
        found.append(Slip(t.delta[l - 1][i], f"that is δ_{names.unit(l, i)}: the slope of the activation comes in the next step"))
        return found
    return []


def _softmax_slips(step: Step, t: SampleTables, net: Network) -> list[Slip]:
    """The slips of a softmax output's steps: an exponent not shifted or not exponentiated, the
    wrong sum divided by, the one-hot target not subtracted (or subtracted from every class)."""
    z, exps, total = t.z[-1], t.exps, t.exp_sum
    k = step.unit
    if step.kind == "exp" and k is not None:
        shifted = z[k] - t.shift
        unshifted = math.exp(z[k]) if z[k] < 709 else math.inf
        return [
            Slip(shifted, "that is the exponent z − z_max: e was not raised to it"),
            Slip(
                unshifted,
                "that is e^z without subtracting z_max (the same probabilities in the end, but it overflows for large z)",
            ),
        ]
    if step.kind == "sum":
        return [Slip(math.fsum(z) - len(z) * t.shift, "that adds up the shifted scores z − z_max, not their exponentials")]
    if step.kind == "a" and k is not None:
        mistaken = ACTIVATIONS[net.activation(net.n_layers - 1).mistaken_for]
        others = total - exps[k]
        return [
            Slip(exps[k], f"that is e{k + 1} itself: it was not divided by Σe"),
            Slip(
                exps[k] / others if others > 0 else math.inf, f"that divides by the other exponentials only: Σe includes e{k + 1}"
            ),
            Slip(mistaken.scalar(z[k]), f"that is {mistaken.symbol}(z): a softmax divides by the sum of all K exponentials"),
        ]
    if step.kind == "delta" and k is not None:
        p, y = t.a[-1][k], t.y[k]
        if y == 1.0:
            return [
                Slip(p, f"that is p{k + 1} itself: the one-hot target (1 for the sample's own class) was not subtracted"),
                Slip(1.0 - p, "that is y − p: the sign is flipped (δ = ∂L/∂z = p − y)"),
            ]
        return [
            Slip(p - 1.0, "that subtracts 1 from a class the sample is not: the one-hot target is 1 only for its own class"),
            Slip(-p, "that is y − p: the sign is flipped (δ = ∂L/∂z = p − y)"),
        ]
    if step.kind == "loss":
        target = next((c for c, y in enumerate(t.y) if y == 1.0), None)
        if target is None:
            return []
        slipped = net.loss_kind.loss_slips(step.value, t.a[-1][target], 1.0, z[target])
        return [Slip(wrong, why) for wrong, why in slipped]
    return []


def _update_slips(step: Step, known: Known) -> list[Slip]:
    m = len(known.per_sample)
    lam = known.net.l2
    if step.kind == "batch_loss":
        data_loss = math.fsum(known.losses) / m
        penalty = 0.5 * lam * known.net.weight_squares(known.params)
        found = [Slip(math.fsum(known.losses) + penalty, "that is the sum of the losses: the 1/m of the mean was left out")]
        if lam:
            found += [
                Slip(data_loss, "that is the data loss alone: weight decay adds (λ/2)·Σw² to it"),
                Slip(data_loss + 2 * penalty, "that adds λ·Σw²: the weight decay's term is (λ/2)·Σw², with the ½"),
            ]
        return found
    index = _parameter_index(step, known.net)
    decays = step.kind == "update_w" and bool(lam)
    theta = float(known.params[index])
    first = float(known.state.first[index]) if known.state.first.size else 0.0
    second = float(known.state.second[index]) if known.state.second.size else 0.0
    t_after = known.state.t + 1
    grads = [float(g[index]) for g in known.per_sample]
    mean = math.fsum(grads) / m

    def updated(lr: float, g: float) -> float:
        return scalar_update(known.optimizer, lr, theta, g, first, second, t_after).new_value

    decay = lam * theta if decays else 0.0  # the gradient of (λ/2)·w², for a weight
    right = updated(known.lr, mean + decay)
    found = []
    if m > 1:
        found.append(
            Slip(
                updated(known.lr, math.fsum(grads) + decay),
                "that uses the sum of the samples' gradients: ḡ is their mean, 1/m was left out",
            )
        )
    found += [
        Slip(2 * theta - right, "that steps up the gradient: the update subtracts η times it"),
        Slip(updated(1.0, mean + decay), "that leaves out the learning rate η"),
        Slip(theta - right, f"that is the change, not {step.label}'s new value"),
    ]
    if decays:
        found.append(Slip(updated(known.lr, mean), f"that leaves out the weight decay: its gradient adds λ·{step.label} to ḡ"))
    elif lam:
        found.append(
            Slip(
                updated(known.lr, mean + lam * theta),
                "that decays a bias: only the weights are decayed (a bias shifts a unit and does not make the fit wilder)",
            )
        )
    return found


# --- questions from records ---------------------------------------------------------------------


def _sample_part(step: Step) -> str:
    return f" for sample {step.sample + 1}" if step.sample is not None else ""


def _formula(step: Step, fmt: NumberFormat) -> str:
    """Each equation's left side and its last symbolic form: 'z = x1·w11 + x2·w21 + b1'."""
    parts = []
    for eq in step.equations:
        symbolic = [f for f in eq.forms if has_symbols(f)]
        if symbolic:
            parts.append(f"{text(eq.lhs, fmt)} {eq.relation} {text(symbolic[-1], fmt)}")
    return "; then ".join(parts)


def _worked(step: Step, fmt: NumberFormat) -> str:
    """The step's lines with the numbers put in, as the log will write them, the asked value
    left out ('z = 0·1.7886 + 1·0.0965 + 0 = ?'): every number the answer needs is in the
    question, whatever the diagram shows at that moment. Lines before the last (a batch mean
    before an update) keep their results: they are on the way, not the answer."""
    lines = []
    for k, eq in enumerate(step.equations):
        # a form that reads as the result is no arithmetic (∂L/∂b = δ = 0.4499): the log leaves
        # it out, and here it would be the answer
        numeric = [shown for f in eq.forms if not has_symbols(f) and (shown := text(f, fmt)) != fmt(eq.value)]
        last = k == len(step.equations) - 1
        if not numeric and not last:
            continue
        result = "?" if last else fmt(eq.value)
        lines.append(" ".join([text(eq.lhs, fmt), eq.relation, *(f"{n} =" for n in numeric), result]))
    return "\n".join(lines)


def _prompt(step: Step, fmt: NumberFormat) -> str:
    sample = _sample_part(step)
    lhs = text(step.equations[-1].lhs, fmt)
    if step.kind == "z":
        return f"z of {step.label}{sample} = ?"
    if step.kind == "a":
        if lhs == "a":
            return f"a of {step.label}{sample} = ?"
        return f"{lhs}{sample} = ?" if step.label == "out" else f"{lhs} of {step.label}{sample} = ?"
    if step.kind == "loss":
        return f"the loss L{sample} = ?"
    if step.kind in ("max", "exp", "sum", "mask"):
        return f"{lhs}{sample} = ?"
    if step.kind == "delta":
        return f"δ_{step.label}{sample} = ?"
    if step.kind in ("grad_w", "grad_b", "grad_a"):
        return f"{lhs}{sample} = ?"
    if step.kind == "batch_loss":
        return (
            "the batch's loss with weight decay, L = L_data + (λ/2)·Σw² = ?"
            if len(step.equations) > 1
            else "the batch's mean loss L = ?"
        )
    return f"{step.label} after this update (epoch {step.epoch}) = ?"


def _number_question(step: Step, known: Known) -> Question:
    fmt = known.fmt
    tolerance, how = number_tolerance(step, fmt)
    return Question(
        step.phase,
        step.kind,
        _prompt(step, fmt),
        _formula(step, fmt),
        step.value,
        fmt(step.value),
        how,
        tolerance,
        worked=_worked(step, fmt),
        givens=givens(step, known),
        slips=slips(step, known),
        epoch=step.epoch,
    )


SIGNS = (Choice("+", "positive"), Choice("−", "negative"), Choice("0", "zero"))


def _sign_question(step: Step, known: Known) -> Question:
    fmt = known.fmt
    value = step.value
    key = "+" if value > 0 else ("−" if value < 0 else "0")
    meaning = next(c.text for c in SIGNS if c.key == key)
    lhs = text(step.equations[-1].lhs, fmt)
    what = f"δ_{step.label}" if step.kind == "delta" else lhs
    return Question(
        step.phase,
        step.kind,
        f"{what}{_sample_part(step)}: positive, negative or zero?",
        _formula(step, fmt),
        value,
        f"{meaning} ({fmt(value)})",
        "type +, − or 0 (or the word)",
        choices=SIGNS,
        right=frozenset({key}),
        worked=_worked(step, fmt),
        givens=givens(step, known),
        epoch=step.epoch,
    )


CLASSES = (Choice("0", "class 0"), Choice("1", "class 1"))


def _class_question(step: Step, known: Known) -> Question:
    fmt = known.fmt
    value = step.value
    key = "1" if value > 0.5 else "0"
    relation = ">" if value > 0.5 else "≤"
    return Question(
        "forward",
        step.kind,
        f"after this forward pass, which class does the network predict{_sample_part(step)}?",
        _formula(step, fmt),
        value,
        f"class {key} (ŷ = {fmt(value)} {relation} 0.5)",
        "type 0 or 1: the network predicts class 1 when ŷ > 0.5",
        choices=CLASSES,
        right=frozenset({key}),
        worked=_worked(step, fmt),
        givens=givens(step, known),
        epoch=step.epoch,
    )


def _old_value(step: Step) -> float | None:
    """An update record's parameter before the update: θ in its last line's `θ − …`."""
    numeric = [f for f in step.equations[-1].forms if not has_symbols(f)]
    if not numeric or not isinstance(numeric[-1], Sub):
        return None
    try:
        return evaluate(numeric[-1].left)
    except (ValueError, OverflowError, ZeroDivisionError):
        return None


DIRECTIONS = (Choice("up", "up"), Choice("down", "down"), Choice("same", "unchanged"))


def _direction_question(step: Step, known: Known) -> Question | None:
    fmt = known.fmt
    old = _old_value(step)
    if old is None or not (math.isfinite(old) and math.isfinite(step.value)):
        return None
    change = step.value - old
    key = "up" if change > 0 else ("down" if change < 0 else "same")
    return Question(
        "update",
        step.kind,
        f"in this update (epoch {step.epoch}), does {step.label} go up, down or stay?",
        _formula(step, fmt),
        change,
        f"{next(c.text for c in DIRECTIONS if c.key == key)} ({fmt(old)} → {fmt(step.value)})",
        "type up, down or same",
        choices=DIRECTIONS,
        right=frozenset({key}),
        worked=_worked(step, fmt),
        givens=givens(step, known),
        epoch=step.epoch,
    )


def moves_most(records: Sequence[Step], fmt: NumberFormat) -> Question | None:
    """Which parameter moves most (largest |new − old|) in the update whose records these are.

    None when the update has more than MOST_CHOICES parameters or a value is not finite.
    Parameters that tie for the largest move all count as right.
    """
    updates = [r for r in records if r.kind in ("update_w", "update_b")]
    if not updates or len(updates) > MOST_CHOICES:
        return None
    moves: dict[str, float] = {}
    for record in updates:
        old = _old_value(record)
        if old is None or not (math.isfinite(old) and math.isfinite(record.value)):
            return None
        moves[record.label] = record.value - old
    largest = max(abs(m) for m in moves.values())
    right = [name for name, m in moves.items() if abs(m) >= largest * (1 - 1e-12)]
    first = updates[0]
    rule = optimizer_of(first).rule_text
    shown = " or ".join(f"{name} (it moves by {fmt(moves[name])})" for name in right)
    return Question(
        "update",
        "moves_most",
        f"in this update (epoch {first.epoch}), which parameter moves most?",
        rule,
        largest,
        shown,
        "type its name, e.g. " + updates[0].label + "; if several tie, any of them counts",
        choices=tuple(Choice(name, name) for name in moves),
        right=frozenset(right),
        epoch=first.epoch,
    )


def question(step: Step, known: Known, *, style: Style = "auto", batch: Sequence[Step] = ()) -> Question:
    """The question for `step`, the record about to be revealed.

    style "number" asks for the step's value; "choice" asks a choice where the step has one
    (the predicted class for the output's ŷ; the sign of a δ or gradient; for an update, which
    parameter moves most when `batch` holds the update's records, else which way it moves) and
    the value otherwise; "auto" asks the predicted class for the output's ŷ, the sign of a
    bias's gradient, which parameter moves most for the first parameter of an update given its
    records, and the value for everything else.
    """
    net, fmt = known.net, known.fmt
    single_output = net.sizes[-1] == 1
    if step.kind == "mask":
        step = asked_unit(step)
    value = step.value
    if style == "number" or math.isnan(value):
        return _number_question(step, known)
    first_update = next((r for r in batch if r.kind in ("update_w", "update_b")), None)
    if step.kind == "a" and step.layer == net.n_layers and single_output and not net.regression:
        return _class_question(step, known)  # a regression's ŷ is a value with no class: asked as the number
    if step.kind in ("update_w", "update_b") and first_update is not None and first_update == step:
        most = moves_most(batch, fmt)
        if most is not None:
            return most
    if style == "choice":
        if step.kind in ("delta", "grad_w", "grad_b", "grad_a"):
            return _sign_question(step, known)
        if step.kind in ("update_w", "update_b"):
            direction = _direction_question(step, known)
            if direction is not None:
                return direction
        return _number_question(step, known)
    if step.kind == "grad_b":
        return _sign_question(step, known)
    return _number_question(step, known)


def asked_unit(step: Step) -> Step:
    """A dropout mask step narrowed to the one unit its question asks about: the last kept unit (the
    value after scaling by 1/(1 − p) is the point), or the last unit when every one was dropped."""
    masks = [value for key, value in step.writes if key.kind == "mask"]
    kept = [j for j, m in enumerate(masks) if m != 0.0]
    j = kept[-1] if kept else len(step.equations) - 1
    return replace(step, equations=(step.equations[j],), unit=j, note=None)


def next_question(stepper: Stepper, style: Style = "auto") -> Question:
    """The question for the step a stepper will apply next (with its update's records at hand)."""
    step = stepper.peek()
    batch: Sequence[Step] = ()
    if step.phase == "update":
        current = stepper.current
        batch = stepper.segment_records(current, len(current.samples))
    return question(step, known_at(stepper), style=style, batch=batch)


def written_question(prompt: str, answer: str, choices: Sequence[str] = (), tolerance: float | None = None) -> Question:
    """A teacher's own question (a lesson's `ask`): a number, or one of `choices` (keys a, b, c …).

    A number's default tolerance is 0 for a whole number and half a unit of its last written
    decimal otherwise (answer 0.25 accepts 0.245 … 0.255). ValueError when `answer` is not a
    number, or not one of the choices.
    """
    if choices:
        if len(choices) > 26:
            raise ValueError("at most 26 choices")
        options = tuple(Choice(chr(ord("a") + k), c) for k, c in enumerate(choices))
        right = [c.key for c in options if _norm(c.text) == _norm(answer)]
        if not right:
            raise ValueError(f"the answer '{answer}' is not one of the choices ({' | '.join(choices)})")
        return Question(
            "concept",
            "written",
            prompt,
            "",
            math.nan,
            answer,
            "type the letter or the answer",
            choices=options,
            right=frozenset(right),
        )
    value = parse_answer(answer)
    if not math.isfinite(value):
        raise ValueError(f"the answer must be a finite number, not '{answer}'")
    if tolerance is None:
        plain = _clean(answer).lower().split("e")[0]
        decimals = len(plain.split(".")[1]) if "." in plain else 0
        exponent = int(_clean(answer).lower().split("e")[1]) if "e" in _clean(answer).lower() else 0
        tolerance = 0.0 if decimals == 0 and exponent >= 0 else 0.5 * 10.0 ** (exponent - decimals)
    if not (math.isfinite(tolerance) and tolerance >= 0):
        raise ValueError(f"the tolerance must be a number ≥ 0, not {tolerance:g}")
    how = "type the number; " + ("it must be exact" if tolerance == 0 else f"answers within ±{_tolerance_text(tolerance)} count")
    return Question("concept", "written", prompt, "", value, answer, how, tolerance)


def hint_lines(question: Question) -> list[str]:
    """What the hint key shows, press by press: the rule, then the rule with the numbers put in."""
    lines = []
    if question.formula:
        lines.append(f"rule: {question.formula}")
    if question.worked:
        lines.append(question.worked)
    return lines


# --- judging answers ---------------------------------------------------------------------------


def _norm(answer: str) -> str:
    return " ".join(answer.strip().lower().replace(MINUS, "-").replace("–", "-").split())


def _pick(q: Question, answer: str) -> Choice | None:
    typed = _norm(answer)
    for choice in q.choices:
        if typed in (_norm(choice.key), _norm(choice.text)):
            return choice
    if len(typed) >= 2:
        starting = [c for c in q.choices if _norm(c.text).startswith(typed)]
        if len(starting) == 1:
            return starting[0]
    return None


def check(q: Question, answer: str) -> Verdict:
    """Judge `answer` (what the learner typed) against question `q`."""
    if q.is_choice:
        picked = _pick(q, answer)
        if picked is None:
            listed = ", ".join(f"{c.key} ({c.text})" if c.key != c.text else c.key for c in q.choices)
            typed = answer.strip()
            if not typed:
                return Verdict("invalid", f"type one of: {listed}", q.shown)
            typed = typed if len(typed) <= SHOWN_INPUT and typed.isprintable() else repr(typed[:SHOWN_INPUT])
            return Verdict("invalid", f"'{typed}' is not one of the choices: type one of {listed}", q.shown)
        if picked.key in q.right:
            return Verdict("right", f"right: {q.shown}", q.shown)
        return Verdict("wrong", f"not this time: {q.shown} (you chose {picked.text})", q.shown)
    try:
        value = parse_answer(answer)
    except ValueError as error:
        return Verdict("invalid", str(error), q.shown)
    if math.isnan(q.value) or math.isinf(q.value):
        right = (math.isnan(q.value) and math.isnan(value)) or value == q.value
    else:
        slack = 1e-9 * q.tolerance  # the tolerance's own rounding error, never a digit
        right = math.isfinite(value) and abs(value - q.value) <= q.tolerance + slack
    if right:
        return Verdict("right", f"right: {q.shown}", q.shown)
    typed = f"not this time: it is {q.shown} (you typed {answer.strip()})"
    slip = matched_slip(q, value)
    if slip is None:
        return Verdict("wrong", typed, q.shown)
    return Verdict("wrong", f"{typed}: {slip.what}", q.shown, slip.what)


def matched_slip(q: Question, value: float) -> Slip | None:
    """The first of the question's known mistakes whose answer `value` is (within the question's
    tolerance), or None."""
    if not math.isfinite(value):
        return None
    slack = 1e-9 * q.tolerance
    return next((slip for slip in q.slips if abs(value - slip.value) <= q.tolerance + slack), None)


# --- the score ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    right: int = 0
    wrong: int = 0
    skipped: int = 0

    @property
    def asked(self) -> int:
        return self.right + self.wrong + self.skipped

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.right + other.right, self.wrong + other.wrong, self.skipped + other.skipped)


Answer = Literal["right", "wrong", "skipped"]
# What a question is scored under: a step's question by its identity (asked again after ← it is the
# same question), a lesson's question by its place, (chapter, k): 0 for the chapter's own, k for
# its k-th step question.
ScoreKey = str | tuple[int, int]


@dataclass(frozen=True)
class QuizScore:
    """Right, wrong and skipped answers per kind of step: a plain value, not tied to positions in
    the walk, so stepping back, resizing or rebuilding the network leaves it as it is.

    Each question counts once, for the quiz and the lesson alike: the first answer under a key
    is scored and kept (`first`); an answer under a key already scored is judged but changes
    nothing (practice).
    """

    forward: Tally = Tally()
    loss: Tally = Tally()
    backward: Tally = Tally()
    update: Tally = Tally()
    concept: Tally = Tally()
    first: tuple[tuple[ScoreKey, Answer], ...] = ()  # the first answer under each key, in the order given

    def has_scored(self, key: Question | ScoreKey) -> bool:
        wanted = key.identity if isinstance(key, Question) else key
        return any(scored == wanted for scored, _ in self.first)

    def tally(self, category: Category) -> Tally:
        result: Tally = getattr(self, category)
        return result

    def _add(self, q: Question, outcome: Answer, key: ScoreKey | None) -> QuizScore:
        key = q.identity if key is None else key
        if self.has_scored(key):
            return self
        old = self.tally(q.category)
        counted = replace(old, **{outcome: getattr(old, outcome) + 1})
        return replace(self, first=(*self.first, (key, outcome)), **{q.category: counted})

    def answered(self, q: Question, verdict: Verdict, key: ScoreKey | None = None) -> QuizScore:
        """The score after `verdict` on `q`, scored under `key` (the question's identity unless
        given). An invalid answer is not counted (it is asked again); nor is a key scored before."""
        if verdict.outcome == "invalid":
            return self
        return self._add(q, verdict.outcome, key)

    def skipped(self, q: Question, key: ScoreKey | None = None) -> QuizScore:
        return self._add(q, "skipped", key)

    def chapter_answers(self, chapter: int) -> list[Answer]:
        """The first answers to a lesson chapter's questions, in the order of its questions."""
        return [answer for key, answer in sorted((k, a) for k, a in self.first if isinstance(k, tuple) and k[0] == chapter)]

    @property
    def lesson_answers(self) -> list[Answer]:
        return [answer for key, answer in self.first if isinstance(key, tuple)]

    @property
    def total(self) -> Tally:
        result = Tally()
        for category in CATEGORIES:
            result = result + self.tally(category)
        return result

    def summary(self) -> str:
        """'forward 3/4 · backward 1/2, 1 skipped · total 4/6': right of answered, per kind asked."""
        parts = []
        for category in CATEGORIES:
            t = self.tally(category)
            if t.asked:
                parts.append(_tally_text(category, t))
        if not parts:
            return "no questions answered yet"
        return " · ".join([*parts, _tally_text("total", self.total)])


def _tally_text(name: str, t: Tally) -> str:
    skipped = f", {t.skipped} skipped" if t.skipped else ""
    return f"{name} {t.right}/{t.right + t.wrong}{skipped}"
