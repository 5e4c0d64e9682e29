"""The model file: one zip holding JSON and ``.npz`` members, written atomically, read safely.

Members: ``config.json`` (architecture, compile settings, training state), ``weights.npz``,
``optimizer.npz`` (slots + iterations), ``metadata.json`` (format and library version).
Arrays are read with ``allow_pickle=False``; nothing in the file is ever executed or unpickled,
and members are read into memory, never extracted to disk.
"""
from __future__ import annotations

import io
import json
import os
import re
import zipfile
import zlib
from pathlib import Path
from typing import Mapping

import numpy as np

from trainlab.atomic import atomic_open

FORMAT_NAME = "trainlab.model"
FORMAT_VERSION = 1
ALLOWED_MEMBERS = ("metadata.json", "config.json", "weights.npz", "optimizer.npz")


class ModelFileError(ValueError):
    """The file is not a valid trainlab model file; the message says what is wrong."""


def write_archive(path, json_members: Mapping[str, dict], array_members: Mapping[str, Mapping[str, np.ndarray]]) -> None:
    """Write members to ``path`` atomically (:func:`trainlab.atomic.atomic_open`): an
    interruption at any point, ``kill -9`` included, leaves the previous file at ``path`` intact."""
    with atomic_open(path) as raw:
        with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in json_members.items():
                archive.writestr(name, json.dumps(content, indent=1, sort_keys=True, allow_nan=True))
            for name, arrays in array_members.items():
                archive.writestr(name, npz_bytes(arrays))


def npz_bytes(arrays: Mapping[str, np.ndarray]) -> bytes:
    """An uncompressed ``.npz`` (the enclosing zip compresses it) of numeric arrays."""
    buffer = io.BytesIO()
    np.savez(buffer, **{key: np.asarray(value) for key, value in arrays.items()})
    return buffer.getvalue()


def read_archive(path) -> tuple[dict[str, dict], dict[str, dict[str, np.ndarray]]]:
    """Read and check a model file; returns (json members, array members).

    Raises:
        FileNotFoundError: nothing at ``path``.
        ModelFileError: anything else wrong, with what the file looks like or which member is
            refused: not a zip, truncated or damaged, encrypted, unexpected or duplicated members,
            member names pointing outside the archive, invalid JSON, ``.npz`` members holding
            pickles, object arrays or anything but numeric ``.npy`` arrays.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No model file at {str(path)!r}.")
    if path.is_dir():
        raise ModelFileError(f"{str(path)!r} is a folder (a TensorFlow SavedModel?), not a trainlab model file; "
                             f"trainlab model files are single .keras-style zip files written by model.save.")
    if not zipfile.is_zipfile(path):
        raise ModelFileError(f"{str(path)!r} is not a trainlab model file: {_describe(path)}.")
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            _check_member_names(names, _model_member, repr(str(path)), "a trainlab model file")
            if "metadata.json" not in names:
                raise ModelFileError(f"{str(path)!r} is a zip archive but not a trainlab model file (no metadata.json).")
            json_members = {n: _read_json(archive, n, path) for n in names if n.endswith(".json")}
            array_members = {n: _read_npz(archive, n, path) for n in names if n.endswith(".npz")}
    except (zipfile.BadZipFile, EOFError, zlib.error) as error:
        raise ModelFileError(f"{str(path)!r} is a damaged or truncated zip archive ({error}).") from None
    except (RuntimeError, NotImplementedError) as error:  # encrypted members, unknown compression
        raise ModelFileError(f"{str(path)!r} cannot be read as a trainlab model file ({error}).") from None
    metadata = json_members["metadata.json"]
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT_NAME:
        raise ModelFileError(f"{str(path)!r} is not a trainlab model file (metadata format is "
                             f"{metadata.get('format') if isinstance(metadata, dict) else metadata!r}).")
    version = metadata.get("format_version", 0)
    if not isinstance(version, int) or version < 1:
        raise ModelFileError(f"{str(path)!r} has an invalid format_version {version!r} in metadata.json.")
    if version > FORMAT_VERSION:
        raise ModelFileError(f"{str(path)!r} was written by a newer trainlab (format version {version}); upgrade "
                             f"trainlab to load it.")
    return json_members, array_members


def _check_member_names(names: list[str], allowed, where: str, what: str) -> None:
    """Refuse paths leaving the archive, duplicates (zip allows them) and unexpected members."""
    for name in names:
        if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name) or ".." in re.split(r"[/\\]", name):
            raise ModelFileError(f"{where} contains a member {name!r} whose path points outside the archive; "
                                 f"refusing to load it.")
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise ModelFileError(f"{where} holds the member(s) {', '.join(duplicated)} more than once, which "
                             f"{what} never does; refusing to load it.")
    unexpected = [name for name in names if not allowed(name)]
    if unexpected:
        raise ModelFileError(f"{where} contains an unexpected member {unexpected[0]!r}; {what} holds only "
                             f"{allowed.__doc__}. Refusing to load it.")


def _model_member(name: str) -> bool:
    """metadata.json, config.json, weights.npz and optimizer.npz"""
    return name in ALLOWED_MEMBERS


def _array_member(name: str) -> bool:
    """.npy arrays"""
    return name.endswith(".npy")


def _read_json(archive: zipfile.ZipFile, name: str, path: Path) -> dict:
    try:
        return json.loads(archive.read(name).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise ModelFileError(f"{str(path)!r}: member {name} is not valid JSON ({error}).") from None


def _read_npz(archive: zipfile.ZipFile, name: str, path: Path) -> dict[str, np.ndarray]:
    """Numeric arrays only: NumPy hands non-``.npy`` members of an ``.npz`` back as raw bytes,
    so every inner member is checked before loading, and every array's dtype after."""
    where = f"{str(path)!r}: member {name}"
    data = archive.read(name)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as inner:
            _check_member_names(inner.namelist(), _array_member, where, "an array archive")
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except ValueError as error:
        if "pickle" in str(error) or "Object arrays" in str(error):
            raise ModelFileError(
                f"{where} holds a pickled or object array, which trainlab never writes and never loads (loading it "
                f"could execute code). Refusing to load it."
            ) from None
        raise ModelFileError(f"{where} is not a valid .npz archive ({error}).") from None
    except (OSError, zipfile.BadZipFile, EOFError, zlib.error) as error:
        raise ModelFileError(f"{where} is not a valid .npz archive ({error}).") from None
    for key, array in arrays.items():
        if not isinstance(array, np.ndarray) or not (np.issubdtype(array.dtype, np.number)
                                                     or array.dtype == np.bool_):
            raise ModelFileError(f"{where}: array {key!r} has dtype {getattr(array, 'dtype', type(array))}; model "
                                 f"files hold only numeric arrays. Refusing to load it.")
    return arrays


def _describe(path: Path) -> str:
    """A few words on what a non-model file looks like, for the error message."""
    with open(path, "rb") as handle:
        head = handle.read(16)
    if not head:
        return "the file is empty"
    if head.startswith(b"\x89HDF"):
        return "it is an HDF5 file (a Keras .h5 model?); trainlab cannot read HDF5 models"
    if head.startswith(b"PK"):
        return "it starts like a zip archive but has no readable directory (truncated or damaged)"
    if head[:1] == b"\x80":
        return "it looks like a Python pickle (a PyTorch or joblib file?), which trainlab never loads"
    if head.startswith(b"\x93NUMPY"):
        return "it is a single NumPy .npy array"
    if head.lstrip()[:1] in (b"{", b"["):
        return "it looks like a JSON text file"
    return f"its first bytes are {head[:8]!r}"
