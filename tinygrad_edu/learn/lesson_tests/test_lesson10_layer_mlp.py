"""Lesson 10: a layer is neurons that read the same inputs; an MLP feeds each layer's
outputs to the next; parameters() lists every weight and bias in a fixed order.

You write Layer.__call__, Layer.parameters, MLP.__call__ and MLP.parameters in
tinygrad_edu/nn/models.py.
"""

import random

import pytest

from tinygrad_edu import MLP, Value
from tinygrad_edu.gradcheck import numerical_gradient
from tinygrad_edu.nn import Layer

pytestmark = pytest.mark.lesson10


def test_a_layer_returns_every_neuron_output(expect):
    layer = Layer(2, 3, rng=random.Random(1))
    x = [0.5, -1.0]
    outputs = layer([Value(v) for v in x])
    expect.true(isinstance(outputs, list), "layer(x)", "a list", f"{outputs!r}")
    expect(
        [o.data for o in outputs],
        [n([Value(v) for v in x]).data for n in layer.neurons],
        "layer(x): one output per neuron, in order",
    )


def test_an_mlp_feeds_each_layer_into_the_next(expect):
    mlp = MLP(2, [3, 1], seed=1)
    out = expect.value(mlp([0.5, -1.0]), "MLP(2, [3, 1])([0.5, -1.0]) (one output: a Value, not a list)")
    hidden = [n([Value(0.5), Value(-1.0)]) for n in mlp.layers[0].neurons]
    expect(out.data, mlp.layers[1].neurons[0](hidden).data, "the MLP's output versus its layers applied by hand")


def test_several_outputs_come_as_a_list(expect):
    out = MLP(2, [3, 2], seed=1)([0.5, -1.0])
    expect.true(isinstance(out, list) and len(out) == 2, "MLP(2, [3, 2])([0.5, -1.0])", "a list of 2 Values", repr(out))


def test_parameters_layer_by_layer_neuron_by_neuron(expect):
    """Weights then bias for each neuron, neurons in order, layers in order: 3*(2+1) + 2*(3+1)."""
    mlp = MLP(2, [3, 2], seed=1)
    expected = [p for layer in mlp.layers for neuron in layer.neurons for p in neuron.w + [neuron.b]]
    layer = mlp.layers[0]
    got = layer.parameters()
    expect.true(
        isinstance(got, list) and len(got) == 9 and all(p is q for p, q in zip(got, expected[:9])),
        "mlp.layers[0].parameters()",
        "its 3 neurons' w0, w1, b in order (9 Values)",
        f"{[p.label for p in got] if isinstance(got, list) else got!r}",
    )
    got = mlp.parameters()
    expect.true(
        isinstance(got, list) and len(got) == 17 and all(p is q for p, q in zip(got, expected)),
        "mlp.parameters()",
        f"{[p.label for p in expected]}",
        f"{[p.label for p in got] if isinstance(got, list) else got!r}",
    )


def test_backward_through_an_mlp_agrees_with_your_numerical_slope(expect):
    """Every dE/dp from backward() beside the slope your numerical_gradient (lesson 1) finds
    by nudging that parameter alone."""
    mlp = MLP(3, [4, 2], seed=2)
    x, t = [0.5, -1.0, 2.0], [1.0, 0.0]
    params = mlp.parameters()
    start = [p.data for p in params]

    def error_at(values):
        for p, value in zip(params, values):
            p.data = value
        o = mlp(x)
        return (0.5 * (t[0] - o[0]) ** 2 + 0.5 * (t[1] - o[1]) ** 2).data

    nudged = numerical_gradient(error_at, start, h=1e-6)
    error_at(start)
    o = mlp(x)
    error = 0.5 * (t[0] - o[0]) ** 2 + 0.5 * (t[1] - o[1]) ** 2
    error.backward()
    expect(
        [p.grad for p in params],
        nudged,
        "every dE/dp from backward() versus nudging that parameter by 1e-06",
        rel=1e-5,
        abs=1e-8,
    )
