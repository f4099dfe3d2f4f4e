"""Lesson 8: a neuron computes a = sigmoid(w . x + b), and its error is
E = 1/2 sum_k (t_k - a_k)^2. backward() then finds dE/dw_j = -(t - a) a(1 - a) x_j.

You write Neuron.__call__ and squared_error in tinygrad_edu/nn.py.
"""

import math

import pytest

from tinygrad_edu import Value
from tinygrad_edu.nn import Neuron, squared_error

pytestmark = pytest.mark.lesson8


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


def make_neuron(weights, bias, activation="sigmoid"):
    neuron = Neuron(len(weights), activation=activation)
    for w, value in zip(neuron.w, weights):
        w.data = value
    neuron.b.data = bias
    return neuron


def test_a_sigmoid_neuron(expect):
    """w = (0.5, -1), b = 0.25, x = (2, 1): net = 1 - 1 + 0.25, a = sigmoid(0.25)."""
    neuron = make_neuron([0.5, -1.0], 0.25)
    a = expect.value(neuron([2.0, 1.0]), "neuron([2.0, 1.0])")
    expect(a.data, sigmoid(0.25), "the output of a sigmoid neuron with net input 0.25")


def test_a_linear_neuron(expect):
    neuron = make_neuron([0.5, -1.0, 2.0], 0.5, activation="linear")
    a = expect.value(neuron([2.0, 1.0, 0.25]), "neuron([2.0, 1.0, 0.25])")
    expect(a.data, 1.0, "the output of a linear neuron: w . x + b = 1 - 1 + 0.5 + 0.5")


def test_squared_error_of_one_output(expect):
    """E = 1/2 (1 - 0.8)^2 = 0.02, and dE/da = a - t = -0.2."""
    a = Value(0.8, label="a")
    error = expect.value(squared_error(a, 1.0), "squared_error(a, 1.0)")
    expect(error.data, 0.02, "squared_error(0.8, 1.0) = 1/2 (1 - 0.8)^2")
    error.backward()
    expect(a.grad, -0.2, "dE/da = -(t - a) for a = 0.8, t = 1")


def test_squared_error_of_several_outputs(expect):
    """E = 1/2 [(1 - 0.8)^2 + (0 - 0.1)^2] = 0.025."""
    outputs = [Value(0.8, label="a0"), Value(0.1, label="a1")]
    error = expect.value(squared_error(outputs, [1.0, 0.0]), "squared_error([a0, a1], [1, 0])")
    expect(error.data, 0.025, "squared_error([0.8, 0.1], [1, 0])")
    error.backward()
    expect([a.grad for a in outputs], [-0.2, 0.1], "[dE/da0, dE/da1] = [a0 - t0, a1 - t1]")


def test_squared_error_needs_as_many_targets_as_outputs(expect):
    expect.raises(ValueError, lambda: squared_error([Value(1.0), Value(2.0)], [1.0]),
                  "squared_error with 2 outputs and 1 target")


def test_the_three_factors_of_seed_004(expect):
    """dE/dw_j = dE/da * da/dnet * dnet/dw_j = -(t - a) * a(1 - a) * x_j, and dE/db
    is the same without x_j. backward() multiplies these local derivatives for you."""
    neuron = make_neuron([0.3, -0.8, 1.1], 0.2)
    x, t = [1.5, -0.5, 2.0], 1.0
    a = neuron(x)
    squared_error(a, t).backward()
    out = a.data
    factor = -(t - out) * out * (1 - out)
    expect([w.grad for w in neuron.w], [factor * xj for xj in x], "[dE/dw_j] from backward()")
    expect(neuron.b.grad, factor, "dE/db = -(t - a) a(1 - a)")
