"""Seeding: one ``SeedSequence`` spawns independent Generators; no global NumPy RNG anywhere.

``set_random_seed(s)`` resets the root sequence. Every component that needs randomness
(initializers, shuffling, dropout masks, RReLU slopes, MC sampling) asks :func:`generator`
for its own ``numpy.random.Generator``: with an explicit ``seed`` that generator depends only on
the seed; without one it is the next child spawned from the root, so the same top-level seed
and the same construction order give the same numbers, run after run and across processes.
"""
from __future__ import annotations

import numpy as np

_root = np.random.SeedSequence()


def set_random_seed(seed: int) -> None:
    """Seed every subsequent random draw in trainlab (Keras: ``keras.utils.set_random_seed``)."""
    global _root
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    _root = np.random.SeedSequence(int(seed))


def generator(seed: int | None = None) -> np.random.Generator:
    """A new independent Generator: from ``seed`` if given, else spawned from the root."""
    if seed is None:
        return np.random.Generator(np.random.PCG64(_root.spawn(1)[0]))
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer or None; got {seed!r}")
    return np.random.Generator(np.random.PCG64(int(seed)))


def get_state(rng: np.random.Generator) -> dict:
    """JSON-safe state of a Generator (for checkpoints)."""
    return rng.bit_generator.state


def set_state(rng: np.random.Generator, state: dict) -> None:
    rng.bit_generator.state = state
