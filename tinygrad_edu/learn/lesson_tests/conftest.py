"""pytest setup for the lesson tests of `tinygrad-edu learn`.

The same tests judge the reference package and a learner's workbook:

* ``--learn-impl DIR`` (or the environment variable TINYGRAD_EDU_LEARN_IMPL=DIR)
  names the folder that holds the ``tinygrad_edu`` package to test. It is put first
  on sys.path, and the run stops with an error if Python imports any other copy.
  Without it, the tests use whatever ``import tinygrad_edu`` finds (the header says which).
* ``--learn-report FILE`` (or TINYGRAD_EDU_LEARN_REPORT=FILE) writes every test's
  outcome and failure message to FILE as JSON, for the `learn` command to show.
* ``--learn-stop`` skips the tests of every lesson after the first lesson that fails.
* ``--learn-test-limit S`` (or TINYGRAD_EDU_LEARN_TEST_LIMIT=S; default 10) stops a test
  that runs longer than S seconds (an endless loop, most likely) where it is, so that it
  fails with the learner's line, and skips the rest of that lesson's tests. It needs
  SIGALRM (not on Windows, where the `learn` command's time limit for the whole run is
  the only one).

Each test is marked with its lesson (``pytest -m lesson3``). Tests compare numbers
through the `expect` fixture, whose failures name the lesson and show what was
expected and what was received.
"""

import importlib.util
import json
import math
import os
import signal
import sys
from pathlib import Path

import pytest

IMPL_ENV = "TINYGRAD_EDU_LEARN_IMPL"
REPORT_ENV = "TINYGRAD_EDU_LEARN_REPORT"
LIMIT_ENV = "TINYGRAD_EDU_LEARN_TEST_LIMIT"
HERE = Path(__file__).resolve().parent
MODULES = ("engine", "ops", "nn", "optim", "gradcheck", "backprop")
_CONFIG = [None]  # the running config, for the hooks that are not handed it


def _load_lessons():
    # By file path: `import tinygrad_edu.learn` would import the package under test.
    name = "_tinygrad_edu_learn_lessons"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE.parent / "lessons.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


LESSONS = {lesson.number: lesson for lesson in _load_lessons().LESSONS}


# ----- choosing the implementation -------------------------------------------------------


def pytest_addoption(parser):
    group = parser.getgroup("learn", "tinygrad-edu learning path")
    group.addoption(
        "--learn-impl",
        metavar="DIR",
        default=os.environ.get(IMPL_ENV),
        help=f"the folder holding the tinygrad_edu to test (default: ${IMPL_ENV}, else normal import)",
    )
    group.addoption(
        "--learn-report",
        metavar="FILE",
        default=os.environ.get(REPORT_ENV),
        help=f"write outcomes and failure messages as JSON (default: ${REPORT_ENV})",
    )
    group.addoption("--learn-stop", action="store_true", help="skip the lessons after the first lesson that fails")
    group.addoption(
        "--learn-test-limit",
        metavar="S",
        type=float,
        default=float(os.environ.get(LIMIT_ENV, "10")),
        help=f"stop a test after S seconds, where it is (default: ${LIMIT_ENV}, else 10; 0: no limit)",
    )


class _Report:
    """The JSON file the `learn` command reads; rewritten as the run goes, so a run
    killed for taking too long still tells which test was running."""

    def __init__(self, path):
        self.path = path
        self.data = {
            "format": 1,
            "impl": None,
            "state": "starting",
            "error": None,
            "running": None,
            "tests": [],
            "collect_errors": [],
        }
        self.by_id = {}

    def write(self):
        if not self.path:
            return
        temporary = f"{self.path}.tmp"
        with open(temporary, "w", encoding="utf-8") as f:
            json.dump(self.data, f, indent=1)
        os.replace(temporary, self.path)


def pytest_configure(config):
    for number, lesson in LESSONS.items():
        config.addinivalue_line("markers", f"{lesson.marker}: lesson {number}, {lesson.title}")
    _CONFIG[0] = config
    # (defaults too: when pytest starts from a folder above this one, the options may be unknown)
    report = config._learn_report = _Report(config.getoption("learn_report", os.environ.get(REPORT_ENV)))
    config._learn_failed_lesson = None
    impl = config.getoption("learn_impl", os.environ.get(IMPL_ENV))
    if impl:
        root = Path(impl).resolve()
        if not (root / "tinygrad_edu" / "__init__.py").is_file():
            _config_error(report, f"--learn-impl {impl}: there is no tinygrad_edu/__init__.py in that folder")
        sys.path.insert(0, str(root))
        expected = root / "tinygrad_edu"
    else:
        expected = None
    loaded = sys.modules.get("tinygrad_edu")
    if loaded is not None:
        found = Path(loaded.__file__).resolve().parent
    else:
        spec = importlib.util.find_spec("tinygrad_edu")
        if spec is None or spec.origin is None:
            _config_error(report, "no tinygrad_edu package can be imported")
        found = Path(spec.origin).resolve().parent
    if expected is not None and found != expected:
        _config_error(
            report,
            f"the lesson tests must test {expected}, but Python would import tinygrad_edu "
            f"from {found} (an installed copy shadows it?)",
        )
    config._learn_impl = found
    report.data["impl"] = str(found)
    report.write()


def _config_error(report, message):
    report.data["state"] = "config-error"
    report.data["error"] = {"type": "UsageError", "message": message, "where": None, "code": None}
    report.write()
    raise pytest.UsageError(message)


def pytest_report_header(config):
    return f"lesson tests against: {config._learn_impl}"


def pytest_sessionstart(session):
    """Import the package under test once, so that a syntax error in a learner's file
    is reported as such, not as one collection error per test file."""
    config = session.config
    report = config._learn_report
    try:
        for name in ("tinygrad_edu",) + tuple(f"tinygrad_edu.{m}" for m in MODULES):
            importlib.import_module(name)
    except Exception as error:  # noqa: BLE001 - anything a learner's file can raise at import
        report.data["state"] = "import-error"
        report.data["error"] = _describe_import_error(error, config._learn_impl)
        report.write()
        pytest.exit(
            f"cannot import tinygrad_edu from {config._learn_impl}: "
            f"{report.data['error']['type']}: {report.data['error']['message']}",
            returncode=3,
        )
    found = {
        Path(sys.modules[name].__file__).resolve().parent
        for name in ["tinygrad_edu"] + [f"tinygrad_edu.{m}" for m in MODULES]
    }
    outside = {folder for folder in found if not folder.is_relative_to(config._learn_impl)}  # nn/ is a subpackage
    if outside:
        message = f"imported tinygrad_edu from {', '.join(sorted(map(str, found)))}, expected {config._learn_impl} only"
        report.data["state"] = "config-error"
        report.data["error"] = {"type": "UsageError", "message": message, "where": None, "code": None}
        report.write()
        pytest.exit(message, returncode=4)
    report.data["state"] = "running"
    report.write()


def _relative(path, impl):
    path = Path(path).resolve()
    try:
        return str(path.relative_to(impl.parent))
    except ValueError:
        return str(path)


def _describe_import_error(error, impl):
    if isinstance(error, SyntaxError):
        where = f"{_relative(error.filename, impl)}, line {error.lineno}" if error.filename else None
        return {
            "type": type(error).__name__,
            "message": error.msg,
            "where": where,
            "code": (error.text or "").strip() or None,
        }
    tb = error.__traceback__
    where = code = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if impl in Path(filename).resolve().parents:
            where = f"{_relative(filename, impl)}, line {tb.tb_lineno}, in {tb.tb_frame.f_code.co_name}"
            code = _source_line(filename, tb.tb_lineno)
        tb = tb.tb_next
    return {"type": type(error).__name__, "message": str(error), "where": where, "code": code}


def _source_line(filename, lineno):
    try:
        with open(filename, encoding="utf-8") as f:
            for number, line in enumerate(f, start=1):
                if number == lineno:
                    return line.strip()
    except OSError:
        pass
    return None


# ----- lessons in order, and stopping after the first failing lesson ----------------------


def _lesson_of(item):
    numbers = [
        int(m.name[len("lesson") :])
        for m in item.iter_markers()
        if m.name.startswith("lesson") and m.name[len("lesson") :].isdigit()
    ]
    return numbers[0] if len(numbers) == 1 else None


def pytest_collection_modifyitems(session, config, items):
    report = config._learn_report
    for item in items:
        if _lesson_of(item) is None:
            raise pytest.UsageError(f"{item.nodeid}: every lesson test needs exactly one lessonN marker")
    items.sort(key=_lesson_of)  # stable: file order within a lesson
    for item in items:
        doc = _summary(getattr(item.function, "__doc__", None))
        entry = {
            "nodeid": item.nodeid,
            "name": item.name,
            "lesson": _lesson_of(item),
            "file": str(Path(item.fspath).resolve()),
            "doc": doc,
            "outcome": "pending",
            "message": None,
            "exception": None,
            "where": None,
            "code": None,
            "test_line": None,
            "frames": [],
        }
        report.data["tests"].append(entry)
        report.by_id[item.nodeid] = entry
    report.write()


def _summary(docstring):
    """The first paragraph of a docstring, on one line (a summary may wrap onto a second line)."""
    lines = []
    for line in (docstring or "").strip().splitlines():
        if not line.strip():
            break
        lines.append(line.strip())
    return " ".join(lines)


def pytest_collectreport(report):
    config = _CONFIG[0]
    if report.failed and config is not None:
        config._learn_report.data["collect_errors"].append(
            {"nodeid": report.nodeid, "message": str(report.longrepr)[-2000:]}
        )
        config._learn_report.write()


def pytest_runtest_setup(item):
    config = item.config
    failed = config._learn_failed_lesson
    config._learn_report.data["running"] = item.nodeid
    config._learn_report.write()
    if config.getoption("learn_stop", False) and failed is not None and failed < _lesson_of(item):
        pytest.skip(f"not run: lesson {failed} fails first")
    if _lesson_of(item) in getattr(config, "_learn_stuck", set()):
        pytest.skip("not run: an earlier test of this lesson did not finish")


class TestTooLong(Exception):
    """A lesson test ran past its time limit and was stopped where it was."""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """Stop a test that runs past --learn-test-limit where it is (an endless loop in the
    learner's code, most likely), so that it fails naming the line it was on."""
    limit = item.config.getoption("learn_test_limit", 10.0) or 0.0
    if limit <= 0 or not hasattr(signal, "setitimer"):
        yield
        return

    def stop(signum, frame):
        item.config.__dict__.setdefault("_learn_stuck", set()).add(_lesson_of(item))
        raise TestTooLong(
            f"this test was stopped after {limit:g} s: an endless loop? (a loop whose condition "
            "never changes, or a walk that visits the same nodes again and again)"
        )

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def pytest_runtest_makereport(item, call):
    """Keep the failure's message and where it happened (the line in the learner's
    code, and the line of the test). The report itself is made as usual."""
    entry = item.config._learn_report.by_id.get(item.nodeid)
    excinfo = call.excinfo
    if entry is None or excinfo is None or call.when == "teardown" or entry["message"] is not None:
        return None
    if excinfo.errisinstance(pytest.skip.Exception):
        return None
    error = excinfo.value
    entry["exception"] = type(error).__name__
    entry["message"] = str(error) if isinstance(error, AssertionError) else f"{type(error).__name__}: {error}"
    impl = item.config._learn_impl
    frames = {}  # (file, line) -> frame in the package under test, deepest call last
    for tb_entry in excinfo.traceback:
        path = Path(str(tb_entry.path)).resolve()
        line = tb_entry.lineno + 1
        if impl in path.parents:
            frame = {
                "file": _relative(path, impl),
                "line": line,
                "function": tb_entry.name,
                "code": _source_line(str(path), line),
            }
            frames.pop((frame["file"], line), None)  # a recursion repeats frames: keep each once
            frames[(frame["file"], line)] = frame
        elif path.parent == HERE and path.name.startswith("test_"):
            entry["test_line"] = f"{path.name}, line {line}: {_source_line(str(path), line) or ''}".rstrip()
    entry["frames"] = list(frames.values())[-20:]
    if entry["frames"]:
        deepest = entry["frames"][-1]
        entry["where"] = f"{deepest['file']}, line {deepest['line']}, in {deepest['function']}"
        entry["code"] = deepest["code"]
    return None


def pytest_runtest_logreport(report):
    config = _CONFIG[0]
    entry = config._learn_report.by_id.get(report.nodeid) if config is not None else None
    if entry is None:
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        entry["outcome"] = report.outcome
    elif report.when == "teardown" and report.failed and entry["outcome"] == "passed":
        entry["outcome"] = "failed"
    if report.failed:
        lesson = entry["lesson"]
        if config._learn_failed_lesson is None or lesson < config._learn_failed_lesson:
            config._learn_failed_lesson = lesson
    if report.when == "teardown":
        config._learn_report.data["running"] = None
    config._learn_report.write()


def pytest_sessionfinish(session, exitstatus):
    learn = session.config._learn_report
    if learn.data["state"] == "running":
        learn.data["state"] = "finished"
    learn.data["running"] = None
    learn.write()


# ----- expected versus received -------------------------------------------------------------


def _show(x, limit=300):
    if isinstance(x, float):
        text = repr(x)
    elif isinstance(x, (list, tuple)) and x and all(isinstance(v, float) for v in x):
        text = ", ".join(repr(v) for v in x)
        text = f"[{text}]" if isinstance(x, list) else f"({text},)" if len(x) == 1 else f"({text})"
    elif x is None:
        text = "None"
    else:
        text = repr(x)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _matches(received, expected, rel, abs_tol):
    if isinstance(expected, bool) or expected is None:
        return received is expected
    if _is_number(expected):
        if not _is_number(received):
            return False
        if math.isnan(expected):
            return math.isnan(received)
        return math.isclose(received, expected, rel_tol=rel, abs_tol=abs_tol)
    if isinstance(expected, (list, tuple)):
        return (
            isinstance(received, (list, tuple))
            and len(received) == len(expected)
            and all(_matches(r, e, rel, abs_tol) for r, e in zip(received, expected))
        )
    return received is expected or received == expected


class Expect:
    """Checks for lesson tests. Every failure says which lesson, what was checked,
    the expected value and the received one."""

    def __init__(self, lesson):
        self.lesson = lesson
        self.header = f"lesson {lesson.number}, {lesson.title}" if lesson else "lesson test"

    def __call__(self, received, expected, what, rel=1e-9, abs=1e-12):
        """Fail unless `received` equals `expected` (numbers within rel/abs; lists element by element)."""
        __tracebackhide__ = True
        if not _matches(received, expected, rel, abs):
            self.fail(what, _show(expected), _show(received))

    def fail(self, what, expected, received):
        __tracebackhide__ = True
        raise AssertionError(f"{self.header}\n{what}\n  expected: {expected}\n  received: {received}")

    def true(self, condition, what, expected, received):
        """Fail unless `condition`, describing the expectation and what happened in words."""
        __tracebackhide__ = True
        if not condition:
            self.fail(what, expected, received)

    def value(self, x, what):
        """Fail unless `x` is a Value of the package under test; return it."""
        __tracebackhide__ = True
        from tinygrad_edu.engine import Value

        if not isinstance(x, Value):
            received = _show(x)
            if x is None:
                received += " (did the method forget to return the new node?)"
            else:
                received += f" (a {type(x).__name__})"
            self.fail(what, "a Value", received)
        return x

    def gradients_check(self, f, point, formula):
        """Fail unless backward() through `f` agrees with central differences at `point`."""
        __tracebackhide__ = True
        from tinygrad_edu.gradcheck import gradcheck

        try:
            result = gradcheck(f, point)
        except AssertionError as error:
            self.fail(f"gradcheck of {formula} at {point}", "backward() equal to central differences", str(error))
        self(result, True, f"gradcheck at {point}")

    def raises(self, exception, function, what):
        """Fail unless function() raises `exception`; return the exception.
        A NotImplementedError (an unfinished stub) is passed on as it is."""
        __tracebackhide__ = True
        try:
            result = function()
        except exception as error:
            return error
        except NotImplementedError:
            raise
        except Exception as error:  # noqa: BLE001 - reported as "received"
            self.fail(what, f"{exception.__name__} raised", f"{type(error).__name__}: {error}")
        self.fail(what, f"{exception.__name__} raised", f"no error; the result was {_show(result)}")

    # ----- a rule against the numerical slope ---------------------------------------------

    def slopes(self, received, f, point, names, text, h=1e-6, rel=1e-5, abs=1e-8, output=None):
        """Fail unless `received` (one derivative per operand) agrees with the slope found by
        nudging each operand of the plain function `f` by h at `point`. The message puts the
        learner's number beside the nudged one, for the first operand that is off. With
        `output` (a name such as "y"), the point is also given as the output there, for a
        rule that is handed only its output."""
        __tracebackhide__ = True
        nudged = tuple(central_slope(f, point, i, h) for i in range(len(point)))
        where = ", ".join(f"{name} = {value:g}" for name, value in zip(names, point))
        moved, slope_of, comma = text, f"d({text})", ""  # what moves, as the message names it
        if output is not None:
            where += f", where {output} = {text} = {f(*point):.6g} (your out)"
            moved, slope_of, comma = output, f"d{output}", ","
        expected = _show_slopes(nudged)
        if not isinstance(received, tuple) or len(received) != len(nudged):
            self.fail(
                f"the local derivatives of {text} at {where}: a tuple with one number per operand",
                expected,
                f"{_show(received)} ({type(received).__name__}"
                + (f" of {len(received)})" if isinstance(received, (tuple, list)) else ")"),
            )
        for name, mine, slope in zip(names, received, nudged):
            if not _is_number(mine) or not math.isclose(mine, slope, rel_tol=rel, abs_tol=abs):
                self.fail(
                    f"your {slope_of}/d{name} at {where}{comma} is {_show(mine)};\n"
                    f"nudging {name} by {h:g} moves {moved} by {slope:.6g} per unit",
                    expected,
                    _show(received),
                )
        return nudged

    @staticmethod
    def nudged(f, point, i=0, h=1e-6):
        """How far the plain function f moves per unit move of its operand i at `point`."""
        return central_slope(f, point, i, h)

    def output_only(self, op, x, text, why):
        """op.local_grads(out, <the operand, unusable>) at input x: the rule may read only `out`.
        Returns the local derivatives it gave."""
        __tracebackhide__ = True
        out = op.forward(x)
        return op.local_grads(out, OutputOnly(self, text, out, why))


def central_slope(f, point, i, h):
    """How far f moves per unit move of operand i, from a nudge of h to either side."""
    up, down = list(point), list(point)
    up[i] += h
    down[i] -= h
    return (f(*up) - f(*down)) / (2 * h)


def _show_slopes(slopes):
    text = ", ".join(f"{s:.6g}" for s in slopes)
    return f"({text},)  (the nudged slopes)" if len(slopes) == 1 else f"({text})  (the nudged slopes)"


class OutputOnly:
    """The operand, in a call of local_grads that must use only its output: any use of it
    (arithmetic, comparison, float(), math.exp ...) fails with a message that says why."""

    def __init__(self, expect, text, out, why):
        self._expect, self._text, self._out, self._why = expect, text, out, why

    def _refuse(self, *args, **kwargs):
        __tracebackhide__ = True
        self._expect.fail(
            f"the rule of {self._text} used its input; this test hands local_grads only the "
            f"output out = {self._out!r}\n(why: {self._why})",
            "a slope written with out alone",
            "a rule that reads the input a",
        )

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _refuse
    __truediv__ = __rtruediv__ = __pow__ = __rpow__ = __neg__ = __pos__ = __abs__ = _refuse
    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = __bool__ = _refuse
    __float__ = __int__ = __index__ = __round__ = __trunc__ = __floor__ = __ceil__ = _refuse
    __hash__ = None

    def __repr__(self):
        return "<the input, not available to this rule>"


@pytest.fixture
def expect(request):
    number = _lesson_of(request.node)
    return Expect(LESSONS.get(number))
