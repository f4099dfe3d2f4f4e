"""Lesson 4: backward() finds d(output)/d(node) for every node in one sweep over the
topological order: the chain rule, one node at a time. Each gradient is checked
against a nudge of that input.

You write the sweep in Value.backward in tinygrad_edu/engine.py.
"""

import math

import pytest

from tinygrad_edu import Value

pytestmark = pytest.mark.lesson4


def close(x, y):
    return isinstance(x, float) and math.isclose(x, y, rel_tol=1e-6, abs_tol=1e-9)


def check_gradient(expect, name, received, f, point, text, note=""):
    """received, a .grad, beside the slope a nudge of the input gives."""
    __tracebackhide__ = True
    slope = expect.nudged(f, point)
    if not close(received, slope):
        expect.fail(
            f"your d({text})/d{name} at {name} = {point[0]:g} is {received!r};\n"
            f"nudging {name} by 1e-06 moves {text} by {slope:.6g} per unit{note}",
            f"{slope:.6g}",
            repr(received),
        )


def counted_twice_note(received, expected, earlier, name, via_interior=0.0, interior=""):
    """When a leaf's .grad is `expected` (its `earlier` gradient plus this call's) plus
    `earlier` once more (and, with `via_interior`, what the node `interior`, which kept its
    own earlier gradient, passed on too), say where the extra came from."""
    if not isinstance(received, float) or not close(received, expected + earlier + via_interior):
        return ""
    note = (
        f"\nthe gradient from earlier calls was counted twice: {name}.grad was {earlier:g} when "
        f"this call began and your sweep added to it, then the code after your lines added "
        f"those {earlier:g} back"
    )
    if via_interior:
        note += (
            f"; {interior} still held its gradient from the earlier call too, and passed "
            f"{via_interior:g} more on to {name}"
        )
    total = f" + {via_interior:g}" if via_interior else ""
    return note + f" ({expected:g} + {earlier:g}{total} = {received:g})"


def test_the_output_of_a_sum(expect):
    """c = a + b: the gradients of c, a and b after c.backward()."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a + b
    c.backward()
    expect(c.grad, 1.0, "c.grad after c.backward(): how far c moves per unit move of c itself")
    check_gradient(expect, "a", a.grad, lambda a: a + -3.0, (2.0,), "a + b")
    check_gradient(expect, "b", b.grad, lambda b: 2.0 + b, (-3.0,), "a + b")


def test_a_times_b_plus_a(expect):
    """c = a*b + a at a = 2, b = -3."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b + a
    c.backward()
    expect(c.grad, 1.0, "c.grad after c.backward()")
    check_gradient(expect, "a", a.grad, lambda a: a * -3.0 + a, (2.0,), "a*b + a")
    check_gradient(expect, "b", b.grad, lambda b: 2.0 * b + 2.0, (-3.0,), "a*b + a")


def test_a_node_used_by_two_nodes(expect):
    """d = (a*2) * (a+1) at a = 1.5: a feeds two nodes, and each passes a share back."""
    a = Value(1.5, label="a")
    b, c = a * 2, a + 1
    d = b * c
    d.backward()
    through_b, through_c = c.data * 2, b.data * 1  # d's slope in b (that is c) times 2; in c (b) times 1
    note = ""
    if close(a.grad, through_b) or close(a.grad, through_c):
        kept, lost = ("a*2", "a+1") if close(a.grad, through_b) else ("a+1", "a*2")
        note = (
            f"\na is used by two nodes: the share through a*2 is {through_b:g}, through a+1 "
            f"{through_c:g}. Your a.grad is the share through {kept} alone: the share through "
            f"{lost} was lost"
        )
    elif a.grad == 0.0 and close(b.grad, c.data) and close(c.grad, b.data):
        note = (
            f"\nb and c have their gradients ({b.grad:g}, {c.grad:g}), but a got nothing: b and "
            "c passed theirs on before d had given them theirs"
        )
    check_gradient(expect, "a", a.grad, lambda a: (a * 2) * (a + 1), (1.5,), "(a*2) * (a+1)", note)


def test_a_times_a_plus_a(expect):
    """y = a*a + a at a = 3: a is used three times."""
    a = Value(3.0, label="a")
    square = a * a
    y = square + a
    y.backward()
    note = ""
    if close(a.grad, 3.0):
        note = (
            "\na is used three times: twice by a*a (3 each) and once by the sum (1). "
            "Your a.grad is one of those shares; the others were lost"
        )
    elif close(a.grad, 1.0) and close(square.grad, 1.0):
        note = "\na*a got its gradient (1) only after it had passed its shares on to a"
    check_gradient(expect, "a", a.grad, lambda a: a * a + a, (3.0,), "a*a + a", note)


def test_every_operation_so_far(expect):
    """y = (3a^2 - 2/a) / (1 - a) at a = 2."""
    a = Value(2.0, label="a")
    y = (3 * a**2 - 2 / a) / (1 - a)
    y.backward()
    check_gradient(expect, "a", a.grad, lambda a: (3 * a**2 - 2 / a) / (1 - a), (2.0,), "(3a^2 - 2/a) / (1 - a)")


def test_backward_twice(expect):
    """y = a*a + a at a = 3, and y.backward() called twice.

    Leaves add the two calls' gradients up (as in PyTorch; the code after your lines does
    it); every other node holds this call's gradient."""
    a = Value(3.0, label="a")
    square = a * a
    y = square + a
    y.backward()
    first = a.grad
    y.backward()
    if not close(a.grad, 14.0):
        # a*a still holding its first gradient passes the excess on to a, 2a = 6 per unit
        via_square = (square.grad - 1.0) * 6.0 if isinstance(square.grad, float) else 0.0
        expect.fail(
            "a.grad after calling backward() twice on y = a*a + a at a = 3 (twice 7)"
            + counted_twice_note(a.grad, 14.0, first, "a", via_square, "a*a"),
            "14.0",
            repr(a.grad),
        )
    expect(square.grad, 1.0, "(a*a).grad after two backward() calls: this call's dy/d(a*a), not the sum of two")
    expect(y.grad, 1.0, "y.grad after two backward() calls")


def test_a_leaf_that_had_a_gradient(expect):
    """A leaf whose .grad is 10 before backward() (from an earlier call)."""
    a, b = Value(2.0, label="a"), Value(5.0, label="b")
    a.grad = 10.0
    c = a * b
    c.backward()
    if not close(a.grad, 15.0):
        expect.fail(
            "a.grad after c = a * b, c.backward(), when a.grad was 10 before (10 + b)"
            + counted_twice_note(a.grad, 15.0, 10.0, "a"),
            "15.0",
            repr(a.grad),
        )
    expect(b.grad, 2.0, "b.grad after c.backward(), b.grad 0 before (a)")


def test_a_chain_three_hundred_deep(expect):
    """backward() through 300 multiplications by 1.01."""
    a = Value(0.5, label="a")
    x = a
    for _ in range(300):
        x = x * 1.01
    x.backward()
    expect(a.grad, 1.01**300, "a.grad at the bottom of a chain of 300 multiplications by 1.01", rel=1e-12)


@pytest.mark.parametrize("x", [-1.3, 0.4, 2.2])
def test_a_longer_expression(expect, x):
    """f = (a + 1)^2 * (a - 2) / (a * a + 1): every operation of lessons 1 and 2, more paths."""
    a = Value(x, label="a")
    f = (a + 1) ** 2 * (a - 2) / (a * a + 1)
    f.backward()

    def plain(a):
        return (a + 1) ** 2 * (a - 2) / (a * a + 1)

    check_gradient(expect, "a", a.grad, plain, (x,), "(a + 1)^2 (a - 2) / (a^2 + 1)")
