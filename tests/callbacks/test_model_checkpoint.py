"""ModelCheckpoint: file names, save_best_only with scripted logs, weights-only files, batch
frequency, reuse, and a save interrupted midway leaving the previous checkpoint intact."""
import os

import numpy as np
import pytest

import trainlab as keras
from trainlab.callbacks import ModelCheckpoint
from trainlab import atomic
from trainlab.saving import ModelFileError, archive


def small_model():
    model = keras.Sequential([keras.layers.Dense(2, input_shape=[3]), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9), loss="mse")
    return model


def set_marker(model, value: float) -> None:
    model.set_weights([np.full_like(w, value) for w in model.get_weights()])


def marker_in(path) -> float:
    return float(keras.models.load_model(path).get_weights()[0][0, 0])


def run_script(callback, model, values, key="val_loss"):
    callback.set_model(model)
    callback.on_train_begin({})
    for epoch, value in enumerate(values):
        callback.on_epoch_begin(epoch, {})
        set_marker(model, epoch)
        callback.on_epoch_end(epoch, {key: value, "loss": 2 * value})


def test_filepath_is_formatted_with_the_epoch_and_log_values(tmp_path):
    model = small_model()
    run_script(ModelCheckpoint(tmp_path / "ckpt_{epoch:02d}_{val_loss:.2f}.keras"), model, [0.5, 0.25])
    assert sorted(os.listdir(tmp_path)) == ["ckpt_01_0.50.keras", "ckpt_02_0.25.keras"]
    assert marker_in(tmp_path / "ckpt_01_0.50.keras") == 0.0
    assert marker_in(tmp_path / "ckpt_02_0.25.keras") == 1.0


def test_a_field_that_is_not_logged_is_named_with_the_available_keys(tmp_path):
    with pytest.raises(KeyError, match=r"names 'val_acc'.*available: epoch, loss, val_loss"):
        run_script(ModelCheckpoint(str(tmp_path / "m_{val_acc}.keras")), small_model(), [0.5])


def test_save_best_only_keeps_the_best_epoch_in_the_file(tmp_path):
    path = tmp_path / "best.keras"
    checkpoint = ModelCheckpoint(path, save_best_only=True)
    model = small_model()
    run_script(checkpoint, model, [1.0, 0.5])
    assert marker_in(path) == 1.0
    run_script(checkpoint, model, [])  # reuse resets the best...
    assert checkpoint.best is None
    checkpoint.set_model(model)
    checkpoint.on_train_begin({})
    checkpoint.set_state({"best": 0.5})  # ...unless a resumed fit hands the saved state back
    for epoch, value in [(2, 0.7), (3, 0.5), (4, 0.2), (5, 0.9)]:
        set_marker(model, epoch)
        checkpoint.on_epoch_end(epoch, {"val_loss": value})
        assert marker_in(path) == (4.0 if epoch >= 4 else 1.0)
    assert checkpoint.get_state()["best"] == 0.2


def test_save_best_only_in_max_mode_and_missing_monitor(tmp_path):
    path = tmp_path / "best.keras"
    run_script(ModelCheckpoint(path, monitor="val_accuracy", save_best_only=True), small_model(),
               [0.5, 0.9, 0.7], key="val_accuracy")
    assert marker_in(path) == 1.0
    with pytest.warns(RuntimeWarning, match="monitors 'val_loss'"):
        run_script(ModelCheckpoint(tmp_path / "never.keras", save_best_only=True), small_model(), [0.1], key="x")
    assert not (tmp_path / "never.keras").exists()


def test_initial_value_threshold_must_be_beaten_before_the_first_save(tmp_path):
    path = tmp_path / "best.keras"
    run_script(ModelCheckpoint(path, save_best_only=True, initial_value_threshold=0.3), small_model(), [0.5, 0.4])
    assert not path.exists()


def test_save_weights_only_writes_a_weights_file(tmp_path):
    path = tmp_path / "w.weights.h5"
    model = small_model()
    run_script(ModelCheckpoint(path, save_weights_only=True), model, [0.5, 0.4])
    with pytest.raises(ModelFileError, match="holds weights only"):
        keras.models.load_model(path)
    other = small_model()
    other.load_weights(path)
    assert float(other.get_weights()[0][0, 0]) == 1.0


def test_integer_save_freq_saves_every_n_batches(tmp_path, monkeypatch):
    model = small_model()
    saves = []
    monkeypatch.setattr(model, "save", lambda path: saves.append(path))
    x, y = np.ones((20, 3), "float32"), np.ones((20, 1), "float32")
    model.fit(x, y, batch_size=4, epochs=2, verbose=0,
              callbacks=[ModelCheckpoint(str(tmp_path / "m_{epoch}.keras"), save_freq=4, monitor="loss")])
    # 5 batches per epoch, 10 in all: saves after batches 4 and 8 (the second in epoch 2).
    assert [os.path.basename(p) for p in saves] == ["m_1.keras", "m_2.keras"]


def test_epoch_frequency_adds_no_batch_hook():
    from trainlab.callbacks.base import _overrides

    assert not _overrides(ModelCheckpoint("m.keras"), "on_train_batch_end")
    assert _overrides(ModelCheckpoint("m.keras", save_freq=3), "on_train_batch_end")


@pytest.mark.parametrize("save_freq", [0, -1, "batch", 2.5, True])
def test_bad_save_freq(save_freq):
    with pytest.raises(ValueError, match=f"save_freq must be 'epoch' or an integer.*got {save_freq!r}"):
        ModelCheckpoint("m.keras", save_freq=save_freq)


def test_verbose_messages(tmp_path, capsys):
    run_script(ModelCheckpoint(tmp_path / "m.keras", save_best_only=True, verbose=1), small_model(), [1.0, 2.0])
    out = capsys.readouterr().out
    assert "Epoch 1: val_loss improved from inf to 1.00000, saving model to" in out
    assert "Epoch 2: val_loss did not improve from 1.00000" in out


@pytest.mark.parametrize("failure", ["npz_writer", "rename"])
def test_a_save_interrupted_midway_leaves_the_previous_checkpoint_intact(tmp_path, monkeypatch, failure):
    path = tmp_path / "ckpt.keras"
    model = small_model()
    checkpoint = ModelCheckpoint(path)
    checkpoint.set_model(model)
    checkpoint.on_train_begin({})
    set_marker(model, 7.0)
    checkpoint.on_epoch_end(0, {"val_loss": 1.0})
    before = path.read_bytes()

    calls = []

    def failing_npz_bytes(arrays):
        calls.append(1)
        if len(calls) == 2:  # weights.npz already written into the temporary zip
            raise OSError("disk full")
        return real_npz_bytes(arrays)

    def failing_replace(*args):
        raise OSError("rename failed")

    real_npz_bytes = archive.npz_bytes
    if failure == "npz_writer":
        monkeypatch.setattr(archive, "npz_bytes", failing_npz_bytes)
    else:
        monkeypatch.setattr(atomic.os, "replace", failing_replace)
    set_marker(model, 9.0)
    with pytest.raises(OSError, match="disk full|rename failed"):
        checkpoint.on_epoch_end(1, {"val_loss": 0.5})
    monkeypatch.undo()
    assert path.read_bytes() == before and marker_in(path) == 7.0
    assert os.listdir(tmp_path) == ["ckpt.keras"]  # no temporary file left behind
