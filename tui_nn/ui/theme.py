"""Colours and text styles: one place where each meaning gets its look."""

from __future__ import annotations

PHASE_COLOURS = {"forward": "cyan", "loss": "magenta", "backward": "yellow", "update": "green"}

# Extra style of each part of a log line, on top of its phase's colour.
LOG_ROLE_STYLES = {
    "header": "bold underline",
    "label": "",
    "lhs": "",
    "relation": "",
    "formula": "",
    "numbers": "",
    "result": "bold",
    "note": "italic grey62",
}

TONE_STYLES = {
    "note": "grey62",
    "bold": "bold",
    "info": "cyan",
    "warn": "yellow",
    "error": "bold red",
    "success": "green",
    "focus": "bold magenta",
}
