"""The command line: ``tinygrad-edu demo`` (also ``python -m tinygrad_edu demo``)."""

import argparse
import sys

from . import __version__
from .engine import Value


def engine_demo(out=sys.stdout):
    """Build a tiny neuron, run backward(), and print every gradient with the
    formula it should equal, so the chain rule can be checked by eye."""
    x = Value(2.0, label="x")
    w = Value(-0.5, label="w")
    b = Value(0.25, label="b")
    z = (w * x + b).named("z")
    y = z.sigmoid().named("y")
    y.backward()

    def say(text=""):
        print(text, file=out)

    say("A sigmoid neuron, y = sigmoid(w*x + b), with x = 2, w = -0.5, b = 0.25")
    say(f"  forward:  z = w*x + b = {z.data:.6f}    y = sigmoid(z) = {y.data:.6f}")
    say("  backward: y.backward() fills in .grad = dy/d(node) for every node")
    slope = y.data * (1 - y.data)
    rows = [
        ("dy/dz", z.grad, "y(1 - y)", slope),
        ("dy/dw", w.grad, "y(1 - y) * x", slope * x.data),
        ("dy/dx", x.grad, "y(1 - y) * w", slope * w.data),
        ("dy/db", b.grad, "y(1 - y) * 1", slope),
    ]
    say(f"    {'gradient':<8} {'backward()':>12}   {'by hand':<14} {'value':>10}")
    for name, got, formula, expected in rows:
        say(f"    {name:<8} {got:>12.6f}   {formula:<14} {expected:>10.6f}")
    worst = max(abs(got - expected) for _, got, _, expected in rows)
    say(f"  largest difference between backward() and the hand formulas: {worst:.1e}")
    return worst


def build_parser():
    parser = argparse.ArgumentParser(
        prog="tinygrad-edu",
        description="See and learn how backpropagation works.",
    )
    parser.add_argument("--version", action="version", version=f"tinygrad-edu {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("demo", help="run a small backpropagation demo and print the gradients")
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        engine_demo()
        return 0
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
