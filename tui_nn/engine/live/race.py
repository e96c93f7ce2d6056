"""An optimizer race: from the same start, SGD, momentum and Adam (and SGD at a second η) trained
side by side in lock-step, each entrant's path and loss curve recorded, frames as records.

Each entrant is its own `Trainer` advanced through the same loop as `tui-nn train` and the app
(`live_run.train_epochs`), so an entrant's run is bit for bit the run `train` makes with that
optimizer and η. The race only decides when they move: `step` moves every entrant still running
by the same number of epochs; `resume`/`pause` say whether `tick` (what a timer calls) moves them.
An entrant stops where its own run would (divergence, or the loss rising with η too high) and
stays on the board with the reason.

The landscape they race on is the slice through the common start of the two parameters with the
largest |gradient| there (or two chosen ones): fixed for the race, so the paths are drawn on one
map, which is recomputed only when a path leaves it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tui_nn.engine.live.live_run import train_epochs
from tui_nn.engine.live.reason_words import describe
from tui_nn.engine.live.reasons import StopReason
from tui_nn.engine.nn import landscape as ls
from tui_nn.engine.nn.datasets import Dataset
from tui_nn.engine.nn.history import History
from tui_nn.engine.nn.network import Network
from tui_nn.engine.nn.optimizers import OPTIMIZER_KINDS
from tui_nn.engine.nn.training import Trainer
from tui_nn.engine.walk.explain import ParamTrail

SERIES_POINTS = 256  # points of each loss curve in a frame
EPOCHS_PER_STEP = 10  # what one step (and one tick while running) moves each entrant
SECOND_SGD_FACTOR = 4.0  # the second SGD entrant's η, as a multiple of the first's: overshooting made visible
ADAM_FACTOR = 0.1  # Adam's η as a multiple of the session's: its steps are ~η per parameter, not η·|g|
MAX_RACE_EPOCHS = 1_000_000


@dataclass(frozen=True)
class Entrant:
    """One optimizer at one η, with the colour index it is drawn in (0, 1, 2 …: the UI's palette)."""

    optimizer: str
    lr: float
    colour: int

    @property
    def name(self) -> str:
        return f"{OPTIMIZER_KINDS[self.optimizer].name} η={self.lr:g}"


def default_entrants(lr: float) -> tuple[Entrant, ...]:
    """SGD at η and at SECOND_SGD_FACTOR·η, momentum at η, Adam at ADAM_FACTOR·η."""
    return (
        Entrant("sgd", lr, 0),
        Entrant("sgd", lr * SECOND_SGD_FACTOR, 1),
        Entrant("momentum", lr, 2),
        Entrant("adam", lr * ADAM_FACTOR, 3),
    )


@dataclass(frozen=True, eq=False)  # compared by identity: it holds arrays
class RunnerFrame:
    """One entrant at a frame: where it is, its loss curve, its recorded weights and whether it still runs."""

    name: str
    optimizer: str
    lr: float
    colour: int
    epoch: int
    loss: float | None  # at its current weights (the newest history row's, before that epoch's update)
    loss_series: np.ndarray  # at most SERIES_POINTS means of equal slices of its loss history
    loss_epochs: np.ndarray  # the mean epoch of each slice
    path: np.ndarray  # P × n_params: its weights at the epochs in path_epochs, oldest first
    path_epochs: tuple[int, ...]
    running: bool
    state: str  # "running", or why it stopped, in words


@dataclass(frozen=True)
class RaceFrame:
    epoch: int  # the epochs every entrant has been asked to train
    running: bool  # the race moves on each tick (resumed), or waits for a step (paused)
    finished: bool  # no entrant can move any more
    runners: tuple[RunnerFrame, ...]


class _Runner:
    def __init__(self, entrant: Entrant, trainer: Trainer) -> None:
        self.entrant = entrant
        self.trainer = trainer
        self.trail = ParamTrail()
        self.trail.record(trainer.epoch, trainer.net.params)
        self.stopped: StopReason | None = None

    def advance(self, epochs: int) -> None:
        if self.stopped is not None:
            return
        result = train_epochs(self.trainer, epochs, None, None)
        self.trail.record(self.trainer.epoch, self.trainer.net.params)
        self.stopped = result.stopped

    def frame(self) -> RunnerFrame:
        history = self.trainer.history
        last = history.last()
        rows = list(self.trail.rows)
        state = "running" if self.stopped is None else describe(self.stopped, "keys")
        return RunnerFrame(
            name=self.entrant.name,
            optimizer=self.entrant.optimizer,
            lr=self.entrant.lr,
            colour=self.entrant.colour,
            epoch=self.trainer.epoch,
            loss=None if last is None else float(last[1]),
            loss_series=history.downsampled("loss", SERIES_POINTS),
            loss_epochs=history.downsampled("epoch", SERIES_POINTS),
            path=np.array([p for _, p in rows]),
            path_epochs=tuple(e for e, _ in rows),
            running=self.stopped is None,
            state=state,
        )


class Race:
    """Entrants trained side by side from `net`'s current weights on `data` (full batch or `batch`, `seed`)."""

    def __init__(
        self,
        net: Network,
        data: Dataset,
        entrants: tuple[Entrant, ...],
        batch: int | None = None,
        seed: int = 0,
        epochs_per_step: int = EPOCHS_PER_STEP,
    ) -> None:
        if not entrants:
            raise ValueError("a race needs at least one entrant")
        self.start = net.params.copy()
        self.net = net.copy()
        self.data = data
        self.epochs_per_step = epochs_per_step
        self.epoch = 0
        self.running = False
        self.runners = [
            _Runner(e, Trainer(net.like(self.start.copy()), data, e.optimizer, e.lr, batch, seed, History())) for e in entrants
        ]
        self._map: tuple[tuple[int, int], np.ndarray, ls.LandscapeFrame] | None = None

    @property
    def finished(self) -> bool:
        return all(r.stopped is not None for r in self.runners) or self.epoch >= MAX_RACE_EPOCHS

    def resume(self) -> None:
        self.running = not self.finished

    def pause(self) -> None:
        self.running = False

    def step(self, epochs: int | None = None) -> RaceFrame:
        """Move every entrant still running by `epochs` (default: epochs_per_step), paused or not."""
        count = min(self.epochs_per_step if epochs is None else epochs, MAX_RACE_EPOCHS - self.epoch)
        if count > 0 and not self.finished:
            for runner in self.runners:
                runner.advance(count)
            self.epoch += count
        if self.finished:
            self.running = False
        return self.frame()

    def tick(self) -> RaceFrame:
        """What a timer calls: a step while the race runs, else the frame as it is."""
        return self.step() if self.running else self.frame()

    def frame(self) -> RaceFrame:
        return RaceFrame(self.epoch, self.running, self.finished, tuple(r.frame() for r in self.runners))

    def landscape(self, columns: int, pixel_rows: int, picks: tuple[int, ...] = ()) -> ls.LandscapeFrame:
        """The slice through the common start (the two largest |gradient| there, or the picks) wide
        enough for every entrant's path; its `path` is empty: each runner's is `project`ed onto it."""
        x, y = self.data.x, self.data.y
        _, gradient, _, _ = self.net.loss_and_gradient(x, y, self.start)
        pair = ls.chosen_pair(picks, gradient)
        every = np.concatenate([np.array([p for _, p in r.trail.rows])[:, list(pair)] for r in self.runners])
        reach = ls.spans(self.start[list(pair)], [every])
        if self._map is not None:
            cached_pair, cached_reach, frame = self._map
            fits = bool(np.all(reach <= cached_reach))
            if cached_pair == pair and fits and frame.loss.shape == (pixel_rows, columns):
                return frame
            reach = np.maximum(reach, cached_reach * 1.5) if cached_pair == pair else reach  # grow in steps, not every frame
        request = ls.LandscapeRequest(optimizer=self.runners[0].entrant.optimizer, lr=self.runners[0].entrant.lr, picks=pair)
        frame = ls.landscape_frame(self.net, x, y, self.start, request, columns, pixel_rows, least_span=reach)
        self._map = (pair, reach, frame)
        return frame

    @staticmethod
    def project(runner: RunnerFrame, frame: ls.LandscapeFrame) -> np.ndarray:
        """A runner's path on the race's slice: its two coordinates at each recorded epoch (P × 2)."""
        if frame.pair is None or not runner.path.size:
            return np.zeros((0, 2))
        return np.asarray(runner.path[:, list(frame.pair)])
