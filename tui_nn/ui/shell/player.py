"""The one player: something applied by itself at a steady speed (the walk's next micro-step, a
recording's next action) until paused. The speeds are the engine's (tui_nn.engine.session.playback); this
keeps only the timer."""

from __future__ import annotations

from collections.abc import Callable

from textual.message_pump import MessagePump
from textual.timer import Timer


class Player:
    """Calls `tick` `speed` times a second on `host`'s timers while playing."""

    def __init__(self, host: MessagePump, tick: Callable[[], None]) -> None:
        self._host = host
        self._tick = tick
        self._timer: Timer | None = None

    @property
    def playing(self) -> bool:
        return self._timer is not None

    def play(self, speed: float) -> None:
        """Start, or go on at a new speed when already playing."""
        self.pause()
        self._timer = self._host.set_interval(1 / speed, self._tick)

    def pause(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
