"""Strict reader and writer for the IDX format of MNIST-style datasets.

An IDX file is a 4-byte magic number ``0x00 0x00 <type> <ndim>``, then ``ndim`` big-endian
uint32 dimension sizes, then ``prod(dims)`` items of the given type, big-endian, in C order.
The files are usually gzipped; :func:`read_idx` recognizes gzip by its own magic bytes
(``0x1f 0x8b``) rather than by the file name, so a renamed file still reads.

The reader is strict on purpose: a truncated download or a file with trailing garbage is reported
with the expected and the actual payload size instead of silently yielding fewer or shifted
samples.

Reference: Y. LeCun, C. Cortes, C. J. C. Burges, "The MNIST database", file format section.
"""
from __future__ import annotations

import gzip
import io
import math
import os
import zlib
from typing import BinaryIO

import numpy as np

# IDX type code -> big-endian dtype of the stored items.
IDX_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_TYPE_CODES = {dtype.newbyteorder("="): code for code, dtype in IDX_TYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20


def read_idx(source: str | os.PathLike | BinaryIO) -> np.ndarray:
    """Read one IDX file (raw or gzipped) into a native-byte-order array.

    Args:
        source: a path, or a binary file object positioned at the start of the file.

    Returns:
        A writable array whose shape is the header's dims and whose dtype is the header's type
        in native byte order (``uint8`` for MNIST and Fashion-MNIST).

    Raises:
        ValueError: the magic number, the type code or the header is invalid; the payload is
            shorter or longer than ``prod(dims)`` items; or the gzip stream is corrupt. The
            message names the file.
        OSError: the file cannot be opened.
    """
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as stream:
            return _read_stream(stream, os.fspath(source))
    return _read_stream(source, str(getattr(source, "name", repr(source))))


def _read_stream(stream: BinaryIO, name: str) -> np.ndarray:
    head = stream.read(2)
    stream = _Rewound(head, stream)
    if head == _GZIP_MAGIC:
        stream = gzip.GzipFile(fileobj=stream, mode="rb")
    try:
        return _parse(stream, name)
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise ValueError(
            f"{name}: corrupt gzip data ({type(error).__name__}: {error}); the file is damaged or "
            "was only partly downloaded: delete it and download it again"
        ) from error


def _parse(stream: BinaryIO, name: str) -> np.ndarray:
    magic = _read_exactly(stream, 4)
    if len(magic) < 4 or magic[:2] != b"\x00\x00" or magic[2] not in IDX_TYPES or not magic[3]:
        known = ", ".join(f"0x{code:02x}" for code in IDX_TYPES)
        raise ValueError(
            f"{name}: not an IDX file: magic number {magic.hex(' ')!r}, expected "
            f"'00 00 <type> <ndim>' with type one of {known} and ndim at least 1"
        )
    dtype, ndim = IDX_TYPES[magic[2]], magic[3]
    header = _read_exactly(stream, 4 * ndim)
    if len(header) < 4 * ndim:
        raise ValueError(
            f"{name}: IDX header truncated: {ndim} dimensions need {4 * ndim} bytes after the "
            f"magic number, got {len(header)}"
        )
    dims = tuple(int(d) for d in np.frombuffer(header, dtype=">u4"))
    expected = math.prod(dims) * dtype.itemsize
    try:
        out = np.empty(dims, dtype=dtype)
    except (MemoryError, ValueError) as error:
        raise ValueError(
            f"{name}: IDX header dims {dims} declare {expected} bytes of {dtype.name}, which "
            "cannot be allocated; the header is probably corrupt"
        ) from error
    got = _read_into(stream, memoryview(out.reshape(-1).view(np.uint8)))
    extra = _count_remaining(stream) if got == expected else 0
    if got != expected or extra:
        raise ValueError(
            f"{name}: IDX payload has the wrong length: header dims {dims} of {dtype.name} need "
            f"exactly {expected} bytes, the file holds {got + extra}; the file is "
            f"{'truncated' if got < expected else 'over-long'}: delete it and download it again"
        )
    # Native byte order so downstream arithmetic never pays for swapping; free for uint8.
    return out.astype(dtype.newbyteorder("="), copy=False)


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write ``array`` as an IDX file; gzipped when ``path`` ends in ``.gz``.

    Args:
        path: destination file; an existing file is overwritten.
        array: 1 to 255 dimensions, each below 2**32, of dtype uint8, int8, int16, int32,
            float32 or float64 (the types IDX can hold).

    Raises:
        ValueError: the dtype, the number of dimensions or a dimension size cannot be stored.
    """
    array = np.asarray(array)
    code = _TYPE_CODES.get(array.dtype.newbyteorder("="))
    if code is None:
        valid = ", ".join(dtype.newbyteorder("=").name for dtype in IDX_TYPES.values())
        raise ValueError(f"IDX cannot store dtype {array.dtype}; convert the array to one of {valid}")
    if not 1 <= array.ndim <= 255:
        raise ValueError(f"IDX stores 1 to 255 dimensions; got an array of shape {array.shape}")
    if any(d >= 2**32 for d in array.shape):
        raise ValueError(f"IDX dimension sizes must be below 2**32; got shape {array.shape}")
    payload = bytes([0, 0, code, array.ndim])
    payload += np.asarray(array.shape, dtype=">u4").tobytes()
    payload += np.ascontiguousarray(array, dtype=IDX_TYPES[code]).tobytes()
    if os.fspath(path).endswith(".gz"):
        # mtime=0 makes the bytes depend only on the array, so test fixtures are reproducible.
        payload = gzip.compress(payload, mtime=0)
    with open(path, "wb") as stream:
        stream.write(payload)


class _Rewound(io.RawIOBase):
    """A read-only stream that replays already-read ``head`` bytes before ``rest``."""

    def __init__(self, head: bytes, rest: BinaryIO):
        self._head, self._rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _read_exactly(stream: BinaryIO, n: int) -> bytes:
    buffer = bytearray(n)
    got = _read_into(stream, memoryview(buffer))
    return bytes(buffer[:got])


def _read_into(stream: BinaryIO, view: memoryview) -> int:
    # A single read may return fewer bytes than asked before the end of the stream.
    got = 0
    while got < len(view):
        n = stream.readinto(view[got:])
        if not n:
            break
        got += n
    return got


def _count_remaining(stream: BinaryIO) -> int:
    total = 0
    while chunk := stream.read(_CHUNK):
        total += len(chunk)
    return total
