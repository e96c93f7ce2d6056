"""Everything the app draws, captured from a stepper in one consistent copy.

The training thread captures a View between chunks and hands it to the UI; the UI draws only
from Views, so it never reads the engine while training mutates it and never computes a
number itself. What costs a pass over the data set (the boundary grid, the hidden space, the
health figures, the activation curves) is worked out here when a pane asks for it, as a record
sized to the pane: a pane draws records and holds no Network or Dataset of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from tui_nn.engine.live.diagnostics import Diagnostic, Health, examine
from tui_nn.engine.live.race import RaceFrame as RaceFrame
from tui_nn.engine.live.race import RunnerFrame as RunnerFrame
from tui_nn.engine.nn.datasets import Dataset
from tui_nn.engine.nn.dropout import network_masks
from tui_nn.engine.nn.health import ActivationCurves as ActivationCurves
from tui_nn.engine.nn.health import GradientHealth as GradientHealth
from tui_nn.engine.nn.health import LayerHealth as LayerHealth
from tui_nn.engine.nn.health import activation_curves, gradient_health
from tui_nn.engine.nn.history import EVAL_LOSS
from tui_nn.engine.nn.insight import Axes as Axes
from tui_nn.engine.nn.insight import BoundaryGrid as BoundaryGrid
from tui_nn.engine.nn.insight import ClassTable as ClassTable
from tui_nn.engine.nn.insight import ErrorTable as ErrorTable
from tui_nn.engine.nn.insight import FitPlot as FitPlot
from tui_nn.engine.nn.insight import HiddenPlot as HiddenPlot
from tui_nn.engine.nn.insight import HiddenSpace as HiddenSpace
from tui_nn.engine.nn.insight import boundary_grid, class_table, error_table, fit_plot, hidden_plot, hidden_space, target_classes
from tui_nn.engine.nn.landscape import LandscapeFrame as LandscapeFrame
from tui_nn.engine.nn.landscape import LandscapeRequest, landscape_frame
from tui_nn.engine.nn.network import Network
from tui_nn.engine.nn.tasks import Task as Task
from tui_nn.engine.walk.matrices import MatrixFrame as MatrixFrame
from tui_nn.engine.walk.matrices import MatrixPosition, matrix_position
from tui_nn.engine.walk.matrices import Shown as Shown
from tui_nn.engine.walk.records import Key, Phase, Step
from tui_nn.engine.walk.stepper import Stepper
from tui_nn.engine.walk.torch_lens import torch_frame

# The records panes draw (ActivationCurves, Axes, BoundaryGrid, ClassTable, ErrorTable, FitPlot, GradientHealth, HiddenPlot,
# HiddenSpace, LandscapeFrame, LayerHealth, MatrixFrame, RaceFrame, RunnerFrame, Shown) are named here too: the UI imports
# them from the View's module, its door to the engine,
# never from the modules that compute them.

SERIES_POINTS = 512


@dataclass(frozen=True, eq=False)  # compared by identity: it holds arrays
class Snapshot:
    """The walk at one position: where it is, the parameters, and the values revealed so far."""

    epoch: int
    batch_index: int
    n_batches: int
    position: int
    total: int
    phase: Phase
    sample: int | None
    x: tuple[float, ...] | None
    y: tuple[float, ...] | None
    params: np.ndarray
    values: dict[Key, float]
    last: Step | None
    focus: int | None
    upcoming: Step | None = None  # what the next step computes


def snapshot(stepper: Stepper, with_values: bool = True) -> Snapshot:
    """The current position. With values, the ones revealed by the walk of the current sample (or
    the update) so far; without, only the position and parameters (cheap enough for every frame
    of live training)."""
    cur = stepper.current
    params = stepper.net.params.copy()
    if not with_values:
        return Snapshot(
            cur.epoch,
            cur.batch_index,
            cur.n_batches,
            stepper.position,
            cur.total,
            "forward",
            None,
            None,
            None,
            params,
            {},
            None,
            stepper.focus,
        )
    values = stepper.revealed()
    last = stepper.last()
    upcoming = stepper.peek() if stepper.position < cur.total else None
    anchor = last if last is not None else upcoming
    sample = anchor.sample if anchor is not None else None
    x = y = None
    if sample is not None:
        x = tuple(float(v) for v in stepper.data.x[sample])
        y = tuple(float(v) for v in stepper.data.y[sample])
        for j, v in enumerate(x):
            values.setdefault(Key("a", 0, j), v)
    phase: Phase = anchor.phase if anchor is not None else "forward"
    return Snapshot(
        cur.epoch,
        cur.batch_index,
        cur.n_batches,
        stepper.position,
        cur.total,
        phase,
        sample,
        x,
        y,
        params,
        values,
        last,
        stepper.focus,
        upcoming=upcoming,
    )


Matrix = tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class Layers:
    """The network's structure and parameters layer by layer, as the diagram draws them:
    weights[l][i][j] from unit i of layer l to unit j of layer l + 1; `changes` in the same layout."""

    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    weights: tuple[Matrix, ...]
    biases: tuple[tuple[float, ...], ...]
    changes: tuple[Matrix, ...] | None


@dataclass(frozen=True, eq=False)  # compared by identity: it holds arrays
class ValidationFigures:
    """The held-out rows' figures, from the history's validation columns (the same rows as the loss's)."""

    size: int  # rows held out
    loss_series: np.ndarray  # at the loss series' epochs: means of the same equal slices
    current_loss: float | None
    accuracy: float | None
    best_epoch: int | None  # where the validation loss was lowest so far
    best_loss: float | None


@dataclass(frozen=True, eq=False)  # compared by identity: it holds arrays
class EvaluationFigures:
    """A dropout run's evaluation loss (no unit dropped), from the history's eval_loss column, beside its
    training loss (the `loss` column, with the dropped units)."""

    dropout: float  # p
    loss_series: np.ndarray  # at the loss series' epochs: means of the same equal slices
    current_loss: float | None
    mask_seed: int = 0  # the run's seed the masks are drawn from
    mask_update: int = 0  # the update whose masks every row draws from this epoch (its first)

    def masks(self, sizes: tuple[int, ...] | list[int], rows: int) -> list[np.ndarray]:
        """Dropout's mask/(1 − p) per hidden layer for every one of `rows` data rows at this epoch's first
        update: the training pass's, as the kernel draws them."""
        return network_masks(self.mask_seed, self.mask_update, sizes, np.arange(rows), self.dropout)


@dataclass(frozen=True, eq=False)  # compared by identity: it holds arrays
class View:
    epoch: int
    snapshot: Snapshot
    predictions: np.ndarray
    loss_series: np.ndarray  # at most SERIES_POINTS means of equal slices of the loss history
    loss_epochs: np.ndarray  # the mean epoch of each of those slices (the chart's x axis)
    epoch_range: tuple[int, int] | None  # the first and last epoch the loss history holds
    first_loss: float | None
    current_loss: float | None
    best_loss: float | None
    accuracy: float | None
    grad_norm: float | None
    epochs_recorded: int
    lr: float
    optimizer: str
    net: Network  # a copy at these parameters: the source of the records below, not for panes to compute with
    data: Dataset
    changes: np.ndarray | None  # how each parameter moved: the last update's Δ, or since the last frame
    markers: tuple[tuple[int, str], ...] = ()  # (epoch, what changed there) for the loss chart
    matrices: MatrixPosition | None = None  # the step as the tutorials' NumPy (not while training)
    validation: ValidationFigures | None = None  # with a validation set held out (--val)
    evaluation: EvaluationFigures | None = None  # with dropout (--dropout): the loss without it
    landscape_request: LandscapeRequest | None = None  # the landscape's choices and path (set by the controller)

    @cached_property
    def torch_matrices(self) -> MatrixFrame | None:
        """The step as PyTorch code over the NumPy frame's numbers (the NumPy view's PyTorch lens), worked out on first use."""
        return None if self.matrices is None else torch_frame(self.matrices)

    @cached_property
    def health(self) -> Health:
        """Diagnoses and unit states, worked out on first use (on the UI thread, not the training
        thread's time): a full-batch forward and backward pass."""
        return examine(self.net, self.data.x, self.data.y)

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return self.health.diagnostics

    @cached_property
    def layer_health(self) -> GradientHealth:
        """‖∂L/∂W‖, ‖∂L/∂b‖, mean g′ and saturated / dead fractions per layer on the whole data set,
        worked out on first use (one full-batch forward and backward pass); under dropout, the training pass's,
        with this epoch's masks (the gradients the update takes, which are the ones that vanish or explode)."""
        if self.training_masks is None:
            return gradient_health(self.net, self.data.x, self.data.y)
        return gradient_health(self.net, self.data.x, self.data.y, masks=self.training_masks, mask_epoch=self.epoch)

    @cached_property
    def training_masks(self) -> list[np.ndarray] | None:
        """Under dropout, mask/(1 − p) per hidden layer for every data row at this epoch's first update (the
        training pass's, as the kernel draws them); None without dropout."""
        return None if self.evaluation is None else self.evaluation.masks(self.net.sizes, self.data.size)

    def activation_curves(self, points: int) -> ActivationCurves | None:
        """g(z) and g′(z) sampled at `points` values of z over the range the hidden units see, with
        every unit's z on every sample; None without a hidden layer. Under dropout, the training pass's z,
        with this epoch's masks, as `layer_health` takes them."""
        return activation_curves(self.net, self.data.x, points=points, masks=self.training_masks)

    @property
    def l2(self) -> float:
        """λ of the weight decay (0: none)."""
        return self.net.l2

    @property
    def dropout(self) -> float:
        """p, the probability a hidden unit is dropped in training (0: none)."""
        return self.net.dropout

    @property
    def labels(self) -> np.ndarray:
        """Each sample's target class (0 … K − 1): the class its points are coloured by."""
        return target_classes(self.data)

    @property
    def class_count(self) -> int:
        """K, the number of classes the data set has (2 for a binary set with one output unit)."""
        return self.data.class_count

    @property
    def regression(self) -> bool:
        """The network predicts a real value (a linear output), not a class: its views show a fit or a surface."""
        return self.net.regression

    @property
    def loss_measure(self) -> str:
        """What the loss chart's axis is in, named so it says the number exactly: ½·MSE (on a sigmoid or a linear
        output), MAE (a figure in the targets' own units the learner can read against the data), or 'loss' for a
        cross-entropy."""
        return self.net.loss_kind.measure

    @property
    def task(self) -> Task:
        """What the data ask for (classification or regression): the score's name and words."""
        return self.data.task_kind

    @cached_property
    def errors(self) -> ErrorTable | None:
        """A regression's predictions, targets, errors ŷ − y and score (R²) per sample; None for classes."""
        return error_table(self.data, self.predictions) if self.regression else None

    @cached_property
    def classes(self) -> ClassTable:
        """Every sample's output, predicted class (ŷ > 0.5, or the largest of K outputs) and target class."""
        return class_table(self.data, self.predictions)

    @property
    def data_is_small(self) -> bool:
        """A logic gate's few rows (listed one by one), not a point cloud."""
        return self.data.is_small

    @cached_property
    def layers(self) -> Layers:
        net, params = self.net, self.snapshot.params

        def matrices(flat: np.ndarray) -> tuple[Matrix, ...]:
            return tuple(tuple(map(tuple, net.weights(l, flat).tolist())) for l in range(net.n_layers))

        return Layers(
            sizes=net.sizes,
            activations=tuple(net.activation_names),
            weights=matrices(params),
            biases=tuple(tuple(net.biases(l, params).tolist()) for l in range(net.n_layers)),
            changes=None if self.changes is None else matrices(self.changes),
        )

    def boundary(self, columns: int, pixel_rows: int) -> BoundaryGrid:
        """ŷ over the input plane on a columns × pixel_rows grid of square pixels, the data placed on it."""
        return boundary_grid(self.net, self.snapshot.params, self.data, self.predictions, columns, pixel_rows)

    @property
    def fits_a_curve(self) -> bool:
        """One input: the network is a curve ŷ(x), drawn as a fit (View.fit) where two inputs get a boundary."""
        return self.net.sizes[0] == 1

    def fit(self, columns: int, rows: int, across: int = 2, down: int = 4) -> FitPlot | None:
        """A one-input network's curve, its last hidden units' contributions and the data on a columns ×
        rows (cells) plot of across × down pixels a cell, the current sample marked; None for two inputs."""
        if not self.fits_a_curve:
            return None
        snap = self.snapshot
        current = snap.sample if snap.sample is not None else snap.focus
        return fit_plot(self.net, snap.params, self.data, current, columns, rows, across, down)

    @property
    def weights_finite(self) -> bool:
        """Every weight and bias is a number (a diverged run leaves inf or NaN: nothing can start from there)."""
        return bool(np.all(np.isfinite(self.snapshot.params)))

    @property
    def landscape_shown(self) -> bool:
        """The learner asked for the loss landscape."""
        return self.landscape_request is not None and self.landscape_request.shown

    def landscape(self, columns: int, pixel_rows: int) -> LandscapeFrame:
        """The loss around the current weights on a columns × pixel_rows grid (the L2 term included,
        dropout off), with the gradient, the next update's step and the path so far."""
        request = self.landscape_request or LandscapeRequest(optimizer=self.optimizer, lr=self.lr)
        # Dropout (a training-time mask) is off while painting: the words say so when the network has it.
        return landscape_frame(
            self.net, self.data.x, self.data.y, self.snapshot.params, request, columns, pixel_rows, self.net.dropout
        )

    @cached_property
    def hidden_space(self) -> HiddenSpace | None:
        """The last hidden layer's activations and their 2-D view (a PCA for more than two units),
        worked out on first use; None without a hidden layer."""
        if self.net.n_layers < 2:
            return None
        return hidden_space(self.net, self.snapshot.params, self.data.x)

    def hidden_plot(self, columns: int, rows: int) -> HiddenPlot | None:
        """The hidden space laid out on a columns × rows (cells) plot; None without a hidden layer."""
        space = self.hidden_space
        if space is None:
            return None
        if self.regression:  # ŷ = v·h + b is a plane over the hidden space: no class line, no sides, one colour of point
            return hidden_plot(replace(space, line=None), np.zeros(self.data.size, dtype=np.int64), columns, rows)
        return hidden_plot(space, target_classes(self.data), columns, rows, self.data.class_count)


def last_update(stepper: Stepper) -> np.ndarray | None:
    """Δ of every parameter in the most recent update: the part of the current pass's update applied
    so far, else the update that completed the pass before (None when there was none)."""
    cur = stepper.current
    if stepper.position > cur.starts[-1]:
        return np.asarray(stepper.net.params - cur.start_params)
    if stepper.position == 0 and cur.previous is not None and cur.arrival is None:
        return np.asarray(cur.start_params - cur.previous[0].start_params)
    return None


def capture(stepper: Stepper, with_values: bool = True, since: np.ndarray | None = None) -> View:
    """A View of the stepper now; `with_values=False` skips the walk's revealed values (training).

    `since`: parameters to measure `changes` from (the last frame while training); by default the
    changes are those of the last update.
    """
    history = stepper.history
    last = history.last()
    first = history.first()
    data = stepper.data
    net = stepper.net.copy()
    return View(
        epoch=stepper.trainer.epoch,
        snapshot=snapshot(stepper, with_values),
        predictions=net.predict(data.x),
        loss_series=history.downsampled("loss", SERIES_POINTS),
        loss_epochs=history.downsampled("epoch", SERIES_POINTS),
        epoch_range=None if first is None or last is None else (int(first[0]), int(last[0])),
        first_loss=None if first is None else float(first[1]),
        current_loss=None if last is None else float(last[1]),
        best_loss=history.best_loss(),
        accuracy=None if last is None else float(last[2]),
        grad_norm=None if last is None else float(last[3]),
        epochs_recorded=len(history),
        lr=stepper.lr,
        optimizer=stepper.optimizer,
        net=net,
        data=data,
        changes=net.params - since if since is not None else last_update(stepper),
        matrices=matrix_position(stepper) if with_values else None,
        validation=validation_figures(stepper),
        evaluation=evaluation_figures(stepper),
    )


def evaluation_figures(stepper: Stepper) -> EvaluationFigures | None:
    """The evaluation-loss column of a dropout run's history, None without dropout."""
    if not stepper.net.dropout:
        return None
    history = stepper.history
    last = history.last()
    trainer = stepper.trainer
    return EvaluationFigures(
        dropout=stepper.net.dropout,
        loss_series=history.downsampled("eval_loss", SERIES_POINTS),
        current_loss=None if last is None else float(last[EVAL_LOSS]),
        mask_seed=trainer.seed,
        mask_update=trainer.first_update(),
    )


def validation_figures(stepper: Stepper) -> ValidationFigures | None:
    """The validation columns of the stepper's history, None without a validation set."""
    held_out = stepper.trainer.validation
    if held_out is None:
        return None
    history = stepper.history
    last = history.last()
    best = history.best_validation()
    return ValidationFigures(
        size=held_out.size,
        loss_series=history.downsampled("val_loss", SERIES_POINTS),
        current_loss=None if last is None else float(last[4]),
        accuracy=None if last is None else float(last[5]),
        best_epoch=None if best is None else best.epoch,
        best_loss=None if best is None else best.loss,
    )
