"""Immutable records of single micro-steps, and how numbers and names are written in them."""

from __future__ import annotations

import math
from dataclasses import dataclass

MINUS = "−"
PHASES = ("forward", "loss", "backward", "update")

# A value a step reveals: ("z" | "a" | "delta" | "grad_a", unit_layer, unit, -1),
# ("grad_w", weight_layer, i, j), ("grad_b", weight_layer, j, -1),
# ("w", weight_layer, i, j), ("b", weight_layer, j, -1), ("loss", sample, -1, -1).
Key = tuple[str, int, int, int]


@dataclass(frozen=True)
class Step:
    """One arithmetic step of a walk: what is computed, how, with which numbers, and where."""

    phase: str
    kind: str
    epoch: int
    sample: int | None
    layer: int | None
    unit: int | None
    label: str
    formula: str
    substituted: str
    results: tuple[tuple[str, float], ...]
    writes: tuple[tuple[Key, float], ...]
    nodes: tuple[tuple[int, int], ...]
    edges: tuple[tuple[int, int, int], ...]
    header: str | None = None
    explain: str | None = None
    note: str | None = None

    @property
    def value(self) -> float:
        return self.results[-1][1]

    def text_lines(self, fmt: NumberFormat) -> list[str]:
        """The calculation-log lines for this step, as plain text."""
        lines = []
        if self.header:
            lines.append(self.header)
        pad = " " * 6
        label = f"{self.label:<5} "
        if self.explain:
            lines.append(label + self.explain)
            label = pad
        result = fmt(self.value)
        main = f"{self.formula} = {self.substituted}"
        if self.substituted != result:
            main += f" = {result}"
        if self.note:
            main += f"     ({self.note})"
        lines.append(label + main)
        return lines

    def as_json(self) -> dict[str, object]:
        return {
            "phase": self.phase,
            "kind": self.kind,
            "epoch": self.epoch,
            "sample": None if self.sample is None else self.sample + 1,
            "layer": self.layer,
            "unit": None if self.unit is None else self.unit + 1,
            "label": self.label,
            "formula": self.formula,
            "substituted": self.substituted,
            "explain": self.explain,
            "note": self.note,
            "results": {name: json_number(v) for name, v in self.results},
            "nodes": [list(n) for n in self.nodes],
            "edges": [list(e) for e in self.edges],
        }


def json_number(value: float) -> float | str:
    """A float for JSON; non-finite values become the strings 'nan', 'inf', '-inf'."""
    if math.isfinite(value):
        return value
    return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")


class NumberFormat:
    """Writes numbers the way the worked examples do: fixed decimals, a real minus sign."""

    def __init__(self, digits: int = 4) -> None:
        self.digits = digits

    def __call__(self, value: float, paren: bool = False) -> str:
        text = self.plain(value)
        if paren and text.startswith(MINUS):
            return f"({text})"
        return text

    def plain(self, value: float) -> str:
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "∞" if value > 0 else f"{MINUS}∞"
        if value == int(value) and abs(value) < 1e6:
            text = str(int(value))
        elif abs(value) >= 1e6 or abs(value) < 0.5 * 10.0**-self.digits:
            text = f"{value:.{max(self.digits - 1, 1)}e}"
        else:
            text = f"{value:.{self.digits}f}"
        return text.replace("-", MINUS)


class Names:
    """Names of units, weights and biases, as the worked examples write them.

    Inputs x1, x2; one hidden layer h1, h2, …, deeper nets h1.1, h2.3 (layer.unit);
    the output 'out' (ŷ). Weight layers use the letters w, v, u, t, …: w11 is W[0][0][0],
    the weight from x1 to h1; with one output, the last layer's weights are v1, v2.
    Biases b1, b2 (first layer), c1, … (second hidden layer) and b_out.
    """

    WEIGHT_LETTERS = "wvutsrqp"
    BIAS_LETTERS = "bcdefgh"

    def __init__(self, sizes: tuple[int, ...]) -> None:
        self.sizes = sizes
        self.n_layers = len(sizes) - 1

    def unit(self, layer: int, j: int) -> str:
        if layer == 0:
            return f"x{j + 1}"
        if layer == self.n_layers:
            return "out" if self.sizes[-1] == 1 else f"out{j + 1}"
        if self.n_layers == 2:
            return f"h{j + 1}"
        return f"h{layer}.{j + 1}"

    def activation_value(self, layer: int, j: int) -> str:
        """What the value of a unit is called in formulas: x1, h1, ŷ."""
        if layer == self.n_layers:
            return "ŷ" if self.sizes[-1] == 1 else f"ŷ{j + 1}"
        return self.unit(layer, j)

    def weight(self, layer: int, i: int, j: int) -> str:
        letter = self.WEIGHT_LETTERS[layer % len(self.WEIGHT_LETTERS)]
        if layer == self.n_layers - 1 and self.sizes[-1] == 1:
            return f"{letter}{i + 1}"
        if max(self.sizes[layer], self.sizes[layer + 1]) >= 10:
            return f"{letter}{i + 1},{j + 1}"
        return f"{letter}{i + 1}{j + 1}"

    def bias(self, layer: int, j: int) -> str:
        if layer == self.n_layers - 1:
            return "b_out" if self.sizes[-1] == 1 else f"b_out{j + 1}"
        return f"{self.BIAS_LETTERS[layer % len(self.BIAS_LETTERS)]}{j + 1}"

    def delta(self, layer: int, j: int) -> str:
        return f"δ_{self.unit(layer, j)}"
