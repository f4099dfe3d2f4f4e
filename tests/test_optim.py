"""Optimisers and gradient descent, including seed 003's worked table."""

import math

import pytest

from tinygrad_edu import MLP, Value
from tinygrad_edu.nn import squared_error
from tinygrad_edu.optim import SGD, Adam, StepRollback, gradient_descent


def parabola(x):
    return x**2 - 4 * x + 6  # minimum at x = 2, dy/dx = 2x - 4


def test_gradient_descent_reproduces_seed_003():
    # x_new = x - 0.1 (2x - 4), from x = 8
    path = gradient_descent(parabola, 8, lr=0.1, steps=4)
    assert path == [8.0, 6.8, 5.84, 5.072, 4.4576]


def test_gradient_descent_follows_6_times_0_8_to_the_n():
    path = gradient_descent(parabola, 8.0, lr=0.1, steps=40)
    for n, x in enumerate(path):
        assert x - 2 == pytest.approx(6 * 0.8**n, rel=1e-12)
    # the seed's rounded table: 6.8, 5.84, 5.07, 4.45, 3.96, 3.57, 3.25, 3.00, 2.80, ...
    assert [round(x, 2) for x in path[1:10]] == [6.8, 5.84, 5.07, 4.46, 3.97, 3.57, 3.26, 3.01, 2.81]
    assert abs(path[-1] - 2) < 1e-3


def test_too_large_a_learning_rate_diverges_with_a_clear_error():
    with pytest.raises(ValueError, match="diverging: try a smaller learning rate"):
        gradient_descent(parabola, 8.0, lr=1.5, steps=2000)


@pytest.mark.parametrize("lr", [0, -0.1, math.nan, math.inf, "0.1", True])
def test_bad_learning_rates(lr):
    with pytest.raises(ValueError, match="learning rate must be a positive finite number"):
        gradient_descent(parabola, 8.0, lr=lr, steps=3)
    with pytest.raises(ValueError, match="learning rate must be a positive finite number"):
        SGD([Value(1.0)], lr=lr)


def test_gradient_descent_bad_arguments():
    with pytest.raises(ValueError, match="finite real number, got nan"):
        gradient_descent(parabola, math.nan, lr=0.1, steps=3)
    with pytest.raises(ValueError, match="steps must be a whole number"):
        gradient_descent(parabola, 8.0, lr=0.1, steps=-1)
    with pytest.raises(TypeError, match="f must return a Value"):
        gradient_descent(lambda x: 3.0, 8.0, lr=0.1, steps=1)


def test_sgd_step_is_p_minus_lr_grad():
    a, b = Value(1.0), Value(-2.0)
    a.grad, b.grad = 0.5, -4.0
    SGD([a, b], lr=0.1).step()
    assert (a.data, b.data) == (pytest.approx(0.95), pytest.approx(-1.6))


def test_sgd_momentum_matches_the_pytorch_rule():
    p = Value(0.0)
    opt = SGD([p], lr=0.1, momentum=0.9)
    velocity, expected = 0.0, 0.0
    for grad in [1.0, 1.0, -2.0, 0.5]:
        p.grad = grad
        opt.step()
        velocity = 0.9 * velocity + grad
        expected -= 0.1 * velocity
        assert p.data == pytest.approx(expected, rel=1e-15)


def test_sgd_matches_torch(torch):
    values, grads = [0.5, -1.5, 2.0], [0.25, -1.0, 3.0]
    ours = [Value(v) for v in values]
    theirs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    opt_ours = SGD(ours, lr=0.05, momentum=0.8)
    opt_theirs = torch.optim.SGD(theirs, lr=0.05, momentum=0.8)
    for step in range(5):
        for p, t, g in zip(ours, theirs, grads):
            p.grad = g * (step + 1)
            t.grad = torch.tensor(g * (step + 1), dtype=torch.float64)
        opt_ours.step()
        opt_theirs.step()
    assert [p.data for p in ours] == pytest.approx([t.item() for t in theirs], rel=1e-13)


def test_adam_matches_torch(torch):
    values = [0.5, -1.5, 2.0]
    ours = [Value(v) for v in values]
    theirs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    opt_ours = Adam(ours, lr=0.01)
    opt_theirs = torch.optim.Adam(theirs, lr=0.01)
    for step in range(10):
        for p, t in zip(ours, theirs):
            g = math.sin(p.data * (step + 1))
            p.grad = g
            t.grad = torch.tensor(math.sin(t.item() * (step + 1)), dtype=torch.float64)
        opt_ours.step()
        opt_theirs.step()
    assert [p.data for p in ours] == pytest.approx([t.item() for t in theirs], rel=1e-12)


def test_adam_minimises_the_parabola():
    x = Value(8.0)
    opt = Adam([x], lr=0.3)
    for _ in range(300):
        opt.zero_grad()
        parabola(x).backward()
        opt.step()
    assert x.data == pytest.approx(2.0, abs=1e-3)


def test_optimizers_refuse_a_non_finite_gradient():
    p = Value(1.0)
    p.grad = math.nan
    for opt in (SGD([p], lr=0.1), Adam([p])):
        with pytest.raises(ValueError, match="gradient of Value.* is not finite"):
            opt.step()
    assert p.data == 1.0


def test_optimizer_argument_errors():
    with pytest.raises(ValueError, match="empty list of parameters"):
        SGD([], lr=0.1)
    with pytest.raises(TypeError, match="parameter 1 must be a Value, got float"):
        SGD([Value(1.0), 2.0], lr=0.1)
    with pytest.raises(ValueError, match=r"momentum must be a number in \[0, 1\), got 1.5"):
        SGD([Value(1.0)], lr=0.1, momentum=1.5)
    with pytest.raises(ValueError, match=r"betas\[1\] must be a number in \[0, 1\)"):
        Adam([Value(1.0)], betas=(0.9, 1.0))


def test_zero_grad_through_the_optimizer():
    m = MLP(2, [2, 1])
    opt = SGD(m.parameters(), lr=0.1)
    squared_error(m([1.0, 2.0]), 1.0).backward()
    opt.zero_grad()
    assert all(p.grad == 0.0 for p in m.parameters())


@pytest.mark.parametrize("make", [lambda p: SGD([p], lr=1e300), lambda p: SGD([p], lr=1e300, momentum=0.5)])
def test_a_step_that_overflows_is_refused(make):
    p = Value(1.0, label="w")
    p.grad = 1e10
    with pytest.raises(
        OverflowError, match=r"SGD.step: updating Value\(.*label='w'\) .* gives -inf; the step is too large"
    ):
        make(p).step()
    assert p.data == 1.0


def test_the_base_optimizer_says_step_is_missing():
    from tinygrad_edu.optim import Optimizer

    with pytest.raises(NotImplementedError, match="Optimizer must define step"):
        Optimizer([Value(1.0)], lr=0.1).step()


# ----- a step is whole or not at all: StepRollback ------------------------------------------------


def test_step_rollback_puts_back_the_weights_and_the_optimizer_state():
    a, b = Value(1.0), Value(2.0)
    opt = SGD([a, b], lr=0.1, momentum=0.9)
    opt.velocity[:] = [0.5, -0.5]
    velocity = opt.velocity
    before = StepRollback(opt)
    a.data, b.data = 10.0, 20.0
    velocity[0] = 99.0
    opt.lr = 7.0
    before.restore()
    assert (a.data, b.data) == (1.0, 2.0)
    assert opt.velocity is velocity and velocity == [0.5, -0.5]  # the same list, its old numbers
    assert opt.lr == 0.1


def test_step_rollback_as_a_context_manager_undoes_a_failed_step_and_lets_the_error_through():
    a, b = Value(1.0), Value(2.0)
    opt = Adam([a, b], lr=0.1)
    a.grad = b.grad = 1.0
    opt.step()
    m, v, steps, data = list(opt.m), list(opt.v), opt.steps, (a.data, b.data)

    def half_step():
        opt.steps += 1
        opt.m[0] = opt.v[0] = 5.0
        a.data = 123.0
        raise OverflowError("the second parameter's update left the float range")

    with pytest.raises(OverflowError, match="second parameter"), StepRollback(opt):
        half_step()
    assert (opt.m, opt.v, opt.steps, (a.data, b.data)) == (m, v, steps, data)


def test_step_rollback_changes_nothing_when_the_step_succeeds():
    a = Value(1.0)
    opt = SGD([a], lr=0.5)
    a.grad = 2.0
    with StepRollback(opt):
        opt.step()
    assert a.data == 0.0


def test_sgd_refuses_a_step_that_overflows_and_keeps_the_last_whole_step():
    a, b = Value(1.0), Value(1e308)
    opt = SGD([a, b], lr=1.0, momentum=0.5)
    opt.velocity[:] = [0.25, 0.0]
    a.grad, b.grad = 1.0, -1e308
    with pytest.raises(OverflowError, match="the step is too large"):
        opt.step()
    assert (a.data, b.data) == (1.0, 1e308)  # a was updated first, and put back
    assert opt.velocity == [0.25, 0.0]


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: SGD(p, lr=True), "SGD: the learning rate must be a positive finite number, got True"),
        (lambda p: SGD(p, lr=10**400), "SGD: the learning rate must be a positive finite number, got 1000"),
        (lambda p: SGD(p, lr=0.1, momentum=1.0), r"SGD: momentum must be a number in \[0, 1\), got 1.0"),
        (lambda p: Adam(p, betas=(0.9, -0.1)), r"Adam: betas\[1\] must be a number in \[0, 1\), got -0.1"),
        (lambda p: Adam(p, eps=float("nan")), "Adam: eps must be a positive finite number, got nan"),
    ],
)
def test_optimizer_settings_are_checked_with_a_message_naming_them(make, message):
    with pytest.raises(ValueError, match=message):
        make([Value(1.0)])
