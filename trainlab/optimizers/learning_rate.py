"""Where an optimizer's learning rate comes from: a live value, a schedule, or a callable.

* a float: a live :class:`~trainlab.backend.Variable` (``K.set_value(optimizer.lr, ...)``,
  ``optimizer.learning_rate = 0.01``, what LR callbacks change);
* a schedule (``trainlab.optimizers.schedules``): called with the step count before the
  increment, so the first update sees step 0;
* any other callable: called with no argument at every step (Keras 3), e.g. a closure over a
  variable the user's own loop changes.

With a schedule or a callable the rate is *computed*: reading ``optimizer.learning_rate`` gives
a read-only snapshot, and assigning a float raises instead of being silently overwritten at the
next step. Legacy ``decay=d`` (tf.keras 2) then divides the rate by (1 + d·iterations).
"""
from __future__ import annotations

import math
import warnings

from trainlab.backend import Variable
from trainlab.optimizers.hyperparameters import check_positive


def _is_schedule(value) -> bool:
    return callable(value) and hasattr(value, "get_config") and not isinstance(value, Variable)


class LearningRateMixin:
    """The learning-rate half of :class:`~trainlab.optimizers.base.Optimizer` (which sets
    ``default_learning_rate``, ``decay``, ``iterations`` and ``_hyperparameters``)."""

    def _init_learning_rate(self, learning_rate, lr) -> None:
        self._schedule = None
        self._rate_function = None
        if lr is not None:
            warnings.warn("The `lr` argument is deprecated; use `learning_rate`.", DeprecationWarning, stacklevel=4)
            if learning_rate is not None:
                raise ValueError("Pass either learning_rate or its deprecated alias lr, not both.")
            learning_rate = lr
        self.learning_rate = self.default_learning_rate if learning_rate is None else learning_rate

    @property
    def learning_rate(self) -> Variable:
        """The current rate as a live Variable (a read-only snapshot when it is computed)."""
        if not self.learning_rate_is_computed:
            return self._hyperparameters["learning_rate"]
        snapshot = Variable(self._computed_rate(), "learning_rate")
        snapshot._validate = _refuse_while_computed  # after construction: reading must not count as setting
        return snapshot

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        if _is_schedule(value):
            self._schedule, self._rate_function = value, None
            return
        if callable(value) and not isinstance(value, Variable):
            self._schedule, self._rate_function = None, value
            return
        if self.learning_rate_is_computed:
            _refuse_while_computed("learning_rate", value)
        if "learning_rate" in self._hyperparameters:
            self._hyperparameters["learning_rate"].assign(value)
        else:
            self._hyperparameters["learning_rate"] = Variable(value, "learning_rate", check_positive)

    lr = learning_rate

    @property
    def schedule(self):
        """The attached learning-rate schedule, or None."""
        return self._schedule

    @property
    def learning_rate_is_computed(self) -> bool:
        """True when a schedule or a callable gives the rate (it cannot be set to a float)."""
        return self._schedule is not None or self._rate_function is not None

    def _computed_rate(self) -> float:
        if self._schedule is not None:
            return float(self._schedule(self.iterations))
        rate = self._rate_function()
        try:
            rate = float(rate)
        except (TypeError, ValueError):
            raise TypeError(f"The learning_rate callable returned {rate!r}; it must return a number.") from None
        if not (rate > 0 and math.isfinite(rate)):
            raise ValueError(f"The learning_rate callable returned {rate} at step {self.iterations}; it must return "
                             f"a finite number > 0.")
        return rate

    def current_learning_rate(self) -> float:
        """The rate the next update will use (schedule at ``iterations`` or callable, then legacy decay)."""
        if self.learning_rate_is_computed:
            rate = self._computed_rate()
        else:
            rate = self._hyperparameters["learning_rate"].value
        if self.decay:
            rate /= 1.0 + self.decay * self.iterations
        return rate

    def hyperparameters(self) -> dict[str, float]:
        """Current values of every live hyperparameter (for History and checkpoints)."""
        values = {name: var.value for name, var in self._hyperparameters.items()}
        values["learning_rate"] = self.current_learning_rate()
        return values

    def _learning_rate_config(self):
        from trainlab.optimizers import schedules

        if self._schedule is not None:
            return schedules.serialize(self._schedule)
        if self._rate_function is not None:
            rate = self._computed_rate()
            warnings.warn(f"{self.name}'s learning_rate is a Python callable, which a config cannot hold: saving its "
                          f"current value {rate:g} instead, so a reloaded optimizer uses a constant rate. Use a "
                          f"schedule from trainlab.optimizers.schedules to save how the rate changes.", UserWarning,
                          stacklevel=4)
            return rate
        return self._hyperparameters["learning_rate"].value


def _refuse_while_computed(name: str, value: float) -> float:
    raise ValueError(
        f"Cannot set {name} to {value}: this optimizer's learning rate comes from a schedule (or a callable), "
        f"which computes the rate at every step, so a fixed value would be silently overwritten. Assign a new "
        f"schedule, or create the optimizer with a float learning_rate to control the rate by hand or from a "
        f"callback."
    )
