"""The activation protocol: output-only and input-needing backward, user subclasses, Keras'
function signatures, resolution (names, layers as ``activation=``), serialization and errors."""
import json
import warnings

import numpy as np
import pytest

import trainlab as keras
from trainlab import activations, layers
from trainlab.testing import gradcheck


class Cube(activations.Activation):
    """A user activation in the documented two-argument form: f = z³, f' = 3 a^(2/3)."""

    def forward(self, z):
        return z ** 3

    def backward(self, a, grad_a):
        return grad_a * 3 * np.cbrt(a) ** 2


class SoftplusFromInput(activations.Activation):
    """A user activation that declares it needs z: f = ln(1 + e^z), f' = σ(z)."""

    needs_input = True

    def forward(self, z):
        return np.logaddexp(0, z)

    def backward(self, a, grad_a, z):
        return grad_a / (1 + np.exp(-z))


@pytest.mark.parametrize("activation", [Cube(), SoftplusFromInput()], ids=["output-only", "needs-input"])
def test_user_activations_work_in_dense_and_activation_layers(activation):
    x = np.random.default_rng(0).normal(size=(4, 5))
    for layer in (layers.Dense(3, activation=activation, dtype="float64"),
                  layers.Activation(activation, dtype="float64")):
        result = gradcheck.check_layer(layer, x)
        assert result.max_error < 1e-6, (type(layer).__name__, result.errors)


def test_needs_input_activation_receives_the_preactivation():
    seen = {}

    class Spy(SoftplusFromInput):
        def backward(self, a, grad_a, z):
            seen["z"] = z.copy()
            return super().backward(a, grad_a, z)

    layer = layers.Dense(2, activation=Spy(), dtype="float64")
    x = np.array([[1.0, 2.0]])
    layer(x)
    layer.backward(np.ones((1, 2)))
    np.testing.assert_allclose(seen["z"], x @ layer.params["kernel"] + layer.params["bias"])


def test_only_the_configured_relu_needs_its_input():
    assert not activations.relu.needs_input and not activations.ReLU(negative_slope=0.1).needs_input
    assert activations.ReLU(max_value=6.0).needs_input and activations.ReLU(threshold=1.0).needs_input
    assert activations.gelu.needs_input and activations.silu.needs_input and activations.mish.needs_input


@pytest.mark.parametrize("name", ["swish", "silu", "gelu", "mish"])
def test_new_activations_resolve_by_name_and_as_attributes(name):
    assert isinstance(activations.get(name), activations.Activation)
    assert getattr(keras.activations, name) is not None
    model = keras.Sequential([layers.Input((3,)), layers.Dense(4, activation=name), layers.Dense(2)])
    model.compile(loss="mse", optimizer="sgd")
    model.fit(np.ones((8, 3), "float32"), np.zeros((8, 2), "float32"), epochs=1, verbose=0)


def test_swish_is_silu_and_serializes_as_silu():
    assert activations.get("swish").forward(np.array([1.0])) == activations.silu.forward(np.array([1.0]))
    assert activations.serialize(activations.get("swish")) == "silu"
    assert activations.serialize(activations.GELU(approximate=True)) == {"class_name": "GELU",
                                                                         "config": {"approximate": True}}


def test_keras_function_signatures():
    x = np.array([-3.0, -1.0, 0.5, 4.0, 8.0])
    np.testing.assert_array_equal(activations.relu(x, 0.5, 6.0, 1.0), activations.relu(
        x, negative_slope=0.5, max_value=6.0, threshold=1.0))
    np.testing.assert_array_equal(activations.relu(x, max_value=6.0), [0, 0, 0.5, 4, 6])
    np.testing.assert_allclose(activations.leaky_relu(x, negative_slope=0.1), [-0.3, -0.1, 0.5, 4, 8])
    z = np.array([[1.0, 2.0], [3.0, 5.0]])
    np.testing.assert_allclose(activations.softmax(z, axis=0).sum(axis=0), [1, 1])
    assert activations.relu.negative_slope == 0  # a call with arguments leaves the shared instance alone


def test_unknown_function_argument_names_the_accepted_ones():
    with pytest.raises(TypeError, match=r"relu\(x, \.\.\.\) takes negative_slope, max_value, threshold, alpha"):
        activations.relu(np.ones(2), slope=0.1)


def test_lists_and_integers_become_floats():
    assert activations.relu([1, -2]).dtype == np.dtype(keras.backend.floatx())
    assert activations.relu(np.array([1.0, 2.0], np.float64)).dtype == np.float64


def test_tf_keras_2_alpha_is_deprecated_but_works():
    with pytest.warns(DeprecationWarning, match=r"leaky_relu\(alpha=...\) is the tf.keras 2 name; use negative_slope"):
        leaky = activations.LeakyReLU(alpha=0.1)
    assert leaky.negative_slope == 0.1
    with pytest.warns(DeprecationWarning, match="LeakyReLU"):
        layer = layers.LeakyReLU(alpha=0.2)
    assert layer.negative_slope == 0.2
    with pytest.warns(DeprecationWarning):
        np.testing.assert_allclose(activations.relu(np.array([-1.0]), alpha=0.5), [-0.5])


@pytest.mark.parametrize("factory, message", [
    (lambda: activations.LeakyReLU(None), r"leaky_relu negative_slope must be a finite number >= 0.0; got None"),
    (lambda: activations.LeakyReLU(-0.1), r"leaky_relu negative_slope must be a finite number >= 0.0; got -0.1"),
    (lambda: activations.ReLU(max_value=-1), r"relu max_value must be a finite number >= 0.0 or None; got -1"),
    (lambda: activations.ReLU(threshold=None), r"relu threshold must be a finite number >= 0.0; got None"),
    (lambda: activations.ELU(0.0), r"elu alpha must be > 0; got 0.0"),
    (lambda: activations.GELU(approximate="tanh"), r"gelu approximate must be True or False; got 'tanh'"),
    (lambda: activations.Softmax(axis=1.5), r"softmax axis must be an integer; got 1.5"),
])
def test_invalid_hyperparameters_raise_value_error(factory, message):
    with pytest.raises(ValueError, match=message):
        factory()


def test_softmax_axis_out_of_range():
    with pytest.raises(ValueError, match=r"softmax axis 2 is out of range for inputs of shape \(3, 4\)"):
        activations.softmax(np.ones((3, 4)), axis=2)


def test_activation_layer_instance_as_activation_uses_its_function():
    # HOML's idiom: the layer's own function and backward pass, not a refusal.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        dense = layers.Dense(3, activation=layers.LeakyReLU(alpha=0.2), dtype="float64")
    assert isinstance(dense.activation, activations.LeakyReLU) and dense.activation.negative_slope == 0.2
    x = np.array([[-1.0, 2.0]])
    out = dense(x)
    z = x @ dense.params["kernel"]
    np.testing.assert_allclose(out, np.where(z > 0, z, 0.2 * z))
    assert gradcheck.check_layer(dense, np.random.default_rng(3).normal(size=(4, 2))).max_error < 1e-6
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(dense))))
    assert rebuilt.activation.negative_slope == 0.2


@pytest.mark.parametrize("layer", [layers.PReLU(), layers.RReLU(seed=1)], ids=["PReLU", "RReLU"])
def test_layers_with_weights_or_randomness_are_refused_as_activation(layer):
    name = type(layer).__name__
    with pytest.raises(TypeError, match=rf"The {name} layer cannot be used as activation=: .* Add it as a separate "
                                        rf"layer after the Dense layer instead"):
        layers.Dense(3, activation=layer)


def test_plain_function_is_refused_with_the_fix():
    with pytest.raises(TypeError, match=r"is a plain function; trainlab needs an Activation with a backward pass"):
        layers.Dense(3, activation=np.tanh)


def test_unknown_name_lists_the_new_ones():
    with pytest.raises(ValueError, match=r"Unknown activation 'swishh'. Valid activation names: .*gelu.*mish.*swish"):
        activations.get("swishh")


def test_user_activation_without_registration_cannot_be_saved():
    with pytest.raises(ValueError, match="is not a registered activation"):
        activations.serialize(Cube())
