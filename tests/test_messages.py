"""Bad arguments get an error that names the argument, the value and what was expected."""

import pytest

from tinygrad_edu import MLP, Value
from tinygrad_edu.optim import Adam
from tinygrad_edu.train import fit
from tinygrad_edu.viz import draw_dot


def test_adam_betas_that_are_not_a_pair():
    with pytest.raises(ValueError, match=r"Adam: betas must be a pair .*got \(0\.9,\)"):
        Adam(MLP(1, [1]).parameters(), betas=(0.9,))


def test_adam_eps_true_is_refused():
    with pytest.raises(ValueError, match="Adam: eps must be a positive finite number, got True"):
        Adam(MLP(1, [1]).parameters(), eps=True)


def test_fit_with_a_model_without_parameters():
    with pytest.raises(TypeError, match=r"fit: model must have a \.parameters\(\) method.*got function"):
        fit(lambda x: Value(1.0), [[1.0]], [1.0], epochs=1, progress=False)


def test_fit_with_a_loss_function_returning_a_float():
    with pytest.raises(TypeError, match="fit: loss_fn must return a Value.*got float 0.5 for sample 0"):
        fit(MLP(1, [1]), [[1.0]], [1.0], loss_fn=lambda out, y: 0.5, epochs=1, progress=False)


@pytest.mark.parametrize(
    ("xs", "ys", "shown"),
    [
        ([[1.0], [float("nan")]], [1.0, 1.0], r"sample 1 \(input \[nan\], target 1\.0\).*nan"),
        ([[1.0], [2.0]], [1.0, "a"], r"sample 1 \(input \[2\.0\], target 'a'\).*'a'"),
    ],
)
def test_fit_names_the_sample_with_a_bad_input_or_target(xs, ys, shown):
    with pytest.raises((TypeError, ValueError), match=shown):
        fit(MLP(1, [1]), xs, ys, epochs=1, progress=False)


def test_a_number_format_that_reads_an_attribute_the_float_lacks():
    with pytest.raises(ValueError, match=r"number_format '\{0\.real\.x\}' cannot format a float.*AttributeError"):
        draw_dot(Value(1.0) * 2, number_format="{0.real.x}")


def test_a_complex_data_set_by_hand_is_named_at_the_next_operation():
    v = Value(1.0)
    v.data = 1j
    with pytest.raises(
        ValueError, match=r"\*: an operand is not a finite number \(1j, 2\.0\): its \.data is 1j where a finite real"
    ):
        v * 2


@pytest.mark.parametrize("seed", ["a", 1.5, True])
def test_mlp_seed_must_be_a_whole_number(seed):
    with pytest.raises(ValueError, match=f"MLP: seed must be a whole number, got {seed!r}"):
        MLP(2, [1], seed=seed)
