"""Build a network, its data and a stepper from a Config: one recipe for the CLI and the app."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tui_nn.engine import datasets, persist
from tui_nn.engine.config import Config, ConfigError
from tui_nn.engine.datasets import Dataset
from tui_nn.engine.network import Network
from tui_nn.engine.stepper import Stepper


@dataclass
class Session:
    config: Config
    data: Dataset
    net: Network
    stepper: Stepper
    initial_params: np.ndarray
    extra: dict[str, object]

    def describe(self) -> str:
        net, c = self.net, self.config
        layers = "-".join(str(n) for n in net.sizes)
        acts = "/".join(dict.fromkeys(net.activation_names))
        batch = f"batch {c.batch}" if c.batch and c.batch < self.data.size else f"full batch ({self.data.size})"
        source = f"weights from {c.weights}" if c.weights else f"init {c.init}, seed {c.seed}"
        return f"{c.problem}: {layers} {acts}, {net.loss}, {c.optimizer} η={c.lr:g}, {batch}, {source}"

    def restarted(self) -> Session:
        """A new session at epoch 0 from the same initial parameters and the current settings."""
        net = self.net.copy()
        net.params[:] = self.initial_params
        c = self.config
        stepper = Stepper(net, self.data, c.optimizer, c.lr, c.batch, c.seed, digits=self.stepper.fmt.digits)
        return Session(c, self.data, net, stepper, self.initial_params.copy(), dict(self.extra))


def build(config: Config, data: Dataset | None = None, hidden_given: bool = True, digits: int = 4) -> Session:
    """The session for `config`; `data` overrides the problem's data set (trace --input)."""
    data = data if data is not None else datasets.load(config.problem)
    n_in, n_out = data.x.shape[1], data.y.shape[1]
    extra: dict[str, object] = {}
    if config.weights:
        loaded = persist.load(config.weights)
        sizes = loaded.sizes
        if hidden_given and tuple(sizes[1:-1]) != config.hidden:
            raise ConfigError(
                f"--hidden {','.join(map(str, config.hidden))} disagrees with {config.weights}, whose layers are "
                f"{'-'.join(map(str, sizes))}"
            )
        if sizes[0] != n_in or sizes[-1] != n_out:
            raise ConfigError(
                f"{config.weights}: the network has {sizes[0]} input(s) and {sizes[-1]} output(s) but "
                f"{data.name} has {n_in} and {n_out}"
            )
        try:
            net = loaded.build(config.activation, config.loss)
        except persist.NetworkFileError as error:
            raise persist.NetworkFileError(f"{config.weights}: {error}") from None
        config = config.with_changes(hidden=tuple(sizes[1:-1]), activation=net.hidden_activation, loss=net.loss)
        extra = loaded.extra
    else:
        net = Network((n_in, *config.hidden, n_out), config.activation, config.loss)
        net.initialise(config.init, config.seed)
    if config.batch is not None and config.batch > data.size:
        raise ConfigError(f"batch size {config.batch} is larger than the data set ({data.size} samples)")
    initial = net.params.copy()
    stepper = Stepper(net, data, config.optimizer, config.lr, config.batch, config.seed, digits=digits)
    return Session(config, data, net, stepper, initial, extra)
