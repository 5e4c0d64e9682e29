"""Metrics accumulated over an epoch: ``update(y_true, y_pred)``, ``result()``, ``reset()``.

Accuracy is total correct / total samples. The string ``"accuracy"`` (or ``"acc"``) resolves as
Keras resolves it: sparse categorical accuracy for a sparse cross-entropy loss, binary accuracy
for binary cross-entropy or a single output unit, categorical accuracy otherwise.
"""
from __future__ import annotations

import numpy as np

from trainlab._registry import Configurable, Registry

registry = Registry("metric")


class Metric(Configurable):
    name = "metric"

    def __init__(self, name: str | None = None):
        if name:
            self.name = name
        self.reset()

    def reset(self) -> None:
        self.total = 0.0
        self.count = 0

    def update(self, y_true, y_pred) -> None:
        raise NotImplementedError

    def result(self) -> float:
        return self.total / self.count if self.count else 0.0

    def get_config(self) -> dict:
        return {"name": self.name}


class _Accuracy(Metric):
    name = "accuracy"

    def update(self, y_true, y_pred):
        self.total += float(np.count_nonzero(self.correct(np.asarray(y_true), np.asarray(y_pred))))
        self.count += len(y_pred)

    def correct(self, y_true, y_pred) -> np.ndarray:
        raise NotImplementedError


@registry.register("sparse_categorical_accuracy")
class SparseCategoricalAccuracy(_Accuracy):
    def correct(self, y_true, y_pred):
        return y_pred.argmax(axis=-1) == y_true.reshape(len(y_pred))


@registry.register("categorical_accuracy")
class CategoricalAccuracy(_Accuracy):
    def correct(self, y_true, y_pred):
        return y_pred.argmax(axis=-1) == y_true.argmax(axis=-1)


@registry.register("binary_accuracy")
class BinaryAccuracy(_Accuracy):
    def __init__(self, name: str | None = None, threshold: float = 0.5):
        self.threshold = float(threshold)
        super().__init__(name)

    def correct(self, y_true, y_pred):
        hits = (y_pred > self.threshold) == (y_true.reshape(y_pred.shape) > 0.5)
        return hits.reshape(len(y_pred), -1).all(axis=-1)

    def get_config(self):
        return {"name": self.name, "threshold": self.threshold}


@registry.register("mean_absolute_error", "mae")
class MeanAbsoluteError(Metric):
    name = "mean_absolute_error"

    def update(self, y_true, y_pred):
        y_pred = np.asarray(y_pred)
        self.total += float(np.abs(y_pred - np.asarray(y_true).reshape(y_pred.shape)).mean(axis=-1).sum())
        self.count += len(y_pred)


ACCURACY_NAMES = ("accuracy", "acc")


def get(identifier, loss=None, output_units: int | None = None) -> Metric:
    """Resolve a metric; ``"accuracy"`` needs the loss and the output width, as in Keras."""
    if isinstance(identifier, Metric):
        return identifier
    if identifier in ACCURACY_NAMES:
        from trainlab import losses

        if isinstance(loss, losses.SparseCategoricalCrossentropy):
            cls = SparseCategoricalAccuracy
        elif isinstance(loss, losses.BinaryCrossentropy) or output_units == 1:
            cls = BinaryAccuracy
        else:
            cls = CategoricalAccuracy
        return cls(name=identifier)
    if isinstance(identifier, str):
        valid = sorted({*registry.names(), *ACCURACY_NAMES})
        if identifier not in registry.names():
            raise ValueError(f"Unknown metric {identifier!r}. Valid metric names: {', '.join(valid)}.")
        return registry.lookup(identifier)(name=identifier)
    return registry.get(identifier)
