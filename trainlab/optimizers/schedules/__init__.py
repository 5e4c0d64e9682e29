"""Learning-rate schedules (``keras.optimizers.schedules``): closed forms of the step.

A schedule is a small serializable object called with the step (the number of updates done so
far); the optimizer evaluates it once per step. Arguments are validated at construction.
"""
from trainlab.optimizers.schedules.base import LearningRateSchedule, registry
from trainlab.optimizers.schedules.decay import (
    CosineDecay,
    ExponentialDecay,
    InverseTimeDecay,
    PiecewiseConstantDecay,
    PolynomialDecay,
    PowerDecay,
)
from trainlab.optimizers.schedules.one_cycle import OneCycle
from trainlab.optimizers.schedules.restarts import CosineDecayRestarts


def serialize(schedule: LearningRateSchedule) -> dict:
    return registry.serialize(schedule)


def deserialize(config):
    return registry.deserialize(config)


def get(identifier):
    return registry.get(identifier)
