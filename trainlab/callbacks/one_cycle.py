"""OneCycleScheduler: the 1cycle policy as a per-batch callback (rate and momentum)."""
from __future__ import annotations

from trainlab.callbacks.base import Callback
from trainlab.optimizers.schedules import OneCycle


def cycled_momentum_name(optimizer) -> str | None:
    """The hyperparameter 1cycle moves opposite to the rate: ``momentum`` (SGD, RMSprop) or
    ``beta_1`` (the Adam family); None when the optimizer has neither (Adagrad)."""
    for name in ("momentum", "beta_1"):
        if name in optimizer._hyperparameters:
            return name
    return None


class OneCycleScheduler(Callback):
    """Before every batch, set the learning rate (and momentum or β₁) from a :class:`OneCycle`.

    Args:
        max_learning_rate: η_max, the peak rate.
        total_steps: the updates of the whole run; None = epochs × steps per epoch of the ``fit``.
            Give it explicitly when the run is split into several fits (save, load, resume).
        initial_learning_rate, final_learning_rate, final_fraction, max_momentum, min_momentum:
            as in :class:`trainlab.optimizers.schedules.OneCycle`.
        cycle_momentum: also cycle ``momentum`` (SGD, RMSprop) or ``beta_1`` (Adam family).

    The values of each epoch's last step are written into the epoch logs (so the History and
    CSVLogger record them): the rate as ``learning_rate``, the momentum under its own name.
    State (saved in checkpoints): the step count, so a resumed run continues the cycle.
    """

    def __init__(self, max_learning_rate: float, total_steps: int | None = None,
                 initial_learning_rate: float | None = None, final_learning_rate: float | None = None,
                 final_fraction: float = 0.1, max_momentum: float = 0.95, min_momentum: float = 0.85,
                 cycle_momentum: bool = True):
        super().__init__()
        self._arguments = dict(max_learning_rate=max_learning_rate, initial_learning_rate=initial_learning_rate,
                               final_learning_rate=final_learning_rate, final_fraction=final_fraction,
                               max_momentum=max_momentum, min_momentum=min_momentum)
        self.total_steps = total_steps
        self.cycle_momentum = bool(cycle_momentum)
        self.schedule: OneCycle | None = None
        if total_steps is not None:
            self.schedule = OneCycle(total_steps, **self._arguments)  # validate eagerly
        self.step = 0

    def on_train_begin(self, logs=None):
        total = self.total_steps or self.params["epochs"] * self.params["steps"]
        self.schedule = OneCycle(total, **self._arguments)
        self.step = 0
        self._momentum_name = cycled_momentum_name(self.model.optimizer) if self.cycle_momentum else None

    def on_train_batch_begin(self, batch, logs=None):
        optimizer = self.model.optimizer
        optimizer.learning_rate = self.schedule(self.step)
        if self._momentum_name is not None:
            setattr(optimizer, self._momentum_name, self.schedule.momentum(self.step))
        self.step += 1

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        logs["learning_rate"] = self.model.optimizer.current_learning_rate()
        if self._momentum_name is not None:
            logs[self._momentum_name] = getattr(self.model.optimizer, self._momentum_name).value

    def get_state(self) -> dict:
        return {"step": self.step}

    def set_state(self, state: dict) -> None:
        self.step = int(state.get("step", 0))
