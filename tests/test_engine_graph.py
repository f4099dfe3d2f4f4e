"""The shape of the graph and the accumulation contract of backward()."""

import gc
import warnings

import pytest

from tinygrad_edu import Value
from tinygrad_edu.engine import topological_order


def test_fan_out_a_times_a_plus_a():
    # d(a*a + a)/da = 2a + 1 = 7 at a = 3: both uses of `a` contribute.
    a = Value(3.0)
    y = a * a + a
    y.backward()
    assert y.data == 12.0
    assert a.grad == 7.0


def test_a_times_a_keeps_both_children_in_order():
    a = Value(3.0)
    square = a * a
    assert square.children == (a, a)
    assert square.local_grads == (3.0, 3.0)


def test_children_are_in_operand_order():
    a, b = Value(2.0), Value(5.0)
    q = a / b
    assert q.children == (a, b)
    assert q.local_grads == (1 / 5, -2 / 25)
    r = 4 / b  # the number is not a child
    assert r.children == (b,)
    assert r.local_grads == (-4 / 25,)


def test_diamond():
    # x feeds two branches that meet again: dy/dx = dy/du du/dx + dy/dv dv/dx.
    x = Value(0.5)
    u = x.exp()
    v = x * 3
    y = u * v
    y.backward()
    # y = 3x e^x, dy/dx = 3e^x (1 + x)
    assert x.grad == pytest.approx(3 * 2.718281828459045**0.5 * 1.5, rel=1e-15)


def test_node_used_by_many_consumers():
    x = Value(1.5)
    total = Value(0.0)
    for k in range(1, 101):
        total = total + x * k
    total.backward()
    assert x.grad == sum(range(1, 101))


def test_backward_twice_doubles_leaf_grads_exactly():
    a, b = Value(1.3), Value(-0.7)
    y = (a * b).tanh() + a.exp() * b
    y.backward()
    first = (a.grad, b.grad)
    y.backward()
    assert (a.grad, b.grad) == (2 * first[0], 2 * first[1])


def test_interior_nodes_are_reset_on_each_backward():
    a = Value(2.0)
    hidden = a * a
    y = hidden * 3
    y.backward()
    y.backward()
    assert hidden.grad == 3.0  # not 6: interior gradients start afresh
    assert y.grad == 1.0
    assert a.grad == 2 * 12.0  # leaves accumulate


def test_zero_grad_resets_everything_below():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    y = c + a
    y.backward()
    y.zero_grad()
    assert [n.grad for n in (a, b, c, y)] == [0.0, 0.0, 0.0, 0.0]


def test_backward_on_a_leaf():
    x = Value(4.0)
    x.backward()
    assert x.grad == 1.0


def test_million_node_chain():
    # A recursive walk would hit Python's recursion limit (~1,000) long before this.
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad == 1.0
    y.zero_grad()
    assert x.grad == 0.0


def test_topological_order_lists_children_before_parents():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    position = {id(n): i for i, n in enumerate(order)}
    assert len(order) == 5 and order[-1] is e
    for node in order:
        for child in node.children:
            assert position[id(child)] < position[id(node)]


def test_topological_order_is_deterministic():
    def build():
        a, b = Value(1.0, label="a"), Value(2.0, label="b")
        c = (a * b).named("c")
        return ((c + a).named("d") * c).named("e")

    assert [n.label for n in topological_order(build())] == [n.label for n in topological_order(build())]
    assert [n.label for n in topological_order(build())] == ["a", "b", "c", "d", "e"]


def test_read_only_attributes():
    a = Value(1.0, label="a")
    c = a * 2
    for name in ("op", "children", "local_grads"):
        with pytest.raises(AttributeError):
            setattr(c, name, None)
    with pytest.raises(AttributeError):
        c.dataa = 3.0  # __slots__: a typo fails loudly instead of adding a field


def test_data_and_grad_are_writable():
    a = Value(1.0)
    a.data = 2.5
    a.grad = 0.25
    assert (a.data, a.grad) == (2.5, 0.25)


def test_named_sets_the_label_and_returns_the_node():
    a = Value(1.0)
    e = (a * 2).named("e")
    assert e.label == "e" and e.op == "*"
    with pytest.raises(TypeError, match="label must be a str"):
        e.named(3)


def test_repr_shows_data_grad_and_label():
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    x = Value(-1.5, label="x")
    x.grad = 0.5
    assert repr(x) == "Value(data=-1.5, grad=0.5, label='x')"


def test_values_hash_by_identity():
    a, b = Value(1.0), Value(1.0)
    assert len({a, b}) == 2
    assert a != b and a == a


def test_a_dropped_graph_is_freed_by_reference_counting():
    # No closures and no cycles: the nodes die as soon as the last reference goes,
    # without waiting for the garbage collector.
    gc.disable()
    try:
        x = Value(1.0)
        y = x
        for _ in range(1000):
            y = y.tanh() * 2
        tracked_before = len(gc.get_objects())
        del y
        assert len(gc.get_objects()) <= tracked_before - 2000
    finally:
        gc.enable()


def test_sigmoid_and_tanh_are_stable_at_plus_minus_1000():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Value(1000).sigmoid().data == 1.0
        assert Value(-1000).sigmoid().data == 0.0
        assert Value(1000).tanh().data == 1.0
        assert Value(-1000).tanh().data == -1.0
        for x in (1000.0, -1000.0):
            v = Value(x)
            v.sigmoid().backward()
            assert v.grad == 0.0


def test_label_is_writable_and_checked_like_named():
    e = Value(1.0) * Value(2.0)
    e.label = "e"
    assert e.label == "e" and "label='e'" in repr(e)
    with pytest.raises(TypeError, match="label must be a str, got NoneType None"):
        e.label = None
    assert e.label == "e"
