"""The schedule protocol, its registry and the eager argument checks shared by every schedule."""
from __future__ import annotations

import math

from trainlab._registry import Configurable, Registry

registry = Registry("learning-rate schedule")


class LearningRateSchedule(Configurable):
    """Base class: a closed form of the step, ``__call__(step) -> float``, plus ``get_config``.

    ``step`` is the number of updates done so far (the optimizer reads the rate before counting
    the update, so the first update sees step 0). ``get_config`` returns the constructor
    arguments; ``from_config`` rebuilds the schedule from them.
    """

    def __call__(self, step: int) -> float:
        raise NotImplementedError

    def get_config(self) -> dict:
        raise NotImplementedError

    def __repr__(self) -> str:
        arguments = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({arguments})"


def positive(name: str, value) -> float:
    value = _real(name, value)
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be a finite number > 0; got {value}.")
    return value


def non_negative(name: str, value) -> float:
    value = _real(name, value)
    if not (value >= 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be a finite number >= 0; got {value}.")
    return value


def unit_fraction(name: str, value) -> float:
    """For fractions of a length: 0 <= value < 1."""
    value = _real(name, value)
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1); got {value}.")
    return value


def _real(name: str, value) -> float:
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number; got {value!r}.")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number; got {value!r} of type {type(value).__name__}.") from None
