"""Reading the ``.npz`` members of a model file: numeric arrays only, sized before allocated.

``np.load`` would allocate whatever an ``.npy`` header declares before reading a byte of data
(a 64-byte member declaring shape (10⁵, 10⁵) asks for 74.5 GiB). Here each header is parsed
first — NumPy's own header parser, which reads a Python literal without evaluating anything —
and the array is allocated only if it is a plain numeric array whose size fits the cap and
equals the data the member actually holds; the data is then read into it in bounded chunks.
"""
from __future__ import annotations

import io
import zipfile

import numpy as np
from numpy.lib import format as npy_format

from trainlab.saving.errors import ModelFileError
from trainlab.saving.limits import Budget
from trainlab.saving.members import check_member_names, check_member_count, read_bounded

CHUNK = 1 << 20
# b = bool, i/u = integers, f = floats: what model files hold. Complex ('c') is refused by name.
NUMERIC_KINDS = "biuf"
HEADER_READERS = {(1, 0): npy_format.read_array_header_1_0, (2, 0): npy_format.read_array_header_2_0}


def _array_member(name: str) -> bool:
    """.npy arrays"""
    return name.endswith(".npy")


def read_npz(data: bytes, where: str, budget: Budget, max_arrays: int) -> dict[str, np.ndarray]:
    """The arrays of the ``.npz`` archive ``data`` (member ``where`` of the model file).

    Raises:
        ModelFileError: a damaged archive, a member that is not a ``.npy`` array, more than
            ``max_arrays`` arrays, a pickled, object, complex, structured or text array, a header
            whose size disagrees with the data, or arrays beyond ``budget``.
    """
    stream = io.BytesIO(data)
    check_member_count(stream, max_arrays, where, "arrays", "max_arrays")
    try:
        with zipfile.ZipFile(stream) as inner:
            infos = inner.infolist()
            check_member_names([info.filename for info in infos], _array_member, where, "an array archive")
            arrays = {}
            for info in infos:
                key = info.filename[:-len(".npy")]
                arrays[key] = _read_npy(inner, info, f"{where}: array {key!r}", budget)
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, NotImplementedError,
            RuntimeError, OverflowError) as error:
        raise ModelFileError(f"{where} is not a valid .npz archive ({type(error).__name__}: {error}).") from None
    return arrays


def _read_npy(inner: zipfile.ZipFile, info: zipfile.ZipInfo, where: str, budget: Budget) -> np.ndarray:
    with inner.open(info) as stream:
        shape, fortran_order, dtype = _read_header(stream, where)
        data_bytes = info.file_size - stream.tell()
        count = 1
        for size in shape:
            count *= size  # Python integers: no overflow, whatever the header says
        nbytes = count * dtype.itemsize
        if nbytes != data_bytes:
            raise ModelFileError(f"{where}: its header declares shape {shape} of {dtype} ({nbytes:,} bytes) but the "
                                 f"member holds {data_bytes:,} bytes of data. The file is damaged or forged.")
        budget.take(nbytes, where)
        array = np.empty(count, dtype=dtype)
        view = memoryview(array.view(np.uint8).reshape(-1)) if nbytes else memoryview(b"")
        position = 0
        while position < nbytes:
            got = stream.readinto(view[position:position + CHUNK])
            if not got:
                raise ModelFileError(f"{where}: the data ends after {position:,} of {nbytes:,} bytes.")
            position += got  # the read reaching the member's end also checks its CRC
    array = array.reshape(shape[::-1]).T if fortran_order else array.reshape(shape)
    return array if dtype.isnative else array.astype(dtype.newbyteorder("="))


def _read_header(stream, where: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    """Shape, order and dtype from an ``.npy`` header, refusing anything but numeric arrays."""
    try:
        version = npy_format.read_magic(stream)
        reader = HEADER_READERS.get(version)
        if reader is None:
            raise ModelFileError(f"{where} is a .npy version {version[0]}.{version[1]} array; model files hold "
                                 f"versions 1.0 and 2.0 only (plain numeric arrays).")
        shape, fortran_order, dtype = reader(stream)
    except ModelFileError:
        raise
    except Exception as error:  # noqa: BLE001 - whatever NumPy's parser raises (ValueError, SyntaxError,
        # tokenize.TokenError, RecursionError…), the header is not one np.save writes
        raise ModelFileError(f"{where} does not start with a valid .npy header ({type(error).__name__}: "
                             f"{error}).") from None
    if dtype.hasobject:
        raise ModelFileError(f"{where} is a pickled or object array, which trainlab never writes and never loads "
                             f"(loading it could execute code). Refusing to load it.")
    if dtype.kind == "c":
        raise ModelFileError(f"{where} holds complex numbers ({dtype}); model weights and optimizer state are real. "
                             f"Save the real part (np.real) if that is what the model should hold.")
    if dtype.kind not in NUMERIC_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise ModelFileError(f"{where} has dtype {dtype}; model files hold only numeric arrays. Refusing to load it.")
    if any(size < 0 for size in shape):
        raise ModelFileError(f"{where}: its header declares the negative shape {shape}.")
    return shape, fortran_order, dtype
