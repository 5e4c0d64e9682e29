"""Load an MNIST-format dataset (MNIST, Fashion-MNIST) into Keras-shaped uint8 arrays.

Both datasets ship as the same four IDX files with the same shapes, so one loader serves both:
locate the files (:mod:`trainlab.datasets._locate`), read them strictly
(:mod:`trainlab.datasets._idx`), and check that they are what ``load_data`` promises before any
model sees them.
"""
from __future__ import annotations

import numpy as np

from trainlab.datasets import _locate
from trainlab.datasets._idx import read_idx

N_TRAIN, N_TEST, SIDE, N_CLASSES = 60000, 10000, 28, 10
_EXPECTED_SHAPES = ((N_TRAIN, SIDE, SIDE), (N_TRAIN,), (N_TEST, SIDE, SIDE), (N_TEST,))


def load(name: str):
    """``((x_train, y_train), (x_test, y_test))`` of MNIST-format dataset ``name``.

    Returns:
        uint8 arrays of shapes (60000, 28, 28), (60000,), (10000, 28, 28), (10000,); pixels in
        0..255, labels in 0..9; exactly what ``keras.datasets.<name>.load_data()`` returns.

    Raises:
        DatasetNotFoundError: the files are nowhere and cannot be downloaded.
        ValueError: a file is corrupt or does not hold the expected array (the message names it).
    """
    paths = _locate.locate(name)
    arrays = []
    for path, shape in zip(paths, _EXPECTED_SHAPES):
        array = read_idx(path)
        if array.shape != shape or array.dtype != np.uint8:
            raise ValueError(
                f"{path}: expected a uint8 array of shape {shape} for {name}, found "
                f"{array.dtype} {array.shape}; the file belongs to another dataset or split: "
                "replace it with the official file"
            )
        if array.ndim == 1 and array.size and array.max() >= N_CLASSES:
            raise ValueError(
                f"{path}: labels must be in 0..{N_CLASSES - 1}, found {int(array.max())}; "
                "replace the file with the official one"
            )
        arrays.append(array)
    x_train, y_train, x_test, y_test = arrays
    return (x_train, y_train), (x_test, y_test)
