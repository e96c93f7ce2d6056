"""--ascii: every character the app draws on its screens is plain ASCII."""

from __future__ import annotations

import html
import re

import pytest

from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.ui.ascii import asciify
from tui_nn.ui.shell.app import TuiNN


def screen_characters(app: TuiNN) -> str:
    """The text of the screen as the SVG screenshot holds it (the window title aside)."""
    svg = app.export_screenshot(title="t")
    texts = re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)
    return html.unescape("".join(re.sub(r"<[^>]+>", "", t) for t in texts)).replace("\xa0", " ")


PLACES = [
    pytest.param([], id="start"),
    pytest.param(["right"] * 5, id="mid-forward"),
    pytest.param(["F", "B", "F", "right", "right", "right", "right"], id="mid-backward"),
    pytest.param(["e"], id="after-update"),
    pytest.param(["e", "v"], id="boundary"),
    pytest.param(["e", "v", "v"], id="hidden-space"),
    pytest.param(["F", "B", "i"], id="inspecting"),
    pytest.param(["T"], id="after-training"),
]


@pytest.mark.parametrize("keys", PLACES)
@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_every_character_on_screen_is_ascii(keys: list[str], size: tuple[int, int]) -> None:
    app = TuiNN(build(Config(optimizer="adam")), ascii_only=True, pace=None)
    async with app.run_test(size=size) as pilot:
        for key in keys:
            await pilot.press(key)
            await app.workers.wait_for_complete()
        await pilot.pause()
        text = screen_characters(app)
        strange = sorted({c for c in text if not c.isascii()})
        assert not strange, strange


async def test_the_wide_layout_is_ascii_too() -> None:
    app = TuiNN(build(Config(hidden=(3,), activation="tanh")), ascii_only=True, pace=None)
    async with app.run_test(size=(180, 50)) as pilot:
        await pilot.press("e", "right", "right")
        await pilot.pause()
        assert screen_characters(app).isascii()


def test_transliteration_keeps_meaning() -> None:
    assert asciify("δ = ∂L/∂z = ŷ − y") == "delta = dL/dz = yhat - y"
    assert asciify("M̂ = M/(1 − β₁ᵗ)") == "M^ = M/(1 - beta1^t)"
    assert asciify("σ(z)·(1−σ(z)) ✓ ✗ → ‖g‖ ≥ 1") == "sig(z)*(1-sig(z)) ok X -> |g| >= 1"
