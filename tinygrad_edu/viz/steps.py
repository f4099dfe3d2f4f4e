"""The forward and the backward pass one node at a time, as data, and how to name what is shown.

`backward_steps` and `forward_steps` are what the pictures (`viz`), the step player
(`player`) and `explain` read; this module sits below all of them. The backward
steps come from `engine.gradients`, backward()'s sweep written into a dictionary (no
.grad changes), so they are the numbers backward() computes.

A node's operation is described from its op's rule (`tinygrad_edu.ops.Op`): its
name, its operands (Values, or the number in ``x * 2``, from `Value.origin`), its
display symbol and its formula text.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from typing import Any, NamedTuple

from ..checks import describe
from ..engine import Value, gradients, topological_order
from ..ops import BUILT_IN_OPS

__all__ = [
    "Update",
    "BackwardStep",
    "ForwardStep",
    "backward_steps",
    "forward_steps",
    "operands",
    "formula",
    "node_names",
    "infix_symbol",
    "visible",
    "MAX_DRAWN",
    "GraphTooLarge",
    "check_drawable",
]

# The most Values a picture or a player page is made of: Graphviz lays out 10,000 in
# seconds, and a page of that many boxes is already tens of megabytes.
MAX_DRAWN = 10_000


class GraphTooLarge(ValueError):
    """A graph with more Values than a picture or a player page can show (`MAX_DRAWN`)."""


def check_drawable(order: Sequence[Value], where: str) -> None:
    """GraphTooLarge, naming the size and the limit, for more than MAX_DRAWN Values."""
    if len(order) > MAX_DRAWN:
        raise GraphTooLarge(
            f"{where}: this graph has {len(order)} Values, more than the {MAX_DRAWN} a picture or a "
            "player page can show; draw a part of it: pass an intermediate node as root (for a "
            "network, one neuron's output), or build the graph on fewer inputs"
        )


class Update(NamedTuple):
    """What one step of the backward pass adds into one operand of its node:
    ``child.grad += contribution``, where contribution = the node's grad * local_grad."""

    child: Value
    local_grad: float
    contribution: float


class BackwardStep(NamedTuple):
    """One step of the backward pass.

    node: the Value whose gradient is complete at this step (every Value that uses it
        has already passed its share down).
    grad: that gradient, d(root)/d(node).
    updates: one `Update` per child of `node`, in operand order (``a * a`` gives two),
        empty for a leaf.
    """

    node: Value
    grad: float
    updates: tuple[Update, ...]


class ForwardStep(NamedTuple):
    """One step of the forward pass: `node` gets its value `data`, computed from
    `children` (empty for a leaf, whose value is given)."""

    node: Value
    data: float
    children: tuple[Value, ...]


def _check_root(root: Any, where: str) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"{where}: root must be a Value, got {describe(root)}")


def backward_steps(root: Value, order: list[Value] | None = None) -> list[BackwardStep]:
    """The backward pass from `root` as a list of `BackwardStep`, one per Value, in reverse
    topological order: the order in which ``root.backward()`` completes the gradients.
    No ``.grad`` changes. `order`, when given, is ``topological_order(root)`` already made.

    >>> a = Value(3.0, label="a")
    >>> y = (a * a).named("y")
    >>> [(s.node.label, s.grad, [u.contribution for u in s.updates]) for s in backward_steps(y)]
    [('y', 1.0, [3.0, 3.0]), ('a', 6.0, [])]
    """
    _check_root(root, "backward_steps")
    if order is None:
        order = topological_order(root)
    grads = gradients(root, order)
    steps = []
    for node in reversed(order):
        grad = grads[node]
        if not math.isfinite(grad):
            raise OverflowError(
                f"backward_steps: the gradient of {node!r} is {grad!r}; a product of local derivatives "
                "overflowed the float range (as backward() would report)"
            )
        updates = tuple(Update(child, local, grad * local) for child, local in zip(node.children, node.local_grads))
        steps.append(BackwardStep(node, grad, updates))
    return steps


def forward_steps(root: Value, order: list[Value] | None = None) -> list[ForwardStep]:
    """The forward pass that built `root`, as a list of `ForwardStep` in topological order:
    every Value comes after the Values it was computed from."""
    _check_root(root, "forward_steps")
    if order is None:
        order = topological_order(root)
    return [ForwardStep(node, node.data, node.children) for node in order]


# ----- describing a node: names, operands, formulas ----------------------------------------------


def node_names(order: Sequence[Value]) -> dict[Value, str]:
    """A name for every node of `order`: its label as `visible` shows it, or "#i" for the
    i-th node when unlabelled."""
    return {node: visible(node.label) or f"#{i}" for i, node in enumerate(order)}


def visible(text: str) -> str:
    r"""`text` with the characters no picture or page can show written out as Python
    escapes: control characters such as NUL (a DOT program stops reading at one) or a
    tab (which pictures drop) and lone surrogates such as "\ud800" (no UTF-8 encoding
    exists for them), and the noncharacters such as U+FFFE and U+FFFF that XML (so SVG)
    forbids, written as "\ufffe". An escape sequence such as "\x1b[2J" thus never reaches
    a terminal. Line breaks stay. Pictures, the player and explain all show labels through
    this function, so a label reads the same everywhere."""
    if text.isprintable():
        return text
    return "".join(_escaped(char) if _unshowable(char) else char for char in text)


def _unshowable(char: str) -> bool:
    """A control character other than a line break, a lone surrogate, or a noncharacter
    (U+FDD0 to U+FDEF, and the last two code points of every plane)."""
    code = ord(char)
    if 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE:
        return True
    return unicodedata.category(char) in ("Cc", "Cs") and char not in "\n\r"


def _escaped(char: str) -> str:
    """The Python escape of `char`; repr keeps a noncharacter as is, so it is spelt out."""
    shown = repr(char)[1:-1]
    if shown != char:
        return shown
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def operands(node: Value) -> tuple[Value | float, ...]:
    """The operands of `node`'s operation, in order: its children, and the number operand
    (the 2 in ``x * 2`` or ``2 - x``) in its place. Empty for a leaf."""
    return node.origin.operands


def infix_symbol(op: Value | str) -> str | None:
    """The symbol written between two operands ("×" for "*"), or None for a named op (exp, ...):
    the `symbol` of the node's op, or of the built-in op of that name."""
    if isinstance(op, Value):
        rule = op.origin.op
        return rule.symbol if rule is not None else None
    return next((rule.symbol for rule in BUILT_IN_OPS if rule.name == op), None)


def formula(node: Value, position: int, name: Any) -> str:
    """The op's formula for d(node)/d(operand number `position`), with ``{out}``, ``{a}`` and
    ``{b}`` replaced by names: `name` maps a Value to its name (numbers are written as they
    are). "" when the op has no formula."""
    rule = node.origin.op
    text = getattr(rule, "formula", None) if rule is not None else None
    if not text:
        return ""
    if isinstance(text, (tuple, list)):
        text = text[position] if position < len(text) else ""
    names = {"out": name(node)}
    for key, operand in zip("ab", operands(node)):
        names[key] = name(operand) if isinstance(operand, Value) else f"{operand:g}"
    if not isinstance(text, str):
        return str(text)
    try:
        return text.format(**names)
    except Exception:  # a formula with other braces ({out.data}, {x}) is shown as written
        return text
