"""Softmax over one axis, and the row reductions the fused cross-entropy path shares with it.

softmax(z)_i = e^{z_i − max z} / Σ_j e^{z_j − max z} (max-shifted, so it never overflows);
its Jacobian-vector product is J·g = a ⊙ (g − Σ_j a_j g_j), taken from the output.
"""
from __future__ import annotations

import numpy as np

from trainlab.activations.base import Activation, registry


@registry.register("softmax")
class Softmax(Activation):
    """Softmax along ``axis``.

    Args:
        axis: the axis normalized over (default −1, the last, as in Keras). The fused
            softmax + cross-entropy path of training applies only over the last axis.
    """

    name = "softmax"

    def __init__(self, axis: int = -1):
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise ValueError(f"softmax axis must be an integer; got {axis!r}.")
        self.axis = int(axis)

    def over_last_axis(self, ndim: int) -> bool:
        """True when, on ``ndim``-dimensional inputs, the softmax runs over the last axis."""
        return self.axis in (-1, ndim - 1)

    def _check_axis(self, z):
        if not -z.ndim <= self.axis < z.ndim:
            raise ValueError(f"softmax axis {self.axis} is out of range for inputs of shape {z.shape}.")

    def forward(self, z):
        self._check_axis(z)
        if self.over_last_axis(z.ndim):
            e = np.exp(z - row_max(z))
            e /= row_sum(e)
            return e
        e = np.exp(z - z.max(axis=self.axis, keepdims=True))
        e /= e.sum(axis=self.axis, keepdims=True)
        return e

    def backward(self, a, grad_a, z=None):
        if self.over_last_axis(a.ndim):
            return a * (grad_a - row_sum(a * grad_a))
        return a * (grad_a - (a * grad_a).sum(axis=self.axis, keepdims=True))

    def get_config(self):
        return {"axis": self.axis}


def row_max(z: np.ndarray) -> np.ndarray:
    """max over the last axis, keepdims; NaN propagates as with ``max``.

    Read through ``argmax`` because NumPy reduces a short last axis (10 classes) row by row:
    at batch 32 ``z.max(axis=-1)`` costs about twice an argmax plus a gather.
    """
    rows = z.reshape(-1, z.shape[-1])
    return rows[np.arange(len(rows)), rows.argmax(axis=1)].reshape(*z.shape[:-1], 1)


def row_sum(z: np.ndarray) -> np.ndarray:
    """Σ over the last axis, keepdims, as a matrix-vector product (faster on short rows, see row_max)."""
    return (z @ np.ones(z.shape[-1], z.dtype))[..., np.newaxis]


def log_softmax(z: np.ndarray) -> np.ndarray:
    """log softmax(z) over the last axis, computed stably as z − max − log Σ e^(z − max)."""
    shifted = z - row_max(z)
    shifted -= np.log(row_sum(np.exp(shifted)))
    return shifted
