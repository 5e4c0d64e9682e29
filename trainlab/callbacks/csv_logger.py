"""CSVLogger: one CSV row per epoch with every logged value."""
from __future__ import annotations

import csv
import os

from trainlab.callbacks.base import Callback

MISSING = "NA"


class CSVLogger(Callback):
    """Write ``epoch`` and the epoch logs to a CSV file, one row per epoch.

    The header is ``epoch`` followed by the first epoch's log keys, sorted (as Keras); a key
    missing in a later epoch is written as ``NA``. Each row is flushed when written, so the
    file is complete up to the last finished epoch even if training is interrupted.

    Args:
        filename: the CSV file (folders are created).
        separator: the field delimiter (one character; default ``","``).
        append: continue an existing file (a resumed run) instead of overwriting it; its header
            is reused so the columns stay aligned.

    Raises:
        ValueError: ``separator`` is not one character; when appending, the logs hold keys
            that the existing header does not have (naming them).
    """

    def __init__(self, filename, separator: str = ",", append: bool = False):
        super().__init__()
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(f"CSVLogger separator must be a single character; got {separator!r}")
        self.filename = os.fspath(filename)
        self.separator = separator
        self.append = bool(append)
        self.keys: list[str] | None = None
        self._file = None
        self._writer = None

    def on_train_begin(self, logs=None):
        self.keys = self._existing_header() if self.append else None
        folder = os.path.dirname(self.filename)
        if folder:
            os.makedirs(folder, exist_ok=True)
        self._file = open(self.filename, "a" if self.append else "w", newline="", encoding="utf-8")
        self._writer = None

    def _existing_header(self) -> list[str] | None:
        if not os.path.exists(self.filename) or os.path.getsize(self.filename) == 0:
            return None
        with open(self.filename, newline="", encoding="utf-8") as handle:
            header = next(csv.reader(handle, delimiter=self.separator), None)
        if not header or header[0] != "epoch":
            raise ValueError(f"CSVLogger cannot append to {self.filename!r}: its first line {header!r} is not a "
                             f"CSVLogger header starting with 'epoch'. Use another file or append=False.")
        return header[1:]

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
        if self._writer is None:
            unknown = sorted(set(logs) - set(self.keys))
            if unknown:
                raise ValueError(f"CSVLogger is appending to {self.filename!r}, whose columns are {self.keys}, but "
                                 f"the logs also hold {unknown}. Write to a new file or pass append=False.")
            self._writer = csv.writer(self._file, delimiter=self.separator, lineterminator="\n")
            if self._file.tell() == 0:
                self._writer.writerow(["epoch", *self.keys])
        self._writer.writerow([epoch, *(_cell(logs[key]) if key in logs else MISSING for key in self.keys)])
        self._file.flush()

    def on_train_end(self, logs=None):
        if self._file is not None:
            self._file.close()
            self._file = None
            self._writer = None


def _cell(value) -> str:
    return repr(float(value)) if isinstance(value, (int, float)) or hasattr(value, "dtype") else str(value)
