"""Malformed values anywhere in a model file are a ModelFileError at load, naming the key —
never an error at the next fit, predict or resumed fit."""
import re

import numpy as np
import pytest

import trainlab as keras
from trainlab.callbacks import EarlyStopping, ReduceLROnPlateau
from trainlab.saving import ModelFileError, load_model
from tests.saving import hostile


@pytest.fixture
def path(tmp_path):
    path = tmp_path / "model.keras"
    hostile.rich_model_file(path)
    return path


def refuse(path, message):
    with pytest.raises(ModelFileError, match=message):
        load_model(path)


def train_one_step(model):
    x = np.random.default_rng(0).normal(size=(8, 3))
    model.fit(x, np.arange(8) % 3, epochs=1, batch_size=8, verbose=0)


# -- JSON values ----------------------------------------------------------------------------------
@pytest.mark.parametrize("epoch", [-5, 2.7, "2", 10 ** 30, True, None, [1]])
def test_a_bad_epoch(path, epoch):
    hostile.edit_config(path, lambda config: config["training_state"].__setitem__("epoch", epoch))
    refuse(path, re.escape(f"training_state.epoch must be an integer in [0, 2147483647]; got {epoch!r}"))


@pytest.mark.parametrize("version", [True, 0, -1, "1", 1.0, None])
def test_a_bad_format_version(path, version):
    content = hostile.members(path)
    content["metadata.json"] = ('{"format": "trainlab.model", "format_version": %s}'
                                % __import__("json").dumps(version)).encode()
    hostile.write_members(path, content)
    refuse(path, re.escape(f"has an invalid format_version {version!r} in metadata.json"))


@pytest.mark.parametrize("name", [7, None, "", ["dense"], {"a": 1}])
def test_a_layer_name_that_is_not_a_string(path, name):
    hostile.edit_config(path, lambda config: config["model"]["config"]["layers"][0]["config"].__setitem__("name", name))
    refuse(path, "layer 0 .* has a name that is not a non-empty string")


@pytest.mark.parametrize("index, key, value, shown", [
    (1, "momentum", "0.99", "config.momentum: '0.99' → 0.99"),
    (1, "center", "yes", "config.center: 'yes' → True"),
    (0, "use_bias", 1, "config.use_bias: 1 → True"),
    (0, "trainable", "no", "config.trainable: 'no' → True"),
])
def test_a_value_of_the_wrong_type_that_a_constructor_would_coerce(path, index, key, value, shown):
    hostile.edit_config(path, lambda config: config["model"]["config"]["layers"][index]["config"].__setitem__(key, value))
    refuse(path, f"cannot be rebuilt as saved: {re.escape(shown)} \\(a value of the wrong type")


def test_an_optimizer_value_of_the_wrong_type(path):
    hostile.edit_config(path, lambda config: config["compile"]["optimizer"]["config"].__setitem__("beta_1", "0.9"))
    refuse(path, "the optimizer cannot be rebuilt|the optimizer cannot be rebuilt as saved")


# -- weights and layer state ----------------------------------------------------------------------
def test_a_negative_moving_variance(path):
    hostile.edit_npz(path, "weights.npz", lambda a: a["batch_normalization/moving_variance"].__setitem__(0, -1.0))
    refuse(path, r"layer 'batch_normalization' weight 'moving_variance' \(as float32\) holds negative values; a "
                 r"variance is never negative")


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_non_finite_weights(path, value):
    hostile.edit_npz(path, "weights.npz", lambda a: a["dense/kernel"].__setitem__((0, 0), value))
    refuse(path, "layer 'dense' weight 'kernel' holds 1 NaN or infinite values; a model saved from a diverged run")


def test_complex_weights(path):
    hostile.edit_npz(path, "weights.npz", lambda a: a.__setitem__("dense/bias", a["dense/bias"] + 1j))
    refuse(path, r"array 'dense/bias' holds complex numbers \(complex64\); model weights and optimizer state are "
                 r"real. Save the real part \(np.real\)")


@pytest.mark.parametrize("key, value, shown", [("dense/kernel", 1e30, "1e\\+30"), ("dense/bias", -2e19, "2e\\+19")])
def test_values_whose_square_overflows(path, key, value, shown):
    hostile.edit_npz(path, "weights.npz", lambda a: a[key].reshape(-1).__setitem__(0, value))
    refuse(path, f"holds values up to {shown} in magnitude, beyond 1.84e\\+19 \\(√ of the largest float32\\): "
                 f"squaring them overflows")


def test_load_weights_checks_values_before_copying_any(tmp_path):
    model = hostile.rich_model_file(tmp_path / "m.keras")
    model.save_weights(tmp_path / "w.zip")
    hostile.edit_npz(tmp_path / "w.zip", "weights.npz",
                     lambda a: a["batch_normalization/moving_variance"].__setitem__(0, -1.0))
    before = model.get_weights()
    with pytest.raises(ModelFileError, match="moving_variance' \\(as float32\\) holds negative values"):
        model.load_weights(tmp_path / "w.zip")
    for now, then in zip(model.get_weights(), before):
        np.testing.assert_array_equal(now, then)


def test_integer_weights(path):
    hostile.edit_npz(path, "weights.npz", lambda a: a.__setitem__("dense/bias", np.zeros(6, "int64")))
    refuse(path, "layer 'dense' weight 'bias' has dtype int64; weights are floating-point arrays")


def test_a_weight_that_overflows_when_cast_to_the_layer_dtype(path):
    hostile.edit_npz(path, "weights.npz", lambda a: a.__setitem__("dense/bias", np.full(6, 1e39)))  # float64
    refuse(path, r"layer 'dense' weight 'bias' \(as float32\) holds 6 NaN or infinite values")


def test_save_refuses_non_finite_weights(tmp_path):
    model = keras.Sequential([keras.layers.Dense(2, input_shape=[3], name="d")], name="m")
    model.layers[0].params["bias"][0] = np.nan
    with pytest.raises(ValueError, match="Cannot save model 'm': layer 'd' weight 'bias' holds 1 NaN"):
        model.save(tmp_path / "m.keras")
    assert not (tmp_path / "m.keras").exists()


# -- optimizer state ------------------------------------------------------------------------------
def edit_optimizer(path, edit):
    hostile.edit_npz(path, "optimizer.npz", edit)


@pytest.mark.parametrize("edit, message", [
    (lambda s: s.pop("dense/kernel/first_moment"), "Optimizer state for 'dense/kernel' lacks slot\\(s\\) "
                                                   "\\['first_moment'\\]"),
    (lambda s: [s.pop(k) for k in list(s) if k.startswith("dense/kernel/")],
     "the optimizer state has no first_moment, second_moment slot for layer 'dense' weight 'kernel'; Adam has "
     "taken 6 steps"),
    (lambda s: s.__setitem__("dense/kernel/first_moment", s["dense/kernel/first_moment"].astype("int32")),
     "Optimizer slot 'dense/kernel/first_moment' has dtype int32; slots are floating point"),
    (lambda s: s.__setitem__("dense/kernel/first_moment", s["dense/kernel/first_moment"].astype(bool)),
     "Optimizer slot 'dense/kernel/first_moment' has dtype bool; slots are floating point"),
    (lambda s: s.__setitem__("dense/kernel/first_moment", s["dense/kernel/first_moment"].astype("float64")),
     "optimizer slot 'dense/kernel/first_moment' has dtype float64; its weight is float32"),
    (lambda s: s.__setitem__("dense/kernel/second_moment", s["dense/kernel/second_moment"] * 0j),
     "array 'dense/kernel/second_moment' holds complex numbers"),
    (lambda s: s.__setitem__("dense/kernel/second_moment", -s["dense/kernel/second_moment"] - 1),
     "optimizer slot 'dense/kernel/second_moment' holds negative values"),
    (lambda s: s.__setitem__("dense/bias/first_moment", np.full(6, np.nan, "float32")),
     "optimizer slot 'dense/bias/first_moment' holds 6 NaN or infinite values"),
    (lambda s: s.__setitem__("dense/kernel/velocity", np.zeros((3, 6), "float32")),
     "unknown slot 'dense/kernel/velocity'"),
    (lambda s: s.__setitem__("batch_normalization/moving_mean/first_moment", np.zeros(6, "float32")),
     "Optimizer slot 'batch_normalization/moving_mean/first_moment' belongs to no trained parameter"),
    (lambda s: s.__setitem__("iterations", np.array(-5)), "'iterations' must be a non-negative integer scalar; got "
                                                          "int64 array of shape \\(\\) = array\\(-5\\)"),
    (lambda s: s.__setitem__("iterations", np.array(6.0)), "'iterations' must be a non-negative integer scalar; got "
                                                           "float64"),
    (lambda s: s.__setitem__("iterations", np.array([6, 6])), "'iterations' must be a non-negative integer scalar; "
                                                              "got int64 array of shape \\(2,\\)"),
    (lambda s: s.__setitem__("iterations", np.array(2 ** 60)), "iterations must be at most 2\\*\\*53"),
    (lambda s: s.pop("iterations"), "Optimizer state has no 'iterations' entry"),
    (lambda s: s.__setitem__("_hyper/learning_rate", np.array(np.nan)),
     "Optimizer state '_hyper/learning_rate' must be a finite number; got array\\(nan\\)"),
    (lambda s: s.__setitem__("_hyper/learning_rate", np.array(-1.0)), "does not fit Adam: .*learning_rate"),
    (lambda s: s.__setitem__("_hyper/command", np.array(1.0)), "unknown entry '_hyper/command'"),
])
def test_bad_optimizer_state(path, edit, message):
    edit_optimizer(path, edit)
    refuse(path, message)


@pytest.mark.parametrize("value, message", [(2.0, "is 2.0, outside \\[0.0, 1.0\\]"), (np.nan, "finite"),
                                            (-0.5, "is -0.5, outside")])
def test_a_bad_nadam_running_product(tmp_path, value, message):
    path = tmp_path / "nadam.keras"
    hostile.rich_model_file(path, optimizer="nadam")
    edit_optimizer(path, lambda s: s.__setitem__("_extra/momentum_product", np.array(value)))
    refuse(path, f"'_extra/momentum_product'.*{message}")


def test_a_centered_rmsprop_mean_gradient_beyond_its_mean_square(tmp_path):
    path = tmp_path / "rms.keras"
    hostile.rich_model_file(path, optimizer=keras.optimizers.RMSprop(centered=True))
    edit_optimizer(path, lambda s: s.__setitem__("dense/bias/mean_gradient", s["dense/bias/mean_square"] + 10))
    refuse(path, "optimizer slot 'dense/bias/mean_gradient' exceeds what its mean_square allows")


def test_sgd_velocity_is_needed_while_momentum_is_on_and_may_be_missing_once_it_is_off(tmp_path):
    path = tmp_path / "sgd.keras"
    model = hostile.rich_model_file(path, optimizer=keras.optimizers.SGD(momentum=0.9))
    edit_optimizer(path, lambda s: [s.pop(k) for k in list(s) if k.endswith("/velocity")])
    refuse(path, "the optimizer state has no velocity slot for layer 'dense' weight 'kernel'")
    model.optimizer.momentum = 0.0  # velocity is now optional: kept, but a file may lack it
    model.save(path)
    edit_optimizer(path, lambda s: [s.pop(k) for k in list(s) if k.endswith("/velocity")])
    train_one_step(load_model(path))


def test_a_never_stepped_optimizer_needs_no_slots(tmp_path):
    fresh = keras.Sequential([keras.layers.Dense(3, activation="softmax", input_shape=[3])])
    fresh.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    fresh.save(tmp_path / "fresh.keras")
    train_one_step(load_model(tmp_path / "fresh.keras"))


def test_a_layer_unfrozen_after_training_gets_its_slots_when_saved(tmp_path):
    model = hostile.rich_model_file(tmp_path / "m.keras")
    model.layers[0].trainable = False
    train_one_step(model)
    model.layers[0].trainable = True
    model.save(tmp_path / "m.keras")
    train_one_step(load_model(tmp_path / "m.keras"))


# -- training and callback state ------------------------------------------------------------------
@pytest.mark.parametrize("edit, message", [
    (lambda t: t.__setitem__("shuffle_rng", {"bit_generator": "MT19937"}), "shuffle_rng is not a saved PCG64"),
    (lambda t: t["shuffle_rng"]["state"].__setitem__("inc", "7"), "shuffle_rng is invalid"),
    (lambda t: t["shuffle_rng"]["state"].__setitem__("state", 2.5), "shuffle_rng is invalid"),
    (lambda t: t.__setitem__("layer_rngs", {"dense": {}}), "layer_rngs names 'dense', which is not a layer with a "
                                                           "random generator \\(those are: dropout\\)"),
    (lambda t: t.__setitem__("layer_rngs", []), "layer_rngs must be an object"),
    (lambda t: t.__setitem__("callbacks", {}), "training_state.callbacks must be a list"),
    (lambda t: t.__setitem__("callbacks", [{"class_name": 1, "state": {}}]), "callbacks\\[0\\] must be an object"),
    (lambda t: t.__setitem__("callbacks", [{"class_name": "ReduceLROnPlateau", "state": {"wait": "2"}}]),
     "callbacks\\[0\\] is not a valid ReduceLROnPlateau state: wait: '2' → 2"),
    (lambda t: t.__setitem__("callbacks", [{"class_name": "ReduceLROnPlateau", "state": {"wait": 2.7}}]),
     "wait: 2.7 → 2"),
    (lambda t: t.__setitem__("callbacks", [{"class_name": "ReduceLROnPlateau", "state": {"best": [1, 2]}}]),
     "callbacks\\[0\\] is not a valid ReduceLROnPlateau state: best must be null or a number; got \\[1, 2\\]"),
    (lambda t: t.__setitem__("callbacks", [{"class_name": "OneCycleScheduler", "state": {"step": -5}}]),
     "callbacks\\[0\\]: step is -5; the integers of a trainlab callback's state are counters"),
    (lambda t: t.__setitem__("callbacks", [{"class_name": "EarlyStopping", "state": {"best_epoch": "x"}}]),
     "callbacks\\[0\\] is not a valid EarlyStopping state: invalid literal"),
    (lambda t: t.__setitem__("callbacks", [{"class_name": "EarlyStopping", "state": {}, "arrays": {"best_weights": 3}}]),
     "arrays\\['best_weights'\\] must be a count of arrays in callbacks.npz; got 3"),
])
def test_bad_training_state(path, edit, message):
    hostile.edit_config(path, lambda config: edit(config["training_state"]))
    refuse(path, message)


def test_early_stopping_best_weights_that_do_not_fit_the_model(tmp_path):
    path = tmp_path / "es.keras"
    hostile.rich_model_file(path, callbacks=[EarlyStopping(monitor="loss", patience=5, restore_best_weights=True)])
    hostile.edit_npz(path, "callbacks.npz", lambda a: a.__setitem__("0/best_weights/0", np.zeros((9, 9), "float32")))
    refuse(path, "callbacks\\[0\\] is not a valid EarlyStopping state: best_weights holds 8 arrays that do not match")
    hostile.rich_model_file(path, callbacks=[EarlyStopping(monitor="loss", patience=5, restore_best_weights=True)])
    hostile.edit_npz(path, "callbacks.npz", lambda a: a["0/weights_at_end/5"].__setitem__(0, -1.0))
    refuse(path, "callbacks\\[0\\] is not a valid EarlyStopping state: weights_at_end for layer 'batch_normalization' "
                 "weight 'moving_variance' holds negative values")
    hostile.rich_model_file(path, callbacks=[EarlyStopping(monitor="loss", patience=5, restore_best_weights=True)])
    hostile.edit_npz(path, "callbacks.npz", lambda a: a.__setitem__("7/stray/0", np.zeros(1)))
    refuse(path, "callbacks.npz holds '7/stray/0', which no callback state names")


def test_a_file_that_loads_resumes_with_its_callbacks(tmp_path):
    path = tmp_path / "es.keras"
    hostile.rich_model_file(path, callbacks=[EarlyStopping(monitor="loss", patience=5, restore_best_weights=True),
                                             ReduceLROnPlateau(monitor="loss")])
    model = load_model(path)
    x = np.random.default_rng(0).normal(size=(8, 3))
    model.fit(x, np.arange(8) % 3, epochs=3, initial_epoch=2, verbose=0,
              callbacks=[EarlyStopping(monitor="loss", restore_best_weights=True), ReduceLROnPlateau(monitor="loss")])


def test_every_stateful_trainlab_callback_passes_the_load_checks(tmp_path):
    """The blank-instance round trip must accept every state a real fit produces (a new stateful
    callback whose get_state needs its constructor's attributes fails here, not in users' hands)."""
    from trainlab.saving.resume import CALLBACK_CLASSES

    callbacks = [EarlyStopping(monitor="loss", patience=9, restore_best_weights=True),
                 ReduceLROnPlateau(monitor="loss", patience=0), keras.callbacks.OneCycleScheduler(0.01, 60),
                 keras.callbacks.ModelCheckpoint(str(tmp_path / "ckpt.keras"), monitor="loss", save_best_only=True),
                 keras.callbacks.Diagnostics(plateau_patience=1)]
    hostile.rich_model_file(tmp_path / "m.keras", optimizer="sgd", callbacks=callbacks)
    saved = load_model(tmp_path / "m.keras")._saved_callback_states
    assert [entry["class_name"] for entry in saved] == [type(c).__name__ for c in callbacks]
    stateful = {name for name, cls in CALLBACK_CLASSES.items() if cls.get_state is not keras.callbacks.Callback.get_state}
    assert stateful <= {type(c).__name__ for c in callbacks} | {"MonitorCallback"}
