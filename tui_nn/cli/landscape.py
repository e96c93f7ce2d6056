"""`tui-nn landscape PROBLEM --params A,B [--span S] [--grid N] [--json]`: the landscape view's grid, headless.

Every value is the batch loss with the two parameters set and the others at the current weights
(from --weights, or the initialisation, or --epochs of training): the numbers the view paints,
computed by the same function (engine/nn/landscape.py).
"""

from __future__ import annotations

import argparse
import json
import math

import numpy as np

from tui_nn.cli.options import UsageError, config_from, digits_from, option
from tui_nn.engine.nn import landscape as ls
from tui_nn.engine.nn.network import Network
from tui_nn.engine.session import actions as act
from tui_nn.engine.session import config as cfg
from tui_nn.engine.session.build import build
from tui_nn.engine.session.controller import Controller
from tui_nn.engine.walk.notation import parameter_label, parse_parameter
from tui_nn.engine.walk.records import json_number

DEFAULT_SPAN = "1"
DEFAULT_GRID = "21"
TABLE_SIDE = 11  # rows and columns the text table shows at most (every k-th point; --json has them all)


def parse_span(text: str) -> float:
    try:
        span = float(text)
    except ValueError:
        raise cfg.ConfigError(f"{cfg.shown_value(text)} is not a number: the span is a number above 0, e.g. --span 2") from None
    if not (math.isfinite(span) and span > 0):
        raise cfg.ConfigError(f"the span must be a number above 0 (each parameter ± S), not {cfg.shown_value(text)}")
    if span > cfg.MAX_PARAMETER:
        raise cfg.ConfigError(f"the span is at most {cfg.MAX_PARAMETER:g}, not {cfg.shown_value(text)}")
    return span


def parse_grid(text: str) -> int:
    count = cfg.parse_int("grid", text, 3, ls.MAX_GRID)
    if count % 2 == 0:
        raise cfg.ConfigError(
            f"--grid {count}: N must be odd so the current value is a grid point (try {count - 1} or {count + 1})"
        )
    return count


def run_landscape(args: argparse.Namespace) -> int:
    config, hidden_given = config_from(args)
    span = option("--span", args.span, parse_span)
    count = option("--grid", args.grid, parse_grid)
    epochs = option("--epochs", args.epochs, lambda t: cfg.parse_int("epochs", t, 0, 10**9))
    if args.params is None:
        raise UsageError(
            "say which two parameters to vary: --params A,B (named as explain names them, e.g. w11,w12 or W1[0,0],W2[0,0])"
        )
    session = build(config, hidden_given=hidden_given, digits=digits_from(args))
    pair = _pair(session.net, args.params)
    controller = Controller(session)
    if epochs:
        outcome = controller.apply(act.Train(epochs))
        if outcome.message is not None and outcome.message.tone == "error":
            raise UsageError(f"--epochs {epochs}: training stopped: {outcome.message.text}")
    net, data = controller.session.net, controller.session.data
    params = net.params.copy()
    xs = ls.axis_values(float(params[pair[0]]), span, count)
    ys = ls.axis_values(float(params[pair[1]]), span, count)
    loss = ls.slice_losses(net, data.x, data.y, params, pair, xs, ys)
    names = [ls.parameter_name(net, k) for k in pair]
    if args.json:
        document = {
            "x": [json_number(v) for v in xs.tolist()],
            "y": [json_number(v) for v in ys.tolist()],
            "loss": [[json_number(v) for v in row] for row in loss.tolist()],
            "params": names,
            "centre": [float(params[pair[0]]), float(params[pair[1]])],
            "network": controller.session.describe(),
            "epoch": controller.stepper.epoch,
        }
        print(json.dumps(document, ensure_ascii=False))
        return 0
    print(
        "\n".join(
            summary_lines(controller.session.describe(), [parameter_label(net, k) for k in pair], names, xs, ys, loss, span)
        )
    )
    return 0


def _pair(net: Network, text: str) -> tuple[int, int]:
    parts = _split_names(text)
    if len(parts) != 2:
        raise UsageError(f"--params {cfg.shown_value(text)}: name exactly two parameters, e.g. --params w11,w12")
    indices = []
    for part in parts:
        try:
            indices.append(parse_parameter(net, part))
        except ValueError as error:
            raise UsageError(f"--params: {error}") from None
    if indices[0] == indices[1]:
        raise UsageError(
            f"--params: {parts[0]} and {parts[1]} are the same parameter, {parameter_label(net, indices[0])}: name two different ones"
        )
    return indices[0], indices[1]


def _split_names(text: str) -> list[str]:
    """A,B split at the comma between the names, not the ones inside W1[0,1]."""
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += (ch == "[") - (ch == "]")
        if ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        current += ch
    parts.append(current.strip())
    return [p for p in parts if p]


def summary_lines(
    network: str, labels: list[str], names: list[str], xs: np.ndarray, ys: np.ndarray, loss: np.ndarray, span: float
) -> list[str]:
    """The grid as a reader takes it in: where it is centred, its lowest and highest point, and a table."""
    mid = len(xs) // 2
    lines = [
        f"landscape {network}",
        f"{labels[0]} across, {labels[1]} up: each ± {span:g} around the current weights, {len(xs)}×{len(ys)} points",
        f"loss at the current weights ({names[0]} = {xs[mid]:.6g}, {names[1]} = {ys[mid]:.6g}): {loss[mid, mid]:.6g}",
    ]
    finite = np.isfinite(loss)
    if finite.any():
        low = np.unravel_index(np.argmin(np.where(finite, loss, np.inf)), loss.shape)
        high = np.unravel_index(np.argmax(np.where(finite, loss, -np.inf)), loss.shape)
        lines.append(f"lowest on the grid:  {loss[low]:.6g} at {names[0]} = {xs[low[1]]:.6g}, {names[1]} = {ys[low[0]]:.6g}")
        lines.append(f"highest on the grid: {loss[high]:.6g} at {names[0]} = {xs[high[1]]:.6g}, {names[1]} = {ys[high[0]]:.6g}")
    if not finite.all():
        lines.append(f"{int((~finite).sum())} points beyond float64's range (inf or nan)")
    step = max(1, math.ceil((len(xs) - 1) / (TABLE_SIDE - 1)))
    shown = list(range(0, len(xs), step))
    if shown[-1] != len(xs) - 1:
        shown.append(len(xs) - 1)
    if mid not in shown:
        shown = sorted({*shown, mid})
    sampled = "" if step == 1 else f" (every {ordinal(step)} point; --json for all {len(xs)}×{len(ys)})"
    lines.append(f"loss, {names[1]} down the side (highest first), {names[0]} across{sampled}:")
    lines.append(" " * 11 + " ".join(f"{xs[j]:>9.4g}" for j in shown))
    for i in reversed(shown):
        cells = " ".join(f"{loss[i, j]:>9.4g}" for j in shown)
        lines.append(f"{ys[i]:>9.4g}  {cells}")
    return lines


def ordinal(n: int) -> str:
    """2nd, 3rd, 4th, 11th, 21st: as the table's note reads aloud."""
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
