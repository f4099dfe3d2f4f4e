"""Finished code the learner changed: the lines outside the lesson regions that differ
from the package the workbook was made from (the tests may then not test what they say)."""

import difflib
from pathlib import Path

from .lessons import LESSONS
from .regions import RegionError, find_regions, hide_rule_text
from .safe_files import read_text_limited
from .workbook import PACKAGE, package_modules, reference_package

__all__ = ["outside_changes"]

# (line number, line) of the lines outside the lesson regions
Lines = list[tuple[int, str]]


def _outside_lines(text: str, path: str) -> Lines:
    """(line number, line) of every line outside the lesson regions (the markers included)."""
    lines = text.splitlines()
    inside: set[int] = set()
    for region in find_regions(text, path):
        inside.update(range(region.begin + 1, region.end))  # 1-based numbers of the body lines
    return [(i, line) for i, line in enumerate(lines, start=1) if i not in inside]


def _ranges(numbers: list[int]) -> list[str]:
    """Sorted numbers as runs: [3, 4, 5, 9] gives ["3-5", "9"]."""
    numbers = sorted(numbers)
    parts: list[str] = []
    start = None
    for i, n in enumerate(numbers):
        if start is None:
            start = n
        if i + 1 == len(numbers) or numbers[i + 1] != n + 1:
            parts.append(f"{start}" if start == n else f"{start}-{n}")
            start = None
    return parts


def outside_changes(workbook: str | Path) -> list[tuple[str, str]]:
    """Where the workbook's finished code (outside the lesson regions) differs from the
    package it was made from: a list of (file, description naming the lines)."""
    source = reference_package()
    changes = []
    for name in package_modules(source):
        where = _changes_in(Path(workbook) / PACKAGE / name, source / name, name)
        if where:
            changes.append((f"{PACKAGE}/{name}", where))
    return changes


def _changes_in(mine_path: Path, reference_path: Path, name: str) -> str | None:
    """What changed outside the regions of one file, or None when nothing did (or the
    file cannot be read)."""
    try:
        mine_text = read_text_limited(mine_path)  # a named pipe or a device is never read
    except FileNotFoundError:
        return "the file is missing"
    if mine_text is None:
        return "it is not a plain file of a module's size"
    reference_text = reference_path.read_text(encoding="utf-8")
    try:
        compile(mine_text, str(mine_path), "exec")
    except (SyntaxError, ValueError):
        return None  # the run reports the syntax error, with its line; the markers may be fine
    try:
        if "LESSON" in reference_text:  # as `learn init` wrote it
            every = {lesson.number for lesson in LESSONS}
            reference_text = hide_rule_text(reference_text, name, every)
            # the formulas put back once their lesson passes are compared as left out
            mine_text = hide_rule_text(mine_text, name, every)
        theirs, mine = _outside_lines(reference_text, name), _outside_lines(mine_text, name)
    except RegionError:
        return "its lesson markers are broken (`tinygrad-edu learn status` names the line)"
    return _describe_difference(theirs, mine)


def _describe_difference(theirs: Lines, mine: Lines) -> str | None:
    """The learner's lines that differ from the reference's, as "lines 3-5, 9; lines
    removed near line 12"; None when they are the same (trailing spaces aside)."""
    a, b = [line.rstrip() for _, line in theirs], [line.rstrip() for _, line in mine]
    if a == b:
        return None
    changed: list[int] = []
    removed_near: list[int] = []
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
    return "; ".join(parts)
