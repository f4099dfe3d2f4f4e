"""Saving files so that a crash, a full disk or Ctrl-C never leaves half a file.

Every saver in the package (models, pictures, player pages, the demo's files, the
learning path's state) goes through `atomic_write`: the bytes go to a new
temporary file in the same folder, are flushed to disk (fsync), and the temporary
file then replaces the target in one step (`os.replace`). Until that step the old
file is intact; after it the new one is complete. If anything fails on the way
(a full disk, a text that cannot be encoded, Ctrl-C), the temporary file is
removed and the old file, if any, is left as it was.

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
from typing import Any, Union

__all__ = ["atomic_write"]

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
    return stat.S_IMODE(info.st_mode), (info.st_uid, info.st_gid)


def _replace(
    target: pathlib.Path,
    data: bytes | bytearray | memoryview,
    mode: int,
    owner: tuple[int, int] | None,
    given: pathlib.Path,
) -> None:
    """Write `data` to a temporary file beside `target`, give it `mode` and `owner`, and
    rename it over `target` (one step: a reader sees the old file or the new one)."""
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
        os.replace(temp_name, target)
        temp_name = None
    except OSError as error:
        raise _failure(error, given) from None
    finally:
        if temp_name is not None:
            try:
                os.unlink(temp_name)
            except OSError:
                pass


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
    (IsADirectoryError for a folder), otherwise the OSError of the failing step
    (e.g. errno ENOSPC for a full disk).
    """
    given = pathlib.Path(path)
    raw = _as_bytes(data, encoding, given)
    target = pathlib.Path(os.path.realpath(given))  # follow a symlink to the file it names
    mode, owner = _mode_and_owner(target, given)
    _replace(target, raw, mode, owner, given)
    _sync_folder(target.parent)
    return given
