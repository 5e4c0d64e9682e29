"""The notes' transfer-learning moves: shared layers, clone + set_weights, freeze, recompile, unfreeze."""
import numpy as np
import pytest

import trainlab as keras
from trainlab import layers


def model_a():
    model = keras.Sequential([layers.Dense(6, activation="selu", input_shape=[4]), layers.Dense(5, activation="selu"),
                              layers.Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="sparse_categorical_crossentropy")
    return model


def data(n=32, classes=2):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 4)).astype("float32"), rng.integers(0, classes, size=n)


def test_freezing_an_unbuilt_layer_is_refused_with_the_fix():
    layer = layers.Dense(3)
    with pytest.raises(ValueError, match="Cannot set trainable=False on layer 'dense[_0-9]*': it is not built yet, so "
                                         "it has no weights to freeze. Build the model first.*input_shape=.*"
                                         "or pass trainable=False to the layer's constructor"):
        layer.trainable = False
    model = keras.Sequential([layers.Dense(3), layers.Dense(1)])
    with pytest.raises(ValueError, match="not built yet"):
        model.layers[0].trainable = False


def test_frozen_at_construction_and_same_value_assignments_still_work():
    layer = layers.Dense(3, trainable=False)
    assert not layer.trainable
    layer.trainable = False  # no change: allowed before build
    rebuilt = layers.deserialize(layers.serialize(layer))
    assert not rebuilt.trainable
    with pytest.raises(ValueError, match="trainable=True.*no weights to unfreeze"):
        layer.trainable = True


def test_layers_are_shared_and_clone_plus_set_weights_protects_model_a():
    a = model_a()
    a_clone = keras.models.clone_model(a)
    a_clone.set_weights(a.get_weights())
    assert all(x is not y for x, y in zip(a_clone.layers, a.layers))
    for x, y in zip(a_clone.get_weights(), a.get_weights()):
        np.testing.assert_array_equal(x, y)

    b_on_a = keras.Sequential(a.layers[:-1])
    b_on_a.add(layers.Dense(1, activation="sigmoid"))
    assert b_on_a.layers[0] is a.layers[0]
    b_on_a.compile(optimizer="sgd", loss="binary_crossentropy")
    x, y = data()
    b_on_a.fit(x, y, epochs=1, verbose=0)
    assert not np.array_equal(a.layers[0].get_weights()[0], a_clone.layers[0].get_weights()[0])  # shared: changed


def test_clone_has_fresh_weights_and_is_uncompiled():
    a = model_a()
    clone = keras.models.clone_model(a)
    assert clone.built and not clone.compiled
    assert [l.name for l in clone.layers] == [l.name for l in a.layers]
    assert not np.array_equal(clone.get_weights()[0], a.get_weights()[0])


def test_clone_model_needs_a_model():
    with pytest.raises(TypeError, match="clone_model expects a trainlab Sequential model; got Dense"):
        keras.models.clone_model(layers.Dense(2))


def test_freeze_compile_train_then_unfreeze_with_a_lower_rate():
    a = model_a()
    b_on_a = keras.Sequential(a.layers[:-1])
    b_on_a.add(layers.Dense(1, activation="sigmoid"))
    for layer in b_on_a.layers[:-1]:
        layer.trainable = False
    b_on_a.compile(optimizer=keras.optimizers.SGD(learning_rate=1e-2), loss="binary_crossentropy")
    frozen = [w.copy() for layer in b_on_a.layers[:-1] for w in layer.get_weights()]
    head = b_on_a.layers[-1].get_weights()[0].copy()
    x, y = data()
    b_on_a.fit(x, y, epochs=2, verbose=0)
    for before, layer_w in zip(frozen, [w for layer in b_on_a.layers[:-1] for w in layer.get_weights()]):
        np.testing.assert_array_equal(before, layer_w)
    assert not np.array_equal(head, b_on_a.layers[-1].get_weights()[0])
    assert b_on_a.trainable_weights and len(b_on_a.non_trainable_weights) == 4

    for layer in b_on_a.layers[:-1]:
        layer.trainable = True
    b_on_a.compile(optimizer=keras.optimizers.SGD(learning_rate=1e-4), loss="binary_crossentropy")
    b_on_a.fit(x, y, epochs=1, verbose=0)
    assert not np.array_equal(frozen[0], b_on_a.layers[0].get_weights()[0])


def test_frozen_flags_survive_save_and_load(tmp_path):
    a = model_a()
    a.layers[0].trainable = False
    a.save(tmp_path / "a.keras")
    loaded = keras.models.load_model(tmp_path / "a.keras")
    assert [layer.trainable for layer in loaded.layers] == [False, True, True]
