"""Shared test helpers.

torch is an optional oracle: without it the torch tests are skipped with a visible
reason, except in CI (CI=true), which installs it, so there a missing torch fails.
"""

import importlib
import os

import pytest
from hypothesis import settings

# Hypothesis's per-example deadline is a timing check, and timings are not unit tests
# here (shared, noisy machines): speed is measured in benchmarks/ instead.
settings.register_profile("tinygrad_edu", deadline=None)
settings.load_profile("tinygrad_edu")


def in_ci():
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def skip_or_fail_in_ci(message):
    """Skip locally with a visible reason; in CI, where everything is installed, fail."""
    if in_ci():
        pytest.fail("CI=true but " + message)
    pytest.skip(message)


def _optional_module(name, install):
    try:
        return importlib.import_module(name)
    except ImportError:
        skip_or_fail_in_ci(f"{name} is not installed ({install}, or pip install -e '.[dev]')")


@pytest.fixture(scope="session")
def torch():
    """The torch module, for oracle comparisons in float64."""
    return _optional_module("torch", "pip install 'torch==2.13.0'")


@pytest.fixture(scope="session")
def numpy():
    """numpy, for the tests that check numpy scalars are accepted and arrays refused."""
    return _optional_module("numpy", "pip install numpy")


@pytest.fixture
def renderer(monkeypatch):
    """The Graphviz-compatible renderer found the normal way (TINYGRAD_EDU_DOT is
    cleared so a stray setting cannot decide the outcome)."""
    from tinygrad_edu.viz import DOT_ENV_VAR, RendererNotFound, find_renderer

    monkeypatch.delenv(DOT_ENV_VAR, raising=False)
    try:
        return find_renderer()
    except RendererNotFound as error:
        skip_or_fail_in_ci(f"no Graphviz renderer: {str(error).splitlines()[0]}")


# The test files that run whole programs: the learn CLI in workbooks, every notebook in a
# kernel, the player in a browser. `pytest -m "not slow"` is the quick loop of CONTRIBUTING.md.
_SLOW_FILES = {"test_learn.py", "test_notebooks.py", "test_player_browser.py", "test_site.py"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.name in _SLOW_FILES or "million" in item.name:
            item.add_marker(pytest.mark.slow)
