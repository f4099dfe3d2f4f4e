"""Lesson 11: a saturated sigmoid passes almost no gradient, and every sigmoid on the way
multiplies it by at most 0.25. ReLU's derivative is 1 (or 0), so a gradient passes through.

You write Value.relu in tinygrad_edu/engine.py.
"""

import math

import pytest

from tinygrad_edu import Value

pytestmark = pytest.mark.lesson11


@pytest.mark.parametrize("x, data, slope", [(3.0, 3.0, 1.0), (0.5, 0.5, 1.0), (-2.0, 0.0, 0.0), (0.0, 0.0, 0.0)])
def test_relu_and_its_derivative(expect, x, data, slope):
    r = expect.value(Value(x).relu(), f"Value({x}).relu()")
    expect(r.data, data, f"relu({x}) = max(0, {x})")
    expect(r.op, "relu", f"Value({x}).relu().op")
    expect(r.local_grads, (slope,), f"relu'({x}): 1 for a positive input, else 0")


def test_at_ten_the_sigmoid_is_flat_and_relu_is_not(expect):
    """sigmoid'(10) = e^-10 / (1 + e^-10)^2, about 4.54e-5; relu'(10) = 1."""
    x = Value(10.0, label="x")
    x.sigmoid().backward()
    expect(x.grad, math.exp(-10) / (1 + math.exp(-10)) ** 2, "sigmoid'(10)", rel=1e-9)
    expect(round(x.grad, 7), 4.54e-05, "sigmoid'(10) rounded", rel=1e-9)
    y = Value(10.0, label="y")
    y.relu().backward()
    expect(y.grad, 1.0, "relu'(10)")


@pytest.mark.parametrize("k", [1, 2, 4, 8])
def test_a_chain_of_k_units(expect, k):
    """Through k sigmoids the gradient is at most 0.25^k; through k ReLUs it stays 1."""
    x = Value(0.0, label="x")
    s = x
    for _ in range(k):
        s = s.sigmoid()
    s.backward()
    expect.true(0 < x.grad <= 0.25**k, f"the gradient through {k} sigmoids from x = 0",
                f"positive and at most 0.25^{k} = {0.25**k!r}", repr(x.grad))
    z = Value(0.5, label="z")
    r = z
    for _ in range(k):
        r = r.relu()
    r.backward()
    expect(z.grad, 1.0, f"the gradient through {k} ReLUs from z = 0.5")


def test_a_relu_stuck_at_zero_passes_nothing(expect):
    """For a negative input the output is 0 whatever the input: a dead unit learns nothing."""
    x = Value(-3.0, label="x")
    (x * 2).relu().backward()
    expect(x.grad, 0.0, "d relu(2x)/dx at x = -3")


@pytest.mark.parametrize("point", [[1.5, 0.5], [-1.0, 2.0], [0.7, -0.3]], ids=str)
def test_gradcheck_away_from_the_kink(expect, point):
    def f(v):
        a, b = v
        return (a * b).relu() + (a - b).relu() * 2 + a.sigmoid()

    expect.gradients_check(f, point, "relu(ab) + 2 relu(a - b) + sigmoid(a)")
