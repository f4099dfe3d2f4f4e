"""Benchmark tinygrad_edu against micrograd 0.1.0 and PyTorch, in one process.

Run from a checkout of the repository:

    python benchmarks/run.py            # full run (a few minutes)
    python benchmarks/run.py --quick    # short run (well under a minute)
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

The garbage collector stays enabled throughout, with its default thresholds, as
it is for users; ``gc.collect()`` runs between measurements only so each one
starts clean. One adjustment: once the three libraries are imported, the objects
that exist at that point are moved out of the collector's sight with
``gc.freeze()``. Importing torch creates about 160,000 objects that every full
collection would otherwise walk, which makes full collections several times
slower for the two pure-Python libraries than in a program that does not import
torch. ``--no-gc-freeze`` skips this step to show the difference.

Adding a benchmark
------------------
A benchmark is a function ``(libraries, settings) -> list[Row]`` listed in
`BENCHMARKS`; each `Row` is one line of the results table. Targets that check
the results are listed in `TARGETS`.
"""

import argparse
import datetime
import gc
import importlib.metadata
import math
import os
import platform
import random
import statistics
import sys
import time
import tracemalloc
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

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

    @property
    def graph_nodes(self):
        return 4 * self.graph_pairs - 1


FULL_SETTINGS = Settings(
    quick=False,
    graph_pairs=50_000,  # 199,999 nodes
    repeats=5,
    chain_depths=(100, 1_000, 10_000, 100_000, 1_000_000),
    chain_depth_caps={},
)

QUICK_SETTINGS = Settings(
    quick=True,
    graph_pairs=5_000,  # 19,999 nodes
    repeats=3,
    chain_depths=(100, 1_000, 10_000, 100_000, 1_000_000),
    # A million-step torch chain takes several seconds; tinygrad_edu always goes
    # to 1,000,000 because that depth is one of its targets.
    chain_depth_caps={TORCH: 100_000},
)


# ----- the libraries ----------------------------------------------------------------------


@dataclass
class Library:
    """One autodiff library, seen through the few operations the benchmarks use.

    Nodes are combined with ``+`` and ``*`` only, which all three libraries
    support between two nodes, so every library builds exactly the same graph.
    """

    name: str
    version: Optional[str]  # None when the library is not installed
    make_leaf: Optional[Callable[[float], Any]] = None
    data_of: Optional[Callable[[Any], float]] = None  # a node's value as a float
    grad_of: Optional[Callable[[Any], float]] = None  # a leaf's gradient as a float

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


def load_libraries():
    return {library.name: library for library in (load_tinygrad_edu(), load_micrograd(), load_torch())}


# ----- result rows ------------------------------------------------------------------------


@dataclass
class Cell:
    """One library's result for one measurement."""

    number: Optional[float]  # what ratios and targets use; None when there is no result
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
        return f"{other / ours:.2f}x"


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


# ----- benchmark 1: the sum-of-products graph ------------------------------------------------


def build_sum_of_products(make_leaf, numbers):
    """Build ``sum_i numbers[2i] * numbers[2i+1]`` out of nodes; return ``(root, leaves)``.

    Every number becomes a leaf; consecutive leaves are multiplied in pairs; the
    products are then added pairwise, level by level, in a balanced binary tree
    (an odd one out moves up a level unchanged). For ``P`` pairs the graph has
    ``2P`` leaves, ``P`` products and ``P - 1`` sums: ``4P - 1`` nodes in all.
    """
    leaves = [make_leaf(x) for x in numbers]
    level = [leaves[i] * leaves[i + 1] for i in range(0, len(leaves), 2)]
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


def time_sum_of_products_once(library, numbers):
    """Build one graph and run backward once; return (forward ns, backward ns)."""
    gc.collect()
    start = time.perf_counter_ns()
    root, leaves = build_sum_of_products(library.make_leaf, numbers)
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


def benchmark_sum_of_products(libraries, settings):
    """Forward time, backward time and memory per node of the sum-of-products graph."""
    rng = random.Random(2026)
    numbers = [rng.uniform(-1.0, 1.0) for _ in range(2 * settings.graph_pairs)]
    nodes = settings.graph_nodes

    forward_ns, backward_ns, bytes_per_node = {}, {}, {}
    for library in libraries.values():
        if not library.available:
            continue
        progress(f"  {library.name}: memory of one {format_count(nodes)}-node graph ...")
        bytes_per_node[library.name] = traced_bytes_of_sum_of_products(library, numbers) / nodes
        forward_runs, backward_runs = [], []
        for run in range(settings.repeats):
            progress(f"  {library.name}: build + backward, run {run + 1} of {settings.repeats} ...")
            forward, backward = time_sum_of_products_once(library, numbers)
            forward_runs.append(forward / nodes)
            backward_runs.append(backward / nodes)
        forward_ns[library.name] = statistics.median(forward_runs)
        backward_ns[library.name] = statistics.median(backward_runs)

    def ns_cell(results):
        return lambda library: Cell(results[library.name], f"{results[library.name]:,.0f}")

    def bytes_cell(library):
        value = bytes_per_node[library.name]
        text = f"{value:,.0f}"
        if library.name == TORCH:
            text += " (Python heap only)"
        return Cell(value, text)

    graph = f"{format_count(nodes)}-node sum of products"
    timing = f"ns/node, median of {settings.repeats}"
    return [
        Row(
            "forward_ns",
            f"forward: build the {graph} ({timing})",
            cells_for_each_library(libraries, ns_cell(forward_ns)),
        ),
        Row(
            "backward_ns",
            f"backward of that graph ({timing})",
            cells_for_each_library(libraries, ns_cell(backward_ns)),
        ),
        Row(
            "bytes_per_node",
            "memory: bytes/node of the built graph (tracemalloc)",
            cells_for_each_library(libraries, bytes_cell),
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
    failed_at: Optional[int] = None
    error: Optional[str] = None  # the exception's type name, e.g. "RecursionError"
    capped_at: Optional[int] = None  # set when the ladder stopped early by choice


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


def benchmark_deepest_chain(libraries, settings):
    """How deep a chain each library can differentiate, and how long the deepest one takes."""
    results = {}
    for library in libraries.values():
        if library.available:
            results[library.name] = climb_chain_ladder(library, settings)

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


# A benchmark is a function (libraries, settings) -> list[Row]; add new ones here
# (for example an MLP training step) and their rows join the table.
BENCHMARKS = [benchmark_sum_of_products, benchmark_deepest_chain]


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
            return None, "micrograd not measured"
        return theirs / ours >= factor, f"{theirs / ours:.2f}x"

    return check


def bytes_per_node_at_most(limit):
    def check(rows):
        ours = rows["bytes_per_node"].cells[OURS].number
        return ours <= limit, f"{ours:,.0f} bytes/node"

    return check


def chain_depth_at_least(depth):
    def check(rows):
        cell = rows["chain_depth"].cells[OURS]
        return cell.number is not None and cell.number >= depth, cell.text

    return check


TARGETS = [
    Target("forward >= 4x faster than micrograd", speedup_over_micrograd_at_least("forward_ns", 4.0)),
    Target("backward >= 1.3x faster than micrograd", speedup_over_micrograd_at_least("backward_ns", 1.3)),
    Target("<= 250 bytes per node", bytes_per_node_at_most(250)),
    Target("backward of a 1,000,000-deep chain succeeds", chain_depth_at_least(1_000_000)),
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
            f"(The targets are meant for the full run's {format_count(FULL_SETTINGS.graph_nodes)}-node graph. "
            "The --quick graph fits in the CPU caches and triggers fewer full garbage collections, "
            "which helps micrograd more than tinygrad_edu, so the speed ratios come out lower.)",
            "",
        ]
    for target in TARGETS:
        passed, detail = target.check(rows_by_key)
        status = "n/a" if passed is None else ("PASS" if passed else "MISS")
        lines.append(f"- [{status}] {target.description}: {detail}")
    return "\n".join(lines)


def render_report(libraries, settings, rows, gc_frozen):
    mode = "--quick" if settings.quick else "full run"
    notes = [
        "Ratios are other library / tinygrad_edu: for times and bytes, above 1 means tinygrad_edu "
        "is faster or smaller by that factor.",
        "Forward times include creating the leaves, for every library. Each timing uses a freshly "
        f"built graph; the median of {settings.repeats} runs is shown.",
        "The garbage collector is enabled with its default settings; "
        + (
            "the objects created by importing the libraries (mostly torch's) were frozen with gc.freeze() "
            "so that full collections do not rescan them."
            if gc_frozen
            else "nothing was frozen (--no-gc-freeze), so full collections also rescan "
            "the objects torch's import created."
        ),
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
    parser.add_argument(
        "--no-gc-freeze",
        dest="gc_freeze",
        action="store_false",
        help="do not gc.freeze() the objects created by importing the libraries (torch's import makes "
        "every full collection slower for the pure-Python libraries)",
    )
    return parser.parse_args(argv)


def main(argv=None):
    arguments = parse_arguments(argv)
    settings = QUICK_SETTINGS if arguments.quick else FULL_SETTINGS
    libraries = load_libraries()
    if arguments.gc_freeze:
        gc.collect()
        gc.freeze()  # the collector stays enabled; it just skips the imported modules' objects
    started = time.perf_counter()
    rows = []
    for benchmark in BENCHMARKS:
        progress(f"{benchmark.__name__} ...")
        rows.extend(benchmark(libraries, settings))
    progress(f"done in {time.perf_counter() - started:.0f} s\n")

    report = render_report(libraries, settings, rows, arguments.gc_freeze)
    print(report)
    if arguments.markdown_out:
        with open(arguments.markdown_out, "w", encoding="utf-8") as out:
            out.write(report + "\n")


if __name__ == "__main__":
    main()
