from pathlib import Path

import numpy as np
import pytest

from trainlab import datasets
from trainlab.datasets import _catalog, _locate, digits, fashion_mnist, mnist

DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")


@pytest.mark.skipif(not DEBIAN_DIR.is_dir(),
                    reason=f"{DEBIAN_DIR} absent: apt-get install dataset-fashion-mnist to run this")
def test_fashion_mnist_from_the_debian_package(monkeypatch):
    monkeypatch.setitem(_locate.SYSTEM_DIRS, "fashion-mnist", DEBIAN_DIR)
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    assert (x_train.shape, y_train.shape, x_test.shape, y_test.shape) == (
        (60000, 28, 28), (60000,), (10000, 28, 28), (10000,))
    assert all(a.dtype == np.uint8 for a in (x_train, y_train, x_test, y_test))
    assert y_train.min() == 0 and y_train.max() == 9
    np.testing.assert_array_equal(np.bincount(y_train), [6000] * 10)
    np.testing.assert_array_equal(np.bincount(y_test), [1000] * 10)
    assert x_train.max() == 255 and x_train.min() == 0
    assert len(fashion_mnist.CLASS_NAMES) == 10
    assert fashion_mnist.CLASS_NAMES[0] == "T-shirt/top" and fashion_mnist.CLASS_NAMES[9] == "Ankle boot"


@pytest.fixture
def full_size_mnist(tmp_path, monkeypatch, dataset_dir):
    """Full-size synthetic MNIST files in $TRAINLAB_DATA (no real MNIST on this machine)."""
    dataset_dir(tmp_path / "data" / "mnist", marker=9, n_train=60000, n_test=10000, side=28)
    monkeypatch.setenv(_locate.ENV_VAR, str(tmp_path / "data"))
    return tmp_path / "data" / "mnist"


def test_mnist_load_data_is_keras_shaped(full_size_mnist):
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    assert (x_train.shape, y_train.shape, x_test.shape, y_test.shape) == (
        (60000, 28, 28), (60000,), (10000, 28, 28), (10000,))
    assert all(a.dtype == np.uint8 for a in (x_train, y_train, x_test, y_test))
    assert x_train[0, 0, 0] == 9 and y_train[:3].tolist() == [0, 1, 2]


def test_a_file_of_the_wrong_shape_is_named(tmp_path, monkeypatch, dataset_dir):
    dataset_dir(tmp_path / "mnist")
    monkeypatch.setenv(_locate.ENV_VAR, str(tmp_path))
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte.gz: expected a uint8 array of shape \(60000, 28, 28\) for mnist, found uint8 \(6, 3, 3\)"):
        mnist.load_data()


def test_labels_out_of_range_are_rejected(full_size_mnist):
    from trainlab.datasets import write_idx
    write_idx(full_size_mnist / "t10k-labels-idx1-ubyte.gz", np.full(10000, 10, dtype=np.uint8))
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte.gz: labels must be in 0..9, found 10"):
        mnist.load_data()


@pytest.mark.parametrize("name, module", [
    ("digits", "digits"), ("mnist", "mnist"), ("fashion-mnist", "fashion_mnist"),
    ("fashion_mnist", "fashion_mnist"), ("Fashion-MNIST", "fashion_mnist"),
])
def test_load_by_name_dispatches(monkeypatch, name, module):
    canonical = {"digits": "digits", "mnist": "mnist", "fashion_mnist": "fashion-mnist"}[module]
    monkeypatch.setitem(_catalog.LOADERS, canonical, lambda **kwargs: (module, kwargs))
    assert datasets.load(name) == (module, {})


def test_load_passes_options_to_digits():
    a = datasets.load("digits", test_fraction=0.3, seed=4)
    b = digits.load_data(test_fraction=0.3, seed=4)
    for left, right in zip(a[0] + a[1], b[0] + b[1]):
        np.testing.assert_array_equal(left, right)


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"unknown dataset 'cifar100'; valid names are 'digits', 'mnist', "
                                         r"'fashion-mnist', 'cifar10', 'fashion_mnist', 'cifar-10'"):
        datasets.load("cifar100")


def test_public_surface():
    assert issubclass(datasets.DatasetNotFoundError, FileNotFoundError)
    for name in ("cifar10", "digits", "fashion_mnist", "mnist", "load", "read_idx", "write_idx"):
        assert hasattr(datasets, name)
