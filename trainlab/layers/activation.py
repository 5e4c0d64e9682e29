"""Activation layers: ``Activation(name)``, ``ReLU``, ``LeakyReLU``, ``ELU``, ``Softmax``, ``PReLU``, ``RReLU``.

* ReLU: Keras 3's ``max_value`` / ``negative_slope`` / ``threshold`` form (see
  :class:`trainlab.activations.ReLU`); Softmax: over ``axis``.
* LeakyReLU_α(z) = z if z > 0 else αz, layer default α = 0.3 (Keras 3; the notes' figures use
  0.01–0.2); any α >= 0, so ``negative_slope=1`` is the identity.
* PReLU: the same with α learned, one slope per input element (or shared along
  ``shared_axes``), initialized to 0. ∂L/∂α = Σ over the batch and shared axes of g·min(z, 0).
* RReLU (Keras has none; PyTorch semantics): during training each element gets its own slope
  r ~ U(lower, upper), drawn afresh every forward pass, gradient r on the negative side; at
  inference the slope is (lower + upper) / 2.
* ELU_α(z) = z if z > 0 else α(e^z − 1).

The parameter-free ones wrap an activation function, so they can also be passed as a Dense
layer's ``activation=`` (HOML's ``Dense(50, activation=LeakyReLU(alpha=0.2))``).
"""
from __future__ import annotations

import numpy as np

from trainlab import activations as activations_module
from trainlab import constraints, initializers, regularizers
from trainlab import random as tl_random
from trainlab.activations.piecewise import deprecated_alpha
from trainlab.layers.base import Layer, registry


class _ElementwiseActivation(Layer):
    """A layer applying a stateless activation; keeps its output (and its input, which the fused
    cross-entropy path and activations that need z in backward use)."""

    activation: activations_module.Activation

    @property
    def as_activation(self) -> activations_module.Activation:
        """The activation function this layer applies (what ``Dense(activation=layer)`` uses)."""
        return self.activation

    def call(self, inputs, training=None):
        self.preactivation = inputs
        self._outputs = self.activation.forward(inputs)
        return self._outputs

    def backward(self, grad_out, need_input_grad=True):
        if not need_input_grad:
            return None
        return activations_module.backward_of(self.activation, self.preactivation, self._outputs, grad_out)

    def backward_from_preactivation(self, delta, need_input_grad=True):
        """Backward given ∂L/∂inputs directly (the fused softmax/sigmoid + cross-entropy path)."""
        return delta if need_input_grad else None


@registry.register()
class Activation(_ElementwiseActivation):
    """Applies a named activation: ``Activation("relu")`` (after BatchNormalization)."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations_module.get(activation)

    def get_config(self):
        return {**super().get_config(), "activation": activations_module.serialize(self.activation)}


@registry.register()
class ReLU(_ElementwiseActivation):
    """Rectified linear unit layer.

    Args:
        max_value: cap on the output, >= 0, or None (default) for none.
        negative_slope: slope below the threshold, >= 0 (default 0).
        threshold: >= 0 (default 0).

    Raises:
        ValueError: a negative value, or None for ``negative_slope`` / ``threshold``.
    """

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0, threshold: float = 0.0,
                 **kwargs):
        super().__init__(**kwargs)
        self.activation = activations_module.ReLU(negative_slope, max_value, threshold)
        self.max_value = self.activation.max_value
        self.negative_slope = self.activation.negative_slope
        self.threshold = self.activation.threshold

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value, "negative_slope": self.negative_slope,
                "threshold": self.threshold}


@registry.register()
class LeakyReLU(_ElementwiseActivation):
    """z if z > 0 else αz with ``negative_slope`` α >= 0 (default 0.3; ``alpha=`` is the tf.keras 2
    name, deprecated)."""

    def __init__(self, negative_slope: float = 0.3, **kwargs):
        negative_slope = deprecated_alpha("LeakyReLU", negative_slope, kwargs.pop("alpha", None))
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
class Softmax(_ElementwiseActivation):
    """Softmax along ``axis`` (default −1)."""

    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations_module.Softmax(axis)
        self.axis = self.activation.axis

    def build(self, input_shape):
        if not -len(input_shape) <= self.axis < len(input_shape):
            raise ValueError(f"Softmax layer {self.name!r}: axis {self.axis} is out of range for inputs of shape "
                             f"{tuple(input_shape)}.")

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


@registry.register()
class PReLU(Layer):
    """Parametric leaky ReLU: the slope α (init 0) is learned.

    Args:
        alpha_initializer / alpha_regularizer / alpha_constraint: for α (default ``zeros``).
        shared_axes: input axes (1 = the first axis after the batch) along which one α is
            shared, e.g. ``[1, 2]`` for one slope per channel of (batch, height, width,
            channels) inputs; None (default): one α per input element.

    Raises:
        ValueError: at build, a shared axis outside 1 … rank − 1.
    """

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None, shared_axes=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        else:
            axes = list(shared_axes) if isinstance(shared_axes, (list, tuple)) else [shared_axes]
            if not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axes):
                raise ValueError(f"PReLU shared_axes must be integers; got {shared_axes!r}.")
            self.shared_axes = [int(a) for a in axes]

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            if not 1 <= axis < len(input_shape):
                raise ValueError(f"PReLU layer {self.name!r}: shared axis {axis} is out of range for inputs of "
                                 f"shape {tuple(input_shape)}; use axes 1 to {len(input_shape) - 1} (0 is the batch).")
            shape[axis - 1] = 1
        self.add_weight("alpha", shape, self.alpha_initializer, self.alpha_regularizer, self.alpha_constraint)

    def call(self, inputs, training=None):
        self._negative_part = np.minimum(inputs, 0)
        self._positive = inputs > 0
        return np.maximum(inputs, 0) + self.params["alpha"] * self._negative_part

    def backward(self, grad_out, need_input_grad=True):
        if self.trainable:
            # Sum over the batch axis and every shared axis, keeping the shared ones (size 1 in α).
            per_element = np.sum(grad_out * self._negative_part, axis=0)
            shared = tuple(axis - 1 for axis in self.shared_axes or [])
            if shared:
                per_element = np.sum(per_element, axis=shared, keepdims=True)
            self.grads["alpha"][...] = per_element
        if not need_input_grad:
            return None
        return np.where(self._positive, grad_out, grad_out * self.params["alpha"])

    def get_config(self):
        return {**super().get_config(), "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
                "alpha_constraint": constraints.serialize(self.alpha_constraint),
                "shared_axes": self.shared_axes}


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
