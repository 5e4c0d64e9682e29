"""Get a dataset by name: the one place that maps ``--data NAME`` to a loader."""
from __future__ import annotations

from trainlab.datasets import cifar10, digits, fashion_mnist, mnist, synthetic

LOADERS = {
    "digits": digits.load_data,
    "mnist": mnist.load_data,
    "fashion-mnist": fashion_mnist.load_data,
    "cifar10": cifar10.load_data,
}
# Python module names cannot hold "-", so users type the underscore spelling too.
ALIASES = {"fashion_mnist": "fashion-mnist", "cifar-10": "cifar10"}


def load(name: str, **kwargs):
    """``((x_train, y_train), (x_test, y_test))`` of the dataset called ``name``.

    Args:
        name: ``"digits"`` (embedded, always offline), ``"mnist"``, ``"fashion-mnist"`` (alias
            ``"fashion_mnist"``) or ``"cifar10"`` (alias ``"cifar-10"``); case-insensitive. A
            ``"synthetic-"`` prefix (``"synthetic-cifar10"``) gives a small generated stand-in
            with the same shapes (:mod:`trainlab.datasets.synthetic`), for CI and smoke runs.
        **kwargs: passed to that dataset's ``load_data`` (only digits takes any:
            ``test_fraction``, ``seed``).

    Raises:
        ValueError: unknown ``name``; the message lists the valid names.
        DatasetNotFoundError: see :func:`trainlab.datasets.fashion_mnist.load_data`.
        ValueError: also for a malformed file (the message names it).
    """
    key = name.lower() if isinstance(name, str) else name
    key = ALIASES.get(key, key)
    if isinstance(key, str) and key.startswith(synthetic.PREFIX):
        real = key.removeprefix(synthetic.PREFIX)
        return synthetic.load_data(ALIASES.get(real, real), **kwargs)
    if key not in LOADERS:
        valid = ", ".join(repr(n) for n in [*LOADERS, *ALIASES])
        raise ValueError(f"unknown dataset {name!r}; valid names are {valid}, and 'synthetic-NAME' for a small "
                         "generated stand-in")
    return LOADERS[key](**kwargs)
