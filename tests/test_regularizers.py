"""l1, l2, l1_l2: Keras penalties (no ½) and gradients, their place in the training step,
``model.losses``, the reported loss, and the notes' ``functools.partial(Dense, ...)``."""
import json
from functools import partial

import numpy as np
import pytest

import trainlab as keras
from trainlab import layers, regularizers
from trainlab.regularizers import l1, l1_l2, l2
from trainlab.testing.gradcheck import numeric_gradient


def weights(seed=0, shape=(5, 4)):
    w = np.random.default_rng(seed).normal(size=shape)
    return np.where(np.abs(w) < 1e-3, 0.1, w)  # off the kink of |w|, so differences are valid


@pytest.mark.parametrize("regularizer,penalty,gradient", [
    (l1(0.03), lambda w: 0.03 * np.abs(w).sum(), lambda w: 0.03 * np.sign(w)),
    (l2(0.03), lambda w: 0.03 * (w ** 2).sum(), lambda w: 0.06 * w),
    (l1_l2(0.02, 0.05), lambda w: 0.02 * np.abs(w).sum() + 0.05 * (w ** 2).sum(),
     lambda w: 0.02 * np.sign(w) + 0.1 * w),
], ids=["l1", "l2", "l1_l2"])
def test_penalty_and_gradient_match_closed_forms_and_finite_differences(regularizer, penalty, gradient):
    w = weights()
    assert regularizer(w) == pytest.approx(penalty(w), rel=1e-12)
    np.testing.assert_allclose(regularizer.gradient(w), gradient(w), rtol=1e-12)
    numeric = numeric_gradient(lambda: regularizer(w), w)
    np.testing.assert_allclose(regularizer.gradient(w), numeric, rtol=1e-6, atol=1e-9)


def test_l2_has_no_half():
    assert l2(0.5)(np.array([2.0])) == 2.0  # 0.5·2², not 0.5·½·2²


def test_gradient_keeps_float32_and_is_zero_at_zero_for_l1():
    w = np.array([-1.0, 0.0, 2.0], dtype=np.float32)
    grad = l1_l2(0.1, 0.1).gradient(w)
    assert grad.dtype == np.float32
    np.testing.assert_allclose(grad, [-0.1 - 0.2, 0.0, 0.1 + 0.4], rtol=1e-6)


def test_defaults_names_and_round_trip():
    # Keras 3: l1_l2 is the L1L2 class, whose factors default to 0 (tf.keras 2's function had 0.01).
    assert l1().l1 == 0.01 and l2().l2 == 0.01 and (l1_l2().l1, l1_l2().l2) == (0.0, 0.0)
    assert regularizers.get("l1l2") is not None and type(regularizers.get("l1l2")) is regularizers.L1L2
    assert regularizers.serialize(regularizers.get("l1l2"))["class_name"] == "L1L2"
    assert isinstance(regularizers.get("l2"), regularizers.L2) and regularizers.get("l1").l1 == 0.01
    for regularizer in (l1(0.2), l2(0.3), l1_l2(0.1, 0.4)):
        rebuilt = regularizers.deserialize(json.loads(json.dumps(regularizers.serialize(regularizer))))
        assert type(rebuilt) is type(regularizer) and rebuilt.get_config() == regularizer.get_config()
    assert regularizers.L1L2(l1=None, l2=0.1)(np.array([3.0])) == pytest.approx(0.9)


@pytest.mark.parametrize("factory,value,error,message", [
    (l1, -0.01, ValueError, "factor l1 must be a finite number >= 0; got -0.01"),
    (l2, float("nan"), ValueError, "factor l2 must be a finite number >= 0; got nan"),
    (l2, "0.1", TypeError, "factor l2 must be a number >= 0; got '0.1'"),
])
def test_bad_factors_are_refused(factory, value, error, message):
    with pytest.raises(error, match=message):
        factory(value)


def regularized_model(seed=0, kernel=l2(0.1), bias=None, trainable=True):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([layers.Input((3,)),
                              layers.Dense(4, activation="tanh", kernel_regularizer=kernel, bias_regularizer=bias,
                                           bias_initializer="ones", trainable=trainable),
                              layers.Dense(2, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(0.1))
    return model


def data():
    x = np.random.default_rng(1).normal(size=(8, 3)).astype("float32")
    return x, (x[:, 0] > 0).astype(int)


def test_model_losses_lists_one_penalty_per_regularized_trainable_weight():
    model = regularized_model(kernel=l2(0.1), bias=l1(0.5))
    kernel = model.layers[0].params["kernel"]
    assert model.losses == pytest.approx([0.1 * float((kernel.astype(np.float64) ** 2).sum()), 0.5 * 4])
    assert regularized_model(trainable=False).losses == []


def test_reported_loss_includes_penalties_and_the_update_includes_their_gradient():
    x, y = data()
    model, plain = regularized_model(kernel=l2(0.1)), regularized_model(kernel=None)
    plain.set_weights(model.get_weights())
    w0 = model.layers[0].params["kernel"].copy()
    penalty = 0.1 * float((w0.astype(np.float64) ** 2).sum())
    assert model.evaluate(x, y, verbose=0) == pytest.approx(plain.evaluate(x, y, verbose=0) + penalty, rel=1e-6)
    reg_loss = model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0).history["loss"][0]
    plain_loss = plain.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0).history["loss"][0]
    assert reg_loss == pytest.approx(plain_loss + penalty, rel=1e-6)
    # Same data gradient at the same start, so the only difference is −lr·2l·w0.
    difference = model.layers[0].params["kernel"] - plain.layers[0].params["kernel"]
    np.testing.assert_allclose(difference, -0.1 * 2 * 0.1 * w0, rtol=1e-4, atol=1e-7)


def test_the_notes_partial_dense_pattern():
    RegularizedDense = partial(layers.Dense, activation="elu", kernel_initializer="he_normal",
                               kernel_regularizer=l2(0.01))
    keras.utils.set_random_seed(2)
    model = keras.Sequential([
        layers.Flatten(input_shape=[28, 28]),
        RegularizedDense(300),
        RegularizedDense(100),
        RegularizedDense(10, activation="softmax", kernel_initializer="glorot_uniform"),
    ])
    hidden, _, output = model.layers[1:]
    assert keras.activations.serialize(hidden.activation) == "elu"
    assert type(hidden.kernel_initializer).__name__ == "HeNormal"
    assert type(output.kernel_initializer).__name__ == "GlorotUniform"
    assert len(model.losses) == 3 and all(p > 0 for p in model.losses)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    x = np.random.default_rng(3).uniform(size=(16, 28, 28)).astype("float32")
    penalties = sum(model.losses)
    history = model.fit(x, np.arange(16) % 10, batch_size=16, epochs=1, verbose=0)
    assert history.history["loss"][0] > penalties  # data loss + the penalties of the three kernels
    rebuilt = keras.Sequential.from_config(json.loads(json.dumps(model.get_config())))
    assert rebuilt.layers[1].get_config()["kernel_regularizer"] == {"class_name": "L2", "config": {"l2": 0.01}}
