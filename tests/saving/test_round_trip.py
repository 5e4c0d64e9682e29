"""Save → load → identical predictions and identical continued training, for every registered
layer kind (the example table of the conformance suite supplies each layer)."""
import numpy as np
import pytest

import trainlab as keras
from trainlab import layers
from tests.conformance.examples import layer_example

LAYER_CLASSES = [cls for cls in layers.registry.entries() if cls is not layers.Input]


def model_around(cls):
    """Input → the example layer → Flatten → Dense(3, softmax): every layer kind fits in this frame."""
    layer, batch_shape = layer_example(cls, "float32")
    model = keras.Sequential([layers.Input(batch_shape[1:]), layer, layers.Flatten(), layers.Dense(3, "softmax")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x = rng.normal(size=(24, *batch_shape[1:])).astype("float32")
    y = rng.integers(0, 3, size=24)
    return model, x, y


def copy_layer_rngs(source, target):
    # Layers drawing random numbers in training keep them in `rng`; restoring those is the
    # exact-resume training state's job, so here they are aligned by hand.
    for a, b in zip(source._layers, target._layers):
        if hasattr(a, "rng"):
            b.rng.bit_generator.state = a.rng.bit_generator.state


@pytest.mark.parametrize("cls", LAYER_CLASSES, ids=lambda cls: cls.__name__)
def test_identical_predictions_and_continued_training(cls, tmp_path):
    keras.utils.set_random_seed(1)
    model, x, y = model_around(cls)
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras")

    assert [type(layer) for layer in loaded._layers] == [type(layer) for layer in model._layers]
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert loaded.optimizer.iterations == model.optimizer.iterations

    copy_layer_rngs(model, loaded)
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    history_loaded = loaded.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert history_loaded.history["loss"] == history.history["loss"]
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_every_layer_kind_is_covered():
    assert {cls.__name__ for cls in LAYER_CLASSES} >= {"Dense", "Activation", "Flatten", "PReLU", "RReLU"}


def test_save_weights_then_load_weights_into_a_model_built_again(tmp_path):
    keras.utils.set_random_seed(2)
    model, x, _ = model_around(layers.Dense)
    model.save_weights(tmp_path / "w.weights.h5")
    keras.utils.set_random_seed(3)
    again, _, _ = model_around(layers.Dense)  # other generated layer names, other initial weights
    assert [l.name for l in again.layers] != [l.name for l in model.layers]
    again.load_weights(tmp_path / "w.weights.h5")
    np.testing.assert_array_equal(again.predict(x), model.predict(x))


def test_the_notes_h5_name_and_an_uncompiled_model(tmp_path):
    model = keras.Sequential([layers.Dense(2, input_shape=[3])])
    model.save(tmp_path / "my_model_A.h5")  # any extension: always the safe zip format
    loaded = keras.models.load_model(tmp_path / "my_model_A.h5")
    assert not loaded.compiled
    np.testing.assert_array_equal(loaded.get_weights()[0], model.get_weights()[0])


def test_load_without_compile(tmp_path):
    model, x, y = model_around(layers.Dense)
    model.save(tmp_path / "m.keras")
    assert not keras.models.load_model(tmp_path / "m.keras", compile=False).compiled


def test_training_state_is_returned(tmp_path):
    model, _, _ = model_around(layers.Dense)
    keras.saving.save_model(model, tmp_path / "m.keras", training_state={"run": "a", "notes": {"wait": 1}})
    state = keras.models.load_model(tmp_path / "m.keras").training_state
    assert state["run"] == "a" and state["notes"] == {"wait": 1} and state["epoch"] == 0 and "shuffle_rng" in state


def test_training_state_cannot_replace_the_resume_state(tmp_path):
    model, _, _ = model_around(layers.Dense)
    with pytest.raises(ValueError, match="training_state keys callbacks, epoch are trainlab's own resume state"):
        keras.saving.save_model(model, tmp_path / "m.keras", training_state={"epoch": 4, "callbacks": {}})
    assert not (tmp_path / "m.keras").exists()


def test_new_layers_after_loading_never_collide_with_loaded_names(tmp_path):
    # The notes: model_A = load_model(...); Sequential(model_A.layers[:-1]); add(Dense(1, ...))
    model, _, _ = model_around(layers.Dense)
    model.save(tmp_path / "a.keras")
    keras.backend.clear_session()  # as in a fresh session
    model_a = keras.models.load_model(tmp_path / "a.keras")
    model_b = keras.Sequential(model_a.layers[:-1])
    model_b.add(layers.Dense(1, activation="sigmoid"))
    names = [layer.name for layer in model_b._layers]
    assert len(set(names)) == len(names)


def test_unbuilt_models_cannot_be_saved(tmp_path):
    model = keras.Sequential([layers.Dense(2)])
    with pytest.raises(ValueError, match="Build the model"):
        model.save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match="Build the model.*before saving its weights"):
        model.save_weights(tmp_path / "w")
