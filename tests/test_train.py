"""The training loop: XOR is learned, the loss is printed, Ctrl-C keeps the model."""

import io
import re
import warnings

import pytest

from tinygrad_edu import MLP
from tinygrad_edu.nn import squared_error
from tinygrad_edu.optim import SGD
from tinygrad_edu.train import fit

XOR_X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
XOR_Y = [0.0, 1.0, 1.0, 0.0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_sigmoid_mlp_learns_xor(seed):
    m = MLP(2, [4, 1], seed=seed)
    history = fit(
        m,
        XOR_X,
        XOR_Y,
        optimizer=SGD(m.parameters(), lr=2.0, momentum=0.9),
        epochs=600,
        progress=False,
        out=io.StringIO(),
    )
    assert history[-1] < 0.01 < history[0]
    for x, y in zip(XOR_X, XOR_Y):
        assert abs(m(x).data - y) < 0.2


def test_loss_lines_are_printed_without_a_terminal():
    out = io.StringIO()
    m = MLP(2, [2, 1])
    history = fit(m, XOR_X, XOR_Y, epochs=20, lr=0.5, progress=True, print_every=5, out=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("epoch  5/20  loss ")
    assert lines[-1] == f"epoch 20/20  loss {history[-1]:.6g}"


def test_ctrl_c_stops_training_and_keeps_the_weights():
    m = MLP(2, [2, 1])
    calls = {"n": 0}

    def loss_that_is_interrupted(output, target):
        calls["n"] += 1
        if calls["n"] > 4 * 3:  # during the 4th epoch
            raise KeyboardInterrupt
        return squared_error(output, target)

    before = [p.data for p in m.parameters()]
    out = io.StringIO()
    history = fit(m, XOR_X, XOR_Y, loss_fn=loss_that_is_interrupted, epochs=100, lr=0.5, progress=False, out=out)
    assert len(history) == 3
    assert [p.data for p in m.parameters()] != before
    assert "stopped by Ctrl-C after 3 epochs" in out.getvalue()


def test_fit_argument_errors():
    m = MLP(2, [1])
    with pytest.raises(ValueError, match="got 4 inputs but 3 targets"):
        fit(m, XOR_X, XOR_Y[:3], progress=False)
    with pytest.raises(ValueError, match="got no training samples"):
        fit(m, [], [], progress=False)
    with pytest.raises(ValueError, match="epochs must be a positive whole number, got 0"):
        fit(m, XOR_X, XOR_Y, epochs=0, progress=False)
    with pytest.raises(ValueError, match="print_every must be a positive whole number"):
        fit(m, XOR_X, XOR_Y, epochs=5, print_every=0, progress=False)


def test_a_diverging_loss_prints_short_lines_before_the_error():
    # lr 1e3 on a tanh net with a linear output: the loss grows ~1e5-fold per epoch
    # until it leaves the float range; every line before the error stays short.
    model = MLP(2, [4, 1], activation="tanh", output_activation="linear", seed=1)
    out = io.StringIO()
    with pytest.raises(OverflowError, match="training diverged"):
        fit(model, XOR_X, XOR_Y, lr=1e3, epochs=500, print_every=1, progress=False, out=out)
    lines = out.getvalue().splitlines()
    assert len(lines) > 20  # it ran long enough to reach huge losses
    assert float(lines[-1].split()[-1]) > 1e100
    assert all(re.fullmatch(r"epoch +\d+/500  loss \S+", line) for line in lines)
    assert max(len(line) for line in lines) <= len("epoch 123/500  loss -1.23456e+300")


def test_a_saturated_run_stops_early_and_says_why():
    # lr 1e6 throws every sigmoid to its flat end: the loss sticks at 0.25 for good.
    model = MLP(2, [4, 1], activation="sigmoid", seed=0)
    out = io.StringIO()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = fit(model, XOR_X, XOR_Y, lr=1e6, epochs=1000, progress=False, out=out)
    assert [w.category for w in caught] == [RuntimeWarning]
    assert "fit stops here" in str(caught[0].message)
    assert 10 <= len(history) < 30  # ten flat epochs, not a thousand
    assert history[-1] == pytest.approx(0.25, abs=1e-6)
    lines = out.getvalue().splitlines()
    assert lines[-2] == f"epoch {len(history):>4}/1000  loss {history[-1]:.6g}"  # the last loss is shown
    assert lines[-1].startswith(f"stopped after epoch {len(history)} of 1000: the gradients have vanished")
    assert "smaller learning rate than 1e+06" in lines[-1]
    assert sum("loss 0.25" in line for line in lines) <= 2  # not one line per remaining epoch
