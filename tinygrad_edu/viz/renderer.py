"""Finding and running a Graphviz-compatible program that turns DOT text into a picture.

`render` tries the first program that works, in this order:

1. the program named by the environment variable ``TINYGRAD_EDU_DOT`` (a path or
   a command name). When it is set, it is the only one tried, so a mistake in it
   is reported instead of being hidden by a fallback;
2. Graphviz's own ``dot``, if it is installed on the system;
3. ``graphviz-pure``, a self-contained port of Graphviz that pip installs with
   tinygrad_edu (it is one of its dependencies), so a plain
   ``pip install tinygrad-edu`` can draw pictures with no system packages.

In a browser page (Pyodide), where no program can be run, the page's Graphviz compiled
to WebAssembly draws instead: the page provides it as the JavaScript module
``tge_browser`` with ``render(dot_source, engine)`` (the site's playground does, with
``@viz-js/viz``). If none can be run, `RendererNotFound` says how to get one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Sequence

__all__ = ["DOT_ENV_VAR", "RenderError", "RendererNotFound", "find_renderer", "render"]

DOT_ENV_VAR = "TINYGRAD_EDU_DOT"

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
    if sys.platform == "emscripten":  # Pyodide in a browser page: no programs to run
        return _render_in_page(source, fmt, extra_args)
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


def _render_in_page(source: str, fmt: str, extra_args: Sequence[str]) -> bytes:
    """Under Pyodide: the page's Graphviz in WebAssembly, the JavaScript module
    ``tge_browser`` with ``render(dot_source, engine) -> SVG text``. SVG only."""
    if fmt.split(":")[0] != "svg":
        raise RenderError(f"in a browser only SVG can be drawn, not {fmt!r}: use .svg() or save('graph.svg')")
    try:
        import tge_browser  # type: ignore[import-not-found]  # a module of the page, not of Python
    except ImportError:
        raise RendererNotFound(
            "draw_dot runs in a browser (Pyodide) but the page provides no Graphviz: register a JavaScript "
            "module 'tge_browser' with render(dot_source, engine), as the site's playground does with @viz-js/viz"
        ) from None
    engine = next((arg[2:] for arg in extra_args if arg.startswith("-K")), "dot")
    try:
        return str(tge_browser.render(source, engine)).encode("utf-8")
    except Exception as error:  # a JavaScript error from Graphviz
        raise RenderError(f"Graphviz (WebAssembly) refused the DOT source: {error}") from None
