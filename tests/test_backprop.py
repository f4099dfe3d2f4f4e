"""The hand-derived formulas of backprop.py: checked by hand, by central differences,
and against the gradients that emerge from the engine's backward()."""

import ast
import math
import random
import warnings
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import Value, backprop
from tinygrad_edu.backprop import (
    gradients,
    sigmoid,
    sigmoid_derivative_from_output,
    two_neuron_ascent_step,
    two_neuron_deltas,
    two_neuron_forward,
    two_neuron_performance,
    two_neuron_performance_gradients,
)
from tinygrad_edu.nn import MLP, squared_error

LN3 = math.log(3.0)


def central_difference(f, xs, i, h=1e-5):
    up, down = list(xs), list(xs)
    up[i] += h
    down[i] -= h
    return (f(up) - f(down)) / (2.0 * h)


# ----- the module stays an independent oracle -------------------------------------------------


def test_backprop_imports_neither_the_engine_nor_nn():
    tree = ast.parse(Path(backprop.__file__).read_text(encoding="utf-8"))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            modules.add("." * node.level + (node.module or ""))
    # The standard library only: nothing of the package, so it stays an independent oracle.
    assert modules == {"__future__", "collections.abc", "math", "numbers", "typing"}


# ----- sigmoid ---------------------------------------------------------------------------------


def test_sigmoid_saturates_at_plus_minus_1000_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sigmoid(1000.0) == 1.0
        assert sigmoid(-1000.0) == 0.0
        assert sigmoid(-1e308) == 0.0
    assert sigmoid(0.0) == 0.5


@given(st.floats(-30.0, 30.0))
def test_sigmoid_is_the_logistic_function(x):
    assert sigmoid(x) == pytest.approx(1.0 / (1.0 + math.exp(-x)), rel=1e-12)
    assert sigmoid(-x) == pytest.approx(1.0 - sigmoid(x), abs=1e-15)


@given(st.floats(-20.0, 20.0))
def test_derivative_from_output_matches_central_differences(x):
    slope = central_difference(lambda p: sigmoid(p[0]), [x], 0)
    assert sigmoid_derivative_from_output(sigmoid(x)) == pytest.approx(slope, rel=1e-6, abs=1e-10)


def test_sigmoid_derivative_peaks_at_one_quarter_when_y_is_one_half():
    assert sigmoid_derivative_from_output(0.5) == 0.25
    assert sigmoid_derivative_from_output(sigmoid(0.0)) == 0.25
    assert sigmoid_derivative_from_output(0.0) == 0.0
    assert sigmoid_derivative_from_output(1.0) == 0.0


@given(st.floats(0.0, 1.0))
def test_sigmoid_derivative_never_exceeds_one_quarter(y):
    assert 0.0 <= sigmoid_derivative_from_output(y) <= 0.25


def test_a_saturated_neuron_barely_learns():
    """At x = 10: s = 0.9999546, s' = s(1 - s) = 4.54e-5, about 5500 times below the peak 0.25."""
    slope = sigmoid_derivative_from_output(sigmoid(10.0))
    assert float(f"{slope:.3g}") == 4.54e-5
    assert slope == pytest.approx(math.exp(-10.0) / (1.0 + math.exp(-10.0)) ** 2, rel=1e-12)


@given(st.lists(st.floats(-50.0, 50.0), min_size=1, max_size=12))
def test_a_chain_of_k_sigmoids_shrinks_a_gradient_by_at_least_four_to_the_k(xs):
    product = 1.0
    for x in xs:
        product *= sigmoid_derivative_from_output(sigmoid(x))
    assert 0.0 <= product <= 0.25 ** len(xs)


def test_the_bound_is_reached_only_at_zero():
    product = math.prod(sigmoid_derivative_from_output(sigmoid(0.0)) for _ in range(5))
    assert product == 0.25**5
    assert sigmoid_derivative_from_output(sigmoid(0.1)) < 0.25


def test_sigmoid_errors_name_the_value():
    with pytest.raises(ValueError, match="sigmoid: x must be a finite number, got nan"):
        sigmoid(float("nan"))
    with pytest.raises(TypeError, match="sigmoid: x must be a real number, got str '1'"):
        sigmoid("1")
    with pytest.raises(ValueError, match=r"y must be a sigmoid output in \[0, 1\], got 3.0 \(pass y = sigmoid\(x\)"):
        sigmoid_derivative_from_output(3.0)
    with pytest.raises(ValueError, match="got -0.5"):
        sigmoid_derivative_from_output(-0.5)


# ----- the two-neuron net, by hand -----------------------------------------------------------


def test_two_neuron_net_by_hand_first_example():
    """i_l = 2, w_l = 0, w_r = 2 ln 3, d = 1.

    Forward:   p_l = 0 * 2 = 0,        o_l = s(0) = 1/2
               p_r = 2 ln 3 * 1/2 = ln 3,   o_r = 1 / (1 + e^-ln3) = 1 / (1 + 1/3) = 3/4
               P = -1/2 (1 - 3/4)^2 = -1/32
    Deltas:    delta_r = o_r (1 - o_r)(d - o_r) = 3/4 * 1/4 * 1/4 = 3/64
               delta_l = o_l (1 - o_l) w_r delta_r = 1/4 * 2 ln 3 * 3/64 = 3 ln 3 / 128
    Gradient:  dP/dw_r = delta_r o_l = 3/64 * 1/2 = 3/128 = 0.0234375
               dP/dw_l = delta_l i_l = 3 ln 3 / 128 * 2 = 3 ln 3 / 64 = 0.05149745...
    """
    i_l, w_l, w_r, d = 2.0, 0.0, 2.0 * LN3, 1.0
    net = two_neuron_forward(i_l, w_l, w_r)
    assert net.p_l == 0.0
    assert net.o_l == 0.5
    assert net.p_r == pytest.approx(LN3, rel=1e-15)
    assert net.o_r == pytest.approx(0.75, rel=1e-15)
    assert two_neuron_performance(i_l, w_l, w_r, d) == pytest.approx(-1 / 32, rel=1e-14)
    delta_l, delta_r = two_neuron_deltas(i_l, w_l, w_r, d)
    assert delta_r == pytest.approx(3 / 64, rel=1e-14)
    assert delta_l == pytest.approx(3 * LN3 / 128, rel=1e-14)
    grads = two_neuron_performance_gradients(i_l, w_l, w_r, d)
    assert grads.dP_dw_r == pytest.approx(0.0234375, rel=1e-14)
    assert grads.dP_dw_l == pytest.approx(0.05149745103131764, rel=1e-14)


def test_two_neuron_net_by_hand_second_example():
    """i_l = 1, w_l = ln 3, w_r = (4/3) ln 3, d = 1: every factor of the chain is in play.

    Forward:   p_l = ln 3, o_l = 3/4;  p_r = (4/3) ln 3 * 3/4 = ln 3, o_r = 3/4
    Deltas:    delta_r = 3/4 * 1/4 * (1 - 3/4) = 3/64
               delta_l = o_l (1 - o_l) w_r delta_r = 3/16 * (4/3) ln 3 * 3/64 = 3 ln 3 / 256
    Gradient:  dP/dw_r = delta_r o_l = 3/64 * 3/4 = 9/256 = 0.03515625
               dP/dw_l = delta_l i_l = 3 ln 3 / 256 = 0.01287436...
    """
    i_l, w_l, w_r, d = 1.0, LN3, 4.0 / 3.0 * LN3, 1.0
    net = two_neuron_forward(i_l, w_l, w_r)
    assert (net.o_l, net.o_r) == (pytest.approx(0.75, rel=1e-15), pytest.approx(0.75, rel=1e-15))
    delta_l, delta_r = two_neuron_deltas(i_l, w_l, w_r, d)
    assert delta_r == pytest.approx(3 / 64, rel=1e-14)
    assert delta_l == pytest.approx(3 * LN3 / 256, rel=1e-14)
    dP_dw_l, dP_dw_r = two_neuron_performance_gradients(i_l, w_l, w_r, d)
    assert dP_dw_r == pytest.approx(0.03515625, rel=1e-14)
    assert dP_dw_l == pytest.approx(0.012874362757829, rel=1e-12)


def test_a_zero_weight_on_the_right_blocks_the_gradient_to_the_left():
    """i_l = 1, w_l = ln 3, w_r = 0, d = 0: o_l = 3/4, p_r = 0, o_r = 1/2,
    delta_r = 1/4 * (0 - 1/2) = -1/8, dP/dw_r = -1/8 * 3/4 = -3/32, delta_l = ... * w_r = 0."""
    dP_dw_l, dP_dw_r = two_neuron_performance_gradients(1.0, LN3, 0.0, 0.0)
    assert dP_dw_r == pytest.approx(-3 / 32, rel=1e-14)
    assert dP_dw_l == 0.0


def test_one_ascent_step_moves_uphill():
    """From the first hand example, rate 0.5: w_l' = 0 + 0.5 * 3 ln 3 / 64, w_r' = 2 ln 3 + 0.5 * 3/128."""
    i_l, w_l, w_r, d = 2.0, 0.0, 2.0 * LN3, 1.0
    new_w_l, new_w_r = two_neuron_ascent_step(i_l, w_l, w_r, d, rate=0.5)
    assert new_w_l == pytest.approx(1.5 * LN3 / 64, rel=1e-14)
    assert new_w_r == pytest.approx(2.0 * LN3 + 1.5 / 128, rel=1e-14)
    assert two_neuron_performance(i_l, new_w_l, new_w_r, d) > two_neuron_performance(i_l, w_l, w_r, d)


finite = st.floats(-3.0, 3.0)
unit = st.floats(0.0, 1.0)


@given(i_l=finite, w_l=finite, w_r=finite, d=unit)
def test_two_neuron_formulas_match_central_differences_of_P(i_l, w_l, w_r, d):
    grads = two_neuron_performance_gradients(i_l, w_l, w_r, d)
    weights = [w_l, w_r]
    performance = lambda ws: two_neuron_performance(i_l, ws[0], ws[1], d)  # noqa: E731
    assert grads.dP_dw_l == pytest.approx(central_difference(performance, weights, 0), rel=1e-5, abs=1e-9)
    assert grads.dP_dw_r == pytest.approx(central_difference(performance, weights, 1), rel=1e-5, abs=1e-9)


@given(i_l=finite, w_l=finite, w_r=finite, d=unit)
def test_two_neuron_gradients_are_the_expanded_chain_rule(i_l, w_l, w_r, d):
    _, o_l, _, o_r = two_neuron_forward(i_l, w_l, w_r)
    grads = two_neuron_performance_gradients(i_l, w_l, w_r, d)
    assert grads.dP_dw_r == pytest.approx((d - o_r) * o_r * (1 - o_r) * o_l, rel=1e-12, abs=1e-300)
    assert grads.dP_dw_l == pytest.approx(
        (d - o_r) * o_r * (1 - o_r) * w_r * o_l * (1 - o_l) * i_l, rel=1e-12, abs=1e-300
    )


def test_two_neuron_errors_name_the_argument_and_value():
    with pytest.raises(ValueError, match="two_neuron_forward: w_r must be a finite number, got inf"):
        two_neuron_forward(1.0, 0.5, float("inf"))
    with pytest.raises(ValueError, match="two_neuron_performance_gradients: d must be a finite number, got nan"):
        two_neuron_performance_gradients(1.0, 0.5, 0.5, float("nan"))
    with pytest.raises(TypeError, match="i_l must be a real number, got NoneType None"):
        two_neuron_deltas(None, 0.5, 0.5, 1.0)


# ----- gradients(): the delta rule on a hand-built MLP-like object ----------------------------
#
# Plain classes with the public structure only, so these tests need neither nn nor the engine.


class Number:
    def __init__(self, data):
        self.data = data


class FakeNeuron:
    def __init__(self, weights, bias, activation):
        self.w = [Number(w) for w in weights]
        self.b = Number(bias)
        self.activation = activation


class FakeLayer:
    def __init__(self, neurons, activation):
        self.neurons = neurons
        self.activation = activation


class FakeMLP:
    """layers[n][j] = (weights, bias) of neuron j of layer n."""

    def __init__(self, layers, activation="sigmoid"):
        self.layers = [FakeLayer([FakeNeuron(w, b, activation) for w, b in neurons], activation) for neurons in layers]

    def parameters(self):
        return [p for layer in self.layers for neuron in layer.neurons for p in neuron.w + [neuron.b]]


def error_in_floats(mlp, params, x, targets):
    """E = 1/2 sum_k (t_k - o_k)^2 with the parameters replaced by `params` (flat, in order)."""
    params = iter(params)
    a = list(x)
    for layer in mlp.layers:
        outputs = []
        for _neuron in layer.neurons:
            z = 0.0
            for a_i in a:
                z += next(params) * a_i
            z += next(params)
            outputs.append(1.0 / (1.0 + math.exp(-z)))
        a = outputs
    return 0.5 * sum((t - o) ** 2 for t, o in zip(targets, a))


@st.composite
def fake_mlps(draw):
    nin = draw(st.integers(1, 4))
    widths = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    weight = st.floats(-2.0, 2.0)
    layers, below = [], nin
    for width in widths:
        layers.append([(draw(st.lists(weight, min_size=below, max_size=below)), draw(weight)) for _ in range(width)])
        below = width
    x = draw(st.lists(st.floats(-3.0, 3.0), min_size=nin, max_size=nin))
    targets = draw(st.lists(unit, min_size=widths[-1], max_size=widths[-1]))
    return FakeMLP(layers), x, targets


@settings(max_examples=150, deadline=None)
@given(fake_mlps())
def test_delta_rule_matches_central_differences_of_E(case):
    mlp, x, targets = case
    params = [p.data for p in mlp.parameters()]
    grads = gradients(mlp, x, targets)
    assert len(grads) == len(params)
    E = lambda ps: error_in_floats(mlp, ps, x, targets)  # noqa: E731
    for i, g in enumerate(grads):
        assert g == pytest.approx(central_difference(E, params, i), rel=1e-5, abs=1e-9), f"parameter {i}"


def test_delta_rule_by_hand_on_one_output_neuron():
    """One neuron, w = (ln 3, 0), b = 0, x = (1, 5), t = 0: z = ln 3, o = 3/4,
    delta = o (1 - o)(o - t) = 3/16 * 3/4 = 9/64, so dE/dw = (9/64 * 1, 9/64 * 5), dE/db = 9/64."""
    mlp = FakeMLP([[([LN3, 0.0], 0.0)]])
    assert gradients(mlp, [1.0, 5.0], 0.0) == pytest.approx([9 / 64, 45 / 64, 9 / 64], rel=1e-14)


def test_the_two_neuron_net_is_an_mlp_and_E_is_minus_P():
    """With zero biases, MLP 1 -> 1 -> 1 is the two-neuron net; E = -P flips every sign."""
    i_l, w_l, w_r, d = 0.7, -1.3, 2.1, 0.2
    mlp = FakeMLP([[([w_l], 0.0)], [([w_r], 0.0)]])
    dE_dw_l, dE_db_l, dE_dw_r, dE_db_r = gradients(mlp, [i_l], d)
    dP_dw_l, dP_dw_r = two_neuron_performance_gradients(i_l, w_l, w_r, d)
    delta_l, delta_r = two_neuron_deltas(i_l, w_l, w_r, d)
    assert dE_dw_l == pytest.approx(-dP_dw_l, rel=1e-14)
    assert dE_dw_r == pytest.approx(-dP_dw_r, rel=1e-14)
    assert (dE_db_l, dE_db_r) == (pytest.approx(-delta_l, rel=1e-14), pytest.approx(-delta_r, rel=1e-14))


def test_target_may_be_a_number_or_a_list_and_inputs_may_be_objects_with_data():
    mlp = FakeMLP([[([0.3, -0.2], 0.1), ([0.5, 0.4], -0.3)], [([1.0, -1.0], 0.2)]])
    expected = gradients(mlp, [1.0, 2.0], 0.25)
    assert gradients(mlp, [1.0, 2.0], [0.25]) == expected
    assert gradients(mlp, (Number(1.0), Number(2)), Number(0.25)) == expected


@pytest.mark.parametrize("bad", ["tanh", "relu", "linear"])
def test_a_non_sigmoid_layer_is_refused_naming_its_index_and_activation(bad):
    mlp = FakeMLP([[([0.3], 0.0)], [([0.5], 0.0)]])
    mlp.layers[1].activation = bad
    with pytest.raises(ValueError, match=rf"layer 1 uses the activation '{bad}'.*'sigmoid' only"):
        gradients(mlp, [1.0], 0.5)


def test_a_non_sigmoid_neuron_is_refused_even_in_a_sigmoid_layer():
    mlp = FakeMLP([[([0.3], 0.0), ([0.1], 0.0)], [([0.5, 0.5], 0.0)]])
    mlp.layers[0].neurons[1].activation = "relu"
    with pytest.raises(ValueError, match="layer 0 uses the activation 'relu'"):
        gradients(mlp, [1.0], 0.5)


def test_wrong_lengths_name_both_lengths():
    mlp = FakeMLP([[([0.3, 0.1], 0.0)], [([0.5], 0.0), ([0.2], 0.0)]])
    with pytest.raises(ValueError, match="x has 3 numbers, but layer 0 expects 2 inputs"):
        gradients(mlp, [1.0, 2.0, 3.0], [0.0, 1.0])
    with pytest.raises(ValueError, match="target has 1 numbers, but the last layer has 2 outputs"):
        gradients(mlp, [1.0, 2.0], 0.5)
    with pytest.raises(ValueError, match="target has 3 numbers, but the last layer has 2 outputs"):
        gradients(mlp, [1.0, 2.0], [0.0, 1.0, 0.0])


def test_a_neuron_that_does_not_read_the_whole_layer_below_is_refused():
    mlp = FakeMLP([[([0.3], 0.0), ([0.1], 0.0)], [([0.5], 0.0)]])
    with pytest.raises(ValueError, match="layer 1, neuron 0 has 1 weights, but its layer has 2 inputs"):
        gradients(mlp, [1.0], 0.5)


def test_non_finite_numbers_are_refused_naming_the_value():
    mlp = FakeMLP([[([0.3, 0.1], 0.0), ([0.2, 0.2], 0.0)], [([0.5, 0.5], 0.0)]])
    with pytest.raises(ValueError, match=r"x\[1\] must be a finite number, got nan"):
        gradients(mlp, [1.0, float("nan")], 0.5)
    with pytest.raises(ValueError, match="target must be a finite number, got inf"):
        gradients(mlp, [1.0, 2.0], float("inf"))
    with pytest.raises(ValueError, match=r"target\[0\] must be a finite number, got -inf"):
        gradients(mlp, [1.0, 2.0], [float("-inf")])
    mlp.layers[0].neurons[1].w[0].data = float("nan")
    with pytest.raises(ValueError, match="layer 0, neuron 1, weight 0 must be a finite number, got nan"):
        gradients(mlp, [1.0, 2.0], 0.5)
    mlp.layers[0].neurons[1].w[0].data = 0.2
    mlp.layers[1].neurons[0].b.data = float("inf")
    with pytest.raises(ValueError, match="layer 1, neuron 0, bias must be a finite number, got inf"):
        gradients(mlp, [1.0, 2.0], 0.5)


def test_x_must_be_a_list():
    mlp = FakeMLP([[([0.3], 0.0)]])
    with pytest.raises(TypeError, match="x must be a list of numbers, got float 1.0"):
        gradients(mlp, 1.0, 0.5)


def test_parameters_in_another_order_are_refused():
    """The result is matched to parameters() by position, so a different order would mislabel it."""
    mlp = FakeMLP([[([0.3], 0.0)]])
    mlp.parameters = lambda: [mlp.layers[0].neurons[0].b] + mlp.layers[0].neurons[0].w
    with pytest.raises(ValueError, match="not listed layer by layer, neuron by neuron, weights then bias"):
        gradients(mlp, [1.0], 0.5)


# ----- the engine rediscovers the formulas ---------------------------------------------------


@st.composite
def real_mlps(draw):
    nin = draw(st.integers(1, 4))
    widths = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    seed = draw(st.integers(0, 2**32 - 1))
    mlp = MLP(nin, widths, seed=seed)
    # Biases start at 0 in MLP; give every parameter a random value so the bias paths count too.
    rng = random.Random(seed)
    for p in mlp.parameters():
        p.data = rng.uniform(-2.0, 2.0)
    x = draw(st.lists(st.floats(-3.0, 3.0), min_size=nin, max_size=nin))
    targets = draw(st.lists(unit, min_size=widths[-1], max_size=widths[-1]))
    return mlp, x, targets[0] if len(targets) == 1 else targets


def autodiff_gradients(mlp, x, target):
    mlp.zero_grad()
    loss = squared_error(mlp(x), target)
    loss.backward()
    return [p.grad for p in mlp.parameters()]


@settings(max_examples=300, deadline=None)
@given(real_mlps())
def test_delta_rule_equals_autodiff_on_random_sigmoid_mlps(case):
    mlp, x, target = case
    emergent = autodiff_gradients(mlp, x, target)
    by_hand = gradients(mlp, x, target)
    assert len(by_hand) == len(emergent) == len(mlp.parameters())
    for i, (a, b) in enumerate(zip(emergent, by_hand)):
        assert b == pytest.approx(a, rel=1e-9, abs=1e-300), f"parameter {i}"


def test_delta_rule_equals_autodiff_after_training_steps_and_with_value_inputs():
    """Gradients accumulate in the engine unless zeroed; the oracle has no state at all."""
    mlp = MLP(2, [3, 2], seed=7)
    x, target = [Value(0.4), Value(-1.2)], [1.0, 0.0]
    for _ in range(3):
        grads = autodiff_gradients(mlp, x, target)
        assert gradients(mlp, x, target) == pytest.approx(grads, rel=1e-9)
        for p, g in zip(mlp.parameters(), grads):
            p.data -= 0.5 * g


@pytest.mark.parametrize(
    "kwargs, index, name",
    [
        ({"activation": "tanh"}, 0, "tanh"),
        ({"activation": "relu"}, 0, "relu"),
        ({"output_activation": "linear"}, 1, "linear"),
    ],
)
def test_non_sigmoid_nn_mlps_are_refused(kwargs, index, name):
    mlp = MLP(2, [3, 1], **kwargs)
    with pytest.raises(ValueError, match=f"layer {index} uses the activation '{name}'"):
        gradients(mlp, [1.0, 2.0], 0.5)


def test_nn_mlp_wrong_input_length_is_refused_like_the_engine():
    mlp = MLP(2, [3, 1])
    with pytest.raises(ValueError, match="x has 1 numbers, but layer 0 expects 2 inputs"):
        gradients(mlp, [1.0], 0.5)
    with pytest.raises(ValueError):
        mlp([1.0])


@settings(max_examples=200, deadline=None)
@given(i_l=finite, w_l=finite, w_r=finite, d=unit)
def test_two_neuron_net_on_the_engine_equals_the_mit_formulas(i_l, w_l, w_r, d):
    left_weight, right_weight = Value(w_l, label="w_l"), Value(w_r, label="w_r")
    o_l = (left_weight * i_l).sigmoid()
    o_r = (right_weight * o_l).sigmoid()
    performance = -0.5 * (d - o_r) ** 2
    performance.backward()
    assert performance.data == pytest.approx(two_neuron_performance(i_l, w_l, w_r, d), rel=1e-12, abs=1e-300)
    dP_dw_l, dP_dw_r = two_neuron_performance_gradients(i_l, w_l, w_r, d)
    assert left_weight.grad == pytest.approx(dP_dw_l, rel=1e-9, abs=1e-300)
    assert right_weight.grad == pytest.approx(dP_dw_r, rel=1e-9, abs=1e-300)
