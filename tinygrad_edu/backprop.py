"""Backpropagation by hand: the textbook formulas, in plain floats.

The engine never writes down a formula for a gradient: it records local
derivatives and lets the chain rule multiply them. This module does the opposite.
It spells out the formulas a textbook derives on paper (the sigmoid's slope from its
output, the two-neuron net, the delta rule of `gradients`), and computes them with
ordinary floats.

It imports nothing from the engine or from `nn`, so it is an independent witness:
when the gradients that emerge from `backward()` equal the numbers below, the
engine has rediscovered the delta rule.

Two parts:

* The two-neuron net (one input, two sigmoid neurons in a row, no biases),
  climbing the performance P = -1/2 (d - o_r)^2 by gradient ASCENT, as in the
  classic MIT derivation.
* `gradients(mlp, x, target)`: the delta rule for any all-sigmoid MLP and the
  error E = 1/2 sum_k (t_k - o_k)^2, for gradient DESCENT. Since E = -P, the
  two-neuron net passed to `gradients` (as an MLP 1 -> 1 -> 1 with zero biases)
  gets exactly the negatives of the two-neuron numbers.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any, NamedTuple

__all__ = [
    "sigmoid",
    "sigmoid_derivative_from_output",
    "TwoNeuronForward",
    "TwoNeuronDeltas",
    "TwoNeuronGradients",
    "two_neuron_forward",
    "two_neuron_performance",
    "two_neuron_deltas",
    "two_neuron_performance_gradients",
    "two_neuron_ascent_step",
    "hidden_layer_deltas",
    "gradients",
]


# The module's own check, not checks.py's: this module imports only the standard library,
# so that nothing of the package (checks.py included) can bend the numbers it witnesses.
def _finite(x: Any, name: str, where: str) -> float:
    """`x` (a real number, or anything with a `.data` that is one) as a finite float."""
    if not isinstance(x, numbers.Real) and hasattr(x, "data"):
        x = x.data
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{where}: {name} must be a real number, got {type(x).__name__} {x!r}")
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"{where}: {name} must be a finite number, got {x!r}")
    return x


# ----- the sigmoid ------------------------------------------------------------------------


def sigmoid(x: float) -> float:
    """s(x) = 1 / (1 + e^-x), computed without overflow for any finite x."""
    x = _finite(x, "x", "sigmoid")
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))  # e^-x <= 1
    e = math.exp(x)  # e^x < 1; the textbook form would need e^-x, which overflows past x = -709
    return e / (1.0 + e)


def sigmoid_derivative_from_output(y: float) -> float:
    # BEGIN CUT WITH LESSON 6
    """ds/dx = y (1 - y), written with the OUTPUT y = s(x), not the input x.

    Its largest value is 0.25, at y = 1/2 (x = 0). Far from 0 the neuron
    saturates: y is near 0 or 1 and the slope is near 0.
    """
    y = _finite(y, "y", "sigmoid_derivative_from_output")
    if not 0.0 <= y <= 1.0:
        raise ValueError(
            f"sigmoid_derivative_from_output: y must be a sigmoid output in [0, 1], got {y!r} "
            "(pass y = sigmoid(x), not x itself)"
        )
    return y * (1.0 - y)
    # END CUT WITH LESSON 6


# ----- the two-neuron net --------------------------------------------------------------------
#
#   i_l --(w_l)--> [left neuron] --o_l = i_r--(w_r)--> [right neuron] --> o_r
#
#   p_l = w_l i_l,   o_l = s(p_l),   p_r = w_r o_l,   o_r = s(p_r),   P = -1/2 (d - o_r)^2
#
# dP/dw_r and dP/dw_l follow from the chain rule, one link of this picture at a time.


class TwoNeuronForward(NamedTuple):
    """Every intermediate value of the two-neuron net."""

    p_l: float  # w_l * i_l
    o_l: float  # s(p_l), which is also the right neuron's input i_r
    p_r: float  # w_r * o_l
    o_r: float  # s(p_r), the net's output


class TwoNeuronDeltas(NamedTuple):
    """dP/dp for each neuron: how the performance changes with the neuron's product."""

    delta_l: float  # dP/dp_l
    delta_r: float  # dP/dp_r


class TwoNeuronGradients(NamedTuple):
    """dP/dw for both weights (the direction of steepest ASCENT of P)."""

    dP_dw_l: float
    dP_dw_r: float


def _two_neuron_inputs(where: str, i_l: Any, w_l: Any, w_r: Any, d: Any = 0.0) -> tuple[float, ...]:
    return tuple(_finite(v, name, where) for v, name in ((i_l, "i_l"), (w_l, "w_l"), (w_r, "w_r"), (d, "d")))


def two_neuron_forward(i_l: float, w_l: float, w_r: float) -> TwoNeuronForward:
    """p_l = w_l i_l,  o_l = s(p_l),  p_r = w_r o_l,  o_r = s(p_r)."""
    i_l, w_l, w_r, _ = _two_neuron_inputs("two_neuron_forward", i_l, w_l, w_r)
    # BEGIN LESSON 7
    p_l = w_l * i_l
    o_l = sigmoid(p_l)
    p_r = w_r * o_l
    o_r = sigmoid(p_r)
    return TwoNeuronForward(p_l, o_l, p_r, o_r)
    # END LESSON 7


def two_neuron_performance(i_l: float, w_l: float, w_r: float, d: float) -> float:
    """P = -1/2 (d - o_r)^2: largest (0) when the output o_r equals the desired d."""
    i_l, w_l, w_r, d = _two_neuron_inputs("two_neuron_performance", i_l, w_l, w_r, d)
    o_r = two_neuron_forward(i_l, w_l, w_r).o_r
    return -0.5 * (d - o_r) ** 2


def two_neuron_deltas(i_l: float, w_l: float, w_r: float, d: float) -> TwoNeuronDeltas:
    """delta_r = dP/dp_r and delta_l = dP/dp_l: how P moves with each neuron's product p."""
    i_l, w_l, w_r, d = _two_neuron_inputs("two_neuron_deltas", i_l, w_l, w_r, d)
    # BEGIN LESSON 7
    # With dP/do_r = d - o_r and do/dp = o (1 - o):
    #   delta_r = o_r (1 - o_r)(d - o_r),   delta_l = o_l (1 - o_l) w_r delta_r
    net = two_neuron_forward(i_l, w_l, w_r)
    delta_r = sigmoid_derivative_from_output(net.o_r) * (d - net.o_r)
    delta_l = sigmoid_derivative_from_output(net.o_l) * w_r * delta_r
    return TwoNeuronDeltas(delta_l, delta_r)
    # END LESSON 7


def two_neuron_performance_gradients(i_l: float, w_l: float, w_r: float, d: float) -> TwoNeuronGradients:
    """dP/dw_l and dP/dw_r, the slopes of the performance P in each weight."""
    i_l, w_l, w_r, d = _two_neuron_inputs("two_neuron_performance_gradients", i_l, w_l, w_r, d)
    # BEGIN LESSON 7
    # The chain rule, one link at a time:
    #   dP/dw_r = (d - o_r) * o_r (1 - o_r) * o_l                            = delta_r o_l
    #   dP/dw_l = (d - o_r) * o_r (1 - o_r) * w_r * o_l (1 - o_l) * i_l      = delta_l i_l
    o_l = two_neuron_forward(i_l, w_l, w_r).o_l
    delta_l, delta_r = two_neuron_deltas(i_l, w_l, w_r, d)
    return TwoNeuronGradients(dP_dw_l=delta_l * i_l, dP_dw_r=delta_r * o_l)
    # END LESSON 7


def two_neuron_ascent_step(i_l: float, w_l: float, w_r: float, d: float, rate: float) -> tuple[float, float]:
    # BEGIN CUT WITH LESSON 8
    """One step uphill on P: w' = w + rate * dP/dw for both weights. Returns (w_l', w_r')."""
    i_l, w_l, w_r, d = _two_neuron_inputs("two_neuron_ascent_step", i_l, w_l, w_r, d)
    rate = _finite(rate, "rate", "two_neuron_ascent_step")
    dP_dw_l, dP_dw_r = two_neuron_performance_gradients(i_l, w_l, w_r, d)
    return w_l + rate * dP_dw_l, w_r + rate * dP_dw_r
    # END CUT WITH LESSON 8


# ----- the delta rule for a whole MLP -------------------------------------------------------


def hidden_layer_deltas(
    outputs: Sequence[float], weights_above: Sequence[Sequence[float]], deltas_above: Sequence[float]
) -> list[float]:
    """dE/dz_j for each sigmoid neuron j of a hidden layer, from the layer above it.

    `outputs[j]` is neuron j's output o_j, `weights_above[k][j]` the weight from neuron j
    into neuron k of the next layer, and `deltas_above[k]` that neuron's dE/dz_k.
    """
    # BEGIN LESSON 12
    # o_j feeds every neuron k above, so z_j reaches E along one path per k: the paths add up.
    return [
        o_j * (1.0 - o_j) * sum(weights_above[k][j] * delta_k for k, delta_k in enumerate(deltas_above))
        for j, o_j in enumerate(outputs)
    ]
    # END LESSON 12


def gradients(mlp: Any, x: Sequence[Any], target: Any) -> list[float]:
    # BEGIN CUT WITH LESSON 12
    """dE/dp for every parameter p of an all-sigmoid MLP, for one sample, by the delta rule.

    E = 1/2 sum_k (t_k - o_k)^2 (what `nn.squared_error` computes). Going backwards:

        output neuron k:   delta_k = o_k (1 - o_k) (o_k - t_k)          (= dE/dz_k)
        hidden neuron j:   delta_j = o_j (1 - o_j) sum_k w_kj delta_k   (k: the next layer)
        weight w_ji:       dE/dw_ji = delta_j * a_i   (a_i: the i-th input of neuron j)
        bias b_j:          dE/db_j = delta_j

    `x` is a list of numbers (or of objects with a `.data` number); `target` is a
    number for a one-output net, or a list with one number per output. The result
    is a list of floats in `mlp.parameters()` order: layer by layer, neuron by
    neuron, weights then bias. The MLP is read only through `mlp.layers`,
    `layer.neurons`, `neuron.w`, `neuron.b` and the activation names.
    """
    weights, biases = _read_network(mlp)  # weights[n][j][i]: layer n, neuron j, input i
    inputs = _read_numbers(x, "x")
    if len(inputs) != len(weights[0][0]):
        raise ValueError(f"gradients: x has {len(inputs)} numbers, but layer 0 expects {len(weights[0][0])} inputs")
    if isinstance(target, (list, tuple)):
        targets = _read_numbers(target, "target")
    else:
        targets = [_finite(target, "target", "gradients")]
    if len(targets) != len(weights[-1]):
        raise ValueError(
            f"gradients: target has {len(targets)} numbers, but the last layer has {len(weights[-1])} outputs"
        )

    # Forward pass, keeping every layer's outputs: a[0] is x, a[n + 1] is layer n's output.
    a = [inputs]
    for rows, layer_biases in zip(weights, biases):
        below = a[-1]
        a.append([sigmoid(sum(w * a_i for w, a_i in zip(row, below)) + b) for row, b in zip(rows, layer_biases)])

    # Backward pass: the output layer's deltas first, then one layer down at a time.
    deltas = [o * (1.0 - o) * (o - t) for o, t in zip(a[-1], targets)]
    grads: list[Any] = [None] * len(weights)
    for n in reversed(range(len(weights))):
        layer_inputs = a[n]
        grads[n] = [[delta * a_i for a_i in layer_inputs] + [delta] for delta in deltas]
        if n > 0:
            # Neuron j below feeds neuron k of layer n through weights[n][k][j] (w_kj).
            deltas = hidden_layer_deltas(layer_inputs, weights[n], deltas)
    return [g for layer in grads for neuron in layer for g in neuron]
    # END CUT WITH LESSON 12


def _read_numbers(values: Any, name: str) -> list[float]:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise TypeError(f"gradients: {name} must be a list of numbers, got {type(values).__name__} {values!r}")
    return [_finite(v, f"{name}[{i}]", "gradients") for i, v in enumerate(values)]


def _read_network(mlp: Any) -> tuple[list[list[list[float]]], list[list[float]]]:
    """The weights and biases of an all-sigmoid MLP as floats: weights[n][j][i], biases[n][j].

    Checks what the delta rule assumes: sigmoid everywhere, each neuron reading every
    output of the layer below, and `parameters()` in the documented order.
    """
    layers = list(mlp.layers)
    if not layers:
        raise ValueError("gradients: the MLP has no layers")
    weights: list[list[list[float]]] = []
    biases: list[list[float]] = []
    in_order: list[Any] = []
    for n, layer in enumerate(layers):
        neurons = list(layer.neurons)
        if not neurons:
            raise ValueError(f"gradients: layer {n} has no neurons")
        for activation in [layer.activation] + [neuron.activation for neuron in neurons]:
            if activation != "sigmoid":
                raise ValueError(
                    f"gradients: layer {n} uses the activation {activation!r}; the delta rule here "
                    "is derived for 'sigmoid' only (it uses the sigmoid's slope)"
                )
        width_below = len(weights[-1]) if weights else len(neurons[0].w)
        rows, layer_biases = [], []
        for j, neuron in enumerate(neurons):
            where = f"layer {n}, neuron {j}"
            if len(neuron.w) != width_below:
                raise ValueError(
                    f"gradients: {where} has {len(neuron.w)} weights, but its layer has {width_below} inputs"
                )
            rows.append([_finite(w, f"{where}, weight {i}", "gradients") for i, w in enumerate(neuron.w)])
            layer_biases.append(_finite(neuron.b, f"{where}, bias", "gradients"))
            in_order.extend(list(neuron.w) + [neuron.b])
        weights.append(rows)
        biases.append(layer_biases)
    # The result is matched to parameters() by position, so the two orders must agree.
    if hasattr(mlp, "parameters") and [id(p) for p in mlp.parameters()] != [id(p) for p in in_order]:
        raise ValueError(
            "gradients: mlp.parameters() is not listed layer by layer, neuron by neuron, weights then bias"
        )
    return weights, biases
