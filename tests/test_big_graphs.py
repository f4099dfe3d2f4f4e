"""Graphs too big to show or to list fail at once, naming their size and the limit."""

import functools
import gc
import importlib

import pytest
from work_count import python_lines_run

from tinygrad_edu import Value
from tinygrad_edu.viz import LargeGraphWarning, draw_dot, player, to_dot
from tinygrad_edu.viz.explain import STEP_CEILING, TooManyPaths, explain, paths
from tinygrad_edu.viz.steps import MAX_DRAWN, GraphTooLarge

# The modules themselves: tinygrad_edu.viz.player and .explain are also functions.
dot_module, explain_module, player_module, steps_module = (
    importlib.import_module(f"tinygrad_edu.viz.{name}") for name in ("dot", "explain", "player", "steps")
)


@pytest.fixture(scope="module")
def long_chain():
    y = Value(1.0)
    for _ in range(200_000):
        y = y * 1.0
    return y


def forbid(monkeypatch, module, *names):
    """Replace each function `names` of `module` by one that fails the test when called;
    the list returned collects the names of those that were called all the same."""
    called = []

    def forbidden(name):
        def fail(*args, **kwargs):
            called.append(name)
            raise AssertionError(f"{name} ran, but the refusal must come before it")

        return fail

    for name in names:
        monkeypatch.setattr(module, name, forbidden(name))
    return called


@pytest.mark.parametrize("show", [to_dot, draw_dot, player], ids=["to_dot", "draw_dot", "player"])
def test_a_graph_too_big_to_show_is_refused_at_once(long_chain, show, monkeypatch):
    # "At once": sorting the graph, which counts its Values, is the only work done before
    # the refusal. The player once made every step, its names and its DOT text first, and
    # was still building after 150 s; to_dot and draw_dot must not write a single box.
    called = forbid(monkeypatch, dot_module, "_highlighted", "_label_data_grad", "_add_operation")
    called += forbid(monkeypatch, player_module, "node_names", "backward_steps", "forward_steps", "build_dot")
    called += forbid(monkeypatch, steps_module, "gradients")
    with pytest.raises(
        GraphTooLarge, match=f"{show.__name__}: this graph has 200001 Values, more than the {MAX_DRAWN}"
    ):
        show(long_chain)
    assert called == []


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
def test_paths_without_a_limit_refuse_what_memory_cannot_hold(limit, monkeypatch):
    x, y = _diamonds(2000)  # 2**2000 paths: this was killed for lack of memory
    # The paths and the steps are counted (a sweep over the graph), not listed: no
    # partial path is walked and no Step or Path is made before the refusal.
    called = forbid(monkeypatch, explain_module, "_enumerate", "_merge_unnamed", "Step", "Path")
    with pytest.raises(TooManyPaths, match=f"more than the {STEP_CEILING} that fit in memory") as error:
        paths(y, x, limit=limit)
    assert "limit=None" not in str(error.value) and "pass limit" not in str(error.value)
    with pytest.raises(TooManyPaths, match="too many to list"):
        explain(y, x, limit=limit)
    assert called == []


def test_the_advice_of_too_many_paths_works_when_followed():
    x, y = _diamonds(5)
    with pytest.raises(TooManyPaths, match="pass limit=32 or more") as error:
        paths(y, x, limit=10)
    assert "limit=None" not in str(error.value)
    assert len(paths(y, x, limit=32)) == 32


def test_to_torch_of_a_deep_network_skips_torchs_initialisation(torch, monkeypatch):
    from tinygrad_edu import MLP
    from tinygrad_edu.interop import to_torch

    # Each layer used to be an initialised Linear (Linear.__init__ runs reset_parameters,
    # which fills the weights from torch's generator; skip_init still runs both, on the
    # meta device): 100,000 layers took 60 s, now 10 s. Count those calls instead of
    # timing them.
    calls = {"Linear.__init__": 0, "reset_parameters": 0, "kaiming_uniform_": 0, "uniform_": 0}

    def counted(name, function):
        @functools.wraps(function)  # its signature too: skip_init reads Linear.__init__'s
        def call(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)

        return call

    nn = torch.nn
    monkeypatch.setattr(nn.Linear, "__init__", counted("Linear.__init__", nn.Linear.__init__))
    monkeypatch.setattr(nn.Linear, "reset_parameters", counted("reset_parameters", nn.Linear.reset_parameters))
    for name in ("kaiming_uniform_", "uniform_"):
        monkeypatch.setattr(nn.init, name, counted(name, getattr(nn.init, name)))
    nn.Linear(1, 1)  # the counters see torch's own initialisation
    assert calls == {"Linear.__init__": 1, "reset_parameters": 1, "kaiming_uniform_": 1, "uniform_": 1}
    calls.update(dict.fromkeys(calls, 0))

    model = MLP(1, [1] * 3000)
    generator = torch.random.get_rng_state()
    net = to_torch(model)
    assert calls == dict.fromkeys(calls, 0)
    assert torch.equal(torch.random.get_rng_state(), generator)  # nothing drawn from it
    assert sum(isinstance(module, nn.Linear) for module in net) == 3000
    x = torch.tensor([0.3], dtype=torch.float64)
    assert net(x).item() == pytest.approx(model([0.3]).data, abs=1e-12)


def test_mlp_load_of_a_deep_network_grows_linearly(tmp_path, monkeypatch):
    from tinygrad_edu import MLP

    # Work counted, not timed: the lines of Python MLP.load runs, for 4x the layers.
    # git log shows no quadratic version of load; the time that this test came with was
    # the cycle collector's, passing again and again over the growing heap of new (not
    # yet garbage) objects while the model was built: a third of a 16 MB model's 6.8 s.
    # Load now pauses it, so no collection may start while the file is parsed and the
    # model built (the collector, on again, may run once on the way out).
    building, collections = [], []

    def while_building(function):
        def run(*args, **kwargs):
            building.append(function.__name__)
            try:
                return function(*args, **kwargs)
            finally:
                building.pop()

        return run

    monkeypatch.setattr(MLP, "_parsed", staticmethod(while_building(MLP._parsed)))
    monkeypatch.setattr(MLP, "from_dict", classmethod(while_building(MLP.from_dict.__func__)))

    def on_collection(phase, info):
        if phase == "start" and building:
            collections.append((building[-1], info["generation"]))

    work = []
    for layers in (10, 1000, 4000):  # the first is a warm-up: imports and caches settle
        MLP(1, [1] * layers).save(tmp_path / f"{layers}.json")
        gc.callbacks.append(on_collection)
        try:
            model, lines = python_lines_run(functools.partial(MLP.load, tmp_path / f"{layers}.json"))
        finally:
            gc.callbacks.remove(on_collection)
        assert len(model.layers) == layers
        work.append(lines)
    assert collections == []
    assert work[2] < 4.5 * work[1]  # four times the layers: four times the work (quadratic: 16)
