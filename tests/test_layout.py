"""The shape of the package: short functions, a small top level, concepts in subpackages.

These are the habits CONTRIBUTING.md describes; a test keeps them from drifting.
"""

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "tinygrad_edu"
# A function longer than this does more than one job: split it by what each part does.
MAX_FUNCTION_LINES = 60
# The top level holds the engine, its rules and the small single-concept modules; the
# pictures, the models and the learning path are subpackages.
MAX_TOP_LEVEL_MODULES = 14


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if "lesson_tests" not in p.parts)


def _functions(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_function_is_longer_than_the_limit(path):
    long = [
        f"{node.name} (line {node.lineno}): {node.end_lineno - node.lineno + 1} lines"
        for node in _functions(path)
        if node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"{path.relative_to(PACKAGE)}: functions over {MAX_FUNCTION_LINES} lines: {'; '.join(long)}"


def test_the_top_level_is_small():
    modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(modules) <= MAX_TOP_LEVEL_MODULES, f"{len(modules)} top-level modules: {', '.join(modules)}"


def test_the_subpackages_group_concepts():
    subpackages = sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py"))
    assert subpackages == ["atomic", "learn", "micrograd", "nn", "viz"]
