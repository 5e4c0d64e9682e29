"""trainlab.atomic: whole files or nothing, the permissions of a plain write, no orphans."""
import fcntl
import os
import stat

import pytest

from trainlab.atomic import TEMPORARY_SUFFIX, atomic_open, atomic_write, remove_orphans


@pytest.fixture
def umask():
    """Set the process umask for one test."""
    previous = os.umask(0o022)
    os.umask(previous)
    yield os.umask
    os.umask(previous)


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def temporaries(folder):
    return [name for name in os.listdir(folder) if name.endswith(TEMPORARY_SUFFIX)]


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_the_mode_a_plain_write_gives(tmp_path, umask, mask, expected):
    umask(mask)
    atomic_write(tmp_path / "new.txt", "x")
    with open(tmp_path / "plain.txt", "w") as handle:
        handle.write("x")
    assert mode_of(tmp_path / "new.txt") == mode_of(tmp_path / "plain.txt") == expected


def test_an_existing_file_keeps_its_mode(tmp_path, umask):
    umask(0o022)
    path = tmp_path / "kept.txt"
    path.write_text("old")
    path.chmod(0o640)
    atomic_write(path, "new")
    assert path.read_text() == "new" and mode_of(path) == 0o640


def test_text_and_bytes(tmp_path):
    atomic_write(tmp_path / "a" / "b" / "t.txt", "é\n")
    assert (tmp_path / "a" / "b" / "t.txt").read_bytes() == "é\n".encode()
    with atomic_open(tmp_path / "t.csv", "w", newline="") as stream:
        stream.write("1,2\r\n")
    assert (tmp_path / "t.csv").read_bytes() == b"1,2\r\n"


def test_an_error_inside_the_block_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_open(path) as stream:
            stream.write(b"half of the new")
            raise RuntimeError("boom")
    assert path.read_bytes() == b"old" and temporaries(tmp_path) == []


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder. Pass a file path"):
        atomic_write(tmp_path, "x")


def test_a_symbolic_link_is_written_through(tmp_path):
    (tmp_path / "real.txt").write_text("old")
    (tmp_path / "link.txt").symlink_to(tmp_path / "real.txt")
    atomic_write(tmp_path / "link.txt", "new")
    assert (tmp_path / "link.txt").is_symlink() and (tmp_path / "real.txt").read_text() == "new"


def test_only_whole_file_modes(tmp_path):
    with pytest.raises(ValueError, match="mode must be 'wb' or 'w'; got 'a'"):
        with atomic_open(tmp_path / "f", "a"):
            pass


def test_orphans_of_dead_writers_go_at_the_next_write_and_live_ones_stay(tmp_path):
    orphan = tmp_path / f".model.keras.123-0123abcd{TEMPORARY_SUFFIX}"
    orphan.write_bytes(b"left by a killed writer")
    live = tmp_path / f".other.zip.456-89abcdef{TEMPORARY_SUFFIX}"
    live.write_bytes(b"being written")
    lookalike = tmp_path / f"model.keras{TEMPORARY_SUFFIX}"  # not hidden: not one of ours
    lookalike.write_bytes(b"user data")
    handle = os.open(live, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)  # a writer that is still running holds its lock
        atomic_write(tmp_path / "model.keras", b"new")
        assert not orphan.exists() and live.exists() and lookalike.exists()
    finally:
        os.close(handle)
    assert remove_orphans(tmp_path) == 1 and not live.exists()


def test_remove_orphans_on_a_missing_folder(tmp_path):
    assert remove_orphans(tmp_path / "missing") == 0
