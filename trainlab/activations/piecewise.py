"""The rectifier family: linear, ReLU (Keras 3's thresholded, capped, leaky form), leaky ReLU, ELU, SELU.

=============  ====================================================  =================================
name           a = f(z)                                              f'(z)
=============  ====================================================  =================================
linear         z                                                     1
relu           min(z, m) if z > t else s·(z − t)                     1 (0 where z ≥ m) if z > t else s
               (defaults s = 0, m = ∞, t = 0: max(z, 0))             from a: 1[a > 0] (+ s·1[a ≤ 0])
leaky_relu     z if z > 0 else s·z, s = 0.2                          from a: 1 if a > 0 else s
elu            z if z > 0 else α(e^z − 1), α = 1                     from a: 1 if a > 0 else a + α
selu           λ·elu_α(z), α ≈ 1.6733, λ ≈ 1.0507                    from a: λ if a > 0 else a + λα
=============  ====================================================  =================================

With a threshold t ≠ 0 or a cap m, ReLU's derivative is not a function of its output (every
z ≥ m gives a = m), so that form declares ``needs_input``.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from trainlab.activations import kernels
from trainlab.activations.base import Activation, FusedActivation, check_number, registry

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def deprecated_alpha(owner: str, negative_slope, alpha, stacklevel: int = 3):
    """tf.keras 2 called the slope ``alpha``: still accepted, with a DeprecationWarning."""
    if alpha is None:
        return negative_slope
    warnings.warn(f"{owner}(alpha=...) is the tf.keras 2 name; use negative_slope={alpha!r}.",
                  DeprecationWarning, stacklevel=stacklevel)
    return alpha


@registry.register("linear")
class Linear(Activation):
    """The identity: a = z (Keras' ``activation=None``)."""

    name = "linear"

    def forward(self, z):
        return z

    def backward(self, a, grad_a, z=None):
        return grad_a

    def forward_with_bias(self, z, bias):
        if bias is not None:
            kernels.check_bias(bias, z)
            np.add(z, bias, out=z)
        return z

    def backward_with_bias(self, z, a, grad_a, bias_grad):
        if bias_grad is not None:
            kernels.sum_rows(grad_a, bias_grad)
        return grad_a


@registry.register("relu")
class ReLU(FusedActivation):
    """Rectified linear unit with Keras 3's options.

    Args:
        negative_slope: slope s below the threshold, >= 0 (default 0; ``alpha=`` is the tf.keras
            2 name, deprecated).
        max_value: cap m on the output, >= 0, or None (default) for none.
        threshold: t, >= 0 (default 0): inputs at or below it give s·(z − t).

    Raises:
        ValueError: a negative or missing argument, as Keras' ReLU layer raises.
    """

    name = "relu"

    def __init__(self, negative_slope: float = 0.0, max_value: float | None = None, threshold: float = 0.0,
                 alpha: float | None = None):
        negative_slope = deprecated_alpha("relu", negative_slope, alpha)
        self.negative_slope = check_number("relu", "negative_slope", negative_slope)
        self.max_value = check_number("relu", "max_value", max_value, allow_none=True)
        self.threshold = check_number("relu", "threshold", threshold)

    @property
    def needs_input(self) -> bool:
        return self.max_value is not None or self.threshold != 0

    def _constants(self):
        return self.negative_slope, math.inf if self.max_value is None else self.max_value, self.threshold

    def _fused_forward(self, z, bias):
        return kernels.rectifier_forward(z, bias, *self._constants())

    def _fused_backward(self, z, a, grad_a, bias_grad):
        # Without threshold and cap, a > 0 exactly where z > 0, so the output serves.
        return kernels.rectifier_backward(z if self.needs_input else a, grad_a, bias_grad, *self._constants())

    def get_config(self):
        return {"negative_slope": self.negative_slope, "max_value": self.max_value, "threshold": self.threshold}


@registry.register("leaky_relu")
class LeakyReLU(FusedActivation):
    """z if z > 0 else s·z; the function's default s is 0.2 (Keras' LeakyReLU *layer* uses 0.3).

    Args:
        negative_slope: s >= 0 (1 gives the identity, > 1 is allowed as in Keras; ``alpha=`` is
            the tf.keras 2 name, deprecated).

    Raises:
        ValueError: a negative slope or None.
    """

    name = "leaky_relu"

    def __init__(self, negative_slope: float = 0.2, alpha: float | None = None):
        negative_slope = deprecated_alpha("leaky_relu", negative_slope, alpha)
        self.negative_slope = check_number("leaky_relu", "negative_slope", negative_slope)

    def _fused_forward(self, z, bias):
        return kernels.rectifier_forward(z, bias, self.negative_slope, math.inf, 0.0)

    def _fused_backward(self, z, a, grad_a, bias_grad):
        return kernels.rectifier_backward(a, grad_a, bias_grad, self.negative_slope, math.inf, 0.0)

    def get_config(self):
        return {"negative_slope": self.negative_slope}


@registry.register("elu")
class ELU(FusedActivation):
    """z if z > 0 else α(e^z − 1).

    Args:
        alpha: α > 0 (default 1). Keras accepts any α; α <= 0 is refused here because the
            derivative is taken from the output, which needs f increasing.
    """

    name = "elu"

    def __init__(self, alpha: float = 1.0):
        if check_number("elu", "alpha", alpha, minimum=None) <= 0:
            raise ValueError(f"elu alpha must be > 0; got {alpha!r}.")
        self.alpha = float(alpha)

    def _fused_forward(self, z, bias):
        return kernels.exponential_forward(z, bias, 1.0, self.alpha)

    def _fused_backward(self, z, a, grad_a, bias_grad):
        return kernels.exponential_backward(a, grad_a, bias_grad, 1.0, self.alpha)

    def get_config(self):
        return {"alpha": self.alpha}


@registry.register("selu")
class SELU(FusedActivation):
    """λ·ELU_α(z) with the self-normalizing constants α ≈ 1.6733, λ ≈ 1.0507."""

    name = "selu"

    def _fused_forward(self, z, bias):
        return kernels.exponential_forward(z, bias, SELU_SCALE, SELU_SCALE * SELU_ALPHA)

    def _fused_backward(self, z, a, grad_a, bias_grad):
        return kernels.exponential_backward(a, grad_a, bias_grad, SELU_SCALE, SELU_SCALE * SELU_ALPHA)
