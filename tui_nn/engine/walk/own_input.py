"""Your own input: walk an input x with a target y that is not in the data set, forward, loss,
backward and update, at the current weights, as `tui-nn trace --input X --target Y` does.

`walk_input` gives the records of that one-sample pass (a pure function: nothing changes);
`input_session` gives a session whose data set is that one sample, at the current weights, for
the app to walk step by step (the controller keeps the session it replaces one step back).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from tui_nn.engine.nn.datasets import MAX_FEATURE, Dataset
from tui_nn.engine.nn.losses import Loss, as_loss
from tui_nn.engine.nn.network import Network
from tui_nn.engine.nn.optimizers import OptimizerState, new_state
from tui_nn.engine.session.build import Session
from tui_nn.engine.walk.arithmetic import compute_sample, compute_update
from tui_nn.engine.walk.narrate import Narrator
from tui_nn.engine.walk.records import NumberFormat, Step
from tui_nn.engine.walk.stepper import Stepper

INPUT_NAME = "input"  # the one-sample data set's name, as `trace --input` calls it
MAX_VALUE = MAX_FEATURE  # inputs and targets beyond this are refused, as in a data file


@dataclass(frozen=True, eq=False)  # compared by identity: it holds arrays
class InputWalk:
    """The records of one input's pass and where it leaves the parameters and optimizer state."""

    records: list[Step]
    end_params: np.ndarray
    end_state: OptimizerState


def check_input(x: Sequence[float], y: Sequence[float], n_in: int, n_out: int, loss: str | Loss | None = None) -> str | None:
    """What is wrong with (x, y) for a network with n_in inputs and n_out outputs (trained with
    `loss`, when given), in one sentence, or None when nothing is."""
    for name, values, size in (("the input", x, n_in), ("the target", y, n_out)):
        if len(values) != size:
            return f"{name} needs {size} value{'s' if size != 1 else ''}, not {len(values)}"
        for value in values:
            if not math.isfinite(value):
                return f"{name} must be finite numbers, not {value}"
            if abs(value) > MAX_VALUE:
                return f"{name} {value:g} is refused: values must be within ±{MAX_VALUE:g}"
    kind = as_loss(loss) if loss is not None else None
    if kind is not None and kind.target_range is not None:
        low, high = kind.target_range
        outside = next((value for value in y if not low <= value <= high), None)
        if outside is not None:
            return f"the target {outside:g} is refused: {kind.target_rule}"
    return None


def walk_input(
    net: Network,
    x: Sequence[float],
    y: Sequence[float],
    optimizer: str = "sgd",
    lr: float = 1.0,
    params: np.ndarray | None = None,
    state: OptimizerState | None = None,
    epoch: int = 0,
    digits: int = 4,
) -> InputWalk:
    """Forward, loss, backward and update of (x, y) alone at `params` (default: the network's own),
    from optimizer `state` (default: fresh, as `trace` starts): the records `tui-nn trace --input X
    --target Y` prints for a network with these weights. Nothing is changed."""
    problem = check_input(x, y, net.sizes[0], net.sizes[-1], net.loss_kind)
    if problem is not None:
        raise ValueError(problem)
    start = net.params.copy() if params is None else np.array(params, dtype=np.float64)
    start_state = new_state(optimizer, net.n_params) if state is None else state.copy()
    narrator = Narrator(net, NumberFormat(digits))
    with np.errstate(all="ignore"):  # a diverged network's walk shows its infs and NaNs
        tables = compute_sample(net, start, np.array(x, dtype=np.float64), np.array(y, dtype=np.float64), 0)
        records = narrator.sample_steps(start, tables, epoch)
        update = compute_update(net, start, start_state, [tables], optimizer, lr)
        records += narrator.update_steps(update, [tables.grad], start, start_state, (epoch, 0, 1), lr, optimizer)
    return InputWalk(records, update.end_params, update.end_state)


def input_session(session: Session, x: Sequence[float], y: Sequence[float], params: np.ndarray | None = None) -> Session:
    """A session walking (x, y) alone from the weights `params` (default: those at the start of
    the current pass), at epoch 0 with a fresh optimizer: what `trace --input` walks. The session
    given is left as it is."""
    net = session.net
    problem = check_input(x, y, net.sizes[0], net.sizes[-1], net.loss_kind)
    if problem is not None:
        raise ValueError(problem)
    start = session.stepper.current.start_params if params is None else params
    copy = net.like(np.array(start, dtype=np.float64))
    data = Dataset(INPUT_NAME, np.array([x], dtype=np.float64), np.array([y], dtype=np.float64), task=session.data.task)
    c = session.config.with_changes(batch=None, val=0.0)  # one row: nothing to hold out
    stepper = Stepper(copy, data, c.optimizer, session.stepper.lr, None, c.seed, digits=session.stepper.fmt.digits)
    return Session(c.with_changes(lr=session.stepper.lr), data, copy, stepper, copy.params.copy(), dict(session.extra))


def prediction_text(net: Network, x: Sequence[float], params: np.ndarray, fmt: Callable[[float], str]) -> str:
    """What the network at `params` predicts for input x, as a learner reads it: the value ŷ itself for a
    regression (there is no class), else the class with the ŷ or the probabilities it comes from."""
    outputs = net.predict(np.array([x], dtype=np.float64), params)[0]
    if net.regression:
        return ", ".join(f"ŷ = {fmt(float(v))}" for v in outputs)
    if net.one_of_k:
        return f"class {int(np.argmax(outputs))} (p = " + ", ".join(fmt(float(v)) for v in outputs) + ")"
    return ", ".join(f"class {int(v > 0.5)} (ŷ = {fmt(float(v))})" for v in outputs)


def parse_input_text(text: str, n_in: int, n_out: int, loss: str | None = None) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """An input and its target as a learner types them: the input's values, then '→', '->', ';'
    or '|', then the target's ('0.05, 0.10 → 0.01'); commas and spaces both separate values, and
    a real minus sign reads as '-'. ValueError with one sentence for anything else."""
    plain = text.replace("→", ";").replace("->", ";").replace("|", ";").replace("−", "-")
    parts = plain.split(";")
    if len(parts) != 2:
        example = ", ".join(f"{0.05 * (k + 1):.2f}" for k in range(n_in)) + " → " + ", ".join(["0.01"] * n_out)
        raise ValueError(f"type the input, an arrow, then the target: for example {example}")
    values: list[tuple[float, ...]] = []
    for part, what in zip(parts, ("the input", "the target"), strict=True):
        words = part.replace(",", " ").split()
        try:
            values.append(tuple(float(word) for word in words))
        except ValueError:
            bad = next(word for word in words if not _is_number(word))
            raise ValueError(f"{what}: '{bad}' is not a number") from None
    x, y = values
    problem = check_input(x, y, n_in, n_out, loss)
    if problem is not None:
        raise ValueError(problem)
    return x, y


def _is_number(word: str) -> bool:
    try:
        float(word)
    except ValueError:
        return False
    return True
