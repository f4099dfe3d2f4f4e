"""micrograd's API on tinygrad_edu's engine, for learners following micrograd and its lecture.

A program written for micrograd 0.1.0 runs on this engine with its imports changed:

    from micrograd.engine import Value            ->  from tinygrad_edu.micrograd.engine import Value
    from micrograd.nn import Neuron, Layer, MLP   ->  from tinygrad_edu.micrograd.nn import Neuron, Layer, MLP

`nn` builds the same networks as micrograd (ReLU hidden layers, a linear last
layer, weights drawn from Python's global `random` in the same order), so after
the same ``random.seed(...)`` the losses and parameters agree step by step.
`engine.Value` is `tinygrad_edu.Value` itself, with micrograd's ``_prev``, ``_op``
and ``_backward()`` next to its own names.
"""

from . import engine, nn
from .engine import Value

__all__ = ["engine", "nn", "Value"]
