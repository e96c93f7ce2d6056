"""The calculation log as data: steps, notes and training runs, in order, with undo.

The app renders it (rewrapping at any width), export writes it out, and the controller keeps
it in step with the walk: every entry a step back undoes is marked undoable, and `undo`
removes the newest one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from tui_nn.engine.nn.tasks import Task
from tui_nn.engine.walk.records import Step

# "wrong": a quiz answer judged wrong, shown as an error is but not one: the action itself succeeded
Tone = Literal["note", "bold", "info", "warn", "error", "success", "focus", "wrong"]
MAX_ENTRIES = 600


@dataclass(frozen=True, eq=False)
class RunSummary:
    """A vectorised run: its epochs, why it stopped, and what the tutorials print after training.

    rows: (epoch, loss, accuracy) at up to `ROWS` evenly spaced epochs of the run, its first and
    last included (a renderer picks every k-th to fit); predictions: ŷ for every sample at the
    end, with the samples' inputs and targets (None for data sets too large to list).
    """

    first_epoch: int
    last_epoch: int
    reason: str
    rows: np.ndarray
    predictions: np.ndarray | None = None
    inputs: np.ndarray | None = None
    targets: np.ndarray | None = None
    validation: np.ndarray | None = None  # (validation loss, accuracy) at each of rows' epochs, with a validation set
    task: Task | None = None  # what the score column is (R² for a regression); None: a classification's accuracy

    def score_text(self, value: float, width: int = 4) -> str:
        """A score of the rows as the log prints it: 'accuracy  87%' (the percentage `width` wide), or
        'R² 0.8690' for a regression."""
        if self.task is None or not self.task.regression:
            return f"accuracy {value:{width}.0%}"
        return f"{self.task.score_title} {self.task.score_number(value)}"

    def validation_text(self, i: int, fmt: Callable[[float], str]) -> str:
        """The held-out rows' loss and accuracy at rows[i] ('  validation 0.3296  89%': short enough to stay
        on the log's line), '' without a validation set."""
        if self.validation is None:
            return ""
        loss, accuracy = self.validation[i]
        score = self.score_text(float(accuracy)).removeprefix("accuracy ")
        return f"  validation {fmt(float(loss))} {score}"

    @property
    def predicted(self) -> np.ndarray | None:
        """Each listed sample's predicted class (ŷ > 0.5, or the largest of K outputs)."""
        from tui_nn.engine.nn.insight import predicted_classes

        return None if self.predictions is None else predicted_classes(self.predictions)

    @property
    def target_classes(self) -> np.ndarray | None:
        """Each listed sample's target class (its 0/1 label, or the one-hot column that is set)."""
        if self.targets is None:
            return None
        return (self.targets[:, 0] > 0.5).astype(int) if self.targets.shape[1] == 1 else np.asarray(self.targets.argmax(axis=1))

    def prediction_table(self, fmt: Callable[[float], str]) -> tuple[str, list[tuple[str, str, str]]] | None:
        """What the tutorials print after training, as the log and the handouts both write it: the
        header and, per listed sample, (input, target, prediction). One output: the 0/1 target and
        `class (ŷ)`; K outputs: the target class and `class (p₀, …, p_K−1)`, the class the argmax."""
        if self.predictions is None or self.inputs is None or self.targets is None:
            return None
        if self.task is not None and self.task.regression:  # real targets: the prediction and its error, no class
            return "input | target | prediction (error ŷ − y)", [
                (
                    "(" + ", ".join(fmt(float(v)) for v in self.inputs[i]) + ")",
                    fmt(float(self.targets[i, 0])),
                    f"{fmt(float(p[0]))} ({fmt(float(p[0] - self.targets[i, 0]))})",
                )
                for i, p in enumerate(self.predictions)
            ]

        many = self.predictions.shape[1] > 1
        predicted, targets = self.predicted, self.target_classes
        assert predicted is not None and targets is not None
        rows: list[tuple[str, str, str]] = []
        for i, p in enumerate(self.predictions):
            x = "(" + ", ".join(fmt(float(v)) for v in self.inputs[i]) + ")"
            if many:
                rows.append((x, str(int(targets[i])), f"{int(predicted[i])} (" + ", ".join(f"{q:.4f}" for q in p) + ")"))
            else:
                target = ", ".join(fmt(float(v)) for v in self.targets[i])
                rows.append((x, target, ", ".join(f"{int(q > 0.5)} ({q:.4f})" for q in p)))
        return ("input | target | class (probabilities)" if many else "input | target | predicted (probability)"), rows

    @property
    def headline(self) -> str:
        """'trained epochs 12–40 (29 updates) · why it stopped', as the log and the handouts say it."""
        updates = self.last_epoch - self.first_epoch
        epochs = f"epoch {self.first_epoch}" if updates == 1 else f"epochs {self.first_epoch}–{self.last_epoch - 1}"
        return f"trained {epochs} ({updates} update{'' if updates == 1 else 's'}) · {self.reason}"

    ROWS = 64


@dataclass(frozen=True, eq=False)
class Entry:
    """One entry of the log. A `gap` stands for `hidden` steps applied but not listed."""

    kind: Literal["step", "note", "run", "gap"]
    step: Step | None = None
    text: str = ""  # a note's text; for a step, the plain sentence saying what it computes
    tone: Tone = "note"
    undoable: bool = False
    run: RunSummary | None = None
    hidden: int = 0


class Logbook:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.entries: deque[Entry] = deque(maxlen=max_entries)
        self.revision = 0  # changes on every edit: a renderer compares it to know when to redraw

    def add(self, entry: Entry) -> None:
        self.entries.append(entry)
        self.revision += 1

    def step(self, step: Step, words: str = "") -> None:
        self.add(Entry("step", step=step, text=words, undoable=True))

    def note(self, text: str, tone: Tone = "note", undoable: bool = False) -> None:
        self.add(Entry("note", text=text, tone=tone, undoable=undoable))

    def gap(self, hidden: int) -> None:
        """`hidden` steps were applied without being listed (a jump over a long pass)."""
        if hidden > 0:
            self.add(Entry("gap", hidden=hidden, undoable=True))

    def run(self, summary: RunSummary, tone: Tone) -> None:
        self.add(Entry("run", run=summary, tone=tone, undoable=True))

    def undo(self) -> Entry | None:
        """Take back the newest undoable entry (a gap shrinks by one step); return what went."""
        for index in range(len(self.entries) - 1, -1, -1):
            entry = self.entries[index]
            if not entry.undoable:
                continue
            if entry.kind == "gap" and entry.hidden > 1:
                self.entries[index] = replace(entry, hidden=entry.hidden - 1)
            else:
                del self.entries[index]
            self.revision += 1
            return entry
        return None

    def clear(self) -> None:
        self.entries.clear()
        self.revision += 1

    def steps(self) -> list[Step]:
        return [e.step for e in self.entries if e.step is not None]
