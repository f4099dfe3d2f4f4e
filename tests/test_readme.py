"""The Python examples of the README and of the guides (docs/guide/) run as written, and
print what the text says they print."""

import contextlib
import io
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs" / "guide").glob("*.md"))]
BLOCKS = [
    (page.relative_to(ROOT).as_posix(), block)
    for page in PAGES
    for block in re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.S)
]


def test_the_readme_and_every_guide_have_examples():
    pages = {page for page, _ in BLOCKS}
    assert pages == {page.relative_to(ROOT).as_posix() for page in PAGES}


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index, tmp_path, monkeypatch, request):
    monkeypatch.chdir(tmp_path)
    page, code = BLOCKS[index]
    if "draw_dot" in code or "player(" in code:
        request.getfixturevalue("renderer")  # skips (fails in CI) when nothing can draw
    if "import torch" in code:
        request.getfixturevalue("torch")  # skips (fails in CI) without torch
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, f"{page} example {index + 1}", "exec"), {})
    # Every "print(...)   # expected" comment in the example must match what was printed.
    printed = out.getvalue().splitlines()
    expected = [m.group(1).strip() for m in re.finditer(r"^print\(.*\)\s+# (.*)$", code, re.M)]
    for want in expected:
        assert any(line.strip() == want for line in printed), f"{page} says {want!r}; printed {printed!r}"
