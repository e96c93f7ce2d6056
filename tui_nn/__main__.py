"""`tui-nn` and `python -m tui_nn`: the command line, loaded with the garbage collector paused.

Everything the start imports (NumPy, the engine) lives as long as the process, so a collection
during the imports finds nothing to free: about sixty of them ran there, 5–15 ms of the launch.
The collector is back on before any command runs; the app pauses it again until its first frame
(cli.launch).
"""

from __future__ import annotations

import gc


def main() -> int:
    gc.disable()
    try:
        from tui_nn.cli.commands import main as run
    finally:
        gc.enable()
    return run()


if __name__ == "__main__":
    raise SystemExit(main())
