"""Sequential: structure, the fit loop's Keras semantics, bad input, determinism."""
import numpy as np
import pytest

import trainlab as keras
from trainlab import layers


def small_model(seed=0, units=10, **compile_kwargs):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([layers.Input((4,)), layers.Dense(8, activation="relu", kernel_initializer="he_normal"),
                              layers.Dense(units, activation="softmax")])
    model.compile(loss=compile_kwargs.pop("loss", "sparse_categorical_crossentropy"),
                  optimizer=compile_kwargs.pop("optimizer", keras.optimizers.SGD(0.1)),
                  metrics=compile_kwargs.pop("metrics", ["accuracy"]))
    return model


def data(n=40, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    return x, (x[:, 0] > 0).astype(int) + 2 * (x[:, 1] > 0)


def test_same_seed_gives_identical_training():
    x, y = data()
    weights = []
    for _ in range(2):
        model = small_model(seed=7)
        model.fit(x, y, batch_size=8, epochs=3, verbose=0)
        weights.append(model.get_weights())
    assert all(np.array_equal(a, b) for a, b in zip(*weights))
    other = small_model(seed=8)
    assert not np.array_equal(other.get_weights()[0], weights[0][0])


def test_epoch_loss_is_batch_weighted_mean_of_pre_update_losses():
    x, y = data(n=10)
    model = small_model()
    reference = keras.models.clone_model(model)
    reference.set_weights(model.get_weights())
    reference.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(0.1))
    history = model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    expected = 0.0
    for start in range(0, 10, 4):  # batches of 4, 4, 2
        xb, yb = x[start:start + 4], y[start:start + 4]
        expected += reference.evaluate(xb, yb, verbose=0) * len(xb)
        reference.train_step(xb, yb.astype(np.intp))
    assert history.history["loss"][0] == pytest.approx(expected / 10, rel=1e-6)
    assert np.allclose(model.get_weights()[0], reference.get_weights()[0])


def test_validation_split_takes_the_last_fraction_before_shuffling():
    x, y = data(n=20)
    model = small_model()
    seen = []
    model.evaluate = lambda xv, yv, **kw: seen.append(xv.copy()) or {"loss": 0.0}
    model.fit(x, y, epochs=1, validation_split=0.25, verbose=0)
    assert np.array_equal(seen[0], x[15:])


def test_history_has_a_value_per_epoch_per_key():
    x, y = data()
    history = small_model().fit(x, y, epochs=3, validation_data=(x, y), verbose=0)
    # Keras 3: no learning_rate key unless a learning-rate callback writes it
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 3 for v in history.history.values())


def test_model_call_returns_fresh_arrays_for_stacking():
    x, _ = data(n=5)
    model = small_model()
    stacked = np.stack([model(x, training=True) for _ in range(3)])
    assert stacked.shape == (3, 5, 10) and np.allclose(stacked[0], model.predict(x))


def test_summary_counts_parameters(capsys):
    small_model().summary()
    out = capsys.readouterr().out
    assert "Total params: 130" in out and "(Dense)" in out and "(None, 8)" in out


def test_get_layer_and_set_weights_errors():
    model = small_model()
    assert model.get_layer(index=0) is model.layers[0]
    with pytest.raises(ValueError, match="No layer named 'nope'; layers are:"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="expects 4 weight arrays; got 1"):
        model.set_weights([np.zeros(1)])
    with pytest.raises(ValueError, match=r"weight 'kernel' has shape \(4, 8\); got an array of shape \(2, 2\)"):
        model.layers[0].set_weights([np.zeros((2, 2)), np.zeros(8)])


BAD_INPUTS = [
    (lambda x, y: (x[:10], y[:9]), ValueError, "different numbers of samples: 10 vs 9"),
    (lambda x, y: (x[:, :3], y), ValueError, r"samples of shape \(3,\), but the model expects \(4,\)"),
    (lambda x, y: (x, y + 10), ValueError, r"labels in \[10, 13\] but the output layer has 10 units"),
    (lambda x, y: (x, -y - 1), ValueError, r"must be in \[0, 10\)"),
    (lambda x, y: (x, y + 0.5), ValueError, "must hold integer class labels"),
    (lambda x, y: (np.where(x > 1, np.nan, x), y), ValueError, r"contains \d+ NaN or inf values"),
    (lambda x, y: (x[:0], y[:0]), ValueError, r"is empty \(shape \(0, 4\)\)"),
    (lambda x, y: (x.astype(object), y), TypeError, "must hold numbers; got dtype object"),
]


@pytest.mark.parametrize("corrupt,error,message", BAD_INPUTS)
def test_bad_input_is_refused_before_any_work(corrupt, error, message):
    model = small_model()
    before = model.get_weights()
    with pytest.raises(error, match=message):
        model.fit(*corrupt(*data()), verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_fit_before_compile():
    model = keras.Sequential([layers.Dense(2, input_shape=(3,))])
    with pytest.raises(RuntimeError, match=r"must compile the model before training it: call model.compile"):
        model.fit(np.zeros((2, 3)), np.zeros(2))


@pytest.mark.parametrize("kwargs,message", [
    ({"batch_size": 0}, "batch_size must be an integer >= 1; got 0"),
    ({"validation_split": 1.5}, r"validation_split must be in \[0, 1\); got 1.5"),
    ({"epochs": 2, "initial_epoch": 3}, "Need integers 0 <= initial_epoch <= epochs"),
])
def test_invalid_fit_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        small_model().fit(*data(), verbose=0, **kwargs)


@pytest.mark.parametrize("build,message", [
    (lambda: layers.Dense(0), "Dense units must be an integer >= 1; got 0"),
    (lambda: layers.Dense(4, activation="relux"), "Unknown activation 'relux'. Valid activation names:"),
    (lambda: layers.Dense(4, kernel_initializer="he"), "Unknown initializer 'he'"),
    (lambda: small_model(loss="crossentropy"), "Unknown loss 'crossentropy'. Valid loss names:"),
    (lambda: small_model(optimizer="adamm"), "Unknown optimizer 'adamm'. Valid optimizer names:"),
    (lambda: small_model(metrics=["acuracy"]).fit(*data(), verbose=0), "Unknown metric 'acuracy'"),
])
def test_unknown_identifiers_list_the_valid_ones(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_nan_loss_raises_with_advice():
    x, y = data()
    model = small_model(optimizer=keras.optimizers.SGD(1e30))
    with pytest.raises(FloatingPointError, match="diverged|Non-finite"):
        model.fit(x * 1e10, y, epochs=3, verbose=0)


def test_accuracy_resolves_like_keras():
    from trainlab import metrics

    assert isinstance(metrics.get("accuracy", loss=keras.losses.get("sparse_categorical_crossentropy")),
                      metrics.SparseCategoricalAccuracy)
    assert isinstance(metrics.get("accuracy", loss=keras.losses.get("binary_crossentropy")), metrics.BinaryAccuracy)
    assert isinstance(metrics.get("accuracy", loss=keras.losses.get("categorical_crossentropy"), output_units=3),
                      metrics.CategoricalAccuracy)


def test_verbose_one_prints_one_line_per_epoch_when_not_a_terminal(capsys):
    small_model().fit(*data(), epochs=2, verbose=1)
    out = capsys.readouterr().out
    assert out.count("Epoch ") == 2 and "\r" not in out and out.count("loss:") == 2


def test_a_one_epoch_fit_prints_no_epoch_line_as_keras(capsys):
    # keras/src/callbacks/progbar_logger.py: "Epoch i/n" only when epochs > 1 (HOML3 cell 93's output).
    small_model().fit(*data(), epochs=1, verbose=2)
    out = capsys.readouterr().out
    assert "Epoch" not in out and out.count("loss:") == 1


def test_save_and_load_round_trip(tmp_path):
    x, y = data()
    model = small_model()
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "m.zip")
    loaded = keras.models.load_model(tmp_path / "m.zip")
    assert np.array_equal(loaded.predict(x), model.predict(x))
    assert loaded.optimizer.iterations == model.optimizer.iterations


def test_finite_check_finds_a_nan_in_a_later_chunk(monkeypatch):
    from trainlab.models import validation

    monkeypatch.setattr(validation, "FINITE_CHECK_CHUNK", 7)
    x = np.zeros((10, 4), dtype="float32")
    x[9, 3] = np.inf
    with pytest.raises(ValueError, match="contains 1 NaN or inf values"):
        validation.as_float_array(x)
    assert validation.all_finite(x[:9])


def test_fit_does_not_keep_the_converted_training_data():
    x, y = data()
    model = small_model()
    model.fit(x.astype("float64"), y, epochs=1, verbose=0)
    assert model.fit_data is None
