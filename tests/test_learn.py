"""The learning path (`tinygrad-edu learn`): lessons, workbooks, the commands, and the
maintainers' check that every solution passes and every stub fails."""

import io
import os
import queue
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from tinygrad_edu.__main__ import main
from tinygrad_edu.learn import LESSONS
from tinygrad_edu.learn.lessons import stub_message
from tinygrad_edu.learn.regions import (
    RegionError,
    cut_message,
    find_regions,
    hide_rule_text,
    replace_region,
    show_rule_text,
    stub_source,
)
from tinygrad_edu.learn.runner import TESTS_DIR, run_lessons
from tinygrad_edu.learn.state import STATE_FILE, load_state
from tinygrad_edu.learn.verify import verify
from tinygrad_edu.learn.workbook import reference_package, reference_regions

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
        if region.lesson != number or region.cut:
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
    for lesson in LESSONS[:-1]:
        assert re.search(rf"^✓ lesson {lesson.number}: its \d+ tests fail on its stubs", text, re.M), text
    assert re.search(
        rf"^✓ lesson {N} \(challenge\): the reference passes; topological_order written as the "
        rf"counterexample passes lessons 1-{N - 1} and fails {N}$",
        text,
        re.M,
    ), text
    assert "✓ the hints: " in text and "✓ every region is tested" in text


PLAN = [  # the lesson plan the notebooks link to: number, title, notebooks
    (1, "A local derivative", ["01_linear_approximation"]),
    (2, "More local derivatives", ["01_linear_approximation"]),
    (3, "A topological order", ["02_chain_rule_graph"]),
    (4, "The chain-rule sweep", ["02_chain_rule_graph", "10_forward_vs_reverse_mode"]),
    (5, "A sigmoid from exp, + and /", ["03_sigmoid_derivative"]),
    (6, "Activation rules", ["07_activation_derivatives_and_saturation", "03_sigmoid_derivative"]),
    (7, "The two-neuron net by hand", ["06_two_neuron_net", "07_activation_derivatives_and_saturation"]),
    (8, "Gradient descent", ["04_gradient_descent", "05_optimisation_in_2d"]),
    (9, "A neuron", ["09_training_mlps", "07_activation_derivatives_and_saturation"]),
    (10, "A layer and an MLP", ["08_initialisation"]),
    (11, "The error and one training step", ["09_training_mlps", "05_optimisation_in_2d"]),
    (12, "A hidden layer's deltas", ["11_vectorised_backprop", "06_two_neuron_net", "08_initialisation"]),
    (13, "Challenge (optional): deeper than recursion", ["02_chain_rule_graph"]),
]


def test_the_lesson_table():
    assert [(lesson.number, lesson.title, list(lesson.notebooks)) for lesson in LESSONS] == PLAN
    for lesson in LESSONS:
        assert (lesson.regions or lesson.challenge) and len(lesson.hints) == 3
        assert (TESTS_DIR / lesson.test_file).is_file()
        assert lesson.marker == f"lesson{lesson.number}"
    # numbers first: lesson 1 writes the numerical slope before its first rules
    assert LESSONS[0].regions[0] == ("gradcheck.py", "numerical_gradient")
    # the learner writes rules, not plumbing: lessons 1, 2 and 6 are op rules in ops.py
    for number in (1, 2, 6):
        assert all(
            path == "ops.py" and function.split(".")[1] in ("forward", "local_grads")
            for path, function in LESSONS[number - 1].regions
            if path != "gradcheck.py"
        )
    assert LESSONS[2].regions == (("engine.py", "topological_order"),)
    assert LESSONS[3].regions == (("engine.py", "Value.backward"),)
    assert LESSONS[-1].challenge and LESSONS[-1].revisits == ((3, "engine.py", "topological_order"),)


def test_each_lesson_names_its_notebook_and_each_notebook_its_lesson(workbook, capsys):
    """Links both ways: every notebook a lesson names exists and names that lesson
    ("lesson N (title)"), and status shows the lesson's notebook."""
    import json

    for lesson in LESSONS:
        for name in lesson.notebooks:
            path = REPO / "notebooks" / f"{name}.ipynb"
            assert path.is_file(), name
            text = "".join("".join(cell["source"]) for cell in json.loads(path.read_text(encoding="utf-8"))["cells"])
            assert "Rebuild it yourself: `tinygrad-edu learn` lesson" in text, name
            assert f"lesson {lesson.number} ({lesson.title})" in " ".join(text.split()), (name, lesson.number)
    # lesson 1 is open: no notebook is named (notebook 01 derives its rules)
    code, out, _ = learn("status", workbook, capsys=capsys)
    assert code == 1 and "ipynb" not in out and "Read next" not in out


def test_notebooks_come_once_every_lesson_they_answer_passes(workbook, capsys):
    """A notebook is named after the last lesson that links it passes, never while one is open."""
    from tinygrad_edu.learn.reading import readable, shown_after

    for lesson in LESSONS:  # while `lesson` is open, no notebook it or a later lesson links is readable
        open_now = {name for later in LESSONS[lesson.number - 1 : N - 1] for name in later.notebooks}
        assert not open_now & set(readable(range(1, lesson.number))), lesson.number
    assert shown_after(LESSONS[0]) == [] and shown_after(LESSONS[1]) == ["01_linear_approximation"]
    assert shown_after(LESSONS[6]) == [] and "06_two_neuron_net" in shown_after(LESSONS[11])
    assert "11_vectorised_backprop" not in readable(range(1, 12)) and shown_after(LESSONS[9]) == []
    write_lesson_like_a_learner(workbook, 1)
    code, out, _ = learn("status", workbook, capsys=capsys)
    assert "Lesson 1 passes now" in out and "ipynb" not in out  # 01 answers lesson 2 too
    write_lesson_like_a_learner(workbook, 2)
    code, out, _ = learn("status", workbook, capsys=capsys)
    text = " ".join(out.split())
    assert "Lesson 2 passes now" in text
    assert "Read next: notebooks/01_linear_approximation.ipynb (the same rules, derived)" in text
    assert text.count("ipynb") == 1
    code, out, _ = learn("status", workbook, capsys=capsys)
    assert "ipynb" not in out  # once: with the lesson that passes now


def test_no_hint_gives_a_line_of_the_solution():
    """Three levels of prose (the idea, where to look, a worked example of another case);
    no line of any solution region appears in any hint, whole or with blanks."""
    from tinygrad_edu.learn.verify import check_hints, hint_matches, solution_lines

    assert check_hints() == []
    for lesson in LESSONS:
        assert all(lesson.hints) and not any("____" in hint for hint in lesson.hints)
        hints = "".join("".join(hint.split()) for hint in lesson.hints)
        lines = solution_lines(lesson)
        assert lines or lesson.challenge
        assert not [line for line in lines if line in hints]
    # the check does catch a hint that copies a line
    copied = [r for r in reference_regions() if r.lesson == 4 and not r.cut][0].body.splitlines()[-1]
    assert "".join(copied.split()) in solution_lines(LESSONS[3])
    # and a line of the solution with blanks: the blanks are wildcards
    every = solution_lines(LESSONS[5], shortest=1)  # the activation rules
    blanked = "    return (____ * (1 - ____),)  # Sigmoid"
    assert any(hint_matches(blanked, line) for line in every)
    assert not any(hint_matches("Differentiate 1 / (1 + e^-x) with the chain rule", line) for line in every)


def test_every_marked_region_belongs_to_a_lesson_in_the_real_source():
    regions = [r for r in reference_regions() if not r.cut]
    declared = {(lesson.number, path, function) for lesson in LESSONS for path, function in lesson.regions}
    assert {(r.lesson, r.path, r.function) for r in regions} == declared
    # finished code that would answer a lesson is cut with it: the general power rule with
    # the powers, micrograd's one-node sweep and the dictionary sweep with the sweep, the
    # sigmoid's slope from its output with the activation rules, the delta rule with the
    # hidden layer, newton() and the two-neuron ascent step with gradient descent,
    # micrograd's neuron, layer and MLP with ours, mse() and Adam's step with the error and SGD
    cut = {(r.lesson, r.path, r.function) for r in reference_regions() if r.cut}
    assert cut == {
        (2, "ops.py", "PowByValue.local_grads"),
        (4, "engine.py", "Value._backward"),
        (4, "engine.py", "gradients"),
        (6, "backprop.py", "sigmoid_derivative_from_output"),
        (12, "backprop.py", "gradients"),
        (8, "optim.py", "newton"),
        (8, "backprop.py", "two_neuron_ascent_step"),
        (9, "micrograd/nn.py", "Neuron.__call__"),
        (10, "micrograd/nn.py", "Layer.__call__"),
        (10, "micrograd/nn.py", "Layer.parameters"),
        (10, "micrograd/nn.py", "MLP.__call__"),
        (10, "micrograd/nn.py", "MLP.parameters"),
        (11, "nn/losses.py", "mse"),
        (11, "optim.py", "Adam.step"),
    }


def test_the_formulas_left_out_come_back_as_the_reference_has_them():
    reference = (reference_package() / "ops.py").read_text(encoding="utf-8")
    every = {lesson.number for lesson in LESSONS}
    hidden = hide_rule_text(reference, "ops.py", every)
    assert show_rule_text(hidden, reference, every) == reference
    after_lesson_1 = show_rule_text(hidden, reference, {1})
    assert 'formula = ("{b}", "{a}")' in after_lesson_1  # Mul, lesson 1
    assert 'formula = "{out}(1 - {out})"' not in after_lesson_1  # Sigmoid, lesson 6
    assert "left out until lesson 6 is yours" in after_lesson_1
    assert show_rule_text("def broken(:\n", reference, every) == "def broken(:\n"


def test_a_lesson_that_passes_gets_its_formulas_back_and_reset_leaves_them_out(workbook):
    from tinygrad_edu.learn.lesson_code import fill_cut_regions, reset_lesson
    from tinygrad_edu.learn.outside_edits import outside_changes

    ops = workbook / "tinygrad_edu" / "ops.py"
    assert 'formula = ("{b}", "{a}")' not in ops.read_text(encoding="utf-8")
    fill_cut_regions(workbook, [1])
    text = ops.read_text(encoding="utf-8")
    assert 'formula = ("{b}", "{a}")' in text and "left out until lesson 1 is yours" not in text
    assert "left out until lesson 2 is yours" in text
    assert outside_changes(workbook) == []  # a formula put back is not the learner's edit
    reset_lesson(workbook, 1)
    assert 'formula = ("{b}", "{a}")' not in ops.read_text(encoding="utf-8")
    assert outside_changes(workbook) == []


def test_no_lesson_region_calls_a_private_function():
    import ast

    for region in reference_regions():
        if region.cut:
            continue
        tree = ast.parse(textwrap.dedent(region.body))
        called = [node.func for node in ast.walk(tree) if isinstance(node, ast.Call)]
        names = [f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else "" for f in called]
        assert not [n for n in names if n.startswith("_")], (region.describe(), names)


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
    assert (
        "            # BEGIN LESSON 3\n            raise NotImplementedError('lesson 3: to do')\n"
        "            # END LESSON 3\n" in stubbed
    )
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


CUT_SOURCE = '''\
def sweep(x):
    # BEGIN LESSON 4
    return x + 1
    # END LESSON 4


def same_sweep_again(x):
    """Finished code that would give lesson 4 away."""
    # BEGIN CUT WITH LESSON 4
    y = x + 1
    return y
    # comments after the last statement stay inside
    # END CUT WITH LESSON 4
'''


def test_code_cut_with_a_lesson_is_stubbed_with_it_and_says_so():
    regions = find_regions(CUT_SOURCE, "m.py")
    assert [(r.lesson, r.function, r.cut) for r in regions] == [(4, "sweep", False), (4, "same_sweep_again", True)]
    stubbed = stub_source(CUT_SOURCE, "m.py", {4}, lambda n: f"lesson {n}: to do")
    namespace = {}
    exec(compile(stubbed, "m.py", "exec"), namespace)
    with pytest.raises(NotImplementedError, match="lesson 4: to do"):
        namespace["sweep"](1)
    with pytest.raises(NotImplementedError, match="cut from your workbook until lesson 4 passes"):
        namespace["same_sweep_again"](1)
    again = replace_region(stubbed, "m.py", 4, "same_sweep_again", regions[1].body, cut=True)
    assert again == stub_source(CUT_SOURCE, "m.py", lambda r: not r.cut, lambda n: f"lesson {n}: to do")
    with pytest.raises(RegionError, match="closes the region"):
        find_regions("def f():\n    # BEGIN CUT WITH LESSON 1\n    return 1\n    # END LESSON 1\n", "m.py")


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
    assert (workbook / "tinygrad_edu" / "micrograd" / "engine.py").is_file()  # the lecture's names work there too
    reference = reference_package()
    for path in sorted({r.path for r in reference_regions()}):
        original = (reference / path).read_text(encoding="utf-8")
        stubbed = (workbook / "tinygrad_edu" / path).read_text(encoding="utf-8")
        before, after = find_regions(original, path), find_regions(stubbed, path)
        # the same markers, in the same functions; every body is now one raise line
        assert [(r.lesson, r.function, r.indent) for r in after] == [(r.lesson, r.function, r.indent) for r in before]
        for region in after:
            message = cut_message(region.lesson) if region.cut else stub_message(LESSONS[region.lesson - 1])
            assert region.body == f"{region.indent}raise NotImplementedError({message!r})\n"
            if not region.cut:
                assert "see `tinygrad-edu learn hint`" in message and message.startswith(f"lesson {region.lesson}: ")
        # outside the regions nothing changed, but for the answers an op class states beside its rule
        expected = hide_rule_text(original, path, {lesson.number for lesson in LESSONS})
        assert _outside(expected, before) == _outside(stubbed, after)
    ops = (workbook / "tinygrad_edu" / "ops.py").read_text(encoding="utf-8")
    assert 'class Mul(Op):\n    """a * b' in ops and '"{b}", "{a}"' not in ops
    assert 'formula = "1/{a}"' in ops  # a finished op (Log) is a worked example
    # no text of the workbook states a rule before its lesson passes
    assert "e^x's derivative" not in ops and "{out}(1 - {out})" not in ops
    backprop = (workbook / "tinygrad_edu" / "backprop.py").read_text(encoding="utf-8")
    assert "y (1 - y)" not in backprop and "sum_k w_kj delta_k" not in backprop
    # the stubbed package still imports, and it is the workbook's copy that is imported
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import tinygrad_edu, tinygrad_edu.optim, tinygrad_edu.gradcheck, "
            "tinygrad_edu.backprop; print(tinygrad_edu.__file__)",
        ],
        cwd=workbook,
        capture_output=True,
        text=True,
        timeout=60,
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
    assert "raised by the stub at tinygrad_edu/gradcheck.py, line" in out  # numbers first
    assert "tinygrad_edu/ops.py:" in out and "Add.forward" in out and "(still the stub)" in out
    assert "tinygrad-edu learn hint" in out


def test_status_moves_on_once_the_learner_writes_lesson_1(workbook, capsys, monkeypatch):
    write_lesson_like_a_learner(workbook, 1)
    monkeypatch.chdir(workbook)  # in the workbook: no folder needed
    code, out, _ = learn("status", capsys=capsys)
    assert code == 1
    assert f"] 1/{N} lessons pass" in out
    assert "Lesson 1 passes now" in out and "learn solution 1" in out
    lines = lesson_lines(out)
    assert lines[1][0] == "✓" and lines[2][0] == "✗"
    assert "NotImplementedError: lesson 2: " in out and "Sub.forward" in out


def test_a_wrong_answer_shows_expected_and_received(workbook, capsys):
    def swapped(region):  # d(ab)/da = a instead of b: a classic slip
        if region.function == "Mul.local_grads":
            assert "return b, a" in region.body
            return region.body.replace("return b, a", "return a, b")
        return region.body

    write_lesson_like_a_learner(workbook, 1, swapped)
    code, out, _ = learn("status", workbook, capsys=capsys)
    assert code == 1 and f"] 0/{N} lessons pass" in out
    assert re.search(r"\d+ of 16 tests fail", out) and "Next: fix lesson 1" in out
    assert "test_multiply_two_values" in out
    assert "lesson 1, A local derivative" in out
    # the learner's number beside the slope a nudge gives
    assert "your d(a * b)/da at a = 2, b = -3 is 2.0;" in out
    assert "nudging a by 1e-06 moves a * b by -3 per unit" in out
    assert "expected: (-3, 2)  (the nudged slopes)" in out and "received: (2.0, -3.0)" in out


def test_an_import_error_in_the_workbook_is_reported(workbook, capsys):
    path = workbook / "tinygrad_edu" / "ops.py"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    def forward(self, a, b):", "    def forward(self, a, b)", 1), encoding="utf-8")
    code, out, _ = learn("status", workbook, capsys=capsys)
    assert code == 1
    assert "Python cannot import your tinygrad_edu" in out
    assert "SyntaxError" in out and "tinygrad_edu/ops.py, line" in out


def test_status_outside_a_workbook_says_how_to_start(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = learn("status", capsys=capsys)
    assert code == 2 and "this folder is not a workbook" in err and "learn init" in err


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


def test_hints_read_after_a_lesson_passes_do_not_count_as_used(workbook, capsys):
    write_lesson_like_a_learner(workbook, 1)
    learn("status", workbook, capsys=capsys)
    code, out, _ = learn("hint", 1, "-w", workbook, capsys=capsys)
    total = len(LESSONS[0].hints)
    assert code == 0 and f"Hint {total} of {total}" in out and "(new)" not in out
    assert "passes already" in out and "do not count as used" in " ".join(out.split())
    assert "`tinygrad-edu learn solution 1` shows the reference solution, to compare" in " ".join(out.split())
    assert load_state(workbook)["hints_seen"] == {}  # the format is unchanged: nothing was added
    code, out, _ = learn("hint", 1, "-w", workbook, "--level", "1", capsys=capsys)
    assert "Hint 1 of" in out and "Hint 2 of" not in out and load_state(workbook)["hints_seen"] == {}


def test_watch_progress_without_a_terminal_gives_each_lesson_one_line():
    from tinygrad_edu.learn.watch import _Progress

    out = io.StringIO()
    progress = _Progress(out, tty=False)
    progress.because = " (ops.py saved)"
    progress.start()
    for number in (1, 1, 4, 5, 5, 1, 2):  # as the runner reports: a lesson may be seen twice, or not at all
        progress(number)
    assert out.getvalue().splitlines() == [
        "running the lessons... (ops.py saved)",
        "running lesson 1...",
        "running lesson 4... (lessons 2-3 ran before it)",
        "running lesson 5...",
        "running lesson 1...",  # the run again, after finished code came back
        "running lesson 2...",
    ]


def test_a_failure_in_a_test_names_where_the_lesson_tests_are(workbook):
    from tinygrad_edu.learn.runner import TestResult
    from tinygrad_edu.learn.screens import failure_lines
    from tinygrad_edu.learn.terminal import Marks

    line = "test_lesson12_hidden_layer.py, line 56: assert deltas == expected"
    test = TestResult("n", "test_x", 12, "", "failed", "TypeError: bad", "TypeError", test_line=line)
    text = " ".join(" ".join(failure_lines(test, workbook, Marks(io.StringIO()))).split())
    path = TESTS_DIR / "test_lesson12_hidden_layer.py"
    shown = re.search(r"in the test, (\S+), line 56:", text)
    assert shown and Path(shown.group(1)).resolve() == path, text
    assert "assert deltas == expected" in text


def test_check_runs_one_lesson(workbook, capsys):
    code, out, _ = learn("check", 4, "--workbook", workbook, capsys=capsys)
    assert code == 1
    assert "Lesson 4: The chain-rule sweep" in out and "test_a_node_used_by_two_nodes" in out
    assert "tests fail" in out
    write_lesson_like_a_learner(workbook, 1)
    code, out, _ = learn("check", 1, "-w", workbook, capsys=capsys)
    assert code == 0 and "lesson 1 passes" in out
    assert out.count("✓ test_") == len(run_lessons(reference_package().parent, [1]).tests_of(1))


def test_solution_only_after_the_lesson_passes_or_with_reveal(workbook, capsys):
    code, out, _ = learn("solution", 1, "-w", workbook, capsys=capsys)
    assert code == 1 and "stays hidden" in out and "def forward" not in out
    code, out, _ = learn("solution", 1, "--reveal", capsys=capsys)
    assert code == 0 and "def forward(self, a, b):" in out and "# BEGIN LESSON 1" in out
    write_lesson_like_a_learner(workbook, 1)
    code, out, _ = learn("solution", 1, "-w", workbook, capsys=capsys)
    assert code == 0 and "passes in your workbook" in out and "# tinygrad_edu/ops.py, Mul.local_grads" in out
    # the challenge shows the code it asks more of
    code, out, _ = learn("solution", N, "--reveal", capsys=capsys)
    assert code == 0 and "# tinygrad_edu/engine.py, topological_order" in out


def test_skip_copies_the_reference_solution(workbook, capsys):
    code, out, _ = learn("skip", 2, "-w", workbook, capsys=capsys)
    assert code == 0 and all(function in out for _, function in LESSONS[1].regions)
    assert load_state(workbook)["skipped"] == [2]
    write_lesson_like_a_learner(workbook, 1)
    code, out, _ = learn("status", workbook, capsys=capsys)
    assert f"] 2/{N} lessons pass" in out and "solution copied by skip" in out
    assert all(len(line) <= 80 for line in out.splitlines()[1:]), out  # (the first names the folder)


def test_the_skip_mark_clears_and_restore_brings_your_code_back(workbook, capsys):
    """Your own code of lesson 2, skipped over, then restored: it passes, and is yours."""
    write_lesson_like_a_learner(workbook, 1)
    write_lesson_like_a_learner(workbook, 2, lambda region: region.body.rstrip("\n") + "  # mine\n")
    code, out, _ = learn("skip", 2, "-w", workbook, "--yes", capsys=capsys)
    assert code == 0 and "lesson02-001-skip-" in out
    code, out, _ = learn("status", workbook, capsys=capsys)
    assert "solution copied by skip" in out
    code, out, _ = learn("restore", 2, "-w", workbook, capsys=capsys)
    assert code == 0 and "Brought back your code of lesson 2 from" in out and "lesson02-001-skip-" in out
    # what it replaced was the reference: the message says so, and that the copy restored is yours
    assert "No copy of the code it replaced was made: it was the stub or the reference solution only" in " ".join(
        out.split()
    )
    assert "# mine" in (workbook / "tinygrad_edu" / "ops.py").read_text(encoding="utf-8")
    code, out, _ = learn("status", workbook, capsys=capsys)
    assert f"] 2/{N} lessons pass" in out and "solution copied by skip" not in out
    assert load_state(workbook)["skipped"] == []
    code, out, err = learn("restore", 5, "-w", workbook, capsys=capsys)
    assert code != 0 and "no kept copy of lesson 5" in out + err


def test_the_order_lessons_solution_keeps_the_challenge_a_challenge(workbook, capsys):
    """Until the challenge passes, solution and skip give lesson 3 a recursive order; the
    explicit-stack order is the challenge's own solution."""
    code, out, _ = learn("solution", 3, "--reveal", capsys=capsys)
    assert code == 0 and "visit(child)" in out and "stack" not in out and "A recursive version" in out
    code, out, _ = learn("solution", N, "--reveal", capsys=capsys)
    assert code == 0 and "stack" in out and "visit(child)" not in out
    for number in (1, 2):
        write_lesson_like_a_learner(workbook, number)
    code, out, _ = learn("skip", 3, "-w", workbook, capsys=capsys)
    assert code == 0
    engine = (workbook / "tinygrad_edu" / "engine.py").read_text(encoding="utf-8")
    assert "visit(child)" in engine and "stack" not in engine.split("def topological_order")[1].split("# END")[0]


def test_learn_list_and_help(capsys):
    code, out, _ = learn("list", capsys=capsys)
    text = " ".join(out.split())
    assert code == 0 and "Read once it passes: notebooks/06_two_neuron_net.ipynb" in text
    assert "Notebook:" not in out
    assert "you write: topological_order (engine.py) again, from lesson 3" in out
    assert all(re.search(rf"^ ?{lesson.number}  ", out, re.M) for lesson in LESSONS)
    assert main(["learn"]) == 2
    assert "init" in capsys.readouterr().out


# ----- the tests judge the implementation they are asked to ---------------------------------------


def test_the_lesson_tests_refuse_a_folder_without_the_package(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(TESTS_DIR),
            f"--rootdir={TESTS_DIR}",
            "-c",
            str(TESTS_DIR / "pytest.ini"),
            "--import-mode=importlib",
            f"--learn-impl={tmp_path}",
            "-q",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
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


class _Lines:
    """The output of a running process, read by a thread, waited on by text."""

    def __init__(self, process):
        self.queue, self.seen = queue.Queue(), []
        threading.Thread(target=lambda: [self.queue.put(line) for line in process.stdout], daemon=True).start()

    def until(self, text, timeout=120):
        start, deadline = len(self.seen), time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.queue.get(timeout=0.2)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return "".join(self.seen[start:])
        raise AssertionError(f"{text!r} not seen in:\n{''.join(self.seen)}")


def _start_watch(workbook, *options):
    return subprocess.Popen(
        [sys.executable, "-m", "tinygrad_edu", "learn", "watch", str(workbook), *options],
        cwd=workbook.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


def _stop(process):
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.mark.parametrize("options", [(), ("--poll",)], ids=["events", "polling"])
def test_watch_reruns_when_a_file_is_saved_and_stops_on_ctrl_c(workbook, options):
    process = _start_watch(workbook, *options)
    lines = _Lines(process)
    try:
        first = lines.until("Ctrl-C stops")
        assert "running lesson 1..." in first
        assert f"Lesson 1: {LESSONS[0].title}" in first and "Lessons: ✗ 1" in first
        write_lesson_like_a_learner(workbook, 1)  # the learner saves the file of lesson 1
        second = lines.until("Ctrl-C stops")
        assert "saved)" in second and "Lesson 1 passes now" in second
        assert f"Lesson 2: {LESSONS[1].title}" in second and "Lessons: ✓ 1   ✗ 2" in second
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        assert "Stopped watching." in lines.until("Stopped watching.")
    finally:
        _stop(process)


def test_a_save_made_while_the_tests_run_is_not_lost(workbook):
    """The first save makes the run slow (the package sleeps 4 s on import); a second save,
    made while that run is under way, writes lesson 1 and takes the sleep out again. The
    watcher must run the lessons again and end on lesson 1 passing, not on the stale result."""
    init = workbook / "tinygrad_edu" / "__init__.py"
    original = init.read_text(encoding="utf-8")
    process = _start_watch(workbook)
    lines = _Lines(process)
    try:
        lines.until("Ctrl-C stops")
        init.write_text(original + "\nimport time as _time\n_time.sleep(4)\n", encoding="utf-8")
        lines.until("running the lessons... (__init__.py saved)")
        time.sleep(1.5)  # the slow run has started importing the package
        init.write_text(original, encoding="utf-8")
        write_lesson_like_a_learner(workbook, 1)
        screen = lines.until("Ctrl-C stops")
        while "Lesson 1 passes now" not in screen:  # a screen of the slow run may come first
            screen = lines.until("Ctrl-C stops")
        assert "Lessons: ✓ 1   ✗ 2" in screen
    finally:
        _stop(process)


def test_the_watch_screen_fits_80_by_24(workbook):
    from tinygrad_edu.learn.runner import RunResult, TestResult
    from tinygrad_edu.learn.screens import watch_screen

    def fits(screen):
        assert len(screen) <= 23, "\n".join(screen)  # the 24th line is the "watching" line
        assert all(len(line) <= 80 for line in screen), "\n".join(line for line in screen if len(line) > 80)

    state = load_state(workbook)
    fresh = run_lessons(workbook, stop=True)
    screen = watch_screen(workbook, fresh, state)
    fits(screen)
    assert screen[0].startswith(f"Lesson 1: {LESSONS[0].title}")
    assert screen[1].startswith("  ✗ test_")  # the failing test comes first
    folded = [line for line in screen if line.startswith("Lessons: ")]
    assert folded == [f"Lessons: ✗ 1   then 2-{N}"]
    # a lesson of eight functions lists them all, one line per file
    write_lesson_like_a_learner(workbook, 1)
    screen = watch_screen(workbook, run_lessons(workbook, stop=True), state)
    fits(screen)
    listed = " ".join(screen)
    assert all(f"{function}:" in listed for _, function in LESSONS[1].regions), listed
    # a failure with a very long message is cut to fit, with a pointer to the whole of it
    long_message = "\n".join(f"line {i}: " + "x" * 150 for i in range(60))
    test = TestResult(
        nodeid="t::test_long",
        name="test_long",
        lesson=1,
        doc="a test with a lot to say " * 6,
        outcome="failed",
        message=long_message,
        exception="AssertionError",
        frames=[],
    )
    result = RunResult(state="finished", tests=[test])
    screen = watch_screen(workbook, result, state)
    fits(screen)
    assert screen[1].startswith("  ✗ test_long") and any("learn check 1` shows it all" in line for line in screen)


# ----- work is never lost: reset, skip, and changes outside the regions ---------------------------


def _learner(*args, cwd=None, stdin=subprocess.DEVNULL):
    """`tinygrad-edu learn ARGS` in a new process (stdin not a terminal unless given)."""
    return subprocess.run(
        [sys.executable, "-m", "tinygrad_edu", "learn", *map(str, args)],
        cwd=cwd,
        stdin=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=180,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


def _package_texts(folder):
    package = folder / "tinygrad_edu"
    return {p.relative_to(package).as_posix(): p.read_text(encoding="utf-8") for p in sorted(package.rglob("*.py"))}


def _copies(folder):
    backup = folder / ".tinygrad-edu-learn-backup"
    return sorted(backup.iterdir()) if backup.is_dir() else []


def _my_version(region):
    return region.indent + "# my own attempt\n" + region.body


def test_reset_puts_the_stub_back_keeps_a_copy_and_touches_nothing_else(workbook, capsys):
    write_lesson_like_a_learner(workbook, 1)
    write_lesson_like_a_learner(workbook, 2, _my_version)
    before = _package_texts(workbook)
    # lesson 2 passes: reset asks first; with no terminal to ask at, it refuses
    code, out, _ = learn("reset", 2, "-w", workbook, capsys=capsys)
    assert code == 1 and "Lesson 2 passes in your workbook" in out and "--yes" in out
    assert _package_texts(workbook) == before and _copies(workbook) == []
    code, out, _ = learn("reset", 2, "-w", workbook, "--yes", capsys=capsys)
    assert code == 0 and "is a stub again" in out
    after = _package_texts(workbook)
    message = stub_message(LESSONS[1])
    expected = {
        name: stub_source(text, name, {2}, lambda n: message) if "# BEGIN LESSON" in text else text
        for name, text in before.items()
    }
    assert after == expected  # lesson 2's regions are stubs; every other line is as it was
    [copy] = _copies(workbook)
    assert copy.name.startswith("lesson02-001-reset-") and copy.name.endswith(".py")
    kept = copy.read_text(encoding="utf-8")
    assert kept.count("# my own attempt") == len(LESSONS[1].regions)
    assert all(function in kept for _, function in LESSONS[1].regions)
    # only lesson 2's code is kept, not whole files: lesson 1's solution is not in the copy
    lesson1 = [r for r in reference_regions() if r.lesson == 1]
    assert not any(line.strip() in kept for r in lesson1 for line in r.body.splitlines() if len(line.strip()) > 12)
    code, out, _ = learn("reset", 2, "-w", workbook, capsys=capsys)
    assert code == 0 and "nothing to reset" in out


def test_every_skip_keeps_a_copy_of_the_lesson_only(workbook, capsys):
    write_lesson_like_a_learner(workbook, 1)
    write_lesson_like_a_learner(
        workbook, 2, lambda region: region.indent + "# first try\n" + region.indent + "raise RuntimeError('not yet')\n"
    )
    code, out, _ = learn("skip", 2, "-w", workbook, capsys=capsys)  # lesson 2 fails: no question
    assert code == 0 and "kept in\n    .tinygrad-edu-learn-backup/lesson02-" in out
    assert load_state(workbook)["skipped"] == [2]
    # the learner edits the copied solution, then skips again: that newer edit is kept too
    for region in [r for r in reference_regions() if r.lesson == 2]:
        path = workbook / "tinygrad_edu" / region.path
        path.write_text(
            path.read_text(encoding="utf-8").replace(
                "# END LESSON 2", f"# second try\n{region.indent}# END LESSON 2", 1
            ),
            encoding="utf-8",
        )
    code, out, err = learn("skip", 2, "-w", workbook, "--yes", capsys=capsys)
    assert code == 0, out + err
    first, second = _copies(workbook)
    assert "# first try" in first.read_text(encoding="utf-8") and "# second try" not in first.read_text(
        encoding="utf-8"
    )
    assert "# second try" in second.read_text(encoding="utf-8")
    # per region, not whole files: every region of the first try; of the second, the one edited
    assert first.read_text(encoding="utf-8").count("# tinygrad_edu/") == len(LESSONS[1].regions)
    assert second.read_text(encoding="utf-8").count("# tinygrad_edu/") == 1
    # a skip over code that is only the stub or the reference keeps nothing
    code, out, _ = learn("skip", 3, "-w", workbook, capsys=capsys)
    assert code == 0 and "No copy of your code of this lesson was made" in out and len(_copies(workbook)) == 2


def test_ctrl_c_during_a_skip_leaves_the_lesson_whole(workbook, monkeypatch):
    """Lesson 11 spans nn/losses.py and optim.py: a real SIGINT while the first file is written
    waits until both are, then stops the command."""
    from tinygrad_edu.learn.lesson_code import copy_solution

    real_replace, calls = os.replace, []

    def replace_then_interrupt(source, target):  # the renames of safe_files.write_files
        calls.append(Path(target).name)
        real_replace(source, target)
        if len(calls) == 1:
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(os, "replace", replace_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        copy_solution(workbook, 11)
    calls = [name for name in calls if name.endswith(".py")]
    assert sorted(calls) == ["losses.py", "optim.py"]
    texts = _package_texts(workbook)
    assert stub_message(LESSONS[10]) not in texts["nn/losses.py"] + texts["optim.py"]


def test_skip_over_a_passing_lesson_asks_at_the_terminal(workbook):
    pty = pytest.importorskip("pty")
    write_lesson_like_a_learner(workbook, 1, _my_version)
    before = _package_texts(workbook)
    result = _learner("skip", 1, "-w", workbook)  # stdin is not a terminal
    assert result.returncode == 1 and "no terminal to ask" in result.stdout
    assert _package_texts(workbook) == before
    for answer, code in (("n", 1), ("y", 0)):
        controller, terminal = pty.openpty()
        try:
            os.write(controller, f"{answer}\n".encode())
            result = _learner("skip", 1, "-w", workbook, stdin=terminal)
        finally:
            os.close(controller)
            os.close(terminal)
        assert result.returncode == code, result.stdout + result.stderr
        assert "Go on? [y/N]" in result.stdout
        if answer == "n":
            assert "Not done" in result.stdout and _package_texts(workbook) == before
    assert _package_texts(workbook) != before and len(_copies(workbook)) == 1


def test_status_warns_when_finished_code_outside_the_regions_changed(workbook, capsys):
    code, out, _ = learn("status", workbook, capsys=capsys)
    assert "outside the lesson regions" not in out
    path = workbook / "tinygrad_edu" / "nn" / "models.py"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    marked = {i for r in find_regions("".join(lines), "nn/models.py") for i in range(r.begin - 1, r.end)}
    outside = [i for i, line in enumerate(lines) if i not in marked and line.strip() and i > 5]
    lines[outside[3]] = lines[outside[3]].rstrip("\n") + "  # changed\n"
    lines.insert(outside[10] + 1, "EXTRA = 1\n")
    path.write_text("".join(lines), encoding="utf-8")
    code, out, _ = learn("status", workbook, capsys=capsys)
    assert "! Finished code outside the lesson regions was changed" in out
    assert f"tinygrad_edu/nn/models.py: lines {outside[3] + 1}, {outside[10] + 2}" in out


# ----- safety: only the workbook the learner made, one state writer at a time ------------------


def test_learn_looks_only_in_the_folder_it_is_given(tmp_path, capsys, monkeypatch):
    """A parent folder with a state file (say a shared /tmp) is never run from."""
    planted = tmp_path / "shared"
    (planted / "tinygrad_edu").mkdir(parents=True)
    (planted / STATE_FILE).write_text("{}", encoding="utf-8")
    marker = tmp_path / "ran"
    (planted / "tinygrad_edu" / "__init__.py").write_text(f"open({str(marker)!r}, 'w').close()\n", encoding="utf-8")
    below = planted / "mine"
    below.mkdir()
    monkeypatch.chdir(below)
    for command in (["status"], ["hint"], ["check", "1"], ["skip", "1"]):
        code, _, err = learn(*command, capsys=capsys)
        assert code == 2 and "learn only looks at the folder it is given" in err, (command, err)
    assert not marker.exists()


def test_a_workbook_others_can_write_to_is_refused(workbook, capsys):
    for path, what in (
        (workbook, "workbook folder"),
        (workbook / STATE_FILE, "state file"),
        (workbook / "tinygrad_edu", "package folder"),
    ):
        mode = path.stat().st_mode
        path.chmod(mode | 0o002)
        try:
            code, _, err = learn("status", workbook, capsys=capsys)
        finally:
            path.chmod(mode)
        assert code == 2 and f"the {what} is world-writable" in err and "chmod o-w" in err
    state = workbook / STATE_FILE
    real = workbook / "state-elsewhere.json"
    state.rename(real)
    state.symlink_to(real)
    code, _, err = learn("status", workbook, capsys=capsys)
    assert code == 2 and "not a plain file" in err


def test_a_workbook_of_another_user_is_refused(workbook, capsys):
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("changing a file's owner needs root")
    os.chown(workbook / STATE_FILE, 65534, 65534)
    code, _, err = learn("status", workbook, capsys=capsys)
    assert code == 2 and "belongs to another user (uid 65534)" in err


def test_the_state_file_is_written_atomically_never_through_a_planted_link(workbook):
    from tinygrad_edu.learn.state import save_state, update_state

    victim = workbook.parent / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    (workbook / (STATE_FILE + ".tmp")).symlink_to(victim)  # the fixed name older versions wrote through
    update_state(workbook, lambda state: state["hints_seen"].update({"1": 2}))
    save_state(workbook, load_state(workbook))
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert load_state(workbook)["hints_seen"] == {"1": 2}
    assert [p.name for p in workbook.iterdir() if p.name.startswith("." + STATE_FILE)] == []


CONCURRENT_WRITER = """
import sys
from tinygrad_edu.learn.state import update_state
workbook, key = sys.argv[1], sys.argv[2]
for i in range(150):
    def change(state, i=i):
        if key == "hints":
            state["hints_seen"][str(i)] = 1
        else:
            state["skipped"].append(i)
    update_state(workbook, change)
"""


def test_two_commands_at_once_never_lose_progress(workbook):
    """Two processes update the state 150 times each, at the same time: no crash, and
    every update of both is in the file at the end (read-merge-write under a lock)."""
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", CONCURRENT_WRITER, str(workbook), key],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for key in ("hints", "skipped")
    ]
    outputs = [w.communicate(timeout=180)[0] for w in writers]
    assert [w.returncode for w in writers] == [0, 0], outputs
    state = load_state(workbook)
    assert state["hints_seen"] == {str(i): 1 for i in range(150)}
    assert state["skipped"] == list(range(150))


def test_hint_and_status_at_once_in_two_terminals(workbook):
    write_lesson_like_a_learner(workbook, 1)
    status = subprocess.Popen(
        [sys.executable, "-m", "tinygrad_edu", "learn", "status", str(workbook)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
    )
    hints = [_learner("hint", 5, "-w", workbook) for _ in range(len(LESSONS[4].hints))]
    out = status.communicate(timeout=180)[0]
    assert status.returncode == 1 and "Lesson 1 passes now" in out, out
    assert all(h.returncode == 0 for h in hints)
    state = load_state(workbook)
    assert state["passed"] == [1] and state["hints_seen"] == {"5": len(LESSONS[4].hints)}


# ----- errors in the learner's own code ---------------------------------------------------------


def test_an_error_is_shown_at_the_line_the_learner_wrote(workbook, capsys):
    """A recursive topological order passes lesson 3 and the whole path, then fails the
    challenge's deep chain; the message points at the learner's recursive call, not at the
    engine's internals, and status still ends well: the challenge is optional."""
    for lesson in LESSONS[:-1]:
        write_lesson_like_a_learner(
            workbook, lesson.number, (lambda region: LESSONS[-1].counterexample) if lesson.number == 3 else None
        )
    code, out, _ = learn("status", workbook, capsys=capsys)
    assert code == 0, out
    assert f"] {N - 1}/{N} lessons pass" in out and f"All {N - 1} lessons of the path pass" in out
    assert "test_a_chain_a_hundred_thousand_deep" in out and "RecursionError" in out
    assert re.search(
        r"raised at tinygrad_edu/engine\.py, line \d+, in visit:\n +(visit\(child\)|for child in "
        r"node\.children:|if node in seen:)\n",
        out,
    ), out
    assert f"Next (optional): lesson {N} asks more of your lesson 3 code" in out
    assert "between the lines '# BEGIN LESSON 3' and '# END LESSON 3' in:" in out
    code, out, _ = learn("skip", N, "-w", workbook, capsys=capsys)
    assert code == 1 and "no code of its own" in out


def test_code_cut_with_a_lesson_comes_back_when_it_passes(workbook, capsys):
    """micrograd's _backward() is the sweep for one node: cut while lesson 4 is to do."""
    engine = workbook / "tinygrad_edu" / "engine.py"
    assert "cut from your workbook until lesson 4 passes" in engine.read_text(encoding="utf-8")
    for number in range(1, 5):
        write_lesson_like_a_learner(workbook, number)
    code, out, _ = learn("status", workbook, capsys=capsys)
    back = " ".join(out.split("is back in your workbook:")[1].split())
    expected = "PowByValue.local_grads() in ops.py, Value._backward() in engine.py, gradients() in engine.py."
    assert back.startswith(expected), back
    text = engine.read_text(encoding="utf-8")
    assert "until lesson 4 passes" not in text and "# BEGIN CUT WITH LESSON 4" in text
    assert "outside the lesson regions" not in out
    code, out, _ = learn("reset", 4, "-w", workbook, "--yes", capsys=capsys)
    assert code == 0 and "until lesson 4 passes" in engine.read_text(encoding="utf-8")


def endless(region):
    return f"{region.indent}while True:\n{region.indent}    pass\n"


def test_an_endless_loop_is_stopped_at_the_learners_line(workbook, capsys, monkeypatch):
    """A test that runs past its time limit is stopped where it is: it fails naming the
    learner's function and line, the lesson's other tests are not run, and the lessons
    before it keep their ✓."""
    monkeypatch.setenv("TINYGRAD_EDU_LEARN_TEST_LIMIT", "2")
    write_lesson_like_a_learner(workbook, 1)
    write_lesson_like_a_learner(workbook, 2, endless)
    code, out, _ = learn("status", workbook, capsys=capsys)
    assert code == 1 and f"] 1/{N} lessons pass" in out
    lines = lesson_lines(out)
    assert lines[1][0] == "✓" and lines[2][0] == "✗"
    assert "TestTooLong: this test was stopped after 2 s: an endless loop?" in out
    assert re.search(r"raised at tinygrad_edu/ops\.py, line \d+, in forward:\n +(while True:|pass)\n", out), out
    result = run_lessons(workbook, lessons=[2])
    assert sum(t.outcome == "failed" for t in result.tests_of(2)) == 1  # the rest: not run


def test_a_run_that_times_out_keeps_the_lessons_that_passed(workbook, monkeypatch):
    """Without the per-test limit (0), the whole run's time limit stops it; lessons whose
    tests all passed before keep their outcome."""
    monkeypatch.setenv("TINYGRAD_EDU_LEARN_TEST_LIMIT", "0")
    write_lesson_like_a_learner(workbook, 1)
    write_lesson_like_a_learner(workbook, 2, endless)
    result = run_lessons(workbook, stop=True, timeout=15)
    assert result.state == "timeout"
    assert "did not finish within 15 s" in result.error["message"]
    assert "test_lesson02_more_local_derivatives.py::" in result.error["message"]
    assert result.outcome(1) == "passed" and result.outcome(2) == "failed" and result.outcome(3) == "not-run"


def test_learn_md_lists_every_lesson():
    text = (REPO / "LEARN.md").read_text(encoding="utf-8")
    for lesson in LESSONS:
        row = f"| {lesson.number} | {lesson.title.replace('*', chr(92) + '*')} |"
        assert row in text, row
        assert all(f"`{function}`" in text for _, function in lesson.regions)
        assert all(f"notebooks/{name}.ipynb" in text for name in lesson.notebooks)
    assert "Lesson 1 passes now" not in text  # the sample session shows a failing attempt, not a solution
    assert "received:" in text and "Lessons: ✗ 1" in text
    for command in ("init", "status", "hint", "check", "watch", "solution", "skip", "reset", "verify"):
        assert f"`tinygrad-edu learn {command}" in text


# ----- a newcomer's first commands: suggestions that work when followed --------------------------


def _notebook_paths(out):
    """The notebook paths of the `Read next:` line of a screen (its folded lines joined)."""
    text = " ".join(out[out.index("Read next: ") + len("Read next: ") :].split())
    return [part.strip() for part in text[: text.index(" (the same rules")].split(", ")]


def test_status_names_notebooks_by_a_path_that_exists_from_the_workbook(workbook, capsys, monkeypatch):
    for number in (1, 2):
        write_lesson_like_a_learner(workbook, number)
    monkeypatch.chdir(workbook)  # where a learner runs status: inside the workbook
    code, out, _ = learn("status", capsys=capsys)
    assert code == 1
    (path,) = _notebook_paths(out)
    assert path.endswith("01_linear_approximation.ipynb") and Path(path).is_file(), path
    assert Path(path).resolve() == REPO / "notebooks" / "01_linear_approximation.ipynb"
    assert all(len(line) <= 80 for line in out.splitlines() if "ipynb" in line)
    readme = (workbook / "README.md").read_text(encoding="utf-8")
    assert f"They\nare in `{REPO / 'notebooks'}`." in readme or f"are in `{REPO / 'notebooks'}`" in " ".join(
        readme.split()
    )


def test_without_a_checkout_status_says_where_the_notebooks_are(workbook, capsys, monkeypatch):
    from tinygrad_edu.learn import reading
    from tinygrad_edu.learn import workbook as workbook_module

    monkeypatch.setattr(reading, "checkout_notebooks", lambda: workbook / "no-such-folder")
    for number in (1, 2):
        write_lesson_like_a_learner(workbook, number)
    code, out, _ = learn("status", workbook, capsys=capsys)
    text = " ".join(out.split())  # the line may be folded to the terminal's width
    assert (
        "Read next: 01_linear_approximation.ipynb (in the notebooks/ folder of a checkout of the tinygrad_edu "
        "repository) (the same rules, derived)" in text
    )
    readme = " ".join(workbook_module.workbook_readme().split())
    assert "They are in the notebooks/ folder of a checkout of the tinygrad_edu repository" in readme
    assert "notebooks/01" not in readme and "| 01_linear_approximation.ipynb |" in readme


def test_hint_outside_a_workbook_suggests_commands_that_work(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = learn("hint", capsys=capsys)
    assert code == 2
    suggested = re.findall(r"`(tinygrad-edu learn [^`]*)`", err)
    assert suggested == [
        "tinygrad-edu learn hint -w mywork",
        "tinygrad-edu learn hint 1",
        "tinygrad-edu learn init mywork",
    ]
    # Follow them: make the workbook, then ask for a hint the suggested way.
    assert learn("init", "mywork", capsys=capsys)[0] == 0
    code, out, err = learn("hint", "-w", "mywork", capsys=capsys)
    assert code == 0, err
    assert "Hint 1 of" in out
    code, out, err = learn("hint", "1", capsys=capsys)
    assert code == 0 and "Hint 1 of" in out, err


def test_a_workbook_given_where_a_lesson_number_goes_is_answered_with_minus_w(workbook, capsys, monkeypatch):
    monkeypatch.chdir(workbook.parent)
    for command, example in (("hint", "hint -w mywork"), ("check", "check N -w mywork")):
        with pytest.raises(SystemExit) as exit_info:
            learn(command, "mywork", capsys=capsys)
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith(f"usage: tinygrad-edu learn {command} ")  # its own usage
        assert "expected a lesson number from 1 to" in err and f"`tinygrad-edu learn {example}`" in err
