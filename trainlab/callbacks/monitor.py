"""The one "did the monitored value improve?" helper shared by EarlyStopping,
ReduceLROnPlateau and ModelCheckpoint.

Improvement is strict: in ``min`` mode ``current + |min_delta| < best``; in ``max`` mode
``current − |min_delta| > best``. The first value seen is always an improvement (unless a
``baseline`` is set, which then plays the role of the first best). ``mode="auto"`` means ``max``
for accuracy-like names and ``min`` otherwise.
"""
from __future__ import annotations

import math
import warnings

from trainlab.callbacks.base import Callback

MODES = ("auto", "min", "max")
MAXIMIZED_SUFFIXES = ("accuracy", "acc", "auc", "precision", "recall")


def resolve_mode(monitor: str, mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"Unknown mode {mode!r}; use one of {', '.join(MODES)}.")
    if mode != "auto":
        return mode
    return "max" if monitor.endswith(MAXIMIZED_SUFFIXES) else "min"


class MonitorCallback(Callback):
    """Base for callbacks that watch one logged value.

    Args:
        monitor: the log key to watch (``"val_loss"``, ``"val_accuracy"``…).
        mode: ``"min"``, ``"max"`` or ``"auto"``.
        min_delta: the smallest change that counts as an improvement (its sign is ignored).
        baseline: if given, the value to beat before anything counts as an improvement.
    """

    def __init__(self, monitor: str = "val_loss", mode: str = "auto", min_delta: float = 0.0, baseline=None):
        super().__init__()
        self.monitor = monitor
        self.mode = resolve_mode(monitor, mode)
        self.min_delta = abs(float(min_delta))
        self.baseline = None if baseline is None else float(baseline)
        self.best: float | None = None
        self.reset_monitor()

    def reset_monitor(self) -> None:
        """Forget the best value (called at the start of every training run: reuse is safe)."""
        self.best = self.baseline

    def is_improvement(self, current: float, reference: float | None) -> bool:
        if reference is None:
            return True
        if self.mode == "min":
            return current + self.min_delta < reference
        return current - self.min_delta > reference

    def monitored_value(self, logs: dict | None) -> float | None:
        """The watched value from ``logs``, or None (with a warning naming the available keys)."""
        value = (logs or {}).get(self.monitor)
        if value is None:
            warnings.warn(f"{type(self).__name__} monitors {self.monitor!r}, which is not in the logs; available: "
                          f"{', '.join(sorted(logs or {})) or 'none'}. Pass validation data for val_* keys.",
                          RuntimeWarning, stacklevel=3)
            return None
        value = float(value)
        return value if not math.isnan(value) else None

    def get_state(self) -> dict:
        return {"best": self.best}

    def set_state(self, state: dict) -> None:
        self.best = state.get("best")

    @classmethod
    def check_state(cls, state: dict, model) -> None:
        """Called when a model file is loaded: ``best`` is None or a number.

        Raises:
            ValueError: naming the value.
        """
        best = state.get("best")
        if best is not None and (isinstance(best, bool) or not isinstance(best, (int, float)) or math.isnan(best)):
            raise ValueError(f"best must be null or a number; got {best!r:.50}")
