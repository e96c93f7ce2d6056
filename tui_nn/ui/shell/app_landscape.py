"""The loss landscape's keys: l opens and closes the view, d turns its plane (slice ↔ the path's
PCA plane), R opens the optimizer race; two parameters selected in the inspector, one then another,
become the slice it paints."""

from __future__ import annotations

from tui_nn.engine.session import actions as act
from tui_nn.engine.session.controller import Message
from tui_nn.engine.walk.notation import parameter_label
from tui_nn.ui.shell.app_base import AppBase

LANDSCAPE = "landscape"


class AppLandscape(AppBase):
    """The landscape view's keys and the inspector's pair of parameters."""

    view_before_landscape = "network"  # where l returns to

    @property
    def landscape_shown(self) -> bool:
        """The landscape pane is on screen: its view chosen, or every view shown side by side (no lens over them)."""
        return self.lens is None and (self.view_mode == LANDSCAPE or self.main_screen.has_class("wide"))

    def action_landscape(self) -> None:
        """Show the landscape (in the views' place, closing a lens; the row's large pane from 160×45),
        or return to the view before it."""
        opening = not (self.view_mode == LANDSCAPE and self.lens is None)
        if opening:
            self._show_landscape_pane()
            self.dispatch(act.ShowLandscape(True))
        else:
            self.view_mode = self.view_before_landscape
            self._apply_size(self.size.width, self.size.height)
            self.dispatch(act.ShowLandscape(False))
        # said after the action: the words name what the pane now shows (the picks, the plane)
        self.say(Message(self._landscape_hint() if opening else f"back to {self._view_name(self.view_mode)}", "info"))
        self.draw(self.view)

    def _show_landscape_pane(self) -> None:
        """The landscape in the views' place. The key dispatches its one action itself: a second dispatch in
        the same tick broke the quiz's question screen (test_share's run of every palette command)."""
        if self.view_mode != LANDSCAPE:
            self.view_before_landscape = self.view_mode
        self.view_mode, self.lens = LANDSCAPE, None
        self._apply_size(self.size.width, self.size.height)

    def _landscape_hint(self) -> str:
        request = self.view.landscape_request
        where = ", large beside the network" if self.main_screen.has_class("wide") else ""
        if request is not None and request.mode == "pca":
            return f"landscape{where} (l returns): the plane of the path's top two principal directions · d: a slice"
        choice = self.controller.landscape  # the axes' names as the pane writes them: picked, or chosen and held
        names = choice.picks if len(choice.picks) == 2 else choice.held
        axes = f"{names[0]} across, {names[1]} up" if len(names) == 2 else "two parameters"
        if len(choice.picks) >= 2:
            why = "your picks"
        elif choice.picks:
            why = "your pick and the largest other |gradient|"
        else:
            why = "the largest |gradient|s; i: pick two"
        return f"landscape{where} (l returns): {axes} ({why}) · d: the path's PCA plane"  # what matters first: it may wrap

    def _view_name(self, mode: str) -> str:
        from tui_nn.ui.shell.app_screen import view_name

        return view_name(mode, self.view)  # a regression's "boundary" view is its fit or surface

    def action_landscape_plane(self) -> None:
        """The slice of two parameters ↔ the plane of the path's top two principal directions."""
        if not self.landscape_shown:
            self._show_landscape_pane()
        request = self.view.landscape_request
        self.dispatch(act.LandscapePlane(request is None or request.mode != "pca"))

    def action_landscape_largest(self) -> None:
        """Forget the picks: the slice of the two parameters with the largest |gradient| again (shown, if it was not)."""
        if not self.landscape_shown:
            self._show_landscape_pane()
        self.dispatch(act.LandscapeLargest())

    def landscape_pick(self, parameter: int) -> None:
        """A weight or bias selected in the inspector (its flat index) becomes one of the landscape's
        axes: the controller pairs it with the one picked before it (one, then another: their slice)."""
        name = parameter_label(self.session.net, parameter).split(" ")[0]
        self.dispatch(act.PickLandscapeParam(name))

    def action_race(self) -> None:
        """The optimizer race from the current weights, on a screen of its own (the session is not touched)."""
        from tui_nn.ui.screens.race import RaceScreen

        if self.live is not None:
            self.say(Message("the race starts from the weights as they are: stop training first (T)", "warn"))
            self.draw(self.view)
            return
        if not self.view.weights_finite:  # every entrant would stop at once, on NaN
            self.say(Message("the race needs finite weights and these have diverged: undo (u) or reset (r) first", "warn"))
            self.draw(self.view)
            return
        self._stop_playing()
        self.push_screen(RaceScreen(self.controller.race(), self.ascii_only))
