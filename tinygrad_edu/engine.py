"""The computation graph: `Value`, the node, and the backward pass.

Read it top-down, following ``y = a * b; y.backward()``:

1. `Value`, the node: a number, its gradient, the op that made it, and its operands
   with d(node)/d(operand) for each, the *local derivatives*.
2. ``a * b`` is `Value.__mul__`, which is ``binary_node(MUL, a, b)``: the op's rule (in
   `tinygrad_edu.ops`) gives the value and the local derivatives, and the new node
   keeps both.
3. `Value.backward`: the chain rule, from the output back to the inputs, over
4. the order `topological_order` gives: every node after the nodes it was made from.
5. `gradients` and `grad`: the same sweep into a dictionary, leaving the graph alone.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any, NamedTuple, Union

from . import checks
from .checks import building_gradient_graph
from .ops import ADD, DIV, EXP, LOG, MUL, NEG, POW, POW_BY_VALUE, RELU, SIGMOID, SUB, TANH, Op
from .protocols import PythonProtocols

__all__ = ["Value", "Origin", "binary_node", "unary_node", "topological_order", "gradients", "grad"]
__all__ += ["rule_local_grads", "building_gradient_graph"]

Operand = Union["Value", float, int]
_isfinite = math.isfinite
_grad_of = operator.attrgetter("grad")


class Value(PythonProtocols):
    """A number in a computation graph: its value, its gradient, and how it was made.

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b + a            # c = ab + a
    >>> c.backward()
    >>> a.grad, b.grad
    (-2.0, 2.0)
    """

    # A node is one object with plain slots (no tuples, no closures): one object for the
    # garbage collector, no reference cycle. _rule is the Op that made it (None for a leaf).
    # Its operands are two pairs of slots, (_a, _da) and (_b, _db): the operand and
    # d(self)/d(operand). An operand that is a plain number (the 2 in x * 2) is no node: its
    # first slot is None and the second holds the number. An op of one operand leaves
    # _b = _db = None. `origin` reads the slots for everyone else.
    __slots__ = ("data", "grad", "_label", "_rule", "_a", "_da", "_b", "_db")
    data: float
    grad: Any  # a float (a Value only in what grad(..., create_graph=True) returns)
    _label: str
    _rule: Op | None
    _a: Value | None
    _da: Any
    _b: Value | None
    _db: Any

    __array_ufunc__ = None  # numpy: `array + value` asks Value, which refuses arrays

    def __init__(self, data: Any, label: str = "") -> None:
        """A leaf: a number not computed from other Values (an input or a parameter)."""
        if type(data) is not float or data - data != 0.0:  # not a finite float (checked fast)
            data = checks.check_leaf_data(data, "Value()", Value)
        self.data = data
        self.grad = 0.0
        self._label = label if type(label) is str else checks.check_label(label, "Value()")
        self._rule = self._a = self._da = self._b = self._db = None

    # ----- the operators: each one is an op of tinygrad_edu.ops ------------------------------

    @staticmethod
    def apply(op: Op, *operands: Any) -> Value:
        """The node ``op(*operands)`` (what calling an op does): one operand, or two."""
        if len(operands) == 2:
            return binary_node(op, *operands)
        if len(operands) == 1:
            return unary_node(op, *operands)
        raise TypeError(f"{op.name}: an op takes one or two operands, got {len(operands)}")

    def __add__(self, other: Operand) -> Value:
        return binary_node(ADD, self, other)

    def __sub__(self, other: Operand) -> Value:
        return binary_node(SUB, self, other)

    def __mul__(self, other: Operand) -> Value:
        return binary_node(MUL, self, other)

    def __truediv__(self, other: Operand) -> Value:
        return binary_node(DIV, self, other)

    def __pow__(self, other: Operand) -> Value:
        return binary_node(POW_BY_VALUE if isinstance(other, Value) else POW, self, other)

    # The reflected forms, for a number on the left: 2 + x, 2 - x, ...
    def __radd__(self, other: Operand) -> Value:
        return binary_node(ADD, other, self)

    def __rsub__(self, other: Operand) -> Value:
        return binary_node(SUB, other, self)

    def __rmul__(self, other: Operand) -> Value:
        return binary_node(MUL, other, self)

    def __rtruediv__(self, other: Operand) -> Value:
        return binary_node(DIV, other, self)

    def __rpow__(self, other: Operand) -> Value:
        return binary_node(POW_BY_VALUE, other, self)

    def __neg__(self) -> Value:
        return unary_node(NEG, self)

    def exp(self) -> Value:
        """e^self."""
        return unary_node(EXP, self)

    def log(self) -> Value:
        """ln(self), for self > 0."""
        return unary_node(LOG, self)

    def tanh(self) -> Value:
        """tanh(self)."""
        return unary_node(TANH, self)

    def sigmoid(self) -> Value:
        """1 / (1 + e^-self)."""
        return unary_node(SIGMOID, self)

    def relu(self) -> Value:
        """max(0, self)."""
        return unary_node(RELU, self)

    # ----- the backward pass: the chain rule --------------------------------------------------

    def backward(self) -> None:
        """Fill in ``node.grad = d(self)/d(node)`` for every node `self` depends on.

        Afterwards every node holds this call's gradient, and a leaf (an input, a
        parameter) holds it added to its gradient from before, as in PyTorch: the line after
        the sweep adds the leaves' earlier gradients back, so the sweep finds this call's
        alone. A call that fails, or is interrupted by Ctrl-C, leaves every leaf's gradient
        as it was.
        """
        order = topological_order(self)  # every node after the nodes it was computed from
        leaves = [node for node in order if node._rule is None]
        earlier = [leaf.grad for leaf in leaves]  # added back below; put back if this call fails
        try:
            sum(earlier)  # a TypeError now, before any work, if a .grad was set to a non-number
            # BEGIN LESSON 4
            for node in order:
                node.grad = 0.0
            self.grad = 1.0  # d(self)/d(self)
            for node in reversed(order):  # the chain rule: a node passes its gradient down
                a, b = node._a, node._b
                if a is not None:
                    a.grad += node.grad * node._da
                if b is not None:
                    b.grad += node.grad * node._db
            # END LESSON 4
            _add_earlier_and_check(leaves, earlier)
        except BaseException as error:
            for leaf, before in zip(leaves, earlier):
                leaf.grad = before
            if isinstance(error, TypeError):
                raise (checks.grad_not_a_number(leaves, earlier) or error) from None
            raise

    def zero_grad(self) -> None:
        """Set the gradient of this node and of every node it depends on to 0."""
        for node in topological_order(self):
            node.grad = 0.0

    # ----- what a node shows -----------------------------------------------------------------

    @property
    def origin(self) -> Origin:
        """How this node was made: its op, its operands and d(self)/d(operand) for each."""
        if self._rule is None:
            return _LEAF
        pairs = (
            [(self._a, self._da)]
            if self._b is None and self._db is None
            else [(self._a, self._da), (self._b, self._db)]
        )
        operands = tuple(number if child is None else child for child, number in pairs)
        return Origin(self._rule, operands, tuple(None if child is None else d for child, d in pairs))

    @property
    def children(self) -> tuple[Value, ...]:
        """The Values this node was computed from, in operand order (``a*a`` gives ``(a, a)``)."""
        return tuple(child for child in (self._a, self._b) if child is not None)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d(self)/d(child) for each child, in the same order as `children`."""
        return tuple(d for child, d in ((self._a, self._da), (self._b, self._db)) if child is not None)

    @property
    def op(self) -> str:
        """The name of the operation that made this node ("+", "tanh", ...); "" for a leaf."""
        return self._rule.name if self._rule is not None else ""

    @property
    def label(self) -> str:
        """A name for pictures and error messages ("" when unnamed); writable."""
        return self._label

    @label.setter
    def label(self, label: str) -> None:
        self._label = checks.check_label(label, "label")

    def named(self, label: str) -> Value:
        """Give this node a label and return it: ``e = (a * b).named("e")``."""
        self._label = checks.check_label(label, "named()")
        return self

    def __repr__(self) -> str:
        label = f", label={self._label!r}" if self._label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # ----- micrograd's names, for the lecture's node-by-node backward -------------------------

    @property
    def _prev(self) -> set[Value]:
        """micrograd's name: the set of children."""
        return set(self.children)

    @property
    def _op(self) -> str:
        """micrograd's name for `op`."""
        return self.op

    def _backward(self) -> None:
        # BEGIN CUT WITH LESSON 4
        """The chain rule for this one node: ``child.grad += local_grad * self.grad``."""
        for child, local_grad in zip(self.children, self.local_grads):
            child.grad += local_grad * self.grad
        # END CUT WITH LESSON 4


def _add_earlier_and_check(leaves: list[Value], earlier: list[Any]) -> None:
    """Add each leaf's gradient from earlier calls to this call's sum (as one sum: two calls
    give exactly twice one call), then refuse a gradient that came out as inf or NaN."""
    # Speed: the sweep has just pushed the leaves out of the CPU's caches, so a Python loop
    # over them here cost a third of backward() on a 200,000-node graph. The common case
    # (no gradient from before: zero_grad() ran) adds nothing, and the check is one sum in
    # C: inf or NaN in any term makes it non-finite (measured 73 -> 55 ns per node).
    if any(earlier):
        for leaf, before in zip(leaves, earlier):
            leaf.grad += before
    if not _isfinite(sum(map(_grad_of, leaves))):  # or a sum of finite terms overflowed
        for leaf in leaves:
            if not _isfinite(leaf.grad):
                raise checks.gradient_overflow(leaf)


class Origin(NamedTuple):
    """How a node was made: `op` (None for a leaf), its `operands` in order (Values, or the
    number of ``x * 2`` in its place), and `local_grads`, d(node)/d(operand) for each
    operand (None for a number operand, which has no gradient)."""

    op: Op | None
    operands: tuple[Value | float, ...]
    local_grads: tuple[Any, ...]


_LEAF = Origin(None, (), ())
_new = object.__new__  # a node without __init__ (which is for leaves)


# ----- making a node from an op ------------------------------------------------------------------


def binary_node(op: Op, a: Any, b: Any) -> Value:
    """The node ``op(a, b)``: the rule gives the value and the local derivatives from the
    operands' numbers, and the node keeps both. One operand may be a plain number."""
    if isinstance(b, Value) and isinstance(a, Value):  # two Values: the common case first
        x, y = a.data, b.data
    else:
        a, x, b, y = _with_a_number(op, a, b)
    try:
        out = op.forward(x, y)
    except (TypeError, OverflowError) as error:
        raise checks.failed_forward(op, error, (x, y), a, b) from None
    try:
        da, db = op.local_grads(out, x, y)
    except Exception as error:
        da = db = checks.failed_rule(op.name, error, 2, (x, y))
    try:
        finite = type(out) is float and _isfinite(out + da + db)  # one sum: inf or NaN anywhere shows
    except TypeError:  # a rule returned something that is not a number
        finite = False
    if not finite:
        out, da, db = checks.checked_rule_result(op.name, out, (x, y), (da, db))
    # The slots are written here, not by _node(): one call less per node is about a tenth
    # of the forward pass. A number operand's first slot is None, the second its number.
    node: Any = _new(Value)
    node.data = out
    node.grad = 0.0
    node._label = ""
    node._rule = op
    node._a = a
    node._da = da if a is not None else x
    node._b = b
    node._db = db if b is not None else y
    return node


def unary_node(op: Op, a: Any) -> Value:
    """The node ``op(a)``, as `binary_node` makes ``op(a, b)``."""
    if not isinstance(a, Value):
        raise checks.not_a_value_operand(op.name, type(op).__name__, (a,))
    x = a.data
    try:
        out = op.forward(x)
    except (TypeError, OverflowError) as error:
        raise checks.failed_forward(op, error, (x,), a) from None
    try:
        (da,) = op.local_grads(out, x)
    except Exception as error:
        da = checks.failed_rule(op.name, error, 1, (x,))
    try:
        finite = type(out) is float and _isfinite(out + da)
    except TypeError:
        finite = False
    if not finite:
        out, da = checks.checked_rule_result(op.name, out, (x,), (da,))
    node: Any = _new(Value)  # written here for speed, as in binary_node
    node.data = out
    node.grad = 0.0
    node._label = ""
    node._rule = op
    node._a = a
    node._da = da
    node._b = node._db = None
    return node


def _with_a_number(op: Op, a: Any, b: Any) -> tuple[Value | None, float, Value | None, float]:
    """(a, a's number, b, b's number) when an operand is a plain number; the number operand
    becomes None, its number checked."""
    if isinstance(a, Value):
        return a, a.data, None, (b if type(b) is float and b - b == 0.0 else checks.as_finite_float(b, op.name))
    if isinstance(b, Value):
        return None, (a if type(a) is float and a - a == 0.0 else checks.as_finite_float(a, op.name)), b, b.data
    raise checks.not_a_value_operand(op.name, type(op).__name__, (a, b))


# ----- the order of a walk: every node after its operands ----------------------------------------


def topological_order(root: Value) -> list[Value]:
    """Every node that `root` depends on (and `root`), each after all of its children."""
    # BEGIN LESSON 3
    # An iterative depth-first search (no recursion, so any depth works): a node is pushed
    # to be expanded and, below a marker, again to be listed once everything pushed above
    # the marker is done.
    expanded = object()  # the marker: "the node below me has all its children ordered"
    order = []
    seen = set()
    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        if node is expanded:
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
        stack.append(expanded)
        if b is not None:
            stack.append(b)
        if a is not None:
            stack.append(a)  # pushed last, so the left operand is ordered first
    return order
    # END LESSON 3


# ----- gradients without touching the graph: grad(), higher derivatives, the step player ---------


def gradients(root: Value, order: list[Value] | None = None, create_graph: bool = False) -> dict[Value, Any]:
    """d(root)/d(node) for every node in `order` (default: topological_order(root)), as a
    dictionary: backward()'s sweep, written into the dictionary instead of the nodes, so
    no node changes (safe from many threads at once, and under Ctrl-C).

    With ``create_graph=True`` the gradients are Values: each node's local derivatives
    are made again by its op's rule on Values (the same rule that gave the stored
    floats), so the result is a graph that can be differentiated again.
    """
    if order is None:
        order = topological_order(root)
    sums: dict[Value, Any] = dict.fromkeys(order, 0.0)
    with building_gradient_graph(create_graph):
        # BEGIN CUT WITH LESSON 4
        sums[root] = 1.0
        for node in reversed(order):
            a, b = node._a, node._b
            if a is None and b is None:
                continue  # a leaf
            da, db = rule_local_grads(node) if create_graph else (node._da, node._db)
            if a is not None:
                sums[a] = sums[a] + sums[node] * da
            if b is not None:
                sums[b] = sums[b] + sums[node] * db
        # END CUT WITH LESSON 4
    for node in order:  # as backward() does, refuse a leaf's gradient that overflowed (a Value
        # compares by its .data; inf or NaN anywhere reaches a leaf, as both survive * and +)
        if node._rule is None and not -math.inf < sums[node] < math.inf:
            raise checks.gradient_overflow(node, sums[node])
    if create_graph:  # a gradient no rule made a Value of is a constant (the 1 of d(x + 2)/dx)
        return {node: g if isinstance(g, Value) else Value(g) for node, g in sums.items()}
    return sums


def grad(output: Value, inputs: Sequence[Value], create_graph: bool = False) -> list[Any]:
    """d(output)/d(x) for each x in `inputs` (a list of Values); no node of the graph changes.

    By default the gradients are floats. With ``create_graph=True`` they are Values built by
    the ops' own rules, so they can be differentiated again: ``grad(grad(y, [x],
    create_graph=True)[0], [x])`` is d2y/dx2. An input `output` does not depend on gets 0.
    """
    checks.check_value(output, "grad", "output")
    if isinstance(inputs, Value) or not isinstance(inputs, (list, tuple)):
        raise TypeError(f"grad: inputs must be a list of Values, got {checks.describe(inputs)}")
    for i, x in enumerate(inputs):
        checks.check_value(x, "grad", f"inputs[{i}]")
    sums = gradients(output, create_graph=create_graph)
    return [sums.get(x, Value(0.0) if create_graph else 0.0) for x in inputs]


def rule_local_grads(node: Value) -> tuple[Any, Any]:
    """(d/d_a, d/d_b) of `node` from its op's rule, with the node itself as `out` and its
    operands as Values (a number operand stays a number): the same rule that gave the
    stored floats, now building a graph. A number operand, or a missing one, gets 0.0."""
    rule, operands, _ = node.origin
    if rule is None:
        return 0.0, 0.0
    try:
        local_grads = rule.local_grads(node, *operands)
    except TypeError as error:
        raise TypeError(
            f"{rule.name}: its local_grads ran on Values, for grad(..., create_graph=True), and failed ({error}). "
            "Write the rule with arithmetic and tinygrad_edu.ops.exp, log, tanh, ... (not math.exp), so that "
            "it works on floats and on Values alike."
        ) from None
    da, db = (*local_grads, 0.0)[:2]
    return (da if node._a is not None else 0.0), (db if node._b is not None else 0.0)
