"""The learner's code of one lesson: skip copies the solution in, reset puts the stubs
back, and both first keep a copy of what they replace. Code cut with a lesson comes
back here too, once the lesson passes.

Only the lines between a region's markers change. Every file of a lesson is checked
before any is written, each is replaced atomically, and Ctrl-C waits until the whole
lesson is written.
"""

import datetime
import os
import re
import textwrap
from collections.abc import Callable, Iterable
from pathlib import Path

from ..atomic.files import atomic_write
from ..atomic.interrupts import sigint_deferred
from .errors import WorkbookError
from .lessons import LESSONS, lesson_by_number, stub_message
from .regions import Region, RegionError, cut_message, find_regions, is_stub, replace_region, stub_line
from .workbook import BACKUP_DIR, PACKAGE, reference_regions

__all__ = [
    "lesson_regions_in",
    "keep_copy",
    "shown_solution",
    "copy_solution",
    "still_as_copied",
    "reset_lesson",
    "restore_lesson",
    "latest_copy",
    "fill_cut_regions",
]

# (file inside the package, function) of each region written
Written = list[tuple[str, str]]


def lesson_regions_in(workbook: str | Path, number: int) -> dict[tuple[str, str], Region]:
    """{(path, function): Region} of lesson `number` as the workbook has it now (a region
    whose markers are gone is missing)."""
    found: dict[tuple[str, str], Region] = {}
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


def keep_copy(workbook: str | Path, number: int, why: str) -> Path | None:
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


def _dedent(text: str) -> str:
    return textwrap.dedent(text).strip()


def _rewrite_lesson(
    workbook: str | Path,
    number: int,
    body_for: Callable[[Region], str],
    wanted: Callable[[Region, str], bool] | None = None,
) -> Written:
    """Replace every region of lesson `number` (those cut with it included) in the workbook
    by body_for(reference region), or only the regions for which wanted(reference region,
    workbook text) is true; only the lines between the markers change. Returns the
    (path, function) pairs of the learner's regions written."""
    workbook = Path(workbook)
    written: Written = []
    by_file: dict[str, list[Region]] = {}
    for region in reference_regions():
        if region.lesson == number:
            by_file.setdefault(region.path, []).append(region)
    texts: dict[str, str] = {}
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


def shown_solution(region: Region, passed: Iterable[int]) -> str:
    """The body of a reference region as `skip` copies it and `solution` shows it. A region
    that a challenge asks more of gets the challenge's counterexample (an answer to its own
    lesson, not to the challenge) until the challenge passes: no command shows the
    challenge's answer before that."""
    done = set(passed)
    for lesson in LESSONS:
        if not lesson.challenge or lesson.number in done or region.cut:
            continue
        if (region.lesson, region.path, region.function) in lesson.revisits:
            return textwrap.indent(textwrap.dedent(lesson.counterexample), region.indent)
    return region.body


def still_as_copied(workbook: str | Path, number: int, passed: Iterable[int]) -> bool:
    """True while every region of lesson `number` in the workbook is the solution `skip`
    copies (spaces aside); False once the learner's own code is there."""
    done = list(passed)
    try:
        current = lesson_regions_in(workbook, number)
    except WorkbookError:
        return False
    for region in reference_regions():
        if region.lesson == number and not region.cut:
            mine = current.get(region.key)
            if mine is None or _dedent(mine.body) != _dedent(shown_solution(region, done)):
                return False
    return True


def copy_solution(workbook: str | Path, number: int, passed: Iterable[int] = ()) -> tuple[Written, Path | None]:
    """Put the solution of lesson `number` (`shown_solution`, given the lessons that pass)
    into the workbook (learn skip), after keeping a copy of the learner's own code of that
    lesson. Returns (regions written, path of the copy or None)."""
    lesson_by_number(number)  # a ValueError for a lesson that does not exist
    lesson_regions_in(workbook, number)  # the files are there
    kept = keep_copy(workbook, number, "skip")
    done = list(passed)
    written = _rewrite_lesson(workbook, number, lambda region: shown_solution(region, done))
    return written, kept


def reset_lesson(workbook: str | Path, number: int) -> tuple[Written, Path | None]:
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


_COPY_HEADER = re.compile(rf"^# {PACKAGE}/(?P<path>\S+), (?P<function>\S+) \(was lines \d+-\d+\)$")


def latest_copy(workbook: str | Path, number: int) -> Path | None:
    """The newest copy `keep_copy` made of lesson `number`, or None."""
    copies = sorted((Path(workbook) / BACKUP_DIR).glob(f"lesson{number:02d}-*.py"))
    return copies[-1] if copies else None


def read_copy(path: Path) -> dict[tuple[str, str], str]:
    """{(path, function): body} of a copy written by `keep_copy`."""
    bodies: dict[tuple[str, str], list[str]] = {}
    current: list[str] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _COPY_HEADER.match(line)
        if match:
            current = bodies.setdefault((match["path"], match["function"]), [])
        elif current is not None:
            current.append(line)
    return {key: "\n".join(lines).rstrip("\n") + "\n" for key, lines in bodies.items() if "".join(lines).strip()}


def restore_lesson(workbook: str | Path, number: int) -> tuple[Written, Path | None, Path]:
    """Put the newest kept copy of lesson `number` back into the workbook (learn restore),
    after keeping a copy of what it replaces. Regions the copy does not hold stay as they
    are. Returns (regions written, path of the new copy or None, the copy restored)."""
    lesson = lesson_by_number(number)
    source = latest_copy(workbook, number)
    if source is None:
        raise WorkbookError(f"there is no kept copy of lesson {lesson.number} in {Path(workbook) / BACKUP_DIR}")
    bodies = read_copy(source)
    if not bodies:
        raise WorkbookError(f"{source} holds no code of lesson {lesson.number}")
    current = lesson_regions_in(workbook, number)
    kept = keep_copy(workbook, number, "restore")

    def body_for(region: Region) -> str:
        return bodies.get(region.key, current[region.key].body if region.key in current else region.body)

    def wanted(region: Region, text: str) -> bool:
        return not region.cut and region.key in bodies

    written = _rewrite_lesson(workbook, number, body_for, wanted=wanted)
    return written, kept, source


def fill_cut_regions(workbook: str | Path, numbers: Iterable[int]) -> Written:
    """Put back the finished code cut with each lesson in `numbers` (lessons that pass),
    where it is still cut. Returns the (path, function) pairs filled in."""
    filled: Written = []
    for number in numbers:

        def still_cut(region: Region, text: str) -> bool:
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
