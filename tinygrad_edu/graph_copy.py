"""Copying and pickling a graph of any depth: a flat list of records, no recursion.

`copy.deepcopy` and `pickle` would follow a node's operands recursively and stop at
about a thousand levels. Instead a node is pickled as the list of its graph in
topological order: leaves as objects of their own (so parameters keep their identity
across a deepcopy of a model), every other node as its origin, with the operands that
are nodes given by their position in the list.
"""

from __future__ import annotations

from typing import Any

__all__ = ["graph_records", "restore_graph", "restore_leaf"]


def graph_records(order: list[Any]) -> list[Any]:
    """The records of the nodes of `order` (a topological order): a leaf is itself, any
    other node ``(op, data, grad, label, operands, local_grads)``."""
    index = {node: i for i, node in enumerate(order)}
    records: list[Any] = []
    for node in order:
        op, operands, local_grads = node.origin
        if op is None:
            records.append(node)
        else:
            positions = [x if local is None else index[x] for x, local in zip(operands, local_grads)]
            records.append((op, node.data, node.grad, node.label, positions, local_grads))
    return records


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
