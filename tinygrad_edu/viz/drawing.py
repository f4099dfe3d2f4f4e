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
Graphviz-compatible program: `tinygrad_edu.viz.renderer` finds one (``TINYGRAD_EDU_DOT``,
then a system ``dot``, then the ``graphviz-pure`` that pip installs with this
package). If none can be run, `RendererNotFound` says how to get one; in Jupyter
the drawing then shows its DOT source as text instead of failing.

`draw_dot` returns a `Drawing`, which is a `graphviz.Digraph`: graphviz's own
``render(filename, format=...)``, ``pipe()`` and ``view()`` work on it as the graphviz
documentation describes (and as micrograd's notebook uses them), drawn by the
renderers above instead of graphviz's call to a system ``dot``.

A picture shows the result of a pass; `backward_steps` and `forward_steps` give the
passes one node at a time, as data, and `player` turns them into a page that steps
through the graph (see `tinygrad_edu.viz.player`).
"""

from __future__ import annotations

import os
import pathlib
from collections.abc import Callable
from typing import Any

import graphviz

from ..atomic.files import atomic_write, atomic_write_all
from ..checks import check_choice, check_value
from ..engine import Value
from .dot import LARGE_GRAPH, LargeGraphWarning, build_dot
from .player import Player
from .renderer import DOT_ENV_VAR, RendererNotFound, RenderError, find_renderer, render
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


def to_dot(
    root: Value,
    edge_labels: bool | str = True,
    rankdir: str = "LR",
    number_format: str | Callable[[float], Any] = "{:.4g}",
    highlight: Any = None,
    stacked: bool = True,
) -> str:
    """The DOT source (a str) of the computation graph that ends at `root`.

    One box per Value (label, data, grad), one oval per operation, and an arrow from
    each operand into its operation labelled with the local derivative
    d(result)/d(operand) (leave them off with ``edge_labels=False``; ``edge_labels="beside"``
    writes them beside the arrows, which draws a long graph about half as tall).

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
    check_value(root, "to_dot")
    return build_dot(root, edge_labels, rankdir, number_format, highlight, stacked, stacklevel=3)


# ----- the drawing object --------------------------------------------------------------------


class Drawing(graphviz.Digraph):
    """A computation graph picture: a `graphviz.Digraph` that draws itself with `draw_dot`'s
    renderers (the module docstring lists them), so no system Graphviz is needed.

    graphviz's own ``render(filename, format=...)``, ``pipe(format=...)`` and ``view()``
    work as documented by the graphviz package, and so do ``.node()``, ``.edge()`` and
    ``.attr()`` for adding to the picture. On top of them: ``.svg()``, ``.png()``,
    ``.save(path)`` and inline display in Jupyter.

    ``Drawing(dot_text)`` draws DOT text made elsewhere (e.g. by `to_dot`) as it is;
    lines added with ``.node()``, ``.edge()`` or ``.attr()`` go in before its closing
    brace. Without text, the graph is built with graphviz's methods, as `draw_dot` does.
    Each picture is drawn on first use and kept (until the source changes), so showing
    and saving run the renderer once per format.
    """

    def __init__(
        self, source: str | None = None, format: str = "svg", timeout: float = 60, **graph_options: Any
    ) -> None:
        if source is not None and not isinstance(source, str):
            raise TypeError(f"Drawing: source must be DOT text (a str) or None, got {type(source).__name__}")
        super().__init__(format=format, **graph_options)
        self.timeout = timeout
        self._text = source  # DOT text given whole, or None
        self._rendered: dict[
            tuple[str, tuple[str, ...]], tuple[str, bytes]
        ] = {}  # (-T spec, extra arguments) -> (the source drawn, the picture)

    def __iter__(self, subgraph=False):
        """The DOT source line by line (graphviz's `.source` joins these)."""
        if self._text is None:
            yield from super().__iter__(subgraph=subgraph)
            return
        head, brace, tail = self._text.rpartition("}")
        yield head
        if self.body and not head.endswith("\n"):
            yield "\n"
        yield from self.body
        yield brace + tail

    def _copy_kwargs(self, **kwargs):
        # graphviz's copy() and subgraph() rebuild the object from these; graphviz 0.21's
        # Dot drops keywords passed up to it, so ours are added on the way back.
        extra = {"timeout": self.timeout} if self._text is None else {"timeout": self.timeout, "source": self._text}
        return dict(super()._copy_kwargs(**kwargs), **extra)

    # -- drawing with our renderer chain, the one place that runs it

    def _picture(self, spec, engine=None, neato_no_op=None):
        """The picture as bytes for the renderer's ``-T`` argument `spec` ("svg", "png:cairo", ...)."""
        engine = self.engine if engine is None else engine
        if engine not in graphviz.ENGINES:
            raise ValueError(f"unknown layout engine {engine!r}; expected one of {sorted(graphviz.ENGINES)}")
        extra: tuple[str, ...] = () if engine == "dot" else (f"-K{engine}",)
        if neato_no_op:
            extra += (f"-n{int(neato_no_op)}",)
        source = self.source
        key = (spec, extra)
        kept = self._rendered.get(key)
        if kept is not None and kept[0] == source:
            return kept[1]
        # `render` is tinygrad_edu.viz.renderer's chain (module-level, not this class's method).
        picture = render(source, spec, self.timeout, extra)
        self._rendered[key] = (source, picture)
        return picture

    def _spec(self, format, renderer, formatter):
        """graphviz's format/renderer/formatter triple as one ``-T`` argument, checked as graphviz checks it."""
        format = self.format if format is None else format
        renderer = self.renderer if renderer is None else renderer
        formatter = self.formatter if formatter is None else formatter
        for value, known, what in (
            (format, graphviz.FORMATS, "format"),
            (renderer, graphviz.RENDERERS, "renderer"),
            (formatter, graphviz.FORMATTERS, "formatter"),
        ):
            if value is not None and value.lower() not in known:
                raise ValueError(f"unknown {what} {value!r}; expected one of {sorted(known)}")
        if formatter is not None and renderer is None:
            raise graphviz.RequiredArgumentError(f"formatter {formatter!r} needs a renderer as well")
        return ":".join(part.lower() for part in (format, renderer, formatter) if part is not None)

    # -- graphviz's API

    def pipe(
        self, format=None, renderer=None, formatter=None, neato_no_op=None, quiet=False, *, engine=None, encoding=None
    ):
        """The picture as bytes (as str when `encoding` is given), like ``graphviz.Digraph.pipe``.

        `quiet` is accepted for compatibility: the renderer's messages are always
        captured, and shown only in the error when drawing fails.
        """
        picture = self._picture(self._spec(format, renderer, formatter), engine, neato_no_op)
        return picture if encoding is None else picture.decode(encoding)

    def render(
        self,
        filename=None,
        directory=None,
        view=False,
        cleanup=False,
        format=None,
        renderer=None,
        formatter=None,
        neato_no_op=None,
        quiet=False,
        quiet_view=False,
        *,
        outfile=None,
        engine=None,
        raise_if_result_exists=False,
        overwrite_source=False,
    ):
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
                    raise ValueError(
                        f"render: cannot tell the format of outfile {str(outfile)!r} from its "
                        "suffix; pass format=... or use a suffix such as .svg or .png"
                    )
            if directory is None:
                outfile = pathlib.Path(self.directory, outfile)
            if filename is None:
                filename = outfile.with_suffix(".gv").name
                directory = os.fspath(outfile.parent) if directory is None else directory
        spec = self._spec(format, renderer, formatter)
        picture = self._picture(spec, engine, neato_no_op)  # before writing anything: a failure leaves no files
        source_path = self._source_path(filename, directory)
        if outfile is None:
            outfile = pathlib.Path(f"{source_path}.{'.'.join(reversed(spec.split(':')))}")
        elif os.path.abspath(outfile) == os.path.abspath(source_path) and not overwrite_source:
            raise ValueError(
                f"render: outfile {str(outfile)!r} is the DOT source file; pass another "
                "outfile, or overwrite_source=True"
            )
        if raise_if_result_exists and outfile.exists():
            raise graphviz.FileExistsError(f"render: {str(outfile)!r} exists already (raise_if_result_exists=True)")
        self._write_pair(source_path, outfile, picture, cleanup)
        if view or quiet_view:
            graphviz.view(outfile, quiet=quiet_view)
        return os.fspath(outfile)

    def _write_pair(self, source_path, outfile, picture, cleanup):
        """The source and the picture in one step: both are replaced, or neither is. With
        `cleanup` (or the picture in the source's place) the source is not kept at all."""
        same = os.path.abspath(outfile) == os.path.abspath(source_path)
        source = [] if cleanup or same else [(source_path, self.source)]
        atomic_write_all([*source, (outfile, picture)], encoding=self.encoding)
        if cleanup and not same and os.path.lexists(source_path):
            os.remove(source_path)  # an older source of the same name, as graphviz's cleanup removes it

    def _write_source(self, filename, directory):
        """graphviz's saving of the DOT source (it remembers `filename` and `directory`), done atomically."""
        path = self._source_path(filename, directory)
        atomic_write(path, self.source, encoding=self.encoding)
        return path

    def _source_path(self, filename, directory):
        """Where graphviz saves the DOT source (it remembers `filename` and `directory`), its folder made."""
        if filename is not None:
            self.filename = os.fspath(filename)
        if directory is not None:
            self.directory = os.fspath(directory)
        path = self.filepath
        parent = os.path.dirname(path)
        if parent:
            os.makedirs(parent, exist_ok=True)
        return path

    # -- our own shortcuts

    def svg(self) -> str:
        """The picture as SVG text."""
        return self._picture("svg").decode("utf-8", "replace")

    def png(self) -> bytes:
        """The picture as PNG bytes."""
        return self._picture("png")

    def save(
        self, path: str | os.PathLike[str] | None = None, directory: str | os.PathLike[str] | None = None
    ) -> pathlib.Path:
        """Write the picture to `path`; the suffix picks the format: .svg, .png, or .dot/.gv
        (the DOT source, which needs no renderer). Returns the path as a pathlib.Path.

        The picture is drawn first and written atomically (`atomic.files.atomic_write`): a failed
        drawing or a full disk leaves an existing file as it was, with its permissions. A
        symlink is followed (its target is replaced); a hard-linked file gets a new file
        under `path`. Without `path`, the DOT source goes where graphviz's
        ``Digraph.save()`` puts it (the graph's name + ".gv", in `directory`).
        """
        if path is None:
            return pathlib.Path(self._write_source(None, directory))
        path = pathlib.Path(path) if directory is None else pathlib.Path(directory, path)
        fmt = _SUFFIX_FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise ValueError(
                f"save: cannot tell the format of {str(path)!r} from its suffix; use .svg, .png, .dot or .gv"
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
        except Exception as error:  # a display must show something: never a traceback
            reason = str(error) if isinstance(error, RenderError) else f"{type(error).__name__}: {error}"
            source = self.source.encode("utf-8", "backslashreplace").decode("utf-8")  # a lone surrogate as \ud800
            return {"text/plain": f"{reason}\n\nDOT source:\n{source}"}
        return {mime: picture}

    def __repr__(self):
        return f"<Drawing: {self.format}, {len(self.source)} characters of DOT source>"


def draw_dot(
    root: Value,
    format: str = "svg",
    edge_labels: bool | str = True,
    rankdir: str = "LR",
    number_format: str | Callable[[float], Any] = "{:.4g}",
    highlight: Any = None,
    stacked: bool = True,
    timeout: float = 60,
) -> Drawing:
    """A `Drawing` (a `graphviz.Digraph`) of the graph that ends at `root`: the last
    expression of a Jupyter cell shows it; ``.svg()``, ``.png()``, ``.save(path)`` and
    graphviz's ``.render()``, ``.pipe()`` and ``.view()`` draw it.

    The options are those of `to_dot`; `format` ("svg" or "png") is what Jupyter shows
    and what ``render()`` writes by default, and `timeout` bounds each run of the
    renderer, in seconds. Nothing is rendered until the picture is asked for, so
    building a Drawing never fails for want of a renderer.
    """
    check_value(root, "draw_dot")
    check_choice(format, _FORMATS, "draw_dot: format")

    def make_graph(name: str, **graph_options: Any) -> Drawing:
        return Drawing(name=name, format=format, timeout=timeout, **graph_options)

    return build_dot(root, edge_labels, rankdir, number_format, highlight, stacked, stacklevel=3, make_graph=make_graph)


def player(root: Value, direction: str = "backward", **options: Any) -> Player:
    """A page that plays the backward pass of `root` (or, with ``direction="forward"``,
    the forward pass) one node at a time: `tinygrad_edu.viz.player.Player`, with
    ``.save(path)`` and inline display in Jupyter. The options are those of `Player`."""
    return Player(root, direction=direction, **options)
