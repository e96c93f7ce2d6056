"""The decisions of playing something by itself, UI-free: the walk's speeds, a recording's next
action (and whether it can be applied), and the slices a long recorded run is trained in. The UI's
one Player (tui_nn.ui.shell.player) keeps only the timer."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui_nn.engine.session import actions as act

if TYPE_CHECKING:
    from tui_nn.engine.session.build import Session

WALK_SPEEDS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)  # micro-steps a second when the walk plays itself
DEFAULT_WALK_SPEED = 2.0
# A replayed run longer than this is trained in slices of about REPLAY_SLICE_SECONDS each, with a
# frame between them, instead of at once on the UI thread (where 1,000,000 epochs of a large
# network would take minutes, deaf to q).
REPLAY_SLICE_EPOCHS = 200
REPLAY_SLICE_SECONDS = 0.05


def next_speed(speed: float, direction: int) -> float:
    """One rung slower (direction < 0) or faster on the walk's ladder, stopping at its ends."""
    k = WALK_SPEEDS.index(speed) if speed in WALK_SPEEDS else WALK_SPEEDS.index(DEFAULT_WALK_SPEED)
    return WALK_SPEEDS[min(max(k + direction, 0), len(WALK_SPEEDS) - 1)]


def next_slice_epochs(epochs: int, spent: float) -> int:
    """The next slice's size after `epochs` took `spent` seconds: about REPLAY_SLICE_SECONDS a slice
    whatever the network, so keys wait at most that long; it at most doubles, so one fast slice (a
    cache warming up) cannot make the next one minutes long."""
    return max(1, min(int(epochs * REPLAY_SLICE_SECONDS / max(spent, 1e-4)), 2 * epochs))


@dataclass(frozen=True)
class Cue:
    """The next recorded action to play, as the session reads it."""

    index: int  # its place among the file's actions (to name it in a message)
    action: act.Action
    problem: str | None  # why it cannot be applied here (the app could not have recorded it: the file was edited)
    sliced_epochs: int | None  # a recorded run long enough to train in slices between frames: its epochs


class RecordedActions:
    """A recording's actions still to play, in order; an action that cannot be applied ends them."""

    def __init__(self, actions: Iterable[act.Action]) -> None:
        self._left = deque(actions)
        self.total = len(self._left)

    def __len__(self) -> int:
        return len(self._left)

    def __iter__(self) -> Iterator[act.Action]:
        return iter(self._left)

    def take(self, session: Session, training_live: bool) -> Cue:
        """The next action; `training_live`: a run is under way, which a recorded run then joins
        (it is not trained in slices of its own)."""
        from tui_nn.engine.session.replay import as_recorded, out_of_place  # the first frame needs neither

        index = self.total - len(self._left)
        action = as_recorded(self._left.popleft(), session)
        problem = out_of_place(action, session)
        if problem is not None:
            self._left.clear()
        sliced_epochs = None
        if isinstance(action, act.Train) and not training_live and action.epochs > REPLAY_SLICE_EPOCHS:
            sliced_epochs = action.epochs
        return Cue(index, action, problem, sliced_epochs)
