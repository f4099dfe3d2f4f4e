"""Lesson 1: an operation's rule gives its value and its local derivatives, and the
node made by the operation stores both.

You write forward and local_grads of Add and Mul in tinygrad_edu/ops.py.
"""

import pytest

from tinygrad_edu import Value

pytestmark = pytest.mark.lesson1


def test_add_two_values(expect):
    """c = a + b: the value a + b and the local derivatives (dc/da, dc/db)."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = expect.value(a + b, "c = a + b")
    expect(c.data, -1.0, "c.data for c = a + b with a = 2, b = -3")
    expect(c.op, "+", "c.op, the name of the operation that made c")
    expect(c.children, (a, b), "c.children: the operands a and b, in that order")
    expect(c.local_grads, (1.0, 1.0), "c.local_grads = (dc/da, dc/db) for c = a + b at a = 2, b = -3")


def test_multiply_two_values(expect):
    """c = a * b: how c moves per unit move of a, and per unit move of b."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = expect.value(a * b, "c = a * b")
    expect(c.data, -6.0, "c.data for c = a * b with a = 2, b = -3")
    expect(c.op, "*", "c.op, the name of the operation that made c")
    expect(c.children, (a, b), "c.children: the operands a and b, in that order")
    expect(c.local_grads, (-3.0, 2.0), "c.local_grads = (dc/da, dc/db) for c = a * b at a = 2, b = -3")


@pytest.mark.parametrize(
    "text, build, data, local",
    [
        ("a + 1", lambda a: a + 1, 3.0, 1.0),
        ("1 + a", lambda a: 1 + a, 3.0, 1.0),
        ("a * 4", lambda a: a * 4, 8.0, 4.0),
        ("4 * a", lambda a: 4 * a, 8.0, 4.0),
    ],
    ids=["a+1", "1+a", "a*4", "4*a"],
)
def test_a_plain_number_on_either_side(expect, text, build, data, local):
    """A plain number is not a node: the result has a single child, a."""
    a = Value(2.0, label="a")
    c = expect.value(build(a), text)
    expect(c.data, data, f"({text}).data at a = 2")
    expect(c.children, (a,), f"({text}).children: only a (the number is kept aside, not made a node)")
    expect(c.local_grads, (local,), f"({text}).local_grads: the derivative of {text} with respect to a")


def test_a_times_a_keeps_both_uses(expect):
    """In a * a both operands are a: two children, two local derivatives."""
    a = Value(3.0, label="a")
    c = expect.value(a * a, "c = a * a")
    expect(c.data, 9.0, "(a * a).data at a = 3")
    expect(c.children, (a, a), "(a * a).children: a twice, one entry per operand")
    expect(c.local_grads, (3.0, 3.0), "(a * a).local_grads at a = 3: one per operand")


@pytest.mark.parametrize("h", [1e-3, 1e-6])
def test_a_local_derivative_predicts_a_nudge(expect, h):
    """The linear approximation: c(a + h) - c(a) is about dc/da * h, for a small h
    (seed 000: the change in the output is the sum of derivative times change)."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    for text, build in (("a * b", lambda a, b: a * b), ("a + b", lambda a, b: a + b)):
        c = expect.value(build(a, b), text)
        nudged_a = build(Value(2.0 + h), b).data - c.data
        nudged_b = build(a, Value(-3.0 + h)).data - c.data
        expect(
            (nudged_a / h, nudged_b / h),
            c.local_grads,
            f"(change of {text}) / h when a, then b, moves by h = {h}, versus ({text}).local_grads",
            rel=1e-6,
        )


def test_operations_leave_their_operands_alone(expect):
    """An operation makes a new node; its operands keep their data and a gradient of 0."""
    a, b = Value(2.0, label="a"), Value(5.0, label="b")
    d = expect.value(a * b + a, "d = a * b + a")
    expect(d.data, 12.0, "(a * b + a).data at a = 2, b = 5")
    expect((a.data, b.data), (2.0, 5.0), "(a.data, b.data) after computing a * b + a")
    expect((a.grad, b.grad, d.grad), (0.0, 0.0, 0.0), "the .grad of a, b and d before any backward()")
