"""The controller: applies user actions to a session, keeps the log in step, records for replay.

Data flows one way: a key, click, palette entry, lesson chapter or replay produces an Action;
`Controller.apply` changes the session and the logbook and returns an Outcome (a message, and
whether the network's shape changed); the UI then captures a View and draws it. Nothing here
imports a UI. Every change a learner can make is one step back away: a micro-step, a run, a pin
and an edit through the stepper's undo chain; a rebuild, reset or reseed through the stack of
earlier sessions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from tui_nn.engine.live.diagnostics import trainer_diagnosis
from tui_nn.engine.live.live_run import STUCK_CHECK as STUCK_CHECK  # (where it lived before the one live-run loop)
from tui_nn.engine.live.live_run import StuckCheck, train_epochs
from tui_nn.engine.live.reason_words import health_line
from tui_nn.engine.live.reasons import Diagnosis, StopReason
from tui_nn.engine.nn.datasets import Dataset
from tui_nn.engine.nn.training import Checkpoint, RunResult
from tui_nn.engine.session import actions as act
from tui_nn.engine.session import config as cfg
from tui_nn.engine.session.build import Session, build
from tui_nn.engine.session.config import MAX_LR, MAX_PARAMETER, MIN_LR, Config, ConfigError
from tui_nn.engine.session.landscape_choice import LandscapeChoice, LandscapeChooser
from tui_nn.engine.session.logbook import Logbook, Tone
from tui_nn.engine.session.persist import NetworkFileError
from tui_nn.engine.session.run_log import log_run
from tui_nn.engine.session.view import View, capture
from tui_nn.engine.teach.teaching import ChapterOpened, LessonView, Said, Settled, Teaching, TeachingFrame
from tui_nn.engine.walk.explain import (
    Element,
    ParameterStory,
    ParamTrail,
    UnitStory,
    WhatIf,
    explain_parameter,
    explain_unit,
    what_if,
)
from tui_nn.engine.walk.notation import parameter_label, parse_parameter
from tui_nn.engine.walk.records import Step
from tui_nn.engine.walk.stepper import Jump, Stepper, Undone

if TYPE_CHECKING:  # loaded when first used: the app's first frame needs none of them
    from tui_nn.engine.live.race import Entrant, Race
    from tui_nn.engine.nn.gradcheck import GradCheck
    from tui_nn.engine.session.replay import Recording

LOG_TAIL = 200  # steps listed when a jump applies more than that
SESSIONS_KEPT = 20  # earlier sessions a step back can return to (each rebuild or reset adds one)


@dataclass(frozen=True)
class Message:
    """A line for the status bar, with its tone (the UI picks the colour)."""

    text: str
    tone: Tone = "info"


@dataclass(frozen=True)
class Outcome:
    message: Message | None = None
    rebuilt: bool = False  # the session was replaced: the UI rebuilds its panes
    what_if: WhatIf | None = None  # a parameter changed: the loss and ŷ before and after
    view: LessonView | None = None  # a lesson chapter opened that shows this view


@dataclass
class LiveRun:
    """A live training run in progress (owned by the training thread until it stops)."""

    jump: Jump
    origin_epoch: int
    segment_start: int  # the epoch the current recorded Train(…) segment began at
    target_loss: float | None
    check_stuck: bool = True  # stop when the loss goes flat on a network that has not learned
    pending_lr: list[float] = field(default_factory=list)  # η changes the training has not applied yet
    asked_lr: float | None = None  # the newest η asked for during the run (+ twice in a row is ×4)


class Controller:
    def __init__(self, session: Session, target_loss: float = 1e-3, stored_data: dict[str, Dataset] | None = None) -> None:
        """`stored_data`: a replay's data sets by the path their settings name; settings naming
        one use its stored rows instead of reading the file (which may be elsewhere, or changed)."""
        self.session = session
        self._stored_data = stored_data or {}
        # every CSV data set used, as its settings name it: a recording stores them
        self.data_files: dict[str, Dataset] = dict(self._stored_data)
        if session.config.data:
            self.data_files[session.config.data] = session.all_data
        self.initial_config = session.config  # what a recording starts from
        self.target_loss = target_loss
        self.logbook = Logbook()
        self.record: list[act.Action] = []
        self.live: LiveRun | None = None
        self._earlier: list[Session] = []
        self._noted: set[str] = set()  # diagnosis kinds already written to the log
        self.trail = ParamTrail()  # every parameter's value over the epochs seen, for the inspector
        self._trail_of = session  # the session the trail follows: another network starts a new one
        self.teaching = Teaching()  # the quiz and the lesson: changed by their actions, like the rest
        self._landscape = LandscapeChooser()  # what the loss landscape shows: changed by its actions
        if session.origin is not None:
            self.logbook.note(session.origin, "info")
        self.logbook.note(session.describe(), "bold")

    @property
    def landscape(self) -> LandscapeChoice:
        """What the loss landscape shows now (the UI names the slice's axes from it)."""
        return self._landscape.choice

    @property
    def stepper(self) -> Stepper:
        return self.session.stepper

    def recording(self) -> Recording:
        """Everything needed to play this session back: the starting settings and every action."""
        from tui_nn.engine.session.replay import Recording

        return Recording(
            self.initial_config, self.target_loss, self.stepper.fmt.digits, tuple(self.record), dict(self.data_files)
        )

    def _build(self, config: Config, same_data: bool = False) -> Session:
        """A new session for `config`, its data from the replay's stored rows when there are some.
        `same_data`: new weights on the data set already read from that file (a new seed must not
        pick up an edit made to the file since), so the recording's one copy of it stays true."""
        known = self.data_files if same_data else self._stored_data
        stored = known.get(config.data) if config.data else None
        session = build(config, data=stored, digits=self.stepper.fmt.digits)
        if config.data:
            self.data_files[config.data] = session.all_data
        return session

    def view(self, with_values: bool = True, since: np.ndarray | None = None) -> View:
        view = capture(self.stepper, with_values, since)
        if self.session is not self._trail_of:  # new settings, a reset, your own input, or undoing one
            self.trail, self._trail_of = ParamTrail(), self.session
            self._landscape.path_lost()
        self.trail.record(view.epoch, view.snapshot.params)
        markers = self.session.markers
        while markers and markers[-1][0] > view.epoch:  # stepped back before it
            markers.pop()
        return replace(
            view,
            markers=tuple(markers),
            landscape_request=self._landscape.request(self.session, self.trail, view.snapshot.params),
        )

    def race(self, entrants: tuple[Entrant, ...] | None = None) -> Race:
        """An optimizer race from the current weights on the session's data, batches and seed (SGD at η and 4η,
        momentum at η, Adam at η/10 unless `entrants` says otherwise). It trains copies: the session stays as it is."""
        from tui_nn.engine.live.race import Race, default_entrants

        config = self.session.config
        chosen = entrants if entrants is not None else default_entrants(self.stepper.lr)
        return Race(self.session.net, self.session.data, chosen, config.batch, config.seed)

    def _mark(self, label: str) -> None:
        self.session.markers.append((self.stepper.trainer.epoch, label))

    def explain(self, element: Element) -> ParameterStory | UnitStory:
        """The inspector's derivation of a selected parameter or unit, at the current state."""
        if element.kind == "unit":
            return explain_unit(self.stepper, element)
        return explain_parameter(self.stepper, element, self.trail)

    def gradient_check_job(self) -> Callable[[], GradCheck]:
        """The central-difference check of every parameter at the current weights on the whole
        data set (what `tui-nn gradcheck` prints), as a job for a worker thread: it works on a
        copy, so the learner can step on while it runs."""
        from tui_nn.engine.nn.gradcheck import check

        net, data = self.session.net.copy(), self.session.data
        names = [parameter_label(net, k) for k in range(net.n_params)]  # both names: b_h2 (b1[1])
        return lambda: check(net, data.x, data.y, names)

    def note_diagnoses(self, view: View) -> None:
        """Write each diagnosis to the log when it first appears (again only after it went away)."""
        current = {d.kind: d for d in view.diagnostics}
        for kind, diagnosis in current.items():
            if kind not in self._noted:
                self.logbook.note(f"⚠ {health_line(diagnosis, 'keys')}", "warn")
        self._noted = set(current)

    # --- applying actions ------------------------------------------------------------

    def apply(self, action: act.Action) -> Outcome:
        """Apply one action and record it. While a live run owns the engine only η may change."""
        if self.live is not None:
            if isinstance(action, act.ScaleLR | act.SetLR):
                return self._change_lr(action)
            if isinstance(action, act.LANDSCAPE_ACTIONS):
                outcome = self._perform(action)
                self.record.append(action)
                return outcome
            raise RuntimeError(f"{action.name} while training: stop training first")
        outcome = self._perform(action)
        self.record.append(action)
        return outcome

    def _perform(self, action: act.Action) -> Outcome:
        """Apply one action without recording it (a lesson chapter's actions: its NextChapter is recorded)."""
        return self.HANDLERS[type(action)](self, action)

    def _log(self, steps: list[Step]) -> None:
        shown = steps[-LOG_TAIL:]
        self.logbook.gap(len(steps) - len(shown))
        self._log_listed(shown)

    def _log_listed(self, shown: Iterable[Step]) -> None:
        # A finished phase lists many steps of one kind (w11, w12 … updated alike): the sentence
        # is said once per kind, under the first, not repeated under each.
        explained: set[str] = set()
        for step in shown:
            if step.kind in explained:
                self.logbook.step(step)
            else:
                explained.add(step.kind)
                self._log_step(step)

    def _log_step(self, step: Step) -> None:
        """A step goes into the log with the sentence that says what it computes."""
        from tui_nn.engine.walk.words import sentence

        self.logbook.step(step, sentence(step, self.session.net))

    def _do_next(self, _: act.Action) -> Outcome:
        self._log_step(self.stepper.step())
        return Outcome()

    def _do_forward(self, _: act.Action) -> Outcome:
        nxt = self.stepper.peek()
        if nxt.phase == "forward":
            return self._do_next(_)
        if nxt.sample is not None:
            return Outcome(
                Message(f"the forward pass of sample {nxt.sample + 1} is done: press b for its backward pass (or →)", "warn")
            )
        return Outcome(Message("every forward and backward pass of this batch is done: press → or e to apply the update", "warn"))

    def _do_backward(self, _: act.Action) -> Outcome:
        nxt = self.stepper.peek()
        if nxt.phase == "forward":
            sample = nxt.sample + 1 if nxt.sample is not None else 1
            return Outcome(
                Message(f"the forward pass of sample {sample} is not done yet: press f (or F to finish it) first", "warn")
            )
        if nxt.sample is None:
            return Outcome(Message("every backward pass of this batch is done: press → or e to apply the update", "warn"))
        return self._do_next(_)

    def _do_finish_forward(self, _: act.Action) -> Outcome:
        steps = self.stepper.finish_forward()
        self._log(steps)
        if not steps:
            return Outcome(Message(f"no forward pass under way: the next step is {self.stepper.peek().phase}", "warn"))
        return Outcome()

    def _do_finish_backward(self, _: act.Action) -> Outcome:
        if self.stepper.peek().phase == "forward":
            return Outcome(Message("the forward pass is not done yet: press F to finish it, then B", "warn"))
        steps = self.stepper.finish_backward()
        self._log(steps)
        if not steps:
            return Outcome(Message("every backward pass of this batch is done: press → or e to apply the update", "warn"))
        return Outcome()

    def _do_finish_epoch(self, _: act.Action) -> Outcome:
        finished, start = self.stepper.finish_pass()
        shown = max(start, finished.total - LOG_TAIL)
        self.logbook.gap(shown - start)
        self._log_listed(self.stepper.records(finished, shown, finished.total))
        return Outcome()

    def _do_back(self, _: act.Action) -> Outcome:
        undone = self.stepper.back()
        if undone is not None:
            self.logbook.undo()
            return Outcome(self._undone_message(undone))
        if not self._earlier:
            return Outcome(Message("nothing older to step back to", "warn"))
        self.session = self._earlier.pop()
        self.logbook.undo()
        return Outcome(Message(f"back to the network before: {self.session.describe()}", "info"), rebuilt=True)

    @staticmethod
    def _undone_message(undone: Undone) -> Message | None:
        arrival = undone.arrival
        if arrival is None:
            return None
        if arrival.kind == "jump" and undone.epochs is not None:
            return Message(f"undid the training run: back to epoch {undone.epochs[0]}", "info")
        return Message(f"undone: {arrival.description}", "info")

    def _do_train(self, action: act.Action) -> Outcome:
        assert isinstance(action, act.Train)
        origin = self.stepper.epoch
        result = self.stepper.run_epochs(action.epochs)
        return Outcome(Message(*log_run(self.logbook, self.session, origin, result.stopped)))

    def _do_pin(self, action: act.Action) -> Outcome:
        assert isinstance(action, act.Pin)
        size = self.session.data.size
        if action.sample is not None and not 1 <= action.sample <= size:
            return Outcome(Message(f"there is no sample {action.sample}: this data set has samples 1–{size}", "warn"))
        sample = None if action.sample is None else action.sample - 1
        if sample == self.stepper.focus:
            return Outcome()
        set_aside = self.stepper.position
        self.stepper.set_focus(sample)
        what = "the whole batch" if sample is None else f"sample {action.sample} alone"
        restart = f" (this pass starts again; its {set_aside} steps are one ← away)" if set_aside else ""
        self.logbook.note(f"walking {what}{restart}", "focus", undoable=True)
        return Outcome(Message(f"now walking {what}", "focus"))

    def _do_scale_lr(self, action: act.Action) -> Outcome:
        assert isinstance(action, act.ScaleLR)
        return self._change_lr(action)

    def _do_set_lr(self, action: act.Action) -> Outcome:
        assert isinstance(action, act.SetLR)
        return self._change_lr(action)

    def _change_lr(self, action: act.ScaleLR | act.SetLR) -> Outcome:
        live = self.live
        old = live.asked_lr if live is not None and live.asked_lr is not None else self.stepper.lr
        new = old * action.factor if isinstance(action, act.ScaleLR) else action.lr
        if not (math.isfinite(new) and MIN_LR <= new <= MAX_LR):
            return Outcome(Message(f"η stays {old:g}: {cfg.lr_refusal(f'{new:g}')}", "warn"))
        if live is not None:
            live.pending_lr.append(new)  # the training applies it between slices
            live.asked_lr = new
        else:
            self.stepper.set_lr(new)
        self.session.config = self.session.config.with_changes(lr=new)
        self._mark(f"η×{new / old:g}" if isinstance(action, act.ScaleLR) else f"η={new:g}")
        self.logbook.note(f"learning rate η: {old:g} → {new:g} (network kept)", "bold")
        return Outcome(Message(f"η = {new:g}", "info"))

    def _replace_session(self, session: Session, what: str) -> Outcome:
        self._earlier.append(self.session)
        del self._earlier[:-SESSIONS_KEPT]
        self.session = session
        self.logbook.note(f"{what}: {session.describe()} · epoch 0 (← goes back)", "focus", undoable=True)
        return Outcome(Message(f"{what}: network at epoch 0", "focus"), rebuilt=True)

    def _do_rebuild(self, action: act.Action) -> Outcome:
        assert isinstance(action, act.Rebuild)
        try:
            session = self._build(action.config)
        except (ConfigError, NetworkFileError, ValueError) as error:
            return Outcome(Message(f"settings not applied: {error}", "error"))
        return self._replace_session(session, "rebuilt the network")

    def _do_reset(self, _: act.Action) -> Outcome:
        return self._replace_session(self.session.restarted(), "reset")

    def _do_reseed(self, action: act.Action) -> Outcome:
        assert isinstance(action, act.Reseed)
        config = self.session.config.with_changes(seed=action.seed, weights=None)
        return self._replace_session(self._build(config, same_data=True), f"new seed {action.seed}")

    def _do_set_param(self, action: act.Action) -> Outcome:
        assert isinstance(action, act.SetParam)
        net = self.session.net
        try:
            index = parse_parameter(net, action.param)
        except ValueError as error:
            return Outcome(Message(str(error), "warn"))
        if not (math.isfinite(action.value) and abs(action.value) <= MAX_PARAMETER):
            return Outcome(
                Message(f"{action.value:g} is refused: a parameter must be a finite number within ±{MAX_PARAMETER:g}", "warn")
            )
        params = self.stepper.current.start_params.copy()
        before = float(params[index])
        params[index] = action.value
        label = parameter_label(net, index)
        return self._edit(
            params, f"{label} set from {before:g} to {action.value:g}", f"what if {label} = {action.value:g} (was {before:g})"
        )

    def _edit(self, params: np.ndarray, description: str, note: str) -> Outcome:
        """A what-if change: the pass starts again from `params`; the comparison goes with it."""
        data, start = self.session.data, self.stepper.current.start_params.copy()
        comparison = what_if(self.session.net, start, params, data.x, data.y)
        self.stepper.edit(params, description)
        self._mark("edit")
        self.logbook.note(
            f"{note}: loss {comparison.loss_before:.4f} → {comparison.loss_after:.4f}; this pass starts again (u or ← undoes it)",
            "focus",
            undoable=True,
        )
        return Outcome(Message(f"{description} (u or ← undoes it)", "focus"), what_if=comparison)

    def _do_custom_sample(self, action: act.Action) -> Outcome:
        """Your own input: a session walking (x, y) alone from the current pass's weights, as
        `trace --input` does; the session it replaces (data set, position, history) is one ← away."""
        from tui_nn.engine.walk.own_input import check_input, input_session, prediction_text

        assert isinstance(action, act.CustomSample)
        net = self.session.net
        problem = check_input(action.x, action.y, net.sizes[0], net.sizes[-1], net.loss_kind)
        if problem is not None:
            return Outcome(Message(f"your input is not walked: {problem}", "warn"))
        fmt = self.stepper.fmt
        shown = f"x = ({', '.join(fmt(v) for v in action.x)}), target {', '.join(fmt(v) for v in action.y)}"
        shown += f": the network predicts {prediction_text(net, action.x, self.stepper.current.start_params, fmt)}"
        self._earlier.append(self.session)
        del self._earlier[:-SESSIONS_KEPT]
        self.session = input_session(self.session, action.x, action.y)
        self.logbook.note(f"your input: {shown}, from the current weights (← returns to the data set)", "focus", undoable=True)
        return Outcome(Message(f"walking your input {shown} (← returns to the data set)", "focus"), rebuilt=True)

    def _do_knock_out(self, action: act.Action) -> Outcome:
        assert isinstance(action, act.KnockOut)
        net = self.session.net
        if not 1 <= action.layer < net.n_layers or not 1 <= action.unit <= net.sizes[action.layer]:
            return Outcome(Message(f"there is no hidden unit {action.unit} in hidden layer {action.layer}", "warn"))
        params = self.stepper.current.start_params.copy()
        net.weights(action.layer, params)[action.unit - 1, :] = 0.0
        unit = self.stepper.narrator.names.unit(action.layer, action.unit - 1)
        return self._edit(params, f"knocked out {unit}", f"knocked out {unit} (every weight leaving it is 0)")

    # --- teaching: the quiz and the lesson (their logic: engine/teaching.py) ------------------
    # An answer to a step's question reveals the step: one Answer, one step (← undoes the step,
    # the score stays). A chapter's actions are applied by its turn and recorded as that turn.

    def teaching_frame(self) -> TeachingFrame:
        """What the question panel and the lesson's page show now."""
        return self.teaching.frame()

    def _do_quiz(self, action: act.Action) -> Outcome:
        assert isinstance(action, act.QuizMode)
        return Outcome(Message(*self.teaching.set_quiz(action.on)))

    def _do_ask(self, _: act.Action) -> Outcome:
        return Outcome(Message(*self.teaching.ask(self.stepper)))

    def _do_ask_chapter(self, _: act.Action) -> Outcome:
        return Outcome(Message(*self.teaching.ask_chapter(self.stepper)))

    def _do_answer(self, action: act.Action) -> Outcome:
        assert isinstance(action, act.Answer)
        return self._settled(self.teaching.answer(action.text))

    def _do_skip(self, _: act.Action) -> Outcome:
        return self._settled(self.teaching.skip())

    def _do_hint(self, _: act.Action) -> Outcome:
        return Outcome(Message(*self.teaching.hint()))

    def _settled(self, result: Settled | Said) -> Outcome:
        if not isinstance(result, Settled):
            return Outcome(Message(*result))
        if result.note is not None:
            self.logbook.note(*result.note)
        if result.reveals_step:
            self._do_next(act.Next())
        return Outcome(Message(*result.said))

    def _do_open_lesson(self, action: act.Action) -> Outcome:
        assert isinstance(action, act.OpenLesson)
        return self._chapter_opened(self.teaching.open_lesson(action.lesson, action.markdown))

    def _do_next_chapter(self, _: act.Action) -> Outcome:
        return self._chapter_opened(self.teaching.turn(1))

    def _do_previous_chapter(self, _: act.Action) -> Outcome:
        return self._chapter_opened(self.teaching.turn(-1))

    def _chapter_opened(self, result: ChapterOpened | Said) -> Outcome:
        if not isinstance(result, ChapterOpened):
            return Outcome(Message(*result))
        rebuilt = False
        for action in result.actions:
            rebuilt = self._perform(action).rebuilt or rebuilt
        return Outcome(Message(*result.said), rebuilt=rebuilt, view=result.view)

    def _do_show_lesson(self, action: act.Action) -> Outcome:
        assert isinstance(action, act.ShowLesson)
        return Outcome(Message(*self.teaching.show_lesson(action.shown)))

    # --- the loss landscape ----------------------------------------------------------------

    def _do_show_landscape(self, action: act.Action) -> Outcome:
        assert isinstance(action, act.ShowLandscape)
        self._landscape.show(action.shown)
        return Outcome()

    def _do_landscape_param(self, action: act.Action) -> Outcome:
        assert isinstance(action, act.PickLandscapeParam)
        return Outcome(Message(*self._landscape.pick(self.session.net, action.param)))

    def _do_landscape_largest(self, _: act.Action) -> Outcome:
        return Outcome(Message(*self._landscape.largest()))

    def _do_landscape_plane(self, action: act.Action) -> Outcome:
        assert isinstance(action, act.LandscapePlane)
        return Outcome(Message(*self._landscape.plane(self.session.net, self.trail, action.on)))

    # --- live training (driven by the UI's training worker) ----------------------------
    # The worker trains in a training process (engine/remote.py), which mirrors every frame into
    # this session's trainer, or else here, in slices through `train`; either way η changes go
    # through `record_lr` and the run ends with `stop_training`.

    # Each Action type's handler, spelled out so a reader (and a tool) can follow an action to its code.
    HANDLERS: ClassVar[dict[type[act.Action], Callable[[Controller, act.Action], Outcome]]] = {
        act.Next: _do_next,
        act.Forward: _do_forward,
        act.Backward: _do_backward,
        act.FinishForward: _do_finish_forward,
        act.FinishBackward: _do_finish_backward,
        act.FinishEpoch: _do_finish_epoch,
        act.Back: _do_back,
        act.Train: _do_train,
        act.Pin: _do_pin,
        act.ScaleLR: _do_scale_lr,
        act.SetLR: _do_set_lr,
        act.Rebuild: _do_rebuild,
        act.Reset: _do_reset,
        act.Reseed: _do_reseed,
        act.SetParam: _do_set_param,
        act.CustomSample: _do_custom_sample,
        act.KnockOut: _do_knock_out,
        act.QuizMode: _do_quiz,
        act.Ask: _do_ask,
        act.AskChapter: _do_ask_chapter,
        act.Answer: _do_answer,
        act.Skip: _do_skip,
        act.Hint: _do_hint,
        act.OpenLesson: _do_open_lesson,
        act.NextChapter: _do_next_chapter,
        act.PreviousChapter: _do_previous_chapter,
        act.ShowLesson: _do_show_lesson,
        act.ShowLandscape: _do_show_landscape,
        act.PickLandscapeParam: _do_landscape_param,
        act.LandscapeLargest: _do_landscape_largest,
        act.LandscapePlane: _do_landscape_plane,
    }

    def start_training(self, target_loss: float | None, check_stuck: bool = True) -> LiveRun:
        """Walk to the next epoch boundary and hand the engine to the training worker."""
        origin = self.stepper.epoch
        jump = self.stepper.begin_jump()
        self.live = LiveRun(jump, origin, origin, target_loss, check_stuck)
        return self.live

    def diagnosis(self) -> Diagnosis | None:
        """Why the loss stopped coming down, if it has: stuck, or η too high (see diagnostics.run_diagnosis)."""
        return trainer_diagnosis(self.stepper.trainer)

    def train(self, run: LiveRun, epochs: int, should_stop: Callable[[], bool] | None = None) -> RunResult:
        """Train up to `epochs` epochs (called from the training thread, between frames)."""
        trainer = self.stepper.trainer
        while run.pending_lr:
            self.record_lr(run, run.pending_lr.pop(0))
        stuck = StuckCheck(trainer, STUCK_CHECK, run.origin_epoch) if run.check_stuck else None
        return train_epochs(trainer, epochs, run.target_loss, stuck, should_stop)

    def record_lr(self, run: LiveRun, lr: float) -> None:
        """η becomes `lr` now, at the trainer's epoch, between two slices of a live run (in this
        process or in a training process, which reports the epoch): recorded as the epochs trained
        at the old rate, Train(n), then SetLR(lr), so a replay changes it at that very epoch."""
        self._record_train(run)
        self.record.append(act.SetLR(lr))
        self.stepper.trainer.lr = lr

    def _record_train(self, run: LiveRun) -> None:
        epoch = self.stepper.trainer.epoch
        if epoch > run.segment_start:
            self.record.append(act.Train(epoch - run.segment_start))
        run.segment_start = epoch

    def checkpoint(self) -> Checkpoint:
        """Where the trainer is (taken by the training thread between slices of a live run)."""
        return self.stepper.trainer.checkpoint(with_rows=True)

    def rewind(self, checkpoint: Checkpoint) -> None:
        """Back to a checkpoint of this run (after a slice that raised part-way: its epochs, its
        parameters and its history rows may be half written; the checkpoint is whole)."""
        self.stepper.trainer.rewind(checkpoint)

    def stop_training(self, run: LiveRun, reason: StopReason | None, error: str | None = None) -> Outcome:
        """Hand the engine back: the run becomes one undoable step and one recorded action.

        `error`: the run was stopped by an error (one line: what it was and where its report is);
        the epochs trained up to the last whole checkpoint are kept, as when paused."""
        self._record_train(run)
        self.stepper.end_jump(run.jump)
        self.live = None
        while run.pending_lr:  # asked for as the run stopped, too late for it: η changes here
            lr = run.pending_lr.pop(0)
            self.record.append(act.SetLR(lr))
            self.stepper.set_lr(lr)
        return Outcome(Message(*log_run(self.logbook, self.session, run.origin_epoch, reason, error)))
