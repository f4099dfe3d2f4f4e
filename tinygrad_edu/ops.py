"""Every operation is one rule: its name, its value and its local derivatives.

An `Op` says, in one place, what an operation computes and how it differentiates:

* `forward(*xs)`: the value, from the operands' numbers;
* `local_grads(out, *xs)`: d(out)/d(x_i) for each operand, written in plain
  arithmetic (and the helpers `exp`, `log`, ... below), so that the same rule
  gives floats in the forward pass and Values when a graph of the gradient is
  wanted (`engine.grad(..., create_graph=True)`);
* `formula`: the local derivatives as text, for pictures and the step player.

Calling an op on Values (or numbers) computes the value and the local derivatives
at once and stores both in the new node; `backward()` then only multiplies and
adds. The operators of `Value` (``+ - * / **``, unary ``-``, ``exp()``, ...) call
the ops defined here, and an op of your own works the same way everywhere:

>>> from tinygrad_edu import Value
>>> from tinygrad_edu.ops import Op
>>> class Cube(Op):
...     name = "cube"
...     formula = "3 {a}^2"
...     def forward(self, a):
...         return a ** 3
...     def local_grads(self, out, a):
...         return (3 * a ** 2,)
>>> cube = Cube()
>>> x = Value(2.0)
>>> y = cube(x)
>>> y.backward()
>>> y.data, x.grad
(8.0, 12.0)

It resembles PyTorch's ``torch.autograd.Function`` (forward and backward side by
side), except that the rule returns local derivatives rather than multiplying an
incoming gradient: the engine does the multiplying, which is the chain rule.

An op takes one or two operands, like Python's operators. In a formula, ``{a}``
and ``{b}`` stand for the operands and ``{out}`` for the result.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Union

from .checks import as_finite_float, describe, is_real, short_repr

if TYPE_CHECKING:  # for the type checker only: engine imports this module, not the reverse
    from .engine import Value

__all__ = [
    "Op",
    "Operators",
    "ADD",
    "SUB",
    "MUL",
    "DIV",
    "POW",
    "POW_BY_VALUE",
    "NEG",
    "EXP",
    "LOG",
    "TANH",
    "SIGMOID",
    "RELU",
    "exp",
    "log",
    "tanh",
    "sigmoid",
    "relu",
    "rule_local_grads",
    "building_gradient_graph",
]

Number = Union[float, "Value"]  # a rule's arithmetic runs on floats and on Values alike

_new = object.__new__  # a node without __init__ (which is for leaves)
_UNARY = object()  # the default second operand: "this call has one operand"
LARGEST_EXP_INPUT = math.log(1.7976931348623157e308)  # about 709.78: e^x beyond it is no float


class Op:
    """One operation. Subclass it: set `name`, write `forward` and `local_grads`,
    optionally `formula`; then call an instance on Values or numbers."""

    name: str = "op"
    #: The local derivatives as text, one per operand (a str for an op of one operand).
    formula: str | tuple[str, ...] | None = None
    apply: Callable[..., Value]

    def forward(self, *xs: float) -> float:
        """The value of the operation at the operands' numbers."""
        raise NotImplementedError(f"{type(self).__name__}: define forward(self, *xs) to compute the value")

    def local_grads(self, out: Any, *xs: Any) -> tuple[Any, ...]:
        """d(out)/d(x_i) for each operand, as a tuple. `out` is the result (reuse it
        when the maths allows: e^x's derivative is `out` itself)."""
        raise NotImplementedError(
            f"{type(self).__name__}: define local_grads(self, out, *xs) to return one derivative per operand"
        )

    def __new__(cls, *args: Any, **kwargs: Any) -> Op:
        op = super().__new__(cls)
        op.apply = _application(op)  # what calling the op does; Value's operators use it directly
        return op

    def __call__(self, a: Any, b: Any = _UNARY) -> Value:
        """Apply the op: compute the value and the local derivatives, and make the node."""
        return self.apply(a, b)

    def __repr__(self) -> str:
        return f"<op {self.name!r}>"

    def __reduce__(self) -> Any:
        # The built-in ops are single instances: unpickling gives back the same one.
        for name, value in _BUILT_IN.items():
            if value is self:
                return name
        return _new_op, (type(self),), self.__getstate__()

    def __getstate__(self) -> Any:
        # `apply` is made again by __new__ when the op is unpickled.
        return {key: value for key, value in self.__dict__.items() if key != "apply"}


def rule_local_grads(node: Value) -> tuple[Any, Any]:
    """(d/d_a, d/d_b) of `node` from its op's rule, with the node itself as `out` and its
    operands as Values (a number operand stays a number): the same rule that gave the
    stored floats, now building a graph. A number operand's slot gets 0.0."""
    a, b, constant, rule = node._a, node._b, node._constant, node._rule
    try:
        if b is None and constant is None:  # an op of one operand
            return rule.local_grads(node, a)[0], 0.0
        da, db = rule.local_grads(node, a if a is not None else constant, b if b is not None else constant)
    except TypeError as error:
        raise TypeError(
            f"{rule.name}: its local_grads ran on Values, for grad(..., create_graph=True), and failed ({error}). "
            "Write the rule with arithmetic and tinygrad_edu.ops.exp, log, tanh, ... (not math.exp), so that "
            "it works on floats and on Values alike."
        ) from None
    return (da if a is not None else 0.0), (db if b is not None else 0.0)


def _new_op(cls: type[Op]) -> Op:
    """Unpickling an op of your own: a new instance (its `apply` is made by Op.__new__)."""
    return cls.__new__(cls)


def _application(op: Op) -> Callable[..., Value]:
    """The function that applies `op`: ``apply(a)`` or ``apply(a, b)`` computes the value and
    the local derivatives from the operands' numbers and makes the node that stores them.
    (A plain function, not a method, so that Value's operators can be this function itself.)"""

    isfinite = math.isfinite

    def apply(a: Any, b: Any = _UNARY) -> Value:
        if b is _UNARY:  # an op of one operand
            if not isinstance(a, Operators):
                raise _no_value_operand(op, (a,))
            node_class = type(a)
            x = a.data
            try:
                out = op.forward(x)
            except TypeError as error:
                raise _bad_operand(op, error, a) from None
            try:
                (da,) = op.local_grads(out, x)
            except Exception as error:
                da = _failed_rule(op, error, 1, (x,))
            b = constant = None
            db = 0.0
        else:
            node_class = type(a)
            if node_class is type(b) and isinstance(a, Operators):  # two Values (the common case first)
                x = a.data
                y = b.data
                constant = None
            elif isinstance(a, Operators):
                x = a.data
                if isinstance(b, Operators):  # two Values of different classes
                    y = b.data
                    constant = None
                else:  # a Value and a number: one child; the number is kept as a constant
                    y = constant = b if type(b) is float and b - b == 0.0 else as_finite_float(b, op.name)
                    b = None
            elif isinstance(b, Operators):  # a number and a Value
                node_class = type(b)
                x = constant = a if type(a) is float and a - a == 0.0 else as_finite_float(a, op.name)
                y = b.data
                a = None
            else:
                raise _no_value_operand(op, (a, b))
            try:
                out = op.forward(x, y)
            except TypeError as error:
                raise _bad_operand(op, error, a, b) from None
            try:
                da, db = op.local_grads(out, x, y)
            except Exception as error:
                da = db = _failed_rule(op, error, 2, (x, y))
        # The node stores the value and the local derivatives; `backward()` needs nothing else.
        try:  # False if one of them is inf or NaN (or the sum overflows), or forward gave no float
            finite = isfinite(out + da + db) and type(out) is float
        except TypeError:  # a rule returned something that is not a number
            finite = False
        if not finite:
            out, da, db = _check_node(op, out, a, da, b, db, constant)
        node: Any = _new(node_class)
        node.data = out
        node.grad = 0.0
        node._label = ""
        node._rule = op
        node._a = a
        node._da = da
        node._b = b
        node._db = db
        node._constant = constant
        return node

    apply.__qualname__ = f"{type(op).__name__}.apply"
    apply.__doc__ = type(op).__doc__ or op.name
    return apply


def _no_value_operand(op: Op, numbers: tuple[Any, ...]) -> TypeError:
    shown = ", ".join(describe(x) for x in numbers)
    return TypeError(
        f"{op.name}: expected at least one Value operand, got {shown}; an op builds a node "
        f"of the graph (for the plain number, call {type(op).__name__}().forward(...))"
    )


def _bad_operand(op: Op, error: TypeError, *operands: Any) -> Exception:
    """forward failed with a TypeError: most likely a .data set by hand to a non-number."""
    for operand in operands:
        if operand is not None and not isinstance(operand.data, (int, float)):
            return TypeError(
                f"{op.name}: the operand {short_repr(operand)} has .data = "
                f"{short_repr(operand.data)}, not a number (was .data set by hand?)"
            )
    return error


def _failed_rule(op: Op, error: Exception, count: int, numbers: tuple[float, ...]) -> float:
    """local_grads raised. While a graph of gradients is built, a derivative that cannot be
    taken here is stored as NaN (it only matters if that graph is differentiated again, and
    backward reports it then). Otherwise: an error that names the op and the numbers."""
    shown = ", ".join(map(repr, numbers))
    if isinstance(error, (TypeError, ValueError)) and "unpack" in str(error):
        raise TypeError(
            f"{op.name}: local_grads must return a tuple of {count} local "
            f"derivative{'s' if count > 1 else ''}, one per operand ({error})"
        ) from None
    if _building_gradient_graph.get():
        return math.nan
    if isinstance(error, (OverflowError, ZeroDivisionError)):
        raise OverflowError(f"{op.name}: the local derivative at {shown} is too large for a float ({error})") from None
    raise error


def _check_node(rule: Op, data: Any, a: Any, da: Any, b: Any, db: Any, constant: Any) -> tuple[float, Any, Any]:
    """The value or a local derivative is not a finite float: say which, or return them as floats (an
    int is fine), putting up with an infinite local derivative while a graph of gradients is built:
    it only matters if that graph is differentiated again."""
    operands = [x.data for x in (a, b) if x is not None]
    if constant is not None:
        operands.insert(0 if a is None else 1, constant)
    shown = ", ".join(map(repr, operands))
    if not all(isinstance(x, (int, float)) and math.isfinite(x) for x in operands):
        raise ValueError(f"{rule.name}: an operand is not a finite number ({shown}); was a .data set to nan or inf?")
    if not isinstance(data, (int, float)) or isinstance(data, bool):
        raise TypeError(f"{rule.name}: forward must return a number, got {describe(data)}")
    if not math.isfinite(data):
        raise OverflowError(f"{rule.name}: the result of {rule.name} on {shown} is {data!r}, outside the float range")
    for operand, local in ((a, da), (b, db)):
        if operand is not None and (not isinstance(local, (int, float)) or isinstance(local, bool)):
            raise TypeError(f"{rule.name}: local_grads must return numbers, got {describe(local)}")
    if _building_gradient_graph.get():
        return float(data), float(da), float(db)
    for operand, local in ((a, da), (b, db)):
        if operand is not None and not math.isfinite(local):
            raise OverflowError(f"{rule.name}: the local derivative at {shown} is {local!r}, outside the float range")
    return float(data), (float(da) if a is not None else 0.0), (float(db) if b is not None else 0.0)


# True while this thread (or task) builds a graph of gradients; other threads are not affected.
_building_gradient_graph: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "building_gradient_graph", default=False
)


@contextlib.contextmanager
def building_gradient_graph() -> Iterator[None]:
    """While a graph of gradients is built (``grad(..., create_graph=True)``), a local
    derivative that cannot be taken is stored as NaN instead of raising: it matters only
    if that graph is differentiated again, and backward() reports it then."""
    token = _building_gradient_graph.set(True)
    try:
        yield
    finally:
        _building_gradient_graph.reset(token)


# ----- the built-in operations: value and local derivatives side by side ------------------------


class Add(Op):
    """a + b.   d/da = 1,  d/db = 1"""

    name = "+"
    formula = ("1", "1")

    def forward(self, a, b):
        # BEGIN LESSON 1
        return a + b
        # END LESSON 1

    def local_grads(self, out, a, b):
        # BEGIN LESSON 1
        return 1.0, 1.0
        # END LESSON 1


class Sub(Op):
    """a - b.   d/da = 1,  d/db = -1"""

    name = "-"
    formula = ("1", "-1")

    def forward(self, a, b):
        # BEGIN LESSON 2
        return a - b
        # END LESSON 2

    def local_grads(self, out, a, b):
        # BEGIN LESSON 2
        return 1.0, -1.0
        # END LESSON 2


class Mul(Op):
    """a * b.   d/da = b,  d/db = a"""

    name = "*"
    formula = ("{b}", "{a}")

    def forward(self, a, b):
        # BEGIN LESSON 1
        return a * b
        # END LESSON 1

    def local_grads(self, out, a, b):
        # BEGIN LESSON 1
        return b, a
        # END LESSON 1


class Div(Op):
    """a / b.   d/da = 1/b,  d/db = -a/b^2 = -(a/b)/b"""

    name = "/"
    formula = ("1/{b}", "-{out}/{b}")

    def forward(self, a, b):
        if b == 0.0:
            raise ZeroDivisionError(f"/: division by zero in {a!r} / {b!r}")
        # BEGIN LESSON 2
        return a / b
        # END LESSON 2

    def local_grads(self, out, a, b):
        # BEGIN LESSON 2
        return 1 / b, -out / b
        # END LESSON 2


class Neg(Op):
    """-a.   d/da = -1"""

    name = "neg"
    formula = "-1"

    def forward(self, a):
        # BEGIN LESSON 2
        return -a
        # END LESSON 2

    def local_grads(self, out, a):
        # BEGIN LESSON 2
        return (-1.0,)
        # END LESSON 2


class Pow(Op):
    """x ** c, with c a number.   d/dx = c x^(c-1)"""

    name = "**"
    formula = ("{b} {a}^({b} - 1)", "")

    def forward(self, x, c):
        if x == 0.0 and c < 0.0:
            raise ZeroDivisionError(f"**: 0 cannot be raised to the negative power {c!r} ({x!r} ** {c!r})")
        if x < 0.0 and not float(c).is_integer():
            raise ValueError(f"**: {x!r} ** {c!r} is not a real number (a negative base needs a whole-number exponent)")
        try:
            # BEGIN LESSON 2
            return x**c
            # END LESSON 2
        except OverflowError:
            raise OverflowError(f"**: {x!r} ** {c!r} is too large for a float") from None

    def local_grads(self, out, x, c):
        if c == 0:
            return 0.0, 0.0  # x^0 = 1 is flat everywhere, even at x = 0
        if _number(x) == 0.0 and c < 1:
            raise ValueError(
                f"**: the derivative of x ** {c!r} is infinite at x = 0.0 ({c!r} * x ** {c - 1!r}); "
                "use an exponent >= 1 or a base away from 0"
            )
        # BEGIN LESSON 2
        return c * x ** (c - 1), 0.0  # the exponent is a number: nothing to differentiate
        # END LESSON 2


class PowByValue(Op):
    """a ** b, with b a Value.   d/da = b a^(b-1),  d/db = a^b ln(a)  (needs a > 0)"""

    name = "**"
    formula = ("{b} {a}^({b} - 1)", "{out} ln({a})")

    def forward(self, a, b):
        if a <= 0.0:
            raise ValueError(
                f"**: {a!r} ** {b!r} with a Value exponent needs a positive base "
                f"(its derivative base^y ln(base) is undefined for base {a!r})"
            )
        try:
            return a**b
        except OverflowError:
            raise OverflowError(f"**: {a!r} ** {b!r} is too large for a float") from None

    def local_grads(self, out, a, b):
        # BEGIN CUT WITH LESSON 2
        return b * a ** (b - 1), out * log(a)
        # END CUT WITH LESSON 2


class Exp(Op):
    """e^a.   d/da = e^a (the output itself)"""

    name = "exp"
    formula = "{out}"

    def forward(self, a):
        if a > LARGEST_EXP_INPUT:
            raise OverflowError(
                f"exp: exp({a!r}) is too large for a float (inputs must be at most {LARGEST_EXP_INPUT})"
            )
        # BEGIN LESSON 5
        return math.exp(a)
        # END LESSON 5

    def local_grads(self, out, a):
        # BEGIN LESSON 5
        return (out,)
        # END LESSON 5


class Log(Op):
    """ln(a).   d/da = 1/a  (needs a > 0)"""

    name = "log"
    formula = "1/{a}"

    def forward(self, a):
        if a <= 0.0:
            raise ValueError(f"log: the logarithm needs a positive number, got {a!r}")
        return math.log(a)

    def local_grads(self, out, a):
        return (1 / a,)


class Tanh(Op):
    """tanh(a).   d/da = 1 - tanh(a)^2"""

    name = "tanh"
    formula = "1 - {out}^2"

    def forward(self, a):
        return math.tanh(a)  # saturates to +-1 without overflow

    def local_grads(self, out, a):
        # BEGIN LESSON 6
        return (1 - out * out,)
        # END LESSON 6


class Sigmoid(Op):
    """s(a) = 1 / (1 + e^-a).   d/da = s(a) (1 - s(a))"""

    name = "sigmoid"
    formula = "{out}(1 - {out})"

    def forward(self, a):
        if a >= 0.0:
            return 1.0 / (1.0 + math.exp(-a))  # e^-a <= 1: cannot overflow
        e = math.exp(a)  # e^a < 1: cannot overflow
        return e / (1.0 + e)

    def local_grads(self, out, a):
        # BEGIN LESSON 6
        return (out * (1 - out),)
        # END LESSON 6


class Relu(Op):
    """max(0, a).   d/da = 1 if a > 0 else 0"""

    name = "relu"
    formula = "1 if {a} > 0 else 0"

    def forward(self, a):
        if a > 0.0:
            return a
        if a <= 0.0:
            return 0.0
        raise ValueError(f"relu: the input is {a!r}, not a number (was .data set to nan by hand?)")

    def local_grads(self, out, a):
        # BEGIN LESSON 6
        return (1.0 if a > 0.0 else 0.0,)  # a Value compares by its .data, so this works for both
        # END LESSON 6


ADD, SUB, MUL, DIV, NEG = Add(), Sub(), Mul(), Div(), Neg()
POW, POW_BY_VALUE = Pow(), PowByValue()
EXP, LOG, TANH, SIGMOID, RELU = Exp(), Log(), Tanh(), Sigmoid(), Relu()
_BUILT_IN = {name: value for name, value in globals().items() if isinstance(value, Op)}
for _name, _op in _BUILT_IN.items():  # so that pickle finds Value.exp & co. as ops.EXP.apply
    _op.apply.__qualname__ = f"{_name}.apply"


# ----- the operators of Value: each one is its op ---------------------------------------------------


class Operators:
    """The operators every `Value` has (engine.Value inherits them): each one applies its
    op above, so ``a * b`` is ``MUL(a, b)`` and ``a.exp()`` is ``EXP(a)``."""

    __slots__ = ()
    data: float  # the number, a slot of engine.Value

    __add__ = ADD.apply
    __sub__ = SUB.apply
    __mul__ = MUL.apply
    __truediv__ = DIV.apply
    __neg__ = NEG.apply
    exp = EXP.apply
    log = LOG.apply
    tanh = TANH.apply
    sigmoid = SIGMOID.apply
    relu = RELU.apply

    # Comparisons look at .data (as PyTorch's 0-d tensors do): max(a, b) keeps the graph.
    # == stays identity: Values are graph nodes, kept in sets and dicts.
    def __lt__(self, other: Any) -> bool:
        return self.data < _data(other, "<")

    def __le__(self, other: Any) -> bool:
        return self.data <= _data(other, "<=")

    def __gt__(self, other: Any) -> bool:
        return self.data > _data(other, ">")

    def __ge__(self, other: Any) -> bool:
        return self.data >= _data(other, ">=")

    def __bool__(self) -> bool:
        raise TypeError(_not_a_number("True or False", "if v.data > 0:", "compare Values: if a > b:"))

    def __float__(self) -> float:
        raise TypeError(
            _not_a_number(
                "a float (math.exp(v) and friends ask for one)",
                "float(v.data)",
                "use v.exp(), v.log(), v.tanh() to stay in the graph",
            )
        )

    def __int__(self) -> int:
        raise TypeError(_not_a_number("an int", "int(v.data)", "the graph has no integer operations"))

    def __index__(self) -> int:
        raise TypeError(_not_a_number("an index", "int(v.data)", "the graph has no integer operations"))

    def __round__(self, ndigits: Any = None) -> float:
        raise TypeError(_not_a_number("a rounded number", "round(v.data, 3)", "rounding has no derivative"))

    def __pow__(self, other: Any) -> Value:
        return (POW_BY_VALUE if isinstance(other, Operators) else POW).apply(self, other)

    # The reflected forms, for a number on the left: 2 + x, 2 - x, ...
    def __radd__(self, other: Any) -> Value:
        return ADD.apply(other, self)

    def __rsub__(self, other: Any) -> Value:
        return SUB.apply(other, self)

    def __rmul__(self, other: Any) -> Value:
        return MUL.apply(other, self)

    def __rtruediv__(self, other: Any) -> Value:
        return DIV.apply(other, self)

    def __rpow__(self, other: Any) -> Value:
        return POW_BY_VALUE.apply(other, self)


# ----- functions for rules: floats in, floats out; Values in, Values out ------------------------


def exp(x: Number) -> Number:
    """e^x, for a float or a Value."""
    return EXP(x) if isinstance(x, Operators) else EXP.forward(x)


def log(x: Number) -> Number:
    """ln(x), for a float or a Value."""
    return LOG(x) if isinstance(x, Operators) else LOG.forward(x)


def tanh(x: Number) -> Number:
    """tanh(x), for a float or a Value."""
    return TANH(x) if isinstance(x, Operators) else TANH.forward(x)


def sigmoid(x: Number) -> Number:
    """1 / (1 + e^-x), for a float or a Value."""
    return SIGMOID(x) if isinstance(x, Operators) else SIGMOID.forward(x)


def relu(x: Number) -> Number:
    """max(0, x), for a float or a Value."""
    return RELU(x) if isinstance(x, Operators) else RELU.forward(x)


def _number(x: Number) -> float:
    return x.data if isinstance(x, Operators) else x


def _data(other: Any, where: str) -> float:
    """The number a comparison looks at: a Value's .data, or the number itself."""
    if isinstance(other, Operators):
        return other.data
    if not is_real(other):
        raise TypeError(f"{where}: cannot compare a Value with {describe(other)}")
    return float(other)


def _not_a_number(what: str, number: str, graph: str) -> str:
    return (
        f"a Value is a node of the graph, not a plain number, so it cannot become {what}: "
        f"for its number use .data (e.g. {number}); {graph}"
    )
