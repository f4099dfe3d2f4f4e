"""tinygrad_edu.micrograd: micrograd 0.1.0's API on our engine, checked against micrograd itself.

micrograd is a dev dependency (pip install -e '.[dev]'). Without it the comparisons
are skipped with a reason, except in CI (CI=true), where a missing micrograd fails.
"""

import importlib
import math
import random

import pytest
from conftest import skip_or_fail_in_ci

import tinygrad_edu
from tinygrad_edu.data import two_moons
from tinygrad_edu.micrograd import engine as our_engine
from tinygrad_edu.micrograd import nn as our_nn

STEPS = 20  # training steps compared with micrograd
POINTS = 40  # moons points per step (micrograd is slow; 40 keep the test short)
# Our backward adds the contributions to a gradient in a fixed order; micrograd's order
# depends on set iteration (memory addresses), so the last bits differ from run to run.
# Rounding errors scale with the terms being added (parameters are of order 1), so the
# tolerance is relative, with a floor of 1 for numbers near zero.
TOLERANCE = 1e-12


@pytest.fixture(scope="module")
def micrograd():
    """micrograd 0.1.0's engine and nn modules, as a (engine, nn) pair."""
    try:
        return importlib.import_module("micrograd.engine"), importlib.import_module("micrograd.nn")
    except ImportError:
        skip_or_fail_in_ci("micrograd is not installed (pip install micrograd==0.1.0, or pip install -e '.[dev]')")


def assert_close(ours, theirs, what):
    assert abs(ours - theirs) <= TOLERANCE * max(1.0, abs(ours), abs(theirs)), f"{what}: {ours!r} vs {theirs!r}"


# ----- the lecture's neuron, one node at a time ----------------------------------------------


def lecture_neuron():
    """o = tanh(x1*w1 + x2*w2 + b), named the lecture's way, with `.label = ...`."""
    Value = our_engine.Value
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")  # chosen so that n = asinh(1), o = 1/sqrt(2)
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b, x1w1=x1w1, x2w2=x2w2, x1w1x2w2=x1w1x2w2, n=n, o=o)


def test_the_lecture_neuron_backward_by_hand_node_by_node():
    v = lecture_neuron()
    o, n = v["o"], v["n"]
    assert o.data == pytest.approx(1 / math.sqrt(2), abs=1e-12)
    assert o._op == "tanh" and o._prev == {n}
    assert n._op == "+" and n._prev == {v["x1w1x2w2"], v["b"]}
    assert v["x1"]._op == "" and v["x1"]._prev == set()
    assert v["x1w1"].label == "x1*w1"

    o.grad = 1.0  # the seed of the backward pass, set by hand as in the lecture
    o._backward()  # do/dn = 1 - o^2
    assert n.grad == pytest.approx(0.5, abs=1e-12)
    n._backward()  # a sum passes its gradient on unchanged
    assert v["b"].grad == v["x1w1x2w2"].grad == n.grad
    v["x1w1x2w2"]._backward()
    assert v["x1w1"].grad == v["x2w2"].grad == n.grad
    v["x2w2"]._backward()  # a product sends each side the other side's value times the gradient
    assert v["x2"].grad == pytest.approx(0.5, abs=1e-12)  # w2 * 0.5
    assert v["w2"].grad == 0.0  # x2 * 0.5, and x2 = 0
    v["x1w1"]._backward()
    assert v["x1"].grad == pytest.approx(-1.5, abs=1e-12)  # w1 * 0.5
    assert v["w1"].grad == pytest.approx(1.0, abs=1e-12)  # x1 * 0.5

    by_hand = {name: node.grad for name, node in v.items()}
    fresh = lecture_neuron()
    fresh["o"].backward()
    assert {name: node.grad for name, node in fresh.items()} == by_hand


def test_the_lectures_topological_sort_over_prev_drives_backward_by_hand():
    v = lecture_neuron()
    topo, visited = [], set()

    def build_topo(node):  # the lecture's recursive sort, reading only ._prev
        if node not in visited:
            visited.add(node)
            for child in node._prev:
                build_topo(child)
            topo.append(node)

    build_topo(v["o"])
    v["o"].grad = 1.0
    for node in reversed(topo):
        node._backward()
    fresh = lecture_neuron()
    fresh["o"].backward()
    for name, node in v.items():
        assert node.grad == pytest.approx(fresh[name].grad, abs=1e-15), name


def test_the_lectures_own_trace_and_draw_code_runs_on_our_values():
    import graphviz

    v = lecture_neuron()
    scaled = (v["o"] * 2).named("o2")  # a number operand: one child here, not a Value(2) leaf

    nodes, edges = set(), set()
    stack = [scaled]
    while stack:  # the lecture's trace, reading only ._prev
        node = stack.pop()
        if node not in nodes:
            nodes.add(node)
            for child in node._prev:
                edges.add((child, node))
                stack.append(child)

    picture = graphviz.Digraph(format="svg", graph_attr={"rankdir": "LR"})
    for n in nodes:  # one record per Value, one oval per operation, as the lecture draws them
        uid = str(id(n))
        picture.node(name=uid, label=f"{{ {n.label} | data {n.data:.4f} | grad {n.grad:.4f} }}", shape="record")
        if n._op:
            picture.node(name=uid + n._op, label=n._op)
            picture.edge(uid + n._op, uid)
    for child, parent in edges:
        picture.edge(str(id(child)), str(id(parent)) + parent._op)

    assert len(nodes) == 11  # the 10 Values of the neuron and o2
    assert len(edges) == 10  # x1 and w1, x2 and w2, two products, their sum and b, n, o
    assert picture.source.count("shape=record") == 11
    assert "o2 | data 1.4142" in picture.source


# ----- the networks: same weights, same reprs, same shapes ---------------------------------------


def test_our_value_is_the_packages_value():
    assert our_engine.Value is tinygrad_edu.Value
    assert tinygrad_edu.micrograd.Value is tinygrad_edu.Value


def test_same_seed_gives_micrograds_weights_and_reprs(micrograd):
    their_nn = micrograd[1]
    for build in (
        lambda nn: nn.MLP(2, [16, 16, 1]),
        lambda nn: nn.MLP(3, [4, 2]),
        lambda nn: nn.Layer(3, 2),
        lambda nn: nn.Neuron(5, nonlin=False),
    ):
        random.seed(1337)
        theirs = build(their_nn)
        random.seed(1337)
        ours = build(our_nn)
        assert repr(ours) == repr(theirs)
        assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    assert repr(our_nn.MLP(2, [3, 1])) == (
        "MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2), ReLUNeuron(2)], Layer of [LinearNeuron(3)]]"
    )


def test_forward_pass_matches_micrograd_exactly(micrograd):
    their_engine, their_nn = micrograd
    random.seed(7)
    theirs = their_nn.MLP(3, [4, 4, 2])
    random.seed(7)
    ours = our_nn.MLP(3, [4, 4, 2])
    x = [0.5, -1.25, 2.0]
    their_out = theirs([their_engine.Value(xi) for xi in x])
    our_out = ours([our_engine.Value(xi) for xi in x])
    assert [o.data for o in our_out] == [o.data for o in their_out]  # the same additions in the same order


def test_relu_hidden_layers_linear_last_layer_bias_zero():
    random.seed(0)
    model = our_nn.MLP(2, [3, 3, 1])
    assert [[n.nonlin for n in layer.neurons] for layer in model.layers] == [[True] * 3, [True] * 3, [False]]
    assert all(n.b.data == 0 for layer in model.layers for n in layer.neurons)
    assert all(-1 <= p.data <= 1 for p in model.parameters())
    assert len(model.parameters()) == (2 + 1) * 3 + (3 + 1) * 3 + (3 + 1)
    out = model([1.0, -2.0])
    assert isinstance(out, tinygrad_edu.Value)  # a layer of one neuron gives its Value, not a list
    assert isinstance(model.layers[0]([1.0, -2.0]), list)


def test_a_neuron_is_relu_of_bias_plus_weighted_sum():
    random.seed(3)
    neuron = our_nn.Neuron(2)
    w1, w2 = (w.data for w in neuron.w)
    neuron.b.data = 0.25
    x = [0.5, -0.75]
    expected = max(0.0, 0.25 + w1 * 0.5 + w2 * -0.75)
    assert neuron(x).data == pytest.approx(expected, abs=1e-15)
    linear = our_nn.Neuron(2, nonlin=False)
    linear.w[0].data, linear.w[1].data = -1.0, -1.0
    assert linear([1.0, 2.0]).data == -3.0  # negative: no ReLU on a linear neuron


def test_weights_come_from_the_global_random_in_micrograds_order():
    random.seed(42)
    expected = [random.uniform(-1, 1) for _ in range(2 * 2 + 2 * 1)]
    random.seed(42)
    model = our_nn.MLP(2, [2, 1])
    weights = [w.data for layer in model.layers for n in layer.neurons for w in n.w]
    assert weights == expected  # neuron by neuron, layer by layer; biases draw nothing


def test_zero_grad_sets_every_parameter_grad_to_zero():
    random.seed(1)
    model = our_nn.MLP(2, [2, 1])
    model([1.0, 1.0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())
    assert our_nn.Module().parameters() == []


def test_bad_sizes_and_inputs_are_errors_naming_them():
    with pytest.raises(ValueError, match="nin .* positive whole number, got 0"):
        our_nn.Neuron(0)
    assert our_nn.Neuron(2, nonlin=0).nonlin == 0  # any truth value, as micrograd takes it
    with pytest.raises(TypeError, match=r"nouts must be a list of layer sizes .* got 16"):
        our_nn.MLP(2, 16)
    with pytest.raises(ValueError, match=r"layer size in nouts \[16, -1\]"):
        our_nn.MLP(2, [16, -1])
    with pytest.raises(ValueError, match=r"at least one layer"):
        our_nn.MLP(2, [])
    # micrograd's zip would quietly drop the third input; here it is an error.
    with pytest.raises(ValueError, match=r"ReLUNeuron\(2\): expected 2 inputs, got 3"):
        our_nn.Neuron(2)([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match=r"LinearNeuron\(1\): expected a list of 1 inputs, got Value"):
        our_nn.Neuron(1, nonlin=False)(our_engine.Value(1.0))
    # Any iterable of inputs works, as with zip.
    assert our_nn.Neuron(2, nonlin=False)(iter([0.0, 0.0])).data == 0.0


# ----- micrograd's moons demo, step by step against micrograd itself ------------------------------


def train_moons_demo(engine, nn, steps=STEPS, points=POINTS, seed=1337):
    """micrograd's demo loop: SVM max-margin loss, L2 regularisation, SGD with a decaying
    learning rate. Only `engine` and `nn` change between the two runs.
    Returns (losses, accuracies, parameters after each step)."""
    Value = engine.Value
    X, labels = two_moons(points, noise=0.1, seed=2)
    y = [2 * t - 1 for t in labels]  # classes as -1 and +1
    random.seed(seed)
    model = nn.MLP(2, [16, 16, 1])
    losses, accuracies, parameters = [], [], []
    for k in range(steps):
        inputs = [[Value(xi) for xi in row] for row in X]
        scores = [model(x) for x in inputs]
        margins = [(1 + -yi * score).relu() for yi, score in zip(y, scores)]
        data_loss = sum(margins) * (1.0 / len(margins))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracies.append(sum((yi > 0) == (score.data > 0) for yi, score in zip(y, scores)) / len(y))

        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        losses.append(total_loss.data)
        parameters.append([p.data for p in model.parameters()])
    return losses, accuracies, parameters


def test_moons_demo_gives_micrograds_numbers_step_by_step(micrograd):
    their_losses, their_accuracies, their_params = train_moons_demo(*micrograd)
    our_losses, our_accuracies, our_params = train_moons_demo(our_engine, our_nn)
    for step, (ours, theirs) in enumerate(zip(our_losses, their_losses)):
        assert_close(ours, theirs, f"loss at step {step}")
    assert our_accuracies == their_accuracies
    for step, (ours, theirs) in enumerate(zip(our_params, their_params)):
        assert len(ours) == len(theirs) == 337
        for i, (p, q) in enumerate(zip(ours, theirs)):
            assert_close(p, q, f"parameter {i} after step {step}")
    assert our_losses[-1] < our_losses[0]  # and it does learn
