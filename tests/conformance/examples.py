"""Example instances for the registry-wide conformance suite.

Every registered component is checked. A class constructible with no arguments is checked as
``cls()``; anything else (or anything needing special inputs) must have an entry here, and the
suite fails, naming this file, when a newly registered component has neither.
"""
from __future__ import annotations

import numpy as np

from trainlab import activations, initializers, layers, optimizers

# layer class name -> (factory taking dtype, shape of one batch of inputs)
LAYER_EXAMPLES = {
    "Dense": (lambda dtype: layers.Dense(3, activation="tanh", dtype=dtype), (4, 5)),
    "Activation": (lambda dtype: layers.Activation("elu", dtype=dtype), (4, 5)),
    "Input": (lambda dtype: layers.Input((5,), dtype=dtype), (4, 5)),
    "Flatten": (lambda dtype: layers.Flatten(dtype=dtype), (4, 2, 3)),
    "PReLU": (lambda dtype: layers.PReLU(alpha_initializer="random_normal", dtype=dtype), (4, 5)),
    "ReLU": (lambda dtype: layers.ReLU(max_value=1.5, negative_slope=0.1, threshold=0.3, dtype=dtype), (4, 5)),
    "Softmax": (lambda dtype: layers.Softmax(axis=1, dtype=dtype), (4, 3, 5)),
    "RReLU": (lambda dtype: layers.RReLU(seed=3, dtype=dtype), (4, 5)),
    # γ, β and the moving statistics away from their defaults, so every term of the backward shows.
    "BatchNormalization": (lambda dtype: layers.BatchNormalization(
        gamma_initializer=initializers.RandomNormal(1.0, 0.5, seed=4),
        beta_initializer=initializers.RandomNormal(0.0, 0.5, seed=5),
        moving_mean_initializer=initializers.RandomNormal(0.0, 0.5, seed=6),
        moving_variance_initializer=initializers.RandomUniform(0.5, 2.0, seed=7), dtype=dtype), (6, 5)),
    # Dropout layers: the checker restores ``layer.rng`` before each forward, so the mask is fixed.
    "Dropout": (lambda dtype: layers.Dropout(0.4, seed=8, dtype=dtype), (6, 5)),
    "AlphaDropout": (lambda dtype: layers.AlphaDropout(0.4, seed=9, dtype=dtype), (6, 5)),
    "MCDropout": (lambda dtype: layers.MCDropout(0.4, noise_shape=(None, 5), seed=10, dtype=dtype), (6, 5)),
    "MCAlphaDropout": (lambda dtype: layers.MCAlphaDropout(0.4, noise_shape=(1, 5), seed=11, dtype=dtype),
                       (6, 5)),
}


def layer_example(cls, dtype="float64"):
    if cls.__name__ in LAYER_EXAMPLES:
        factory, shape = LAYER_EXAMPLES[cls.__name__]
        return factory(dtype), shape
    try:
        return cls(dtype=dtype), (4, 5)
    except TypeError as error:
        raise AssertionError(
            f"Layer {cls.__name__} needs constructor arguments: add it to LAYER_EXAMPLES in "
            f"tests/conformance/examples.py ({error})."
        ) from None


# activation class name -> instances checked besides ``cls()``: every hyperparameter away from its default
ACTIVATION_EXAMPLES = {
    "ReLU": [activations.ReLU(negative_slope=0.1, max_value=1.5, threshold=0.3), activations.ReLU(0.2)],
    "LeakyReLU": [activations.LeakyReLU(1.5)],
    "ELU": [activations.ELU(0.5)],
    "GELU": [activations.GELU(approximate=True)],
    "Softmax": [activations.Softmax(axis=0)],
}


def activation_examples(cls) -> list:
    return [cls(), *ACTIVATION_EXAMPLES.get(cls.__name__, [])]


# (registry kind, class name) -> instance factory, for components without a no-argument constructor
CONFIG_EXAMPLES = {
    ("activation", "ReLU"): lambda: activations.ReLU(negative_slope=0.1, max_value=1.5, threshold=0.3),
    ("activation", "GELU"): lambda: activations.GELU(approximate=True),
    ("activation", "Softmax"): lambda: activations.Softmax(axis=0),
    ("learning-rate schedule", "ExponentialDecay"): lambda: optimizers.schedules.ExponentialDecay(0.01, 100, 0.5),
    ("learning-rate schedule", "PiecewiseConstantDecay"):
        lambda: optimizers.schedules.PiecewiseConstantDecay([10, 20], [0.1, 0.01, 0.001]),
    ("learning-rate schedule", "InverseTimeDecay"): lambda: optimizers.schedules.InverseTimeDecay(0.01, 100, 0.5),
    ("learning-rate schedule", "PowerDecay"): lambda: optimizers.schedules.PowerDecay(0.01, 100, 2.0),
    ("learning-rate schedule", "PolynomialDecay"): lambda: optimizers.schedules.PolynomialDecay(0.01, 100, cycle=True),
    ("learning-rate schedule", "CosineDecay"):
        lambda: optimizers.schedules.CosineDecay(0.001, 100, alpha=0.1, warmup_target=0.01, warmup_steps=10),
    ("learning-rate schedule", "OneCycle"): lambda: optimizers.schedules.OneCycle(100, 0.1),
    ("learning-rate schedule", "CosineDecayRestarts"):
        lambda: optimizers.schedules.CosineDecayRestarts(0.01, 10, t_mul=1.5, m_mul=0.8, alpha=0.05),
}


def config_example(kind: str, cls):
    factory = CONFIG_EXAMPLES.get((kind, cls.__name__))
    if factory is not None:
        return factory()
    if kind == "layer":
        return layer_example(cls, "float32")[0]
    try:
        return cls()
    except TypeError as error:
        raise AssertionError(
            f"{kind} {cls.__name__} needs constructor arguments: add it to CONFIG_EXAMPLES in "
            f"tests/conformance/examples.py ({error})."
        ) from None


def away_from_kinks(x: np.ndarray, margin: float = 1e-3) -> np.ndarray:
    """Move values off 0 (where ReLU-like functions have no derivative) so differences are valid."""
    return np.where(np.abs(x) < margin, np.copysign(margin, x) + x, x)
