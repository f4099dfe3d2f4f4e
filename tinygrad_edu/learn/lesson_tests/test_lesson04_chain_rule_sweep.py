"""Lesson 4: backward() seeds the output with 1 and sweeps the graph in reverse
topological order, adding grad * local derivative into every child: the chain rule,
one node at a time.

You write the sweep in Value.backward in tinygrad_edu/engine.py.
"""

import pytest

from tinygrad_edu import Value

pytestmark = pytest.mark.lesson4


def test_the_output_is_seeded_with_one(expect):
    """d(c)/d(c) = 1; for c = a + b each operand then gets 1 * 1."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a + b
    c.backward()
    expect((c.grad, a.grad, b.grad), (1.0, 1.0, 1.0), "(c.grad, a.grad, b.grad) after c.backward(), c = a + b")


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


def test_numbers_and_every_operation_so_far(expect):
    """y = (3a^2 - 2/a) / (1 - a) at a = 2: backward() against the derivative by hand."""
    a = Value(2.0, label="a")
    y = (3 * a**2 - 2 / a) / (1 - a)
    y.backward()
    u, du = 3 * 4 - 1, 6 * 2 + 2 / 4  # numerator and its derivative at a = 2
    v, dv = -1.0, -1.0
    expect(a.grad, (du * v - u * dv) / v**2, "dy/da for y = (3a^2 - 2/a) / (1 - a) at a = 2")


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


def test_a_chain_three_hundred_deep(expect):
    """backward() through 300 multiplications by 1.01: the product of the local derivatives."""
    a = Value(0.5, label="a")
    x = a
    for _ in range(300):
        x = x * 1.01
    x.backward()
    expect(a.grad, 1.01**300, "a.grad at the bottom of a chain of 300 multiplications by 1.01", rel=1e-12)
