"""History: one entry per completed epoch per key, including keys callbacks added (``momentum``…)."""
from __future__ import annotations

import warnings

from trainlab.callbacks.base import Callback

LEARNING_RATE_CALLBACKS = "LearningRateScheduler, ReduceLROnPlateau or OneCycleScheduler"


class EpochValues(dict):
    """``{key: [value per epoch]}``, where tf.keras 2's key ``"lr"`` still reads ``"learning_rate"``.

    HOML (2nd edition) plots ``history.history["lr"]``; Keras 3 records the rate as
    ``learning_rate``. Reading ``"lr"`` returns that list with a DeprecationWarning; it is not a
    key of its own, so it adds no CSV column and iterating the dict does not show it.
    """

    def __missing__(self, key):
        if key == "lr" and "learning_rate" in self:
            warnings.warn('history.history["lr"] is the tf.keras 2 name; use history.history["learning_rate"].',
                          DeprecationWarning, stacklevel=2)
            return self["learning_rate"]
        if key in ("lr", "learning_rate"):
            raise KeyError(f"No learning rate in this History: as in Keras 3, it is recorded only when a "
                           f"learning-rate callback ({LEARNING_RATE_CALLBACKS}) runs. Recorded keys: "
                           f"{', '.join(self) or 'none'}.")
        raise KeyError(f"No {key!r} in this History; recorded keys: {', '.join(self) or 'none'}.")

    def get(self, key, default=None):
        return self[key] if key in self or key == "lr" and "learning_rate" in self else default


class History(Callback):
    """Records the epoch logs; ``fit`` returns it. ``history.history["val_loss"]`` etc.

    ``learning_rate`` is in the logs only when a learning-rate callback writes it (Keras 3);
    ``history.history["lr"]`` reads it under tf.keras 2's name with a DeprecationWarning.
    """

    def __init__(self):
        super().__init__()
        self.history: EpochValues = EpochValues()
        self.epoch: list[int] = []

    def _repr_html_(self) -> str:
        """A table of the epochs, shown inline when a notebook cell ends with the History."""
        from trainlab.notebook import history_html

        return history_html(self.history, self.epoch)

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
