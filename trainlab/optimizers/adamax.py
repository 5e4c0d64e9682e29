"""Adamax: Adam with the infinity norm in place of the l2 norm."""
from __future__ import annotations

from trainlab.optimizers import _kernels
from trainlab.optimizers.adam import MomentEstimates
from trainlab.optimizers.base import registry


@registry.register("adamax")
class Adamax(MomentEstimates):
    """Adamax (Kingma & Ba, 2014, §7), Keras semantics.

    Update rule, with g = ∇θJ(θ) and t = iterations + 1:

    * m ← β₁m + (1 − β₁)g
    * u ← max(β₂u, |g|)       (a decayed infinity norm: no square, no bias correction of u)
    * θ ← θ − η m ⊘ ((1 − β₁ᵗ)(u + ε))

    Args:
        learning_rate: η > 0 (default 0.001) or a schedule.
        beta_1, beta_2: decay rates in [0, 1) (defaults 0.9, 0.999).
        epsilon: ε > 0 (default 1e-7).
        **kwargs: clipping, weight decay and legacy arguments of :class:`Optimizer`.

    Raises:
        ValueError: η ≤ 0, ε ≤ 0, a beta outside [0, 1).

    Note:
        PyTorch's default learning rate is 0.002 and it takes max(β₂u, |g| + ε).
    """

    default_name = "adamax"
    slot_names = ("first_moment", "infinity_norm")

    def update_step(self, param, grad, slots, lr):
        bias_correction = 1.0 - self.beta_1.value ** (self.iterations + 1)
        _kernels.adamax(param, grad, slots["first_moment"], slots["infinity_norm"], lr, self.beta_1.value,
                        self.beta_2.value, bias_correction, self.epsilon.value)
