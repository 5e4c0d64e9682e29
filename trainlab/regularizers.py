"""Weight penalties l1, l2 and l1_l2 (Keras semantics: no ½ on l2).

* ``l1(l)``:  penalty l·Σ|w|,  gradient l·sign(w)
* ``l2(l)``:  penalty l·Σw²,   gradient 2l·w
* ``l1_l2(l1, l2)``: both

The training step adds every trainable weight's penalty to the loss (so the reported ``loss``
includes it, as in Keras) and its gradient to the weight's gradient, in one place.
"""
from __future__ import annotations

import numpy as np

from trainlab._registry import Configurable, Registry

registry = Registry("regularizer")


def _factor(value, name: str) -> float:
    if value is None:  # Keras treats None as "no penalty of this kind"
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"Regularization factor {name} must be a number >= 0; got {value!r}")
    value = float(value)
    if not (value >= 0 and np.isfinite(value)):
        raise ValueError(f"Regularization factor {name} must be a finite number >= 0; got {value}")
    return value


class Regularizer(Configurable):
    """Base: ``__call__(w)`` is the penalty, ``gradient(w)`` its derivative."""

    def __call__(self, w: np.ndarray) -> float:
        raise NotImplementedError

    def gradient(self, w: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict:
        raise NotImplementedError


@registry.register("l1_l2", "l1l2")
class L1L2(Regularizer):
    """l1·Σ|w| + l2·Σw²."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1 = _factor(l1, "l1")
        self.l2 = _factor(l2, "l2")

    def __call__(self, w):
        penalty = 0.0
        if self.l1:
            penalty += self.l1 * float(np.abs(w).sum())
        if self.l2:
            penalty += self.l2 * float(np.square(w).sum())
        return penalty

    def gradient(self, w):
        grad = np.zeros_like(w)
        if self.l1:
            grad += np.asarray(self.l1, w.dtype) * np.sign(w)
        if self.l2:
            grad += np.asarray(2 * self.l2, w.dtype) * w
        return grad

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


@registry.register("l1", "L1")
class L1(L1L2):
    """l·Σ|w|: pushes weights to exactly zero (sparse models)."""

    def __init__(self, l1: float = 0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


@registry.register("l2", "L2")
class L2(L1L2):
    """l·Σw² (no ½, gradient 2lw)."""

    def __init__(self, l2: float = 0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


# Keras 3 exports the lowercase names as the classes themselves. Note: ``l1_l2()`` therefore
# defaults to no penalty (L1L2's 0.0, 0.0), where tf.keras 2's function defaulted to 0.01 each.
l1 = L1
l2 = L2
l1_l2 = L1L2


def get(identifier):
    return registry.get(identifier)


def serialize(regularizer):
    return registry.serialize(regularizer)


deserialize = registry.deserialize
