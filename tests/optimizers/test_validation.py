"""Bad optimizer arguments fail early with a message naming the value."""
import math

import numpy as np
import pytest

from trainlab import backend, optimizers
from trainlab.optimizers import schedules


@pytest.mark.parametrize("value", [0.0, -0.1, math.nan, math.inf])
@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam", "Adamax", "Nadam", "AdamW"])
def test_learning_rate_must_be_positive_and_finite(name, value):
    with pytest.raises(ValueError, match=r"learning_rate must be a finite number > 0; got"):
        getattr(optimizers, name)(learning_rate=value)


@pytest.mark.parametrize("cls, argument", [("SGD", "momentum"), ("RMSprop", "rho"), ("RMSprop", "momentum"),
                                           ("Adam", "beta_1"), ("Adam", "beta_2"), ("Adamax", "beta_1"),
                                           ("Nadam", "beta_2"), ("AdamW", "beta_1")])
@pytest.mark.parametrize("value", [-0.1, 1.0, 1.5, math.nan])
def test_decay_rates_must_be_in_unit_interval(cls, argument, value):
    with pytest.raises(ValueError, match=rf"{argument} must be in \[0, 1\); got"):
        getattr(optimizers, cls)(**{argument: value})


@pytest.mark.parametrize("cls", ["Adagrad", "RMSprop", "Adam", "Adamax", "Nadam", "AdamW"])
@pytest.mark.parametrize("value", [0.0, -1e-7])
def test_epsilon_must_be_positive(cls, value):
    with pytest.raises(ValueError, match=r"epsilon must be a finite number > 0"):
        getattr(optimizers, cls)(epsilon=value)


def test_live_assignment_is_validated_too():
    optimizer = optimizers.Adam()
    with pytest.raises(ValueError, match=r"beta_1 must be in \[0, 1\); got 1.2"):
        optimizer.beta_1 = 1.2
    with pytest.raises(ValueError, match=r"learning_rate must be a finite number > 0; got -1.0"):
        backend.set_value(optimizer.learning_rate, -1.0)


@pytest.mark.parametrize("option", ["clipvalue", "clipnorm", "global_clipnorm"])
def test_clip_thresholds_must_be_positive(option):
    with pytest.raises(ValueError, match=rf"{option} must be a finite number > 0; got -1.0"):
        optimizers.SGD(**{option: -1.0})


def test_only_one_clipping_mode():
    with pytest.raises(ValueError, match="at most one of clipvalue, clipnorm, global_clipnorm"):
        optimizers.Adam(clipvalue=1.0, clipnorm=1.0)


def test_negative_initial_accumulator():
    with pytest.raises(ValueError, match=r"initial_accumulator_value must be a finite number >= 0; got -0.1"):
        optimizers.Adagrad(initial_accumulator_value=-0.1)


def test_float_learning_rate_refused_while_a_schedule_is_attached():
    optimizer = optimizers.SGD(schedules.ExponentialDecay(0.1, 10, 0.5))
    with pytest.raises(ValueError, match="comes from a schedule"):
        optimizer.learning_rate = 0.01
    with pytest.raises(ValueError, match="comes from a schedule"):
        backend.set_value(optimizer.lr, 0.01)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_gradient_raises_naming_the_parameter(bad):
    optimizer = optimizers.Adam()
    params = {"dense/kernel": np.zeros(3), "dense/bias": np.zeros(1)}
    with pytest.raises(FloatingPointError, match=r"Non-finite gradient .* for dense/kernel at step 0"):
        optimizer.update(params, {"dense/kernel": np.array([1.0, bad, 0.0]), "dense/bias": np.zeros(1)})
    assert not params["dense/kernel"].any() and optimizer.iterations == 0  # nothing applied


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"Unknown optimizer 'adamm'.*adam.*nadam"):
        optimizers.get("adamm")


@pytest.mark.parametrize("name, cls", [("sgd", "SGD"), ("adagrad", "Adagrad"), ("rmsprop", "RMSprop"),
                                       ("RMSProp", "RMSprop"), ("adam", "Adam"), ("adamax", "Adamax"),
                                       ("nadam", "Nadam"), ("adamw", "AdamW")])
def test_string_names(name, cls):
    assert type(optimizers.get(name)).__name__ == cls


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam", "Adamax", "Nadam", "AdamW"])
def test_config_round_trip_with_state(name):
    optimizer = getattr(optimizers, name)(learning_rate=schedules.PolynomialDecay(0.1, 10), clipnorm=2.0)
    params = {"w": np.ones(3)}
    for _ in range(2):
        optimizer.update(params, {"w": np.array([0.1, -0.2, 0.3])})
    clone = optimizers.deserialize(optimizers.serialize(optimizer))
    clone.set_state(optimizer.get_state())
    assert optimizers.serialize(clone) == optimizers.serialize(optimizer)
    other = {"w": params["w"].copy()}
    optimizer.update(params, {"w": np.array([0.5, 0.5, -0.5])})
    clone.update(other, {"w": np.array([0.5, 0.5, -0.5])})
    np.testing.assert_array_equal(params["w"], other["w"])
