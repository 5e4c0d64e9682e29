"""Example instances for the registry-wide conformance suite.

Every registered component is checked. A class constructible with no arguments is checked as
``cls()``; anything else (or anything needing special inputs) must have an entry here, and the
suite fails, naming this file, when a newly registered component has neither.
"""
from __future__ import annotations

import numpy as np

from trainlab import layers, optimizers

# layer class name -> (factory taking dtype, shape of one batch of inputs)
LAYER_EXAMPLES = {
    "Dense": (lambda dtype: layers.Dense(3, activation="tanh", dtype=dtype), (4, 5)),
    "Activation": (lambda dtype: layers.Activation("elu", dtype=dtype), (4, 5)),
    "Input": (lambda dtype: layers.Input((5,), dtype=dtype), (4, 5)),
    "Flatten": (lambda dtype: layers.Flatten(dtype=dtype), (4, 2, 3)),
    "PReLU": (lambda dtype: layers.PReLU(alpha_initializer="random_normal", dtype=dtype), (4, 5)),
    "RReLU": (lambda dtype: layers.RReLU(seed=3, dtype=dtype), (4, 5)),
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


# (registry kind, class name) -> instance factory, for components without a no-argument constructor
CONFIG_EXAMPLES = {
    ("learning-rate schedule", "ExponentialDecay"): lambda: optimizers.schedules.ExponentialDecay(0.01, 100, 0.5),
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
