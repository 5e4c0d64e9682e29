"""Keras-style progress output for ``fit``, ``evaluate`` and ``predict``.

* ``verbose=1``: a progress bar, redrawn in place when the output is live — a terminal, or a
  Jupyter notebook (its output area honours ``\\r`` redraws, so the bar moves during the epoch);
  one line per epoch otherwise (a log file should not fill with carriage returns).
* ``verbose=2``: one line per epoch.
* ``verbose=0``: silent.

Numbers are printed as Keras prints them: ``.4f`` when ``|v| > 1e-3``, else ``.4e`` — so a
learning rate of 1e-5 reads ``1.0000e-05``, not ``0.0000``. A redraw that is shorter than the line
it replaces is padded with spaces, so no stale digits of the old line stay visible.

Departure from Keras: Keras also redraws in place whenever it runs on a POSIX system, so a log
file redirected from ``fit`` collects every intermediate bar; trainlab redraws only for a
terminal or a notebook.
"""
from __future__ import annotations

import sys
import time
from typing import Callable

from trainlab.callbacks.base import Callback

BAR_WIDTH = 30
REDRAW_SECONDS = 0.1


def format_value(value) -> str:
    """Keras' number format: 4 decimals, or 4 significant digits in scientific notation when
    ``|value| <= 1e-3`` (zero included, as Keras prints it)."""
    value = float(value)
    return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"


def format_logs(logs: dict) -> str:
    return " - ".join(f"{key}: {format_value(value)}" for key, value in logs.items())


def format_seconds(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.0f}s"
    return f"{seconds * 1000:.0f}ms" if seconds >= 1e-3 else f"{seconds * 1e6:.0f}us"


def is_live(stream) -> bool:
    """True when ``\\r`` redraws show as a moving bar: a terminal, or a Jupyter kernel's output."""
    if hasattr(stream, "isatty") and stream.isatty():
        return True
    return "ipykernel" in sys.modules and type(stream).__module__.startswith("ipykernel")


class Progbar:
    """One progress bar over ``target`` steps (``fit``'s epoch, ``evaluate``, ``predict``).

    Args:
        target: the number of steps (>= 1; a smaller value is shown as 1).
        verbose: 1 for a bar (redrawn when the stream :func:`is_live`, else only the final line),
            2 for the final line only, 0 for nothing.
        stream: where to write; default ``sys.stdout`` at construction.
    """

    def __init__(self, target: int, verbose: int = 1, stream=None):
        self.target = max(int(target), 1)
        self.verbose = verbose
        self.stream = stream or sys.stdout
        self.live = verbose == 1 and is_live(self.stream)
        self.start = self.last_draw = time.perf_counter()
        self._width = 0

    def update(self, done: int, logs: dict | Callable[[], dict] | None = None) -> None:
        """Redraw after ``done`` steps (at most every :data:`REDRAW_SECONDS`); ``logs`` may be a
        function, called only when a line is drawn (evaluate's running means cost a little)."""
        if not self.live:
            return
        now = time.perf_counter()
        if now - self.last_draw < REDRAW_SECONDS and done < self.target:
            return
        self.last_draw = now
        self._draw(done, logs() if callable(logs) else logs or {}, now - self.start, final=False)

    def finish(self, logs: dict | None = None, done: int | None = None) -> None:
        """The final line: steps, total and per-step time, and ``logs``."""
        if self.verbose:
            self._draw(self.target if done is None else done, logs or {}, time.perf_counter() - self.start,
                       final=True)

    def _draw(self, done: int, logs: dict, elapsed: float, final: bool) -> None:
        filled = int(BAR_WIDTH * done / self.target)
        bar = "=" * filled + (">" if filled < BAR_WIDTH else "") + "." * max(BAR_WIDTH - filled - 1, 0)
        per_step = elapsed / max(done, 1)
        timing = (f"{format_seconds(elapsed)} {format_seconds(per_step)}/step" if final
                  else f"ETA: {format_seconds(per_step * (self.target - done))}")
        line = f"{done}/{self.target} [{bar}] - {timing}"
        if logs:
            line += " - " + format_logs(logs)
        if self.live:
            padding = " " * max(self._width - len(line), 0)  # erase what a longer previous line left
            self._width = len(line)
            self.stream.write("\r" + line + padding + ("\n" if final else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


class ProgbarLogger(Callback):
    """``fit``'s progress: ``Epoch i/n`` then one :class:`Progbar` per epoch.

    As in Keras (3 and tf.keras 2), the ``Epoch i/n`` line is printed only when n > 1: a one-epoch
    fit shows the bar alone.
    """

    def __init__(self, verbose: int = 1, stream=None):
        super().__init__()
        self.verbose = verbose
        self.stream = stream or sys.stdout
        self.interactive = verbose == 1 and is_live(self.stream)
        self.bar: Progbar | None = None

    def on_epoch_begin(self, epoch, logs=None):
        epochs = self.params.get("epochs")
        if self.verbose and (epochs is None or epochs > 1):
            self.stream.write(f"Epoch {epoch + 1}/{epochs}\n")
            self.stream.flush()
        self.bar = Progbar(self.params.get("steps") or 0, self.verbose, self.stream)

    def on_train_batch_end(self, batch, logs=None):
        if self.bar is not None:
            self.bar.update(batch + 1, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.bar is not None:
            self.bar.finish(logs)
