"""The learner's code of one lesson: skip copies the solution in, reset puts the stubs
back, and both first keep a copy of what they replace. Code cut with a lesson comes
back here too, once the lesson passes.

Only the lines between a region's markers change. Each command holds the workbook's
lock from its first read to its last write; every file of a lesson is checked before
any is written, and the files, the copy and the state are written as one step that
Ctrl-C and SIGTERM wait for (safe_files.write_files). No write follows a link out of
the workbook.
"""

import datetime
import os
import re
import textwrap
from collections.abc import Callable, Iterable
from pathlib import Path

from ..atomic.interrupts import sigint_deferred
from .errors import WorkbookError
from .lessons import LESSONS, lesson_by_number, stub_message
from .regions import (
    Region,
    RegionError,
    cut_message,
    find_regions,
    hide_rule_text,
    is_stub,
    replace_region,
    show_rule_text,
    stub_line,
)
from .safe_files import MAX_MODULE_BYTES, inside_workbook, read_text_limited, safe_umask, write_files
from .state import STATE_FILE, State, load_state, state_lock, state_text
from .workbook import BACKUP_DIR, PACKAGE, reference_package, reference_regions

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


def _regions_of_files(workbook: str | Path, number: int) -> list[Region]:
    """Every marked region, of any lesson, in the workbook's files that lesson `number` edits."""
    found: list[Region] = []
    for path in lesson_by_number(number).files:
        text = _read_module(Path(workbook) / PACKAGE / path)
        try:
            found.extend(find_regions(text, path))
        except RegionError as error:
            raise WorkbookError(f"{error}; put the markers right, then try again") from None
    return found


def lesson_regions_in(workbook: str | Path, number: int) -> dict[tuple[str, str], Region]:
    """{(path, function): Region} of lesson `number` as the workbook has it now (a region
    whose markers are gone is missing)."""
    return {r.key: r for r in _regions_of_files(workbook, number) if r.lesson == number and not r.cut}


def _learner_regions(workbook: str | Path, number: int) -> list[Region]:
    """The regions of lesson `number` in the workbook (those cut with it included) that
    hold the learner's code: neither the stub nor the reference."""
    reference = {(r.key, r.cut): r for r in reference_regions() if r.lesson == number}
    mine = []
    for r in _regions_of_files(workbook, number):
        theirs = reference.get((r.key, r.cut))
        if r.lesson == number and not is_stub(r) and (theirs is None or _dedent(r.body) != _dedent(theirs.body)):
            mine.append(r)
    return mine


def _copy_lines(workbook: str | Path, number: int, why: str, now: datetime.datetime) -> list[str] | None:
    """The text of a copy of the learner's code of lesson `number` (one part a region),
    or None when there is nothing of theirs to keep."""
    lesson = lesson_by_number(number)
    mine = _learner_regions(workbook, number)
    if not mine:
        return None
    lines = [
        f"# Lesson {lesson.number} ({lesson.title}): your code, kept by `tinygrad-edu learn {why}` "
        f"on {now.isoformat(sep=' ', timespec='seconds')}.",
        "# To use it again, paste each part back between its markers.",
        "",
    ]
    for region in mine:
        # finished code cut with the lesson gets its own header: restore leaves it to the learner
        cut = f", code cut with lesson {number}" if region.cut else ""
        lines.append(
            f"# {PACKAGE}/{region.path}, {region.function}{cut} (was lines {region.begin + 1}-{region.end - 1})"
        )
        lines.append(region.body.rstrip("\n"))
        lines.append("")
    return lines


def keep_copy(workbook: str | Path, number: int, why: str) -> Path | None:
    """Save the learner's code of lesson `number` (each region, not whole files; the code
    cut with the lesson included) to a new, timestamped file in the backup folder.
    Returns its path, or None when there was nothing of the learner's to keep (every
    region still the stub or the reference)."""
    now = datetime.datetime.now()
    lines = _copy_lines(workbook, number, why, now)
    if lines is None:
        return None
    folder = Path(workbook) / BACKUP_DIR
    inside_workbook(Path(workbook), folder)
    with safe_umask():
        folder.mkdir(mode=0o755, exist_ok=True)
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


def _read_module(path: Path) -> str:
    """The text of a module of the workbook; WorkbookError when it is missing or is not a
    plain file of reasonable size (a named pipe or a device is never read)."""
    try:
        text = read_text_limited(path)
    except FileNotFoundError:
        raise WorkbookError(f"{path} is missing from the workbook") from None
    if text is None:
        raise WorkbookError(f"{path} is not a plain file of at most {MAX_MODULE_BYTES} bytes; put the module back")
    return text


def _dedent(text: str) -> str:
    return textwrap.dedent(text).strip()


def _rewrite_lesson(
    workbook: str | Path,
    number: int,
    body_for: Callable[[Region], str],
    wanted: Callable[[Region, str], bool] | None = None,
) -> tuple[dict[Path, str], Written]:
    """The new texts of the files of lesson `number` ({path: text}, only those that
    change) with every region of the lesson (those cut with it included) replaced by
    body_for(reference region), or only the regions for which wanted(reference region,
    workbook text) is true; only the lines between the markers change. Also returns
    the (path, function) pairs of the learner's regions written. Nothing is written."""
    workbook = Path(workbook)
    written: Written = []
    by_file: dict[str, list[Region]] = {}
    for region in reference_regions():
        if region.lesson == number:
            by_file.setdefault(region.path, []).append(region)
    texts: dict[Path, str] = {}
    for name, regions in by_file.items():
        target = workbook / PACKAGE / name
        text = before = _read_module(target)
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
        if text != before:
            texts[target] = text
    return texts, written


def _write_lesson(
    workbook: str | Path,
    number: int,
    why: str,
    texts: dict[Path, str],
    change: Callable[[State], None] | None = None,
) -> Path | None:
    """Keep a copy of the learner's code of lesson `number`, then write `texts` and the
    state as `change(state)` leaves it, as one step: Ctrl-C and SIGTERM wait until every
    file is written (call with the workbook's lock held). Returns the copy's path."""
    workbook = Path(workbook)
    with safe_umask(), sigint_deferred():
        kept = keep_copy(workbook, number, why) if why else None
        if change is not None:
            state = load_state(workbook)
            before = state_text(state)
            change(state)
            if state_text(state) != before:
                texts = {**texts, workbook / STATE_FILE: state_text(state)}
        write_files(workbook, texts)
    return kept


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
    done = list(passed)

    def mark_skipped(state: State) -> None:
        if number not in state["skipped"]:
            state["skipped"].append(number)

    with state_lock(workbook):
        lesson_regions_in(workbook, number)  # the files are there
        texts, written = _rewrite_lesson(workbook, number, lambda region: shown_solution(region, done))
        kept = _write_lesson(workbook, number, "skip", texts, mark_skipped)
    return written, kept


def reset_lesson(workbook: str | Path, number: int) -> tuple[Written, Path | None]:
    """Put lesson `number`'s stubs back (learn reset), after keeping a copy of what they
    replace. Nothing outside that lesson's regions changes. Returns (regions written,
    path of the copy or None)."""
    lesson = lesson_by_number(number)

    def unmark_skipped(state: State) -> None:
        state["skipped"] = [n for n in state["skipped"] if n != number]

    with state_lock(workbook):
        lesson_regions_in(workbook, number)
        texts, written = _rewrite_lesson(
            workbook,
            number,
            lambda region: stub_line(region, cut_message(number) if region.cut else stub_message(lesson)),
        )
        texts = _with_rules_hidden(workbook, number, texts)
        kept = _write_lesson(workbook, number, "reset", texts, unmark_skipped)
    return written, kept


def _with_rules_hidden(workbook: str | Path, number: int, texts: dict[Path, str]) -> dict[Path, str]:
    """`texts` (new file texts) with the formulas of lesson `number`'s op classes left out
    again, as `learn init` writes them, in every file of the lesson (a file whose markers
    are broken stays as it is)."""
    texts = dict(texts)
    for name in sorted({r.path for r in reference_regions() if r.lesson == number}):
        target = Path(workbook) / PACKAGE / name
        text = texts.get(target)
        if text is None:
            text = _read_module(target)
        try:
            hidden = hide_rule_text(text, name, {number})
        except (RegionError, SyntaxError):
            continue
        if hidden != text or target in texts:
            texts[target] = hidden
    return texts


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
    with state_lock(workbook):
        return _restore_lesson(workbook, number)


def _restore_lesson(workbook: str | Path, number: int) -> tuple[Written, Path | None, Path]:
    lesson = lesson_by_number(number)
    source = latest_copy(workbook, number)
    if source is None:
        raise WorkbookError(f"there is no kept copy of lesson {lesson.number} in {Path(workbook) / BACKUP_DIR}")
    bodies = read_copy(source)
    if not bodies:
        raise WorkbookError(f"{source} holds no code of lesson {lesson.number}")
    current = lesson_regions_in(workbook, number)

    def body_for(region: Region) -> str:
        return bodies.get(region.key, current[region.key].body if region.key in current else region.body)

    def wanted(region: Region, text: str) -> bool:
        return not region.cut and region.key in bodies

    texts, written = _rewrite_lesson(workbook, number, body_for, wanted=wanted)
    kept = _write_lesson(workbook, number, "restore", texts)
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
                with state_lock(workbook):
                    texts, _ = _rewrite_lesson(workbook, number, lambda region: region.body, wanted=still_cut)
                    _write_lesson(workbook, number, "", texts)
            except (WorkbookError, RegionError, OSError):
                continue  # markers a learner broke: status reports them elsewhere
    _fill_rule_texts(workbook, set(numbers))
    return filled


def _fill_rule_texts(workbook: str | Path, passed: set[int]) -> None:
    """Put back the formulas (text for pictures) that `learn init` left out of the op
    classes of the lessons in `passed`, where they are still left out. Not counted as code
    put back: no test reads them."""
    workbook = Path(workbook)
    source = reference_package()
    texts: dict[Path, str] = {}
    try:
        with state_lock(workbook):
            for name in sorted({r.path for r in reference_regions() if r.lesson in passed and "." in r.function}):
                target = workbook / PACKAGE / name
                text = _read_module(target)
                shown = show_rule_text(text, (source / name).read_text(encoding="utf-8"), passed)
                if shown != text:
                    texts[target] = shown
            if texts:
                with safe_umask(), sigint_deferred():
                    write_files(workbook, texts)
    except (WorkbookError, OSError):
        return  # a module a learner broke: status reports it elsewhere
