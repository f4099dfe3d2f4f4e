"""Lesson 2: subtraction, negation, division and powers, each with its own rule.

You write forward and local_grads of Sub, Neg, Div and Pow in tinygrad_edu/ops.py.
"""

import math

import pytest

from tinygrad_edu import Value

pytestmark = pytest.mark.lesson2

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
    ("a ** 0.5", lambda a, b: a**0.5, "**", math.sqrt(2.0), "a", (0.5 / math.sqrt(2.0),)),
    ("a ** -1", lambda a, b: a**-1, "**", 0.5, "a", (-0.25,)),
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


@pytest.mark.parametrize("point", [(0.5, 1.5), (-1.2, 0.7), (3.0, -2.0)], ids=str)
def test_each_rule_predicts_a_nudge(expect, point):
    """(f(x + h) - f(x - h)) / 2h, from the values alone, agrees with every local derivative."""
    h = 1e-6
    x, y = point
    builds = [
        ("a - b", lambda a, b: a - b),
        ("-a", lambda a, b: -a),
        ("a / b", lambda a, b: a / b),
        ("a ** 3", lambda a, b: a**3),
        ("a ** -2", lambda a, b: a**-2),
    ]
    for text, build in builds:
        a, b = Value(x, label="a"), Value(y, label="b")
        c = expect.value(build(a, b), text)
        slopes = []
        for child in c.children:
            up_a, up_b = (x + h, y) if child is a else (x, y + h)
            down_a, down_b = (x - h, y) if child is a else (x, y - h)
            up = build(Value(up_a), Value(up_b)).data
            down = build(Value(down_a), Value(down_b)).data
            slopes.append((up - down) / (2 * h))
        expect(
            c.local_grads,
            tuple(slopes),
            f"({text}).local_grads at a = {x}, b = {y} versus nudging each operand by 1e-6",
            rel=1e-5,
            abs=1e-7,
        )


def test_subtraction_is_one_node(expect):
    """a - b is one '-' node with local derivatives (1, -1). micrograd builds it as
    a + (-b): two nodes, the same gradient, so both are right."""
    a, b = Value(5.0, label="a"), Value(2.0, label="b")
    c = expect.value(a - b, "a - b")
    expect((c.op, c.children), ("-", (a, b)), "(a - b).op and .children: one node with both operands")
    other = expect.value(a + (-b), "a + (-b)")
    expect(other.data, c.data, "(a + (-b)).data versus (a - b).data")
    expect(other.children[1].local_grads, (-1.0,), "the local derivative of -b in micrograd's a + (-b)")
