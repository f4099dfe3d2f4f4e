"""to_torch / from_torch: the same network in both libraries, the same numbers.

Outputs and the gradients of a squared-error loss are compared in float64 to 1e-12;
a round trip keeps every weight bit for bit. torch stays optional: importing the
package or this module never imports it, and without it the functions say how to
install it.
"""

import math
import random
import subprocess
import sys
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinygrad_edu import MLP
from tinygrad_edu.interop import from_torch, to_torch
from tinygrad_edu.nn import squared_error

TOLERANCE = 1e-12
INSTALL = "pip install '.[torch]' from a checkout"
ACTIVATIONS = ["sigmoid", "tanh", "relu", "linear"]
TORCH_CLASS = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU", "linear": "Identity"}

# (nin, nouts, activation, output_activation)
NETWORKS = [
    (1, [1], "sigmoid", None),
    (2, [4, 1], "sigmoid", None),
    (3, [5, 2], "tanh", None),
    (2, [8, 8, 1], "relu", "linear"),
    (4, [3, 3, 3], "linear", None),
    (5, [7, 1], "tanh", "sigmoid"),
    (3, [6, 4, 2], "relu", "tanh"),
    (2, [16, 16, 1], "sigmoid", "linear"),
]


def network_id(spec):
    nin, nouts, activation, output_activation = spec
    return f"{nin}-{'x'.join(map(str, nouts))}-{activation}-{output_activation or activation}"


def random_inputs(nin, count, seed):
    rng = random.Random(seed)
    return [[rng.uniform(-2.0, 2.0) for _ in range(nin)] for _ in range(count)]


def random_biases(mlp, seed):
    """MLP starts with zero biases; give them values so the bias path is tested too."""
    rng = random.Random(seed)
    for layer in mlp.layers:
        for neuron in layer.neurons:
            neuron.b.data = rng.uniform(-0.5, 0.5)
    return mlp


def make_mlp(spec, seed=0):
    nin, nouts, activation, output_activation = spec
    return random_biases(MLP(nin, nouts, activation, output_activation, seed=seed), seed + 1000)


def floats(out):
    """An MLP's output as a list of floats (the MLP returns a Value for one output)."""
    return [v.data for v in (out if isinstance(out, list) else [out])]


def outputs_of(mlp, x):
    return floats(mlp(x))


def linears(net, torch):
    return [m for m in net.modules() if isinstance(m, torch.nn.Linear)]


def torch_grads_in_mlp_order(net, torch):
    """weight.grad / bias.grad in the order of mlp.parameters(): layer by layer,
    neuron (row) by neuron, its weights then its bias."""
    grads = []
    for linear in linears(net, torch):
        for j in range(linear.out_features):
            grads += linear.weight.grad[j].tolist() + [linear.bias.grad[j].item()]
    return grads


def torch_weights_in_mlp_order(net, torch):
    weights = []
    for linear in linears(net, torch):
        for j in range(linear.out_features):
            weights += linear.weight[j].tolist() + [linear.bias[j].item()]
    return weights


def assert_close(ours, theirs, what):
    assert len(ours) == len(theirs), what
    difference = max(abs(a - b) / max(1.0, abs(b)) for a, b in zip(ours, theirs))
    assert difference <= TOLERANCE, f"{what}: largest difference {difference:.3g} > {TOLERANCE}"


# ----- torch stays optional ------------------------------------------------------------------


def test_importing_the_package_and_interop_does_not_import_torch():
    code = "import tinygrad_edu, tinygrad_edu.interop, sys; assert 'torch' not in sys.modules"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_without_torch_both_functions_say_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError
    with pytest.raises(ImportError, match=r"to_torch needs PyTorch") as error:
        to_torch(MLP(2, [3, 1]))
    assert INSTALL in str(error.value)
    with pytest.raises(ImportError, match=r"from_torch needs PyTorch") as error:
        from_torch(object())
    assert INSTALL in str(error.value)
    assert error.value.name == "torch"


# ----- what to_torch builds ------------------------------------------------------------------


def test_to_torch_builds_a_float64_sequential_of_linear_and_activation(torch):
    mlp = MLP(3, [4, 5, 2], activation="tanh", output_activation="linear")
    net = to_torch(mlp)
    assert isinstance(net, torch.nn.Module) and isinstance(net, torch.nn.Sequential)
    assert [type(m).__name__ for m in net] == ["Linear", "Tanh", "Linear", "Tanh", "Linear", "Identity"]
    assert [(m.in_features, m.out_features) for m in linears(net, torch)] == [(3, 4), (4, 5), (5, 2)]
    assert all(p.dtype == torch.float64 and p.requires_grad for p in net.parameters())
    assert torch_weights_in_mlp_order(net, torch) == [p.data for p in mlp.parameters()]


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_each_activation_maps_to_its_torch_module(torch, activation):
    net = to_torch(MLP(2, [3], activation=activation))
    assert type(net[1]) is getattr(torch.nn, TORCH_CLASS[activation])
    assert from_torch(net).layers[0].activation == activation


def test_to_torch_copies_the_weights_and_leaves_torchs_random_state_alone(torch):
    mlp = MLP(2, [4, 1])
    before = [p.data for p in mlp.parameters()]
    state = torch.get_rng_state()
    net = to_torch(mlp)
    assert torch.equal(state, torch.get_rng_state())
    with torch.no_grad():
        for p in net.parameters():
            p.add_(1.0)
    assert [p.data for p in mlp.parameters()] == before
    mlp.layers[0].neurons[0].w[0].data = 123.0
    assert net[0].weight[0, 0].item() == before[0] + 1.0


# ----- same outputs, same gradients ----------------------------------------------------------


@pytest.mark.parametrize("spec", NETWORKS, ids=network_id)
def test_outputs_match_one_sample_at_a_time_and_in_a_batch(torch, spec):
    mlp = make_mlp(spec)
    net = to_torch(mlp)
    xs = random_inputs(spec[0], 6, seed=1)
    ours = [outputs_of(mlp, x) for x in xs]
    for x, expected in zip(xs, ours):
        single = net(torch.tensor(x, dtype=torch.float64))
        assert single.shape == (spec[1][-1],)
        assert_close(expected, single.tolist(), f"output for {x}")
    batch = net(torch.tensor(xs, dtype=torch.float64))
    assert batch.shape == (len(xs), spec[1][-1])
    assert_close([v for row in ours for v in row], batch.flatten().tolist(), "batched outputs")


@pytest.mark.parametrize("spec", NETWORKS, ids=network_id)
def test_parameter_gradients_of_squared_error_match(torch, spec):
    mlp = make_mlp(spec, seed=5)
    net = to_torch(mlp)
    nout = spec[1][-1]
    xs = random_inputs(spec[0], 5, seed=2)
    targets = [[t * 0.5 for t in row] for row in random_inputs(nout, 5, seed=3)]

    # E = sum over samples of 1/2 sum_k (t_k - o_k)^2, in both libraries
    mlp.zero_grad()
    total = None
    for x, t in zip(xs, targets):
        loss = squared_error(mlp(x), t if nout > 1 else t[0])
        total = loss if total is None else total + loss
    total.backward()

    net.zero_grad()
    out = net(torch.tensor(xs, dtype=torch.float64))
    theirs = 0.5 * ((torch.tensor(targets, dtype=torch.float64) - out) ** 2).sum()
    theirs.backward()

    assert abs(total.data - theirs.item()) <= TOLERANCE * max(1.0, abs(theirs.item()))
    assert_close([p.grad for p in mlp.parameters()], torch_grads_in_mlp_order(net, torch), "parameter gradients")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    nin=st.integers(1, 5),
    nouts=st.lists(st.integers(1, 6), min_size=1, max_size=4),
    activation=st.sampled_from(ACTIVATIONS),
    output_activation=st.sampled_from(ACTIVATIONS),
    seed=st.integers(0, 10_000),
)
def test_random_networks_match_in_outputs_and_gradients(torch, nin, nouts, activation, output_activation, seed):
    mlp = make_mlp((nin, nouts, activation, output_activation), seed=seed)
    net = to_torch(mlp)
    x = random_inputs(nin, 1, seed=seed)[0]
    target = random_inputs(nouts[-1], 1, seed=seed + 1)[0]

    out = mlp(x)
    squared_error(out, target if nouts[-1] > 1 else target[0]).backward()
    theirs = net(torch.tensor(x, dtype=torch.float64))
    (0.5 * ((torch.tensor(target, dtype=torch.float64) - theirs) ** 2).sum()).backward()

    assert_close(floats(out), theirs.tolist(), "outputs")
    assert_close([p.grad for p in mlp.parameters()], torch_grads_in_mlp_order(net, torch), "parameter gradients")


# ----- round trips ---------------------------------------------------------------------------


@pytest.mark.parametrize("spec", NETWORKS, ids=network_id)
def test_round_trip_mlp_torch_mlp_keeps_every_weight_exactly(torch, spec):
    mlp = make_mlp(spec, seed=9)
    back = from_torch(to_torch(mlp))
    assert isinstance(back, MLP)
    assert back.nin == mlp.nin and back.nouts == mlp.nouts
    assert [layer.activation for layer in back.layers] == [layer.activation for layer in mlp.layers]
    assert [n.activation for layer in back.layers for n in layer.neurons] == [
        n.activation for layer in mlp.layers for n in layer.neurons
    ]
    assert [p.data for p in back.parameters()] == [p.data for p in mlp.parameters()]
    x = random_inputs(spec[0], 1, seed=4)[0]
    assert outputs_of(back, x) == outputs_of(mlp, x)


def test_round_trip_torch_mlp_torch_keeps_every_tensor_exactly(torch):
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 4), torch.nn.Sigmoid(), torch.nn.Linear(4, 2)
    ).double()
    again = to_torch(from_torch(net))
    assert [type(m).__name__ for m in again] == ["Linear", "ReLU", "Linear", "Sigmoid", "Linear", "Identity"]
    for a, b in zip(linears(net, torch), linears(again, torch)):
        assert torch.equal(a.weight, b.weight) and torch.equal(a.bias, b.bias)


# ----- what from_torch accepts ---------------------------------------------------------------


def test_from_torch_reads_a_plain_sequential_and_computes_the_same_function(torch):
    torch.manual_seed(1)
    net = torch.nn.Sequential(
        torch.nn.Linear(2, 6), torch.nn.Tanh(), torch.nn.Linear(6, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1)
    ).to(torch.float64)
    mlp = from_torch(net)
    assert [layer.activation for layer in mlp.layers] == ["tanh", "relu", "linear"]
    assert mlp.nin == 2 and mlp.nouts == [6, 3, 1]
    for x in random_inputs(2, 5, seed=7):
        assert_close(outputs_of(mlp, x), net(torch.tensor(x, dtype=torch.float64)).tolist(), f"output for {x}")


def test_from_torch_reads_float32_weights_exactly(torch):
    torch.manual_seed(2)
    net = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Sigmoid())  # float32, torch's default
    mlp = from_torch(net)
    assert [p.data for p in mlp.parameters()] == torch_weights_in_mlp_order(net, torch)
    x = [0.5, -0.25, 1.0]
    expected = net.double()(torch.tensor(x, dtype=torch.float64)).tolist()
    assert_close(outputs_of(mlp, x), expected, "output")


def test_from_torch_accepts_a_single_linear_nested_sequentials_identity_and_no_bias(torch):
    nn = torch.nn
    single = nn.Linear(4, 3, dtype=torch.float64)
    mlp = from_torch(single)
    assert mlp.nouts == [3] and mlp.layers[0].activation == "linear"

    nested = nn.Sequential(
        nn.Sequential(nn.Linear(2, 3, dtype=torch.float64), nn.Identity(), nn.Sigmoid()),
        nn.Sequential(nn.Sequential(nn.Linear(3, 1, bias=False, dtype=torch.float64))),
        nn.Tanh(),
    )
    mlp = from_torch(nested)
    assert [layer.activation for layer in mlp.layers] == ["sigmoid", "tanh"]
    assert mlp.layers[1].neurons[0].b.data == 0.0
    x = [0.3, -0.9]
    assert_close(outputs_of(mlp, x), nested(torch.tensor(x, dtype=torch.float64)).tolist(), "output")


# ----- invalid inputs ------------------------------------------------------------------------


@pytest.mark.parametrize("thing", [None, [[1.0, 2.0]], "MLP(2, [1])", 3.0, {"nin": 2}])
def test_to_torch_rejects_what_is_not_an_mlp(thing):
    with pytest.raises(TypeError, match=r"to_torch: expected a tinygrad_edu MLP .*, got " + type(thing).__name__):
        to_torch(thing)


def test_to_torch_rejects_a_layer_and_a_torch_module(torch):
    from tinygrad_edu.nn import Layer

    with pytest.raises(TypeError, match="expected a tinygrad_edu MLP.*got Layer"):
        to_torch(Layer(2, 3))
    with pytest.raises(TypeError, match="expected a tinygrad_edu MLP.*got Linear"):
        to_torch(torch.nn.Linear(2, 3))


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_to_torch_rejects_non_finite_weights_naming_where(torch, bad):
    mlp = MLP(2, [3, 1])
    mlp.layers[1].neurons[0].w[2].data = bad
    message = rf"to_torch: layer 1, neuron 0, weight 2 is {bad!r}; expected a finite number"
    with pytest.raises(ValueError, match=message):
        to_torch(mlp)
    mlp = MLP(2, [3, 1])
    mlp.layers[0].neurons[1].b.data = bad
    with pytest.raises(ValueError, match=r"layer 0, neuron 1, bias"):
        to_torch(mlp)


def test_to_torch_rejects_an_unknown_activation_and_an_inconsistent_layer(torch):
    mlp = MLP(2, [3, 1])
    mlp.layers[0].activation = "softplus"
    with pytest.raises(ValueError, match=r"layer 0 has unknown activation 'softplus'; expected one of 'sigmoid'"):
        to_torch(mlp)
    mlp = MLP(2, [3, 1])
    mlp.layers[0].neurons[2].activation = "tanh"
    with pytest.raises(ValueError, match=r"layer 0, neuron 2 uses 'tanh' but its layer uses 'sigmoid'"):
        to_torch(mlp)
    mlp = MLP(2, [3, 1])
    mlp.layers[1].neurons[0].w.pop()
    with pytest.raises(ValueError, match=r"layer 1, neuron 0 has 2 weights, expected 3"):
        to_torch(mlp)


@pytest.mark.parametrize("thing", [None, "Sequential", [1.0, 2.0], MLP(2, [1])])
def test_from_torch_rejects_what_is_not_a_torch_module(torch, thing):
    with pytest.raises(TypeError, match=r"from_torch: expected a torch.nn.Sequential .*, got " + type(thing).__name__):
        from_torch(thing)


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda nn: nn.Conv2d(1, 1, 3), "Conv2d"),
        (lambda nn: nn.LeakyReLU(), "LeakyReLU"),
        (lambda nn: nn.Dropout(0.5), "Dropout"),
        (lambda nn: nn.Softmax(dim=-1), "Softmax"),
        (lambda nn: nn.BatchNorm1d(3), "BatchNorm1d"),
    ],
)
def test_from_torch_rejects_an_unsupported_layer_naming_it(torch, make, name):
    net = torch.nn.Sequential(torch.nn.Linear(2, 3), make(torch.nn), torch.nn.Linear(3, 1))
    message = rf"from_torch: unsupported layer item '1': {name}\(.*expected torch.nn.Linear"
    with pytest.raises(ValueError, match=message):
        from_torch(net)


def test_from_torch_names_the_path_of_an_unsupported_layer_inside_a_nested_sequential(torch):
    nn = torch.nn
    net = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Conv1d(1, 1, 2)))
    with pytest.raises(ValueError, match=r"unsupported layer item '1.1': Conv1d"):
        from_torch(net)


def test_from_torch_rejects_other_modules_and_subclasses_that_change_forward(torch):
    nn = torch.nn

    class TwoLayers(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(2, 3), nn.Linear(3, 1)

        def forward(self, x):
            return self.b(torch.relu(self.a(x)))

    with pytest.raises(ValueError, match=r"expected a torch.nn.Sequential of Linear layers .*got TwoLayers\("):
        from_torch(TwoLayers())

    class ScaledLinear(nn.Linear):
        def forward(self, x):
            return 2 * super().forward(x)

    with pytest.raises(ValueError, match=r"unsupported layer item '0': ScaledLinear"):
        from_torch(nn.Sequential(ScaledLinear(2, 1)))
    with pytest.raises(ValueError, match=r"unsupported layer item '1': ModuleList"):
        from_torch(nn.Sequential(nn.Linear(2, 2), nn.ModuleList([nn.Linear(2, 1)])))


def test_from_torch_rejects_mismatched_linear_shapes(torch):
    nn = torch.nn
    net = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(4, 1))
    with pytest.raises(
        ValueError,
        match=r"item '2' Linear\(in_features=4, out_features=1.*takes 4 inputs, but the Linear before it "
        r"\(item '0'\) gives 3 outputs; expected in_features=3",
    ):
        from_torch(net)

    tampered = nn.Linear(3, 2)
    tampered.weight = nn.Parameter(torch.zeros(2, 5))
    message = r"weight has shape \(2, 5\); expected \(out_features, in_features\) = \(2, 3\)"
    with pytest.raises(ValueError, match=message):
        from_torch(tampered)
    tampered = nn.Linear(3, 2)
    tampered.bias = nn.Parameter(torch.zeros(3))
    with pytest.raises(ValueError, match=r"bias has shape \(3,\); expected \(2,\)"):
        from_torch(tampered)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns that initialising an empty tensor does nothing
        empty = nn.Linear(0, 3)
    with pytest.raises(ValueError, match=r"weight has shape \(3, 0\).*both at least 1"):
        from_torch(empty)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_from_torch_rejects_non_finite_weights_and_biases(torch, bad):
    nn = torch.nn
    net = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 1))
    with torch.no_grad():
        net[2].weight[0, 1] = bad
    with pytest.raises(ValueError, match=rf"item '2' Linear.*: weight\[0, 1\] is {bad!r}; expected a finite number"):
        from_torch(net)
    net = nn.Sequential(nn.Linear(2, 3))
    with torch.no_grad():
        net[0].bias[2] = bad
    with pytest.raises(ValueError, match=rf"item '0' Linear.*: bias\[2\] is {bad!r}; expected a finite number"):
        from_torch(net)


def test_from_torch_rejects_misplaced_activations_and_empty_containers(torch):
    nn = torch.nn
    with pytest.raises(ValueError, match=r"item '0' Sigmoid\(\) comes before any Linear layer"):
        from_torch(nn.Sequential(nn.Sigmoid(), nn.Linear(2, 1)))
    with pytest.raises(ValueError, match=r"item '2' Tanh\(\) follows another activation \(relu\)"):
        from_torch(nn.Sequential(nn.Linear(2, 1), nn.ReLU(), nn.Tanh()))
    with pytest.raises(ValueError, match=r"contains no Linear layer; expected at least one"):
        from_torch(nn.Sequential())
    with pytest.raises(ValueError, match=r"contains no Linear layer"):
        from_torch(nn.Sequential(nn.Identity()))


def test_from_torch_rejects_integer_and_uninitialised_weights(torch):
    nn = torch.nn
    lazy = nn.Sequential(nn.LazyLinear(2))
    with pytest.raises(ValueError, match=r"weight is not initialised yet"):
        from_torch(lazy)
    meta = nn.Linear(2, 2, device="meta")
    with pytest.raises(ValueError, match=r"meta device"):
        from_torch(meta)
    integer = nn.Linear(2, 2)
    integer.weight = nn.Parameter(torch.ones(2, 2, dtype=torch.int64), requires_grad=False)
    with pytest.raises(ValueError, match=r"weight has dtype torch.int64; expected a real floating-point dtype"):
        from_torch(integer)
