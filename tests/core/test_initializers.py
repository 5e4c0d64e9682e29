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
