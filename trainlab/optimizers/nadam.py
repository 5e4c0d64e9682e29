"""Nadam: Adam with Nesterov momentum and Keras' momentum schedule."""
from __future__ import annotations

import math

import numpy as np

from trainlab._jit import kernel
from trainlab.optimizers import _kernels
from trainlab.optimizers._kernels import NON_FINITE, OK, SIZE_MISMATCH, all_finite
from trainlab.optimizers.adam import MomentEstimates, update_moments
from trainlab.optimizers.base import registry
from trainlab.optimizers.state import Extra, Slot, StateSpec

MOMENTUM_DECAY = 0.96


def momentum_at(beta_1: float, t: int) -> float:
    """μₜ = β₁(1 − ½·0.96ᵗ): the momentum schedule (Keras 3, exponent t)."""
    return beta_1 * (1.0 - 0.5 * MOMENTUM_DECAY ** t)


@registry.register("nadam")
class Nadam(MomentEstimates):
    """Nadam (Dozat, 2016), Keras 3 semantics.

    With g = ∇θJ(θ), t = iterations + 1 and the momentum schedule μₜ = β₁(1 − ½·0.96ᵗ):

    * Πₜ = Πₜ₋₁·μₜ  (Π₀ = 1; one running product per optimizer, saved with the slots)
    * m ← β₁m + (1 − β₁)g;  s ← β₂s + (1 − β₂)g ⊗ g
    * m̂ = μₜ₊₁ m / (1 − Πₜμₜ₊₁) + (1 − μₜ) g / (1 − Πₜ)   (the Nesterov look-ahead)
    * ŝ = s / (1 − β₂ᵗ)
    * θ ← θ − η m̂ ⊘ (√ŝ + ε)

    The per-step scalars are folded once per step (in float64): with c = 1 − β₂ᵗ,
    η m̂ ⊘ (√(s/c) + ε) = (aₘ m + a_g g) ⊘ (√s + ε√c), where aₘ = η√c·μₜ₊₁/(1 − Πₜμₜ₊₁) and
    a_g = η√c·(1 − μₜ)/(1 − Πₜ), so the loop does one square root and one division per element,
    as Adam's does.

    Args:
        learning_rate: η > 0 (default 0.001), a schedule, or a zero-argument callable.
        beta_1, beta_2: decay rates in [0, 1) (defaults 0.9, 0.999).
        epsilon: ε > 0 (default 1e-7), added to the corrected root.
        **kwargs: clipping, weight decay and legacy arguments of :class:`Optimizer`.

    Raises:
        ValueError: η ≤ 0, ε ≤ 0, a beta outside [0, 1).

    Note:
        tf.keras 2 and PyTorch use 0.96^(0.004·t) (``momentum_decay=0.004``), a schedule that
        changes far more slowly; Keras 3 uses 0.96ᵗ, which reaches β₁ within ~100 steps.
    """

    default_name = "nadam"
    state_spec = StateSpec(slots=(Slot("first_moment"), Slot("second_moment")),
                           extras=(Extra("momentum_product", 1.0),))

    def begin_step(self, lr):
        t = self.iterations + 1
        beta_1 = self.beta_1.value
        momentum, next_momentum = momentum_at(beta_1, t), momentum_at(beta_1, t + 1)
        product = self.momentum_product * momentum
        self._next_product = product  # committed by end_step, once the step went through
        root_correction = math.sqrt(1.0 - self.beta_2.value ** t)
        scale = lr * root_correction
        self._coefficients = {"momentum_coefficient": scale * next_momentum / (1.0 - product * next_momentum),
                              "gradient_coefficient": scale * (1.0 - momentum) / (1.0 - product),
                              "epsilon": self.epsilon.value * root_correction}

    def end_step(self):
        self.momentum_product = self._next_product

    def update_step(self, param, grad, slots, lr, decay=0.0, check=False):
        return _kernels.run(nadam_loop, nadam_numpy, param, grad,
                            {"first_moment": slots["first_moment"], "second_moment": slots["second_moment"]},
                            {"one_minus_beta_1": 1.0 - self.beta_1.value, "one_minus_beta_2": 1.0 - self.beta_2.value,
                             **self._coefficients}, decay, check)


@kernel
def nadam_loop(param, grad, first_moment, second_moment, one_minus_beta_1, one_minus_beta_2, momentum_coefficient,
               gradient_coefficient, epsilon, decay, tiny, check):
    n = param.size
    if grad.size != n or first_moment.size != n or second_moment.size != n:
        return SIZE_MISMATCH
    if check and not all_finite(grad):
        return NON_FINITE
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
        param[i] = p - (momentum_coefficient * m + gradient_coefficient * g) / (np.sqrt(v) + epsilon)
    return OK


def nadam_numpy(param, grad, first_moment, second_moment, one_minus_beta_1, one_minus_beta_2, momentum_coefficient,
                gradient_coefficient, epsilon, decay, tiny):
    _kernels.decay_in_place(param, decay)
    update_moments(grad, first_moment, second_moment, one_minus_beta_1, one_minus_beta_2, tiny)
    param -= (momentum_coefficient * first_moment + gradient_coefficient * grad) / (np.sqrt(second_moment) + epsilon)
