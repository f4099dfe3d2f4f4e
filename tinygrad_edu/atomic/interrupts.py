"""Ctrl-C (and SIGTERM) held back around work that must be done whole or not at all.

A training step of `fit` (every parameter updated, or none), every saved file
(`files.atomic_write`) and the files of one lesson that `learn skip` or `learn reset`
writes use `sigint_deferred`.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

__all__ = ["sigint_deferred", "DEFERRED_SIGNALS"]

# Ctrl-C, and the polite request to stop that `kill` and service managers send.
DEFERRED_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def sigint_deferred() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) and SIGTERM back while the block runs, then deliver them.

    A handler that only records the signal replaces the current one for the block;
    afterwards the old handler is put back and, if a signal came meanwhile, it is
    raised again, so the old handler acts on it (Python's default raises
    KeyboardInterrupt for Ctrl-C and ends the program for SIGTERM) once the block is
    complete. Signal handlers belong to the main thread, so anywhere else the block
    simply runs; a signal whose handler was set outside Python is left alone.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {}
    for signum in DEFERRED_SIGNALS:
        handler = signal.getsignal(signum)
        if handler is not None:  # None: a handler set outside Python, which could not be put back
            previous[signum] = handler
            signal.signal(signum, lambda number, frame: received.append(number))
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    for number in dict.fromkeys(received):  # each signal once, in the order they came
        signal.raise_signal(number)
