"""Every operation is one rule: its value and its local derivatives.

`forward(*xs)` computes the value from the operands' numbers; `local_grads(out, *xs)`
returns d(out)/d(x_i) for each operand, in plain arithmetic and the helpers below
(`exp`, `log`, ...), so that one rule gives floats when a node is made and Values under
``grad(..., create_graph=True)``. `formula` is the same derivatives as text for the
pictures (``{a}``, ``{b}`` the operands, ``{out}`` the result, ``^`` a power). The
operators of `Value` are the ops below; an op of your own works the same way:

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

As ``torch.autograd.Function``, but a rule returns local derivatives instead of multiplying
an incoming gradient: the engine does that (the chain rule). An op takes one or two operands.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Union

from .checks import is_real

if TYPE_CHECKING:
    from .engine import Value

__all__ = ["Op", "BUILT_IN_OPS", "exp", "log", "tanh", "sigmoid", "relu"]
__all__ += ["ADD", "SUB", "MUL", "DIV", "POW", "POW_BY_VALUE", "NEG", "EXP", "LOG", "TANH", "SIGMOID", "RELU"]

Number = Union[float, "Value"]  # a rule's arithmetic runs on floats and on Values alike
_ENGINE = f"{__package__}.engine"


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
        raise NotImplementedError(f"{type(self).__name__}: define forward(self, *xs), the value")

    def local_grads(self, out: Any, *xs: Any) -> Any:
        """d(out)/d(x_i) for each operand, as a tuple (a rule may use the result `out`)."""
        raise NotImplementedError(f"{type(self).__name__}: define local_grads(self, out, *xs), one per operand")

    def __call__(self, *operands: Any) -> Value:
        """Apply the op: a new node that keeps the value and the local derivatives."""
        # engine.Value makes it; looked up, not imported, since the engine imports this module
        return sys.modules[_ENGINE].Value.apply(self, *operands)

    def __repr__(self) -> str:
        return f"<op {self.name!r}>"

    def __reduce_ex__(self, protocol: Any) -> Any:
        # The built-in ops are single instances: unpickling gives back the same one.
        for name, op in _BY_NAME.items():
            if op is self:
                return name
        return super().__reduce_ex__(protocol)


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
        # BEGIN LESSON 2
        return x**c
        # END LESSON 2

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
        return a**b

    def local_grads(self, out, a, b):
        # BEGIN CUT WITH LESSON 2
        return b * a ** (b - 1), out * log(a)
        # END CUT WITH LESSON 2


class Exp(Op):
    """e^a"""

    name = "exp"
    formula = "{out}"

    def forward(self, a):
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


def _for_floats_and_values(op: Op) -> Callable[[Number], Number]:
    def function(x: Number) -> Number:
        return op.forward(x) if is_real(x) else op(x)

    function.__name__ = function.__qualname__ = op.name
    function.__doc__ = f"{op.__doc__}: a float for a float, a Value (a node) for a Value."
    return function


exp, log, tanh, sigmoid, relu = map(_for_floats_and_values, (EXP, LOG, TANH, SIGMOID, RELU))


def _number(x: Number) -> float:
    return x if isinstance(x, (int, float)) else x.data
