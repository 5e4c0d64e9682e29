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
the best weights are restored whenever some were kept (Keras 3).

Exact resume: the checkpointed state holds the best weights, and — once a fit has ended and
restored them — the weights the run ended with (``weights_at_end``). A resumed
``fit(initial_epoch=k)`` with an EarlyStopping hands it that state; before the first resumed
epoch the callback puts ``weights_at_end`` back, so training continues from where the
uninterrupted run was, not from the restored best epoch, and the optimizer state (which the
restore never touched) matches those weights again. So train(2) → save → load → train(2)
equals train(4) bit for bit, and each fit still ends with the best weights, as in Keras.
"""
from __future__ import annotations

import numpy as np

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
        :meth:`set_state` — best weights included, and the weights to continue from (see the
        module docstring). A run that this callback stopped early and that is then resumed
        trains on: resuming is a request for more epochs.
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
        self.weights_at_end = None
        self._continue_from = None

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_begin(self, epoch, logs=None):
        if self._continue_from is not None:
            # The previous fit ended by restoring the best weights; the run goes on from its last epoch.
            self.model.set_weights(self._continue_from)
            self._continue_from = None

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
            self.weights_at_end = self.model.get_weights()
            self.model.set_weights(self.best_weights)

    def get_state(self) -> dict:
        """Counters and best value (JSON), plus lists of arrays: ``best_weights`` and, after a
        fit restored them, ``weights_at_end``."""
        state = {"best": self.best, "wait": self.wait, "stopped_epoch": self.stopped_epoch,
                 "best_epoch": self.best_epoch}
        for key in ("best_weights", "weights_at_end"):
            if getattr(self, key) is not None:
                state[key] = [array.copy() for array in getattr(self, key)]
        return state

    def set_state(self, state: dict) -> None:
        self._reset()
        self.best = state.get("best")
        self.wait = int(state.get("wait", 0))
        self.stopped_epoch = int(state.get("stopped_epoch", 0))
        self.best_epoch = int(state.get("best_epoch", 0))
        if state.get("best_weights") is not None:
            self.best_weights = [np.array(array) for array in state["best_weights"]]
        if state.get("weights_at_end") is not None:
            self._continue_from = [np.array(array) for array in state["weights_at_end"]]

    @classmethod
    def check_state(cls, state: dict, model) -> None:
        """Called when a model file is loaded: ``best`` (see :class:`MonitorCallback`), and the
        saved weight lists, which must fit ``model`` and hold values it can use.

        Raises:
            ValueError: a list whose arrays differ from the model's weights in number, shape or
                dtype, or whose values the model could not use (NaN, infinite, past √max, a
                negative variance).
        """
        super().check_state(state, model)
        from trainlab.saving.state import check_weight_value  # the model file's rule for weight values

        slots = [(layer, name, layer.weight(name)) for layer in model._layers for name in layer.weight_names()]
        for key in ("best_weights", "weights_at_end"):
            arrays = state.get(key)
            if arrays is None:
                continue
            if len(arrays) != len(slots) or any(a.shape != w.shape or a.dtype != w.dtype
                                                for a, (_, _, w) in zip(arrays, slots)):
                raise ValueError(f"{key} holds {len(arrays)} arrays that do not match the model's {len(slots)} "
                                 f"weights (number, shapes and dtypes must agree)")
            for array, (layer, name, _) in zip(arrays, slots):
                check_weight_value(layer, name, array, f"{key} for layer {layer.name!r} weight {name!r}")
