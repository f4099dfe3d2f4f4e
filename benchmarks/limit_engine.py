"""The speed limit: the barest scalar engine, for benchmarks/run.py to divide by.

NOT the product and not for use: it checks no input, names no error, keeps no
labels, cannot differentiate twice and does not roll back on failure. It is what a
pure-Python scalar reverse-mode engine costs at the least, so that the benchmark can
print how far `tinygrad_edu.Value` is from it:

* a node of six slots: ``data`` and ``grad``, and four for the graph: the operands
  ``a`` and ``b`` (None when absent) and the local derivatives ``da`` = d(node)/d(a)
  and ``db`` = d(node)/d(b), as floats (a layout with tuples of children and local
  derivatives measured slower, so it would be no limit);
* a number operand (the 2 in ``x * 2``) is not made a node: the node has one operand;
* an iterative topological sort, and a backward that is one straight loop.

It has only the operations the benchmark's graphs and its MLP step use.
"""

import math

__all__ = ["Node", "topological_order", "mlp_step"]


class Node:
    """A number and the local derivatives to the (at most two) nodes it was computed from."""

    __slots__ = ("data", "grad", "a", "da", "b", "db")

    def __init__(self, data, a=None, da=0.0, b=None, db=0.0):
        self.data = data
        self.grad = 0.0
        self.a = a
        self.da = da
        self.b = b
        self.db = db

    def __add__(self, other):
        if type(other) is Node:
            return Node(self.data + other.data, self, 1.0, other, 1.0)
        return Node(self.data + other, self, 1.0)

    __radd__ = __add__

    def __sub__(self, other):
        if type(other) is Node:
            return Node(self.data - other.data, self, 1.0, other, -1.0)
        return Node(self.data - other, self, 1.0)

    def __mul__(self, other):
        if type(other) is Node:
            return Node(self.data * other.data, self, other.data, other, self.data)
        return Node(self.data * other, self, other)

    __rmul__ = __mul__

    def sigmoid(self):
        x = self.data
        if x >= 0.0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:
            e = math.exp(x)
            s = e / (1.0 + e)
        return Node(s, self, s * (1.0 - s))

    def backward(self):
        order = topological_order(self)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            a, b = node.a, node.b
            if a is not None:
                a.grad += node.grad * node.da
            if b is not None:
                b.grad += node.grad * node.db


_EXPANDED = object()  # on the stack above a node: "its operands are ordered, list it"


def topological_order(root):
    """Every node `root` depends on, each after its operands (iterative, any depth)."""
    order, seen, stack = [], set(), [root]
    while stack:
        node = stack.pop()
        if node is _EXPANDED:
            order.append(stack.pop())
        elif node not in seen:
            seen.add(node)
            a, b = node.a, node.b
            if a is None and b is None:
                order.append(node)
                continue
            stack.append(node)
            stack.append(_EXPANDED)
            if b is not None:
                stack.append(b)
            if a is not None:
                stack.append(a)
    return order


def mlp_step(weights, xs, ys, lr):
    """Set up the benchmark's sigmoid MLP from `weights` (run.initial_mlp_weights) and return
    `step()`: the forward pass over all points, the mean squared error, zero_grad, backward
    and an SGD update, computed as tinygrad_edu computes them; it returns the loss."""
    layers = [[([Node(w) for w in row], Node(b)) for row, b in zip(rows, biases)] for rows, biases in weights]
    parameters = [p for layer in layers for row, b in layer for p in (*row, b)]

    def forward(x):
        activations = x
        for layer in layers:
            outputs = []
            for row, b in layer:
                z = row[0] * activations[0]
                for i in range(1, len(row)):
                    z = z + row[i] * activations[i]
                outputs.append((z + b).sigmoid())
            activations = outputs
        return activations[0]

    def step():
        total = None
        for x, y in zip(xs, ys):
            diff = forward(x) - y
            term = diff * diff
            total = term if total is None else total + term
        loss = total * (1.0 / len(xs))
        for p in parameters:
            p.grad = 0.0
        loss.backward()
        for p in parameters:
            p.data -= lr * p.grad
        return loss.data

    return step
