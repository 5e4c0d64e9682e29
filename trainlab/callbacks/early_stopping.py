"""EarlyStopping: stop when the monitored value has stopped improving (Keras 3 semantics).

At each epoch end from ``start_from_epoch`` on, with the value v of ``monitor``:

1. the first time, the current weights are kept as the best so far (with
   ``restore_best_weights``), so there is always something to restore;
2. ``wait ← wait + 1`` — *before* the improvement test, as Keras does;
3. if v improves on ``best`` (the shared :class:`MonitorCallback` test, strict, ``min_delta``
   included): ``best ← v``, ``best_epoch ← epoch``, keep the weights, and ``wait ← 0`` — but only
   when v also beats ``baseline`` (if one is set);
4. otherwise, if ``wait >= patience`` (and this is not epoch 0): stop after this epoch.

At the end of training — whatever ended it: this callback, another one, or the last epoch —
the best weights are restored whenever some were kept.
"""
from __future__ import annotations

from trainlab.callbacks.monitor import MonitorCallback


def _non_negative_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"EarlyStopping {name} must be an integer >= 0; got {value!r}")
    return value


class EarlyStopping(MonitorCallback):
    """Stop training when ``monitor`` has not improved for ``patience`` epochs.

    Args:
        monitor: log key to watch (default ``"val_loss"``).
        min_delta: smallest change that counts as an improvement (sign ignored; default 0).
        patience: epochs without improvement before stopping (integer >= 0; default 0).
        verbose: 1 prints a line when stopping and when restoring weights.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (``max`` for accuracy-like names).
        baseline: a value the monitor must beat for the patience counter to reset; ``best``
            still tracks the best value seen, as in Keras 3.
        restore_best_weights: at the end of training, set the weights of the best epoch.
        start_from_epoch: epochs to ignore at the start (warm-up; integer >= 0).

    Attributes after ``fit``: ``best``, ``best_epoch`` (0-based), ``stopped_epoch`` (0-based,
    0 when it never stopped training), ``wait``.

    Note:
        Departure from Keras 3: ``best`` is reset at the start of every ``fit`` (Keras keeps
        the previous run's best), so reusing one instance for a new training run is safe; a
        resumed ``fit(initial_epoch=k)`` then hands back the saved state through
        :meth:`set_state`. The best weights are not part of that JSON-safe state: a resumed
        run keeps best weights from its first epoch on.
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0, patience: int = 0, verbose: int = 0,
                 mode: str = "auto", baseline=None, restore_best_weights: bool = False, start_from_epoch: int = 0):
        super().__init__(monitor=monitor, mode=mode, min_delta=min_delta)
        # Keras 3: the baseline only gates the patience counter, so it is kept apart from `best`.
        self.baseline = None if baseline is None else float(baseline)
        self.patience = _non_negative_int("patience", patience)
        self.start_from_epoch = _non_negative_int("start_from_epoch", start_from_epoch)
        self.verbose = int(verbose)
        self.restore_best_weights = bool(restore_best_weights)
        self._reset()

    def reset_monitor(self) -> None:
        self.best = None

    def _reset(self) -> None:
        self.reset_monitor()
        self.wait = 0
        self.stopped_epoch = 0
        self.best_epoch = 0
        self.best_weights = None

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        current = self.monitored_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self.is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self.is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)

    def get_state(self) -> dict:
        return {"best": self.best, "wait": self.wait, "stopped_epoch": self.stopped_epoch,
                "best_epoch": self.best_epoch}

    def set_state(self, state: dict) -> None:
        self._reset()
        self.best = state.get("best")
        self.wait = int(state.get("wait", 0))
        self.stopped_epoch = int(state.get("stopped_epoch", 0))
        self.best_epoch = int(state.get("best_epoch", 0))
