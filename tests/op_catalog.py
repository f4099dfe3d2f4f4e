"""One catalog of every operation, written three ways: on Values, on plain floats
(the `math` module), and on torch tensors. The tests run the same catalog through
each, so a self-consistent but wrong forward pass and a wrong derivative are both
caught.

Each entry lists the points it is checked at: its valid domain is explicit.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass


def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


@dataclass(frozen=True)
class Op:
    name: str
    on_values: Callable  # list of Values -> Value
    on_floats: Callable  # list of floats -> float (the math-module reference)
    on_tensors: Callable  # list of torch tensors -> tensor
    points: tuple  # tuples of inputs, inside the op's domain

    def __str__(self):
        return self.name


ANY = (-2.5, -0.3, 0.7, 3.1)
POSITIVE = (0.2, 1.0, 3.7)
PAIRS = ((-2.5, 1.5), (0.7, -0.4), (3.0, 2.0))
POSITIVE_BASE_PAIRS = ((0.5, 1.5), (2.0, -0.7), (3.0, 2.0))
NONZERO_DIVISOR_PAIRS = ((-2.5, 1.5), (0.7, -0.4), (3.0, 0.25))

OPS = [
    # two Values
    Op("a + b", lambda v: v[0] + v[1], lambda x: x[0] + x[1], lambda t: t[0] + t[1], PAIRS),
    Op("a - b", lambda v: v[0] - v[1], lambda x: x[0] - x[1], lambda t: t[0] - t[1], PAIRS),
    Op("a * b", lambda v: v[0] * v[1], lambda x: x[0] * x[1], lambda t: t[0] * t[1], PAIRS),
    Op("a / b", lambda v: v[0] / v[1], lambda x: x[0] / x[1], lambda t: t[0] / t[1], NONZERO_DIVISOR_PAIRS),
    Op("a ** b", lambda v: v[0] ** v[1], lambda x: x[0] ** x[1], lambda t: t[0] ** t[1], POSITIVE_BASE_PAIRS),
    Op("a * a", lambda v: v[0] * v[0], lambda x: x[0] * x[0], lambda t: t[0] * t[0], [(p,) for p in ANY]),
    # a Value and a number, on either side
    Op("a + 2", lambda v: v[0] + 2, lambda x: x[0] + 2, lambda t: t[0] + 2, [(p,) for p in ANY]),
    Op("2 + a", lambda v: 2 + v[0], lambda x: 2 + x[0], lambda t: 2 + t[0], [(p,) for p in ANY]),
    Op("a - 2", lambda v: v[0] - 2, lambda x: x[0] - 2, lambda t: t[0] - 2, [(p,) for p in ANY]),
    Op("2 - a", lambda v: 2 - v[0], lambda x: 2 - x[0], lambda t: 2 - t[0], [(p,) for p in ANY]),
    Op("a * 3", lambda v: v[0] * 3, lambda x: x[0] * 3, lambda t: t[0] * 3, [(p,) for p in ANY]),
    Op("3 * a", lambda v: 3 * v[0], lambda x: 3 * x[0], lambda t: 3 * t[0], [(p,) for p in ANY]),
    Op("a / 4", lambda v: v[0] / 4, lambda x: x[0] / 4, lambda t: t[0] / 4, [(p,) for p in ANY]),
    Op("4 / a", lambda v: 4 / v[0], lambda x: 4 / x[0], lambda t: 4 / t[0], [(p,) for p in ANY]),
    Op("2 ** a", lambda v: 2 ** v[0], lambda x: 2 ** x[0], lambda t: 2 ** t[0], [(p,) for p in ANY]),
    Op("a ** 2", lambda v: v[0] ** 2, lambda x: x[0] ** 2, lambda t: t[0] ** 2, [(p,) for p in ANY]),
    Op("a ** 3", lambda v: v[0] ** 3, lambda x: x[0] ** 3, lambda t: t[0] ** 3, [(p,) for p in ANY]),
    Op("a ** -1", lambda v: v[0] ** -1, lambda x: x[0] ** -1, lambda t: t[0] ** -1, [(p,) for p in ANY]),
    Op("a ** 0.5", lambda v: v[0] ** 0.5, lambda x: x[0] ** 0.5, lambda t: t[0] ** 0.5, [(p,) for p in POSITIVE]),
    Op("a ** 1.5", lambda v: v[0] ** 1.5, lambda x: x[0] ** 1.5, lambda t: t[0] ** 1.5, [(p,) for p in POSITIVE]),
    # one Value
    Op("-a", lambda v: -v[0], lambda x: -x[0], lambda t: -t[0], [(p,) for p in ANY]),
    Op("exp(a)", lambda v: v[0].exp(), lambda x: math.exp(x[0]), lambda t: t[0].exp(), [(p,) for p in ANY]),
    Op("log(a)", lambda v: v[0].log(), lambda x: math.log(x[0]), lambda t: t[0].log(), [(p,) for p in POSITIVE]),
    Op("tanh(a)", lambda v: v[0].tanh(), lambda x: math.tanh(x[0]), lambda t: t[0].tanh(), [(p,) for p in ANY]),
    Op("sigmoid(a)", lambda v: v[0].sigmoid(), lambda x: _sigmoid(x[0]), lambda t: t[0].sigmoid(), [(p,) for p in ANY]),
    Op("relu(a)", lambda v: v[0].relu(), lambda x: max(0.0, x[0]), lambda t: t[0].relu(), [(p,) for p in ANY]),
]

CASES = [(op, point) for op in OPS for point in op.points]
CASE_IDS = [f"{op.name} at {point}" for op, point in CASES]
