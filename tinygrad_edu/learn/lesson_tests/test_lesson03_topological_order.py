"""Lesson 3: topological_order(root) lists every node that root depends on, in an order
that a backward sweep can read in reverse. Any such order passes; a wrong one is shown
with the wrong gradient it would give.

You write the body of topological_order in tinygrad_edu/engine.py.
"""

import math

import pytest

from tinygrad_edu import Value
from tinygrad_edu.engine import topological_order

pytestmark = pytest.mark.lesson3


def sweep_along(order, root):
    """The chain rule run over `order` read backwards (what lesson 4's sweep will do): the
    gradient each node ends up with. Wrong when the order is not topological."""
    grads = {node: 0.0 for node in order}
    grads[root] = 1.0
    for node in reversed(order):
        for child, local in zip(node.children, node.local_grads):
            if child in grads:
                grads[child] += grads[node] * local
    return grads


def misplaced_note(order, root, child, leaf, slope):
    """What a sweep in the learner's order does to `leaf`'s gradient: the wrong number
    beside the nudged one when it differs; when it does not, that the order is wrong all
    the same (a message never says numbers differ when they agree)."""
    if leaf is None:
        return ""
    swept = sweep_along(order, root).get(leaf, 0.0)
    if not math.isclose(swept, slope, rel_tol=1e-6, abs_tol=1e-9):
        return (
            f"\nswept backwards in your order, the gradient of {leaf.label} comes out as "
            f"{swept:.6g}; nudging {leaf.label} moves the result by {slope:.6g} per unit "
            "(a node passed its gradient on before all of its shares had arrived)"
        )
    why = " (the misplaced node is a leaf: it passes nothing on)" if not child.children else ""
    return (
        f"\non this graph a sweep in your order still gives {leaf.label} the gradient a nudge "
        f"gives, {slope:.6g}{why}; the order breaks the rule all the same, and on other "
        "graphs it gives wrong gradients"
    )


def check_order(expect, root, what, expected_count, leaf=None, slope=None):
    """Every node once, every child before its parent, root last. With `leaf` and its true
    `slope`, a misplaced child also shows the gradient a sweep in that order would give."""
    __tracebackhide__ = True
    order = topological_order(root)
    if not isinstance(order, list):
        expect.fail(f"topological_order({what})", "a list of Values", f"{order!r} (a {type(order).__name__})")
    expect(len(order), expected_count, f"the number of nodes in topological_order({what})")
    position = {}
    for i, node in enumerate(order):
        if node in position:
            expect.fail(
                f"each node appears once in topological_order({what})",
                "no repeats",
                f"{node!r} at positions {position[node]} and {i}",
            )
        position[node] = i
    for node in order:
        for child in node.children:
            if child not in position:
                expect.fail(
                    f"every node that {what} depends on is listed",
                    f"{child!r} (a child of {node!r}) in the list",
                    "it is missing",
                )
            if position[child] > position[node]:
                expect.fail(
                    f"a child comes before its parent in topological_order({what})"
                    + misplaced_note(order, root, child, leaf, slope),
                    f"{child!r} before {node!r}",
                    f"the child at position {position[child]}, the parent at position {position[node]}",
                )
    expect.true(order[-1] is root, f"the last node of topological_order({what})", f"the root {root!r}", repr(order[-1]))
    return order


def test_a_leaf_alone(expect):
    """A leaf depends on nothing but itself."""
    a = Value(4.0, label="a")
    order = check_order(expect, a, "a", 1)
    expect(order, [a], "topological_order(a) for a leaf a")


def test_an_expression(expect):
    """e = a * b + c: five nodes, the product before the sum."""
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    ab = a * b
    e = ab + c
    slope = expect.nudged(lambda a: a * -3.0 + 10.0, (2.0,))
    order = check_order(expect, e, "a * b + c", 5, leaf=a, slope=slope)
    expect.true(
        order.index(ab) < order.index(e),
        "a*b is listed before a*b + c",
        "a*b first",
        f"a*b at {order.index(ab)}, the sum at {order.index(e)}",
    )


def test_a_times_a_lists_a_once(expect):
    """a * a has the child a twice, but a is one node."""
    a = Value(3.0, label="a")
    check_order(expect, a * a, "a * a", 2, leaf=a, slope=expect.nudged(lambda a: a * a, (3.0,)))


def test_a_diamond(expect):
    """b and c both use a, and d uses b and c."""
    a = Value(1.5, label="a")
    b, c = a * 2, a + 1
    d = b * c
    slope = expect.nudged(lambda a: (a * 2) * (a + 1), (1.5,))
    check_order(expect, d, "d = (2a) * (a + 1)", 4, leaf=a, slope=slope)
    c2 = Value(0.5, label="c")
    e = (d + c2) * d
    slope = expect.nudged(lambda a: ((a * 2) * (a + 1) + 0.5) * ((a * 2) * (a + 1)), (1.5,))
    check_order(expect, e, "e = (d + c) * d", 7, leaf=a, slope=slope)


def test_only_what_the_root_depends_on(expect):
    """Nodes built from the same inputs but not used by the root are not listed."""
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    y = a * b
    unused = y * 5  # a consumer of y that z does not use
    z = y + a
    order = check_order(expect, z, "z = a * b + a", 4)
    expect.true(unused not in order, "y * 5 is not part of z", "not listed", "listed")


def test_a_chain_three_hundred_deep(expect):
    """A longer chain (recursion handles 300 levels; lesson 13 goes much deeper)."""
    a = Value(0.0, label="a")
    x = a
    for _ in range(300):
        x = x + 1
    order = check_order(expect, x, "a + 1 + 1 + ... (300 times)", 301)
    expect.true(order[0] is a, "the first node of the chain's order", "the leaf a", repr(order[0]))
