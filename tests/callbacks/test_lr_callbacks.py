"""LearningRateScheduler, ReduceLROnPlateau, OneCycleScheduler and the notes' per-step custom
callback: driven with scripted logs, and through ``fit`` checking the rate each update used."""
import math
from types import SimpleNamespace

import numpy as np
import pytest

import trainlab as keras
from trainlab.callbacks import LearningRateScheduler, OneCycleScheduler, ReduceLROnPlateau
from trainlab.optimizers import schedules


def scripted(callback, optimizer):
    callback.set_model(SimpleNamespace(optimizer=optimizer))
    callback.set_params({"epochs": 10, "steps": 1})
    return callback


def tiny_model(optimizer, seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.layers.Dense(4, activation="relu", input_shape=[3]),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    return model


def data(n=40):
    rng = np.random.default_rng(1)
    return rng.normal(size=(n, 3)).astype("float32"), rng.integers(0, 2, n)


def record_rates(optimizer, names=("learning_rate",)):
    """Wrap ``apply_flat`` (what ``fit`` calls) to record the hyperparameters each update used."""
    used = {name: [] for name in names}
    original = optimizer.apply_flat

    def apply_flat(*args, **kwargs):
        values = optimizer.hyperparameters()
        for name in names:
            used[name].append(values[name])
        return original(*args, **kwargs)

    optimizer.apply_flat = apply_flat
    return used


# -- ReduceLROnPlateau ---------------------------------------------------------------------------
def test_reduce_lr_on_plateau_scripted():
    optimizer = keras.optimizers.SGD(learning_rate=0.1)
    callback = scripted(ReduceLROnPlateau(factor=0.5, patience=2, cooldown=1, min_lr=0.03, min_delta=0.0), optimizer)
    callback.on_train_begin()
    rates, logged = [], []
    for epoch, value in enumerate([1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.6, 0.6, 0.6]):
        logs = {"val_loss": value}
        callback.on_epoch_end(epoch, logs)
        logged.append(logs["learning_rate"])
        rates.append(float(optimizer.learning_rate))
    # wait 1, 2 → reduce to 0.05 + cooldown 1; cooldown epoch counts down and then wait 1; wait 2 → max(0.025, 0.03)
    assert rates == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.03, 0.03, 0.03, 0.03, 0.03])
    assert logged == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05, 0.03, 0.03, 0.03, 0.03])
    assert callback.best == 0.5 and callback.get_state() == {"best": 0.5, "wait": 3, "cooldown_counter": 0}


def test_reduce_lr_on_plateau_min_delta_and_max_mode():
    optimizer = keras.optimizers.SGD(learning_rate=1.0)
    callback = scripted(ReduceLROnPlateau(monitor="val_accuracy", factor=0.1, patience=1, min_delta=0.05), optimizer)
    callback.on_train_begin()
    for epoch, value in enumerate([0.50, 0.54]):  # +0.04 is not an improvement of more than 0.05
        callback.on_epoch_end(epoch, {"val_accuracy": value})
    assert float(optimizer.learning_rate) == pytest.approx(0.1)
    callback.on_epoch_end(2, {"val_accuracy": 0.60})
    assert float(optimizer.learning_rate) == pytest.approx(0.1) and callback.best == 0.60


def test_reduce_lr_on_plateau_warns_when_monitor_missing():
    callback = scripted(ReduceLROnPlateau(), keras.optimizers.SGD())
    callback.on_train_begin()
    with pytest.warns(RuntimeWarning, match="monitors 'val_loss', which is not in the logs; available: learning_rate, loss"):
        callback.on_epoch_end(0, {"loss": 1.0})


@pytest.mark.parametrize("kwargs, message", [
    (dict(factor=1.0), r"factor must be in \(0, 1\).*got 1.0"),
    (dict(factor=0.0), r"factor must be in \(0, 1\)"),
    (dict(patience=-1), r"patience must be an integer >= 0.*got -1"),
    (dict(cooldown=1.5), r"cooldown must be an integer >= 0.*got 1.5"),
    (dict(min_lr=-1e-3), r"min_lr must be >= 0; got -0.001"),
    (dict(mode="up"), r"Unknown mode 'up'"),
])
def test_reduce_lr_on_plateau_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ReduceLROnPlateau(**kwargs)


def test_monitor_state_resets_on_a_new_fit():
    x, y = data()
    model = tiny_model(keras.optimizers.SGD(learning_rate=0.01))
    callback = ReduceLROnPlateau(monitor="loss", patience=100)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[callback])
    first_best = callback.best
    callback.best, callback.wait = -1.0, 7  # anything left over must be forgotten
    model.fit(x, y, epochs=1, verbose=0, callbacks=[callback])
    assert callback.wait == 0 and callback.best != -1.0 and first_best is not None


# -- LearningRateScheduler ------------------------------------------------------------------------
def test_scheduler_epoch_only_and_epoch_lr_forms():
    optimizer = keras.optimizers.SGD(learning_rate=0.5)
    by_epoch = scripted(LearningRateScheduler(lambda epoch: 0.01 * 0.1 ** (epoch / 20)), optimizer)
    by_epoch.on_epoch_begin(20)
    assert float(optimizer.learning_rate) == pytest.approx(0.001)
    relative = scripted(LearningRateScheduler(lambda epoch, lr: lr * 0.5), optimizer)
    relative.on_epoch_begin(0)
    relative.on_epoch_begin(1)
    assert float(optimizer.learning_rate) == pytest.approx(0.00025)


def test_scheduler_accepts_a_schedule_object_called_with_the_epoch():
    optimizer = keras.optimizers.SGD(learning_rate=0.5)
    callback = scripted(LearningRateScheduler(schedules.PiecewiseConstantDecay([5, 15], [0.01, 0.005, 0.001])),
                        optimizer)
    callback.on_epoch_begin(6)
    assert float(optimizer.learning_rate) == 0.005


def test_scheduler_in_fit_respects_initial_epoch_and_rate_per_step():
    x, y = data(40)
    optimizer = keras.optimizers.SGD(learning_rate=0.5)
    model = tiny_model(optimizer)
    seen = []
    used = record_rates(optimizer)

    def schedule(epoch):
        seen.append(epoch)
        return 0.1 / (epoch + 1)

    history = model.fit(x, y, epochs=5, initial_epoch=3, batch_size=20, verbose=0,
                        callbacks=[LearningRateScheduler(schedule)])
    assert seen == [3, 4]
    assert used["learning_rate"] == pytest.approx([0.1 / 4] * 2 + [0.1 / 5] * 2)
    assert history.history["learning_rate"] == pytest.approx([0.1 / 4, 0.1 / 5])


@pytest.mark.parametrize("bad", [math.nan, math.inf, -0.01, 0.0])
def test_scheduler_rejects_bad_rates(bad):
    callback = scripted(LearningRateScheduler(lambda epoch: bad), keras.optimizers.SGD())
    with pytest.raises(ValueError, match=rf"returned the learning rate {bad} at epoch 2; a rate must be a finite"):
        callback.on_epoch_begin(2)


def test_scheduler_rejects_non_numbers_and_non_callables():
    with pytest.raises(TypeError, match="schedule must be a function"):
        LearningRateScheduler(0.1)
    callback = scripted(LearningRateScheduler(lambda epoch: "fast"), keras.optimizers.SGD())
    with pytest.raises(TypeError, match="returned 'fast' at epoch 0"):
        callback.on_epoch_begin(0)


def test_scheduler_with_a_scheduled_optimizer_says_why():
    optimizer = keras.optimizers.SGD(schedules.ExponentialDecay(0.1, 10, 0.5))
    callback = scripted(LearningRateScheduler(lambda epoch: 0.1), optimizer)
    with pytest.raises(ValueError, match="comes from a schedule"):
        callback.on_epoch_begin(0)


# -- the notes' per-step custom callback (seed 001), unchanged --------------------------------
K = keras.backend
s = 7


class ExponentialDecay(keras.callbacks.Callback):
    def __init__(self, s=40000):
        super().__init__()
        self.s = s

    def on_batch_begin(self, batch, logs=None):
        # Note: the `batch` argument is reset at each epoch
        lr = K.get_value(self.model.optimizer.lr)
        K.set_value(self.model.optimizer.lr, lr * 0.1**(1 / s))

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        logs['lr'] = K.get_value(self.model.optimizer.lr)


def test_seed_per_step_exponential_decay_callback():
    x, y = data(40)
    optimizer = keras.optimizers.SGD(learning_rate=0.01)
    model = tiny_model(optimizer)
    used = record_rates(optimizer)
    history = model.fit(x, y, epochs=3, batch_size=10, verbose=0, callbacks=[ExponentialDecay(s)])
    expected = [0.01 * 0.1 ** ((k + 1) / s) for k in range(12)]
    assert used["learning_rate"] == pytest.approx(expected, rel=1e-12)
    assert history.history["lr"] == pytest.approx([expected[3], expected[7], expected[11]], rel=1e-12)


# -- OneCycleScheduler ----------------------------------------------------------------------------
@pytest.mark.parametrize("optimizer, momentum_name", [
    (keras.optimizers.SGD(learning_rate=0.1, momentum=0.9), "momentum"),
    (keras.optimizers.Adam(), "beta_1"),
    (keras.optimizers.RMSprop(), "momentum"),
])
def test_one_cycle_scheduler_sets_rate_and_momentum_every_step(optimizer, momentum_name):
    x, y = data(40)
    model = tiny_model(optimizer)
    used = record_rates(optimizer, ("learning_rate", momentum_name))
    history = model.fit(x, y, epochs=5, batch_size=10, verbose=0,
                        callbacks=[OneCycleScheduler(max_learning_rate=0.05)])
    reference = schedules.OneCycle(20, 0.05)
    assert used["learning_rate"] == pytest.approx([reference(t) for t in range(20)])
    assert used[momentum_name] == pytest.approx([reference.momentum(t) for t in range(20)])
    assert history.history[momentum_name] == pytest.approx([reference.momentum(t) for t in (3, 7, 11, 15, 19)])
    assert max(used["learning_rate"]) == pytest.approx(0.05)


def test_one_cycle_scheduler_without_momentum_hyperparameter():
    x, y = data(20)
    model = tiny_model(keras.optimizers.Adagrad())
    history = model.fit(x, y, epochs=2, batch_size=10, verbose=0, callbacks=[OneCycleScheduler(0.1)])
    assert "momentum" not in history.history and len(history.history["learning_rate"]) == 2


def test_one_cycle_scheduler_validates_eagerly():
    with pytest.raises(ValueError, match="total_steps must be an integer >= 4"):
        OneCycleScheduler(0.1, total_steps=3)
