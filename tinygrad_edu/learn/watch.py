"""`learn watch`: run the lessons again each time a file of the workbook is saved.

A thread collects the saves as they happen, so a save made while the lessons run is
queued for the next run rather than lost; a save during a run starts the next run at
once, without drawing the screen of the stale one.
"""

import queue
import shutil
import threading
import time
from pathlib import Path
from typing import TextIO

from .errors import WorkbookError
from .screens import watch_screen
from .status import current_lesson, run_and_record
from .terminal import WIDTH
from .workbook import PACKAGE

__all__ = ["watch"]


class _Saves:
    """Saves of .py files under `folder`, collected by a thread as they happen (watchfiles:
    the system's change events, or polling with `poll`), so a save made while the lessons
    run is queued for the next run rather than lost."""

    def __init__(self, folder: Path, poll: bool = False) -> None:
        import watchfiles

        self._queue: queue.Queue[list[str] | Exception] = queue.Queue()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._folder = folder

        def watch() -> None:
            try:
                for changes in watchfiles.watch(
                    folder,
                    watch_filter=watchfiles.PythonFilter(),
                    debounce=400,
                    step=50,
                    stop_event=self._stop,
                    force_polling=poll or None,
                    poll_delay_ms=300,
                    raise_interrupt=False,
                    yield_on_timeout=True,
                    rust_timeout=200,
                ):
                    self._ready.set()
                    if changes:
                        self._queue.put(sorted({Path(path).name for _, path in changes}))
            except Exception as error:  # noqa: BLE001 - reported to the main thread
                self._queue.put(error)
            finally:
                self._ready.set()

        self._thread = threading.Thread(target=watch, name="learn-watch", daemon=True)
        self._thread.start()
        self._ready.wait(5)  # the watcher is in place before the first run starts

    def wait(self) -> list[str]:
        """Block until at least one save; return the names of every file saved since the last call."""
        names: set[str] = set()
        item = self._queue.get()
        while True:
            if isinstance(item, Exception):
                raise WorkbookError(f"watching {self._folder} stopped: {item}")
            names.update(item)
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return sorted(names)

    def pending(self) -> bool:
        return not self._queue.empty()

    def close(self) -> None:
        self._stop.set()


class _Progress:
    """The "running lesson N..." line: rewritten in place on a terminal, one line a lesson
    elsewhere. `current` is the lesson the next run is expected to start at."""

    def __init__(self, out: TextIO, tty: bool) -> None:
        self.out, self.tty = out, tty
        self.current = 1
        self.because = ""  # which saves started this run
        self._printed = 0  # the last lesson given a line of its own in this run (no terminal)

    def start(self) -> None:
        """A run begins. On a terminal the line shows at once the lesson expected to be at
        stake; elsewhere a line says the run began, and each lesson gets its own when the
        run reaches it."""
        self._printed = 0
        if self.tty:
            self._write(f"running lesson {self.current}...{self.because}")
        else:
            print(f"running the lessons...{self.because}", file=self.out, flush=True)

    def __call__(self, number: int) -> None:
        """The run has reached lesson `number` (it is looked at a few times a second, so
        lessons that pass quickly in between are not seen: their line says so)."""
        self.current = number
        if self.tty:
            self._write(f"running lesson {number}...{self.because}")
            return
        if number == self._printed:
            return
        first = 1 if number < self._printed else self._printed + 1  # back to a lower one: a new run
        if first == number:
            between = ""
        elif first == number - 1:
            between = f" (lesson {first} ran before it)"
        else:
            between = f" (lessons {first}-{number - 1} ran before it)"
        self._printed = number
        print(f"running lesson {number}...{between}", file=self.out, flush=True)

    def _write(self, line: str) -> None:
        self.out.write(f"\r\033[K{line[: WIDTH - 1]}")
        self.out.flush()


def _draw(screen: list[str], out: TextIO, tty: bool) -> None:
    """The whole screen. On a terminal its last line has no newline: the "running lesson
    N..." line of the next run is written over it, so the screen never grows."""
    if tty:
        out.write("\033[2J\033[H")
    else:
        print("-" * 40, file=out)
    for line in screen:
        print(line, file=out)
    last = f"{time.strftime('%H:%M:%S')} watching {PACKAGE}/: save to run again; Ctrl-C stops"
    out.write(last if tty else last + "\n")
    out.flush()


def watch(workbook: Path, out: TextIO, poll: bool = False) -> int:
    """Run the lessons, draw the screen, wait for a save, again, until Ctrl-C; returns 0."""
    try:
        saves = _Saves(workbook / PACKAGE, poll=poll)
    except ImportError:
        raise WorkbookError("learn watch needs the watchfiles package: pip install watchfiles") from None
    tty = out.isatty() if hasattr(out, "isatty") else False
    height = shutil.get_terminal_size((WIDTH, 24)).lines if tty else 24
    progress = _Progress(out, tty)
    saved: list[str] = []
    newly: list[int] = []  # kept until a screen shows them
    filled: list[tuple[str, str]] = []
    try:
        while True:
            progress.because = f" ({', '.join(saved[:3])} saved)" if saved else ""
            progress.start()
            result, state, more, back = run_and_record(workbook, on_progress=progress)
            newly += [n for n in more if n not in newly]
            filled += [f for f in back if f not in filled]
            lesson = current_lesson(result) if result.state == "finished" else None
            progress.current = lesson.number if lesson else 1
            if saves.pending():  # saved again while the lessons ran: run again at once, on the same line
                saved = saves.wait()
                continue
            _draw(watch_screen(workbook, result, state, newly=newly, height=max(12, height), filled=filled), out, tty)
            newly, filled = [], []
            saved = saves.wait()
    except KeyboardInterrupt:
        print("", file=out)
        print("Stopped watching.", file=out, flush=True)
        return 0
    finally:
        saves.close()
