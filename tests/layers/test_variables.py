"""``layer.variables``: HOML's look at BatchNormalization's weights, as Keras 3 shows them."""
import numpy as np
import pytest

import trainlab as keras
from trainlab import backend, layers


def bn_model():
    backend.clear_session()
    return keras.Sequential([layers.Flatten(input_shape=[4, 2]), layers.BatchNormalization(),
                             layers.Dense(5, activation="relu"), layers.BatchNormalization(),
                             layers.Dense(3, activation="softmax")])


def test_homl_lists_name_and_trainable_of_batch_normalization_variables():
    model = bn_model()
    listed = [(var.name, var.trainable) for var in model.layers[1].variables]
    assert listed == [("gamma", True), ("beta", True), ("moving_mean", False), ("moving_variance", False)]
    assert [var.path for var in model.layers[1].variables] == [
        "batch_normalization/gamma", "batch_normalization/beta", "batch_normalization/moving_mean",
        "batch_normalization/moving_variance"]
    assert [var.shape for var in model.layers[1].variables] == [(8,)] * 4


def test_variables_read_and_write_the_layers_current_arrays():
    model = bn_model()
    bn = model.layers[1]
    gamma = bn.variables[0]
    assert gamma.numpy().tolist() == [1.0] * 8 and gamma.dtype == np.float32 and gamma.ndim == 1
    gamma.assign(np.arange(8))
    assert bn.params["gamma"].tolist() == list(range(8))
    assert np.asarray(gamma).tolist() == list(range(8)) and len(gamma) == 8 and gamma[3] == 3
    copy = gamma.numpy()
    copy[0] = 99
    assert bn.params["gamma"][0] == 0  # numpy() is a copy
    gamma.assign_add(np.ones(8))
    gamma.assign_sub(2 * np.ones(8))
    assert bn.params["gamma"].tolist() == list(range(-1, 7))
    bn.params["gamma"] = np.full(8, 5.0, dtype="float32")  # the layer rebinds its array: the view follows
    assert gamma.numpy().tolist() == [5.0] * 8 and gamma.value is bn.params["gamma"]
    with pytest.raises(ValueError, match=r"Cannot assign a value of shape \(3,\) to variable "
                                         r"'batch_normalization/gamma' of shape \(8,\); pass an array of shape \(8,\)"):
        gamma.assign(np.ones(3))


def test_a_frozen_layers_variables_are_not_trainable():
    model = bn_model()
    dense = model.layers[2]
    assert [v.trainable for v in dense.variables] == [True, True]
    dense.trainable = False
    assert [v.trainable for v in dense.variables] == [False, False]
    assert dense.trainable_variables == [] and len(dense.non_trainable_variables) == 2


def test_model_variables_collect_every_layer_in_order():
    model = bn_model()
    assert [v.path for v in model.trainable_variables] == [
        "batch_normalization/gamma", "batch_normalization/beta", "dense/kernel", "dense/bias",
        "batch_normalization_1/gamma", "batch_normalization_1/beta", "dense_1/kernel", "dense_1/bias"]
    assert [v.name for v in model.non_trainable_variables] == ["moving_mean", "moving_variance"] * 2
    assert len(model.variables) == len(model.weights) == 12
    assert all(np.array_equal(np.asarray(v), w) for v, w in zip(model.variables, model.weights))
    assert "dense/kernel" in repr(model.layers[2].variables[0])


def test_tf_keras_2_updates_lists_the_moving_statistics_with_a_warning():
    model = bn_model()
    with pytest.warns(DeprecationWarning, match=r"layer.updates is tf.keras 2 API: the moving statistics are updated "
                                                r"during fit without running anything"):
        updates = model.layers[1].updates  # HOML2: bn1.updates
    assert [v.name for v in updates] == ["moving_mean", "moving_variance"]
    with pytest.warns(DeprecationWarning):
        assert model.layers[2].updates == []
