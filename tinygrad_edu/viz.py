"""Pictures of computation graphs, with the local derivative written on every edge.

How to read a picture from `draw_dot` (or the DOT text from `to_dot`):

* A box is a `Value`: its label (if it has one), its data and its grad.
* An oval is the operation that made the Value to its right (or below it, with
  ``rankdir="TB"``). A number operand, such as the 2 in ``x * 2``, is written
  inside the oval ("* 2"; "2 -" means 2 minus the incoming edge).
* An arrow from a Value into an oval carries the local derivative
  d(result)/d(that Value). The chain rule multiplies these numbers along a path
  and adds the paths up: `tinygrad_edu.explain` spells that out, and
  ``highlight=`` draws one such path in colour.
* A Value used twice by one operation (``a * a``) has two arrows, one per use.

`to_dot` only builds text, with the `graphviz` Python package. Turning the text
into a picture needs a Graphviz-compatible program; `draw_dot` looks for one in
this order:

1. the program named by the environment variable ``TINYGRAD_EDU_DOT`` (a path or
   a command name). When it is set, it is the only one tried, so a mistake in it
   is reported instead of being hidden by a fallback;
2. Graphviz's own ``dot``, if it is installed on the system;
3. ``graphviz-pure``, a self-contained port of Graphviz that pip installs with
   tinygrad_edu (it is one of its dependencies), so a plain
   ``pip install tinygrad-edu`` can draw pictures with no system packages.

If none can be run, `RendererNotFound` says how to get one. In Jupyter the
drawing then shows its DOT source as text instead of failing.

`draw_dot` returns a `Drawing`, which is a `graphviz.Digraph`: graphviz's own
``render(filename, format=...)``, ``pipe()`` and ``view()`` work on it as the graphviz
documentation describes (and as micrograd's notebook uses them), drawn by the
renderers above instead of graphviz's call to a system ``dot``.

A picture shows the result of a pass; `backward_steps` and `forward_steps` give the
passes one node at a time, as data, and `player` turns them into a page that steps
through the graph (see `tinygrad_edu.player`).
"""

import math
import os
import pathlib
import shutil
import subprocess
import sys
import sysconfig
import warnings
from typing import NamedTuple

import graphviz

from .engine import Value, topological_order
from .files import atomic_write

__all__ = [
    "to_dot",
    "draw_dot",
    "backward_steps",
    "forward_steps",
    "BackwardStep",
    "ForwardStep",
    "Update",
    "player",
    "Drawing",
    "find_renderer",
    "RenderError",
    "RendererNotFound",
    "LargeGraphWarning",
    "DOT_ENV_VAR",
    "LARGE_GRAPH",
]

DOT_ENV_VAR = "TINYGRAD_EDU_DOT"

# Above this many Values a picture stops being readable (and layout gets slow).
LARGE_GRAPH = 500

HIGHLIGHT_COLOR = "#d62728"  # a red that stays visible in print and for most colour-blind readers
EDGE_LABEL_COLOR = "#1f5fa8"  # derivatives in blue, so they do not blend in with the node values

_RANKDIRS = ("LR", "TB", "RL", "BT")
_FORMATS = ("svg", "png")
_SUFFIX_FORMATS = {".svg": "svg", ".png": "png", ".dot": "dot", ".gv": "dot"}

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


def to_dot(root, edge_labels=True, rankdir="LR", number_format="{:.4g}", highlight=None, stacked=True):
    """The DOT source (a str) of the computation graph that ends at `root`.

    One box per Value (label, data, grad), one oval per operation, and an arrow from
    each operand into its operation labelled with the local derivative
    d(result)/d(operand) (leave them off with ``edge_labels=False``).

    rankdir: "LR" draws left to right (inputs on the left), "TB" top to bottom.
    number_format: a format string such as "{:.4g}" or "{:.3f}", or a function from
        float to str, used for data, grad, derivatives and number operands.
    highlight: a path to draw in colour, e.g. one of ``explain.paths(root, leaf)``,
        or any list of Values from a leaf up to `root`.
    stacked: True puts label, data and grad one above the other in each box (narrow
        boxes, a more compact picture); False puts them side by side.

    Nodes are numbered by their position in the topological order, so the same graph
    always gives the same text. Graphs of more than LARGE_GRAPH Values give a
    `LargeGraphWarning`.
    """
    return _build_dot(root, edge_labels, rankdir, number_format, highlight, stacked, stacklevel=3)


def _build_dot(root, edge_labels, rankdir, number_format, highlight, stacked, stacklevel, fields=None,
               make_graph=None):
    """`to_dot`'s work. `fields`, when given, is a function (position in the topological
    order, node) -> the list of texts in that node's box, used instead of label, data
    and grad (the player draws boxes wide enough for every number it will write in them).
    `make_graph`, when given, makes the graph object from graphviz.Digraph's arguments,
    and that object is returned instead of its source (draw_dot's `Drawing`)."""
    if not isinstance(root, Value):
        raise TypeError(f"to_dot: root must be a Value, got {type(root).__name__} {root!r:.60}")
    if rankdir not in _RANKDIRS:
        raise ValueError(f"to_dot: rankdir must be one of {', '.join(map(repr, _RANKDIRS))}, got {rankdir!r}")
    fmt = _number_formatter(number_format)

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


def _number_formatter(number_format):
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
    """The text inside an operation's oval: the op, and any number operand on its side."""
    # The public API has no view of a number operand (it is not a child), so this reads
    # the engine's private slots: `_constant` holds the number, and the operand slot it
    # took (`_a` for the left side) is None.
    constant = getattr(node, "_constant", None)
    if constant is None:
        return node.op
    if getattr(node, "_a", None) is None:
        return f"{fmt(constant)} {node.op}"  # 2 - x, 2 / x, 2 ** x
    return f"{node.op} {fmt(constant)}"  # x * 2, x ** 2


def _escape_text(text):
    r"""Protect backslashes, which DOT reads as escapes (\n, \l, \N...), and turn real
    line breaks into DOT's. Double quotes are escaped by the graphviz package."""
    return text.replace("\\", "\\\\").replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


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


def find_renderer():
    """The path of the program `draw_dot` will try first (see the module docstring for
    the search order); raises `RendererNotFound` when there is none."""
    return _candidates()[0][1]


def _render(source, fmt, timeout, extra_args=()):
    """Run the first renderer that works on `source`; return the picture as bytes.
    `fmt` is the ``-T`` argument; `extra_args` go after it (e.g. ``-Kneato``)."""
    failures = []
    for description, program in _candidates():
        try:
            result = subprocess.run(
                [program, f"-T{fmt}", *extra_args],
                input=source.encode("utf-8"),
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
    raise RenderError(f"Could not draw the graph as {fmt}:\n  " + "\n  ".join(failures) + "\n" + _REMEDIES)


# ----- the drawing object --------------------------------------------------------------------


class Drawing(graphviz.Digraph):
    """A computation graph picture: a `graphviz.Digraph` that draws itself with `draw_dot`'s
    renderers (the module docstring lists them), so no system Graphviz is needed.

    graphviz's own ``render(filename, format=...)``, ``pipe(format=...)`` and ``view()``
    work as documented by the graphviz package, and so do ``.node()``, ``.edge()`` and
    ``.attr()`` for adding to the picture. On top of them: ``.svg()``, ``.png()``,
    ``.save(path)`` and inline display in Jupyter.

    Each picture is drawn on first use and kept (until the source changes), so showing
    and saving run the renderer once per format.
    """

    def __init__(self, *args, format="svg", timeout=60, **kwargs):
        super().__init__(*args, format=format, **kwargs)
        self.timeout = timeout
        self._rendered = {}  # (-T spec, extra arguments) -> (the source drawn, the picture)

    def _copy_kwargs(self, **kwargs):
        # graphviz's copy() and subgraph() rebuild the object from these; graphviz 0.21's
        # Dot drops keywords passed up to it, so the timeout is added on the way back.
        return dict(super()._copy_kwargs(**kwargs), timeout=self.timeout)

    # -- drawing with our renderer chain, the one place that runs it

    def _picture(self, spec, engine=None, neato_no_op=None):
        """The picture as bytes for the renderer's ``-T`` argument `spec` ("svg", "png:cairo", ...)."""
        engine = self.engine if engine is None else engine
        if engine not in graphviz.ENGINES:
            raise ValueError(f"unknown layout engine {engine!r}; expected one of {sorted(graphviz.ENGINES)}")
        extra = () if engine == "dot" else (f"-K{engine}",)
        if neato_no_op:
            extra += (f"-n{int(neato_no_op)}",)
        source = self.source
        key = (spec, extra)
        kept = self._rendered.get(key)
        if kept is not None and kept[0] == source:
            return kept[1]
        picture = _render(source, spec, self.timeout, extra)
        self._rendered[key] = (source, picture)
        return picture

    def _spec(self, format, renderer, formatter):
        """graphviz's format/renderer/formatter triple as one ``-T`` argument, checked as graphviz checks it."""
        format = self.format if format is None else format
        renderer = self.renderer if renderer is None else renderer
        formatter = self.formatter if formatter is None else formatter
        for value, known, what in ((format, graphviz.FORMATS, "format"), (renderer, graphviz.RENDERERS, "renderer"),
                                   (formatter, graphviz.FORMATTERS, "formatter")):
            if value is not None and value.lower() not in known:
                raise ValueError(f"unknown {what} {value!r}; expected one of {sorted(known)}")
        if formatter is not None and renderer is None:
            raise graphviz.RequiredArgumentError(f"formatter {formatter!r} needs a renderer as well")
        return ":".join(part.lower() for part in (format, renderer, formatter) if part is not None)

    # -- graphviz's API

    def pipe(self, format=None, renderer=None, formatter=None, neato_no_op=None, quiet=False, *,
             engine=None, encoding=None):
        """The picture as bytes (as str when `encoding` is given), like ``graphviz.Digraph.pipe``.

        `quiet` is accepted for compatibility: the renderer's messages are always
        captured, and shown only in the error when drawing fails.
        """
        picture = self._picture(self._spec(format, renderer, formatter), engine, neato_no_op)
        return picture if encoding is None else picture.decode(encoding)

    def render(self, filename=None, directory=None, view=False, cleanup=False, format=None, renderer=None,
               formatter=None, neato_no_op=None, quiet=False, quiet_view=False, *, outfile=None, engine=None,
               raise_if_result_exists=False, overwrite_source=False):
        """Save the DOT source to `filename` (default: the graph's name + ".gv") and the
        picture next to it, as ``graphviz.Digraph.render`` does: ``render("gout",
        format="svg")`` writes ``gout`` and ``gout.svg`` and returns ``"gout.svg"``.

        `outfile` names the picture instead (its suffix gives the format); `cleanup`
        deletes the source afterwards; `view` opens the picture with the system's viewer.
        Both files are written whole or not at all.
        """
        if raise_if_result_exists and overwrite_source:
            raise ValueError("render: raise_if_result_exists and overwrite_source cannot both be true")
        if outfile is not None:
            outfile = pathlib.Path(outfile)
            if format is None:
                format = outfile.suffix[1:].lower()
                if format not in graphviz.FORMATS:
                    raise ValueError(f"render: cannot tell the format of outfile {str(outfile)!r} from its "
                                     "suffix; pass format=... or use a suffix such as .svg or .png")
            if directory is None:
                outfile = pathlib.Path(self.directory, outfile)
            if filename is None:
                filename = outfile.with_suffix(".gv").name
                directory = os.fspath(outfile.parent) if directory is None else directory
        spec = self._spec(format, renderer, formatter)
        picture = self._picture(spec, engine, neato_no_op)  # before writing anything: a failure leaves no files
        source_path = self._write_source(filename, directory)
        if outfile is None:
            outfile = pathlib.Path(f"{source_path}.{'.'.join(reversed(spec.split(':')))}")
        elif os.path.abspath(outfile) == os.path.abspath(source_path) and not overwrite_source:
            raise ValueError(f"render: outfile {str(outfile)!r} is the DOT source file; pass another "
                             "outfile, or overwrite_source=True")
        if raise_if_result_exists and outfile.exists():
            raise graphviz.FileExistsError(f"render: {str(outfile)!r} exists already (raise_if_result_exists=True)")
        atomic_write(outfile, picture)
        if cleanup:
            os.remove(source_path)
        if view or quiet_view:
            graphviz.view(outfile, quiet=quiet_view)
        return os.fspath(outfile)

    def _write_source(self, filename, directory):
        """graphviz's saving of the DOT source (it remembers `filename` and `directory`), done atomically."""
        if filename is not None:
            self.filename = os.fspath(filename)
        if directory is not None:
            self.directory = os.fspath(directory)
        path = self.filepath
        parent = os.path.dirname(path)
        if parent:
            os.makedirs(parent, exist_ok=True)
        atomic_write(path, self.source, encoding=self.encoding)
        return path

    # -- our own shortcuts

    def svg(self):
        """The picture as SVG text."""
        return self._picture("svg").decode("utf-8")

    def png(self):
        """The picture as PNG bytes."""
        return self._picture("png")

    def save(self, path=None, directory=None):
        """Write the picture to `path`; the suffix picks the format: .svg, .png, or .dot/.gv
        (the DOT source, which needs no renderer). Returns the path as a pathlib.Path.

        Without `path`, the DOT source goes where graphviz's ``Digraph.save()`` puts it
        (the graph's name + ".gv", in `directory`).
        """
        if path is None:
            return pathlib.Path(self._write_source(None, directory))
        path = pathlib.Path(path) if directory is None else pathlib.Path(directory, path)
        fmt = _SUFFIX_FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise ValueError(
                f"save: cannot tell the format of {str(path)!r} from its suffix; "
                "use .svg, .png, .dot or .gv"
            )
        atomic_write(path, self.source if fmt == "dot" else self._picture(fmt))
        return path

    def _repr_mimebundle_(self, include=None, exclude=None, **_):
        """Jupyter's hook: the picture, or, when it cannot be drawn, the reason and the
        DOT source as text (a traceback would hide the graph entirely)."""
        fmt = "png" if self.format == "png" else "svg"
        mime = "image/png" if fmt == "png" else "image/svg+xml"
        try:
            picture = self.png() if fmt == "png" else self.svg()
        except RenderError as error:
            return {"text/plain": f"{error}\n\nDOT source:\n{self.source}"}
        return {mime: picture}

    def __repr__(self):
        return f"<Drawing: {self.format}, {len(self.source)} characters of DOT source>"


def draw_dot(root, format="svg", edge_labels=True, rankdir="LR", number_format="{:.4g}", highlight=None,
             stacked=True, timeout=60):
    """A `Drawing` (a `graphviz.Digraph`) of the graph that ends at `root`: the last
    expression of a Jupyter cell shows it; ``.svg()``, ``.png()``, ``.save(path)`` and
    graphviz's ``.render()``, ``.pipe()`` and ``.view()`` draw it.

    The options are those of `to_dot`; `format` ("svg" or "png") is what Jupyter shows
    and what ``render()`` writes by default, and `timeout` bounds each run of the
    renderer, in seconds. Nothing is rendered until the picture is asked for, so
    building a Drawing never fails for want of a renderer.
    """
    if format not in _FORMATS:
        raise ValueError(f"draw_dot: format must be 'svg' or 'png', got {format!r}")

    def make_graph(*args, **kwargs):
        return Drawing(*args, format=format, timeout=timeout, **kwargs)

    return _build_dot(root, edge_labels, rankdir, number_format, highlight, stacked, stacklevel=3,
                      make_graph=make_graph)


# ----- the passes one node at a time ---------------------------------------------------------


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
    updates: tuple


class ForwardStep(NamedTuple):
    """One step of the forward pass: `node` gets its value `data`, computed from
    `children` (empty for a leaf, whose value is given)."""

    node: Value
    data: float
    children: tuple


def backward_steps(root):
    """The backward pass from `root` as a list of `BackwardStep`, one per Value, in
    reverse topological order: the order in which ``root.backward()`` completes the
    gradients. Each step's updates are what backward() adds into the children.

    The sums are kept in a dictionary of its own, so no ``.grad`` changes; the
    numbers are the ones backward() computes, added in the same order.

    >>> a = Value(3.0, label="a")
    >>> y = (a * a).named("y")
    >>> [(s.node.label, s.grad, [u.contribution for u in s.updates]) for s in backward_steps(y)]
    [('y', 1.0, [3.0, 3.0]), ('a', 6.0, [])]
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward_steps: root must be a Value, got {type(root).__name__} {root!r:.60}")
    grads = {root: 1.0}
    steps = []
    for node in reversed(topological_order(root)):
        grad = grads[node]  # complete: every Value that uses `node` came earlier in this loop
        updates = []
        for child, local_grad in zip(node.children, node.local_grads):
            contribution = grad * local_grad
            grads[child] = grads.get(child, 0.0) + contribution
            if not math.isfinite(grads[child]):
                raise OverflowError(
                    f"backward_steps: the gradient reaching {child!r} from {node!r} is {grads[child]!r}; "
                    "a product of local derivatives overflowed the float range (as backward() would report)"
                )
            updates.append(Update(child, local_grad, contribution))
        steps.append(BackwardStep(node, grad, tuple(updates)))
    return steps


def forward_steps(root):
    """The forward pass that built `root`, as a list of `ForwardStep` in topological
    order: every Value comes after the Values it was computed from."""
    if not isinstance(root, Value):
        raise TypeError(f"forward_steps: root must be a Value, got {type(root).__name__} {root!r:.60}")
    return [ForwardStep(node, node.data, node.children) for node in topological_order(root)]


def player(root, direction="backward", **options):
    """A page that plays the backward pass of `root` (or, with ``direction="forward"``,
    the forward pass) one node at a time: `tinygrad_edu.player.Player`, with
    ``.save(path)`` and inline display in Jupyter. The options are those of `Player`."""
    from .player import Player  # imported here: player.py builds on this module

    return Player(root, direction=direction, **options)
