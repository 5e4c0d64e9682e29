"""AdaGrad: per-coordinate rates that shrink with the accumulated squared gradient."""
from __future__ import annotations

import numpy as np

from trainlab._jit import kernel
from trainlab.optimizers import _kernels
from trainlab.optimizers._kernels import NON_FINITE, OK, SIZE_MISMATCH, all_finite
from trainlab.optimizers.base import Optimizer, registry
from trainlab.optimizers.hyperparameters import Hyperparameter, check_non_negative, check_positive
from trainlab.optimizers.state import Slot, StateSpec


@registry.register("adagrad")
class Adagrad(Optimizer):
    """AdaGrad (Duchi et al., 2011), Keras semantics.

    Update rule, with g = ∇θJ(θ), ⊗ / ⊘ element-wise:

    * s ← s + g ⊗ g
    * θ ← θ − η g ⊘ √(s + ε)

    Steep coordinates accumulate large s and slow down first, pointing the path more directly at
    the optimum; s only grows, so training can stop too early on deep networks (the notes).

    Args:
        learning_rate: η > 0 (default 0.001), a schedule, or a zero-argument callable.
        initial_accumulator_value: s at the first step, ≥ 0 (default 0.1).
        epsilon: ε > 0 (default 1e-7), inside the square root.
        **kwargs: clipping, weight decay and legacy arguments of :class:`Optimizer`.

    Raises:
        ValueError: η ≤ 0, ε ≤ 0 or a negative initial accumulator.

    Note:
        PyTorch's Adagrad starts s at 0 and adds ε outside the root (√s + ε); Keras' start at 0.1
        keeps the first steps bounded by η·|g|/√0.1 instead of η. *Deep Learning from Scratch*'s
        AdaGrad has PyTorch's form.
    """

    state_spec = StateSpec(slots=(Slot("accumulator", initial="initial_accumulator_value"),))
    epsilon = Hyperparameter(check_positive)

    def __init__(self, learning_rate=None, initial_accumulator_value: float = 0.1, epsilon: float = 1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value = check_non_negative("initial_accumulator_value",
                                                            float(initial_accumulator_value))
        self.epsilon = epsilon

    def update_step(self, param, grad, slots, lr, decay=0.0, check=False):
        return _kernels.run(adagrad_loop, adagrad_numpy, param, grad, {"accumulator": slots["accumulator"]},
                            {"learning_rate": lr, "epsilon": self.epsilon.value}, decay, check)

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value}


@kernel
def adagrad_loop(param, grad, accumulator, learning_rate, epsilon, decay, tiny, check):
    n = param.size
    if grad.size != n or accumulator.size != n:
        return SIZE_MISMATCH
    if check and not all_finite(grad):
        return NON_FINITE
    for i in range(n):
        p = param[i]
        if decay != 0:
            p -= p * decay
        g = grad[i]
        a = accumulator[i] + g * g
        if a < tiny:
            a = a - a
        accumulator[i] = a
        param[i] = p - learning_rate * g / np.sqrt(a + epsilon)
    return OK


def adagrad_numpy(param, grad, accumulator, learning_rate, epsilon, decay, tiny):
    _kernels.decay_in_place(param, decay)
    accumulator += grad * grad
    _kernels.flush_subnormals(accumulator, tiny)
    param -= learning_rate * grad / np.sqrt(accumulator + epsilon)
