"""Live hyperparameters and the checks their values must pass.

``optimizer.momentum``, ``beta_1``… are :class:`trainlab.backend.Variable` objects held by the
:class:`Hyperparameter` descriptor: ``backend.get_value`` / ``set_value`` read and write them
between steps (the notes' ``K.set_value(model.optimizer.lr, ...)``), plain assignment
(``optimizer.momentum = 0.85``) works too, and every new value is validated.
"""
from __future__ import annotations

import math
from typing import Callable

from trainlab.backend import Variable


def check_positive(name: str, value: float) -> float:
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be a finite number > 0; got {value}")
    return value


def check_unit_interval(name: str, value: float) -> float:
    """For momentum, rho and the betas: 0 <= value < 1."""
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1); got {value}")
    return value


def check_non_negative(name: str, value: float) -> float:
    if not (value >= 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be a finite number >= 0; got {value}")
    return value


class Hyperparameter:
    """Descriptor: a live numeric hyperparameter stored as a Variable on the optimizer."""

    def __init__(self, validate: Callable[[str, float], float] = check_non_negative):
        self.validate = validate

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, optimizer, owner=None):
        if optimizer is None:
            return self
        return optimizer._hyperparameters[self.name]

    def __set__(self, optimizer, value):
        variables = optimizer._hyperparameters
        if self.name in variables:
            variables[self.name].assign(value)
        else:
            variables[self.name] = Variable(value, self.name, self.validate)
