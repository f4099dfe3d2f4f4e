"""Lesson 7: the two-neuron net by hand. Your formulas in plain floats must equal the
gradients your own engine finds with backward().

You write two_neuron_forward, two_neuron_deltas and two_neuron_performance_gradients
in tinygrad_edu/backprop.py.
"""

import math

import pytest

from tinygrad_edu import Value
from tinygrad_edu.backprop import (
    two_neuron_deltas,
    two_neuron_forward,
    two_neuron_performance,
    two_neuron_performance_gradients,
)

pytestmark = pytest.mark.lesson7

# (i_l, w_l, w_r, d): input, left weight, right weight, desired output
POINTS = [(1.5, 0.8, -1.2, 1.0), (-0.7, 2.0, 0.5, 0.0), (2.0, -1.5, 3.0, 0.3)]
IDS = ["i=1.5", "i=-0.7", "i=2.0"]


def performance(i_l, w_l, w_r, d):
    """P in plain floats, to nudge."""
    o_l = 1.0 / (1.0 + math.exp(-w_l * i_l))
    o_r = 1.0 / (1.0 + math.exp(-w_r * o_l))
    return -0.5 * (d - o_r) ** 2


def engine_net(i_l, w_l, w_r, d):
    """The same net built from Values: P = -1/2 (d - o_r)^2, then backward()."""
    nodes = {"w_l": Value(w_l, label="w_l"), "w_r": Value(w_r, label="w_r")}
    nodes["p_l"] = nodes["w_l"] * i_l
    nodes["o_l"] = nodes["p_l"].sigmoid()
    nodes["p_r"] = nodes["w_r"] * nodes["o_l"]
    nodes["o_r"] = nodes["p_r"].sigmoid()
    nodes["P"] = -0.5 * (d - nodes["o_r"]) ** 2
    nodes["P"].backward()
    return nodes


@pytest.mark.parametrize("point", POINTS, ids=IDS)
def test_the_forward_pass(expect, point):
    net = engine_net(*point)
    forward = two_neuron_forward(*point[:3])
    expect(
        tuple(forward),
        tuple(net[k].data for k in ("p_l", "o_l", "p_r", "o_r")),
        f"two_neuron_forward{point[:3]} = (p_l, o_l, p_r, o_r)",
    )


@pytest.mark.parametrize("point", POINTS, ids=IDS)
def test_the_deltas_are_dP_by_dp(expect, point):
    """delta_r is dP/dp_r and delta_l is dP/dp_l: the gradients that backward() leaves
    on the product nodes."""
    net = engine_net(*point)
    deltas = two_neuron_deltas(*point)
    expect(
        tuple(deltas),
        (net["p_l"].grad, net["p_r"].grad),
        f"two_neuron_deltas{point} = (delta_l, delta_r) versus (p_l.grad, p_r.grad) from backward()",
    )


@pytest.mark.parametrize("point", POINTS, ids=IDS)
def test_the_hand_formulas_equal_backward(expect, point):
    """dP/dw_l and dP/dw_r, multiplied by hand link by link, equal the gradients
    backward() leaves on the weights."""
    net = engine_net(*point)
    gradients = two_neuron_performance_gradients(*point)
    i_l, w_l, w_r, d = point
    expect.slopes(
        tuple(gradients),
        lambda w_l, w_r: performance(i_l, w_l, w_r, d),
        (w_l, w_r),
        ["w_l", "w_r"],
        "P",
    )
    expect(
        tuple(gradients),
        (net["w_l"].grad, net["w_r"].grad),
        f"two_neuron_performance_gradients{point} = (dP/dw_l, dP/dw_r) versus backward()",
    )


def test_the_left_gradient_reuses_the_right_delta(expect):
    """The left neuron needs only its own numbers and the delta passed back from the right."""
    i_l, w_l, w_r, d = POINTS[0]
    forward = two_neuron_forward(i_l, w_l, w_r)
    delta_l, delta_r = two_neuron_deltas(i_l, w_l, w_r, d)
    dP_dw_l, dP_dw_r = two_neuron_performance_gradients(i_l, w_l, w_r, d)
    o_l = forward.o_l
    expect(
        delta_l / delta_r,
        o_l * (1 - o_l) * w_r,
        f"delta_l / delta_r at {POINTS[0]}: what the left neuron's own links add to the right delta",
    )
    expect(
        (dP_dw_l, dP_dw_r),
        (delta_l * i_l, delta_r * o_l),
        "(dP/dw_l, dP/dw_r) versus each neuron's delta times the input of its weight",
    )


def test_a_step_uphill_improves_the_performance(expect):
    """A small step of both weights along your gradients brings o_r closer to d."""
    i_l, w_l, w_r, d = POINTS[0]
    before = two_neuron_performance(i_l, w_l, w_r, d)
    dP_dw_l, dP_dw_r = two_neuron_performance_gradients(i_l, w_l, w_r, d)
    after = two_neuron_performance(i_l, w_l + 0.5 * dP_dw_l, w_r + 0.5 * dP_dw_r, d)
    expect.true(after > before, "P after one ascent step with rate 0.5", f"greater than {before!r}", repr(after))
