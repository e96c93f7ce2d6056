"""Live training's pace: the ladder of epochs per second the learner steps through with [ and ].

It lives outside the UI so the command line can check `--pace` without loading Textual.
"""

from __future__ import annotations

from tui_nn.engine.config import shown_value

# Epochs per second; None is as fast as the machine goes. The default trains the default XOR
# network to its target loss (about 9,700 epochs) in roughly 20 seconds: slow enough to watch.
PACES: tuple[float | None, ...] = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, None)
DEFAULT_PACE = 500


def pace_text(pace: float | None) -> str:
    return "max" if pace is None else f"{pace:g}/s"


def parse_pace(text: str) -> float | None:
    """'max' or one of the ladder's epochs-per-second values (e.g. 500)."""
    if text.strip().lower() == "max":
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"pace must be max or a number of epochs a second, not {shown_value(text)}") from None
    if value not in PACES:
        listed = ", ".join(pace_text(p).removesuffix("/s") for p in PACES)
        raise ValueError(f"pace must be one of {listed} (epochs a second), not {shown_value(text)}")
    return value
