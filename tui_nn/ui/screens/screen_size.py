"""Screens that lay out at the terminal's size in force, never at a size already gone.

Textual's Screen lays out at the size a Resize event carries, and then posts a Resize to itself
when that layout changed its own size. A Resize that has gone stale in the screen's queue (the
app forwards the start's size while the terminal is already changing: a SIGWINCH before the first
frame, a page sending its size as it connects) therefore lays the screen out at the old size,
whose echo undoes the layout at the new size, whose echo undoes that one: the screen is laid out
again and again forever (a quarter of a core busy, memory growing, `q` never handled, the
process outliving its terminal). The app's size is always the newest one the terminal reported,
and the app forwards every change to its screens, so a Resize of any other size can be dropped:
the one that matters is still on its way.
"""

from __future__ import annotations

from typing import Any, cast

from textual import events
from textual.screen import Screen


class SettlesAtTerminalSize:
    """Mixed into a screen (before its Screen class): ignores a Resize to a size the terminal no
    longer has. Not a DOM class itself, so the screen's CSS type names and default CSS stay its own.

    Public Textual only: a Resize goes to the handler of every class along the screen's MRO, this
    mixin's before Screen's own, and `prevent_default()` is Textual's documented way to call no more
    handlers on base classes (the Events guide, "Preventing default behaviors")."""

    def on_resize(self, event: events.Resize) -> None:
        if event.size != cast(Screen[Any], self).app.size:  # stale: laying out at it starts the loop above
            event.stop()
            event.prevent_default()  # Screen's own handler, further along the MRO, does not lay out at it
        # else Screen's own handler runs next and lays the screen out at the terminal's size


class SettledScreen(SettlesAtTerminalSize, Screen[Any]):
    """The app's main screen."""
