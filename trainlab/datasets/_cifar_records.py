"""Read CIFAR-10's binary batches, from a folder or straight out of the official ``.tar.gz``.

The binary distribution (``cifar-10-binary.tar.gz``) holds ``cifar-10-batches-bin/`` with
``data_batch_1.bin`` … ``data_batch_5.bin`` and ``test_batch.bin``. Each file is a plain run of
3,073-byte records: one label byte (0–9), then 1,024 red, 1,024 green and 1,024 blue pixel bytes,
each plane a 32×32 image in row-major order. Nothing in this format is executable, which is why
trainlab reads it and never the pickled "python version" of the dataset.

The reader is structural rather than size-exact: any whole, non-zero number of records up to
:data:`MAX_RECORDS_PER_FILE` is accepted (so tests run on small files in the real format), and
anything else — a truncated record, a label outside 0–9, a link inside the archive — is refused
with the file named before its bytes are used.

Reference: A. Krizhevsky, "Learning Multiple Layers of Features from Tiny Images", 2009, and the
dataset page's description of the binary version.
"""
from __future__ import annotations

import tarfile
import zlib
from pathlib import Path

import numpy as np

FOLDER = "cifar-10-batches-bin"
TRAIN_FILES = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
TEST_FILE = "test_batch.bin"
FILES = (*TRAIN_FILES, TEST_FILE)
SIDE, CHANNELS, N_CLASSES = 32, 3, 10
RECORD_BYTES = 1 + SIDE * SIDE * CHANNELS  # 3,073
# The official batches hold 10,000 records each; five times that is the whole training set, so a
# larger file is not a CIFAR-10 batch, and refusing it bounds what one file can make us allocate.
MAX_RECORDS_PER_FILE = 50_000


def parse_records(data: bytes, source: str) -> tuple[np.ndarray, np.ndarray]:
    """``(images, labels)`` of one binary batch: uint8 ``(n, 32, 32, 3)`` and ``(n,)``.

    Args:
        data: the file's bytes, ``n * 3073`` of them.
        source: the file's name for error messages.

    Raises:
        ValueError: the size is not a whole, non-zero number of records, or a label is not 0–9.
    """
    count = check_size(len(data), source)
    records = np.frombuffer(data, dtype=np.uint8).reshape(count, RECORD_BYTES)
    labels = records[:, 0].copy()
    if labels.max() >= N_CLASSES:
        bad = int(np.argmax(labels >= N_CLASSES))
        raise ValueError(f"{source}: record {bad} has label {int(labels[bad])}, but CIFAR-10 labels are "
                         f"0..{N_CLASSES - 1}; this is not a CIFAR-10 binary batch (CIFAR-100's files have two "
                         "label bytes): replace it with the file from cifar-10-binary.tar.gz")
    # Stored channel-first (three 32x32 planes); Keras returns channels-last.
    images = records[:, 1:].reshape(count, CHANNELS, SIDE, SIDE).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels


def check_size(size: int, source: str) -> int:
    """The number of records in a file of ``size`` bytes, or a ValueError saying what is wrong."""
    count, extra = divmod(size, RECORD_BYTES)
    if size == 0 or extra:
        raise ValueError(f"{source}: {size} bytes is not a whole number of {RECORD_BYTES}-byte CIFAR-10 records "
                         f"({count} records and {extra} bytes over); the file is truncated or is not a CIFAR-10 "
                         "binary batch: replace it with the file from cifar-10-binary.tar.gz")
    if count > MAX_RECORDS_PER_FILE:
        raise ValueError(f"{source}: {count} records, more than the {MAX_RECORDS_PER_FILE} a CIFAR-10 file can "
                         "hold (the official batches have 10,000): replace it with the file from "
                         "cifar-10-binary.tar.gz")
    return count


def missing_files(folder: Path) -> list[str]:
    """The batch files ``folder`` lacks (empty when it is complete)."""
    return [name for name in FILES if not (folder / name).is_file()]


def read_folder(folder: Path) -> dict[str, bytes]:
    """The six batches of an extracted ``cifar-10-batches-bin`` folder, by file name."""
    for name in FILES:  # every size first: a bad file is refused before any is read
        check_size((folder / name).stat().st_size, str(folder / name))
    return {name: (folder / name).read_bytes() for name in FILES}


def read_archive(path: Path) -> dict[str, bytes]:
    """The six batches inside ``cifar-10-binary.tar.gz``, read in one streaming pass.

    Only the members ``cifar-10-batches-bin/<batch>`` are read, and only if they are regular files
    of a valid size; nothing is extracted to disk, so no member name can write outside a folder.

    Raises:
        ValueError: the archive is not a readable ``.tar.gz``, lacks a batch, holds a batch as a
            link, or a batch has an invalid size.
    """
    wanted = {f"{FOLDER}/{name}": name for name in FILES}
    batches: dict[str, bytes] = {}
    fix = "delete it and let trainlab download the official archive, or replace it with cifar-10-binary.tar.gz"
    try:
        # "r|gz": a single forward pass over the compressed stream, never a seek back to re-read it.
        with tarfile.open(path, mode="r|gz") as archive:
            for member in archive:
                name = wanted.get(member.name.removeprefix("./"))
                if name is None:
                    continue
                source = f"{path}: member {member.name}"
                if not member.isfile():
                    raise ValueError(f"{source} is a link or a special file, not a regular file: {fix}")
                check_size(member.size, source)
                batches[name] = archive.extractfile(member).read()
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise ValueError(f"{path}: not a readable .tar.gz ({type(error).__name__}: {error}): {fix}") from None
    absent = [f"{FOLDER}/{name}" for name in FILES if name not in batches]
    if absent:
        raise ValueError(f"{path}: the archive lacks {', '.join(absent)}; it is not CIFAR-10's binary distribution "
                         f"(the pickled cifar-10-python.tar.gz is never read): {fix}")
    return batches


def assemble(batches: dict[str, bytes], origin: str):
    """Keras' ``((x_train, y_train), (x_test, y_test))`` from the six batches' bytes.

    Labels come back as uint8 columns ``(n, 1)``, as ``keras.datasets.cifar10`` returns them.
    """
    parsed = {name: parse_records(batches[name], f"{origin}/{name}") for name in FILES}
    x_train = np.concatenate([parsed[name][0] for name in TRAIN_FILES])
    y_train = np.concatenate([parsed[name][1] for name in TRAIN_FILES]).reshape(-1, 1)
    x_test, y_test = parsed[TEST_FILE]
    return (x_train, y_train), (x_test, y_test.reshape(-1, 1))
