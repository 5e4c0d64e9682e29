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
import tempfile
import zipfile
from pathlib import Path
from typing import Mapping

import numpy as np

FORMAT_NAME = "trainlab.model"
FORMAT_VERSION = 1
ALLOWED_MEMBERS = ("metadata.json", "config.json", "weights.npz", "optimizer.npz")


class ModelFileError(ValueError):
    """The file is not a valid trainlab model file; the message says what is wrong."""


def write_archive(path, json_members: Mapping[str, dict], array_members: Mapping[str, Mapping[str, np.ndarray]]) -> None:
    """Write members to ``path`` atomically: a temporary file in the same folder, then a rename.

    An interruption at any point leaves the previous file at ``path`` intact.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in json_members.items():
                archive.writestr(name, json.dumps(content, indent=1, sort_keys=True))
            for name, arrays in array_members.items():
                buffer = io.BytesIO()
                np.savez(buffer, **{key: np.asarray(value) for key, value in arrays.items()})
                archive.writestr(name, buffer.getvalue())
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def read_archive(path) -> tuple[dict[str, dict], dict[str, dict[str, np.ndarray]]]:
    """Read and check a model file; returns (json members, array members)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No model file at {str(path)!r}.")
    if not zipfile.is_zipfile(path):
        raise ModelFileError(f"{str(path)!r} is not a trainlab model file: {_describe(path)}.")
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            for name in names:
                if name not in ALLOWED_MEMBERS:
                    raise ModelFileError(
                        f"{str(path)!r} contains an unexpected member {name!r}; a trainlab model file holds only "
                        f"{', '.join(ALLOWED_MEMBERS)}. Refusing to load it."
                    )
            if "metadata.json" not in names:
                raise ModelFileError(f"{str(path)!r} is a zip archive but not a trainlab model file (no metadata.json).")
            json_members = {n: _read_json(archive, n, path) for n in names if n.endswith(".json")}
            array_members = {n: _read_npz(archive, n, path) for n in names if n.endswith(".npz")}
    except zipfile.BadZipFile as error:
        raise ModelFileError(f"{str(path)!r} is a damaged or truncated zip archive ({error}).") from None
    metadata = json_members["metadata.json"]
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT_NAME:
        raise ModelFileError(f"{str(path)!r} is not a trainlab model file (metadata format is "
                             f"{metadata.get('format') if isinstance(metadata, dict) else metadata!r}).")
    if metadata.get("format_version", 0) > FORMAT_VERSION:
        raise ModelFileError(f"{str(path)!r} was written by a newer trainlab (format version "
                             f"{metadata['format_version']}); upgrade trainlab to load it.")
    return json_members, array_members


def _read_json(archive: zipfile.ZipFile, name: str, path: Path) -> dict:
    try:
        return json.loads(archive.read(name).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFileError(f"{str(path)!r}: member {name} is not valid JSON ({error}).") from None


def _read_npz(archive: zipfile.ZipFile, name: str, path: Path) -> dict[str, np.ndarray]:
    data = archive.read(name)
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            return {key: npz[key] for key in npz.files}
    except ValueError as error:
        if "pickle" in str(error) or "Object arrays" in str(error):
            raise ModelFileError(
                f"{str(path)!r}: member {name} holds a pickled or object array, which trainlab never writes and "
                f"never loads (loading it could execute code). Refusing to load it."
            ) from None
        raise ModelFileError(f"{str(path)!r}: member {name} is not a valid .npz archive ({error}).") from None
    except (OSError, zipfile.BadZipFile, EOFError) as error:
        raise ModelFileError(f"{str(path)!r}: member {name} is not a valid .npz archive ({error}).") from None


def _describe(path: Path) -> str:
    """A few words on what a non-model file looks like, for the error message."""
    with open(path, "rb") as handle:
        head = handle.read(8)
    if not head:
        return "the file is empty"
    if head.startswith(b"\x89HDF"):
        return "it is an HDF5 file (a Keras .h5 model?); trainlab cannot read HDF5 models"
    if head[:1] == b"\x80":
        return "it looks like a Python pickle, which trainlab never loads"
    if head.startswith(b"\x93NUMPY"):
        return "it is a single NumPy .npy array"
    if head.lstrip()[:1] in (b"{", b"["):
        return "it looks like a JSON text file"
    return f"its first bytes are {head!r}"
