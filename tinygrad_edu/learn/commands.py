"""The `learn` subcommands, one function each: `command(args, out)` returns the exit code.

Each finds the workbook, does its one thing through the modules below it (status,
screens, watch, lesson_code, state) and prints to `out`. Problems the learner can fix
are raised as WorkbookError (errors.py); cli.py prints them.
"""

import argparse
import shlex
import sys
from pathlib import Path
from typing import TextIO

from .errors import WorkbookError
from .lesson_code import copy_solution, reset_lesson, restore_lesson, shown_solution
from .lessons import LESSONS, Lesson, lesson_by_number
from .regions import Region, find_regions, region_function_source, replace_region
from .runner import run_lessons
from .screens import (
    collect_error_lines,
    could_not_run_lines,
    failure_lines,
    hint_level_name,
    lesson_title,
    notebook_line,
    status_screen,
)
from .state import State, load_state, update_state
from .status import current_lesson, places, regions_in_workbook, run_and_record, status_of
from .terminal import COMMAND, Marks, wrap
from .watch import watch as watch_workbook
from .workbook import (
    BACKUP_DIR,
    PACKAGE,
    STATE_FILE,
    enclosing_workbook,
    find_workbook,
    init_workbook,
    locate_workbook,
    reference_package,
    reference_regions,
)

__all__ = ["init", "status", "hint", "check", "watch", "solution", "skip", "reset", "list_lessons", "verify"]


def _print(lines: list[str], out: TextIO) -> None:
    for line in lines:
        print(line, file=out)


# ----- init, status, watch -----------------------------------------------------------------------


def init(args: argparse.Namespace, out: TextIO) -> int:
    workbook = init_workbook(args.dir)
    regions = sum(len(lesson.regions) for lesson in LESSONS)
    print(f"Created the workbook {workbook}", file=out)
    for name, what in (
        (f"{PACKAGE}/", f"your copy of the package, {regions} functions to write"),
        ("README.md", "how to work through it"),
        (STATE_FILE, "your progress (lessons passed, hints seen)"),
    ):
        print(f"  {name:<26} {what}", file=out)
    print("", file=out)
    print("Next:", file=out)
    print(f"  cd {shlex.quote(str(args.dir))}", file=out)
    print(f"  {COMMAND} status", file=out)
    return 0


def status(args: argparse.Namespace, out: TextIO) -> int:
    workbook = locate_workbook(args.dir)
    result, state, newly, filled = run_and_record(workbook)
    now = status_of(workbook, result, state, newly, filled)
    _print(status_screen(now, Marks(out)), out)
    done = now.current is None or now.current.challenge
    return 0 if done and now.ran else 1


def watch(args: argparse.Namespace, out: TextIO) -> int:
    return watch_workbook(locate_workbook(args.dir), out, poll=args.poll)


# ----- hint ----------------------------------------------------------------------------------------


def hint(args: argparse.Namespace, out: TextIO) -> int:
    marks = Marks(out)
    workbook = locate_workbook(args.workbook) if args.workbook is not None else find_workbook(None)
    number = args.number
    if number is None:
        if workbook is None:
            workbook = _workbook_for_hint()
        result = run_lessons(workbook, stop=True)
        current = current_lesson(result) if result.state == "finished" else LESSONS[0]
        if current is None:
            print(
                f"All {len(LESSONS)} lessons pass: no hint needed. (`{COMMAND} hint N` shows lesson N's hints.)",
                file=out,
            )
            return 0
        number = current.number
    lesson = lesson_by_number(number)
    seen, level, solved = _hint_levels(workbook, lesson, args.level)
    print(marks.text(lesson_title(lesson)), file=out)
    if solved:
        print(wrap(f"(Lesson {number} passes already: its hints, to read; they do not count as used.)"), file=out)
    total = len(lesson.hints)
    for i in range(1, level + 1):
        fresh = "  (new)" if i == level and level > seen else ""
        print("", file=out)
        print(f"Hint {i} of {total}, {hint_level_name(i, total)}{fresh}:", file=out)
        _print_hint(lesson.hints[i - 1], marks, out)
    print("", file=out)
    _after_the_hints(number, level, total, solved, args.number is None, out)
    if workbook is None:
        print(wrap("(Outside a workbook no hint levels are remembered; --level K shows the hints up to K.)"), file=out)
    return 0


def _after_the_hints(number: int, level: int, total: int, solved: bool, current: bool, out: TextIO) -> None:
    """What to ask for next: the next hint, or the reference solution."""
    if level < total:
        again = f"`{COMMAND} hint{'' if current else f' {number}'}`"
        print(wrap(f"Ask again ({again}) for {hint_level_name(level + 1, total)}."), file=out)
    elif solved:
        print(wrap(f"`{COMMAND} solution {number}` shows the reference solution, to compare."), file=out)
    else:
        print(
            wrap(f"That was the last hint. `{COMMAND} solution {number} --reveal` shows the reference solution."),
            file=out,
        )


def _workbook_for_hint() -> Path:
    """The current folder's workbook, for `hint` without N. Outside every workbook, the
    error's examples are hint commands, so that following one works."""
    if enclosing_workbook(Path.cwd()) is None:
        raise WorkbookError(
            "this folder is not a workbook, so it has no current lesson to give a hint for. Name the "
            f"workbook (`{COMMAND} hint -w mywork`) or a lesson (`{COMMAND} hint 1`); "
            f"`{COMMAND} init mywork` makes a workbook"
        )
    return locate_workbook(None)  # inside a workbook's subfolder: says where the workbook is


def _hint_levels(workbook: Path | None, lesson: Lesson, asked: int | None) -> tuple[int, int, bool]:
    """(the level seen before, the level to show, whether the lesson passes already): the
    next level, or `asked` (--level); a workbook remembers the highest level shown. For a
    lesson that passes (at the last run), every hint (or up to `asked`) is shown and none
    is remembered: they were not used to solve it."""
    total = len(lesson.hints)
    level = max(1, min(asked, total)) if asked is not None else None
    if workbook is None:
        return 0, level if level is not None else 1, False
    shown: dict[str, int] = {}

    def change(state: State) -> None:  # under the lock: a hint asked in two terminals at once counts once each
        before = state["hints_seen"].get(str(lesson.number), 0)
        if lesson.number in state["passed"]:  # solved without them
            shown.update(before=total, level=level if level is not None else total, solved=1)
            return
        wanted = level if level is not None else min(before + 1, total)
        shown.update(before=before, level=wanted, solved=0)
        if wanted > before:
            state["hints_seen"][str(lesson.number)] = wanted

    update_state(workbook, change)
    return shown["before"], shown["level"], bool(shown["solved"])


def _print_hint(text: str, marks: Marks, out: TextIO) -> None:
    """Prose is wrapped to the terminal; lines indented by four spaces are code, kept as they are."""
    for line in text.split("\n"):
        if line.startswith("    "):
            print(marks.text(f"  {line}"), file=out)
        else:
            print(wrap(marks.text(line), "  "), file=out)


# ----- check -------------------------------------------------------------------------------------


def check(args: argparse.Namespace, out: TextIO) -> int:
    marks = Marks(out)
    workbook = locate_workbook(args.workbook)
    lesson = lesson_by_number(args.number)
    result = run_lessons(workbook, lessons=[lesson.number], show_output=args.verbose)
    print(marks.text(lesson_title(lesson)), file=out)
    if result.state != "finished":
        _print(could_not_run_lines(result, marks), out)
        return 1
    tests = result.tests_of(lesson.number)
    for test in tests:
        if test.outcome == "passed":
            print(marks.text(f"  {marks.passed} {test.name}"), file=out)
        else:
            _print(failure_lines(test, workbook, marks), out)
    error = result.collect_error(lesson.number)
    if error is not None:
        _print(collect_error_lines(error, marks, "the tests"), out)
    print("", file=out)
    if result.outcome(lesson.number) == "passed":
        print(f"{marks.passed} lesson {lesson.number} passes ({len(tests)} tests).", file=out)
        return 0
    failing = sum(t.outcome != "passed" for t in tests)
    print(f"{marks.failed} lesson {lesson.number}: {failing} of {len(tests)} tests fail.", file=out)
    return 1


# ----- solution, skip and reset --------------------------------------------------------------------


def solution(args: argparse.Namespace, out: TextIO) -> int:
    marks = Marks(out)
    lesson = lesson_by_number(args.number)
    if not args.reveal:
        workbook = locate_workbook(args.workbook)
        result = run_lessons(workbook, lessons=[lesson.number])
        if result.outcome(lesson.number) != "passed":
            print(
                wrap(f"Lesson {lesson.number} does not pass in your workbook yet, so its solution stays hidden."),
                file=out,
            )
            print(
                wrap(
                    f"Finish it first (`{COMMAND} status`, `{COMMAND} hint {lesson.number}`), or add "
                    "--reveal to see it anyway."
                ),
                file=out,
            )
            return 1
        print(f"Lesson {lesson.number} passes in your workbook. The reference solution, to compare:", file=out)
    else:
        print(f"The reference solution of lesson {lesson.number}:", file=out)
    print(marks.text(lesson_title(lesson)), file=out)
    passed = _passed_in(args.workbook) if args.reveal else load_state(workbook)["passed"]
    wanted = set(places(lesson))
    for region in reference_regions():
        if region.cut or (region.lesson, region.path, region.function) not in wanted:
            continue
        print("", file=out)
        print(f"# {PACKAGE}/{region.path}, {region.function}", file=out)
        done = passed + [lesson.number] if lesson.challenge else passed
        print(marks.text(_solution_source(region, done).rstrip()), file=out)
        if shown_solution(region, done) != region.body:
            print(
                wrap(
                    f"(A recursive version: lesson {_challenge_of(region)}, a challenge, asks for one that "
                    "works at any depth.)"
                ),
                file=out,
            )
    return 0


def _challenge_of(region: Region) -> int:
    return next(c.number for c in LESSONS if (region.lesson, region.path, region.function) in c.revisits)


def _passed_in(folder: str | None) -> list[int]:
    """The lessons that passed at the last run of the workbook, if there is one here."""
    try:
        return list(load_state(locate_workbook(folder))["passed"])
    except (WorkbookError, OSError):
        return []


def _solution_source(region: Region, passed: list[int]) -> str:
    """The function that holds `region`, with the body `solution` shows (shown_solution)."""
    text = (reference_package() / region.path).read_text(encoding="utf-8")
    body = shown_solution(region, passed)
    if body != region.body:
        text = replace_region(text, region.path, region.lesson, region.function, body, new_indent=region.indent)
        [region] = [r for r in find_regions(text, region.path) if r.key == region.key and r.lesson == region.lesson]
    return region_function_source(text, region)


def _confirm(workbook: Path, lesson: Lesson, args: argparse.Namespace, action: str, out: TextIO) -> bool:
    """True to go on. A lesson that passes is replaced only after a yes: from --yes, or
    typed at the terminal; with no terminal to ask at, the answer is no."""
    if args.yes:
        return True
    result = run_lessons(workbook, lessons=[lesson.number])
    if result.outcome(lesson.number) != "passed":
        return True
    print(
        wrap(
            f"Lesson {lesson.number} passes in your workbook. {action} (a copy of your code is kept in {BACKUP_DIR}/)"
        ),
        file=out,
    )
    stdin = sys.stdin
    if stdin is None or not stdin.isatty():
        print(
            wrap(
                f"Not done: there is no terminal to ask. Add --yes to do it anyway "
                f"(`{COMMAND} {args.learn_command} {lesson.number} --yes`)."
            ),
            file=out,
        )
        return False
    out.write("Go on? [y/N] ")
    out.flush()
    try:
        answer = stdin.readline()
    except KeyboardInterrupt:
        answer = ""
    if answer.strip().lower() in ("y", "yes"):
        return True
    print("Not done: your code is as it was.", file=out)
    return False


def _print_written(written: list[tuple[str, str]], kept: Path | None, out: TextIO, replaced: str = "") -> None:
    """The regions a skip, a reset or a restore wrote, and where the code they replaced
    was kept (`replaced`: what that code was, for the message)."""
    for path, function in written:
        print(f"    {PACKAGE}/{path}  {function}", file=out)
    what = replaced or "your code of this lesson"
    if kept is None:
        print(
            wrap(f"No copy of {what} was made: it was the stub or the reference solution only, nothing of yours."),
            file=out,
        )
    else:
        print(f"A copy of {what} is kept in", file=out)
        print(f"    {kept.relative_to(kept.parent.parent)}", file=out)


def _challenge_has_no_code(lesson: Lesson, command: str, out: TextIO) -> int:
    number, path, function = lesson.revisits[0]
    print(
        wrap(
            f"Lesson {lesson.number} is an optional challenge with no code of its own: it asks more of "
            f"{function} ({PACKAGE}/{path}) from lesson {number}. `{COMMAND} solution {lesson.number} "
            f"--reveal` shows the reference; `{COMMAND} {command} {number}` works on lesson {number}'s code."
        ),
        file=out,
    )
    return 1


def skip(args: argparse.Namespace, out: TextIO) -> int:
    workbook = locate_workbook(args.workbook)
    lesson = lesson_by_number(args.number)
    if lesson.challenge:
        return _challenge_has_no_code(lesson, "skip", out)
    if not _confirm(workbook, lesson, args, "Skipping replaces your code with the reference solution.", out):
        return 1
    # copy_solution marks the lesson skipped in the same step as it writes the files.
    written, kept = copy_solution(workbook, lesson.number, load_state(workbook)["passed"])
    print(f"Copied the reference solution of lesson {lesson.number} into your workbook:", file=out)
    _print_written(written, kept, out)
    print(
        wrap(
            f"Read it with `{COMMAND} solution {lesson.number}`; `{COMMAND} reset {lesson.number}` puts the stub back."
        ),
        file=out,
    )
    return 0


def reset(args: argparse.Namespace, out: TextIO) -> int:
    workbook = locate_workbook(args.workbook)
    lesson = lesson_by_number(args.number)
    if lesson.challenge:
        return _challenge_has_no_code(lesson, "reset", out)
    if all(row.stub for row in regions_in_workbook(workbook, lesson)):
        print(f"Lesson {lesson.number} is still the stub: nothing to reset.", file=out)
        return 0
    if not _confirm(workbook, lesson, args, "Resetting puts its stub back in place of your code.", out):
        return 1
    written, kept = reset_lesson(workbook, lesson.number)  # unmarks the skip in the same step
    print(f"Lesson {lesson.number} is a stub again (nothing else was changed):", file=out)
    _print_written(written, kept, out)
    return 0


def restore(args: argparse.Namespace, out: TextIO) -> int:
    workbook = locate_workbook(args.workbook)
    lesson = lesson_by_number(args.number)
    if lesson.challenge:
        return _challenge_has_no_code(lesson, "restore", out)
    written, kept, source = restore_lesson(workbook, lesson.number)
    print(f"Brought back your code of lesson {lesson.number} from", file=out)
    print(f"    {source.relative_to(workbook)}", file=out)
    print("into:", file=out)
    _print_written(written, kept, out, replaced="the code it replaced")
    print(wrap(f"Run `{COMMAND} status` to see how it does."), file=out)
    return 0


# ----- list and verify -----------------------------------------------------------------------------


def list_lessons(args: argparse.Namespace, out: TextIO) -> int:
    marks = Marks(out)
    for lesson in LESSONS:
        print(marks.text(f"{lesson.number:>2}  {lesson.title}"), file=out)
        seed = f" (seed {lesson.seed})" if lesson.seed else ""
        print(wrap(marks.text(lesson.idea + seed), "      "), file=out)
        functions = ", ".join(f"{function} ({path})" for path, function in lesson.regions)
        if lesson.challenge:
            functions = ", ".join(
                f"{function} ({path}) again, from lesson {n}" for n, path, function in lesson.revisits
            )
        print(wrap(f"you write: {functions}", "      "), file=out)
        notebook = notebook_line(lesson)
        if notebook:
            print(wrap(notebook, "      "), file=out)
    return 0


def verify(args: argparse.Namespace, out: TextIO) -> int:
    from .verify import verify as verify_path

    problems = verify_path(out=out, per_region=not args.quick)
    return 1 if problems else 0
