"""The chain rule written out: a gradient as a sum over paths of products.

For an output E and any node x it depends on, the multivariable chain rule says

    dE/dx = sum over every path from x up to E of
            (the product of the local derivatives on the path's edges)

where the local derivative on the edge from a node u into the node v made from it
is d(v)/d(u), the number each Value keeps in `local_grads` (and the number on each
arrow in `viz.draw_dot`'s picture). `backward()` computes the same sum without
listing the paths; `paths` lists them so you can check it by hand.

>>> from tinygrad_edu import Value
>>> a = Value(3.0, label="a")
>>> y = (a * a).named("y")           # a is used twice: two edges, two paths
>>> y.backward()
>>> [p.product for p in paths(y, a)]
[3.0, 3.0]
>>> print(explain(y, a))             # doctest: +NORMALIZE_WHITESPACE
d(y)/d(a) by the chain rule: along each path from a up to y, multiply the local
derivatives; then add the paths. y.backward() computes this sum and adds it to a.grad.
  path 1: d(y)/d(a) = 3
  path 2: d(y)/d(a) = 3
  sum of the 2 paths: 3 + 3 = 6 = a.grad

A word of warning: the number of paths can grow exponentially with depth. Each
node that feeds two later nodes which meet again (a "diamond") doubles the count,
so a chain of 40 diamonds has 2**40 paths, far too many to list, although
backward() handles it in a blink (it adds the paths up node by node instead of one
path at a time; that saving is what makes reverse mode practical). `paths` counts
the paths first and raises `TooManyPaths` above `limit`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from ..checks import check_positive_int, check_value
from ..engine import Value, topological_order
from .dot import number_formatter  # the one check of number formats, shared with the pictures
from .steps import visible

__all__ = ["Step", "Path", "paths", "count_paths", "explain", "TooManyPaths", "DEFAULT_LIMIT", "STEP_CEILING"]

DEFAULT_LIMIT = 10_000
# The most steps (all paths together) `paths` lists whatever the limit, None included:
# each step is an object of about a hundred bytes, so this is some hundreds of megabytes.
STEP_CEILING = 2_000_000


class TooManyPaths(ValueError):
    """More paths than the `limit` given to `paths` or `explain`."""


class Step(NamedTuple):
    """One edge of a path, from `node` up into `parent`.

    local_grad: d(parent)/d(node) along this edge.
    operand_index: which operand of `parent` this edge is (0 for the left one), so the
        two uses in ``a * a`` are told apart; None for a step of a merged path that
        stands for several edges (see ``paths(..., merge_unnamed=True)``).
    """

    node: Value
    local_grad: float
    parent: Value
    operand_index: int | None


class Path:
    """One path from `leaf` up to `root`.

    steps: the edges, leaf first; ``steps[0].node`` is the leaf and the last step's
        `parent` is the root. A path from a node to itself has no steps.
    nodes: the Values along the path, leaf first, root last (iterating over a Path
        gives them too, so a Path can be passed wherever a list of Values is expected).
    product: the product of the local derivatives, this path's term of d(root)/d(leaf).
    """

    __slots__ = ("steps", "leaf", "root", "product")

    def __init__(self, leaf: Value, root: Value, steps: Iterable[Step]) -> None:
        self.leaf = leaf
        self.root = root
        self.steps = tuple(steps)
        product = 1.0
        # Multiply from the root down, the order backward() uses, so that on a single
        # path the result is bit-for-bit the gradient backward() finds.
        for step in reversed(self.steps):
            product *= step.local_grad
        if not math.isfinite(product):
            raise OverflowError(
                f"paths: the product of the local derivatives from {leaf!r} to {root!r} is {product!r}; "
                "it overflowed the float range (as backward() would report)"
            )
        self.product = product

    @property
    def nodes(self) -> tuple[Value, ...]:
        return (self.leaf,) + tuple(step.parent for step in self.steps)

    def __iter__(self):
        return iter(self.nodes)

    def __repr__(self):
        route = " -> ".join(visible(node.label) or node.op or "leaf" for node in self.nodes)
        return f"Path({route}, product={self.product!r})"


def count_paths(root: Value, leaf: Value) -> int:
    """How many paths lead from `leaf` up to `root` (a repeated operand, as in ``a * a``,
    counts once per use), found without listing them."""
    check_value(root, "paths")
    check_value(leaf, "paths", "leaf")
    return _path_counts(root, leaf)[0].get(root, 0)


def _path_counts(root, leaf):
    """For every node on some path from `leaf` to `root`: how many paths reach it from
    `leaf`. Also returns the topological order of root's graph."""
    order = topological_order(root)
    counts = {leaf: 1}
    for node in order:  # children come before the nodes made from them
        if node is leaf:
            continue
        total = 0
        for child in node.children:
            total += counts.get(child, 0)
        if total:
            counts[node] = total
    if leaf not in counts or root not in counts:
        raise ValueError(
            f"{_describe(leaf)} is not part of the graph of {_describe(root)}: the output does not "
            "depend on it, so there is no path between them (and the derivative is 0). Pass a node "
            "that the output was computed from."
        )
    return counts, order


def paths(root: Value, leaf: Value, limit: int | None = DEFAULT_LIMIT, merge_unnamed: bool = False) -> list[Path]:
    """Every path from `leaf` up to `root`, as a list of `Path`.

    After ``root.backward()``, ``sum(p.product for p in paths(root, leaf))`` equals
    ``leaf.grad`` (up to rounding; exactly for a single path). A node used twice by one
    operation gives two paths. Paths come in a fixed order: at each node the left
    operand's paths before the right one's.

    limit: raise `TooManyPaths` when there are more paths than this (None: no limit;
        but paths of more than STEP_CEILING steps in all are never listed: they would not
        fit in memory).
        Path counts can grow exponentially with the depth of a graph (see the module
        docstring); the count is taken before any path is built.
    merge_unnamed: when True, a step runs from one labelled node to the next (the leaf
        and the root always count as such), and its local_grad is the derivative
        through the unlabelled nodes in between: the sum, over the routes between the
        two, of the product of their local derivatives. Label the quantities a textbook
        names (``.named("o_l")``) and the paths become the textbook's factors. The
        products still add up to ``leaf.grad``.
    """
    check_value(root, "paths")
    check_value(leaf, "paths", "leaf")
    if limit is not None:
        check_positive_int(limit, "paths: limit")  # (or None: no limit)
    counts, order = _path_counts(root, leaf)
    total, steps = counts[root], _step_count(order, counts, leaf, root)
    if (limit is not None and total > limit) or steps > STEP_CEILING:
        raise TooManyPaths(_too_many_paths(total, steps, limit, leaf, root))
    found = _enumerate(root, leaf, counts)
    return _merge_unnamed(found, leaf, root) if merge_unnamed else found


def _step_count(order: list[Value], counts: dict[Value, int], leaf: Value, root: Value) -> int:
    """The number of steps of all paths from `leaf` to `root` together, without listing them:
    each path that reaches a child goes one step further to every use of it."""
    steps: dict[Value, int] = {leaf: 0}
    for node in order:
        if node in counts and node is not leaf:
            steps[node] = sum(steps[child] + counts[child] for child in node.children if child in counts)
    return steps.get(root, 0)


def _too_many_paths(total: int, steps: int, limit: int | None, leaf: Value, root: Value) -> str:
    """What TooManyPaths says: a larger limit is advised only while the paths fit in memory."""
    shown = _rough(total)
    over = [f"more than limit={limit}"] if limit is not None and total > limit else []
    if steps > STEP_CEILING:
        over.append(f"with {_rough(steps)} steps in all, more than the {STEP_CEILING} that fit in memory")
        advice = "They are too many to list: explain a nearer node"
    else:
        advice = f"To list them anyway pass limit={total} or more, or explain a nearer node"
    bound = ", ".join(over)
    return (
        f"paths: there are {shown} paths from {_describe(leaf)} up to {_describe(root)}, {bound}. "
        "Path counts grow exponentially where branches meet again; backward() finds their sum "
        f"without listing them. {advice} (an intermediate node as root)."
    )


def _rough(n: int) -> str:
    return f"{n}" if n < 10**40 else f"about 10^{len(str(n)) - 1}"


def _enumerate(root, leaf, counts):
    """Depth-first from the root down to the leaf with an explicit stack; only nodes that
    lead to the leaf (those in `counts`) are entered."""
    found: list[Path] = []
    # Each entry: (node, link), where link = (step, link below it) or None is the path
    # walked so far, shared between branches instead of copied.
    stack: list[tuple[Value, Any]] = [(root, None)]
    while stack:
        node, link = stack.pop()
        if node is leaf:
            steps: list[Step] = []
            while link is not None:  # from the leaf's edge up to the root's
                step, link = link
                steps.append(step)
            found.append(Path(leaf, root, steps))
            continue
        children, local_grads = node.children, node.local_grads
        for position in range(len(children) - 1, -1, -1):  # pushed right first, so left pops first
            child = children[position]
            if child in counts:
                stack.append((child, (Step(child, local_grads[position], node, position), link)))
    return found


def _merge_unnamed(found, leaf, root):
    """Fold the unlabelled nodes of each path into the steps between labelled ones."""
    # the labelled nodes a path visits -> one dict of distinct routes per step
    groups: dict[tuple[Value, ...], list[dict[Any, float]]] = {}
    for path in found:
        nodes = path.nodes
        ends = [0] + [k for k in range(1, len(nodes) - 1) if nodes[k].label]
        if len(nodes) > 1:
            ends.append(len(nodes) - 1)
        key = tuple(nodes[k] for k in ends)
        routes = groups.setdefault(key, [{} for _ in range(len(ends) - 1)])
        for s, (lo, hi) in enumerate(zip(ends, ends[1:])):
            segment = path.steps[lo:hi]
            # Paths that differ elsewhere share this stretch: count each route once.
            route = tuple((step.parent, step.operand_index) for step in segment)
            if route not in routes[s]:
                routes[s][route] = Path(segment[0].node, segment[-1].parent, segment).product
    merged = []
    for key, routes in groups.items():
        steps = []
        for s, options in enumerate(routes):
            derivative = 0.0
            for product in options.values():
                derivative += product
            only = next(iter(options)) if len(options) == 1 else None
            operand_index = only[0][1] if only is not None and len(only) == 1 else None
            steps.append(Step(key[s], derivative, key[s + 1], operand_index))
        merged.append(Path(leaf, root, steps))
    return merged


def explain(
    root: Value,
    leaf: Value,
    limit: int | None = DEFAULT_LIMIT,
    merge_unnamed: bool = False,
    number_format: str | Callable[[float], str] = "{:.4g}",
) -> str:
    """d(root)/d(leaf) as readable text: one line per path with its factors (root side
    first, as the chain rule is usually written) and their product, then the sum.

    Unlabelled nodes are called by their operation and their position in the
    topological order ("*#5"), leaves "leaf#2"; give nodes names with ``.named()`` for
    a readable explanation. `limit` and `merge_unnamed` are those of `paths`.
    """
    fmt = number_formatter(number_format)  # checked first: a bad format fails here, not mid-text
    found = paths(root, leaf, limit=limit, merge_unnamed=merge_unnamed)
    names = {node: _display_name(node, i) for i, node in enumerate(topological_order(root))}
    top, bottom = names[root], names[leaf]

    lines = [
        f"d({top})/d({bottom}) by the chain rule: along each path from {bottom} up to {top}, multiply "
        f"the local derivatives; then add the paths. {top}.backward() computes this sum and adds it "
        f"to {bottom}.grad."
    ]
    for number, path in enumerate(found, start=1):
        if not path.steps:
            lines.append(f"  path {number}: {top} is {bottom} itself, so the derivative is {fmt(1.0)}")
            continue
        steps = path.steps[::-1]  # root side first: dE/dx = dE/du * du/dx
        symbols = " * ".join(f"d({names[s.parent]})/d({names[s.node]})" for s in steps)
        values = " * ".join(_factor(fmt, s.local_grad) for s in steps)
        product = "" if len(steps) == 1 else f" = {fmt(path.product)}"  # one factor is its own product
        lines.append(f"  path {number}: {symbols} = {values}{product}")
    total = 0.0
    for path in found:
        total += path.product
    if not math.isfinite(total):
        raise OverflowError(f"explain: the sum of the paths' products is {total!r}, outside the float range")
    count = "1 path" if len(found) == 1 else f"the {len(found)} paths"
    terms = ""
    if 1 < len(found) <= 8:
        terms = " + ".join(_factor(fmt, path.product) for path in found) + " = "
    lines.append(f"  sum of {count}: {terms}{fmt(total)} = {bottom}.grad")
    return "\n".join(lines)


def _factor(fmt, x):
    text = fmt(x)
    return f"({text})" if text.startswith("-") else text


def _display_name(node, position):
    if node.label:
        return visible(node.label)
    return f"{node.op}#{position}" if node.op else f"leaf#{position}"


def _describe(node):
    return f"the node {node.label!r} ({node!r})" if node.label else repr(node)
