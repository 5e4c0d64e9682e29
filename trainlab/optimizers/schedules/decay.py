"""Decaying schedules: exponential, piecewise constant, inverse time, power, polynomial, cosine.

Every formula uses t = the step (updates done so far) and η₀ = ``initial_learning_rate``.
"""
from __future__ import annotations

import bisect
import math

from trainlab.optimizers.schedules.base import LearningRateSchedule, non_negative, positive, registry


@registry.register()
class ExponentialDecay(LearningRateSchedule):
    """η(t) = η₀ · rate^(t / s)   (⌊t / s⌋ when ``staircase``).

    With rate 0.1 the rate falls tenfold every s steps: the notes' exponential scheduling.

    Args:
        initial_learning_rate: η₀ > 0.  decay_steps: s > 0.  decay_rate: rate > 0.
        staircase: decay in discrete jumps every s steps.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float, staircase: bool = False,
                 name: str = "ExponentialDecay"):
        self.initial_learning_rate = positive("initial_learning_rate", initial_learning_rate)
        self.decay_steps = positive("decay_steps", decay_steps)
        self.decay_rate = positive("decay_rate", decay_rate)
        self.staircase = bool(staircase)
        self.name = name

    def __call__(self, step):
        exponent = step / self.decay_steps
        if self.staircase:
            exponent = math.floor(exponent)
        return self.initial_learning_rate * self.decay_rate ** exponent

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


@registry.register()
class PiecewiseConstantDecay(LearningRateSchedule):
    """η(t) = values[i] for t in (b_{i−1}, b_i]: a constant rate that changes at each boundary.

    ``values[0]`` holds up to and including b₀, then the next value after each boundary; a step
    equal to a boundary keeps the earlier value (Keras).

    Args:
        boundaries: strictly increasing steps (at least one).
        values: len(boundaries) + 1 rates, each > 0.
    """

    def __init__(self, boundaries, values, name: str = "PiecewiseConstant"):
        boundaries, values = list(boundaries), list(values)
        if not boundaries:
            raise ValueError("boundaries must hold at least one step; for a constant rate pass a float learning_rate.")
        if len(values) != len(boundaries) + 1:
            raise ValueError(f"values must have len(boundaries) + 1 = {len(boundaries) + 1} entries (one rate per "
                             f"interval); got {len(values)}: {values}.")
        self.boundaries = [non_negative("boundaries", b) for b in boundaries]
        for before, after in zip(self.boundaries, self.boundaries[1:]):
            if not after > before:
                raise ValueError(f"boundaries must be strictly increasing; got {after} after {before} in "
                                 f"{boundaries}.")
        self.values = [positive("values", v) for v in values]
        self.name = name

    def __call__(self, step):
        return self.values[bisect.bisect_left(self.boundaries, step)]

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


@registry.register()
class InverseTimeDecay(LearningRateSchedule):
    """η(t) = η₀ / (1 + rate · t / s)   (⌊t / s⌋ when ``staircase``).

    With rate 1 this is the notes' power scheduling with c = 1; tf.keras 2's ``decay=d`` is
    rate d with s = 1.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float, staircase: bool = False,
                 name: str = "InverseTimeDecay"):
        self.initial_learning_rate = positive("initial_learning_rate", initial_learning_rate)
        self.decay_steps = positive("decay_steps", decay_steps)
        self.decay_rate = non_negative("decay_rate", decay_rate)
        self.staircase = bool(staircase)
        self.name = name

    def __call__(self, step):
        fraction = step / self.decay_steps
        if self.staircase:
            fraction = math.floor(fraction)
        return self.initial_learning_rate / (1.0 + self.decay_rate * fraction)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


@registry.register()
class PowerDecay(LearningRateSchedule):
    """η(t) = η₀ / (1 + t / s)^c: the notes' power scheduling with any exponent c.

    After k·s steps the rate is η₀ / (k + 1)^c. Keras has no such class (it is
    ``InverseTimeDecay`` for c = 1); this one exists because the notes write the general form.

    Args:
        initial_learning_rate: η₀ > 0.  decay_steps: s > 0.  power: c > 0 (default 1).
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, power: float = 1.0, name: str = "PowerDecay"):
        self.initial_learning_rate = positive("initial_learning_rate", initial_learning_rate)
        self.decay_steps = positive("decay_steps", decay_steps)
        self.power = positive("power", power)
        self.name = name

    def __call__(self, step):
        return self.initial_learning_rate / (1.0 + step / self.decay_steps) ** self.power

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "power": self.power, "name": self.name}


@registry.register()
class PolynomialDecay(LearningRateSchedule):
    """η(t) = (η₀ − η_end)(1 − t'/s')^p + η_end.

    Without ``cycle``: t' = min(t, s), s' = s (the rate stays at η_end after s steps). With
    ``cycle``: t' = t and s' = s·⌈t/s⌉ (s at t = 0), so the decay restarts, ever slower.

    Args:
        initial_learning_rate: η₀ > 0.  decay_steps: s > 0.
        end_learning_rate: η_end ≥ 0 (default 1e-4).  power: p > 0 (default 1, linear).
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, end_learning_rate: float = 1e-4,
                 power: float = 1.0, cycle: bool = False, name: str = "PolynomialDecay"):
        self.initial_learning_rate = positive("initial_learning_rate", initial_learning_rate)
        self.decay_steps = positive("decay_steps", decay_steps)
        self.end_learning_rate = non_negative("end_learning_rate", end_learning_rate)
        self.power = positive("power", power)
        self.cycle = bool(cycle)
        self.name = name

    def __call__(self, step):
        decay_steps = self.decay_steps
        if self.cycle:
            decay_steps *= max(1, math.ceil(step / decay_steps))
        else:
            step = min(step, decay_steps)
        remaining = 1.0 - step / decay_steps
        return (self.initial_learning_rate - self.end_learning_rate) * remaining ** self.power + self.end_learning_rate

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


@registry.register()
class CosineDecay(LearningRateSchedule):
    """Cosine annealing, with an optional linear warmup first.

    Without warmup: η(t) = η₀ · ((1 − α)·½(1 + cos(π·min(t, s)/s)) + α).
    With ``warmup_target`` η_w and ``warmup_steps`` w: η rises linearly from η₀ to η_w over the
    first w steps, then decays from η_w as above with t − w (α is a fraction of η_w). Keras'
    warm-up recipe starts from zero: ``CosineDecay(0.0, s, warmup_target=0.1, warmup_steps=w)``.

    Args:
        initial_learning_rate: η₀ > 0, or ≥ 0 with a warmup.  decay_steps: s > 0.
        alpha: the final rate as a fraction of the decayed-from rate, in [0, 1] (default 0).
        warmup_target: η_w > 0 or None (no warmup).  warmup_steps: w ≥ 0.

    Raises:
        ValueError: a value out of range; η₀ = 0 without a warmup (the rate would stay 0 — Keras
            accepts it and trains nothing); ``warmup_steps`` without a ``warmup_target``.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, alpha: float = 0.0, name: str = "CosineDecay",
                 warmup_target: float | None = None, warmup_steps: int = 0):
        self.initial_learning_rate = non_negative("initial_learning_rate", initial_learning_rate)
        if self.initial_learning_rate == 0 and warmup_target is None:
            raise ValueError("CosineDecay with initial_learning_rate=0 and no warmup keeps the rate at 0 for ever. For "
                             "Keras' warm-up recipe pass warmup_target=<peak rate> and warmup_steps=<steps>; otherwise "
                             "give a rate > 0.")
        self.decay_steps = positive("decay_steps", decay_steps)
        self.alpha = non_negative("alpha", alpha)
        if self.alpha > 1:
            raise ValueError(f"alpha is the final rate as a fraction of the start, in [0, 1]; got {alpha}.")
        self.warmup_target = None if warmup_target is None else positive("warmup_target", warmup_target)
        self.warmup_steps = non_negative("warmup_steps", warmup_steps)
        if self.warmup_steps and self.warmup_target is None:
            raise ValueError(f"warmup_steps={warmup_steps} needs a warmup_target (the rate reached after warmup).")
        self.name = name

    def __call__(self, step):
        start = self.initial_learning_rate
        if self.warmup_target is not None:
            if step < self.warmup_steps:
                return start + (self.warmup_target - start) * step / self.warmup_steps
            start, step = self.warmup_target, step - self.warmup_steps
        fraction = min(step, self.decay_steps) / self.decay_steps
        cosine = 0.5 * (1.0 + math.cos(math.pi * fraction))
        return start * ((1.0 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}
