"""Nadam: Adam with Nesterov momentum and Keras' momentum schedule."""
from __future__ import annotations

import numpy as np

from trainlab.optimizers import _kernels
from trainlab.optimizers.adam import MomentEstimates
from trainlab.optimizers.base import registry

MOMENTUM_DECAY = 0.96


def momentum_at(beta_1: float, t: int) -> float:
    """μₜ = β₁(1 − ½·0.96ᵗ): the momentum schedule (Keras 3, exponent t)."""
    return beta_1 * (1.0 - 0.5 * MOMENTUM_DECAY ** t)


@registry.register("nadam")
class Nadam(MomentEstimates):
    """Nadam (Dozat, 2016), Keras 3 semantics.

    With g = ∇θJ(θ), t = iterations + 1 and the momentum schedule μₜ = β₁(1 − ½·0.96ᵗ):

    * Πₜ = Πₜ₋₁·μₜ  (Π₀ = 1; one running product per optimizer, saved with the slots)
    * m ← β₁m + (1 − β₁)g;  s ← β₂s + (1 − β₂)g ⊗ g
    * m̂ = μₜ₊₁ m / (1 − Πₜμₜ₊₁) + (1 − μₜ) g / (1 − Πₜ)   (the Nesterov look-ahead)
    * ŝ = s / (1 − β₂ᵗ)
    * θ ← θ − η m̂ ⊘ (√ŝ + ε)

    Args:
        learning_rate: η > 0 (default 0.001) or a schedule.
        beta_1, beta_2: decay rates in [0, 1) (defaults 0.9, 0.999).
        epsilon: ε > 0 (default 1e-7), added to the corrected root.
        **kwargs: clipping, weight decay and legacy arguments of :class:`Optimizer`.

    Raises:
        ValueError: η ≤ 0, ε ≤ 0, a beta outside [0, 1).

    Note:
        tf.keras 2 and PyTorch use 0.96^(0.004·t) (``momentum_decay=0.004``), a schedule that
        changes far more slowly; Keras 3 uses 0.96ᵗ, which reaches β₁ within ~100 steps.
    """

    default_name = "nadam"
    slot_names = ("first_moment", "second_moment")

    def __init__(self, learning_rate=None, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7,
                 **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, **kwargs)
        self.momentum_product = 1.0
        self._step_coefficients: tuple = ()

    def begin_step(self, lr):
        t = self.iterations + 1
        beta_1 = self.beta_1.value
        momentum, next_momentum = momentum_at(beta_1, t), momentum_at(beta_1, t + 1)
        self.momentum_product *= momentum
        self._step_coefficients = (momentum, next_momentum, self.momentum_product,
                                   self.momentum_product * next_momentum, 1.0 - self.beta_2.value ** t)

    def update_step(self, param, grad, slots, lr):
        _kernels.nadam(param, grad, slots["first_moment"], slots["second_moment"], lr, self.beta_1.value,
                       self.beta_2.value, *self._step_coefficients, self.epsilon.value)

    def extra_state(self):
        return {"momentum_product": np.asarray(self.momentum_product, dtype=np.float64)}

    def set_extra_state(self, state):
        if "momentum_product" in state:
            self.momentum_product = float(state["momentum_product"])
