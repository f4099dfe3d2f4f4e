"""Neurons, layers and multi-layer perceptrons built from Values.

Nothing here knows about derivatives. A neuron computes

    z = w_1 x_1 + ... + w_n x_n + b,     a = activation(z)

with ordinary Value arithmetic, and `loss.backward()` finds every dE/dw by the
chain rule. The textbook formulas (the sigmoid's slope, the delta rule) are not
written anywhere in this package: they emerge from the graph, and `backprop.py`
checks that they are the same numbers.
"""

from __future__ import annotations

import json
import math
import os
import pathlib
import random
from collections.abc import Sequence
from typing import Any

from ..atomic.files import atomic_write
from ..checks import check_positive_int, check_whole_number
from ..engine import Value
from . import model_file
from .losses import _as_value

__all__ = ["ACTIVATIONS", "Module", "Neuron", "Layer", "MLP", "composed_sigmoid"]

# name -> what the neuron applies to z (None: z itself). Any, not Optional: Neuron calls
# the entry only after it has handled "linear", which mypy cannot follow.
ACTIVATIONS: dict[str, Any] = {
    "sigmoid": Value.sigmoid,
    "tanh": Value.tanh,
    "relu": Value.relu,
    "linear": None,
}


def _check_activation(name: Any, where: str) -> str:
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(f"{where}: unknown activation {name!r}; expected one of {', '.join(map(repr, ACTIVATIONS))}")
    return name


def composed_sigmoid(x: Any) -> Value:
    """s(x) = 1 / (1 + e^-x) built from the operations neg, exp, + and / (no sigmoid op):
    four nodes whose local derivatives backward() multiplies into the sigmoid's slope."""
    x = _as_value(x, "composed_sigmoid")
    # BEGIN LESSON 5
    return 1 / (1 + (-x).exp())
    # END LESSON 5


class Module:
    """Anything with parameters: a neuron, a layer, a whole network."""

    def parameters(self) -> list[Value]:
        """The trainable Values, in a fixed order."""
        return []

    def zero_grad(self) -> None:
        """Set the gradient of every parameter to 0 (leaves accumulate otherwise)."""
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    """a = activation(w . x + b), with weights drawn uniformly from [-limit, limit] and b = 0."""

    def __init__(
        self,
        nin: int,
        activation: str = "sigmoid",
        rng: random.Random | None = None,
        limit: float = 1.0,
        name: str = "n",
    ) -> None:
        check_positive_int(nin, "Neuron: nin")
        self.activation = _check_activation(activation, "Neuron")
        rng = rng if rng is not None else random.Random(0)
        self.w = [Value(rng.uniform(-limit, limit), label=f"{name}.w{i}") for i in range(nin)]
        self.b = Value(0.0, label=f"{name}.b")

    def __call__(self, x: Sequence[Any]) -> Value:
        """z = w . x + b (summed left to right), then the activation."""
        w = self.w
        if len(x) != len(w):
            raise ValueError(f"Neuron: expected {len(w)} inputs, got {len(x)}")
        # BEGIN LESSON 9
        z = w[0] * x[0]
        for i in range(1, len(w)):
            z = z + w[i] * x[i]
        z = z + self.b
        if self.activation == "linear":
            return z
        return ACTIVATIONS[self.activation](z)
        # END LESSON 9

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def __repr__(self):
        return f"Neuron({len(self.w)} inputs, {self.activation})"


class Layer(Module):
    """`nout` neurons that all read the same inputs."""

    def __init__(
        self, nin: int, nout: int, activation: str = "sigmoid", rng: random.Random | None = None, name: str = "L"
    ) -> None:
        check_positive_int(nin, "Layer: nin")
        check_positive_int(nout, "Layer: nout")
        self.activation = _check_activation(activation, "Layer")
        rng = rng if rng is not None else random.Random(0)
        # Glorot/Xavier uniform: keeps the spread of z about the same from layer to
        # layer, so sigmoid units start in their sensitive middle, not saturated.
        limit = math.sqrt(6.0 / (nin + nout))
        self.neurons = [Neuron(nin, activation, rng, limit, name=f"{name}.n{j}") for j in range(nout)]

    def __call__(self, x: Sequence[Any]) -> list[Value]:
        """The outputs of every neuron for the same inputs `x`, as a list (in neuron order)."""
        # BEGIN LESSON 10
        return [neuron(x) for neuron in self.neurons]
        # END LESSON 10

    def parameters(self) -> list[Value]:
        """Every neuron's parameters, neuron by neuron, in one list."""
        # BEGIN LESSON 10
        return [p for neuron in self.neurons for p in neuron.parameters()]
        # END LESSON 10

    def __repr__(self):
        return f"Layer({len(self.neurons[0].w)} -> {len(self.neurons)}, {self.activation})"


class MLP(Module):
    """A multi-layer perceptron: layers of neurons, each reading the previous layer's outputs.

    ``MLP(2, [4, 1])`` has 2 inputs, a hidden layer of 4 neurons and 1 output neuron.
    Every layer uses `activation` ("sigmoid", "tanh", "relu" or "linear"); the last
    layer uses `output_activation` when it is given. Weights are drawn from
    ``random.Random(seed)`` (Glorot/Xavier uniform, biases 0): the same seed gives
    the same network.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "sigmoid",
        output_activation: str | None = None,
        seed: int = 0,
    ) -> None:
        check_positive_int(nin, "MLP: nin")
        if isinstance(nouts, (int, str)) or not hasattr(nouts, "__iter__"):
            raise ValueError(f"MLP: nouts must be a list of layer widths such as [4, 1], got {nouts!r}")
        nouts = list(nouts)
        if not nouts:
            raise ValueError("MLP: nouts must list at least one layer width, got []")
        for width in nouts:
            check_positive_int(width, "MLP: every layer width in nouts")
        _check_activation(activation, "MLP")
        if output_activation is not None:
            _check_activation(output_activation, "MLP (output_activation)")
        rng = random.Random(check_whole_number(seed, "MLP: seed"))
        sizes = [nin] + nouts
        self.layers = []
        for i in range(len(nouts)):
            last = i == len(nouts) - 1
            layer_activation = output_activation if (last and output_activation is not None) else activation
            self.layers.append(Layer(sizes[i], sizes[i + 1], layer_activation, rng, name=f"L{i}"))
        self.nin = nin
        self.seed: int | None = seed  # None for a model read from a file

    def __call__(self, x: Sequence[Any]) -> Any:
        """The network's output for one input `x` (a list of numbers or Values): a Value
        when the last layer has one neuron, otherwise a list of Values."""
        if isinstance(x, (Value, str)) or not hasattr(x, "__len__"):
            raise ValueError(f"MLP: expected a list of {self.nin} inputs, got {x!r}")
        if len(x) != self.nin:
            raise ValueError(f"MLP: expected {self.nin} inputs, got {len(x)}: {x!r}")
        # BEGIN LESSON 10
        # Plain numbers become labelled input leaves, so they show up in pictures.
        activations = [xi if isinstance(xi, Value) else Value(xi, label=f"x{i}") for i, xi in enumerate(x)]
        for layer in self.layers:
            activations = layer(activations)
        return activations[0] if len(activations) == 1 else activations
        # END LESSON 10

    def parameters(self) -> list[Value]:
        """Every layer's parameters, layer by layer, in one list."""
        # BEGIN LESSON 10
        return [p for layer in self.layers for p in layer.parameters()]
        # END LESSON 10

    @property
    def nouts(self) -> list[int]:
        return [len(layer.neurons) for layer in self.layers]

    def __repr__(self):
        inner = ", ".join(repr(layer) for layer in self.layers)
        return f"MLP({inner})"

    # ----- saving and loading ---------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The architecture, activations and weights as plain JSON-ready data."""
        return {
            "format": model_file.FORMAT,
            "version": model_file.FORMAT_VERSION,
            "nin": self.nin,
            "layers": [
                {
                    "activation": layer.activation,
                    "weights": [[w.data for w in neuron.w] for neuron in layer.neurons],
                    "biases": [neuron.b.data for neuron in layer.neurons],
                }
                for layer in self.layers
            ],
        }

    def save(self, path: str | os.PathLike[str]) -> pathlib.Path:
        """Write the model as JSON, atomically (`atomic.files.atomic_write`): a crash, a full
        disk or Ctrl-C never leaves a half-written model, and an existing file keeps its
        permissions. A symlink is followed (its target is replaced); a hard-linked file
        gets a new file under `path`. Returns `path` as a pathlib.Path."""
        shown = os.fspath(path)
        for i, p in enumerate(self.parameters()):
            if not math.isfinite(p.data):
                raise ValueError(
                    f"MLP.save({shown!r}): parameter {i} ({p.label}) is {p.data!r}; only finite weights can be saved"
                )
        text = json.dumps(self.to_dict(), allow_nan=False)
        return atomic_write(path, text)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> MLP:
        """Read a model written by `save`. Everything is checked before the model is built:
        a missing file raises FileNotFoundError; anything truncated, corrupted or
        inconsistent raises ValueError naming the path and the problem, and so does a
        path that is not a regular file (a folder, a device such as /dev/zero, a named
        pipe) or a file larger than MAX_MODEL_BYTES: those are refused before reading."""
        path = os.fspath(path)
        where = f"MLP.load({path!r})"
        raw = model_file.read_model_file(path, where)
        with model_file.gc_paused():
            return cls.from_dict(cls._parsed(raw, where), source=where)

    @staticmethod
    def _parsed(raw: bytes, where: str) -> Any:
        """The JSON of a model file, parsed; ValueError naming `where` when it is not JSON."""
        try:
            return json.loads(
                raw.decode("utf-8"), parse_constant=model_file.reject_constant, parse_int=model_file.parse_int
            )
        except UnicodeDecodeError as e:
            raise ValueError(f"{where}: not a text file in UTF-8 (corrupted?): {e}") from None
        except json.JSONDecodeError as e:
            raise ValueError(f"{where}: not valid JSON (truncated or corrupted?): {e}") from None
        except model_file.BadNumber as e:
            raise ValueError(f"{where}: {e}") from None
        except RecursionError:
            raise ValueError(f"{where}: the JSON is nested far too deeply to be a model file") from None

    @classmethod
    def from_dict(cls, data: Any, source: str = "MLP.from_dict") -> MLP:
        """Build a model from `to_dict()` data, after checking all of it."""
        nin, layers = model_file.validate_model_dict(data, source, tuple(ACTIVATIONS))
        model = cls(nin, [len(layer["biases"]) for layer in layers], activation=layers[0]["activation"])
        for layer, stored in zip(model.layers, layers):
            layer.activation = stored["activation"]
            for neuron, weights, bias in zip(layer.neurons, stored["weights"], stored["biases"]):
                neuron.activation = stored["activation"]
                for w, value in zip(neuron.w, weights):
                    w.data = float(value)
                neuron.b.data = float(bias)
        model.seed = None
        return model
