"""The computation graph: `Value`, its operations, and the backward pass.

Read this file top to bottom:

1. `Value` holds one real number and remembers how it was made: the operation
   (`op`), the operands it came from (`children`) and, for each of them, the
   local derivative d(self)/d(child) (`local_grads`), computed in the forward pass.
2. Each operation is one short method: it checks its inputs, computes the value
   and the local derivatives side by side, and builds the node with `_new_node`.
3. `backward()` applies the chain rule: it visits the nodes from the output back
   to the inputs and adds ``node.grad * local_grad`` into every child's gradient.

Design notes for the curious (they are why the engine is fast and never recurses):

* A node stores its (at most two) operands and their local derivatives in
  private slots, not in tuples or closures. A node is then a single object that
  the garbage collector tracks, with no reference cycle, so building a big graph
  stays cheap and a dropped graph is freed at once. `children` and `local_grads`
  build their tuples only when you ask for them.
* A number operand (the 2 in ``x * 2``) is not turned into a node; it is kept in
  `_constant`, and the operand slot it would have used stays ``None``. Keeping it
  means the local derivatives can always be rebuilt from the op, its operands and
  that constant.
* Every graph walk is a loop over an explicit stack, so a chain a million nodes
  deep works (a recursive walk stops at Python's limit of about a thousand).
"""

import math
import numbers

__all__ = ["Value", "grad", "topological_order"]


def _as_real(x, where, expected="a real number (int or float) or a Value"):
    """Return `x` as a finite Python float, or raise an error that names `where`
    (the operation), the value received and what was expected."""
    if type(x) is float or type(x) is int or (isinstance(x, numbers.Real) and not isinstance(x, bool)):
        # int, float, numpy.float64, numpy.int32, fractions.Fraction, ...
        try:
            number = float(x)
        except OverflowError:
            raise ValueError(f"{where}: expected a finite real number, got a number too large for a float "
                             f"({_short_repr(x)})") from None
    else:
        if isinstance(x, bool):
            got = f"the bool {x!r}"
        elif isinstance(x, Value):
            got = f"the Value {x!r} (a Value is not wrapped in another; use it as it is)"
        else:
            got = f"{type(x).__name__} {_short_repr(x)}"
        raise TypeError(f"{where}: expected {expected}, got {got}")
    if not math.isfinite(number):
        raise ValueError(f"{where}: expected a finite real number, got {number!r}")
    return number


def _short_repr(x, limit=60):
    text = repr(x)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Value:
    """A scalar in a computation graph: its value, its gradient, and how it was made.

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b + a            # c = ab + a
    >>> c.backward()
    >>> a.grad, b.grad           # dc/da = b + 1, dc/db = a
    (-2.0, 2.0)
    """

    # data, grad: the value and d(output)/d(self), plain writable floats.
    # _a, _b: the left and right operand when it is a Value (else None).
    # _da, _db: d(self)/d(_a) and d(self)/d(_b), plain floats.
    # _constant: the operand that is a plain number, if any (None otherwise).
    __slots__ = ("data", "grad", "_label", "_op", "_a", "_da", "_b", "_db", "_constant")

    # numpy: `array + value` should ask Value (which refuses arrays), not build an array of Values.
    __array_ufunc__ = None

    def __init__(self, data, label=""):
        """A leaf: a number that was not computed from other Values (an input or a parameter)."""
        if type(data) is float and math.isfinite(data):  # the common case, checked first
            self.data = data
        else:
            self.data = _as_real(data, "Value()", "a real number (int, float or a real scalar such as numpy.float64)")
        if type(label) is not str:
            raise TypeError(f"Value(): label must be a str, got {type(label).__name__} {_short_repr(label)}")
        self.grad = 0.0
        self._label = label
        self._op = ""
        self._a = self._b = self._constant = None
        self._da = self._db = 0.0

    # ----- read-only views of the graph ------------------------------------------------

    @property
    def label(self):
        """A name for pictures and error messages ("" when unnamed)."""
        return self._label

    @property
    def op(self):
        """The operation that made this node ("+", "*", "tanh", ...); "" for a leaf."""
        return self._op

    @property
    def children(self):
        """The Values this node was computed from, in operand order (``a*a`` gives ``(a, a)``)."""
        return tuple(child for child in (self._a, self._b) if child is not None)

    @property
    def local_grads(self):
        """d(self)/d(child) for each child, in the same order as `children`."""
        grads = []
        if self._a is not None:
            grads.append(self._da)
        if self._b is not None:
            grads.append(self._db)
        return tuple(grads)

    def named(self, label):
        """Give this node a label (shown in pictures and errors) and return it:
        ``e = (a * b).named("e")``."""
        if not isinstance(label, str):
            raise TypeError(f"named(): label must be a str, got {type(label).__name__} {_short_repr(label)}")
        self._label = label
        return self

    def __repr__(self):
        label = f", label={self._label!r}" if self._label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # ----- the operations: value and local derivatives side by side -------------------
    #
    # Each binary operation handles two cases: the other operand is a Value (two
    # children) or a plain number (one child; the number is kept as `constant`).

    def __add__(self, other):
        """a + b.   d/da = 1,  d/db = 1"""
        # BEGIN LESSON 1
        if isinstance(other, Value):
            return _new_node(self.data + other.data, "+", self, 1.0, other, 1.0, None)
        c = _as_real(other, "+")
        return _new_node(self.data + c, "+", self, 1.0, None, 0.0, c)
        # END LESSON 1

    def __radd__(self, other):
        """c + a.   d/da = 1"""
        # BEGIN LESSON 1
        c = _as_real(other, "+")
        return _new_node(c + self.data, "+", None, 0.0, self, 1.0, c)
        # END LESSON 1

    def __sub__(self, other):
        """a - b.   d/da = 1,  d/db = -1"""
        # BEGIN LESSON 5
        if isinstance(other, Value):
            return _new_node(self.data - other.data, "-", self, 1.0, other, -1.0, None)
        c = _as_real(other, "-")
        return _new_node(self.data - c, "-", self, 1.0, None, 0.0, c)
        # END LESSON 5

    def __rsub__(self, other):
        """c - a.   d/da = -1"""
        # BEGIN LESSON 5
        c = _as_real(other, "-")
        return _new_node(c - self.data, "-", None, 0.0, self, -1.0, c)
        # END LESSON 5

    def __mul__(self, other):
        """a * b.   d/da = b,  d/db = a"""
        # BEGIN LESSON 1
        if isinstance(other, Value):
            return _new_node(self.data * other.data, "*", self, other.data, other, self.data, None)
        c = _as_real(other, "*")
        return _new_node(self.data * c, "*", self, c, None, 0.0, c)
        # END LESSON 1

    def __rmul__(self, other):
        """c * a.   d/da = c"""
        # BEGIN LESSON 1
        c = _as_real(other, "*")
        return _new_node(c * self.data, "*", None, 0.0, self, c, c)
        # END LESSON 1

    def __truediv__(self, other):
        """a / b.   d/da = 1/b,  d/db = -a/b^2 = -(a/b)/b"""
        # BEGIN LESSON 5
        if isinstance(other, Value):
            b = other.data
            _check_divisor(self.data, b)
            out = self.data / b
            return _new_node(out, "/", self, _finite(1.0 / b, "/", b), other, _finite(-out / b, "/", b), None)
        c = _as_real(other, "/")
        _check_divisor(self.data, c)
        return _new_node(self.data / c, "/", self, _finite(1.0 / c, "/", c), None, 0.0, c)
        # END LESSON 5

    def __rtruediv__(self, other):
        """c / a.   d/da = -c/a^2 = -(c/a)/a"""
        # BEGIN LESSON 5
        c = _as_real(other, "/")
        a = self.data
        _check_divisor(c, a)
        out = c / a
        return _new_node(out, "/", None, 0.0, self, _finite(-out / a, "/", a), c)
        # END LESSON 5

    def __neg__(self):
        """-a.   d/da = -1"""
        # BEGIN LESSON 5
        return _new_node(-self.data, "neg", self, -1.0, None, 0.0, None)
        # END LESSON 5

    def __pow__(self, other):
        """a ** b.   d/da = b a^(b-1),  d/db = a^b ln(a)  (the second needs a > 0)"""
        # BEGIN LESSON 5
        a = self.data
        if isinstance(other, Value):
            b = other.data
            _check_value_exponent_base(a, b)
            out = _power(a, b)
            return _new_node(out, "**", self, _power_slope(a, b), other, _finite(out * math.log(a), "**", out), None)
        c = _as_real(other, "**")
        out = _power(a, c)
        return _new_node(out, "**", self, _power_slope(a, c), None, 0.0, c)
        # END LESSON 5

    def __rpow__(self, other):
        """c ** a.   d/da = c^a ln(c)  (needs c > 0)"""
        # BEGIN LESSON 5
        c = _as_real(other, "**")
        b = self.data
        _check_value_exponent_base(c, b)
        out = _power(c, b)
        return _new_node(out, "**", None, 0.0, self, _finite(out * math.log(c), "**", out), c)
        # END LESSON 5

    def exp(self):
        """e^a.   d/da = e^a (the output itself)"""
        # BEGIN LESSON 6
        a = self.data
        if a > _LARGEST_EXP_INPUT:
            raise OverflowError(
                f"exp: exp({a!r}) is too large for a float (inputs must be at most {_LARGEST_EXP_INPUT})"
            )
        out = math.exp(a)
        return _new_node(out, "exp", self, out, None, 0.0, None)
        # END LESSON 6

    def log(self):
        """ln(a).   d/da = 1/a  (needs a > 0)"""
        a = self.data
        if a <= 0.0:
            raise ValueError(f"log: the logarithm needs a positive number, got {a!r}")
        return _new_node(math.log(a), "log", self, _finite(1.0 / a, "log", a), None, 0.0, None)

    def tanh(self):
        """tanh(a).   d/da = 1 - tanh(a)^2"""
        t = math.tanh(self.data)  # math.tanh saturates to +-1 without overflow
        return _new_node(t, "tanh", self, 1.0 - t * t, None, 0.0, None)

    def sigmoid(self):
        """s(a) = 1 / (1 + e^-a).   d/da = s(a) (1 - s(a))"""
        # BEGIN LESSON 6
        a = self.data
        if a >= 0.0:
            s = 1.0 / (1.0 + math.exp(-a))  # e^-a <= 1: cannot overflow
        else:
            e = math.exp(a)  # e^a < 1: cannot overflow
            s = e / (1.0 + e)
        return _new_node(s, "sigmoid", self, s * (1.0 - s), None, 0.0, None)
        # END LESSON 6

    def relu(self):
        """max(0, a).   d/da = 1 if a > 0 else 0"""
        # BEGIN LESSON 11
        a = self.data
        if a > 0.0:
            return _new_node(a, "relu", self, 1.0, None, 0.0, None)
        if a <= 0.0:
            return _new_node(0.0, "relu", self, 0.0, None, 0.0, None)
        raise ValueError(f"relu: the input is {a!r}, not a number (was .data set to nan by hand?)")
        # END LESSON 11

    # ----- the backward pass -------------------------------------------------------------

    def backward(self):
        """Fill in ``node.grad = d(self)/d(node)`` for every node `self` depends on.

        The chain rule, one node at a time: visit the nodes from `self` back to the
        leaves (reverse topological order, so a node's gradient is complete before it
        is used) and add ``node.grad * local_grad`` into each child's gradient.
        Leaves (inputs, parameters) accumulate across calls, as in PyTorch; interior
        nodes start from 0 on every call.
        """
        # BEGIN LESSON 3
        order = topological_order(self)
        leaves, earlier_leaf_grads = [], []
        for node in order:
            if node._a is None and node._b is None:
                leaves.append(node)
                earlier_leaf_grads.append(node.grad)
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            a, b = node._a, node._b
            if a is not None:
                a.grad += node.grad * node._da
            if b is not None:
                b.grad += node.grad * node._db
        # Leaves keep what earlier calls gave them. Adding this call's gradient as one
        # sum (rather than term by term) makes a second call give exactly twice the first.
        for leaf, earlier in zip(leaves, earlier_leaf_grads):
            leaf.grad += earlier
            if not math.isfinite(leaf.grad):
                _undo_and_report_overflow(leaf, leaves, earlier_leaf_grads)
        # END LESSON 3

    def zero_grad(self):
        """Set the gradient of this node and of every node it depends on to 0."""
        for node in topological_order(self):
            node.grad = 0.0


# ----- helpers for the operations ----------------------------------------------------------


def _undo_and_report_overflow(leaf, leaves, earlier_leaf_grads):
    """backward() produced a non-finite gradient at `leaf`: put every leaf's gradient back
    as it was before the call, then raise. (A non-finite gradient anywhere flows down to
    some leaf, so checking the leaves catches every overflow in the products.)"""
    bad = leaf.grad
    for each, earlier in zip(leaves, earlier_leaf_grads):
        each.grad = earlier
    raise OverflowError(
        f"backward: the gradient of {leaf!r} came out as {bad!r}; a product of local "
        "derivatives overflowed the float range (scale your inputs down). "
        "The leaves' gradients were left as they were before this call."
    )


_LARGEST_EXP_INPUT = math.log(1.7976931348623157e308)  # about 709.78


def _new_node(data, op, a=None, da=0.0, b=None, db=0.0, constant=None):
    """The one place that creates a computed (non-leaf) node.

    `a`/`b` are the left/right operands when they are Values (None otherwise), `da`/`db`
    their local derivatives, `constant` the operand that is a plain number, if any. For
    example ``_new_node(a.data * b.data, "*", a, b.data, b, a.data)`` for a*b, or
    ``_new_node(c * a.data, "*", b=a, db=c, constant=c)`` for c*a with a number c.
    (The operations below pass all seven arguments by position: it is a little faster.)
    """
    if not math.isfinite(data):
        operands = [x.data for x in (a, b) if x is not None]
        if constant is not None:
            operands.insert(0 if a is None else 1, constant)
        shown = ", ".join(map(repr, operands))
        if not all(math.isfinite(x) for x in operands):  # only possible if .data was set by hand
            raise ValueError(f"{op}: an operand is not a finite number ({shown}); was a .data set to nan or inf?")
        raise OverflowError(f"{op}: the result of {op} on {shown} is {data!r}, outside the float range")
    node = _object_new(Value)
    node.data = data
    node.grad = 0.0
    node._label = ""
    node._op = op
    node._a = a
    node._da = da
    node._b = b
    node._db = db
    node._constant = constant
    return node


_object_new = object.__new__


def _finite(local_grad, op, value):
    """Return `local_grad`, or raise when it overflowed (e.g. 1/b for a tiny b)."""
    if not math.isfinite(local_grad):
        raise OverflowError(f"{op}: the local derivative at {value!r} is {local_grad!r}, outside the float range")
    return local_grad


def _check_divisor(numerator, divisor):
    if divisor == 0.0:
        raise ZeroDivisionError(f"/: division by zero in {numerator!r} / {divisor!r}")


def _check_value_exponent_base(base, exponent):
    # d(base^y)/dy = base^y ln(base) exists only for base > 0.
    if base <= 0.0:
        raise ValueError(
            f"**: {base!r} ** {exponent!r} with a Value exponent needs a positive base "
            f"(its derivative base^y ln(base) is undefined for base {base!r})"
        )


def _power(base, exponent):
    """base ** exponent as a real float, or an error that names both numbers."""
    if base == 0.0 and exponent < 0.0:
        raise ZeroDivisionError(f"**: 0 cannot be raised to the negative power {exponent!r} (0.0 ** {exponent!r})")
    if base < 0.0 and not exponent.is_integer():
        raise ValueError(
            f"**: {base!r} ** {exponent!r} is not a real number (a negative base needs a whole-number exponent)"
        )
    try:
        return base**exponent
    except OverflowError:
        raise OverflowError(f"**: {base!r} ** {exponent!r} is too large for a float") from None


def _power_slope(base, exponent):
    """d(base^c)/d(base) = c * base^(c-1), checked to be finite."""
    if exponent == 0.0:
        return 0.0  # base^0 is the constant 1
    if base == 0.0 and exponent < 1.0:
        raise ValueError(
            f"**: the derivative of x ** {exponent!r} is infinite at x = {base!r} "
            f"({exponent!r} * x ** {exponent - 1.0!r}); use an exponent >= 1 or a base away from 0"
        )
    try:
        return _finite(exponent * base ** (exponent - 1.0), "**", base)
    except OverflowError:
        raise OverflowError(
            f"**: the derivative of x ** {exponent!r} at x = {base!r} is too large for a float"
        ) from None


# ----- graph walks -----------------------------------------------------------------------

_FINISHED = object()  # stack marker: "the node below me has all its children ordered"


def topological_order(root):
    """Every node that `root` depends on (and `root`), each listed after all of its children.

    An iterative depth-first search: a node is pushed once to be expanded and, below a
    marker, again to be emitted when everything above the marker (its children) is done.
    """
    # BEGIN LESSON 2
    order = []
    seen = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node is _FINISHED:
            order.append(stack.pop())
            continue
        if node in seen:
            continue
        seen.add(node)
        a, b = node._a, node._b
        if a is None and b is None:
            order.append(node)  # a leaf has no children to wait for
            continue
        stack.append(node)
        stack.append(_FINISHED)
        if b is not None:
            stack.append(b)
        if a is not None:
            stack.append(a)  # pushed last, so the left operand is ordered first
    return order
    # END LESSON 2


# ----- gradients as values: grad() and higher derivatives ----------------------------------


def grad(output, inputs, create_graph=False):
    """d(output)/d(x) for each x in `inputs` (a list of Values), leaving every .grad untouched.

    The same chain rule as backward(), but the sums are kept in a dictionary instead of
    in the nodes. By default the gradients are floats. With ``create_graph=True`` they
    are Values, built from the same operations as everything else, so they can be
    differentiated again: ``grad(grad(y, [x], create_graph=True)[0], [x])`` is d2y/dx2.
    An input that `output` does not depend on gets 0.
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad: output must be a Value, got {type(output).__name__} {_short_repr(output)}")
    if isinstance(inputs, Value) or not isinstance(inputs, (list, tuple)):
        raise TypeError(f"grad: inputs must be a list of Values, got {type(inputs).__name__} {_short_repr(inputs)}")
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"grad: inputs[{i}] must be a Value, got {type(x).__name__} {_short_repr(x)}")
    order = topological_order(output)
    if create_graph:
        grads = {output: Value(1.0)}
        for node in reversed(order):
            if node._a is None and node._b is None:
                continue  # a leaf passes nothing on
            g = grads[node]  # complete: every consumer of `node` came earlier in this loop
            for child, local in zip((node._a, node._b), _local_grads_as_values(node)):
                if child is not None:
                    term = g * local
                    grads[child] = grads[child] + term if child in grads else term
        return [grads[x] if x in grads else Value(0.0) for x in inputs]

    grads = {output: 1.0}
    for node in reversed(order):
        g = grads[node]
        a, b = node._a, node._b
        if a is not None:
            grads[a] = grads.get(a, 0.0) + g * node._da
        if b is not None:
            grads[b] = grads.get(b, 0.0) + g * node._db
    result = [grads.get(x, 0.0) for x in inputs]
    for i, value in enumerate(result):
        if not math.isfinite(value):
            raise OverflowError(f"grad: the gradient for inputs[{i}] is {value!r}; a product of local derivatives overflowed")
    return result


def _local_grads_as_values(node):
    """The local derivatives (d/d_a, d/d_b) of `node`, rebuilt from its op, its operands and
    its constant as Values (or plain floats where they are constants), so that a backward
    pass made of them can be differentiated again. They are the formulas in each
    operation's docstring; `out` is the node itself."""
    op, a, b, c, out = node._op, node._a, node._b, node._constant, node
    if op in ("+", "-", "neg", "relu"):
        return node._da, node._db  # constants: 1, -1, or relu's 0/1 step
    if op == "*":
        return (b, a) if c is None else (node._da, node._db)  # a * c: d/da = c
    if op == "/":
        if c is None:
            return 1 / b, -out / b  # a / b: 1/b, -(a/b)/b
        if a is not None:
            return node._da, 0.0  # a / c: 1/c
        return 0.0, -out / b  # c / b: -(c/b)/b
    if op == "**":
        if c is None:
            return b * a ** (b - 1), out * a.log()  # a ** b: b a^(b-1), a^b ln a
        if a is not None:
            return (c * a ** (c - 1) if c != 0.0 else 0.0), 0.0  # a ** c: c a^(c-1)
        return 0.0, out * math.log(c)  # c ** b: c^b ln c
    if op == "exp":
        return out, 0.0
    if op == "log":
        return 1 / a, 0.0
    if op == "tanh":
        return 1 - out * out, 0.0
    if op == "sigmoid":
        return out * (1 - out), 0.0
    raise ValueError(f"grad: no rule to rebuild the local derivatives of op {op!r}")
