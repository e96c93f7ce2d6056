"""The yardstick of benchmarks.app: a bare Textual app with one Static (run as a script).

→ updates the Static (a counter), q quits: the least a Textual app does for a key.
`--numpy` imports numpy and numpy.random first: the floor for an app whose first frame shows
weights drawn with NumPy's random numbers (the tutorials' np.random.seed, np.random.randn).
"""

from __future__ import annotations

import sys

from textual.app import App, ComposeResult
from textual.widgets import Static


class Bare(App[None]):
    BINDINGS = [("right", "step", "step"), ("q", "quit", "quit")]

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def compose(self) -> ComposeResult:
        yield Static("step 0", id="counter")

    def action_step(self) -> None:
        self.count += 1
        self.query_one("#counter", Static).update(f"step {self.count}")


if __name__ == "__main__":
    if "--numpy" in sys.argv[1:]:
        import numpy.random  # noqa: F401  (what it costs is the point)
    Bare().run()
