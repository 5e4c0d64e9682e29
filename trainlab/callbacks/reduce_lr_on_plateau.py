"""ReduceLROnPlateau: performance scheduling, the notes' fourth kind of schedule."""
from __future__ import annotations

from trainlab.callbacks.monitor import MonitorCallback


class ReduceLROnPlateau(MonitorCallback):
    """Multiply the learning rate by ``factor`` when ``monitor`` stops improving.

    At each epoch end, in this order (Keras): if cooling down, count one cooldown epoch down and
    clear ``wait``; if the monitored value improved (strictly, by more than ``min_delta``)
    remember it and clear ``wait``; otherwise, when not cooling down, count ``wait`` up and, once
    it reaches ``patience``, set η ← max(η·factor, min_lr) (only while η > min_lr) and start a
    cooldown of ``cooldown`` epochs. The rate used this epoch is written into the logs as
    ``learning_rate``.

    Args:
        monitor: the log key (default ``"val_loss"``).
        factor: in (0, 1) (default 0.1).
        patience: epochs without improvement before reducing, ≥ 0 (default 10).
        verbose: 1 prints each reduction.
        mode: ``"min"``, ``"max"`` or ``"auto"``.
        min_delta: the smallest change that counts as an improvement (default 1e-4).
        cooldown: epochs to wait after a reduction before counting again, ≥ 0 (default 0).
        min_lr: the floor, ≥ 0 (default 0).

    State (saved in checkpoints, restored on resume): ``best``, ``wait``, ``cooldown_counter``.
    A new ``fit`` without ``initial_epoch`` starts fresh.
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10, verbose: int = 0,
                 mode: str = "auto", min_delta: float = 1e-4, cooldown: int = 0, min_lr: float = 0.0):
        if not 0 < factor < 1:
            raise ValueError(f"factor must be in (0, 1): the rate is multiplied by it; got {factor}.")
        for name, value in (("patience", patience), ("cooldown", cooldown)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be an integer >= 0 (a number of epochs); got {value!r}.")
        if not min_lr >= 0:
            raise ValueError(f"min_lr must be >= 0; got {min_lr}.")
        self.factor = float(factor)
        self.patience = patience
        self.cooldown = cooldown
        self.min_lr = float(min_lr)
        self.verbose = verbose
        self.wait = 0
        self.cooldown_counter = 0
        super().__init__(monitor=monitor, mode=mode, min_delta=min_delta)

    def reset_monitor(self) -> None:
        super().reset_monitor()
        self.wait = 0
        self.cooldown_counter = 0

    def on_train_begin(self, logs=None):
        self.reset_monitor()

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        optimizer = self.model.optimizer
        logs["learning_rate"] = optimizer.current_learning_rate()
        current = self.monitored_value(logs)
        if current is None:
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self.is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                self._reduce(optimizer, epoch)

    def _reduce(self, optimizer, epoch: int) -> None:
        old_rate = optimizer.current_learning_rate()
        if old_rate <= self.min_lr:
            return
        new_rate = max(old_rate * self.factor, self.min_lr)
        optimizer.learning_rate = new_rate
        if self.verbose:
            print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_rate}.")
        self.cooldown_counter = self.cooldown
        self.wait = 0

    def get_state(self) -> dict:
        return {**super().get_state(), "wait": self.wait, "cooldown_counter": self.cooldown_counter}

    def set_state(self, state: dict) -> None:
        super().set_state(state)
        self.wait = int(state.get("wait", 0))
        self.cooldown_counter = int(state.get("cooldown_counter", 0))
