"""Magnitude pruning to a target sparsity (Zhu & Gupta, 2017), the TF-MOT technique of the notes.

Sparse models (seed 001, "sparse models: l1 or TF-MOT pruning") can be had two ways:

* ``l1`` regularization pushes weights towards zero, but gradient steps make them oscillate
  around 0 rather than land on it, and the sparsity reached depends on the penalty, not on a
  target you choose;
* pruning zeroes the smallest-magnitude weights outright, raising the sparsity gradually while
  training continues, so the network adapts to each cut. The zeros are exact and the target is
  met. The two combine: l1 first makes many weights small, pruning then removes them.

The sparsity follows the polynomial schedule of Zhu & Gupta: with t₀ = ``begin_step``,
n·Δt = ``end_step`` − t₀ and Δt = ``frequency``,

    s_t = s_f + (s_i − s_f)·(1 − (t − t₀)/(n·Δt))³      for t₀ <= t <= t₀ + n·Δt,

where t counts optimizer updates. At each pruning step every pruned weight's mask is
recomputed from the magnitudes: the ⌊s_t·size⌉ smallest |w| of each kernel (already pruned
weights first) are masked. Masks are re-applied after every optimizer step, so pruned weights
stay exactly zero even when momentum (or Adam's moments) would push them back.
"""
from __future__ import annotations

import numpy as np

from trainlab.callbacks.base import Callback


def _check_int(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


class PolynomialSparsity:
    """The sparsity schedule s_t above (TF-MOT's ``PolynomialDecay``), evaluated at step t.

    Args:
        initial_sparsity: s_i, in [0, final_sparsity] (default 0).
        final_sparsity: s_f, the target fraction of zero weights, in [0, 1).
        begin_step: t₀ >= 0, the first pruning step (default 0).
        end_step: the step where s_f is reached, >= begin_step.
        frequency: Δt >= 1, prune every Δt steps from t₀ (default 100); ``end_step`` is always a
            pruning step, even when Δt does not divide end_step − t₀ (TF-MOT would stop short).
        power: the exponent, > 0 (default 3, Zhu & Gupta).
    """

    def __init__(self, final_sparsity: float, end_step: int, initial_sparsity: float = 0.0, begin_step: int = 0,
                 frequency: int = 100, power: float = 3.0):
        if not 0 <= float(final_sparsity) < 1:
            raise ValueError(f"target sparsity must be in [0, 1) (the fraction of weights set to zero); "
                             f"got {final_sparsity}")
        if not 0 <= float(initial_sparsity) <= float(final_sparsity):
            raise ValueError(f"initial_sparsity must be in [0, target sparsity {final_sparsity}]; "
                             f"got {initial_sparsity}")
        if not float(power) > 0:
            raise ValueError(f"power must be > 0; got {power}")
        self.final_sparsity, self.initial_sparsity, self.power = float(final_sparsity), float(initial_sparsity), \
            float(power)
        self.begin_step = _check_int(begin_step, "begin_step", 0)
        self.end_step = _check_int(end_step, "end_step (the step where the target is reached, >= begin_step)",
                                   self.begin_step)
        self.frequency = _check_int(frequency, "frequency", 1)

    def __call__(self, step: int) -> float:
        span = self.end_step - self.begin_step
        progress = 1.0 if span == 0 else min(max((step - self.begin_step) / span, 0.0), 1.0)
        return self.final_sparsity + (self.initial_sparsity - self.final_sparsity) * (1.0 - progress) ** self.power

    def should_prune(self, step: int) -> bool:
        return self.begin_step <= step <= self.end_step and (
            (step - self.begin_step) % self.frequency == 0 or step == self.end_step)

    def get_config(self) -> dict:
        return {"final_sparsity": self.final_sparsity, "end_step": self.end_step,
                "initial_sparsity": self.initial_sparsity, "begin_step": self.begin_step,
                "frequency": self.frequency, "power": self.power}


def magnitude_mask(weights: np.ndarray, sparsity: float, mask: np.ndarray | None = None) -> np.ndarray:
    """Mask (1 kept, 0 pruned, in the weights' dtype) zeroing the round(sparsity·size) smallest |w|.

    Weights already pruned by ``mask`` are pruned first, so raising the sparsity never revives one.
    """
    magnitude = np.abs(weights).ravel()
    if mask is not None:
        magnitude[mask.ravel() == 0] = -1.0
    count = int(round(sparsity * magnitude.size))
    new_mask = np.ones(magnitude.size, dtype=weights.dtype)
    if count:
        new_mask[np.argpartition(magnitude, count - 1)[:count]] = 0
    return new_mask.reshape(weights.shape)


class PruneLowMagnitude(Callback):
    """Prune each trainable kernel to ``target_sparsity`` on the polynomial schedule, during ``fit``.

    ``model.fit(x, y, callbacks=[PruneLowMagnitude(0.8, begin_step=0, end_step=1000, frequency=100)])``

    Args:
        target_sparsity: fraction of each kernel set to zero at the end, in [0, 1).
        begin_step, end_step, frequency, initial_sparsity, power: the schedule, see
            :class:`PolynomialSparsity`; steps count optimizer updates (``optimizer.iterations``).
        weights: names of the weights to prune in every trainable layer that has them
            (default ``("kernel",)``: biases and BN parameters are few and left dense, as in TF-MOT).

    The masks live in the callback; fitting again with the same callback keeps them. A new
    callback on a model already past ``begin_step`` (a resumed run) treats the exact zeros of
    the weights as the pruned ones, so nothing needs saving. Without the callback, later
    training can revive pruned weights.

    Note:
        TF-MOT wraps each layer (``prune_low_magnitude(model)``) and must be stripped before
        export; here the model keeps its plain layers, and only this callback knows the masks.
    """

    def __init__(self, target_sparsity: float, begin_step: int = 0, end_step: int = 1000, frequency: int = 100,
                 initial_sparsity: float = 0.0, power: float = 3.0, weights=("kernel",)):
        super().__init__()
        self.schedule = PolynomialSparsity(target_sparsity, end_step, initial_sparsity, begin_step, frequency, power)
        if isinstance(weights, str) or not weights:
            raise ValueError(f"weights must be a non-empty tuple of weight names such as ('kernel',); got {weights!r}")
        self.weight_names = tuple(weights)
        self.masks: dict[str, np.ndarray] = {}
        self._targets: dict[str, np.ndarray] = {}

    def on_train_begin(self, logs=None):
        self._targets = {f"{layer.name}/{name}": layer.params[name] for layer in self.model.layers
                         if layer.trainable for name in self.weight_names if name in layer.params}
        if not self._targets:
            raise ValueError(f"PruneLowMagnitude found no trainable weights named {self.weight_names} in model "
                             f"{self.model.name!r}; pass weights=(...) naming weights the model has.")
        step = self.model.optimizer.iterations
        resumed = step > self.schedule.begin_step
        for path, weights in self._targets.items():
            mask = self.masks.get(path)
            if mask is None or mask.shape != weights.shape:
                self.masks[path] = (weights != 0).astype(weights.dtype) if resumed else np.ones_like(weights)
        self._prune_and_apply(step)

    def on_train_batch_end(self, batch, logs=None):
        self._prune_and_apply(self.model.optimizer.iterations)

    def _prune_and_apply(self, step: int) -> None:
        if self.schedule.should_prune(step):
            sparsity = self.schedule(step)
            for path, weights in self._targets.items():
                self.masks[path] = magnitude_mask(weights, sparsity, self.masks[path])
        for path, weights in self._targets.items():
            np.multiply(weights, self.masks[path], out=weights)


def sparsity(model, weights=("kernel",)) -> dict:
    """Fraction of exactly-zero entries in the named weights: per layer and in total.

    Returns ``{"per_layer": {layer_name: fraction}, "total": fraction}``; layers without any of
    the named weights are left out (total 0.0 when none has them).
    """
    per_layer, zeros, size = {}, 0, 0
    for layer in model.layers:
        arrays = [layer.weight(name) for name in weights if name in layer.weight_specs]
        if not arrays:
            continue
        layer_zeros = sum(int(np.count_nonzero(a == 0)) for a in arrays)
        layer_size = sum(a.size for a in arrays)
        per_layer[layer.name] = layer_zeros / layer_size
        zeros, size = zeros + layer_zeros, size + layer_size
    return {"per_layer": per_layer, "total": zeros / size if size else 0.0}
