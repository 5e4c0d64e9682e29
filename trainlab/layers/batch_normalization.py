"""BatchNormalization (Ioffe & Szegedy, 2015) with Keras 3 semantics.

For each feature (the entries along ``axis``), over the m values of a batch (every other axis):

    μ_B = (1/m) Σ x,   σ²_B = (1/m) Σ (x − μ_B)²   (biased variance)
    x̂ = (x − μ_B) / √(σ²_B + ε),   z = γ ⊗ x̂ + β

and the moving statistics follow  v̂ ← v̂ × momentum + v × (1 − momentum)  (the notes' formula),
for the mean and for the biased variance. At inference, and whenever the layer is frozen
(``trainable=False``), x̂ uses the moving statistics and nothing is updated.

Backward in training mode (the compact form), with g = ∂L/∂z and ĝ = γ ⊗ g:

    ∂L/∂γ = Σ g ⊗ x̂,   ∂L/∂β = Σ g,
    ∂L/∂x = (ĝ − mean(ĝ) − x̂ ⊗ mean(ĝ ⊗ x̂)) / √(σ²_B + ε)

In inference mode the normalization is an affine map, so ∂L/∂x = ĝ / √(v̂ + ε).
"""
from __future__ import annotations

import numpy as np

from trainlab import constraints, initializers, regularizers
from trainlab.layers.base import Layer, registry


@registry.register()
class BatchNormalization(Layer):
    """Normalize each feature with batch statistics while training, moving statistics otherwise.

    Args:
        axis: the feature axis (default −1, the last); an int in [−ndim, ndim) other than the
            batch axis 0. Statistics are taken over every other axis.
        momentum: weight of the *old* moving value, in [0, 1] (default 0.99). The notes advise
            values close to 1 (0.9, 0.99, 0.999), closer for large datasets and small batches.
        epsilon: added to the variance inside the square root, > 0 (default 1e-3).
        center / scale: learn the offset β / the scale γ (defaults True). Set ``scale=False``
            when the next layer is linear or ReLU, which can absorb γ.
        beta_initializer, gamma_initializer, moving_mean_initializer, moving_variance_initializer:
            Keras defaults zeros, ones, zeros, ones.
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint: as for Dense.

    Weights: ``gamma``, ``beta`` (trained, in ``params``), ``moving_mean``, ``moving_variance``
    (in ``state``: saved, never optimized), in that order as in Keras' ``get_weights``.

    Raises:
        ValueError: momentum outside [0, 1], epsilon <= 0, or (at build) an ``axis`` out of
            range for the input or equal to the batch axis.

    Note:
        PyTorch's ``BatchNorm1d`` differs in all three numeric conventions: its momentum 0.1
        weights the *new* value, it stores the unbiased running variance, and ε = 1e-5.
        As in Keras 3, a frozen layer normalizes with its moving statistics even when called
        with ``training=True`` (the fine-tuning behaviour transfer learning needs).
    """

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise TypeError(f"BatchNormalization axis must be an integer (the feature axis); got {axis!r}")
        if not 0.0 <= float(momentum) <= 1.0:
            raise ValueError(f"BatchNormalization momentum must be in [0, 1] (weight of the old moving value, "
                             f"typically 0.9-0.999); got {momentum}")
        if not (float(epsilon) > 0 and np.isfinite(epsilon)):
            raise ValueError(f"BatchNormalization epsilon must be a finite number > 0; got {epsilon}")
        self.axis, self.momentum, self.epsilon = int(axis), float(momentum), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self._normalized = self._inv_std = None
        self._used_batch_statistics = False

    def build(self, input_shape):
        ndim = len(input_shape)
        if not -ndim <= self.axis < ndim or self.axis % ndim == 0:
            raise ValueError(
                f"BatchNormalization layer {self.name!r}: axis={self.axis} is out of range for inputs of shape "
                f"{tuple(input_shape)}; use a feature axis in 1..{ndim - 1} (or -1 for the last)."
            )
        feature_axis = self.axis % ndim
        features = (input_shape[feature_axis],)
        self._reduce_axes = tuple(a for a in range(ndim) if a != feature_axis)
        # Parameters broadcast against the input: size on the feature axis, 1 elsewhere.
        self._broadcast_shape = tuple(input_shape[a] if a == feature_axis else 1 for a in range(ndim))
        if self.scale:
            self.add_weight("gamma", features, self.gamma_initializer, self.gamma_regularizer, self.gamma_constraint)
        if self.center:
            self.add_weight("beta", features, self.beta_initializer, self.beta_regularizer, self.beta_constraint)
        self.add_weight("moving_mean", features, self.moving_mean_initializer, trainable=False)
        self.add_weight("moving_variance", features, self.moving_variance_initializer, trainable=False)

    def _param(self, name: str) -> np.ndarray | None:
        value = self.params.get(name)
        return None if value is None else value.reshape(self._broadcast_shape)

    def call(self, inputs, training=None):
        use_batch_statistics = bool(training) and self.trainable
        if use_batch_statistics:
            mean = inputs.mean(axis=self._reduce_axes, keepdims=True)
            centered = inputs - mean
            variance = np.square(centered).mean(axis=self._reduce_axes, keepdims=True)
            self._update_moving_statistics(mean, variance)
        else:
            mean = self.state["moving_mean"].reshape(self._broadcast_shape)
            variance = self.state["moving_variance"].reshape(self._broadcast_shape)
            centered = inputs - mean
        inv_std = 1 / np.sqrt(variance + np.asarray(self.epsilon, variance.dtype))
        normalized = centered
        normalized *= inv_std
        self._normalized, self._inv_std = normalized, inv_std
        self._used_batch_statistics = use_batch_statistics
        gamma, beta = self._param("gamma"), self._param("beta")
        outputs = normalized * gamma if gamma is not None else normalized.copy()
        if beta is not None:
            outputs += beta
        return outputs

    def _update_moving_statistics(self, mean: np.ndarray, variance: np.ndarray) -> None:
        for name, batch_value in (("moving_mean", mean), ("moving_variance", variance)):
            moving = self.state[name]
            moving *= self.momentum
            moving += (1.0 - self.momentum) * batch_value.reshape(moving.shape)

    def backward(self, grad_out, need_input_grad=True):
        normalized, axes = self._normalized, self._reduce_axes
        if self.trainable:
            if self.scale:
                np.sum(grad_out * normalized, axis=axes, out=self.grads["gamma"])
            if self.center:
                np.sum(grad_out, axis=axes, out=self.grads["beta"])
        if not need_input_grad:
            return None
        gamma = self._param("gamma")
        grad_normalized = grad_out * gamma if gamma is not None else grad_out.copy()
        if self._used_batch_statistics:
            # The batch mean and variance depend on every x: project out their two directions.
            mean_grad = grad_normalized.mean(axis=axes, keepdims=True)
            mean_grad_normalized = (grad_normalized * normalized).mean(axis=axes, keepdims=True)
            grad_normalized -= mean_grad
            grad_normalized -= normalized * mean_grad_normalized
        grad_normalized *= self._inv_std
        return grad_normalized

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
            "center": self.center, "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }
