"""The computation graph: `Value`, the node, and the backward pass.

A `Value` holds one number and remembers how it was made: the operation (`op`),
the operands it came from (`children`) and, for each of them, the local
derivative d(self)/d(child) (`local_grads`), computed in the forward pass by the
operation's rule in `tinygrad_edu.ops`. `backward()` is the chain rule: it visits
the nodes from the output back to the inputs and adds ``node.grad * local_grad``
into every child's gradient.

Why the node looks the way it does (it is what makes the engine fast):

* A node keeps its (at most two) operands and their local derivatives in plain
  slots, not in tuples or closures, so it is one object for the garbage collector,
  with no reference cycle; `children` and `local_grads` are built when you read them.
* A number operand (the 2 in ``x * 2``) does not become a node: it is kept in
  `_constant`, and the operand slot it would have used stays None.
* Every walk over the graph is a loop with an explicit stack: a chain a million
  nodes deep works, where a recursive walk stops at about a thousand.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Union

from .checks import as_finite_float, describe, short_repr
from .ops import Operators, building_gradient_graph, rule_local_grads

__all__ = ["Value", "grad", "gradients", "topological_order"]

Operand = Union["Value", float, int]
_INF = math.inf


class Value(Operators):
    """A number in a computation graph: its value, its gradient, and how it was made.

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b + a            # c = ab + a
    >>> c.backward()
    >>> a.grad, b.grad           # dc/da = b + 1, dc/db = a
    (-2.0, 2.0)
    """

    # _rule: the Op that made this node (None for a leaf); _a, _b: its operands when
    # they are Values (else None); _da, _db: d(self)/d(_a), d(self)/d(_b), as floats;
    # _constant: the operand that is a plain number, if any.
    __slots__ = ("data", "grad", "_label", "_rule", "_a", "_da", "_b", "_db", "_constant")
    data: float
    grad: Any  # a float; a Value while grad(..., create_graph=True) runs backward()
    _label: str
    _rule: Any  # an ops.Op, or None for a leaf
    _a: Value | None
    _b: Value | None
    _da: Any
    _db: Any
    _constant: float | None

    __array_ufunc__ = None  # numpy: `array + value` asks Value, which refuses arrays

    def __init__(self, data: Any, label: str = "") -> None:
        """A leaf: a number not computed from other Values (an input or a parameter)."""
        if type(data) is float and data - data == 0.0:  # a finite float: the common case, checked fast
            self.data = data
        elif isinstance(data, Value):
            raise TypeError(
                f"Value(): expected a real number, got the Value {data!r} "
                "(a Value is not wrapped in another; use it as it is)"
            )
        else:
            self.data = as_finite_float(
                data, "Value()", "a real number (int, float or a real scalar such as numpy.float64)"
            )
        self.grad = 0.0
        self._label = label if type(label) is str else _checked_label(label, "Value()")
        self._rule = self._a = self._b = self._constant = None
        self._da = self._db = 0.0

    # ----- what a node shows -----------------------------------------------------------------

    @property
    def label(self) -> str:
        """A name for pictures and error messages ("" when unnamed); writable."""
        return self._label

    @label.setter
    def label(self, label: str) -> None:
        self._label = _checked_label(label, "label")

    def named(self, label: str) -> Value:
        """Give this node a label and return it: ``e = (a * b).named("e")``."""
        self._label = _checked_label(label, "named()")
        return self

    @property
    def op(self) -> str:
        """The name of the operation that made this node ("+", "tanh", ...); "" for a leaf."""
        return self._rule.name if self._rule is not None else ""

    @property
    def children(self) -> tuple[Value, ...]:
        """The Values this node was computed from, in operand order (``a*a`` gives ``(a, a)``)."""
        return tuple(child for child in (self._a, self._b) if child is not None)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d(self)/d(child) for each child, in the same order as `children`."""
        return tuple(d for child, d in ((self._a, self._da), (self._b, self._db)) if child is not None)

    def __repr__(self) -> str:
        label = f", label={self._label!r}" if self._label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # ----- the backward pass: the chain rule --------------------------------------------------

    def backward(self) -> None:
        """Fill in ``node.grad = d(self)/d(node)`` for every node `self` depends on.

        Leaves (inputs, parameters) accumulate across calls, as in PyTorch; every other
        node starts from 0. A call that fails, or is interrupted by Ctrl-C, leaves every
        leaf's gradient as it was.
        """
        order = topological_order(self)  # every node after the nodes it was computed from
        leaves = [node for node in order if node._rule is None]
        earlier = [leaf.grad for leaf in leaves]
        try:
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
            # Leaves add this call's gradient to what they had, as one sum: two calls give
            # exactly twice one call.
            for leaf, before in zip(leaves, earlier):
                leaf.grad += before
                if not -_INF < leaf.grad < _INF:  # inf or NaN
                    raise _overflow_in_backward(leaf)
        except BaseException as error:
            for leaf, before in zip(leaves, earlier):
                leaf.grad = before
            if isinstance(error, TypeError):
                raise (_grad_not_a_number(leaves, earlier) or error) from None
            raise

    def zero_grad(self) -> None:
        """Set the gradient of this node and of every node it depends on to 0."""
        for node in topological_order(self):
            node.grad = 0.0

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
        # END CUT WITH LESSON 4
        for child, local_grad in zip(self.children, self.local_grads):
            child.grad += local_grad * self.grad

    # ----- copy and pickle at any depth -------------------------------------------------------

    def __copy__(self) -> Value:
        """A shallow copy: a new node with the same number, operands and local derivatives."""
        node = _new(type(self))
        for slot in Value.__slots__:
            setattr(node, slot, getattr(self, slot))
        return node

    def __reduce_ex__(self, protocol: Any) -> Any:
        """Pickle and deepcopy the graph as a flat list (no recursion, any depth); leaves stay
        objects of their own, so parameters keep their identity, and the interior is rebuilt."""
        if self._rule is None:  # a leaf holds no other node
            return _restore_leaf, (self.data, self.grad, self._label)
        order = topological_order(self)
        index = {node: i for i, node in enumerate(order)}
        records = [node if node._rule is None else [index.get(getattr(node, slot)) if slot in _OPERANDS
                                                    else getattr(node, slot) for slot in Value.__slots__]
                   for node in order]  # fmt: skip
        return _restore_graph, (records,)


# ----- helpers of the node ----------------------------------------------------------------------


def _checked_label(label: Any, where: str) -> str:
    if not isinstance(label, str):
        raise TypeError(f"{where}: label must be a str, got {describe(label)}")
    return label


def _grad_not_a_number(leaves: list[Value], earlier: list[Any]) -> Exception | None:
    """backward() met a TypeError: a .grad set by hand to something not a number?"""
    for leaf, before in zip(leaves, earlier):
        if not isinstance(before, (int, float)):
            return TypeError(
                f"backward: {short_repr(leaf)} has .grad = {short_repr(before)}, not a number; "
                "set it to a number (e.g. 0.0, or call zero_grad()) before backward()"
            )
    return None


def _overflow_in_backward(leaf: Value) -> Exception:
    where = f"backward: the gradient of Value(data={leaf.data!r}{f', label={leaf.label!r}' if leaf.label else ''})"
    kept = "The leaves' gradients were left as they were before this call."
    if leaf.grad != leaf.grad:  # NaN
        return ValueError(
            f"{where} came out as nan: a local derivative on the way is undefined there (such as d/dx of "
            f"x ** 0.5 at 0, in a graph made by grad(..., create_graph=True)), or inf met 0. {kept}"
        )
    return OverflowError(
        f"{where} came out as {leaf.grad!r}; a product of local derivatives overflowed the float range "
        f"(scale your inputs down). {kept}"
    )


def _restore_leaf(data: float, grad: Any, label: str) -> Value:
    leaf = Value(data, label)
    leaf.grad = grad
    return leaf


def _restore_graph(records: list[Any]) -> Value:
    nodes: list[Value] = []
    for record in records:
        if not isinstance(record, Value):  # a computed node, its operands given by position
            values = [
                nodes[v] if slot in _OPERANDS and v is not None else v for slot, v in zip(Value.__slots__, record)
            ]
            record = _new(Value)
            for slot, value in zip(Value.__slots__, values):
                setattr(record, slot, value)
        nodes.append(record)
    return nodes[-1]


_OPERANDS = ("_a", "_b")  # the slots that hold other nodes
_new = object.__new__


# ----- graph walks ------------------------------------------------------------------------------


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


# ----- gradients without touching .grad: grad(), higher derivatives, the step player ------------


def gradients(root: Value, order: list[Value] | None = None, create_graph: bool = False) -> dict[Value, Any]:
    """d(root)/d(node) for every node in `order` (default: topological_order(root)), as a
    dictionary, computed by ``root.backward()`` itself; every .grad is left as it was.

    With ``create_graph=True`` the gradients are Values: for the sweep, each node's local
    derivatives are recomputed by its op's rule on Values (the same rule that gave the
    stored floats), so the result is a graph that can be differentiated again.
    """
    if order is None:
        order = topological_order(root)
    saved = [(node.grad, node._da, node._db) for node in order]
    try:
        for node in order:
            node.grad = 0.0  # backward() adds to what leaves hold: start them from 0
        if create_graph:
            with building_gradient_graph():
                for node in order:
                    if node._rule is not None:
                        node._da, node._db = rule_local_grads(node)
                root.backward()
            # A gradient that no rule made a Value of is a constant (the 1 of d(x + 2)/dx).
            return {node: g if isinstance(g, Value) else Value(g) for node, g in ((n, n.grad) for n in order)}
        root.backward()
        return {node: node.grad for node in order}
    finally:
        for node, (grad_, da, db) in zip(order, saved):
            node.grad, node._da, node._db = grad_, da, db


def grad(output: Value, inputs: Sequence[Value], create_graph: bool = False) -> list[Any]:
    """d(output)/d(x) for each x in `inputs` (a list of Values), leaving every .grad untouched.

    By default the gradients are floats. With ``create_graph=True`` they are Values built by
    the ops' own rules, so they can be differentiated again: ``grad(grad(y, [x],
    create_graph=True)[0], [x])`` is d2y/dx2. An input `output` does not depend on gets 0.
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad: output must be a Value, got {describe(output)}")
    if isinstance(inputs, Value) or not isinstance(inputs, (list, tuple)):
        raise TypeError(f"grad: inputs must be a list of Values, got {describe(inputs)}")
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"grad: inputs[{i}] must be a Value, got {describe(x)}")
    sums = gradients(output, create_graph=create_graph)
    result = [sums.get(x, Value(0.0) if create_graph else 0.0) for x in inputs]
    for i, value in enumerate(result):
        number = value.data if isinstance(value, Value) else value
        if not math.isfinite(number):
            raise OverflowError(
                f"grad: the gradient for inputs[{i}] is {number!r}; a product of local derivatives overflowed"
            )
    return result
