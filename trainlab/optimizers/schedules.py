"""Learning-rate schedules (``keras.optimizers.schedules``): closed forms of the step.

A schedule is a small serializable object called with the step (the number of updates done so
far); the optimizer evaluates it once per step. Arguments are validated at construction.
"""
from __future__ import annotations

import math

from trainlab._registry import Registry

registry = Registry("learning-rate schedule")


class LearningRateSchedule:
    """Base class: implement ``__call__(step) -> float`` and ``get_config``."""

    def __call__(self, step: int) -> float:
        raise NotImplementedError

    def get_config(self) -> dict:
        raise NotImplementedError

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


def _positive(name: str, value) -> float:
    value = float(value)
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be a finite number > 0; got {value}")
    return value


@registry.register()
class ExponentialDecay(LearningRateSchedule):
    """η(t) = η₀ · rate^(t / s)   (⌊t / s⌋ when ``staircase``).

    With rate 0.1 the rate falls tenfold every s steps: the notes' exponential scheduling.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float, staircase: bool = False,
                 name: str | None = None):
        self.initial_learning_rate = _positive("initial_learning_rate", initial_learning_rate)
        self.decay_steps = _positive("decay_steps", decay_steps)
        self.decay_rate = _positive("decay_rate", decay_rate)
        self.staircase = bool(staircase)
        self.name = name

    def __call__(self, step):
        exponent = step / self.decay_steps
        if self.staircase:
            exponent = math.floor(exponent)
        return self.initial_learning_rate * self.decay_rate ** exponent

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


def serialize(schedule: LearningRateSchedule) -> dict:
    return registry.serialize(schedule)


def deserialize(config):
    return registry.deserialize(config)


def get(identifier):
    return registry.get(identifier)
