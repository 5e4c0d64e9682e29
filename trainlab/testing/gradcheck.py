"""Finite-difference gradient checks (public: users check their own layers and losses with it).

Every analytic gradient is compared with the float64 central difference
∂f/∂θᵢ ≈ (f(θ + hεᵢ) − f(θ − hεᵢ)) / 2h, using the scalar f = Σ (output ⊙ R) for a fixed
random R, so every output element contributes. Stochastic layers (anything with a ``rng``
attribute: dropout masks, RReLU slopes) get their generator state restored before every forward
pass, so each evaluation sees the same random draw.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_STEP = 1e-6


@dataclass
class GradCheckResult:
    """The worst relative error per checked array: ``{"input": e, "kernel": e, ...}``."""

    errors: dict[str, float]

    @property
    def max_error(self) -> float:
        return max(self.errors.values(), default=0.0)


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    scale = np.maximum(1.0, np.abs(analytic) + np.abs(numeric))
    return float(np.max(np.abs(analytic - numeric) / scale)) if analytic.size else 0.0


def numeric_gradient(f, array: np.ndarray, step: float = DEFAULT_STEP) -> np.ndarray:
    """Central differences of scalar ``f()`` with respect to ``array`` (perturbed in place, restored)."""
    grad = np.zeros_like(array, dtype=np.float64)
    flat, flat_grad = array.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + step
        plus = f()
        flat[i] = original - step
        minus = f()
        flat[i] = original
        flat_grad[i] = (plus - minus) / (2 * step)
    return grad


def check_layer(layer, x: np.ndarray, training: bool = True, seed: int = 0, step: float = DEFAULT_STEP) -> GradCheckResult:
    """Compare ``layer.backward`` with central differences for the input and every parameter.

    The layer must be float64 (``dtype="float64"``) and is built on ``x`` if needed.
    """
    x = np.array(x, dtype=np.float64)
    if not layer.built:
        layer.ensure_built((None, *x.shape[1:]))
    if layer.dtype != np.float64:
        raise ValueError(f"Gradient checks need a float64 layer; {layer.name!r} is {layer.dtype}. "
                         f"Create it with dtype='float64'.")
    rng_state = layer.rng.bit_generator.state if hasattr(layer, "rng") else None

    def forward():
        if rng_state is not None:
            layer.rng.bit_generator.state = rng_state
        return layer.call(x, training=training)

    probe = np.random.default_rng(seed).normal(size=forward().shape)

    def objective() -> float:
        return float(np.sum(forward() * probe))

    forward()
    grad_in = layer.backward(probe.copy(), need_input_grad=True)
    analytic = {"input": np.array(grad_in, dtype=np.float64)}
    analytic.update({name: layer.grads[name].copy() for name in layer.params})
    errors = {"input": relative_error(analytic["input"], numeric_gradient(objective, x, step))}
    for name, value in layer.params.items():
        errors[name] = relative_error(analytic[name], numeric_gradient(objective, value, step))
    return GradCheckResult(errors)


def check_loss(loss, y_true: np.ndarray, y_pred: np.ndarray, step: float = DEFAULT_STEP) -> GradCheckResult:
    """Compare ``loss.gradient`` (and the fused logit gradient, when the loss has one) with differences."""
    y_pred = np.array(y_pred, dtype=np.float64)
    errors = {"y_pred": relative_error(loss.gradient(y_true, y_pred),
                                       numeric_gradient(lambda: loss.value(y_true, y_pred), y_pred, step))}
    if loss.fused_activation is not None:
        logits = np.array(y_pred, dtype=np.float64)
        _, analytic = loss.value_and_logit_gradient(y_true, logits)
        numeric = numeric_gradient(lambda: loss.value_and_logit_gradient(y_true, logits)[0], logits, step)
        errors["logits"] = relative_error(analytic, numeric)
    return GradCheckResult(errors)


def check_activation(activation, z: np.ndarray, step: float = DEFAULT_STEP, seed: int = 0) -> GradCheckResult:
    """Compare ``activation.backward`` (given the output, and z when it declares ``needs_input``)
    with differences of ``forward``."""
    from trainlab.activations import backward_of

    z = np.array(z, dtype=np.float64)
    probe = np.random.default_rng(seed).normal(size=z.shape)
    analytic = backward_of(activation, z.copy(), activation.forward(z.copy()), probe)
    numeric = numeric_gradient(lambda: float(np.sum(activation.forward(z) * probe)), z, step)
    return GradCheckResult({"input": relative_error(analytic, numeric)})
