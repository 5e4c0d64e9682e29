"""The lab's data: a fixed train/validation/test split, scaled to float32, that logs its reads.

The training set of ``trainlab.datasets.load(name)`` is split into train and validation with a
stratified split fixed by ``data.split_seed`` (never by the run's seed, so every arm and every
seed is scored on the same validation samples); the dataset's own test set stays the test split.
``data.classes`` keeps only some classes (relabeled 0, 1, ... in the order given) in every split.
Pixels are divided by the training split's maximum (255 for 8-bit images) in float32, without
float64 intermediates; with ``data.standardize`` every feature is then standardized with the
training split's mean and standard deviation (SELU's self-normalization assumes it). Labels are
flat integer vectors, also for datasets that return them as an (n, 1) column (CIFAR-10).

:class:`Splits` records which splits a run read, so the protocol is provable: a tuning record
whose ``splits_read`` contains ``"test"`` would be a bug, and a test checks that none does.
"""
from __future__ import annotations

import functools
import json

import numpy as np

from trainlab.lab.schema import StudyError


class Splits:
    """Train, validation and test arrays; every property read is logged in :attr:`reads`."""

    def __init__(self, train, validation, test, num_classes: int):
        self._arrays = {"train": train, "validation": validation, "test": test}
        self.num_classes = num_classes
        self.reads: set[str] = set()

    def _read(self, split: str):
        self.reads.add(split)
        return self._arrays[split]

    @property
    def train(self) -> tuple[np.ndarray, np.ndarray]:
        return self._read("train")

    @property
    def validation(self) -> tuple[np.ndarray, np.ndarray]:
        return self._read("validation")

    @property
    def test(self) -> tuple[np.ndarray, np.ndarray]:
        return self._read("test")

    @property
    def sample_shape(self) -> tuple[int, ...]:
        """Shape of one sample (reading it does not count as reading the data)."""
        return self._arrays["train"][0].shape[1:]

    @property
    def sizes(self) -> dict[str, int]:
        """Samples in each split (reading them does not count as reading the data)."""
        return {split: len(arrays[1]) for split, arrays in self._arrays.items()}

    def steps_per_epoch(self, batch_size: int) -> int:
        """Optimizer steps in one epoch over the training split (not counted as a read)."""
        return -(-len(self._arrays["train"][0]) // batch_size)


def load_dataset(name: str):
    """``((x_train, y_train), (x_test, y_test))`` from :func:`trainlab.datasets.load`."""
    from trainlab import datasets

    try:
        return datasets.load(name)
    except ValueError as error:
        raise StudyError(f"data.name: {error}") from None


def _stratified_split(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Index arrays (kept, held out): ``fraction`` of every class held out, order preserved."""
    rng = np.random.default_rng(seed)
    held = np.zeros(len(labels), dtype=bool)
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        count = max(1, round(fraction * len(members)))
        held[rng.choice(members, size=count, replace=False)] = True
    return np.flatnonzero(~held), np.flatnonzero(held)


def select_classes(x, y, classes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The samples of ``classes`` only, relabeled ``classes[i] -> i`` (a task made of some classes,
    e.g. the transfer study's task B: Fashion-MNIST sandals and shirts become 0 and 1)."""
    y = np.asarray(y)
    missing = sorted(set(classes) - set(np.unique(y).tolist()))
    if missing:
        raise StudyError(f"data.classes {classes} names classes {missing} the dataset does not have; its labels "
                         f"are {np.unique(y).tolist()}.")
    lookup = np.full(int(max(int(np.max(y)), *classes)) + 1, -1, dtype=np.int64)
    lookup[classes] = np.arange(len(classes))
    keep = np.flatnonzero(lookup[y] >= 0)
    return np.asarray(x)[keep], lookup[y[keep]]


def load_splits(data: dict) -> Splits:
    """Fresh :class:`Splits` (empty read log) for a study's ``[data]`` table; arrays are cached."""
    return Splits(*_cached_arrays(json.dumps(data, sort_keys=True)))


@functools.lru_cache(maxsize=4)
def _cached_arrays(data_json: str):
    data = json.loads(data_json)
    (x_train, y_train), (x_test, y_test) = load_dataset(data["name"])
    y_train, y_test = np.ravel(y_train), np.ravel(y_test)
    if data.get("classes"):
        (x_train, y_train), (x_test, y_test) = (select_classes(x, y, data["classes"])
                                                for x, y in ((x_train, y_train), (x_test, y_test)))
    keep, held = _stratified_split(np.asarray(y_train), data["validation_fraction"], data["split_seed"])
    if data["train_size"]:
        if data["train_size"] > len(keep):
            raise StudyError(f"data.train_size {data['train_size']} exceeds the {len(keep)} training samples "
                             f"left after the validation split.")
        subset = np.random.default_rng(data["split_seed"]).choice(keep, data["train_size"], replace=False)
        keep = np.sort(subset)
    scale = np.float32(np.max(x_train[keep]))

    mean = std = None
    if data.get("standardize"):
        train = np.asarray(x_train[keep]).astype(np.float32) / scale
        mean, std = train.mean(axis=0), train.std(axis=0)
        std[std == 0] = 1  # a constant feature carries nothing: leave it at 0 instead of dividing by 0

    def scaled(x):
        out = np.asarray(x).astype(np.float32)
        out /= scale
        if mean is not None:
            out -= mean
            out /= std
        return out

    def labels(y):
        return np.asarray(y).astype(np.int64)

    num_classes = len(data.get("classes") or ()) or int(np.max(y_train)) + 1
    return ((scaled(x_train[keep]), labels(y_train[keep])), (scaled(x_train[held]), labels(y_train[held])),
            (scaled(x_test), labels(y_test)), num_classes)
