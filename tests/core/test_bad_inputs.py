"""Bad inputs refused before any work, and numbers that used to come out silently wrong (issue 11)."""
import numpy as np
import pytest

import trainlab as keras


def small_model(loss="sparse_categorical_crossentropy", metrics=("accuracy",)):
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.layers.Dense(6, activation="relu", input_shape=[4]),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss=loss, metrics=list(metrics))
    return model


def data(n=40):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 4))
    return x, (x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5)


@pytest.mark.parametrize("call", ["fit", "evaluate", "predict"])
def test_complex_x_is_refused_naming_the_fix(call):
    model = small_model()
    x, y = data()
    args = (x + 1j,) if call == "predict" else (x + 1j, y)
    with pytest.raises(TypeError, match=r"x holds complex numbers \(dtype complex128\); trainlab models work on real "
                                        r"numbers, and converting would silently drop the imaginary parts\. Pass "
                                        r"the real part \(np.real\)"):
        getattr(model, call)(*args, verbose=0)


@pytest.mark.parametrize("loss, y", [("sparse_categorical_crossentropy", np.zeros(40) + 0j),
                                     ("mse", np.zeros((40, 3)) + 1j)])
def test_complex_y_is_refused(loss, y):
    model = small_model(loss=loss, metrics=())
    with pytest.raises(TypeError, match=r"y holds complex numbers \(dtype complex128\)"):
        model.fit(data()[0], y, verbose=0)


def test_complex_validation_data_is_refused():
    x, y = data()
    with pytest.raises(TypeError, match="validation x holds complex numbers"):
        small_model().fit(x, y, validation_data=(x.astype(complex), y), verbose=0)


def reference_sparse_ce(labels, probabilities):
    """−mean log p[i, yᵢ] after renormalizing each row, written out by hand."""
    rows = probabilities / probabilities.sum(axis=1, keepdims=True)
    return -np.mean([np.log(rows[i, label]) for i, label in enumerate(labels)])


@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_categorical_crossentropy_squeezes_n_by_1_labels(from_logits):
    labels = np.array([0, 2, 1, 2])
    probabilities = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.6, 0.1], [0.25, 0.25, 0.5]])
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits)
    y_pred = np.log(probabilities) if from_logits else probabilities
    expected = reference_sparse_ce(labels, probabilities)
    for shaped in (labels, labels.reshape(-1, 1), labels.reshape(-1, 1).astype(float)):
        assert loss(shaped, y_pred) == pytest.approx(expected, rel=1e-12)
        np.testing.assert_allclose(loss.gradient(shaped, y_pred), loss.gradient(labels, y_pred), rtol=1e-12)
    # All-correct, confident predictions: the loss is ~0 (the unsqueezed labels gave 32.24 here).
    eye = np.full((4, 4), 1e-7) + np.eye(4)
    assert keras.losses.SparseCategoricalCrossentropy()(np.arange(4).reshape(-1, 1), eye) < 1e-6


@pytest.mark.parametrize("labels, message", [
    (np.zeros((4, 2), int), r"Sparse labels must be integer class indices of shape \(4,\) or \(4, 1\), one per "
                            r"prediction; got shape \(4, 2\)"),
    (np.array([0.5, 1, 2, 0]), "Sparse labels must be whole numbers"),
])
def test_sparse_labels_of_the_wrong_shape_or_values(labels, message):
    with pytest.raises(ValueError, match=message):
        keras.losses.SparseCategoricalCrossentropy()(labels, np.full((4, 3), 1 / 3))


@pytest.mark.parametrize("metric", ["accuracy", keras.metrics.SparseCategoricalAccuracy()], ids=["name", "instance"])
def test_evaluate_from_a_callback_leaves_the_epoch_training_metrics_alone(metric):
    x, y = data()
    plain = small_model(metrics=[metric]).fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False)
    model = small_model(metrics=[metric])
    probe = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: model.evaluate(x[:5], y[:5], verbose=0))
    probed = model.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False, callbacks=[probe])
    name = "accuracy" if metric == "accuracy" else "sparse_categorical_accuracy"
    assert probed.history[name] == plain.history[name]
    assert probed.history["loss"] == plain.history["loss"]
