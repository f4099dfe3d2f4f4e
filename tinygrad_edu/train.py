"""A training loop: forward, loss, zero_grad, backward, step, repeated.

    for epoch in range(epochs):
        loss = mean of loss_fn(model(x), y) over the data
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

`fit` is that loop with a progress bar, printed loss lines, a clean stop on Ctrl-C
(between two updates, never inside one), and a word when training goes wrong: an
error when the numbers leave the float range, a warning and an early stop when the
gradients vanish.
"""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TextIO

from tqdm import (
    tqdm,  # the plain text bar: tqdm.auto would need ipywidgets inside Jupyter
)

from .atomic.interrupts import sigint_deferred
from .checks import check_positive_int, describe, short_repr
from .engine import Value
from .nn import squared_error
from .optim import SGD, StepRollback

__all__ = ["fit", "VANISHING_GRAD", "VANISHING_EPOCHS", "STILL_HIGH"]

# Gradients "vanish" when every parameter's |grad| stays below VANISHING_GRAD for
# VANISHING_EPOCHS epochs in a row; the loss is "still high" while it is above
# STILL_HIGH times the first epoch's loss (training has not cut it a thousandfold).
VANISHING_GRAD = 1e-12
VANISHING_EPOCHS = 10
STILL_HIGH = 1e-3


def fit(
    model: Any,
    xs: Iterable[Any],
    ys: Iterable[Any],
    loss_fn: Callable[[Any, Any], Value] = squared_error,
    optimizer: Any = None,
    epochs: int = 100,
    lr: float = 0.5,
    progress: bool = True,
    print_every: int | None = None,
    out: TextIO | None = None,
) -> list[float]:
    """Train `model` on inputs `xs` and targets `ys` (full batch); return the loss of each
    epoch: the mean of ``loss_fn(model(x), y)`` over the samples, before that epoch's update.

    The optimizer defaults to ``SGD(model.parameters(), lr)``. A tqdm progress bar shows the
    loss while it runs in a terminal; a line with the loss (``{:.6g}``: short even when it
    explodes) is also printed every `print_every` epochs (default: ten lines in all).

    Ctrl-C stops training between two updates and returns the losses so far (a step,
    once begun, is finished: every weight and momentum is from the same epoch).

    Runaway training stops with an error: when the loss or a gradient leaves the float
    range (a learning rate far too large makes the weights explode), `OverflowError`
    names the epoch and the learning rate. An optimizer step that fails half-way is
    undone (`optim.StepRollback`) before its error, with the epoch and the learning rate
    added, is raised: the model keeps the weights of the last whole step.

    Stalled training stops early: when every parameter's |grad| stays below
    VANISHING_GRAD (1e-12) for VANISHING_EPOCHS (10) epochs in a row while the loss is
    above STILL_HIGH (1e-3) times the first epoch's, the weights no longer move and every
    further epoch would give the same loss. A `RuntimeWarning` names saturation (sigmoid
    or tanh units stuck at their flat ends, or ReLUs that output 0 for every sample) and
    the learning rate, a line says where it stopped, and the losses so far are returned.
    """
    inputs, targets = _samples(xs, ys)
    check_positive_int(epochs, "fit: epochs")
    optimizer = _checked_optimizer(model, optimizer, lr)
    every = max(1, epochs // 10) if print_every is None else check_positive_int(print_every, "fit: print_every")
    out = sys.stdout if out is None else out
    rate = getattr(optimizer, "lr", lr)  # the learning rate that messages name
    params = list(model.parameters()) if hasattr(model, "parameters") else list(getattr(optimizer, "params", []))
    history: list[float] = []
    stalled = _StallWatch(rate)
    bar = _progress_bar(epochs, progress)
    try:
        for epoch in bar:
            loss, largest = _one_epoch(model, inputs, targets, loss_fn, optimizer, params, epoch, rate, history)
            saturated = stalled.record(epoch, largest, loss, history[0])
            bar.set_postfix(loss=f"{loss:.5g}", refresh=False)
            if epoch % every == 0 or epoch == epochs or saturated:
                bar.write(f"epoch {epoch:>{len(str(epochs))}}/{epochs}  loss {loss:.6g}", file=out)
            if saturated:
                bar.write(stalled.stop_line(epoch, epochs), file=out)
                break
    except KeyboardInterrupt:
        bar.write(f"stopped by Ctrl-C after {len(history)} epochs; the model keeps what it learned", file=out)
    finally:
        bar.close()
    return history


def _one_epoch(
    model: Any,
    inputs: Sequence[Any],
    targets: Sequence[Any],
    loss_fn: Callable[[Any, Any], Value],
    optimizer: Any,
    params: Sequence[Value],
    epoch: int,
    rate: Any,
    history: list[float],
) -> tuple[float, float]:
    """One update: the loss E and every dE/dp, then the step (whole or not at all), with E
    appended to `history`; returns E and max |dE/dp|."""
    loss = _loss_and_gradients(model, inputs, targets, loss_fn, optimizer, epoch, rate)
    largest = _largest_gradient(params, epoch, rate)
    with sigint_deferred():  # a step is whole or not at all
        _whole_step(optimizer, epoch, rate)
        history.append(loss.data)
    return loss.data, largest


def _progress_bar(epochs: int, progress: bool) -> Any:
    """A tqdm bar over the epochs 1..epochs, on stderr; off when `progress` is false
    (None, when true: tqdm decides, and stays quiet where stderr is not a terminal)."""
    return tqdm(
        range(1, epochs + 1), desc="training", unit="epoch", disable=not progress or None, leave=False, file=sys.stderr
    )


def _samples(xs: Iterable[Any], ys: Iterable[Any]) -> tuple[list[Any], list[Any]]:
    """The inputs and the targets as lists, checked to pair up and to be there."""
    inputs, targets = list(xs), list(ys)
    if len(inputs) != len(targets):
        raise ValueError(f"fit: got {len(inputs)} inputs but {len(targets)} targets; they must have equal length")
    if not inputs:
        raise ValueError("fit: got no training samples")
    return inputs, targets


def _loss_and_gradients(
    model: Any,
    xs: Sequence[Any],
    ys: Sequence[Any],
    loss_fn: Callable[[Any, Any], Value],
    optimizer: Any,
    epoch: int,
    rate: Any,
) -> Value:
    """E = mean of loss_fn(model(x), y), with every gradient dE/dp filled in (zeroed first)."""
    try:
        total = _sample_loss(model, loss_fn, xs, ys, 0)
        for i in range(1, len(xs)):
            total = total + _sample_loss(model, loss_fn, xs, ys, i)
        loss = total * (1.0 / len(xs))
        optimizer.zero_grad()
        loss.backward()
    except OverflowError as error:  # the engine's word for a result outside the float range
        raise _diverged(epoch, rate, str(error)) from error
    if not math.isfinite(loss.data):
        raise _diverged(epoch, rate, f"the loss is {loss.data!r}")
    return loss


def _checked_optimizer(model: Any, optimizer: Any, lr: float) -> Any:
    """`optimizer`, or SGD(model.parameters(), lr) when None, after checking that the model
    can be called on an input and, without an optimizer, gives its parameters."""
    if not callable(model):
        raise TypeError(f"fit: model must be callable (model(x) gives the output), got {describe(model)}")
    if optimizer is None and not callable(getattr(model, "parameters", None)):
        raise TypeError(
            f"fit: model must have a .parameters() method (the Values to train), got {describe(model)}; "
            "or pass optimizer=SGD(params, lr) with the parameters"
        )
    return SGD(model.parameters(), lr) if optimizer is None else optimizer


def _sample_loss(
    model: Any, loss_fn: Callable[[Any, Any], Value], xs: Sequence[Any], ys: Sequence[Any], i: int
) -> Value:
    """loss_fn(model(x_i), y_i), checked to be a Value; an error on the way names the sample."""
    try:
        loss = loss_fn(model(xs[i]), ys[i])
    except (TypeError, ValueError) as error:
        raise type(error)(
            f"fit: sample {i} (input {short_repr(xs[i])}, target {short_repr(ys[i])}): {error}"
        ) from error
    if not isinstance(loss, Value):
        raise TypeError(
            f"fit: loss_fn must return a Value (so that backward can run), got {describe(loss)} "
            f"for sample {i}; build the loss from the model's output with Value operations"
        )
    return loss


def _largest_gradient(params: Sequence[Value], epoch: int, rate: Any) -> float:
    """max |dE/dp| over the parameters, after checking that every gradient is finite."""
    largest = 0.0
    for i, p in enumerate(params):
        if not math.isfinite(p.grad):
            raise _diverged(epoch, rate, f"the gradient of parameter {i} ({p.label or p!r}) is {p.grad!r}")
        largest = max(largest, abs(p.grad))
    return largest


def _whole_step(optimizer: Any, epoch: int, rate: Any) -> None:
    """optimizer.step(), undone when it fails half-way (e.g. lr * grad outside the float
    range), so the model keeps the weights of the last whole step."""
    try:
        with StepRollback(optimizer):
            optimizer.step()
    except (OverflowError, ValueError) as error:
        raise type(error)(f"fit: epoch {epoch} (learning rate {_number(rate)}): {error}") from error


class _StallWatch:
    """Counts the epochs in a row with every |grad| below VANISHING_GRAD, and warns
    when they reach VANISHING_EPOCHS while the loss is still high (then fit stops)."""

    def __init__(self, rate: Any) -> None:
        self.rate = rate
        self.flat_epochs = 0
        self.warned = False

    def record(self, epoch: int, largest: float, loss: float, first_loss: float) -> bool:
        """Count this epoch; True (after the warning) when training is stalled."""
        self.flat_epochs = self.flat_epochs + 1 if largest < VANISHING_GRAD else 0
        if self.flat_epochs < VANISHING_EPOCHS or self.warned or loss <= STILL_HIGH * first_loss:
            return False
        self.warned = True
        warnings.warn(
            f"fit: every parameter's gradient has been below {VANISHING_GRAD:g} for {self.flat_epochs} epochs "
            f"in a row (up to epoch {epoch}) while the loss is still {loss:.6g} (first epoch: "
            f"{first_loss:.6g}): the units are saturated (sigmoid or tanh outputs stuck at their flat "
            "ends, or ReLUs that output 0 for every sample), so the weights no longer move and fit stops "
            f"here. The learning rate {_number(self.rate)} may be too large (big steps throw the units "
            "there): start again with a smaller one (e.g. 0.1 to 2)",
            RuntimeWarning,
            stacklevel=3,  # the line that called fit
        )
        return True

    def stop_line(self, epoch: int, epochs: int) -> str:
        """What fit prints when it stops a stalled run."""
        return (
            f"stopped after epoch {epoch} of {epochs}: the gradients have vanished (saturated units), so the "
            "weights no longer move and every further epoch would give this loss again; start again with a "
            f"smaller learning rate than {_number(self.rate)}"
        )


def _diverged(epoch: int, rate: Any, what: str) -> OverflowError:
    return OverflowError(
        f"fit: training diverged at epoch {epoch} with learning rate {_number(rate)}: {what}. The steps are "
        "too large, so the weights grew until the numbers left the float range; start again with a "
        "smaller learning rate"
    )


def _number(x: Any) -> str:
    return f"{x:g}" if isinstance(x, (int, float)) else repr(x)
