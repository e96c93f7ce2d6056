"""What the loss landscape shows, as the learner chose it: shown or not, a slice or the path's plane, the slice's axes.

The Controller owns one `LandscapeChooser` and hands its landscape actions here; each method takes the part of
the session it reads (the network, the trail of weights) and returns the status line to show, so the choice
is a concern of its own and the Controller stays the one place that applies and records actions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from tui_nn.engine.nn.landscape import MIN_PCA_POINTS, LandscapeRequest, chosen_pair, parameter_name, principal_plane
from tui_nn.engine.nn.network import Network
from tui_nn.engine.session.build import Session
from tui_nn.engine.teach.teaching import Said
from tui_nn.engine.walk.explain import ParamTrail
from tui_nn.engine.walk.notation import parameter_label, parse_parameter

NAME_CACHE_SIZE = 64  # the picks of a long session: keep the cache small


@dataclass(frozen=True)
class LandscapeChoice:
    """What the loss landscape shows: whether it is asked for, the principal plane or a slice, and
    the parameters picked for the slice's axes (by name, so a rebuilt network keeps the ones it has)."""

    shown: bool = False
    plane: bool = False
    picks: tuple[str, ...] = ()
    held: tuple[str, ...] = ()
    """The slice's two axes as last chosen for the learner (picks filled up with the largest |gradient|),
    held while the run moves on: re-chosen every frame, XOR at η = 16 swapped W2[0,0] for W2[1,0]
    within five steps and the path drawn on the old axes read as a different run."""


def _names_parameter(net: Network, name: str) -> bool:
    try:
        parse_parameter(net, name)
    except ValueError:
        return False
    return True


class LandscapeChooser:
    """The learner's `LandscapeChoice` and the requests made from it for the View to paint."""

    def __init__(self) -> None:
        self.choice = LandscapeChoice()
        # names → indices per layer sizes: every frame's view() asks for the held pair, and reading a
        # name builds the table of every parameter's names (about 1 ms a frame on the spiral, 9× the rest of view())
        self._indices: dict[tuple[tuple[int, ...], tuple[str, ...]], tuple[int, ...]] = {}

    def path_lost(self) -> None:
        """Another network or its trail started afresh: no path to take a plane of, so the slice, as d would say."""
        self.choice = replace(self.choice, plane=False)

    def request(self, session: Session, trail: ParamTrail, params: np.ndarray | None = None) -> LandscapeRequest:
        """The landscape's choices and the run so far (the trail's recorded weights) for the View to paint from."""
        net = session.net
        picks = self._named(net, self.choice.held)
        if len(picks) < 2:
            picks = self._named(net, self.choice.picks)
        if len(picks) < 2 and params is not None:
            # the pair is chosen once, at the weights the learner sees now, and held as training moves on
            _, gradient, _, _ = net.loss_and_gradient(session.data.x, session.data.y, params)
            pair = chosen_pair(picks, gradient)
            self.choice = replace(self.choice, held=tuple(parameter_name(net, k) for k in pair))
            picks = list(pair)
        stepper = session.stepper
        trainer = stepper.trainer
        return LandscapeRequest(
            shown=self.choice.shown,
            mode="pca" if self.choice.plane else "slice",
            picks=tuple(picks),
            path=tuple(trail.rows),
            optimizer=trainer.optimizer,
            lr=stepper.lr,
            state=trainer.opt_state.copy(),
            batched=trainer.batch is not None and trainer.batch < trainer.data.size,
        )

    def _named(self, net: Network, names: tuple[str, ...]) -> list[int]:
        """The parameters of these names the network has (a pick from a network since rebuilt without it is dropped)."""
        key = (net.sizes, names)  # a name's index depends on the layer sizes alone
        if key not in self._indices:
            found: list[int] = []
            for name in names:
                try:
                    found.append(parse_parameter(net, name))
                except ValueError:
                    continue
            if len(self._indices) >= NAME_CACHE_SIZE:
                self._indices.clear()
            self._indices[key] = tuple(found)
        return list(self._indices[key])

    def show(self, shown: bool) -> None:
        self.choice = replace(self.choice, shown=shown, held=() if shown else self.choice.held)

    def pick(self, net: Network, param: str) -> Said:
        """`param` on an axis: select one, then another; a third pick replaces the older of the two."""
        try:
            index = parse_parameter(net, param)
        except ValueError as error:
            return f"landscape: {error}", "warn"
        picked = [parse_parameter(net, p) for p in self.choice.picks if _names_parameter(net, p)][-2:]
        if index in picked:
            return f"landscape: {parameter_label(net, index)} is already on an axis: pick another", "warn"
        kept = picked[-1:]
        self.choice = replace(self.choice, picks=tuple(parameter_name(net, k) for k in (*kept, index)), plane=False, held=())
        if not kept:
            return (
                f"landscape: {parameter_label(net, index)} across, the largest other gradient up; pick another for that axis",
                "info",
            )
        return f"landscape: {parameter_label(net, kept[0])} across, {parameter_label(net, index)} up", "info"

    def largest(self) -> Said:
        # the slice of the largest gradients, so the principal plane (which has no axes to choose) gives way to it
        self.choice = replace(self.choice, picks=(), held=(), plane=False)
        return "landscape: the two parameters with the largest |gradient|", "info"

    def plane(self, net: Network, trail: ParamTrail, on: bool) -> Said:
        """The plane of the path's top two principal directions (`on`), or the slice of two parameters."""
        if on and not _path_spans_a_plane(net, trail):
            # announced and not shown, the plane would be a lie: the slice stays, and the words say what it needs
            self.choice = replace(self.choice, plane=False)
            return (
                f"landscape: showing the slice; the path's principal plane needs a path of {MIN_PCA_POINTS} epochs or "
                "more in different directions (train a few: e, T)",
                "warn",
            )
        self.choice = replace(self.choice, plane=on)
        if on:
            return "landscape: the plane of the path's top two principal directions (Li et al. 2018)", "info"
        return "landscape: the slice of two parameters", "info"


def _path_spans_a_plane(net: Network, trail: ParamTrail) -> bool:
    recorded = np.array([p for _, p in trail.rows]).reshape(-1, net.n_params)
    return principal_plane(recorded, net.params) is not None
