"""Optimisers: how a gradient becomes a step (seed 003: gradient descent; SGD with
momentum; Adam; Newton's method for one variable)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any, Literal

from .checks import check_fraction, check_pair, check_positive_finite, check_value, check_whole_number, describe
from .engine import Value, grad

__all__ = ["Optimizer", "SGD", "Adam", "StepRollback", "gradient_descent", "newton"]


def _check_parameters(params: Iterable[Value], where: str) -> list[Value]:
    params = list(params)
    if not params:
        raise ValueError(f"{where}: got an empty list of parameters (did you pass model.parameters()?)")
    for i, p in enumerate(params):
        check_value(p, where, f"parameter {i}")
    return params


class StepRollback:
    """What an optimiser step may change, copied before the step: every parameter's
    value and the optimiser's attributes (lists of numbers, such as momentum buffers,
    copied item by item). `restore()` puts them all back, so a step that fails half-way
    leaves the weights of the last whole step: a step is whole or not at all.

    As a context manager it restores on any exception (or Ctrl-C) inside the block:

        with StepRollback(optimizer):
            optimizer.step()
    """

    def __init__(self, optimizer: Any) -> None:
        self.optimizer = optimizer
        self.params: list[Value] = list(getattr(optimizer, "params", []))
        self.data = [p.data for p in self.params]
        # (name, the object, a copy of its items when it is a list): a list is refilled
        # in place, so whoever holds it (a step in progress, a user) sees the old numbers.
        self.state = [
            (name, value, list(value) if isinstance(value, list) else None)
            for name, value in getattr(optimizer, "__dict__", {}).items()
        ]

    def restore(self) -> None:
        """Put the parameters' values and the optimiser's attributes back as they were."""
        for p, data in zip(self.params, self.data):
            p.data = data
        for name, value, items in self.state:
            if items is not None:
                value[:] = items
            setattr(self.optimizer, name, value)

    def __enter__(self) -> StepRollback:
        return self

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> Literal[False]:
        if kind is not None:
            self.restore()
        return False  # the error goes on


class Optimizer:
    """Holds the parameters; `step()` updates them from their `.grad`."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        name = type(self).__name__
        self.params = _check_parameters(params, name)
        self.lr = check_positive_finite(lr, f"{name}: the learning rate")

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0 before the next backward()."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its .grad (each optimiser defines its own rule)."""
        raise NotImplementedError(f"{type(self).__name__} must define step(): the update rule")

    def _check_gradients(self) -> None:
        for p in self.params:
            if not math.isfinite(p.grad):
                raise ValueError(f"{type(self).__name__}.step: the gradient of {p!r} is not finite")

    def _check_step(self, p: Value, new_data: float) -> float:
        """Refuse to write a non-finite value into a parameter (the step overflowed)."""
        if not math.isfinite(new_data):
            raise OverflowError(
                f"{type(self).__name__}.step: updating {p!r} (grad {p.grad!r}) with learning rate {self.lr!r} "
                f"gives {new_data!r}; the step is too large (try a smaller learning rate)"
            )
        return new_data


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum: a velocity for each parameter
    that remembers its earlier gradients."""

    def __init__(self, params: Iterable[Value], lr: float, momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = check_fraction(momentum, "SGD: momentum")
        self.velocity = [0.0] * len(self.params)

    def step(self) -> None:
        """Update every parameter from its .grad (and its velocity, with momentum)."""
        self._check_gradients()
        before = StepRollback(self)
        # BEGIN LESSON 11
        lr, momentum, velocity = self.lr, self.momentum, self.velocity
        for i, p in enumerate(self.params):
            v = momentum * velocity[i] + p.grad
            velocity[i] = v
            p.data = p.data - lr * v
        # END LESSON 11
        self._keep_finite(before)

    def _keep_finite(self, before: StepRollback) -> None:
        """After a step: if a parameter left the float range, put every parameter and the
        velocities back as they were and refuse the step (a whole step or none)."""
        for p in self.params:
            try:
                self._check_step(p, p.data)
            except OverflowError:
                before.restore()
                raise


class Adam(Optimizer):
    """Adam (as `torch.optim.Adam`): a step from bias-corrected running averages of the
    gradient and of its square."""

    def __init__(
        self, params: Iterable[Value], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8
    ) -> None:
        super().__init__(params, lr)
        b1, b2 = check_pair(betas, "Adam: betas")
        self.betas = (check_fraction(b1, "Adam: betas[0]"), check_fraction(b2, "Adam: betas[1]"))
        self.eps = check_positive_finite(eps, "Adam: eps")
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)
        self.steps = 0

    def step(self) -> None:
        """m and v move toward g and g^2; each parameter steps by lr * m^ / (sqrt(v^) + eps)."""
        # BEGIN CUT WITH LESSON 11
        # The same numbers, step for step, as torch.optim.Adam; SGD above gives those of
        # torch.optim.SGD with no dampening and no Nesterov (tests/test_optim.py compares both).
        self._check_gradients()
        self.steps += 1
        b1, b2 = self.betas
        correction1 = 1.0 - b1**self.steps
        correction2 = 1.0 - b2**self.steps
        for i, p in enumerate(self.params):
            g = p.grad
            self.m[i] = b1 * self.m[i] + (1.0 - b1) * g
            self.v[i] = b2 * self.v[i] + (1.0 - b2) * g * g
            m_hat = self.m[i] / correction1
            v_hat = self.v[i] / correction2
            p.data = self._check_step(p, p.data - self.lr * m_hat / (math.sqrt(v_hat) + self.eps))
        # END CUT WITH LESSON 11


def _starting_point(x0: Any, steps: Any, where: str) -> float:
    """x0 as a float, after checking it and the number of steps of a one-variable method."""
    if check_whole_number(steps, f"{where}: steps") < 0:
        raise ValueError(f"{where}: steps must be a whole number >= 0, got {steps!r}")
    if isinstance(x0, Value):
        x0 = x0.data
    try:
        return Value(x0).data  # checks that x0 is a finite real number
    except (TypeError, ValueError) as error:
        raise type(error)(f"{where}: x0: {error}") from None


def gradient_descent(f: Callable[[Value], Value], x0: float, lr: float, steps: int) -> list[float]:
    """Minimise a function of one variable by gradient descent, with the slope from backward().

    `f` maps a Value to a Value. Returns the list [x_0, x_1, ..., x_steps] of floats.
    On f(x) = x^2 - 4x + 6 from 8 with lr 0.1 it gives 8, 6.8, 5.84, 5.072, ...
    (x_n - 2 = 6 * 0.8^n).
    """
    lr = check_positive_finite(lr, "gradient_descent: the learning rate")
    x = _starting_point(x0, steps, "gradient_descent")
    f = _returning_values(f, "gradient_descent")
    path = [x]
    for n in range(steps):
        try:
            # BEGIN LESSON 8
            point = Value(x, label="x")
            y = f(point)
            y.backward()
            x = x - lr * point.grad
            # END LESSON 8
            if not math.isfinite(x):
                raise OverflowError(f"x became {x!r}")
        except OverflowError as e:
            raise ValueError(
                f"gradient_descent: step {n + 1} from x = {path[-1]!r} left the float range "
                f"(diverging: try a smaller learning rate than {lr!r}): {e}"
            ) from e
        path.append(x)
    return path


def _returning_values(f: Callable[[Value], Value], where: str) -> Callable[[Value], Value]:
    """`f`, checked at each call to return a Value (a float has no gradient to follow)."""

    def checked(x: Value) -> Value:
        y = f(x)
        if not isinstance(y, Value):  # a check of f's result, not of an input
            raise TypeError(f"{where}: f must return a Value, got {describe(y)}")
        return y

    return checked


def newton(f: Callable[[Value], Value], x0: float, steps: int) -> list[float]:
    """Newton's method for one variable.

    Each step jumps to the minimum of the parabola that touches f at x_n (same value, slope
    and curvature), so on a parabola such as x^2 - 4x + 6 it lands on the minimum, 2,
    in one step; gradient descent with lr 0.1 needs about 30 steps to get within 0.01.
    f'' comes from `engine.grad` with ``create_graph=True``. Returns [x_0, ..., x_steps].
    """
    x = _starting_point(x0, steps, "newton")
    # BEGIN CUT WITH LESSON 8
    path = [x]
    for n in range(steps):
        point = Value(x, label="x")
        y = f(point)
        if not isinstance(y, Value):
            raise TypeError(f"newton: f must return a Value, got {describe(y)}")
        (slope,) = grad(y, [point], create_graph=True)
        (curvature,) = grad(slope, [point])
        if curvature == 0.0:
            raise ZeroDivisionError(f"newton: step {n + 1}: f''({x!r}) is 0, so the Newton step f'/f'' is undefined")
        x = x - slope.data / curvature
        if not math.isfinite(x):
            raise ValueError(f"newton: step {n + 1} from x = {point.data!r} left the float range")
        path.append(x)
    return path
    # END CUT WITH LESSON 8
