"""Live training's pace: the ladder of epochs per second the learner steps through with [ and ].

It lives outside the UI so the command line can check `--pace` without loading Textual.
"""

from __future__ import annotations

from tui_nn.engine.session.config import shown_value

# Epochs per second; None is as fast as the machine goes. The default trains the default XOR
# network to its target loss (about 9,700 epochs) in roughly 20 seconds: slow enough to watch.
PACES: tuple[float | None, ...] = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, None)
DEFAULT_PACE = 500
CATCH_UP_SECONDS = 0.5
"""Training further behind its pace than this (its process was stopped, or the machine was busy)
does not catch up: the pace is counted afresh from there."""


def keep_pace(paced_from: tuple[float, int], now: float, epoch: int, pace: float) -> tuple[float, int]:
    """The (time, epoch) a set pace is counted from: `paced_from`, or (now, epoch) once training
    has fallen more than CATCH_UP_SECONDS behind it, so the epochs missed in a stall are not
    trained (and drawn) in one burst when it ends."""
    start, start_epoch = paced_from
    behind = (now - start) - (epoch - start_epoch) / pace
    return (now, epoch) if behind > CATCH_UP_SECONDS else paced_from


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
