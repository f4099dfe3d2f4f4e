"""The training loop: XOR is learned, the loss is printed, Ctrl-C keeps the model."""

import io

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
    assert lines[-1] == f"epoch 20/20  loss {history[-1]:.6f}"


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
