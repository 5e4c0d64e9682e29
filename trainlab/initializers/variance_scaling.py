"""VarianceScaling and the Glorot / He / LeCun presets of the notes.

σ² = scale / n, with n = fan_in, fan_out or fan_avg = (fan_in + fan_out) / 2.

* ``truncated_normal``: N(0, σ / 0.87962566103423978) cut at ±2 of that deviation, so the kept
  samples have variance σ² (Keras' correction).
* ``untruncated_normal``: N(0, σ²).
* ``uniform``: U(−r, r) with r = √(3σ²).

Presets (``_normal`` means truncated normal, as in Keras):

=============  =====  =======  ==========================================
preset         scale  mode     for
=============  =====  =======  ==========================================
glorot_*       1      fan_avg  none, tanh, logistic, softmax
he_*           2      fan_in   ReLU and its variants
lecun_*        1      fan_in   SELU
=============  =====  =======  ==========================================
"""
from __future__ import annotations

import math

import numpy as np

from trainlab.initializers.base import Initializer, fans, registry

TRUNCATION_STDDEV_CORRECTION = 0.87962566103423978  # stddev of N(0,1) truncated at ±2
MODES = ("fan_in", "fan_out", "fan_avg")
DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")


def truncated_normal(rng: np.random.Generator, stddev: float, shape) -> np.ndarray:
    """N(0, stddev²) samples redrawn until they fall within ±2·stddev."""
    out = rng.normal(0.0, stddev, size=shape)
    outside = np.abs(out) > 2 * stddev
    while outside.any():
        out[outside] = rng.normal(0.0, stddev, size=int(outside.sum()))
        outside = np.abs(out) > 2 * stddev
    return out


@registry.register("variance_scaling")
class VarianceScaling(Initializer):
    """Samples with variance ``scale / n`` (n from ``mode``), shaped by ``distribution``.

    Args:
        scale: positive scaling factor (default 1.0).
        mode: ``"fan_in"``, ``"fan_out"`` or ``"fan_avg"``.
        distribution: ``"truncated_normal"`` (``"normal"`` accepted), ``"untruncated_normal"``
            or ``"uniform"``.
        seed: optional integer seed.

    Raises:
        ValueError: scale <= 0, or an unknown mode or distribution (the valid ones are listed).
    """

    def __init__(self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal",
                 seed: int | None = None):
        super().__init__(seed)
        if not scale > 0:
            raise ValueError(f"VarianceScaling scale must be > 0; got {scale}")
        if mode not in MODES:
            raise ValueError(f"Unknown VarianceScaling mode {mode!r}; use one of {', '.join(MODES)}.")
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in DISTRIBUTIONS:
            raise ValueError(
                f"Unknown VarianceScaling distribution {distribution!r}; use one of {', '.join(DISTRIBUTIONS)}."
            )
        self.scale, self.mode, self.distribution = float(scale), mode, distribution

    def variance(self, shape) -> float:
        fan_in, fan_out = fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        return self.scale / max(1.0, n)

    def sample(self, shape, rng):
        variance = self.variance(shape)
        if self.distribution == "truncated_normal":
            return truncated_normal(rng, math.sqrt(variance) / TRUNCATION_STDDEV_CORRECTION, shape)
        if self.distribution == "untruncated_normal":
            return rng.normal(0.0, math.sqrt(variance), size=shape)
        limit = math.sqrt(3.0 * variance)
        return rng.uniform(-limit, limit, size=shape)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


def _preset(class_name: str, alias: str, scale: float, mode: str, distribution: str, doc: str):
    def __init__(self, seed: int | None = None):
        VarianceScaling.__init__(self, scale=scale, mode=mode, distribution=distribution, seed=seed)

    def get_config(self):
        return {"seed": self.seed}

    cls = type(class_name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config, "__doc__": doc,
                                                "__module__": __name__})
    return registry.register(alias)(cls)


GlorotNormal = _preset("GlorotNormal", "glorot_normal", 1.0, "fan_avg", "truncated_normal",
                       "Glorot (Xavier) normal: σ² = 1 / fan_avg, truncated normal.")
GlorotUniform = _preset("GlorotUniform", "glorot_uniform", 1.0, "fan_avg", "uniform",
                        "Glorot (Xavier) uniform: r = √(3 / fan_avg). Keras' default kernel initializer.")
HeNormal = _preset("HeNormal", "he_normal", 2.0, "fan_in", "truncated_normal",
                   "He normal: σ² = 2 / fan_in, truncated normal. For ReLU and its variants.")
HeUniform = _preset("HeUniform", "he_uniform", 2.0, "fan_in", "uniform",
                    "He uniform: r = √(6 / fan_in).")
LecunNormal = _preset("LecunNormal", "lecun_normal", 1.0, "fan_in", "truncated_normal",
                      "LeCun normal: σ² = 1 / fan_in, truncated normal. For SELU.")
LecunUniform = _preset("LecunUniform", "lecun_uniform", 1.0, "fan_in", "uniform",
                       "LeCun uniform: r = √(3 / fan_in).")
