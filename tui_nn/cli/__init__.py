"""The command line: `main` dispatches to one module per command; the options they share live in one module."""

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """The `tui-nn` entry point; importing the package costs nothing until a command runs."""
    from tui_nn.cli.commands import main as run

    return run(argv)
