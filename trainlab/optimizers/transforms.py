"""Pure gradient transforms used by the optimizer pipeline: the three kinds of clipping.

* ``clip_by_value(g, c)``: each element to [−c, c]. ``[0.9, 100.0]`` → ``[0.9, 1.0]``.
* ``clip_by_norm(g, c)``: each tensor separately, g·c / max(‖g‖₂, c).
  ``[0.9, 100.0]`` → ``[0.00899964, 0.9999595]`` (direction kept).
* ``clip_by_global_norm(gs, c)``: every tensor by one factor c / max(√Σ‖gᵢ‖², c).

Each returns new arrays; the caller's gradients are never modified.
"""
from __future__ import annotations

import math
from typing import Mapping

import numpy as np


def clip_by_value(grads: Mapping[str, np.ndarray], clipvalue: float) -> dict[str, np.ndarray]:
    return {path: np.clip(g, -clipvalue, clipvalue) for path, g in grads.items()}


def l2_norm(g: np.ndarray) -> float:
    flat = g.reshape(-1)
    return math.sqrt(float(np.dot(flat, flat)))


def clip_by_norm(grads: Mapping[str, np.ndarray], clipnorm: float) -> dict[str, np.ndarray]:
    clipped = {}
    for path, g in grads.items():
        norm = l2_norm(g)
        clipped[path] = g * np.asarray(clipnorm / max(norm, clipnorm), g.dtype) if norm > clipnorm else g.copy()
    return clipped


def global_norm(grads: Mapping[str, np.ndarray]) -> float:
    return math.sqrt(sum(l2_norm(g) ** 2 for g in grads.values()))


def clip_by_global_norm(grads: Mapping[str, np.ndarray], clipnorm: float) -> dict[str, np.ndarray]:
    norm = global_norm(grads)
    if norm <= clipnorm:
        return {path: g.copy() for path, g in grads.items()}
    return {path: g * np.asarray(clipnorm / norm, g.dtype) for path, g in grads.items()}
