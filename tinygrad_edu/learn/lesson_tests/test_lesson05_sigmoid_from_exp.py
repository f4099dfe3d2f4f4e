"""Lesson 5: exp's rule, written with its output, then the sigmoid built from exp, +, /
and negation: backward() through those nodes finds the sigmoid's slope by the chain
rule alone.

You write forward and local_grads of Exp in tinygrad_edu/ops.py and composed_sigmoid
in tinygrad_edu/nn/models.py.
"""

import math

import pytest

from tinygrad_edu import Value
from tinygrad_edu.engine import topological_order
from tinygrad_edu.nn import composed_sigmoid
from tinygrad_edu.ops import EXP

pytestmark = pytest.mark.lesson5

WHY_EXP = "the forward pass has just computed e^x; a slope written with that output needs no second exponential"


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


@pytest.mark.parametrize("x", [0.0, 1.0, -2.5])
def test_the_value_of_exp(expect, x):
    y = expect.value(Value(x).exp(), f"Value({x}).exp()")
    expect(y.data, math.exp(x), f"Value({x}).exp().data")
    expect(y.op, "exp", f"Value({x}).exp().op")


@pytest.mark.parametrize("x", [0.0, 1.0, -2.5, 4.0])
def test_the_slope_of_exp_from_its_output(expect, x):
    """EXP.local_grads is handed only the output: the input is not available."""
    local = expect.output_only(EXP, x, "exp", WHY_EXP)
    expect.slopes(local, math.exp, (x,), "x", "e^x", output="y")


def test_the_sigmoid_from_its_parts(expect):
    """composed_sigmoid(x) is 1 / (1 + e^-x), made of the nodes neg, exp, + and /."""
    x = Value(0.7, label="x")
    s = expect.value(composed_sigmoid(x), "composed_sigmoid(x)")
    expect(s.data, sigmoid(0.7), "composed_sigmoid(0.7).data = 1 / (1 + e^-0.7)")
    ops = sorted(node.op for node in topological_order(s) if node.op)
    expect(ops, ["+", "/", "exp", "neg"], "the operations in composed_sigmoid(x)'s graph")


@pytest.mark.parametrize("x", [-3.0, -0.5, 0.0, 0.7, 2.0, 6.0])
def test_backward_through_the_parts(expect, x):
    """No node knows the sigmoid's slope, and yet backward() finds it."""
    point = Value(x, label="x")
    y = composed_sigmoid(point)
    y.backward()
    slope = expect.nudged(sigmoid, (x,))
    expect(
        point.grad,
        slope,
        f"d composed_sigmoid/dx at x = {x} from backward(), beside nudging x by 1e-06 "
        f"(the output there is {y.data:.6g})",
        rel=1e-6,
        abs=1e-9,
    )


def test_the_steepest_point(expect):
    """Over -6..6 the slope is largest at one point, with one value."""
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
