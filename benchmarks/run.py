"""Benchmark tinygrad_edu against micrograd 0.1.0 and PyTorch, in one process.

Run from a checkout of the repository:

    python benchmarks/run.py            # full run (a few minutes, most of it micrograd's demo loop)
    python benchmarks/run.py --quick    # short run (under a minute)
    python benchmarks/run.py --markdown-out results.md

The script always imports the tinygrad_edu in this checkout (the repository root
is put first on ``sys.path``), never an installed copy, so the numbers describe
the code you are looking at.

What is measured
----------------
The three libraries build the same graphs out of scalar nodes:

* tinygrad_edu: ``tinygrad_edu.Value``
* micrograd:    ``micrograd.engine.Value`` (version 0.1.0 from PyPI)
* torch:        0-d float64 tensors; the leaves are
                ``torch.tensor(x, dtype=torch.float64, requires_grad=True)``

1. The sum-of-products graph (see `build_sum_of_products`): ``P`` pairs of leaves,
   each pair multiplied, and the ``P`` products added up pairwise in a balanced
   binary tree. Nodes counted: ``2P`` leaves + ``P`` products + ``P - 1`` sums,
   so ``nodes = 4P - 1`` (199,999 in a full run, 19,999 with ``--quick``).

   * forward: building the whole graph from a list of Python floats, *leaves
     included* (creating a leaf is part of the work for every library), divided
     by the node count.
   * backward: one ``root.backward()`` on a freshly built graph, divided by the
     node count.
   * memory: bytes allocated while building the graph, as seen by `tracemalloc`
     (traced memory after the build minus before it), divided by the node count.
     The input floats exist before the build and are not counted. tracemalloc
     only sees memory that goes through Python's allocator, so for torch it
     misses the C++ tensors and autograd nodes: its figure is a lower bound.

   Each timing is repeated (5 times, 3 with ``--quick``) on a new graph and the
   median is reported.

2. The deep chain (see `build_chain`): ``h = x`` then ``h = h + x`` repeated
   ``depth`` times (one operation per level), then ``h.backward()``; the gradient
   of ``x`` must come out as ``depth + 1``. Depths 100, 1,000, ..., 1,000,000
   are tried in turn until one fails; any exception (micrograd's recursive
   backward raises RecursionError near 1,000) counts as a failure. The recursion
   limit is left at its default.

3. One training step of an MLP (see `measure_mlp_step`): ``MLP(2, [16, 16, 1])``
   on 100 two-moons points (`tinygrad_edu.data.two_moons`): the forward pass over
   all 100 points, the mean squared error, zero_grad, backward and a plain SGD
   update, timed together in milliseconds per step (median of 9 steps, 3 with
   ``--quick``, after one untimed warm-up step). Variants:

   * tinygrad_edu with sigmoid everywhere (its default), and with ReLU hidden
     layers and a linear output, which is the network micrograd builds;
   * micrograd's own ``micrograd.nn.MLP(2, [16, 16, 1])`` (ReLU hidden layers,
     linear output; it has no sigmoid) with its own Values and update loop;
   * torch "scalar": the sigmoid network built from one 0-d float64 tensor per
     weight and scalar operations, like the other two;
   * torch "batched": ``torch.nn.Sequential`` of ``Linear`` and ``Sigmoid``
     layers in float64 on a (100, 2) tensor, with ``torch.optim.SGD``.

   Every variant starts from the same initial weights (those of
   ``tinygrad_edu.MLP(..., seed=0)``, copied into the other libraries), so the
   losses of matching networks must agree step by step, and are checked to.
4. micrograd's moons demo (see `micrograd_demo.py`, which also runs on its own): the
   training loop of micrograd's demo notebook, ``MLP(2, [16, 16, 1])`` on 100 moons
   points with its SVM max-margin loss, L2 regularisation and SGD with a decaying
   learning rate, for 100 steps (10 with ``--quick``), timed as a whole. It runs the
   same program twice from the same seed, with ``micrograd`` and with
   ``tinygrad_edu.micrograd`` as the imports, and checks that the losses agree at
   every step. torch takes no part.

Garbage collection and the order of the libraries
-------------------------------------------------
The garbage collector stays at its default, as it is for users: enabled, default
thresholds, nothing frozen; ``gc.collect()`` runs between measurements only so
each one starts clean. tinygrad_edu and micrograd are measured first, before
torch is imported, and torch last, all in this one process: importing torch
creates about 160,000 objects that every later full collection would walk, which
would slow the two pure-Python libraries down compared with a program that does
not import torch.

Adding a benchmark
------------------
A benchmark is a `Benchmark` listed in `BENCHMARKS`: a ``measure(library,
settings)`` function that measures one library (so the pure-Python libraries can
be measured before torch is imported) and a ``rows(libraries, results, settings)``
function that turns every library's results into rows of the results table (each
`Row` is one line). Targets that check the results are listed in `TARGETS`.
"""

import argparse
import datetime
import gc
import importlib.metadata
import math
import operator
import os
import platform
import random
import statistics
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)  # always benchmark this checkout's tinygrad_edu

OURS = "tinygrad_edu"
MICROGRAD = "micrograd"
TORCH = "torch"
LIBRARY_NAMES = (OURS, MICROGRAD, TORCH)
INSTALL_HINTS = {
    MICROGRAD: "pip install micrograd==0.1.0",
    TORCH: "pip install torch==2.13.0",
}


# ----- settings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """How big and how often: one set for a full run, one for ``--quick``."""

    quick: bool
    graph_pairs: int  # P in the sum-of-products graph; it has 4P - 1 nodes
    repeats: int  # timings per measurement; the median is reported
    chain_depths: tuple  # the ladder of chain depths, tried in order
    chain_depth_caps: dict  # library name -> deepest chain tried (None: no cap)
    mlp_steps: int  # timed MLP training steps (after one warm-up step); the median is reported
    demo_steps: int  # steps of micrograd's moons demo loop, timed as a whole

    @property
    def graph_nodes(self):
        return 4 * self.graph_pairs - 1


FULL_SETTINGS = Settings(
    quick=False,
    graph_pairs=50_000,  # 199,999 nodes
    repeats=5,
    chain_depths=(100, 1_000, 10_000, 100_000, 1_000_000),
    chain_depth_caps={},
    mlp_steps=9,
    demo_steps=100,  # as micrograd's demo notebook
)

QUICK_SETTINGS = Settings(
    quick=True,
    graph_pairs=5_000,  # 19,999 nodes
    repeats=3,
    chain_depths=(100, 1_000, 10_000, 100_000, 1_000_000),
    # A million-step torch chain takes several seconds; tinygrad_edu always goes
    # to 1,000,000 because that depth is one of its targets.
    chain_depth_caps={TORCH: 100_000},
    mlp_steps=3,
    demo_steps=10,
)


# ----- the libraries ----------------------------------------------------------------------


@dataclass
class Library:
    """One autodiff library, seen through the few operations the graph benchmarks use.

    Nodes are combined with ``+`` and ``*`` only, which all three libraries
    support between two nodes, so every library builds exactly the same graph.
    (The MLP benchmark uses each library's own code instead: see `MLP_VARIANTS`.)
    """

    name: str
    version: str | None  # None when the library is not installed
    make_leaf: Callable[[float], Any] | None = None
    data_of: Callable[[Any], float] | None = None  # a node's value as a float
    grad_of: Callable[[Any], float] | None = None  # a leaf's gradient as a float

    @property
    def available(self):
        return self.version is not None

    def not_installed_text(self):
        return f"n/a (not installed: {INSTALL_HINTS[self.name]})"


def package_version(distribution):
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def load_tinygrad_edu():
    import tinygrad_edu
    from tinygrad_edu import Value

    return Library(
        name=OURS,
        version=f"{getattr(tinygrad_edu, '__version__', 'unknown')} (checkout)",
        make_leaf=Value,
        data_of=lambda node: node.data,
        grad_of=lambda node: node.grad,
    )


def load_micrograd():
    try:
        from micrograd.engine import Value
    except ImportError:
        return Library(name=MICROGRAD, version=None)
    return Library(
        name=MICROGRAD,
        version=package_version("micrograd"),
        make_leaf=Value,
        data_of=lambda node: node.data,
        grad_of=lambda node: node.grad,
    )


def load_torch():
    try:
        with warnings.catch_warnings():
            # torch warns on import when NumPy is absent; the benchmark does not need it.
            warnings.filterwarnings("ignore", message=".*NumPy.*")
            import torch
    except ImportError:
        return Library(name=TORCH, version=None)

    def make_leaf(x):
        return torch.tensor(x, dtype=torch.float64, requires_grad=True)

    return Library(
        name=TORCH,
        version=torch.__version__,
        make_leaf=make_leaf,
        data_of=lambda node: node.item(),
        grad_of=lambda node: node.grad.item(),
    )


def check_torch_not_imported(when):
    """The pure-Python libraries must be measured in a process where torch was never
    imported (see "Garbage collection and the order of the libraries" above)."""
    if TORCH in sys.modules:
        raise RuntimeError(
            f"torch is already imported {when}; tinygrad_edu and micrograd must be measured in a "
            "process that has not imported torch (run this script directly, and check that nothing "
            "tinygrad_edu or micrograd imports pulls torch in)"
        )


# ----- result rows ------------------------------------------------------------------------


@dataclass
class Cell:
    """One library's result for one measurement."""

    number: float | None  # what ratios and targets use; None when there is no result
    text: str  # what the table shows


@dataclass
class Row:
    """One line of the results table."""

    key: str  # a stable name that `TARGETS` refer to
    label: str
    cells: dict  # library name -> Cell
    # True for "lower is better" measurements (time, bytes), where
    # other / tinygrad_edu > 1 means tinygrad_edu wins; False: no ratio columns.
    show_ratios: bool = True

    def ratio_text(self, other_name):
        """``other / tinygrad_edu`` as text, or "—" when it cannot be computed."""
        ours, other = self.cells[OURS].number, self.cells[other_name].number
        if not self.show_ratios or ours is None or other is None or ours == 0:
            return "—"
        ratio = other / ours
        return f"{ratio:.2f}x" if ratio >= 0.1 else f"{ratio:.3f}x"


def cells_for_each_library(libraries, row_value):
    """Cells for every library: `row_value(library)` for installed ones, "n/a" otherwise."""
    cells = {}
    for name in LIBRARY_NAMES:
        library = libraries[name]
        cells[name] = row_value(library) if library.available else Cell(None, library.not_installed_text())
    return cells


def format_count(n):
    return f"{n:,}"


def progress(message):
    """Progress goes to stderr so that stdout is only the report."""
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Benchmark:
    """One benchmark: `measure` runs it for one library and returns that library's
    results; `rows` turns the results of every measured library (a dict: library
    name -> results) into rows of the table."""

    name: str
    measure: Callable[[Library, Settings], Any]
    rows: Callable[[dict, dict, Settings], list]  # (libraries, results, settings) -> list[Row]


# ----- benchmark 1: the sum-of-products graph ------------------------------------------------


def build_sum_of_products(make_leaf, numbers, multiply=operator.mul):
    """Build ``sum_i numbers[2i] * numbers[2i+1]`` out of nodes; return ``(root, leaves)``.

    Every number becomes a leaf; consecutive leaves are multiplied in pairs; the
    products are then added pairwise, level by level, in a balanced binary tree
    (an odd one out moves up a level unchanged). For ``P`` pairs the graph has
    ``2P`` leaves, ``P`` products and ``P - 1`` sums: ``4P - 1`` nodes in all.
    """
    leaves = [make_leaf(x) for x in numbers]
    level = [multiply(leaves[i], leaves[i + 1]) for i in range(0, len(leaves), 2)]
    while len(level) > 1:
        next_level = [level[i] + level[i + 1] for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            next_level.append(level[-1])
        level = next_level
    return level[0], leaves


def expected_sum_of_products(numbers):
    """The root value computed in the same order as the balanced tree."""
    level = [numbers[i] * numbers[i + 1] for i in range(0, len(numbers), 2)]
    while len(level) > 1:
        next_level = [level[i] + level[i + 1] for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            next_level.append(level[-1])
        level = next_level
    return level[0]


def check_sum_of_products(library, root, leaves, numbers):
    """Make sure the library computed the right value and gradients (after backward)."""
    expected_root = expected_sum_of_products(numbers)
    if not math.isclose(library.data_of(root), expected_root, rel_tol=1e-9, abs_tol=1e-9):
        raise AssertionError(f"{library.name}: root is {library.data_of(root)!r}, expected {expected_root!r}")
    # d(root)/d(left leaf of a pair) is the right leaf's number, and vice versa.
    for i in (0, len(numbers) - 2):
        for leaf, partner in ((i, i + 1), (i + 1, i)):
            grad = library.grad_of(leaves[leaf])
            if not math.isclose(grad, numbers[partner], rel_tol=1e-12):
                raise AssertionError(
                    f"{library.name}: leaf {leaf} has gradient {grad!r}, expected {numbers[partner]!r}"
                )


def time_sum_of_products_once(library, numbers, multiply=operator.mul):
    """Build one graph and run backward once; return (forward ns, backward ns)."""
    gc.collect()
    start = time.perf_counter_ns()
    root, leaves = build_sum_of_products(library.make_leaf, numbers, multiply)
    built = time.perf_counter_ns()
    root.backward()
    finished = time.perf_counter_ns()
    check_sum_of_products(library, root, leaves, numbers)
    del root, leaves
    gc.collect()
    return built - start, finished - built


def traced_bytes_of_sum_of_products(library, numbers):
    """Bytes that tracemalloc sees allocated by building the graph (the graph alone,
    after the helper lists are freed)."""
    gc.collect()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        root, leaves = build_sum_of_products(library.make_leaf, numbers)
        del leaves  # the root keeps the whole graph alive
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del root
    gc.collect()
    return after - before


def sum_of_products_numbers(settings):
    """The input floats: the same list on every call."""
    rng = random.Random(2026)
    return [rng.uniform(-1.0, 1.0) for _ in range(2 * settings.graph_pairs)]


def measure_sum_of_products(library, settings):
    """Forward time, backward time and memory per node of the sum-of-products graph."""
    numbers = sum_of_products_numbers(settings)
    nodes = settings.graph_nodes
    progress(f"  {library.name}: memory of one {format_count(nodes)}-node graph ...")
    bytes_per_node = traced_bytes_of_sum_of_products(library, numbers) / nodes
    forward_runs, backward_runs = [], []
    for run in range(settings.repeats):
        progress(f"  {library.name}: build + backward, run {run + 1} of {settings.repeats} ...")
        forward, backward = time_sum_of_products_once(library, numbers)
        forward_runs.append(forward / nodes)
        backward_runs.append(backward / nodes)
    results = {
        "forward_ns": statistics.median(forward_runs),
        "backward_ns": statistics.median(backward_runs),
        "bytes_per_node": bytes_per_node,
    }
    if library.name == OURS:
        # The same graph with every product made by an op defined outside the package.
        product = user_defined_product()
        forward_runs, backward_runs = [], []
        for run in range(settings.repeats):
            progress(
                f"  {library.name}: the same graph with a user-defined op, run {run + 1} of {settings.repeats} ..."
            )
            forward, backward = time_sum_of_products_once(library, numbers, product)
            forward_runs.append(forward / nodes)
            backward_runs.append(backward / nodes)
        results["user_op_forward_ns"] = statistics.median(forward_runs)
        results["user_op_backward_ns"] = statistics.median(backward_runs)
    return results


def user_defined_product():
    """a * b written as a user would write an op of their own (a subclass of ops.Op)."""
    from tinygrad_edu.ops import Op

    class Product(Op):
        """a * b.   d/da = b,  d/db = a"""

        name = "product"

        def forward(self, a, b):
            return a * b

        def local_grads(self, out, a, b):
            return b, a

    return Product()


def sum_of_products_rows(libraries, results, settings):
    def ns_cell(key):
        return lambda library: Cell(results[library.name][key], f"{results[library.name][key]:,.0f}")

    def bytes_cell(library):
        value = results[library.name]["bytes_per_node"]
        text = f"{value:,.0f}"
        if library.name == TORCH:
            text += " (Python heap only)"
        return Cell(value, text)

    def user_op_cell(ours_key, others_key):
        def cell(library):
            key = ours_key if library.name == OURS else others_key
            return Cell(results[library.name][key], f"{results[library.name][key]:,.0f}")

        return cell

    graph = f"{format_count(settings.graph_nodes)}-node sum of products"
    timing = f"ns/node, median of {settings.repeats}"
    return [
        Row(
            "forward_ns",
            f"forward: build the {graph} ({timing})",
            cells_for_each_library(libraries, ns_cell("forward_ns")),
        ),
        Row(
            "backward_ns",
            f"backward of that graph ({timing})",
            cells_for_each_library(libraries, ns_cell("backward_ns")),
        ),
        Row(
            "bytes_per_node",
            "memory: bytes/node of the built graph (tracemalloc)",
            cells_for_each_library(libraries, bytes_cell),
        ),
        Row(
            "user_op_forward_ns",
            f"forward, the products made by a user-defined op (ops.Op subclass); the others build the same "
            f"graph with their own * ({timing})",
            cells_for_each_library(libraries, user_op_cell("user_op_forward_ns", "forward_ns")),
        ),
        Row(
            "user_op_backward_ns",
            f"backward of that graph ({timing})",
            cells_for_each_library(libraries, user_op_cell("user_op_backward_ns", "backward_ns")),
        ),
    ]


# ----- benchmark 2: the deepest chain ---------------------------------------------------------


def build_chain(make_leaf, depth):
    """``h = x`` and then ``h = h + x``, `depth` times; return ``(h, x)``.
    Afterwards ``dh/dx = depth + 1``."""
    x = make_leaf(1.0)
    h = x
    for _ in range(depth):
        h = h + x
    return h, x


def run_chain(library, depth):
    """Build a chain of `depth` operations and run backward; return the seconds taken.
    Raises whatever the library raises (RecursionError for a recursive backward)."""
    gc.collect()
    start = time.perf_counter()
    h, x = build_chain(library.make_leaf, depth)
    h.backward()
    seconds = time.perf_counter() - start
    grad = library.grad_of(x)
    if grad != depth + 1:
        raise AssertionError(f"{library.name}: chain of {depth}: d(h)/d(x) is {grad!r}, expected {depth + 1}")
    del h, x
    gc.collect()
    return seconds


@dataclass
class ChainResult:
    deepest_ok: int = 0  # the deepest chain whose backward succeeded (0: none)
    seconds: dict = field(default_factory=dict)  # depth -> seconds, for each success
    failed_at: int | None = None
    error: str | None = None  # the exception's type name, e.g. "RecursionError"
    capped_at: int | None = None  # set when the ladder stopped early by choice


def climb_chain_ladder(library, settings):
    """Try each depth of the ladder in turn until one fails (or the cap is reached)."""
    result = ChainResult()
    cap = settings.chain_depth_caps.get(library.name)
    for depth in settings.chain_depths:
        if cap is not None and depth > cap:
            result.capped_at = cap
            break
        progress(f"  {library.name}: chain of {format_count(depth)} ...")
        try:
            seconds = run_chain(library, depth)
        except Exception as error:  # noqa: BLE001 - any failure ends the ladder
            result.failed_at, result.error = depth, type(error).__name__
            progress(f"    fails: {type(error).__name__}")
            break
        result.deepest_ok = depth
        result.seconds[depth] = seconds
        progress(f"    ok in {seconds:.2f} s")
    return result


def deepest_chain_rows(libraries, results, settings):
    """How deep a chain each library can differentiate, and how long the deepest one takes."""

    def depth_cell(library):
        result = results[library.name]
        depth = format_count(result.deepest_ok)
        if result.failed_at is not None:
            reached = depth if result.deepest_ok else "none"
            return Cell(result.deepest_ok, f"{reached} (fails at {format_count(result.failed_at)}: {result.error})")
        if result.capped_at is not None:
            return Cell(result.deepest_ok, f"≥ {depth} (not tried deeper with --quick)")
        return Cell(result.deepest_ok, depth)

    top = settings.chain_depths[-1]

    def top_time_cell(library):
        result = results[library.name]
        if top in result.seconds:
            return Cell(result.seconds[top], f"{result.seconds[top]:.2f}")
        if result.failed_at is not None:
            return Cell(None, f"fails ({result.error})")
        return Cell(None, "not run (--quick)")

    ladder = ", ".join(format_count(depth) for depth in settings.chain_depths)
    return [
        Row(
            "chain_depth",
            f"deepest chain whose backward succeeds (tried {ladder})",
            cells_for_each_library(libraries, depth_cell),
            show_ratios=False,
        ),
        Row(
            "chain_top_seconds",
            f"{format_count(top)}-deep chain: build + backward (s, one run)",
            cells_for_each_library(libraries, top_time_cell),
        ),
    ]


# ----- benchmark 3: an MLP training step ------------------------------------------------------

MLP_INPUTS = 2
MLP_WIDTHS = (16, 16, 1)  # hidden layers of 16 and 16 neurons, 1 output
MLP_POINTS = 100
MLP_SEED = 0  # for the data and for tinygrad_edu's initial weights
MLP_LEARNING_RATE = 0.1
MLP_NET = f"MLP({MLP_INPUTS}, {list(MLP_WIDTHS)})"

# tinygrad_edu's two networks: sigmoid everywhere (its default), and the network
# micrograd builds (ReLU hidden layers, linear output).
SIGMOID_NET = {"activation": "sigmoid", "output_activation": None}
RELU_NET = {"activation": "relu", "output_activation": "linear"}


def mlp_data():
    """The 100 training points: ``(xs, ys)``, lists of [x0, x1] and of 0.0/1.0 labels."""
    from tinygrad_edu.data import two_moons

    return two_moons(n=MLP_POINTS, seed=MLP_SEED)


def initial_mlp_weights(net):
    """The starting weights of ``tinygrad_edu.MLP(2, [16, 16, 1], seed=0)`` as plain
    floats: for each layer, ``(rows, biases)`` with one row of input weights per
    neuron. Every library starts from these, so matching networks compute the same
    losses step after step."""
    from tinygrad_edu import MLP

    model = MLP(MLP_INPUTS, list(MLP_WIDTHS), seed=MLP_SEED, **net)
    return [
        ([[w.data for w in neuron.w] for neuron in layer.neurons], [neuron.b.data for neuron in layer.neurons])
        for layer in model.layers
    ]


# Each function below sets up one network and returns `step()`, which runs one
# training step (forward over all points, loss, zero_grad, backward, update) and
# returns the loss as a float, computed before the update.


def tinygrad_edu_mlp_step(net):
    from tinygrad_edu import MLP
    from tinygrad_edu.nn import mse
    from tinygrad_edu.optim import SGD

    xs, ys = mlp_data()
    model = MLP(MLP_INPUTS, list(MLP_WIDTHS), seed=MLP_SEED, **net)
    optimizer = SGD(model.parameters(), lr=MLP_LEARNING_RATE)

    def step():
        loss = mse([model(x) for x in xs], ys)  # 1/N sum (output - y)^2
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.data

    return step


def micrograd_mlp_step():
    from micrograd.nn import MLP

    xs, ys = mlp_data()
    model = MLP(MLP_INPUTS, list(MLP_WIDTHS))  # ReLU hidden layers, linear output
    parameters = model.parameters()
    # micrograd draws its weights from the global `random`; start instead from
    # tinygrad_edu's ReLU network. Both list the parameters layer by layer, each
    # neuron's weights followed by its bias.
    for p, value in zip(parameters, flat_parameters(initial_mlp_weights(RELU_NET)), strict=True):
        p.data = value
    lr = MLP_LEARNING_RATE

    def step():
        loss = sum((model(x) - y) ** 2 for x, y in zip(xs, ys)) / len(xs)
        model.zero_grad()
        loss.backward()
        for p in parameters:
            p.data -= lr * p.grad
        return loss.data

    return step


def torch_scalar_mlp_step():
    """The sigmoid network from one 0-d float64 tensor per weight, computed exactly as
    tinygrad_edu computes it (``w0*x0 + w1*x1 + ... + b``, then the sigmoid)."""
    import torch

    xs, ys = mlp_data()

    def parameter(x):
        return torch.tensor(x, dtype=torch.float64, requires_grad=True)

    layers = [
        [([parameter(w) for w in row], parameter(b)) for row, b in zip(rows, biases)]
        for rows, biases in initial_mlp_weights(SIGMOID_NET)
    ]
    optimizer = torch.optim.SGD(
        [p for layer in layers for weights, bias in layer for p in (*weights, bias)], lr=MLP_LEARNING_RATE
    )

    def forward(x):
        activations = x
        for layer in layers:
            outputs = []
            for weights, bias in layer:
                z = weights[0] * activations[0]
                for i in range(1, len(weights)):
                    z = z + weights[i] * activations[i]
                outputs.append(torch.sigmoid(z + bias))
            activations = outputs
        return activations[0]

    def step():
        total = None
        for x, y in zip(xs, ys):
            diff = forward(x) - y
            term = diff * diff
            total = term if total is None else total + term
        loss = total * (1.0 / len(xs))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def torch_batched_mlp_step():
    """The sigmoid network as torch is meant to be used: ``nn.Sequential(Linear(2, 16),
    Sigmoid(), Linear(16, 16), Sigmoid(), Linear(16, 1), Sigmoid())`` in float64,
    applied to all points at once as a (100, 2) tensor."""
    import torch
    from torch import nn

    xs, ys = mlp_data()
    modules = []
    for rows, biases in initial_mlp_weights(SIGMOID_NET):
        linear = nn.Linear(len(rows[0]), len(rows), dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(rows, dtype=torch.float64))
            linear.bias.copy_(torch.tensor(biases, dtype=torch.float64))
        modules += [linear, nn.Sigmoid()]
    model = nn.Sequential(*modules)
    inputs = torch.tensor(xs, dtype=torch.float64)  # (100, 2)
    targets = torch.tensor(ys, dtype=torch.float64).unsqueeze(1)  # (100, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=MLP_LEARNING_RATE)
    loss_function = nn.MSELoss()

    def step():
        loss = loss_function(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def flat_parameters(weights):
    """The floats of `initial_mlp_weights` in parameter order: layer by layer, each
    neuron's weights and then its bias."""
    return [value for rows, biases in weights for row, b in zip(rows, biases) for value in (*row, b)]


# library name -> {variant: function that sets the network up and returns `step`}
MLP_VARIANTS = {
    OURS: {"sigmoid": lambda: tinygrad_edu_mlp_step(SIGMOID_NET), "relu": lambda: tinygrad_edu_mlp_step(RELU_NET)},
    MICROGRAD: {"relu": micrograd_mlp_step},
    TORCH: {"scalar sigmoid": torch_scalar_mlp_step, "batched sigmoid": torch_batched_mlp_step},
}

# Variants that train the same network from the same weights: their losses must agree.
MLP_SAME_NETWORK = [
    ((OURS, "relu"), (MICROGRAD, "relu")),
    ((OURS, "sigmoid"), (TORCH, "scalar sigmoid")),
    ((OURS, "sigmoid"), (TORCH, "batched sigmoid")),
]


@dataclass
class MLPStepResult:
    milliseconds: float | None = None  # median time of one step
    losses: list = field(default_factory=list)  # each step's loss, the warm-up step's first
    error: str | None = None  # the exception's type name when a step failed


def time_mlp_steps(make_step, settings):
    """One untimed warm-up step, then `settings.mlp_steps` timed ones, each starting
    from a clean heap. A RecursionError (micrograd's backward is recursive) is
    reported, not raised; the recursion limit stays at its default."""
    result = MLPStepResult()
    step = make_step()
    times = []
    try:
        for i in range(1 + settings.mlp_steps):
            gc.collect()
            start = time.perf_counter_ns()
            loss = step()
            elapsed = time.perf_counter_ns() - start
            result.losses.append(loss)
            if i > 0:
                times.append(elapsed)
    except RecursionError as error:
        result.error = type(error).__name__
        progress(f"    fails: {result.error}")
    else:
        result.milliseconds = statistics.median(times) / 1e6
    del step
    gc.collect()
    return result


def measure_mlp_step(library, settings):
    results = {}
    for variant, make_step in MLP_VARIANTS[library.name].items():
        progress(f"  {library.name} ({variant}): {1 + settings.mlp_steps} training steps ...")
        results[variant] = time_mlp_steps(make_step, settings)
    return results


def check_mlp_losses(results):
    """Networks that start from the same weights and train on the same data must
    report the same losses, step after step (up to rounding)."""
    for (name, variant), (other_name, other_variant) in MLP_SAME_NETWORK:
        if other_name not in results:
            continue  # not installed
        ours, theirs = results[name][variant], results[other_name][other_variant]
        if ours.error or theirs.error:
            continue
        for i, (a, b) in enumerate(zip(ours.losses, theirs.losses, strict=True)):
            if not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12):
                raise AssertionError(
                    f"MLP step {i}: {name} ({variant}) has loss {a!r} but {other_name} ({other_variant}) "
                    f"has {b!r}; the same network should give the same loss"
                )


def format_milliseconds(ms):
    return f"{ms:,.0f}" if ms >= 100 else (f"{ms:.1f}" if ms >= 10 else f"{ms:.2f}")


def mlp_step_rows(libraries, results, settings):
    check_mlp_losses(results)

    def cells(variants):
        """`variants`: library name -> (variant, note shown after the time), or None for "—"."""

        def cell(library):
            if variants[library.name] is None:
                return Cell(None, "—")
            variant, note = variants[library.name]
            result = results[library.name][variant]
            if result.error:
                return Cell(None, f"fails ({result.error})")
            return Cell(result.milliseconds, f"{format_milliseconds(result.milliseconds)} ({note})")

        return cells_for_each_library(libraries, cell)

    timing = f"ms/step, median of {settings.mlp_steps}"
    return [
        Row(
            "mlp_step_relu",
            f"{MLP_NET} training step, {MLP_POINTS} points: ReLU hidden + linear output, "
            f"as micrograd's own MLP ({timing})",
            cells(
                {
                    OURS: ("relu", "ReLU net"),
                    MICROGRAD: ("relu", "its ReLU MLP"),
                    TORCH: None,
                }
            ),
        ),
        Row(
            "mlp_step_sigmoid",
            f"the same step, sigmoid net (torch: 0-d tensors; micrograd has no sigmoid: its ReLU MLP) ({timing})",
            cells(
                {
                    OURS: ("sigmoid", "sigmoid net"),
                    MICROGRAD: ("relu", "its ReLU MLP"),
                    TORCH: ("scalar sigmoid", "sigmoid net, 0-d tensors"),
                }
            ),
        ),
        Row(
            "mlp_step_torch_batched",
            f"the sigmoid step vs torch batched: nn.Sequential on a ({MLP_POINTS}, {MLP_INPUTS}) tensor ({timing})",
            cells(
                {
                    OURS: ("sigmoid", "sigmoid net"),
                    MICROGRAD: None,
                    TORCH: ("batched sigmoid", "sigmoid net, batched"),
                }
            ),
        ),
    ]


# ----- benchmark 4: micrograd's moons demo, with only the imports changed ------------------------
#
# The loop of micrograd's demo notebook (see micrograd_demo.py, which also runs on its
# own), once with micrograd and once with tinygrad_edu.micrograd: the time a learner
# saves by changing one import. torch has no part in it.


def measure_moons_demo(library, settings):
    """(seconds for `settings.demo_steps` steps, the loss at every step), or None for torch."""
    import micrograd_demo

    package = {OURS: "tinygrad_edu.micrograd", MICROGRAD: "micrograd"}.get(library.name)
    if package is None:
        return None
    progress(f"  {package}: {settings.demo_steps} steps of micrograd's moons demo ...")
    return micrograd_demo.train(package, settings.demo_steps, *micrograd_demo.moons())


def moons_demo_rows(libraries, results, settings):
    import micrograd_demo

    if OURS in results and MICROGRAD in results:
        micrograd_demo.check_same_losses(results[MICROGRAD][1], results[OURS][1])

    def cell(library):
        result = results.get(library.name)
        if result is None:
            return Cell(None, "—")
        seconds, losses = result
        return Cell(seconds, f"{seconds:,.1f} (final loss {losses[-1]:.4f})")

    return [
        Row(
            "moons_demo",
            f"micrograd's moons demo loop, {settings.demo_steps} steps ({MLP_NET}, "
            f"{micrograd_demo.DEMO_POINTS} points, SVM loss + L2, SGD), in seconds: micrograd's program "
            "with its imports changed to tinygrad_edu.micrograd",
            cells_for_each_library(libraries, cell),
        )
    ]


# ----- benchmark 5: tinygrad_edu against the limit (limit_engine.py) ----------------------------
#
# limit_engine.py is the barest scalar engine (a six-slot node, no checks): what a pure-Python
# engine costs at the least. Both are measured here in turn, in this one run, so that the
# ratio tinygrad_edu / limit does not depend on how busy the machine was.


def load_limit_library():
    import limit_engine

    return Library(
        name="limit",
        version="benchmarks/limit_engine.py",
        make_leaf=limit_engine.Node,
        data_of=lambda node: node.data,
        grad_of=lambda node: node.grad,
    )


def measure_against_limit(library, settings):
    """Forward, backward and bytes per node of the sum-of-products graph, and the sigmoid MLP
    step, for tinygrad_edu and for the limit alternately (medians); None for the others."""
    if library.name != OURS:
        return None
    import limit_engine

    limit = load_limit_library()
    numbers = sum_of_products_numbers(settings)
    nodes = settings.graph_nodes
    runs = {name: {"forward_ns": [], "backward_ns": []} for name in (OURS, "limit")}
    for run in range(settings.repeats):
        progress(f"  tinygrad_edu and the limit: build + backward, run {run + 1} of {settings.repeats} ...")
        for each in (library, limit):
            forward, backward = time_sum_of_products_once(each, numbers)
            runs[each.name]["forward_ns"].append(forward / nodes)
            runs[each.name]["backward_ns"].append(backward / nodes)
    results = {
        name: {key: statistics.median(values) for key, values in timings.items()} for name, timings in runs.items()
    }
    for each in (library, limit):
        results[each.name]["bytes_per_node"] = traced_bytes_of_sum_of_products(each, numbers) / nodes
    progress(f"  tinygrad_edu and the limit: {1 + settings.mlp_steps} sigmoid MLP steps each ...")
    xs, ys = mlp_data()
    weights = initial_mlp_weights(SIGMOID_NET)
    ours = time_mlp_steps(lambda: tinygrad_edu_mlp_step(SIGMOID_NET), settings)
    theirs = time_mlp_steps(lambda: limit_engine.mlp_step(weights, xs, ys, MLP_LEARNING_RATE), settings)
    for i, (a, b) in enumerate(zip(ours.losses, theirs.losses, strict=True)):
        if not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12):
            raise AssertionError(f"MLP step {i}: tinygrad_edu has loss {a!r}, the limit {b!r}")
    results[OURS]["mlp_step_ms"], results["limit"]["mlp_step_ms"] = ours.milliseconds, theirs.milliseconds
    return results


LIMIT_MEASUREMENTS = [
    ("forward_ns", "forward: build the sum-of-products graph", "ns/node"),
    ("backward_ns", "backward of that graph", "ns/node"),
    ("mlp_step_ms", "one sigmoid MLP training step", "ms"),
    ("bytes_per_node", "memory of the graph (tracemalloc)", "bytes/node"),
]


def limit_rows(libraries, results, settings):
    """One row per measurement: tinygrad_edu's number over the limit's, in tinygrad_edu's column."""
    ours, limit = results[OURS][OURS], results[OURS]["limit"]
    rows = []
    for key, what, unit in LIMIT_MEASUREMENTS:
        ratio = ours[key] / limit[key]
        text = f"{ratio:.2f}x ({ours[key]:,.4g} vs {limit[key]:,.4g} {unit})"
        cells = {name: Cell(None, "—") for name in LIBRARY_NAMES}
        cells[OURS] = Cell(ratio, text)
        rows.append(Row(f"limit_{key}", f"{what}: tinygrad_edu / the limit (limit_engine.py)", cells, False))
    return rows


BENCHMARKS = [
    Benchmark("sum of products", measure_sum_of_products, sum_of_products_rows),
    Benchmark("deepest chain", climb_chain_ladder, deepest_chain_rows),
    Benchmark("MLP training step", measure_mlp_step, mlp_step_rows),
    Benchmark("micrograd's moons demo", measure_moons_demo, moons_demo_rows),
    Benchmark("against the limit", measure_against_limit, limit_rows),
]


# ----- targets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A goal checked against this run's rows: `check(rows_by_key)` returns
    ``(passed, detail)``, with ``passed`` None when it cannot be decided."""

    description: str
    check: Callable[[dict], tuple]


def speedup_over_micrograd_at_least(row_key, factor):
    def check(rows):
        ours, theirs = rows[row_key].cells[OURS].number, rows[row_key].cells[MICROGRAD].number
        if ours is None or theirs is None:
            return None, "no micrograd result"
        return theirs / ours >= factor, f"{theirs / ours:.2f}x"

    return check


def bytes_per_node_at_most(limit):
    def check(rows):
        ours = rows["bytes_per_node"].cells[OURS].number
        return ours <= limit, f"{ours:,.0f} bytes/node"

    return check


def limit_ratio_at_most(key, factor):
    def check(rows):
        ratio = rows[f"limit_{key}"].cells[OURS].number
        return ratio <= factor, f"{ratio:.2f}x"

    return check


def chain_depth_at_least(depth):
    def check(rows):
        cell = rows["chain_depth"].cells[OURS]
        return cell.number is not None and cell.number >= depth, cell.text

    return check


def mlp_step_speedup_over_micrograd_at_least(factor):
    """Decided on the ReLU network, the one micrograd builds; the sigmoid network's
    ratio is shown beside it for information."""
    relu_check = speedup_over_micrograd_at_least("mlp_step_relu", factor)

    def check(rows):
        passed, detail = relu_check(rows)
        sigmoid = rows["mlp_step_sigmoid"].ratio_text(MICROGRAD)
        return passed, f"{detail} (sigmoid net vs micrograd's ReLU MLP, not part of the target: {sigmoid})"

    return check


TARGETS = [
    Target("forward >= 10x faster than micrograd", speedup_over_micrograd_at_least("forward_ns", 10.0)),
    Target("backward >= 2.5x faster than micrograd", speedup_over_micrograd_at_least("backward_ns", 2.5)),
    Target("<= 140 bytes per node", bytes_per_node_at_most(140)),
    Target("backward of a 1,000,000-deep chain succeeds", chain_depth_at_least(1_000_000)),
    Target(
        "MLP training step >= 12x faster than micrograd (ReLU net against micrograd's own ReLU MLP)",
        mlp_step_speedup_over_micrograd_at_least(12.0),
    ),
    Target(
        "micrograd's moons demo >= 5x faster with tinygrad_edu.micrograd (only the imports changed)",
        speedup_over_micrograd_at_least("moons_demo", 5.0),
    ),
    Target("forward <= 1.3x the limit's time", limit_ratio_at_most("forward_ns", 1.3)),
    Target("backward <= 1.3x the limit's time", limit_ratio_at_most("backward_ns", 1.3)),
    Target("sigmoid MLP step <= 1.3x the limit's time", limit_ratio_at_most("mlp_step_ms", 1.3)),
    Target("memory <= 1.35x the limit's bytes per node", limit_ratio_at_most("bytes_per_node", 1.35)),
]


# ----- the report -----------------------------------------------------------------------------


def cpu_name():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def machine_line(libraries):
    """Date, Python, platform, CPU and library versions, on one line."""

    def version(name):
        library = libraries[name]
        return library.version if library.available else "not installed"

    now = datetime.datetime.now().astimezone()
    return (
        f"{now:%Y-%m-%d %H:%M %Z} · Python {platform.python_version()} ({platform.python_implementation()}) · "
        f"{platform.system()} {platform.machine()} · {cpu_name()} ({os.cpu_count()} logical CPUs) · "
        f"tinygrad_edu {version(OURS)} · micrograd {version(MICROGRAD)} · torch {version(TORCH)}"
    )


def render_table(rows):
    header = ["measurement", *LIBRARY_NAMES, f"{MICROGRAD} / {OURS}", f"{TORCH} / {OURS}"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [row.label, *(row.cells[name].text for name in LIBRARY_NAMES)]
        cells += [row.ratio_text(MICROGRAD), row.ratio_text(TORCH)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def render_targets(rows, settings):
    rows_by_key = {row.key: row for row in rows}
    lines = ["Targets (checked on this run):", ""]
    if settings.quick:
        lines += [
            f"(The forward and backward targets are meant for the full run's "
            f"{format_count(FULL_SETTINGS.graph_nodes)}-node graph. The --quick graph fits in the CPU caches "
            "and triggers fewer full garbage collections, which helps micrograd more than tinygrad_edu, so "
            "those speed ratios come out lower. The MLP step is the same size in both runs.)",
            "",
        ]
    for target in TARGETS:
        passed, detail = target.check(rows_by_key)
        status = "n/a" if passed is None else ("PASS" if passed else "MISS")
        lines.append(f"- [{status}] {target.description}: {detail}")
    return "\n".join(lines)


def render_report(libraries, settings, rows):
    mode = "--quick" if settings.quick else "full run"
    notes = [
        "Ratios are other library / tinygrad_edu: for times and bytes, above 1 means tinygrad_edu "
        "is faster or smaller by that factor.",
        "Forward times include creating the leaves, for every library. Each timing uses a freshly "
        f"built graph; the median of {settings.repeats} runs is shown.",
        "The garbage collector is at its default settings, nothing frozen. tinygrad_edu and micrograd "
        "were measured before torch was imported, then torch, in the same process: the objects torch's "
        "import creates would otherwise make every full collection slower for the pure-Python libraries.",
        f"MLP rows: one training step ({MLP_NET}, {MLP_POINTS} points, forward + loss + zero_grad + backward "
        f"+ SGD update) after one warm-up step. All networks start from the same weights; networks that "
        "match (tinygrad_edu's ReLU net and micrograd's MLP; the sigmoid nets) were checked to give the "
        "same loss at every step.",
        "The moons demo row runs micrograd's demo program twice from the same seed, once as written and "
        "once with its imports changed to tinygrad_edu.micrograd; the losses were checked to agree at every step.",
        "tracemalloc sees only memory allocated through Python, so the torch figure leaves out its "
        "C++ tensors and autograd nodes and is a lower bound.",
    ]
    return "\n".join(
        [
            f"# tinygrad_edu benchmarks ({mode})",
            "",
            machine_line(libraries),
            "",
            render_table(rows),
            "",
            *(f"- {note}" for note in notes),
            "",
            render_targets(rows, settings),
        ]
    )


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description="Benchmark tinygrad_edu against micrograd 0.1.0 and torch.")
    parser.add_argument("--quick", action="store_true", help="a short run: smaller graph, fewer repeats")
    parser.add_argument("--markdown-out", metavar="PATH", help="also write the report (markdown) to PATH")
    return parser.parse_args(argv)


def run_benchmarks(settings):
    """Measure every library on every benchmark, in two phases: tinygrad_edu and
    micrograd first, while torch has not been imported, then torch. Return
    ``(libraries, rows)``."""
    results = {benchmark.name: {} for benchmark in BENCHMARKS}

    def measure(phase_libraries):
        for benchmark in BENCHMARKS:
            progress(f"{benchmark.name} ...")
            for library in phase_libraries:
                if library.available:
                    results[benchmark.name][library.name] = benchmark.measure(library, settings)

    pure_python = [load_tinygrad_edu(), load_micrograd()]
    check_torch_not_imported("before tinygrad_edu and micrograd are measured")
    progress("phase 1: tinygrad_edu and micrograd, torch not imported")
    measure(pure_python)
    check_torch_not_imported("after measuring tinygrad_edu and micrograd")

    progress("phase 2: torch")
    torch_library = load_torch()
    measure([torch_library])

    libraries = {library.name: library for library in (*pure_python, torch_library)}
    rows = []
    for benchmark in BENCHMARKS:
        rows.extend(benchmark.rows(libraries, results[benchmark.name], settings))
    return libraries, rows


def main(argv=None):
    arguments = parse_arguments(argv)
    settings = QUICK_SETTINGS if arguments.quick else FULL_SETTINGS
    started = time.perf_counter()
    libraries, rows = run_benchmarks(settings)
    progress(f"done in {time.perf_counter() - started:.0f} s\n")

    report = render_report(libraries, settings, rows)
    print(report)
    if arguments.markdown_out:
        with open(arguments.markdown_out, "w", encoding="utf-8") as out:
            out.write(report + "\n")


if __name__ == "__main__":
    main()
