"""Gradient-descent update rules, vectorised for training and one parameter at a time for the walk.

  sgd:       θ ← θ − η·ḡ
  momentum:  M ← β·M + ḡ;  θ ← θ − η·M                                   (β = 0.9; M starts at 0)
  adam:      M ← β₁·M + (1−β₁)·ḡ;  S ← β₂·S + (1−β₂)·ḡ²;  t ← t + 1;
             M̂ = M/(1−β₁ᵗ);  Ŝ = S/(1−β₂ᵗ);  θ ← θ − η·M̂/(√Ŝ + ε)      (β₁ = 0.9, β₂ = 0.999, ε = 1e-8)

Each optimizer is one `Optimizer` object in `OPTIMIZER_KINDS`; consumers ask it and never
compare its name. Its rule is written once as expression trees (`rule`), from which the walk's
numeric lines are derived by putting the numbers in (`numeric_rule`).

M and S are per-parameter running means (of ḡ and of ḡ²); their letters are chosen so they
cannot be mistaken for the output weights v or the batch size m.

Both forms perform the same floating-point operations in the same order, so a
walk and a vectorised epoch land on the same parameters.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from tui_nn.engine.nn.torch_text import TorchOptimizer
from tui_nn.engine.walk import notation as n
from tui_nn.engine.walk.expr import ONE, Add, Div, Expr, Group, Lit, Mul, Pow, Sqrt, Sub, Sym, lit, map_leaves, num

MOMENTUM = 0.9
BETA1, BETA2, EPSILON = 0.9, 0.999, 1e-8


@dataclass
class OptimizerState:
    """Everything an optimizer remembers between updates (copied into checkpoints)."""

    t: int = 0
    first: np.ndarray = field(default_factory=lambda: np.zeros(0))
    second: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def copy(self) -> OptimizerState:
        return OptimizerState(self.t, self.first.copy(), self.second.copy())


@dataclass(frozen=True)
class ScalarUpdate:
    """One parameter's update, every intermediate number of it, for the step-through.

    first/second: the optimizer's state after the update (M, and S for Adam);
    first_hat/second_hat: Adam's bias-corrected M̂ and Ŝ (0 for the others).
    """

    new_value: float
    first: float
    second: float
    first_hat: float = 0.0
    second_hat: float = 0.0


THETA = Sym("θ", r"\theta")
"""The parameter being updated, in a rule's trees (the walk puts the parameter's own name in)."""
TWO = Lit("2", "2", 2.0)
Relation = Literal["=", "←"]


def _sgd_apply(lr: float, params: np.ndarray, grad: np.ndarray, state: OptimizerState, scratch: np.ndarray) -> None:
    np.multiply(grad, lr, scratch)
    np.subtract(params, scratch, params)


def _momentum_apply(lr: float, params: np.ndarray, grad: np.ndarray, state: OptimizerState, scratch: np.ndarray) -> None:
    v = state.first
    np.multiply(v, MOMENTUM, v)
    np.add(v, grad, v)
    np.multiply(v, lr, scratch)
    np.subtract(params, scratch, params)


def _adam_apply(lr: float, params: np.ndarray, grad: np.ndarray, state: OptimizerState, scratch: np.ndarray) -> None:
    mul = np.multiply
    state.t += 1
    m, v = state.first, state.second
    mul(m, BETA1, m)
    mul(grad, 1.0 - BETA1, scratch)
    np.add(m, scratch, m)
    mul(v, BETA2, v)
    mul(grad, grad, scratch)
    mul(scratch, 1.0 - BETA2, scratch)
    np.add(v, scratch, v)
    m_correction = 1.0 - BETA1**state.t
    v_correction = 1.0 - BETA2**state.t
    # scratch ← η·m̂/(√v̂ + ε), op by op in the order of _adam_scalar below.
    np.divide(v, v_correction, scratch)
    np.sqrt(scratch, scratch)
    np.add(scratch, EPSILON, scratch)
    np.divide(np.divide(m, m_correction), scratch, scratch)
    mul(scratch, lr, scratch)
    np.subtract(params, scratch, params)


def _sgd_scalar(lr: float, theta: float, g: float, first: float, second: float, t: int) -> ScalarUpdate:
    return ScalarUpdate(theta - lr * g, first, second)


def _momentum_scalar(lr: float, theta: float, g: float, first: float, second: float, t: int) -> ScalarUpdate:
    velocity = first * MOMENTUM + g
    return ScalarUpdate(theta - velocity * lr, velocity, second)


def _adam_scalar(lr: float, theta: float, g: float, first: float, second: float, t: int) -> ScalarUpdate:
    m = first * BETA1 + g * (1.0 - BETA1)
    v = second * BETA2 + (g * g) * (1.0 - BETA2)
    m_hat = m / (1.0 - BETA1**t)
    v_hat = v / (1.0 - BETA2**t)
    step = m_hat / (math.sqrt(v_hat) + EPSILON) * lr
    return ScalarUpdate(theta - step, m, v, m_hat, v_hat)


def _adam_numpy(name: str, g: str, mom: str, sq: str, at: str) -> tuple[str, ...]:
    return (
        f"{mom}{at} = beta1 * {mom}{at} + (1 - beta1) * {g}{at}",
        f"{sq}{at} = beta2 * {sq}{at} + (1 - beta2) * {g}{at} ** 2",
        f"{name}{at} -= lr * ({mom}{at} / (1 - beta1 ** t)) / (np.sqrt({sq}{at} / (1 - beta2 ** t)) + eps)",
    )


@dataclass(frozen=True)
class Optimizer:
    """One update rule, defined once: everything any lens shows or computes about it."""

    name: str
    title: str
    """How the reference card names it ("gradient descent with momentum")."""
    apply: Callable[[float, np.ndarray, np.ndarray, OptimizerState, np.ndarray], None]
    """Update params in place from the mean gradient (lr, params, grad, state, scratch), vectorised."""
    scalar: Callable[[float, float, float, float, float, int], ScalarUpdate]
    """The same rule for one parameter (lr, θ, ḡ, M, S, t), in the operation order of `apply`."""
    keeps_first: bool
    """It remembers M, a running mean of ḡ."""
    keeps_second: bool
    """It remembers S, a running mean of ḡ²."""
    counts_steps: bool
    """It counts its updates (t, for bias correction)."""
    folds_into_gradient: bool
    """θ ← θ − η·ḡ with no state: the training kernel folds η/m into the gradient's own scale."""
    rule: tuple[tuple[Sym, Expr, Relation], ...]
    """Each quantity it changes, in order: (lhs, its formula, = or ←), with THETA for the parameter."""
    constants: tuple[tuple[Sym, float], ...]
    """The rule's constants (β, β₁, …) and their values."""
    folded: tuple[tuple[Expr, Lit], ...]
    """Sub-formulas of constants written as one number in the numeric lines ((1−β₁) as 0.1)."""
    rule_text: str
    """The rule in one line, as the quiz reminds a learner of it."""
    sentence: Callable[[str], str]
    """The walk's sentence for the rule, given the parameter's name."""
    card_rows: tuple[tuple[str, str, str], ...]
    """(step, formula, note) rows of the reference card."""
    numpy: Callable[[str, str, str, str, str], tuple[str, ...]]
    """The NumPy lines from (parameter, gradient, M, S names, an index such as "[0, 1]" or "")."""
    numpy_shapes: Callable[[str], str]
    """How the NumPy lines combine shapes, given one shape."""
    numpy_constants: Callable[[int], str]
    """The constants the NumPy lines use, after "lr = …", given the update count t."""
    quiz_constants: Callable[[Callable[[float], str]], tuple[tuple[str, str], ...]]
    """The constants the quiz gives a learner, formatted with the given number format."""
    expected_drop: Callable[[float, float, int], float]
    """About how much one update takes off the loss (lr, ‖g‖, parameter count), if its step is short enough."""
    help_lines: tuple[str, ...] = ()
    """Its constants and conventions as the help screen lists them (Markdown lines; none for plain sgd)."""
    torch: TorchOptimizer | None = None
    """Its torch.optim class, for the NumPy view's PyTorch lens (every entry has one; a test checks)."""

    def numeric_rule(
        self, symbol: Sym, before: dict[Sym, float], upd: ScalarUpdate, t: int, l2: float = 0.0
    ) -> tuple[tuple[Sym, Expr, Expr, float, Relation], ...]:
        """Each line of the rule for one parameter: (lhs, symbolic form, numeric form, value, relation).

        The numeric form is the symbolic one with the numbers put in: constants as written, every
        quantity at its latest value (a ← line reads its own old value, later lines the new one).
        `before` holds θ, η, ḡ, M and S before the update. A weight under weight decay `l2` (λ)
        follows the rule with its gradient ḡ + λ·θ in place of ḡ, the decay written as its own term.
        """
        constants: dict[Expr, Expr] = {sym: lit(value) for sym, value in self.constants}
        constants[n.STEP_COUNT] = lit(t)
        constants.update(self.folded)
        constants[n.L2] = lit(l2)
        decayed = Group(Add((n.MEAN_GRADIENT, Mul((n.L2, THETA)))))

        def decay(e: Expr) -> Expr | None:
            return decayed if l2 and e == n.MEAN_GRADIENT else None

        latest: dict[Sym, float] = dict(before)
        after = {THETA: upd.new_value, n.MOMENTUM: upd.first, n.SQUARES: upd.second}
        after |= {n.MOMENTUM_HAT: upd.first_hat, n.SQUARES_HAT: upd.second_hat}

        def numbers(e: Expr) -> Expr | None:
            if e in constants:
                return constants[e]
            if isinstance(e, Pow):  # map_leaves keeps exponents as written; a rule's t is a number too
                return Pow(map_leaves(e.base, numbers), map_leaves(e.exponent, numbers))
            return num(latest[e]) if isinstance(e, Sym) and e in latest else None

        def named(e: Expr) -> Expr | None:
            return symbol if e == THETA else None

        lines = []
        for lhs, plain, relation in self.rule:
            formula = map_leaves(plain, decay)
            value = after[lhs]
            lines.append(
                (symbol if lhs == THETA else lhs, map_leaves(formula, named), map_leaves(formula, numbers), value, relation)
            )
            latest[lhs] = value
        return tuple(lines)

    @property
    def state_symbols(self) -> frozenset[Sym]:
        """The quantities besides the parameter that an update record of this rule changes."""
        return frozenset(lhs for lhs, _, _ in self.rule if lhs != THETA)


def _group_one_minus(constant: Sym) -> Group:
    return Group(Sub(ONE, constant, tight=True))


SGD = Optimizer(
    "sgd",
    "plain gradient descent (sgd)",
    apply=_sgd_apply,
    scalar=_sgd_scalar,
    keeps_first=False,
    keeps_second=False,
    counts_steps=False,
    folds_into_gradient=True,
    rule=((THETA, Sub(THETA, Mul((n.ETA, n.MEAN_GRADIENT))), "←"),),
    constants=(),
    folded=(),
    rule_text="θ ← θ − η·ḡ",
    sentence=lambda theta: (
        f"{theta} ← {theta} − η·ḡ steps against the gradient by η times its size: downhill on the loss, the larger "
        "|ḡ| the larger the step, and too large an η overshoots."
    ),
    card_rows=(("sgd", "θ ← θ − η·ḡ", "η: the learning rate"),),
    numpy=lambda name, g, mom, sq, at: (f"{name}{at} -= lr * {g}{at}",),
    numpy_shapes=lambda shape: f"{shape} -= lr * {shape}",
    numpy_constants=lambda t: "",
    quiz_constants=lambda fmt: (),
    expected_drop=lambda lr, norm, n_params: lr * norm * norm,
    torch=TorchOptimizer("torch.optim.SGD", "", (), "step(): p -= lr * p.grad, our rule"),
)

MOMENTUM_RULE = Optimizer(
    "momentum",
    "gradient descent with momentum",
    apply=_momentum_apply,
    scalar=_momentum_scalar,
    keeps_first=True,
    keeps_second=False,
    counts_steps=False,
    folds_into_gradient=False,
    rule=(
        (n.MOMENTUM, Add((Mul((n.BETA, n.MOMENTUM)), n.MEAN_GRADIENT)), "←"),
        (THETA, Sub(THETA, Mul((n.ETA, n.MOMENTUM))), "←"),
    ),
    constants=((n.BETA, MOMENTUM),),
    folded=(),
    rule_text="M ← β·M + ḡ, then θ ← θ − η·M",
    sentence=lambda theta: (
        f"M ← β·M + ḡ keeps a running sum of {theta}'s past gradients (a velocity; β = {MOMENTUM:g} keeps 90% of it "
        f"each update), and {theta} ← {theta} − η·M steps along it: steps grow where the gradients keep agreeing "
        "and die down where they flip sign."
    ),
    card_rows=(
        ("velocity", "M ← β·M + ḡ", f"β = {MOMENTUM:g}; M starts at 0"),
        ("momentum step", "θ ← θ − η·M", "η: the learning rate"),
    ),
    numpy=lambda name, g, mom, sq, at: (f"{mom}{at} = beta * {mom}{at} + {g}{at}", f"{name}{at} -= lr * {mom}{at}"),
    numpy_shapes=lambda shape: f"{shape} = beta * {shape} + {shape};  {shape} -= lr * {shape}",
    numpy_constants=lambda t: f", beta = {MOMENTUM:g}",
    quiz_constants=lambda fmt: (("β", fmt(MOMENTUM)),),
    # steps add up to 1/(1 − β) times one step
    expected_drop=lambda lr, norm, n_params: lr * norm * norm / (1.0 - BETA1),
    help_lines=(f"**Momentum**: M ← β·M + ḡ, then w ← w − η·M, with β = {MOMENTUM:g} and M starting at 0.",),
    torch=TorchOptimizer(
        "torch.optim.SGD",
        f", momentum={MOMENTUM:g}",
        (("M", "momentum_buffer"),),
        "PyTorch's momentum is ours: buf = momentum * buf + grad, p -= lr * buf (no (1 − β) on grad)",
    ),
)

ADAM = Optimizer(
    "adam",
    "Adam",
    apply=_adam_apply,
    scalar=_adam_scalar,
    keeps_first=True,
    keeps_second=True,
    counts_steps=True,
    folds_into_gradient=False,
    rule=(
        (n.MOMENTUM, Add((Mul((n.BETA1, n.MOMENTUM)), Mul((_group_one_minus(n.BETA1), n.MEAN_GRADIENT)))), "←"),
        (n.SQUARES, Add((Mul((n.BETA2, n.SQUARES)), Mul((_group_one_minus(n.BETA2), Pow(n.MEAN_GRADIENT, TWO))))), "←"),
        (n.MOMENTUM_HAT, Div(n.MOMENTUM, Sub(ONE, Pow(n.BETA1, n.STEP_COUNT))), "="),
        (n.SQUARES_HAT, Div(n.SQUARES, Sub(ONE, Pow(n.BETA2, n.STEP_COUNT))), "="),
        (THETA, Sub(THETA, Mul((n.ETA, Div(n.MOMENTUM_HAT, Add((Sqrt(n.SQUARES_HAT), n.EPSILON)))))), "←"),
    ),
    constants=((n.BETA1, BETA1), (n.BETA2, BETA2), (n.EPSILON, EPSILON)),
    folded=(
        (_group_one_minus(n.BETA1), Lit(f"{1 - BETA1:.1f}", f"{1 - BETA1:.1f}", 1.0 - BETA1)),
        (_group_one_minus(n.BETA2), Lit(f"{1 - BETA2:.3f}", f"{1 - BETA2:.3f}", 1.0 - BETA2)),
    ),
    rule_text="θ ← θ − η·M̂/(√Ŝ + ε)",
    sentence=lambda theta: (
        f"M ← β₁·M + (1−β₁)·ḡ is a running mean of {theta}'s gradient (which way to go) and S ← β₂·S + (1−β₂)·ḡ² "
        "a running mean of its square (how large it usually is); M̂ = M/(1 − β₁ᵗ) and Ŝ = S/(1 − β₂ᵗ) divide out "
        "the bias of both starting at 0 (large while the update count t is small, fading as it grows), and "
        f"{theta} ← {theta} − η·M̂/(√Ŝ + ε) moves "
        "each parameter by a step of the order of η whatever the size of its gradient (ε only keeps the "
        "division finite)."
    ),
    card_rows=(
        ("first moment", "M ← β₁·M + (1−β₁)·ḡ", f"β₁ = {BETA1:g}; M starts at 0"),
        ("second moment", "S ← β₂·S + (1−β₂)·ḡ²", f"β₂ = {BETA2:g}; S starts at 0"),
        ("bias correction", "M̂ = M/(1−β₁ᵗ), Ŝ = S/(1−β₂ᵗ)", "t: the update count, from 1"),
        ("Adam step", "θ ← θ − η·M̂/(√Ŝ + ε)", f"ε = {EPSILON:g}"),
    ),
    numpy=_adam_numpy,
    numpy_shapes=lambda shape: f"{shape} from {shape}, {shape} and {shape}, element by element",
    numpy_constants=lambda t: f", beta1 = {BETA1:g}, beta2 = {BETA2:g}, eps = {EPSILON:g}, t = {t}",
    quiz_constants=lambda fmt: (("β₁", fmt(BETA1)), ("β₂", fmt(BETA2)), ("ε", f"{EPSILON:g}")),
    # each weight moves about η, against its gradient
    expected_drop=lambda lr, norm, n_params: lr * norm * math.sqrt(n_params),
    help_lines=(
        "**Adam**: M ← β₁·M + (1−β₁)·ḡ, S ← β₂·S + (1−β₂)·ḡ², M̂ = M/(1−β₁ᵗ), Ŝ = S/(1−β₂ᵗ),",
        f"w ← w − η·M̂/(√Ŝ + ε), with β₁ = {BETA1:g}, β₂ = {BETA2:g}, ε = {EPSILON:g}; t counts updates from 1.",
    ),
    torch=TorchOptimizer(
        "torch.optim.Adam",
        f", betas=({BETA1:g}, {BETA2:g}), eps={EPSILON:g}",
        (("M", "exp_avg"), ("S", "exp_avg_sq")),
        "PyTorch's Adam is ours (ε outside the root, t is state['step']); its float operations differ in order: last digits may",
    ),
)

OPTIMIZER_KINDS: dict[str, Optimizer] = {rule.name: rule for rule in (SGD, MOMENTUM_RULE, ADAM)}
OPTIMIZERS = tuple(OPTIMIZER_KINDS)


def new_state(name: str, n_params: int) -> OptimizerState:
    kind = OPTIMIZER_KINDS[name]
    return OptimizerState(
        0, np.zeros(n_params) if kind.keeps_first else np.zeros(0), np.zeros(n_params) if kind.keeps_second else np.zeros(0)
    )


def apply(name: str, lr: float, params: np.ndarray, grad: np.ndarray, state: OptimizerState, scratch: np.ndarray) -> None:
    """Update `params` in place from the mean gradient `grad` (which may be overwritten)."""
    OPTIMIZER_KINDS[name].apply(lr, params, grad, state, scratch)


def scalar_update(name: str, lr: float, theta: float, g: float, first: float, second: float, t: int) -> ScalarUpdate:
    """The same rule for one parameter, on Python floats, in the operation order of `apply`.

    `t` is the update count after this update (Adam's bias correction).
    """
    return OPTIMIZER_KINDS[name].scalar(lr, theta, g, first, second, t)
