"""Zip-level checks shared by the model file and the ``.npz`` archives inside it.

All linear in the number of members, and all run before a member is inflated: how many members
the archive declares (read from its end record, before zipfile builds a record per member),
their names (no paths leaving the archive, no duplicates, only expected names), and each
member's declared size against what remains of the cap.
"""
from __future__ import annotations

import re
import zipfile
from collections import Counter

from trainlab.saving.errors import ModelFileError
from trainlab.saving.limits import Budget

CHUNK = 1 << 20
_OUTSIDE = re.compile(r"^([/\\]|[A-Za-z]:)")


def check_member_count(stream, limit: int, where: str, what: str, argument: str) -> None:
    """Refuse an archive that declares more than ``limit`` members, before zipfile parses them.

    zipfile's own end-record reader is used (a private function, stable since Python 2) so
    this check and zipfile see the same record.
    """
    stream.seek(0)
    record = zipfile._EndRecData(stream)
    stream.seek(0)
    if record is None:
        raise ModelFileError(f"{where} is not a zip archive (no end-of-archive record).")
    count = record[zipfile._ECD_ENTRIES_TOTAL]
    if count > limit:
        raise ModelFileError(f"{where} declares {count:,} members; it may hold at most {limit:,} {what} "
                             f"({argument}). Refusing to read it.")


def check_member_names(names: list[str], allowed, where: str, what: str) -> None:
    """Refuse paths leaving the archive, duplicates (zip allows them) and unexpected members."""
    for name in names:
        if _OUTSIDE.match(name) or ".." in re.split(r"[/\\]", name):
            raise ModelFileError(f"{where} contains a member {name!r} whose path points outside the archive; "
                                 f"refusing to load it.")
    duplicated = sorted(name for name, count in Counter(names).items() if count > 1)
    if duplicated:
        shown = ", ".join(duplicated[:5]) + (f" and {len(duplicated) - 5} more" if len(duplicated) > 5 else "")
        raise ModelFileError(f"{where} holds the member(s) {shown} more than once, which {what} never does; "
                             f"refusing to load it.")
    unexpected = [name for name in names if not allowed(name)]
    if unexpected:
        raise ModelFileError(f"{where} contains an unexpected member {unexpected[0]!r}; {what} holds only "
                             f"{allowed.__doc__}. Refusing to load it.")


def read_bounded(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: Budget, where: str) -> bytearray:
    """A member's inflated bytes: its declared size checked against ``budget`` before anything is
    allocated, then read in bounded chunks into a buffer of exactly that size (zipfile stops at
    the declared size and checks the CRC, so a member cannot inflate past it)."""
    if info.flag_bits & 0x1:
        raise ModelFileError(f"{where} is encrypted; trainlab model files never are.")
    budget.take(info.file_size, f"{where} (inflated size declared in the zip)")
    buffer = bytearray(info.file_size)
    view, position = memoryview(buffer), 0
    with archive.open(info) as stream:
        while position < info.file_size:
            got = stream.readinto(view[position:position + CHUNK])
            if not got:
                raise ModelFileError(f"{where} ends after {position:,} of the {info.file_size:,} bytes the zip "
                                     f"declares (truncated or damaged).")
            position += got  # the read reaching the declared end also checks the CRC
    return buffer
