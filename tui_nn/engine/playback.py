"""The timing decisions of playing something by itself, UI-free: the walk's speeds and the slices a
long recorded run is trained in. The UI's one Player (tui_nn.ui.player) asks these and keeps only
the timer."""

from __future__ import annotations

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
