"""A workbook's state file: hint levels seen, lessons skipped, lessons passed.

One writer at a time holds the lock file; readers never wait. Every write replaces
the file atomically, so a crash or a planted link never leaves half a state.
"""

import contextlib
import datetime
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..atomic.files import atomic_write
from .errors import WorkbookError

try:
    import fcntl
except ImportError:  # Windows: the state is still read, merged and written in one go
    fcntl = None  # type: ignore[assignment]

__all__ = ["STATE_FILE", "LOCK_FILE", "State", "new_state", "state_lock", "load_state", "save_state", "update_state"]

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


@contextlib.contextmanager
def state_lock(workbook: str | Path) -> Iterator[None]:
    """Hold the workbook's lock file (one writer of the state at a time; readers never wait)."""
    path = Path(workbook) / LOCK_FILE
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except OSError as error:
        raise WorkbookError(f"cannot open the lock file {path}: {error.strerror}") from None
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def load_state(workbook: str | Path) -> State:
    path = Path(workbook) / STATE_FILE
    try:
        with open(path, encoding="utf-8") as f:
            state = json.load(f)
    except FileNotFoundError:
        raise WorkbookError(f"{workbook} is not a workbook (it has no {STATE_FILE})") from None
    except ValueError:
        state = {}  # a damaged state file costs only the hint levels
    if not isinstance(state, dict):
        state = {}
    fresh = new_state()
    for key, value in fresh.items():
        if not isinstance(state.get(key), type(value)):
            state[key] = value
    return state


def save_state(workbook: str | Path, state: State) -> None:
    atomic_write(Path(workbook) / STATE_FILE, json.dumps(state, indent=2, sort_keys=True) + "\n")


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
