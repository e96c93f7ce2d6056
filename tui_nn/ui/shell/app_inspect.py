"""Inspecting: a number selected on the diagram, where it comes from, and what-ifs on it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_nn.engine.session import actions as act
from tui_nn.engine.session.controller import Message
from tui_nn.engine.session.view import View
from tui_nn.engine.walk.notation import parameter_label
from tui_nn.ui.panes.inspector import Inspector
from tui_nn.ui.panes.widgets import NetworkPane
from tui_nn.ui.shell.app_base import AppBase

if TYPE_CHECKING:  # loads when inspecting starts
    from tui_nn.engine.walk.explain import Element


class AppInspect(AppBase):
    """The selection, the inspector beside it, and the what-ifs that change the selected number."""

    def action_inspect(self) -> None:
        if self.inspecting:
            self._set_inspecting(False)
            return
        if self.selection is None or self._selection_moved():
            self.selection = self._first_weight()
        self._set_inspecting(True)
        if self.landscape_shown and self.selection.kind != "unit":  # the first of the two the slice takes
            self.landscape_pick(self.selection.parameter_index(self.session.net))

    def _first_weight(self) -> Element:
        """Where inspecting starts: the first weight into the output, which every network has."""
        from tui_nn.engine.walk.explain import Element

        return Element("weight", self.session.net.n_layers - 1, 0, 0)

    def _selection_moved(self) -> bool:
        """Keep the selection only while it names a number of this network: an undo, a reset or new
        settings may have taken its layer or unit away (z, = or Tab would then index past the end).
        A vanished selection moves to the first weight while inspecting (to nothing otherwise);
        True when it had to move."""
        from tui_nn.engine.walk.explain import elements

        if self.selection is None or self.selection in elements(self.session.net.sizes):
            return False
        self.selection = self._first_weight() if self.inspecting else None
        self.last_what_if = None
        if self.inspecting:
            self.query_one(NetworkPane).selected = self.selection
        return True

    def _refuse_moved_selection(self, key: str, does: str) -> bool:
        """Say so (and do nothing) when the selection a key acts on is gone; True if it was."""
        if not self._selection_moved():
            return False
        shape = "-".join(str(n) for n in self.session.net.sizes)
        where = f"it moved to {self._selection_name()}; {key} again {does}" if self.selection is not None else "select again"
        self.say(Message(f"the selected number is not in this {shape} network: {where}", "warn"))
        self.draw(self.view)
        return True

    def _selection_name(self) -> str:
        element = self.selection
        assert element is not None
        if element.kind == "unit":
            return self.stepper.narrator.names.unit(element.layer, element.unit)
        return parameter_label(self.session.net, element.parameter_index(self.session.net)).split(" ")[0]

    def _set_inspecting(self, on: bool) -> None:
        self.inspecting = on
        self.screen.set_class(on, "inspecting")
        self.query_one(NetworkPane).selected = self.selection if on else None
        inspector = self.query_one(Inspector)
        # Its keys (the arrows, Tab, = z k, Esc) apply while it has the focus; focusable only then,
        # so that no screen's first focus lands on it.
        inspector.can_focus = on
        if on:
            inspector.focus()
        elif inspector.has_focus:
            self.main_screen.set_focus(None)
        if on:
            self.say(
                Message("inspecting: arrows/Tab move · = set · z zero · k knock out · Esc done · space still steps", "focus")
            )
        else:
            self.last_what_if = None
            self.say(None)
        self.draw(self.view if self.live is not None else None)

    def leave_inspecting(self) -> None:
        self._set_inspecting(False)

    def _select(self, element: Element) -> None:
        self.selection = element
        self.last_what_if = None
        self.query_one(NetworkPane).selected = element
        self.say(None)  # the status line tells about the new selection, not an older message
        if self.landscape_shown and element.kind != "unit":
            self.landscape_pick(element.parameter_index(self.session.net))  # it draws
            return
        self.draw(self.view)

    def move_selection(self, direction: str) -> None:
        from tui_nn.engine.walk.explain import move

        moved = self._selection_moved()  # then the key lands on the first weight
        if self.selection is not None:
            self._select(self.selection if moved else move(self.session.net.sizes, self.selection, direction))  # type: ignore[arg-type]

    def cycle_selection(self, step: int) -> None:
        from tui_nn.engine.walk.explain import cycle

        moved = self._selection_moved()
        if self.selection is not None:
            self._select(self.selection if moved else cycle(self.session.net.sizes, self.selection, step))

    def what_if(self, change: str) -> None:
        {"set": self._set_value, "zero": self._zero, "knock_out": self._knock_out}[change]()

    def on_network_pane_clicked(self, message: NetworkPane.Clicked) -> None:
        self.selection = message.element
        if not self.inspecting:
            if self.landscape_shown and message.element.kind != "unit":
                self.landscape_pick(message.element.parameter_index(self.session.net))
            self._set_inspecting(True)
        else:
            self._select(message.element)

    def _show_inspector(self, view: View) -> None:
        from tui_nn.engine.walk.explain import elements

        inspector = self.query_one(Inspector)
        selection = self.selection
        if selection is None or selection not in elements(self.session.net.sizes):
            inspector.show(None)
            return
        if self.live is not None:  # the training thread owns the engine: show what the frame carries
            inspector.show_training(selection, view, self.controller.trail)
            return
        inspector.show(self.controller.explain(selection), self.last_what_if)

    def _set_value(self) -> None:
        if self._refuse_moved_selection("=", "sets its value"):
            return
        element = self.selection
        if element is None or element.kind == "unit":
            self.say(Message("select a weight or bias first: = sets its value", "warn"))
            self.draw(self.view)
            return
        from tui_nn.ui.screens.value_input import ValueScreen

        index = element.parameter_index(self.session.net)
        name = parameter_label(self.session.net, index)
        current = float(self.stepper.current.start_params[index])
        self.push_screen(ValueScreen(name, current), lambda value: self._apply_value(element, value))

    def _apply_value(self, element: Element, value: float | None) -> None:
        if value is None:
            self.say(Message("value unchanged", "info"))
            self.draw(self.view)
            return
        name = parameter_label(self.session.net, element.parameter_index(self.session.net)).split(" ")[0]
        self._what_if(act.SetParam(name, value), f"{name} = {value:g}")

    def _zero(self) -> None:
        if self._refuse_moved_selection("z", "zeroes it"):
            return
        element = self.selection
        if element is None or element.kind == "unit":
            self.say(Message("select a weight or bias first: z zeroes it", "warn"))
            self.draw(self.view)
            return
        name = parameter_label(self.session.net, element.parameter_index(self.session.net)).split(" ")[0]
        self._what_if(act.SetParam(name, 0.0), f"{name} = 0 (ablation)")

    def _knock_out(self) -> None:
        if self._refuse_moved_selection("k", "knocks out a hidden unit"):
            return
        element = self.selection
        net = self.session.net
        if element is None or element.kind != "unit" or not 0 < element.layer < net.n_layers:
            self.say(Message("select a hidden unit first: k knocks it out", "warn"))
            self.draw(self.view)
            return
        label = self.stepper.narrator.names.unit(element.layer, element.unit)
        self._what_if(act.KnockOut(element.layer, element.unit + 1), f"{label} knocked out")

    def _what_if(self, action: act.Action, what: str) -> None:
        if self.live is not None:
            self._after_training = lambda: self._what_if(action, what)
            self.live.stop()
            return
        outcome = self.controller.apply(action)
        self.say(outcome.message)
        if outcome.what_if is not None:
            labels = [f"sample {k + 1}" for k in range(min(self.session.data.size, 16))]
            self.last_what_if = (what, outcome.what_if, labels)
        self.draw()
