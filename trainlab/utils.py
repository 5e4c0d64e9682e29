"""Utilities (``keras.utils``): seeding and label encoding."""
from __future__ import annotations

import numpy as np

from trainlab.random import set_random_seed


def to_categorical(y, num_classes: int | None = None, dtype="float32") -> np.ndarray:
    """One-hot encode integer labels: shape (n,) → (n, num_classes)."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"to_categorical needs integer labels of shape (n,); got dtype {y.dtype}, shape {y.shape}")
    num_classes = int(y.max()) + 1 if num_classes is None else int(num_classes)
    if y.min() < 0 or y.max() >= num_classes:
        raise ValueError(f"labels must be in [0, {num_classes}); got values in [{y.min()}, {y.max()}]")
    encoded = np.zeros((len(y), num_classes), dtype=dtype)
    encoded[np.arange(len(y)), y] = 1
    return encoded


__all__ = ["set_random_seed", "to_categorical"]
