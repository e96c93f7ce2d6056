"""Pure Rich renderables for the smaller panes: truth table, loss summary, ASCII sparkline."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from rich.cells import cell_len
from rich.style import Style
from rich.text import Text

from tui_nn.engine.nn.datasets import Dataset
from tui_nn.engine.session.view import ClassTable, ErrorTable, EvaluationFigures, Task, ValidationFigures
from tui_nn.engine.walk.records import NumberFormat
from tui_nn.ui import theme
from tui_nn.ui.ascii import asciify
from tui_nn.ui.panes.losschart import EVALUATION_LEGEND, VALIDATION_LEGEND
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


def truth_table(
    data: Dataset, table: ClassTable, current: int | None, focus: int | None, digits: int = 3, width: int | None = None
) -> Text:
    """Rows x₁, x₂, target, ŷ (or the K class probabilities), predicted class and ✓/✗; the current
    sample highlighted; the target and the class in their class's colour. K probabilities take
    fewer decimals (down to one) where `width` cells would not hold a row of them.

    Plain fixed-width text: it is redrawn on every step, and a Rich Table costs far more.
    """
    fmt = NumberFormat(digits)
    n_in = data.x.shape[1]
    many = table.outputs.shape[1] > 1  # K outputs: the target is a class, the outputs a probability vector
    count = table.class_count
    # Columns as wide as their widest entry, one space apart: inputs of your own (0.0500) must
    # not run into each other the way 0/1 gate inputs never do.
    xs = [[fmt(float(v)) for v in row] for row in data.x]
    ys = [str(int(c)) for c in table.target] if many else [fmt(float(v)) for v in data.y[:, 0]]
    x_widths = [max(3, 1 + max(len(row[k]) for row in xs)) for k in range(n_in)]
    y_width = max(2, max(len(v) for v in ys))
    # ŷ gets more digits where 0.500 would not say which side of 0.5 it is on: one width for all
    if many:
        # fixed decimals, as ŷ's: the columns line up and the argmax is drawn bold in its class's colour
        fixed = 3 + sum(x_widths) + 1 + y_width + 1 + 3 + 2  # all but the probabilities: #, x, y, cls, ✓
        places = digits
        while places > 1 and width is not None and fixed + count * (places + 3) > width:
            places -= 1
        shown_outputs = [[f"{float(q):.{places}f}" for q in row] for row in table.outputs]
        p_width = max(len(q) for row in shown_outputs for q in row)
    else:
        shown_outputs = [[probability_text(float(p), digits)] for p in table.outputs[:, 0]]
        p_width = max(6, max(len(q) for row in shown_outputs for q in row))
    text = Text()
    inputs_header = "".join(f"{f'x{k + 1}':>{w}}" for k, w in enumerate(x_widths))
    outputs_header = (
        "".join(f"{f'p{k + 1}':>{p_width + 1}}" for k in range(table.outputs.shape[1])) if many else f"{'ŷ':>{p_width + 1}}"
    )
    header = f"#  {inputs_header} {'y':>{y_width}}{outputs_header} cls"
    text.append(header + "\n", style="bold")
    for i in range(data.size):
        target, predicted, right = int(table.target[i]), int(table.predicted[i]), bool(table.right[i])
        marker = "◆" if focus == i else " "
        row_style = "reverse" if current == i else ("bold" if focus == i else "")
        base = Style.parse(row_style)
        inputs = "".join(f"{v:>{w}}" for v, w in zip(xs[i], x_widths, strict=True))
        text.append(f"{i + 1}{marker} {inputs} ", style=row_style)
        text.append(f"{ys[i]:>{y_width}}", style=base + Style(color=class_colour(target, count)))
        if many:
            for k, shown in enumerate(shown_outputs[i]):
                chosen = k == predicted  # the argmax, bold in its class's colour
                text.append(" ", style=row_style)
                text.append(
                    f"{shown:>{p_width}}", style=base + Style(color=class_colour(k, count), bold=True) if chosen else row_style
                )
            text.append(" ", style=row_style)
        else:
            text.append(f" {shown_outputs[i][0]:>{p_width}} ", style=row_style)
        text.append(f"{predicted:>3}", style=base + Style(color=class_colour(predicted, count)))
        text.append(" ", style=row_style)
        text.append("✓" if right else "✗", style=theme.SUCCESS if right else f"bold {theme.ERROR}")
        if i + 1 < data.size:
            text.append("\n")
    return text


def class_summary(data: Dataset, table: ClassTable, current: int | None) -> Text:
    """For data sets too large to list: accuracy per class and the current sample."""
    text = Text()
    count = table.class_count
    for c in range(count):
        right, members = table.counts(c)
        line = f"class {c}: {right}/{members} right ({right / max(members, 1):.0%})\n"
        text.append(line, style=Style(color=class_colour(c, count)) if count > 2 else "")
    total = int(np.count_nonzero(table.right))
    text.append(f"all: {total}/{data.size} ({total / data.size:.1%})\n", style="bold")
    if current is not None:
        x = ", ".join(f"{v:.3f}" for v in data.x[current])
        if table.outputs.shape[1] == 1:
            text.append(f"sample {current + 1}: x = ({x}), y = {int(data.y[current, 0])}, ŷ = {table.outputs[current, 0]:.3f}")
        else:
            p = ", ".join(f"{q:.3f}" for q in table.outputs[current])
            predicted = int(table.predicted[current])
            text.append(f"sample {current + 1}: x = ({x}), y = {int(table.target[current])}, p = ({p}) → ")
            text.append(f"class {predicted}", style=Style(color=class_colour(predicted, count), bold=True))
    return text


def _inputs_text(row: np.ndarray) -> str:
    """x as a sentence writes it: one number for one input, (x₁, x₂) for two."""
    fmt = NumberFormat(3)
    shown = ", ".join(fmt(float(v)) for v in row)
    return shown if len(row) == 1 else f"({shown})"


def error_table_text(data: Dataset, table: ErrorTable, current: int | None, focus: int | None, digits: int = 3) -> Text:
    """A regression's rows: x (or x₁, x₂), target y, prediction ŷ and error ŷ − y; the current sample
    highlighted, the largest error in the error colour. Plain fixed-width text, as the truth table's."""
    fmt = NumberFormat(digits)
    n_in = data.x.shape[1]
    columns = [[fmt(float(v)) for v in row] for row in data.x]
    names = ["x"] if n_in == 1 else [f"x{k + 1}" for k in range(n_in)]
    values = [[fmt(float(v)) for v in vs] for vs in (table.targets, table.outputs, table.errors)]
    widths = [max(len(name) + 1, 1 + max(len(row[k]) for row in columns)) for k, name in enumerate(names)]
    value_widths = [
        max(len(title) + 1, 1 + max(len(v) for v in column)) for title, column in zip(("y", "ŷ", "ŷ−y"), values, strict=True)
    ]
    text = Text()
    header = "".join(f"{name:>{w}}" for name, w in zip(names, widths, strict=True))
    header += "".join(f"{title:>{w}}" for title, w in zip(("y", "ŷ", "ŷ−y"), value_widths, strict=True))
    text.append(f"#  {header}\n", style="bold")
    for i in range(data.size):
        marker = "◆" if focus == i else " "
        row_style = "reverse" if current == i else ("bold" if focus == i else "")
        inputs = "".join(f"{v:>{w}}" for v, w in zip(columns[i], widths, strict=True))
        target, output, error = (column[i] for column in values)
        text.append(f"{i + 1}{marker} {inputs}{target:>{value_widths[0]}}{output:>{value_widths[1]}}", style=row_style)
        worst = Style.parse(row_style) + Style(color=theme.ERROR, bold=True) if table.worst == i else row_style
        text.append(f"{error:>{value_widths[2]}}", style=worst)
        if i + 1 < data.size:
            text.append("\n")
    return text


def error_summary(data: Dataset, table: ErrorTable, current: int | None) -> Text:
    """For regression data too large to list: the score (R²), the mean and largest error, the current sample."""
    fmt = NumberFormat(3)
    text = Text()
    text.append(table.score_text, style="bold")
    text.append("\nmean |ŷ − y| ", style=theme.MUTED)  # a line of its own: wrapped, its spaces were lost
    text.append(fmt(table.mean_abs_error), style="bold")
    text.append("\n")
    # the sample being walked before the largest error: a short pane (80×24) cuts the last lines, and the
    # sample's numbers are the ones the walk reads; ŷ − y on a line of its own, so a wrap never parts it from its label
    if current is not None:
        x = _inputs_text(data.x[current])
        text.append(
            f"sample {current + 1}: x = {x}, y = {fmt(float(table.targets[current]))}, ŷ = {fmt(float(table.outputs[current]))}"
        )
        text.append(f"\nŷ − y = {fmt(float(table.errors[current]))}\n")
    if table.worst is not None:
        k = table.worst
        text.append("largest |ŷ − y| ", style=theme.MUTED)
        text.append(fmt(abs(float(table.errors[k]))), style=f"bold {theme.ERROR}")
        text.append(f" at sample {k + 1} (x = {_inputs_text(data.x[k])})", style=theme.MUTED)
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


def score_field(task: Task, value: float | None) -> tuple[str, str]:
    """(label, value) of the score where the status line and the loss summary show it: a classification's
    accuracy ('acc', '75%'), a regression's R² ('R²', '0.9821', as `train` prints it)."""
    if not task.regression:
        return "acc", f"{value:.0%}" if value is not None else "—"
    return task.score_title, task.score_number(value) if value is not None and math.isfinite(value) else "—"


LOSS_TITLE = "loss (log scale)"
LEGEND_TITLE = "loss (log)"  # shorter, to leave room for the legend
_SERIES_WORDS = (("training", "evaluation", "validation"), ("train", "eval", "val"))  # the legend's, longest first


def loss_title(
    validation: bool, ascii_only: bool, evaluation: bool = False, measure: str = "loss", width: int | None = None
) -> str | Text:
    """The loss pane's title: what the axis is in (`measure`: "loss", or a name that says the number exactly,
    ½·MSE or MAE) and, with a validation set or dropout, a legend of the series drawn: the bars are the training
    loss (with dropout, units dropped), the dots a dropout run's evaluation loss (none dropped), the dashes the
    validation loss. `width`: the cells the title may take; the longest wording that fits is chosen (the words
    shorten and "(log)" goes before the measure's name is cut)."""
    name = asciify(measure) if ascii_only else measure
    if not validation and not evaluation:
        plain = [LOSS_TITLE.replace("loss", name, 1), LEGEND_TITLE.replace("loss", name, 1), name]
        return next((text for text in plain if width is None or cell_len(text) <= width), plain[-1])
    bar = "#" if ascii_only else "▇"
    variants = []
    wordings = [(head, words, " ") for head in (LEGEND_TITLE.replace("loss", name, 1), name) for words in _SERIES_WORDS]
    wordings.append((name, _SERIES_WORDS[-1], ""))  # each mark against its word: the compact chart's narrow edge
    for head, (training, evaluated, held), gap in wordings:
        title = Text(f"{head} ")
        title.append(f"{bar}{gap}{training}", style=theme.LOSS)
        if evaluation:
            title.append(" ")
            title.append(f"{EVALUATION_LEGEND[ascii_only]}{gap}{evaluated}", style=f"bold {theme.SUCCESS}")
        if validation:
            title.append(" ")
            title.append(f"{VALIDATION_LEGEND[ascii_only]}{gap}{held}", style=f"bold {theme.INFO}")
        variants.append(title)
    return next((title for title in variants if width is None or title.cell_len <= width), variants[-1])


def loss_summary(
    first: float | None,
    current: float | None,
    best: float | None,
    accuracy: float | None,
    epochs: int,
    validation: ValidationFigures | None = None,
    evaluation: EvaluationFigures | None = None,
    task: Task | None = None,
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
    label, shown = (
        score_field(task, accuracy) if task is not None else ("acc", f"{accuracy:.0%}" if accuracy is not None else "—")
    )
    text.append(f"{label} ", style=theme.MUTED)
    text.append(shown, style="bold")
    if evaluation is not None:
        text.append("\n")
        text.append(f"evaluation (none dropped; p = {evaluation.dropout:g}) ", style=f"bold {theme.INFO}")
        item("now", evaluation.current_loss, "bold")
        text.rstrip()
    if validation is not None:
        text.append("\n")
        text.append(f"validation ({validation.size} held out) ", style=f"bold {theme.INFO}")
        item("now", validation.current_loss, "bold")
        text.rstrip()
        text.append("\n")  # a line of its own: wrapped, "0.2078 at" lost its space in the pane's 38 columns
        text.append("lowest ", style=theme.MUTED)
        if validation.best_loss is not None and validation.best_epoch is not None:
            text.append(fmt(validation.best_loss), style=theme.SUCCESS)
            text.append(f" at epoch {validation.best_epoch:,}", style=theme.MUTED)
        else:
            text.append("—")
        label, shown = (
            score_field(task, validation.accuracy)
            if task is not None
            else ("acc", f"{validation.accuracy:.0%}" if validation.accuracy is not None else "—")
        )
        text.append(f"  {label} ", style=theme.MUTED)
        text.append(shown, style="bold")

    return text
