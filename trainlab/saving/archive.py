"""The model file: one zip holding JSON and ``.npz`` members, written atomically, read safely.

Members: ``config.json`` (architecture, compile settings, training state), ``weights.npz``,
``optimizer.npz`` (slots + iterations), ``callbacks.npz`` (arrays of callback states, e.g.
EarlyStopping's best weights; format version 2), ``metadata.json`` (format and library version).
Nothing in the file is ever executed or unpickled; members are read into memory, never extracted
to disk, and every size is checked against the caps of :mod:`trainlab.saving.limits` before
memory is reserved for it.
"""
from __future__ import annotations

import io
import json
import zipfile
import zlib
from pathlib import Path
from typing import Mapping

import numpy as np

from trainlab.atomic import atomic_open
from trainlab.saving.errors import ModelFileError
from trainlab.saving.limits import Budget, LoadLimits
from trainlab.saving.members import check_member_count, check_member_names, read_bounded
from trainlab.saving.npz import read_npz

FORMAT_NAME = "trainlab.model"
FORMAT_VERSION = 2
ALLOWED_MEMBERS = ("metadata.json", "config.json", "weights.npz", "optimizer.npz", "callbacks.npz")
# What goes wrong inside zipfile, zlib and struct on a damaged archive: a corrupted central
# directory can make zipfile seek to a negative offset (OSError: [Errno 22]).
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error, OSError, ValueError, OverflowError,
              NotImplementedError, RuntimeError)


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


def read_archive(path, limits: LoadLimits) -> tuple[dict[str, dict], dict[str, dict[str, np.ndarray]]]:
    """Read and check a model file; returns (json members, array members).

    Raises:
        FileNotFoundError: nothing at ``path``.
        PermissionError: the file cannot be opened.
        ModelFileError: anything else wrong, with what the file looks like or which member is
            refused: not a zip, truncated or damaged, encrypted, unexpected or duplicated members,
            member names pointing outside the archive, sizes over ``limits``, invalid JSON,
            ``.npz`` members holding pickles, object, complex or text arrays.
    """
    path = Path(path)
    where = repr(str(path))
    if not path.exists():
        raise FileNotFoundError(f"No model file at {where}.")
    if path.is_dir():
        raise ModelFileError(f"{where} is a folder (a TensorFlow SavedModel?), not a trainlab model file; "
                             f"trainlab model files are single .keras-style zip files written by model.save.")
    with open(path, "rb") as stream:
        if not zipfile.is_zipfile(stream):
            raise ModelFileError(f"{where} is not a trainlab model file: {_describe(path)}.")
        check_member_count(stream, len(ALLOWED_MEMBERS), where, "members", "a model file's fixed layout")
        try:
            return _read_members(stream, where, limits)
        except ModelFileError:
            raise
        except RecursionError:
            raise ModelFileError(f"{where}: a member nests too deeply to be read.") from None
        except ZIP_ERRORS as error:
            raise ModelFileError(f"{where} is a damaged or truncated zip archive ({type(error).__name__}: "
                                 f"{error}).") from None


def _read_members(stream, where: str, limits: LoadLimits):
    member_budget = Budget(limits.max_bytes, "max_bytes")
    array_budget = Budget(limits.max_bytes, "max_bytes")
    with zipfile.ZipFile(stream) as archive:
        infos = archive.infolist()
        check_member_names([info.filename for info in infos], _model_member, where, "a trainlab model file")
        names = [info.filename for info in infos]
        if "metadata.json" not in names:
            raise ModelFileError(f"{where} is a zip archive but not a trainlab model file (no metadata.json).")
        json_members, array_members = {}, {}
        # metadata.json first: a file of another format is named as such before anything else is read.
        for info in sorted(infos, key=lambda info: info.filename != "metadata.json"):
            member = f"{where}: member {info.filename}"
            if info.filename.endswith(".json"):
                json_budget = Budget(limits.max_json_bytes, "max_json_bytes")
                json_members[info.filename] = _parse_json(read_bounded(archive, info, json_budget, member), member)
                member_budget.take(info.file_size, member)
                if info.filename == "metadata.json":
                    check_metadata(json_members["metadata.json"], where)
            else:
                data = read_bounded(archive, info, member_budget, member)
                array_members[info.filename] = read_npz(data, member, array_budget, limits.max_arrays)
    return json_members, array_members


def _parse_json(data: bytearray, where: str):
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:  # JSONDecodeError is a ValueError
        raise ModelFileError(f"{where} is not valid JSON ({type(error).__name__}: {error}).") from None


def check_metadata(metadata, where: str) -> None:
    """The format name and a format version this trainlab reads."""
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT_NAME:
        found = metadata.get("format") if isinstance(metadata, dict) else metadata
        raise ModelFileError(f"{where} is not a trainlab model file (metadata format is {found!r}).")
    version = metadata.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ModelFileError(f"{where} has an invalid format_version {version!r} in metadata.json; trainlab writes "
                             f"a positive integer.")
    if version > FORMAT_VERSION:
        raise ModelFileError(f"{where} was written by a newer trainlab (format version {version}); upgrade "
                             f"trainlab to load it.")


def _model_member(name: str) -> bool:
    """metadata.json, config.json, weights.npz, optimizer.npz and callbacks.npz"""
    return name in ALLOWED_MEMBERS


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
