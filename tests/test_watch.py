"""Watch it learn: pace, the playing walk, stuck runs, the perceptron, what changed, the mouse."""

from __future__ import annotations

import pytest

from tui_nn.engine.session import actions as act
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.engine.session.playback import DEFAULT_WALK_SPEED, WALK_SPEEDS
from tui_nn.ui.panes.log import CalcLog
from tui_nn.ui.panes.widgets import NetworkPane, StatusLine, TablePane
from tui_nn.ui.shell.app import TuiNN
from tui_nn.ui.shell.live import DEFAULT_PACE, PACES, parse_pace

SIZE = (120, 40)


def make_app(pace: float | None = None, target_loss: float = 1e-3, **config: object) -> TuiNN:
    return TuiNN(build(Config().with_changes(**config)), target_loss=target_loss, pace=pace)


async def until(pilot: object, condition: object, seconds: float = 20.0) -> None:
    """Wait (polling) until condition() holds; fail after `seconds` (generous: machines get loaded)."""
    import time

    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)  # type: ignore[attr-defined]


def status(app: TuiNN) -> str:
    return app.query_one(StatusLine).content.plain  # type: ignore[union-attr]


async def test_pace_keys_walk_the_ladder_and_the_status_shows_it() -> None:
    app = make_app(pace=DEFAULT_PACE, target_loss=1e-300)
    async with app.run_test(size=SIZE) as pilot:
        k = PACES.index(DEFAULT_PACE)
        await pilot.press("left_square_bracket")
        assert app.pace == PACES[k - 1]
        await pilot.press(*["right_square_bracket"] * 20)
        assert app.pace is None and "pace max" in app.message
        await pilot.press(*["left_square_bracket"] * 30)
        assert app.pace == PACES[0]
        await pilot.press("T")
        await until(pilot, lambda: "training live · pace 1/s" in status(app))
        await pilot.press("right_square_bracket")
        assert app.live is not None and app.live.pace == PACES[1], "a running training follows the new pace"
        await pilot.press("T")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not app.training


async def test_a_slow_pace_trains_about_that_many_epochs() -> None:
    """At 50 epochs a second, 0.5 s of training gives tens of epochs, not thousands."""
    app = make_app(pace=50, target_loss=1e-300)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        await until(pilot, lambda: app.view.epoch >= 1)
        await pilot.pause(0.5)
        await pilot.press("T")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert 1 <= app.stepper.epoch <= 200, "paced, not flat out (flat out is ~100,000 a second)"


def test_pace_on_the_command_line_is_checked() -> None:
    assert parse_pace("max") is None and parse_pace("500") == 500
    with pytest.raises(ValueError, match="pace must be one of"):
        parse_pace("7")
    with pytest.raises(ValueError, match="epochs a second"):
        parse_pace("fast")


async def test_play_walks_by_itself_and_pauses() -> None:
    app = make_app()
    said: list[str] = []
    say = app.say
    app.say = lambda message: (said.append(message.text if message else ""), say(message))[1]  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        # the first played step may already have replaced the line on a loaded machine
        assert app.player.playing and any("playing the walk" in text for text in said)
        await pilot.press(*["right_square_bracket"] * 10)  # fastest walk speed
        assert app.walk_speed == WALK_SPEEDS[-1]
        await until(pilot, lambda: app.stepper.position >= 3)
        await pilot.press("p")
        assert not app.player.playing
        played = app.stepper.position
        await pilot.pause(0.3)
        assert app.stepper.position == played, "paused: nothing more happens"
        steps = [e for e in app.controller.logbook.entries if e.kind == "step"]
        nexts = [a for a in app.controller.record if isinstance(a, act.Next)]
        assert len(steps) == len(nexts) >= 3, "each played step is recorded and in the log"


async def test_a_key_that_steps_by_hand_pauses_the_walk_first() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        assert app.walk_speed == DEFAULT_WALK_SPEED
        await pilot.press("p")
        await pilot.press("right", "right")
        assert not app.player.playing and app.stepper.position >= 2
        before = app.stepper.position
        await pilot.press("left")
        assert app.stepper.position == before - 1


async def test_a_stuck_run_stops_with_its_diagnosis_then_t_trains_on() -> None:
    app = make_app(seed=0)  # the classic XOR local minimum
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.message.startswith("stuck: the loss is flat at 0.34") and "the log says why" in app.message
        log = " ".join(app.query_one(CalcLog).plain_lines())
        assert "stuck: the loss has stayed" in log and "try another seed (n)" in log
        stopped_at = app.stepper.epoch
        await pilot.press("T")
        await until(pilot, lambda: app.view.epoch > stopped_at)
        await pilot.press("T")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.stepper.epoch > stopped_at, "T after a stuck stop trains on"


async def test_t_after_reaching_the_target_trains_past_it() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        await app.workers.wait_for_complete()
        await pilot.pause()
        reached = app.stepper.epoch
        assert "loss fell below 0.001" in app.message
        await pilot.press("T")
        await until(pilot, lambda: app.view.epoch > reached)
        await pilot.press("T")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.stepper.epoch > reached
        assert any("T trains on past it" in e.text for e in app.controller.logbook.entries)


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (180, 50)])
async def test_a_perceptron_in_every_view_and_layout(size: tuple[int, int]) -> None:
    app = make_app(hidden=())
    async with app.run_test(size=size) as pilot:
        for key in ["right", "e", "v", "v", "v", "v"]:
            await pilot.press(key)
        assert app.is_running and app.session.net.sizes == (2, 1)
        await pilot.press("T")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.message.startswith("stuck:")
        assert "add a hidden layer (c)" in " ".join(app.query_one(CalcLog).plain_lines())


async def test_after_an_update_the_diagram_shows_which_way_each_weight_moved() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        diagram = app.query_one(NetworkPane).diagram()
        assert diagram is not None
        text = "\n".join(line.plain for line in diagram.render_lines())
        changes = app.view.changes
        assert changes is not None
        net = app.session.net
        w11 = changes[net.weight_index(0, 0, 0)]
        assert ("w11 +1.787▼" in text) == (w11 < 0) and "▲▼ last change" in text


async def test_clicking_a_truth_table_row_pins_that_sample_and_again_unpins() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click(TablePane, offset=(5, 3))  # border, header, then rows 1, 2: row 2
        assert app.stepper.focus == 1
        await pilot.click(TablePane, offset=(5, 3))
        assert app.stepper.focus is None


async def test_n_draws_a_new_seed_and_back_returns() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        before = app.session.net.params.copy()
        await pilot.press("n")
        await pilot.pause()
        assert app.session.config.seed != 3 and not (app.session.net.params == before).all()
        assert "new seed" in app.message
        await pilot.press("left")
        await pilot.pause()
        assert app.session.config.seed == 3 and (app.session.net.params == before).all()


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (160, 45), (200, 60)])
async def test_no_caption_is_cut_at_its_pane_edge(size: tuple[int, int]) -> None:
    """Every line a pane draws fits the pane: captions wrap at a word instead of being cut."""
    from tui_nn.ui.panes.widgets import BoundaryPane, HiddenPane

    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.press("T")
        await app.workers.wait_for_complete()
        await pilot.pause()
        for _ in range(3):
            for pane_type in (NetworkPane, BoundaryPane, HiddenPane):
                pane = app.query_one(pane_type)
                if not pane.display or pane.view is None:
                    continue
                width, height = pane.content_size.width, pane.content_size.height
                for row in pane.draw_rows(pane.view, width, height):
                    assert sum(len(seg.text) for seg in row) <= width
            hidden = app.query_one(HiddenPane)
            assert hidden.view is not None and hidden.view.hidden_space is not None
            width = max(hidden.content_size.width, 10)
            assert all(len(line) <= width for line in hidden._summary(hidden.view, hidden.view.hidden_space, width))
            await pilot.press("v")
