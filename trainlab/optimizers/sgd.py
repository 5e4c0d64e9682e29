"""Stochastic gradient descent, with momentum and Nesterov momentum."""
from __future__ import annotations

from trainlab.optimizers import _kernels
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
        momentum: β in [0, 1) (default 0). The ``velocity`` slot is created (at zero) the first
            step β > 0, so a callback may switch momentum on mid-run.
        nesterov: use Nesterov accelerated gradient (NAG).
        **kwargs: clipping, weight decay and legacy arguments of :class:`Optimizer`.

    Raises:
        ValueError: η ≤ 0 or not finite; β outside [0, 1).
    """

    default_name = "SGD"
    default_learning_rate = 0.01
    optional_slot_names = ("velocity",)
    momentum = Hyperparameter(check_unit_interval)

    def __init__(self, learning_rate=None, momentum: float = 0.0, nesterov: bool = False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.momentum = momentum
        self.nesterov = bool(nesterov)

    @property
    def slot_names(self):
        return ("velocity",) if self.momentum.value > 0 else ()

    def update_step(self, param, grad, slots, lr):
        momentum = self.momentum.value
        velocity = self.optional_slot(slots, "velocity", param, needed=momentum > 0)
        _kernels.sgd(param, grad, velocity, lr, momentum, self.nesterov)

    def get_config(self):
        return {**super().get_config(), "nesterov": self.nesterov}
