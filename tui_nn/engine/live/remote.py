"""Live training in a process of its own: the shared-memory layout, the child's loop, the parent's handles.

Why a process. A training thread shares the interpreter lock with the UI thread, which spends
10–50 ms of every frame drawing; on a 2-core machine the two threads together never used more
than one core. A child process runs the same `Trainer` code on its own copy of the session and
uses the other core fully.

How. The child is a fresh interpreter (`python -I -c …` started by exec, as multiprocessing's
'spawn' does but without its pickled bootstrap; nothing is forked from the threaded app), started
ahead of need so a run never waits for Python and NumPy to import. Nothing is pickled either way:
arrays go through one `multiprocessing.shared_memory` segment per run, everything else is small
JSON over a `multiprocessing.connection` pipe. The child maps the segment from a descriptor the
parent sends over the pipe (SCM_RIGHTS) right behind the run's message, and the parent removes its
name at once: nothing in /dev/shm depends on the child, even a stopped one, to be cleaned up.

  parent → child   run {sizes, activations, loss, data name, optimizer, t, η, batch, seed, focus,
                        epoch, η's start (see Trainer._explosion_limit), target, stuck check
                        [every, origin], pace}
                   pace {pace} · lr {lr} · ack · stop · quit
  child → parent   ready · frame {epoch, t, rows, rate_start} · lr {lr, epoch}
                   stopped {reason} · error {traceback}

The segment holds the parameters, the optimizer's moments, the data, the parent's history (read
once at the start) and a buffer of history rows. A *frame* is a complete checkpoint: the child
writes the parameters, moments and the rows trained since the last frame, then sends `frame`;
the parent copies them into its own trainer and answers `ack`. Only one frame is ever
unacknowledged, so the child never writes what the parent may be reading, and the pipe's
messages order the two processes' memory accesses (no reliance on a CPU's store order). An η
change is applied only right after a frame, at that frame's epoch, and reported with it, so the
parent records `Train(n)`, `SetLR(η)` at exactly the epoch where it happened and a recorded
session replays bit for bit. A run stops where training in the app's process would: below the
target and at divergence (Trainer.run, with its diagnosis), and at a flat loss at the same epoch
as Controller.train: the loop is engine.live_run's, as in every live run; this module is its transport.

If the child cannot start, dies, or stops answering, `TrainingProcessLost` says why; the parent's
trainer then holds the last frame, a consistent checkpoint to carry on from in a thread.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import json
import math
import mmap
import os
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from multiprocessing import connection, reduction
from multiprocessing.shared_memory import SharedMemory
from typing import Any

import numpy as np

from tui_nn.engine.live.live_run import FRAME_SECONDS, LiveLoop, SliceResult
from tui_nn.engine.live.reasons import StopReason, from_json, to_json
from tui_nn.engine.nn.datasets import Dataset
from tui_nn.engine.nn.history import History, history_width
from tui_nn.engine.nn.network import Network
from tui_nn.engine.nn.optimizers import OptimizerState
from tui_nn.engine.nn.training import Checkpoint, RateAnchor, Trainer

ROWS_PER_FRAME = 1 << 16
"""History rows a frame can carry (2 MB; 3 MB with a validation set). The child trains on while a frame waits for its
acknowledgement and pauses only when this many rows are waiting (a few tenths of a second of
XOR flat out, seconds of the spiral)."""

SLICE_SECONDS = 0.02  # flat out, the child trains in slices of about this long between looks at the pipe
PUBLISH_SECONDS = 1 / 60  # a frame at most this often (the UI draws at most 30 a second)
READY_SECONDS = 30.0  # a fresh interpreter importing NumPy on a loaded machine can take seconds
STOP_SECONDS = 0.5  # a child that has not stopped this long after being asked is ended
SEGMENT_PREFIX = "tui_nn_"
"""Shared-memory segments are named tui_nn_<parent pid>_<n> (in /dev/shm on Linux) from their
creation until their descriptor has been sent to the child, a moment later."""

Message = dict[str, Any]


class TrainingProcessLost(Exception):
    """The training process could not start, ended, or stopped answering (the message says which)."""


# --- the shared-memory layout ------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Where each array of a run lives in its segment, counted in float64s; both sides compute it
    from these numbers (sent as JSON)."""

    n_params: int
    first: int  # length of the optimizer's first moment (0 for SGD)
    second: int  # … and of its second (Adam only)
    samples: int
    inputs: int
    outputs: int
    history_rows: int  # the parent's history rows when the run started
    frame_rows: int = ROWS_PER_FRAME
    validation_samples: int = 0  # rows held out as a validation set (0: none)
    dropout: bool = False  # the rows carry an evaluation-loss column

    def shapes(self) -> dict[str, tuple[int, ...]]:
        return {
            "params": (self.n_params,),
            "first": (self.first,),
            "second": (self.second,),
            "x": (self.samples, self.inputs),
            "y": (self.samples, self.outputs),
            "validation_x": (self.validation_samples, self.inputs),
            "validation_y": (self.validation_samples, self.outputs),
            "history": (self.history_rows, self.width),
            "rows": (self.frame_rows, self.width),
        }

    @property
    def width(self) -> int:
        """Columns of a history row: a validation set's two more, dropout's evaluation loss one more."""
        return history_width(bool(self.validation_samples), self.dropout)

    @property
    def nbytes(self) -> int:
        return 8 * max(1, sum(math.prod(shape) for shape in self.shapes().values()))

    def arrays(self, buffer: memoryview | None) -> dict[str, np.ndarray]:
        """Float64 views of the segment, by name (drop them before closing the segment)."""
        if buffer is None:
            raise ValueError("the shared-memory segment is closed")
        views, offset = {}, 0
        for name, shape in self.shapes().items():
            count = math.prod(shape)
            views[name] = np.ndarray(shape, np.float64, buffer, offset * 8)
            offset += count
        return views


def segment_names(pid: int | None = None) -> list[str]:
    """The segments of this (or process `pid`'s) live runs that exist now (Linux: /dev/shm)."""
    prefix = f"{SEGMENT_PREFIX}{os.getpid() if pid is None else pid}_"
    try:
        return sorted(name for name in os.listdir("/dev/shm") if name.startswith(prefix))
    except OSError:
        return []


def _encode(message: Message) -> bytes:
    # Python's json writes floats by repr, which reads back bit for bit (inf and NaN included).
    return json.dumps(message).encode()


def _rate_anchor(value: Any) -> RateAnchor:
    """Where η took over (Trainer.rate_anchor), from JSON: part of every checkpoint a run hands over."""
    return None if value is None else (float(value[0]), int(value[1]), float(value[2]))


# --- the child ---------------------------------------------------------------------------------


class _Outbox(History):
    """The child's history, which also keeps every row added since the last frame, to send."""

    def __init__(self, validation: bool, dropout: bool = False) -> None:
        super().__init__(validation=validation, dropout=dropout)
        self.outgoing: list[np.ndarray] = []
        self.outgoing_rows = 0

    def extend(self, rows: np.ndarray) -> None:
        super().extend(rows)
        if len(rows):
            self.outgoing.append(np.array(rows))
            self.outgoing_rows += len(rows)

    def truncate(self, epoch: int) -> None:
        super().truncate(epoch)
        if not self.outgoing or self.outgoing[-1][-1, 0] < epoch:
            return  # (every slice begins with this call; it almost never forgets anything)
        kept = [rows[rows[:, 0] < epoch] for rows in self.outgoing]
        self.outgoing = [rows for rows in kept if len(rows)]
        self.outgoing_rows = sum(len(rows) for rows in self.outgoing)

    def take(self) -> np.ndarray:
        rows = np.concatenate(self.outgoing) if self.outgoing else np.empty((0, self.width))
        self.outgoing, self.outgoing_rows = [], 0
        return rows


def _close(segment: SharedMemory) -> None:
    with contextlib.suppress(BufferError):  # a view still referenced (by a traceback, say): the mapping goes with it
        segment.close()


_tracker_lock = threading.Lock()


@contextlib.contextmanager
def _untracked() -> Iterator[None]:
    """Create, open or unlink segments without multiprocessing's resource tracker.

    Python before 3.13 cannot be told not to use it, and here it would do harm: under Textual it
    cannot even start (its launch passes on sys.stderr's descriptor, which Textual has replaced),
    and in the child it would be a process of its own that unlinks the parent's segment when the
    child exits. Instead the parent unlinks each segment when its run ends (and at exit), and the
    child unlinks it if the parent disappears in the middle of a run.
    """
    from multiprocessing import resource_tracker

    with _tracker_lock:
        register, unregister = resource_tracker.register, resource_tracker.unregister
        resource_tracker.register = resource_tracker.unregister = _untracked_call
        try:
            yield
        finally:
            resource_tracker.register, resource_tracker.unregister = register, unregister


def _untracked_call(name: object, rtype: str) -> None:
    pass


def _unlink(segment: SharedMemory) -> None:
    with _untracked(), contextlib.suppress(FileNotFoundError):
        segment.unlink()


class _ChildRun:
    """One run in the child: the session rebuilt from the parent's numbers, trained at the pace set."""

    def __init__(self, conn: connection.Connection, message: Message) -> None:
        self.conn = conn
        self.layout = Layout(**message["layout"])
        # The segment comes as a descriptor right behind the message (its name is gone by now).
        fd = reduction.recv_handle(conn)
        try:
            self.mapping = mmap.mmap(fd, self.layout.nbytes)
        finally:
            os.close(fd)
        self.buffer: memoryview | None = memoryview(self.mapping)
        self.arrays = self.layout.arrays(self.buffer)
        try:
            self._rebuild(message)
        except BaseException:
            self.close()
            raise

    def _rebuild(self, message: Message) -> None:
        """The session's network, data and trainer, from the parent's numbers and arrays."""
        a = self.arrays
        sizes = [int(n) for n in message["sizes"]]
        net = Network(
            sizes,
            message["hidden"],
            message["loss"],
            message["output"],
            a["params"].copy(),
            float(message["l2"]),
            float(message.get("dropout", 0.0)),
        )
        data = Dataset(message["data"], a["x"].copy(), a["y"].copy())
        validation = None
        if self.layout.validation_samples:
            validation = Dataset(message["data"], a["validation_x"].copy(), a["validation_y"].copy())
        self.history = _Outbox(validation is not None, self.layout.dropout)
        self.history.extend(a["history"])
        self.history.take()  # the parent has these
        trainer = Trainer(
            net,
            data,
            message["optimizer"],
            float(message["lr"]),
            message["batch"],
            int(message["seed"]),
            self.history,
            validation,
        )
        state = OptimizerState(int(message["t"]), a["first"].copy(), a["second"].copy())
        trainer.rewind(Checkpoint(int(message["epoch"]), a["params"], state, _rate_anchor(message["rate_start"])))
        trainer.focus = message["focus"]
        self.trainer = trainer
        check = message["stuck_check"]  # [every, origin]: look for a flat loss at origin + k·every
        stuck_check = None if check is None else (int(check[0]), int(check[1]))
        self.loop = LiveLoop(trainer, message["target_loss"], stuck_check, message["pace"], SLICE_SECONDS, self.layout.frame_rows)
        self.pending_lr: list[float] = []
        self.stop = False
        self.acked = True
        self.published = -math.inf
        self.published_epoch = trainer.epoch  # the parent has the state the run starts from

    def close(self) -> None:
        self.arrays.clear()
        if self.buffer is not None:
            buffer, self.buffer = self.buffer, None
            with contextlib.suppress(BufferError):  # a view still referenced: the mapping goes with it
                buffer.release()
                self.mapping.close()

    # messages

    def send(self, message: Message) -> None:
        self.conn.send_bytes(_encode(message))

    def handle(self, message: Message) -> None:
        kind = message["type"]
        if kind == "ack":
            self.acked = True
        elif kind == "stop":
            self.stop = True
        elif kind == "pace":
            self.loop.set_pace(message["pace"])
        elif kind == "lr":
            self.pending_lr.append(float(message["lr"]))
        elif kind == "quit":
            raise EOFError

    def drain(self, timeout: float = 0.0) -> None:
        """Handle every message waiting, waiting up to `timeout` for the first one."""
        while self.conn.poll(timeout):
            self.handle(json.loads(self.conn.recv_bytes()))
            timeout = 0.0

    def should_stop(self) -> bool:
        """Asked between the chunks of a slice."""
        self.drain()
        return self.stop

    # frames

    def publish(self) -> None:
        """A checkpoint for the parent: parameters, optimizer state, epoch, and the new rows."""
        trainer, a = self.trainer, self.arrays
        rows = self.history.take()
        a["rows"][: len(rows)] = rows
        a["params"][:] = trainer.net.params
        state = trainer.opt_state
        a["first"][:] = state.first
        a["second"][:] = state.second
        self.acked = False
        self.published, self.published_epoch = time.perf_counter(), trainer.epoch
        self.send({"type": "frame", "epoch": trainer.epoch, "t": state.t, "rows": len(rows), "rate_start": trainer.rate_anchor})

    def publish_due(self) -> bool:
        """Whether a frame can and should go now: the last one was taken and there is news."""
        news = self.history.outgoing_rows > 0 or self.trainer.epoch != self.published_epoch
        return self.acked and news and time.perf_counter() - self.published >= PUBLISH_SECONDS

    def apply_lr(self) -> None:
        """η changes only right after a frame, at its epoch, so the parent records it there."""
        if not self.pending_lr:
            return
        if self.history.outgoing_rows or self.trainer.epoch != self.published_epoch:
            if not self.acked:
                return  # after the next frame
            self.publish()
        for lr in self.pending_lr:
            self.trainer.lr = lr
            self.send({"type": "lr", "lr": lr, "epoch": self.trainer.epoch})
        self.pending_lr.clear()

    # the loop (LiveLoop's hooks)

    def train(self) -> StopReason | None:
        """Train until stopped (None) or until the trainer stops by itself (why)."""
        return self.loop.run(self)

    def between(self, loop: LiveLoop) -> bool:
        self.drain()
        if self.stop:
            return True
        self.apply_lr()
        if self.publish_due():
            self.publish()
        return False

    def wait(self, seconds: float) -> None:
        self.drain(seconds)  # (a message ends it early)

    def room(self) -> int:
        """Rows the frame can still take: once full, the parent must take it first."""
        return self.layout.frame_rows - self.history.outgoing_rows

    def sliced(self, result: SliceResult) -> None:
        pass

    def finish(self, reason: StopReason | None) -> None:
        """The last frame (once the one before is taken), then why the run stopped."""
        while not self.acked:
            self.drain(FRAME_SECONDS)
        self.publish()
        self.send({"type": "stopped", "reason": to_json(reason)})


def child_main(fd: int) -> None:
    """The training process: announce readiness, then serve runs until told to quit (or EOF)."""
    conn = connection.Connection(fd)
    try:
        conn.send_bytes(_encode({"type": "ready"}))
        while True:
            message = json.loads(conn.recv_bytes())
            if message["type"] == "quit":
                return
            if message["type"] == "run":  # (anything else is late news for a run that has ended)
                _serve(conn, message)
    except (EOFError, OSError):
        return  # the parent has gone, or told us to quit mid-run


def _serve(conn: connection.Connection, message: Message) -> None:
    try:
        run = _ChildRun(conn, message)
    except Exception:
        conn.send_bytes(_encode({"type": "error", "error": traceback.format_exc()}))
        return
    try:
        run.finish(run.train())
    except Exception:
        run.send({"type": "error", "error": traceback.format_exc()})
    finally:
        run.close()


CHILD_CODE = (
    "import sys, json\n"
    "sys.path[:] = json.loads(sys.argv[2])\n"
    "from tui_nn.engine.live.remote import child_main\n"
    "child_main(int(sys.argv[1]))\n"
)


# --- the parent --------------------------------------------------------------------------------


class TrainingProcess:
    """A training process: started at once, ready once it has imported NumPy and the engine.

    It is exec'd afresh (isolated mode, with this process's module path, so it runs this very
    copy of tui_nn), in a session of its own (the terminal's keys and hang-up do not reach it),
    with no standard streams (it must never write on the app's screen). It ends by itself when
    its pipe closes, so it cannot outlive this process for long.
    """

    def __init__(self) -> None:
        if not sys.executable:
            raise TrainingProcessLost("could not start: no Python executable known")
        try:
            parent, child = connection.Pipe()
        except OSError as error:
            raise TrainingProcessLost(f"could not start: {error}") from None
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-I", "-c", CHILD_CODE, str(child.fileno()), json.dumps(sys.path)],
                pass_fds=(child.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        except (OSError, ValueError, subprocess.SubprocessError) as error:
            parent.close()
            raise TrainingProcessLost(f"could not start: {error}") from None
        finally:
            child.close()
        self.conn = parent
        self.ready = False
        self.busy = False
        self.started = time.perf_counter()

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None and not self.conn.closed

    def _lost(self, what: str) -> TrainingProcessLost:
        try:  # its end of the pipe closed: it has exited, or is exiting right now
            status: int | None = self.process.wait(2.0)  # a loaded machine may take a while to reap it
        except subprocess.TimeoutExpired:
            status = None
        ended = f"ended (exit status {status})" if status is not None else "stopped answering"
        return TrainingProcessLost(f"{ended} {what}")

    def send(self, message: Message) -> None:
        try:
            self.conn.send_bytes(_encode(message))
        except (OSError, ValueError) as error:
            raise self._lost(f"(sending: {error})") from None

    def receive(self, timeout: float) -> Message | None:
        """The next message, or None if none came within `timeout` seconds."""
        try:
            if not self.conn.poll(timeout):
                return None
            message: Message = json.loads(self.conn.recv_bytes())
        except (EOFError, OSError, ValueError):
            raise self._lost("during training" if self.ready else "before it was ready") from None
        return message

    def poll_ready(self, timeout: float) -> bool:
        """Whether the process has started up, waiting up to `timeout` seconds for it."""
        deadline = time.perf_counter() + timeout
        while not self.ready:
            message = self.receive(max(deadline - time.perf_counter(), 0.0))
            if message is None:
                return False
            self.ready = message["type"] == "ready"
        return True

    def close(self, grace: float = 0.3) -> None:
        """Ask the process to quit; end it if it has not within `grace` seconds (never waits longer
        than about twice that)."""
        if not self.conn.closed:
            with contextlib.suppress(OSError, ValueError):
                self.conn.send_bytes(_encode({"type": "quit"}))
            self.conn.close()
        for end in (None, self.process.terminate, self.process.kill):
            if end is not None:
                with contextlib.suppress(OSError):
                    end()
            try:
                self.process.wait(grace)
                return
            except subprocess.TimeoutExpired:
                continue


@dataclass(frozen=True)
class Frame:
    epoch: int


@dataclass(frozen=True)
class RateApplied:
    """η became `lr` at `epoch` (the parent's trainer is at that epoch when this arrives)."""

    lr: float
    epoch: int


@dataclass(frozen=True)
class Stopped:
    reason: StopReason | None


@dataclass(frozen=True)
class Failed:
    error: str  # the child's traceback


Event = Frame | RateApplied | Stopped | Failed

_segment_numbers = itertools.count()
_open_segments: set[str] = set()  # the names of this process's segments not yet unlinked


class RemoteRun:
    """One live run in a training process, mirrored into the parent's trainer frame by frame.

    Only one thread may use it (the parent's training worker); the UI thread never waits on it.
    """

    def __init__(
        self,
        process: TrainingProcess,
        trainer: Trainer,
        target_loss: float | None,
        stuck_check: tuple[int, int] | None,
        pace: float | None,
    ) -> None:
        """`stuck_check`: (every, origin): stop with diagnostics.run_diagnosis's diagnosis if it finds a stalled
        loss at an epoch origin + k·every (None: never)."""
        self.process = process
        self.trainer = trainer
        state = trainer.opt_state
        history = trainer.history.rows()
        data = trainer.data
        held_out = trainer.validation.size if trainer.validation is not None else 0
        self.layout = Layout(
            trainer.net.n_params,
            state.first.size,
            state.second.size,
            data.size,
            data.x.shape[1],
            data.y.shape[1],
            len(history),
            validation_samples=held_out,
            dropout=bool(trainer.net.dropout),
        )
        name = f"{SEGMENT_PREFIX}{os.getpid()}_{next(_segment_numbers)}"
        try:
            with _untracked():
                self.segment: SharedMemory | None = SharedMemory(name, create=True, size=self.layout.nbytes)
        except OSError as error:
            raise TrainingProcessLost(f"could not share memory with it: {error}") from None
        _open_segments.add(name)
        self.arrays = self.layout.arrays(self.segment.buf)
        self.stopping = False
        self.named = True
        try:
            self._hand_over(name, history, target_loss, stuck_check, pace)
            # The child maps the segment from a descriptor sent behind the run's message, so its name
            # can go at once: the memory lives exactly as long as a mapping of it, and a child that
            # outlives the app (stopped when the app was killed, say) leaves nothing in /dev/shm.
            try:
                descriptor = self.segment._fd  # type: ignore[attr-defined]  # (SharedMemory has no public one)
                reduction.send_handle(self.process.conn, descriptor, self.process.pid)
            except OSError as error:
                raise TrainingProcessLost(f"could not share memory with it: {error}") from None
            self._unname()
        except BaseException:
            self.close()
            raise

    def _hand_over(
        self,
        name: str,
        history: np.ndarray,
        target_loss: float | None,
        stuck_check: tuple[int, int] | None,
        pace: float | None,
    ) -> None:
        trainer, a = self.trainer, self.arrays
        net, data, state = trainer.net, trainer.data, trainer.opt_state
        a["params"][:] = net.params
        a["first"][:] = state.first
        a["second"][:] = state.second
        a["x"][:] = data.x
        a["y"][:] = data.y
        if trainer.validation is not None:
            a["validation_x"][:] = trainer.validation.x
            a["validation_y"][:] = trainer.validation.y
        a["history"][:] = history
        self.process.send(
            {
                "type": "run",
                "segment": name,
                "layout": asdict(self.layout),
                "sizes": list(net.sizes),
                "hidden": net.hidden_activation,
                "output": net.output_activation,
                "loss": net.loss,
                "l2": net.l2,
                "dropout": net.dropout,
                "data": data.name,
                "optimizer": trainer.optimizer,
                "t": state.t,
                "lr": trainer.lr,
                "batch": trainer.batch,
                "seed": trainer.seed,
                "focus": trainer.focus,
                "epoch": trainer.epoch,
                "rate_start": trainer.rate_anchor,
                "target_loss": target_loss,
                "stuck_check": stuck_check,
                "pace": pace,
            }
        )

    def set_pace(self, pace: float | None) -> None:
        self.process.send({"type": "pace", "pace": pace})

    def set_lr(self, lr: float) -> None:
        self.process.send({"type": "lr", "lr": lr})

    def stop(self) -> None:
        self.stopping = True
        self.process.send({"type": "stop"})

    def events(self, timeout: float) -> list[Event]:
        """What happened, waiting up to `timeout` for the first news. Frames are copied into the
        trainer (and acknowledged) as they come, so it always holds the newest checkpoint."""
        events: list[Event] = []
        message = self.process.receive(timeout)
        while message is not None:
            kind = message["type"]
            if kind == "frame":
                self._take_frame(message)
                events.append(Frame(int(message["epoch"])))
            elif kind == "lr":
                self.trainer.lr = float(message["lr"])
                events.append(RateApplied(float(message["lr"]), int(message["epoch"])))
                # The caller records it at the trainer's epoch: before a later frame moves that on.
                return events
            elif kind == "stopped":
                events.append(Stopped(from_json(message["reason"])))
                return events
            elif kind == "error":
                events.append(Failed(str(message["error"])))
                return events
            message = self.process.receive(0.0)
        return events

    def _take_frame(self, message: Message) -> None:
        trainer, a = self.trainer, self.arrays
        rows = a["rows"][: int(message["rows"])]
        if len(rows):
            # What Trainer.run does to its history: forget from the first epoch it trains, then extend.
            trainer.history.truncate(int(rows[0, 0]))
            trainer.history.extend(rows)
        state = OptimizerState(int(message["t"]), a["first"], a["second"])
        trainer.rewind(Checkpoint(int(message["epoch"]), a["params"], state, _rate_anchor(message["rate_start"])))
        self.process.send({"type": "ack"})

    def _unname(self) -> None:
        if self.segment is not None and self.named:
            self.named = False
            _unlink(self.segment)
            _open_segments.discard(self.segment.name)

    def close(self) -> None:
        """Release and remove the segment (the child has closed its own mapping or is gone)."""
        self.arrays.clear()
        self._unname()
        if self.segment is not None:
            segment, self.segment = self.segment, None
            _close(segment)


# --- the processes of this app -------------------------------------------------------------------

_lock = threading.Lock()
_idle: list[TrainingProcess] = []
_every: list[TrainingProcess] = []
_failure: str | None = None  # why starting a process failed; later runs then train in a thread


def warm_up() -> None:
    """Start a training process in the background now, so the first run need not wait for it."""
    with _lock:
        if _failure is None and not any(p.alive() for p in _idle):
            _start_locked()


def _start_locked() -> TrainingProcess:
    global _failure
    try:
        process = TrainingProcess()
    except TrainingProcessLost as error:
        _failure = str(error)
        raise
    _idle.append(process)
    _every.append(process)
    return process


def acquire() -> TrainingProcess:
    """An idle training process (started if need be, not necessarily ready yet); raises
    TrainingProcessLost if none can be started (then it is not tried again)."""
    with _lock:
        if _failure is not None:
            raise TrainingProcessLost(_failure)
        while _idle and not _idle[-1].alive():
            _forget_locked(_idle.pop())
        process = _idle.pop() if _idle else _start_locked_and_take()
        process.busy = True
        return process


def _start_locked_and_take() -> TrainingProcess:
    process = _start_locked()
    _idle.remove(process)
    return process


def release(process: TrainingProcess, healthy: bool) -> None:
    """Back to the pool after a run; a process that failed is ended instead."""
    process.busy = False
    with _lock:
        if healthy and process.alive() and not _idle:
            _idle.append(process)
            return
        _forget_locked(process)
    process.close()


def failed(reason: str) -> None:
    """Starting or running a process failed in a way that will not get better: stop trying."""
    global _failure
    with _lock:
        _failure = _failure or reason


def _forget_locked(process: TrainingProcess) -> None:
    if process in _every:
        _every.remove(process)


def shutdown() -> None:
    """End every training process of this app (at exit; also safe to call at any time)."""
    with _lock:
        processes = list(_every)
        _every.clear()
        _idle.clear()
    for process in processes:
        process.close()
    for name in list(_open_segments):  # a run still under way as the app exits
        with contextlib.suppress(OSError, ValueError), _untracked():
            SharedMemory(name).unlink()
        _open_segments.discard(name)


def processes() -> list[int]:
    """Process ids of the training processes alive now (for tests and benchmarks)."""
    with _lock:
        return [p.pid for p in _every if p.alive()]


def reset_failure() -> None:
    """Try starting processes again (tests)."""
    global _failure
    with _lock:
        _failure = None


atexit.register(shutdown)
