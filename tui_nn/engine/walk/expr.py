"""Formulas as small expression trees, rendered to terminal text or LaTeX and evaluated.

A record of the walk carries its formula as a tree (symbols, numbers, operations), not as
text: the terminal log, the Markdown/LaTeX export, the quiz and the inspector all render the
same tree. Parenthesising is decided here once, from the tree's structure, so a negative
number can never collide with an operator: `1 − (−0.9530)²`, `0.01·(−0.5000)`, `e^−(−0.1)`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

MINUS = "−"
SUPERSCRIPTS = str.maketrans("0123456789t", "⁰¹²³⁴⁵⁶⁷⁸⁹ᵗ")

Formatter = Callable[[float], str]


class Expr:
    """A node of a formula. Subclasses are frozen dataclasses."""

    def __add__(self, other: Expr) -> Add:
        return Add((self, other))

    def __sub__(self, other: Expr) -> Sub:
        return Sub(self, other)

    def __mul__(self, other: Expr) -> Mul:
        return Mul((self, other))

    def __truediv__(self, other: Expr) -> Div:
        return Div(self, other)


@dataclass(frozen=True)
class Num(Expr):
    """A number computed by the engine; shown with the renderer's number format."""

    value: float


@dataclass(frozen=True)
class Lit(Expr):
    """A number shown exactly as written (1, ½, 0.9): constants of a formula, not results."""

    text: str
    latex: str
    value: float


@dataclass(frozen=True)
class Sym(Expr):
    """A named quantity (w12, ŷ, δ_h1, ∂L/∂w12), with its terminal and LaTeX spellings."""

    text: str
    latex: str


@dataclass(frozen=True)
class Add(Expr):
    terms: tuple[Expr, ...]
    tight: bool = False  # 1/(1+e^−z): no spaces around + inside a compact expansion


@dataclass(frozen=True)
class Sub(Expr):
    left: Expr
    right: Expr
    tight: bool = False


@dataclass(frozen=True)
class Mul(Expr):
    factors: tuple[Expr, ...]


@dataclass(frozen=True)
class Div(Expr):
    numerator: Expr
    denominator: Expr


@dataclass(frozen=True)
class Pow(Expr):
    base: Expr
    exponent: Expr


@dataclass(frozen=True)
class Neg(Expr):
    operand: Expr


@dataclass(frozen=True)
class Exp(Expr):
    """e raised to a power."""

    exponent: Expr


@dataclass(frozen=True)
class Sqrt(Expr):
    operand: Expr


def _undefined(*args: float) -> float:
    raise ValueError("this function has no numeric form")


@dataclass(frozen=True)
class Call(Expr):
    """A named function: σ(z), tanh(z), max(0, z), ln ŷ (`spaced`: ln x without brackets for atoms).

    `fn` computes it, for evaluating a line with its numbers put in.
    """

    name: str
    latex: str
    args: tuple[Expr, ...]
    spaced: bool = False
    fn: Callable[..., float] = _undefined


@dataclass(frozen=True)
class Group(Expr):
    """Explicit brackets the formula is written with: −[…], (1−y)."""

    operand: Expr
    brackets: str = "()"


# --- building helpers ----------------------------------------------------------------------


def num(value: float) -> Num:
    return Num(float(value))


def lit(value: float, text: str | None = None, latex: str | None = None) -> Lit:
    shown = text if text is not None else f"{value:g}".replace("-", MINUS)
    return Lit(shown, latex if latex is not None else shown.replace(MINUS, "-"), float(value))


ONE = Lit("1", "1", 1.0)
HALF = Lit("½", r"\frac{1}{2}", 0.5)


# --- rendering: terminal text --------------------------------------------------------------

_ATOM, _POW, _NEG, _MUL, _ADD = 5, 4, 3, 2, 1


def _negative(e: Expr, fmt: Formatter) -> bool:
    if isinstance(e, Num):
        return fmt(e.value).startswith(MINUS)
    if isinstance(e, Lit):
        return e.text.startswith(MINUS)
    return isinstance(e, Neg)


def _precedence(e: Expr) -> int:
    if isinstance(e, Add | Sub):
        return _ADD
    if isinstance(e, Mul | Div):
        return _MUL
    if isinstance(e, Neg):
        return _NEG
    if isinstance(e, Pow | Exp):
        return _POW
    return _ATOM


def text(e: Expr, fmt: Formatter) -> str:
    """The expression as terminal text, numbers written by `fmt`."""
    return _Text(fmt).render(e)


class _Text:
    def __init__(self, fmt: Formatter) -> None:
        self.fmt = fmt

    def wrapped(self, e: Expr, needs: bool) -> str:
        inner = self.render(e)
        return f"({inner})" if needs else inner

    def operand(self, e: Expr, above: int, allow_negative: bool = False) -> str:
        """`e` as an operand of an operator of precedence `above`, bracketed if it would bind looser."""
        negative = _negative(e, self.fmt) and not allow_negative
        return self.wrapped(e, negative or _precedence(e) < above)

    def render(self, e: Expr) -> str:
        if isinstance(e, Num):
            return self.fmt(e.value)
        if isinstance(e, Lit | Sym):
            return e.text
        if isinstance(e, Add):
            sep = "+" if e.tight else " + "
            parts = [self.operand(t, _ADD, allow_negative=k == 0) for k, t in enumerate(e.terms)]
            return sep.join(parts)
        if isinstance(e, Sub):
            sep = MINUS if e.tight else f" {MINUS} "
            return self.operand(e.left, _ADD, allow_negative=True) + sep + self.operand(e.right, _MUL)
        if isinstance(e, Mul):
            return "·".join(self.operand(f, _MUL) for f in e.factors)
        if isinstance(e, Div):
            return self.operand(e.numerator, _MUL) + "/" + self.operand(e.denominator, _POW)
        if isinstance(e, Pow):
            exponent = self.render(e.exponent)
            sup = exponent.translate(SUPERSCRIPTS)
            shown = sup if all(c in "⁰¹²³⁴⁵⁶⁷⁸⁹ᵗ" for c in sup) else f"^({exponent})"
            return self.operand(e.base, _ATOM) + shown
        if isinstance(e, Neg):
            return MINUS + self.operand(e.operand, _POW)
        if isinstance(e, Exp):
            return "e^" + self.operand(e.exponent, _NEG, allow_negative=True)
        if isinstance(e, Sqrt):
            return "√" + self.operand(e.operand, _ATOM)
        if isinstance(e, Call):
            if e.spaced and len(e.args) == 1 and _precedence(e.args[0]) == _ATOM and not _negative(e.args[0], self.fmt):
                return f"{e.name} {self.render(e.args[0])}"
            return f"{e.name}(" + ", ".join(self.render(a) for a in e.args) + ")"
        if isinstance(e, Group):
            return e.brackets[0] + self.render(e.operand) + e.brackets[1]
        raise TypeError(f"not an expression: {e!r}")


# --- rendering: LaTeX ----------------------------------------------------------------------

_E_NOTATION = re.compile(r"^([+-]?\d+(?:\.\d+)?)e([+-]?)0*(\d+)$")


def latex_number(shown: str) -> str:
    """A number as the terminal shows it, in LaTeX: −1.2e−05 → -1.2 \\times 10^{-5}."""
    plain = shown.replace(MINUS, "-")
    if plain in ("∞", "-∞"):
        return plain.replace("∞", r"\infty")
    if plain == "nan":
        return r"\mathrm{NaN}"
    match = _E_NOTATION.match(plain)
    if match:
        mantissa, sign, exponent = match.groups()
        return rf"{mantissa} \times 10^{{{'-' if sign == '-' else ''}{exponent}}}"
    return plain


def latex(e: Expr, fmt: Formatter) -> str:
    """The expression as LaTeX math (without the surrounding $…$)."""
    return _Latex(fmt).render(e)


class _Latex(_Text):
    def wrapped(self, e: Expr, needs: bool) -> str:
        inner = self.render(e)
        return rf"\left({inner}\right)" if needs else inner

    def render(self, e: Expr) -> str:
        if isinstance(e, Num):
            return latex_number(self.fmt(e.value))
        if isinstance(e, Lit | Sym):
            return e.latex
        if isinstance(e, Add):
            return " + ".join(self.operand(t, _ADD, allow_negative=k == 0) for k, t in enumerate(e.terms))
        if isinstance(e, Sub):
            return self.operand(e.left, _ADD, allow_negative=True) + " - " + self.operand(e.right, _MUL)
        if isinstance(e, Mul):
            return r" \cdot ".join(self.operand(f, _MUL) for f in e.factors)
        if isinstance(e, Div):
            return rf"\frac{{{self.render(e.numerator)}}}{{{self.render(e.denominator)}}}"
        if isinstance(e, Pow):
            return f"{{{self.operand(e.base, _ATOM)}}}^{{{self.render(e.exponent)}}}"
        if isinstance(e, Neg):
            return "-" + self.operand(e.operand, _POW)
        if isinstance(e, Exp):
            return f"e^{{{self.render(e.exponent)}}}"
        if isinstance(e, Sqrt):
            return rf"\sqrt{{{self.render(e.operand)}}}"
        if isinstance(e, Call):
            if e.spaced and len(e.args) == 1 and _precedence(e.args[0]) == _ATOM and not _negative(e.args[0], self.fmt):
                return f"{e.latex} {self.render(e.args[0])}"
            return e.latex + r"\left(" + ", ".join(self.render(a) for a in e.args) + r"\right)"
        if isinstance(e, Group):
            left, right = (r"\left[", r"\right]") if e.brackets == "[]" else (r"\left(", r"\right)")
            return left + self.render(e.operand) + right
        raise TypeError(f"not an expression: {e!r}")


# --- evaluation ----------------------------------------------------------------------------


def natural_log(v: float) -> float:
    return math.log(v) if v > 0 else (-math.inf if v == 0 else math.nan)


def parse_number(shown: str) -> float:
    """The value a reader takes from a number as printed (the inverse of NumberFormat)."""
    plain = shown.replace(MINUS, "-")
    if plain in ("∞", "-∞"):
        return math.inf if plain == "∞" else -math.inf
    return float(plain)


def evaluate(e: Expr, fmt: Formatter | None = None) -> float:
    """The value of a numeric expression. With `fmt`, every number counts as printed (Num by
    `fmt`, literals by their text), which is what a reader recomputing the line on a calculator gets."""

    def ev(x: Expr) -> float:
        if isinstance(x, Num):
            return x.value if fmt is None else parse_number(fmt(x.value))
        if isinstance(x, Lit):
            if fmt is not None:
                try:
                    return parse_number(x.text)  # as printed: 0.78863, not the float behind it
                except ValueError:
                    return x.value  # ½ and other written constants
            return x.value
        if isinstance(x, Add):
            return math.fsum(ev(t) for t in x.terms)
        if isinstance(x, Sub):
            return ev(x.left) - ev(x.right)
        if isinstance(x, Mul):
            result = 1.0
            for f in x.factors:
                result *= ev(f)
            return result
        if isinstance(x, Div):
            den = ev(x.denominator)
            return ev(x.numerator) / den if den != 0 else math.copysign(math.inf, ev(x.numerator))
        if isinstance(x, Pow):
            return float(ev(x.base) ** ev(x.exponent))
        if isinstance(x, Neg):
            return -ev(x.operand)
        if isinstance(x, Exp):
            exponent = ev(x.exponent)
            return math.exp(exponent) if exponent < 709 else math.inf
        if isinstance(x, Sqrt):
            return math.sqrt(ev(x.operand))
        if isinstance(x, Call):
            argument = x.args[0] if len(x.args) == 1 else None
            if x.fn is natural_log and isinstance(argument, Add) and len(argument.terms) == 2 and argument.terms[0] == ONE:
                # ln(1 + x) as the engine computes it: log1p for tiny x, softplus for x = e^y
                added = argument.terms[1]
                if isinstance(added, Exp):
                    y = ev(added.exponent)
                    return y + math.log1p(math.exp(-y)) if y > 0 else math.log1p(math.exp(y))
                return math.log1p(ev(added))
            return float(x.fn(*(ev(a) for a in x.args)))
        if isinstance(x, Group):
            return ev(x.operand)
        raise ValueError(f"cannot evaluate {x!r}")

    return ev(e)


def rounding_scale(e: Expr, fmt: Formatter | None = None) -> float:
    """The size of the numbers a numeric expression combines: its value with every sum and
    difference taken over absolute values. Float64 arithmetic on the expression is exact to
    a few units of 2⁻⁵² times this, so a result smaller than that (terms that cancel) is
    rounding noise, whichever order the terms were added in."""

    def sc(x: Expr) -> float:
        if isinstance(x, Add):
            return math.fsum(sc(t) for t in x.terms)
        if isinstance(x, Sub):
            return sc(x.left) + sc(x.right)
        if isinstance(x, Mul):
            result = 1.0
            for f in x.factors:
                result *= sc(f)
            return result
        if isinstance(x, Div):
            den = abs(evaluate(x.denominator, fmt))
            return sc(x.numerator) / den if den != 0 else math.inf
        if isinstance(x, Neg | Group):
            return sc(x.operand)
        return abs(evaluate(x, fmt))

    return sc(e)


def has_symbols(e: Expr) -> bool:
    """True if the expression contains a named quantity (it is a formula, not arithmetic)."""
    if isinstance(e, Sym):
        return True
    if isinstance(e, Num | Lit):
        return False
    children: tuple[Expr, ...]
    if isinstance(e, Add):
        children = e.terms
    elif isinstance(e, Mul):
        children = e.factors
    elif isinstance(e, Sub):
        children = (e.left, e.right)
    elif isinstance(e, Div):
        children = (e.numerator, e.denominator)
    elif isinstance(e, Pow):
        children = (e.base, e.exponent)
    elif isinstance(e, Neg | Sqrt | Group):
        children = (e.operand,)
    elif isinstance(e, Exp):
        children = (e.exponent,)
    elif isinstance(e, Call):
        children = e.args
    else:
        return False
    return any(has_symbols(c) for c in children)


def map_leaves(e: Expr, leaf: Callable[[Expr], Expr | None]) -> Expr:
    """`e` rebuilt with `leaf(x)` in place of each node x for which it returns an expression
    (its numbers written another way, say); the structure and every other node are kept."""
    replaced = leaf(e)
    if replaced is not None:
        return replaced
    if isinstance(e, Add):
        return Add(tuple(map_leaves(t, leaf) for t in e.terms), e.tight)
    if isinstance(e, Sub):
        return Sub(map_leaves(e.left, leaf), map_leaves(e.right, leaf), e.tight)
    if isinstance(e, Mul):
        return Mul(tuple(map_leaves(f, leaf) for f in e.factors))
    if isinstance(e, Div):
        return Div(map_leaves(e.numerator, leaf), map_leaves(e.denominator, leaf))
    if isinstance(e, Pow):
        return Pow(map_leaves(e.base, leaf), e.exponent)
    if isinstance(e, Group):
        return Group(map_leaves(e.operand, leaf), e.brackets)
    if isinstance(e, Neg):
        return Neg(map_leaves(e.operand, leaf))
    if isinstance(e, Sqrt):
        return Sqrt(map_leaves(e.operand, leaf))
    if isinstance(e, Exp):
        return Exp(map_leaves(e.exponent, leaf))
    if isinstance(e, Call):
        return Call(e.name, e.latex, tuple(map_leaves(a, leaf) for a in e.args), e.spaced, e.fn)
    return e
