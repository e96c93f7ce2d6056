"""The notation table: the one place where a symbol is chosen, with its terminal and LaTeX forms.

Units: inputs x1, x2; one hidden layer h1, h2, …; deeper nets h1.1, h2.3 (layer.unit); the
output 'out', whose value is ŷ. Weight layers use the letters w, v, u, t, …: w12 is W[0][0][1],
the weight from x1 to h2; with one output the last layer's weights are v1, v2. A bias is named
after its unit: b_h1, b_h2, b_out (b_h2.1 in deeper nets), never b1 or b2, which are the NumPy
view's and the network files' names of whole layers' bias rows (b2 is the output layer's).
δ is ∂L/∂z of a unit; m is the batch size; η the learning rate. The optimizers' running averages
have letters of their own so they cannot be mistaken for a weight or the batch size: M (the running mean of gradients: momentum's
velocity and Adam's first moment), S (Adam's running mean of squared gradients), their
bias-corrected forms M̂ and Ŝ, and Adam's update count t.
"""

from __future__ import annotations

import re
from typing import Protocol

from tui_nn.engine.walk.expr import Sym

WEIGHT_LETTERS = "wvutsrqp"

ETA = Sym("η", r"\eta")
BATCH_SIZE = Sym("m", "m")
MEAN_GRADIENT = Sym("ḡ", r"\bar{g}")
L2 = Sym("λ", r"\lambda")  # the weight decay: (λ/2)·Σw² in the loss, λ·w in each weight's gradient
DATA_LOSS = Sym("L_data", r"L_{\text{data}}")
WEIGHT_SQUARES = Sym("Σw²", r"\sum w^2")
LOSS = Sym("L", "L")
TARGET = Sym("y", "y")
OUTPUT = Sym("ŷ", r"\hat{y}")
Z = Sym("z", "z")
A = Sym("a", "a")
DELTA = Sym("δ", r"\delta")
DL_DZ = Sym("∂L/∂z", r"\frac{\partial L}{\partial z}")
SAMPLE_LOSSES = Sym("Σₛ Lₛ", r"\sum_s L_s")
MOMENTUM = Sym("M", "M")
SQUARES = Sym("S", "S")
MOMENTUM_HAT = Sym("M̂", r"\hat{M}")
SQUARES_HAT = Sym("Ŝ", r"\hat{S}")
BETA = Sym("β", r"\beta")
BETA1 = Sym("β₁", r"\beta_1")
BETA2 = Sym("β₂", r"\beta_2")
EPSILON = Sym("ε", r"\varepsilon")
STEP_COUNT = Sym("t", "t")
DROPOUT = Sym("p", "p")  # the probability a hidden unit is dropped (PyTorch's nn.Dropout(p))
# A softmax output's intermediate numbers: not m or S, which are the batch size and Adam's squares.
LARGEST_LOGIT = Sym("z_max", r"z_{\max}")
EXP_SUM = Sym("Σe", r"\Sigma e")


def logit_symbol(k: int) -> Sym:
    """z of output unit k of a softmax, as its max, exps and loss name it: z1, z2, z3."""
    return Sym(f"z{k + 1}", f"z_{{{k + 1}}}")


def exp_symbol(k: int) -> Sym:
    """e^(z_k − z_max) of output unit k of a softmax: e1, e2, e3."""
    return Sym(f"e{k + 1}", f"e_{{{k + 1}}}")


def target_symbol(k: int) -> Sym:
    """Class k's entry of a one-hot target: y1, y2, y3 (1 for the sample's own class, else 0)."""
    return Sym(f"y{k + 1}", f"y_{{{k + 1}}}")


def probability_symbol(k: int) -> Sym:
    """The softmax's probability of class k: p1, p2, p3 (the output unit's value)."""
    return Sym(f"p{k + 1}", f"p_{{{k + 1}}}")


# Every symbol the log can show, in the order the help's notation card lists them.
GLOSSARY: tuple[tuple[str, str], ...] = (
    ("x1, x2", "the inputs of the current sample"),
    ("h1, h2", "hidden units (h1.2: unit 2 of hidden layer 1 in deeper nets)"),
    ("out, ŷ", "the output unit and its value, the prediction"),
    ("y", "the target of the current sample"),
    ("w12", "weight from unit 1 below to unit 2 above: W[0][1] of the first layer"),
    ("v1, v2", "the output layer's weights (u, t, … for deeper layers)"),
    ("b_h1, b_out", "biases, named after their unit: h1's and the output's (b1, b2 are the NumPy view's layer rows)"),
    ("z, a", "a unit's weighted sum z = Σ a·w + b and its activation a = g(z)"),
    ("δ", "∂L/∂z of a unit: how much the loss changes with its weighted sum"),
    ("L", "the loss of one sample (the batch's loss is their mean)"),
    ("m", "the number of samples in the batch"),
    ("ḡ", "a parameter's gradient averaged over the batch"),
    ("z_max, e1, Σe, p1", "a softmax output's largest z, e^(z1 − z_max), the sum of those, and p1 = e1/Σe"),
    ("η", "the learning rate"),
    ("M, S", "the optimizer's running means of ḡ and ḡ² for one parameter (momentum, Adam)"),
    ("M̂, Ŝ, t", "Adam's bias-corrected M and S, and its update count"),
    ("β, β₁, β₂, ε", "the optimizers' constants"),
)


def _latex_index(index: str) -> str:
    return f"{{{index}}}"


class Names:
    """Symbols of one network's units, weights and biases (sizes: units per layer, inputs first)."""

    def __init__(self, sizes: tuple[int, ...]) -> None:
        self.sizes = sizes
        self.n_layers = len(sizes) - 1

    # --- labels: the plain names used in the diagram, the log's label column and JSON ---------

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
        return self.value_symbol(layer, j).text

    def weight(self, layer: int, i: int, j: int) -> str:
        return self.weight_symbol(layer, i, j).text

    def bias(self, layer: int, j: int) -> str:
        return self.bias_symbol(layer, j).text

    def delta(self, layer: int, j: int) -> str:
        return self.delta_symbol(layer, j).text

    # --- symbols: the same names with their LaTeX spelling ----------------------------------

    def _unit_latex(self, layer: int, j: int) -> str:
        if layer == 0:
            return f"x_{_latex_index(str(j + 1))}"
        if layer == self.n_layers:
            return r"\mathrm{out}" if self.sizes[-1] == 1 else rf"\mathrm{{out}}_{{{j + 1}}}"
        if self.n_layers == 2:
            return f"h_{_latex_index(str(j + 1))}"
        return f"h^{{({layer})}}_{{{j + 1}}}"

    def value_symbol(self, layer: int, j: int) -> Sym:
        if layer == self.n_layers:
            if self.sizes[-1] == 1:
                return Sym("ŷ", r"\hat{y}")
            return Sym(f"ŷ{j + 1}", rf"\hat{{y}}_{{{j + 1}}}")
        return Sym(self.unit(layer, j), self._unit_latex(layer, j))

    def weight_symbol(self, layer: int, i: int, j: int) -> Sym:
        letter = WEIGHT_LETTERS[layer % len(WEIGHT_LETTERS)]
        if layer == self.n_layers - 1 and self.sizes[-1] == 1:
            return Sym(f"{letter}{i + 1}", f"{letter}_{{{i + 1}}}")
        if max(self.sizes[layer], self.sizes[layer + 1]) >= 10:
            return Sym(f"{letter}{i + 1},{j + 1}", f"{letter}_{{{i + 1},{j + 1}}}")
        return Sym(f"{letter}{i + 1}{j + 1}", f"{letter}_{{{i + 1}{j + 1}}}")

    def bias_symbol(self, layer: int, j: int) -> Sym:
        """b_ and the unit's name (b_h1, b_out): a numbered b1, b2 would be the NumPy view's bias rows."""
        unit = layer + 1
        if unit == self.n_layers and self.sizes[-1] > 1:
            return Sym(f"b_out{j + 1}", rf"b_{{\mathrm{{out}},{j + 1}}}")
        return Sym(f"b_{self.unit(unit, j)}", f"b_{{{self._unit_latex(unit, j)}}}")

    def delta_symbol(self, layer: int, j: int) -> Sym:
        return Sym(f"δ_{self.unit(layer, j)}", rf"\delta_{{{self._unit_latex(layer, j)}}}")

    def parameter_symbol(self, layer: int, i: int | None, j: int) -> Sym:
        """A weight (i given) or the bias of unit j (i None) of weight layer `layer`."""
        return self.bias_symbol(layer, j) if i is None else self.weight_symbol(layer, i, j)


def kept_symbol(value: Sym) -> Sym:
    """h̃: a hidden unit's value after dropout's mask, h·m/(1 − p)."""
    head, tail = value.text[0], value.text[1:]
    return Sym(f"{head}\u0303{tail}", rf"\tilde{{{value.latex}}}")


def mask_symbol(value: Sym) -> Sym:
    """m_h1: dropout's draw for a unit, 1 (kept) or 0 (dropped)."""
    return Sym(f"m_{value.text}", f"m_{{{value.latex}}}")


def gradient(of: Sym) -> Sym:
    """∂L/∂(of)."""
    return Sym(f"∂L/∂{of.text}", rf"\frac{{\partial L}}{{\partial {of.latex}}}")


class _Shaped(Protocol):
    """What parameter naming needs of a network (notation cannot import Network: it imports us)."""

    @property
    def sizes(self) -> tuple[int, ...]: ...
    @property
    def n_layers(self) -> int: ...
    def weight_index(self, layer: int, i: int, j: int) -> int: ...
    def bias_index(self, layer: int, j: int) -> int: ...


def parameter_names(net: _Shaped) -> dict[str, int]:
    """Every name a parameter answers to → its index in the flat vector: the log's (w12, v1,
    b_out) and the file formats' (W1[0,1], b2[0]: layers from 1 as in .npz files, indices from 0
    as in NumPy)."""
    names = Names(net.sizes)
    table: dict[str, int] = {}
    for l in range(net.n_layers):
        for j in range(net.sizes[l + 1]):
            for i in range(net.sizes[l]):
                index = net.weight_index(l, i, j)
                table[names.weight(l, i, j)] = index
                table[f"W{l + 1}[{i},{j}]"] = index
            index = net.bias_index(l, j)
            table[names.bias(l, j)] = index
            table[f"b{l + 1}[{j}]"] = index
    return table


def parameter_lookup(net: _Shaped) -> dict[str, int]:
    """`parameter_names`, and a weight's name written without its comma where that cannot be misread:
    w11 for w1,1 of a 1-16 layer (a unit below is one digit, so w116 can only be w1,16), as a learner
    types the tutorials' w_ij. The log keeps the comma where a layer has 10 units or more."""
    table = parameter_names(net)
    names = Names(net.sizes)
    for l in range(net.n_layers):
        if net.sizes[l] > 9:  # w111 could be w1,11 or w11,1
            continue
        for i in range(net.sizes[l]):
            for j in range(net.sizes[l + 1]):
                table.setdefault(names.weight(l, i, j).replace(",", ""), net.weight_index(l, i, j))
    return table


def parameter_key(text: str) -> str:
    """`text` as parameter_names spells it: spaces dropped, and a bias written as the NumPy view
    draws it, an entry of the (1×n) row b1[0, j], read as b1[j]."""
    key = text.strip().replace(" ", "")
    row = re.fullmatch(r"b(\d+)\[0,(\d+)\]", key)
    return f"b{row[1]}[{row[2]}]" if row else key


def parse_parameter(net: _Shaped, text: str) -> int:
    """The flat index of the parameter called `text`, or ValueError naming the ones that exist."""
    table = parameter_lookup(net)
    key = parameter_key(text)
    if key in table:
        return table[key]
    renamed = _renamed_bias(net, key)
    if renamed:
        raise ValueError(f"'{text}' names no parameter: {renamed}")
    examples = ", ".join(list(table)[:4])
    raise ValueError(f"no parameter called '{text}' in this network (names look like {examples}, …)")


def _renamed_bias(net: _Shaped, key: str) -> str:
    """What to say of a bias called by its old name (b2 for h2's bias), which read as the NumPy
    view's b2: the name it has now, and what b2 means there."""
    if len(key) < 2 or key[0] != "b" or not key[1:].isdigit() or net.n_layers < 2:
        return ""
    j = int(key[1:]) - 1
    names = Names(net.sizes)
    now = f"{names.unit(1, j)}'s bias is {names.bias(0, j)}" if 0 <= j < net.sizes[1] else ""
    layer = int(key[1:])
    row = f"{key} is the NumPy view's bias row of layer {layer} ({key}[0] its first entry)" if layer <= net.n_layers else ""
    return "; ".join(part for part in (now, row) if part)


def parameter_label(net: _Shaped, index: int) -> str:
    """'w12 (W1[0,1])': the log's name and the file formats' name of one parameter."""
    log_name = file_name = ""
    for name, k in parameter_names(net).items():
        if k != index:
            continue
        if "[" in name:
            file_name = name
        else:
            log_name = name
    return f"{log_name} ({file_name})"
