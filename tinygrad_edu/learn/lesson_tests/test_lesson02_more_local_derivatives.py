"""Lesson 2: subtraction, negation, division and powers, each with its own rule, each
checked against the slope that a nudge of its operands gives.

You write forward and local_grads of Sub, Neg, Div and Pow in tinygrad_edu/ops.py.
"""

import pytest

from tinygrad_edu import Value

pytestmark = pytest.mark.lesson2

# (expression, how to build it from Values or numbers, op, which operands are nodes)
CASES = [
    ("a - b", lambda a, b: a - b, "-", "ab"),
    ("a - 1", lambda a, b: a - 1, "-", "a"),
    ("1 - a", lambda a, b: 1 - a, "-", "a"),
    ("-a", lambda a, b: -a, "neg", "a"),
    ("a / b", lambda a, b: a / b, "/", "ab"),
    ("a / 4", lambda a, b: a / 4, "/", "a"),
    ("6 / a", lambda a, b: 6 / a, "/", "a"),
    ("a ** 3", lambda a, b: a**3, "**", "a"),
    ("a ** 0.5", lambda a, b: a**0.5, "**", "a"),
    ("a ** -1", lambda a, b: a**-1, "**", "a"),
]


def plain(build, names):
    """The expression as a function of plain numbers for the operands that are nodes."""
    if names == "ab":
        return lambda a, b: build(a, b)
    return lambda a: build(a, 3.0)


@pytest.mark.parametrize("text, build, op, names", CASES, ids=[case[0] for case in CASES])
def test_value_and_local_derivatives(expect, text, build, op, names):
    """The value, the op name, the children and the local derivatives at a = 2, b = 3."""
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = expect.value(build(a, b), text)
    expect(c.data, build(2.0, 3.0), f"({text}).data at a = 2, b = 3")
    expect(c.op, op, f"({text}).op")
    expect(c.children, tuple({"a": a, "b": b}[name] for name in names), f"({text}).children")
    point = (2.0, 3.0) if names == "ab" else (2.0,)
    expect.slopes(c.local_grads, plain(build, names), point, names, text)


@pytest.mark.parametrize("point", [(0.5, 1.5), (-1.2, 0.7), (3.0, -2.0)], ids=str)
def test_each_rule_at_other_points(expect, point):
    """The same rules wherever the operands are (negative ones too)."""
    x, y = point
    builds = [
        ("a - b", lambda a, b: a - b, "ab"),
        ("-a", lambda a, b: -a, "a"),
        ("a / b", lambda a, b: a / b, "ab"),
        ("a ** 3", lambda a, b: a**3, "a"),
        ("a ** -2", lambda a, b: a**-2, "a"),
    ]
    for text, build, names in builds:
        c = expect.value(build(Value(x), Value(y)), text)
        if names == "ab":
            expect.slopes(c.local_grads, build, (x, y), names, text)
        else:
            expect.slopes(c.local_grads, lambda a, build=build: build(a, y), (x,), names, text)


def test_a_power_of_a_plain_number_has_a_flat_exponent(expect):
    """In x ** c the exponent c is a plain number, not a node: Pow's rule gives its slot 0."""
    from tinygrad_edu.ops import POW

    out = POW.forward(1.5, 2.5)
    expect(out, 1.5**2.5, "POW.forward(1.5, 2.5), the value of 1.5 ** 2.5")
    local = POW.local_grads(out, 1.5, 2.5)
    expect.true(
        isinstance(local, tuple) and len(local) == 2,
        "POW.local_grads(out, 1.5, 2.5)",
        "a tuple of two: the slope in x, and the slot of the number c",
        repr(local),
    )
    expect(local[1], 0.0, "the second entry of POW.local_grads(out, 1.5, 2.5): the slot of the number 2.5")
    expect.slopes(local[:1], lambda x: x**2.5, (1.5,), "x", "x ** 2.5")


def test_subtraction_is_one_node(expect):
    """a - b is one '-' node. micrograd builds it as a + (-b): two nodes, the same
    gradient, so both are right."""
    a, b = Value(5.0, label="a"), Value(2.0, label="b")
    c = expect.value(a - b, "a - b")
    expect((c.op, c.children), ("-", (a, b)), "(a - b).op and .children: one node with both operands")
    other = expect.value(a + (-b), "a + (-b)")
    expect(other.data, c.data, "(a + (-b)).data versus (a - b).data")
    expect.slopes(other.children[1].local_grads, lambda b: -b, (2.0,), "b", "-b")
