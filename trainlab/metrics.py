"""Metrics accumulated over an epoch: ``update(y_true, y_pred)``, ``result()``, ``reset()``.

Accuracy is total correct / total samples; the regression and cross-entropy metrics are the
mean over samples of a per-sample value. Names and short names are Keras 3's (``"mse"``,
``"mae"``, ``"mape"``, ``"msle"``, ``"bce"``…); a metric compiled by name is logged under that
name (``metrics=["mse"]`` gives the keys ``mse`` and ``val_mse``).

The string ``"accuracy"`` (or ``"acc"``) resolves as Keras resolves it: sparse categorical
accuracy for a sparse cross-entropy loss, binary accuracy for binary cross-entropy or a single
output unit, categorical accuracy otherwise.
"""
from __future__ import annotations

import numpy as np

from trainlab import backend
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
    name = "sparse_categorical_accuracy"

    def correct(self, y_true, y_pred):
        return y_pred.argmax(axis=-1) == y_true.reshape(len(y_pred))


@registry.register("categorical_accuracy")
class CategoricalAccuracy(_Accuracy):
    name = "categorical_accuracy"

    def correct(self, y_true, y_pred):
        return y_pred.argmax(axis=-1) == y_true.argmax(axis=-1)


@registry.register("binary_accuracy")
class BinaryAccuracy(_Accuracy):
    name = "binary_accuracy"

    def __init__(self, name: str | None = None, threshold: float = 0.5):
        self.threshold = float(threshold)
        super().__init__(name)

    def correct(self, y_true, y_pred):
        hits = (y_pred > self.threshold) == (y_true.reshape(y_pred.shape) > 0.5)
        return hits.reshape(len(y_pred), -1).all(axis=-1)

    def get_config(self):
        return {"name": self.name, "threshold": self.threshold}


class _SampleMean(Metric):
    """The mean over samples of a per-sample value (each the mean over the last axis)."""

    def update(self, y_true, y_pred):
        y_pred = np.asarray(y_pred, dtype=np.float64)
        y_true = np.asarray(y_true, dtype=np.float64).reshape(y_pred.shape)
        self.total += float(self.per_sample(y_true, y_pred).sum())
        self.count += len(y_pred)

    def per_sample(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        raise NotImplementedError


def _last_axis_mean(values: np.ndarray) -> np.ndarray:
    return values.reshape(len(values), -1).mean(axis=-1)


@registry.register("mean_absolute_error", "mae", "MAE")
class MeanAbsoluteError(_SampleMean):
    """mean |y − ŷ|."""

    name = "mean_absolute_error"

    def per_sample(self, y_true, y_pred):
        return _last_axis_mean(np.abs(y_pred - y_true))


@registry.register("mean_squared_error", "mse", "MSE")
class MeanSquaredError(_SampleMean):
    """mean (y − ŷ)²."""

    name = "mean_squared_error"

    def per_sample(self, y_true, y_pred):
        return _last_axis_mean(np.square(y_pred - y_true))


@registry.register("root_mean_squared_error")
class RootMeanSquaredError(MeanSquaredError):
    """√(mean (y − ŷ)²) over every element seen (the root of the epoch's MSE, not a mean of roots)."""

    name = "root_mean_squared_error"

    def result(self):
        return float(np.sqrt(super().result()))


@registry.register("mean_absolute_percentage_error", "mape", "MAPE")
class MeanAbsolutePercentageError(_SampleMean):
    """100 · mean |y − ŷ| / max(|y|, ε), with ε = ``backend.epsilon()`` (Keras)."""

    name = "mean_absolute_percentage_error"

    def per_sample(self, y_true, y_pred):
        return 100.0 * _last_axis_mean(np.abs(y_true - y_pred) / np.maximum(np.abs(y_true), backend.epsilon()))


@registry.register("mean_squared_logarithmic_error", "msle", "MSLE")
class MeanSquaredLogarithmicError(_SampleMean):
    """mean (log(max(ŷ, ε) + 1) − log(max(y, ε) + 1))², with ε = ``backend.epsilon()`` (Keras)."""

    name = "mean_squared_logarithmic_error"

    def per_sample(self, y_true, y_pred):
        eps = backend.epsilon()
        return _last_axis_mean(np.square(np.log1p(np.maximum(y_pred, eps)) - np.log1p(np.maximum(y_true, eps))))


class _LossMean(Metric):
    """A loss of :mod:`trainlab.losses` averaged over every sample of the epoch."""

    loss_class: type

    def __init__(self, name: str | None = None, from_logits: bool = False):
        from trainlab import losses

        self.from_logits = bool(from_logits)
        self._loss = getattr(losses, self.loss_class)(from_logits=self.from_logits)
        super().__init__(name)

    def update(self, y_true, y_pred):
        y_pred = np.asarray(y_pred)
        self.total += self._loss.value(np.asarray(y_true), y_pred) * len(y_pred)
        self.count += len(y_pred)

    def get_config(self):
        return {"name": self.name, "from_logits": self.from_logits}


@registry.register("binary_crossentropy", "bce", "BCE")
class BinaryCrossentropy(_LossMean):
    """The binary cross-entropy of :class:`trainlab.losses.BinaryCrossentropy`, as a metric."""

    name = "binary_crossentropy"
    loss_class = "BinaryCrossentropy"


@registry.register("categorical_crossentropy")
class CategoricalCrossentropy(_LossMean):
    """The categorical cross-entropy (one-hot targets), as a metric."""

    name = "categorical_crossentropy"
    loss_class = "CategoricalCrossentropy"


@registry.register("sparse_categorical_crossentropy")
class SparseCategoricalCrossentropy(_LossMean):
    """The sparse categorical cross-entropy (integer labels), as a metric."""

    name = "sparse_categorical_crossentropy"
    loss_class = "SparseCategoricalCrossentropy"

    def update(self, y_true, y_pred):
        super().update(np.asarray(y_true).reshape(len(y_pred)).astype(np.int64), y_pred)


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
