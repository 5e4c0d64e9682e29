"""CIFAR-10: 60,000 colour 32x32 images in 10 classes (50,000 for training, 10,000 for testing).

HOML ch. 11's exercise 8 trains a 20-layer dense network on it. trainlab reads CIFAR-10's
*binary* distribution only (see :mod:`trainlab.datasets._cifar_records`): the pickled "python
version" that Keras downloads can execute code when unpickled, so it is never opened.

Where the data is looked for, first usable place wins; each place may hold the extracted folder
``cifar-10-batches-bin/`` or the archive ``cifar-10-binary.tar.gz`` (read in place, not extracted):

1. ``$TRAINLAB_DATA/cifar10/``, then ``$TRAINLAB_DATA/`` itself;
2. the user cache ``~/.cache/trainlab/cifar10/``;
3. a download of the archive into that cache, verified by SHA-256 and written atomically
   (:mod:`trainlab.datasets._download`).

Reference: A. Krizhevsky, "Learning Multiple Layers of Features from Tiny Images", 2009.
"""
from __future__ import annotations

import os
from pathlib import Path

from trainlab.datasets import _cifar_records, _download, _locate

NAME = "cifar10"
ARCHIVE = "cifar-10-binary.tar.gz"
# Index i is the name of label i, as in the archive's batches.meta.txt.
CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
_PICKLED = ("cifar-10-batches-py", "cifar-10-python.tar.gz")


def load_data():
    """CIFAR-10 as ``((x_train, y_train), (x_test, y_test))``, like ``keras.datasets.cifar10``.

    Returns:
        uint8 arrays: x_train (50000, 32, 32, 3), y_train (50000, 1), x_test (10000, 32, 32, 3),
        y_test (10000, 1); pixels 0..255 channels-last, labels 0..9 (names in
        :data:`CLASS_NAMES`). Files a user placed may hold any whole number of records per batch,
        and then the arrays have that many rows.

    Raises:
        DatasetNotFoundError: no searched place holds the data and the download failed; the
            message lists each place, why it did not qualify, and every fix (``--data digits``
            always works offline).
        ValueError: a batch or the archive is malformed; the message names the file and the fix.
    """
    origin, batches = _find()
    return _cifar_records.assemble(batches, origin)


def _find() -> tuple[str, dict[str, bytes]]:
    """``(where, {file name: bytes})`` from the first place that holds the data."""
    searched = []
    for label, directory in _places():
        if directory is None:
            searched.append(f"{label}: not set")
            continue
        found = _read_place(directory)
        if isinstance(found, str):
            searched.append(f"{label} {directory}: {found}")
        else:
            return found
    target = _locate.cache_dir(NAME)
    try:
        _download.fetch_dataset(NAME, target)
    except OSError as error:
        searched.append(f"download into {target}: failed: {error}")
    else:
        return str(target / ARCHIVE), _cifar_records.read_archive(target / ARCHIVE)
    files = (f"the folder {_cifar_records.FOLDER}/ ({', '.join(_cifar_records.FILES)}) or the archive "
             f"{ARCHIVE}")
    raise _locate.DatasetNotFoundError(_locate.not_found_message(NAME, searched, files))


def _places() -> list[tuple[str, Path | None]]:
    root = os.environ.get(_locate.ENV_VAR)
    env = f"${_locate.ENV_VAR}"
    places = [(f"{env}/{NAME}", Path(root) / NAME), (env, Path(root))] if root else [(env, None)]
    return [*places, ("user cache", _locate.cache_dir(NAME))]


def _read_place(directory: Path):
    """The data in ``directory`` as ``(origin, batches)``, or a string saying why it has none.

    A complete folder wins over the archive beside it; a partial folder is passed over for the
    archive, or reported, but never mixed with another place's files.
    """
    if not directory.is_dir():
        return "no such directory"
    folder = directory / _cifar_records.FOLDER
    missing = _cifar_records.missing_files(folder) if folder.is_dir() else None
    if missing == []:
        return str(folder), _cifar_records.read_folder(folder)
    if (directory / ARCHIVE).is_file():
        return str(directory / ARCHIVE), _cifar_records.read_archive(directory / ARCHIVE)
    reason = (f"{_cifar_records.FOLDER}/ lacks {', '.join(missing)}" if missing
              else f"no {_cifar_records.FOLDER}/") + f" and no {ARCHIVE}"
    pickled = [name for name in _PICKLED if (directory / name).exists()]
    if pickled:
        reason += (f" (found {', '.join(pickled)}: the pickled version, which trainlab never reads because "
                   f"unpickling can run code; get the binary version {ARCHIVE})")
    return reason
