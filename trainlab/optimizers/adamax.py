"""Adamax: Adam with the infinity norm in place of the l2 norm."""
from __future__ import annotations

import numpy as np

from trainlab._jit import kernel
from trainlab.optimizers import _kernels
from trainlab.optimizers._kernels import NON_FINITE, OK, SIZE_MISMATCH, all_finite
from trainlab.optimizers.adam import MomentEstimates
from trainlab.optimizers.base import registry
from trainlab.optimizers.state import Slot, StateSpec


@registry.register("adamax")
class Adamax(MomentEstimates):
    """Adamax (Kingma & Ba, 2014, §7), Keras semantics.

    Update rule, with g = ∇θJ(θ) and t = iterations + 1:

    * m ← β₁m + (1 − β₁)g
    * u ← max(β₂u, |g|)       (a decayed infinity norm: no square, no bias correction of u)
    * θ ← θ − η m ⊘ ((1 − β₁ᵗ)(u + ε))

    Args:
        learning_rate: η > 0 (default 0.001), a schedule, or a zero-argument callable.
        beta_1, beta_2: decay rates in [0, 1) (defaults 0.9, 0.999).
        epsilon: ε > 0 (default 1e-7).
        **kwargs: clipping, weight decay and legacy arguments of :class:`Optimizer`.

    Raises:
        ValueError: η ≤ 0, ε ≤ 0, a beta outside [0, 1).

    Note:
        PyTorch's default learning rate is 0.002 and it takes max(β₂u, |g| + ε).
    """

    default_name = "adamax"
    state_spec = StateSpec(slots=(Slot("first_moment"), Slot("infinity_norm")))

    def update_step(self, param, grad, slots, lr, decay=0.0, check=False):
        beta_1 = self.beta_1.value
        return _kernels.run(adamax_loop, adamax_numpy, param, grad,
                            {"first_moment": slots["first_moment"], "infinity_norm": slots["infinity_norm"]},
                            {"learning_rate": lr, "one_minus_beta_1": 1.0 - beta_1, "beta_2": self.beta_2.value,
                             "bias_correction": 1.0 - beta_1 ** (self.iterations + 1),
                             "epsilon": self.epsilon.value}, decay, check)


@kernel
def adamax_loop(param, grad, first_moment, infinity_norm, learning_rate, one_minus_beta_1, beta_2, bias_correction,
                epsilon, decay, tiny, check):
    n = param.size
    if grad.size != n or first_moment.size != n or infinity_norm.size != n:
        return SIZE_MISMATCH
    if check and not all_finite(grad):
        return NON_FINITE
    for i in range(n):
        p = param[i]
        if decay != 0:
            p -= p * decay
        g = grad[i]
        m = first_moment[i] + (g - first_moment[i]) * one_minus_beta_1
        u = max(beta_2 * infinity_norm[i], abs(g))
        if abs(m) < tiny:
            m = m - m
        if u < tiny:
            u = u - u
        first_moment[i] = m
        infinity_norm[i] = u
        param[i] = p - learning_rate * m / (bias_correction * (u + epsilon))
    return OK


def adamax_numpy(param, grad, first_moment, infinity_norm, learning_rate, one_minus_beta_1, beta_2, bias_correction,
                 epsilon, decay, tiny):
    _kernels.decay_in_place(param, decay)
    first_moment += (grad - first_moment) * one_minus_beta_1
    np.maximum(beta_2 * infinity_norm, np.abs(grad), out=infinity_norm)
    _kernels.flush_subnormals(first_moment, tiny)
    _kernels.flush_subnormals(infinity_norm, tiny)
    param -= learning_rate * first_moment / (bias_correction * (infinity_norm + epsilon))
