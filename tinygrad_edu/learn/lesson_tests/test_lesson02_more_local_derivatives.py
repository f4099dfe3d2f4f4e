"""Lesson 2: subtraction, negation, division and powers, each with its own rule, each
checked against the slope that a nudge of its operands gives.

You write forward and local_grads of Sub, Neg, Div and Pow in tinygrad_edu/ops.py.
"""

import pytest

from tinygrad_edu import Value

pytestmark = pytest.mark.lesson2

# (expression, how to build it from its node operands, op, the names of those operands);
# the names are the op's own: a and b, or x for the base of a power
TWO_NODES = [
    ("a - b", lambda a, b: a - b, "-", "ab"),
    ("a / b", lambda a, b: a / b, "/", "ab"),
]
ONE_NODE = [
    ("a - 1", lambda a: a - 1, "-", "a"),
    ("1 - a", lambda a: 1 - a, "-", "a"),
    ("-a", lambda a: -a, "neg", "a"),
    ("a / 4", lambda a: a / 4, "/", "a"),
    ("6 / a", lambda a: 6 / a, "/", "a"),
    ("x ** 3", lambda x: x**3, "**", "x"),
    ("x ** 0.5", lambda x: x**0.5, "**", "x"),
    ("x ** -1", lambda x: x**-1, "**", "x"),
]


def check_node(expect, text, build, op, names, point):
    """The node build(...) makes from Values named `names` at `point`: its value, op,
    children and local derivatives."""
    __tracebackhide__ = True
    nodes = tuple(Value(value, label=name) for name, value in zip(names, point))
    where = ", ".join(f"{name} = {value:g}" for name, value in zip(names, point))
    c = expect.value(build(*nodes), text)
    expect(c.data, build(*point), f"({text}).data at {where}")
    expect(c.op, op, f"({text}).op")
    expect(c.children, nodes, f"({text}).children: " + (" and ".join(names) if len(names) > 1 else f"only {names}"))
    expect.slopes(c.local_grads, build, point, names, text)


@pytest.mark.parametrize("text, build, op, names", TWO_NODES, ids=[case[0] for case in TWO_NODES])
def test_two_node_operands(expect, text, build, op, names):
    """The value, the op name, the children and both local derivatives at a = 2, b = 3."""
    check_node(expect, text, build, op, names, (2.0, 3.0))


@pytest.mark.parametrize("text, build, op, names", ONE_NODE, ids=[case[0] for case in ONE_NODE])
def test_one_node_operand(expect, text, build, op, names):
    """One node operand at 2 (a, or x in a power): the value, the op name, the one child
    and its local derivative."""
    check_node(expect, text, build, op, names, (2.0,))


@pytest.mark.parametrize("point", [(0.5, 1.5), (-1.2, 0.7), (3.0, -2.0)], ids=str)
def test_each_rule_at_other_points(expect, point):
    """The same rules wherever the operands are (negative ones too)."""
    builds = [
        ("a - b", lambda a, b: a - b, "ab"),
        ("-a", lambda a: -a, "a"),
        ("a / b", lambda a, b: a / b, "ab"),
        ("x ** 3", lambda x: x**3, "x"),
        ("x ** -2", lambda x: x**-2, "x"),
    ]
    for text, build, names in builds:
        operands = point[: len(names)]
        c = expect.value(build(*(Value(value) for value in operands)), text)
        expect.slopes(c.local_grads, build, operands, names, text)


def test_a_power_of_a_plain_number_has_a_flat_exponent(expect):
    """In x ** c the exponent c is a plain number, not a node, yet Pow's rule has a slot for it."""
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
    """a - b is one '-' node. micrograd builds it as a + (-b), two nodes with the same
    gradient: both are right."""
    a, b = Value(5.0, label="a"), Value(2.0, label="b")
    c = expect.value(a - b, "a - b")
    expect((c.op, c.children), ("-", (a, b)), "(a - b).op and .children: one node with both operands")
    other = expect.value(a + (-b), "a + (-b)")
    expect(other.data, c.data, "(a + (-b)).data versus (a - b).data")
    expect.slopes(other.children[1].local_grads, lambda b: -b, (2.0,), "b", "-b")
