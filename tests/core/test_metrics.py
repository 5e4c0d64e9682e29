"""Metrics: values against hand-computed sums, Keras 3's names and short names, logging keys."""
import math

import numpy as np
import pytest

import trainlab as keras
from trainlab import metrics

Y = [[1.0, 2.0], [0.0, 4.0]]
P = [[1.5, 1.0], [1.0, 5.0]]


def result(metric, batches):
    metric.reset()
    for y_true, y_pred in batches:
        metric.update(np.array(y_true), np.array(y_pred))
    return metric.result()


def test_regression_metrics_against_hand_computed_values():
    # per-sample means over the last axis, then the mean over both samples
    assert result(metrics.get("mae"), [(Y, P)]) == pytest.approx(((0.5 + 1) / 2 + (1 + 1) / 2) / 2)
    assert result(metrics.get("mse"), [(Y, P)]) == pytest.approx(((0.25 + 1) / 2 + (1 + 1) / 2) / 2)
    assert result(metrics.get("root_mean_squared_error"), [(Y, P)]) == pytest.approx(math.sqrt((0.25 + 1 + 1 + 1) / 4))
    eps = 1e-7
    mape = 100 * ((0.5 / 1 + 1 / 2) / 2 + (1 / eps + 1 / 4) / 2) / 2
    assert result(metrics.get("mape"), [(Y, P)]) == pytest.approx(mape)
    msle = ((math.log(2.5) - math.log(2)) ** 2 + (math.log(2) - math.log(3)) ** 2) / 2
    msle += ((math.log(2) - math.log(1 + eps)) ** 2 + (math.log(6) - math.log(5)) ** 2) / 2
    assert result(metrics.get("msle"), [(Y, P)]) == pytest.approx(msle / 2)


def test_metrics_accumulate_over_batches_by_sample_count():
    batches = [([[1.0]], [[3.0]]), ([[0.0], [0.0], [0.0]], [[1.0], [1.0], [1.0]])]
    assert result(metrics.get("mse"), batches) == pytest.approx((4 + 1 + 1 + 1) / 4)


def test_crossentropy_metrics_against_hand_computed_values():
    p = [[0.2, 0.8], [0.6, 0.4]]
    assert result(metrics.get("sparse_categorical_crossentropy"), [([1, 1], p)]) == pytest.approx(
        -(math.log(0.8) + math.log(0.4)) / 2)
    assert result(metrics.get("categorical_crossentropy"), [([[0, 1], [1, 0]], p)]) == pytest.approx(
        -(math.log(0.8) + math.log(0.6)) / 2)
    bce = -(math.log(1 - 0.2) + math.log(0.8) + math.log(1 - 0.6) + math.log(1 - 0.4)) / 4  # targets [[0,1],[0,0]]
    assert result(metrics.get("bce"), [([[0, 1], [0, 0]], p)]) == pytest.approx(bce)
    logits = metrics.BinaryCrossentropy(from_logits=True)
    assert result(logits, [([[1.0]], [[0.0]])]) == pytest.approx(math.log(2))
    assert logits.get_config() == {"name": "binary_crossentropy", "from_logits": True}


@pytest.mark.parametrize("short,cls", [
    ("mse", metrics.MeanSquaredError), ("MSE", metrics.MeanSquaredError), ("mae", metrics.MeanAbsoluteError),
    ("MAE", metrics.MeanAbsoluteError), ("mape", metrics.MeanAbsolutePercentageError),
    ("MAPE", metrics.MeanAbsolutePercentageError), ("msle", metrics.MeanSquaredLogarithmicError),
    ("MSLE", metrics.MeanSquaredLogarithmicError), ("bce", metrics.BinaryCrossentropy),
    ("BCE", metrics.BinaryCrossentropy), ("mean_squared_error", metrics.MeanSquaredError),
    ("MeanSquaredError", metrics.MeanSquaredError),
])
def test_keras_short_names_resolve_and_name_the_metric(short, cls):
    metric = metrics.get(short)
    assert type(metric) is cls and metric.name == short


def test_class_default_names_are_keras_3s():
    assert [metrics.MeanSquaredError().name, metrics.MeanAbsolutePercentageError().name,
            metrics.RootMeanSquaredError().name, metrics.CategoricalCrossentropy().name] == [
        "mean_squared_error", "mean_absolute_percentage_error", "root_mean_squared_error", "categorical_crossentropy"]


def test_a_metric_compiled_by_short_name_is_logged_under_it():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Dense(1, input_shape=[2])])
    model.compile(optimizer="sgd", loss="mse", metrics=["mse", "mae"])
    x = np.random.default_rng(0).normal(size=(20, 2))
    y = x.sum(axis=1)
    history = model.fit(x, y, epochs=2, validation_data=(x, y), verbose=0)
    assert set(history.history) == {"loss", "mse", "mae", "val_loss", "val_mse", "val_mae"}
    # no regularization: the mse metric on the validation data is the validation loss
    assert history.history["val_mse"] == pytest.approx(history.history["val_loss"], rel=1e-6)


def test_evaluate_does_not_mix_a_shared_metric_instance_with_training_batches():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Dense(1, input_shape=[2])])
    shared = metrics.MeanSquaredError()
    model.compile(optimizer="sgd", loss="mse", metrics=[shared])
    x, y = np.ones((8, 2)), np.zeros(8)
    model.fit(x, y, epochs=1, verbose=0)
    values = model.evaluate(x, y, verbose=0, return_dict=True)
    assert values["mean_squared_error"] == pytest.approx(values["loss"], rel=1e-6)


def test_unknown_metric_lists_valid_names():
    with pytest.raises(ValueError, match=r"Unknown metric 'mean_sqared_error'. Valid metric names: .*mse"):
        metrics.get("mean_sqared_error")
