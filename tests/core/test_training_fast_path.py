"""The training loop's fast path: same numbers as a plain reference, and no aliasing of results.

The reference below is written independently of trainlab, straight from the formulas
(forward, softmax + cross-entropy gradient (p − y)/N, backprop, Keras-form momentum), so a
performance change to Dense, the activations, the fused loss or the batch loop that alters the
arithmetic beyond float64 rounding fails here.
"""
import numpy as np
import pytest

import trainlab as keras
from trainlab import backend, layers


@pytest.fixture
def float64():
    previous = backend.floatx()
    backend.set_floatx("float64")
    yield
    backend.set_floatx(previous)


def reference_fit(weights, x, y, batch_size, epochs, lr, momentum, hidden, output, loss):
    """Plain NumPy training of Dense stacks: ``hidden`` activation inside, ``output``/``loss`` at the end."""
    weights = [w.copy() for w in weights]
    velocity = [np.zeros_like(w) for w in weights]
    n, losses = len(x), []
    act = {"relu": (lambda z: np.maximum(z, 0), lambda a: (a > 0).astype(a.dtype)),
           "tanh": (np.tanh, lambda a: 1 - a * a)}[hidden]
    for _ in range(epochs):
        total = 0.0
        for start in range(0, n, batch_size):
            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            m = len(xb)
            inputs, outputs = [], []
            a = xb
            for index in range(0, len(weights), 2):
                inputs.append(a)
                z = a @ weights[index] + weights[index + 1]
                last = index == len(weights) - 2
                if not last:
                    a = act[0](z)
                elif output == "softmax":
                    e = np.exp(z - z.max(axis=1, keepdims=True))
                    a = e / e.sum(axis=1, keepdims=True)
                else:
                    a = z
                outputs.append(a)
            if loss == "sparse_categorical_crossentropy":
                total += -np.log(a[np.arange(m), yb]).sum()
                delta = a.copy()
                delta[np.arange(m), yb] -= 1
                delta /= m
            else:  # mean squared error on a linear output
                total += ((a - yb) ** 2).mean(axis=1).sum()
                delta = 2 * (a - yb) / a.size
            grads = [None] * len(weights)
            for index in range(len(weights) - 2, -1, -2):
                grads[index] = inputs[index // 2].T @ delta
                grads[index + 1] = delta.sum(axis=0)
                if index:
                    delta = (delta @ weights[index].T) * act[1](outputs[index // 2 - 1])
            for w, v, g in zip(weights, velocity, grads):
                v *= momentum
                v -= lr * g
                w += v
        losses.append(total / n)
    return weights, losses


@pytest.mark.parametrize("hidden, output, loss, units", [
    ("relu", "softmax", "sparse_categorical_crossentropy", 3),  # the fused softmax + CE path
    ("tanh", None, "mean_squared_error", 2),                     # the generic path
])
def test_training_matches_an_independent_reference_in_float64(float64, hidden, output, loss, units):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(23, 6))  # 23 = 5 batches of 4 and a partial batch of 3
    y = rng.integers(0, 3, size=23) if units == 3 else rng.normal(size=(23, units))
    keras.utils.set_random_seed(11)
    model = keras.Sequential([layers.Input((6,)), layers.Dense(5, activation=hidden),
                              layers.Dense(4, activation=hidden), layers.Dense(units, activation=output)])
    model.compile(loss=loss, optimizer=keras.optimizers.SGD(0.1, momentum=0.9))
    initial = model.get_weights()
    history = model.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0)
    expected, expected_losses = reference_fit(initial, x, y, 4, 3, 0.1, 0.9, hidden, output, loss)
    for got, want in zip(model.get_weights(), expected):
        assert got.dtype == np.float64
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(history.history["loss"], expected_losses, rtol=1e-12)


def reference_model(seed=5):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([layers.Input((6,)), layers.Dense(7, activation="relu"),
                              layers.Dense(3, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(0.1, momentum=0.9),
                  metrics=["accuracy"])
    return model


def test_repeated_calls_return_fresh_arrays_that_training_never_overwrites():
    # The notes stack 100 calls of model(X, training=True); each result must stay as it was returned.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 6)).astype("float32")
    y = rng.integers(0, 3, size=8)
    model = reference_model()
    calls = [model(x, training=True) for _ in range(3)]
    snapshots = [c.copy() for c in calls]
    predicted = model.predict(x)
    predicted_copy = predicted.copy()
    model.fit(x, y, batch_size=4, epochs=2, verbose=0)  # batch shape 4 = a different shape, then 8
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)  # the same shape as the calls above
    after = model(x, training=True)
    for call, snapshot in zip(calls, snapshots):
        np.testing.assert_array_equal(call, snapshot)
    np.testing.assert_array_equal(predicted, predicted_copy)
    assert not np.shares_memory(after, calls[-1])
    again = model(x, training=True)
    assert not np.shares_memory(after, again)


def test_fit_leaves_the_callers_data_untouched():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(10, 6)).astype("float32")
    y = rng.integers(0, 3, size=10)
    x_copy, y_copy = x.copy(), y.copy()
    reference_model().fit(x, y, batch_size=3, epochs=2, verbose=0)
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(y, y_copy)


def test_dense_backward_never_mutates_grad_out():
    rng = np.random.default_rng(2)
    for activation in ("relu", "linear", "tanh", "sigmoid", "elu", "selu", "leaky_relu", "softmax"):
        layer = layers.Dense(4, activation=activation)
        layer(rng.normal(size=(5, 3)).astype("float32"), training=True)
        grad_out = rng.normal(size=(5, 4)).astype("float32")
        kept = grad_out.copy()
        layer.backward(grad_out)
        layer.backward_from_preactivation(grad_out)
        np.testing.assert_array_equal(grad_out, kept, err_msg=activation)


def test_float32_training_stays_float32():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(9, 6)).astype("float32")
    y = rng.integers(0, 3, size=9)
    model = reference_model()
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    for layer in model.layers:
        for name in layer.params:
            assert layer.params[name].dtype == np.float32, name
            assert layer.grads[name].dtype == np.float32, name
    assert model(x, training=True).dtype == np.float32


@pytest.mark.parametrize("shape", [(5, 10), (2, 3, 4), (7,)])
def test_row_reductions_equal_numpys(shape):
    from trainlab.activations import row_max, row_sum

    z = np.random.default_rng(5).normal(size=shape)
    np.testing.assert_array_equal(row_max(z), z.max(axis=-1, keepdims=True))
    np.testing.assert_allclose(row_sum(z), z.sum(axis=-1, keepdims=True), rtol=1e-14, atol=1e-15)
    z.flat[1] = np.nan
    assert np.isnan(row_max(z).flat[0])


@pytest.mark.parametrize("name, activation", [("sparse_categorical_crossentropy", "softmax"),
                                              ("categorical_crossentropy", "softmax"),
                                              ("binary_crossentropy", "sigmoid")])
def test_fused_loss_from_given_probabilities_equals_the_logit_form(name, activation):
    rng = np.random.default_rng(6)
    logits = rng.normal(size=(6, 4)) * 3
    if name == "sparse_categorical_crossentropy":
        y = rng.integers(0, 4, size=6)
    elif name == "categorical_crossentropy":
        y = rng.dirichlet(np.ones(4), size=6)
    else:
        y = rng.integers(0, 2, size=(6, 4)).astype(float)
    loss = keras.losses.get(name)
    probabilities = keras.activations.get(activation)(logits)
    kept = probabilities.copy()
    value, grad = loss.value_and_logit_gradient(y, logits)
    value_p, grad_p = loss.value_and_logit_gradient(y, logits, probabilities=probabilities)
    assert value_p == pytest.approx(value, rel=1e-13)
    np.testing.assert_allclose(grad_p, grad, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(probabilities, kept)  # the caller's output is never overwritten


@pytest.mark.parametrize("name", ["sparse_categorical_crossentropy", "categorical_crossentropy"])
def test_underflowed_probabilities_fall_back_to_the_stable_logit_form(name):
    logits = np.array([[0.0, 200.0, -200.0], [1.0, 2.0, 3.0]], dtype=np.float32)
    y = np.array([2, 0]) if name.startswith("sparse") else np.array([[0, 0, 1], [1, 0, 0]], dtype=np.float32)
    probabilities = keras.activations.softmax(logits)
    assert probabilities[0, 2] == 0  # e^-400 underflows: log p would be -inf
    value, grad = keras.losses.get(name).value_and_logit_gradient(y, logits, probabilities=probabilities)
    # −log softmax(z)_label by hand, in float64: row 0 ≈ 400, row 1 = log Σe^z − 1
    expected = (400.0 + np.log1p(np.exp(-200.0)) + np.log(np.exp([1.0, 2.0, 3.0]).sum()) - 1.0) / 2
    assert value == pytest.approx(expected, rel=1e-6)
    assert np.isfinite(grad).all() and grad.dtype == np.float32
