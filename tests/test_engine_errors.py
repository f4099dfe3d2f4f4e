"""Every bad input raises at the operation, with a message that names the
operation and the value received. Nothing silently turns into NaN or inf."""

import math
from fractions import Fraction
from re import escape as _re

import pytest

from tinygrad_edu import Value


@pytest.mark.parametrize(
    "bad, shown",
    [
        (True, "bool True"),
        ("1.5", "str '1.5'"),
        (None, "NoneType None"),
        ([1.0], "list [1.0]"),
        (1 + 2j, "complex (1+2j)"),
    ],
)
def test_non_numbers_are_rejected(bad, shown):
    with pytest.raises(TypeError, match=r"Value\(\): expected a real number .* got .*" + _re(shown)):
        Value(bad)


def test_a_value_is_not_wrapped_again():
    with pytest.raises(TypeError, match="got the Value"):
        Value(Value(1.0))


def test_numpy_arrays_are_rejected_even_of_size_one(numpy):
    np = numpy
    for array in (np.array(1.0), np.array([1.0]), np.zeros((2, 2))):
        with pytest.raises(TypeError, match="ndarray"):
            Value(array)


def test_other_real_numbers_are_converted():
    assert Value(Fraction(1, 4)).data == 0.25
    assert type(Value(3).data) is float


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_are_rejected(bad):
    with pytest.raises(ValueError, match=r"Value\(\): expected a finite real number, got " + _re(repr(bad))):
        Value(bad)


@pytest.mark.parametrize(
    "make, op",
    [
        (lambda: Value(1.0) + "2", r"\+"),
        (lambda: "2" - Value(1.0), "-"),
        (lambda: Value(1.0) * None, r"\*"),
        (lambda: Value(1.0) / [2], "/"),
        (lambda: Value(1.0) ** True, r"\*\*"),
    ],
)
def test_bad_operands_name_the_operation(make, op):
    with pytest.raises(TypeError, match="^" + op + ": expected a real number"):
        make()


@pytest.mark.parametrize("make", [lambda: Value(1.0) + math.nan, lambda: math.inf * Value(2.0)])
def test_non_finite_operands_are_rejected(make):
    with pytest.raises(ValueError, match="expected a finite real number"):
        make()


@pytest.mark.parametrize("x", [0.0, -1.0, -1e-300])
def test_log_of_non_positive(x):
    with pytest.raises(ValueError, match=r"log: .*positive number, got " + _re(repr(x))):
        Value(x).log()


@pytest.mark.parametrize(
    "make, shown",
    [
        (lambda: Value(1.0) / Value(0.0), "1.0 / 0.0"),
        (lambda: Value(3.0) / 0, "3.0 / 0.0"),
        (lambda: 2 / Value(0.0), "2.0 / 0.0"),
    ],
)
def test_division_by_zero(make, shown):
    with pytest.raises(ZeroDivisionError, match="/: division by zero in " + _re(shown)):
        make()


def test_exp_overflow():
    with pytest.raises(OverflowError, match=r"exp: exp\(710.0\) is too large"):
        Value(710.0).exp()
    assert math.isfinite(Value(709.0).exp().data)


@pytest.mark.parametrize("base, exponent", [(-8.0, 1 / 3), (-2.0, 0.5), (-1e-3, 2.5)])
def test_negative_base_with_fractional_exponent(base, exponent):
    with pytest.raises(ValueError, match=r"\*\*: " + _re(repr(base)) + ".*not a real number"):
        Value(base) ** exponent


def test_negative_base_with_whole_exponent_is_fine():
    v = Value(-2.0)
    y = v**3
    y.backward()
    assert (y.data, v.grad) == (-8.0, 12.0)


@pytest.mark.parametrize("exponent", [-1, -0.5, -3.0])
def test_zero_to_a_negative_power(exponent):
    with pytest.raises(ZeroDivisionError, match=r"\*\*: 0 cannot be raised to the negative power"):
        Value(0.0) ** exponent


@pytest.mark.parametrize("exponent", [0.5, 0.25, 0.999])
def test_infinite_derivative_of_a_power(exponent):
    with pytest.raises(ValueError, match=r"derivative of x \*\* " + _re(repr(exponent)) + " is infinite at x = 0.0"):
        Value(0.0) ** exponent


def test_powers_of_zero_that_are_fine():
    for exponent, slope in [(0, 0.0), (1, 1.0), (2, 0.0), (1.5, 0.0)]:
        x = Value(0.0)
        (x**exponent).backward()
        assert x.grad == slope


@pytest.mark.parametrize(
    "make, base",
    [
        (lambda: Value(-2.0) ** Value(2.0), "-2.0"),
        (lambda: Value(0.0) ** Value(2.0), "0.0"),
        (lambda: (-3) ** Value(2.0), "-3.0"),
        (lambda: 0 ** Value(1.0), "0.0"),
    ],
)
def test_value_exponent_needs_positive_base(make, base):
    with pytest.raises(ValueError, match=r"\*\*: " + _re(base) + r" \*\* .* needs a positive base"):
        make()


@pytest.mark.parametrize(
    "make, op",
    [
        (lambda: Value(1e200) * Value(1e200), r"\*"),
        (lambda: Value(1.7e308) + 1.7e308, r"\+"),
        (lambda: -1.7e308 - Value(1.7e308), "-"),
        (lambda: Value(1e300) / 1e-300, "/"),
        (lambda: Value(10.0) ** 400, r"\*\*"),
        (lambda: Value(1e-300) ** -2, r"\*\*"),
        (lambda: Value(1e-200) ** -1.5, r"\*\*"),
    ],
)
def test_overflow_raises_instead_of_inf(make, op):
    with pytest.raises(OverflowError, match="^" + op + ": "):
        make()


@pytest.mark.parametrize(
    "make, op",
    [
        (lambda: Value(1.0) / Value(1e-200), "/"),  # d/db = -a/b^2 overflows
        (lambda: Value(5e-324).log(), "log"),  # d/dx = 1/x overflows
    ],
)
def test_overflowing_local_derivative_raises(make, op):
    with pytest.raises(OverflowError, match="^" + op + ": the local derivative"):
        make()


def test_overflowing_gradient_in_backward_raises():
    x = Value(1.0, label="x")
    # The values are 1e-300, 1 and 1e300, all finite, but the gradient reaching
    # x * 1e-300 is 1e300 * 1e300 = 1e600, which no float can hold.
    y = x * 1e-300 * 1e300 * 1e300
    with pytest.raises(OverflowError, match=r"backward: the gradient of Value\(.*label='x'\) came out as inf"):
        y.backward()


def test_a_failed_backward_leaves_the_leaf_gradients_as_they_were():
    x, q = Value(1.0), Value(2.0)
    x.grad, q.grad = 0.5, 2e-200
    y = x * 1e-300 * 1e300 * 1e300 + q
    with pytest.raises(OverflowError, match="left as they were"):
        y.backward()
    assert (x.grad, q.grad) == (0.5, 2e-200)


def test_numbers_too_large_for_a_float():
    with pytest.raises(ValueError, match=r"Value\(\): expected a finite real number, got a number too large"):
        Value(10**400)
    with pytest.raises(ValueError, match=r"^\*: expected a finite real number, got a number too large"):
        Value(1.0) * 10**400


def test_a_hand_set_nan_is_caught_at_the_next_operation():
    v = Value(1.0)
    v.data = math.nan  # .data is writable; the next operation notices
    with pytest.raises(ValueError, match=r"relu: the input is nan"):
        v.relu()
    with pytest.raises(ValueError, match=r"\*: an operand is not a finite number \(nan, 2.0\)"):
        v * 2


def test_numpy_arrays_on_the_left_are_refused_too(numpy):
    np = numpy
    with pytest.raises(TypeError, match=r"\+: expected a real number .* got ndarray"):
        np.array([1.0, 2.0]) + Value(1.0)


def test_division_overflow_names_the_divisor():
    with pytest.raises(OverflowError, match="local derivative at 1e-320, 1e-310 is inf"):
        Value(1e-320) / Value(1e-310)
