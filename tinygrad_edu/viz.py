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

`to_dot` only builds text. Turning the text into a picture needs a
Graphviz-compatible program: `tinygrad_edu.dot` finds one (``TINYGRAD_EDU_DOT``,
then a system ``dot``, then the ``graphviz-pure`` that pip installs with this
package). If none can be run, `RendererNotFound` says how to get one; in Jupyter
the drawing then shows its DOT source as text instead of failing.

A picture shows the result of a pass; `backward_steps` and `forward_steps` give the
passes one node at a time, as data, and `player` turns them into a page that steps
through the graph (see `tinygrad_edu.player`).
"""

import pathlib

from .dot import (
    DOT_ENV_VAR,
    LARGE_GRAPH,
    LargeGraphWarning,
    RenderError,
    RendererNotFound,
    build_dot,
    find_renderer,
    render,
)
from .files import atomic_write
from .player import Player
from .steps import BackwardStep, ForwardStep, Update, backward_steps, forward_steps

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

_FORMATS = ("svg", "png")
_SUFFIX_FORMATS = {".svg": "svg", ".png": "png", ".dot": "dot", ".gv": "dot"}


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
    return build_dot(root, edge_labels, rankdir, number_format, highlight, stacked, stacklevel=3)



# ----- the drawing object --------------------------------------------------------------------


class Drawing:
    """A computation graph picture: shows itself in Jupyter, renders to SVG/PNG, saves.

    Rendering happens on first use and is kept, so showing and saving run the
    renderer once per format.
    """

    def __init__(self, source, format="svg", timeout=60):
        if format not in _FORMATS:
            raise ValueError(f"draw_dot: format must be 'svg' or 'png', got {format!r}")
        self.source = source
        self.format = format
        self.timeout = timeout
        self._rendered = {}

    def render(self, format=None):
        """The picture as bytes in `format` ("svg" or "png"; default: this drawing's format)."""
        fmt = self.format if format is None else format
        if fmt not in _FORMATS:
            raise ValueError(f"render: format must be 'svg' or 'png', got {fmt!r}")
        if fmt not in self._rendered:
            self._rendered[fmt] = render(self.source, fmt, self.timeout)
        return self._rendered[fmt]

    def svg(self):
        """The picture as SVG text."""
        return self.render("svg").decode("utf-8", "replace")

    def png(self):
        """The picture as PNG bytes."""
        return self.render("png")

    def save(self, path):
        """Write the picture to `path`; the suffix picks the format: .svg, .png, or .dot/.gv
        (the DOT source, which needs no renderer). Returns the path as a pathlib.Path.

        The picture is drawn first and written atomically (`files.atomic_write`): a failed
        drawing or a full disk leaves an existing file as it was, with its permissions. A
        symlink is followed (its target is replaced); a hard-linked file gets a new file
        under `path`."""
        path = pathlib.Path(path)
        fmt = _SUFFIX_FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise ValueError(
                f"save: cannot tell the format of {str(path)!r} from its suffix; "
                "use .svg, .png, .dot or .gv"
            )
        atomic_write(path, self.source if fmt == "dot" else self.render(fmt))
        return path

    def _repr_mimebundle_(self, include=None, exclude=None):
        """Jupyter's hook: the picture, or, when it cannot be drawn, the reason and the
        DOT source as text (a traceback would hide the graph entirely)."""
        mime = "image/svg+xml" if self.format == "svg" else "image/png"
        try:
            picture = self.svg() if self.format == "svg" else self.png()
        except Exception as error:  # a display must show something: never a traceback
            reason = str(error) if isinstance(error, RenderError) else f"{type(error).__name__}: {error}"
            source = self.source.encode("utf-8", "backslashreplace").decode("utf-8")  # a lone surrogate as \ud800
            return {"text/plain": f"{reason}\n\nDOT source:\n{source}"}
        return {mime: picture}

    def __repr__(self):
        return f"<Drawing: {self.format}, {len(self.source)} characters of DOT source>"


def draw_dot(root, format="svg", edge_labels=True, rankdir="LR", number_format="{:.4g}", highlight=None,
             stacked=True, timeout=60):
    """A `Drawing` of the graph that ends at `root`: the last expression of a Jupyter
    cell shows it; ``.svg()``, ``.png()`` and ``.save(path)`` render it.

    The options are those of `to_dot`; `format` ("svg" or "png") is what Jupyter shows
    and `timeout` bounds each run of the renderer, in seconds. Nothing is rendered
    until the picture is asked for, so building a Drawing never fails for want of a
    renderer.
    """
    source = build_dot(root, edge_labels, rankdir, number_format, highlight, stacked, stacklevel=3)
    return Drawing(source, format=format, timeout=timeout)


def player(root, direction="backward", **options):
    """A page that plays the backward pass of `root` (or, with ``direction="forward"``,
    the forward pass) one node at a time: `tinygrad_edu.player.Player`, with
    ``.save(path)`` and inline display in Jupyter. The options are those of `Player`."""
    return Player(root, direction=direction, **options)
