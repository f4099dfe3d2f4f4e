"""What learn's output looks like on a terminal: the marks it uses, the width it fits.

Every line fits an 80-column terminal; a stream that cannot show Unicode gets ASCII
marks instead of the check, the cross and the bar blocks.
"""

import os
import shutil
import textwrap
from pathlib import Path
from typing import TextIO

__all__ = ["COMMAND", "WIDTH", "Marks", "fold", "shown_path", "terminal_width", "wrap"]

COMMAND = "tinygrad-edu learn"
WIDTH = 80  # every line fits an 80-column terminal


class Marks:
    """Marks and bar characters, in plain ASCII when the output cannot show Unicode."""

    def __init__(self, stream: TextIO) -> None:
        encoding = getattr(stream, "encoding", None) or "ascii"
        try:
            "✓✗█░—".encode(encoding)
            unicode = True
        except (UnicodeEncodeError, LookupError):
            unicode = False
        self.passed, self.failed = ("✓", "✗") if unicode else ("+", "x")
        self.full, self.empty = ("█", "░") if unicode else ("#", ".")
        self.unicode = unicode

    _ASCII = str.maketrans({"✓": "+", "✗": "x", "█": "#", "░": ".", "—": "-", "·": "."})

    def text(self, s: str) -> str:
        if self.unicode:
            return s
        return s.translate(self._ASCII).encode("ascii", "replace").decode("ascii")


def terminal_width() -> int:
    return max(40, min(WIDTH, shutil.get_terminal_size((WIDTH, 24)).columns))


def wrap(text: str, indent: str = "", width: int | None = None) -> str:
    """`text` as a paragraph of lines that fit the terminal, each starting with `indent`."""
    return textwrap.fill(
        text,
        width=(width or terminal_width()),
        initial_indent=indent,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def fold(text: str, indent: str, more: str = "  ") -> list[str]:
    """`text` on lines that fit the terminal: `indent` first, `indent + more` after."""
    width = terminal_width()
    if len(indent + text) <= width:
        return [indent + text]
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=indent,
        subsequent_indent=indent + more,
        break_long_words=True,
        break_on_hyphens=False,
    ) or [indent]


def shown_path(path: Path) -> str:
    """`path` as the shorter of its path from the current folder and its absolute path."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # Windows: on another drive
        relative = str(path)
    return min(relative, str(path), key=len)
