"""Smooth activations: sigmoid, tanh, and the self-gated family swish (= SiLU), GELU and mish.

=============  =========================================  ===========================================
name           a = f(z)                                   f'(z)
=============  =========================================  ===========================================
sigmoid        σ(z) = 1 / (1 + e^−z)                      from a: a(1 − a)
tanh           tanh z                                     from a: 1 − a²
silu / swish   z·σ(z)                                     from z: σ(z)·(1 + z(1 − σ(z)))
gelu           z·Φ(z) (Φ the standard normal CDF)         from z: Φ(z) + z·φ(z)
gelu, tanh     ½z(1 + tanh u), u = c(z + 0.044715 z³),    from z: ½(1 + tanh u)
form           c = √(2/π)                                   + ½z(1 − tanh² u)·c(1 + 3·0.044715 z²)
mish           z·tanh(softplus z), softplus z = ln(1+e^z)  from z: t + z(1 − t²)σ(z), t = tanh softplus z
=============  =========================================  ===========================================

The self-gated functions are not monotonic, so their derivatives cannot be recovered from the
output: they declare ``needs_input`` and their backward recomputes the gate from z.

GELU defaults to the exact form (Keras 3's ``approximate=False``; PyTorch's ``approximate="none"``)
and computes Φ with ``scipy.special.ndtr``, which keeps its relative accuracy for very negative z
where ½(1 + erf(z/√2)) cancels to 0.
"""
from __future__ import annotations

import math

import numpy as np

from trainlab.activations import kernels
from trainlab.activations.base import Activation, FusedActivation, registry, scalar

GELU_TANH_COEFFICIENT = 0.044715
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


def sigmoid_of(z: np.ndarray) -> np.ndarray:
    """σ(z) with e to the −|z| only, so large inputs of either sign neither overflow nor lose precision."""
    return kernels.sigmoid_forward(z, None)


def _normal_cdf(z: np.ndarray) -> np.ndarray:
    from scipy.special import ndtr  # scipy comes with scikit-learn; imported on first use only

    return ndtr(z).astype(z.dtype, copy=False)


@registry.register("sigmoid")
class Sigmoid(FusedActivation):
    """The logistic function 1 / (1 + e^−z)."""

    name = "sigmoid"

    def _fused_forward(self, z, bias):
        return kernels.sigmoid_forward(z, bias)

    def _fused_backward(self, z, a, grad_a, bias_grad):
        return kernels.sigmoid_backward(a, grad_a, bias_grad)


@registry.register("tanh")
class Tanh(FusedActivation):
    """The hyperbolic tangent."""

    name = "tanh"

    def _fused_forward(self, z, bias):
        return kernels.tanh_forward(z, bias)

    def _fused_backward(self, z, a, grad_a, bias_grad):
        return kernels.tanh_backward(a, grad_a, bias_grad)


@registry.register("silu", "swish")
class SiLU(FusedActivation):
    """Swish / SiLU: z·σ(z) (Keras 3 registers both names for this one function)."""

    name = "silu"
    needs_input = True

    def _fused_forward(self, z, bias):
        return kernels.silu_forward(z, bias)

    def _fused_backward(self, z, a, grad_a, bias_grad):
        return kernels.silu_backward(z, grad_a, bias_grad)


@registry.register("gelu")
class GELU(Activation):
    """Gaussian error linear unit, z·Φ(z).

    Args:
        approximate: False (default, Keras 3) for the exact form; True for the tanh form
            ½z(1 + tanh(√(2/π)(z + 0.044715 z³))) (PyTorch's ``approximate="tanh"``).
    """

    name = "gelu"
    needs_input = True

    def __init__(self, approximate: bool = False):
        if not isinstance(approximate, (bool, np.bool_)):
            raise ValueError(f"gelu approximate must be True or False; got {approximate!r}.")
        self.approximate = bool(approximate)

    def _tanh_argument(self, z):
        return scalar(_SQRT_2_OVER_PI, z.dtype) * (z + scalar(GELU_TANH_COEFFICIENT, z.dtype) * z * z * z)

    def forward(self, z):
        if self.approximate:
            return scalar(0.5, z.dtype) * z * (1 + np.tanh(self._tanh_argument(z)))
        return z * _normal_cdf(z)

    def backward(self, a, grad_a, z=None):
        if self.approximate:
            t = np.tanh(self._tanh_argument(z))
            slope = scalar(_SQRT_2_OVER_PI, z.dtype) * (1 + scalar(3 * GELU_TANH_COEFFICIENT, z.dtype) * z * z)
            half = scalar(0.5, z.dtype)
            return grad_a * (half * (1 + t) + half * z * (1 - t * t) * slope)
        density = scalar(_INV_SQRT_2PI, z.dtype) * np.exp(scalar(-0.5, z.dtype) * z * z)
        return grad_a * (_normal_cdf(z) + z * density)

    def get_config(self):
        return {"approximate": self.approximate}


@registry.register("mish")
class Mish(Activation):
    """Mish: z·tanh(softplus(z)), softplus computed stably as ln(1 + e^z) = logaddexp(0, z)."""

    name = "mish"
    needs_input = True

    def forward(self, z):
        return z * np.tanh(np.logaddexp(scalar(0, z.dtype), z))

    def backward(self, a, grad_a, z=None):
        t = np.tanh(np.logaddexp(scalar(0, z.dtype), z))
        return grad_a * (t + z * (1 - t * t) * sigmoid_of(z))
