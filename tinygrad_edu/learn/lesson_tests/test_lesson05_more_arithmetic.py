"""Lesson 5: subtraction, negation, division and powers, each with its local derivatives,
and errors raised at the operation that goes wrong.

You write Value.__sub__, __rsub__, __neg__, __truediv__, __rtruediv__, __pow__ and
__rpow__ in tinygrad_edu/engine.py.
"""

import math

import pytest

from tinygrad_edu import Value

pytestmark = pytest.mark.lesson5

LN2 = math.log(2.0)

# a = 2, b = 3: (expression, how to build it, op, data, which children, local derivatives)
CASES = [
    ("a - b", lambda a, b: a - b, "-", -1.0, "ab", (1.0, -1.0)),
    ("a - 1", lambda a, b: a - 1, "-", 1.0, "a", (1.0,)),
    ("1 - a", lambda a, b: 1 - a, "-", -1.0, "a", (-1.0,)),
    ("-a", lambda a, b: -a, "neg", -2.0, "a", (-1.0,)),
    ("a / b", lambda a, b: a / b, "/", 2 / 3, "ab", (1 / 3, -2 / 9)),
    ("a / 4", lambda a, b: a / 4, "/", 0.5, "a", (0.25,)),
    ("6 / a", lambda a, b: 6 / a, "/", 3.0, "a", (-1.5,)),
    ("a ** 3", lambda a, b: a**3, "**", 8.0, "a", (12.0,)),
    ("a ** b", lambda a, b: a**b, "**", 8.0, "ab", (12.0, 8 * LN2)),
    ("2 ** a", lambda a, b: 2**a, "**", 4.0, "a", (4 * LN2,)),
]


@pytest.mark.parametrize("text, build, op, data, children, local", CASES, ids=[case[0] for case in CASES])
def test_value_and_local_derivatives(expect, text, build, op, data, children, local):
    """The value, the op name, the children and d(result)/d(child) for each child."""
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = expect.value(build(a, b), text)
    expect(c.data, data, f"({text}).data at a = 2, b = 3")
    expect(c.op, op, f"({text}).op")
    expect(c.children, tuple({"a": a, "b": b}[name] for name in children), f"({text}).children")
    expect(c.local_grads, local, f"({text}).local_grads at a = 2, b = 3")


def test_errors_are_raised_at_the_operation(expect):
    """A mistake raises where it happens, never a silent NaN, infinity or complex number."""
    expect.raises(ZeroDivisionError, lambda: Value(1.0) / 0, "Value(1) / 0")
    expect.raises(ZeroDivisionError, lambda: Value(1.0) / Value(0.0), "Value(1) / Value(0)")
    expect.raises(ZeroDivisionError, lambda: 1 / Value(0.0), "1 / Value(0)")
    expect.raises(ZeroDivisionError, lambda: Value(0.0) ** -1, "Value(0) ** -1")
    expect.raises(ValueError, lambda: Value(-8.0) ** (1 / 3), "Value(-8) ** (1/3): not a real number")
    expect.raises(ValueError, lambda: Value(-2.0) ** Value(2.0),
                  "Value(-2) ** Value(2): d/dy (x^y) = x^y ln x needs x > 0")


@pytest.mark.parametrize("point", [[0.5, 1.5], [-1.2, 0.7], [3.0, -2.0]], ids=str)
def test_gradcheck_on_a_mixed_expression(expect, point):
    """backward() through every new operation agrees with central differences."""

    def f(v):
        a, b = v
        return (a - b) / (a**2 + 1) + 2**b - (-a) * 3 - 1 / (b * b + 1)

    expect.gradients_check(f, point, "(a - b)/(a^2 + 1) + 2^b + 3a - 1/(b^2 + 1)")
