"""History: one entry per completed epoch per key, including keys callbacks added (``lr``…)."""
from __future__ import annotations

from trainlab.callbacks.base import Callback


class History(Callback):
    """Records the epoch logs; ``fit`` returns it. ``history.history["val_loss"]`` etc."""

    def __init__(self):
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
