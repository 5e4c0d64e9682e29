"""Exact resume: train(n) → save → load (fresh model object, or a fresh process) → train(m)
gives the weights of train(n + m): bit-identical in float64, allclose 1e-6 in float32.

The file must carry the optimizer's slots, iterations, extra state (Nadam's product) and live
hyperparameters, the schedule, the epoch, the shuffle RNG, every layer's ``rng`` (RReLU slopes)
and the stateful callbacks (ReduceLROnPlateau's best/wait/cooldown, OneCycleScheduler's step).
"""
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import trainlab as keras
from trainlab.optimizers import schedules
from trainlab.saving import load_model

N, M = 3, 4


@pytest.fixture
def floatx():
    previous = keras.backend.floatx()
    yield keras.backend.set_floatx
    keras.backend.set_floatx(previous)


def data(dtype):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(60, 5)).astype(dtype)
    return x, (x[:, 0] + x[:, 1] ** 2 > 0.8).astype(int) + (x[:, 2] > 0.5)


def build(optimizer_factory):
    keras.utils.set_random_seed(11)
    model = keras.Sequential([keras.layers.Dense(16, input_shape=[5]), keras.layers.RReLU(),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=optimizer_factory(), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def weights(model):
    return [w for layer in model.layers for w in layer.weights]


def resume_matches(tmp_path, dtype, optimizer_factory, callbacks_factory, fit_kwargs=None):
    fit_kwargs = {"batch_size": 8, "verbose": 0, "validation_split": 0.25, **(fit_kwargs or {})}
    x, y = data(dtype)
    straight = build(optimizer_factory)
    history = straight.fit(x, y, epochs=N + M, callbacks=callbacks_factory(), **fit_kwargs)

    first = build(optimizer_factory)
    first.fit(x, y, epochs=N, callbacks=callbacks_factory(), **fit_kwargs)
    first.save(tmp_path / "checkpoint.zip")
    del first
    resumed = load_model(tmp_path / "checkpoint.zip")
    assert resumed.epochs_completed == N
    resumed_history = resumed.fit(x, y, epochs=N + M, initial_epoch=N, callbacks=callbacks_factory(), **fit_kwargs)

    assert resumed.optimizer.iterations == straight.optimizer.iterations
    assert resumed.optimizer.hyperparameters() == straight.optimizer.hyperparameters()
    assert resumed_history.history["loss"] == history.history["loss"][N:] or dtype == "float32"
    return weights(straight), weights(resumed), history


def assert_same(straight, resumed, dtype):
    for a, b in zip(straight, resumed):
        assert a.dtype == np.dtype(dtype)
        if dtype == "float64":
            np.testing.assert_array_equal(a, b)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_resume_with_plateau_and_epoch_scheduler(tmp_path, floatx, dtype):
    floatx(dtype)

    def callbacks():
        return [keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1, min_delta=0.05),
                keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.9 if epoch % 2 else lr)]

    straight, resumed, history = resume_matches(
        tmp_path, dtype, lambda: keras.optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True), callbacks)
    assert_same(straight, resumed, dtype)
    rates = history.history["learning_rate"]
    assert any(b < 0.9 * a * 0.99 for a, b in zip(rates, rates[1:]))  # the plateau callback did reduce


@pytest.mark.parametrize("factory", [
    lambda: keras.optimizers.Nadam(schedules.ExponentialDecay(0.01, 10, 0.5)),
    lambda: keras.optimizers.Adam(schedules.CosineDecay(0.001, 30, warmup_target=0.01, warmup_steps=10),
                                  amsgrad=True, clipnorm=1.0),
    lambda: keras.optimizers.AdamW(0.01, weight_decay=0.01),
    lambda: keras.optimizers.Adagrad(0.05),
    lambda: keras.optimizers.Adamax(0.01),
], ids=["nadam-exponential", "adam-amsgrad-cosine", "adamw", "adagrad", "adamax"])
def test_resume_with_step_schedules_is_bit_identical(tmp_path, floatx, factory):
    floatx("float64")
    straight, resumed, _ = resume_matches(tmp_path, "float64", factory, lambda: [])
    assert_same(straight, resumed, "float64")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_resume_mid_one_cycle(tmp_path, floatx, dtype):
    floatx(dtype)
    straight, resumed, history = resume_matches(
        tmp_path, dtype, lambda: keras.optimizers.RMSprop(momentum=0.5),
        # The whole run's length is given: a cycle sized from the first fit's epochs would end there.
        lambda: [keras.callbacks.OneCycleScheduler(max_learning_rate=0.02, total_steps=(N + M) * 6)])
    assert_same(straight, resumed, dtype)
    assert "momentum" in history.history


def test_without_initial_epoch_callbacks_start_fresh(tmp_path):
    model = build(lambda: keras.optimizers.SGD(0.01))
    x, y = data("float32")
    plateau = keras.callbacks.ReduceLROnPlateau(monitor="loss", patience=50)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[plateau])
    model.save(tmp_path / "m.zip")
    loaded = load_model(tmp_path / "m.zip")
    saved = json.loads(json.dumps(loaded._saved_callback_states))
    assert saved[0]["class_name"] == "ReduceLROnPlateau" and saved[0]["state"]["best"] == plateau.best
    fresh = keras.callbacks.ReduceLROnPlateau(monitor="loss", patience=50)
    loaded.fit(x, y, epochs=1, verbose=0, callbacks=[fresh])
    assert fresh.wait == 0  # a new run: the saved state was not applied


SCRIPT = textwrap.dedent("""
    import sys, numpy as np, trainlab as keras
    from trainlab.saving import load_model
    keras.backend.set_floatx("float64")
    path, out = sys.argv[1], sys.argv[2]
    rng = np.random.default_rng(5)
    x = rng.normal(size=(60, 5)); y = (x[:, 0] + x[:, 1] ** 2 > 0.8).astype(int) + (x[:, 2] > 0.5)
    model = load_model(path)
    model.fit(x, y, epochs={total}, initial_epoch={n}, batch_size=8, verbose=0, validation_split=0.25,
              callbacks=[keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=1, min_delta=0.05)])
    np.savez(out, *[w for layer in model.layers for w in layer.weights])
""")


def test_resume_in_a_fresh_process(tmp_path, floatx):
    floatx("float64")

    def callbacks():
        return [keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=1, min_delta=0.05)]

    x, y = data("float64")
    fit_kwargs = dict(batch_size=8, verbose=0, validation_split=0.25)
    straight = build(lambda: keras.optimizers.Nadam(0.01))
    straight.fit(x, y, epochs=N + M, callbacks=callbacks(), **fit_kwargs)
    first = build(lambda: keras.optimizers.Nadam(0.01))
    first.fit(x, y, epochs=N, callbacks=callbacks(), **fit_kwargs)
    first.save(tmp_path / "checkpoint.zip")

    script = tmp_path / "resume.py"
    script.write_text(SCRIPT.format(total=N + M, n=N))
    import os

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    subprocess.run([sys.executable, str(script), str(tmp_path / "checkpoint.zip"), str(tmp_path / "out.npz")],
                   check=True, env=env, timeout=120)
    with np.load(tmp_path / "out.npz") as resumed:
        for i, expected in enumerate(weights(straight)):
            np.testing.assert_array_equal(resumed[f"arr_{i}"], expected)


@pytest.mark.parametrize("checkpoint_first", [True, False], ids=["checkpoint-first", "checkpoint-last"])
def test_resume_from_a_model_checkpoint_file_with_stateful_callbacks(tmp_path, floatx, checkpoint_first):
    """A checkpoint written at an epoch's end holds every callback's state for that epoch (it
    saves after them, whatever the list order) and that epoch in ``epochs_completed``."""
    floatx("float64")
    scores = [0.5, 0.9, 0.95, 0.1, 0.2, 0.05, 0.3]  # scripted, so the plateau and the best epoch are known

    def callbacks(pattern):
        others = [keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: logs.__setitem__("score",
                                                                                                    scores[epoch])),
                  keras.callbacks.ReduceLROnPlateau(monitor="score", patience=1, factor=0.5),
                  keras.callbacks.EarlyStopping(monitor="score", patience=10, restore_best_weights=True)]
        checkpoint = keras.callbacks.ModelCheckpoint(str(tmp_path / pattern))
        return [checkpoint, *others] if checkpoint_first else [*others, checkpoint]

    x, y = data("float64")
    fit_kwargs = dict(batch_size=8, verbose=0, validation_split=0.25)
    straight = build(lambda: keras.optimizers.Nadam(0.01))
    history = straight.fit(x, y, epochs=N + M, callbacks=callbacks("run_{epoch}.keras"), **fit_kwargs)
    resumed = load_model(tmp_path / f"run_{N}.keras")
    assert resumed.epochs_completed == N
    resumed_history = resumed.fit(x, y, epochs=N + M, initial_epoch=resumed.epochs_completed,
                                  callbacks=callbacks("resumed_{epoch}.keras"), **fit_kwargs)
    assert resumed_history.history["learning_rate"] == history.history["learning_rate"][N:]
    assert resumed_history.history["loss"] == history.history["loss"][N:]
    assert_same(weights(straight), weights(resumed), "float64")
