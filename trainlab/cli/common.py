"""What every command shares: checking ``--out`` before any work, and default output folders.

Default folders name what they hold, so runs on two datasets never overwrite each other:
``runs/train-fashion-mnist``, ``runs/lr-find-digits``, ``lab-results/optimizers-digits``.
"""
from __future__ import annotations

import os
import re
from pathlib import Path


def default_out(root: str, *parts: str) -> str:
    """``root/part1-part2…`` with each part reduced to a safe folder-name spelling."""
    names = [re.sub(r"[^A-Za-z0-9_.-]+", "_", str(part)).strip("._") or "custom" for part in parts]
    return str(Path(root) / "-".join(names))


def output_directory(path: str | os.PathLike, option: str = "--out") -> Path:
    """``path`` as a folder the command can create and write into, checked before any work.

    Raises:
        ValueError: ``path`` (or a parent of it) is an existing file, or the nearest existing
            folder is not writable; the message names the path and what to give instead.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{option} {path} is a file, not a folder; give a folder path (created if missing), "
                         f"e.g. {option} {path.with_suffix('')}-out")
    existing = path
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise ValueError(f"{option} {path}: {existing} is a file, so no folder can be created under it; give a "
                         f"folder path outside it")
    if existing.is_dir() and not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"{option} {path}: cannot write into {existing} (permission denied); give a folder you "
                         f"can write to")
    return path
