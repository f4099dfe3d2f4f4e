"""A workbook's state file: hint levels seen, lessons skipped, lessons passed.

One writer at a time holds the lock file; readers never wait. Every write replaces
the file atomically, so a crash or a planted link never leaves half a state.
"""

import contextlib
import datetime
import json
import os
import stat
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..atomic.files import atomic_write
from .errors import WorkbookError
from .safe_files import read_text_limited

try:
    import fcntl
except ImportError:  # Windows: the state is still read, merged and written in one go
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "STATE_FILE",
    "LOCK_FILE",
    "State",
    "new_state",
    "state_lock",
    "load_state",
    "save_state",
    "state_text",
    "update_state",
]

STATE_FILE = ".tinygrad-edu-learn.json"
LOCK_FILE = ".tinygrad-edu-learn.lock"
_STATE_FORMAT = 1

# The state as JSON gives it back: "hints_seen" {lesson number as text: level}, "skipped"
# and "passed" lists of lesson numbers, and where the workbook came from.
State = dict[str, Any]


def new_state() -> State:
    from .. import __version__

    return {
        "format": _STATE_FORMAT,
        "created": datetime.datetime.now().isoformat(timespec="seconds"),
        "tinygrad_edu_version": __version__,
        "hints_seen": {},
        "skipped": [],
        "passed": [],
    }


# (lock file, thread) of the locks this process holds: a command that holds the lock may
# call code that takes it again (flock would wait for itself on a second descriptor).
_held: dict[tuple[str, int], int] = {}


@contextlib.contextmanager
def state_lock(workbook: str | Path) -> Iterator[None]:
    """Hold the workbook's lock file: one command at a time changes the workbook's files
    and its state; readers never wait. Taking it again inside the block is free."""
    path = Path(workbook) / LOCK_FILE
    key = (os.path.realpath(path), threading.get_ident())
    if key in _held:
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except OSError as error:
        raise WorkbookError(f"cannot open the lock file {path}: {error.strerror}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise WorkbookError(f"the lock file {path} is not a plain file; remove it and try again")
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        _held[key] = 1
        yield
    finally:
        _held.pop(key, None)
        os.close(fd)  # closing releases the lock


# A state file is a few hundred bytes; anything far larger is damage, not progress.
_STATE_MAX_BYTES = 1 << 20
_reported: set[str] = set()  # damaged state files already reported by this process


def load_state(workbook: str | Path) -> State:
    """The workbook's state. A damaged state file (not JSON, too large, too deeply
    nested, or values of the wrong kind) is reported once on stderr and read as far
    as it makes sense: what cannot be used falls back to the fresh state's value."""
    path = Path(workbook) / STATE_FILE
    try:
        text = read_text_limited(path, _STATE_MAX_BYTES, follow_links=False)  # a pipe, a device or a link: None
    except FileNotFoundError:
        raise WorkbookError(f"{workbook} is not a workbook (it has no {STATE_FILE})") from None
    problems: list[str] = []
    try:
        state = json.loads(text) if text is not None else None
        if text is None:
            problems.append(f"it is not a plain file of at most {_STATE_MAX_BYTES} bytes")
    except (ValueError, RecursionError) as error:
        state = None
        problems.append(f"it is not valid JSON ({type(error).__name__})")
    if not isinstance(state, dict):
        if text is not None and not problems:
            problems.append(f"it holds a {type(state).__name__}, not an object")
        state = {}
    state = _clean_state(state, problems)
    _report(path, problems)
    return state


def _lesson_numbers(values: Any) -> tuple[list[int], bool]:
    """The lesson numbers (whole numbers, each once) in the list `values`, and whether
    anything else was there."""
    if not isinstance(values, list):
        return [], True
    numbers = [v for v in values if type(v) is int and v >= 0]
    return list(dict.fromkeys(numbers)), len(numbers) != len(values)


def _hint_levels(values: Any) -> tuple[dict[str, int], bool]:
    """The entries of `values` that map a lesson number (as text) to a hint level (a whole
    number, at least 0), and whether anything else was there."""
    if not isinstance(values, dict):
        return {}, True
    levels = {k: v for k, v in values.items() if k.isdigit() and type(v) is int and v >= 0}
    return levels, len(levels) != len(values)


def _clean_state(state: State, problems: list[str]) -> State:
    """`state` with what learn cannot use dropped: each value of the wrong kind becomes
    the fresh state's, each wrong entry of the hint levels and lesson lists goes."""
    fresh = new_state()
    for key, value in fresh.items():
        given = state.get(key, value)
        cleaned: Any
        if key == "hints_seen":
            cleaned, damaged = _hint_levels(given)
        elif key in ("skipped", "passed"):
            cleaned, damaged = _lesson_numbers(given)
        else:
            damaged = not isinstance(given, type(value))
            cleaned = value if damaged else given
        if damaged:
            problems.append(f'its "{key}" holds values learn does not write there')
        state[key] = cleaned
    return state


def _report(path: Path, problems: list[str]) -> None:
    """Say once per process that the state file is damaged and what learn does about it."""
    if not problems or str(path) in _reported:
        return
    _reported.add(str(path))
    print(
        f"learn: the state file {path} is damaged ({'; '.join(problems)}); learn carries on with "
        "what it could read and starts the rest afresh (the next command that records progress "
        "rewrites the file)",
        file=sys.stderr,
    )


def state_text(state: State) -> str:
    """The state as the state file holds it."""
    return json.dumps(state, indent=2, sort_keys=True) + "\n"


def save_state(workbook: str | Path, state: State) -> None:
    atomic_write(Path(workbook) / STATE_FILE, state_text(state))


def update_state(workbook: str | Path, change: Callable[[State], None]) -> State:
    """Read the state, apply `change(state)` and write it back, all under the lock file, so
    two commands at once (watch in one terminal, hint in another) never lose an update."""
    with state_lock(workbook):
        state = load_state(workbook)
        before = json.dumps(state, sort_keys=True)
        change(state)
        if json.dumps(state, sort_keys=True) != before:
            save_state(workbook, state)
    return state
