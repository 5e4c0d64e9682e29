"""Stochastic gradient descent, with momentum and Nesterov momentum."""
from __future__ import annotations

from trainlab._jit import kernel
from trainlab.optimizers import _kernels
from trainlab.optimizers._kernels import NON_FINITE, OK, SIZE_MISMATCH, all_finite
from trainlab.optimizers.base import Optimizer, registry
from trainlab.optimizers.hyperparameters import Hyperparameter, check_unit_interval
from trainlab.optimizers.state import Slot, StateSpec


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
        learning_rate: η > 0 (default 0.01), a schedule, or a zero-argument callable.
        momentum: β in [0, 1) (default 0). The ``velocity`` slot exists while β > 0: a callback
            raising β mid-run creates it at zero; set back to 0, the velocity is kept but unused
            (Keras 3), so raising β again continues from it.
        nesterov: use Nesterov accelerated gradient (NAG).
        **kwargs: clipping, weight decay and legacy arguments of :class:`Optimizer`.

    Raises:
        ValueError: η ≤ 0 or not finite; β outside [0, 1).
    """

    default_name = "SGD"
    state_spec = StateSpec(slots=(Slot("velocity", switch="momentum"),))
    default_learning_rate = 0.01
    momentum = Hyperparameter(check_unit_interval)

    def __init__(self, learning_rate=None, momentum: float = 0.0, nesterov: bool = False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.momentum = momentum
        self.nesterov = bool(nesterov)

    def update_step(self, param, grad, slots, lr, decay=0.0, check=False):
        momentum = self.momentum.value
        return _kernels.run(sgd_loop, sgd_numpy, param, grad,
                            {"velocity": slots["velocity"] if momentum > 0 else None},
                            {"learning_rate": lr, "momentum": momentum, "nesterov": self.nesterov}, decay, check)

    def get_config(self):
        return {**super().get_config(), "nesterov": self.nesterov}


@kernel
def sgd_loop(param, grad, velocity, learning_rate, momentum, nesterov, decay, tiny, check):
    n = param.size
    if grad.size != n or (velocity.size != n and velocity.size != 0):
        return SIZE_MISMATCH
    if check and not all_finite(grad):
        return NON_FINITE
    if velocity.size == 0:
        for i in range(n):
            p = param[i]
            if decay != 0:
                p -= p * decay
            param[i] = p - learning_rate * grad[i]
    elif nesterov:
        for i in range(n):
            p = param[i]
            if decay != 0:
                p -= p * decay
            step = learning_rate * grad[i]
            v = momentum * velocity[i] - step
            if abs(v) < tiny:
                v = v - v
            velocity[i] = v
            param[i] = p + (momentum * v - step)
    else:
        for i in range(n):
            p = param[i]
            if decay != 0:
                p -= p * decay
            v = momentum * velocity[i] - learning_rate * grad[i]
            if abs(v) < tiny:
                v = v - v
            velocity[i] = v
            param[i] = p + v
    return OK


def sgd_numpy(param, grad, velocity, learning_rate, momentum, nesterov, decay, tiny):
    _kernels.decay_in_place(param, decay)
    step = learning_rate * grad
    if velocity is None:
        param -= step
        return
    velocity *= momentum
    velocity -= step
    _kernels.flush_subnormals(velocity, tiny)
    if nesterov:
        param += momentum * velocity - step
    else:
        param += velocity
