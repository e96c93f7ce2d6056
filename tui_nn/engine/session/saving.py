"""Saving and exporting a session's files, UI-free: the network (s), the session's recording (S),
the calculation log and a screenshot the UI made. Each writes atomically next to where the app
runs, notes it in the log and returns what the status line says; nothing here raises for a disk
that refuses a file (the message names the file and why)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tui_nn.engine.session.controller import Controller, Message
from tui_nn.engine.session.view import View

if TYPE_CHECKING:
    from tui_nn.engine.session.export import Format


@dataclass(frozen=True)
class Filed:
    message: Message
    path: Path | None = None  # None: nothing was written (the message says why)
    holds_weights: bool = False  # the file holds the weights of `view`: quitting loses nothing more


class SessionFiles:
    """The files of the controller's session, as they stand in `view` (a consistent copy, even
    while training runs)."""

    def __init__(self, controller: Controller, view: View) -> None:
        self.controller = controller
        self.view = view

    def save_network(self, path: str | None = None) -> Filed:
        """The network and its settings as JSON (to `path`, or a name made of the session and epoch)."""
        from tui_nn.engine.session import persist  # tempfile and zipfile are not needed to start

        session, view = self.controller.session, self.view
        target = Path(path or f"{session.file_stem}-epoch{view.epoch}.json")
        net = session.net.copy()
        net.params[:] = view.snapshot.params
        extra = {
            "problem": session.config.problem,
            "lr": view.lr,
            "seed": session.config.seed,
            "epoch": view.epoch,
            "optimizer": view.optimizer,
        }
        try:
            saved = persist.save(target, net, extra).resolve()
        except (OSError, ValueError) as error:
            return Filed(Message(f"could not save to {target}: {error}", "error"))
        self.controller.logbook.note(f"saved the network (epoch {view.epoch}) to {saved}")
        return Filed(Message(f"saved {saved}", "success"), saved, holds_weights=True)

    def save_recording(self) -> Filed:
        """The session as a replay file: its starting settings and every action."""
        from tui_nn.engine.session.replay import FORMAT, to_text

        filed = self._write(".json", to_text(self.controller.recording()), "session")
        if filed.path is None:
            return filed
        return Filed(Message(f"{filed.message.text} ({FORMAT}: tui-nn replay FILE plays it)", "success"), filed.path, True)

    def export_log(self, kind: Format, words: bool) -> Filed:
        """The calculation log so far as Markdown (LaTeX math), LaTeX or text, with its sentences when `words`."""
        from tui_nn.engine.session import export

        # the log may span several settings (each rebuild writes its own line): the title names
        # the data set only, not the η or the network of this moment
        title = f"tui-nn · {self.controller.session.data.name}: the calculation log"
        entries = list(self.controller.logbook.entries)
        document = export.document(kind, entries, self.controller.stepper.fmt, title, words=words)
        return self._write(export.SUFFIXES[kind], document, "log")

    def save_screen(self, svg: str) -> Filed:
        """A screenshot the UI rendered as SVG."""
        return self._write(".svg", svg, "screen")

    def _write(self, suffix: str, text: str, what: str) -> Filed:
        from tui_nn.engine.session.safe_files import write_atomic

        name = f"{self.controller.session.file_stem}-{what}-epoch{self.view.epoch}{suffix}"
        try:
            path = Path(write_atomic(name, text)).resolve()
        except OSError as error:
            return Filed(Message(f"could not write {name}: {error}", "error"))
        self.controller.logbook.note(f"wrote the {what} to {path}")
        return Filed(Message(f"wrote {path}", "success"), path)
