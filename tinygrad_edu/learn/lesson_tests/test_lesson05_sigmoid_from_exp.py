"""Lesson 5: exp's rule, then the sigmoid built from exp, + and /: backward() through
those nodes finds y(1 - y) by the chain rule alone.

You write forward and local_grads of Exp in tinygrad_edu/ops.py and composed_sigmoid
in tinygrad_edu/nn/models.py.
"""

import math

import pytest

from tinygrad_edu import Value
from tinygrad_edu.engine import topological_order
from tinygrad_edu.nn import composed_sigmoid

pytestmark = pytest.mark.lesson5


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def test_exp_is_its_own_derivative(expect):
    for x in (0.0, 1.0, -2.5):
        y = expect.value(Value(x).exp(), f"Value({x}).exp()")
        expect(y.data, math.exp(x), f"Value({x}).exp().data")
        expect(y.op, "exp", f"Value({x}).exp().op")
        expect(y.local_grads, (math.exp(x),), f"Value({x}).exp().local_grads: d(e^x)/dx at x = {x}")


def test_the_sigmoid_from_its_parts(expect):
    """composed_sigmoid(x) is 1 / (1 + e^-x), made of the nodes neg, exp, + and /."""
    x = Value(0.7, label="x")
    s = expect.value(composed_sigmoid(x), "composed_sigmoid(x)")
    expect(s.data, sigmoid(0.7), "composed_sigmoid(0.7).data = 1 / (1 + e^-0.7)")
    ops = sorted(node.op for node in topological_order(s) if node.op)
    expect(ops, ["+", "/", "exp", "neg"], "the operations in composed_sigmoid(x)'s graph")


@pytest.mark.parametrize("x", [-3.0, -0.5, 0.0, 0.7, 2.0, 6.0])
def test_y_times_one_minus_y_appears_in_the_gradient(expect, x):
    """The chain rule through 1/g, 1 + e^h and -x gives e^-x / (1 + e^-x)^2 = y(1 - y):
    no node knows that formula, and yet it comes out."""
    point = Value(x, label="x")
    y = composed_sigmoid(point)
    y.backward()
    expect(
        point.grad,
        y.data * (1 - y.data),
        f"d composed_sigmoid/dx at x = {x} versus y(1 - y), y = {y.data!r}",
        rel=1e-12,
        abs=1e-15,
    )


def test_the_slope_is_largest_at_zero_and_a_quarter(expect):
    xs = [i / 4 for i in range(-24, 25)]
    slopes = []
    for x in xs:
        point = Value(x)
        composed_sigmoid(point).backward()
        slopes.append(point.grad)
    expect(max(slopes), 0.25, "the largest slope of the composed sigmoid over -6..6")
    expect(xs[slopes.index(max(slopes))], 0.0, "where the slope is largest")


def test_the_parts_overflow_far_from_zero(expect):
    """e^800 is beyond the largest float, so the composed form cannot reach x = -800:
    one reason the engine also has a sigmoid op of its own (lesson 6)."""
    expect.raises(OverflowError, lambda: composed_sigmoid(Value(-800.0)), "composed_sigmoid(-800): e^800")
