"""The model file format of `MLP.save` and `MLP.load`: JSON with the architecture, the
activations and the weights, read only after every field has been checked."""

from __future__ import annotations

import contextlib
import gc
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NoReturn

from ..checks import is_finite_number, short_repr

FORMAT = "tinygrad_edu.MLP"
FORMAT_VERSION = 1


# A model file holds about 20 bytes per weight: 64 MiB is some three million weights,
# far more than a scalar engine trains. Anything larger is refused before it is read.
MAX_MODEL_BYTES = 64 * 2**20

# Longer integers are refused while parsing: a float has at most 309 digits before its
# point, and converting a very long digit string to an int takes quadratic time.
_MAX_INT_DIGITS = 1000


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """The cycle collector off while a model is built: its passes over the ever larger heap
    of new objects (none of them garbage yet) cost a third of a big model's loading."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class BadNumber(ValueError):
    pass


def reject_constant(name: str) -> NoReturn:
    # json.loads accepts NaN, Infinity and -Infinity by default; a model never holds them.
    raise BadNumber(f"the file contains {name}, but every weight must be a finite number")


def parse_int(text: str) -> int:
    # Python refuses to convert integers of more than 4300 digits, with a message that
    # does not say which file; no model holds such a number anyway.
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise BadNumber(
            f"the file contains an integer with {len(text.lstrip('-'))} digits "
            f"({text[:20]}...), too large to be a weight or a size"
        )
    return int(text)


def read_model_file(path: str | os.PathLike[str], where: str) -> bytes:
    """The bytes of the regular file `path`, refusing anything else before reading it:
    reading a device such as /dev/zero never ends, and opening a named pipe waits for
    a writer."""
    info = os.stat(path)  # FileNotFoundError for a missing file, as open() would say
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file (a device, a pipe or a socket)"
        raise ValueError(f"{where}: it is {kind}; expected a model file written by MLP.save")
    if info.st_size > MAX_MODEL_BYTES:
        raise ValueError(
            f"{where}: the file has {info.st_size} bytes, more than the {MAX_MODEL_BYTES} a model "
            "file may have; it is not a model written by MLP.save"
        )
    # O_NONBLOCK: should the path be swapped for a named pipe after the check above,
    # opening it still returns at once (and the check on the open file refuses it).
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise ValueError(f"{where}: it is not a regular file; expected a model file written by MLP.save")
        raw = f.read(MAX_MODEL_BYTES + 1)
    if len(raw) > MAX_MODEL_BYTES:
        raise ValueError(f"{where}: the file has more than the {MAX_MODEL_BYTES} bytes a model file may have")
    return raw


def validate_model_dict(data: Any, source: str, activations: Sequence[str]) -> tuple[int, list[dict[str, Any]]]:
    """Check every field of saved model data; return (nin, layers) or raise ValueError."""

    def fail(problem: str) -> NoReturn:
        raise ValueError(f"{source}: {problem}")

    nin, layers = _check_header(data, fail)
    width_in = nin
    for i, layer in enumerate(layers):
        width_in = _check_layer(layer, f"layer {i}", width_in, activations, fail)
    return nin, layers


def _check_header(data: Any, fail: Callable[[str], NoReturn]) -> tuple[int, list[Any]]:
    """The format, the version, 'nin' and the list of layers of model data."""
    if not isinstance(data, dict):
        fail(f"expected a JSON object, got {type(data).__name__}")
    if data.get("format") != FORMAT:
        fail(f"not a tinygrad_edu model file (format is {short_repr(data.get('format'))}, expected {FORMAT!r})")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version != FORMAT_VERSION:
        fail(f"unsupported version {short_repr(data.get('version'))} (this library reads version {FORMAT_VERSION})")
    nin = data.get("nin")
    if isinstance(nin, bool) or not isinstance(nin, int) or nin < 1:
        fail(f"'nin' must be a positive whole number, got {short_repr(nin)}")
    layers = data.get("layers")
    if not isinstance(layers, list) or not layers:
        fail(f"'layers' must be a non-empty list, got {short_repr(layers)}")
    return nin, layers


def _check_layer(
    layer: Any, where: str, width_in: int, activations: Sequence[str], fail: Callable[[str], NoReturn]
) -> int:
    """One layer's activation, weights (`width_in` per neuron) and biases; returns its width."""
    if not isinstance(layer, dict):
        fail(f"{where} must be an object, got {type(layer).__name__}")
    activation = layer.get("activation")
    if not isinstance(activation, str) or activation not in activations:
        fail(
            f"{where} has unknown activation {short_repr(activation)}; "
            f"expected one of {', '.join(map(repr, activations))}"
        )
    weights, biases = layer.get("weights"), layer.get("biases")
    if not isinstance(weights, list) or not weights:
        fail(f"{where}: 'weights' must be a non-empty list of lists, got {short_repr(weights)}")
    if not isinstance(biases, list) or len(biases) != len(weights):
        count = len(biases) if isinstance(biases, list) else biases
        fail(f"{where}: expected {len(weights)} biases (one per neuron), got {short_repr(count)}")
    for j, (row, bias) in enumerate(zip(weights, biases)):
        if not isinstance(row, list) or len(row) != width_in:
            count = len(row) if isinstance(row, list) else row
            fail(f"{where}, neuron {j}: expected {width_in} weights (one per input), got {short_repr(count)}")
        for k, w in enumerate(row):
            if not is_finite_number(w):
                fail(f"{where}, neuron {j}, weight {k}: expected a finite number, got {short_repr(w)}")
        if not is_finite_number(bias):
            fail(f"{where}, neuron {j}, bias: expected a finite number, got {short_repr(bias)}")
    return len(weights)
