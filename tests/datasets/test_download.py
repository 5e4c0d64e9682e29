import hashlib
import http.client
import urllib.error
import urllib.request

import pytest

from trainlab.datasets import _download
from trainlab.datasets._download import ChecksumError, Source, fetch, fetch_dataset
from trainlab.datasets._locate import FILE_STEMS

PAYLOAD = bytes(range(256)) * 1000  # several chunks, so interruption can land midway
DIGEST = hashlib.sha256(PAYLOAD).hexdigest()


class FakeResponse:
    """What urlopen returns: a readable context manager with headers; can fail midway."""

    def __init__(self, data, fail_after=None, error=ConnectionResetError("connection reset")):
        self.data, self.position, self.fail_after, self.error = data, 0, fail_after, error
        self.headers = {"Content-Length": str(len(data))}

    def read(self, n):
        if self.fail_after is not None and self.position >= self.fail_after:
            raise self.error
        chunk = self.data[self.position:self.position + n]
        self.position += len(chunk)
        return chunk

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def serve(monkeypatch, routes, **response_options):
    """Make urlopen answer URLs in ``routes`` (url -> bytes); record the URLs asked for."""
    asked = []

    def opener(url, timeout=None):
        asked.append(url)
        if url not in routes:
            raise urllib.error.URLError(f"no route to {url}")
        return FakeResponse(routes[url], **response_options)

    monkeypatch.setattr(_download, "urlopen", opener)
    return asked


def test_checksum_match_writes_the_file_and_nothing_else(tmp_path, monkeypatch):
    serve(monkeypatch, {"https://x/f.gz": PAYLOAD})
    dest = tmp_path / "cache" / "f.gz"
    assert fetch("https://x/f.gz", dest, DIGEST.upper(), progress=False) == dest
    assert dest.read_bytes() == PAYLOAD
    assert [p.name for p in dest.parent.iterdir()] == ["f.gz"]


def test_checksum_mismatch_raises_and_leaves_no_file(tmp_path, monkeypatch):
    serve(monkeypatch, {"https://x/f.gz": PAYLOAD[:-1] + b"!"})
    with pytest.raises(ChecksumError, match=rf"https://x/f.gz: SHA-256 [0-9a-f]{{64}} does not match the expected {DIGEST}"):
        fetch("https://x/f.gz", tmp_path / "f.gz", DIGEST, progress=False)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("error", [ConnectionResetError("connection reset"), KeyboardInterrupt()])
def test_interruption_midway_leaves_no_file(tmp_path, monkeypatch, error):
    serve(monkeypatch, {"https://x/f.gz": PAYLOAD}, fail_after=len(PAYLOAD) // 2, error=error)
    with pytest.raises(type(error)):
        fetch("https://x/f.gz", tmp_path / "f.gz", DIGEST, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_failed_download_keeps_the_previous_file_intact(tmp_path, monkeypatch):
    dest = tmp_path / "f.gz"
    dest.write_bytes(b"previous")
    serve(monkeypatch, {"https://x/f.gz": PAYLOAD}, fail_after=1000)
    with pytest.raises(ConnectionResetError):
        fetch("https://x/f.gz", dest, DIGEST, progress=False)
    assert dest.read_bytes() == b"previous"
    assert list(tmp_path.iterdir()) == [dest]


def test_file_urls_work_with_the_real_opener(tmp_path, monkeypatch):
    monkeypatch.setattr(_download, "urlopen", urllib.request.urlopen)
    source = tmp_path / "upstream.gz"
    source.write_bytes(PAYLOAD)
    dest = fetch(source.as_uri(), tmp_path / "copy" / "f.gz", DIGEST, progress=False)
    assert dest.read_bytes() == PAYLOAD


def fake_source(monkeypatch, mirrors):
    files = {stem + ".gz": stem.encode() * 100 for stem in FILE_STEMS}
    monkeypatch.setitem(_download.SOURCES, "toy", Source(
        mirrors=mirrors,
        sha256={name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
    ))
    return files


def test_fetch_dataset_falls_back_to_the_next_mirror(tmp_path, monkeypatch):
    files = fake_source(monkeypatch, ("https://down/", "https://up/"))
    asked = serve(monkeypatch, {"https://up/" + name: data for name, data in files.items()})
    fetch_dataset("toy", tmp_path / "toy", progress=False)
    assert {p.name: p.read_bytes() for p in (tmp_path / "toy").iterdir()} == files
    assert asked[:2] == ["https://down/" + FILE_STEMS[0] + ".gz", "https://up/" + FILE_STEMS[0] + ".gz"]


def test_fetch_dataset_retries_a_mirror_that_closes_mid_file(tmp_path, monkeypatch):
    files = fake_source(monkeypatch, ("https://flaky/", "https://up/"))
    flaky = {"https://flaky/" + name: data for name, data in files.items()}
    good = {"https://up/" + name: data for name, data in files.items()}

    def opener(url, timeout=None):
        if url in flaky:
            return FakeResponse(flaky[url], fail_after=10, error=http.client.IncompleteRead(b"x"))
        return FakeResponse(good[url])

    monkeypatch.setattr(_download, "urlopen", opener)
    fetch_dataset("toy", tmp_path / "toy", progress=False)
    assert {p.name: p.read_bytes() for p in (tmp_path / "toy").iterdir()} == files


def test_fetch_dataset_keeps_verified_files_and_replaces_bad_ones(tmp_path, monkeypatch):
    files = fake_source(monkeypatch, ("https://up/",))
    directory = tmp_path / "toy"
    directory.mkdir()
    names = list(files)
    (directory / names[0]).write_bytes(files[names[0]])
    (directory / names[1]).write_bytes(b"stale")
    asked = serve(monkeypatch, {"https://up/" + name: data for name, data in files.items()})
    fetch_dataset("toy", directory, progress=False)
    assert asked == ["https://up/" + name for name in names[1:]]
    assert (directory / names[1]).read_bytes() == files[names[1]]


def test_fetch_dataset_reports_every_mirror_error(tmp_path, monkeypatch):
    fake_source(monkeypatch, ("https://a/", "https://b/"))
    with pytest.raises(OSError, match=r"could not download train-images-idx3-ubyte.gz from any mirror: https://a/.*URLError.*; https://b/"):
        fetch_dataset("toy", tmp_path, progress=False)


@pytest.mark.parametrize("name", ["fashion-mnist", "mnist"])
def test_official_table_pins_every_file(name):
    source = _download.SOURCES[name]
    assert sorted(source.sha256) == sorted(stem + ".gz" for stem in FILE_STEMS)
    assert all(len(d) == 64 and int(d, 16) >= 0 for d in source.sha256.values())
    assert len(set(source.sha256.values())) == 4
    assert source.mirrors and all(m.startswith(("https://", "http://")) and m.endswith("/") for m in source.mirrors)
