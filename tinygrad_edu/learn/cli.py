"""`tinygrad-edu learn ...`: the commands of the learning path.

init DIR         make a workbook: your copy of the package, lesson regions stubbed
status [DIR]     run the lessons in order, stop at the first failing one, say what next
hint [N]         the next hint for lesson N (default: the current lesson)
check N          run lesson N alone and show every test
watch [DIR]      re-run the lessons whenever a file of the workbook is saved
solution N       the reference solution, once lesson N passes (or with --reveal)
skip N           copy the reference solution of lesson N into the workbook
reset N          put lesson N's stubs back (your code is kept in a copy)
list             the lessons
verify           the maintainers' check of the whole path
"""

import argparse
import io
import os
import queue
import shlex
import shutil
import sys
import textwrap
import threading
import time
from pathlib import Path

from .lessons import LESSONS, lesson_by_number
from .regions import RegionError, find_regions, region_function_source
from .runner import pytest_available, run_lessons
from .workbook import (
    BACKUP_DIR,
    PACKAGE,
    STATE_FILE,
    WorkbookError,
    copy_solution,
    enclosing_workbook,
    fill_cut_regions,
    find_workbook,
    init_workbook,
    is_stub,
    load_state,
    outside_changes,
    reference_package,
    reference_regions,
    reset_lesson,
    update_state,
)

__all__ = ["add_parser", "run"]

COMMAND = "tinygrad-edu learn"


class _Marks:
    """Marks and bar characters, in plain ASCII when the output cannot show Unicode."""

    def __init__(self, stream):
        encoding = getattr(stream, "encoding", None) or "ascii"
        try:
            "✓✗█░—".encode(encoding)
            unicode = True
        except (UnicodeEncodeError, LookupError):
            unicode = False
        self.passed, self.failed = ("✓", "✗") if unicode else ("+", "x")
        self.full, self.empty = ("█", "░") if unicode else ("#", ".")
        self.unicode = unicode

    _ASCII = str.maketrans({"✓": "+", "✗": "x", "█": "#", "░": ".", "—": "-", "·": "."})

    def text(self, s):
        if self.unicode:
            return s
        return s.translate(self._ASCII).encode("ascii", "replace").decode("ascii")


WIDTH = 80  # every line fits an 80-column terminal


def _width():
    return max(40, min(WIDTH, shutil.get_terminal_size((WIDTH, 24)).columns))


def _wrap(text, indent="", width=None):
    return textwrap.fill(
        text,
        width=(width or _width()),
        initial_indent=indent,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


# ----- the parser ------------------------------------------------------------------------------


def add_parser(commands):
    """Add the `learn` command and its subcommands to `commands` (an argparse subparsers object)."""
    learn = commands.add_parser(
        "learn",
        help="rebuild the engine yourself, lesson by lesson, checked by tests",
        description="The learning path: rebuild tinygrad_edu lesson by lesson. Start with "
        "`tinygrad-edu learn init mywork`, then `cd mywork` and `tinygrad-edu learn status`.",
    )
    learn.set_defaults(learn_parser=learn)  # so that `tinygrad-edu learn` alone can print this help
    sub = learn.add_subparsers(dest="learn_command", metavar="SUBCOMMAND")

    p = sub.add_parser("init", help="make a workbook: your own copy of the package with the lessons to write")
    p.add_argument("dir", metavar="DIR", help="a new (or empty) folder for the workbook")

    p = sub.add_parser("status", help="run the lessons in order and show what to do next")
    p.add_argument("dir", metavar="DIR", nargs="?", help="the workbook (default: the current folder)")

    p = sub.add_parser("hint", help="the next hint for a lesson, from gentle to explicit")
    p.add_argument("number", metavar="N", nargs="?", type=_lesson_number, help="the lesson (default: the current one)")
    p.add_argument("--level", type=int, help="show the hints up to this level, whatever you have seen")
    _workbook_option(p)

    p = sub.add_parser("check", help="run one lesson and show each of its tests")
    p.add_argument("number", metavar="N", type=_lesson_number, help="the lesson")
    p.add_argument("-v", "--verbose", action="store_true", help="show pytest's own output too")
    _workbook_option(p)

    p = sub.add_parser("watch", help="re-run the lessons each time you save a file of the workbook (Ctrl-C stops)")
    p.add_argument("dir", metavar="DIR", nargs="?", help="the workbook (default: the current folder)")
    p.add_argument(
        "--poll",
        action="store_true",
        help="look at the files every 0.3 s instead of waiting for the system's change events "
        "(for network drives and containers where saves go unnoticed)",
    )

    p = sub.add_parser("solution", help="the reference solution of a lesson (once it passes, or with --reveal)")
    p.add_argument("number", metavar="N", type=_lesson_number, help="the lesson")
    p.add_argument("--reveal", action="store_true", help="show it even though the lesson does not pass yet")
    _workbook_option(p)

    p = sub.add_parser("skip", help="copy the reference solution of a lesson into your workbook")
    p.add_argument("number", metavar="N", type=_lesson_number, help="the lesson")
    p.add_argument("-y", "--yes", action="store_true", help="do not ask, even when the lesson passes already")
    _workbook_option(p)

    p = sub.add_parser("reset", help="put a lesson's stubs back (a copy of your code is kept)")
    p.add_argument("number", metavar="N", type=_lesson_number, help="the lesson")
    p.add_argument("-y", "--yes", action="store_true", help="do not ask, even when the lesson passes")
    _workbook_option(p)

    sub.add_parser("list", help="the lessons, their ideas and the functions you write")

    p = sub.add_parser("verify", help="maintainers: check that every solution passes and every stub fails")
    p.add_argument("--quick", action="store_true", help="skip the check that every single region is tested")
    return learn


def _workbook_option(parser):
    parser.add_argument("-w", "--workbook", metavar="DIR", help="the workbook (default: the current folder)")


def _lesson_number(text):
    try:
        number = int(text)
        lesson_by_number(number)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a lesson number from 1 to {len(LESSONS)}, got {text!r}") from None
    return number


# ----- running a command -----------------------------------------------------------------------


def run(args, out=None):
    """Run the `learn` subcommand in `args` (parsed by a parser that `add_parser` extended);
    returns the exit code."""
    out = out if out is not None else sys.stdout
    command = getattr(args, "learn_command", None)
    if command is None:
        args.learn_parser.print_help(out)
        return 2
    handlers = {
        "init": _init,
        "status": _status,
        "hint": _hint,
        "check": _check,
        "watch": _watch,
        "solution": _solution,
        "skip": _skip,
        "reset": _reset,
        "list": _list,
        "verify": _verify,
    }
    if (
        command in ("status", "hint", "check", "watch", "solution", "skip", "reset", "verify")
        and not pytest_available()
    ):
        print(
            f"{COMMAND}: error: the lessons are checked by pytest, which is not installed (pip install pytest)",
            file=sys.stderr,
        )
        return 2
    try:
        return handlers[command](args, out)
    except WorkbookError as error:
        print(f"{COMMAND} {command}: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (`... | head`): stop quietly
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 1


def _locate(folder):
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


# ----- init ------------------------------------------------------------------------------------


def _init(args, out):
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


# ----- status ----------------------------------------------------------------------------------


def _progress_bar(done, total, marks, width=32):
    filled = round(width * done / total) if total else width
    return f"[{marks.full * filled}{marks.empty * (width - filled)}] {done}/{total} lessons pass"


def _current_lesson(result):
    """The first lesson that does not pass, or None when all pass."""
    for lesson in LESSONS:
        if result.outcome(lesson.number) != "passed":
            return lesson
    return None


def _learner_frame(test, workbook):
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


def _fold(text, indent, more="  "):
    """`text` on lines of at most _width() columns: `indent` first, `indent + more` after."""
    width = _width()
    if len(indent + text) <= width:
        return [indent + text]
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=indent,
        subsequent_indent=indent + more,
        break_long_words=True,
        break_on_hyphens=False,
    ) or [indent]


def _show_failure(test, marks, out, workbook, indent="    "):
    lines = _fold(f"{marks.failed} {test.name}" + (f"  ({test.doc})" if test.doc else ""), indent[:-2], "    ")
    for line in (test.message or test.outcome).splitlines():
        lines += _fold(line, indent + line[: len(line) - len(line.lstrip())], "    ") if line.strip() else [""]
    frame = _learner_frame(test, workbook)
    where = f"{frame['file']}, line {frame['line']}, in {frame['function']}" if frame else None
    if test.exception == "NotImplementedError" and where and "cut from your workbook" in (test.message or ""):
        lines += _fold(f"raised at {where}: finished code that comes back once that lesson passes", indent)
    elif test.exception == "NotImplementedError" and where:
        lines += _fold(f"raised by the stub at {where}: write your code there in place of the raise", indent)
    elif where:
        lines += _fold(f"raised at {where}" + (":" if frame["code"] else ""), indent)
        if frame["code"]:
            lines += _fold(frame["code"], indent + "    ")
    if test.test_line and test.exception not in ("NotImplementedError", "AssertionError"):
        place, _, code = test.test_line.partition(": ")
        lines += _fold(f"in the test, {place}:", indent)
        lines += _fold(code, indent + "    ")
    for line in lines:
        print(marks.text(line), file=out)


def _places(lesson):
    """(lesson number, file, function) of the code a lesson asks for: its own regions, or
    for a challenge the earlier regions it revisits."""
    return [(lesson.number, path, function) for path, function in lesson.regions] + list(lesson.revisits)


def _regions_in_workbook(workbook, lesson):
    """(path, line, function, still a stub?) for each region of `lesson` in the workbook."""
    rows = []
    for number, path, function in _places(lesson):
        file = Path(workbook) / PACKAGE / path
        try:
            regions = find_regions(file.read_text(encoding="utf-8"), path)
        except (OSError, RegionError):
            regions = []
        found = [r for r in regions if r.lesson == number and r.function == function and not r.cut]
        if found:
            region = found[0]
            rows.append((path, region.begin + 1, function, is_stub(region)))
        else:
            rows.append((path, None, function, None))
    return rows


def _show_next_step(workbook, lesson, state, out, watching=False):
    rows = _regions_in_workbook(workbook, lesson)
    number = lesson.revisits[0][0] if lesson.challenge else lesson.number
    if lesson.challenge:
        print(f"Next (optional): lesson {lesson.number} asks more of your lesson {number} code.", file=out)
    elif any(stub for _, _, _, stub in rows):
        print(f"Next: lesson {lesson.number} is yours to write.", file=out)
    else:
        print(f"Next: fix lesson {lesson.number} (the test above says what is off).", file=out)
    print(f"It goes between the lines '# BEGIN LESSON {number}' and '# END LESSON {number}' in:", file=out)
    for row in _region_rows(rows):
        print(f"    {row}", file=out)
    if watching:
        print("  then save the file: the lessons run again by themselves.", file=out)
    else:
        print(f"  then run `{COMMAND} status` again, or keep `learn watch` running.", file=out)
    print(_wrap(_stuck_line(lesson, state)), file=out)


def _region_rows(rows):
    """One line per region: where it is, the function, and whether it is still the stub."""
    lines = []
    for path, line, function, stub in rows:
        location = f"{PACKAGE}/{path}:{line}" if line else f"{PACKAGE}/{path}"
        note = {True: "still the stub", False: "edited", None: "markers not found: put them back"}[stub]
        lines.append(f"{location:<27} {function:<24} ({note})")
    return lines


def _stuck_line(lesson, state):
    seen = state["hints_seen"].get(str(lesson.number), 0)
    total = len(lesson.hints)
    if seen < total:
        return f"Stuck? `{COMMAND} hint` shows hint {seen + 1} of {total} ({_level_name(seen + 1, total)})."
    return (
        f"Still stuck after all {total} hints? `{COMMAND} solution {lesson.number} --reveal` shows the "
        f"reference, and `{COMMAND} skip {lesson.number}` copies it in."
    )


def record_progress(workbook, result):
    """Remember which lessons pass, and put back the finished code cut with them; returns
    (the state, the lessons that pass now but did not last time, the (file, function)
    pairs put back). The state is read, changed and written under the workbook's lock."""
    newly = []
    if result.state != "finished":
        return load_state(workbook), newly, []
    passed = [lesson.number for lesson in LESSONS if result.outcome(lesson.number) == "passed"]

    def change(state):
        newly.extend(n for n in passed if n not in state["passed"])
        state["passed"] = passed

    state = update_state(workbook, change)
    return state, newly, fill_cut_regions(workbook, passed)


def run_and_record(workbook, on_progress=None):
    """Run the lessons in order and record the progress. When that puts back code cut
    with a lesson that now passes, run once more: a later lesson may need that code."""
    result = run_lessons(workbook, stop=True, on_progress=on_progress)
    state, newly, filled = record_progress(workbook, result)
    if filled:
        result = run_lessons(workbook, stop=True, on_progress=on_progress)
        state, more, again = record_progress(workbook, result)
        newly, filled = newly + [n for n in more if n not in newly], filled + again
    return result, state, newly, filled


def _show_filled(filled, out):
    if filled:
        names = ", ".join(f"{function}() in {path}" for path, function in filled)
        print(
            _wrap(f"Finished code that would have given the lesson away is back in your workbook: {names}."), file=out
        )


def _notebook_line(lesson):
    if not lesson.notebooks:
        return None
    return "Notebook: " + ", ".join(f"notebooks/{name}.ipynb" for name in lesson.notebooks)


def _show_outside_changes(workbook, marks, out):
    changes = outside_changes(workbook)
    if not changes:
        return
    print(marks.text("! Finished code outside the lesson regions was changed, so the tests"), file=out)
    print("  may not test what they say:", file=out)
    for name, where in changes[:4]:
        print(_wrap(f"{name}: {where}", "    "), file=out)
    if len(changes) > 4:
        print(f"    (and {len(changes) - 4} more files)", file=out)
    print("  Undo those edits, or compare with the installed package's copy of the file.", file=out)
    from .. import __version__

    made_by = load_state(workbook).get("tinygrad_edu_version")
    if made_by != __version__:
        print(
            _wrap(
                f"(This workbook was made by tinygrad_edu {made_by}; the installed package is {__version__}, "
                "so some differences may come from the upgrade.)",
                "  ",
            ),
            file=out,
        )


def show_status(workbook, result, state, out, newly=(), watching=False):
    """Print the status of `workbook` from a run of the lessons; returns the current lesson
    (None: all pass). `newly` lists the lessons that have just started to pass."""
    marks = _Marks(out)
    total = len(LESSONS)
    print(f"Workbook {workbook}", file=out)
    for number in newly:
        print(
            marks.text(
                f"{marks.passed} Lesson {number} passes now. Compare with the reference: `{COMMAND} solution {number}`"
            ),
            file=out,
        )
    if result.state != "finished":
        error = result.error or {}
        print("", file=out)
        for lesson in LESSONS:
            print(f"   {lesson.number:>2}  {marks.text(lesson.title)}", file=out)
        print("", file=out)
        if result.state == "import-error":
            print(f"{marks.failed} Python cannot import your {PACKAGE}, so no lesson can run:", file=out)
        else:
            print(f"{marks.failed} The lessons could not run ({result.state}):", file=out)
        print(marks.text(f"    {error.get('type', 'Error')}: {error.get('message', '')}"), file=out)
        if error.get("where"):
            print(
                marks.text(f"    at {error['where']}" + (f":  {error['code']}" if error.get("code") else "")), file=out
            )
        print(f"Fix that, then run `{COMMAND} status` again.", file=out)
        return _current_lesson(result) or LESSONS[0]
    current = _current_lesson(result)
    done = total if current is None else current.number - 1
    print(_progress_bar(done, total, marks), file=out)
    print("", file=out)
    for lesson in LESSONS:
        outcome = result.outcome(lesson.number)
        tests = result.tests_of(lesson.number)
        if outcome == "passed":
            mark, note = marks.passed, ""
        elif current is not None and lesson.number == current.number:
            failing = sum(t.outcome == "failed" for t in tests)
            mark = marks.failed
            note = f"{failing} of {len(tests)} tests fail" if tests else "its tests could not be loaded"
        else:
            mark, note = " ", ""
        skipped = " (solution copied by skip)" if lesson.number in state["skipped"] and outcome == "passed" else ""
        line = f"{mark}  {lesson.number:>2}  {lesson.title}{skipped}"
        if note:
            line = (
                f"{line:<{WIDTH - len(note) - 2}} {note}" if len(line) + len(note) < WIDTH - 1 else f"{line}  ({note})"
            )
        print(marks.text(line), file=out)
    print("", file=out)
    if current is None:
        print(
            _wrap(f"All {total} lessons pass: you have rebuilt the engine, from + and * to a network that learns XOR."),
            file=out,
        )
        print(f"Compare your code with the reference: `{COMMAND} solution N`.", file=out)
        return None
    if current.challenge:
        print(
            _wrap(
                f"All {total - 1} lessons of the path pass: you have rebuilt the engine. One optional "
                "challenge remains:"
            ),
            file=out,
        )
    print(marks.text(f"Lesson {current.number}: {current.title}"), file=out)
    print(_wrap(marks.text(current.idea), "  "), file=out)
    notebook = _notebook_line(current)
    if notebook:
        print(f"  {notebook}", file=out)
    print("", file=out)
    failure = result.first_failure(current.number)
    if failure is not None:
        _show_failure(failure, marks, out, workbook)
        others = [t.name for t in result.tests_of(current.number) if t.outcome == "failed" and t is not failure]
        if others:
            print(
                f"  (and {len(others)} more failing test{'s' if len(others) > 1 else ''}: "
                f"`{COMMAND} check {current.number}` shows each)",
                file=out,
            )
    else:
        error = result.collect_error(current.number)
        if error is not None:
            print(f"  {marks.failed} the tests of lesson {current.number} could not be loaded:", file=out)
            for line in error["message"].strip().splitlines()[-6:]:
                print(marks.text(f"    {line}"), file=out)
    print("", file=out)
    _show_next_step(workbook, current, state, out, watching=watching)
    return current


def _status(args, out):
    workbook = _locate(args.dir)
    result, state, newly, filled = run_and_record(workbook)
    current = show_status(workbook, result, state, out, newly=newly)
    _show_filled(filled, out)
    _show_outside_changes(workbook, _Marks(out), out)
    done = current is None or current.challenge
    return 0 if done and result.state == "finished" else 1


# ----- hint ------------------------------------------------------------------------------------

_HINT_LEVELS = ("the idea", "where to look", "the shape of the code")


def _level_name(level, total):
    if total == len(_HINT_LEVELS):
        return _HINT_LEVELS[level - 1]
    return "a nudge" if level == 1 else "closer" if level < total else "the shape of the code"


def _hint(args, out):
    marks = _Marks(out)
    workbook = _locate(args.workbook) if args.workbook is not None else find_workbook(None)
    number = args.number
    if number is None:
        if workbook is None:
            _locate(None)
        result = run_lessons(workbook, stop=True)
        current = _current_lesson(result) if result.state == "finished" else LESSONS[0]
        if current is None:
            print(
                f"All {len(LESSONS)} lessons pass: no hint needed. (`{COMMAND} hint N` shows lesson N's hints.)",
                file=out,
            )
            return 0
        number = current.number
    lesson = lesson_by_number(number)
    total = len(lesson.hints)
    seen = 0
    if args.level is not None:
        level = max(1, min(args.level, total))
    else:
        level = None
    if workbook is not None:
        shown = {}

        def change(state):  # under the lock: a hint asked in two terminals at once counts once each
            before = state["hints_seen"].get(str(number), 0)
            wanted = level if level is not None else min(before + 1, total)
            shown.update(before=before, level=wanted)
            if wanted > before:
                state["hints_seen"][str(number)] = wanted

        update_state(workbook, change)
        seen, level = shown["before"], shown["level"]
    elif level is None:
        level = 1
    print(marks.text(f"Lesson {number}: {lesson.title}"), file=out)
    for i in range(1, level + 1):
        fresh = "  (new)" if i == level and level > seen else ""
        print("", file=out)
        print(f"Hint {i} of {total}, {_level_name(i, total)}{fresh}:", file=out)
        _print_hint(lesson.hints[i - 1], marks, out)
    print("", file=out)
    if level < total:
        print(
            _wrap(
                f"Ask again (`{COMMAND} hint{'' if args.number is None else f' {number}'}`) for "
                f"{_level_name(level + 1, total)}."
            ),
            file=out,
        )
    else:
        print(
            _wrap(f"That was the last hint. `{COMMAND} solution {number} --reveal` shows the reference solution."),
            file=out,
        )
    if workbook is None:
        print(_wrap("(Outside a workbook no hint levels are remembered; --level K shows the hints up to K.)"), file=out)
    return 0


def _print_hint(text, marks, out):
    """Prose is wrapped to the terminal; lines indented by four spaces are code, kept as they are."""
    for line in text.split("\n"):
        if line.startswith("    "):
            print(marks.text(f"  {line}"), file=out)
        else:
            print(_wrap(marks.text(line), "  "), file=out)


# ----- check -----------------------------------------------------------------------------------


def _check(args, out):
    marks = _Marks(out)
    workbook = _locate(args.workbook)
    lesson = lesson_by_number(args.number)
    result = run_lessons(workbook, lessons=[lesson.number], show_output=args.verbose)
    print(marks.text(f"Lesson {lesson.number}: {lesson.title}"), file=out)
    if result.state != "finished":
        state = load_state(workbook)
        show_status(workbook, result, state, out)
        return 1
    tests = result.tests_of(lesson.number)
    for test in tests:
        if test.outcome == "passed":
            print(marks.text(f"  {marks.passed} {test.name}"), file=out)
        else:
            _show_failure(test, marks, out, workbook)
    error = result.collect_error(lesson.number)
    if error is not None:
        print(f"  {marks.failed} the tests could not be loaded:", file=out)
        for line in error["message"].strip().splitlines()[-6:]:
            print(marks.text(f"    {line}"), file=out)
    passed = result.outcome(lesson.number) == "passed"
    failing = sum(t.outcome != "passed" for t in tests)
    print("", file=out)
    if passed:
        print(f"{marks.passed} lesson {lesson.number} passes ({len(tests)} tests).", file=out)
        return 0
    print(f"{marks.failed} lesson {lesson.number}: {failing} of {len(tests)} tests fail.", file=out)
    return 1


# ----- watch -----------------------------------------------------------------------------------


class _Saves:
    """Saves of .py files under `folder`, collected by a thread as they happen (watchfiles:
    the system's change events, or polling with `poll`), so a save made while the lessons
    run is queued for the next run rather than lost."""

    def __init__(self, folder, poll=False):
        import watchfiles

        self._queue = queue.Queue()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._folder = folder

        def watch():
            try:
                for changes in watchfiles.watch(
                    folder,
                    watch_filter=watchfiles.PythonFilter(),
                    debounce=400,
                    step=50,
                    stop_event=self._stop,
                    force_polling=poll or None,
                    poll_delay_ms=300,
                    raise_interrupt=False,
                    yield_on_timeout=True,
                    rust_timeout=200,
                ):
                    self._ready.set()
                    if changes:
                        self._queue.put(sorted({Path(path).name for _, path in changes}))
            except Exception as error:  # noqa: BLE001 - reported to the main thread
                self._queue.put(error)
            finally:
                self._ready.set()

        self._thread = threading.Thread(target=watch, name="learn-watch", daemon=True)
        self._thread.start()
        self._ready.wait(5)  # the watcher is in place before the first run starts

    def wait(self):
        """Block until at least one save; return the names of every file saved since the last call."""
        names = set()
        item = self._queue.get()
        while True:
            if isinstance(item, Exception):
                raise WorkbookError(f"watching {self._folder} stopped: {item}")
            names.update(item)
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return sorted(names)

    def pending(self):
        return not self._queue.empty()

    def close(self):
        self._stop.set()


def _folded_lessons(result, current, marks):
    """The lesson list on one line: passing lessons as ranges, the current one, the rest."""

    def span(numbers):
        return f"{numbers[0]}" if len(numbers) == 1 else f"{numbers[0]}-{numbers[-1]}"

    if result.state != "finished":
        return f"Lessons 1-{len(LESSONS)}: not run"
    passed = [lesson.number for lesson in LESSONS if result.outcome(lesson.number) == "passed"]
    parts = []
    if current is None:
        return f"Lessons: {marks.passed} 1-{len(LESSONS)}, all pass"
    before = [n for n in passed if n < current.number]
    if before:
        parts.append(f"{marks.passed} {span(before)}")
    parts.append(f"{marks.failed} {current.number}")
    after = [lesson.number for lesson in LESSONS if lesson.number > current.number]
    if after:
        passing_after = [n for n in passed if n > current.number]
        parts.append(f"then {span(after)}" + (f" ({len(passing_after)} pass)" if passing_after else ""))
    return "Lessons: " + "   ".join(parts)


def watch_screen(workbook, result, state, newly=(), height=24):
    """What `learn watch` shows after a run: at most `height` - 1 lines of at most 80
    columns, the failing test first, the lesson list folded to one line."""
    marks = _Marks(sys.stdout)
    current = _current_lesson(result) if result.state == "finished" else None
    total = len(LESSONS)
    head, body, tail = [], [], []
    for number in newly:
        head.append(f"{marks.passed} Lesson {number} passes now. (`{COMMAND} solution {number}` to compare)")
    if result.state != "finished":
        error = result.error or {}
        head.append(
            f"{marks.failed} Python cannot import your {PACKAGE}, so no lesson can run:"
            if result.state == "import-error"
            else f"{marks.failed} The lessons could not run ({result.state}):"
        )
        body += _fold(f"{error.get('type', 'Error')}: {error.get('message', '')}", "    ")
        if error.get("where"):
            body += _fold(f"at {error['where']}" + (f":  {error['code']}" if error.get("code") else ""), "    ")
    elif current is None:
        head.append(f"All {total} lessons pass: you have rebuilt the engine.")
        body.append(f"Compare your code with the reference: `{COMMAND} solution N`.")
    else:
        if current.challenge:
            head.append(f"All {total - 1} lessons of the path pass. Optional:")
        title = f"Lesson {current.number}: {current.title}"
        count = f"{current.number - 1} of {total} pass"
        head.append(title if len(title) + len(count) + 2 > WIDTH else f"{title:<{WIDTH - len(count) - 1}} {count}")
        failure = result.first_failure(current.number)
        if failure is not None:
            buffer = io.StringIO()
            _show_failure(failure, marks, buffer, workbook)
            body += buffer.getvalue().splitlines()
            others = sum(t.outcome == "failed" for t in result.tests_of(current.number)) - 1
            if others:
                body.append(f"  (and {others} more failing: `{COMMAND} check {current.number}`)")
        else:
            error = result.collect_error(current.number)
            if error is not None:
                body.append(f"  {marks.failed} the tests of lesson {current.number} could not be loaded:")
                body += ["    " + line for line in error["message"].strip().splitlines()[-6:]]
        rows = _regions_in_workbook(workbook, current)
        tail.append("Write it in:" if any(stub for *_, stub in rows) else "Your code is in:")
        if len(rows) <= 4:
            tail += [f"  {row}" for row in _region_rows(rows)]
        else:  # one line per file: the functions with their first line
            for path in dict.fromkeys(path for path, *_ in rows):
                names = ", ".join(
                    f"{function}:{line}" + ("" if stub else "*") for p, line, function, stub in rows if p == path
                )
                tail += _fold(f"{PACKAGE}/{path}  {names}", "  ", "    ")
            if not all(stub for *_, stub in rows):
                tail.append("  (* edited)")
        tail += _fold(_stuck_line(current, state), "")
        notebook = _notebook_line(current)
        if notebook:
            tail += _fold(notebook, "")
    changes = outside_changes(workbook)
    if changes:
        tail += _fold(
            "! Finished code outside the lessons changed: " + "; ".join(f"{name} {where}" for name, where in changes),
            "",
        )[:2]
    tail.append(_folded_lessons(result, current, marks))
    room = height - 2 - len(head) - len(tail) - 1  # the last line is the "watching" line
    if len(body) > room:
        body = body[: max(1, room - 1)] + [f"  ... (`{COMMAND} check {current.number if current else 1}` shows it all)"]
    lines = head + body + [""] + tail
    return [marks.text(line)[:WIDTH] for line in lines]


def _watch(args, out):
    workbook = _locate(args.dir)
    folder = workbook / PACKAGE
    try:
        saves = _Saves(folder, poll=args.poll)
    except ImportError:
        raise WorkbookError("learn watch needs the watchfiles package: pip install watchfiles") from None
    tty = out.isatty() if hasattr(out, "isatty") else False
    height = shutil.get_terminal_size((WIDTH, 24)).lines if tty else 24
    current = 1
    saved, shown_newly, shown_filled = [], [], []
    try:
        while True:
            because = f" ({', '.join(saved[:3])} saved)" if saved else ""

            def progress(number, because=because):
                nonlocal current
                current = number
                line = f"running lesson {number}...{because}"
                if tty:
                    out.write(f"\r\033[K{line[: WIDTH - 1]}")
                    out.flush()
                else:
                    print(line, file=out, flush=True)

            progress(current)
            result, state, newly, filled = run_and_record(workbook, on_progress=progress)
            shown_newly += [n for n in newly if n not in shown_newly]  # kept until a screen shows them
            shown_filled += [f for f in filled if f not in shown_filled]
            lesson = _current_lesson(result) if result.state == "finished" else None
            current = lesson.number if lesson else 1
            if saves.pending():  # saved again while the lessons ran: run again at once
                saved = saves.wait()
                if tty:
                    out.write("\n")
                continue
            screen = watch_screen(workbook, result, state, newly=shown_newly, height=max(12, height))
            if tty:
                out.write("\033[2J\033[H")
            else:
                print("-" * 40, file=out)
            for line in screen:
                print(line, file=out)
            if shown_filled:
                print(f"(back, now that it passes: {', '.join(f for _, f in shown_filled)})"[:WIDTH], file=out)
            shown_newly, shown_filled = [], []
            print(
                f"{time.strftime('%H:%M:%S')} watching {PACKAGE}/: save to run again; Ctrl-C stops",
                file=out,
                flush=True,
            )
            saved = saves.wait()
    except KeyboardInterrupt:
        print("", file=out)
        print("Stopped watching.", file=out, flush=True)
        return 0
    finally:
        saves.close()


# ----- solution, skip and reset ------------------------------------------------------------------


def _solution(args, out):
    marks = _Marks(out)
    lesson = lesson_by_number(args.number)
    if not args.reveal:
        workbook = _locate(args.workbook)
        result = run_lessons(workbook, lessons=[lesson.number])
        if result.outcome(lesson.number) != "passed":
            print(
                _wrap(f"Lesson {lesson.number} does not pass in your workbook yet, so its solution stays hidden."),
                file=out,
            )
            print(
                _wrap(
                    f"Finish it first (`{COMMAND} status`, `{COMMAND} hint {lesson.number}`), or add "
                    "--reveal to see it anyway."
                ),
                file=out,
            )
            return 1
        print(f"Lesson {lesson.number} passes in your workbook. The reference solution, to compare:", file=out)
    else:
        print(f"The reference solution of lesson {lesson.number}:", file=out)
    print(marks.text(f"Lesson {lesson.number}: {lesson.title}"), file=out)
    source = reference_package()
    places = {(number, path, function) for number, path, function in _places(lesson)}
    for region in reference_regions():
        if region.cut or (region.lesson, region.path, region.function) not in places:
            continue
        text = (source / region.path).read_text(encoding="utf-8")
        print("", file=out)
        print(f"# {PACKAGE}/{region.path}, {region.function}", file=out)
        print(marks.text(region_function_source(text, region).rstrip()), file=out)
    return 0


def _confirm(workbook, lesson, args, action, out):
    """True to go on. A lesson that passes is replaced only after a yes: from --yes, or
    typed at the terminal; with no terminal to ask at, the answer is no."""
    if args.yes:
        return True
    result = run_lessons(workbook, lessons=[lesson.number])
    if result.outcome(lesson.number) != "passed":
        return True
    question = (
        f"Lesson {lesson.number} passes in your workbook. {action} (a copy of your code is kept in {BACKUP_DIR}/)"
    )
    stdin = sys.stdin
    if stdin is None or not stdin.isatty():
        print(_wrap(question), file=out)
        print(
            _wrap(
                f"Not done: there is no terminal to ask. Add --yes to do it anyway "
                f"(`{COMMAND} {args.learn_command} {lesson.number} --yes`)."
            ),
            file=out,
        )
        return False
    print(_wrap(question), file=out)
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


def _kept(kept, out):
    if kept is None:
        print("There was nothing of yours to keep (the stub or the reference solution only).", file=out)
    else:
        print("Your code of this lesson is kept in", file=out)
        print(f"    {kept.relative_to(kept.parent.parent)}", file=out)


def _challenge_has_no_code(lesson, command, out):
    number, path, function = lesson.revisits[0]
    print(
        _wrap(
            f"Lesson {lesson.number} is an optional challenge with no code of its own: it asks more of "
            f"{function} ({PACKAGE}/{path}) from lesson {number}. `{COMMAND} solution {lesson.number} "
            f"--reveal` shows the reference; `{COMMAND} {command} {number}` works on lesson {number}'s code."
        ),
        file=out,
    )
    return 1


def _skip(args, out):
    workbook = _locate(args.workbook)
    lesson = lesson_by_number(args.number)
    if lesson.challenge:
        return _challenge_has_no_code(lesson, "skip", out)
    if not _confirm(workbook, lesson, args, "Skipping replaces your code with the reference solution.", out):
        return 1
    written, kept = copy_solution(workbook, lesson.number)

    def change(state):
        if lesson.number not in state["skipped"]:
            state["skipped"].append(lesson.number)

    update_state(workbook, change)
    print(f"Copied the reference solution of lesson {lesson.number} into your workbook:", file=out)
    for path, function in written:
        print(f"    {PACKAGE}/{path}  {function}", file=out)
    _kept(kept, out)
    print(
        _wrap(
            f"Read it with `{COMMAND} solution {lesson.number}`; `{COMMAND} reset {lesson.number}` puts the stub back."
        ),
        file=out,
    )
    return 0


def _reset(args, out):
    workbook = _locate(args.workbook)
    lesson = lesson_by_number(args.number)
    if lesson.challenge:
        return _challenge_has_no_code(lesson, "reset", out)
    current = [r for r in _regions_in_workbook(workbook, lesson)]
    if all(stub for *_, stub in current):
        print(f"Lesson {lesson.number} is still the stub: nothing to reset.", file=out)
        return 0
    if not _confirm(workbook, lesson, args, "Resetting puts its stub back in place of your code.", out):
        return 1
    written, kept = reset_lesson(workbook, lesson.number)

    def change(state):
        state["skipped"] = [n for n in state["skipped"] if n != lesson.number]

    update_state(workbook, change)
    print(f"Lesson {lesson.number} is a stub again (nothing else was changed):", file=out)
    for path, function in written:
        print(f"    {PACKAGE}/{path}  {function}", file=out)
    _kept(kept, out)
    return 0


# ----- list and verify -------------------------------------------------------------------------


def _list(args, out):
    marks = _Marks(out)
    for lesson in LESSONS:
        print(marks.text(f"{lesson.number:>2}  {lesson.title}"), file=out)
        seed = f" (seed {lesson.seed})" if lesson.seed else ""
        print(_wrap(marks.text(lesson.idea + seed), "      "), file=out)
        functions = ", ".join(f"{function} ({path})" for path, function in lesson.regions)
        if lesson.challenge:
            functions = ", ".join(
                f"{function} ({path}) again, from lesson {n}" for n, path, function in lesson.revisits
            )
        print(_wrap(f"you write: {functions}", "      "), file=out)
        notebook = _notebook_line(lesson)
        if notebook:
            print(_wrap(notebook, "      "), file=out)
    return 0


def _verify(args, out):
    from .verify import verify

    problems = verify(out=out, per_region=not args.quick)
    return 1 if problems else 0
