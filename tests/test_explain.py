"""The chain rule as a sum over paths: the products add up to the gradient backward()
finds, on hand-made graphs, on the two-neuron net of the seeds, and on random graphs
with fan-out."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import Value
from tinygrad_edu.engine import topological_order
from tinygrad_edu.explain import Path, Step, TooManyPaths, count_paths, explain, paths
from tinygrad_edu.nn import squared_error


def _close_to_sum(products, expected):
    """Sums of products in another order differ by rounding, bounded by the sizes of the terms."""
    total = math.fsum(products)
    scale = math.fsum(abs(p) for p in products)
    return abs(total - expected) <= 1e-9 * scale + 1e-12


# ----- small graphs ---------------------------------------------------------------------------


def test_a_times_a_gives_two_paths_one_per_use():
    a = Value(3.0, label="a")
    y = (a * a).named("y")
    y.backward()
    found = paths(y, a)
    assert len(found) == 2
    assert [p.steps for p in found] == [(Step(a, 3.0, y, 0),), (Step(a, 3.0, y, 1),)]
    assert [p.product for p in found] == [3.0, 3.0]
    assert sum(p.product for p in found) == a.grad == 6.0


def test_diamond_sums_two_different_paths():
    x = Value(2.0, label="x")
    u = (x * 3).named("u")  # du/dx = 3
    v = x.exp().named("v")  # dv/dx = e^2
    y = (u * v).named("y")  # dy/du = v, dy/dv = u
    y.backward()
    first, second = paths(y, x)
    assert [s.node for s in first.steps] == [x, u] and [s.node for s in second.steps] == [x, v]
    assert first.product == pytest.approx(math.exp(2.0) * 3)
    assert second.product == pytest.approx(6.0 * math.exp(2.0))
    assert first.product + second.product == pytest.approx(x.grad)


def test_path_nodes_run_from_leaf_to_root_and_iterate_as_values():
    x = Value(0.5, label="x")
    h = x.tanh().named("h")
    y = (h * 2).named("y")
    (path,) = paths(y, x)
    assert path.nodes == (x, h, y) and list(path) == [x, h, y]
    assert path.leaf is x and path.root is y
    assert [s.parent for s in path.steps] == [h, y]
    assert "x -> h -> y" in repr(path)


def test_single_path_product_is_exactly_the_gradient():
    # The product is taken root first, the order backward() multiplies in.
    x = Value(0.7, label="x")
    y = x
    for k in range(20):
        y = (y * 1.1 + 0.3).sigmoid() if k % 2 else y.tanh() * 1.7
    y.backward()
    (path,) = paths(y, x)
    assert path.product == x.grad


def test_node_to_itself_is_one_empty_path():
    x = Value(2.0, label="x")
    (path,) = paths(x, x)
    assert path.steps == () and path.product == 1.0 and path.nodes == (x,)
    assert explain(x, x).endswith("= x.grad")


def test_leaf_may_be_an_intermediate_node():
    x = Value(1.5, label="x")
    h = (x * x).named("h")
    y = (h.sigmoid() + h).named("y")
    y.backward()
    assert _close_to_sum([p.product for p in paths(y, h)], h.grad)


def test_paths_come_left_operand_first():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    s = (a + b).named("s")
    y = (s * s).named("y")
    assert [p.steps[-1].operand_index for p in paths(y, a)] == [0, 1]


def test_a_node_outside_the_graph_is_a_clear_error():
    y = Value(1.0) * 2
    stranger = Value(1.0, label="w")
    with pytest.raises(ValueError, match="'w'.*not part of the graph"):
        paths(y, stranger)


def test_arguments_must_be_values():
    with pytest.raises(TypeError, match="root must be a Value"):
        paths(1.0, Value(1.0))
    with pytest.raises(ValueError, match="limit must be a positive whole number"):
        paths(Value(1.0), Value(1.0), limit=0)


def test_deep_chain_has_no_recursion():
    x = Value(0.1, label="x")
    y = x
    for _ in range(50_000):
        y = y * 1.0
    y.backward()
    (path,) = paths(y, x)
    assert len(path.steps) == 50_000 and path.product == x.grad == 1.0


# ----- exponential path counts ----------------------------------------------------------------


def _diamonds(n):
    """x -> (a, b) -> a + b, n times over: 2**n paths from x to the end."""
    x = Value(0.5, label="x")
    y = x
    for _ in range(n):
        y = (y * 1.0) + (y * 1.0)
    return x, y


def test_path_counts_double_with_each_diamond():
    for n in range(6):
        x, y = _diamonds(n)
        assert count_paths(y, x) == 2**n
        assert len(paths(y, x)) == 2**n


def test_limit_stops_before_listing_an_exponential_number_of_paths():
    x, y = _diamonds(60)  # 2**60 paths: listing them would never finish
    with pytest.raises(TooManyPaths) as error:
        paths(y, x)
    message = str(error.value)
    assert str(2**60) in message and "limit=10000" in message and "backward()" in message
    with pytest.raises(TooManyPaths, match="more than limit=3"):
        explain(*reversed(_diamonds(2)), limit=3)
    x, y = _diamonds(2)
    assert len(paths(y, x, limit=4)) == 4
    assert len(paths(y, x, limit=None)) == 4
    assert isinstance(TooManyPaths("x"), ValueError)


# ----- the two-neuron net of the seeds ---------------------------------------------------------


def _two_neurons(i_l=1.5, w_l=0.8, w_r=-1.2, d=1.0):
    """i_l -> [w_l, sigmoid] -> o_l = i_r -> [w_r, sigmoid] -> o_r, E = 1/2 (d - o_r)^2."""
    i_l, w_l, w_r = Value(i_l, label="i_l"), Value(w_l, label="w_l"), Value(w_r, label="w_r")
    p_l = (w_l * i_l).named("p_l")
    o_l = p_l.sigmoid().named("o_l")
    p_r = (w_r * o_l).named("p_r")
    o_r = p_r.sigmoid().named("o_r")
    E = squared_error(o_r, d).named("E")
    E.backward()
    return locals()


def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def test_dE_dw_l_is_the_product_of_the_five_textbook_factors():
    net = _two_neurons()
    # The oracle in plain floats: the seeds' derivation, with E = +1/2 (d - o)^2, so
    # dE/do_r = o_r - d (the seeds' P = -E gives d - o_r).
    i_l, w_l, w_r, d = 1.5, 0.8, -1.2, 1.0
    o_l = _sigmoid(w_l * i_l)
    o_r = _sigmoid(w_r * o_l)
    textbook = [i_l, o_l * (1 - o_l), w_r, o_r * (1 - o_r), o_r - d]  # leaf side first

    (path,) = paths(net["E"], net["w_l"], merge_unnamed=True)
    assert [s.node.label for s in path.steps] == ["w_l", "p_l", "o_l", "p_r", "o_r"]
    assert [s.parent.label for s in path.steps] == ["p_l", "o_l", "p_r", "o_r", "E"]
    assert [s.local_grad for s in path.steps] == pytest.approx(textbook, rel=1e-12)
    assert path.product == pytest.approx(math.prod(textbook), rel=1e-12)
    assert path.product == pytest.approx(net["w_l"].grad, rel=1e-12)

    text = explain(net["E"], net["w_l"], merge_unnamed=True)
    lines = text.splitlines()
    assert len(lines) == 3  # the header, one path, the sum
    assert lines[1].startswith(
        "  path 1: d(E)/d(o_r) * d(o_r)/d(p_r) * d(p_r)/d(o_l) * d(o_l)/d(p_l) * d(p_l)/d(w_l) = "
    )
    values = " * ".join(f"({v:.4g})" if v < 0 else f"{v:.4g}" for v in reversed(textbook))
    assert f"= {values} = {math.prod(textbook):.4g}" in lines[1]
    assert lines[2] == f"  sum of 1 path: {net['w_l'].grad:.4g} = w_l.grad"


def test_dE_dw_r_has_the_three_factors_of_the_right_neuron():
    net = _two_neurons()
    (path,) = paths(net["E"], net["w_r"], merge_unnamed=True)
    o_r, o_l = net["o_r"].data, net["o_l"].data
    assert [s.local_grad for s in reversed(path.steps)] == pytest.approx([o_r - 1.0, o_r * (1 - o_r), o_l])


def test_without_merging_every_edge_is_a_factor():
    # squared_error computes (d - o)*(d - o): two uses, so two paths of seven factors.
    net = _two_neurons()
    found = paths(net["E"], net["w_l"])
    assert len(found) == 2 and all(len(p.steps) == 7 for p in found)
    assert _close_to_sum([p.product for p in found], net["w_l"].grad)
    text = explain(net["E"], net["w_l"])
    assert "d(E)/d(*#8) * d(*#8)/d(-#7) * d(-#7)/d(o_r)" in text  # unnamed nodes: op#position
    assert text.splitlines()[-1].endswith("= w_l.grad")


def test_merging_keeps_the_sum_when_unlabelled_nodes_branch():
    x = Value(0.3, label="x")
    h = (x * 2).named("h")
    y = ((h.tanh() * h.sigmoid()) + h * h).named("y")  # three unlabelled routes h -> y
    y.backward()
    (merged,) = paths(y, x, merge_unnamed=True)
    assert [s.operand_index for s in merged.steps] == [0, None]  # x -> h is one edge; h -> y is not
    assert merged.product == pytest.approx(x.grad)
    assert _close_to_sum([p.product for p in paths(y, x)], x.grad)


# ----- the text ----------------------------------------------------------------------------------


def test_explain_one_line_per_path_then_the_sum():
    x = Value(2.0, label="x")
    y = (x * x + x).named("y")
    y.backward()
    lines = explain(y, x).splitlines()
    assert lines[0].startswith("d(y)/d(x) by the chain rule")
    assert len(lines) == 1 + 3 + 1
    assert lines[1] == "  path 1: d(y)/d(*#1) * d(*#1)/d(x) = 1 * 2 = 2"
    assert lines[3] == "  path 3: d(y)/d(x) = 1"
    assert lines[-1] == "  sum of the 3 paths: 2 + 2 + 1 = 5 = x.grad"
    assert x.grad == 5.0


def test_explain_number_format():
    x = Value(1.0, label="x")
    y = (x * (1 / 3)).named("y")
    assert explain(y, x, number_format="{:.3f}").splitlines()[1] == "  path 1: d(y)/d(x) = 0.333"


# ----- random graphs with fan-out --------------------------------------------------------------

_UNARY = ("tanh", "sigmoid", "neg", "scale")
_BINARY = ("+", "-", "*")


@st.composite
def graphs(draw):
    """Up to 4 leaves in [-1.5, 1.5] and up to 10 operations whose operands are drawn
    from all earlier nodes, so nodes feed several later ones (fan-out) and repeats
    such as a*a occur; about half the results get a label. Values stay far from
    overflow: at most 10 operations."""
    leaves = [
        Value(draw(st.floats(min_value=-1.5, max_value=1.5, allow_nan=False)), label=f"x{i}")
        for i in range(draw(st.integers(min_value=1, max_value=4)))
    ]
    nodes = list(leaves)
    for _ in range(draw(st.integers(min_value=1, max_value=10))):
        pick = st.integers(min_value=0, max_value=len(nodes) - 1)
        op = draw(st.sampled_from(_UNARY + _BINARY))
        a = nodes[draw(pick)]
        if op in _BINARY:
            b = nodes[draw(pick)]
            node = a + b if op == "+" else a - b if op == "-" else a * b
        elif op == "scale":
            node = a * draw(st.floats(min_value=-2.0, max_value=2.0, allow_nan=False))
        elif op == "neg":
            node = -a
        else:
            node = getattr(a, op)()
        if draw(st.booleans()):  # some interior nodes labelled, for merge_unnamed
            node.named(f"n{len(nodes)}")
        nodes.append(node)
    return leaves, nodes[-1]


@settings(max_examples=200, deadline=None)
@given(graphs())
def test_sum_of_path_products_is_the_gradient(graph):
    leaves, root = graph
    root.backward()
    in_graph = set(topological_order(root))
    for leaf in leaves:
        if leaf not in in_graph:
            continue
        found = paths(root, leaf)
        assert len(found) == count_paths(root, leaf)
        assert all(isinstance(p, Path) and p.nodes[0] is leaf and p.nodes[-1] is root for p in found)
        assert _close_to_sum([p.product for p in found], leaf.grad)
        merged = paths(root, leaf, merge_unnamed=True)
        assert _close_to_sum([p.product for p in merged], leaf.grad)


def test_the_module_docstring_example_runs():
    import doctest
    import importlib

    module = importlib.import_module("tinygrad_edu.viz.explain")
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


def test_an_overflowing_path_product_raises_instead_of_inf():
    x = Value(1.0, label="x")
    y = (x * 1e-300 * 1e300 * 1e300).named("y")  # values finite, d(y)/d(x * 1e-300) = 1e600
    with pytest.raises(OverflowError, match="paths: the product of the local derivatives"):
        paths(y, x)
    with pytest.raises(OverflowError):
        explain(y, x)
