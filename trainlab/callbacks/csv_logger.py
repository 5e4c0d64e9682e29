"""CSVLogger: one CSV row per epoch with every logged value."""
from __future__ import annotations

import csv
import io
import os

from trainlab.atomic import atomic_write
from trainlab.callbacks.base import Callback

MISSING = "NA"


class CSVLogger(Callback):
    """Write ``epoch`` and the epoch logs to a CSV file, one row per epoch.

    The header is ``epoch`` followed by the first epoch's log keys, sorted (as Keras); a key
    missing in a later epoch is written as ``NA``. The file is rewritten atomically at every
    epoch end (:func:`trainlab.atomic.atomic_write`), so it is complete up to the last finished
    epoch even if training is interrupted, and never ends in half a row.

    Args:
        filename: the CSV file (folders are created).
        separator: the field delimiter (one character; default ``","``).
        append: continue an existing file (a resumed run) instead of overwriting it; its header
            is reused so the columns stay aligned.

    Raises:
        ValueError: ``separator`` is not one character; when appending, the logs hold keys
            that the existing header does not have (naming them).

    Note:
        Keras writes rows to an open file; rewriting the (small) file each epoch is what makes
        an interrupted run leave only whole rows.
    """

    def __init__(self, filename, separator: str = ",", append: bool = False):
        super().__init__()
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(f"CSVLogger separator must be a single character; got {separator!r}")
        self.filename = os.fspath(filename)
        self.separator = separator
        self.append = bool(append)
        self.keys: list[str] | None = None
        self._text = ""
        self._continuing = False

    def on_train_begin(self, logs=None):
        self.keys = self._existing_header() if self.append else None
        self._continuing = self.keys is not None
        if self.keys is not None:
            with open(self.filename, newline="", encoding="utf-8") as handle:
                self._text = handle.read()
        else:
            self._text = ""
            atomic_write(self.filename, "")  # as Keras, a new run empties the file at once

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
        rows = []
        if self.keys is None:
            self.keys = sorted(logs)
            rows.append(["epoch", *self.keys])
        # Checked on the first row appended to an existing file; later new keys are dropped, as in Keras.
        unknown = sorted(set(logs) - set(self.keys)) if self._continuing else []
        self._continuing = False
        if unknown:
            raise ValueError(f"CSVLogger is appending to {self.filename!r}, whose columns are {self.keys}, but "
                             f"the logs also hold {unknown}. Write to a new file or pass append=False.")
        rows.append([epoch, *(_cell(logs[key]) if key in logs else MISSING for key in self.keys)])
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=self.separator, lineterminator="\n").writerows(rows)
        self._text += buffer.getvalue()
        atomic_write(self.filename, self._text)


def _cell(value) -> str:
    return repr(float(value)) if isinstance(value, (int, float)) or hasattr(value, "dtype") else str(value)
