"""The live run's lifecycle on the app's side: T starts and stops it, its frames, its end, what waits for it."""

from __future__ import annotations

from tui_nn.engine.live.reason_words import training_on_anyway
from tui_nn.engine.session import actions as act
from tui_nn.engine.session.config import Config
from tui_nn.engine.session.controller import Message, Outcome
from tui_nn.ui.shell.app_base import AppBase
from tui_nn.ui.shell.lifecycle import write_report
from tui_nn.ui.shell.live import LiveTraining, TrainingFailed, TrainingProgress, TrainingStopped


class AppLive(AppBase):
    """Live training started, drawn and stopped; settings, which wait for a run to stop."""

    def action_train(self) -> None:
        if self.live is not None:
            self.live.stop()
            return
        self._stop_playing()
        target: float | None = self.target_loss
        current = self.view.current_loss
        if current is not None and current < self.target_loss:
            self.controller.logbook.note(f"target {self.target_loss:g} reached: T trains on past it", "info")
            target = None
        found = self.controller.diagnosis()
        check_stuck = found is None
        if found is not None:
            self.controller.logbook.note(training_on_anyway(found), "info")
        run = self.controller.start_training(target, check_stuck)
        self.live = LiveTraining(self.controller, run, self.pace, self)
        self.training = True
        self.say(None)
        self.draw()
        self.live.start()

    def _training_error(self, error: BaseException) -> str:
        """A crash report for an error that stopped training, and the one line that says it: what
        it was and where the report is (the training process's traceback goes in the report)."""
        context = [*self.crash_context(), f"live training stopped at epoch {self.controller.stepper.trainer.epoch}"]
        if isinstance(error, TrainingFailed):
            context += ["", "in the training process:", error.traceback.rstrip()]
        report = write_report(error, context)
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        what = first if isinstance(error, TrainingFailed) else f"{type(error).__name__}: {first}".rstrip(": ")
        where = f"report in {report}" if report is not None else "no report could be written"
        return f"{what} ({where}); the session is kept"

    def on_training_progress(self, message: TrainingProgress) -> None:
        if self.live is not None and self.is_running:  # not while shutting down: the panes are gone
            self.draw(message.view)

    def on_training_stopped(self, message: TrainingStopped) -> None:
        live, self.live = self.live, None
        assert live is not None
        error = None if message.error is None else self._training_error(message.error)
        outcome: Outcome = self.controller.stop_training(live.run, message.reason, error)
        if not self.is_running:  # shutting down: the screens, the panes and the bindings are gone
            self.set_reactive(AppBase.training, False)
            return
        self.training = False
        self.say(outcome.message)
        after, self._after_training = self._after_training, None
        if error is not None:  # what was to follow the run (a key pressed during it) waits for the learner
            after = None
        if after is not None:
            self.message = ""
            self.draw()  # the run is over on screen too (its status line), before what follows it opens or steps
            after()
        else:
            self.draw()

    def action_settings(self) -> None:
        def open_settings() -> None:
            from tui_nn.ui.screens.settings import SettingsScreen

            self.push_screen(SettingsScreen(self.session.config), self._settings_closed)

        if self.live is not None:
            self._after_training = open_settings
            self.live.stop()
            return
        open_settings()

    def _settings_closed(self, config: Config | None) -> None:
        if config is None:
            self.say(Message("settings unchanged", "info"))
            self.draw(self.view)
            return
        self.dispatch(act.Rebuild(config))
