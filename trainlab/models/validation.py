"""Input checks run before any work, each error naming the problem and the fix."""
from __future__ import annotations

import numpy as np

from trainlab import backend


def as_float_array(x, what: str = "x", dtype=None) -> np.ndarray:
    """``x`` as a floatx array (no copy when it already is one), checked non-empty and finite."""
    try:
        array = np.asarray(x)
    except Exception as error:  # ragged lists and the like
        raise TypeError(f"{what} must be array-like with a regular shape; {error}") from None
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise TypeError(f"{what} must hold numbers; got dtype {array.dtype}. Convert it with np.asarray(..., float).")
    _refuse_complex(array, what)
    if array.ndim == 0 or array.shape[0] == 0:
        raise ValueError(f"{what} is empty (shape {array.shape}); pass at least one sample.")
    array = array.astype(dtype or backend.floatx(), copy=False)
    if not all_finite(array):
        bad = int(np.count_nonzero(~np.isfinite(array)))
        raise ValueError(f"{what} contains {bad} NaN or inf values; clean or impute them before training.")
    return array


def _refuse_complex(array: np.ndarray, what: str) -> None:
    """Converting complex numbers to float silently drops the imaginary part (NumPy only warns)."""
    if array.dtype.kind == "c":
        raise TypeError(f"{what} holds complex numbers (dtype {array.dtype}); trainlab models work on real numbers, "
                        f"and converting would silently drop the imaginary parts. Pass the real part (np.real) if the "
                        f"imaginary parts are all zero; otherwise give the real and imaginary parts as separate "
                        f"features (np.concatenate([a.real, a.imag], axis=-1)) or their magnitude (np.abs).")


FINITE_CHECK_CHUNK = 1 << 20


def all_finite(array: np.ndarray) -> bool:
    """No NaN or inf, checked a million elements at a time: a whole-array ``np.isfinite`` would
    allocate a boolean copy of the data (43 MB for Fashion-MNIST) just to answer yes or no."""
    flat = array.reshape(-1)
    return all(np.isfinite(flat[start:start + FINITE_CHECK_CHUNK]).all()
               for start in range(0, flat.size, FINITE_CHECK_CHUNK))


def check_feature_shape(x: np.ndarray, expected: tuple | None, what: str = "x") -> None:
    if expected is not None and tuple(x.shape[1:]) != tuple(expected):
        raise ValueError(
            f"{what} has samples of shape {tuple(x.shape[1:])}, but the model expects {tuple(expected)} "
            f"(full input shape {(None, *expected)}). Reshape the data or rebuild the model's first layer."
        )


def check_lengths(x: np.ndarray, y: np.ndarray, what: str = "") -> None:
    if len(x) != len(y):
        raise ValueError(
            f"{what}x and {what}y have different numbers of samples: {len(x)} vs {len(y)}. They must match."
        )


def check_sparse_labels(y, n_classes: int, what: str = "y") -> np.ndarray:
    """Integer class labels in [0, n_classes), returned as an int array of shape (n,)."""
    y = np.asarray(y)
    _refuse_complex(y, what)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(
            f"{what} for a sparse categorical loss must be integer labels of shape (n,); got shape {y.shape}. "
            f"For one-hot labels use loss='categorical_crossentropy'."
        )
    if not np.issubdtype(y.dtype, np.integer):
        if not np.issubdtype(y.dtype, np.floating) or not np.all(np.isfinite(y)) or np.any(y != np.round(y)):
            raise ValueError(f"{what} must hold integer class labels for a sparse categorical loss; got dtype "
                             f"{y.dtype} with non-integer values.")
    low, high = y.min(), y.max()
    if low < 0 or high >= n_classes:
        raise ValueError(
            f"{what} holds labels in [{low}, {high}] but the output layer has {n_classes} units, so labels "
            f"must be in [0, {n_classes}). Check the labels or the output layer's size."
        )
    return y.astype(np.intp, copy=False)


def check_batch_size(batch_size) -> int:
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1; got {batch_size!r}")
    return int(batch_size)
