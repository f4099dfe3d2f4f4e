"""Lesson 6: the rules of the activations, written with their outputs: s(1 - s) for the
sigmoid, 1 - t^2 for tanh, and a step for ReLU; what they do to a gradient far from 0.

You write local_grads of Sigmoid, Tanh and Relu in tinygrad_edu/ops.py.
"""

import math

import pytest

from tinygrad_edu import Value
from tinygrad_edu.nn import composed_sigmoid

pytestmark = pytest.mark.lesson6


@pytest.mark.parametrize("x", [-3.0, -0.5, 0.0, 0.7, 2.0])
def test_the_sigmoid_rule_matches_its_parts(expect, x):
    """The sigmoid node's local derivative equals the gradient through exp, + and /."""
    s = expect.value(Value(x).sigmoid(), f"Value({x}).sigmoid()")
    point = Value(x)
    composed_sigmoid(point).backward()
    expect(
        s.local_grads,
        (point.grad,),
        f"sigmoid'({x}) versus the gradient of composed_sigmoid at {x}",
        rel=1e-12,
        abs=1e-15,
    )
    expect(s.local_grads, (s.data * (1 - s.data),), f"sigmoid'({x}) versus y(1 - y), y = {s.data!r}")


@pytest.mark.parametrize("x", [-2.0, 0.0, 0.5, 3.0])
def test_the_tanh_rule(expect, x):
    t = expect.value(Value(x).tanh(), f"Value({x}).tanh()")
    expect(t.local_grads, (1 - math.tanh(x) ** 2,), f"tanh'({x}) = 1 - tanh({x})^2")


@pytest.mark.parametrize("x, slope", [(3.0, 1.0), (0.5, 1.0), (-2.0, 0.0), (0.0, 0.0)])
def test_the_relu_rule(expect, x, slope):
    r = expect.value(Value(x).relu(), f"Value({x}).relu()")
    expect(r.local_grads, (slope,), f"relu'({x}): 1 for a positive input, else 0 (0 at exactly 0)")


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
    expect.true(
        0 < x.grad <= 0.25**k,
        f"the gradient through {k} sigmoids from x = 0",
        f"positive and at most 0.25^{k} = {0.25**k!r}",
        repr(x.grad),
    )
    z = Value(0.5, label="z")
    r = z
    for _ in range(k):
        r = r.relu()
    r.backward()
    expect(z.grad, 1.0, f"the gradient through {k} ReLUs from z = 0.5")


def test_saturated_far_from_zero(expect):
    """At +-1000 the sigmoid and tanh are flat: a slope of 0, no overflow, no NaN."""
    for x in (1000.0, -1000.0):
        s = expect.value(Value(x).sigmoid(), f"Value({x}).sigmoid()")
        expect(s.local_grads, (0.0,), f"sigmoid'({x})", abs=1e-300)
        t = expect.value(Value(x).tanh(), f"Value({x}).tanh()")
        expect(t.local_grads, (0.0,), f"tanh'({x})", abs=1e-300)


@pytest.mark.parametrize("point", [[1.5, 0.5], [-1.0, 2.0], [0.7, -0.3]], ids=str)
def test_gradcheck_away_from_the_kink(expect, point):
    def f(v):
        a, b = v
        return (a * b).relu() + (a - b).relu() * 2 + a.sigmoid() + b.tanh()

    expect.gradients_check(f, point, "relu(ab) + 2 relu(a - b) + sigmoid(a) + tanh(b)")
