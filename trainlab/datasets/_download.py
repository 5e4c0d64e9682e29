"""Download dataset files with SHA-256 verification and atomic writes.

:func:`fetch` streams one URL to disk: the bytes go to a temporary file in the destination's
directory, are hashed on the way, and only a file whose digest matches is renamed into place
(``os.replace`` is atomic on one file system). A failed, interrupted or corrupted download
therefore never leaves a half-written file that a later run would mistake for data.

:data:`SOURCES` holds the official mirrors and checksums; :func:`fetch_dataset` tries the
mirrors in order for each missing file.
"""
from __future__ import annotations

import hashlib
import http.client
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.request import urlopen

from tqdm import tqdm

from trainlab.atomic import atomic_open

_CHUNK = 1 << 16
_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Source:
    """Where a dataset's files (four gzipped IDX files, or one archive) live upstream.

    Attributes:
        mirrors: base URLs ending in ``/``, tried in order.
        sha256: file name -> SHA-256 hex digest of the file as served by every mirror.
    """

    mirrors: tuple[str, ...]
    sha256: dict[str, str]


SOURCES: dict[str, Source] = {
    # Checksums of the upstream files (the same on the S3 bucket and in the GitHub repository),
    # cross-checked against several independent projects that pin them. They are NOT the
    # checksums of the Debian package dataset-fashion-mnist: its .gz files are 24 bytes shorter
    # each because they were re-gzipped without the embedded original file name. Local files
    # are never checked against this table; only downloads are.
    "fashion-mnist": Source(
        mirrors=(
            "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
            # The S3 website endpoint serves HTTP only; the pinned SHA-256 protects the bytes.
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        ),
        sha256={
            "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        },
    ),
    # The original MNIST files as mirrored by TensorFlow and PyTorch (the original host at
    # yann.lecun.com has required a login since 2023); checksums cross-checked against several
    # independent projects that pin them.
    "mnist": Source(
        mirrors=(
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
        ),
        sha256={
            "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        },
    ),
    # The binary version on the dataset author's page; its MD5 there is
    # c32a1d4ab5d03f1284b67883e8d87530 (170,052,171 bytes). The SHA-256 below was cross-checked
    # against several independent projects that pin the same archive.
    "cifar10": Source(
        mirrors=("https://www.cs.toronto.edu/~kriz/",),
        sha256={"cifar-10-binary.tar.gz": "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd"},
    ),
}


class ChecksumError(ValueError):
    """A downloaded file's SHA-256 differs from the pinned one."""


def fetch(url: str, dest: str | os.PathLike, sha256: str, *, progress: bool = True) -> Path:
    """Download ``url`` to ``dest`` if and only if its SHA-256 equals ``sha256``.

    Args:
        url: any URL ``urllib`` opens (``https://``, ``http://``, ``file://``).
        dest: final path; its directory is created if needed. An existing file is replaced.
        sha256: expected hex digest (case-insensitive).
        progress: show a tqdm progress bar on stderr.

    Returns:
        ``Path(dest)``.

    Raises:
        ChecksumError: the downloaded bytes have another digest; nothing is written.
        OSError, http.client.HTTPException: the download failed (``urllib.error.URLError``
            is an ``OSError``; a connection closed early raises ``IncompleteRead``); nothing
            is written. Any other exception, including ``KeyboardInterrupt``, also leaves
            nothing.
    """
    dest = Path(dest)
    # trainlab.atomic: a temporary file beside dest, renamed over it only if the block ends without
    # an error (a checksum mismatch raises inside it), created with the user's umask permissions.
    with atomic_open(dest) as out:
        digest = _stream(url, out, dest.name, progress)
        if digest != sha256.lower():
            raise ChecksumError(
                f"{url}: SHA-256 {digest} does not match the expected {sha256.lower()}; the "
                "download was corrupted or the file changed upstream, so it was discarded. "
                "Retry, or use another mirror"
            )
    return dest


def _stream(url: str, out, label: str, progress: bool) -> str:
    """Copy ``url`` into ``out`` in chunks and return the SHA-256 hex digest of the bytes."""
    hasher = hashlib.sha256()
    with urlopen(url, timeout=_TIMEOUT_SECONDS) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        with tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=label,
                  disable=not progress) as bar:
            while chunk := response.read(_CHUNK):
                hasher.update(chunk)
                out.write(chunk)
                bar.update(len(chunk))
    return hasher.hexdigest()


def fetch_dataset(name: str, directory: str | os.PathLike, *, progress: bool = True) -> Path:
    """Make ``directory`` hold the verified files of dataset ``name``, downloading as needed.

    A file already there with the right checksum is kept, so an interrupted run resumes with the
    files it has not finished. Each missing file is tried on every mirror in turn.

    Args:
        name: a key of :data:`SOURCES`.
        directory: where to put the files (created if needed).
        progress: show tqdm progress bars.

    Returns:
        ``Path(directory)``.

    Raises:
        KeyError: ``name`` has no download source.
        OSError: some file could not be fetched from any mirror; the message lists each
            mirror's error. Files fetched before the failure stay, verified.
    """
    source = SOURCES[name]
    directory = Path(directory)
    for file_name, sha256 in source.sha256.items():
        dest = directory / file_name
        if dest.is_file() and _file_sha256(dest) == sha256:
            continue
        errors = []
        for mirror in source.mirrors:
            try:
                fetch(mirror + file_name, dest, sha256, progress=progress)
                break
            # HTTPException: a server that closes mid-file raises IncompleteRead, not OSError.
            except (OSError, http.client.HTTPException, ChecksumError) as error:
                errors.append(f"{mirror + file_name}: {type(error).__name__}: {error}")
        else:
            raise OSError(f"could not download {file_name} from any mirror: " + "; ".join(errors))
    return directory


def _file_sha256(path: Path) -> str:
    hasher = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            hasher.update(chunk)
    return hasher.hexdigest()
