"""Where a learner stands: run the lessons, record the progress, and gather what the
screens show into one model, `Status`.

`learn status` and `learn watch` both read a Status (screens.py draws it twice: in
full, and fitted to one terminal screen), so what counts as the current lesson, its
failing test or its regions is decided here once.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .lesson_code import Written, fill_cut_regions, still_as_copied
from .lessons import LESSONS, Lesson
from .outside_edits import outside_changes
from .regions import RegionError, find_regions, is_stub
from .runner import RunResult, TestResult, run_lessons
from .state import State, load_state, update_state
from .workbook import PACKAGE

__all__ = [
    "RegionRow",
    "Status",
    "current_lesson",
    "places",
    "record_progress",
    "regions_in_workbook",
    "run_and_record",
    "status_of",
]


def current_lesson(result: RunResult) -> Lesson | None:
    """The first lesson that does not pass, or None when all pass."""
    for lesson in LESSONS:
        if result.outcome(lesson.number) != "passed":
            return lesson
    return None


def record_progress(workbook: Path, result: RunResult) -> tuple[State, list[int], Written]:
    """Remember which lessons pass, and put back the finished code cut with them; returns
    (the state, the lessons that pass now but did not last time, the (file, function)
    pairs put back). The state is read, changed and written under the workbook's lock."""
    newly: list[int] = []
    if result.state != "finished":
        return load_state(workbook), newly, []
    passed = [lesson.number for lesson in LESSONS if result.outcome(lesson.number) == "passed"]

    def change(state: State) -> None:
        newly.extend(n for n in passed if n not in state["passed"])
        state["passed"] = passed
        # a lesson skipped, then passed with the learner's own code, is theirs again
        state["skipped"] = [n for n in state["skipped"] if still_as_copied(workbook, n, passed)]

    state = update_state(workbook, change)
    return state, newly, fill_cut_regions(workbook, passed)


def run_and_record(
    workbook: Path, on_progress: Callable[[int], None] | None = None
) -> tuple[RunResult, State, list[int], Written]:
    """Run the lessons in order and record the progress. When that puts back code cut
    with a lesson that now passes, run once more: a later lesson may need that code."""
    result = run_lessons(workbook, stop=True, on_progress=on_progress)
    state, newly, filled = record_progress(workbook, result)
    if filled:
        result = run_lessons(workbook, stop=True, on_progress=on_progress)
        state, more, again = record_progress(workbook, result)
        newly, filled = newly + [n for n in more if n not in newly], filled + again
    return result, state, newly, filled


@dataclass(frozen=True)
class RegionRow:
    """One region a lesson asks for, as the workbook has it now."""

    path: str  # inside the package, e.g. "engine.py"
    line: int | None  # the BEGIN marker's line + 1; None when the markers were not found
    function: str
    stub: bool | None  # still the stub? None when the markers were not found


def places(lesson: Lesson) -> list[tuple[int, str, str]]:
    """(lesson number, file, function) of the code a lesson asks for: its own regions, or
    for a challenge the earlier regions it revisits."""
    return [(lesson.number, path, function) for path, function in lesson.regions] + list(lesson.revisits)


def regions_in_workbook(workbook: Path, lesson: Lesson) -> list[RegionRow]:
    """Each region of `lesson` in the workbook: where it is, and whether it is still a stub."""
    rows = []
    for number, path, function in places(lesson):
        file = Path(workbook) / PACKAGE / path
        try:
            regions = find_regions(file.read_text(encoding="utf-8"), path)
        except (OSError, RegionError):
            regions = []
        found = [r for r in regions if r.lesson == number and r.function == function and not r.cut]
        if found:
            rows.append(RegionRow(path, found[0].begin + 1, function, is_stub(found[0])))
        else:
            rows.append(RegionRow(path, None, function, None))
    return rows


@dataclass
class Status:
    """What a run of the lessons says about a workbook, for the screens to draw."""

    workbook: Path
    result: RunResult
    state: State
    newly: list[int]  # lessons that pass now and did not before
    filled: Written  # finished code put back because its lesson passes now
    current: Lesson | None  # the first lesson that fails; None when all pass or nothing ran
    failure: TestResult | None = None  # the current lesson's first failing test
    other_failures: int = 0  # its failing tests besides that one
    collect_error: dict[str, Any] | None = None  # when its tests could not be loaded
    regions: list[RegionRow] = field(default_factory=list)  # the current lesson's regions
    outside: list[tuple[str, str]] = field(default_factory=list)  # (file, lines) changed outside the regions

    @property
    def ran(self) -> bool:
        """Whether the lessons ran at all (else `result.error` says why not)."""
        return self.result.state == "finished"

    @property
    def passing(self) -> int:
        """How many lessons pass, counted up to the current one."""
        return len(LESSONS) if self.current is None else self.current.number - 1

    @property
    def to_write(self) -> bool:
        """Whether a region of the current lesson is still the stub."""
        return any(row.stub for row in self.regions)


def status_of(
    workbook: Path,
    result: RunResult,
    state: State,
    newly: Iterable[int] = (),
    filled: Written | None = None,
    look_outside: bool = True,
) -> Status:
    """The Status of `workbook` after the run `result`; with `look_outside`, the finished
    code changed outside the lesson regions too."""
    current = current_lesson(result) if result.state == "finished" else None
    status = Status(workbook, result, state, list(newly), list(filled or []), current)
    if look_outside:
        status.outside = outside_changes(workbook)
    if current is None:
        return status
    status.failure = result.first_failure(current.number)
    if status.failure is not None:
        status.other_failures = sum(t.outcome == "failed" for t in result.tests_of(current.number)) - 1
    else:
        status.collect_error = result.collect_error(current.number)
    status.regions = regions_in_workbook(workbook, current)
    return status
