"""The layer protocol: ``build`` → ``call`` (forward) → ``backward``.

* ``build(input_shape)`` creates weights only through :meth:`Layer.add_weight`.
* ``call(inputs, training=None) -> outputs`` is Keras' forward hook (users override it as the
  notes' ``class MCDropout(Dropout)`` does); it caches only what ``backward`` needs.
* ``backward(grad_out, need_input_grad=True) -> grad_in`` fills ``grads[name]`` for every key of
  ``params`` and never mutates ``grad_out``. With ``need_input_grad=False`` (the first layer of a
  model) it may skip computing ``grad_in`` and return None.

Arrays live in three dicts with one meaning each: ``params`` (trained), ``grads`` (same keys),
``state`` (saved but never optimized, e.g. BN's moving mean and variance). ``trainable=False``
means no gradient updates *and* no moving-statistics updates.
"""
from __future__ import annotations

import functools
import inspect
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from trainlab import backend
from trainlab import constraints as constraints_module
from trainlab import initializers as initializers_module
from trainlab import regularizers as regularizers_module
from trainlab._registry import Registry
from trainlab.layers.variables import LayerVariable

registry = Registry("layer")


@dataclass
class WeightSpec:
    """What the training step needs to know about one weight besides its values."""

    name: str
    trainable: bool
    regularizer: Any = None
    constraint: Any = None


class Layer:
    """Base class of every layer.

    Args:
        name: unique name; generated from the class name when omitted (``dense``, ``dense_1``…).
        trainable: False freezes the weights (and BN's moving statistics).
        input_shape: shape of one sample, without the batch axis (Keras' convenience argument
            on a model's first layer). ``input_dim=n`` means ``input_shape=(n,)``.
        dtype: float type of the weights; the backend's floatx by default.
    """

    def __init__(self, name: str | None = None, trainable: bool = True, input_shape=None, input_dim=None,
                 dtype: str | None = None, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected keyword arguments: {', '.join(sorted(kwargs))}")
        if name:
            backend.reserve_name(name)
        self.name = name or backend.auto_name(type(self).__name__)
        self._trainable = bool(trainable)
        if input_dim is not None:
            input_shape = (input_dim,)
        self._input_shape_arg = _validate_shape(input_shape, "input_shape") if input_shape is not None else None
        self.dtype = np.dtype(dtype or backend.floatx())
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.state: dict[str, np.ndarray] = {}
        self.weight_specs: dict[str, WeightSpec] = {}
        self.built = False
        self.input_shape: tuple | None = None
        self.output_shape: tuple | None = None

    def __init_subclass__(cls, **kwargs):
        # Keras passes ``training`` only to a ``call`` that declares it; the notes' MCDropout
        # overrides ``call(self, inputs)``, so such a method is wrapped to accept and drop it.
        super().__init_subclass__(**kwargs)
        call = cls.__dict__.get("call")
        if call is None:
            return
        parameters = inspect.signature(call).parameters
        if "training" in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
            return

        @functools.wraps(call)
        def call_without_training(self, inputs, training=None):
            return call(self, inputs)

        cls.call = call_without_training

    # -- building ---------------------------------------------------------------------------
    def build(self, input_shape: tuple) -> None:
        """Create weights for inputs of ``input_shape`` (batch axis first, as None)."""

    def add_weight(self, name: str, shape, initializer="zeros", regularizer=None, constraint=None,
                   trainable: bool = True) -> np.ndarray:
        """Create one weight; trainable ones go to ``params`` (with a zero ``grads`` twin), others to ``state``."""
        if name in self.weight_specs:
            raise ValueError(f"Layer {self.name!r} already has a weight named {name!r}")
        value = initializers_module.get(initializer)(tuple(shape), dtype=self.dtype)
        self.weight_specs[name] = WeightSpec(name, trainable, regularizers_module.get(regularizer),
                                             constraints_module.get(constraint))
        if trainable:
            self.params[name] = value
            self.grads[name] = np.zeros_like(value)
        else:
            self.state[name] = value
        return value

    def ensure_built(self, input_shape: tuple) -> None:
        if not self.built:
            self.input_shape = tuple(input_shape)
            self.build(self.input_shape)
            self.built = True
            self.output_shape = self.compute_output_shape(self.input_shape)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    # -- forward and backward ----------------------------------------------------------------
    def __call__(self, inputs, training: bool | None = None) -> np.ndarray:
        inputs = np.asarray(inputs)
        if not self.built:
            self.ensure_built((None, *inputs.shape[1:]))
        return self.call(inputs, training=training)

    def call(self, inputs: np.ndarray, training: bool | None = None) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must implement call(inputs, training=None)")

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        raise NotImplementedError(f"{type(self).__name__} must implement backward(grad_out)")

    # -- weights ------------------------------------------------------------------------------
    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        value = bool(value)
        if value != self._trainable and not self.built:
            # Departure from Keras, which allows it: freezing is for trained, reused layers, so an
            # unbuilt one almost always means a model whose input shape was never given (its
            # "frozen" weights would be random). The constructor argument stays available.
            raise ValueError(
                f"Cannot set trainable={value} on layer {self.name!r}: it is not built yet, so it has no weights "
                f"to {'freeze' if not value else 'unfreeze'}. Build the model first (give the first layer "
                f"input_shape=..., call model.build((None, ...)) or fit it), or pass trainable={value} to the "
                f"layer's constructor."
            )
        self._trainable = value

    def weight_names(self) -> list[str]:
        """Names in creation order (Keras' ``get_weights`` order)."""
        return list(self.weight_specs)

    def weight(self, name: str) -> np.ndarray:
        return self.params[name] if name in self.params else self.state[name]

    @property
    def weights(self) -> list[np.ndarray]:
        return [self.weight(n) for n in self.weight_names()]

    @property
    def trainable_weights(self) -> list[np.ndarray]:
        return [self.params[n] for n in self.params] if self.trainable else []

    @property
    def non_trainable_weights(self) -> list[np.ndarray]:
        frozen = [] if self.trainable else list(self.params.values())
        return frozen + list(self.state.values())

    @property
    def variables(self) -> list[LayerVariable]:
        """Every weight as a named view with ``name``, ``path``, ``trainable`` (Keras 3), in creation order."""
        return [LayerVariable(self, name) for name in self.weight_names()]

    @property
    def trainable_variables(self) -> list[LayerVariable]:
        return [variable for variable in self.variables if variable.trainable]

    @property
    def non_trainable_variables(self) -> list[LayerVariable]:
        return [variable for variable in self.variables if not variable.trainable]

    @property
    def updates(self) -> list[LayerVariable]:
        """tf.keras 2's ``layer.updates`` (HOML2 prints ``bn1.updates``), deprecated.

        The variables the forward pass itself updates in training mode (BatchNormalization's
        moving mean and variance); there is nothing to run by hand, as in Keras 3, which
        removed the property.
        """
        warnings.warn("layer.updates is tf.keras 2 API: the moving statistics are updated during fit without "
                      "running anything; to see them use layer.non_trainable_variables.", DeprecationWarning,
                      stacklevel=2)
        return [LayerVariable(self, name) for name in self.state]

    def get_weights(self) -> list[np.ndarray]:
        return [w.copy() for w in self.weights]

    def set_weights(self, weights) -> None:
        names = self.weight_names()
        weights = list(weights)
        if len(weights) != len(names):
            raise ValueError(
                f"Layer {self.name!r} expects {len(names)} weight arrays ({', '.join(names) or 'none'}); "
                f"got {len(weights)}."
            )
        for name, value in zip(names, weights):
            target = self.weight(name)
            value = np.asarray(value)
            if value.shape != target.shape:
                raise ValueError(
                    f"Layer {self.name!r} weight {name!r} has shape {target.shape}; got an array of shape {value.shape}."
                )
            target[...] = value

    def count_params(self) -> int:
        return int(sum(w.size for w in self.weights))

    @property
    def losses(self) -> list[float]:
        """Current regularization penalties of this layer's trainable weights."""
        if not self.trainable:
            return []
        return [float(spec.regularizer(self.params[name])) for name, spec in self.weight_specs.items()
                if spec.trainable and spec.regularizer is not None]

    # -- config -----------------------------------------------------------------------------
    def get_config(self) -> dict:
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype.name}
        if self._input_shape_arg is not None:
            config["input_shape"] = list(self._input_shape_arg)
        return config

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"


def _validate_shape(shape, what: str) -> tuple:
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        shape = tuple(shape)
    except TypeError:
        raise TypeError(f"{what} must be a tuple of positive integers; got {shape!r}") from None
    if not shape or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0 for s in shape):
        raise ValueError(f"{what} must be a non-empty tuple of positive integers; got {shape!r}")
    return tuple(int(s) for s in shape)
