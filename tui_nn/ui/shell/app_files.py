"""Saving and exporting (tui_nn.engine.session.saving writes the files; the app only says what it wrote) and
quitting with unsaved training."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_nn.engine.session.controller import Message
from tui_nn.ui.panes.log import CalcLog
from tui_nn.ui.shell.app_base import AppBase

if TYPE_CHECKING:
    from tui_nn.engine.session.saving import Filed, SessionFiles


class AppFiles(AppBase):
    """s, S, the exports and the screenshot; q and the warning about training no save holds."""

    def _files(self) -> SessionFiles:
        from tui_nn.engine.session.saving import SessionFiles  # the file modules are not needed to start

        return SessionFiles(self.controller, self.view)  # the view: a consistent copy, even while training runs

    def _filed(self, filed: Filed) -> None:
        self.say(filed.message)
        if filed.holds_weights:
            self._mark_saved()
        self.draw(self.view)

    def action_save(self) -> None:
        self._filed(self._files().save_network(self.save_to))

    def action_export(self, kind: str, words: bool | None = None) -> None:
        """The calculation log so far as Markdown (LaTeX math), LaTeX or text, with the sentences
        the log says when its words are on (`words` overrides: the palette's "without the words")."""
        from tui_nn.engine.session.export import FORMATS

        fmt = next(f for f in FORMATS if f == kind)
        with_words = self.query_one(CalcLog).show_words if words is None else words
        self._filed(self._files().export_log(fmt, with_words))

    def action_save_screen(self) -> None:
        self._filed(self._files().save_screen(self.export_screenshot(title=f"tui-nn · {self.session.describe()}")))

    def action_save_session(self) -> None:
        self._filed(self._files().save_recording())

    async def action_quit(self) -> None:
        # A recording being replayed loses nothing (its file replays it again), and its status promises "q quits".
        if self.replay_run is None and self._warned_of_unsaved_training():
            return
        if self.live is not None:
            self.live.stop()
        self.exit()

    def _unsaved_training(self) -> bool:
        """Trained weights that no s or S has saved (a run, a lesson, steps by hand): quitting loses them."""
        view = self.view  # (the training thread owns the engine while it runs: its last frame)
        saved, now = self._saved_params, view.snapshot.params
        return view.epoch > 0 and (saved.shape != now.shape or bool((saved != now).any()))

    def _mark_saved(self) -> None:
        self._saved_params = self.view.snapshot.params.copy()
        self._quit_warned = False

    def _warned_of_unsaved_training(self) -> bool:
        """The first q with unsaved training says so (once) instead of quitting; the next q quits."""
        if self._quit_warned or not self._unsaved_training():
            return False
        self._quit_warned = True
        # while training goes on the epoch moves under the message: name none then
        trained = "the weights being trained are" if self.live is not None else f"epoch {self.view.epoch:,}'s trained weights are"
        text = f"{trained} not saved: s saves · q again quits"
        self.say(Message(text, "warn"))
        if len(self.screen_stack) > 1:  # the status line is under the open screen
            self.notify(text, severity="warning")
        self.draw(self.view)
        return True
