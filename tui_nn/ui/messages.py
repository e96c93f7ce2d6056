"""Messages from the training worker to the app."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from tui_nn.engine.view import View


class TrainingProgress(Message):
    """A fresh View from the training thread; a newer one replaces any not yet drawn."""

    def __init__(self, view: View, epochs: int) -> None:
        super().__init__()
        self.view = view
        self.epochs = epochs

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, TrainingProgress)


@dataclass
class TrainingStopped(Message):
    """The training thread has finished; `reason` is why it stopped (None: the user paused)."""

    first_epoch: int
    last_epoch: int
    reason: str | None
