"""Neural networks built from Values: the models (neurons, layers, MLPs), the losses, and
the file format of a saved model.

Nothing in this package knows about derivatives: `loss.backward()` finds every dE/dw
by the chain rule, and `tinygrad_edu.backprop` checks that the textbook formulas give
the same numbers.
"""

from .losses import binary_cross_entropy, mse, squared_error
from .model_file import MAX_MODEL_BYTES
from .models import ACTIVATIONS, MLP, Layer, Module, Neuron, composed_sigmoid

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
    "MAX_MODEL_BYTES",
]
