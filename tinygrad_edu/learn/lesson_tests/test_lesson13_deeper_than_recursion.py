"""Lesson 13 (a challenge, optional): a topological order, and so backward(), for a
chain far deeper than Python's recursion limit.

You rewrite topological_order in tinygrad_edu/engine.py (lesson 3's code).
"""

import sys

import pytest

from tinygrad_edu import Value
from tinygrad_edu.engine import topological_order

pytestmark = pytest.mark.lesson13

DEPTH = 100_000


def chain(depth):
    a = Value(0.5, label="a")
    x = a
    for _ in range(depth):
        x = x + 1
    return a, x


def test_a_chain_a_hundred_thousand_deep(expect):
    """x = a + 1 + 1 + ... (100,000 times): 100,001 nodes, a first, x last."""
    expect.true(
        sys.getrecursionlimit() < DEPTH, "Python's recursion limit", f"below {DEPTH}", str(sys.getrecursionlimit())
    )
    a, x = chain(DEPTH)
    order = topological_order(x)
    expect(len(order), DEPTH + 1, f"len(topological_order(x)) for a chain {DEPTH:,} deep")
    expect.true(
        order[0] is a and order[-1] is x,
        "the ends of the order",
        "the leaf a first, x last",
        f"{order[0]!r} first, {order[-1]!r} last",
    )
    position = {node: i for i, node in enumerate(order)}
    late = [node for node in order if any(position[child] > position[node] for child in node.children)]
    expect.true(not late, "every child before its parent", "no exceptions", f"{len(late)} nodes before a child")


def test_backward_through_it(expect):
    """Every link has local derivative 1, so da = 1 at the bottom."""
    a, x = chain(DEPTH)
    x.backward()
    expect(a.grad, 1.0, f"a.grad at the bottom of a chain of {DEPTH:,} additions")


def test_a_wide_and_deep_graph(expect):
    """A chain whose every node is also used by a second chain: the order must still be right."""
    a = Value(1.0, label="a")
    x, y = a, a
    for _ in range(20_000):
        x = x + 1
        y = y * 1.0 + x
    order = topological_order(y)
    position = {node: i for i, node in enumerate(order)}
    expect(len(order), len(position), "nodes listed once each")
    late = sum(1 for node in order for child in node.children if position[child] > position[node])
    expect(late, 0, "children listed after their parent")
