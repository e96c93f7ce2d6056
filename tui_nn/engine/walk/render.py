"""Renderers of records: the terminal log's lines (as spans with roles), plain text, JSON, Markdown.

A line of the log reads `label  lhs = formula = numbers = result   (note)`. Spans carry their
role, so a UI styles them (result in bold, the note in italics) without parsing text back
apart, and can wrap a long line at an operator while keeping `= result` on one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tui_nn.engine.walk import expr
from tui_nn.engine.walk.records import Equation, Header, NumberFormat, Step, json_number

Role = Literal["header", "label", "lhs", "relation", "formula", "numbers", "result", "note"]
LABEL_WIDTH = 6  # "h1    ": the label column, then the formula


@dataclass(frozen=True)
class Span:
    text: str
    role: Role


Line = tuple[Span, ...]


def vector_text(values: tuple[float, ...], fmt: NumberFormat) -> str:
    return "(" + ", ".join(fmt(v) for v in values) + ")"


def header_text(header: Header, fmt: NumberFormat) -> str:
    """`forward · sample 2 · x = (0, 1) · target 1`, or `update · epoch 3 · 4 samples · η = 1 · sgd`."""
    if header.kind in ("forward", "backward"):
        target = fmt(header.y[0]) if len(header.y) == 1 else vector_text(header.y, fmt)
        sample = "" if header.sample is None else f" · sample {header.sample + 1}"
        return f"{header.kind}{sample} · x = {vector_text(header.x, fmt)} · target {target}"
    batch = f" · batch {header.batch_index + 1}/{header.n_batches}" if header.n_batches > 1 else ""
    samples = f"{header.batch_size} sample{'s' if header.batch_size != 1 else ''}"
    constants = ""
    if header.constants:
        listed = ", ".join(f"{symbol.text} = {value:g}".replace("-", expr.MINUS) for symbol, value in header.constants)
        constants = f" ({listed})"
    return f"update · epoch {header.epoch}{batch} · {samples} · η = {fmt(header.lr)} · {header.optimizer}{constants}"


def equation_spans(eq: Equation, fmt: NumberFormat) -> list[Span]:
    """lhs = form = … = result, leaving out a form that reads exactly as the result or repeats."""
    result = fmt(eq.value)
    spans = [Span(expr.text(eq.lhs, fmt), "lhs")]
    relation = f" {eq.relation} "
    previous = None
    for form in eq.forms:
        shown = expr.text(form, fmt)
        if shown in (result, previous):
            continue
        spans += [Span(relation, "relation"), Span(shown, "formula" if expr.has_symbols(form) else "numbers")]
        relation, previous = " = ", shown
    spans += [Span(relation, "relation"), Span(result, "result")]
    return spans


def step_lines(step: Step, fmt: NumberFormat) -> list[Line]:
    """The log lines of a record: its block header if it opens one, then one line per equation."""
    lines: list[Line] = []
    if step.header is not None:
        lines.append((Span(header_text(step.header, fmt), "header"),))
    label = f"{step.label:<{LABEL_WIDTH - 1}} "
    for k, eq in enumerate(step.equations):
        spans = [Span(label if k == 0 else " " * LABEL_WIDTH, "label"), *equation_spans(eq, fmt)]
        if step.note and k == len(step.equations) - 1:
            spans.append(Span(f"     ({step.note})", "note"))
        lines.append(tuple(spans))
    return lines


def line_text(line: Line) -> str:
    return "".join(span.text for span in line)


def step_text(step: Step, fmt: NumberFormat) -> list[str]:
    """The record as plain text lines (what `tui-nn trace` prints)."""
    return [line_text(line) for line in step_lines(step, fmt)]


def equation_text(eq: Equation, fmt: NumberFormat) -> str:
    return "".join(span.text for span in equation_spans(eq, fmt))


def step_json(step: Step, fmt: NumberFormat) -> dict[str, object]:
    """One record as a JSON object (`tui-nn trace --json`): numbers exact, formulas as text and LaTeX."""
    main = step.equations[-1]
    symbolic = next((f for f in main.forms if expr.has_symbols(f)), None)
    numeric = next((f for f in reversed(main.forms) if not expr.has_symbols(f)), None)
    lhs = expr.text(main.lhs, fmt)
    return {
        "phase": step.phase,
        "kind": step.kind,
        "epoch": step.epoch,
        "sample": None if step.sample is None else step.sample + 1,
        "layer": step.layer,
        "unit": None if step.unit is None else step.unit + 1,
        "label": step.label,
        "header": None if step.header is None else header_text(step.header, fmt),
        "formula": f"{lhs} {main.relation} {expr.text(symbolic, fmt)}" if symbolic is not None else lhs,
        "substituted": expr.text(numeric, fmt) if numeric is not None else None,
        "equations": [
            {
                "text": equation_text(eq, fmt),
                "latex": equation_latex(eq, fmt),
                "lhs": expr.text(eq.lhs, fmt),
                "value": json_number(eq.value),
            }
            for eq in step.equations
        ],
        "note": step.note,
        "results": {expr.text(eq.lhs, fmt): json_number(eq.value) for eq in step.equations},
        "nodes": [list(node) for node in step.nodes],
        "edges": [list(edge) for edge in step.edges],
    }


def step_title(step: Step) -> str:
    """What a step computes, in a few words: "h1's weighted sum z (sample 2)", "the update of w12"."""
    sample = f" (sample {step.sample + 1})" if step.sample is not None else ""
    lhs = expr.text(step.equations[-1].lhs, str)
    titles = {
        "z": f"{step.label}'s weighted sum z{sample}",
        "max": f"the largest output z{sample}",
        "exp": f"{step.label}'s exponential {lhs}{sample}",
        "sum": f"the sum of the exponentials{sample}",
        "a": f"{step.label}'s activation {lhs}{sample}",
        "mask": f"mask: {step.note}{sample}",  # dropout's: "mask: h2 dropped (sample 1)"
        "loss": f"the loss{sample}",
        "delta": f"δ of {step.label}{sample}",
        "grad_w": f"{lhs}{sample}",
        "grad_b": f"{lhs}{sample}",
        "grad_a": f"{lhs}{sample}",
        "batch_loss": "the batch's mean loss",
        "update_w": f"the update of {step.label}",
        "update_b": f"the update of {step.label}",
    }
    return titles[step.kind]


# --- Markdown with LaTeX math ---------------------------------------------------------------


def equation_latex(eq: Equation, fmt: NumberFormat) -> str:
    """The equation as LaTeX math: lhs = formula = numbers = result (← written \\leftarrow)."""
    result = fmt(eq.value)
    parts = [expr.latex(eq.lhs, fmt)]
    relation = r" \leftarrow " if eq.relation == "←" else " = "
    previous = None
    for form in eq.forms:
        shown = expr.text(form, fmt)
        if shown in (result, previous):
            continue
        parts += [relation, expr.latex(form, fmt)]
        relation, previous = " = ", shown
    parts += [relation, expr.latex_number(result)]
    return "".join(parts)


def step_markdown(step: Step, fmt: NumberFormat) -> list[str]:
    """Markdown lines for a record: a heading for a new block, then one bullet per equation."""
    lines: list[str] = []
    if step.header is not None:
        lines += ["", f"### {header_text(step.header, fmt)}", ""]
    for k, eq in enumerate(step.equations):
        label = f"**{step.label}** " if step.label and k == 0 else ""
        note = f" *({step.note})*" if step.note and k == len(step.equations) - 1 else ""
        lines.append(f"- {label}${equation_latex(eq, fmt)}${note}")
    return lines
