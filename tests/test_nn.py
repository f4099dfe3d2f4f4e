"""Neurons, layers, MLPs, losses, and saving/loading models."""

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import MLP, Value
from tinygrad_edu.gradcheck import gradcheck
from tinygrad_edu.nn import Layer, Neuron, binary_cross_entropy, mse, squared_error


def test_mlp_shape_and_parameter_order():
    m = MLP(3, [4, 2])
    assert [len(layer.neurons) for layer in m.layers] == [4, 2]
    assert all(len(n.w) == 3 for n in m.layers[0].neurons)
    assert all(len(n.w) == 4 for n in m.layers[1].neurons)
    expected = []
    for layer in m.layers:
        for neuron in layer.neurons:
            expected += neuron.w + [neuron.b]
    assert m.parameters() == expected
    assert len(m.parameters()) == 4 * (3 + 1) + 2 * (4 + 1)


def test_activations_default_and_output_override():
    m = MLP(2, [3, 3, 1], activation="tanh", output_activation="linear")
    assert [layer.activation for layer in m.layers] == ["tanh", "tanh", "linear"]
    assert all(n.activation == "tanh" for n in m.layers[0].neurons)
    assert MLP(2, [3, 1]).layers[-1].activation == "sigmoid"


def test_same_seed_same_weights_and_different_seed_different_weights():
    data = lambda m: [p.data for p in m.parameters()]  # noqa: E731
    assert data(MLP(2, [4, 1], seed=7)) == data(MLP(2, [4, 1], seed=7))
    assert data(MLP(2, [4, 1], seed=7)) != data(MLP(2, [4, 1], seed=8))


def test_initial_weights_are_glorot_uniform_and_biases_zero():
    m = MLP(2, [4, 1])
    limit0, limit1 = math.sqrt(6 / 6), math.sqrt(6 / 5)
    assert all(abs(w.data) <= limit0 for n in m.layers[0].neurons for w in n.w)
    assert all(abs(w.data) <= limit1 for n in m.layers[1].neurons for w in n.w)
    assert all(n.b.data == 0.0 for layer in m.layers for n in layer.neurons)


def test_neuron_computes_activation_of_w_dot_x_plus_b():
    n = Neuron(2, "sigmoid")
    n.w[0].data, n.w[1].data, n.b.data = 0.5, -1.0, 0.25
    out = n([2.0, 3.0])
    z = 0.5 * 2.0 - 1.0 * 3.0 + 0.25
    assert out.data == pytest.approx(1 / (1 + math.exp(-z)), rel=1e-15)
    linear = Neuron(2, "linear")
    linear.w[0].data, linear.w[1].data = 1.5, 2.0
    assert linear([1.0, 1.0]).data == 3.5


@pytest.mark.parametrize(
    "activation, fn",
    [
        ("sigmoid", lambda z: 1 / (1 + math.exp(-z))),
        ("tanh", math.tanh),
        ("relu", lambda z: max(0.0, z)),
        ("linear", lambda z: z),
    ],
)
def test_each_activation(activation, fn):
    layer = Layer(1, 1, activation)
    layer.neurons[0].w[0].data = -2.0
    layer.neurons[0].b.data = 0.5
    assert layer([1.5])[0].data == pytest.approx(fn(-2.0 * 1.5 + 0.5), rel=1e-15)


def test_mlp_returns_a_value_or_a_list():
    assert isinstance(MLP(2, [3, 1])([1.0, 2.0]), Value)
    out = MLP(2, [3, 2])([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 2 and all(isinstance(o, Value) for o in out)


def test_mlp_accepts_values_and_gradients_reach_them():
    x = [Value(0.5), Value(-1.0)]
    y = MLP(2, [3, 1])(x)
    y.backward()
    assert any(v.grad != 0.0 for v in x)


def test_wrong_input_length_names_both_lengths():
    with pytest.raises(ValueError, match="expected 2 inputs, got 3"):
        MLP(2, [3, 1])([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="expected a list of 2 inputs"):
        MLP(2, [3, 1])(1.0)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(nin=0, nouts=[1]), "nin must be a positive whole number, got 0"),
        (dict(nin=2, nouts=3), "nouts must be a list of layer widths"),
        (dict(nin=2, nouts=[]), "at least one layer width"),
        (dict(nin=2, nouts=[2, 0]), "layer width in nouts must be a positive whole number, got 0"),
        (dict(nin=2, nouts=[1], activation="softmax"), "unknown activation 'softmax'"),
        (dict(nin=2, nouts=[1], output_activation="step"), "unknown activation 'step'"),
    ],
)
def test_bad_architecture_is_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MLP(**kwargs)


def test_mlp_parameter_gradients_pass_gradcheck():
    m = MLP(2, [3, 1])

    def loss_given(params):
        # put the Values gradcheck hands us into the network, in parameters() order
        remaining = iter(params)
        for layer in m.layers:
            for neuron in layer.neurons:
                neuron.w = [next(remaining) for _ in neuron.w]
                neuron.b = next(remaining)
        return squared_error(m([0.3, -0.8]), 0.25)

    assert gradcheck(loss_given, [p.data for p in m.parameters()])


def test_mlp_input_gradients_pass_gradcheck():
    m = MLP(2, [3, 1], activation="tanh")
    assert gradcheck(lambda x: squared_error(m(x), 0.25), [0.3, -0.8])


def test_zero_grad_clears_parameters():
    m = MLP(2, [2, 1])
    squared_error(m([1.0, 1.0]), 0.0).backward()
    assert any(p.grad != 0 for p in m.parameters())
    m.zero_grad()
    assert all(p.grad == 0 for p in m.parameters())


# ----- losses ------------------------------------------------------------------------------


def test_squared_error_is_half_the_sum_of_squares():
    # Seed 004: E = 1/2 sum (t - a)^2, dE/da = a - t.
    a = [Value(0.8), Value(0.2)]
    E = squared_error(a, [1.0, 0.0])
    E.backward()
    assert E.data == pytest.approx(0.5 * (0.2**2 + 0.2**2), rel=1e-15)
    assert [v.grad for v in a] == pytest.approx([0.8 - 1.0, 0.2 - 0.0], rel=1e-15)
    assert squared_error(Value(3.0), 1).data == 2.0


def test_mse_is_the_mean():
    o = [Value(1.0), Value(2.0), Value(4.0)]
    loss = mse(o, [0.0, 0.0, 0.0])
    loss.backward()
    assert loss.data == pytest.approx(21 / 3)
    assert [v.grad for v in o] == pytest.approx([2 / 3, 4 / 3, 8 / 3])


@pytest.mark.parametrize("fn", [squared_error, mse, binary_cross_entropy])
def test_losses_reject_mismatched_lengths(fn):
    with pytest.raises(ValueError, match="got 2 outputs but 3 targets"):
        fn([Value(0.5), Value(0.5)], [0, 1, 0])
    with pytest.raises(ValueError, match=r"got 1 outputs but 2 targets"):
        fn(Value(0.5), [0, 1])
    with pytest.raises(ValueError, match=r"got no outputs"):
        fn([], [])


def test_a_single_output_pairs_with_a_one_element_target_list():
    assert squared_error(Value(0.5), [1.0]).data == squared_error([Value(0.5)], 1.0).data == 0.125


def test_neurons_and_layers_check_the_input_length():
    with pytest.raises(ValueError, match="Neuron: expected 2 inputs, got 3"):
        Neuron(2)([1.0, 2.0, 99.0])
    with pytest.raises(ValueError, match="Neuron: expected 2 inputs, got 1"):
        Layer(2, 3)([1.0])


@given(z=st.floats(-30, 30), t=st.sampled_from([0.0, 1.0, 0.3]))
def test_bce_from_sigmoid_equals_the_direct_formula_and_has_gradient_s_minus_t(z, t):
    zv = Value(z)
    s = zv.sigmoid()
    loss = binary_cross_entropy(s, t)
    loss.backward()
    p = 1 / (1 + math.exp(-z))
    # reference: the same loss in the well-conditioned form max(z, 0) - t z + log(1 + e^-|z|)
    assert loss.data == pytest.approx(max(z, 0.0) - t * z + math.log1p(math.exp(-abs(z))), rel=1e-12, abs=1e-14)
    if abs(z) < 10:  # where the textbook form -[t log p + (1-t) log(1-p)] is still accurate
        assert loss.data == pytest.approx(-(t * math.log(p) + (1 - t) * math.log(1 - p)), rel=1e-9)
    assert zv.grad == pytest.approx(p - t, rel=1e-9, abs=1e-12)


def test_bce_is_stable_where_the_sigmoid_rounds_to_0_or_1():
    for z, t, expected in [(40.0, 0.0, 40.0), (-800.0, 1.0, 800.0), (800.0, 1.0, 0.0), (-40.0, 0.0, 0.0)]:
        zv = Value(z)
        loss = binary_cross_entropy(zv.sigmoid(), t)
        loss.backward()
        assert loss.data == pytest.approx(expected, abs=1e-15)
        assert math.isfinite(zv.grad)


def test_bce_on_plain_probabilities_and_its_errors():
    p = Value(0.25)
    assert binary_cross_entropy(p, 1.0).data == pytest.approx(-math.log(0.25))
    with pytest.raises(ValueError, match="strictly between 0 and 1, got 1.0"):
        binary_cross_entropy(Value(1.0), 1.0)
    with pytest.raises(ValueError, match=r"target must be in \[0, 1\], got 2.0"):
        binary_cross_entropy(Value(0.5), 2.0)


# ----- saving and loading --------------------------------------------------------------------


def test_save_load_round_trip(tmp_path):
    m = MLP(3, [4, 2, 1], activation="tanh", output_activation="sigmoid", seed=3)
    path = tmp_path / "model.json"
    m.save(path)
    loaded = MLP.load(path)
    assert [p.data for p in loaded.parameters()] == [p.data for p in m.parameters()]
    assert [layer.activation for layer in loaded.layers] == ["tanh", "tanh", "sigmoid"]
    assert loaded([0.1, 0.2, 0.3]).data == m([0.1, 0.2, 0.3]).data
    saved = json.loads(path.read_text())
    assert saved["layers"][0]["activation"] == "tanh"
    assert isinstance(saved["layers"][0]["weights"], list)
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]  # no temporary file left


def test_save_replaces_an_existing_file_whole(tmp_path):
    path = tmp_path / "model.json"
    MLP(2, [8, 8, 1]).save(path)
    MLP(2, [1]).save(path)
    assert MLP.load(path).nouts == [1]


def test_load_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        MLP.load(tmp_path / "nope.json")


def _saved(tmp_path):
    path = tmp_path / "model.json"
    MLP(2, [3, 1], seed=1).save(path)
    return path, json.loads(path.read_text())


def _write(path, data):
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    "corrupt, message",
    [
        (lambda d: d["layers"][0]["weights"][1].pop(), "layer 0, neuron 1: expected 2 weights"),
        (lambda d: d["layers"][1]["biases"].append(0.0), "layer 1: expected 1 biases"),
        (
            lambda d: d["layers"][0]["weights"][0].__setitem__(0, "0.5"),
            "neuron 0, weight 0: expected a finite number, got '0.5'",
        ),
        (lambda d: d["layers"][0]["weights"][0].__setitem__(1, None), "weight 1: expected a finite number, got None"),
        (lambda d: d["layers"][0]["biases"].__setitem__(2, True), "neuron 2, bias: expected a finite number, got True"),
        (lambda d: d["layers"][1].__setitem__("activation", "softmax"), "layer 1 has unknown activation 'softmax'"),
        (lambda d: d.__setitem__("nin", 0), "'nin' must be a positive whole number, got 0"),
        (lambda d: d.__setitem__("layers", []), "'layers' must be a non-empty list"),
        (lambda d: d.__setitem__("format", "other"), "not a tinygrad_edu model file"),
        (lambda d: d.__setitem__("version", 99), "unsupported version 99"),
        (lambda d: d["layers"][1]["weights"].__setitem__(0, [1.0, 2.0]), "layer 1, neuron 0: expected 3 weights"),
    ],
)
def test_inconsistent_files_are_rejected_with_path_and_reason(tmp_path, corrupt, message):
    path, data = _saved(tmp_path)
    corrupt(data)
    _write(path, data)
    with pytest.raises(ValueError, match=message) as error:
        MLP.load(path)
    assert str(path) in str(error.value)


def test_truncated_file(tmp_path):
    path, _ = _saved(tmp_path)
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    with pytest.raises(ValueError, match="not valid JSON"):
        MLP.load(path)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_in_a_file_are_rejected(tmp_path, constant):
    path, _ = _saved(tmp_path)
    text = path.read_text()
    first_number = text.index('"weights": [[') + len('"weights": [[')
    end = text.index(",", first_number)
    path.write_text(text[:first_number] + constant + text[end:])
    with pytest.raises(ValueError, match=f"contains {constant}"):
        MLP.load(path)


def test_not_an_object(tmp_path):
    path = _write(tmp_path / "m.json", [1, 2, 3])
    with pytest.raises(ValueError, match="expected a JSON object, got list"):
        MLP.load(path)


def test_saving_refuses_non_finite_weights(tmp_path):
    m = MLP(1, [1])
    m.parameters()[0].data = math.nan
    with pytest.raises(ValueError):
        m.save(tmp_path / "m.json")
    assert list(tmp_path.iterdir()) == []


@settings(max_examples=25, deadline=None)
@given(nin=st.integers(1, 4), widths=st.lists(st.integers(1, 4), min_size=1, max_size=3), seed=st.integers(0, 10**6))
def test_round_trip_any_shape(tmp_path_factory, nin, widths, seed):
    path = tmp_path_factory.mktemp("models") / "m.json"
    m = MLP(nin, widths, seed=seed)
    m.save(path)
    assert [p.data for p in MLP.load(path).parameters()] == [p.data for p in m.parameters()]


def test_load_rejects_binary_and_absurd_files_with_the_path(tmp_path):
    cases = {
        "binary.json": b"\xff\xfe\x00garbage",
        "deep.json": b"[" * 100000,
    }
    for name, content in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(ValueError) as error:
            MLP.load(path)
        assert str(path) in str(error.value)
    path, data = _saved(tmp_path)
    data["layers"][0]["weights"][0][0] = 10**400
    _write(path, data)
    with pytest.raises(ValueError, match="weight 0: expected a finite number"):
        MLP.load(path)


def test_saved_files_are_readable_like_any_other_file(tmp_path):
    import os
    import stat

    path = tmp_path / "model.json"
    MLP(2, [1]).save(path)
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask


def test_save_names_a_non_finite_weight(tmp_path):
    m = MLP(1, [1])
    m.layers[0].neurons[0].b.data = math.inf
    with pytest.raises(ValueError, match=r"parameter 1 \(L0.n0.b\) is inf"):
        m.save(tmp_path / "m.json")
