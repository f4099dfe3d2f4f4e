"""Every operation is one rule: what it computes, and its local derivatives.

An `Op` subclass has `forward(*xs)`, the value from the operands' numbers, and
`local_grads(out, *xs)`, d(out)/d(x_i) for each operand, written in plain arithmetic
(and the helpers `exp`, `log`, ... below) so that the same rule gives floats in the
forward pass and Values under ``grad(..., create_graph=True)``; `formula` is the same
derivatives as text, for pictures and the step player. Calling an op makes a node
that keeps the value and the local derivatives; `backward()` then only multiplies and
adds. The operators of `Value` are the ops below, and an op of your own works the
same way everywhere:

>>> from tinygrad_edu import Value
>>> from tinygrad_edu.ops import Op
>>> import math
>>> from tinygrad_edu.ops import sigmoid
>>> class Softplus(Op):                     # softplus(a) = ln(1 + e^a)
...     name = "softplus"
...     formula = "sigmoid({a})"
...     def forward(self, a):
...         return math.log1p(math.exp(-abs(a))) + max(a, 0.0)
...     def local_grads(self, out, a):
...         return (sigmoid(a),)
>>> softplus = Softplus()
>>> x = Value(0.0)
>>> y = softplus(x)
>>> y.backward()
>>> y.data, x.grad
(0.6931471805599453, 0.5)

Like PyTorch's ``torch.autograd.Function``, but the rule returns local derivatives
instead of multiplying an incoming gradient: the engine does that (the chain rule).
An op takes one or two operands. A formula is written as a textbook would: ``{a}``,
``{b}`` stand for the operands, ``{out}`` for the result, ``^`` is a power, ``ln``
the natural logarithm, a factor beside a bracket multiplies it (``{b}({a} + 1)``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Union

from .checks import is_real, not_a_value_operand

if TYPE_CHECKING:
    from .engine import Value

__all__ = ["Op", "Operators", "BUILT_IN_OPS", "LARGEST_EXP_INPUT", "exp", "log", "tanh", "sigmoid", "relu"]
__all__ += ["ADD", "SUB", "MUL", "DIV", "POW", "POW_BY_VALUE", "NEG", "EXP", "LOG", "TANH", "SIGMOID", "RELU"]

Number = Union[float, "Value"]  # a rule's arithmetic runs on floats and on Values alike
LARGEST_EXP_INPUT = math.log(1.7976931348623157e308)  # about 709.78: e^x beyond it is no float


class Op:
    """One operation. Subclass it: set `name`, write `forward` and `local_grads`,
    optionally `formula` and `symbol`; then call an instance on Values or numbers."""

    name: str = "op"
    #: Written between two operands in pictures ("×" for *); None: shown by its name.
    symbol: str | None = None
    #: The local derivatives as text, one per operand (a str for an op of one operand).
    formula: str | tuple[str, ...] | None = None

    def forward(self, *xs: Any) -> Any:
        """The value of the operation at the operands' numbers."""
        raise NotImplementedError(f"{type(self).__name__}: define forward(self, *xs) to compute the value")

    def local_grads(self, out: Any, *xs: Any) -> Any:
        """d(out)/d(x_i) for each operand, as a tuple. `out` is the result: a rule
        may use it (it costs nothing more)."""
        raise NotImplementedError(
            f"{type(self).__name__}: define local_grads(self, out, *xs) to return one derivative per operand"
        )

    def __call__(self, *operands: Any) -> Value:
        """Apply the op: a new node that keeps the value and the local derivatives. The node's
        class (the class of a Value operand: engine.Value) makes it."""
        for operand in operands:
            if isinstance(operand, Operators):
                return operand.apply(self, *operands)
        raise not_a_value_operand(self.name, type(self).__name__, operands)

    def __repr__(self) -> str:
        return f"<op {self.name!r}>"

    def __reduce_ex__(self, protocol: Any) -> Any:
        # The built-in ops are single instances: unpickling gives back the same one.
        for name, op in _BY_NAME.items():
            if op is self:
                return name
        return super().__reduce_ex__(protocol)


class Operators:
    """The base of the nodes an op is applied to: `engine.Value`, which has the operators
    (``a * b`` is ``MUL(a, b)``) and makes the nodes. Here so that ops need not import it."""

    __slots__ = ()

    @staticmethod
    def apply(op: Op, *operands: Any) -> Value:
        """The node ``op(*operands)``."""
        raise NotImplementedError("a node class defines apply(op, *operands)")


# ----- the built-in operations --------------------------------------------------------------------


class Add(Op):
    """a + b"""

    name = symbol = "+"
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
    """a - b"""

    name = symbol = "-"
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
    """a * b"""

    name, symbol = "*", "×"
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
    """a / b, for b other than 0"""

    name = symbol = "/"
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
    """-a"""

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
    """x ** c, with c a plain number"""

    name = symbol = "**"
    formula = ("{b} {a}^({b} - 1)", "")  # the exponent is a number: it has no gradient

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
                f"**: the derivative of x ** {c!r} is infinite at x = 0.0 (the curve is vertical there); "
                "use an exponent >= 1 or a base away from 0"
            )
        # BEGIN LESSON 2
        return c * x ** (c - 1), 0.0  # the exponent is a number: nothing to differentiate
        # END LESSON 2


class PowByValue(Op):
    """a ** b, with b a Value (a must be positive)"""

    name = symbol = "**"
    formula = ("{b} {a}^({b} - 1)", "{out} ln({a})")

    def forward(self, a, b):
        if a <= 0.0:
            raise ValueError(
                f"**: {a!r} ** {b!r} with a Value exponent needs a positive base "
                f"(the slope towards the exponent is undefined for base {a!r})"
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
    """e^a"""

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
    """ln(a), the natural logarithm, for a > 0"""

    name = "log"
    formula = "1/{a}"

    def forward(self, a):
        if a <= 0.0:
            raise ValueError(f"log: the logarithm needs a positive number, got {a!r}")
        return math.log(a)

    def local_grads(self, out, a):
        return (1 / a,)


class Tanh(Op):
    """tanh(a), the hyperbolic tangent"""

    name = "tanh"
    formula = "1 - {out}^2"

    def forward(self, a):
        return math.tanh(a)  # saturates to +-1 without overflow

    def local_grads(self, out, a):
        # BEGIN LESSON 6
        return (1 - out * out,)
        # END LESSON 6


class Sigmoid(Op):
    """s(a) = 1 / (1 + e^-a), the logistic function"""

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
    """max(0, a)"""

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
_BY_NAME = {name: op for name, op in globals().items() if isinstance(op, Op)}  # "ADD": ADD, ...
BUILT_IN_OPS = tuple(_BY_NAME.values())


# ----- functions for rules: floats in, floats out; Values in, Values out ------------------------


def exp(x: Number) -> Number:
    """e^x, for a float or a Value."""
    return EXP.forward(x) if is_real(x) else EXP(x)


def log(x: Number) -> Number:
    """ln(x), for a float or a Value."""
    return LOG.forward(x) if is_real(x) else LOG(x)


def tanh(x: Number) -> Number:
    """tanh(x), for a float or a Value."""
    return TANH.forward(x) if is_real(x) else TANH(x)


def sigmoid(x: Number) -> Number:
    """1 / (1 + e^-x), for a float or a Value."""
    return SIGMOID.forward(x) if is_real(x) else SIGMOID(x)


def relu(x: Number) -> Number:
    """max(0, x), for a float or a Value."""
    return RELU.forward(x) if is_real(x) else RELU(x)


def _number(x: Number) -> float:
    return x if isinstance(x, (int, float)) else x.data
