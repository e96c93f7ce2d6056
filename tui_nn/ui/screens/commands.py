"""The command palette (Ctrl+P): every command of the app, with the ones that have no key.

Each entry runs the same action a key runs, on the app or, for the inspector's keys, on the
inspector (so the same Action value reaches the controller).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui_nn.ui.panes.inspector import Inspector
from tui_nn.ui.shell import keymap


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    action: str  # an action string, as in the key table
    on_inspector: bool = False  # the inspector widget's action, not the App's


def commands() -> list[Command]:
    """Every key's command, then the ones reached only from here (each listed once)."""
    found = [
        Command(k.does.split(":")[0].split(" (")[0], f"key {k.display} · {k.does}", k.action, k.id in keymap.INSPECTOR_KEYS)
        for k in keymap.KEYS
        if k.action
    ]
    found += [
        Command("pin a sample", "keys 1–9 · walk and train on one sample alone", "pin(1)"),
        Command("whole batch again", "key 0 · stop pinning a sample", "pin(0)"),
        Command("learning rate ×10", "no key · η ×10, keeping the network", "scale_lr(10.0)"),
        Command("learning rate ÷10", "no key · η ÷10, keeping the network", "scale_lr(0.1)"),
        Command("export the log as LaTeX", "no key · a complete .tex document of the log", "export('latex')"),
        Command("export the log as text", "no key · the log as plain text", "export('text')"),
        Command(
            "export the log without the words",
            "no key · Markdown with the formulas only, no sentences (x follows w: words on or off)",
            "export('markdown', False)",
        ),
        Command("light theme", "no key · dark text on a light background (reads on a projector)", "use_theme('light')"),
        Command("dark theme", "no key · light text on a dark background", "use_theme('dark')"),
        Command(
            "landscape: the two largest gradients",
            "no key · the landscape's slice goes back to the two parameters with the largest |∂L/∂θ| (after picking two)",
            "landscape_largest",
        ),
        Command("fastest training", "no key · live training as fast as the machine goes", "pace(99)"),
        Command("slowest training", "no key · one epoch a second", "pace(-99)"),
    ]
    return found


async def run(app: App[object], command: Command) -> None:
    """Run a command where its key would: the inspector of the main screen (the one under any
    dialog) for its keys, the app for the others."""
    if command.on_inspector:
        await app.screen_stack[0].query_one(Inspector).run_action(command.action)
    else:
        await app.run_action(command.action)


class TuiNNCommands(Provider):
    """Lists the app's commands in the palette; fuzzy-matches what is typed."""

    def _run(self, command: Command) -> Callable[[], object]:
        return partial(self.app.call_later, run, self.app, command)

    async def discover(self) -> Hits:
        for command in commands():
            yield DiscoveryHit(command.name, self._run(command), help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in commands():
            score = max(matcher.match(command.name), matcher.match(command.help) * 0.5)
            if score > 0:
                yield Hit(score, matcher.highlight(command.name), self._run(command), help=command.help)
