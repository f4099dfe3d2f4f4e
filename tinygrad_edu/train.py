"""A training loop: forward, loss, zero_grad, backward, step, repeated.

    for epoch in range(epochs):
        loss = mean of loss_fn(model(x), y) over the data
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

`fit` is that loop with a progress bar, printed loss lines, a clean stop on Ctrl-C
(between two updates, never inside one), and a word when training goes wrong: an
error when the numbers leave the float range, a warning when the gradients vanish.
"""

import math
import sys
import warnings

from tqdm import (
    tqdm,  # the plain text bar: tqdm.auto would need ipywidgets inside Jupyter
)

from .checks import check_positive_int
from .interrupts import sigint_deferred
from .nn import squared_error
from .optim import SGD

__all__ = ["fit", "VANISHING_GRAD", "VANISHING_EPOCHS", "STILL_HIGH"]

# Gradients "vanish" when every parameter's |grad| stays below VANISHING_GRAD for
# VANISHING_EPOCHS epochs in a row; the loss is "still high" while it is above
# STILL_HIGH times the first epoch's loss (training has not cut it a thousandfold).
VANISHING_GRAD = 1e-12
VANISHING_EPOCHS = 10
STILL_HIGH = 1e-3


def fit(
    model, xs, ys, loss_fn=squared_error, optimizer=None, epochs=100, lr=0.5, progress=True, print_every=None, out=None
):
    """Train `model` on inputs `xs` and targets `ys` (full batch) and return the list of
    the loss of each epoch (computed before that epoch's update).

    The loss of an epoch is the mean of ``loss_fn(model(x), y)`` over the samples. The
    optimizer defaults to ``SGD(model.parameters(), lr)``. A tqdm progress bar shows the
    loss while it runs in a terminal; a line with the loss is also printed every
    `print_every` epochs (default: ten lines in all), so logs and notebooks see it too.

    Ctrl-C stops training between two updates: an optimizer step, once begun, is
    finished first (the signal waits), so every weight and every momentum buffer is
    from the same epoch. The losses so far are returned.

    Runaway training stops with an error: when the loss or a gradient leaves the float
    range (a learning rate far too large makes the weights explode), `OverflowError`
    names the epoch and the learning rate. An optimizer step that fails half-way (its
    result would leave the float range) is undone before its error, with the epoch and
    the learning rate added, is raised: the model keeps the weights of the last whole
    step. Stalled training gives a warning: when every
    parameter's |grad| stays below 1e-12 (VANISHING_GRAD) for 10 epochs in a row
    (VANISHING_EPOCHS) while the loss is still high, that is above 1e-3 (STILL_HIGH)
    times the first epoch's loss, a `RuntimeWarning` names saturation (sigmoid or tanh
    units stuck at their flat ends, or ReLUs that output 0 for every sample) and the
    learning rate. It is given once per call, and training goes on.
    """
    xs, ys = list(xs), list(ys)
    if len(xs) != len(ys):
        raise ValueError(f"fit: got {len(xs)} inputs but {len(ys)} targets; they must have equal length")
    if not xs:
        raise ValueError("fit: got no training samples")
    check_positive_int(epochs, "fit: epochs")
    if optimizer is None:
        optimizer = SGD(model.parameters(), lr)
    if print_every is None:
        print_every = max(1, epochs // 10)
    else:
        check_positive_int(print_every, "fit: print_every")  # (or None: about ten lines)
    out = out if out is not None else sys.stdout
    rate = getattr(optimizer, "lr", lr)  # the learning rate that messages name
    params = list(model.parameters()) if hasattr(model, "parameters") else list(getattr(optimizer, "params", []))
    history = []
    flat_epochs = 0  # epochs in a row with every |grad| below VANISHING_GRAD
    warned = False
    bar = tqdm(
        range(1, epochs + 1), desc="training", unit="epoch", disable=not progress or None, leave=False, file=sys.stderr
    )
    try:
        for epoch in bar:
            try:
                total = loss_fn(model(xs[0]), ys[0])
                for x, y in zip(xs[1:], ys[1:]):
                    total = total + loss_fn(model(x), y)
                loss = total * (1.0 / len(xs))
                optimizer.zero_grad()
                loss.backward()
            except OverflowError as error:  # the engine's word for a result outside the float range
                raise _diverged(epoch, rate, str(error)) from error
            if not math.isfinite(loss.data):
                raise _diverged(epoch, rate, f"the loss is {loss.data!r}")
            largest = 0.0
            for i, p in enumerate(params):
                if not math.isfinite(p.grad):
                    raise _diverged(epoch, rate, f"the gradient of parameter {i} ({p.label or p!r}) is {p.grad!r}")
                largest = max(largest, abs(p.grad))
            with sigint_deferred():  # a step is whole or not at all
                before = _Snapshot(optimizer)
                try:
                    optimizer.step()
                except (OverflowError, ValueError) as error:  # e.g. lr * grad outside the float range
                    before.restore()  # no half-done update: the weights of the last whole step
                    raise type(error)(f"fit: epoch {epoch} (learning rate {_number(rate)}): {error}") from error
                history.append(loss.data)
            flat_epochs = flat_epochs + 1 if largest < VANISHING_GRAD else 0
            if flat_epochs >= VANISHING_EPOCHS and not warned and loss.data > STILL_HIGH * history[0]:
                warned = True
                warnings.warn(
                    f"fit: every parameter's gradient has been below {VANISHING_GRAD:g} for {flat_epochs} epochs "
                    f"in a row (up to epoch {epoch}) while the loss is still {loss.data:.6g} (first epoch: "
                    f"{history[0]:.6g}): the units are saturated (sigmoid or tanh outputs stuck at their flat "
                    "ends, or ReLUs that output 0 for every sample), so the weights no longer move. The learning "
                    f"rate {_number(rate)} may be too large (big steps throw the units there): start again with "
                    "a smaller one (e.g. 0.1 to 2)",
                    RuntimeWarning,
                    stacklevel=2,
                )
            bar.set_postfix(loss=f"{loss.data:.5f}", refresh=False)
            if epoch % print_every == 0 or epoch == epochs:
                bar.write(f"epoch {epoch:>{len(str(epochs))}}/{epochs}  loss {loss.data:.6f}", file=out)
    except KeyboardInterrupt:
        bar.write(f"stopped by Ctrl-C after {len(history)} epochs; the model keeps what it learned", file=out)
    finally:
        bar.close()
    return history


def _diverged(epoch, rate, what):
    return OverflowError(
        f"fit: training diverged at epoch {epoch} with learning rate {_number(rate)}: {what}. The steps are "
        "too large, so the weights grew until the numbers left the float range; start again with a "
        "smaller learning rate"
    )


class _Snapshot:
    """The parameters' values and the optimizer's state (its attributes, with lists of
    numbers such as momentum buffers copied), to undo a step that failed half-way."""

    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.params = list(getattr(optimizer, "params", []))
        self.data = [p.data for p in self.params]
        self.state = {
            name: list(value) if isinstance(value, list) else value
            for name, value in getattr(optimizer, "__dict__", {}).items()
        }

    def restore(self):
        for p, data in zip(self.params, self.data):
            p.data = data
        if hasattr(self.optimizer, "__dict__"):
            self.optimizer.__dict__.update(self.state)


def _number(x):
    return f"{x:g}" if isinstance(x, (int, float)) else repr(x)
