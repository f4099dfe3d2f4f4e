"""Saving files so that a crash, a full disk or Ctrl-C never leaves half a file.

Every saver in the package (models, pictures, player pages, the learning path's
state) goes through `atomic_write`: the bytes go to a new temporary file in the
same folder, are flushed to disk (fsync), and the temporary file then replaces
the target in one step (`os.replace`). Until that step the old file is intact;
after it the new one is complete.

One rule for links, the same for every saver:

* a symbolic link at `path` is followed: the file it points to is replaced and
  the link stays a link (as editors do);
* a file with several hard links gets a new file under the name you gave; the
  other names keep the old contents (a replace cannot write through a hard link).

An existing file keeps its permission bits; a new file gets the usual ones
(0666 less the umask). Errors name the path the caller gave, never the
temporary name.
"""

from __future__ import annotations

import os
import pathlib
import stat
import tempfile
from typing import Union

__all__ = ["atomic_write"]

PathLike = Union[str, "os.PathLike[str]"]


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path: PathLike, data: Union[bytes, str], encoding: str = "utf-8") -> pathlib.Path:
    """Write `data` (bytes, or str encoded with `encoding`) to `path` atomically.

    Returns the path as given, as a pathlib.Path. Raises OSError (or
    UnicodeEncodeError) naming `path` on failure; the old file, if any, is then
    untouched and no temporary file is left behind.
    """
    given = pathlib.Path(path)
    if isinstance(data, str):
        try:
            data = data.encode(encoding)
        except UnicodeEncodeError as error:
            raise ValueError(f"cannot save {str(given)!r}: the text cannot be encoded as {encoding} "
                             f"({error.reason} at position {error.start})") from None
    target = pathlib.Path(os.path.realpath(given))  # follow a symlink to the file it names
    if target.is_dir():
        raise IsADirectoryError(f"cannot save {str(given)!r}: it is a folder")
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_current_umask()
    except OSError as error:
        raise type(error)(error.errno, f"cannot save {str(given)!r}: {error.strerror}") from None
    temp_name = None
    try:
        # mkstemp opens with O_CREAT | O_EXCL: it never follows a symlink planted at
        # the temporary name, and the name is unique even with other writers at work.
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, mode)
        os.replace(temp_name, target)
        temp_name = None
    except OSError as error:
        raise type(error)(error.errno, f"cannot save {str(given)!r}: {error.strerror}") from None
    finally:
        if temp_name is not None:
            try:
                os.unlink(temp_name)
            except OSError:
                pass
    return given
