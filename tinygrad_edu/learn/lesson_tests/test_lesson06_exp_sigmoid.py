"""Lesson 6: exp is its own derivative, and the sigmoid's derivative is y(1 - y), written
with its output y. Its largest value is 0.25, at 0.

You write Value.exp and Value.sigmoid in tinygrad_edu/engine.py.
"""

import math

import pytest

from tinygrad_edu import Value

pytestmark = pytest.mark.lesson6


def true_sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def test_exp_is_its_own_derivative(expect):
    for x in (0.0, 1.0, -2.5):
        y = expect.value(Value(x).exp(), f"Value({x}).exp()")
        expect(y.data, math.exp(x), f"Value({x}).exp().data")
        expect(y.op, "exp", f"Value({x}).exp().op")
        expect(y.local_grads, (math.exp(x),), f"Value({x}).exp().local_grads: d(e^x)/dx = e^x")


def test_exp_too_large_raises_overflow(expect):
    """e^710 is beyond the largest float: an error, not infinity."""
    expect.raises(OverflowError, lambda: Value(710.0).exp(), "Value(710).exp()")


def test_sigmoid_at_zero(expect):
    s = expect.value(Value(0.0).sigmoid(), "Value(0).sigmoid()")
    expect(s.data, 0.5, "sigmoid(0)")
    expect(s.op, "sigmoid", "Value(0).sigmoid().op")
    expect(s.local_grads, (0.25,), "sigmoid'(0) = y(1 - y) with y = 1/2")


@pytest.mark.parametrize("x", [-3.0, -0.5, 0.7, 2.0, 6.0])
def test_the_derivative_is_y_times_one_minus_y(expect, x):
    """dy/dx = e^-x / (1 + e^-x)^2 = y(1 - y)."""
    s = expect.value(Value(x).sigmoid(), f"Value({x}).sigmoid()")
    y = true_sigmoid(x)
    expect(s.data, y, f"sigmoid({x})")
    expect(s.local_grads, (y * (1 - y),), f"sigmoid'({x}) = y(1 - y)")


def test_the_chain_rule_through_its_parts_gives_the_same(expect):
    """1 / (1 + e^-x) built from /, +, exp and negation has the same value and gradient
    as the single sigmoid node: the chain rule rediscovers y(1 - y)."""
    x1 = Value(0.7, label="x")
    s = x1.sigmoid()
    s.backward()
    x2 = Value(0.7, label="x")
    parts = 1 / (1 + (-x2).exp())
    parts.backward()
    expect(s.data, parts.data, "sigmoid(0.7) versus 1 / (1 + e^-0.7)")
    expect(x1.grad, x2.grad, "d sigmoid/dx at 0.7 versus the gradient through 1 / (1 + e^-x)")


def test_the_peak_is_a_quarter_at_zero(expect):
    xs = [i / 4 for i in range(-24, 25)]
    slopes = [Value(x).sigmoid().local_grads[0] for x in xs]
    expect(max(slopes), 0.25, "the largest sigmoid' over -6..6")
    expect(xs[slopes.index(max(slopes))], 0.0, "where sigmoid' is largest")


def test_stable_far_from_zero(expect):
    """1 / (1 + e^1000) overflows; the sigmoid must not."""
    for x, y in ((1000.0, 1.0), (-1000.0, 0.0), (-800.0, 0.0)):
        s = expect.value(Value(x).sigmoid(), f"Value({x}).sigmoid()")
        expect(s.data, y, f"sigmoid({x})", abs=1e-300)
        expect(s.local_grads, (0.0,), f"sigmoid'({x})", abs=1e-300)
