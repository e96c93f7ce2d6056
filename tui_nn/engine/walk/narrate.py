"""The narrator: turns the walk's numbers into records whose formulas are expression trees.

It computes nothing new: every value comes from `walk.compute_sample` / `walk.compute_update`.
What it decides is how each step is written: which symbols (from `notation`), which forms
(the formula, then the numbers), and where a printed line would not reproduce its result:
- a sigmoid output with cross-entropy whose ŷ prints as 1.0000 or 0.0000: ln of the printed
  value is not the loss, so the line is written from z, L = ln(1 + e^−z) (the softplus form the
  engine computes with);
- a difference that cancels (ŷ − y with ŷ close to y): the numbers are shown with as many more
  decimals as the result needs;
- a softmax output whose p_y underflows to 0 (logits ±1000): the loss is written from z by
  log-sum-exp, L = −((z_y − z_max) − ln Σe), as the engine computes it.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from tui_nn.engine.nn.losses import ln
from tui_nn.engine.nn.network import Network
from tui_nn.engine.nn.optimizers import OPTIMIZER_KINDS, THETA, Optimizer, OptimizerState, ScalarUpdate
from tui_nn.engine.walk import notation as n
from tui_nn.engine.walk.arithmetic import SampleTables, UpdateTables, parameter_key, parameter_order
from tui_nn.engine.walk.expr import (
    MINUS,
    ONE,
    Add,
    Call,
    Div,
    Exp,
    Expr,
    Formatter,
    Group,
    Lit,
    Mul,
    Neg,
    Num,
    Pow,
    Sub,
    Sym,
    evaluate,
    has_symbols,
    lit,
    map_leaves,
    num,
    rounding_scale,
)
from tui_nn.engine.walk.records import Equation, Header, Key, NumberFormat, Step

TWO = Lit("2", "2", 2.0)


def zero_input_note(source: str) -> str:
    """The note on a weight gradient whose input is 0, naming that input: 'x1 is 0 here, so no gradient'."""
    return f"{source} is 0 here, so no gradient"


CANCELLED = "the samples' gradients cancel: ḡ is 0 up to float64 rounding, and the update uses the rounded value"
LISTED = 6  # samples listed one by one in a batch mean; more are shown as first, second, …, last


def last_place(value: float, fmt: NumberFormat) -> float:
    """The size of one unit in the last digit of `value` as `fmt` prints it."""
    shown = fmt(value)
    if "e" in shown:
        exponent = int(shown.split("e")[1].replace("−", "-"))
        return 10.0 ** (exponent - max(fmt.digits - 1, 1))
    if "." in shown:
        return 10.0**-fmt.digits
    return 1.0


def reproduces(form: Expr, value: float, fmt: NumberFormat, numbers: Formatter | None = None) -> bool:
    """Does recomputing `form` from its numbers *as printed* (by `numbers`, default `fmt`) give
    `value` as `fmt` prints it? A reader checking the line on a calculator does exactly that."""
    try:
        recomputed = evaluate(form, numbers or fmt)
    except (ValueError, OverflowError, ZeroDivisionError):
        return False
    if not math.isfinite(recomputed) or not math.isfinite(value):
        return recomputed == value or (math.isnan(recomputed) and math.isnan(value))
    unit = last_place(value, fmt)
    # One unit of the last digit always; up to four when that is within 1% (sums of rounded
    # products drift by a few units); never more, so a cancelled difference is caught. Terms
    # that cancel to below float64's rounding of them leave noise that depends on the order of
    # the additions: within that noise the line is as true as float64 can make it.
    noise = ROUNDING_UNITS * 2.0**-52 * rounding_scale(form, numbers or fmt)
    return abs(recomputed - value) <= max(unit, min(4 * unit, 0.01 * abs(value)), noise)


ROUNDING_UNITS = 8  # rounding noise: this many units of 2⁻⁵² of the numbers combined


def cancels(values: list[float], mean: float) -> bool:
    """The samples' terms cancel: their `mean` is smaller than float64's rounding of them.
    Computed from every value, not from the written sum (a long batch is written a + b + … + z)."""
    scale = math.fsum(abs(v) for v in values) / len(values)
    return mean != 0 and math.isfinite(scale) and abs(mean) <= ROUNDING_UNITS * 2.0**-52 * scale


class Significant:
    """Numbers with `digits` significant digits (0.00015338, 0.78863), written as NumberFormat does."""

    def __init__(self, digits: int) -> None:
        self.digits = digits

    def __call__(self, value: float) -> str:
        if not math.isfinite(value):
            return NumberFormat().plain(value)
        if value == int(value) and abs(value) < 1e6:
            return str(int(value)).replace("-", MINUS)
        return f"{value:.{self.digits}g}".replace("-", MINUS)


def with_more_digits(form: Expr, value: float, fmt: NumberFormat) -> Expr:
    """`form` with its numbers written precisely enough for the line to reproduce `value`.

    The numbers get as many significant digits as it takes (most lines need none: they already
    reproduce at the session's decimals); the result keeps the session's format.
    """
    if has_symbols(form) or not math.isfinite(value) or reproduces(form, value, fmt):
        return form  # a diverged network's NaN and ∞ are shown as they are
    for digits in range(max(fmt.digits, 3) + 1, 18):
        finer = Significant(digits)
        if reproduces(form, value, fmt, finer):
            return _precise(form, finer)
    return _precise(form, Significant(17))


def _precise(form: Expr, fmt: Formatter) -> Expr:
    """Replace every Num by a literal printed with `fmt`."""

    def written(x: Expr) -> Expr | None:
        if isinstance(x, Num):
            shown = fmt(x.value)
            return Lit(shown, shown.replace("−", "-"), x.value)
        return None

    return map_leaves(form, written)


class Narrator:
    """Builds the records of one network's walk, with numbers formatted by `fmt`."""

    def __init__(self, net: Network, fmt: NumberFormat) -> None:
        self.net = net
        self.fmt = fmt
        self.names = n.Names(net.sizes)

    def eq(self, lhs: Expr, forms: tuple[Expr, ...], value: float, relation: Literal["=", "←"] = "=") -> Equation:
        """An equation whose numeric forms are written precisely enough to reproduce `value`."""
        return Equation(lhs, tuple(with_more_digits(f, value, self.fmt) for f in forms), value, relation)

    # --- one sample: forward, loss, backward ------------------------------------------------

    def sample_steps(self, params: np.ndarray, t: SampleTables, epoch: int) -> list[Step]:
        """The records of one sample, in the order a learner reads them."""
        steps = self._forward(params, t, epoch)
        steps.append(self._loss(t, epoch))
        steps += self._backward(params, t, epoch)
        return steps

    def _forward(self, params: np.ndarray, t: SampleTables, epoch: int) -> list[Step]:
        net, names = self.net, self.names
        L = net.n_layers
        steps: list[Step] = []
        header: Header | None = Header("forward", epoch, t.sample, t.x, t.y)
        for l in range(L):
            block = net.block(l, params)
            act = net.activation(l)
            below, above = l, l + 1
            n_in = len(t.a[l])
            for j in range(len(t.z[l])):
                symbolic = Add(
                    (
                        *(Mul((names.value_symbol(below, i), names.weight_symbol(l, i, j))) for i in range(n_in)),
                        names.bias_symbol(l, j),
                    )
                )
                numeric = Add((*(Mul((num(t.a[l][i]), num(block[i, j]))) for i in range(n_in)), num(block[n_in, j])))
                zj = t.z[l][j]
                steps.append(
                    Step(
                        phase="forward",
                        kind="z",
                        epoch=epoch,
                        sample=t.sample,
                        layer=above,
                        unit=j,
                        label=names.unit(above, j),
                        equations=(self.eq(n.Z, (symbolic, numeric), zj),),
                        writes=((Key("z", above, j), zj),),
                        nodes=(*((below, i) for i in range(n_in)), (above, j)),
                        edges=tuple((l, i, j) for i in range(n_in)),
                        header=header,
                    )
                )
                header = None
                if not act.elementwise:
                    continue
                aj = t.a[above][j]
                z_number = num(zj)
                forms: tuple[Expr, ...] = (act.applied(n.Z), act.applied(z_number))
                expansion = act.expansion(z_number)
                if expansion is not None:
                    forms += (expansion,)
                steps.append(
                    Step(
                        phase="forward",
                        kind="a",
                        epoch=epoch,
                        sample=t.sample,
                        layer=above,
                        unit=j,
                        label=names.unit(above, j),
                        equations=(self.eq(n.OUTPUT if above == L else n.A, forms, aj),),
                        writes=((Key("a", above, j), aj),),
                        nodes=((above, j),),
                    )
                )
            if not act.elementwise:
                steps += self._softmax(t, epoch)
        return steps

    def _softmax(self, t: SampleTables, epoch: int) -> list[Step]:
        """After the output's z's: z_max, each e_k = e^(z_k − z_max), Σe, each p_k = e_k/Σe."""
        top = self.net.n_layers
        units = range(len(t.exps))
        everyone = tuple((top, k) for k in units)
        label = self.names.unit

        def step(kind: Literal["max", "exp", "sum", "a"], unit: int | None, eq: Equation, key: Key) -> Step:
            return Step(
                phase="forward",
                kind=kind,
                epoch=epoch,
                sample=t.sample,
                layer=top,
                unit=unit,
                label=label(top, unit) if unit is not None else "out",
                equations=(eq,),
                writes=((key, eq.value),),
                nodes=((top, unit),) if unit is not None else everyone,
            )

        logits = [n.logit_symbol(k) for k in units]
        steps = [
            step(
                "max",
                None,
                self.eq(n.LARGEST_LOGIT, (_max(logits), _max([num(v) for v in t.z[-1]])), t.shift),
                Key("max", top, 0),
            )
        ]
        for k in units:
            exponent = (Exp(Sub(logits[k], n.LARGEST_LOGIT)), Exp(Sub(num(t.z[-1][k]), num(t.shift))))
            steps.append(step("exp", k, self.eq(n.exp_symbol(k), exponent, t.exps[k]), Key("exp", top, k)))
        summed = (Add(tuple(n.exp_symbol(k) for k in units)), Add(tuple(num(e) for e in t.exps)))
        steps.append(step("sum", None, self.eq(n.EXP_SUM, summed, t.exp_sum), Key("sum", top, 0)))
        for k in units:
            forms = (Div(n.exp_symbol(k), n.EXP_SUM), Div(num(t.exps[k]), num(t.exp_sum)))
            steps.append(step("a", k, self.eq(n.probability_symbol(k), forms, t.a[top][k]), Key("a", top, k)))
        return steps

    def _softmax_loss(self, t: SampleTables, epoch: int, target: int | None) -> Step:
        """L = −ln p_y for the sample's class y; from z by log-sum-exp when p_y's digits cannot give it.
        A target that is not one-hot (given with --target) is written −Σₖ y_k·ln p_k over its nonzero y_k."""
        top = self.net.n_layers
        note = None
        if target is None:
            terms: list[Expr] = [Mul((num(y), ln(num(p)))) for p, y in zip(t.a[top], t.y, strict=True) if y != 0.0]
            summed = Sym("Σₖ y_k·ln p_k", r"\sum_k y_k \ln p_k")
            forms: tuple[Expr, ...] = (Neg(summed), Neg(Group(_sum(terms))) if terms else num(0.0))
            return self._loss_step(t, epoch, forms, note, tuple((top, k) for k in range(len(t.y))))
        p_y = n.probability_symbol(target)
        numbers: Expr = Neg(ln(num(t.a[top][target])))
        forms = (Neg(ln(p_y)), numbers)
        if not reproduces(numbers, t.loss, self.fmt, Significant(17)):
            log_sum_exp = Group(Sub(Group(Sub(n.logit_symbol(target), n.LARGEST_LOGIT)), ln(n.EXP_SUM)))
            log_sum_exp_numbers = Group(Sub(Group(Sub(num(t.z[-1][target]), num(t.shift))), ln(num(t.exp_sum))))
            forms = (Neg(ln(p_y)), Neg(log_sum_exp), Neg(log_sum_exp_numbers))
            note = f"written from z: {p_y.text} underflows to 0 in float64 and ln 0 = −∞; log-sum-exp keeps the loss finite"
        return self._loss_step(t, epoch, forms, note, ((top, target),))

    def _loss_step(
        self, t: SampleTables, epoch: int, forms: tuple[Expr, ...], note: str | None, nodes: tuple[tuple[int, int], ...]
    ) -> Step:
        top = self.net.n_layers
        return Step(
            phase="loss",
            kind="loss",
            epoch=epoch,
            sample=t.sample,
            layer=top,
            unit=None,
            label="loss",
            equations=(self.eq(n.LOSS, forms, t.loss),),
            writes=((Key("loss", 0, t.sample), t.loss),),
            nodes=nodes,
            note=note,
        )

    def _loss(self, t: SampleTables, epoch: int) -> Step:
        if t.exps:
            return self._softmax_loss(t, epoch, one_hot_class(t.y))
        L = self.net.n_layers
        out, out_z = t.a[L], t.z[L - 1]
        several = len(out) > 1
        loss = self.net.loss_kind
        classic = _sum([loss.numbers(a, y) for a, y in zip(out, t.y, strict=True)])
        forms: tuple[Expr, ...] = (loss.formula, classic)
        note = None
        if loss.logit_numbers is not None and not reproduces(classic, t.loss, self.fmt):
            # ŷ printed as 1.0000 or 0.0000: ln of it is not the loss. Write it from z, as computed.
            logit_symbolic = _sum([loss.logit_numbers(n.Z, y) for y in t.y])
            logit_numbers = _sum([loss.logit_numbers(num(z), y) for z, y in zip(out_z, t.y, strict=True)])
            forms = (loss.formula, logit_symbolic, logit_numbers)
            note = "written from z: ŷ is too close to 0 or 1 for ln ŷ to be read from its digits"
        if several:
            forms = (Call("Σₖ", r"\sum_k", (forms[0],)), *forms[1:])
        return Step(
            phase="loss",
            kind="loss",
            epoch=epoch,
            sample=t.sample,
            layer=L,
            unit=None,
            label="loss",
            equations=(self.eq(n.LOSS, forms, t.loss),),
            writes=((Key("loss", 0, t.sample), t.loss),),
            nodes=tuple((L, k) for k in range(len(out))),
            note=note,
        )

    def _backward(self, params: np.ndarray, t: SampleTables, epoch: int) -> list[Step]:
        net, names = self.net, self.names
        L = net.n_layers
        steps: list[Step] = []
        header: Header | None = Header("backward", epoch, t.sample, t.x, t.y)
        loss = net.loss_kind
        for k, (a, y) in enumerate(zip(t.a[L], t.y, strict=True)):
            d = t.delta[L - 1][k]
            # a softmax's units are p1 … pK in its forward steps: name them so here too
            formula = Sub(n.probability_symbol(k), n.target_symbol(k)) if t.exps else loss.delta_formula
            forms: tuple[Expr, ...] = (n.DL_DZ, formula, loss.delta_numbers(a, y))
            steps.append(
                Step(
                    phase="backward",
                    kind="delta",
                    epoch=epoch,
                    sample=t.sample,
                    layer=L,
                    unit=k,
                    label=names.unit(L, k),
                    equations=(self.eq(n.DELTA, forms, d),),
                    writes=((Key("delta", L, k), d),),
                    nodes=((L, k),),
                    header=header,
                )
            )
            header = None
        for l in range(L - 1, -1, -1):
            steps += self._parameter_gradients(t, epoch, l)
            if l > 0:
                steps += self._hidden_deltas(params, t, epoch, l)
        return steps

    def _parameter_gradients(self, t: SampleTables, epoch: int, l: int) -> list[Step]:
        names = self.names
        below, above = l, l + 1
        grad = self.net.block(l, t.grad)
        steps: list[Step] = []
        for j, dj in enumerate(t.delta[l]):
            d_symbol = names.delta_symbol(above, j)
            for i, ai in enumerate(t.a[l]):
                g = float(grad[i, j])
                w = names.weight_symbol(l, i, j)
                steps.append(
                    Step(
                        phase="backward",
                        kind="grad_w",
                        epoch=epoch,
                        sample=t.sample,
                        layer=l,
                        unit=j,
                        label="",
                        equations=(
                            self.eq(n.gradient(w), (Mul((d_symbol, names.value_symbol(below, i))), Mul((num(dj), num(ai)))), g),
                        ),
                        writes=((Key("grad_w", l, j, i), g),),
                        nodes=((below, i), (above, j)),
                        edges=((l, i, j),),
                        note=zero_input_note(names.activation_value(below, i)) if ai == 0.0 else None,
                    )
                )
            g = float(grad[-1, j])
            b = names.bias_symbol(l, j)
            steps.append(
                Step(
                    phase="backward",
                    kind="grad_b",
                    epoch=epoch,
                    sample=t.sample,
                    layer=l,
                    unit=j,
                    label="",
                    equations=(self.eq(n.gradient(b), (d_symbol, num(dj)), g),),
                    writes=((Key("grad_b", l, j), g),),
                    nodes=((above, j),),
                )
            )
        return steps

    def _hidden_deltas(self, params: np.ndarray, t: SampleTables, epoch: int, l: int) -> list[Step]:
        net, names = self.net, self.names
        below, above = l, l + 1
        act = net.activation(l - 1)
        weights = net.weights(l, params)
        steps: list[Step] = []
        n_above = len(t.delta[l])
        for i in range(len(t.a[l])):
            unit = names.unit(below, i)
            upstream = t.grad_a[l][i]
            symbolic = Add(tuple(Mul((names.delta_symbol(above, j), names.weight_symbol(l, i, j))) for j in range(n_above)))
            numbers = Add(tuple(Mul((num(dj), num(weights[i, j]))) for j, dj in enumerate(t.delta[l])))
            grad_of_unit = n.gradient(names.value_symbol(below, i))
            steps.append(
                Step(
                    phase="backward",
                    kind="grad_a",
                    epoch=epoch,
                    sample=t.sample,
                    layer=below,
                    unit=i,
                    label=unit,
                    equations=(self.eq(grad_of_unit, (symbolic, numbers), upstream),),
                    writes=((Key("grad_a", below, i), upstream),),
                    nodes=((below, i), *((above, j) for j in range(n_above))),
                    edges=tuple((l, i, j) for j in range(n_above)),
                )
            )
            d = t.delta[l - 1][i]
            zi, ai = t.z[l - 1][i], t.a[l][i]
            forms = (
                n.DL_DZ,
                Mul((grad_of_unit, act.derivative_symbol)),
                Mul((num(upstream), act.derivative_numbers(num(zi), num(ai)))),
            )
            steps.append(
                Step(
                    phase="backward",
                    kind="delta",
                    epoch=epoch,
                    sample=t.sample,
                    layer=below,
                    unit=i,
                    label=unit,
                    equations=(self.eq(n.DELTA, forms, d),),
                    writes=((Key("delta", below, i), d),),
                    nodes=((below, i),),
                    note=act.slope_note(zi, act.derivative_scalar(zi, ai)),
                )
            )
        return steps

    # --- one batch: its loss and the update --------------------------------------------------

    def update_steps(
        self,
        u: UpdateTables,
        per_sample: list[np.ndarray],
        start_params: np.ndarray,
        start_state: OptimizerState,
        where: tuple[int, int, int],
        lr: float,
        optimizer: str,
    ) -> list[Step]:
        """The batch loss (when the batch has several samples), then one record per parameter.

        `where` is (epoch, batch index, number of batches).
        """
        epoch, batch_index, n_batches = where
        names = self.names
        m = len(u.losses)
        rule = OPTIMIZER_KINDS[optimizer]
        constants = rule.constants + (((n.STEP_COUNT, float(u.t)),) if rule.counts_steps else ())
        constants += ((n.L2, u.l2),) if u.l2 else ()
        header: Header | None = Header(
            "update",
            epoch,
            batch_index=batch_index,
            n_batches=n_batches,
            batch_size=m,
            lr=lr,
            optimizer=optimizer,
            constants=constants,
        )
        steps: list[Step] = []
        mean_over = Group(Div(ONE, n.BATCH_SIZE))
        if m > 1 or u.l2:
            steps.append(
                Step(
                    phase="loss",
                    kind="batch_loss",
                    epoch=epoch,
                    sample=None,
                    layer=None,
                    unit=None,
                    label="loss",
                    equations=self._batch_loss(u, start_params, mean_over),
                    header=header,
                )
            )
            header = None
        for l, i, j, index in parameter_order(self.net):
            note: str | None = None
            is_bias = i is None
            symbol = names.parameter_symbol(l, i, j)
            g = float(u.mean[index])
            grad = n.gradient(symbol)
            if m == 1:
                mean_eq = self.eq(n.MEAN_GRADIENT, (grad, num(g)), g)
            else:
                summed = Sym(f"Σₛ {grad.text}", rf"\sum_s {grad.latex}")
                values = [float(s[index]) for s in per_sample]
                mean_eq = self.eq(n.MEAN_GRADIENT, (Mul((mean_over, summed)), Div(_listed(values), lit(m))), g)
                if cancels(values, g):
                    note = CANCELLED
            upd = u.updates[index]
            theta = float(start_params[index])
            decay = 0.0 if is_bias else u.l2  # biases are not decayed
            equations = (mean_eq, *self._rule(rule, symbol, theta, g, lr, upd, start_state, index, u.t, decay))
            key = parameter_key(l, i, j)
            steps.append(
                Step(
                    phase="update",
                    kind="update_b" if is_bias else "update_w",
                    epoch=epoch,
                    sample=None,
                    layer=l,
                    unit=j,
                    label=symbol.text,
                    equations=equations,
                    writes=((key, upd.new_value),),
                    nodes=((l + 1, j),) if i is None else ((l, i), (l + 1, j)),
                    edges=() if i is None else ((l, i, j),),
                    header=header,
                    note=note,
                )
            )
            header = None
        return steps

    def _rule(
        self,
        rule: Optimizer,
        symbol: Sym,
        theta: float,
        g: float,
        lr: float,
        upd: ScalarUpdate,
        start_state: OptimizerState,
        index: int,
        t: int,
        l2: float = 0.0,
    ) -> tuple[Equation, ...]:
        """The optimizer's update of one parameter, one true line per quantity it changes (a decayed
        weight's gradient written ḡ + λ·w)."""
        before = {THETA: theta, n.ETA: lr, n.MEAN_GRADIENT: g}
        before[n.MOMENTUM] = float(start_state.first[index]) if start_state.first.size else 0.0
        before[n.SQUARES] = float(start_state.second[index]) if start_state.second.size else 0.0
        return tuple(
            self.eq(lhs, (symbolic, numbers), value, relation)
            for lhs, symbolic, numbers, value, relation in rule.numeric_rule(symbol, before, upd, t, l2)
        )

    def _batch_loss(self, u: UpdateTables, start_params: np.ndarray, mean_over: Expr) -> tuple[Equation, ...]:
        """L = (1/m)·Σₛ Lₛ; with weight decay, that data loss, Σw² over the weights, and their sum
        L = L_data + (λ/2)·Σw², each term with its own number."""
        m = len(u.losses)
        data_forms = (Mul((mean_over, n.SAMPLE_LOSSES)), Div(_listed(u.losses), lit(m)))
        if not u.l2:
            return (self.eq(n.LOSS, data_forms, u.batch_loss),)
        equations = [self.eq(n.DATA_LOSS, data_forms, u.data_loss)] if m > 1 else []
        weights = [float(w) for l in range(self.net.n_layers) for w in self.net.weights(l, start_params).ravel()]
        squares = [Pow(num(w), TWO) for w in weights]
        listed = Add(tuple(squares)) if len(squares) <= LISTED else Add((*squares[:2], Sym("…", r"\dots"), squares[-1]))
        equations.append(self.eq(n.WEIGHT_SQUARES, (listed,) if len(squares) > 1 else (squares[0],), u.weight_squares))
        half_lambda = Group(Div(n.L2, TWO))
        penalty = 0.5 * u.l2 * u.weight_squares
        sample_loss = u.losses[0] if m == 1 else u.data_loss
        forms = (
            Add((n.DATA_LOSS, Mul((half_lambda, n.WEIGHT_SQUARES)))),
            Add((num(sample_loss), Mul((Group(Div(lit(u.l2), TWO)), num(u.weight_squares))))),
            Add((num(sample_loss), num(penalty))),
        )
        equations.append(self.eq(n.LOSS, forms, u.batch_loss))
        return tuple(equations)


def one_hot_class(y: tuple[float, ...]) -> int | None:
    """The class k of a one-hot target (y_k = 1, every other 0), else None."""
    if sorted(y) != [0.0] * (len(y) - 1) + [1.0]:
        return None
    return y.index(1.0)


def _max(values: list[Sym] | list[Num]) -> Call:
    return Call("max", r"\max", tuple(values), fn=max)


def _sum(terms: list[Expr]) -> Expr:
    return terms[0] if len(terms) == 1 else Add(tuple(terms))


def _listed(values: list[float] | tuple[float, ...]) -> Expr:
    """a + b + c, or a + b + … + z for long batches."""
    if len(values) <= LISTED:
        return Add(tuple(num(v) for v in values))
    return Add((num(values[0]), num(values[1]), Sym("…", r"\dots"), num(values[-1])))
