"""Dense: a = f(x·W + b), the fully connected layer.

Backward, with g = ∂L/∂a and δ = f'(z) ⊙ g (from the cached output a, or from z for the
activations that need it): ∂L/∂W = xᵀδ, ∂L/∂b = Σ_batch δ, ∂L/∂x = δWᵀ. The bias add and f run
as one pass after the GEMM, and δ and ∂L/∂b as one pass before the GEMMs
(``Activation.forward_with_bias`` / ``backward_with_bias``, compiled for the built-in
activations).

On inputs of rank > 2, (batch, …, features), the layer acts on the last axis, as in Keras:
every leading position is one row of the GEMM.
"""
from __future__ import annotations

import numpy as np

from trainlab import activations as activations_module
from trainlab import constraints, initializers, regularizers
from trainlab.layers.base import Layer, registry


@registry.register()
class Dense(Layer):
    """Fully connected layer with an optional activation.

    Args:
        units: number of output units (>= 1).
        activation: name, Activation, or parameter-free activation layer (None = linear); may
            be reassigned after construction (``layer.activation = None``).
        use_bias: add a bias vector (set False before BatchNormalization).
        kernel_initializer / bias_initializer: Keras defaults ``glorot_uniform`` / ``zeros``.
        kernel_regularizer / bias_regularizer: e.g. ``l2(0.01)``.
        kernel_constraint / bias_constraint: e.g. ``max_norm(1.)``, applied after each update.

    Raises:
        ValueError: ``units`` not an integer >= 1; at build, inputs of rank < 2.
    """

    def __init__(self, units: int, activation=None, use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(f"Dense units must be an integer >= 1; got {units!r}")
        self.units = int(units)
        self.activation = activation
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._inputs = self._outputs = self.preactivation = None

    @property
    def activation(self) -> activations_module.Activation:
        return self._activation

    @activation.setter
    def activation(self, value) -> None:
        self._activation = activations_module.get(value)

    def build(self, input_shape):
        if len(input_shape) < 2:
            raise ValueError(
                f"Dense layer {self.name!r} expects inputs of shape (batch, ..., features); got shape {input_shape}."
            )
        self.add_weight("kernel", (input_shape[-1], self.units), self.kernel_initializer,
                        self.kernel_regularizer, self.kernel_constraint)
        if self.use_bias:
            self.add_weight("bias", (self.units,), self.bias_initializer, self.bias_regularizer, self.bias_constraint)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def call(self, inputs, training=None):
        rows = inputs if inputs.ndim == 2 else inputs.reshape(-1, inputs.shape[-1])
        z = np.matmul(rows, self.params["kernel"])
        if inputs.ndim != 2:
            z = z.reshape(*inputs.shape[:-1], self.units)
        self._inputs = rows
        self.preactivation = z
        self._outputs = self._activation.forward_with_bias(z, self.params["bias"] if self.use_bias else None)
        return self._outputs

    def backward(self, grad_out, need_input_grad=True):
        bias_grad = self.grads["bias"] if self.use_bias and self.trainable else None
        delta = self._activation.backward_with_bias(self.preactivation, self._outputs, grad_out, bias_grad)
        return self._weight_and_input_gradients(delta, need_input_grad)

    def backward_from_preactivation(self, delta, need_input_grad=True):
        """Backward given δ = ∂L/∂z directly (the fused softmax/sigmoid + cross-entropy path)."""
        if self.use_bias and self.trainable:
            activations_module.kernels.sum_rows(delta, self.grads["bias"])
        return self._weight_and_input_gradients(delta, need_input_grad)

    def _weight_and_input_gradients(self, delta, need_input_grad):
        rows = delta if delta.ndim == 2 else delta.reshape(-1, self.units)
        if self.trainable:
            np.matmul(self._inputs.T, rows, out=self.grads["kernel"])
        if not need_input_grad:
            return None
        grad_in = np.matmul(rows, self.params["kernel"].T)
        return grad_in if delta.ndim == 2 else grad_in.reshape(*delta.shape[:-1], grad_in.shape[-1])

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations_module.serialize(self._activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }
