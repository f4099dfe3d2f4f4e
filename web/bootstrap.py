"""The playground's Python side, run once in each Python worker after the wheels are unpacked.

`run_program(source)` runs a learner's program and returns what it printed, the SVG of
the graph of the last Value it passed to `show` or `draw_dot`, and the step player of
that Value's backward pass. Pictures are drawn by tinygrad_edu.viz's own renderer chain,
whose browser branch uses Graphviz compiled to WebAssembly (the JavaScript module
`tge_browser`, registered by python-worker.js, the Web Worker this file runs in). What a
program prints also goes to the page while it runs, through `tge_browser.printed`.
"""

import contextlib
import importlib
import io
import time
import traceback

from tinygrad_edu import Value, viz

_draw_dot = viz.draw_dot  # the picture-maker itself, before the playground wraps it


class _Shown:
    """The last Value a program passed to show() or draw_dot()."""

    def __init__(self):
        self.value = None

    def show(self, value):
        """Show the graph of `value` and its backward pass below the output."""
        if not isinstance(value, Value):
            raise TypeError(f"show: expected a Value, got {type(value).__name__} {value!r:.60}")
        self.value = value

    def draw_dot(self, root, *args, **options):
        """viz.draw_dot, and the graph of `root` is shown below the output."""
        drawing = _draw_dot(root, *args, **options)
        self.value = root
        return drawing


_shown = _Shown()
# `from tinygrad_edu.viz import draw_dot` in a program gets the wrapper, so a program
# written for Jupyter or a terminal shows its graph here unchanged.
viz.draw_dot = importlib.import_module("tinygrad_edu.viz.drawing").draw_dot = _shown.draw_dot


class _Printed(io.StringIO):
    """What a program prints: kept whole for the result, and sent on to the page as it is
    written, at most `per_window` pieces every `window` seconds (a printing loop is sent
    in larger pieces instead of one message a line)."""

    def __init__(self, send, per_window=20, window=0.1):
        super().__init__()
        self._send = send
        self._per_window = per_window
        self._window = window
        self._window_started = time.monotonic()
        self._sent_in_window = 0
        self._unsent = []

    def write(self, text):
        count = super().write(text)
        self._unsent.append(text)
        if self._sent_in_window >= self._per_window:
            # A printing loop: read the clock at every 64th write only (it costs more than a write).
            if len(self._unsent) % 64 or time.monotonic() - self._window_started < self._window:
                return count
        now = time.monotonic()
        if now - self._window_started >= self._window:
            self._window_started, self._sent_in_window = now, 0
        self._send("".join(self._unsent))
        self._unsent.clear()
        self._sent_in_window += 1
        return count


def _send_to_page(text):
    import tge_browser  # the worker's module: imported here, so this file also loads without it

    tge_browser.printed(text)


def _print_error(error):
    """The traceback without the frames of this file: the learner's lines only."""
    frames = traceback.extract_tb(error.__traceback__)
    own = [frame for frame in frames if frame.filename == "<playground>"]
    print("Traceback (most recent call last):")
    print("".join(traceback.format_list(own)), end="")
    print("".join(traceback.format_exception_only(type(error), error)), end="")


def _pictures(value):
    """The SVG of `value`'s graph and the page of its step player (the passes one node at a time)."""
    svg = _draw_dot(value).svg()
    page = viz.player(value).html()
    return svg, page


def run_program(source):
    """Run `source` in a fresh namespace; return {stdout, svg, player, ok}."""
    shown = _shown
    shown.value = None
    namespace = {"__name__": "__main__", "show": shown.show, "draw_dot": shown.draw_dot}
    printed = _Printed(_send_to_page)
    ok = True
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        try:
            exec(compile(source, "<playground>", "exec"), namespace)
        except BaseException as error:  # SystemExit and KeyboardInterrupt included: the page must go on
            ok = False
            _print_error(error)
        svg = page = ""
        if shown.value is not None:
            try:
                svg, page = _pictures(shown.value)
            except Exception as error:
                ok = False
                print(f"The graph could not be drawn: {type(error).__name__}: {error}")
    return {"stdout": printed.getvalue(), "svg": svg, "player": page, "ok": ok}
