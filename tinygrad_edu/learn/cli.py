"""`tinygrad-edu learn ...`: the commands of the learning path.

    init DIR         make a workbook: your copy of the package, lesson regions stubbed
    status [DIR]     run the lessons in order, stop at the first failing one, say what next
    hint [N]         the next hint for lesson N (default: the current lesson)
    check N          run lesson N alone and show every test
    watch [DIR]      re-run status whenever a file of the workbook is saved
    solution N       the reference solution, once lesson N passes (or with --reveal)
    skip N           copy the reference solution of lesson N into the workbook
    list             the lessons
    verify           the maintainers' check of the whole path
"""

import argparse
import os
import shlex
import shutil
import sys
import textwrap
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
    find_workbook,
    init_workbook,
    load_state,
    reference_package,
    reference_regions,
    save_state,
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


def _width():
    return max(60, min(110, shutil.get_terminal_size((100, 24)).columns))


def _wrap(text, indent="", width=None):
    return textwrap.fill(text, width=(width or _width()), initial_indent=indent, subsequent_indent=indent,
                         break_long_words=False, break_on_hyphens=False)


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
    p.add_argument("dir", metavar="DIR", nargs="?", help="the workbook (default: the one you are in)")

    p = sub.add_parser("hint", help="the next hint for a lesson, from gentle to explicit")
    p.add_argument("number", metavar="N", nargs="?", type=_lesson_number, help="the lesson (default: the current one)")
    p.add_argument("--level", type=int, help="show the hints up to this level, whatever you have seen")
    _workbook_option(p)

    p = sub.add_parser("check", help="run one lesson and show each of its tests")
    p.add_argument("number", metavar="N", type=_lesson_number, help="the lesson")
    p.add_argument("-v", "--verbose", action="store_true", help="show pytest's own output too")
    _workbook_option(p)

    p = sub.add_parser("watch", help="re-run status each time you save a file of the workbook (Ctrl-C stops)")
    p.add_argument("dir", metavar="DIR", nargs="?", help="the workbook (default: the one you are in)")
    p.add_argument("--interval", type=float, default=0.5, help="seconds between looks at the files (default 0.5)")

    p = sub.add_parser("solution", help="the reference solution of a lesson (once it passes, or with --reveal)")
    p.add_argument("number", metavar="N", type=_lesson_number, help="the lesson")
    p.add_argument("--reveal", action="store_true", help="show it even though the lesson does not pass yet")
    _workbook_option(p)

    p = sub.add_parser("skip", help="copy the reference solution of a lesson into your workbook")
    p.add_argument("number", metavar="N", type=_lesson_number, help="the lesson")
    _workbook_option(p)

    sub.add_parser("list", help="the lessons, their ideas and the functions you write")

    p = sub.add_parser("verify", help="maintainers: check that every solution passes and every stub fails")
    p.add_argument("--quick", action="store_true", help="skip the check that every single region is tested")
    return learn


def _workbook_option(parser):
    parser.add_argument("-w", "--workbook", metavar="DIR", help="the workbook (default: the one you are in)")


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
        "init": _init, "status": _status, "hint": _hint, "check": _check, "watch": _watch,
        "solution": _solution, "skip": _skip, "list": _list, "verify": _verify,
    }
    if command in ("status", "hint", "check", "watch", "solution", "verify") and not pytest_available():
        print(f"{COMMAND}: error: the lessons are checked by pytest, which is not installed "
              f"(pip install pytest)", file=sys.stderr)
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
    """The workbook holding `folder` (default: the current folder), or WorkbookError."""
    found = find_workbook(folder)
    if found is not None:
        return found
    if folder is None:
        raise WorkbookError(
            "you are not inside a workbook. Make one with `tinygrad-edu learn init mywork`, then "
            "`cd mywork` (or name the workbook: `tinygrad-edu learn status mywork`)"
        )
    if not Path(folder).exists():
        raise WorkbookError(f"{folder} does not exist; make a workbook there with `tinygrad-edu learn init {folder}`")
    raise WorkbookError(f"{folder} is not a workbook (no {STATE_FILE} in it or above it); "
                        f"make one with `tinygrad-edu learn init NEWFOLDER`")


# ----- init ------------------------------------------------------------------------------------


def _init(args, out):
    workbook = init_workbook(args.dir)
    regions = sum(len(lesson.regions) for lesson in LESSONS)
    print(f"Created the workbook {workbook}", file=out)
    for name, what in (
        (f"{PACKAGE}/", f"your copy of the package: {regions} functions in {len(LESSONS)} lessons are stubs "
                        "for you to write"),
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


def _show_failure(test, marks, out, workbook, indent="    "):
    title = f"{indent[:-2]}{marks.failed} {test.name}" + (f"  ({test.doc})" if test.doc else "")
    print(marks.text(title), file=out)
    for line in (test.message or test.outcome).splitlines():
        print(marks.text(f"{indent}{line}"), file=out)
    frame = _learner_frame(test, workbook)
    where = f"{frame['file']}, line {frame['line']}, in {frame['function']}" if frame else None
    if test.exception == "NotImplementedError" and where:
        print(f"{indent}raised by the stub at {where}: write your code there in place of the raise", file=out)
    elif where:
        print(marks.text(f"{indent}raised at {where}" + (f":  {frame['code']}" if frame["code"] else "")),
              file=out)
    if test.test_line and test.exception not in ("NotImplementedError", "AssertionError"):
        print(marks.text(f"{indent}in the test: {test.test_line}"), file=out)


def _regions_in_workbook(workbook, lesson):
    """(path, line, function, still a stub?) for each region of `lesson` in the workbook."""
    rows = []
    for path, function in lesson.regions:
        file = Path(workbook) / PACKAGE / path
        try:
            regions = find_regions(file.read_text(encoding="utf-8"), path)
        except (OSError, RegionError):
            regions = []
        found = [r for r in regions if r.lesson == lesson.number and r.function == function]
        if found:
            region = found[0]
            stub = region.body.strip().startswith("raise NotImplementedError(") and len(region.body.splitlines()) == 1
            rows.append((path, region.begin + 1, function, stub))
        else:
            rows.append((path, None, function, None))
    return rows


def _show_next_step(workbook, lesson, state, out, watching=False):
    rows = _regions_in_workbook(workbook, lesson)
    if any(stub for _, _, _, stub in rows):
        print(f"Next: lesson {lesson.number} is yours to write, between its "
              f"'# BEGIN LESSON {lesson.number}' and '# END LESSON {lesson.number}' lines:", file=out)
    else:
        print(f"Next: fix lesson {lesson.number} (the test above says what is off); its code is between the "
              f"'# BEGIN LESSON {lesson.number}' and '# END LESSON {lesson.number}' lines:", file=out)
    for path, line, function, stub in rows:
        location = f"{PACKAGE}/{path}:{line}" if line else f"{PACKAGE}/{path}"
        note = {True: "still the stub", False: "edited", None: "markers not found: put them back"}[stub]
        print(f"    {location:<28} {function:<34} ({note})", file=out)
    if watching:
        print("  then save the file: the lessons run again by themselves.", file=out)
    else:
        print(f"  then run `{COMMAND} status` again, or leave `{COMMAND} watch` running.", file=out)
    seen = state["hints_seen"].get(str(lesson.number), 0)
    total = len(lesson.hints)
    if seen < total:
        print(f"Stuck? `{COMMAND} hint` shows hint {seen + 1} of {total}.", file=out)
    else:
        print(f"Still stuck after all {total} hints? `{COMMAND} solution {lesson.number} --reveal` shows the "
              f"reference, and `{COMMAND} skip {lesson.number}` copies it in.", file=out)


def record_progress(workbook, state, result):
    """Remember which lessons pass; returns the lessons that pass now but did not last time."""
    if result.state != "finished":
        return []
    passed = [lesson.number for lesson in LESSONS if result.outcome(lesson.number) == "passed"]
    before = state["passed"]
    if passed != before:
        state["passed"] = passed
        save_state(workbook, state)
    return [n for n in passed if n not in before]


def show_status(workbook, result, state, out, newly=(), watching=False):
    """Print the status of `workbook` from a run of the lessons; returns the current lesson
    (None: all pass). `newly` lists the lessons that have just started to pass."""
    marks = _Marks(out)
    total = len(LESSONS)
    print(f"Workbook {workbook}", file=out)
    for number in newly:
        print(marks.text(f"{marks.passed} Lesson {number} passes now. Compare with the reference: "
                         f"`{COMMAND} solution {number}`"), file=out)
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
            print(marks.text(f"    at {error['where']}" + (f":  {error['code']}" if error.get("code") else "")),
                  file=out)
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
            line = f"{line:<66} {note}"
        print(marks.text(line), file=out)
    print("", file=out)
    if current is None:
        print(f"All {total} lessons pass: you have rebuilt the engine, from + and * to a network that learns XOR.",
              file=out)
        print(f"Compare your code with the reference: `{COMMAND} solution N`.", file=out)
        return None
    print(marks.text(f"Lesson {current.number}: {current.title}"), file=out)
    print(_wrap(marks.text(current.idea), "  "), file=out)
    print("", file=out)
    failure = result.first_failure(current.number)
    if failure is not None:
        _show_failure(failure, marks, out, workbook)
        others = [t.name for t in result.tests_of(current.number) if t.outcome == "failed" and t is not failure]
        if others:
            print(f"  (and {len(others)} more failing test{'s' if len(others) > 1 else ''}: "
                  f"`{COMMAND} check {current.number}` shows each)", file=out)
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
    result = run_lessons(workbook, stop=True)
    state = load_state(workbook)
    newly = record_progress(workbook, state, result)
    current = show_status(workbook, result, state, out, newly=newly)
    return 0 if current is None and result.state == "finished" else 1


# ----- hint ------------------------------------------------------------------------------------

def _level_name(level, total):
    if level == 1:
        return "a nudge"
    return "nearly the answer" if level == total else "more detail"


def _hint(args, out):
    marks = _Marks(out)
    workbook = find_workbook(args.workbook)
    if args.workbook is not None and workbook is None:
        _locate(args.workbook)  # raises the explanation
    number = args.number
    if number is None:
        if workbook is None:
            _locate(None)
        result = run_lessons(workbook, stop=True)
        current = _current_lesson(result) if result.state == "finished" else LESSONS[0]
        if current is None:
            print(f"All {len(LESSONS)} lessons pass: no hint needed. (`{COMMAND} hint N` shows lesson N's hints.)",
                  file=out)
            return 0
        number = current.number
    lesson = lesson_by_number(number)
    total = len(lesson.hints)
    state = load_state(workbook) if workbook is not None else None
    seen = state["hints_seen"].get(str(number), 0) if state else 0
    if args.level is not None:
        level = max(1, min(args.level, total))
    else:
        level = min(seen + 1, total)
    if state is not None and level > seen:
        state["hints_seen"][str(number)] = level
        save_state(workbook, state)
    print(marks.text(f"Lesson {number}: {lesson.title}"), file=out)
    for i in range(1, level + 1):
        name = _level_name(i, total)
        fresh = "  (new)" if i == level and level > seen else ""
        print("", file=out)
        print(f"Hint {i} of {total}, {name}{fresh}:", file=out)
        _print_hint(lesson.hints[i - 1], marks, out)
    print("", file=out)
    if level < total:
        print(f"Ask again (`{COMMAND} hint{'' if args.number is None else f' {number}'}`) for a more explicit hint.",
              file=out)
    else:
        print(f"That was the last hint. `{COMMAND} solution {number} --reveal` shows the reference solution.",
              file=out)
    if workbook is None:
        print("(Outside a workbook no hint levels are remembered; --level K shows the hints up to K.)", file=out)
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


def _snapshot(workbook):
    files = {}
    for path in sorted((Path(workbook) / PACKAGE).rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        try:
            info = path.stat()
        except OSError:
            continue
        files[str(path)] = (info.st_mtime_ns, info.st_size)
    return files


def _watch(args, out):
    workbook = _locate(args.dir)
    interval = max(0.05, args.interval)
    clear = out.isatty() if hasattr(out, "isatty") else False
    try:
        while True:
            if clear:
                out.write("\033[2J\033[H")
            result = run_lessons(workbook, stop=True)
            state = load_state(workbook)
            newly = record_progress(workbook, state, result)
            show_status(workbook, result, state, out, newly=newly, watching=True)
            print("", file=out)
            print(f"Watching {workbook / PACKAGE} (checked at {time.strftime('%H:%M:%S')}): save a file to "
                  "run the lessons again; Ctrl-C stops.", file=out, flush=True)
            before = _snapshot(workbook)
            while True:
                time.sleep(interval)
                now = _snapshot(workbook)
                if now != before:
                    time.sleep(min(0.2, interval))  # let an editor finish writing
                    break
    except KeyboardInterrupt:
        print("", file=out)
        print("Stopped watching.", file=out, flush=True)
        return 0


# ----- solution and skip -----------------------------------------------------------------------


def _solution(args, out):
    marks = _Marks(out)
    lesson = lesson_by_number(args.number)
    if not args.reveal:
        workbook = _locate(args.workbook)
        result = run_lessons(workbook, lessons=[lesson.number])
        if result.outcome(lesson.number) != "passed":
            print(f"Lesson {lesson.number} does not pass in your workbook yet, so its solution stays hidden.",
                  file=out)
            print(f"Finish it first (`{COMMAND} status`, `{COMMAND} hint {lesson.number}`), or add --reveal "
                  "to see it anyway.", file=out)
            return 1
        print(f"Lesson {lesson.number} passes in your workbook. The reference solution, to compare:", file=out)
    else:
        print(f"The reference solution of lesson {lesson.number}:", file=out)
    print(marks.text(f"Lesson {lesson.number}: {lesson.title}"), file=out)
    source = reference_package()
    for region in reference_regions():
        if region.lesson != lesson.number:
            continue
        text = (source / region.path).read_text(encoding="utf-8")
        print("", file=out)
        print(f"# {PACKAGE}/{region.path}, {region.function}", file=out)
        print(marks.text(region_function_source(text, region).rstrip()), file=out)
    return 0


def _skip(args, out):
    workbook = _locate(args.workbook)
    lesson = lesson_by_number(args.number)
    try:
        written = copy_solution(workbook, lesson.number)
    except RegionError as error:
        raise WorkbookError(str(error)) from None
    state = load_state(workbook)
    if lesson.number not in state["skipped"]:
        state["skipped"].append(lesson.number)
        save_state(workbook, state)
    print(f"Copied the reference solution of lesson {lesson.number} into your workbook:", file=out)
    for path, function in written:
        print(f"    {PACKAGE}/{path}  {function}", file=out)
    print(f"Your own version of each file is kept in {BACKUP_DIR}/lesson{lesson.number}/ (the first time only).",
          file=out)
    print(f"Read it with `{COMMAND} solution {lesson.number}`; `{COMMAND} status` goes on from there.", file=out)
    return 0


# ----- list and verify -------------------------------------------------------------------------


def _list(args, out):
    marks = _Marks(out)
    for lesson in LESSONS:
        print(marks.text(f"{lesson.number:>2}  {lesson.title}"), file=out)
        seed = f" (seed {lesson.seed})" if lesson.seed else ""
        print(_wrap(marks.text(lesson.idea + seed), "      "), file=out)
        functions = ", ".join(f"{function} ({path})" for path, function in lesson.regions)
        print(_wrap(f"you write: {functions}", "      "), file=out)
    return 0


def _verify(args, out):
    from .verify import verify

    problems = verify(out=out, per_region=not args.quick)
    return 1 if problems else 0
