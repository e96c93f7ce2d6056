"""The settings that define a session, validated in one place for the CLI and the app.

Every parse_* function takes the text a user typed and returns the value or
raises ConfigError with one sentence saying what is wrong.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from tui_nn.engine.nn.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from tui_nn.engine.nn.datasets import MAX_VALIDATION, PROBLEMS, Dataset, one_hot
from tui_nn.engine.nn.losses import LOSS_CHOICES, LOSS_KINDS, as_loss
from tui_nn.engine.nn.network import InitSpec
from tui_nn.engine.nn.optimizers import OPTIMIZERS
from tui_nn.engine.nn.tasks import TASK_NAMES

# Limits. The app walks every multiply-add of every sample in pure Python: finishing a pass
# (the `e` key, or `t` from mid-pass) computes all of them at once, about
# (points) × (micro-steps per sample) ≈ points × (parameters + 4·hidden units) scalar
# operations. Within these limits the worst network, 2-61-2-1-63-1 (500 parameters, 1,012
# micro-steps per sample), on 500 points takes 0.14–0.21 s (fastest–median, the project's
# 2-core machine under load; `python -m benchmarks.limits`), so every key answers well within
# half a second. The diagram draws up to 16 units per column and counts the rest.
MAX_HIDDEN_LAYERS = 4
MAX_UNITS = 64
MAX_PARAMS = 500
MAX_POINTS = 500
WHY_LIMITED = "this app walks every multiply-add"

# The one range of η, for the command line, the settings screen, lessons, session files and the
# +/− keys: beyond 1e6 the first update throws every weight past what float64 can square, below
# 1e-12 the updates vanish under the weights' own rounding (a weight of 1 moves by less than 1 ulp).
MIN_LR, MAX_LR = 1e-12, 1e6
# The largest normal:SCALE or uniform:A: already at 1e3 every sigmoid of the gates saturates to
# exactly 0 or 1, so larger scales show nothing new, and beyond about 9e307 NumPy cannot even draw
# uniform(−A, A) (its width 2A overflows).
# The largest L2 weight decay λ. The decay pulls each weight towards 0 with the force λ·w, while
# a sigmoid output's BCE or MSE pulls with at most |x| per weight; at λ = 100 on the app's data
# (|x| ≤ about 1) no weight can settle beyond about 1e-2, so larger λ only pin a network at
# zero, and λ·η beyond 2 makes plain SGD overshoot zero and diverge however small η already is.
MAX_L2 = 100.0
MAX_INIT_SCALE = 1e6
MAX_PARAMETER = 1e6  # what-if values beyond this are refused: no float64 network needs them
MAX_LESSON_BYTES = 256 * 1024  # a lesson file or a recorded lesson's text (the built-in lesson is about 12 kB)
SHOWN_CHARACTERS = 24  # of a value echoed in an error message
MAX_DIGITS = 30  # of a whole number: far beyond every bound here, far below int()'s own limit of 4,300


class ConfigError(ValueError):
    """A setting the user gave is invalid; the message says which and why."""


@dataclass(frozen=True)
class Config:
    problem: str = "xor"
    hidden: tuple[int, ...] = (2,)
    activation: str = "sigmoid"
    loss: str = "bce"
    lr: float = 1.0
    init: InitSpec = InitSpec("normal", 1.0)
    seed: int = 3
    optimizer: str = "sgd"
    batch: int | None = None
    weights: str | None = None
    data: str | None = None  # a CSV file of points (x1, x2, label) used instead of the problem's data
    l2: float = 0.0  # λ of the weight decay (λ/2)·Σw² over the weights, not the biases; 0: none
    val: float = 0.0  # the fraction of the data held out as a validation set (0: none)
    task: str | None = None  # classify or regress (tasks.TASKS); None: the data's own (a CSV of whole numbers is a class)
    dropout: float = 0.0  # p, the probability a hidden unit is dropped in training (inverted dropout); 0: none

    def with_changes(self, **changes: object) -> Config:
        return replace(self, **changes)  # type: ignore[arg-type]


# Defaults per problem where the gates' 2-2-1 sigmoid net cannot learn the data.
PROBLEM_DEFAULTS: dict[str, dict[str, object]] = {
    "circle": {"hidden": (8,), "activation": "tanh", "lr": 0.5, "init": InitSpec("xavier"), "seed": 1},
    "spiral": {"hidden": (16, 8), "activation": "relu", "lr": 0.02, "init": InitSpec("he"), "seed": 1, "optimizer": "adam"},
    # cs231n's case study: a ReLU layer (its 100 units capped at our 64), 0.01·randn weights, step size 1
    "spiral3": {"hidden": (64,), "activation": "relu", "loss": "ce", "lr": 1.0, "init": InitSpec("normal", 0.01), "seed": 1},
    "blobs": {"hidden": (8,), "activation": "tanh", "loss": "ce", "lr": 0.5, "init": InitSpec("xavier"), "seed": 1},
    # regression (a linear output): η measured over 5,000 full-batch epochs; sine's 0.2 already oscillates, 0.5 diverges;
    # saddle at 0.5 reached R² 0.99 by epoch ~1,100 and then spiked (loss ×3 above its low) on most later epochs, seeds
    # 1–3, and the app called its own default too high; at 0.2 none of 20,000 epochs spike, R² 0.99 by ~2,700
    "sine": {"hidden": (16,), "activation": "tanh", "loss": "mse", "lr": 0.1, "init": InitSpec("xavier"), "seed": 1},
    "saddle": {"hidden": (8,), "activation": "tanh", "loss": "mse", "lr": 0.2, "init": InitSpec("xavier"), "seed": 1},
}


# The defaults `--data FILE` starts from when no problem is named: a small tanh network that
# learns most two-class point clouds, and stays easy to watch.
DATA_PROBLEM = "circle"
DATA_REGRESSION = {1: "sine", 2: "saddle"}  # …and a file of real-valued targets, by its count of inputs


def defaults_for(problem: str) -> Config:
    return Config(problem=problem).with_changes(**PROBLEM_DEFAULTS.get(problem, {}))


def _choice(kind: str, value: str, choices: tuple[str, ...]) -> str:
    name = value.strip().lower().replace("-", "_")
    if name not in choices:
        raise ConfigError(f"unknown {kind} {shown_value(value)}: choose one of {', '.join(choices)}")
    return name


def parse_problem(text: str) -> str:
    return _choice("problem", text, PROBLEMS)


def parse_activation(text: str) -> str:
    return _choice("activation", text, HIDDEN_ACTIVATIONS)


def parse_loss(text: str) -> str:
    return _choice("loss", text, LOSS_CHOICES)


def parse_optimizer(text: str) -> str:
    return _choice("optimizer", text, OPTIMIZERS)


AUTO_TASK = "auto"
"""The task field's text for None: the data's own task."""


def parse_task(text: str) -> str | None:
    """classify, regress, or auto (None: what the data is, a CSV of whole-number targets a classification)."""
    name = _choice("task", text, (AUTO_TASK, *TASK_NAMES))
    return None if name == AUTO_TASK else name


def format_task(task: str | None) -> str:
    return AUTO_TASK if task is None else task


def shown_value(text: str) -> str:
    """What the user typed, as an error message quotes it: on one line (control characters
    escaped), and cut to SHOWN_CHARACTERS with an ellipsis, so a pasted page stays one line."""
    one_line = text if text.isprintable() else repr(text)[1:-1]
    if len(one_line) <= SHOWN_CHARACTERS:
        return f"'{one_line}'"
    return f"'{one_line[: SHOWN_CHARACTERS - 1]}…' ({len(text):,} characters)"


def _positive_float(kind: str, text: str, low: float = 0.0, high: float = math.inf) -> float:
    """A finite number above 0 (and within low … high when they are given)."""
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"{kind} must be a number, not {shown_value(text)}") from None
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(f"{kind} must be a positive finite number, not {shown_value(text.strip())}")
    if not low <= value <= high:
        within = f"within {low:g} … {high:g}" if low > 0 else f"at most {high:g}"
        raise ConfigError(f"{kind} must be {within}, not {shown_value(text.strip())}")
    return value


def lr_refusal(shown: str) -> str:
    """The one sentence that refuses an η out of bounds, on every path: --lr, the +/− keys, the
    settings screen, a lesson's front matter and a session file."""
    return f"learning rate must be within {MIN_LR:g} … {MAX_LR:g}, not {shown}"


def parse_lr(text: str) -> float:
    value = _positive_float("learning rate", text)
    if not MIN_LR <= value <= MAX_LR:
        raise ConfigError(lr_refusal(shown_value(text.strip())))
    return value


def parse_l2(text: str) -> float:
    """λ of the weight decay: 0 (none) up to MAX_L2."""
    kind = "L2 weight decay λ"
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"{kind} must be a number, not {shown_value(text)}") from None
    if not math.isfinite(value) or not 0.0 <= value <= MAX_L2:
        raise ConfigError(f"{kind} must be a finite number within 0 … {MAX_L2:g} (0: none), not {shown_value(text.strip())}")
    return value + 0.0  # -0 reads as 0


def parse_dropout(text: str) -> float:
    """Dropout's p, the probability a hidden unit is dropped in training: 0 ≤ p < 1 (0: none). At
    p = 1 every unit would be dropped and the kept ones scaled by 1/(1 − p) = 1/0."""
    kind = "dropout p (the probability a hidden unit is dropped)"
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"{kind} must be a number, not {shown_value(text)}") from None
    if not math.isfinite(value) or not 0.0 <= value < 1.0:
        raise ConfigError(f"{kind} must be at least 0 and below 1 (0: none), not {shown_value(text.strip())}")
    return value + 0.0  # -0 reads as 0


def check_dropout(config: Config) -> None:
    """Refuse dropout on a network without a hidden layer: it acts on hidden units only."""
    if config.dropout and not config.hidden:
        raise ConfigError(
            f"--dropout {format_number(config.dropout)}: dropout acts on hidden layers, and --hidden none has none "
            "(add a hidden layer, or leave dropout at 0)"
        )


def format_number(value: float) -> str:
    """A float as short as it reads (1, 0.5, 1e-05) when that is exact, else every digit it needs:
    a field shown and applied again must not change η by rounding it to six digits."""
    short = f"{value:g}"
    return short if float(short) == value else repr(value)


def parse_target_loss(text: str) -> float:
    return _positive_float("target loss", text)


def parse_int(kind: str, text: str, minimum: int, maximum: int | None = None) -> int:
    digits = text.strip().lstrip("+-").lstrip("0")  # leading zeros add nothing to the value
    if digits.isdigit() and digits.isascii() and len(digits) > MAX_DIGITS:
        # int() itself refuses more than 4,300 digits (Python's limit against slow conversions)
        if text.strip().startswith("-"):
            raise ConfigError(f"{kind} is too small (at least {minimum}): a negative number of {len(digits):,} digits")
        bound = f" (at most {maximum})" if maximum is not None else ""
        raise ConfigError(f"{kind} is too large{bound}: a number of {len(digits):,} digits")
    try:
        value = int(text.strip())
    except ValueError:
        raise ConfigError(f"{kind} must be a whole number, not {shown_value(text)}") from None
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise ConfigError(f"{kind} must be at least {minimum}{upper}, not {value}")
    return value


def parse_seed(text: str) -> int:
    return parse_int("seed", text, 0, 2**32 - 1)


def n_parameters(sizes: tuple[int, ...]) -> int:
    """Weights and biases of a network with these layer sizes: Σₗ (nₗ + 1)·nₗ₊₁."""
    return sum((sizes[l] + 1) * sizes[l + 1] for l in range(len(sizes) - 1))


def check_network(sizes: tuple[int, ...]) -> None:
    """Refuse a network beyond the limits (hidden layers, units per layer, parameters)."""
    hidden = sizes[1:-1]
    if len(hidden) > MAX_HIDDEN_LAYERS:
        raise ConfigError(f"at most {MAX_HIDDEN_LAYERS} hidden layers ({WHY_LIMITED}), not {len(hidden)}")
    widest = max(hidden, default=0)
    if widest > MAX_UNITS:
        shown = str(widest) if widest < 10**12 else f"a number of {len(str(widest))} digits"
        raise ConfigError(f"at most {MAX_UNITS} units per hidden layer ({WHY_LIMITED}), not {shown}")
    params = n_parameters(sizes)
    if params > MAX_PARAMS:
        shape = "-".join(str(n) for n in sizes)
        raise ConfigError(f"{shape} has {params:,} parameters: at most {MAX_PARAMS} ({WHY_LIMITED})")


def parse_hidden(text: str) -> tuple[int, ...]:
    """'4' → (4,); '16,8' → (16, 8); 'none' → () (no hidden layer: a perceptron).

    Checked against the limits for the app's data sets, which all have 2 inputs and 1 output.
    """
    if text.strip().lower() == "none":
        return ()
    parts = [p for p in text.replace(" ", "").split(",")]
    if not text.strip() or any(p == "" for p in parts):
        raise ConfigError(
            f"hidden layer sizes must be numbers separated by commas (e.g. 4 or 16,8) or none, not {shown_value(text)}"
        )
    if len(parts) > MAX_HIDDEN_LAYERS:
        raise ConfigError(f"at most {MAX_HIDDEN_LAYERS} hidden layers ({WHY_LIMITED}), not {len(parts)}")
    hidden = []
    for part in parts:
        significant = part.lstrip("0")
        if significant.isascii() and significant.isdigit() and len(significant) > MAX_DIGITS:
            raise ConfigError(
                f"at most {MAX_UNITS} units per hidden layer ({WHY_LIMITED}), not a number of {len(significant):,} digits"
            )
        try:
            size = int(part)
        except ValueError:
            raise ConfigError(f"a hidden layer size must be a whole number, not {shown_value(part)}") from None
        if size < 1:
            raise ConfigError(f"a hidden layer size must be at least 1, not {size} (for no hidden layer, write none)")
        hidden.append(size)
    check_network((2, *hidden, 1))
    return tuple(hidden)


def format_hidden(hidden: tuple[int, ...]) -> str:
    """The text parse_hidden reads back: '16,8', or 'none' for no hidden layer."""
    return ",".join(str(n) for n in hidden) if hidden else "none"


def parse_batch(text: str) -> int | None:
    if text.strip().lower() in ("", "full", "all"):
        return None
    return parse_int("batch size", text, 1)


def parse_init(text: str) -> InitSpec:
    """normal:SCALE, xavier, he, uniform:A or zeros."""
    name, _, arg = text.strip().lower().partition(":")
    if name in ("xavier", "he", "zeros"):
        if arg:
            raise ConfigError(f"init '{name}' takes no value, not {shown_value(text)}")
        return InitSpec(name)
    if name in ("normal", "uniform"):
        if not arg:
            raise ConfigError(f"init '{name}' needs a scale, e.g. {name}:0.5")
        return InitSpec(name, _positive_float(f"the {name} init scale", arg, high=MAX_INIT_SCALE))
    raise ConfigError(f"unknown init {shown_value(text)}: use normal:SCALE, xavier, he, uniform:A or zeros")


NO_VALIDATION = ("none", "off")


def parse_val(text: str) -> float:
    """A validation fraction in (0, MAX_VALIDATION], or none (off) for no validation set."""
    if text.strip().lower() in NO_VALIDATION:
        return 0.0
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"validation fraction must be a number or none, not {shown_value(text)}") from None
    if not (math.isfinite(value) and 0.0 < value <= MAX_VALIDATION):
        raise ConfigError(
            f"validation fraction must be more than 0 and at most {MAX_VALIDATION:g} (or none), not {shown_value(text.strip())}"
        )
    return value


def format_val(val: float) -> str:
    return format_number(val) if val else "none"


def format_batch(batch: int | None) -> str:
    return "full" if batch is None else str(batch)


def format_init(init: InitSpec) -> str:
    return f"{init.kind}:{format_number(init.value)}" if init.kind in ("normal", "uniform") else init.kind


@dataclass(frozen=True)
class Field:
    """One setting of a Config, as every door reads and writes it: the command line (--NAME), a
    session file's config, a lesson's front matter and the settings screen. The bounds are the
    parse function's: each refuses with one sentence naming the setting."""

    name: str
    label: str  # on the settings screen
    help: str  # of the command-line option
    parse: Callable[[str], Any]
    format: Callable[[Any], str]  # the text `parse` reads back to the same value
    choices: tuple[str, ...] = ()  # a closed list: the settings screen offers it as a menu


# In the order of `tui-nn --help`; `data` and `weights` are file names, not parsed here.
FIELDS: dict[str, Field] = {
    field.name: field
    for field in (
        Field("problem", "data set", f"data set: {', '.join(PROBLEMS)} (optional with --data)", parse_problem, str, PROBLEMS),
        Field(
            "hidden", "hidden layers", "hidden layer sizes, e.g. 4 or 16,8 (default 2 for the gates)", parse_hidden, format_hidden
        ),
        Field(
            "activation",
            "hidden activation",
            f"hidden activation: {', '.join(HIDDEN_ACTIVATIONS)}",
            parse_activation,
            str,
            HIDDEN_ACTIVATIONS,
        ),
        Field(
            "loss",
            "loss",
            "bce (default) or mse for a sigmoid output; ce for a softmax over K classes (the default for spiral3, blobs "
            "and data files with labels 0 … K−1, K ≥ 3); for a regression (sine, saddle) mse (default) or mae at a linear output",
            parse_loss,
            str,
            LOSS_CHOICES,
        ),
        Field("lr", "learning rate η", "learning rate η (default 1.0 for the gates)", parse_lr, format_number),
        Field(
            "init", "initialisation", "normal:SCALE, xavier, he, uniform:A or zeros (default normal:1)", parse_init, format_init
        ),
        Field("seed", "seed", "seed of the weight initialisation", parse_seed, str),
        Field("optimizer", "optimizer", "sgd (default), momentum or adam", parse_optimizer, str, OPTIMIZERS),
        Field("batch", "batch size", "mini-batch size (default: the whole data set)", parse_batch, format_batch),
        Field(
            "l2",
            "L2 weight decay λ",
            "L2 weight decay λ: adds (λ/2)·Σw² over the weights, not the biases (default 0: none)",
            parse_l2,
            format_number,
        ),
        Field(
            "task",
            "task",
            "classify or regress: what a --data file's targets are (default auto: a regression when a target is not a "
            "whole class number; the built-in problems know their own)",
            parse_task,
            format_task,
            (AUTO_TASK, *TASK_NAMES),
        ),
        Field(
            "val",
            "validation fraction",
            f"hold out this fraction of each class as a validation set, e.g. 0.3 (at most {MAX_VALIDATION:g}; default none)",
            parse_val,
            format_val,
        ),
        Field(
            "dropout",
            "dropout p",
            "inverted dropout on the hidden layers in training: p is the probability a unit is dropped, as PyTorch's "
            "nn.Dropout(p); kept units are scaled by 1/(1 − p) (default 0: none)",
            parse_dropout,
            format_number,
        ),
    )
}


def classes_for_loss(data: Dataset, loss: str) -> Dataset:
    """The data set with the targets `loss`'s output needs: one-hot rows (N, K) for a softmax (a binary
    set's 0/1 column becomes two classes), the (N, 1) column of 0/1 for a sigmoid, a regression's values
    as they are; or a ConfigError naming --loss when a sigmoid loss is asked of K ≥ 3 classes, or a loss
    of the other task (mae of classes, bce or ce of real-valued targets)."""
    task = data.task_kind
    if not task.fits(loss):
        fitting = [name for name in LOSS_CHOICES if task.fits(name)]
        asked = as_loss(loss)
        raise ConfigError(
            f"--loss {loss}: {asked.title} is not a loss for {task.title}, and {data.name} is a {task.title} "
            f"({'real-valued targets' if task.regression else 'a class per sample'}): use --loss {either(fitting)}"
        )
    if task.regression:
        return data
    kind = LOSS_KINDS[loss]
    one_of_k = not ACTIVATIONS[kind.output_activation].elementwise
    columns = data.y.shape[1]
    if one_of_k and columns == 1:
        return replace(data, y=one_hot(data.class_index, 2))
    if not one_of_k and columns > 1:
        softmax_losses = [other.name for other in LOSS_KINDS.values() if not ACTIVATIONS[other.output_activation].elementwise]
        raise ConfigError(
            f"--loss {loss}: {kind.title} is for a sigmoid output (0/1 targets), and {data.name} has {data.class_count} "
            f"classes: use --loss {' or '.join(softmax_losses)} (a softmax over the classes)"
        )
    return data


def either(names: list[str]) -> str:
    """'a', 'a or b', 'a, b or c'."""
    return " or ".join(names) if len(names) < 3 else f"{', '.join(names[:-1])} or {names[-1]}"


def check_sample(sample: int, size: int) -> int:
    """A 1-based sample number → 0-based row, or a ConfigError."""
    if not 1 <= sample <= size:
        raise ConfigError(f"sample {sample} does not exist: this data set has samples 1–{size}")
    return sample - 1
