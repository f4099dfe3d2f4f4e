"""Losses: how far a network's outputs are from their targets, as one Value to
differentiate."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..checks import is_finite_number
from ..engine import Value
from ..ops import SIGMOID

__all__ = ["squared_error", "mse", "binary_cross_entropy"]


def _pairs(outputs, targets, where):
    """Pair outputs with targets: single values or lists (a single value counts as a list of one)."""
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    targets = list(targets) if isinstance(targets, (list, tuple)) else [targets]
    if len(outputs) != len(targets):
        raise ValueError(f"{where}: got {len(outputs)} outputs but {len(targets)} targets; they must have equal length")
    if not outputs:
        raise ValueError(f"{where}: got no outputs and no targets")
    return list(zip(outputs, targets))


def _as_value(x, where):
    if isinstance(x, Value):
        return x
    try:
        return Value(x)
    except (TypeError, ValueError) as e:
        raise type(e)(f"{where}: {e}") from None


def squared_error(output: Any, target: Any) -> Value:
    """E = 1/2 * sum_k (t_k - a_k)^2, the error of the seeds, for one output (a Value
    or a number) and its target, or for equal-length lists of them."""
    pairs = [(_as_value(a, "squared_error (output)"), t) for a, t in _pairs(output, target, "squared_error")]
    # BEGIN LESSON 11
    total: Any = None
    for a, t in pairs:
        diff = t - a
        term = diff * diff
        total = term if total is None else total + term
    return 0.5 * total
    # END LESSON 11


def mse(outputs: Sequence[Any], targets: Sequence[Any]) -> Value:
    """Mean squared error: 1/N * sum_i (o_i - t_i)^2."""
    # BEGIN CUT WITH LESSON 11
    pairs = _pairs(outputs, targets, "mse")
    total: Any = None
    for o, t in pairs:
        diff = _as_value(o, "mse (output)") - t
        term = diff * diff
        total = term if total is None else total + term
    return total * (1.0 / len(pairs))
    # END CUT WITH LESSON 11


def binary_cross_entropy(outputs: Sequence[Any], targets: Sequence[Any]) -> Value:
    """Mean of -[t log(o) + (1 - t) log(1 - o)], for outputs o in (0, 1) and targets t in [0, 1].

    When an output is a sigmoid node, o = s(z), the loss is computed from z as
    log(1 + e^z) - t z, which stays accurate even where s(z) rounds to 0.0 or 1.0.
    Its derivative is s(z) - t.
    """
    pairs = _pairs(outputs, targets, "binary_cross_entropy")
    total: Any = None
    for o, t in pairs:
        if isinstance(t, Value):
            t_value = t.data
        elif is_finite_number(t):
            t_value = float(t)
        else:
            raise ValueError(f"binary_cross_entropy: a target must be a number in [0, 1], got {t!r}")
        if not 0.0 <= t_value <= 1.0:
            raise ValueError(f"binary_cross_entropy: a target must be in [0, 1], got {t_value!r}")
        o = _as_value(o, "binary_cross_entropy (output)")
        if o.origin.op is SIGMOID:
            (z,) = o.children
            term = _bce_from_logit(z, t)
        else:
            if not 0.0 < o.data < 1.0:
                raise ValueError(
                    f"binary_cross_entropy: an output must be strictly between 0 and 1, got {o.data!r} "
                    "(pass the sigmoid node itself, so the loss can be computed from its input)"
                )
            term = -(t * o.log() + (1 - t) * (1 - o).log())
        total = term if total is None else total + term
    return total * (1.0 / len(pairs))


def _bce_from_logit(z, t):
    """-[t log s(z) + (1 - t) log(1 - s(z))] = log(1 + e^z) - t z, arranged so that e^(...)
    never overflows and the large terms cancel before they are added:
    (1 - t) z + log(1 + e^-z) for z >= 0, and log(1 + e^z) - t z for z < 0."""
    if z.data >= 0.0:
        return (1 - t) * z + (1 + (-z).exp()).log()
    return (1 + z.exp()).log() - t * z
