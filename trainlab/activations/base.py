"""The activation protocol: ``forward(z) -> a`` and ``backward(a, grad_a) -> grad_z``.

An activation is a stateless object apart from its hyperparameters. ``forward`` maps the
pre-activation z to a = f(z); ``backward`` maps g = ∂L/∂a to ∂L/∂z = f'(z) ⊙ g.

* **From the output.** Most derivatives can be written with a alone (ReLU: 1[a > 0]; tanh:
  1 − a²; SELU: λ or a + λα), so by default ``backward(a, grad_a)`` receives only a, and layers
  keep one array per activation.
* **From the input.** An activation whose derivative needs z (swish, GELU, mish; ReLU with a
  threshold or a cap) sets ``needs_input = True``; it is then called as
  ``backward(a, grad_a, z)`` and the layer keeps z too. A subclass written for the two-argument
  form (the default) keeps working unchanged: :func:`backward_of` is the one place that decides.

Layers reach activations through two more hooks, which is where the compiled kernels plug in
(:mod:`trainlab.activations.kernels`):

* ``forward_with_bias(z, bias) -> a``: adds ``bias`` (or nothing, when None) into z in place,
  then applies f; z afterwards holds the pre-activation the layer keeps.
* ``backward_with_bias(z, a, grad_a, bias_grad) -> δ``: δ = f'(z) ⊙ g, and, when ``bias_grad``
  is not None, Σ over every axis but the last of δ written into ``bias_grad`` in place (it may
  be a view into a flat gradient buffer, so it is never rebound).

The defaults compose ``forward`` and ``backward`` with NumPy, so a user subclass needs only
those two; the built-in element-wise activations override the hooks with one fused pass.

Calling an activation is its forward pass with Keras' function signature: ``relu(x)``,
``relu(x, negative_slope=0.1, max_value=6.0)``, ``softmax(x, axis=0)``.
"""
from __future__ import annotations

import inspect

import numpy as np

from trainlab import backend
from trainlab._registry import Configurable, Registry

registry = Registry("activation")


class Activation(Configurable):
    """Base class: override ``forward`` and ``backward`` (and ``needs_input`` if f' needs z).

    ``name`` is the Keras function name the activation serializes to when its hyperparameters
    are the defaults (``"relu"``); subclasses registered under another name set it.
    """

    name: str = ""
    needs_input: bool = False

    def __call__(self, x, *args, **kwargs) -> np.ndarray:
        activation = self.with_arguments(*args, **kwargs) if args or kwargs else self
        return activation.forward(as_float_array(x))

    def with_arguments(self, *args, **kwargs) -> "Activation":
        """A copy with some constructor arguments replaced: ``relu.with_arguments(max_value=6.0)``.

        Raises:
            TypeError: for an argument the constructor does not take, naming the ones it does.
        """
        signature = inspect.signature(type(self))
        try:
            bound = signature.bind_partial(*args, **kwargs)
        except TypeError as error:
            accepted = ", ".join(signature.parameters) or "no arguments"
            raise TypeError(f"{self.name or type(self).__name__}(x, ...) takes {accepted}; {error}") from None
        return type(self)(**{**self.get_config(), **bound.arguments})

    def forward(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must implement forward(z)")

    def backward(self, a: np.ndarray, grad_a: np.ndarray, z: np.ndarray | None = None) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must implement backward(a, grad_a)")

    def forward_with_bias(self, z: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
        """f(z + bias), the sum written into z (which the caller owns)."""
        if bias is not None:
            np.add(z, bias, out=z)
        return self.forward(z)

    def backward_with_bias(self, z: np.ndarray, a: np.ndarray, grad_a: np.ndarray,
                           bias_grad: np.ndarray | None) -> np.ndarray:
        """δ = f'(z) ⊙ grad_a, and Σ_batch δ written into ``bias_grad`` when it is not None."""
        delta = backward_of(self, z, a, grad_a)
        if bias_grad is not None:
            np.add.reduce(delta.reshape(-1, delta.shape[-1]), axis=0, out=bias_grad)
        return delta

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"


class FusedActivation(Activation):
    """A built-in activation whose four hooks run through one fused kernel pair.

    Subclasses implement ``_fused_forward(z, bias)`` and ``_fused_backward(z, a, grad_a,
    bias_grad)`` (:mod:`trainlab.activations.kernels`); ``forward``/``backward`` are those with
    no bias. A user subclass that redefines ``forward`` or ``backward`` gets the generic hooks
    composed from its own methods, never the kernel of the class it derives from.
    """

    def forward(self, z):
        return self._fused_forward(z, None)

    def backward(self, a, grad_a, z=None):
        return self._fused_backward(z, a, grad_a, None)

    def forward_with_bias(self, z, bias):
        if type(self).forward is not FusedActivation.forward:
            return super().forward_with_bias(z, bias)
        return self._fused_forward(z, bias)

    def backward_with_bias(self, z, a, grad_a, bias_grad):
        if type(self).backward is not FusedActivation.backward:
            return super().backward_with_bias(z, a, grad_a, bias_grad)
        return self._fused_backward(z, a, grad_a, bias_grad)

    def _fused_forward(self, z, bias):
        raise NotImplementedError

    def _fused_backward(self, z, a, grad_a, bias_grad):
        raise NotImplementedError


def backward_of(activation: Activation, z, a, grad_a) -> np.ndarray:
    """``activation.backward`` called with z only when the activation declares it needs it."""
    if activation.needs_input:
        return activation.backward(a, grad_a, z)
    return activation.backward(a, grad_a)


def as_float_array(x) -> np.ndarray:
    """``x`` as an array; lists and integer arrays become floatx, as Keras converts them."""
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(backend.floatx())


def check_number(owner: str, name: str, value, minimum: float | None = 0.0, allow_none: bool = False):
    """``float(value)`` after checking it is a real number >= ``minimum`` (None passes if allowed).

    Raises:
        ValueError: naming the argument, the value received and the accepted range (Keras raises
            ValueError here too, also for None).
    """
    if value is None and allow_none:
        return None
    valid = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not valid or not np.isfinite(value) or (minimum is not None and value < minimum):
        bound = "" if minimum is None else f" >= {minimum}"
        none = " or None" if allow_none else ""
        raise ValueError(f"{owner} {name} must be a finite number{bound}{none}; got {value!r}.")
    return float(value)


def scalar(value: float, dtype) -> np.ndarray:
    """A hyperparameter as a 0-d array of the data's dtype, so float32 arithmetic stays float32."""
    return np.asarray(value, dtype)
