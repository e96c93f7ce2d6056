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
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import Literal

from tui_nn.engine.expr import (
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
from tui_nn.engine.network import Network
from tui_nn.engine.records import NumberFormat, Step
from tui_nn.engine.stepper import Stepper
from tui_nn.engine.words import optimizer_of

Category = Literal["forward", "loss", "backward", "update", "concept"]
CATEGORIES: tuple[Category, ...] = ("forward", "loss", "backward", "update", "concept")
Style = Literal["auto", "number", "choice"]
STYLES: tuple[Style, ...] = ("auto", "number", "choice")
Outcome = Literal["right", "wrong", "invalid"]

MOST_CHOICES = 20  # "which parameter moves most" is asked of networks with at most this many parameters
SHOWN_INPUT = 24  # characters of a malformed answer repeated back in the message

RULES = {
    "sgd": "θ ← θ − η·ḡ",
    "momentum": "M ← β·M + ḡ, then θ ← θ − η·M",
    "adam": "θ ← θ − η·M̂/(√Ŝ + ε)",
}


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

    @property
    def is_choice(self) -> bool:
        return bool(self.choices)


@dataclass(frozen=True)
class Verdict:
    """What `check` made of an answer: right, wrong, or invalid (not an answer: ask again)."""

    outcome: Outcome
    message: str
    answer: str  # the right answer, as revealed


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
    if step.kind == "delta":
        return f"δ of {step.label}{sample} = ?"
    if step.kind in ("grad_w", "grad_b", "grad_a"):
        return f"{lhs}{sample} = ?"
    if step.kind == "batch_loss":
        return "the batch's mean loss L = ?"
    return f"{step.label} after this update (epoch {step.epoch}) = ?"


def _number_question(step: Step, fmt: NumberFormat) -> Question:
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
    )


SIGNS = (Choice("+", "positive"), Choice("−", "negative"), Choice("0", "zero"))


def _sign_question(step: Step, fmt: NumberFormat) -> Question:
    value = step.value
    key = "+" if value > 0 else ("−" if value < 0 else "0")
    meaning = next(c.text for c in SIGNS if c.key == key)
    lhs = text(step.equations[-1].lhs, fmt)
    what = f"δ of {step.label}" if step.kind == "delta" else lhs
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
    )


CLASSES = (Choice("0", "class 0"), Choice("1", "class 1"))


def _class_question(step: Step, fmt: NumberFormat) -> Question:
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


def _direction_question(step: Step, fmt: NumberFormat) -> Question | None:
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
    rule = RULES[optimizer_of(first)]
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
    )


def question(step: Step, net: Network, fmt: NumberFormat, *, style: Style = "auto", batch: Sequence[Step] = ()) -> Question:
    """The question for `step`, the record about to be revealed.

    style "number" asks for the step's value; "choice" asks a choice where the step has one
    (the predicted class for the output's ŷ; the sign of a δ or gradient; for an update, which
    parameter moves most when `batch` holds the update's records, else which way it moves) and
    the value otherwise; "auto" asks the predicted class for the output's ŷ, the sign of a
    bias's gradient, which parameter moves most for the first parameter of an update given its
    records, and the value for everything else.
    """
    single_output = net.sizes[-1] == 1
    value = step.value
    if style == "number" or math.isnan(value):
        return _number_question(step, fmt)
    first_update = next((r for r in batch if r.kind in ("update_w", "update_b")), None)
    if step.kind == "a" and step.layer == net.n_layers and single_output:
        return _class_question(step, fmt)
    if step.kind in ("update_w", "update_b") and first_update is not None and first_update == step:
        most = moves_most(batch, fmt)
        if most is not None:
            return most
    if style == "choice":
        if step.kind in ("delta", "grad_w", "grad_b", "grad_a"):
            return _sign_question(step, fmt)
        if step.kind in ("update_w", "update_b"):
            direction = _direction_question(step, fmt)
            if direction is not None:
                return direction
        return _number_question(step, fmt)
    if step.kind == "grad_b":
        return _sign_question(step, fmt)
    return _number_question(step, fmt)


def next_question(stepper: Stepper, style: Style = "auto") -> Question:
    """The question for the step a stepper will apply next (with its update's records at hand)."""
    step = stepper.peek()
    batch: Sequence[Step] = ()
    if step.phase == "update":
        current = stepper.current
        batch = stepper.segment_records(current, len(current.samples))
    return question(step, stepper.net, stepper.fmt, style=style, batch=batch)


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
    return Verdict("wrong", f"not this time: it is {q.shown} (you typed {answer.strip()})", q.shown)


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


@dataclass(frozen=True)
class QuizScore:
    """Right, wrong and skipped answers per kind of step: a plain value, not tied to positions in
    the walk, so stepping back, resizing or rebuilding the network leaves it as it is."""

    forward: Tally = Tally()
    loss: Tally = Tally()
    backward: Tally = Tally()
    update: Tally = Tally()
    concept: Tally = Tally()

    def tally(self, category: Category) -> Tally:
        result: Tally = getattr(self, category)
        return result

    def _add(self, category: Category, outcome: Literal["right", "wrong", "skipped"]) -> QuizScore:
        old = self.tally(category)
        return replace(self, **{category: replace(old, **{outcome: getattr(old, outcome) + 1})})

    def answered(self, q: Question, verdict: Verdict) -> QuizScore:
        """The score after `verdict` on `q` (an invalid answer is not counted: it is asked again)."""
        if verdict.outcome == "invalid":
            return self
        return self._add(q.category, verdict.outcome)

    def skipped(self, q: Question) -> QuizScore:
        return self._add(q.category, "skipped")

    @property
    def total(self) -> Tally:
        result = Tally()
        for f in fields(self):
            result = result + getattr(self, f.name)
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
