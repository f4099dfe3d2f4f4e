"""Neural networks built from Values: neurons, layers, multi-layer perceptrons and losses.

Nothing here knows about derivatives. A neuron computes

    z = w_1 x_1 + ... + w_n x_n + b,     a = activation(z)

with ordinary Value arithmetic, and `loss.backward()` finds every dE/dw by the
chain rule. The textbook formulas (sigmoid' = y(1 - y), the delta rule) are not
written anywhere in this file: they emerge from the graph, and `backprop.py`
checks that they are the same numbers.
"""

from __future__ import annotations

import json
import math
import os
import pathlib
import random
import stat
from collections.abc import Sequence
from typing import Any

from .checks import check_positive_int, short_repr
from .engine import Value
from .files import atomic_write

__all__ = [
    "ACTIVATIONS",
    "Module",
    "Neuron",
    "Layer",
    "MLP",
    "squared_error",
    "mse",
    "composed_sigmoid",
    "binary_cross_entropy",
]

# name -> what the neuron applies to z (None: z itself)
ACTIVATIONS = {
    "sigmoid": Value.sigmoid,
    "tanh": Value.tanh,
    "relu": Value.relu,
    "linear": None,
}


def _check_activation(name, where):
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

    def __init__(self, nin, activation="sigmoid", rng=None, limit=1.0, name="n"):
        check_positive_int(nin, "Neuron: nin")
        self.activation = _check_activation(activation, "Neuron")
        rng = rng if rng is not None else random.Random(0)
        self.w = [Value(rng.uniform(-limit, limit), label=f"{name}.w{i}") for i in range(nin)]
        self.b = Value(0.0, label=f"{name}.b")

    def __call__(self, x):
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

    def parameters(self):
        return self.w + [self.b]

    def __repr__(self):
        return f"Neuron({len(self.w)} inputs, {self.activation})"


class Layer(Module):
    """`nout` neurons that all read the same inputs."""

    def __init__(self, nin, nout, activation="sigmoid", rng=None, name="L"):
        check_positive_int(nin, "Layer: nin")
        check_positive_int(nout, "Layer: nout")
        self.activation = _check_activation(activation, "Layer")
        rng = rng if rng is not None else random.Random(0)
        # Glorot/Xavier uniform: keeps the spread of z about the same from layer to
        # layer, so sigmoid units start in their sensitive middle, not saturated.
        limit = math.sqrt(6.0 / (nin + nout))
        self.neurons = [Neuron(nin, activation, rng, limit, name=f"{name}.n{j}") for j in range(nout)]

    def __call__(self, x):
        """The outputs of every neuron for the same inputs `x`, as a list (in neuron order)."""
        # BEGIN LESSON 10
        return [neuron(x) for neuron in self.neurons]
        # END LESSON 10

    def parameters(self):
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

    def __init__(self, nin, nouts, activation="sigmoid", output_activation=None, seed=0):
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
        rng = random.Random(seed)
        sizes = [nin] + nouts
        self.layers = []
        for i in range(len(nouts)):
            last = i == len(nouts) - 1
            layer_activation = output_activation if (last and output_activation is not None) else activation
            self.layers.append(Layer(sizes[i], sizes[i + 1], layer_activation, rng, name=f"L{i}"))
        self.nin = nin
        self.seed = seed

    def __call__(self, x):
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

    def parameters(self):
        """Every layer's parameters, layer by layer, in one list."""
        # BEGIN LESSON 10
        return [p for layer in self.layers for p in layer.parameters()]
        # END LESSON 10

    @property
    def nouts(self):
        return [len(layer.neurons) for layer in self.layers]

    def __repr__(self):
        inner = ", ".join(repr(layer) for layer in self.layers)
        return f"MLP({inner})"

    # ----- saving and loading ---------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The architecture, activations and weights as plain JSON-ready data."""
        return {
            "format": _FORMAT,
            "version": _FORMAT_VERSION,
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
        """Write the model as JSON, atomically (`files.atomic_write`): a crash, a full
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
    def load(cls, path):
        """Read a model written by `save`. Everything is checked before the model is built:
        a missing file raises FileNotFoundError; anything truncated, corrupted or
        inconsistent raises ValueError naming the path and the problem, and so does a
        path that is not a regular file (a folder, a device such as /dev/zero, a named
        pipe) or a file larger than MAX_MODEL_BYTES: those are refused before reading."""
        path = os.fspath(path)
        where = f"MLP.load({path!r})"
        raw = _read_model_file(path, where)
        try:
            data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant, parse_int=_parse_int)
        except UnicodeDecodeError as e:
            raise ValueError(f"{where}: not a text file in UTF-8 (corrupted?): {e}") from None
        except json.JSONDecodeError as e:
            raise ValueError(f"{where}: not valid JSON (truncated or corrupted?): {e}") from None
        except _BadNumber as e:
            raise ValueError(f"{where}: {e}") from None
        except RecursionError:
            raise ValueError(f"{where}: the JSON is nested far too deeply to be a model file") from None
        return cls.from_dict(data, source=where)

    @classmethod
    def from_dict(cls, data, source="MLP.from_dict"):
        """Build a model from `to_dict()` data, after checking all of it."""
        nin, layers = _validate_model_dict(data, source)
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


_FORMAT = "tinygrad_edu.MLP"
_FORMAT_VERSION = 1


# A model file holds about 20 bytes per weight: 64 MiB is some three million weights,
# far more than a scalar engine trains. Anything larger is refused before it is read.
MAX_MODEL_BYTES = 64 * 2**20

# Longer integers are refused while parsing: a float has at most 309 digits before its
# point, and converting a very long digit string to an int takes quadratic time.
_MAX_INT_DIGITS = 1000


class _BadNumber(ValueError):
    pass


def _reject_constant(name):
    # json.loads accepts NaN, Infinity and -Infinity by default; a model never holds them.
    raise _BadNumber(f"the file contains {name}, but every weight must be a finite number")


def _parse_int(text):
    # Python refuses to convert integers of more than 4300 digits, with a message that
    # does not say which file; no model holds such a number anyway.
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise _BadNumber(
            f"the file contains an integer with {len(text.lstrip('-'))} digits "
            f"({text[:20]}...), too large to be a weight or a size"
        )
    return int(text)


def _read_model_file(path, where):
    """The bytes of the regular file `path`, refusing anything else before reading it:
    reading a device such as /dev/zero never ends, and opening a named pipe waits for
    a writer."""
    info = os.stat(path)  # FileNotFoundError for a missing file, as open() would say
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file (a device, a pipe or a socket)"
        raise ValueError(f"{where}: it is {kind}; expected a model file written by MLP.save")
    if info.st_size > MAX_MODEL_BYTES:
        raise ValueError(
            f"{where}: the file has {info.st_size} bytes, more than the {MAX_MODEL_BYTES} a model "
            "file may have; it is not a model written by MLP.save"
        )
    # O_NONBLOCK: should the path be swapped for a named pipe after the check above,
    # opening it still returns at once (and the check on the open file refuses it).
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise ValueError(f"{where}: it is not a regular file; expected a model file written by MLP.save")
        raw = f.read(MAX_MODEL_BYTES + 1)
    if len(raw) > MAX_MODEL_BYTES:
        raise ValueError(f"{where}: the file has more than the {MAX_MODEL_BYTES} bytes a model file may have")
    return raw


def _is_number(x):
    """A finite int or float (not a bool, not an int too large for a float)."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return False
    try:
        return math.isfinite(x)
    except OverflowError:  # an int with hundreds of digits
        return False


def _validate_model_dict(data, source):
    """Check every field of saved model data; return (nin, layers) or raise ValueError."""

    def fail(problem):
        raise ValueError(f"{source}: {problem}")

    if not isinstance(data, dict):
        fail(f"expected a JSON object, got {type(data).__name__}")
    if data.get("format") != _FORMAT:
        fail(f"not a tinygrad_edu model file (format is {short_repr(data.get('format'))}, expected {_FORMAT!r})")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version != _FORMAT_VERSION:
        fail(f"unsupported version {short_repr(data.get('version'))} (this library reads version {_FORMAT_VERSION})")
    nin = data.get("nin")
    if isinstance(nin, bool) or not isinstance(nin, int) or nin < 1:
        fail(f"'nin' must be a positive whole number, got {short_repr(nin)}")
    layers = data.get("layers")
    if not isinstance(layers, list) or not layers:
        fail(f"'layers' must be a non-empty list, got {short_repr(layers)}")
    width_in = nin
    for i, layer in enumerate(layers):
        where = f"layer {i}"
        if not isinstance(layer, dict):
            fail(f"{where} must be an object, got {type(layer).__name__}")
        activation = layer.get("activation")
        if not isinstance(activation, str) or activation not in ACTIVATIONS:
            fail(
                f"{where} has unknown activation {short_repr(activation)}; "
                f"expected one of {', '.join(map(repr, ACTIVATIONS))}"
            )
        weights, biases = layer.get("weights"), layer.get("biases")
        if not isinstance(weights, list) or not weights:
            fail(f"{where}: 'weights' must be a non-empty list of lists, got {short_repr(weights)}")
        if not isinstance(biases, list) or len(biases) != len(weights):
            count = len(biases) if isinstance(biases, list) else biases
            fail(f"{where}: expected {len(weights)} biases (one per neuron), got {short_repr(count)}")
        for j, (row, bias) in enumerate(zip(weights, biases)):
            if not isinstance(row, list) or len(row) != width_in:
                count = len(row) if isinstance(row, list) else row
                fail(f"{where}, neuron {j}: expected {width_in} weights (one per input), got {short_repr(count)}")
            for k, w in enumerate(row):
                if not _is_number(w):
                    fail(f"{where}, neuron {j}, weight {k}: expected a finite number, got {short_repr(w)}")
            if not _is_number(bias):
                fail(f"{where}, neuron {j}, bias: expected a finite number, got {short_repr(bias)}")
        width_in = len(weights)
    return nin, layers


# ----- losses ------------------------------------------------------------------------------


def _pairs(outputs, targets, where):
    """Pair outputs with targets: single values or lists (a single value counts as a list of one)."""
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    targets = list(targets) if isinstance(targets, (list, tuple)) else [targets]
    if len(outputs) != len(targets):
        raise ValueError(f"{where}: got {len(outputs)} outputs but {len(targets)} targets; they must have equal length")
    if not outputs:
        raise ValueError(f"{where}: got no outputs and no targets")
    return list(zip(outputs, targets))


def _as_value(x, where):
    if isinstance(x, Value):
        return x
    try:
        return Value(x)
    except (TypeError, ValueError) as e:
        raise type(e)(f"{where}: {e}") from None


def squared_error(output: Any, target: Any) -> Value:
    """E = 1/2 * sum_k (t_k - a_k)^2, the error of the seeds, for one output (a Value
    or a number) and its target, or for equal-length lists of them."""
    pairs = [(_as_value(a, "squared_error (output)"), t) for a, t in _pairs(output, target, "squared_error")]
    # BEGIN LESSON 11
    total: Any = None
    for a, t in pairs:
        diff = t - a
        term = diff * diff
        total = term if total is None else total + term
    return 0.5 * total
    # END LESSON 11


def mse(outputs: Sequence[Any], targets: Sequence[Any]) -> Value:
    """Mean squared error: 1/N * sum_i (o_i - t_i)^2."""
    # BEGIN CUT WITH LESSON 11
    pairs = _pairs(outputs, targets, "mse")
    total: Any = None
    for o, t in pairs:
        diff = _as_value(o, "mse (output)") - t
        term = diff * diff
        total = term if total is None else total + term
    return total * (1.0 / len(pairs))
    # END CUT WITH LESSON 11


def binary_cross_entropy(outputs: Sequence[Any], targets: Sequence[Any]) -> Value:
    """Mean of -[t log(o) + (1 - t) log(1 - o)], for outputs o in (0, 1) and targets t in [0, 1].

    When an output is a sigmoid node, o = s(z), the loss is computed from z as
    log(1 + e^z) - t z, which stays accurate even where s(z) rounds to 0.0 or 1.0.
    Its derivative is s(z) - t.
    """
    pairs = _pairs(outputs, targets, "binary_cross_entropy")
    total: Any = None
    for o, t in pairs:
        if isinstance(t, Value):
            t_value = t.data
        elif _is_number(t):
            t_value = float(t)
        else:
            raise ValueError(f"binary_cross_entropy: a target must be a number in [0, 1], got {t!r}")
        if not 0.0 <= t_value <= 1.0:
            raise ValueError(f"binary_cross_entropy: a target must be in [0, 1], got {t_value!r}")
        o = _as_value(o, "binary_cross_entropy (output)")
        if o.op == "sigmoid":
            (z,) = o.children
            term = _bce_from_logit(z, t)
        else:
            if not 0.0 < o.data < 1.0:
                raise ValueError(
                    f"binary_cross_entropy: an output must be strictly between 0 and 1, got {o.data!r} "
                    "(pass the sigmoid node itself, so the loss can be computed from its input)"
                )
            term = -(t * o.log() + (1 - t) * (1 - o).log())
        total = term if total is None else total + term
    return total * (1.0 / len(pairs))


def _bce_from_logit(z, t):
    """-[t log s(z) + (1 - t) log(1 - s(z))] = log(1 + e^z) - t z, arranged so that e^(...)
    never overflows and the large terms cancel before they are added:
    (1 - t) z + log(1 + e^-z) for z >= 0, and log(1 + e^z) - t z for z < 0."""
    if z.data >= 0.0:
        return (1 - t) * z + (1 + (-z).exp()).log()
    return (1 + z.exp()).log() - t * z
