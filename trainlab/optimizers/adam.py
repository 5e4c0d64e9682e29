"""Adam: momentum on the gradient plus RMSprop's scaling, both bias-corrected."""
from __future__ import annotations

import math

import numpy as np

from trainlab._jit import kernel
from trainlab.optimizers import _kernels
from trainlab.optimizers._kernels import NON_FINITE, OK, SIZE_MISMATCH, all_finite
from trainlab.optimizers.base import Optimizer, registry
from trainlab.optimizers.hyperparameters import Hyperparameter, check_positive, check_unit_interval
from trainlab.optimizers.state import Slot, StateSpec


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
        learning_rate: η > 0 (default 0.001), a schedule, or a zero-argument callable.
        beta_1, beta_2: decay rates in [0, 1) (defaults 0.9, 0.999).
        epsilon: ε > 0 (default 1e-7), added to the uncorrected √s.
        amsgrad: keep the running maximum of s (the ``max_second_moment`` slot).
        **kwargs: clipping, weight decay and legacy arguments of :class:`Optimizer`.

    Raises:
        ValueError: η ≤ 0, ε ≤ 0, a beta outside [0, 1).

    Note:
        PyTorch adds ε to the bias-corrected root √ŝ; with ε = 1e-7 the difference is visible
        only while s is tiny.
    """

    default_name = "adam"
    state_spec = StateSpec(slots=(Slot("first_moment"), Slot("second_moment"),
                                  Slot("max_second_moment", switch="amsgrad")))

    def __init__(self, learning_rate=None, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7,
                 amsgrad: bool = False, **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, **kwargs)
        self.amsgrad = bool(amsgrad)

    def update_step(self, param, grad, slots, lr, decay=0.0, check=False):
        t = self.iterations + 1
        beta_1, beta_2 = self.beta_1.value, self.beta_2.value
        alpha = lr * math.sqrt(1.0 - beta_2 ** t) / (1.0 - beta_1 ** t)
        return _kernels.run(adam_loop, adam_numpy, param, grad,
                            {"first_moment": slots["first_moment"], "second_moment": slots["second_moment"],
                             "max_second_moment": slots["max_second_moment"] if self.amsgrad else None},
                            {"alpha": alpha, "one_minus_beta_1": 1.0 - beta_1, "one_minus_beta_2": 1.0 - beta_2,
                             "epsilon": self.epsilon.value}, decay, check)

    def get_config(self):
        return {**super().get_config(), "amsgrad": self.amsgrad}


@kernel
def adam_loop(param, grad, first_moment, second_moment, max_second_moment, alpha, one_minus_beta_1,
              one_minus_beta_2, epsilon, decay, tiny, check):
    n = param.size
    if (grad.size != n or first_moment.size != n or second_moment.size != n
            or (max_second_moment.size != n and max_second_moment.size != 0)):
        return SIZE_MISMATCH
    if check and not all_finite(grad):
        return NON_FINITE
    # Two loops rather than a switch inside one: LLVM vectorizes each (see rmsprop_loop).
    if max_second_moment.size == 0:
        for i in range(n):
            p = param[i]
            if decay != 0:
                p -= p * decay
            g = grad[i]
            m = first_moment[i] + (g - first_moment[i]) * one_minus_beta_1
            v = second_moment[i] + (g * g - second_moment[i]) * one_minus_beta_2
            if abs(m) < tiny:
                m = m - m
            if abs(v) < tiny:
                v = v - v
            first_moment[i] = m
            second_moment[i] = v
            param[i] = p - m * alpha / (np.sqrt(v) + epsilon)
    else:
        for i in range(n):
            p = param[i]
            if decay != 0:
                p -= p * decay
            g = grad[i]
            m = first_moment[i] + (g - first_moment[i]) * one_minus_beta_1
            v = second_moment[i] + (g * g - second_moment[i]) * one_minus_beta_2
            if abs(m) < tiny:
                m = m - m
            if abs(v) < tiny:
                v = v - v
            first_moment[i] = m
            second_moment[i] = v
            v_max = max(max_second_moment[i], v)
            max_second_moment[i] = v_max
            param[i] = p - m * alpha / (np.sqrt(v_max) + epsilon)
    return OK


def update_moments(grad, first_moment, second_moment, one_minus_beta_1, one_minus_beta_2, tiny) -> None:
    """m ← m + (1−β₁)(g − m); v ← v + (1−β₂)(g² − v), in place, subnormals flushed (shared with Nadam)."""
    first_moment += (grad - first_moment) * one_minus_beta_1
    second_moment += (grad * grad - second_moment) * one_minus_beta_2
    _kernels.flush_subnormals(first_moment, tiny)
    _kernels.flush_subnormals(second_moment, tiny)


def adam_numpy(param, grad, first_moment, second_moment, max_second_moment, alpha, one_minus_beta_1,
               one_minus_beta_2, epsilon, decay, tiny):
    _kernels.decay_in_place(param, decay)
    update_moments(grad, first_moment, second_moment, one_minus_beta_1, one_minus_beta_2, tiny)
    denominator = second_moment
    if max_second_moment is not None:
        np.maximum(max_second_moment, second_moment, out=max_second_moment)
        denominator = max_second_moment
    param -= first_moment * alpha / (np.sqrt(denominator) + epsilon)
