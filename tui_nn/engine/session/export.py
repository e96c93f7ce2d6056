"""The calculation log as a document: Markdown with LaTeX math, a LaTeX file, or plain text.

Every formula is the narrator's own (engine/render.py): the Markdown holds each line as
`$lhs = formula = numbers = result$`, the same numbers the app shows, ready for a handout or a
notebook cell. A handout carries the plain sentences the log says (engine/words.py decides which:
each kind's the first time in a pass, as on screen); `words=False` leaves them out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from tui_nn.engine.session.logbook import Entry
from tui_nn.engine.walk.records import NumberFormat
from tui_nn.engine.walk.render import LABEL_WIDTH, equation_latex, header_text, step_markdown, step_text
from tui_nn.engine.walk.words import said

Format = Literal["markdown", "latex", "text"]
FORMATS: tuple[Format, ...] = ("markdown", "latex", "text")
SUFFIXES = {"markdown": ".md", "latex": ".tex", "text": ".txt"}


def _run_lines(entry: Entry, fmt: NumberFormat) -> list[str]:
    run = entry.run
    assert run is not None
    lines = [run.headline]
    lines += [
        f"epoch {int(e):>8}  loss {fmt(float(loss)):>10}  {run.score_text(float(acc), 0)}{run.validation_text(i, fmt)}"
        for i, (e, loss, acc) in enumerate(run.rows)
    ]
    table = run.prediction_table(fmt)
    if table is not None:
        header, rows = table
        lines.append(header)
        lines += [" | ".join(row) for row in rows]
    return lines


def _sentences(entries: list[Entry], words: bool) -> list[str]:
    return said(entries) if words else [""] * len(entries)


def sentence_line(sentence: str) -> str:
    """A sentence as the plain-text log writes it: under its step, in the formulas' column."""
    return " " * LABEL_WIDTH + sentence


def _note(entry: Entry) -> str:
    if entry.kind == "gap":
        return f"(… {entry.hidden} steps not listed)"
    return entry.text


def markdown(entries: Iterable[Entry], fmt: NumberFormat, title: str, words: bool = True) -> str:
    """A Markdown document: a heading per block of steps, a bullet per equation with its LaTeX,
    and a step's sentence on its own line under its last bullet."""
    lines = [f"# {title}", ""]
    listed = list(entries)
    for entry, sentence in zip(listed, _sentences(listed, words), strict=True):
        if entry.kind == "step" and entry.step is not None:
            lines += step_markdown(entry.step, fmt)
            if sentence:  # a hard line break (CommonMark's trailing backslash): else it runs into the formula's line
                lines[-1] += " \\"
                lines.append(f"  {sentence}")
        elif entry.kind == "run":
            run_lines = _run_lines(entry, fmt)
            lines += ["", f"**{run_lines[0]}**", "", "```", *run_lines[1:], "```", ""]
        else:
            lines += ["", f"*{_note(entry)}*", ""]
    return "\n".join(lines).replace("\n\n\n", "\n\n").strip() + "\n"


def latex_escape(text: str) -> str:
    """`text` with LaTeX's special characters escaped (for text mode)."""
    for a, b in (
        ("\\", r"\textbackslash{}"),
        ("&", r"\&"),
        ("%", r"\%"),
        ("$", r"\$"),
        ("#", r"\#"),
        ("_", r"\_"),
        ("{", r"\{"),
        ("}", r"\}"),
        ("^", r"\^{}"),
        ("~", r"\~{}"),
    ):
        text = text.replace(a, b)
    return text


# The symbols the log's words, notes and headers use, as plain LaTeX: pdflatex reads a file of
# ASCII whatever its setup, and <, > and | are not what they seem in text mode's default fonts.
_MATH = {
    "·": r"\cdot", "∂": r"\partial", "ŷ": r"\hat{y}", "−": "-", "δ": r"\delta", "≤": r"\leq", "≥": r"\geq",
    "η": r"\eta", "ḡ": r"\bar{g}", "σ": r"\sigma", "β": r"\beta", "ε": r"\varepsilon", "θ": r"\theta", "λ": r"\lambda",
    "Σ": r"\Sigma", "←": r"\leftarrow", "→": r"\rightarrow", "±": r"\pm", "√": r"\surd", "∞": r"\infty", "×": r"\times",
    "÷": r"\div", "½": r"\tfrac{1}{2}", "Ŝ": r"\hat{S}", "′": r"\prime", "‖": r"\|", "⊙": r"\odot", "≈": r"\approx",
    "₀": "_0", "₁": "_1", "₂": "_2", "ₖ": "_k", "ₛ": "_s", "ᵢ": "_i", "ⱼ": "_j", "²": "^2", "ᵗ": "^t",
    "<": "<", ">": ">", "|": "|",
}  # fmt: skip
_TEXT = {"…": r"\ldots{}", "–": "--", "—": "---", "⚠": "(!)", "✓": "(ok)", "✗": "(x)", "▶": ">", "◆": "*"}
_HAT = "\u0302"  # a combining circumflex: M̂ is M followed by it


def latex_text(text: str) -> str:
    """`text` for LaTeX's text mode, in ASCII: specials escaped, each symbol as its math."""
    out: list[str] = []
    for ch in latex_escape(text):
        if ch == _HAT and out:
            out[-1] = rf"\ensuremath{{\hat{{{out[-1]}}}}}"
        elif ch in _MATH:
            out.append(rf"\ensuremath{{{_MATH[ch]}}}")
        else:
            out.append(_TEXT.get(ch, ch))
    return "".join(out)


def latex(entries: Iterable[Entry], fmt: NumberFormat, title: str, words: bool = True) -> str:
    """A complete LaTeX document (amsmath), each equation in display math."""
    out = [
        r"\documentclass{article}",
        r"\usepackage[utf8]{inputenc}",
        r"\usepackage{amsmath}",
        r"\begin{document}",
        rf"\section*{{{latex_text(title)}}}",
    ]
    listed = list(entries)
    for entry, sentence in zip(listed, _sentences(listed, words), strict=True):
        if entry.kind == "step" and entry.step is not None:
            step = entry.step
            if step.header is not None:
                out.append(rf"\subsection*{{{latex_text(header_text(step.header, fmt))}}}")
            for eq in step.equations:
                out.append(r"\[ " + equation_latex(eq, fmt) + r" \]")
            if step.note:
                out.append(rf"\emph{{{latex_text(step.note)}}}")
            if sentence:
                out += [latex_text(sentence), ""]
        elif entry.kind == "run":
            # typewriter lines rather than verbatim, which would pass the run's symbols through raw
            rows = [latex_text(line) for line in _run_lines(entry, fmt)]
            out += [r"\begin{flushleft}\ttfamily", " \\\\\n".join(rows), r"\end{flushleft}"]
        else:
            out.append(rf"\emph{{{latex_text(_note(entry))}}}")
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


def text(entries: Iterable[Entry], fmt: NumberFormat, title: str, words: bool = True) -> str:
    """The log as the app shows it, unwrapped."""
    lines = [title, ""]
    listed = list(entries)
    for entry, sentence in zip(listed, _sentences(listed, words), strict=True):
        if entry.kind == "step" and entry.step is not None:
            lines += step_text(entry.step, fmt)
            if sentence:
                lines.append(sentence_line(sentence))
        elif entry.kind == "run":
            lines += _run_lines(entry, fmt)
        else:
            lines.append(_note(entry))
    return "\n".join(lines) + "\n"


def document(kind: Format, entries: Iterable[Entry], fmt: NumberFormat, title: str, words: bool = True) -> str:
    return {"markdown": markdown, "latex": latex, "text": text}[kind](entries, fmt, title, words)
