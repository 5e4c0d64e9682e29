"""Small synthetic stand-ins with a real dataset's shapes, dtypes and classes, for CI and smoke runs.

``datasets.load("synthetic-cifar10")`` (or ``synthetic.load_data("cifar10")``) returns arrays
shaped and typed exactly like ``cifar10.load_data()`` — uint8 images, labels as the real loader
gives them — but only a few thousand of them, generated in milliseconds without any file. So an
example or a study written for CIFAR-10 runs end to end on a machine without the 170 MB archive
(``--synthetic``), exercising the same code paths.

Every image starts from one smooth random base B (a 4x4 grid of levels in 60..195, upsampled);
class c adds a small smooth pattern Δ_c (N(0, 5²) per grid cell), and a sample of class c is
clip(B + Δ_c + s + ε) with a per-image brightness shift s ~ N(0, 20²) and pixel noise
ε ~ N(0, 60²). The class signal is weak against the noise, so the task is learnable but not
trivial: on 500 held-out images, logistic regression fitted on 2,000 scores about 0.9 and the
nearest class mean about 0.6, where chance is 0.1. The numbers say nothing about the real
dataset: they only show that the code runs.
"""
from __future__ import annotations

import numpy as np

# name -> (image shape, labels as an (n, 1) column like Keras' CIFAR loaders, classes)
SHAPES = {
    "cifar10": ((32, 32, 3), True, 10),
    "mnist": ((28, 28), False, 10),
    "fashion-mnist": ((28, 28), False, 10),
    "digits": ((8, 8), False, 10),
}
PREFIX = "synthetic-"


def load_data(name: str = "cifar10", n_train: int = 2000, n_test: int = 500, seed: int = 0):
    """``((x_train, y_train), (x_test, y_test))`` shaped like dataset ``name``.

    Args:
        name: one of :data:`SHAPES` (``"cifar10"`` by default).
        n_train, n_test: sample counts, >= the number of classes (defaults 2000 and 500); every
            class gets the same share, up to one sample.
        seed: the generator's seed (default 0); the same arguments always give the same arrays.

    Raises:
        ValueError: unknown ``name`` (the message lists the known ones) or too few samples.
    """
    if name not in SHAPES:
        raise ValueError(f"no synthetic stand-in for {name!r}; available: {', '.join(SHAPES)}")
    shape, column, classes = SHAPES[name]
    for label, count in (("n_train", n_train), ("n_test", n_test)):
        if isinstance(count, bool) or not isinstance(count, int) or count < classes:
            raise ValueError(f"{label} must be an integer >= {classes} (one sample per class); got {count!r}")
    rng = np.random.default_rng(seed)
    prototypes = _prototypes(rng, shape, classes)
    splits = []
    for count in (n_train, n_test):
        labels = rng.permutation(np.arange(count) % classes).astype(np.uint8)
        shift = rng.normal(0, 20, (count,) + (1,) * len(shape))
        images = prototypes[labels] + shift + rng.normal(0, 60, (count, *shape))
        images = np.clip(np.rint(images), 0, 255).astype(np.uint8)
        splits.append((images, labels.reshape(-1, 1) if column else labels))
    return tuple(splits)


def _prototypes(rng, shape: tuple[int, ...], classes: int) -> np.ndarray:
    """One smooth image per class: the shared base plus the class's pattern, upsampled to ``shape``."""
    side = shape[0]
    coarse = rng.uniform(60, 195, (1, 4, 4, *shape[2:])) + rng.normal(0, 5, (classes, 4, 4, *shape[2:]))
    repeat = -(-side // 4)
    return coarse.repeat(repeat, axis=1).repeat(repeat, axis=2)[:, :side, :side]
