"""Reading and writing a workbook's files so that nothing outside it is touched, nothing
hangs, and a command's files change together or not at all.

`write_files` writes every new text to a temporary file beside its target first, then
renames them over their targets one after another with Ctrl-C and SIGTERM held back,
so an interrupted command leaves either all of its files or none of them changed (and
no temporary file). A target reached through a symbolic link that leads out of the
workbook is refused before anything is written.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..atomic.interrupts import sigint_deferred
from .errors import WorkbookError

__all__ = ["MAX_MODULE_BYTES", "safe_umask", "read_text_limited", "inside_workbook", "write_files"]

# A module of the package is a few tens of kilobytes; a file far larger is not one.
MAX_MODULE_BYTES = 8 << 20
_TEMP_NAME_KEEP = 40  # characters of the target's name in the temporary file's name


@contextlib.contextmanager
def safe_umask() -> Iterator[None]:
    """Files and folders made in the block are never writable by group or others,
    whatever the umask (0644 and 0755 at most)."""
    mask = os.umask(0o022)
    os.umask(mask | 0o022)
    try:
        yield
    finally:
        os.umask(mask)


def read_text_limited(path: Path, limit: int = MAX_MODULE_BYTES, follow_links: bool = True) -> str | None:
    """The text of the regular file `path`, or None when it is something else (a named
    pipe is opened without waiting for a writer, a device is never read, and with
    ``follow_links=False`` a symbolic link is not opened) or holds more than `limit`
    bytes. Raises FileNotFoundError when there is nothing there."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | (0 if follow_links else getattr(os, "O_NOFOLLOW", 0))
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        data = f.read(limit + 1)
    if len(data) > limit:
        return None
    return data.decode("utf-8", errors="replace")


def inside_workbook(workbook: Path, path: Path) -> Path:
    """The real path of `path`, a file in `workbook`; WorkbookError naming the link when
    a symbolic link on the way leads out of the workbook."""
    root = Path(os.path.realpath(workbook))
    real = Path(os.path.realpath(path))
    if real == root or root in real.parents:
        return real
    link = next((p for p in (path, *path.parents) if p.is_symlink()), path)
    try:
        points = os.readlink(link)
    except OSError:
        points = str(real)
    raise WorkbookError(
        f"{link} is a symbolic link to {points}, outside the workbook; learn writes only inside the "
        f"workbook. Replace the link with a copy of the file (cp --remove-destination {points} {link}) "
        "and try again"
    )


def write_files(workbook: Path, texts: dict[Path, str], new_mode: int = 0o644) -> None:
    """Replace each file of `texts` ({path: new text}) in the workbook, all in one step:
    every temporary file is written and flushed before the first rename, and the renames
    run with Ctrl-C and SIGTERM held back. A new file gets `new_mode`; an existing one
    keeps its permission bits (never writable by group or others)."""
    targets = {}
    for path in texts:  # every target is checked before any file is written
        real = inside_workbook(workbook, path)
        try:
            info = os.stat(real)
        except FileNotFoundError:
            targets[path] = (real, new_mode)
            continue
        if not stat.S_ISREG(info.st_mode):
            raise WorkbookError(f"{path} is not a plain file; learn writes only plain files. Remove it and try again")
        targets[path] = (real, stat.S_IMODE(info.st_mode) & ~0o022)
    temps: list[tuple[str, Path]] = []
    with sigint_deferred():  # Ctrl-C and SIGTERM wait until every file is renamed
        try:
            for path, (real, mode) in targets.items():
                fd, temp = tempfile.mkstemp(prefix=f".{real.name[:_TEMP_NAME_KEEP]}.", suffix=".tmp", dir=real.parent)
                temps.append((temp, real))
                with os.fdopen(fd, "wb") as handle:
                    handle.write(texts[path].encode("utf-8"))
                    handle.flush()
                    os.fsync(handle.fileno())
                os.chmod(temp, mode)
            while temps:
                temp, real = temps[0]
                os.replace(temp, real)
                temps.pop(0)
        except OSError as error:
            raise WorkbookError(f"cannot write the workbook's files: {error}") from None
        finally:
            for temp, _ in temps:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
