"""The notes' two practical configurations: what each preset builds, and that it trains."""
import numpy as np
import pytest

import trainlab as keras
from trainlab import activations, callbacks, initializers, layers, optimizers, presets


def require(module, name):
    """Skip (naming the missing component) until another part of the library lands it."""
    if not hasattr(module, name):
        pytest.skip(f"{module.__name__}.{name} has not landed yet; the preset needs it")


@pytest.fixture(scope="module")
def digits():
    (x, y), _ = keras.datasets.load("digits")
    return x.astype(np.float32) / 255, y


@pytest.fixture
def components():
    for module, name in ((callbacks, "EarlyStopping"), (callbacks, "OneCycleScheduler"),
                         (layers, "BatchNormalization"), (layers, "AlphaDropout")):
        require(module, name)


def hidden_dense(model):
    return [layer for layer in model.layers if isinstance(layer, layers.Dense)][:-1]


def train_two_epochs(preset, x, y):
    keras.utils.set_random_seed(0)
    history = preset.model.fit(x[:1200], y[:1200], validation_data=(x[1200:], y[1200:]), epochs=2, batch_size=32,
                               verbose=0, callbacks=preset.callbacks)
    return history.history["loss"]


def test_default_dnn_shallow_is_he_elu_without_bn(digits, components):
    keras.utils.set_random_seed(0)
    preset = presets.default_dnn((8, 8), 10)
    model = preset.model
    assert [layer.units for layer in hidden_dense(model)] == [300, 100]
    for layer in hidden_dense(model):
        assert isinstance(layer.activation, activations.ELU)
        assert isinstance(layer.kernel_initializer, initializers.HeNormal)
    assert not any(isinstance(layer, layers.BatchNormalization) for layer in model.layers)
    assert isinstance(model.layers[-1].activation, activations.Softmax) and model.layers[-1].units == 10
    assert isinstance(model.optimizer, optimizers.SGD) and model.optimizer.momentum.value == pytest.approx(0.9)
    early_stopping, one_cycle = preset.callbacks
    assert isinstance(early_stopping, callbacks.EarlyStopping) and early_stopping.restore_best_weights
    assert early_stopping.monitor == "val_loss" and early_stopping.patience == 10
    assert isinstance(one_cycle, callbacks.OneCycleScheduler)
    assert "He normal" in preset.description and "1cycle" in preset.description
    loss = train_two_epochs(preset, *digits)
    assert loss[1] < loss[0]


def test_default_dnn_deep_gets_batch_normalization(digits, components):
    keras.utils.set_random_seed(0)
    preset = presets.default_dnn((8, 8), 10, hidden=[32] * 10, deep_threshold=9)
    kinds = [type(layer).__name__ for layer in preset.model.layers]
    # the notes' Keras example: BN after the input, then after every hidden layer
    assert kinds == ["Flatten", "BatchNormalization"] + ["Dense", "BatchNormalization"] * 10 + ["Dense"]
    assert "BatchNormalization" in preset.description
    shallow = presets.default_dnn((8, 8), 10, hidden=[32] * 10, deep_threshold=10)
    assert not any(isinstance(layer, layers.BatchNormalization) for layer in shallow.model.layers)
    forced = presets.default_dnn((64,), 10, hidden=[32], batch_normalization=True)
    assert [type(layer).__name__ for layer in forced.model.layers] == ["BatchNormalization", "Dense",
                                                                       "BatchNormalization", "Dense"]
    loss = train_two_epochs(preset, *digits)
    assert loss[1] < loss[0]


def test_default_dnn_with_l2_and_nadam(components):
    require(optimizers, "Nadam")
    preset = presets.default_dnn((8, 8), 10, l2=1e-4, optimizer="nadam", learning_rate=0.002)
    assert isinstance(preset.model.optimizer, optimizers.Nadam)
    assert all(layer.kernel_regularizer.l2 == pytest.approx(1e-4) for layer in hidden_dense(preset.model))
    assert preset.callbacks[1]._arguments["max_learning_rate"] == 0.002


def test_self_normalizing_is_lecun_selu_with_alpha_dropout(digits, components):
    keras.utils.set_random_seed(0)
    preset = presets.self_normalizing((8, 8), 10, hidden=(100, 100, 100), alpha_dropout=0.1)
    model = preset.model
    for layer in hidden_dense(model):
        assert isinstance(layer.activation, activations.SELU)
        assert isinstance(layer.kernel_initializer, initializers.LecunNormal)
    dropouts = [layer for layer in model.layers if isinstance(layer, layers.AlphaDropout)]
    assert len(dropouts) == 3 and all(layer.rate == pytest.approx(0.1) for layer in dropouts)
    assert not any(isinstance(layer, layers.BatchNormalization) for layer in model.layers)
    (one_cycle,) = preset.callbacks
    assert isinstance(one_cycle, callbacks.OneCycleScheduler)
    assert "Standardize the inputs" in preset.description
    x, y = digits
    x_standardized, = presets.standardize(x)
    loss = train_two_epochs(preset, x_standardized, y)
    assert loss[1] < loss[0]
    plain = presets.self_normalizing((8, 8), 10)
    assert not any(isinstance(layer, layers.AlphaDropout) for layer in plain.model.layers)


def test_standardize_uses_training_statistics():
    rng = np.random.default_rng(0)
    train = rng.normal(3.0, 2.0, size=(500, 4)).astype(np.float32)
    train[:, 3] = 7.0  # a constant feature is centered, not divided by zero
    test = rng.normal(3.0, 2.0, size=(50, 4))
    train_s, test_s = presets.standardize(train, test)
    assert train_s.dtype == np.float32 and test_s.dtype == np.float32
    np.testing.assert_allclose(train_s[:, :3].mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(train_s[:, :3].std(0), 1, atol=1e-5)
    assert np.all(train_s[:, 3] == 0)
    mean, std = train.astype(np.float64).mean(0), train.astype(np.float64).std(0)
    np.testing.assert_allclose(test_s[:, :3], (test[:, :3] - mean[:3]) / std[:3], rtol=1e-4)
    with pytest.raises(ValueError, match="samples of shape \\(4,\\) like x_train; got \\(3,\\)"):
        presets.standardize(train, test[:, :3])


@pytest.mark.parametrize("call,message", [
    (lambda: presets.default_dnn((8, 8), 1), "n_classes must be an integer >= 2; got 1"),
    (lambda: presets.default_dnn(64, 10), "input_shape must be a shape of one sample"),
    (lambda: presets.default_dnn((64,), 10, hidden=[]), "hidden must be a non-empty sequence"),
    (lambda: presets.default_dnn((64,), 10, optimizer="adam"), "optimizer must be one of momentum, nadam, rmsprop"),
    (lambda: presets.default_dnn((64,), 10, learning_rate=0), "learning_rate \\(the 1cycle peak\\) must be > 0"),
    (lambda: presets.default_dnn((64,), 10, deep_threshold=-1), "deep_threshold must be an integer >= 0; got -1"),
    (lambda: presets.default_dnn((64,), 10, l2=-1.0), "l2 must be a positive factor or None; got -1.0"),
    (lambda: presets.self_normalizing((64,), 10, alpha_dropout=1.0), "alpha_dropout must be a rate in \\[0, 1\\)"),
])
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()
