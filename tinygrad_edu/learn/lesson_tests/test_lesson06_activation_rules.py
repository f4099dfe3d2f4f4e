"""Lesson 6: the rules of the activations. The sigmoid's and tanh's are written with
their outputs alone (the tests hand them nothing else); ReLU's with its input. Then
what the rules do to a gradient far from 0.

You write local_grads of Sigmoid, Tanh and Relu in tinygrad_edu/ops.py.
"""

import math

import pytest

from tinygrad_edu import Value
from tinygrad_edu.nn import composed_sigmoid
from tinygrad_edu.ops import SIGMOID, TANH

pytestmark = pytest.mark.lesson6

WHY = (
    "the forward pass already computed the output, and every node keeps it; a slope "
    "written with it costs no second exponential, which is what makes the backward "
    "sweep cheap"
)


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


@pytest.mark.parametrize("x", [-3.0, -0.5, 0.0, 0.7, 2.0])
def test_the_sigmoid_rule_from_its_output(expect, x):
    """SIGMOID.local_grads is handed only the output: the input is not available."""
    local = expect.output_only(SIGMOID, x, "sigmoid", WHY)
    expect.slopes(local, sigmoid, (x,), "x", "sigmoid(x)", output="y")


@pytest.mark.parametrize("x", [-3.0, 0.0, 0.7])
def test_the_sigmoid_rule_matches_its_parts(expect, x):
    """The sigmoid node's local derivative equals the gradient through exp, + and / (lesson 5)."""
    s = expect.value(Value(x).sigmoid(), f"Value({x}).sigmoid()")
    point = Value(x)
    composed_sigmoid(point).backward()
    expect(s.local_grads, (point.grad,), f"sigmoid'({x}) versus backward() through composed_sigmoid", rel=1e-12)


@pytest.mark.parametrize("x", [-2.0, 0.0, 0.5, 3.0])
def test_the_tanh_rule_from_its_output(expect, x):
    """TANH.local_grads is handed only the output: the input is not available."""
    local = expect.output_only(TANH, x, "tanh", WHY)
    expect.slopes(local, math.tanh, (x,), "x", "tanh(x)", output="y")


@pytest.mark.parametrize("x", [3.0, 0.5, -2.0, -0.25])
def test_the_relu_rule(expect, x):
    r = expect.value(Value(x).relu(), f"Value({x}).relu()")
    expect.slopes(r.local_grads, lambda a: max(0.0, a), (x,), "x", "relu(x)")


def test_the_relu_rule_at_the_kink(expect):
    """At exactly 0 the slope is 1 to the right and 0 to the left: this engine takes 0."""
    r = expect.value(Value(0.0).relu(), "Value(0.0).relu()")
    expect(r.local_grads, (0.0,), "relu'(0), the convention of this engine (and PyTorch's)")


def test_at_ten_the_sigmoid_is_flat_and_relu_is_not(expect):
    """The slopes at x = 10, through backward()."""
    x = Value(10.0, label="x")
    x.sigmoid().backward()
    expect(x.grad, expect.nudged(sigmoid, (10.0,)), "sigmoid'(10) beside nudging x = 10 by 1e-06", rel=1e-5)
    expect(round(x.grad, 7), 4.54e-05, "sigmoid'(10) rounded to 7 decimals", rel=1e-9)
    y = Value(10.0, label="y")
    y.relu().backward()
    expect(y.grad, 1.0, "relu'(10)")


@pytest.mark.parametrize("k", [1, 2, 4, 8])
def test_a_chain_of_k_units(expect, k):
    """Through k sigmoids in a row the gradient shrinks at least 4-fold per unit; through
    k ReLUs it stays 1."""
    x = Value(0.0, label="x")
    s = x
    for _ in range(k):
        s = s.sigmoid()
    s.backward()
    expect.true(
        0 < x.grad <= 0.25**k,
        f"the gradient through {k} sigmoid{'s' if k > 1 else ''} from x = 0",
        f"positive and at most 0.25^{k} = {0.25**k!r}",
        repr(x.grad),
    )
    z = Value(0.5, label="z")
    r = z
    for _ in range(k):
        r = r.relu()
    r.backward()
    expect(z.grad, 1.0, f"the gradient through {k} ReLU{'s' if k > 1 else ''} from z = 0.5")


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
