"""Pure Rich renderables for the smaller panes: truth table, loss summary, ASCII sparkline."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from rich.style import Style
from rich.text import Text

from tui_nn.engine.nn.datasets import Dataset
from tui_nn.engine.session.view import ValidationFigures
from tui_nn.engine.walk.records import NumberFormat
from tui_nn.ui import theme
from tui_nn.ui.theme import class_colour

ASCII_LEVELS = " _.-~=*#"
BLOCK_LEVELS = " ▁▂▃▄▅▆▇█"


def probability_text(p: float, digits: int) -> str:
    """ŷ with `digits` decimals, or more when that would print 0.500… for a ŷ that is not ½ (so
    the class it gets is visible in the digits: 0.5003 is class 1, 0.4997 class 0)."""
    for extra in range(0, 12):
        shown = f"{p:.{digits + extra}f}"
        if float(shown) != 0.5 or p == 0.5:
            return shown
    return f"{p:.{digits + 12}f}"


def truth_table(data: Dataset, predictions: np.ndarray, current: int | None, focus: int | None, digits: int = 3) -> Text:
    """Rows x₁, x₂, target, ŷ, predicted class and ✓/✗; the current sample highlighted; y and the
    class in their class's colour.

    Plain fixed-width text: it is redrawn on every step, and a Rich Table costs far more.
    """
    fmt = NumberFormat(digits)
    n_in = data.x.shape[1]
    # Columns as wide as their widest entry, one space apart: inputs of your own (0.0500) must
    # not run into each other the way 0/1 gate inputs never do.
    xs = [[fmt(float(v)) for v in row] for row in data.x]
    ys = [fmt(float(v)) for v in data.y[:, 0]]
    x_widths = [max(3, 1 + max(len(row[k]) for row in xs)) for k in range(n_in)]
    y_width = max(2, max(len(v) for v in ys))
    # ŷ gets more digits where 0.500 would not say which side of 0.5 it is on: one width for all
    probabilities = [probability_text(float(p), digits) for p in predictions[:, 0]]
    p_width = max(6, max(len(p) for p in probabilities))
    text = Text()
    inputs_header = "".join(f"{f'x{k + 1}':>{w}}" for k, w in enumerate(x_widths))
    header = f"#  {inputs_header} {'y':>{y_width}}{'ŷ':>{p_width + 1}} cls"
    text.append(header + "\n", style="bold")
    for i in range(data.size):
        y = data.y[i, 0]
        p = float(predictions[i, 0])
        predicted = int(p > 0.5)
        right = predicted == int(y > 0.5)
        marker = "◆" if focus == i else " "
        row_style = "reverse" if current == i else ("bold" if focus == i else "")
        inputs = "".join(f"{v:>{w}}" for v, w in zip(xs[i], x_widths, strict=True))
        shown = probabilities[i]
        text.append(f"{i + 1}{marker} {inputs} ", style=row_style)
        text.append(f"{ys[i]:>{y_width}}", style=Style.parse(row_style) + Style(color=class_colour(int(y > 0.5))))
        text.append(f" {shown:>{p_width}} ", style=row_style)
        text.append(f"{predicted:>3}", style=Style.parse(row_style) + Style(color=class_colour(predicted)))
        text.append(" ", style=row_style)
        text.append("✓" if right else "✗", style=theme.SUCCESS if right else f"bold {theme.ERROR}")
        if i + 1 < data.size:
            text.append("\n")
    return text


def class_summary(data: Dataset, predictions: np.ndarray, current: int | None) -> Text:
    """For data sets too large to list: accuracy per class and the current sample."""
    text = Text()
    classes = data.y[:, 0] > 0.5
    guessed = predictions[:, 0] > 0.5
    for c in (0, 1):
        mask = classes == bool(c)
        right = int(np.count_nonzero(guessed[mask] == bool(c)))
        text.append(f"class {c}: {right}/{int(mask.sum())} right ({right / max(int(mask.sum()), 1):.0%})\n")
    total = int(np.count_nonzero(guessed == classes))
    text.append(f"all: {total}/{data.size} ({total / data.size:.1%})\n", style="bold")
    if current is not None:
        x = ", ".join(f"{v:.3f}" for v in data.x[current])
        text.append(f"sample {current + 1}: x = ({x}), y = {int(data.y[current, 0])}, ŷ = {predictions[current, 0]:.3f}")
    return text


def ascii_sparkline(values: Sequence[float], width: int) -> Text:
    """A sparkline in plain ASCII (for --ascii): one character per column, mean of each slice."""
    if width <= 0 or len(values) == 0:
        return Text("")
    array = np.asarray(values, dtype=float)
    if len(array) > width:
        edges = np.linspace(0, len(array), width + 1).astype(int)
        array = np.add.reduceat(array, edges[:-1]) / np.diff(edges)
    finite = array[np.isfinite(array)]
    if len(finite) == 0:
        return Text("?" * len(array))
    low, high = float(finite.min()), float(finite.max())
    span = high - low or 1.0
    chars = []
    for v in array:
        if not math.isfinite(v):
            chars.append("!")
        else:
            chars.append(ASCII_LEVELS[1 + int((v - low) / span * (len(ASCII_LEVELS) - 2))])
    return Text("".join(chars))


LOSS_TITLE = "loss (log scale)"
LEGEND_TITLE = "loss (log)"  # shorter, to leave room for the legend


def loss_title(validation: bool, ascii_only: bool) -> str | Text:
    """The loss pane's title; with a validation set, a legend of its two series (the bars and the dots)."""
    if not validation:
        return LOSS_TITLE
    bar, dot = ("#", "o") if ascii_only else ("▇", "⠤")
    title = Text(f"{LEGEND_TITLE} ")
    title.append(f"{bar} training", style=theme.LOSS)
    title.append(" ")
    title.append(f"{dot} validation", style=f"bold {theme.INFO}")
    return title


def loss_summary(
    first: float | None,
    current: float | None,
    best: float | None,
    accuracy: float | None,
    epochs: int,
    validation: ValidationFigures | None = None,
) -> Text:
    fmt = NumberFormat(4)
    text = Text()

    def item(label: str, value: float | None, style: str = "") -> None:
        text.append(f"{label} ", style=theme.MUTED)
        text.append(fmt(value) if value is not None else "—", style=style)
        text.append("  ")

    item("first", first)
    item("now", current, "bold")
    item("best", best, theme.SUCCESS)
    text.append("acc ", style=theme.MUTED)
    text.append(f"{accuracy:.0%}" if accuracy is not None else "—", style="bold")
    if validation is not None:
        text.append("\n")
        text.append(f"validation ({validation.size} held out) ", style=f"bold {theme.INFO}")
        item("now", validation.current_loss, "bold")
        text.append("lowest ", style=theme.MUTED)
        if validation.best_loss is not None and validation.best_epoch is not None:
            text.append(fmt(validation.best_loss), style=theme.SUCCESS)
            text.append(f" at epoch {validation.best_epoch:,}", style=theme.MUTED)
        else:
            text.append("—")
        text.append("  acc ", style=theme.MUTED)
        text.append(f"{validation.accuracy:.0%}" if validation.accuracy is not None else "—", style="bold")
    return text
