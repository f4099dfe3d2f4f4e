"""Workbooks: a learner's own copy of tinygrad_edu with the lesson regions stubbed.

A workbook is a folder holding

* ``tinygrad_edu/``: every module of the package (not ``learn/``), where each lesson
  region is a stub that raises NotImplementedError until the learner writes it,
* ``README.md``: what to do,
* ``.tinygrad-edu-learn.json``: the state (hint levels seen, lessons skipped; see `state`).

This module knows that layout, makes a workbook, and finds one, refusing a workbook
that is not the user's own (learn imports and runs the code in it). The reference
package itself is never modified: it is the folder this module sits in.
"""

import os
import shlex
import shutil
import stat
from pathlib import Path

from .errors import WorkbookError
from .lessons import LESSONS, lesson_by_number, stub_message
from .reading import GET_NOTEBOOKS, notebooks_folder, shown_after
from .regions import Region, Stubbed, find_regions, hide_rule_text, stub_source
from .safe_files import safe_umask
from .state import STATE_FILE, new_state, save_state
from .terminal import COMMAND

__all__ = [
    "BACKUP_DIR",
    "PACKAGE",
    "STATE_FILE",
    "WorkbookError",
    "reference_package",
    "package_modules",
    "package_files",
    "write_package",
    "reference_regions",
    "init_workbook",
    "find_workbook",
    "locate_workbook",
    "enclosing_workbook",
    "check_workbook_is_safe",
    "check_code_is_trusted",
]

BACKUP_DIR = ".tinygrad-edu-learn-backup"
PACKAGE = "tinygrad_edu"


def reference_package() -> Path:
    """The folder of the reference tinygrad_edu package (the one this module belongs to)."""
    return Path(__file__).resolve().parent.parent


def package_modules(package_dir: str | Path | None = None) -> list[str]:
    """The package's own modules, as paths relative to the package ("engine.py",
    "nn/models.py"), without the learn/ subpackage."""
    return [name for name in package_files(package_dir) if name.endswith(".py")]


# What a workbook leaves out: the learning path itself, and the finished code that would
# show a lesson's answer before the learner writes it (the pictures and the step player
# spell out the backward sweep and the activations' slopes; interop's walk is the
# challenge's explicit stack; the demo prints the delta rule). The lessons use none of it:
# the installed package still draws a learner's graphs.
NOT_IN_A_WORKBOOK = ("learn", "viz", "__main__.py", "interop.py", "explain.py")


def package_files(package_dir: str | Path | None = None) -> list[str]:
    """Every file a workbook copies, as paths relative to the package: the modules of the
    package and of its subpackages (nn/, micrograd/, ...), and their data files, without
    NOT_IN_A_WORKBOOK."""
    package_dir = Path(package_dir) if package_dir is not None else reference_package()
    found = []
    for path in package_dir.rglob("*"):
        parts = path.relative_to(package_dir).parts
        if parts[0] in NOT_IN_A_WORKBOOK or "__pycache__" in parts or any(part.startswith(".") for part in parts):
            continue
        if path.is_file() and path.suffix not in (".pyc", ".pyo"):
            found.append("/".join(parts))
    return sorted(found)


def _message_for(number: int) -> str:
    return stub_message(lesson_by_number(number))


def write_package(root: str | Path, stubbed: Stubbed) -> Path:
    """Write ``root/tinygrad_edu/`` from the reference, with the lessons in `stubbed`
    stubbed (a set of lesson numbers, or a function of a Region that says whether to)."""
    source = reference_package()
    target = Path(root) / PACKAGE
    with safe_umask():  # 0644 files and 0755 folders whatever the umask: learn refuses others
        target.mkdir(mode=0o755, parents=True, exist_ok=True)
        if not callable(stubbed):
            stubbed = set(stubbed)
        for name in package_files(source):
            (target / name).parent.mkdir(mode=0o755, parents=True, exist_ok=True)
            if not name.endswith(".py"):
                shutil.copyfile(source / name, target / name)
                continue
            text = (source / name).read_text(encoding="utf-8")
            if stubbed and "LESSON" in text:
                text = hide_rule_text(stub_source(text, name, stubbed, _message_for), name, stubbed)
            (target / name).write_text(text, encoding="utf-8")
    return target


def reference_regions() -> list[Region]:
    """Every lesson region of the reference package, in file order."""
    source = reference_package()
    regions = []
    for name in package_modules(source):
        text = (source / name).read_text(encoding="utf-8")
        if "LESSON " in text:  # regions, or finished code cut with a lesson
            regions.extend(find_regions(text, name))
    return regions


def init_workbook(folder: str | Path) -> Path:
    """Create a workbook in `folder` (which must not exist or be empty). Returns its path."""
    folder = Path(folder).expanduser()
    if folder.exists() and not folder.is_dir():
        raise WorkbookError(f"{folder} is a file, not a folder; choose a new folder name for the workbook")
    if folder.is_dir() and any(folder.iterdir()):
        raise WorkbookError(
            f"{folder} is not empty; learn init never overwrites files. "
            "Choose a new folder name (it is created for you)"
        )
    inside = enclosing_workbook(folder.parent if not folder.exists() else folder)
    if inside is not None:
        raise WorkbookError(f"{folder} would be inside the workbook {inside}; choose a folder outside it")
    with safe_umask():  # whatever the umask, nobody else may write to what learn will run
        folder.mkdir(mode=0o755, parents=True, exist_ok=True)
        _check_owned_and_private(folder.resolve(), "workbook folder")
        write_package(folder, stubbed={lesson.number for lesson in LESSONS})
        (folder / "README.md").write_text(workbook_readme(), encoding="utf-8")
        save_state(folder, new_state())
    return folder.resolve()


def _check_owned_and_private(path: str | Path, what: str) -> None:
    """Refuse `path` unless the current user owns it and others cannot write to it."""
    if not hasattr(os, "getuid"):  # no owners and modes to check (Windows)
        return
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if what == "state file" and not stat.S_ISREG(info.st_mode):
        raise WorkbookError(
            f"{path}: the {what} is not a plain file (a symbolic link?); learn refuses it. "
            "Make a new workbook with `tinygrad-edu learn init NEWFOLDER`"
        )
    if info.st_uid != os.getuid():
        raise WorkbookError(
            f"{path}: the {what} belongs to another user (uid {info.st_uid}), so its code is "
            "not yours; learn runs only your own workbook. Make one with "
            "`tinygrad-edu learn init NEWFOLDER`"
        )
    _check_not_writable_by_others(path, info, f"the {what}")


def _group_is_private(gid: int) -> bool:
    """Whether the group `gid` is the user's own: their primary group, with no other member."""
    if gid != os.getgid():
        return False
    try:
        import grp
        import pwd

        members = set(grp.getgrgid(gid).gr_mem)
        return members <= {pwd.getpwuid(os.getuid()).pw_name}
    except (ImportError, KeyError):
        return False


def _check_not_writable_by_others(path: str | Path, info: os.stat_result, what: str, sticky_ok: bool = False) -> None:
    """Refuse `path` (its stat `info`) when someone other than the user could write to it:
    others, or a group that is not the user's own private group."""
    if sticky_ok and info.st_mode & stat.S_ISVTX:
        return  # a shared folder like /tmp: only owners may rename or remove what is in it
    quoted = shlex.quote(str(path))
    if info.st_mode & stat.S_IWOTH:
        raise WorkbookError(
            f"{path}: {what} is world-writable, so anyone on this computer could put code "
            f"there that learn would run. Make it private (chmod o-w {quoted}) and try again"
        )
    if info.st_mode & stat.S_IWGRP and not _group_is_private(info.st_gid):
        raise WorkbookError(
            f"{path}: {what} is writable by its group (gid {info.st_gid}), so others could put "
            f"code there that learn would run. Make it private (chmod g-w {quoted}) and try again"
        )


def _check_entry(path: str, what: str, module_limit: int) -> None:
    """Refuse one file or folder of the workbook that is not the user's own and private, is
    not a plain file or folder (a named pipe, a device), or is a module far too large."""
    try:
        info = os.stat(path)  # a link is judged by what it points to: that is what Python imports
    except OSError:
        return  # a dangling link: nothing to import
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
        raise WorkbookError(f"{path} is not a plain file or folder (a named pipe or a device?); remove it")
    if info.st_uid != os.getuid():
        raise WorkbookError(
            f"{path}: this {what} belongs to another user (uid {info.st_uid}), and learn imports and "
            f"runs the workbook's code. Make it yours (cp {shlex.quote(path)} mine && mv mine "
            f"{shlex.quote(path)}) or remove it, then try again"
        )
    _check_not_writable_by_others(path, info, f"this {what}")
    if path.endswith(".py") and info.st_size > module_limit:
        raise WorkbookError(f"{path} holds {info.st_size} bytes, far more than a module; remove it")


def check_code_is_trusted(folder: str | Path, module_limit: int = 8 << 20) -> None:
    """Raise WorkbookError unless every file and folder in the workbook `folder` (what the
    lesson tests may import) is the current user's, writable by nobody else, and a plain
    file or folder; and no folder above it lets another user swap it."""
    if not hasattr(os, "getuid"):
        return
    root = os.path.realpath(folder)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            _check_entry(full, "folder" if name in dirnames else "file", module_limit)
    for above in Path(root).parents:
        info = os.stat(above)
        if info.st_uid not in (0, os.getuid()):
            raise WorkbookError(
                f"{above}, a folder above the workbook, belongs to another user (uid {info.st_uid}), who "
                "could swap the workbook for their own code; move the workbook into a folder of yours"
            )
        _check_not_writable_by_others(above, info, "a folder above the workbook", sticky_ok=True)


def check_workbook_is_safe(folder: str | Path) -> None:
    """Raise WorkbookError unless `folder`, its state file, its package folder and every
    file in them belong to the current user and only they can write to them (learn
    imports and runs the code there)."""
    folder = Path(folder)
    _check_owned_and_private(folder, "workbook folder")
    _check_owned_and_private(folder / STATE_FILE, "state file")
    _check_owned_and_private(folder / PACKAGE, "package folder")
    check_code_is_trusted(folder)


def find_workbook(folder: str | Path | None = None) -> Path | None:
    """The workbook in `folder` (default: the current folder), or None.

    Only that folder is looked at: learn never walks up to a parent that happens to
    hold a state file, since it imports and runs the code it finds there. A workbook
    that another user owns, or that anyone may write to, is refused (WorkbookError).
    """
    here = Path(folder if folder is not None else os.getcwd()).expanduser().resolve()
    if not (here / STATE_FILE).exists() and not (here / STATE_FILE).is_symlink():
        return None
    check_workbook_is_safe(here)
    return here


def enclosing_workbook(folder: str | Path) -> Path | None:
    """The nearest folder at or above `folder` with a state file, or None. Only used to
    refuse a workbook inside another one and to say where a workbook is; never to run it."""
    here = Path(folder).expanduser().resolve()
    for candidate in (here, *here.parents):
        if (candidate / STATE_FILE).is_file():
            return candidate
    return None


def locate_workbook(folder: str | Path | None) -> Path:
    """The workbook in `folder` (default: the current folder), or WorkbookError.

    Only that one folder is looked at, never its parents: learn imports the code it
    finds, and a parent such as a shared /tmp is no place to run code from."""
    found = find_workbook(folder)
    if found is not None:
        return found
    here = Path(folder if folder is not None else os.getcwd()).expanduser()
    if folder is not None and not here.exists():
        raise WorkbookError(f"{folder} does not exist; make a workbook there with `tinygrad-edu learn init {folder}`")
    above = enclosing_workbook(here) if here.exists() else None
    if above is not None:
        raise WorkbookError(
            f"{here.resolve()} is inside the workbook {above}, but learn only looks at the folder it is "
            f"given: `cd {shlex.quote(str(above))}` first, or name it (`{COMMAND} status {shlex.quote(str(above))}`)"
        )
    if folder is None:
        raise WorkbookError(
            "this folder is not a workbook. Make one with `tinygrad-edu learn init mywork`, then "
            "`cd mywork` (or name the workbook: `tinygrad-edu learn status mywork`)"
        )
    raise WorkbookError(
        f"{folder} is not a workbook (it has no {STATE_FILE}); make one with `tinygrad-edu learn init NEWFOLDER`"
    )


def _readme_rows() -> str:
    """The README's table: each lesson, the functions it asks for, the notebooks it unlocks."""
    return "\n".join(
        f"| {lesson.number} | {lesson.title} | "
        + (
            ", ".join(f"`{function}` ({path})" for path, function in lesson.regions)
            or ", ".join(f"`{function}` ({path}) again" for _, path, function in lesson.revisits)
        )
        + " | "
        + ", ".join(f"{name}.ipynb" for name in shown_after(lesson))
        + " |"
        for lesson in LESSONS
    )


def workbook_readme() -> str:
    rows = _readme_rows()
    folder = notebooks_folder()
    where = f"in `{folder}`" if folder is not None else f"{GET_NOTEBOOKS} (a plain `pip install` copies none)"
    return f"""# Your tinygrad_edu workbook

This folder is your own copy of `tinygrad_edu`, a small autodiff engine. Lesson by
lesson you write its heart yourself: every place marked

```python
# BEGIN LESSON n
raise NotImplementedError("lesson n: ...")
# END LESSON n
```

is yours to fill in. Everything else is finished code you can read and use.

## How to work

1. `tinygrad-edu learn status` runs the lessons in order and stops at the first
   one that fails. It shows what the test expected, what your code gave, and
   which function to edit.
2. Edit that function in `tinygrad_edu/`: replace the `raise NotImplementedError(...)`
   line between the markers with your code. Keep the two marker lines.
3. Run `tinygrad-edu learn status` again, or leave `tinygrad-edu learn watch`
   running in a second terminal: it runs the lessons again each time you save.

Stuck? `tinygrad-edu learn hint` gives a hint for the current lesson: first the idea,
then where to look, then a worked example of another case (never your code with
blanks). `tinygrad-edu learn check N`
runs lesson N alone. `tinygrad-edu learn solution N` shows the reference solution
once lesson N passes (or at once with `--reveal`); `tinygrad-edu learn skip N` copies
it in and `tinygrad-edu learn reset N` puts the stub back. Both first keep a copy of
your code of that lesson in `{BACKUP_DIR}/`.

Run these commands in this folder (learn never looks in a parent folder), or name
it: `tinygrad-edu learn status path/to/this/folder`.

Here, use the `tinygrad-edu` command rather than `python -m tinygrad_edu`: in this
folder Python imports your copy of `tinygrad_edu` first, and your copy has no
`__main__.py`. With a regular install `python -m tinygrad_edu` stops with "No module
named tinygrad_edu.__main__"; with an editable one (`pip install -e`) it runs the
installed `learn` on top of your copy, and an error in your code such as a syntax
error stops it with a traceback before learn can show it to you. From any other
folder `python -m tinygrad_edu learn ...` is the same as `tinygrad-edu learn ...`.

## The lessons

The notebooks derive what the lessons ask, so each is listed at the lesson after
which it gives nothing away (a notebook that also answers a later lesson waits for
that one); `tinygrad-edu learn status` names them as they become yours to read. They
are {where}.

| # | lesson | you write | read once it passes |
| --- | --- | --- | --- |
{rows}
"""
