"""One sample's forward and backward pass as scalar arithmetic, and its micro-step records.

`compute_sample` does the math on Python floats, unit by unit, independently of the
vectorised kernel (so the tests comparing the two compare two implementations);
`sample_steps` turns those numbers into records without computing anything new.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tui_nn.engine.losses import bce_from_logit_scalar, clipped
from tui_nn.engine.network import Network
from tui_nn.engine.records import Names, NumberFormat, Step


@dataclass(frozen=True)
class SampleTables:
    """Every intermediate number of one sample's forward and backward pass.

    a[0] is the input; for weight layer l, z[l] and a[l+1] belong to unit layer l+1,
    delta[l] is ∂L/∂z of unit layer l+1, and grad_a[l] is ∂L/∂a of unit layer l (l ≥ 1).
    grad is the sample's gradient laid out like Network.params.
    """

    sample: int
    x: tuple[float, ...]
    y: tuple[float, ...]
    z: tuple[tuple[float, ...], ...]
    a: tuple[tuple[float, ...], ...]
    loss: float
    delta: tuple[tuple[float, ...], ...]
    grad_a: tuple[tuple[float, ...], ...]
    grad: np.ndarray


def compute_sample(net: Network, params: np.ndarray, x: np.ndarray, y: np.ndarray, sample: int) -> SampleTables:
    """Forward z = Σᵢ aᵢ·wᵢⱼ + bⱼ, a = g(z); loss; backward δ, ∂L/∂w = a_prev·δ, ∂L/∂a = Σⱼ δⱼ·wᵢⱼ."""
    blocks = [net.block(l, params).tolist() for l in range(net.n_layers)]
    a: list[list[float]] = [[float(v) for v in x]]
    z: list[list[float]] = []
    for l, block in enumerate(blocks):
        act = net.activation(l).scalar
        prev = a[-1]
        n_in = len(prev)
        zl = []
        for j in range(len(block[0])):
            total = 0.0
            for i in range(n_in):
                total += prev[i] * block[i][j]
            zl.append(total + block[n_in][j])
        z.append(zl)
        a.append([act(v) for v in zl])
    targets = [float(v) for v in y]
    out_z, out_a = z[-1], a[-1]
    if net.loss == "bce":
        loss = sum(bce_from_logit_scalar(zk, yk) for zk, yk in zip(out_z, targets, strict=True))
        top = [ak - yk for ak, yk in zip(out_a, targets, strict=True)]
    else:
        loss = sum(0.5 * (ak - yk) ** 2 for ak, yk in zip(out_a, targets, strict=True))
        top = [(ak - yk) * ak * (1.0 - ak) for ak, yk in zip(out_a, targets, strict=True)]
    L = net.n_layers
    delta: list[list[float]] = [[] for _ in range(L)]
    grad_a: list[list[float]] = [[] for _ in range(L)]
    delta[L - 1] = top
    grad = np.zeros(net.n_params)
    for l in range(L - 1, -1, -1):
        g = net.block(l, grad)
        prev = a[l]
        for j, dj in enumerate(delta[l]):
            for i, ai in enumerate(prev):
                g[i, j] = dj * ai
            g[len(prev), j] = dj
        if l > 0:
            block = blocks[l]
            derivative = net.activation(l - 1).derivative_scalar
            upstream, below = [], []
            for i in range(len(prev)):
                total = 0.0
                for j, dj in enumerate(delta[l]):
                    total += dj * block[i][j]
                upstream.append(total)
                below.append(total * derivative(z[l - 1][i], prev[i]))
            grad_a[l] = upstream
            delta[l - 1] = below
    return SampleTables(
        sample,
        tuple(a[0]),
        tuple(targets),
        tuple(tuple(v) for v in z),
        tuple(tuple(v) for v in a),
        loss,
        tuple(tuple(v) for v in delta),
        tuple(tuple(v) for v in grad_a),
        grad,
    )


def forward_step_count(sizes: tuple[int, ...]) -> int:
    return 2 * sum(sizes[1:])


def sample_step_count(sizes: tuple[int, ...]) -> int:
    """Forward (z and a per unit), one loss step, then δ per output unit, ∂L/∂w and ∂L/∂b per
    parameter, and ∂L/∂a and δ per hidden unit."""
    params = sum((sizes[l] + 1) * sizes[l + 1] for l in range(len(sizes) - 1))
    hidden = sum(sizes[1:-1])
    return forward_step_count(sizes) + 1 + sizes[-1] + params + 2 * hidden


def _vector(values: tuple[float, ...], fmt: NumberFormat) -> str:
    return "(" + ", ".join(fmt(v) for v in values) + ")"


def sample_header(phase: str, t: SampleTables, fmt: NumberFormat) -> str:
    target = fmt(t.y[0]) if len(t.y) == 1 else _vector(t.y, fmt)
    return f"{phase} · sample {t.sample + 1} · x = {_vector(t.x, fmt)} · target {target}"


def sample_steps(net: Network, params: np.ndarray, t: SampleTables, epoch: int, names: Names, fmt: NumberFormat) -> list[Step]:
    """The records of one sample, in the order a learner reads them."""
    steps: list[Step] = []
    L = net.n_layers
    s = t.sample
    header: str | None = sample_header("forward", t, fmt)
    for l in range(L):
        block = net.block(l, params)
        act = net.activation(l)
        below, above = l, l + 1
        n_in = len(t.a[l])
        for j in range(len(t.z[l])):
            unit = names.unit(above, j)
            symbols = " + ".join(f"{names.activation_value(below, i)}·{names.weight(l, i, j)}" for i in range(n_in))
            numbers = " + ".join(f"{fmt(t.a[l][i], paren=True)}·{fmt(float(block[i, j]), paren=True)}" for i in range(n_in))
            zj = t.z[l][j]
            nodes = (*tuple((below, i) for i in range(n_in)), (above, j))
            edges = tuple((l, i, j) for i in range(n_in))
            steps.append(
                Step(
                    "forward",
                    "z",
                    epoch,
                    s,
                    above,
                    j,
                    unit,
                    f"z = {symbols} + {names.bias(l, j)}",
                    f"{numbers} + {fmt(float(block[n_in, j]), paren=True)}",
                    (("z", zj),),
                    ((("z", above, j, -1), zj),),
                    nodes,
                    edges,
                    header=header,
                )
            )
            header = None
            aj = t.a[above][j]
            value_name = "ŷ" if above == L else "a"
            steps.append(
                Step(
                    "forward",
                    "a",
                    epoch,
                    s,
                    above,
                    j,
                    unit,
                    f"{value_name} = {act.symbol}(z)",
                    act.explain(fmt(zj)),
                    ((value_name, aj),),
                    ((("a", above, j, -1), aj),),
                    ((above, j),),
                    (),
                )
            )
    out = t.a[L]
    if net.loss == "bce":
        terms = [f"{fmt(y)}·ln {fmt(clipped(a))} + {fmt(1 - y)}·ln {fmt(clipped(1 - a))}" for a, y in zip(out, t.y, strict=True)]
        formula = "L = −[y·ln ŷ + (1−y)·ln(1−ŷ)]"
        substituted = " ".join(f"−[{term}]" for term in terms)
    else:
        formula = "L = ½·(ŷ − y)²"
        substituted = " + ".join(f"½·({fmt(a)} − {fmt(y)})²" for a, y in zip(out, t.y, strict=True))
    if len(out) > 1:
        formula = formula.replace("L = ", "L = Σₖ ")
    steps.append(
        Step(
            "loss",
            "loss",
            epoch,
            s,
            L,
            None,
            "loss",
            formula,
            substituted,
            (("L", t.loss),),
            ((("loss", s, -1, -1), t.loss),),
            tuple((L, k) for k in range(len(out))),
            (),
        )
    )
    header = sample_header("backward", t, fmt)
    for k, (a, y) in enumerate(zip(out, t.y, strict=True)):
        d = t.delta[L - 1][k]
        if net.loss == "bce":
            formula, substituted = "δ = ∂L/∂z = ŷ − y", f"{fmt(a)} − {fmt(y)}"
        else:
            formula, substituted = "δ = ∂L/∂z = (ŷ − y)·ŷ(1 − ŷ)", f"({fmt(a)} − {fmt(y)})·{fmt(a)}·(1 − {fmt(a)})"
        steps.append(
            Step(
                "backward",
                "delta",
                epoch,
                s,
                L,
                k,
                names.unit(L, k),
                formula,
                substituted,
                (("δ", d),),
                ((("delta", L, k, -1), d),),
                ((L, k),),
                (),
                header=header,
            )
        )
        header = None
    for l in range(L - 1, -1, -1):
        below, above = l, l + 1
        grad = net.block(l, t.grad)
        for j, dj in enumerate(t.delta[l]):
            d_name = names.delta(above, j)
            for i, ai in enumerate(t.a[l]):
                g = float(grad[i, j])
                w = names.weight(l, i, j)
                steps.append(
                    Step(
                        "backward",
                        "grad_w",
                        epoch,
                        s,
                        l,
                        j,
                        "",
                        f"∂L/∂{w} = {d_name}·{names.activation_value(below, i)}",
                        f"{fmt(dj, paren=True)}·{fmt(ai, paren=True)}",
                        ((f"∂L/∂{w}", g),),
                        ((("grad_w", l, i, j), g),),
                        ((below, i), (above, j)),
                        ((l, i, j),),
                        note="a zero input gets no gradient" if ai == 0.0 else None,
                    )
                )
            g = float(grad[-1, j])
            steps.append(
                Step(
                    "backward",
                    "grad_b",
                    epoch,
                    s,
                    l,
                    j,
                    "",
                    f"∂L/∂{names.bias(l, j)} = {d_name}",
                    fmt(dj),
                    ((f"∂L/∂{names.bias(l, j)}", g),),
                    ((("grad_b", l, j, -1), g),),
                    ((above, j),),
                    (),
                )
            )
        if l == 0:
            continue
        act = net.activation(l - 1)
        weights = net.weights(l, params)
        for i in range(len(t.a[l])):
            unit = names.unit(below, i)
            upstream = t.grad_a[l][i]
            symbols = " + ".join(f"{names.delta(above, j)}·{names.weight(l, i, j)}" for j in range(len(t.delta[l])))
            numbers = " + ".join(
                f"{fmt(dj, paren=True)}·{fmt(float(weights[i, j]), paren=True)}" for j, dj in enumerate(t.delta[l])
            )
            edges = tuple((l, i, j) for j in range(len(t.delta[l])))
            nodes = ((below, i), *tuple((above, j) for j in range(len(t.delta[l]))))
            steps.append(
                Step(
                    "backward",
                    "grad_a",
                    epoch,
                    s,
                    below,
                    i,
                    unit,
                    f"∂L/∂{unit} = {symbols}",
                    numbers,
                    ((f"∂L/∂{unit}", upstream),),
                    ((("grad_a", below, i, -1), upstream),),
                    nodes,
                    edges,
                )
            )
            d = t.delta[l - 1][i]
            zi, ai = t.z[l - 1][i], t.a[l][i]
            note = "z ≤ 0: this ReLU passes no gradient" if act.name == "relu" and zi <= 0 else None
            steps.append(
                Step(
                    "backward",
                    "delta",
                    epoch,
                    s,
                    below,
                    i,
                    unit,
                    f"δ = ∂L/∂z = ∂L/∂{unit}·{act.derivative_text.split(' = ')[0]}",
                    f"{fmt(upstream, paren=True)}·{act.derivative_substituted(fmt(zi), fmt(ai), zi)}",
                    (("δ", d),),
                    ((("delta", below, i, -1), d),),
                    ((below, i),),
                    (),
                    note=note,
                )
            )
    return steps
