"""RMSprop: AdaGrad with an exponentially decaying average instead of a growing sum."""
from __future__ import annotations

import warnings

import numpy as np

from trainlab._jit import kernel
from trainlab.optimizers import _kernels
from trainlab.optimizers._kernels import NON_FINITE, OK, SIZE_MISMATCH, all_finite
from trainlab.optimizers.base import Optimizer, registry
from trainlab.optimizers.hyperparameters import Hyperparameter, check_positive, check_unit_interval
from trainlab.optimizers.state import Slot, StateSpec


@registry.register("rmsprop", "RMSProp")
class RMSprop(Optimizer):
    """RMSprop (Tieleman & Hinton, 2012), Keras semantics.

    Update rule, with g = ∇θJ(θ) and ρ the decay rate (the notes' β):

    * s ← ρs + (1 − ρ) g ⊗ g
    * centered:  ā ← ρā + (1 − ρ) g;  the denominator uses s − ā ⊗ ā (a variance estimate)
    * Δ = η g ⊘ √(s + ε)   (ε inside the root)
    * without momentum: θ ← θ − Δ;  with momentum μ: b ← μb + Δ;  θ ← θ − b

    Args:
        learning_rate: η > 0 (default 0.001), a schedule, or a zero-argument callable.
        rho: ρ in [0, 1) (default 0.9).
        momentum: μ in [0, 1) (default 0). The ``velocity`` slot exists while μ > 0: raising μ
            mid-run (a callback) creates it at zero; set back to 0 it is kept, unused.
        epsilon: ε > 0 (default 1e-7).
        centered: normalize by the estimated variance instead of the raw second moment.
        **kwargs: clipping, weight decay and legacy arguments of :class:`Optimizer`. ``decay``
            is tf.keras 2's *learning-rate* decay, not ρ: passing it warns (see the note).

    Raises:
        ValueError: η ≤ 0, ε ≤ 0, ρ or μ outside [0, 1).

    Note:
        PyTorch defaults to ρ = 0.99 and ε = 1e-8 added outside the root. *Deep Learning from
        Scratch* calls ρ ``decay_rate`` (0.99), so ``RMSprop(decay=0.99)`` is a natural guess that
        silently means lr / (1 + 0.99·t) instead: trainlab warns with a UserWarning naming ``rho``.
        ``RMSProp`` (the notes' spelling) is accepted as an alias of ``RMSprop``.
    """

    default_name = "rmsprop"
    state_spec = StateSpec(slots=(Slot("mean_square"), Slot("mean_gradient", switch="centered"),
                                  Slot("velocity", switch="momentum")))
    rho = Hyperparameter(check_unit_interval)
    momentum = Hyperparameter(check_unit_interval)
    epsilon = Hyperparameter(check_positive)

    def __init__(self, learning_rate=None, rho: float = 0.9, momentum: float = 0.0, epsilon: float = 1e-7,
                 centered: bool = False, **kwargs):
        if kwargs.get("decay"):
            warnings.warn(
                f"RMSprop(decay={kwargs['decay']}) is tf.keras 2's learning-rate decay, lr / (1 + decay·iterations), "
                f"not the decay rate of the squared-gradient average: that is rho (the book's decay_rate). For the "
                f"book's RMSprop pass rho={kwargs['decay']}; for a decaying learning rate use "
                f"learning_rate=schedules.InverseTimeDecay(...).", UserWarning, stacklevel=2)
        super().__init__(learning_rate, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = bool(centered)

    def update_step(self, param, grad, slots, lr, decay=0.0, check=False):
        momentum, rho = self.momentum.value, self.rho.value
        return _kernels.run(rmsprop_loop, rmsprop_numpy, param, grad,
                            {"mean_square": slots["mean_square"],
                             "mean_gradient": slots["mean_gradient"] if self.centered else None,
                             "velocity": slots["velocity"] if momentum > 0 else None},
                            {"learning_rate": lr, "rho": rho, "one_minus_rho": 1.0 - rho, "momentum": momentum,
                             "epsilon": self.epsilon.value}, decay, check)

    def get_config(self):
        return {**super().get_config(), "centered": self.centered}


@kernel
def rmsprop_loop(param, grad, mean_square, mean_gradient, velocity, learning_rate, rho, one_minus_rho, momentum,
                 epsilon, decay, tiny, check):
    n = param.size
    if (grad.size != n or mean_square.size != n or (mean_gradient.size != n and mean_gradient.size != 0)
            or (velocity.size != n and velocity.size != 0)):
        return SIZE_MISMATCH
    if check and not all_finite(grad):
        return NON_FINITE
    # One loop per variant: with the switches tested inside a single loop, LLVM did not
    # vectorize it (5× slower measured).
    if mean_gradient.size == 0 and velocity.size == 0:
        for i in range(n):
            p = param[i]
            if decay != 0:
                p -= p * decay
            g = grad[i]
            s = rho * mean_square[i] + one_minus_rho * (g * g)
            if abs(s) < tiny:
                s = s - s
            mean_square[i] = s
            param[i] = p - learning_rate * g / np.sqrt(s + epsilon)
    elif velocity.size == 0:
        for i in range(n):
            p = param[i]
            if decay != 0:
                p -= p * decay
            g = grad[i]
            s = rho * mean_square[i] + one_minus_rho * (g * g)
            a = rho * mean_gradient[i] + one_minus_rho * g
            if abs(s) < tiny:
                s = s - s
            if abs(a) < tiny:
                a = a - a
            mean_square[i] = s
            mean_gradient[i] = a
            param[i] = p - learning_rate * g / np.sqrt((s - a * a) + epsilon)
    elif mean_gradient.size == 0:
        for i in range(n):
            p = param[i]
            if decay != 0:
                p -= p * decay
            g = grad[i]
            s = rho * mean_square[i] + one_minus_rho * (g * g)
            if abs(s) < tiny:
                s = s - s
            mean_square[i] = s
            b = momentum * velocity[i] + learning_rate * g / np.sqrt(s + epsilon)
            if abs(b) < tiny:
                b = b - b
            velocity[i] = b
            param[i] = p - b
    else:
        for i in range(n):
            p = param[i]
            if decay != 0:
                p -= p * decay
            g = grad[i]
            s = rho * mean_square[i] + one_minus_rho * (g * g)
            a = rho * mean_gradient[i] + one_minus_rho * g
            if abs(s) < tiny:
                s = s - s
            if abs(a) < tiny:
                a = a - a
            mean_square[i] = s
            mean_gradient[i] = a
            b = momentum * velocity[i] + learning_rate * g / np.sqrt((s - a * a) + epsilon)
            if abs(b) < tiny:
                b = b - b
            velocity[i] = b
            param[i] = p - b
    return OK


def rmsprop_numpy(param, grad, mean_square, mean_gradient, velocity, learning_rate, rho, one_minus_rho, momentum,
                  epsilon, decay, tiny):
    _kernels.decay_in_place(param, decay)
    mean_square[...] = rho * mean_square + one_minus_rho * (grad * grad)
    _kernels.flush_subnormals(mean_square, tiny)
    denominator = mean_square
    if mean_gradient is not None:
        mean_gradient[...] = rho * mean_gradient + one_minus_rho * grad
        _kernels.flush_subnormals(mean_gradient, tiny)
        denominator = mean_square - mean_gradient * mean_gradient
    increment = learning_rate * grad / np.sqrt(denominator + epsilon)
    if velocity is not None:
        velocity[...] = momentum * velocity + increment
        _kernels.flush_subnormals(velocity, tiny)
        increment = velocity
    param -= increment
