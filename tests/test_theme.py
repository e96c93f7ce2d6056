"""One colour, one meaning, and every text colour readable on its background."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tui_nn.ui import theme

UI = Path(__file__).resolve().parents[1] / "tui_nn" / "ui"


@pytest.mark.parametrize("palette", [theme.DARK, theme.LIGHT], ids=["dark", "light"])
@pytest.mark.parametrize("meaning", theme.TEXT_MEANINGS)
def test_every_text_colour_reads_at_4_5_to_1(palette: theme.Palette, meaning: str) -> None:
    for background in (palette.background, palette.status_background):
        assert theme.contrast(getattr(palette, meaning), background) >= 4.5, (meaning, background)


@pytest.mark.parametrize("palette", [theme.DARK, theme.LIGHT], ids=["dark", "light"])
def test_the_meanings_that_used_to_share_orange_are_apart(palette: theme.Palette) -> None:
    """A negative weight, class 0, the current step and the backward pass: four looks, not one."""
    import colorsys

    def hue(colour: str) -> tuple[float, float]:
        h, _, saturation = colorsys.rgb_to_hls(*(c / 255 for c in theme.rgb(colour)))
        return h * 360, saturation

    four = [palette.negative, palette.class_0, palette.current, palette.backward]
    pairs = [(a, b) for k, a in enumerate(four) for b in four[k + 1 :]]
    # the selection is reverse video (the current step a heavy border): only its hue must differ
    # from the colours it is drawn among
    pairs += [(palette.selection, other) for other in (palette.positive, palette.negative, palette.class_0, palette.class_1)]
    for a, b in pairs:
        (ha, sa), (hb, sb) = hue(a), hue(b)
        apart_in_hue = min(abs(ha - hb), 360 - abs(ha - hb)) >= 30 and sa > 0.2 and sb > 0.2
        # the issue measured the old highlight against the negative orange at 1.1:1
        assert apart_in_hue or theme.contrast(a, b) >= 1.5, (a, b)


def test_no_widget_relies_on_the_terminals_dim_or_named_palette() -> None:
    """'dim' halves contrast unpredictably and named colours depend on the terminal's theme."""
    pattern = re.compile(r'"(dim|yellow|magenta|green|red|cyan|grey62|grey70)"|dim=True')
    for path in UI.rglob("*.py"):
        if path.name in ("theme.py", "losschart.py"):  # the palettes themselves
            continue
        assert not pattern.search(path.read_text(encoding="utf-8")), path.name
