"""The one live-run loop: pace, slices, the stuck check and checkpoints, for every trainer that runs live.

Three places train a session live: the training process (tui_nn.engine.live.remote, which adds only
its pipe and shared memory), the app's in-process fallback when no process can start
(tui_nn.ui.shell.live), and the `train` command (tui_nn.cli.commands). They all slice training here, so the same
seed and settings stop at the same epoch, for the same reason, with the same weights, whoever
trains. What differs between them (messages, a thread's Event, logging) comes in as `LiveHooks`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from tui_nn.engine.live.diagnostics import STUCK_WINDOW, trainer_diagnosis
from tui_nn.engine.live.pace import keep_pace
from tui_nn.engine.live.reasons import Diagnosis, StopReason
from tui_nn.engine.nn.history import History
from tui_nn.engine.nn.training import Checkpoint, RunResult, Trainer

FRAME_SECONDS = 1 / 30  # a frame of the UI: slices at a set pace are at most 4 of these
STUCK_CHECK = 250  # epochs between looks for a flat loss during live training
FIRST_CHUNK = 16  # epochs of the first slice at "max", before its speed is measured


class StuckCheck:
    """Looks for a diagnosis (stuck, η too high) at every epoch origin + k·every of a run.

    Where a diagnosed run stops must not depend on how it was sliced, yet slicing at every check
    would cost XOR a sixth of its speed. Whether diagnostics.run_diagnosis finds one depends only
    on the history rows before that epoch, η and where η took over (the network adds only detail),
    so after a slice it is asked of those rows, which the slice keeps exactly (it is at most the
    history's exact part less a window); at the first epoch where it does, training rewinds to the
    slice's start and replays exactly up to there (it is deterministic), and the diagnosis is made
    of that state.
    """

    def __init__(self, trainer: Trainer, every: int = STUCK_CHECK, origin: int | None = None) -> None:
        self.trainer = trainer
        self.every = every
        self.origin = trainer.epoch if origin is None else origin
        # (with dropout the probe keeps the evaluation loss, which the diagnosis judges)
        self._probe = History(STUCK_WINDOW + 1, dropout=bool(trainer.net.dropout))

    @property
    def slice_limit(self) -> int:
        return self.trainer.history.recent_limit - STUCK_WINDOW - 1

    def look(self, before: Checkpoint, target_loss: float | None, stopped: bool) -> tuple[bool, Diagnosis | None]:
        """(rewound, diagnosis) for the slice trained since `before`. A slice that `stopped` by itself
        (target, divergence) is not diagnosed at the epoch it stopped at: its own reason comes first."""
        trainer, start, every = self.trainer, before.epoch, self.every
        last = trainer.epoch - 1 if stopped else trainer.epoch
        rows = trainer.history.tail(trainer.epoch - start + STUCK_WINDOW + 1)
        for epoch in range(start + every - (start - self.origin) % every, last + 1, every):
            self._probe.truncate(0)
            self._probe.extend(rows[rows[:, 0] < epoch][-(STUCK_WINDOW + 1) :])
            if trainer_diagnosis(trainer, self._probe) is None:
                continue
            if epoch < trainer.epoch:
                trainer.rewind(before)
                trainer.run(epoch - start, target_loss)
            return True, trainer_diagnosis(trainer)
        return False, None


@dataclass(frozen=True)
class SliceResult:
    epochs: int  # how far the trainer moved on (after any rewind)
    stopped: StopReason | None
    rewound: bool  # the stuck check put training back part-way through the slice
    asked: int  # the epochs the slice set out to train (the stuck check may shorten what was asked for)

    @property
    def cut_short(self) -> bool:
        """Fewer epochs than set out, for no reason of its own: asked to stop."""
        return self.stopped is None and not self.rewound and self.epochs < self.asked


def train_slice(
    trainer: Trainer,
    epochs: int,
    target_loss: float | None,
    stuck: StuckCheck | None,
    should_stop: Callable[[], bool] | None = None,
) -> SliceResult:
    """Up to `epochs` epochs (fewer if the stuck check needs it); a slice that raises leaves the
    trainer at its start, a whole checkpoint."""
    if stuck is not None:
        epochs = min(epochs, stuck.slice_limit)
    before = trainer.checkpoint(with_rows=True)
    try:
        result = trainer.run(epochs, target_loss, should_stop)
    except BaseException:
        trainer.rewind(before)
        raise
    if stuck is not None:
        rewound, found = stuck.look(before, target_loss, result.stopped is not None)
        if found is not None or rewound:
            return SliceResult(trainer.epoch - before.epoch, found, True, epochs)
    return SliceResult(result.epochs, result.stopped, False, epochs)


def train_epochs(
    trainer: Trainer,
    epochs: int,
    target_loss: float | None,
    stuck: StuckCheck | None,
    should_stop: Callable[[], bool] | None = None,
) -> RunResult:
    """`epochs` epochs in as few slices as the stuck check allows (the app's replay player, the controller)."""
    start = trainer.epoch
    while (done := trainer.epoch - start) < epochs:
        result = train_slice(trainer, epochs - done, target_loss, stuck, should_stop)
        if result.stopped is not None:
            return RunResult(trainer.epoch - start, result.stopped)
        if result.cut_short:
            break
    return RunResult(trainer.epoch - start, None)


class Pacer:
    """How many epochs to train now: those due at a set pace (epochs a second), or at "max"
    (None) a slice of about `slice_seconds`, measured as it goes."""

    def __init__(self, pace: float | None, epoch: int, slice_seconds: float, most: int) -> None:
        self.slice_seconds = slice_seconds
        self.most = most  # the largest slice at "max"
        self.chunk = FIRST_CHUNK
        self.set(pace, epoch)

    def set(self, pace: float | None, epoch: int) -> None:
        """A new pace, measured from now (the old one's debt or credit does not carry over)."""
        self.pace = pace
        self.paced_from = (time.perf_counter(), epoch)

    def plan(self, now: float, epoch: int) -> tuple[int, float]:
        """(epochs to train now, 0) or (0, seconds until the next epoch is due)."""
        pace = self.pace
        if pace is None:
            return self.chunk, 0.0
        self.paced_from = keep_pace(self.paced_from, now, epoch, pace)
        due = int((now - self.paced_from[0]) * pace) - (epoch - self.paced_from[1])
        if due <= 0:
            return 0, (1 - due) / pace
        return min(due, max(int(pace * FRAME_SECONDS * 4), 1)), 0.0

    def trained(self, epochs: int, elapsed: float) -> None:
        if self.pace is None and epochs:
            self.chunk = max(1, min(int(epochs * self.slice_seconds / max(elapsed, 1e-6)), self.most))


class LiveHooks(Protocol):
    """What a user of the loop adds: its messages, its way of waiting, what it does after a slice."""

    def between(self, loop: LiveLoop) -> bool:
        """Before each slice: take requests (pace, η, stop), publish; True to stop the run."""
        ...

    def wait(self, seconds: float) -> None:
        """Nothing is due for `seconds` (a request may end the wait early)."""
        ...

    def room(self) -> int:
        """The most epochs the next slice may train (0: wait a frame first)."""
        ...

    def should_stop(self) -> bool:
        """Asked between the chunks of a slice."""
        ...

    def sliced(self, result: SliceResult) -> None:
        """After each slice."""
        ...


class LiveLoop:
    """A live run of `trainer`: slices at the pace set, until stopped (None) or until the trainer
    stops by itself (target, divergence, a diagnosis: why)."""

    def __init__(
        self,
        trainer: Trainer,
        target_loss: float | None,
        stuck_check: tuple[int, int] | None,
        pace: float | None,
        slice_seconds: float,
        most: int,
    ) -> None:
        """`stuck_check`: (every, origin), see StuckCheck (None: never)."""
        self.trainer = trainer
        self.target_loss = target_loss
        self.stuck = None if stuck_check is None else StuckCheck(trainer, *stuck_check)
        self.pacer = Pacer(pace, trainer.epoch, slice_seconds, most)

    def set_pace(self, pace: float | None) -> None:
        self.pacer.set(pace, self.trainer.epoch)

    def run(self, hooks: LiveHooks) -> StopReason | None:
        trainer = self.trainer
        while True:
            if hooks.between(self):
                return None
            epochs, wait = self.pacer.plan(time.perf_counter(), trainer.epoch)
            if wait:  # ahead of the pace: until the next epoch is due
                hooks.wait(wait)
                continue
            room = hooks.room()
            if room <= 0:
                hooks.wait(FRAME_SECONDS)
                continue
            began = time.perf_counter()
            result = train_slice(trainer, min(epochs, room), self.target_loss, self.stuck, hooks.should_stop)
            self.pacer.trained(result.epochs, time.perf_counter() - began)
            hooks.sliced(result)
            if result.stopped is not None:
                return result.stopped
