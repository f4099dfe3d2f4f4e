"""Graphs too big to show or to list fail at once, naming their size and the limit."""

import math
import time

import pytest

from tinygrad_edu import Value
from tinygrad_edu.viz import LargeGraphWarning, draw_dot, player, to_dot
from tinygrad_edu.viz.explain import STEP_CEILING, TooManyPaths, explain, paths
from tinygrad_edu.viz.steps import MAX_DRAWN, GraphTooLarge


@pytest.fixture(scope="module")
def long_chain():
    y = Value(1.0)
    for _ in range(200_000):
        y = y * 1.0
    return y


@pytest.mark.parametrize("show", [to_dot, draw_dot, player], ids=["to_dot", "draw_dot", "player"])
def test_a_graph_too_big_to_show_is_refused_at_once(long_chain, show):
    start = time.perf_counter()
    with pytest.raises(
        GraphTooLarge, match=f"{show.__name__}: this graph has 200001 Values, more than the {MAX_DRAWN}"
    ):
        show(long_chain)
    assert time.perf_counter() - start < 10  # the player was still building after 150 s


def test_a_graph_at_the_limit_is_still_drawn():
    y = Value(1.0)
    for _ in range(MAX_DRAWN - 1):
        y = y * 1.0
    with pytest.warns(LargeGraphWarning):
        assert to_dot(y).count("shape=record") == MAX_DRAWN


def _diamonds(n):
    x = Value(1.0, label="x")
    y = x
    for _ in range(n):
        y = (y * 0.5) + (y * 0.5)
    return x, y


@pytest.mark.parametrize("limit", [None, 10**9])
def test_paths_without_a_limit_refuse_what_memory_cannot_hold(limit):
    x, y = _diamonds(2000)  # 2**2000 paths: this was killed for lack of memory
    start = time.perf_counter()
    with pytest.raises(TooManyPaths, match=f"more than the {STEP_CEILING} that fit in memory") as error:
        paths(y, x, limit=limit)
    assert time.perf_counter() - start < 10
    assert "limit=None" not in str(error.value) and "pass limit" not in str(error.value)
    with pytest.raises(TooManyPaths, match="too many to list"):
        explain(y, x, limit=limit)


def test_the_advice_of_too_many_paths_works_when_followed():
    x, y = _diamonds(5)
    with pytest.raises(TooManyPaths, match="pass limit=32 or more") as error:
        paths(y, x, limit=10)
    assert "limit=None" not in str(error.value)
    assert len(paths(y, x, limit=32)) == 32


def test_to_torch_of_a_deep_network_skips_torchs_initialisation(torch):
    from tinygrad_edu import MLP
    from tinygrad_edu.interop import to_torch

    model = MLP(1, [1] * 3000)
    start = time.perf_counter()
    net = to_torch(model)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(3000):  # what each layer cost before: an initialised Linear, then skipped
        torch.nn.utils.skip_init(torch.nn.Linear, 1, 1, dtype=torch.float64)
    theirs = time.perf_counter() - start
    assert ours < theirs  # 100,000 layers took 60 s, now 10 s
    x = torch.tensor([0.3], dtype=torch.float64)
    assert net(x).item() == pytest.approx(model([0.3]).data, abs=1e-12)


def test_mlp_load_of_a_deep_network_grows_linearly(tmp_path):
    from tinygrad_edu import MLP

    times = []
    for layers in (5000, 20000):
        MLP(1, [1] * layers).save(tmp_path / f"{layers}.json")
        best = math.inf
        for _ in range(2):  # the better of two: a busy machine slows one run, not both
            start = time.perf_counter()
            assert len(MLP.load(tmp_path / f"{layers}.json").layers) == layers
            best = min(best, time.perf_counter() - start)
        times.append(best)
    assert times[1] < 8 * times[0]  # four times the layers: about four times the time
