"""Keras 3's model API beyond fit: validation_freq, compute_output_shape, empty models,
train_on_batch / test_on_batch / predict_on_batch, and Loss(name=)."""
import numpy as np
import pytest

import trainlab as keras
from trainlab import layers, losses


def linear_model(l2=None, metrics=None):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([layers.Dense(1, input_shape=[2], kernel_initializer=keras.initializers.Constant([[0.5],
                              [-1.0]]), bias_initializer=keras.initializers.Constant(0.25),
                              kernel_regularizer=l2)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse", metrics=metrics or [])
    return model


X = np.array([[1.0, 2.0], [3.0, -1.0], [0.0, 1.0]])
Y = np.array([1.0, 0.0, -2.0])


def test_train_on_batch_returns_the_loss_before_the_update_and_applies_one_sgd_step():
    model = linear_model()
    w, b = np.array([0.5, -1.0]), 0.25
    error = X @ w + b - Y                     # [-2.25, 2.75, 1.25]
    loss = model.train_on_batch(X, Y)
    assert isinstance(loss, float) and loss == pytest.approx(np.mean(error ** 2), rel=1e-6)
    grad_w, grad_b = 2 * X.T @ error / 3, 2 * error.sum() / 3
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(kernel.ravel(), w - 0.1 * grad_w, rtol=1e-6)
    np.testing.assert_allclose(bias, [b - 0.1 * grad_b], rtol=1e-6)
    assert model.optimizer.iterations == 1


def test_train_and_test_on_batch_return_lists_and_dicts_as_keras_does():
    model = linear_model(metrics=["mae"])
    values = model.train_on_batch(X, Y)
    assert isinstance(values, list) and len(values) == 2
    logs = model.test_on_batch(X, Y, return_dict=True)
    assert list(logs) == ["loss", "mae"]
    predictions = model.predict_on_batch(X).ravel()
    assert logs["loss"] == pytest.approx(np.mean((predictions - Y) ** 2), rel=1e-6)
    assert logs["mae"] == pytest.approx(np.mean(np.abs(predictions - Y)), rel=1e-6)
    assert model.test_on_batch(X, Y) == pytest.approx([logs["loss"], logs["mae"]])


def test_each_train_on_batch_reports_its_own_batch():
    # Keras 3 resets the metrics at each call (keras-team/keras#22617): nothing carries over.
    model = linear_model(metrics=["mae"])
    model.train_on_batch(X, Y)
    before = model.predict_on_batch(X[:1]).ravel()
    _, mae = model.train_on_batch(X[:1], Y[:1])
    assert mae == pytest.approx(abs(before[0] - Y[0]), rel=1e-6)


def test_test_on_batch_includes_regularization_and_changes_nothing():
    model = linear_model(l2=keras.regularizers.l2(0.5))
    before = model.get_weights()
    loss = model.test_on_batch(X, Y)
    error = X @ np.array([0.5, -1.0]) + 0.25 - Y
    assert loss == pytest.approx(np.mean(error ** 2) + 0.5 * (0.25 + 1.0), rel=1e-6)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_train_on_batch_needs_a_compiled_model():
    model = keras.Sequential([layers.Dense(1, input_shape=[2])])
    with pytest.raises(RuntimeError, match=r"You must compile the model before training it"):
        model.train_on_batch(X, Y)


@pytest.mark.parametrize("freq,validated", [(2, [1, 3, 5]), ([1, 4], [0, 3]), (1, [0, 1, 2, 3, 4, 5])])
def test_validation_freq_validates_the_given_epochs_only(freq, validated):
    model = linear_model()
    seen = []
    original = model.evaluate
    model.evaluate = lambda *a, **k: seen.append(model.epochs_completed) or original(*a, **k)
    history = model.fit(X, Y, epochs=6, validation_data=(X, Y), validation_freq=freq, verbose=0)
    assert seen == validated  # 0-based epochs; Keras counts validation_freq from epoch 1
    assert len(history.history["val_loss"]) == len(validated) and len(history.history["loss"]) == 6


@pytest.mark.parametrize("freq", [0, -1, 1.5, True, "2", [0, 2], [1, "3"]])
def test_bad_validation_freq_is_refused_before_training(freq):
    model = linear_model()
    with pytest.raises(ValueError, match=r"validation_freq must be an integer >= 1 \(validate every n-th epoch\) or a "
                                         r"list of epoch numbers >= 1 \(counting from 1\); got"):
        model.fit(X, Y, epochs=2, validation_data=(X, Y), validation_freq=freq, verbose=0)
    assert model.optimizer.iterations == 0


def test_compute_output_shape_without_building():
    model = keras.Sequential([layers.Flatten(), layers.Dense(7), layers.Dropout(0.5), layers.Dense(3)])
    assert model.compute_output_shape((None, 4, 5)) == (None, 3)
    assert model.compute_output_shape((32, 4, 5)) == (32, 3)
    assert not model.built
    with_input = keras.Sequential([layers.Input((6,)), layers.Dense(2)])
    assert with_input.compute_output_shape((None, 6)) == (None, 2)


@pytest.mark.parametrize("use", [lambda m: m(np.ones((2, 3))), lambda m: m.build((None, 3)),
                                 lambda m: m.predict(np.ones((2, 3))),
                                 lambda m: m.compute_output_shape((None, 3))])
def test_an_empty_sequential_model_raises_as_keras_does(use):
    model = keras.Sequential(name="empty")
    with pytest.raises(ValueError, match=r"Sequential model 'empty' has no layers, so it cannot be built or called: "
                                         r"add layers first"):
        use(model)


def test_loss_name_and_reduction_as_keras_3():
    assert [losses.CategoricalCrossentropy().name, losses.MeanSquaredError().name,
            losses.SparseCategoricalCrossentropy(name="sce").name] == ["categorical_crossentropy",
                                                                         "mean_squared_error", "sce"]
    loss = losses.BinaryCrossentropy(from_logits=True, name="bce")
    assert loss.get_config() == {"name": "bce", "reduction": "sum_over_batch_size", "from_logits": True}
    rebuilt = losses.deserialize(losses.serialize(loss))
    assert rebuilt.name == "bce" and rebuilt.from_logits
    assert losses.MeanSquaredError(reduction="mean").reduction == "mean"


@pytest.mark.parametrize("reduction", ["sum", "none", None])
def test_other_reductions_are_refused(reduction):
    with pytest.raises(ValueError, match=rf"MeanSquaredError reduction={reduction!r} is not supported: trainlab's "
                                         r"losses are the mean over the batch"):
        losses.MeanSquaredError(reduction=reduction)
