"""Fashion-MNIST: 70,000 grayscale 28x28 images of clothing in 10 classes (Zalando Research).

A drop-in replacement for MNIST with the same file format, sizes and split, but harder: a linear
model reaches about 84% instead of 92%, so techniques separate more clearly.

Reference: H. Xiao, K. Rasul, R. Vollgraf, "Fashion-MNIST: a Novel Image Dataset for Benchmarking
Machine Learning Algorithms", arXiv:1708.07747, 2017.
"""
from __future__ import annotations

from trainlab.datasets import _mnist_like

NAME = "fashion-mnist"
# Index i is the name of label i, as in the dataset's README.
CLASS_NAMES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)


def load_data():
    """Fashion-MNIST as ``((x_train, y_train), (x_test, y_test))``, like Keras.

    Files are searched in ``$TRAINLAB_DATA``, ``~/.cache/trainlab/fashion-mnist``, then
    ``/usr/share/datasets/fashion-mnist`` (Debian package ``dataset-fashion-mnist``), and
    otherwise downloaded into the cache with SHA-256 verification.

    Returns:
        uint8 arrays: x_train (60000, 28, 28), y_train (60000,), x_test (10000, 28, 28),
        y_test (10000,); pixels 0..255, labels 0..9 (names in :data:`CLASS_NAMES`).

    Raises:
        DatasetNotFoundError: not found and not downloadable; the message says where it looked
            and what to do (``datasets.digits`` always works offline).
        ValueError: a file is corrupt or is not the expected array.
    """
    return _mnist_like.load(NAME)
