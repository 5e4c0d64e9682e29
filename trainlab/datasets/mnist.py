"""MNIST: 70,000 grayscale 28x28 images of handwritten digits 0-9.

Reference: Y. LeCun, L. Bottou, Y. Bengio, P. Haffner, "Gradient-based learning applied to
document recognition", Proc. IEEE 86(11), 1998.
"""
from __future__ import annotations

from trainlab.datasets import _mnist_like

NAME = "mnist"


def load_data():
    """MNIST as ``((x_train, y_train), (x_test, y_test))``, like Keras.

    Files are searched in ``$TRAINLAB_DATA``, ``~/.cache/trainlab/mnist``, then
    ``/usr/share/datasets/mnist``, and otherwise downloaded into the cache with SHA-256
    verification. Departure from Keras: Keras downloads one ``mnist.npz``; we read the original
    IDX files, so the same locations and format serve MNIST and Fashion-MNIST.

    Returns:
        uint8 arrays: x_train (60000, 28, 28), y_train (60000,), x_test (10000, 28, 28),
        y_test (10000,); pixels 0..255, labels 0..9.

    Raises:
        DatasetNotFoundError: not found and not downloadable; the message says where it looked
            and what to do (``datasets.digits`` always works offline).
        ValueError: a file is corrupt or is not the expected array.
    """
    return _mnist_like.load(NAME)
