"""Lesson 1: the slope from values alone (the numerical slope of the linear
approximation), then the first two rules: an operation's value and its local
derivatives, checked against that slope.

You write the loop body of numerical_gradient in tinygrad_edu/gradcheck.py, and forward
and local_grads of Add and Mul in tinygrad_edu/ops.py.
"""

import pytest

from tinygrad_edu import Value
from tinygrad_edu.gradcheck import numerical_gradient

pytestmark = pytest.mark.lesson1


def slopes_of(expect, f, xs, h, text):
    """numerical_gradient(f, xs, h), checked to be a list of one float per input."""
    __tracebackhide__ = True
    got = numerical_gradient(f, xs, h)
    ok = isinstance(got, list) and len(got) == len(xs) and all(isinstance(s, float) for s in got)
    expect.true(ok, f"numerical_gradient({text}, {xs}, h={h:g})", f"a list of {len(xs)} float(s)", repr(got))
    return got


def test_the_slope_of_a_parabola(expect):
    """f(x) = x^2 at x = 3, from values of f alone."""
    h = 1e-3
    (got,) = slopes_of(expect, lambda p: p[0] ** 2, [3.0], h, "x^2")
    expect(
        got,
        6.0,
        f"the slope of x^2 at x = 3 from values of f, h = {h:g} (the tangent's slope is 6; "
        f"yours is off by {got - 6.0:.3g}, and an estimate whose error is about h shrinks too slowly)",
        rel=1e-9,
    )


def test_each_input_moves_on_its_own(expect):
    """f(x, y) = x y + y^2 at (2, 3): one slope per input, the other input held still."""
    got = slopes_of(expect, lambda p: p[0] * p[1] + p[1] ** 2, [2.0, 3.0], 1e-4, "x y + y^2")
    expect(got, [3.0, 8.0], "[df/dx, df/dy] of x y + y^2 at (2, 3): how far f moves per unit move of x, of y", rel=1e-7)


def test_f_is_asked_about_nearby_points_only(expect):
    """Every point f is asked about is the given one with one input nudged (or none)."""
    calls = []

    def f(p):
        calls.append(list(p))
        return p[0] * p[1] * p[2]

    slopes_of(expect, f, [1.0, 2.0, 3.0], 1e-5, "x y z")
    for point in calls:
        moved = [i for i, (a, b) in enumerate(zip(point, [1.0, 2.0, 3.0])) if a != b]
        expect.true(
            isinstance(point, list) and len(point) == 3 and len(moved) <= 1,
            "a point numerical_gradient asked f about, for the slopes at (1, 2, 3)",
            "(1, 2, 3) with at most one input nudged",
            repr(point),
        )


def test_how_the_error_shrinks_with_h(expect):
    """x^3 at x = 2: the estimate's error for h = 0.01, then for h = 0.001."""
    errors = []
    for h in (1e-2, 1e-3):
        (got,) = slopes_of(expect, lambda p: p[0] ** 3, [2.0], h, "x^3")
        errors.append(abs(got - 12.0))
    expect.true(
        errors[1] > 0 and 80 < errors[0] / errors[1] < 120,
        "the error of your slope of x^3 at 2 (exact: 12) for h = 0.01, then 0.001",
        "an error about 100 times smaller for the 10 times smaller h (an error like h^2)",
        f"errors {errors[0]:.3g} and {errors[1]:.3g}: {errors[0] / errors[1]:.3g} times smaller"
        if errors[1]
        else f"errors {errors}",
    )


def test_f_may_return_a_value(expect):
    """When f returns a Value, its number is used: the slopes are still plain floats."""
    (got,) = slopes_of(expect, lambda p: Value(p[0] ** 2), [1.5], 1e-4, "Value(x^2)")
    expect(got, 3.0, "the slope of x^2 at 1.5 when f returns a Value", rel=1e-7)


# ----- the first rules ----------------------------------------------------------------------


def test_add_two_values(expect):
    """c = a + b: the value and how far c moves per unit move of a, and of b."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = expect.value(a + b, "c = a + b")
    expect(c.data, -1.0, "c.data for c = a + b with a = 2, b = -3")
    expect(c.op, "+", "c.op, the name of the operation that made c")
    expect(c.children, (a, b), "c.children: the operands a and b, in that order")
    expect.slopes(c.local_grads, lambda a, b: a + b, (2.0, -3.0), "ab", "a + b")


def test_multiply_two_values(expect):
    """c = a * b: the value and how far c moves per unit move of a, and of b."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = expect.value(a * b, "c = a * b")
    expect(c.data, -6.0, "c.data for c = a * b with a = 2, b = -3")
    expect(c.op, "*", "c.op, the name of the operation that made c")
    expect(c.children, (a, b), "c.children: the operands a and b, in that order")
    expect.slopes(c.local_grads, lambda a, b: a * b, (2.0, -3.0), "ab", "a * b")


@pytest.mark.parametrize("point", [(0.5, 4.0), (-1.25, 0.75), (3.0, -2.0)], ids=str)
def test_the_rules_at_other_points(expect, point):
    """The same rules wherever a and b are."""
    for text, build in (("a + b", lambda a, b: a + b), ("a * b", lambda a, b: a * b)):
        c = expect.value(build(Value(point[0]), Value(point[1])), text)
        expect.slopes(c.local_grads, build, point, "ab", text)


@pytest.mark.parametrize(
    "text, build, data",
    [
        ("a + 1", lambda a: a + 1, 3.0),
        ("1 + a", lambda a: 1 + a, 3.0),
        ("a * 4", lambda a: a * 4, 8.0),
        ("4 * a", lambda a: 4 * a, 8.0),
    ],
    ids=["a+1", "1+a", "a*4", "4*a"],
)
def test_a_plain_number_on_either_side(expect, text, build, data):
    """A plain number is not a node: the result has a single child, a."""
    a = Value(2.0, label="a")
    c = expect.value(build(a), text)
    expect(c.data, data, f"({text}).data at a = 2")
    expect(c.children, (a,), f"({text}).children: only a (the number is kept aside, not made a node)")
    expect.slopes(c.local_grads, build, (2.0,), "a", text)


def test_a_times_a_keeps_both_uses(expect):
    """In a * a both operands are a: two children, one local derivative for each use."""
    a = Value(3.0, label="a")
    c = expect.value(a * a, "c = a * a")
    expect(c.data, 9.0, "(a * a).data at a = 3")
    expect(c.children, (a, a), "(a * a).children: a twice, one entry per operand")
    expect.slopes(c.local_grads, lambda x, y: x * y, (3.0, 3.0), "xy", "x * y (both x and y are a)")


def test_operations_leave_their_operands_alone(expect):
    """An operation makes a new node; its operands keep their data and a gradient of 0."""
    a, b = Value(2.0, label="a"), Value(5.0, label="b")
    d = expect.value(a * b + a, "d = a * b + a")
    expect(d.data, 12.0, "(a * b + a).data at a = 2, b = 5")
    expect((a.data, b.data), (2.0, 5.0), "(a.data, b.data) after computing a * b + a")
    expect((a.grad, b.grad, d.grad), (0.0, 0.0, 0.0), "the .grad of a, b and d before any backward()")
