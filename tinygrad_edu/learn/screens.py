"""The two screens of a Status: `learn status` prints it in full, `learn watch` fits it
on one 80x24 terminal screen, failing test first.

Both draw the same model (status.py) with the same pieces: a failing test, the lines
of an error that kept the lessons from running, a lesson's regions, the hint line.
"""

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .lessons import LESSONS, Lesson
from .reading import notebook_list, notebooks_after, shown_after
from .regions import RegionError, find_regions
from .runner import TESTS_DIR, RunResult, TestResult
from .state import State
from .status import RegionRow, Status, status_of
from .terminal import COMMAND, WIDTH, Marks, fold, shown_path, wrap
from .workbook import PACKAGE

__all__ = [
    "could_not_run_lines",
    "failure_lines",
    "hint_level_name",
    "lesson_title",
    "notebook_line",
    "read_next_lines",
    "status_screen",
    "watch_screen",
]

_HINT_LEVELS = ("the idea", "where to look", "a worked example")


def hint_level_name(level: int, total: int) -> str:
    """What hint `level` of `total` gives: the idea, where to look, a worked example of another case."""
    if total == len(_HINT_LEVELS):
        return _HINT_LEVELS[level - 1]
    return "a nudge" if level == 1 else "closer" if level < total else "a worked example"


def lesson_title(lesson: Lesson) -> str:
    return f"Lesson {lesson.number}: {lesson.title}"


# ----- the pieces both screens use -----------------------------------------------------------------


def _learner_frame(test: TestResult, workbook: Path) -> dict[str, Any] | None:
    """The deepest call of the failure that lies in a lesson region (the learner's own
    code), else the deepest call in the package; None when the failure is in the test."""
    frames = test.frames or []
    regions = {}
    for frame in reversed(frames):
        name = frame["file"]
        if name not in regions:
            try:
                path = Path(workbook) / name
                regions[name] = find_regions(path.read_text(encoding="utf-8"), name)
            except (OSError, RegionError):
                regions[name] = []
        if any(r.begin < frame["line"] < r.end for r in regions[name]):
            return frame
    return frames[-1] if frames else None


def _where_it_was_raised(test: TestResult, workbook: Path, indent: str) -> list[str]:
    """The line of the learner's code (or the package's) that raised, and why it matters."""
    frame = _learner_frame(test, workbook)
    if frame is None:
        return []
    where = f"{frame['file']}, line {frame['line']}, in {frame['function']}"
    if test.exception == "NotImplementedError" and "cut from your workbook" in (test.message or ""):
        return fold(f"raised at {where}: finished code that comes back once that lesson passes", indent)
    if test.exception == "NotImplementedError":
        return fold(f"raised by the stub at {where}: write your code there in place of the raise", indent)
    lines = fold(f"raised at {where}" + (":" if frame["code"] else ""), indent)
    if frame["code"]:
        lines += fold(frame["code"], indent + "    ")
    return lines


def failure_lines(test: TestResult, workbook: Path, marks: Marks, indent: str = "    ") -> list[str]:
    """A failing test: its name, its message, where it was raised and the line of the test."""
    lines = fold(f"{marks.failed} {test.name}" + (f"  ({test.doc})" if test.doc else ""), indent[:-2], "    ")
    for line in (test.message or test.outcome).splitlines():
        lines += fold(line, indent + line[: len(line) - len(line.lstrip())], "    ") if line.strip() else [""]
    lines += _where_it_was_raised(test, workbook, indent)
    if test.test_line and test.exception not in ("NotImplementedError", "AssertionError"):
        place, _, code = test.test_line.partition(": ")
        lines += fold(f"in the test, {_test_place(place)}:", indent)
        lines += fold(code, indent + "    ")
    return [marks.text(line) for line in lines]


def _test_place(place: str) -> str:
    """ "test_x.py, line N" with the path of the lesson tests the learner can open (they
    are not in the workbook: they come with the installed package)."""
    name, comma, line = place.partition(",")
    path = TESTS_DIR / name
    if not path.is_file():
        return place
    return shown_path(path) + comma + line


def collect_error_lines(error: dict[str, Any], marks: Marks, what: str) -> list[str]:
    """Tests that could not be loaded: the last lines of the error."""
    lines = [f"  {marks.failed} {what} could not be loaded:"]
    lines += [marks.text(f"    {line}") for line in error["message"].strip().splitlines()[-6:]]
    return lines


def _could_not_run_headline(result: RunResult, marks: Marks) -> str:
    if result.state == "import-error":
        return f"{marks.failed} Python cannot import your {PACKAGE}, so no lesson can run:"
    return f"{marks.failed} The lessons could not run ({result.state}):"


def _error_texts(result: RunResult) -> list[str]:
    """What kept the lessons from running, and where."""
    error = result.error or {}
    texts = [f"{error.get('type', 'Error')}: {error.get('message', '')}"]
    if error.get("where"):
        texts.append(f"at {error['where']}" + (f":  {error['code']}" if error.get("code") else ""))
    return texts


def _region_row(row: RegionRow) -> str:
    """One region: where it is, the function, and whether it is still the stub."""
    location = f"{PACKAGE}/{row.path}:{row.line}" if row.line else f"{PACKAGE}/{row.path}"
    note = {True: "still the stub", False: "edited", None: "markers not found: put them back"}[row.stub]
    return f"{location:<30} {row.function:<24} ({note})"


def _stuck_line(lesson: Lesson, state: State) -> str:
    seen = state["hints_seen"].get(str(lesson.number), 0)
    total = len(lesson.hints)
    if seen < total:
        return f"Stuck? `{COMMAND} hint` shows hint {seen + 1} of {total} ({hint_level_name(seen + 1, total)})."
    return (
        f"Still stuck after all {total} hints? `{COMMAND} solution {lesson.number} --reveal` shows the "
        f"reference, and `{COMMAND} skip {lesson.number}` copies it in."
    )


def read_next_lines(status: Status, indent: str = "") -> list[str]:
    """The notebooks that the lessons passing now make readable (reading.py): they derive
    the rules just written, so they come only after."""
    passed = [lesson.number for lesson in LESSONS if status.result.outcome(lesson.number) == "passed"]
    before = [n for n in passed if n not in status.newly]
    names = notebooks_after(before, passed)
    if not status.ran or not names:
        return []
    return fold(f"Read next: {notebook_list(names)} (the same rules, derived)", indent)


def notebook_line(lesson: Lesson) -> str | None:
    """The notebooks that become readable once `lesson` passes, framed as reading for after."""
    names = shown_after(lesson)
    return f"Read once it passes: {notebook_list(names)}" if names else None


def _compare_line() -> str:
    return f"Compare your code with the reference: `{COMMAND} solution N`."


# ----- `learn status`: the whole of it ---------------------------------------------------------------


def status_screen(status: Status, marks: Marks) -> list[str]:
    """The lines `learn status` prints (a line may hold several, wrapped to the terminal)."""
    lines = [f"Workbook {status.workbook}"]
    lines += [
        marks.text(f"{marks.passed} Lesson {n} passes now. (`{COMMAND} solution {n}` to compare)") for n in status.newly
    ]
    lines += read_next_lines(status, "  ")
    if not status.ran:
        lines += _could_not_run(status.result, marks)
    else:
        lines += _lesson_table(status, marks)
        lines += _all_pass(marks) if status.current is None else _current_lesson(status, marks)
    if status.filled:
        names = ", ".join(f"{function}() in {path}" for path, function in status.filled)
        lines.append(wrap(f"Finished code that would have given the lesson away is back in your workbook: {names}."))
    return lines + _outside_changes(status, marks)


def could_not_run_lines(result: RunResult, marks: Marks) -> list[str]:
    """Why a run did not finish, and where, without the lesson table."""
    lines = [_could_not_run_headline(result, marks)]
    lines += [marks.text(f"    {text}") for text in _error_texts(result)]
    return lines + [f"Fix that, then run `{COMMAND} status` again."]


def _could_not_run(result: RunResult, marks: Marks) -> list[str]:
    rows = []
    for lesson in LESSONS:
        mark = {"passed": marks.passed, "failed": marks.failed}.get(result.outcome(lesson.number), " ")
        rows.append(marks.text(f"{mark}  {lesson.number:>2}  {lesson.title}"))
    lines = ["", *rows, ""]
    lines.append(_could_not_run_headline(result, marks))
    lines += [marks.text(f"    {text}") for text in _error_texts(result)]
    return lines + [f"Fix that, then run `{COMMAND} status` again."]


def _lesson_table(status: Status, marks: Marks, width: int = 32) -> list[str]:
    """The progress bar, then one line per lesson: passes, fails (the current one), or not yet."""
    total, done = len(LESSONS), status.passing
    filled = round(width * done / total) if total else width
    lines = [f"[{marks.full * filled}{marks.empty * (width - filled)}] {done}/{total} lessons pass", ""]
    for lesson in LESSONS:
        outcome = status.result.outcome(lesson.number)
        tests = status.result.tests_of(lesson.number)
        if outcome == "passed":
            mark = marks.passed
            note = "solution copied by skip" if lesson.number in status.state["skipped"] else ""
        elif status.current is not None and lesson.number == status.current.number:
            failing = sum(t.outcome == "failed" for t in tests)
            mark = marks.failed
            note = f"{failing} of {len(tests)} tests fail" if tests else "its tests could not be loaded"
        else:
            mark, note = " ", ""
        line = f"{mark}  {lesson.number:>2}  {lesson.title}"
        if note:
            line = (
                f"{line:<{WIDTH - len(note) - 2}} {note}" if len(line) + len(note) < WIDTH - 1 else f"{line}  ({note})"
            )
        lines.append(marks.text(line))
    return lines + [""]


def _all_pass(marks: Marks) -> list[str]:
    total = len(LESSONS)
    return [
        wrap(f"All {total} lessons pass: you have rebuilt the engine, from + and * to a network that learns XOR."),
        _compare_line(),
    ]


def _current_lesson(status: Status, marks: Marks) -> list[str]:
    """The lesson to work on: its idea, its first failing test, and where its code goes."""
    current = status.current
    assert current is not None
    lines = []
    if current.challenge:
        lines.append(
            wrap(
                f"All {len(LESSONS) - 1} lessons of the path pass: you have rebuilt the engine. One optional "
                "challenge remains:"
            )
        )
    lines += [marks.text(lesson_title(current)), wrap(marks.text(current.idea), "  "), ""]
    if status.failure is not None:
        lines += failure_lines(status.failure, status.workbook, marks)
        others = status.other_failures
        if others:
            lines.append(
                f"  (and {others} more failing test{'s' if others > 1 else ''}: "
                f"`{COMMAND} check {current.number}` shows each)"
            )
    elif status.collect_error is not None:
        lines += collect_error_lines(status.collect_error, marks, f"the tests of lesson {current.number}")
    return lines + [""] + _next_step(status, current)


def _next_step(status: Status, lesson: Lesson) -> list[str]:
    number = lesson.revisits[0][0] if lesson.challenge else lesson.number
    if lesson.challenge:
        lines = [f"Next (optional): lesson {lesson.number} asks more of your lesson {number} code."]
    elif status.to_write:
        lines = [f"Next: lesson {lesson.number} is yours to write."]
    else:
        lines = [f"Next: fix lesson {lesson.number} (the test above says what is off)."]
    lines.append(f"It goes between the lines '# BEGIN LESSON {number}' and '# END LESSON {number}' in:")
    lines += [f"    {_region_row(row)}" for row in status.regions]
    lines.append(f"  then run `{COMMAND} status` again, or keep `learn watch` running.")
    return lines + [wrap(_stuck_line(lesson, status.state))]


def _outside_changes(status: Status, marks: Marks) -> list[str]:
    changes = status.outside
    if not changes:
        return []
    lines = [
        marks.text("! Finished code outside the lesson regions was changed, so the tests"),
        "  may not test what they say:",
    ]
    lines += [wrap(f"{name}: {where}", "    ") for name, where in changes[:4]]
    if len(changes) > 4:
        lines.append(f"    (and {len(changes) - 4} more files)")
    lines.append("  Undo those edits so that the tests check what they say.")
    from .. import __version__

    made_by = status.state.get("tinygrad_edu_version")
    if made_by != __version__:
        lines.append(
            wrap(
                f"(This workbook was made by tinygrad_edu {made_by}; the installed package is {__version__}, "
                "so some differences may come from the upgrade.)",
                "  ",
            )
        )
    return lines


# ----- `learn watch`: one screen -----------------------------------------------------------------


def watch_screen(
    workbook: Path,
    result: RunResult,
    state: State,
    newly: Iterable[int] = (),
    height: int = 24,
    filled: list[tuple[str, str]] | None = None,
) -> list[str]:
    """What `learn watch` shows after a run: at most `height` - 1 lines of at most 80
    columns, the failing test first, the lesson list folded to one line; then, when
    finished code came back, one line naming it."""
    return fitted_screen(status_of(workbook, result, state, newly, filled), Marks(sys.stdout), height)


def fitted_screen(status: Status, marks: Marks, height: int = 24) -> list[str]:
    """`status` on at most `height` - 1 lines (the last is the caller's "watching" line)."""
    head = [f"{marks.passed} Lesson {n} passes now. (`{COMMAND} solution {n}` to compare)" for n in status.newly]
    head += read_next_lines(status, "  ")
    body: list[str] = []
    tail: list[str] = []
    current = status.current
    if not status.ran:
        head.append(_could_not_run_headline(status.result, marks))
        for text in _error_texts(status.result):
            body += fold(text, "    ")
    elif current is None:
        head.append(f"All {len(LESSONS)} lessons pass: you have rebuilt the engine.")
        body.append(_compare_line())
    else:
        head += _fitted_title(current)
        body += _fitted_failure(status, current, marks)
        tail += _fitted_regions(status, current)
    if status.outside:
        changes = "; ".join(f"{name} {where}" for name, where in status.outside)
        tail += fold("! Finished code outside the lessons changed: " + changes, "")[:2]
    tail.append(_folded_lessons(status, marks))
    room = height - 2 - len(head) - len(tail) - 1  # the last line is the "watching" line
    if len(body) > room:
        body = body[: max(1, room - 1)] + [f"  ... (`{COMMAND} check {current.number if current else 1}` shows it all)"]
    lines = [marks.text(line)[:WIDTH] for line in head + body + [""] + tail]
    if status.filled:
        lines.append(marks.text(f"(back, now that it passes: {', '.join(f for _, f in status.filled)})")[:WIDTH])
    return lines


def _fitted_title(current: Lesson) -> list[str]:
    """The lesson's title with the count of lessons that pass, on one line when it fits."""
    total = len(LESSONS)
    lines = [f"All {total - 1} lessons of the path pass. Optional:"] if current.challenge else []
    title = lesson_title(current)
    count = f"{current.number - 1} of {total} pass"
    lines.append(title if len(title) + len(count) + 2 > WIDTH else f"{title:<{WIDTH - len(count) - 1}} {count}")
    return lines


def _fitted_failure(status: Status, current: Lesson, marks: Marks) -> list[str]:
    if status.failure is not None:
        lines = failure_lines(status.failure, status.workbook, marks)
        if status.other_failures:
            lines.append(f"  (and {status.other_failures} more failing: `{COMMAND} check {current.number}`)")
        return lines
    if status.collect_error is not None:
        return collect_error_lines(status.collect_error, marks, f"the tests of lesson {current.number}")
    return []


def _fitted_regions(status: Status, current: Lesson) -> list[str]:
    """Where the code goes: one line per region, or for many, one line per file."""
    rows = status.regions
    lines = ["Write it in:" if status.to_write else "Your code is in:"]
    if len(rows) <= 4:
        lines += [f"  {_region_row(row)}" for row in rows]
    else:  # one line per file: the functions with their first line
        for path in dict.fromkeys(row.path for row in rows):
            names = ", ".join(f"{r.function}:{r.line}" + ("" if r.stub else "*") for r in rows if r.path == path)
            lines += fold(f"{PACKAGE}/{path}  {names}", "  ", "    ")
        if not all(row.stub for row in rows):
            lines.append("  (* edited)")
    return lines + fold(_stuck_line(current, status.state), "")


def _folded_lessons(status: Status, marks: Marks) -> str:
    """The lesson list on one line: passing lessons as ranges, the current one, the rest."""

    def span(numbers: list[int]) -> str:
        return f"{numbers[0]}" if len(numbers) == 1 else f"{numbers[0]}-{numbers[-1]}"

    result, current = status.result, status.current
    if not status.ran:
        passed = [lesson.number for lesson in LESSONS if result.outcome(lesson.number) == "passed"]
        return f"Lessons: {marks.passed} {span(passed)}, the rest not run" if passed else "Lessons: not run"
    if current is None:
        return f"Lessons: {marks.passed} 1-{len(LESSONS)}, all pass"
    passed = [lesson.number for lesson in LESSONS if result.outcome(lesson.number) == "passed"]
    parts = []
    before = [n for n in passed if n < current.number]
    if before:
        parts.append(f"{marks.passed} {span(before)}")
    parts.append(f"{marks.failed} {current.number}")
    after = [lesson.number for lesson in LESSONS if lesson.number > current.number]
    if after:
        passing_after = [n for n in passed if n > current.number]
        parts.append(f"then {span(after)}" + (f" ({len(passing_after)} pass)" if passing_after else ""))
    return "Lessons: " + "   ".join(parts)
