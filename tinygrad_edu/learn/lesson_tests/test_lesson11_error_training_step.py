"""Lesson 11: the error E = 1/2 sum (t - a)^2, one SGD step, and the loop that makes
an MLP learn XOR.

You write squared_error in tinygrad_edu/nn/losses.py and SGD.step in tinygrad_edu/optim.py.
"""

import pytest

from tinygrad_edu import MLP, Value
from tinygrad_edu.nn import Neuron, squared_error
from tinygrad_edu.optim import SGD

pytestmark = pytest.mark.lesson11

XOR = [([0.0, 0.0], 0.0), ([0.0, 1.0], 1.0), ([1.0, 0.0], 1.0), ([1.0, 1.0], 0.0)]


def test_squared_error_of_one_output(expect):
    """E = 1/2 (1 - 0.8)^2 = 0.02, and its slope in a."""
    a = Value(0.8, label="a")
    error = expect.value(squared_error(a, 1.0), "squared_error(a, 1.0)")
    expect(error.data, 0.02, "squared_error(0.8, 1.0) = 1/2 (1 - 0.8)^2")
    error.backward()
    expect(a.grad, -0.2, "dE/da for a = 0.8, t = 1 from backward()", rel=1e-9)


def test_squared_error_of_several_outputs(expect):
    """E = 1/2 [(1 - 0.8)^2 + (0 - 0.1)^2] = 0.025."""
    outputs = [Value(0.8, label="a0"), Value(0.1, label="a1")]
    error = expect.value(squared_error(outputs, [1.0, 0.0]), "squared_error([a0, a1], [1, 0])")
    expect(error.data, 0.025, "squared_error([0.8, 0.1], [1, 0])")
    error.backward()
    expect([a.grad for a in outputs], [-0.2, 0.1], "[dE/da0, dE/da1] from backward()", rel=1e-9)


def test_the_three_factors_of_seed_004(expect):
    """dE/dw_j as three factors, dE/da, da/dnet and dnet/dw_j: backward()
    multiplies these local derivatives for you."""
    neuron = Neuron(3)
    for w, value in zip(neuron.w, [0.3, -0.8, 1.1]):
        w.data = value
    neuron.b.data = 0.2
    x, t = [1.5, -0.5, 2.0], 1.0
    a = neuron(x)
    squared_error(a, t).backward()
    out = a.data
    factor = -(t - out) * out * (1 - out)
    expect([w.grad for w in neuron.w], [factor * xj for xj in x], "[dE/dw_j] from backward()")
    expect(neuron.b.grad, factor, "dE/db from backward()")


def test_an_sgd_step(expect):
    """One step for every parameter (lesson 8's step); the gradients are left as they are."""
    p, q = Value(1.0, label="p"), Value(-2.0, label="q")
    p.grad, q.grad = 0.5, -1.0
    SGD([p, q], lr=0.1).step()
    expect((p.data, q.data), (0.95, -1.9), "(p, q) after one SGD step with lr 0.1, grads (0.5, -1)")
    expect((p.grad, q.grad), (0.5, -1.0), "(p.grad, q.grad) after the step (step() does not reset them)")


def test_sgd_with_momentum(expect):
    """From p = 0 with lr 0.1, momentum 0.9 and a gradient of 1 at every step."""
    p = Value(0.0, label="p")
    optimizer = SGD([p], lr=0.1, momentum=0.9)
    path = []
    for _ in range(3):
        p.grad = 1.0
        optimizer.step()
        path.append(p.data)
    expect(path, [-0.1, -0.29, -0.561], "p after three momentum steps (lr 0.1, momentum 0.9, grad 1)", rel=1e-12)


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
