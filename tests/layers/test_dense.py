"""Dense: N-D inputs on the last axis, a reassignable activation, and its errors."""
import numpy as np
import pytest

import trainlab as keras
from trainlab import layers
from trainlab.testing import gradcheck


def test_dense_on_nd_inputs_acts_on_the_last_axis():
    rng = np.random.default_rng(0)
    layer = layers.Dense(3, activation="tanh", dtype="float64")
    x = rng.normal(size=(2, 4, 5))
    out = layer(x)
    assert out.shape == (2, 4, 3) and layer.compute_output_shape((None, 4, 5)) == (None, 4, 3)
    expected = np.tanh(x @ layer.params["kernel"] + layer.params["bias"])
    np.testing.assert_allclose(out, expected, rtol=1e-14)
    result = gradcheck.check_layer(layers.Dense(3, activation="selu", dtype="float64"), x)
    assert result.max_error < 1e-6, result.errors


def test_dense_nd_in_a_model_trains():
    model = keras.Sequential([layers.Input((4, 5)), layers.Dense(6, activation="relu"), layers.Flatten(),
                              layers.Dense(2)])
    assert model.output_shape == (None, 2)
    model.compile(loss="mse", optimizer="sgd")
    history = model.fit(np.ones((8, 4, 5), "float32"), np.zeros((8, 2), "float32"), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_activation_can_be_set_to_none_after_construction():
    layer = layers.Dense(2, activation="relu", dtype="float64")
    layer.activation = None
    x = np.array([[-3.0, 1.0]])
    np.testing.assert_allclose(layer(x), x @ layer.params["kernel"] + layer.params["bias"])
    assert layer.get_config()["activation"] == "linear"
    layer.activation = "elu"
    assert layer.get_config()["activation"] == "elu"


def test_dense_needs_a_features_axis():
    with pytest.raises(ValueError, match=r"Dense layer 'd' expects inputs of shape \(batch, \.\.\., features\); "
                                         r"got shape \(None,\)"):
        layers.Dense(2, name="d").ensure_built((None,))
