"""Quitting: q warns once about trained weights no save holds; an app stopped and continued from
outside (SIGSTOP, SIGCONT) still quits. The signal tests run the real app on a pty."""

from __future__ import annotations

import os
import re
import signal
import sys
import time
from pathlib import Path

import pytest

from tui_nn.engine.session.build import build
from tui_nn.engine.session.config import Config
from tui_nn.ui.shell.app import TuiNN

from .test_lifecycle import DEADLINE, Terminal, assert_terminal_restored, start_app, terminals  # noqa: F401

SIZE = (120, 40)
WARNING = "s saves · q again quits"


def make_app(tmp_path: Path, **options: object) -> TuiNN:
    return TuiNN(build(Config()), pace=None, save_to=str(tmp_path / "net.json"), **options)  # type: ignore[arg-type]


async def wait_for(pilot, condition) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


async def test_q_with_nothing_trained_quits_at_once(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "right")  # steps that change no weight yet
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running
    assert app.return_code == 0


async def test_the_first_q_after_training_says_it_is_not_saved_and_the_second_quits(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")  # one epoch by hand: the weights have changed
        assert app.stepper.epoch == 1
        await pilot.press("q")
        await pilot.pause()
        assert app.is_running, "the first q only warned"
        assert app.message == f"epoch 1's trained weights are not saved: {WARNING}"
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running
    assert app.return_code == 0


async def test_q_after_s_quits_at_once_and_warns_again_after_more_training(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e", "s")
        assert (tmp_path / "net.json").exists()
        await pilot.press("e", "q")
        await pilot.pause()
        assert app.is_running and app.message.endswith(WARNING), "epoch 2 is newer than the save"
        await pilot.press("s", "q")
        await pilot.pause()
        assert not app.is_running, "saved: q quits at once"
    assert app.return_code == 0


async def test_q_during_live_training_warns_without_stopping_it_then_quits(tmp_path: Path) -> None:
    app = TuiNN(build(Config()), target_loss=1e-300, pace=None, save_to=str(tmp_path / "net.json"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        await wait_for(pilot, lambda: app.view.epoch > 20)
        await pilot.press("q")
        await pilot.pause()
        assert app.is_running and app.training and app.message.endswith(WARNING)
        assert "epoch" not in app.message, "the epoch moves on under the message while training goes on"
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running)
    assert app.return_code == 0


def test_an_app_stopped_and_continued_from_outside_still_quits(terminals: list[Terminal], tmp_path: Path) -> None:  # noqa: F811
    """kill -STOP, kill -CONT, then q used to blank the screen and leave the process running for
    good: Textual's SIGCONT handler started a second input and output thread."""
    terminal = start_app(terminals, tmp_path, args=[sys.executable, "-m", "tui_nn", "xor", "--target-loss", "1e-300"])
    terminal.write(b"T")
    deadline = time.monotonic() + DEADLINE
    assert terminal.read_until_match(re.compile(rb"training live.*epochs/s", re.DOTALL), deadline), "frames arrive"
    terminal.process.send_signal(signal.SIGSTOP)
    time.sleep(0.3)
    terminal.process.send_signal(signal.SIGCONT)
    before = len(terminal.output)
    terminal.write(b"q")
    assert terminal.read_until(WARNING.encode(), deadline), "the app answers keys after SIGCONT"
    assert len(terminal.output) > before
    terminal.write(b"q")
    assert terminal.read_to_eof(deadline)
    assert terminal.wait(deadline) == 0
    assert_terminal_restored(bytes(terminal.output))


@pytest.mark.parametrize("when", ["after it stopped", "as it stops"])
def test_an_app_suspended_by_sigtstp_resumes_and_quits(terminals: list[Terminal], tmp_path: Path, when: str) -> None:  # noqa: F811
    """A SIGTSTP the app handles itself (it leaves application mode, then stops itself) resumes on a
    SIGCONT sent once the process has stopped, as a shell's `fg` does, or sent as soon as it has left
    the alternate screen, often before it has stopped itself. That second order used to resume
    application mode inside the SIGTSTP handler, whose SIGSTOP then stopped the process for good."""
    terminal = start_app(terminals, tmp_path)
    terminal.process.send_signal(signal.SIGTSTP)
    deadline = time.monotonic() + DEADLINE
    while terminal.output.count(b"\x1b[?1049l") == 0:  # it left the alternate screen to stop
        assert terminal._read_some(deadline), "it never left application mode"
    if when == "after it stopped":
        while True:  # as a shell waits for a job to stop
            pid, status = os.waitpid(terminal.process.pid, os.WUNTRACED | os.WNOHANG)
            if pid:
                assert os.WIFSTOPPED(status), "it stopped itself"
                break
            assert time.monotonic() < deadline, "it never stopped"
            time.sleep(0.01)
    terminal.process.send_signal(signal.SIGCONT)
    assert terminal.read_until_match(re.compile(rb"\x1b\[\?1049l.*\x1b\[\?1049h", re.DOTALL), deadline), "back in it"
    # A key typed while the terminal is still in cooked mode is discarded when the app turns raw mode
    # back on (the mode change flushes pending input), as a real terminal would: press q until it lands.
    for _ in range(20):
        terminal.write(b"q")
        if terminal.read_to_eof(min(deadline, time.monotonic() + 1.0)):
            break
    assert terminal.read_to_eof(deadline)
    assert terminal.wait(deadline) == 0
    assert_terminal_restored(bytes(terminal.output))
