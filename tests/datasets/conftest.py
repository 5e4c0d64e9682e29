"""Shared fixtures: every dataset test runs sealed off from the network and the user's files."""
from __future__ import annotations

import urllib.error

import numpy as np
import pytest

from trainlab.datasets import _download, _locate
from trainlab.datasets._idx import write_idx


@pytest.fixture(autouse=True)
def sealed(tmp_path, monkeypatch):
    """No network, no real cache, no real system directory, no $TRAINLAB_DATA.

    A test that needs one of these back sets it explicitly, so an accidental real download
    fails loudly instead of passing slowly.
    """

    def no_network(url, *args, **kwargs):
        raise urllib.error.URLError(f"network disabled in tests (tried {url})")

    monkeypatch.setattr(_download, "urlopen", no_network)
    monkeypatch.setattr(_locate, "CACHE_ROOT", tmp_path / "cache")
    monkeypatch.setattr(
        _locate, "SYSTEM_DIRS", {name: tmp_path / "system" / name for name in _locate.SYSTEM_DIRS}
    )
    monkeypatch.delenv(_locate.ENV_VAR, raising=False)


@pytest.fixture
def dataset_dir():
    """``dataset_dir(directory, marker=0, ...)`` writes a dataset's four files (see below)."""
    return _write_dataset_dir


def _write_dataset_dir(directory, marker: int = 0, *, gz: bool = True, n_train: int = 6,
                       n_test: int = 4, side: int = 3):
    """Write four small IDX files into ``directory``; ``marker`` fills the train images so
    tests can tell which directory a file came from."""
    directory.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if gz else ""
    arrays = (
        np.full((n_train, side, side), marker, dtype=np.uint8),
        (np.arange(n_train) % 10).astype(np.uint8),
        np.zeros((n_test, side, side), dtype=np.uint8),
        (np.arange(n_test) % 10).astype(np.uint8),
    )
    for stem, array in zip(_locate.FILE_STEMS, arrays):
        write_idx(directory / (stem + suffix), array)
    return directory
