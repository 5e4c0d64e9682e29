"""Losses with explicit gradients; every one is the mean over the batch.

A loss object gives ``value(y_true, y_pred)`` (the mean), ``gradient(y_true, y_pred)`` (∂mean/∂y_pred)
and, for cross-entropies that follow a softmax or sigmoid, ``value_and_logit_gradient`` on the
logits: the fused, numerically stable form (softmax + CE gives δ = (p − y) / N). Keras does the
same when the probabilities come straight from a softmax/sigmoid activation, so losses and
gradients match Keras.

* categorical CE:  −Σ_k y_k log p_k (p renormalized and clipped to [ε, 1 − ε], ε = 1e-7)
* sparse categorical CE: the same with integer labels
* binary CE:  −[y log p + (1 − y) log(1 − p)], averaged over the last axis
* mean squared error:  mean over the last axis of (y − ŷ)²
"""
from __future__ import annotations

import numpy as np

from trainlab import activations, backend
from trainlab._registry import Configurable, Registry, snake_case
from trainlab.activations.softmax import sparse_crossentropy_gradient

registry = Registry("loss")
# Keras 3's names for the batch mean; trainlab trains on the batch mean only.
MEAN_REDUCTIONS = ("sum_over_batch_size", "mean")


class Loss(Configurable):
    """Base class: the mean of the per-sample losses over the batch.

    Args:
        from_logits: ``y_pred`` are logits, not probabilities (the cross-entropies).
        name: the loss's name (default: the class name in snake_case, as in Keras 3).
        reduction: ``"sum_over_batch_size"`` (Keras 3's default) or its synonym ``"mean"``.

    Raises:
        ValueError: another ``reduction`` (``"sum"``, ``"none"``…): trainlab's training step
            and gradients are written for the batch mean, so other reductions are refused
            rather than silently ignored.
    """

    fused_activation: type | None = None  # the output activation this loss can fuse with

    def __init__(self, from_logits: bool = False, name: str | None = None, reduction: str = "sum_over_batch_size"):
        if reduction not in MEAN_REDUCTIONS:
            raise ValueError(f"{type(self).__name__} reduction={reduction!r} is not supported: trainlab's losses are "
                             f"the mean over the batch. Use reduction='sum_over_batch_size' (Keras' default); for a "
                             f"sum, scale the learning rate by the batch size instead.")
        self.from_logits = bool(from_logits)
        self.name = name or snake_case(type(self).__name__)
        self.reduction = reduction

    def __call__(self, y_true, y_pred) -> float:
        return self.value(np.asarray(y_true), np.asarray(y_pred))

    def value(self, y_true, y_pred) -> float:
        raise NotImplementedError

    def gradient(self, y_true, y_pred) -> np.ndarray:
        raise NotImplementedError

    def value_and_logit_gradient(self, y_true, logits, probabilities=None) -> tuple[float, np.ndarray]:
        """The loss and ∂loss/∂logits, computed stably from the logits.

        ``probabilities``, when given, must be the fused activation of ``logits`` (the output
        layer's forward pass already computed it); it is used instead of recomputing it.
        """
        raise NotImplementedError

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction, "from_logits": self.from_logits}


def _clipped_probabilities(y_pred):
    eps = backend.epsilon()
    p = y_pred / y_pred.sum(axis=-1, keepdims=True)
    return np.clip(p, eps, 1 - eps)


@registry.register("categorical_crossentropy")
class CategoricalCrossentropy(Loss):
    fused_activation = activations.Softmax

    def value(self, y_true, y_pred):
        if self.from_logits:
            return self.value_and_logit_gradient(y_true, y_pred)[0]
        return -float((y_true * np.log(_clipped_probabilities(y_pred))).sum()) / y_pred.shape[0]

    def gradient(self, y_true, y_pred):
        if self.from_logits:
            return self.value_and_logit_gradient(y_true, y_pred)[1]
        return _renormalized_ce_gradient(y_true, y_pred)

    def value_and_logit_gradient(self, y_true, logits, probabilities=None):
        n = logits.shape[0]
        if probabilities is not None and _all_normal(probabilities, probabilities.dtype):
            value = -float((y_true * np.log(probabilities)).sum()) / n
        else:
            log_p = activations.log_softmax(logits)
            value = -float((y_true * log_p).sum()) / n
            probabilities = np.exp(log_p)
        # ∂/∂z of −Σ y_k log softmax_k = p·Σy − y
        grad = probabilities * activations.row_sum(y_true) - y_true
        grad /= n
        return value, grad.astype(logits.dtype, copy=False)


@registry.register("sparse_categorical_crossentropy")
class SparseCategoricalCrossentropy(Loss):
    fused_activation = activations.Softmax
    sparse_labels = True

    def value(self, y_true, y_pred):
        y_true = _label_indices(y_true, y_pred)
        if self.from_logits:
            return self.value_and_logit_gradient(y_true, y_pred)[0]
        p = _clipped_probabilities(y_pred)
        return -float(np.log(p[np.arange(len(y_true)), y_true]).sum()) / y_pred.shape[0]

    def gradient(self, y_true, y_pred):
        y_true = _label_indices(y_true, y_pred)
        if self.from_logits:
            return self.value_and_logit_gradient(y_true, y_pred)[1]
        onehot = np.zeros_like(y_pred)
        onehot[np.arange(len(y_true)), y_true] = 1
        return _renormalized_ce_gradient(onehot, y_pred)

    def value_and_logit_gradient(self, y_true, logits, probabilities=None):
        n = logits.shape[0]
        if probabilities is not None and probabilities.ndim == 2:
            # One fused pass: δ = (p − onehot(y)) / N and p_label (a new array: p stays intact).
            grad, picked = sparse_crossentropy_gradient(probabilities, y_true)
            if _all_normal(picked, probabilities.dtype):
                return -float(np.log(picked).sum()) / n, grad
        rows = np.arange(n)
        log_p = activations.log_softmax(logits)
        value = -float(log_p[rows, y_true].sum()) / n
        grad = np.exp(log_p)
        grad /= n
        grad[rows, y_true] -= 1 / n
        return value, grad


def _label_indices(y_true, y_pred) -> np.ndarray:
    """Sparse labels as a vector of integer indices, one per row of ``y_pred``.

    Keras squeezes a trailing axis of size 1 ((N, 1) labels, as a DataFrame column gives them);
    indexing with them unsqueezed would gather an N × N matrix and silently average the wrong
    numbers. Whole-valued float labels are accepted, as in Keras.
    """
    y_true = np.asarray(y_true)
    if y_true.ndim == 2 and y_true.shape[1] == 1:
        y_true = y_true[:, 0]
    if y_true.shape != y_pred.shape[:1]:
        raise ValueError(f"Sparse labels must be integer class indices of shape ({y_pred.shape[0]},) or "
                         f"({y_pred.shape[0]}, 1), one per prediction; got shape {y_true.shape}. For one-hot labels "
                         f"use CategoricalCrossentropy.")
    if y_true.dtype.kind in "iu":
        return y_true
    if y_true.dtype.kind != "f" or not np.array_equal(y_true, np.round(y_true)):
        raise ValueError(f"Sparse labels must be whole numbers (class indices); got dtype {y_true.dtype}.")
    return y_true.astype(np.intp)


_TINY = {np.dtype(t): np.finfo(t).tiny for t in (np.float16, np.float32, np.float64)}  # np.finfo costs µs


def _all_normal(probabilities, dtype) -> bool:
    """True when every probability is a normal float of ``dtype`` (the outputs' type), so its log
    is as accurate as log-softmax's.

    A probability that underflowed (0 or subnormal) would give −inf or an imprecise log: then the
    loss is recomputed from the logits.
    """
    return probabilities.size == 0 or probabilities.min() >= _TINY.get(dtype, 0.0)


def _renormalized_ce_gradient(y_true, y_pred):
    """∂/∂y_pred of −mean Σ y log clip(y_pred / Σ y_pred): zero where the clip is active."""
    eps = backend.epsilon()
    total = y_pred.sum(axis=-1, keepdims=True)
    p = y_pred / total
    inside = (p > eps) & (p < 1 - eps)
    dl_dp = np.where(inside, -y_true / np.where(inside, p, 1), 0)
    # p_k = y_k / S  ⇒  ∂L/∂y_j = (∂L/∂p_j − Σ_k ∂L/∂p_k p_k) / S
    grad = (dl_dp - (dl_dp * p).sum(axis=-1, keepdims=True)) / total
    return (grad / y_pred.shape[0]).astype(y_pred.dtype, copy=False)


@registry.register("binary_crossentropy")
class BinaryCrossentropy(Loss):
    fused_activation = activations.Sigmoid

    def value(self, y_true, y_pred):
        if self.from_logits:
            return self.value_and_logit_gradient(y_true, y_pred)[0]
        eps = backend.epsilon()
        p = np.clip(y_pred, eps, 1 - eps)
        return -float((y_true * np.log(p) + (1 - y_true) * np.log(1 - p)).mean(axis=-1).sum()) / y_pred.shape[0]

    def gradient(self, y_true, y_pred):
        if self.from_logits:
            return self.value_and_logit_gradient(y_true, y_pred)[1]
        eps = backend.epsilon()
        inside = (y_pred > eps) & (y_pred < 1 - eps)
        p = np.where(inside, y_pred, 0.5)
        grad = np.where(inside, (p - y_true) / (p * (1 - p)), 0)
        return (grad / y_pred.size).astype(y_pred.dtype, copy=False)

    def value_and_logit_gradient(self, y_true, logits, probabilities=None):
        # −[y log σ(z) + (1−y) log(1−σ(z))] = max(z, 0) − z·y + log(1 + e^−|z|)
        per_element = np.maximum(logits, 0) - logits * y_true + np.log1p(np.exp(-np.abs(logits)))
        value = float(per_element.mean(axis=-1).sum()) / logits.shape[0]
        if probabilities is None:
            probabilities = activations.sigmoid.forward(logits)
        grad = (probabilities - y_true) / logits.size
        return value, grad.astype(logits.dtype, copy=False)


@registry.register("mean_squared_error", "mse", "MSE")
class MeanSquaredError(Loss):
    def __init__(self, name: str | None = None, reduction: str = "sum_over_batch_size"):
        super().__init__(False, name=name, reduction=reduction)

    def value(self, y_true, y_pred):
        return float(np.square(y_pred - y_true).mean(axis=-1).sum()) / y_pred.shape[0]

    def gradient(self, y_true, y_pred):
        return (2 * (y_pred - y_true) / y_pred.size).astype(y_pred.dtype, copy=False)

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}


def get(identifier) -> Loss:
    if identifier is None:
        raise ValueError(
            f"compile() needs a loss; use one of: {', '.join(registry.names())}."
        )
    if isinstance(identifier, Loss):
        return identifier
    return registry.get(identifier)


def serialize(loss: Loss):
    return registry.serialize(loss)


deserialize = registry.deserialize
sparse_categorical_crossentropy = SparseCategoricalCrossentropy()
categorical_crossentropy = CategoricalCrossentropy()
binary_crossentropy = BinaryCrossentropy()
mean_squared_error = mse = MeanSquaredError()
