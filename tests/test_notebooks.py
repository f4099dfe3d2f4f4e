"""The notebooks in notebooks/: committed with their outputs, small, and still running.

Two kinds of checks:

* The committed files as they are (plain JSON, no Jupyter needed): each is under
  1 MB, every code cell has been executed, in order, top to bottom, no cell shows an
  error or writes to stderr, and every cell that draws a picture has one in its
  outputs (so the notebooks read well on GitHub without running them).
* What each notebook promises a learner: it names its lessons of `tinygrad-edu learn`,
  and it has at least two exercises, each with an answer cell (left at None) and a
  hidden check cell that reveals the answer, or asserts the learner's answer with a
  message. The check helper itself is tested on right and wrong answers.
* Execution: each notebook runs top to bottom in a fresh Jupyter kernel (nbclient),
  on a copy in a temporary folder, so the committed file is never rewritten. A cell
  that raises fails the test with the cell's traceback, and a picture that no longer
  appears (for instance because matplotlib fell back to a non-inline backend) fails
  it too. The kernel must run this very interpreter: a hidden first cell (added to
  the copy only) reports the kernel's sys.executable and sys.prefix.

Execution needs nbclient, nbformat, ipykernel and matplotlib (the dev extra), and the
`python3` kernel that ipykernel installs inside this environment
(sys.prefix/share/jupyter/kernels/python3). Without them the execution tests are
skipped with a reason, except in CI (CI=true), where they fail.
"""

import importlib.util
import json
import pathlib
import re
import shutil
import sys

import pytest
from conftest import skip_or_fail_in_ci

NOTEBOOK_DIR = pathlib.Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
MAX_BYTES = 1_000_000
CELL_TIMEOUT = 300  # seconds for one cell; each notebook as a whole runs in well under a minute
PICTURE_TYPES = ("image/png", "image/svg+xml")
PROBE = "import sys\nprint(sys.executable)\nprint(sys.prefix)"
# Run after the notebook (in the copy only): every check seen, on right, rounded and wrong answers,
# and the answers themselves, to look for them in the outputs above each check.
CHECK_PROBE = """import json, exercises
answers = {key: entry[0] for key, entry in exercises.ANSWERS.items() if not callable(entry[0])}
print(json.dumps({key: {**result, "answer": answers.get(key)} for key, result in exercises.self_test().items()}))"""
_ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")

by_name = pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])


def _load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _source(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _draws_picture(cell):
    """True for a code cell that shows a plot (plt.show()) or ends with a draw_dot(...) expression."""
    lines = [line for line in _source(cell).splitlines() if line.strip()]
    return bool(lines) and ("plt.show()" in _source(cell) or lines[-1].startswith("draw_dot("))


def _has_picture(cell):
    return any(mime in output.get("data", {}) for output in cell.get("outputs", []) for mime in PICTURE_TYPES)


def _where(cell, index):
    first_line = (_source(cell).splitlines() or [""])[0]
    return f"code cell {index} ({first_line[:60]!r})"


def _missing_pictures(nb):
    code_cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    return [_where(cell, i) for i, cell in enumerate(code_cells, 1) if _draws_picture(cell) and not _has_picture(cell)]


# ----- the committed files --------------------------------------------------------------------------


def test_the_notebooks_are_there():
    names = [p.name for p in NOTEBOOKS]
    assert len(names) >= 10, f"expected at least ten notebooks in {NOTEBOOK_DIR}, found {names}"
    for name in names:
        assert name[:2].isdigit() and name[2] == "_", f"{name}: name it NN_topic.ipynb so the order is clear"


def test_the_notebook_index_lists_every_notebook():
    index = (NOTEBOOK_DIR / "README.md").read_text(encoding="utf-8")
    missing = [p.name for p in NOTEBOOKS if p.name not in index]
    assert not missing, f"notebooks/README.md does not link {missing}"


@by_name
def test_committed_notebook_is_small(path):
    size = path.stat().st_size
    assert size < MAX_BYTES, (
        f"{path.name} is {size:,} bytes (limit {MAX_BYTES:,}): lower the figure dpi or size, or draw fewer pictures"
    )


@by_name
def test_committed_notebook_has_its_outputs(path):
    nb = _load(path)
    assert nb.get("nbformat") == 4, f"{path.name}: expected nbformat 4, got {nb.get('nbformat')!r}"
    assert nb["metadata"].get("kernelspec", {}).get("name") == "python3", f"{path.name}: kernelspec must be python3"
    code_cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code_cells, f"{path.name} has no code cells"
    counts = [c.get("execution_count") for c in code_cells]
    assert counts == list(range(1, len(code_cells) + 1)), (
        f"{path.name}: the code cells were not all run once, top to bottom, in a fresh kernel "
        f"(execution counts {counts}); re-execute it and save it with its outputs"
    )
    for i, cell in enumerate(code_cells, 1):
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", (
                f"{path.name}, {_where(cell, i)}: committed with an error: "
                f"{output.get('ename')}: {output.get('evalue')}"
            )
            assert not (output["output_type"] == "stream" and output.get("name") == "stderr"), (
                f"{path.name}, {_where(cell, i)}: committed with stderr output: {''.join(output.get('text', ''))[:300]}"
            )
    missing = _missing_pictures(nb)
    assert not missing, f"{path.name}: no picture in the committed outputs of {missing}"


# ----- lessons and exercises -------------------------------------------------------------------------

# The learning path's lesson plan: the lessons of `tinygrad-edu learn` each notebook rebuilds.
LESSONS = {
    "01": [(1, "A local derivative"), (2, "More local derivatives")],
    "02": [
        (3, "A topological order"),
        (4, "The chain-rule sweep"),
        (13, "Challenge (optional): deeper than recursion"),
    ],
    "03": [(5, "A sigmoid from exp, + and /"), (6, "Activation rules")],
    "04": [(8, "Gradient descent")],
    "05": [(8, "Gradient descent"), (11, "The error and one training step")],
    "06": [(7, "The two-neuron net by hand"), (12, "A hidden layer's deltas")],
    "07": [(6, "Activation rules"), (7, "The two-neuron net by hand"), (9, "A neuron")],
    "08": [(10, "A layer and an MLP"), (12, "A hidden layer's deltas")],
    "09": [(9, "A neuron"), (11, "The error and one training step")],
    "10": [(4, "The chain-rule sweep")],
    "11": [(10, "A layer and an MLP"), (12, "A hidden layer's deltas")],
    "12": [(9, "A neuron"), (10, "A layer and an MLP"), (11, "The error and one training step")],
}
# What a notebook needs beyond the dev extras: without it, its run is skipped (and fails in CI).
EXTRA_MODULES = {"12": ("sklearn", "scikit-learn")}
LESSON_PHRASE = "Rebuild it yourself: `tinygrad-edu learn` lesson "


def _markdown(nb):
    return "\n".join(_source(c) for c in nb["cells"] if c["cell_type"] == "markdown")


def _is_hidden(cell):
    return bool(cell.get("metadata", {}).get("jupyter", {}).get("source_hidden"))


def _stdout(cell):
    return "".join("".join(o.get("text", "")) for o in cell.get("outputs", []) if o.get("output_type") == "stream")


@by_name
def test_notebook_names_its_lessons(path):
    text = _markdown(_load(path))
    assert LESSON_PHRASE in text, f"{path.name}: no line saying {LESSON_PHRASE!r}N (title)"
    expected = LESSONS.get(path.name[:2])
    assert expected, f"{path.name}: add its lessons to LESSONS in this test (see the learning path's lesson plan)"
    for number, title in expected:
        assert f"lesson {number} ({title})" in text, f"{path.name}: names no 'lesson {number} ({title})'"


_NOT_YET = re.compile(r"^Exercise (\S+): no answer yet\. .* \(reveal\('\1'\) shows the answer\.\)$")
_CHECK_CALL = re.compile(r"""^(check|check_function)\("([0-9a-z]+)",""", re.M)


def _exercises(cells):
    """(index of the exercise's markdown cell, answer cell, check cell) for every '**Exercise' in the notebook."""
    return [
        (i, cells[i + 1], cells[i + 2])
        for i, cell in enumerate(cells)
        if cell["cell_type"] == "markdown" and re.search(r"\*\*Exercise \d+", _source(cell))
    ]


def _asks_for_code(answer_cell):
    return "def my_" in _source(answer_cell) and "return None" in _source(answer_cell)


def _check_keys(cell):
    return [m.group(2) for m in _CHECK_CALL.finditer(_source(cell))]


@by_name
def test_notebook_has_exercises_with_hidden_checks(path):
    cells = _load(path)["cells"]
    exercises = _exercises(cells)
    assert len(exercises) >= 2, f"{path.name}: {len(exercises)} exercise(s); each notebook needs at least two"
    for i, answer, check_cell in exercises:
        where = f"{path.name}, the exercise in cell {i}"
        assert answer["cell_type"] == "code" and ("= None" in _source(answer) or _asks_for_code(answer)), (
            f"{where}: the next cell should hold the learner's answer, left at None (or a function returning None)"
        )
        assert check_cell["cell_type"] == "code" and _is_hidden(check_cell), (
            f"{where}: the answer cell should be followed by a hidden check cell (metadata jupyter.source_hidden)"
        )
        assert _check_keys(check_cell), f'{where}: the hidden cell calls no check("key", ...) or check_function(...)'


@by_name
def test_no_saved_output_shows_an_answer(path):
    """Each check cell, saved with its answer left at None, says 'no answer yet' and nothing else: neither the
    answer nor its explanation (both come from reveal(key), on request)."""
    for i, _, check_cell in _exercises(_load(path)["cells"]):
        keys = _check_keys(check_cell)
        lines = [line for line in _stdout(check_cell).splitlines() if line.strip()]
        shown = [m.group(1) for m in map(_NOT_YET.match, lines) if m]
        assert shown == keys and len(lines) == len(keys), (
            f"{path.name}, the check after cell {i}: expected one 'no answer yet' line per check {keys}, "
            f"the saved output is {lines}"
        )
        assert not any(o.get("data") for o in check_cell.get("outputs", [])), f"{path.name}: the check shows a value"


def test_exercise_keys_are_unique_and_match_their_exercise():
    for path in NOTEBOOKS:
        cells = _load(path)["cells"]
        keys = [key for c in cells if c["cell_type"] == "code" for key in _check_keys(c)]
        assert len(keys) == len(set(keys)), f"{path.name}: an exercise key is used twice: {keys}"
        for i, _, check_cell in _exercises(cells):
            number = re.search(r"\*\*Exercise (\d+)", _source(cells[i])).group(1)
            for key in _check_keys(check_cell):
                assert key.rstrip("abcdefg") == number, f"{path.name}: Exercise {number} checks key {key!r}"


def test_at_least_three_exercises_ask_for_code():
    code_exercises = [
        (path.name, i)
        for path in NOTEBOOKS
        for i, answer, check_cell in _exercises(_load(path)["cells"])
        if _asks_for_code(answer) and "check_function(" in _source(check_cell)
    ]
    assert len(code_exercises) >= 3, f"exercises that ask for code and run it: {code_exercises}"


def test_every_notebook_uses_the_shared_check_helper():
    for path in NOTEBOOKS:
        cells = _load(path)["cells"]
        assert not any("def check(" in _source(c) for c in cells), f"{path.name} defines its own check()"
        setup = next(_source(c) for c in cells if c["cell_type"] == "code")
        assert "from exercises import check" in setup, f"{path.name}: the first code cell should import the checks"


def _reading_order(text, this=None):
    """The notebooks in the order `text` names them; `this` stands for the notebook that says '(this one)'."""

    def position(path):
        return text.find("(this one)") if path == this else text.find(f"]({path.name})")

    return [p.name for p in sorted(NOTEBOOKS, key=position)]


@by_name
def test_first_cell_links_the_notation_and_lists_the_notebooks(path):
    first = _source(_load(path)["cells"][0])
    assert "](NOTATION.md)" in first, f"{path.name}: the first cell does not link NOTATION.md"
    missing = [p.name for p in NOTEBOOKS if p != path and f"]({p.name})" not in first]
    assert not missing and "(this one)" in first, f"{path.name}: the first cell's list lacks {missing or 'itself'}"
    index = (NOTEBOOK_DIR / "README.md").read_text(encoding="utf-8")
    assert _reading_order(first, path) == _reading_order(index), (
        f"{path.name}: the first cell's order differs from notebooks/README.md's"
    )


def test_the_notation_page_states_the_conventions():
    text = (NOTEBOOK_DIR / "NOTATION.md").read_text(encoding="utf-8")
    for needle in (r"$\partial E / \partial z_j$", "**into** neuron $j$", "Nielsen", "seed 004", "$P = -E$"):
        assert needle in text, f"NOTATION.md does not say {needle!r}"


# ----- the check helper (notebooks/exercises.py) ------------------------------------------------------


@pytest.fixture(scope="module")
def exercises():
    spec = importlib.util.spec_from_file_location("exercises", NOTEBOOK_DIR / "exercises.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_check_hides_the_answer_until_revealed(exercises, capsys):
    assert exercises.check("t1", None, 0.25**10, "Because ten quarters.") is None
    out = capsys.readouterr().out
    assert "9.537" not in out and "Because" not in out and _NOT_YET.match(out.strip())
    exercises.reveal("t1")
    assert capsys.readouterr().out.strip() == "Exercise t1: the answer is 9.537e-07. Because ten quarters."
    assert exercises.check("t1", 0.5, 0.25**10, "Because.") is False
    out = capsys.readouterr().out
    assert "you answered 0.5" in out and "9.537" not in out and "Because" not in out
    assert exercises.check("t1", 9.5e-7, 0.25**10, "Because.") is True


@pytest.mark.parametrize(
    ("expected", "rights", "wrongs"),
    [
        (0.25**10, [9.537e-07, 9.5e-07, 9.54e-7], [0, 1e-4, 9e-4, 1.1e-6, -9.537e-07]),  # tiny: no absolute slack
        (1.25**10, [9.3, 9.31, 9.313225746154785], [9.0, 10, 0]),  # rounded as the explanation rounds it
        (-0.02326, [-0.023, -0.0233], [0.02326, -0.03, 0]),
        (0.0, [0.0, 1e-13], [1e-3, 0.1]),
        (1000, [1000, 1000.0], [1001, 999, 990]),  # counts are exact
        ("negative", ["negative", " Negative "], ["positive", "", 0, None]),
        ([-0.3, 0.2, 0.1], [[-0.3, 0.2, 0.1], (-0.3, 0.2, 0.1)], [[0.3, 0.2, 0.1], [-0.3, 0.2], -0.3, "abc"]),
    ],
)
def test_the_check_tolerance(exercises, expected, rights, wrongs):
    for right in rights:
        assert exercises.close_enough(right, expected), f"{right!r} should pass for {expected!r}"
    for wrong in wrongs:
        assert not exercises.close_enough(wrong, expected), f"{wrong!r} should fail for {expected!r}"


def test_check_function_runs_the_learners_code(exercises, capsys):
    def reference(a, b):
        return [a * b, a + b]

    def not_written(a, b):
        raise NotImplementedError

    cases = [(1.0, 2.0), (3.0, -1.0)]
    assert exercises.check_function("t2", None, reference, cases, "Why.") is None
    assert exercises.check_function("t2", lambda a, b: None, reference, cases, "Why.") is None
    assert exercises.check_function("t2", not_written, reference, cases, "Why.") is None
    assert exercises.check_function("t2", lambda a, b: [a * b, a - b], reference, cases, "Why.") is False
    assert exercises.check_function("t2", lambda a, b: 1 / 0, reference, cases, "Why.") is False
    out = capsys.readouterr().out
    assert "ZeroDivisionError" in out and "Why." not in out
    assert exercises.check_function("t2", lambda a, b: (a * b, a + b), reference, cases, "Why.") is True
    assert "right, on all 2 test inputs. Why." in capsys.readouterr().out


# ----- running them ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def jupyter():
    """nbformat and nbclient, once the python3 kernel of this environment is known to exist."""
    try:
        import matplotlib  # noqa: F401  (the notebooks plot with it)
        import nbclient
        import nbformat
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    except ImportError as error:
        skip_or_fail_in_ci(
            f"cannot run the notebooks: {error.name} is not installed "
            "(pip install -e '.[dev]' brings nbclient, nbformat, ipykernel and matplotlib)"
        )
    try:
        KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:
        skip_or_fail_in_ci(
            "cannot run the notebooks: no Jupyter kernel named 'python3' was found "
            "(installing ipykernel into this environment provides it)"
        )
    return nbformat, nbclient


@by_name
def test_notebook_runs_top_to_bottom(path, jupyter, tmp_path, monkeypatch):
    nbformat, nbclient = jupyter
    if path.name[:2] in EXTRA_MODULES:
        module, package = EXTRA_MODULES[path.name[:2]]
        try:
            importlib.import_module(module)
        except ImportError:
            skip_or_fail_in_ci(f"{path.name} needs {package} (pip install {package}), which is not installed")
    # A backend chosen in the environment (e.g. MPLBACKEND=Agg) would make the plots vanish;
    # the kernel should use the inline backend, as it does for a reader.
    monkeypatch.delenv("MPLBACKEND", raising=False)

    copy = tmp_path / path.name
    shutil.copyfile(path, copy)
    nb = nbformat.read(copy, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(PROBE))  # hidden check, in the copy only
    nb.cells.append(nbformat.v4.new_code_cell(CHECK_PROBE))

    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    failure = None
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as error:
        failure = _ANSI_COLOUR.sub("", str(error))  # IPython colours its tracebacks
    except Exception as error:  # the kernel did not start, or died
        from jupyter_client.kernelspec import KernelSpecManager

        spec = KernelSpecManager().get_kernel_spec("python3")
        pytest.fail(
            f"{path.name}: the 'python3' kernel from {spec.resource_dir} (argv {spec.argv}) did not run it: "
            f"{error!r}. It should be the kernelspec that ipykernel installs in {sys.prefix}, which runs "
            f"{sys.executable}; a 'python3' kernelspec elsewhere on the Jupyter path takes precedence.",
            pytrace=False,
        )
    finally:
        nbformat.write(nb, copy)  # what ran, with its outputs, for a look after a failure

    probe = "".join(o.get("text", "") for o in nb.cells[0].get("outputs", []) if o.get("name") == "stdout")
    kernel_executable, _, kernel_prefix = probe.strip().partition("\n")
    # The prefix tells environments apart (a venv's python is often a link to the same base
    # interpreter); the resolved executable then confirms it is the same program.
    same_python = kernel_prefix == sys.prefix and (
        pathlib.Path(kernel_executable).resolve() == pathlib.Path(sys.executable).resolve()
    )
    assert same_python, (
        f"the notebook ran in another Python: the kernel reports {kernel_executable!r} (prefix {kernel_prefix!r}), "
        f"the tests run {sys.executable!r} (prefix {sys.prefix!r}). A 'python3' kernelspec elsewhere on the "
        f"Jupyter path (e.g. ~/.local/share/jupyter/kernels/python3) takes precedence over the one ipykernel "
        f"installs in {sys.prefix}/share/jupyter/kernels; remove it"
    )
    if failure is not None:
        pytest.fail(f"{path.name} failed while running (executed copy: {copy}):\n{failure}", pytrace=False)

    executed = json.loads(copy.read_text(encoding="utf-8"))
    trials = json.loads(_stdout(executed["cells"][-1]))
    executed["cells"] = executed["cells"][1:-1]  # without the probes
    missing = _missing_pictures(executed)
    assert not missing, f"{path.name}: running it showed no picture in {missing} (executed copy: {copy})"
    _assert_checks_are_sound(path, executed["cells"], trials)


def _assert_checks_are_sound(path, cells, trials):
    """Every exercise's check accepts its answer and the answer rounded to three figures, rejects wrong ones
    (10 % off, zero, the wrong length, another word, a function whose results are off), and no output above
    the check cell already prints the answer (a question comes before the output that answers it)."""
    keys = [key for c in cells if c["cell_type"] == "code" for key in _check_keys(c)]
    assert sorted(trials) == sorted(keys), f"{path.name}: checks run {sorted(trials)}, checks written {sorted(keys)}"
    for key, result in trials.items():
        assert result["right"] and all(r is True for r in result["right"]), f"{path.name}, exercise {key}: {result}"
        assert result["wrong"] and all(r is False for r in result["wrong"]), f"{path.name}, exercise {key}: {result}"
        answer = result["answer"]
        if not isinstance(answer, float) or answer == int(answer) or len(f"{abs(answer):.3g}".strip("0.")) < 2:
            continue  # only answers with some digits to them can be looked for in text
        shown = f"{abs(answer):.3g}"
        check_at = next(i for i, c in enumerate(cells) if c["cell_type"] == "code" and key in _check_keys(c))
        for i, cell in enumerate(cells[:check_at]):
            text = _stdout(cell) + "".join(
                "".join(o.get("data", {}).get("text/plain", "")) for o in cell.get("outputs", [])
            )
            assert not re.search(rf"(?<![0-9.]){re.escape(shown)}", text), (
                f"{path.name}: the answer to exercise {key} ({shown}) is printed in cell {i}, above its check"
            )
