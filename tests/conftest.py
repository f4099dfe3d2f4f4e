"""Shared test helpers.

torch is an optional oracle: without it the torch tests are skipped with a visible
reason, except in CI (CI=true), which installs it, so there a missing torch fails.
"""

import os

import pytest


def _in_ci():
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def torch():
    """The torch module, for oracle comparisons in float64."""
    try:
        import torch as torch_module
    except ImportError:
        message = "torch is not installed (pip install 'torch==2.13.0', or pip install -e '.[dev]')"
        if _in_ci():
            pytest.fail("CI=true but " + message)
        pytest.skip(message)
    return torch_module
