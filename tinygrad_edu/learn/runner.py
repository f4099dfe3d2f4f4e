"""Running the lesson tests in a separate Python process.

A process that has imported tinygrad_edu keeps that copy, so the tests always run
in a new `python -m pytest` whose first sys.path entry is the implementation under
test (a workbook, or the reference package's folder). The conftest next to the
tests checks that the copy imported is that one, and writes each test's outcome
and failure message to a JSON report, which is read back here.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import WorkbookError
from .lessons import LESSONS, marker_name
from .workbook import check_code_is_trusted

__all__ = ["TESTS_DIR", "RunResult", "TestResult", "run_lessons", "pytest_available"]

TESTS_DIR = Path(__file__).resolve().parent / "lesson_tests"
DEFAULT_TIMEOUT = 60.0  # seconds; a lesson run takes one or two
_REFERENCE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding the reference tinygrad_edu

# The JSON report the lesson tests' conftest writes: "state", "tests", "running", "error", ...
Report = dict[str, Any]


@dataclass
class TestResult:
    nodeid: str
    name: str
    lesson: int
    doc: str
    outcome: str  # passed, failed, skipped, or pending (never ran)
    message: str | None = None
    exception: str | None = None
    where: str | None = None  # the line in the implementation where it failed
    code: str | None = None  # that line's source
    test_line: str | None = None  # the line of the test where it failed
    file: str | None = None  # the test file
    frames: list[dict[str, Any]] | None = (
        None  # the calls inside the implementation, deepest last: file, line, function, code
    )


@dataclass
class RunResult:
    """What one pytest run found. `state` is finished, import-error, config-error,
    timeout or crashed; `error` describes the last four."""

    state: str
    tests: list[TestResult] = field(default_factory=list)
    error: dict[str, Any] | None = None
    collect_errors: list[dict[str, Any]] = field(default_factory=list)
    running: str | None = None  # the test that was running when a timeout struck
    returncode: int | None = None
    output: str = ""
    seconds: float = 0.0

    def tests_of(self, number: int) -> list[TestResult]:
        return [t for t in self.tests if t.lesson == number]

    def outcome(self, number: int) -> str:
        """passed, failed, or not-run (skipped because an earlier lesson fails, or no
        result at all) for lesson `number`."""
        if self.state == "timeout":  # the lessons whose tests all ran before it keep their outcome
            tests = self.tests_of(number)
            if tests and all(t.outcome == "passed" for t in tests):
                return "passed"
            return "failed" if any(t.nodeid == self.running for t in tests) else "not-run"
        if self.state != "finished":
            return "failed"
        if any(_file_lesson(error["nodeid"]) == number for error in self.collect_errors):
            return "failed"
        tests = self.tests_of(number)
        if not tests:
            return "not-run"
        if any(t.outcome == "failed" for t in tests):
            return "failed"
        if all(t.outcome == "passed" for t in tests):
            return "passed"
        return "not-run"

    def first_failure(self, number: int) -> TestResult | None:
        for t in self.tests_of(number):
            if t.outcome == "failed":
                return t
        return None

    def collect_error(self, number: int) -> dict[str, Any] | None:
        for error in self.collect_errors:
            if _file_lesson(error["nodeid"]) == number:
                return error
        return None


def _file_lesson(nodeid: str) -> int | None:
    name = Path(nodeid.split("::")[0]).name
    for lesson in LESSONS:
        if lesson.test_file == name:
            return lesson.number
    return None


def pytest_available() -> bool:
    try:
        import pytest  # noqa: F401
    except ImportError:
        return False
    return True


def run_lessons(
    impl_root: str | Path,
    lessons: Iterable[int] | None = None,
    stop: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    show_output: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> RunResult:
    """Run the tests of `lessons` (lesson numbers; None: all) against the tinygrad_edu
    package in the folder `impl_root`. With `stop`, the lessons after the first failing
    lesson are skipped. `on_progress(n)` is called each time the run moves on to the
    tests of lesson n. Returns a RunResult."""
    impl_root = Path(impl_root).resolve()
    numbers = None if lessons is None else sorted(set(lessons))
    check_test_path_is_trusted(impl_root)  # before every run: a file may have changed since the last
    with tempfile.TemporaryDirectory(prefix="tinygrad-edu-learn-") as scratch:
        report = Path(scratch) / "report.json"
        command = _pytest_command(impl_root, numbers, stop, report)
        env = _pytest_env(impl_root)
        if impl_root != _REFERENCE_ROOT:  # never touch the installed package
            shutil.rmtree(impl_root / "tinygrad_edu" / "__pycache__", ignore_errors=True)
        start = time.perf_counter()
        try:
            completed = _run_pytest(command, scratch, env, show_output, timeout, report, on_progress)
        except subprocess.TimeoutExpired:
            return _timed_out(_read(report), timeout, time.perf_counter() - start)
        seconds = time.perf_counter() - start
        data = _read(report)
    return _result(data, completed, seconds)


def check_test_path_is_trusted(impl_root: Path) -> None:
    """Raise WorkbookError unless what the test process imports is safe to run: the workbook
    (every file the user's own, writable by nobody else), the lesson tests and the folders
    of PYTHONPATH (the user's or the system's, writable by nobody else)."""
    if impl_root != _REFERENCE_ROOT:
        check_code_is_trusted(impl_root)
    if not hasattr(os, "getuid"):
        return
    folders = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    for path in [TESTS_DIR, *TESTS_DIR.rglob("*"), *map(Path, folders)]:
        try:
            info = path.stat()
        except OSError:
            continue
        writable = info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not (
            info.st_gid == 0 and not info.st_mode & stat.S_IWOTH
        )
        if info.st_uid not in (0, os.getuid()) or writable:
            raise WorkbookError(
                f"{path} is on the lesson tests' import path but another user owns it (uid {info.st_uid}) "
                f"or may write to it; learn will not run it. Make it yours and private (chmod go-w {path})"
            )


def _pytest_command(impl_root: Path, numbers: list[int] | None, stop: bool, report: Path) -> list[str]:
    """The `python -m pytest` command line that runs lessons `numbers` (None: all)."""
    # Only the files of the lessons asked for are collected (faster), then -m picks them.
    if numbers is None:
        targets = [str(TESTS_DIR)]
    else:
        targets = [str(TESTS_DIR / lesson.test_file) for lesson in LESSONS if lesson.number in numbers]
    command = [
        sys.executable,
        "-m",
        "pytest",
        *targets,
        f"--rootdir={TESTS_DIR}",
        "-c",
        str(TESTS_DIR / "pytest.ini"),
        "--import-mode=importlib",
        "-p",
        "no:cacheprovider",
        "--continue-on-collection-errors",
        f"--learn-impl={impl_root}",
        f"--learn-report={report}",
        "-q",
        "--tb=short",
        "--color=no",
    ]
    if numbers is not None:
        command += ["-m", " or ".join(marker_name(n) for n in numbers)]
    if stop:
        command.append("--learn-stop")
    return command


def _pytest_env(impl_root: Path) -> dict[str, str]:
    """The environment of the test process: `impl_root` first on sys.path, and nothing of
    the learner's own pytest setup."""
    env = dict(os.environ)
    for name in ("PYTEST_ADDOPTS", "TINYGRAD_EDU_LEARN_IMPL", "TINYGRAD_EDU_LEARN_REPORT", "PYTHONSTARTUP"):
        env.pop(name, None)
    env["PYTHONPATH"] = os.pathsep.join([str(impl_root)] + [p for p in [env.get("PYTHONPATH")] if p])
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # a learner's other pytest plugins stay out of it
    # Nothing is written next to the sources, and compiled files a learner's own runs
    # left behind are removed: Python trusts a cache whose source has the same size and
    # modification second, so a quick second save could otherwise run the old code.
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def _timed_out(data: Report | None, timeout: float, seconds: float) -> RunResult:
    running = data.get("running") if data else None
    return RunResult(
        state="timeout",
        running=running,
        seconds=seconds,
        tests=_tests(data),
        error={
            "type": "Timeout",
            "where": None,
            "code": None,
            "message": f"the tests did not finish within {timeout:g} s"
            + (f" (test {running} was running: an endless loop?)" if running else ""),
        },
    )


def _result(data: Report | None, completed: _Completed, seconds: float) -> RunResult:
    """The RunResult of a pytest process that ended, from the report its conftest wrote."""
    output = completed.stdout or ""
    if data is None:
        return RunResult(
            state="crashed",
            returncode=completed.returncode,
            output=output,
            seconds=seconds,
            error={
                "type": "Crash",
                "where": None,
                "code": None,
                "message": "pytest stopped before the lesson tests started:\n" + _tail(output),
            },
        )
    state = data.get("state")
    if state in ("running", "starting"):  # pytest died part way (e.g. the process was killed)
        state = "crashed"
        data["error"] = data.get("error") or {
            "type": "Crash",
            "where": None,
            "code": None,
            "message": "the test run stopped part way:\n" + _tail(output),
        }
    return RunResult(
        state=str(state),  # always named in a report the conftest wrote
        tests=_tests(data),
        error=data.get("error"),
        collect_errors=data.get("collect_errors", []),
        running=data.get("running"),
        returncode=completed.returncode,
        output=output,
        seconds=seconds,
    )


class _Completed:
    """What subprocess.run would return: the exit code and the output."""

    def __init__(self, returncode: int, stdout: str | None) -> None:
        self.returncode, self.stdout = returncode, stdout


def _run_pytest(
    command: list[str],
    cwd: str,
    env: dict[str, str],
    show_output: bool,
    timeout: float,
    report: Path,
    on_progress: Callable[[int], None] | None,
) -> _Completed:
    """subprocess.run, but looking at the report now and then to tell `on_progress`
    which lesson is running. Raises subprocess.TimeoutExpired after `timeout` seconds."""
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=None if show_output else subprocess.PIPE,
        stderr=subprocess.STDOUT if not show_output else None,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    deadline = time.monotonic() + timeout
    lesson_now = None
    with process:
        while True:
            try:
                stdout, _ = process.communicate(timeout=0.1 if on_progress else max(0.0, deadline - time.monotonic()))
                return _Completed(process.returncode, stdout)
            except subprocess.TimeoutExpired:
                if time.monotonic() >= deadline:
                    process.kill()
                    process.communicate()
                    raise
            except BaseException:  # Ctrl-C: the tests stop with us
                process.kill()
                raise
            if on_progress is not None:
                data = _read(report)
                running = data.get("running") if data else None
                lesson = _running_lesson(data, running) if data and running else None
                if lesson is not None and lesson != lesson_now:
                    lesson_now = lesson
                    on_progress(lesson)


def _running_lesson(data: Report, nodeid: str) -> int | None:
    """The lesson of the test `nodeid`; None once an earlier lesson has a failing test
    (with stop, the later lessons' tests are only being skipped, not run)."""
    tests = data.get("tests", [])
    lesson = next((entry.get("lesson") for entry in tests if entry.get("nodeid") == nodeid), None)
    if lesson is None:
        return None
    failing = [entry.get("lesson") for entry in tests if entry.get("outcome") == "failed"]
    return None if any(isinstance(n, int) and n < lesson for n in failing) else lesson


def _read(path: Path) -> Report | None:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _tests(data: Report | None) -> list[TestResult]:
    if not data:
        return []
    fields = TestResult.__dataclass_fields__
    return [TestResult(**{k: v for k, v in entry.items() if k in fields}) for entry in data.get("tests", [])]


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
