"""TerminateOnNaN: stop training cleanly at the first batch whose loss is NaN or infinite."""
from __future__ import annotations

import math

from trainlab.callbacks.base import Callback


class TerminateOnNaN(Callback):
    """Stop training when a batch loss is not finite, instead of raising.

    Without this callback ``fit`` raises ``FloatingPointError`` at the first non-finite loss.
    With it (``stops_on_nan = True`` tells the fit loop), the bad batch's update is skipped —
    the weights keep the values of the last finite step —, the epoch ends there, this callback
    prints ``Batch n: Invalid loss, terminating training`` as Keras does and sets
    ``model.stop_training``.
    """

    stops_on_nan = True

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
