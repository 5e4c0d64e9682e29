"""trainlab.dlfs against an independent implementation of the book's formulas (DLFS ch. 6).

The reference rules below are written from the formulas of ``common/optimizer.py`` as pure
functions of (parameter, gradient, state) returning new values, not as in-place updates, so a
slip in the library's in-place arithmetic or state handling cannot be mirrored here.
"""
import math

import numpy as np
import pytest

from trainlab import dlfs, optimizers

EPS = 1e-7


def ref_sgd(lr=0.01):
    return lambda p, g, s, t: (p - lr * g, s)


def ref_momentum(lr=0.01, mu=0.9):
    def rule(p, g, s, t):
        v = mu * s.get("v", 0 * p) - lr * g
        return p + v, {"v": v}
    return rule


def ref_nesterov(lr=0.01, mu=0.9):
    def rule(p, g, s, t):
        v = mu * s.get("v", 0 * p) - lr * g
        return p + mu * mu * v - (1 + mu) * lr * g, {"v": v}
    return rule


def ref_adagrad(lr=0.01):
    def rule(p, g, s, t):
        h = s.get("h", 0 * p) + g * g
        return p - lr * g / (np.sqrt(h) + EPS), {"h": h}
    return rule


def ref_rmsprop(lr=0.01, rho=0.99):
    def rule(p, g, s, t):
        h = rho * s.get("h", 0 * p) + (1 - rho) * g * g
        return p - lr * g / (np.sqrt(h) + EPS), {"h": h}
    return rule


def ref_adam(lr=0.001, b1=0.9, b2=0.999):
    def rule(p, g, s, t):
        m = s.get("m", 0 * p) + (1 - b1) * (g - s.get("m", 0 * p))
        v = s.get("v", 0 * p) + (1 - b2) * (g * g - s.get("v", 0 * p))
        step = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        return p - step * m / (np.sqrt(v) + EPS), {"m": m, "v": v}
    return rule


def df(x, y):  # f(x, y) = x²/20 + y²
    return x / 10.0, 2.0 * y


# The learning rates of the book's optimizer_compare_naive.py (plus Nesterov and RMSprop).
PATH_CASES = {
    "SGD": (lambda: dlfs.SGD(lr=0.95), ref_sgd(0.95)),
    "Momentum": (lambda: dlfs.Momentum(lr=0.1), ref_momentum(0.1)),
    "Nesterov": (lambda: dlfs.Nesterov(lr=0.1), ref_nesterov(0.1)),
    "AdaGrad": (lambda: dlfs.AdaGrad(lr=1.5), ref_adagrad(1.5)),
    "RMSprop": (lambda: dlfs.RMSprop(lr=0.3), ref_rmsprop(0.3)),
    "Adam": (lambda: dlfs.Adam(lr=0.3), ref_adam(0.3)),
}


def reference_path(rule, steps=30):
    x, y, sx, sy, path = -7.0, 2.0, {}, {}, []
    for t in range(1, steps + 1):
        path.append((x, y))
        gx, gy = df(x, y)
        x, sx = rule(x, gx, sx, t)
        y, sy = rule(y, gy, sy, t)
    return np.array(path)


@pytest.mark.parametrize("name", PATH_CASES)
def test_the_books_naive_comparison_with_python_floats_draws_the_reference_path(name):
    make, rule = PATH_CASES[name]
    optimizer = make()
    params, grads, x_history, y_history = {"x": -7.0, "y": 2.0}, {"x": 0, "y": 0}, [], []
    for _ in range(30):  # the book's loop, verbatim in structure
        x_history.append(params["x"])
        y_history.append(params["y"])
        grads["x"], grads["y"] = df(params["x"], params["y"])
        optimizer.update(params, grads)
    path = np.column_stack([x_history, y_history])
    np.testing.assert_allclose(path, reference_path(rule), rtol=1e-12, atol=1e-12)
    assert len({round(x, 12) for x in x_history}) == 30  # a real path, not one point repeated
    assert isinstance(params["x"], float)


@pytest.mark.parametrize("name", PATH_CASES)
def test_arrays_are_updated_in_place_along_the_same_path(name):
    make, rule = PATH_CASES[name]
    optimizer = make()
    position = np.array([-7.0, 2.0])
    params = {"p": position}
    for _ in range(30):
        optimizer.update(params, {"p": np.array(df(*params["p"]))})
    assert params["p"] is position
    expected = reference_path(rule, 31)[-1]
    np.testing.assert_allclose(position, expected, rtol=1e-12, atol=1e-12)


# -- a small MNIST-style network -----------------------------------------------------------------
def network(seed=0, sizes=(64, 20, 20, 10)):
    rng = np.random.default_rng(seed)
    params = {}
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]), start=1):
        params[f"W{i}"] = rng.normal(0, math.sqrt(2 / n_in), (n_in, n_out))  # He init, as the book's ReLU nets
        params[f"b{i}"] = np.zeros(n_out)
    x = rng.normal(size=(256, sizes[0]))
    t = rng.integers(0, sizes[-1], 256)
    return params, x, t


def loss_and_grads(params, x, t):
    """Softmax cross-entropy of a ReLU MLP, backpropagated by hand."""
    layers = len(params) // 2
    activations, h = [x], x
    for i in range(1, layers + 1):
        z = h @ params[f"W{i}"] + params[f"b{i}"]
        h = np.maximum(z, 0) if i < layers else z
        activations.append(h)
    z = activations[-1] - activations[-1].max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    n = len(x)
    loss = -np.log(p[np.arange(n), t]).mean()
    delta = p.copy()
    delta[np.arange(n), t] -= 1
    delta /= n
    grads = {}
    for i in range(layers, 0, -1):
        grads[f"W{i}"] = activations[i - 1].T @ delta
        grads[f"b{i}"] = delta.sum(axis=0)
        if i > 1:
            delta = (delta @ params[f"W{i}"].T) * (activations[i - 1] > 0)
    return loss, grads


def train(update, params, x, t, steps, batch=32, seed=1):
    rng = np.random.default_rng(seed)
    losses = []
    for _ in range(steps):
        index = rng.choice(len(x), batch)
        loss, grads = loss_and_grads(params, x[index], t[index])
        losses.append(loss)
        update(params, grads)
    return np.array(losses)


def reference_update(rule):
    states, counter = {}, [0]

    def update(params, grads):
        counter[0] += 1
        for key in params:
            params[key], states[key] = rule(params[key], grads[key], states.get(key, {}), counter[0])
    return update


NETWORK_CASES = {
    "SGD": (lambda: dlfs.SGD(), ref_sgd()),
    "Momentum": (lambda: dlfs.Momentum(), ref_momentum()),
    "Nesterov": (lambda: dlfs.Nesterov(), ref_nesterov()),
    "AdaGrad": (lambda: dlfs.AdaGrad(), ref_adagrad()),
    "RMSprop": (lambda: dlfs.RMSprop(), ref_rmsprop()),
    "Adam": (lambda: dlfs.Adam(), ref_adam()),
}


@pytest.mark.parametrize("name", NETWORK_CASES)
def test_book_classes_match_the_formulas_on_an_mnist_style_network(name):
    make, rule = NETWORK_CASES[name]
    params, x, t = network()
    reference = {k: v.copy() for k, v in params.items()}
    arrays = dict(params)
    losses = train(make().update, params, x, t, 200)
    expected = train(reference_update(rule), reference, x, t, 200)
    np.testing.assert_allclose(losses, expected, rtol=1e-12)
    for key in params:
        assert params[key] is arrays[key]  # the network's own arrays were updated
        np.testing.assert_allclose(params[key], reference[key], rtol=1e-12, atol=1e-14)
    assert losses[-20:].mean() < losses[:20].mean()


@pytest.mark.parametrize("keras_optimizer,rule", [
    (lambda: optimizers.SGD(learning_rate=0.01), ref_sgd(0.01)),
    (lambda: optimizers.SGD(learning_rate=0.01, momentum=0.9), ref_momentum(0.01, 0.9)),
    (lambda: optimizers.Adam(learning_rate=0.001), ref_adam(0.001)),
], ids=["SGD", "Momentum", "Adam"])
def test_keras_sgd_momentum_and_adam_keep_the_books_2000_step_curves(keras_optimizer, rule):
    # The book's optimizer_compare_mnist.py runs 2,000 steps; Keras' rules are the book's rules for these three.
    params, x, t = network(seed=3)
    reference = {k: v.copy() for k, v in params.items()}
    curve = train(keras_optimizer().update, params, x, t, 2000)
    expected = train(reference_update(rule), reference, x, t, 2000)
    # Bit for bit, as measured when issue 12 was filed: the same operations in the same order.
    assert np.array_equal(curve, expected)
    assert all(np.array_equal(params[key], reference[key]) for key in params)


def test_defaults_and_argument_names_are_the_books():
    assert dlfs.SGD().lr == 0.01
    assert (dlfs.Momentum().lr, dlfs.Momentum().momentum) == (0.01, 0.9)
    assert (dlfs.Nesterov().lr, dlfs.Nesterov().momentum) == (0.01, 0.9)
    assert dlfs.AdaGrad().lr == 0.01
    assert (dlfs.RMSprop().lr, dlfs.RMSprop().decay_rate) == (0.01, 0.99)
    assert (dlfs.Adam().lr, dlfs.Adam().beta1, dlfs.Adam().beta2) == (0.001, 0.9, 0.999)
    assert repr(dlfs.RMSprop(lr=0.1)) == "RMSprop(lr=0.1, decay_rate=0.99)"


def test_adagrad_accumulator_starts_at_zero_with_epsilon_outside_the_root():
    optimizer = dlfs.AdaGrad(lr=1.0)
    params = {"w": np.array([1.0])}
    optimizer.update(params, {"w": np.array([2.0])})
    # h = 4, step = 1·2/(√4 + 1e-7); Keras' Adagrad would give h = 4.1 and 2/√(4.1 + 1e-7)
    assert params["w"][0] == 1.0 - 2.0 / (2.0 + 1e-7)
    assert optimizer.state("w")["accumulator"].tolist() == [4.0]


def test_state_is_kept_per_key_and_typed_like_the_parameter():
    optimizer = dlfs.Momentum()
    params = {"w": np.ones(3, dtype=np.float32), "s": 2.0}
    optimizer.update(params, {"w": np.ones(3), "s": 1.0})
    assert optimizer.state("w")["velocity"].dtype == np.float32 and params["w"].dtype == np.float32
    assert optimizer.state("s")["velocity"].shape == ()


@pytest.mark.parametrize("params,grads,error,message", [
    ({"x": 1.0}, {"y": 1.0}, ValueError, r"params and grads must have the same keys; mismatched: \['x', 'y'\]"),
    ({"w": np.ones(3)}, {"w": np.ones(2)}, ValueError,
     r"grads\['w'\] has shape \(2,\) but params\['w'\] has shape \(3,\); each gradient must have its parameter's"),
    ({"w": np.ones(3, dtype=int)}, {"w": np.ones(3)}, TypeError,
     r"params\['w'\] is a int64 array; it is updated in place, so it must be a floating array: use "
     r"value.astype\(float\)"),
    ({"w": "1.0"}, {"w": 1.0}, TypeError, r"params\['w'\] must be a floating NumPy array .* got str"),
    ({"a": np.ones(2), "w": 1.0}, {"a": np.ones(2), "w": float("nan")}, FloatingPointError,
     r"grads\['w'\] holds NaN or infinity"),
])
def test_bad_inputs_are_refused_before_anything_changes(params, grads, error, message):
    before = {k: np.copy(v) for k, v in params.items()}
    with pytest.raises(error, match=message):
        dlfs.Momentum().update(params, grads)
    assert all(np.array_equal(np.asarray(params[k]), before[k]) for k in params)


@pytest.mark.parametrize("build,error,message", [
    (lambda: dlfs.SGD(lr=0), ValueError, r"lr must be a finite number > 0; got 0.0"),
    (lambda: dlfs.Momentum(momentum=1.0), ValueError, r"momentum must be in \[0, 1\); got 1.0"),
    (lambda: dlfs.RMSprop(decay_rate=-0.1), ValueError, r"decay_rate must be in \[0, 1\); got -0.1"),
    (lambda: dlfs.Adam(beta2="0.9"), TypeError, r"beta2 must be a number; got '0.9' of type str"),
])
def test_bad_hyperparameters_are_refused(build, error, message):
    with pytest.raises(error, match=message):
        build()
