"""The synthetic stand-ins: the real loaders' shapes and dtypes, deterministic, balanced, learnable."""
from __future__ import annotations

import numpy as np
import pytest

from trainlab import datasets
from trainlab.datasets import synthetic


def test_cifar10_stand_in_has_keras_shapes_and_dtypes():
    (x_train, y_train), (x_test, y_test) = datasets.load("synthetic-cifar10")
    assert (x_train.shape, y_train.shape, x_test.shape, y_test.shape) == (
        (2000, 32, 32, 3), (2000, 1), (500, 32, 32, 3), (500, 1))
    assert all(a.dtype == np.uint8 for a in (x_train, y_train, x_test, y_test))
    np.testing.assert_array_equal(np.bincount(y_train.ravel()), [200] * 10)


def test_same_arguments_same_arrays_and_seed_changes_them():
    first, second = synthetic.load_data("cifar10", 100, 20, seed=3), synthetic.load_data("cifar10", 100, 20, seed=3)
    np.testing.assert_array_equal(first[0][0], second[0][0])
    assert not np.array_equal(first[0][0], synthetic.load_data("cifar10", 100, 20, seed=4)[0][0])


def test_mnist_like_stand_ins_have_flat_labels():
    (x_train, y_train), _ = datasets.load("synthetic-fashion_mnist")
    assert x_train.shape == (2000, 28, 28) and y_train.shape == (2000,)


def test_classes_are_learnable_but_not_trivially():
    """A nearest-class-mean classifier (computed here, independently of the generator) is far above
    chance on held-out samples and short of perfect."""
    (x_train, y_train), (x_test, y_test) = synthetic.load_data("cifar10")
    flat = lambda x: x.reshape(len(x), -1).astype(np.float64)  # noqa: E731
    means = np.stack([flat(x_train)[y_train.ravel() == c].mean(axis=0) for c in range(10)])
    distances = ((flat(x_test)[:, None, :] - means[None]) ** 2).sum(axis=2)
    accuracy = np.mean(distances.argmin(axis=1) == y_test.ravel())
    assert 0.25 < accuracy < 0.95


@pytest.mark.parametrize("call,message", [
    (lambda: datasets.load("synthetic-cifar100"), "no synthetic stand-in for 'cifar100'; available: cifar10"),
    (lambda: synthetic.load_data("cifar10", n_train=5), "n_train must be an integer >= 10"),
])
def test_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
