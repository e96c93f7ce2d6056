"""A training run's entry in the log: what the tutorials print after training, and why it stopped.

The Controller writes one entry when a run ends (a Train action, or a live run handed back): the epochs'
(epoch, loss, score) rows, the validation set's beside them with its clause (lowest at which epoch), the
final predictions when the data set is small enough to list, and a short line for the status bar.
"""

from __future__ import annotations

import numpy as np

from tui_nn.engine.live.reason_words import describe, headline, validation_words
from tui_nn.engine.live.reasons import RateTooHigh, StopReason, Stuck, TargetReached
from tui_nn.engine.nn.training import Trainer
from tui_nn.engine.session.build import Session
from tui_nn.engine.session.logbook import Logbook, RunSummary, Tone
from tui_nn.engine.teach.teaching import Said

STOP_TONES: dict[str, Tone] = {
    TargetReached.kind: "success",
    Stuck.kind: "warn",
    RateTooHigh.kind: "error",
    "diverged": "error",
}


def log_run(logbook: Logbook, session: Session, origin: int, reason: StopReason | None, error: str | None = None) -> Said:
    """One undoable log entry for the run from epoch `origin` (what the tutorials print after training);
    returns the status line: a short form of why it stopped.

    `error`: the run was stopped by an error (one line: what it was and where its report is)."""
    trainer = session.stepper.trainer
    last = trainer.epoch
    held_out = _validation_clause(trainer)
    task = session.data.task
    if error is not None:
        text = f"training stopped by an error at epoch {last}: {error}{held_out}"
        if last <= origin:
            logbook.note(text, "error")
        else:
            logbook.run(RunSummary(origin, last, text, *_run_rows(session, origin, last), task=task), "error")
        return text, "error"
    if last <= origin:
        logbook.note(f"no epoch completed (epoch {origin})", "note")
        return f"paused at epoch {origin} before completing an epoch", "info"
    tone: Tone
    if reason is None:
        text, tone = f"paused by you at epoch {last}", "info"
        short = text
    else:
        text, short = describe(reason, "keys"), headline(reason, "keys")
        tone = STOP_TONES[reason.kind]
    logbook.run(
        RunSummary(
            origin,
            last,
            text + held_out,
            *_run_rows(session, origin, last),
            validation=_run_validation(session, origin, last),
            task=task,
        ),
        tone,
    )
    return short, tone


def _run_history(session: Session, origin: int, last: int) -> np.ndarray:
    """The history's rows of the epochs from `origin` to `last`."""
    rows = session.stepper.history.rows()
    return rows[(rows[:, 0] >= origin) & (rows[:, 0] <= last)]


def _run_validation(session: Session, origin: int, last: int) -> np.ndarray | None:
    """(validation loss, accuracy) at the epochs _run_rows picks, or None without a validation set."""
    if session.stepper.trainer.validation is None:
        return None
    rows = _run_history(session, origin, last)
    return np.array(rows[_run_picks(len(rows))][:, 4:6])


def _validation_clause(trainer: Trainer) -> str:
    """' · validation loss … lowest … at epoch …' for a run's summary, or '' without a validation set."""
    best = trainer.best_validation()
    if best is None:
        return ""
    loss, accuracy = trainer.validate()
    training_fell = trainer.evaluate()[0] < best.training_loss
    return f" · {validation_words(best.epoch, best.loss, loss, accuracy, training_fell)}"


def _run_picks(count: int) -> np.ndarray:
    """Up to RunSummary.ROWS evenly spaced rows of a run's `count`, the first and last included."""
    return np.unique(np.linspace(0, count - 1, min(RunSummary.ROWS, count)).astype(int))


def _run_rows(
    session: Session, origin: int, last: int
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """(epoch, loss, accuracy) rows over the run, and the final predictions with their samples."""
    rows = _run_history(session, origin, last)
    picks = _run_picks(len(rows))
    data = session.data
    # a regression's table (target, prediction, error) is what a learner checks a fit by: listed up to ROWS samples
    listed = data.is_small or (data.task_kind.regression and data.size <= RunSummary.ROWS)
    if not listed:
        return rows[picks][:, :3].copy(), None, None, None
    return rows[picks][:, :3].copy(), session.net.predict(data.x), data.x.copy(), data.y.copy()
