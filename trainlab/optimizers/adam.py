"""Adam: momentum on the gradient plus RMSprop's scaling, both bias-corrected."""
from __future__ import annotations

import math

from trainlab.optimizers import _kernels
from trainlab.optimizers.base import Hyperparameter, Optimizer, check_positive, check_unit_interval, registry


class MomentEstimates(Optimizer):
    """Shared hyperparameters of the Adam family: β₁, β₂ (each in [0, 1)) and ε > 0."""

    beta_1 = Hyperparameter(check_unit_interval)
    beta_2 = Hyperparameter(check_unit_interval)
    epsilon = Hyperparameter(check_positive)

    def __init__(self, learning_rate=None, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7,
                 **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon


@registry.register("adam")
class Adam(MomentEstimates):
    """Adam (Kingma & Ba, 2014), Keras semantics.

    Update rule, with g = ∇θJ(θ) and t = iterations + 1:

    * m ← β₁m + (1 − β₁)g          (first moment; computed as m + (1 − β₁)(g − m))
    * s ← β₂s + (1 − β₂)g ⊗ g      (second moment)
    * α = η √(1 − β₂ᵗ) / (1 − β₁ᵗ)  (both bias corrections folded into one scalar)
    * θ ← θ − α m ⊘ (√s + ε)
    * amsgrad: ŝ ← max(ŝ, s) replaces s in the last line (Reddi et al., 2018).

    The notes write m̂ = m/(1 − β₁ᵗ), ŝ = s/(1 − β₂ᵗ), θ ← θ − η m̂ ⊘ √(ŝ + ε): the same up to
    where ε sits.

    Args:
        learning_rate: η > 0 (default 0.001) or a schedule.
        beta_1, beta_2: decay rates in [0, 1) (defaults 0.9, 0.999).
        epsilon: ε > 0 (default 1e-7), added to the uncorrected √s.
        amsgrad: keep the running maximum of s.
        **kwargs: clipping, weight decay and legacy arguments of :class:`Optimizer`.

    Raises:
        ValueError: η ≤ 0, ε ≤ 0, a beta outside [0, 1).

    Note:
        PyTorch adds ε to the bias-corrected root √ŝ; with ε = 1e-7 the difference is visible
        only while s is tiny.
    """

    default_name = "adam"

    def __init__(self, learning_rate=None, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7,
                 amsgrad: bool = False, **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, **kwargs)
        self.amsgrad = bool(amsgrad)

    @property
    def slot_names(self):
        return ("first_moment", "second_moment") + (("max_second_moment",) if self.amsgrad else ())

    def update_step(self, param, grad, slots, lr):
        t = self.iterations + 1
        alpha = lr * math.sqrt(1.0 - self.beta_2.value ** t) / (1.0 - self.beta_1.value ** t)
        _kernels.adam(param, grad, slots["first_moment"], slots["second_moment"], slots.get("max_second_moment"),
                      alpha, self.beta_1.value, self.beta_2.value, self.epsilon.value)

    def get_config(self):
        return {**super().get_config(), "amsgrad": self.amsgrad}
