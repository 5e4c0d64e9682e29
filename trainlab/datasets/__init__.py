"""Datasets with Keras-shaped ``load_data()``: MNIST, Fashion-MNIST, CIFAR-10, and the embedded digits.

``load(name)`` picks one by name. MNIST, Fashion-MNIST and CIFAR-10 are searched in
``$TRAINLAB_DATA``, the user cache ``~/.cache/trainlab``, the Debian package location (the
MNIST-style ones), then downloaded with checksum verification; ``digits`` ships with
scikit-learn and always works offline.
"""
from trainlab.datasets import cifar10, digits, fashion_mnist, mnist, synthetic
from trainlab.datasets._catalog import load
from trainlab.datasets._idx import read_idx, write_idx
from trainlab.datasets._locate import DatasetNotFoundError
