"""At the smallest size the app accepts (64×20) every row fits: the screen never scrolls, the status
line drops whole fields and hints rather than cutting one, and a warning with nothing to drop wraps
onto a third row, read whole."""

from __future__ import annotations

from rich.text import Text

from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.ui.panes.widgets import StatusLine, fit_row
from tui_nn.ui.shell.app import TuiNN
from tui_nn.ui.shell.app_screen import MIN_HEIGHT, MIN_WIDTH

SMALLEST = (MIN_WIDTH, MIN_HEIGHT)


def status_rows(app: TuiNN) -> list[str]:
    status = app.query_one(StatusLine)
    return [line.text.strip() for line in status.render_lines(status.region.reset_offset)]


async def test_the_smallest_screen_fits_without_scrolling() -> None:
    app = TuiNN(build(Config()))
    async with app.run_test(size=SMALLEST) as pilot:
        for keys in ([], ["i"], ["escape", "b"], ["right", "right"]):
            await pilot.press(*keys)
            await pilot.pause()
            status = app.query_one(StatusLine)
            assert status.region.bottom <= MIN_HEIGHT - 1, "the status line sits above the footer"
            assert app.screen.max_scroll_y == 0, "nothing is pushed below the screen"
            assert all(len(row) <= status.size.width for row in status_rows(app))


async def test_a_long_hint_loses_whole_hints_and_a_warning_wraps_whole() -> None:
    app = TuiNN(build(Config()))
    async with app.run_test(size=SMALLEST) as pilot:
        await pilot.press("i")
        await pilot.pause()
        hint = status_rows(app)[1]
        assert hint.startswith("inspecting:") and not hint.endswith("·")
        assert all(part.strip() in app.message for part in hint.split(" · ")), "each shown hint is whole"
        await pilot.press("escape", "b")
        await pilot.pause()
        warning = app.message
        assert warning and len(warning) > app.query_one(StatusLine).size.width
        assert " ".join(status_rows(app)[1:]).split() == warning.split(), "the warning is shown whole"


def test_fit_row_cuts_only_at_separators() -> None:
    row = Text("epoch 12  loss 0.7093  acc 50%")
    for width in range(len(row.plain) + 2):
        fitted = fit_row(row, width, "  ").plain
        assert row.plain.startswith(fitted)
        assert fitted == row.plain or row.plain[len(fitted) :].startswith("  "), f"cut inside a field at {width}"


async def test_the_footer_shows_whole_keys_only_at_every_width() -> None:
    from textual.widgets._footer import FooterKey

    from tui_nn.ui.panes.widgets import KeysFooter

    app = TuiNN(build(Config()))
    async with app.run_test(size=(200, 60)) as pilot:
        footer_keys: dict[str, tuple[str, str]] = {}  # the footer's keys in order, one per action
        for _, binding, _, _ in app.screen.active_bindings.values():
            if binding.show:
                footer_keys.setdefault(binding.action, (app.get_key_display(binding), binding.description))
        order = [description for _, description in footer_keys.values()]
        for width, height in [(200, 60), (64, 20), (80, 24), (109, 30), (120, 40), (200, 60)]:
            await pilot.resize_terminal(width, height)
            await pilot.pause()
            footer = app.query_one(KeysFooter)
            keys = [k for k in footer.query(FooterKey) if not k.has_class("-command-palette")]
            (palette,) = footer.query(".-command-palette")
            assert keys and all(k.region.right <= palette.region.x for k in keys), f"a key under the palette at {width}"
            assert palette.region.right <= width
            assert [k.description for k in keys] == order[: len(keys)], "in order, from the first"
            if len(keys) < len(order):  # the first key left out would not have fitted
                display, description = list(footer_keys.values())[len(keys)]
                margin = 1 if footer.compact else 0
                end = keys[-1].region.right + margin + footer.key_width(display, description) - margin
                assert end > palette.region.x, f"{description!r} was left out at {width} though it fits"
        assert len(keys) == len(footer_keys), "at 200 columns every key is back"
