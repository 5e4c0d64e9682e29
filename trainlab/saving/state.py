"""Checks of the arrays and numbers a model file restores: weights, optimizer state, training state.

Everything a later ``fit`` or ``predict`` would trip on is refused at load, naming the array or
key: a missing optimizer slot (a ``KeyError`` in the next step), a slot of int, bool or complex
dtype (a NumPy casting error inside the kernel), a negative second moment or BatchNormalization
variance (NaN at the next step or prediction), ``iterations = -5``, an epoch of 2.7 or "2".
"""
from __future__ import annotations

import numpy as np

from trainlab.saving.errors import ModelFileError

# Optimizer slots holding running averages of squares or maxima of magnitudes: never negative.
NON_NEGATIVE_SLOTS = ("second_moment", "max_second_moment", "accumulator", "infinity_norm", "mean_square")
# Optimizer-level numbers beyond the slots, with their valid closed ranges.
EXTRA_RANGES = {"momentum_product": (0.0, 1.0)}  # Nadam's Πₜ, a product of momenta in [0, 1)
# Layer weights that must not be negative: the model would predict NaN.
NON_NEGATIVE_WEIGHTS = {("BatchNormalization", "moving_variance")}
MAX_ITERATIONS = 2 ** 53  # beyond, iterations + 1 is not exact in the float64 bias corrections
MAX_EPOCH = 2 ** 31 - 1


def describe_key(key: str) -> str:
    layer, _, weight = key.rpartition("/")
    return f"layer {layer!r} weight {weight!r}"


def check_weight_arrays(arrays: dict[str, np.ndarray], where: str) -> None:
    """Weights are real floating-point arrays with usable values, keyed ``<layer>/<weight>``."""
    for key, array in arrays.items():
        layer, _, weight = key.rpartition("/")
        if not layer or not weight:
            raise ModelFileError(f"{where}: array {key!r:.100} is not named <layer>/<weight>.")
        if array.dtype.kind != "f":
            raise ModelFileError(f"{where}: {describe_key(key)} has dtype {array.dtype}; weights are floating-point "
                                 f"arrays. Refusing to load it.")
        check_values(array, f"{where}: {describe_key(key)}")


def check_values(array: np.ndarray, what: str, squares: bool = False) -> None:
    """Finite, and — unless the array holds squares (second moments) — no larger in magnitude
    than √max of its dtype (1.3e154 in float64, 1.8e19 in float32, 256 in float16).

    Squaring a larger value overflows. No trained weight or moment gets there (training raises
    on the first non-finite loss or gradient long before), and a model holding one computes inf
    or NaN at its next step or prediction.
    """
    from trainlab.models.validation import all_finite  # here: trainlab.models imports this package

    if not all_finite(array):
        bad = int(np.count_nonzero(~np.isfinite(array)))
        raise ModelFileError(f"{what} holds {bad} NaN or infinite values; a model saved from a diverged run cannot "
                             f"be trained or used. Load an earlier checkpoint.")
    if squares or not array.size:
        return
    limit = float(np.sqrt(np.finfo(array.dtype).max))
    peak = float(np.abs(array).max())
    if peak > limit:
        raise ModelFileError(f"{what} holds values up to {peak:.3g} in magnitude, beyond {limit:.3g} (√ of the largest "
                             f"{array.dtype}): squaring them overflows, so the model would compute inf or NaN. No "
                             f"trained model holds such values; load an earlier checkpoint.")


def check_weight_value(layer, weight: str, array: np.ndarray, what: str) -> None:
    """``array`` (already in the layer's dtype) is usable as ``layer``'s weight ``weight``."""
    check_values(array, what)
    if (type(layer).__name__, weight) in NON_NEGATIVE_WEIGHTS and (array < 0).any():
        raise ModelFileError(f"{what} holds negative values; a variance is never negative (the model would predict "
                             f"NaN).")


def check_optimizer_state(model, state: dict[str, np.ndarray], where: str) -> None:
    """The saved optimizer state fits ``model.optimizer`` and the model's parameters.

    First the optimizer's own check (``optimizer.check_state``: ``iterations`` a non-negative
    integer, known slots and entries, each slot of a parameter of the model with its shape and
    a floating dtype, all of a parameter's needed slots together, finite scalars), then what a
    file must also satisfy: ``iterations`` at most 2⁵³, extras within their ranges, each slot of
    exactly its parameter's dtype, finite, and non-negative where it is a second moment.
    Completeness over every trainable parameter is :func:`check_slots_complete`'s, after the
    restore, since which slots are needed can depend on restored hyperparameters.
    """
    optimizer = model.optimizer
    params = {f"{layer.name}/{param}": value for layer in model._layers for param, value in layer.params.items()}
    try:
        optimizer.check_state(state, params)
    except ValueError as error:
        raise ModelFileError(f"{where}: {error}") from None
    if int(state["iterations"]) > MAX_ITERATIONS:
        raise ModelFileError(f"{where}: the optimizer's iterations must be at most 2**53; got {int(state['iterations'])}.")
    for key, value in state.items():
        if key == "iterations" or key.startswith("_hyper/"):
            continue
        if key.startswith("_extra/"):
            low, high = EXTRA_RANGES.get(key[len("_extra/"):], (-np.inf, np.inf))
            if not low <= float(value) <= high:
                raise ModelFileError(f"{where}: optimizer value {key!r} is {float(value)}, outside [{low}, {high}].")
            continue
        path, _, slot = key.rpartition("/")
        if value.dtype != params[path].dtype:
            raise ModelFileError(f"{where}: optimizer slot {key!r} has dtype {value.dtype}; its weight is "
                                 f"{params[path].dtype}, and slots always have their weight's dtype.")
        check_values(value, f"{where}: optimizer slot {key!r}", squares=slot in NON_NEGATIVE_SLOTS)
        if slot in NON_NEGATIVE_SLOTS and (value < 0).any():
            raise ModelFileError(f"{where}: optimizer slot {key!r} holds negative values; a running average of "
                                 f"squares (or of magnitudes) never is.")


def check_slots_complete(model, state: dict[str, np.ndarray], where: str) -> None:
    """Once the optimizer has taken a step, every trainable parameter has every required slot
    (``slot_names`` minus the optional ones, which the update creates when needed)."""
    optimizer = model.optimizer
    slots = [key for key in state if key != "iterations" and not key.startswith(("_hyper/", "_extra/"))]
    if int(state["iterations"]) == 0 and not slots:
        return  # never stepped: the first step creates the slots
    required = optimizer.slot_names  # what the current hyperparameters need; optional_slot_names may exist
    present = set(slots)
    for layer in model._layers:
        if not layer.trainable:
            continue
        for param in layer.params:
            missing = [slot for slot in required if f"{layer.name}/{param}/{slot}" not in present]
            if missing:
                raise ModelFileError(f"{where}: the optimizer state has no {', '.join(missing)} slot for layer "
                                     f"{layer.name!r} weight {param!r}; {type(optimizer).__name__} has taken "
                                     f"{int(state['iterations'])} steps, so every trainable weight has one.")


def check_centered_rmsprop(state: dict[str, np.ndarray], where: str) -> None:
    """Centered RMSprop divides by √(s − ā² + ε): s ≥ ā² holds for any run started at zero."""
    for key, mean_gradient in state.items():
        if key.endswith("/mean_gradient"):
            mean_square = state.get(key[:-len("mean_gradient")] + "mean_square")
            if mean_square is not None and (mean_square - mean_gradient * mean_gradient < -1e-6 * mean_square).any():
                raise ModelFileError(f"{where}: optimizer slot {key!r} exceeds what its mean_square allows "
                                     f"(s < ā²); no RMSprop run produces that.")


def check_epoch(value, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_EPOCH:
        raise ModelFileError(f"{where}: training_state.epoch must be an integer in [0, {MAX_EPOCH}]; got {value!r:.50}.")
    return value


