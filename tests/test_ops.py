"""Every operation is one rule (tinygrad_edu.ops): a user's op works wherever a built-in
one does, a broken rule is named, and create_graph=True uses the very same rules."""

import ast
import copy
import math
import os
import pathlib
import pickle
import signal
import threading

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tinygrad_edu import Value, engine, ops
from tinygrad_edu.engine import grad, topological_order
from tinygrad_edu.explain import explain, paths
from tinygrad_edu.gradcheck import gradcheck
from tinygrad_edu.ops import Op
from tinygrad_edu.viz import to_dot
from tinygrad_edu.viz.player import Player
from tinygrad_edu.viz.steps import backward_steps


class Softplus(Op):
    """softplus(x) = ln(1 + e^x).   d/dx = 1 / (1 + e^-x), the sigmoid of x"""

    name = "softplus"
    formula = "sigmoid({a})"

    def forward(self, x):
        return math.log1p(math.exp(-abs(x))) + max(x, 0.0)

    def local_grads(self, out, x):
        return (ops.sigmoid(x),)


class Cube(Op):
    name = "cube"
    formula = "3 {a}^2"

    def forward(self, x):
        return x**3

    def local_grads(self, out, x):
        return (3 * x**2,)


class Hypot(Op):
    """sqrt(a^2 + b^2).   d/da = a / out,  d/db = b / out"""

    name = "hypot"
    formula = ("{a}/{out}", "{b}/{out}")

    def forward(self, a, b):
        return math.hypot(a, b)

    def local_grads(self, out, a, b):
        return a / out, b / out


softplus, cube, hypot = Softplus(), Cube(), Hypot()


def test_a_users_op_gives_a_node_with_its_name_value_and_local_derivative():
    x = Value(2.0, label="x")
    y = cube(x)
    assert (y.op, y.data, y.children, y.local_grads) == ("cube", 8.0, (x,), (12.0,))
    y.backward()
    assert x.grad == 12.0


def test_a_users_op_passes_gradcheck_and_matches_central_differences():
    assert gradcheck(lambda v: softplus(v[0] * v[1]) + hypot(v[0], v[1]), [0.7, -1.3])


def test_a_users_op_with_a_number_operand():
    x = Value(3.0)
    y = hypot(x, 4.0)
    y.backward()
    assert (y.data, y.children, x.grad) == (5.0, (x,), 0.6)
    assert to_dot(y).count("hypot 4") == 1  # the number is drawn inside the op


def test_second_derivatives_of_a_users_op_use_its_rule():
    x = Value(0.5)
    (slope,) = grad(softplus(x), [x], create_graph=True)
    (curvature,) = grad(slope, [x])
    s = 1 / (1 + math.exp(-0.5))
    assert slope.data == pytest.approx(s, rel=1e-15)
    assert curvature == pytest.approx(s * (1 - s), rel=1e-14)  # the sigmoid's own derivative


def test_a_users_op_in_pictures_steps_player_and_explain():
    x = Value(2.0, label="x")
    y = cube(x).named("y")
    assert "cube" in to_dot(y)
    steps = backward_steps(y)
    assert [(s.node.label, s.grad, [u.local_grad for u in s.updates]) for s in steps] == [
        ("y", 1.0, [12.0]),
        ("x", 12.0, []),
    ]
    player = Player(y)
    lines = [line["text"] for step in player._data()["modes"]["forward"]["steps"] for line in step["lines"]]
    assert lines == ["d(y)/d(x) = 3 x^2 = 12"]  # the op's formula, with the operand's name
    assert sum(path.product for path in paths(y, x)) == 12.0
    assert "12" in explain(y, x)


def test_a_rule_with_the_wrong_number_of_local_derivatives_is_named():
    class Wrong(Op):
        name = "wrong"

        def forward(self, a, b):
            return a + b

        def local_grads(self, out, a, b):
            return (1.0,)

    with pytest.raises(TypeError, match="wrong: local_grads must return a tuple of 2"):
        Wrong()(Value(1.0), Value(2.0))


def test_a_rule_with_a_non_finite_local_derivative_is_named():
    class Steep(Op):
        name = "steep"

        def forward(self, a):
            return a

        def local_grads(self, out, a):
            return (math.inf,)

    with pytest.raises(OverflowError, match="steep: the local derivative at 1.0 is inf"):
        Steep()(Value(1.0))


def test_a_rule_that_returns_no_number_is_named():
    class Chatty(Op):
        name = "chatty"

        def forward(self, a):
            return "one"

        def local_grads(self, out, a):
            return (1.0,)

    with pytest.raises(TypeError, match="chatty: forward must return a number, got str 'one'"):
        Chatty()(Value(1.0))


def test_an_op_needs_a_value_operand():
    with pytest.raises(TypeError, match=r"cube: expected at least one Value operand, got float 2.0"):
        cube(2.0)
    assert Cube().forward(2.0) == 8.0  # the plain number is its forward


def test_an_op_that_forgets_its_rules_says_what_is_missing():
    class Empty(Op):
        name = "empty"

    with pytest.raises(NotImplementedError, match="define forward"):
        Empty()(Value(1.0))


def test_values_operators_are_the_built_in_ops():
    a, b = Value(2.0), Value(3.0)
    assert {(a + b).op, (a - b).op, (a * b).op, (a / b).op, (a**b).op, (a**2).op, (-a).op} == {
        "+",
        "-",
        "*",
        "/",
        "**",
        "neg",
    }
    assert [f(a).op for f in (Value.exp, Value.log, Value.tanh, Value.sigmoid, Value.relu)] == [
        "exp",
        "log",
        "tanh",
        "sigmoid",
        "relu",
    ]
    assert (a * b).origin.op is ops.MUL and a.exp().origin.op is ops.EXP  # the operator is the op


def test_helpers_work_on_floats_and_values_alike():
    assert ops.exp(1.0) == math.exp(1.0)
    assert ops.exp(Value(1.0)).op == "exp"
    assert ops.log(math.e) == 1.0
    assert ops.tanh(0.5) == math.tanh(0.5)
    assert ops.sigmoid(0.0) == 0.5
    assert ops.relu(-2.0) == 0.0


# ----- create_graph=True uses the same rules: same numbers wherever the plain call works -------------

EDGE_POINTS = [0.0, 5e-324, 1e-300, 1e-200, 1e-8, 0.5, 1.0, 3.0, 40.0, 700.0, 1e100, 1e200]


@pytest.mark.parametrize(
    "make",
    [
        lambda x: x**1.5,
        lambda x: x / x,
        lambda x: x * x / (x + 1),
        lambda x: (x * 1e-150).sigmoid(),
        lambda x: x.tanh() * x,
    ],
    ids=["x^1.5", "x/x", "x*x/(x+1)", "sigmoid(x*1e-150)", "tanh(x)*x"],
)
@pytest.mark.parametrize("point", EDGE_POINTS + [-p for p in EDGE_POINTS[1:]])
def test_create_graph_agrees_with_the_plain_call_at_edge_points(make, point):
    x = Value(point)
    try:
        plain = grad(make(x), [x])
    except (ArithmeticError, ValueError):
        return  # nothing to agree with where the plain call refuses
    (built,) = grad(make(x), [x], create_graph=True)
    assert built.data == plain[0]  # the same rule on the same numbers: the same float


def test_the_known_failures_of_the_old_rebuild_now_work():
    x = Value(0.0)
    assert grad(x**1.5, [x], create_graph=True)[0].data == 0.0
    x = Value(1e-200)
    assert grad(x / x, [x], create_graph=True)[0].data == 0.0


UNARY = ["exp", "tanh", "sigmoid", "relu", "neg", "square", "cube", "softplus", "recip"]
BINARY = ["add", "sub", "mul", "div", "hypot"]


def apply(name, a, b=None):
    return {
        "exp": lambda: (a * 1e-3).exp(),
        "tanh": lambda: a.tanh(),
        "sigmoid": lambda: a.sigmoid(),
        "relu": lambda: a.relu(),
        "neg": lambda: -a,
        "square": lambda: a**2,
        "cube": lambda: cube(a),
        "softplus": lambda: softplus(a),
        "recip": lambda: 1 / a,
        "add": lambda: a + b,
        "sub": lambda: a - b,
        "mul": lambda: a * b,
        "div": lambda: a / b,
        "hypot": lambda: hypot(a, b),
    }[name]()


edge_floats = st.sampled_from(EDGE_POINTS + [-p for p in EDGE_POINTS[1:]]) | st.floats(-50, 50)
steps_strategy = st.lists(
    st.tuples(st.sampled_from(UNARY + BINARY), st.integers(0, 20), st.integers(0, 20)), min_size=1, max_size=8
)


@settings(max_examples=300, deadline=None)
@given(xs=st.lists(edge_floats, min_size=2, max_size=2), program=steps_strategy)
def test_create_graph_agrees_with_the_plain_call_on_random_graphs(xs, program):
    def run(leaves):
        nodes = list(leaves)
        for name, i, j in program:
            a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
            nodes.append(apply(name, a, b) if name in BINARY else apply(name, a))
        return nodes[-1]

    leaves = [Value(x) for x in xs]
    try:
        out = run(leaves)
        plain = grad(out, leaves)
    except (ArithmeticError, ValueError):
        assume(False)
        return
    built = grad(out, leaves, create_graph=True)
    assert [g.data for g in built] == plain


# ----- backward() under Ctrl-C and errors --------------------------------------------------------


class _Tripwire(float):
    """A local derivative that sends a real SIGINT the first time backward() multiplies by it."""

    armed = True

    def __rmul__(self, other):
        if self.armed:
            self.armed = False
            os.kill(os.getpid(), signal.SIGINT)
        return float(other) * float(self)


class _Trip(Op):
    name = "trip"

    def forward(self, a):
        return a

    def local_grads(self, out, a):
        return (_Tripwire(1.0),)


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="signals need the main thread")
def test_ctrl_c_in_the_middle_of_backward_leaves_every_leaf_grad_as_it_was():
    x, w = Value(2.0, label="x"), Value(3.0, label="w")
    x.grad, w.grad = 0.25, -1.5
    y = w * _Trip()(x * w)  # w gets its share from the last node before the tripwire fires
    with pytest.raises(KeyboardInterrupt):
        y.backward()
    assert (x.grad, w.grad) == (0.25, -1.5)
    y.backward()  # and a later call works as usual
    assert (x.grad, w.grad) == (0.25 + 9.0, -1.5 + 12.0)


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="signals need the main thread")
def test_a_real_sigint_during_a_long_backward_leaves_the_leaves_whole_calls():
    x, c = Value(1.0, label="x"), Value(0.5, label="c")
    h = x
    for _ in range(200_000):
        h = h + x * c
    completed = 0
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            while completed < 1000:  # each call either completes or changes nothing
                h.backward()
                completed += 1
    finally:
        timer.cancel()
    # After k whole calls, x holds exactly k times one call's gradient (1 + 200,000 * 0.5).
    assert x.grad == completed * 100_001.0
    assert c.grad == completed * 200_000.0


def test_a_grad_set_to_none_is_named_at_the_next_backward():
    x = Value(1.0, label="x")
    y = x * 2
    x.grad = None
    with pytest.raises(TypeError, match=r"backward: Value\(.*label='x'\) has .grad = None, not a number"):
        y.backward()
    assert x.grad is None  # left as it was


def test_data_set_to_a_string_is_named_at_the_next_operation():
    x = Value(1.0, label="x")
    x.data = "a"
    with pytest.raises(TypeError, match=r"\*: the operand .*label='x'.* has .data = 'a', not a number"):
        x * 2


# ----- copy and pickle at any depth ----------------------------------------------------------------


def test_deepcopy_and_pickle_work_100000_deep():
    x = Value(1.0, label="x")
    h = x
    for _ in range(100_000):
        h = h * 1.0 + x
    h.backward()
    for copied in (copy.deepcopy(h), pickle.loads(pickle.dumps(h))):
        order = topological_order(copied)
        assert len(order) == len(topological_order(h))
        (leaf,) = [node for node in order if not node.children]
        assert (copied.data, leaf.label, leaf.grad) == (h.data, "x", x.grad)
        leaf.grad = 0.0
        copied.backward()
        assert leaf.grad == x.grad


def test_deepcopy_keeps_shared_leaves_shared():
    w, b = Value(0.5, label="w"), Value(0.1, label="b")
    out = (w * 3.0 + b).tanh()
    params, copied = copy.deepcopy(([w, b], out))
    copied.backward()
    leaves = {id(node) for node in topological_order(copied) if not node.children}
    assert {id(p) for p in params} == leaves
    assert params[0].grad == pytest.approx(3 * (1 - copied.data**2))


def test_a_graph_with_a_users_op_pickles():
    x = Value(2.0)
    y = cube(x) + 1
    again = pickle.loads(pickle.dumps(y))
    assert (again.data, again.children[0].op) == (9.0, "cube")
    assert pickle.loads(pickle.dumps(ops.MUL)) is ops.MUL  # built-in ops stay single


# ----- micrograd's names ------------------------------------------------------------------------


def test_micrograd_names_and_the_node_by_node_backward():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    e = a * b
    e.label = "e"
    d = e + a
    assert (d._op, e._op, d._prev) == ("+", "*", {e, a})
    d.grad = 1.0
    d._backward()  # the chain rule for one node
    e._backward()
    assert (e.grad, a.grad, b.grad) == (1.0, 1.0 + -3.0, 2.0)


def test_comparisons_look_at_data_and_equality_is_identity():
    a, b = Value(1.0), Value(2.0)
    assert (a < b, a <= 1, b > 1.5, b >= b, a == Value(1.0)) == (True, True, True, True, False)
    biggest = max(a, b)
    assert biggest is b
    (biggest * 3).backward()
    assert (a.grad, b.grad) == (0.0, 3.0)  # the gradient flows through the Value max chose
    with pytest.raises(TypeError, match="cannot compare a Value with str"):
        _ = a < "2"


@pytest.mark.parametrize("convert", [bool, float, int, round, math.exp, lambda v: [1, 2][v]])
def test_a_value_is_not_silently_a_plain_number(convert):
    with pytest.raises(TypeError, match="a Value is a node of the graph, not a plain number.*use .data"):
        convert(Value(0.0))


# ----- structure -------------------------------------------------------------------------------------


def package_imports():
    """module -> the package's modules it imports (at module or function level; imports for
    the type checker only run no code and are left out)."""
    package = pathlib.Path(__file__).resolve().parent.parent / "tinygrad_edu"
    modules = {p.stem for p in package.glob("*.py")} | {"learn", "micrograd"}
    edges = {}
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for block in ast.walk(tree):
            if isinstance(block, ast.If) and getattr(block.test, "id", "") == "TYPE_CHECKING":
                block.body = []
        targets = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                targets |= {node.module.split(".")[0]} if node.module else {alias.name for alias in node.names}
        edges[path.stem] = targets & modules
    return edges


def test_the_package_has_no_import_cycle():
    """Module-level and function-level imports between the package's modules form no cycle."""
    edges = package_imports()
    state = {}

    def visit(start):
        stack = [(start, iter(sorted(edges.get(start, ()))))]
        state[start] = "open"
        while stack:
            module, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[module] = "done"
                stack.pop()
            elif state.get(child) == "open":
                raise AssertionError(f"import cycle through {child}: {[m for m, _ in stack]}")
            elif child not in state:
                state[child] = "open"
                stack.append((child, iter(sorted(edges.get(child, ())))))

    for module in sorted(edges):
        if module not in state:
            visit(module)


def test_engine_reads_in_one_sitting():
    package = pathlib.Path(__file__).resolve().parent.parent / "tinygrad_edu"
    source = (package / "engine.py").read_text(encoding="utf-8").splitlines()
    assert len(source) <= 460  # about a third of it docstrings and comments
    assert len((package / "ops.py").read_text(encoding="utf-8").splitlines()) <= 330  # the Op base and 12 rules
    start = next(i for i, line in enumerate(source) if "def backward(self)" in line)
    sweep = next(i for i, line in enumerate(source) if "a.grad += node.grad * node._da" in line)
    assert sweep - start < 30  # the chain rule is on the first screen of backward()
    # ``a * b`` reaches the rule in two steps: Value.__mul__ calls binary_node(MUL, ...).
    mul = next(i for i, line in enumerate(source) if "def __mul__(self" in line)
    assert "binary_node(MUL, self, other)" in source[mul + 1]


# ----- found by a review: threads, odd rules, copies -------------------------------------------------


def test_a_model_pickles_and_a_shallow_copy_keeps_the_operands():
    from tinygrad_edu import MLP

    model = MLP(2, [3, 1], seed=1)
    again = pickle.loads(pickle.dumps(model))
    assert [p.data for p in again.parameters()] == [p.data for p in model.parameters()]
    assert again([0.5, -0.5]).data == model([0.5, -0.5]).data
    a = Value(2.0)
    out = (a * 3) * a
    shallow = copy.copy(out)
    assert shallow is not out and shallow.children == out.children and shallow.data == out.data
    leaf = pickle.loads(pickle.dumps(Value(1.5, label="x"), protocol=0))
    assert (leaf.data, leaf.label) == (1.5, "x")


def test_building_a_gradient_graph_in_one_thread_does_not_silence_errors_in_another():
    caught = []

    def elsewhere():
        try:
            Value(0.0) ** 0.5
        except ValueError as error:
            caught.append(error)

    with engine.building_gradient_graph():
        worker = threading.Thread(target=elsewhere)
        worker.start()
        worker.join()
    assert len(caught) == 1 and "infinite" in str(caught[0])


def test_forward_results_become_floats_and_bools_are_refused():
    class Step(Op):
        name = "step"

        def forward(self, a):
            return 1 if a > 0 else 0

        def local_grads(self, out, a):
            return (0,)

    y = Step()(Value(2.0))
    assert type(y.data) is float and y.data == 1.0

    class Truthy(Op):
        name = "truthy"

        def forward(self, a):
            return True

        def local_grads(self, out, a):
            return (0.0,)

    with pytest.raises(TypeError, match="truthy: forward must return a number, got the bool True"):
        Truthy()(Value(1.0))


def test_an_infinite_second_derivative_is_reported_as_such():
    x = Value(0.0)
    (slope,) = grad(x**1.5, [x], create_graph=True)
    assert slope.data == 0.0  # the first derivative exists: 1.5 * sqrt(0)
    with pytest.raises(ValueError, match=r"came out as nan: a local derivative on the way is undefined"):
        grad(slope, [x])


def test_a_rule_written_with_math_exp_says_so_under_create_graph():
    class MathExp(Op):
        name = "mathexp"

        def forward(self, a):
            return math.exp(a)

        def local_grads(self, out, a):
            return (math.exp(a),)

    x = Value(0.5)
    assert grad(MathExp()(x), [x]) == [math.exp(0.5)]  # fine on floats
    with pytest.raises(TypeError, match=r"mathexp: its local_grads ran on Values.*ops.exp"):
        grad(MathExp()(x), [x], create_graph=True)


def test_numpy_scalars_on_both_sides_are_not_values(numpy):
    with pytest.raises(TypeError, match=r"\+: expected at least one Value operand"):
        ops.ADD(numpy.float64(3.0), numpy.float64(4.0))


@pytest.mark.parametrize("odd", ["{out.data}", "{x}", 123])
def test_an_odd_formula_is_shown_as_written(odd):
    class Odd(Op):
        name = "odd"
        formula = odd

        def forward(self, a):
            return 2 * a

        def local_grads(self, out, a):
            return (2.0,)

    y = Odd()(Value(1.0, label="x")).named("y")
    lines = [line["text"] for step in Player(y)._data()["modes"]["forward"]["steps"] for line in step["lines"]]
    assert lines == [f"d(y)/d(x) = {odd} = 2"]


def test_values_methods_and_the_built_in_ops_pickle_as_themselves():
    assert pickle.loads(pickle.dumps(Value.sigmoid)) is Value.sigmoid
    assert all(pickle.loads(pickle.dumps(op)) is op for op in ops.BUILT_IN_OPS)


# ----- every built-in formula is its rule's local_grads, as text ------------------------------------

FORMULA_POINTS = {
    "ADD": [(1.5, -2.0), (0.3, 4.0)],
    "SUB": [(1.5, -2.0), (0.3, 4.0)],
    "MUL": [(1.5, -2.0), (-0.3, 4.0)],
    "DIV": [(1.5, -2.0), (-0.3, 4.0)],
    "POW": [(1.5, 3.0), (-2.0, 2.0), (0.7, 0.5)],
    "POW_BY_VALUE": [(1.5, 3.0), (0.7, -0.5)],
    "NEG": [(1.5,), (-0.2,)],
    "EXP": [(1.5,), (-0.2,)],
    "LOG": [(1.5,), (0.2,)],
    "TANH": [(1.5,), (-0.2,)],
    "SIGMOID": [(1.5,), (-0.2,)],
    "RELU": [(1.5,), (-0.2,)],
}


def evaluate_formula(text, out, xs):
    """The number a formula's text stands for: operands and result substituted in brackets,
    ^ as a power, ln as math.log, a factor beside a bracket multiplying it."""
    import re

    names = {"out": f"({out!r})", **{key: f"({x!r})" for key, x in zip("ab", xs)}}
    python = text.format(**names).replace("^", "**")
    python = re.sub(r"([)\d])\s*(?=[(a-z])(?!if\b|else\b)", r"\1*", python)  # "s(1 - s)", "b a^(b-1)"
    return eval(python, {"__builtins__": {}, "ln": math.log})


@pytest.mark.parametrize("name", sorted(FORMULA_POINTS))
def test_every_built_in_formula_is_its_local_grads(name):
    op = getattr(ops, name)
    texts = (op.formula,) if isinstance(op.formula, str) else op.formula
    for xs in FORMULA_POINTS[name]:
        out = op.forward(*xs)
        local_grads = op.local_grads(out, *xs)
        assert len(texts) == len(local_grads) == len(xs)
        for text, local in zip(texts, local_grads):
            if text:  # "" for the number exponent of x ** c, which has no gradient
                assert evaluate_formula(text, out, xs) == pytest.approx(local, rel=1e-12)


def test_every_built_in_op_has_a_formula_and_a_docstring_without_its_derivative():
    assert {name for name in dir(ops) if isinstance(getattr(ops, name), Op)} == set(FORMULA_POINTS)
    for op in ops.BUILT_IN_OPS:
        assert op.formula and type(op).__doc__ and "d/d" not in type(op).__doc__
