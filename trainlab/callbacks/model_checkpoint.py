"""ModelCheckpoint: save the model (or its weights) during training.

Every save goes through ``model.save`` / ``model.save_weights``, which write a temporary file
and rename it: a save interrupted at any point leaves the previous checkpoint intact.
"""
from __future__ import annotations

import os

from trainlab.callbacks.monitor import MonitorCallback


class ModelCheckpoint(MonitorCallback):
    """Save the model at the end of every epoch (or every ``save_freq`` batches).

    Args:
        filepath: where to save; may hold ``str.format`` fields filled from ``epoch`` (1-based,
            as Keras) and the logs, e.g. ``"ckpt_{epoch:02d}_{val_loss:.2f}.keras"``. The
            extension does not matter: the file is always trainlab's safe zip format.
        monitor: the log key compared when ``save_best_only`` (default ``"val_loss"``).
        verbose: 1 prints a line per save (and per skipped save with ``save_best_only``).
        save_best_only: save only when ``monitor`` improves on the best value so far (strict,
            the shared :class:`MonitorCallback` test); the file then always holds the best model.
        save_weights_only: write ``model.save_weights`` instead of the full model.
        mode: ``"min"``, ``"max"`` or ``"auto"``.
        save_freq: ``"epoch"``, or an integer >= 1: save after every that many batches (the
            monitored value then comes from the batch logs, as in Keras).
        initial_value_threshold: with ``save_best_only``, a value to beat before the first save.

    Raises:
        ValueError: bad ``save_freq``; a ``filepath`` field that names no log key (at save time,
            naming the available keys).

    Note:
        Departures from Keras: the epoch-end save runs after every other callback's
        ``on_epoch_end`` (Keras keeps the list order), so the file holds their states for that
        epoch and ``fit(initial_epoch=loaded.epochs_completed)`` from it continues exactly, as
        a run that was never interrupted. As the other monitor callbacks, the best value is
        forgotten at the start of every ``fit`` (Keras keeps it across calls); a resumed
        ``fit(initial_epoch=k)`` restores it through :meth:`set_state`. A file saved mid-epoch
        (integer ``save_freq``) resumes from the start of that epoch's next one, not exactly.
    """

    saves_checkpoints = True

    def __init__(self, filepath, monitor: str = "val_loss", verbose: int = 0, save_best_only: bool = False,
                 save_weights_only: bool = False, mode: str = "auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__(monitor=monitor, mode=mode, baseline=initial_value_threshold)
        self.filepath = os.fspath(filepath)
        self.verbose = int(verbose)
        self.save_best_only = bool(save_best_only)
        self.save_weights_only = bool(save_weights_only)
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq < 1):
            raise ValueError(f"save_freq must be 'epoch' or an integer number of batches >= 1; got {save_freq!r}")
        self.save_freq = save_freq
        if save_freq != "epoch":
            # Installed only when needed: the fit loop skips batch hooks nobody defines.
            self.on_train_batch_end = self._count_batch
        self._batches_since_save = 0
        self._epoch = 0

    def on_train_begin(self, logs=None):
        self._batches_since_save = 0
        self.reset_monitor()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def _count_batch(self, batch, logs=None):
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save(self._epoch, logs or {})

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, logs or {})

    def _save(self, epoch: int, logs: dict) -> None:
        path = self.format_path(epoch, logs)
        if self.save_best_only:
            current = self.monitored_value(logs)
            if current is None:
                return
            if not self.is_improvement(current, self.best):
                if self.verbose:
                    print(f"Epoch {epoch + 1}: {self.monitor} did not improve from {self._shown_best()}")
                return
            if self.verbose:
                print(f"Epoch {epoch + 1}: {self.monitor} improved from {self._shown_best()} to {current:.5f}, "
                      f"saving model to {path}")
            self.best = current
        elif self.verbose:
            print(f"Epoch {epoch + 1}: saving model to {path}")
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)

    def format_path(self, epoch: int, logs: dict) -> str:
        """``filepath`` with ``{epoch}`` (1-based) and log keys filled in."""
        try:
            return self.filepath.format(epoch=epoch + 1, **logs)
        except KeyError as error:
            raise KeyError(f"ModelCheckpoint filepath {self.filepath!r} names {error}, which is not in the logs; "
                           f"available: epoch, {', '.join(sorted(logs)) or '(no log keys)'}.") from None

    def get_state(self) -> dict:
        return {"best": self.best, "batches_since_save": self._batches_since_save}

    def set_state(self, state: dict) -> None:
        self.best = state.get("best")
        self._batches_since_save = int(state.get("batches_since_save", 0))

    def _shown_best(self) -> str:
        if self.best is None:
            return "inf" if self.mode == "min" else "-inf"
        return f"{self.best:.5f}"
