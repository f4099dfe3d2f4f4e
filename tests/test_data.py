"""The toy data sets: deterministic, the right shapes and labels, and the
geometry each one promises."""

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import data
from tinygrad_edu.data import SINGLE_NEURON_BIAS, SINGLE_NEURON_WEIGHTS, circles, single_neuron, two_moons, xor

GENERATED = [single_neuron, two_moons, circles]


def check_shape(xs, ys, n, dim=2):
    assert isinstance(xs, list) and isinstance(ys, list)
    assert len(xs) == len(ys) == n
    for point in xs:
        assert isinstance(point, list) and len(point) == dim
        assert all(type(c) is float and math.isfinite(c) for c in point)
    assert all(type(y) is float and y in (0.0, 1.0) for y in ys)


def test_xor_is_the_truth_table():
    xs, ys = xor()
    check_shape(xs, ys, 4)
    assert xs == [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    assert ys == [float(int(a) ^ int(b)) for a, b in xs]


def test_xor_returns_fresh_lists():
    xs, ys = xor()
    xs[0][0], ys[0] = 9.0, 9.0
    assert xor() == ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0.0, 1.0, 1.0, 0.0])


@pytest.mark.parametrize("make", GENERATED)
@given(n=st.integers(1, 60), seed=st.integers(0, 2**40))
def test_shapes_and_balanced_labels(make, n, seed):
    xs, ys = make(n=n, seed=seed)
    check_shape(xs, ys, n)
    ones = sum(ys)
    assert abs(ones - (n - ones)) <= 1


@pytest.mark.parametrize("make", GENERATED)
def test_same_seed_same_data_different_seed_different_data(make):
    assert make(n=30, seed=5) == make(n=30, seed=5)
    assert make(n=30, seed=5) != make(n=30, seed=6)


@pytest.mark.parametrize("make", GENERATED)
def test_the_global_random_state_is_neither_used_nor_disturbed(make):
    random.seed(123)
    before = random.random()
    random.seed(123)
    first = make(n=20, seed=1)
    assert random.random() == before  # nothing consumed from the shared generator
    random.seed(999)
    assert make(n=20, seed=1) == first  # and nothing read from it


def test_defaults():
    check_shape(*single_neuron(), 20)
    check_shape(*two_moons(), 100)
    check_shape(*circles(), 100)
    assert single_neuron() == single_neuron(n=20, seed=0)
    assert two_moons() == two_moons(n=100, noise=0.1, seed=0)
    assert circles() == circles(n=100, noise=0.05, factor=0.5, seed=0)


# ----- the geometry of each data set ------------------------------------------------------


@given(n=st.integers(1, 80), seed=st.integers(0, 10**6))
def test_single_neuron_labels_follow_the_documented_line_with_a_margin(n, seed):
    (w0, w1), b = SINGLE_NEURON_WEIGHTS, SINGLE_NEURON_BIAS
    xs, ys = single_neuron(n=n, seed=seed)
    for (x0, x1), y in zip(xs, ys):
        assert -1.0 <= x0 <= 1.0 and -1.0 <= x1 <= 1.0
        z = w0 * x0 + w1 * x1 + b
        assert abs(z) > 0.1
        assert y == (1.0 if z > 0 else 0.0)


def test_single_neuron_rule_is_the_documented_one():
    assert SINGLE_NEURON_WEIGHTS == (2.0, -1.0)
    assert SINGLE_NEURON_BIAS == 0.5
    assert "2 x_0 - x_1 + 0.5" in single_neuron.__doc__


def test_single_neuron_can_be_fitted_by_one_sigmoid_neuron():
    """The known line, scaled up, gives a neuron whose cost C = 1/(2N) sum (yhat - y)^2
    is tiny: every point is classified right, with room to spare."""
    xs, ys = single_neuron(n=50, seed=3)
    (w0, w1), b = SINGLE_NEURON_WEIGHTS, SINGLE_NEURON_BIAS
    scale = 50.0
    predictions = [1.0 / (1.0 + math.exp(-scale * (w0 * x0 + w1 * x1 + b))) for x0, x1 in xs]
    cost = sum((p - y) ** 2 for p, y in zip(predictions, ys)) / (2 * len(xs))
    assert cost < 1e-4


def test_single_neuron_margin_can_be_chosen():
    (w0, w1), b = SINGLE_NEURON_WEIGHTS, SINGLE_NEURON_BIAS
    xs, _ = single_neuron(n=40, seed=2, margin=1.0)
    assert all(abs(w0 * x0 + w1 * x1 + b) > 1.0 for x0, x1 in xs)


def test_two_moons_without_noise_lie_on_the_two_half_circles():
    xs, ys = two_moons(n=41, noise=0.0, seed=4)
    assert ys.count(0.0) == 20 and ys.count(1.0) == 21
    for (u, v), y in zip(xs, ys):
        if y == 0.0:  # upper moon: centre (0, 0), above the axis
            assert math.hypot(u, v) == pytest.approx(1.0, abs=1e-12)
            assert v >= -1e-12
        else:  # lower moon: centre (1, 1/2), below its centre
            assert math.hypot(u - 1.0, v - 0.5) == pytest.approx(1.0, abs=1e-12)
            assert v <= 0.5 + 1e-12
    upper_u = [u for (u, _), y in zip(xs, ys) if y == 0.0]
    lower_u = [u for (u, _), y in zip(xs, ys) if y == 1.0]
    assert (min(upper_u), max(upper_u)) == (-1.0, 1.0)  # t runs from 0 to pi, both ends included
    assert (min(lower_u), max(lower_u)) == (0.0, 2.0)


def test_two_moons_noise_moves_the_points_about_as_much_as_asked():
    clean, _ = two_moons(n=400, noise=0.0, seed=0)
    noisy, _ = two_moons(n=400, noise=0.1, seed=0)
    # The shuffle differs, so compare the spread of distances to the nearest clean point.
    distances = [min(math.dist(p, q) for q in clean) for p in noisy]
    assert 0.02 < sum(distances) / len(distances) < 0.2


def test_circles_without_noise_have_radius_one_and_factor():
    xs, ys = circles(n=30, noise=0.0, factor=0.3, seed=1)
    for point, y in zip(xs, ys):
        assert math.hypot(*point) == pytest.approx(1.0 if y == 0.0 else 0.3, abs=1e-12)


@given(seed=st.integers(0, 10**6), factor=st.floats(0.2, 0.8))
def test_at_low_noise_the_radius_halfway_between_the_circles_separates_the_labels(seed, factor):
    """The noise (0.01 per coordinate) is at least ten times smaller than half the gap."""
    xs, ys = circles(n=60, noise=0.01, factor=factor, seed=seed)
    halfway = (1.0 + factor) / 2
    assert all((math.hypot(*p) > halfway) == (y == 0.0) for p, y in zip(xs, ys))


# ----- argument errors ----------------------------------------------------------------------


@pytest.mark.parametrize("make", GENERATED)
@pytest.mark.parametrize("bad", [0, -3, 2.5, "10", None, True])
def test_n_must_be_a_positive_whole_number(make, bad):
    message = rf"{make.__name__}: n \(the number of points\) must be a positive whole number, got {bad!r}"
    with pytest.raises(ValueError, match=message):
        make(n=bad)


@pytest.mark.parametrize("make", [two_moons, circles])
@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), "0.1", None])
def test_noise_must_be_finite_and_not_negative(make, bad):
    with pytest.raises(ValueError, match=rf"{make.__name__}: noise must be a finite number >= 0, got {bad!r}"):
        make(noise=bad)


@pytest.mark.parametrize("make", GENERATED)
@pytest.mark.parametrize("bad", [0.5, "abc", None, False])
def test_seed_must_be_a_whole_number(make, bad):
    with pytest.raises(ValueError, match=rf"{make.__name__}: seed must be a whole number, got {bad!r}"):
        make(seed=bad)


@pytest.mark.parametrize("bad", [0.0, 1.0, 1.5, -0.5])
def test_circles_factor_must_be_between_zero_and_one(bad):
    with pytest.raises(ValueError, match=rf"circles: factor .* must be between 0 and 1, got {bad!r}"):
        circles(factor=bad)


@pytest.mark.parametrize("bad", [float("nan"), "0.5", None, True])
def test_circles_factor_must_be_a_number(bad):
    with pytest.raises(ValueError, match=rf"circles: factor .* must be between 0 and 1, got {bad!r}"):
        circles(factor=bad)


@pytest.mark.parametrize("bad", [-0.1, 2.5, float("nan")])
def test_single_neuron_margin_must_leave_room_for_both_classes(bad):
    with pytest.raises(ValueError, match=rf"single_neuron: margin .* got {bad!r}"):
        single_neuron(margin=bad)


def test_public_names():
    assert set(data.__all__) >= {"xor", "two_moons", "circles", "single_neuron"}
