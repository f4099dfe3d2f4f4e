"""Optimisers: how a gradient becomes a step.

Gradient descent moves every parameter a little against its gradient,

    p <- p - lr * dE/dp,

because, to first order, E changes by sum dE/dp * dp, and that sum is most
negative when dp points along -dE/dp.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from .engine import Value, grad

__all__ = ["Optimizer", "SGD", "Adam", "gradient_descent", "newton"]


def _check_learning_rate(lr, where):
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"{where}: the learning rate must be a positive finite number, got {lr!r}")
    return float(lr)


def _check_parameters(params, where):
    params = list(params)
    if not params:
        raise ValueError(f"{where}: got an empty list of parameters (did you pass model.parameters()?)")
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"{where}: parameter {i} must be a Value, got {type(p).__name__} {p!r}")
    return params


class Optimizer:
    """Holds the parameters; `step()` updates them from their `.grad`."""

    def __init__(self, params, lr):
        name = type(self).__name__
        self.params = _check_parameters(params, name)
        self.lr = _check_learning_rate(lr, name)

    def zero_grad(self):
        """Set every parameter's gradient to 0 before the next backward()."""
        for p in self.params:
            p.grad = 0.0

    def step(self):
        """Update every parameter from its .grad (each optimiser defines its own rule)."""
        raise NotImplementedError(f"{type(self).__name__} must define step(): the update rule")

    def _check_gradients(self):
        for p in self.params:
            if not math.isfinite(p.grad):
                raise ValueError(f"{type(self).__name__}.step: the gradient of {p!r} is not finite")

    def _check_step(self, p, new_data):
        """Refuse to write a non-finite value into a parameter (the step overflowed)."""
        if not math.isfinite(new_data):
            raise OverflowError(
                f"{type(self).__name__}.step: updating {p!r} (grad {p.grad!r}) with learning rate {self.lr!r} "
                f"gives {new_data!r}; the step is too large (try a smaller learning rate)"
            )
        return new_data


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum as PyTorch defines it:
    v <- momentum * v + grad;   p <- p - lr * v   (v = grad when momentum is 0)."""

    def __init__(self, params, lr, momentum=0.0):
        super().__init__(params, lr)
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or not 0.0 <= momentum < 1.0:
            raise ValueError(f"SGD: momentum must be a number in [0, 1), got {momentum!r}")
        self.momentum = float(momentum)
        self.velocity = [0.0] * len(self.params)

    def step(self):
        """Update every parameter from its .grad: v = momentum * v + grad, then p -= lr * v."""
        self._check_gradients()
        before = [p.data for p in self.params], list(self.velocity)
        # BEGIN LESSON 11
        lr, momentum, velocity = self.lr, self.momentum, self.velocity
        for i, p in enumerate(self.params):
            v = momentum * velocity[i] + p.grad
            velocity[i] = v
            p.data = p.data - lr * v
        # END LESSON 11
        self._keep_finite(*before)

    def _keep_finite(self, data, velocity):
        """After a step: if a parameter left the float range, put every parameter and the
        velocities back as they were and refuse the step (a whole step or none)."""
        for p in self.params:
            try:
                self._check_step(p, p.data)
            except OverflowError:
                for q, old in zip(self.params, data):
                    q.data = old
                self.velocity[:] = velocity
                raise


class Adam(Optimizer):
    """Adam: a step from running averages of the gradient (m) and of its square (v),
    with bias correction for their zero start:
    m <- b1 m + (1-b1) g;  v <- b2 v + (1-b2) g^2;  p <- p - lr * m^ / (sqrt(v^) + eps)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, lr)
        b1, b2 = betas
        for name, beta in (("betas[0]", b1), ("betas[1]", b2)):
            if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not 0.0 <= beta < 1.0:
                raise ValueError(f"Adam: {name} must be a number in [0, 1), got {beta!r}")
        if not (isinstance(eps, (int, float)) and eps > 0 and math.isfinite(eps)):
            raise ValueError(f"Adam: eps must be a positive finite number, got {eps!r}")
        self.betas = (float(b1), float(b2))
        self.eps = float(eps)
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)
        self.steps = 0

    def step(self):
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


def _starting_point(x0, steps, where):
    """x0 as a float, after checking it and the number of steps of a one-variable method."""
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"{where}: steps must be a whole number >= 0, got {steps!r}")
    if isinstance(x0, Value):
        x0 = x0.data
    try:
        return Value(x0).data  # checks that x0 is a finite real number
    except (TypeError, ValueError) as error:
        raise type(error)(f"{where}: x0: {error}") from None


def gradient_descent(f: Callable[[Value], Value], x0: float, lr: float, steps: int) -> list[float]:
    """Minimise a function of one variable: x_{n+1} = x_n - lr * f'(x_n).

    `f` maps a Value to a Value. Returns the list [x_0, x_1, ..., x_steps] of floats.
    On f(x) = x^2 - 4x + 6 from 8 with lr 0.1 it gives 8, 6.8, 5.84, 5.072, ...
    (x_n - 2 = 6 * 0.8^n).
    """
    lr = _check_learning_rate(lr, "gradient_descent")
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


def _returning_values(f, where):
    """`f`, checked at each call to return a Value (a float has no gradient to follow)."""

    def checked(x):
        y = f(x)
        if not isinstance(y, Value):
            raise TypeError(f"{where}: f must return a Value, got {type(y).__name__} {y!r}")
        return y

    return checked


def newton(f: Callable[[Value], Value], x0: float, steps: int) -> list[float]:
    """Newton's method for one variable: x_{n+1} = x_n - f'(x_n) / f''(x_n).

    It jumps to the minimum of the parabola that touches f at x_n (same value, slope
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
            raise TypeError(f"newton: f must return a Value, got {type(y).__name__} {y!r}")
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
