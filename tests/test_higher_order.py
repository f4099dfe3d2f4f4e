"""grad(): gradients as numbers without touching .grad, and as Values that can be
differentiated again (second derivatives, Hessian-vector products, Newton's method)."""

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from op_catalog import CASE_IDS, CASES
from test_engine_properties import _TorchAdapter, inputs_in_range, programs, run, run_backward

from tinygrad_edu import Value
from tinygrad_edu.engine import grad, rule_local_grads, topological_order
from tinygrad_edu.gradcheck import numerical_gradient
from tinygrad_edu.optim import gradient_descent, newton


def test_second_and_third_derivative_of_x_cubed():
    x = Value(2.0)
    (d1,) = grad(x**3, [x], create_graph=True)
    (d2,) = grad(d1, [x], create_graph=True)
    (d3,) = grad(d2, [x])
    assert (d1.data, d2.data, d3) == (12.0, 12.0, 6.0)  # 3x^2, 6x, 6 at x = 2


def test_grad_leaves_every_grad_untouched():
    a, b = Value(1.5), Value(-2.0)
    y = (a * b).tanh() + a.exp()
    a.grad = 0.25
    grad(y, [a, b])
    grad(y, [a, b], create_graph=True)
    assert (a.grad, b.grad, y.grad) == (0.25, 0.0, 0.0)


def test_inputs_the_output_does_not_depend_on_get_zero():
    a, b = Value(1.0), Value(2.0)
    assert grad(a * 3, [a, b]) == [3.0, 0.0]
    assert [g.data for g in grad(a * 3, [a, b], create_graph=True)] == [3.0, 0.0]
    assert grad(a, [a]) == [1.0]


@settings(max_examples=100, deadline=None)
@given(program=programs(), xs=inputs_in_range)
def test_grad_equals_backward_on_random_graphs(program, xs):
    leaves, out = run_backward(program, xs)
    assert grad(out, leaves) == pytest.approx([leaf.grad for leaf in leaves], rel=1e-12, abs=1e-12)
    assert [g.data for g in grad(out, leaves, create_graph=True)] == pytest.approx(
        [leaf.grad for leaf in leaves], rel=1e-12, abs=1e-12
    )


@pytest.mark.parametrize("op, point", CASES, ids=CASE_IDS)
def test_rebuilt_local_derivatives_equal_the_stored_ones(op, point):
    node = op.on_values([Value(x) for x in point])
    # The op's one rule, run on the node and its operands as Values, gives the stored floats exactly.
    rebuilt = [g.data if isinstance(g, Value) else g for g in rule_local_grads(node)]
    stored = [0.0 if local is None else local for local in node.origin.local_grads]
    assert rebuilt[: len(stored)] == stored


@pytest.mark.parametrize(
    "op, point", [c for c in CASES if len(c[1]) == 1], ids=[i for c, i in zip(CASES, CASE_IDS) if len(c[1]) == 1]
)
def test_second_derivative_of_every_op_matches_central_differences(op, point):
    x = Value(point[0])
    (slope,) = grad(op.on_values([x]), [x], create_graph=True)
    (curvature,) = grad(slope, [x])

    def first_derivative(p):
        v = Value(p[0])
        return grad(op.on_values([v]), [v])[0]

    (expected,) = numerical_gradient(first_derivative, list(point), h=1e-5)
    assert curvature == pytest.approx(expected, rel=1e-5, abs=1e-6)


@settings(max_examples=100, deadline=None)
@given(program=programs(), xs=inputs_in_range, v=st.lists(st.floats(-1, 1), min_size=3, max_size=3))
def test_hessian_vector_products_match_torch(torch, program, xs, v):
    # H v = d/dx (grad f(x) . v)
    # torch zeroes d/dy of y * x^(y-1) where the exponent y is exactly 0, which makes its
    # mixed second derivative of x^y wrong there (see the test below), so exact zeros,
    # which give tanh(0) = 0 as an exponent, are left out of the comparison.
    assume(0.0 not in xs)
    leaves, out = run_backward(program, xs)
    # The same holds for an exponent that comes out as exactly 0 inside the graph (x0 - x1 at
    # x0 = x1, then tanh): central differences side with us there, see the test below.
    assume(
        not any(
            node.op == "**" and len(node.children) == 2 and node.children[1].data == 0.0
            for node in topological_order(out)
        )
    )
    gradient = grad(out, leaves, create_graph=True)
    directional = sum((g * vi for g, vi in zip(gradient, v)), Value(0.0))
    ours = grad(directional, leaves)

    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    f = run(program, _TorchAdapter.wrap_all(tensors, torch)).tensor
    first = torch.autograd.grad(f, tensors, create_graph=True, allow_unused=True)
    first = [g if g is not None else torch.zeros((), dtype=torch.float64) for g in first]
    dot = sum(g * vi for g, vi in zip(first, v))
    if not dot.requires_grad:  # f is linear in every input: H = 0
        theirs = [0.0] * len(xs)
    else:
        second = torch.autograd.grad(dot, tensors, allow_unused=True)
        theirs = [g.item() if g is not None else 0.0 for g in second]
    assert ours == pytest.approx(theirs, rel=1e-10, abs=1e-10)


def test_mixed_second_derivative_of_a_power_at_exponent_zero():
    # f(x, y) = x^y; d2f/dxdy = x^(y-1) (1 + y ln x), which is 1/x = 0.5 at x = 2, y = 0.
    x, y = Value(2.0), Value(0.0)
    (dfdx,) = grad(x**y, [x], create_graph=True)
    (mixed,) = grad(dfdx, [y])

    def dfdx_at(p):
        base = Value(2.0)
        return grad(base ** Value(p[0]), [base])[0]

    (estimate,) = numerical_gradient(dfdx_at, [0.0])
    assert mixed == pytest.approx(0.5, rel=1e-15)
    assert estimate == pytest.approx(0.5, rel=1e-8)


def test_grad_argument_errors():
    x = Value(1.0)
    with pytest.raises(TypeError, match="output must be a Value, got float"):
        grad(1.0, [x])
    with pytest.raises(TypeError, match="inputs must be a list of Values"):
        grad(x * 2, x)
    with pytest.raises(TypeError, match=r"inputs\[1\] must be a Value, got int"):
        grad(x * 2, [x, 3])


# ----- Newton's method ---------------------------------------------------------------------------


def parabola(x):
    return x**2 - 4 * x + 6


def test_newton_reaches_the_minimum_of_the_parabola_in_one_step():
    assert newton(parabola, 8, steps=3) == [8.0, 2.0, 2.0, 2.0]


def test_newton_against_gradient_descent():
    descent = gradient_descent(parabola, 8, lr=0.1, steps=30)
    assert abs(descent[-1] - 2) > 1e-3  # still 6 * 0.8^30 = 0.0074 away
    assert newton(parabola, 8, steps=1)[-1] == 2.0


def test_newton_on_a_non_quadratic_converges_fast():
    # f(x) = e^(x-1) - 2x has its minimum where e^(x-1) = 2, at x = 1 + ln 2.
    path = newton(lambda x: (x - 1).exp() - 2 * x, 0.0, steps=8)
    assert path[-1] == pytest.approx(1 + math.log(2), rel=1e-14)
    errors = [abs(p - (1 + math.log(2))) for p in path]
    assert errors[6] < errors[5] ** 2 * 10  # quadratic convergence near the minimum


def test_newton_errors():
    with pytest.raises(ZeroDivisionError, match=r"f''\(1.0\) is 0"):
        newton(lambda x: 3 * x + 1, 1.0, steps=1)
    with pytest.raises(ValueError, match="steps must be a whole number"):
        newton(parabola, 1.0, steps=-2)
    with pytest.raises(TypeError, match="f must return a Value"):
        newton(lambda x: 1.0, 1.0, steps=1)
