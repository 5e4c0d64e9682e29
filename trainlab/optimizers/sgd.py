"""Stochastic gradient descent, with momentum and Nesterov momentum."""
from __future__ import annotations

import numpy as np

from trainlab.optimizers.base import Hyperparameter, Optimizer, check_unit_interval, registry


@registry.register("sgd")
class SGD(Optimizer):
    """Gradient descent (Keras semantics).

    Update rules, with g = ∇θJ(θ), η the learning rate and β the momentum:

    * plain:     θ ← θ − ηg
    * momentum:  m ← βm − ηg;  θ ← θ + m
    * Nesterov:  m ← βm − ηg;  θ ← θ + βm − ηg   (the look-ahead θ + βm, rewritten so the
      gradient is taken at the current weights)

    η lives inside m (as in Keras): changing η mid-run differs from PyTorch's form, where m
    accumulates raw gradients; with a constant η both give the same trajectory.

    Args:
        learning_rate: η > 0 (default 0.01) or a schedule.
        momentum: β in [0, 1) (default 0). The velocity slot exists when β > 0 at construction
            or is created (at zero) the first step β becomes > 0.
        nesterov: use Nesterov accelerated gradient (NAG).
        **kwargs: clipping, weight decay and legacy arguments of :class:`Optimizer`.
    """

    default_learning_rate = 0.01
    momentum = Hyperparameter(check_unit_interval)

    def __init__(self, learning_rate=None, momentum: float = 0.0, nesterov: bool = False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.momentum = momentum
        self.nesterov = bool(nesterov)

    @property
    def slot_names(self):
        return ("velocity",) if self.momentum.value > 0 or any(self._slots.values()) else ()

    def update_step(self, param, grad, slots, lr):
        beta = self.momentum.value
        if beta == 0 and not slots:
            param -= lr * grad
            return
        if not slots:
            slots["velocity"] = np.zeros_like(param)
        velocity = slots["velocity"]
        step = lr * grad
        velocity *= beta
        velocity -= step
        if self.nesterov:
            param += beta * velocity - step
        else:
            param += velocity

    def get_config(self):
        return {**super().get_config(), "nesterov": self.nesterov}
