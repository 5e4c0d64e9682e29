import gzip
import os
import re
import tempfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from trainlab.datasets import read_idx, write_idx

DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4), (1, 1, 1, 7)])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_round_trip(tmp_path, dtype, shape, suffix):
    array = (np.arange(np.prod(shape)) - 3).astype(dtype).reshape(shape)
    path = tmp_path / f"a.idx{suffix}"
    write_idx(path, array)
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype) and back.dtype.isnative
    assert back.shape == shape
    np.testing.assert_array_equal(back, array)
    assert back.flags.writeable


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(
    dtype=st.sampled_from([np.dtype(d) for d in DTYPES]),
    shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5),
))
def test_round_trip_any_array_through_a_file_object(array):
    # hypothesis forbids function-scoped fixtures such as tmp_path inside @given.
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "x.idx")
        write_idx(path, array)
        with open(path, "rb") as stream:
            np.testing.assert_array_equal(read_idx(stream), array)


def test_layout_is_the_big_endian_idx_format(tmp_path):
    path = tmp_path / "a.idx"
    write_idx(path, np.array([[1, 258]], dtype=np.int32))
    assert path.read_bytes() == (
        b"\x00\x00\x0c\x02" + b"\x00\x00\x00\x01\x00\x00\x00\x02"
        + b"\x00\x00\x00\x01" + b"\x00\x00\x01\x02"
    )


def test_gzip_is_detected_by_content_not_name(tmp_path):
    path = tmp_path / "no-extension"
    path.write_bytes(gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x02\x07\x09"))
    np.testing.assert_array_equal(read_idx(path), [7, 9])


def header(type_code=0x08, dims=(3, 4)):
    return bytes([0, 0, type_code, len(dims)]) + np.asarray(dims, ">u4").tobytes()


@pytest.mark.parametrize("magic", [b"\x01\x00\x08\x01", b"\x00\x00\x07\x01", b"\x00\x00\x08\x00", b"\x00\x00"])
def test_wrong_magic_is_rejected_with_the_file_name(tmp_path, magic):
    path = tmp_path / "bad.idx"
    path.write_bytes(magic + b"\x00\x00\x00\x01\x05")
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}: not an IDX file: magic number"):
        read_idx(path)


def test_truncated_header(tmp_path):
    path = tmp_path / "short-header.idx"
    path.write_bytes(b"\x00\x00\x08\x03\x00\x00\x00\x02")
    with pytest.raises(ValueError, match="header truncated: 3 dimensions need 12 bytes.*got 4"):
        read_idx(path)


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_truncated_payload_names_file_expected_and_actual(tmp_path, suffix):
    path = tmp_path / f"short.idx{suffix}"
    data = header(dims=(3, 4)) + bytes(11)
    path.write_bytes(gzip.compress(data) if suffix else data)
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}: .*need exactly 12 bytes, the file holds 11; the file is truncated"):
        read_idx(path)


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_extra_bytes_are_rejected(tmp_path, suffix):
    path = tmp_path / f"long.idx{suffix}"
    data = header(type_code=0x0B, dims=(3,)) + bytes(6 + 5)
    path.write_bytes(gzip.compress(data) if suffix else data)
    with pytest.raises(ValueError, match=r"need exactly 6 bytes, the file holds 11; the file is over-long"):
        read_idx(path)


def test_corrupt_gzip_names_the_file(tmp_path):
    packed = bytearray(gzip.compress(header(dims=(100,)) + bytes(range(100))))
    packed[12:20] = b"\xff" * 8
    path = tmp_path / "corrupt.gz"
    path.write_bytes(bytes(packed))
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}: corrupt gzip data"):
        read_idx(path)


def test_truncated_gzip_is_reported_as_corrupt(tmp_path):
    packed = gzip.compress(header(dims=(1000,)) + bytes(1000))
    path = tmp_path / "cut.gz"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(ValueError, match=r"cut\.gz: corrupt gzip data \(EOFError"):
        read_idx(path)


def test_absurd_dims_are_reported_not_allocated(tmp_path):
    path = tmp_path / "huge.idx"
    path.write_bytes(header(dims=(2**32 - 1,) * 4))
    with pytest.raises(ValueError, match="cannot be allocated; the header is probably corrupt"):
        read_idx(path)


@pytest.mark.parametrize("array, message", [
    (np.zeros(3, dtype=np.int64), "cannot store dtype int64"),
    (np.zeros(3, dtype=bool), "cannot store dtype bool"),
    (np.uint8(3), r"1 to 255 dimensions; got an array of shape \(\)"),
])
def test_write_rejects_what_idx_cannot_hold(tmp_path, array, message):
    with pytest.raises(ValueError, match=message):
        write_idx(tmp_path / "x.idx", array)
