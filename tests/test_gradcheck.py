"""Central differences, gradcheck (and that it catches a wrong derivative), and the
linear approximation of seed 000."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import Value
from tinygrad_edu.gradcheck import gradcheck, linear_approximation_errors, numerical_gradient
from tinygrad_edu.ops import Op


def test_numerical_gradient_of_a_polynomial():
    # f = x^2 y: df/dx = 2xy = 12, df/dy = x^2 = 9 at (3, 2)
    assert numerical_gradient(lambda p: p[0] ** 2 * p[1], [3.0, 2.0]) == pytest.approx([12.0, 9.0], rel=1e-8)


def test_numerical_gradient_accepts_value_results():
    assert numerical_gradient(lambda p: Value(p[0]).exp(), [0.0]) == pytest.approx([1.0], rel=1e-9)


def test_gradcheck_passes_a_correct_graph():
    assert gradcheck(lambda v: (v[0] * v[1]).tanh() + v[0].exp() / (1 + v[1] ** 2), [0.3, -1.2]) is True


class _SquareWithAWrongDerivative(Op):
    """x^2 whose rule says its local derivative is x instead of 2x: the bug gradcheck must catch."""

    name = "square"

    def forward(self, x):
        return x * x

    def local_grads(self, out, x):
        return (x,)


_square_with_a_wrong_derivative = _SquareWithAWrongDerivative()


def test_gradcheck_catches_a_wrong_derivative_and_names_input_and_numbers():
    with pytest.raises(AssertionError) as error:
        gradcheck(lambda v: _square_with_a_wrong_derivative(v[0]) + v[1], [1.5, 4.0])
    message = str(error.value)
    assert "x0 = 1.5" in message
    assert "backward() gives 1.5" in message
    assert "the numerical slope is 2.99999" in message


def test_gradcheck_with_too_large_a_step_fails():
    # A step of 0.5 makes the central difference of x^3 wrong by h^2 = 0.25.
    with pytest.raises(AssertionError, match="the numerical slope is"):
        gradcheck(lambda v: v[0] ** 3, [1.0], h=0.5)


def test_argument_errors():
    with pytest.raises(ValueError, match="step h must be a positive finite number, got 0"):
        numerical_gradient(lambda p: p[0], [1.0], h=0)
    with pytest.raises(ValueError, match=r"xs\[1\] must be finite, got nan"):
        numerical_gradient(lambda p: p[0], [1.0, math.nan])
    with pytest.raises(TypeError, match="f must return a Value"):
        gradcheck(lambda v: 1.0, [1.0])


# ----- seed 000: the derivative is the best linear approximation --------------------------------


def neuron(v):
    """A sigmoid neuron of its weight, bias and input: s(w x + b)."""
    w, b, x = v
    return (w * x + b).sigmoid()


def test_linear_approximation_error_shrinks_100x_when_the_step_shrinks_10x():
    # f(w + dw, b + db, x + dx) ~ f + df/dw dw + df/db db + df/dx dx, with an error of order step^2.
    errors = linear_approximation_errors(neuron, [0.5, -0.2, 1.5], [1.0, -2.0, 0.5], [1e-1, 1e-2, 1e-3])
    for bigger, smaller in zip(errors, errors[1:]):
        assert 60 < bigger / smaller < 160


@settings(max_examples=50, deadline=None)
@given(
    point=st.lists(st.floats(-2, 2), min_size=3, max_size=3),
    direction=st.lists(st.floats(-1, 1), min_size=3, max_size=3).filter(lambda d: max(map(abs, d)) > 0.1),
)
def test_linear_approximation_beats_the_step_everywhere(point, direction):
    # The error is o(step): much smaller than the step itself, and shrinking faster than it.
    f = lambda v: (v[0] * v[1]).tanh() + v[2] ** 2  # noqa: E731
    big, small = linear_approximation_errors(f, point, direction, [1e-2, 1e-3])
    assert small <= 1e-4
    assert small <= big / 5 or big < 1e-12


def test_linear_approximation_is_exact_for_a_linear_function():
    errors = linear_approximation_errors(lambda v: 3 * v[0] - 2 * v[1] + 1, [1.0, 2.0], [0.5, 0.5], [1.0, 0.1])
    assert errors == pytest.approx([0.0, 0.0], abs=1e-14)


def test_linear_approximation_argument_errors():
    with pytest.raises(ValueError, match="direction has 1 entries, xs has 2"):
        linear_approximation_errors(lambda v: v[0], [1.0, 2.0], [1.0], [0.1])


def test_gradcheck_refuses_to_judge_with_an_overflowing_estimate():
    # f goes from -1.7e308 to 1.7e308 across the step 2h: their difference overflows to inf.
    def f(v):
        return (v[0] * 1e300).relu() * 1.7e14 - (v[0] * -1e300).relu() * 1.7e14

    with pytest.raises(AssertionError, match="the numerical slope is inf, so it cannot judge"):
        gradcheck(f, [0.0])
