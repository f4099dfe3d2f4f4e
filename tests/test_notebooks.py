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
        (12, "Challenge (optional): deeper than recursion"),
    ],
    "03": [(5, "A sigmoid from exp, + and /")],
    "04": [(8, "Gradient descent")],
    "05": [(7, "The two-neuron net by hand")],
    "06": [(6, "Activation rules")],
    "07": [(9, "A neuron"), (11, "The error and one training step")],
    "08": [(4, "The chain-rule sweep")],
    "09": [(10, "A layer and an MLP")],
    "10": [(8, "Gradient descent")],
}
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


@by_name
def test_notebook_has_exercises_with_hidden_checks(path):
    cells = _load(path)["cells"]
    exercises = [i for i, c in enumerate(cells) if c["cell_type"] == "markdown" and "**Exercise" in _source(c)]
    assert len(exercises) >= 2, f"{path.name}: {len(exercises)} exercise(s); each notebook needs at least two"
    for i in exercises:
        answer, check_cell = cells[i + 1], cells[i + 2]
        where = f"{path.name}, the exercise in cell {i}"
        assert answer["cell_type"] == "code" and "= None" in _source(answer), (
            f"{where}: the next cell should hold the learner's answer, left at None"
        )
        assert check_cell["cell_type"] == "code" and _is_hidden(check_cell), (
            f"{where}: the answer cell should be followed by a hidden check cell (metadata jupyter.source_hidden)"
        )
        assert "check(" in _source(check_cell), f"{where}: the hidden cell does not call check(...)"
        assert "No answer given yet; the answer is" in _stdout(check_cell), (
            f"{where}: the committed check cell should reveal the answer (the answer cell left at None)"
        )


def _check_helper(path):
    """The notebook's check(answer, expected, why, tol) function, taken from its first code cell."""
    setup = next(_source(c) for c in _load(path)["cells"] if c["cell_type"] == "code")
    start = setup.index("def check(")
    namespace = {}
    exec(setup[start:], namespace)  # the plain-Python part: no magics, no matplotlib
    return namespace["check"], setup[start:]


def test_every_notebook_has_the_same_check_helper():
    helpers = {path.name: _check_helper(path)[1] for path in NOTEBOOKS}
    first = next(iter(helpers.values()))
    different = [name for name, text in helpers.items() if text != first]
    assert not different, f"the check helper differs in {different}; keep one version in every notebook"


def test_the_check_reveals_accepts_and_rejects(capsys):
    check, _ = _check_helper(NOTEBOOKS[0])
    check(None, 2.9, "Because.")
    assert capsys.readouterr().out.strip() == "No answer given yet; the answer is 2.9. Because."
    check(2.9004, 2.9, "Because.")
    check([3, 4], [3, 4], "Shape.")
    check(" Negative", "negative", "Sign.")
    assert capsys.readouterr().out.count("Right:") == 3
    for wrong, expected in ((3.1, 2.9), ([1, 2], [3, 4]), (5, [3, 4]), ("x", 4.0), ("positive", "negative")):
        with pytest.raises(AssertionError) as failure:
            check(wrong, expected, "Because.")
        assert f"you answered {wrong!r}" in str(failure.value) and "Because." in str(failure.value)


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
    # A backend chosen in the environment (e.g. MPLBACKEND=Agg) would make the plots vanish;
    # the kernel should use the inline backend, as it does for a reader.
    monkeypatch.delenv("MPLBACKEND", raising=False)

    copy = tmp_path / path.name
    shutil.copyfile(path, copy)
    nb = nbformat.read(copy, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(PROBE))  # hidden check, in the copy only

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
    executed["cells"] = executed["cells"][1:]  # without the probe
    missing = _missing_pictures(executed)
    assert not missing, f"{path.name}: running it showed no picture in {missing} (executed copy: {copy})"
