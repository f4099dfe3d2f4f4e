"""Lesson 9: a neuron computes net = w . x + b, then its activation; backward() through
it gives every weight its gradient.

You write Neuron.__call__ in tinygrad_edu/nn/models.py.
"""

import math

import pytest

from tinygrad_edu import Value
from tinygrad_edu.nn import Neuron

pytestmark = pytest.mark.lesson9


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


def make_neuron(weights, bias, activation="sigmoid"):
    neuron = Neuron(len(weights), activation=activation)
    for w, value in zip(neuron.w, weights):
        w.data = value
    neuron.b.data = bias
    return neuron


def test_a_sigmoid_neuron(expect):
    """w = (0.5, -1), b = 0.25, x = (2, 1): net = 1 - 1 + 0.25, output sigmoid(0.25)."""
    neuron = make_neuron([0.5, -1.0], 0.25)
    a = expect.value(neuron([2.0, 1.0]), "neuron([2.0, 1.0])")
    expect(a.data, sigmoid(0.25), "the output of a sigmoid neuron with net input 0.25")
    expect(a.op, "sigmoid", "the op of a sigmoid neuron's output node")


def test_a_linear_neuron(expect):
    neuron = make_neuron([0.5, -1.0, 2.0], 0.5, activation="linear")
    a = expect.value(neuron([2.0, 1.0, 0.25]), "neuron([2.0, 1.0, 0.25])")
    expect(a.data, 1.0, "the output of a linear neuron: w . x + b = 1 - 1 + 0.5 + 0.5")


@pytest.mark.parametrize("activation, function", [("tanh", math.tanh), ("relu", lambda z: max(0.0, z))])
def test_other_activations(expect, activation, function):
    neuron = make_neuron([1.5, -0.5], -0.25, activation=activation)
    a = expect.value(neuron([1.0, 2.0]), f"a {activation} neuron([1.0, 2.0])")
    expect(a.data, function(0.25), f"the output of a {activation} neuron with net input 0.25")


def test_inputs_may_be_values(expect):
    """The inputs may be Values themselves (the outputs of other neurons)."""
    neuron = make_neuron([2.0, 3.0], 1.0, activation="linear")
    x = [Value(0.5, label="x0"), Value(-1.0, label="x1")]
    a = expect.value(neuron(x), "neuron([x0, x1]) with Values")
    a.backward()
    expect([xi.grad for xi in x], [2.0, 3.0], "[d out/d x0, d out/d x1] for a linear neuron")


def test_every_weight_gets_its_gradient(expect):
    """backward() through a sigmoid neuron: the gradient of each weight and of the bias,
    beside the slope that nudging it gives."""
    weights, bias, x = [0.3, -0.8, 1.1], 0.2, [1.5, -0.5, 2.0]
    neuron = make_neuron(weights, bias)
    a = neuron(x)
    a.backward()

    def out(*parameters):  # the neuron's output as a plain function of its weights and bias
        return sigmoid(sum(w * xj for w, xj in zip(parameters, x)) + parameters[-1])

    point = (*weights, bias)
    names = [f"w{j}" for j in range(len(weights))] + ["b"]
    for i, (name, parameter) in enumerate(zip(names, [*neuron.w, neuron.b])):
        slope = expect.nudged(out, point, i)
        if not (isinstance(parameter.grad, float) and math.isclose(parameter.grad, slope, rel_tol=1e-6)):
            expect.fail(
                f"your d out/d {name} from backward(), at w = {tuple(weights)}, b = {bias:g}, x = "
                f"{tuple(x)}, is {parameter.grad!r};\nnudging {name} by 1e-06 moves out by {slope:.6g} per unit",
                f"{slope:.6g}",
                repr(parameter.grad),
            )
