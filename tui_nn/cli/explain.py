"""`tui-nn explain PROBLEM (--param NAME | --unit NAME)`: the app's inspector, headless.

The derivation is the engine's (tui_nn.engine.walk.explain, through the Controller as the inspector
gets it); this module only writes it out: as the inspector's lines in plain text (the same words
and numbers, without the colours and the sparkline), or as one JSON object with every number at
full precision for a notebook to compare against.
"""

from __future__ import annotations

import argparse
import json
import sys

from tui_nn.cli.options import UsageError, config_from, digits_from, option
from tui_nn.engine.nn.gradcheck import TOLERANCE
from tui_nn.engine.nn.network import Network
from tui_nn.engine.session import actions as act
from tui_nn.engine.session import config as cfg
from tui_nn.engine.session.config import ConfigError
from tui_nn.engine.session.controller import Controller
from tui_nn.engine.walk.explain import Element, ParameterStory, SampleChain, UnitStory, elements
from tui_nn.engine.walk.notation import Names, parameter_key, parameter_lookup, parameter_names
from tui_nn.engine.walk.records import NumberFormat, Step, json_number
from tui_nn.engine.walk.render import Span, equation_latex, equation_text, line_text, step_json, step_lines

SHOWN_NAMES = 40  # names listed in full in an error; a larger network lists these and says how many more


def run_explain(args: argparse.Namespace) -> int:
    config, hidden_given = config_from(args)
    epochs = option("--epochs", args.epochs, lambda t: cfg.parse_int("epochs", t, 0, 10**9))
    number = None if args.sample is None else option("--sample", args.sample, lambda t: cfg.parse_int("sample", t, 1))
    if args.param is not None and args.unit is not None:
        raise UsageError("--param and --unit cannot be combined: explain one thing at a time")
    from tui_nn.engine.session.build import build

    session = build(config, hidden_given=hidden_given, digits=digits_from(args))
    net = session.net
    if args.param is None and args.unit is None:
        raise UsageError(f"say what to explain: --param {_listed(log_names(net))}, or --unit {_listed(list(unit_names(net)))}")
    element = parameter_element(net, args.param) if args.param is not None else unit_element(net, args.unit)
    if number is not None:
        cfg.check_sample(number, session.data.size)
    controller = Controller(session)
    controller.view()  # the value's history starts at the first state
    if epochs:
        outcome = controller.apply(act.Train(epochs))
        if outcome.message is not None and outcome.message.tone == "error":
            print(f"tui-nn: training stopped: {outcome.message.text}", file=sys.stderr)
            return 1
    if number is not None:
        controller.apply(act.Pin(number))
    controller.view()
    story = controller.explain(element)
    fmt = controller.stepper.fmt
    if args.json:
        document = parameter_json(story, fmt) if isinstance(story, ParameterStory) else unit_json(story)
        document = {"network": controller.session.describe(), "epoch": controller.stepper.epoch, **document}
        print(json.dumps(document, ensure_ascii=False))
        return 0
    print(f"explain {controller.session.describe()} · {where(controller)}")
    lines = parameter_lines(story, fmt) if isinstance(story, ParameterStory) else unit_lines(story, fmt)
    print("\n".join(lines))
    return 0


def where(controller: Controller) -> str:
    """Which pass the derivation is about: its epoch, and its batch or pinned sample."""
    stepper = controller.stepper
    p = stepper.current
    if p.focus is not None:
        return f"epoch {p.epoch}, sample {p.focus + 1} alone"
    if p.n_batches > 1:
        return f"epoch {p.epoch}, mini-batch {p.batch_index + 1} of {p.n_batches}"
    return f"epoch {p.epoch}, the whole batch"


# --- names -------------------------------------------------------------------------------------


def log_names(net: Network) -> list[str]:
    """Every parameter's name as the log writes it (w11, v1, b_out), in the network's order."""
    return [name for name in parameter_names(net) if "[" not in name]


def unit_names(net: Network) -> dict[str, Element]:
    names = Names(net.sizes)
    return {names.unit(layer, j): Element("unit", layer, j) for layer, count in enumerate(net.sizes) for j in range(count)}


def _listed(names: list[str]) -> str:
    if len(names) <= SHOWN_NAMES:
        return ", ".join(names)
    return ", ".join(names[:SHOWN_NAMES]) + f", … ({len(names)} in all)"


def parameter_element(net: Network, text: str) -> Element:
    """The weight or bias called `text` (w12 or W1[0,1], b_out or b2[0]), or a ConfigError listing the names."""
    index = parameter_lookup(net).get(parameter_key(text))
    if index is None:
        raise ConfigError(
            f"--param: no parameter called {cfg.shown_value(text)} in this network: {_listed(log_names(net))} "
            "(or W1[0,0], b1[0], … as in network files)"
        )
    return next(e for e in elements(net.sizes) if e.kind != "unit" and e.parameter_index(net) == index)


def unit_element(net: Network, text: str) -> Element:
    units = unit_names(net)
    element = units.get(text.strip())
    if element is None:
        raise ConfigError(f"--unit: no unit called {cfg.shown_value(text)} in this network: {_listed(list(units))}")
    return element


# --- the inspector's lines, in plain text --------------------------------------------------------


def _step_lines(step: Step, fmt: NumberFormat, indent: str) -> list[str]:
    """A record's equations without its block header, the label column replaced by `indent`."""
    lines = []
    for line in step_lines(step, fmt):
        spans = [s for s in line if s.role != "header"]
        if not spans:
            continue
        if spans[0].role == "label":
            spans = [Span(indent, "label"), *spans[1:]]
        lines.append(line_text(tuple(spans)))
    return lines


def _shown_samples(story: ParameterStory) -> str:
    return f"the first {len(story.samples)} samples" if story.sample_count > len(story.samples) else "each sample"


def _verdict(story: ParameterStory) -> str:
    check = story.check
    if check.kink:
        return story.kink_verdict
    return "✓ agrees" if check.relative_error < TOLERANCE else "✗ disagrees"


def parameter_lines(story: ParameterStory, fmt: NumberFormat) -> list[str]:
    """What the inspector shows for a weight or bias (tui_nn/ui/panes/inspector.py), line for line."""
    kind = "bias" if story.element.kind == "bias" else "weight"
    name = story.label.split(" ")[0]
    lines = [
        f"{story.label} = {fmt(story.value)}   ({kind})",
        *story.words,  # the plain sentences the log puts under the gradient and the update
        f"∂L/∂{name} for {_shown_samples(story)} of this pass: the chain rule, from the loss down",
    ]
    for chain in story.samples:
        x = ", ".join(fmt(float(v)) for v in chain.x)
        y = ", ".join(fmt(float(v)) for v in chain.y)
        lines.append(f" sample {chain.sample + 1} · x = ({x}) · y = {y}: ∂L/∂{name} = {fmt(chain.gradient)}")
        for step in chain.steps:
            lines += _step_lines(step, fmt, "   ")
        if chain.saturated is not None:
            lines.append("   " + chain.saturated)
        if chain.dropped is not None:
            lines.append("   " + chain.dropped)
        if chain.product is not None:
            lines.append("   " + equation_text(chain.product, fmt))
    lines.append("the batch mean and the update:")
    lines += _step_lines(story.update, fmt, "  ")
    lines.append(f"after the update: {fmt(story.after)}")
    check = story.check
    lines.append(
        f"numerical check: (L(θ+ε) − L(θ−ε))/2ε = {_e(check.numerical)} · analytic {story.analytic_name} = {_e(check.analytic)} · "
        f"relative error {check.relative_error:.1e} {_verdict(story)}"
    )
    if len(story.trail) > 1:
        (first_epoch, first), (last_epoch, last) = story.trail[0], story.trail[-1]
        lines.append(f"history: {fmt(first)} at epoch {first_epoch} → {fmt(last)} at epoch {last_epoch}")
    return lines


def _e(value: float) -> str:
    """Seven significant digits in scientific notation, with the real minus sign the log uses."""
    return f"{value:.6e}".replace("-", "−")


def unit_lines(story: UnitStory, fmt: NumberFormat) -> list[str]:
    """What the inspector shows for a unit, line for line."""
    state = f"{story.state}: " if story.state else ""
    lines = [f"{story.label}   ({story.activation})", f"{state}{story.meaning}"]
    if story.element.layer > 0:
        slope = "g'(z)"
        lines.append(f"  {'sample':>6} {'z':>10} {'a':>10} {slope:>10} {'δ':>10}")
        for r in story.rows:
            lines.append(f"  {r.sample + 1:>6} {fmt(r.z):>10} {fmt(r.a):>10} {fmt(r.slope):>10} {fmt(r.delta):>10}")
    else:
        lines.append("  " + "  ".join(f"sample {r.sample + 1}: {fmt(r.a)}" for r in story.rows))
    if story.bias is not None:
        lines.append(f"bias {fmt(story.bias)}")
    if story.incoming:
        lines.append("in:  " + "  ".join(f"{name} {fmt(v)}" for name, v in story.incoming))
    if story.outgoing:
        lines.append("out: " + "  ".join(f"{name} {fmt(v)}" for name, v in story.outgoing))
    return lines


# --- JSON: every number at full precision ----------------------------------------------------------


def _chain_json(chain: SampleChain, fmt: NumberFormat) -> dict[str, object]:
    product = chain.product
    return {
        "sample": chain.sample + 1,
        "x": [json_number(float(v)) for v in chain.x],
        "y": [json_number(float(v)) for v in chain.y],
        "gradient": json_number(chain.gradient),
        "steps": [step_json(step, fmt) for step in chain.steps],
        "product": None
        if product is None
        else {"text": equation_text(product, fmt), "latex": equation_latex(product, fmt), "value": json_number(product.value)},
        "saturated": chain.saturated,
        "dropped": chain.dropped,
    }


def parameter_json(story: ParameterStory, fmt: NumberFormat) -> dict[str, object]:
    name, file_name = story.label.split(" ")[0], story.label.split(" ")[1].strip("()")
    check = story.check
    return {
        "kind": story.element.kind,
        "name": name,
        "file_name": file_name,
        "index": story.index,
        "value": json_number(story.value),
        "words": list(story.words),
        "sample_count": story.sample_count,
        "samples": [_chain_json(chain, fmt) for chain in story.samples],
        "mean_gradient": json_number(story.update.equations[0].value),
        "update": step_json(story.update, fmt),
        "after": json_number(story.after),
        "numerical_check": {
            "numerical": json_number(check.numerical),
            "analytic": json_number(check.analytic),
            "relative_error": json_number(check.relative_error),
            "kink": check.kink,
        },
        "history": [[epoch, json_number(value)] for epoch, value in story.trail],
    }


def unit_json(story: UnitStory) -> dict[str, object]:
    rows: list[dict[str, object]] = []
    for r in story.rows:
        if story.element.layer == 0:
            rows.append({"sample": r.sample + 1, "a": json_number(r.a)})
        else:
            numbers = {"z": r.z, "a": r.a, "slope": r.slope, "delta": r.delta}
            rows.append({"sample": r.sample + 1, **{key: json_number(value) for key, value in numbers.items()}})
    return {
        "kind": "unit",
        "name": story.label,
        "activation": story.activation,
        "state": story.state,
        "meaning": story.meaning,
        "rows": rows,
        "bias": None if story.bias is None else json_number(story.bias),
        "incoming": {name: json_number(v) for name, v in story.incoming},
        "outgoing": {name: json_number(v) for name, v in story.outgoing},
    }
