"""trainlab: train deep neural networks with the classic toolbox, from first principles on NumPy.

``import trainlab as keras`` gives the Keras-shaped namespaces used by the notes.

The namespaces load on first use (PEP 562), so ``import trainlab`` costs no more than
``import numpy`` and a script pays only for what it touches: ``keras.layers`` imports the layers
when first read, and numba, matplotlib, scipy and the dataset downloader load only in the
functions that need them.
"""
from __future__ import annotations

import importlib
import importlib.util

__version__ = "0.1.0"

# The public namespaces (``keras.layers``…) and the top-level names they provide.
_SUBMODULES = frozenset({
    "activations", "backend", "callbacks", "constraints", "datasets", "initializers", "layers", "losses", "metrics",
    "models", "optimizers", "presets", "pruning", "random", "regularizers", "saving", "uncertainty", "utils",
})
_NAMES = {"Sequential": "trainlab.models"}

__all__ = sorted(_SUBMODULES | set(_NAMES))


def __getattr__(name: str):
    if name in _NAMES:
        value = getattr(importlib.import_module(_NAMES[name]), name)
        globals()[name] = value
        return value
    # Public namespaces, and any other submodule (``trainlab.lab``, ``trainlab.paths``…) that
    # code reaches as an attribute after a plain ``import trainlab``.
    if name in _SUBMODULES or (not name.startswith("_") and importlib.util.find_spec(f"trainlab.{name}") is not None):
        return importlib.import_module(f"trainlab.{name}")  # the import system also binds it here
    raise AttributeError(f"module 'trainlab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBMODULES | set(_NAMES))
