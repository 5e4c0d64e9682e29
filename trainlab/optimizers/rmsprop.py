"""RMSprop: AdaGrad with an exponentially decaying average instead of a growing sum."""
from __future__ import annotations

from trainlab.optimizers import _kernels
from trainlab.optimizers.base import Hyperparameter, Optimizer, check_positive, check_unit_interval, registry


@registry.register("rmsprop", "RMSProp")
class RMSprop(Optimizer):
    """RMSprop (Tieleman & Hinton, 2012), Keras semantics.

    Update rule, with g = ∇θJ(θ) and ρ the decay rate (the notes' β):

    * s ← ρs + (1 − ρ) g ⊗ g
    * centered:  ā ← ρā + (1 − ρ) g;  the denominator uses s − ā ⊗ ā (a variance estimate)
    * Δ = η g ⊘ √(s + ε)   (ε inside the root)
    * without momentum: θ ← θ − Δ;  with momentum μ: b ← μb + Δ;  θ ← θ − b

    Args:
        learning_rate: η > 0 (default 0.001) or a schedule.
        rho: ρ in [0, 1) (default 0.9).
        momentum: μ in [0, 1) (default 0); the ``velocity`` slot is created the first step μ > 0.
        epsilon: ε > 0 (default 1e-7).
        centered: normalize by the estimated variance instead of the raw second moment.
        **kwargs: clipping, weight decay and legacy arguments of :class:`Optimizer`.

    Raises:
        ValueError: η ≤ 0, ε ≤ 0, ρ or μ outside [0, 1).

    Note:
        PyTorch defaults to ρ = 0.99 and ε = 1e-8 added outside the root. ``RMSProp`` (the notes'
        spelling) is accepted as an alias of ``RMSprop``.
    """

    default_name = "rmsprop"
    optional_slot_names = ("velocity",)
    rho = Hyperparameter(check_unit_interval)
    momentum = Hyperparameter(check_unit_interval)
    epsilon = Hyperparameter(check_positive)

    def __init__(self, learning_rate=None, rho: float = 0.9, momentum: float = 0.0, epsilon: float = 1e-7,
                 centered: bool = False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = bool(centered)

    @property
    def slot_names(self):
        names = ("mean_square", "mean_gradient") if self.centered else ("mean_square",)
        return names + (("velocity",) if self.momentum.value > 0 else ())

    def update_step(self, param, grad, slots, lr):
        momentum = self.momentum.value
        velocity = self.optional_slot(slots, "velocity", param, needed=momentum > 0)
        _kernels.rmsprop(param, grad, slots["mean_square"], slots.get("mean_gradient"), velocity, lr,
                         self.rho.value, momentum, self.epsilon.value)

    def get_config(self):
        return {**super().get_config(), "centered": self.centered}
