"""Lesson 10: layers of neurons make an MLP; SGD steps every parameter against its
gradient; together they learn XOR.

You write Layer.__call__ and MLP.__call__ in tinygrad_edu/nn.py, and SGD.step in
tinygrad_edu/optim.py.
"""

import random

import pytest

from tinygrad_edu import MLP, Value
from tinygrad_edu.backprop import gradients
from tinygrad_edu.nn import Layer, squared_error
from tinygrad_edu.optim import SGD

pytestmark = pytest.mark.lesson10

XOR = [([0.0, 0.0], 0.0), ([0.0, 1.0], 1.0), ([1.0, 0.0], 1.0), ([1.0, 1.0], 0.0)]


def test_a_layer_returns_every_neuron_output(expect):
    layer = Layer(2, 3, rng=random.Random(1))
    x = [0.5, -1.0]
    outputs = layer([Value(v) for v in x])
    expect.true(isinstance(outputs, list), "layer(x)", "a list", f"{outputs!r}")
    expect([o.data for o in outputs], [n([Value(v) for v in x]).data for n in layer.neurons],
           "layer(x): one output per neuron, in order")


def test_an_mlp_feeds_each_layer_into_the_next(expect):
    mlp = MLP(2, [3, 1], seed=1)
    out = expect.value(mlp([0.5, -1.0]), "MLP(2, [3, 1])([0.5, -1.0]) (one output: a Value, not a list)")
    hidden = [n([Value(0.5), Value(-1.0)]) for n in mlp.layers[0].neurons]
    expect(out.data, mlp.layers[1].neurons[0](hidden).data, "the MLP's output versus its layers applied by hand")


def test_several_outputs_come_as_a_list(expect):
    out = MLP(2, [3, 2], seed=1)([0.5, -1.0])
    expect.true(isinstance(out, list) and len(out) == 2, "MLP(2, [3, 2])([0.5, -1.0])",
                "a list of 2 Values", repr(out))


def test_backward_through_an_mlp_equals_the_delta_rule(expect):
    """The textbook delta rule (backprop.gradients) and your backward() agree."""
    mlp = MLP(3, [4, 2], seed=2)
    x, t = [0.5, -1.0, 2.0], [1.0, 0.0]
    squared_error(mlp(x), t).backward()
    expect([p.grad for p in mlp.parameters()], gradients(mlp, x, t),
           "every dE/dp from backward() versus the delta rule", rel=1e-9, abs=1e-12)


def test_an_sgd_step(expect):
    """p <- p - lr * grad, for every parameter; the gradients are left as they are."""
    p, q = Value(1.0, label="p"), Value(-2.0, label="q")
    p.grad, q.grad = 0.5, -1.0
    SGD([p, q], lr=0.1).step()
    expect((p.data, q.data), (0.95, -1.9), "(p, q) after one SGD step with lr 0.1, grads (0.5, -1)")
    expect((p.grad, q.grad), (0.5, -1.0), "(p.grad, q.grad) after the step (step() does not reset them)")


def test_sgd_with_momentum(expect):
    """v <- momentum v + grad; p <- p - lr v. With grad 1 twice: v = 1, then 1.9."""
    p = Value(0.0, label="p")
    optimizer = SGD([p], lr=0.1, momentum=0.9)
    path = []
    for _ in range(2):
        p.grad = 1.0
        optimizer.step()
        path.append(p.data)
    expect(path, [-0.1, -0.29], "p after two momentum steps (lr 0.1, momentum 0.9, grad 1)")


def test_an_mlp_learns_xor(expect):
    """1,000 full-batch SGD steps on E = mean of 1/2 (t - o)^2 over the four points."""
    model = MLP(2, [4, 1], activation="sigmoid", seed=0)
    optimizer = SGD(model.parameters(), lr=5.0)
    for _ in range(1000):
        loss = sum(squared_error(model(x), t) for x, t in XOR) * 0.25
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    outputs = [model(x).data for x, _ in XOR]
    expect([round(o) for o in outputs], [0, 1, 1, 0], f"the rounded outputs after training (outputs {outputs})")
