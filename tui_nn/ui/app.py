"""`tui-nn xor`: step through backpropagation from the keyboard; T trains live.

The app asks the engine for the next step and renders the record and View it
gets back. Live training runs in a thread worker that owns the engine until it
stops; it posts Views (coalesced) and the app only draws them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual import events, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from tui_nn.engine.config import Config, ConfigError
from tui_nn.engine.records import Step
from tui_nn.engine.session import Session, build
from tui_nn.engine.stepper import Jump
from tui_nn.engine.view import View, capture
from tui_nn.ui.messages import TrainingProgress, TrainingStopped
from tui_nn.ui.widgets import BoundaryPane, CalcLog, HiddenPane, LossPane, NetworkPane, StatusLine, TablePane

MIN_WIDTH, MIN_HEIGHT = 64, 20
WIDE_WIDTH, WIDE_HEIGHT = 160, 45  # from this size the three views stand side by side
VIEWS = ("network", "boundary", "hidden")
LOG_TAIL = 200  # steps logged when a jump applies more than that
COMPACT_HEIGHT = 32
FRAME_SECONDS = 1 / 25  # within the 20–30 frames a second asked for, leaving the GIL to training
CHUNK_SECONDS = 0.008  # training slices between checks for a stop request
MAX_LR = 1e6


class TuiNN(App[None]):
    """The terminal app over one Session."""

    CSS_PATH = Path(__file__).parent / "app.tcss"
    TITLE = "tui-nn"
    ENABLE_COMMAND_PALETTE = False

    BINDINGS = [
        Binding("right,space", "next", "step", id="next", key_display="→"),
        Binding("left", "step_back", "back", id="back", key_display="←"),
        Binding("f", "forward", "fwd", id="forward"),
        Binding("b", "backward", "bwd", id="backward"),
        Binding("F", "finish_forward", "end fwd", id="finish-forward"),
        Binding("B", "finish_backward", "end bwd", id="finish-backward"),
        Binding("e", "finish_epoch", "epoch", id="finish-epoch"),
        Binding("t,T", "train", "train", id="train"),
        Binding("plus", "lr(2.0)", "η×2", id="lr-up"),
        Binding("minus", "lr(0.5)", "η÷2", id="lr-down"),
        Binding("v", "cycle_view", "view", id="view"),
        Binding("c", "settings", "settings", id="settings"),
        Binding("r", "reset", "reset", id="reset"),
        Binding("s", "save", "save", id="save"),
        Binding("question_mark", "help", "help", id="help"),
        Binding("q", "quit", "quit", id="quit"),
        *[Binding(str(k), f"pick_sample({k})", f"sample {k}", show=False) for k in range(10)],
        Binding("up", "focus_up", "previous sample", show=False),
        Binding("down", "focus_down", "next sample", show=False),
    ]

    training: reactive[bool] = reactive(False, bindings=True)
    """True while the training worker owns the engine."""

    def __init__(self, session: Session, ascii_only: bool = False, target_loss: float = 1e-3, save_to: str | None = None) -> None:
        super().__init__()
        self.session = session
        self.stepper = session.stepper
        self.ascii_only = ascii_only
        self.target_loss = target_loss
        self.save_to = save_to
        self.view: View = capture(self.stepper)
        self.message = ""
        self.message_style = "yellow"
        self._stop_training = threading.Event()
        self._after_training: Callable[[], None] | None = None
        self._jump: Jump | None = None
        self.last_frame_time = 0.0
        self.frames = 0
        self.view_mode = "network"

    # --- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="views"):
            yield NetworkPane(self.session.net, self.ascii_only, id="network")
            yield BoundaryPane(self.session.net, self.session.data, self.ascii_only, id="boundary")
            yield HiddenPane(self.session.net, self.session.data, self.ascii_only, id="hidden")
        with Horizontal(id="bottom"):
            yield CalcLog(self.stepper.fmt, id="log")
            with Vertical(id="side"):
                yield TablePane(self.session.data, id="table")
                yield LossPane(self.ascii_only, id="loss")
        yield StatusLine(id="status")
        yield Footer()
        yield Static(id="too-small")

    def on_mount(self) -> None:
        self.sub_title = self.session.describe()
        log = self.query_one(CalcLog)
        log.note(f"{self.session.describe()}", style="bold")
        self.screen.set_class(self.ascii_only, "ascii")
        self._apply_size(self.size.width, self.size.height)
        self.draw()

    def on_resize(self, event: events.Resize) -> None:
        self._apply_size(event.size.width, event.size.height)

    def _apply_size(self, width: int, height: int) -> None:
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        self.screen.set_class(small, "too-small")
        self.screen.set_class(height < COMPACT_HEIGHT, "compact")
        self.screen.set_class(width >= WIDE_WIDTH and height >= WIDE_HEIGHT, "wide")
        for mode in VIEWS:
            self.screen.set_class(self.view_mode == mode, f"view-{mode}")
        if small:
            self.query_one("#too-small", Static).update(
                Text(
                    f"make me bigger\n\ntui-nn needs at least {MIN_WIDTH}×{MIN_HEIGHT}; this terminal is {width}×{height}",
                    style="bold yellow",
                )
            )

    # --- drawing --------------------------------------------------------------------------

    def draw(self, view: View | None = None) -> None:
        """Redraw every pane from `view` (default: a fresh capture of the engine)."""
        if view is None:
            view = capture(self.stepper)
        self.view = view
        self.query_one(NetworkPane).view = view
        self.query_one(BoundaryPane).view = view
        self.query_one(HiddenPane).view = view
        self.query_one(TablePane).show(view)
        self.query_one(LossPane).show(view)
        self.query_one(StatusLine).show(view, self.message, self.message_style, self.training, self.target_loss)
        self.frames += 1
        self.last_frame_time = time.perf_counter()

    def say(self, message: str, style: str = "yellow") -> None:
        self.message, self.message_style = message, style

    # --- actions: stepping ----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While help or settings is open, the network underneath must not change (T there would
        # start training a session the settings are about to replace); only quitting still works.
        return len(self.screen_stack) == 1 or action == "quit"

    def _stepping(self, action: Callable[[], None]) -> None:
        """Run a stepping action now, or after pausing live training first."""
        if self.training:
            self._after_training = action
            self._stop_training.set()
            return
        self.message = ""
        action()
        self.draw()

    def _log_steps(self, steps: list[Step]) -> None:
        log = self.query_one(CalcLog)
        for step in steps:
            log.add_step(step)

    def action_next(self) -> None:
        self._stepping(lambda: self._log_steps([self.stepper.step()]))

    def action_forward(self) -> None:
        def forward() -> None:
            nxt = self.stepper.peek()
            if nxt.phase == "forward":
                self._log_steps([self.stepper.step()])
            elif nxt.sample is not None:
                self.say(f"the forward pass of sample {nxt.sample + 1} is done: press b for its backward pass (or →)")
            else:
                self.say("every forward and backward pass of this batch is done: press → or e to apply the update")

        self._stepping(forward)

    def action_backward(self) -> None:
        def backward() -> None:
            nxt = self.stepper.peek()
            if nxt.phase == "forward":
                self.say(
                    f"the forward pass of sample {nxt.sample + 1 if nxt.sample is not None else 1} is not done yet: "
                    "press f (or F to finish it) first"
                )
            elif nxt.sample is None:
                self.say("every backward pass of this batch is done: press → or e to apply the update")
            else:
                self._log_steps([self.stepper.step()])

        self._stepping(backward)

    def action_finish_forward(self) -> None:
        def finish() -> None:
            steps = self.stepper.finish_forward()
            if not steps:
                self.say("no forward pass under way: the next step is " + self.stepper.peek().phase)
            self._log_steps(steps)

        self._stepping(finish)

    def action_finish_backward(self) -> None:
        def finish() -> None:
            nxt = self.stepper.peek()
            if nxt.phase == "forward":
                self.say("the forward pass is not done yet: press F to finish it, then B")
                return
            steps = self.stepper.finish_backward()
            if not steps:
                self.say("every backward pass of this batch is done: press → or e to apply the update")
            self._log_steps(steps)

        self._stepping(finish)

    def action_finish_epoch(self) -> None:
        def finish() -> None:
            finished, start = self.stepper.finish_pass()
            shown = max(start, finished.total - LOG_TAIL)
            if shown > start:
                self.query_one(CalcLog).note(f"(… {shown - start} steps of this pass not shown: ← steps back into them)")
            self._log_steps(self.stepper.records(finished, shown, finished.total))

        self._stepping(finish)

    def action_step_back(self) -> None:
        def back() -> None:
            undone = self.stepper.back()
            if undone is None:
                self.say("nothing older to step back to")
                return
            self.query_one(CalcLog).undo()
            if undone.jump is not None:
                self.say(f"undid live training: back to epoch {undone.jump[0]}", "cyan")

        self._stepping(back)

    # --- actions: focus, learning rate, reset, save ---------------------------------------

    def action_pick_sample(self, number: int) -> None:
        def focus() -> None:
            sample = None if number == 0 else number - 1
            if sample is not None and sample >= self.session.data.size:
                self.say(f"there is no sample {number}: this data set has samples 1–{self.session.data.size}")
                return
            if sample == self.stepper.focus:
                return
            discarded = self.stepper.position
            self.stepper.set_focus(sample)
            log = self.query_one(CalcLog)
            log.freeze(discarded)
            what = "the whole batch" if sample is None else f"sample {number} alone"
            restart = f" (this pass restarted: {discarded} steps set aside)" if discarded else ""
            log.note(f"walking {what}{restart}", style="bold magenta")
            self.say(f"now walking {what}", "magenta")

        self._stepping(focus)

    def _focus_by(self, delta: int) -> None:
        size = self.session.data.size
        current = self.stepper.focus
        target = (0 if delta > 0 else size - 1) if current is None else (current + delta) % size
        self.action_pick_sample(target + 1)

    def action_focus_up(self) -> None:
        self._focus_by(-1)

    def action_focus_down(self) -> None:
        self._focus_by(1)

    def action_lr(self, factor: float) -> None:
        new = self.stepper.lr * factor
        if new > MAX_LR or new < 1e-12:
            self.say(f"learning rate stays {self.stepper.lr:g}: {new:g} is outside 1e-12 … {MAX_LR:g}")
            self.draw(self.view)
            return
        old = self.stepper.lr
        if self.training:
            self.stepper.trainer.lr = new  # read by the worker at its next chunk
        else:
            self.stepper.set_lr(new)
        self.query_one(CalcLog).note(f"learning rate η: {old:g} → {new:g} (network kept)", style="bold")
        self.say(f"η = {new:g}", "cyan")
        if self.training:
            self.draw(self.view)
        else:
            self.draw()

    def action_reset(self) -> None:
        def reset() -> None:
            self.session.reset()
            log = self.query_one(CalcLog)
            log.reset()
            log.note(f"reset: {self.session.describe()} · epoch 0", style="bold")
            self.say("reset to epoch 0", "cyan")

        self._stepping(reset)

    def action_save(self) -> None:
        from tui_nn.engine import persist  # tempfile and zipfile are not needed to start

        view = self.view  # a consistent copy, even while training runs
        path = Path(self.save_to or f"{self.session.config.problem}-epoch{view.epoch}.json")
        net = self.session.net.copy()
        net.params[:] = view.snapshot.params
        extra = {
            "problem": self.session.config.problem,
            "lr": view.lr,
            "seed": self.session.config.seed,
            "epoch": view.epoch,
            "optimizer": view.optimizer,
        }
        try:
            saved = persist.save(path, net, extra)
        except (OSError, ValueError) as error:
            self.say(f"could not save to {path}: {error}", "bold red")
        else:
            self.say(f"saved {saved.resolve()}", "green")
            self.query_one(CalcLog).note(f"saved the network (epoch {view.epoch}) to {saved.resolve()}")
        self.draw(self.view)

    def action_cycle_view(self) -> None:
        """Network → decision boundary → hidden space (all three at once on large terminals)."""
        if self.session.net.n_layers < 2 and VIEWS[(VIEWS.index(self.view_mode) + 1) % 3] == "hidden":
            self.view_mode = "network"
        else:
            self.view_mode = VIEWS[(VIEWS.index(self.view_mode) + 1) % len(VIEWS)]
        self._apply_size(self.size.width, self.size.height)
        names = {"network": "the network", "boundary": "the decision boundary", "hidden": "the hidden space"}
        wide = self.screen.has_class("wide")
        self.say(
            f"all three views are shown at this size; {names[self.view_mode]} is first on small terminals"
            if wide
            else f"showing {names[self.view_mode]} (v for the next view)",
            "cyan",
        )
        self.draw(self.view)

    def action_settings(self) -> None:
        def open_settings() -> None:
            from tui_nn.ui.settings import SettingsScreen

            self.push_screen(SettingsScreen(self.session.config), self._apply_settings)

        self._stepping(open_settings)

    def _apply_settings(self, config: Config | None) -> None:
        if config is None:
            self.say("settings unchanged", "cyan")
            self.draw(self.view)
            return
        try:
            session = build(config, digits=self.stepper.fmt.digits)
        except (ConfigError, ValueError) as error:
            self.say(f"settings not applied: {error}", "bold red")
            self.draw(self.view)
            return
        self.call_later(self._rebuild, session)

    async def _rebuild(self, session: Session) -> None:
        """Swap in a new session: recompose the panes, keep the log, say what changed."""
        entries = list(self.query_one(CalcLog).entries)
        self.session, self.stepper = session, session.stepper
        self.view = capture(self.stepper)
        await self.recompose()
        log = self.query_one(CalcLog)
        for text, _ in entries:
            log.entries.append((text, False))  # the old network's steps cannot be undone any more
        log.redraw()
        log.note(f"rebuilt the network: {session.describe()} · epoch 0", style="bold magenta")
        self.sub_title = session.describe()
        self.say("new settings applied: network rebuilt at epoch 0", "magenta")
        self.screen.set_class(self.ascii_only, "ascii")
        self._apply_size(self.size.width, self.size.height)
        self.refresh_bindings()
        self.draw()

    def action_help(self) -> None:
        from tui_nn.ui.help import HelpScreen  # Markdown costs ~50 ms to import: load it when asked

        self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        self._stop_training.set()
        self.exit()

    # --- live training --------------------------------------------------------------------

    def action_train(self) -> None:
        if self.training:
            self._stop_training.set()
            return
        start = self.stepper.epoch
        self._jump = self.stepper.begin_jump()
        self._stop_training.clear()
        self.training = True
        self.say("")
        self.draw()
        self._train(self._jump, start)

    @work(thread=True, exclusive=True, group="train", exit_on_error=False)
    def _train(self, jump: Jump, start_epoch: int) -> None:
        """Train in slices of about CHUNK_SECONDS; post a View at most once a frame."""
        worker = get_current_worker()
        trainer = self.stepper.trainer

        def should_stop() -> bool:
            return self._stop_training.is_set() or worker.is_cancelled

        chunk, reason, posted = 16, None, 0.0
        try:
            while not should_stop():
                began = time.perf_counter()
                result = trainer.run(chunk, self.target_loss, should_stop)
                elapsed = time.perf_counter() - began
                if result.epochs:
                    chunk = max(1, min(int(chunk * CHUNK_SECONDS / max(elapsed, 1e-6)), 100_000))
                if result.stopped is not None:
                    reason = result.stopped
                    break
                now = time.perf_counter()
                if now - posted >= FRAME_SECONDS:
                    self.post_message(TrainingProgress(capture(self.stepper, with_values=False), trainer.epoch - start_epoch))
                    posted = now
        finally:
            self.stepper.end_jump(jump)
            self.post_message(TrainingStopped(start_epoch, trainer.epoch, reason))

    def on_training_progress(self, message: TrainingProgress) -> None:
        if self.training:
            self.draw(message.view)

    def on_training_stopped(self, message: TrainingStopped) -> None:
        self.training = False
        self._jump = None
        log = self.query_one(CalcLog)
        updates = message.last_epoch - message.first_epoch
        span = f"trained epochs {message.first_epoch}–{message.last_epoch - 1} live ({updates} updates)"
        if updates <= 0:
            span = f"training stopped at epoch {message.first_epoch} before completing an epoch"
        reason = message.reason
        if reason == "target":
            self.say(f"loss fell below {self.target_loss:g} at epoch {message.last_epoch}: training stopped", "green")
            log.add(Text(f"{span} · loss < {self.target_loss:g}: stopped", style="bold green"), undoable=True)
        elif reason is not None:
            self.say(reason, "bold red")
            log.add(Text(f"{span} · {reason}", style="bold red"), undoable=True)
        else:
            self.say(f"paused at epoch {message.last_epoch}", "cyan")
            log.add(Text(span, style="bold green"), undoable=True)
        after, self._after_training = self._after_training, None
        if after is not None:
            self.message = ""
            after()
        self.draw()
