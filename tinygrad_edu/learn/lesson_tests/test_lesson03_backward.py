"""Lesson 3: backward() sweeps the graph from the output to the inputs and adds
node.grad * local_grad into every child: the chain rule, one node at a time.

You write the body of Value.backward in tinygrad_edu/engine.py.
"""

import pytest

from tinygrad_edu import Value

pytestmark = pytest.mark.lesson3


def test_a_times_b_plus_a(expect):
    """c = a*b + a: dc/da = b + 1 and dc/db = a."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b + a
    c.backward()
    expect(c.grad, 1.0, "c.grad after c.backward(): dc/dc = 1")
    expect(a.grad, -2.0, "a.grad = dc/da = b + 1 for c = a*b + a at a = 2, b = -3")
    expect(b.grad, 2.0, "b.grad = dc/db = a for c = a*b + a at a = 2, b = -3")


def test_paths_that_meet_again_add_up(expect):
    """y = a*a + a at a = 3: three uses of a, dy/da = 2a + 1 = 7."""
    a = Value(3.0, label="a")
    y = a * a + a
    y.backward()
    expect(a.grad, 7.0, "a.grad for y = a*a + a at a = 3 (every use of a adds its share: 3 + 3 + 1)")


def test_a_diamond(expect):
    """d = (2a) * (3a) = 6a^2: two paths from a to d, dd/da = 12a."""
    a = Value(1.5, label="a")
    b, c = a * 2, a * 3
    d = b * c
    d.backward()
    expect(b.grad, 4.5, "b.grad = dd/db = c for d = b * c")
    expect(a.grad, 18.0, "a.grad = dd/da = 12a at a = 1.5 (the path through b plus the path through c)")


def test_numbers_in_the_graph(expect):
    """y = 3*a*a + 2*a + 1: dy/da = 6a + 2."""
    a = Value(2.0, label="a")
    y = 3 * a * a + 2 * a + 1
    y.backward()
    expect(a.grad, 14.0, "a.grad for y = 3a^2 + 2a + 1 at a = 2")


def test_backward_twice_doubles_the_leaves_only(expect):
    """Leaves accumulate across calls (as in PyTorch); interior nodes start again from 0."""
    a = Value(3.0, label="a")
    square = a * a
    y = square + a
    y.backward()
    y.backward()
    expect(a.grad, 14.0, "a.grad after calling backward() twice on y = a*a + a at a = 3 (7 + 7)")
    expect(square.grad, 1.0, "(a*a).grad after two backward() calls: an interior node is reset, so 1, not 2")
    expect(y.grad, 1.0, "y.grad after two backward() calls")


def test_a_chain_ten_thousand_deep(expect):
    """backward() through 10,000 additions: every link has local derivative 1."""
    a = Value(0.5, label="a")
    x = a
    for _ in range(10_000):
        x = x + 1
    x.backward()
    expect(a.grad, 1.0, "a.grad at the bottom of a chain of 10,000 additions")
