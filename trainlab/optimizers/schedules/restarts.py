"""Cosine decay with warm restarts (SGDR, Loshchilov & Hutter 2016): Keras' ``CosineDecayRestarts``.

Period i (i = 0, 1, …) lasts T_i = T₀·t_mul^i steps and starts at S_i = T₀·(t_mul^i − 1)/(t_mul − 1)
(S_i = i·T₀ when t_mul = 1). Inside period i, with f = (t − S_i)/T_i in [0, 1):

    η(t) = η₀ · ((1 − α)·m_mul^i·½(1 + cos(π·f)) + α)

so each period decays from η₀·((1 − α)·m_mul^i + α) to η₀·α, then the rate jumps back up.
"""
from __future__ import annotations

import math

from trainlab.optimizers.schedules.base import LearningRateSchedule, non_negative, positive, registry


@registry.register()
class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay that restarts every period, each period t_mul times longer than the last.

    η(t) = η₀ · ((1 − α)·m_mul^i·½(1 + cos(π·f)) + α), i the period index and f the fraction of
    period i already done (see the module docstring for the period lengths).

    Args:
        initial_learning_rate: η₀ > 0.
        first_decay_steps: T₀ > 0, the length of the first period.
        t_mul: growth of the period length, ≥ 1 (default 2.0).
        m_mul: the peak of period i is m_mul^i times the first one, ≥ 0 (default 1.0).
        alpha: the floor as a fraction of η₀, in [0, 1] (default 0.0); not scaled by m_mul^i.
        name: default ``"SGDRDecay"`` (Keras' name).

    Raises:
        ValueError: a value out of range, t_mul < 1 included.

    Departs from Keras: Keras accepts t_mul < 1, whose periods shrink towards zero length and sum to
    T₀/(1 − t_mul) steps, after which its rate is NaN; trainlab refuses it, as PyTorch's
    ``CosineAnnealingWarmRestarts`` does.
    """

    def __init__(self, initial_learning_rate: float, first_decay_steps: int, t_mul: float = 2.0, m_mul: float = 1.0,
                 alpha: float = 0.0, name: str = "SGDRDecay"):
        self.initial_learning_rate = positive("initial_learning_rate", initial_learning_rate)
        self.first_decay_steps = positive("first_decay_steps", first_decay_steps)
        self.t_mul = positive("t_mul", t_mul)
        if self.t_mul < 1:
            raise ValueError(f"t_mul must be >= 1 (each period at least as long as the previous one); got {t_mul}. "
                             f"With t_mul < 1 the periods shrink to nothing after first_decay_steps/(1 - t_mul) steps.")
        self.m_mul = non_negative("m_mul", m_mul)
        self.alpha = non_negative("alpha", alpha)
        if self.alpha > 1:
            raise ValueError(f"alpha is the floor as a fraction of initial_learning_rate, in [0, 1]; got {alpha}.")
        self.name = name

    def _period_start(self, i: int) -> float:
        if self.t_mul == 1:
            return i * self.first_decay_steps
        return self.first_decay_steps * (self.t_mul ** i - 1) / (self.t_mul - 1)

    def _period(self, step) -> tuple[int, float]:
        """(i, f): the period holding ``step`` and the fraction of it done."""
        ratio = step / self.first_decay_steps
        if self.t_mul == 1:
            i = math.floor(ratio)
        else:
            i = math.floor(math.log1p(ratio * (self.t_mul - 1)) / math.log(self.t_mul))
        # The float logarithm may land a hair off an integer at a period boundary: settle i exactly.
        while self._period_start(i + 1) <= step:
            i += 1
        while i > 0 and self._period_start(i) > step:
            i -= 1
        length = self.first_decay_steps * self.t_mul ** i
        return i, (step - self._period_start(i)) / length

    def __call__(self, step):
        i, fraction = self._period(step)
        cosine = 0.5 * self.m_mul ** i * (1.0 + math.cos(math.pi * fraction))
        return self.initial_learning_rate * ((1.0 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "first_decay_steps": self.first_decay_steps,
                "t_mul": self.t_mul, "m_mul": self.m_mul, "alpha": self.alpha, "name": self.name}
