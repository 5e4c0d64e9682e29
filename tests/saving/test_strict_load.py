"""Strict loading: every missing, extra or mis-shaped array is named with the layer and both shapes."""
import re

import numpy as np
import pytest

import trainlab as keras
from trainlab.saving import ModelFileError
from tests.saving import hostile


def build(units=4, inputs=3):
    return keras.Sequential([keras.layers.Dense(units, input_shape=[inputs], name="hidden"),
                             keras.layers.Dense(2, name="output")])


def test_load_weights_names_the_layer_and_both_shapes(tmp_path):
    build(units=4).save_weights(tmp_path / "w")
    with pytest.raises(ValueError, match=re.escape(
            "layer 'hidden' weight 'kernel': the model has shape (3, 5), the file (3, 4); layer 'hidden' weight "
            "'bias': the model has shape (5,), the file (4,); layer 'output' weight 'kernel': the model has "
            "shape (5, 2), the file (4, 2)")):
        build(units=5).load_weights(tmp_path / "w")


def test_load_weights_names_layers_when_the_generated_names_differ(tmp_path):
    keras.Sequential([keras.layers.Dense(4, input_shape=[3])]).save_weights(tmp_path / "w")
    other = keras.Sequential([keras.layers.Dense(4, input_shape=[6], name="mine")])
    with pytest.raises(ValueError, match=r"layer 'mine' \(file layer 'dense[_0-9]*'\) weight 'kernel': the model has "
                                         r"shape \(6, 4\), the file \(3, 4\)"):
        other.load_weights(tmp_path / "w")


def test_load_weights_with_a_different_number_of_layers(tmp_path):
    build().save_weights(tmp_path / "w")
    deeper = keras.Sequential([keras.layers.Dense(4, input_shape=[3], name="a"), keras.layers.Dense(4, name="b"),
                               keras.layers.Dense(2, name="c")])
    with pytest.raises(ValueError, match="the file holds weights for 2 layers \\(hidden, output\\) but the model has "
                                         "3 layers with weights \\(a, b, c\\)"):
        deeper.load_weights(tmp_path / "w")


def test_load_weights_with_a_missing_weight(tmp_path):
    build().save_weights(tmp_path / "w")
    no_bias = keras.Sequential([keras.layers.Dense(4, input_shape=[3], use_bias=False, name="hidden"),
                                keras.layers.Dense(2, name="output")])
    with pytest.raises(ValueError, match="layer 'hidden' has weights kernel; the file has kernel, bias"):
        no_bias.load_weights(tmp_path / "w")


def test_load_weights_into_an_unbuilt_model(tmp_path):
    build().save_weights(tmp_path / "w")
    with pytest.raises(ValueError, match="it is not built, so it has no weights yet. Build it first"):
        keras.Sequential([keras.layers.Dense(4)]).load_weights(tmp_path / "w")


def test_a_failed_load_weights_changes_nothing(tmp_path):
    build(units=4).save_weights(tmp_path / "w")
    target = keras.Sequential([keras.layers.Dense(4, input_shape=[3], name="hidden"),
                               keras.layers.Dense(3, name="output")])
    before = target.get_weights()
    with pytest.raises(ValueError, match="layer 'output' weight 'kernel'"):
        target.load_weights(tmp_path / "w")
    for now, then in zip(target.get_weights(), before):
        np.testing.assert_array_equal(now, then)


def edit_weights(path, edit):
    content = hostile.members(path)
    with np.load(__import__("io").BytesIO(content["weights.npz"])) as npz:
        arrays = {key: npz[key] for key in npz.files}
    edit(arrays)
    content["weights.npz"] = hostile.npz_of(**arrays)
    hostile.write_members(path, content)


def test_load_model_names_missing_extra_and_misshaped_arrays(tmp_path):
    path = tmp_path / "m.keras"
    hostile.valid_model_file(path)  # layers "dense" (3 → 4) and "dense_1" (4 → 2)

    def damage(arrays):
        arrays["dense/kernel"] = np.zeros((3, 7), "float32")
        arrays["ghost/kernel"] = np.zeros(1, "float32")
        del arrays["dense_1/kernel"], arrays["dense_1/bias"]

    edit_weights(path, damage)
    with pytest.raises(ModelFileError, match=re.escape(
            "layers missing from the file: dense_1; layers in the file but not in the model: ghost; "
            "layer 'dense' weight 'kernel': the model has shape (3, 4), the file (3, 7)")):
        keras.models.load_model(path)


def test_optimizer_slots_must_fit_the_weights(tmp_path):
    path = tmp_path / "m.keras"
    hostile.valid_model_file(path)
    content = hostile.members(path)
    with np.load(__import__("io").BytesIO(content["optimizer.npz"])) as npz:
        state = {key: npz[key] for key in npz.files}
    state["dense/kernel/velocity"] = np.zeros((9, 9), "float32")
    content["optimizer.npz"] = hostile.npz_of(**state)
    hostile.write_members(path, content)
    with pytest.raises(ModelFileError, match=re.escape(
            "Optimizer slot 'dense/kernel/velocity' has shape (9, 9); its parameter 'dense/kernel' has shape (3, 4)")):
        keras.models.load_model(path)
    state["ghost/kernel/velocity"] = state.pop("dense/kernel/velocity")
    content["optimizer.npz"] = hostile.npz_of(**state)
    hostile.write_members(path, content)
    with pytest.raises(ModelFileError, match="Optimizer slot 'ghost/kernel/velocity' belongs to no trained parameter"):
        keras.models.load_model(path)


def test_a_bad_shuffle_rng_state(tmp_path):
    path = tmp_path / "m.keras"
    hostile.valid_model_file(path)
    hostile.edit_config(path, lambda config: config["training_state"].__setitem__("shuffle_rng", {"bit_generator": 1}))
    with pytest.raises(ModelFileError, match="training_state.shuffle_rng is not a saved PCG64 generator state"):
        keras.models.load_model(path)
