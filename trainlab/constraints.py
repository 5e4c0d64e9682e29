"""Weight constraints: projections applied after every optimizer update (not at initialization).

For a Dense kernel of shape (inputs, units), ``axis=0`` takes the norm of each unit's incoming
weight vector w, as the notes' max-norm does (‖w‖₂ ≤ r).

* ``max_norm(r)``:  w ← w · clip(‖w‖, 0, r) / (ε + ‖w‖)
* ``non_neg()``:    w ← max(w, 0)
* ``unit_norm()``:  w ← w / (ε + ‖w‖)
* ``min_max_norm(lo, hi, rate)``: w ← w · (rate·clip(‖w‖, lo, hi) + (1 − rate)·‖w‖) / (ε + ‖w‖)

ε = ``backend.epsilon()`` = 1e-7.
"""
from __future__ import annotations

import numpy as np

from trainlab import backend
from trainlab._registry import Configurable, Registry

registry = Registry("constraint")


class Constraint(Configurable):
    """Base: ``__call__(w)`` returns the projected weights (a new array)."""

    def __call__(self, w: np.ndarray) -> np.ndarray:
        raise NotImplementedError


def _norms(w: np.ndarray, axis) -> np.ndarray:
    return np.sqrt(np.square(w).sum(axis=axis, keepdims=True))


def _axis(axis):
    """An int, or a tuple of ints (a JSON round trip turns Keras' list form into a list)."""
    return int(axis) if isinstance(axis, (int, np.integer)) else tuple(int(a) for a in axis)


def _axis_config(axis):
    return axis if isinstance(axis, int) else list(axis)


@registry.register("max_norm", "MaxNorm")
class MaxNorm(Constraint):
    def __init__(self, max_value: float = 2.0, axis=0):
        if not (float(max_value) > 0 and np.isfinite(max_value)):
            raise ValueError(f"max_norm max_value must be a finite number > 0; got {max_value}")
        self.max_value, self.axis = float(max_value), _axis(axis)

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = np.clip(norms, 0, self.max_value)
        return (w * (desired / (backend.epsilon() + norms))).astype(w.dtype, copy=False)

    def get_config(self):
        return {"max_value": self.max_value, "axis": _axis_config(self.axis)}


@registry.register("non_neg", "NonNeg")
class NonNeg(Constraint):
    def __call__(self, w):
        return np.maximum(w, 0)


@registry.register("unit_norm", "UnitNorm")
class UnitNorm(Constraint):
    def __init__(self, axis=0):
        self.axis = _axis(axis)

    def __call__(self, w):
        return (w / (backend.epsilon() + _norms(w, self.axis))).astype(w.dtype, copy=False)

    def get_config(self):
        return {"axis": _axis_config(self.axis)}


@registry.register("min_max_norm", "MinMaxNorm")
class MinMaxNorm(Constraint):
    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis=0):
        if not 0 <= min_value <= max_value:
            raise ValueError(f"min_max_norm needs 0 <= min_value <= max_value; got {min_value}, {max_value}")
        if not 0 <= rate <= 1:
            raise ValueError(f"min_max_norm rate must be in [0, 1]; got {rate}")
        self.min_value, self.max_value, self.rate, self.axis = float(min_value), float(max_value), float(rate), \
            _axis(axis)

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = self.rate * np.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return (w * (desired / (backend.epsilon() + norms))).astype(w.dtype, copy=False)

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": _axis_config(self.axis)}


max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm


def get(identifier):
    return registry.get(identifier)


def serialize(constraint):
    return registry.serialize(constraint)


deserialize = registry.deserialize
