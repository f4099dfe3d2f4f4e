"""Workbooks: a learner's own copy of tinygrad_edu with the lesson regions stubbed.

A workbook is a folder holding

* ``tinygrad_edu/``: every module of the package (not ``learn/``), where each lesson
  region is a stub that raises NotImplementedError until the learner writes it,
* ``README.md``: what to do,
* ``.tinygrad-edu-learn.json``: the state (hint levels seen, lessons skipped).

The reference package itself is never modified: it is the folder this module sits in.
"""

import ast
import contextlib
import datetime
import difflib
import json
import os
import shlex
import shutil
import stat
import textwrap
from pathlib import Path

from ..files import atomic_write
from ..interrupts import sigint_deferred
from .lessons import LESSONS, lesson_by_number, stub_message
from .regions import (
    RegionError,
    cut_message,
    find_regions,
    replace_region,
    stub_line,
    stub_source,
)

try:
    import fcntl
except ImportError:  # Windows: the state is still read, merged and written in one go
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "STATE_FILE",
    "WorkbookError",
    "reference_package",
    "package_modules",
    "write_package",
    "init_workbook",
    "find_workbook",
    "enclosing_workbook",
    "check_workbook_is_safe",
    "load_state",
    "save_state",
    "update_state",
    "copy_solution",
    "reset_lesson",
    "fill_cut_regions",
    "keep_copy",
    "outside_changes",
    "reference_regions",
]

STATE_FILE = ".tinygrad-edu-learn.json"
LOCK_FILE = ".tinygrad-edu-learn.lock"
BACKUP_DIR = ".tinygrad-edu-learn-backup"
PACKAGE = "tinygrad_edu"
_STATE_FORMAT = 1


class WorkbookError(Exception):
    """A problem the learner can fix (a non-empty folder, no workbook here, ...)."""


def reference_package():
    """The folder of the reference tinygrad_edu package (the one this module belongs to)."""
    return Path(__file__).resolve().parent.parent


def package_modules(package_dir=None):
    """The package's own modules, as paths relative to the package ("engine.py",
    "nn/models.py"), without the learn/ subpackage."""
    return [name for name in package_files(package_dir) if name.endswith(".py")]


def package_files(package_dir=None):
    """Every file a workbook copies, as paths relative to the package: the modules of the
    package and of its subpackages (nn/, viz/, micrograd/; not learn/), and their data files."""
    package_dir = Path(package_dir) if package_dir is not None else reference_package()
    found = []
    for path in package_dir.rglob("*"):
        parts = path.relative_to(package_dir).parts
        if parts[0] == "learn" or "__pycache__" in parts or any(part.startswith(".") for part in parts):
            continue
        if path.is_file() and path.suffix not in (".pyc", ".pyo"):
            found.append("/".join(parts))
    return sorted(found)


def _message_for(number):
    return stub_message(lesson_by_number(number))


def hide_rule_text(text, path, stubbed):
    """`text` without the answer an op class states beside its stubbed rule: its `formula`
    (the derivatives as text for pictures). `stubbed` as for write_package."""
    wanted = stubbed if callable(stubbed) else (lambda region: region.lesson in stubbed)
    classes: dict[str, int] = {}
    for region in find_regions(text, path):
        if "." in region.function and wanted(region):  # a rule to write, or one cut with a lesson
            classes.setdefault(region.function.split(".")[0], region.lesson)
    lines = text.splitlines(keepends=True)
    formulas = [
        (statement, classes[node.name])
        for node in (ast.parse(text).body if classes else [])
        if isinstance(node, ast.ClassDef) and node.name in classes
        for statement in node.body
        if isinstance(statement, ast.Assign) and any(getattr(t, "id", "") == "formula" for t in statement.targets)
    ]
    for statement, lesson in sorted(formulas, key=lambda found: -found[0].lineno):
        line = lines[statement.lineno - 1]
        indent = line[: len(line) - len(line.lstrip())]
        note = f"{indent}# (formula, the derivatives as text for pictures: left out until lesson {lesson} is yours)\n"
        lines[statement.lineno - 1 : statement.end_lineno] = [note]
    return "".join(lines)


def write_package(root, stubbed):
    """Write ``root/tinygrad_edu/`` from the reference, with the lessons in `stubbed`
    stubbed (a set of lesson numbers, or a function of a Region that says whether to)."""
    source = reference_package()
    target = Path(root) / PACKAGE
    target.mkdir(parents=True, exist_ok=True)
    if not callable(stubbed):
        stubbed = set(stubbed)
    for name in package_files(source):
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        if not name.endswith(".py"):
            shutil.copyfile(source / name, target / name)
            continue
        text = (source / name).read_text(encoding="utf-8")
        if stubbed and "LESSON" in text:
            text = hide_rule_text(stub_source(text, name, stubbed, _message_for), name, stubbed)
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
    inside = enclosing_workbook(folder.parent if not folder.exists() else folder)
    if inside is not None:
        raise WorkbookError(f"{folder} would be inside the workbook {inside}; choose a folder outside it")
    folder.mkdir(parents=True, exist_ok=True)
    _check_owned_and_private(folder.resolve(), "workbook folder")
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


def _check_owned_and_private(path, what):
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
    if info.st_mode & stat.S_IWOTH:
        raise WorkbookError(
            f"{path}: the {what} is world-writable, so anyone on this computer could put code "
            f"there that learn would run. Make it private (chmod o-w {shlex.quote(str(path))}) "
            "and try again"
        )


def check_workbook_is_safe(folder):
    """Raise WorkbookError unless `folder`, its state file and its package folder belong to
    the current user and are not world-writable (learn imports and runs the code there)."""
    folder = Path(folder)
    _check_owned_and_private(folder, "workbook folder")
    _check_owned_and_private(folder / STATE_FILE, "state file")
    _check_owned_and_private(folder / PACKAGE, "package folder")


def find_workbook(folder=None):
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


def enclosing_workbook(folder):
    """The nearest folder at or above `folder` with a state file, or None. Only used to
    refuse a workbook inside another one and to say where a workbook is; never to run it."""
    here = Path(folder).expanduser().resolve()
    for candidate in (here, *here.parents):
        if (candidate / STATE_FILE).is_file():
            return candidate
    return None


# ----- the state file ----------------------------------------------------------------------------


@contextlib.contextmanager
def state_lock(workbook):
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
    atomic_write(Path(workbook) / STATE_FILE, json.dumps(state, indent=2, sort_keys=True) + "\n")


def update_state(workbook, change):
    """Read the state, apply `change(state)` and write it back, all under the lock file, so
    two commands at once (watch in one terminal, hint in another) never lose an update."""
    with state_lock(workbook):
        state = load_state(workbook)
        before = json.dumps(state, sort_keys=True)
        change(state)
        if json.dumps(state, sort_keys=True) != before:
            save_state(workbook, state)
    return state


# ----- the learner's code: copies, skip and reset -------------------------------------------------


def lesson_regions_in(workbook, number):
    """{(path, function): Region} of lesson `number` as the workbook has it now (a region
    whose markers are gone is missing)."""
    found = {}
    for path in lesson_by_number(number).files:
        try:
            text = (Path(workbook) / PACKAGE / path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise WorkbookError(f"{Path(workbook) / PACKAGE / path} is missing from the workbook") from None
        try:
            regions = find_regions(text, path)
        except RegionError as error:
            raise WorkbookError(f"{error}; put the markers right, then try again") from None
        for region in regions:
            if region.lesson == number and not region.cut:
                found[region.key] = region
    return found


def is_stub(region):
    return region.body.strip().startswith("raise NotImplementedError(") and len(region.body.strip().splitlines()) == 1


def keep_copy(workbook, number, why):
    """Save the learner's code of lesson `number` (each region, not whole files) to a new,
    timestamped file in the backup folder. Returns its path, or None when there was
    nothing of the learner's to keep (every region still the stub or the reference)."""
    lesson = lesson_by_number(number)
    current = lesson_regions_in(workbook, number)
    reference = {r.key: r for r in reference_regions() if r.lesson == number and not r.cut}
    mine = [
        r
        for key, r in current.items()
        if not is_stub(r) and (key not in reference or _dedent(r.body) != _dedent(reference[key].body))
    ]
    if not mine:
        return None
    now = datetime.datetime.now()
    lines = [
        f"# Lesson {lesson.number} ({lesson.title}): your code, kept by `tinygrad-edu learn {why}` "
        f"on {now.isoformat(sep=' ', timespec='seconds')}.",
        "# To use it again, paste each part back between its markers.",
        "",
    ]
    for region in mine:
        lines.append(f"# {PACKAGE}/{region.path}, {region.function} (was lines {region.begin + 1}-{region.end - 1})")
        lines.append(region.body.rstrip("\n"))
        lines.append("")
    folder = Path(workbook) / BACKUP_DIR
    folder.mkdir(exist_ok=True)
    # lessonNN-<copy number>-<command>-<date>-<time>.py: the copies of a lesson sort in the order made
    count = len(list(folder.glob(f"lesson{number:02d}-*.py")))
    for sequence in range(count + 1, count + 1000):
        path = folder / f"lesson{number:02d}-{sequence:03d}-{why}-{now.strftime('%Y%m%d-%H%M%S')}.py"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        return path
    raise WorkbookError(f"cannot name a new copy in {folder}")


def _dedent(text):
    return textwrap.dedent(text).strip()


def _rewrite_lesson(workbook, number, body_for, wanted=None):
    """Replace every region of lesson `number` (those cut with it included) in the workbook
    by body_for(reference region), or only the regions for which wanted(reference region,
    workbook text) is true; only the lines between the markers change. Returns the
    (path, function) pairs of the learner's regions written."""
    workbook = Path(workbook)
    written, by_file = [], {}
    for region in reference_regions():
        if region.lesson == number:
            by_file.setdefault(region.path, []).append(region)
    texts = {}
    for name, regions in by_file.items():  # every file is checked before any is written
        target = workbook / PACKAGE / name
        try:
            text = target.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise WorkbookError(f"{target} is missing from the workbook") from None
        for region in regions:
            if wanted is not None and not wanted(region, text):
                continue
            try:
                text = replace_region(
                    text, name, number, region.function, body_for(region), new_indent=region.indent, cut=region.cut
                )
            except RegionError as error:
                raise WorkbookError(str(error)) from None
            if not region.cut:
                written.append((name, region.function))
        texts[name] = text
    with sigint_deferred():  # a lesson spread over two files is written whole or not at all
        for name, text in texts.items():
            target = workbook / PACKAGE / name
            if target.read_text(encoding="utf-8") != text:
                atomic_write(target, text)
    return written


def copy_solution(workbook, number):
    """Put the reference solution of lesson `number` into the workbook (learn skip), after
    keeping a copy of the learner's own code of that lesson. Returns (regions written,
    path of the copy or None)."""
    lesson_by_number(number)  # a ValueError for a lesson that does not exist
    lesson_regions_in(workbook, number)  # the files are there
    kept = keep_copy(workbook, number, "skip")
    written = _rewrite_lesson(workbook, number, lambda region: region.body)
    return written, kept


def reset_lesson(workbook, number):
    """Put lesson `number`'s stubs back (learn reset), after keeping a copy of what they
    replace. Nothing outside that lesson's regions changes. Returns (regions written,
    path of the copy or None)."""
    lesson = lesson_by_number(number)
    lesson_regions_in(workbook, number)
    kept = keep_copy(workbook, number, "reset")
    written = _rewrite_lesson(
        workbook, number, lambda region: stub_line(region, cut_message(number) if region.cut else stub_message(lesson))
    )
    return written, kept


def fill_cut_regions(workbook, numbers):
    """Put back the finished code cut with each lesson in `numbers` (lessons that pass),
    where it is still cut. Returns the (path, function) pairs filled in."""
    filled = []
    for number in numbers:

        def still_cut(region, text):
            if not region.cut:
                return False
            found = [
                r
                for r in find_regions(text, region.path)
                if r.cut and r.lesson == region.lesson and r.function == region.function
            ]
            if found and is_stub(found[0]):
                filled.append((region.path, region.function))
                return True
            return False

        if any(r.cut and r.lesson == number for r in reference_regions()):
            try:
                _rewrite_lesson(workbook, number, lambda region: region.body, wanted=still_cut)
            except (WorkbookError, RegionError, OSError):
                continue  # markers a learner broke: status reports them elsewhere
    return filled


# ----- finished code that the learner changed ----------------------------------------------------


def _outside_lines(text, path):
    """(line number, line) of every line outside the lesson regions (the markers included)."""
    lines = text.splitlines()
    inside = set()
    for region in find_regions(text, path):
        inside.update(range(region.begin + 1, region.end))  # 1-based numbers of the body lines
    return [(i, line) for i, line in enumerate(lines, start=1) if i not in inside]


def _ranges(numbers):
    numbers = sorted(numbers)
    parts, start = [], None
    for i, n in enumerate(numbers):
        if start is None:
            start = n
        if i + 1 == len(numbers) or numbers[i + 1] != n + 1:
            parts.append(f"{start}" if start == n else f"{start}-{n}")
            start = None
    return parts


def outside_changes(workbook):
    """Where the workbook's finished code (outside the lesson regions) differs from the
    package it was made from: a list of (file, description naming the lines)."""
    source = reference_package()
    changes = []
    for name in package_modules(source):
        mine_path = Path(workbook) / PACKAGE / name
        try:
            mine_text = mine_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            changes.append((f"{PACKAGE}/{name}", "the file is missing"))
            continue
        except (OSError, UnicodeDecodeError):
            continue
        reference_text = (source / name).read_text(encoding="utf-8")
        try:
            if "LESSON" in reference_text:  # as `learn init` wrote it
                reference_text = hide_rule_text(reference_text, name, {lesson.number for lesson in LESSONS})
            theirs, mine = _outside_lines(reference_text, name), _outside_lines(mine_text, name)
        except RegionError:
            changes.append(
                (f"{PACKAGE}/{name}", "its lesson markers are broken (`tinygrad-edu learn status` names the line)")
            )
            continue
        a, b = [line.rstrip() for _, line in theirs], [line.rstrip() for _, line in mine]
        if a == b:
            continue
        changed, removed_near = [], []
        for tag, _, _, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if tag in ("replace", "insert"):
                changed.extend(mine[j][0] for j in range(j1, j2))
            elif tag == "delete":
                removed_near.append(mine[j1][0] if j1 < len(mine) else (mine[-1][0] if mine else 1))
        parts = []
        if changed:
            spans = _ranges(changed)
            parts.append(("line " if len(spans) == 1 and "-" not in spans[0] else "lines ") + ", ".join(spans))
        if removed_near:
            parts.append("lines removed near line " + ", ".join(_ranges(removed_near)))
        changes.append((f"{PACKAGE}/{name}", "; ".join(parts)))
    return changes


def workbook_readme():
    rows = "\n".join(
        f"| {lesson.number} | {lesson.title} | "
        + (
            ", ".join(f"`{function}` ({path})" for path, function in lesson.regions)
            or ", ".join(f"`{function}` ({path}) again" for _, path, function in lesson.revisits)
        )
        + " | "
        + ", ".join(f"notebooks/{name}.ipynb" for name in lesson.notebooks)
        + " |"
        for lesson in LESSONS
    )
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
then where to look, then the shape of the code with blanks. `tinygrad-edu learn check N`
runs lesson N alone. `tinygrad-edu learn solution N` shows the reference solution
once lesson N passes (or at once with `--reveal`); `tinygrad-edu learn skip N` copies
it in and `tinygrad-edu learn reset N` puts the stub back. Both first keep a copy of
your code of that lesson in `{BACKUP_DIR}/`.

Run these commands in this folder (learn never looks in a parent folder), or name
it: `tinygrad-edu learn status path/to/this/folder`. (`python -m tinygrad_edu learn ...`
works too, from any folder except this one, where Python would find your copy.)

## The lessons

| # | lesson | you write | notebook |
| --- | --- | --- | --- |
{rows}
"""
