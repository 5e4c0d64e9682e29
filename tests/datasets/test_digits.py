import numpy as np
import pytest

from trainlab.datasets import digits

ALLOWED_PIXELS = set(np.rint(np.arange(17) * 255 / 16).astype(int).tolist())


@pytest.fixture(scope="module")
def split():
    return digits.load_data()


def test_shapes_and_dtypes(split):
    (x_train, y_train), (x_test, y_test) = split
    assert x_train.shape[1:] == x_test.shape[1:] == (8, 8)
    assert len(x_train) == len(y_train) and len(x_test) == len(y_test)
    assert len(x_train) + len(x_test) == 1797
    assert all(a.dtype == np.uint8 for a in (x_train, y_train, x_test, y_test))


def test_pixels_are_the_0_to_16_counts_scaled_to_0_to_255(split):
    (x_train, _), (x_test, _) = split
    values = set(np.unique(np.concatenate([x_train.ravel(), x_test.ravel()])).tolist())
    assert values <= ALLOWED_PIXELS
    assert 0 in values and 255 in values


def test_split_is_deterministic(split):
    again = digits.load_data()
    for left, right in zip(split[0] + split[1], again[0] + again[1]):
        np.testing.assert_array_equal(left, right)


def test_seed_changes_the_split(split):
    (_, _), (x_test, _) = digits.load_data(seed=1)
    assert not np.array_equal(x_test, split[1][0])


@pytest.mark.parametrize("test_fraction", [0.2, 0.5, 0.1])
def test_split_is_stratified(test_fraction):
    from sklearn.datasets import load_digits
    full = np.bincount(load_digits().target, minlength=10)
    (_, y_train), (_, y_test) = digits.load_data(test_fraction=test_fraction)
    train, test = np.bincount(y_train, minlength=10), np.bincount(y_test, minlength=10)
    np.testing.assert_array_equal(train + test, full)
    assert np.all(np.abs(test - test_fraction * full) <= 0.5 + 1e-9)


def test_the_split_is_a_partition_of_the_samples():
    from sklearn.datasets import load_digits
    images = np.rint(load_digits().images * 255 / 16).astype(np.uint8)
    (x_train, _), (x_test, _) = digits.load_data()
    assert _sorted_rows(np.concatenate([x_train, x_test])) == _sorted_rows(images)


def _sorted_rows(images):
    return sorted(map(bytes, images.reshape(len(images), -1)))


@pytest.mark.parametrize("test_fraction, message", [
    (0.0, r"test_fraction must be in \(0, 1\), e.g. 0.2; got 0.0"),
    (1, r"test_fraction must be in \(0, 1\)"),
    (0.001, r"test_fraction=0.001 puts 0 of the \d+ samples of class 0 in the test set"),
    (0.999, r"puts \d+ of the \d+ samples of class 0 in the test set; both sets need at least one"),
])
def test_bad_test_fraction(test_fraction, message):
    with pytest.raises(ValueError, match=message):
        digits.load_data(test_fraction=test_fraction)


def test_bad_seed():
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        digits.load_data(seed=-1)


def test_bundled_csv_equals_scikit_learns_loader():
    from sklearn.datasets import load_digits

    from trainlab.datasets.digits import _read_bundled_csv

    pixels, labels = _read_bundled_csv()
    reference = load_digits()
    assert np.array_equal(pixels, reference.data) and np.array_equal(labels, reference.target)
