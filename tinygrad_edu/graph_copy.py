"""Copying and pickling a graph of any depth, each node once, in time linear in its size.

`copy.deepcopy` and `pickle` would follow a node's operands recursively and stop at
about a thousand levels. Instead a node is reduced to a small record naming its operands (`node_record`), and pickle's
memo (deepcopy's memo for a copy) writes each node once, however many objects of one
call share it. The first node whose operands are not written yet brings, before itself,
the list of its not-yet-written ancestors in topological order; each of those then finds
its operands already in the memo, so the pickler never recurses more than a level or two.

A node's class (a subclass of Value) and its extra attributes come back too; its `grad`
(a number, or a Value of its own graph) is restored after the node exists, so a leaf
whose gradient depends on it pickles.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

__all__ = [
    "as_node_class",
    "node_record",
    "restore_graph",
    "restore_last",
    "restore_leaf",
    "restore_node",
    "shallow_copy",
]


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
    node = cls.from_origin((op, operands, local_grads), data, cls)
    node._label = label
    return node


def restore_last(written: Any, nodes: list[Any]) -> Any:
    return nodes[-1]


def shallow_copy(node: Any) -> Any:
    """A new node of node's class with its number, operands, local derivatives, label,
    gradient and extra attributes (the same objects: a shallow copy)."""
    twin = node.from_origin(node.origin, node.data, type(node))
    twin.grad, twin._label = node.grad, node._label
    extra = getattr(node, "__dict__", None)
    if extra:
        twin.__dict__.update(extra)
    return twin


def as_node_class(node: Any, node_class: Any) -> Any:
    """`node` made again as an object of `node_class`, a subclass of Value (whose own
    __init__ is not run, as pickle does)."""
    twin = object.__new__(node_class)
    for slot in ("data", "grad", "_label", "_rule", "_a", "_da", "_b", "_db"):
        setattr(twin, slot, getattr(node, slot))
    return twin


# Pickles written before nodes were pickled one record each load through these two.


def restore_graph(node_class: Any, records: list[Any]) -> Any:
    """The last node of the graph `graph_records` wrote, made by ``node_class.from_origin``."""
    nodes: list[Any] = []
    for record in records:
        if isinstance(record, tuple):
            op, data, grad, label, positions, local_grads = record
            operands = [x if local is None else nodes[x] for x, local in zip(positions, local_grads)]
            record = node_class.from_origin((op, operands, local_grads), data)
            record.grad, record.label = grad, label
        nodes.append(record)
    return nodes[-1]


def restore_leaf(node_class: Any, data: float, grad: Any, label: str) -> Any:
    leaf = node_class(data, label)
    leaf.grad = grad
    return leaf
