"""What PyTorch calls an operation: the text the NumPy view's PyTorch lens writes for it.

Each activation, loss and optimizer carries one of these as its `torch` field, so the lens asks
the object and never its name; a new operation without one fails tests/test_torch_lens.py.
Text only: tui-nn never imports torch.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TorchActivation:
    """An activation as a layer of an nn.Sequential and as a function."""

    module: str
    """The layer, as written inside nn.Sequential(...): "nn.Tanh()"."""
    function: str
    """The same as a function, "{}" standing for its tensor: "torch.tanh({})"."""

    def call(self, tensor: str) -> str:
        return self.function.format(tensor)

    note: str = ""
    """Where PyTorch's computes it differently from ours ("" when it is the same)."""


@dataclass(frozen=True)
class TorchLoss:
    """A loss as torch.nn.functional writes it, and what it takes."""

    function: str
    """The function, written before "(logits, y)": "F.binary_cross_entropy_with_logits"."""
    takes_logits: bool
    """It applies the output activation itself, so the model ends at its last nn.Linear (and the output is logits)."""
    why: str
    """Why it is called so, said beside the loss line."""
    halves: bool = False
    """Our loss has a ½ that PyTorch's has not: the lens divides by 2 to reproduce our numbers."""
    targets: str = "y"
    """How the targets are passed, given the one-hot or 0/1 tensor y ("y.argmax(dim=1)": class indices)."""
    per_row: bool = False
    """It gives one number per row already (over all the row's outputs): no sum over the outputs."""


@dataclass(frozen=True)
class TorchOptimizer:
    """An optimizer as torch.optim builds it, and where it keeps what ours calls M and S."""

    cls: str
    """The class: "torch.optim.SGD"."""
    arguments: str
    """Its arguments after lr, each with its leading ", ": ", momentum=0.9"."""
    state: tuple[tuple[str, str], ...]
    """(our name, PyTorch's key in optimizer.state[p]) of what it remembers: ("M", "momentum_buffer")."""
    note: str
    """How its step compares with ours."""
