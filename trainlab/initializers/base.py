"""Initializer protocol and the constant / plain random initializers.

An initializer is called as ``init(shape, dtype=None, rng=None)`` and returns a new array.
``rng`` is a ``numpy.random.Generator``; when it is None the initializer's own generator (from
its ``seed`` or spawned from ``trainlab.random``) is used.
"""
from __future__ import annotations

import numpy as np

from trainlab import backend
from trainlab import random as tl_random
from trainlab._registry import Configurable, Registry

registry = Registry("initializer")


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) as Keras computes them: Dense kernel (in, out); conv kernels (..., in, out)."""
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer(Configurable):
    """Base class: stores ``seed``; subclasses implement ``sample(shape, rng)``.

    Deterministic initializers set ``random = False`` so they never draw a generator from the
    root sequence: adding a BatchNormalization layer must not shift the seeds of later layers.
    """

    random = True

    def __init__(self, seed: int | None = None):
        self.seed = seed
        self._rng: np.random.Generator | None = None

    def __call__(self, shape, dtype=None, rng: np.random.Generator | None = None) -> np.ndarray:
        shape = tuple(int(s) for s in shape)
        dtype = np.dtype(dtype or backend.floatx())
        if rng is None and self.random:
            if self._rng is None:
                self._rng = tl_random.generator(self.seed)
            rng = self._rng
        return np.asarray(self.sample(shape, rng), dtype=dtype)

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {"seed": self.seed}


@registry.register("zeros")
class Zeros(Initializer):
    """All zeros (Keras default for biases)."""

    random = False

    def __init__(self):
        super().__init__(None)

    def sample(self, shape, rng):
        return np.zeros(shape)

    def get_config(self):
        return {}


@registry.register("ones")
class Ones(Initializer):
    """All ones (BN's gamma and moving variance)."""

    random = False

    def __init__(self):
        super().__init__(None)

    def sample(self, shape, rng):
        return np.ones(shape)

    def get_config(self):
        return {}


@registry.register("constant")
class Constant(Initializer):
    """Every element equal to ``value``."""

    random = False

    def __init__(self, value: float = 0.0):
        super().__init__(None)
        self.value = float(value)

    def sample(self, shape, rng):
        return np.full(shape, self.value)

    def get_config(self):
        return {"value": self.value}


@registry.register("random_normal")
class RandomNormal(Initializer):
    """N(mean, stddev²); Keras default stddev 0.05."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None):
        super().__init__(seed)
        if stddev < 0:
            raise ValueError(f"RandomNormal stddev must be >= 0; got {stddev}")
        self.mean, self.stddev = float(mean), float(stddev)

    def sample(self, shape, rng):
        return rng.normal(self.mean, self.stddev, size=shape)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


@registry.register("random_uniform")
class RandomUniform(Initializer):
    """U(minval, maxval); Keras default ±0.05."""

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None):
        super().__init__(seed)
        if maxval < minval:
            raise ValueError(f"RandomUniform needs minval <= maxval; got {minval} > {maxval}")
        self.minval, self.maxval = float(minval), float(maxval)

    def sample(self, shape, rng):
        return rng.uniform(self.minval, self.maxval, size=shape)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


def get(identifier):
    """Resolve an initializer from a name, config dict or instance."""
    return registry.get(identifier)


def serialize(initializer):
    return registry.serialize(initializer)
