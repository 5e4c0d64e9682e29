"""Activation layers: Keras 3's defaults and arguments, pinned with independently computed values."""
import json

import numpy as np
import pytest

import trainlab as keras
from trainlab import layers
from trainlab.testing import gradcheck

X = np.array([[-4.0, -1.0, -0.25, 0.5, 2.0, 7.0]])


def test_default_slopes_and_alphas_are_keras_3s():
    # Layer LeakyReLU: 0.3; function leaky_relu: 0.2; ELU: α = 1 — each value by hand.
    np.testing.assert_allclose(layers.LeakyReLU()(X), [[-1.2, -0.3, -0.075, 0.5, 2.0, 7.0]], rtol=1e-15)
    np.testing.assert_allclose(keras.activations.leaky_relu(X), [[-0.8, -0.2, -0.05, 0.5, 2.0, 7.0]], rtol=1e-15)
    np.testing.assert_allclose(layers.ELU()(X)[0, :2], [np.exp(-4.0) - 1, np.exp(-1.0) - 1], rtol=1e-15)
    np.testing.assert_allclose(keras.activations.elu(X)[0, :2], [np.exp(-4.0) - 1, np.exp(-1.0) - 1], rtol=1e-15)
    assert layers.LeakyReLU().negative_slope == 0.3 and layers.ELU().alpha == 1.0


def test_rrelu_inference_slope_is_the_midpoint_of_its_range():
    # PyTorch: (lower + upper) / 2 with lower = 1/8, upper = 1/3, i.e. 11/48.
    layer = layers.RReLU(seed=0)
    np.testing.assert_allclose(layer(X, training=False), np.where(X > 0, X, X * 11 / 48), rtol=1e-15)
    layer.backward(np.ones_like(X))
    np.testing.assert_allclose(layer.backward(np.ones_like(X)), np.where(X > 0, 1.0, 11 / 48), rtol=1e-15)
    custom = layers.RReLU(lower=0.1, upper=0.3, seed=0)
    np.testing.assert_allclose(custom(np.array([[-1.0]]), training=False), [[-0.2]], rtol=1e-15)


def test_rrelu_training_slopes_are_uniform_on_the_range():
    slopes = -layers.RReLU(seed=1)(-np.ones((200, 50)), training=True)
    assert slopes.min() >= 1 / 8 and slopes.max() <= 1 / 3
    assert slopes.mean() == pytest.approx((1 / 8 + 1 / 3) / 2, abs=0.003)
    assert slopes.std() == pytest.approx((1 / 3 - 1 / 8) / np.sqrt(12), abs=0.003)


def test_leaky_relu_accepts_slope_one_and_refuses_none():
    np.testing.assert_array_equal(layers.LeakyReLU(negative_slope=1)(X), X)
    with pytest.raises(ValueError, match=r"leaky_relu negative_slope must be a finite number >= 0.0; got None"):
        layers.LeakyReLU(negative_slope=None)
    with pytest.raises(ValueError, match=r"got -0.5"):
        layers.LeakyReLU(negative_slope=-0.5)


def test_relu_layer_arguments():
    layer = layers.ReLU(max_value=2.0, negative_slope=0.5, threshold=0.25, dtype="float64")
    np.testing.assert_allclose(layer(X), [[-2.125, -0.625, -0.25, 0.5, 2.0, 2.0]], rtol=1e-15)
    np.testing.assert_array_equal(layers.ReLU()(X), np.maximum(X, 0))
    assert gradcheck.check_layer(layer, np.array([[-3.0, 0.1, 0.9, 1.3, 2.5]])).max_error < 1e-6
    config = json.loads(json.dumps(layers.serialize(layer)))["config"]
    assert (config["max_value"], config["negative_slope"], config["threshold"]) == (2.0, 0.5, 0.25)
    with pytest.raises(ValueError, match=r"relu max_value must be a finite number >= 0.0 or None; got -1"):
        layers.ReLU(max_value=-1)
    with pytest.raises(ValueError, match=r"relu negative_slope must be a finite number >= 0.0; got None"):
        layers.ReLU(negative_slope=None)


def test_softmax_layer_over_an_axis():
    x = np.random.default_rng(0).normal(size=(3, 4, 5))
    out = layers.Softmax(axis=1)(x)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    np.testing.assert_allclose(out, e / e.sum(axis=1, keepdims=True), rtol=1e-14)
    layer = layers.Softmax(axis=1, dtype="float64")
    assert gradcheck.check_layer(layer, x).max_error < 1e-6
    with pytest.raises(ValueError, match=r"Softmax layer .*axis 3 is out of range for inputs of shape \(None, 4, 5\)"):
        keras.Sequential([layers.Input((4, 5)), layers.Softmax(axis=3)])


def test_softmax_layer_at_the_end_trains_like_a_softmax_dense():
    # Dense(3) + Softmax() and Dense(3, softmax) take the same fused cross-entropy path.
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(16, 4)).astype("float32"), rng.integers(0, 3, 16)
    histories = []
    for split in (True, False):
        keras.utils.set_random_seed(3)
        stack = [layers.Dense(3), layers.Softmax()] if split else [layers.Dense(3, activation="softmax")]
        model = keras.Sequential([layers.Input((4,)), *stack])
        model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(0.1))
        assert model._loss_fuses_with_output()
        histories.append(model.fit(x, y, batch_size=4, epochs=2, verbose=0, shuffle=False).history["loss"])
    np.testing.assert_allclose(histories[0], histories[1], rtol=1e-6)


def test_softmax_over_the_batch_axis_is_not_fused_with_the_loss():
    model = keras.Sequential([layers.Input((4,)), layers.Dense(3), layers.Softmax(axis=0)])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    assert not model._loss_fuses_with_output()


def test_prelu_shared_axes():
    layer = layers.PReLU(alpha_initializer=keras.initializers.Constant(0.25), shared_axes=[1, 2], dtype="float64")
    x = np.random.default_rng(2).normal(size=(3, 4, 5, 2))
    out = layer(x)
    assert layer.params["alpha"].shape == (1, 1, 2)
    np.testing.assert_allclose(out, np.where(x > 0, x, 0.25 * x), rtol=1e-15)
    assert gradcheck.check_layer(layers.PReLU(alpha_initializer="random_normal", shared_axes=2, dtype="float64"),
                                 x).max_error < 1e-6
    assert layers.deserialize(json.loads(json.dumps(layers.serialize(layer)))).shared_axes == [1, 2]
    with pytest.raises(ValueError, match=r"shared axis 3 is out of range for inputs of shape \(None, 4, 5\); "
                                         r"use axes 1 to 2 \(0 is the batch\)"):
        keras.Sequential([layers.Input((4, 5)), layers.PReLU(shared_axes=[3])])
    with pytest.raises(ValueError, match=r"PReLU shared_axes must be integers; got \['1'\]"):
        layers.PReLU(shared_axes=["1"])
