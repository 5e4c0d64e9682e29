"""Atomic file writes without litter: the one helper every writer of user files goes through.

``atomic_write(path, data)`` and ``with atomic_open(path) as stream:`` write to a temporary file
in the target's folder, flush it to disk and rename it over ``path`` (``os.replace`` is atomic on
one file system), so a reader — or a process started after a crash or a ``kill -9`` — sees the
old file or the whole new one, never a mix.

Three details a plain ``tempfile.mkstemp`` + ``os.replace`` gets wrong:

* **Permissions.** ``mkstemp`` creates files as 0600, and the rename carries that mode over, so
  every save made the file private. The temporary file is created with mode 0666 filtered by the
  umask (what ``open(path, "w")`` gives a new file), or with the mode of the file it replaces
  (what ``open(path, "w")`` keeps for an existing one).
* **Orphans.** A writer killed between creating and renaming its temporary file leaves it
  behind. Every writer holds an exclusive ``flock`` on its temporary file until the rename; the
  kernel drops the lock when the process dies, however it dies. Each write first removes the
  temporary files in its folder whose lock it can take (their writer is gone), so an orphan
  survives at most until the next write into that folder. Temporary files of live writers stay
  locked and are left alone.
* **Durability.** The file is fsync'ed before the rename and its folder after it, so a power
  cut after the call returns cannot bring back the old file.

Temporary files are named ``.<name>.<pid>-<random>.trainlab-partial`` (hidden, and never a name a
user would give a file). POSIX only (``fcntl.flock``), like the rest of trainlab.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import secrets
import stat
from pathlib import Path
from typing import IO, Iterator

TEMPORARY_SUFFIX = ".trainlab-partial"
_TEMPORARY = re.compile(r"^\..*\.\d+-[0-9a-f]{8}" + re.escape(TEMPORARY_SUFFIX) + "$")
# A file name longer than 255 bytes is refused by most file systems: the temporary name keeps
# only the start of long names (the final name is never shortened).
_NAME_PREFIX = 120


def atomic_write(path, data: bytes | str, encoding: str = "utf-8") -> None:
    """Replace ``path`` with ``data`` atomically (text is encoded with ``encoding``).

    Raises:
        IsADirectoryError: ``path`` is a folder.
        OSError: the folder cannot be created or written (nothing at ``path`` changes).
    """
    with atomic_open(path) as stream:
        stream.write(data.encode(encoding) if isinstance(data, str) else data)


@contextlib.contextmanager
def atomic_open(path, mode: str = "wb", encoding: str | None = None, newline: str | None = None) -> Iterator[IO]:
    """A stream whose content replaces ``path`` when the ``with`` block ends without an error.

    If the block raises, the temporary file is removed and ``path`` is untouched. ``mode`` is
    ``"wb"`` or ``"w"`` (text, with ``encoding`` — UTF-8 by default — and ``newline``).
    Parent folders are created. A symbolic link at ``path`` is written through, as a plain
    write would.
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_open writes whole files: mode must be 'wb' or 'w'; got {mode!r}.")
    target = Path(os.path.realpath(path))
    if target.is_dir():
        raise IsADirectoryError(f"Cannot write to {os.fspath(path)!r}: it is a folder. Pass a file path.")
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_orphans(target.parent)
    handle, temporary = _create_locked(target)
    try:
        with os.fdopen(handle, mode, encoding=(encoding or "utf-8") if mode == "w" else None,
                       newline=newline, closefd=False) as stream:
            yield stream
            stream.flush()
        os.fsync(handle)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    finally:
        os.close(handle)  # releases the lock, after the rename
    _sync_folder(target.parent)


def _create_locked(target: Path) -> tuple[int, Path]:
    """Create and lock a fresh temporary file next to ``target``; returns (descriptor, path)."""
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    while True:
        temporary = target.parent / (f".{target.name[:_NAME_PREFIX]}.{os.getpid()}-{secrets.token_hex(4)}"
                                     f"{TEMPORARY_SUFFIX}")
        # 0o666 is filtered by the umask, as for any new file.
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            # Between creating and locking, another writer's orphan sweep may have taken the
            # unlocked file for an orphan and removed it: then start again under a new name.
            if os.fstat(handle).st_ino == os.stat(temporary).st_ino:
                if mode is not None:
                    os.fchmod(handle, mode)
                return handle, temporary
        except (BlockingIOError, FileNotFoundError):
            pass
        except BaseException:
            os.close(handle)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        os.close(handle)


def remove_orphans(folder) -> int:
    """Remove the temporary files in ``folder`` left by writers that died; returns how many.

    A temporary file whose lock can be taken has no live writer. Files of live writers, and
    files this process cannot open, are left in place.
    """
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if not _TEMPORARY.match(entry.name):
            continue
        try:
            handle = os.open(entry.path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            # Only unlink the very file that is locked, not one that replaced it since.
            if os.fstat(handle).st_ino == os.lstat(entry.path).st_ino:
                os.unlink(entry.path)
                removed += 1
        except OSError:
            pass  # locked by a live writer, or already gone
        finally:
            os.close(handle)
    return removed


def _sync_folder(folder: Path) -> None:
    """fsync the folder so the rename itself is on disk (some file systems refuse: harmless)."""
    try:
        handle = os.open(folder, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.EBADF, errno.EACCES):
            raise
    finally:
        os.close(handle)
