"""Activation layers: ``Activation(name)``, ``LeakyReLU``, ``PReLU``, ``RReLU``, ``ELU``.

* LeakyReLU_α(z) = max(αz, z), layer default α = 0.3 (Keras 3; the notes' figures use 0.01–0.2).
* PReLU: the same with α learned, one slope per input element, initialized to 0.
  ∂L/∂α = Σ_batch g·min(z, 0).
* RReLU (Keras has none; PyTorch semantics): during training each element gets its own slope
  r ~ U(lower, upper), drawn afresh every forward pass, gradient r on the negative side; at
  inference the slope is (lower + upper) / 2.
* ELU_α(z) = z if z > 0 else α(e^z − 1).
"""
from __future__ import annotations

import numpy as np

from trainlab import activations as activations_module
from trainlab import constraints, initializers, regularizers
from trainlab import random as tl_random
from trainlab.layers.base import Layer, registry


class _ElementwiseActivation(Layer):
    """A layer applying a stateless activation; caches its output for backward."""

    activation: activations_module.Activation

    def call(self, inputs, training=None):
        self._outputs = self.activation.forward(inputs)
        return self._outputs

    def backward(self, grad_out, need_input_grad=True):
        return self.activation.backward(self._outputs, grad_out) if need_input_grad else None


@registry.register()
class Activation(_ElementwiseActivation):
    """Applies a named activation: ``Activation("relu")`` (after BatchNormalization)."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations_module.get(activation)

    def call(self, inputs, training=None):
        self.preactivation = inputs
        return super().call(inputs, training)

    def backward_from_preactivation(self, delta, need_input_grad=True):
        """Backward given ∂L/∂inputs directly (the fused softmax/sigmoid + cross-entropy path)."""
        return delta if need_input_grad else None

    def get_config(self):
        return {**super().get_config(), "activation": activations_module.serialize(self.activation)}


@registry.register()
class LeakyReLU(_ElementwiseActivation):
    """max(αz, z) with ``negative_slope`` α (default 0.3; ``alpha=`` is the old Keras name)."""

    def __init__(self, negative_slope: float = 0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        self.activation = activations_module.LeakyReLU(negative_slope)
        self.negative_slope = self.activation.negative_slope

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


@registry.register()
class ELU(_ElementwiseActivation):
    """z if z > 0 else α(e^z − 1), default α = 1."""

    def __init__(self, alpha: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations_module.ELU(alpha)
        self.alpha = self.activation.alpha

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


@registry.register()
class PReLU(Layer):
    """Parametric leaky ReLU: the slope α (one per input element, init 0) is learned."""

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)

    def build(self, input_shape):
        self.add_weight("alpha", input_shape[1:], self.alpha_initializer, self.alpha_regularizer,
                        self.alpha_constraint)

    def call(self, inputs, training=None):
        self._negative_part = np.minimum(inputs, 0)
        self._positive = inputs > 0
        return np.maximum(inputs, 0) + self.params["alpha"] * self._negative_part

    def backward(self, grad_out, need_input_grad=True):
        if self.trainable:
            np.sum(grad_out * self._negative_part, axis=0, out=self.grads["alpha"])
        if not need_input_grad:
            return None
        return np.where(self._positive, grad_out, grad_out * self.params["alpha"])

    def get_config(self):
        return {**super().get_config(), "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
                "alpha_constraint": constraints.serialize(self.alpha_constraint)}


@registry.register()
class RReLU(Layer):
    """Randomized leaky ReLU (PyTorch semantics; Keras has none).

    Args:
        lower, upper: slope range, 0 <= lower <= upper < 1 (defaults 1/8 and 1/3).
        seed: seed of the slope generator (else spawned from ``trainlab.random``).
    """

    def __init__(self, lower: float = 1 / 8, upper: float = 1 / 3, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= lower <= upper < 1:
            raise ValueError(f"RReLU needs 0 <= lower <= upper < 1; got lower={lower}, upper={upper}")
        self.lower, self.upper, self.seed = float(lower), float(upper), seed
        self.rng = tl_random.generator(seed)

    def call(self, inputs, training=None):
        if training:
            slopes = self.rng.uniform(self.lower, self.upper, size=inputs.shape).astype(inputs.dtype)
        else:
            slopes = np.asarray((self.lower + self.upper) / 2, inputs.dtype)
        self._slopes = np.where(inputs > 0, np.asarray(1, inputs.dtype), slopes)
        return inputs * self._slopes

    def backward(self, grad_out, need_input_grad=True):
        return grad_out * self._slopes if need_input_grad else None

    def get_config(self):
        return {**super().get_config(), "lower": self.lower, "upper": self.upper, "seed": self.seed}
