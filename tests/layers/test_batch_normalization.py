"""BatchNormalization: Keras 3 forward in both modes, the moving-average recurrence, frozen layers,
the notes' two placements, N-D inputs, and every bad-argument message."""
import json

import numpy as np
import pytest

import trainlab as keras
from trainlab import layers
from trainlab.testing import gradcheck

EPSILON = 1e-3  # Keras default


def standardized(x, mean, variance, gamma, beta, epsilon=EPSILON):
    return gamma * (x - mean) / np.sqrt(variance + epsilon) + beta


def float64_layer(**kwargs):
    kwargs.setdefault("gamma_initializer", keras.initializers.RandomNormal(1.0, 0.5, seed=1))
    kwargs.setdefault("beta_initializer", keras.initializers.RandomNormal(0.0, 0.5, seed=2))
    return layers.BatchNormalization(dtype="float64", **kwargs)


def test_training_forward_uses_batch_mean_and_biased_variance():
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(16, 4))
    layer = float64_layer()
    out = layer(x, training=True)
    gamma, beta = layer.params["gamma"], layer.params["beta"]
    expected = standardized(x, x.mean(axis=0), x.var(axis=0, ddof=0), gamma, beta)
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    unbiased = standardized(x, x.mean(axis=0), x.var(axis=0, ddof=1), gamma, beta)
    assert not np.allclose(out, unbiased, rtol=1e-4)


def test_moving_statistics_follow_the_closed_form_recurrence():
    """After K batches: v̂_K = m^K·v̂_0 + (1 − m)·Σ_k m^(K−k)·v_k, for the mean and the biased variance."""
    rng = np.random.default_rng(1)
    momentum, batches = 0.9, [rng.normal(k, 1 + k, size=(8, 3)) for k in range(5)]
    layer = layers.BatchNormalization(momentum=momentum, dtype="float64")
    for batch in batches:
        layer(batch, training=True)
    count = len(batches)
    weights = [(1 - momentum) * momentum ** (count - k) for k in range(1, count + 1)]
    expected_mean = sum(w * b.mean(axis=0) for w, b in zip(weights, batches))  # v̂_0 = 0
    expected_variance = momentum ** count + sum(w * b.var(axis=0) for w, b in zip(weights, batches))  # v̂_0 = 1
    np.testing.assert_allclose(layer.state["moving_mean"], expected_mean, rtol=1e-12)
    np.testing.assert_allclose(layer.state["moving_variance"], expected_variance, rtol=1e-12)


def test_inference_uses_moving_statistics_and_updates_nothing():
    rng = np.random.default_rng(2)
    layer = float64_layer(moving_mean_initializer=keras.initializers.RandomNormal(0.0, 1.0, seed=3),
                          moving_variance_initializer=keras.initializers.RandomUniform(0.5, 2.0, seed=4))
    x = rng.normal(size=(5, 6))
    layer.ensure_built((None, 6))
    before = {k: v.copy() for k, v in layer.state.items()}
    out = layer(x, training=False)
    expected = standardized(x, before["moving_mean"], before["moving_variance"], layer.params["gamma"],
                            layer.params["beta"])
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    assert all(np.array_equal(layer.state[k], before[k]) for k in before)


def test_frozen_layer_runs_in_inference_mode_even_when_training():
    rng = np.random.default_rng(3)
    layer = float64_layer(trainable=False)
    x = rng.normal(2.0, 3.0, size=(8, 4))
    out = layer(x, training=True)
    np.testing.assert_allclose(out, layer(x, training=False), rtol=1e-15)
    np.testing.assert_array_equal(layer.state["moving_mean"], np.zeros(4))
    grad_out = rng.normal(size=out.shape)
    layer.grads["gamma"][...] = 7.0
    grad_in = layer.backward(grad_out)
    np.testing.assert_allclose(grad_in, grad_out * layer.params["gamma"] / np.sqrt(1 + EPSILON), rtol=1e-12)
    assert np.all(layer.grads["gamma"] == 7.0)  # a frozen layer computes no parameter gradients


def test_frozen_batch_normalization_is_unchanged_by_fit():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([layers.Input((6,)), layers.Dense(8, use_bias=False), layers.BatchNormalization(),
                              layers.Activation("relu"), layers.Dense(3, activation="softmax")])
    x = np.random.default_rng(4).normal(size=(64, 6)).astype("float32")
    y = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0)
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(0.1, momentum=0.9))
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)  # gives BN non-trivial weights and statistics
    bn = model.layers[1]
    bn.trainable = False
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(0.1, momentum=0.9))
    frozen = bn.get_weights()
    dense_before = model.layers[0].get_weights()[0]
    model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(frozen, bn.get_weights()))
    assert not np.array_equal(dense_before, model.layers[0].get_weights()[0])  # the layer below still trains


@pytest.mark.parametrize("placement", ["after_activation", "before_activation"])
def test_both_placements_of_the_notes_train(placement):
    keras.utils.set_random_seed(1)
    if placement == "after_activation":
        stack = [layers.Flatten(input_shape=[4, 4]), layers.BatchNormalization(),
                 layers.Dense(30, activation="relu"), layers.BatchNormalization(),
                 layers.Dense(20, activation="relu"), layers.BatchNormalization(),
                 layers.Dense(3, activation="softmax")]
    else:
        stack = [layers.Flatten(input_shape=[4, 4]), layers.BatchNormalization(),
                 layers.Dense(30, use_bias=False), layers.BatchNormalization(), layers.Activation("relu"),
                 layers.Dense(20, use_bias=False), layers.BatchNormalization(), layers.Activation("relu"),
                 layers.Dense(3, activation="softmax")]
    model = keras.Sequential(stack)
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(0.05, momentum=0.9),
                  metrics=["accuracy"])
    rng = np.random.default_rng(5)
    x = rng.normal(5.0, 10.0, size=(300, 4, 4)).astype("float32")  # unscaled inputs: the first BN standardizes
    y = (x[:, 0, 0] > 5).astype(int) + (x[:, 1, 1] > 5)
    history = model.fit(x, y, batch_size=32, epochs=15, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert model.evaluate(x, y, verbose=0)[1] > 0.85
    first_bn = model.layers[1]
    assert first_bn.input_shape == (None, 16)
    # 4 vectors per BN, half of them non-trainable (Keras' summary shows the same split).
    bn_sizes = [bn.count_params() for bn in model.layers if isinstance(bn, layers.BatchNormalization)]
    non_trainable = sum(w.size for w in model.non_trainable_weights)
    assert non_trainable == sum(bn_sizes) // 2
    assert all(w.dtype == np.float32 for w in model.weights)


def test_weights_are_named_and_ordered_as_in_keras():
    layer = layers.BatchNormalization()
    layer.ensure_built((None, 3))
    assert layer.weight_names() == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert set(layer.params) == {"gamma", "beta"} and set(layer.state) == {"moving_mean", "moving_variance"}
    plain = layers.BatchNormalization(center=False, scale=False)
    plain.ensure_built((None, 3))
    assert plain.weight_names() == ["moving_mean", "moving_variance"] and not plain.params


@pytest.mark.parametrize("center,scale", [(True, False), (False, True), (False, False)])
def test_gradients_without_gamma_or_beta(center, scale):
    layer = float64_layer(center=center, scale=scale)
    x = np.random.default_rng(6).normal(size=(7, 3))
    assert gradcheck.check_layer(layer, x, training=True).max_error < 1e-6


@pytest.mark.parametrize("axis", [1, 2, -1])
def test_n_dimensional_inputs_normalize_along_axis(axis):
    x = np.random.default_rng(7).normal(1.0, 2.0, size=(4, 3, 5))
    layer = float64_layer(axis=axis)
    out = layer(x, training=True)
    reduce = tuple(a for a in range(3) if a != axis % 3)
    shape = [1, 1, 1]
    shape[axis % 3] = x.shape[axis]
    gamma, beta = layer.params["gamma"].reshape(shape), layer.params["beta"].reshape(shape)
    expected = standardized(x, x.mean(axis=reduce, keepdims=True), x.var(axis=reduce, keepdims=True), gamma, beta)
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    np.testing.assert_allclose(layer.state["moving_mean"], 0.01 * x.mean(axis=reduce), rtol=1e-12)
    fresh = float64_layer(axis=axis)
    assert gradcheck.check_layer(fresh, x, training=True).max_error < 1e-6


@pytest.mark.parametrize("axis,shape", [(2, (None, 4)), (-3, (None, 4)), (0, (None, 4)), (5, (None, 3, 4))])
def test_axis_out_of_range_is_refused_at_build(axis, shape):
    layer = layers.BatchNormalization(axis=axis)
    with pytest.raises(ValueError, match=rf"axis={axis} is out of range for inputs of shape"):
        layer.ensure_built(shape)


@pytest.mark.parametrize("kwargs,error,message", [
    ({"axis": 1.5}, TypeError, "axis must be an integer"),
    ({"momentum": 1.5}, ValueError, r"momentum must be in \[0, 1\].*got 1.5"),
    ({"momentum": -0.1}, ValueError, r"momentum must be in \[0, 1\]"),
    ({"epsilon": 0.0}, ValueError, "epsilon must be a finite number > 0; got 0.0"),
])
def test_bad_arguments_are_refused(kwargs, error, message):
    with pytest.raises(error, match=message):
        layers.BatchNormalization(**kwargs)


def test_config_round_trip_keeps_every_setting():
    layer = layers.BatchNormalization(axis=1, momentum=0.9, epsilon=1e-5, center=False,
                                      gamma_initializer="he_normal", gamma_regularizer=keras.regularizers.l2(0.1),
                                      gamma_constraint=keras.constraints.max_norm(3.0))
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    assert rebuilt.get_config() == layer.get_config()
    assert (rebuilt.momentum, rebuilt.epsilon, rebuilt.center, rebuilt.axis) == (0.9, 1e-5, False, 1)


def test_gamma_regularizer_shows_in_model_losses():
    model = keras.Sequential([layers.Input((3,)), layers.BatchNormalization(
        gamma_regularizer=keras.regularizers.l2(0.5), beta_initializer="ones", beta_regularizer="l1")])
    assert model.losses == pytest.approx([0.5 * 3, 0.01 * 3])


def test_a_model_with_batch_normalization_and_dropout_saves_and_loads(tmp_path):
    keras.utils.set_random_seed(3)
    model = keras.Sequential([layers.Input((6,)), layers.Dense(8, use_bias=False), layers.BatchNormalization(),
                              layers.Activation("relu"), layers.Dropout(0.3, seed=1), layers.AlphaDropout(0.2),
                              layers.Dense(3, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    x = np.random.default_rng(8).normal(2.0, 3.0, size=(40, 6)).astype("float32")
    model.fit(x, np.arange(40) % 3, epochs=2, verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras")
    assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in model.layers]
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), loaded.get_weights()))
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
