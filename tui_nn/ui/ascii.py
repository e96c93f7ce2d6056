"""--ascii: every character tui-nn draws in its panes, status line and footer, as plain ASCII.

Formulas keep their meaning with ASCII names (σ → sig, δ → delta, ŷ → yhat, ∂ → d, η → eta,
· → *, − → -, x² → x^2); marks get ASCII stand-ins (✓ → ok, ✗ → X, ● → o, ✕ → x, ▶ → >).
What Textual draws by itself (the help's Markdown bullets, a dropdown's arrow) is left as it is.
"""

from __future__ import annotations

import unicodedata

from rich.console import Console
from rich.segment import Segment
from rich.text import Text

WORDS = {
    "−": "-",
    "–": "-",
    "—": "--",
    "·": "*",
    "×": "x",
    "÷": "/",
    "∂": "d",
    "σ": "sig",
    "ŷ": "yhat",
    "δ": "delta",
    "η": "eta",
    "ε": "eps",
    "β": "beta",
    "μ": "mu",
    "ḡ": "gbar",
    "ã": "a~",
    "Σ": "sum",
    "√": "sqrt",
    "½": "1/2",
    "…": "...",
    "✓": "ok",
    "✗": "X",
    "✕": "x",
    "●": "o",
    "◆": "*",
    "→": "->",
    "←": "<-",
    "↑": "^",
    "↓": "v",
    "▲": "^",
    "▼": "v",
    "▶": ">",
    "‖": "|",
    "≥": ">=",
    "≤": "<=",
    "≈": "~",
    "⚠": "!",
    "′": "'",
    "⁰": "^0",
    "¹": "^1",
    "²": "^2",
    "³": "^3",
    "⁴": "^4",
    "⁵": "^5",
    "⁶": "^6",
    "⁷": "^7",
    "⁸": "^8",
    "⁹": "^9",
    "ᵗ": "^t",
    "ₛ": "_s",
    "ₖ": "_k",
    "₁": "1",
    "₂": "2",
}

# With three to six classes every class gets a glyph of its own, for whoever cannot see the colours:
# a region of the boundary is drawn in its class's mark, a point in its class's letter (upper case when wrong).
CLASS_REGIONS = ".-:=~'"
CLASS_POINTS = "abcdef"

_CONSOLE = Console(width=400, color_system=None)


def asciify(text: str) -> str:
    """`text` in plain ASCII: the words above, accents dropped (M̂ → M^), anything left as '?'."""
    if text.isascii():
        return text
    out: list[str] = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
        elif ch in WORDS:
            out.append(WORDS[ch])
        elif unicodedata.combining(ch):
            out.append("^" if ch == "\u0302" else "")
        else:
            base = unicodedata.normalize("NFKD", ch)
            plain = "".join(c for c in base if c.isascii())
            out.append(plain or "?")
    return "".join(out)


def ascii_segments(segments: list[Segment]) -> list[Segment]:
    return [Segment(asciify(s.text), s.style, s.control) for s in segments]


def ascii_rich_text(text: Text) -> Text:
    """A Rich Text with the same styles, its characters in ASCII."""
    if text.plain.isascii():
        return text
    result = Text(end=text.end, justify=text.justify, overflow=text.overflow, no_wrap=text.no_wrap)
    for segment in text.render(_CONSOLE):
        result.append(asciify(segment.text), segment.style)
    return result
