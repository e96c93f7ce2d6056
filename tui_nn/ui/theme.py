"""Colours and text styles: the one place where each meaning gets its look, for a dark and a light
palette (`--theme light` reads on a projector).

One colour, one meaning: a weight's sign is blue (+) or orange (−); a class is purple (0) or teal
(1), or, with three to six classes, one of Okabe and Ito's colour-blind-safe colours; the step just taken is bold and heavy-bordered (and ▶ marks it in the log); the inspector's
selection has its own colour; each phase of the walk has its own colour in the log and the status
line. Colours are explicit hex values, not the terminal's named palette (whose "yellow" is often
orange), and every text colour reads at a contrast of at least 4.5:1 on its palette's backgrounds
(tests/test_theme.py checks both palettes). Non-colour cues stay for colour-blind readers: +/− on
weights, ●/✕ and ✓/✗ for right and wrong, bold for |w| ≥ 1, the heavy border for the current step.

Widgets read colours when they draw (`theme.POSITIVE`, …: this module's attributes follow the
palette in use), so switching the palette and redrawing is all a theme change takes.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from rich.style import Style


@dataclass(frozen=True)
class Palette:
    name: str
    textual_theme: str  # the Textual theme whose backgrounds these colours were chosen against
    background: str  # the panes
    status_background: str  # the status line ($panel)
    positive: str
    negative: str
    class_0: str
    class_1: str
    current: str
    selection: str
    forward: str
    loss: str
    backward: str
    update: str
    text: str
    muted: str
    warning: str
    error: str
    success: str
    info: str
    pale: str  # the boundary's ŷ ≈ 0.5
    contour: str  # the boundary's ŷ = 0.5 line
    side_0: str  # the hidden space's class-0 side
    side_1: str
    point_ground: str  # under a right point on the boundary
    # Three to six classes: Okabe and Ito's colour-blind-safe set (orange, sky blue, bluish green,
    # yellow, reddish purple, vermillion; their blue is left out, too dark on the dark panes),
    # lightened (dark) or darkened (light) only as far as 4.5:1 text contrast asks.
    classes: tuple[str, ...]
    class_fills: tuple[str, ...]  # the same classes as the boundary's regions (a fill needs no text contrast)
    side_base: str  # what a class's tint in the hidden space is mixed from


DARK = Palette(
    name="dark",
    textual_theme="textual-dark",
    background="#121212",
    status_background="#242f38",
    positive="#3d9df3",
    negative="#ff8700",
    class_0="#c678dd",
    class_1="#2ec4b6",
    current="#ffffff",
    selection="#d7ff5f",
    forward="#5fd7ff",
    loss="#ff87d7",
    backward="#ffc800",
    update="#87d787",
    text="#e0e0e0",
    muted="#a8a8a8",
    warning="#ffc800",
    error="#ff5f5f",
    success="#87d787",
    info="#5fd7ff",
    pale="#767676",
    contour="#ebebeb",
    side_0="#341e3c",
    side_1="#0c322f",
    point_ground="#121212",
    classes=("#e69f00", "#56b4e9", "#21aa85", "#f0e442", "#cd7da9", "#dd7e33"),
    class_fills=("#e69f00", "#56b4e9", "#21aa85", "#f0e442", "#cd7da9", "#dd7e33"),
    side_base="#121212",
)

LIGHT = Palette(
    name="light",
    textual_theme="textual-light",
    background="#e0e0e0",
    status_background="#d0d0d0",
    positive="#0050a0",
    negative="#a33000",
    class_0="#7a2e9a",
    class_1="#005c53",
    current="#000000",
    selection="#3d5c00",
    forward="#005f87",
    loss="#a0175f",
    backward="#555500",
    update="#195c19",
    text="#1a1a1a",
    muted="#4a4a4a",
    warning="#555500",
    error="#a00000",
    success="#195c19",
    info="#005f87",
    pale="#bdbdbd",
    contour="#111111",
    side_0="#ead6f2",
    side_1="#cdebe7",
    point_ground="#f5f5f5",
    classes=("#755100", "#2c5d79", "#006549", "#5d5819", "#7a4864", "#924000"),
    class_fills=("#e69f00", "#56b4e9", "#009e73", "#f0e442", "#cc79a7", "#d55e00"),  # Okabe–Ito's own
    side_base="#ffffff",
)

PALETTES = {"dark": DARK, "light": LIGHT}
_active = DARK


def use(name: str) -> Palette:
    """Switch to the palette called `name` (dark or light)."""
    global _active
    if name not in PALETTES:
        raise ValueError(f"theme must be one of {', '.join(PALETTES)}, not '{name}'")
    _active = PALETTES[name]
    return _active


def current() -> Palette:
    return _active


# The meanings whose text colours must read on the backgrounds (checked by the tests).
TEXT_MEANINGS = (
    "positive",
    "negative",
    "class_0",
    "class_1",
    "current",
    "selection",
    "forward",
    "loss",
    "backward",
    "update",
    "text",
    "muted",
    "warning",
    "error",
    "success",
    "info",
)

LOG_ROLE_EXTRAS = {
    "header": "bold underline",
    "label": "",
    "lhs": "",
    "relation": "",
    "formula": "",
    "numbers": "",
    "result": "bold",
}


def __getattr__(name: str) -> Any:
    """POSITIVE, MUTED, … follow the palette in use; so do the composite tables below."""
    p = _active
    if name == "PHASE_COLOURS":
        return {"forward": p.forward, "loss": p.loss, "backward": p.backward, "update": p.update}
    if name == "LOG_ROLE_STYLES":
        return {**LOG_ROLE_EXTRAS, "note": f"italic {p.muted}"}
    if name == "TONE_STYLES":
        return {
            "note": p.muted,
            "bold": "bold",
            "info": p.info,
            "warn": p.warning,
            "error": f"bold {p.error}",
            "wrong": f"bold {p.error}",
            "success": p.success,
            "focus": f"bold {p.selection}",
        }
    key = name.lower()
    if name.isupper() and key in {f.name for f in fields(Palette)}:
        return getattr(p, key)
    raise AttributeError(name)


def style(colour: str, bold: bool = False) -> Style:
    return Style(color=colour, bold=bold)


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


MAX_CLASSES = 6
SIDE_SHARE = 0.2  # how much of its class's colour a side of the hidden space takes


def class_colours(count: int = 2) -> tuple[str, ...]:
    """The colour of each of `count` classes: purple and teal for two (the binary look), else
    the palette's Okabe–Ito set."""
    p = _active
    if count <= 2:
        return (p.class_0, p.class_1)
    if count > MAX_CLASSES:
        raise ValueError(f"at most {MAX_CLASSES} classes have colours, not {count}")
    return p.classes[:count]


def class_colour(label: int, count: int = 2) -> str:
    return class_colours(count)[label]


def class_fill(label: int, count: int = 2) -> str:
    """A class's colour as a region of the boundary: its text colour for two classes (the binary
    look), else Okabe and Ito's own colour where the palette keeps it."""
    return class_colour(label, count) if count <= 2 else _active.class_fills[label]


def class_side(label: int, count: int = 2) -> str:
    """The tint of the hidden space where `label` is predicted: the palette's sides for two classes,
    else a little of the class's colour on the side base."""
    p = _active
    if count <= 2:
        return p.side_1 if label else p.side_0
    base, colour = rgb(p.side_base), rgb(class_colour(label, count))
    mixed = (round(b + (c - b) * SIDE_SHARE) for b, c in zip(base, colour, strict=True))
    return "#" + "".join(f"{v:02x}" for v in mixed)


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two hex colours (1 … 21)."""

    def luminance(hex_colour: str) -> float:
        channels = [c / 255 for c in rgb(hex_colour)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)
