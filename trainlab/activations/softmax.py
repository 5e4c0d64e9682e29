"""Softmax over one axis, its fused cross-entropy gradient, and the row reductions losses share.

softmax(z)_i = e^{z_i − max z} / Σ_j e^{z_j − max z} (max-shifted, so it never overflows);
its Jacobian-vector product is J·g = a ⊙ (g − Σ_j a_j g_j), taken from the output.

Over the last axis (the output layer's case) the forward pass is one compiled loop per row
(bias add, max, e^x with :mod:`~trainlab.activations.exponentials`, sum, divide), with a NumPy
fallback doing the same operations in the same order (the sum runs left to right on both). The
sparse cross-entropy step that follows it, δ = (p − onehot(y)) / N, is one more loop, which also
gathers p_label for the loss value.
"""
from __future__ import annotations

import numpy as np

from trainlab import _jit
from trainlab.activations import kernels
from trainlab.activations.base import FusedActivation, registry
from trainlab.activations.exponentials import exp_nonpositive
from trainlab.activations.exponentials import use_compiled as _use_compiled


@registry.register("softmax")
class Softmax(FusedActivation):
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

    def _fused_forward(self, z, bias):
        z = np.asarray(z)
        if not -z.ndim <= self.axis < z.ndim:
            raise ValueError(f"softmax axis {self.axis} is out of range for inputs of shape {z.shape}.")
        if self.over_last_axis(z.ndim):
            return kernels.run_forward(_softmax_rows_loop, _softmax_rows_numpy, z, bias,
                                       np.empty((z.size // max(z.shape[-1], 1), z.shape[-1]) if z.ndim else (1, 1)))
        if bias is not None:
            kernels.check_bias(bias, z)
            np.add(z, bias, out=z)
        x = np.asarray(z, dtype=np.float64)
        e = exp_nonpositive(x - x.max(axis=self.axis, keepdims=True))
        return (e / e.sum(axis=self.axis, keepdims=True)).astype(z.dtype, copy=False)

    def _fused_backward(self, z, a, grad_a, bias_grad):
        if self.over_last_axis(a.ndim):
            delta = a * (grad_a - row_sum(a * grad_a))
        else:
            delta = a * (grad_a - (a * grad_a).sum(axis=self.axis, keepdims=True))
        if bias_grad is not None:
            kernels.sum_rows(delta, bias_grad)
        return delta

    def get_config(self):
        return {"axis": self.axis}


@_jit.kernel
def _softmax_rows_loop(z, bias, out, shifted):
    rows, units = z.shape
    for i in range(rows):
        top = -np.inf
        for j in range(units):
            v = z[i, j]
            if bias is not None:
                v = v + bias[j]
                z[i, j] = v
            x = np.float64(v)
            shifted[i, j] = x
            if x > top or x != x:  # NaN, once seen, stays the maximum, as with np.max
                top = x
        for j in range(units):
            shifted[i, j] = shifted[i, j] - top
    # One flat pass over every element, so the exponentials vectorize even for 10 classes.
    flat = shifted.reshape(-1)
    for k in range(flat.size):
        flat[k] = exp_nonpositive(flat[k])
    for i in range(rows):
        total = 0.0
        for j in range(units):
            total += shifted[i, j]
        for j in range(units):
            out[i, j] = shifted[i, j] / total


def _softmax_rows_numpy(x, shifted):
    x = np.asarray(x, dtype=np.float64)
    e = exp_nonpositive(x - np.max(x, axis=-1, keepdims=True))
    return e / np.add.accumulate(e, axis=-1)[..., -1:]  # accumulate: left to right, as the loop


# -- the fused sparse cross-entropy gradient ---------------------------------------------------------------
@_jit.kernel
def _sparse_crossentropy_loop(p, labels, grad, picked, n, inv_n):
    rows, units = p.shape
    for i in range(rows):
        label = labels[i]
        if label < 0 or label >= units:
            return i
        for j in range(units):
            d = np.float64(p[i, j]) / n
            if j == label:
                d = d - inv_n
            grad[i, j] = d
        picked[i] = p[i, label]
    return -1


def sparse_crossentropy_gradient(probabilities: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """δ = (p − onehot(labels)) / N from softmax outputs p of shape (N, classes), and p_label (float64).

    Raises:
        ValueError: labels of another length than N, or outside [0, classes), naming the first one.
    """
    rows, units = probabilities.shape
    labels = np.asarray(labels)
    if labels.shape != (rows,):
        raise ValueError(f"Sparse labels must have shape ({rows},) for {rows} predictions; got {labels.shape}.")
    grad = np.empty_like(probabilities)
    picked = np.empty(rows, np.float64)
    p = probabilities
    if p.dtype in kernels.FLOATS and p.flags.c_contiguous and labels.dtype.kind in "iu" and _use_compiled():
        bad = _sparse_crossentropy_loop.compiled(p, np.ascontiguousarray(labels, dtype=np.int64), grad, picked,
                                                 float(rows), 1.0 / rows)
        if bad >= 0:
            _raise_bad_label(labels, units)
        return grad, picked
    if labels.dtype.kind not in "iu" or rows and (labels.min() < 0 or labels.max() >= units):
        _raise_bad_label(labels, units)
    _sparse_crossentropy_numpy(p, labels, grad, picked)
    return grad, picked


def _sparse_crossentropy_numpy(p, labels, grad, picked):
    rows = len(p)
    every = np.arange(rows)
    d = np.asarray(p, dtype=np.float64) / float(rows)
    d[every, labels] -= 1.0 / rows
    grad[...] = d
    picked[...] = p[every, labels]


def _raise_bad_label(labels, units: int):
    bad = [label for label in np.asarray(labels).ravel().tolist() if not (isinstance(label, int) and 0 <= label < units)]
    raise ValueError(f"Sparse labels must be integers in [0, {units}); got {bad[0] if bad else labels.dtype!r}.")


# -- row reductions the losses share ---------------------------------------------------------------------
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
