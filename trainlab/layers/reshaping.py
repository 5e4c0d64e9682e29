"""Shape-only layers: ``Input`` (declares the sample shape) and ``Flatten``."""
from __future__ import annotations

import numpy as np

from trainlab.layers.base import Layer, _validate_shape, registry


@registry.register("InputLayer")
class Input(Layer):
    """Declares the shape of one sample: ``Sequential([Input((28, 28)), Flatten(), ...])``."""

    def __init__(self, shape=None, name: str | None = None, **kwargs):
        if shape is None:
            shape = kwargs.pop("input_shape", None)
        if shape is None:
            raise ValueError("Input needs shape=(...), the shape of one sample without the batch axis.")
        super().__init__(name=name, input_shape=_validate_shape(shape, "Input shape"), **kwargs)
        self.shape = self._input_shape_arg

    def call(self, inputs, training=None):
        return inputs

    def backward(self, grad_out, need_input_grad=True):
        return grad_out

    def get_config(self):
        config = super().get_config()
        config["shape"] = list(config.pop("input_shape"))
        return config


@registry.register()
class Flatten(Layer):
    """Reshapes (batch, d1, d2, ...) to (batch, d1·d2·...)."""

    def compute_output_shape(self, input_shape):
        return (input_shape[0], int(np.prod(input_shape[1:], dtype=np.int64)))

    def call(self, inputs, training=None):
        self._input_shape = inputs.shape
        return inputs.reshape(inputs.shape[0], -1)

    def backward(self, grad_out, need_input_grad=True):
        return grad_out.reshape(self._input_shape) if need_input_grad else None
