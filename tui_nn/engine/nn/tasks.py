"""What a network is asked to do with its data: classify (a class per sample) or regress (a real value).

A Task is one object, as an activation or a loss is: what differs between the two (the score a run
is judged by and its words, the output activation a loss goes with) is a field here, and nothing
else compares the task's name. `Dataset.task` names it; `TASKS[name]` is the object.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tui_nn.engine.nn.activations import ACTIVATIONS
from tui_nn.engine.nn.losses import LOSS_NAMES, loss_kind
from tui_nn.engine.nn.network import accuracy


def r_squared(outputs: np.ndarray, y: np.ndarray) -> float:
    """R² = 1 − SS_res/SS_tot, SS_res = Σ(ŷ − y)², SS_tot = Σ(y − ȳ)² (ȳ each target column's mean).

    1 for a perfect fit, 0 for predicting the mean, below 0 for worse than that; NaN where the
    targets do not vary (SS_tot = 0: there is nothing to explain) or a prediction is not finite.
    """
    with np.errstate(all="ignore"):
        residual = np.asarray(outputs, dtype=np.float64) - y
        ss_res = float(np.vdot(residual, residual))
        spread = y - y.mean(axis=0)
        ss_tot = float(np.vdot(spread, spread))
    if not (ss_tot > 0.0 and math.isfinite(ss_res)):
        return math.nan
    return 1.0 - ss_res / ss_tot


def _accuracy_score(outputs: np.ndarray, y: np.ndarray) -> float:
    """The fraction right: the argmax against the one-hot class for K classes (y has K columns), else ŷ > 0.5
    against y > 0.5 per output (the data sets give a sigmoid output one 0/1 column)."""
    return accuracy(outputs, y, one_of_k=y.shape[1] > 1)


def _percent(value: float) -> str:
    return f"{value:.0%}".replace("%", " %") if math.isfinite(value) else "—"


def _r2_text(value: float) -> str:
    return f"R² {value:.3f}" if math.isfinite(value) else "R² —"


@dataclass(frozen=True)
class Task:
    """Classification or regression: the score a run is judged by, its words, and the output it needs."""

    name: str
    title: str
    """How a sentence names it ("classification")."""
    score_title: str
    """The score's name in a column, a chart or a sentence ("accuracy", "R²")."""
    score: Callable[[np.ndarray, np.ndarray], float]
    """The score of the outputs ŷ (N, outputs) against the targets y: the accuracy, or R² = 1 − SS_res/SS_tot."""
    score_text: Callable[[float], str]
    """A score as a status line shows it ("75 %", "R² 0.982"; "—" when it is not a number)."""
    regression: bool
    """The targets are real values (a linear output), not classes."""
    score_note: str
    """What the score means, in one sentence (the help, a report)."""
    score_key: str
    """The score's key in a JSON line ("accuracy", "r2"; "val_" before it for the validation set's)."""
    score_number: Callable[[float], str]
    """The score's number alone, as a log column shows it ("75%", "0.9823")."""

    def output_activation(self, loss: str) -> str:
        """The output activation `loss` goes with for this task: a regression's is linear, a
        classification's the one the loss is defined on (a sigmoid, or a softmax for ce)."""
        if self.regression:
            return loss_kind(loss, ACTIVATIONS["linear"].name).output_activation
        return LOSS_NAMES[loss].output_activation

    def fits(self, loss: str) -> bool:
        """Whether `loss` has an object for this task's output (mae and bce do not cross over)."""
        try:
            kind = loss_kind(loss, self.output_activation(loss))
        except KeyError:
            return False
        return kind.regression == self.regression


CLASSIFY = Task(
    "classify",
    "classification",
    "accuracy",
    _accuracy_score,
    _percent,
    regression=False,
    score_note="accuracy: the fraction of samples whose predicted class is their target's",
    score_key="accuracy",
    score_number=lambda value: f"{value:.0%}",
)

REGRESS = Task(
    "regress",
    "regression",
    "R²",
    r_squared,
    _r2_text,
    regression=True,
    score_note="R² = 1 − Σ(ŷ − y)²/Σ(y − ȳ)²: 1 for a perfect fit, 0 for predicting the mean, below 0 for worse",
    score_key="r2",
    score_number=lambda value: f"{value:.4f}",
)

TASKS: dict[str, Task] = {task.name: task for task in (CLASSIFY, REGRESS)}
TASK_NAMES = tuple(TASKS)
