"""The NumPy view's PyTorch lens: the step on screen as the PyTorch a learner would write for it.

The same micro-step, the same batch and the same numbers as the NumPy frame (`matrices.py`), said
the way seeds 000 and 003 say it: `model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), ...)`,
`logits = model(X)`, `loss = F.binary_cross_entropy_with_logits(logits, y)`, `loss.backward()`,
`model[0].weight.grad`, `optimizer.step()`, `optimizer.zero_grad()`. Where weights appear they are
shown as nn.Linear stores them, (out, in), the transpose of the tutorials' W (in, out): the
`model[0].weight` drawn is W1.T, entry for entry, and a highlighted cell (i, j) of W1 is (j, i) there.

What each operation is called in PyTorch is its object's `torch` field (activations, losses,
optimizers); this module only puts the lines together. Text only: no torch import. The code lines
are valid Python (tests parse them).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from tui_nn.engine.nn.activations import Activation
from tui_nn.engine.nn.losses import Loss, as_loss
from tui_nn.engine.nn.optimizers import OPTIMIZER_KINDS
from tui_nn.engine.nn.torch_text import TorchActivation, TorchLoss, TorchOptimizer
from tui_nn.engine.walk.matrices import MatrixFrame, MatrixPosition, Shown, shape_text

FLOAT64 = "X, y = torch.tensor(X), torch.tensor(Y); .double() keeps float64 like NumPy (PyTorch's float32 holds ~7 digits)"


def linear(k: int, modules: int = 2) -> str:
    """Weight layer k (1-based, the tutorials' W{k}) in the nn.Sequential: every nn.Linear but the
    first follows its layer's activation module (and its nn.Dropout: `modules` = 3 per hidden layer)."""
    return f"model[{modules * (k - 1)}]"


def activation_text(act: Activation) -> TorchActivation:
    if act.torch is None:
        raise LookupError(f"the activation {act.title} has no PyTorch text (its registry entry needs a torch field)")
    return act.torch


def passes_through(act: Activation) -> bool:
    """The activation's PyTorch call returns its tensor unchanged (a regression's linear output, nn.Identity):
    the model needs no module for it and ends at its last nn.Linear, as the tutorials write it."""
    return activation_text(act).call("t") == "t"


def loss_text(loss: str | Loss) -> TorchLoss:
    kind = as_loss(loss)
    if kind.torch is None:
        raise LookupError(f"the loss {kind.title} has no PyTorch text (its registry entry needs a torch field)")
    return kind.torch


def optimizer_text(optimizer: str) -> TorchOptimizer:
    rule = OPTIMIZER_KINDS[optimizer]
    if rule.torch is None:
        raise LookupError(f"the optimizer {rule.title} has no PyTorch text (its registry entry needs a torch field)")
    return rule.torch


def transposed(shown: Shown, name: str) -> Shown:
    """`shown` as its transpose, renamed: rows become columns and each highlighted cell (i, j) is (j, i)."""
    return Shown(
        name,
        shown.values.T,
        shown.role,
        rows=shown.columns,
        columns=shown.rows,
        cells=frozenset((j, i) for i, j in shown.cells),
        focus=None if shown.focus is None else (shown.focus[1], shown.focus[0]),
    )


def where(frame: MatrixFrame) -> tuple[int, int]:
    """The step's layer and unit, as the NumPy frame's builder reads them (matrices._Builder._where)."""
    step = frame.step
    assert step is not None and step.layer is not None and step.unit is not None
    return step.layer, step.unit


def sample_row(frame: MatrixFrame) -> int:
    """The batch row of the step's sample (every per-sample step has one)."""
    assert frame.sample_row is not None
    return frame.sample_row


def renamed(shown: Shown, name: str) -> Shown:
    return replace(shown, name=name)


class TorchLens:
    """The PyTorch frame of one position (see the module's docstring)."""

    def __init__(self, position: MatrixPosition) -> None:
        self.p = position
        self.net = position.net
        self.L = position.net.n_layers
        self.loss = loss_text(position.net.loss_kind)
        self.out = "logits" if self.loss.takes_logits else "y_pred"
        self.m = position.matrices.m
        self.modules = 3 if position.net.dropout else 2  # per hidden layer: nn.Linear, the activation (, nn.Dropout)

    def linear(self, k: int) -> str:
        """Weight layer k's nn.Linear in this network's nn.Sequential."""
        return linear(k, self.modules)

    # --- the lines every phase shares -------------------------------------------------------

    def model_line(self) -> str:
        """nn.Sequential of the network on screen; without the output activation when the loss applies it."""
        sizes, layers = self.net.sizes, []
        for k in range(1, self.L + 1):
            layers.append(f"nn.Linear({sizes[k - 1]}, {sizes[k]})")
            if k < self.L or not (self.loss.takes_logits or passes_through(self.net.activation(k - 1))):
                layers.append(activation_text(self.net.activation(k - 1)).module)
            if k < self.L and self.net.dropout:
                layers.append(f"nn.Dropout({self.net.dropout:g})")
        model = f"model = nn.Sequential({', '.join(layers)}).double()"
        if self.net.dropout:  # (a module is in training mode until model.eval(), so nn.Dropout drops)
            model += "  # nn.Dropout draws its masks from torch's generator: other units than these"
        return model

    def forward_line(self) -> str:
        return f"{self.out} = model(X)"

    def loss_call(self, reduction: str = "") -> str:
        """The loss as PyTorch writes it, reproducing ours: the batch's mean of each row's loss summed over the outputs."""
        t, args = self.loss, f"{self.out}, {self.loss.targets}"
        half = " / 2" if t.halves else ""
        if reduction:
            return f'{t.function}({args}, reduction="{reduction}")'
        if t.per_row or self.net.sizes[-1] == 1:  # the default mean is over rows
            return f"{t.function}({args}){half}"
        return f'{t.function}({args}, reduction="sum") / len(X){half}'  # the mean over rows of the sum over outputs

    def loss_line(self) -> str:
        return f"loss = {self.loss_call()}"

    def sample_loss(self, r: int) -> str:
        whole = f"{self.loss_call('none')}[{r}]"
        return whole + ("" if self.loss.per_row else ".sum()") + (" / 2" if self.loss.halves else "")

    def optimizer_line(self) -> str:
        """The optimizer as built once before the loop, with weight decay on the weights only when λ > 0."""
        t, lr = optimizer_text(self.p.optimizer), f"lr={self.p.lr:g}{optimizer_text(self.p.optimizer).arguments}"
        if self.p.l2 <= 0:
            return f"optimizer = {t.cls}(model.parameters(), {lr})"
        weights = ", ".join(f"{self.linear(k)}.weight" for k in range(1, self.L + 1))
        biases = ", ".join(f"{self.linear(k)}.bias" for k in range(1, self.L + 1))
        groups = f'[{{"params": [{weights}], "weight_decay": {self.p.l2:g}}}, {{"params": [{biases}]}}]'
        return f"optimizer = {t.cls}({groups}, {lr})"

    def weight_gradient(self, weight: str) -> str:
        """What PyTorch's step() descends along for a weight, which is our dW's transpose: .grad, plus the decay under L2."""
        return f"{weight}.grad + {self.p.l2:g} * {weight}" if self.p.l2 > 0 else f"{weight}.grad"

    def penalty_remark(self) -> str:
        """What PyTorch's loss leaves out when the optimizer decays the weights."""
        if self.p.l2 <= 0:
            return ""
        penalty = 0.5 * self.p.l2 * sum(float(np.vdot(w, w)) for w in self.p.matrices.weights)
        return (
            f"weight_decay={self.p.l2:g} adds λ·w to each weight's .grad inside step(), so PyTorch's loss has no "
            f"(λ/2)·Σw² term: ours adds {penalty:.6g} (biases are in a group without decay, as ours are not decayed)"
        )

    # --- the frame ----------------------------------------------------------------------------

    def frame(self) -> MatrixFrame:
        numpy = self.p.frame
        step = numpy.step
        if step is None:
            return numpy
        build = {  # each step kind's lens, spelled out so a reader can follow a kind to its code
            "z": self._z,
            "a": self._a,
            "loss": self._loss,
            "batch_loss": self._batch_loss,
            "delta": self._delta,
            "grad_w": self._grad_w,
            "grad_b": self._grad_b,
            "grad_a": self._grad_a,
            "update_w": self._update,
            "update_b": self._update,
        }.get(step.kind, self._phase)
        torch = build(numpy)
        focus = next((i for i, shown in enumerate(torch.matrices) if shown.focus is not None), None)
        return replace(torch, focus=focus, cell=None if focus is None else torch.matrices[focus].focus)

    def _phase(self, f: MatrixFrame) -> MatrixFrame:
        """A step kind with no lens of its own: its phase's PyTorch over the NumPy frame, whose line is kept as a note."""
        lines = {
            "forward": (self.model_line(), self.forward_line()),
            "loss": (self.model_line(), self.forward_line(), self.loss_line()),
            "backward": self._backward(f"# inside backward(): {'; '.join(f.code)}"),
            "update": (self.optimizer_line(), "optimizer.step()", "optimizer.zero_grad()"),
        }
        return replace(f, code=lines.get(f.phase, f.code), notes=f"in NumPy: {'; '.join(f.code)}")

    def _z(self, f: MatrixFrame) -> MatrixFrame:
        prev, w, b, z = f.matrices
        k, j = where(f)
        lin, r = self.linear(k), f.sample_row
        weight = transposed(w, f"{lin}.weight")
        line = f"Z{k} = {lin}({prev.name})  # layer {k} alone: {prev.name} @ {lin}.weight.T + {lin}.bias"
        if k == self.L and self.loss.takes_logits:  # the model's output: the logits the loss takes
            z = renamed(z, self.out)
            line = f"{self.out} = {lin}({prev.name})  # the last layer alone, where model(X) ends: {prev.name} @ {lin}.weight.T + {lin}.bias"
        return replace(
            f,
            code=(self.model_line(), self.forward_line(), line),
            shapes=f"{lin}.weight.T == W{k}: nn.Linear stores weight as (out, in) {shape_text(weight.values)}, "
            f"the transpose of W{k} (in, out) {shape_text(w.values)}",
            scalar=(f"{z.name}[{r}, {j}] = {prev.name}[{r}] @ {lin}.weight[{j}] + {lin}.bias[{j}]",),
            notes=FLOAT64,
            matrices=(prev, weight, renamed(b, f"{lin}.bias"), z),
            remark=f"unit {j}'s weights are row {j} of {lin}.weight, column {j} of W{k}",
        )

    def _a(self, f: MatrixFrame) -> MatrixFrame:
        if len(f.matrices) != 2:  # a softmax's p_k: the NumPy frame shows the exponentials and their sums
            return self._probabilities(f)
        z, a = f.matrices
        (k, j), r = where(f), sample_row(f)
        activation = self.net.activation(k - 1)
        act = activation_text(activation)
        # a softmax's entry comes from its whole row (Activation.elementwise arrives with the softmax output)
        elementwise = getattr(activation, "elementwise", True)
        source = f"Z{k}"
        if k == self.L and self.loss.takes_logits:
            source = self.out  # the model stops at Z_L: its output is the logits
            line = f"A{k} = {act.call(self.out)}  # only to read the prediction: the loss takes the logits"
        elif k == self.L and passes_through(activation):
            line = f"{self.out} = {linear(k)}(A{k - 1})  # a linear output: no activation module, the model ends at its last nn.Linear, ŷ = Z{k}"
        else:
            line = f"A{k} = model[{self.modules * (k - 1) + 1}](Z{k})  # {act.module}"
        scalar = (
            f"A{k}[{r}, {j}] = {act.call(f'{source}[{r}, {j}]')}"
            if elementwise
            else f"A{k}[{r}, {j}] = {act.call(f'{source}[{r}:{r + 1}]')}[0, {j}]"
        )
        return replace(
            f,
            code=(self.model_line(), self.forward_line(), line),
            scalar=(scalar,),
            notes=act.note,
            matrices=(renamed(z, source), a),
        )

    def _probabilities(self, f: MatrixFrame) -> MatrixFrame:
        """A softmax output's probabilities: one PyTorch call over the whole row where NumPy writes
        the shift, the exponentials and their sum; the NumPy lines stay beside it as a note."""
        k = where(f)[0]
        act = activation_text(self.net.activation(k - 1))
        source = self.out if k == self.L and self.loss.takes_logits else f"Z{k}"
        line = f"A{k} = {act.call(source)}  # only to read the probabilities: the loss takes the logits"
        return replace(f, code=(self.model_line(), self.forward_line(), line), notes=f"in NumPy: {'; '.join(f.code)}")

    def _loss_matrices(self, f: MatrixFrame) -> tuple[Shown, ...]:
        """The numpy frame's matrices with the output named as PyTorch's loss reads it (logits: Z, not A)."""
        out, y, *rest = f.matrices
        if self.loss.takes_logits:
            z = self.p.matrices.z[self.L]
            assert z is not None
            out = Shown(self.out, z, rows=out.rows, cells=out.cells)
        else:
            out = renamed(out, self.out)
        return (out, renamed(y, "y"), *rest)

    def _loss(self, f: MatrixFrame) -> MatrixFrame:
        r = f.sample_row
        return replace(
            f,
            code=(self.model_line(), self.forward_line(), self.loss_line()),
            scalar=(f"L[{r}, 0] = {self.sample_loss(r or 0)}",),
            notes=self.loss.why,
            matrices=self._loss_matrices(f),
            remark=self.penalty_remark(),
        )

    def _batch_loss(self, f: MatrixFrame) -> MatrixFrame:
        code: tuple[str, ...] = (self.model_line(), self.forward_line(), self.loss_line())
        matrices = f.matrices
        if self.p.l2 > 0:  # ours adds (λ/2)·Σw² to the loss (and shows the weights it sums): PyTorch leaves it to weight_decay
            code += (
                f"penalty = 0.5 * {self.p.l2:g} * sum((layer.weight ** 2).sum() for layer in model[::{self.modules}])"
                "  # ours; weight_decay stands for it: not in PyTorch's loss",
            )
            torch_names = {f"W{k}": f"{self.linear(k)}.weight" for k in range(1, self.L + 1)}
            matrices = tuple(
                transposed(s, torch_names[s.name])
                if s.name in torch_names
                else renamed(s, "loss + penalty")
                if s.focus is not None
                else s
                for s in f.matrices
            )
        return replace(
            f,
            code=code,
            notes=f'reduction="mean", the default, divides by m = {self.m}: our L.sum() / m',
            matrices=matrices,
            remark=self.penalty_remark(),
        )

    def _backward(self, line: str) -> tuple[str, ...]:
        return (self.model_line(), "loss.backward()  # every dZ, dA, dW and db of the pass at once", line)

    def _delta(self, f: MatrixFrame) -> MatrixFrame:
        k = where(f)[0]
        name = self.out if k == self.L and self.loss.takes_logits else f"Z{k}"
        keep = f"{name}.retain_grad()  # before backward(): autograd keeps no dZ{k} unless asked"
        backward, after = "loss.backward()", f"{name}.grad  # == dZ{k} / m"
        return replace(f, code=(self.model_line(), keep, backward, after), notes=self.loss.why if k == self.L else "")

    def _grad_w(self, f: MatrixFrame) -> MatrixFrame:
        a_t, dz, dw, term = f.matrices
        k = where(f)[0] + 1
        prev = "X" if k == 1 else f"A{k - 1}"
        lin, r = self.linear(k), f.sample_row
        (i, j) = term.focus or (0, 0)
        grad = transposed(dw, self.weight_gradient(f"{lin}.weight"))
        outer = f"torch.outer(dZ{k}[{r}], {prev}[{r}])"
        line = f"{lin}.weight.grad  # (out, in) like {lin}.weight: {lin}.weight.grad.T == dW{k}"
        if self.p.l2 > 0:
            line = f"{lin}.weight.grad  # (out, in); step() adds weight_decay * {lin}.weight, and that sum's .T is dW{k}"
        return replace(
            f,
            code=self._backward(line),
            shapes=f"{lin}.weight.grad = dZ{k}.T @ {prev} / m: {shape_text(dz.values.T)} @ {shape_text(a_t.values.T)} / {self.m} "
            f"→ {shape_text(grad.values)}",
            scalar=(f"{outer}[{j}, {i}] = dZ{k}[{r}, {j}] * {prev}[{r}, {i}]",),
            matrices=(transposed(dz, f"dZ{k}.T"), transposed(a_t, prev), grad, transposed(term, outer)),
            remark=f"row {r}'s term of {lin}.weight.grad[{j}, {i}] (= dW{k}[{i}, {j}]), a sum over the batch's rows / m",
        )

    def _grad_b(self, f: MatrixFrame) -> MatrixFrame:
        dz, db = f.matrices
        k = where(f)[0] + 1
        lin = self.linear(k)
        n = db.values.shape[1]
        r, j = dz.focus or (0, 0)
        return replace(
            f,
            code=self._backward(f"{lin}.bias.grad  # ({n},): db{k} without its row axis"),
            shapes=f"{lin}.bias.grad = dZ{k}.sum(dim=0) / m → ({n},)",
            matrices=(dz, renamed(db, f"{lin}.bias.grad")),
            remark=f"row {r}'s term of {lin}.bias.grad[{j}] = dZ{k}[:, {j}].sum() / m (a bias's input is 1, so ∂L/∂b = δ)",
        )

    def _grad_a(self, f: MatrixFrame) -> MatrixFrame:
        dz, w_t, da = f.matrices
        k = where(f)[0]
        lin, i, r = self.linear(k + 1), next(iter(w_t.columns)), f.sample_row
        return replace(
            f,
            code=self._backward(f"# inside backward(): dA{k} = dZ{k + 1} @ {lin}.weight, no .T: the weight is (out, in) already"),
            shapes=f"{shape_text(dz.values)} @ {shape_text(w_t.values)} → {shape_text(da.values)}",
            scalar=(f"dA{k}[{r}, {i}] = dZ{k + 1}[{r}] @ {lin}.weight[:, {i}]",),
            matrices=(dz, renamed(w_t, f"{lin}.weight"), da),
        )

    def _update(self, f: MatrixFrame) -> MatrixFrame:
        step = f.step
        assert step is not None and step.layer is not None
        t = optimizer_text(self.p.optimizer)
        rule = OPTIMIZER_KINDS[self.p.optimizer]
        bias = step.kind == "update_b"
        lin = self.linear(step.layer + 1)
        param = f"{lin}.bias" if bias else f"{lin}.weight"
        ours = dict(t.state)  # "M" → "momentum_buffer"

        def name_of(shown: Shown) -> str:
            base, _, new = shown.name.partition(" ")
            letter = base.split("_")[0]
            if letter in ours:
                torch_name = f'state["{ours[letter]}"]'
            elif base.startswith("d"):
                torch_name = f"{param}.grad" if bias else self.weight_gradient(param)
            else:
                torch_name = param
            return f"{torch_name} {new}".rstrip()

        matrices = tuple(renamed(s, name_of(s)) if bias else transposed(s, name_of(s)) for s in f.matrices)
        cell = next(s.focus for s in matrices if s.focus is not None)
        at = f"[{cell[1]}]" if bias else f"[{cell[0]}, {cell[1]}]"
        moments = [f'state["{key}"]' for _, key in t.state]
        first = moments[0] if rule.keeps_first else ""
        second = moments[-1] if rule.keeps_second else ""
        scalar = rule.numpy("p", "p.grad", first, second, at)
        held = "" if not t.state else f"; state = optimizer.state[p] holds {', '.join(moments)}"
        shape = f"({matrices[0].values.shape[1]},)" if bias else shape_text(matrices[0].values)
        return replace(
            f,
            code=(
                self.optimizer_line(),
                "optimizer.step()  # every parameter at once, from its .grad",
                "optimizer.zero_grad()  # .grad adds up over backward() calls: clear it before the next",
            ),
            shapes=f"p = {param} {shape}" + ("" if bias else f", (out, in): p.T == W{step.layer + 1}") + held,
            scalar=tuple(line.replace("np.sqrt", "torch.sqrt") for line in scalar),
            notes=f"{f.notes}; {t.note}",
            matrices=matrices,
            remark=self.penalty_remark(),
        )


def torch_frame(position: MatrixPosition) -> MatrixFrame:
    """The position's step as PyTorch code, over the same numbers as its NumPy frame.

    An operation registered without its PyTorch text (a test forbids it) shows the NumPy frame
    under a line saying which, rather than no frame at all.
    """
    try:
        return TorchLens(position).frame()
    except LookupError as missing:
        numpy = position.frame
        return replace(numpy, code=(f"# {missing}", *numpy.code))
