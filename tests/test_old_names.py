"""Session files saved before hidden biases were named after their unit (b_h1) call h1's bias b1
and the second hidden layer's c1: they replay as recorded, setting the bias they meant."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tui_nn.cli.replay import apply_all
from tui_nn.engine.session import replay
from tui_nn.engine.session.build import build
from tui_nn.engine.walk.notation import parse_parameter


def replayed(config: dict[str, Any], actions: list[dict[str, Any]]) -> Any:
    recording = replay.parse(json.loads(json.dumps({"format": replay.FORMAT, "config": config, "actions": actions})))
    controller, _ = apply_all("old.json", recording, build(recording.config))
    return controller


@pytest.mark.parametrize(
    ("hidden", "old", "new"),
    [([2], "b1", "b_h1"), ([2], "b2", "b_h2"), ([3, 2], "b3", "b_h1.3"), ([3, 2], "c2", "b_h2.2")],
)
def test_an_old_bias_name_sets_the_bias_it_meant(hidden: list[int], old: str, new: str) -> None:
    controller = replayed({"hidden": hidden}, [{"action": "set_param", "param": old, "value": 0.625}])
    net = controller.session.net
    assert net.params[parse_parameter(net, new)] == 0.625
    assert controller.recording().actions[-1].param == new, "saved again, the session uses today's name"


def test_a_bare_b_name_beyond_the_hidden_units_is_still_refused() -> None:
    with pytest.raises(replay.SessionFileError, match="actions\\[0\\]"):
        replayed({"hidden": [2]}, [{"action": "set_param", "param": "b3", "value": 1.0}])
