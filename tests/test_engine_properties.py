"""Property tests: random expression graphs with fan-out, and the sigmoid facts of
the seeds, over explicit domains."""

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tinygrad_edu import Value
from tinygrad_edu.gradcheck import numerical_gradient

# ----- random expression graphs ---------------------------------------------------------
#
# A program is a list of steps; each step applies one operation to nodes made
# earlier (any of them, so a node is often used several times: fan-out). Each step
# keeps its operands inside the operation's domain by construction: a divisor is
# 1 + b*b, a logarithm's argument 1 + a*a, a Value exponent's base 1 + a*a.

STEPS = {
    "add": (2, lambda a, b: a + b),
    "sub": (2, lambda a, b: a - b),
    "mul": (2, lambda a, b: a * b),
    "div": (2, lambda a, b: a / (1 + b * b)),
    "pow": (2, lambda a, b: (1 + a * a) ** (b.tanh())),
    "neg": (1, lambda a: -a),
    "square": (1, lambda a: a**2),
    "cube": (1, lambda a: a**3),
    "exp": (1, lambda a: a.tanh().exp()),
    "log": (1, lambda a: (1 + a * a).log()),
    "tanh": (1, lambda a: a.tanh()),
    "sigmoid": (1, lambda a: a.sigmoid()),
    "scale": (1, lambda a: 0.5 * a - 1.5),
}
SMOOTH = sorted(STEPS)  # relu is left out of the central-difference test: it has a kink at 0


@st.composite
def programs(draw, n_inputs=3, max_steps=12):
    steps = []
    for i in range(draw(st.integers(1, max_steps))):
        name = draw(st.sampled_from(SMOOTH))
        arity = STEPS[name][0]
        pool = n_inputs + i
        operands = tuple(draw(st.integers(0, pool - 1)) for _ in range(arity))
        steps.append((name, operands))
    return steps


def run(program, inputs):
    """Evaluate on Values (or on torch tensors, via the same operator syntax);
    the output sums every node, so each one matters."""
    nodes = list(inputs)
    for name, operands in program:
        nodes.append(STEPS[name][1](*(nodes[i] for i in operands)))
    total = nodes[0]
    for node in nodes[1:]:
        total = total + node
    return total


def run_backward(program, xs):
    """Leaves for `xs`, the program's output on them, after out.backward()."""
    leaves = [Value(x) for x in xs]
    try:
        out = run(program, leaves)
    except OverflowError:
        assume(False)  # cubes of cubes can leave the float range; that error is tested elsewhere
    out.backward()
    return leaves, out


inputs_in_range = st.lists(st.floats(-2.0, 2.0), min_size=3, max_size=3)


@settings(max_examples=200, deadline=None)
@given(program=programs(), xs=inputs_in_range)
def test_random_graphs_match_central_differences(program, xs):
    leaves, out = run_backward(program, xs)
    estimates = numerical_gradient(lambda p: run(program, [Value(x) for x in p]).data, xs, h=1e-5)
    # Central differences lose about eps * |f| / h to rounding: a large output needs a looser bound.
    rounding = 1e-10 * abs(out.data)
    for leaf, estimate in zip(leaves, estimates):
        assert leaf.grad == pytest.approx(estimate, rel=1e-4, abs=1e-5 + rounding)


@settings(max_examples=200, deadline=None)
@given(program=programs(), xs=inputs_in_range)
def test_random_graphs_match_torch(torch, program, xs):
    leaves, out = run_backward(program, xs)
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    expected = run(program, _TorchAdapter.wrap_all(tensors, torch)).tensor
    expected.backward()
    assert out.data == pytest.approx(expected.item(), rel=1e-12, abs=1e-12)
    for leaf, t in zip(leaves, tensors):
        assert leaf.grad == pytest.approx(t.grad.item(), rel=1e-10, abs=1e-10)


@settings(max_examples=100, deadline=None)
@given(program=programs(), xs=inputs_in_range)
def test_backward_twice_doubles_leaves_on_random_graphs(program, xs):
    leaves, out = run_backward(program, xs)
    once = [leaf.grad for leaf in leaves]
    out.backward()
    assert [leaf.grad for leaf in leaves] == [2 * g for g in once]


class _TorchAdapter:
    """Lets the programs above run on torch tensors: the Value method names
    (tanh, exp, log, sigmoid) and operators map to torch's."""

    def __init__(self, tensor, torch):
        self.tensor, self.torch = tensor, torch

    @classmethod
    def wrap_all(cls, tensors, torch):
        return [cls(t, torch) for t in tensors]

    def _new(self, tensor):
        return _TorchAdapter(tensor, self.torch)

    @staticmethod
    def _raw(x):
        return x.tensor if isinstance(x, _TorchAdapter) else x

    def __add__(self, other):
        return self._new(self.tensor + self._raw(other))

    __radd__ = __add__

    def __sub__(self, other):
        return self._new(self.tensor - self._raw(other))

    def __rsub__(self, other):
        return self._new(self._raw(other) - self.tensor)

    def __mul__(self, other):
        return self._new(self.tensor * self._raw(other))

    __rmul__ = __mul__

    def __truediv__(self, other):
        return self._new(self.tensor / self._raw(other))

    def __pow__(self, other):
        return self._new(self.tensor ** self._raw(other))

    def __neg__(self):
        return self._new(-self.tensor)

    def tanh(self):
        return self._new(self.tensor.tanh())

    def exp(self):
        return self._new(self.tensor.exp())

    def log(self):
        return self._new(self.tensor.log())

    def sigmoid(self):
        return self._new(self.tensor.sigmoid())


# ----- the sigmoid facts of the seeds ------------------------------------------------------


@given(st.floats(-700.0, 700.0))
def test_sigmoid_derivative_is_y_times_one_minus_y(x):
    # Seed 002: dy/dx = y (1 - y), a function of the output alone.
    v = Value(x)
    y = v.sigmoid()
    y.backward()
    assert v.grad == y.data * (1.0 - y.data)
    assert 0.0 <= v.grad <= 0.25


@given(st.floats(-30.0, 30.0))
def test_sigmoid_matches_its_definition(x):
    assert Value(x).sigmoid().data == pytest.approx(1.0 / (1.0 + math.exp(-x)), rel=1e-14)


def test_sigmoid_derivative_peaks_at_one_quarter_at_zero():
    v = Value(0.0)
    y = v.sigmoid()
    y.backward()
    assert y.data == 0.5
    assert v.grad == 0.25


@given(st.floats(-700.0, 700.0))
def test_tanh_derivative_is_one_minus_y_squared(x):
    v = Value(x)
    y = v.tanh()
    y.backward()
    assert v.grad == 1.0 - y.data**2


@given(st.floats(-745.0, 709.0))
def test_exp_is_its_own_derivative(x):
    v = Value(x)
    y = v.exp()
    y.backward()
    assert v.grad == y.data == math.exp(x)


@given(st.floats(1e-300, 1e300))
def test_log_derivative_is_one_over_x(x):
    v = Value(x)
    v.log().backward()
    assert v.grad == 1.0 / x
