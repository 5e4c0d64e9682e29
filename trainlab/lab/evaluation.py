"""Extra end-of-run measurements a study asks for in its ``[evaluation]`` table.

* ``mc_samples = [1, 10, 100]``: for every T, the MC-dropout prediction p̄ = (1/T) Σ_t p_t(x)
  (:func:`trainlab.uncertainty.mc_predict`) on the **test split**, scored by accuracy, log-loss
  −(1/n) Σ log p̄_y and expected calibration error (:func:`expected_calibration_error`). Final
  runs only: the trial calls :func:`mc_scores` after the test evaluation, so tuning never reads
  the test split.
* ``sparsity = true``: :func:`weight_sparsity` of the trained model (every run; it reads no data).
"""
from __future__ import annotations

import numpy as np

from trainlab import backend

CALIBRATION_BINS = 15
SMALL_WEIGHT = 1e-3  # |w| below this counts as "near zero" (l1 shrinks weights without zeroing them)


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray, bins: int = CALIBRATION_BINS) -> float:
    """ECE = Σ_b (n_b / n)·|accuracy_b − confidence_b| over ``bins`` equal-width confidence bins.

    The confidence of a sample is its largest predicted probability; bin b holds the samples whose
    confidence lies in ((b−1)/B, b/B] (Guo et al., 2017, "On calibration of modern neural networks").
    """
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    which = np.clip(np.ceil(confidence * bins).astype(np.int64) - 1, 0, bins - 1)
    counts = np.bincount(which, minlength=bins)
    accuracy = np.bincount(which, weights=correct, minlength=bins)
    confident = np.bincount(which, weights=confidence, minlength=bins)
    filled = counts > 0
    return float(np.sum(np.abs(accuracy[filled] - confident[filled])) / len(labels))


def probability_scores(probabilities: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Accuracy, log-loss (probabilities clipped to [ε, 1]) and ECE of class probabilities."""
    picked = probabilities[np.arange(len(labels)), labels]
    return {
        "accuracy": float(np.mean(probabilities.argmax(axis=1) == labels)),
        "loss": float(-np.mean(np.log(np.clip(picked, backend.epsilon(), 1.0)))),
        "ece": expected_calibration_error(probabilities, labels),
    }


def mc_scores(model, x: np.ndarray, y: np.ndarray, samples: list[int], seed: int) -> dict[str, dict]:
    """``{"T": scores}`` of the MC-dropout mean prediction for each T in ``samples``, plus
    ``"deterministic"``: the usual prediction with dropout off, scored the same way.

    The dropout masks come from the model's own layer generators; re-seeding them with the run's
    seed before each T makes every T's estimate reproducible on its own.
    """
    from trainlab import random
    from trainlab.uncertainty import mc_predict

    results = {"deterministic": probability_scores(model.predict(x, batch_size=256), y)}
    for count in samples:
        random.set_random_seed(seed)
        for layer in model.layers:
            if hasattr(layer, "mc_active") and hasattr(layer, "rng"):
                layer.rng = random.generator()
        mean, _ = mc_predict(model, x, samples=count, batch_size=256)
        results[str(count)] = probability_scores(mean, y)
    return results


def weight_sparsity(model) -> dict[str, float]:
    """Fraction of exactly-zero kernel entries (:func:`trainlab.pruning.sparsity`) and of entries
    with |w| < :data:`SMALL_WEIGHT`."""
    from trainlab.pruning import sparsity

    kernels = [layer.params["kernel"] for layer in model.layers if "kernel" in layer.params]
    small = sum(int(np.count_nonzero(np.abs(k) < SMALL_WEIGHT)) for k in kernels)
    return {"sparsity": sparsity(model)["total"], "near_zero": small / sum(k.size for k in kernels)}
