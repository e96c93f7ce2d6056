"""tui-nn: watch a small neural network learn, one arithmetic step at a time."""

__version__ = "0.1.0"
