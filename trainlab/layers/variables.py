"""``layer.variables``: Keras 3's view of a layer's weights as named objects.

HOML prints ``[(var.name, var.trainable) for var in model.layers[1].variables]`` to show that
BatchNormalization trains γ and β but not its moving statistics. A :class:`LayerVariable` is a
live view of one weight: it holds the layer and the weight's name, never the array, so it
always reads the array the layer holds now (the training step may rebind a layer's arrays to
views of shared buffers).
"""
from __future__ import annotations

import numpy as np


class LayerVariable:
    """One weight of a layer: ``name`` (``"gamma"``), ``path`` (``"batch_normalization/gamma"``),
    ``trainable``, ``shape``, ``dtype``, ``numpy()``, ``assign(value)``.

    ``trainable`` is False for weights that are never optimized (BN's moving mean and variance)
    and for every weight of a frozen layer, as in Keras 3. ``np.asarray(variable)`` gives the
    values; ``assign`` writes new values in place, refusing another shape.

    Note:
        tf.keras 2 named the same variable ``"batch_normalization/gamma:0"``; Keras 3's ``name``
        is the weight's own name and ``path`` the layer-qualified one.
    """

    __slots__ = ("_layer", "name")

    def __init__(self, layer, name: str):
        self._layer = layer
        self.name = name

    @property
    def path(self) -> str:
        return f"{self._layer.name}/{self.name}"

    @property
    def trainable(self) -> bool:
        return self._layer.weight_specs[self.name].trainable and self._layer.trainable

    @property
    def value(self) -> np.ndarray:
        """The layer's array itself (writing into it changes the layer)."""
        return self._layer.weight(self.name)

    @property
    def shape(self) -> tuple:
        return self.value.shape

    @property
    def dtype(self) -> np.dtype:
        return self.value.dtype

    @property
    def ndim(self) -> int:
        return self.value.ndim

    @property
    def regularizer(self):
        return self._layer.weight_specs[self.name].regularizer

    @property
    def constraint(self):
        return self._layer.weight_specs[self.name].constraint

    def numpy(self) -> np.ndarray:
        """A copy of the current values."""
        return self.value.copy()

    def assign(self, value) -> None:
        target = self.value
        value = np.asarray(value)
        if value.shape != target.shape:
            raise ValueError(f"Cannot assign a value of shape {value.shape} to variable {self.path!r} of shape "
                             f"{target.shape}; pass an array of shape {target.shape}.")
        target[...] = value

    def assign_add(self, delta) -> None:
        self.assign(self.value + np.asarray(delta))

    def assign_sub(self, delta) -> None:
        self.assign(self.value - np.asarray(delta))

    def __array__(self, dtype=None, copy=None):
        return np.array(self.value, dtype=dtype, copy=True)

    def __len__(self) -> int:
        return len(self.value)

    def __getitem__(self, index):
        return self.value[index]

    def __repr__(self) -> str:
        return (f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype.name}, "
                f"trainable={self.trainable}, value={np.array2string(self.value, threshold=6, edgeitems=2)}>")
