"""Keras-style progress output for ``fit(verbose=...)``.

* ``verbose=1``: a progress bar per epoch, redrawn in place when stdout is a terminal; one line
  per epoch otherwise (a log file should not fill with carriage returns).
* ``verbose=2``: one line per epoch.
* ``verbose=0``: silent.
"""
from __future__ import annotations

import sys
import time

from trainlab.callbacks.base import Callback

BAR_WIDTH = 30
REDRAW_SECONDS = 0.1


def format_logs(logs: dict) -> str:
    return " - ".join(f"{key}: {value:.4f}" for key, value in logs.items())


def format_seconds(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.0f}s"
    return f"{seconds * 1000:.0f}ms" if seconds >= 1e-3 else f"{seconds * 1e6:.0f}us"


class ProgbarLogger(Callback):
    def __init__(self, verbose: int = 1, stream=None):
        super().__init__()
        self.verbose = verbose
        self.stream = stream or sys.stdout
        self.interactive = verbose == 1 and hasattr(self.stream, "isatty") and self.stream.isatty()

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_start = self.last_draw = time.perf_counter()
        self.steps = self.params.get("steps") or 0
        if self.verbose:
            self.stream.write(f"Epoch {epoch + 1}/{self.params.get('epochs')}\n")

    def on_train_batch_end(self, batch, logs=None):
        if not self.interactive:
            return
        now = time.perf_counter()
        if now - self.last_draw < REDRAW_SECONDS and batch + 1 < self.steps:
            return
        self.last_draw = now
        self._draw(batch + 1, logs or {}, now - self.epoch_start, final=False)

    def on_epoch_end(self, epoch, logs=None):
        if not self.verbose:
            return
        elapsed = time.perf_counter() - self.epoch_start
        self._draw(self.steps, logs or {}, elapsed, final=True)

    def _draw(self, done: int, logs: dict, elapsed: float, final: bool) -> None:
        total = max(self.steps, 1)
        filled = int(BAR_WIDTH * done / total)
        bar = "=" * filled + (">" if filled < BAR_WIDTH else "") + "." * max(BAR_WIDTH - filled - 1, 0)
        per_step = elapsed / max(done, 1)
        timing = (f"{format_seconds(elapsed)} {format_seconds(per_step)}/step" if final
                  else f"ETA: {format_seconds(per_step * (total - done))}")
        line = f"{done}/{total} [{bar}] - {timing}"
        if logs:
            line += " - " + format_logs(logs)
        if self.interactive:
            self.stream.write("\r" + line + ("\n" if final else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
