"""The input checks every module shares, written once.

Each check either returns the cleaned-up value or raises an error whose message
names where it happened, the value received and what was expected.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import numbers
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:  # the engine imports this module: Value is only named for the type checker
    from .engine import Value

__all__ = [
    "short_repr",
    "describe",
    "is_real",
    "is_finite_number",
    "as_finite_float",
    "check_finite",
    "check_positive_int",
    "check_whole_number",
    "check_nonnegative",
    "check_positive_finite",
    "check_fraction",
    "check_choice",
    "check_finite_floats",
    "check_value",
    "check_leaf_data",
    "not_a_value_operand",
    "failed_forward",
    "building_gradient_graph",
    "failed_rule",
    "checked_rule_result",
    "check_label",
    "grad_not_a_number",
    "gradient_overflow",
    "not_a_number_message",
    "refused_conversion",
]


def short_repr(x: Any, limit: int = 60) -> str:
    """repr(x) on one line, cut to `limit` characters (a huge list must not flood an error
    message, and a module's many-line repr reads as one line)."""
    try:
        text = " ".join(repr(x).split())
    except Exception as error:  # a broken __repr__ must not hide the real error
        text = f"<{type(x).__name__} whose repr failed: {type(error).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe(x: Any, limit: int = 60) -> str:
    """'float 1.5', 'str 'a'', 'the bool True': what a message says it received (the
    repr cut to `limit` characters)."""
    if isinstance(x, bool):
        return f"the bool {x!r}"
    return f"{type(x).__name__} {short_repr(x, limit)}"


def is_real(x: Any) -> bool:
    """True for int, float and real scalars such as numpy.float64; False for bool
    (True + True == 2 would hide a bug) and for everything else."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def is_finite_number(x: Any) -> bool:
    """True for a finite int or float (not a bool, not an int too large for a float)."""
    return isinstance(x, (int, float)) and not isinstance(x, bool) and _fits_a_finite_float(x)


def _fits_a_finite_float(x: Any) -> bool:
    """A real number that is neither NaN nor infinite, and not an int too large for a float."""
    try:
        return math.isfinite(x)
    except OverflowError:  # an int with hundreds of digits
        return False


def as_finite_float(x: Any, where: str, expected: str = "a real number (int or float)") -> float:
    """`x` as a finite Python float, or TypeError (not a real number) / ValueError
    (NaN, infinity, or an int too large for a float), naming `where` and `x`."""
    if type(x) is float and math.isfinite(x):  # the common case first
        return x
    if not is_real(x):
        raise TypeError(f"{where}: expected {expected}, got {describe(x)}")
    try:
        number = float(x)
    except (OverflowError, ValueError):
        raise ValueError(
            f"{where}: expected a finite real number, got a number too large for a float ({short_repr(x)})"
        ) from None
    if not math.isfinite(number):
        raise ValueError(f"{where}: expected a finite real number, got {number!r}")
    return number


def check_finite(x: float, where: str, what: str = "the result") -> float:
    """Return the float `x`, or raise OverflowError when it is inf or NaN."""
    if not math.isfinite(x):
        raise OverflowError(f"{where}: {what} is {x!r}, outside the float range")
    return x


def check_positive_int(n: Any, what: str) -> int:
    """`n` when it is a whole number >= 1 (not a bool), else ValueError naming `what`."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"{what} must be a positive whole number, got {short_repr(n)}")
    return int(n)


def check_whole_number(n: Any, what: str) -> int:
    """`n` when it is a whole number (not a bool: True is no seed), else ValueError naming `what`."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise ValueError(f"{what} must be a whole number, got {short_repr(n)}")
    return int(n)


def check_nonnegative(x: Any, what: str) -> float:
    """`x` as a float when it is a finite real number >= 0, else ValueError naming `what`."""
    if not is_real(x) or not math.isfinite(x) or x < 0:
        raise ValueError(f"{what} must be a finite number >= 0, got {short_repr(x)}")
    return float(x)


def check_positive_finite(x: Any, what: str) -> float:
    """`x` as a float when it is a real number with 0 < x < inf (a learning rate, a step
    h, an epsilon), else ValueError naming `what`."""
    if not is_real(x) or not _fits_a_finite_float(x) or x <= 0:
        raise ValueError(f"{what} must be a positive finite number, got {short_repr(x)}")
    return float(x)


def check_fraction(x: Any, what: str) -> float:
    """`x` as a float when it is a real number with 0 <= x < 1 (a momentum, a decay rate
    such as Adam's betas), else ValueError naming `what`."""
    if not is_real(x) or not 0.0 <= x < 1.0:
        raise ValueError(f"{what} must be a number in [0, 1), got {short_repr(x)}")
    return float(x)


def check_choice(x: Any, choices: Iterable[str], what: str) -> str:
    """`x` when it is one of `choices` (texts such as "LR" or "svg"), else ValueError
    naming `what` and listing the choices."""
    choices = tuple(choices)
    if not isinstance(x, str) or x not in choices:
        listed = ", ".join(map(repr, choices[:-1])) + f" or {choices[-1]!r}" if len(choices) > 1 else repr(choices[0])
        raise ValueError(f"{what} must be {listed}, got {short_repr(x)}")
    return x


def check_finite_floats(xs: Any, where: str, what: str = "xs") -> list[float]:
    """`xs` as a list of finite floats: TypeError when it is not a list of real numbers,
    ValueError naming the first entry that is NaN or infinite."""
    try:
        if isinstance(xs, (str, bytes)) or not all(is_real(x) for x in xs):  # float("1") would pass a str
            raise TypeError
        values = [float(x) for x in xs]
    except (TypeError, ValueError):
        raise TypeError(f"{where}: {what} must be a list of real numbers, got {short_repr(xs)}") from None
    except OverflowError:  # float() of an int with hundreds of digits
        raise ValueError(f"{where}: {what} must hold finite numbers, got one too large for a float") from None
    for i, x in enumerate(values):
        if not math.isfinite(x):
            raise ValueError(f"{where}: {what}[{i}] must be finite, got {x!r}")
    return values


def check_value(x: Any, where: str, what: str = "root") -> Value:
    """`x` when it is a `Value` (a node of a graph), else TypeError naming `where`, `what`
    (the root of a picture, a parameter...) and what was received."""
    # Looked up, not imported: the engine imports this module, so importing it here, even
    # inside the function, would be an import cycle. Before the engine is loaded no Value
    # exists, and every `x` is rightly refused.
    engine = sys.modules.get(f"{__package__}.engine")
    value_type = getattr(engine, "Value", None)
    if value_type is None or not isinstance(x, value_type):
        raise TypeError(f"{where}: {what} must be a Value, got {describe(x)}")
    return x


# ----- the checks of making a node (engine.binary_node, engine.unary_node) ------------------------


def check_leaf_data(data: Any, where: str, node_class: type) -> float:
    """`data` as the finite float a Value holds; a node (of `node_class`, engine.Value) is
    refused: a Value is not wrapped in another."""
    if isinstance(data, node_class):
        raise TypeError(
            f"{where}: expected a real number, got the Value {data!r} "
            "(a Value is not wrapped in another; use it as it is)"
        )
    return as_finite_float(data, where, "a real number (int, float or a real scalar such as numpy.float64)")


def not_a_value_operand(name: str, class_name: str, operands: tuple[Any, ...]) -> TypeError:
    """The error for an op called on plain numbers only."""
    shown = ", ".join(describe(x) for x in operands)
    return TypeError(
        f"{name}: expected at least one Value operand, got {shown}; an op builds a node "
        f"of the graph (for the plain number, call {class_name}().forward(...))"
    )


def failed_forward(op: Any, error: Exception, numbers: tuple[Any, ...], *operands: Any) -> Exception:
    """forward raised: an OverflowError becomes one that names the op and the numbers; a
    TypeError most likely comes from a .data set by hand to a non-number."""
    if isinstance(error, OverflowError):
        if op.symbol is not None and len(numbers) == 2:
            shown = f"{numbers[0]!r} {op.symbol} {numbers[1]!r}"
        else:
            shown = f"{op.name}({', '.join(map(repr, numbers))})"
        return OverflowError(f"{op.name}: {shown} is too large for a float")
    for operand in operands:
        if operand is not None and not isinstance(operand.data, (int, float)):
            return TypeError(
                f"{op.name}: the operand {short_repr(operand)} has .data = "
                f"{short_repr(operand.data)}, not a number (was .data set by hand?)"
            )
    return error


# True while this thread (or task) builds a graph of gradients: a local derivative that cannot
# be taken is then NaN, not an error (it matters only if that graph is differentiated again).
_building: contextvars.ContextVar[bool] = contextvars.ContextVar("building_gradient_graph", default=False)


@contextlib.contextmanager
def building_gradient_graph(building: bool = True) -> Iterator[None]:
    """Make nodes as grad(..., create_graph=True) does: a local derivative that cannot be
    taken is stored as NaN instead of raising (with False: as every other call does)."""
    token = _building.set(building)
    try:
        yield
    finally:
        _building.reset(token)


def failed_rule(name: str, error: Exception, count: int, numbers: tuple[float, ...]) -> float:
    """local_grads raised. While a graph of gradients is built, a derivative that cannot be
    taken here is NaN (it only matters if that graph is differentiated again, and backward
    reports it then). Otherwise: an error that names the op and the numbers."""
    if isinstance(error, (TypeError, ValueError)) and "unpack" in str(error):
        raise TypeError(
            f"{name}: local_grads must return a tuple of {count} local "
            f"derivative{'s' if count > 1 else ''}, one per operand ({error})"
        ) from None
    if _building.get():
        return math.nan
    if isinstance(error, (OverflowError, ZeroDivisionError)):
        shown = ", ".join(map(repr, numbers))
        raise OverflowError(f"{name}: the local derivative at {shown} is too large for a float ({error})") from None
    raise error


def checked_rule_result(name: str, out: Any, numbers: tuple[Any, ...], local_grads: tuple[Any, ...]) -> tuple[Any, ...]:
    """``(out, *local_grads)`` as floats when an int or an infinite local derivative was the only
    trouble (infinite is put up with while a graph of gradients is built); else the error that
    says which of the operands, the value or a local derivative is wrong."""
    shown = ", ".join(map(repr, numbers))
    if not all(is_finite_number(x) for x in numbers):
        raise not_finite_operand(name, numbers)
    if not isinstance(out, (int, float)) or isinstance(out, bool):
        raise TypeError(f"{name}: forward must return a number, got {describe(out)}")
    if not math.isfinite(out):
        raise OverflowError(f"{name}: the result of {name} on {shown} is {out!r}, outside the float range")
    for local in local_grads:
        if not isinstance(local, (int, float)) or isinstance(local, bool):
            raise TypeError(f"{name}: local_grads must return numbers, got {describe(local)}")
        if not _building.get() and not math.isfinite(local):
            raise OverflowError(f"{name}: the local derivative at {shown} is {local!r}, outside the float range")
    return (float(out), *map(float, local_grads))


# ----- the checks of a Value and of backward() ----------------------------------------------------


def check_label(label: Any, where: str) -> str:
    """`label` when it is a str (a node's name), else TypeError naming `where`."""
    if not isinstance(label, str):
        raise TypeError(f"{where}: label must be a str, got {describe(label)}")
    return label


def grad_not_a_number(leaves: list[Any], earlier: list[Any]) -> Exception | None:
    """backward() met a TypeError: the error for a .grad set by hand to something not a number."""
    for leaf, before in zip(leaves, earlier):
        if not isinstance(before, (int, float)):
            return TypeError(
                f"backward: {short_repr(leaf)} has .grad = {short_repr(before)}, not a number; "
                "set it to a number (e.g. 0.0, or call zero_grad()) before backward()"
            )
    return None


def gradient_overflow(leaf: Any, gradient: Any = None) -> Exception:
    """The error for a leaf whose gradient came out as inf or NaN (`gradient`, default its .grad)."""
    gradient = leaf.grad if gradient is None else gradient
    number = getattr(gradient, "data", gradient)  # a Value under grad(..., create_graph=True)
    where = f"backward: the gradient of Value(data={leaf.data!r}{f', label={leaf.label!r}' if leaf.label else ''})"
    kept = "The leaves' gradients were left as they were before this call."
    if number != number:  # NaN
        return ValueError(
            f"{where} came out as nan: a local derivative on the way is undefined there (such as d/dx of "
            f"x ** 0.5 at 0, in a graph made by grad(..., create_graph=True)), or inf met 0. {kept}"
        )
    return OverflowError(
        f"{where} came out as {number!r}; a product of local derivatives overflowed the float range "
        f"(scale your inputs down). {kept}"
    )


def not_a_number_message(what: str, number: str, graph: str) -> str:
    """Why a Value cannot become `what`: use .data (`number`) for the number, or `graph`."""
    return (
        f"a Value is a node of the graph, not a plain number, so it cannot become {what}: "
        f"for its number use .data (e.g. {number}); {graph}"
    )


def refused_conversion(what: str, number: str, graph: str) -> Callable[..., NoReturn]:
    """A method for Value (``__float__ = refused_conversion(...)``) that refuses to turn a
    node into `what`, with `not_a_number_message`."""

    def refuse(self: Any, *args: Any) -> NoReturn:
        raise TypeError(not_a_number_message(what, number, graph))

    return refuse


# ----- messages added for arguments the checks above do not cover -------------------------------


def check_pair(pair: Any, what: str) -> tuple[Any, Any]:
    """`pair` as a tuple of two items (Adam's betas), else ValueError naming `what`."""
    if isinstance(pair, (str, bytes)) or not hasattr(pair, "__len__") or len(pair) != 2:
        raise ValueError(f"{what} must be a pair of two numbers such as (0.9, 0.999), got {short_repr(pair)}")
    first, second = pair
    return first, second


def not_finite_operand(name: str, numbers: tuple[Any, ...]) -> ValueError:
    """An operand's number is no finite real number: most likely a .data set by hand."""
    bad = next(x for x in numbers if not is_finite_number(x))
    shown = ", ".join(map(short_repr, numbers))
    return ValueError(
        f"{name}: an operand is not a finite number ({shown}): its .data is {short_repr(bad)} where a finite "
        "real number (a float) was expected; was a .data set by hand to nan, inf or a non-real number?"
    )
