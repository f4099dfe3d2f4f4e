"""The learning path (`tinygrad-edu learn`): lessons, workbooks, the commands, and the
maintainers' check that every solution passes and every stub fails."""

import io
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tinygrad_edu.__main__ import main
from tinygrad_edu.learn import LESSONS
from tinygrad_edu.learn.lessons import stub_message
from tinygrad_edu.learn.regions import RegionError, find_regions, replace_region, stub_source
from tinygrad_edu.learn.runner import TESTS_DIR, run_lessons
from tinygrad_edu.learn.verify import verify
from tinygrad_edu.learn.workbook import STATE_FILE, load_state, reference_package, reference_regions

N = len(LESSONS)
REPO = Path(__file__).resolve().parent.parent


def learn(*args, capsys):
    """Run `tinygrad-edu learn ARGS` in this process; returns (exit code, stdout, stderr)."""
    code = main(["learn", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def workbook(tmp_path, capsys):
    folder = tmp_path / "mywork"
    code, out, _ = learn("init", folder, capsys=capsys)
    assert code == 0, out
    return folder


def write_lesson_like_a_learner(folder, number, body_for=None):
    """Replace each stub of lesson `number` in the workbook with code, as a learner would
    in an editor: the reference body, or body_for(region) when given."""
    for region in reference_regions():
        if region.lesson != number:
            continue
        path = folder / "tinygrad_edu" / region.path
        text = path.read_text(encoding="utf-8")
        stub = f"{region.indent}raise NotImplementedError({stub_message(LESSONS[number - 1])!r})\n"
        assert text.count(stub) >= 1, f"no stub of lesson {number} in {path}"
        body = body_for(region) if body_for else region.body
        text = text.replace(stub, body, 1)
        path.write_text(text, encoding="utf-8")


# ----- the maintainers' check ------------------------------------------------------------------


def test_verify_passes():
    """Every solution passes, every stub fails its lesson and only its lesson, every
    region is tested, and the table, markers, hints and tests agree."""
    out = io.StringIO()
    problems = verify(out=out)
    assert problems == [], out.getvalue()
    text = out.getvalue()
    assert "the reference passes all" in text
    for lesson in LESSONS:
        assert re.search(rf"^✓ lesson {lesson.number}: its \d+ tests fail on its stubs", text, re.M), text


def test_the_lesson_table():
    assert [lesson.number for lesson in LESSONS] == list(range(1, N + 1))
    assert 10 <= N <= 12
    for lesson in LESSONS:
        assert lesson.regions and len(lesson.hints) >= 2
        assert (TESTS_DIR / lesson.test_file).is_file()
        assert lesson.marker == f"lesson{lesson.number}"
    # the path of the issue: + and * first, backward third, saturation and ReLU last
    assert "Value.__add__" in dict((f, p) for p, f in LESSONS[0].regions)
    assert LESSONS[2].regions == (("engine.py", "Value.backward"),)
    assert LESSONS[-1].regions == (("engine.py", "Value.relu"),)


def test_every_marked_region_belongs_to_a_lesson_in_the_real_source():
    regions = reference_regions()
    declared = {(lesson.number, path, function) for lesson in LESSONS for path, function in lesson.regions}
    assert {(r.lesson, r.path, r.function) for r in regions} == declared


# ----- regions -----------------------------------------------------------------------------------

SOURCE = '''\
def f(x):
    """Double it."""
    # BEGIN LESSON 2
    y = x * 2
    return y
    # END LESSON 2


class A:
    def g(self):
        if True:
            # BEGIN LESSON 3
            return 1
            # END LESSON 3
'''


def test_regions_are_found_with_their_function_and_indentation():
    regions = find_regions(SOURCE, "m.py")
    assert [(r.lesson, r.function, r.indent, r.begin, r.end) for r in regions] == [
        (2, "f", "    ", 3, 6),
        (3, "A.g", "            ", 12, 14),
    ]
    assert regions[0].body == "    y = x * 2\n    return y\n"


def test_a_stub_keeps_the_markers_and_the_indentation():
    stubbed = stub_source(SOURCE, "m.py", {3}, lambda n: f"lesson {n}: to do")
    assert "            # BEGIN LESSON 3\n            raise NotImplementedError('lesson 3: to do')\n" \
           "            # END LESSON 3\n" in stubbed
    assert "    y = x * 2\n" in stubbed  # lesson 2 is not stubbed
    namespace = {}
    exec(compile(stubbed, "m.py", "exec"), namespace)
    assert namespace["f"](4) == 8
    with pytest.raises(NotImplementedError, match="lesson 3: to do"):
        namespace["A"]().g()


def test_replace_region_puts_code_between_the_markers():
    stubbed = stub_source(SOURCE, "m.py", {2, 3}, lambda n: "to do")
    again = replace_region(stubbed, "m.py", 2, "f", "    return x + x\n")
    assert "# BEGIN LESSON 2\n    return x + x\n    # END LESSON 2" in again
    with pytest.raises(RegionError, match="no '# BEGIN LESSON 2'.*were they deleted"):
        no_markers = stubbed.replace("    # BEGIN LESSON 2\n", "").replace("    # END LESSON 2\n", "")
        replace_region(no_markers, "m.py", 2, "f", "    return 0\n")


@pytest.mark.parametrize(
    "source, message",
    [
        ("def f():\n    # BEGIN LESSON 1\n    return 1\n", "never closed"),
        ("def f():\n    return 1\n    # END LESSON 1\n", "without a BEGIN"),
        ("def f():\n    # BEGIN LESSON 1\n    return 1\n    # END LESSON 2\n", "closes the region"),
        ("def f():\n    # BEGIN LESSON 1\n    # BEGIN LESSON 2\n", "cannot nest"),
        ("def f():\n    # BEGIN LESSON 1\n    return 1\n  # END LESSON 1\n", "same indentation"),
        ("# BEGIN LESSON 1\nx = 1\n# END LESSON 1\n", "not inside a function"),
        ("def f():\n    # BEGIN LESSON 1\n    # END LESSON 1\n    return 1\n", "is empty"),
    ],
    ids=["unclosed", "unopened", "mismatched", "nested", "indentation", "module-level", "empty"],
)
def test_badly_made_markers_are_errors(source, message):
    with pytest.raises(RegionError, match=message):
        find_regions(source, "m.py")


# ----- init ------------------------------------------------------------------------------------


def test_init_writes_a_workbook_of_stubs(workbook):
    assert (workbook / "README.md").is_file() and (workbook / STATE_FILE).is_file()
    assert "tinygrad-edu learn status" in (workbook / "README.md").read_text(encoding="utf-8")
    assert not (workbook / "tinygrad_edu" / "learn").exists()  # the tests stay in the installed package
    reference = reference_package()
    for path in sorted({r.path for r in reference_regions()}):
        original = (reference / path).read_text(encoding="utf-8")
        stubbed = (workbook / "tinygrad_edu" / path).read_text(encoding="utf-8")
        before, after = find_regions(original, path), find_regions(stubbed, path)
        # the same markers, in the same functions; every body is now one raise line
        assert [(r.lesson, r.function, r.indent) for r in after] == [(r.lesson, r.function, r.indent) for r in before]
        for region in after:
            message = stub_message(LESSONS[region.lesson - 1])
            assert region.body == f"{region.indent}raise NotImplementedError({message!r})\n"
            assert "see `tinygrad-edu learn hint`" in message and message.startswith(f"lesson {region.lesson}: ")
        # outside the regions nothing changed
        assert _outside(original, before) == _outside(stubbed, after)
    # the stubbed package still imports, and it is the workbook's copy that is imported
    result = subprocess.run(
        [sys.executable, "-c", "import tinygrad_edu, tinygrad_edu.optim, tinygrad_edu.gradcheck, "
         "tinygrad_edu.backprop; print(tinygrad_edu.__file__)"],
        cwd=workbook, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()).resolve() == (workbook / "tinygrad_edu" / "__init__.py").resolve()


def _outside(text, regions):
    lines = text.splitlines()
    keep = [True] * len(lines)
    for region in regions:
        for i in range(region.begin, region.end - 1):
            keep[i] = False
    return [line for line, k in zip(lines, keep) if k]


def test_init_refuses_a_folder_that_is_not_empty(tmp_path, capsys):
    folder = tmp_path / "full"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    code, out, err = learn("init", folder, capsys=capsys)
    assert code == 2
    assert "is not empty" in err and "never overwrites" in err
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
    code, _, err = learn("init", folder / "notes.txt", capsys=capsys)
    assert code == 2 and "is a file" in err


def test_init_refuses_a_folder_inside_a_workbook(workbook, capsys):
    code, _, err = learn("init", workbook / "again", capsys=capsys)
    assert code == 2 and "inside the workbook" in err


# ----- status ----------------------------------------------------------------------------------


def lesson_lines(out):
    """The status line of each lesson, by number: a mark (✓, ✗ or none) and the number first."""
    lines = {}
    for line in out.splitlines():
        match = re.match(r"^([✓✗>]?)\s*(\d+)  (\S.*)$", line)
        if match:
            lines[int(match[2])] = (match[1], match[3])
    return lines


def test_status_on_a_fresh_workbook_stops_at_lesson_1(workbook, capsys):
    code, out, _ = learn("status", workbook, capsys=capsys)
    assert code == 1
    assert f"] 0/{N} lessons pass" in out
    lines = lesson_lines(out)
    assert sorted(lines) == list(range(1, N + 1))
    assert lines[1][0] == "✗" and all(lines[n][0] == "" for n in range(2, N + 1))
    assert "NotImplementedError: lesson 1: " in out
    assert "raised by the stub at tinygrad_edu/engine.py, line" in out
    assert "tinygrad_edu/engine.py:" in out and "Value.__add__" in out and "(still the stub)" in out
    assert "tinygrad-edu learn hint" in out


def test_status_moves_on_once_the_learner_writes_lesson_1(workbook, capsys, monkeypatch):
    write_lesson_like_a_learner(workbook, 1)
    monkeypatch.chdir(workbook / "tinygrad_edu")  # inside the workbook: no folder needed
    code, out, _ = learn("status", capsys=capsys)
    assert code == 1
    assert f"] 1/{N} lessons pass" in out
    assert "Lesson 1 passes now" in out and "learn solution 1" in out
    lines = lesson_lines(out)
    assert lines[1][0] == "✓" and lines[2][0] == "✗"
    assert "NotImplementedError: lesson 2: " in out and "topological_order" in out


def test_a_wrong_answer_shows_expected_and_received(workbook, capsys):
    def swapped(region):  # d(ab)/da = a instead of b: a classic slip
        if region.function == "Value.__mul__":
            return region.body.replace('"*", self, other.data, other, self.data', '"*", self, self.data, other, other.data')
        return region.body

    write_lesson_like_a_learner(workbook, 1, swapped)
    code, out, _ = learn("status", workbook, capsys=capsys)
    assert code == 1 and f"] 0/{N} lessons pass" in out
    assert "1 of 9 tests fail" in out and "Next: fix lesson 1" in out
    assert "test_multiply_two_values" in out
    assert "lesson 1, + and *: a value and its local derivatives" in out
    assert "expected: (-3.0, 2.0)" in out and "received: (2.0, -3.0)" in out


def test_an_import_error_in_the_workbook_is_reported(workbook, capsys):
    path = workbook / "tinygrad_edu" / "engine.py"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    def __add__(self, other):", "    def __add__(self, other)", 1), encoding="utf-8")
    code, out, _ = learn("status", workbook, capsys=capsys)
    assert code == 1
    assert "Python cannot import your tinygrad_edu" in out
    assert "SyntaxError" in out and "tinygrad_edu/engine.py, line" in out


def test_status_outside_a_workbook_says_how_to_start(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = learn("status", capsys=capsys)
    assert code == 2 and "not inside a workbook" in err and "learn init" in err


def test_all_lessons_passing(tmp_path, capsys):
    folder = tmp_path / "done"
    learn("init", folder, capsys=capsys)
    for lesson in LESSONS:
        write_lesson_like_a_learner(folder, lesson.number)
    code, out, _ = learn("status", folder, capsys=capsys)
    assert code == 0, out
    assert f"] {N}/{N} lessons pass" in out and f"All {N} lessons pass" in out
    assert all(mark == "✓" for mark, _ in lesson_lines(out).values())


# ----- hint, check, solution, skip ---------------------------------------------------------------


def test_hint_levels_advance_and_stop_at_the_last(workbook, capsys, monkeypatch):
    monkeypatch.chdir(workbook)
    total = len(LESSONS[0].hints)
    for level in range(1, total + 1):
        code, out, _ = learn("hint", capsys=capsys)
        assert code == 0
        assert f"Hint {level} of {total}" in out and f"Hint {level + 1} of" not in out
        assert f"Hint {level} of {total}, " in out and "(new)" in out
    code, out, _ = learn("hint", capsys=capsys)
    assert f"Hint {total} of {total}" in out and "(new)" not in out and "That was the last hint" in out
    assert load_state(workbook)["hints_seen"] == {"1": total}
    # each lesson counts its own hints
    code, out, _ = learn("hint", 4, capsys=capsys)
    assert "Lesson 4:" in out and "Hint 1 of" in out and "Hint 2 of" not in out
    assert load_state(workbook)["hints_seen"] == {"1": total, "4": 1}


def test_check_runs_one_lesson(workbook, capsys):
    code, out, _ = learn("check", 3, "--workbook", workbook, capsys=capsys)
    assert code == 1
    assert "Lesson 3: backward()" in out and "test_paths_that_meet_again_add_up" in out
    assert "tests fail" in out
    write_lesson_like_a_learner(workbook, 1)
    code, out, _ = learn("check", 1, "-w", workbook, capsys=capsys)
    assert code == 0 and "lesson 1 passes" in out
    assert out.count("✓ test_") == len(run_lessons(reference_package().parent, [1]).tests_of(1))


def test_solution_only_after_the_lesson_passes_or_with_reveal(workbook, capsys):
    code, out, _ = learn("solution", 1, "-w", workbook, capsys=capsys)
    assert code == 1 and "stays hidden" in out and "def __add__" not in out
    code, out, _ = learn("solution", 1, "--reveal", capsys=capsys)
    assert code == 0 and "def __add__(self, other):" in out and "# BEGIN LESSON 1" in out
    write_lesson_like_a_learner(workbook, 1)
    code, out, _ = learn("solution", 1, "-w", workbook, capsys=capsys)
    assert code == 0 and "passes in your workbook" in out and "def __rmul__(self, other):" in out


def test_skip_copies_the_reference_solution(workbook, capsys):
    engine = workbook / "tinygrad_edu" / "engine.py"
    before = engine.read_text(encoding="utf-8")
    code, out, _ = learn("skip", 2, "-w", workbook, capsys=capsys)
    assert code == 0 and "topological_order" in out
    assert (workbook / ".tinygrad-edu-learn-backup" / "lesson2" / "engine.py").read_text(encoding="utf-8") == before
    assert load_state(workbook)["skipped"] == [2]
    write_lesson_like_a_learner(workbook, 1)
    code, out, _ = learn("status", workbook, capsys=capsys)
    assert f"] 2/{N} lessons pass" in out and "(solution copied by skip)" in out


def test_learn_list_and_help(capsys):
    code, out, _ = learn("list", capsys=capsys)
    assert code == 0
    assert all(re.search(rf"^ ?{lesson.number}  ", out, re.M) for lesson in LESSONS)
    assert main(["learn"]) == 2
    assert "init" in capsys.readouterr().out


# ----- the tests judge the implementation they are asked to ---------------------------------------


def test_the_lesson_tests_refuse_a_folder_without_the_package(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(TESTS_DIR), f"--rootdir={TESTS_DIR}", "-c", str(TESTS_DIR / "pytest.ini"),
         "--import-mode=importlib", f"--learn-impl={tmp_path}", "-q"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
    )
    assert result.returncode == 4, result.stdout + result.stderr
    assert "there is no tinygrad_edu/__init__.py" in result.stdout + result.stderr


def test_the_lesson_tests_run_against_the_workbook_not_the_reference(workbook):
    result = run_lessons(workbook, lessons=[1, 2])
    assert result.state == "finished"
    assert result.outcome(1) == "failed" and result.outcome(2) == "failed"
    reference = run_lessons(reference_package().parent, lessons=[1, 2])
    assert reference.outcome(1) == "passed" and reference.outcome(2) == "passed"


def test_the_lesson_tests_ship_in_the_wheel():
    tomllib = pytest.importorskip("tomllib")
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert any(d.startswith("pytest") for d in config["project"]["dependencies"])
    patterns = config["tool"]["setuptools"]["package-data"]["tinygrad_edu.learn"]
    learn_dir = TESTS_DIR.parent
    shipped = {p for pattern in patterns for p in learn_dir.glob(pattern)}
    needed = {p for p in TESTS_DIR.iterdir() if p.is_file() and p.suffix in (".py", ".ini")}
    assert needed and needed <= shipped


# ----- watch -------------------------------------------------------------------------------------


def test_watch_reruns_when_a_file_is_saved_and_stops_on_ctrl_c(workbook):
    process = subprocess.Popen(
        [sys.executable, "-m", "tinygrad_edu", "learn", "watch", str(workbook), "--interval", "0.1"],
        cwd=workbook.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()

    def read_until(text, timeout=60):
        seen, deadline = [], time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.2)
            except queue.Empty:
                continue
            seen.append(line)
            if text in line:
                return "".join(seen)
        raise AssertionError(f"{text!r} not seen in:\n{''.join(seen)}")

    try:
        first = read_until("Ctrl-C stops")
        assert f"0/{N} lessons pass" in first
        write_lesson_like_a_learner(workbook, 1)  # the learner saves engine.py
        second = read_until("Ctrl-C stops")
        assert f"1/{N} lessons pass" in second
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        assert "Stopped watching." in read_until("Stopped watching.")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


# ----- errors in the learner's own code ---------------------------------------------------------

RECURSIVE_ORDER = """\
    order, seen = [], set()

    def visit(node):
        if node in seen:
            return
        seen.add(node)
        for child in node.children:
            visit(child)
        order.append(node)

    visit(root)
    return order
"""


def test_an_error_is_shown_at_the_line_the_learner_wrote(workbook, capsys):
    """A recursive topological order passes the small graphs and fails the deep chain;
    the message points at the learner's recursive call, not at the engine's internals."""
    write_lesson_like_a_learner(workbook, 1)
    write_lesson_like_a_learner(workbook, 2, lambda region: RECURSIVE_ORDER)
    code, out, _ = learn("status", workbook, capsys=capsys)
    assert "1 of 6 tests fail" in out and "test_a_chain_ten_thousand_deep" in out
    assert "RecursionError" in out
    assert re.search(r"raised at tinygrad_edu/engine\.py, line \d+, in visit:  (visit\(child\)|for child in node\.children:)",
                     out), out


def test_an_endless_loop_is_stopped_and_named(workbook):
    write_lesson_like_a_learner(workbook, 1)
    write_lesson_like_a_learner(workbook, 2, lambda region: "    while True:\n        pass\n")
    result = run_lessons(workbook, stop=True, timeout=15)
    assert result.state == "timeout"
    assert "did not finish within 15 s" in result.error["message"]
    assert "test_lesson02_topological_order.py::" in result.error["message"]


def test_learn_md_lists_every_lesson():
    text = (REPO / "LEARN.md").read_text(encoding="utf-8")
    for lesson in LESSONS:
        row = f"| {lesson.number} | {lesson.title.replace('*', chr(92) + '*')} |"
        assert row in text, row
        assert all(f"`{function}`" in text for _, function in lesson.regions)
    for command in ("init", "status", "hint", "check", "watch", "solution", "skip", "verify"):
        assert f"`tinygrad-edu learn {command}" in text
