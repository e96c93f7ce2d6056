"""Walk training one micro-step at a time, forwards and backwards.

A *pass* is the work between two parameter updates: every sample of one batch
forward, its loss and backward, then the update of every parameter. Its records
are a pure function of the parameters and optimizer state it starts from, so a
position inside a pass is just an index, and stepping back is decrementing it.
Passes remember the pass before them (for stepping back across an update);
that chain is cut once it holds more than `undo_limit` steps, which keeps
memory bounded however long a session runs.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from tui_nn.engine import optimizers
from tui_nn.engine.datasets import Dataset
from tui_nn.engine.history import History
from tui_nn.engine.narrate import Narrator
from tui_nn.engine.network import Network
from tui_nn.engine.optimizers import OptimizerState
from tui_nn.engine.records import Key, NumberFormat, Step
from tui_nn.engine.training import RunResult, Trainer
from tui_nn.engine.walk import SampleTables, compute_sample, compute_update, sample_step_count

UNDO_LIMIT = 10_000


@dataclass
class Pass:
    """One batch's forward, loss and backward walks plus its update, generated lazily."""

    epoch: int
    batch_index: int
    n_batches: int
    samples: list[int]
    start_params: np.ndarray
    start_state: OptimizerState
    lr: float
    # Where a step back from position 0 leads: (pass, position), or None at the start of memory.
    previous: tuple[Pass, int] | None = None
    # The epoch a vectorised jump (live training, run N) started from, if one led here.
    jumped_from: int | None = None
    starts: list[int] = field(default_factory=list)
    total: int = 0
    tables: dict[int, SampleTables] = field(default_factory=dict)
    segments: dict[int, list[Step]] = field(default_factory=dict)
    end_params: np.ndarray | None = None
    end_state: OptimizerState | None = None


@dataclass(frozen=True)
class Jump:
    """A vectorised run in progress: where it started and how many passes were walked first."""

    origin: tuple[Pass, int]
    first_epoch: int
    walked: int


@dataclass(frozen=True)
class Undone:
    """What one step back undid: a micro-step, or a vectorised jump over epochs (first, last)."""

    step: Step | None
    jump: tuple[int, int] | None


@dataclass(frozen=True, eq=False)  # compared by identity: it holds arrays
class Snapshot:
    """Everything the app shows at one position, read from the walk's own records."""

    epoch: int
    batch_index: int
    n_batches: int
    position: int
    total: int
    phase: str
    sample: int | None
    x: tuple[float, ...] | None
    y: tuple[float, ...] | None
    params: np.ndarray
    values: dict[Key, float]
    last: Step | None
    focus: int | None


class Stepper:
    """The step-through: next, back, jumps, focus and live training over one network."""

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
    ) -> None:
        self.net = net
        self.data = data
        self.trainer = Trainer(net, data, optimizer, lr, batch, seed)
        self.fmt = NumberFormat(digits)
        self.narrator = Narrator(net, self.fmt)
        self.undo_limit = undo_limit
        self._memory: deque[Pass] = deque()
        self._memory_steps = 0
        self.current = self._new_pass(None)
        self.position = 0

    # --- read-only state -------------------------------------------------------------

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
        return self._step(self.current, self.position)

    def last(self) -> Step | None:
        """The record most recently applied in this pass."""
        return self._step(self.current, self.position - 1) if self.position else None

    # --- moving ----------------------------------------------------------------------

    def step(self) -> Step:
        """Apply the next micro-step and return its record."""
        record = self._step(self.current, self.position)
        self.position += 1
        self._apply_writes(record)
        if self.position == self.current.total:
            self._complete_pass()
        return record

    def back(self) -> Undone | None:
        """Undo one micro-step (or one vectorised jump), restoring the exact prior state.

        Returns what was undone, or None when nothing older is remembered.
        """
        if self.position == 0:
            leaving = self.current
            previous = leaving.previous
            if previous is None:
                return None
            target, position = previous
            self._restore(target, position)
            if leaving.jumped_from is not None:
                return Undone(None, (target.epoch, leaving.epoch))
            return Undone(self._step(target, position), None)
        self.position -= 1
        self._sync_params()
        return Undone(self._step(self.current, self.position), None)

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
        return self._finish_phase("forward")

    def finish_backward(self) -> list[Step]:
        """Apply the rest of the current sample's backward pass (through its loss if needed)."""
        sample = self.peek().sample
        if sample is None:  # the batch's loss and update come next: no backward pass under way
            return []
        # the batch loss and the update carry no sample, so this also stops before them
        return self.steps_until(lambda s: s.sample != sample)

    def _finish_phase(self, phase: str) -> list[Step]:
        nxt = self.peek()
        if nxt.phase != phase:
            return []
        sample = nxt.sample
        return self.steps_until(lambda s: s.phase != phase or s.sample != sample)

    def finish_pass(self) -> tuple[Pass, int]:
        """Jump to the end of this pass (its update applied); return (that pass, where it was).

        Only the numbers are computed: the records of the steps jumped over are formatted when
        someone asks for them (records(), or stepping back into them). A spiral epoch has 88,094
        micro-steps; formatting them all would take seconds.
        """
        cur, start = self.current, self.position
        self._segment(cur, len(cur.samples))  # every sample's numbers, the update and its end state
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
        """The records of positions start … stop−1 of pass `p` (formatted on demand)."""
        return [self._step(p, i) for i in range(max(start, 0), min(stop, p.total))]

    def run_epochs(
        self, epochs: int, target_loss: float | None = None, should_stop: Callable[[], bool] | None = None
    ) -> RunResult:
        """Train `epochs` epochs by the vectorised path, from the next epoch boundary.

        A pass already under way is first walked to its end (so nothing the learner has seen
        is discarded). One step back afterwards returns to where the jump began.
        """
        jump = self.begin_jump()
        remaining = max(epochs - jump.walked, 0)
        result = self.trainer.run(remaining, target_loss, should_stop) if remaining else RunResult(0)
        self.end_jump(jump)
        return RunResult(result.epochs + jump.walked, result.stopped)

    def begin_jump(self) -> Jump:
        """Walk to the next epoch boundary and hand the trainer the state there.

        Between begin_jump and end_jump only `trainer.run` may touch this stepper (live
        training calls it repeatedly from a worker thread).
        """
        origin = (self.current, self.position)
        walked = 0
        if self.position:
            self.finish_pass()
            walked = 1
        while self.current.batch_index:  # mini-batches: walk to the next epoch boundary
            self.finish_pass()
            walked += 1
        self.trainer.epoch = self.current.epoch
        self.net.params[:] = self.current.start_params
        self.trainer.opt_state = self.current.start_state.copy()
        return Jump(origin, self.current.epoch, walked)

    def end_jump(self, jump: Jump) -> None:
        """Resume stepping where the trainer stopped; one step back returns to the jump's origin."""
        if self.trainer.epoch == jump.first_epoch and jump.walked == 0:
            return
        self.current = self._new_pass(jump.origin, jumped_from=jump.origin[0].epoch)
        self.position = 0

    # --- settings that shape the next passes ----------------------------------------

    def set_focus(self, sample: int | None) -> None:
        """Pin one sample (0-based) or None for the whole batch; the current pass restarts."""
        if sample is not None and not 0 <= sample < self.data.size:
            raise ValueError(f"sample {sample + 1} is out of range 1–{self.data.size}")
        self.trainer.focus = sample
        self._rebuild_current()

    def set_lr(self, lr: float) -> None:
        """Change the learning rate; an update not yet begun in this pass uses it."""
        if not (math.isfinite(lr) and lr > 0):
            raise ValueError(f"learning rate must be a positive number, not {lr:g}")
        self.trainer.lr = lr
        cur = self.current
        update_start = cur.starts[-1]
        if self.position <= update_start:
            cur.lr = lr
            cur.segments.pop(len(cur.samples), None)
            cur.end_params = None
            cur.end_state = None

    def reset(self, params: np.ndarray) -> None:
        """Start again at epoch 0 from `params`, forgetting history and undo memory."""
        self.net.params[:] = params
        self.trainer.epoch = 0
        self.trainer.opt_state = optimizers.new_state(self.trainer.optimizer, self.net.n_params)
        self.trainer.history.truncate(0)
        self._memory.clear()
        self._memory_steps = 0
        self.current = self._new_pass(None)
        self.position = 0

    # --- what the app shows ----------------------------------------------------------

    def snapshot(self) -> Snapshot:
        cur = self.current
        values: dict[Key, float] = {}
        last = self.last()
        nxt = self._step(cur, self.position) if self.position < cur.total else None
        anchor = last if last is not None else nxt
        sample = anchor.sample if anchor is not None else None
        if self.position > 0:
            seg = self._segment_of(self.position - 1)
            seg_start = cur.starts[seg]
            for record in self._segment(cur, seg)[: self.position - seg_start]:
                for key, value in record.writes:
                    values[key] = value
        params = self.net.params.copy()
        phase = anchor.phase if anchor is not None else "forward"
        x = y = None
        if sample is not None:
            x = tuple(float(v) for v in self.data.x[sample])
            y = tuple(float(v) for v in self.data.y[sample])
            for j, v in enumerate(x):
                values.setdefault(Key("a", 0, j), v)
        return Snapshot(
            cur.epoch,
            cur.batch_index,
            cur.n_batches,
            self.position,
            cur.total,
            phase,
            sample,
            x,
            y,
            params,
            values,
            last,
            self.focus,
        )

    def snapshot_without_values(self) -> Snapshot:
        """The position and parameters only: cheap enough for every frame of live training."""
        cur = self.current
        return Snapshot(
            cur.epoch,
            cur.batch_index,
            cur.n_batches,
            self.position,
            cur.total,
            "forward",
            None,
            None,
            None,
            self.net.params.copy(),
            {},
            None,
            self.focus,
        )

    def predictions(self) -> np.ndarray:
        """ŷ for every row of the data set at the current parameters."""
        return self.net.predict(self.data.x)

    # --- internals -------------------------------------------------------------------

    def _new_pass(
        self, previous: tuple[Pass, int] | None, jumped_from: int | None = None, batch_index: int | None = None
    ) -> Pass:
        """A pass from the network's current parameters; records the epoch's history row."""
        trainer = self.trainer
        epoch = trainer.epoch
        batches = trainer.batches(epoch)
        if batch_index is None:
            batch_index = 0
            if previous is not None and jumped_from is None:
                before = previous[0]
                if before.batch_index + 1 < before.n_batches:
                    epoch, batch_index = before.epoch, before.batch_index + 1
        batch_index = min(batch_index, len(batches) - 1)
        new = Pass(
            epoch,
            batch_index,
            len(batches),
            [int(s) for s in batches[batch_index]],
            self.net.params.copy(),
            trainer.opt_state.copy(),
            trainer.lr,
            previous,
            jumped_from,
        )
        per_sample = sample_step_count(self.net.sizes)
        new.starts = [i * per_sample for i in range(len(new.samples))]
        new.starts.append(len(new.samples) * per_sample)
        update_steps = self.net.n_params + (1 if len(new.samples) > 1 else 0)
        new.total = new.starts[-1] + update_steps
        if batch_index == 0:
            trainer.epoch = epoch
            trainer.history.truncate(epoch)
            loss, accuracy, norm = trainer.evaluate()
            trainer.history.append(epoch, loss, accuracy, norm)
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

    def _rebuild_current(self) -> None:
        """Recreate the current pass from its start state with the current settings."""
        old = self.current
        self.net.params[:] = old.start_params
        self.trainer.opt_state = old.start_state.copy()
        self.trainer.epoch = old.epoch
        if self._memory and self._memory[-1] is old:
            self._memory.pop()
            self._memory_steps -= old.total
        self.current = self._new_pass(old.previous, old.jumped_from, old.batch_index)
        self.position = 0

    def _complete_pass(self) -> None:
        finished = self.current
        assert finished.end_params is not None and finished.end_state is not None
        self.net.params[:] = finished.end_params
        self.trainer.opt_state = finished.end_state.copy()
        last_of_epoch = finished.batch_index + 1 >= finished.n_batches
        self.trainer.epoch = finished.epoch + 1 if last_of_epoch else finished.epoch
        self.current = self._new_pass((finished, finished.total - 1))
        self.position = 0

    def _restore(self, target: Pass, position: int) -> None:
        self.current = target
        self.position = position
        self.trainer.epoch = target.epoch
        self.trainer.opt_state = target.start_state.copy()
        self.trainer.history.truncate(target.epoch + 1)
        while self._memory and self._memory[-1] is not target:
            dropped = self._memory.pop()
            self._memory_steps -= dropped.total
        self._sync_params()

    def _sync_params(self) -> None:
        """Set the network's parameters to those at the current position."""
        cur = self.current
        self.net.params[:] = cur.start_params
        update_start = cur.starts[-1]
        if self.position > update_start:
            for record in self._segment(cur, len(cur.samples))[: self.position - update_start]:
                self._apply_writes(record)

    def _apply_writes(self, record: Step) -> None:
        """An update record's new parameter value goes into the network as it is applied."""
        for key, value in record.writes:
            if key.kind == "w" and key.source is not None:
                self.net.params[self.net.weight_index(key.layer, key.source, key.unit)] = value
            elif key.kind == "b":
                self.net.params[self.net.bias_index(key.layer, key.unit)] = value

    def _segment_of(self, position: int) -> int:
        return bisect.bisect_right(self.current.starts, position) - 1

    def _step(self, p: Pass, position: int) -> Step:
        if not 0 <= position < p.total:
            raise IndexError(f"position {position} is outside the pass (0–{p.total - 1})")
        seg = bisect.bisect_right(p.starts, position) - 1
        return self._segment(p, seg)[position - p.starts[seg]]

    def _tables(self, p: Pass, k: int) -> SampleTables:
        if k not in p.tables:
            s = p.samples[k]
            p.tables[k] = compute_sample(self.net, p.start_params, self.data.x[s], self.data.y[s], s)
        return p.tables[k]

    def _segment(self, p: Pass, seg: int) -> list[Step]:
        if seg not in p.segments:
            with np.errstate(all="ignore"):  # a diverged network's walk shows its infs and NaNs
                self._build_segment(p, seg)
        return p.segments[seg]

    def _build_segment(self, p: Pass, seg: int) -> None:
        if seg not in p.segments:
            if seg < len(p.samples):
                p.segments[seg] = self.narrator.sample_steps(p.start_params, self._tables(p, seg), p.epoch)
            else:
                p.segments[seg] = self._update_segment(p)

    def _update_segment(self, p: Pass) -> list[Step]:
        """The batch's update: its numbers from the walk, its records from the narrator."""
        tables = [self._tables(p, k) for k in range(len(p.samples))]
        u = compute_update(self.net, p.start_params, p.start_state, tables, self.trainer.optimizer, p.lr)
        p.end_params = u.end_params
        p.end_state = u.end_state
        return self.narrator.update_steps(
            u,
            [t.grad for t in tables],
            p.start_params,
            p.start_state.first,
            p.start_state.second,
            p.epoch,
            p.batch_index,
            p.n_batches,
            p.lr,
            self.trainer.optimizer,
        )
