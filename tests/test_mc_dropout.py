"""Monte Carlo dropout: the notes' stacking, ``predict(mc_samples=N)``, ``mc_predict``, and the
BatchNormalization trap (MC sampling must leave BN in inference mode)."""
import numpy as np
import pytest

import trainlab as keras
from trainlab import layers
from trainlab.uncertainty import mc_predict, mc_sampling


def dropout_model(seed=0, batch_norm=False, rate=0.5):
    keras.utils.set_random_seed(seed)
    stack = [layers.Input((6,)), layers.Dense(16, activation="relu")]
    if batch_norm:
        stack.append(layers.BatchNormalization())
    stack += [layers.Dropout(rate, seed=seed), layers.Dense(3, activation="softmax")]
    return keras.Sequential(stack)


def inputs(n=10, seed=1):
    return np.random.default_rng(seed).normal(size=(n, 6)).astype("float32")


def test_the_notes_stacking_of_training_mode_calls():
    model, x = dropout_model(), inputs()
    y_probas = np.stack([model(x, training=True) for sample in range(100)])
    assert y_probas.shape == (100, 10, 3)
    assert len({y.tobytes() for y in y_probas}) == 100  # each call returned a fresh, different array
    np.testing.assert_allclose(y_probas.mean(axis=0).sum(axis=1), 1, rtol=1e-5)


def test_predict_mc_samples_is_the_mean_of_passes_with_fresh_masks():
    """Recompute the passes by hand: mask k ~ U[0,1) >= rate drawn from the layer's generator."""
    model, x = dropout_model(rate=0.4), inputs()
    dense, dropout, head = model.layers
    replay = np.random.Generator(np.random.PCG64())
    replay.bit_generator.state = dropout.rng.bit_generator.state
    result = model.predict(x, batch_size=len(x), mc_samples=5)
    hidden = np.maximum(x @ dense.params["kernel"] + dense.params["bias"], 0)
    passes = []
    for _ in range(5):
        keep = replay.random(hidden.shape, dtype=np.float32) >= 0.4
        logits = (hidden * keep / 0.6) @ head.params["kernel"] + head.params["bias"]
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        passes.append(e / e.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(result, np.mean(passes, axis=0), rtol=1e-5, atol=1e-6)
    assert result.dtype == np.float32


def test_mc_predict_returns_mean_and_std_and_restores_the_layers():
    model, x = dropout_model(), inputs(n=40)
    mean, std = mc_predict(model, x, samples=30, batch_size=16)
    assert mean.shape == std.shape == (40, 3)
    assert np.all(std > 0) and np.all(std <= 0.5)  # probabilities in [0, 1] have std <= 1/2
    np.testing.assert_allclose(mean.sum(axis=1), 1, rtol=1e-5)
    assert model.layers[1].mc_active is False
    np.testing.assert_array_equal(model.predict(x), model.predict(x))  # inference is deterministic again
    no_dropout = keras.Sequential([layers.Input((6,)), layers.Dense(3, activation="softmax")])
    _, zero = mc_predict(no_dropout, x, samples=5)
    np.testing.assert_allclose(zero, 0, atol=1e-6)  # float32 rounding of identical passes


def test_mc_sampling_restores_the_switch_after_an_error():
    model = dropout_model()
    with pytest.raises(RuntimeError, match="boom"):
        with mc_sampling(model):
            assert model.layers[1].mc_active
            raise RuntimeError("boom")
    assert model.layers[1].mc_active is False


def test_mc_sampling_keeps_batch_normalization_in_inference_mode():
    model, x = dropout_model(batch_norm=True, rate=0.0), inputs(n=8)
    bn = model.layers[1]
    bn.state["moving_mean"][...] = 0.5  # statistics that differ from any batch's
    moving = bn.get_weights()
    # With rate 0 the MC passes are exactly the inference pass: BN used its moving statistics...
    np.testing.assert_allclose(model.predict(x, mc_samples=3), model.predict(x), rtol=1e-6)
    _, std = mc_predict(model, x, samples=3)
    np.testing.assert_allclose(std, 0, atol=1e-6)
    # ...and updated nothing, whereas the notes' training=True trick normalizes with batch statistics.
    assert all(np.array_equal(a, b) for a, b in zip(moving, bn.get_weights()))
    assert not np.allclose(model(x, training=True), model.predict(x), atol=1e-3)
    assert not np.array_equal(bn.state["moving_mean"], moving[2])


@pytest.mark.parametrize("samples", [0, -3, 1.5, True])
def test_mc_samples_below_one_is_refused(samples):
    model, x = dropout_model(), inputs()
    with pytest.raises(ValueError, match=rf"mc_samples must be an integer >= 1 .*got {samples!r}"):
        model.predict(x, mc_samples=samples)
    with pytest.raises(ValueError, match=rf"samples must be an integer >= 1 .*got {samples!r}"):
        mc_predict(model, x, samples=samples)


def test_mc_dropout_is_at_least_as_accurate_as_the_deterministic_prediction():
    """Digits (1,797 8×8 images), a 64-128-128-10 ReLU network with Dropout(0.3), fixed seed.
    Tolerance: MC accuracy >= deterministic − 0.5 % (≈ 2 of 450 test images), because 100
    passes estimate the predictive mean with some noise of their own."""
    from sklearn.datasets import load_digits

    images, labels = load_digits(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(images))
    x, y = (images[order] / 16.0).astype("float32"), labels[order]
    x_train, y_train, x_test, y_test = x[:1347], y[:1347], x[1347:], y[1347:]
    keras.utils.set_random_seed(42)
    model = keras.Sequential([layers.Input((64,)), layers.Dense(128, activation="relu"), layers.Dropout(0.3),
                              layers.Dense(128, activation="relu"), layers.Dropout(0.3),
                              layers.Dense(10, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(0.05, momentum=0.9))
    model.fit(x_train, y_train, batch_size=32, epochs=20, verbose=0)
    deterministic = np.mean(model.predict(x_test).argmax(axis=1) == y_test)
    mc_mean, mc_std = mc_predict(model, x_test, samples=100)
    monte_carlo = np.mean(mc_mean.argmax(axis=1) == y_test)
    assert deterministic > 0.9
    assert monte_carlo >= deterministic - 0.005
    wrong = mc_mean.argmax(axis=1) != y_test
    if wrong.any():  # the model is less sure where it errs
        chosen_std = mc_std[np.arange(len(y_test)), mc_mean.argmax(axis=1)]
        assert chosen_std[wrong].mean() > chosen_std[~wrong].mean()
