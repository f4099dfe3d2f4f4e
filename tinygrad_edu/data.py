"""Small toy data sets for training tiny networks, generated in code.

Every function returns ``(xs, ys)``: `xs` a list of points (each a list of floats)
and `ys` a list of labels, 0.0 or 1.0, one per point. Randomness comes only from a
``random.Random(seed)`` made inside the call, so the same arguments always give
the same data, and nothing else in the program is disturbed.

    xor()            4 points that no single neuron can separate
    single_neuron()  points split by a known straight line, so one neuron can fit them
    two_moons()      two interleaved half circles
    circles()        a small circle inside a big one
"""

from __future__ import annotations

import math
import numbers
import random

from .checks import check_nonnegative, check_positive_int, check_whole_number

__all__ = ["xor", "single_neuron", "two_moons", "circles", "SINGLE_NEURON_WEIGHTS", "SINGLE_NEURON_BIAS"]

# The rule behind `single_neuron`: label 1.0 where w . x + b > 0, else 0.0.
SINGLE_NEURON_WEIGHTS = (2.0, -1.0)
SINGLE_NEURON_BIAS = 0.5


def xor() -> tuple[list[list[float]], list[float]]:
    """The four corners of the unit square, labelled 1.0 where exactly one coordinate is 1."""
    xs = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    ys = [0.0, 1.0, 1.0, 0.0]
    return xs, ys


def single_neuron(n: int = 20, seed: int = 0, margin: float = 0.1) -> tuple[list[list[float]], list[float]]:
    """`n` points in the square [-1, 1]^2, labelled by the line 2 x_0 - x_1 + 0.5 = 0.

    A point gets y = 1.0 when 2 x_0 - x_1 + 0.5 > 0 and y = 0.0 otherwise (the
    weights and bias are `SINGLE_NEURON_WEIGHTS` and `SINGLE_NEURON_BIAS`). No point
    lies within `margin` of that line, so a single sigmoid neuron

        yhat = s(w . x + b)

    can fit the data with the cost C = 1/(2N) sum (yhat - y)^2 as small as it likes,
    by growing its weights along (2, -1, 0.5). The classes alternate while the points
    are drawn, so the labels are balanced (they differ by at most one); then the
    points are shuffled.
    """
    n = _check_n(n, "single_neuron")
    rng = _rng(seed, "single_neuron")
    margin = _check_nonnegative(margin, "margin", "single_neuron")
    (w0, w1), b = SINGLE_NEURON_WEIGHTS, SINGLE_NEURON_BIAS
    # The square reaches 2 + 1 + 0.5 = 3.5 on the positive side and 2 + 1 - 0.5 = 2.5 on
    # the negative side, so any margin below 2.5 leaves room for both classes.
    if margin >= 2.5:
        raise ValueError(f"single_neuron: margin must be below 2.5 (the line's distance to the square), got {margin!r}")
    points = []
    for i in range(n):
        label = float(i % 2)
        while True:  # redraw until the point is on the wanted side, away from the line
            x = [rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)]
            z = w0 * x[0] + w1 * x[1] + b
            if z > margin if label == 1.0 else z < -margin:
                break
        points.append((x, label))
    rng.shuffle(points)
    return [x for x, _ in points], [y for _, y in points]


def two_moons(n: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[list[list[float]], list[float]]:
    """Two interleaved half circles of radius 1, with Gaussian noise of spread `noise`.

    Label 0.0: the upper moon (cos t, sin t); label 1.0: the lower moon
    (1 - cos t, 1/2 - sin t); t runs evenly over [0, pi]. The first moon gets n // 2
    points, the second the rest; the points are shuffled.
    """
    n = _check_n(n, "two_moons")
    noise = _check_nonnegative(noise, "noise", "two_moons")
    rng = _rng(seed, "two_moons")
    upper = [[math.cos(t), math.sin(t)] for t in _evenly(n // 2, math.pi, endpoint=True)]
    lower = [[1.0 - math.cos(t), 0.5 - math.sin(t)] for t in _evenly(n - n // 2, math.pi, endpoint=True)]
    return _noisy_shuffled(upper, lower, noise, rng)


def circles(
    n: int = 100, noise: float = 0.05, factor: float = 0.5, seed: int = 0
) -> tuple[list[list[float]], list[float]]:
    """A circle of radius 1 (label 0.0) around a circle of radius `factor` (label 1.0).

    Points are evenly spaced around each circle, then moved by Gaussian noise of
    spread `noise` and shuffled. The outer circle gets n // 2 points, the inner the rest.
    """
    n = _check_n(n, "circles")
    noise = _check_nonnegative(noise, "noise", "circles")
    if isinstance(factor, bool) or not isinstance(factor, numbers.Real) or not 0.0 < factor < 1.0:
        raise ValueError(f"circles: factor (inner radius / outer radius) must be between 0 and 1, got {factor!r}")
    factor = float(factor)
    rng = _rng(seed, "circles")
    outer = [[math.cos(t), math.sin(t)] for t in _evenly(n // 2, 2.0 * math.pi, endpoint=False)]
    inner = [[factor * math.cos(t), factor * math.sin(t)] for t in _evenly(n - n // 2, 2.0 * math.pi, endpoint=False)]
    return _noisy_shuffled(outer, inner, noise, rng)


# ----- helpers -------------------------------------------------------------------------------


def _evenly(count, stop, endpoint):
    """`count` angles evenly spaced from 0 to `stop` (including `stop` when `endpoint`)."""
    steps = count - 1 if endpoint else count
    return [stop * i / steps if steps else 0.0 for i in range(count)]


def _noisy_shuffled(class0, class1, noise, rng):
    points = [(p, 0.0) for p in class0] + [(p, 1.0) for p in class1]
    points = [([c + rng.gauss(0.0, noise) for c in p], y) for p, y in points] if noise else points
    rng.shuffle(points)
    return [list(p) for p, _ in points], [y for _, y in points]


def _check_n(n, where):
    return check_positive_int(n, f"{where}: n (the number of points)")


def _check_nonnegative(value, name, where):
    return check_nonnegative(value, f"{where}: {name}")


def _rng(seed, where):
    # Whole numbers only: random.Random would also take a float, a str or bytes, so a
    # seed swapped with the noise level would otherwise pass unnoticed.
    return random.Random(check_whole_number(seed, f"{where}: seed"))
