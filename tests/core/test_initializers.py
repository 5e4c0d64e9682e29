"""Initializer statistics against their closed forms, for every preset."""
import math

import numpy as np
import pytest

from trainlab import initializers

SHAPE = (400, 600)  # fan_in 400, fan_out 600, fan_avg 500; 240,000 samples
FANS = {"fan_in": 400, "fan_out": 600, "fan_avg": 500}
PRESETS = {  # name: (scale, mode, distribution)
    "glorot_normal": (1.0, "fan_avg", "truncated_normal"),
    "glorot_uniform": (1.0, "fan_avg", "uniform"),
    "he_normal": (2.0, "fan_in", "truncated_normal"),
    "he_uniform": (2.0, "fan_in", "uniform"),
    "lecun_normal": (1.0, "fan_in", "truncated_normal"),
    "lecun_uniform": (1.0, "fan_in", "uniform"),
}


@pytest.mark.parametrize("name", PRESETS)
def test_preset_mean_variance_and_bounds(name):
    scale, mode, distribution = PRESETS[name]
    variance = scale / FANS[mode]
    w = initializers.get({"class_name": name, "config": {"seed": 1}})(SHAPE, dtype="float64")
    # 240,000 samples: the sample variance's relative standard error is about 0.3 %.
    assert abs(w.mean()) < 4 * math.sqrt(variance / w.size)
    assert w.var() == pytest.approx(variance, rel=0.02)
    if distribution == "uniform":
        limit = math.sqrt(3 * variance)
        assert np.abs(w).max() <= limit
        assert np.abs(w).max() > 0.99 * limit
    else:
        cut = 2 * math.sqrt(variance) / 0.87962566103423978
        assert np.abs(w).max() <= cut
        assert np.abs(w).max() > 0.99 * cut


@pytest.mark.parametrize("distribution", ["truncated_normal", "untruncated_normal", "uniform"])
@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
def test_variance_scaling_variance(mode, distribution):
    w = initializers.VarianceScaling(3.0, mode, distribution, seed=2)(SHAPE, dtype="float64")
    assert w.var() == pytest.approx(3.0 / FANS[mode], rel=0.02)


def test_seeds_reproduce_and_differ():
    a = initializers.HeNormal(seed=5)((10, 10))
    b = initializers.HeNormal(seed=5)((10, 10))
    c = initializers.HeNormal(seed=6)((10, 10))
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_constant_and_plain_random():
    assert np.all(initializers.Constant(0.5)((3, 2)) == 0.5)
    assert np.all(initializers.get("ones")((2,)) == 1) and np.all(initializers.get("zeros")((2,)) == 0)
    normal = initializers.RandomNormal(seed=0)((500, 500), dtype="float64")
    assert normal.std() == pytest.approx(0.05, rel=0.01)
    uniform = initializers.RandomUniform(seed=0)((500, 500), dtype="float64")
    assert uniform.min() >= -0.05 and uniform.max() <= 0.05


def test_default_dtype_is_float32():
    assert initializers.get("glorot_uniform")((3, 3)).dtype == np.float32


@pytest.mark.parametrize("kwargs,message", [
    ({"scale": 0}, "scale must be > 0; got 0"),
    ({"mode": "fan_middle"}, "Unknown VarianceScaling mode 'fan_middle'; use one of fan_in, fan_out, fan_avg"),
    ({"distribution": "cauchy"}, "Unknown VarianceScaling distribution 'cauchy'"),
])
def test_variance_scaling_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        initializers.VarianceScaling(**kwargs)


def test_unknown_initializer_name_lists_valid_ones():
    with pytest.raises(ValueError, match="Unknown initializer 'he_normall'. Valid initializer names: .*he_normal"):
        initializers.get("he_normall")


# -- Keras 3 behaviours ----------------------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda s: initializers.RandomNormal(seed=s), lambda s: initializers.RandomUniform(seed=s),
                                  lambda s: initializers.HeNormal(seed=s), lambda s: initializers.GlorotUniform(seed=s),
                                  lambda s: initializers.VarianceScaling(2.0, "fan_avg", "untruncated_normal", seed=s)])
def test_a_seeded_initializer_returns_the_same_values_at_every_call(make):
    seeded, unseeded = make(3), make(None)
    assert np.array_equal(seeded((4, 5)), seeded((4, 5)))
    assert not np.array_equal(unseeded((4, 5)), unseeded((4, 5)))  # trainlab: fresh values (see the docstring)


def test_one_seeded_initializer_shared_by_two_layers_gives_them_the_same_kernel():
    from trainlab import layers

    init = initializers.HeNormal(seed=42)
    first, second = layers.Dense(3, kernel_initializer=init), layers.Dense(3, kernel_initializer=init)
    first.ensure_built((None, 4)), second.ensure_built((None, 4))
    assert np.array_equal(first.params["kernel"], second.params["kernel"])


@pytest.mark.parametrize("seed", [-1, 1.5, "7", True])
def test_a_bad_seed_is_refused_at_construction(seed):
    with pytest.raises(ValueError, match=rf"RandomNormal seed must be a non-negative integer or None; got {seed!r}"):
        initializers.RandomNormal(seed=seed)


def test_constant_accepts_an_array_broadcast_to_the_shape():
    row = [1.0, -2.0, 0.5]
    values = initializers.Constant(value=np.array(row))((4, 3), dtype="float64")
    assert values.tolist() == [row] * 4 and values.flags.writeable
    column = initializers.Constant([[1.0], [2.0]])((2, 3))
    assert column.tolist() == [[1, 1, 1], [2, 2, 2]] and column.dtype == np.float32
    config = initializers.Constant(np.array(row)).get_config()
    assert config == {"value": row}
    assert initializers.deserialize({"class_name": "Constant", "config": config})((1, 3)).tolist() == [row]
    assert initializers.Constant(2).get_config() == {"value": 2.0}


def test_constant_refuses_what_cannot_fill_the_shape():
    with pytest.raises(ValueError, match=r"Constant value of shape \(3,\) cannot fill a weight of shape \(2, 4\); "
                                         r"pass a number or an array that broadcasts to \(2, 4\)"):
        initializers.Constant([1.0, 2.0, 3.0])((2, 4))
    with pytest.raises(ValueError, match=r"Constant value must be a number or an array of numbers; got 'big'"):
        initializers.Constant("big")
