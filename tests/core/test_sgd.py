"""SGD (plain, momentum, Nesterov) against hand-computed 3-step sequences.

The expected values are worked out by hand from the update rules in NUMERICS.md, for
θ₀ = 1.0 and the fixed gradients g = 0.5, −1.0, 2.0, with η = 0.1 and β = 0.9:

plain:    θ₁ = 0.95,  θ₂ = 1.05,  θ₃ = 0.85
momentum: m₁ = −0.05, θ₁ = 0.95; m₂ = −0.045 + 0.1 = 0.055, θ₂ = 1.005;
          m₃ = 0.0495 − 0.2 = −0.1505, θ₃ = 0.8545
Nesterov: θ₁ = 0.95 + 0.9·(−0.05) − 0.05 = 0.905; θ₂ = 0.905 + 0.9·0.055 + 0.1 = 1.0545;
          θ₃ = 1.0545 + 0.9·(−0.1505) − 0.2 = 0.71905
"""
import numpy as np
import pytest

from trainlab import backend, optimizers

GRADIENTS = [0.5, -1.0, 2.0]
EXPECTED = {
    "plain": [0.95, 1.05, 0.85],
    "momentum": [0.95, 1.005, 0.8545],
    "nesterov": [0.905, 1.0545, 0.71905],
}
KWARGS = {"plain": {}, "momentum": {"momentum": 0.9}, "nesterov": {"momentum": 0.9, "nesterov": True}}


@pytest.mark.parametrize("variant", EXPECTED)
def test_three_steps(variant):
    optimizer = optimizers.SGD(learning_rate=0.1, **KWARGS[variant])
    params = {"theta": np.array([1.0])}
    for g, expected in zip(GRADIENTS, EXPECTED[variant]):
        optimizer.update(params, {"theta": np.array([g])})
        assert params["theta"][0] == pytest.approx(expected, abs=1e-12)
    assert optimizer.iterations == 3


def test_float32_stays_float32():
    optimizer = optimizers.SGD(learning_rate=0.1, momentum=0.9)
    params = {"w": np.ones(3, dtype=np.float32)}
    optimizer.update(params, {"w": np.ones(3, dtype=np.float32)})
    assert params["w"].dtype == np.float32 and optimizer.slots("w")["velocity"].dtype == np.float32


def test_learning_rate_is_live():
    optimizer = optimizers.SGD(learning_rate=0.1)
    params = {"w": np.array([0.0])}
    backend.set_value(optimizer.lr, backend.get_value(optimizer.lr) * 0.5)
    optimizer.update(params, {"w": np.array([1.0])})
    assert params["w"][0] == pytest.approx(-0.05)
    optimizer.learning_rate = 0.2
    assert float(optimizer.learning_rate) == 0.2


def test_keras_apply_gradients_form():
    optimizer = optimizers.SGD(learning_rate=0.5)
    variable = np.array([1.0, 2.0])
    optimizer.apply_gradients([(np.array([1.0, 1.0]), variable)])
    assert variable.tolist() == [0.5, 1.5]


@pytest.mark.parametrize("kwargs,error,message", [
    ({"learning_rate": -0.1}, ValueError, "learning_rate must be a finite number > 0; got -0.1"),
    ({"learning_rate": float("nan")}, ValueError, "learning_rate must be a finite number > 0"),
    ({"momentum": 1.0}, ValueError, r"momentum must be in \[0, 1\); got 1.0"),
    ({"momentum": -0.5}, ValueError, r"momentum must be in \[0, 1\); got -0.5"),
    ({"clipnorm": -1}, ValueError, "clipnorm must be a finite number > 0; got -1"),
    ({"clipnorm": 1, "clipvalue": 1}, ValueError, "Use at most one of clipvalue, clipnorm, global_clipnorm"),
    ({"learning_rate": "fast"}, TypeError, "learning_rate must be a real number; got 'fast'"),
])
def test_invalid_hyperparameters(kwargs, error, message):
    with pytest.raises(error, match=message):
        optimizers.SGD(**kwargs)


def test_non_finite_gradient_raises_naming_the_parameter():
    optimizer = optimizers.SGD()
    with pytest.raises(FloatingPointError, match="Non-finite gradient .* for w at step 0"):
        optimizer.update({"w": np.zeros(2)}, {"w": np.array([1.0, np.nan])})


def test_update_refuses_what_is_neither_an_array_nor_a_number():
    with pytest.raises(TypeError, match=r"params\['x'\] must be a floating NumPy array \(updated in place\) or a "
                                        r"number \(replaced in the dict\); got str"):
        optimizers.SGD().update({"x": "1.0"}, {"x": 1.0})
    with pytest.raises(TypeError, match=r"params\['x'\] is a int64 array.*use value.astype\(float\)"):
        optimizers.SGD().update({"x": np.array([1, 2])}, {"x": np.array([1.0, 1.0])})
