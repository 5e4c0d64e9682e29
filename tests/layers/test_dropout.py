"""Dropout, AlphaDropout and the MC variants: scaling, moments, masks, noise shapes, bad rates."""
import json

import numpy as np
import pytest

import trainlab as keras
from trainlab import layers

# SELU constants typed from Klambauer et al. (2017), independent of trainlab.activations.
ALPHA, LAMBDA = 1.6732632423543772848, 1.0507009873554804934


def test_dropout_zeroes_or_scales_by_inverse_keep_probability():
    x = np.random.default_rng(0).uniform(1, 2, size=(50, 40)).astype("float32")
    out = layers.Dropout(0.25, seed=1)(x, training=True)
    assert out.dtype == np.float32
    kept = out != 0
    np.testing.assert_allclose(out[kept], x[kept] / 0.75, rtol=1e-6)
    assert 0.2 < 1 - kept.mean() < 0.3


@pytest.mark.parametrize("cls", [layers.Dropout, layers.AlphaDropout])
def test_identity_at_inference_and_at_rate_zero(cls):
    x = np.random.default_rng(1).normal(size=(6, 5)).astype("float32")
    np.testing.assert_array_equal(cls(0.5)(x, training=False), x)
    np.testing.assert_array_equal(cls(0.5)(x), x)
    np.testing.assert_array_equal(cls(0.0)(x, training=True), x)
    layer = cls(0.5)
    layer(x, training=False)
    np.testing.assert_array_equal(layer.backward(x), x)


def test_dropout_keeps_the_expected_value():
    """E[y] = x. 10⁶ units of x = 1, rate 0.3: the sample mean has standard deviation
    √(p/(1−p)/10⁶) ≈ 6.5e-4, so |mean − 1| < 0.005 fails with probability < 1e-13."""
    out = layers.Dropout(0.3, seed=2)(np.ones((1000, 1000), dtype="float32"), training=True)
    assert abs(out.mean(dtype=np.float64) - 1) < 0.005


@pytest.mark.parametrize("rate", [0.1, 0.2, 0.5])
def test_alpha_dropout_keeps_mean_zero_and_variance_one(rate):
    """Standardized SELU activations, 10⁶ of them: the standard error is 1e-3 for the mean and
    ≈ 1.5e-3 for the variance (measured on 10⁷ samples), so |mean| < 0.01 and |var − 1| < 0.02
    are > 10σ wide, yet plain dropout's variance 1/(1 − rate) misses by ≥ 0.09."""
    rng = np.random.default_rng(3)
    z = rng.normal(size=(1000, 1000))
    selu = LAMBDA * np.where(z > 0, z, ALPHA * np.expm1(z))
    x = ((selu - selu.mean()) / selu.std()).astype("float32")
    out = layers.AlphaDropout(rate, seed=4)(x, training=True).astype(np.float64)
    assert abs(out.mean()) < 0.01
    assert abs(out.var() - 1) < 0.02
    plain = layers.Dropout(rate, seed=4)(x, training=True).astype(np.float64)
    assert abs(plain.var() - 1 / (1 - rate)) < 0.02  # the failure AlphaDropout corrects


def test_alpha_dropout_uses_the_keras_affine_correction():
    rate = 0.2
    alpha_p = -ALPHA * LAMBDA
    a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * rate
    x = np.random.default_rng(5).normal(size=(200, 30))
    layer = layers.AlphaDropout(rate, seed=6, dtype="float64")
    out = layer(x, training=True)
    dropped = np.isclose(out, a * alpha_p + b, rtol=0, atol=1e-12)
    np.testing.assert_allclose(out[~dropped], a * x[~dropped] + b, rtol=1e-12)
    assert 0.15 < dropped.mean() < 0.25
    grad = np.random.default_rng(7).normal(size=x.shape)
    np.testing.assert_allclose(layer.backward(grad), np.where(dropped, 0.0, a * grad), rtol=1e-12)


def test_noise_shape_shares_the_mask_along_size_one_axes():
    x = np.ones((200, 6), dtype="float32")
    out = layers.Dropout(0.5, noise_shape=(None, 1), seed=8)(x, training=True)
    rows_all_dropped, rows_all_kept = (out == 0).all(axis=1), (out == 2).all(axis=1)
    assert np.all(rows_all_dropped | rows_all_kept) and rows_all_dropped.any() and rows_all_kept.any()
    features = layers.Dropout(0.5, noise_shape=(1, 6), seed=9)(x, training=True)
    assert np.all(features == features[0])


@pytest.mark.parametrize("noise_shape,message", [
    ((None,), r"noise_shape \(None,\) has 1 axes but the inputs \(None, 6\) have 2"),
    ((None, 3), r"has 3 on axis 1 where the inputs have 6; use None, 1 or 6"),
])
def test_bad_noise_shape_is_refused_at_build(noise_shape, message):
    with pytest.raises(ValueError, match=message):
        layers.Dropout(0.5, noise_shape=noise_shape).ensure_built((None, 6))


@pytest.mark.parametrize("cls", [layers.Dropout, layers.AlphaDropout, layers.MCDropout, layers.MCAlphaDropout])
@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5])
def test_rate_outside_zero_one_is_refused(cls, rate):
    with pytest.raises(ValueError, match=rf"rate must be in \[0, 1\) .*got {rate}"):
        cls(rate)


@pytest.mark.parametrize("rate", ["0.5", None, True])
def test_non_numeric_rate_is_refused(rate):
    with pytest.raises(TypeError, match="rate must be a number in"):
        layers.Dropout(rate)


def test_same_seed_same_masks_and_config_round_trip():
    x = np.ones((10, 10), dtype="float32")
    first, second = layers.AlphaDropout(0.3, seed=11), layers.AlphaDropout(0.3, seed=11)
    np.testing.assert_array_equal(first(x, training=True), second(x, training=True))
    layer = layers.MCDropout(0.3, noise_shape=(None, 1), seed=12)
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    assert type(rebuilt) is layers.MCDropout and rebuilt.get_config() == layer.get_config()
    assert rebuilt.noise_shape == (None, 1)
    np.testing.assert_array_equal(rebuilt(x), layers.MCDropout(0.3, noise_shape=(None, 1), seed=12)(x))


@pytest.mark.parametrize("cls", [layers.MCDropout, layers.MCAlphaDropout])
def test_mc_layers_drop_at_inference(cls):
    x = np.random.default_rng(13).normal(size=(20, 10)).astype("float32")
    layer = cls(0.5, seed=14)
    first, second = layer(x, training=False), layer(x)
    assert not np.array_equal(first, x) and not np.array_equal(first, second)


class NotesMCDropout(keras.layers.Dropout):
    """The notes' user code, verbatim: ``call`` takes no ``training`` argument."""

    def call(self, inputs):
        return super().call(inputs, training=True)


def test_the_notes_mc_dropout_subclass_works_in_a_model():
    keras.utils.set_random_seed(15)
    model = keras.Sequential([layers.Input((8,)), layers.Dense(16, activation="relu"), NotesMCDropout(rate=0.5),
                              layers.Dense(3, activation="softmax")])
    x = np.random.default_rng(16).normal(size=(12, 8)).astype("float32")
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    model.fit(x, np.arange(12) % 3, epochs=1, verbose=0)
    assert not np.array_equal(model.predict(x), model.predict(x))  # active at inference
    assert not np.array_equal(model(x), model(x, training=False))
    assert NotesMCDropout(0.5)(np.ones((4, 4))).shape == (4, 4)


@pytest.mark.parametrize("noise_shape,message", [
    ("(None, 1)", r"noise_shape must be a tuple or list of integers or None, one per input axis .*got '\(None, 1\)'"),
    (5, r"noise_shape must be a tuple or list .*got 5"),
    ((None, 2.5), r"noise_shape entries must be integers or None; entry 1 of \(None, 2.5\) is 2.5 of type float"),
    ((None, True), r"entry 1 of \(None, True\) is True of type bool"),
    ((0, 6), r"noise_shape entries must be positive \(or None for the input's size\); entry 0 of \(0, 6\) is 0"),
])
def test_malformed_noise_shape_is_refused_at_construction_as_keras_does(noise_shape, message):
    # Keras 3 raises ValueError for each of these (keras/src/layers/regularization/dropout.py).
    with pytest.raises(ValueError, match=message):
        layers.Dropout(0.5, noise_shape=noise_shape)


def test_a_batch_entry_that_does_not_broadcast_is_refused_at_call():
    layer = layers.Dropout(0.5, noise_shape=(4, 6), seed=1)
    assert layer(np.ones((4, 6)), training=True).shape == (4, 6)
    with pytest.raises(ValueError, match=r"noise_shape \(4, 6\) does not broadcast to inputs of shape \(5, 6\); its "
                                         r"batch entry must be None, 1 or 5"):
        layer(np.ones((5, 6)), training=True)


def test_noise_shape_is_a_list_in_the_config_and_comes_back_a_tuple():
    layer = layers.Dropout(0.3, noise_shape=[None, 1], seed=2)
    assert layer.noise_shape == (None, 1) and layer.get_config()["noise_shape"] == [None, 1]
    assert layers.deserialize(layers.serialize(layer)).noise_shape == (None, 1)
