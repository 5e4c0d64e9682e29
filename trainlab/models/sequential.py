"""Sequential: a stack of layers, its forward and backward passes, weights and summary.

Training (``compile``/``fit``/``evaluate``/``predict``) lives in :mod:`trainlab.models.training`;
this module is the structure only.
"""
from __future__ import annotations

import numpy as np

from trainlab import backend
from trainlab import layers as layers_module
from trainlab.layers.base import Layer
from trainlab.models.training import TrainingMixin


class Sequential(TrainingMixin):
    """A linear stack of layers: ``Sequential([Flatten(input_shape=[28, 28]), Dense(10, ...)])``.

    Layers passed in are shared, not copied, so ``Sequential(model_A.layers[:-1])`` reuses model
    A's trained layers (the notes' transfer learning). The model is built as soon as its input
    shape is known (an ``Input`` layer or ``input_shape=`` on the first layer) or at the first
    call on data.
    """

    def __init__(self, layers=None, name: str | None = None):
        super().__init__()
        self.name = name or backend.auto_name("Sequential")
        self._layers: list[Layer] = []
        self._input_shape: tuple | None = None
        for layer in layers or []:
            self.add(layer)

    # -- structure ------------------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        """The layers, without the ``Input`` placeholder (as in Keras)."""
        return [layer for layer in self._layers if not isinstance(layer, layers_module.Input)]

    def add(self, layer: Layer) -> None:
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add expects a trainlab layer; got {layer!r} of type {type(layer).__name__}")
        if any(existing.name == layer.name for existing in self._layers):
            raise ValueError(f"This model already has a layer named {layer.name!r}; layer names must be unique.")
        if isinstance(layer, layers_module.Input) and self._layers:
            raise ValueError("An Input layer can only come first in a Sequential model.")
        self._layers.append(layer)
        if self._input_shape is None:
            first = self._layers[0]
            declared = first._input_shape_arg if not first.built else first.input_shape[1:]
            if declared is not None:
                self._input_shape = tuple(declared)
        if self._input_shape is not None:
            self.build((None, *self._input_shape))

    def pop(self) -> Layer:
        if not self.layers:
            raise ValueError("There are no layers to pop.")
        return self._layers.pop()

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        if index is not None:
            try:
                return self.layers[index]
            except IndexError:
                raise ValueError(f"Layer index {index} out of range: the model has {len(self.layers)} layers.") from None
        for layer in self._layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No layer named {name!r}; layers are: {', '.join(l.name for l in self._layers)}.")

    def build(self, input_shape) -> None:
        """Build every layer in turn for inputs of ``input_shape`` (batch axis first).

        Raises:
            ValueError: the model has no layers (Keras 3 raises the same).
        """
        self._require_layers()
        shape = tuple(input_shape)
        self._input_shape = shape[1:]
        for layer in self._layers:
            if layer.built and layer.input_shape is not None and tuple(layer.input_shape[1:]) != tuple(shape[1:]):
                raise ValueError(
                    f"Layer {layer.name!r} was built for inputs of shape {layer.input_shape} but receives {shape}."
                )
            layer.ensure_built(shape)
            shape = layer.output_shape

    def _require_layers(self) -> None:
        if not self._layers:
            raise ValueError(f"Sequential model {self.name!r} has no layers, so it cannot be built or called: "
                             f"add layers first (model.add(layer) or Sequential([...])).")

    def compute_output_shape(self, input_shape) -> tuple:
        """The output shape for inputs of ``input_shape`` (batch axis first), without building anything."""
        self._require_layers()
        shape = tuple(input_shape)
        for layer in self.layers:
            shape = tuple(layer.compute_output_shape(shape))
        return shape

    @property
    def built(self) -> bool:
        return bool(self._layers) and all(layer.built for layer in self._layers)

    @property
    def input_shape(self) -> tuple | None:
        return None if self._input_shape is None else (None, *self._input_shape)

    @property
    def output_shape(self) -> tuple | None:
        return self._layers[-1].output_shape if self.built else None

    # -- forward and backward -----------------------------------------------------------------
    def __call__(self, x, training: bool | None = False) -> np.ndarray:
        """Forward pass on all of ``x`` at once (Keras: ``model(X, training=True)``)."""
        from trainlab.models.validation import as_float_array, check_feature_shape

        self._require_layers()
        x = as_float_array(x)
        if not self.built:
            self.build((None, *x.shape[1:]))
        check_feature_shape(x, self._input_shape)
        return self.forward(x, training=bool(training))

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        for layer in self._layers:
            x = layer.call(x, training=training)
        return x

    def backward(self, grad: np.ndarray, skip_last: bool = False) -> None:
        """Backpropagate ``grad`` (∂L/∂output, or ∂L/∂logits of the last layer when ``skip_last``)."""
        stack = self._layers
        first = self._first_layer_needing_backward()
        for index in range(len(stack) - 1, first - 1, -1):
            layer = stack[index]
            need_input_grad = index > first
            if skip_last and index == len(stack) - 1:
                grad = layer.backward_from_preactivation(grad, need_input_grad)
            else:
                grad = layer.backward(grad, need_input_grad)

    def _first_layer_needing_backward(self) -> int:
        """Layers before the first trainable one with parameters need no backward pass at all."""
        for index, layer in enumerate(self._layers):
            if layer.trainable and layer.params:
                return index
        return len(self._layers)

    # -- weights --------------------------------------------------------------------------------
    @property
    def weights(self) -> list[np.ndarray]:
        return [w for layer in self._layers for w in layer.weights]

    @property
    def trainable_weights(self) -> list[np.ndarray]:
        return [w for layer in self._layers for w in layer.trainable_weights]

    @property
    def non_trainable_weights(self) -> list[np.ndarray]:
        return [w for layer in self._layers for w in layer.non_trainable_weights]

    @property
    def variables(self) -> list:
        """Every layer's weights as named views (``name``, ``path``, ``trainable``), as in Keras 3."""
        return [v for layer in self._layers for v in layer.variables]

    @property
    def trainable_variables(self) -> list:
        return [v for layer in self._layers for v in layer.trainable_variables]

    @property
    def non_trainable_variables(self) -> list:
        return [v for layer in self._layers for v in layer.non_trainable_variables]

    def get_weights(self) -> list[np.ndarray]:
        return [w.copy() for w in self.weights]

    def set_weights(self, weights) -> None:
        weights = list(weights)
        expected = sum(len(layer.weight_names()) for layer in self._layers)
        if len(weights) != expected:
            raise ValueError(f"Model {self.name!r} expects {expected} weight arrays; got {len(weights)}.")
        for layer in self._layers:
            count = len(layer.weight_names())
            layer.set_weights(weights[:count])
            weights = weights[count:]

    def count_params(self) -> int:
        return sum(layer.count_params() for layer in self._layers)

    @property
    def losses(self) -> list[float]:
        """Current regularization penalties, one per regularized trainable weight."""
        return [penalty for layer in self._layers for penalty in layer.losses]

    def summary(self, print_fn=print) -> None:
        """Print a Keras-like table: layer (type), output shape, parameter count, and totals."""
        rows = [(f"{layer.name} ({type(layer).__name__})", str(layer.output_shape if layer.built else "?"),
                 str(layer.count_params())) for layer in self.layers]
        headers = ("Layer (type)", "Output Shape", "Param #")
        widths = [max(len(headers[i]), *(len(row[i]) for row in rows)) + 2 for i in range(3)] if rows else [14, 14, 9]
        rule = "─" * sum(widths)
        lines = [f'Model: "{self.name}"', rule, "".join(h.ljust(w) for h, w in zip(headers, widths)), rule]
        lines += ["".join(c.ljust(w) for c, w in zip(row, widths)) for row in rows]
        trainable = sum(w.size for w in self.trainable_weights)
        total = self.count_params()
        lines += [rule, f"Total params: {total:,}", f"Trainable params: {trainable:,}",
                  f"Non-trainable params: {total - trainable:,}", rule]
        print_fn("\n".join(lines))

    # -- config ---------------------------------------------------------------------------------
    def get_config(self) -> dict:
        return {"name": self.name,
                "layers": [layers_module.serialize(layer) for layer in self._layers],
                "build_input_shape": None if self._input_shape is None else [None, *self._input_shape]}

    @classmethod
    def from_config(cls, config: dict) -> "Sequential":
        model = cls([layers_module.deserialize(layer) for layer in config["layers"]], name=config.get("name"))
        if config.get("build_input_shape") and not model.built:
            model.build(tuple(config["build_input_shape"]))
        return model
