"""The command line: ``tinygrad-edu demo`` and ``tinygrad-edu learn ...`` (also
``python -m tinygrad_edu ...``)."""

from __future__ import annotations

import argparse
import difflib
import os
import pathlib
import re
import sys
import time
from collections.abc import Callable
from typing import Any, NoReturn, TextIO

from . import __version__, backprop, data
from .engine import Value
from .nn import MLP, squared_error
from .optim import SGD
from .train import fit

try:
    from .learn import cli as learn_cli
except ModuleNotFoundError as error:  # a learner's workbook copy of the package has no learn/ folder
    if error.name != f"{__package__}.learn":
        raise
    learn_cli = None  # type: ignore[assignment]


def xor_demo(
    epochs: int = 2000,
    seed: int = 0,
    out: TextIO | None = None,
    progress: bool = True,
    pictures_dir: str | os.PathLike[str] | None = "tinygrad_edu_demo",
    xor_graph: bool = False,
) -> float:
    """Train a sigmoid MLP on XOR, check its gradients against the delta rule, and write
    the two-neuron net's graph picture and its step-by-step backward player into
    `pictures_dir` (None: write nothing). `xor_graph` adds the (large) graph of the XOR
    net's error for one sample, drawn before training, when its gradients are largest.

    Returns the largest |backprop.py - backward()| gradient difference."""
    out = out if out is not None else sys.stdout

    def say(text: str = "") -> None:
        print(text, file=out, flush=True)

    xs, ys = data.xor()
    model = MLP(2, [4, 1], activation="sigmoid", seed=seed)
    say("tinygrad_edu demo: a sigmoid MLP learns XOR")
    say(f"  network: {model}, {len(model.parameters())} parameters")
    say("  error:   E = 1/2 (t - o)^2 per sample, averaged; SGD with lr 2.0, momentum 0.9")
    say()
    # Drawn (as DOT text) before training: once XOR is learned, most of its gradients
    # are near 0 (around 1e-8) and the picture would show little flow.
    untrained = _xor_graph(model, xs[3], ys[3]) if xor_graph and pictures_dir is not None else None
    start = time.perf_counter()
    fit(
        model,
        xs,
        ys,
        optimizer=SGD(model.parameters(), lr=2.0, momentum=0.9),
        epochs=epochs,
        progress=progress,
        out=out,
    )
    say(f"  trained {epochs} epochs in {time.perf_counter() - start:.1f} s")
    say()
    say("  predictions:")
    say("     x1   x2   target   output")
    for x, t in zip(xs, ys):
        say(f"    {x[0]:3.0f}  {x[1]:3.0f}   {t:6.0f}   {model(x).data:6.3f}")
    say()

    worst = _gradients_two_ways(model, xs[3], ys[3], say)
    if pictures_dir is not None:
        _write_pictures(pictures_dir, say, untrained)
    say("Where next:")
    say("  * docs/guide/: a training example (training.md) and every operation's derivatives (engine.md)")
    say("  * notebooks/: the derivations behind these numbers, step by step, with pictures")
    say("  * tinygrad-edu learn init mywork: rebuild the engine yourself, lesson by lesson (LEARN.md)")
    return worst


def _gradients_two_ways(model: MLP, x: list[float], t: float, say: Callable[..., None]) -> float:
    """dE/dw for one sample by the delta rule (backprop.py) and by backward(), side by side;
    returns the largest difference."""
    # (1, 1) rather than (0, 0): with a zero input every weight gradient is 0, since
    # dE/dw = delta * input.
    model.zero_grad()
    loss = squared_error(model(x), t).named("E")
    loss.backward()
    from_engine = [p.grad for p in model.parameters()]
    by_hand = [g + 0.0 for g in backprop.gradients(model, x, t)]  # + 0.0 turns -0.0 into 0.0
    say(f"  dE/dw for the sample x = {x}, t = {t:g}, computed two ways:")
    say("    by hand: the delta rule in backprop.py, delta = o(1-o)(o-t), dE/dw = delta * input")
    say("    engine:  loss.backward(), which only knows each operation's local derivative")
    say(f"    {'parameter':<12} {'by hand':>14} {'backward()':>14} {'difference':>11}")
    for p, hand, engine in zip(model.parameters(), by_hand, from_engine):
        say(f"    {p.label:<12} {hand:>14.6e} {engine:>14.6e} {abs(hand - engine):>11.1e}")
    worst = max(abs(hand - engine) for hand, engine in zip(by_hand, from_engine))
    say(f"  largest difference: {worst:.1e} (the chain rule rediscovers the delta rule)")
    say()
    return worst


def _xor_graph(model: MLP, x: list[float], t: float) -> Any:
    """The graph of E = 1/2 (t - o)^2 for one sample at the model's current weights, with
    its gradients, as a Drawing (its DOT text is fixed now; it is rendered later)."""
    from .viz import draw_dot

    model.zero_grad()
    loss = squared_error(model(x), t).named("E")
    loss.backward()
    drawing = draw_dot(loss, rankdir="LR")
    model.zero_grad()  # training starts from clean gradients
    return drawing


def _compact_drawing(root: Value) -> Any:
    """The graph of `root` drawn top to bottom, small enough to read at its natural size
    on a laptop screen: the local derivatives sit beside the arrows instead of in ranks
    of their own, and the ranks are closer than draw_dot's."""
    from .viz import draw_dot

    drawing = draw_dot(root, rankdir="TB", stacked=False, edge_labels="beside")
    drawing.graph_attr.update(ranksep="0.2", nodesep="0.3")
    drawing.node_attr.update(height="0.3")  # inches; dot's default 0.5 leaves air around one line of text
    return drawing


class _CannotWrite(Exception):
    """A file of the demo could not be written; the message names it and says why."""


def _write_pictures(folder, say, xor_graph=None):
    """The two-neuron net's graph with every local derivative and gradient, its backward
    player and, when given, the XOR net's graph `xor_graph` (a Drawing), each written
    atomically (an existing file is replaced whole or left as it was)."""
    from .two_neuron import two_neuron_net, write_two_neuron_player
    from .viz import RenderError

    folder = pathlib.Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _CannotWrite(f"cannot create the folder {str(folder)!r}: {error.strerror or error}") from None
    net = two_neuron_net()
    net["E"].backward()
    pictures = [
        (
            lambda: _compact_drawing(net["E"]).save(folder / "two_neuron_graph.svg"),
            "the two-neuron net's graph, every grad filled in by backward()",
        ),
        (
            lambda: write_two_neuron_player(folder / "two_neuron_backward.html"),
            "open it in a browser, press Next: backward() step by step",
        ),
    ]
    if xor_graph is not None:
        pictures.append(
            (
                lambda: xor_graph.save(folder / "xor_loss_graph.svg"),
                "the XOR net's graph of E for that sample, before training (large)",
            )
        )
    say("  pictures:")
    try:
        for write, what in pictures:
            try:
                say(f"    {write()}: {what}")
            except RenderError as error:  # no renderer: say so, the rest of the demo stands
                say(f"    (a picture was not drawn: {str(error).splitlines()[0]})")
    except (OSError, ValueError) as error:  # atomic_write's errors name the file
        raise _CannotWrite(str(error)) from None
    say()


class CommandParser(argparse.ArgumentParser):
    """An ArgumentParser whose "invalid choice" errors for a command suggest the nearest
    command name ("did you mean 'demo'?"); the subcommands' parsers are of this class too."""

    def error(self, message: str) -> NoReturn:
        wrong = re.search(r"invalid choice: '([^']*)'", message)
        commands = [
            name
            for action in self._actions
            if isinstance(action, argparse._SubParsersAction)
            for name in action.choices
        ]
        if wrong and commands:
            close = difflib.get_close_matches(wrong.group(1), commands, n=1, cutoff=0.5)
            if close:
                message += f"; did you mean {close[0]!r}?"
        super().error(message)


_DEMO_TEXT = (
    "Train a small sigmoid network (2 inputs, 4 hidden units, 1 output) on XOR and print its loss "
    "and predictions; compute the gradients of one sample twice, by the textbook delta rule and by "
    "backward(), side by side; write pictures into --out: the graph of a two-neuron net with a "
    "local derivative on every arrow, and a page that plays its backward pass step by step. "
    "About 5 seconds."
)


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="tinygrad-edu",
        description="See and learn how backpropagation works: `tinygrad-edu demo` shows it on a small "
        "network, `tinygrad-edu learn` lets you rebuild the engine lesson by lesson.",
    )
    parser.add_argument("--version", action="version", version=f"tinygrad-edu {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser(
        "demo",
        help="train a sigmoid MLP on XOR, compare its gradients with the delta rule, draw pictures",
        description=_DEMO_TEXT,
    )
    demo.set_defaults(usage_parser=demo)  # a wrong argument gets this parser's usage
    demo.add_argument("--epochs", type=_positive_int, default=2000, help="training epochs (default 2000)")
    demo.add_argument("--seed", type=int, default=0, help="seed for the initial weights (default 0)")
    demo.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    demo.add_argument(
        "--out",
        default="tinygrad_edu_demo",
        metavar="DIR",
        help="folder for the pictures and the backward player (default ./tinygrad_edu_demo)",
    )
    demo.add_argument("--no-pictures", action="store_true", help="write no files")
    demo.add_argument(
        "--xor-graph",
        action="store_true",
        help="also draw the XOR net's whole graph for one sample, before training (about 4800 x 1100 px)",
    )
    if learn_cli is not None:
        learn_cli.add_parser(commands)
    else:
        commands.add_parser(
            "learn", help="(not available in a workbook's copy of the package)", add_help=False
        ).add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def parse(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """`argv` parsed; an argument no command knows is reported with the usage of the
    (sub)command it was given to, not the top-level usage."""
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        getattr(args, "usage_parser", parser).error(f"unrecognized arguments: {' '.join(unknown)}")
    return args


def _positive_int(text):
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return n


def _prepare_output_folder(folder):
    """Create the demo's folder if needed; return None when files can be written in it,
    else a one-line reason (checked before training, so a typo costs no time)."""
    path = pathlib.Path(folder)
    if path.exists() and not path.is_dir():
        kind = "a file" if path.is_file() else "not a folder"
        return f"--out {folder!r} is {kind}; give a folder for the pictures (it is created if missing)"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return f"cannot create the folder {folder!r} given by --out: {error.strerror or error}"
    if not os.access(path, os.W_OK | os.X_OK):
        return f"cannot write in the folder {folder!r} given by --out: permission denied"
    return None


def _demo(args):
    if not args.no_pictures:
        problem = _prepare_output_folder(args.out)
        if problem is not None:
            print(f"tinygrad-edu demo: {problem}", file=sys.stderr)
            return 2
    try:
        xor_demo(
            epochs=args.epochs,
            seed=args.seed,
            progress=not args.no_progress,
            pictures_dir=None if args.no_pictures else args.out,
            xor_graph=args.xor_graph,
        )
    except _CannotWrite as error:  # a full disk, a read-only folder...: one line, no traceback
        print(f"tinygrad-edu demo: {error}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (130 after Ctrl-C, as shells do)."""
    parser = build_parser()
    args = parse(parser, argv)
    try:
        return _run(parser, args)
    except KeyboardInterrupt:
        # Ctrl-C is how a learner stops a command: no traceback, just a fresh line.
        print(file=sys.stderr)
        return 130


def _run(parser, args):
    if args.command == "demo":
        return _demo(args)
    if args.command == "learn":
        if learn_cli is None:
            print(
                "tinygrad-edu learn: this is a workbook's copy of tinygrad_edu (Python found it in the "
                "current folder). Use the `tinygrad-edu learn ...` command, or run "
                "`python -m tinygrad_edu learn ...` from outside the workbook folder.",
                file=sys.stderr,
            )
            return 2
        return learn_cli.run(args)
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
