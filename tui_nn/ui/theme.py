"""Colours and text styles: the one place where each meaning gets its look.

One colour, one meaning: a weight's sign is blue (+) or orange (−); a class is purple (0) or teal
(1); the step just taken is bold white with a heavy border (and ▶ in the log); the inspector's
selection is lime; each phase of the walk has its own colour in the log and the status line.
Colours are explicit hex values, not the terminal's named palette (whose "yellow" is often
orange), and every text colour reads at a contrast of at least 4.5:1 on the panes' background
(tests/test_theme.py checks it). Non-colour cues stay for colour-blind readers: +/− on weights,
●/✕ and ✓/✗ for right and wrong, bold for |w| ≥ 1, the heavy border for the current step.
"""

from __future__ import annotations

from rich.style import Style

BACKGROUND = "#121212"  # the panes
STATUS_BACKGROUND = "#242f38"  # the status line ($panel)

POSITIVE = "#3d9df3"
NEGATIVE = "#ff8700"
CLASS_0 = "#c678dd"
CLASS_1 = "#2ec4b6"
CURRENT = "#ffffff"
SELECTION = "#d7ff5f"  # lime: apart from every other hue here
FORWARD = "#5fd7ff"
LOSS = "#ff87d7"
BACKWARD = "#ffc800"
UPDATE = "#87d787"
TEXT = "#e0e0e0"
MUTED = "#a8a8a8"  # captions, notes, secondary text (instead of the terminal's "dim")
WARNING = "#ffc800"
ERROR = "#ff5f5f"
SUCCESS = "#87d787"
INFO = "#5fd7ff"

# Text colours and the backgrounds each is drawn on (checked for contrast by the tests).
TEXT_COLOURS = {
    "positive weight": POSITIVE,
    "negative weight": NEGATIVE,
    "class 0": CLASS_0,
    "class 1": CLASS_1,
    "current step": CURRENT,
    "selection": SELECTION,
    "forward": FORWARD,
    "loss": LOSS,
    "backward": BACKWARD,
    "update": UPDATE,
    "text": TEXT,
    "muted": MUTED,
    "warning": WARNING,
    "error": ERROR,
    "success": SUCCESS,
    "info": INFO,
}

PHASE_COLOURS = {"forward": FORWARD, "loss": LOSS, "backward": BACKWARD, "update": UPDATE}

# Extra style of each part of a log line, on top of its phase's colour.
LOG_ROLE_STYLES = {
    "header": "bold underline",
    "label": "",
    "lhs": "",
    "relation": "",
    "formula": "",
    "numbers": "",
    "result": "bold",
    "note": f"italic {MUTED}",
}

TONE_STYLES = {
    "note": MUTED,
    "bold": "bold",
    "info": INFO,
    "warn": WARNING,
    "error": f"bold {ERROR}",
    "success": SUCCESS,
    "focus": f"bold {SELECTION}",
}


def style(colour: str, bold: bool = False) -> Style:
    return Style(color=colour, bold=bold)


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


def class_colour(label: int) -> str:
    return CLASS_1 if label else CLASS_0


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two hex colours (1 … 21)."""

    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[k : k + 2], 16) / 255 for k in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)
