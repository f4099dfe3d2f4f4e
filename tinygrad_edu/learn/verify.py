"""The maintainers' check of the learning path (`tinygrad-edu learn verify`).

1. The table is consistent: lessons numbered 1..N, each with a title, an idea,
   at least one region, at least two hints and a test file.
2. The markers in the source match the table: every region belongs to a lesson,
   every region the table names is marked, and each is a block of whole statements
   (regions of finished code cut with a lesson too, which the table does not list).
3. The reference package passes every lesson test, and every lesson has a test.
4. For each lesson L, a workbook with lessons L, L+1, ... stubbed passes every
   earlier lesson (so a lesson's tests use only what earlier lessons built), and
   every test of L fails there on lesson L's own stub.
5. Every region is tested: a workbook with only that region stubbed fails its lesson.

Each run happens in its own pytest process, several at a time.
"""

import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TextIO

from .lessons import LESSONS, Lesson
from .regions import Region, RegionError, check_region_is_a_block, find_regions, replace_region, stub_source
from .runner import TESTS_DIR, RunResult, run_lessons
from .workbook import package_modules, reference_package, reference_regions, write_package

__all__ = ["verify"]


def solution_lines(lesson: Lesson, regions: Iterable[Region] | None = None, shortest: int = 12) -> set[str]:
    """The non-trivial lines of lesson `lesson`'s reference solution, whitespace removed:
    the lines a hint must never give away (short ones such as `return out` are common
    to any code and are let through)."""
    lines = set()
    for region in regions if regions is not None else reference_regions():
        if region.lesson != lesson.number or region.cut:
            continue
        for line in region.body.splitlines():
            code = line.split("  #")[0].strip()
            if code.startswith("#"):
                continue
            squeezed = "".join(code.split())
            if len(squeezed) >= shortest:
                lines.add(squeezed)
    return lines


def hint_matches(hint_line: str, solution_line: str) -> bool:
    """True when one line of a hint, with each ``____`` read as a wildcard and spaces
    ignored, is a line of the solution: code with blanks gives the answer away too."""
    squeezed = "".join(hint_line.split("  #")[0].split())
    if len(squeezed.replace("____", "")) < 6:
        return False
    pattern = ".+?".join(re.escape(piece) for piece in squeezed.split("____"))
    return re.fullmatch(pattern, solution_line) is not None


def check_hints(regions: Iterable[Region] | None = None) -> list[str]:
    """Problems with the hints: three levels of prose (the idea; where to look; a worked
    example of another case), and no line of the solution in any of them, whether
    copied whole or with blanks."""
    problems = []
    for lesson in LESSONS:
        if len(lesson.hints) != 3:
            problems.append(
                f"lesson {lesson.number} needs three hints (the idea, where to look, a worked "
                f"example of another case); it has {len(lesson.hints)}"
            )
        regions = list(regions) if regions is not None else None
        given = solution_lines(lesson, regions)
        every_line = solution_lines(lesson, regions, shortest=1)
        for level, hint in enumerate(lesson.hints, start=1):
            squeezed = "".join(hint.split())
            for line in sorted(given):
                if line in squeezed:
                    problems.append(f"lesson {lesson.number}, hint {level} gives away a line of the solution: {line}")
            for hint_line in hint.split("\n"):
                for line in sorted(every_line):
                    if hint_matches(hint_line, line):
                        problems.append(
                            f"lesson {lesson.number}, hint {level} is a line of the solution with blanks: "
                            f"{hint_line.strip()!r} matches {line}"
                        )
    return problems


def check_table() -> list[str]:
    """Problems with the lesson table itself (a list of strings)."""
    problems = []
    numbers = [lesson.number for lesson in LESSONS]
    if numbers != list(range(1, len(LESSONS) + 1)):
        problems.append(f"the lessons must be numbered 1, 2, ... in order; they are {numbers}")
    slugs = [lesson.slug for lesson in LESSONS]
    if len(set(slugs)) != len(slugs):
        problems.append(f"two lessons share a slug: {slugs}")
    for lesson in LESSONS:
        problems += _lesson_problems(lesson)
    extra = sorted({p.name for p in TESTS_DIR.glob("test_*.py")} - {lesson.test_file for lesson in LESSONS})
    if extra:
        problems.append(f"test files that belong to no lesson: {', '.join(extra)}")
    return problems


def _lesson_problems(lesson: Lesson) -> list[str]:
    """Problems with one lesson's entry: its text, its regions, its hints, its test file."""
    problems = []
    name = f"lesson {lesson.number}"
    if not lesson.title.strip() or not lesson.idea.strip():
        problems.append(f"{name} needs a title and an idea")
    if lesson.challenge:
        if lesson.regions or len(lesson.revisits) != 1 or not lesson.counterexample.strip():
            problems.append(f"{name} is a challenge: it names no region, one region it revisits, and a counterexample")
        elif lesson.number != len(LESSONS):
            problems.append(f"{name} is a challenge (optional), so it must come last")
    elif not lesson.regions:
        problems.append(f"{name} names no region for the learner to write")
    if len(lesson.hints) < 2 or not all(h.strip() for h in lesson.hints):
        problems.append(f"{name} needs at least two hints, gentle to explicit (it has {len(lesson.hints)})")
    if len(set(lesson.regions)) != len(lesson.regions):
        problems.append(f"{name} names a region twice")
    if not (TESTS_DIR / lesson.test_file).is_file():
        problems.append(f"{name}: its test file lesson_tests/{lesson.test_file} is missing")
    return problems


def check_markers() -> tuple[list[str], list[Region]]:
    """Problems with the markers in the reference source, and the regions found."""
    problems: list[str] = []
    regions: list[Region] = []
    source = reference_package()
    for name in package_modules(source):
        text = (source / name).read_text(encoding="utf-8")
        try:
            found = find_regions(text, name)
            for region in found:
                check_region_is_a_block(region)
            stubbed = stub_source(text, name, {r.lesson for r in found}, lambda n: f"lesson {n}")
            compile(stubbed, name, "exec")
        except RegionError as error:
            problems.append(str(error))
            continue
        except SyntaxError as error:
            problems.append(f"{name}: the stubbed file does not compile (line {error.lineno}: {error.msg})")
            continue
        regions.extend(found)
    known = {lesson.number for lesson in LESSONS}
    marked: dict[int, set[tuple[str, str]]] = {}
    for region in regions:
        if region.lesson not in known:
            problems.append(f"{region.describe()}: marked for lesson {region.lesson}, which does not exist")
            continue
        if region.cut:
            continue
        if region.key in marked.get(region.lesson, set()):
            problems.append(f"{region.describe()}: a second region of lesson {region.lesson} in the same function")
        marked.setdefault(region.lesson, set()).add(region.key)
    for lesson in LESSONS:
        declared = set(lesson.regions)
        keys = marked.get(lesson.number, set())
        for path, function in sorted(declared - keys):
            problems.append(
                f"lesson {lesson.number} names {function} in {path}, but no region there is marked "
                f"'# BEGIN LESSON {lesson.number}'"
            )
        for path, function in sorted(keys - declared):
            problems.append(
                f"{function} in {path} is marked for lesson {lesson.number}, but the lesson table does not name it"
            )
    return problems, regions


def _describe_failure(result: RunResult, number: int) -> str:
    test = result.first_failure(number)
    if result.state != "finished":
        return f"{result.state}: {(result.error or {}).get('message', '')}"
    if test is None:
        error = result.collect_error(number)
        return error["message"][-500:] if error else "no test failed"
    return f"{test.name}: {(test.message or '').splitlines()[0] if test.message else test.outcome}"


class _Report:
    """One line per check: a mark, what was checked, and the problems found; keeps them all."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.ok, self.bad = _marks(out)
        self.problems: list[str] = []

    def __call__(self, passed: bool, text: str, details: Sequence[str] = ()) -> None:
        print(f"{self.ok if passed else self.bad} {text}", file=self.out, flush=True)
        for line in details:
            print(f"    {line}", file=self.out, flush=True)
        if not passed:
            self.problems.extend(details or [text])


def verify(out: TextIO | None = None, workers: int | None = None, per_region: bool = True) -> list[str]:
    """Run every check, printing one line per check to `out`. Returns the list of problems."""
    out = out if out is not None else sys.stdout
    report = _Report(out)
    start = time.perf_counter()
    print(f"tinygrad-edu learn verify: the learning path of {reference_package()}", file=out, flush=True)
    regions = _check_the_sources(report)
    if regions is None:
        print(
            f"verify: stopped after {time.perf_counter() - start:.1f} s with {len(report.problems)} problem(s)",
            file=out,
            flush=True,
        )
        return report.problems
    learner_regions = [region for region in regions if not region.cut]
    results = _run_everything(regions, learner_regions if per_region else [], workers)
    _check_the_reference(report, results["reference"])
    for lesson in LESSONS:
        if lesson.challenge:
            _check_a_challenge(report, lesson, results)
        else:
            _check_a_lesson(report, lesson, results)
    if per_region:
        _check_every_region(report, learner_regions, results)
    took = time.perf_counter() - start
    if report.problems:
        print(f"verify: {len(report.problems)} problem(s) ({took:.1f} s)", file=out, flush=True)
    else:
        print(f"verify: the learning path is consistent ({len(results)} test runs, {took:.1f} s)", file=out, flush=True)
    return report.problems


def _check_the_sources(report: _Report) -> list[Region] | None:
    """Checks 1 and 2 and the hints, which need no test run: the regions found, or None
    when a problem makes the runs pointless."""
    table = check_table()
    report(not table, f"the table: {len(LESSONS)} lessons, each with regions, hints and a test file", table)
    marker_problems, regions = check_markers()
    report(
        not marker_problems,
        f"the markers: {len(regions)} regions, each inside one lesson's functions as the table says",
        marker_problems,
    )
    hint_problems = check_hints(regions)
    report(
        not hint_problems,
        "the hints: the idea, where to look, a worked example; no line of a solution, whole or with blanks",
        hint_problems,
    )
    return None if table or marker_problems or hint_problems else regions


def _run_everything(regions: list[Region], stubbed_alone: list[Region], workers: int | None) -> dict[str, RunResult]:
    """Every run the checks read, several at a time: the reference; for each lesson L a
    workbook with L and later stubbed ("fromL"); for a challenge its counterexample
    ("counterL"); and one workbook per region of `stubbed_alone`, that region alone stubbed ("regionI")."""
    n = len(LESSONS)
    with tempfile.TemporaryDirectory(prefix="tinygrad-edu-verify-") as folder:
        scratch = Path(folder)
        jobs: dict[str, tuple[Path, list[int] | None]] = {"reference": (reference_package().parent, None)}
        for lesson in LESSONS:
            root = scratch / f"from{lesson.number}"
            write_package(root, stubbed=set(range(lesson.number, n + 1)))
            jobs[f"from{lesson.number}"] = (root, list(range(1, lesson.number + 1)))
            if lesson.challenge:  # the earlier lesson's code written the way the challenge rules out
                root = scratch / f"counter{lesson.number}"
                write_package(root, stubbed=set())
                _write_counterexample(root, lesson, regions)
                jobs[f"counter{lesson.number}"] = (root, list(range(1, lesson.number + 1)))
        for i, region in enumerate(stubbed_alone):
            root = scratch / f"region{i}"
            write_package(root, stubbed=_only(region))
            jobs[f"region{i}"] = (root, [region.lesson])
        workers = workers or max(2, os.cpu_count() or 2)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {key: pool.submit(run_lessons, root, lessons) for key, (root, lessons) in jobs.items()}
            return {key: future.result() for key, future in futures.items()}


def _only(region: Region) -> Callable[[Region], bool]:
    """Whether to stub a region: only `region` itself."""
    return lambda r: r.lesson == region.lesson and r.key == region.key and not r.cut


def _check_the_reference(report: _Report, reference: RunResult) -> None:
    missing = [lesson.number for lesson in LESSONS if not reference.tests_of(lesson.number)]
    failing = [t for t in reference.tests if t.outcome != "passed"]
    details = []
    if reference.state != "finished":
        details.append(f"the reference run did not finish: {(reference.error or {}).get('message')}")
    details += [f"lesson {m} has no test" for m in missing]
    details += [f"{t.nodeid} {t.outcome} on the reference: {(t.message or '').splitlines()[:1]}" for t in failing]
    details += [f"collection error: {e['nodeid']}: {e['message'][-300:]}" for e in reference.collect_errors]
    report(
        not details,
        f"the reference passes all {len(reference.tests)} lesson tests ({reference.seconds:.1f} s)",
        details,
    )


def _earlier_lessons_pass(result: RunResult, number: int) -> list[str]:
    """Problems: the lessons before `number` that fail when `number` and later are stubbed."""
    n = len(LESSONS)
    details = []
    if result.state != "finished":
        details.append(f"the run did not finish: {(result.error or {}).get('message')}")
    for earlier in range(1, number):
        if result.outcome(earlier) != "passed":
            details.append(
                f"lesson {earlier} fails when lessons {number}-{n} are stubbed, so its tests use "
                f"something a later lesson builds: {_describe_failure(result, earlier)}"
            )
    return details


def _check_a_lesson(report: _Report, lesson: Lesson, results: dict[str, RunResult]) -> None:
    """Check 4 for one lesson: earlier lessons pass with it stubbed, and each of its tests
    fails on its own stub."""
    number, n = lesson.number, len(LESSONS)
    result = results[f"from{number}"]
    details = _earlier_lessons_pass(result, number)
    own = result.tests_of(number)
    expected_start = f"NotImplementedError: lesson {number}:"
    for test in own:
        if test.outcome != "failed":
            details.append(f"{test.name} passes with lesson {number} stubbed: it does not test the lesson")
        elif not (test.message or "").startswith(expected_start):
            details.append(
                f"{test.name} fails on the stubs, but not on lesson {number}'s own stub: "
                f"{(test.message or '').splitlines()[:1]}"
            )
    if not own:
        details.append(f"lesson {number} ran no test")
    stubs = f"lessons {number}-{n}" if number < n else f"lesson {n}"
    earlier = {1: "no earlier lesson", 2: "lesson 1 passes"}.get(number, f"lessons 1-{number - 1} pass")
    report(
        not details,
        f"lesson {number}: its {len(own)} tests fail on its stubs; {earlier} with {stubs} stubbed",
        details,
    )


def _check_a_challenge(report: _Report, lesson: Lesson, results: dict[str, RunResult]) -> None:
    """Check 4 for a challenge: the counterexample passes the earlier lessons, not this one."""
    number = lesson.number
    details = _earlier_lessons_pass(results[f"from{number}"], number)
    counter = results[f"counter{number}"]
    _, _, function = lesson.revisits[0]
    for earlier in range(1, number):
        if counter.outcome(earlier) != "passed":
            details.append(
                f"with the counterexample in {function}, lesson {earlier} fails: {_describe_failure(counter, earlier)}"
            )
    if counter.outcome(number) != "failed":
        details.append(f"the counterexample for {function} passes the challenge: it tests nothing new")
    report(
        not details,
        f"lesson {number} (challenge): the reference passes; {function} written as the "
        f"counterexample passes lessons 1-{number - 1} and fails {number}",
        details,
    )


def _check_every_region(report: _Report, learner_regions: list[Region], results: dict[str, RunResult]) -> None:
    """Check 5: stubbing any one region alone fails its lesson."""
    details = []
    for i, region in enumerate(learner_regions):
        if results[f"region{i}"].outcome(region.lesson) != "failed":
            details.append(
                f"with only {region.function} ({region.path}) stubbed, lesson {region.lesson} "
                "still passes: no test needs it"
            )
    report(
        not details,
        f"every region is tested: stubbing any one of the {len(learner_regions)} alone fails its lesson",
        details,
    )


def _write_counterexample(root: Path, lesson: Lesson, regions: list[Region]) -> None:
    earlier, path, function = lesson.revisits[0]
    [region] = [r for r in regions if r.lesson == earlier and r.function == function and not r.cut]
    target = Path(root) / "tinygrad_edu" / path
    text = target.read_text(encoding="utf-8")
    target.write_text(
        replace_region(text, path, earlier, function, lesson.counterexample, new_indent="    "), encoding="utf-8"
    )


def _marks(out: TextIO) -> tuple[str, str]:
    encoding = getattr(out, "encoding", None) or "utf-8"
    try:
        "✓✗".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return "ok", "FAIL"
    return "✓", "✗"
