"""Moving an MLP between tinygrad_edu and PyTorch.

    >>> from tinygrad_edu import MLP
    >>> from tinygrad_edu.interop import to_torch, from_torch
    >>> net = to_torch(MLP(2, [4, 1], activation="tanh"))   # doctest: +SKIP
    >>> net                                                 # doctest: +SKIP
    Sequential(
      (0): Linear(in_features=2, out_features=4, bias=True)
      (1): Tanh()
      (2): Linear(in_features=4, out_features=1, bias=True)
      (3): Tanh()
    )

A tinygrad_edu layer of neurons is one ``torch.nn.Linear`` followed by its
activation: neuron j's weights are row j of ``linear.weight`` and its bias is
``linear.bias[j]``. So the same network can be run (and differentiated) by both
libraries, and the numbers compared.

PyTorch is optional. It is imported inside the two functions, never when this
module is imported, so ``import tinygrad_edu.interop`` works without it.
"""

from __future__ import annotations

import math
from typing import Any

from .checks import describe, short_repr
from .nn import MLP
from .nn.model_file import gc_paused

__all__ = ["to_torch", "from_torch"]

INSTALL_HINT = (
    "pip install '.[torch]' from a checkout of tinygrad_edu (it pins torch==2.13.0 and adds numpy; "
    "once tinygrad-edu is published: pip install 'tinygrad-edu[torch]')"
)

# tinygrad_edu activation name -> name of the torch.nn module class that computes it
_TORCH_ACTIVATIONS = {
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "relu": "ReLU",
    "linear": "Identity",
}


def _import_torch(where):
    """The torch module, or an ImportError that says how to install it."""
    try:
        import torch
    except ImportError as error:
        raise ImportError(
            f"{where} needs PyTorch, which is not installed. Install it with: {INSTALL_HINT}",
            name="torch",
        ) from error
    return torch


def _short_repr(x: Any) -> str:
    return short_repr(x, 100)


def _describe(x: Any) -> str:
    """The type and a short repr of `x`, for error messages."""
    return describe(x, 100)


# ----- tinygrad_edu -> torch ---------------------------------------------------------------


def to_torch(mlp: MLP) -> Any:
    """An equivalent ``torch.nn.Sequential`` in float64: for each layer, a
    ``torch.nn.Linear`` holding the same weights and biases, followed by
    ``Sigmoid``, ``Tanh``, ``ReLU`` or ``Identity`` (for "linear").

    Its forward takes a float64 tensor of shape ``(nin,)`` or ``(batch, nin)``.
    The weights are copied: training one network does not change the other.
    Creating the module does not draw from torch's random number generator.
    """
    layers = _read_mlp(mlp)
    torch = _import_torch("to_torch")
    nn = torch.nn
    modules = []
    with gc_paused():  # a deep network is hundreds of thousands of modules
        for activation, weights, biases in layers:
            modules += [_linear(torch, weights, biases), getattr(nn, _TORCH_ACTIVATIONS[activation])()]
        return nn.Sequential(*modules)


def _linear(torch: Any, weights: list[list[float]], biases: list[float]) -> Any:
    """A torch.nn.Linear holding these weights and biases, made without its random
    initialisation (which costs most of the time for a deep network, and draws from
    torch's generator): the attributes Linear.__init__ sets, set to our numbers."""
    nn = torch.nn
    linear = nn.Linear.__new__(nn.Linear)
    nn.Module.__init__(linear)
    linear.in_features, linear.out_features = len(weights[0]), len(weights)
    linear.weight = nn.Parameter(torch.tensor(weights, dtype=torch.float64))
    linear.bias = nn.Parameter(torch.tensor(biases, dtype=torch.float64))
    return linear


def _read_mlp(mlp: Any) -> list[tuple[str, list[list[float]], list[float]]]:
    """Check `mlp` and return its layers as (activation, weight rows, biases) in floats."""
    if not isinstance(mlp, MLP):
        raise TypeError(f"to_torch: expected a tinygrad_edu MLP such as MLP(2, [4, 1]), got {_describe(mlp)}")
    layers = []
    width_in = mlp.nin
    for i, layer in enumerate(mlp.layers):
        activation = layer.activation
        if activation not in _TORCH_ACTIVATIONS:
            expected = ", ".join(map(repr, _TORCH_ACTIVATIONS))
            raise ValueError(f"to_torch: layer {i} has unknown activation {activation!r}; expected one of {expected}")
        if not layer.neurons:
            raise ValueError(f"to_torch: layer {i} has no neurons; every layer needs at least one")
        weights, biases = [], []
        for j, neuron in enumerate(layer.neurons):
            where = f"layer {i}, neuron {j}"
            if neuron.activation != activation:
                raise ValueError(
                    f"to_torch: {where} uses {neuron.activation!r} but its layer uses {activation!r}; "
                    "a torch Linear layer applies one activation to all its outputs"
                )
            if len(neuron.w) != width_in:
                raise ValueError(f"to_torch: {where} has {len(neuron.w)} weights, expected {width_in} (one per input)")
            weights.append([_finite(w.data, f"{where}, weight {k}") for k, w in enumerate(neuron.w)])
            biases.append(_finite(neuron.b.data, f"{where}, bias"))
        layers.append((activation, weights, biases))
        width_in = len(layer.neurons)
    return layers


def _finite(x: float, where: str) -> float:
    if not math.isfinite(x):
        raise ValueError(f"to_torch: {where} is {x!r}; expected a finite number")
    return x


# ----- torch -> tinygrad_edu ---------------------------------------------------------------


def from_torch(module: Any) -> MLP:
    """A tinygrad_edu MLP computing the same function as `module`.

    Accepted: a ``torch.nn.Sequential`` (nested ones are read as one) of
    ``torch.nn.Linear`` layers, each optionally followed by one activation:
    ``Sigmoid``, ``Tanh``, ``ReLU`` or ``Identity`` (a Linear with none is
    "linear"), or a single ``torch.nn.Linear``. This is what `to_torch` makes.
    A Linear made with ``bias=False`` becomes neurons with bias 0. Weights of any
    floating dtype are read exactly as float64. Anything else raises ValueError
    naming the layer that has no tinygrad_edu equivalent.
    """
    torch = _import_torch("from_torch")
    nn = torch.nn
    if not isinstance(module, nn.Module):
        raise TypeError(
            f"from_torch: expected a torch.nn.Sequential of Linear layers and activations, got {_describe(module)}"
        )
    activation_names = {getattr(nn, cls): name for name, cls in _TORCH_ACTIVATIONS.items()}
    if _plain(module, [nn.Sequential, nn.Linear, *activation_names]) is None:
        raise ValueError(
            f"from_torch: expected a torch.nn.Sequential of Linear layers and activations (or a single Linear), "
            f"got {_short_repr(module)}"
        )
    data_layers: list[dict[str, Any]] = []
    width_in, previous = None, None
    for path, linear, activation in _linear_layers(module, nn, activation_names):
        weights, biases = _read_linear(torch, path, linear)
        if width_in is not None and len(weights[0]) != width_in:
            raise ValueError(
                f"from_torch: {_where(path)} {linear!r} takes {len(weights[0])} inputs, but the Linear before it "
                f"({_where(previous)}) gives {width_in} outputs; expected in_features={width_in}"
            )
        width_in, previous = len(weights), path
        data_layers.append({"activation": activation or "linear", "weights": weights, "biases": biases})
    _refuse_hooks(torch, module)  # after the layers: a lazy Linear's own pre-hook is named there
    nin = len(data_layers[0]["weights"][0])
    # Build through MLP.from_dict, which checks everything once more; the header
    # (format name and version) is taken from to_dict so the two never drift apart.
    data = MLP(1, [1], activation="linear").to_dict()
    data.update(nin=nin, layers=data_layers)
    return MLP.from_dict(data, source="from_torch")


# The hooks torch runs around a module's forward and backward, by the attribute that holds
# them on a module and on torch.nn.modules.module for every module.
_HOOKS = {
    "forward hook": ("_forward_hooks", "_global_forward_hooks"),
    "forward pre-hook": ("_forward_pre_hooks", "_global_forward_pre_hooks"),
    "backward hook": ("_backward_hooks", "_global_backward_hooks"),
    "backward pre-hook": ("_backward_pre_hooks", "_global_backward_pre_hooks"),
}


def _refuse_hooks(torch: Any, module: Any) -> None:
    """ValueError when a hook may change what `module` computes: the copy would not have it."""
    registry = torch.nn.modules.module
    for kind, (own, every) in _HOOKS.items():
        if getattr(registry, every, None):
            raise ValueError(
                f"from_torch: a {kind} for every module is registered (torch.nn.modules.module.register_module_...); "
                "a hook can change what the module computes and the MLP would not have it: remove it first"
            )
        for path, item in module.named_modules():
            hooks = getattr(item, own, None)
            if hooks:
                names = ", ".join(getattr(hook, "__qualname__", repr(hook)) for hook in hooks.values())
                raise ValueError(
                    f"from_torch: {_where(path)} {_short_repr(item)} has a {kind} ({names}); a hook can change "
                    "what the module computes and the MLP would not have it: remove it first (handle.remove())"
                )


def _linear_layers(module: Any, nn: Any, activation_names: dict[Any, str]) -> list[list[Any]]:
    """[path, Linear, the name of the activation after it or None] for each Linear of
    `module`, in order; ValueError for anything else than a Linear and its activation."""
    accepted = [nn.Linear, *activation_names]
    layers: list[list[Any]] = []
    for path, item in _flatten(module, nn):
        kind = _plain(item, accepted)
        if kind is nn.Linear:
            layers.append([path, item, None])
        elif kind is nn.Identity:
            continue  # computes nothing: allowed anywhere
        elif kind is not None:
            if not layers:
                raise ValueError(
                    f"from_torch: {_where(path)} {item!r} comes before any Linear layer; expected a Linear first"
                )
            if layers[-1][2] is not None:
                raise ValueError(
                    f"from_torch: {_where(path)} {item!r} follows another activation ({layers[-1][2]}); "
                    "expected at most one activation after each Linear layer"
                )
            layers[-1][2] = activation_names[kind]
        else:
            raise ValueError(
                f"from_torch: unsupported layer {_where(path)}: {_short_repr(item)}; expected torch.nn.Linear layers, "
                "each optionally followed by one of torch.nn.Sigmoid, Tanh, ReLU or Identity"
            )
    if not layers:
        raise ValueError(f"from_torch: {_short_repr(module)} contains no Linear layer; expected at least one")
    return layers


def _flatten(module, nn):
    """Yield (path, module) for `module` itself, or for each item of a Sequential,
    with nested Sequentials opened (paths as in ``named_modules``: "0", "2.1")."""
    if _plain(module, [nn.Sequential]) is None:
        yield "", module
        return
    # An explicit stack of (path, children not yet visited), as in every walk of this package.
    stack = [("", iter(module.named_children()))]
    while stack:
        prefix, children = stack[-1]
        entry = next(children, None)
        if entry is None:
            stack.pop()
            continue
        name, child = entry
        path = f"{prefix}.{name}" if prefix else name
        if _plain(child, [nn.Sequential]) is not None:
            stack.append((path, iter(child.named_children())))
        else:
            yield path, child


def _plain(module, classes):
    """The class in `classes` that `module` is an instance of, provided its forward is
    that class's own (a subclass that changes forward computes something else); else None."""
    for cls in classes:
        if isinstance(module, cls) and type(module).forward is cls.forward:
            return cls
    return None


def _where(path):
    return f"item {path!r}" if path else "the module"


def _read_linear(torch: Any, path: str, linear: Any) -> tuple[list[list[float]], list[float]]:
    """The weight rows and biases of one Linear as float64 Python floats, checked."""
    where = f"from_torch: {_where(path)} {linear!r}"
    weight, bias = linear.weight, linear.bias
    for name, tensor in (("weight", weight), ("bias", bias)):
        if tensor is not None:
            _check_tensor(torch, tensor, f"{where}: its {name}")
    expected_shape = (linear.out_features, linear.in_features)
    if weight.dim() != 2 or tuple(weight.shape) != expected_shape or 0 in expected_shape:
        raise ValueError(
            f"{where}: weight has shape {tuple(weight.shape)}; expected (out_features, in_features) = "
            f"{expected_shape}, both at least 1"
        )
    if bias is not None and tuple(bias.shape) != (linear.out_features,):
        raise ValueError(f"{where}: bias has shape {tuple(bias.shape)}; expected ({linear.out_features},)")
    # float16/32 -> float64 is exact, so the weights are read without rounding.
    weights = weight.detach().to(device="cpu", dtype=torch.float64).tolist()
    if bias is None:
        biases = [0.0] * linear.out_features
    else:
        biases = bias.detach().to(device="cpu", dtype=torch.float64).tolist()
    for j, row in enumerate(weights):
        for k, w in enumerate(row):
            if not math.isfinite(w):
                raise ValueError(f"{where}: weight[{j}, {k}] is {w!r}; expected a finite number")
        if not math.isfinite(biases[j]):
            raise ValueError(f"{where}: bias[{j}] is {biases[j]!r}; expected a finite number")
    return weights, biases


def _check_tensor(torch: Any, tensor: Any, what: str) -> None:
    """A weight or bias tensor must hold real floating-point values (not lazy, not on the meta device)."""
    if torch.nn.parameter.is_lazy(tensor):
        raise ValueError(f"{what} is not initialised yet; expected a Linear with values (run it once first)")
    if tensor.is_meta:
        raise ValueError(f"{what} is on the meta device and has no values; expected real numbers")
    if not tensor.is_floating_point():
        raise ValueError(f"{what} has dtype {tensor.dtype}; expected a real floating-point dtype")
