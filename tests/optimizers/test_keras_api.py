"""Keras 3's optimizer API beyond the update rules, and the book's plain-dict ``update``.

Expected values are worked out by hand in the comments (no trainlab arithmetic is reused).
"""
import math
import warnings

import numpy as np
import pytest

import trainlab as keras
from trainlab import optimizers
from trainlab.optimizers import schedules


# -- a callable learning rate ---------------------------------------------------------------------
def test_a_zero_argument_callable_is_called_at_every_step():
    rates = iter([0.1, 0.01, 0.001])
    optimizer = optimizers.SGD(learning_rate=lambda: next(rates))
    params = {"w": np.array([0.0])}
    for _ in range(3):
        optimizer.update(params, {"w": np.array([1.0])})
    np.testing.assert_allclose(params["w"], [-0.111], rtol=1e-12)  # 0.1 + 0.01 + 0.001


def test_a_callable_rate_reads_as_a_snapshot_and_refuses_a_float():
    optimizer = optimizers.Adam(learning_rate=lambda: 0.25)
    assert float(optimizer.learning_rate) == 0.25
    with pytest.raises(ValueError, match="comes from a schedule \\(or a callable\\)"):
        optimizer.learning_rate = 0.1
    optimizer.learning_rate = lambda: 0.5  # another callable may replace it
    assert optimizer.current_learning_rate() == 0.5


@pytest.mark.parametrize("value, error, message", [
    (math.nan, ValueError, r"callable returned nan at step 0; it must return a finite number > 0"),
    (-1.0, ValueError, r"callable returned -1.0"),
    ("fast", TypeError, r"callable returned 'fast'; it must return a number"),
])
def test_a_callable_returning_a_bad_rate_is_named(value, error, message):
    optimizer = optimizers.SGD(learning_rate=lambda: value)
    with pytest.raises(error, match=message):
        optimizer.update({"w": np.zeros(1)}, {"w": np.ones(1)})


def test_saving_a_callable_rate_warns_and_keeps_its_current_value():
    optimizer = optimizers.SGD(learning_rate=lambda: 0.03)
    with pytest.warns(UserWarning, match="learning_rate is a Python callable.*saving its current value 0.03"):
        config = optimizers.serialize(optimizer)
    assert optimizers.deserialize(config).current_learning_rate() == 0.03


def test_a_schedule_is_still_called_with_the_step():
    optimizer = optimizers.SGD(learning_rate=schedules.PiecewiseConstantDecay([1], [0.5, 0.1]))
    params = {"w": np.array([0.0])}
    for _ in range(3):
        optimizer.update(params, {"w": np.array([1.0])})
    np.testing.assert_allclose(params["w"], [-1.1])  # steps 0 and 1 → 0.5, step 2 → 0.1


# -- None gradients -------------------------------------------------------------------------------
def test_none_gradients_are_skipped_with_a_warning():
    optimizer = optimizers.SGD(learning_rate=0.5)
    w, b = np.array([1.0]), np.array([1.0])
    with pytest.warns(UserWarning, match=r"Gradients do not exist for \['variable_1'\]"):
        optimizer.apply_gradients([(np.array([1.0]), w), (None, b)])
    assert w[0] == 0.5 and b[0] == 1.0 and optimizer.iterations == 1


def test_all_none_gradients_raise():
    with pytest.raises(ValueError, match="No gradients provided for any variable"):
        optimizers.Adam().apply_gradients([(None, np.zeros(2))])
    with pytest.raises(ValueError, match="No gradients provided for any variable"):
        optimizers.Adam().update({"w": np.zeros(2)}, {"w": None})


# -- exclude_from_weight_decay --------------------------------------------------------------------
def test_exclude_by_name_and_by_array():
    # λ = 0.5, η = 0.1, zero gradients: a decayed weight shrinks by the factor 1 − 0.05 per step.
    optimizer = optimizers.SGD(learning_rate=0.1, weight_decay=0.5)
    kernel, bias, gamma = np.ones(2), np.ones(2), np.ones(2)
    optimizer.exclude_from_weight_decay(var_list=[gamma], var_names=["bias"])
    optimizer.apply({"dense/kernel": np.zeros(2), "dense/bias": np.zeros(2), "bn/gamma": np.zeros(2)},
                    {"dense/kernel": kernel, "dense/bias": bias, "bn/gamma": gamma})
    np.testing.assert_array_equal(kernel, 0.95)
    np.testing.assert_array_equal(bias, 1.0)
    np.testing.assert_array_equal(gamma, 1.0)


def test_without_exclusions_decay_shrinks_biases_and_batchnorm_parameters_too():
    model = keras.Sequential([keras.layers.Dense(2, input_shape=[3], bias_initializer="ones"),
                              keras.layers.BatchNormalization()])
    model.compile(optimizer=optimizers.AdamW(learning_rate=0.1, weight_decay=0.5), loss="mse")
    x = np.zeros((4, 3), "float32")
    model.fit(x, model.predict(x), batch_size=4, epochs=1, verbose=0)
    # the kernel gets zero gradient (zero inputs): θ = 1·(1 − 0.05) for the bias, and γ = 0.95
    np.testing.assert_allclose(model.layers[0].params["bias"], 0.95, rtol=1e-6)
    np.testing.assert_allclose(model.layers[1].params["gamma"], 0.95, rtol=1e-6)


def test_exclusions_must_come_before_the_first_step():
    optimizer = optimizers.AdamW()
    optimizer.update({"w": np.zeros(1)}, {"w": np.ones(1)})
    with pytest.raises(ValueError, match=r"exclude_from_weight_decay\(\) must be called before the optimizer's "
                                         r"first step"):
        optimizer.exclude_from_weight_decay(var_names=["bias"])


# -- the book's plain-dict update -----------------------------------------------------------------
def test_update_rebinds_python_and_numpy_scalars_and_keeps_their_type():
    params = {"x": -7.0, "y": np.float32(2.0), "n": 3}
    optimizers.SGD(learning_rate=0.1).update(params, {"x": 1.0, "y": 2.0, "n": -1.0})
    assert params == {"x": -7.1, "y": np.float32(1.8), "n": 3.1}
    assert type(params["x"]) is float and type(params["y"]) is np.float32 and type(params["n"]) is float


def test_the_books_path_drawing_loop_records_every_point():
    # optimizer_compare_naive.py appends params['x'] each step; with arrays updated in place every
    # entry would be the same object (a one-point path). Scalars are rebound, so the path moves.
    params, path = {"x": -7.0, "y": 2.0}, []
    optimizer = optimizers.SGD(learning_rate=0.95)
    for _ in range(3):
        path.append((params["x"], params["y"]))
        optimizer.update(params, {"x": params["x"] / 10.0, "y": 2.0 * params["y"]})
    assert len(set(path)) == 3
    # x ← x − 0.95·x/10 = 0.905x; y ← y − 0.95·2y = −0.9y
    np.testing.assert_allclose(path[2], (-7.0 * 0.905 ** 2, 2.0 * 0.81), rtol=1e-12)


def test_update_keeps_updating_arrays_in_place():
    w = np.array([1.0, 2.0])
    params = {"w": w}
    optimizers.SGD(learning_rate=0.5).update(params, {"w": [1.0, 1.0]})
    assert params["w"] is w and w.tolist() == [0.5, 1.5]


# -- refused arguments ----------------------------------------------------------------------------
def test_rmsprop_decay_warns_that_it_is_not_rho():
    with pytest.warns(UserWarning, match=r"RMSprop\(decay=0.99\) is tf.keras 2's learning-rate decay.*that is rho "
                                         r"\(the book's decay_rate\).*pass rho=0.99") as warned:
        optimizer = optimizers.RMSprop(decay=0.99)
    assert optimizer.rho.value == 0.9 and optimizer.decay == 0.99  # still the tf.keras 2 meaning
    assert any(issubclass(w.category, DeprecationWarning) for w in warned)


def test_rmsprop_without_decay_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizers.RMSprop(rho=0.99)


def test_adamw_refuses_weight_decay_none():
    with pytest.raises(ValueError, match=r"AdamW needs a weight_decay .* got None, which would make it plain Adam"):
        optimizers.AdamW(weight_decay=None)
    assert optimizers.AdamW().weight_decay == 0.004


@pytest.mark.parametrize("option", ["clipvalue", "clipnorm", "global_clipnorm"])
def test_a_zero_clipping_threshold_is_refused_with_the_fix(option):
    with pytest.raises(ValueError, match=rf"{option}=0 is ambiguous: tf.keras 2 clips every gradient to 0 .* Keras 3 "
                                         rf"reads it as no clipping. Pass {option}=None .* or a threshold > 0"):
        optimizers.Adam(**{option: 0})
    assert optimizers.Adam(**{option: None}).get_config().get(option) is None
