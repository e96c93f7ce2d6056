"""Thin widgets over the renderables: each owns its View and redraws from it."""

from __future__ import annotations

from rich.cells import cell_len
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey  # no public name; tests/test_textual_privates.py holds what KeysFooter uses

from tui_nn.engine.live.reason_words import health_line
from tui_nn.engine.session.view import FitPlot, HiddenSpace, View
from tui_nn.engine.walk.explain import Element
from tui_nn.engine.walk.records import NumberFormat
from tui_nn.engine.walk.render import step_title
from tui_nn.ui import theme
from tui_nn.ui.ascii import ascii_rich_text, asciify
from tui_nn.ui.panes.diagram import DiagramState, NetworkDiagram
from tui_nn.ui.panes.losschart import LossChart, readout_text
from tui_nn.ui.panes.renderables import (
    LOSS_TITLE,
    class_summary,
    error_summary,
    error_table_text,
    loss_summary,
    loss_title,
    score_field,
    truth_table,
)


class _CachedLines(Widget):
    """A pane drawn once per change of its inputs into strips, then served line by line.

    A new View is drawn at once if the pane is on screen, and only the rows that came out
    different are repainted (none if what the pane depends on did not change); a pane not on
    screen draws when it is next shown. The pane's base style goes under the cells a drawing
    leaves unstyled; it is applied at render time, not cached with the drawing, because it can
    change after the first render.
    """

    # repaint=False: a new View repaints only the rows whose drawing changed (redraw), not the pane
    view: reactive[View | None] = reactive(None, layout=False, repaint=False)
    """The View drawn; None until the app hands over the first one."""

    def __init__(self, ascii_only: bool, **kwargs: str | None) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.ascii_only = ascii_only
        self._key: tuple[object, ...] | None = None
        self._raw: list[Strip] = []
        self._styled: tuple[Style, list[Strip | None]] | None = None  # the rows on the base style, made when shown
        self._pass: tuple[Size, Style] | None = None  # content size and base style during one render

    def draw_rows(self, view: View, width: int, height: int) -> list[list[Segment]]:
        raise NotImplementedError

    def view_to_draw(self) -> View | None:
        """The View the drawing follows: the newest one (a pane that skips Views to keep pace draws
        the last one it took in, so a row repainted later for another reason is never drawn from a
        View the other rows were not)."""
        return self.view

    def cache_key(self, view: View) -> object:
        """What the drawing depends on besides the size (default: the parameters only)."""
        return view.snapshot.params.tobytes()

    def _draw(self, view: View, width: int, height: int) -> bool:
        """Draw `view` unless this pane's drawing of it at this size is the one it holds; True if drawn."""
        key = (self.cache_key(view), width, height)
        if key == self._key:
            return False
        self._key = key
        self._raw = [Strip(row, width) for row in self.draw_rows(view, width, height)]
        self._styled = None
        return True

    def render_lines(self, crop: Region) -> list[Strip]:
        # The size and the base style once per render, not once per line (each walks the DOM).
        self._pass = (self.content_size, self.rich_style)
        try:
            return super().render_lines(crop)
        finally:
            self._pass = None

    def render_line(self, y: int) -> Strip:
        size, base = self._pass if self._pass is not None else (self.content_size, self.rich_style)
        view = self.view_to_draw()
        if view is None or size.width < 4 or size.height < 2:
            return Strip.blank(size.width)
        self._draw(view, size.width, size.height)
        if self._styled is None or self._styled[0] != base:
            self._styled = (base, [None] * len(self._raw))
        strips = self._styled[1]
        if y >= len(strips):
            return Strip.blank(size.width, base)
        strip = strips[y]
        if strip is None:
            strip = strips[y] = self._raw[y].apply_style(base)
        return strip

    def watch_view(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        """Draw the current inputs now and repaint the rows that changed (a pane not on screen
        only notes that it must draw when shown)."""
        view, size = self.view_to_draw(), self.content_size
        if view is None or not self.display or self.region.area == 0 or size.width < 4 or size.height < 2:
            self.refresh()
            return
        before, drawn_at, styled = self._raw, self._key, self._styled
        if not self._draw(view, size.width, size.height):
            return
        if drawn_at is None or drawn_at[1:] != (size.width, size.height) or len(before) != len(self._raw):
            self.refresh()
            return
        changed = [y for y, (old, new) in enumerate(zip(before, self._raw, strict=True)) if old != new]
        if styled is not None:  # the unchanged rows keep their styled strips
            rows = styled[1]
            for y in changed:
                rows[y] = None
            self._styled = styled
        if changed:  # (refresh() without regions would repaint the whole pane)
            self.refresh(*changed_rows(changed, size.width))


def changed_rows(rows: list[int], width: int) -> list[Region]:
    """Runs of consecutive row numbers as regions `width` wide (what a partial repaint takes)."""
    regions: list[Region] = []
    for y in rows:
        if regions and regions[-1].bottom == y:
            last = regions[-1]
            regions[-1] = Region(0, last.y, width, last.height + 1)
        else:
            regions.append(Region(0, y, width, 1))
    return regions


class NetworkPane(_CachedLines):
    """The network diagram at the pane's size. Clicking a unit, bias or edge selects it."""

    class Clicked(Message):
        def __init__(self, element: Element) -> None:
            super().__init__()
            self.element = element

    selected: reactive[Element | None] = reactive(None, layout=False, repaint=False)  # (redraw repaints)
    """What the inspector explains (drawn highlighted, with its chain-rule path)."""

    _last: NetworkDiagram | None = None

    def on_mount(self) -> None:
        self.border_title = "network"

    def cache_key(self, view: View) -> object:
        # every step reveals new values: redraw for every View (compared by identity) and selection
        return (view, self.selected)

    def watch_selected(self) -> None:
        self.redraw()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or self._last is None:
            return
        element = self._last.hit(offset.x, offset.y)
        if element is not None:
            event.stop()
            self.post_message(self.Clicked(element))

    def diagram_state(self, view: View) -> DiagramState:
        snap, layers = view.snapshot, view.layers
        last = snap.last
        return DiagramState(
            sizes=layers.sizes,
            activations=layers.activations,
            weights=layers.weights,
            biases=layers.biases,
            values=snap.values,
            phase=snap.phase,
            nodes=frozenset(last.nodes if last else ()),
            edges=frozenset(last.edges if last else ()),
            target=snap.y,
            sample=snap.sample,
            changes=layers.changes,
            unit_states=dict(view.health.units),
            selected=self.selected,
            unit_colours=self._fit_colours(view),
        )

    def _fit_colours(self, view: View) -> dict[tuple[int, int], Style]:
        """A one-input net's last hidden units named in the colours of their curves in the fit (v)."""
        if not view.fits_a_curve or self.ascii_only or len(view.layers.sizes) < 3:
            return {}
        from tui_nn.ui.panes.insight_views import unit_colour, use_palette

        use_palette()
        layer = len(view.layers.sizes) - 2
        return {(layer, i): Style(color=Color.from_rgb(*unit_colour(i)), bold=True) for i in range(view.layers.sizes[layer])}

    def diagram(self) -> NetworkDiagram | None:
        if self.view is None:
            return None
        size = self.content_size
        return NetworkDiagram(self.diagram_state(self.view), size.width, size.height, self.ascii_only)

    def draw_rows(self, view: View, width: int, height: int) -> list[list[Segment]]:
        diagram = NetworkDiagram(self.diagram_state(view), width, height, self.ascii_only)
        rows = diagram.render_rows()
        self._last = diagram
        return rows


class TablePane(Static):
    """The data set: every row for the logic gates, a per-class summary for point clouds.

    Clicking a row pins that sample (walk and train on it alone); clicking it again unpins.
    """

    class RowClicked(Message):
        def __init__(self, sample: int) -> None:
            super().__init__()
            self.sample = sample

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:  # on the border
            return
        row = offset.y - 1  # the first line is the header
        data = None if self._view is None else self._view.data
        if data is not None and data.is_small and 0 <= row < data.size:
            event.stop()
            self.post_message(self.RowClicked(row))

    def __init__(self, **kwargs: str | None) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._view: View | None = None
        self._laid_out = False
        self._shown: Text | None = None
        self._inputs: tuple[bytes, int | None, int | None, str, int] | None = None

    def show(self, view: View) -> None:
        snap = view.snapshot
        current = snap.sample if snap.sample is not None else snap.focus
        data = view.data
        if self._view is None or self._view.data is not data or self._view.dropout != view.dropout:
            # Text, not a str: a border title is parsed as markup, and a --data file's name is the user's.
            title = "truth table" if data.is_small else f"{data.name} · {data.size} points"
            # under dropout the diagram's ŷ is the walked pass's, with units dropped; these are the network's own
            self.border_title = Text(title + (" · ŷ: none dropped" if view.dropout else ""))
        self._view = view
        # colours follow the theme; K probabilities' decimals follow the width
        inputs = (view.predictions.tobytes(), current, snap.focus, theme.current().name, self.content_size.width)
        if inputs == self._inputs:
            return  # most steps change no prediction: nothing here to build or repaint
        self._inputs = inputs
        errors = view.errors
        if errors is not None:  # a regression: targets, predictions and errors, not classes
            content = (
                error_table_text(data, errors, current, snap.focus) if data.is_small else error_summary(data, errors, current)
            )
        elif data.is_small:
            content = truth_table(data, view.classes, current, snap.focus, width=self.content_size.width or None)
        else:
            content = class_summary(data, view.classes, current)

        if getattr(self.app, "ascii_only", False):
            content = ascii_rich_text(content)
        if content == self._shown:
            return  # a step that changes nothing here repaints nothing here
        self._shown = content
        # Same number of lines every time: no need to lay the screen out again.
        self.update(content, layout=self._laid_out is False)
        self._laid_out = True

    def on_resize(self, _: events.Resize) -> None:
        if self._view is not None:  # K probabilities take the decimals the new width holds
            self.show(self._view)


class LossPane(Vertical):
    """Loss per epoch on a log axis (the loss chart), with first, current and best loss and accuracy.

    The readout under the chart's cursor (mouse or keys) shows as the pane's border subtitle.
    """

    def __init__(self, ascii_only: bool, **kwargs: str | None) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.ascii_only = ascii_only
        self.border_title = LOSS_TITLE
        self._legend: tuple[bool, bool, str, str, int] | None = (
            None  # (validation set, dropout, palette, measure, width) the title was made for
        )
        self._measure = "loss"  # what the axis measures: "loss", or a name that says the number (½·MSE, MAE)

        self._shown: tuple[object, ...] | None = None
        self._summary: Text | None = None

    def compose(self) -> ComposeResult:
        yield LossChart(self.ascii_only, id="loss-chart")
        yield Static(id="loss-summary")

    def show(self, view: View) -> None:
        self.query_one(LossChart).set_markers(list(view.markers))
        held, evaluated = view.validation, view.evaluation
        self._measure = view.loss_measure
        self._show_title(held is not None, evaluated is not None)
        key = (
            view.epochs_recorded,
            view.current_loss,
            view.first_loss,
            None if held is None else held.current_loss,
            None if evaluated is None else evaluated.current_loss,
        )
        if key != self._shown:
            self._shown = key
            self.query_one(LossChart).set_data(
                view.loss_epochs,
                view.loss_series,
                epoch_range=view.epoch_range,
                validation=None if held is None else held.loss_series,
                evaluation=None if evaluated is None else evaluated.loss_series,
            )
        summary = loss_summary(
            view.first_loss, view.current_loss, view.best_loss, view.accuracy, view.epochs_recorded, held, evaluated, view.task
        )
        if self.ascii_only:
            summary = ascii_rich_text(summary)
        if summary != self._summary:
            self._summary = summary
            self.query_one("#loss-summary", Static).update(summary, layout=False)

    def _show_title(self, validation: bool, evaluation: bool) -> None:
        """The title for the series shown, in the longest wording the top border holds: Textual leaves a space
        either side of a title and, with side borders, a corner and a line cell either side too."""
        sided = self.styles.border_left[0] not in ("", "none", "hidden")
        width = max(self.outer_size.width - (6 if sided else 4), 1) if self.outer_size.width else 0
        legend = (validation, evaluation, theme.current().name, self._measure, width)
        if legend != self._legend:
            self._legend = legend
            self.border_title = loss_title(validation, self.ascii_only, evaluation, self._measure, width or None)

    def on_resize(self, _: events.Resize) -> None:
        if self._legend is not None:
            self._show_title(self._legend[0], self._legend[1])

    def on_loss_chart_readout_changed(self, event: LossChart.ReadoutChanged) -> None:
        if event.readout is None:
            self.border_subtitle = ""
            return
        chart = event.chart
        self.border_subtitle = readout_text(
            event.readout, self.ascii_only, chart.validation_readout, chart.evaluation_readout, self._measure
        )


class StatusLine(Static):
    """Epoch, phase, step i of n, loss, accuracy, ‖g‖, η, optimizer; then a message or diagnosis."""

    _shown: tuple[View, str, str, str | None, float] | None = None

    def show(self, view: View, message: str, message_style: str, live: str | None, target_loss: float) -> None:
        """`live` is the pace and measured speed while training, None otherwise."""
        snap = view.snapshot
        fmt = NumberFormat(4)
        text = Text()

        def field(label: str, value: str, style: str = "bold") -> None:
            text.append(f"{label} ", style=theme.MUTED)
            text.append(value, style=style)
            text.append("  ")

        field("epoch", str(view.epoch))
        training = live is not None
        if training:
            text.append(f"training live · {live}  ", style="bold green")
        else:
            text.append(f"{snap.phase}  ", style=f"bold {theme.PHASE_COLOURS.get(snap.phase, '')}")
            field("step", f"{snap.position}/{snap.total}")
            if snap.n_batches > 1:
                field("batch", f"{snap.batch_index + 1}/{snap.n_batches}")
        if snap.focus is not None:
            field("focus", f"sample {snap.focus + 1}", f"bold {theme.SELECTION}")
        field("loss", fmt(view.current_loss) if view.current_loss is not None else "—")
        field(*score_field(view.task, view.accuracy))
        if view.validation is not None:
            label, shown = score_field(view.task, view.validation.accuracy)
            field(f"val {label}", shown, f"bold {theme.INFO}")

        field("‖g‖", f"{view.grad_norm:.3g}" if view.grad_norm is not None else "—")
        field("η", f"{view.lr:g}")
        if view.l2:
            field("λ", f"{view.l2:g}")
        if view.dropout:
            field("dropout", f"{view.dropout:g}")
        text.append(view.optimizer, style="bold")
        fields, text = text, Text()
        if message:
            text.append(message, style=message_style)
        elif view.diagnostics:
            text.append("⚠ " + health_line(view.diagnostics[0], "keys"), style=theme.WARNING)
        elif training:
            text.append(
                f"training… T or any step key pauses · [ ] slower/faster · stops by itself below loss {target_loss:g} "
                "or to say why the loss stalls",
                style=theme.MUTED,
            )
        elif snap.upcoming is not None:
            text.append("→ next: ", style=theme.MUTED)
            text.append(step_title(snap.upcoming), style=theme.PHASE_COLOURS.get(snap.upcoming.phase, ""))
            text.append(" · F/B finish a pass · [ ] pace · n new seed", style=theme.MUTED)
        # A row too long for the terminal loses whole fields and hints from its end, never half a word or number.
        # A message with no hint to drop (a warning is one sentence) wraps onto a third row instead.
        width = self.size.width or self.app.size.width
        hint = fit_row(text, width, " · ")
        self.styles.height = 3 if hint.cell_len > width else 2
        text = Text("\n").join([fit_row(fields, width, "  "), hint])
        self.update(ascii_rich_text(text) if getattr(self.app, "ascii_only", False) else text, layout=False)
        self._shown = (view, message, message_style, live, target_loss)

    def on_resize(self, _: events.Resize) -> None:
        if self._shown is not None:
            self.show(*self._shown)


def fit_row(row: Text, width: int, separator: str) -> Text:
    """`row` cut at the last `separator` that lets it fit in `width` cells: what is left out is
    whole fields or hints, never part of one. With no such separator the row is left to wrap."""
    if width <= 0 or row.cell_len <= width:
        return row
    plain = row.plain
    cut = plain.rfind(separator, 0, width + 1)
    if cut > 0:
        return row.divide([cut])[0]
    return row


GUTTER = 6  # cells for the y axis's tick values


class BoundaryPane(_CachedLines):
    """ŷ over the input plane as a heatmap, the ŷ = 0.5 contour, the data points on top; for a one-input
    regression the fit, where clicking a data point pins that sample (as a truth-table row does)."""

    class PointClicked(Message):
        def __init__(self, sample: int) -> None:
            super().__init__()
            self.sample = sample

    _fit: tuple[FitPlot, int] | None = None  # the fit drawn last and the gutter left of it (for clicks)

    def on_mount(self) -> None:
        self.border_title = "decision boundary"

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or self._fit is None:
            return
        fit, gutter = self._fit
        sample = fit.sample_at(offset.x - gutter, offset.y)
        if sample is not None:
            event.stop()
            self.post_message(self.PointClicked(sample))

    def cache_key(self, view: View) -> object:
        # the fit marks the walk's current sample: a step to the next one redraws it
        return (
            (view.snapshot.params.tobytes(), view.snapshot.sample, view.snapshot.focus)
            if view.fits_a_curve
            else super().cache_key(view)
        )

    def draw_rows(self, view: View, width: int, height: int) -> list[list[Segment]]:
        from tui_nn.ui.panes.insight_views import boundary_legend, boundary_rows, fit_legend, fit_rows, surface_legend, with_axes

        gutter = GUTTER if width >= 30 else 1
        columns, rows = width - gutter, height - 2  # the x axis's row and the legend below the plot
        across, down = (1, 1) if self.ascii_only else (2, 4)  # Braille: 2 × 4 dots a cell
        fit = view.fit(columns, rows, across, down)
        self._fit = None if fit is None else (fit, gutter)
        if fit is not None:
            self.border_title = "fit ŷ(x)" if not self.ascii_only else "fit yhat(x)"
            return [
                *with_axes(fit_rows(fit, columns, rows, self.ascii_only), fit.axes, columns, rows, gutter, self.ascii_only),
                fit_legend(fit, width, self.ascii_only),
            ]
        boundary = view.boundary(columns, 2 * rows)  # two pixels a cell (▀)
        self.border_title = (
            "decision boundary"
            if boundary.scale is None
            else ("surface yhat(x1, x2)" if self.ascii_only else "surface ŷ(x₁, x₂)")
        )
        legend = (
            boundary_legend(width, self.ascii_only, boundary.class_count, boundary.classes is not None)
            if boundary.scale is None
            else surface_legend(boundary, width, self.ascii_only)
        )
        return [
            *with_axes(boundary_rows(boundary, self.ascii_only), boundary.axes, columns, rows, gutter, self.ascii_only),
            legend,
        ]


class HiddenPane(_CachedLines):
    """Where each sample lands in the last hidden layer, with the output's decision line."""

    def on_mount(self) -> None:
        self.border_title = "hidden space"

    def draw_rows(self, view: View, width: int, height: int) -> list[list[Segment]]:
        from tui_nn.ui.panes.insight_views import hidden_rows, with_axes

        space = view.hidden_space
        if space is None:
            return self._no_hidden_layer(width, height, view.classes.outputs.shape[1] > 1)
        # The plot keeps at least 60% of the pane; captions beyond what fits are dropped.
        text_rows = self._summary(view, space, width)[: max(height - max(int(height * 0.6), 3), 0)]
        gutter = GUTTER if width >= 30 else 1
        columns, plot_height = width - gutter, height - len(text_rows) - 1
        plot = view.hidden_plot(columns, plot_height)
        assert plot is not None  # there is a hidden space
        rows = hidden_rows(plot, columns, plot_height, self.ascii_only)
        captions = [[Segment(t.ljust(width), Style(color=theme.MUTED))] for t in text_rows]
        return with_axes(rows, plot.axes, columns, plot_height, gutter, self.ascii_only) + captions

    NO_HIDDEN_LAYER = (
        "No hidden layer: this network is a perceptron, ŷ = σ(w1·x1 + w2·x2 + b_out).",
        "Its ŷ = 0.5 line is straight (see the decision boundary, v), and no straight line puts "
        "XOR's (0,1) and (1,0) on one side and (0,0) and (1,1) on the other: the loss cannot fall "
        "much below 0.69.",
        "A hidden layer gives the output a new space to draw its line in: c, then hidden layers 2.",
    )

    NO_HIDDEN_LAYER_CLASSES = (
        "No hidden layer: a linear classifier. Each class's score is z_k = w1k·x1 + w2k·x2 + b_k, and the largest score wins.",
        "So every border between two classes is a straight line (see the decision boundary, v): arms that "
        "wind round each other, as in a spiral, cannot be told apart.",
        "A hidden layer gives the outputs a new space to draw their borders in: c, then hidden layers 1 or 2.",
    )

    def _no_hidden_layer(self, width: int, height: int, many_classes: bool = False) -> list[list[Segment]]:
        import textwrap

        rows: list[list[Segment]] = []
        for paragraph in self.NO_HIDDEN_LAYER_CLASSES if many_classes else self.NO_HIDDEN_LAYER:
            for line in textwrap.wrap(asciify(paragraph) if self.ascii_only else paragraph, max(width, 10)):
                rows.append([Segment(line.ljust(width), Style(color=theme.MUTED))])
            rows.append([Segment(" " * width)])
        return rows[:height]

    def _summary(self, view: View, space: HiddenSpace, width: int) -> list[str]:
        """The captions under the plot, wrapped at a word to the pane's width (never cut)."""
        import textwrap

        captions = [asciify(c) if self.ascii_only else c for c in self._captions(view, space)]
        return [line for caption in captions for line in textwrap.wrap(caption, max(width, 10))]

    def _captions(self, view: View, space: HiddenSpace) -> list[str]:
        a_name, b_name = space.axes
        lines = []
        share = f" ({space.explained[0]:.0%} + {space.explained[1]:.0%} of the spread)" if space.explained else ""
        plane = f"{space.activations.shape[1]} hidden units on their 2 principal directions{share}"
        where = plane if space.projected else f"across: {a_name}, up: {b_name}"
        if view.regression:  # a real-valued output: a plane over this space, not a line between classes
            lines.append(f"{where}; each point is a sample where the hidden layer puts it")
            lines.append("ŷ = v·h + b rises along v: a plane over this space (no class line to draw); v shows ŷ over the inputs")
            return lines

        if space.output_weights is not None:  # K output units: regions, not one line
            lines.append(f"{where}; shaded by the class the {view.class_count} outputs pick there (the largest)")
            if space.projected:
                lines.append("a projection: a point can land in another class's shade here yet be on its own in full")
            predicted = set(view.classes.predicted.tolist())
            if len(predicted) == 1:
                lines.append(f"every sample is predicted class {predicted.pop()}")
            return lines
        if space.projected:
            lines.append(f"{plane}; line: ŷ = 0.5 in this plane")
            lines.append("a projection: a point can land across the line here yet be on its class's side in full")
        else:
            lines.append(f"across: {a_name}, up: {b_name}; white line: where the output says ŷ = 0.5")
        predicted = set(view.classes.predicted.tolist())
        if len(predicted) == 1:
            lines.append(f"no line in view: every sample is on the class-{predicted.pop()} side (shaded)")
        if view.data_is_small and space.activations.shape[1] <= 8:
            shown = ["(" + " ".join(f"{v:.2f}" for v in row) + ")" for row in space.activations]
            lines.append("h by sample: " + "  ".join(f"{i + 1}: {h}" for i, h in enumerate(shown)))
        return lines


class KeysFooter(Footer):
    """Textual's Footer, composed with the keys from the start and again only when they change.

    Textual's Footer composes nothing until the screen's first bindings signal and then composes
    all its keys again after every signal, changed or not: at start that was two extra frames
    (about 40 ms each on a busy machine) after the first one, and one more after many keys.
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.set_reactive(Footer._bindings_ready, True)
        self._composed: tuple[object, ...] | None = None
        self._fitted: int | None = None  # how many keys the last compose showed

    def _shown_keys(self) -> tuple[object, ...]:
        """What compose draws from: every active binding with its display, state and tooltip."""
        app = self.app
        keys = [
            (
                key,
                binding.key,
                app.get_key_display(binding),
                binding.description,
                binding.action,
                binding.show,
                enabled,
                tooltip,
                binding.tooltip,
                binding.group,
            )
            for key, (_, binding, enabled, tooltip) in self.screen.active_bindings.items()
        ]
        return (*keys, self.show_command_palette)

    def key_width(self, display: str, description: str) -> int:
        """The cells a key takes in the footer, as Textual's FooterKey styles pad it: `k desc` and a
        margin in the compact style, ` k desc ` otherwise; the palette's key has its left bar instead
        of the margin. tests/test_smallest_terminal.py holds this to the real layout."""
        width = cell_len(display) + (1 + cell_len(description) if description else 0)
        return width + (1 if self.compact else 2)

    def fitting(self, width: int) -> int:
        """How many of the footer's keys (in order) fit whole beside the palette's key in `width` cells."""
        shown: dict[str, tuple[str, str]] = {}  # one key per action, as Footer.compose groups them
        palette: tuple[str, str] | None = None
        for _, binding, _, _ in self.screen.active_bindings.values():
            if binding.action == "command_palette" and self.show_command_palette:
                palette = (self.app.get_key_display(binding), binding.description)
            elif binding.show:
                shown.setdefault(binding.action, (self.app.get_key_display(binding), binding.description))
        room = width - (self.key_width(*palette) if palette else 0)
        for count, (display, description) in enumerate(shown.values()):
            room -= self.key_width(display, description)
            if room < 0:
                return count
        return len(shown)

    def refit(self, width: int) -> None:
        """After a resize: compose again if a different number of keys fits (else nothing to do)."""
        if self._fitted is not None and self.is_attached and self._fitted != self.fitting(width):
            self.refresh(recompose=True)

    def compose(self) -> ComposeResult:
        self._composed = self._shown_keys()
        # A key that does not fit whole is left out with every key after it (? lists them all),
        # rather than cut mid-word or hidden under the palette's key as Textual's Footer would.
        self._fitted = shown = self.fitting(self.app.size.width)
        for widget in super().compose():
            if isinstance(widget, FooterKey) and not widget.has_class("-command-palette"):
                if shown == 0:
                    continue
                shown -= 1
                # Born in the footer's style: a bound FooterKey starts compact and is made wide only
                # after it is mounted (data_bind), a restyle of every key, twice, for nothing. (The
                # palette's key is not bound to the footer's style: it stays compact, as in Textual.)
                widget.set_reactive(FooterKey.compact, self.compact)
            yield widget

    def bindings_changed(self, screen: Screen[object]) -> None:
        if self.is_attached and screen is self.screen and self._shown_keys() == self._composed:
            return
        super().bindings_changed(screen)
