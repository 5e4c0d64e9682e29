"""keras.callbacks.TensorBoard: event files read back with TensorBoard's own event reader."""
from __future__ import annotations

import numpy as np
import pytest

import trainlab as keras
from trainlab.callbacks import tensorboard as tensorboard_module

pytest.importorskip("tensorboardX", reason="the [tensorboard] extra is absent: pip install -e '.[dev]' installs it")
event_accumulator = pytest.importorskip(
    "tensorboard.backend.event_processing.event_accumulator",
    reason="TensorBoard's event reader is absent: pip install -e '.[dev]' installs the tensorboard package")


def read(folder):
    """Everything TensorBoard itself would load from one run folder."""
    accumulator = event_accumulator.EventAccumulator(str(folder), size_guidance={"scalars": 0, "histograms": 0})
    accumulator.Reload()
    return accumulator


def scalars(accumulator, tag):
    return [(event.step, event.value) for event in accumulator.Scalars(tag)]


def small_fit(tmp_path, epochs=3, **options):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 5)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    keras.utils.set_random_seed(1)
    model = keras.models.Sequential([keras.layers.Input((5,)), keras.layers.Dense(4, activation="relu"),
                                     keras.layers.Dense(2, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(0.05), metrics=["accuracy"])
    callback = keras.callbacks.TensorBoard(tmp_path / "logs", **options)
    history = model.fit(x, y, epochs=epochs, batch_size=16, validation_data=(x[:32], y[:32]), verbose=0,
                        callbacks=[callback])
    return model, history


def test_epoch_scalars_in_keras_layout(tmp_path):
    model, history = small_fit(tmp_path)
    train, validation = read(tmp_path / "logs" / "train"), read(tmp_path / "logs" / "validation")
    assert {"epoch_loss", "epoch_accuracy", "epoch_learning_rate"} <= set(train.Tags()["scalars"])
    assert {"epoch_loss", "epoch_accuracy"} <= set(validation.Tags()["scalars"])
    for tag, key in (("epoch_loss", "loss"), ("epoch_accuracy", "accuracy")):
        assert [step for step, _ in scalars(train, tag)] == [0, 1, 2]
        np.testing.assert_allclose([v for _, v in scalars(train, tag)], history.history[key], rtol=1e-6)
        np.testing.assert_allclose([v for _, v in scalars(validation, tag)], history.history["val_" + key],
                                   rtol=1e-6)
    np.testing.assert_allclose([v for _, v in scalars(train, "epoch_learning_rate")], [0.05] * 3, rtol=1e-6)
    # steps: 64 samples / 16 per batch = 4 optimizer steps per epoch
    assert [s for s, _ in scalars(validation, "evaluation_loss_vs_iterations")] == [4, 8, 12]


def test_histograms_every_histogram_freq_epochs(tmp_path):
    model, _ = small_fit(tmp_path, epochs=5, histogram_freq=2)
    train = read(tmp_path / "logs" / "train")
    kernel = f"{model.layers[0].name}/kernel/histogram"
    assert kernel in train.Tags()["histograms"] and f"{model.layers[1].name}/bias/histogram" in train.Tags()["histograms"]
    events = train.Histograms(kernel)
    assert [event.step for event in events] == [0, 2, 4]
    last = events[-1].histogram_value
    weights = model.layers[0].weight("kernel")
    assert last.num == weights.size
    assert last.min == pytest.approx(float(weights.min())) and last.max == pytest.approx(float(weights.max()))
    assert last.sum == pytest.approx(float(weights.sum()), rel=1e-5, abs=1e-6)


def test_batch_scalars_with_update_freq(tmp_path):
    small_fit(tmp_path, epochs=2, update_freq=3)
    train = read(tmp_path / "logs" / "train")
    assert [step for step, _ in scalars(train, "batch_loss")] == [3, 6]


def test_write_history_for_a_finished_run(tmp_path):
    history = {"loss": [0.9, 0.5], "accuracy": [0.6, None], "val_loss": [1.0, 0.7], "learning_rate": [0.1, 0.05]}
    tensorboard_module.write_history(tmp_path / "run", history)
    train, validation = read(tmp_path / "run" / "train"), read(tmp_path / "run" / "validation")
    assert scalars(train, "epoch_loss") == [(0, pytest.approx(0.9)), (1, pytest.approx(0.5))]
    assert scalars(train, "epoch_accuracy") == [(0, pytest.approx(0.6))]
    assert scalars(validation, "epoch_loss") == [(0, pytest.approx(1.0)), (1, pytest.approx(0.7))]
    assert "epoch_val_loss" not in train.Tags()["scalars"]
    tensorboard_module.write_history(tmp_path / "run", history)  # again: replaced, not doubled
    assert len(read(tmp_path / "run" / "train").Scalars("epoch_loss")) == 2


@pytest.mark.parametrize("options,message", [
    ({"histogram_freq": -1}, "histogram_freq must be an integer >= 0"),
    ({"update_freq": 0}, "update_freq must be 'epoch', 'batch' or an integer >= 1"),
    ({"update_freq": "sometimes"}, "got 'sometimes'"),
    ({"profile_batch": 5}, "profile_batch=5: trainlab has no profiler"),
    ({"embeddings_freq": 1}, "leave embeddings_freq at 0"),
])
def test_bad_arguments_are_refused(tmp_path, options, message):
    with pytest.raises(ValueError, match=message):
        keras.callbacks.TensorBoard(tmp_path, **options)


def test_missing_writer_names_the_extra(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    with pytest.raises(ImportError, match=r"pip install 'trainlab\[tensorboard\]'"):
        keras.callbacks.TensorBoard(tmp_path)
