"""Lesson 12: the deltas of a hidden layer, dE/dz_j, from the deltas of the layer above:
checked against backward() through the same net, and against nudging z_j.

You write hidden_layer_deltas in tinygrad_edu/backprop.py.
"""

import math

import pytest

from tinygrad_edu import Value
from tinygrad_edu.backprop import hidden_layer_deltas

pytestmark = pytest.mark.lesson12

# (hidden net inputs z_j, weights_above[k][j], output biases, targets)
NETS = [
    ([0.4, -1.1], [[1.5, -2.0], [0.7, 0.9]], [0.1, -0.3], [1.0, 0.0]),
    ([2.0, 0.3], [[-0.5, 1.2], [2.5, -1.5]], [0.0, 0.2], [0.0, 1.0]),
    ([-0.6, 0.8], [[1.0, 0.5], [-1.0, 2.0], [0.3, -0.7]], [0.0, 0.1, -0.2], [1.0, 0.0, 1.0]),
]
IDS = ["2-2 net", "another 2-2 net", "2 hidden, 3 outputs"]


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def error(z_hidden, weights, biases, targets):
    """E = 1/2 sum_k (t_k - a_k)^2 for hidden net inputs z_hidden, in plain floats."""
    o = [sigmoid(z) for z in z_hidden]
    a = [sigmoid(sum(w * oj for w, oj in zip(row, o)) + b) for row, b in zip(weights, biases)]
    return 0.5 * sum((t - ak) ** 2 for t, ak in zip(targets, a))


def engine_net(z_hidden, weights, biases, targets):
    """The same net from Values: returns (hidden outputs, output net inputs, z nodes) after backward()."""
    z = [Value(v, label=f"z{j}") for j, v in enumerate(z_hidden)]
    o = [zj.sigmoid() for zj in z]
    nets = []
    for row, b in zip(weights, biases):
        net = o[0] * row[0]
        for w, oj in zip(row[1:], o[1:]):
            net = net + oj * w
        nets.append(net + b)
    total = None
    for net, t in zip(nets, targets):
        term = (t - net.sigmoid()) ** 2
        total = term if total is None else total + term
    (0.5 * total).backward()
    return o, nets, z


def deltas_of(expect, outputs, weights, deltas_above):
    __tracebackhide__ = True
    got = hidden_layer_deltas(outputs, weights, deltas_above)
    ok = isinstance(got, list) and len(got) == len(outputs) and all(isinstance(d, float) for d in got)
    expect.true(
        ok, "hidden_layer_deltas(outputs, weights_above, deltas_above)", f"a list of {len(outputs)} floats", repr(got)
    )
    return got


def one_path_note(j, received, o_j, weights, deltas_above):
    """When the learner's delta is what a single output's path alone gives, say so."""
    for k, delta_k in enumerate(deltas_above):
        share = o_j * (1 - o_j) * weights[k][j] * delta_k
        if math.isclose(received, share, rel_tol=1e-9, abs_tol=1e-15):
            return (
                f"\nhidden neuron {j} feeds all {len(deltas_above)} outputs; your delta is what the "
                f"path through output {k} alone carries: the other paths were left out"
            )
    return ""


def swapped_deltas(outputs, weights, deltas_above):
    """The deltas the same sum gives with the weight indices swapped (weights[j][k] read as
    the weight from hidden neuron j into output k), or None where that reading runs off
    the lists: to recognise an index-order slip."""
    if len(weights) < len(outputs) or any(len(weights[j]) < len(deltas_above) for j in range(len(outputs))):
        return None
    return [
        o_j * (1 - o_j) * sum(weights[j][k] * delta_k for k, delta_k in enumerate(deltas_above))
        for j, o_j in enumerate(outputs)
    ]


def swapped_note(received, outputs, weights, deltas_above):
    """When the learner's deltas are what the swapped reading of the weights gives (and
    that differs from the right one), say that the index order is the problem."""
    swapped = swapped_deltas(outputs, weights, deltas_above)
    if swapped is None or weights == [list(column) for column in zip(*weights)]:
        return ""  # the reading cannot be told apart (or the weights are symmetric)
    if all(math.isclose(r, s, rel_tol=1e-9, abs_tol=1e-15) for r, s in zip(received, swapped)):
        return (
            "\nyour deltas are what these weights give read with their two indices swapped: "
            "weights_above[k][j] is the weight from hidden neuron j into neuron k above, so the "
            "first index counts the neurons above and the second the hidden neurons"
        )
    return ""


@pytest.mark.parametrize("net", NETS, ids=IDS)
def test_the_deltas_equal_backward(expect, net):
    """Each hidden delta beside z_j.grad from backward() and beside nudging z_j."""
    z_hidden, weights, biases, targets = net
    o, nets, z = engine_net(*net)
    deltas_above = [n.grad for n in nets]
    outputs = [oj.data for oj in o]
    got = deltas_of(expect, outputs, weights, deltas_above)
    for j, (mine, node) in enumerate(zip(got, z)):
        point = list(z_hidden)

        def moved(v, j=j, point=point):
            return error(point[:j] + [v] + point[j + 1 :], weights, biases, targets)

        slope = expect.nudged(moved, (z_hidden[j],))
        if not math.isclose(mine, node.grad, rel_tol=1e-9, abs_tol=1e-15):
            expect.fail(
                f"your delta of hidden neuron {j} (outputs {outputs[0]:.4g}, {outputs[1]:.4g}; deltas "
                f"above {', '.join(f'{d:.4g}' for d in deltas_above)}) is {mine:.6g};\n"
                f"nudging z_{j} by 1e-06 moves E by {slope:.6g} per unit"
                + (
                    swapped_note(got, outputs, weights, deltas_above)
                    or one_path_note(j, mine, outputs[j], weights, deltas_above)
                ),
                f"{node.grad!r} (z_{j}.grad from backward())",
                repr(mine),
            )


def test_an_output_with_no_error_passes_nothing_back(expect):
    """When one output's delta is 0, only the other output's path is left."""
    outputs, weights = [0.5, 0.8], [[2.0, -1.0], [0.5, 3.0]]
    got = deltas_of(expect, outputs, weights, [0.0, 0.1])
    expect(
        got,
        [0.25 * 0.5 * 0.1, 0.16 * 3.0 * 0.1],
        "hidden deltas when the first output's delta is 0" + swapped_note(got, outputs, weights, [0.0, 0.1]),
        rel=1e-12,
    )


def test_the_deltas_scale_with_the_deltas_above(expect):
    """Twice the deltas above give twice the hidden deltas: each path is linear in its delta."""
    outputs, weights = [0.3, 0.6], [[1.0, -2.0], [0.5, 0.25]]
    once = deltas_of(expect, outputs, weights, [0.2, -0.1])
    twice = deltas_of(expect, outputs, weights, [0.4, -0.2])
    expect(
        twice, [2 * d for d in once], "hidden deltas for deltas above (0.4, -0.2) versus twice those for (0.2, -0.1)"
    )


def test_a_saturated_hidden_neuron_passes_almost_nothing(expect):
    """A hidden neuron whose output is near 1 is flat: its delta is near 0, whatever comes back."""
    got = deltas_of(expect, [0.999999, 0.5], [[3.0, 1.0], [-2.0, 1.0]], [0.5, 0.5])
    expect.true(
        abs(got[0]) < 1e-5 < abs(got[1]),
        "the deltas of a saturated hidden neuron (output 0.999999) and of one at 0.5",
        "the first below 1e-5, the second not",
        repr(got),
    )
