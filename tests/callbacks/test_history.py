"""History and the learning rate in the epoch logs: present only under a learning-rate callback
(Keras 3), and readable under tf.keras 2's key ``"lr"`` with a DeprecationWarning (HOML2)."""
import csv
import warnings

import numpy as np
import pytest

import trainlab as keras
from trainlab.callbacks import CSVLogger, LearningRateScheduler, OneCycleScheduler, ReduceLROnPlateau


def fit(callbacks, epochs=3, optimizer=None):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Dense(2, activation="softmax", input_shape=[3])])
    model.compile(optimizer=optimizer or keras.optimizers.SGD(learning_rate=0.1),
                  loss="sparse_categorical_crossentropy")
    x = np.random.default_rng(0).normal(size=(40, 3)).astype("float32")
    y = (x[:, 0] > 0).astype(int)
    return model.fit(x, y, epochs=epochs, batch_size=10, validation_split=0.25, verbose=0, callbacks=callbacks)


def header(path):
    with open(path, newline="") as handle:
        return next(csv.reader(handle))


def test_without_a_learning_rate_callback_no_rate_is_logged(tmp_path):
    history = fit([CSVLogger(tmp_path / "log.csv")])
    assert set(history.history) == {"loss", "val_loss"}
    assert header(tmp_path / "log.csv") == ["epoch", "loss", "val_loss"]
    with pytest.raises(KeyError, match=r"No learning rate in this History: as in Keras 3, it is recorded only when a "
                                       r"learning-rate callback \(LearningRateScheduler, ReduceLROnPlateau or "
                                       r"OneCycleScheduler\) runs\. Recorded keys: loss, val_loss"):
        history.history["lr"]
    with pytest.raises(KeyError, match=r"No 'val_acc' in this History; recorded keys: loss, val_loss"):
        history.history["val_acc"]
    assert history.history.get("lr") is None and history.history.get("val_acc", 7) == 7


def test_scheduler_logs_the_rate_each_epoch_used_and_lr_reads_it_with_a_warning(tmp_path):
    # HOML2: lr_scheduler = LearningRateScheduler(exponential_decay_fn); plt.plot(history.history["lr"])
    history = fit([LearningRateScheduler(lambda epoch: 0.01 * 0.1 ** (epoch / 20)), CSVLogger(tmp_path / "log.csv")])
    expected = [0.01, 0.01 * 0.1 ** (1 / 20), 0.01 * 0.1 ** (2 / 20)]
    assert history.history["learning_rate"] == pytest.approx(expected, rel=1e-15)
    with pytest.warns(DeprecationWarning, match=r'history.history\["lr"\] is the tf.keras 2 name; use '
                                                r'history.history\["learning_rate"\]'):
        rates = history.history["lr"]
    assert rates is history.history["learning_rate"]
    with pytest.warns(DeprecationWarning):
        assert history.history.get("lr") is rates
    # No separate key: not listed, not a CSV column.
    assert "lr" not in history.history and "lr" not in list(history.history)
    assert header(tmp_path / "log.csv") == ["epoch", "learning_rate", "loss", "val_loss"]


def test_reduce_lr_on_plateau_logs_the_rate_used_before_reducing_it():
    history = fit([ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=10.0)])
    # min_delta=10: no epoch counts as an improvement after the first, so the rate halves from epoch 1 on.
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.1, 0.05])


def test_one_cycle_logs_the_rate_of_each_epochs_last_step():
    history = fit([OneCycleScheduler(max_learning_rate=0.2, total_steps=9)], epochs=3)
    # 3 steps per epoch; half cycle h = floor(0.9·9/2) = 4: rate rises 0.02 → 0.2 over steps 0..4,
    # falls back to 0.02 at step 8, then to 0.02/1000 at step 9.
    rise = lambda t: 0.02 + (0.2 - 0.02) * t / 4
    fall = lambda t: 0.2 - (0.2 - 0.02) * (t - 4) / 4
    assert history.history["learning_rate"] == pytest.approx([rise(2), fall(5), fall(8)], rel=1e-12)
    assert history.history["momentum"] == pytest.approx([0.95 - 0.1 * 2 / 4, 0.85 + 0.1 * 1 / 4, 0.95], rel=1e-12)


def test_history_keys_added_by_callbacks_are_recorded_as_they_are():
    # The notes' custom callbacks write logs["lr"] themselves: that is a real key, read without a warning.
    class LogRate(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["lr"] = keras.backend.get_value(self.model.optimizer.lr)

    history = fit([LogRate()], epochs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert history.history["lr"] == [0.1, 0.1]
