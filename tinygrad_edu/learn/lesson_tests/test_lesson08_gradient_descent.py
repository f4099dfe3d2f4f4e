"""Lesson 8: gradient descent: steps downhill, with the slope from backward().

You write one step of gradient_descent in tinygrad_edu/optim.py.
"""

import pytest

from tinygrad_edu.optim import gradient_descent

pytestmark = pytest.mark.lesson8


def parabola(x):
    return x**2 - 4 * x + 6  # the minimum is at x = 2


def test_the_first_steps_of_seed_003(expect):
    """From 8 with lr 0.1 on x^2 - 4x + 6: the textbook path."""
    path = gradient_descent(parabola, 8.0, lr=0.1, steps=4)
    expect(path, [8.0, 6.8, 5.84, 5.072, 4.4576], "gradient_descent(x^2 - 4x + 6, 8, lr=0.1, steps=4)", rel=1e-12)


def test_the_distance_to_the_minimum(expect):
    """The distance to the minimum 2 along the path; after 30 steps x is within 0.01 of it."""
    path = gradient_descent(parabola, 8.0, lr=0.1, steps=30)
    expect(len(path), 31, "len(gradient_descent(..., steps=30)): x_0 and 30 steps")
    expect([x - 2 for x in path], [6 * 0.8**n for n in range(31)], "x_n - 2 along the path", rel=1e-9)
    expect.true(abs(path[-1] - 2) < 0.01, "x_30", "within 0.01 of 2", repr(path[-1]))


def test_the_path_holds_plain_floats(expect):
    path = gradient_descent(parabola, 8.0, lr=0.1, steps=3)
    kinds = [type(x).__name__ for x in path]
    expect(kinds, ["float"] * 4, "the type of each entry of the path (floats, not Values)")


def test_another_function(expect):
    """f(x) = (x - 3)^4 from 5 with lr 0.01: a function whose slope is not a straight line."""
    path = gradient_descent(lambda x: (x - 3) ** 4, 5.0, lr=0.01, steps=5)
    expected = [5.0]
    for _ in range(5):
        x = expected[-1]
        expected.append(x - 0.01 * 4 * (x - 3) ** 3)  # 4 (x - 3)^3 is the slope of (x - 3)^4
    expect(path, expected, "gradient_descent((x - 3)^4, 5, lr=0.01, steps=5)", rel=1e-12)


def test_too_large_a_rate_overshoots(expect):
    """With lr 1.1 the steps swing across the minimum, wider and wider."""
    path = gradient_descent(parabola, 3.0, lr=1.1, steps=6)
    expect([x - 2 for x in path], [(-1.2) ** n for n in range(7)], "x_n - 2 with lr 1.1 from x = 3", rel=1e-9)
