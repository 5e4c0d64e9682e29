"""LearningRateScheduler: set the learning rate from a function of the epoch."""
from __future__ import annotations

import inspect
import math

from trainlab.callbacks.base import Callback


def _takes_current_rate(schedule) -> bool | None:
    """True when ``schedule`` accepts (epoch, lr), False when only (epoch), None when unknown."""
    if hasattr(schedule, "get_config"):
        return False  # a schedule object: a closed form of the epoch
    try:
        parameters = inspect.signature(schedule).parameters.values()
    except (TypeError, ValueError):
        return None
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    variadic = any(p.kind == p.VAR_POSITIONAL for p in parameters)
    return variadic or len(positional) >= 2


class LearningRateScheduler(Callback):
    """At the start of every epoch, set ``optimizer.learning_rate = schedule(epoch, lr)``.

    ``schedule`` is ``fn(epoch)`` or ``fn(epoch, lr)`` (epoch is 0-based; lr the current rate).
    With ``fit(initial_epoch=k)`` the first call gets epoch k, so an epoch-based schedule resumes
    where it stopped instead of restarting at 0 (the notes' warning). At each epoch end the rate
    used in that epoch is written into the logs as ``learning_rate`` (Keras 3), so it reaches the
    History and CSVLogger; without an LR callback there is no such key.

    Args:
        schedule: the function (a :mod:`trainlab.optimizers.schedules` object also works, called
            with the epoch).
        verbose: 1 prints each new rate.

    Raises:
        TypeError: ``schedule`` is not callable.
        ValueError: the function returns a non-finite or non-positive rate (naming the epoch), or
            the optimizer's rate comes from a step schedule (set by the optimizer itself).
    """

    def __init__(self, schedule, verbose: int = 0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"schedule must be a function fn(epoch) or fn(epoch, lr); got {schedule!r}.")
        self.schedule = schedule
        self.verbose = verbose
        self._with_rate = _takes_current_rate(schedule)

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        current = optimizer.current_learning_rate()
        if self._with_rate is None:  # no signature to read (a builtin): try (epoch, lr), as Keras does
            try:
                rate = self.schedule(epoch, current)
            except TypeError:
                rate = self.schedule(epoch)
        else:
            rate = self.schedule(epoch, current) if self._with_rate else self.schedule(epoch)
        try:
            rate = float(rate)
        except (TypeError, ValueError):
            raise TypeError(f"The schedule function returned {rate!r} at epoch {epoch}; it must return a number "
                            f"(the learning rate).") from None
        if not (math.isfinite(rate) and rate > 0):
            raise ValueError(f"The schedule function returned the learning rate {rate} at epoch {epoch}; a rate must "
                             f"be a finite number > 0. Check the function (e.g. an overflow, a division by zero or "
                             f"a sign error).")
        optimizer.learning_rate = rate
        if self.verbose:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {rate}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = self.model.optimizer.current_learning_rate()
