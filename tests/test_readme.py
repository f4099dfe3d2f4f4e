"""The README's Python examples run as written, and print what the README says."""

import contextlib
import io
import pathlib
import re

import pytest

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_the_readme_has_examples():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index, tmp_path, monkeypatch, request):
    monkeypatch.chdir(tmp_path)
    code = BLOCKS[index]
    if "draw_dot" in code or "player(" in code:
        request.getfixturevalue("renderer")  # skips (fails in CI) when nothing can draw
    if "import torch" in code:
        request.getfixturevalue("torch")  # skips (fails in CI) without torch
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, f"README.md example {index + 1}", "exec"), {})
    # Every "print(...)   # expected" comment in the example must match what was printed.
    printed = out.getvalue().splitlines()
    expected = [m.group(1).strip() for m in re.finditer(r"^print\(.*\)\s+# (.*)$", code, re.M)]
    for want in expected:
        assert any(line.strip() == want for line in printed), f"README says {want!r}; printed {printed!r}"
