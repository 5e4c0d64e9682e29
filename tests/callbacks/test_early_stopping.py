"""EarlyStopping against scripted logs (Keras 3 semantics: wait increments before the test)."""
import numpy as np
import pytest

import trainlab as keras
from trainlab.callbacks import EarlyStopping, LambdaCallback


def marked_model():
    return keras.Sequential([keras.layers.Dense(1, input_shape=[1])])


def marker(model) -> float:
    return float(model.get_weights()[0][0, 0])


def run_script(callback, values, key="val_loss", model=None):
    """Drive the callback like fit does; the kernel holds the epoch number as a marker."""
    model = model or marked_model()
    callback.set_model(model)
    model.stop_training = False
    callback.on_train_begin({})
    ran = []
    for epoch, value in enumerate(values):
        model.set_weights([np.full((1, 1), epoch, "float32"), np.zeros(1, "float32")])
        callback.on_epoch_end(epoch, {key: value})
        ran.append(epoch)
        if model.stop_training:
            break
    callback.on_train_end({})
    return model, ran


def test_stops_after_patience_epochs_without_improvement():
    stopper = EarlyStopping(patience=2)
    _, ran = run_script(stopper, [1.0, 0.9, 0.95, 0.96, 0.97, 0.5])
    assert ran == [0, 1, 2, 3]
    assert stopper.stopped_epoch == 3 and stopper.best_epoch == 1 and stopper.best == pytest.approx(0.9)


def test_patience_zero_stops_at_the_first_non_improvement_but_never_at_epoch_zero():
    _, ran = run_script(EarlyStopping(patience=0), [1.0, 1.0, 0.5])
    assert ran == [0, 1]


def test_improvement_is_strict_and_needs_more_than_min_delta():
    stopper = EarlyStopping(patience=0, min_delta=0.1)
    _, ran = run_script(stopper, [1.0, 0.95, 0.5])
    assert ran == [0, 1] and stopper.best == 1.0
    _, ran = run_script(EarlyStopping(patience=0, min_delta=-0.1), [1.0, 0.85, 0.5])  # sign ignored
    assert ran == [0, 1, 2]


def test_restores_best_weights_when_it_stops():
    stopper = EarlyStopping(patience=2, restore_best_weights=True)
    model, _ = run_script(stopper, [1.0, 0.5, 0.7, 0.8, 0.1])
    assert marker(model) == 1.0


def test_restores_best_weights_when_training_runs_out_of_epochs():
    stopper = EarlyStopping(patience=10, restore_best_weights=True)
    model, ran = run_script(stopper, [1.0, 0.4, 0.6, 0.7])
    assert ran == [0, 1, 2, 3] and stopper.stopped_epoch == 0
    assert marker(model) == 1.0 and stopper.best_epoch == 1


def test_without_restore_the_last_weights_stay():
    model, _ = run_script(EarlyStopping(patience=1), [1.0, 0.5, 0.7, 0.8])  # stops at epoch 2
    assert marker(model) == 2.0


def test_max_mode_and_auto_mode_for_accuracy():
    for mode in ("max", "auto"):
        stopper = EarlyStopping(monitor="val_accuracy", patience=1, mode=mode, restore_best_weights=True)
        model, ran = run_script(stopper, [0.5, 0.8, 0.7, 0.9], key="val_accuracy")
        assert ran == [0, 1, 2] and marker(model) == 1.0


def test_baseline_gates_the_patience_counter_but_best_tracks_the_real_best():
    # Keras 3: values that improve on the best but not on the baseline keep `wait` counting.
    stopper = EarlyStopping(patience=1, baseline=0.5, restore_best_weights=True)
    model, ran = run_script(stopper, [0.8, 0.9, 0.4])
    assert ran == [0, 1] and stopper.best == 0.8 and marker(model) == 0.0
    stopper = EarlyStopping(patience=1, baseline=0.5)
    _, ran = run_script(stopper, [0.8, 0.45, 0.46, 0.47])
    assert ran == [0, 1, 2] and stopper.best == 0.45


def test_start_from_epoch_ignores_warm_up_epochs():
    stopper = EarlyStopping(patience=0, start_from_epoch=2, restore_best_weights=True)
    model, ran = run_script(stopper, [0.1, 5.0, 1.0, 0.9, 2.0])
    assert ran == [0, 1, 2, 3, 4] and stopper.best_epoch == 3 and marker(model) == 3.0


def test_missing_or_nan_monitor_value_is_skipped_with_a_warning():
    stopper = EarlyStopping(patience=0)
    with pytest.warns(RuntimeWarning, match="val_loss.*not in the logs.*available: loss"):
        _, ran = run_script(stopper, [1.0, 2.0, 3.0], key="loss")
    assert ran == [0, 1, 2] and stopper.best is None
    _, ran = run_script(EarlyStopping(patience=0), [1.0, float("nan"), 0.5])
    assert ran == [0, 1, 2]


def test_state_is_reset_when_reused_for_a_new_fit():
    stopper = EarlyStopping(patience=0, restore_best_weights=True)
    run_script(stopper, [0.1, 0.2])
    assert stopper.best == 0.1 and stopper.stopped_epoch == 1
    model, ran = run_script(stopper, [1.0, 0.9, 0.95])
    assert ran == [0, 1, 2] and stopper.best == 0.9 and marker(model) == 1.0


def test_get_state_set_state_resumes():
    first = EarlyStopping(patience=2)
    run_script(first, [1.0, 0.5, 0.6])  # best 0.5, wait 1
    state = first.get_state()
    assert state == {"best": 0.5, "wait": 1, "stopped_epoch": 0, "best_epoch": 1}
    resumed = EarlyStopping(patience=2)
    model = marked_model()
    resumed.set_model(model)
    resumed.on_train_begin({})
    resumed.set_state(state)  # the fit loop hands saved states back after on_train_begin
    resumed.on_epoch_end(3, {"val_loss": 0.7})  # wait 2 → stops
    assert model.stop_training and resumed.stopped_epoch == 3


def test_resumed_fit_continues_the_patience_count():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Dense(1, input_shape=[2])])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((8, 2), "float32"), np.ones((8, 1), "float32")
    stopper = EarlyStopping(monitor="loss", min_delta=100.0, patience=3)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[stopper])  # wait = 1 after epoch 1
    history = model.fit(x, y, epochs=10, initial_epoch=2, verbose=0, callbacks=[EarlyStopping(
        monitor="loss", min_delta=100.0, patience=3)])
    assert history.epoch[-1] == 3  # wait reaches 3 at epoch 3, counting the first run's epochs


def test_in_a_real_fit_the_epoch_of_the_best_loss_is_restored():
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")
    model = keras.Sequential([keras.layers.Dense(1, input_shape=[3])])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="mse")
    after_first = {}
    record = LambdaCallback(on_epoch_end=lambda epoch, logs: after_first.setdefault("w", model.get_weights()))
    # min_delta larger than any possible gain: only epoch 0 ever counts as an improvement.
    stopper = EarlyStopping(monitor="loss", min_delta=100.0, patience=2, restore_best_weights=True)
    history = model.fit(x, y, epochs=10, batch_size=16, verbose=0, callbacks=[record, stopper])
    assert len(history.epoch) == 3 and stopper.stopped_epoch == 2 and stopper.best_epoch == 0
    for restored, saved in zip(model.get_weights(), after_first["w"]):
        np.testing.assert_array_equal(restored, saved)


def test_prints_like_keras_when_verbose(capsys):
    run_script(EarlyStopping(patience=0, verbose=1, restore_best_weights=True), [1.0, 2.0])
    out = capsys.readouterr().out
    assert "Epoch 2: early stopping" in out and "best epoch: 1" in out


@pytest.mark.parametrize("kwargs, message", [
    ({"patience": -1}, "patience must be an integer >= 0; got -1"),
    ({"patience": 1.5}, "patience must be an integer >= 0; got 1.5"),
    ({"start_from_epoch": -2}, "start_from_epoch must be an integer >= 0; got -2"),
    ({"mode": "up"}, "Unknown mode 'up'"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        EarlyStopping(**kwargs)


# -- exact resume with restore_best_weights ------------------------------------------------------
SCORES = {"early": [0.1, 0.5, 0.6, 0.7], "end-of-first-fit": [0.9, 0.2, 0.6, 0.7],
          "after-resume": [0.9, 0.8, 0.1, 0.7], "last": [0.9, 0.8, 0.7, 0.1], "stops-after-resume": [0.9, 0.1, 0.5, 0.6]}


def resume_data():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(48, 4))
    return x, (x[:, 0] - x[:, 1] > 0).astype(int)


def es_model():
    keras.utils.set_random_seed(7)
    model = keras.Sequential([keras.layers.Dense(8, activation="relu", input_shape=[4]),
                              keras.layers.BatchNormalization(), keras.layers.Dropout(0.2),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy")
    return model


def scripted(scores, patience):
    """A scripted monitored value (so the best epoch falls where the case says) and the stopper."""
    score = LambdaCallback(on_epoch_end=lambda epoch, logs: logs.__setitem__("score", scores[epoch]))
    return [score, EarlyStopping(monitor="score", patience=patience, restore_best_weights=True)]


@pytest.mark.parametrize("case", sorted(SCORES))
def test_train_save_load_train_equals_one_run_wherever_the_best_epoch_falls(tmp_path, case):
    previous = keras.backend.floatx()
    keras.backend.set_floatx("float64")
    try:
        x, y = resume_data()
        patience = 1 if case == "stops-after-resume" else 10
        straight, straight_callbacks = es_model(), scripted(SCORES[case], patience)
        history = straight.fit(x, y, epochs=4, batch_size=8, verbose=0, callbacks=straight_callbacks)
        first, first_callbacks = es_model(), scripted(SCORES[case], patience)
        first.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=first_callbacks)
        first.save(tmp_path / "m.keras")
        resumed = keras.models.load_model(tmp_path / "m.keras")
        resumed_history = resumed.fit(x, y, epochs=4, initial_epoch=2, batch_size=8, verbose=0,
                                      callbacks=scripted(SCORES[case], patience))
    finally:
        keras.backend.set_floatx(previous)
    assert resumed_history.history["loss"] == history.history["loss"][2:]
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)
    # Each fit still ends with the weights of its best epoch, as in Keras.
    stopper, first_stopper = straight_callbacks[1], first_callbacks[1]
    ran = len(history.history["loss"])
    assert stopper.best_epoch == int(np.argmin(SCORES[case][:ran]))
    assert first_stopper.best_epoch == int(np.argmin(SCORES[case][:2]))
    for model, callback in ((straight, stopper), (first, first_stopper)):
        for a, b in zip(model.get_weights(), callback.best_weights):
            np.testing.assert_array_equal(a, b)
    assert ran == (3 if case == "stops-after-resume" else 4)


def test_the_saved_state_holds_the_best_weights_and_the_weights_to_continue_from(tmp_path):
    x, y = resume_data()
    model = es_model()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=scripted(SCORES["early"], 10))
    best = model.get_weights()
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    state = loaded._saved_callback_states[0]["state"]
    assert loaded._saved_callback_states[0]["class_name"] == "EarlyStopping" and state["best_epoch"] == 0
    for a, b in zip(state["best_weights"], best):
        np.testing.assert_array_equal(a, b)
    assert any((a != b).any() for a, b in zip(state["weights_at_end"], best))
    # Loading then saving again without a fit keeps the callback state.
    loaded.save(tmp_path / "again.keras")
    again = keras.models.load_model(tmp_path / "again.keras")._saved_callback_states[0]["state"]
    for a, b in zip(again["weights_at_end"], state["weights_at_end"]):
        np.testing.assert_array_equal(a, b)
