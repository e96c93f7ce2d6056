"""The inspector in the app: select by key and by click, follow steps and training, what-if and undo."""

from __future__ import annotations

import numpy as np
import pytest

from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.engine.walk.explain import Element, ParameterStory, UnitStory, elements
from tui_nn.ui.panes.inspector import Inspector
from tui_nn.ui.panes.widgets import NetworkPane
from tui_nn.ui.shell.app import TuiNN

SIZE = (120, 40)


def make_app(**config: object) -> TuiNN:
    return TuiNN(build(Config().with_changes(**config)), pace=None)


def inspector_text(app: TuiNN) -> str:
    return "\n".join(app.query_one(Inspector).plain_lines())


@pytest.mark.parametrize("hidden", [(2,), (3, 2)])
async def test_tab_and_the_arrows_reach_every_element(hidden: tuple[int, ...]) -> None:
    app = make_app(hidden=hidden)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        assert app.inspecting and app.selection is not None
        everything = set(elements(app.session.net.sizes))
        seen = {app.selection}
        for _ in range(len(everything)):
            await pilot.press("tab")
            seen.add(app.selection)
        assert seen == everything
        await pilot.press("shift+tab")
        before = app.selection
        await pilot.press("down", "up")
        assert app.selection == before
        await pilot.press("left")
        assert app.selection != before and app.stepper.position == 0, "← moves the selection, it does not undo"
        await pilot.press("escape")
        assert not app.inspecting and app.query_one(NetworkPane).selected is None


async def test_clicking_a_unit_a_bias_or_an_edge_selects_it() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(NetworkPane)
        await pilot.pause()
        diagram = pane._last
        assert diagram is not None
        cells: dict[Element, tuple[int, int]] = {}
        for (x, y), owner in sorted(diagram.owner.items()):
            if isinstance(owner, Element):
                cells.setdefault(owner, (x, y))
        assert set(cells) == set(elements(app.session.net.sizes))
        for element, (x, y) in cells.items():
            # the pane has a one-cell border: content (x, y) is widget offset (x + 1, y + 1)
            await pilot.click(NetworkPane, offset=(x + 1, y + 1))
            assert app.inspecting and app.selection == element, element


async def test_the_inspector_follows_stepping_and_training() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        app._select(Element("weight", 0, 1, 0))  # w12
        story = app.controller.explain(app.selection)  # type: ignore[arg-type]
        assert isinstance(story, ParameterStory)
        assert "w12 (W1[0,1]) = 0.4365" in inspector_text(app)
        await pilot.press("e")  # the update applies: the inspector shows the new pass
        assert "w12 (W1[0,1]) = 0.4294" in inspector_text(app)
        await pilot.press("T")
        await app.workers.wait_for_complete()
        await pilot.pause()
        value = float(app.session.net.weights(0)[0, 1])
        assert f"w12 (W1[0,1]) = {app.stepper.fmt(value)}" in inspector_text(app)
        assert "history:" in inspector_text(app)


async def test_why_is_this_gradient_zero_for_sample_1() -> None:
    """Three keys: i, then ← ← (from v1 to w11's column) … the inspector answers in words."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        app._select(Element("weight", 0, 0, 0))
        text = inspector_text(app)
        assert "sample 1 · x = (0, 0) · y = 0: ∂L/∂w11 = 0" in text
        assert "(x1 is 0 here, so no gradient)" in text


async def test_what_if_applies_refuses_and_undoes() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        app._select(Element("weight", 1, 0, 1))  # v2
        before = app.session.net.params.copy()
        await pilot.press("equals_sign")
        assert app.screen.__class__.__name__ == "ValueScreen"
        field = app.screen.query_one("#value-input")
        field.value = ""  # type: ignore[attr-defined]
        await pilot.press("a", "b", "c", "enter")
        assert app.screen.__class__.__name__ == "ValueScreen", "not a number: refused, the input stays open"
        assert "not applied" in str(app.screen.query_one("#value-error").content)
        field.value = "1e400"  # type: ignore[attr-defined]
        await pilot.press("enter")
        assert app.screen.__class__.__name__ == "ValueScreen"
        field.value = "2.5"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.net.weights(1)[1, 0] == 2.5
        text = inspector_text(app)
        assert "what if: v2 = 2.5" in text and "loss " in text and "→" in text
        await pilot.press("u")
        assert np.array_equal(app.session.net.params, before)


async def test_ablation_and_knock_out() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        app._select(Element("weight", 0, 0, 1))  # w21
        await pilot.press("z")
        assert app.session.net.weights(0)[1, 0] == 0.0
        app._select(Element("unit", 1, 1))  # h2
        await pilot.press("k")
        assert np.all(app.session.net.weights(1)[1] == 0.0)
        assert "h2 knocked out" in inspector_text(app)
        story = app.controller.explain(Element("unit", 1, 1))
        assert isinstance(story, UnitStory) and story.outgoing == (("v2", 0.0),)
        await pilot.press("u", "u")
        assert app.session.net.weights(0)[1, 0] != 0.0 and app.session.net.weights(1)[1, 0] != 0.0
        app._select(Element("unit", 0, 0))
        await pilot.press("k")
        assert "select a hidden unit first" in app.message


async def test_the_inspector_says_in_words_what_the_gradient_and_the_update_mean() -> None:
    from tui_nn.engine.walk.words import sentence

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("F", "B", "i")
        app._select(Element("weight", 1, 0, 0))  # v1
        await pilot.pause()
        story = app.controller.explain(Element("weight", 1, 0, 0))
        grad_step = story.samples[0].steps[-1]  # type: ignore[union-attr]
        assert grad_step.kind == "grad_w"
        text = " ".join(inspector_text(app).split())
        for words in (sentence(grad_step, app.session.net), sentence(story.update, app.session.net)):  # type: ignore[union-attr]
            assert words and " ".join(words.split()) in text


async def test_while_inspecting_the_arrows_move_the_selection_and_space_steps() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        app._select(Element("unit", 1, 1))  # h2
        await pilot.pause()
        position = app.stepper.position
        await pilot.press("left")
        assert app.selection == Element("weight", 0, 1, 1) and app.stepper.position == position  # w22, into h2
        await pilot.press("right")
        assert app.selection == Element("unit", 1, 1) and app.stepper.position == position
        assert app.message == "" and "h2" in str(app.query_one("#status").render())  # the status follows the selection
        await pilot.press("space")
        assert app.stepper.position == position + 1 and app.inspecting
        await pilot.press("escape", "right")
        assert app.stepper.position == position + 2
