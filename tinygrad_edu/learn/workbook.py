"""Workbooks: a learner's own copy of tinygrad_edu with the lesson regions stubbed.

A workbook is a folder holding

* ``tinygrad_edu/``: every module of the package (not ``learn/``), where each lesson
  region is a stub that raises NotImplementedError until the learner writes it,
* ``README.md``: what to do,
* ``.tinygrad-edu-learn.json``: the state (hint levels seen, lessons skipped).

The reference package itself is never modified: it is the folder this module sits in.
"""

import datetime
import json
import os
import shutil
from pathlib import Path

from ..files import atomic_write
from .lessons import LESSONS, lesson_by_number, stub_message
from .regions import find_regions, replace_region, stub_source

__all__ = [
    "STATE_FILE",
    "WorkbookError",
    "reference_package",
    "package_modules",
    "write_package",
    "init_workbook",
    "find_workbook",
    "load_state",
    "save_state",
    "copy_solution",
    "reference_regions",
]

STATE_FILE = ".tinygrad-edu-learn.json"
BACKUP_DIR = ".tinygrad-edu-learn-backup"
PACKAGE = "tinygrad_edu"
_STATE_FORMAT = 1


class WorkbookError(Exception):
    """A problem the learner can fix (a non-empty folder, no workbook here, ...)."""


def reference_package():
    """The folder of the reference tinygrad_edu package (the one this module belongs to)."""
    return Path(__file__).resolve().parent.parent


def package_modules(package_dir=None):
    """The package's own modules (file names), without the learn/ subpackage."""
    package_dir = Path(package_dir) if package_dir is not None else reference_package()
    return sorted(p.name for p in package_dir.glob("*.py"))


def package_files(package_dir=None):
    """Every file a workbook copies: the modules and their data files (no subfolders)."""
    package_dir = Path(package_dir) if package_dir is not None else reference_package()
    return sorted(p.name for p in package_dir.iterdir()
                  if p.is_file() and p.suffix not in (".pyc", ".pyo") and not p.name.startswith("."))


def _message_for(number):
    return stub_message(lesson_by_number(number))


def write_package(root, stubbed):
    """Write ``root/tinygrad_edu/`` from the reference, with the lessons in `stubbed`
    stubbed (a set of lesson numbers, or a function of a Region that says whether to)."""
    source = reference_package()
    target = Path(root) / PACKAGE
    target.mkdir(parents=True, exist_ok=True)
    if not callable(stubbed):
        stubbed = set(stubbed)
    for name in package_files(source):
        if not name.endswith(".py"):
            shutil.copyfile(source / name, target / name)
            continue
        text = (source / name).read_text(encoding="utf-8")
        if stubbed and "# BEGIN LESSON" in text:
            text = stub_source(text, name, stubbed, _message_for)
        (target / name).write_text(text, encoding="utf-8")
    return target


def reference_regions():
    """Every lesson region of the reference package, in file order."""
    source = reference_package()
    regions = []
    for name in package_modules(source):
        text = (source / name).read_text(encoding="utf-8")
        if "# BEGIN LESSON" in text:
            regions.extend(find_regions(text, name))
    return regions


def init_workbook(folder):
    """Create a workbook in `folder` (which must not exist or be empty). Returns its path."""
    folder = Path(folder).expanduser()
    if folder.exists() and not folder.is_dir():
        raise WorkbookError(f"{folder} is a file, not a folder; choose a new folder name for the workbook")
    if folder.is_dir() and any(folder.iterdir()):
        raise WorkbookError(
            f"{folder} is not empty; learn init never overwrites files. "
            "Choose a new folder name (it is created for you)"
        )
    inside = find_workbook(folder.parent if not folder.exists() else folder)
    if inside is not None:
        raise WorkbookError(f"{folder} would be inside the workbook {inside}; choose a folder outside it")
    folder.mkdir(parents=True, exist_ok=True)
    write_package(folder, stubbed={lesson.number for lesson in LESSONS})
    (folder / "README.md").write_text(workbook_readme(), encoding="utf-8")
    save_state(folder, new_state())
    return folder.resolve()


def new_state():
    from .. import __version__

    return {
        "format": _STATE_FORMAT,
        "created": datetime.datetime.now().isoformat(timespec="seconds"),
        "tinygrad_edu_version": __version__,
        "hints_seen": {},
        "skipped": [],
        "passed": [],
    }


def find_workbook(start=None):
    """The workbook folder that holds `start` (default: the current folder), or None."""
    here = Path(start if start is not None else os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / STATE_FILE).is_file():
            return folder
    return None


def load_state(workbook):
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


def save_state(workbook, state):
    path = Path(workbook) / STATE_FILE
    atomic_write(path, json.dumps(state, indent=2, sort_keys=True) + "\n")


def copy_solution(workbook, number):
    """Put the reference solution of lesson `number` into the workbook (learn skip).

    The learner's version of each changed file is kept in the backup folder first.
    Returns the list of (file, function) regions written.
    """
    lesson_by_number(number)  # a ValueError for a lesson that does not exist
    workbook = Path(workbook)
    written = []
    by_file = {}
    for region in reference_regions():
        if region.lesson == number:
            by_file.setdefault(region.path, []).append(region)
    for name, regions in by_file.items():
        target = workbook / PACKAGE / name
        try:
            original = target.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise WorkbookError(f"{target} is missing from the workbook") from None
        text = original
        for region in regions:
            text = replace_region(text, name, number, region.function, region.body, new_indent=region.indent)
            written.append((name, region.function))
        if text != original:
            backup = workbook / BACKUP_DIR / f"lesson{number}" / name
            backup.parent.mkdir(parents=True, exist_ok=True)
            if not backup.exists():
                shutil.copyfile(target, backup)
            target.write_text(text, encoding="utf-8")
    return written


def workbook_readme():
    rows = "\n".join(
        f"| {lesson.number} | {lesson.title} | "
        + ", ".join(f"`{function}` ({path})" for path, function in lesson.regions)
        + " |"
        for lesson in LESSONS
    )
    return f"""# Your tinygrad_edu workbook

This folder is your own copy of `tinygrad_edu`, a small autodiff engine. In
{len(LESSONS)} lessons you write its heart yourself: every place marked

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
   running in a second terminal: it re-runs the lessons each time you save.

Stuck? `tinygrad-edu learn hint` gives a hint for the current lesson; ask again for
a more explicit one. `tinygrad-edu learn check N` runs lesson N alone.
`tinygrad-edu learn solution N` shows the reference solution once lesson N passes
(or at once with `--reveal`), and `tinygrad-edu learn skip N` copies it in (your
version is kept in `{BACKUP_DIR}/`).

Run these commands anywhere inside this folder. (`python -m tinygrad_edu learn ...`
works too, from any folder except this one, where Python would find your copy.)

## The lessons

| # | lesson | you write |
| --- | --- | --- |
{rows}
"""
