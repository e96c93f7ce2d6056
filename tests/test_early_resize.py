"""A terminal that changes size before the app has drawn its first screen: the app settles at the
new size, draws, answers `q` and ends, as after any other resize.

Textual's screen lays out at the size a Resize event carries and then posts a Resize to itself when
that layout changed its size. The app forwards its starting size to the screen as it starts; if the
terminal changes size before the screen has handled it, the screen lays out at the new size, then
at the stale starting size, whose echo and the new size's echo keep undoing each other: the screen
was laid out again and again forever (a quarter of a core busy, memory growing, no frame drawn,
`q` never handled, the process outliving its terminal). tui_nn/ui/screens/screen_size.py drops a Resize to
a size the terminal no longer has.

Each test starts the app on a real pty whose size the app itself changes (TIOCSWINSZ and a SIGWINCH
to itself) from its mount, before its first frame: the moment a late SIGWINCH or a web page's first
size reaches it, made exact rather than left to timing.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from tests.test_lifecycle import DEADLINE, FIRST_FRAME, Terminal, assert_terminal_restored, spawn, terminals  # noqa: F401

# The app, its mount changing its terminal's size (the pty on fd 0) to COLUMNS×LINES before anything is drawn.
RESIZED_AT_MOUNT = """
import fcntl, os, signal, struct, sys, termios
from tui_nn.ui.shell.app import TuiNN
columns, lines = int(sys.argv[1]), int(sys.argv[2])
mount = TuiNN.on_mount
def on_mount(self):
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    os.kill(os.getpid(), signal.SIGWINCH)
    mount(self)
TuiNN.on_mount = on_mount
from tui_nn.cli.commands import main
sys.argv = ["tui-nn", "xor"]
sys.exit(main())
"""

# (start, new): either side of the layout's thresholds in tui_nn/ui/shell/app.py and plain changes.
SIZES = [
    ((80, 24), (120, 40)),
    ((64, 20), (200, 60)),
    ((120, 40), (80, 24)),
    ((63, 19), (64, 20)),  # too small (MIN_WIDTH × MIN_HEIGHT), then just big enough
    ((109, 31), (110, 32)),  # compact footer and screen (FOOTER_COMPACT_WIDTH, COMPACT_HEIGHT), then full
    ((160, 45), (159, 44)),  # wide (WIDE_WIDTH × WIDE_HEIGHT), then not
]


@pytest.mark.parametrize(("start", "new"), SIZES, ids=lambda size: "x".join(map(str, size)))
def test_a_resize_before_the_first_frame_settles_and_q_quits(
    terminals: list[Terminal],  # noqa: F811
    tmp_path: Path,
    start: tuple[int, int],
    new: tuple[int, int],
) -> None:
    columns, lines = new
    terminal = spawn([sys.executable, "-c", RESIZED_AT_MOUNT, str(columns), str(lines)], tmp_path, size=start)
    terminals.append(terminal)
    deadline = time.monotonic() + DEADLINE
    if new[0] >= 64 and new[1] >= 20:  # the panes are shown (else the screen asks to be made bigger)
        assert terminal.read_until(FIRST_FRAME, deadline), (
            f"no first frame after a resize from {start} to {new}: {bytes(terminal.output[-300:])!r}"
        )
    terminal.write(b"q")
    assert terminal.read_to_eof(deadline), f"q did not end the app after a resize from {start} to {new}"
    assert terminal.wait(deadline) == 0
    assert_terminal_restored(bytes(terminal.output))
