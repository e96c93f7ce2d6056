"""Walk training one micro-step at a time, forwards and backwards.

A *pass* is the work between two parameter updates: every sample of one batch forward, its
loss and backward, then the update of every parameter. Its records are a pure function of the
parameters and optimizer state it starts from, so a position inside a pass is just an index,
stepping back is decrementing it, and a pass's records and numbers can be dropped and made
again at will (they live in a bounded cache). Each pass remembers how it was reached: by
completing the pass before, or by a jump (vectorised training), a pin (walking one sample) or
an edit (a what-if change of a parameter), so one step back undoes exactly that. The chain is
cut once it holds more than `undo_limit` steps; memory is bounded by the cache, not by passes.

The walk's state comes from the numbers `walk` computes: the parameters at a position are the
pass's start with the update's new values put in, and the values shown so far are what
`walk.sample_reveals` / `walk.update_reveals` say the steps up to it reveal. The narrator's
records are made from those numbers for display only; nothing is read back from them.
"""

from __future__ import annotations

import bisect
import math
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count
from typing import Literal

import numpy as np

from tui_nn.engine.nn.datasets import Dataset
from tui_nn.engine.nn.dropout import network_masks, update_index
from tui_nn.engine.nn.history import History
from tui_nn.engine.nn.network import Network
from tui_nn.engine.nn.optimizers import OptimizerState
from tui_nn.engine.nn.training import RunResult, Trainer
from tui_nn.engine.walk.arithmetic import (
    Reveals,
    SampleTables,
    UpdateTables,
    batch_loss_steps,
    compute_sample,
    compute_update,
    parameter_order,
    sample_reveals,
    sample_step_count,
    update_reveals,
    update_step_count,
)
from tui_nn.engine.walk.narrate import Narrator
from tui_nn.engine.walk.records import Key, NumberFormat, Step

UNDO_LIMIT = 10_000
CACHED_STEPS = 4_000  # formatted records kept (least recently used dropped; they are made again)
CACHED_TABLES = 2_048  # samples' numbers kept likewise (an update needs every sample of its batch)
CACHED_REVEALS = 64  # segments' revealed values kept (the diagram reads the current one at every frame)
_pass_ids = count()


@dataclass(frozen=True, eq=False)
class Arrival:
    """How a pass was reached other than by completing the pass before it.

    `saved_rows` are the history rows from the pass's epoch on as they were before: a pin or an
    edit re-evaluates the epoch's loss, and undoing it puts the old rows back.
    """

    kind: Literal["jump", "pin", "edit"]
    description: str
    saved_rows: np.ndarray


@dataclass(eq=False)
class Pass:
    """One batch's forward, loss and backward walks plus its update; its records made on demand."""

    epoch: int
    batch_index: int
    n_batches: int
    samples: list[int]
    start_params: np.ndarray
    start_state: OptimizerState
    lr: float
    focus: int | None
    # Where a step back from position 0 leads: (pass, position), or None at the start of memory.
    previous: tuple[Pass, int] | None = None
    arrival: Arrival | None = None
    starts: list[int] = field(default_factory=list)
    total: int = 0
    update: UpdateTables | None = None  # the batch's update, computed on first need
    uid: int = field(default_factory=lambda: next(_pass_ids))

    @property
    def end_params(self) -> np.ndarray | None:
        return None if self.update is None else self.update.end_params

    @property
    def end_state(self) -> OptimizerState | None:
        return None if self.update is None else self.update.end_state


@dataclass(frozen=True)
class Jump:
    """A vectorised run in progress: where it started and how many passes were walked first."""

    origin: tuple[Pass, int]
    first_epoch: int
    walked: int


@dataclass(frozen=True)
class Undone:
    """What one step back undid: a micro-step (`step`), or how a pass was reached (`arrival`).

    For a jump, `epochs` is (first, last): the epochs the vectorised run trained.
    """

    step: Step | None = None
    arrival: Arrival | None = None
    epochs: tuple[int, int] | None = None


class Stepper:
    """The step-through: next, back, jumps, pins and edits over one network."""

    def __init__(
        self,
        net: Network,
        data: Dataset,
        optimizer: str = "sgd",
        lr: float = 1.0,
        batch: int | None = None,
        seed: int = 0,
        digits: int = 4,
        undo_limit: int = UNDO_LIMIT,
        validation: Dataset | None = None,
    ) -> None:
        self.net = net
        self.data = data
        self.trainer = Trainer(net, data, optimizer, lr, batch, seed, validation=validation)
        self.fmt = NumberFormat(digits)
        self.narrator = Narrator(net, self.fmt)
        self.undo_limit = undo_limit
        self._memory: deque[Pass] = deque()
        self._memory_steps = 0
        self._segments: OrderedDict[tuple[int, int], list[Step]] = OrderedDict()
        self._segment_steps = 0
        self._tables: OrderedDict[tuple[int, int], SampleTables] = OrderedDict()
        self._reveals: OrderedDict[tuple[int, int], list[Reveals]] = OrderedDict()
        # The flat index of the parameter each update step changes, in the walk's order.
        self._update_order = np.array([index for *_, index in parameter_order(net)], dtype=np.intp)
        self.current = self._new_pass(None)
        self.position = 0

    @property
    def history(self) -> History:
        return self.trainer.history

    @property
    def lr(self) -> float:
        return self.trainer.lr

    @property
    def optimizer(self) -> str:
        return self.trainer.optimizer

    @property
    def focus(self) -> int | None:
        return self.trainer.focus

    @property
    def epoch(self) -> int:
        return self.current.epoch

    def can_step_back(self) -> bool:
        return self.position > 0 or self.current.previous is not None

    def peek(self) -> Step:
        """The record the next step() will apply."""
        return self.record(self.current, self.position)

    def last(self) -> Step | None:
        """The record most recently applied in this pass."""
        return self.record(self.current, self.position - 1) if self.position else None

    # --- moving ----------------------------------------------------------------------

    def step(self) -> Step:
        """Apply the next micro-step and return its record.

        The record is made first, so a narration that fails leaves the walk where it was.
        """
        record = self.record(self.current, self.position)
        self.advance()
        return record

    def advance(self) -> None:
        """Apply the next micro-step from the computed numbers alone (no record is made)."""
        cur = self.current
        self.position += 1
        updated = self.position - cur.starts[-1] - batch_loss_steps(len(cur.samples), bool(self.net.l2))
        if updated > 0:
            index = self._update_order[updated - 1]
            self.net.params[index] = self.update_tables(cur).end_params[index]
        if self.position == cur.total:
            self._complete_pass()

    def back(self) -> Undone | None:
        """Undo one micro-step, or the jump, pin or edit that led to this pass, restoring the exact
        prior state. Returns what was undone, or None when nothing older is remembered."""
        # Records are made before anything moves, so a narration that fails leaves the walk where it was.
        if self.position:
            record = self.record(self.current, self.position - 1)
            self.position -= 1
            self._sync_params()
            return Undone(step=record)
        leaving = self.current
        if leaving.previous is None:
            return None
        target, position = leaving.previous
        arrival = leaving.arrival
        if arrival is None:
            record = self.record(target, position)
            self._restore(target, position)
            return Undone(step=record)
        self._restore(target, position)
        if arrival.saved_rows.size:
            self.history.truncate(int(arrival.saved_rows[0, 0]))
            self.history.extend(arrival.saved_rows)
        epochs = (target.epoch, leaving.epoch) if arrival.kind == "jump" else None
        return Undone(arrival=arrival, epochs=epochs)

    def steps_until(self, done: Callable[[Step], bool]) -> list[Step]:
        """Step until `done(next record)` holds or the pass completes; return what was applied."""
        applied: list[Step] = []
        start = self.current
        while self.current is start:
            if applied and done(self.peek()):
                break
            applied.append(self.step())
        return applied

    def finish_forward(self) -> list[Step]:
        """Apply the rest of the current sample's forward pass (and nothing else)."""
        nxt = self.peek()
        if nxt.phase != "forward":
            return []
        return self.steps_until(lambda s: s.phase != "forward" or s.sample != nxt.sample)

    def finish_backward(self) -> list[Step]:
        """Apply the rest of the current sample's backward pass (through its loss if needed)."""
        sample = self.peek().sample
        if sample is None:  # the batch's loss and update come next: no backward pass under way
            return []
        return self.steps_until(lambda s: s.sample != sample)

    def finish_pass(self) -> tuple[Pass, int]:
        """Jump to the end of this pass (its update applied); return (that pass, where it was).

        Only the numbers are computed; records are made when someone asks for them. A spiral
        epoch has 88,094 micro-steps: formatting them all would take seconds.
        """
        cur, start = self.current, self.position
        self.update_tables(cur)
        self.position = cur.total
        self._complete_pass()
        return cur, start

    def walk_pass(self) -> list[Step]:
        """Apply every remaining step of this pass one by one, returning their records."""
        records: list[Step] = []
        start = self.current
        while self.current is start:
            records.append(self.step())
        return records

    def records(self, p: Pass, start: int, stop: int) -> list[Step]:
        """The records of positions start … stop−1 of pass `p`."""
        return [self.record(p, i) for i in range(max(start, 0), min(stop, p.total))]

    def run_epochs(
        self, epochs: int, target_loss: float | None = None, should_stop: Callable[[], bool] | None = None
    ) -> RunResult:
        """Train `epochs` epochs by the vectorised path from the next epoch boundary (a pass under
        way is walked to its end first). One step back returns to where the jump began."""
        origin = self.epoch
        jump = self.begin_jump()
        walked = self.trainer.epoch - origin  # a pass under way (or a mini-batch epoch) finished first
        remaining = max(epochs - walked, 0)
        result = self.trainer.run(remaining, target_loss, should_stop) if remaining else RunResult(0)
        self.end_jump(jump)
        return RunResult(result.epochs + walked, result.stopped)

    def begin_jump(self) -> Jump:
        """Walk to the next epoch boundary and hand the trainer the state there.

        Between begin_jump and end_jump only `trainer.run` may touch this stepper (live
        training calls it repeatedly from a worker thread).
        """
        origin = (self.current, self.position)
        walked = 0
        while self.position or self.current.batch_index:
            self.finish_pass()
            walked += 1
        self.trainer.restore(self.current.epoch, self.current.start_params, self.current.start_state)
        return Jump(origin, self.current.epoch, walked)

    def end_jump(self, jump: Jump) -> None:
        """Resume stepping where the trainer stopped; one step back returns to the jump's origin."""
        if self.trainer.epoch == jump.first_epoch and jump.walked == 0:
            return
        self._link(jump.origin, "jump", f"trained epochs {jump.origin[0].epoch}–{self.trainer.epoch - 1}")

    # --- changes that start a new pass, each undone by one step back -------------------

    def set_focus(self, sample: int | None) -> None:
        """Pin one sample (0-based) or None for the whole batch; the pass restarts from its start."""
        if sample is not None and not 0 <= sample < self.data.size:
            raise ValueError(f"sample {sample + 1} is out of range 1–{self.data.size}")
        old = self.current
        self.trainer.restore(old.epoch, old.start_params, old.start_state)
        self.trainer.focus = sample
        what = "the whole batch" if sample is None else f"sample {sample + 1} alone"
        self._link((old, self.position), "pin", f"walking {what}")

    def edit(self, params: np.ndarray, description: str) -> None:
        """Continue from `params` (a what-if change) at this epoch; the pass restarts from its start."""
        old = self.current
        self.trainer.restore(old.epoch, params, old.start_state)
        self._link((old, self.position), "edit", description)

    def set_lr(self, lr: float) -> None:
        """Change the learning rate; an update not yet begun in this pass uses it."""
        if not (math.isfinite(lr) and lr > 0):
            raise ValueError(f"learning rate must be a positive number, not {lr:g}")
        self.trainer.lr = lr
        cur = self.current
        if self.position <= cur.starts[-1]:
            cur.lr = lr
            self._segments.pop((cur.uid, len(cur.samples)), None)
            self._reveals.pop((cur.uid, len(cur.samples)), None)
            cur.update = None

    # --- internals -------------------------------------------------------------------

    def _link(self, origin: tuple[Pass, int], kind: Literal["jump", "pin", "edit"], description: str) -> None:
        epoch = self.trainer.epoch
        rows = self.history.rows()
        saved = rows[rows[:, 0] >= epoch] if kind != "jump" else np.empty((0, self.history.width))
        self.current = self._new_pass(origin, Arrival(kind, description, saved))
        self.position = 0

    def _new_pass(self, previous: tuple[Pass, int] | None, arrival: Arrival | None = None) -> Pass:
        """A pass from the trainer's state; at an epoch's first batch, records that epoch's history row."""
        trainer = self.trainer
        epoch, batch_index = trainer.epoch, 0
        if previous is not None and arrival is None:
            before = previous[0]
            if before.batch_index + 1 < before.n_batches:  # mini-batches: the next batch of the epoch
                epoch, batch_index = before.epoch, before.batch_index + 1
        batches = trainer.batches(epoch)
        batch_index = min(batch_index, len(batches) - 1)
        new = Pass(
            epoch,
            batch_index,
            len(batches),
            [int(s) for s in batches[batch_index]],
            self.net.params.copy(),
            trainer.opt_state.copy(),
            trainer.lr,
            trainer.focus,
            previous,
            arrival,
        )
        per_sample = sample_step_count(self.net.sizes, self.net.one_of_k, bool(self.net.dropout))
        new.starts = [i * per_sample for i in range(len(new.samples) + 1)]
        new.total = new.starts[-1] + update_step_count(self.net.n_params, len(new.samples), bool(self.net.l2))
        if batch_index == 0:
            trainer.epoch = epoch
            trainer.record_epoch()
        self._remember(new)
        return new

    def _remember(self, new: Pass) -> None:
        self._memory.append(new)
        self._memory_steps += new.total
        # Forget the oldest pass only while the passes between it and the new one still hold
        # at least undo_limit steps to step back through.
        while len(self._memory) > 2 and self._memory_steps - self._memory[0].total - new.total >= self.undo_limit:
            dropped = self._memory.popleft()
            self._memory_steps -= dropped.total
            for kept in self._memory:
                if kept.previous is not None and kept.previous[0] is dropped:
                    kept.previous = None

    def _complete_pass(self) -> None:
        finished = self.current
        update = self.update_tables(finished)
        last_of_epoch = finished.batch_index + 1 >= finished.n_batches
        epoch = finished.epoch + 1 if last_of_epoch else finished.epoch
        self.trainer.restore(epoch, update.end_params, update.end_state)
        self.current = self._new_pass((finished, finished.total - 1))
        self.position = 0

    def _restore(self, target: Pass, position: int) -> None:
        self.current = target
        self.position = position
        self.trainer.restore(target.epoch, target.start_params, target.start_state)
        self.trainer.focus = target.focus
        self.history.truncate(target.epoch + 1)
        while self._memory and self._memory[-1] is not target:
            self._memory_steps -= self._memory.pop().total
        self._sync_params()

    def _sync_params(self) -> None:
        """Set the network's parameters to those at the current position."""
        cur = self.current
        self.net.params[:] = cur.start_params
        updated = self.position - cur.starts[-1] - batch_loss_steps(len(cur.samples), bool(self.net.l2))
        if updated > 0:
            indices = self._update_order[:updated]
            self.net.params[indices] = self.update_tables(cur).end_params[indices]

    def revealed(self) -> dict[Key, float]:
        """The values the steps applied so far in the current segment (a sample's walk, or the
        update) have revealed, from the computed numbers."""
        if not self.position:
            return {}
        cur = self.current
        seg = self.segment_of(cur, self.position - 1)
        done = self.position - cur.starts[seg]
        key = (cur.uid, seg)
        steps = self._reveals.get(key)
        if steps is None:
            if seg < len(cur.samples):
                steps = sample_reveals(self.net, self.sample_tables(cur, seg))
            else:
                steps = update_reveals(self.net, self.update_tables(cur))
            self._reveals[key] = steps
            while len(self._reveals) > CACHED_REVEALS:
                self._reveals.popitem(last=False)
        else:
            self._reveals.move_to_end(key)
        return {key: value for reveals in steps[:done] for key, value in reveals}

    def segment_of(self, p: Pass, position: int) -> int:
        return bisect.bisect_right(p.starts, position) - 1

    def record(self, p: Pass, position: int) -> Step:
        if not 0 <= position < p.total:
            raise IndexError(f"position {position} is outside the pass (0–{p.total - 1})")
        seg = self.segment_of(p, position)
        return self._segment(p, seg)[position - p.starts[seg]]

    def segment_records(self, p: Pass, seg: int) -> list[Step]:
        """Every record of one segment (a sample's walk, or the update) of pass `p`."""
        return self._segment(p, seg)

    def sample_tables(self, p: Pass, k: int) -> SampleTables:
        key = (p.uid, k)
        tables = self._tables.get(key)
        if tables is None:
            s = p.samples[k]
            with np.errstate(all="ignore"):  # a diverged network's walk shows its infs and NaNs
                tables = compute_sample(self.net, p.start_params, self.data.x[s], self.data.y[s], s, self.sample_masks(p, s))
            self._tables[key] = tables
            while len(self._tables) > CACHED_TABLES:
                self._tables.popitem(last=False)
        else:
            self._tables.move_to_end(key)
        return tables

    def pass_masks(self, p: Pass) -> list[np.ndarray] | None:
        """Dropout's mask/(1 − p) per hidden layer for the rows of pass `p` (rows in the pass's order), or None."""
        if not self.net.dropout:
            return None
        update = update_index(p.epoch, p.batch_index, p.n_batches)
        return network_masks(self.trainer.seed, update, self.net.sizes, p.samples, self.net.dropout)

    def sample_masks(self, p: Pass, sample: int) -> tuple[tuple[float, ...], ...]:
        """Dropout's mask/(1 − p) per hidden layer for data row `sample` in pass `p`: the ones the kernel
        draws for that row at that update (nothing without dropout)."""
        if not self.net.dropout:
            return ()
        update = update_index(p.epoch, p.batch_index, p.n_batches)
        masks = network_masks(self.trainer.seed, update, self.net.sizes, [sample], self.net.dropout)
        return tuple(tuple(float(v) for v in mask[0]) for mask in masks)

    def _segment(self, p: Pass, seg: int) -> list[Step]:
        key = (p.uid, seg)
        records = self._segments.get(key)
        if records is not None:
            self._segments.move_to_end(key)
            return records
        with np.errstate(all="ignore"):  # a diverged network's walk shows its infs and NaNs
            if seg < len(p.samples):
                records = self.narrator.sample_steps(p.start_params, self.sample_tables(p, seg), p.epoch)
            else:
                records = self._update_records(p)
        self._segments[key] = records
        self._segment_steps += len(records)
        while self._segment_steps > CACHED_STEPS and len(self._segments) > 1:
            _, dropped = self._segments.popitem(last=False)
            self._segment_steps -= len(dropped)
        return records

    def update_tables(self, p: Pass) -> UpdateTables:
        """The numbers of pass `p`'s update (computed once, kept with the pass)."""
        if p.update is None:
            tables = [self.sample_tables(p, k) for k in range(len(p.samples))]
            with np.errstate(all="ignore"):  # a diverged network's walk shows its infs and NaNs
                p.update = compute_update(self.net, p.start_params, p.start_state, tables, self.trainer.optimizer, p.lr)
        return p.update

    def _update_records(self, p: Pass) -> list[Step]:
        """The batch's update records, narrated from its numbers."""
        u = self.update_tables(p)
        return self.narrator.update_steps(
            u,
            [self.sample_tables(p, k).grad for k in range(len(p.samples))],
            p.start_params,
            p.start_state,
            (p.epoch, p.batch_index, p.n_batches),
            p.lr,
            self.trainer.optimizer,
        )
