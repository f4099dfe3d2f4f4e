"""How a Value meets Python: comparisons, conversions, copy and pickle.

`PythonProtocols` is the base of `engine.Value`. A comparison looks at ``.data``, as
PyTorch's 0-d tensors do, so ``max(a, b)`` returns one of the Values and keeps the graph;
``==`` stays identity (nodes live in sets and dicts). A conversion that would leave the
graph (``bool(v)``, ``float(v)``, ``math.exp(v)``, ``round(v)``) is refused with a message
that says what to use instead.

Copying and pickling work on a graph of any depth, each node once, in time linear in its
size. `copy.deepcopy` and `pickle` would follow a node's operands recursively and stop at
about a thousand levels. Instead a node is reduced to a small record naming its operands
(`node_record`), and pickle's memo (deepcopy's memo for a copy) writes each node once,
however many objects of one call share it. The first node whose operands are not written
yet brings, before itself, the list of its not-yet-written ancestors in topological order;
each of those then finds its operands already in the memo, so the pickler never recurses
more than a level or two.

A node's class (a subclass of Value) and its extra attributes come back too; its `grad`
(a number, or a Value of its own graph) is restored after the node exists, so a leaf
whose gradient depends on it pickles.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from . import checks

__all__ = [
    "PythonProtocols",
    "node_from_origin",
    "node_record",
    "restore_graph",
    "restore_last",
    "restore_leaf",
    "restore_node",
    "shallow_copy",
]


class PythonProtocols:
    """What a Value does where Python expects a number, and how it is copied and pickled."""

    __slots__ = ()
    data: float

    def __lt__(self, other: Any) -> bool:
        return self.data < _compared(other, "<")

    def __le__(self, other: Any) -> bool:
        return self.data <= _compared(other, "<=")

    def __gt__(self, other: Any) -> bool:
        return self.data > _compared(other, ">")

    def __ge__(self, other: Any) -> bool:
        return self.data >= _compared(other, ">=")

    _NO_INTEGERS = "the graph has no integer operations"
    __bool__ = checks.refused_conversion("True or False", "if v.data > 0:", "compare Values: if a > b:")
    __float__ = checks.refused_conversion(
        "a float (math.exp(v) and friends ask for one)",
        "float(v.data)",
        "use v.exp(), v.log(), v.tanh() to stay in the graph",
    )
    __int__ = checks.refused_conversion("an int", "int(v.data)", _NO_INTEGERS)
    __index__ = checks.refused_conversion("an index", "int(v.data)", _NO_INTEGERS)
    __round__ = checks.refused_conversion("a rounded number", "round(v.data, 3)", "rounding has no derivative")

    def __copy__(self) -> Any:
        """A shallow copy: a new node of the same class, number, operands and local derivatives."""
        return shallow_copy(self)

    def __reduce_ex__(self, protocol: Any) -> Any:
        """Pickle and deepcopy at any depth, each node once, as a small record (`node_record`)."""
        return node_record(self)


def _compared(other: Any, where: str) -> float:
    """The number a comparison looks at: a Value's .data, or the number itself."""
    if isinstance(other, PythonProtocols):
        return other.data
    if not checks.is_real(other):
        raise TypeError(f"{where}: cannot compare a Value with {checks.describe(other)}")
    return float(other)


def node_from_origin(origin: Any, data: float, node_class: Any) -> Any:
    """The node of class `node_class` (engine.Value or a subclass) with this number and this
    `origin` (op, operands, local_grads), as `Value.origin` gives it: the one place outside
    the engine that writes a node's slots. A number operand goes in as (None, its number)."""
    op, operands, local_grads = origin
    slots = [(None, x) if d is None else (x, d) for x, d in zip(operands, local_grads)]
    (a, da), (b, db) = (*slots, (None, None), (None, None))[:2]
    node = object.__new__(node_class)  # not node_class(...): __init__ makes leaves
    node.data, node.grad, node._label, node._rule = data, 0.0, "", op
    node._a, node._da, node._b, node._db = a, da, b, db
    return node


class _Written:
    """The nodes one pickler has written (or is writing). Pickle's memo keeps this object
    alive exactly as long as the pickler's memo lives, so a weak reference to it tells
    whether the nodes it lists are still in that memo."""

    __slots__ = ("ids", "nodes", "__weakref__")

    def __init__(self) -> None:
        self.ids: set[int] = set()
        self.nodes: list[Any] = []  # keeps the ids valid

    def __reduce__(self) -> Any:
        return _Written, ()


_current = threading.local()


def _written() -> tuple[_Written, bool]:
    """The record of the pickle under way in this thread, or a new one (True when new)."""
    ref = getattr(_current, "written", None)
    written = ref() if ref is not None else None
    if written is not None:
        return written, False
    written = _Written()
    _current.written = weakref.ref(written)
    return written, True


def _extra_state(node: Any) -> Any:
    """The attributes pickle and BUILD restore after the node exists: the gradient and,
    for a subclass with a __dict__, its own attributes."""
    return (getattr(node, "__dict__", None) or None, {"grad": node.grad})


def node_record(node: Any) -> Any:
    """What pickle writes for `node` (the value of ``__reduce_ex__``)."""
    cls, state = type(node), _extra_state(node)
    if node._rule is None:
        return restore_node, (cls, None, node.data, node._label, (), ()), state
    op, operands, local_grads = node.origin
    written, new = _written()
    pending = _unwritten_ancestors(node, written.ids)
    if len(pending) <= 1 and not new:  # its operands are written: a record of its own
        written.ids.add(id(node))
        written.nodes.append(node)
        return restore_node, (cls, op, node.data, node._label, operands, local_grads), state
    for ancestor in pending:
        written.ids.add(id(ancestor))
    written.nodes.extend(pending)
    # The ancestors first (each then finds its operands written), the node last; pickle
    # sees the node again inside the list, writes its record there, and uses that.
    return restore_last, (written, pending)


def _unwritten_ancestors(node: Any, written: set[int]) -> list[Any]:
    """The nodes of node's graph that are not leaves and whose id is not in `written`, in
    topological order (node last), found without recursion."""
    order: list[Any] = []
    seen: set[int] = set()
    stack: list[tuple[Any, bool]] = [(node, False)]
    while stack:
        current, expanded = stack.pop()
        if expanded:
            order.append(current)
            continue
        if id(current) in seen or id(current) in written or current._rule is None:
            continue
        seen.add(id(current))
        stack.append((current, True))
        for child in (current._b, current._a):
            if child is not None:
                stack.append((child, False))
    return order


def restore_node(cls: Any, op: Any, data: float, label: str, operands: Any, local_grads: Any) -> Any:
    """A node of class `cls` with this op, number, label and operands (its grad and extra
    attributes come after, from pickle's state)."""
    node = node_from_origin((op, operands, local_grads), data, cls)
    node._label = label
    return node


def restore_last(written: Any, nodes: list[Any]) -> Any:
    return nodes[-1]


def shallow_copy(node: Any) -> Any:
    """A new node of node's class with its number, operands, local derivatives, label,
    gradient and extra attributes (the same objects: a shallow copy)."""
    twin = node_from_origin(node.origin, node.data, type(node))
    twin.grad, twin._label = node.grad, node._label
    extra = getattr(node, "__dict__", None)
    if extra:
        twin.__dict__.update(extra)
    return twin


# Pickles written before nodes were pickled one record each load through these two.


def restore_graph(node_class: Any, records: list[Any]) -> Any:
    """The last node of the graph `graph_records` wrote."""
    nodes: list[Any] = []
    for record in records:
        if isinstance(record, tuple):
            op, data, grad, label, positions, local_grads = record
            operands = [x if local is None else nodes[x] for x, local in zip(positions, local_grads)]
            record = node_from_origin((op, operands, local_grads), data, node_class)
            record.grad, record.label = grad, label
        nodes.append(record)
    return nodes[-1]


def restore_leaf(node_class: Any, data: float, grad: Any, label: str) -> Any:
    leaf = node_class(data, label)
    leaf.grad = grad
    return leaf
