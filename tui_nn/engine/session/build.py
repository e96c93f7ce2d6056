"""Build a network, its data and a stepper from a Config: one recipe for the CLI and the app."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import PurePath

import numpy as np

from tui_nn.engine.nn import datasets
from tui_nn.engine.nn.datasets import Dataset
from tui_nn.engine.nn.network import Network
from tui_nn.engine.session import persist
from tui_nn.engine.session.config import (
    DATA_PROBLEM,
    MAX_POINTS,
    PROBLEM_DEFAULTS,
    WHY_LIMITED,
    Config,
    ConfigError,
    check_dropout,
    check_network,
    classes_for_loss,
    format_hidden,
)
from tui_nn.engine.session.safe_files import shown_path
from tui_nn.engine.walk.stepper import Stepper


@dataclass
class Session:
    config: Config
    data: Dataset
    net: Network
    stepper: Stepper
    initial_params: np.ndarray
    extra: dict[str, object]
    # (epoch, what changed) for the loss chart: η changes and what-if edits, in order
    markers: list[tuple[int, str]] = field(default_factory=list)
    # what to know first about how this session was set up (the settings --data chose, a data
    # file changed since a replay's session was saved): said once as it opens, in the log and status
    origin: str | None = None
    # with a validation set (config.val): the rows held out, never trained on, and every row as
    # read (`data` is then the training part); None without one
    validation: Dataset | None = None
    whole: Dataset | None = None

    @property
    def all_data(self) -> Dataset:
        """Every row of the data set, training and validation: what a recording stores."""
        return self.whole if self.whole is not None else self.data

    def describe(self) -> str:
        net, c = self.net, self.config
        layers = "-".join(str(n) for n in net.sizes)
        acts = "/".join(dict.fromkeys(net.activation_names))
        batch = f"batch {c.batch}" if c.batch and c.batch < self.data.size else f"full batch ({self.data.size})"
        source = f"weights from {c.weights}" if c.weights else f"init {c.init}, seed {c.seed}"
        name = self.data.name if c.data else c.problem
        decay = f", L2 λ={c.l2:g}" if c.l2 else ""
        decay += f", dropout p={c.dropout:g}" if c.dropout else ""
        held_out = ""
        if self.validation is not None:
            held_out = f", {self.validation.size} of {self.all_data.size} points held out for validation (--val {c.val:g})"
        return f"{name}: {layers} {acts}, {net.loss}{decay}, {c.optimizer} η={c.lr:g}, {batch}{held_out}, {source}"

    @property
    def file_stem(self) -> str:
        """What the files this session writes are named after: the learner's own data set when
        there is one (mydata-epoch120.json, as the screen says mydata), else the problem. Only
        letters, digits, '.', '_' and '-' are kept, so the name is safe in any folder and shell."""
        if not self.config.data:
            return self.config.problem
        stem = re.sub(r"[^\w.-]+", "-", PurePath(self.config.data).stem).strip("-.")
        return stem or "data"

    def restarted(self) -> Session:
        """A new session at epoch 0 from the same initial parameters and the current settings."""
        net = self.net.copy()
        net.params[:] = self.initial_params
        c = self.config
        stepper = Stepper(
            net, self.data, c.optimizer, c.lr, c.batch, c.seed, digits=self.stepper.fmt.digits, validation=self.validation
        )
        return Session(
            c, self.data, net, stepper, self.initial_params.copy(), dict(self.extra), validation=self.validation, whole=self.whole
        )


def data_defaults(config: Config, given: Collection[str]) -> str | None:
    """The settings `--data FILE` chose without a problem named: a network for point clouds
    (DATA_PROBLEM's), not the gates' 2-2-1 sigmoid. One sentence naming the values and the
    options that change them, or None when every one was given (or there is no data file)."""
    chosen = [name for name in PROBLEM_DEFAULTS.get(config.problem, PROBLEM_DEFAULTS[DATA_PROBLEM]) if name not in given]
    if not config.data or not chosen:
        return None
    values = {
        "hidden": f"hidden {format_hidden(config.hidden)}",
        "activation": config.activation,
        "lr": f"η {config.lr:g}",
        "init": f"init {config.init}",
        "seed": f"seed {config.seed}",
        "optimizer": config.optimizer,
        "loss": config.loss,
    }
    gates = Config()
    flags = ", ".join(f"--{name}" for name in chosen)
    return (
        f"defaults for your own data: {', '.join(values[name] for name in chosen)} "
        f"(not the gates' hidden {format_hidden(gates.hidden)} {gates.activation}, η {gates.lr:g}); {flags} change them"
    )


def build(config: Config, data: Dataset | None = None, hidden_given: bool = True, digits: int = 4) -> Session:
    """The session for `config`; `data` overrides the problem's data set (trace --input).

    The data come from config.data (a CSV file) when it is set, else from the problem. A network
    loaded from config.weights, like one built from config.hidden, must be within the limits of
    config.py (MAX_HIDDEN_LAYERS, MAX_UNITS, MAX_PARAMS), and the data within MAX_POINTS.
    """
    given = data is not None
    if data is None:
        data = datasets.read_csv(config.data, MAX_POINTS, config.task) if config.data else datasets.load(config.problem)
        if config.task is not None and config.task != data.task:  # a built-in problem knows its own task
            raise ConfigError(
                f"--task {config.task}: {data.name} is a {data.task_kind.title}; --task decides only what a --data file's "
                "targets are"
            )
    if data.size > MAX_POINTS:
        raise ConfigError(f"{data.name} has {data.size} points: at most {MAX_POINTS} ({WHY_LIMITED})")
    loaded = persist.load(config.weights) if config.weights else None
    if not given:  # a data set's classes as its loss's output needs them (one-hot for a softmax); given data stay as given
        data = classes_for_loss(data, loaded.loss_for(config.loss, data.task_kind) if loaded is not None else config.loss)
    n_in, n_out = data.x.shape[1], data.y.shape[1]
    extra: dict[str, object] = {}
    if config.weights:
        assert loaded is not None
        sizes = loaded.sizes
        try:
            check_network(sizes)
        except ConfigError as error:
            raise ConfigError(f"{shown_path(config.weights)}: {error}") from None
        if hidden_given and tuple(sizes[1:-1]) != config.hidden:
            raise ConfigError(
                f"--hidden {format_hidden(config.hidden)} disagrees with {shown_path(config.weights)}, whose layers are "
                f"{'-'.join(map(str, sizes))}"
            )
        if sizes[0] != n_in or sizes[-1] != n_out:
            raise ConfigError(
                f"{shown_path(config.weights)}: the network has {sizes[0]} input(s) and {sizes[-1]} output(s) but "
                f"{data.name} has {n_in} and {n_out}"
            )
        net = loaded.build(config.activation, config.loss, data.task_kind)
        net.l2 = config.l2  # a weights file holds no λ: the session's setting decides it
        if config.dropout and net.n_layers < 2:
            raise ConfigError(
                f"--dropout {config.dropout:g}: dropout acts on hidden layers, and {shown_path(config.weights)} has none"
            )
        net.dropout = config.dropout  # nor a p that binds: a file records how it was trained, the session decides
        config = config.with_changes(hidden=tuple(sizes[1:-1]), activation=net.hidden_activation, loss=net.loss)
        extra = loaded.extra
    else:
        check_network((n_in, *config.hidden, n_out))
        check_dropout(config)
        output = data.task_kind.output_activation(config.loss)
        net = Network((n_in, *config.hidden, n_out), config.activation, config.loss, output, l2=config.l2, dropout=config.dropout)
        net.initialise(config.init, config.seed)
    whole, validation = data, None
    if config.val:
        try:
            split = datasets.validation_split(data, config.val)
        except datasets.SplitError as error:
            raise ConfigError(str(error)) from None
        data, validation = split.training, split.validation
    if config.batch is not None and config.batch > data.size:
        held = f" once {validation.size} are held out for validation" if validation is not None else ""
        raise ConfigError(f"batch size {config.batch} is larger than the data set ({data.size} samples{held})")
    initial = net.params.copy()
    stepper = Stepper(net, data, config.optimizer, config.lr, config.batch, config.seed, digits=digits, validation=validation)
    return Session(config, data, net, stepper, initial, extra, validation=validation, whole=whole if validation else None)
