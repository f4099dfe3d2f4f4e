"""Saving files so that a crash, a full disk or Ctrl-C never leaves half a file.

Every saver in the package (models, pictures, player pages, the demo's files, the
learning path's state) goes through `atomic_write`: the bytes go to a new
temporary file in the same folder, are flushed to disk (fsync), and the temporary
file then replaces the target in one step (`os.replace`). Until that step the old
file is intact; after it the new one is complete. If anything fails on the way
(a full disk, a text that cannot be encoded, Ctrl-C), the temporary file is
removed and the old file, if any, is left as it was. Ctrl-C and SIGTERM wait until
the write is done (`interrupts.sigint_deferred`), so they never strand a temporary file.
`atomic_write_all` writes several files (a picture and its DOT source) as one step: all
of them are replaced, or none.

A file the caller may not write is refused as ``open(path, "w")`` would refuse it
(PermissionError), though a rename in a writable folder could replace it.

One rule for links, the same for every saver:

* a symbolic link at `path` is followed: the file it points to is replaced and
  the link stays a link (as editors do);
* a file with several hard links gets a new file under the name you gave; the
  other names keep the old contents (a replace cannot write through a hard link).

An existing file keeps its permission bits (and, where the system allows it, its
owner and group); a new file gets the usual ones (0666 less the umask). Only
regular files are replaced: a folder, a device such as /dev/null or a named pipe
at `path` is refused. Errors name the path the caller gave, never the temporary
name.
"""

from __future__ import annotations

import errno
import os
import pathlib
import stat
import tempfile
from collections.abc import Sequence
from typing import Any, Union

from .interrupts import sigint_deferred

__all__ = ["atomic_write", "atomic_write_all"]

PathLike = Union[str, "os.PathLike[str]"]

# The temporary name is ".<start of the target's name>.<random>.tmp"; keeping only the
# start of a long name keeps it within the 255-byte limit of most file systems.
_TEMP_NAME_KEEP = 40


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _as_bytes(data: Any, encoding: str, given: pathlib.Path) -> bytes | bytearray | memoryview:
    """`data` as bytes: a str encoded with `encoding`, checked before any file is touched."""
    if isinstance(data, str):
        try:
            return data.encode(encoding)
        except UnicodeEncodeError as error:
            # Before any file is touched: an unencodable text never leaves an empty file.
            raise ValueError(
                f"cannot save {str(given)!r}: the text cannot be encoded as {encoding} "
                f"({error.reason} at position {error.start}: {error.object[error.start : error.end]!r})"
            ) from None
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"cannot save {str(given)!r}: expected bytes or str, got {type(data).__name__}")
    return data


def _mode_and_owner(target: pathlib.Path, given: pathlib.Path) -> tuple[int, tuple[int, int] | None]:
    """The permissions and the owner the new file gets: those of the file it replaces,
    or the umask's default (and no owner to keep) for a new file. Refuses a folder and
    anything else that is not a regular file."""
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return 0o666 & ~_current_umask(), None
    except OSError as error:
        raise _failure(error, given) from None
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, f"cannot save {str(given)!r}: it is a folder")
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(
            f"cannot save {str(given)!r}: it is {_kind(info.st_mode)}, not a regular file; "
            "give the path of a file to create or replace"
        )
    if not os.access(target, os.W_OK):  # as open(path, "w") would refuse it (root may write)
        raise PermissionError(errno.EACCES, f"cannot save {str(given)!r}: the file is read-only for you")
    return stat.S_IMODE(info.st_mode), (info.st_uid, info.st_gid)


def _stage(
    target: pathlib.Path,
    data: bytes | bytearray | memoryview,
    mode: int,
    owner: tuple[int, int] | None,
    given: pathlib.Path,
) -> str:
    """A temporary file beside `target` holding `data` on disk, with `mode` and `owner`:
    its name. Nothing is left behind when this fails."""
    temp_name = None
    try:
        # mkstemp opens with O_CREAT | O_EXCL: it never follows a symlink planted at
        # the temporary name, and the name is unique even with other writers at work.
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name[:_TEMP_NAME_KEEP]}.", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if owner is not None and hasattr(os, "chown"):
            try:
                os.chown(temp_name, *owner)  # keeps the owner when root saves over a user's file
            except OSError:
                pass  # an ordinary user cannot give a file away; the new file is then theirs
        os.chmod(temp_name, mode)  # after chown, which may clear the set-id bits
    except BaseException as error:
        _remove(temp_name)
        if isinstance(error, OSError):
            raise _failure(error, given) from None
        raise
    return temp_name


def _remove(name: str | None) -> None:
    if name is not None:
        try:
            os.unlink(name)
        except OSError:
            pass


def _replace_all(staged: list[tuple[str, pathlib.Path, pathlib.Path]]) -> None:
    """Rename each temporary file over its target. Should a rename fail after others
    succeeded, those targets get their old files back (kept under a hard link meanwhile),
    so the files change together or not at all."""
    backups: list[tuple[str | None, pathlib.Path]] = []
    try:
        for temp_name, target, given in staged:
            backup = f"{temp_name}.old" if len(staged) > 1 and target.exists() else None
            try:
                if backup is not None:
                    os.link(target, backup)
                os.replace(temp_name, target)
            except OSError as error:
                _remove(backup)
                raise _failure(error, given) from None
            backups.append((backup, target))
    except BaseException:
        for backup, target in reversed(backups):
            if backup is None:
                _remove(os.fspath(target))
            else:
                os.replace(backup, target)
        raise
    finally:
        for temp_name, _, _ in staged:
            _remove(temp_name)
        for backup, _ in backups:
            _remove(backup)


def _failure(error: OSError, given: pathlib.Path) -> OSError:
    """The same kind of OSError, saying the path the caller gave."""
    reason = error.strerror or str(error) or type(error).__name__
    return type(error)(error.errno, f"cannot save {str(given)!r}: {reason}")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _sync_folder(folder: pathlib.Path) -> None:
    """Flush the folder entry of the renamed file too (best effort: not every system
    can open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: PathLike, data: bytes | str, encoding: str = "utf-8") -> pathlib.Path:
    """Write `data` (bytes, or str encoded with `encoding`) to `path` atomically.

    Returns the path as given, as a pathlib.Path. On failure the old file, if any,
    is untouched, no temporary file is left behind, and the error names `path`:
    ValueError when the text cannot be encoded or `path` is not a regular file
    (IsADirectoryError for a folder), PermissionError for a file you may not write,
    otherwise the OSError of the failing step (e.g. errno ENOSPC for a full disk).
    """
    return atomic_write_all([(path, data)], encoding)[0]


def atomic_write_all(items: Sequence[tuple[PathLike, bytes | str]], encoding: str = "utf-8") -> list[pathlib.Path]:
    """Write each ``(path, data)`` of `items` as `atomic_write` does, all as one step:
    every file is staged first, then all replace their targets, or none does."""
    prepared = []
    for path, data in items:
        given = pathlib.Path(path)
        raw = _as_bytes(data, encoding, given)
        target = pathlib.Path(os.path.realpath(given))  # follow a symlink to the file it names
        prepared.append((given, raw, target, *_mode_and_owner(target, given)))
    staged: list[tuple[str, pathlib.Path, pathlib.Path]] = []
    with sigint_deferred():  # Ctrl-C and SIGTERM wait: no temporary file is stranded
        try:
            for given, raw, target, mode, owner in prepared:
                staged.append((_stage(target, raw, mode, owner, given), target, given))
        except BaseException:
            for temp_name, _, _ in staged:
                _remove(temp_name)
            raise
        _replace_all(staged)
    for folder in {target.parent for _, _, target, _, _ in prepared}:
        _sync_folder(folder)
    return [given for given, *_ in prepared]
