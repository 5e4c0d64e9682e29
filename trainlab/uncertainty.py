"""Monte Carlo dropout: predictive mean and spread from many stochastic forward passes.

With T passes in which dropout stays active, the prediction for x is

    p̄(x) = (1/T) Σ_t p_t(x),   s(x) = √((1/T) Σ_t (p_t(x) − p̄(x))²)

(the notes' ``y_probas.mean(axis=0)`` and ``y_probas.std(axis=0)``). p̄ is usually a little more
accurate and better calibrated than the single deterministic prediction, and s measures how
unsure the model is.

The notes' ``np.stack([model(X, training=True) for sample in range(100)])`` also works, but it
puts *every* layer in training mode: BatchNormalization then normalizes with the statistics of
the test batch (and updates its moving averages). :func:`mc_sampling` avoids that trap: it turns
on only the layers that declare an ``mc_active`` attribute (the dropout layers) and leaves every
other layer in inference mode. A user layer opts in by defining ``mc_active = False`` and
honouring it in ``call``.
"""
from __future__ import annotations

import contextlib
from typing import Iterator

import numpy as np

from trainlab.models import validation


@contextlib.contextmanager
def mc_sampling(model) -> Iterator[None]:
    """Within the block, dropout-like layers of ``model`` drop units at inference too."""
    switchable = [layer for layer in model.layers if hasattr(layer, "mc_active")]
    previous = [layer.mc_active for layer in switchable]
    for layer in switchable:
        layer.mc_active = True
    try:
        yield
    finally:
        for layer, value in zip(switchable, previous):
            layer.mc_active = value


def check_samples(samples, what: str = "samples") -> int:
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 1:
        raise ValueError(f"{what} must be an integer >= 1 (the number of stochastic forward passes, "
                         f"e.g. 100); got {samples!r}")
    return int(samples)


def mc_predict(model, x, samples: int = 100, batch_size: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of ``samples`` MC-dropout predictions of ``model`` on ``x``.

    Args:
        model: a built (or buildable) model; dropout layers are active, everything else,
            BatchNormalization included, runs in inference mode.
        x: inputs, shape (n, ...).
        samples: number T >= 1 of stochastic passes (the notes use 100).
        batch_size: rows per forward pass (>= 1); each batch is sampled T times.

    Returns:
        ``(mean, std)``, each of the model's output shape (n, ...), in the model's float type;
        std is the population standard deviation over the T passes (NumPy's ``std``).

    Raises:
        ValueError: ``samples`` < 1, a bad ``batch_size`` or inputs of the wrong shape.
    """
    samples = check_samples(samples)
    batch_size = validation.check_batch_size(batch_size)
    x = validation.as_float_array(x)
    if not model.built:
        model.build((None, *x.shape[1:]))
    validation.check_feature_shape(x, model._input_shape)
    means, stds = [], []
    with mc_sampling(model):
        for start in range(0, len(x), batch_size):
            xb = x[start:start + batch_size]
            draws = np.stack([model.forward(xb, training=False) for _ in range(samples)])
            means.append(draws.mean(axis=0))
            stds.append(draws.std(axis=0))
    return np.concatenate(means), np.concatenate(stds)
