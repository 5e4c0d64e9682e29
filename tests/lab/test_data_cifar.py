"""The lab's data for CIFAR-style datasets: (n, 1) label columns become flat, and data.standardize
standardizes every feature with the training split's statistics."""
from __future__ import annotations

import numpy as np

from trainlab.datasets import synthetic
from trainlab.lab import data

BASE = {"name": "synthetic-cifar10", "validation_fraction": 0.1, "split_seed": 0, "train_size": 0, "classes": []}


def test_label_columns_become_flat_vectors():
    splits = data.load_splits({**BASE, "standardize": False})
    assert splits.train[1].ndim == 1 and splits.test[1].shape == (500,)
    assert splits.sample_shape == (32, 32, 3) and splits.num_classes == 10


def test_standardize_uses_the_training_split_statistics():
    plain = data.load_splits({**BASE, "standardize": False})
    standard = data.load_splits({**BASE, "standardize": True})
    x_train = plain.train[0].astype(np.float64)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    np.testing.assert_allclose(standard.train[0], (x_train - mean) / std, atol=1e-4)
    np.testing.assert_allclose(standard.test[0], (plain.test[0] - mean) / std, atol=1e-4)
    # the raw test pixels, scaled by 255 here, are what the lab standardized
    raw_test = synthetic.load_data("cifar10")[1][0].astype(np.float64) / 255
    np.testing.assert_allclose(plain.test[0], raw_test, atol=1e-6)
