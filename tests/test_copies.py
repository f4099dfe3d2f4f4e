"""deepcopy and pickle of graphs: shared nodes stay shared, linear time, subclasses kept."""

import copy
import functools
import pickle

import pytest
from work_count import python_lines_run

from tinygrad_edu import Value
from tinygrad_edu.engine import grad, topological_order

ROUND_TRIPS = [copy.deepcopy, lambda obj: pickle.loads(pickle.dumps(obj))]


@pytest.mark.parametrize("round_trip", ROUND_TRIPS, ids=["deepcopy", "pickle"])
def test_an_interior_node_shared_by_several_objects_stays_shared(round_trip):
    x = Value(3.0, "x")
    z = x * x
    a, b = z + 1, z * 2
    a2, b2, z2, x2 = round_trip([a, b, z, x])
    assert a2._a is z2 and b2._a is z2 and z2._a is x2
    assert grad(a2, [z2]) == [1.0]
    assert grad(b2, [x2]) == [12.0]


def _chain_order(length):
    y = Value(1.0)
    for _ in range(length):
        y = y + 1
    return topological_order(y)


@pytest.mark.parametrize("round_trip", ROUND_TRIPS, ids=["deepcopy", "pickle"])
def test_the_topological_order_of_a_long_chain_copies_in_linear_time(round_trip):
    # Work counted, not timed: the lines of Python the copy runs (deepcopy's own, the
    # records of protocols.py and the search for unwritten ancestors), for 4x the nodes.
    # When every node of the list wrote its whole graph again this took 12 s and more
    # for 2000 nodes: quadratic, 16x the work for 4x the nodes.
    python_lines_run(lambda: round_trip(_chain_order(10)))  # a warm-up: imports and caches settle
    work = []
    for length in (500, 2000):
        order = _chain_order(length)
        copied, lines = python_lines_run(functools.partial(round_trip, order))
        assert all(copied[i + 1]._a is copied[i] for i in range(len(copied) - 1))
        work.append(lines)
    assert work[1] < 4.5 * work[0]
    assert len(pickle.dumps(order)) < 400_000  # was 100 MB: each node written once


class Tagged(Value):
    def __init__(self, data, tag):
        super().__init__(data)
        self.tag = tag


@pytest.mark.parametrize("round_trip", [*ROUND_TRIPS, copy.copy], ids=["deepcopy", "pickle", "copy"])
def test_a_subclass_comes_back_with_its_attributes(round_trip):
    leaf = Tagged(2.0, "weight")
    node = leaf * 3
    leaf2 = round_trip(leaf)
    assert type(leaf2) is Tagged and leaf2.tag == "weight" and leaf2.data == 2.0
    node2 = round_trip(node)
    assert type(node2._a) is Tagged and node2.data == 6.0


@pytest.mark.parametrize("round_trip", ROUND_TRIPS, ids=["deepcopy", "pickle"])
def test_a_leaf_whose_grad_is_a_value_of_its_own_graph_copies(round_trip):
    x = Value(2.0, "x")
    (x.grad,) = grad(x * x * x, [x], create_graph=True)  # 3x^2, a Value that depends on x
    x2 = round_trip(x)
    assert x2.grad.data == 12.0
    assert x2 in topological_order(x2.grad)
