"""Live training: a thread that owns the engine until it stops, at a pace the learner sets.

The thread trains through the controller in slices and posts a View at most once a frame
(messages whose `can_replace` drops any not yet drawn); it never touches a widget. At a set
pace it trains the epochs that are due and then waits on an Event (no busy loop: a slow pace
costs no CPU, and a stop request ends the wait at once); at "max" it trains flat out in slices
of about CHUNK_SECONDS.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass

from textual.app import App
from textual.message import Message
from textual.worker import get_current_worker

from tui_nn.engine.controller import Controller, LiveRun
from tui_nn.engine.view import View

# Epochs per second; None is as fast as the machine goes. The default trains the default XOR
# network to its target loss (about 9,700 epochs) in roughly 20 seconds: slow enough to watch.
PACES: tuple[float | None, ...] = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, None)
DEFAULT_PACE = 500
FRAME_SECONDS = 1 / 30
CHUNK_SECONDS = 0.008  # slices at "max" pace, between checks for a stop request


def pace_text(pace: float | None) -> str:
    return "max" if pace is None else f"{pace:g}/s"


def parse_pace(text: str) -> float | None:
    """'max' or one of the ladder's epochs-per-second values (e.g. 500)."""
    if text.strip().lower() == "max":
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"pace must be max or a number of epochs a second, not '{text}'") from None
    if value not in PACES:
        listed = ", ".join(pace_text(p).removesuffix("/s") for p in PACES)
        raise ValueError(f"pace must be one of {listed} (epochs a second), not '{text}'")
    return value


class TrainingProgress(Message):
    """A fresh View from the training thread; a newer one replaces any not yet drawn."""

    def __init__(self, view: View, epochs_per_second: float) -> None:
        super().__init__()
        self.view = view
        self.epochs_per_second = epochs_per_second

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, TrainingProgress)


@dataclass
class TrainingStopped(Message):
    """The training thread has finished: why (None: asked to stop), or the error it met."""

    reason: str | None
    error: str | None = None


class LiveTraining:
    """One live run: start it, change its pace, ask it to stop; it reports through messages."""

    def __init__(self, controller: Controller, run: LiveRun, pace: float | None, app: App[None]) -> None:
        self.controller = controller
        self.run = run
        self.pace = pace
        self.app = app
        self._post = app.post_message  # the only thing the thread calls on the UI
        self._stop = threading.Event()
        self._wake = threading.Event()  # ends a paced wait early: a stop request or a new pace
        self._rate: deque[tuple[float, int]] = deque(maxlen=90)
        self._drawn_params = controller.stepper.net.params.copy()  # what the last frame showed

    def start(self) -> None:
        """Run in a Textual thread worker (so `app.workers.wait_for_complete()` waits for it)."""
        self.app.run_worker(self._main, name="training", group="train", thread=True, exclusive=True, exit_on_error=False)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def set_pace(self, pace: float | None) -> None:
        self.pace = pace
        self._wake.set()

    def epochs_per_second(self) -> float:
        """Measured over the last few seconds of the run."""
        if len(self._rate) < 2:
            return 0.0
        (t0, e0), (t1, e1) = self._rate[0], self._rate[-1]
        return (e1 - e0) / (t1 - t0) if t1 > t0 else 0.0

    def _main(self) -> None:
        reason: str | None = None
        error: str | None = None
        try:
            reason = self._loop()
        except Exception:  # reported to the user with its traceback; the session is kept
            error = traceback.format_exc()
        finally:
            self._post(TrainingStopped(reason, error))

    def _loop(self) -> str | None:
        trainer = self.controller.stepper.trainer
        start_time, start_epoch = time.perf_counter(), trainer.epoch
        paced_from = (start_time, start_epoch)
        chunk, posted = 16, 0.0
        last_pace = self.pace
        # Textual cancels the worker when the app stops however it stops (a signal, the terminal
        # gone, a crash), not only through stop(): a thread left running would keep the process alive.
        worker = get_current_worker()

        def stopping() -> bool:
            return self._stop.is_set() or worker.is_cancelled

        while not stopping():
            pace = self.pace
            now = time.perf_counter()
            if pace != last_pace:
                paced_from, last_pace = (now, trainer.epoch), pace
            if pace is None:
                epochs = chunk
            else:
                due = int((now - paced_from[0]) * pace) - (trainer.epoch - paced_from[1])
                if due <= 0:  # ahead of the pace: sleep until the next epoch is due (or a frame passes)
                    self._wake.wait(min((1 - due) / pace, FRAME_SECONDS))
                    self._wake.clear()
                    continue
                epochs = min(due, max(int(pace * FRAME_SECONDS * 4), 1))
            began = time.perf_counter()
            result = self.controller.train(self.run, epochs, stopping)
            elapsed = time.perf_counter() - began
            if pace is None and result.epochs:
                chunk = max(1, min(int(chunk * CHUNK_SECONDS / max(elapsed, 1e-6)), 100_000))
            self._rate.append((time.perf_counter(), trainer.epoch))
            if result.stopped is not None:
                return result.stopped
            now = time.perf_counter()
            if now - posted >= FRAME_SECONDS:
                view = self.controller.view(with_values=False, since=self._drawn_params)
                self._drawn_params = view.snapshot.params
                self._post(TrainingProgress(view, self.epochs_per_second()))
                posted = now
        return None
