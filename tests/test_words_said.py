"""Words that help instead of burying the numbers: each kind's sentence once per pass, never at
the cost of the formula lines on a small screen, `w` in the footer, and the handouts (`x`, `trace`)
carrying the sentences that were on screen, or none when asked."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets._footer import FooterKey

from tui_nn.engine.session import actions as act
from tui_nn.engine.session import export
from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.engine.session.controller import Controller
from tui_nn.engine.walk.notation import Names
from tui_nn.engine.walk.words import said, sentence, sentence_kind
from tui_nn.ui.panes.log import CalcLog
from tui_nn.ui.shell.app import TuiNN

from .cli_helpers import run

EPOCH_STEPS = 94  # the micro-steps of one epoch of the 2-2-1 on XOR's 4 samples


def stepped(steps: int, config: Config | None = None) -> Controller:
    c = Controller(build(config or Config()))
    for _ in range(steps):
        c.apply(act.Next())
    return c


def full_sentences(c: Controller) -> dict[int, str]:
    """Each step's own sentence (what words.sentence says of it), by the id of its record."""
    return {id(step): sentence(step, c.session.net) for step in c.logbook.steps()}


def test_each_kind_of_sentence_is_said_once_in_an_epoch_pass() -> None:
    c = stepped(EPOCH_STEPS + 3)  # a whole pass, then three steps into the next
    entries = list(c.logbook.entries)
    sentences = said(entries)
    steps = [(e.step, s) for e, s in zip(entries, sentences, strict=True) if e.step is not None]
    first_pass = [(step, s) for step, s in steps if step.epoch == 0]
    assert len(first_pass) == EPOCH_STEPS
    spoken = [step for step, s in first_pass if s]
    kinds = [sentence_kind(step) for step in spoken]
    assert len(kinds) == len(set(kinds)), "no kind of sentence twice in one pass"
    assert {sentence_kind(step) for step, _ in first_pass} == set(kinds), "every kind said once"
    # the 24 weight gradients of the epoch (6 weights × 4 samples) and the 9 updates: one sentence each kind
    assert sum(1 for step, s in first_pass if step.kind == "grad_w" and s) == 1
    assert sum(1 for step, s in first_pass if step.kind.startswith("update") and s) == 1
    # what is said is the step's own sentence, with its names
    own = full_sentences(c)
    assert all(s == own[id(step)] for step, s in steps if s)
    # the next pass starts again: its first z is explained
    assert next(s for step, s in steps if step.epoch == 1)


def test_a_zero_input_is_named_on_the_line_of_every_weight_it_feeds() -> None:
    c = stepped(EPOCH_STEPS)
    zero_fed = [step for step in c.logbook.steps() if step.kind == "grad_w" and step.value == 0 and step.sample == 0]
    assert zero_fed
    for step in zero_fed:
        (layer, i, _) = step.edges[0]
        assert step.note == f"{Names(c.session.net.sizes).activation_value(layer, i)} is 0 here, so no gradient"


async def test_the_log_of_an_epoch_shows_one_weight_gradient_paragraph_not_24() -> None:
    app = TuiNN(build(Config()))
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(EPOCH_STEPS):
            app.controller.apply(act.Next())
        await pilot.pause()
        shown = _joined(app.query_one(CalcLog))
        assert shown.count("per unit change of") == 1
        assert shown.count("steps against the gradient") == 1


def _joined(pane: CalcLog) -> str:
    """The pane's text with its wrapped lines joined again (a wrap breaks at a space)."""
    return " ".join(line.strip() for line in pane.plain_lines())


def _visible(pane: CalcLog) -> list[str]:
    return pane.plain_lines()[-pane.content_size.height :]


@pytest.mark.parametrize("size", [(64, 20), (80, 24)])
async def test_on_a_small_screen_no_sentence_pushes_the_formula_lines_off(size: tuple[int, int]) -> None:
    app = TuiNN(build(Config()))
    async with app.run_test(size=size) as pilot:
        pane = app.query_one(CalcLog)
        fmt = app.stepper.fmt
        for _ in range(40):
            await pilot.press("right")
            await pilot.pause()
            steps = app.controller.logbook.steps()
            newest = steps[-1]
            visible = _visible(pane)
            assert pane.content_size.height >= 3
            # the newest step's result is on screen, and so is the result of the step before it
            assert any(fmt(newest.value) in line for line in visible), (newest.kind, visible)
            if len(steps) > 1 and pane.content_size.height >= 8:
                before = steps[-2]
                assert any(fmt(before.value) in line for line in visible), (before.kind, visible)


async def test_w_is_in_the_footer_and_turns_the_words_off_and_on() -> None:
    app = TuiNN(build(Config()))
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.pause()
        descriptions = [key.description for key in app.screen.query(FooterKey)]
        assert "words" in descriptions
        await pilot.press("right")
        pane = app.query_one(CalcLog)
        assert "adds up everything that reaches h1" in _joined(pane)
        await pilot.press("w")
        assert "adds up everything that reaches h1" not in _joined(pane)
        await pilot.press("w")
        assert "adds up everything that reaches h1" in _joined(pane)


@pytest.mark.parametrize("kind", export.FORMATS)
def test_a_handout_carries_the_sentences_the_log_says_and_none_without_words(kind: export.Format) -> None:
    c = stepped(EPOCH_STEPS + 5)
    entries = list(c.logbook.entries)
    spoken = [s for s in said(entries) if s]
    assert len(spoken) >= 10
    with_words = export.document(kind, entries, c.stepper.fmt, "handout")
    without = export.document(kind, entries, c.stepper.fmt, "handout", words=False)
    in_document = (lambda s: export.latex_text(s)) if kind == "latex" else (lambda s: s)
    assert all(in_document(s) in with_words for s in spoken)
    assert not any(in_document(s) in without for s in spoken)
    # the formula lines are the same with or without words (Markdown ends a line before a sentence with a hard break)
    assert set(without.splitlines()) <= {line.removesuffix(" \\") for line in with_words.splitlines()}


@pytest.mark.parametrize("kind", ["text", "markdown", "latex"])
def test_trace_carries_the_words_and_no_words_leaves_them_out(capsys: pytest.CaptureFixture[str], kind: str) -> None:
    code, out, _ = run(capsys, "trace", "xor", "--format", kind)
    assert code == 0
    c = stepped(EPOCH_STEPS)
    spoken = [s for s in said(list(c.logbook.entries)) if s]
    shown = (lambda s: export.latex_text(s)) if kind == "latex" else (lambda s: s)
    assert all(shown(s) in out for s in spoken)
    assert sum("per unit change of" in line for line in out.splitlines()) == 1  # the ∂L/∂w sentence once a pass
    code, bare, _ = run(capsys, "trace", "xor", "--format", kind, "--no-words")
    assert code == 0
    assert not any(shown(s) in bare for s in spoken)
    assert set(bare.splitlines()) <= {line.removesuffix(" \\") for line in out.splitlines()}


def test_a_markdown_sentence_renders_on_its_own_line_under_its_formula() -> None:
    """Indented under a bullet, a sentence is a lazy continuation of the formula's paragraph: a
    renderer would run the two together. A hard break keeps it on a line of its own."""
    from markdown_it import MarkdownIt

    c = stepped(EPOCH_STEPS)
    entries = list(c.logbook.entries)
    spoken = [s for s in said(entries) if s]
    html = MarkdownIt("commonmark").render(export.document("markdown", entries, c.stepper.fmt, "handout"))
    for spoken_sentence in spoken:
        escaped = spoken_sentence.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
        at = html.index(escaped)
        assert html[:at].rstrip().endswith("<br />"), spoken_sentence


async def test_x_exports_the_words_when_they_are_on_and_not_after_w(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = TuiNN(build(Config()))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right", "right")
        await pilot.press("x")
        await pilot.pause()
        (first,) = list(tmp_path.glob("*.md"))
        handout = first.read_text(encoding="utf-8")
        first.unlink()
        assert "adds up everything that reaches h1" in handout
        await pilot.press("w", "x")
        await pilot.pause()
        (second,) = list(tmp_path.glob("*.md"))
        bare = second.read_text(encoding="utf-8")
        assert "adds up everything that reaches h1" not in bare
        assert "x_{1} \\cdot w_{11}" in bare  # the formulas stay


@pytest.mark.parametrize(
    "config",
    [
        Config(),
        Config(optimizer="adam", activation="tanh", loss="mse"),
        Config(hidden=(3, 2), activation="relu", optimizer="momentum", batch=2),
        Config(activation="leaky_relu"),
    ],
)
def test_the_latex_handout_is_plain_ascii_with_every_sentence_note_and_run(config: Config) -> None:
    """pdflatex reads it whatever its setup: the sentences' symbols (∂, ŷ, σ, ḡ, M̂ …) become math."""
    c = stepped(EPOCH_STEPS, config)
    c.apply(act.Train(25))
    for _ in range(40):
        c.apply(act.Next())
    entries = list(c.logbook.entries)
    assert any(e.kind == "run" for e in entries) and any(e.kind == "note" for e in entries)
    document = export.latex(entries, c.stepper.fmt, "tui-nn · xor: the calculation log")
    assert document.isascii(), sorted({ch for ch in document if not ch.isascii()})
    spoken = [s for s in said(entries) if s]
    assert spoken and all(export.latex_text(s) in document for s in spoken)
    assert r"\ensuremath{\partial}" in document and r"\ensuremath{\hat{y}}" in document
