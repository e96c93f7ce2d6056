"""Live training: a worker that owns the engine until it stops, at a pace the learner sets.

The training itself runs in a training process (tui_nn.engine.live.remote), on the machine's other
core: the worker thread here forwards the pace, η changes and the stop request, copies each
frame the process publishes into the session's trainer, and posts a View at most once a frame
(messages whose `can_replace` drops any not yet drawn). It never touches a widget, and the UI
thread never waits for the process.

If no training process can be started, or it dies, the worker trains here instead, in the same
loop as the process (engine.live_run; one line in the log says so): at a set pace it trains the epochs that are
due and then waits on an Event (no busy loop: a slow pace costs no CPU, and a stop request ends
the wait at once); at "max" it trains flat out in slices of about CHUNK_SECONDS.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.app import App
from textual.message import Message
from textual.worker import Worker

from tui_nn.engine.live.live_run import FRAME_SECONDS, STUCK_CHECK, LiveLoop, SliceResult
from tui_nn.engine.live.pace import DEFAULT_PACE as DEFAULT_PACE  # the pace ladder, for the app and its tests
from tui_nn.engine.live.pace import PACES as PACES
from tui_nn.engine.live.pace import pace_text as pace_text
from tui_nn.engine.live.pace import parse_pace as parse_pace
from tui_nn.engine.live.reasons import StopReason
from tui_nn.engine.session.controller import Controller, LiveRun
from tui_nn.engine.session.view import View

if TYPE_CHECKING:  # multiprocessing and shared memory load after the first frame (warm_up), not with the app
    from tui_nn.engine.live.remote import RemoteRun, TrainingProcess

MOST_EPOCHS_A_SLICE = 100_000  # at "max" in this process
CHUNK_SECONDS = 0.008  # slices at "max" pace, between checks for a stop request (training in this process)
LISTEN_SECONDS = FRAME_SECONDS  # longest the worker waits for the training process before looking at the UI's requests
SILENCE_SECONDS = 2.0  # a training process silent this long (and 3 epochs' time at a slow pace) has stopped answering
SETTLED_SECONDS = 0.5  # the measured rate is shown once frames since the last change of pace span this long
IN_FLIGHT_SECONDS = 0.2  # frames this soon after a change of pace may still carry epochs trained at the old one


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
    """The training thread has finished: why (None: asked to stop), or the error it met (the
    training process's errors arrive as a TrainingFailed carrying the process's traceback)."""

    reason: StopReason | None
    error: BaseException | None = None


class TrainingFailed(Exception):
    """The training process met an error; it sent its traceback (the crash report quotes it)."""

    def __init__(self, text: str) -> None:
        super().__init__(text.strip().splitlines()[-1] if text.strip() else "error")
        self.traceback = text


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
        self._rate: deque[tuple[float, int]] = deque(maxlen=90)  # (time, epoch) of recent frames, at this pace
        self._rate_lock = threading.Lock()  # the worker adds to it; the UI thread reads it
        self._rate_from = 0.0  # frames before this time only mark where the measurement starts
        self.silent_for: float | None = None  # seconds the training process has not answered, once it is a stall
        self._drawn_params = controller.stepper.net.params.copy()  # what the last frame showed
        self._last_view = controller.view(with_values=False)  # shown again while the training process is silent
        self._worker: Worker[None] | None = None
        self.process_id: int | None = None  # the training process's, while one trains this run
        self.waited_for_process: float | None = None  # seconds the run waited for the process to be ready

    def start(self) -> None:
        """Run in a Textual thread worker (so `app.workers.wait_for_complete()` waits for it)."""
        self._worker = self.app.run_worker(
            self._main, name="training", group="train", thread=True, exclusive=True, exit_on_error=False
        )

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def set_pace(self, pace: float | None) -> None:
        self.pace = pace
        self._restart_rate()  # the rate at the old pace says nothing about the new one
        self._wake.set()

    def _restart_rate(self) -> None:
        with self._rate_lock:
            self._rate.clear()
            self._rate_from = time.perf_counter() + IN_FLIGHT_SECONDS

    def _record_rate(self, epoch: int) -> None:
        now = time.perf_counter()
        with self._rate_lock:
            if now < self._rate_from:  # the newest of these is where the new pace begins
                self._rate.clear()
            self._rate.append((now, epoch))

    def epochs_per_second(self) -> float | None:
        """Measured over the last few seconds at this pace; None while too little has been seen
        since the pace changed (or the run began, or a stall ended) to say."""
        with self._rate_lock:
            if len(self._rate) < 2:
                return None
            (t0, e0), (t1, e1) = self._rate[0], self._rate[-1]
        return (e1 - e0) / (t1 - t0) if t1 - t0 >= SETTLED_SECONDS else None

    def status(self) -> str:
        """The pace, and what is measured: the rate, that it is settling, or that the process is silent."""
        text = f"pace {pace_text(self.pace)}"
        silent = self.silent_for
        if silent is not None:
            return f"{text} · the training process has not answered for {silent:.0f} s"
        rate = self.epochs_per_second()
        return f"{text} · {rate:,.0f} epochs/s" if rate is not None else f"{text} · measuring the rate"

    def _silence_limit(self, pace: float | None) -> float:
        return SILENCE_SECONDS if pace is None else max(SILENCE_SECONDS, 3 / pace)

    def _stopping(self) -> bool:
        """Asked to stop, or the app is closing (Textual cancels its workers then)."""
        return self._stop.is_set() or (self._worker is not None and self._worker.is_cancelled)

    def _main(self) -> None:
        reason: StopReason | None = None
        error: BaseException | None = None
        try:
            reason = self._train()
        except Exception as failure:  # the app reports it (and writes a crash report); the session is kept
            error = failure
        finally:
            self._post(TrainingStopped(reason, error))

    def _train(self) -> StopReason | None:
        """In a training process if there is one, else here."""
        from tui_nn.engine.live import remote
        from tui_nn.engine.live.remote import TrainingProcessLost

        try:
            process = remote.acquire()
        except TrainingProcessLost as lost:
            return self._here(f"the training process {lost}")
        try:
            return self._in_process(process)
        except TrainingProcessLost as lost:
            if self._stopping():  # it was asked to stop anyway: the run ends at the last frame it sent
                self._note(f"the training process {lost}; the run stops at epoch {self.controller.stepper.trainer.epoch}")
                return None
            return self._here(f"the training process {lost}")

    def _here(self, why: str) -> StopReason | None:
        self._note(f"{why}: training in the app's own process (slower while it draws)")
        return self._loop()

    def _note(self, text: str) -> None:
        """One line in the log, written on the UI thread."""
        self.app.call_later(self.controller.logbook.note, text, "warn")

    # --- in a training process ---------------------------------------------------------------

    def _in_process(self, process: TrainingProcess) -> StopReason | None:
        from tui_nn.engine.live import remote
        from tui_nn.engine.live.remote import RemoteRun, TrainingProcessLost

        healthy = False
        try:
            began = time.perf_counter()
            deadline = began + remote.READY_SECONDS
            try:
                while not process.poll_ready(LISTEN_SECONDS):
                    if self._stopping():
                        healthy = True
                        return None
                    if time.perf_counter() > deadline:
                        raise TrainingProcessLost(f"did not start within {remote.READY_SECONDS:g} s")
            except TrainingProcessLost as lost:
                remote.failed(str(lost))  # it would not start next time either: stop trying
                raise
            self.waited_for_process = time.perf_counter() - began
            trainer = self.controller.stepper.trainer
            try:
                run = self.run
                stuck_check = (STUCK_CHECK, run.origin_epoch) if run.check_stuck else None
                remote_run = RemoteRun(process, trainer, run.target_loss, stuck_check, self.pace)
            except TrainingProcessLost:
                raise
            except Exception as error:  # whatever it is, training here still works
                raise TrainingProcessLost(f"could not take the run ({error})") from error
            self.process_id = process.pid
            try:
                reason = self._follow(remote_run)
            finally:
                self.process_id = None
                remote_run.close()
            healthy = True
            return reason
        finally:
            remote.release(process, healthy)

    def _follow(self, remote_run: RemoteRun) -> StopReason | None:
        """Forward the UI's requests, take the frames, post Views, until the process stops the run."""
        from tui_nn.engine.live import remote
        from tui_nn.engine.live.remote import Failed, Frame, RateApplied, Stopped, TrainingProcessLost

        controller, run, trainer = self.controller, self.run, self.controller.stepper.trainer
        in_flight: list[float] = []  # η changes sent, not yet applied
        pace, stop_sent = self.pace, None
        next_post, fresh = 0.0, False  # frames go out on a steady 30 Hz beat, the newest one each time
        last_news = time.perf_counter()
        try:
            while True:
                if stop_sent is None and self._stopping():
                    remote_run.stop()
                    stop_sent = time.perf_counter()
                elif stop_sent is not None and time.perf_counter() - stop_sent > remote.STOP_SECONDS:
                    raise TrainingProcessLost(f"did not stop within {remote.STOP_SECONDS:g} s of being asked")
                if self.pace != pace:
                    pace = self.pace
                    remote_run.set_pace(pace)
                    last_news = time.perf_counter()  # (a slow pace's first frame may be seconds away)
                while run.pending_lr:
                    in_flight.append(run.pending_lr.pop(0))
                    remote_run.set_lr(in_flight[-1])
                events = remote_run.events(LISTEN_SECONDS)
                if events:
                    last_news = time.perf_counter()
                    if self.silent_for is not None:  # it answers again: measure afresh, not across the gap
                        self.silent_for = None
                        self._restart_rate()
                for event in events:
                    if isinstance(event, Frame):
                        self._record_rate(event.epoch)
                        fresh = True
                    elif isinstance(event, RateApplied):
                        if trainer.epoch != event.epoch or not in_flight or in_flight[0] != event.lr:
                            raise RuntimeError(f"η {event.lr:g} applied at epoch {event.epoch}, out of step with this session")
                        controller.record_lr(run, in_flight.pop(0))
                    elif isinstance(event, Stopped):
                        return event.reason
                    elif isinstance(event, Failed):
                        raise TrainingFailed(event.error)
                now = time.perf_counter()
                silent = now - last_news
                if stop_sent is None and silent > self._silence_limit(pace) and now >= next_post:
                    # (stopped by SIGSTOP, say): the status says so, once a second, instead of a frozen rate
                    self.silent_for = silent
                    self._post(TrainingProgress(self._last_view, 0.0))
                    next_post = now + 1.0
                if fresh and stop_sent is None and now >= next_post:
                    self._post_view()
                    fresh = False
                    next_post = max(next_post + FRAME_SECONDS, now - FRAME_SECONDS / 2)
        finally:
            run.pending_lr[:0] = in_flight  # not applied: the controller applies them when the run stops

    def _post_view(self) -> None:
        view = self.controller.view(with_values=False, since=self._drawn_params)
        self._drawn_params = view.snapshot.params
        self._last_view = view
        self._post(TrainingProgress(view, self.epochs_per_second() or 0.0))

    # --- in this process -------------------------------------------------------------------

    def _loop(self) -> StopReason | None:
        run = self.run
        stuck_check = (STUCK_CHECK, run.origin_epoch) if run.check_stuck else None
        loop = LiveLoop(
            self.controller.stepper.trainer, run.target_loss, stuck_check, self.pace, CHUNK_SECONDS, MOST_EPOCHS_A_SLICE
        )
        return loop.run(_HereHooks(self, loop))


class _HereHooks:
    """LiveLoop's hooks for training in this process: the UI's requests, waits on the Event, Views."""

    def __init__(self, live: LiveTraining, loop: LiveLoop) -> None:
        self.live = live
        self.pace = live.pace
        self.posted = 0.0

    def between(self, loop: LiveLoop) -> bool:
        live = self.live
        if live._stopping():
            return True
        if live.pace != self.pace:
            self.pace = live.pace
            loop.set_pace(self.pace)
        run = live.run
        while run.pending_lr:  # η changes between slices, recorded at the epoch they take effect
            live.controller.record_lr(run, run.pending_lr.pop(0))
        return False

    def wait(self, seconds: float) -> None:
        self.live._wake.wait(min(seconds, FRAME_SECONDS))  # (a stop request or a new pace ends it early)
        self.live._wake.clear()

    def room(self) -> int:
        return MOST_EPOCHS_A_SLICE

    def should_stop(self) -> bool:
        return self.live._stopping()

    def sliced(self, result: SliceResult) -> None:
        live = self.live
        live._record_rate(live.controller.stepper.trainer.epoch)
        now = time.perf_counter()
        if result.stopped is None and now - self.posted >= FRAME_SECONDS:
            live._post_view()
            self.posted = now


def warm_up() -> None:
    """Start the training process in the background (at app start), so T need not wait for it.
    If it cannot start, the first T says why in the log and trains in the app's process."""
    with contextlib.suppress(Exception):  # whatever went wrong, the app goes on (and T will say)
        from tui_nn.engine.live import remote

        remote.warm_up()


def training_processes() -> list[int]:
    """Process ids of this app's training processes (for tests and benchmarks)."""
    from tui_nn.engine.live import remote

    return remote.processes()
