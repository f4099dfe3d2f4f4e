"""Ctrl-C held back around work that must be done whole or not at all.

A training step of `fit` (every parameter updated, or none) and the files of one
lesson that `learn skip` or `learn reset` writes use `sigint_deferred`.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

__all__ = ["sigint_deferred"]


@contextlib.contextmanager
def sigint_deferred() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) back while the block runs, then deliver it.

    A handler that only records the signal replaces the current one for the block;
    afterwards the old handler is put back and, if Ctrl-C came meanwhile, the signal is
    raised again, so the old handler acts on it (Python's default raises
    KeyboardInterrupt) once the block is complete. Signal handlers belong to the main
    thread, so anywhere else the block simply runs.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is None:  # a handler set outside Python: it could not be put back
        yield
        return
    received: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        signal.raise_signal(signal.SIGINT)
