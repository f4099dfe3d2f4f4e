"""micrograd's neural networks (`Module`, `Neuron`, `Layer`, `MLP`) on tinygrad_edu's Values.

The networks are built exactly as micrograd 0.1.0 builds them, so a micrograd
program that imports these instead gets the same numbers:

* a neuron computes  act = b + w_1 x_1 + ... + w_n x_n  (added in that order,
  starting from the bias), then ReLU(act) when `nonlin` is true, else act itself;
* each weight is ``random.uniform(-1, 1)`` from Python's *global* `random`, drawn
  neuron by neuron, layer by layer; every bias starts at 0;
* ``MLP(nin, nouts)`` uses ReLU in every layer but the last, which is linear;
* a layer of one neuron returns that neuron's Value rather than a list of one.

Drawing from the global `random` is what makes ``random.seed(1337)`` before
``MLP(2, [16, 16, 1])`` give micrograd's weights. tinygrad_edu's own `tinygrad_edu.nn`
passes a seeded generator around instead (and uses sigmoid by default); use
that one for new code, and this one to follow micrograd's lecture and demos.

Unlike micrograd, a wrong number of inputs is an error here rather than being cut
short silently by `zip`, and sizes must be positive whole numbers.
"""

import random
from collections.abc import Sequence
from typing import Any

from ..checks import check_positive_int, describe, short_repr
from .engine import Value

__all__ = ["Module", "Neuron", "Layer", "MLP"]


class Module:
    """Anything with parameters; `zero_grad` clears their gradients before the next backward()."""

    def zero_grad(self) -> None:
        """Set ``p.grad = 0`` for every parameter (leaf gradients add up across backward() calls)."""
        for p in self.parameters():
            p.grad = 0

    def parameters(self) -> list[Value]:
        """The trainable Values, in a fixed order (none for a bare Module)."""
        return []


def _inputs(x, expected, module):
    """`x` as something with a length equal to `expected`, or ValueError naming both."""
    try:
        count = len(x)
    except TypeError:
        try:
            x = list(x)  # a generator or map object, as zip would have accepted
        except TypeError:
            raise TypeError(f"{module!r}: expected a list of {expected} inputs, got {describe(x)}") from None
        count = len(x)
    if count != expected:
        raise ValueError(f"{module!r}: expected {expected} inputs, got {count}: {short_repr(x)}")
    return x


class Neuron(Module):
    """ReLU(b + w . x) when `nonlin` is true, else b + w . x, with w_i ~ U(-1, 1) and b = 0."""

    def __init__(self, nin: int, nonlin: Any = True) -> None:
        check_positive_int(nin, "Neuron: nin (the number of inputs)")
        # random.uniform is looked up on every call, so random.seed() before building
        # the network decides the weights, as it does in micrograd.
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = nonlin  # any truth value, as in micrograd

    def __call__(self, x):
        x = _inputs(x, len(self.w), self)
        # BEGIN CUT WITH LESSON 9
        act = self.b  # the bias first, then each product: micrograd's order of additions
        for wi, xi in zip(self.w, x):
            act = act + wi * xi
        return act.relu() if self.nonlin else act
        # END CUT WITH LESSON 9

    def parameters(self) -> list[Value]:
        """The weights, then the bias."""
        return self.w + [self.b]

    def __repr__(self):
        kind = "ReLU" if self.nonlin else "Linear"
        return f"{kind}Neuron({len(self.w)})"


class Layer(Module):
    """`nout` neurons reading the same inputs; extra keyword arguments go to each `Neuron`."""

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        check_positive_int(nout, "Layer: nout (the number of neurons)")
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x):
        """The neurons' outputs as a list; a layer of one neuron returns its Value alone."""
        # BEGIN CUT WITH LESSON 10
        outputs = [neuron(x) for neuron in self.neurons]
        return outputs[0] if len(outputs) == 1 else outputs
        # END CUT WITH LESSON 10

    def parameters(self) -> list[Value]:
        """Neuron by neuron, each neuron's weights then its bias."""
        # BEGIN CUT WITH LESSON 10
        return [p for neuron in self.neurons for p in neuron.parameters()]
        # END CUT WITH LESSON 10

    def __repr__(self):
        return "Layer of [" + ", ".join(str(neuron) for neuron in self.neurons) + "]"


class MLP(Module):
    """Layers of sizes `nouts` on `nin` inputs: ReLU in every layer but the last, which is linear.

    ``MLP(2, [16, 16, 1])`` is micrograd's moons classifier: two ReLU layers of 16
    and one linear output neuron whose sign is the predicted class.
    """

    def __init__(self, nin: int, nouts: Sequence[int]) -> None:
        check_positive_int(nin, "MLP: nin (the number of inputs)")
        if isinstance(nouts, (str, bytes)) or not hasattr(nouts, "__iter__"):
            raise TypeError(f"MLP: nouts must be a list of layer sizes such as [16, 16, 1], got {short_repr(nouts)}")
        nouts = list(nouts)
        if not nouts:
            raise ValueError("MLP: nouts must list at least one layer size, got []")
        for size in nouts:
            check_positive_int(size, f"MLP: every layer size in nouts {short_repr(nouts)}")
        sizes = [nin] + nouts
        last = len(nouts) - 1
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i != last) for i in range(len(nouts))]

    def __call__(self, x):
        # BEGIN CUT WITH LESSON 10
        for layer in self.layers:
            x = layer(x)
        return x
        # END CUT WITH LESSON 10

    def parameters(self) -> list[Value]:
        """Layer by layer, in each layer's order."""
        # BEGIN CUT WITH LESSON 10
        return [p for layer in self.layers for p in layer.parameters()]
        # END CUT WITH LESSON 10

    def __repr__(self):
        return "MLP of [" + ", ".join(str(layer) for layer in self.layers) + "]"
