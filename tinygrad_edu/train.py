"""A training loop: forward, loss, zero_grad, backward, step, repeated.

    for epoch in range(epochs):
        loss = mean of loss_fn(model(x), y) over the data
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

`fit` is that loop with a progress bar, printed loss lines, and a clean stop on
Ctrl-C (the model keeps the weights it has learned so far).
"""

import math
import sys

from tqdm import tqdm  # the plain text bar: tqdm.auto would need ipywidgets inside Jupyter

from .nn import _check_count, squared_error
from .optim import SGD

__all__ = ["fit"]


def fit(model, xs, ys, loss_fn=squared_error, optimizer=None, epochs=100, lr=0.5,
        progress=True, print_every=None, out=None):
    """Train `model` on inputs `xs` and targets `ys` (full batch) and return the list of
    the loss after each epoch.

    The loss of an epoch is the mean of ``loss_fn(model(x), y)`` over the samples. The
    optimizer defaults to ``SGD(model.parameters(), lr)``. A tqdm progress bar shows the
    loss while it runs in a terminal; a line with the loss is also printed every
    `print_every` epochs (default: ten lines in all), so logs and notebooks see it too.
    Ctrl-C stops training early: the model keeps its weights and the losses so far are
    returned.
    """
    xs, ys = list(xs), list(ys)
    if len(xs) != len(ys):
        raise ValueError(f"fit: got {len(xs)} inputs but {len(ys)} targets; they must have equal length")
    if not xs:
        raise ValueError("fit: got no training samples")
    _check_count(epochs, "fit: epochs")
    if optimizer is None:
        optimizer = SGD(model.parameters(), lr)
    if print_every is None:
        print_every = max(1, epochs // 10)
    elif isinstance(print_every, bool) or not isinstance(print_every, int) or print_every < 1:
        raise ValueError(f"fit: print_every must be a positive whole number (or None), got {print_every!r}")
    out = out if out is not None else sys.stdout
    history = []
    bar = tqdm(range(1, epochs + 1), desc="training", unit="epoch", disable=not progress or None,
               leave=False, file=sys.stderr)
    try:
        for epoch in bar:
            total = loss_fn(model(xs[0]), ys[0])
            for x, y in zip(xs[1:], ys[1:]):
                total = total + loss_fn(model(x), y)
            loss = total * (1.0 / len(xs))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            history.append(loss.data)
            if not math.isfinite(loss.data):
                raise ValueError(f"fit: the loss became {loss.data!r} at epoch {epoch}; try a smaller learning rate")
            bar.set_postfix(loss=f"{loss.data:.5f}", refresh=False)
            if epoch % print_every == 0 or epoch == epochs:
                bar.write(f"epoch {epoch:>{len(str(epochs))}}/{epochs}  loss {loss.data:.6f}", file=out)
    except KeyboardInterrupt:
        bar.write(f"stopped by Ctrl-C after {len(history)} epochs; the model keeps what it learned", file=out)
    finally:
        bar.close()
    return history
