"""AdaGrad: per-coordinate rates that shrink with the accumulated squared gradient."""
from __future__ import annotations

import numpy as np

from trainlab.optimizers import _kernels
from trainlab.optimizers.base import Hyperparameter, Optimizer, check_non_negative, check_positive, registry


@registry.register("adagrad")
class Adagrad(Optimizer):
    """AdaGrad (Duchi et al., 2011), Keras semantics.

    Update rule, with g = ∇θJ(θ), ⊗ / ⊘ element-wise:

    * s ← s + g ⊗ g
    * θ ← θ − η g ⊘ √(s + ε)

    Steep coordinates accumulate large s and slow down first, pointing the path more directly at
    the optimum; s only grows, so training can stop too early on deep networks (the notes).

    Args:
        learning_rate: η > 0 (default 0.001) or a schedule.
        initial_accumulator_value: s at the first step, ≥ 0 (default 0.1).
        epsilon: ε > 0 (default 1e-7), inside the square root.
        **kwargs: clipping, weight decay and legacy arguments of :class:`Optimizer`.

    Raises:
        ValueError: η ≤ 0, ε ≤ 0 or a negative initial accumulator.

    Note:
        PyTorch's Adagrad starts s at 0 and adds ε outside the root (√s + ε); Keras' start at 0.1
        keeps the first steps bounded by η·|g|/√0.1 instead of η.
    """

    slot_names = ("accumulator",)
    epsilon = Hyperparameter(check_positive)

    def __init__(self, learning_rate=None, initial_accumulator_value: float = 0.1, epsilon: float = 1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value = check_non_negative("initial_accumulator_value",
                                                            float(initial_accumulator_value))
        self.epsilon = epsilon

    def initial_slot(self, slot_name, param):
        return np.full_like(param, self.initial_accumulator_value)

    def update_step(self, param, grad, slots, lr):
        _kernels.adagrad(param, grad, slots["accumulator"], lr, self.epsilon.value)

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value}
