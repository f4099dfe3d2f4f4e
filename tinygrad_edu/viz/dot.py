"""The DOT text of a computation graph: one record box per Value, one oval per operation,
and an arrow from each operand into its operation labelled with the local derivative.

`drawing` (pictures) and `player` (the step player) both build on this module. DOT is
Graphviz's language; `build_dot` writes it with the `graphviz` Python package, and
`renderer` turns it into SVG or PNG (its names are re-exported here, where they lived
before).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import graphviz

from ..checks import check_choice
from ..engine import Value, topological_order
from .renderer import DOT_ENV_VAR, RendererNotFound, RenderError, find_renderer, render
from .steps import check_drawable, operands, visible

# The renderer's names stay importable from here.
__all__ = [
    "build_dot",
    "number_formatter",
    "LARGE_GRAPH",
    "LargeGraphWarning",
    "DOT_ENV_VAR",
    "RenderError",
    "RendererNotFound",
    "find_renderer",
    "render",
]

# Above this many Values a picture stops being readable (and layout gets slow).
LARGE_GRAPH = 500

HIGHLIGHT_COLOR = "#d62728"  # a red that stays visible in print and for most colour-blind readers
EDGE_LABEL_COLOR = "#1f5fa8"  # derivatives in blue, so they do not blend in with the node values

_RANKDIRS = ("LR", "TB", "RL", "BT")
_LIT = {"color": HIGHLIGHT_COLOR, "fontcolor": HIGHLIGHT_COLOR, "penwidth": "2.5"}  # a highlighted path


class LargeGraphWarning(UserWarning):
    """The graph is too big to read as one picture."""


# ----- DOT source ----------------------------------------------------------------------------


def build_dot(
    root: Value,
    edge_labels: bool | str,
    rankdir: str,
    number_format: str | Callable[[float], Any],
    highlight: Any,
    stacked: bool,
    stacklevel: int,
    fields: Callable[[int, Value], list[str]] | None = None,
    order: list[Value] | None = None,
    make_graph: Callable[..., Any] | None = None,
) -> Any:
    """`to_dot`'s work. `fields`, when given, is a function (position in the topological
    order, node) -> the list of texts in that node's box, used instead of label, data
    and grad (the player draws boxes wide enough for every number it will write in them).
    `make_graph`, when given, makes the graph object from graphviz.Digraph's arguments,
    and that object is returned instead of its source (draw_dot's `viz.Drawing`).
    The callers have checked that `root` is a Value (each names itself in the error)."""
    check_choice(rankdir, _RANKDIRS, "to_dot: rankdir")
    fmt = number_formatter(number_format)
    order = topological_order(root) if order is None else order
    check_drawable(order, "to_dot" if make_graph is None else "draw_dot")
    index = {node: i for i, node in enumerate(order)}
    _warn_if_large(len(order), stacklevel + 1)
    lit_nodes, lit_edges = _highlighted(highlight, index)

    graph = (make_graph or graphviz.Digraph)(
        "computation_graph",
        graph_attr={"rankdir": rankdir},
        node_attr={"fontname": "Helvetica", "fontsize": "12"},
        edge_attr={"fontname": "Helvetica", "fontsize": "11", "fontcolor": EDGE_LABEL_COLOR},
    )
    # Record fields run across the rank direction: stacked in a left-to-right layout,
    # side by side in a top-down one. Braces turn them the other way.
    wrap = "{{ {} }}" if (rankdir in ("LR", "RL")) != bool(stacked) else "{}"
    for i, node in enumerate(order):
        texts = _label_data_grad(node, fmt) if fields is None else fields(i, node)
        record = wrap.format(" | ".join(_record_field(text) for text in texts))
        style = dict(_LIT) if node in lit_nodes else {}
        if node is root:
            style.setdefault("penwidth", "2")
        graph.node(f"v{i}", label=graphviz.nohtml(record), shape="record", **style)
        if node.op:  # a leaf has no operation that made it
            _add_operation(graph, i, node, index, fmt, edge_labels, lit_edges)
    return graph.source if make_graph is None else graph


def _warn_if_large(size: int, stacklevel: int) -> None:
    """A LargeGraphWarning for a graph of `size` Values above LARGE_GRAPH."""
    if size > LARGE_GRAPH:
        warnings.warn(
            f"to_dot: this graph has {size} Values (more than {LARGE_GRAPH}); a picture this "
            "big is hard to read and slow to lay out. Draw a part of it instead: pass an "
            "intermediate node as root (for a network, one neuron's output or one layer's "
            "output), or build the graph on fewer inputs.",
            LargeGraphWarning,
            stacklevel=stacklevel,
        )


def _label_data_grad(node: Value, fmt: Callable[[float], str]) -> list[str]:
    """The texts of a box: the label (when there is one), the data and the grad."""
    texts = [f"data {fmt(node.data)}", f"grad {fmt(node.grad)}"]
    return [node.label, *texts] if node.label else texts


def _add_operation(
    graph: Any,
    i: int,
    node: Value,
    index: dict[Value, int],
    fmt: Callable[[float], str],
    edge_labels: bool | str,
    lit_edges: set[tuple[int, int, int | None]],
) -> None:
    """The oval of the operation that made node `i`, an arrow from each operand into it
    (labelled with the local derivative), and the arrow from it to the node."""
    op_lit = any(key[1] == i for key in lit_edges)
    graph.node(
        f"op{i}", label=graphviz.nohtml(_escape_text(_op_text(node, fmt))), shape="ellipse", **(_LIT if op_lit else {})
    )
    for position, (child, local_grad) in enumerate(zip(node.children, node.local_grads)):
        # The spaces keep a label off its own edge and off a neighbour's label
        # (the two edges of a*a run side by side).
        # "beside" puts the number next to the arrow (xlabel): dot then adds no rank for it,
        # which keeps a long chain about half as tall.
        key = "xlabel" if edge_labels == "beside" else "label"
        attrs = {key: graphviz.nohtml(f" {_escape_text(fmt(local_grad))} ")} if edge_labels else {}
        j = index[child]
        if (j, i, position) in lit_edges or (j, i, None) in lit_edges:
            attrs.update(_LIT)
        graph.edge(f"v{j}", f"op{i}", **attrs)
    graph.edge(f"op{i}", f"v{i}", **(_LIT if op_lit else {}))


def number_formatter(number_format: str | Callable[[float], Any]) -> Callable[[float], str]:
    if callable(number_format):
        return lambda x: str(number_format(x))
    if not isinstance(number_format, str):
        raise TypeError(
            f"number_format must be a format string such as '{{:.4g}}' or a function, got {number_format!r}"
        )
    try:
        number_format.format(1.5)
    except (ValueError, IndexError, KeyError, AttributeError, TypeError) as error:
        raise ValueError(
            f"number_format {number_format!r} cannot format a float ({type(error).__name__}: {error}); "
            "expected a format string with one field for the number, e.g. '{:.4g}'"
        ) from None
    return number_format.format


def _op_text(node, fmt):
    """The text inside an operation's oval: the op, and any number operand on its side
    ("* 2" for x * 2, "2 -" for 2 - x)."""
    parts = [node.op]
    for position, operand in enumerate(operands(node)):
        if not isinstance(operand, Value):
            parts.insert(0 if position == 0 else 1, fmt(operand))
    return " ".join(parts)


def _escape_text(text):
    r"""Text for a DOT label that shows exactly `text`: backslashes protected (DOT reads
    \n, \l, \N... as escapes), ampersands written as &amp; (Graphviz decodes entities
    such as &lt; or &#xD800; in every label), real line breaks turned into DOT's, and
    unshowable characters written out (see `steps.visible`). Double quotes are escaped by
    the graphviz package."""
    text = visible(text).replace("\\", "\\\\").replace("&", "&amp;")
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def _record_field(text):
    """One field of a record label: besides backslashes, the characters | { } < >
    have a meaning inside records (field separators, nesting, port names)."""
    text = _escape_text(text)
    for char in "|{}<>":
        text = text.replace(char, "\\" + char)
    return text


def _highlighted(highlight, index):
    """The node set and edge keys (child index, parent index, operand position or None)
    to colour for `highlight`."""
    if highlight is None:
        return set(), set()
    steps = getattr(highlight, "steps", None)
    if steps is not None:  # an explain.Path: it knows which operand each edge is
        nodes = list(highlight.nodes)
        edges = [(s.node, s.parent, getattr(s, "operand_index", None)) for s in steps]
    else:
        nodes = list(highlight)
        edges = [(lower, upper, None) for lower, upper in zip(nodes, nodes[1:])]
    for node in nodes:
        if not isinstance(node, Value):
            raise TypeError(f"highlight: expected a path of Values, got {type(node).__name__} {node!r:.60}")
        if node not in index:
            raise ValueError(f"highlight: {node!r} is not part of the graph being drawn")
    keys = set()
    for lower, upper, position in edges:
        # Only direct edges can be coloured; a step that skips over nodes (as with
        # explain.paths(..., merge_unnamed=True)) colours its two ends only.
        if any(child is lower for child in upper.children):
            keys.add((index[lower], index[upper], position))
    return set(nodes), keys
