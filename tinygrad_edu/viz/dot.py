"""Graph pictures underneath: the DOT text of a graph, and the program that draws it.

`viz` (pictures) and `player` (the step player) both build on this module. DOT is
Graphviz's language; `build_dot` writes it with the `graphviz` Python package and
`render` turns it into SVG or PNG with the first program that works, in this order:

1. the program named by the environment variable ``TINYGRAD_EDU_DOT`` (a path or
   a command name). When it is set, it is the only one tried, so a mistake in it
   is reported instead of being hidden by a fallback;
2. Graphviz's own ``dot``, if it is installed on the system;
3. ``graphviz-pure``, a self-contained port of Graphviz that pip installs with
   tinygrad_edu (it is one of its dependencies), so a plain
   ``pip install tinygrad-edu`` can draw pictures with no system packages.

If none can be run, `RendererNotFound` says how to get one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import graphviz

from ..engine import Value, topological_order
from .steps import operands, visible

DOT_ENV_VAR = "TINYGRAD_EDU_DOT"

# Above this many Values a picture stops being readable (and layout gets slow).
LARGE_GRAPH = 500

HIGHLIGHT_COLOR = "#d62728"  # a red that stays visible in print and for most colour-blind readers
EDGE_LABEL_COLOR = "#1f5fa8"  # derivatives in blue, so they do not blend in with the node values

_RANKDIRS = ("LR", "TB", "RL", "BT")

_REMEDIES = (
    "Get one of these:\n"
    "  * pip install graphviz-pure   (a self-contained Graphviz port; it is a dependency of\n"
    "                                 tinygrad-edu, so reinstalling tinygrad-edu also brings it)\n"
    "  * install Graphviz itself: apt install graphviz, brew install graphviz, conda install graphviz,\n"
    "    or the installer from https://graphviz.org/download/\n"
    f"  * set the environment variable {DOT_ENV_VAR} to the path of a dot-compatible program\n"
    "The DOT source (to_dot(root), or .source on the drawing) can also be pasted into any\n"
    "online Graphviz viewer."
)


class RenderError(RuntimeError):
    """A Graphviz-compatible program could not turn the DOT source into a picture."""


class RendererNotFound(RenderError):
    """No Graphviz-compatible program could be found; the message lists ways to get one."""


class LargeGraphWarning(UserWarning):
    """The graph is too big to read as one picture."""


# ----- DOT source ----------------------------------------------------------------------------


def build_dot(
    root, edge_labels, rankdir, number_format, highlight, stacked, stacklevel, fields=None, order=None, make_graph=None
):
    """`to_dot`'s work. `fields`, when given, is a function (position in the topological
    order, node) -> the list of texts in that node's box, used instead of label, data
    and grad (the player draws boxes wide enough for every number it will write in them).
    `make_graph`, when given, makes the graph object from graphviz.Digraph's arguments,
    and that object is returned instead of its source (draw_dot's `viz.Drawing`)."""
    if not isinstance(root, Value):
        raise TypeError(f"to_dot: root must be a Value, got {type(root).__name__} {root!r:.60}")
    if rankdir not in _RANKDIRS:
        raise ValueError(f"to_dot: rankdir must be one of {', '.join(map(repr, _RANKDIRS))}, got {rankdir!r}")
    fmt = number_formatter(number_format)

    if order is None:
        order = topological_order(root)
    index = {node: i for i, node in enumerate(order)}
    if len(order) > LARGE_GRAPH:
        warnings.warn(
            f"to_dot: this graph has {len(order)} Values (more than {LARGE_GRAPH}); a picture this "
            "big is hard to read and slow to lay out. Draw a part of it instead: pass an "
            "intermediate node as root (for a network, one neuron's output or one layer's "
            "output), or build the graph on fewer inputs.",
            LargeGraphWarning,
            stacklevel=stacklevel,
        )
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
    lit = {"color": HIGHLIGHT_COLOR, "fontcolor": HIGHLIGHT_COLOR, "penwidth": "2.5"}

    for i, node in enumerate(order):
        if fields is None:
            texts = [f"data {fmt(node.data)}", f"grad {fmt(node.grad)}"]
            if node.label:
                texts.insert(0, node.label)
        else:
            texts = fields(i, node)
        record = wrap.format(" | ".join(_record_field(text) for text in texts))
        style = dict(lit) if node in lit_nodes else {}
        if node is root:
            style.setdefault("penwidth", "2")
        graph.node(f"v{i}", label=graphviz.nohtml(record), shape="record", **style)

        if not node.op:
            continue  # a leaf: nothing made it
        op_lit = any(key[1] == i for key in lit_edges)
        graph.node(
            f"op{i}",
            label=graphviz.nohtml(_escape_text(_op_text(node, fmt))),
            shape="ellipse",
            **(lit if op_lit else {}),
        )
        for position, (child, local_grad) in enumerate(zip(node.children, node.local_grads)):
            # The spaces keep a label off its own edge and off a neighbour's label
            # (the two edges of a*a run side by side).
            attrs = {"label": graphviz.nohtml(f" {_escape_text(fmt(local_grad))} ")} if edge_labels else {}
            j = index[child]
            if (j, i, position) in lit_edges or (j, i, None) in lit_edges:
                attrs.update(lit)
            graph.edge(f"v{j}", f"op{i}", **attrs)
        graph.edge(f"op{i}", f"v{i}", **(lit if op_lit else {}))
    return graph.source if make_graph is None else graph


def number_formatter(number_format: str | Callable[[float], Any]) -> Callable[[float], str]:
    if callable(number_format):
        return lambda x: str(number_format(x))
    if not isinstance(number_format, str):
        raise TypeError(
            f"number_format must be a format string such as '{{:.4g}}' or a function, got {number_format!r}"
        )
    try:
        number_format.format(1.5)
    except (ValueError, IndexError, KeyError) as error:
        raise ValueError(
            f"number_format {number_format!r} cannot format a float ({error}); use e.g. '{{:.4g}}'"
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


# ----- finding and running a renderer ------------------------------------------------------


def _script_dirs():
    """Where pip puts commands; a notebook's PATH often lacks them (e.g. an unactivated venv)."""
    dirs = []
    for scheme in (None, f"{os.name}_user"):
        try:
            path = sysconfig.get_path("scripts") if scheme is None else sysconfig.get_path("scripts", scheme)
        except KeyError:
            continue
        if path:
            dirs.append(path)
    dirs.append(os.path.dirname(sys.executable))
    return list(dict.fromkeys(dirs))


def _locate(name):
    """The full path of the program `name`, on PATH or where pip installs commands, or None."""
    found = shutil.which(name)
    if found is None:
        found = shutil.which(name, path=os.pathsep.join(_script_dirs()))
    return found


def _candidates():
    """The renderers to try, in order, as (description, path) pairs."""
    chosen = os.environ.get(DOT_ENV_VAR)
    if chosen:
        found = _locate(chosen)
        if found is None:
            raise RendererNotFound(
                f"{DOT_ENV_VAR} is set to {chosen!r}, which is not an executable file or a command on "
                f"PATH. Fix it, or unset {DOT_ENV_VAR} to use the system dot or graphviz-pure.\n" + _REMEDIES
            )
        return [(f"{found} (from {DOT_ENV_VAR})", found)]
    candidates = []
    for name in ("dot", "graphviz-pure"):
        found = _locate(name)
        if found is not None:
            candidates.append((found, found))
    if not candidates:
        raise RendererNotFound(
            "No Graphviz program found to draw the graph: neither Graphviz's 'dot' nor "
            "'graphviz-pure' is on PATH or in " + os.pathsep.join(_script_dirs()) + ", and "
            f"{DOT_ENV_VAR} is not set.\n" + _REMEDIES
        )
    return candidates


def find_renderer() -> str:
    """The path of the program `draw_dot` will try first (see the module docstring for
    the search order); raises `RendererNotFound` when there is none."""
    return _candidates()[0][1]


def render(source: str, fmt: str, timeout: float, extra_args: Sequence[str] = ()) -> bytes:
    """Run the first renderer that works on `source`; return the picture as bytes.
    `fmt` is the ``-T`` argument; `extra_args` go after it (e.g. ``-Kneato``)."""
    try:
        encoded = source.encode("utf-8")
    except UnicodeEncodeError as error:
        raise RenderError(
            f"The DOT source cannot be encoded as UTF-8 ({error.reason} at position {error.start}: "
            f"{error.object[error.start : error.end]!r}); to_dot writes such characters as escapes"
        ) from None
    failures = []
    rejected = False  # a renderer ran and refused the source
    for description, program in _candidates():
        try:
            result = subprocess.run(
                [program, f"-T{fmt}", *extra_args],
                input=encoded,
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            # A timeout comes from the graph's size, which another renderer would not fix.
            raise RenderError(
                f"{description} took more than {timeout} s to draw the graph. Draw a smaller part "
                "of it (pass an intermediate node as root) or pass a larger timeout. Layout is "
                "slowest when one Value feeds many operations far apart in the graph."
            ) from None
        except OSError as error:
            failures.append(f"{description}: could not be run ({error})")
            continue
        # Judge by the exit code alone: graphviz-pure writes harmless warnings to stderr
        # (e.g. about the width of non-ASCII characters) even when it succeeds.
        if result.returncode == 0 and result.stdout:
            return result.stdout
        message = result.stderr.decode("utf-8", "replace").strip() or "no message"
        if len(message) > 2000:  # keep the end, where the error usually is
            message = "..." + message[-2000:]
        failures.append(f"{description}: exit code {result.returncode}: {message}")
        rejected = True
    if rejected:
        # The program is there and ran: installing another one would not help.
        raise RenderError(
            f"Could not draw the graph as {fmt}: the renderer refused the DOT source:\n  "
            + "\n  ".join(failures)
            + "\nThe DOT source (.source on the drawing) is what it read; a label or a number_format "
            "text is the usual cause."
        )
    raise RenderError(f"Could not draw the graph as {fmt}:\n  " + "\n  ".join(failures) + "\n" + _REMEDIES)
