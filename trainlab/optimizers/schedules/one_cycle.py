"""1cycle (Smith, 2018), in the three-phase linear form the notes describe.

With T = ``total_steps``, f = ``final_fraction`` and h = ⌊(1 − f)·T / 2⌋:

========================  =============================  ==========================
steps                     learning rate                  momentum (β₁ for Adam)
========================  =============================  ==========================
[0, h)                    η₀ → η_max, linearly           m_max → m_min, linearly
[h, 2h)                   η_max → η₀, linearly           m_min → m_max, linearly
[2h, T]                   η₀ → η_end, linearly           m_max
after T                   η_end                          m_max
========================  =============================  ==========================

Defaults follow Géron's ``OneCycleScheduler``: η₀ = η_max/10, η_end = η₀/1000, f = 0.1,
momentum 0.95 → 0.85 → 0.95. The rate therefore drops by three orders of magnitude over the
last tenth of training.

Difference from PyTorch's ``OneCycleLR``: PyTorch anneals with a cosine by default
(``anneal_strategy="cos"``), spends 30 % of the steps rising (``pct_start=0.3``), starts at
η_max/25 and ends at η₀/10⁴, and by default has two phases (up, then one long descent to the
end value); ``three_phase=True`` with ``anneal_strategy="linear"`` is the closest match, but its
third phase has a fixed length equal to the rising phase rather than a final fraction.
"""
from __future__ import annotations

import numpy as np

from trainlab.optimizers.schedules.base import LearningRateSchedule, positive, registry, unit_fraction


@registry.register()
class OneCycle(LearningRateSchedule):
    """The 1cycle learning rate (see the module docstring), with the matching momentum cycle.

    Args:
        total_steps: T, the number of updates of the whole run (≥ 4, and large enough that each
            of the first two phases has at least one step).
        max_learning_rate: η_max > 0, the peak (pick it with the LR range test, ``lr_finder``).
        initial_learning_rate: η₀ in (0, η_max] (default η_max/10).
        final_learning_rate: η_end in (0, η₀] (default η₀/1000).
        final_fraction: f in [0, 1), the share of steps spent in the final drop (default 0.1).
        max_momentum, min_momentum: the momentum cycle's ends, 0 ≤ min ≤ max < 1 (0.95, 0.85).

    ``schedule(t)`` is the rate; ``schedule.momentum(t)`` the momentum. As a ``learning_rate``
    argument it drives the rate only; :class:`trainlab.callbacks.OneCycleScheduler` drives both.
    """

    def __init__(self, total_steps: int, max_learning_rate: float, initial_learning_rate: float | None = None,
                 final_learning_rate: float | None = None, final_fraction: float = 0.1, max_momentum: float = 0.95,
                 min_momentum: float = 0.85, name: str = "OneCycle"):
        if isinstance(total_steps, bool) or not isinstance(total_steps, (int, np.integer)) or total_steps < 4:
            raise ValueError(f"total_steps must be an integer >= 4 (the updates of the whole run); got {total_steps!r}.")
        self.total_steps = int(total_steps)
        self.max_learning_rate = positive("max_learning_rate", max_learning_rate)
        self.initial_learning_rate = (self.max_learning_rate / 10 if initial_learning_rate is None
                                      else positive("initial_learning_rate", initial_learning_rate))
        if self.initial_learning_rate > self.max_learning_rate:
            raise ValueError(f"initial_learning_rate ({self.initial_learning_rate}) must not exceed max_learning_rate "
                             f"({self.max_learning_rate}).")
        self.final_learning_rate = (self.initial_learning_rate / 1000 if final_learning_rate is None
                                    else positive("final_learning_rate", final_learning_rate))
        self.final_fraction = unit_fraction("final_fraction", final_fraction)
        self.max_momentum = unit_fraction("max_momentum", max_momentum)
        self.min_momentum = unit_fraction("min_momentum", min_momentum)
        if self.min_momentum > self.max_momentum:
            raise ValueError(f"min_momentum ({min_momentum}) must not exceed max_momentum ({max_momentum}).")
        self.half_cycle = int((1.0 - self.final_fraction) * self.total_steps / 2)
        if self.half_cycle < 1:
            raise ValueError(f"total_steps={total_steps} with final_fraction={final_fraction} leaves no step for the "
                             f"rising phase; use more steps or a smaller final_fraction.")
        self.name = name
        self._knots = [0, self.half_cycle, 2 * self.half_cycle, self.total_steps]

    def __call__(self, step):
        rates = [self.initial_learning_rate, self.max_learning_rate, self.initial_learning_rate,
                 self.final_learning_rate]
        return float(np.interp(step, self._knots, rates))

    def momentum(self, step) -> float:
        """The momentum (or β₁) paired with the rate at ``step``: high when the rate is low."""
        values = [self.max_momentum, self.min_momentum, self.max_momentum, self.max_momentum]
        return float(np.interp(step, self._knots, values))

    def phase(self, step) -> str:
        """``"warmup"``, ``"cooldown"`` or ``"annihilation"`` (Smith's names for the three phases)."""
        if step < self.half_cycle:
            return "warmup"
        return "cooldown" if step < 2 * self.half_cycle else "annihilation"

    def get_config(self):
        return {"total_steps": self.total_steps, "max_learning_rate": self.max_learning_rate,
                "initial_learning_rate": self.initial_learning_rate, "final_learning_rate": self.final_learning_rate,
                "final_fraction": self.final_fraction, "max_momentum": self.max_momentum,
                "min_momentum": self.min_momentum, "name": self.name}
