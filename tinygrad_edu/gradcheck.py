"""Checking gradients without the chain rule: slopes from values alone.

The derivative is the slope of the best linear approximation,

    f(x + dx) ~ f(x) + sum_i df/dx_i * dx_i,

so it can be estimated from values of f alone, nudging one input at a time and
watching the output (`numerical_gradient`, whose error shrinks like h^2).

This module uses only the public `Value` API, so it is an independent judge of
`backward()`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from .checks import check_finite_floats, check_positive_finite, describe
from .engine import Value

__all__ = ["numerical_gradient", "gradcheck", "linear_approximation_errors"]


def numerical_gradient(f: Callable[[list[float]], Any], xs: Sequence[float], h: float = 1e-6) -> list[float]:
    """The slope of f along each input, from values of f near xs alone (one input nudged
    by h at a time); the error shrinks like h^2.

    `f` maps a list of floats to a float (it may also return a Value, whose .data is used).
    """
    xs = check_finite_floats(xs, "numerical_gradient")
    h = check_positive_finite(h, "numerical_gradient: the step h")

    def f_at(point: list[float]) -> float:
        out = f(point)
        return out.data if isinstance(out, Value) else float(out)

    slopes = []
    for i in range(len(xs)):
        # BEGIN LESSON 1
        up, down = list(xs), list(xs)
        up[i] += h
        down[i] -= h
        slopes.append((f_at(up) - f_at(down)) / (2.0 * h))
        # END LESSON 1
    return slopes


def gradcheck(f: Callable[[list[Value]], Value], xs: Sequence[float], tol: float = 1e-6, h: float = 1e-6) -> bool:
    """Compare backward() through `f` with numerical slopes (`numerical_gradient`) at `xs`.

    `f` maps a list of Values to a Value. Returns True when every partial derivative
    agrees within `tol` (relative to the size of the numbers, absolute near zero);
    otherwise raises AssertionError naming the input and both numbers.
    """
    xs = check_finite_floats(xs, "gradcheck")
    inputs = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    output = f(inputs)
    if not isinstance(output, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {describe(output)}")
    output.backward()
    numeric = numerical_gradient(lambda point: f([Value(x) for x in point]), xs, h)
    for i, (node, estimate) in enumerate(zip(inputs, numeric)):
        if not math.isfinite(estimate):
            raise AssertionError(
                f"gradcheck: d(output)/d(x{i}) at x{i} = {xs[i]!r}: the numerical slope is {estimate!r}, "
                f"so it cannot judge backward()'s {node.grad!r}; try a smaller step h or a point where f is smaller"
            )
        scale = max(1.0, abs(node.grad), abs(estimate))
        if not abs(node.grad - estimate) <= tol * scale:
            raise AssertionError(
                f"gradcheck: d(output)/d(x{i}) at x{i} = {xs[i]!r}: backward() gives {node.grad!r}, "
                f"the numerical slope is {estimate!r} (difference {abs(node.grad - estimate):.3g}, "
                f"tolerance {tol * scale:.3g})"
            )
    return True


def linear_approximation_errors(
    f: Callable[[list[Value]], Value], xs: Sequence[float], direction: Sequence[float], steps: Sequence[float]
) -> list[float]:
    """How well the tangent plane predicts f: for each step size t, the error

        | f(x + t d) - (f(x) + sum_i df/dx_i * t d_i) |

    with the partial derivatives from backward(). For a smooth f the error shrinks
    like t^2: a step 10x smaller gives an error about 100x smaller.
    `f` maps a list of Values to a Value; returns one error per entry of `steps`.
    """
    xs = check_finite_floats(xs, "linear_approximation_errors")
    direction = check_finite_floats(direction, "linear_approximation_errors", "direction")
    if len(direction) != len(xs):
        raise ValueError(f"linear_approximation_errors: direction has {len(direction)} entries, xs has {len(xs)}")
    inputs = [Value(x) for x in xs]
    base = f(inputs)
    base.backward()
    gradient = [node.grad for node in inputs]
    errors = []
    for t in steps:
        moved = f([Value(x + t * d) for x, d in zip(xs, direction)]).data
        predicted = base.data + sum(g * t * d for g, d in zip(gradient, direction))
        errors.append(abs(moved - predicted))
    return errors
