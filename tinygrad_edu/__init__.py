"""tinygrad_edu: a scalar reverse-mode autodiff engine for learning backpropagation.

>>> from tinygrad_edu import Value
>>> x = Value(3.0)
>>> y = x * x + x        # y = x^2 + x
>>> y.backward()
>>> x.grad               # dy/dx = 2x + 1
7.0
"""

from .engine import Value
from .nn import MLP

__version__ = "0.1.0"  # the one place the version is written (pyproject.toml reads it)

__all__ = ["Value", "MLP", "__version__"]
