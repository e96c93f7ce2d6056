"""A multi-layer perceptron stored as one flat float64 parameter vector.

Layer l (0-based) maps layer l's units to layer l+1's with an (n_in+1) × n_out
block: the first n_in rows are W (so Z = A_prev @ W + b and W[i][j] is the
weight from unit i below to unit j above) and the last row is b. Keeping W and
b in one block lets the fast training kernel do Z = [A_prev, 1] @ [W; b] in one
call, and keeping every block in one vector lets an optimizer update all
parameters in one call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tui_nn.engine.nn.activations import ACTIVATIONS, Activation
from tui_nn.engine.nn.losses import LOSS_NAMES, LOSS_PAIRS, Loss, loss_kind, outputs_for

_PAIRS = frozenset(LOSS_PAIRS)


@dataclass(frozen=True)
class InitSpec:
    """How weights are drawn: normal:SCALE, xavier, he, uniform:A or zeros."""

    kind: str
    value: float = 0.0

    def __str__(self) -> str:
        if self.kind in ("normal", "uniform"):
            return f"{self.kind}:{self.value:g}"
        return self.kind


class Network:
    """Layer sizes, activations, loss and the parameters, with a plain forward/backward."""

    def __init__(
        self,
        sizes: Sequence[int],
        hidden_activation: str = "sigmoid",
        loss: str = "bce",
        output_activation: str | None = None,
        params: np.ndarray | None = None,
        l2: float = 0.0,
    ) -> None:
        """`output_activation` defaults to the one `loss` means on its own (a softmax for "ce", a linear unit for
        "mae", else a sigmoid); "mse" is defined on a sigmoid and on a linear output (a regression).
        Any number of inputs, from 1 (a 1-D regression, 1-H-1) up."""
        self.sizes: tuple[int, ...] = tuple(int(n) for n in sizes)
        self.l2 = float(l2)  # λ of the weight decay (λ/2)·Σw² over the weights, never the biases
        self.hidden_activation = hidden_activation
        self.output_activation = LOSS_NAMES[loss].output_activation if output_activation is None else output_activation
        if (loss, self.output_activation) not in _PAIRS:
            defined_on = " or ".join(f"a {output}" for output in outputs_for(loss))
            raise ValueError(f"the {loss} loss is defined on {defined_on} output, not a {self.output_activation} one")
        if not ACTIVATIONS[self.output_activation].elementwise and self.sizes[-1] < 2:
            raise ValueError(f"a {self.output_activation} output needs at least 2 units (one per class), not {self.sizes[-1]}")
        self.loss = loss
        self.shapes = [(self.sizes[l] + 1, self.sizes[l + 1]) for l in range(self.n_layers)]
        self.offsets: list[int] = []
        total = 0
        for rows, cols in self.shapes:
            self.offsets.append(total)
            total += rows * cols
        self.n_params = total
        self.params = np.zeros(total) if params is None else np.array(params, dtype=np.float64)
        if self.params.shape != (total,):
            raise ValueError(f"expected {total} parameters, got {self.params.shape}")

    @property
    def loss_kind(self) -> Loss:
        """This network's Loss object: its loss name on its output activation (mse on a linear output is a regression's)."""
        return loss_kind(self.loss, self.output_activation)

    @property
    def regression(self) -> bool:
        """The output is a real-valued prediction (a linear unit), not a class."""
        return self.loss_kind.regression

    @property
    def n_layers(self) -> int:
        """Number of weight layers (a 2-4-1 network has 2)."""
        return len(self.sizes) - 1

    def activation(self, layer: int) -> Activation:
        """The activation of weight layer `layer` (0-based), i.e. of unit layer layer+1."""
        if layer == self.n_layers - 1:
            return ACTIVATIONS[self.output_activation]
        return ACTIVATIONS[self.hidden_activation]

    @property
    def one_of_k(self) -> bool:
        """The output is one softmax over K classes (predicted class: the argmax), not independent sigmoids."""
        return not self.activation(self.n_layers - 1).elementwise

    @property
    def activation_names(self) -> list[str]:
        return [self.activation(l).name for l in range(self.n_layers)]

    def block(self, layer: int, params: np.ndarray | None = None) -> np.ndarray:
        """The (n_in+1) × n_out view [W; b] of layer `layer` inside `params` (default: own)."""
        p = self.params if params is None else params
        rows, cols = self.shapes[layer]
        start = self.offsets[layer]
        return p[start : start + rows * cols].reshape(rows, cols)

    def weights(self, layer: int, params: np.ndarray | None = None) -> np.ndarray:
        return self.block(layer, params)[:-1]

    def biases(self, layer: int, params: np.ndarray | None = None) -> np.ndarray:
        return np.asarray(self.block(layer, params)[-1])

    def weight_index(self, layer: int, i: int, j: int) -> int:
        """Position of W[layer][i][j] in the flat parameter vector."""
        return self.offsets[layer] + i * self.shapes[layer][1] + j

    def bias_index(self, layer: int, j: int) -> int:
        rows, cols = self.shapes[layer]
        return self.offsets[layer] + (rows - 1) * cols + j

    def copy(self) -> Network:
        return self.like(self.params.copy())

    def like(self, params: np.ndarray) -> Network:
        """A network of this kind (sizes, activations, loss, λ) holding `params`."""
        return Network(self.sizes, self.hidden_activation, self.loss, self.output_activation, params, self.l2)

    def initialise(self, init: InitSpec, seed: int) -> None:
        """Draw weights layer by layer from one RandomState(seed); biases zero.

        Each layer draws randn(n_in, n_out) (or uniform) from the same stream, first layer
        first, so `np.random.seed(s); W1 = np.random.randn(2, 4) * 0.1; W2 = ...` is
        reproduced to the last digit.
        """
        rng = np.random.RandomState(seed)
        self.params[:] = 0.0
        for l in range(self.n_layers):
            n_in, n_out = self.sizes[l], self.sizes[l + 1]
            w = self.weights(l)
            if init.kind == "zeros":
                continue
            if init.kind == "uniform":
                w[:] = rng.uniform(-init.value, init.value, size=(n_in, n_out))
                continue
            scale = {"normal": init.value, "xavier": np.sqrt(1.0 / n_in), "he": np.sqrt(2.0 / n_in)}[init.kind]
            w[:] = rng.randn(n_in, n_out) * scale

    def forward(self, x: np.ndarray, params: np.ndarray | None = None) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Return (zs, activations): activations[0] = x, zs[l] = activations[l] @ W + b.

        A diverged network's infs and NaNs pass through silently: callers check for them.
        """
        activations = [np.asarray(x, dtype=np.float64)]
        zs: list[np.ndarray] = []
        with np.errstate(all="ignore"):
            for l in range(self.n_layers):
                z = activations[-1] @ self.weights(l, params) + self.biases(l, params)
                zs.append(z)
                activations.append(self.activation(l).vector(z))
        return zs, activations

    def predict(self, x: np.ndarray, params: np.ndarray | None = None) -> np.ndarray:
        return np.asarray(self.forward(x, params)[1][-1])

    def classify(self, x: np.ndarray, params: np.ndarray | None = None) -> np.ndarray:
        """The predicted class of each row: the argmax of a softmax's K probabilities, or ŷ > 0.5 per sigmoid unit."""
        return predicted_classes(self.predict(x, params), self.one_of_k)

    def accuracy(self, x: np.ndarray, y: np.ndarray, params: np.ndarray | None = None) -> float:
        return accuracy(self.predict(x, params), y, self.one_of_k)

    def loss_value(self, x: np.ndarray, y: np.ndarray, params: np.ndarray | None = None) -> float:
        return self.data_loss_value(x, y, params) + self.l2_penalty(params)

    def data_loss_value(self, x: np.ndarray, y: np.ndarray, params: np.ndarray | None = None) -> float:
        """The loss without its L2 term: the mean over the batch of the per-sample loss."""
        zs, acts = self.forward(x, params)
        return self._batch_loss(zs[-1], acts[-1], y)

    def _batch_loss(self, z: np.ndarray, a: np.ndarray, y: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            return self.loss_kind.batch(z, a, y)

    def weight_squares(self, params: np.ndarray | None = None) -> float:
        """Σ w² over every layer's weights (the biases are not decayed)."""
        with np.errstate(all="ignore"):
            return float(sum(np.vdot(w, w) for w in (self.weights(l, params) for l in range(self.n_layers))))

    def l2_penalty(self, params: np.ndarray | None = None) -> float:
        """(λ/2)·Σ w², the L2 term of the loss (0 without weight decay, whatever the weights)."""
        return 0.5 * self.l2 * self.weight_squares(params) if self.l2 else 0.0

    def loss_and_gradient(
        self, x: np.ndarray, y: np.ndarray, params: np.ndarray | None = None
    ) -> tuple[float, np.ndarray, list[np.ndarray], list[np.ndarray]]:
        """Loss, the flat mean gradient, and the forward values, by plain backpropagation.

        δ_L = ∂L/∂z_out; ∂L/∂W = A_prevᵀ·δ / m + λ·W; ∂L/∂b = Σδ / m; δ_prev = (δ·Wᵀ) ⊙ g'(z_prev).
        With weight decay the loss includes (λ/2)·Σw² (cs231n's and PyTorch's weight_decay convention).
        """
        zs, acts = self.forward(x, params)
        m = x.shape[0]
        grad = np.zeros(self.n_params)
        with np.errstate(all="ignore"):
            self._backward(grad, zs, acts, y, m, params)
        return self._batch_loss(zs[-1], acts[-1], y) + self.l2_penalty(params), grad, zs, acts

    def _backward(
        self, grad: np.ndarray, zs: list[np.ndarray], acts: list[np.ndarray], y: np.ndarray, m: int, params: np.ndarray | None
    ) -> None:
        delta = self.loss_kind.delta(acts[-1], y)
        for l in range(self.n_layers - 1, -1, -1):
            g = self.block(l, grad)
            g[:-1] = acts[l].T @ delta / m
            g[-1] = delta.sum(axis=0) / m
            if self.l2:
                g[:-1] += self.l2 * self.weights(l, params)
            if l > 0:
                upstream = delta @ self.weights(l, params).T
                delta = upstream * self.activation(l - 1).derivative_vector(zs[l - 1], acts[l])


def predicted_classes(predicted: np.ndarray, one_of_k: bool = False) -> np.ndarray:
    """Row by row, the argmax of K probabilities (the first of equal ones, as np.argmax and the
    tutorials' loops take it) when `one_of_k`; else each sigmoid output's class, ŷ > 0.5, as 0/1."""
    if one_of_k:
        return np.asarray(np.argmax(predicted, axis=1))
    return np.asarray((predicted > 0.5).astype(np.int64))


def accuracy(predicted: np.ndarray, y: np.ndarray, one_of_k: bool = False) -> float:
    """Fraction right: of samples whose argmax is the target's class (`one_of_k`, y one-hot), else of
    outputs whose class (ŷ > 0.5) equals the target's (y > 0.5)."""
    if one_of_k:
        return float(np.count_nonzero(predicted_classes(predicted, True) == np.argmax(y, axis=1)) / predicted.shape[0])
    return float(np.count_nonzero((predicted > 0.5) == (y > 0.5)) / predicted.size)
