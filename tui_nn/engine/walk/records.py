"""Immutable records of single micro-steps: what is computed, as structured formulas, and where.

Records carry structure, not text: each formula is an Equation of expression trees (symbols,
numbers, operations). `tui_nn.engine.walk.render` turns them into the terminal log's lines,
Markdown with LaTeX, or questions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, NamedTuple

from tui_nn.engine.walk.expr import MINUS, Expr, Sym, text

Phase = Literal["forward", "loss", "backward", "update"]
StepKind = Literal[
    "z", "max", "exp", "sum", "a", "mask", "loss", "delta", "grad_w", "grad_b", "grad_a", "batch_loss", "update_w", "update_b"
]
ValueKind = Literal["z", "max", "exp", "sum", "a", "mask", "delta", "grad_a", "grad_w", "grad_b", "w", "b", "loss"]


class Key(NamedTuple):
    """Where a value a step reveals belongs.

    Unit values ("z", "a", "delta", "grad_a"): layer is the unit layer (0 = inputs), unit the unit.
    Parameters and their gradients ("w", "b", "grad_w", "grad_b"): layer is the weight layer,
    unit the unit above (j) and, for weights, source the unit below (i). "loss": unit is the sample.
    A softmax output's "max" (m) and "sum" (S) are unit 0 of the output layer, its "exp" e^(z_k − m) unit k.
    Dropout's "mask" of a hidden unit is what its activation is multiplied by in training: 0 (dropped) or 1/(1 − p).
    """

    kind: ValueKind
    layer: int
    unit: int
    source: int | None = None


@dataclass(frozen=True)
class Equation:
    """lhs = form = form … = value (or lhs ← … for an update): one line of the log.

    `forms` go from symbols to numbers: typically the formula, then the same formula with the
    numbers put in. A renderer leaves out a form that reads exactly as the result.
    """

    lhs: Expr
    forms: tuple[Expr, ...]
    value: float
    relation: Literal["=", "←"] = "="


@dataclass(frozen=True)
class Header:
    """The title of a block of steps: a sample's forward or backward pass, or a batch's update."""

    kind: Literal["forward", "backward", "update"]
    epoch: int
    sample: int | None = None
    x: tuple[float, ...] = ()
    y: tuple[float, ...] = ()
    batch_index: int = 0
    n_batches: int = 1
    batch_size: int = 1
    lr: float = 0.0
    optimizer: str = ""
    constants: tuple[tuple[Sym, float], ...] = ()


@dataclass(frozen=True, kw_only=True)
class Step:
    """One arithmetic step of a walk: its formulas with their numbers, and what it touches.

    `writes` are the values the step reveals (keyed as above); `nodes` (layer, unit) and `edges`
    (weight layer, i, j) are what the diagram highlights.
    """

    phase: Phase
    kind: StepKind
    epoch: int
    sample: int | None
    layer: int | None
    unit: int | None
    label: str
    equations: tuple[Equation, ...]
    writes: tuple[tuple[Key, float], ...] = ()
    nodes: tuple[tuple[int, int], ...] = ()
    edges: tuple[tuple[int, int, int], ...] = ()
    header: Header | None = None
    note: str | None = None

    @property
    def value(self) -> float:
        """The step's result: the value of its last equation."""
        return self.equations[-1].value

    @property
    def results(self) -> tuple[tuple[str, float], ...]:
        """Each equation's left-hand side (as text) and value."""
        return tuple((text(eq.lhs, str), eq.value) for eq in self.equations)


def json_number(value: float) -> float | str:
    """A float for JSON; non-finite values become the strings 'nan', 'inf', '-inf'."""
    if math.isfinite(value):
        return value
    return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")


class NumberFormat:
    """Writes numbers the way the worked examples do: fixed decimals, a real minus sign.

    Whole numbers below a million are written without decimals (0, 1, 4); magnitudes of a
    million or more, and values that would round to zero, in scientific form (1.23e+06,
    9.358e−14), so a number of any size stays short.
    """

    def __init__(self, digits: int = 4) -> None:
        self.digits = digits

    def __call__(self, value: float, paren: bool = False) -> str:
        shown = self.plain(value)
        if paren and shown.startswith(MINUS):
            return f"({shown})"
        return shown

    def plain(self, value: float) -> str:
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "∞" if value > 0 else f"{MINUS}∞"
        if value == int(value) and abs(value) < 1e6:
            shown = str(int(value))
        elif abs(value) >= 1e6 or abs(value) < 0.5 * 10.0**-self.digits:
            shown = f"{value:.{max(self.digits - 1, 1)}e}"
        else:
            shown = f"{value:.{self.digits}f}"
        return shown.replace("-", MINUS)

    def finer(self, extra: int) -> NumberFormat:
        """The same format with `extra` more decimals."""
        return NumberFormat(self.digits + extra)
