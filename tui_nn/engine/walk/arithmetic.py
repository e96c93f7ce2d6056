"""The step-through's arithmetic: one sample's forward and backward pass, and one batch's update,
as scalar code on Python floats, and what each micro-step of the walk reveals.

This is independent of the vectorised kernel (so the tests comparing the two compare two
implementations). It computes numbers only; `tui_nn.engine.walk.narrate` turns them into records for
display. The stepper's state (the parameters at a position, the values revealed so far) comes
from these numbers, never from the records, so narration cannot change what the walk computes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tui_nn.engine.nn.network import Network
from tui_nn.engine.nn.optimizers import OPTIMIZER_KINDS, OptimizerState, ScalarUpdate, scalar_update
from tui_nn.engine.walk.records import Key

Reveals = tuple[tuple[Key, float], ...]  # the values one micro-step reveals


@dataclass(frozen=True)
class SampleTables:
    """Every intermediate number of one sample's forward and backward pass.

    a[0] is the input; for weight layer l, z[l] and a[l+1] belong to unit layer l+1,
    delta[l] is ∂L/∂z of unit layer l+1, and grad_a[l] is ∂L/∂a of unit layer l (l ≥ 1).
    grad is the sample's gradient laid out like Network.params.
    For a softmax output, `shift` is m = max z, `exps` the e^(z_k − m) and `exp_sum` their sum S
    (p_k = e^(z_k − m)/S is a[-1]); `exps` is empty for elementwise outputs.
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
    shift: float = 0.0
    exps: tuple[float, ...] = ()
    exp_sum: float = 0.0


def softmax_scalar(z: list[float]) -> tuple[float, list[float], float, list[float]]:
    """m = max z, e_k = e^(z_k − m), S = Σ e_k and p_k = e_k/S, one number at a time: subtracting m
    keeps every exponent ≤ 0, so no e^z overflows and S ≥ 1 (its largest term is e^0)."""
    shift = max(z)
    exps = [math.exp(v - shift) for v in z]
    total = 0.0
    for e in exps:
        total += e
    return shift, exps, total, [e / total for e in exps]


def cross_entropy_scalar(z: list[float], shift: float, exp_sum: float, targets: list[float]) -> float:
    """−Σ_k y_k·ln p_k with ln p_k = (z_k − m) − ln S (log-sum-exp, as the engine computes it): finite
    even where p_k underflows to 0, as it does for logits ±1000."""
    log_sum = math.log(exp_sum)
    return -sum(y * ((v - shift) - log_sum) for v, y in zip(z, targets, strict=True) if y != 0.0)


def compute_sample(net: Network, params: np.ndarray, x: np.ndarray, y: np.ndarray, sample: int) -> SampleTables:
    """Forward z = Σᵢ aᵢ·wᵢⱼ + bⱼ, a = g(z); loss; backward δ, ∂L/∂w = a_prev·δ, ∂L/∂a = Σⱼ δⱼ·wᵢⱼ."""
    blocks = [net.block(l, params).tolist() for l in range(net.n_layers)]
    a: list[list[float]] = [[float(v) for v in x]]
    z: list[list[float]] = []
    shift, exp_sum = 0.0, 0.0
    exps: list[float] = []
    for l, block in enumerate(blocks):
        activation = net.activation(l)
        prev = a[-1]
        n_in = len(prev)
        zl = []
        for j in range(len(block[0])):
            total = 0.0
            for i in range(n_in):
                total += prev[i] * block[i][j]
            zl.append(total + block[n_in][j])
        z.append(zl)
        if activation.elementwise:
            a.append([activation.scalar(v) for v in zl])
        else:
            shift, exps, exp_sum, probabilities = softmax_scalar(zl)
            a.append(probabilities)
    targets = [float(v) for v in y]
    out_z, out_a = z[-1], a[-1]
    kind = net.loss_kind
    if exps:
        loss = cross_entropy_scalar(out_z, shift, exp_sum, targets)
    else:
        loss = sum(kind.scalar(zk, ak, yk) for zk, ak, yk in zip(out_z, out_a, targets, strict=True))
    top = [kind.delta_scalar(ak, yk) for ak, yk in zip(out_a, targets, strict=True)]
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
        shift,
        tuple(exps),
        exp_sum,
    )


def forward_step_count(sizes: tuple[int, ...], softmax: bool = False) -> int:
    """z and a per unit; a softmax output adds the max, one e^(z_k − m) per unit and their sum."""
    return 2 * sum(sizes[1:]) + (sizes[-1] + 2 if softmax else 0)


def sample_step_count(sizes: tuple[int, ...], softmax: bool = False) -> int:
    """Forward (z and a per unit, and a softmax's max, exps and sum), one loss step, then δ per
    output unit, ∂L/∂w and ∂L/∂b per parameter, and ∂L/∂a and δ per hidden unit."""
    params = sum((sizes[l] + 1) * sizes[l + 1] for l in range(len(sizes) - 1))
    hidden = sum(sizes[1:-1])
    return forward_step_count(sizes, softmax) + 1 + sizes[-1] + params + 2 * hidden


def sample_reveals(net: Network, t: SampleTables) -> list[Reveals]:
    """What each micro-step of one sample reveals, in the walk's order (sample_step_count steps):
    z and a per unit layer by layer; the loss; δ per output unit; then from the top weight layer
    down, ∂L/∂w per weight and ∂L/∂b per unit above, and ∂L/∂a then δ per unit of the layer below
    (not for the inputs). A softmax output reveals its z's, then m, each e^(z_k − m), S, and each p_k."""
    L = net.n_layers
    steps: list[Reveals] = []
    for l in range(L):
        if t.exps and l == L - 1:
            steps += softmax_reveals(t)
            continue
        for j, zj in enumerate(t.z[l]):
            steps.append(((Key("z", l + 1, j), zj),))
            steps.append(((Key("a", l + 1, j), t.a[l + 1][j]),))
    steps.append(((Key("loss", 0, t.sample), t.loss),))
    steps += [((Key("delta", L, k), d),) for k, d in enumerate(t.delta[L - 1])]
    for l in range(L - 1, -1, -1):
        grad = net.block(l, t.grad)
        n_in = len(t.a[l])
        for j in range(len(t.delta[l])):
            steps += [((Key("grad_w", l, j, i), float(grad[i, j])),) for i in range(n_in)]
            steps.append(((Key("grad_b", l, j), float(grad[n_in, j])),))
        if l > 0:
            for i in range(n_in):
                steps.append(((Key("grad_a", l, i), t.grad_a[l][i]),))
                steps.append(((Key("delta", l, i), t.delta[l - 1][i]),))
    return steps


def softmax_reveals(t: SampleTables) -> list[Reveals]:
    """The softmax output's forward steps, in order: each z_k, m, each e^(z_k − m), S, each p_k."""
    top = len(t.z)
    steps: list[Reveals] = [((Key("z", top, k), zk),) for k, zk in enumerate(t.z[-1])]
    steps.append(((Key("max", top, 0), t.shift),))
    steps += [((Key("exp", top, k), e),) for k, e in enumerate(t.exps)]
    steps.append(((Key("sum", top, 0), t.exp_sum),))
    steps += [((Key("a", top, k), p),) for k, p in enumerate(t.a[-1])]
    return steps


def update_step_count(n_params: int, batch_size: int, decays: bool = False) -> int:
    """The batch's loss (when it has several samples, or weight decay), then one step per parameter."""
    return batch_loss_steps(batch_size, decays) + n_params


def batch_loss_steps(batch_size: int, decays: bool = False) -> int:
    """A batch of one sample has no separate batch loss, its loss being the sample's, unless the
    weights decay: then the loss adds (λ/2)·Σw², which no sample's step shows."""
    return 1 if batch_size > 1 or decays else 0


@dataclass(frozen=True)
class UpdateTables:
    """Every number of one batch's update: the mean gradient ḡ, each parameter's update, the end state.

    `updates[k]` is the update of parameter k of the flat vector; `t` is Adam's update count after it.
    `mean` is the data loss's ḡ: with weight decay each weight's update adds λ·w to it. `batch_loss`
    is the loss the update lowers, data_loss + (λ/2)·weight_squares.
    """

    losses: tuple[float, ...]
    data_loss: float
    weight_squares: float
    l2: float
    batch_loss: float
    mean: np.ndarray
    updates: tuple[ScalarUpdate, ...]
    t: int
    end_params: np.ndarray
    end_state: OptimizerState


def parameter_order(net: Network) -> list[tuple[int, int | None, int, int]]:
    """(layer, i or None for the bias, j, flat index) in the order the update walks them:
    layer by layer, each weight row from the unit below, then the bias row."""
    order: list[tuple[int, int | None, int, int]] = []
    for l in range(net.n_layers):
        n_in, n_out = net.sizes[l], net.sizes[l + 1]
        for i in range(n_in + 1):
            for j in range(n_out):
                if i == n_in:
                    order.append((l, None, j, net.bias_index(l, j)))
                else:
                    order.append((l, i, j, net.weight_index(l, i, j)))
    return order


def parameter_key(l: int, i: int | None, j: int) -> Key:
    """Where parameter (layer l, unit below i or None for the bias, unit above j) belongs."""
    return Key("b", l, j) if i is None else Key("w", l, j, i)


def update_reveals(net: Network, u: UpdateTables) -> list[Reveals]:
    """What each micro-step of the update reveals, in the walk's order: nothing for the batch
    loss, then each parameter's new value in `parameter_order`."""
    steps: list[Reveals] = [()] * batch_loss_steps(len(u.losses), bool(u.l2))
    steps += [((parameter_key(l, i, j), float(u.end_params[index])),) for l, i, j, index in parameter_order(net)]
    return steps


def compute_update(
    net: Network, start_params: np.ndarray, start_state: OptimizerState, tables: list[SampleTables], optimizer: str, lr: float
) -> UpdateTables:
    """ḡ = (1/m)·Σₛ ∂Lₛ/∂θ, then θ ← the optimizer's rule, parameter by parameter, with the
    gradient ḡ + λ·w for a weight under weight decay (λ = net.l2) and ḡ for a bias."""
    m = len(tables)
    l2 = net.l2
    total = np.zeros(net.n_params)
    for t in tables:
        total += t.grad
    mean = total / m
    losses = tuple(t.loss for t in tables)
    state = start_state.copy()
    t_after = state.t + 1
    params = start_params.copy()
    updates: list[ScalarUpdate | None] = [None] * net.n_params
    for _, i, _, index in parameter_order(net):
        first = float(state.first[index]) if state.first.size else 0.0
        second = float(state.second[index]) if state.second.size else 0.0
        theta, g = float(params[index]), float(mean[index])
        if l2 and i is not None:
            g = g + l2 * theta
        upd = scalar_update(optimizer, lr, theta, g, first, second, t_after)
        if state.first.size:
            state.first[index] = upd.first
        if state.second.size:
            state.second[index] = upd.second
        params[index] = upd.new_value
        updates[index] = upd
    if state.first.size or state.second.size or OPTIMIZER_KINDS[optimizer].counts_steps:
        state.t = t_after
    data_loss = sum(losses) / m
    squares = net.weight_squares(start_params) if l2 else 0.0
    return UpdateTables(
        losses,
        data_loss,
        squares,
        l2,
        data_loss + 0.5 * l2 * squares if l2 else data_loss,
        mean,
        tuple(u for u in updates if u is not None),
        t_after,
        params,
        state,
    )
