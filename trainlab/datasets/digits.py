"""Digits: scikit-learn's bundled 1,797 8x8 handwritten digits, the embedded default dataset.

It ships inside scikit-learn, so it always loads, offline and instantly: the lab's smoke runs,
the tests and ``--data digits`` use it. To match MNIST's conventions, the 0..16 pixel counts are
rescaled to uint8 0..255 and the data is split into train and test sets, stratified by class
with a fixed seed, so every run of every process sees the same split.

Reference: E. Alpaydin, C. Kaynak, "Optical Recognition of Handwritten Digits", UCI Machine
Learning Repository, 1998 (the test part of which scikit-learn ships).
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from trainlab import random

N_SAMPLES, SIDE, N_CLASSES, MAX_PIXEL = 1797, 8, 10, 16


def load_data(test_fraction: float = 0.2, seed: int = 0):
    """Digits as ``((x_train, y_train), (x_test, y_test))``, shaped like the MNIST loaders.

    Each class is split on its own: ``round(test_fraction * n_class)`` of its samples, drawn
    with a generator seeded by ``seed``, go to the test set. Both sets keep the original sample
    order (the fit loop shuffles), so the result depends only on ``test_fraction`` and ``seed``.

    Args:
        test_fraction: share of each class held out for testing, in (0, 1); default 0.2.
        seed: non-negative integer selecting the split; default 0.

    Returns:
        x_train (n_train, 8, 8) and x_test (n_test, 8, 8) as uint8 in 0..255 (the 0..16 counts
        times 255/16, rounded); y_train (n_train,) and y_test (n_test,) as uint8 in 0..9;
        n_train + n_test = 1797.

    Raises:
        ValueError: ``test_fraction`` is outside (0, 1) or leaves some class with no training
            or no test sample; ``seed`` is not a non-negative integer.
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), e.g. 0.2; got {test_fraction!r}")
    pixels, labels = _read_bundled_csv()
    images = np.rint(pixels.reshape(-1, SIDE, SIDE) * (255 / MAX_PIXEL)).astype(np.uint8)
    rng = random.generator(seed)
    is_test = np.zeros(len(labels), dtype=bool)
    for label in range(N_CLASSES):
        members = np.flatnonzero(labels == label)
        n_test = round(test_fraction * len(members))
        if not 0 < n_test < len(members):
            raise ValueError(
                f"test_fraction={test_fraction!r} puts {n_test} of the {len(members)} samples of "
                f"class {label} in the test set; both sets need at least one: use a value "
                f"between {1 / len(members):.3f} and {1 - 1 / len(members):.3f}"
            )
        is_test[rng.choice(members, size=n_test, replace=False)] = True
    return (images[~is_test], labels[~is_test]), (images[is_test], labels[is_test])


def _read_bundled_csv() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's ``datasets/data/digits.csv.gz``, read without importing scikit-learn.

    Importing ``sklearn.datasets`` costs about a second, paid again by every lab worker process;
    the file itself is 64 pixel columns and a label column.
    """
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("The digits dataset ships with scikit-learn: pip install scikit-learn")
    path = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz"
    table = np.loadtxt(path, delimiter=",", dtype=np.float64)
    if table.shape != (N_SAMPLES, SIDE * SIDE + 1):
        raise ValueError(f"{path} has shape {table.shape}; expected ({N_SAMPLES}, {SIDE * SIDE + 1})")
    return table[:, :-1], table[:, -1].astype(np.uint8)
