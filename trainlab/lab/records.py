"""The output directory of a study: a manifest and one JSON file per finished run.

Layout::

    DIR/study.json                  the resolved study, its hash and the library version
    DIR/records/<key>.json          one record per run (key = phase-arm-confighash-sSEED)
    DIR/report.md, report.html, results.csv, figures/

Every file is written through :mod:`trainlab.atomic` (a temporary file in the same folder,
flushed and renamed over its final name), so an interruption leaves either the whole record or
none, and no temporary file outlives the next write: ``trainlab lab run`` again redoes exactly
the missing runs. A directory whose manifest names a different study, or the same study with
different settings, is refused: records of two studies never mix.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from trainlab.atomic import atomic_write as write_atomic  # the name the lab's modules import
from trainlab.lab.schema import StudyError
from trainlab.lab.study import Study

MANIFEST = "study.json"
RECORDS = "records"


def read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise StudyError(f"{path} cannot be read as JSON ({error}); delete it and run the study again "
                         f"to redo that run.") from None


class RecordStore:
    """Reads and writes one study's output directory."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    @property
    def records_dir(self) -> Path:
        return self.root / RECORDS

    def manifest(self) -> dict:
        path = self.root / MANIFEST
        if not path.is_file():
            raise StudyError(f"{self.root} is not a study output directory (no {MANIFEST}); "
                             f"create one with `trainlab lab run STUDY --out {self.root}`.")
        return read_json(path)

    def claim(self, study: Study, version: str) -> None:
        """Make ``root`` this study's directory, or refuse if it belongs to another study.

        Raises:
            StudyError: ``root`` holds another study's manifest, or files but no manifest.
        """
        path = self.root / MANIFEST
        if path.is_file():
            existing = read_json(path)
            if existing.get("hash") != study.hash:
                same = existing.get("name") == study.name
                what = " with different settings" if same else ""
                raise StudyError(
                    f"{self.root} holds records of study {existing.get('name')!r}{what} (hash "
                    f"{existing.get('hash')}), not of this study {study.name!r} (hash {study.hash}). "
                    f"Records of different studies are never mixed: pass another --out directory, or "
                    f"delete {self.root} to start over.")
            return
        if self.root.exists() and any(self.root.iterdir()):
            raise StudyError(f"{self.root} is not empty and holds no {MANIFEST}; pass an empty or new --out "
                             f"directory so no file is overwritten.")
        manifest = {"name": study.name, "hash": study.hash, "source": study.source, "trainlab": version,
                    "study": study.spec, "invocation": study.invocation}
        write_atomic(path, json.dumps(manifest, indent=2, sort_keys=True) + "\n")

    def write(self, record: dict) -> None:
        text = json.dumps(record, indent=1, sort_keys=True, allow_nan=False)
        write_atomic(self.records_dir / f"{record['key']}.json", text + "\n")

    def records(self) -> list[dict]:
        """Every record, sorted by key (a stable order for reports)."""
        if not self.records_dir.is_dir():
            return []
        return [read_json(path) for path in sorted(self.records_dir.glob("*.json"))]
