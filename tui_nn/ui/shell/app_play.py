"""Playing by itself: the walk's micro-steps and a recording's actions, each through one Player."""

from __future__ import annotations

import time

from tui_nn.engine.live.reasons import StopReason
from tui_nn.engine.session import actions as act
from tui_nn.engine.session.controller import Message
from tui_nn.engine.session.playback import next_slice_epochs, next_speed
from tui_nn.ui.screens.teach import QuestionScreen
from tui_nn.ui.shell.app_base import AppBase
from tui_nn.ui.shell.live import DEFAULT_PACE, PACES, pace_text


class AppPlayback(AppBase):
    """The walk and a recording, played; a long recorded run trained in slices between frames."""

    def _replay_step(self) -> None:
        """Apply the next recorded action (while playing, the player calls this)."""
        if not self.replay_queue:
            self._stop_replay()
            return
        if self.replay_run is not None:  # a recorded run is still training: the next action waits for it
            return
        cue = self.replay_queue.take(self.session, training_live=self.live is not None)
        if cue.problem is not None:
            self._stop_replay()
            self.say(
                Message(f"replay stopped: actions[{cue.index}] ({cue.action.name}) cannot be applied: {cue.problem}", "error")
            )
            self.draw(self.view)
            return
        if cue.sliced_epochs is not None:
            self._replay_train(cue.sliced_epochs)
            return
        self.dispatch(cue.action, by_player=True)
        self._replay_finished()

    def _replay_finished(self) -> None:
        if not self.replay_queue:
            self._stop_replay()
            if isinstance(self.screen, QuestionScreen):  # the recording ended on a question: it is the learner's now
                self.screen.replaying = False
            self.say(Message("replay finished: the session is yours from here", "success"))
            self.draw(self.view)

    def _replay_train(self, epochs: int) -> None:
        """A recorded run of many epochs, trained in slices between frames so the app keeps
        answering (q quits) however long it is. It is the same run as Train applied at once: the
        same epochs by the same trainer, one undoable step, one recorded Train."""
        run = self.controller.start_training(target_loss=None, check_stuck=False)
        self.replay_run = (run, epochs)
        self.set_timer(0.01, self._replay_slice)

    def _replay_slice(self) -> None:
        if self.replay_run is None or self._exit:
            return
        run, epochs = self.replay_run
        remaining = epochs - (self.stepper.trainer.epoch - run.origin_epoch)  # a pass under way counts, as in Train
        stopped: StopReason | None = None
        if remaining > 0:
            started = time.perf_counter()
            result = self.controller.train(run, min(remaining, self._slice_epochs))
            self._slice_epochs = next_slice_epochs(self._slice_epochs, time.perf_counter() - started)
            stopped, remaining = result.stopped, remaining - result.epochs
        if stopped is None and remaining > 0:
            self.say(Message(f"replaying a training run: {epochs - remaining:,} of {epochs:,} epochs (q quits)", "info"))
            self.draw()
            self.set_timer(0.01, self._replay_slice)
            return
        self.replay_run = None
        outcome = self.controller.stop_training(run, stopped)
        if stopped is None:  # the whole recorded run: not "paused by you", as a key's run stopped by hand says
            self.say(Message(f"replayed a training run of {epochs:,} epochs: epoch {self.stepper.epoch}", "info"))
        else:
            self.say(outcome.message)
        self.draw()
        self._replay_finished()

    def _stop_replay(self) -> None:
        self.replayer.pause()

    def action_play(self) -> None:
        """Play the micro-step walk by itself (forward, loss, backward, update, sample after sample);
        while a recording is loaded, play or pause the recording instead."""
        if self.replay_queue:
            if self.replayer.playing:
                self._stop_replay()
                self.say(Message(f"replay paused ({len(self.replay_queue)} actions to go): → applies the next, p plays", "info"))
            else:
                self.replayer.play(self.walk_speed)
                self.say(Message("replaying: p pauses", "info"))
            self.draw(self.view)
            return
        if self.player.playing:
            self._stop_playing()
            self.say(Message("walk paused: → steps on by hand, p plays again", "info"))
            self.draw(self.view)
            return
        if self.live is not None:
            self._after_training = self.action_play
            self.live.stop()
            return
        self.player.play(self.walk_speed)
        self.say(Message(f"playing the walk at {self.walk_speed:g} steps a second · p pauses · [ ] slower/faster", "info"))
        self.draw(self.view)

    def _play_step(self) -> None:
        self.dispatch(act.Next(), by_player=True)

    def _stop_playing(self) -> None:
        self.player.pause()

    def action_pace(self, direction: int) -> None:
        """Slower ([) or faster (]): the walk's speed while it plays, otherwise live training's pace."""
        if self.player.playing:
            self.walk_speed = next_speed(self.walk_speed, direction)
            self.player.play(self.walk_speed)
            self.say(Message(f"playing the walk at {self.walk_speed:g} steps a second · p pauses", "info"))
            self.draw(self.view)
            return
        k = PACES.index(self.pace) if self.pace in PACES else PACES.index(DEFAULT_PACE)
        self.pace = PACES[min(max(k + direction, 0), len(PACES) - 1)]
        if self.live is not None:
            self.live.set_pace(self.pace)
        self.say(Message(f"pace {pace_text(self.pace)} (epochs a second while training)", "info"))
        self.draw(self.view)
