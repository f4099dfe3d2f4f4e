"""Lesson 4: a derivative is the slope of the best linear approximation,
f(x + dx) ~ f(x) + sum_i df/dx_i dx_i. Nudging the inputs estimates it without the
chain rule, an independent check of backward().

You write numerical_gradient and linear_approximation_errors in tinygrad_edu/gradcheck.py.
"""

import pytest

from tinygrad_edu import Value
from tinygrad_edu.gradcheck import gradcheck, linear_approximation_errors, numerical_gradient

pytestmark = pytest.mark.lesson4


def test_numerical_gradient_of_a_plain_function(expect):
    """f(x, y) = x^2 y at (3, 2): df/dx = 2xy = 12, df/dy = x^2 = 9."""
    slopes = numerical_gradient(lambda p: p[0] * p[0] * p[1], [3.0, 2.0])
    expect(slopes, [12.0, 9.0], "numerical_gradient(x^2 y, [3, 2])", rel=1e-6, abs=1e-6)


def test_central_differences(expect):
    """For x^3 at 1 with h = 0.001, (f(x+h) - f(x-h)) / 2h = 3 + h^2 = 3.000001.
    A one-sided (f(x+h) - f(x)) / h would give 3.003001: its error shrinks only like h."""
    slopes = numerical_gradient(lambda p: p[0] ** 3, [1.0], h=1e-3)
    expect(slopes, [3.000001], "numerical_gradient(x^3, [1.0], h=0.001) by central differences", rel=1e-9)


def test_it_agrees_with_backward(expect):
    """f may build Values and return one: its .data is the number to use."""

    def f(point):
        x, y = (Value(v) for v in point)
        return x * y + 3 * x * x

    slopes = numerical_gradient(f, [1.5, -2.0])
    x, y = Value(1.5), Value(-2.0)
    (x * y + 3 * x * x).backward()
    expect(slopes, [x.grad, y.grad], "numerical_gradient of xy + 3x^2 at (1.5, -2) versus backward()",
           rel=1e-6, abs=1e-6)


def test_the_inputs_are_left_unchanged(expect):
    """numerical_gradient works on copies of xs."""
    xs = [0.1, 0.2]
    numerical_gradient(lambda p: p[0] * p[1], xs)
    expect(xs, [0.1, 0.2], "xs after numerical_gradient(f, xs)", rel=0, abs=0)


def test_the_error_shrinks_like_the_step_squared(expect):
    """f = x^2 y + y at (1.5, -2) along (1, 0.5): the error of the tangent plane is
    0.5 t^2 (1 - t), so a 10x smaller step gives an error about 100x smaller."""
    f = lambda v: v[0] * v[0] * v[1] + v[1]  # noqa: E731
    errors = linear_approximation_errors(f, [1.5, -2.0], [1.0, 0.5], [1e-1, 1e-2, 1e-3])
    expect(errors, [0.0045, 4.95e-05, 4.995e-07], "linear_approximation_errors for steps 0.1, 0.01, 0.001",
           rel=1e-6)
    expect.true(80 < errors[0] / errors[1] < 120 and 80 < errors[1] / errors[2] < 120,
                "how much the error shrinks when the step shrinks 10x", "about 100x",
                f"{errors[0] / errors[1]:.3g}x and {errors[1] / errors[2]:.3g}x")


def test_a_linear_output_has_no_error(expect):
    """output = w x + b is its own linear approximation: with x = 3, changing w by dw
    and b by db changes the output by exactly 3 dw + db."""
    errors = linear_approximation_errors(lambda v: v[0] * 3 + v[1], [0.5, -1.0], [1.0, 2.0], [1.0, 0.1])
    expect(errors, [0.0, 0.0], "linear_approximation_errors for output = 3w + b", abs=1e-12)


def test_gradcheck_now_works(expect):
    """gradcheck (given) compares backward() with your numerical_gradient."""
    try:
        result = gradcheck(lambda v: v[0] * v[1] * v[1] + 2 * v[0], [0.5, -1.5])
    except AssertionError as error:
        expect.fail("gradcheck(x y^2 + 2x, [0.5, -1.5])", "True", f"AssertionError: {error}")
    expect(result, True, "gradcheck(x y^2 + 2x, [0.5, -1.5])")
