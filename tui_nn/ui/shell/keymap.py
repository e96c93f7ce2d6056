"""Every key of the app, in one table: the bindings, the help's key list and the README's are made
from it (a test holds the README to it)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class KeySpec:
    keys: str  # Textual key names, comma separated
    action: str  # the App action it runs
    footer: str  # the Footer's short description ("" = not in the Footer)
    display: str  # how the key is written in the Footer, the help and the README
    does: str  # what the help and the README say it does
    id: str


KEYS: tuple[KeySpec, ...] = (
    KeySpec(
        "right,space",
        "do('next')",
        "step",
        "→ or space",
        "next micro-step whatever the phase: forward → loss → backward → … → update",
        "next",
    ),
    KeySpec(
        "left",
        "do('back')",
        "back",
        "←",
        "step back (undo): a micro-step, a training run, a pin, an edit, a reset or new settings",
        "back",
    ),
    KeySpec("u", "undo", "", "u", "undo, like ← (it also works while inspecting, where ← moves the selection)", "undo"),
    KeySpec(
        "f", "do('forward')", "fwd", "f", "next forward micro-step (says so when this sample's forward pass is done)", "forward"
    ),
    KeySpec(
        "b", "do('backward')", "bwd", "b", "next backward micro-step (says so when the forward pass is not done yet)", "backward"
    ),
    KeySpec("F", "do('finish_forward')", "", "F", "finish the current forward pass", "finish-forward"),
    KeySpec("B", "do('finish_backward')", "", "B", "finish the current backward pass", "finish-backward"),
    KeySpec("e", "do('finish_epoch')", "epoch", "e", "finish the epoch (apply the update)", "finish-epoch"),
    KeySpec("t,T", "train", "train", "T or t", "start / stop live training", "train"),
    KeySpec("p", "play", "play", "p", "play the walk by itself, step after step, with the log scrolling; p again pauses", "play"),
    KeySpec(
        "left_square_bracket",
        "pace(-1)",
        "",
        "[",
        "slower: live training's pace (1, 2, 5 … 5000 epochs a second, then max), or the playing walk's speed",
        "pace-down",
    ),
    KeySpec("right_square_bracket", "pace(1)", "", "]", "faster (the same two ladders)", "pace-up"),
    KeySpec("plus", "scale_lr(2.0)", "", "+", "learning rate ×2, at once, keeping the network", "lr-up"),
    KeySpec("minus", "scale_lr(0.5)", "", "-", "learning rate ÷2", "lr-down"),
    KeySpec(
        "v",
        "cycle_view",
        "view",
        "v",
        "next view: network → decision boundary → hidden space → loss landscape (all four from 160×45)",
        "view",
    ),
    KeySpec(
        "l",
        "landscape",
        "landscape",  # last in the footer (FOOTER_LAST): at 120 columns it pushed the quiz (a) and words (w) out
        "l",
        "the loss landscape: the loss over two parameters around the weights (the two with the largest gradient, or "
        "the last two selected in the inspector), the path so far, the −gradient and the next step η·ḡ to scale; "
        "l again returns; at 160×45 and larger it grows to most of the row, beside the network",
        "landscape",
    ),
    KeySpec(
        "d",
        "landscape_plane",
        "",
        "d",
        "(landscape) the plane: two parameters' slice ↔ the path's top two principal directions (PCA), with the "
        "share of the path's variance it holds",
        "landscape-plane",
    ),
    KeySpec(
        "R",
        "race",
        "",
        "R",
        "the optimizer race from these weights: SGD at η and 4η, momentum at η, Adam at η/10, their paths on one "
        "landscape and their losses on one chart, each in its colour; T runs or pauses it, → steps, [ ] pace, "
        "Esc returns to the session as it was",
        "race",
    ),
    KeySpec(
        "m",
        "lens('matrices')",
        "numpy",
        "m",
        "the NumPy view: the current step as the tutorials' matrix line (Z1 = X @ W1 + b1 …), its shapes and the "
        "matrices, the cell being computed highlighted; m again returns",
        "matrices",
    ),
    KeySpec(
        "P",
        "torch_lens",
        "",
        "P",
        "the PyTorch lens of the NumPy view: the step as PyTorch code (nn.Sequential, logits = model(X), F.… loss, "
        "loss.backward(), model[0].weight.grad, optimizer.step()) over the same numbers, nn.Linear's (out, in) "
        "weight shown as stored, the transpose of W; P again returns to NumPy",
        "torch",
    ),
    KeySpec(
        "g",
        "lens('health')",
        "",
        "g",
        "gradient health per layer (‖∂L/∂W‖, ‖∂L/∂b‖, mean g′, saturated and dead units) beside the activation's "
        "curves g(z) and g′(z) with every unit's z marked; live while training; g again returns",
        "health",
    ),
    KeySpec(
        "G",
        "gradient_check",
        "",
        "G",
        "gradient check: each parameter's analytic gradient beside the central difference (L(θ+ε) − L(θ−ε)) / 2ε",
        "gradient-check",
    ),
    KeySpec(
        "I",
        "own_input",
        "",
        "I",
        "walk your own input and target (x1, x2 → y) from the current weights; ← returns to the data set",
        "own-input",
    ),
    KeySpec(
        "a",
        "quiz",
        "quiz",
        "a",
        "quiz mode: → asks for each step's value, giving its inputs, before it shows it (? shows the rule, Esc skips); a again turns it off",
        "quiz",
    ),
    KeySpec(
        "w",
        "words",
        "words",
        "w",
        "hide or show the plain sentences of the log (each kind's under its first step of a pass); x exports them while shown",
        "words",
    ),
    KeySpec("C", "card", "", "C", "the card of the formulas in use (this network's activations, loss and optimizer)", "card"),
    KeySpec(
        "L",
        "lesson",
        "",
        "L",
        "the guided lesson (the built-in XOR lesson, or tui-nn lesson FILE); L again hides or shows it",
        "lesson",
    ),
    KeySpec("greater_than_sign", "chapter(1)", "", ">", "next chapter of the lesson", "next-chapter"),
    KeySpec("less_than_sign", "chapter(-1)", "", "<", "previous chapter of the lesson", "previous-chapter"),
    KeySpec("A", "answer_chapter", "", "A", "answer the lesson chapter's question", "answer-chapter"),
    KeySpec(
        "i",
        "inspect",
        "inspect",
        "i",
        "inspect: select a unit, weight or bias (arrows or Tab move, a click selects, Esc leaves) and see where "
        "its value and gradient come from",
        "inspect",
    ),
    KeySpec(
        "equals_sign",
        "set_value",
        "",
        "=",
        "(inspecting) what if: set the selected weight or bias to a value you type",
        "set-value",
    ),
    KeySpec("z", "zero", "", "z", "(inspecting) zero the selected weight or bias (ablation)", "zero"),
    KeySpec(
        "k", "knock_out", "", "k", "(inspecting) knock out the selected hidden unit: every weight leaving it is 0", "knock-out"
    ),
    KeySpec(
        "c",
        "settings",
        "settings",
        "c",
        "settings: data set, layers, activation, loss, init, seed, optimizer, η, batch, validation",
        "settings",
    ),
    KeySpec("r", "do('reset')", "", "r", "reset: back to the initial weights at epoch 0 (← undoes it)", "reset"),
    KeySpec(
        "n",
        "reseed",
        "",
        "n",
        "a new random seed: new initial weights at epoch 0, the seed shown in the log (← undoes it)",
        "reseed",
    ),
    KeySpec(
        "pageup,pagedown,end",
        "",
        "",
        "PgUp / PgDn / End",
        "scroll the calculation log back and forth; End returns to the newest line (with a lesson open they scroll its page, while inspecting the inspector)",
        "log-scroll",
    ),
    KeySpec("s", "save", "", "s", "save the network as JSON (PROBLEM-epochN.json, or --save-to), atomically", "save"),
    KeySpec(
        "x",
        "export('markdown')",
        "",
        "x",
        "export the calculation log as Markdown with LaTeX math (Ctrl+P for LaTeX or text)",
        "export",
    ),
    KeySpec("X", "save_screen", "", "X", "save an SVG screenshot of the screen", "screenshot"),
    KeySpec("S", "save_session", "", "S", "save the session (settings and every action) for tui-nn replay", "save-session"),
    KeySpec("ctrl+p", "", "", "Ctrl+P", "the command palette: every command, with the ones that have no key", "palette"),
    KeySpec("question_mark", "help", "help", "?", "help: each pane, each key, the notation", "help"),
    KeySpec(
        "q", "quit", "quit", "q", "quit (with trained weights no save holds, the first q says so and the second quits)", "quit"
    ),
)

# Keys listed in the help and the README as one row but bound one by one.
SAMPLE_KEYS = KeySpec(
    "1-9", "pin", "", "1–9, ↑ / ↓", "pin a sample (walk and train on it alone); 0 back to the whole batch", "pin"
)


# What a learner needs first, in the order the help opens with, each in a few words (a small
# terminal shows them without scrolling): step, step back, train, help, quit.
FIRST_KEYS: tuple[tuple[str, str], ...] = (
    ("next", "the next arithmetic step: forward, loss, backward, update"),
    ("back", "one step back: every number as it was"),
    ("train", "train live and watch it learn; T again stops"),
    ("help", "this help; Esc closes it"),
    ("quit", "quit"),
)

# Keys of the table that the inspector widget binds (tui_nn.ui.panes.inspector), not the app.
INSPECTOR_KEYS = frozenset({"set-value", "zero", "knock-out"})

# Every key once, grouped by what the learner is doing (the help lists them so).
TASKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Step through the arithmetic",
        ("next", "back", "undo", "forward", "backward", "finish-forward", "finish-backward", "finish-epoch", "pin"),
    ),
    ("Train and watch", ("train", "play", "pace-down", "pace-up", "lr-up", "lr-down", "view")),
    ("See the loss landscape", ("landscape", "landscape-plane", "race")),
    ("Read the log", ("words", "log-scroll", "card")),
    (
        "Look closer and ask what if",
        ("inspect", "set-value", "zero", "knock-out", "own-input", "matrices", "torch", "health", "gradient-check"),
    ),
    ("Test yourself and follow a lesson", ("quiz", "lesson", "next-chapter", "previous-chapter", "answer-chapter")),
    ("Change the network", ("settings", "reset", "reseed")),
    ("Save and share", ("save", "export", "screenshot", "save-session", "palette")),
    ("Help and quitting", ("help", "quit")),
)


def _spec(key_id: str) -> KeySpec:
    return SAMPLE_KEYS if key_id == SAMPLE_KEYS.id else next(k for k in KEYS if k.id == key_id)


def first_rows() -> list[tuple[str, str]]:
    """(key, what it does, in a few words) of the keys a learner needs first."""
    return [(_spec(key_id).display, short) for key_id, short in FIRST_KEYS]


def task_rows() -> list[tuple[str, list[tuple[str, str]]]]:
    """Each task with its keys: (key, what it does), every key of the table once."""
    return [(task, [(_spec(key_id).display, _spec(key_id).does) for key_id in ids]) for task, ids in TASKS]


FOOTER_LAST = (
    "landscape",
)  # shown where the footer has room for it (from 160 columns), never in place of the quiz's or words' key


def bindings() -> list[Binding | tuple[str, str] | tuple[str, str, str]]:
    # The Footer lists bindings in order: help and quit first, so a narrow terminal never hides them.
    first = ("help", "quit")
    ordered = (
        [k for k in KEYS if k.id in first]
        + [k for k in KEYS if k.id not in first and k.id not in FOOTER_LAST]
        + [k for k in KEYS if k.id in FOOTER_LAST]
    )
    result: list[Binding | tuple[str, str] | tuple[str, str, str]] = [
        Binding(k.keys, k.action, k.footer or k.does, id=k.id, show=bool(k.footer), key_display=k.display.split(" or ")[0])
        for k in ordered
        if k.action and k.id != "next" and k.id not in INSPECTOR_KEYS
    ]
    # → and space both step, but while inspecting → moves the selection and space still steps
    # (the inspector follows the step): two bindings, so the app can tell them apart.
    step = next(k for k in KEYS if k.id == "next")
    result.insert(len(first), Binding("right", step.action, step.footer, id=step.id, key_display=step.display.split(" or ")[0]))
    result.append(Binding("space", "step", step.does, show=False))
    # PgUp, PgDn and End share one row of the key table
    result += [
        Binding("pageup", "scroll_log(-1)", "log back a page", show=False),
        Binding("pagedown", "scroll_log(1)", "log forward a page", show=False),
        Binding("end", "scroll_log(0)", "log: newest line", show=False),
    ]
    result += [Binding(str(n), f"pin({n})", f"pin sample {n}", show=False) for n in range(10)]
    result += [
        Binding("up", "pin_by(-1)", "previous sample", show=False),
        Binding("down", "pin_by(1)", "next sample", show=False),
    ]
    return result


def inspector_bindings() -> list[Binding | tuple[str, str] | tuple[str, str, str]]:
    """The inspector's keys, which it owns while it has the focus (while inspecting): the arrows
    and Tab move the selection (the app's stepping bindings under them step aside), and the
    what-ifs of the key table."""
    result: list[Binding | tuple[str, str] | tuple[str, str, str]] = [
        Binding("left", "select('left')", "select", show=False),
        Binding("right", "select('right')", "select", show=False),
        Binding("up", "select('up')", "select", show=False),
        Binding("down", "select('down')", "select", show=False),
        Binding("tab", "select_cycle(1)", "next element", show=False, priority=True),
        Binding("shift+tab", "select_cycle(-1)", "previous element", show=False, priority=True),
        Binding("escape", "leave_inspect", "done inspecting", show=False),
    ]
    result += [
        Binding(k.keys, k.action, k.does, id=k.id, show=False, key_display=k.display) for k in KEYS if k.id in INSPECTOR_KEYS
    ]
    return result


def help_rows() -> list[tuple[str, str]]:
    """(key, what it does) in the order the help and the README list them."""
    rows = [(k.display, k.does) for k in KEYS]
    rows.insert(11, (SAMPLE_KEYS.display, SAMPLE_KEYS.does))
    return rows


def markdown_table() -> str:
    lines = ["| key | does |", "|---|---|"]
    lines += [f"| `{key}` | {does} |" for key, does in help_rows()]
    return "\n".join(lines)
