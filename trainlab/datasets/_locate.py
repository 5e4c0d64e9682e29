"""Find the four IDX files of an MNIST-style dataset, downloading them as a last resort.

Search order, first complete directory wins:

1. ``$TRAINLAB_DATA/<name>/``, then ``$TRAINLAB_DATA/`` itself (so one directory can hold
   several datasets in subdirectories, or be the dataset directory);
2. the user cache ``~/.cache/trainlab/<name>/``;
3. the system location of the Debian package (``/usr/share/datasets/fashion-mnist``);
4. a download into the user cache (see :mod:`trainlab.datasets._download`).

A directory counts only if it holds all four files, each either gzipped (``.gz``) or raw; a
partial directory is skipped and reported, never mixed with another one. The module-level
constants are the injection points tests monkeypatch.
"""
from __future__ import annotations

import os
from pathlib import Path

from trainlab.datasets import _download

ENV_VAR = "TRAINLAB_DATA"
CACHE_ROOT = Path("~/.cache/trainlab")
SYSTEM_DIRS: dict[str, Path] = {
    "fashion-mnist": Path("/usr/share/datasets/fashion-mnist"),
    "mnist": Path("/usr/share/datasets/mnist"),
}
DEBIAN_PACKAGES: dict[str, str] = {"fashion-mnist": "dataset-fashion-mnist"}
# In the order load_data unpacks them: train images, train labels, test images, test labels.
FILE_STEMS = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


class DatasetNotFoundError(FileNotFoundError):
    """A dataset is on none of the searched places and could not be downloaded."""


def cache_dir(name: str) -> Path:
    """The user-cache directory of dataset ``name`` (where downloads go)."""
    return CACHE_ROOT.expanduser() / name


def locate(name: str, *, download: bool = True) -> tuple[Path, ...]:
    """Paths of the four files of dataset ``name``, in :data:`FILE_STEMS` order.

    Args:
        name: ``"fashion-mnist"`` or ``"mnist"``.
        download: when no local copy exists, download into :func:`cache_dir` (verified by
            SHA-256) before giving up.

    Raises:
        DatasetNotFoundError: no searched directory is complete and the download was disabled
            or failed. The message names every place searched, why each did not qualify, and
            the ways to fix it (including ``--data digits``, which always works offline).
    """
    searched: list[str] = []
    for label, directory in _candidates(name):
        if directory is None:
            searched.append(f"{label}: not set")
            continue
        files, problem = _complete(directory)
        if files:
            return files
        searched.append(f"{label} {directory}: {problem}")
    target = cache_dir(name)
    if not download:
        searched.append(f"download into {target}: disabled")
    else:
        try:
            _download.fetch_dataset(name, target)
        except OSError as error:
            searched.append(f"download into {target}: failed: {error}")
        else:
            files, problem = _complete(target)
            if files:
                return files
            searched.append(f"download into {target}: {problem}")
    raise DatasetNotFoundError(_not_found_message(name, searched))


def _candidates(name: str) -> list[tuple[str, Path | None]]:
    root = os.environ.get(ENV_VAR)
    places: list[tuple[str, Path | None]]
    if root:
        places = [(f"${ENV_VAR}/{name}", Path(root) / name), (f"${ENV_VAR}", Path(root))]
    else:
        places = [(f"${ENV_VAR}", None)]
    places.append(("user cache", cache_dir(name)))
    places.append(("system location", SYSTEM_DIRS.get(name)))
    return places


def _complete(directory: Path) -> tuple[tuple[Path, ...] | None, str]:
    """``(files, "")`` if ``directory`` holds all four files, else ``(None, reason)``."""
    if not directory.is_dir():
        return None, "no such directory"
    found, missing = [], []
    for stem in FILE_STEMS:
        # Gzipped first: it is what upstream and the Debian package ship.
        path = next((p for p in (directory / f"{stem}.gz", directory / stem) if p.is_file()), None)
        if path is None:
            missing.append(f"{stem}[.gz]")
        else:
            found.append(path)
    if missing:
        return None, "missing " + ", ".join(missing)
    return tuple(found), ""


def _not_found_message(name: str, searched: list[str]) -> str:
    package = DEBIAN_PACKAGES.get(name)
    install = [f"install the Debian package {package}: apt-get install {package}"] if package else []
    files = f"its four IDX files ({', '.join(s + '.gz' for s in FILE_STEMS)})"
    return not_found_message(name, searched, files, install)


def not_found_message(name: str, searched: list[str], files: str, extra_fixes: list[str] = ()) -> str:
    """The offline error every file-based loader gives: each place searched and why it did not
    qualify, then every fix (``files`` says what to put where; ``extra_fixes`` come first)."""
    places = "\n".join(f"  {i}. {line}" for i, line in enumerate(searched, 1))
    fixes = [
        *extra_fixes,
        f"put {files} in a directory DIR/{name}/ or DIR/ and set ${ENV_VAR}=DIR",
        f"connect to the internet and retry: the files are downloaded, checked and cached in {cache_dir(name)}",
        "or use the embedded dataset that always works offline: --data digits (trainlab.datasets.digits.load_data())",
    ]
    return (f"dataset {name!r} not found. Searched, in order:\n{places}\nTo fix, do one of:\n"
            + "\n".join(f"  - {fix}" for fix in fixes))
