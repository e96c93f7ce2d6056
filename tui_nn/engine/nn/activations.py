"""Activation functions, their derivatives, and the text the step-through shows for them.

Every function here is evaluated without overflow for any finite input: the
sigmoid is computed as ½·(1 + tanh(z/2)), which equals 1/(1+e^−z) exactly in
real arithmetic and never forms e^z for large |z|.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import NoReturn

import numpy as np

from tui_nn.engine.nn.torch_text import TorchActivation
from tui_nn.engine.walk.expr import ONE, Add, Call, Div, Exp, Expr, Lit, Mul, Neg, Num, Pow, Sub, Sym, lit, natural_log

LEAKY_SLOPE = 0.01


def sigmoid_scalar(z: float) -> float:
    """σ(z) = 1/(1+e^−z), evaluated in the form that cannot overflow."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


IN_PLACE_ELEMENTS = 4096
"""From this size the vector sigmoid works in place in one new array: on large arrays (a
decision-boundary grid) a temporary per step can cost several times the arithmetic, in
fresh pages; on small ones the extra call costs more than the temporaries."""


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = ½·(1 + tanh(z/2)): equal to 1/(1+e^−z), with no overflow for any z."""
    if z.size < IN_PLACE_ELEMENTS:
        return np.asarray(0.5 * np.tanh(0.5 * z) + 0.5)
    out = np.empty(np.shape(z))
    np.multiply(z, 0.5, out)
    np.tanh(out, out)
    np.multiply(out, 0.5, out)
    np.add(out, 0.5, out)
    return out


def _tanh_scalar(z: float) -> float:
    return math.tanh(z)


def _relu_scalar(z: float) -> float:
    return z if z > 0 else 0.0


def _leaky_scalar(z: float) -> float:
    return z if z > 0 else LEAKY_SLOPE * z


def _softplus_scalar(z: float) -> float:
    """ln(1 + e^z) without overflow: z + ln(1 + e^−z) for z > 0."""
    if z > 0:
        return z + math.log1p(math.exp(-z))
    return math.log1p(math.exp(z))


def _elu_scalar(z: float) -> float:
    """z for z > 0, else e^z − 1 (as expm1: exact near 0, and −1 rather than an overflow far below it)."""
    return z if z > 0 else math.expm1(z)


Op = Callable[[], object]
Operand = Callable[[float, np.ndarray], "np.ndarray | float"]


@dataclass(frozen=True)
class Activation:
    """One activation g, defined once: everything any lens shows or computes about it.

    Consumers ask this object and never compare its name. The formula builders return
    expression trees (tui_nn.engine.walk.expr) for the step-through: `expansion` writes g(z) out with
    the number z put in (None when g(z) is its own best expansion, as for tanh);
    `derivative_numbers` writes g'(z) with z and a = g(z) put in.
    """

    name: str
    symbol: str
    latex: str
    scalar: Callable[[float], float]
    # g'(z) given both z and a = g(z); sigmoid and tanh are cheapest in terms of a.
    derivative_scalar: Callable[[float, float], float]
    expansion: Callable[[Num], Expr | None]
    derivative_numbers: Callable[[Num, Num], Expr]
    vector: Callable[[np.ndarray], np.ndarray]
    derivative_vector: Callable[[np.ndarray, np.ndarray], np.ndarray]
    title: str
    """How a sentence names it ("ReLU")."""
    card: tuple[str, str]
    """g and g' as the quick-reference card writes them."""
    curve_labels: tuple[str, str]
    """g and g' as the curve pane labels its two plots."""
    numpy: Callable[[str], str]
    """A = g(Z) as the tutorials write it in NumPy, for the matrices view."""
    numpy_slope: Callable[[str, str], str]
    """g'(Z) in terms of Z or A = g(Z), in NumPy."""
    slope_reads_output: bool
    """True when numpy_slope reads A (so the matrices view highlights A, else Z)."""
    a_sentence: Callable[[str], str]
    """The walk's sentence for a hidden unit's a = g(z), given the unit's name."""
    slope_sentence: Callable[[str, str, str], str]
    """The rest of the walk's sentence for a hidden δ, given its head, g'(z)'s symbol and a's name."""
    mistaken_for: str
    """The activation this one is most easily taken for (the quiz's wrong answers)."""
    saturates: bool
    """g'(z) falls towards 0 for large |z| (or large negative z): health and diagnostics watch for it."""
    dies: bool
    """g'(z) is exactly 0 for every z ≤ 0: a unit can go dead."""
    kinked: bool
    """g has a kink at z = 0, where central differences straddle two slopes (gradcheck flags it)."""
    slope_bound: float
    """The largest g'(z) can be: what a gradient is multiplied by at most, per layer."""
    curvature_jumps: bool = False
    """g' is continuous at z = 0 but g'' jumps there (no kink): central differences across 0 are accurate to O(ε),
    not O(ε²), so gradcheck extrapolates them instead of leaving the parameter out."""
    off_note: str | None = None
    """The walk's note when z ≤ 0 (None: nothing to say)."""
    numpy_note: str = ""
    """A definition the NumPy line relies on, shown beside it."""
    lost_sign: Callable[[float], tuple[float, str]] | None = None
    """The value (and the quiz's why) when the minus sign inside the formula is lost, if it has one."""
    kernel_preferred_scale: float | None = None
    """The input scale s (Ẑ = s·z) this activation is cheapest fed in the training kernel, if any."""
    kernel_inverts_scale: bool = False
    """True when the kernel's output carries 1/s (bounded activations); False when it carries s."""
    kernel_forward: Callable[[np.ndarray, np.ndarray, np.ndarray, float, Operand], list[Op]] | None = None
    """Ops for out ← the scaled activation of Ẑ = s·z (z, out, tmp, s, operand)."""
    kernel_slope: Callable[[np.ndarray, np.ndarray, float, Operand], list[Op]] | None = None
    """Ops for tmp ← d·g'(z) from the stored scaled activation â (a, tmp, s, operand)."""
    elementwise: bool = True
    """False for an output that couples its units (softmax): `vector` then works on each row of an
    (N, K) array as a whole, and the per-unit fields (scalar, slopes) have no meaning and refuse."""
    output_only: bool = False
    """Offered only for the output layer (config, saved files), never as a hidden activation."""
    classes: str = "one unit: class 1 when ŷ > 0.5"
    """How the output layer's activations become a predicted class, as a sentence says it."""
    torch: TorchActivation | None = None
    """Its PyTorch layer and function, for the NumPy view's PyTorch lens (every entry has one; a test checks)."""

    def applied(self, argument: Expr) -> Call:
        """g(argument), e.g. σ(z)."""
        return Call(self.symbol, self.latex, (argument,), fn=self.scalar)

    @property
    def derivative_symbol(self) -> Sym:
        """g'(z), e.g. σ'(z)."""
        return Sym(f"{self.symbol}'(z)", f"{self.latex}'(z)")

    def slope_note(self, z: float, slope: float) -> str | None:
        """The walk's note on a hidden δ: when this unit passes (almost) no gradient back."""
        if self.off_note is not None and z <= 0:
            return self.off_note
        if self.saturates and slope < SATURATED_SLOPE:
            return "saturated: the slope is below 0.01, so almost no gradient passes"
        return None


SATURATED_SLOPE = 0.01
"""A slope below this on every sample counts as saturated (health, diagnostics, the walk)."""


def _leaky_vector(z: np.ndarray) -> np.ndarray:
    out = np.empty(np.shape(z))
    np.multiply(z, LEAKY_SLOPE, out)
    np.maximum(z, out, out=out)  # = z if z > 0 else 0.01·z, in one new array
    return out


def _elu_vector(z: np.ndarray) -> np.ndarray:
    """max(z, e^min(z, 0) − 1) = z if z > 0 else e^z − 1 (e^z − 1 ≥ z), in one new array and never e^z for z > 0."""
    out = np.asarray(np.minimum(z, 0.0))
    np.expm1(out, out)
    np.maximum(z, out, out=out)
    return out


def _sigmoid_expansion(z: Num) -> Expr:
    """1/(1+e^−z)"""
    return Div(ONE, Add((ONE, Exp(Neg(z))), tight=True))


def _relu_expansion(z: Num) -> Expr:
    return Call("max", r"\max", (Lit("0", "0", 0.0), z), fn=max)


def _leaky_expansion(z: Num) -> Expr | None:
    """z itself for z > 0 (nothing to expand), else slope·z."""
    return None if z.value > 0 else Mul((lit(LEAKY_SLOPE), z))


def _softplus_expansion(z: Num) -> Expr:
    """ln(1 + e^z)"""
    return Call("ln", r"\ln", (Add((ONE, Exp(z)), tight=True),), fn=natural_log)


def _elu_expansion(z: Num) -> Expr | None:
    """z itself for z > 0 (nothing to expand), else e^z − 1."""
    return None if z.value > 0 else Sub(Exp(z), ONE)


_BEND = "this bend is what lets a hidden layer do more than one straight line can."


# --- the training kernel's ops: each works on Ẑ = s·z for a power-of-two scale s (see training._Kernel)


def _sigmoid_forward(z: np.ndarray, out: np.ndarray, tmp: np.ndarray, s: float, k: Operand) -> list[Op]:
    """(1/s)·σ(z) from 2σ(z) = 1 + tanh(z/2)."""
    ops: list[Op] = []
    source = z
    if s != 0.5:
        ops.append(partial(np.multiply, z, k(0.5 / s, z), out))
        source = out
    ops += [partial(np.tanh, source, out), partial(np.add, out, k(1.0, z), out)]
    if s != 0.5:
        ops.append(partial(np.multiply, out, k(0.5 / s, z), out))
    return ops


def _tanh_forward(z: np.ndarray, out: np.ndarray, tmp: np.ndarray, s: float, k: Operand) -> list[Op]:
    """(1/s)·tanh(z)."""
    ops: list[Op] = []
    source = z
    if s != 1.0:
        ops.append(partial(np.multiply, z, k(1.0 / s, z), out))
        source = out
    ops.append(partial(np.tanh, source, out))
    if s != 1.0:
        ops.append(partial(np.multiply, out, k(1.0 / s, z), out))
    return ops


def _relu_forward(z: np.ndarray, out: np.ndarray, tmp: np.ndarray, s: float, k: Operand) -> list[Op]:
    """s·max(z, 0) = max(s·z, 0) for s > 0."""
    return [partial(np.maximum, z, k(0.0, z), out=out)]


def _leaky_forward(z: np.ndarray, out: np.ndarray, tmp: np.ndarray, s: float, k: Operand) -> list[Op]:
    return [partial(np.multiply, z, k(LEAKY_SLOPE, z), tmp), partial(np.maximum, z, tmp, out=out)]


def _softplus_forward(z: np.ndarray, out: np.ndarray, tmp: np.ndarray, s: float, k: Operand) -> list[Op]:
    """s·softplus(Ẑ/s): softplus is not homogeneous, so the scale comes off and goes back on (exactly: s is a power of two)."""
    return [
        partial(np.multiply, z, k(1.0 / s, z), tmp),
        partial(np.logaddexp, k(0.0, z), tmp, out),
        partial(np.multiply, out, k(s, z), out),
    ]


def _elu_forward(z: np.ndarray, out: np.ndarray, tmp: np.ndarray, s: float, k: Operand) -> list[Op]:
    """s·elu(Ẑ/s) = max(Ẑ, s·(e^(min(Ẑ, 0)/s) − 1)): elu is not homogeneous, so the scale comes off and goes back on
    (exactly: s is a power of two), and e^z is never formed for z > 0."""
    return [
        partial(np.minimum, z, k(0.0, z), out=tmp),
        partial(np.multiply, tmp, k(1.0 / s, z), tmp),
        partial(np.expm1, tmp, tmp),
        partial(np.multiply, tmp, k(s, z), tmp),
        partial(np.maximum, z, tmp, out=out),
    ]


def _sigmoid_slope(a: np.ndarray, tmp: np.ndarray, s: float, k: Operand) -> list[Op]:
    """(s − â)·â = s²·a(1 − a)."""
    return [partial(np.subtract, k(s, a), a, tmp), partial(np.multiply, tmp, a, tmp)]


def _tanh_slope(a: np.ndarray, tmp: np.ndarray, s: float, k: Operand) -> list[Op]:
    """s² − â² = s²·(1 − a²)."""
    return [partial(np.multiply, a, a, tmp), partial(np.subtract, k(s * s, a), tmp, tmp)]


def _relu_slope(a: np.ndarray, tmp: np.ndarray, s: float, k: Operand) -> list[Op]:
    """z > 0 ⇔ â > 0 (s > 0)."""
    return [partial(np.greater, a, k(0.0, a), tmp)]


def _leaky_slope(a: np.ndarray, tmp: np.ndarray, s: float, k: Operand) -> list[Op]:
    return [
        partial(np.greater, a, k(0.0, a), tmp),
        partial(np.multiply, tmp, k(1.0 - LEAKY_SLOPE, a), tmp),
        partial(np.add, tmp, k(LEAKY_SLOPE, a), tmp),
    ]


def _softplus_slope(a: np.ndarray, tmp: np.ndarray, s: float, k: Operand) -> list[Op]:
    """σ(z) = 1 − e^−a for a = softplus(z) (since e^a = 1 + e^z): −expm1(−â/s), exact to the last digits."""
    return [
        partial(np.multiply, a, k(-1.0 / s, a), tmp),
        partial(np.expm1, tmp, tmp),
        partial(np.negative, tmp, tmp),
    ]


def _elu_slope(a: np.ndarray, tmp: np.ndarray, s: float, k: Operand) -> list[Op]:
    """min(a + 1, 1) from a = â/s (exact): 1 for z > 0 (where a + 1 > 1), e^z = a + 1 for z ≤ 0."""
    return [
        partial(np.multiply, a, k(1.0 / s, a), tmp),
        partial(np.add, tmp, k(1.0, a), tmp),
        partial(np.minimum, tmp, k(1.0, a), out=tmp),
    ]


def softmax(z: np.ndarray) -> np.ndarray:
    """p_k = e^(z_k − m)/Σ_j e^(z_j − m) along the last axis, m = the row's largest z.

    Subtracting m changes nothing in real arithmetic (it cancels between numerator and
    denominator) and keeps every exponent ≤ 0, so no e^z overflows: logits of ±1000 give
    exact probabilities, where e^1000 would be inf and inf/inf NaN. The largest term is
    e^0 = 1, so the sum is at least 1 and the division is safe.
    """
    z = np.asarray(z, dtype=np.float64)
    shifted = z - z.max(axis=-1, keepdims=True)
    np.exp(shifted, shifted)
    shifted /= shifted.sum(axis=-1, keepdims=True)
    return np.asarray(shifted)


def log_softmax(z: np.ndarray) -> np.ndarray:
    """ln p_k = (z_k − m) − ln Σ_j e^(z_j − m) along the last axis: the log-sum-exp form, finite
    wherever p_k is tiny but positive (ln of a softmax that rounded to 0 would be −inf)."""
    z = np.asarray(z, dtype=np.float64)
    shifted = z - z.max(axis=-1, keepdims=True)
    return np.asarray(shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True)))


def _not_per_unit(*_: object) -> NoReturn:
    raise TypeError("softmax couples the output units: it has no per-unit value or slope (use vector on whole rows)")


def _softmax_slope_vector(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    raise TypeError("softmax's slope is a K×K Jacobian p_k([k = j] − p_j), not elementwise: with cross-entropy it cancels")


SOFTMAX = Activation(
    "softmax",
    "softmax",
    r"\operatorname{softmax}",
    _not_per_unit,
    _not_per_unit,
    lambda z: None,
    _not_per_unit,
    vector=softmax,
    derivative_vector=_softmax_slope_vector,
    title="softmax",
    card=("p_k = e^z_k / Σ_j e^z_j, K probabilities summing to 1", "∂p_k/∂z_j = p_k·([k = j] − p_j)"),
    curve_labels=("p_k = e^z_k / Σ_j e^z_j", "∂p_k/∂z_j = p_k([k = j] − p_j)"),
    numpy=lambda z: f"softmax({z})",
    numpy_slope=lambda z, a: f"{a} * (np.eye(K) - {a})",
    slope_reads_output=True,
    numpy_note="def softmax(z): e = np.exp(z - z.max(axis=1, keepdims=True)); return e / e.sum(axis=1, keepdims=True)",
    a_sentence=lambda unit: (
        f"{unit} = softmax(z) turns the K output sums into K probabilities that add up to 1: each is e^z_k divided by "
        "the sum of all K, computed after subtracting the largest z, which changes no probability and keeps e^z from "
        "overflowing."
    ),
    slope_sentence=lambda head, slope, value: (
        f"{head}: softmax couples its outputs, so {slope} is a K×K matrix p_k([k = j] − p_j); with cross-entropy it "
        "cancels against ∂L/∂p, leaving p − y."
    ),
    mistaken_for="sigmoid",
    saturates=True,
    dies=False,
    kinked=False,
    slope_bound=0.5,
    elementwise=False,
    output_only=True,
    classes="K units: the class with the largest probability (the argmax)",
    torch=TorchActivation("nn.Softmax(dim=1)", "torch.softmax({}, dim=1)"),
)


def _linear_forward(z: np.ndarray, out: np.ndarray, tmp: np.ndarray, s: float, k: Operand) -> list[Op]:
    """s·z = Ẑ itself: the identity passes any scale through (a copy, as the next layer reads its own rows)."""
    return [partial(np.copyto, out, z)]


def _linear_slope(a: np.ndarray, tmp: np.ndarray, s: float, k: Operand) -> list[Op]:
    """g' = 1 everywhere (d = 1: the scale passes through)."""
    return [partial(np.copyto, tmp, k(1.0, a))]


LINEAR = Activation(
    "linear",
    "id",
    r"\operatorname{id}",
    lambda z: z,
    lambda z, a: 1.0,
    lambda z: None,
    lambda z, a: lit(1.0),
    vector=lambda z: np.array(z, dtype=np.float64),
    derivative_vector=lambda z, a: np.ones(np.shape(z)),
    title="linear",
    card=("ŷ = z: no activation, any real number", "slope 1 everywhere"),
    curve_labels=("id(z) = z", "id′(z) = 1"),
    numpy=lambda z: z,
    numpy_slope=lambda z, a: "1",
    slope_reads_output=False,
    a_sentence=lambda unit: (
        f"{unit} = z: a regression's output unit has no activation, so the prediction is the weighted sum itself, "
        "any real number, not squashed into (0, 1)."
    ),
    slope_sentence=lambda head, slope, value: f"{head}, {slope} = 1: the identity passes the error back unchanged.",
    mistaken_for="sigmoid",
    saturates=False,
    dies=False,
    kinked=False,
    slope_bound=1.0,
    output_only=True,
    classes="one unit: the predicted value itself (a regression, no class)",
    kernel_forward=_linear_forward,
    kernel_slope=_linear_slope,
    torch=TorchActivation("nn.Identity()", "{}"),
)
"""The identity at a regression's output ("use no activation (linear output)"): ŷ = z, slope 1."""


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation(
        "sigmoid",
        "σ",
        r"\sigma",
        sigmoid_scalar,
        lambda z, a: a * (1.0 - a),
        _sigmoid_expansion,
        lambda z, a: Mul((a, Sub(ONE, a))),
        vector=sigmoid,
        derivative_vector=lambda z, a: np.asarray(a * (1.0 - a)),
        title="sigmoid",
        card=("σ(z) = 1/(1 + e^−z), between 0 and 1", "σ'(z) = a·(1 − a), at most 0.25"),
        curve_labels=("σ(z) = 1/(1+e^−z)", "σ′(z) = σ(z)(1 − σ(z)) ≤ 0.25"),
        numpy=lambda z: f"sigmoid({z})",
        numpy_slope=lambda z, a: f"{a} * (1 - {a})",
        slope_reads_output=True,
        numpy_note="def sigmoid(z): return 1 / (1 + np.exp(-z))",
        a_sentence=lambda unit: (
            f"{unit} = σ(z) squashes {unit}'s sum into (0, 1): a large positive z gives nearly 1, a large negative z "
            f"nearly 0, and z = 0 gives 0.5; {_BEND}"
        ),
        slope_sentence=lambda head, slope, value: (
            f"{head}, {slope} = {value}·(1 − {value}), which is at most 0.25 (at z = 0) and close to 0 when the unit "
            "is saturated, so each sigmoid layer passes back at most a quarter of the error it receives."
        ),
        mistaken_for="tanh",
        lost_sign=lambda z: (sigmoid_scalar(-z), "that is 1/(1+e^z): the minus sign in e^−z was lost"),
        saturates=True,
        dies=False,
        kinked=False,
        slope_bound=0.25,
        kernel_preferred_scale=0.5,
        kernel_inverts_scale=True,
        kernel_forward=_sigmoid_forward,
        kernel_slope=_sigmoid_slope,
        torch=TorchActivation("nn.Sigmoid()", "torch.sigmoid({})"),
    ),
    "tanh": Activation(
        "tanh",
        "tanh",
        r"\tanh",
        _tanh_scalar,
        lambda z, a: 1.0 - a * a,
        lambda z: None,
        lambda z, a: Sub(ONE, Pow(a, Lit("2", "2", 2.0))),
        vector=lambda z: np.asarray(np.tanh(z)),
        derivative_vector=lambda z, a: np.asarray(1.0 - a * a),
        title="tanh",
        card=("tanh(z) = (e^z − e^−z)/(e^z + e^−z), between −1 and 1", "tanh'(z) = 1 − a², at most 1"),
        curve_labels=("tanh(z)", "tanh′(z) = 1 − tanh²(z) ≤ 1"),
        numpy=lambda z: f"np.tanh({z})",
        numpy_slope=lambda z, a: f"(1 - {a} ** 2)",
        slope_reads_output=True,
        a_sentence=lambda unit: (
            f"{unit} = tanh(z) squashes {unit}'s sum into (−1, 1), centred on 0: tanh(0) = 0, and a large |z| gives "
            f"nearly ±1, where the unit saturates; {_BEND}"
        ),
        slope_sentence=lambda head, slope, value: (
            f"{head}, {slope} = 1 − {value}², which is 1 at z = 0 and close to 0 when |z| is large and the unit saturates."
        ),
        mistaken_for="sigmoid",
        saturates=True,
        dies=False,
        kinked=False,
        slope_bound=1.0,
        kernel_preferred_scale=1.0,
        kernel_inverts_scale=True,
        kernel_forward=_tanh_forward,
        kernel_slope=_tanh_slope,
        torch=TorchActivation("nn.Tanh()", "torch.tanh({})"),
    ),
    "relu": Activation(
        "relu",
        "relu",
        r"\operatorname{relu}",
        _relu_scalar,
        lambda z, a: 1.0 if z > 0 else 0.0,
        _relu_expansion,
        # the derivative at z = 0 is taken as 0 (the subgradient most libraries use)
        lambda z, a: lit(1.0 if z.value > 0 else 0.0),
        vector=lambda z: np.asarray(np.maximum(z, 0.0)),
        derivative_vector=lambda z, a: (z > 0).astype(np.float64),
        title="ReLU",
        card=("relu(z) = max(0, z)", "relu'(z) = 1 if z > 0, else 0"),
        curve_labels=("relu(z) = max(0, z)", "relu′(z) = 1 if z > 0 else 0"),
        numpy=lambda z: f"np.maximum(0, {z})",
        numpy_slope=lambda z, a: f"({z} > 0)",
        slope_reads_output=False,
        a_sentence=lambda unit: (
            f"{unit} = relu(z) = max(0, z) passes a positive z through unchanged and gives 0 when z is negative or zero; "
            f"a unit at 0 sends nothing up for this sample, and no gradient comes back through it."
        ),
        slope_sentence=lambda head, slope, value: (
            f"{head}: 1 when z > 0, so the error passes unchanged, and 0 when z ≤ 0, so a unit that was off for this "
            "sample passes nothing back."
        ),
        mistaken_for="leaky_relu",
        saturates=False,
        dies=True,
        kinked=True,
        slope_bound=1.0,
        off_note="z ≤ 0: this ReLU passes no gradient",
        kernel_forward=_relu_forward,
        kernel_slope=_relu_slope,
        torch=TorchActivation("nn.ReLU()", "torch.relu({})"),
    ),
    "leaky_relu": Activation(
        "leaky_relu",
        "lrelu",
        r"\operatorname{lrelu}",
        _leaky_scalar,
        lambda z, a: 1.0 if z > 0 else LEAKY_SLOPE,
        _leaky_expansion,
        lambda z, a: lit(1.0 if z.value > 0 else LEAKY_SLOPE),
        vector=_leaky_vector,
        derivative_vector=lambda z, a: np.asarray(np.where(z > 0, 1.0, LEAKY_SLOPE)),
        title="leaky ReLU",
        card=(f"lrelu(z) = z if z > 0, else {LEAKY_SLOPE:g}·z", f"lrelu'(z) = 1 if z > 0, else {LEAKY_SLOPE:g}"),
        curve_labels=(f"lrelu(z) = z if z > 0 else {LEAKY_SLOPE:g}·z", f"lrelu′(z) = 1 if z > 0 else {LEAKY_SLOPE:g}"),
        numpy=lambda z: f"np.where({z} > 0, {z}, {LEAKY_SLOPE:g} * {z})",
        numpy_slope=lambda z, a: f"np.where({z} > 0, 1, {LEAKY_SLOPE:g})",
        slope_reads_output=False,
        a_sentence=lambda unit: (
            f"{unit} = lrelu(z) passes a positive z through unchanged and multiplies a negative z by {LEAKY_SLOPE:g}, "
            "so the unit never falls completely silent: a little signal goes up and a little gradient comes back when z < 0."
        ),
        slope_sentence=lambda head, slope, value: (
            f"{head}: 1 when z > 0, and {LEAKY_SLOPE:g} when z ≤ 0, so even a unit that was off for this sample passes "
            f"{LEAKY_SLOPE:.0%} of the error back."
        ),
        mistaken_for="relu",
        saturates=False,
        dies=False,
        kinked=True,
        slope_bound=1.0,
        off_note="z ≤ 0: this leaky ReLU passes 1% of the gradient",
        kernel_forward=_leaky_forward,
        kernel_slope=_leaky_slope,
        torch=TorchActivation(f"nn.LeakyReLU({LEAKY_SLOPE:g})", f"F.leaky_relu({{}}, {LEAKY_SLOPE:g})"),
    ),
    "softplus": Activation(
        "softplus",
        "softplus",
        r"\operatorname{softplus}",
        _softplus_scalar,
        lambda z, a: sigmoid_scalar(z),
        _softplus_expansion,
        lambda z, a: Call("σ", r"\sigma", (z,), fn=sigmoid_scalar),
        vector=lambda z: np.asarray(np.logaddexp(0.0, z)),
        derivative_vector=lambda z, a: sigmoid(z),
        title="softplus",
        card=("softplus(z) = ln(1 + e^z), above 0", "softplus'(z) = σ(z), between 0 and 1"),
        curve_labels=("softplus(z) = ln(1 + e^z)", "softplus′(z) = σ(z) < 1"),
        numpy=lambda z: f"np.logaddexp(0, {z})",
        numpy_slope=lambda z, a: f"sigmoid({z})",
        slope_reads_output=False,
        numpy_note="def sigmoid(z): return 1 / (1 + np.exp(-z))",
        a_sentence=lambda unit: (
            f"{unit} = softplus(z) = ln(1 + e^z) is a smooth ReLU: nearly z for a large positive z, nearly 0 for a large "
            f"negative z, and ln 2 ≈ 0.693 at z = 0; {_BEND}"
        ),
        slope_sentence=lambda head, slope, value: (
            f"{head}, {slope} = σ(z): the derivative of softplus is the sigmoid, so the error passes almost unchanged "
            "when z is large and almost not at all when z is very negative."
        ),
        mistaken_for="relu",
        saturates=True,
        dies=False,
        kinked=False,
        slope_bound=1.0,
        kernel_forward=_softplus_forward,
        kernel_slope=_softplus_slope,
        torch=TorchActivation(
            "nn.Softplus()",
            "F.softplus({})",
            note="nn.Softplus returns z itself above its threshold z > 20, where ours is z + ln(1 + e^−z): they differ by under 2.1e-9",
        ),
    ),
    "elu": Activation(
        "elu",
        "elu",
        r"\operatorname{elu}",
        _elu_scalar,
        # e^z = a + 1 for z ≤ 0: the slope is read from the output, as the kernel reads it
        lambda z, a: 1.0 if z > 0 else a + 1.0,
        _elu_expansion,
        lambda z, a: lit(1.0) if z.value > 0 else Add((a, ONE)),
        vector=_elu_vector,
        derivative_vector=lambda z, a: np.minimum(a + 1.0, 1.0),
        title="ELU",
        card=("elu(z) = z if z > 0, else e^z − 1, above −1", "elu'(z) = 1 if z > 0, else e^z = a + 1, at most 1"),
        curve_labels=("elu(z) = z if z > 0 else e^z − 1", "elu′(z) = 1 if z > 0 else e^z ≤ 1"),
        numpy=lambda z: f"np.where({z} > 0, {z}, np.exp({z}) - 1)",
        numpy_slope=lambda z, a: f"np.minimum({a} + 1, 1)",
        slope_reads_output=True,
        a_sentence=lambda unit: (
            f"{unit} = elu(z) passes a positive z through unchanged and gives e^z − 1 when z is negative, which curves "
            f"smoothly down towards −1: a unit that is off still sends a small negative signal up; {_BEND}"
        ),
        slope_sentence=lambda head, slope, value: (
            f"{head}, {slope} = 1 when z > 0, so the error passes unchanged, and e^z = {value} + 1 when z ≤ 0, which "
            "falls smoothly towards 0 as z goes more negative, so a unit that was off still passes some of the error back."
        ),
        mistaken_for="leaky_relu",
        # for z > 0 there is no minus sign to lose: g(z) = z, which the quiz drops as the right answer
        lost_sign=lambda z: (math.exp(z) + 1.0 if z <= 0 else z, "that is e^z + 1: the minus sign in e^z − 1 was lost"),
        saturates=True,
        dies=False,
        kinked=False,
        slope_bound=1.0,
        curvature_jumps=True,  # g'' is e^z = 1 just below 0 and 0 above it
        torch=TorchActivation("nn.ELU()", "F.elu({})"),
        kernel_forward=_elu_forward,
        kernel_slope=_elu_slope,
    ),
    "softmax": SOFTMAX,
    "linear": LINEAR,
}

HIDDEN_ACTIVATIONS = tuple(name for name, act in ACTIVATIONS.items() if not act.output_only)
"""The choices for a hidden layer (config, CLI, settings, saved files): every elementwise activation."""
OUTPUT_ACTIVATIONS = ("sigmoid", "softmax", "linear")
"""The output layer's: a sigmoid per unit (one binary class, or independent targets), a softmax over K classes,
or the identity for a regression's real-valued target."""


def _smallest_logit_above_half() -> float:
    """The smallest z with sigmoid(z) > ½ in float64 (about 2.2e-16, not 0: σ rounds to exactly ½
    for tinier z). Counting a prediction as class 1 when z exceeds it gives exactly ŷ > ½."""
    low, high = 0.0, 1e-15
    while np.nextafter(low, high) < high:
        middle = 0.5 * (low + high)
        if middle in (low, high):
            break
        if sigmoid(np.array([middle]))[0] > 0.5:
            high = middle
        else:
            low = middle
    return high


LOGIT_ABOVE_HALF = _smallest_logit_above_half()
