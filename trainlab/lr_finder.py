"""The learning-rate range test: raise the rate exponentially every batch and watch the loss.

Géron's recipe (the notes: "increase the rate exponentially from a very small to a large value"),
Smith's LR range test and fastai's ``lr_find``: starting at ``min_lr``, batch k trains with

    η_k = min_lr · (max_lr / min_lr)^(k / (steps − 1)),

the loss is smoothed with a bias-corrected exponential moving average
(a_k = β·a_{k−1} + (1 − β)·loss_k, smoothed_k = a_k / (1 − β^(k+1))), and the test stops when the
smoothed loss exceeds ``divergence_factor`` × its best value or a loss is not finite. The model's
weights, its layers' random generators and the optimizer's state are restored afterwards, so the
test leaves the model exactly as it found it.

The suggested rate follows a named rule: ``"steepest"`` (default) picks the rate where the
smoothed loss falls fastest against log η, between the first tenth of the steps and the
minimum; ``"minimum"`` picks the rate of
the lowest smoothed loss divided by 10 (the rate must sit well below where the loss turns up).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from trainlab import random as tl_random

RULES = {"steepest": "steepest descent of the smoothed loss", "minimum": "minimum of the smoothed loss / 10"}


@dataclass
class LRFinderResult:
    """The curve and the suggestion. ``rule`` names how the suggestion was chosen."""

    learning_rates: np.ndarray
    losses: np.ndarray
    smoothed_losses: np.ndarray
    suggested_learning_rate: float
    rule: str
    stop_reason: str
    extras: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return (f"LRFinderResult({len(self.learning_rates)} steps, suggested_learning_rate="
                f"{self.suggested_learning_rate:.3g} by the {self.rule}; {self.stop_reason})")


def find_learning_rate(model, x, y, min_lr: float = 1e-6, max_lr: float = 10.0, steps: int | None = None,
                       batch_size: int = 32, smoothing: float = 0.98, divergence_factor: float = 4.0,
                       rule: str = "steepest", seed: int | None = None) -> LRFinderResult:
    """Run the range test on a compiled model (see the module docstring).

    Args:
        model: a compiled model whose optimizer has a float learning rate.
        x, y: training data; batches are drawn from a shuffled copy, reshuffled when exhausted.
        min_lr, max_lr: the range, 0 < min_lr < max_lr (defaults 1e-6 and 10).
        steps: number of batches (default: one epoch, at least 100).
        batch_size: ≥ 1 (default 32).
        smoothing: β of the moving average, in [0, 1) (default 0.98).
        divergence_factor: stop when the smoothed loss exceeds this multiple of its best (> 1, default 4).
        rule: ``"steepest"`` or ``"minimum"``.
        seed: seed of the batch order (default: spawned from ``trainlab.random``).

    Raises:
        ValueError: a bad range, steps, smoothing, factor or rule; an uncompiled model; an
            optimizer whose rate comes from a schedule (the test must set the rate itself).
    """
    _validate(model, min_lr, max_lr, steps, smoothing, divergence_factor, rule)
    x, y = model._prepare(x, y)
    steps = steps or max(100, -(-len(x) // batch_size))
    rates = min_lr * (max_lr / min_lr) ** (np.arange(steps) / max(steps - 1, 1))
    snapshot = _snapshot(model)
    try:
        losses, reason = _sweep(model, x, y, rates, batch_size, smoothing, divergence_factor,
                                tl_random.generator(seed))
    finally:
        _restore(model, snapshot)
    rates = rates[:len(losses)]
    losses = np.asarray(losses)
    smoothed = smooth(losses, smoothing)
    suggestion, used_rule = suggest(rates, smoothed, rule)
    return LRFinderResult(rates, losses, smoothed, suggestion, used_rule, reason)


def smooth(losses: np.ndarray, beta: float) -> np.ndarray:
    """Bias-corrected exponential moving average of ``losses``."""
    average, out = 0.0, np.empty(len(losses))
    for k, loss in enumerate(losses):
        average = beta * average + (1 - beta) * loss
        out[k] = average / (1 - beta ** (k + 1))
    return out


def suggest(rates: np.ndarray, smoothed: np.ndarray, rule: str) -> tuple[float, str]:
    """The suggested rate and the sentence naming the rule actually applied."""
    finite = np.isfinite(smoothed)
    if not finite.any():
        raise ValueError("Every loss of the range test was non-finite; lower min_lr or check the data.")
    lowest = int(np.nanargmin(np.where(finite, smoothed, np.inf)))
    # The first tenth is skipped: the moving average is still settling there (fastai skips 10 points).
    start = len(smoothed) // 10
    if rule == "steepest" and lowest - start >= 2:
        slope = np.gradient(smoothed[start:lowest + 1], np.log(rates[start:lowest + 1]))
        return float(rates[start + int(np.argmin(slope))]), RULES["steepest"]
    return float(rates[lowest] / 10), RULES["minimum"]


def _sweep(model, x, y, rates, batch_size, beta, divergence_factor, rng):
    model._training_plan = model._plan_training()
    model._stop_on_nan = True  # a non-finite loss ends the sweep instead of raising
    order, position = rng.permutation(len(x)), 0
    losses, average, best = [], 0.0, math.inf
    for k, rate in enumerate(rates):
        if position + batch_size > len(x) and position > 0:
            order, position = rng.permutation(len(x)), 0
        index = order[position:position + batch_size]
        position += batch_size
        model.optimizer.learning_rate = float(rate)
        try:
            loss = float(model.train_step(x[index], y[index]))
        except FloatingPointError:
            loss = math.nan
        if not math.isfinite(loss):
            return losses, f"stopped at step {k}: the loss became {loss}"
        losses.append(loss)
        average = beta * average + (1 - beta) * loss
        smoothed = average / (1 - beta ** (k + 1))
        if smoothed > divergence_factor * best:
            return losses, f"stopped at step {k}: the smoothed loss exceeded {divergence_factor:g}× its best"
        best = min(best, smoothed)
    return losses, f"reached max_lr after {len(rates)} steps"


def _snapshot(model) -> dict:
    optimizer = model.optimizer
    return {"weights": [w.copy() for layer in model._layers for w in layer.weights],
            "rngs": {layer.name: tl_random.get_state(layer.rng) for layer in model._layers
                     if isinstance(getattr(layer, "rng", None), np.random.Generator)},
            "optimizer": {k: np.array(v, copy=True) for k, v in optimizer.get_state().items()},
            "stop_on_nan": model._stop_on_nan, "stop_training": model.stop_training}


def _restore(model, snapshot: dict) -> None:
    for target, saved in zip((w for layer in model._layers for w in layer.weights), snapshot["weights"]):
        target[...] = saved
    for layer in model._layers:
        if layer.name in snapshot["rngs"]:
            tl_random.set_state(layer.rng, snapshot["rngs"][layer.name])
    model.optimizer._slots.clear()  # slots created by the sweep must not survive it
    model.optimizer.set_state(snapshot["optimizer"])
    model._stop_on_nan, model.stop_training = snapshot["stop_on_nan"], snapshot["stop_training"]


def _validate(model, min_lr, max_lr, steps, smoothing, divergence_factor, rule) -> None:
    if not getattr(model, "compiled", False):
        raise ValueError("Compile the model (model.compile(loss=..., optimizer=...)) before the range test.")
    if model.optimizer.schedule is not None:
        raise ValueError("The range test sets the learning rate every step, but this optimizer's rate comes from a "
                         "schedule; compile with a float learning_rate for the test.")
    if not (0 < min_lr < max_lr and math.isfinite(max_lr)):
        raise ValueError(f"Need 0 < min_lr < max_lr (finite); got min_lr={min_lr}, max_lr={max_lr}.")
    if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int) or steps < 2):
        raise ValueError(f"steps must be an integer >= 2 (or None for one epoch); got {steps!r}.")
    if not 0 <= smoothing < 1:
        raise ValueError(f"smoothing must be in [0, 1); got {smoothing}.")
    if not divergence_factor > 1:
        raise ValueError(f"divergence_factor must be > 1; got {divergence_factor}.")
    if rule not in RULES:
        raise ValueError(f"Unknown rule {rule!r}; use one of {', '.join(RULES)}.")


def plot_lr_finder(result: LRFinderResult, path) -> None:
    """Write the loss-vs-rate curve (log axis) with the suggested rate marked, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4.5))
    axis.semilogx(result.learning_rates, result.losses, color="0.75", linewidth=1, label="batch loss")
    axis.semilogx(result.learning_rates, result.smoothed_losses, color="C0", linewidth=2, label="smoothed loss")
    axis.axvline(result.suggested_learning_rate, color="C3", linestyle="--",
                 label=f"suggested {result.suggested_learning_rate:.2g} ({result.rule})")
    finite = result.smoothed_losses[np.isfinite(result.smoothed_losses)]
    if finite.size:
        axis.set_ylim(finite.min() * 0.9, min(finite.max(), 4 * finite.min()) * 1.1)
    axis.set_xlabel("learning rate")
    axis.set_ylabel("training loss")
    axis.set_title("Learning-rate range test")
    axis.grid(alpha=0.3, which="both")
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
