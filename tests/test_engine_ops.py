"""Every operation's value and gradient, against three independent references:
the math module (values), central differences (gradients, no torch needed) and
torch in float64 (values and gradients)."""

import math

import pytest
from op_catalog import CASE_IDS, CASES

from tinygrad_edu import Value
from tinygrad_edu.gradcheck import numerical_gradient


def forward_backward(op, point):
    inputs = [Value(x) for x in point]
    out = op.on_values(inputs)
    out.backward()
    return out, [v.grad for v in inputs]


@pytest.mark.parametrize("op, point", CASES, ids=CASE_IDS)
def test_value_matches_math_module(op, point):
    out, _ = forward_backward(op, point)
    assert out.data == pytest.approx(op.on_floats(list(point)), rel=1e-15, abs=1e-300)


@pytest.mark.parametrize("op, point", CASES, ids=CASE_IDS)
def test_gradient_matches_central_differences(op, point):
    _, grads = forward_backward(op, point)
    estimates = numerical_gradient(op.on_floats, list(point), h=1e-6)
    assert grads == pytest.approx(estimates, rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("op, point", CASES, ids=CASE_IDS)
def test_value_and_gradient_match_torch(torch, op, point):
    out, grads = forward_backward(op, point)
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    expected = op.on_tensors(tensors)
    expected.backward()
    assert out.data == pytest.approx(expected.item(), rel=1e-14, abs=1e-300)
    assert grads == pytest.approx([t.grad.item() for t in tensors], rel=1e-13, abs=1e-300)


@pytest.mark.parametrize("op, point", CASES, ids=CASE_IDS)
def test_local_grads_describe_the_node(op, point):
    """children and local_grads line up, one float per child, and every child is an input."""
    inputs = [Value(x) for x in point]
    out = op.on_values(inputs)
    assert len(out.children) == len(out.local_grads) >= 1
    assert all(any(child is v for v in inputs) for child in out.children)
    assert all(type(g) is float and math.isfinite(g) for g in out.local_grads)


def test_each_op_records_its_name():
    a, b = Value(2.0), Value(3.0)
    made = {
        "+": a + b,
        "-": a - b,
        "*": a * b,
        "/": a / b,
        "**": a**b,
        "neg": -a,
        "exp": a.exp(),
        "log": a.log(),
        "tanh": a.tanh(),
        "sigmoid": a.sigmoid(),
        "relu": a.relu(),
    }
    for op, node in made.items():
        assert node.op == op
    assert a.op == ""


def test_relu_derivative_is_one_or_zero():
    # Seed 003: unlike the sigmoid, ReLU passes the gradient on unchanged or not at all.
    for x, slope in [(-3.0, 0.0), (-1e-9, 0.0), (0.0, 0.0), (1e-9, 1.0), (42.0, 1.0)]:
        v = Value(x)
        v.relu().backward()
        assert v.grad == slope


def test_numpy_scalars_are_accepted_as_python_floats(numpy):
    np = numpy
    v = Value(np.float64(1.5)) * np.float32(2.0) + np.int64(3)
    assert v.data == 6.0 and type(v.data) is float
