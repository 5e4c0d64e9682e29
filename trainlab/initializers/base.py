"""Initializer protocol and the constant / plain random initializers.

An initializer is called as ``init(shape, dtype=None, rng=None)`` and returns a new array.
``rng`` is a ``numpy.random.Generator``. When it is None, a seeded initializer starts a fresh
generator from its ``seed`` at every call, so it returns the same values each time (Keras 3);
an unseeded one draws from its own generator, spawned once from ``trainlab.random``, so each
call gives new values.
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

    With an integer ``seed`` every call returns the same values (Keras 3: one seeded initializer
    object shared by two layers gives both the same weights; pass different seeds, or none, to
    get different ones). Without a seed each call draws new values from the initializer's own
    generator, spawned from ``trainlab.random`` at its first call.

    Note:
        Keras 3 also repeats the values of an *unseeded* object (it draws a seed at
        construction); trainlab does not, so one unseeded initializer shared by several layers
        gives each layer its own weights rather than identical copies.

    Raises:
        ValueError: ``seed`` is not a non-negative integer or None (Keras raises ValueError too).

    Deterministic initializers set ``random = False`` so they never draw a generator from the
    root sequence: adding a BatchNormalization layer must not shift the seeds of later layers.
    """

    random = True

    def __init__(self, seed: int | None = None):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
            raise ValueError(f"{type(self).__name__} seed must be a non-negative integer or None; got {seed!r}.")
        self.seed = None if seed is None else int(seed)
        self._rng: np.random.Generator | None = None

    def __call__(self, shape, dtype=None, rng: np.random.Generator | None = None) -> np.ndarray:
        shape = tuple(int(s) for s in shape)
        dtype = np.dtype(dtype or backend.floatx())
        if rng is None and self.random:
            if self.seed is not None:
                rng = tl_random.generator(self.seed)
            else:
                if self._rng is None:
                    self._rng = tl_random.generator()
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
    """Every element equal to ``value``: a number, or an array broadcast to the weight's shape.

    ``Constant([1.0, 2.0, 3.0])`` fills a (4, 3) kernel with that row in every row (Keras 3
    multiplies the value by ones of the shape). ``get_config`` stores an array as nested lists.

    Raises:
        ValueError: the value is not numeric, or (at call) does not broadcast to the shape.
    """

    random = False

    def __init__(self, value=0.0):
        super().__init__(None)
        try:
            array = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"Constant value must be a number or an array of numbers; got {value!r}.") from None
        self.value = float(array) if array.ndim == 0 else array

    def sample(self, shape, rng):
        try:
            return np.broadcast_to(self.value, shape).copy()  # a view would be read-only
        except ValueError:
            raise ValueError(f"Constant value of shape {np.shape(self.value)} cannot fill a weight of shape {shape}; "
                             f"pass a number or an array that broadcasts to {shape}.") from None

    def get_config(self):
        return {"value": self.value.tolist() if isinstance(self.value, np.ndarray) else self.value}


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
