"""CIFAR-10 from its binary distribution, on small synthetic files in the real format.

Records are written here from the format's description (label byte, then the red, green and blue
32x32 planes, row-major), independently of the reader, and a real ``.tar.gz`` is built with
:mod:`tarfile` the way the official archive is laid out.
"""
from __future__ import annotations

import hashlib
import io
import pickle
import tarfile

import numpy as np
import pytest

from trainlab import datasets
from trainlab.datasets import DatasetNotFoundError, _download, _locate, cifar10

FILES = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]


def images_and_labels(count: int, seed: int):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (count, 32, 32, 3), dtype=np.uint8), rng.integers(0, 10, count, dtype=np.uint8)


def encode(images, labels) -> bytes:
    """The binary format, written from its description: per record, label then R, G, B planes."""
    out = bytearray()
    for image, label in zip(images, labels):
        out.append(int(label))
        for channel in range(3):
            for row in range(32):
                out += bytes(int(v) for v in image[row, :, channel])
    return bytes(out)


def synthetic_batches(counts=(3, 2, 2, 1, 2, 4), seed=0):
    """{file: (images, labels)}: every batch its own size, to check any whole number is read."""
    return {name: images_and_labels(count, seed + i) for i, (name, count) in enumerate(zip(FILES, counts))}


def write_folder(directory, batches):
    folder = directory / "cifar-10-batches-bin"
    folder.mkdir(parents=True)
    for name, (images, labels) in batches.items():
        (folder / name).write_bytes(encode(images, labels))
    return folder


def write_archive(path, batches=None, *, raw=None, extra_members=()):
    """A real ``cifar-10-binary.tar.gz``: ``raw`` maps member names to bytes, overriding ``batches``."""
    members = {f"cifar-10-batches-bin/{name}": encode(*pair) for name, pair in (batches or {}).items()}
    members.update(raw or {})
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as archive:
        for name, data in [("cifar-10-batches-bin/batches.meta.txt", b"airplane\n"), *members.items(),
                           *extra_members]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def expected(batches):
    x_train = np.concatenate([batches[name][0] for name in FILES[:5]])
    y_train = np.concatenate([batches[name][1] for name in FILES[:5]])
    return x_train, y_train.reshape(-1, 1), batches[FILES[5]][0], batches[FILES[5]][1].reshape(-1, 1)


def assert_loaded(batches, loaded):
    (x_train, y_train), (x_test, y_test) = loaded
    for got, want in zip((x_train, y_train, x_test, y_test), expected(batches)):
        assert got.dtype == np.uint8 and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


def test_pixel_layout_is_channels_last_from_rgb_planes(tmp_path, monkeypatch):
    """One hand-made record: red = row index, green = column index, blue = constant 7."""
    rows, cols = np.meshgrid(np.arange(32), np.arange(32), indexing="ij")
    record = bytes([3]) + bytes(rows.ravel().tolist()) + bytes(cols.ravel().tolist()) + bytes([7] * 1024)
    folder = tmp_path / "data" / "cifar-10-batches-bin"
    folder.mkdir(parents=True)
    for name in FILES:
        (folder / name).write_bytes(record)
    monkeypatch.setenv(_locate.ENV_VAR, str(tmp_path / "data"))
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    assert x_train.shape == (5, 32, 32, 3) and y_train.shape == (5, 1) and x_test.shape == (1, 32, 32, 3)
    assert x_train[0, 5, 9].tolist() == [5, 9, 7] and x_train[0, 31, 0].tolist() == [31, 0, 7]
    assert y_train.ravel().tolist() == [3] * 5 and y_test.tolist() == [[3]]
    assert x_train.flags.c_contiguous


def test_folder_in_trainlab_data(tmp_path, monkeypatch):
    batches = synthetic_batches()
    write_folder(tmp_path / "data", batches)
    monkeypatch.setenv(_locate.ENV_VAR, str(tmp_path / "data"))
    assert_loaded(batches, cifar10.load_data())
    assert_loaded(batches, datasets.load("CIFAR-10"))


def test_real_tar_gz_in_the_cache_is_read_without_extracting(tmp_path):
    batches = synthetic_batches(seed=10)
    cache = _locate.cache_dir("cifar10")
    write_archive(cache / "cifar-10-binary.tar.gz", batches)
    assert_loaded(batches, cifar10.load_data())
    assert sorted(p.name for p in cache.iterdir()) == ["cifar-10-binary.tar.gz"]


def test_search_order_env_subfolder_env_then_cache(tmp_path, monkeypatch):
    first, second, third = synthetic_batches(seed=1), synthetic_batches(seed=2), synthetic_batches(seed=3)
    write_archive(tmp_path / "data" / "cifar10" / "cifar-10-binary.tar.gz", first)
    write_folder(tmp_path / "data", second)
    write_folder(_locate.cache_dir("cifar10"), third)
    monkeypatch.setenv(_locate.ENV_VAR, str(tmp_path / "data"))
    assert_loaded(first, cifar10.load_data())
    (tmp_path / "data" / "cifar10" / "cifar-10-binary.tar.gz").unlink()
    assert_loaded(second, cifar10.load_data())
    monkeypatch.delenv(_locate.ENV_VAR)
    assert_loaded(third, cifar10.load_data())


def test_partial_folder_yields_to_the_archive_beside_it(tmp_path, monkeypatch):
    batches = synthetic_batches(seed=4)
    folder = write_folder(tmp_path / "data", synthetic_batches(seed=5))
    (folder / "test_batch.bin").unlink()
    write_archive(tmp_path / "data" / "cifar-10-binary.tar.gz", batches)
    monkeypatch.setenv(_locate.ENV_VAR, str(tmp_path / "data"))
    assert_loaded(batches, cifar10.load_data())


def test_download_is_checksummed_and_lands_in_the_cache(tmp_path, monkeypatch):
    batches = synthetic_batches(seed=6)
    archive = write_archive(tmp_path / "served" / "cifar-10-binary.tar.gz", batches).read_bytes()
    monkeypatch.setitem(_download.SOURCES, "cifar10", _download.Source(
        mirrors=("https://example.invalid/",),
        sha256={"cifar-10-binary.tar.gz": hashlib.sha256(archive).hexdigest()}))
    served = []

    class Response(io.BytesIO):
        headers = {"Content-Length": str(len(archive))}

    def urlopen(url, timeout=None):
        served.append(url)
        return Response(archive)

    monkeypatch.setattr(_download, "urlopen", urlopen)
    assert_loaded(batches, cifar10.load_data())
    assert served == ["https://example.invalid/cifar-10-binary.tar.gz"]
    assert (_locate.cache_dir("cifar10") / "cifar-10-binary.tar.gz").read_bytes() == archive
    assert_loaded(batches, cifar10.load_data())
    assert len(served) == 1, "the second load must use the cached archive"


def test_the_pinned_source_is_the_official_binary_archive():
    source = _download.SOURCES["cifar10"]
    assert source.mirrors == ("https://www.cs.toronto.edu/~kriz/",)
    assert source.sha256 == {"cifar-10-binary.tar.gz":
                             "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd"}


def test_offline_error_names_every_place_and_fix(tmp_path, monkeypatch):
    folder = write_folder(tmp_path / "data", synthetic_batches())
    (folder / "data_batch_3.bin").unlink()
    monkeypatch.setenv(_locate.ENV_VAR, str(tmp_path / "data"))
    with pytest.raises(DatasetNotFoundError) as info:
        cifar10.load_data()
    message = str(info.value)
    for part in [f"1. $TRAINLAB_DATA/cifar10 {tmp_path / 'data' / 'cifar10'}: no such directory",
                 f"2. $TRAINLAB_DATA {tmp_path / 'data'}: cifar-10-batches-bin/ lacks data_batch_3.bin and no "
                 "cifar-10-binary.tar.gz",
                 f"3. user cache {_locate.cache_dir('cifar10')}: no such directory",
                 f"4. download into {_locate.cache_dir('cifar10')}: failed:", "network disabled in tests",
                 "cifar-10-binary.tar.gz in a directory DIR/cifar10/ or DIR/ and set $TRAINLAB_DATA=DIR",
                 "--data digits"]:
        assert part in message, f"{part!r} missing from:\n{message}"
    assert list(_locate.cache_dir("cifar10").glob("*")) == [], "a failed download must leave nothing behind"


class Detonator:
    """Unpickling this would call ``exec``: the loader must never get that far."""

    def __reduce__(self):
        return exec, ("raise SystemExit('a pickle was executed')",)


def test_the_pickled_version_is_never_opened_and_the_error_says_why(tmp_path, monkeypatch):
    folder = tmp_path / "data" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    for name in ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch"]:
        (folder / name).write_bytes(pickle.dumps(Detonator()))
    monkeypatch.setenv(_locate.ENV_VAR, str(tmp_path / "data"))
    with pytest.raises(DatasetNotFoundError, match="found cifar-10-batches-py: the pickled version, which trainlab "
                                                   "never reads because unpickling can run code"):
        cifar10.load_data()


@pytest.mark.parametrize("damage,message", [
    (lambda data: data[:-1], "30729 bytes is not a whole number of 3073-byte CIFAR-10 records (9 records and "
                             "3072 bytes over)"),
    (lambda data: b"", "0 bytes is not a whole number"),
    (lambda data: bytes([10]) + data[1:], "record 0 has label 10, but CIFAR-10 labels are 0..9"),
    (lambda data: data + b"trailing", "the file is truncated or is not a CIFAR-10 binary batch"),
])
def test_malformed_batch_in_a_folder_is_refused_with_its_name(tmp_path, monkeypatch, damage, message):
    batches = synthetic_batches(counts=(10, 10, 10, 10, 10, 10))
    folder = write_folder(tmp_path / "data", batches)
    path = folder / "data_batch_2.bin"
    path.write_bytes(damage(path.read_bytes()))
    monkeypatch.setenv(_locate.ENV_VAR, str(tmp_path / "data"))
    with pytest.raises(ValueError, match="replace it with the file from cifar-10-binary.tar.gz") as info:
        cifar10.load_data()
    assert str(path) in str(info.value) and message in str(info.value)


def test_a_file_past_the_size_cap_is_refused_before_it_is_read(tmp_path, monkeypatch):
    folder = write_folder(tmp_path / "data", synthetic_batches())
    with open(folder / "test_batch.bin", "wb") as handle:  # sparse: no memory or disk spent
        handle.truncate(3073 * 50_001)
    monkeypatch.setattr(type(folder), "read_bytes", lambda self: pytest.fail(f"read {self}"))
    monkeypatch.setenv(_locate.ENV_VAR, str(tmp_path / "data"))
    with pytest.raises(ValueError, match="test_batch.bin: 50001 records, more than the 50000"):
        cifar10.load_data()


@pytest.mark.parametrize("build,message", [
    (lambda path: path.write_bytes(b"not gzip at all"), "not a readable .tar.gz"),
    (lambda path: path.write_bytes(write_archive(path, synthetic_batches()).read_bytes()[:2000]),
     "not a readable .tar.gz"),
    (lambda path: write_archive(path, {n: b for n, b in synthetic_batches().items() if n != "test_batch.bin"}),
     "the archive lacks cifar-10-batches-bin/test_batch.bin"),
    (lambda path: write_archive(path, synthetic_batches(),
                                raw={"cifar-10-batches-bin/data_batch_4.bin": b"\x01" * 3074}),
     "member cifar-10-batches-bin/data_batch_4.bin: 3074 bytes is not a whole number"),
])
def test_malformed_archive_is_refused_with_the_fix(tmp_path, monkeypatch, build, message):
    path = _locate.cache_dir("cifar10") / "cifar-10-binary.tar.gz"
    path.parent.mkdir(parents=True)
    build(path)
    with pytest.raises(ValueError) as info:
        cifar10.load_data()
    assert message in str(info.value) and str(path) in str(info.value)


def test_a_link_member_is_refused(tmp_path):
    path = _locate.cache_dir("cifar10") / "cifar-10-binary.tar.gz"
    path.parent.mkdir(parents=True)
    batches = {n: b for n, b in synthetic_batches().items() if n != "test_batch.bin"}
    write_archive(path, batches)
    with tarfile.open(path, "w:gz") as archive:  # rewrite with test_batch.bin as a symlink to /etc/passwd
        for name, pair in batches.items():
            data = encode(*pair)
            info = tarfile.TarInfo(f"cifar-10-batches-bin/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("cifar-10-batches-bin/test_batch.bin")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        archive.addfile(link)
    with pytest.raises(ValueError, match="test_batch.bin is a link or a special file, not a regular file"):
        cifar10.load_data()


def test_class_names_follow_the_label_order():
    assert cifar10.CLASS_NAMES[0] == "airplane" and cifar10.CLASS_NAMES[9] == "truck"
    assert len(set(cifar10.CLASS_NAMES)) == 10
