"""Losses, each defined once, computed from the pre-activation z so they stay finite.

Conventions (the classic worked examples'):
  bce: L = −Σ_k [y·ln ŷ + (1−y)·ln(1−ŷ)], summed over sigmoid output units, mean over the batch.
  mse: L = ½·Σ_k (ŷ − y)², summed over sigmoid output units, mean over the batch.
  ce:  L = −Σ_k y_k·ln p_k = −ln p_y over a softmax output p (one-hot y), mean over the batch:
       computed by log-sum-exp from the logits, ln p_k = z_k − m − ln Σ_j e^(z_j − m).
  mse at a linear output (regression): L = ½·(ŷ − y)² with ŷ = z, mean over the batch (seed 002's
       L = 1/(2m)·Σ(ŷ − y)²; PyTorch's nn.MSELoss has no ½, so its gradients are twice ours).
  mae at a linear output: L = |ŷ − y|, mean over the batch (PyTorch's nn.L1Loss).

The error signal at the output is
  bce: ∂L/∂z = ŷ − y                 (the σ' cancels)
  mse: ∂L/∂z = (ŷ − y)·ŷ·(1 − ŷ)     (it does not: writing ŷ − y here is the classic mistake)
  ce:  ∂L/∂z_k = p_k − y_k           (the softmax's Jacobian p_k([k = j] − p_j) cancels against −y_j/p_j)
  mse, linear: ∂L/∂z = ŷ − y         (the identity's slope is 1)
  mae, linear: ∂L/∂z = sign(ŷ − y)   (|·| has no derivative at ŷ = y: the subgradient 0 is taken there, as
                                      PyTorch's does; gradcheck leaves out a parameter whose ±ε moves a
                                      sample's ŷ across its y, as it leaves out a ReLU's kink)

A Loss object is one (loss name, output activation) pair: `LOSS_KINDS[name]` is the loss a name means
on its own (mse on a sigmoid, as before regression came), `loss_kind(name, output)` the one for a
network's pair, `Network.loss_kind` a network's own. Consumers ask the object and never compare its
name: a new loss is a new entry here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from tui_nn.engine.nn.activations import ACTIVATIONS, log_softmax
from tui_nn.engine.nn.torch_text import TorchLoss
from tui_nn.engine.walk import notation as n
from tui_nn.engine.walk.expr import HALF, ONE, Add, Call, Exp, Expr, Group, Lit, Mul, Neg, Pow, Sub, Sym, natural_log, num

TWO = Lit("2", "2", 2.0)


def ln(argument: Expr) -> Call:
    return Call("ln", r"\ln", (argument,), spaced=True, fn=natural_log)


def softplus_scalar(z: float) -> float:
    """ln(1 + e^z) without overflow."""
    if z > 0:
        return z + math.log1p(math.exp(-z))
    return math.log1p(math.exp(z))


def bce_from_logit_scalar(z: float, y: float) -> float:
    """−[y·ln σ(z) + (1−y)·ln(1−σ(z))] = y·softplus(−z) + (1−y)·softplus(z), since
    −ln σ(z) = ln(1 + e^−z) and −ln(1 − σ(z)) = ln(1 + e^z).

    Exact to the last digits for any z: the equal form softplus(z) − y·z subtracts two nearly
    equal numbers when the output is confidently right (z = 30, y = 1 gives 9.237e-14 instead of
    9.358e-14, and 0 from z ≈ 37).
    """
    if y == 1.0:
        return softplus_scalar(-z)
    if y == 0.0:
        return softplus_scalar(z)
    return y * softplus_scalar(-z) + (1.0 - y) * softplus_scalar(z)


def _softplus(z: np.ndarray) -> np.ndarray:
    return np.asarray(np.logaddexp(0.0, z))


def _bce_samples(z: np.ndarray, a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """y·ln(1+e^−z) + (1−y)·ln(1+e^z), term by term as the walk does (exact for any z; the equal
    softplus(z) − y·z loses every digit when ŷ is confidently right)."""
    towards_one, towards_zero = _softplus(-z), _softplus(z)
    return np.asarray(
        np.where(y == 1.0, towards_one, np.where(y == 0.0, towards_zero, y * towards_one + (1.0 - y) * towards_zero))
    )


def _bce_chance(y: np.ndarray) -> float:
    p = y.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p), 0.0) + np.where(p < 1, (1 - p) * np.log(1 - p), 0.0)
    return float(-terms.sum())


def _bce_numbers(a: float, y: float) -> Expr:
    """−ln ŷ when y = 1, −ln(1−ŷ) when y = 0, the whole −[y·ln ŷ + (1−y)·ln(1−ŷ)] otherwise."""
    if y == 1.0:
        return Neg(ln(num(a)))
    if y == 0.0:
        return Neg(ln(Sub(ONE, num(a), tight=True)))
    return Neg(
        Group(
            Add(
                (
                    Mul((num(y), ln(num(a)))),
                    Mul((Group(Sub(ONE, num(y), tight=True)), ln(Sub(ONE, num(a), tight=True)))),
                )
            ),
            "[]",
        )
    )


def _bce_logit(z: Expr, y: float) -> Expr:
    """−ln σ(z) = ln(1 + e^−z) and −ln(1 − σ(z)) = ln(1 + e^z): exact, and finite for any z."""
    towards_one = ln(Add((ONE, Exp(Neg(z)))))
    towards_zero = ln(Add((ONE, Exp(z))))
    if y == 1.0:
        return towards_one
    if y == 0.0:
        return towards_zero
    return Add((Mul((num(y), towards_one)), Mul((num(1.0 - y), towards_zero))))


def _bce_output_gradient(a: float, y: float, slope: float) -> float:
    # (ŷ − y)/(ŷ(1 − ŷ)): when σ rounds ŷ to exactly 0 or 1 this divides by 0, yet its product
    # with ∂ŷ/∂z is ŷ − y, finite (the explainer writes that instead)
    return (a - y) / slope if slope != 0.0 else math.inf


@dataclass(frozen=True)
class Loss:
    """One loss L at one kind of output (a sigmoid, a softmax, a linear unit), defined once: everything
    any lens shows or computes about it."""

    name: str
    title: str
    """How a sentence names it ("binary cross-entropy")."""
    batch: Callable[[np.ndarray, np.ndarray, np.ndarray], float]
    """Mean over the batch (rows) of the per-sample loss summed over output units, from (z, ŷ, y)."""
    samples: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    """Each element's loss from (z, ŷ, y), not yet summed over outputs."""
    delta: Callable[[np.ndarray, np.ndarray], np.ndarray]
    """∂L_sample/∂z at the output from (ŷ, y), per sample, not yet divided by the batch size."""
    scalar: Callable[[float, float, float], float]
    """One output's loss from (z, ŷ, y), on Python floats, for the walk."""
    delta_scalar: Callable[[float, float], float]
    """One output's δ from (ŷ, y), on Python floats, in the operation order of `delta`."""
    output_gradient: Callable[[float, float, float], float]
    """∂L/∂ŷ from (ŷ, y, ∂ŷ/∂z), for the chain-rule explainer (inf where it is not a number)."""
    chance: Callable[[np.ndarray], float]
    """The loss of predicting the class balance ȳ for every sample (a network that learned nothing); for a
    regression, of predicting the best constant (the mean for MSE, the median for MAE)."""
    robust_samples: Callable[[np.ndarray, np.ndarray], np.ndarray]
    """Each element's loss from (z, y) only, never overflowing, for a diverged run's last word."""
    formula: Expr
    """L for one output, symbolic, as the walk writes it."""
    numbers: Callable[[float, float], Expr]
    """L for one output with ŷ and y put in."""
    logit_numbers: Callable[[Expr, float], Expr] | None
    """L for one output written from z (given as z or its number), where ŷ's digits cannot carry it; None when they always can."""
    delta_formula: Expr
    """δ_out symbolic, for the walk."""
    delta_numbers: Callable[[float, float], Expr]
    """δ_out with ŷ and y put in."""
    sentence: Callable[[str], str]
    """The walk's sentence for the loss, given ' (summed over the output units)' or ''."""
    delta_sentence: Callable[[str], str]
    """The walk's sentence for an output δ, given the unit's name."""
    card: Callable[[str], tuple[str, str, str, str]]
    """(loss formula, its note, δ formula, its note) for the reference card, given 'Σₖ ' or ''."""
    numpy: Callable[[str, str], str]
    """The per-element loss in NumPy from (ŷ, Y)."""
    numpy_grouped: bool
    """True when the NumPy loss needs brackets before a .sum()."""
    numpy_note: str
    """How the loss is really computed, shown beside the NumPy line."""
    numpy_delta: Callable[[str, str], str]
    """dZ at the output in NumPy from (ŷ, Y)."""
    wrong_delta_slip: str
    """The quiz's why when a learner's δ is another loss's δ, said to a learner using this loss."""
    loss_slips: Callable[[float, float, float, float], list[tuple[float, str]]]
    """The quiz's wrong answers for the loss from (the loss, ŷ, y, z), each with its why."""
    cancels_output_slope: bool
    """δ_out = ŷ − y: σ'(z) cancels against ∂L/∂ŷ."""
    from_logit: bool
    """The training kernel computes it from z (the softplus form) rather than from ŷ."""
    bounded: bool
    """At most ½ per output for targets in [0, 1]: it cannot explode, and an overflowed z must be flagged.
    False for every loss at a linear output: ŷ is unbounded, so the loss is."""
    kernel_gradient_factor: float
    """The factor the training kernel's output δ carries (2(ŷ − y) or 8(ŷ − y)·ŷ(1 − ŷ))."""
    help: str = ""
    """How it is computed, as the help screen's conventions say it."""
    target_range: tuple[float, float] | None = None
    """The targets it is a loss for (None: any), with the reason below."""
    target_rule: str = ""
    output_activation: str = "sigmoid"
    """The output activation it is defined on: a sigmoid per unit, or a softmax over the K classes."""
    uninformed: Callable[[int], float] = lambda outputs: outputs * math.log(2.0)
    """The loss of a network that knows nothing, given the output units: ŷ = ½ on each sigmoid
    output (outputs·ln 2), or p = 1/K on a softmax's K (ln K). A regression has no such constant
    (its targets are any real numbers): `knows_nothing_is_chance` says to use `chance(y)` instead."""
    torch: TorchLoss | None = None
    """Its torch.nn.functional call, for the NumPy view's PyTorch lens (every entry has one; a test checks)."""
    knows_nothing_is_chance: bool = False
    """The reference loss of a network that knows nothing is `chance(y)`, the loss of predicting the
    targets' best constant (a regression), not `uninformed(outputs)`; see `reference`."""
    kinked: bool = False
    """L has a kink where ŷ = y (MAE's |ŷ − y|): there is no derivative, the subgradient 0 is taken, and
    gradcheck leaves out a parameter whose ±ε moves a sample's ŷ across its target."""
    regression: bool = False
    """Defined on a linear output for real-valued targets: its δ and loss read ŷ = z, with no class."""
    measure: str = "loss"
    """How the loss chart, its readout and the help name the number the loss is, exactly: "½·MSE" for the
    squared error (the number is ½·mean (ŷ − y)², half what PyTorch's nn.MSELoss and most texts call MSE),
    "MAE"; "loss" for a cross-entropy, whose number no shorter name says better."""
    delta_slips: Callable[[float, float], list[tuple[float, str]]] | None = None
    """The quiz's wrong answers for δ_out from (ŷ, y), each with its why; None: every other loss's δ for the
    same kind of target, each with `wrong_delta_slip` (the classification losses, whose other δ's are one mistake)."""
    numpy_batch: Callable[[str, str], str] | None = None
    """The batch's loss in one line as the tutorials write it, from (ŷ, Y), m the batch size
    ("np.sum((A2 - Y) ** 2) / (2 * m)"); None: the NumPy view writes L.sum() / m."""
    kernel_finish: Callable[[np.ndarray], list[Callable[[], object]]] | None = None
    """At a linear output: the training kernel's in-place ops that turn its buffer holding ŷ − y into
    this loss's δ (MAE: its sign); None when ŷ − y is δ (MSE)."""

    def reference(self, outputs: int, y: np.ndarray | None = None) -> float:
        """The loss of a network that knows nothing about the inputs, for the divergence limit and the
        stuck check: `uninformed(outputs)`, or `chance(y)` (the targets `y` are then needed) where no
        fixed ŷ means "knows nothing"."""
        if not self.knows_nothing_is_chance:
            return self.uninformed(outputs)
        if y is None:
            raise ValueError(
                f"the {self.title}'s reference loss is that of predicting the targets' best constant: it needs the targets"
            )
        return self.chance(y)


def _bce_slips(value: float, y_hat: float, target: float, logit: float) -> list[tuple[float, str]]:
    return [
        (-value, "that is the loss without its minus sign: ln of a number below 1 is negative"),
        (bce_from_logit_scalar(logit, 1.0 - target), "that takes the wrong term: for y = 1 it is −ln ŷ, for y = 0 −ln(1−ŷ)"),
        (0.5 * (y_hat - target) ** 2, "that is the squared error ½(ŷ − y)²: this network's loss is cross-entropy"),
    ]


def _mse_slips(value: float, y_hat: float, target: float, logit: float) -> list[tuple[float, str]]:
    return [
        (2 * value, "that is (ŷ − y)² without the ½"),
        (bce_from_logit_scalar(logit, target), "that is the cross-entropy loss: this network's loss is ½(ŷ − y)²"),
    ]


def _bce_batch(z: np.ndarray, a: np.ndarray, y: np.ndarray) -> float:
    return float((np.logaddexp(0.0, z).sum() - np.vdot(y, z)) / z.shape[0])


def _mse_batch(z: np.ndarray, a: np.ndarray, y: np.ndarray) -> float:
    d = a - y
    return float(0.5 * np.vdot(d, d) / z.shape[0])


BCE = Loss(
    "bce",
    "binary cross-entropy",
    batch=_bce_batch,
    samples=_bce_samples,
    delta=lambda a, y: np.asarray(a - y),
    scalar=lambda z, a, y: bce_from_logit_scalar(z, y),
    delta_scalar=lambda a, y: a - y,
    output_gradient=_bce_output_gradient,
    chance=_bce_chance,
    robust_samples=lambda z, y: np.asarray(np.maximum(z, 0.0) - y * z + np.log1p(np.exp(-np.abs(z)))),
    formula=Neg(
        Group(
            Add(
                (
                    Mul((n.TARGET, ln(n.OUTPUT))),
                    Mul((Group(Sub(ONE, n.TARGET, tight=True)), ln(Sub(ONE, n.OUTPUT, tight=True)))),
                )
            ),
            "[]",
        )
    ),
    numbers=_bce_numbers,
    logit_numbers=_bce_logit,
    delta_formula=Sub(n.OUTPUT, n.TARGET),
    delta_numbers=lambda a, y: Sub(num(a), num(y)),
    sentence=lambda summed: (
        f"The loss L = −[y·ln ŷ + (1−y)·ln(1−ŷ)]{summed} is the network's surprise at the target: −ln ŷ for a "
        "target of 1 and −ln(1−ŷ) for a target of 0, near 0 when ŷ is confidently right and growing without limit "
        "when it is confidently wrong; training lowers its mean over the samples."
    ),
    delta_sentence=lambda unit: (
        f"δ of {unit} = ∂L/∂z is how much the loss changes when {unit}'s sum z changes; by the chain rule it is "
        "∂L/∂ŷ·σ'(z), and with cross-entropy ∂L/∂ŷ = (ŷ − y)/(ŷ(1 − ŷ)) while σ'(z) = ŷ(1 − ŷ), so they cancel "
        "to δ = ŷ − y: the plain error, large whenever the prediction is far off, even where the sigmoid is flat."
    ),
    card=lambda summed: (
        f"L = −{summed}[y·ln ŷ + (1−y)·ln(1−ŷ)]",
        "−ln ŷ when y = 1, −ln(1−ŷ) when y = 0",
        "δ_out = ŷ − y",
        "σ' cancels against ∂L/∂ŷ",
    ),
    numpy=lambda out, y: f"-({y} * np.log({out}) + (1 - {y}) * np.log(1 - {out}))",
    numpy_grouped=False,
    numpy_note="computed from Z as Y * np.logaddexp(0, -Z) + (1 - Y) * np.logaddexp(0, Z): equal, and finite",
    numpy_delta=lambda out, y: f"{out} - {y}",
    wrong_delta_slip="that multiplies by σ'(z) = ŷ(1 − ŷ): with cross-entropy it cancels",
    loss_slips=_bce_slips,
    cancels_output_slope=True,
    from_logit=True,
    bounded=False,
    kernel_gradient_factor=2.0,
    help="cross-entropy is computed from z, as y·ln(1 + e^−z) + (1−y)·ln(1 + e^z), which equals "
    "−[y·ln ŷ + (1−y)·ln(1−ŷ)] exactly and stays finite",
    # −[y·ln ŷ + (1−y)·ln(1−ŷ)] is a loss (≥ 0, least at ŷ = y) only for y in [0, 1]: at y = 5 it goes negative
    target_range=(0.0, 1.0),
    target_rule="cross-entropy (bce) needs targets within 0 … 1",
    torch=TorchLoss(
        "F.binary_cross_entropy_with_logits",
        takes_logits=True,
        why="it takes the logits z, not σ(z), and computes y·ln(1+e^−z) + (1−y)·ln(1+e^z) itself, finite for any z: "
        "no nn.Sigmoid() at the model's end",
    ),
)

MSE = Loss(
    "mse",
    "mean squared error",
    batch=_mse_batch,
    samples=lambda z, a, y: np.asarray(0.5 * (a - y) ** 2),
    delta=lambda a, y: np.asarray((a - y) * a * (1.0 - a)),
    scalar=lambda z, a, y: 0.5 * (a - y) ** 2,
    delta_scalar=lambda a, y: (a - y) * a * (1.0 - a),
    output_gradient=lambda a, y, slope: a - y,
    chance=lambda y: float(0.5 * y.var(axis=0).sum()),
    robust_samples=lambda z, y: np.asarray(0.5 * np.square(0.5 * np.tanh(0.5 * z) + 0.5 - y)),
    formula=Mul((HALF, Pow(Group(Sub(n.OUTPUT, n.TARGET)), TWO))),
    numbers=lambda a, y: Mul((HALF, Pow(Sub(num(a), num(y)), TWO))),
    logit_numbers=None,
    delta_formula=Mul((Group(Sub(n.OUTPUT, n.TARGET)), n.OUTPUT, Sub(ONE, n.OUTPUT))),
    delta_numbers=lambda a, y: Mul((Group(Sub(num(a), num(y))), Mul((num(a), Sub(ONE, num(a)))))),
    sentence=lambda summed: (
        f"The loss L = ½·(ŷ − y)²{summed} is half the squared distance between prediction and target: 0 when ŷ = y, "
        "growing with the square of the miss (the ½ only cancels the 2 of its derivative); training lowers its mean "
        "over the samples."
    ),
    delta_sentence=lambda unit: (
        f"δ of {unit} = ∂L/∂z = ∂L/∂ŷ·σ'(z) = (ŷ − y)·ŷ(1 − ŷ): with the squared error nothing cancels, so the "
        "sigmoid's slope stays in, and an output that is confidently wrong (ŷ near 0 or 1) gets almost no error signal, "
        "which is why mean squared error learns slowly from a bad start."
    ),
    card=lambda summed: (
        f"L = {summed}½·(ŷ − y)²",
        "the ½ cancels the 2 of the derivative",
        "δ_out = (ŷ − y)·ŷ·(1 − ŷ)",
        "σ' does not cancel: not ŷ − y",
    ),
    numpy=lambda out, y: f"0.5 * ({out} - {y}) ** 2",
    numpy_grouped=True,
    numpy_note="",
    numpy_delta=lambda out, y: f"({out} - {y}) * {out} * (1 - {out})",
    wrong_delta_slip="that leaves out σ'(z) = ŷ(1 − ŷ): with ½(ŷ − y)² it does not cancel",
    loss_slips=_mse_slips,
    cancels_output_slope=False,
    from_logit=False,
    bounded=True,
    kernel_gradient_factor=8.0,
    help="mse is ½·(ŷ − y)² per output, its batch mean ½·MSE (half PyTorch's nn.MSELoss), whose output δ is (ŷ − y)·ŷ(1 − ŷ)",
    measure="½·MSE",
    torch=TorchLoss(
        "F.mse_loss",
        takes_logits=False,
        why="F.mse_loss is the mean of (ŷ − y)², with no ½: alone it gives twice our loss and gradients, hence / 2; "
        "it takes ŷ, so nn.Sigmoid() ends the model",
        halves=True,
    ),
)


def _ce_batch(z: np.ndarray, a: np.ndarray, y: np.ndarray) -> float:
    """−mean Σ_k y_k·ln p_k with ln p from the logits (log-sum-exp): finite for any finite z."""
    return float(-np.vdot(y, log_softmax(z)) / z.shape[0])


def _ce_samples(z: np.ndarray, a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """−y_k·ln p_k per element (0 where y_k = 0), not yet summed over the K classes."""
    return np.asarray(np.where(y == 0.0, 0.0, -y * log_softmax(z)))


def _ce_chance(y: np.ndarray) -> float:
    """−Σ_k p̄_k·ln p̄_k: predicting each class's share p̄_k for every sample."""
    p = y.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(-np.where(p > 0, p * np.log(p), 0.0).sum())


def _ce_scalar(z: float, a: float, y: float) -> float:
    """One class's term −y·ln p of the sum (0 for the classes the sample is not)."""
    if y == 0.0:
        return 0.0
    return -y * math.log(a) if a > 0.0 else math.inf


def _ce_numbers(a: float, y: float) -> Expr:
    """−ln p for the sample's own class (y = 1), −y·ln p otherwise."""
    if y == 1.0:
        return Neg(ln(num(a)))
    return Neg(Mul((num(y), ln(num(a)))))


def _ce_slips(value: float, p: float, target: float, logit: float) -> list[tuple[float, str]]:
    slips = [(-value, "that is the loss without its minus sign: ln of a probability below 1 is negative")]
    if 0.0 < p < 1.0:
        slips.append((-math.log(1.0 - p), "that is −ln(1 − p), the binary loss's other term: with a softmax it is −ln p_y"))
    return slips


PROBABILITY = Sym("p", "p")
OWN_PROBABILITY = Sym("p_y", "p_y")

CE = Loss(
    "ce",
    "cross-entropy",
    batch=_ce_batch,
    samples=_ce_samples,
    delta=lambda a, y: np.asarray(a - y),
    scalar=_ce_scalar,
    delta_scalar=lambda a, y: a - y,
    output_gradient=lambda a, y, slope: -y / a if a > 0.0 else (0.0 if y == 0.0 else -math.inf),
    chance=_ce_chance,
    robust_samples=lambda z, y: np.asarray(np.where(y == 0.0, 0.0, -y * log_softmax(z))),
    formula=Neg(ln(OWN_PROBABILITY)),
    numbers=_ce_numbers,
    logit_numbers=None,
    delta_formula=Sub(PROBABILITY, n.TARGET),
    delta_numbers=lambda a, y: Sub(num(a), num(y)),
    sentence=lambda summed: (
        "The loss L = −ln p_y is the network's surprise at the true class: minus the log of the probability the softmax "
        "gave the sample's own class y, 0 when p_y = 1 and growing without limit as p_y falls towards 0; with K classes "
        "a network that knows nothing (p = 1/K each) scores ln K. Training lowers its mean over the samples."
    ),
    delta_sentence=lambda unit: (
        f"δ of {unit} = ∂L/∂z is p − y: by the chain rule ∂L/∂z_k = Σ_j ∂L/∂p_j·∂p_j/∂z_k, with ∂L/∂p_j = −y_j/p_j and "
        "∂p_j/∂z_k = p_j([j = k] − p_k), which sum to p_k − y_k, so softmax and cross-entropy together give the plain "
        "error: the probability minus 1 for the true class, the probability itself for every other."
    ),
    card=lambda summed: (
        "L = −Σₖ y_k·ln p_k = −ln p_y",
        "computed from z by log-sum-exp: ln p_k = z_k − max z − ln Σⱼ e^(zⱼ − max z)",
        "δ_out = p − y",
        "the softmax's Jacobian cancels against ∂L/∂p",
    ),
    numpy=lambda out, y: f"-{y} * np.log({out})",
    numpy_grouped=True,
    numpy_note="computed from Z as -(Y * log_softmax(Z)), log_softmax(Z) = Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))",
    numpy_delta=lambda out, y: f"{out} - {y}",
    wrong_delta_slip="that multiplies by a slope p(1 − p): with a softmax and cross-entropy the Jacobian cancels, δ = p − y",
    loss_slips=_ce_slips,
    cancels_output_slope=True,
    from_logit=True,
    bounded=False,
    kernel_gradient_factor=1.0,
    help="cross-entropy over a softmax is computed from z by log-sum-exp, ln p_k = z_k − max z − ln Σⱼ e^(zⱼ − max z), "
    "which equals ln of the softmax exactly and stays finite",
    target_range=(0.0, 1.0),
    target_rule="cross-entropy (ce) needs one-hot targets: one column per class",
    output_activation="softmax",
    uninformed=lambda outputs: math.log(outputs),
    torch=TorchLoss(
        "F.cross_entropy",
        takes_logits=True,
        why=(
            "it takes the logits and the class indices and applies the softmax itself (by log-sum-exp, finite for any z): "
            "no nn.Softmax() at the model's end"
        ),
        targets="y.argmax(dim=1)",
        per_row=True,
    ),
)


def _needs_targets(outputs: int) -> float:
    raise ValueError(
        "a regression's know-nothing loss is that of predicting the targets' best constant: use reference(outputs, y)"
    )


def _regression_mse_slips(value: float, y_hat: float, target: float, logit: float) -> list[tuple[float, str]]:
    return [
        (2 * value, "that is (ŷ − y)² without the ½ (PyTorch's nn.MSELoss has none; ours, seed 002's, does)"),
        (abs(y_hat - target), "that is the absolute error |ŷ − y|: this network's loss is ½(ŷ − y)²"),
    ]


def _regression_mse_delta_slips(y_hat: float, target: float) -> list[tuple[float, str]]:
    return [
        (2 * (y_hat - target), "that is 2(ŷ − y), PyTorch's nn.MSELoss gradient: its loss has no ½, ours has, so δ = ŷ − y"),
        (
            (y_hat - target) * y_hat * (1.0 - y_hat),
            "that multiplies by a sigmoid's slope ŷ(1 − ŷ): a linear output's slope is 1, so δ = ŷ − y",
        ),
        (_sign_scalar(y_hat - target), "that is sign(ŷ − y), the absolute error's δ: with ½(ŷ − y)² δ is the miss itself"),
    ]


def _mae_delta_slips(y_hat: float, target: float) -> list[tuple[float, str]]:
    return [
        (y_hat - target, "that is the squared error's ŷ − y: with |ŷ − y| the gradient is only its sign, ±1"),
        (2 * (y_hat - target), "that is 2(ŷ − y), the squared error's gradient without its ½: |ŷ − y|'s is only its sign"),
    ]


def _mae_slips(value: float, y_hat: float, target: float, logit: float) -> list[tuple[float, str]]:
    return [
        (0.5 * (y_hat - target) ** 2, "that is the squared error ½(ŷ − y)²: this network's loss is |ŷ − y|"),
        (y_hat - target, "that is ŷ − y without the absolute value: a loss is never negative, |ŷ − y| is"),
    ]


def _sign_scalar(d: float) -> float:
    """sign(d) as np.sign gives it: 1.0, −1.0, or 0.0 at d = 0 (MAE's subgradient at its kink)."""
    return 1.0 if d > 0 else (-1.0 if d < 0 else 0.0)


def _mae_batch(z: np.ndarray, a: np.ndarray, y: np.ndarray) -> float:
    return float(np.abs(a - y).sum() / z.shape[0])


def _mae_chance(y: np.ndarray) -> float:
    """Σ_k mean |y_k − median y_k|: the median is the constant with the least mean absolute error."""
    return float(np.abs(y - np.median(y, axis=0)).mean(axis=0).sum())


def _abs(argument: Expr) -> Call:
    return Call("abs", r"\operatorname{abs}", (argument,), fn=abs)


def _sign(argument: Expr) -> Call:
    return Call("sign", r"\operatorname{sign}", (argument,), fn=_sign_scalar)


REGRESSION_MSE = Loss(
    "mse",
    "mean squared error",
    batch=_mse_batch,
    samples=lambda z, a, y: np.asarray(0.5 * (a - y) ** 2),
    delta=lambda a, y: np.asarray(a - y),
    scalar=lambda z, a, y: 0.5 * (a - y) ** 2,
    delta_scalar=lambda a, y: a - y,
    output_gradient=lambda a, y, slope: a - y,
    chance=lambda y: float(0.5 * y.var(axis=0).sum()),
    robust_samples=lambda z, y: np.asarray(0.5 * np.square(z - y)),
    formula=Mul((HALF, Pow(Group(Sub(n.OUTPUT, n.TARGET)), TWO))),
    numbers=lambda a, y: Mul((HALF, Pow(Sub(num(a), num(y)), TWO))),
    logit_numbers=None,
    delta_formula=Sub(n.OUTPUT, n.TARGET),
    delta_numbers=lambda a, y: Sub(num(a), num(y)),
    sentence=lambda summed: (
        f"The loss L = ½·(ŷ − y)²{summed} is half the squared distance between the predicted value and the target: "
        "0 when ŷ = y, growing with the square of the miss, so a far-off point weighs much more than a near one (the ½ "
        "only cancels the 2 of its derivative); training lowers its mean over the samples, L = 1/(2m)·Σ(ŷ − y)²."
    ),
    delta_sentence=lambda unit: (
        f"δ of {unit} = ∂L/∂z = ∂L/∂ŷ·∂ŷ/∂z = (ŷ − y)·1 = ŷ − y: the output is linear (ŷ = z, slope 1), so the error "
        "signal is the miss itself, signed: positive when the prediction is too high, negative when too low."
    ),
    card=lambda summed: (
        f"L = {summed}½·(ŷ − y)², mean over the batch: 1/(2m)·Σ(ŷ − y)²",
        "the ½ cancels the 2 of the derivative; PyTorch's nn.MSELoss has no ½, so its loss and gradients are twice ours",
        "δ_out = ŷ − y",
        "linear output: ŷ = z, slope 1",
    ),
    numpy=lambda out, y: f"0.5 * ({out} - {y}) ** 2",
    numpy_grouped=True,
    numpy_note="",
    numpy_delta=lambda out, y: f"{out} - {y}",
    wrong_delta_slip="that multiplies by a sigmoid's slope ŷ(1 − ŷ): a linear output's slope is 1, so δ = ŷ − y",
    loss_slips=_regression_mse_slips,
    delta_slips=_regression_mse_delta_slips,
    numpy_batch=lambda out, y: f"np.sum(({out} - {y}) ** 2) / (2 * m)",
    cancels_output_slope=False,
    from_logit=False,
    bounded=False,
    kernel_gradient_factor=1.0,
    help="mse at a linear output is ½·(ŷ − y)², its batch mean ½·MSE, whose output δ is ŷ − y (PyTorch's nn.MSELoss has no ½)",
    measure="½·MSE",
    output_activation="linear",
    torch=TorchLoss(
        "F.mse_loss",
        takes_logits=False,
        why="F.mse_loss (nn.MSELoss()) has no ½: its loss and gradient 2(ŷ − y) are twice ours, hence / 2; no output module",
        halves=True,
    ),
    uninformed=_needs_targets,
    knows_nothing_is_chance=True,
    regression=True,
)

MAE = Loss(
    "mae",
    "mean absolute error",
    batch=_mae_batch,
    samples=lambda z, a, y: np.asarray(np.abs(a - y)),
    delta=lambda a, y: np.asarray(np.sign(a - y)),
    scalar=lambda z, a, y: abs(a - y),
    delta_scalar=lambda a, y: _sign_scalar(a - y),
    output_gradient=lambda a, y, slope: _sign_scalar(a - y),
    chance=_mae_chance,
    robust_samples=lambda z, y: np.asarray(np.abs(z - y)),
    formula=_abs(Sub(n.OUTPUT, n.TARGET)),
    numbers=lambda a, y: _abs(Sub(num(a), num(y))),
    logit_numbers=None,
    delta_formula=_sign(Sub(n.OUTPUT, n.TARGET)),
    delta_numbers=lambda a, y: _sign(Sub(num(a), num(y))),
    sentence=lambda summed: (
        f"The loss L = |ŷ − y|{summed} is the distance between the predicted value and the target: 0 when ŷ = y, "
        "growing in proportion to the miss, so a far-off point (an outlier) weighs less than under the squared error; "
        "training lowers its mean over the samples."
    ),
    delta_sentence=lambda unit: (
        f"δ of {unit} = ∂L/∂z = sign(ŷ − y)·1: +1 when the prediction is too high, −1 when too low, whatever the size "
        "of the miss; at ŷ = y |·| has a kink and no derivative, and 0 (a subgradient, as PyTorch takes it) is used."
    ),
    card=lambda summed: (
        f"L = {summed}|ŷ − y|, mean over the batch",
        "each miss counts in proportion, not squared: outliers weigh less than with MSE",
        "δ_out = sign(ŷ − y)",
        "+1 or −1; at ŷ = y there is no derivative and the subgradient 0 is taken",
    ),
    numpy=lambda out, y: f"np.abs({out} - {y})",
    numpy_grouped=False,
    numpy_note="np.sign(0) is 0: at ŷ = y the subgradient 0 is taken",
    numpy_delta=lambda out, y: f"np.sign({out} - {y})",
    wrong_delta_slip="that is the squared error's ŷ − y: with |ŷ − y| the gradient is only its sign, ±1",
    loss_slips=_mae_slips,
    delta_slips=_mae_delta_slips,
    numpy_batch=lambda out, y: f"np.sum(np.abs({out} - {y})) / m",
    cancels_output_slope=False,
    from_logit=False,
    bounded=False,
    kernel_gradient_factor=1.0,
    help="MAE is |ŷ − y| at a linear output, whose output δ is sign(ŷ − y), 0 at ŷ = y",
    measure="MAE",
    output_activation="linear",
    torch=TorchLoss(
        "F.l1_loss",
        takes_logits=False,
        why="F.l1_loss (nn.L1Loss()) is our mean |ŷ − y|, its gradient sign(ŷ − y), 0 at ŷ = y; no output module",
    ),
    uninformed=_needs_targets,
    knows_nothing_is_chance=True,
    kinked=True,
    regression=True,
    kernel_finish=lambda delta: [partial(np.sign, delta, delta)],
)

LOSS_PAIRS: dict[tuple[str, str], Loss] = {
    (loss.name, loss.output_activation): loss for loss in (BCE, MSE, CE, REGRESSION_MSE, MAE)
}
"""Every loss object, keyed by (loss name, output activation)."""
LOSS_KINDS: dict[str, Loss] = {loss.name: loss for loss in (BCE, MSE, CE)}
"""The classification losses by name, each on the output it has always meant (mse on a sigmoid)."""
LOSS_NAMES: dict[str, Loss] = LOSS_KINDS | {MAE.name: MAE}
"""The loss each name means on its own: LOSS_KINDS', and mae (only ever at a linear output)."""
LOSSES = tuple(LOSS_KINDS)
"""The classification losses' names."""
LOSS_CHOICES = tuple(LOSS_NAMES)
"""Every loss name a setting or a file may give: the classification losses and mae."""
SIGMOID_LOSSES = tuple(loss.name for loss in LOSS_KINDS.values() if loss.output_activation == ACTIVATIONS["sigmoid"].name)
"""The losses for sigmoid outputs (a binary class per unit)."""
REGRESSION_LOSSES = tuple(loss.name for loss in LOSS_PAIRS.values() if loss.regression)
"""The losses for a linear output (a real-valued target): mse and mae."""


def loss_kind(name: str, output_activation: str) -> Loss:
    """The loss `name` defined on an `output_activation` output; KeyError naming both when there is none."""
    named = LOSS_KINDS.get(name)
    if named is not None and named.output_activation == output_activation:
        return named  # LOSS_KINDS' own object, so a name's entry is the one every lens reads
    try:
        return LOSS_PAIRS[(name, output_activation)]
    except KeyError:
        raise KeyError(f"no {name} loss is defined on a {output_activation} output") from None


def outputs_for(name: str) -> tuple[str, ...]:
    """The output activations the loss `name` is defined on (mse: a sigmoid and a linear unit)."""
    return tuple(output for (loss, output) in LOSS_PAIRS if loss == name)


def as_loss(loss: str | Loss) -> Loss:
    """A Loss object from the object itself or a name (the name's own loss, LOSS_NAMES[name])."""
    return loss if isinstance(loss, Loss) else LOSS_NAMES[loss]


def batch_loss(loss: str | Loss, z: np.ndarray, a: np.ndarray, y: np.ndarray) -> float:
    """Mean over the batch (rows) of the per-sample loss summed over output units."""
    with np.errstate(all="ignore"):
        return as_loss(loss).batch(z, a, y)


def output_delta(loss: str | Loss, a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """∂L_sample/∂z at the output (per sample, not yet divided by the batch size)."""
    return as_loss(loss).delta(a, y)
